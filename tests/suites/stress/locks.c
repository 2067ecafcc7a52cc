/*
 * tests/suites/stress/locks.c - the stress operations that lock and unlock: DevHelp_VMLock / VMUnLock (with
 * the relocating flags), _LinPageLock / _LinPageUnLock (and PL_TOTALUNLOCK),
 * MmProbeAndLockPages / MmUnlockPages with an optional system mapping of the MDL, and the
 * stale and forged owners: released VMLock handle copies, MDLs whose PFN array was edited after
 * locking, unlocked MDLs made to look locked.
 *
 * Every lock has an owner (mm/core/lock.c), and the model keeps the same owners: a _LinPageLock
 * belongs to the page it was taken through (sx_map.llocks: an unlock through another page or
 * view of the same frame finds none there; the locks die with the page), a VMLock handle and a
 * locked MDL are lock records naming the cells they locked (sx_lock; the cells outlive their
 * pages while the record holds them), a PAGEMAPGLOBAL alias holds a record on its cells.  So
 * every result is predicted exactly: PL_TOTALUNLOCK succeeds only when every page has a
 * _LinPageLock of its own and takes only those; VMUnLock and MmUnlockPages release exactly
 * what they locked, whatever was freed, reused or written into the MDL since.
 */
#include "tests/suites/stress/stress.h"

#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)

/* A byte range that spans exactly pages [i, i + k) of m. */
static void byte_range(const struct sx_map *m, uint32_t i, uint32_t k, vaddr_t *lin, uint32_t *len)
{
    uint32_t off = sx_chance(50) ? 0 : sx_below(PAGE_SIZE);
    *lin = m->base + i * PAGE_SIZE + off;
    *len = (k - 1) * PAGE_SIZE + 1 + sx_below(PAGE_SIZE - off);
}

/* The record l now holds one lock on each cell of pages [i, i + k) of m. */
static void lock_cells(struct sx_lock *l, const struct sx_map *m, uint32_t i, uint32_t k)
{
    l->npages = (uint8_t)k;
    for (uint32_t p = 0; p < k; p++) {
        l->cell[p] = m->cell[i + p];
        sx_cell_lock(l->cell[p]);
        if (sx.trace)
            kprintf("stress:   lock %u page %u: cell %u frame %x (entry %08x)\n", (uint32_t)(l - sx.locks), p,
                    l->cell[p], sx.cells[l->cell[p]].pfn, sx_pte(m, i + p));
    }
}

/* The record let go: a cell nothing maps any more (an orphan) goes, its frame to the free list. */
static void unlock_cells(const struct sx_lock *l)
{
    for (uint32_t p = 0; p < l->npages; p++) sx_cell_unlock(l->cell[p]);
}

/* A PAGELIST (B.2) for [lin, lin + len) of m: runs of physically adjacent bytes, merged. */
const char *sx_check_pagelist(const struct sx_map *m, vaddr_t lin, uint32_t len, const PAGELIST *pl, uint32_t n)
{
    uint32_t done = 0;
    for (uint32_t e = 0; e < n; e++) {
        if (e && pl[e].PhysAddr == pl[e - 1].PhysAddr + pl[e - 1].Size)
            return sx_fail("page list entries %u and %u are adjacent but not merged", e - 1, e);
        for (uint32_t in = 0; in < pl[e].Size;) {
            vaddr_t v = lin + done;
            const struct sx_cell *x = &sx.cells[m->cell[(v - m->base) >> PAGE_SHIFT]];
            if (pl[e].PhysAddr + in != (x->pfn << PAGE_SHIFT) + (v & PAGE_MASK))
                return sx_fail("page list entry %u: %08x+%x for %08x, frame %x", e, pl[e].PhysAddr, in, v, x->pfn);
            uint32_t chunk = MIN(pl[e].Size - in, PAGE_SIZE - (v & PAGE_MASK));
            in += chunk;
            done += chunk;
        }
    }
    return done == len ? NULL : sx_fail("page list covers %u bytes of %u", done, len);
}

/* ---- VMLock --------------------------------------------------------------------------------- */

