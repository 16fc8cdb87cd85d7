/*
 * Host board: the firmware as a Linux process. Its UART is a pseudo-terminal whose slave path is
 * printed on stdout as "serial <path>" before anything else, so a test or the link opens it like a
 * board's serial port.
 *
 * Program slots are RAM, like the emulated boards', unless NSP_HOST_FLASH names a file: then the slots
 * and two record pages are that file, mapped shared, with NOR flash semantics (erase sets 0xFF, programming
 * can only clear bits). It outlives the process, so a killed and restarted host board finds what was
 * written before: the host's stand-in for flash that survives a reset, where the link's record logic is
 * tested (QEMU's boards do not emulate flash programming). NSP_HOST_FLASH_CRASH_AFTER=N kills the process
 * with SIGKILL after its Nth erase or program operation; with NSP_HOST_FLASH_TEAR=1 that operation stops
 * half-way first: power lost between any two operations, or during one.
 */
#define _XOPEN_SOURCE 600
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "nsp_build.h"
#include "nsp_hal.h"
#include "nsp_ring.h"

const char nsp_hal_cycle_unit[] = "ns";

static int master = -1;
static nsp_ring received;

static void fail(const char *what)
{
    fprintf(stderr, "host board: %s: %s\n", what, strerror(errno));
    exit(2);
}

#define RECORD_PAGE_BYTES 4096u
#define IMAGE_BYTES ((size_t)NSP_SLOT_COUNT * NSP_SLOT_BYTES + 2u * RECORD_PAGE_BYTES)

/* Variables, not the macros: a baked firmware has 0 slots, and `slot < 0u` would not compile under -Werror. */
static const uint32_t slot_count = NSP_SLOT_COUNT;
static const uint32_t slot_bytes = NSP_SLOT_BYTES;

static uint8_t *image;       /* slots, then the two record pages */
static int persistent;       /* the image is a file: record pages exist */
static unsigned long operations, crash_after;
static int tear;

static void map_image(void)
{
    const char *path = getenv("NSP_HOST_FLASH");
    if (path == NULL || path[0] == '\0') {
        image = calloc(1, IMAGE_BYTES);
        if (image == NULL)
            fail("cannot allocate the program slots");
        return;
    }
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    struct stat status;
    if (fd < 0 || fstat(fd, &status) != 0)
        fail("cannot open the NSP_HOST_FLASH image");
    int fresh = status.st_size == 0;
    if ((size_t)status.st_size != IMAGE_BYTES && (!fresh || ftruncate(fd, (off_t)IMAGE_BYTES) != 0)) {
        errno = EINVAL;
        fail("NSP_HOST_FLASH image has the wrong size for this firmware's slots");
    }
    image = mmap(NULL, IMAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (image == MAP_FAILED)
        fail("cannot map the NSP_HOST_FLASH image");
    if (fresh)
        memset(image, 0xFF, IMAGE_BYTES); /* new flash reads erased */
    persistent = 1;
    const char *after = getenv("NSP_HOST_FLASH_CRASH_AFTER");
    crash_after = after != NULL ? strtoul(after, NULL, 10) : 0;
    const char *torn = getenv("NSP_HOST_FLASH_TEAR");
    tear = torn != NULL && strcmp(torn, "1") == 0;
}

/* One flash operation: fill (erase: 0xFF) or AND-program `length` bytes; power may fail during or after it. */
static void flash_operation(uint8_t *target, const uint8_t *data, uint32_t length)
{
    int last = crash_after != 0 && ++operations == crash_after;
    uint32_t done = last && tear ? length / 2u : length;
    for (uint32_t i = 0; i < done; i++)
        target[i] = data != NULL ? (uint8_t)(target[i] & data[i]) : 0xFFu;
    if (last)
        raise(SIGKILL);
}

uint32_t nsp_hal_slot_count(void) { return slot_count; }

uint32_t nsp_hal_slot_capacity(void) { return slot_bytes; }

const uint8_t *nsp_hal_slot_data(uint32_t slot) { return slot < slot_count ? image + (size_t)slot * slot_bytes : NULL; }

int nsp_hal_slot_erase(uint32_t slot)
{
    if (slot >= slot_count)
        return -1;
    flash_operation(image + (size_t)slot * slot_bytes, NULL, slot_bytes);
    return 0;
}

int nsp_hal_slot_write(uint32_t slot, uint32_t offset, const uint8_t *data, uint32_t length)
{
    if (slot >= slot_count || offset > slot_bytes || length > slot_bytes - offset || (offset | length) % 4u != 0)
        return -1;
    uint8_t *target = image + (size_t)slot * slot_bytes + offset;
    flash_operation(target, data, length);
    return memcmp(target, data, length) == 0 ? 0 : -1; /* programming an unerased area cannot set bits */
}

uint32_t nsp_hal_record_pages(void) { return persistent ? 2u : 0u; }

const uint8_t *nsp_hal_record_data(uint32_t page)
{
    return persistent && page < 2u ? image + (size_t)slot_count * slot_bytes + page * RECORD_PAGE_BYTES : NULL;
}

int nsp_hal_record_write(uint32_t page, const uint8_t *data, uint32_t length)
{
    if (!persistent || page >= 2u || length > RECORD_PAGE_BYTES || length % 4u != 0)
        return -1;
    uint8_t *target = image + (size_t)slot_count * slot_bytes + page * RECORD_PAGE_BYTES;
    flash_operation(target, NULL, RECORD_PAGE_BYTES);
    flash_operation(target, data, length);
    return memcmp(target, data, length) == 0 ? 0 : -1;
}

void nsp_hal_init(void)
{
    map_image();
    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0)
        fail("cannot open a pseudo-terminal");
    const char *path = ptsname(master);
    if (path == NULL)
        fail("ptsname");
    /* Holding the slave open keeps the master from reading EIO/HUP while no client is attached. */
    int slave = open(path, O_RDWR | O_NOCTTY);
    if (slave < 0)
        fail("cannot open the pseudo-terminal's slave");
    struct termios settings;
    if (tcgetattr(slave, &settings) != 0)
        fail("tcgetattr");
    cfmakeraw(&settings);
    if (tcsetattr(slave, TCSANOW, &settings) != 0)
        fail("tcsetattr");
    printf("serial %s\n", path);
    fflush(stdout);
}

void nsp_hal_uart_write(const uint8_t *data, uint32_t length)
{
    while (length > 0) {
        ssize_t written = write(master, data, length);
        if (written < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            fail("write to the pseudo-terminal");
        }
        data += written;
        length -= (uint32_t)written;
    }
}

static void drain(void)
{
    uint8_t chunk[64];
    ssize_t count = read(master, chunk, sizeof chunk);
    if (count < 0 && errno != EINTR && errno != EAGAIN)
        fail("read from the pseudo-terminal");
    for (ssize_t i = 0; i < count; i++)
        nsp_ring_put(&received, chunk[i]);
}

int nsp_hal_uart_read(uint8_t *byte)
{
    return nsp_ring_get(&received, byte);
}

void nsp_hal_idle(void)
{
    if (!nsp_ring_empty(&received))
        return;
    struct pollfd waiting = {master, POLLIN, 0};
    if (poll(&waiting, 1, -1) < 0) {
        if (errno == EINTR)
            return;
        fail("poll");
    }
    if (waiting.revents & POLLIN)
        drain();
}

uint64_t nsp_hal_cycles(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}
