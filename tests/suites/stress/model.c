/*
 * tests/suites/stress/model.c - the shadow model of the randomized stress (see tests/suites/stress/stress.h): cells,
 * maps and lock records, what the model learns from the page tables, and the sweep that
 * compares everything it knows with the kernel after every step.
 *
 * What the sweep proves, for every page of every object and view the generator holds:
 *   - the PTE (through the self-map in the current address space, through hyperspace in the
 *     others) is present exactly when the model says so, maps the cell's frame, and carries the
 *     protection (W, U) and pin bit the model expects; an uncommitted page has no entry; a page
 *     of the current address space has exactly the _LinPageLocks the model gave it;
 *   - reading the page through its own linear address gives the cell's tag at offsets 0 and
 *     4092 - so a stale TLB entry or an alias on the wrong frame is caught by the read itself;
 *     a cell mapped only in other address spaces, or by nothing (an orphan a record keeps), is
 *     read through hyperspace instead;
 *   - the frame's PFN record agrees: state used, map_count = the model's mappings, lock_count
 *     = pins + record locks + linear locks, pins = pins;
 *   - with the pager on, a pageable cell that one mapping holds and nobody locks may have
 *     changed frames or be in swap (its entry "swapped", prot kept): the model follows it
 *     (sx_follow_pager) and checks its contents, not its frame - read back through its address
 *     (a page-in) every 16th sweep while it is in swap;
 *   - the two frame-lifetime invariants: a cell that is locked (any owner) or pinned, or that
 *     fixed memory made, is still on the frame it had then (its anchor) - so locked and fixed
 *     memory never moved - and that frame is in use; and a frame whose last owner went (the
 *     model dropped its cell) was on the free list right after that call.
 */
#include "tests/suites/stress/stress.h"
#include "mm/core/core.h"

struct sx_state sx;
static char fail_buf[320];

const char *sx_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(fail_buf, sizeof fail_buf, fmt, ap);
    va_end(ap);
    return fail_buf;
}

void sx_describe(const char *fmt, ...)
{
    va_list ap;
    size_t n = sx.cross_call ? ksnprintf(sx.desc, sizeof sx.desc, "cross-API call %u: ", sx.cross_call) : 0;
    va_start(ap, fmt);
    kvsnprintf(sx.desc + n, sizeof sx.desc - n, fmt, ap);
    va_end(ap);
    if (sx.trace) kprintf("stress: step %u: %s\n", sx.step, sx.desc);
}

uint32_t sx_new_tag(void)
{
    static uint32_t n;
    return 0x40000000u | (++n & 0x3FFFFFFFu);       /* never 0 (a zero page), never the poison */
}

/* ---- cells ------------------------------------------------------------------------------ */

uint16_t sx_cell_new(void)
{
    static uint16_t hint;
    for (uint32_t k = 0; k < SX_MAX_CELLS; k++) {
        uint16_t c = (uint16_t)((hint + k) % SX_MAX_CELLS);
        if (!sx.cells[c].used) {
            memset(&sx.cells[c], 0, sizeof sx.cells[c]);
            sx.cells[c].used = 1;
            hint = (uint16_t)(c + 1);
            return c;
        }
    }
    return SX_NOCELL;
}

static char pending[200];      /* a failure seen where no result can be returned */

static void note_pending(const char *fmt, pfn_t f, uint32_t state)
{
    if (!pending[0]) ksnprintf(pending, sizeof pending, fmt, f, state);
}

void sx_cell_present(uint16_t c, pfn_t pfn)
{
    struct sx_cell *x = &sx.cells[c];
    x->present = 1;
    x->pfn = x->anchor = pfn;
    x->maps = 1;
    for (uint32_t k = 0; k < SX_RECENT && k < sx.nrecent; k++)
        if (sx.recent[k] == pfn) { sx.st.recycled++; break; }
}

bool sx_cell_locked(const struct sx_cell *x) { return x->rec || x->llocks || x->pins; }

bool sx_cell_movable(const struct sx_cell *x)
{
    return !x->present || (x->maps == 1 && !sx_cell_locked(x));
}

uint16_t sx_cell_of_pfn(pfn_t f)
{
    for (uint16_t c = 0; c < SX_MAX_CELLS; c++)
        if (sx.cells[c].used && sx.cells[c].present && !sx.cells[c].out && sx.cells[c].pfn == f) return c;
    return SX_NOCELL;
}

