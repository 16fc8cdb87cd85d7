/*
 * nsp_exec.c - the event-driven executor and readout of docs/spike-program.md sections 1-3 and 5.
 *
 * It runs only programs nsp_load accepted, so it trusts every index, shape and bound ("check once, then
 * run blind"); only the frames come from outside and are checked. Arithmetic is IntegerMath.cs written in
 * C99: int32 accumulators (proven exact by the verifier), the LIF's int64 intermediate, round_shift with a
 * floor shift, sat32. Counters follow section 5 and ReferenceInterpreter.cs term by term.
 */
#include "nsp.h"
#include "nsp_internal.h"
#if NSP_TRANSPOSED_WEIGHTS
#include "nsp_accumulate.h"
#endif

static int32_t saturate32(int64_t value)
{
    return value > 2147483647LL ? (int32_t)2147483647 : value < -2147483647LL - 1 ? (int32_t)(-2147483647 - 1) : (int32_t)value;
}

static int32_t *ints(const nsp_session *s, int32_t buffer) { return (int32_t *)(void *)(s->arena + s->program->buffers[buffer].offset); }

static uint8_t *bytes_of(const nsp_session *s, int32_t buffer) { return s->arena + s->program->buffers[buffer].offset; }

/* Sets acc[o * stride + i] to channel o's bias (or 0) for i < count, decoding each bias value once (the unaligned
   little-endian read costs several instructions), four stores per loop turn. */
static void fill_bias(int32_t *acc, const nsp_tensor *bias, uint32_t channels, uint32_t stride, uint32_t count)
{
    uint32_t o, i;
    for (o = 0; o < channels; o++) {
        const int32_t value = bias == NULL ? 0 : nsp_read_i32(bias->data + 4u * o);
        int32_t *to = acc + o * stride;
        for (i = 0; i + 4u <= count; i += 4u, to += 4) {
            to[0] = value;
            to[1] = value;
            to[2] = value;
            to[3] = value;
        }
        for (; i < count; i++)
            *to++ = value;
    }
}

static const nsp_tensor *bias_of(const nsp_program *p, const nsp_op *op)
{
    return op->tensors[1] == -1 ? NULL : &p->tensors[op->tensors[1]];
}

/* In-bounds rows (or columns) a 3x3 window centred on position i of a length-n axis covers. */
static uint32_t taps_along(int32_t i, int32_t n) { return 1u + (i > 0) + (i < n - 1); }

/* A conv's counters (spec section 5), the same whichever weight layout ran: a dense conv counts every input element
 * times its in-bounds fan-out as MACs; an event-driven one counts updates and SOPs per output channel. */
static void count_conv(nsp_op_counters *k, const nsp_op *op, uint64_t events, uint64_t input_sum, uint64_t updates,
                       uint64_t weighted, uint32_t channels, int32_t height, int32_t width, uint32_t out_channels)
{
    k->events += events;
    k->input_sum += input_sum;
    if (op->attributes[0] != 0) {
        uint64_t rows = 0, columns = 0;
        int32_t i;
        for (i = 0; i < height; i++)
            rows += taps_along(i, height);
        for (i = 0; i < width; i++)
            columns += taps_along(i, width);
        k->macs += (uint64_t)channels * rows * columns * (uint64_t)out_channels;
    } else {
        k->updates += updates * (uint64_t)out_channels;
        k->synaptic_ops += weighted * (uint64_t)out_channels;
    }
}

static void conv2d(nsp_session *s, const nsp_op *op, nsp_op_counters *k)
{
    const nsp_program *p = s->program;
    const nsp_buffer *in_buffer = &p->buffers[op->inputs[0]];
    const uint8_t *in = bytes_of(s, op->inputs[0]);
    int32_t *acc = ints(s, op->outputs[0]);
    const int8_t *weights = (const int8_t *)p->tensors[op->tensors[0]].data;
    const int32_t channels = in_buffer->shape[0], height = in_buffer->shape[1], width = in_buffer->shape[2];
    const int32_t out_channels = p->buffers[op->outputs[0]].shape[0];
    const uint32_t plane = (uint32_t)height * (uint32_t)width, weight_stride = (uint32_t)channels * 9u;
    uint64_t events = 0, input_sum = 0, updates = 0, weighted = 0;
    int32_t c, y, x;

    fill_bias(acc, bias_of(p, op), (uint32_t)out_channels, plane, plane);
    for (c = 0; c < channels; c++) {
        for (y = 0; y < height; y++) {
            const int32_t ky_first = y < height - 1 ? 0 : 1, ky_last = y > 0 ? 2 : 1;
            for (x = 0; x < width; x++) {
                const int32_t value = in[((uint32_t)c * (uint32_t)height + (uint32_t)y) * (uint32_t)width + (uint32_t)x];
                const int32_t kx_first = x < width - 1 ? 0 : 1, kx_last = x > 0 ? 2 : 1;
                int32_t ky, kx;
                if (value == 0)
                    continue;
                events++;
                input_sum += (uint32_t)value;
                {
                    const uint64_t taps = (uint64_t)taps_along(y, height) * taps_along(x, width);
                    updates += taps;
                    weighted += taps * (uint32_t)value;
                }
                /* The input at (y, x) meets tap (ky, kx) of the output at (y - ky + 1, x - kx + 1). */
                for (ky = ky_first; ky <= ky_last; ky++) {
                    for (kx = kx_first; kx <= kx_last; kx++) {
                        int32_t *target = acc + (uint32_t)(y - ky + 1) * (uint32_t)width + (uint32_t)(x - kx + 1);
                        const int8_t *w = weights + (uint32_t)c * 9u + (uint32_t)(ky * 3 + kx);
                        int32_t o;
                        if (value == 1) {
                            /* Spikes: accumulate only, four output channels per iteration to halve the loop overhead. */
                            for (o = 0; o + 4 <= out_channels; o += 4, target += 4u * plane, w += 4u * weight_stride) {
                                target[0] += w[0];
                                target[plane] += w[weight_stride];
                                target[2u * plane] += w[2u * weight_stride];
                                target[3u * plane] += w[3u * weight_stride];
                            }
                            for (; o < out_channels; o++, target += plane, w += weight_stride)
                                *target += *w;
                        } else {
                            for (o = 0; o < out_channels; o++, target += plane, w += weight_stride)
                                *target += *w * value;
                        }
                    }
                }
            }
        }
    }
    if (k != NULL)
        count_conv(k, op, events, input_sum, updates, weighted, channels, height, width, out_channels);
}

