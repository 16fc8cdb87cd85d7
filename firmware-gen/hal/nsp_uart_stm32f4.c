/* STM32F2/F4 USART (SR/DR/BRR/CR1 layout): receive interrupt on RXNE. */
#include "nsp_build.h"
#include "nsp_cortexm.h"
#include "nsp_hal.h"
#include "nsp_ring.h"
#include "nsp_uart.h"

#define USART_SR NSP_REG32(NSP_UART_BASE + 0x00u)
#define USART_DR NSP_REG32(NSP_UART_BASE + 0x04u)
#define USART_BRR NSP_REG32(NSP_UART_BASE + 0x08u)
#define USART_CR1 NSP_REG32(NSP_UART_BASE + 0x0Cu)

#define SR_ORE (1u << 3)
#define SR_RXNE (1u << 5)
#define SR_TXE (1u << 7)
#define CR1_RE (1u << 2)
#define CR1_TE (1u << 3)
#define CR1_RXNEIE (1u << 5)
#define CR1_UE (1u << 13)

static nsp_ring received;

static void usart_handler(void)
{
    /* Reading SR then DR clears both RXNE and an overrun, so a lost byte never wedges the interrupt. */
    while (USART_SR & (SR_RXNE | SR_ORE))
        nsp_ring_put(&received, (uint8_t)USART_DR);
}

void nsp_uart_init(void)
{
    USART_BRR = (NSP_CLOCK_HZ + NSP_UART_BAUD / 2u) / NSP_UART_BAUD; /* 16x oversampling: mantissa.fraction */
    nsp_cm_set_handler(NSP_EXCEPTION_IRQ(NSP_UART_RX_IRQ), usart_handler);
    USART_CR1 = CR1_UE | CR1_TE | CR1_RE | CR1_RXNEIE;
    nsp_cm_enable_irq(NSP_UART_RX_IRQ);
}

int nsp_uart_has_data(void) { return !nsp_ring_empty(&received); }

void nsp_hal_uart_write(const uint8_t *data, uint32_t length)
{
    for (uint32_t i = 0; i < length; i++) {
        while (!(USART_SR & SR_TXE)) {
        }
        USART_DR = data[i];
    }
}

int nsp_hal_uart_read(uint8_t *byte) { return nsp_ring_get(&received, byte); }