/* The cell's last owner is gone: so is the cell, and its frame must be free now - nothing
 * runs between the call that dropped it and this (a locked frame that reached the free list,
 * or one that stayed allocated with nothing referring to it, is caught here). */
static void cell_gone(uint16_t c)
{
    struct sx_cell *x = &sx.cells[c];
    x->used = 0;
    if (!x->present || x->out) return;
    struct pfn *r = pfn_get(x->pfn);
    if (!r || r->state != PFN_FREE)
        note_pending("frame %x lost its last owner but is not free (state %u)", x->pfn, r ? r->state : 0);
    sx.recent[sx.nrecent++ % SX_RECENT] = x->pfn;
}

/* ---- the pager ---------------------------------------------------------------------------- */

bool sx_cell_pager_may_take(const struct sx_cell *x)
{
    return mm_pager_on() && x->pageable && x->maps == 1 && !sx_cell_locked(x) && !x->fixed;
}

/* Page i of m (an object's own page) against what the pager may have done: a cell in swap that
 * is present again is on whatever frame it got (a lock or a fault brought it back); a movable
 * pageable one may be on another frame or in swap. */
static void follow_page(struct sx_map *m, uint32_t i)
{
    uint16_t c = m->cell[i];
    if (c == SX_NOCELL || !SX_IS_OBJECT(m->kind)) return;
    struct sx_cell *x = &sx.cells[c];
    pte_t e = sx_pte(m, i);
    if (!x->present) {
        if (!pte_is_swapped(e)) return;              /* demand-zero, or present: sx_learn's */
        sx_cell_present(c, 0);                       /* touched and taken since the model looked */
        x->pins = m->pinned[i];
        x->pageable = 1;
        x->out = 1;
        x->home_map = (uint8_t)sx_map_index(m);
        x->home_page = (uint8_t)i;
        sx.st.paged_out++;
        return;
    }
    if (x->maps == 1) {
        x->home_map = (uint8_t)sx_map_index(m);
        x->home_page = (uint8_t)i;
        if (e & PTE_P) x->pageable = (e & PTE_SW_PAGEABLE) != 0;
    }
    if (x->out) {
        if (!(e & PTE_P)) return;
        x->pfn = x->anchor = pte_pfn(e);
        x->out = 0;
        return;
    }
    if (!sx_cell_pager_may_take(x)) return;
    if ((e & PTE_P) && pte_pfn(e) != x->pfn) {
        x->pfn = x->anchor = pte_pfn(e);
        sx.st.paged_moves++;
    } else if (pte_is_swapped(e)) {
        x->out = 1;
        sx.st.paged_out++;
    }
}

void sx_follow_pager(void)
{
    if (!mm_pager_on()) return;
    for (uint32_t k = 0; k < SX_MAX_MAPS; k++)
        for (uint32_t i = 0; sx.maps[k].used && i < sx.maps[k].npages; i++) follow_page(&sx.maps[k], i);
}

/* Before a lock is counted: the frame the page has now (the lock may have read it back). */
static void refresh(struct sx_cell *x)
{
    if (!mm_pager_on() || !x->pageable || x->home_map >= SX_MAX_MAPS) return;
    struct sx_map *m = &sx.maps[x->home_map];
    if (m->used && x->home_page < m->npages && &sx.cells[m->cell[x->home_page]] == x) follow_page(m, x->home_page);
}

/* A present cell becomes locked: from now on it must stay on this frame.  (A frame that was
 * fixed memory and is no longer - its fixed mapping went, another still maps it - may move
 * again until then: the pin was the fixed mapping's.) */
static void lock_gained(struct sx_cell *x, bool was_locked)
{
    if (!was_locked && !x->fixed) x->anchor = x->pfn;
}

void sx_cell_lock(uint16_t c)
{
    struct sx_cell *x = &sx.cells[c];
    refresh(x);
    bool was = sx_cell_locked(x);
    x->rec++;
    lock_gained(x, was);
}

void sx_cell_unlock(uint16_t c)
{
    struct sx_cell *x = &sx.cells[c];
    x->rec--;
    if (!x->maps && !x->rec) {
        sx.st.orphans_freed++;
        cell_gone(c);
    }
}

