/*
 * nsp_accumulate.c - output-stationary synaptic accumulation in packed 16-bit lanes.
 *
 * One register holds two accumulators as 16-bit lanes. ARMv7E-M's SXTAB16 (Rd = Rn + sign-extended bytes 0 and 2
 * of ROR(Rm, 0 or 8), per lane) adds two int8 weights of one loaded word to them in one instruction, so 8 output
 * channels of one event cost two weight loads and four SXTAB16:
 *
 *     weights word w = [b0 b1 b2 b3] (channels o..o+3)    even = lanes (o, o+2) += SXTAB16(w)
 *                                                         odd  = lanes (o+1, o+3) += SXTAB16(w, ROR #8)
 *
 * The lanes are exact: at most NSP_LANE_EVENTS events of |weight| <= 128 are added before a lane is sign-extended
 * into its int32 accumulator and cleared, and the verifier proved every int32 partial sum exact (spec 3.9), so the
 * result equals the spec's int32 sum in any order. The channel pairing (o, o+2) is undone when the lanes are
 * written back, so the weight layout stays the plain transposed rows. Cores without the DSP extension (Cortex-M0+,
 * the host) run the same lane arithmetic written in C, so the host tests exercise the same chunking and pairing.
 */
#include "nsp_accumulate.h"

/* The block kernels are inlined where the channel count is a constant, so full blocks write back without tests. */
#if defined(__GNUC__)
#define NSP_INLINE_BLOCK __attribute__((always_inline)) inline
#else
#define NSP_INLINE_BLOCK inline
#endif

/* A word of four bytes read through a type that may alias them. */
#if defined(__GNUC__)
typedef uint32_t nsp_word __attribute__((may_alias));
#else
typedef uint32_t nsp_word;
#endif

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)

static inline uint32_t load_word(const uint8_t *bytes) { return *(const nsp_word *)(const void *)bytes; }

static inline uint32_t add_even_bytes(uint32_t lanes, uint32_t word)
{
    uint32_t sum;
    __asm__("sxtab16 %0, %1, %2" : "=r"(sum) : "r"(lanes), "r"(word));
    return sum;
}

static inline uint32_t add_odd_bytes(uint32_t lanes, uint32_t word)
{
    uint32_t sum;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(sum) : "r"(lanes), "r"(word));
    return sum;
}

/* value + the signed low or high lane: SXTAH, one instruction for the sign extension and the add. */
static inline int32_t add_low_lane(int32_t value, uint32_t lanes)
{
    int32_t sum;
    __asm__("sxtah %0, %1, %2" : "=r"(sum) : "r"(value), "r"(lanes));
    return sum;
}

static inline int32_t add_high_lane(int32_t value, uint32_t lanes)
{
    int32_t sum;
    __asm__("sxtah %0, %1, %2, ror #16" : "=r"(sum) : "r"(value), "r"(lanes));
    return sum;
}

/* Pairs of events, [e, last) non-empty and even: LDRD of two row offsets, then per event two weight words and four
   SXTAB16: 15 instructions per 2 events x 8 channels. Written out because the compiler recomputes row + 4 per load. */
static inline void pairs8(const uint32_t *e, const uint32_t *last, const uint8_t *block, uint32_t lanes[4])
{
    uint32_t e0 = lanes[0], o0 = lanes[1], e1 = lanes[2], o1 = lanes[3], a, b, w0, w1;
    __asm__("1:\n\t"
            "ldrd %[a], %[b], [%[e]], #8\n\t"
            "ldr %[w0], [%[block], %[a]]\n\t"
            "ldr %[w1], [%[block4], %[a]]\n\t"
            "sxtab16 %[e0], %[e0], %[w0]\n\t"
            "sxtab16 %[o0], %[o0], %[w0], ror #8\n\t"
            "sxtab16 %[e1], %[e1], %[w1]\n\t"
            "sxtab16 %[o1], %[o1], %[w1], ror #8\n\t"
            "ldr %[w0], [%[block], %[b]]\n\t"
            "ldr %[w1], [%[block4], %[b]]\n\t"
            "sxtab16 %[e0], %[e0], %[w0]\n\t"
            "sxtab16 %[o0], %[o0], %[w0], ror #8\n\t"
            "sxtab16 %[e1], %[e1], %[w1]\n\t"
            "sxtab16 %[o1], %[o1], %[w1], ror #8\n\t"
            "cmp %[e], %[last]\n\t"
            "bne 1b"
            : [e0] "+r"(e0), [o0] "+r"(o0), [e1] "+r"(e1), [o1] "+r"(o1), [e] "+r"(e), [a] "=&r"(a), [b] "=&r"(b),
              [w0] "=&r"(w0), [w1] "=&r"(w1)
            : [last] "r"(last), [block] "r"(block), [block4] "r"((uintptr_t)block + 4u)
            : "cc", "memory");
    lanes[0] = e0;
    lanes[1] = o0;
    lanes[2] = e1;
    lanes[3] = o1;
}

/* One event of a quad: its row address into x, its two weight words (LDRD, the first over x) into the four lanes. */
#define NSP_QUAD_EVENT(x)                                                                                                   \
    "add %[" #x "], %[" #x "], %[block]\n\t"                                                                              \
    "ldrd %[" #x "], %[w], [%[" #x "]]\n\t"                                                                               \
    "sxtab16 %[e0], %[e0], %[" #x "]\n\t"                                                                                 \
    "sxtab16 %[o0], %[o0], %[" #x "], ror #8\n\t"                                                                         \
    "sxtab16 %[e1], %[e1], %[w]\n\t"                                                                                      \
    "sxtab16 %[o1], %[o1], %[w], ror #8\n\t"

