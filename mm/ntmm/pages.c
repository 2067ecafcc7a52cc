/*
 * mm/ntmm/pages.c - physical pages for an MDL: MmAllocatePagesForMdl(Ex), MmFreePagesFromMdl.
 *
 * The pages are fresh frames owned by one core lock record and mapped nowhere
 * (mm_alloc_locked_frames, mm/core/owned.c): locked for every API, never moved, freed when the
 * record is released - each frame at once, or, when a mapping still shows it (a user-mode
 * mapping, a partial MDL's), when that mapping goes.  The MDL is pool (ExAllocatePoolWithTag,
 * tag 'Mdl '), and a list of the MDLs made here - each with its lock record and cache type - is
 * the authority: MmFreePagesFromMdl frees only what an MDL of that list owns, whatever a caller
 * wrote into its PFN array since.
 */
#include "mm/ntmm/ntmm.h"

#define TAG_PAGES_MDL 0x206C644Du          /* 'Mdl ' */
#define ALLOWED_FLAGS (MM_DONT_ZERO_ALLOCATION | MM_ALLOCATE_FROM_LOCAL_NODE_ONLY | MM_ALLOCATE_FULLY_REQUIRED | \
                       MM_ALLOCATE_NO_WAIT | MM_ALLOCATE_PREFER_CONTIGUOUS | MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS)

struct pmdl {
    PMDL mdl;
    mm_lock_t rec;
    int cache;                             /* the Ex call's cache type; -1: none fixed */
    struct pmdl *next;
};
static struct pmdl *pmdls;

static struct pmdl **find(PMDL mdl)
{
    struct pmdl **pp = &pmdls;
    while (*pp && (*pp)->mdl != mdl) pp = &(*pp)->next;
    return pp;
}

MEMORY_CACHING_TYPE ntmm_pages_cache(PMDL mdl, MEMORY_CACHING_TYPE asked)
{
    struct pmdl *p = *find(mdl);
    return p && p->cache >= 0 ? (MEMORY_CACHING_TYPE)p->cache : asked;
}

static PMDL allocate(PHYSICAL_ADDRESS low, PHYSICAL_ADDRESS high, PHYSICAL_ADDRESS skip, SIZE_T total, int cache,
                     ULONG flags)
{
    if (flags & ~ALLOWED_FLAGS) return NULL;
    if (!total || (skip.LowPart & PAGE_MASK)) return NULL;
    uint64_t lo = (uint64_t)low.QuadPart >> PAGE_SHIFT, hi = (uint64_t)high.QuadPart >> PAGE_SHIFT;
    uint64_t sk = (uint64_t)skip.QuadPart >> PAGE_SHIFT;     /* all three unsigned, as NT reads them */
    if (hi > 0xFFFFFu) hi = 0xFFFFFu;                       /* non-PAE: frames below 4 GiB */
    if (lo > hi) return NULL;
    if (sk > 0xFFFFFu) sk = 0;                               /* the next range is beyond 4 GiB */
    uint64_t want = ((uint64_t)total + PAGE_MASK) >> PAGE_SHIFT;
    bool capped = want > NTMM_MDL_MAX_PAGES;
    uint32_t pages = capped ? NTMM_MDL_MAX_PAGES : (uint32_t)want, run = 1;
    if (flags & MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS) {
        run = (uint32_t)sk;                                  /* SkipBytes is the chunk size */
        if (!run || (run & (run - 1)) || pages % run) return NULL;
        sk = 0;
    }
    if (capped && (flags & MM_ALLOCATE_FULLY_REQUIRED)) return NULL;
    struct pmdl *p = kmalloc(sizeof *p);
    PMDL mdl = p ? ExAllocatePoolWithTag(NonPagedPool, sizeof(MDL) + pages * sizeof(PFN_NUMBER), TAG_PAGES_MDL) : NULL;
    if (!mdl) goto fail_record;
    struct mm_frame_req req = { (pfn_t)lo, (pfn_t)hi + 1, 1, 0 };
    mm_lock_t rec;
    uint32_t got = mm_alloc_locked_frames(pages, run, &req, (pfn_t)sk, flags & MM_ALLOCATE_FULLY_REQUIRED,
                                          MmGetMdlPfnArray(mdl), &rec);
    if (!got) goto fail_mdl;
    MmInitializeMdl(mdl, NULL, got == want ? total : got << PAGE_SHIFT);
    mdl->Size = (CSHORT)(sizeof(MDL) + pages * sizeof(PFN_NUMBER));
    for (uint32_t i = got; i < pages; i++) MmGetMdlPfnArray(mdl)[i] = LIST_HEAD_PFN;
    mdl->MdlFlags = MDL_PAGES_LOCKED;
    *p = (struct pmdl){ mdl, rec, cache, pmdls };
    pmdls = p;
    return mdl;
fail_mdl:
    ExFreePool(mdl);
fail_record:
    kfree(p);
    return NULL;
}

