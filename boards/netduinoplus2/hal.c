/*
 * Netduino Plus 2 (STM32F405RG): USART1 on PA9 (TX) / PA10 (RX), alternate function 7, clocked from
 * the 16 MHz HSI the chip boots on (the firmware does not start the PLL, so NSP_CLOCK_HZ is 16 MHz and
 * the baud divisor is exact on real hardware). SysTick counts cycles because QEMU's netduinoplus2 has no
 * DWT; RAM program slots because QEMU does not emulate the flash interface's program/erase.
 */
#include "nsp_build.h"
#include "nsp_cortexm.h"
#include "nsp_hal.h"
#include "nsp_uart.h"

#define RCC_AHB1ENR NSP_REG32(0x40023830u)
#define RCC_APB2ENR NSP_REG32(0x40023844u)
#define GPIOA_MODER NSP_REG32(0x40020000u)
#define GPIOA_AFRH NSP_REG32(0x40020024u)

const char nsp_hal_cycle_unit[] = "systick-ticks";

void nsp_hal_init(void)
{
    nsp_cm_enable_fpu();
    RCC_AHB1ENR |= 1u << 0;  /* GPIOA */
    RCC_APB2ENR |= 1u << 4;  /* USART1 */
    GPIOA_MODER = (GPIOA_MODER & ~(0xFu << 18)) | (0xAu << 18);   /* PA9, PA10: alternate function */
    GPIOA_AFRH = (GPIOA_AFRH & ~(0xFFu << 4)) | (0x77u << 4);     /* AF7: USART1 */
    nsp_cm_systick_start();
    nsp_uart_init();
}

void nsp_hal_idle(void) { nsp_cm_sleep_unless(nsp_uart_has_data); }

uint64_t nsp_hal_cycles(void) { return nsp_cm_systick_ticks(); }
