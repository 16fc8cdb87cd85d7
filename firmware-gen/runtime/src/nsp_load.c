/*
 * nsp_load.c - the .nsp loader: header checks in the order of docs/spike-program.md section 6, a
 * MessagePack reader for exactly the families the format allows, the verifier of section 4 (the same rules
 * as src/Neuro.Program/ProgramVerifier.cs, including the value-bound proofs that make every accumulator
 * exact in int32), and the arena layout. Nothing is ever truncated: a value that does not fit this build's
 * tables is refused with NSP_ERR_CAPACITY.
 */
#include "nsp.h"
#include "nsp_internal.h"
#include "nsp_sha256.h"

#define INT32_LIMIT 2147483647LL

/* What the verifier needs beyond nsp_program: names (for uniqueness), data lengths, value bounds, writers; the
   arena layout reuses the buffer names' bytes once the verifier is done with them (the same stack either way). */
typedef struct {
    uint32_t tensor_name_at[NSP_MAX_TENSORS], tensor_name_length[NSP_MAX_TENSORS], tensor_bytes[NSP_MAX_TENSORS];
    union {
        struct {
            uint32_t at[NSP_MAX_BUFFERS], length[NSP_MAX_BUFFERS];
        } names;
        struct {
            int16_t first[NSP_MAX_BUFFERS], last[NSP_MAX_BUFFERS]; /* live range in step positions */
            uint16_t order[NSP_MAX_BUFFERS], by_offset[NSP_MAX_BUFFERS];
        } layout;
    } buffer;
    int64_t bounds[NSP_MAX_BUFFERS];
    int16_t writer[NSP_MAX_BUFFERS];
    int32_t tensor_dims[NSP_MAX_TENSORS];  /* rank as written (may exceed NSP_MAX_RANK only via CAPACITY) */
} scratch;

typedef struct {
    const uint8_t *bytes;
    uint32_t position, end;
    nsp_error *error;
} reader;

/* ---- errors ---------------------------------------------------------------------------------------- */

static void append(char *message, size_t *used, const char *text)
{
    while (*text != '\0' && *used + 1 < sizeof(((nsp_error *)0)->message))
        message[(*used)++] = *text++;
    message[*used] = '\0';
}

static void append_number(char *message, size_t *used, int64_t value)
{
    char digits[24];
    size_t count = 0;
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    if (value < 0)
        append(message, used, "-");
    do {
        digits[count++] = (char)('0' + (int)(magnitude % 10u));
        magnitude /= 10u;
    } while (magnitude != 0u);
    while (count > 0) {
        char one[2];
        one[0] = digits[--count];
        one[1] = '\0';
        append(message, used, one);
    }
}

/* Records the fault: text, then the number when has_number (e.g. "leak outside 1..65536: 0"). */
static nsp_status fail_with(nsp_error *error, nsp_status status, int32_t offset, int32_t op, const char *text,
                            int has_number, int64_t number)
{
    if (error != NULL) {
        size_t used = 0;
        error->status = status;
        error->offset = offset;
        error->op = op;
        error->message[0] = '\0';
        append(error->message, &used, text);
        if (has_number) {
            append(error->message, &used, ": ");
            append_number(error->message, &used, number);
        }
    }
    return status;
}

static nsp_status fail(nsp_error *error, nsp_status status, int32_t offset, const char *text)
{
    return fail_with(error, status, offset, -1, text, 0, 0);
}

/* ---- MessagePack ---------------------------------------------------------------------------------- */

static uint32_t big_endian(const uint8_t *bytes, unsigned count)
{
    uint32_t value = 0;
    unsigned i;
    for (i = 0; i < count; i++)
        value = (value << 8) | bytes[i];
    return value;
}

static int has(const reader *r, uint32_t count) { return r->end - r->position >= count; }

static nsp_status truncated(reader *r, int32_t at, const char *what)
{
    (void)r;
    return fail(r->error, NSP_ERR_FORMAT, at, what);
}

/* An array header; expected >= 0 demands that length (the field count of a version-1 record). */
static nsp_status read_array(reader *r, int64_t expected, uint32_t *count, const char *what)
{
    uint32_t at = r->position;
    uint8_t tag;
    if (!has(r, 1))
        return truncated(r, (int32_t)at, what);
    tag = r->bytes[r->position++];
    if (tag >= 0x90u && tag <= 0x9Fu) {
        *count = tag & 0x0Fu;
    } else if (tag == 0xDCu || tag == 0xDDu) {
        unsigned size = tag == 0xDCu ? 2u : 4u;
        if (!has(r, size))
            return truncated(r, (int32_t)at, what);
        *count = big_endian(r->bytes + r->position, size);
        r->position += size;
    } else {
        return fail(r->error, NSP_ERR_FORMAT, (int32_t)at, what);
    }
    if (expected >= 0 && (int64_t)*count != expected)
        return fail_with(r->error, NSP_ERR_FORMAT, (int32_t)at, -1, what, 1, (int64_t)*count);
    return NSP_OK;
}