/*
 * Linear, output-stationary over each token's event list: the weight row W[o, :] is contiguous, so each
 * output gathers its events' weights in a register and is stored once (same integers as the
 * input-stationary reading: the verifier proved every partial sum exact).
 */
static void linear(nsp_session *s, const nsp_op *op, nsp_op_counters *k)
{
    const nsp_program *p = s->program;
    const nsp_buffer *in_buffer = &p->buffers[op->inputs[0]];
    const uint8_t *in = bytes_of(s, op->inputs[0]);
    int32_t *acc = ints(s, op->outputs[0]);
    const int8_t *weights = (const int8_t *)p->tensors[op->tensors[0]].data;
    const nsp_tensor *bias = bias_of(p, op);
    const uint32_t tokens = (uint32_t)in_buffer->shape[0], features = (uint32_t)in_buffer->shape[1];
    const uint32_t outputs = (uint32_t)p->buffers[op->outputs[0]].shape[1];
    uint32_t *events = (uint32_t *)(void *)(s->arena + p->scratch_offset);
    uint64_t event_total = 0, input_sum = 0;
    uint32_t n, i, o;

    for (n = 0; n < tokens; n++) {
        const uint8_t *row = in + n * features;
        int32_t *out = acc + n * outputs;
        uint32_t count = 0, row_sum = 0;
        for (i = 0; i < features; i++) {
            if (row[i] != 0) {
                events[count++] = i;
                row_sum += row[i];
            }
        }
        event_total += count;
        input_sum += row_sum;
        if (row_sum == count) {
            /* Spikes (every event 1): accumulate only. */
            for (o = 0; o < outputs; o++) {
                const int8_t *w = weights + o * features;
                int32_t sum = bias == NULL ? 0 : nsp_read_i32(bias->data + 4u * o);
                uint32_t e = 0;
                for (; e + 2 <= count; e += 2)
                    sum += w[events[e]] + w[events[e + 1]];
                if (e < count)
                    sum += w[events[e]];
                out[o] = sum;
            }
        } else {
            for (o = 0; o < outputs; o++) {
                const int8_t *w = weights + o * features;
                int32_t sum = bias == NULL ? 0 : nsp_read_i32(bias->data + 4u * o);
                uint32_t e;
                for (e = 0; e < count; e++)
                    sum += w[events[e]] * (int32_t)row[events[e]];
                out[o] = sum;
            }
        }
    }
    if (k != NULL) {
        k->events += event_total;
        k->input_sum += input_sum;
        k->updates += event_total * outputs;
        k->synaptic_ops += input_sum * outputs;
    }
}

#if NSP_TRANSPOSED_WEIGHTS
/* A word of four u8 inputs, read through a type that may alias them. */
#if defined(__GNUC__)
typedef uint32_t nsp_u32_alias __attribute__((may_alias));
#else
typedef uint32_t nsp_u32_alias;
#endif

/* Op index's transposed rows: in the flash image (NSP_WEIGHTS_IMAGE) or copied into the arena (NSP_WEIGHTS_SRAM). */
static const int8_t *rows_of(const nsp_session *s, uint32_t index)
{
    const nsp_program *p = s->program;
    if (p->weights == NSP_WEIGHTS_IMAGE)
        return (const int8_t *)(p->weight_image + (p->weight_offset[index] - p->weights_offset));
    return (const int8_t *)(s->arena + p->weight_offset[index]);
}

/*
 * One input row's spikes for conv2d_transposed, sorted by pixel: entries [starts[x], starts[x + 1]) are the spikes at
 * column x, each stored as c * 9 * row_bytes + x * row_bytes, so the spikes of three adjacent pixels are one run for
 * the output pixel between them (its column and kernel row go into the run's shift). Counts the row's events.
 */
static void sort_row(const uint8_t *in, uint32_t channels, uint32_t plane, uint32_t width, uint32_t row_bytes, uint32_t *starts,
                     uint32_t *entries, uint32_t taps_y, int32_t y, uint64_t counts[5])
{
    uint32_t x, total = 0;
    for (x = 0; x < width; x++) {
        const uint8_t *value = in + (uint32_t)y * width + x;
        const uint32_t first = total;
        uint32_t c, sum = 0, larger = 0, entry = x * row_bytes;
        starts[x] = total;
        for (c = 0; c < channels; c++, value += plane, entry += 9u * row_bytes) {
            if (*value == 0)
                continue;
            sum += *value;
            if (*value == 1)
                entries[total++] = entry;
            else
                larger++;
        }
        if (total != first || larger != 0) {
            const uint32_t taps = taps_y * taps_along((int32_t)x, (int32_t)width), count = total - first + larger;
            counts[0] += count;
            counts[1] += sum;
            counts[2] += (uint64_t)taps * count;
            counts[3] += (uint64_t)taps * sum;
            counts[4] += larger;
        }
    }
    starts[width] = total;
}

/*
 * Conv2d input-stationary on the transposed weights: every event of value >= minimum adds value x its weight rows to
 * the outputs it meets, acc[o * H*W + target] (about 7 instructions per update against ~1 in the lanes). It adds the
 * events above 1 after the output-stationary pass (minimum 2), and runs alone on maps too sparse for that pass
 * (minimum 1, counting the events as it goes).
 */
