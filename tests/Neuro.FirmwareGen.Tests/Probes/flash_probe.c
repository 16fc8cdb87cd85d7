/*
 * What an emulator does with writes to a board's flash: one line on the UART with a word of flash read before and
 * after a plain store, and on STM32 boards (PROBE_STM32) after a sector erase and a word program through the flash
 * controller driver (firmware-gen/hal/nsp_flash_stm32.c). Built and run by QemuFlashTests.
 */
#include <stdint.h>

#include "nsp_hal.h"
#include "probe_uart.h"
#ifdef PROBE_STM32
#include "nsp_flash_stm32.h"
#endif

#define WORD(address) (*(volatile uint32_t *)(uintptr_t)(address))

int main(void)
{
    nsp_hal_init();
    const uint32_t address = PROBE_ADDRESS;
    text("probe");
    field("before", WORD(address));
    WORD(address) = 0x12345678u;
    field("stored", WORD(address));
#ifdef PROBE_STM32
    static const uint8_t word[4] = {0x11, 0x22, 0x33, 0x44};
    field("erase", (uint32_t)nsp_stm32_flash_erase_sector(PROBE_SECTOR));
    field("erased", WORD(address));
    field("program", (uint32_t)nsp_stm32_flash_program(address + 4u, word, sizeof word));
    field("programmed", WORD(address + 4u));
#endif
    text("\r\n");
    for (;;)
        nsp_hal_idle();
}
