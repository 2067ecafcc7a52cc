/*
 * pte.c - page-table transitions, the walker, page directories and hyperspace.
 *
 * TLB rule (SDM vol. 3, 4.10.4.1): after a present entry is cleared, loses a permission or
 * changes frame, invlpg that address (x86_invlpg falls back to a CR3 reload without invlpg).
 * After a PDE changes, also invlpg the table's self-map page (PTE_BASE + pdi * 4 KiB): that
 * translation is cached like any other, and a stale one would let us write into a freed frame
 * (a stale TLB entry for the self-map page of a PDE cleared and re-created).  A frame whose last
 * reference goes away is released only after the flush.
 *
 * Kernel PDEs (shared and system arenas, index >= 0x200) are mirrored into every directory as
 * they change, so a global mapping made while process A is current is there after switching
 * to B.  PDEs never carry PTE_G: through the self-map a PDE is read as a PTE, and bit 8 would
 * make a per-process self-map translation global.
 */
#include "mm/core/pte.h"
#include "mm/core/slot.h"
#include "mm/core/pte_sw.h"

bool mm_global_pages;

#define MAX_DIRS 512
static pfn_t dirs[MAX_DIRS];
static uint32_t ndirs;
extern pte_t boot_pd[1024], boot_pt[1024];

/* Hyperspace (one permanent table, HYPER_START..HYPER_END): the first HYPER_SLOTS pages are
 * short-lived slots (hyper_map); after them, the directory window - dirs[i] kept mapped at page
 * HYPER_SLOTS + i - so that mirroring a kernel PDE costs one store per directory rather than a
 * map, a store and an unmap with its invlpg.  Entries there are raw (no frame reference). */
#define HYPER_SLOTS 512
_Static_assert(HYPER_SLOTS + MAX_DIRS <= PTES_PER_TABLE, "hyperspace is one table: slots + directory window");
static struct pfn *hyper_table;
static inline pte_t *dir_window(uint32_t i) { return (pte_t *)(HYPER_START + (HYPER_SLOTS + i) * PAGE_SIZE); }

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

/* ---- the rights policy (pte.h) ---------------------------------------------------------------- */

#define RIGHTS_ALL (PTE_P | PTE_W | PTE_U)

static bool home_mapping(vaddr_t va, pfn_t f)
{
    return (va >= KERNEL_VBASE && va < KWINDOW_END && ((va - KERNEL_VBASE) >> PAGE_SHIFT) == f) ||
           (va >= KPOOL_BASE && va < KPOOL_END) || (va >= PFNDB_BASE && va < PFNDB_END);
}

static __attribute__((noinline)) uint32_t rights_slow(vaddr_t va, pfn_t f, const struct pfn *r)
{
    extern char _kernel_start[], _kernel_end[], _data_start[], _utext_load[], _utext_start[], _utext_end[];
    if (home_mapping(va, f)) return RIGHTS_ALL;
    pfn_t k0 = ((vaddr_t)_kernel_start - KERNEL_VBASE) >> PAGE_SHIFT;
    pfn_t k1 = (PAGE_ALIGN_UP((vaddr_t)_kernel_end) - KERNEL_VBASE) >> PAGE_SHIFT;
    pfn_t d0 = ((vaddr_t)_data_start - KERNEL_VBASE) >> PAGE_SHIFT;
    pfn_t u0 = ((vaddr_t)_utext_load - KERNEL_VBASE) >> PAGE_SHIFT;
    pfn_t u1 = u0 + (PAGE_ALIGN_UP((vaddr_t)_utext_end) - (vaddr_t)_utext_start) / PAGE_SIZE;
    switch (r->state) {
    case PFN_SYSTEM: return (r->flags & PFNF_KPOOL) ? (PTE_P | PTE_W) : 0;
    case PFN_RESERVED:
        if (f == pte_kernel_directory() || f == (((vaddr_t)boot_pt - KERNEL_VBASE) >> PAGE_SHIFT)) return 0;
        if (f >= u0 && f < u1) return PTE_P | PTE_U;
        if (f >= k0 && f < d0) return PTE_P;
        if (f >= d0 && f < k1) return PTE_P | PTE_W;
        return RIGHTS_ALL;                               /* firmware RAM, loader data, modules */
    default: return 0;                                   /* free, page tables, directories */
    }
}