static void scatter_events(const uint8_t *in, int32_t *acc, const int8_t *weights, uint32_t channels, int32_t height,
                           int32_t width, uint32_t out_channels, int32_t minimum, uint64_t counts[5])
{
    const uint32_t plane = (uint32_t)height * (uint32_t)width, row_bytes = nsp_transposed_stride((int32_t)out_channels);
    uint32_t c;
    int32_t y, x;
    for (c = 0; c < channels; c++) {
        for (y = 0; y < height; y++) {
            const int32_t ky_first = y < height - 1 ? 0 : 1, ky_last = y > 0 ? 2 : 1;
            for (x = 0; x < width; x++) {
                const int32_t value = *in++;
                const int32_t kx_first = x < width - 1 ? 0 : 1, kx_last = x > 0 ? 2 : 1;
                int32_t ky, kx;
                if (value < minimum)
                    continue;
                if (minimum == 1) {
                    const uint32_t taps = taps_along(y, height) * taps_along(x, width);
                    counts[0]++;
                    counts[1] += (uint32_t)value;
                    counts[2] += taps;
                    counts[3] += (uint64_t)taps * (uint32_t)value;
                }
                for (ky = ky_first; ky <= ky_last; ky++) {
                    for (kx = kx_first; kx <= kx_last; kx++)
                        nsp_accumulate_scaled(acc + (uint32_t)(y - ky + 1) * (uint32_t)width + (uint32_t)(x - kx + 1), plane,
                                              weights + (c * 9u + (uint32_t)(ky * 3 + kx)) * row_bytes, out_channels, value);
                }
            }
        }
    }
}

/*
 * Whether the map has fewer than limit nonzero inputs. The output-stationary pass costs about 100 + 3*O instructions per
 * output pixel however few events there are, the scattered one about 6 more per update: with fewer events than
 * H*W*(100 + 3*O) / (54*O) scattering is cheaper. Four inputs per zero test; the count stops at the limit, so a busy
 * map is not read through.
 */
static int sparse_map(const uint8_t *in, uint32_t length, uint64_t limit)
{
    uint64_t events = 0;
    uint32_t i = 0;
    for (; i + 4u <= length && events < limit; i += 4u) {
        if ((in[i] | in[i + 1] | in[i + 2] | in[i + 3]) != 0)
            events += (uint32_t)(in[i] != 0) + (in[i + 1] != 0) + (in[i + 2] != 0) + (in[i + 3] != 0);
    }
    for (; i < length && events < limit; i++)
        events += in[i] != 0;
    return events < limit;
}

/*
 * Conv2d, output-stationary: each output pixel hands its 3x3 neighbourhood's spikes (three runs, one per kernel row)
 * to nsp_accumulate_spikes, which adds them block by block of output channels held in registers. The spikes of the
 * three input rows in use are kept sorted by pixel in the channel-last area (O*H*W*4 bytes for this conv), a ring of
 * three rows; a conv whose rows need more runs the flash-layout kernel. Events of a larger value (counts frames,
 * residual sums) are added afterwards one by one, input-stationary.
 */
