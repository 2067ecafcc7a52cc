/*
 * tests/suites/stress/ops.c - the stress operations on objects, contents and address spaces: allocate
 * through each personality (_PageAllocate, _PageReserve + _PageCommit, VMAlloc,
 * MmAllocateContiguousMemory), decommit, change permissions, reallocate, free; write through
 * one mapping from ring 0 or ring 3; create, switch and destroy processes.
 *
 * Every operation predicts its result from the model before the call (a ring-3 write to a
 * read-only page must fault, _PageReAllocate of a block whose frame someone locks must fail) and
 * updates the model after it.  Frees and decommits are never refused because of a lock: the
 * pages' own _LinPageLocks die with them, and a frame a lock record holds stays allocated,
 * unmapped, contents and all (an orphan cell) until the record lets go.  An operation whose
 * precondition the current state cannot meet returns sx_skipped and the driver draws another.
 */
#include "tests/suites/stress/stress.h"

const char sx_skipped[] = "skipped";
#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)

/* ---- shared helpers ------------------------------------------------------------------------ */

uint32_t sx_pages_wanted(void)
{
    return 1 + (sx_below(4) ? sx_below(3) : sx_below(SX_MAX_PAGES));
}

static uint32_t free_cells(void)
{
    uint32_t n = 0;
    for (uint32_t c = 0; c < SX_MAX_CELLS; c++) n += !sx.cells[c].used;
    return n;
}

/* Room in the model for an object of n pages (and a few views of it). */
bool sx_room(uint32_t n)
{
    return sx.live_pages + n <= SX_MAX_LIVE_PAGES && sx_map_slot_free() && free_cells() >= n + SX_MAX_PAGES;
}

void sx_pick_range(const struct sx_map *m, uint32_t *i, uint32_t *k)
{
    *i = sx_below(m->npages);
    *k = 1 + sx_below(sx_chance(50) ? 1 : m->npages - *i);
}

/* A failed allocation: it must have cost nothing, and only a constrained request (contiguous,
 * below 16 MiB) or a machine short of frames may fail at all. */
const char *sx_alloc_failed(const struct mm_counts *b, uint32_t n, bool constrained, const char *what)
{
    const char *r = sx_unchanged(b, what);
    if (r) return r;
    if (!constrained && mm_free_frames() > n + 64 && kpool_used() + 4096 < 64 * 1024)
        return sx_fail("%s of %u pages failed with %u frames free", what, n, mm_free_frames());
    sx.st.expected_fail++;
    return NULL;
}

/* Every page of m gets a fresh zero cell with the given protection.  Fixed memory (pinned
 * pages, NT contiguous memory) must never change frame. */
static void fill_object(struct sx_map *m, uint32_t first, uint32_t n, uint8_t prot, bool pinned, bool fixed)
{
    for (uint32_t i = first; i < first + n; i++) {
        m->cell[i] = sx_cell_new();
        m->prot[i] = prot;
        m->pinned[i] = pinned;
        sx.cells[m->cell[i]].fixed = pinned || fixed;
    }
}

bool sx_range_present(const struct sx_map *m, uint32_t i, uint32_t k)
{
    for (uint32_t p = i; p < i + k; p++)
        if (p >= m->npages || !sx_cell_in_ram(m->cell[p])) return false;
    return true;
}

/* After a call that must leave pages [i, i+n) present: learn them and insist. */
const char *sx_expect_present(struct sx_map *m, uint32_t i, uint32_t n, const char *what)
{
    sx_learn(m);
    for (uint32_t p = i; p < i + n; p++)
        if (m->cell[p] != SX_NOCELL && !sx.cells[m->cell[p]].present)
            return sx_fail("%s: page %08x is not present", what, m->base + p * PAGE_SIZE);
    return NULL;
}

/* After a successful free, the linear pages must fault (nothing reused them yet).  Ring 0's
 * probes here and below run in a user-access window (uprobe_*): many kinds of mapping are user
 * pages, and the model is about what is mapped, not about SMAP (harden/smap-*). */
static const char *expect_gone(const struct sx_map *m, uint32_t i, uint32_t n)
{
    if (!sx_visible(m)) return NULL;
    for (uint32_t p = i; p < i + n; p++)
        if (uprobe_read(m->base + p * PAGE_SIZE, NULL))
            return sx_fail("page %08x still reads after it was freed", m->base + p * PAGE_SIZE);
    return NULL;
}

/* ---- allocation ------------------------------------------------------------------------------ */

