/*
 * nRF52 UART0 in its non-DMA mode (ENABLE = 4): one byte per TXD/RXD access, receive interrupt on the
 * RXDRDY event. Pins come from NSP_UART_TX_PIN / NSP_UART_RX_PIN (board hal.c).
 */
#include "nsp_build.h"
#include "nsp_cortexm.h"
#include "nsp_hal.h"
#include "nsp_ring.h"
#include "nsp_uart.h"

#define UART_TASKS_STARTRX NSP_REG32(NSP_UART_BASE + 0x000u)
#define UART_TASKS_STARTTX NSP_REG32(NSP_UART_BASE + 0x008u)
#define UART_EVENTS_RXDRDY NSP_REG32(NSP_UART_BASE + 0x108u)
#define UART_EVENTS_TXDRDY NSP_REG32(NSP_UART_BASE + 0x11Cu)
#define UART_INTENSET NSP_REG32(NSP_UART_BASE + 0x304u)
#define UART_ENABLE NSP_REG32(NSP_UART_BASE + 0x500u)
#define UART_PSEL_TXD NSP_REG32(NSP_UART_BASE + 0x50Cu)
#define UART_PSEL_RXD NSP_REG32(NSP_UART_BASE + 0x514u)
#define UART_RXD NSP_REG32(NSP_UART_BASE + 0x518u)
#define UART_TXD NSP_REG32(NSP_UART_BASE + 0x51Cu)
#define UART_BAUDRATE NSP_REG32(NSP_UART_BASE + 0x524u)

#define INT_RXDRDY (1u << 2)
#define ENABLE_UART 4u
/* BAUDRATE register value for 115200 baud (nRF52840 Product Specification, UART BAUDRATE). */
#define BAUDRATE_115200 0x01D7E000u

#if NSP_UART_BAUD != 115200
#error "the nRF UART driver only knows the BAUDRATE value for 115200 baud"
#endif

static nsp_ring received;

static void uart_handler(void)
{
    while (UART_EVENTS_RXDRDY) {
        UART_EVENTS_RXDRDY = 0;
        nsp_ring_put(&received, (uint8_t)UART_RXD);
    }
}

void nsp_uart_init(void)
{
    UART_PSEL_TXD = NSP_UART_TX_PIN;
    UART_PSEL_RXD = NSP_UART_RX_PIN;
    UART_BAUDRATE = BAUDRATE_115200;
    UART_ENABLE = ENABLE_UART;
    nsp_cm_set_handler(NSP_EXCEPTION_IRQ(NSP_UART_RX_IRQ), uart_handler);
    UART_INTENSET = INT_RXDRDY;
    nsp_cm_enable_irq(NSP_UART_RX_IRQ);
    UART_TASKS_STARTTX = 1;
    UART_TASKS_STARTRX = 1;
}

int nsp_uart_has_data(void) { return !nsp_ring_empty(&received); }

void nsp_hal_uart_write(const uint8_t *data, uint32_t length)
{
    for (uint32_t i = 0; i < length; i++) {
        UART_TXD = data[i];
        while (!UART_EVENTS_TXDRDY) {
        }
        UART_EVENTS_TXDRDY = 0;
    }
}

int nsp_hal_uart_read(uint8_t *byte) { return nsp_ring_get(&received, byte); }
