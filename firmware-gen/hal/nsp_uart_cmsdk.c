/* Arm CMSDK APB UART (MPS2 boards): one-byte receive buffer, receive interrupt on RX full. */
#include "nsp_build.h"
#include "nsp_cortexm.h"
#include "nsp_hal.h"
#include "nsp_ring.h"
#include "nsp_uart.h"

#define UART_DATA NSP_REG32(NSP_UART_BASE + 0x00u)
#define UART_STATE NSP_REG32(NSP_UART_BASE + 0x04u)
#define UART_CTRL NSP_REG32(NSP_UART_BASE + 0x08u)
#define UART_INTCLEAR NSP_REG32(NSP_UART_BASE + 0x0Cu)
#define UART_BAUDDIV NSP_REG32(NSP_UART_BASE + 0x10u)

#define STATE_TX_FULL 0x1u
#define STATE_RX_FULL 0x2u
#define CTRL_TX_EN 0x1u
#define CTRL_RX_EN 0x2u
#define CTRL_RX_IRQ_EN 0x8u
#define INT_RX 0x2u

static nsp_ring received;

static void uart_rx_handler(void)
{
    UART_INTCLEAR = INT_RX;
    while (UART_STATE & STATE_RX_FULL)
        nsp_ring_put(&received, (uint8_t)UART_DATA);
}

void nsp_uart_init(void)
{
    UART_BAUDDIV = NSP_CLOCK_HZ / NSP_UART_BAUD;
    nsp_cm_set_handler(NSP_EXCEPTION_IRQ(NSP_UART_RX_IRQ), uart_rx_handler);
    UART_CTRL = CTRL_TX_EN | CTRL_RX_EN | CTRL_RX_IRQ_EN;
    nsp_cm_enable_irq(NSP_UART_RX_IRQ);
}

int nsp_uart_has_data(void) { return !nsp_ring_empty(&received); }

void nsp_hal_uart_write(const uint8_t *data, uint32_t length)
{
    for (uint32_t i = 0; i < length; i++) {
        while (UART_STATE & STATE_TX_FULL) {
        }
        UART_DATA = data[i];
    }
}

int nsp_hal_uart_read(uint8_t *byte) { return nsp_ring_get(&received, byte); }
