/*
 * pte.c - page-table transitions, the walker, page directories and hyperspace.
 *
 * TLB rule (SDM vol. 3, 4.10.4.1): after a present entry is cleared, loses a permission or
 * changes frame, invlpg that address (x86_invlpg falls back to a CR3 reload without invlpg).
 * After a PDE changes, also invlpg the table's self-map page (PTE_BASE + pdi * 4 KiB): that
 * translation is cached like any other, and a stale one would let us write into a freed frame
 * ("stale TLB entries after a PDE is cleared and re-created", STYLE.md).  A frame whose last
 * reference goes away is released only after the flush.
 *
 * Kernel PDEs (shared and system arenas, index >= 0x200) are mirrored into every directory as
 * they change, so a global mapping made while process A is current is there after switching
 * to B.  PDEs never carry PTE_G: through the self-map a PDE is read as a PTE, and bit 8 would
 * make a per-process self-map translation global.
 */
#include "mm/pte.h"

bool hyper_ready;
bool mm_global_pages;

#define MAX_DIRS 512
static pfn_t dirs[MAX_DIRS];
static uint32_t ndirs;
extern pte_t boot_pd[1024], boot_pt[1024];

static inline pfn_t current_pd(void) { return x86_read_cr3() >> PAGE_SHIFT; }
static inline bool pdi_kernel(uint32_t pdi) { return pdi >= PDI(SHARED_START); }

/* Tables that live as long as the kernel: never freed when they empty. */
static uint32_t permanent[1024 / 32];
static bool pdi_permanent(uint32_t pdi)
{
    return pdi == PDI(KERNEL_VBASE) || pdi == SELFMAP_PDI || pdi == PDI(HYPER_START) ||
           (permanent[pdi / 32] & (1u << (pdi % 32)));
}

/* PDE flags: tables for the private and shared arenas allow ring 3 (the PTE decides); the
 * self-map, hyperspace and the system arena never do, whatever a PTE says. */
static uint32_t pde_flags(uint32_t pdi)
{
    return pdi < PDI(PTE_BASE) ? (PTE_P | PTE_W | PTE_U) : (PTE_P | PTE_W);
}

/* ---- the walker ------------------------------------------------------------------------ */

pte_t *pte_lookup(vaddr_t va, bool *large)
{
    pte_t pde = *MiGetPdeAddress(va);
    if (large) *large = pde_large(pde);
    if (!(pde & PTE_P) || (pde & PDE_PS)) return NULL;
    return MiGetPteAddress(va);
}

pte_t pte_read(vaddr_t va)
{
    pte_t *p = pte_lookup(va, NULL);
    return p ? *p : 0;
}

pte_t pte_make(vaddr_t va, pfn_t pfn, uint32_t flags)
{
    pte_t e = (pfn << PAGE_SHIFT) | (flags & 0xFFFu) | PTE_P;
    if (mm_global_pages && va >= SHARED_START && !(va >= PTE_BASE && va < SYSTEM_START))
        e |= PTE_G;
    return e;
}

/* ---- page directories -------------------------------------------------------------------- */

/* Writes one PDE in the current directory and, for kernel arenas, in every other one. */
static void pde_write(uint32_t pdi, pte_t val)
{
    pte_t *cur = (pte_t *)PDE_BASE + pdi;
    pte_t old = *cur;
    *cur = val;
    if (pdi_kernel(pdi)) {
        pfn_t me = current_pd();
        for (uint32_t i = 0; i < ndirs; i++) {
            if (dirs[i] == me) continue;
            pte_t *pd = hyper_map(dirs[i]);
            pd[pdi] = val;
            hyper_unmap(pd);
        }
    }
    x86_invlpg(PTE_BASE + pdi * PAGE_SIZE);
    if (old & PTE_P) x86_invlpg(pdi << 22);
}

pfn_t pte_new_directory(void)
{
    if (ndirs == MAX_DIRS) return PFN_NONE;
    pfn_t pd = pfn_alloc(0);
    if (pd == PFN_NONE) return PFN_NONE;
    pfn_db[pd].state = PFN_PAGEDIR;
    pfn_count.used--;
    pte_t *d = hyper_map(pd);
    memset(d, 0, 512 * sizeof(pte_t));                                  /* private arena */
    memcpy(d + 512, (pte_t *)PDE_BASE + 512, 512 * sizeof(pte_t));      /* shared + system */
    d[SELFMAP_PDI] = (pd << PAGE_SHIFT) | PTE_P | PTE_W;
    hyper_unmap(d);
    dirs[ndirs++] = pd;
    return pd;
}

