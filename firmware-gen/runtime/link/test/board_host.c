/*
 * A board on the host: the real link state machine (nsp_link_board.c) over a file-backed storage image and
 * a fake executor, talking on stdin/stdout or on a tty (a pty from socat). The .NET tests drive it as a
 * process; killing and restarting it with the same --storage file is a board reset with flash intact.
 *
 * Fake programs: "NSPF", u32 frame_bytes, u16 time_steps, u8 binary, u8 classes, then any bytes. The fake
 * result is a documented function of every frame byte (mirrored by the tests), so a lost, duplicated or
 * reordered event changes it.
 */
#define _DEFAULT_SOURCE
#include "nsp_link.h"
#ifdef BOARD_HOST_NSP
#include <time.h>
#include "nsp_link_executor_nsp.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define MAX_FRAME_BYTES (2u * 128u * 128u)

static uint8_t *image;
static uint32_t slot_bytes = 256u * 1024u;
static int storage_fd = -1;
static long writes_left = -1; /* --crash-after-writes: power cut after this many storage writes */
static int out_fd = 1;

static void persist(uint32_t at, const uint8_t *data, uint32_t length)
{
    if (writes_left == 0) {
        /* The power cut lands in the middle of this write: half of it reaches flash. */
        memcpy(image + at, data, length / 2u);
        if (pwrite(storage_fd, data, length / 2u, at) < 0) {
            perror("pwrite");
        }
        _exit(3);
    }
    if (writes_left > 0) {
        writes_left--;
    }
    memcpy(image + at, data, length);
    if (pwrite(storage_fd, data, length, at) != (ssize_t)length) {
        perror("pwrite");
        exit(2);
    }
}

static uint32_t slot_at(uint8_t slot) { return (uint32_t)slot * slot_bytes; }
static uint32_t record_at(uint8_t page) { return 2u * slot_bytes + (uint32_t)page * NSP_LINK_RECORD_BYTES; }

static int erase_slot(void *context, uint8_t slot)
{
    (void)context;
    static uint8_t erased[4096];
    memset(erased, 0xFF, sizeof erased);
    for (uint32_t at = 0; at < slot_bytes; at += sizeof erased) {
        uint32_t n = slot_bytes - at < sizeof erased ? slot_bytes - at : (uint32_t)sizeof erased;
        memcpy(image + slot_at(slot) + at, erased, n);
        if (pwrite(storage_fd, erased, n, slot_at(slot) + at) != (ssize_t)n) {
            return -1;
        }
    }
    return 0;
}

static int write_slot(void *context, uint8_t slot, uint32_t offset, const uint8_t *data, uint32_t length)
{
    (void)context;
    persist(slot_at(slot) + offset, data, length);
    return 0;
}

static const uint8_t *map_slot(void *context, uint8_t slot)
{
    (void)context;
    return image + slot_at(slot);
}

static int write_record(void *context, uint8_t page, const uint8_t *record, uint32_t length)
{
    (void)context;
    persist(record_at(page), record, length);
    return 0;
}

static int read_record(void *context, uint8_t page, uint8_t *record, uint32_t length)
{
    (void)context;
    memcpy(record, image + record_at(page), length);
    return 0;
}

/* ---- fake executor ---- */
typedef struct {
    uint32_t frame_bytes, program_fnv;
    uint16_t time_steps;
    uint8_t binary, classes;
    int32_t logits[NSP_LINK_MAX_CLASSES];
    uint32_t fnv, nonzero, steps;
    uint64_t events;
} fake;

