/*
 * nsp_cycles.c - DWT->CYCCNT if it advances, else SysTick (24-bit, core clock) with a wrap counter.
 * Requires a Cortex-M3/M4/M7 (DWT registers; SysTick with CLKSOURCE = core clock).
 */
#include "nsp_cycles.h"

#define DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

#define SYSTICK_PERIOD 0x1000000u

static nsp_clock_source source;
static volatile uint32_t systick_wraps;

void SysTick_Handler(void);

void SysTick_Handler(void) { systick_wraps++; }

nsp_clock_source nsp_cycles_start(void)
{
    uint32_t before;
    volatile uint32_t spin;
    DEMCR |= 1u << 24; /* TRCENA */
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;    /* CYCCNTENA */
    before = DWT_CYCCNT;
    for (spin = 0; spin < 16u; spin++) {
    }
    if (DWT_CYCCNT != before) {
        source = NSP_CLOCK_DWT;
        return source;
    }
    source = NSP_CLOCK_SYSTICK;
    systick_wraps = 0;
    SYST_RVR = SYSTICK_PERIOD - 1u;
    SYST_CVR = 0;
    SYST_CSR = 0x7u; /* ENABLE | TICKINT | CLKSOURCE = core clock */
    return source;
}

uint32_t nsp_cycles_now(void)
{
    uint32_t wraps, value;
    if (source == NSP_CLOCK_DWT)
        return DWT_CYCCNT;
    /* Re-read when the wrap interrupt lands between the two reads. */
    do {
        wraps = systick_wraps;
        value = SYST_CVR;
    } while (wraps != systick_wraps);
    return wraps * SYSTICK_PERIOD + (SYSTICK_PERIOD - 1u - value);
}
