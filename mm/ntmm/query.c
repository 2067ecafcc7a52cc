/*
 * mm/ntmm/query.c - MmIsAddressValid, MmGetPhysicalAddress and MmGetVirtualForPhysical: questions
 * answered by reading the page tables through the self-map, exactly as NT's i386 Mm does
 * (the NT DDK: MiGetPdeAddress(va) = 0xC0300000 + (va >> 22) * 4, MiGetPteAddress(va) =
 * 0xC0000000 + (va >> 12) * 4; the PDE at 0xC0300C00 maps the directory itself).
 *
 * The self-map has one trap.  When the PDE for va maps a 4 MiB page, "MiGetPteAddress(va)" is not a
 * page-table entry: PDE 0x300 turns the directory entry into a PTE that maps the *first 4 KiB of
 * the large page*, so reading it reads the large page's data (NT does the same; for an I/O window
 * that is a device register read).  Every walk here therefore looks at the PDE's LargePage bit
 * before it dereferences MiGetPteAddress(va), and none of these functions ever reads through such
 * an entry.
 *
 * No physical-range shortcut: classic NT on MIPS/Alpha answered MI_IS_PHYSICAL_ADDRESS by a KSEG0
 * range test (a window where va - base == pa).  Our layout has no such window (the boot window
 * at 0x80000000 maps the kernel image and the VGA buffer only, with holes), so every address
 * goes through the PDE and PTE walk; on x86 MI_IS_PHYSICAL_ADDRESS is the large-PDE test itself.
 */
#include "mm/ntmm/ntmm.h"
#include "mm/x86.h"

/*
 * MmIsAddressValid - would a read of va page-fault?
 * NT (seed 004_*.txt, MiIsAddressValid): PDE not valid -> FALSE; PDE maps a large page -> TRUE;
 *   PTE not valid -> FALSE; the "PTE" has the LargePage bit -> FALSE (it is really a PDE mapping a
 *   large page, read through the self-map: va lies in the self-map, e.g. MiGetPteAddress(va') for a
 *   va' in a large page); otherwise TRUE.
 * ReactOS: no large-page test at all (its answer for a large page is whatever the page's data says).
 * Ours: NT's walk.  The second large-page test is made only where the entry read *is* a PDE
 * (va inside the self-map's 4 MiB): in a 4 KiB PTE, bit 7 is the PAT bit, which our MmWriteCombined
 * mappings set (PAT entry 5); NT avoids that by reprogramming PAT entry 1 instead.  Consequence,
 * documented and tested: MmIsAddressValid(MiGetPteAddress(va)) is FALSE when va lies in a large
 * page although reading it does not fault (it reads the large page's data).  Paging: a page the
 * pager has written out (mm/core/pager.c) is FALSE, as in NT - the read would fault, and the
 * fault reads it back - and asking brings nothing back; a page is TRUE only for as long as
 * nothing pages it out: a caller that needs it to stay locks it (MmProbeAndLockPages).
 */
BOOLEAN MmIsAddressValid(PVOID va)
{
    pte_t pde = *MiGetPdeAddress(va);
    if (!pde_table(pde))                              /* the PDE check, then the large-page check: */
        return pde_large(pde);                        /* not valid -> FALSE; MI_PDE_MAPS_LARGE_PAGE ->
                                                         TRUE (a large page is always resident) */
    pte_t pte = *MiGetPteAddress(va);                 /* safe: pde_table(pde), a real entry */
    if (!pte_present(pte)) return FALSE;
    if (PDI(va) == SELFMAP_PDI && pde_large(pte)) return FALSE;   /* the entry is a large PDE */
    return TRUE;
}

