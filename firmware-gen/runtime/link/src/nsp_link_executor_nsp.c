/*
 * The link's executor over the nsp.h runtime: the loader firmware wires this into nsp_link_board.executor.
 * The caller provides the program table, arena and counters (no dynamic allocation).
 */
#include "nsp_link_executor_nsp.h"

#include <string.h>

static int nsp_executor_load(void *context, const uint8_t *program, uint32_t length, nsp_link_input *input,
                             char *message, uint32_t message_capacity)
{
    nsp_link_nsp_executor *e = (nsp_link_nsp_executor *)context;
    nsp_error error;
    e->loaded = 0;
    if (nsp_load(program, length, e->program, &error) != NSP_OK) {
        if (message_capacity > 0) {
            size_t n = strlen(error.message);
            n = n < message_capacity - 1u ? n : message_capacity - 1u;
            memcpy(message, error.message, n);
            message[n] = 0;
        }
        return -1;
    }
    /* The fastest weight placement whose arena fits; a rows image that does not match the program is refused. */
    if (nsp_fit_weights(e->program, e->weight_image, e->weight_image_length, e->arena_length) != NSP_OK) {
        if (message_capacity > 0) {
            strncpy(message, "program arena larger than the board's", message_capacity - 1u);
            message[message_capacity - 1u] = 0;
        }
        return -1;
    }
    const nsp_input *in = &e->program->input;
    input->frame_bytes = (uint32_t)(in->channels * in->height * in->width);
    input->time_steps = (uint16_t)in->time_steps;
    input->binary = in->encoding == 1 ? 1u : 0u;
    e->loaded = 1;
    return 0;
}

static uint64_t now(const nsp_link_nsp_executor *e) { return e->cycles != NULL ? e->cycles() : 0u; }

/*
 * A sample's cycles are those spent in nsp_begin, nsp_step and nsp_finish only: the board sleeps between EVENTS
 * messages waiting for the UART, and that wait is the link's speed, not the program's cost.
 */
static int nsp_executor_begin(void *context)
{
    nsp_link_nsp_executor *e = (nsp_link_nsp_executor *)context;
    if (e->counters != NULL) {
        memset(e->counters, 0, sizeof(nsp_op_counters) * e->program->op_count);
    }
    uint64_t start = now(e);
    nsp_status status = nsp_begin(&e->session, e->program, e->arena, e->arena_length, e->counters);
    e->cycles_spent = now(e) - start;
    return status == NSP_OK ? 0 : -1;
}

static int nsp_executor_step(void *context, const uint8_t *frame)
{
    nsp_link_nsp_executor *e = (nsp_link_nsp_executor *)context;
    uint64_t start = now(e);
    nsp_status status = nsp_step(&e->session, frame);
    e->cycles_spent += now(e) - start;
    return status == NSP_OK ? 0 : -1;
}

static int nsp_executor_finish(void *context, nsp_link_result *result)
{
    nsp_link_nsp_executor *e = (nsp_link_nsp_executor *)context;
    nsp_result r;
    uint64_t start = now(e);
    nsp_status status = nsp_finish(&e->session, &r);
    e->cycles_spent += now(e) - start;
    if (status != NSP_OK) {
        return -1;
    }
    result->cycles = e->cycles_spent;
    result->class_count = (uint8_t)(r.class_count < NSP_LINK_MAX_CLASSES ? r.class_count : NSP_LINK_MAX_CLASSES);
    memcpy(result->logits, r.logits, sizeof(int32_t) * result->class_count);
    result->predicted = r.predicted;
    result->layer_count = 0;
    if (e->counters != NULL) {
        /* Spikes per layer: the output spike count of every op, in program order. */
        uint16_t ops = e->program->op_count < NSP_LINK_MAX_LAYERS ? e->program->op_count : NSP_LINK_MAX_LAYERS;
        for (uint16_t i = 0; i < ops; i++) {
            result->spikes[i] = (uint32_t)e->counters[i].output_sum;
        }
        result->layer_count = (uint8_t)ops;
    }
    return 0;
}

nsp_link_executor nsp_link_nsp_executor_bind(nsp_link_nsp_executor *executor)
{
    nsp_link_executor bound = {executor, nsp_executor_load, nsp_executor_begin, nsp_executor_step,
                               nsp_executor_finish};
    return bound;
}
