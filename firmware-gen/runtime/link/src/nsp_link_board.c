/*
 * The board protocol state machine of docs/protocol.md: session and sequence handling, the reply cache that
 * answers retransmitted requests without running them twice, authenticated atomic uploads into the inactive
 * slot, and sample execution through the executor interface.
 */
#include "nsp_link.h"
#include "nsp_sha256.h"

#include <string.h>

#define RECORD_MAGIC 0x5250534Eu /* "NSPR" little-endian */
#define RECORD_CRC_AT 60u
#define TAG_MESSAGE_BYTES 40u
#define CAP_AUTH_REQUIRED 0x0001u
#define CAP_ENCODINGS 0x001Eu /* bits 1..4: SPARSE16, SPARSE16_COUNT, BITMAP, DENSE */
#define CAP_BAKED 0x0020u     /* bit 5: the program is baked into the firmware; uploads are refused */

typedef char rx_slots_divide_256[(256 % NSP_LINK_RX_SLOTS) == 0 ? 1 : -1];

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

void nsp_link_record_encode(const nsp_link_record *record, uint8_t out[NSP_LINK_RECORD_BYTES])
{
    memset(out, 0, NSP_LINK_RECORD_BYTES);
    put_u32(out, RECORD_MAGIC);
    put_u32(out + 4, record->generation);
    out[8] = record->active_slot;
    put_u32(out + 12, record->program_bytes);
    put_u32(out + 16, record->counter);
    memcpy(out + 20, record->hash, 32);
    put_u32(out + RECORD_CRC_AT, nsp_link_crc32(0, out, RECORD_CRC_AT));
}

int nsp_link_record_decode(const uint8_t in[NSP_LINK_RECORD_BYTES], nsp_link_record *record)
{
    if (get_u32(in) != RECORD_MAGIC || get_u32(in + RECORD_CRC_AT) != nsp_link_crc32(0, in, RECORD_CRC_AT)) {
        return -1;
    }
    record->generation = get_u32(in + 4);
    record->active_slot = in[8];
    record->program_bytes = get_u32(in + 12);
    record->counter = get_u32(in + 16);
    memcpy(record->hash, in + 20, 32);
    if (record->active_slot > 1 && record->active_slot != NSP_LINK_NO_SLOT) {
        return -1;
    }
    return 0;
}

int nsp_link_record_newest(const uint8_t page0[NSP_LINK_RECORD_BYTES], const uint8_t page1[NSP_LINK_RECORD_BYTES],
                           nsp_link_record *record)
{
    nsp_link_record candidate;
    int newest = -1;
    const uint8_t *pages[2] = {page0, page1};
    for (int page = 0; page < 2; page++) {
        if (nsp_link_record_decode(pages[page], &candidate) == 0 &&
            (newest < 0 || (int32_t)(candidate.generation - record->generation) > 0)) {
            *record = candidate;
            newest = page;
        }
    }
    return newest;
}

static uint8_t rx_used(const nsp_link_board *board) { return (uint8_t)(board->rx_head - board->rx_tail); }

static uint8_t credits(const nsp_link_board *board)
{
    /* The frame being handled is freed as soon as its reply is out. */
    return (uint8_t)(NSP_LINK_RX_SLOTS - rx_used(board) + 1u);
}

static void send(nsp_link_board *board, uint8_t type, uint16_t seq, const uint8_t *payload, uint16_t length)
{
    size_t wire = nsp_link_frame_encode(type, credits(board), seq, payload, length, board->tx);
    board->write(board->write_context, board->tx, wire);
}

static void send_nak(nsp_link_board *board, uint8_t reason)
{
    uint8_t payload[3];
    put_u16(payload, board->expected_seq);
    payload[2] = reason;
    board->counters.naks_sent++;
    send(board, NSP_MSG_NAK, board->expected_seq, payload, sizeof payload);
}

