/*
 * slot.h - the swap-slot bitmap (mm/core/slot.c).  Slots are numbered 1 .. slot_count(), as the
 * swap device numbers them (drivers/swapdev.h); 0 is "no slot".  At most SLOT_MAX are used
 * (256 MiB of swap): a frame's record keeps a clean page's slot in 16 bits (pfn.h).
 */
#ifndef MM_CORE_SLOT_H
#define MM_CORE_SLOT_H
#ifndef MM_CORE_PRIVATE
#error "a core-private header: outside mm/core/ (and tests/), include mm/mm.h"
#endif
#include "kernel/kernel.h"

#define SLOT_MAX 0xFFFFu
void slot_setup(uint32_t n);        /* n slots (capped at SLOT_MAX), all free: the pager turned on */
uint32_t slot_alloc(void);          /* the lowest free good slot from the hint on, 0 when none */
void slot_free(uint32_t s);         /* panics unless s is in use: a double free is a core bug */
void slot_mark_bad(uint32_t s);     /* the disk failed a write: never handed out again */
bool slot_in_use(uint32_t s);
uint32_t slot_count(void);
uint32_t slot_used(void);
uint32_t slot_bad_count(void);
#endif
