/*
 * tests/suites/stress/cross.c - the cross-API sequences: one operation of the stress that runs a whole
 * sequence of 8-25 calls in which one API's lock meets another API's free, a reused frame and a
 * stale or edited owner - the sequences that broke the anonymous lock counts:
 *
 *   1. a victim: an object of any personality (new, or one the stress holds), its pages written,
 *      sometimes seen through more views (VMProcessToGlobal, VMGlobalToProcess, a PAGEMAPGLOBAL
 *      alias);
 *   2. locks through one API: VMLock (relocating flags too), MmProbeAndLockPages (with a system
 *      mapping or not), _LinPageLock(PAGEMAPGLOBAL), _LinPageLock - on the victim or a view;
 *   3. free or relocate through another: _PageFree / VMFree / MmFreeContiguousMemory of the
 *      victim (its locked frames become orphans), _PageDecommit, _PageReAllocate (refused while
 *      locked), destruction of its process, a view freed, VMLock(CONTIGUOUS / 16M / TRY_CONTIG)
 *      of the locked pages (refused: no frame moves under a lock);
 *   4. reuse: new fixed and movable memory of every personality (the allocator hands out the
 *      frames freed in 3 first), locked by new owners; an orphan mapped again (MmMapIoSpace of
 *      its frame, the MDL's system mapping of a freed buffer);
 *   5. stale and edited owners: VMUnLock of a released handle's copy (its slot now holds a new
 *      lock), MmUnlockPages of an MDL whose PFN array names the new owners' frames, an unlocked
 *      MDL made to look locked, PL_TOTALUNLOCK over pages records lock, _LinPageUnLock through
 *      another view of a locked frame and through the freed victim's address (maybe reused);
 *   6. the owners from 2 let go (an orphan's frame must be on the free list at once), some of
 *      what the sequence made is freed.
 *
 * Every call predicts its result from the shadow model (tests/suites/stress/locks.c, tests/suites/stress/ops.c) and after
 * every call the sweep (sx_verify_all) asserts the two frame invariants: (a) a frame with an
 * outstanding lock of any owner never changes physical address and never reaches the free list
 * - every page and view the model knows still maps it, its PFN record is in use - and (b) fixed
 * memory (VMDHA_FIXED, PAGEFIXED, PAGELOCKED, PC_FIXED, _PageCommitContig, contiguous memory)
 * never moves.  On top of the model's own bookkeeping, the sequence keeps the frames it saw
 * locked or fixed when it made them and checks them directly in the PFN database and the page
 * tables after every call (held_check), so a model bug cannot hide a kernel one.
 */
#include "tests/suites/stress/stress.h"

#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)

/* Handles on the model's maps and records that survive slot reuse. */
struct mref { struct sx_map *m; uint32_t serial; };
struct lref { struct sx_lock *l; uint32_t serial; };

static struct sx_map *live_map(struct mref r) { return r.m && r.m->used && r.m->serial == r.serial ? r.m : NULL; }
static struct sx_lock *live_lock(struct lref r) { return r.l && r.l->used && r.l->serial == r.serial ? r.l : NULL; }
static struct mref mref(struct sx_map *m) { return (struct mref){ m, m ? m->serial : 0 }; }
static struct lref lref(struct sx_lock *l) { return (struct lref){ l, l ? l->serial : 0 }; }

/* A frame (of cell `cell`) the sequence saw an owner lock - a record, or an alias map - or saw
 * fixed memory take (owner: the fixed map's page `page`). */
struct held { struct lref rec; struct mref map; uint32_t page; uint16_t cell; pfn_t pfn; bool fixed; };

#define MAX_VIEWS 3
#define MAX_LOCKS 6
#define MAX_FRESH 3
#define MAX_HELD 48
struct seq {
    struct mref victim;
    uint8_t victim_as;
    vaddr_t victim_va;
    uint32_t i, k;                       /* the victim's pages the sequence works on */
    struct mref views[MAX_VIEWS];
    uint32_t nviews;
    struct lref locks[MAX_LOCKS];
    uint32_t nlocks;
    struct mref fresh[MAX_FRESH];
    uint32_t nfresh;
    struct held held[MAX_HELD];
    uint32_t nheld;
};

/* ---- the direct checks ---------------------------------------------------------------------- */

static void hold_record(struct seq *q, struct sx_lock *l)
{
    for (uint32_t p = 0; l && p < l->npages && q->nheld < MAX_HELD; p++)
        q->held[q->nheld++] = (struct held){ lref(l), { NULL, 0 }, 0, l->cell[p], sx.cells[l->cell[p]].pfn, false };
}

