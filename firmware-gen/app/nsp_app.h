/*
 * nsp_app.h - the firmware application: boots the board, loads the program (baked into flash, or the
 * first valid program slot of a loader firmware), reports a banner over the UART, then hands every
 * received byte to one protocol: the serial link in loader firmware (programs arrive through it); in baked
 * firmware the console (answers "info" with the banner) until the first 0x00, and the serial link (the baked
 * program runs samples, uploads are refused).
 *
 * nsp_build.h is written by the generator: NSP_BOARD_NAME, NSP_FIRMWARE_VERSION, NSP_APP_BAKED,
 * NSP_APP_ARENA_BYTES, NSP_APP_WEIGHT_IMAGE and NSP_APP_PROTOCOL (the nsp_app_protocol object main runs).
 */
#ifndef NSP_APP_H
#define NSP_APP_H

#include <stdint.h>

#include "nsp.h"
#include "nsp_build.h"

typedef struct {
    nsp_program program;
    nsp_error error;
    nsp_status status;        /* NSP_OK once a program is loaded and its arena fits */
    int loaded;               /* 0: no program (empty loader, or loading failed) */
    int32_t slot;             /* slot the program came from; -1 for a baked program */
    uint8_t *arena;
    uint32_t arena_length;
} nsp_app;

typedef struct {
    void (*start)(nsp_app *app);
    /* Called from the main loop (never from an interrupt) for every received byte, in order. */
    void (*receive)(nsp_app *app, uint8_t byte);
} nsp_app_protocol;

/* Loads and verifies a program for this app; on failure the previous program stays unloaded. */
nsp_status nsp_app_load(nsp_app *app, const uint8_t *bytes, uint32_t length, int32_t slot);

/* Loads the baked program, or in a loader firmware the first slot holding a valid program. */
void nsp_app_boot(nsp_app *app, uint8_t *arena, uint32_t arena_length);

/* One line: firmware, board, program hash and name, arena needed/available, load status. */
void nsp_app_banner(const nsp_app *app);

/* Text output helpers for protocols (no printf: it would triple the flash footprint). */
void nsp_app_write_text(const char *text);
void nsp_app_write_u32(uint32_t value);
void nsp_app_write_hex(const uint8_t *bytes, uint32_t length);

extern const nsp_app_protocol nsp_app_console;
/* The serial link (docs/protocol.md): firmware-gen/runtime/link/src/nsp_link_app.c, compiled into loader firmware. */
extern const nsp_app_protocol nsp_link_protocol;
/* Baked firmware: the console until a 0x00 arrives, the serial link throughout (nsp_link_app.c). */
extern const nsp_app_protocol nsp_link_console_protocol;

#if defined(NSP_APP_BAKED) && NSP_APP_BAKED
extern const uint8_t nsp_app_baked_program[];
extern const uint32_t nsp_app_baked_program_length;
#endif

/* A baked program's transposed weight rows in flash (NSP_APP_WEIGHT_IMAGE, written by the generator), or none: then
   nsp_fit_weights copies the rows into the arena when they fit, else runs the flash-layout kernels. */
#if defined(NSP_APP_WEIGHT_IMAGE) && NSP_APP_WEIGHT_IMAGE
extern const uint8_t nsp_app_weight_image[];
extern const uint32_t nsp_app_weight_image_length;
#define NSP_APP_IMAGE nsp_app_weight_image
#define NSP_APP_IMAGE_LENGTH nsp_app_weight_image_length
#else
#define NSP_APP_IMAGE ((const uint8_t *)0)
#define NSP_APP_IMAGE_LENGTH 0u
#endif

#endif