static const char *alloc_vxd(uint32_t n, uint32_t flags, bool vm, struct sx_map **out)
{
    bool fixed = flags & (PAGEFIXED | PAGELOCKED);
    if (!sx_room(n)) return sx_skipped;
    sx_describe("_PageAllocate(%u, %s, flags %x)", n, vm ? "PG_VM" : "PG_SYS", flags);
    struct mm_counts b;
    mm_counts_take(&b);
    ULONG h = _PageAllocate(n, vm ? PG_VM : PG_SYS, vm ? vxd_sys_vm() : 0, 0, 0, 0, NULL, flags);
    if (!h) return sx_alloc_failed(&b, n, false, "_PageAllocate");
    struct sx_map *m = sx_map_new(SX_VXD_BLOCK, SX_GLOBAL, h, h, n);
    m->aux = flags;
    m->aux2 = vm ? PG_VM : PG_SYS;
    fill_object(m, 0, n, MM_PROT_WRITE | (vm ? MM_PROT_USER : 0), fixed, false);
    if (out) *out = m;
    return fixed ? sx_expect_present(m, 0, n, "_PageAllocate(PAGEFIXED)") : NULL;
}

static const char *op_alloc_vxd(void)
{
    static const uint32_t fl[] = { 0, PAGEZEROINIT, PAGEFIXED, PAGELOCKED, PAGEFIXED | PAGEZEROINIT, 0 };
    uint32_t n = sx_pages_wanted(), flags = fl[sx_below(ARRAY_SIZE(fl))];
    return alloc_vxd(n, flags, sx_chance(40), NULL);
}

static const char *reserve_vxd(uint32_t n, uint32_t w, struct sx_map **out)
{
    static const ULONG where[3] = { PR_PRIVATE, PR_SHARED, PR_SYSTEM };
    if (!sx_room(n)) return sx_skipped;
    sx_describe("_PageReserve(%s, %u)", w == 0 ? "PR_PRIVATE" : w == 1 ? "PR_SHARED" : "PR_SYSTEM", n);
    struct mm_counts b;
    mm_counts_take(&b);
    ULONG va = _PageReserve(where[w], n, 0);
    if (va == 0xFFFFFFFFu) return sx_alloc_failed(&b, 0, false, "_PageReserve");
    struct sx_map *m = sx_map_new(SX_VXD_RESERVE, w == 0 ? sx_as_index(as_current()) : SX_GLOBAL, va, va, n);
    m->aux = w;
    if (out) *out = m;
    return NULL;
}

static const char *op_reserve_vxd(void)
{
    return reserve_vxd(sx_pages_wanted(), sx_below(3), NULL);
}

/* _PageCommitContig: contiguous, fixed pages in a range with nothing committed (else 0xFFFFFFFF,
 * changing nothing); a run that cannot be found is a refusal that changes nothing too. */
static const char *commit_contig(struct sx_map *m, uint32_t i, uint32_t k)
{
    bool low = sx_chance(30), any = false;
    uint32_t flags = PC_WRITEABLE | (sx_chance(50) ? PC_USER : 0) | (sx_chance(50) ? PCC_ZEROINIT : 0);
    for (uint32_t p = i; p < i + k; p++) any |= m->cell[p] != SX_NOCELL;
    sx_enter(m);
    sx_describe("_PageCommitContig(%08x, %u, flags %x%s)%s", m->base + i * PAGE_SIZE, k, flags,
                low ? ", below 16 MiB" : "", any ? " [must fail: committed pages]" : "");
    struct mm_counts b;
    mm_counts_take(&b);
    ULONG pa = _PageCommitContig(PG(m->base) + i, k, flags, 0, 0, low ? ISA_DMA_LIMIT_PFN : 0xFFFFFFFFu);
    if (pa == 0xFFFFFFFFu) {
        if (!any && mm_free_frames() > 1024 && !low) return sx_fail("_PageCommitContig of %u pages failed", k);
        sx.st.expected_fail++;
        return sx_unchanged(&b, "_PageCommitContig");
    }
    if (any) return sx_fail("_PageCommitContig over committed pages succeeded");
    fill_object(m, i, k, (uint8_t)(MM_PROT_WRITE | ((flags & PC_USER) ? MM_PROT_USER : 0)), true, true);
    const char *r = sx_expect_present(m, i, k, "_PageCommitContig");
    for (uint32_t p = i; !r && p < i + k; p++) {
        pfn_t f = sx.cells[m->cell[p]].pfn;
        if (f != (pa >> PAGE_SHIFT) + (p - i) || (low && f >= ISA_DMA_LIMIT_PFN))
            r = sx_fail("_PageCommitContig returned %08x, page %u is on frame %x", pa, p - i, f);
    }
    return r;
}