void pte_free_directory(pfn_t pd)
{
    for (uint32_t i = 0; i < ndirs; i++)
        if (dirs[i] == pd) { dirs[i] = dirs[--ndirs]; break; }
    pfn_db[pd].state = PFN_USED;
    pfn_count.used++;
    pfn_free(pd);
}

uint32_t pte_directory_count(void) { return ndirs; }
pfn_t pte_directory(uint32_t i) { return i < ndirs ? dirs[i] : PFN_NONE; }
pfn_t pte_kernel_directory(void) { return ((vaddr_t)boot_pd - KERNEL_VBASE) >> PAGE_SHIFT; }

/* ---- page tables ------------------------------------------------------------------------- */

pte_t *pte_ensure(vaddr_t va)
{
    uint32_t pdi = PDI(va);
    pte_t pde = *MiGetPdeAddress(va);
    if (pde & PTE_P) return (pde & PDE_PS) ? NULL : MiGetPteAddress(va);
    if (pdi == SELFMAP_PDI || va >= INVALID_START) return NULL;
    pfn_t pt = pfn_alloc(PFN_ALLOC_ZERO);         /* filled before it becomes reachable */
    if (pt == PFN_NONE) return NULL;
    pfn_db[pt].state = PFN_PAGETABLE;
    pfn_count.used--;
    pfn_count.pagetables++;
    pde_write(pdi, (pt << PAGE_SHIFT) | pde_flags(pdi));
    return MiGetPteAddress(va);
}

static void pt_release(vaddr_t va)
{
    uint32_t pdi = PDI(va);
    pfn_t pt = *MiGetPdeAddress(va) >> PAGE_SHIFT;
    pde_write(pdi, 0);
    pfn_db[pt].state = PFN_USED;
    pfn_count.pagetables--;
    pfn_count.used++;
    pfn_free(pt);
}

/* The one store.  Takes the new entry's references, writes, flushes, drops the old ones. */
bool pte_pin_table(vaddr_t va)
{
    if (PDI(va) < PDI(SHARED_START) || !pte_ensure(va)) return false;
    permanent[PDI(va) / 32] |= 1u << (PDI(va) % 32);
    return true;
}

void pte_trim(vaddr_t va)
{
    pte_t pde = *MiGetPdeAddress(va);
    if (!(pde & PTE_P) || (pde & PDE_PS) || pdi_permanent(PDI(va))) return;
    struct pfn *t = pfn_get(pde >> PAGE_SHIFT);
    if (t && t->state == PFN_PAGETABLE && t->map_count == 0) pt_release(va);
}

static pte_t pte_store(vaddr_t va, pte_t new)
{
    pte_t *p = MiGetPteAddress(va);
    pte_t old = *p;
    bool new_ref = (new & PTE_P) && !(new & PTE_SW_RAW);
    bool old_ref = (old & PTE_P) && !(old & PTE_SW_RAW);
    if (new_ref) pfn_ref(pte_pfn(new));
    if ((new & (PTE_P | PTE_SW_PIN)) == (PTE_P | PTE_SW_PIN)) pfn_pin(pte_pfn(new));
    *p = new;
    if (old & PTE_P) x86_invlpg(va);
    if ((old & (PTE_P | PTE_SW_PIN)) == (PTE_P | PTE_SW_PIN)) pfn_unpin(pte_pfn(old));
    if (old_ref) pfn_unref(pte_pfn(old));

    struct pfn *t = pfn_get(*MiGetPdeAddress(va) >> PAGE_SHIFT);
    if (t && t->state == PFN_PAGETABLE && !old != !new) {
        if (new) t->map_count++;
        else if (--t->map_count == 0 && !pdi_permanent(PDI(va)))
            pt_release(va);
    }
    return old;
}

