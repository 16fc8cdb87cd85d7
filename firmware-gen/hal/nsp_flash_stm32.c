/*
 * STM32F4/F7 flash programming (RM0090 section 3.6 "Erase and program operations", RM0385 section 3.3.5-3.3.7):
 * unlock FLASH_CR with the two KEYR keys, wait for BSY to clear, then either a sector erase (SER, SNB, STRT) or
 * programming with PG set and word (PSIZE x32, which needs a 2.7-3.6 V supply) writes to the flash address; every
 * operation waits for BSY and checks the error flags, and FLASH_CR is locked again afterwards.
 *
 * The firmware enables neither the F4's ART data cache nor the F7's L1 D-cache, so reads after a write see the new
 * bytes; firmware that enables them must reset or invalidate the cache over the range after programming.
 */
#include "nsp_flash_stm32.h"

#include "nsp_cortexm.h"

#define FLASH_KEYR NSP_REG32(0x40023C04u)
#define FLASH_SR NSP_REG32(0x40023C0Cu)
#define FLASH_CR NSP_REG32(0x40023C10u)
#define KEY1 0x45670123u
#define KEY2 0xCDEF89ABu
#define SR_BSY (1u << 16)
/* OPERR, WRPERR, PGAERR, PGPERR and PGSERR (F4) / ERSERR (F7): the same bit positions on both families. */
#define SR_ERRORS 0xF2u
#define CR_PG (1u << 0)
#define CR_SER (1u << 1)
#define CR_SNB_SHIFT 3
#define CR_SNB_MASK 0xFu
#define CR_PSIZE_X32 (2u << 8)
#define CR_STRT (1u << 16)
#define CR_LOCK (1u << 31)

static void unlock(void)
{
    if (FLASH_CR & CR_LOCK) {
        FLASH_KEYR = KEY1;
        FLASH_KEYR = KEY2;
    }
}

/* Waits for the operation in progress and clears (write 1) the error flags it raised: -1 if any was set. */
static int wait_idle(void)
{
    while (FLASH_SR & SR_BSY) {
    }
    uint32_t errors = FLASH_SR & SR_ERRORS;
    FLASH_SR = errors;
    return errors != 0 ? -1 : 0;
}

int nsp_stm32_flash_erase_sector(uint32_t sector)
{
    if (sector > CR_SNB_MASK)
        return -1;
    unlock();
    int result = wait_idle();
    if (result == 0) {
        FLASH_CR = CR_PSIZE_X32 | CR_SER | (sector << CR_SNB_SHIFT);
        FLASH_CR |= CR_STRT;
        __asm volatile("dsb" ::: "memory");
        result = wait_idle();
    }
    FLASH_CR = CR_LOCK;
    return result;
}

int nsp_stm32_flash_program(uint32_t address, const uint8_t *data, uint32_t length)
{
    if ((address | length) % 4u != 0)
        return -1;
    volatile uint32_t *target = (volatile uint32_t *)(uintptr_t)address;
    unlock();
    int result = wait_idle();
    FLASH_CR = CR_PSIZE_X32 | CR_PG;
    for (uint32_t i = 0; result == 0 && i < length; i += 4u) {
        *target++ = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 | (uint32_t)data[i + 2] << 16 | (uint32_t)data[i + 3] << 24;
        __asm volatile("dsb" ::: "memory");
        result = wait_idle();
    }
    FLASH_CR = CR_LOCK;
    /* What was read back is what a reset will find: a write the controller silently dropped is a failure too. */
    const volatile uint32_t *check = (const volatile uint32_t *)(uintptr_t)address;
    for (uint32_t i = 0; result == 0 && i < length; i += 4u)
        if (check[i / 4u] != ((uint32_t)data[i] | (uint32_t)data[i + 1] << 8 | (uint32_t)data[i + 2] << 16 | (uint32_t)data[i + 3] << 24))
            result = -1;
    return result;
}