/* Loads the active slot's program into the executor after checking the slot still hashes to the record. */
static void load_active(nsp_link_board *board)
{
    board->program_loaded = 0;
    const uint8_t *bytes;
    if (board->baked_program != NULL) {
        bytes = board->baked_program;
    } else if (board->record.active_slot == NSP_LINK_NO_SLOT || board->record.program_bytes > board->storage.slot_bytes) {
        return;
    } else {
        bytes = board->storage.map_slot(board->storage.context, board->record.active_slot);
    }
    uint8_t digest[32];
    nsp_sha256(bytes, board->record.program_bytes, digest);
    if (memcmp(digest, board->record.hash, 32) != 0) {
        return;
    }
    char message[8];
    if (board->executor.load(board->executor.context, bytes, board->record.program_bytes, &board->input, message,
                             sizeof message) == 0 &&
        board->input.frame_bytes <= board->frame_capacity) {
        board->program_loaded = 1;
    }
}

int nsp_link_board_init(nsp_link_board *board)
{
    nsp_link_parser_init(&board->parser);
    board->rx_head = board->rx_tail = 0;
    board->in_session = 0;
    board->expected_seq = 0;
    board->uploading = 0;
    board->in_sample = 0;
    memset(board->cache, 0, sizeof board->cache);
    memset(&board->counters, 0, sizeof board->counters);
    memset(&board->record, 0, sizeof board->record);
    board->record.active_slot = NSP_LINK_NO_SLOT;
    board->record_page = 1; /* so the first record goes to page 0 */
    if (board->baked_program != NULL) {
        /* No record pages: the baked program is the active one, its hash computed once here for INFO. */
        board->record.active_slot = NSP_LINK_BAKED_SLOT;
        board->record.program_bytes = board->baked_program_bytes;
        nsp_sha256(board->baked_program, board->baked_program_bytes, board->record.hash);
        load_active(board);
        return 0;
    }
    uint8_t pages[2][NSP_LINK_RECORD_BYTES];
    memset(pages, 0, sizeof pages); /* a page that cannot be read is an invalid record */
    for (uint8_t page = 0; page < 2; page++) {
        board->storage.read_record(board->storage.context, page, pages[page], NSP_LINK_RECORD_BYTES);
    }
    nsp_link_record newest;
    int page = nsp_link_record_newest(pages[0], pages[1], &newest);
    if (page >= 0) {
        board->record = newest;
        board->record_page = (uint8_t)page;
    }
    load_active(board);
    return 0;
}

void nsp_link_board_rx(nsp_link_board *board, uint8_t byte)
{
    nsp_link_parse_result result = nsp_link_parser_feed(&board->parser, byte);
    if (result == NSP_LINK_PARSE_FRAME) {
        if (rx_used(board) >= NSP_LINK_RX_SLOTS) {
            board->counters.overruns++; /* the host broke its credit; it will retransmit */
            return;
        }
        uint8_t slot = (uint8_t)(board->rx_head % NSP_LINK_RX_SLOTS);
        memcpy(board->rx[slot], board->parser.frame, board->parser.frame_length);
        board->rx_length[slot] = (uint16_t)board->parser.frame_length;
        board->rx_head++;
    } else if (result == NSP_LINK_PARSE_BAD_CRC) {
        board->counters.crc_errors++;
        board->nak_pending = 1;
    } else if (result == NSP_LINK_PARSE_BAD_FRAME) {
        board->counters.frame_errors++;
        board->nak_pending = 1;
    }
}

/* ---- replies ---- */

typedef struct {
    uint8_t type;
    uint16_t length;
} reply;

static reply ack(void)
{
    reply r = {NSP_MSG_ACK, 0};
    return r;
}

static reply error(nsp_link_board *board, uint16_t code, const char *text)
{
    size_t length = strlen(text);
    if (length > NSP_LINK_MAX_REPLY - 2u) {
        length = NSP_LINK_MAX_REPLY - 2u;
    }
    put_u16(board->payload, code);
    memcpy(board->payload + 2, text, length);
    board->counters.errors_sent++;
    reply r = {NSP_MSG_ERROR, (uint16_t)(2u + length)};
    return r;
}

