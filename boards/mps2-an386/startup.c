/*
 * startup.c - mps2-an386 (Cortex-M4F) reset: vector table, .data copy and .bss zeroing, FPU enable, main.
 * Build with -fno-tree-loop-distribute-patterns so gcc keeps these loops instead of calling newlib's
 * memcpy/memset (no C library is linked before main runs). Every exception and IRQ without a handler of
 * its own lands in default_handler, which parks the core; SysTick_Handler and the UART's IRQ handler are
 * weak so the cycle counter and the HAL can supply them.
 */
#include <stdint.h>

extern uint32_t _data_load, _data_start, _data_end, _bss_start, _bss_end, _stack_top;
extern int main(void);

void Reset_Handler(void);
void default_handler(void);
void NMI_Handler(void) __attribute__((weak, alias("default_handler")));
void HardFault_Handler(void) __attribute__((weak, alias("default_handler")));
void MemManage_Handler(void) __attribute__((weak, alias("default_handler")));
void BusFault_Handler(void) __attribute__((weak, alias("default_handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("default_handler")));
void SVC_Handler(void) __attribute__((weak, alias("default_handler")));
void PendSV_Handler(void) __attribute__((weak, alias("default_handler")));
void SysTick_Handler(void) __attribute__((weak, alias("default_handler")));
void UART0_RX_Handler(void) __attribute__((weak, alias("default_handler")));

typedef void (*vector)(void);

/* Cortex-M4 system vectors, then the AN386 external interrupts (UART0 RX is IRQ 0). */
__attribute__((section(".vectors"), used)) static const vector vectors[16 + 32] = {
    (vector)(uintptr_t)&_stack_top, Reset_Handler, NMI_Handler, HardFault_Handler, MemManage_Handler, BusFault_Handler,
    UsageFault_Handler, 0, 0, 0, 0, SVC_Handler, 0, 0, PendSV_Handler, SysTick_Handler, UART0_RX_Handler,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler};

void default_handler(void)
{
    for (;;)
        __asm__ volatile("wfi");
}

void Reset_Handler(void)
{
    uint32_t *from = &_data_load, *to = &_data_start;
    while (to < &_data_end)
        *to++ = *from++;
    for (to = &_bss_start; to < &_bss_end;)
        *to++ = 0;
#if defined(__ARM_FP)
    /* CPACR: full access to CP10 and CP11, so hard-float code may touch the FPU. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb");
#endif
    main();
    default_handler();
}