static void conv2d_transposed(nsp_session *s, const nsp_op *op, uint32_t index, nsp_op_counters *k)
{
    const nsp_program *p = s->program;
    const nsp_buffer *in_buffer = &p->buffers[op->inputs[0]];
    const uint8_t *in = bytes_of(s, op->inputs[0]);
    int32_t *acc = ints(s, op->outputs[0]);
    const int8_t *weights = rows_of(s, index);
    const int32_t channels = in_buffer->shape[0], height = in_buffer->shape[1], width = in_buffer->shape[2];
    const uint32_t out_channels = (uint32_t)p->buffers[op->outputs[0]].shape[0];
    const uint32_t plane = (uint32_t)height * (uint32_t)width, row_bytes = nsp_transposed_stride((int32_t)out_channels);
    const uint32_t slot = (uint32_t)width + 1u + (uint32_t)width * (uint32_t)channels; /* words per ring row */
    uint32_t *ring = (uint32_t *)(void *)(s->arena + p->channel_last_offset);
    uint64_t counts[5] = {0, 0, 0, 0, 0}; /* events, input sum, updates, weighted updates, events above 1 */
    /* A pixel's runs merged for nsp_accumulate_list (1 KiB of stack, below nsp_load's frame). */
    uint32_t merged[NSP_LANE_EVENTS];
    int merge;
    int32_t y, x;

    if (nsp_lane_groups(channels, (int32_t)out_channels) != 0) {
        /* Few output channels: too few lanes per event for the output-stationary pass; scatter into lanes instead. */
        const nsp_tensor *bias = bias_of(p, op);
        const uint32_t groups = nsp_lane_groups(channels, (int32_t)out_channels);
        int32_t bias_values[16];
        uint32_t o;
        for (o = 0; o < 16u; o++)
            bias_values[o] = bias != NULL && o < out_channels ? nsp_read_i32(bias->data + 4u * o) : 0;
        nsp_accumulate_lanes8(ring, groups, in, (uint32_t)channels, height, width, weights, counts);
        nsp_lanes8_to_planes(acc, ring, groups, plane, out_channels, bias_values);
        if (counts[4] != 0)
            scatter_events(in, acc, weights, (uint32_t)channels, height, width, out_channels, 2, counts);
        if (k != NULL)
            count_conv(k, op, counts[0], counts[1], counts[2], counts[3], (uint32_t)channels, height, width, out_channels);
        return;
    }
    /* The ring (nsp_load sized it for the widest conv input) always holds three rows; entries must stay below 2^31. */
    if ((uint64_t)9u * (uint64_t)channels * row_bytes + (uint64_t)row_bytes * (uint64_t)width > 0x7FFFFFFFull) {
        conv2d(s, op, k);
        return;
    }
    if (sparse_map(in, (uint32_t)channels * plane, (uint64_t)plane * (100u + 3u * out_channels) / (54u * out_channels))) {
        fill_bias(acc, bias_of(p, op), out_channels, plane, plane);
        scatter_events(in, acc, weights, (uint32_t)channels, height, width, out_channels, 1, counts);
        if (k != NULL)
            count_conv(k, op, counts[0], counts[1], counts[2], counts[3], (uint32_t)channels, height, width, out_channels);
        return;
    }
    /* The bias goes to the last pixel, the one written last: every pixel's accumulation starts from there. */
    merge = (out_channels & 7u) == 0;
    fill_bias(acc + plane - 1u, bias_of(p, op), out_channels, plane, 1);
    for (y = 0; y < height && y < 2; y++)
        sort_row(in, (uint32_t)channels, plane, (uint32_t)width, row_bytes, ring + (uint32_t)y * slot,
                 ring + (uint32_t)y * slot + (uint32_t)width + 1u, taps_along(y, height), y, counts);
    for (y = 0; y < height; y++) {
        const int32_t ky_first = y > 0 ? 0 : 1, ky_last = y < height - 1 ? 2 : 1;
        if (y >= 1 && y + 1 < height) {
            uint32_t *row = ring + (uint32_t)((y + 1) % 3) * slot;
            sort_row(in, (uint32_t)channels, plane, (uint32_t)width, row_bytes, row, row + (uint32_t)width + 1u,
                     taps_along(y + 1, height), y + 1, counts);
        }
        for (x = 0; x < width; x++) {
            const uint32_t left = (uint32_t)(x > 0 ? x - 1 : 0), right = (uint32_t)(x < width - 1 ? x + 1 : x);
            nsp_event_run runs[3];
            uint32_t run_count = 0, events = 0;
            int32_t ky;
            /* Output (y, x) meets tap (ky, kx) of the input at (y + ky - 1, x + kx - 1): row (c, ky, kx) of the weights,
               at c*9*row_bytes + (ky*3 + kx)*row_bytes = entry + (ky*3 + 1 - x)*row_bytes. */
            for (ky = ky_first; ky <= ky_last; ky++) {
                const uint32_t *row = ring + (uint32_t)((y + ky - 1) % 3) * slot, *entries = row + (uint32_t)width + 1u;
                if (row[left] == row[right + 1u])
                    continue;
                runs[run_count].first = entries + row[left];
                runs[run_count].last = entries + row[right + 1u];
                runs[run_count].shift = (ky * 3 + 1 - x) * (int32_t)row_bytes;
                events += row[right + 1u] - row[left];
                run_count++;
            }
            if (merge && events != 0 && events <= NSP_LANE_EVENTS && events < 8u * (run_count - 1u) * (out_channels / 8u)) {
                /* One list of absolute row offsets: the list kernel pays its per-block set-up (~17 instructions a run and
                   block of 8 channels) once, not per run, for a few instructions an event to merge; worth it below ~8
                   events per extra run and block (measured: the MCU model's 8x8 convs gain, a 144-event pixel does not). */
                uint32_t *to = merged, r;
                for (r = 0; r < run_count; r++) {
                    const uint32_t *e = runs[r].first, shift = (uint32_t)runs[r].shift;
                    for (; e != runs[r].last; e++)
                        *to++ = *e + shift;
                }
                nsp_accumulate_list(acc + (uint32_t)y * (uint32_t)width + (uint32_t)x, acc + plane - 1u, plane, weights, merged, to,
                                    out_channels);
            } else {
                nsp_accumulate_spikes(acc + (uint32_t)y * (uint32_t)width + (uint32_t)x, acc + plane - 1u, plane, weights, runs,
                                      run_count, out_channels);
            }
        }
    }
    if (counts[4] != 0)
        scatter_events(in, acc, weights, (uint32_t)channels, height, width, out_channels, 2, counts);
    if (k != NULL)
        count_conv(k, op, counts[0], counts[1], counts[2], counts[3], (uint32_t)channels, height, width, out_channels);
}

/* One input of a token into linear_transposed's list: a 1's weight-row offset from the front, a 2's from the back (a
   residual Add of two spike maps makes 2s: the kernel adds that run twice); larger values are only counted here. */
static inline void list_value(uint32_t value, uint32_t offset, uint32_t *list, uint32_t features, uint32_t *ones, uint32_t *twos,
                              uint32_t *larger, uint32_t *sum)
{
    if (value == 0)
        return;
    *sum += value;
    if (value == 1)
        list[(*ones)++] = offset;
    else if (value == 2)
        list[features - ++*twos] = offset;
    else
        ++*larger;
}

/* Linear, output-stationary per token: the token's events become runs of weight-row offsets for nsp_accumulate_spikes;
   values above 2 are added afterwards one by one. */