/* Writes the decimal value of `value` after `prefix` into `out` (no printf on small boards). */
static const char *with_number(char *out, size_t capacity, const char *prefix, uint32_t value)
{
    size_t n = strlen(prefix);
    if (n + 11u > capacity) {
        return prefix;
    }
    memcpy(out, prefix, n);
    char digits[10];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value != 0 && count < 10);
    while (count > 0) {
        out[n++] = digits[--count];
    }
    out[n] = 0;
    return out;
}

static reply info(nsp_link_board *board)
{
    uint8_t *p = board->payload;
    p[0] = NSP_LINK_FIRMWARE_MAJOR;
    p[1] = NSP_LINK_FIRMWARE_MINOR;
    put_u16(p + 2, (uint16_t)((board->key != NULL ? CAP_AUTH_REQUIRED : 0u) | CAP_ENCODINGS |
                              (board->baked_program != NULL ? CAP_BAKED : 0u)));
    put_u16(p + 4, NSP_LINK_MAX_PAYLOAD);
    p[6] = NSP_LINK_RX_SLOTS;
    p[7] = board->program_loaded ? board->record.active_slot : NSP_LINK_NO_SLOT;
    put_u32(p + 8, board->baked_program != NULL ? 0u : board->storage.slot_bytes);
    put_u32(p + 12, board->record.counter);
    put_u32(p + 16, board->program_loaded ? board->record.program_bytes : 0u);
    if (board->program_loaded) {
        memcpy(p + 20, board->record.hash, 32);
    } else {
        memset(p + 20, 0, 32);
    }
    put_u32(p + 52, board->uploading ? board->upload_offset : 0u);
    const char *board_name = board->name != NULL ? board->name : "board";
    size_t name = strlen(board_name);
    name = name > 64u ? 64u : name;
    p[56] = (uint8_t)name;
    memcpy(p + 57, board_name, name);
    reply r = {NSP_MSG_INFO, (uint16_t)(57u + name)};
    return r;
}

static int constant_time_equal(const uint8_t *a, const uint8_t *b, size_t length)
{
    uint8_t difference = 0;
    for (size_t i = 0; i < length; i++) {
        difference |= (uint8_t)(a[i] ^ b[i]);
    }
    return difference == 0;
}

static reply upload_status(nsp_link_board *board)
{
    put_u32(board->payload, board->upload_offset);
    board->payload[4] = board->upload_slot;
    reply r = {NSP_MSG_UPLOAD_STATUS, 5};
    return r;
}

static reply on_begin(nsp_link_board *board, const uint8_t *p, uint16_t length)
{
    if (length != 73u) {
        return error(board, NSP_LINK_ERR_MALFORMED, "BEGIN payload is not 73 bytes");
    }
    uint8_t flags = p[0];
    uint32_t size = get_u32(p + 1);
    uint32_t counter = get_u32(p + 5);
    const uint8_t *hash = p + 9;
    const uint8_t *tag = p + 41;
    char text[64];
    if (board->baked_program != NULL) {
        return error(board, NSP_LINK_ERR_BAKED,
                     "the program is baked into this firmware: no slots to upload into");
    }
    if (size == 0 || size > board->storage.slot_bytes) {
        return error(board, NSP_LINK_ERR_TOO_LARGE,
                     with_number(text, sizeof text, "program does not fit a slot of bytes: ", board->storage.slot_bytes));
    }
    if ((flags & 1u) == 0 && board->key != NULL) {
        return error(board, NSP_LINK_ERR_AUTH_REQUIRED, "unsigned program refused: this board requires a signed deploy");
    }
    if ((flags & 1u) != 0) {
        if (board->key == NULL) {
            return error(board, NSP_LINK_ERR_BAD_TAG, "signed program refused: this board has no key provisioned");
        }
        uint8_t message[TAG_MESSAGE_BYTES];
        uint8_t expected[32];
        memcpy(message, hash, 32);
        put_u32(message + 32, counter);
        put_u32(message + 36, size);
        nsp_link_hmac_sha256(board->key, board->key_length, message, sizeof message, expected);
        if (!constant_time_equal(expected, tag, 32)) {
            return error(board, NSP_LINK_ERR_BAD_TAG, "authentication tag does not match this board's key");
        }
        if (counter <= board->record.counter) {
            return error(board, NSP_LINK_ERR_REPLAY,
                         with_number(text, sizeof text, "replayed deploy: counter must exceed ", board->record.counter));
        }
    }
    if (board->uploading && board->upload_size == size && board->upload_counter == counter &&
        memcmp(board->upload_hash, hash, 32) == 0) {
        return upload_status(board); /* resume where the interrupted upload stopped */
    }
    board->uploading = 0;
    uint8_t slot = board->record.active_slot == 0 ? 1u : 0u;
    if (board->storage.erase_slot(board->storage.context, slot) != 0) {
        return error(board, NSP_LINK_ERR_STORAGE, "erasing the inactive slot failed");
    }
    board->uploading = 1;
    board->upload_slot = slot;
    board->upload_size = size;
    board->upload_offset = 0;
    board->upload_counter = counter;
    board->upload_signed = (uint8_t)(flags & 1u);
    memcpy(board->upload_hash, hash, 32);
    nsp_sha256_init(&board->upload_sha);
    return upload_status(board);
}

