/*
 * libFuzzer harness: arbitrary bytes into the byte-at-a-time frame parser and the whole board state machine
 * (session, upload with resume, commit, samples, every EVENTS encoding), over RAM storage and a fake executor.
 * The input's first byte selects whether the board holds a key; the rest is the wire. Every frame that parses
 * is re-encoded and must parse back identically. Built twice: with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
 * the parser skips the CRC so mutations reach the state machine; without it, the corpus is replayed as shipped.
 */
#include "nsp_link.h"

#include <stdlib.h>
#include <string.h>

#define SLOT 2048u
static uint8_t flash[2 * SLOT];
static uint8_t records[2][NSP_LINK_RECORD_BYTES];

static int erase_slot(void *c, uint8_t s) { (void)c; memset(flash + s * SLOT, 0xFF, SLOT); return 0; }
static int write_slot(void *c, uint8_t s, uint32_t o, const uint8_t *d, uint32_t n)
{
    (void)c;
    if (o + n > SLOT) abort(); /* the state machine must never write outside a slot */
    memcpy(flash + s * SLOT + o, d, n);
    return 0;
}
static const uint8_t *map_slot(void *c, uint8_t s) { (void)c; return flash + s * SLOT; }
static int write_record(void *c, uint8_t p, const uint8_t *r, uint32_t n) { (void)c; memcpy(records[p], r, n); return 0; }
static int read_record(void *c, uint8_t p, uint8_t *r, uint32_t n) { (void)c; memcpy(r, records[p], n); return 0; }

static uint32_t frame_bytes;
static uint16_t steps;
static int load(void *c, const uint8_t *p, uint32_t n, nsp_link_input *in, char *m, uint32_t cap)
{
    (void)c;
    if (n < 4 || p[0] != 'F') { strncpy(m, "bad", cap); return -1; }
    frame_bytes = 1u + p[1] * 16u;
    steps = (uint16_t)(1u + p[2] % 8u);
    in->frame_bytes = frame_bytes;
    in->time_steps = steps;
    in->binary = p[3] & 1u;
    return 0;
}
static int begin(void *c) { (void)c; return 0; }
static int step(void *c, const uint8_t *f) { (void)c; volatile uint8_t x = f[frame_bytes - 1]; (void)x; return 0; }
static int finish(void *c, nsp_link_result *r) { (void)c; r->class_count = 3; r->layer_count = 2; r->predicted = 1; return 0; }

static size_t out_bytes;
static void sink(void *c, const uint8_t *b, size_t n)
{
    (void)c;
    nsp_link_parser check;
    nsp_link_parser_init(&check);
    for (size_t i = 0; i < n; i++) {
        nsp_link_parse_result r = nsp_link_parser_feed(&check, b[i]);
        if (r == NSP_LINK_PARSE_BAD_CRC || r == NSP_LINK_PARSE_BAD_FRAME) abort(); /* the board sent a bad frame */
    }
    out_bytes += n;
}

static nsp_link_board board;
static uint8_t frame[4096 + 16];
static const uint8_t key[32] = {1, 2, 3};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    memset(&board, 0, sizeof board);
    memset(records, 0xFF, sizeof records);
    board.storage = (nsp_link_storage){NULL, SLOT, erase_slot, write_slot, map_slot, write_record, read_record};
    board.executor = (nsp_link_executor){NULL, load, begin, step, finish};
    board.write = sink;
    board.frame_buffer = frame;
    board.frame_capacity = sizeof frame;
    if (data[0] & 1u) { board.key = key; board.key_length = sizeof key; }
    nsp_link_board_init(&board);
    for (size_t i = 1; i < size; i++) {
        uint8_t head = board.rx_head;
        nsp_link_board_rx(&board, data[i]);
        if (board.rx_head != head) {
            /* Round trip: a queued frame re-encodes to bytes that parse back to the same header and payload. */
            uint8_t slot = (uint8_t)(head % NSP_LINK_RX_SLOTS);
            const uint8_t *f = board.rx[slot];
            uint8_t wire[NSP_LINK_MAX_WIRE];
            size_t n = nsp_link_frame_encode(f[1], f[3], nsp_link_frame_seq(f), f + NSP_LINK_HEADER_BYTES,
                                             nsp_link_frame_payload_length(f), wire);
            nsp_link_parser again;
            nsp_link_parser_init(&again);
            nsp_link_parse_result r = NSP_LINK_PARSE_MORE;
            for (size_t k = 0; k < n; k++) r = nsp_link_parser_feed(&again, wire[k]);
            /* Byte 2 (flags) is reserved and re-encoded as 0; the CRC is recomputed. */
            if (r != NSP_LINK_PARSE_FRAME || again.frame_length != board.rx_length[slot] ||
                memcmp(again.frame, f, 2) != 0 ||
                memcmp(again.frame + 3, f + 3, again.frame_length - 3u - NSP_LINK_CRC_BYTES) != 0) abort();
        }
        if ((uint8_t)(board.rx_head - board.rx_tail) == NSP_LINK_RX_SLOTS || i + 1 == size) {
            nsp_link_board_poll(&board);
        }
    }
    return 0;
}
