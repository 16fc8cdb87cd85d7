/*
 * nsp_link.h - the board side of the Neuro serial link (docs/protocol.md).
 *
 * Layers, each usable alone:
 *   - CRC-32 (IEEE 802.3, reflected, table-driven) and COBS;
 *   - a frame parser fed one byte at a time (call it from the UART RX interrupt);
 *   - the board protocol state machine: program slots behind a storage interface, authenticated atomic
 *     deploys, sample execution through an executor interface (the nsp.h runtime in firmware, a fake in
 *     host tests).
 * C99, no dynamic allocation: the caller owns the nsp_link_board structure and every buffer in it.
 */
#ifndef NSP_LINK_H
#define NSP_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "nsp_sha256.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NSP_LINK_VERSION 1u
#define NSP_LINK_HEADER_BYTES 8u
#define NSP_LINK_CRC_BYTES 4u
/* Largest payload of one frame; the whole decoded frame is header + payload + CRC. */
#define NSP_LINK_MAX_PAYLOAD 1024u
#define NSP_LINK_MAX_FRAME (NSP_LINK_HEADER_BYTES + NSP_LINK_MAX_PAYLOAD + NSP_LINK_CRC_BYTES)
/* COBS adds one byte per 254 plus one, and the 0x00 delimiter ends the frame on the wire. */
#define NSP_LINK_MAX_WIRE (NSP_LINK_MAX_FRAME + NSP_LINK_MAX_FRAME / 254u + 2u)

/* Frames the RX interrupt can queue before the main loop handles them: the credits the board grants. */
#ifndef NSP_LINK_RX_SLOTS
#define NSP_LINK_RX_SLOTS 4
#endif
/* Replies kept so a retransmitted request is answered again without being executed again. */
#define NSP_LINK_REPLY_CACHE 8
#ifndef NSP_LINK_MAX_CLASSES
#define NSP_LINK_MAX_CLASSES 32
#endif
#ifndef NSP_LINK_MAX_LAYERS
#define NSP_LINK_MAX_LAYERS 64
#endif
#define NSP_LINK_FIRMWARE_MAJOR 1u
#define NSP_LINK_FIRMWARE_MINOR 0u

/* Message types (docs/protocol.md section 4). Requests have the high bit clear, replies set. */
enum {
    NSP_MSG_HELLO = 0x01,
    NSP_MSG_BEGIN = 0x10,
    NSP_MSG_CHUNK = 0x11,
    NSP_MSG_COMMIT = 0x12,
    NSP_MSG_ABORT = 0x13,
    NSP_MSG_START_SAMPLE = 0x20,
    NSP_MSG_EVENTS = 0x21,
    NSP_MSG_END_SAMPLE = 0x22,
    NSP_MSG_GET_STATS = 0x30,
    NSP_MSG_RESET = 0x31,
    NSP_MSG_ACK = 0x80,
    NSP_MSG_NAK = 0x81,
    NSP_MSG_INFO = 0x82,
    NSP_MSG_UPLOAD_STATUS = 0x83,
    NSP_MSG_RESULT = 0x84,
    NSP_MSG_STATS = 0x85,
    NSP_MSG_ERROR = 0x8F
};

/* EVENTS encodings (docs/protocol.md section 5). */
enum {
    NSP_EVENTS_SPARSE16 = 0,       /* u16 cell index per event; repeats add up */
    NSP_EVENTS_SPARSE16_COUNT = 1, /* u16 cell index + u8 count per non-zero cell */
    NSP_EVENTS_BITMAP = 2,         /* one bit per cell from `base`, LSB first */
    NSP_EVENTS_DENSE = 3           /* one u8 count per cell from `base` */
};

/* ERROR codes (docs/protocol.md section 6). */
enum {
    NSP_LINK_ERR_MALFORMED = 1,
    NSP_LINK_ERR_UNKNOWN_TYPE = 2,
    NSP_LINK_ERR_NO_SESSION = 3,
    NSP_LINK_ERR_TOO_LARGE = 4,
    NSP_LINK_ERR_AUTH_REQUIRED = 5,
    NSP_LINK_ERR_BAD_TAG = 6,
    NSP_LINK_ERR_REPLAY = 7,
    NSP_LINK_ERR_NO_UPLOAD = 8,
    NSP_LINK_ERR_BAD_OFFSET = 9,
    NSP_LINK_ERR_INCOMPLETE = 10,
    NSP_LINK_ERR_HASH_MISMATCH = 11,
    NSP_LINK_ERR_LOAD_FAILED = 12,
    NSP_LINK_ERR_STORAGE = 13,
    NSP_LINK_ERR_NO_PROGRAM = 14,
    NSP_LINK_ERR_SAMPLE_STATE = 15,
    NSP_LINK_ERR_BAD_EVENTS = 16,
    NSP_LINK_ERR_EXECUTION = 17,
    NSP_LINK_ERR_BAKED = 18 /* BEGIN on a firmware whose program is baked in: it has no writable slots */
};

