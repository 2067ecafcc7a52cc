/*
 * ntmm_mdlmap.c - mapping a locked MDL into system space: MmMapLockedPagesSpecifyCache,
 * MmMapLockedPages, MmGetSystemAddressForMdlSafe, MmUnmapLockedPages.
 *
 * The mapping is a run of system PTEs (syspte_alloc, guard page after it) on which the core maps
 * the frames of the PFN array in one step (mm_map_frames): a RAM frame gets a counted reference,
 * an I/O frame is mapped raw.  The MDL says where it is (MappedSystemVa, MDL_MAPPED_TO_SYSTEM_VA), and
 * a record (ntmm.c, NTMM_MAP_MDL, owner = the MDL) says it is that MDL's: an MDL written by hand
 * to name another mapping (MmMapIoSpace's, a PageListToLin one) cannot unmap it.
 * Only kernel-mode mappings exist here (no user-mode VADs).
 *
 * The space and the record are taken before the frames are mapped, and the mapping is one call
 * that changes nothing when it fails: there is never a mapping to take back, which the core may
 * refuse (the only mapping of a locked frame).
 */
#include "mm/ntmm.h"
#include "mm/x86.h"

#define SYSPTE_TOTAL ((SYSPTE_END - SYSPTE_START) / PAGE_SIZE)

/* Pages of the MDL that have a frame: up to the first LIST_HEAD entry.  0 when the MDL's
 * ByteCount needs more PFN entries than its Size has room for: what follows the MDL is not its
 * PFN array (ntmm_mdl_fits). */
static ULONG mapped_pages(PMDL mdl)
{
    if (!ntmm_mdl_fits(mdl)) return 0;
    ULONG n = ntmm_mdl_pages(mdl), i = 0;
    while (i < n && MmGetMdlPfnArray(mdl)[i] != LIST_HEAD_PFN) i++;
    return i;
}

/*
 * MmMapLockedPagesSpecifyCache - map a locked (or partial) MDL.
 * NT/ReactOS, kernel mode: requires PAGES_LOCKED or PARTIAL and none of MAPPED_TO_SYSTEM_VA,
 *   SOURCE_IS_NONPAGED_POOL, PARTIAL_HAS_BEEN_MAPPED (asserted); reserves system PTEs; on failure
 *   returns NULL if MDL_MAPPING_CAN_FAIL is set or BugCheckOnFailure is 0, else bugchecks
 *   NO_MORE_SYSTEM_PTES (0x3F); caching as for MmMapIoSpace; PTEs up to the first LIST_HEAD;
 *   MappedSystemVa = base + ByteOffset, MAPPED_TO_SYSTEM_VA (+ PARTIAL_HAS_BEEN_MAPPED).  User mode
 *   maps into the current process (a VAD) and raises on failure.
 * Ours: kernel mode as above; BaseAddress and Priority are ignored (no VADs, no PTE reserve
 * tiers).  NO_MORE_SYSTEM_PTES is reported through the non-halting KeBugCheckEx (parameters:
 * 0, pages requested, free system PTEs, total) and NULL is returned.  Returns NULL, changing
 * nothing, for: UserMode (not implemented), a cache type outside [0, 6), a violated flag
 * precondition, an MDL with no frame or whose ByteCount outgrew its Size, and frames the core will not map a second time (the
 * kernel image, pool, page tables: an MDL over them is built with MmBuildMdlForNonPagedPool) -
 * any of them anywhere in the PFN array: nothing is mapped then.
 */
PVOID MmMapLockedPagesSpecifyCache(PMDL mdl, KPROCESSOR_MODE mode, MEMORY_CACHING_TYPE cache, PVOID base,
                                   ULONG bugcheck_on_failure, ULONG priority)
{
    (void)base;
    (void)priority;
    if (mode != KernelMode || (int)cache < 0 || cache >= MmMaximumCacheType ||
        !(mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_PARTIAL)) ||
        (mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL_HAS_BEEN_MAPPED)))
        return NULL;
    ULONG n = mapped_pages(mdl);
    if (!n) return NULL;
    vaddr_t va = syspte_alloc(n);
    if (!va) {
        if (!(mdl->MdlFlags & MDL_MAPPING_CAN_FAIL) && bugcheck_on_failure)
            KeBugCheckEx(NO_MORE_SYSTEM_PTES, 0, n, syspte_free_count(), SYSPTE_TOTAL);
        return NULL;
    }
    PPFN_NUMBER pfns = MmGetMdlPfnArray(mdl);
    struct ntmm_map *rec = ntmm_map_add(va, n, 0, pfns[0], NTMM_MAP_MDL, NULL);
    if (!rec) goto fail_ptes;
    if (mm_map_frames(va, n, pfns, MM_PROT_WRITE | ntmm_cache_bits(cache)) != MM_OK) goto fail_record;
    rec->owner = mdl;
    mdl->MappedSystemVa = (PVOID)(va + mdl->ByteOffset);
    mdl->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA | ((mdl->MdlFlags & MDL_PARTIAL) ? MDL_PARTIAL_HAS_BEEN_MAPPED : 0);
    return mdl->MappedSystemVa;
fail_record:
    ntmm_map_remove(rec);
fail_ptes:
    syspte_free(va, n);
    return NULL;
}

/* NT: SpecifyCache(mdl, mode, MmCached, NULL, TRUE, HighPagePriority). */
PVOID MmMapLockedPages(PMDL mdl, KPROCESSOR_MODE mode)
{
    return MmMapLockedPagesSpecifyCache(mdl, mode, MmCached, NULL, TRUE, HighPagePriority);
}

/* NT (a wdm.h macro): the existing system address of a mapped or nonpaged-pool MDL, else a
 * kernel-mode MmCached mapping that never bugchecks (NULL on failure).  Ours: the same. */
PVOID MmGetSystemAddressForMdlSafe(PMDL mdl, ULONG priority)
{
    if (mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) return mdl->MappedSystemVa;
    return MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, priority);
}

/*
 * MmUnmapLockedPages - remove the system mapping MmMapLockedPagesSpecifyCache made.
 * NT/ReactOS: for a system address, clears MAPPED_TO_SYSTEM_VA, PARTIAL_HAS_BEEN_MAPPED and
 *   FREE_EXTRA_PTES and releases the PTEs (plus extra PTEs with FREE_EXTRA_PTES); a user address
 *   removes the VAD.
 * Ours: only the mapping this MDL holds (MAPPED_TO_SYSTEM_VA set, base == MappedSystemVa, and
 * recorded as this MDL's) is removed; anything else changes nothing.  The core invalidates each
 * page (invlpg).  If the core refuses (a locked frame whose last mapping this is: unlock first,
 * or call MmUnlockPages, which does both) the mapping stays.
 */
VOID MmUnmapLockedPages(PVOID base, PMDL mdl)
{
    if (!mdl || !base || !(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) || base != mdl->MappedSystemVa) return;
    vaddr_t va = PAGE_ALIGN_DOWN((vaddr_t)base);
    ULONG n = syspte_alloc_size(va);
    struct ntmm_map *rec = ntmm_map_find(va, NTMM_MAP_MDL);
    if (!n || n != mapped_pages(mdl) || !rec || rec->owner != mdl) return;
    if (mm_decommit(va, n) != MM_OK) return;
    syspte_free(va, n);
    ntmm_map_remove(rec);
    mdl->MdlFlags &= ~(MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_FREE_EXTRA_PTES);
}