static USHORT vmlock_prediction(const struct sx_map *m, uint32_t i, uint32_t k, ULONG f)
{
    for (uint32_t p = i; p < i + k; p++) {                  /* page by page, as the personality */
        if (m->cell[p] == SX_NOCELL) return ERROR_INVALID_PARAMETER;
        if ((f & VMDHL_NOBLOCK) && !sx_cell_in_ram(m->cell[p])) return ERROR_NOBLOCK;
    }
    for (uint32_t p = i; p < i + k; p++) {
        if ((f & VMDHL_VERIFY) && (f & VMDHL_WRITE) && !(m->prot[p] & MM_PROT_WRITE)) return ERROR_ACCESS_DENIED;
        if ((f & VMDHL_VERIFY) && m->base < PRIVATE_END && !(m->prot[p] & MM_PROT_USER)) return ERROR_ACCESS_DENIED;
    }
    return NO_ERROR;
}

/* What each page was before a relocating VMLock: a demand page gets a fresh frame first, so it
 * is movable whatever it gets; so does a page in swap (read back onto any frame) and, with the
 * pager on, a page it may take (the call's own frame needs can send it out and back). */
struct before { bool present[SX_MAX_PAGES], movable[SX_MAX_PAGES], paged[SX_MAX_PAGES]; pfn_t pfn[SX_MAX_PAGES]; };

static void note_before(const struct sx_map *m, uint32_t i, uint32_t k, struct before *b)
{
    for (uint32_t p = 0; p < k; p++) {
        const struct sx_cell *x = &sx.cells[m->cell[i + p]];
        b->present[p] = x->present && !x->out;
        b->pfn[p] = x->pfn;
        b->movable[p] = sx_cell_movable(x);
        b->paged[p] = sx_cell_pager_may_take(x);
    }
}

static bool consecutive(const pfn_t *f, uint32_t k)
{
    for (uint32_t p = 1; p < k; p++)
        if (f[p] != f[0] + p) return false;
    return true;
}

/* The one movability predicate decides a relocating VMLock (CONTIGUOUS / 16M / TRY_CONTIG):
 *   - a page moves only if nobody locks, pins or holds its frame and nothing else maps it;
 *   - CONTIGUOUS: the range already contiguous (below 16 MiB with 16M) is locked in place;
 *     otherwise every page must be movable, else 33 (32792 with NOBLOCK), nothing moved;
 *   - 16M without CONTIGUOUS (after TRY_CONTIG failed, or alone): only the pages above 16 MiB
 *     move, all or none: one of them unmovable is 33 / 32792;
 *   - TRY_CONTIG alone never fails for it; 8 is a run or frames that could not be found.
 * Called after the call with the frames as they are now (a refusal moves nothing, but it may
 * have given demand pages their frames); moved pages are learned here. */
static const char *vmlock_relocation(struct sx_map *m, uint32_t i, uint32_t k, ULONG f, USHORT e,
                                     const struct before *b)
{
    bool contig = f & VMDHL_CONTIGUOUS, low = f & VMDHL_16M, reloc = f & (VMDHL_CONTIGUOUS | VMDHL_16M | VMDHL_TRY_CONTIG);
    pfn_t now[SX_MAX_PAGES];
    bool moved = false, stuck = false;                /* stuck: a page that must move cannot */
    for (uint32_t p = 0; p < k; p++) {
        now[p] = pte_pfn(sx_pte(m, i + p));
        if (b->present[p] && !b->paged[p] && now[p] != b->pfn[p]) moved = true;
    }
    if (e == NO_ERROR) {
        for (uint32_t p = 0; p < k; p++) {
            struct sx_cell *x = &sx.cells[m->cell[i + p]];
            if (!b->present[p] || now[p] == b->pfn[p]) continue;
            if ((!reloc || !b->movable[p]) && !b->paged[p])
                return sx_fail("VMLock(%x) moved page %08x (frame %x -> %x) although it has %u mappings, %u pins, "
                               "%u record and %u linear locks%s", f, m->base + (i + p) * PAGE_SIZE, b->pfn[p], now[p],
                               x->maps, x->pins, x->rec, x->llocks, x->fixed ? " (fixed memory)" : "");
            x->pfn = now[p];
            sx.st.relocated++;
        }
        for (uint32_t p = 0; contig && moved && p < k; p++)
            if (!b->movable[p]) return sx_fail("VMLock(CONTIGUOUS) moved some pages of a range with an unmovable one");
        if (contig && !consecutive(now, k)) return sx_fail("VMLock(CONTIGUOUS): frames not contiguous");
        for (uint32_t p = 0; low && p < k; p++)
            if (now[p] >= ISA_DMA_LIMIT_PFN) return sx_fail("VMLock(16M): frame %x above 16 MiB", now[p]);
        return NULL;
    }
    if (moved) return sx_fail("VMLock(%x) returned %u but moved pages", f, e);
    if (contig) {
        /* Only present pages have frames: a page in swap (paging under pressure) has a slot
         * number where the frame would be, and reading it back may be what ran out of memory. */
        bool fits = consecutive(now, k);
        for (uint32_t p = 0; p < k; p++) fits &= (sx_pte(m, i + p) & PTE_P) != 0;
        for (uint32_t p = 0; low && p < k; p++) fits &= now[p] < ISA_DMA_LIMIT_PFN;
        if (fits) return sx_fail("VMLock(%x) returned %u for a range that qualifies already", f, e);
        for (uint32_t p = 0; p < k; p++) stuck |= !b->movable[p];
    } else if (low) {
        for (uint32_t p = 0; p < k; p++) stuck |= now[p] >= ISA_DMA_LIMIT_PFN && !b->movable[p];
    }
    if (e == ERROR_LOCK_VIOLATION || e == ERROR_NOBLOCK) {
        if (!stuck || e != ((f & VMDHL_NOBLOCK) ? ERROR_NOBLOCK : ERROR_LOCK_VIOLATION))
            return sx_fail("VMLock(%x) returned %u, but %s", f, e, stuck ? "the wrong code" : "every page that must move can");
        sx.st.reloc_refused++;
        return NULL;
    }
    if (e == ERROR_NOT_ENOUGH_MEMORY && reloc && !stuck) return NULL;   /* no run / no low frame */
    return sx_fail("VMLock(%x) returned %u; %s", f, e, stuck ? "a page that must move cannot: expected 33/32792"
                                                              : "expected success");
}