/* Any MessagePack integer that fits int32 (writers pick the shortest; readers accept every width). */
static nsp_status read_int(reader *r, int32_t *value, const char *what)
{
    uint32_t at = r->position;
    uint8_t tag;
    int64_t wide;
    if (!has(r, 1))
        return truncated(r, (int32_t)at, what);
    tag = r->bytes[r->position++];
    if (tag <= 0x7Fu) {
        *value = tag;
        return NSP_OK;
    }
    if (tag >= 0xE0u) {
        *value = (int32_t)tag - 256;
        return NSP_OK;
    }
    switch (tag) {
    case 0xCC: case 0xD0:
        if (!has(r, 1))
            return truncated(r, (int32_t)at, what);
        wide = tag == 0xCC ? (int64_t)r->bytes[r->position] : (int64_t)r->bytes[r->position] - (r->bytes[r->position] >= 0x80u ? 256 : 0);
        r->position += 1;
        break;
    case 0xCD: case 0xD1: {
        uint32_t raw;
        if (!has(r, 2))
            return truncated(r, (int32_t)at, what);
        raw = big_endian(r->bytes + r->position, 2);
        wide = tag == 0xCD || raw < 0x8000u ? (int64_t)raw : (int64_t)raw - 65536;
        r->position += 2;
        break;
    }
    case 0xCE: case 0xD2: {
        uint32_t raw;
        if (!has(r, 4))
            return truncated(r, (int32_t)at, what);
        raw = big_endian(r->bytes + r->position, 4);
        wide = tag == 0xCE || raw < 0x80000000u ? (int64_t)raw : (int64_t)raw - 4294967296LL;
        r->position += 4;
        break;
    }
    case 0xCF: case 0xD3: {
        uint32_t high, low;
        if (!has(r, 8))
            return truncated(r, (int32_t)at, what);
        high = big_endian(r->bytes + r->position, 4);
        low = big_endian(r->bytes + r->position + 4, 4);
        r->position += 8;
        /* Only values that fit int32 are accepted, so the high word decides: 0 (or all ones for int64). */
        if (high == 0u && low <= 0x7FFFFFFFu)
            wide = (int64_t)low;
        else if (tag == 0xD3 && high == 0xFFFFFFFFu && low >= 0x80000000u)
            wide = (int64_t)low - 4294967296LL;
        else
            return fail(r->error, NSP_ERR_FORMAT, (int32_t)at, what);
        break;
    }
    default:
        return fail(r->error, NSP_ERR_FORMAT, (int32_t)at, what);
    }
    if (wide < -INT32_LIMIT - 1 || wide > INT32_LIMIT)
        return fail(r->error, NSP_ERR_FORMAT, (int32_t)at, what);
    *value = (int32_t)wide;
    return NSP_OK;
}

/* A str (bin == 0) or bin (bin == 1) payload, returned as its file offset and length. */
static nsp_status read_raw(reader *r, int bin, uint32_t *at_out, uint32_t *length, const char *what)
{
    uint32_t at = r->position;
    uint8_t tag;
    unsigned size;
    if (!has(r, 1))
        return truncated(r, (int32_t)at, what);
    tag = r->bytes[r->position++];
    if (!bin && tag >= 0xA0u && tag <= 0xBFu) {
        *length = tag & 0x1Fu;
        size = 0;
    } else if (!bin && tag >= 0xD9u && tag <= 0xDBu) {
        size = tag == 0xD9u ? 1u : tag == 0xDAu ? 2u : 4u;
    } else if (bin && tag >= 0xC4u && tag <= 0xC6u) {
        size = tag == 0xC4u ? 1u : tag == 0xC5u ? 2u : 4u;
    } else {
        return fail(r->error, NSP_ERR_FORMAT, (int32_t)at, what);
    }
    if (size != 0) {
        if (!has(r, size))
            return truncated(r, (int32_t)at, what);
        *length = big_endian(r->bytes + r->position, size);
        r->position += size;
    }
    if (!has(r, *length))
        return truncated(r, (int32_t)at, what);
    *at_out = r->position;
    r->position += *length;
    return NSP_OK;
}

/* An int array of at most capacity entries; more is a capacity fault (shapes) or a format fault (operands). */
static nsp_status read_ints(reader *r, int32_t *values, uint32_t capacity, uint32_t *count, nsp_status too_many,
                            const char *what)
{
    uint32_t at = r->position, i;
    nsp_status status = read_array(r, -1, count, what);
    if (status != NSP_OK)
        return status;
    if (*count > capacity)
        return fail_with(r->error, too_many, (int32_t)at, -1, what, 1, (int64_t)*count);
    for (i = 0; i < *count; i++) {
        status = read_int(r, &values[i], what);
        if (status != NSP_OK)
            return status;
    }
    return NSP_OK;
}

/* ---- parsing ---------------------------------------------------------------------------------------- */

#define TRY(expression)                  \
    do {                                 \
        nsp_status try_status = (expression); \
        if (try_status != NSP_OK)        \
            return try_status;           \
    } while (0)

static uint8_t narrow_enum(int32_t value) { return value >= 0 && value < 0xFF ? (uint8_t)value : (uint8_t)NSP_UNKNOWN_ENUM; }

/* Operand indices are checked by the verifier; values beyond int16 stay out of range instead of wrapping. */
static int16_t narrow_index(int32_t value) { return value > 32767 ? (int16_t)32767 : value < -32768 ? (int16_t)-32768 : (int16_t)value; }

static uint64_t shape_product(const int32_t *shape, uint8_t rank)
{
    uint64_t product = 1;
    uint8_t i;
    for (i = 0; i < rank; i++) {
        if (shape[i] < 1)
            return 0;
        product *= (uint64_t)shape[i];
        if (product > 0xFFFFFFFFull)
            return 0xFFFFFFFFFull; /* saturated: far beyond any limit the verifier allows */
    }
    return product;
}