/* Quads of events, [e, last) non-empty and a multiple of 4: one LDM of four row offsets, then per event an address, an
   LDRD of its two weight words and four SXTAB16: 27 instructions per 4 events x 8 channels (pairs8: 30), in 12
   registers. LDM needs ascending registers, hence the fixed ones. */
static inline void quads8(const uint32_t *e, const uint32_t *last, const uint8_t *block, uint32_t lanes[4])
{
    register uint32_t a __asm__("r8"), b __asm__("r9"), c __asm__("r10"), d __asm__("r11");
    uint32_t e0 = lanes[0], o0 = lanes[1], e1 = lanes[2], o1 = lanes[3], w;
    __asm__("1:\n\t"
            "ldmia %[e]!, {%[a], %[b], %[c], %[d]}\n\t"
            NSP_QUAD_EVENT(a) NSP_QUAD_EVENT(b) NSP_QUAD_EVENT(c) NSP_QUAD_EVENT(d)
            "cmp %[e], %[last]\n\t"
            "bne 1b"
            : [e0] "+r"(e0), [o0] "+r"(o0), [e1] "+r"(e1), [o1] "+r"(o1), [e] "+r"(e), [a] "=&r"(a), [b] "=&r"(b),
              [c] "=&r"(c), [d] "=&r"(d), [w] "=&r"(w)
            : [last] "r"(last), [block] "r"(block)
            : "cc", "memory");
    lanes[0] = e0;
    lanes[1] = o0;
    lanes[2] = e1;
    lanes[3] = o1;
}

#if defined(__OPTIMIZE__)
/* Every event of [e, last) (non-empty) into 16 channels' lanes, lanes[0..3] for channels 0-7 and [4..7] for 8-15: LDR of
   the row offset, ADD, two LDRD, eight SXTAB16: 13 instructions per 16 updates with the loop and no remainder to take
   one by one. 14 registers: only where the compiler keeps no frame pointer (optimized builds). */
#define NSP_EVENTS16 1
static inline void events16(const uint32_t *e, const uint32_t *last, const uint8_t *block, uint32_t lanes[8])
{
    uint32_t l0 = lanes[0], l1 = lanes[1], l2 = lanes[2], l3 = lanes[3], l4 = lanes[4], l5 = lanes[5], l6 = lanes[6],
             l7 = lanes[7], a, w0, w1;
    __asm__("1:\n\t"
            "ldr %[a], [%[e]], #4\n\t"
            "add %[a], %[a], %[block]\n\t"
            "ldrd %[w0], %[w1], [%[a]]\n\t"
            "sxtab16 %[l0], %[l0], %[w0]\n\t"
            "sxtab16 %[l1], %[l1], %[w0], ror #8\n\t"
            "sxtab16 %[l2], %[l2], %[w1]\n\t"
            "sxtab16 %[l3], %[l3], %[w1], ror #8\n\t"
            "ldrd %[w0], %[w1], [%[a], #8]\n\t"
            "sxtab16 %[l4], %[l4], %[w0]\n\t"
            "sxtab16 %[l5], %[l5], %[w0], ror #8\n\t"
            "sxtab16 %[l6], %[l6], %[w1]\n\t"
            "sxtab16 %[l7], %[l7], %[w1], ror #8\n\t"
            "cmp %[e], %[last]\n\t"
            "bne 1b"
            : [l0] "+r"(l0), [l1] "+r"(l1), [l2] "+r"(l2), [l3] "+r"(l3), [l4] "+r"(l4), [l5] "+r"(l5), [l6] "+r"(l6),
              [l7] "+r"(l7), [e] "+r"(e), [a] "=&r"(a), [w0] "=&r"(w0), [w1] "=&r"(w1)
            : [last] "r"(last), [block] "r"(block)
            : "cc", "memory");
    lanes[0] = l0;
    lanes[1] = l1;
    lanes[2] = l2;
    lanes[3] = l3;
    lanes[4] = l4;
    lanes[5] = l5;
    lanes[6] = l6;
    lanes[7] = l7;
}
#endif

/* acc[k * stride] = start[k * stride] + lane k for the 8 channels of a full block (lanes: (0,2) (1,3) (4,6) (5,7)):
   LDR, SXTAH, STR and a pointer step per channel. Written out because the compiler keeps the eight addresses on the
   stack. start is reached from acc by a fixed byte distance. */
