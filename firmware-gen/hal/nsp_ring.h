/*
 * nsp_ring.h - single-producer (interrupt) / single-consumer (main loop) byte ring for UART receive.
 * The capacity is a power of two so indices wrap with a mask; head and tail are only ever written by
 * one side each, so no lock is needed on a single core.
 */
#ifndef NSP_RING_H
#define NSP_RING_H

#include <stdint.h>

#ifndef NSP_UART_RX_BYTES
#define NSP_UART_RX_BYTES 256u
#endif

#if (NSP_UART_RX_BYTES & (NSP_UART_RX_BYTES - 1u)) != 0
#error "NSP_UART_RX_BYTES must be a power of two"
#endif

typedef struct {
    volatile uint32_t head; /* written by the producer */
    volatile uint32_t tail; /* written by the consumer */
    volatile uint32_t dropped; /* bytes lost because the ring was full */
    uint8_t bytes[NSP_UART_RX_BYTES];
} nsp_ring;

static inline void nsp_ring_put(nsp_ring *ring, uint8_t byte)
{
    uint32_t head = ring->head;
    if (head - ring->tail == NSP_UART_RX_BYTES) {
        ring->dropped++;
        return;
    }
    ring->bytes[head & (NSP_UART_RX_BYTES - 1u)] = byte;
    ring->head = head + 1u;
}

static inline int nsp_ring_get(nsp_ring *ring, uint8_t *byte)
{
    uint32_t tail = ring->tail;
    if (tail == ring->head)
        return 0;
    *byte = ring->bytes[tail & (NSP_UART_RX_BYTES - 1u)];
    ring->tail = tail + 1u;
    return 1;
}

static inline int nsp_ring_empty(const nsp_ring *ring)
{
    return ring->tail == ring->head;
}

#endif