static const char *commit_vxd(struct sx_map *m, uint32_t i, uint32_t k)
{
    if (free_cells() < SX_MAX_PAGES * 2) return sx_skipped;
    uint32_t hpd = sx_chance(50) ? PD_ZEROINIT : PD_NOINIT;
    uint32_t flags = (sx_chance(70) ? PC_WRITEABLE : 0) | (sx_chance(50) ? PC_USER : 0) |
                     (sx_chance(30) ? PC_PRESENT : 0) | (sx_chance(15) ? PC_FIXED : 0);
    bool any = false;
    for (uint32_t p = i; p < i + k; p++) any |= m->cell[p] != SX_NOCELL;
    bool expect = !((flags & PC_FIXED) && any);        /* fixed commits need an empty range */
    sx_enter(m);
    sx_describe("_PageCommit(%08x, %u, %s, flags %x)%s", m->base + i * PAGE_SIZE, k,
                hpd == PD_ZEROINIT ? "PD_ZEROINIT" : "PD_NOINIT", flags, expect ? "" : " [must fail]");
    struct mm_counts b;
    mm_counts_take(&b);
    ULONG r = _PageCommit(PG(m->base) + i, k, hpd, 0, flags);
    if (!r && expect) return sx_alloc_failed(&b, k, false, "_PageCommit");   /* out of memory (3 MiB) */
    if (r != (ULONG)expect) return sx_fail("_PageCommit returned %u, expected %u", r, expect);
    if (!r) { sx.st.expected_fail++; return sx_unchanged(&b, "_PageCommit"); }
    uint8_t prot = (uint8_t)(((flags & PC_WRITEABLE) ? MM_PROT_WRITE : 0) | ((flags & PC_USER) ? MM_PROT_USER : 0));
    uint32_t fresh = 0;                                /* pages committed now (the rest were skipped) */
    for (uint32_t p = i; p < i + k; p++)
        if (m->cell[p] == SX_NOCELL) { fill_object(m, p, 1, prot, flags & PC_FIXED, false); fresh |= 1u << p; }
    if (!(flags & (PC_PRESENT | PC_FIXED))) return NULL;
    sx_learn(m);
    for (uint32_t p = i; p < i + k; p++)
        if ((fresh & (1u << p)) && !sx.cells[m->cell[p]].present)
            return sx_fail("_PageCommit(PC_PRESENT): page %08x is not present", m->base + p * PAGE_SIZE);
    return NULL;
}

static const char *op_commit_vxd(void)
{
    struct sx_map *m = sx_pick_map(SXK(SX_VXD_RESERVE), NULL);
    if (!m) return sx_skipped;
    uint32_t i, k;
    sx_pick_range(m, &i, &k);
    return sx_chance(15) ? commit_contig(m, i, k) : commit_vxd(m, i, k);
}

static const char *alloc_dh(uint32_t n, ULONG f, struct sx_map **out)
{
    uint32_t size = n * PAGE_SIZE - sx_below(PAGE_SIZE);
    bool proc = f & VMDHA_PROCESS, present = f & (VMDHA_FIXED | VMDHA_16M);
    if (!sx_room(n)) return sx_skipped;
    sx_describe("VMAlloc(flags %x, %u bytes)", f, size);
    struct mm_counts b;
    mm_counts_take(&b);
    LIN lin = 0;
    USHORT e = DevHelp_VMAlloc(f, size, VMDHA_NOPHYSADDR, &lin, NULL);
    if (e) {
        if (e != ERROR_NOT_ENOUGH_MEMORY) return sx_fail("VMAlloc returned %u", e);
        return sx_alloc_failed(&b, n, f & (VMDHA_16M | VMDHA_CONTIG), "VMAlloc");
    }
    struct sx_map *m = sx_map_new(SX_DH_ALLOC, proc ? sx_as_index(as_current()) : SX_GLOBAL, lin, lin, n);
    m->aux = f;
    fill_object(m, 0, n, MM_PROT_WRITE | (proc ? MM_PROT_USER : 0), f & VMDHA_FIXED, false);
    if (out) *out = m;
    if (!present) return NULL;
    const char *r = sx_expect_present(m, 0, n, "VMAlloc(FIXED|16M)");
    for (uint32_t i = 0; !r && i < n; i++) {
        pfn_t p = sx.cells[m->cell[i]].pfn;
        if ((f & VMDHA_16M) && p >= ISA_DMA_LIMIT_PFN) r = sx_fail("VMAlloc(16M) gave frame %x", p);
        if ((f & VMDHA_CONTIG) && p != sx.cells[m->cell[0]].pfn + i) r = sx_fail("VMAlloc(CONTIG) is not contiguous");
    }
    return r;
}

static const char *op_alloc_dh(void)
{
    static const ULONG fl[] = { 0, VMDHA_FIXED, VMDHA_PROCESS, VMDHA_PROCESS | VMDHA_FIXED,
                                VMDHA_FIXED | VMDHA_16M, VMDHA_FIXED | VMDHA_CONTIG, VMDHA_16M, VMDHA_PROCESS };
    return alloc_dh(sx_pages_wanted(), fl[sx_below(ARRAY_SIZE(fl))], NULL);
}

