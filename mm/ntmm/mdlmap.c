/*
 * mm/ntmm/mdlmap.c - mapping a locked MDL: MmMapLockedPagesSpecifyCache, MmMapLockedPages,
 * MmGetSystemAddressForMdlSafe, MmUnmapLockedPages.
 *
 * Kernel mode: a run of system PTEs (syspte_alloc, guard page after it) on which the core maps
 * the frames of the PFN array in one step (mm_map_frames): a RAM frame gets a counted reference,
 * an I/O frame is mapped raw.  The MDL says where it is (MappedSystemVa, MDL_MAPPED_TO_SYSTEM_VA),
 * and a record (ntmm.c, NTMM_MAP_MDL, owner = the MDL) says it is that MDL's: an MDL written by
 * hand to name another mapping (MmMapIoSpace's, a PageListToLin one) cannot unmap it.
 *
 * User mode: a region of the current process's private arena - NT's VAD - mapped the same way
 * with user-accessible PTEs.  The region is the record (owner OWNER_NTMM, kind
 * NTMM_REGION_USER_MDL, data[0] = the MDL): it belongs to the process and goes with it, so a
 * destroyed process leaves no record behind, and the MDL's flags do not change (as in NT, an
 * MDL can be mapped into several processes at once).
 *
 * Both paths take their space and their record before they map and map last, in one call that
 * changes nothing when it fails: there is never a mapping to take back, which the core may
 * refuse (the only mapping of a locked frame).
 */
#include "mm/ntmm/ntmm.h"
#include "mm/x86.h"

#define SYSPTE_TOTAL ((SYSPTE_END - SYSPTE_START) / PAGE_SIZE)
#define NTMM_REGION_USER_MDL 0x4D44u       /* region kind of a user-mode MDL mapping ('MD') */

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

static bool cache_ok(MEMORY_CACHING_TYPE cache) { return (int)cache >= 0 && cache < MmMaximumCacheType; }

/* Kernel mode (the contract is MmMapLockedPagesSpecifyCache's): NULL on any failure. */
static PVOID map_system(PMDL mdl, MEMORY_CACHING_TYPE cache, ULONG bugcheck_on_failure)
{
    if (!cache_ok(cache) || !(mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_PARTIAL)) ||
        (mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL_HAS_BEEN_MAPPED)))
        return NULL;
    cache = ntmm_pages_cache(mdl, cache);             /* pages.c: a page MDL's own cache type */
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

static NTSTATUS reserve_status(mm_status st, bool at)
{
    switch (st) {
    case MM_EEXIST: return STATUS_CONFLICTING_ADDRESSES;
    case MM_ENOSPACE: return STATUS_NO_MEMORY;
    case MM_ENOMEM: return STATUS_INSUFFICIENT_RESOURCES;
    default: return at ? STATUS_INVALID_ADDRESS : STATUS_INVALID_PARAMETER;
    }
}

/* User mode: the user address (+ ByteOffset), or ExRaiseStatus with nothing changed. */
static PVOID map_user(PMDL mdl, MEMORY_CACHING_TYPE cache, PVOID base)
{
    NTSTATUS st = STATUS_INVALID_PARAMETER;
    ULONG n = mapped_pages(mdl);
    vaddr_t at = (vaddr_t)base;
    if (!cache_ok(cache) || !(mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_PARTIAL | MDL_SOURCE_IS_NONPAGED_POOL)) || !n)
        goto raise;
    if (at && (BYTE_OFFSET(at) || mm_arena_of(at, n) != ARENA_PRIVATE)) {
        st = STATUS_INVALID_ADDRESS;
        goto raise;
    }
    mm_status ms;
    struct region *r = mm_reserve(ARENA_PRIVATE, at, n, 1, OWNER_NTMM, &ms);
    if (!r) {
        st = reserve_status(ms, at != 0);
        goto raise;
    }
    r->kind = NTMM_REGION_USER_MDL;
    r->data[0] = (uint32_t)mdl;
    cache = ntmm_pages_cache(mdl, cache);             /* pages.c: a page MDL's own cache type */
    uint32_t prot = MM_PROT_USER | ((mdl->MdlFlags & MDL_WRITE_OPERATION) ? MM_PROT_WRITE : 0) | ntmm_cache_bits(cache);
    ms = mm_map_frames(r->base, n, MmGetMdlPfnArray(mdl), prot);
    if (ms == MM_OK) return (PVOID)(r->base + mdl->ByteOffset);
    mm_release(r);                                    /* nothing mapped in it: cannot refuse */
    st = ms == MM_ENOMEM ? STATUS_INSUFFICIENT_RESOURCES : STATUS_INVALID_PARAMETER;
raise:
    ExRaiseStatus(st);
    return NULL;                                      /* no NT_TRY: 0x1E was reported */
}

