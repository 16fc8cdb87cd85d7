/*
 * nsp_accumulate.h - the synaptic accumulation kernels the executor's Conv2d and Linear share (NSP_TRANSPOSED_WEIGHTS).
 *
 * Weights are transposed rows: the int8 weights of one fan-in position for output channels 0..O-1, contiguous,
 * each row padded with zeros to a multiple of 4 bytes and starting word-aligned. The kernels are output-stationary:
 * a block of output channels stays in registers while every event of the list adds its row, and is written back
 * once per block, so no accumulator is loaded or stored per event.
 */
#ifndef NSP_ACCUMULATE_H
#define NSP_ACCUMULATE_H

#include <stdint.h>

/* Events a 16-bit lane may take before it is folded into its int32 accumulator: 255 * 128 = 32640 <= 32767. */
#define NSP_LANE_EVENTS 255u

/* A run of events of value 1: each entry is a weight row's byte offset from rows + shift, a multiple of 4. The shift may
   be negative (a conv subtracts its output column, keeping one entry per input spike for all three taps); only
   rows + shift + entry must lie in the weights. */
typedef struct {
    const uint32_t *first;
    const uint32_t *last;
    int32_t shift;
} nsp_event_run;

/*
 * acc[o * acc_stride] = start[o * acc_stride] + sum over the runs' entries e of rows[shift + e + o], for o < outputs
 * (start may be acc; taking the bias from elsewhere spares a pass that fills acc with it). rows must be word-aligned
 * with (outputs + 3) & ~3 readable bytes per row; any number of events (the lanes are folded every NSP_LANE_EVENTS).
 */
void nsp_accumulate_spikes(int32_t *acc, const int32_t *start, uint32_t acc_stride, const int8_t *rows, const nsp_event_run *runs,
                           uint32_t run_count, uint32_t outputs);

/*
 * The same for one list of 1..NSP_LANE_EVENTS entries (offsets from rows, no shift), outputs a multiple of 8: a Linear
 * token's events, or a conv pixel's three runs merged, without the general kernel's per-block run handling.
 */
void nsp_accumulate_list(int32_t *acc, const int32_t *start, uint32_t acc_stride, const int8_t *rows, const uint32_t *first,
                         const uint32_t *last, uint32_t outputs);

/* nsp_accumulate_list into contiguous outputs (acc_stride 1): its own copy, without the stride in registers. */
void nsp_accumulate_token(int32_t *acc, const int32_t *start, const int8_t *rows, const uint32_t *first, const uint32_t *last,
                          uint32_t outputs);

/* acc[o] += row[o] * value for o < count: one event of any value (counts frames, residual sums) added directly. */
void nsp_accumulate_scaled(int32_t *acc, uint32_t acc_stride, const int8_t *row, uint32_t count, int32_t value);

/*
 * A conv into few output channels (groups of 8: nsp_lane_groups) scattered input-stationary into packed 16-bit lanes:
 * lanes holds 4 words per group and output pixel (channels (0, 2), (1, 3), (4, 6), (5, 7) of each group), is zeroed
 * first, and every input spike adds its 3x3 taps' weight rows (8 * groups bytes) to the lanes of the pixels it meets, 8
 * channels with four SXTAB16. Exact while a pixel takes at most 255 spikes (channels * 9 <= 255). Counts every event as
 * conv2d does (counts: events, input sum, updates, weighted updates, events above 1) but adds only the 1s; the caller
 * adds larger values into the int32 outputs afterwards.
 */
void nsp_accumulate_lanes8(uint32_t *lanes, uint32_t groups, const uint8_t *in, uint32_t channels, int32_t height, int32_t width,
                           const int8_t *rows, uint64_t counts[5]);

/* acc[o * plane + p] = bias[o] + lane (p, o) for o < outputs (<= 8 * groups). */
void nsp_lanes8_to_planes(int32_t *acc, const uint32_t *lanes, uint32_t groups, uint32_t plane, uint32_t outputs, const int32_t bias[16]);

#endif
