/*
 * nsp_flash_stm32.h - the embedded flash controller of the STM32F4 and STM32F7 (the same FLASH_KEYR, FLASH_SR and
 * FLASH_CR at 0x40023C00 in RM0090 section 3 and RM0385 section 3): sector erase and 32-bit programming.
 */
#ifndef NSP_FLASH_STM32_H
#define NSP_FLASH_STM32_H

#include <stdint.h>

/* Erases one sector (F405: 0-11, F746: 0-7; the caller maps addresses to sectors). 0 on success. */
int nsp_stm32_flash_erase_sector(uint32_t sector);

/* Programs length bytes (a multiple of 4) at a word-aligned address of erased flash, one word at a time. 0 on success. */
int nsp_stm32_flash_program(uint32_t address, const uint8_t *data, uint32_t length);

#endif
