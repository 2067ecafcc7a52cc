/*
 * pte.h - the one place that stores into page tables.
 *
 * Every PTE write states its transition, and the helper does the bookkeeping that goes with it,
 * so no caller can forget a TLB flush or a reference count:
 *   pte_install  not present -> present      (no flush needed: not-present entries are not cached)
 *   pte_update   present -> present, same frame (flags change; flushed)
 *   pte_remap    present -> present, another frame (flushed before the old frame is released)
 *   pte_clear    anything -> not present (0 or a software value); returns the old entry; flushed
 *   pte_set_np   not present -> not present (software states: demand-zero, pte_sw.h)
 * A present entry without PTE_SW_RAW holds a reference on its frame (pfn map_count), one with
 * PTE_SW_PIN also holds a lock; the helpers take the new references before dropping the old.
 * A page table's own PFN record counts its non-zero entries; when that reaches zero the table
 * is freed and its PDE cleared in every directory (kernel arenas) or in the current one.
 * A charged entry (pte_is_charged: a resident demand-zero page, a pageable page in any state)
 * holds one page of the commit charge (pfn_count.charged): an entry that becomes one charges a
 * page, one that stops being one - made present (resident), cleared, overwritten - uncharges
 * it, in every helper below, so no path can leak or forget a charge; the same helpers keep the
 * pager's counts (present pageable frames, swapped entries) and give back the swap slot an
 * entry that leaves owned (slot.c).  Only mm_commit creates charged entries, and only after
 * checking the charge fits.
 *
 * All addresses are in the *current* address space (the self-map); the shared and system
 * arenas are the same in every address space.  To work on another process's private arena,
 * switch to it (as_switch).
 */
#ifndef MM_PTE_H
#define MM_PTE_H
#ifndef MM_CORE_PRIVATE            /* the Makefile defines it for mm/core/ and tests/ only */
#error "a core-private header: outside mm/core/ (and tests/), include mm/mm.h"
#endif
#include "mm/x86.h"
#include "mm/core/pfn.h"
#include "mm/core/pte_sw.h"             /* the helpers below are stated in the core's software bits */

/* The PTE for va (the PDE itself when it maps a 4 MiB page); false when the PDE is not
 * present.  Two dependent loads through the self-map; the personalities ask mm_translate. */
static inline bool mm_read_pte(vaddr_t va, uint32_t *pte)
{
    pte_t pde = *MiGetPdeAddress(va);
    if (!(pde & PTE_P)) return false;
    *pte = (pde & PDE_PS) ? pde : *MiGetPteAddress(va);
    return true;
}

extern bool mm_global_pages;       /* CR4.PGE on: shared/system PTEs get PTE_G */

/* The walker: the PTE for va in the current address space, or NULL when its page table does
 * not exist or the PDE maps a 4 MiB page (*large is then set, if given). */
pte_t *pte_lookup(vaddr_t va, bool *large);
/* Same, creating the page table when needed; NULL when no frame is left for it.  It never pages
 * out: an operation that will make tables calls pte_room_for_tables first, before it checks
 * anything about pages or frames - a page written out to make room changes what such a check
 * saw (a present page is in swap, its frame free). */
pte_t *pte_ensure(vaddr_t va);
/* The page tables [va, va + npages) lacks; with the pager on, pages are written out first when
 * free frames are what stands between them and the allocator (pfn_room_for).  Returns how
 * many are missing. */
uint32_t pte_room_for_tables(vaddr_t va, uint32_t npages);
pte_t pte_read(vaddr_t va);       /* the entry, or 0 when there is no table */

/* Page tables that must never be freed (windows of permanent mappings); kernel arenas. */
bool pte_pin_table(vaddr_t va);
/* Frees va's page table if it has no entries left (after a failed multi-table operation). */
void pte_trim(vaddr_t va);

/* Builds a present entry: frame | flags | P, plus G in the shared/system arenas. */
static inline pte_t pte_make(vaddr_t va, pfn_t pfn, uint32_t flags)
{
    pte_t e = (pfn << PAGE_SHIFT) | (flags & 0xFFFu) | PTE_P;
    if (mm_global_pages && va >= SHARED_START && !(va >= PTE_BASE && va < SYSTEM_START))
        e |= PTE_G;
    return e;
}

