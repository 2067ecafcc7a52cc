/*
 * stress_locks.c - the stress operations that lock and unlock: DevHelp_VMLock / VMUnLock,
 * _LinPageLock / _LinPageUnLock (and PL_TOTALUNLOCK), MmProbeAndLockPages / MmUnlockPages with
 * an optional system mapping of the MDL.
 *
 * Locks are counts per frame shared by every personality, so the model keeps one count per
 * cell (locks beyond pins) and each record only remembers which cells it locked.  What an
 * unlock does to the count follows the core: a lock is taken only if the frame still has one
 * beyond its pins (PL_TOTALUNLOCK may have taken the record's lock already; then the record's
 * unlock finds nothing to take and must not take a fixed page's pin instead).
 */
#include "tests/stress.h"

#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)

/* A byte range that spans exactly pages [i, i + k) of m. */
static void byte_range(const struct sx_map *m, uint32_t i, uint32_t k, vaddr_t *lin, uint32_t *len)
{
    uint32_t off = sx_chance(50) ? 0 : sx_below(PAGE_SIZE);
    *lin = m->base + i * PAGE_SIZE + off;
    *len = (k - 1) * PAGE_SIZE + 1 + sx_below(PAGE_SIZE - off);
}

static void lock_cells(struct sx_lock *l, const struct sx_map *m, uint32_t i, uint32_t k)
{
    l->npages = (uint8_t)k;
    for (uint32_t p = 0; p < k; p++) {
        l->cell[p] = m->cell[i + p];
        sx.cells[l->cell[p]].locks++;
        if (sx.trace)
            kprintf("stress:   lock %u page %u: cell %u frame %x (entry %08x)\n", (uint32_t)(l - sx.locks), p,
                    l->cell[p], sx.cells[l->cell[p]].pfn, sx_pte(m, i + p));
    }
}

static void unlock_cells(const struct sx_lock *l)
{
    for (uint32_t p = 0; p < l->npages; p++)
        if (l->cell[p] != SX_NOCELL && sx.cells[l->cell[p]].locks) sx.cells[l->cell[p]].locks--;
}

/* Does a VMLock or MDL record hold one of the cells? */
static bool held_by_record(const struct sx_map *m, uint32_t i, uint32_t k)
{
    for (uint32_t n = 0; n < SX_MAX_LOCKS; n++) {
        const struct sx_lock *l = &sx.locks[n];
        if (!l->used || l->kind == SXL_LINPAGE) continue;
        for (uint32_t p = 0; p < l->npages; p++)
            for (uint32_t q = i; q < i + k; q++)
                if (l->cell[p] != SX_NOCELL && l->cell[p] == m->cell[q]) return true;
    }
    return false;
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
        if ((f & VMDHL_NOBLOCK) && !sx.cells[m->cell[p]].present) return ERROR_NOBLOCK;
    }
    for (uint32_t p = i; p < i + k; p++) {
        if ((f & VMDHL_VERIFY) && (f & VMDHL_WRITE) && !(m->prot[p] & MM_PROT_WRITE)) return ERROR_ACCESS_DENIED;
        if ((f & VMDHL_VERIFY) && m->base < PRIVATE_END && !(m->prot[p] & MM_PROT_USER)) return ERROR_ACCESS_DENIED;
    }
    return NO_ERROR;
}

/* CONTIGUOUS / 16M may move pages, contents and all - never a frame someone else maps or locks. */
static const char *check_moved(struct sx_map *m, uint32_t i, uint32_t k, const uint16_t *maps, const uint16_t *locks)
{
    for (uint32_t p = i; p < i + k; p++) {
        struct sx_cell *x = &sx.cells[m->cell[p]];
        pfn_t now = pte_pfn(sx_pte(m, p));
        if (!x->present || now == x->pfn) continue;
        if (maps[p - i] > 1 || locks[p - i])
            return sx_fail("VMLock moved page %08x (frame %x -> %x) although it had %u mappings and %u locks",
                           m->base + p * PAGE_SIZE, x->pfn, now, maps[p - i], locks[p - i]);
        x->pfn = now;
    }
    return NULL;
}