/* An alias's pages (its record locks them), or a fixed object's fixed pages. */
static void hold_map(struct seq *q, struct sx_map *m, bool fixed)
{
    for (uint32_t p = 0; m && p < m->npages && q->nheld < MAX_HELD; p++) {
        uint16_t c = m->cell[p];
        if (!sx_cell_in_ram(c) || (fixed && !m->pinned[p] && m->kind != SX_NT_CONTIG)) continue;
        q->held[q->nheld++] = (struct held){ { NULL, 0 }, mref(m), p, c, sx.cells[c].pfn, fixed };
    }
}

/* (a) and (b), straight from the PFN database and the page tables: a frame whose owner still
 * holds it is in use (and locked, unless fixed memory holds it), the model's cell for it -
 * which every page and view of it is compared with - is still on it, and the owner's own page
 * (an alias's, a fixed object's) maps it. */
static const char *held_check(const struct seq *q)
{
    for (uint32_t h = 0; h < q->nheld; h++) {
        const struct held *e = &q->held[h];
        struct sx_lock *l = live_lock(e->rec);
        struct sx_map *m = live_map(e->map);
        if (!l && !(m && m->cell[e->page] == e->cell)) continue;     /* the owner let go */
        struct pfn *r = pfn_get(e->pfn);
        const struct sx_cell *x = &sx.cells[e->cell];
        if (!r || r->state != PFN_USED || (!e->fixed && !r->lock_count))
            return sx_fail("frame %x (%s) is %s with %u locks while its owner holds it", e->pfn,
                           e->fixed ? "fixed memory" : "locked", r ? pfn_state_name(r->state) : "not RAM",
                           r ? r->lock_count : 0);
        if (!x->used || !x->present || x->pfn != e->pfn)
            return sx_fail("%s frame %x moved: the model follows cell %u to %x", e->fixed ? "fixed" : "locked",
                           e->pfn, e->cell, x->pfn);
        vaddr_t va = m ? m->base + e->page * PAGE_SIZE : 0;
        if (m && pte_pfn(sx_pte(m, e->page)) != e->pfn)
            return sx_fail("%s page %08x now maps frame %x, not %x", e->fixed ? "fixed" : "alias", va,
                           pte_pfn(sx_pte(m, e->page)), e->pfn);
    }
    return NULL;
}

/* After every call: the sweep (the model against the kernel, with both invariants), the direct
 * checks, and mm_check where the run checks every step. */
static const char *after(const char *r, const struct seq *q)
{
    sx.cross_call++;
    sx.st.cross_steps++;
    if (r == sx_skipped) r = NULL;
    if (!r) r = sx_verify_all();
    if (!r) r = held_check(q);
    if (!r && sx.check_every == 1) r = sx_check_now();
    return r;
}
#define RUN(call) do { const char *r_ = after((call), q); if (r_) return r_; } while (0)

/* ---- picking -------------------------------------------------------------------------------- */

static bool region(const struct sx_map *m) { return SXK(m->kind) & SXK_REGIONS; }

/* The victim or one of its live views, with a range of it (the same frames as [i, i + k) of
 * the victim, as far as the view covers them). */
static struct sx_map *some_target(struct seq *q, bool regions_only, uint32_t *i, uint32_t *k)
{
    struct sx_map *cand[1 + MAX_VIEWS];
    uint32_t n = 0;
    struct sx_map *v = live_map(q->victim);
    if (v && (!regions_only || region(v))) cand[n++] = v;
    for (uint32_t j = 0; j < q->nviews; j++) {
        struct sx_map *m = live_map(q->views[j]);
        if (m && (!regions_only || region(m))) cand[n++] = m;
    }
    if (!n) return NULL;
    struct sx_map *m = cand[sx_below(n)];
    if (m == v) { *i = q->i; *k = q->k; }
    else { *i = 0; *k = m->npages; }
    if (sx_chance(30)) sx_pick_range(m, i, k);
    return m;
}

static void add_lock(struct seq *q, struct sx_lock *l)
{
    if (!l) return;
    hold_record(q, l);
    if (q->nlocks < MAX_LOCKS) q->locks[q->nlocks++] = lref(l);
}

static void add_view(struct seq *q, struct sx_map *v)
{
    if (!v) return;
    if (v->kind == SX_LPL_GLOBAL) hold_map(q, v, false);      /* the alias's record holds them */
    if (q->nviews < MAX_VIEWS) q->views[q->nviews++] = mref(v);
}

