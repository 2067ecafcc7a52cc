/*
 * pager.c - demand paging to the swap device: which pages leave memory, writing them out,
 * reading them back.  The only core file that calls the swap device (drivers/swapdev.h).
 *
 * What may be paged: a present page committed pageable (PTE_SW_PAGEABLE, mm.h's
 * MM_COMMIT_PAGEABLE), mapped counted (not PTE_SW_RAW), not pinned (PTE_SW_PIN), whose frame
 * pfn_movable() allows - no lock of any owner (linear lock, lock record), no hold, no second
 * mapping.  Nothing else ever is: page tables and directories (resident: a table holds the
 * entries that say where its pages are), the kernel image, the pool, the PFN database, MMIO,
 * free-physical-region pages, fixed and locked commits, frames mapped more than once.
 *
 * Victims: a clock.  The hand walks the regions of every address space's private arena, then
 * those of the shared and system arenas, page by page; a candidate with the hardware A bit set
 * has it cleared (that one translation flushed: pte_update) and is passed over - a second
 * chance - and one with A clear is taken.  Pages made present by the core for a caller (a
 * lock, an alias: committed.c) start with A set, so the hand passes them once first.  Another
 * address space's pages are reached by loading its directory for the length of the scan
 * (core_switch_as, as mm_release does), so every store still goes through the self-map
 * helpers of pte.c.
 *
 * Page-out: a page whose frame still has a valid copy in a slot - read back from it (page-in
 * keeps the slot in the frame's record, pfn.slot) and neither written since (the PTE's D bit)
 * nor written by a device (PFNF_DIRTY) - is dropped: its entry becomes "swapped, that slot"
 * and the frame is freed, no write.  Any other page is written: the entry goes to "in
 * transition" (the frame kept, the translation flushed) for the synchronous write, then to
 * "swapped" and the frame is freed.  A write the disk fails puts the entry back present and
 * dirty, and marks the slot bad (slot.c: never handed out again) and out of the commit limit
 * (new commits are refused rather than promised a slot that cannot hold a page; what is
 * committed already stays so).  A page-in by a write fault
 * gives the slot back at once (the page is dirty from the first instruction).
 *
 * Trigger: no thread.  pfn_make_room(n) (pfn.h), called where the core is about to take frames
 * for charged pages and no page is half-handled - a demand-zero or swap fault,
 * core_make_present - writes pages out when fewer than n + PAGER_LOW frames are free, until
 * n + PAGER_HIGH are or the clock has gone round twice.
 *
 * Room for what is not pageable: a page table, a directory, a fixed or contiguous commit, held
 * or owned frames take ordinary frames, and with RAM full of pageable pages there may be none
 * free.  Before such an allocation the core asks (pfn_room_for, pfn_room_in, pfn_alloc_run_room:
 * pfn.h), and frees_for() below writes pages out - but first counts whether that can succeed,
 * so a call refused anyway sends no page to swap: the charge and the reserve do not change
 * when pages leave (pfn_obtainable), so more than that is refused at once; n frames anywhere
 * need n - free candidates (the clock then chooses them); n frames inside a window need its
 * free frames plus the candidates holding its frames; a run needs n consecutive frames each
 * free or a candidate's, and exactly those candidates leave (the run need not lie where the
 * clock would look).  A write the disk fails on the way is the one way to be refused after
 * pages left.
 *
 * On from boot with a swap device (kernel/main.c calls mm_pager_enable unless the command line
 * says `nopager`).  With it off, the reserve and the slots are not in the commit limit and
 * nothing here runs, so memory behaves exactly as without a swap device.
 */
#include "mm/core/core.h"
#include "mm/core/pte_sw.h"
#include "mm/core/slot.h"
#include "drivers/swapdev.h"

/* Disk errors logged one by one before they are only counted (mm_pager_get_stats, `stats`). */
#define IO_ERRORS_LOGGED 8u

/* A slot whose write failed: never used again, and no longer part of the commit limit. */
static void slot_went_bad(uint32_t slot)
{
    slot_free(slot);
    slot_mark_bad(slot);
    if (pfn_count.swap_slots) pfn_count.swap_slots--;
}

