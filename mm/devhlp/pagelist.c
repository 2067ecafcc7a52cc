/*
 * mm/devhlp/pagelist.c - LinToPageList, PageListToLin and VirtToLin (the OS/2 PDD reference).
 *
 * PageListToLin mappings live in the system-PTE pool (syspte_alloc: each run is followed by an
 * unmapped guard page) and are mapped with mm_map_physical, so frames in use get a counted
 * reference and free RAM, page tables and kernel frames are refused.  OS/2 calls them short-
 * lived and never says how they end; we keep a record of each and VMFree releases it (mapping
 * and system PTEs).  A driver that forgets VMFree leaks system PTEs - the harness checks.
 */
#include "mm/devhlp/devhlp.h"

#define DH_PL_MAX   0x10000u                     /* 64 KiB */
#define DH_PL_PAGES (DH_PL_MAX / PAGE_SIZE + 1)  /* an unaligned 64 KiB touches 17 pages */

struct dh_plmap { LIN ret; vaddr_t base; uint32_t npages; struct dh_plmap *next; };
static struct dh_plmap *plmaps;

/*
 * LinToPageList (0x5E): the physical runs behind [LinearAddr, +Size) of the current address
 * space, merged as in B.2, written to pPageList; *PageListCount = entries.
 * Errors: 87 for Size 0 or > 64 KiB, a wrap, a range outside the arenas or a list that is not
 * writable caller memory (mm/core/caller.c);
 * 487 (ERROR_INVALID_ADDRESS) if a page is not present (committed demand-zero pages included:
 * lock the range first, or the list is only a snapshot).
 */
USHORT DevHelp_LinToPageList(LIN LinearAddr, ULONG Size, LIN pPageList, PULONG PageListCount)
{
    vaddr_t va;
    uint32_t n;
    pfn_t frames[DH_PL_PAGES];
    PAGELIST pl[DH_PL_PAGES];
    if (Size > DH_PL_MAX || !devhlp_span(LinearAddr, Size, &va, &n) || !devhlp_range_allowed(va, n * PAGE_SIZE))
        return ERROR_INVALID_PARAMETER;
    for (uint32_t i = 0; i < n; i++) {
        struct mm_page_info pi;
        mm_page_info(va + i * PAGE_SIZE, &pi);
        if (!pi.present) return ERROR_INVALID_ADDRESS;
        frames[i] = pi.pfn;
    }
    uint32_t count = devhlp_build_pagelist(frames, LinearAddr & PAGE_MASK, Size, pl, DH_PL_PAGES);
    if (!devhlp_ptr_ok(pPageList, count * sizeof(PAGELIST), true, CALLER_STACK_FLOOR(4))) return ERROR_INVALID_PARAMETER;
    for (uint32_t i = 0; i < count; i++)
        if (!devhlp_put(pPageList + i * 8, pl[i].PhysAddr) || !devhlp_put(pPageList + i * 8 + 4, pl[i].Size))
            return ERROR_INVALID_PARAMETER;
    if (PageListCount) *PageListCount = count;
    return NO_ERROR;
}

/* Reads the caller's list into pl[]: entries until their sizes reach total.  Only the first
 * entry may start inside a page and only the last may end inside one (otherwise the runs
 * cannot be contiguous in linear space); no zero sizes, no wraps, no overshoot.  Returns the
 * number of entries, 0 on any violation. */
static uint32_t read_list(LIN p, ULONG total, PAGELIST *pl, vaddr_t floor)
{
    uint32_t sum = 0, k = 0;
    while (sum < total) {
        if (k == DH_PL_PAGES || !devhlp_ptr_ok(p + k * 8, 8, false, floor) || !devhlp_get(p + k * 8, &pl[k].PhysAddr) ||
            !devhlp_get(p + k * 8 + 4, &pl[k].Size))
            return 0;
        PAGELIST e = pl[k];
        if (!e.Size || e.Size > total - sum || e.PhysAddr + (e.Size - 1) < e.PhysAddr) return 0;
        if (k && (e.PhysAddr & PAGE_MASK)) return 0;
        if (k && (pl[k - 1].PhysAddr + pl[k - 1].Size) & PAGE_MASK) return 0;
        sum += e.Size;
        k++;
    }
    return k;
}

static void unmap_pl(vaddr_t base, uint32_t mapped, uint32_t npages)
{
    if (mapped) mm_decommit(base, mapped);
    syspte_free(base, npages);
}

/*
 * PageListToLin (0x5F): maps the runs of the list (sum of sizes = Size, at most 64 KiB) at one
 * linear address in the system-PTE pool, ring 0 read/write (device memory uncached); the
 * result keeps the first entry's page offset.  Release with VMFree (our rule, see the top).
 * Errors: 87 for Size 0 or > 64 KiB, a list that is not caller memory (mm/core/caller.c) or is
 * inconsistent, or a run the core
 * refuses to map (free RAM, page tables, the kernel); 8 when the pool is exhausted.
 */