static nsp_status parse_body(reader *r, nsp_program *p, scratch *s)
{
    uint32_t count, at, length, i;
    int32_t fields[NSP_MAX_RANK];
    int32_t input[9];

    TRY(read_array(r, 5, &count, "program is not an array of 5 fields"));
    at = r->position;
    TRY(read_raw(r, 0, &at, &length, "program name is not a string"));
    if (length >= NSP_MAX_NAME)
        return fail_with(r->error, NSP_ERR_CAPACITY, (int32_t)at, -1, "program name longer than NSP_MAX_NAME-1 bytes", 1, length);
    for (i = 0; i < length; i++)
        p->name[i] = (char)r->bytes[at + i];
    p->name[length] = '\0';

    TRY(read_array(r, 9, &count, "input spec is not an array of 9 fields"));
    for (i = 0; i < 9; i++)
        TRY(read_int(r, &input[i], "input spec field is not an int32"));
    p->input.channels = input[0];
    p->input.height = input[1];
    p->input.width = input[2];
    p->input.time_steps = input[3];
    p->input.encoding = input[4];
    p->input.split = input[5];
    p->input.downsample = input[6];
    p->input.sensor_width = input[7];
    p->input.sensor_height = input[8];

    at = r->position;
    TRY(read_array(r, -1, &count, "tensor table is not an array"));
    if (count > NSP_MAX_TENSORS)
        return fail_with(r->error, NSP_ERR_CAPACITY, (int32_t)at, -1, "more tensors than NSP_MAX_TENSORS", 1, count);
    p->tensor_count = (uint16_t)count;
    for (i = 0; i < p->tensor_count; i++) {
        nsp_tensor *t = &p->tensors[i];
        int32_t type;
        uint32_t rank, data_at, d;
        TRY(read_array(r, 4, &count, "tensor is not an array of 4 fields"));
        TRY(read_raw(r, 0, &s->tensor_name_at[i], &s->tensor_name_length[i], "tensor name is not a string"));
        TRY(read_int(r, &type, "tensor type is not an int32"));
        TRY(read_ints(r, fields, NSP_MAX_RANK, &rank, NSP_ERR_CAPACITY, "tensor rank exceeds NSP_MAX_RANK"));
        TRY(read_raw(r, 1, &data_at, &s->tensor_bytes[i], "tensor data is not bin"));
        t->type = narrow_enum(type);
        t->rank = (uint8_t)rank;
        for (d = 0; d < NSP_MAX_RANK; d++)
            t->shape[d] = d < rank ? fields[d] : 0;
        t->data = r->bytes + data_at;
        t->length = t->type == NSP_TENSOR_I32 ? s->tensor_bytes[i] / 4u : s->tensor_bytes[i];
    }

    at = r->position;
    TRY(read_array(r, -1, &count, "buffer table is not an array"));
    if (count > NSP_MAX_BUFFERS)
        return fail_with(r->error, NSP_ERR_CAPACITY, (int32_t)at, -1, "more buffers than NSP_MAX_BUFFERS", 1, count);
    p->buffer_count = (uint16_t)count;
    for (i = 0; i < p->buffer_count; i++) {
        nsp_buffer *b = &p->buffers[i];
        int32_t type, kind;
        uint32_t rank, d;
        uint64_t elements;
        TRY(read_array(r, 4, &count, "buffer is not an array of 4 fields"));
        TRY(read_raw(r, 0, &s->buffer.names.at[i], &s->buffer.names.length[i], "buffer name is not a string"));
        TRY(read_int(r, &type, "buffer type is not an int32"));
        TRY(read_ints(r, fields, NSP_MAX_RANK, &rank, NSP_ERR_CAPACITY, "buffer rank exceeds NSP_MAX_RANK"));
        TRY(read_int(r, &kind, "buffer kind is not an int32"));
        b->type = narrow_enum(type);
        b->kind = narrow_enum(kind);
        b->rank = (uint8_t)rank;
        for (d = 0; d < NSP_MAX_RANK; d++)
            b->shape[d] = d < rank ? fields[d] : 0;
        elements = shape_product(b->shape, b->rank);
        b->length = elements > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)elements;
        b->offset = 0;
    }

    at = r->position;
    TRY(read_array(r, -1, &count, "op list is not an array"));
    if (count > NSP_MAX_OPS)
        return fail_with(r->error, NSP_ERR_CAPACITY, (int32_t)at, -1, "more ops than NSP_MAX_OPS", 1, count);
    p->op_count = (uint16_t)count;
    for (i = 0; i < p->op_count; i++) {
        /* Operand counts per kind (inputs, outputs, tensors, attributes), section 6; index 0 unused. */
        static const uint8_t arity[12][4] = {{0, 0, 0, 0}, {1, 1, 2, 1}, {1, 1, 2, 0}, {1, 2, 1, 3},
                                             {1, 1, 0, 0}, {1, 1, 0, 0}, {2, 1, 0, 0}, {2, 1, 0, 1},
                                             {2, 1, 0, 1}, {2, 1, 0, 1}, {2, 1, 0, 1}, {1, 1, 2, 0}};
        nsp_op *op = &p->ops[i];
        int32_t kind, operands[4][4];
        uint32_t counts[4], name_at, name_length, kind_at, operands_at, k, j;
        TRY(read_array(r, 6, &count, "op is not an array of 6 fields"));
        kind_at = r->position;
        TRY(read_int(r, &kind, "op kind is not an int32"));
        TRY(read_raw(r, 0, &name_at, &name_length, "op name is not a string"));
        operands_at = r->position;
        for (k = 0; k < 4; k++)
            TRY(read_ints(r, operands[k], 4, &counts[k], NSP_ERR_FORMAT, "op operand list is longer than its kind allows"));
        if (kind < NSP_OP_CONV2D || kind > NSP_OP_READOUT)
            return fail_with(r->error, NSP_ERR_FORMAT, (int32_t)kind_at, (int32_t)i, "unknown op kind", 1, kind);
        for (k = 0; k < 4; k++) {
            if (counts[k] != arity[kind][k])
                return fail_with(r->error, NSP_ERR_FORMAT, (int32_t)operands_at, (int32_t)i,
                                 "op operand counts do not match its kind", 1, kind);
        }
        op->kind = (uint8_t)kind;
        op->input_count = (uint8_t)counts[0];
        op->output_count = (uint8_t)counts[1];
        op->tensor_count = (uint8_t)counts[2];
        op->attribute_count = (uint8_t)counts[3];
        for (j = 0; j < 2; j++) {
            op->inputs[j] = j < counts[0] ? narrow_index(operands[0][j]) : (int16_t)-1;
            op->outputs[j] = j < counts[1] ? narrow_index(operands[1][j]) : (int16_t)-1;
        }
        for (j = 0; j < NSP_MAX_OPERANDS; j++)
            op->tensors[j] = j < counts[2] ? narrow_index(operands[2][j]) : (int16_t)-1;
        for (j = 0; j < 3; j++)
            op->attributes[j] = j < counts[3] ? operands[3][j] : 0;
    }
    if (r->position != r->end)
        return fail_with(r->error, NSP_ERR_FORMAT, (int32_t)r->position, -1, "bytes follow the program inside the body", 1,
                         (int64_t)(r->end - r->position));
    return NSP_OK;
}

/* ---- verification (docs/spike-program.md section 4; ProgramVerifier.cs) ------------------------------- */

typedef struct {
    const uint8_t *bytes;
    nsp_program *p;
    scratch *s;
    nsp_error *error;
    int32_t op;
} verifier;

static nsp_status refuse(verifier *v, const char *text) { return fail_with(v->error, NSP_ERR_VERIFY, -1, v->op, text, 0, 0); }

static nsp_status refuse_number(verifier *v, const char *text, int64_t number)
{
    return fail_with(v->error, NSP_ERR_VERIFY, -1, v->op, text, 1, number);
}

#define REQUIRE(condition, text)       \
    do {                               \
        if (!(condition))              \
            return refuse(v, (text));  \
    } while (0)