const char *sx_vmlock(struct sx_map *m, uint32_t i, uint32_t k, ULONG f, struct sx_lock **out)
{
    if (out) *out = NULL;
    struct sx_lock *l = sx_lock_new(SXL_VMLOCK);
    if (!l) return sx_skipped;
    uint32_t len, count = 0;
    vaddr_t lin;
    byte_range(m, i, k, &lin, &len);
    bool reloc = f & (VMDHL_16M | VMDHL_CONTIGUOUS | VMDHL_TRY_CONTIG), list = sx_chance(50);
    USHORT want = vmlock_prediction(m, i, k, f);
    struct before b;
    if (want == NO_ERROR) note_before(m, i, k, &b);
    sx_enter(m);
    sx_describe("VMLock(flags %x, %08x, %u bytes)%s", f, lin, len, want ? " [must fail]" : "");
    struct mm_counts s;
    mm_counts_take(&s);
    USHORT e = DevHelp_VMLock(f, lin, len, list ? (LIN)sx.data->pagelist : DEVHLP_NO_LIST, sx_handle(l), &count);
    sx_learn(m);
    const char *r = NULL;
    if (want != NO_ERROR) {
        r = e != want ? sx_fail("VMLock returned %u, expected %u", e, want) : sx_unchanged(&s, "VMLock");
    } else if (reloc || e) {
        r = vmlock_relocation(m, i, k, f, e, &b);
    }
    if (r || e) {
        l->used = 0;
        sx.st.expected_fail += !r;
        return r;
    }
    lock_cells(l, m, i, k);
    if (out) *out = l;
    return list ? sx_check_pagelist(m, lin, len, sx.data->pagelist, count) : NULL;
}

static const char *op_vmlock(void)
{
    static const ULONG fl[] = { 0, VMDHL_WRITE, VMDHL_LONG, VMDHL_VERIFY, VMDHL_VERIFY | VMDHL_WRITE,
                                VMDHL_NOBLOCK, VMDHL_16M, VMDHL_CONTIGUOUS, VMDHL_TRY_CONTIG, VMDHL_WRITE | VMDHL_LONG,
                                VMDHL_CONTIGUOUS | VMDHL_16M, VMDHL_TRY_CONTIG | VMDHL_16M,
                                VMDHL_NOBLOCK | VMDHL_CONTIGUOUS, VMDHL_NOBLOCK | VMDHL_16M };
    struct sx_map *m = sx_pick_map(SXK_REGIONS | SXK(SX_LPL_GLOBAL), NULL);
    if (!m) return sx_skipped;
    uint32_t i, k;
    sx_pick_range(m, &i, &k);
    return sx_vmlock(m, i, k, fl[sx_below(ARRAY_SIZE(fl))], NULL);
}