static const char *alloc_nt(uint32_t n, bool low, struct sx_map **out)
{
    PHYSICAL_ADDRESS hi;
    hi.QuadPart = low ? 0xFFFFFF : 0xFFFFFFFFll;
    if (!sx_room(n)) return sx_skipped;
    sx_describe("MmAllocateContiguousMemory(%u pages, highest %08x)", n, hi.LowPart);
    struct mm_counts b;
    mm_counts_take(&b);
    PVOID p = MmAllocateContiguousMemory(n * PAGE_SIZE - sx_below(PAGE_SIZE), hi);
    if (!p) return sx_alloc_failed(&b, n, true, "MmAllocateContiguousMemory");
    struct sx_map *m = sx_map_new(SX_NT_CONTIG, SX_GLOBAL, (vaddr_t)p, (vaddr_t)p, n);
    fill_object(m, 0, n, MM_PROT_WRITE, false, true);
    if (out) *out = m;
    const char *r = sx_expect_present(m, 0, n, "MmAllocateContiguousMemory");
    for (uint32_t i = 0; !r && i < n; i++) {
        pfn_t f = sx.cells[m->cell[i]].pfn;
        if (f != sx.cells[m->cell[0]].pfn + i || (f << PAGE_SHIFT) > hi.LowPart)
            r = sx_fail("MmAllocateContiguousMemory: page %u on frame %x", i, f);
    }
    return r;
}

static const char *op_alloc_nt(void)
{
    return alloc_nt(sx_pages_wanted(), sx_chance(30), NULL);
}

/* Any object of any personality, every page committed (fixed or present or demand-zero). */
const char *sx_alloc_any(struct sx_map **out)
{
    static const uint32_t vf[] = { 0, PAGEZEROINIT, PAGEFIXED, PAGELOCKED };
    static const ULONG dh[] = { 0, VMDHA_FIXED, VMDHA_PROCESS, VMDHA_16M, VMDHA_PROCESS | VMDHA_FIXED };
    uint32_t n = 1 + sx_below(4);
    *out = NULL;
    switch (sx_below(4)) {
    case 0: return alloc_vxd(n, vf[sx_below(ARRAY_SIZE(vf))], sx_chance(40), out);
    case 1: {
        const char *r = reserve_vxd(n, sx_below(3), out);
        return r || !*out ? r : commit_vxd(*out, 0, n);
    }
    case 2: return alloc_nt(n, sx_chance(20), out);
    default: return alloc_dh(n, dh[sx_below(ARRAY_SIZE(dh))], out);
    }
}

/* Fixed memory of any personality - the frames a cross-API sequence wants to see reused. */
const char *sx_alloc_fixed(struct sx_map **out)
{
    static const ULONG dh[] = { VMDHA_FIXED, VMDHA_FIXED | VMDHA_CONTIG, VMDHA_FIXED | VMDHA_16M };
    uint32_t n = 1 + sx_below(4);
    *out = NULL;
    switch (sx_below(5)) {
    case 0: return alloc_vxd(n, sx_chance(50) ? PAGEFIXED : PAGELOCKED, sx_chance(40), out);
    case 1: return alloc_nt(n, sx_chance(20), out);
    case 2: {
        const char *r = reserve_vxd(n, 1 + sx_below(2), out);
        return r || !*out ? r : commit_contig(*out, 0, n);
    }
    default: return alloc_dh(n, dh[sx_below(ARRAY_SIZE(dh))], out);
    }
}

/* ---- freeing -------------------------------------------------------------------------------- */

static const char *lpl_unlock_global(struct sx_map *m, bool *ok);

/* The kind's own release service; *ok says whether the pages went. */
static const char *release_call(struct sx_map *m, bool *ok)
{
    USHORT e;
    switch (m->kind) {
    case SX_VXD_BLOCK: case SX_VXD_RESERVE:
        *ok = _PageFree((PVOID)m->ret, 0) == 1;
        return NULL;
    case SX_DH_ALLOC: case SX_P2G: case SX_G2P: case SX_PL2LIN:
        e = DevHelp_VMFree(m->ret);
        *ok = e == NO_ERROR;
        if (e && e != ERROR_ACCESS_DENIED) return sx_fail("VMFree(%08x) returned %u", m->ret, e);
        return NULL;
    case SX_NT_CONTIG:
        MmFreeContiguousMemory((PVOID)m->ret);
        *ok = !pte_read(m->base);
        return NULL;
    case SX_IOSPACE:
        MmUnmapIoSpace((PVOID)m->ret, m->bytes);
        *ok = !pte_read(m->base);
        return NULL;
    case SX_LPL_GLOBAL:
        return lpl_unlock_global(m, ok);
    default:
        return sx_fail("release_call: kind %u", m->kind);
    }
}

