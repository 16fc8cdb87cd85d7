#include "nsp_cortexm.h"

#define SCB_VTOR 0xE000ED08u
#define SCB_CPACR 0xE000ED88u
#define NVIC_ISER 0xE000E100u
#define DEMCR 0xE000EDFCu
#define DWT_CTRL 0xE0001000u
#define DWT_CYCCNT 0xE0001004u
#define DWT_LAR 0xE0001FB0u
#define SYST_CSR 0xE000E010u
#define SYST_RVR 0xE000E014u
#define SYST_CVR 0xE000E018u
#define SCB_ICSR 0xE000ED04u
#define ICSR_PENDSTSET (1u << 26)

/* 16 system exceptions + 112 interrupts covers every board here (STM32F746: 98, STM32F405: 82, nRF52840: 48). */
#define VECTOR_ENTRIES 128u

/* VTOR needs the table aligned to its size rounded up to a power of two: 128 words = 512 bytes. */
static void (*ram_vectors[VECTOR_ENTRIES])(void) __attribute__((aligned(512)));
static int ram_vectors_installed;

void nsp_cm_set_handler(uint32_t exception, void (*handler)(void))
{
    if (!ram_vectors_installed) {
        void (*const *boot)(void) = (void (*const *)(void))(uintptr_t)NSP_REG32(SCB_VTOR);
        for (uint32_t i = 0; i < VECTOR_ENTRIES; i++)
            ram_vectors[i] = boot[i];
        __asm volatile("dsb" ::: "memory");
        NSP_REG32(SCB_VTOR) = (uint32_t)(uintptr_t)ram_vectors;
        __asm volatile("dsb\n isb" ::: "memory");
        ram_vectors_installed = 1;
    }
    ram_vectors[exception] = handler;
    __asm volatile("dsb" ::: "memory");
}

void nsp_cm_enable_irq(uint32_t irq)
{
    NSP_REG32(NVIC_ISER + 4u * (irq / 32u)) = 1u << (irq % 32u);
}

void nsp_cm_dwt_start(void)
{
    NSP_REG32(DEMCR) |= 1u << 24; /* TRCENA */
    NSP_REG32(DWT_LAR) = 0xC5ACCE55u;
    NSP_REG32(DWT_CYCCNT) = 0;
    NSP_REG32(DWT_CTRL) |= 1u; /* CYCCNTENA */
}

static volatile uint32_t dwt_high;
static volatile uint32_t dwt_last;

uint64_t nsp_cm_dwt_cycles(void)
{
    /* CYCCNT is 32 bits (17 s at 250 MHz); callers read it far more often than that, so wraps are seen. */
    uint32_t now = NSP_REG32(DWT_CYCCNT);
    if (now < dwt_last)
        dwt_high++;
    dwt_last = now;
    return ((uint64_t)dwt_high << 32) | now;
}

static volatile uint32_t systick_wraps;

static void systick_handler(void)
{
    systick_wraps++;
}

void nsp_cm_systick_start(void)
{
    nsp_cm_set_handler(NSP_EXCEPTION_SYSTICK, systick_handler);
    NSP_REG32(SYST_RVR) = 0x00FFFFFFu;
    NSP_REG32(SYST_CVR) = 0;
    NSP_REG32(SYST_CSR) = 0x7u; /* processor clock, wrap interrupt, enabled */
}

/*
 * The counter starts at 0, reloads to 0xFFFFFF on the next tick and counts down; the wrap interrupt fires as it reaches
 * 0 again, so tick n since the start reads (0x1000000 - n) mod 2^24. A wrap that has happened but whose handler has not
 * run yet (interrupts masked, or the read landed in the latency) shows as a pending SysTick: the value was read after
 * that wrap exactly when it is in the first half of the new period (the value is read before the pending bit).
 */
uint64_t nsp_cm_systick_ticks(void)
{
    uint32_t wraps, value, pending;
    do {
        wraps = systick_wraps;
        value = NSP_REG32(SYST_CVR);
        pending = NSP_REG32(SCB_ICSR) & ICSR_PENDSTSET;
    } while (wraps != systick_wraps);
    uint32_t elapsed = (0x01000000u - value) & 0x00FFFFFFu;
    if (pending != 0u && elapsed < 0x00800000u)
        wraps++;
    return ((uint64_t)wraps << 24) + elapsed;
}

void nsp_cm_sleep_unless(int (*ready)(void))
{
    __asm volatile("cpsid i" ::: "memory");
    if (!ready())
        __asm volatile("dsb\n wfi" ::: "memory");
    __asm volatile("cpsie i\n isb" ::: "memory");
}

void nsp_cm_enable_fpu(void)
{
    NSP_REG32(SCB_CPACR) |= 0xFu << 20;
    __asm volatile("dsb\n isb" ::: "memory");
}
