/* nsp_link_executor_nsp.h - binds the link's executor interface to the nsp.h runtime. */
#ifndef NSP_LINK_EXECUTOR_NSP_H
#define NSP_LINK_EXECUTOR_NSP_H

#include "nsp.h"
#include "nsp_link.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    nsp_program *program;        /* caller-owned program table (large: keep it static) */
    uint8_t *arena;
    uint32_t arena_length;
    nsp_op_counters *counters;   /* NSP_MAX_OPS entries, or NULL (then no spikes per layer) */
    uint64_t (*cycles)(void);    /* the board's cycle counter (DWT_CYCCNT), or NULL */
    nsp_session session;
    uint64_t cycles_spent;       /* counter ticks inside begin/step/finish this sample (idle time between EVENTS excluded) */
    uint8_t loaded;
    /* Optional: a baked program's transposed weight rows in flash (nsp_fit_weights), or NULL (copy when they fit). */
    const uint8_t *weight_image;
    uint32_t weight_image_length;
} nsp_link_nsp_executor;

nsp_link_executor nsp_link_nsp_executor_bind(nsp_link_nsp_executor *executor);

#ifdef __cplusplus
}
#endif

#endif