void sx_page_llock(struct sx_map *m, uint32_t i, uint32_t n)
{
    struct sx_cell *x = &sx.cells[m->cell[i]];
    follow_page(m, i);
    bool was = sx_cell_locked(x);
    m->llocks[i] += n;
    x->llocks += n;
    lock_gained(x, was);
}

void sx_page_lunlock(struct sx_map *m, uint32_t i, uint32_t n)
{
    m->llocks[i] -= n;
    sx.cells[m->cell[i]].llocks -= n;
}

/* The page's mapping is gone, its linear locks (and pin, and an alias's record) with it.  The
 * cell lives on while another mapping or a record holds it - an orphan when only records do. */
void sx_page_drop(struct sx_map *m, uint32_t i)
{
    uint16_t c = m->cell[i];
    if (c == SX_NOCELL) return;
    struct sx_cell *x = &sx.cells[c];
    m->cell[i] = SX_NOCELL;
    if (x->present) {
        x->maps--;
        x->llocks -= m->llocks[i];
        if (m->pinned[i]) x->pins--;
        if (m->pinned[i] || m->kind == SX_NT_CONTIG) x->fixed--;   /* fixed memory no more */
        if (m->kind == SX_LPL_GLOBAL) x->rec--;
        m->llocks[i] = 0;
        if (x->maps) return;
        if (x->rec) { sx.st.orphans++; return; }
    }
    cell_gone(c);
}

/* ---- maps and lock records ------------------------------------------------------------------ */

struct sx_map *sx_map_new(uint8_t kind, uint8_t as, vaddr_t ret, vaddr_t base, uint32_t npages)
{
    for (uint32_t k = 0; k < SX_MAX_MAPS; k++) {
        struct sx_map *m = &sx.maps[k];
        if (m->used) continue;
        memset(m, 0, sizeof *m);
        m->used = 1;
        m->kind = kind;
        m->as = as;
        m->ret = ret;
        m->base = base;
        m->npages = (uint8_t)npages;
        m->serial = ++sx.serial;
        for (uint32_t i = 0; i < SX_MAX_PAGES; i++) m->cell[i] = SX_NOCELL;
        if (SX_IS_OBJECT(kind)) sx.live_pages += npages;
        sx.st.per_kind[kind]++;
        return m;
    }
    return NULL;
}

void sx_map_free(struct sx_map *m)
{
    for (uint32_t i = 0; i < m->npages; i++) sx_page_drop(m, i);
    if (SX_IS_OBJECT(m->kind)) sx.live_pages -= m->npages;
    m->used = 0;
}

int sx_map_index(const struct sx_map *m) { return (int)(m - sx.maps); }

bool sx_map_slot_free(void)
{
    for (uint32_t k = 0; k < SX_MAX_MAPS; k++)
        if (!sx.maps[k].used) return true;
    return false;
}

struct sx_map *sx_pick_map(uint32_t kinds, bool (*ok)(const struct sx_map *))
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < SX_MAX_MAPS; k++)
        if (sx.maps[k].used && (kinds & SXK(sx.maps[k].kind)) && (!ok || ok(&sx.maps[k]))) n++;
    if (!n) return NULL;
    uint32_t want = sx_below(n);
    for (uint32_t k = 0; k < SX_MAX_MAPS; k++)
        if (sx.maps[k].used && (kinds & SXK(sx.maps[k].kind)) && (!ok || ok(&sx.maps[k])) && !want--)
            return &sx.maps[k];
    return NULL;
}

struct sx_lock *sx_lock_new(uint8_t kind)
{
    for (uint32_t k = 0; k < SX_MAX_LOCKS; k++) {
        struct sx_lock *l = &sx.locks[k];
        if (l->used) continue;
        memset(l, 0, sizeof *l);
        l->used = 1;
        l->kind = kind;
        l->view = -1;
        l->serial = ++sx.serial;
        for (uint32_t i = 0; i < SX_MAX_PAGES; i++) l->cell[i] = SX_NOCELL;
        return l;
    }
    return NULL;
}

