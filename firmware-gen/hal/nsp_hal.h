/*
 * nsp_hal.h - what the firmware application needs from a board: a UART, a cycle counter and program
 * slots. Each board folder (boards/<name>/hal.c) implements it; the application and the serial protocol
 * never touch a register.
 */
#ifndef NSP_HAL_H
#define NSP_HAL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Clocks, UART (receive interrupt enabled), cycle counter. Called once, first thing in main. */
void nsp_hal_init(void);

/* Blocks until every byte is handed to the UART. */
void nsp_hal_uart_write(const uint8_t *data, uint32_t length);

/* Takes one received byte: 1 when one was waiting, 0 when the receive buffer is empty. */
int nsp_hal_uart_read(uint8_t *byte);

/*
 * Sleeps until a byte may have arrived (WFI on the UART receive interrupt; poll() on the host).
 * Returns at once when bytes are already waiting. Spurious returns are allowed: callers loop.
 */
void nsp_hal_idle(void);

/* A free-running counter and what it counts (nsp_hal_cycle_unit: "dwt-cycles", "systick-ticks", "ns"). */
uint64_t nsp_hal_cycles(void);
extern const char nsp_hal_cycle_unit[];

/*
 * Program slots: memory a loader firmware keeps uploaded programs in. Flash slots must be erased
 * before they are written; RAM slots forget their contents on reset. Slot functions return 0 on success.
 */
uint32_t nsp_hal_slot_count(void);
uint32_t nsp_hal_slot_capacity(void);
const uint8_t *nsp_hal_slot_data(uint32_t slot);
int nsp_hal_slot_erase(uint32_t slot);
/* offset and length must be multiples of 4 (the flash programming unit of every board here). */
int nsp_hal_slot_write(uint32_t slot, uint32_t offset, const uint8_t *data, uint32_t length);

#ifdef __cplusplus
}
#endif

#endif