static bool fixed_object(const struct sx_map *m)
{
    for (uint32_t p = 0; p < m->npages; p++)
        if (m->cell[p] != SX_NOCELL && sx.cells[m->cell[p]].fixed) return true;
    return false;
}

/* ---- the phases ------------------------------------------------------------------------------- */

static bool object_with_pages(const struct sx_map *m) { return sx_range_committed(m, 0, 1) || m->npages > 1; }

static const char *victim(struct seq *q)
{
    struct sx_map *m = NULL;
    if (sx_chance(50)) {
        RUN(sx_chance(30) ? sx_alloc_fixed(&m) : sx_alloc_any(&m));
    } else {
        m = sx_pick_map(SXK_OBJECTS, object_with_pages);
    }
    if (!m || !sx_range_committed(m, 0, 1)) {
        for (uint32_t p = 0; m && p < m->npages; p++)   /* a reservation: the first committed run */
            if (m->cell[p] != SX_NOCELL) { q->i = p; break; }
        if (!m || m->cell[q->i] == SX_NOCELL) return sx_skipped;
    }
    q->victim = mref(m);
    q->victim_as = m->as;
    q->victim_va = m->base;
    q->k = 1;
    while (q->i + q->k < m->npages && m->cell[q->i + q->k] != SX_NOCELL && sx_chance(70)) q->k++;
    if (fixed_object(m)) hold_map(q, m, true);
    for (uint32_t p = q->i; p < q->i + q->k; p++)
        if (sx_chance(70)) RUN(sx_write(m, p));
    uint32_t views = sx_below(3);
    for (uint32_t n = 0; n < views; n++) {
        struct sx_map *v = NULL;
        m = live_map(q->victim);
        if (!m) break;
        switch (sx_below(3)) {
        case 0: RUN(sx_p2g(m, q->i, q->k, &v)); break;
        case 1: RUN(sx_g2p(m, q->i, q->k, &v)); break;
        default: RUN(sx_lpl_global(m, q->i, q->k, &v)); break;
        }
        add_view(q, v);
    }
    return NULL;
}

static const ULONG any_vmlock[] = { 0, VMDHL_WRITE, VMDHL_LONG, VMDHL_VERIFY, VMDHL_16M, VMDHL_CONTIGUOUS,
                                    VMDHL_TRY_CONTIG, VMDHL_NOBLOCK | VMDHL_CONTIGUOUS, VMDHL_CONTIGUOUS | VMDHL_16M };
static const ULONG moving_vmlock[] = { VMDHL_CONTIGUOUS, VMDHL_16M, VMDHL_TRY_CONTIG, VMDHL_CONTIGUOUS | VMDHL_16M,
                                       VMDHL_TRY_CONTIG | VMDHL_16M, VMDHL_NOBLOCK | VMDHL_CONTIGUOUS,
                                       VMDHL_NOBLOCK | VMDHL_16M };

/* One lock through one API on the victim or a view; api < 0: any. */
static const char *lock_one(struct seq *q, int api)
{
    uint32_t i, k;
    struct sx_lock *l = NULL;
    struct sx_map *v = NULL, *m;
    switch (api < 0 ? (int)sx_below(4) : api) {
    case 0:
        if (!(m = some_target(q, false, &i, &k)) || !(SXK(m->kind) & (SXK_REGIONS | SXK(SX_LPL_GLOBAL)))) return NULL;
        RUN(sx_vmlock(m, i, k, any_vmlock[sx_below(ARRAY_SIZE(any_vmlock))], &l));
        add_lock(q, l);
        return NULL;
    case 1:
        if (!(m = some_target(q, false, &i, &k))) return NULL;
        RUN(sx_mdl_lock(m, i, k, sx_chance(50), &l));
        add_lock(q, l);
        return NULL;
    case 2:
        if (!(m = some_target(q, true, &i, &k))) return NULL;
        RUN(sx_lpl_global(m, i, k, &v));
        add_view(q, v);
        return NULL;
    default:
        if (!(m = some_target(q, true, &i, &k))) return NULL;
        RUN(sx_linlock(m, i, k));
        return NULL;
    }
}