static int same_name(const uint8_t *bytes, uint32_t a_at, uint32_t a_length, uint32_t b_at, uint32_t b_length)
{
    uint32_t i;
    if (a_length != b_length)
        return 0;
    for (i = 0; i < a_length; i++) {
        if (bytes[a_at + i] != bytes[b_at + i])
            return 0;
    }
    return 1;
}

static int dims_positive(const int32_t *shape, uint8_t rank)
{
    uint8_t i;
    if (rank < 1)
        return 0;
    for (i = 0; i < rank; i++) {
        if (shape[i] < 1)
            return 0;
    }
    return 1;
}

static nsp_status check_input(verifier *v)
{
    const nsp_input *in = &v->p->input;
    REQUIRE(in->channels >= 1 && in->height >= 1 && in->width >= 1, "input: channels, height and width must be >= 1");
    REQUIRE((int64_t)in->channels * in->height * in->width <= INT32_LIMIT, "input: frame has more than 2^31-1 elements");
    REQUIRE(in->time_steps >= 1, "input: time steps T must be >= 1");
    REQUIRE(in->encoding == NSP_ENCODING_COUNTS || in->encoding == NSP_ENCODING_BINARY, "input: unknown encoding");
    REQUIRE(in->split == 0 || in->split == 1, "input: unknown split mode");
    REQUIRE(in->downsample >= 1, "input: downsample factor must be >= 1");
    REQUIRE((int64_t)in->height * in->downsample <= in->sensor_height && (int64_t)in->width * in->downsample <= in->sensor_width,
            "input: downsampled frame does not fit the sensor");
    return NSP_OK;
}

static nsp_status check_tensors(verifier *v)
{
    uint16_t t, u;
    for (t = 0; t < v->p->tensor_count; t++) {
        const nsp_tensor *tensor = &v->p->tensors[t];
        uint32_t element = tensor->type == NSP_TENSOR_I32 ? 4u : 1u;
        v->op = -1;
        if (v->s->tensor_name_length[t] == 0)
            return refuse_number(v, "tensor has no name", t);
        for (u = 0; u < t; u++) {
            if (same_name(v->bytes, v->s->tensor_name_at[t], v->s->tensor_name_length[t], v->s->tensor_name_at[u],
                          v->s->tensor_name_length[u]))
                return refuse_number(v, "tensor name is not unique", t);
        }
        if (tensor->type != NSP_TENSOR_I8 && tensor->type != NSP_TENSOR_I32)
            return refuse_number(v, "tensor has an unknown type", t);
        if (!dims_positive(tensor->shape, tensor->rank))
            return refuse_number(v, "tensor shape must have dimensions >= 1", t);
        if (v->s->tensor_bytes[t] % element != 0 || (uint64_t)tensor->length != shape_product(tensor->shape, tensor->rank))
            return refuse_number(v, "tensor data length does not match its shape", t);
    }
    return NSP_OK;
}

static nsp_status check_buffers(verifier *v)
{
    const nsp_input *in = &v->p->input;
    uint16_t b, u;
    int32_t input = -1;
    for (b = 0; b < v->p->buffer_count; b++) {
        const nsp_buffer *buffer = &v->p->buffers[b];
        v->op = -1;
        if (v->s->buffer.names.length[b] == 0)
            return refuse_number(v, "buffer has no name", b);
        for (u = 0; u < b; u++) {
            if (same_name(v->bytes, v->s->buffer.names.at[b], v->s->buffer.names.length[b], v->s->buffer.names.at[u],
                          v->s->buffer.names.length[u]))
                return refuse_number(v, "buffer name is not unique", b);
        }
        if (buffer->type != NSP_TYPE_U8 && buffer->type != NSP_TYPE_I32)
            return refuse_number(v, "buffer has an unknown type", b);
        if (buffer->kind > NSP_KIND_INPUT)
            return refuse_number(v, "buffer has an unknown kind", b);
        if (!dims_positive(buffer->shape, buffer->rank))
            return refuse_number(v, "buffer shape must have dimensions >= 1", b);
        if (buffer->length > (uint32_t)INT32_LIMIT)
            return refuse_number(v, "buffer has more than 2^31-1 elements", b);
        v->s->bounds[b] = 0;
        v->s->writer[b] = -1;
        if (buffer->kind != NSP_KIND_INPUT)
            continue;
        if (input >= 0)
            return refuse_number(v, "second input buffer", b);
        input = b;
        if (buffer->type != NSP_TYPE_U8 || buffer->rank != 3 || buffer->shape[0] != in->channels || buffer->shape[1] != in->height ||
            buffer->shape[2] != in->width)
            return refuse_number(v, "input buffer must be u8 [C,H,W] like the input spec", b);
        v->s->bounds[b] = in->encoding == NSP_ENCODING_BINARY ? 1 : 255;
    }
    if (input < 0)
        return refuse(v, "program declares no input buffer");
    v->p->input_buffer = (uint16_t)input;
    return NSP_OK;
}

/* Indices in range, inputs written earlier this step, every output written by this op alone (CheckOperands). */
static nsp_status check_operands(verifier *v, const nsp_op *op)
{
    const nsp_program *p = v->p;
    int32_t state = op->kind == NSP_OP_LIF ? op->outputs[1] : op->kind == NSP_OP_READOUT ? op->outputs[0] : -1;
    uint8_t slot;
    for (slot = 0; slot < op->tensor_count; slot++) {
        int32_t t = op->tensors[slot];
        if (t == -1 && slot == 1)
            continue; /* slot 1 is always an optional bias */
        if (t < 0 || t >= p->tensor_count)
            return refuse_number(v, "tensor index out of range", t);
    }
    for (slot = 0; slot < op->input_count + op->output_count; slot++) {
        int32_t b = slot < op->input_count ? op->inputs[slot] : op->outputs[slot - op->input_count];
        if (b < 0 || b >= p->buffer_count)
            return refuse_number(v, "buffer index out of range", b);
    }
    for (slot = 0; slot < op->input_count; slot++) {
        int32_t b = op->inputs[slot];
        if (p->buffers[b].kind == NSP_KIND_PERSISTENT)
            return refuse_number(v, "reads a state buffer only its owning op may touch", b);
        if (p->buffers[b].kind == NSP_KIND_STEP && v->s->writer[b] < 0)
            return refuse_number(v, "reads a buffer before any op writes it", b);
    }
    for (slot = 0; slot < op->output_count; slot++) {
        int32_t b = op->outputs[slot];
        if (p->buffers[b].kind == NSP_KIND_INPUT)
            return refuse_number(v, "writes the input buffer", b);
        if (v->s->writer[b] >= 0)
            return refuse_number(v, "writes a buffer another op already writes", b);
        if ((b == state) != (p->buffers[b].kind == NSP_KIND_PERSISTENT))
            return refuse_number(v, b == state ? "state buffer must be persistent" : "output buffer must be a step buffer", b);
        v->s->writer[b] = (int16_t)v->op;
    }
    return NSP_OK;
}