static inline void fold8(int32_t *acc, const int32_t *start, uint32_t stride, const uint32_t lanes[4])
{
    const int32_t distance = (int32_t)((uintptr_t)start - (uintptr_t)acc);
    const uint32_t step = stride * 4u;
    uint32_t value;
    __asm__ volatile("ldr %[v], [%[p], %[d]]\n\t"
                     "sxtah %[v], %[v], %[e0]\n\t"
                     "str %[v], [%[p]]\n\t"
                     "add %[p], %[p], %[s]\n\t"
                     "ldr %[v], [%[p], %[d]]\n\t"
                     "sxtah %[v], %[v], %[o0]\n\t"
                     "str %[v], [%[p]]\n\t"
                     "add %[p], %[p], %[s]\n\t"
                     "ldr %[v], [%[p], %[d]]\n\t"
                     "sxtah %[v], %[v], %[e0], ror #16\n\t"
                     "str %[v], [%[p]]\n\t"
                     "add %[p], %[p], %[s]\n\t"
                     "ldr %[v], [%[p], %[d]]\n\t"
                     "sxtah %[v], %[v], %[o0], ror #16\n\t"
                     "str %[v], [%[p]]\n\t"
                     "add %[p], %[p], %[s]\n\t"
                     "ldr %[v], [%[p], %[d]]\n\t"
                     "sxtah %[v], %[v], %[e1]\n\t"
                     "str %[v], [%[p]]\n\t"
                     "add %[p], %[p], %[s]\n\t"
                     "ldr %[v], [%[p], %[d]]\n\t"
                     "sxtah %[v], %[v], %[o1]\n\t"
                     "str %[v], [%[p]]\n\t"
                     "add %[p], %[p], %[s]\n\t"
                     "ldr %[v], [%[p], %[d]]\n\t"
                     "sxtah %[v], %[v], %[e1], ror #16\n\t"
                     "str %[v], [%[p]]\n\t"
                     "add %[p], %[p], %[s]\n\t"
                     "ldr %[v], [%[p], %[d]]\n\t"
                     "sxtah %[v], %[v], %[o1], ror #16\n\t"
                     "str %[v], [%[p]]"
                     : [p] "+r"(acc), [v] "=&r"(value)
                     : [d] "r"(distance), [s] "r"(step), [e0] "r"(lanes[0]), [o0] "r"(lanes[1]), [e1] "r"(lanes[2]),
                       [o1] "r"(lanes[3])
                     : "memory");
}
/* fold8 for outputs 64 words apart (an 8x8 map's planes, the token grid of a 32x32 input after two pools): the offsets
   are immediates, so LDR, SXTAH and STR per channel, no pointer steps. */
#define NSP_FOLD64(k, lane, rot)                                                                                            \
    "ldr %[v], [%[s], #" #k "*256]\n\t"                                                                                  \
    "sxtah %[v], %[v], %[" #lane "]" rot "\n\t"                                                                          \
    "str %[v], [%[p], #" #k "*256]\n\t"
static inline void fold8_plane64(int32_t *acc, const int32_t *start, const uint32_t lanes[4])
{
    uint32_t value;
    __asm__ volatile(NSP_FOLD64(0, e0, "") NSP_FOLD64(1, o0, "") NSP_FOLD64(2, e0, ", ror #16") NSP_FOLD64(3, o0, ", ror #16")
                     NSP_FOLD64(4, e1, "") NSP_FOLD64(5, o1, "") NSP_FOLD64(6, e1, ", ror #16") NSP_FOLD64(7, o1, ", ror #16")
                     : [v] "=&r"(value)
                     : [p] "r"(acc), [s] "r"(start), [e0] "r"(lanes[0]), [o0] "r"(lanes[1]), [e1] "r"(lanes[2]), [o1] "r"(lanes[3])
                     : "memory");
}
/* The same for contiguous outputs (a Linear's token row, stride 1), advancing acc and start past them: LDM, four SXTAH
   and STM per four channels, 1.5 instructions per output. LDM/STM need ascending registers, hence the fixed ones. */
static inline void fold8_contiguous(int32_t **acc, const int32_t **start, const uint32_t lanes[4])
{
    register uint32_t a __asm__("r0"), b __asm__("r1"), c __asm__("r2"), d __asm__("r3");
    __asm__ volatile("ldmia %[s]!, {%[a], %[b], %[c], %[d]}\n\t"
                     "sxtah %[a], %[a], %[e0]\n\t"
                     "sxtah %[b], %[b], %[o0]\n\t"
                     "sxtah %[c], %[c], %[e0], ror #16\n\t"
                     "sxtah %[d], %[d], %[o0], ror #16\n\t"
                     "stmia %[p]!, {%[a], %[b], %[c], %[d]}\n\t"
                     "ldmia %[s]!, {%[a], %[b], %[c], %[d]}\n\t"
                     "sxtah %[a], %[a], %[e1]\n\t"
                     "sxtah %[b], %[b], %[o1]\n\t"
                     "sxtah %[c], %[c], %[e1], ror #16\n\t"
                     "sxtah %[d], %[d], %[o1], ror #16\n\t"
                     "stmia %[p]!, {%[a], %[b], %[c], %[d]}"
                     : [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d), [p] "+r"(*acc), [s] "+r"(*start)
                     : [e0] "r"(lanes[0]), [o0] "r"(lanes[1]), [e1] "r"(lanes[2]), [o1] "r"(lanes[3])
                     : "memory");
}
#define NSP_PAIRS8_ASM 1
#else
/* Little-endian word of four weights, assembled from bytes (compilers fuse this into one load where they can). */
static inline uint32_t load_word(const uint8_t *bytes)
{
    return (uint32_t)bytes[0] | ((uint32_t)bytes[1] << 8) | ((uint32_t)bytes[2] << 16) | ((uint32_t)bytes[3] << 24);
}

/* SXTAB16 written in C: each 16-bit lane plus the sign-extended byte below it, modulo 2^16 per lane. */
static inline uint32_t add_even_bytes(uint32_t lanes, uint32_t word)
{
    const uint32_t low = (lanes + ((word & 0xFFu) ^ 0x80u) - 0x80u) & 0xFFFFu;
    const uint32_t high = ((lanes >> 16) + (((word >> 16) & 0xFFu) ^ 0x80u) - 0x80u) & 0xFFFFu;
    return low | (high << 16);
}

static inline uint32_t add_odd_bytes(uint32_t lanes, uint32_t word) { return add_even_bytes(lanes, (word >> 8) | (word << 24)); }

/* value + the signed low or high 16-bit lane, without implementation-defined conversions. */
static inline int32_t add_low_lane(int32_t value, uint32_t lanes)
{
    return value + ((int32_t)(lanes & 0xFFFFu) - (int32_t)((lanes & 0x8000u) << 1));
}

