/*
 * nsp_cycles.h - a free-running counter for timing ops on Cortex-M: DWT->CYCCNT (core cycles) where it
 * moves, else SysTick at the core clock extended to 32 bits by its wrap interrupt. QEMU implements no DWT, so
 * under QEMU this is SysTick; with -icount shift=0 on mps2 (25 MHz) one tick is exactly 40 executed
 * instructions, which is an instruction count, never a cycle count.
 */
#ifndef NSP_CYCLES_H
#define NSP_CYCLES_H

#include <stdint.h>

typedef enum { NSP_CLOCK_DWT, NSP_CLOCK_SYSTICK } nsp_clock_source;

/* Starts the counter; returns which one runs. */
nsp_clock_source nsp_cycles_start(void);
/* The counter now (DWT: cycles; SysTick: core-clock ticks). Differences are valid across a 32-bit wrap. */
uint32_t nsp_cycles_now(void);

#endif