static reply on_chunk(nsp_link_board *board, const uint8_t *p, uint16_t length)
{
    char text[64];
    if (!board->uploading) {
        return error(board, NSP_LINK_ERR_NO_UPLOAD, "CHUNK without a BEGIN");
    }
    if (length < 4u) {
        return error(board, NSP_LINK_ERR_MALFORMED, "CHUNK payload shorter than its offset");
    }
    uint32_t offset = get_u32(p);
    uint32_t bytes = length - 4u;
    if (offset != board->upload_offset) {
        return error(board, NSP_LINK_ERR_BAD_OFFSET, with_number(text, sizeof text, "expected offset ", board->upload_offset));
    }
    if (bytes > board->upload_size - offset) {
        return error(board, NSP_LINK_ERR_TOO_LARGE, "CHUNK runs past the size given in BEGIN");
    }
    if (board->storage.write_slot(board->storage.context, board->upload_slot, offset, p + 4, bytes) != 0) {
        return error(board, NSP_LINK_ERR_STORAGE, "writing the slot failed");
    }
    nsp_sha256_update(&board->upload_sha, p + 4, bytes);
    board->upload_offset += bytes;
    return ack();
}

static reply on_commit(nsp_link_board *board)
{
    char text[64];
    if (!board->uploading) {
        return error(board, NSP_LINK_ERR_NO_UPLOAD, "COMMIT without a BEGIN");
    }
    if (board->upload_offset != board->upload_size) {
        return error(board, NSP_LINK_ERR_INCOMPLETE, with_number(text, sizeof text, "upload incomplete at offset ", board->upload_offset));
    }
    board->uploading = 0;
    uint8_t digest[32];
    nsp_sha256_final(&board->upload_sha, digest);
    if (!constant_time_equal(digest, board->upload_hash, 32)) {
        return error(board, NSP_LINK_ERR_HASH_MISMATCH, "program bytes do not hash to the SHA-256 given in BEGIN");
    }
    const uint8_t *bytes = board->storage.map_slot(board->storage.context, board->upload_slot);
    nsp_link_input input;
    char message[80];
    message[0] = 0;
    if (board->executor.load(board->executor.context, bytes, board->upload_size, &input, message, sizeof message) != 0 ||
        input.frame_bytes > board->frame_capacity) {
        load_active(board);
        if (message[0] == 0) {
            return error(board, NSP_LINK_ERR_LOAD_FAILED, with_number(text, sizeof text, "input frame larger than the board's buffer of bytes: ", board->frame_capacity));
        }
        return error(board, NSP_LINK_ERR_LOAD_FAILED, message);
    }
    nsp_link_record next = board->record;
    next.generation = board->record.generation + 1u;
    next.active_slot = board->upload_slot;
    next.program_bytes = board->upload_size;
    next.counter = board->upload_signed ? board->upload_counter : board->record.counter; /* unsigned deploys leave it */
    memcpy(next.hash, board->upload_hash, 32);
    uint8_t encoded[NSP_LINK_RECORD_BYTES];
    nsp_link_record_encode(&next, encoded);
    uint8_t page = (uint8_t)(board->record_page ^ 1u);
    /* The single write that switches programs: until it completes, the older page still names the old slot. */
    if (board->storage.write_record(board->storage.context, page, encoded, sizeof encoded) != 0) {
        load_active(board);
        return error(board, NSP_LINK_ERR_STORAGE, "writing the active-slot record failed");
    }
    board->record = next;
    board->record_page = page;
    board->input = input;
    board->program_loaded = 1;
    board->in_sample = 0;
    return ack();
}