void pte_install(vaddr_t va, pte_t e)
{
    pte_t *p = pte_lookup(va, NULL);
    if (!p || (*p & PTE_P) || !(e & PTE_P)) panic("pte_install(%08x, %08x): entry %08x", va, e, p ? *p : 0);
    pte_store(va, e);
}

void pte_update(vaddr_t va, pte_t e)
{
    pte_t *p = pte_lookup(va, NULL);
    if (!p || !(*p & PTE_P) || !(e & PTE_P) || ((*p ^ e) & PTE_FRAME))
        panic("pte_update(%08x, %08x): entry %08x", va, e, p ? *p : 0);
    pte_store(va, e);
}

void pte_remap(vaddr_t va, pte_t e)
{
    pte_t *p = pte_lookup(va, NULL);
    if (!p || !(*p & PTE_P) || !(e & PTE_P)) panic("pte_remap(%08x, %08x): entry %08x", va, e, p ? *p : 0);
    pte_store(va, e);
}

pte_t pte_clear(vaddr_t va, pte_t np)
{
    pte_t *p = pte_lookup(va, NULL);
    if (np & PTE_P) panic("pte_clear(%08x): replacement %08x is present", va, np);
    if (!p) return 0;
    return pte_store(va, np);
}

void pte_set_np(vaddr_t va, pte_t np)
{
    pte_t *p = pte_lookup(va, NULL);
    if (!p || (*p & PTE_P) || (np & PTE_P)) panic("pte_set_np(%08x, %08x): entry %08x", va, np, p ? *p : 0);
    pte_store(va, np);
}

/* ---- 4 MiB pages -------------------------------------------------------------------------- */

bool pde_map_large(vaddr_t va, pfn_t pfn, uint32_t flags)
{
    uint32_t pdi = PDI(va);
    if (!(x86_read_cr4() & CR4_PSE) || (va & (LARGE_PAGE_SIZE - 1)) || (pfn & 0x3FF) || !pdi_kernel(pdi) ||
        pdi == SELFMAP_PDI || pdi == PDI(HYPER_START) || va >= INVALID_START || (*MiGetPdeAddress(va) & PTE_P))
        return false;
    pde_write(pdi, (pfn << PAGE_SHIFT) | (flags & (PTE_W | PTE_PWT | PTE_PCD)) | PTE_P | PDE_PS | PTE_SW_RAW);
    return true;
}

void pde_unmap_large(vaddr_t va)
{
    if (pde_large(*MiGetPdeAddress(va))) pde_write(PDI(va), 0);
}

/* ---- hyperspace ----------------------------------------------------------------------------- */

#define HYPER_SLOTS 1024
static uint16_t hyper_free[HYPER_SLOTS];
static uint32_t hyper_nfree;

void *hyper_map(pfn_t pfn)
{
    if (!hyper_nfree) panic("hyperspace: all %u slots in use", HYPER_SLOTS);
    vaddr_t va = HYPER_START + (uint32_t)hyper_free[--hyper_nfree] * PAGE_SIZE;
    pte_store(va, (pfn << PAGE_SHIFT) | PTE_P | PTE_W | PTE_SW_RAW);
    return (void *)va;
}

void hyper_unmap(void *p)
{
    vaddr_t va = PAGE_ALIGN_DOWN((vaddr_t)p);
    pte_store(va, 0);
    hyper_free[hyper_nfree++] = (uint16_t)((va - HYPER_START) >> PAGE_SHIFT);
}

/* ---- boot ----------------------------------------------------------------------------------- */

static pfn_t boot_tables[8];
static uint32_t nboot_tables;

void pte_boot_map(vaddr_t va, pfn_t pfn, pfn_t (*alloc)(void))
{
    pte_t *pde = MiGetPdeAddress(va);
    if (!(*pde & PTE_P)) {
        pfn_t pt = alloc();
        if (nboot_tables == ARRAY_SIZE(boot_tables)) panic("pte_boot_map: too many tables");
        boot_tables[nboot_tables++] = pt;
        *pde = (pt << PAGE_SHIFT) | pde_flags(PDI(va));
        x86_invlpg(PTE_BASE + PDI(va) * PAGE_SIZE);
        memset(MiGetPteAddress(PAGE_ALIGN_DOWN(va) & ~(LARGE_PAGE_SIZE - 1)), 0, PAGE_SIZE);
    }
    *MiGetPteAddress(va) = (pfn << PAGE_SHIFT) | PTE_P | PTE_W | PTE_SW_RAW;
}

