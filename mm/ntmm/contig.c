/*
 * mm/ntmm/contig.c - MmAllocateContiguousMemory(SpecifyCache) / MmFreeContiguousMemory(SpecifyCache):
 * physically contiguous, page-aligned buffers mapped into system space.
 *
 * ReactOS finds free frames itself, marks the first StartOfAllocation and the last
 * EndOfAllocation in the PFN database, then maps them with MmMapIoSpace.  Here the core does
 * the frame search and the mapping in one step: a run of system PTEs (syspte_alloc) committed
 * with MM_COMMIT_CONTIG under a frame request {min, max, boundary}, so each frame is owned by its
 * one mapping and goes back to the free list when the mapping is removed.  The start of each
 * allocation is recorded (ntmm.c) - our StartOfAllocation - and a free of anything else is
 * reported as BAD_POOL_CALLER 0x60, as ReactOS does, through the non-halting KeBugCheckEx.
 */
#include "mm/ntmm/ntmm.h"
#include "mm/x86.h"

/*
 * MmAllocateContiguousMemorySpecifyCache - n bytes, frames in [lowest, highest], not crossing a
 * multiple of boundary, mapped with the given caching.
 * NT (documented): nonpaged, contiguous, page-aligned start, NULL on failure; boundary 0 or a
 *   power of two; the memory is not zeroed.
 * ReactOS: ASSERT(n != 0), ASSERT(cache <= MmWriteCombined); LowestPfn = lowest >> 12, rounded up
 *   if lowest has a byte offset; a boundary with a byte offset -> NULL; HighestPfn = highest >> 12
 *   clamped to the highest physical page; LowestPfn > HighestPfn -> NULL; cached requests try
 *   nonpaged pool first.
 * Ours: ReactOS's rules, and: n == 0 -> NULL; cache outside [0, MmMaximumCacheType) -> NULL (all six
 * types are honoured with C.2's table); a boundary that is not a power of two, or smaller than
 * the request, -> NULL; a boundary of 4 GiB or more is no constraint below 4 GiB; no pool
 * attempt (pool blocks are not page-aligned frames of their own).  Zeroed, although NT does
 * not promise it: the core zeroes every frame it commits, so no buffer shows a previous owner's
 * data (the frames can reach ring 3 through VMAlloc(VMDHA_PHYS|VMDHA_PROCESS)).
 */
PVOID MmAllocateContiguousMemorySpecifyCache(SIZE_T n, PHYSICAL_ADDRESS lowest, PHYSICAL_ADDRESS highest,
                                             PHYSICAL_ADDRESS boundary, MEMORY_CACHING_TYPE cache)
{
    if (!n || (int)cache < 0 || cache >= MmMaximumCacheType) return NULL;
    uint64_t lo = (uint64_t)lowest.QuadPart >> PAGE_SHIFT, hi = (uint64_t)highest.QuadPart >> PAGE_SHIFT;
    if (BYTE_OFFSET(lowest.LowPart)) lo++;
    if (BYTE_OFFSET(boundary.LowPart)) return NULL;
    uint64_t b = (uint64_t)boundary.QuadPart >> PAGE_SHIFT;
    if (b & (b - 1)) return NULL;
    if (b > 0x100000u) b = 0;
    if (hi > 0xFFFFFu) hi = 0xFFFFFu;
    if (lo > hi) return NULL;
    uint32_t npages = ((uint64_t)n + PAGE_MASK) >> PAGE_SHIFT;
    if (b && b < npages) return NULL;
    struct mm_frame_req req = { (pfn_t)lo, (pfn_t)hi + 1, 1, (uint32_t)b };
    vaddr_t va = syspte_alloc(npages);
    if (!va) return NULL;
    pfn_t first;
    uint32_t prot = MM_PROT_WRITE | ntmm_cache_bits(cache);
    if (mm_commit(va, npages, prot, MM_COMMIT_CONTIG | MM_COMMIT_PRESENT, &req, &first) != MM_OK) goto fail_ptes;
    if (!ntmm_map_add(va, npages, 0, first, NTMM_MAP_CONTIG, NULL)) goto fail_frames;
    return (PVOID)va;

fail_frames:
    mm_decommit(va, npages);
fail_ptes:
    syspte_free(va, npages);
    return NULL;
}

/* NT/ReactOS: (0, highest, no boundary, MmCached). */
PVOID MmAllocateContiguousMemory(SIZE_T n, PHYSICAL_ADDRESS highest)
{
    PHYSICAL_ADDRESS zero;
    zero.QuadPart = 0;
    return MmAllocateContiguousMemorySpecifyCache(n, zero, highest, zero, MmCached);
}

/*
 * MmFreeContiguousMemory - free a block by its start address.
 * ReactOS: pool addresses go to ExFreePool; otherwise the first frame must be marked
 *   StartOfAllocation or it bugchecks BAD_POOL_CALLER (0xC2) with 0x60 and the address.
 * Ours: an address that does not start a live contiguous allocation (the middle of one, NULL,
 * anything else) is reported as KeBugCheckEx(BAD_POOL_CALLER, 0x60, base, 0, 0), which returns
 * here, and nothing is freed.  If an MDL still locks a page of the block the core refuses to
 * drop its last mapping and the block stays allocated.
 */
VOID MmFreeContiguousMemory(PVOID base)
{
    struct ntmm_map *m = ntmm_map_find((vaddr_t)base, NTMM_MAP_CONTIG);
    if (!m) {
        KeBugCheckEx(BAD_POOL_CALLER, 0x60, (ULONG_PTR)base, 0, 0);
        return;
    }
    if (mm_decommit(m->va, m->npages) != MM_OK) return;
    syspte_free(m->va, m->npages);
    ntmm_map_remove(m);
}

/* NT/ReactOS: the size and cache type are ignored. */
VOID MmFreeContiguousMemorySpecifyCache(PVOID base, SIZE_T bytes, MEMORY_CACHING_TYPE cache)
{
    (void)bytes;
    (void)cache;
    MmFreeContiguousMemory(base);
}