uint32_t pte_rights(vaddr_t va, pfn_t f)
{
    struct pfn *r = pfn_get(f);
    if (__builtin_expect(!r || r->state == PFN_USED || r->state == PFN_NOTRAM, 1)) return RIGHTS_ALL;
    return rights_slow(va, f, r);
}

/* What a helper stores: the entry with the rights its frame's class allows (pte.h). */
static inline pte_t rights_apply(vaddr_t va, pte_t e)
{
    uint32_t ok = pte_rights(va, pte_pfn(e));
    if (__builtin_expect(ok == RIGHTS_ALL, 1)) return e;
    if (!(ok & PTE_P)) panic("pte: %08x may not map frame %x (%s): the core must refuse first", va, pte_pfn(e),
                             pfn_state_name(pfn_db[pte_pfn(e)].state));
    return e & ~((PTE_W | PTE_U) & ~ok);
}

/* ---- the walker ------------------------------------------------------------------------ */

pte_t *pte_lookup(vaddr_t va, bool *large)
{
    pte_t pde = *MiGetPdeAddress(va);
    if (large) *large = pde_large(pde);
    if (!pde_table(pde)) return NULL;
    return MiGetPteAddress(va);
}

pte_t pte_read(vaddr_t va)
{
    pte_t *p = pte_lookup(va, NULL);
    return p ? *p : 0;
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
        for (uint32_t i = 0; i < ndirs; i++)
            if (dirs[i] != me) dir_window(i)[pdi] = val;
    }
    x86_invlpg(PTE_BASE + pdi * PAGE_SIZE);
    if (old & PTE_P) x86_invlpg(pdi << 22);
}

/* Window page i -> directory pd (PFN_NONE: unmapped).  A frame change or removal is flushed
 * before the caller may free the old directory. */
static void dir_window_set(uint32_t i, pfn_t pd)
{
    vaddr_t va = (vaddr_t)dir_window(i);
    pte_t *e = MiGetPteAddress(va), old = *e;
    *e = pd == PFN_NONE ? 0 : (pd << PAGE_SHIFT) | PTE_P | PTE_W | PTE_SW_RAW;
    if (old) x86_invlpg(va);
    hyper_table->map_count += (*e != 0) - (old != 0);
}

pfn_t pte_new_directory(void)
{
    if (ndirs == MAX_DIRS) return PFN_NONE;
    pfn_room_for(1);
    pfn_t pd = pfn_alloc(0);
    if (pd == PFN_NONE) return PFN_NONE;
    pfn_db[pd].state = PFN_PAGEDIR;
    pfn_count.used--;
    dir_window_set(ndirs, pd);
    pte_t *d = dir_window(ndirs);
    memset(d, 0, 512 * sizeof(pte_t));                                  /* private arena */
    memcpy(d + 512, (pte_t *)PDE_BASE + 512, 512 * sizeof(pte_t));      /* shared + system */
    d[SELFMAP_PDI] = (pd << PAGE_SHIFT) | PTE_P | PTE_W;
    dirs[ndirs++] = pd;
    return pd;
}

void pte_free_directory(pfn_t pd)
{
    for (uint32_t i = 0; i < ndirs; i++)
        if (dirs[i] == pd) {                         /* the last one moves into the gap */
            dirs[i] = dirs[--ndirs];
            if (i != ndirs) dir_window_set(i, dirs[i]);
            dir_window_set(ndirs, PFN_NONE);
            break;
        }
    pfn_db[pd].state = PFN_USED;
    pfn_count.used++;
    pfn_free(pd);
}

uint32_t pte_directory_count(void) { return ndirs; }
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