static const char *vmlock_result(struct sx_map *m, uint32_t i, uint32_t k, ULONG f, bool list, vaddr_t lin,
                                 uint32_t len, ULONG count)
{
    for (uint32_t p = i + 1; (f & VMDHL_CONTIGUOUS) && p < i + k; p++)
        if (sx.cells[m->cell[p]].pfn != sx.cells[m->cell[p - 1]].pfn + 1) return sx_fail("VMLock(CONTIGUOUS): not contiguous");
    for (uint32_t p = i; (f & VMDHL_16M) && p < i + k; p++)
        if (sx.cells[m->cell[p]].pfn >= ISA_DMA_LIMIT_PFN) return sx_fail("VMLock(16M): frame above 16 MiB");
    return list ? sx_check_pagelist(m, lin, len, sx.data->pagelist, count) : NULL;
}

static const char *op_vmlock(void)
{
    static const ULONG fl[] = { 0, VMDHL_WRITE, VMDHL_LONG, VMDHL_VERIFY, VMDHL_VERIFY | VMDHL_WRITE,
                                VMDHL_NOBLOCK, VMDHL_16M, VMDHL_CONTIGUOUS, VMDHL_TRY_CONTIG, VMDHL_WRITE | VMDHL_LONG };
    struct sx_map *m = sx_pick_map(SXK_REGIONS | SXK(SX_LPL_GLOBAL), NULL);
    struct sx_lock *l = m ? sx_lock_new(SXL_VMLOCK) : NULL;
    if (!l) return sx_skipped;
    uint32_t i, k, len, count = 0;
    vaddr_t lin;
    sx_pick_range(m, &i, &k);
    byte_range(m, i, k, &lin, &len);
    ULONG f = fl[sx_below(ARRAY_SIZE(fl))];
    bool reloc = f & (VMDHL_16M | VMDHL_CONTIGUOUS | VMDHL_TRY_CONTIG), list = sx_chance(50);
    USHORT want = vmlock_prediction(m, i, k, f);
    uint16_t maps[SX_MAX_PAGES], locks[SX_MAX_PAGES];
    for (uint32_t p = 0; p < k && want == NO_ERROR; p++) {
        maps[p] = sx.cells[m->cell[i + p]].maps;
        locks[p] = sx.cells[m->cell[i + p]].locks;
    }
    sx_enter(m);
    sx_describe("VMLock(flags %x, %08x, %u bytes)%s", f, lin, len, want ? " [must fail]" : "");
    USHORT e = DevHelp_VMLock(f, lin, len, list ? (LIN)sx.data->pagelist : DEVHLP_NO_LIST, sx_handle(l), &count);
    sx_learn(m);
    const char *r = want == NO_ERROR ? check_moved(m, i, k, maps, locks) : NULL;
    if (!r && e != want && !(reloc && !want && (e == ERROR_LOCK_VIOLATION || e == ERROR_NOT_ENOUGH_MEMORY)))
        r = sx_fail("VMLock returned %u, expected %u", e, want);
    if (r || e) {
        l->used = 0;
        sx.st.expected_fail += !r;
        return r;
    }
    lock_cells(l, m, i, k);
    l->as = m->as;
    return vmlock_result(m, i, k, f, list, lin, len, count);
}

static const char *release_vmlock(struct sx_lock *l)
{
    KernVMLock_t copy = *(const KernVMLock_t *)sx_handle(l);
    USHORT e = DevHelp_VMUnLock(sx_handle(l));
    if (e) return sx_fail("VMUnLock returned %u", e);
    unlock_cells(l);
    sx.released[sx.nreleased++ % ARRAY_SIZE(sx.released)] = copy;   /* a stale copy, for later */
    l->used = 0;
    return NULL;
}

/* ---- _LinPageLock --------------------------------------------------------------------------- */

static const char *op_linlock(void)
{
    struct sx_map *m = sx_pick_map(SXK_REGIONS, NULL);
    struct sx_lock *l = m ? sx_lock_new(SXL_LINPAGE) : NULL;
    if (!l) return sx_skipped;
    uint32_t i, k;
    sx_pick_range(m, &i, &k);
    ULONG f = sx_chance(30) ? PAGEMARKDIRTY : 0;
    bool want = sx_range_committed(m, i, k);
    sx_enter(m);
    sx_describe("_LinPageLock(%08x, %u, flags %x)%s", m->base + i * PAGE_SIZE, k, f, want ? "" : " [must fail]");
    struct sx_snap b;
    sx_snapshot(&b);
    ULONG r = _LinPageLock(PG(m->base) + i, k, f);
    sx_learn(m);
    if (r != (ULONG)want) { l->used = 0; return sx_fail("_LinPageLock returned %u", r); }
    if (!r) { l->used = 0; sx.st.expected_fail++; return sx_unchanged(&b, "_LinPageLock"); }
    lock_cells(l, m, i, k);
    l->as = m->as;
    l->va = m->base + i * PAGE_SIZE;
    return NULL;
}

