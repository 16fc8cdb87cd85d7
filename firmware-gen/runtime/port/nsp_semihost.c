/*
 * nsp_semihost.c - the semihosting operations of the Arm "Semihosting for AArch32 and AArch64" spec:
 * r0 = operation, r1 = pointer to its argument block, result in r0.
 */
#include "nsp_semihost.h"

enum { SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE = 0x05, SYS_READ = 0x06, SYS_FLEN = 0x0C, SYS_EXIT_EXTENDED = 0x20 };

static int32_t call(int32_t operation, const void *arguments)
{
    register int32_t r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = arguments;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

int32_t nsp_semihost_open(const char *path, int32_t mode)
{
    uint32_t arguments[3], length = 0;
    while (path[length] != '\0')
        length++;
    arguments[0] = (uint32_t)(uintptr_t)path;
    arguments[1] = (uint32_t)mode;
    arguments[2] = length;
    return call(SYS_OPEN, arguments);
}

int32_t nsp_semihost_close(int32_t handle)
{
    uint32_t arguments[1];
    arguments[0] = (uint32_t)handle;
    return call(SYS_CLOSE, arguments);
}

int32_t nsp_semihost_length(int32_t handle)
{
    uint32_t arguments[1];
    arguments[0] = (uint32_t)handle;
    return call(SYS_FLEN, arguments);
}

uint32_t nsp_semihost_read(int32_t handle, void *into, uint32_t length)
{
    uint32_t arguments[3];
    arguments[0] = (uint32_t)handle;
    arguments[1] = (uint32_t)(uintptr_t)into;
    arguments[2] = length;
    /* SYS_READ returns the bytes NOT read. */
    return length - (uint32_t)call(SYS_READ, arguments);
}

int nsp_semihost_write(int32_t handle, const void *from, uint32_t length)
{
    uint32_t arguments[3];
    arguments[0] = (uint32_t)handle;
    arguments[1] = (uint32_t)(uintptr_t)from;
    arguments[2] = length;
    return call(SYS_WRITE, arguments) == 0;
}

void nsp_semihost_exit(int32_t status)
{
    /* ADP_Stopped_ApplicationExit with the status as subcode. */
    uint32_t arguments[2];
    arguments[0] = 0x20026u;
    arguments[1] = (uint32_t)status;
    call(SYS_EXIT_EXTENDED, arguments);
    for (;;) {
    }
}