#define PAGER_LOW 32u          /* frames: page-out starts below n + this many free */
#define PAGER_HIGH 64u         /* and goes on up to n + this many */
#define PAGER_RESERVE 64u      /* frames kept for pageable memory (pfn_available) */

static bool on;
static struct mm_pager_stats st;
static uint32_t hand_space;     /* 0 .. address spaces - 1: private arenas; then shared, system */
static vaddr_t hand_va;

bool mm_pager_on(void) { return on; }

bool mm_page_in_swap(vaddr_t va)
{
    pte_t *p = pte_lookup(va, NULL);
    return p && pte_is_swapped(*p);
}

/* ---- page-out --------------------------------------------------------------------------------- */

static bool candidate(pte_t e)
{
    return (e & (PTE_P | PTE_SW_PAGEABLE | PTE_SW_RAW | PTE_SW_PIN)) == (PTE_P | PTE_SW_PAGEABLE) &&
           pfn_movable(pte_pfn(e));
}

/* A page of the range an operation is working on (pfn_keep, pfn.h): not a victim meanwhile.
 * a: the address space whose private arena is being looked at (NULL: shared or system). */
static inline bool kept(vaddr_t va, const struct as *a)
{
    return va >= pfn_keep.lo && va < pfn_keep.hi && (va >= PRIVATE_END || a == pfn_keep.space);
}

/* Writes the candidate page va (current address space) out, or drops it when its slot copy is
 * valid.  false: no slot, or the disk failed (the page stays present and dirty). */
static bool page_out(vaddr_t va)
{
    pte_t e = pte_read(va);
    pfn_t f = pte_pfn(e);
    struct pfn *r = &pfn_db[f];
    uint32_t slot = r->slot;
    bool dirty = (e & PTE_D) || (r->flags & PFNF_DIRTY) || !slot;
    r->slot = 0;                                     /* the slot goes to the entry (pte.c) */
    if (!dirty) {
        pte_clear(va, pte_make_swapped(slot, e));    /* the frame is freed */
        st.clean_drops++;
        return true;
    }
    if (!slot) slot = slot_alloc();
    if (!slot) return false;
    pte_begin_transition(va);
    void *m = hyper_map(f);
    int err = swapdev_write(slot, m);
    hyper_unmap(m);
    if (err) {
        st.write_errors++;
        if (st.write_errors <= IO_ERRORS_LOGGED)        /* a dying disk fails every write: the first few */
            kprintf("pager: writing %08x to slot %u failed (%s): the page stays in memory, the slot is bad%s\n", va,
                    slot, ata_err_name(err), st.write_errors == IO_ERRORS_LOGGED ? " (further write errors are only counted)" : "");
        slot_went_bad(slot);
        pte_end_transition(va, (e | PTE_D) & ~PTE_SW_RAW);
        return false;
    }
    pte_end_transition(va, pte_make_swapped(slot, e));
    st.page_outs++;
    return true;
}

bool pager_page_out(vaddr_t va)
{
    pte_t *p = on ? pte_lookup(va, NULL) : NULL;
    return p && candidate(*p) && page_out(va);
}

/* ---- for pageout.c: write-back in place ------------------------------------------------------- */

bool pager_candidate(pte_t e) { return candidate(e); }

bool pager_page_dirty(pte_t e)
{
    struct pfn *r = &pfn_db[pte_pfn(e)];
    return (e & PTE_D) || (r->flags & PFNF_DIRTY) || !r->slot;
}

/* The page stays mapped throughout: D is cleared (and the translation flushed) before the copy
 * is taken, so a store that landed after it would set D again and the copy would be stale, not
 * lost - and none can: nothing else runs during the synchronous write. */