/* _LinPageUnLock(alias, PAGEMAPGLOBAL): the alias's mapping goes, then its lock record - never
 * refused: a frame the alias was the last to map goes back to the free list then, unless
 * another record still locks it. */
static const char *lpl_unlock_global(struct sx_map *m, bool *ok)
{
    *ok = _LinPageUnLock(PG(m->base), m->npages, PAGEMAPGLOBAL) == 1;
    return NULL;
}

/* An MDL's system mapping goes alone (MmUnmapLockedPages): the MDL stays locked. */
static const char *mdl_unmap(struct sx_map *m)
{
    for (uint32_t k = 0; k < SX_MAX_LOCKS; k++) {
        struct sx_lock *l = &sx.locks[k];
        if (!l->used || l->view != sx_map_index(m)) continue;
        MmUnmapLockedPages((PVOID)m->ret, l->mdl);
        if (l->mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) return sx_fail("MmUnmapLockedPages kept the mapping");
        if (!(l->mdl->MdlFlags & MDL_PAGES_LOCKED)) return sx_fail("MmUnmapLockedPages unlocked the MDL");
        l->view = -1;
        struct sx_map gone = *m;
        sx_map_free(m);
        return expect_gone(&gone, 0, gone.npages);
    }
    return sx_fail("MDL mapping %08x without its lock record", m->ret);
}

/* Never refused because of a lock: the pages' _LinPageLocks die with them, frames records hold
 * outlive them (orphans). */
const char *sx_free_map(struct sx_map *m)
{
    if (m->kind == SX_MDLMAP) return mdl_unmap(m);
    if (SX_IS_NT_MORE(m->kind)) return sx_nt_free(m);
    sx_enter(m);
    bool ok;
    const char *r = release_call(m, &ok);
    if (r) return r;
    if (!ok) return sx_fail("release of %08x (kind %u) failed", m->ret, m->kind);
    sx_note_freed(m->ret, m->kind);
    struct sx_map gone = *m;
    sx_map_free(m);
    return expect_gone(&gone, 0, gone.npages);
}

static const char *op_free(void)
{
    struct sx_map *m = sx_pick_map(SXK_ALL, NULL);
    if (!m) return sx_skipped;
    sx_describe("free %08x (kind %u, %u pages)", m->ret, m->kind, m->npages);
    return sx_free_map(m);
}

const char *sx_decommit(struct sx_map *m, uint32_t i, uint32_t k)
{
    if (m->kind != SX_VXD_RESERVE && m->kind != SX_VXD_BLOCK) return sx_skipped;
    sx_enter(m);
    sx_describe("_PageDecommit(%08x, %u)", m->base + i * PAGE_SIZE, k);
    ULONG ok = _PageDecommit(PG(m->base) + i, k, 0);
    if (ok != 1) return sx_fail("_PageDecommit returned %u", ok);
    for (uint32_t p = i; p < i + k; p++) sx_page_drop(m, p);
    return expect_gone(m, i, k);
}

static const char *op_decommit(void)
{
    struct sx_map *m = sx_pick_map(SXK(SX_VXD_RESERVE) | SXK(SX_VXD_BLOCK), NULL);
    if (!m) return sx_skipped;
    uint32_t i, k;
    sx_pick_range(m, &i, &k);
    return sx_decommit(m, i, k);
}

static const char *op_protect(void)
{
    static const ULONG ands[] = { 0xFFFFFFFFu, ~PC_WRITEABLE, ~PC_USER, 0 };
    static const ULONG ors[] = { 0, PC_WRITEABLE, PC_USER, PC_WRITEABLE | PC_USER, PC_USER };
    struct sx_map *m = sx_pick_map(SXK(SX_VXD_RESERVE) | SXK(SX_VXD_BLOCK), NULL);
    if (!m) return sx_skipped;
    uint32_t i, k;
    sx_pick_range(m, &i, &k);
    ULONG pa = ands[sx_below(ARRAY_SIZE(ands))], po = ors[sx_below(ARRAY_SIZE(ors))];
    bool expect = sx_range_committed(m, i, k);
    sx_enter(m);
    sx_describe("_PageModifyPermissions(%08x, %u, and %x, or %x)%s", m->base + i * PAGE_SIZE, k, pa, po,
                expect ? "" : " [must fail: uncommitted]");
    struct mm_counts b;
    mm_counts_take(&b);
    ULONG old = _PageModifyPermissions(PG(m->base) + i, k, pa, po);
    if (!expect) {
        if (old != 0xFFFFFFFFu) return sx_fail("_PageModifyPermissions of uncommitted pages returned %x", old);
        sx.st.expected_fail++;
        return sx_unchanged(&b, "_PageModifyPermissions");
    }
    uint8_t p0 = m->prot[i];
    ULONG want = ((p0 & MM_PROT_WRITE) ? PC_WRITEABLE : 0) | ((p0 & MM_PROT_USER) ? PC_USER : 0);
    if (old != want) return sx_fail("_PageModifyPermissions returned %x, the old bits were %x", old, want);
    uint8_t and_p = (uint8_t)(((pa & PC_WRITEABLE) ? MM_PROT_WRITE : 0) | ((pa & PC_USER) ? MM_PROT_USER : 0));
    uint8_t or_p = (uint8_t)(((po & PC_WRITEABLE) ? MM_PROT_WRITE : 0) | ((po & PC_USER) ? MM_PROT_USER : 0));
    for (uint32_t p = i; p < i + k; p++) m->prot[p] = (uint8_t)((m->prot[p] & and_p) | or_p);
    return NULL;
}