static inline int32_t add_high_lane(int32_t value, uint32_t lanes) { return add_low_lane(value, lanes >> 16); }
#endif

/* acc = start + lanes for channels o..o+valid-1 (valid <= 4) of a word's lanes: even holds (o, o+2), odd (o+1, o+3). */
static inline void fold(int32_t *acc, const int32_t *start, uint32_t stride, uint32_t even, uint32_t odd, uint32_t valid)
{
    acc[0] = add_low_lane(start[0], even);
    if (valid > 1)
        acc[stride] = add_low_lane(start[stride], odd);
    if (valid > 2)
        acc[2u * stride] = add_high_lane(start[2u * stride], even);
    if (valid > 3)
        acc[3u * stride] = add_high_lane(start[3u * stride], odd);
}

/* block + offset on the address as an integer: block (a run's rows + shift) may lie outside the weights, the sum does not. */
static inline const uint8_t *at(const uint8_t *block, uint32_t offset) { return (const uint8_t *)((uintptr_t)block + offset); }

/* Adds the events [e, last) (at most NSP_LANE_EVENTS) to one block's lanes: lanes[0..1] for channels 0-3, 2..3 for 4-7. */
static NSP_INLINE_BLOCK void add_events(uint32_t lanes[4], const uint8_t *block, const uint32_t *e, const uint32_t *last, int wide)
{
    if (((uint32_t)(last - e) & 1u) != 0) {
        const uint8_t *row = at(block, *e++);
        const uint32_t w0 = load_word(row);
        lanes[0] = add_even_bytes(lanes[0], w0);
        lanes[1] = add_odd_bytes(lanes[1], w0);
        if (wide) {
            const uint32_t w1 = load_word(row + 4);
            lanes[2] = add_even_bytes(lanes[2], w1);
            lanes[3] = add_odd_bytes(lanes[3], w1);
        }
    }
    if (e == last)
        return;
#if defined(NSP_PAIRS8_ASM)
    if (wide) {
        pairs8(e, last, block, lanes);
        return;
    }
#endif
    for (; e != last; e += 2) {
        const uint8_t *row = at(block, e[0]), *next = at(block, e[1]);
        const uint32_t w0 = load_word(row), w2 = load_word(next);
        lanes[0] = add_even_bytes(lanes[0], w0);
        lanes[1] = add_odd_bytes(lanes[1], w0);
        lanes[0] = add_even_bytes(lanes[0], w2);
        lanes[1] = add_odd_bytes(lanes[1], w2);
        if (wide) {
            const uint32_t w1 = load_word(row + 4), w3 = load_word(next + 4);
            lanes[2] = add_even_bytes(lanes[2], w1);
            lanes[3] = add_odd_bytes(lanes[3], w1);
            lanes[2] = add_even_bytes(lanes[2], w3);
            lanes[3] = add_odd_bytes(lanes[3], w3);
        }
    }
}

/* acc = start + lanes for valid (1..8) channels, stride apart, and clears the lanes. */
static NSP_INLINE_BLOCK void fold_block(int32_t *acc, const int32_t *start, uint32_t stride, uint32_t lanes[4], uint32_t valid)
{
#if defined(NSP_PAIRS8_ASM)
    if (valid == 8u) {
        if (stride == 1u)
            fold8_contiguous(&acc, &start, lanes);
        else if (stride == 64u)
            fold8_plane64(acc, start, lanes);
        else
            fold8(acc, start, stride, lanes);
        lanes[0] = lanes[1] = lanes[2] = lanes[3] = 0;
        return;
    }
#endif
    fold(acc, start, stride, lanes[0], lanes[1], valid < 4u ? valid : 4u);
    if (valid > 4u)
        fold(acc + 4u * stride, start + 4u * stride, stride, lanes[2], lanes[3], valid - 4u);
    lanes[0] = lanes[1] = lanes[2] = lanes[3] = 0;
}

/* The run's first weight row for channel, computed on the address as an integer (wrapping, sign-extended shift):
   rows + shift alone may lie outside the weights, which pointer arithmetic may not express. */
static inline const uint8_t *run_base(const int8_t *rows, const nsp_event_run *run, uint32_t channel)
{
    return (const uint8_t *)((uintptr_t)rows + (uintptr_t)(intptr_t)run->shift + channel);
}

/* One block of up to 8 channels (wide) or up to 4 over every run: the runs hold at most NSP_LANE_EVENTS events. */
static NSP_INLINE_BLOCK void block(int32_t *acc, const int32_t *start, uint32_t stride, const int8_t *rows, uint32_t channel,
                                   const nsp_event_run *runs, uint32_t run_count, uint32_t valid, int wide)
{
    uint32_t lanes[4] = {0, 0, 0, 0}, r;
    for (r = 0; r < run_count; r++)
        add_events(lanes, run_base(rows, &runs[r], channel), runs[r].first, runs[r].last, wide);
    fold_block(acc, start, stride, lanes, valid);
}

/* The same for any number of events: the lanes are folded into acc whenever they took NSP_LANE_EVENTS. */
static void long_block(int32_t *acc, const int32_t *start, uint32_t stride, const int8_t *rows, uint32_t channel,
                       const nsp_event_run *runs, uint32_t run_count, uint32_t valid)
{
    uint32_t lanes[4] = {0, 0, 0, 0}, taken = 0, r;
    for (r = 0; r < run_count; r++) {
        const uint8_t *base = run_base(rows, &runs[r], channel);
        const uint32_t *e = runs[r].first;
        while (e != runs[r].last) {
            const uint32_t left = (uint32_t)(runs[r].last - e), room = NSP_LANE_EVENTS - taken, n = left < room ? left : room;
            add_events(lanes, base, e, e + n, valid > 4u);
            e += n;
            taken += n;
            if (taken == NSP_LANE_EVENTS) {
                fold_block(acc, start, stride, lanes, valid);
                start = acc; /* later folds add to what the first one wrote */
                taken = 0;
            }
        }
    }
    if (taken != 0)
        fold_block(acc, start, stride, lanes, valid);
}

