/*
 * largeio.c - 4 MiB mappings of I/O space (added for the NT personality: MmMapIoSpace maps a
 * 4 MiB-aligned range of at least 4 MiB with large pages when the CPU has PSE).
 *
 * A large PDE maps 1024 frames with one entry, so it cannot carry the per-frame reference that a
 * 4 KiB mapping of RAM holds (pte.h: a present PTE without PTE_SW_RAW counts one use).  Large
 * mappings are therefore for physical space that is not RAM - device windows, where there is no
 * frame to free - and RAM is refused (MM_EACCES); callers map RAM with 4 KiB pages
 * (mm_map_physical), which counts.  The PDEs are written by pde_map_large / pde_unmap_large,
 * which mirror kernel PDEs into every directory and flush (pte.c's TLB rule); nothing here
 * stores into a page table.  The linear window is the caller's: a region of the shared or
 * system arena, 4 MiB-aligned (mm_reserve with align_pages = 1024), whose PDEs are absent.
 */
#include "mm/core/core.h"

static bool large_range_ok(vaddr_t va, uint32_t nlarge)
{
    if (!nlarge || nlarge > 1024 || (va & (LARGE_PAGE_SIZE - 1))) return false;
    struct region *r = mm_region_find(va);
    return r && r->arena != ARENA_PRIVATE && mm_region_contains(r, va, nlarge * PTES_PER_TABLE);
}

mm_status mm_map_large_io(vaddr_t va, uint32_t nlarge, pfn_t first, uint32_t prot)
{
    if (!large_range_ok(va, nlarge) || (first & (PTES_PER_TABLE - 1)) ||
        (prot & ~(MM_PROT_WRITE | MM_CACHE_UC)) || !(x86_read_cr4() & CR4_PSE))
        return MM_EINVAL;
    uint32_t npages = nlarge * PTES_PER_TABLE;
    if (first > 0xFFFFFu || npages - 1 > 0xFFFFFu - first) return MM_EINVAL;   /* past 4 GiB */
    for (uint32_t i = 0; i < npages && first + i < pfn_max; i++)    /* none at or above pfn_max is */
        if (pfn_is_ram(first + i)) return MM_EACCES;
    for (uint32_t i = 0; i < nlarge; i++)
        if (*MiGetPdeAddress(va + i * LARGE_PAGE_SIZE) & PTE_P) return MM_EEXIST;
    for (uint32_t i = 0; i < nlarge; i++) {
        if (!pde_map_large(va + i * LARGE_PAGE_SIZE, first + i * PTES_PER_TABLE, prot)) {
            while (i--) pde_unmap_large(va + i * LARGE_PAGE_SIZE);
            return MM_EINVAL;
        }
    }
    return MM_OK;
}

mm_status mm_unmap_large_io(vaddr_t va, uint32_t nlarge)
{
    if (!large_range_ok(va, nlarge)) return MM_EINVAL;
    for (uint32_t i = 0; i < nlarge; i++)
        if (!pde_large(*MiGetPdeAddress(va + i * LARGE_PAGE_SIZE))) return MM_ENOENT;
    for (uint32_t i = 0; i < nlarge; i++) pde_unmap_large(va + i * LARGE_PAGE_SIZE);
    return MM_OK;
}