uint32_t pte_room_for_tables(vaddr_t va, uint32_t npages)
{
    uint32_t m = 0;
    for_each_pte_span(s, va, npages) m += !s.pt && !pde_large(s.pde) && PDI(s.va) != SELFMAP_PDI;
    if (m && pfn_available() < m) pfn_room_for(m);
    return m;
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

bool pte_pin_table(vaddr_t va)
{
    if (PDI(va) < PDI(SHARED_START)) return false;
    pte_room_for_tables(va, 1);
    if (!pte_ensure(va)) return false;
    permanent[PDI(va) / 32] |= 1u << (PDI(va) % 32);
    return true;
}

void pte_trim(vaddr_t va)
{
    pte_t pde = *MiGetPdeAddress(va);
    if (!pde_table(pde) || pdi_permanent(PDI(va))) return;
    struct pfn *t = pfn_get(pde >> PAGE_SHIFT);
    if (t && t->state == PFN_PAGETABLE && t->map_count == 0) pt_release(va);
}

/* The record of the page table behind a present PDE, when it is one we count (boot tables of
 * the kernel image are not). */
static inline struct pfn *table_record(pte_t pde)
{
    struct pfn *t = &pfn_db[pde >> PAGE_SHIFT];     /* a table is RAM: it has a record */
    return t->state == PFN_PAGETABLE ? t : NULL;
}

/* n non-zero entries of va's table became zero: the table goes with its last entry. */
static inline void table_drop(vaddr_t va, pte_t pde, uint32_t n)
{
    struct pfn *t = table_record(pde);
    if (t && (t->map_count -= n) == 0 && !pdi_permanent(PDI(va))) pt_release(va);
}

/* The table's count of non-zero entries follows one entry of it going from zero to non-zero
 * or back (the table goes with its last one). */
static inline void table_count(vaddr_t va, pte_t pde, pte_t old, pte_t new)
{
    if (!old == !new) return;
    if (new) {
        struct pfn *t = table_record(pde);
        if (t) t->map_count++;
    } else {
        table_drop(va, pde, 1);
    }
}

/* The pager's counts follow an entry that is or was pageable: present pageable frames, swapped
 * entries, and the swap slot an entry or its frame's copy owned (slot.c), given back when the
 * page leaves it - unless the page keeps it: a swapped entry re-protected, or read back into a
 * frame whose record the pager pointed at the slot first (pager.c, page-in).  A present pageable
 * entry that stops mapping its frame takes the frame's slot copy with it (the frame may go on
 * as something else: mm_unmap_keep).  The pager, which gives a frame's copy to a swapped entry,
 * clears the record's slot before that store. */
static __attribute__((noinline)) void pageable_follow(pte_t old, pte_t new)
{
    bool was_p = (old & PTE_P) && (old & PTE_SW_PAGEABLE), is_p = (new & PTE_P) && (new & PTE_SW_PAGEABLE);
    pfn_count.pageable += (uint32_t)is_p - (uint32_t)was_p;
    pfn_count.swapped += (uint32_t)pte_is_swapped(new) - (uint32_t)pte_is_swapped(old);
    if (pte_is_swapped(old)) {
        uint32_t s = pte_slot(old);
        bool kept = (pte_is_swapped(new) && pte_slot(new) == s) ||
                    ((new & PTE_P) && pfn_get(pte_pfn(new)) && pfn_db[pte_pfn(new)].slot == s);
        if (!kept) slot_free(s);
    }
    if (was_p && !(is_p && pte_pfn(new) == pte_pfn(old))) {
        struct pfn *r = &pfn_db[pte_pfn(old)];
        if (r->slot) {
            slot_free(r->slot);
            r->slot = 0;
        }
    }
}

/* The commit charge follows one entry going from old to new: a charged entry holds one page of
 * it (pte_is_charged).  Every store of the helpers below calls this. */
static inline __attribute__((always_inline)) void charge_follow(pte_t old, pte_t new)
{
    pfn_count.charged += (uint32_t)pte_is_charged(new) - (uint32_t)pte_is_charged(old);
    /* Only a present pageable entry or a swapped (in-transition) one moves the pager's counts: a
     * pageable demand-zero page is charged like any other, so it takes the common path. */
    if (__builtin_expect(((old | new) & PTE_SW_PAGEABLE) && ((old | new) & (PTE_P | PTE_NP_SWAP)), 0))
        pageable_follow(old, new);
}

/* The references a present entry holds on its frame (pte.h): a map count unless PTE_SW_RAW,
 * and a lock if PTE_SW_PIN.  A store takes the new entry's before it writes, and drops the old
 * entry's only after the flush - the pin first, then the map count, which may free the frame.
 * Every transition below goes through these two (pte_clear_range's batches drop the same
 * references, gathered per flush); pte_install's and pte_clear's inline fast paths are the
 * counted, unpinned case of them written out.  take_frame_refs is take_refs for a caller that
 * has the frame at hand (e's frame bits are not read). */
static inline __attribute__((always_inline)) void take_frame_refs(pfn_t f, pte_t e)
{
    if (!(e & PTE_P)) return;
    if (!(e & PTE_SW_RAW)) pfn_ref(f);
    if (e & PTE_SW_PIN) pfn_pin(f);
}

static inline __attribute__((always_inline)) void take_refs(pte_t e)
{
    take_frame_refs(pte_pfn(e), e);
}

/* take_refs for an entry that is a new view of its frame (not the same entry rewritten): when the
 * frame is mapped elsewhere too, writes through that view leave this entry's D bit clear, so a
 * swap copy of the frame cannot be trusted any more (PFNF_DIRTY: the pager writes it again). */
static inline __attribute__((always_inline)) void take_view_refs(pte_t e)
{
    take_refs(e);
    if ((e & (PTE_P | PTE_SW_RAW)) == PTE_P) {
        struct pfn *r = &pfn_db[pte_pfn(e)];
        if (r->map_count > 1) r->flags |= PFNF_DIRTY;
    }
}

static inline __attribute__((always_inline)) void drop_refs(pte_t e)
{
    if (!(e & PTE_P)) return;
    if (e & PTE_SW_PIN) pfn_unpin(pte_pfn(e));
    if (!(e & PTE_SW_RAW)) pfn_unref(pte_pfn(e));
}

/* The one general store.  Takes the new entry's references, writes, flushes, drops the old
 * ones; the table's count follows zero <-> non-zero, the charge demand-zero <-> not.  The
 * caller has checked that va's table exists. */
static pte_t pte_store(vaddr_t va, pte_t new)
{
    pte_t *p = MiGetPteAddress(va);
    pte_t old = *p;
    if ((old & new & PTE_P) && pte_pfn(old) == pte_pfn(new)) take_refs(new);   /* the same view, rewritten */
    else take_view_refs(new);
    *p = new;
    if (old & PTE_P) x86_invlpg(va);
    drop_refs(old);
    charge_follow(old, new);
    table_count(va, *MiGetPdeAddress(va), old, new);
    return old;
}

/* Not present -> present, the hot half of every map: written out rather than through
 * pte_store, since most of its cases cannot arise here (no old frame, no flush).  This is the
 * general case, with every check; pte_install below takes the common one without a frame. */
static __attribute__((noinline)) void install_general(vaddr_t va, pte_t e)
{
    pte_t pde = *MiGetPdeAddress(va);
    pte_t *p = MiGetPteAddress(va);
    if (!pde_table(pde) || (*p & PTE_P) || !(e & PTE_P))
        panic("pte_install(%08x, %08x): entry %08x", va, e, pde_table(pde) ? *p : 0);
    e = rights_apply(va, e);
    pte_t old = *p;
    take_view_refs(e);
    *p = e;
    charge_follow(old, e);                           /* a demand-zero page made present */
    table_count(va, pde, old, e);
}

/* The common case inline - a counted, unpinned entry over a zero one in a table that exists,
 * its frame in use - with nothing changed before every check has passed; anything else
 * (including every error) goes the general way. */
void pte_install(vaddr_t va, pte_t e)
{
    pte_t pde = *MiGetPdeAddress(va);
    pte_t *p = MiGetPteAddress(va);
    if (__builtin_expect(!pde_table(pde) || *p ||
                         (e & (PTE_P | PTE_SW_RAW | PTE_SW_PIN | PTE_SW_PAGEABLE)) != PTE_P, 0)) {
        install_general(va, e);
        return;
    }
    struct pfn *db = pfn_db, *r = &db[pte_pfn(e)], *t = &db[pde >> PAGE_SHIFT];
    if (__builtin_expect(r->state != PFN_USED || r->map_count == 0xFFFF, 0)) {
        install_general(va, e);                      /* panics in pfn_ref */
        return;
    }
    if (r->map_count++) r->flags |= PFNF_DIRTY;     /* as pfn_ref: a second view */
    *p = e;
    if (t->state == PFN_PAGETABLE) t->map_count++;
}

void pte_update(vaddr_t va, pte_t e)
{
    pte_t *p = pte_lookup(va, NULL);
    if (!p || !(*p & PTE_P) || !(e & PTE_P) || ((*p ^ e) & PTE_FRAME))
        panic("pte_update(%08x, %08x): entry %08x", va, e, p ? *p : 0);
    pte_store(va, rights_apply(va, e));
}

void pte_remap(vaddr_t va, pte_t e)
{
    pte_t *p = pte_lookup(va, NULL);
    if (!p || !(*p & PTE_P) || !(e & PTE_P)) panic("pte_remap(%08x, %08x): entry %08x", va, e, p ? *p : 0);
    pte_store(va, rights_apply(va, e));
}

/* Anything -> not present, the hot half of every unmap; the same shortcut as pte_install.  The
 * general case; pte_clear below takes the common one without a frame. */
static __attribute__((noinline)) pte_t clear_general(vaddr_t va, pte_t np)
{
    if (np & PTE_P) panic("pte_clear(%08x): replacement %08x is present", va, np);
    pte_t pde = *MiGetPdeAddress(va);
    if (!pde_table(pde)) return 0;
    pte_t *p = MiGetPteAddress(va);
    pte_t old = *p;
    *p = np;
    if (old & PTE_P) x86_invlpg(va);
    drop_refs(old);
    charge_follow(old, np);
    table_count(va, pde, old, np);
    return old;
}

/* The common case inline - a counted, unpinned present entry -> 0 whose frame and table both
 * keep other references (so nothing is freed) - checked before anything changes; the rest,
 * including a last reference, goes the general way. */
pte_t pte_clear(vaddr_t va, pte_t np)
{
    pte_t pde = *MiGetPdeAddress(va);
    pte_t *p = MiGetPteAddress(va);
    pte_t old;
    if (__builtin_expect(np || !pde_table(pde) ||
                         ((old = *p) & (PTE_P | PTE_SW_RAW | PTE_SW_PIN | PTE_SW_PAGEABLE)) != PTE_P, 0))
        return clear_general(va, np);
    struct pfn *db = pfn_db, *r = &db[pte_pfn(old)], *t = &db[pde >> PAGE_SHIFT];
    if (__builtin_expect(r->state != PFN_USED || r->map_count < 2 ||
                         (t->state == PFN_PAGETABLE && t->map_count < 2), 0))
        return clear_general(va, np);
    *p = 0;
    x86_invlpg(va);
    r->map_count--;
    if (t->state == PFN_PAGETABLE) t->map_count--;
    return old;
}

void pte_set_np(vaddr_t va, pte_t np)
{
    pte_t *p = pte_lookup(va, NULL);
    if (!p || (*p & PTE_P) || (np & PTE_P)) panic("pte_set_np(%08x, %08x): entry %08x", va, np, p ? *p : 0);
    pte_store(va, np);
}

/* The pager's transitions (pte.h).  The entry in transition keeps the map reference its present
 * entry held, so the frame stays the page's while the transfer runs. */
void pte_begin_transition(vaddr_t va)
{
    pte_t *p = pte_lookup(va, NULL);
    pte_t old = p ? *p : 0;
    if (!(old & PTE_P) || !(old & PTE_SW_PAGEABLE) || (old & (PTE_SW_RAW | PTE_SW_PIN)))
        panic("pte_begin_transition(%08x): entry %08x", va, old);
    pte_t t = (old & (PTE_FRAME | PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_PAT)) | PTE_NP_TRANS | PTE_SW_PAGEABLE;
    *p = t;
    x86_invlpg(va);
    charge_follow(old, t);
}

void pte_end_transition(vaddr_t va, pte_t e)
{
    pte_t *p = pte_lookup(va, NULL);
    pte_t old = p ? *p : 0;
    bool back = (e & PTE_P) && pte_pfn(e) == pte_pfn(old);
    if (!pte_is_transition(old) || !(back || pte_is_swapped(e)))
        panic("pte_end_transition(%08x, %08x): entry %08x", va, e, old);
    *p = back ? rights_apply(va, e) : e;
    charge_follow(old, e);
    if (!back) pfn_unref(pte_pfn(old));              /* the frame goes: it was this page's only */
}

/* A header entry of the system-PTE pool (syspte.c): stored and cleared with no meaning - no
 * charge, no reference, no slot - only the table's count of non-zero entries. */
void pte_set_opaque(vaddr_t va, pte_t np)
{
    pte_t *p = pte_lookup(va, NULL);
    if (!p || (*p & PTE_P) || (np & PTE_P)) panic("pte_set_opaque(%08x, %08x): entry %08x", va, np, p ? *p : 0);
    pte_t old = *p;
    *p = np;
    table_count(va, *MiGetPdeAddress(va), old, np);
}

/* Hyperspace slots (hyper_map below; pte_install_fresh borrows one).  Hyperspace entries are
 * raw (no frame reference) and its table is permanent, so a slot needs only its store, the
 * table's count and - on unmap - its invlpg: the zero fill's and the poison fill's mapping. */
static uint16_t hyper_free[HYPER_SLOTS];
static uint32_t hyper_nfree;

/* ---- ranges --------------------------------------------------------------------------------- */

/*
 * pte_clear_range: every entry of [va, va + npages) becomes 0, table by table (a missing table
 * is stepped over whole).  One TLB decision per batch instead of one per page: the present
 * entries of a batch are cleared first, then the batch is flushed - invlpg per page while there
 * are few, otherwise one full flush (CR3 reload, or the CR4.PGE toggle that also drops global
 * entries) - and only then are their frames released, so no frame is reused while a stale
 * translation to it may survive (the TLB rule above).  A table's count drops once per table.
 */
#define CLEAR_BATCH 64u            /* present entries per flush (clear_in_table's arrays: 640 bytes) */
#define INVLPG_MAX 16u             /* beyond this, one full flush is cheaper than n invlpg */

static void flush_batch(vaddr_t va, const uint16_t *idx, uint32_t n)
{
    if (n > INVLPG_MAX || !x86.invlpg || x86_force_cr3_flush) {
        x86_flush_tlb_all();
        return;
    }
    for (uint32_t k = 0; k < n; k++) __asm__ volatile("invlpg (%0)" :: "r"(va + idx[k] * PAGE_SIZE) : "memory");
}

/* A batch of cleared present entries, waiting for their flush: where they were (for invlpg),
 * the frames whose pins and whose map counts they held.  Flush, then drop the references: pins
 * first, then map counts (which may free the frames).  The counts are passed by value so that
 * the clearing loop keeps them in registers. */
static __attribute__((noinline)) void finish_batch(vaddr_t va, const uint16_t *idx, uint32_t n,
                                                   const pfn_t *pin, uint32_t npin,
                                                   const pfn_t *ref, uint32_t nref)
{
    flush_batch(va, idx, n);
    for (uint32_t k = 0; k < npin; k++) pfn_unpin(pin[k]);
    pfn_unref_many(ref, nref);
}

/* n pages from va, all in the table behind pde (present, not 4 MiB). */
static void clear_in_table(vaddr_t va, uint32_t n, pte_t pde)
{
    pte_t *p = MiGetPteAddress(va);
    uint16_t idx[CLEAR_BATCH];
    pfn_t pin[CLEAR_BATCH], ref[CLEAR_BATCH];
    uint32_t nb = 0, npin = 0, nref = 0, cleared = 0;   /* cleared: non-present non-zero ones */
    uint32_t demand = 0;                                 /* of those, demand-zero: charged */
    for (uint32_t i = 0; i < n; i++) {
        pte_t e = p[i];
        if (!e) continue;
        if (__builtin_expect((e & PTE_SW_PAGEABLE) && (e & (PTE_P | PTE_NP_SWAP)), 0)) {
            /* present pageable, swapped or in transition: the pager's counts, one by one */
            if (nb) {                                    /* earlier frames go first, in order */
                finish_batch(va, idx, nb, pin, npin, ref, nref);
                cleared += nb;
                nb = npin = nref = 0;
            }
            p[i] = 0;
            if (e & PTE_P) x86_invlpg(va + i * PAGE_SIZE);
            charge_follow(e, 0);
            drop_refs(e);
            cleared++;
            continue;
        }
        p[i] = 0;
        if (__builtin_expect(!(e & PTE_P), 0)) {
            cleared++;
            demand += pte_is_demand(e);
            continue;
        }
        idx[nb++] = (uint16_t)i;
        if (__builtin_expect(e & PTE_SW_PIN, 0)) pin[npin++] = pte_pfn(e);
        if (!(e & PTE_SW_RAW)) ref[nref++] = pte_pfn(e);
        if (__builtin_expect(nb == CLEAR_BATCH, 0)) {
            finish_batch(va, idx, nb, pin, npin, ref, nref);
            cleared += nb;
            nb = npin = nref = 0;
        }
    }
    if (nb) finish_batch(va, idx, nb, pin, npin, ref, nref);
    cleared += nb;
    pfn_count.charged -= demand;
    if (cleared) table_drop(va, pde, cleared);
}

void pte_clear_range(vaddr_t va, uint32_t npages)
{
    for_each_pte_span(s, va, npages)
        if (s.pt) clear_in_table(s.va, s.n, s.pde);
}

/*
 * pte_install_copy: not present -> present for every page of [va, va + npages), entry i being
 * tmpl | (src[i] & keep) - an alias's entries from its source's (keep = frame and PTE_SW_RAW).
 * As pte_install page by page (the same checks, references and pins), with one pass through
 * the self-map and one table-count update per table.  The tables must exist; src must not
 * overlap the entries written.
 */
void pte_install_copy(vaddr_t va, uint32_t npages, const pte_t *src, pte_t keep, pte_t tmpl)
{
    for_each_pte_span(s, va, npages) {
        if (!s.pt) panic("pte_install_copy(%08x): no page table", s.va);
        pte_t *p = s.pt;
        const pte_t *from = src + s.done;
        uint32_t added = 0;
        for (uint32_t i = 0; i < s.n; i++) {
            pte_t e = rights_apply(s.va + i * PAGE_SIZE, tmpl | (from[i] & keep)), old = p[i];
            if ((old & PTE_P) || !(e & PTE_P))
                panic("pte_install_copy(%08x, %08x): entry %08x", s.va + i * PAGE_SIZE, e, old);
            take_view_refs(e);
            p[i] = e;
            charge_follow(old, e);
            added += !old;
        }
        struct pfn *t = table_record(s.pde);
        if (t) t->map_count += added;
    }
}

/*
 * pte_install_fresh: the entries of [va, va + npages) that are neither present nor demand-zero
 * (so 0: pte_sw.h has no other not-present encoding) get a frame of their own - pfn_alloc(0),
 * zero-filled through one hyperspace slot that moves from frame to frame (invlpg per move: a
 * frame change), then referenced (and pinned if tmpl has PTE_SW_PIN) and stored as tmpl |
 * frame.  Each frame is filled before its entry makes it reachable.  The tables must exist and
 * the caller must have checked that enough frames are free beyond the charged ones
 * (pfn_available()): running out here is a bug, not an error.  No entry it replaces is
 * demand-zero, so the charge stays.  Returns the first frame used (PFN_NONE if no entry needed
 * one).  This is commit's inner loop: one pass through the self-map, one table-count update per
 * table.
 */
pfn_t pte_install_fresh(vaddr_t va, uint32_t npages, pte_t tmpl)
{
    if (!hyper_nfree) panic("hyperspace: all %u slots in use", HYPER_SLOTS);
    vaddr_t z = HYPER_START + (uint32_t)hyper_free[--hyper_nfree] * PAGE_SIZE;
    pte_t *zp = MiGetPteAddress(z);
    hyper_table->map_count++;
    pfn_t first = PFN_NONE;
    for_each_pte_span(s, va, npages) {
        if (!s.pt) panic("pte_install_fresh(%08x): no page table", s.va);
        pte_t *p = s.pt;
        uint32_t added = 0;
        for (uint32_t i = 0; i < s.n; i++) {
            pte_t old = p[i];
            if (pte_is_committed(old)) continue;
            pfn_t f = pfn_alloc(0);
            if (f == PFN_NONE) panic("pte_install_fresh(%08x): out of frames", s.va);
            pte_t was = *zp;
            *zp = (f << PAGE_SHIFT) | PTE_P | PTE_W | PTE_SW_RAW;
            if (was) x86_invlpg(z);
            uint32_t *d = (uint32_t *)z, cnt = PAGE_SIZE / 4;
            __asm__ volatile("rep stosl" : "+D"(d), "+c"(cnt) : "a"(0) : "memory");
            take_frame_refs(f, (tmpl | PTE_P) & ~PTE_SW_RAW);   /* a fresh frame is counted */
            p[i] = tmpl | (f << PAGE_SHIFT);
            added += !old;
            if (first == PFN_NONE) first = f;
        }
        struct pfn *t = table_record(s.pde);
        if (t) t->map_count += added;
    }
    if (*zp) {
        *zp = 0;
        x86_invlpg(z);
    }
    hyper_table->map_count--;
    hyper_free[hyper_nfree++] = (uint16_t)((z - HYPER_START) >> PAGE_SHIFT);
    return first;
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

static inline __attribute__((always_inline)) void *slot_map(pfn_t pfn)
{
    if (!hyper_nfree) panic("hyperspace: all %u slots in use", HYPER_SLOTS);
    vaddr_t va = HYPER_START + (uint32_t)hyper_free[--hyper_nfree] * PAGE_SIZE;
    *MiGetPteAddress(va) = (pfn << PAGE_SHIFT) | PTE_P | PTE_W | PTE_SW_RAW;   /* was 0: no flush */
    hyper_table->map_count++;
    return (void *)va;
}

static inline __attribute__((always_inline)) void slot_unmap(void *p)
{
    vaddr_t va = PAGE_ALIGN_DOWN((vaddr_t)p);
    *MiGetPteAddress(va) = 0;
    x86_invlpg(va);
    hyper_table->map_count--;
    hyper_free[hyper_nfree++] = (uint16_t)((va - HYPER_START) >> PAGE_SHIFT);
}

void *hyper_map(pfn_t pfn) { return slot_map(pfn); }
void hyper_unmap(void *p) { slot_unmap(p); }

pte_t pte_read_in(pfn_t pd_frame, vaddr_t va)
{
    pte_t *pd = hyper_map(pd_frame);
    pte_t pde = pd[PDI(va)], e = 0;
    hyper_unmap(pd);
    if (!(pde & PTE_P)) return 0;
    if (pde & PDE_PS) return pde;
    pte_t *pt = hyper_map(pde >> PAGE_SHIFT);
    e = pt[PTI(va)];
    hyper_unmap(pt);
    return e;
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
    for (uint32_t i = 0; i < nboot_tables; i++) {   /* pfn_init counted them as system frames */
        pfn_t pt = boot_tables[i];
        pfn_db[pt].state = PFN_PAGETABLE;
        pfn_db[pt].map_count = 0;
        pfn_count.system--;
        pfn_count.pagetables++;
    }
    for (vaddr_t va = PFNDB_BASE; va < PFNDB_END; va += LARGE_PAGE_SIZE) {   /* whole tables */
        pte_t *p = pte_lookup(va, NULL);
        uint32_t n = 0;
        for (uint32_t i = 0; p && i < PTES_PER_TABLE; i++) n += p[i] != 0;
        if (n) pfn_db[*MiGetPdeAddress(va) >> PAGE_SHIFT].map_count += n;
    }
}

/* The allocator's frame fill (pfn_fill_hook): through one hyperspace slot. */
static void hyper_fill(pfn_t p, uint32_t pattern)
{
    uint32_t *va = slot_map(p), *d = va;
    uint32_t n = PAGE_SIZE / 4;
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(pattern) : "memory");
    slot_unmap(va);
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
    hyper_table = &pfn_db[pt];
    for (uint32_t i = 0; i < HYPER_SLOTS; i++) hyper_free[i] = (uint16_t)(HYPER_SLOTS - 1 - i);
    hyper_nfree = HYPER_SLOTS;
    pfn_fill_hook = hyper_fill;
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
    dir_window_set(0, dirs[0]);
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
