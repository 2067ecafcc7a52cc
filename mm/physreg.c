/*
 * physreg.c - frames kept across an unmap and a later map (added for the VxD personality's
 * free physical regions, API_REFERENCE A.6, but nothing here is VxD-specific).
 *
 * A page can give up its frame without the frame going back to the allocator: the frame is
 * *kept* (one hold, pfn.h), the PTE becomes 0 - no software encoding, so a page table whose last
 * present entry goes is freed as usual and a region of kept-out pages costs no table frame - and
 * a later call installs the kept frame somewhere else, dropping the hold.  In between the frame
 * is "in flight": not free, not mapped, referenced only by its hold (mm_check accepts that).
 * The caller decides which kept frames it may hand back; the core only insists that a frame it
 * maps this way is a used frame with a hold.
 *
 * Locks bind linear pages: a page whose frame is locked beyond the lock its own mapping holds
 * (MM_COMMIT_PIN) is never made not-present or given another frame (MM_EBUSY), whichever API
 * locked it.  Every PTE store goes through pte.h's transition helpers.
 */
#include "mm/core.h"

/* The counted, present PTE of a page callers may touch, or 0. */
static pte_t counted_present(vaddr_t va)
{
    if (!core_range_mappable(va, 1)) return 0;
    pte_t e = pte_read(va);
    return ((e & PTE_P) && !(e & PTE_SW_RAW)) ? e : 0;
}

static bool locked_beyond_own(pte_t e)
{
    struct pfn *r = pfn_get(pte_pfn(e));
    return r && pfn_extra_locks(pte_pfn(e)) > 0;
}

static bool kept(pfn_t f)
{
    struct pfn *r = pfn_get(f);
    return r && r->state == PFN_USED && r->hold_count;
}

static void unkeep(pfn_t f)
{
    pfn_db[f].hold_count--;
    pfn_release_if_unused(f);
}

/*
 * mm_unmap_keep: a present, counted page becomes not present (PTE 0); its frame is kept and
 * returned in *pfn.  MM_EINVAL: not a mappable range, or not a present counted mapping (a raw
 * mapping has no frame of ours to keep); MM_EBUSY: the frame is locked beyond its own pin.
 */
mm_status mm_unmap_keep(vaddr_t va, pfn_t *pfn)
{
    pte_t e = counted_present(va);
    if (!e) return MM_EINVAL;
    if (locked_beyond_own(e)) return MM_EBUSY;
    pfn_t f = pte_pfn(e);
    pfn_hold(f);                                  /* before the clear drops the mapping's reference */
    pte_clear(va, 0);
    *pfn = f;
    return MM_OK;
}

/*
 * mm_map_kept: installs a kept frame at an uncommitted page with prot (MM_PROT_*, MM_CACHE_*)
 * and drops one hold.  MM_EINVAL: bad range or prot, or pfn is not a kept frame; MM_EEXIST: the
 * page is committed; MM_ENOMEM: no frame for the page table (nothing changed, pfn still kept).
 */
mm_status mm_map_kept(vaddr_t va, pfn_t pfn, uint32_t prot)
{
    if (!core_range_mappable(va, 1) || (prot & ~(MM_PROT_MASK | MM_CACHE_MASK)) || !kept(pfn))
        return MM_EINVAL;
    if (pte_is_committed(pte_read(va))) return MM_EEXIST;
    if (!pte_ensure(va)) return MM_ENOMEM;
    pte_install(va, pte_make(va, pfn, prot));
    unkeep(pfn);
    return MM_OK;
}

/*
 * mm_swap_kept: a present, counted page gets the kept frame pfn instead of its own (same
 * protection and pin); its old frame is kept and returned in *old.  One flushed store, so the
 * page is never seen without a frame.  Errors as above; MM_EINVAL also when pfn is the page's
 * own frame.
 */
mm_status mm_swap_kept(vaddr_t va, pfn_t pfn, pfn_t *old)
{
    pte_t e = counted_present(va);
    if (!e || !kept(pfn) || pte_pfn(e) == pfn) return MM_EINVAL;
    if (locked_beyond_own(e)) return MM_EBUSY;
    pfn_t f = pte_pfn(e);
    pfn_hold(f);
    pte_remap(va, pte_make(va, pfn, e & (MM_PROT_MASK | MM_CACHE_MASK | PTE_SW_PIN)));
    unkeep(pfn);
    *old = f;
    return MM_OK;
}