bool pager_write_back(vaddr_t va)
{
    pte_t e = pte_read(va);
    struct pfn *r = &pfn_db[pte_pfn(e)];
    if (!pager_page_dirty(e)) return true;
    uint32_t slot = r->slot;                          /* a stale copy's slot is reused */
    if (!slot) slot = slot_alloc();
    if (!slot) return false;
    r->slot = 0;
    pte_update(va, e & ~PTE_D);
    void *m = hyper_map(pte_pfn(e));
    int err = swapdev_write(slot, m);
    hyper_unmap(m);
    if (err) {
        st.write_errors++;
        if (st.write_errors <= IO_ERRORS_LOGGED)
            kprintf("pager: writing back %08x to slot %u failed (%s): the page stays dirty, the slot is bad\n", va,
                    slot, ata_err_name(err));
        slot_went_bad(slot);
        pte_update(va, pte_read(va) | PTE_D);
        return false;
    }
    r->slot = (uint16_t)slot;
    r->flags &= ~PFNF_DIRTY;
    return true;
}

/* The address space whose private arena is space k, NULL for the shared (k == n) and system
 * (k == n + 1) arenas. */
static struct as *space_as(uint32_t k)
{
    struct as *a = as_first();
    while (a && k--) a = a->next;
    return a;
}

/* Scans space k from hand_va: clears A bits, takes pages, until `goal` frames are free. */
static void scan_space(uint32_t k, uint32_t nas, uint32_t goal)
{
    struct as *a = k < nas ? space_as(k) : NULL;
    struct region *list = a ? a->regions : *region_list_for(k == nas ? ARENA_SHARED : ARENA_SYSTEM);
    struct as *prev = core_current_as;
    if (a) core_switch_as(a);
    for (struct region *r = list; r && pfn_count.free < goal; r = r->next) {
        vaddr_t end = r->base + r->npages * PAGE_SIZE;
        if (end <= hand_va) continue;
        for (vaddr_t va = r->base > hand_va ? r->base : hand_va; va < end && pfn_count.free < goal; va += PAGE_SIZE) {
            hand_va = va + PAGE_SIZE;
            pte_t *p = pte_lookup(va, NULL);
            if (!p) {                                /* no table: the rest of its 4 MiB */
                va = (va | (LARGE_PAGE_SIZE - 1)) + 1 - PAGE_SIZE;
                continue;
            }
            pte_t e = *p;
            if (!candidate(e) || kept(va, a)) continue;
            st.scanned++;
            struct pfn *fr = &pfn_db[pte_pfn(e)];
            if ((e & PTE_D) && fr->slot) {           /* written since read back: the copy is stale */
                slot_free(fr->slot);
                fr->slot = 0;
            }
            if (e & PTE_A) pte_update(va, e & ~PTE_A);
            else page_out(va);
        }
    }
    core_switch_as(prev);
}

static void make_room(uint32_t n)
{
    if (pfn_count.free >= n + PAGER_LOW || !pfn_count.pageable) return;
    uint32_t goal = n + PAGER_HIGH, nas = as_count();
    /* Twice round every space: once to clear A bits, once to take what they left. */
    for (uint32_t visits = 0; pfn_count.free < goal && visits <= 2 * (nas + 2); visits++) {
        if (hand_space >= nas + 2) hand_space = 0;
        scan_space(hand_space, nas, goal);
        if (pfn_count.free < goal) {
            hand_space++;
            hand_va = 0;
        }
    }
}

/* ---- room for a caller that is about to take frames ------------------------------------------ */

/* Every candidate page of every space, in the clock's order from the start: fn(va, entry, ctx)
 * with that space's directory loaded; fn returns false to stop the walk. */
typedef bool walk_fn(vaddr_t va, pte_t e, void *ctx);
static void walk_candidates(walk_fn *fn, void *ctx)
{
    uint32_t nas = as_count();
    struct as *prev = core_current_as;
    for (uint32_t k = 0; k < nas + 2; k++) {
        struct as *a = k < nas ? space_as(k) : NULL;
        struct region *list = a ? a->regions : *region_list_for(k == nas ? ARENA_SHARED : ARENA_SYSTEM);
        if (a) core_switch_as(a);
        for (struct region *r = list; r; r = r->next)
            for (vaddr_t va = r->base, end = r->base + r->npages * PAGE_SIZE; va < end; va += PAGE_SIZE) {
                pte_t *p = pte_lookup(va, NULL);
                if (!p) {
                    va = (va | (LARGE_PAGE_SIZE - 1)) + 1 - PAGE_SIZE;
                    continue;
                }
                if (candidate(*p) && !kept(va, a) && !fn(va, *p, ctx)) goto done;
            }
    }
done:
    core_switch_as(prev);
}

