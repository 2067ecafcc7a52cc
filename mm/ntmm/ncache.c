/*
 * mm/ntmm/ncache.c - MmAllocateNonCachedMemory / MmFreeNonCachedMemory: whole pages of RAM mapped
 * into system space with caching off (PCD|PWT: PAT entry 3, UC, whatever the PAT holds elsewhere).
 *
 * A run of system PTEs committed with fresh, zeroed, pinned frames (mm_commit PRESENT|PIN: fixed,
 * they never move - a device may be pointed at them) and MM_CACHE_UC, recorded (NTMM_MAP_NONCACHED)
 * so that the free releases exactly it.  The TLB is flushed and the caches written back before the
 * memory is handed out, as NT does (KeFlushEntireTb, KeInvalidateAllCaches): no cached line of a
 * frame's previous use may be written back over what a device puts there later.
 */
#include "mm/ntmm/ntmm.h"
#include "mm/x86.h"

/*
 * MmAllocateNonCachedMemory - BYTES_TO_PAGES(bytes) pages of non-cached, nonpaged memory.
 * NT 5.2: NULL on failure; page-aligned; the pages are zeroed (MiRemoveZeroPage); the PTEs are
 *   non-cached (PCD|PWT); no minimum, but meant for small, long-lived buffers.
 * Ours: the same; 0 bytes -> NULL; more pages than the system-PTE pool -> NULL.
 */
PVOID MmAllocateNonCachedMemory(SIZE_T bytes)
{
    uint64_t pages = ((uint64_t)bytes + PAGE_MASK) >> PAGE_SHIFT;
    if (!pages || pages > (SYSPTE_END - SYSPTE_START) / PAGE_SIZE) return NULL;
    uint32_t n = (uint32_t)pages;
    vaddr_t va = syspte_alloc(n);
    if (!va) return NULL;
    struct ntmm_map *m = ntmm_map_add(va, n, 0, 0, NTMM_MAP_NONCACHED, NULL);
    if (!m) goto fail_ptes;
    if (mm_commit(va, n, MM_PROT_WRITE | MM_CACHE_UC, MM_COMMIT_PRESENT | MM_COMMIT_PIN, NULL, &m->pfn) != MM_OK)
        goto fail_record;
    x86_flush_tlb_all();
    x86_wbinvd();
    return (PVOID)va;
fail_record:
    ntmm_map_remove(m);
fail_ptes:
    syspte_free(va, n);
    return NULL;
}

/*
 * MmFreeNonCachedMemory - free what MmAllocateNonCachedMemory(bytes) returned.
 * NT 5.2: BaseAddress and NumberOfBytes must be those of the allocation; the PTEs are released and
 *   the pages freed; anything else corrupts the system PTEs.
 * Ours: only a recorded allocation whose page count NumberOfBytes spans exactly is freed;
 * anything else (NULL, 0 bytes, a wrong size, an address inside the block, another kind of
 * mapping, a block freed already) changes nothing.  A frame an MDL still locks outlives the free
 * until MmUnlockPages.
 */
VOID MmFreeNonCachedMemory(PVOID base, SIZE_T bytes)
{
    struct ntmm_map *m = ntmm_map_find((vaddr_t)base, NTMM_MAP_NONCACHED);
    if (!m || !bytes || ADDRESS_AND_SIZE_TO_SPAN_PAGES(base, bytes) != m->npages) return;
    mm_decommit(m->va, m->npages);
    syspte_free(m->va, m->npages);
    ntmm_map_remove(m);
}
