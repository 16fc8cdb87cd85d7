/*
 * nsp_host.c - the runtime on the host, for golden tests:
 *     nsp_host PROGRAM.nsp SAMPLES.bin [--trace] [--image ROWS.bin | --flash]
 * writes the report of port/nsp_report.h to stdout. --image places the weights as the transposed rows in ROWS.bin (what
 * a baked firmware keeps in flash), --flash runs the flash-layout kernels; without either the build's default. SAMPLES.bin is whole samples [T,C,H,W] back to back.
 * Exit status: 0 when the program loaded (sample faults are in the report), 2 when it was refused, 1 on I/O.
 * The process owns static memory sized like a large microcontroller; a program needing more is refused.
 */
#include <stdio.h>
#include <string.h>

#include "nsp.h"
#include "nsp_report.h"

#define FILE_CAPACITY (16u << 20)
#define ARENA_WORDS (4u << 20)

static uint8_t program_bytes[FILE_CAPACITY];
static uint8_t sample_bytes[FILE_CAPACITY];
static uint32_t image_words[FILE_CAPACITY / 4u];
static uint32_t arena[ARENA_WORDS];
static nsp_program program;
static nsp_op_counters counters[NSP_MAX_OPS];

static int read_all(const char *path, uint8_t *into, uint32_t capacity, uint32_t *length)
{
    FILE *file = fopen(path, "rb");
    size_t got;
    if (file == NULL) {
        fprintf(stderr, "nsp_host: cannot open %s\n", path);
        return 0;
    }
    got = fread(into, 1, capacity, file);
    if (got == capacity && fgetc(file) != EOF) {
        fprintf(stderr, "nsp_host: %s is larger than %u bytes\n", path, capacity);
        fclose(file);
        return 0;
    }
    fclose(file);
    *length = (uint32_t)got;
    return 1;
}

static void write_stdout(void *context, const char *text, uint32_t length)
{
    (void)context;
    fwrite(text, 1, length, stdout);
}

int main(int argc, char **argv)
{
    uint32_t program_length, samples_length, image_length = 0;
    nsp_report_sink sink;
    nsp_status status;
    int a;
    sink.trace = 0;
    sink.flash = 0;
    sink.image = NULL;
    for (a = 3; a < argc; a++) {
        if (strcmp(argv[a], "--trace") == 0)
            sink.trace = 1;
        else if (strcmp(argv[a], "--flash") == 0)
            sink.flash = 1;
        else if (strcmp(argv[a], "--image") == 0 && a + 1 < argc) {
            if (!read_all(argv[++a], (uint8_t *)image_words, (uint32_t)sizeof image_words, &image_length))
                return 1;
            sink.image = (const uint8_t *)image_words;
        } else
            break;
    }
    if (argc < 3 || a < argc) {
        fprintf(stderr, "usage: nsp_host PROGRAM.nsp SAMPLES.bin [--trace] [--image ROWS.bin | --flash]\n");
        return 1;
    }
    if (!read_all(argv[1], program_bytes, FILE_CAPACITY, &program_length) ||
        !read_all(argv[2], sample_bytes, FILE_CAPACITY, &samples_length))
        return 1;
    sink.write = write_stdout;
    sink.context = NULL;
    sink.clock = NULL;
    sink.image_length = image_length;
    status = nsp_report_run(program_bytes, program_length, sample_bytes, samples_length, &program, (uint8_t *)arena,
                            (uint32_t)sizeof(arena), counters, &sink);
    return fflush(stdout) != 0 ? 1 : status == NSP_OK ? 0 : 2;
}
