/*
 * nsp.h - the C runtime's public API: load, verify and execute spike programs (.nsp).
 *
 * The semantics is docs/spike-program.md; this runtime must match src/Neuro.Program's reference
 * interpreter bit for bit. C99, no dynamic allocation: the caller owns every byte of memory.
 *
 * Both deployment shapes share this API:
 *   - baked:  the .nsp file bytes are a const array in flash (generated), loaded once at boot;
 *   - loader: the bytes arrive over the serial link into a program slot, then are loaded.
 * nsp_load never copies tensor data: the program keeps pointers into the caller's bytes, which must
 * stay valid (and unchanged) while the program is in use.
 */
#ifndef NSP_H
#define NSP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NSP_FORMAT_VERSION 1u
#define NSP_HEADER_BYTES 44u

/* Compile-time capacities of the runtime's tables (a program needing more is refused, never truncated). */
#ifndef NSP_MAX_TENSORS
#define NSP_MAX_TENSORS 96
#endif
#ifndef NSP_MAX_BUFFERS
#define NSP_MAX_BUFFERS 128
#endif
#ifndef NSP_MAX_OPS
#define NSP_MAX_OPS 96
#endif
#ifndef NSP_MAX_RANK
#define NSP_MAX_RANK 4
#endif
#ifndef NSP_MAX_NAME
#define NSP_MAX_NAME 48
#endif
#ifndef NSP_MAX_OPERANDS
#define NSP_MAX_OPERANDS 3
#endif
#ifndef NSP_MAX_CLASSES
#define NSP_MAX_CLASSES 32
#endif

/*
 * Build option: 1 compiles the output-stationary kernels that run Conv2d and Linear on transposed weight rows
 * (output channel fastest, src/nsp_accumulate.c) besides the flash-layout kernels. Which ones a loaded program uses
 * is its weight placement (nsp_place_weights): rows copied into the arena by nsp_begin (the default after nsp_load),
 * rows read from a const image the generator put in flash, or no rows and the flash-layout kernels. 0 compiles only
 * the flash-layout kernels (smaller code); every program then runs straight from its bytes.
 */
#ifndef NSP_TRANSPOSED_WEIGHTS
#define NSP_TRANSPOSED_WEIGHTS 0
#endif

typedef enum {
    NSP_OK = 0,
    NSP_ERR_MAGIC,         /* not an .nsp file */
    NSP_ERR_TRUNCATED,     /* shorter than its header says */
    NSP_ERR_TRAILING,      /* longer than its header says */
    NSP_ERR_VERSION,       /* version 0 or newer than NSP_FORMAT_VERSION */
    NSP_ERR_FLAGS,         /* flags not 0 */
    NSP_ERR_HASH,          /* SHA-256 of the body does not match */
    NSP_ERR_FORMAT,        /* body is not the documented MessagePack layout */
    NSP_ERR_CAPACITY,      /* more tensors/buffers/ops/rank than this build holds */
    NSP_ERR_VERIFY,        /* a verifier rule of docs/spike-program.md section 4 fails */
    NSP_ERR_ARENA,         /* the arena is smaller than nsp_arena_bytes() */
    NSP_ERR_SAMPLE,        /* a frame value outside the input encoding's range */
    NSP_ERR_STATE          /* API called out of order (e.g. step before begin) */
} nsp_status;

/* Where and why loading failed: byte offset in the file (or -1), op index (or -1), and a short reason. */
typedef struct {
    nsp_status status;
    int32_t offset;
    int32_t op;
    char message[96];
} nsp_error;

typedef struct {
    uint8_t type;          /* 0 i8, 1 i32 */
    uint8_t rank;
    int32_t shape[NSP_MAX_RANK];
    const uint8_t *data;   /* points into the program bytes; i32 little-endian */
    uint32_t length;       /* elements */
} nsp_tensor;

typedef struct {
    uint8_t type;          /* 0 u8, 1 i32 */
    uint8_t kind;          /* 0 step, 1 persistent, 2 input */
    uint8_t rank;
    int32_t shape[NSP_MAX_RANK];
    uint32_t length;       /* elements */
    uint32_t offset;       /* byte offset in the arena (4-byte aligned); buffers never live at once may share bytes */
} nsp_buffer;

typedef struct {
    uint8_t kind;          /* op kinds of docs/spike-program.md section 3: 1 Conv2d ... 11 Readout */
    uint8_t input_count, output_count, tensor_count, attribute_count;
    int16_t inputs[2];
    int16_t outputs[2];
    int16_t tensors[NSP_MAX_OPERANDS]; /* -1: absent bias */
    int32_t attributes[3];
} nsp_op;

typedef struct {
    int32_t channels, height, width, time_steps;
    int32_t encoding;      /* 0 counts, 1 binary */
    int32_t split, downsample, sensor_width, sensor_height;
} nsp_input;