static void linear_transposed(nsp_session *s, const nsp_op *op, uint32_t index, nsp_op_counters *k)
{
    const nsp_program *p = s->program;
    const nsp_buffer *in_buffer = &p->buffers[op->inputs[0]];
    const uint8_t *in = bytes_of(s, op->inputs[0]);
    int32_t *acc = ints(s, op->outputs[0]);
    const int8_t *weights = rows_of(s, index);
    const uint32_t tokens = (uint32_t)in_buffer->shape[0], features = (uint32_t)in_buffer->shape[1];
    const uint32_t outputs = (uint32_t)p->buffers[op->outputs[0]].shape[1], row_bytes = nsp_transposed_stride((int32_t)outputs);
    const int32_t *bias_row = acc + (tokens - 1u) * outputs;
    uint32_t *list = (uint32_t *)(void *)(s->arena + p->scratch_offset);
    /* Token rows start word-aligned (arena buffers do) when the features are a multiple of 4. */
    const int words = (features & 3u) == 0 && ((uintptr_t)in & 3u) == 0;
    uint64_t event_total = 0, input_sum = 0;
    uint32_t n, i;

    /* The bias goes to the last token's row, the one written last: every token's accumulation starts from there. */
    fill_bias(acc + (tokens - 1u) * outputs, bias_of(p, op), outputs, 1, 1);
    for (n = 0; n < tokens; n++) {
        const uint8_t *row = in + n * features;
        int32_t *out = acc + n * outputs;
        uint32_t ones = 0, twos = 0, larger = 0, sum = 0;
        nsp_event_run runs[3];
        if (words) {
            /* Four inputs per zero test (most of a spike row is 0), the four of a nonzero word unrolled. */
            uint32_t offset = 0;
            for (i = 0; i < features; i += 4u, offset += 4u * row_bytes) {
                if (*(const nsp_u32_alias *)(const void *)(row + i) == 0)
                    continue;
                list_value(row[i], offset, list, features, &ones, &twos, &larger, &sum);
                list_value(row[i + 1u], offset + row_bytes, list, features, &ones, &twos, &larger, &sum);
                list_value(row[i + 2u], offset + 2u * row_bytes, list, features, &ones, &twos, &larger, &sum);
                list_value(row[i + 3u], offset + 3u * row_bytes, list, features, &ones, &twos, &larger, &sum);
            }
        } else {
            for (i = 0; i < features; i++)
                list_value(row[i], i * row_bytes, list, features, &ones, &twos, &larger, &sum);
        }
        event_total += ones + twos + larger;
        input_sum += sum;
        runs[0].first = list;
        runs[0].last = list + ones;
        runs[0].shift = runs[1].shift = runs[2].shift = 0;
        if (ones + 3u * twos <= features) {
            /* Room to list each 2 twice after the 1s without overwriting a 2 not yet copied: one run, so the kernel's
               set-up per block of channels is paid once, not three times. */
            const uint32_t *two = list + features - twos;
            for (i = 0; i < twos; i++, two++) {
                list[ones + 2u * i] = *two;
                list[ones + 2u * i + 1u] = *two;
            }
            runs[0].last = list + ones + 2u * twos;
            if ((outputs & 7u) == 0 && ones + 2u * twos != 0 && ones + 2u * twos <= NSP_LANE_EVENTS)
                nsp_accumulate_token(out, bias_row, weights, runs[0].first, runs[0].last, outputs);
            else
                nsp_accumulate_spikes(out, bias_row, 1, weights, runs, 1u, outputs);
        } else {
            runs[1].first = runs[2].first = list + features - twos;
            runs[1].last = runs[2].last = list + features;
            nsp_accumulate_spikes(out, bias_row, 1, weights, runs, 3u, outputs);
        }
        for (i = 0; i < features && larger != 0; i++) {
            if (row[i] > 2) {
                nsp_accumulate_scaled(out, 1, weights + i * row_bytes, outputs, row[i]);
                larger--;
            }
        }
    }
    if (k != NULL) {
        k->events += event_total;
        k->input_sum += input_sum;
        k->updates += event_total * outputs;
        k->synaptic_ops += input_sum * outputs;
    }
}

/* Writes (to != NULL) or compares with (to == NULL) the transposed rows of every Conv2d and Linear: int8 rows
   [fan-in, O] at the program's weight offsets relative to base, each padded with zeros to whole words
   (nsp_transposed_stride) so every row starts word-aligned for the accumulation kernels. Returns 0 on a mismatch. */
static int transposed_rows(const nsp_program *p, uint8_t *to, const uint8_t *check, uint32_t base)
{
    uint16_t i;
    for (i = 0; i < p->op_count; i++) {
        const nsp_op *op = &p->ops[i];
        const nsp_tensor *w;
        uint32_t outputs, fan_in, stride, o, f;
        if (op->kind != NSP_OP_CONV2D && op->kind != NSP_OP_LINEAR)
            continue;
        w = &p->tensors[op->tensors[0]];
        outputs = (uint32_t)w->shape[0];
        fan_in = w->length / outputs;
        stride = nsp_transposed_stride(w->shape[0]);
        for (f = 0; f < fan_in; f++) {
            const uint32_t row = p->weight_offset[i] - base + f * stride;
            for (o = 0; o < stride; o++) {
                const uint8_t value = o < outputs ? w->data[o * fan_in + f] : 0u;
                if (to != NULL)
                    to[row + o] = value;
                else if (check[row + o] != value)
                    return 0;
            }
        }
    }
    return 1;
}
#endif

#if defined(__GNUC__)
/* floor(value / 2^16): GCC and Clang define >> of a negative value as an arithmetic shift, which is this floor. */
static inline int64_t floor_shift16(int64_t value) { return value >> 16; }
#else
/* The same without relying on the implementation-defined >> of negative numbers. */
static inline int64_t floor_shift16(int64_t value) { return value >= 0 ? value >> 16 : ~((~value) >> 16); }
#endif

/* One neuron (section 3.3): H = sat32(V + round_shift(((X << F) - V) * k, 16)); X << F written as a product (no UB on
   negatives). Stores the new membrane and returns the spike. */
static inline uint32_t lif_neuron(int32_t x, int32_t *membrane, int32_t scale, uint32_t leak, int32_t threshold)
{
    const int64_t v = *membrane;
    const int64_t drive = (int64_t)x * scale - v;
    /* k is 1..65536 (verified): as an unsigned 32-bit factor the product is two multiplies, not three. */
    const int32_t charged = saturate32(v + floor_shift16(drive * (int64_t)leak + 32768));
    const uint32_t spike = charged >= threshold;
    *membrane = spike ? 0 : charged;
    return spike;
}

