/*
 * How many instructions one SysTick tick is under QEMU -icount shift=0: one line on the UART with the ticks that a
 * loop of exactly PROBE_LOOP_INSTRUCTIONS instructions took (SUBS + BNE per iteration, each one instruction to
 * QEMU's instruction counter). Built and run by SysTickRateTests.
 */
#include <stdint.h>

#include "nsp_hal.h"
#include "probe_uart.h"

int main(void)
{
    nsp_hal_init();
    uint32_t iterations = PROBE_LOOP_INSTRUCTIONS / 2u;
    uint64_t start = nsp_hal_cycles();
    __asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(iterations) : : "cc");
    uint64_t end = nsp_hal_cycles();
    text("probe");
    field("ticks", (uint32_t)(end - start));
    text("\r\n");
    for (;;)
        nsp_hal_idle();
}
