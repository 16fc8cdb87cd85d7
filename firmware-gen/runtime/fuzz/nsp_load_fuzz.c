/*
 * nsp_load_fuzz.c - libFuzzer harness for the loader: any bytes must be refused or loaded without a memory
 * error or undefined behaviour, and a loaded program must run one all-zero sample inside its arena.
 * Build: clang -std=c99 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc src/(all .c) fuzz/nsp_load_fuzz.c
 * Seed the corpus with valid programs (tests write some). The harness re-seals each input's header (length
 * and SHA-256), so mutations reach the parser and the verifier instead of dying at the hash check.
 */
#include <stdlib.h>
#include <string.h>

#include "nsp.h"
#include "nsp_sha256.h"

static nsp_program program;
static uint32_t arena[1u << 16];
static uint8_t patched[1u << 20];
static uint8_t frame[1u << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nsp_error error;
    nsp_session session;
    nsp_result result;
    const uint8_t *bytes = data;
    int32_t t;
    if (size > sizeof(patched))
        return 0;
    /* Re-seal the header (length and hash) so mutations of the body reach the parser and the verifier. */
    if (size >= NSP_HEADER_BYTES) {
        uint32_t body = (uint32_t)(size - NSP_HEADER_BYTES);
        memcpy(patched, data, size);
        patched[8] = (uint8_t)body;
        patched[9] = (uint8_t)(body >> 8);
        patched[10] = (uint8_t)(body >> 16);
        patched[11] = (uint8_t)(body >> 24);
        nsp_sha256(patched + NSP_HEADER_BYTES, body, patched + 12);
        bytes = patched;
    }
    if (nsp_load(bytes, (uint32_t)size, &program, &error) != NSP_OK)
        return 0;
    if (nsp_begin(&session, &program, (uint8_t *)arena, sizeof(arena), NULL) != NSP_OK)
        return 0;
    if ((uint32_t)program.buffers[program.input_buffer].length > sizeof(frame))
        return 0;
    for (t = 0; t < program.input.time_steps && t < 4; t++) {
        memset(frame, t & 1, sizeof(frame));
        if (nsp_step(&session, frame) != NSP_OK)
            abort();
    }
    if (program.input.time_steps <= 4 && nsp_finish(&session, &result) != NSP_OK)
        abort();
    return 0;
}