/* _PageReAllocate: a new block with the old contents (present pages copied, the rest zero), the
 * old one gone - refused, changing nothing, while a frame of the block has a lock beyond the
 * block's own pins: any owner's, through any page (the block's frames would be given away). */
const char *sx_realloc(struct sx_map *m, uint32_t n, ULONG flags)
{
    if (m->kind != SX_VXD_BLOCK || !sx_room(n)) return sx_skipped;
    bool busy = false;
    for (uint32_t p = 0; p < m->npages; p++) {
        const struct sx_cell *x = m->cell[p] != SX_NOCELL ? &sx.cells[m->cell[p]] : NULL;
        busy |= x && x->present && (x->rec || x->llocks);
    }
    sx_describe("_PageReAllocate(%08x, %u -> %u pages, flags %x)%s", m->ret, m->npages, n, flags,
                busy ? " [must fail: locked]" : "");
    struct mm_counts b;
    mm_counts_take(&b);
    ULONG h = _PageReAllocate(m->ret, n, flags);
    if (!h) {
        if (!busy && mm_free_frames() > 2 * n + 64) return sx_fail("_PageReAllocate failed");
        sx.st.expected_fail++;
        return sx_unchanged(&b, "_PageReAllocate");
    }
    if (busy) return sx_fail("_PageReAllocate moved a block with a locked page");
    bool fixed = (m->aux | flags) & (PAGEFIXED | PAGELOCKED);
    bool copy = !(flags & (PAGENOCOPY | PAGEZEROREINIT));
    struct sx_map *nm = sx_map_new(SX_VXD_BLOCK, SX_GLOBAL, h, h, n);
    nm->aux = (m->aux & (PAGEFIXED | PAGELOCKED | PAGEZEROINIT)) | (flags & PAGELOCKED);
    nm->aux2 = m->aux2;
    fill_object(nm, 0, n, m->aux2 == PG_SYS ? MM_PROT_WRITE : MM_PROT_WRITE | MM_PROT_USER, fixed, false);
    for (uint32_t p = 0; copy && p < n && p < m->npages; p++)
        if (m->cell[p] != SX_NOCELL && sx.cells[m->cell[p]].present) sx.cells[nm->cell[p]].tag = sx.cells[m->cell[p]].tag;
    sx_note_freed(m->ret, m->kind);
    struct sx_map gone = *m;
    sx_map_free(m);
    const char *r = expect_gone(&gone, 0, gone.npages);
    if (r) return r;
    sx_learn(nm);                       /* copied pages are present; untouched ones may be demand */
    return fixed ? sx_expect_present(nm, 0, n, "_PageReAllocate(fixed)") : NULL;
}

static const char *op_realloc(void)
{
    static const ULONG fl[] = { 0, PAGEZEROINIT, PAGENOCOPY, PAGEZEROREINIT, PAGELOCKED };
    struct sx_map *m = sx_pick_map(SXK(SX_VXD_BLOCK), NULL);
    if (!m) return sx_skipped;
    return sx_realloc(m, sx_pages_wanted(), fl[sx_below(ARRAY_SIZE(fl))]);
}

/* ---- contents ---------------------------------------------------------------------------------- */

static bool has_cell(const struct sx_map *m)
{
    for (uint32_t p = 0; p < m->npages; p++)
        if (m->cell[p] != SX_NOCELL) return true;
    return false;
}

static uint32_t pick_committed(const struct sx_map *m)
{
    uint32_t i;
    do i = sx_below(m->npages); while (m->cell[i] == SX_NOCELL);
    return i;
}

