/*
 * committed.c - what every operation on committed pages asks first, and the step they share:
 * is every page of a range committed (and with which rights), how many are not present yet, and
 * faulting the demand-zero ones in, all or nothing.  Below lock.c and vm.c, which both build on
 * them (a lock, an alias, a protection change, a relocation), and above pte.c and pfn.c only.
 */
#include "mm/core/core.h"
#include "mm/core/pte_sw.h"

/* A 4 MiB page is not a committed 4 KiB page: it has no PTE for lock, protect, alias or
 * relocate to change (they would panic installing one), so those refuse it with MM_EINVAL;
 * a page without a table or not committed is MM_ENOENT; the first such page decides.  One
 * pass through the entries; *all (if given) gets the AND of them: PTE_P clear means some page
 * is still demand-zero, PTE_W / PTE_U clear that some page lacks that permission. */
mm_status core_check_committed(vaddr_t va, uint32_t npages, pte_t *all)
{
    pte_t and = ~0u;
    for_each_pte_span(s, va, npages) {
        if (!s.pt) return pde_large(s.pde) ? MM_EINVAL : MM_ENOENT;
        for (uint32_t i = 0; i < s.n; i++) {
            pte_t e = s.pt[i];
            if (!pte_is_committed(e)) return MM_ENOENT;
            and &= e;
        }
    }
    if (all) *all = and;
    return MM_OK;
}

/* A committed page's frame, faulting a demand-zero page in (the frame its charge holds) or
 * reading a swapped-out one back (the pager's hook).  A pageable page made present here gets A
 * set, as the access its caller is about to make would: the pager's clock passes over it once
 * before it may take it (mm/core/pager.c).  PFN_NONE when there is no frame or the read failed. */
static pfn_t make_present(vaddr_t va)
{
    pte_t e = pte_read(va);
    if (e & PTE_P) return pte_pfn(e);
    if (pte_is_swapped(e)) {
        if (!pfn_pagein_hook || !pfn_pagein_hook(va)) return PFN_NONE;
        return pte_pfn(pte_read(va));
    }
    pfn_t f = pfn_alloc(PFN_ALLOC_ZERO | (pte_is_charged(e) ? PFN_ALLOC_CHARGED : 0));
    if (f == PFN_NONE) return PFN_NONE;
    pte_t a = (e & PTE_SW_PAGEABLE) ? PTE_A | PTE_SW_PAGEABLE : 0;
    pte_install(va, pte_make(va, f, (e & (MM_PROT_MASK | MM_CACHE_MASK)) | a));
    return f;
}

uint32_t core_absent(vaddr_t va, uint32_t npages)
{
    uint32_t absent = 0;
    for_each_pte_span(s, va, npages) {
        if (!s.pt) absent += pde_large(s.pde) ? 0 : s.n;
        for (uint32_t i = 0; s.pt && i < s.n; i++) absent += !(s.pt[i] & PTE_P);
    }
    return absent;
}

/* All or nothing: MM_ENOMEM, with nothing changed, unless there is a frame for every page that
 * needs one (the range's tables exist: its pages are committed).  With the pager on, room is
 * made first (pages of other ranges written out, never this one's); a swapped-out page of the
 * range is read back, and a read the disk fails is MM_ENOMEM too - the pages already made
 * present stay so (present or not, each is the same committed page). */
static mm_status make_range_present(vaddr_t va, uint32_t npages, uint32_t need)
{
    if (pfn_count.free < need) {                  /* only when enough can leave: else nothing does */
        struct pfn_want w = { need, 1, 0, 0, PFN_NONE, false, true };
        if (!pfn_frees_hook || !pfn_frees_hook(&w)) return MM_ENOMEM;
    }
    pfn_make_room(need);
    if (need > pfn_count.free) return MM_ENOMEM;
    for (uint32_t i = 0; need && i < npages; i++)
        if (make_present(va + i * PAGE_SIZE) == PFN_NONE) {
            if (pfn_pagein_hook) return MM_ENOMEM;   /* a disk error (the pager reported it) */
            panic("core_make_present: a counted frame vanished");
        }
    return MM_OK;
}

/* The range itself is kept from the pager meanwhile (pfn_keep): room is made elsewhere. */
mm_status core_make_present(vaddr_t va, uint32_t npages)
{
    uint32_t need = core_absent(va, npages);
    if (!need) return MM_OK;
    mm_status st;
    CORE_KEEP(va, npages, st = make_range_present(va, npages, need));
    return st;
}