static reply on_start_sample(nsp_link_board *board, const uint8_t *p, uint16_t length)
{
    if (length != 4u) {
        return error(board, NSP_LINK_ERR_MALFORMED, "START_SAMPLE payload is not 4 bytes");
    }
    if (!board->program_loaded) {
        return error(board, NSP_LINK_ERR_NO_PROGRAM, "no program is active on this board");
    }
    if (board->executor.begin(board->executor.context) != 0) {
        return error(board, NSP_LINK_ERR_EXECUTION, "the runtime refused to begin a sample");
    }
    board->in_sample = 1;
    board->sample_id = get_u32(p);
    board->sample_step = 0;
    memset(board->frame_buffer, 0, board->input.frame_bytes);
    return ack();
}

static void add_cell(nsp_link_board *board, uint32_t cell, uint32_t count)
{
    uint8_t *v = &board->frame_buffer[cell];
    if (board->input.binary) {
        *v = count != 0 ? 1u : *v;
    } else {
        uint32_t sum = *v + count;
        *v = (uint8_t)(sum > 255u ? 255u : sum);
    }
}

static reply on_events(nsp_link_board *board, const uint8_t *p, uint16_t length)
{
    char text[64];
    if (length < 8u) {
        return error(board, NSP_LINK_ERR_MALFORMED, "EVENTS payload shorter than its 8-byte header");
    }
    if (!board->in_sample) {
        return error(board, NSP_LINK_ERR_SAMPLE_STATE, "EVENTS outside a sample");
    }
    uint16_t step = get_u16(p);
    uint8_t encoding = p[2];
    uint8_t flags = p[3];
    uint32_t base = get_u32(p + 4);
    const uint8_t *data = p + 8;
    uint32_t bytes = length - 8u;
    uint32_t cells = board->input.frame_bytes;
    if (step != board->sample_step || step >= board->input.time_steps) {
        return error(board, NSP_LINK_ERR_SAMPLE_STATE, with_number(text, sizeof text, "EVENTS for the wrong step; expected ", board->sample_step));
    }
    uint32_t events = 0;
    switch (encoding) {
    case NSP_EVENTS_SPARSE16:
        if (bytes % 2u != 0) {
            return error(board, NSP_LINK_ERR_BAD_EVENTS, "SPARSE16 data is not a whole number of u16");
        }
        for (uint32_t i = 0; i < bytes; i += 2u) {
            uint32_t cell = get_u16(data + i);
            if (cell >= cells) {
                return error(board, NSP_LINK_ERR_BAD_EVENTS, "event cell index outside the input frame");
            }
            add_cell(board, cell, 1);
        }
        events = bytes / 2u;
        break;
    case NSP_EVENTS_SPARSE16_COUNT:
        if (bytes % 3u != 0) {
            return error(board, NSP_LINK_ERR_BAD_EVENTS, "SPARSE16_COUNT data is not a whole number of entries");
        }
        for (uint32_t i = 0; i < bytes; i += 3u) {
            uint32_t cell = get_u16(data + i);
            if (cell >= cells) {
                return error(board, NSP_LINK_ERR_BAD_EVENTS, "event cell index outside the input frame");
            }
            add_cell(board, cell, data[i + 2]);
            events += data[i + 2];
        }
        break;
    case NSP_EVENTS_BITMAP:
        if (base > cells || bytes > (cells - base + 7u) / 8u) {
            return error(board, NSP_LINK_ERR_BAD_EVENTS, "BITMAP runs past the input frame");
        }
        for (uint32_t i = 0; i < bytes * 8u; i++) {
            if ((data[i / 8u] >> (i % 8u)) & 1u) {
                if (base + i >= cells) {
                    return error(board, NSP_LINK_ERR_BAD_EVENTS, "BITMAP sets a bit past the input frame");
                }
                add_cell(board, base + i, 1);
                events++;
            }
        }
        break;
    case NSP_EVENTS_DENSE:
        if (base > cells || bytes > cells - base) {
            return error(board, NSP_LINK_ERR_BAD_EVENTS, "DENSE runs past the input frame");
        }
        for (uint32_t i = 0; i < bytes; i++) {
            add_cell(board, base + i, data[i]);
            events += data[i];
        }
        break;
    default:
        return error(board, NSP_LINK_ERR_BAD_EVENTS, "unknown EVENTS encoding");
    }
    board->counters.events += events;
    if (flags & 1u) {
        if (board->executor.step(board->executor.context, board->frame_buffer) != 0) {
            board->in_sample = 0;
            return error(board, NSP_LINK_ERR_EXECUTION, with_number(text, sizeof text, "the runtime failed at step ", step));
        }
        memset(board->frame_buffer, 0, cells);
        board->sample_step++;
    }
    return ack();
}