/* Ring 0 writes a new tag through one mapping; a read-only mapping must refuse (CR0.WP). */
const char *sx_write(struct sx_map *m, uint32_t i)
{
    if (m->cell[i] == SX_NOCELL) return sx_skipped;
    sx_enter(m);
    uint32_t tag = sx_new_tag();
    vaddr_t va = m->base + i * PAGE_SIZE;
    struct sx_cell *x = &sx.cells[m->cell[i]];
    bool w = m->prot[i] & MM_PROT_WRITE;
    sx_describe("ring 0 writes %08x at %08x (kind %u)%s", tag, va, m->kind, w ? "" : " [must fault: read-only]");
    sx.st.writes++;
    bool ok = uprobe_write(va, tag);
    sx_learn(m);                                    /* a demand page was faulted in either way */
    if (ok != w) return sx_fail("ring-0 write to %08x %s", va, ok ? "went through a read-only mapping" : "faulted");
    if (!w) {
        if (probe_last.vector != T_PF || (probe_last.err & 3) != 3 || probe_last.cr2 != va)
            return sx_fail("read-only write: vector %u error %x cr2 %08x", probe_last.vector, probe_last.err, probe_last.cr2);
        return NULL;
    }
    if (!uprobe_write(va + PAGE_SIZE - 4, tag ^ SX_TAG2)) return sx_fail("second write to %08x faulted", va);
    x->tag = tag;
    return NULL;
}

static const char *op_write(void)
{
    struct sx_map *m = sx_pick_map(SXK_ALL, has_cell);
    return m ? sx_write(m, pick_committed(m)) : sx_skipped;
}

static bool has_demand(const struct sx_map *m)
{
    for (uint32_t p = 0; p < m->npages; p++)
        if (m->cell[p] != SX_NOCELL && !sx.cells[m->cell[p]].present) return true;
    return false;
}

/* Ring 0 reads a demand-zero page: the fault handler gives it a zeroed frame. */
static const char *op_touch(void)
{
    struct sx_map *m = sx_pick_map(SXK_OBJECTS, has_demand);
    if (!m) return sx_skipped;
    sx_enter(m);
    uint32_t i;
    do i = sx_below(m->npages); while (m->cell[i] == SX_NOCELL || sx.cells[m->cell[i]].present);
    vaddr_t va = m->base + i * PAGE_SIZE;
    sx_describe("ring 0 touches demand page %08x", va);
    uint32_t faults = mm_demand_faults;
    if (!uprobe_read(va, NULL)) return sx_fail("read of demand page %08x faulted", va);
    if (mm_demand_faults != faults + 1) return sx_fail("no demand fault for %08x", va);
    return sx_expect_present(m, i, 1, "touch");
}

const char *sx_user(uint32_t (*fn)(uint32_t, uint32_t), uint32_t a1, uint32_t a2, bool must_fault,
                    vaddr_t cr2, struct user_result *r)
{
    sx.st.ring3++;
    if (user_call(fn, a1, a2, r) != 0) {
        if (mm_free_frames() > 64) return sx_fail("user_call could not prepare the address space");
        return sx_skipped;
    }
    sx.st.ring3_faults += r->faulted;
    if (r->faulted != must_fault)
        return sx_fail("ring 3 at %08x %s (vector %u error %x cr2 %08x)", a1, r->faulted ? "faulted" : "did not fault",
                       r->vector, r->err, r->cr2);
    if (must_fault && (r->vector != T_PF || r->cr2 != cr2 || !(r->err & 4)))
        return sx_fail("ring-3 fault: vector %u error %x cr2 %08x, expected a user #PF at %08x", r->vector, r->err, r->cr2, cr2);
    return NULL;
}

/* Ring 3 reads or writes a page of the current address space (or a global one): allowed
 * exactly when the page is committed, user and below the self-map (whose PDEs never allow
 * ring 3), and for a write also writable. */
static const char *op_ring3(void)
{
    struct sx_map *m = sx_pick_map(SXK_ALL, NULL);
    if (!m) return sx_skipped;
    sx_enter(m);
    uint32_t i = sx_below(m->npages), off = sx_chance(50) ? 0 : PAGE_SIZE - 4;
    vaddr_t va = m->base + i * PAGE_SIZE + off;
    uint16_t c = m->cell[i];
    bool user = c != SX_NOCELL && (m->prot[i] & MM_PROT_USER) && m->base < PTE_BASE;
    bool write = sx_chance(40), w = user && (m->prot[i] & MM_PROT_WRITE);
    struct user_result u;
    sx_describe("ring 3 %s %08x (kind %u)%s", write ? "writes" : "reads", va, m->kind,
                (write ? w : user) ? "" : " [must fault]");
    if (!write) {
        const char *r = sx_user(u_read, va, 0, !user, va, &u);
        sx_learn(m);
        if (r || !user) return r;
        uint32_t t = sx.cells[c].tag, want = off ? (t ? t ^ SX_TAG2 : 0) : t;
        return u.value == want ? NULL : sx_fail("ring 3 read %08x at %08x, the model says %08x", u.value, va, want);
    }
    uint32_t tag = sx_new_tag();
    const char *r = sx_user(u_write, m->base + i * PAGE_SIZE, tag, !w, m->base + i * PAGE_SIZE, &u);
    sx_learn(m);
    if (r || !w) return r;
    r = sx_user(u_write, m->base + i * PAGE_SIZE + PAGE_SIZE - 4, tag ^ SX_TAG2, false, 0, &u);
    if (!r) sx.cells[c].tag = tag;
    return r;
}

