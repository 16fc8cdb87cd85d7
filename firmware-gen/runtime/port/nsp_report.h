/*
 * nsp_report.h - runs every sample of a samples file through a program and writes the line-oriented text
 * report the golden tests parse. Shared by the host driver (stdout) and the semihosting test firmware (a
 * host file), so both builds print the same bytes for the same run.
 *
 * Report lines (one per line, integers in decimal):
 *   load <status> <offset> <op> <message>         status name of nsp_status_name(); "load ok -1 -1 " on success
 *   arena <bytes>                                 what the weight placement applied after loading needs
 *   weights <placement> <ring> <rows> <bytes>     placement (0 flash, 1 image, 2 sram); ring and rows offsets; rows' bytes
 *   offset <buffer> <bytes>                       each buffer's place in the arena, in table order
 *   rows <op> <bytes>                             each Conv2d/Linear's transposed rows' place (spec 6.1), in op order
 *   sample <index>
 *   counters <op> <step> <events> <input_sum> <updates> <synaptic_ops> <macs> <neuron_updates> <output_sum> <ticks>
 *   trace <step> <buffer> <value>...              every buffer every step (opt-in), written right after its single
 *                                                 writer op (the input after the frame copy): its value for the step
 *   result <status> <predicted> <logit>...        status of the sample (ok, sample, ...)
 *   end
 */
#ifndef NSP_REPORT_H
#define NSP_REPORT_H

#include "nsp.h"

typedef struct {
    void (*write)(void *context, const char *text, uint32_t length);
    void *context;
    uint32_t (*clock)(void); /* optional: time each op (ticks column) */
    int trace;               /* nonzero: write every buffer every step */
    /* The weight placement applied after loading (nsp_place_weights): image != NULL places the rows image, flash
       nonzero the flash-layout kernels; neither keeps the build's default. */
    const uint8_t *image;
    uint32_t image_length;
    int flash;
} nsp_report_sink;

/* Loads program, runs samples (a whole number of T*C*H*W frames), writes the report. Returns the load status. */
nsp_status nsp_report_run(const uint8_t *program_bytes, uint32_t program_length, const uint8_t *samples, uint32_t samples_length,
                          nsp_program *program, uint8_t *arena, uint32_t arena_length, nsp_op_counters *counters,
                          const nsp_report_sink *sink);

#endif