static reply on_end_sample(nsp_link_board *board, const uint8_t *p, uint16_t length)
{
    char text[64];
    if (length != 4u) {
        return error(board, NSP_LINK_ERR_MALFORMED, "END_SAMPLE payload is not 4 bytes");
    }
    if (!board->in_sample || get_u32(p) != board->sample_id) {
        return error(board, NSP_LINK_ERR_SAMPLE_STATE, "END_SAMPLE for a sample that was not started");
    }
    if (board->sample_step != board->input.time_steps) {
        return error(board, NSP_LINK_ERR_SAMPLE_STATE, with_number(text, sizeof text, "END_SAMPLE after too few steps: ", board->sample_step));
    }
    board->in_sample = 0;
    nsp_link_result result;
    memset(&result, 0, sizeof result);
    if (board->executor.finish(board->executor.context, &result) != 0 || result.class_count > NSP_LINK_MAX_CLASSES ||
        result.layer_count > NSP_LINK_MAX_LAYERS) {
        return error(board, NSP_LINK_ERR_EXECUTION, "the runtime failed to finish the sample");
    }
    board->counters.samples++;
    uint8_t *o = board->payload;
    put_u32(o, board->sample_id);
    put_u16(o + 4, (uint16_t)result.predicted);
    o[6] = result.class_count;
    o[7] = result.layer_count;
    put_u32(o + 8, (uint32_t)result.cycles);
    put_u32(o + 12, (uint32_t)(result.cycles >> 32));
    uint16_t at = 16;
    for (uint8_t i = 0; i < result.class_count; i++, at += 4) {
        put_u32(o + at, (uint32_t)result.logits[i]);
    }
    for (uint8_t i = 0; i < result.layer_count; i++, at += 4) {
        put_u32(o + at, result.spikes[i]);
    }
    reply r = {NSP_MSG_RESULT, at};
    return r;
}

static reply stats(nsp_link_board *board)
{
    const uint32_t values[] = {board->counters.frames_ok,    board->counters.crc_errors, board->counters.frame_errors,
                               board->counters.duplicates,   board->counters.out_of_order,
                               board->counters.naks_sent,    board->counters.replies_resent,
                               board->counters.overruns,     board->counters.events,
                               board->counters.samples,      board->counters.errors_sent};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        put_u32(board->payload + 4u * i, values[i]);
    }
    reply r = {NSP_MSG_STATS, (uint16_t)sizeof values};
    return r;
}

static reply dispatch(nsp_link_board *board, uint8_t type, const uint8_t *p, uint16_t length)
{
    switch (type) {
    case NSP_MSG_BEGIN: return on_begin(board, p, length);
    case NSP_MSG_CHUNK: return on_chunk(board, p, length);
    case NSP_MSG_COMMIT: return on_commit(board);
    case NSP_MSG_ABORT: board->uploading = 0; return ack();
    case NSP_MSG_START_SAMPLE: return on_start_sample(board, p, length);
    case NSP_MSG_EVENTS: return on_events(board, p, length);
    case NSP_MSG_END_SAMPLE: return on_end_sample(board, p, length);
    case NSP_MSG_GET_STATS: return stats(board);
    case NSP_MSG_RESET: return ack();
    default: return error(board, NSP_LINK_ERR_UNKNOWN_TYPE, "unknown message type");
    }
}

