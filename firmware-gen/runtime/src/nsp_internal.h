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

/* A conv the lane-scatter kernel runs (nsp_accumulate_lanes8): 5..8 output channels (rows of 8 bytes) and at most 255
   spikes reaching one output pixel per step. Its ring region holds 4 lane words per output pixel instead of sorted rows. */
static inline int nsp_lanes8_conv(int32_t in_channels, int32_t out_channels) { return out_channels >= 5 && out_channels <= 8 && in_channels * 9 <= 255; }

/* Row stride of a transposed weight tensor: the output channels, padded to whole words so rows stay aligned. */
static inline uint32_t nsp_transposed_stride(int32_t out_channels) { return ((uint32_t)out_channels + 3u) & ~3u; }

#endif
