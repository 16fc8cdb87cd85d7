/*
 * nsp_test_firmware.c - golden-test firmware for QEMU Cortex-M boards: reads program.nsp and samples.bin
 * from QEMU's working directory through semihosting, runs them (the report of port/nsp_report.h, every buffer
 * every step when trace.flag exists, each op timed by nsp_cycles; the weights placed as the transposed rows of image.bin
 * when it exists, or on the flash-layout kernels when flash.flag exists), writes report.txt and exits with
 * SYS_EXIT_EXTENDED: 0 loaded, 2 refused, 1 I/O failure.
 */
#include "nsp.h"
#include "nsp_cycles.h"
#include "nsp_report.h"
#include "nsp_semihost.h"

#define FILE_CAPACITY (1u << 20)
#define ARENA_WORDS (192u << 10)
#define IMAGE_CAPACITY (512u << 10)
#define REPORT_CHUNK 4096u

static uint8_t program_bytes[FILE_CAPACITY];
static uint8_t sample_bytes[FILE_CAPACITY];
static uint32_t arena[ARENA_WORDS];
static uint32_t image_words[IMAGE_CAPACITY / 4u];
static nsp_program program;
static nsp_op_counters counters[NSP_MAX_OPS];

typedef struct {
    int32_t handle;
    uint32_t used;
    int failed;
    char pending[REPORT_CHUNK];
} report_file;

static void flush(report_file *file)
{
    if (file->used != 0 && !nsp_semihost_write(file->handle, file->pending, file->used))
        file->failed = 1;
    file->used = 0;
}

/* Buffers the report so each semihosting trap carries a few KiB, not one number. */
static void write_report(void *context, const char *text, uint32_t length)
{
    report_file *file = (report_file *)context;
    uint32_t i;
    for (i = 0; i < length; i++) {
        if (file->used == REPORT_CHUNK)
            flush(file);
        file->pending[file->used++] = text[i];
    }
}

static int read_file(const char *path, uint8_t *into, uint32_t capacity, uint32_t *length)
{
    int32_t handle = nsp_semihost_open(path, NSP_SEMIHOST_READ_BINARY), size;
    if (handle < 0)
        return 0;
    size = nsp_semihost_length(handle);
    if (size < 0 || (uint32_t)size > capacity || nsp_semihost_read(handle, into, (uint32_t)size) != (uint32_t)size) {
        nsp_semihost_close(handle);
        return 0;
    }
    nsp_semihost_close(handle);
    *length = (uint32_t)size;
    return 1;
}

static report_file report;

int main(void)
{
    uint32_t program_length, samples_length, image_length = 0;
    int32_t trace_flag, flash_flag, image;
    nsp_report_sink sink;
    nsp_status status;

    if (!read_file("program.nsp", program_bytes, FILE_CAPACITY, &program_length) ||
        !read_file("samples.bin", sample_bytes, FILE_CAPACITY, &samples_length))
        nsp_semihost_exit(1);
    image = nsp_semihost_open("image.bin", NSP_SEMIHOST_READ_BINARY);
    if (image >= 0) {
        nsp_semihost_close(image);
        if (!read_file("image.bin", (uint8_t *)image_words, IMAGE_CAPACITY, &image_length))
            nsp_semihost_exit(1);
    }
    flash_flag = nsp_semihost_open("flash.flag", NSP_SEMIHOST_READ_BINARY);
    if (flash_flag >= 0)
        nsp_semihost_close(flash_flag);
    trace_flag = nsp_semihost_open("trace.flag", NSP_SEMIHOST_READ_BINARY);
    if (trace_flag >= 0)
        nsp_semihost_close(trace_flag);
    report.handle = nsp_semihost_open("report.txt", NSP_SEMIHOST_WRITE_BINARY);
    if (report.handle < 0)
        nsp_semihost_exit(1);
    nsp_cycles_start();
    sink.write = write_report;
    sink.context = &report;
    sink.clock = nsp_cycles_now;
    sink.trace = trace_flag >= 0;
    sink.image = image >= 0 ? (const uint8_t *)image_words : NULL;
    sink.image_length = image_length;
    sink.flash = flash_flag >= 0;
    status = nsp_report_run(program_bytes, program_length, sample_bytes, samples_length, &program, (uint8_t *)arena,
                            (uint32_t)sizeof(arena), counters, &sink);
    flush(&report);
    nsp_semihost_close(report.handle);
    nsp_semihost_exit(report.failed ? 1 : status == NSP_OK ? 0 : 2);
}
