/*
 * mm/vxd/paging.c - the VMM services that talk to the pager: _PageOutDirtyPages and
 * _PageDiscardPages (the Win95 DDK VMM reference), over mm_flush_dirty and mm_discard
 * (mm/core/pageout.c).  Contracts at each service and in mm/vxd/vxd.h.
 */
#include "mm/vxd/internal.h"

#define PODP_FLAGS (PAGEPDPSETBASE | PAGEPDPCLEARBASE | PAGEPDPQUERYDIRTY)
#define PDP_FLAGS  (PAGEDISCARD | PAGEZEROINIT)

/* Win95: writes up to nPages dirty pages to the swap file (the pageswap device's background
 * flush); PAGEPDPSETBASE / PAGEPDPCLEARBASE set and clear the point where the scan stops and
 * returns 0 ("the whole address space was scanned"); PAGEPDPQUERYDIRTY counts the dirty pages
 * and ignores nPages and the other flags.  Returns the count.
 * Ours: mm_flush_dirty - the pages stay present and become clean (D clear, a slot keeps their
 * copy, so a later page-out costs no write); locked and fixed pages are never written.  Any
 * other flag bit: 0, nothing done.  With the pager off (no swap device in use) there is nothing
 * to write to and nothing is dirty: 0. */
ULONG _PageOutDirtyPages(ULONG nPages, ULONG flags)
{
    if (flags & ~PODP_FLAGS) return 0;
    if (flags & PAGEPDPQUERYDIRTY) return mm_flush_dirty(0, MM_FLUSH_QUERY);
    return mm_flush_dirty(nPages, ((flags & PAGEPDPSETBASE) ? MM_FLUSH_SET_BASE : 0) |
                                      ((flags & PAGEPDPCLEARBASE) ? MM_FLUSH_CLEAR_BASE : 0));
}

/* Win95: marks the pages not recently accessed (likelier page-out candidates); with PAGEDISCARD
 * makes them not present at once, back to their virgin state, contents lost (PAGEZEROINIT:
 * zero on the next page-in, else undefined; ignored without PAGEDISCARD).  Pages not present
 * or locked are ignored; only demand-paged pages are affected; an uncommitted page is an error.
 * Returns nonzero, 0 on error.
 * Ours: mm_discard over a range inside one _PageReserve or _PageAllocate object, every page
 * committed; discarded pages always read back zero (the virgin state of PD_ZEROINIT and
 * PD_NOINIT memory alike), cost no write and give back their frame and slot.  A page that is
 * not pageable (fixed, locked), is locked now, swapped out or not yet touched is left alone.  VM: 0 or the system VM (the only one; there are no V86
 * addresses for it to qualify).  Other flag bits, a bad range or VM: 0, nothing changed.  With
 * the pager off no page is demand-paged: the checks, then nonzero and nothing changed. */
ULONG _PageDiscardPages(ULONG LinPgNum, ULONG VM, ULONG nPages, ULONG flags)
{
    vaddr_t va;
    if ((flags & ~PDP_FLAGS) || (VM && VM != vxd_sys_vm()) || !vxd_pages(LinPgNum, nPages, &va) ||
        !vxd_region_of(va, nPages, VXDK_SPARSE))
        return 0;
    return mm_discard(va, nPages, (flags & PAGEDISCARD) ? MM_DISCARD_CONTENTS : 0, NULL) == MM_OK;
}