/*
 * The rights policy: what a mapping of a frame may give, by the frame's class.  Every helper
 * below that makes or changes a present entry (install, update, remap, copy) applies it, so no
 * path can skip it: W and U the class does not allow are never set, and a class that allows no
 * second mapping at all is a core bug (panic) - the core operations ask pte_rights_allow first
 * and refuse with MM_EACCES.  A frame's own "home" mapping (the kernel window for the image,
 * the pool and PFN-database windows) has every right it was made with.
 *   class                                      second mapping   writable   ring 3
 *   RAM in use, device memory (not RAM),       yes              yes        yes
 *     firmware RAM (first MiB, loader data)
 *   kernel pool                                yes              yes        no
 *   kernel image data (.data, .bss)            yes              yes        no
 *   kernel image code and read-only data       yes              no         no
 *   ring-3 code every process shares (.utext)  yes              no         yes
 *   page tables and directories (boot ones     no
 *     included), the PFN database and other
 *     system frames, free RAM
 * Returns PTE_P (may map) | the PTE_W / PTE_U bits allowed; 0 when no mapping is allowed.
 */
uint32_t pte_rights(vaddr_t va, pfn_t f);
static inline bool pte_rights_allow(vaddr_t va, pfn_t f, uint32_t prot)
{
    uint32_t ok = pte_rights(va, f);
    return (ok & PTE_P) && !(prot & (PTE_W | PTE_U) & ~ok);
}

void pte_install(vaddr_t va, pte_t e);
void pte_update(vaddr_t va, pte_t e);
void pte_remap(vaddr_t va, pte_t e);
pte_t pte_clear(vaddr_t va, pte_t np);
void pte_set_np(vaddr_t va, pte_t np);
/* The pager's (mm/core/pager.c): a present pageable entry -> in transition (same frame, the
 * reference kept, flushed) for the length of one transfer; then -> present again (same frame,
 * the transfer failed or was a read) or -> swapped out (the frame's reference dropped). */
void pte_begin_transition(vaddr_t va);
void pte_end_transition(vaddr_t va, pte_t e);
/* Not present -> a value the core gives no meaning (a system-PTE header, syspte.c): no charge. */
void pte_set_opaque(vaddr_t va, pte_t np);
/* Every entry of [va, va + npages) -> 0, as pte_clear page by page would, with one TLB flush
 * decision per batch of pages (frames are released after their flush); no-table stretches are
 * skipped whole. */
void pte_clear_range(vaddr_t va, uint32_t npages);
/* Not present -> tmpl | (src[i] & keep) for each page of [va, va + npages), as pte_install would
 * page by page (tables must exist): aliases copy their source's frames this way. */
void pte_install_copy(vaddr_t va, uint32_t npages, const pte_t *src, pte_t keep, pte_t tmpl);
/* Entries of [va, va + npages) neither present nor demand-zero -> tmpl | a fresh zeroed frame
 * (tables must exist; the caller has checked pfn_available()).  Returns the first frame. */
pfn_t pte_install_fresh(vaddr_t va, uint32_t npages, pte_t tmpl);

/* 4 MiB pages (needs CR4.PSE): install / remove a large PDE.  Kernel arenas only. */
bool pde_map_large(vaddr_t va, pfn_t pfn, uint32_t flags);
void pde_unmap_large(vaddr_t va);

/* Page directories: every directory shares the PDEs of the shared and system arenas. */
pfn_t pte_new_directory(void);                   /* PFN_NONE when out of memory */
void pte_free_directory(pfn_t pd);               /* the private half must be empty */
uint32_t pte_directory_count(void);
pfn_t pte_kernel_directory(void);

/* Hyperspace: short-lived mappings of any frame (zeroing, another directory's entries). */
void *hyper_map(pfn_t pfn);
void hyper_unmap(void *va);
/* The entry for va in the directory pd, read through hyperspace (no CR3 switch): 0 when there
 * is no page table, the PDE itself when it maps a 4 MiB page (as_read_pte). */
pte_t pte_read_in(pfn_t pd, vaddr_t va);

/* Boot: map va -> pfn in the kernel directory, allocating page tables with alloc().  Lent to
 * pfn_init for the PFN database before the allocator exists; pte_boot_account(), right after
 * pfn_init, records those tables in the database (PFN_SYSTEM -> PFN_PAGETABLE). */
void pte_boot_map(vaddr_t va, pfn_t pfn, pfn_t (*alloc)(void));
void pte_boot_account(void);
void pte_init(void);                             /* after pfn_init: hyperspace, kernel image */
#endif