/* VMUnLock through the handle - or through a copy of it, after which the handle itself is
 * stale: 158, nothing changes. */
static const char *release_vmlock(struct sx_lock *l)
{
    KernVMLock_t copy = *sx_hp(l);
    bool via_copy = sx_chance(25);
    if (via_copy) sx.data->handle_copy = *sx_hp(l);
    USHORT e = DevHelp_VMUnLock(via_copy ? (LIN)&sx.data->handle_copy : sx_handle(l));
    if (e) return sx_fail("VMUnLock returned %u", e);
    unlock_cells(l);
    l->used = 0;
    if (via_copy) {
        struct mm_counts b;
        mm_counts_take(&b);
        e = DevHelp_VMUnLock(sx_handle(l));
        if (e != ERROR_NOT_LOCKED) return sx_fail("VMUnLock of a handle released through its copy returned %u", e);
        sx.st.stale_refused++;
        const char *r = sx_unchanged(&b, "VMUnLock of a released handle");
        if (r) return r;
    }
    sx.released[sx.nreleased++ % ARRAY_SIZE(sx.released)] = copy;   /* a stale copy, for later */
    return NULL;
}

const char *sx_vmunlock_stale(void)
{
    if (!sx.nreleased) return sx_skipped;
    KernVMLock_t h = sx.released[sx_below(MIN(sx.nreleased, ARRAY_SIZE(sx.released)))];
    sx_describe("VMUnLock of a released handle's copy (its slot may hold a new lock)");
    struct mm_counts b;
    mm_counts_take(&b);
    USHORT e = DevHelp_VMUnLock((LIN)&h);
    if (e != ERROR_NOT_LOCKED) return sx_fail("VMUnLock of a stale handle copy returned %u", e);
    sx.st.stale_refused++;
    return sx_unchanged(&b, "VMUnLock of a stale handle");
}

/* ---- _LinPageLock / _LinPageUnLock -------------------------------------------------------- */

/* A _LinPageLock belongs to the page: committed pages of a region, never inside an alias. */
const char *sx_linlock(struct sx_map *m, uint32_t i, uint32_t k)
{
    ULONG f = sx_chance(30) ? PAGEMARKDIRTY : 0;
    bool want = sx_range_committed(m, i, k) && m->kind != SX_LPL_GLOBAL;
    sx_enter(m);
    sx_describe("_LinPageLock(%08x, %u, flags %x)%s", m->base + i * PAGE_SIZE, k, f, want ? "" : " [must fail]");
    struct mm_counts b;
    mm_counts_take(&b);
    ULONG r = _LinPageLock(PG(m->base) + i, k, f);
    sx_learn(m);
    if (r != (ULONG)want) return sx_fail("_LinPageLock returned %u", r);
    if (!r) { sx.st.expected_fail++; return sx_unchanged(&b, "_LinPageLock"); }
    for (uint32_t p = i; p < i + k; p++) sx_page_llock(m, p, 1);
    return NULL;
}

/* _LinPageUnLock (one lock per page) or PL_TOTALUNLOCK (all of each page's): only the page's
 * own _LinPageLocks - never a record's, a pin or an alias's - and refused, changing nothing,
 * if any page has none (inside an alias, always). */
const char *sx_linunlock(struct sx_map *m, uint32_t i, uint32_t k, bool total)
{
    bool want = m->kind != SX_LPL_GLOBAL;
    for (uint32_t p = i; p < i + k; p++) want &= m->cell[p] != SX_NOCELL && m->llocks[p] > 0;
    sx_enter(m);
    sx_describe("_LinPageUnLock(%08x, %u%s)%s", m->base + i * PAGE_SIZE, k, total ? ", PL_TOTALUNLOCK" : "",
                want ? "" : " [must fail]");
    struct mm_counts b;
    mm_counts_take(&b);
    ULONG r = _LinPageUnLock(PG(m->base) + i, k, total ? PL_TOTALUNLOCK : 0);
    if (r != (ULONG)want)
        return sx_fail("_LinPageUnLock(%08x, %u%s) returned %u, expected %u", m->base + i * PAGE_SIZE, k,
                       total ? ", PL_TOTALUNLOCK" : "", r, want);
    sx.st.total_unlocks += total;
    if (!r) {
        sx.st.expected_fail++;
        sx.st.total_refused += total;
        return sx_unchanged(&b, "_LinPageUnLock");
    }
    for (uint32_t p = i; p < i + k; p++) sx_page_lunlock(m, p, total ? m->llocks[p] : 1);
    return NULL;
}