struct sx_lock *sx_pick_lock(uint32_t kinds)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < SX_MAX_LOCKS; k++)
        if (sx.locks[k].used && (kinds & (1u << sx.locks[k].kind))) n++;
    if (!n) return NULL;
    uint32_t want = sx_below(n);
    for (uint32_t k = 0; k < SX_MAX_LOCKS; k++)
        if (sx.locks[k].used && (kinds & (1u << sx.locks[k].kind)) && !want--) return &sx.locks[k];
    return NULL;
}

void sx_note_freed(vaddr_t va, uint8_t kind)
{
    uint32_t k = sx.nfreed++ % SX_FREED_KEEP;
    sx.freed[k] = va;
    sx.freed_kind[k] = kind;
}

/* ---- address spaces ------------------------------------------------------------------------ */

uint8_t sx_as_index(struct as *a)
{
    for (uint8_t i = 0; i <= SX_MAX_AS; i++)
        if (sx.as[i] == a) return i;
    return SX_GLOBAL;
}

void sx_enter(const struct sx_map *m)
{
    if (m->as == SX_GLOBAL || sx.as[m->as] == as_current()) return;
    as_switch(sx.as[m->as]);
    sx.st.switches++;
}

bool sx_visible(const struct sx_map *m)
{
    return m->as == SX_GLOBAL || sx.as[m->as] == as_current();
}

pte_t sx_pte(const struct sx_map *m, uint32_t i)
{
    vaddr_t va = m->base + i * PAGE_SIZE;
    return sx_visible(m) ? pte_read(va) : as_read_pte(sx.as[m->as], va);
}

/* A demand-zero page that an operation made present: it has exactly this one mapping. */
const char *sx_learn(struct sx_map *m)
{
    for (uint32_t i = 0; i < m->npages; i++) {
        uint16_t c = m->cell[i];
        if (c == SX_NOCELL || sx.cells[c].present) continue;
        pte_t e = sx_pte(m, i);
        if (!(e & PTE_P)) continue;
        sx_cell_present(c, pte_pfn(e));
        sx.cells[c].pins = m->pinned[i];
    }
    for (uint32_t i = 0; mm_pager_on() && i < m->npages; i++) follow_page(m, i);
    return NULL;
}

bool sx_range_committed(const struct sx_map *m, uint32_t i, uint32_t n)
{
    for (uint32_t k = i; k < i + n; k++)
        if (k >= m->npages || m->cell[k] == SX_NOCELL) return false;
    return true;
}

/* ---- comparing with the kernel -------------------------------------------------------------- */

static const char *kind_name(uint8_t k)
{
    static const char *const n[SX_NKINDS] = { "?", "_PageAllocate", "_PageReserve", "VMAlloc",
        "MmAllocateContiguousMemory", "VMProcessToGlobal", "VMGlobalToProcess",
        "_LinPageLock(MAPGLOBAL)", "MmMapIoSpace", "MDL mapping", "PageListToLin", "ExAllocatePoolWithTag",
        "MmAllocateNonCachedMemory", "MmAllocatePagesForMdl", "ZwAllocateVirtualMemory" };
    return k < SX_NKINDS ? n[k] : "?";
}

const char *sx_check_page(struct sx_map *m, uint32_t i)
{
    uint16_t c = m->cell[i];
    vaddr_t va = m->base + i * PAGE_SIZE;
    uint32_t a = 0, b = 0;
    if (c == SX_NOCELL || !sx.cells[c].present || !sx_visible(m)) return NULL;
    struct sx_cell *x = &sx.cells[c];
    if (!uprobe_read(va, &a) || !uprobe_read(va + PAGE_SIZE - 4, &b))   /* maybe user pages */
        return sx_fail("%s page %08x (frame %x) faults on a read: vector %u cr2 %08x", kind_name(m->kind),
                       va, x->pfn, probe_last.vector, probe_last.cr2);
    if (a != x->tag || b != (x->tag ? x->tag ^ SX_TAG2 : 0))
        return sx_fail("%s page %08x (frame %x) reads %08x/%08x, the model says %08x/%08x", kind_name(m->kind),
                       va, x->pfn, a, b, x->tag, x->tag ? x->tag ^ SX_TAG2 : 0);
    x->seen = sx.sweep;
    return NULL;
}

