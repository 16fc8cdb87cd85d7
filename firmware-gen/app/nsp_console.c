/*
 * The console protocol: line commands a person can type in a terminal. "info" repeats the banner;
 * any other printable line is answered with an error line. A line holding a byte a terminal does not send
 * (control or non-ASCII) is link traffic that shares the UART in baked firmware: it is ignored, never answered.
 */
#include "nsp_app.h"

#define CONSOLE_LINE_BYTES 32u

static char line[CONSOLE_LINE_BYTES];
static uint32_t line_length;
static int line_overflowed;
static int line_binary;

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
    line_binary = 0;
}

static void console_receive(nsp_app *app, uint8_t byte)
{
    if (byte != '\n' && byte != '\r') {
        if ((byte < 0x20u && byte != '\t') || byte > 0x7Eu)
            line_binary = 1;
        if (line_length < CONSOLE_LINE_BYTES - 1u)
            line[line_length++] = (char)byte;
        else
            line_overflowed = 1;
        return;
    }
    if (line_length == 0 && !line_overflowed)
        return;
    line[line_length] = '\0';
    /* A binary line was not typed by a person: answering it would interleave text with link replies. */
    if (!line_binary && !line_overflowed && line_is("info"))
        nsp_app_banner(app);
    else if (!line_binary)
        nsp_app_write_text("error unknown command (try: info)\r\n");
    line_length = 0;
    line_overflowed = 0;
    line_binary = 0;
}

const nsp_app_protocol nsp_app_console = {console_start, console_receive};