/* ---- address spaces ------------------------------------------------------------------------- */

static const char *op_as_create(void)
{
    uint8_t j = 1;
    while (j <= SX_MAX_AS && sx.as[j]) j++;
    if (j > SX_MAX_AS) return sx_skipped;
    sx_describe("as_create");
    struct mm_counts b;
    mm_counts_take(&b);
    struct as *a = as_create();
    if (!a) return sx_alloc_failed(&b, 1, false, "as_create");
    sx.as[j] = a;
    sx.st.as_created++;
    if (sx_chance(50)) { as_switch(a); sx.st.switches++; }
    return NULL;
}

static const char *op_as_switch(void)
{
    uint8_t j = (uint8_t)sx_below(1 + SX_MAX_AS);
    if (!sx.as[j]) return sx_skipped;
    sx_describe("as_switch(process %u)", j);
    as_switch(sx.as[j]);
    sx.st.switches++;
    return x86_read_cr3() >> PAGE_SHIFT == sx.as[j]->pd ? NULL : sx_fail("CR3 does not hold the directory");
}

/* Never refused for a lock: the process's pages take their _LinPageLocks with them, and frames
 * lock records hold (a VMLock, an MDL, a global alias of a private page) outlive it. */
const char *sx_destroy_as(uint8_t ai)
{
    if (as_current() == sx.as[ai]) as_switch(sx.as[0]);
    mm_status st = as_destroy(sx.as[ai]);
    if (st != MM_OK) return sx_fail("as_destroy(process %u) = %s", ai, mm_status_name(st));
    for (uint32_t k = 0; k < SX_MAX_MAPS; k++)
        if (sx.maps[k].used && sx.maps[k].as == ai) sx_map_free(&sx.maps[k]);
    sx.as[ai] = NULL;
    sx.st.as_destroyed++;
    return NULL;
}

static const char *op_as_destroy(void)
{
    uint8_t j = (uint8_t)(1 + sx_below(SX_MAX_AS));
    if (!sx.as[j]) return sx_skipped;
    sx_describe("as_destroy(process %u)", j);
    return sx_destroy_as(j);
}

/* The generator's table: weights are relative (the cross-API sequences' weight is the run's). */
const char *sx_op_lock(void);
const char *sx_op_unlock(void);
const char *sx_op_view(void);
const char *sx_op_query(void);
const char *sx_op_invalid(void);
const char *sx_op_total_unlock(void);
const char *sx_op_mdl_map(void);
const struct sx_op sx_ops[] = {
    { op_alloc_vxd, 5, "alloc-vxd" }, { op_reserve_vxd, 3, "reserve" }, { op_commit_vxd, 5, "commit" },
    { op_alloc_dh, 5, "alloc-devhlp" }, { op_alloc_nt, 2, "alloc-nt" }, { op_free, 10, "free" },
    { op_decommit, 3, "decommit" }, { op_protect, 3, "protect" }, { op_realloc, 2, "realloc" },
    { op_write, 10, "write" }, { op_touch, 3, "touch" }, { op_ring3, 3, "ring3" },
    { op_as_create, 2, "as-create" }, { op_as_switch, 4, "as-switch" }, { op_as_destroy, 1, "as-destroy" },
    { sx_op_lock, 8, "lock" }, { sx_op_unlock, 8, "unlock" }, { sx_op_view, 8, "view" },
    { sx_op_query, 8, "query" }, { sx_op_invalid, 12, "invalid" }, { sx_op_total_unlock, 2, "total-unlock" },
    { sx_op_mdl_map, 1, "mdl-map" }, { sx_op_cross, 0, "cross-api" },
    { sx_op_nt_alloc, 4, "alloc-nt-more" }, { sx_op_nt_free, 3, "free-nt-more" },
    { sx_op_nt_vm_decommit, 2, "nt-vm-decommit" }, { sx_op_nt_invalid, 3, "invalid-nt-more" },
};
const uint32_t sx_nops = ARRAY_SIZE(sx_ops);