static void lif(nsp_session *s, const nsp_op *op, nsp_op_counters *k)
{
    const nsp_program *p = s->program;
    const nsp_buffer *in_buffer = &p->buffers[op->inputs[0]];
    const int32_t *in = ints(s, op->inputs[0]);
    uint8_t *spikes = bytes_of(s, op->outputs[0]);
    int32_t *membrane = ints(s, op->outputs[1]);
    const nsp_tensor *theta = &p->tensors[op->tensors[0]];
    const uint32_t leak = (uint32_t)op->attributes[0];
    /* 2^F fits 32 bits (F <= 14): X << F is then one 32x32 -> 64-bit multiply. */
    const int32_t scale = (int32_t)1 << op->attributes[1];
    const int32_t axis = op->attributes[2];
    uint32_t outer = 1, inner = 1, channels = (uint32_t)in_buffer->shape[axis], a, c, i, fired = 0;
    int32_t d;
    for (d = 0; d < axis; d++)
        outer *= (uint32_t)in_buffer->shape[d];
    for (d = axis + 1; d < in_buffer->rank; d++)
        inner *= (uint32_t)in_buffer->shape[d];

    if (theta->length == 1u) {
        /* One threshold for every neuron: one flat loop. */
        const int32_t threshold = nsp_read_i32(theta->data);
        for (i = 0; i < in_buffer->length; i++)
            fired += *spikes++ = (uint8_t)lif_neuron(*in++, membrane++, scale, leak, threshold);
    } else if (inner == 1u) {
        /* Channel last (tokens): a threshold per neuron, each decoded once per sample row. */
        for (a = 0; a < outer; a++) {
            const uint8_t *threshold = theta->data;
            for (c = 0; c < channels; c++, threshold += 4)
                fired += *spikes++ = (uint8_t)lif_neuron(*in++, membrane++, scale, leak, nsp_read_i32(threshold));
        }
    } else {
        for (a = 0; a < outer; a++) {
            for (c = 0; c < channels; c++) {
                const int32_t threshold = nsp_read_i32(theta->data + 4u * c);
                for (i = 0; i < inner; i++)
                    fired += *spikes++ = (uint8_t)lif_neuron(*in++, membrane++, scale, leak, threshold);
            }
        }
    }
    if (k != NULL) {
        k->neuron_updates += in_buffer->length;
        k->output_sum += fired;
    }
}

static void max_pool(nsp_session *s, const nsp_op *op, nsp_op_counters *k)
{
    const nsp_buffer *in_buffer = &s->program->buffers[op->inputs[0]];
    const uint8_t *in = bytes_of(s, op->inputs[0]);
    uint8_t *out = bytes_of(s, op->outputs[0]);
    const int32_t channels = in_buffer->shape[0], height = in_buffer->shape[1], width = in_buffer->shape[2];
    const int32_t out_height = height / 2 + height % 2, out_width = width / 2 + width % 2;
    uint64_t sum = 0;
    int32_t c, oy, ox, y, x;
    for (c = 0; c < channels; c++) {
        const uint8_t *map = in + (uint32_t)c * (uint32_t)height * (uint32_t)width;
        for (oy = 0; oy < out_height; oy++) {
            for (ox = 0; ox < out_width; ox++) {
                uint8_t best = 0;
                /* Padding is skipped rather than read as 0: the same result, since values are never negative. */
                for (y = 2 * oy - 1; y <= 2 * oy + 1; y++) {
                    for (x = 2 * ox - 1; x <= 2 * ox + 1; x++) {
                        if (y >= 0 && y < height && x >= 0 && x < width && map[(uint32_t)y * (uint32_t)width + (uint32_t)x] > best)
                            best = map[(uint32_t)y * (uint32_t)width + (uint32_t)x];
                    }
                }
                *out++ = best;
                sum += best;
            }
        }
    }
    if (k != NULL)
        k->output_sum += sum;
}

static void to_tokens(nsp_session *s, const nsp_op *op, nsp_op_counters *k)
{
    const nsp_buffer *in_buffer = &s->program->buffers[op->inputs[0]];
    const uint8_t *in = bytes_of(s, op->inputs[0]);
    uint8_t *out = bytes_of(s, op->outputs[0]);
    const uint32_t channels = (uint32_t)in_buffer->shape[0], pixels = (uint32_t)in_buffer->shape[1] * (uint32_t)in_buffer->shape[2];
    uint64_t sum = 0;
    uint32_t c, i;
    for (c = 0; c < channels; c++) {
        for (i = 0; i < pixels; i++) {
            uint8_t value = in[c * pixels + i];
            out[i * channels + c] = value;
            sum += value;
        }
    }
    if (k != NULL)
        k->output_sum += sum;
}

static void add(nsp_session *s, const nsp_op *op, nsp_op_counters *k)
{
    const uint8_t *left = bytes_of(s, op->inputs[0]), *right = bytes_of(s, op->inputs[1]);
    uint8_t *out = bytes_of(s, op->outputs[0]);
    const uint32_t length = s->program->buffers[op->outputs[0]].length;
    uint64_t sum = 0;
    uint32_t i;
    for (i = 0; i < length; i++) {
        uint32_t value = (uint32_t)left[i] + right[i];
        out[i] = (uint8_t)(value > 255u ? 255u : value);
        sum += out[i];
    }
    if (k != NULL)
        k->output_sum += sum;
}

static void clear(int32_t *values, uint32_t length)
{
    uint32_t i;
    for (i = 0; i < length; i++)
        values[i] = 0;
}