static bool has_llocks(const struct sx_map *m)
{
    for (uint32_t p = 0; p < m->npages; p++)
        if (m->llocks[p]) return true;
    return false;
}

static const char *op_linlock(void)
{
    struct sx_map *m = sx_pick_map(SXK_REGIONS, NULL);
    if (!m) return sx_skipped;
    uint32_t i, k;
    sx_pick_range(m, &i, &k);
    return sx_linlock(m, i, k);
}

/* Mostly one locked page; sometimes a range that includes pages without a lock of their own. */
static const char *op_linunlock(void)
{
    struct sx_map *m = sx_pick_map(SXK_REGIONS, has_llocks);
    if (!m) return sx_skipped;
    uint32_t i, k;
    if (sx_chance(70)) {
        do i = sx_below(m->npages); while (!m->llocks[i]);
        k = 1;
    } else {
        sx_pick_range(m, &i, &k);
    }
    return sx_linunlock(m, i, k, sx_chance(20));
}

/* PL_TOTALUNLOCK over any pages, whoever locks them: VMLock handles, MDLs, aliases, pins. */
const char *sx_op_total_unlock(void)
{
    struct sx_map *m = sx_pick_map(SXK_REGIONS | SXK(SX_LPL_GLOBAL), NULL);
    if (!m) return sx_skipped;
    uint32_t i, k;
    sx_pick_range(m, &i, &k);
    return sx_linunlock(m, i, k, true);
}

/* ---- MDLs ---------------------------------------------------------------------------------- */

/* MmProbeAndLockPages succeeds when every page is committed, writable for a write, and for
 * UserMode a ring-3 page below MM_USER_PROBE_ADDRESS. */
static bool mdl_prediction(const struct sx_map *m, uint32_t i, uint32_t k, KPROCESSOR_MODE mode, bool write)
{
    if (!sx_range_committed(m, i, k) || (mode == UserMode && m->base >= PRIVATE_END)) return false;
    for (uint32_t p = i; p < i + k; p++) {
        if (write && !(m->prot[p] & MM_PROT_WRITE)) return false;
        if (mode == UserMode && !(m->prot[p] & MM_PROT_USER)) return false;
    }
    return true;
}

/* The MDL's system mapping: a counted mapping of the frames its record locked - also when the
 * buffer is gone (orphans come back into view). */
const char *sx_mdl_map(struct sx_lock *l)
{
    if (l->view >= 0 || l->edited || !sx_map_slot_free()) return sx_skipped;
    PMDL mdl = l->mdl;
    vaddr_t lin = (vaddr_t)MmGetMdlVirtualAddress(mdl);
    sx_describe("MmGetSystemAddressForMdlSafe(lock %u, %u pages)", (uint32_t)(l - sx.locks), l->npages);
    PVOID v = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
    if (!v) return syspte_free_count() > 64 ? sx_fail("MmGetSystemAddressForMdlSafe failed") : NULL;
    if (BYTE_OFFSET(v) != BYTE_OFFSET(lin)) return sx_fail("MDL mapping %p lost the byte offset of %08x", v, lin);
    struct sx_map *vm = sx_map_new(SX_MDLMAP, SX_GLOBAL, (vaddr_t)v, PAGE_ALIGN_DOWN((vaddr_t)v), l->npages);
    for (uint32_t p = 0; p < l->npages; p++) {
        vm->cell[p] = l->cell[p];
        vm->prot[p] = MM_PROT_WRITE;
        sx.cells[l->cell[p]].maps++;
    }
    l->view = sx_map_index(vm);
    return NULL;
}

