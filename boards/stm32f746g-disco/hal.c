/*
 * STM32F746G-DISCO (STM32F746NG): USART1 is the ST-LINK virtual COM port, TX on PA9 and RX on PB7
 * (UM1907, section 6.10), alternate function 7, clocked from the 16 MHz HSI the chip boots on (no PLL:
 * NSP_CLOCK_HZ is 16 MHz). DWT->CYCCNT counts core cycles. Program slots are flash sectors 6 and 7
 * (256 KiB each at 0x08080000 and 0x080C0000, RM0385 table 3), erased and programmed 32 bits at a time.
 */
#include "nsp_build.h"
#include "nsp_cortexm.h"
#include "nsp_hal.h"
#include "nsp_uart.h"

#define RCC_AHB1ENR NSP_REG32(0x40023830u)
#define RCC_APB2ENR NSP_REG32(0x40023844u)
#define GPIOA_MODER NSP_REG32(0x40020000u)
#define GPIOA_AFRH NSP_REG32(0x40020024u)
#define GPIOB_MODER NSP_REG32(0x40020400u)
#define GPIOB_AFRL NSP_REG32(0x40020420u)

#define FLASH_KEYR NSP_REG32(0x40023C04u)
#define FLASH_SR NSP_REG32(0x40023C0Cu)
#define FLASH_CR NSP_REG32(0x40023C10u)
#define SR_BSY (1u << 16)
#define SR_ERRORS 0xF2u /* OPERR, WRPERR, PGAERR, PGPERR, ERSERR */
#define CR_PG (1u << 0)
#define CR_SER (1u << 1)
#define CR_SNB_SHIFT 3
#define CR_PSIZE_X32 (2u << 8)
#define CR_STRT (1u << 16)
#define CR_LOCK (1u << 31)

#define SLOT_COUNT NSP_SLOT_COUNT
#define SLOT_BYTES NSP_SLOT_BYTES
#define FIRST_SLOT_SECTOR 6u
#define SLOT_ORIGIN NSP_SLOT_ORIGIN

/* Sectors 6 and 7 are the 256 KiB sectors at 0x08080000 and 0x080C0000 (RM0385 table 3). */
#if NSP_SLOT_ORIGIN != 0x08080000u || NSP_SLOT_BYTES != 0x40000u || NSP_SLOT_COUNT != 2u
#error "board.json slots must be flash sectors 6 and 7"
#endif

const char nsp_hal_cycle_unit[] = "dwt-cycles";

void nsp_hal_init(void)
{
    nsp_cm_enable_fpu();
    RCC_AHB1ENR |= (1u << 0) | (1u << 1); /* GPIOA, GPIOB */
    RCC_APB2ENR |= 1u << 4;               /* USART1 */
    GPIOA_MODER = (GPIOA_MODER & ~(0x3u << 18)) | (0x2u << 18); /* PA9: alternate function */
    GPIOA_AFRH = (GPIOA_AFRH & ~(0xFu << 4)) | (0x7u << 4);      /* AF7: USART1_TX */
    GPIOB_MODER = (GPIOB_MODER & ~(0x3u << 14)) | (0x2u << 14); /* PB7: alternate function */
    GPIOB_AFRL = (GPIOB_AFRL & ~(0xFu << 28)) | (0x7u << 28);    /* AF7: USART1_RX */
    nsp_cm_dwt_start();
    nsp_uart_init();
}

void nsp_hal_idle(void) { nsp_cm_sleep_unless(nsp_uart_has_data); }

uint64_t nsp_hal_cycles(void) { return nsp_cm_dwt_cycles(); }

uint32_t nsp_hal_slot_count(void) { return SLOT_COUNT; }

uint32_t nsp_hal_slot_capacity(void) { return SLOT_BYTES; }

const uint8_t *nsp_hal_slot_data(uint32_t slot)
{
    return slot < SLOT_COUNT ? (const uint8_t *)(uintptr_t)(SLOT_ORIGIN + slot * SLOT_BYTES) : 0;
}

static void flash_unlock(void)
{
    if (FLASH_CR & CR_LOCK) {
        FLASH_KEYR = 0x45670123u;
        FLASH_KEYR = 0xCDEF89ABu;
    }
}

static int flash_wait(void)
{
    while (FLASH_SR & SR_BSY) {
    }
    uint32_t errors = FLASH_SR & SR_ERRORS;
    FLASH_SR = errors; /* error flags clear by writing 1 */
    return errors ? -1 : 0;
}

int nsp_hal_slot_erase(uint32_t slot)
{
    if (slot >= SLOT_COUNT)
        return -1;
    flash_unlock();
    if (flash_wait() != 0)
        return -1;
    FLASH_CR = CR_PSIZE_X32 | CR_SER | ((FIRST_SLOT_SECTOR + slot) << CR_SNB_SHIFT);
    FLASH_CR |= CR_STRT;
    int result = flash_wait();
    FLASH_CR = CR_LOCK;
    return result;
}

int nsp_hal_slot_write(uint32_t slot, uint32_t offset, const uint8_t *data, uint32_t length)
{
    if (slot >= SLOT_COUNT || offset > SLOT_BYTES || length > SLOT_BYTES - offset || (offset | length) % 4u != 0)
        return -1;
    volatile uint32_t *target = (volatile uint32_t *)(uintptr_t)(SLOT_ORIGIN + slot * SLOT_BYTES + offset);
    flash_unlock();
    int result = flash_wait();
    FLASH_CR = CR_PSIZE_X32 | CR_PG;
    for (uint32_t i = 0; result == 0 && i < length; i += 4u) {
        uint32_t word = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 | (uint32_t)data[i + 2] << 16 | (uint32_t)data[i + 3] << 24;
        *target++ = word;
        __asm volatile("dsb" ::: "memory");
        result = flash_wait();
    }
    FLASH_CR = CR_LOCK;
    return result;
}