static bool count_one(vaddr_t va, pte_t e, void *ctx)
{
    (void)va;
    (void)e;
    ++*(uint32_t *)ctx;
    return true;
}

uint32_t mm_lockable_frames(void)
{
    uint32_t n = 0, can = pfn_obtainable();
    if (!on) return pfn_available();
    walk_candidates(count_one, &n);
    n += pfn_count.free;
    return n < can ? n : can;
}

/* The frames of [lo, hi): marked (pfn.scratch, which only mm_check uses otherwise) when a
 * candidate page holds them, counted until `want`. */
struct window { pfn_t lo, hi; uint32_t want, got; bool any; };   /* any: marked or not */

static bool mark_one(vaddr_t va, pte_t e, void *ctx)
{
    (void)va;
    struct window *w = ctx;
    pfn_t f = pte_pfn(e);
    if (f >= w->lo && f < w->hi) {
        pfn_db[f].scratch = 1;
        w->got++;
    }
    return w->got < w->want;
}

/* Pages out marked frames of the window until `want` of its frames are free (got counts them). */
static bool evict_one(vaddr_t va, pte_t e, void *ctx)
{
    struct window *w = ctx;
    pfn_t f = pte_pfn(e);
    if (f >= w->lo && f < w->hi && (w->any || pfn_db[f].scratch == 1) && page_out(va)) w->got++;
    return w->got < w->want;
}

static uint32_t mark_window(pfn_t lo, pfn_t hi, uint32_t want)
{
    for (pfn_t p = lo; p < hi; p++) pfn_db[p].scratch = 0;
    struct window w = { lo, hi, want, 0, false };
    walk_candidates(mark_one, &w);
    return w.got;
}

/* The first run of want->n frames in [lo, hi) each free or marked, by want's alignment and
 * boundary rules; PFN_NONE if there is none. */
static pfn_t find_evictable_run(const struct pfn_want *want, pfn_t lo, pfn_t hi)
{
    uint32_t n = want->n, align = want->align ? want->align : 1, b = want->boundary;
    for (pfn_t s = (lo + align - 1) & ~(align - 1); s < hi && hi - s >= n;) {
        if (b && s / b != (s + n - 1) / b) {            /* crosses a boundary: go to it */
            s = ((s / b + 1) * b + align - 1) & ~(align - 1);
            continue;
        }
        uint32_t i = 0;
        while (i < n && (pfn_db[s + i].state == PFN_FREE || pfn_db[s + i].scratch == 1)) i++;
        if (i == n) return s;
        s = (s + i + 1 + align - 1) & ~(align - 1);        /* past the frame that stays */
    }
    return PFN_NONE;
}

/* pfn_frees_hook (pfn.h): page out so that an allocation of *want can succeed, only if it can. */
static bool frees_for(const struct pfn_want *want)
{
    uint32_t n = want->n;
    if (!n || (!want->charged && pfn_obtainable() < n)) return false;   /* the charge or reserve refuses it */
    pfn_t lo = want->min, hi = want->max > pfn_max ? pfn_max : want->max;
    if (lo >= hi || hi - lo < n) return false;
    if (!want->run && !lo && hi == pfn_max) {           /* anywhere: the clock chooses */
        if (pfn_count.free >= n) return true;
        struct window w = { 0, pfn_max, n - pfn_count.free, 0, false };
        walk_candidates(mark_one, &w);                  /* enough that can leave? */
        if (w.got < w.want) return false;
        make_room(n);
        if (pfn_count.free < n) {                        /* the hand's second chances ran out */
            w = (struct window){ 0, pfn_max, n - pfn_count.free, 0, true };
            walk_candidates(evict_one, &w);
        }
        return pfn_count.free >= n;
    }
    if (!want->run) {                                    /* n single frames inside the window */
        uint32_t have = pfn_free_in(lo, hi);
        if (have >= n) return true;
        if (mark_window(lo, hi, n - have) < n - have) return false;
        struct window w = { lo, hi, n - have, 0, false };
        walk_candidates(evict_one, &w);
        return w.got >= w.want;
    }
    mark_window(lo, hi, ~0u);
    pfn_t s = find_evictable_run(want, lo, hi);
    if (s == PFN_NONE) return false;
    uint32_t busy = 0;
    for (uint32_t i = 0; i < n; i++) busy += pfn_db[s + i].state != PFN_FREE;
    struct window w = { s, s + n, busy, 0, false };
    if (busy) walk_candidates(evict_one, &w);
    return w.got >= busy;
}

