/*
 * The generic Cortex-M reset and vector table, used by every board without a startup.c of its own (the
 * linker script provides the __data/__bss/__stack symbols): copy .data from flash, zero .bss, enable the
 * FPU, run main. Interrupt
 * handlers are installed at run time into a RAM copy of this table (firmware-gen/hal/nsp_cortexm.c),
 * so every interrupt entry here is the default handler.
 */
#include <stdint.h>

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[], __stack_top[];

int main(void);

void nsp_reset_handler(void);

static void default_handler(void)
{
    for (;;) {
    }
}

void nsp_reset_handler(void)
{
#if defined(__ARM_FP)
    /* CPACR: full access to CP10/CP11, before any floating-point instruction can run. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm volatile("dsb\n isb" ::: "memory");
#endif
    for (uint32_t *from = __data_load, *to = __data_start; to < __data_end;)
        *to++ = *from++;
    for (uint32_t *to = __bss_start; to < __bss_end;)
        *to++ = 0;
    main();
    for (;;) {
    }
}

/* 16 system exceptions + 112 interrupts: as many entries as nsp_cortexm.c copies into RAM. */
__attribute__((section(".vectors"), used)) static void (*const vectors[128])(void) = {
    [0] = (void (*)(void))(uintptr_t)__stack_top,
    [1] = nsp_reset_handler,
    [2 ... 127] = default_handler,
};