USHORT DevHelp_PageListToLin(ULONG Size, LIN pPageList, PLIN LinearAddr)
{
    PAGELIST pl[DH_PL_PAGES];
    if (!Size || Size > DH_PL_MAX) return ERROR_INVALID_PARAMETER;
    uint32_t k = read_list(pPageList, Size, pl, CALLER_STACK_FLOOR(3));
    if (!k) return ERROR_INVALID_PARAMETER;
    uint32_t npages = 0;
    for (uint32_t i = 0; i < k; i++)
        npages += (PAGE_ALIGN_UP(pl[i].PhysAddr + pl[i].Size) - PAGE_ALIGN_DOWN(pl[i].PhysAddr)) >> PAGE_SHIFT;
    struct dh_plmap *m = kzalloc(sizeof *m);
    vaddr_t base = m ? syspte_alloc(npages) : 0;
    if (!base) { kfree(m); return ERROR_NOT_ENOUGH_MEMORY; }
    uint32_t done = 0;
    for (uint32_t i = 0; i < k; i++) {
        pfn_t f = pl[i].PhysAddr >> PAGE_SHIFT;
        uint32_t np = (PAGE_ALIGN_UP(pl[i].PhysAddr + pl[i].Size) - PAGE_ALIGN_DOWN(pl[i].PhysAddr)) >> PAGE_SHIFT;
        uint32_t cache = mm_frame_is_ram(f) ? MM_CACHE_WB : MM_CACHE_UC;
        mm_status st = mm_map_physical(base + done * PAGE_SIZE, np, f, 1, MM_PROT_WRITE | cache);
        if (st != MM_OK) {
            unmap_pl(base, done, npages);
            kfree(m);
            return st == MM_ENOMEM ? ERROR_NOT_ENOUGH_MEMORY : ERROR_INVALID_PARAMETER;
        }
        done += np;
    }
    *m = (struct dh_plmap){ base + (pl[0].PhysAddr & PAGE_MASK), base, npages, plmaps };
    plmaps = m;
    *LinearAddr = m->ret;
    return NO_ERROR;
}

/* VMFree's part: true if lin is a live PageListToLin result (then *err says how it went). */
bool devhlp_pl_free(LIN lin, USHORT *err)
{
    for (struct dh_plmap **pp = &plmaps; *pp; pp = &(*pp)->next) {
        struct dh_plmap *m = *pp;
        if (m->ret != lin) continue;
        mm_status st = mm_decommit(m->base, m->npages);
        if (st != MM_OK) { *err = st == MM_EBUSY ? ERROR_ACCESS_DENIED : devhlp_error(st); return true; }
        syspte_free(m->base, m->npages);
        *pp = m->next;
        kfree(m);
        *err = NO_ERROR;
        return true;
    }
    return false;
}

/*
 * VirtToLin (0x5B): selector base + offset.
 *   LDT selectors (TI = 1): Pagoda has no LDT; they are read as the tiled selectors of the
 *   compatibility region (SelToFlat), offset <= 0xFFFF.
 *   GDT selectors: the descriptor must exist, be present and be a code/data segment, and the
 *   offset must be within its limit.
 * OS/2: CF and an error "if it cannot be converted (invalid selector)" (B.3); bseerr.h's code
 * for that is ERROR_INVALID_SELECTOR.  Ours: 490 for a selector that names no usable segment
 * (the null selector, RPL or not; past the GDT's limit; not present; a system descriptor such
 * as a TSS); 87 for a usable selector with an offset beyond its segment (or beyond a 64 KiB
 * tile): the offset is the bad argument, not the selector.  *LinearAddr is written only on
 * success.
 */
USHORT DevHelp_VirtToLin(SEL Selector, ULONG Offset, PLIN LinearAddr)
{
    if (Selector & 4) {
        if (Offset > 0xFFFFu) return ERROR_INVALID_PARAMETER;
        *LinearAddr = SelToFlat(Selector, (uint16_t)Offset);
        return NO_ERROR;
    }
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } gdtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    uint32_t idx = Selector >> 3;
    if (!idx || idx * 8 + 7 > gdtr.limit) return ERROR_INVALID_SELECTOR;
    const uint8_t *d = (const uint8_t *)(gdtr.base + idx * 8);
    if ((d[5] & 0x90) != 0x90) return ERROR_INVALID_SELECTOR;      /* present, code/data (S = 1) */
    uint32_t limit = d[0] | (d[1] << 8) | ((d[6] & 0x0Fu) << 16);
    if (d[6] & 0x80) limit = (limit << 12) | 0xFFFu;
    if (Offset > limit) return ERROR_INVALID_PARAMETER;
    *LinearAddr = (d[2] | (d[3] << 8) | (d[4] << 16) | ((uint32_t)d[7] << 24)) + Offset;
    return NO_ERROR;
}
