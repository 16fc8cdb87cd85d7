/*
 * nsp_report.c - the golden-test report (format in nsp_report.h), formatted without printf so the
 * microcontroller build does not pull in newlib's stdio.
 */
#include "nsp_report.h"

static void put(const nsp_report_sink *sink, const char *text)
{
    uint32_t length = 0;
    while (text[length] != '\0')
        length++;
    sink->write(sink->context, text, length);
}

static void put_signed(const nsp_report_sink *sink, int64_t value)
{
    char digits[24];
    uint32_t count = 0;
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    digits[sizeof(digits) - 1] = '\0';
    do {
        digits[sizeof(digits) - 2 - count++] = (char)('0' + (int)(magnitude % 10u));
        magnitude /= 10u;
    } while (magnitude != 0u);
    if (value < 0)
        digits[sizeof(digits) - 2 - count++] = '-';
    sink->write(sink->context, " ", 1);
    sink->write(sink->context, digits + sizeof(digits) - 1 - count, count);
}

static void put_unsigned(const nsp_report_sink *sink, uint64_t value)
{
    char digits[24];
    uint32_t count = 0;
    do {
        digits[sizeof(digits) - 1 - count++] = (char)('0' + (int)(value % 10u));
        value /= 10u;
    } while (value != 0u);
    sink->write(sink->context, " ", 1);
    sink->write(sink->context, digits + sizeof(digits) - count, count);
}

static void trace_buffer(const nsp_report_sink *sink, const nsp_session *session, int16_t b)
{
    const nsp_program *p = session->program;
    const uint8_t *data = nsp_buffer_data(session, (uint16_t)b);
    uint32_t i;
    put(sink, "trace");
    put_signed(sink, session->step);
    put_signed(sink, b);
    for (i = 0; i < p->buffers[b].length; i++) {
        if (p->buffers[b].type == 0)
            put_signed(sink, data[i]);
        else
            put_signed(sink, ((const int32_t *)(const void *)data)[i]);
    }
    put(sink, "\n");
}

typedef struct {
    const nsp_report_sink *sink;
    const nsp_session *session;
} tracer;

/* Buffers share arena bytes once their live ranges end, so each is written out right after its writer (the input
   after the frame copy): a buffer's single writer makes that its value for the whole step. */
static void trace_written(void *context, int32_t op)
{
    const tracer *t = (const tracer *)context;
    const nsp_program *p = t->session->program;
    uint8_t slot;
    if (op < 0) {
        trace_buffer(t->sink, t->session, (int16_t)p->input_buffer);
        return;
    }
    for (slot = 0; slot < p->ops[op].output_count; slot++)
        trace_buffer(t->sink, t->session, p->ops[op].outputs[slot]);
}

nsp_status nsp_report_run(const uint8_t *program_bytes, uint32_t program_length, const uint8_t *samples, uint32_t samples_length,
                          nsp_program *program, uint8_t *arena, uint32_t arena_length, nsp_op_counters *counters,
                          const nsp_report_sink *sink)
{
    nsp_error error;
    nsp_status status = nsp_load(program_bytes, program_length, program, &error);
    uint32_t frame, sample_length, sample, o;
    if (status == NSP_OK && (sink->image != NULL || sink->flash)) {
        status = nsp_place_weights(program, sink->image != NULL ? NSP_WEIGHTS_IMAGE : NSP_WEIGHTS_FLASH, sink->image,
                                   sink->image_length);
        error.status = status;
        error.offset = error.op = -1;
        error.message[0] = '\0';
    }
    put(sink, "load ");
    put(sink, nsp_status_name(status));
    put_signed(sink, error.offset);
    put_signed(sink, error.op);
    put(sink, " ");
    put(sink, error.message);
    put(sink, "\n");
    if (status != NSP_OK) {
        put(sink, "end\n");
        return status;
    }
    put(sink, "arena");
    put_unsigned(sink, program->arena_bytes);
    put(sink, "\n");
    put(sink, "weights");
    put_unsigned(sink, program->weights);
    put_unsigned(sink, program->channel_last_offset);
    put_unsigned(sink, program->weights_offset);
    put_unsigned(sink, program->weights_bytes);
    put(sink, "\n");
    for (o = 0; o < program->buffer_count; o++) {
        put(sink, "offset");
        put_unsigned(sink, o);
        put_unsigned(sink, program->buffers[o].offset);
        put(sink, "\n");
    }
    for (o = 0; o < program->op_count; o++) {
        if (program->ops[o].kind != 1 && program->ops[o].kind != 2) /* Conv2d, Linear */
            continue;
        put(sink, "rows");
        put_unsigned(sink, o);
        put_unsigned(sink, program->weight_offset[o]);
        put(sink, "\n");
    }
    frame = program->buffers[program->input_buffer].length;
    sample_length = frame * (uint32_t)program->input.time_steps;
    for (sample = 0; sample_length != 0 && (sample + 1u) * sample_length <= samples_length; sample++) {
        nsp_session session;
        nsp_result result;
        nsp_op_counters previous[NSP_MAX_OPS];
        tracer traces;
        int32_t t;
        put(sink, "sample");
        put_unsigned(sink, sample);
        put(sink, "\n");
        status = nsp_begin(&session, program, arena, arena_length, counters);
        session.clock = sink->clock;
        traces.sink = sink;
        traces.session = &session;
        if (sink->trace) {
            session.observe = trace_written;
            session.observe_context = &traces;
        }
        for (o = 0; o < program->op_count; o++) {
            static const nsp_op_counters zero = {0, 0, 0, 0, 0, 0, 0, 0};
            previous[o] = zero;
        }
        for (t = 0; status == NSP_OK && t < program->input.time_steps; t++) {
            status = nsp_step(&session, samples + sample * sample_length + (uint32_t)t * frame);
            if (status != NSP_OK)
                break;
            /* The session's counters add up the sample; the report gives each step's share. */
            for (o = 0; o < program->op_count; o++) {
                const nsp_op_counters *now = &counters[o];
                put(sink, "counters");
                put_unsigned(sink, o);
                put_unsigned(sink, (uint32_t)t);
                put_unsigned(sink, now->events - previous[o].events);
                put_unsigned(sink, now->input_sum - previous[o].input_sum);
                put_unsigned(sink, now->updates - previous[o].updates);
                put_unsigned(sink, now->synaptic_ops - previous[o].synaptic_ops);
                put_unsigned(sink, now->macs - previous[o].macs);
                put_unsigned(sink, now->neuron_updates - previous[o].neuron_updates);
                put_unsigned(sink, now->output_sum - previous[o].output_sum);
                put_unsigned(sink, now->ticks - previous[o].ticks);
                put(sink, "\n");
                previous[o] = *now;
            }
        }
        if (status == NSP_OK)
            status = nsp_finish(&session, &result);
        put(sink, "result ");
        put(sink, nsp_status_name(status));
        if (status == NSP_OK) {
            put_signed(sink, result.predicted);
            for (o = 0; o < result.class_count; o++)
                put_signed(sink, result.logits[o]);
        }
        put(sink, "\n");
    }
    put(sink, "end\n");
    return NSP_OK;
}