typedef struct {
    nsp_input input;
    uint16_t tensor_count, buffer_count, op_count;
    nsp_tensor tensors[NSP_MAX_TENSORS];
    nsp_buffer buffers[NSP_MAX_BUFFERS];
    nsp_op ops[NSP_MAX_OPS];
    uint32_t arena_bytes;  /* what the weight placement needs: buffers placed by liveness, event list, ... (spec 6.1) */
    uint8_t hash[32];      /* SHA-256 of the body, as in the header */
    char name[NSP_MAX_NAME];
    uint16_t input_buffer; /* the buffer each step's frame is copied into */
    uint32_t scratch_offset; /* arena bytes from here: the executor's event list */
    uint32_t channel_last_offset; /* transposed placements: the conv kernel's ring of three sorted input rows */
    uint32_t weights_offset; /* transposed placements: where the weight rows start (image offsets count from here) */
    uint32_t weights_bytes;  /* transposed placements: bytes of all weight rows (the image's length) */
    uint32_t weight_offset[NSP_MAX_OPS]; /* each Conv2d/Linear's rows [fan-in, O], output channel fastest */
    uint8_t weights;         /* nsp_weights: where the kernels find their weights */
    const uint8_t *weight_image; /* NSP_WEIGHTS_IMAGE: the rows, laid out as they would be at weights_offset */
} nsp_program;

/*
 * Where Conv2d and Linear find their weights (docs/spike-program.md section 6.1). The arenas are nested: FLASH needs the
 * buffers and the event list; IMAGE adds the conv ring; SRAM adds the weight rows after it.
 */
typedef enum {
    NSP_WEIGHTS_FLASH = 0, /* the program's own [O, fan-in] tensors, in place; flash-layout kernels */
    NSP_WEIGHTS_IMAGE = 1, /* transposed rows in a const image (baked firmware: flash), checked by nsp_place_weights */
    NSP_WEIGHTS_SRAM = 2   /* transposed rows copied into the arena by nsp_begin */
} nsp_weights;

/* Per op, counted over one sample (see docs/spike-program.md section 5). */
typedef struct {
    uint64_t events, synaptic_ops, macs, neuron_updates, output_sum;
    uint64_t input_sum;    /* sum of the driving input's values (spikes with multiplicity) */
    uint64_t updates;      /* accumulator updates of event-driven ops: events x in-bounds fan-out */
    uint64_t ticks;        /* session->clock ticks spent in the op (0 without a clock) */
} nsp_op_counters;

typedef struct {
    int32_t logits[NSP_MAX_CLASSES];
    uint16_t class_count;
    int16_t predicted;     /* lowest index among the largest logits; -1 without a Readout */
} nsp_result;

/* Parses the header and body, checks the hash, applies every verifier rule, lays out the arena. */
nsp_status nsp_load(const uint8_t *bytes, uint32_t length, nsp_program *program, nsp_error *error);

/* Execution state: the arena holds every buffer; counters may be NULL (then nothing is counted). */
typedef struct {
    const nsp_program *program;
    uint8_t *arena;
    nsp_op_counters *counters; /* program->op_count entries, or NULL */
    int32_t step;              /* next time step; -1 before nsp_begin */
    uint32_t (*clock)(void);   /* optional, set after nsp_begin: a free-running counter timing each op into ticks */
    /* Optional, set after nsp_begin: called by nsp_step after the frame copy (op -1) and after each op (its index),
       while what that op wrote is still in the arena (buffers share bytes, so later ops may overwrite it). */
    void (*observe)(void *context, int32_t op);
    void *observe_context;
} nsp_session;

nsp_status nsp_begin(nsp_session *session, const nsp_program *program, uint8_t *arena, uint32_t arena_length,
                     nsp_op_counters *counters);
/* Runs one time step on one frame of channels*height*width bytes. */
nsp_status nsp_step(nsp_session *session, const uint8_t *frame);
/* After time_steps calls of nsp_step: the readout's logits and class. */
nsp_status nsp_finish(nsp_session *session, nsp_result *result);

/* The buffer named by index, for traces and golden tests. A step buffer holds its values from its writer op until its
   last reader has run; after that its bytes may belong to another buffer (read it from the observe callback). */
const uint8_t *nsp_buffer_data(const nsp_session *session, uint16_t buffer);

/* Bytes of arena the loaded program needs (all buffers, each 4-byte aligned, sharing bytes where their live ranges
   do not meet, then the executor's scratch); the arena must be 4-byte aligned. */
uint32_t nsp_arena_bytes(const nsp_program *program);

/*
 * Chooses where a loaded program's weights are read from and sets arena_bytes to what that placement needs. IMAGE takes
 * image/image_length: it must hold exactly the transposed rows (every byte is compared with the program's weights, so a
 * stale image is refused with NSP_ERR_VERIFY); the other placements ignore them. Builds with NSP_TRANSPOSED_WEIGHTS 0
 * accept only FLASH (NSP_ERR_STATE otherwise). Call after nsp_load, before nsp_begin.
 */
nsp_status nsp_place_weights(nsp_program *program, nsp_weights where, const uint8_t *image, uint32_t image_length);

/*
 * The fastest placement whose arena fits arena_length: IMAGE when an image is given, else SRAM, else FLASH.
 * NSP_ERR_ARENA when even FLASH does not fit; an image that does not match is NSP_ERR_VERIFY.
 */
nsp_status nsp_fit_weights(nsp_program *program, const uint8_t *image, uint32_t image_length, uint32_t arena_length);

/* A stable lower-case name of a status, e.g. "hash" for NSP_ERR_HASH, for logs and test output. */
const char *nsp_status_name(nsp_status status);

#ifdef __cplusplus
}
#endif

#endif