void nsp_accumulate_spikes(int32_t *acc, const int32_t *start, uint32_t acc_stride, const int8_t *rows, const nsp_event_run *runs,
                           uint32_t run_count, uint32_t outputs)
{
    const uint32_t full = outputs & ~7u;
    uint32_t o, r, events = 0;
    for (r = 0; r < run_count; r++)
        events += (uint32_t)(runs[r].last - runs[r].first);
    if (events > NSP_LANE_EVENTS) {
        for (o = 0; o < outputs; o += 8u)
            long_block(acc + o * acc_stride, start + o * acc_stride, acc_stride, rows, o, runs, run_count,
                       outputs - o < 8u ? outputs - o : 8u);
        return;
    }
    if (events == 0) {
        for (o = 0; o < outputs; o++)
            acc[o * acc_stride] = start[o * acc_stride];
        return;
    }
    for (o = 0; o < full; o += 8u)
        block(acc + o * acc_stride, start + o * acc_stride, acc_stride, rows, o, runs, run_count, 8u, 1);
    if (outputs - full > 4u)
        block(acc + full * acc_stride, start + full * acc_stride, acc_stride, rows, full, runs, run_count, outputs - full, 1);
    else if (outputs > full)
        block(acc + full * acc_stride, start + full * acc_stride, acc_stride, rows, full, runs, run_count, outputs - full, 0);
}

static NSP_INLINE_BLOCK void list_blocks(int32_t *acc, const int32_t *start, uint32_t acc_stride, const int8_t *rows,
                                          const uint32_t *first, const uint32_t *last, uint32_t outputs)
{
    /* The first count % 4 events start each block's lanes one by one; the rest go in quads. Pointers only, so the loop
       state stays in registers. */
    const uint32_t *quads = first + ((uint32_t)(last - first) & 3u);
    const uint8_t *block = (const uint8_t *)rows, *end = block + outputs;
    for (; block != end; block += 8) {
        uint32_t lanes[4] = {0, 0, 0, 0};
#if defined(NSP_PAIRS8_ASM)
        const uint32_t *e;
        for (e = first; e != quads; e++) {
            const uint32_t w0 = load_word(block + *e), w1 = load_word(block + *e + 4u);
            lanes[0] = add_even_bytes(lanes[0], w0);
            lanes[1] = add_odd_bytes(lanes[1], w0);
            lanes[2] = add_even_bytes(lanes[2], w1);
            lanes[3] = add_odd_bytes(lanes[3], w1);
        }
        if (quads != last)
            quads8(quads, last, block, lanes);
        if (acc_stride == 1u) {
            fold8_contiguous(&acc, &start, lanes);
            continue;
        }
        if (acc_stride == 64u)
            fold8_plane64(acc, start, lanes);
        else
            fold8(acc, start, acc_stride, lanes);
#else
        (void)quads;
        add_events(lanes, block, first, last, 1);
        fold(acc, start, acc_stride, lanes[0], lanes[1], 4u);
        fold(acc + 4u * acc_stride, start + 4u * acc_stride, acc_stride, lanes[2], lanes[3], 4u);
#endif
        acc += 8u * acc_stride;
        start += 8u * acc_stride;
    }
}

void nsp_accumulate_token(int32_t *acc, const int32_t *start, const int8_t *rows, const uint32_t *first, const uint32_t *last,
                          uint32_t outputs)
{
#if defined(NSP_PAIRS8_ASM) && defined(NSP_EVENTS16)
    /* Blocks of 16 channels: half the blocks' set-up and folds' entries, and every event in the loop. */
    const uint8_t *block = (const uint8_t *)rows, *end = block + (outputs & ~15u);
    for (; block != end; block += 16) {
        uint32_t lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        events16(first, last, block, lanes);
        fold8_contiguous(&acc, &start, lanes);
        fold8_contiguous(&acc, &start, lanes + 4);
    }
    rows = (const int8_t *)block;
    outputs &= 15u;
    if (outputs == 0)
        return;
#endif
    list_blocks(acc, start, 1u, rows, first, last, outputs);
}

void nsp_accumulate_list(int32_t *acc, const int32_t *start, uint32_t acc_stride, const int8_t *rows, const uint32_t *first,
                         const uint32_t *last, uint32_t outputs)
{
#if defined(NSP_PAIRS8_ASM) && defined(NSP_EVENTS16)
    /* Blocks of 16 channels, as nsp_accumulate_token. */
    const uint8_t *block = (const uint8_t *)rows, *end = block + (outputs & ~15u);
    for (; block != end; block += 16, acc += 16u * acc_stride, start += 16u * acc_stride) {
        uint32_t lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        events16(first, last, block, lanes);
        if (acc_stride == 64u) {
            fold8_plane64(acc, start, lanes);
            fold8_plane64(acc + 8u * 64u, start + 8u * 64u, lanes + 4);
        } else {
            fold8(acc, start, acc_stride, lanes);
            fold8(acc + 8u * acc_stride, start + 8u * acc_stride, acc_stride, lanes + 4);
        }
    }
    rows = (const int8_t *)block;
    outputs &= 15u;
    if (outputs == 0)
        return;
#endif
    /* 8x8 maps get their own copy, whose fold has the planes' distance as immediates. */
    if (acc_stride == 64u)
        list_blocks(acc, start, 64u, rows, first, last, outputs);
    else
        list_blocks(acc, start, acc_stride, rows, first, last, outputs);
}

