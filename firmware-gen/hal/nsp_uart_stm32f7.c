/* STM32F7/H7-style USART (CR1/BRR/ISR/ICR/RDR/TDR layout): receive interrupt on RXNE. */
#include "nsp_build.h"
#include "nsp_cortexm.h"
#include "nsp_hal.h"
#include "nsp_ring.h"
#include "nsp_uart.h"

#define USART_CR1 NSP_REG32(NSP_UART_BASE + 0x00u)
#define USART_BRR NSP_REG32(NSP_UART_BASE + 0x0Cu)
#define USART_ISR NSP_REG32(NSP_UART_BASE + 0x1Cu)
#define USART_ICR NSP_REG32(NSP_UART_BASE + 0x20u)
#define USART_RDR NSP_REG32(NSP_UART_BASE + 0x24u)
#define USART_TDR NSP_REG32(NSP_UART_BASE + 0x28u)

#define CR1_UE (1u << 0)
#define CR1_RE (1u << 2)
#define CR1_TE (1u << 3)
#define CR1_RXNEIE (1u << 5)
#define ISR_ORE (1u << 3)
#define ISR_RXNE (1u << 5)
#define ISR_TXE (1u << 7)
#define ICR_ORECF (1u << 3)

static nsp_ring received;

static void usart_handler(void)
{
    /* Unlike the F4, an overrun here must be cleared through ICR or RXNE interrupts stop. */
    if (USART_ISR & ISR_ORE)
        USART_ICR = ICR_ORECF;
    while (USART_ISR & ISR_RXNE)
        nsp_ring_put(&received, (uint8_t)USART_RDR);
}

void nsp_uart_init(void)
{
    USART_BRR = (NSP_CLOCK_HZ + NSP_UART_BAUD / 2u) / NSP_UART_BAUD; /* 16x oversampling */
    nsp_cm_set_handler(NSP_EXCEPTION_IRQ(NSP_UART_RX_IRQ), usart_handler);
    USART_CR1 = CR1_TE | CR1_RE | CR1_RXNEIE;
    USART_CR1 |= CR1_UE;
    nsp_cm_enable_irq(NSP_UART_RX_IRQ);
}

int nsp_uart_has_data(void) { return !nsp_ring_empty(&received); }

void nsp_hal_uart_write(const uint8_t *data, uint32_t length)
{
    for (uint32_t i = 0; i < length; i++) {
        while (!(USART_ISR & ISR_TXE)) {
        }
        USART_TDR = data[i];
    }
}

int nsp_hal_uart_read(uint8_t *byte) { return nsp_ring_get(&received, byte); }
