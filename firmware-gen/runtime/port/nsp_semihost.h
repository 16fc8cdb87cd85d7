/*
 * nsp_semihost.h - Arm semihosting calls (BKPT 0xAB on M-profile) for test firmware under QEMU
 * (-semihosting-config enable=on,target=native): host files in QEMU's working directory and an exact exit code.
 */
#ifndef NSP_SEMIHOST_H
#define NSP_SEMIHOST_H

#include <stdint.h>

enum { NSP_SEMIHOST_READ_BINARY = 1, NSP_SEMIHOST_WRITE_BINARY = 5 };

/* A host file handle, or -1. */
int32_t nsp_semihost_open(const char *path, int32_t mode);
int32_t nsp_semihost_close(int32_t handle);
/* Bytes of the file, or -1. */
int32_t nsp_semihost_length(int32_t handle);
/* Reads up to length bytes; returns the bytes read. */
uint32_t nsp_semihost_read(int32_t handle, void *into, uint32_t length);
/* Writes all bytes; returns nonzero on success. */
int nsp_semihost_write(int32_t handle, const void *from, uint32_t length);
/* SYS_EXIT_EXTENDED: QEMU exits with this status. */
void nsp_semihost_exit(int32_t status) __attribute__((noreturn));

#endif