/*
 * MmMapLockedPagesSpecifyCache - map a locked (or partial) MDL.
 * NT/ReactOS, kernel mode: requires PAGES_LOCKED or PARTIAL and none of MAPPED_TO_SYSTEM_VA,
 *   SOURCE_IS_NONPAGED_POOL, PARTIAL_HAS_BEEN_MAPPED (asserted); reserves system PTEs; on failure
 *   returns NULL if MDL_MAPPING_CAN_FAIL is set or BugCheckOnFailure is 0, else bugchecks
 *   NO_MORE_SYSTEM_PTES (0x3F); caching as for MmMapIoSpace; PTEs up to the first LIST_HEAD;
 *   MappedSystemVa = base + ByteOffset, MAPPED_TO_SYSTEM_VA (+ PARTIAL_HAS_BEEN_MAPPED).
 * NT/ReactOS, user mode (MiMapLockedPagesInUserSpace): a VAD in the current process, at
 *   BaseAddress if given (page-aligned, below MM_HIGHEST_VAD_ADDRESS, else STATUS_INVALID_ADDRESS;
 *   taken: STATUS_CONFLICTING_ADDRESSES), else anywhere (none: STATUS_NO_MEMORY; no pool for the
 *   VAD: STATUS_INSUFFICIENT_RESOURCES); user PTEs, read/write, up to the first LIST_HEAD; returns
 *   the address + ByteOffset; the MDL is not changed.  Every failure is ExRaiseStatus: the caller
 *   must be in __try.  Priority and BugCheckOnFailure do not apply.
 * Ours, kernel mode: as above; BaseAddress and Priority are ignored (no PTE reserve tiers).  The
 * pages of an MmAllocatePagesForMdlEx MDL are mapped with the cache type that call fixed (NT's
 * PFN cache attribute wins over the one asked here), in both modes.
 * NO_MORE_SYSTEM_PTES is reported through the non-halting KeBugCheckEx (parameters: 0, pages
 * requested, free system PTEs, total) and NULL is returned.  Returns NULL, changing nothing, for a
 * cache type outside [0, 6), a violated flag precondition, an MDL with no frame or whose
 * ByteCount outgrew its Size, and frames the core will not map a second time (the kernel image,
 * pool, page tables: an MDL over them is built with MmBuildMdlForNonPagedPool).
 * Ours, user mode: ReactOS's statuses, raised with nothing changed, and -
 *   - writable from ring 3 only with MDL_WRITE_OPERATION (a lock for IoReadAccess never checked
 *     that the pages may be written; NT and ReactOS map read/write regardless);
 *   - the MDL must be locked, partial or built for nonpaged pool (NT: the same in practice); a
 *     cache type outside [0, 6), an MDL with no frame or whose ByteCount outgrew its Size, and
 *     frames the core refuses raise STATUS_INVALID_PARAMETER;
 *   - BaseAddress must lie in the private arena (0x1000 .. 0x7FFF0000), else STATUS_INVALID_ADDRESS;
 *   - each RAM frame gets a counted reference, so the frames outlive an early MmUnlockPages until
 *     MmUnmapLockedPages or the process's destruction removes the mapping;
 *   - a KPROCESSOR_MODE other than KernelMode or UserMode returns NULL (NT: user mode).
 */
PVOID MmMapLockedPagesSpecifyCache(PMDL mdl, KPROCESSOR_MODE mode, MEMORY_CACHING_TYPE cache, PVOID base,
                                   ULONG bugcheck_on_failure, ULONG priority)
{
    (void)priority;
    if (mode == KernelMode) return map_system(mdl, cache, bugcheck_on_failure);
    if (mode == UserMode) return map_user(mdl, cache, base);
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

/* The user-mode mapping of this MDL that starts at base, in the current process; NULL if none. */
static struct region *user_mapping(PVOID base, PMDL mdl)
{
    vaddr_t va = PAGE_ALIGN_DOWN((vaddr_t)base);
    struct region *r = mm_region_find(va);
    if (!r || r->arena != ARENA_PRIVATE || r->base != va || r->owner != OWNER_NTMM ||
        r->kind != NTMM_REGION_USER_MDL || r->data[0] != (uint32_t)mdl || BYTE_OFFSET(base) != mdl->ByteOffset)
        return NULL;
    return r;
}

/*
 * MmUnmapLockedPages - remove a mapping MmMapLockedPagesSpecifyCache made.
 * NT/ReactOS: for a system address, clears MAPPED_TO_SYSTEM_VA, PARTIAL_HAS_BEEN_MAPPED and
 *   FREE_EXTRA_PTES and releases the PTEs (plus extra PTEs with FREE_EXTRA_PTES); a user address
 *   (<= MM_HIGHEST_USER_ADDRESS) removes the VAD of the current process, whose PTEs are erased.
 * Ours: only a mapping this MDL holds is removed - a system one (MAPPED_TO_SYSTEM_VA set, base ==
 * MappedSystemVa, recorded as this MDL's), or a user one of the current process (base is what the
 * user-mode map returned for this MDL); anything else, a user mapping made in another process
 * included, changes nothing.  The core invalidates each page (invlpg).  If the core refuses (a
 * locked frame whose last mapping this is: unlock first, or for a system mapping call
 * MmUnlockPages, which does both) the mapping stays and nothing changes.
 */
VOID MmUnmapLockedPages(PVOID base, PMDL mdl)
{
    if (!mdl || !base) return;
    if ((vaddr_t)base <= HIGHEST_USER_ADDRESS) {
        struct region *r = user_mapping(base, mdl);
        if (r) mm_release(r);
        return;
    }
    if (!(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) || base != mdl->MappedSystemVa) return;
    vaddr_t va = PAGE_ALIGN_DOWN((vaddr_t)base);
    ULONG n = syspte_alloc_size(va);
    struct ntmm_map *rec = ntmm_map_find(va, NTMM_MAP_MDL);
    if (!n || n != mapped_pages(mdl) || !rec || rec->owner != mdl) return;
    if (mm_decommit(va, n) != MM_OK) return;
    syspte_free(va, n);
    ntmm_map_remove(rec);
    mdl->MdlFlags &= ~(MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_FREE_EXTRA_PTES);
}
