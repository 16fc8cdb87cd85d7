#include "nsp_app.h"

#include "nsp_build.h"
#include "nsp_hal.h"

#define NSP_MAGIC_0 'N'
#define NSP_MAGIC_1 'E'
#define NSP_MAGIC_2 'S'
#define NSP_MAGIC_3 'P'
#define NSP_BODY_LENGTH_OFFSET 8u

void nsp_app_write_text(const char *text)
{
    uint32_t length = 0;
    while (text[length] != '\0')
        length++;
    nsp_hal_uart_write((const uint8_t *)text, length);
}

void nsp_app_write_u32(uint32_t value)
{
    char digits[11];
    int position = 10;
    digits[position] = '\0';
    do {
        digits[--position] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value != 0u);
    nsp_app_write_text(&digits[position]);
}

void nsp_app_write_hex(const uint8_t *bytes, uint32_t length)
{
    static const char hex[] = "0123456789abcdef";
    for (uint32_t i = 0; i < length; i++) {
        uint8_t pair[2] = {(uint8_t)hex[bytes[i] >> 4], (uint8_t)hex[bytes[i] & 0xFu]};
        nsp_hal_uart_write(pair, 2);
    }
}

nsp_status nsp_app_load(nsp_app *app, const uint8_t *bytes, uint32_t length, int32_t slot)
{
    app->loaded = 0;
    app->status = nsp_load(bytes, length, &app->program, &app->error);
    if (app->status == NSP_OK)
        app->status = nsp_fit_weights(&app->program, NSP_APP_IMAGE, NSP_APP_IMAGE_LENGTH, app->arena_length);
    if (app->status != NSP_OK && app->error.status == NSP_OK) {
        app->error.status = app->status;
        app->error.offset = -1;
        app->error.op = -1;
        app->error.message[0] = '\0';
    }
    if (app->status == NSP_OK) {
        app->loaded = 1;
        app->slot = slot;
    }
    return app->status;
}

#if !NSP_APP_BAKED
#include "nsp_link.h"

/* An .nsp file's length from its header, or 0 when the bytes do not start like one or overrun the slot. */
static uint32_t slot_program_length(const uint8_t *slot, uint32_t capacity)
{
    if (slot[0] != NSP_MAGIC_0 || slot[1] != NSP_MAGIC_1 || slot[2] != NSP_MAGIC_2 || slot[3] != NSP_MAGIC_3)
        return 0;
    const uint8_t *field = slot + NSP_BODY_LENGTH_OFFSET;
    uint32_t body = (uint32_t)field[0] | (uint32_t)field[1] << 8 | (uint32_t)field[2] << 16 | (uint32_t)field[3] << 24;
    if (body > capacity - NSP_HEADER_BYTES)
        return 0;
    return NSP_HEADER_BYTES + body;
}
#endif

void nsp_app_boot(nsp_app *app, uint8_t *arena, uint32_t arena_length)
{
    app->arena = arena;
    app->arena_length = arena_length;
    app->loaded = 0;
    app->slot = -1;
    app->status = NSP_ERR_STATE;
#if NSP_APP_BAKED
    nsp_app_load(app, nsp_app_baked_program, nsp_app_baked_program_length, -1);
#else
    if (nsp_hal_record_pages() >= 2u) {
        /* Slots that survive a reset: boot the program the serial link's active-slot record names, nothing else. */
        nsp_link_record record;
        if (nsp_link_record_newest(nsp_hal_record_data(0), nsp_hal_record_data(1), &record) >= 0 &&
            record.active_slot < nsp_hal_slot_count() && record.program_bytes <= nsp_hal_slot_capacity())
            nsp_app_load(app, nsp_hal_slot_data(record.active_slot), record.program_bytes, (int32_t)record.active_slot);
        return;
    }
    for (uint32_t slot = 0; slot < nsp_hal_slot_count(); slot++) {
        uint32_t length = slot_program_length(nsp_hal_slot_data(slot), nsp_hal_slot_capacity());
        if (length != 0 && nsp_app_load(app, nsp_hal_slot_data(slot), length, (int32_t)slot) == NSP_OK)
            return;
    }
#endif
}

void nsp_app_banner(const nsp_app *app)
{
    nsp_app_write_text("neuro-firmware " NSP_FIRMWARE_VERSION " board=" NSP_BOARD_NAME " program=");
    if (app->loaded) {
        nsp_app_write_hex(app->program.hash, sizeof app->program.hash);
        nsp_app_write_text(" name=");
        nsp_app_write_text(app->program.name);
        nsp_app_write_text(" arena=");
        nsp_app_write_u32(app->program.arena_bytes);
        nsp_app_write_text("/");
        nsp_app_write_u32(app->arena_length);
        nsp_app_write_text(app->program.weights == NSP_WEIGHTS_IMAGE  ? " weights=image"
                           : app->program.weights == NSP_WEIGHTS_SRAM ? " weights=sram"
                                                                      : " weights=flash");
        nsp_app_write_text(app->slot < 0 ? " source=baked" : " source=slot");
        if (app->slot >= 0)
            nsp_app_write_u32((uint32_t)app->slot);
        nsp_app_write_text(" status=ok");
    } else if (app->status == NSP_ERR_STATE) {
        nsp_app_write_text("none status=empty");
    } else {
        nsp_app_write_text("none status=");
        nsp_app_write_text(nsp_status_name(app->status));
        if (app->error.message[0] != '\0') {
            nsp_app_write_text(" reason=\"");
            nsp_app_write_text(app->error.message);
            nsp_app_write_text("\"");
        }
    }
    nsp_app_write_text(" cycles=");
    nsp_app_write_text(nsp_hal_cycle_unit);
    nsp_app_write_text("\r\n");
}
