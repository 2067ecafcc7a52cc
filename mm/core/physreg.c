/*
 * physreg.c - frames kept across an unmap and a later map (added for the VxD personality's
 * free physical regions, the Win95 DDK VMM reference, but nothing here is VxD-specific).
 *
 * A page can give up its frame without the frame going back to the allocator: the frame is
 * *kept* (one hold, pfn.h), the PTE becomes 0 - no software encoding, so a page table whose last
 * present entry goes is freed as usual and a region of kept-out pages costs no table frame - and
 * a later call installs the kept frame somewhere else, dropping the hold.  In between the frame
 * is "in flight": not free, not mapped, referenced only by its hold (mm_check accepts that).
 *
 * Which frames may leave a page (frame_movable): only one nothing else knows about - used RAM
 * with no lock, no pin, no hold and exactly one mapping, the page's own.  A lock is a promise to
 * a DMA engine or to another API that the frame stays where it is; a pin is fixed memory
 * (PAGEFIXED, VMDHA_FIXED), which never moves; a hold is an owner without a mapping; a second
 * mapping would go on showing the frame after it was handed on.  Whichever API locked, pinned,
 * held or aliased it, such a page is never made not present or given another frame here
 * (MM_EBUSY).
 *
 * Which frames may be put into a page (frame_insertable): a frame the caller kept here
 * (MM_INSERT_KEPT: its hold is dropped), or a frame it owns (MM_INSERT_OWNED: it gets one more
 * mapping; whatever else references it keeps doing so).  The core cannot tell owners of used
 * frames apart, so "owns" is the caller's word for a used frame; what it can tell is refused:
 * free RAM (the allocator could hand it out under the mapping), page tables and directories, the
 * PFN database and the pool (SYSTEM), reserved frames - the first MiB, the kernel image, boot and
 * Multiboot data - and anything that is not RAM (MM_EACCES); and a locked or pinned frame
 * (MM_EBUSY): the page would be one a free-physical-region owner reuses, and the lock's or the
 * fixed commit's owner relies on nobody reusing it.  Every PTE store goes through pte.h's
 * transition helpers.
 */
#include "mm/core/core.h"
#include "mm/core/pte_sw.h"

/* The counted, present PTE of a page callers may touch, or 0. */
static pte_t counted_present(vaddr_t va)
{
    if (!core_range_mappable(va, 1)) return 0;
    pte_t e = pte_read(va);
    return ((e & PTE_P) && !(e & PTE_SW_RAW)) ? e : 0;
}

/* May the frame behind this present entry leave it?  The core's one movability predicate
 * (pfn_movable, pfn.h), for a counted mapping.  See the top. */
static bool frame_movable(pte_t e)
{
    return (e & PTE_P) && !(e & PTE_SW_RAW) && pfn_movable(pte_pfn(e));
}

/* May pfn be put into a page, as `how` says?  MM_OK, or why not (see the top). */
static mm_status frame_insertable(pfn_t f, enum mm_insert how)
{
    struct pfn *r = pfn_get(f);
    if (!r || r->state != PFN_USED) return MM_EACCES;
    if (r->lock_count || r->pins) return MM_EBUSY;
    if (how == MM_INSERT_KEPT) return r->hold_count && !r->map_count ? MM_OK : MM_EINVAL;
    if (how != MM_INSERT_OWNED) return MM_EINVAL;
    return r->map_count < PFN_COUNT_MAX ? MM_OK : MM_ELIMIT;
}

/* The inserted frame's hold goes when it was a kept frame (it is mapped now, or again). */
static void inserted(pfn_t f, enum mm_insert how)
{
    if (how != MM_INSERT_KEPT) return;
    pfn_db[f].hold_count--;
    pfn_release_if_unused(f);
}

/*
 * mm_unmap_keep: a present, counted page becomes not present (PTE 0); its frame is kept and
 * returned in *pfn.  MM_EINVAL: not a mappable range, or not a present counted mapping (a raw
 * mapping has no frame of ours to keep); MM_EBUSY: the frame is not movable (see the top).
 */
mm_status mm_unmap_keep(vaddr_t va, pfn_t *pfn)
{
    pte_t e = counted_present(va);
    if (!e) return MM_EINVAL;
    if (!frame_movable(e)) return MM_EBUSY;
    pfn_t f = pte_pfn(e);
    pfn_hold(f);                                  /* before the clear drops the mapping's reference */
    pte_clear(va, 0);
    *pfn = f;
    return MM_OK;
}

/*
 * mm_insert_frame: installs pfn at an uncommitted page with prot (MM_PROT_*, MM_CACHE_*), as
 * `how` says (see the top).  MM_EINVAL: bad range, prot or how, or MM_INSERT_KEPT of a frame that
 * is not kept; MM_EACCES / MM_EBUSY: a frame that may not be inserted; MM_EEXIST: the page is
 * committed; MM_ENOMEM: no frame for the page table.  Nothing changes on an error.
 */
mm_status mm_insert_frame(vaddr_t va, pfn_t pfn, uint32_t prot, enum mm_insert how)
{
    if (!core_range_mappable(va, 1) || (prot & ~(MM_PROT_MASK | MM_CACHE_MASK))) return MM_EINVAL;
    pte_room_for_tables(va, 1);                    /* before the frame is judged (pte.h) */
    mm_status st = frame_insertable(pfn, how);
    if (st != MM_OK) return st;
    if (pte_is_committed(pte_read(va))) return MM_EEXIST;
    if (!pte_ensure(va)) return MM_ENOMEM;
    pte_install(va, pte_make(va, pfn, prot));
    inserted(pfn, how);
    return MM_OK;
}

/*
 * mm_exchange_frame: a present, counted page whose frame is movable gets pfn instead (same
 * protection), as `how` says; its old frame is kept and returned in *old.  One flushed store, so
 * the page is never seen without a frame.  MM_EINVAL: not a present counted page, bad how, pfn
 * is the page's own frame, or MM_INSERT_KEPT of a frame that is not kept; MM_EBUSY: the page's
 * frame is not movable, or pfn is locked or pinned; MM_EACCES: pfn may not be inserted.
 */
mm_status mm_exchange_frame(vaddr_t va, pfn_t pfn, enum mm_insert how, pfn_t *old)
{
    pte_t e = counted_present(va);
    if (!e || pte_pfn(e) == pfn) return MM_EINVAL;
    if (!frame_movable(e)) return MM_EBUSY;
    mm_status st = frame_insertable(pfn, how);
    if (st != MM_OK) return st;
    pfn_t f = pte_pfn(e);
    pfn_hold(f);
    pte_remap(va, pte_make(va, pfn, e & (MM_PROT_MASK | MM_CACHE_MASK)));
    inserted(pfn, how);
    *old = f;
    return MM_OK;
}

/*
 * mm_unmap_movable: every page of [va, va + npages) is present, counted and movable - else
 * nothing changes: MM_EINVAL for a bad range, MM_ENOENT for a page that is not present (or a
 * raw mapping), MM_EBUSY for a frame that may not leave its page - and then every page is
 * decommitted, its frame freed.
 */
mm_status mm_unmap_movable(vaddr_t va, uint32_t npages)
{
    if (!core_range_mappable(va, npages)) return MM_EINVAL;
    for (uint32_t i = 0; i < npages; i++) {
        pte_t e = pte_read(va + i * PAGE_SIZE);
        if (!(e & PTE_P) || (e & PTE_SW_RAW)) return MM_ENOENT;
        if (!frame_movable(e)) return MM_EBUSY;
    }
    return mm_decommit(va, npages);
}