void nsp_accumulate_scaled(int32_t *acc, uint32_t acc_stride, const int8_t *row, uint32_t count, int32_t value)
{
    uint32_t o;
    for (o = 0; o < count; o++)
        acc[o * acc_stride] += row[o] * value;
}

/* Lanes of one pixel += one weight row of 8 channels: lanes[0] (0, 2), [1] (1, 3), [2] (4, 6), [3] (5, 7). */
#if defined(NSP_PAIRS8_ASM)
/* Three LDRD, four SXTAB16, two STRD: written out because the compiler loads and stores each lane word alone. */
static inline void add_row8(uint32_t *lanes, const uint8_t *row)
{
    uint32_t w0, w1, a, b, c, d;
    __asm__ volatile("ldrd %[w0], %[w1], [%[r]]\n\t"
                     "ldrd %[a], %[b], [%[l]]\n\t"
                     "ldrd %[c], %[d], [%[l], #8]\n\t"
                     "sxtab16 %[a], %[a], %[w0]\n\t"
                     "sxtab16 %[b], %[b], %[w0], ror #8\n\t"
                     "sxtab16 %[c], %[c], %[w1]\n\t"
                     "sxtab16 %[d], %[d], %[w1], ror #8\n\t"
                     "strd %[a], %[b], [%[l]]\n\t"
                     "strd %[c], %[d], [%[l], #8]"
                     : [w0] "=&r"(w0), [w1] "=&r"(w1), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d)
                     : [r] "r"(row), [l] "r"(lanes)
                     : "memory");
}

/* Two pixels of the channel pair (o, o + 2) whose lanes are every STEP bytes from lane: two LDR, four SXTAH, two STRD. */
#define NSP_PLANES_PAIRS(name, step)                                                                                        \
    static inline void name(int32_t *low, int32_t *high, const uint32_t *lane, const int32_t *end, int32_t low_bias,        \
                            int32_t high_bias)                                                                              \
    {                                                                                                                       \
        uint32_t l0, l1, a, b, c, d;                                                                                        \
        __asm__ volatile("1:\n\t"                                                                                           \
                         "ldr %[l0], [%[w]], #" #step "\n\t"                                                               \
                         "ldr %[l1], [%[w]], #" #step "\n\t"                                                               \
                         "sxtah %[a], %[lb], %[l0]\n\t"                                                                   \
                         "sxtah %[b], %[lb], %[l1]\n\t"                                                                   \
                         "sxtah %[c], %[hb], %[l0], ror #16\n\t"                                                          \
                         "sxtah %[d], %[hb], %[l1], ror #16\n\t"                                                          \
                         "strd %[a], %[b], [%[lo]], #8\n\t"                                                               \
                         "strd %[c], %[d], [%[hi]], #8\n\t"                                                               \
                         "cmp %[lo], %[end]\n\t"                                                                          \
                         "bne 1b"                                                                                         \
                         : [l0] "=&r"(l0), [l1] "=&r"(l1), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d),          \
                           [w] "+r"(lane), [lo] "+r"(low), [hi] "+r"(high)                                                  \
                         : [lb] "r"(low_bias), [hb] "r"(high_bias), [end] "r"(end)                                          \
                         : "cc", "memory");                                                                                 \
    }
NSP_PLANES_PAIRS(planes_pairs16, 16)
NSP_PLANES_PAIRS(planes_pairs32, 32)
#else
static inline void add_row8(uint32_t *lanes, const uint8_t *row)
{
    const uint32_t w0 = load_word(row), w1 = load_word(row + 4);
    lanes[0] = add_even_bytes(lanes[0], w0);
    lanes[1] = add_odd_bytes(lanes[1], w0);
    lanes[2] = add_even_bytes(lanes[2], w1);
    lanes[3] = add_odd_bytes(lanes[3], w1);
}
#endif

/* One input spike (value 1) at (y, x) of channel c: its taps' weight rows c*9 + ky*3 + kx (8 * GROUPS bytes each) into the
   lanes of the output pixels (y + 1 - ky, x + 1 - kx) it meets; GROUPS is a constant where this is inlined. */
static NSP_INLINE_BLOCK void scatter_spike(uint32_t *lanes, const uint8_t *row, int32_t y, int32_t x, int32_t height, int32_t width,
                                           uint32_t groups)
{
    const uint32_t words = 4u * groups, row_bytes = 8u * groups;
    uint32_t *centre = lanes + words * (uint32_t)(y * width + x), g;
    int32_t ky, kx;
    if (y > 0 && y < height - 1 && x > 0 && x < width - 1) {
        uint32_t *below = centre + words * (uint32_t)width, *above = centre - words * (uint32_t)width;
        for (g = 0; g < groups; g++) {
            add_row8(below + words + 4u * g, row + 8u * g);
            add_row8(below + 4u * g, row + row_bytes + 8u * g);
            add_row8(below - words + 4u * g, row + 2u * row_bytes + 8u * g);
            add_row8(centre + words + 4u * g, row + 3u * row_bytes + 8u * g);
            add_row8(centre + 4u * g, row + 4u * row_bytes + 8u * g);
            add_row8(centre - words + 4u * g, row + 5u * row_bytes + 8u * g);
            add_row8(above + words + 4u * g, row + 6u * row_bytes + 8u * g);
            add_row8(above + 4u * g, row + 7u * row_bytes + 8u * g);
            add_row8(above - words + 4u * g, row + 8u * row_bytes + 8u * g);
        }
        return;
    }
    for (ky = y < height - 1 ? 0 : 1; ky <= (y > 0 ? 2 : 1); ky++) {
        for (kx = x < width - 1 ? 0 : 1; kx <= (x > 0 ? 2 : 1); kx++) {
            for (g = 0; g < groups; g++)
                add_row8(lanes + words * (uint32_t)((y + 1 - ky) * width + (x + 1 - kx)) + 4u * g,
                         row + row_bytes * (uint32_t)(ky * 3 + kx) + 8u * g);
        }
    }
}

