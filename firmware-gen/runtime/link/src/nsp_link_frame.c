/*
 * CRC-32, COBS and the byte-at-a-time frame parser of docs/protocol.md sections 2 and 3.
 */
#include "nsp_link.h"

#include <string.h>

/* Reflected IEEE 802.3 polynomial: the CRC of zlib, Ethernet and System.IO.Hashing.Crc32. */
#define CRC32_POLYNOMIAL 0xEDB88320u

static uint32_t crc_table[256];
static uint8_t crc_table_ready;

static void crc_build_table(void)
{
    for (uint32_t n = 0; n < 256u; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) {
            c = (c & 1u) ? (CRC32_POLYNOMIAL ^ (c >> 1)) : (c >> 1);
        }
        crc_table[n] = c;
    }
    crc_table_ready = 1;
}

uint32_t nsp_link_crc32(uint32_t crc, const uint8_t *data, size_t length)
{
    if (!crc_table_ready) {
        crc_build_table();
    }
    crc = ~crc;
    for (size_t i = 0; i < length; i++) {
        crc = crc_table[(crc ^ data[i]) & 0xFFu] ^ (crc >> 8);
    }
    return ~crc;
}

size_t nsp_link_cobs_encode(const uint8_t *data, size_t length, uint8_t *out)
{
    size_t code_at = 0;
    size_t written = 1;
    uint8_t code = 1;
    for (size_t i = 0; i < length; i++) {
        if (data[i] == 0) {
            out[code_at] = code;
            code_at = written++;
            code = 1;
        } else {
            out[written++] = data[i];
            code++;
            if (code == 0xFF) {
                out[code_at] = code;
                code_at = written++;
                code = 1;
            }
        }
    }
    out[code_at] = code;
    return written;
}

int32_t nsp_link_cobs_decode(const uint8_t *data, size_t length, uint8_t *out)
{
    size_t read = 0;
    size_t written = 0;
    while (read < length) {
        uint8_t code = data[read++];
        if (code == 0) {
            return -1;
        }
        for (uint8_t i = 1; i < code; i++) {
            if (read >= length || data[read] == 0) {
                return -1;
            }
            out[written++] = data[read++];
        }
        /* A block shorter than 254 data bytes stands for a zero, except at the very end. */
        if (code != 0xFF && read < length) {
            out[written++] = 0;
        }
    }
    return (int32_t)written;
}

void nsp_link_parser_init(nsp_link_parser *parser)
{
    parser->wire_length = 0;
    parser->overflow = 0;
    parser->frame_length = 0;
}

static uint32_t read_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

nsp_link_parse_result nsp_link_parser_feed(nsp_link_parser *parser, uint8_t byte)
{
    if (byte != 0) {
        if (parser->wire_length < sizeof parser->wire) {
            parser->wire[parser->wire_length++] = byte;
        } else {
            parser->overflow = 1;
        }
        return NSP_LINK_PARSE_MORE;
    }
    uint32_t wire_length = parser->wire_length;
    uint8_t overflow = parser->overflow;
    parser->wire_length = 0;
    parser->overflow = 0;
    if (wire_length == 0 && !overflow) {
        return NSP_LINK_PARSE_MORE; /* idle delimiters resynchronise the line */
    }
    /* The decoded length never exceeds the encoded one; refuse anything that could exceed a frame. */
    if (overflow || wire_length > NSP_LINK_MAX_FRAME + NSP_LINK_MAX_FRAME / 254u + 1u) {
        return NSP_LINK_PARSE_BAD_FRAME;
    }
    uint8_t *decoded = parser->frame;
    parser->frame_length = 0;
    int32_t length = nsp_link_cobs_decode(parser->wire, wire_length, decoded);
    if (length < (int32_t)(NSP_LINK_HEADER_BYTES + NSP_LINK_CRC_BYTES) || length > (int32_t)NSP_LINK_MAX_FRAME) {
        return NSP_LINK_PARSE_BAD_FRAME;
    }
    uint32_t body = (uint32_t)length - NSP_LINK_CRC_BYTES;
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    if (nsp_link_crc32(0, decoded, body) != read_u32(decoded + body)) {
        return NSP_LINK_PARSE_BAD_CRC;
    }
#else
    /* Fuzzing: a mutated frame would almost never carry a valid CRC, and the state machine behind it would go untested. */
    (void)read_u32;
#endif
    if (decoded[0] != NSP_LINK_VERSION || nsp_link_frame_payload_length(decoded) != body - NSP_LINK_HEADER_BYTES) {
        return NSP_LINK_PARSE_BAD_FRAME;
    }
    parser->frame_length = (uint32_t)length;
    return NSP_LINK_PARSE_FRAME;
}

size_t nsp_link_frame_encode(uint8_t type, uint8_t credits, uint16_t seq, const uint8_t *payload, uint16_t length,
                             uint8_t *wire)
{
    uint8_t frame[NSP_LINK_MAX_FRAME];
    frame[0] = NSP_LINK_VERSION;
    frame[1] = type;
    frame[2] = 0;
    frame[3] = credits;
    frame[4] = (uint8_t)seq;
    frame[5] = (uint8_t)(seq >> 8);
    frame[6] = (uint8_t)length;
    frame[7] = (uint8_t)(length >> 8);
    if (length > 0) {
        memcpy(frame + NSP_LINK_HEADER_BYTES, payload, length);
    }
    uint32_t body = NSP_LINK_HEADER_BYTES + length;
    uint32_t crc = nsp_link_crc32(0, frame, body);
    frame[body] = (uint8_t)crc;
    frame[body + 1] = (uint8_t)(crc >> 8);
    frame[body + 2] = (uint8_t)(crc >> 16);
    frame[body + 3] = (uint8_t)(crc >> 24);
    size_t written = nsp_link_cobs_encode(frame, body + NSP_LINK_CRC_BYTES, wire);
    wire[written++] = 0;
    return written;
}
