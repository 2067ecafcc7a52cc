/*
 * vxd_lock.c - _LinPageLock and _LinPageUnLock (API_REFERENCE A.5).
 *
 * A lock is a count on the frame, kept by the core and shared by every API: a page locked
 * twice needs two unlocks, and while it is locked no API may decommit or free it
 * (vxd_alloc.c, vxd_sparse.c) or move it (_XchgFreePhysReg).  PAGEMAPGLOBAL adds a second
 * mapping of the same frames in the system arena, so the pages can be reached from any
 * address space; that alias is a region of its own (kind ALIAS, data[0] = the source address,
 * data[1] = the source's address space for a private source) holding one lock on each frame,
 * and it is released only by _LinPageUnLock(alias page, npages, PAGEMAPGLOBAL).
 *
 * Counts carry no owner, so an unlock must not take a lock that is not its to take: a frame's
 * lock from its own fixed commit (PTE_SW_PIN) is never dropped through an alias, and
 * PL_TOTALUNLOCK leaves the locks of PAGEMAPGLOBAL aliases alone.  An unbalanced unlock by a
 * caller therefore costs at most that caller's own lock, never the core's bookkeeping.
 */
#include "mm/vxd_internal.h"

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
    if (!a) return 0;
    if (mm_lock(va, npages, lf, NULL) != MM_OK) {
        mm_release(a);
        return 0;
    }
    if (mm_alias(a->base, va, npages, alias_prot(va, npages)) != MM_OK) {
        mm_unlock(va, npages);
        mm_release(a);
        return 0;
    }
    a->data[0] = va;
    a->data[1] = va < SHARED_START ? (uint32_t)as_current() : 0;
    return a->base;
}

static pfn_t frame_of(uint32_t e) { return (e & PTE_P) ? e >> PAGE_SHIFT : PFN_NONE; }

/* 1 if page i of alias a's source still maps frame f with its own pin (a lock that is not the
 * alias's), else 0.  The source's address space is looked up, not trusted: it may be gone. */
static uint32_t source_pin(const struct region *a, uint32_t i, pfn_t f)
{
    vaddr_t src = a->data[0] + i * PAGE_SIZE;
    uint32_t e = 0;
    if (a->data[1]) {
        struct as *s = as_kernel();
        while (s && (uint32_t)s != a->data[1]) s = s->next;
        if (!s) return 0;
        e = as_read_pte(s, src);
    } else if (!mm_read_pte(src, &e)) {
        return 0;
    }
    return frame_of(e) == f && (e & PTE_SW_PIN) ? 1 : 0;
}

/* Is there any PAGEMAPGLOBAL alias at all (one pass over the global regions)? */
static bool any_alias(void)
{
    for (struct region *r = mm_region_next_global(NULL); r; r = mm_region_next_global(r))
        if (r->owner == OWNER_VXD && r->kind == VXD_ALIAS) return true;
    return false;
}

/* Locks on frame f held by PAGEMAPGLOBAL aliases (one per alias page that maps it). */
static uint32_t alias_locks(pfn_t f)
{
    uint32_t n = 0, e;
    for (struct region *r = mm_region_next_global(NULL); r; r = mm_region_next_global(r)) {
        if (r->owner != OWNER_VXD || r->kind != VXD_ALIAS) continue;
        for (uint32_t i = 0; i < r->npages; i++)
            if (mm_read_pte(r->base + i * PAGE_SIZE, &e) && frame_of(e) == f) n++;
    }
    return n;
}

/*
 * _LinPageLock: every page committed, inside one region (any personality's: locks are shared).
 * flags: PAGEMARKDIRTY (pages marked dirty), PAGEMAPGLOBAL (also map the frames at a new
 * system-arena address and return it, page-aligned), PAGELOCKEDIFDP (no DOS paging here: the
 * range is checked, nothing is locked).  PAGEMAPGLOBAL with PAGELOCKEDIFDP, other bits, or a
 * range inside a PAGEMAPGLOBAL alias: failure.  Each page becomes present and its lock count
 * goes up by one.  Returns 1 (or the alias address with PAGEMAPGLOBAL), 0 on failure with
 * nothing locked.
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

/* Releases a PAGEMAPGLOBAL alias: exactly the alias's pages.  Each frame loses the alias's
 * lock - unless an unbalanced unlock or PL_TOTALUNLOCK took it already (then only a pin is
 * left, and pins are not ours).  The release is refused when the alias is the last mapping of a
 * frame that someone else has locked too (the source was freed, and a VMLock or an MDL holds the
 * frame through the alias): then the alias's locks are put back, so the failed call changes
 * nothing and a later one, after the other lock is gone, releases it (found by the randomized
 * stress, issue 10: the locks used to be gone with the alias still there). */