#if defined(NSP_PAIRS8_ASM)
/* One tap of one group of 8 channels: the pixel's four lane words at p with one LDM and one STM (one instruction each
   in the count this kernel is tuned for, against two LDRD and two STRD), the weight row at r + OFF. */
#define NSP_TAP(off, next)                                                                                                  \
    "ldrd %[w0], %[w1], [%[r], #" #off "]\n\t"                                                                            \
    "ldm %[p], {%[a], %[b], %[c], %[d]}\n\t"                                                                              \
    "sxtab16 %[a], %[a], %[w0]\n\t"                                                                                       \
    "sxtab16 %[b], %[b], %[w0], ror #8\n\t"                                                                               \
    "sxtab16 %[c], %[c], %[w1]\n\t"                                                                                       \
    "sxtab16 %[d], %[d], %[w1], ror #8\n\t" next
/*
 * An interior spike's nine taps for one group: p is the lanes of output pixel (y + 1, x - 1) (group offset included), r
 * its weight rows (group offset included), ROW the bytes of one weight row (8 per group), PIXEL the bytes of one pixel's
 * lanes. Output pixels are walked in address order, (y + 1, x - 1..x + 1), (y, ...), (y - 1, ...): taps kx = 2, 1, 0 of
 * kernel rows ky = 0, 1, 2; back (PIXEL * (width + 3)) returns from past a pixel row's third pixel to the next row's
 * first. LDM/STM need ascending registers, hence the fixed ones.
 */
#define NSP_SPIKE_TAPS(name, row, store)                                                                                   \
    static inline void name(uint32_t *lanes, const uint8_t *weights, uint32_t back)                                         \
    {                                                                                                                       \
        register uint32_t a __asm__("r0"), b __asm__("r1"), c __asm__("r2"), d __asm__("r3");                               \
        uint32_t w0, w1;                                                                                                    \
        __asm__ volatile(NSP_TAP(2 * row, store) NSP_TAP(1 * row, store) NSP_TAP(0, store)                                  \
                         "sub %[p], %[p], %[back]\n\t"                                                                    \
                         NSP_TAP(5 * row, store) NSP_TAP(4 * row, store) NSP_TAP(3 * row, store)                            \
                         "sub %[p], %[p], %[back]\n\t"                                                                    \
                         NSP_TAP(8 * row, store) NSP_TAP(7 * row, store) NSP_TAP(6 * row, store)                            \
                         : [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d), [w0] "=&r"(w0), [w1] "=&r"(w1),          \
                           [p] "+r"(lanes)                                                                                  \
                         : [r] "r"(weights), [back] "r"(back)                                                               \
                         : "memory");                                                                                       \
    }
/* One group: the pixels' lanes are adjacent, so the STM's write-back steps to the next pixel. */
NSP_SPIKE_TAPS(spike_taps16, 8, "stmia %[p]!, {%[a], %[b], %[c], %[d]}\n\t")
/* Two groups: a pixel's lanes are 32 bytes, each group's STM is followed by a step of 32. */
NSP_SPIKE_TAPS(spike_taps32, 16, "stm %[p], {%[a], %[b], %[c], %[d]}\n\tadd %[p], %[p], #32\n\t")
#endif

#if defined(__GNUC__)
#define NSP_OUT_OF_LINE __attribute__((noinline))
#else
#define NSP_OUT_OF_LINE
#endif

/* A spike that meets fewer than 9 output pixels (or any spike where the lanes are written in C). */
static NSP_OUT_OF_LINE void edge_spike(uint32_t *lanes, const uint8_t *row, int32_t y, int32_t x, int32_t height, int32_t width, uint32_t groups)
{
    if (groups == 1u)
        scatter_spike(lanes, row, y, x, height, width, 1u);
    else
        scatter_spike(lanes, row, y, x, height, width, 2u);
}

/* An event above 1, left to the caller: its value beyond the first counted as input and weighted updates. */
static NSP_OUT_OF_LINE void count_larger(uint64_t counts[5], uint32_t value, uint32_t taps)
{
    counts[1] += value - 1u;
    counts[3] += (uint64_t)taps * (value - 1u);
    counts[4]++;
}

/* The spikes of one row of one input channel into the lanes; value is the row's inputs, row the channel's weight rows.
   Returns the row's events (taps_x holds the sum of their in-bounds columns, 1 to 3 each); values above 1 are counted
   in counts[1], [3] and [4] and left to the caller. Kept out of line so its loop keeps its state in registers. */