static void remember(nsp_link_board *board, uint16_t seq, reply r)
{
    nsp_link_cached_reply *c = &board->cache[seq % NSP_LINK_REPLY_CACHE];
    c->seq = seq;
    c->valid = 1;
    c->type = r.type;
    c->length = r.length;
    memcpy(c->payload, board->payload, r.length);
}

static int resend_cached(nsp_link_board *board, uint16_t seq)
{
    const nsp_link_cached_reply *c = &board->cache[seq % NSP_LINK_REPLY_CACHE];
    if (!c->valid || c->seq != seq) {
        return 0;
    }
    board->counters.replies_resent++;
    send(board, c->type, seq, c->payload, c->length);
    return 1;
}

static void handle(nsp_link_board *board, const uint8_t *frame)
{
    uint8_t type = nsp_link_frame_type(frame);
    uint16_t seq = nsp_link_frame_seq(frame);
    uint16_t length = nsp_link_frame_payload_length(frame);
    const uint8_t *payload = frame + NSP_LINK_HEADER_BYTES;
    board->counters.frames_ok++;
    if (type == NSP_MSG_HELLO) {
        if (length < 4u) {
            reply r = error(board, NSP_LINK_ERR_MALFORMED, "HELLO payload shorter than its nonce");
            send(board, r.type, seq, board->payload, r.length);
            return;
        }
        uint32_t nonce = get_u32(payload);
        if (board->in_session && nonce == board->session_nonce) {
            board->counters.duplicates++;
            resend_cached(board, seq);
            return;
        }
        /* A new session: sequence numbers restart; an unfinished upload stays resumable, a sample does not. */
        board->in_session = 1;
        board->session_nonce = nonce;
        board->expected_seq = (uint16_t)(seq + 1u);
        board->nak_sent_for = (uint16_t)(seq + 1u);
        board->nak_sent = 0;
        board->in_sample = 0;
        memset(board->cache, 0, sizeof board->cache);
        reply r = info(board);
        remember(board, seq, r);
        send(board, r.type, seq, board->payload, r.length);
        return;
    }
    if (!board->in_session) {
        reply r = error(board, NSP_LINK_ERR_NO_SESSION, "no session: send HELLO first");
        send(board, r.type, seq, board->payload, r.length);
        return;
    }
    int16_t distance = (int16_t)(uint16_t)(seq - board->expected_seq);
    if (distance < 0) {
        board->counters.duplicates++;
        resend_cached(board, seq);
        return;
    }
    if (distance > 0) {
        board->counters.out_of_order++;
        /* One NAK per gap: the frames behind the lost one would each ask again otherwise. */
        if (!board->nak_sent || board->nak_sent_for != board->expected_seq) {
            board->nak_sent = 1;
            board->nak_sent_for = board->expected_seq;
            send_nak(board, NSP_NAK_OUT_OF_ORDER);
        }
        return;
    }
    board->expected_seq++;
    board->nak_sent = 0;
    reply r = dispatch(board, type, payload, length);
    remember(board, seq, r);
    send(board, r.type, seq, board->payload, r.length);
    if (type == NSP_MSG_RESET && board->reset != NULL) {
        board->reset(board->reset_context);
    }
}

int nsp_link_board_poll(nsp_link_board *board)
{
    int handled = 0;
    if (board->nak_pending) {
        board->nak_pending = 0;
        if (board->in_session) {
            send_nak(board, NSP_NAK_CRC);
        }
    }
    while (rx_used(board) > 0) {
        uint8_t slot = (uint8_t)(board->rx_tail % NSP_LINK_RX_SLOTS);
        handle(board, board->rx[slot]);
        board->rx_tail++;
        handled++;
    }
    return handled;
}