static uint32_t fnv1a(uint32_t h, const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

static int fake_load(void *context, const uint8_t *program, uint32_t length, nsp_link_input *input, char *message,
                     uint32_t capacity)
{
    fake *f = (fake *)context;
    if (length < 12u || memcmp(program, "NSPF", 4) != 0) {
        snprintf(message, capacity, "not a fake program: bad magic at offset 0");
        return -1;
    }
    f->frame_bytes = (uint32_t)program[4] | ((uint32_t)program[5] << 8) | ((uint32_t)program[6] << 16) |
                     ((uint32_t)program[7] << 24);
    f->time_steps = (uint16_t)(program[8] | (program[9] << 8));
    f->binary = program[10];
    f->classes = program[11];
    if (f->classes < 5 || f->classes > NSP_LINK_MAX_CLASSES || f->frame_bytes == 0 || f->time_steps == 0) {
        snprintf(message, capacity, "fake program header out of range");
        return -1;
    }
    f->program_fnv = fnv1a(2166136261u, program, length);
    input->frame_bytes = f->frame_bytes;
    input->time_steps = f->time_steps;
    input->binary = f->binary;
    return 0;
}

static int fake_begin(void *context)
{
    fake *f = (fake *)context;
    memset(f->logits, 0, sizeof f->logits);
    f->fnv = 2166136261u;
    f->nonzero = 0;
    f->steps = 0;
    f->events = 0;
    return 0;
}

static int fake_step(void *context, const uint8_t *frame)
{
    fake *f = (fake *)context;
    f->fnv = fnv1a(f->fnv, frame, f->frame_bytes);
    for (uint32_t i = 0; i < f->frame_bytes; i++) {
        f->logits[4 + i % (uint32_t)(f->classes - 4)] += frame[i];
        f->events += frame[i];
        f->nonzero += frame[i] != 0;
    }
    f->steps++;
    return 0;
}

static int fake_finish(void *context, nsp_link_result *result)
{
    fake *f = (fake *)context;
    f->logits[0] = (int32_t)f->steps;
    f->logits[1] = (int32_t)f->events;
    f->logits[2] = (int32_t)f->fnv;
    f->logits[3] = (int32_t)f->program_fnv;
    result->class_count = f->classes;
    memcpy(result->logits, f->logits, sizeof(int32_t) * f->classes);
    result->predicted = 4;
    for (int i = 5; i < f->classes; i++) {
        if (f->logits[i] > f->logits[result->predicted]) {
            result->predicted = (int16_t)i;
        }
    }
    result->cycles = 100u * f->steps + 3u * f->events;
    result->layer_count = 2;
    result->spikes[0] = f->nonzero;
    result->spikes[1] = f->steps;
    return 0;
}

/* Library mode (board_lib_*): replies collect here for the caller instead of going to a file descriptor. */
static uint8_t *library_out;
static size_t library_out_length, library_out_capacity;
static int library_mode;

static void write_all(void *context, const uint8_t *bytes, size_t length)
{
    (void)context;
    if (library_mode) {
        if (library_out_length + length > library_out_capacity) {
            library_out_capacity = 2 * (library_out_length + length);
            library_out = realloc(library_out, library_out_capacity);
            if (library_out == NULL) {
                exit(2);
            }
        }
        memcpy(library_out + library_out_length, bytes, length);
        library_out_length += length;
        return;
    }
    while (length > 0) {
        ssize_t n = write(out_fd, bytes, length);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            exit(0); /* the host hung up */
        }
        bytes += n;
        length -= (size_t)n;
    }
}

static int reset_requested;

static void request_reset(void *context)
{
    (void)context;
    reset_requested = 1;
}

static int hex_nibble(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

#ifdef BOARD_HOST_NSP
/* The real runtime: static memory sized like a large microcontroller; cycles are host nanoseconds. */
static nsp_program nsp_program_table;
static uint32_t nsp_arena[1u << 18];
static nsp_op_counters nsp_counters[NSP_MAX_OPS];
static nsp_link_nsp_executor nsp_executor;

static uint64_t host_nanoseconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}
#endif

static nsp_link_board board;
static uint8_t frame_buffer[MAX_FRAME_BYTES];
static uint8_t key[64];
static fake executor_state;