static NSP_OUT_OF_LINE uint32_t scatter_row(uint32_t *lanes, uint32_t groups, const uint8_t *value, const uint8_t *row, int32_t y, int32_t height,
                            int32_t width, uint32_t taps_y, uint32_t *taps_x, uint64_t counts[5])
{
    /* Four inputs per zero test where every row starts word-aligned (most of a spike map is 0). */
    const int words = (width & 3) == 0, interior_row = y > 0 && y < height - 1;
    uint32_t events = 0, columns = 0;
    int32_t x;
#if defined(NSP_PAIRS8_ASM)
    const uint32_t pixel = 16u * groups, back = pixel * (uint32_t)(width + 3);
    /* Lanes of output pixel (y + 1, -1) as an integer: only the interior spikes' (y + 1, x - 1) are addresses. */
    const uintptr_t first = (uintptr_t)lanes + pixel * (uint32_t)((y + 1) * width - 1);
#endif
    for (x = 0; x < width; x++) {
        uint32_t taps;
        if (words && (x & 3) == 0 && *(const nsp_word *)(const void *)(value + x) == 0) {
            x += 3;
            continue;
        }
        if (value[x] == 0)
            continue;
        taps = 1u + (x > 0) + (x < width - 1);
        events++;
        columns += taps;
        if (value[x] == 1) {
#if defined(NSP_PAIRS8_ASM)
            if (interior_row && taps == 3u) {
                uint32_t *at_x = (uint32_t *)(first + pixel * (uint32_t)x);
                if (groups == 1u) {
                    spike_taps16(at_x, row, back);
                } else {
                    spike_taps32(at_x, row, back);
                    spike_taps32(at_x + 4, row + 8, back);
                }
                continue;
            }
#else
            (void)interior_row;
#endif
            edge_spike(lanes, row, y, x, height, width, groups);
        } else {
            /* Added afterwards into the int32 outputs: value x 128 over 255 spikes' taps may not fit a lane. */
            count_larger(counts, value[x], taps_y * taps);
        }
    }
    *taps_x = columns;
    return events;
}

/* lanes[0..count) = 0, count a multiple of 4: with STM of four zeroed registers where the DSP kernels are in asm. */
static void zero_lanes(uint32_t *lanes, uint32_t count)
{
#if defined(NSP_PAIRS8_ASM)
    register uint32_t a __asm__("r8") = 0, b __asm__("r9") = 0, c __asm__("r10") = 0, d __asm__("r11") = 0;
    const uint32_t *end = lanes + count;
    if ((count & 4u) != 0)
        __asm__ volatile("stmia %[p]!, {%[a], %[b], %[c], %[d]}" : [p] "+r"(lanes) : [a] "r"(a), [b] "r"(b), [c] "r"(c), [d] "r"(d) : "memory");
    if (lanes != end)
        __asm__ volatile("1:\n\t"
                         "stmia %[p]!, {%[a], %[b], %[c], %[d]}\n\t"
                         "stmia %[p]!, {%[a], %[b], %[c], %[d]}\n\t"
                         "cmp %[p], %[end]\n\t"
                         "bne 1b"
                         : [p] "+r"(lanes)
                         : [a] "r"(a), [b] "r"(b), [c] "r"(c), [d] "r"(d), [end] "r"(end)
                         : "cc", "memory");
#else
    uint32_t i;
    for (i = 0; i < count; i += 4u)
        lanes[i] = lanes[i + 1u] = lanes[i + 2u] = lanes[i + 3u] = 0;
#endif
}

void nsp_accumulate_lanes8(uint32_t *lanes, uint32_t groups, const uint8_t *in, uint32_t channels, int32_t height, int32_t width,
                           const int8_t *rows, uint64_t counts[5])
{
    const uint32_t plane = (uint32_t)height * (uint32_t)width;
    const uint8_t *weights = (const uint8_t *)rows;
    uint32_t c;
    int32_t y;
    zero_lanes(lanes, 4u * groups * plane);
    for (c = 0; c < channels; c++) {
        const uint8_t *row = weights + c * 72u * groups;
        for (y = 0; y < height; y++) {
            const uint32_t taps_y = 1u + (y > 0) + (y < height - 1);
            uint32_t columns;
            const uint32_t events = scatter_row(lanes, groups, in + c * plane + (uint32_t)(y * width), row, y, height, width, taps_y,
                                                &columns, counts);
            counts[0] += events;
            counts[1] += events;
            counts[2] += (uint64_t)taps_y * columns;
            counts[3] += (uint64_t)taps_y * columns;
        }
    }
}

void nsp_lanes8_to_planes(int32_t *acc, const uint32_t *lanes, uint32_t groups, uint32_t plane, uint32_t outputs, const int32_t bias[16])
{
    const uint32_t step = 4u * groups;
    uint32_t o, p;
    /* Within a group channels (o, o + 2) share a lane word: 0/2 word 0, 1/3 word 1, 4/6 word 2, 5/7 word 3. */
    for (o = 0; o < outputs && o < 8u * groups; o += (o & 1u) ? 3u : 1u) {
        const uint32_t *word = lanes + 4u * (o >> 3) + ((o & 1u) | ((o >> 1) & 2u));
        int32_t *low = acc + o * plane, *high = acc + (o + 2u) * plane;
        const int32_t low_bias = bias[o], high_bias = bias[o + 2u];
        p = 0;
        if (o + 2u < outputs) {
#if defined(NSP_PAIRS8_ASM)
            if (plane >= 2u) {
                const uint32_t pairs = plane & ~1u;
                if (groups == 1u)
                    planes_pairs16(low, high, word, low + pairs, low_bias, high_bias);
                else
                    planes_pairs32(low, high, word, low + pairs, low_bias, high_bias);
                p = pairs;
            }
#endif
            for (; p < plane; p++) {
                low[p] = add_low_lane(low_bias, word[step * p]);
                high[p] = add_high_lane(high_bias, word[step * p]);
            }
        } else {
            for (; p < plane; p++)
                low[p] = add_low_lane(low_bias, word[step * p]);
        }
    }
}
