/*
 * nsp_internal.h - definitions shared by the runtime's translation units, not part of the API.
 */
#ifndef NSP_INTERNAL_H
#define NSP_INTERNAL_H

#include "nsp.h"

enum {
    NSP_OP_CONV2D = 1,
    NSP_OP_LINEAR = 2,
    NSP_OP_LIF = 3,
    NSP_OP_MAXPOOL = 4,
    NSP_OP_TOTOKENS = 5,
    NSP_OP_ADD = 6,
    NSP_OP_MATMUL_QK = 7,
    NSP_OP_MATMUL_AV = 8,
    NSP_OP_MATMUL_KV = 9,
    NSP_OP_MATMUL_QKV = 10,
    NSP_OP_READOUT = 11
};

enum { NSP_TYPE_U8 = 0, NSP_TYPE_I32 = 1 };
enum { NSP_TENSOR_I8 = 0, NSP_TENSOR_I32 = 1 };
enum { NSP_KIND_STEP = 0, NSP_KIND_PERSISTENT = 1, NSP_KIND_INPUT = 2 };
enum { NSP_ENCODING_COUNTS = 0, NSP_ENCODING_BINARY = 1 };

/* A type or kind the file spelled outside 0..254: kept distinct so the verifier reports it, never wrapped. */
#define NSP_UNKNOWN_ENUM 0xFFu

/* A little-endian int32 of tensor data (tensor data need not be aligned in the program bytes). */
static inline int32_t nsp_read_i32(const uint8_t *bytes)
{
    uint32_t value = (uint32_t)bytes[0] | ((uint32_t)bytes[1] << 8) | ((uint32_t)bytes[2] << 16) | ((uint32_t)bytes[3] << 24);
    return value <= 0x7FFFFFFFu ? (int32_t)value : -(int32_t)(0xFFFFFFFFu - value) - 1;
}

/* Groups of 8 output channels the lane-scatter conv kernel (nsp_accumulate_lanes8) holds per output pixel for a conv:
   1 for 5..8 output channels, 2 for 13..16 (rows of 8 or 16 bytes), when at most 255 spikes reach an output pixel per
   step (in_channels * 9 <= 255); else 0, and the conv runs the sorted-rows kernel. Its ring region holds 4 lane words
   per group and output pixel. */
static inline uint32_t nsp_lane_groups(int32_t in_channels, int32_t out_channels)
{
    if (in_channels * 9 > 255)
        return 0;
    return out_channels >= 5 && out_channels <= 8 ? 1u : out_channels >= 13 && out_channels <= 16 ? 2u : 0u;
}

/* Row stride of a transposed weight tensor: the output channels, padded to whole words so rows stay aligned. */
static inline uint32_t nsp_transposed_stride(int32_t out_channels) { return ((uint32_t)out_channels + 3u) & ~3u; }

#endif