/*
 * MmAllocatePagesForMdlEx - up to TotalBytes of physical pages in [LowAddress, HighAddress],
 * then [Low + Skip, High + Skip], ... described by a new MDL; the pages are not mapped.
 * NT: NULL when no page at all could be had; otherwise an MDL whose ByteCount says how much was
 *   (fewer pages than asked is success: check ByteCount); StartVa NULL, ByteOffset 0, so
 *   MmGetMdlVirtualAddress is NULL; MDL_PAGES_LOCKED, so MmMapLockedPagesSpecifyCache maps it;
 *   zeroed unless MM_DONT_ZERO_ALLOCATION; SkipBytes a multiple of PAGE_SIZE, 0 = one range only.
 *   NT 5.2 takes only DONT_ZERO and FROM_LOCAL_NODE_ONLY (ReactOS: anything else -> NULL); Windows 7
 *   adds FULLY_REQUIRED (all or NULL), NO_WAIT, PREFER_CONTIGUOUS and REQUIRE_CONTIGUOUS_CHUNKS.
 *   CacheType is recorded for the pages: every mapping of them uses it (NT's PFN cache attribute
 *   overrides what MmMapLockedPagesSpecifyCache asks).  Free: MmFreePagesFromMdl, then ExFreePool.
 * Ours, the choices:
 *   - the Windows 7 flags are honoured: FULLY_REQUIRED is all or nothing (nothing changes on
 *     NULL); REQUIRE_CONTIGUOUS_CHUNKS makes SkipBytes the chunk size - a power of two of pages,
 *     dividing the request - each chunk physically contiguous and aligned to its size, from
 *     [Low, High] only; NO_WAIT, PREFER_CONTIGUOUS and FROM_LOCAL_NODE_ONLY are accepted hints
 *     (one node, nothing to wait for).  Any other flag bit -> NULL;
 *   - the pages are always zeroed: MM_DONT_ZERO_ALLOCATION is accepted and ignored (the core
 *     zeroes every frame it hands out, so no frame shows its previous owner's data);
 *   - one MDL's Size is 16 bits, so a request above NTMM_MDL_MAX_PAGES (16,376 pages, just under
 *     64 MiB) is cut to that many (NULL with FULLY_REQUIRED), as NT cuts the MDL it can allocate;
 *   - ByteCount = TotalBytes when every page was had, else pages << PAGE_SHIFT; the PFN entries
 *     past the pages had are LIST_HEAD;
 *   - HighAddress -1 or above 4 GiB means "any frame" (non-PAE); SkipBytes with a byte offset, a
 *     negative address, Low > High, TotalBytes 0 or a CacheType outside [0, 6) -> NULL;
 *   - frames the commit charge holds are never taken: "all there is" is mm_available_frames().
 */
PMDL MmAllocatePagesForMdlEx(PHYSICAL_ADDRESS low, PHYSICAL_ADDRESS high, PHYSICAL_ADDRESS skip, SIZE_T total,
                             MEMORY_CACHING_TYPE cache, ULONG flags)
{
    if ((int)cache < 0 || cache >= MmMaximumCacheType) return NULL;
    return allocate(low, high, skip, total, (int)cache, flags);
}

/* NT: the Ex form with no cache type fixed (MiNotMapped: each mapping says) and no flags. */
PMDL MmAllocatePagesForMdl(PHYSICAL_ADDRESS low, PHYSICAL_ADDRESS high, PHYSICAL_ADDRESS skip, SIZE_T total)
{
    return allocate(low, high, skip, total, -1, 0);
}

/* The pages go: a system mapping of the MDL first (as MmUnlockPages does), then the record. */
static void release(struct pmdl **pp)
{
    struct pmdl *p = *pp;
    PMDL mdl = p->mdl;
    if (mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) MmUnmapLockedPages(mdl->MappedSystemVa, mdl);
    uint32_t n = mm_lock_record_size(p->rec);
    mm_unlock_record(p->rec);
    if (ntmm_mdl_fits(mdl))
        for (uint32_t i = 0; i < n && i < ntmm_mdl_pages(mdl); i++) MmGetMdlPfnArray(mdl)[i] = LIST_HEAD_PFN;
    mdl->MdlFlags &= ~MDL_PAGES_LOCKED;
    *pp = p->next;
    kfree(p);
}

/*
 * MmFreePagesFromMdl - free the pages MmAllocatePagesForMdl(Ex) put into the MDL (not the MDL).
 * NT: the caller unmaps first; each page is freed, MDL_PAGES_LOCKED cleared (ReactOS: each PFN
 *   entry becomes LIST_HEAD; an entry whose page was not allocated so bug checks
 *   MEMORY_MANAGEMENT 0x1236).  A mapping left in place keeps pointing at freed pages.
 * Ours - what happens to an MDL freed while still mapped:
 *   - a system mapping made by MmMapLockedPagesSpecifyCache(KernelMode) is removed first (as
 *     MmUnlockPages does), so no system address is left on freed pages;
 *   - a user-mode mapping, a partial MDL's mapping or a reserved mapping keeps its pages: each
 *     holds a counted reference, and the page is freed when that mapping goes (MmUnmapLockedPages,
 *     MmUnmapReservedMapping, the process's end) - never reused under it;
 *   - the pages freed are the ones this MDL's lock record holds, whatever its PFN array says now;
 *     each PFN entry becomes LIST_HEAD and MDL_PAGES_LOCKED is cleared;
 *   - an MDL this service did not allocate, or whose pages were freed already, is reported as
 *     MEMORY_MANAGEMENT (0x1A: 0x1236, mdl, 0, 0) through the non-halting KeBugCheckEx and left
 *     unchanged.
 * ExFreePool of the MDL while its pages are still allocated frees them first, the same way.
 */
VOID MmFreePagesFromMdl(PMDL mdl)
{
    struct pmdl **pp = find(mdl);
    if (!*pp) {
        KeBugCheckEx(MEMORY_MANAGEMENT, 0x1236, (ULONG_PTR)mdl, 0, 0);
        return;
    }
    release(pp);
}

void ntmm_pages_pool_free(PVOID block)
{
    struct pmdl **pp = find((PMDL)block);
    if (*pp) release(pp);
}
