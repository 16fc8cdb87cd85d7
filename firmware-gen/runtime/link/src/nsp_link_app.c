/*
 * The serial link as the firmware application's protocol (firmware-gen/app/nsp_app.h): build this file with
 * the app and set NSP_APP_PROTOCOL to nsp_link_protocol in nsp_build.h.
 *
 * Loader firmware: storage maps onto the HAL: slots 0 and 1 hold programs; the two active-slot record pages are
 * the HAL's record pages where slots survive a reset (flash), else RAM (boards whose slots are RAM forget
 * everything at reset anyway). A deploy's switch is the one program operation that writes the older record page.
 *
 * Baked firmware: the compiled-in program is the link's active program, there is no storage, and BEGIN is
 * refused (NSP_LINK_ERR_BAKED). The console stays available until the first 0x00 arrives (a host opens the
 * link with one): a person typing "info" in a terminal never sends a 0x00, a link host always does.
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

/* Ops whose spikes are counted: a baked firmware knows its program's op count, a loader must take any program. */
#ifndef NSP_LINK_APP_OPS
#define NSP_LINK_APP_OPS NSP_MAX_OPS
#endif

/* The board grants the host NSP_LINK_RX_SLOTS frames of credit, and the host sends them while the board is busy
 * (a classification blocks the main loop): the HAL's interrupt-fed UART ring is all that holds them until the loop
 * parses them, so a ring smaller than the credit drops bytes and turns a busy board into frame errors, NAKs and
 * retransmission timeouts. The generator sizes the ring (NSP_UART_RX_BYTES in nsp_build.h) for every link build. */
#if defined(NSP_UART_RX_BYTES) && NSP_UART_RX_BYTES < NSP_LINK_RX_SLOTS * NSP_LINK_MAX_WIRE
#error "NSP_UART_RX_BYTES must hold NSP_LINK_RX_SLOTS frames of NSP_LINK_MAX_WIRE bytes: the credit the board grants"
#endif

static nsp_link_board link_board;
static nsp_link_nsp_executor link_executor;
static nsp_op_counters link_counters[NSP_LINK_APP_OPS];
static uint8_t link_frame[NSP_LINK_APP_FRAME_BYTES];

#if !NSP_APP_BAKED
static uint8_t ram_records[2][NSP_LINK_RECORD_BYTES];
/* The HAL programs flash in words: an unaligned tail (only ever the last chunk of an upload) is padded. */
static uint8_t tail_word[4];

static int records_in_flash(void) { return nsp_hal_record_pages() >= 2u; }

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
    return nsp_hal_record_write(page, record, length);
}

static int read_record(void *context, uint8_t page, uint8_t *record, uint32_t length)
{
    (void)context;
    memcpy(record, records_in_flash() ? nsp_hal_record_data(page) : ram_records[page], length);
    return 0;
}

#endif

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
    link_executor.weight_image = NSP_APP_IMAGE;
    link_executor.weight_image_length = NSP_APP_IMAGE_LENGTH;
    link_board.name = NSP_BOARD_NAME;
#if NSP_APP_BAKED
    link_board.baked_program = nsp_app_baked_program;
    link_board.baked_program_bytes = nsp_app_baked_program_length;
#else
    link_board.storage = (nsp_link_storage){NULL, nsp_hal_slot_capacity(), erase_slot, write_slot, map_slot, write_record,
                                            read_record};
#endif
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

#if NSP_APP_BAKED
/* Set by the first 0x00: from then on every byte is link traffic and the console is silent until reset. */
static uint8_t console_closed;

static void console_and_link_start(nsp_app *app)
{
    console_closed = 0;
    nsp_app_console.start(app);
    link_start(app);
}

static void console_and_link_receive(nsp_app *app, uint8_t byte)
{
    if (byte == 0x00)
        console_closed = 1;
    if (!console_closed)
        nsp_app_console.receive(app, byte);
    link_receive(app, byte);
}

const nsp_app_protocol nsp_link_console_protocol = {console_and_link_start, console_and_link_receive};
#endif
