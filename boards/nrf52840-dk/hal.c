/*
 * nRF52840 DK: UART0 on the interface MCU's virtual COM port, TX P0.06 and RX P0.08 (nRF52840 DK user
 * guide, "Virtual COM port"). The 64 MHz crystal oscillator is started first so the UART's baud clock
 * is accurate. DWT->CYCCNT counts core cycles. Program slots are the upper 512 KiB of flash (two
 * 256 KiB slots at 0x80000 and 0xC0000), erased in 4 KiB pages and written a word at a time by the NVMC
 * (nRF52840 Product Specification, NVMC); the link's two record pages are the 4 KiB pages 0x7E000 and 0x7F000
 * just below the slots (link.ld keeps a loader's code below them).
 */
#include "nsp_build.h"
#include "nsp_cortexm.h"
#include "nsp_hal.h"
#include "nsp_uart.h"

#define CLOCK_TASKS_HFCLKSTART NSP_REG32(0x40000000u)
#define CLOCK_EVENTS_HFCLKSTARTED NSP_REG32(0x40000100u)

#define NVMC_READY NSP_REG32(0x4001E400u)
#define NVMC_CONFIG NSP_REG32(0x4001E504u)
#define NVMC_ERASEPAGE NSP_REG32(0x4001E508u)
#define CONFIG_READ 0u
#define CONFIG_WRITE 1u
#define CONFIG_ERASE 2u

#define PAGE_BYTES 4096u
#define RECORD_ORIGIN 0x7E000u
#define SLOT_COUNT NSP_SLOT_COUNT
#define SLOT_BYTES NSP_SLOT_BYTES
#define SLOT_ORIGIN NSP_SLOT_ORIGIN

#if NSP_SLOT_ORIGIN % 4096u != 0 || NSP_SLOT_BYTES % 4096u != 0
#error "board.json slots must be whole 4 KiB flash pages"
#endif

const char nsp_hal_cycle_unit[] = "dwt-cycles";

void nsp_hal_init(void)
{
    nsp_cm_enable_fpu();
    CLOCK_EVENTS_HFCLKSTARTED = 0;
    CLOCK_TASKS_HFCLKSTART = 1;
    while (!CLOCK_EVENTS_HFCLKSTARTED) {
    }
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

static void nvmc_wait(void)
{
    while (!NVMC_READY) {
    }
}

static void erase_page(uint32_t address)
{
    NVMC_CONFIG = CONFIG_ERASE;
    NVMC_ERASEPAGE = address;
    nvmc_wait();
    NVMC_CONFIG = CONFIG_READ;
}

/* Word writes to erased flash; read back, so a write the NVMC did not take is a failure, not a silent loss. */
static int program(uint32_t address, const uint8_t *data, uint32_t length)
{
    volatile uint32_t *target = (volatile uint32_t *)(uintptr_t)address;
    NVMC_CONFIG = CONFIG_WRITE;
    for (uint32_t i = 0; i < length; i += 4u) {
        target[i / 4u] = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 | (uint32_t)data[i + 2] << 16 | (uint32_t)data[i + 3] << 24;
        nvmc_wait();
    }
    NVMC_CONFIG = CONFIG_READ;
    for (uint32_t i = 0; i < length; i += 4u)
        if (target[i / 4u] != ((uint32_t)data[i] | (uint32_t)data[i + 1] << 8 | (uint32_t)data[i + 2] << 16 | (uint32_t)data[i + 3] << 24))
            return -1;
    return 0;
}

int nsp_hal_slot_erase(uint32_t slot)
{
    if (slot >= SLOT_COUNT)
        return -1;
    for (uint32_t page = 0; page < SLOT_BYTES / PAGE_BYTES; page++)
        erase_page(SLOT_ORIGIN + slot * SLOT_BYTES + page * PAGE_BYTES);
    return 0;
}

int nsp_hal_slot_write(uint32_t slot, uint32_t offset, const uint8_t *data, uint32_t length)
{
    if (slot >= SLOT_COUNT || offset > SLOT_BYTES || length > SLOT_BYTES - offset || (offset | length) % 4u != 0)
        return -1;
    return program(SLOT_ORIGIN + slot * SLOT_BYTES + offset, data, length);
}

uint32_t nsp_hal_record_pages(void) { return 2; }

const uint8_t *nsp_hal_record_data(uint32_t page)
{
    return page < 2u ? (const uint8_t *)(uintptr_t)(RECORD_ORIGIN + page * PAGE_BYTES) : 0;
}

int nsp_hal_record_write(uint32_t page, const uint8_t *data, uint32_t length)
{
    if (page >= 2u || length > PAGE_BYTES || length % 4u != 0)
        return -1;
    erase_page(RECORD_ORIGIN + page * PAGE_BYTES);
    return program(RECORD_ORIGIN + page * PAGE_BYTES, data, length);
}
