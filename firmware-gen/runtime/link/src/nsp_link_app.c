/*
 * The serial link as the firmware application's protocol (firmware-gen/app/nsp_app.h): build this file with
 * the app and set NSP_APP_PROTOCOL to nsp_link_protocol in nsp_build.h. Storage maps onto the HAL's slots:
 * HAL slots 0 and 1 hold programs; the two active-slot record pages use HAL slots 2 and 3 when the board has
 * them, else RAM (boards whose slots are RAM forget everything at reset anyway).
 */
#include <string.h>

#include "nsp_app.h"
#include "nsp_build.h"
#include "nsp_hal.h"
#include "nsp_link.h"
#include "nsp_link_executor_nsp.h"

/* Largest input frame (C*H*W) a program may have: DVS128 with polarity at full resolution by default. */
#ifndef NSP_LINK_APP_FRAME_BYTES
#define NSP_LINK_APP_FRAME_BYTES (2u * 128u * 128u)
#endif

static nsp_link_board link_board;
static nsp_link_nsp_executor link_executor;
static nsp_op_counters link_counters[NSP_MAX_OPS];
static uint8_t link_frame[NSP_LINK_APP_FRAME_BYTES];
static uint8_t ram_records[2][NSP_LINK_RECORD_BYTES];
/* The HAL programs flash in words: an unaligned tail (only ever the last chunk of an upload) is padded. */
static uint8_t tail_word[4];

static int records_in_flash(void) { return nsp_hal_slot_count() >= 4u; }

static int erase_slot(void *context, uint8_t slot)
{
    (void)context;
    return nsp_hal_slot_erase(slot);
}

static int write_slot(void *context, uint8_t slot, uint32_t offset, const uint8_t *data, uint32_t length)
{
    (void)context;
    if (offset % 4u != 0) {
        return -1; /* a chunk after an unaligned one: the host broke the in-order, 1020-byte chunking */
    }
    uint32_t aligned = length & ~3u;
    if (aligned > 0 && nsp_hal_slot_write(slot, offset, data, aligned) != 0) {
        return -1;
    }
    if (aligned < length) {
        memset(tail_word, 0xFF, sizeof tail_word);
        memcpy(tail_word, data + aligned, length - aligned);
        return nsp_hal_slot_write(slot, offset + aligned, tail_word, sizeof tail_word);
    }
    return 0;
}

static const uint8_t *map_slot(void *context, uint8_t slot)
{
    (void)context;
    return nsp_hal_slot_data(slot);
}

static int write_record(void *context, uint8_t page, const uint8_t *record, uint32_t length)
{
    (void)context;
    if (!records_in_flash()) {
        memcpy(ram_records[page], record, length);
        return 0;
    }
    if (nsp_hal_slot_erase(2u + page) != 0) {
        return -1;
    }
    return nsp_hal_slot_write(2u + page, 0, record, length);
}

static int read_record(void *context, uint8_t page, uint8_t *record, uint32_t length)
{
    (void)context;
    memcpy(record, records_in_flash() ? nsp_hal_slot_data(2u + page) : ram_records[page], length);
    return 0;
}

static void write_uart(void *context, const uint8_t *bytes, size_t length)
{
    (void)context;
    nsp_hal_uart_write(bytes, (uint32_t)length);
}

static void soft_reset(void *context)
{
    nsp_link_board_init((nsp_link_board *)context);
}

static void link_start(nsp_app *app)
{
    link_executor.program = &app->program;
    link_executor.arena = app->arena;
    link_executor.arena_length = app->arena_length;
    link_executor.counters = link_counters;
    link_executor.cycles = nsp_hal_cycles;
    link_board.name = NSP_BOARD_NAME;
    link_board.storage = (nsp_link_storage){NULL, nsp_hal_slot_capacity(), erase_slot, write_slot, map_slot, write_record,
                                            read_record};
    link_board.executor = nsp_link_nsp_executor_bind(&link_executor);
    link_board.write = write_uart;
    link_board.frame_buffer = link_frame;
    link_board.frame_capacity = sizeof link_frame;
    link_board.reset = soft_reset;
    link_board.reset_context = &link_board;
#ifdef NSP_LINK_APP_KEY
    /* The per-board deploy key, provisioned at build time (the host keeps the same bytes in a key file). */
    static const uint8_t key[] = {NSP_LINK_APP_KEY};
    link_board.key = key;
    link_board.key_length = sizeof key;
#endif
    nsp_link_board_init(&link_board);
    /* The banner went out as text: a delimiter ends it, so the host's frame parser starts clean on the first reply. */
    static const uint8_t delimiter = 0x00;
    nsp_hal_uart_write(&delimiter, 1);
}

static void link_receive(nsp_app *app, uint8_t byte)
{
    (void)app;
    nsp_link_board_rx(&link_board, byte);
    nsp_link_board_poll(&link_board);
}

const nsp_app_protocol nsp_link_protocol = {link_start, link_receive};
