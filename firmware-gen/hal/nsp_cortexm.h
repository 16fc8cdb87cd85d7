/*
 * nsp_cortexm.h - Cortex-M pieces every Arm board shares: the NVIC, a RAM vector table so a HAL can
 * install its interrupt handlers whatever names the startup file gives its vectors, the DWT cycle
 * counter, SysTick as a counter where DWT does not move (QEMU), and race-free sleeping on an interrupt.
 */
#ifndef NSP_CORTEXM_H
#define NSP_CORTEXM_H

#include <stdint.h>

#define NSP_REG32(address) (*(volatile uint32_t *)(uintptr_t)(address))

/* Exception numbers: 15 is SysTick, 16 + n is external interrupt n. */
#define NSP_EXCEPTION_SYSTICK 15u
#define NSP_EXCEPTION_IRQ(n) (16u + (uint32_t)(n))

/* Copies the boot vector table to RAM (first call only), points VTOR at it and sets one entry. */
void nsp_cm_set_handler(uint32_t exception, void (*handler)(void));
void nsp_cm_enable_irq(uint32_t irq);

/* DWT->CYCCNT: enables trace, unlocks the DWT where the core has a lock (Cortex-M7), starts counting. */
void nsp_cm_dwt_start(void);
uint64_t nsp_cm_dwt_cycles(void);

/* SysTick as a free-running 64-bit counter of processor-clock ticks (24-bit hardware + wrap interrupts). */
void nsp_cm_systick_start(void);
uint64_t nsp_cm_systick_ticks(void);

/*
 * Sleeps in WFI unless ready() already holds. Interrupts are masked while ready() is checked so a byte
 * arriving between the check and the WFI still wakes the core (WFI wakes on a pending interrupt even
 * with PRIMASK set); the handler runs once they are unmasked.
 */
void nsp_cm_sleep_unless(int (*ready)(void));

/* Enables the FPU (CP10/CP11 full access) before any code compiled with hard-float runs. */
void nsp_cm_enable_fpu(void);

#endif
