/* Firmware entry: board, program, banner, then sleep until the UART has bytes for the protocol. */
#include "nsp_app.h"
#include "nsp_build.h"
#include "nsp_hal.h"

/* Word-aligned so every buffer offset nsp_load lays out (multiples of 4) is aligned for i32 access. */
static uint32_t arena[(NSP_APP_ARENA_BYTES + 3u) / 4u];
static nsp_app app;

int main(void)
{
    nsp_hal_init();
    nsp_app_boot(&app, (uint8_t *)arena, (uint32_t)sizeof arena);
    nsp_app_banner(&app);
    const nsp_app_protocol *protocol = &NSP_APP_PROTOCOL;
    protocol->start(&app);
    for (;;) {
        uint8_t byte;
        while (nsp_hal_uart_read(&byte))
            protocol->receive(&app, byte);
        nsp_hal_idle();
    }
}