const char *sx_mdl_lock(struct sx_map *m, uint32_t i, uint32_t k, bool map, struct sx_lock **out)
{
    if (out) *out = NULL;
    struct sx_lock *l = sx_lock_new(SXL_MDL);
    if (!l) return sx_skipped;
    uint32_t len;
    vaddr_t lin;
    byte_range(m, i, k, &lin, &len);
    KPROCESSOR_MODE mode = sx_chance(25) ? UserMode : KernelMode;
    LOCK_OPERATION op = (LOCK_OPERATION)sx_below(3);
    bool want = mdl_prediction(m, i, k, mode, op != IoReadAccess);
    sx_enter(m);
    sx_describe("MmProbeAndLockPages(%08x, %u bytes, %s, op %u)%s", lin, len, mode ? "UserMode" : "KernelMode", op,
                want ? "" : " [must fail]");
    PMDL mdl = IoAllocateMdl((PVOID)lin, len, FALSE, FALSE, NULL);
    if (!mdl) { l->used = 0; return sx_fail("IoAllocateMdl failed"); }
    uint32_t locked = mm_locked_frames();
    NTSTATUS st = MmProbeAndLockPagesEx(mdl, mode, op);
    sx_learn(m);
    if ((st == STATUS_SUCCESS) != want || (!want && st != STATUS_ACCESS_VIOLATION)) {
        l->used = 0;
        IoFreeMdl(mdl);
        return sx_fail("MmProbeAndLockPages returned %08x", (uint32_t)st);
    }
    if (!want) {
        IoFreeMdl(mdl);
        l->used = 0;
        sx.st.expected_fail++;
        return mm_locked_frames() == locked ? NULL : sx_fail("a failed MmProbeAndLockPages left frames locked");
    }
    lock_cells(l, m, i, k);
    l->mdl = mdl;
    for (uint32_t p = 0; p < k; p++)
        if (MmGetMdlPfnArray(mdl)[p] != sx.cells[l->cell[p]].pfn)
            return sx_fail("MDL PFN %u is %x, the page's frame is %x", p, MmGetMdlPfnArray(mdl)[p], sx.cells[l->cell[p]].pfn);
    if (out) *out = l;
    return map && sx_map_slot_free() ? sx_mdl_map(l) : NULL;
}

static const char *op_mdl_lock(void)
{
    struct sx_map *m = sx_pick_map(SXK_ALL, NULL);
    if (!m) return sx_skipped;
    uint32_t i, k;
    sx_pick_range(m, &i, &k);
    return sx_mdl_lock(m, i, k, sx_chance(50), NULL);
}

/* A frame to write into an MDL's PFN array: one that another owner uses or locks now, one that
 * went back to the free list lately (maybe reused), or the MDL's own next page's. */
static pfn_t other_frame(const struct sx_lock *l, uint32_t p)
{
    uint32_t w = sx_below(3);
    if (w == 0) {
        uint16_t c = (uint16_t)sx_below(SX_MAX_CELLS);
        for (uint32_t n = 0; n < SX_MAX_CELLS; n++, c = (uint16_t)((c + 1) % SX_MAX_CELLS))
            if (sx.cells[c].used && sx_cell_in_ram(c)) return sx.cells[c].pfn;
    }
    if (w == 1 && sx.nrecent) return sx.recent[sx_below(MIN(sx.nrecent, SX_RECENT))];
    return sx.cells[l->cell[(p + 1) % l->npages]].pfn;
}

/* The caller writes other frames into a locked MDL's PFN array: MmUnlockPages must still
 * release exactly the frames it locked (and never map the edited array: not done here). */
const char *sx_mdl_edit(struct sx_lock *l)
{
    if (l->kind != SXL_MDL) return sx_skipped;
    PPFN_NUMBER pfns = MmGetMdlPfnArray(l->mdl);
    for (uint32_t p = 0; p < l->npages; p++)
        if (sx_chance(70) || !l->edited) pfns[p] = other_frame(l, p);
    if (!l->edited) sx.st.edited_mdls++;
    l->edited = 1;
    sx_describe("lock %u: MDL PFN array edited after locking: %x...", (uint32_t)(l - sx.locks), pfns[0]);
    return NULL;
}

/* MmUnlockPages (sometimes MmUnmapLockedPages first, or IoFreeMdl of the still-locked MDL):
 * the system mapping goes, then exactly the frames the MDL's record locked are released. */
static const char *release_mdl(struct sx_lock *l)
{
    PMDL mdl = l->mdl;
    struct sx_map *v = l->view >= 0 ? &sx.maps[l->view] : NULL;
    uint32_t how = sx_below(10);
    if (v && how < 3) {
        MmUnmapLockedPages((PVOID)v->ret, mdl);
        if (mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) return sx_fail("MmUnmapLockedPages kept the mapping");
        sx_map_free(v);
        l->view = -1;
        v = NULL;
    }
    if (!v && how >= 8) {                          /* IoFreeMdl of a locked MDL releases its locks */
        IoFreeMdl(mdl);
        unlock_cells(l);
        l->used = 0;
        return NULL;
    }
    MmUnlockPages(mdl);
    if (mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA))
        return sx_fail("MmUnlockPages left the MDL %s", (mdl->MdlFlags & MDL_PAGES_LOCKED) ? "locked" : "mapped");
    unlock_cells(l);                               /* the view still maps them in the model: */
    if (v) sx_map_free(v);                         /* its drop frees what nothing holds then */
    l->used = 0;
    if (sx.nstale < SX_STALE_MDLS && sx_chance(30)) sx.stale[sx.nstale++] = mdl;
    else IoFreeMdl(mdl);
    return NULL;
}

