/* HMAC-SHA256 (RFC 2104) for the deploy tag of docs/protocol.md section 7.1. */
#include "nsp_link.h"
#include "nsp_sha256.h"

#include <string.h>

void nsp_link_hmac_sha256(const uint8_t *key, size_t key_length, const uint8_t *message, size_t length,
                          uint8_t tag[32])
{
    uint8_t block[64];
    memset(block, 0, sizeof block);
    if (key_length > sizeof block) {
        nsp_sha256(key, key_length, block); /* RFC 2104: keys longer than a block are hashed first */
    } else if (key_length > 0) {
        memcpy(block, key, key_length);
    }
    uint8_t pad[64];
    for (size_t i = 0; i < sizeof pad; i++) {
        pad[i] = (uint8_t)(block[i] ^ 0x36u);
    }
    nsp_sha256_context context;
    uint8_t inner[32];
    nsp_sha256_init(&context);
    nsp_sha256_update(&context, pad, sizeof pad);
    nsp_sha256_update(&context, message, length);
    nsp_sha256_final(&context, inner);
    for (size_t i = 0; i < sizeof pad; i++) {
        pad[i] = (uint8_t)(block[i] ^ 0x5Cu);
    }
    nsp_sha256_init(&context);
    nsp_sha256_update(&context, pad, sizeof pad);
    nsp_sha256_update(&context, inner, sizeof inner);
    nsp_sha256_final(&context, tag);
}