static int setup(int argc, char **argv, int *in_fd_out)
{
    const char *storage = NULL;
    const char *tty = NULL;
    const char *key_hex = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--storage") == 0) storage = argv[i + 1];
        else if (strcmp(argv[i], "--tty") == 0) tty = argv[i + 1];
        else if (strcmp(argv[i], "--key") == 0) key_hex = argv[i + 1];
        else if (strcmp(argv[i], "--slot-bytes") == 0) slot_bytes = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--crash-after-writes") == 0) writes_left = strtol(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (storage == NULL) {
        fprintf(stderr, "usage: board_host --storage FILE [--key HEX] [--tty PATH] [--slot-bytes N] [--crash-after-writes N]\n");
        return 2;
    }
    uint32_t image_bytes = 2u * slot_bytes + 2u * NSP_LINK_RECORD_BYTES;
    image = malloc(image_bytes);
    storage_fd = open(storage, O_RDWR | O_CREAT, 0644);
    if (image == NULL || storage_fd < 0) {
        perror(storage);
        return 2;
    }
    ssize_t have = pread(storage_fd, image, image_bytes, 0);
    if (have < (ssize_t)image_bytes) {
        /* A fresh flash part reads as erased. */
        memset(image + (have > 0 ? have : 0), 0xFF, image_bytes - (uint32_t)(have > 0 ? have : 0));
        if (pwrite(storage_fd, image, image_bytes, 0) != (ssize_t)image_bytes) {
            perror(storage);
            return 2;
        }
    }
    int in_fd = 0;
    if (tty != NULL) {
        in_fd = out_fd = open(tty, O_RDWR | O_NOCTTY);
        if (in_fd < 0) {
            perror(tty);
            return 2;
        }
        struct termios t;
        if (tcgetattr(in_fd, &t) == 0) {
            cfmakeraw(&t);
            tcsetattr(in_fd, TCSANOW, &t);
        }
    }
    board.storage = (nsp_link_storage){NULL, slot_bytes, erase_slot, write_slot, map_slot, write_record, read_record};
#ifdef BOARD_HOST_NSP
    (void)executor_state;
    (void)fake_load;
    (void)fake_begin;
    (void)fake_step;
    (void)fake_finish;
    nsp_executor.program = &nsp_program_table;
    nsp_executor.arena = (uint8_t *)nsp_arena;
    nsp_executor.arena_length = sizeof nsp_arena;
    nsp_executor.counters = nsp_counters;
    nsp_executor.cycles = host_nanoseconds;
    board.executor = nsp_link_nsp_executor_bind(&nsp_executor);
#else
    board.executor = (nsp_link_executor){&executor_state, fake_load, fake_begin, fake_step, fake_finish};
#endif
    board.name = "host";
    board.write = write_all;
    board.frame_buffer = frame_buffer;
    board.frame_capacity = sizeof frame_buffer;
    board.reset = request_reset;
    if (key_hex != NULL) {
        size_t n = strlen(key_hex) / 2u;
        if (n == 0 || n > sizeof key) {
            fprintf(stderr, "--key must be 1 to 64 bytes of hex\n");
            return 2;
        }
        for (size_t i = 0; i < n; i++) {
            int hi = hex_nibble(key_hex[2 * i]), lo = hex_nibble(key_hex[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                fprintf(stderr, "--key is not hex\n");
                return 2;
            }
            key[i] = (uint8_t)(hi << 4 | lo);
        }
        board.key = key;
        board.key_length = (uint32_t)n;
    }
    nsp_link_board_init(&board);
    *in_fd_out = in_fd;
    return 0;
}

static void feed(const uint8_t *bytes, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        nsp_link_board_rx(&board, bytes[i]);
        /* The main loop runs when the RX queue is full or the burst ends, as on a busy board. */
        if ((uint8_t)(board.rx_head - board.rx_tail) == NSP_LINK_RX_SLOTS) {
            nsp_link_board_poll(&board);
        }
    }
    nsp_link_board_poll(&board);
    if (reset_requested) {
        reset_requested = 0;
        nsp_link_board_init(&board);
    }
}

/* In-process board for the .NET in-memory transport: same options as the executable. 0 on success. */
int board_lib_start(int argc, char **argv)
{
    int in_fd;
    library_mode = 1;
    return setup(argc, argv, &in_fd);
}

/* Feeds received bytes; returns the number of reply bytes now waiting for board_lib_take. */
size_t board_lib_feed(const uint8_t *bytes, size_t length)
{
    feed(bytes, length);
    return library_out_length;
}

/* Copies up to capacity waiting reply bytes into out; returns how many. */
size_t board_lib_take(uint8_t *out, size_t capacity)
{
    size_t n = library_out_length < capacity ? library_out_length : capacity;
    memcpy(out, library_out, n);
    memmove(library_out, library_out + n, library_out_length - n);
    library_out_length -= n;
    return n;
}

#ifndef BOARD_HOST_LIBRARY
int main(int argc, char **argv)
{
    int in_fd;
    int status = setup(argc, argv, &in_fd);
    if (status != 0) {
        return status;
    }
    uint8_t buffer[4096];
    for (;;) {
        ssize_t n = read(in_fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return 0;
        }
        feed(buffer, (size_t)n);
    }
}
#endif