static int is(const nsp_program *p, int32_t buffer, uint8_t type, int rank)
{
    return p->buffers[buffer].type == type && (rank < 0 || p->buffers[buffer].rank == rank);
}

static int shape_is(const nsp_program *p, int32_t buffer, uint8_t rank, int32_t d0, int32_t d1, int32_t d2)
{
    const nsp_buffer *b = &p->buffers[buffer];
    return b->rank == rank && b->shape[0] == d0 && (rank < 2 || b->shape[1] == d1) && (rank < 3 || b->shape[2] == d2);
}

static int same_shape(const nsp_program *p, int32_t a, int32_t b)
{
    uint8_t d;
    if (p->buffers[a].rank != p->buffers[b].rank)
        return 0;
    for (d = 0; d < p->buffers[a].rank; d++) {
        if (p->buffers[a].shape[d] != p->buffers[b].shape[d])
            return 0;
    }
    return 1;
}

static int tensor_is(const nsp_program *p, int32_t tensor, uint8_t type, uint8_t rank, const int32_t *shape)
{
    const nsp_tensor *t = &p->tensors[tensor];
    uint8_t d;
    if (t->type != type || t->rank != rank)
        return 0;
    for (d = 0; d < rank; d++) {
        if (t->shape[d] != shape[d])
            return 0;
    }
    return 1;
}

static int bias_ok(const nsp_program *p, int32_t tensor, int32_t length) { return tensor == -1 || tensor_is(p, tensor, NSP_TENSOR_I32, 1, &length); }

/* max over output channels of sum |W[o,...]| * max_input + |bias[o]|: no partial sum in any order exceeds it. */
static int64_t worst_case_sum(const nsp_program *p, int32_t weights, int32_t bias, int32_t out_channels, int64_t max_input)
{
    const nsp_tensor *w = &p->tensors[weights];
    uint32_t fan_in = w->length / (uint32_t)out_channels, i;
    int64_t worst = 0;
    int32_t o;
    for (o = 0; o < out_channels; o++) {
        int64_t magnitude = 0, sum;
        const int8_t *row = (const int8_t *)w->data + (uint32_t)o * fan_in;
        for (i = 0; i < fan_in; i++)
            magnitude += row[i] < 0 ? -(int64_t)row[i] : (int64_t)row[i];
        sum = magnitude * max_input;
        if (bias != -1) {
            int64_t b = nsp_read_i32(p->tensors[bias].data + 4u * (uint32_t)o);
            sum += b < 0 ? -b : b;
        }
        if (sum > worst)
            worst = sum;
    }
    return worst;
}

/* a * b * c for non-negative factors, saturated at 2^62 so a bound never wraps into acceptance. */
static int64_t product_bound(int64_t a, int64_t b, int64_t c)
{
    const int64_t limit = (int64_t)1 << 62;
    if (a == 0 || b == 0 || c == 0)
        return 0;
    if (a > limit / b)
        return limit;
    a *= b;
    if (a > limit / c)
        return limit;
    return a * c;
}

static nsp_status set_accumulator_bound(verifier *v, int32_t buffer, int64_t bound)
{
    if (bound > INT32_LIMIT)
        return refuse_number(v, "worst-case accumulator exceeds int32", bound);
    v->s->bounds[buffer] = bound;
    return NSP_OK;
}

static nsp_status check_heads(verifier *v, int32_t heads, int32_t channels)
{
    REQUIRE(heads >= 1 && channels % heads == 0, "heads must be >= 1 and divide the channels");
    return NSP_OK;
}