static const char *free_or_move(struct seq *q)
{
    struct sx_map *m = live_map(q->victim), *t;
    uint32_t i, k;
    struct sx_lock *l = NULL;
    switch (sx_below(7)) {
    case 0:
        if (m && (m->kind == SX_VXD_BLOCK || m->kind == SX_VXD_RESERVE)) { RUN(sx_decommit(m, q->i, q->k)); return NULL; }
        break;
    case 1:
        if (m && m->kind == SX_VXD_BLOCK) { RUN(sx_realloc(m, 1 + sx_below(4), sx_chance(50) ? 0 : PAGENOCOPY)); return NULL; }
        break;
    case 2:
        if (m && m->as != SX_GLOBAL && m->as != 0) {
            sx_describe("as_destroy(process %u) holding the victim", m->as);
            RUN(sx_destroy_as(m->as));
            return NULL;
        }
        break;
    case 3: case 4:                                 /* relocation of the locked frames */
        if ((t = some_target(q, false, &i, &k)) && (SXK(t->kind) & (SXK_REGIONS | SXK(SX_LPL_GLOBAL)))) {
            RUN(sx_vmlock(t, i, k, moving_vmlock[sx_below(ARRAY_SIZE(moving_vmlock))], &l));
            add_lock(q, l);
            return NULL;
        }
        break;
    case 5:                                         /* a view goes, with its own locks */
        for (uint32_t j = 0; j < q->nviews; j++)
            if ((t = live_map(q->views[j]))) { RUN(sx_free_map(t)); break; }
        break;
    default:
        break;
    }
    if (m) RUN(sx_free_map(m));
    return NULL;
}

/* New memory of every personality - the allocator hands out the frames just freed first - and
 * new owners on it, whose locks a stale unlock must not take. */
static const char *reuse(struct seq *q)
{
    uint32_t n = 1 + sx_below(MAX_FRESH);
    for (uint32_t f = 0; f < n; f++) {
        struct sx_map *m = NULL;
        struct sx_lock *l = NULL;
        RUN(sx_chance(50) ? sx_alloc_fixed(&m) : sx_alloc_any(&m));
        if (!m) continue;
        if (fixed_object(m)) hold_map(q, m, true);
        q->fresh[q->nfresh++] = mref(m);
        uint32_t i, k;
        sx_pick_range(m, &i, &k);
        if (!sx_range_committed(m, i, k)) continue;
        switch (sx_below(5)) {
        case 0: if (region(m)) RUN(sx_vmlock(m, i, k, any_vmlock[sx_below(3)], &l)); break;
        case 1: RUN(sx_mdl_lock(m, i, k, sx_chance(30), &l)); break;
        case 2: if (region(m)) RUN(sx_linlock(m, i, k)); break;
        default: break;
        }
        add_lock(q, l);
    }
    if (sx_chance(40)) {                            /* an orphan comes back into view */
        for (uint16_t c = 0; c < SX_MAX_CELLS; c++)
            if (sx.cells[c].used && sx_cell_in_ram(c) && !sx.cells[c].maps) { RUN(sx_iospace_cell(c, NULL)); break; }
    }
    for (uint32_t j = 0; j < q->nlocks && sx_chance(40); j++) {
        struct sx_lock *l = live_lock(q->locks[j]);
        if (l && l->kind == SXL_MDL) { RUN(sx_mdl_map(l)); break; }
    }
    return NULL;
}

/* _LinPageUnLock through a page whose frame another page has _LinPageLock'ed: the lock is that
 * other page's, so this one must be refused (unless it has locks of its own). */
static const char *unlock_other_view(void)
{
    uint32_t start = sx_below(SX_MAX_MAPS);
    for (uint32_t a = 0; a < SX_MAX_MAPS; a++) {
        struct sx_map *m = &sx.maps[(a + start) % SX_MAX_MAPS];
        for (uint32_t p = 0; m->used && p < m->npages; p++) {
            if (!m->llocks[p]) continue;
            for (uint32_t b = 0; b < SX_MAX_MAPS; b++) {
                struct sx_map *o = &sx.maps[b];
                if (!o->used || o == m || !(SXK(o->kind) & (SXK_REGIONS | SXK(SX_LPL_GLOBAL)))) continue;
                for (uint32_t r = 0; r < o->npages; r++)
                    if (o->cell[r] == m->cell[p]) {
                        sx.st.view_unlocks++;
                        return sx_linunlock(o, r, 1, sx_chance(50));
                    }
            }
        }
    }
    return sx_skipped;
}

/* _LinPageUnLock at the freed victim's address: refused - unless new memory now lies there,
 * whose own locks decide.  (A region the model does not know - a ring-3 stack - has none.) */