/* The four attention products, each driven by the events of its first u8 operand (section 3.7). */
static void attention(nsp_session *s, const nsp_op *op, nsp_op_counters *k)
{
    const nsp_program *p = s->program;
    const int32_t heads = op->attributes[0];
    const int kind = op->kind;
    /* The driving u8 matrix: q (QK, QKV), v (AV) or k (KV). */
    const int32_t driver = kind == NSP_OP_MATMUL_AV ? op->inputs[1] : op->inputs[0];
    const nsp_buffer *tokens_buffer = &p->buffers[driver];
    const uint32_t tokens = (uint32_t)tokens_buffer->shape[0], channels = (uint32_t)tokens_buffer->shape[1];
    const uint32_t d = channels / (uint32_t)heads;
    const uint8_t *events = bytes_of(s, driver);
    int32_t *out = ints(s, op->outputs[0]);
    const uint32_t fan_out = kind == NSP_OP_MATMUL_QK || kind == NSP_OP_MATMUL_AV ? tokens : d;
    uint64_t event_total = 0, input_sum = 0;
    uint32_t row, column, j;

    clear(out, p->buffers[op->outputs[0]].length);
    for (row = 0; row < tokens; row++) {
        for (column = 0; column < channels; column++) {
            const int32_t value = events[row * channels + column];
            const uint32_t h = column / d, i = column % d;
            if (value == 0)
                continue;
            event_total++;
            input_sum += (uint32_t)value;
            switch (kind) {
            case NSP_OP_MATMUL_QK: {
                const uint8_t *key = bytes_of(s, op->inputs[1]) + column;
                int32_t *target = out + (h * tokens + row) * tokens;
                for (j = 0; j < tokens; j++)
                    target[j] += value * key[j * channels];
                break;
            }
            case NSP_OP_MATMUL_AV: {
                const int32_t *counts = ints(s, op->inputs[0]) + h * tokens * tokens + row;
                int32_t *target = out + column;
                for (j = 0; j < tokens; j++)
                    target[j * channels] += counts[j * tokens] * value;
                break;
            }
            case NSP_OP_MATMUL_KV: {
                const uint8_t *v = bytes_of(s, op->inputs[1]) + row * channels + h * d;
                int32_t *target = out + (h * d + i) * d;
                for (j = 0; j < d; j++)
                    target[j] += value * v[j];
                break;
            }
            default: {
                const int32_t *kv = ints(s, op->inputs[1]) + (h * d + i) * d;
                int32_t *target = out + row * channels + h * d;
                for (j = 0; j < d; j++)
                    target[j] += value * kv[j];
                break;
            }
            }
        }
    }
    if (k != NULL) {
        k->events += event_total;
        k->input_sum += input_sum;
        k->updates += event_total * fan_out;
        k->synaptic_ops += input_sum * fan_out;
    }
}

static void readout_sum(nsp_session *s, const nsp_op *op, nsp_op_counters *k)
{
    const nsp_program *p = s->program;
    const nsp_buffer *in_buffer = &p->buffers[op->inputs[0]];
    const uint8_t *in = bytes_of(s, op->inputs[0]);
    int32_t *sum = ints(s, op->outputs[0]);
    const uint32_t tokens = (uint32_t)in_buffer->shape[0], channels = (uint32_t)in_buffer->shape[1];
    uint64_t events = 0, input_sum = 0;
    uint32_t n, c;
    for (n = 0; n < tokens; n++) {
        for (c = 0; c < channels; c++) {
            const uint8_t value = in[n * channels + c];
            sum[c] += value;
            events += value != 0;
            input_sum += value;
        }
    }
    if (k != NULL) {
        k->events += events;
        k->input_sum += input_sum;
        k->updates += events;
        k->synaptic_ops += input_sum;
        if (s->step == p->input.time_steps - 1)
            k->macs += (uint64_t)p->tensors[op->tensors[0]].shape[0] * channels;
    }
}

nsp_status nsp_begin(nsp_session *session, const nsp_program *program, uint8_t *arena, uint32_t arena_length,
                     nsp_op_counters *counters)
{
    uint32_t i;
    uint16_t b;
    if (session == NULL || program == NULL || program->op_count == 0)
        return NSP_ERR_STATE;
    session->step = -1;
    if (arena == NULL || ((uintptr_t)arena & 3u) != 0 || arena_length < program->arena_bytes)
        return NSP_ERR_ARENA;
    /* Persistent state starts every sample at 0; step buffers are rewritten in full by their op each step. */
    for (b = 0; b < program->buffer_count; b++) {
        const nsp_buffer *buffer = &program->buffers[b];
        if (buffer->kind == NSP_KIND_PERSISTENT) {
            uint32_t bytes = buffer->length * (buffer->type == NSP_TYPE_I32 ? 4u : 1u);
            for (i = 0; i < bytes; i++)
                arena[buffer->offset + i] = 0;
        }
    }
#if NSP_TRANSPOSED_WEIGHTS
    if (program->weights == NSP_WEIGHTS_SRAM)
        (void)transposed_rows(program, arena, NULL, 0);
#endif
    if (counters != NULL) {
        static const nsp_op_counters zero = {0, 0, 0, 0, 0, 0, 0, 0};
        for (i = 0; i < program->op_count; i++)
            counters[i] = zero;
    }
    session->program = program;
    session->arena = arena;
    session->counters = counters;
    session->step = 0;
    session->clock = NULL;
    session->observe = NULL;
    session->observe_context = NULL;
    return NSP_OK;
}

