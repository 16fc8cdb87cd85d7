/*
 * STM32F746G-DISCO (STM32F746NG): USART1 is the ST-LINK virtual COM port, TX on PA9 and RX on PB7
 * (UM1907, section 6.10), alternate function 7, clocked from the 16 MHz HSI the chip boots on (no PLL:
 * NSP_CLOCK_HZ is 16 MHz). DWT->CYCCNT counts core cycles. Program slots are flash sectors 6 and 7
 * (256 KiB each at 0x08080000 and 0x080C0000, RM0385 table 3) and the link's record pages sectors 2 and 3,
 * erased and programmed 32 bits at a time (firmware-gen/hal/nsp_flash_stm32.c).
 */
#include "nsp_build.h"
#include "nsp_cortexm.h"
#include "nsp_flash_stm32.h"
#include "nsp_hal.h"
#include "nsp_uart.h"

#define RCC_AHB1ENR NSP_REG32(0x40023830u)
#define RCC_APB2ENR NSP_REG32(0x40023844u)
#define GPIOA_MODER NSP_REG32(0x40020000u)
#define GPIOA_AFRH NSP_REG32(0x40020024u)
#define GPIOB_MODER NSP_REG32(0x40020400u)
#define GPIOB_AFRL NSP_REG32(0x40020420u)

#define SLOT_COUNT NSP_SLOT_COUNT
#define SLOT_BYTES NSP_SLOT_BYTES
#define FIRST_SLOT_SECTOR 6u
/* Record pages: the 32 KiB sectors 2 and 3 (0x08010000, 0x08018000); link.ld keeps a loader's code below them. */
#define FIRST_RECORD_SECTOR 2u
#define RECORD_ORIGIN 0x08010000u
#define RECORD_SECTOR_BYTES 0x8000u
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

int nsp_hal_slot_erase(uint32_t slot)
{
    return slot < SLOT_COUNT ? nsp_stm32_flash_erase_sector(FIRST_SLOT_SECTOR + slot) : -1;
}

int nsp_hal_slot_write(uint32_t slot, uint32_t offset, const uint8_t *data, uint32_t length)
{
    if (slot >= SLOT_COUNT || offset > SLOT_BYTES || length > SLOT_BYTES - offset)
        return -1;
    return nsp_stm32_flash_program(SLOT_ORIGIN + slot * SLOT_BYTES + offset, data, length);
}

uint32_t nsp_hal_record_pages(void) { return 2; }

const uint8_t *nsp_hal_record_data(uint32_t page)
{
    return page < 2u ? (const uint8_t *)(uintptr_t)(RECORD_ORIGIN + page * RECORD_SECTOR_BYTES) : 0;
}

int nsp_hal_record_write(uint32_t page, const uint8_t *data, uint32_t length)
{
    if (page >= 2u || length > RECORD_SECTOR_BYTES || nsp_stm32_flash_erase_sector(FIRST_RECORD_SECTOR + page) != 0)
        return -1;
    return nsp_stm32_flash_program(RECORD_ORIGIN + page * RECORD_SECTOR_BYTES, data, length);
}
