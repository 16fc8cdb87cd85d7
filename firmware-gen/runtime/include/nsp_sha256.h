/*
 * nsp_sha256.h - SHA-256 (FIPS 180-4) for the program loader's body hash and the link's HMAC.
 * Incremental so a program arriving in chunks can be hashed as it is written to its slot.
 */
#ifndef NSP_SHA256_H
#define NSP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint32_t state[8];
    uint64_t length;      /* bytes hashed so far */
    uint8_t block[64];
    uint32_t filled;      /* bytes waiting in block */
} nsp_sha256_context;

void nsp_sha256_init(nsp_sha256_context *context);
void nsp_sha256_update(nsp_sha256_context *context, const uint8_t *data, size_t length);
void nsp_sha256_final(nsp_sha256_context *context, uint8_t digest[32]);
void nsp_sha256(const uint8_t *data, size_t length, uint8_t digest[32]);

#ifdef __cplusplus
}
#endif

#endif