/* NAK reasons. */
enum { NSP_NAK_CRC = 1, NSP_NAK_OUT_OF_ORDER = 2, NSP_NAK_OVERRUN = 3 };

/* ---- CRC-32 and COBS ---- */
uint32_t nsp_link_crc32(uint32_t crc, const uint8_t *data, size_t length); /* start with crc = 0 */
/* Encodes `length` bytes; returns the encoded length (no delimiter). `out` holds length + length/254 + 1. */
size_t nsp_link_cobs_encode(const uint8_t *data, size_t length, uint8_t *out);
/* Decodes in place-safe fashion into `out`; returns the decoded length or -1 for a malformed block. */
int32_t nsp_link_cobs_decode(const uint8_t *data, size_t length, uint8_t *out);

/* ---- Byte-at-a-time frame parser ---- */
typedef enum {
    NSP_LINK_PARSE_MORE = 0,   /* byte consumed, no frame yet */
    NSP_LINK_PARSE_FRAME,      /* a valid frame is in frame[0..frame_length) */
    NSP_LINK_PARSE_BAD_CRC,    /* delimiter reached: CRC mismatch */
    NSP_LINK_PARSE_BAD_FRAME   /* delimiter reached: COBS error, too long, too short, bad version or length */
} nsp_link_parse_result;

typedef struct {
    uint8_t wire[NSP_LINK_MAX_WIRE];
    uint32_t wire_length;
    uint8_t overflow;
    uint8_t frame[NSP_LINK_MAX_WIRE]; /* COBS never decodes longer than its input */
    uint32_t frame_length;
} nsp_link_parser;

void nsp_link_parser_init(nsp_link_parser *parser);
nsp_link_parse_result nsp_link_parser_feed(nsp_link_parser *parser, uint8_t byte);

/* Frame accessors over a validated frame. */
static inline uint8_t nsp_link_frame_type(const uint8_t *frame) { return frame[1]; }
static inline uint16_t nsp_link_frame_seq(const uint8_t *frame) { return (uint16_t)(frame[4] | (frame[5] << 8)); }
static inline uint16_t nsp_link_frame_payload_length(const uint8_t *frame) { return (uint16_t)(frame[6] | (frame[7] << 8)); }

/* Builds header + payload + CRC, COBS-encodes it and appends the delimiter; returns wire bytes written. */
size_t nsp_link_frame_encode(uint8_t type, uint8_t credits, uint16_t seq, const uint8_t *payload, uint16_t length,
                             uint8_t *wire);

/* ---- HMAC-SHA256 (RFC 2104) over nsp_sha256.h ---- */
void nsp_link_hmac_sha256(const uint8_t *key, size_t key_length, const uint8_t *message, size_t length,
                          uint8_t tag[32]);

/* ---- Storage: two program slots and two record pages (docs/protocol.md section 7) ---- */
typedef struct {
    void *context;
    uint32_t slot_bytes;
    /* Erase a whole slot (flash: all pages of the slot). 0 on success. */
    int (*erase_slot)(void *context, uint8_t slot);
    /* Program bytes into an erased slot area. 0 on success. */
    int (*write_slot)(void *context, uint8_t slot, uint32_t offset, const uint8_t *data, uint32_t length);
    /* Memory-mapped slot contents (flash is XIP on Cortex-M): nsp_load keeps pointers into it. */
    const uint8_t *(*map_slot)(void *context, uint8_t slot);
    /* Record pages 0 and 1: erase + write of NSP_LINK_RECORD_BYTES, and read back. 0 on success. */
    int (*write_record)(void *context, uint8_t page, const uint8_t *record, uint32_t length);
    int (*read_record)(void *context, uint8_t page, uint8_t *record, uint32_t length);
} nsp_link_storage;

#define NSP_LINK_RECORD_BYTES 64u
#define NSP_LINK_NO_SLOT 0xFFu
/* INFO's active slot of a baked firmware: the program is compiled into flash, not held in a slot. */
#define NSP_LINK_BAKED_SLOT 0xFEu

/* The active-slot record, written whole into the older of two pages (docs/protocol.md section 7.2). */
typedef struct {
    uint32_t generation;   /* increases with every write; the valid page with the highest wins */
    uint8_t active_slot;   /* 0, 1, or NSP_LINK_NO_SLOT */
    uint32_t program_bytes;
    uint32_t counter;      /* last accepted replay counter */
    uint8_t hash[32];      /* SHA-256 of the active program file */
} nsp_link_record;

/* ---- Executor: runs a loaded program (nsp.h in firmware, a fake in host tests) ---- */
typedef struct {
    int32_t logits[NSP_LINK_MAX_CLASSES];
    uint8_t class_count;
    int16_t predicted;
    uint64_t cycles;
    uint8_t layer_count;
    uint32_t spikes[NSP_LINK_MAX_LAYERS];
} nsp_link_result;

typedef struct {
    uint32_t frame_bytes;  /* channels * height * width */
    uint16_t time_steps;
    uint8_t binary;        /* 1: frame cells are 0/1 (binary encoding), 0: saturating u8 counts */
} nsp_link_input;