nsp_status nsp_step(nsp_session *session, const uint8_t *frame)
{
    const nsp_program *p;
    uint8_t *input;
    uint32_t length, i;
    uint16_t o;
    if (session == NULL || session->step < 0 || session->program == NULL || session->step >= session->program->input.time_steps)
        return NSP_ERR_STATE;
    p = session->program;
    length = p->buffers[p->input_buffer].length;
    if (frame == NULL)
        return NSP_ERR_SAMPLE;
    if (p->input.encoding == NSP_ENCODING_BINARY) {
        for (i = 0; i < length; i++) {
            if (frame[i] > 1u)
                return NSP_ERR_SAMPLE;
        }
    }
    input = session->arena + p->buffers[p->input_buffer].offset;
    for (i = 0; i < length; i++)
        input[i] = frame[i];
    if (session->observe != NULL)
        session->observe(session->observe_context, -1);
    for (o = 0; o < p->op_count; o++) {
        const nsp_op *op = &p->ops[o];
        nsp_op_counters *k = session->counters == NULL ? NULL : &session->counters[o];
        const uint32_t started = session->clock == NULL ? 0u : session->clock();
        switch (op->kind) {
#if NSP_TRANSPOSED_WEIGHTS
        case NSP_OP_CONV2D:
            if (p->weights == NSP_WEIGHTS_FLASH)
                conv2d(session, op, k);
            else
                conv2d_transposed(session, op, o, k);
            break;
        case NSP_OP_LINEAR:
            if (p->weights == NSP_WEIGHTS_FLASH)
                linear(session, op, k);
            else
                linear_transposed(session, op, o, k);
            break;
#else
        case NSP_OP_CONV2D: conv2d(session, op, k); break;
        case NSP_OP_LINEAR: linear(session, op, k); break;
#endif
        case NSP_OP_LIF: lif(session, op, k); break;
        case NSP_OP_MAXPOOL: max_pool(session, op, k); break;
        case NSP_OP_TOTOKENS: to_tokens(session, op, k); break;
        case NSP_OP_ADD: add(session, op, k); break;
        case NSP_OP_READOUT: readout_sum(session, op, k); break;
        default: attention(session, op, k); break;
        }
        if (k != NULL && session->clock != NULL)
            k->ticks += (uint32_t)(session->clock() - started);
        if (session->observe != NULL)
            session->observe(session->observe_context, o);
    }
    session->step++;
    return NSP_OK;
}

nsp_status nsp_finish(nsp_session *session, nsp_result *result)
{
    const nsp_program *p;
    const nsp_op *last;
    if (session == NULL || result == NULL || session->step < 0 || session->program == NULL ||
        session->step != session->program->input.time_steps)
        return NSP_ERR_STATE;
    p = session->program;
    last = &p->ops[p->op_count - 1];
    result->class_count = 0;
    result->predicted = -1;
    if (last->kind == NSP_OP_READOUT) {
        const nsp_tensor *weights = &p->tensors[last->tensors[0]];
        const nsp_tensor *bias = bias_of(p, last);
        const int32_t *sum = ints(session, last->outputs[0]);
        const uint32_t classes = (uint32_t)weights->shape[0], channels = (uint32_t)weights->shape[1];
        const int8_t *w = (const int8_t *)weights->data;
        uint32_t j, c;
        for (j = 0; j < classes; j++) {
            /* The verifier proved sum |W|*max(sum) + |bias| < 2^63: the int64 sum is exact, only the logit saturates. */
            int64_t logit = bias == NULL ? 0 : nsp_read_i32(bias->data + 4u * j);
            for (c = 0; c < channels; c++)
                logit += (int64_t)w[j * channels + c] * sum[c];
            result->logits[j] = saturate32(logit);
            if (result->predicted < 0 || result->logits[j] > result->logits[result->predicted])
                result->predicted = (int16_t)j;
        }
        result->class_count = (uint16_t)classes;
    }
    session->step = -1;
    return NSP_OK;
}

nsp_status nsp_place_weights(nsp_program *program, nsp_weights where, const uint8_t *image, uint32_t image_length)
{
#if !NSP_TRANSPOSED_WEIGHTS
    (void)image;
    (void)image_length;
#endif
    if (program == NULL || program->op_count == 0)
        return NSP_ERR_STATE;
    switch (where) {
    case NSP_WEIGHTS_FLASH:
        program->arena_bytes = program->channel_last_offset;
        break;
#if NSP_TRANSPOSED_WEIGHTS
    case NSP_WEIGHTS_IMAGE:
        if (image == NULL || ((uintptr_t)image & 3u) != 0 || image_length != program->weights_bytes ||
            !transposed_rows(program, NULL, image, program->weights_offset))
            return NSP_ERR_VERIFY;
        program->arena_bytes = program->weights_offset;
        break;
    case NSP_WEIGHTS_SRAM:
        program->arena_bytes = program->weights_offset + program->weights_bytes;
        break;
#endif
    default:
        return NSP_ERR_STATE;
    }
    program->weights = (uint8_t)where;
    program->weight_image = where == NSP_WEIGHTS_IMAGE ? image : NULL;
    return NSP_OK;
}

nsp_status nsp_fit_weights(nsp_program *program, const uint8_t *image, uint32_t image_length, uint32_t arena_length)
{
    nsp_status status;
    if (program == NULL || program->op_count == 0)
        return NSP_ERR_STATE;
#if NSP_TRANSPOSED_WEIGHTS
    if (image != NULL) {
        status = nsp_place_weights(program, NSP_WEIGHTS_IMAGE, image, image_length);
        if (status != NSP_OK)
            return status;
        return program->arena_bytes <= arena_length ? NSP_OK : NSP_ERR_ARENA;
    }
    status = nsp_place_weights(program, NSP_WEIGHTS_SRAM, NULL, 0);
    if (status == NSP_OK && program->arena_bytes <= arena_length)
        return NSP_OK;
#else
    (void)image_length;
    if (image != NULL)
        return NSP_ERR_STATE;
#endif
    status = nsp_place_weights(program, NSP_WEIGHTS_FLASH, NULL, 0);
    if (status != NSP_OK)
        return status;
    return program->arena_bytes <= arena_length ? NSP_OK : NSP_ERR_ARENA;
}

const uint8_t *nsp_buffer_data(const nsp_session *session, uint16_t buffer)
{
    if (session == NULL || session->program == NULL || buffer >= session->program->buffer_count)
        return NULL;
    return session->arena + session->program->buffers[buffer].offset;
}