/* Locks _LinPageUnLock may take from the cell (not the pins, not PAGEMAPGLOBAL aliases'). */
static uint32_t unlockable(const struct sx_cell *x)
{
    return x->present && x->locks > x->alias_pages ? x->locks - x->alias_pages : 0;
}

/* A page _LinPageUnLock can name that maps cell c: an object or a DevHelp alias. */
static struct sx_map *region_page(uint16_t c, uint32_t *page)
{
    for (uint32_t k = 0; k < SX_MAX_MAPS; k++) {
        struct sx_map *m = &sx.maps[k];
        if (!m->used || !(SXK(m->kind) & (SXK_REGIONS))) continue;
        for (uint32_t p = 0; p < m->npages; p++)
            if (m->cell[p] == c) { *page = p; return m; }
    }
    return NULL;
}

/* Page by page, through whichever mapping of the frame is left (counts are per frame). */
static const char *release_linpage(struct sx_lock *l)
{
    for (uint32_t p = 0; p < l->npages; p++) {
        uint32_t page;
        if (l->cell[p] == SX_NOCELL) continue;          /* its lock was taken, its frame freed */
        struct sx_map *m = region_page(l->cell[p], &page);
        if (!m) return sx_fail("a _LinPageLock'ed frame has no page left to unlock it through");
        struct sx_cell *x = &sx.cells[l->cell[p]];
        bool want = unlockable(x) > 0;
        sx_enter(m);
        ULONG r = _LinPageUnLock(PG(m->base) + page, 1, 0);
        if (r != (ULONG)want) return sx_fail("_LinPageUnLock(%08x) returned %u, expected %u", m->base + page * PAGE_SIZE, r, want);
        if (r) x->locks--;
    }
    l->used = 0;
    return NULL;
}

/* PL_TOTALUNLOCK: every lock an API took on each page goes, whoever took it; refused (changing
 * nothing) if any page has none.  The _LinPageLock records that held them then find nothing to
 * unlock.  Not on a page a VMLock or an MDL holds: their records unlock by frame number, and once
 * PL_TOTALUNLOCK has taken their lock the frame can be freed and reused by someone else, whose
 * lock the stale record's unlock would then take (an ABA the kernel cannot see: counts carry no
 * owner; see harden_lock_tests.c and the issue-10 report).  For the same reason the _LinPageLocks
 * it takes are struck from their records. */
