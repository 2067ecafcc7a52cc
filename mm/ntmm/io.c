/*
 * mm/ntmm/io.c - MmMapIoSpace / MmUnmapIoSpace: physical ranges mapped into system space.
 *
 * Small ranges take a run of system PTEs (syspte_alloc, each run followed by a guard page) and
 * the core maps the frames (mm_map_physical).  A 4 MiB-aligned range of at least 4 MiB of I/O
 * space on a CPU with PSE gets 4 MiB pages instead: a 4 MiB-aligned window is reserved in the
 * system arena (mm_reserve(ARENA_SYSTEM, 0, n, 1024, ...)), its leading whole 4 MiB pages are
 * large PDEs (mm_map_large_io) and a tail shorter than 4 MiB gets 4 KiB PTEs in the same
 * window.  Every mapping is recorded (ntmm.c) so that MmUnmapIoSpace releases exactly it -
 * window included - and refuses anything else.
 */
#include "mm/ntmm/ntmm.h"
#include "mm/x86.h"

/* Each mapper below takes its linear space and its record first and maps last, so a failure
 * leaves nothing to take back.  Taking a mapping back can be refused: when a frame in the range
 * is locked and this mapping became its only one (RAM held and locked but mapped nowhere), the
 * core keeps the mapping - and a service that had to undo it would return NULL with it left. */

/* System PTEs, 4 KiB pages.  0 on failure, nothing left behind. */
static vaddr_t map_small(pfn_t first, uint32_t npages, uint32_t prot)
{
    vaddr_t va = syspte_alloc(npages);
    if (!va) return 0;
    struct ntmm_map *m = ntmm_map_add(va, npages, 0, first, NTMM_MAP_IO, NULL);
    if (!m) goto fail_ptes;
    if (mm_map_physical(va, npages, first, 1, prot) != MM_OK) goto fail_record;
    return va;
fail_record:
    ntmm_map_remove(m);
fail_ptes:
    syspte_free(va, npages);
    return 0;
}

/* A 4 MiB-aligned window: whole 4 MiB pages, then 4 KiB PTEs for the tail.  0 when the range
 * does not qualify (RAM, a PDE already there, no PSE) or on failure; nothing left behind. */
static vaddr_t map_large(pfn_t first, uint32_t npages, uint32_t prot)
{
    uint32_t nlarge = npages / PTES_PER_TABLE, tail = npages % PTES_PER_TABLE;
    struct region *w = mm_reserve(ARENA_SYSTEM, 0, npages, PTES_PER_TABLE, OWNER_NTMM, NULL);
    if (!w) return 0;
    struct ntmm_map *m = ntmm_map_add(w->base, npages, nlarge, first, NTMM_MAP_IO, w);
    if (!m) goto fail_window;
    if (mm_map_large_io(w->base, nlarge, first, prot) != MM_OK) goto fail_record;
    vaddr_t tail_va = w->base + nlarge * LARGE_PAGE_SIZE;
    if (tail && mm_map_physical(tail_va, tail, first + nlarge * PTES_PER_TABLE, 1, prot) != MM_OK) goto fail_large;
    return w->base;
fail_large:
    mm_unmap_large_io(w->base, nlarge);
fail_record:
    ntmm_map_remove(m);
fail_window:
    mm_release(w);                                    /* nothing is mapped in it: cannot refuse */
    return 0;
}

/*
 * MmMapIoSpace - map [pa, pa + bytes) into system space with the given caching.
 * NT/ReactOS (the NT DDK): bytes must be non-zero (ASSERT); CacheType &= 0xFF, NULL if
 *   >= MmMaximumCacheType; page count = ADDRESS_AND_SIZE_TO_SPAN_PAGES(pa, bytes); system PTEs,
 *   NULL when there are none; caching per C.2 (NonCached -> PCD|PWT, WriteCombined -> PCD, or
 *   PAT WC); TB flush + WBINVD before and after for non-cached types; returns base + (pa & 0xFFF).
 *   ReactOS maps RAM exactly like device memory, raw; its PTEs have no Global bit; NT's do.
 * Ours: the same validation and translation, with these choices -
 *   - bytes == 0 -> NULL; pa >= 4 GiB or a range past 4 GiB -> NULL (non-PAE kernel);
 *   - what happens when the range is RAM: RAM in use (allocated, mapped somewhere) is mapped
 *     with a counted reference, so the frame outlives its other mappings until MmUnmapIoSpace;
 *     free RAM is refused (NULL), since the allocator could hand the frame to someone else under
 *     the live mapping; so are page tables, directories, the PFN database, the pool and the
 *     kernel image (the core's mm_map_physical policy).  ReactOS maps any RAM raw.  No check is
 *     made that an existing mapping of the same RAM uses the same cache type (nor does ReactOS).
 *   - 4 MiB pages for a 4 MiB-aligned range of >= 4 MiB of I/O space when the CPU has PSE (not
 *     for MmWriteCombined with PAT, whose PAT bit a large PDE keeps elsewhere);
 *   - Global bit on the 4 KiB PTEs when the CPU has PGE (NT parity; the core sets it on every
 *     system-arena PTE); the 4 MiB PDEs are not global (the core's pde_map_large).
 */