void pte_boot_account(void)
{
    for (uint32_t i = 0; i < nboot_tables; i++) {
        pfn_t pt = boot_tables[i];
        pfn_db[pt].state = PFN_PAGETABLE;
        pfn_db[pt].map_count = 0;
    }
    for (vaddr_t va = PFNDB_BASE; va < PFNDB_END; va += PAGE_SIZE) {
        pte_t *p = pte_lookup(va, NULL);
        if (p && *p) pfn_db[*MiGetPdeAddress(va) >> PAGE_SHIFT].map_count++;
    }
}

static void hyper_init(void)
{
    pfn_t pt = pfn_alloc(0);
    if (pt == PFN_NONE) panic("hyperspace: no frame for its page table");
    pfn_db[pt].state = PFN_PAGETABLE;
    pfn_count.used--;
    pfn_count.pagetables++;
    pde_write(PDI(HYPER_START), (pt << PAGE_SHIFT) | pde_flags(PDI(HYPER_START)));
    memset(MiGetPteAddress(HYPER_START), 0, PAGE_SIZE);    /* the table, through the self-map */
    for (uint32_t i = 0; i < HYPER_SLOTS; i++) hyper_free[i] = (uint16_t)(HYPER_SLOTS - 1 - i);
    hyper_nfree = HYPER_SLOTS;
    hyper_ready = true;
}

/* The boot window: the kernel image with its final permissions, the VGA text buffer, and
 * nothing else.  .text, .rodata and the ring-3 code image are read-only (CR0.WP makes that
 * bind ring 0 too); the boot stack's guard page is left unmapped. */
static void kernel_window_init(void)
{
    extern char _kernel_start[], _rodata_end[], _data_start[], _kernel_end[], boot_stack_guard[];
    for (vaddr_t va = KERNEL_VBASE; va < KWINDOW_END; va += PAGE_SIZE) {
        paddr_t pa = va - KERNEL_VBASE;
        pte_t want = 0;
        if (va >= (vaddr_t)_kernel_start && va < (vaddr_t)_kernel_end && va != (vaddr_t)boot_stack_guard)
            want = pte_make(va, pa >> PAGE_SHIFT, PTE_SW_RAW | (va >= (vaddr_t)_data_start ? PTE_W : 0));
        else if (pa >= 0xB8000 && pa < 0xC0000)
            want = pte_make(va, pa >> PAGE_SHIFT, PTE_SW_RAW | PTE_W | PTE_PCD | PTE_PWT);
        (void)_rodata_end;
        pte_t cur = pte_read(va);
        if (!want && cur) pte_clear(va, 0);
        else if (want && (cur & PTE_P)) pte_update(va, want);
        else if (want) pte_install(va, want);
    }
}

void pte_init(void)
{
    /* The boot code's entries map image frames the database calls RESERVED: mark them raw
     * (bit 9 is ignored by the MMU, so no flush) before the helpers see them. */
    for (int i = 0; i < 1024; i++)
        if (boot_pt[i] & PTE_P) boot_pt[i] |= PTE_SW_RAW;
    dirs[ndirs++] = pte_kernel_directory();
    hyper_init();
    uint32_t cr4 = x86_read_cr4();
    if (x86.pse) cr4 |= CR4_PSE;
    if (x86.pge) cr4 |= CR4_PGE;
    if (x86.smep) cr4 |= CR4_SMEP;       /* ring 0 never runs user pages, */
    if (x86.smap) cr4 |= CR4_SMAP;       /* and reads or writes them only in a window (x86.h) */
    if (x86.has_cr4) x86_write_cr4(cr4);
    mm_global_pages = x86.pge;
    x86_pat_init();
    pde_write(0, 0);                                  /* the identity map is gone */
    kernel_window_init();
    for (vaddr_t va = PFNDB_BASE; va < PFNDB_END && mm_global_pages; va += PAGE_SIZE) {
        pte_t e = pte_read(va);
        if (e & PTE_P) pte_update(va, e | PTE_G);
    }
    x86_flush_tlb_all();
}
