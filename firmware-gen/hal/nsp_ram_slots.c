/*
 * Program slots in RAM, for boards whose program memory cannot be programmed at run time here (the
 * emulated boards). Contents do not survive a reset, so there are no record pages either. A baked
 * firmware has no slots (NSP_SLOT_COUNT 0), so they cost it no RAM.
 */
#include <string.h>

#include "nsp_build.h"
#include "nsp_hal.h"

#if NSP_SLOT_COUNT > 0

static uint8_t slots[NSP_SLOT_COUNT][NSP_SLOT_BYTES] __attribute__((aligned(4)));

uint32_t nsp_hal_slot_count(void) { return NSP_SLOT_COUNT; }

uint32_t nsp_hal_slot_capacity(void) { return NSP_SLOT_BYTES; }

const uint8_t *nsp_hal_slot_data(uint32_t slot) { return slot < NSP_SLOT_COUNT ? slots[slot] : 0; }

int nsp_hal_slot_erase(uint32_t slot)
{
    if (slot >= NSP_SLOT_COUNT)
        return -1;
    memset(slots[slot], 0xFF, NSP_SLOT_BYTES);
    return 0;
}

int nsp_hal_slot_write(uint32_t slot, uint32_t offset, const uint8_t *data, uint32_t length)
{
    if (slot >= NSP_SLOT_COUNT || offset > NSP_SLOT_BYTES || length > NSP_SLOT_BYTES - offset
        || (offset | length) % 4u != 0)
        return -1;
    memcpy(slots[slot] + offset, data, length);
    return 0;
}

#else

uint32_t nsp_hal_slot_count(void) { return 0; }

uint32_t nsp_hal_slot_capacity(void) { return 0; }

const uint8_t *nsp_hal_slot_data(uint32_t slot)
{
    (void)slot;
    return 0;
}

int nsp_hal_slot_erase(uint32_t slot)
{
    (void)slot;
    return -1;
}

int nsp_hal_slot_write(uint32_t slot, uint32_t offset, const uint8_t *data, uint32_t length)
{
    (void)slot;
    (void)offset;
    (void)data;
    (void)length;
    return -1;
}

#endif

uint32_t nsp_hal_record_pages(void) { return 0; }

const uint8_t *nsp_hal_record_data(uint32_t page)
{
    (void)page;
    return 0;
}

int nsp_hal_record_write(uint32_t page, const uint8_t *data, uint32_t length)
{
    (void)page;
    (void)data;
    (void)length;
    return -1;
}