PVOID MmMapIoSpace(PHYSICAL_ADDRESS pa, SIZE_T bytes, MEMORY_CACHING_TYPE cache)
{
    ULONG ct = (ULONG)cache & 0xFF;
    if (!bytes || ct >= MmMaximumCacheType || pa.HighPart) return NULL;
    if ((uint64_t)pa.LowPart + bytes > 0x100000000ull) return NULL;
    uint32_t npages = ADDRESS_AND_SIZE_TO_SPAN_PAGES((void *)pa.LowPart, bytes);
    pfn_t first = pa.LowPart >> PAGE_SHIFT;
    uint32_t cbits = ntmm_cache_bits((MEMORY_CACHING_TYPE)ct), prot = MM_PROT_WRITE | cbits;
    if (cbits != MM_CACHE_WB) { x86_flush_tlb_all(); x86_wbinvd(); }
    vaddr_t va = 0;
    if (x86.pse && !(pa.LowPart & (LARGE_PAGE_SIZE - 1)) && npages >= PTES_PER_TABLE && cbits != MM_CACHE_WC)
        va = map_large(first, npages, prot);
    if (!va) va = map_small(first, npages, prot);
    if (cbits != MM_CACHE_WB) { x86_flush_tlb_all(); x86_wbinvd(); }
    return va ? (PVOID)(va + BYTE_OFFSET(pa.LowPart)) : NULL;
}

/*
 * MmUnmapIoSpace - undo MmMapIoSpace(…, bytes, …) that returned base.
 * NT/ReactOS: page count from base and bytes; the PTEs are zeroed (I/O: plus a TB flush) and
 *   released, whatever they were; unmapping something else corrupts system PTEs.
 * Ours: only a recorded MmMapIoSpace mapping is released, and only when base/bytes span
 * exactly its page count; anything else (NULL, 0 bytes, a wrong size, an address not from
 * MmMapIoSpace) changes nothing.  Each page is invalidated by the core (invlpg); a 4 MiB window
 * is released with its PDEs.  All or nothing: if the core refuses (a RAM frame locked and this
 * its last mapping) nothing is unmapped - not even a window's 4 MiB pages - and the same call
 * succeeds once the lock is gone.
 */
VOID MmUnmapIoSpace(PVOID base, SIZE_T bytes)
{
    if (!base || !bytes) return;
    struct ntmm_map *m = ntmm_map_find(PAGE_ALIGN_DOWN((vaddr_t)base), NTMM_MAP_IO);
    if (!m || ADDRESS_AND_SIZE_TO_SPAN_PAGES(base, bytes) != m->npages) return;
    if (m->window) {
        /* The 4 KiB tail is the only part the core can refuse to unmap (a locked RAM frame):
         * it goes first, and the 4 MiB pages - I/O space, no frame to lock - only after it. */
        uint32_t small = m->npages - m->nlarge * PTES_PER_TABLE;
        for (uint32_t i = 0; i < m->nlarge; i++) {
            struct mm_page_info pi;
            mm_page_info(m->va + i * LARGE_PAGE_SIZE, &pi);
            if (!pi.large) return;
        }
        if (small && mm_decommit(m->va + m->nlarge * LARGE_PAGE_SIZE, small) != MM_OK) return;
        if (m->nlarge && mm_unmap_large_io(m->va, m->nlarge) != MM_OK) panic("ntmm: checked 4 MiB pages went");
        if (mm_release(m->window) != MM_OK) panic("ntmm: an emptied I/O window was refused");
    } else {
        if (mm_decommit(m->va, m->npages) != MM_OK) return;
        syspte_free(m->va, m->npages);
    }
    ntmm_map_remove(m);
}