/* One page's entry against the model. */
static const char *check_entry(struct sx_map *m, uint32_t i)
{
    uint16_t c = m->cell[i];
    pte_t e = sx_pte(m, i);
    vaddr_t va = m->base + i * PAGE_SIZE;
    if (c == SX_NOCELL) {
        if (e) return sx_fail("%s page %08x is not committed, but its entry is %08x", kind_name(m->kind), va, e);
        return NULL;
    }
    struct sx_cell *x = &sx.cells[c];
    if (mm_pager_on()) {
        follow_page(m, i);
        e = sx_pte(m, i);
    }
    if (x->present && x->out) {
        if (!pte_is_swapped(e) || (e & MM_PROT_MASK) != m->prot[i])
            return sx_fail("%s page %08x is in swap, the model says, but its entry is %08x (prot %x)", kind_name(m->kind),
                           va, e, m->prot[i]);
        if (!sx_visible(m) || (sx.sweep + c) % 16) return NULL;
        /* Read back through its address: the fault brings it in, onto some frame. */
        uint32_t a = 0, b = 0;
        if (!uprobe_read(va, &a) || !uprobe_read(va + PAGE_SIZE - 4, &b))
            return sx_fail("%s page %08x in swap faults on a read: vector %u cr2 %08x", kind_name(m->kind), va,
                           probe_last.vector, probe_last.cr2);
        sx.st.swap_reads++;
        if (a != x->tag || b != (x->tag ? x->tag ^ SX_TAG2 : 0))
            return sx_fail("%s page %08x read back from swap holds %08x/%08x, the model says %08x", kind_name(m->kind),
                           va, a, b, x->tag);
        x->seen = sx.sweep;
        follow_page(m, i);
        return NULL;
    }
    if (!x->present) {
        if ((e & PTE_P) || !(e & PTE_NP_DEMAND) || (e & MM_PROT_MASK) != m->prot[i])
            return sx_fail("%s page %08x should be demand-zero prot %x, entry %08x", kind_name(m->kind), va, m->prot[i], e);
        return NULL;
    }
    if (!(e & PTE_P) || pte_pfn(e) != x->pfn || (e & MM_PROT_MASK) != m->prot[i] || (e & PTE_SW_RAW) ||
        !(e & PTE_SW_PIN) != !m->pinned[i])
        return sx_fail("%s page %08x: entry %08x, the model says frame %x prot %x%s", kind_name(m->kind), va, e,
                       x->pfn, m->prot[i], m->pinned[i] ? " pinned" : "");
    if (sx_visible(m) && mm_linear_locks(va) != m->llocks[i])   /* keyed by the current process */
        return sx_fail("%s page %08x has %u _LinPageLocks, the model says %u", kind_name(m->kind), va,
                       mm_linear_locks(va), m->llocks[i]);
    return sx_check_page(m, i);
}

/* The PFN record of a present cell; its contents through hyperspace if no VA read them (an
 * orphan, a page of another process). */
static const char *check_cell(uint16_t c)
{
    struct sx_cell *x = &sx.cells[c];
    struct pfn *r = pfn_get(x->pfn);
    uint32_t locks = x->pins + x->rec + x->llocks;
    if (!r || r->state != PFN_USED || r->map_count != x->maps || r->lock_count != locks || r->pins != x->pins)
        return sx_fail("frame %x: state %s maps %u locks %u pins %u; the model says maps %u locks %u "
                       "(pins %u, records %u, linear %u)", x->pfn, r ? pfn_state_name(r->state) : "none",
                       r ? r->map_count : 0, r ? r->lock_count : 0, r ? r->pins : 0, x->maps, locks, x->pins,
                       x->rec, x->llocks);
    if (x->seen == sx.sweep) return NULL;
    uint32_t *v = hyper_map(x->pfn);
    uint32_t a = v[0], b = v[1023];
    hyper_unmap(v);
    if (a != x->tag || b != (x->tag ? x->tag ^ SX_TAG2 : 0))
        return sx_fail("frame %x holds %08x/%08x, the model says %08x%s", x->pfn, a, b, x->tag,
                       x->maps ? "" : " (an orphan: only lock records hold it)");
    return NULL;
}