static const char *unlock_stale_address(const struct seq *q)
{
    if (live_map(q->victim) || (q->victim_as != SX_GLOBAL && !sx.as[q->victim_as])) return sx_skipped;
    vaddr_t va = q->victim_va + q->i * PAGE_SIZE;
    if (q->victim_as != SX_GLOBAL && sx.as[q->victim_as] != as_current()) {
        as_switch(sx.as[q->victim_as]);
        sx.st.switches++;
    }
    for (uint32_t k = 0; k < SX_MAX_MAPS; k++) {
        struct sx_map *m = &sx.maps[k];
        if (m->used && region(m) && sx_visible(m) && va >= m->base && va < m->base + m->npages * PAGE_SIZE)
            return sx_linunlock(m, (va - m->base) >> PAGE_SHIFT, 1, sx_chance(50));
    }
    ULONG f = sx_chance(50) ? PL_TOTALUNLOCK : 0;
    sx_describe("_LinPageUnLock(%08x, 1, %x) at the freed victim's address", va, f);
    struct mm_counts b;
    mm_counts_take(&b);
    if (_LinPageUnLock(PG(va), 1, f)) return sx_fail("_LinPageUnLock of a freed page succeeded");
    sx.st.stale_refused++;
    return sx_unchanged(&b, "_LinPageUnLock of a freed page");
}

/* PL_TOTALUNLOCK over pages the sequence's records lock: the victim or a view, new memory. */
static const char *total_unlock(struct seq *q)
{
    uint32_t i, k;
    struct sx_map *m = sx_chance(50) ? some_target(q, false, &i, &k) : NULL;
    if (!m) {
        m = q->nfresh ? live_map(q->fresh[sx_below(q->nfresh)]) : NULL;
        if (!m) return sx_skipped;
        sx_pick_range(m, &i, &k);
    }
    if (!(SXK(m->kind) & (SXK_REGIONS | SXK(SX_LPL_GLOBAL)))) return sx_skipped;
    return sx_linunlock(m, i, k, true);
}

static const char *stale_owners(struct seq *q)
{
    uint32_t n = 2 + sx_below(5);
    for (uint32_t s = 0; s < n; s++) {
        struct sx_lock *l = q->nlocks ? live_lock(q->locks[sx_below(q->nlocks)]) : NULL;
        switch (sx_below(7)) {
        case 0:                                     /* an owner lets go (an edited MDL too) */
            if (!l) break;
            if (l->kind == SXL_MDL && sx_chance(60)) RUN(sx_mdl_edit(l));
            RUN(sx_release_lock(l));
            break;
        case 1: RUN(sx_vmunlock_stale()); break;
        case 2: RUN(total_unlock(q)); break;
        case 3: RUN(unlock_other_view()); break;
        case 4: RUN(unlock_stale_address(q)); break;
        case 5: RUN(sx_mdl_forged()); break;
        default:
            if (l && l->kind == SXL_MDL) RUN(sx_mdl_edit(l));
            break;
        }
    }
    return NULL;
}

/* The sequence's owners let go (most of them) and some of what it made goes. */
static const char *wind_down(struct seq *q)
{
    for (uint32_t j = 0; j < q->nlocks; j++) {
        struct sx_lock *l = live_lock(q->locks[j]);
        if (l && sx_chance(75)) RUN(sx_release_lock(l));
    }
    for (uint32_t j = 0; j < q->nviews; j++) {
        struct sx_map *m = live_map(q->views[j]);
        if (m && sx_chance(60)) RUN(sx_free_map(m));
    }
    for (uint32_t j = 0; j < q->nfresh; j++) {
        struct sx_map *m = live_map(q->fresh[j]);
        if (m && sx_chance(60)) RUN(sx_free_map(m));
    }
    struct sx_map *m = live_map(q->victim);
    if (m && sx_chance(50)) RUN(sx_free_map(m));
    return NULL;
}

static const char *sequence(struct seq *q)
{
    const char *r = victim(q);
    if (r) return r;
    uint32_t nl = 1 + sx_below(3);
    int api = (int)sx_below(4);                     /* mostly one API, sometimes several */
    for (uint32_t n = 0; n < nl; n++)
        if ((r = lock_one(q, sx_chance(70) ? api : -1))) return r;
    uint32_t nf = 1 + (sx_chance(30) ? 1 : 0);
    for (uint32_t n = 0; n < nf; n++)
        if ((r = free_or_move(q))) return r;
    if ((r = reuse(q))) return r;
    if ((r = stale_owners(q))) return r;
    return wind_down(q);
}

const char *sx_op_cross(void)
{
    static struct seq q;
    memset(&q, 0, sizeof q);
    sx.cross_call = 1;
    sx_describe("a cross-API sequence begins");
    const char *r = sequence(&q);
    if (r == sx_skipped) r = NULL;                  /* no victim to be had: what ran was checked */
    if (!r) sx.st.cross++;
    if (!r) sx.cross_call = 0;                      /* a failure keeps the call number for the report */
    return r;
}
