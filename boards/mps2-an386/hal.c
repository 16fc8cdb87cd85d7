/*
 * MPS2 board support under QEMU: CMSDK UART0 (firmware-gen/hal/nsp_uart_cmsdk.c), SysTick as the cycle
 * counter because QEMU does not implement DWT->CYCCNT, and RAM program slots (nsp_ram_slots.c): the
 * MPS2's code memory is SSRAM, loaded by its configuration controller, not flash programmable at run time.
 * Under QEMU -icount shift=0 a SysTick tick is 40 instructions at 25 MHz, never a real cycle.
 */
#include "nsp_build.h"
#include "nsp_cortexm.h"
#include "nsp_hal.h"
#include "nsp_uart.h"

const char nsp_hal_cycle_unit[] = "systick-ticks";

void nsp_hal_init(void)
{
    nsp_cm_enable_fpu();
    nsp_cm_systick_start();
    nsp_uart_init();
}

void nsp_hal_idle(void) { nsp_cm_sleep_unless(nsp_uart_has_data); }

uint64_t nsp_hal_cycles(void) { return nsp_cm_systick_ticks(); }