static ULONG unlock_global(vaddr_t va, uint32_t npages)
{
    struct region *a = vxd_region_of(va, npages, VXDK(VXD_ALIAS));
    if (!a || a->base != va || a->npages != npages) return 0;
    uint32_t *took = kzalloc(((npages + 31) / 32) * sizeof(uint32_t));
    if (!took) return 0;
    for (uint32_t i = 0; i < npages; i++) {
        struct mm_page_info pi;
        mm_page_info(va + i * PAGE_SIZE, &pi);
        if (pi.present && pi.locks > source_pin(a, i, pi.pfn) && mm_unlock(va + i * PAGE_SIZE, 1) == MM_OK)
            took[i / 32] |= 1u << (i % 32);
    }
    bool ok = mm_release(a) == MM_OK;
    for (uint32_t i = 0; !ok && i < npages; i++)
        if (took[i / 32] & (1u << (i % 32))) mm_lock(va + i * PAGE_SIZE, 1, 0, NULL);
    kfree(took);
    return ok;
}

/* Locks on the page an unlock may take: beyond the lock its own fixed commit holds and those
 * of PAGEMAPGLOBAL aliases (which go with their alias).  I/O space has no count: always 1. */
static uint32_t unlockable(vaddr_t va)
{
    struct mm_page_info pi;
    uint32_t e = 0;
    mm_page_info(va, &pi);
    if (!pi.present || !mm_read_pte(va, &e)) return 0;
    if (!mm_frame_is_ram(pi.pfn)) return 1;
    /* The frame's pins, not this mapping's pin bit: through an alias of a fixed page (a
     * VMGlobalToProcess view, say) the page has a pin that the alias's PTE does not show, and
     * counting it as a lock made _LinPageUnLock report success while the core unlocked nothing
     * (found by the randomized stress, issue 10). */
    uint32_t floor = pi.pins + alias_locks(pi.pfn);
    return pi.locks > floor ? pi.locks - floor : 0;
}

/*
 * _LinPageUnLock: undoes one _LinPageLock per page.  flags: 0; PAGEMAPGLOBAL (page/npages
 * must be exactly an alias _LinPageLock returned: its lock goes and the alias is unmapped);
 * PAGELOCKEDIFDP (nothing was locked: the range is checked); PAGEMARKPAGEOUT (accepted: no
 * pager); PL_TOTALUNLOCK (our value 0x00080000: the count of each page is forced down, whichever
 * API locked it - as Win9x's per-page count - except the lock its own fixed commit holds and
 * those of PAGEMAPGLOBAL aliases, which go with their alias).
 * Returns 1, or 0 on bad input, a range inside an alias without PAGEMAPGLOBAL, or when any page
 * is not locked (then nothing changes).  "Locked" here means locked beyond the page's own fixed
 * commit and beyond its PAGEMAPGLOBAL aliases: a page locked only through an alias is released
 * only through the alias.  Cost: linear in the pages of outstanding aliases, per page.
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
    /* The common case in one core call: no PAGEMAPGLOBAL alias anywhere (so no page has alias
     * locks to spare) and one unlock per page.  mm_unlock then does what the loops below do,
     * page by page in the same order; when some page cannot be unlocked it changes nothing,
     * and the loops give the answer (0, or 1 after the partial unlock they allow when a frame
     * repeats in the range). */
    if (!(flags & PL_TOTALUNLOCK) && !any_alias() && mm_unlock(va, npages) == MM_OK) return 1;
    for (uint32_t i = 0; i < npages; i++)
        if (!unlockable(va + i * PAGE_SIZE)) return 0;
    for (uint32_t i = 0; i < npages; i++) {
        vaddr_t v = va + i * PAGE_SIZE;
        for (uint32_t n = (flags & PL_TOTALUNLOCK) ? unlockable(v) : 1; n; n--) mm_unlock(v, 1);
    }
    return 1;
}