const char *sx_op_total_unlock(void)
{
    struct sx_map *m = sx_pick_map(SXK_REGIONS, NULL);
    if (!m) return sx_skipped;
    uint32_t i, k;
    sx_pick_range(m, &i, &k);
    if (held_by_record(m, i, k)) return sx_skipped;
    bool want = sx_range_committed(m, i, k);
    for (uint32_t p = i; want && p < i + k; p++) want = unlockable(&sx.cells[m->cell[p]]) > 0;
    sx_enter(m);
    sx_describe("_LinPageUnLock(%08x, %u, PL_TOTALUNLOCK)%s", m->base + i * PAGE_SIZE, k, want ? "" : " [must fail]");
    struct sx_snap b;
    sx_snapshot(&b);
    ULONG r = _LinPageUnLock(PG(m->base) + i, k, PL_TOTALUNLOCK);
    if (r != (ULONG)want) return sx_fail("_LinPageUnLock(PL_TOTALUNLOCK) returned %u", r);
    if (!r) { sx.st.expected_fail++; return sx_unchanged(&b, "_LinPageUnLock(PL_TOTALUNLOCK)"); }
    for (uint32_t p = i; p < i + k; p++) sx.cells[m->cell[p]].locks -= (uint16_t)unlockable(&sx.cells[m->cell[p]]);
    /* The _LinPageLocks it took are gone: their owners must not unlock those pages again, or they
     * would take whatever lock another API has put there since (counts carry no owner). */
    for (uint32_t n = 0; n < SX_MAX_LOCKS; n++)
        for (uint32_t p = 0; sx.locks[n].used && sx.locks[n].kind == SXL_LINPAGE && p < sx.locks[n].npages; p++)
            for (uint32_t q = i; q < i + k; q++)
                if (sx.locks[n].cell[p] == m->cell[q]) sx.locks[n].cell[p] = SX_NOCELL;
    return NULL;
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

static const char *mdl_map(struct sx_lock *l, PMDL mdl, vaddr_t lin)
{
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

static const char *op_mdl_lock(void)
{
    struct sx_map *m = sx_pick_map(SXK_ALL, NULL);
    struct sx_lock *l = m ? sx_lock_new(SXL_MDL) : NULL;
    if (!l) return sx_skipped;
    uint32_t i, k, len;
    vaddr_t lin;
    sx_pick_range(m, &i, &k);
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
    l->as = m->as;
    return sx_chance(50) && sx_map_slot_free() ? mdl_map(l, mdl, lin) : NULL;
}

/* The system mapping goes when no other lock needs it as the frame's last mapping. */
static const char *mdl_unmap(struct sx_lock *l, PMDL mdl)
{
    struct sx_map *v = &sx.maps[l->view];
    bool busy = sx_busy_pages(v, 0, v->npages);
    MmUnmapLockedPages((PVOID)v->ret, mdl);
    bool mapped = mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA;
    if (mapped != busy) return sx_fail("MmUnmapLockedPages %s the mapping", mapped ? "kept" : "removed");
    if (busy) return sx_skipped;                     /* another lock needs it: later */
    sx_map_free(v);
    l->view = -1;
    return NULL;
}

/* MmUnlockPages: drops the locks, then the mapping.  An MDL whose frame has no lock left at all
 * (PL_TOTALUNLOCK took it) is left alone by the personality: then only the mapping goes. */
static const char *release_mdl(struct sx_lock *l)
{
    PMDL mdl = l->mdl;
    if (!l->unlocked) {
        bool noop = false;
        for (uint32_t p = 0; p < l->npages; p++)
            noop |= sx.cells[l->cell[p]].locks + sx.cells[l->cell[p]].pins == 0;
        struct sx_map *v = l->view >= 0 ? &sx.maps[l->view] : NULL;
        MmUnlockPages(mdl);
        l->unlocked = 1;
        bool still = mdl->MdlFlags & MDL_PAGES_LOCKED;
        if (still != noop) return sx_fail("MmUnlockPages %s the MDL locked", still ? "left" : "did not leave");
        if (!noop) {
            unlock_cells(l);
            if (v) {
                bool busy = sx_busy_pages(v, 0, v->npages), mapped = mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA;
                if (mapped != busy) return sx_fail("MmUnlockPages %s the system mapping", mapped ? "kept" : "removed");
                if (!busy) { sx_map_free(v); l->view = -1; }
            }
        }
    }
    if (l->view >= 0) {
        const char *r = mdl_unmap(l, mdl);
        if (r) return r;
    }
    IoFreeMdl(mdl);
    l->used = 0;
    return NULL;
}

const char *sx_release_lock(struct sx_lock *l)
{
    for (uint32_t p = 0; l->kind != SXL_LINPAGE && p < l->npages; p++)
        if (l->cell[p] == SX_NOCELL)      /* its frame was freed under it: see sx_op_total_unlock */
            return sx_fail("lock record %u (kind %u) outlived its frame", (uint32_t)(l - sx.locks), l->kind);
    switch (l->kind) {
    case SXL_VMLOCK: return release_vmlock(l);
    case SXL_LINPAGE: return release_linpage(l);
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

const char *sx_op_unlock(void)
{
    struct sx_lock *l = sx_pick_lock(~0u);
    if (!l) return sx_skipped;
    uint16_t c = l->cell[0];
    sx_describe("release lock %u (kind %u, %u pages: frame %x...)", (uint32_t)(l - sx.locks), l->kind, l->npages,
                c == SX_NOCELL ? 0xFFFFFFFFu : sx.cells[c].pfn);
    return sx_release_lock(l);
}
