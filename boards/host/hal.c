/*
 * Host board: the firmware as a Linux process. Its UART is a pseudo-terminal whose slave path is
 * printed on stdout as "serial <path>" before anything else, so a test or the link opens it like a
 * board's serial port. Program slots are RAM
 * (firmware-gen/hal/nsp_ram_slots.c), like the emulated boards'.
 */
#define _XOPEN_SOURCE 600
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

void nsp_hal_init(void)
{
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