static nsp_status check_op(verifier *v, const nsp_op *op)
{
    const nsp_program *p = v->p;
    int64_t *bounds = v->s->bounds;
    int32_t in = op->inputs[0], out = op->outputs[0];
    switch (op->kind) {
    case NSP_OP_CONV2D: {
        int32_t shape[4];
        REQUIRE(is(p, in, NSP_TYPE_U8, 3) && is(p, out, NSP_TYPE_I32, 3), "conv input must be u8 [C,H,W], output i32 [O,H,W]");
        REQUIRE(p->buffers[out].shape[1] == p->buffers[in].shape[1] && p->buffers[out].shape[2] == p->buffers[in].shape[2],
                "conv output must keep the input's height and width");
        shape[0] = p->buffers[out].shape[0];
        shape[1] = p->buffers[in].shape[0];
        shape[2] = 3;
        shape[3] = 3;
        REQUIRE(tensor_is(p, op->tensors[0], NSP_TENSOR_I8, 4, shape), "conv weights must be i8 [O,C,3,3]");
        REQUIRE(bias_ok(p, op->tensors[1], shape[0]), "conv bias must be i32 [O]");
        return set_accumulator_bound(v, out, worst_case_sum(p, op->tensors[0], op->tensors[1], shape[0], bounds[in]));
    }
    case NSP_OP_LINEAR: {
        int32_t shape[2];
        REQUIRE(is(p, in, NSP_TYPE_U8, 2) && is(p, out, NSP_TYPE_I32, 2), "linear input must be u8 [N,I], output i32 [N,O]");
        REQUIRE(p->buffers[out].shape[0] == p->buffers[in].shape[0], "linear output must keep the input's tokens");
        shape[0] = p->buffers[out].shape[1];
        shape[1] = p->buffers[in].shape[1];
        REQUIRE(tensor_is(p, op->tensors[0], NSP_TENSOR_I8, 2, shape), "linear weights must be i8 [O,I]");
        REQUIRE(bias_ok(p, op->tensors[1], shape[0]), "linear bias must be i32 [O]");
        return set_accumulator_bound(v, out, worst_case_sum(p, op->tensors[0], op->tensors[1], shape[0], bounds[in]));
    }
    case NSP_OP_LIF: {
        const nsp_tensor *theta = &p->tensors[op->tensors[0]];
        int32_t membrane = op->outputs[1], axis = op->attributes[2];
        uint8_t rank = p->buffers[in].rank;
        uint32_t c;
        REQUIRE(is(p, in, NSP_TYPE_I32, -1), "LIF input must be i32");
        REQUIRE(is(p, out, NSP_TYPE_U8, rank) && is(p, membrane, NSP_TYPE_I32, rank), "LIF spikes must be u8 and membrane i32");
        REQUIRE(same_shape(p, out, in) && same_shape(p, membrane, in), "LIF spikes and membrane must have the input's shape");
        if (op->attributes[0] < 1 || op->attributes[0] > 65536)
            return refuse_number(v, "LIF leak outside 1..65536", op->attributes[0]);
        if (op->attributes[1] < 0 || op->attributes[1] > 14)
            return refuse_number(v, "LIF fractional bits outside 0..14", op->attributes[1]);
        if (axis < 0 || axis >= rank)
            return refuse_number(v, "LIF channel axis outside the rank", axis);
        REQUIRE(theta->type == NSP_TENSOR_I32 && theta->rank == 1 && (theta->shape[0] == 1 || theta->shape[0] == p->buffers[in].shape[axis]),
                "LIF thresholds must be i32 [1] or [channels]");
        for (c = 0; c < theta->length; c++) {
            int32_t value = nsp_read_i32(theta->data + 4u * c);
            if (value < 1)
                return refuse_number(v, "LIF threshold must be >= 1", value);
        }
        bounds[out] = 1;
        return NSP_OK;
    }
    case NSP_OP_MAXPOOL: {
        const nsp_buffer *b = &p->buffers[in];
        REQUIRE(is(p, in, NSP_TYPE_U8, 3) && is(p, out, NSP_TYPE_U8, 3), "max pool input and output must be u8 [C,H,W]");
        REQUIRE(shape_is(p, out, 3, b->shape[0], b->shape[1] / 2 + b->shape[1] % 2, b->shape[2] / 2 + b->shape[2] % 2), "max pool output must be [C,ceil(H/2),ceil(W/2)]");
        bounds[out] = bounds[in];
        return NSP_OK;
    }
    case NSP_OP_TOTOKENS: {
        const nsp_buffer *b = &p->buffers[in];
        REQUIRE(is(p, in, NSP_TYPE_U8, 3) && is(p, out, NSP_TYPE_U8, 2), "tokens input must be u8 [C,H,W], output u8 [N,C]");
        REQUIRE(shape_is(p, out, 2, b->shape[1] * b->shape[2], b->shape[0], 0), "tokens output must be [H*W, C]");
        bounds[out] = bounds[in];
        return NSP_OK;
    }
    case NSP_OP_ADD: {
        int32_t right = op->inputs[1];
        int64_t sum = bounds[in] + bounds[right];
        REQUIRE(is(p, in, NSP_TYPE_U8, -1) && is(p, right, NSP_TYPE_U8, -1) && is(p, out, NSP_TYPE_U8, -1), "add operands must be u8");
        REQUIRE(same_shape(p, right, in) && same_shape(p, out, in), "add operands must share one shape");
        bounds[out] = sum < 255 ? sum : 255;
        return NSP_OK;
    }
    case NSP_OP_MATMUL_QK:
    case NSP_OP_MATMUL_KV: {
        /* Both read two u8 token matrices [N,C]; the C# verifier checks only the second one's shape, we its type too. */
        int32_t second = op->inputs[1], heads = op->attributes[0], n, c;
        REQUIRE(is(p, in, NSP_TYPE_U8, 2) && is(p, second, NSP_TYPE_U8, 2) && same_shape(p, second, in),
                "attention inputs must be u8 token matrices [N,C] of one shape");
        n = p->buffers[in].shape[0];
        c = p->buffers[in].shape[1];
        TRY(check_heads(v, heads, c));
        if (op->kind == NSP_OP_MATMUL_QK) {
            REQUIRE(is(p, out, NSP_TYPE_I32, 3) && shape_is(p, out, 3, heads, n, n), "QK output must be i32 [h,N,N]");
            return set_accumulator_bound(v, out, product_bound(c / heads, bounds[in], bounds[second]));
        }
        REQUIRE(is(p, out, NSP_TYPE_I32, 3) && shape_is(p, out, 3, heads, c / heads, c / heads), "KV output must be i32 [h,d,d]");
        return set_accumulator_bound(v, out, product_bound(n, bounds[in], bounds[second]));
    }
    case NSP_OP_MATMUL_AV: {
        int32_t value = op->inputs[1], heads = op->attributes[0], n, c;
        REQUIRE(is(p, value, NSP_TYPE_U8, 2), "AV value must be u8 [N,C]");
        n = p->buffers[value].shape[0];
        c = p->buffers[value].shape[1];
        TRY(check_heads(v, heads, c));
        REQUIRE(is(p, in, NSP_TYPE_I32, 3) && shape_is(p, in, 3, heads, n, n), "AV counts must be i32 [h,N,N]");
        REQUIRE(is(p, out, NSP_TYPE_I32, 2) && shape_is(p, out, 2, n, c, 0), "AV output must be i32 [N,C]");
        return set_accumulator_bound(v, out, product_bound(n, bounds[in], bounds[value]));
    }
    case NSP_OP_MATMUL_QKV: {
        int32_t kv = op->inputs[1], heads = op->attributes[0], n, c;
        REQUIRE(is(p, in, NSP_TYPE_U8, 2), "QKV query must be u8 [N,C]");
        n = p->buffers[in].shape[0];
        c = p->buffers[in].shape[1];
        TRY(check_heads(v, heads, c));
        REQUIRE(is(p, kv, NSP_TYPE_I32, 3) && shape_is(p, kv, 3, heads, c / heads, c / heads), "QKV key-value must be i32 [h,d,d]");
        REQUIRE(is(p, out, NSP_TYPE_I32, 2) && shape_is(p, out, 2, n, c, 0), "QKV output must be i32 [N,C]");
        return set_accumulator_bound(v, out, product_bound(c / heads, bounds[in], bounds[kv]));
    }
    case NSP_OP_READOUT: {
        const nsp_tensor *w = &p->tensors[op->tensors[0]];
        int32_t n, c;
        int64_t bound;
        REQUIRE(v->op == p->op_count - 1, "readout must be the last op");
        REQUIRE(is(p, in, NSP_TYPE_U8, 2), "readout input must be u8 [N,C]");
        n = p->buffers[in].shape[0];
        c = p->buffers[in].shape[1];
        REQUIRE(is(p, out, NSP_TYPE_I32, 1) && shape_is(p, out, 1, c, 0, 0), "readout sum must be i32 [C]");
        REQUIRE(w->type == NSP_TENSOR_I8 && w->rank == 2 && w->shape[1] == c, "readout weights must be i8 [classes, C]");
        REQUIRE(bias_ok(p, op->tensors[1], w->shape[0]), "readout bias must be i32 [classes]");
        bound = product_bound(p->input.time_steps, n, bounds[in]);
        if (bound > INT32_LIMIT)
            return refuse_number(v, "readout per-channel sum can exceed int32", bound);
        /* c*128*bound + 2^31-1 must fit int64 so the logit accumulation is exact. */
        REQUIRE(bound == 0 || (uint64_t)c * 128u <= ((uint64_t)INT64_MAX - (uint64_t)INT32_LIMIT) / (uint64_t)bound,
                "readout logits could overflow int64");
        bounds[out] = bound;
        if (w->shape[0] > NSP_MAX_CLASSES)
            return fail_with(v->error, NSP_ERR_CAPACITY, -1, v->op, "more classes than NSP_MAX_CLASSES", 1, w->shape[0]);
        return NSP_OK;
    }
    default:
        return refuse(v, "unknown op kind");
    }
}