/* ---- page-in ------------------------------------------------------------------------------------ */

bool pager_page_in(vaddr_t va, bool from_fault)
{
    if (!on) return false;
    if (from_fault) make_room(1);
    pte_t e = pte_read(va);
    if (!pte_is_swapped(e)) return false;
    uint32_t slot = pte_slot(e);
    pfn_t f = pfn_alloc(PFN_ALLOC_CHARGED);
    if (f == PFN_NONE) return false;
    void *m = hyper_map(f);
    int err = swapdev_read(slot, m);
    hyper_unmap(m);
    if (err) {
        st.read_errors++;
        if (st.read_errors <= IO_ERRORS_LOGGED)
            kprintf("pager: reading %08x from slot %u failed (%s)%s\n", va, slot, ata_err_name(err),
                    st.read_errors == IO_ERRORS_LOGGED ? " (further read errors are only counted)" : "");
        pfn_free(f);
        return false;
    }
    pfn_db[f].slot = (uint16_t)slot;                 /* the clean copy: pte.c keeps the slot */
    pte_install(va, pte_make(va, f, (e & (MM_PROT_MASK | MM_CACHE_MASK)) | PTE_SW_PAGEABLE | (from_fault ? 0 : PTE_A)));
    st.page_ins++;
    if (from_fault) {
        st.fault_ins++;
        mm_demand_faults++;
    }
    return true;
}

static bool pagein_hook(vaddr_t va) { return pager_page_in(va, false); }

/* ---- on, off, counters -------------------------------------------------------------------------- */

mm_status mm_pager_enable(void)
{
    if (on) return MM_OK;
    if (!swapdev_present() || !swapdev_slots()) return MM_ENOENT;
    slot_setup(swapdev_slots());
    pfn_count.swap_slots = slot_count();
    pfn_count.reserve = PAGER_RESERVE;
    pfn_room_hook = make_room;
    pfn_pagein_hook = pagein_hook;
    pfn_frees_hook = frees_for;
    hand_space = 0;
    hand_va = 0;
    on = true;
    return MM_OK;
}

mm_status mm_pager_disable(void)
{
    if (!on) return MM_OK;
    if (pfn_count.swapped) return MM_EBUSY;
    uint32_t free_limit = pfn_count.free + pfn_count.pageable;   /* the limit without the pager */
    if (pfn_count.charged > free_limit) return MM_EBUSY;
    for (pfn_t p = 0; p < pfn_max; p++)              /* slot copies of present pages go */
        if (pfn_db[p].state == PFN_USED) pfn_db[p].slot = 0;
    slot_setup(0);
    pfn_count.swap_slots = pfn_count.reserve = 0;
    pfn_room_hook = NULL;
    pfn_pagein_hook = NULL;
    pfn_frees_hook = NULL;
    on = false;
    return MM_OK;
}

void mm_pager_get_stats(struct mm_pager_stats *out)
{
    *out = st;
    out->slots = slot_count();
    out->slots_used = slot_used();
    out->slots_bad = slot_bad_count();
    out->swapped = pfn_count.swapped;
    out->pageable = pfn_count.pageable;
}
