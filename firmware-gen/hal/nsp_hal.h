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

/*
 * Record pages: two separately erasable pages that hold the serial link's active-slot record (docs/protocol.md
 * section 7.2) where the slots survive a reset (flash). nsp_hal_record_pages() is 0 on boards whose slots are RAM:
 * the link keeps its record in RAM there, since the programs it names do not survive a reset either.
 * nsp_hal_record_write erases the page, then programs length bytes (a multiple of 4) from its start.
 */
uint32_t nsp_hal_record_pages(void);
const uint8_t *nsp_hal_record_data(uint32_t page);
int nsp_hal_record_write(uint32_t page, const uint8_t *data, uint32_t length);

#ifdef __cplusplus
}
#endif

#endif