/* The frame-lifetime invariants (stress.h): (a) a cell some owner locks or pins keeps its frame
 * and the frame is in use - the PTE comparisons above then show every page and view that the
 * model knows still maps that same frame; (b) fixed memory keeps its frame, locked or not.
 * And the model's own bookkeeping: a cell nothing maps lives only while a record holds it. */
static const char *check_lifetime(uint16_t c)
{
    const struct sx_cell *x = &sx.cells[c];
    if (!x->maps && !x->rec) return sx_fail("cell %u (frame %x): no mapping and no record holds it", c, x->pfn);
    if ((sx_cell_locked(x) || x->fixed) && x->pfn != x->anchor)
        return sx_fail("%s frame moved: cell %u was on frame %x, now %x (pins %u, records %u, linear %u)",
                       x->fixed ? "a fixed" : "a locked", c, x->anchor, x->pfn, x->pins, x->rec, x->llocks);
    struct pfn *r = pfn_get(x->anchor);
    if ((sx_cell_locked(x) || x->fixed) && (!r || r->state == PFN_FREE))
        return sx_fail("locked or fixed frame %x is on the free list", x->anchor);
    return NULL;
}

const char *sx_verify_all(void)
{
    sx.sweep++;
    sx.st.sweeps++;
    if (pending[0]) {
        const char *r = sx_fail("%s", pending);
        pending[0] = 0;
        return r;
    }
    for (uint32_t k = 0; k < SX_MAX_MAPS; k++) {
        struct sx_map *m = &sx.maps[k];
        for (uint32_t i = 0; m->used && i < m->npages; i++) {
            const char *r = check_entry(m, i);
            if (r) return r;
        }
    }
    sx_follow_pager();                               /* the reads above may have paged */
    for (uint16_t c = 0; c < SX_MAX_CELLS; c++) {
        if (!sx.cells[c].used || !sx.cells[c].present || sx.cells[c].out) continue;
        const char *r = check_lifetime(c);
        if (!r) r = check_cell(c);
        if (r) return r;
    }
    return NULL;
}

/* ---- the cost of a call that must fail ------------------------------------------------------ */

const char *sx_unchanged(const struct mm_counts *b, const char *what)
{
    /* With the pager on, free frames are its to move: a call may make room (write pages out)
     * before it finds it must fail, and a page-out or page-in changes no owner and no contents.
     * Every other count must stay; the run's end still compares free frames exactly. */
    struct mm_counts adj = *b;
    if (mm_pager_on()) adj.free_frames = mm_free_frames();
    const char *moved = test_what_moved(&adj);
    return moved ? sx_fail("%s failed but changed something: %s", what, moved) : NULL;
}

/* ---- after a failure: what the model believed ----------------------------------------------- */

void sx_dump(void)
{
    kprintf("stress: the model: current process %u\n", sx_as_index(as_current()));
    for (uint32_t k = 0; k < SX_MAX_MAPS; k++) {
        const struct sx_map *m = &sx.maps[k];
        if (!m->used) continue;
        kprintf("  map %u: %s at %08x (process %d), %u pages:", k, kind_name(m->kind), m->ret,
                m->as == SX_GLOBAL ? -1 : m->as, m->npages);
        for (uint32_t p = 0; p < m->npages; p++) {
            uint16_t c = m->cell[p];
            if (c == SX_NOCELL) { kprintf(" -"); continue; }
            const struct sx_cell *x = &sx.cells[c];
            kprintf(" c%u%s[%x m%u r%u l%u/%u p%u%s]", c, x->present ? "" : "(demand)", x->present ? x->pfn : 0,
                    x->maps, x->rec, m->llocks[p], x->llocks, x->pins, x->fixed ? " fixed" : "");
        }
        kprintf("\n");
    }
    for (uint32_t k = 0; k < SX_MAX_LOCKS; k++) {
        const struct sx_lock *l = &sx.locks[k];
        if (!l->used) continue;
        kprintf("  lock %u: %s, %u pages, view %d%s:", k, l->kind == SXL_VMLOCK ? "VMLock" : "MDL", l->npages,
                l->view, l->edited ? ", PFN array edited" : "");
        for (uint32_t p = 0; p < l->npages; p++)
            kprintf(" c%u[%x%s]", l->cell[p], sx.cells[l->cell[p]].pfn, sx.cells[l->cell[p]].maps ? "" : " orphan");
        kprintf("\n");
    }
}