/* An unlocked MDL made to look locked (and mapped, at another owner's mapping), its PFN array
 * naming frames others lock: MmUnlockPages and MmUnmapLockedPages must change nothing. */
const char *sx_mdl_forged(void)
{
    if (!sx.nstale) return sx_skipped;
    PMDL mdl = sx.stale[sx_below(sx.nstale)];
    ULONG n = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(mdl), mdl->ByteCount);
    struct sx_map *v = sx_pick_map(SXK(SX_MDLMAP) | SXK(SX_IOSPACE) | SXK(SX_PL2LIN), NULL);
    sx_describe("MmUnlockPages of a forged MDL (%u pages%s)", n, v ? ", mapped at another owner's mapping" : "");
    for (ULONG p = 0; p < n && p < 8; p++) {
        uint16_t c = (uint16_t)sx_below(SX_MAX_CELLS);
        for (uint32_t t = 0; t < SX_MAX_CELLS && !(sx.cells[c].used && sx_cell_in_ram(c)); t++)
            c = (uint16_t)((c + 1) % SX_MAX_CELLS);
        MmGetMdlPfnArray(mdl)[p] = sx.cells[c].used && sx_cell_in_ram(c) ? sx.cells[c].pfn : 0x100 + p;
    }
    CSHORT flags = mdl->MdlFlags;
    PVOID msva = mdl->MappedSystemVa;
    mdl->MdlFlags |= MDL_PAGES_LOCKED;
    if (v) {
        mdl->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
        mdl->MappedSystemVa = (PVOID)v->ret;
    }
    struct mm_counts b;
    mm_counts_take(&b);
    if (v) MmUnmapLockedPages((PVOID)v->ret, mdl);
    MmUnlockPages(mdl);
    const char *r = sx_unchanged(&b, "MmUnlockPages of a forged MDL");
    if (!r && !(mdl->MdlFlags & MDL_PAGES_LOCKED)) r = sx_fail("MmUnlockPages changed a forged MDL's flags");
    mdl->MdlFlags = flags;
    mdl->MappedSystemVa = msva;
    sx.st.forged_mdls++;
    return r;
}

const char *sx_release_lock(struct sx_lock *l)
{
    uint16_t c = l->cell[0];
    sx_describe("release lock %u (%s, %u pages: frame %x%s...)%s", (uint32_t)(l - sx.locks),
                l->kind == SXL_VMLOCK ? "VMLock" : "MDL", l->npages, sx.cells[c].pfn, sx.cells[c].maps ? "" : " orphan",
                l->edited ? ", PFN array edited" : "");
    switch (l->kind) {
    case SXL_VMLOCK: return release_vmlock(l);
    case SXL_MDL: return release_mdl(l);
    default: return sx_fail("lock record of kind %u", l->kind);
    }
}

const char *sx_op_lock(void)
{
    switch (sx_below(3)) {
    case 0: return op_vmlock();
    case 1: return op_linlock();
    default: return op_mdl_lock();
    }
}

/* A record (VMUnLock / MmUnlockPages, an MDL sometimes edited first), or a page's _LinPageLock. */
const char *sx_op_unlock(void)
{
    if (sx_chance(40)) {
        const char *r = op_linunlock();
        if (r != sx_skipped) return r;
    }
    struct sx_lock *l = sx_pick_lock(~0u);
    if (!l) return sx_skipped;
    if (l->kind == SXL_MDL && sx_chance(20)) {
        const char *r = sx_mdl_edit(l);
        if (r) return r;
    }
    return sx_release_lock(l);
}

/* Map a locked MDL that has no system mapping yet (its buffer may be gone). */
const char *sx_op_mdl_map(void)
{
    struct sx_lock *l = sx_pick_lock(1u << SXL_MDL);
    return l ? sx_mdl_map(l) : sx_skipped;
}