static nsp_status check_ops(verifier *v)
{
    nsp_program *p = v->p;
    uint16_t i, readouts = 0;
    v->op = -1;
    REQUIRE(p->op_count >= 1, "program has no ops");
    for (i = 0; i < p->op_count; i++) {
        v->op = i;
        TRY(check_operands(v, &p->ops[i]));
        TRY(check_op(v, &p->ops[i]));
        readouts += p->ops[i].kind == NSP_OP_READOUT;
    }
    v->op = -1;
    REQUIRE(readouts <= 1, "program has more than one readout");
    for (i = 0; i < p->buffer_count; i++) {
        if (p->buffers[i].kind != NSP_KIND_INPUT && v->s->writer[i] < 0)
            return refuse_number(v, "buffer is never written", i);
    }
    return NSP_OK;
}

static uint64_t aligned_bytes(const nsp_buffer *b) { return ((uint64_t)b->length * (b->type == NSP_TYPE_I32 ? 4u : 1u) + 3u) & ~(uint64_t)3u; }

/*
 * Places the buffers by liveness (docs/spike-program.md section 6.1, the same rule as ArenaPlacement.cs), then the
 * executor's scratch (one event list). Step positions: 0 is the frame copy, op i runs at i + 1. A buffer is live from
 * its writer's position to its last reader's; persistent state at every position. Largest first (then table order),
 * each buffer takes the lowest offset where it overlaps no placed buffer live at a common position.
 */
