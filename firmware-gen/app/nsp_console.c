/*
 * The console protocol: line commands a person can type in a terminal. "info" repeats the banner;
 * anything else is answered with an error line. The serial link replaces it with its framed protocol.
 */
#include "nsp_app.h"

#define CONSOLE_LINE_BYTES 32u

static char line[CONSOLE_LINE_BYTES];
static uint32_t line_length;
static int line_overflowed;

static int line_is(const char *command)
{
    uint32_t i = 0;
    for (; i < line_length; i++)
        if (command[i] != line[i])
            return 0;
    return command[i] == '\0';
}

static void console_start(nsp_app *app)
{
    (void)app;
    line_length = 0;
    line_overflowed = 0;
}

static void console_receive(nsp_app *app, uint8_t byte)
{
    if (byte != '\n' && byte != '\r') {
        if (line_length < CONSOLE_LINE_BYTES - 1u)
            line[line_length++] = (char)byte;
        else
            line_overflowed = 1;
        return;
    }
    if (line_length == 0 && !line_overflowed)
        return;
    line[line_length] = '\0';
    if (!line_overflowed && line_is("info")) {
        nsp_app_banner(app);
    } else {
        nsp_app_write_text("error unknown command (try: info)\r\n");
    }
    line_length = 0;
    line_overflowed = 0;
}

const nsp_app_protocol nsp_app_console = {console_start, console_receive};
