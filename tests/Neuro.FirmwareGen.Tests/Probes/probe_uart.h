/* The one line a probe prints: "probe" then " name=xxxxxxxx" hex fields, read back by Support/ProbeFirmware.cs. */
#ifndef PROBE_UART_H
#define PROBE_UART_H

#include <stdint.h>

#include "nsp_hal.h"

static void text(const char *s)
{
    uint32_t n = 0;
    while (s[n] != '\0')
        n++;
    nsp_hal_uart_write((const uint8_t *)s, n);
}

static void field(const char *name, uint32_t value)
{
    char digits[9];
    for (int i = 0; i < 8; i++)
        digits[i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 0xFu];
    digits[8] = '\0';
    text(" ");
    text(name);
    text("=");
    text(digits);
}

#endif