static nsp_status lay_out_arena(nsp_program *p, scratch *s, nsp_error *error)
{
    int16_t *first = s->buffer.layout.first, *last = s->buffer.layout.last;
    uint16_t *order = s->buffer.layout.order, *by_offset = s->buffer.layout.by_offset;
    uint64_t offset = 0, scratch_entries = 0;
    uint16_t i, j, placed;
    uint8_t slot;
    for (i = 0; i < p->buffer_count; i++) {
        if (p->buffers[i].kind == NSP_KIND_PERSISTENT) {
            first[i] = 0;
            last[i] = (int16_t)p->op_count;
        } else {
            first[i] = p->buffers[i].kind == NSP_KIND_INPUT ? 0 : (int16_t)(s->writer[i] + 1);
            last[i] = first[i];
        }
    }
    for (i = 0; i < p->op_count; i++) {
        for (slot = 0; slot < p->ops[i].input_count; slot++) {
            const int16_t b = p->ops[i].inputs[slot];
            if (last[b] < (int16_t)(i + 1))
                last[b] = (int16_t)(i + 1);
        }
    }
    /* Insertion sort, stable: by aligned size descending, ties in table order. */
    for (i = 0; i < p->buffer_count; i++) {
        const uint64_t bytes = aligned_bytes(&p->buffers[i]);
        for (j = i; j > 0 && aligned_bytes(&p->buffers[order[j - 1]]) < bytes; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    /* by_offset holds the placed buffers sorted by offset, so the lowest gap is found in one pass: the candidate moves
       past every conflicting buffer it would overlap, and a conflicting buffer starting at or beyond its end proves a gap. */
    for (placed = 0; placed < p->buffer_count; placed++) {
        const uint16_t b = order[placed];
        const uint64_t bytes = aligned_bytes(&p->buffers[b]);
        uint64_t at = 0;
        for (j = 0; j < placed; j++) {
            const uint16_t other = by_offset[j];
            const uint64_t start = p->buffers[other].offset;
            if (first[other] > last[b] || first[b] > last[other])
                continue;
            if (at + bytes <= start)
                break;
            if (start + aligned_bytes(&p->buffers[other]) > at)
                at = start + aligned_bytes(&p->buffers[other]);
        }
        if (at + bytes > 0xFFFFFFFFull)
            return fail(error, NSP_ERR_CAPACITY, -1, "buffers need more than 4 GiB of arena");
        p->buffers[b].offset = (uint32_t)at;
        for (j = placed; j > 0 && p->buffers[by_offset[j - 1]].offset > at; j--)
            by_offset[j] = by_offset[j - 1];
        by_offset[j] = b;
        if (at + bytes > offset)
            offset = at + bytes;
    }
    for (i = 0; i < p->op_count; i++) {
        if (p->ops[i].kind == NSP_OP_LINEAR) {
            uint64_t columns = (uint64_t)p->buffers[p->ops[i].inputs[0]].shape[1];
            if (columns > scratch_entries)
                scratch_entries = columns;
        }
    }
    p->scratch_offset = (uint32_t)offset;
    offset += scratch_entries * 4u;
    /* The transposed placements' regions (spec 6.1), laid out in every build so the host can compare them: the conv
       kernels' ring (three sorted input rows: W + 1 run starts and W*C entries per row; for a lane-scatter conv 4 lane
       words per 8 channels and pixel), the largest over the convs, then
       each Conv2d/Linear's rows [fan-in, O] in op order, each row padded to whole words. */
    {
        uint64_t ring = 0;
        for (i = 0; i < p->op_count; i++) {
            const nsp_op *op = &p->ops[i];
            if (op->kind == NSP_OP_CONV2D) {
                const nsp_buffer *in = &p->buffers[op->inputs[0]];
                const uint32_t groups = nsp_lane_groups(in->shape[0], p->buffers[op->outputs[0]].shape[0]);
                const uint64_t bytes = groups != 0 ? 16u * groups * (uint64_t)in->shape[1] * (uint64_t)in->shape[2]
                                           : 12u * ((uint64_t)in->shape[2] + 1u + (uint64_t)in->shape[2] * (uint64_t)in->shape[0]);
                if (bytes > ring)
                    ring = bytes;
            }
        }
        if (offset + ring > 0xFFFFFFFFull)
            return fail(error, NSP_ERR_CAPACITY, -1, "buffers need more than 4 GiB of arena");
        p->channel_last_offset = (uint32_t)offset;
        offset += ring;
        p->weights_offset = (uint32_t)offset;
        for (i = 0; i < p->op_count && offset <= 0xFFFFFFFFull; i++) {
            const nsp_op *op = &p->ops[i];
            p->weight_offset[i] = 0;
            if (op->kind == NSP_OP_CONV2D || op->kind == NSP_OP_LINEAR) {
                const nsp_tensor *w = &p->tensors[op->tensors[0]];
                p->weight_offset[i] = (uint32_t)offset;
                offset += (uint64_t)(w->length / (uint32_t)w->shape[0]) * nsp_transposed_stride(w->shape[0]);
            }
        }
    }
    if (offset > 0xFFFFFFFFull)
        return fail(error, NSP_ERR_CAPACITY, -1, "buffers and weight rows need more than 4 GiB of arena");
    p->weights_bytes = (uint32_t)(offset - p->weights_offset);
    p->weight_image = NULL;
#if NSP_TRANSPOSED_WEIGHTS
    p->weights = NSP_WEIGHTS_SRAM;
#else
    p->weights = NSP_WEIGHTS_FLASH;
    offset = p->channel_last_offset;
#endif
    p->arena_bytes = (uint32_t)offset;
    return NSP_OK;
}

nsp_status nsp_load(const uint8_t *bytes, uint32_t length, nsp_program *program, nsp_error *error)
{
    static const uint8_t magic[4] = {0x4E, 0x45, 0x53, 0x50};
    scratch s;
    reader r;
    verifier v;
    uint32_t i, body_length;
    uint16_t version, flags;
    uint8_t digest[32];
    nsp_status status;

    if (error != NULL) {
        error->status = NSP_OK;
        error->offset = -1;
        error->op = -1;
        error->message[0] = '\0';
    }
    if (program == NULL || (bytes == NULL && length != 0))
        return fail(error, NSP_ERR_STATE, -1, "no program or no bytes");
    program->tensor_count = program->buffer_count = program->op_count = 0;
    program->arena_bytes = 0;
    for (i = 0; i < 4 && i < length; i++) {
        if (bytes[i] != magic[i])
            return fail(error, NSP_ERR_MAGIC, 0, "not a spike program: magic is not NESP");
    }
    if (length < NSP_HEADER_BYTES)
        return fail_with(error, NSP_ERR_TRUNCATED, (int32_t)length, -1,
                         "truncated header: file bytes", 1, length);
    version = (uint16_t)(bytes[4] | (bytes[5] << 8));
    if (version == 0 || version > NSP_FORMAT_VERSION)
        return fail_with(error, NSP_ERR_VERSION, 4, -1, version == 0 ? "format version 0 does not exist"
                                                                      : "format version newer than this runtime's 1", 1, version);
    flags = (uint16_t)(bytes[6] | (bytes[7] << 8));
    if (flags != 0)
        return fail_with(error, NSP_ERR_FLAGS, 6, -1, "flags are not defined in version 1", 1, flags);
    body_length = (uint32_t)bytes[8] | ((uint32_t)bytes[9] << 8) | ((uint32_t)bytes[10] << 16) | ((uint32_t)bytes[11] << 24);
    if (length - NSP_HEADER_BYTES < body_length)
        return fail_with(error, NSP_ERR_TRUNCATED, (int32_t)length, -1, "truncated body: header declares bytes", 1, body_length);
    if (length - NSP_HEADER_BYTES > body_length)
        return fail_with(error, NSP_ERR_TRAILING, (int32_t)(NSP_HEADER_BYTES + body_length), -1, "unexpected bytes after the body", 1,
                         length - NSP_HEADER_BYTES - body_length);
    nsp_sha256(bytes + NSP_HEADER_BYTES, body_length, digest);
    for (i = 0; i < 32; i++) {
        if (digest[i] != bytes[12 + i])
            return fail(error, NSP_ERR_HASH, 12, "the body's SHA-256 does not match the header: the file is corrupted");
        program->hash[i] = digest[i];
    }

    r.bytes = bytes;
    r.position = NSP_HEADER_BYTES;
    r.end = length;
    r.error = error;
    status = parse_body(&r, program, &s);
    if (status != NSP_OK)
        return status;

    v.bytes = bytes;
    v.p = program;
    v.s = &s;
    v.error = error;
    v.op = -1;
    status = check_input(&v);
    if (status == NSP_OK)
        status = check_tensors(&v);
    if (status == NSP_OK)
        status = check_buffers(&v);
    if (status == NSP_OK)
        status = check_ops(&v);
    if (status == NSP_OK)
        status = lay_out_arena(program, &s, error);
    if (status != NSP_OK)
        program->op_count = 0; /* a refused program can never be begun */
    return status;
}

uint32_t nsp_arena_bytes(const nsp_program *program) { return program->arena_bytes; }

const char *nsp_status_name(nsp_status status)
{
    static const char *const names[] = {"ok",     "magic",  "truncated", "trailing", "version", "flags", "hash",
                                        "format", "capacity", "verify",  "arena",    "sample",  "state"};
    return (unsigned)status < sizeof(names) / sizeof(names[0]) ? names[status] : "unknown";
}
