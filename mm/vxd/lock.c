/*
 * mm/vxd/lock.c - _LinPageLock and _LinPageUnLock (the Win95 DDK VMM reference).
 *
 * A lock belongs to the linear page it was taken through (the core's linear locks, mm/core/lock.c):
 * a page locked twice needs two unlocks, and while it is locked its frame never moves or leaves
 * memory, whichever API looks at it.  The locks die with the page: _PageFree of a locked block
 * is not an error (A.3).  PAGEMAPGLOBAL adds a second mapping of the same frames in the system
 * arena, so the pages can be reached from any address space; that alias is a region of its own
 * (kind ALIAS) whose core lock record (data[2]) holds one lock on each frame, and it is released
 * only by _LinPageUnLock(alias page, npages, PAGEMAPGLOBAL).
 *
 * An unlock can only take the locks of the page it names: never a fixed commit's pin, another
 * API's lock (a DevHelp handle, an MDL) or an alias's lock - PL_TOTALUNLOCK included.
 */
#include "mm/vxd/internal.h"

#define LOCK_FLAGS   (PAGELOCKEDIFDP | PAGEMAPGLOBAL | PAGEMARKDIRTY)
#define UNLOCK_FLAGS (PAGELOCKEDIFDP | PAGEMAPGLOBAL | PL_TOTALUNLOCK | PAGEMARKPAGEOUT)

static bool in_alias(vaddr_t va)
{
    struct region *r = mm_region_find(va);
    return r && r->owner == OWNER_VXD && r->kind == VXD_ALIAS;
}

/* Lock and unlock work inside one region (any personality's). */
static bool one_region(vaddr_t va, uint32_t npages)
{
    struct region *r = mm_region_find(va);
    return r && mm_region_contains(r, va, npages);
}

/* Every page committed, all inside one region (what mm_lock would accept). */
static bool committed_range(vaddr_t va, uint32_t npages)
{
    for (uint32_t i = 0; i < npages; i++) {
        struct mm_page_info pi;
        mm_page_info(va + i * PAGE_SIZE, &pi);
        if (pi.state != PAGE_COMMITTED) return false;
    }
    return true;
}

/* Locked pages are present now: the alias is writable only if every page is. */
static uint32_t alias_prot(vaddr_t va, uint32_t npages)
{
    for (uint32_t i = 0; i < npages; i++) {
        struct mm_page_info pi;
        mm_page_info(va + i * PAGE_SIZE, &pi);
        if (!(pi.prot & MM_PROT_WRITE)) return 0;
    }
    return MM_PROT_WRITE;
}

static ULONG lock_global(vaddr_t va, uint32_t npages, uint32_t lf)
{
    struct region *a = vxd_reserve(ARENA_SYSTEM, 0, npages, 1, VXD_ALIAS);
    mm_lock_t rec;
    if (!a) return 0;
    if (mm_lock_record(va, npages, lf, NULL, &rec) != MM_OK) goto fail_region;
    if (mm_alias(a->base, va, npages, alias_prot(va, npages)) != MM_OK) goto fail_record;
    a->data[0] = va;
    a->data[2] = (uint32_t)rec;
    return a->base;

fail_record:
    mm_unlock_record(rec);
fail_region:
    mm_release(a);
    return 0;
}

/*
 * _LinPageLock: every page committed, inside one region (any personality's: locks are shared).
 * flags: PAGEMARKDIRTY (pages marked dirty), PAGEMAPGLOBAL (also map the frames at a new
 * system-arena address and return it, page-aligned), PAGELOCKEDIFDP (no DOS paging here: the
 * range is checked, nothing is locked).  PAGEMAPGLOBAL with PAGELOCKEDIFDP, other bits, or a
 * range inside a PAGEMAPGLOBAL alias: failure.  Each page becomes present and its lock count
 * goes up by one.  Returns 1 (or the alias address with PAGEMAPGLOBAL), 0 on failure with
 * nothing locked.
 * Ours, paging: a page in swap is read back first (a demand-zero one gets its frame), then
 * locked: while locked the pager never takes it.  A read the swap disk fails is a failure (0):
 * the pages read back so far stay present (they are the same committed pages), nothing is
 * locked.
 */
ULONG _LinPageLock(ULONG page, ULONG npages, ULONG flags)
{
    vaddr_t va;
    if ((flags & ~LOCK_FLAGS) || ((flags & PAGEMAPGLOBAL) && (flags & PAGELOCKEDIFDP)) ||
        !vxd_pages(page, npages, &va) || !one_region(va, npages) || in_alias(va))
        return 0;
    if (flags & PAGELOCKEDIFDP) return committed_range(va, npages);
    uint32_t lf = (flags & PAGEMARKDIRTY) ? MM_LOCK_DIRTY : 0;
    if (flags & PAGEMAPGLOBAL) return lock_global(va, npages, lf);
    return mm_lock(va, npages, lf, NULL) == MM_OK;
}

/* Releases a PAGEMAPGLOBAL alias: exactly the alias's pages.  Its mapping goes, then its lock
 * record: a frame whose source was freed meanwhile goes back to the free list then, unless
 * another owner (a VMLock, an MDL) still locks it. */
static ULONG unlock_global(vaddr_t va, uint32_t npages)
{
    struct region *a = vxd_region_of(va, npages, VXDK(VXD_ALIAS));
    if (!a || a->base != va || a->npages != npages) return 0;
    mm_lock_t rec = (mm_lock_t)a->data[2];
    mm_release(a);
    mm_unlock_record(rec);
    return 1;
}

/*
 * _LinPageUnLock: undoes one _LinPageLock per page.  flags: 0; PAGEMAPGLOBAL (page/npages
 * must be exactly an alias _LinPageLock returned: its lock goes and the alias is unmapped);
 * PAGELOCKEDIFDP (nothing was locked: the range is checked); PAGEMARKPAGEOUT (accepted; the
 * pager's clock decides what leaves, as it does for any unlocked page); PL_TOTALUNLOCK (our value 0x00080000: every _LinPageLock of each page goes at once, as
 * Win9x's per-page count - but only those: a fixed commit's own lock, a VMLock handle's, an
 * MDL's and a PAGEMAPGLOBAL alias's belong to their owners and stay).
 * Returns 1, or 0 on bad input, a range inside an alias without PAGEMAPGLOBAL, or when any page
 * has no _LinPageLock of its own (then nothing changes).  A page locked only through an alias
 * is released only through the alias.
 */
ULONG _LinPageUnLock(ULONG page, ULONG npages, ULONG flags)
{
    vaddr_t va;
    if ((flags & ~UNLOCK_FLAGS) || ((flags & PAGEMAPGLOBAL) && (flags & (PAGELOCKEDIFDP | PL_TOTALUNLOCK))) ||
        !vxd_pages(page, npages, &va))
        return 0;
    if (flags & PAGEMAPGLOBAL) return unlock_global(va, npages);
    if (!one_region(va, npages) || in_alias(va)) return 0;
    if (flags & PAGELOCKEDIFDP) return committed_range(va, npages);
    return ((flags & PL_TOTALUNLOCK) ? mm_unlock_total(va, npages) : mm_unlock(va, npages)) == MM_OK;
}