typedef struct {
    void *context;
    /* Parses and verifies a program in place; on failure writes a reason to message. 0 on success. */
    int (*load)(void *context, const uint8_t *program, uint32_t length, nsp_link_input *input, char *message,
                uint32_t message_capacity);
    int (*begin)(void *context);
    int (*step)(void *context, const uint8_t *frame);
    int (*finish)(void *context, nsp_link_result *result);
} nsp_link_executor;

/* ---- Board protocol state machine ---- */
typedef struct {
    uint32_t frames_ok, crc_errors, frame_errors, duplicates, out_of_order, naks_sent, replies_resent, overruns,
        events, samples, errors_sent;
} nsp_link_counters;

/* Largest reply payload: RESULT with every class and layer. */
#define NSP_LINK_MAX_REPLY (16u + 4u * NSP_LINK_MAX_CLASSES + 4u * NSP_LINK_MAX_LAYERS)

/* A reply kept for retransmitted requests: the request's seq and the reply's type and payload. */
typedef struct {
    uint16_t seq;
    uint8_t valid;
    uint8_t type;
    uint16_t length;
    uint8_t payload[NSP_LINK_MAX_REPLY];
} nsp_link_cached_reply;

typedef void (*nsp_link_write_fn)(void *context, const uint8_t *bytes, size_t length);

typedef struct {
    /* wiring, set before nsp_link_board_init */
    const char *name;          /* reported in INFO (at most 64 bytes) */
    nsp_link_storage storage;
    nsp_link_executor executor;
    nsp_link_write_fn write;
    void *write_context;
    /*
     * A program compiled into the firmware (baked): it is the active program, storage is not used (slot_bytes 0) and
     * BEGIN is refused with NSP_LINK_ERR_BAKED. NULL for a loader, whose programs live in storage's slots.
     */
    const uint8_t *baked_program;
    uint32_t baked_program_bytes;
    const uint8_t *key;        /* per-board HMAC key; NULL: unsigned programs accepted */
    uint32_t key_length;
    uint8_t *frame_buffer;     /* one input frame; capacity frame_capacity */
    uint32_t frame_capacity;
    void (*reset)(void *context); /* called after the ACK of RESET has been written; may not return */
    void *reset_context;

    /* state */
    nsp_link_parser parser;
    uint8_t rx[NSP_LINK_RX_SLOTS][NSP_LINK_MAX_FRAME];
    uint16_t rx_length[NSP_LINK_RX_SLOTS];
    /* rx_head is written only by the RX interrupt, rx_tail only by the main loop: no lock needed. */
    volatile uint8_t rx_head, rx_tail;
    uint8_t tx[NSP_LINK_MAX_WIRE];
    uint8_t payload[NSP_LINK_MAX_PAYLOAD];

    uint8_t in_session;
    uint32_t session_nonce;
    uint16_t expected_seq;
    uint16_t nak_sent_for;     /* expected_seq when the last out-of-order NAK went out */
    uint8_t nak_sent;
    volatile uint8_t nak_pending; /* set by the RX interrupt on a damaged frame */
    nsp_link_cached_reply cache[NSP_LINK_REPLY_CACHE];
    nsp_link_record record;
    uint8_t record_page;       /* page holding the current record */
    uint8_t program_loaded;
    nsp_link_input input;

    /* upload into the inactive slot */
    uint8_t uploading;
    uint8_t upload_slot;
    uint32_t upload_size, upload_offset, upload_counter;
    uint8_t upload_signed;
    uint8_t upload_hash[32];
    nsp_sha256_context upload_sha; /* the upload's incremental hash (a real member: it needs 8-byte alignment) */

    /* sample */
    uint8_t in_sample;
    uint32_t sample_id;
    uint16_t sample_step;

    nsp_link_counters counters;
} nsp_link_board;

/* Reads the active-slot record and loads the active program. Returns 0 (a board with no program is fine). */
int nsp_link_board_init(nsp_link_board *board);
/* Interrupt side: feed one received byte. A complete frame is queued for nsp_link_board_poll. */
void nsp_link_board_rx(nsp_link_board *board, uint8_t byte);
/* Main-loop side: handle every queued frame; returns the number handled. */
int nsp_link_board_poll(nsp_link_board *board);

/* Record (de)serialisation, exposed for tests and for tools that prepare flash images. */
void nsp_link_record_encode(const nsp_link_record *record, uint8_t out[NSP_LINK_RECORD_BYTES]);
int nsp_link_record_decode(const uint8_t in[NSP_LINK_RECORD_BYTES], nsp_link_record *record);
/*
 * The record in force: of the two pages, the valid one (magic and CRC) with the higher generation. Returns its page
 * (0 or 1) with *record filled, or -1 when neither page holds a valid record (a fresh or erased board).
 */
int nsp_link_record_newest(const uint8_t page0[NSP_LINK_RECORD_BYTES], const uint8_t page1[NSP_LINK_RECORD_BYTES],
                           nsp_link_record *record);

#ifdef __cplusplus
}
#endif

#endif