/*
 * MmGetPhysicalAddress - the physical address behind va, for the current address space.
 * NT (seed 002_*.txt, WRK): PDE not valid -> 0; large PDE -> (PDE.PFN << 12) + (va & 0x3FFFFF);
 *   otherwise PTE not valid -> 0, else (PTE.PFN << 12) + (va & 0xFFF).
 * ReactOS: the same, except a valid PDE with an invalid PTE leaves the result uninitialised.
 * Ours: NT's, and 0 for anything not mapped.  The large frame is PDE bits 22-31 (bit 12 is the
 * PAT bit of a 4 MiB PDE and bits 13-21 are reserved without PSE-36, which we do not use).
 * Paging: 0 for a page in swap (not read back); the address of a pageable page holds only while
 * it is locked - unlocked, the pager may free its frame (and read it back into another).
 */
/* (The definition is in mm/ntmm/ntmm.h, static inline.) */

/* The first page of system space, in ascending address order, that maps frame pfn; 0 if none. */
static vaddr_t find_system_mapping(pfn_t pfn)
{
    for_each_pte_span(s, SHARED_START, (INVALID_START - SHARED_START) >> PAGE_SHIFT) {
        if (PDI(s.va) == SELFMAP_PDI || PDI(s.va) == PDI(HYPER_START)) continue;
        if (pde_large(s.pde)) {
            pfn_t first = pde_large_pfn(s.pde);
            if (pfn >= first && pfn - first < PTES_PER_TABLE) return s.va + (pfn - first) * PAGE_SIZE;
            continue;
        }
        for (uint32_t i = 0; s.pt && i < s.n; i++)           /* whole tables: s.va is 4 MiB-aligned */
            if (pte_present(s.pt[i]) && pte_pfn(s.pt[i]) == pfn) return s.va + i * PAGE_SIZE;
    }
    return 0;
}

/*
 * MmGetVirtualForPhysical - a system-space address through which pa is mapped.
 * NT: the PFN database remembers each frame's PTE address, so the answer is O(1) (and for a
 *   user page it is the user address in its own process).
 * ReactOS: unimplemented (UNIMPLEMENTED_DBGBREAK, NULL).
 * Ours: our PFN records keep counts, not PTE addresses, so this walks the kernel half of the
 * page tables through the self-map: the shared and system arenas, 4 KiB and 4 MiB mappings,
 * ascending, first match, plus pa's byte offset.  The self-map and hyperspace (per-process or
 * momentary views) and the private arena are not searched; NULL when the frame is not mapped in
 * system space or pa is above 4 GiB.  Cost: one pass over the present kernel page tables.
 */
PVOID MmGetVirtualForPhysical(PHYSICAL_ADDRESS pa)
{
    if (pa.HighPart) return NULL;
    vaddr_t va = find_system_mapping(pa.LowPart >> PAGE_SHIFT);
    return va ? (PVOID)(va + BYTE_OFFSET(pa.LowPart)) : NULL;
}

/*
 * MmIsNonPagedSystemAddressValid - is va nonpaged system memory (obsolete since Windows 2000, kept
 * for old drivers)?
 * NT 5.2: answers by address range only - FALSE inside paged pool (and session space), TRUE for
 *   every other address, mapped or not, user addresses included.
 * Ours: our system space has no fixed nonpaged range, so the answer is by what is there: TRUE
 * for a system-space address (shared or system arena; not the self-map, hyperspace or the
 * invalid region) that is resident now (MmIsAddressValid) and not in a paged-pool block of a page
 * or more; FALSE for everything else, user addresses included.  Paged-pool blocks below a page
 * live in the resident kernel pool and answer TRUE.
 */
BOOLEAN MmIsNonPagedSystemAddressValid(PVOID va)
{
    vaddr_t a = (vaddr_t)va;
    if (a < SHARED_START || (a >= PTE_BASE && a < SYSTEM_START) || a >= INVALID_START) return FALSE;
    struct region *r = mm_region_find(PAGE_ALIGN_DOWN(a));
    if (r && r->owner == OWNER_NTMM && r->kind == NTMM_REGION_POOL &&
        (r->data[1] == PagedPool || r->data[1] == PagedPoolCacheAligned))
        return FALSE;
    return MmIsAddressValid(va);
}
