/*
 * tests/suites/stress/views.c - the stress operations that map frames a second time and those that only
 * ask: VMProcessToGlobal, VMGlobalToProcess, _LinPageLock(PAGEMAPGLOBAL), MmMapIoSpace of an
 * object's frames, LinToPageList + PageListToLin; and _PageQuery, MmIsAddressValid,
 * MmGetPhysicalAddress, _CopyPageTable, LinToPageList, MmGetVirtualForPhysical asked about a
 * page another personality made, locked or aliased.
 *
 * A view shares its source's cells: every later write through either is read back through
 * both by the sweep, so a view on the wrong frame shows up at once.
 */
#include "tests/suites/stress/stress.h"

#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)

/* A new view of pages [i, i + k) of m (already present), mapped at ret. */
static struct sx_map *new_view(uint8_t kind, uint8_t as, vaddr_t ret, const struct sx_map *m, uint32_t i, uint32_t k,
                               uint8_t prot)
{
    struct sx_map *v = sx_map_new(kind, as, ret, PAGE_ALIGN_DOWN(ret), k);
    for (uint32_t p = 0; p < k; p++) {
        struct sx_cell *x = &sx.cells[m->cell[i + p]];
        v->cell[p] = m->cell[i + p];
        v->prot[p] = prot;
        x->maps++;
        if (kind == SX_LPL_GLOBAL) sx_cell_lock(v->cell[p]);    /* the alias's lock record */
    }
    return v;
}

static bool below_shared_end(const struct sx_map *m) { return m->base < SHARED_END; }
static bool global_region(const struct sx_map *m) { return m->base >= SHARED_START && m->base < SYSPTE_START; }
#define G2P_SOURCES (SXK(SX_VXD_BLOCK) | SXK(SX_VXD_RESERVE) | SXK(SX_DH_ALLOC) | SXK(SX_P2G) | SXK(SX_LPL_GLOBAL))

static bool all_present(const struct sx_map *m, uint32_t i, uint32_t k)
{
    for (uint32_t p = i; p < i + k; p++)
        if (!sx_cell_in_ram(m->cell[p])) return false;
    return true;
}

const char *sx_p2g(struct sx_map *m, uint32_t i, uint32_t k, struct sx_map **out)
{
    if (out) *out = NULL;
    if (!(SXK(m->kind) & (SXK_OBJECTS | SXK(SX_G2P))) || !below_shared_end(m) || !sx_map_slot_free()) return sx_skipped;
    ULONG f = sx_chance(60) ? VMDHPG_WRITE : 0, len = k * PAGE_SIZE - sx_below(PAGE_SIZE);
    bool want = sx_range_committed(m, i, k);
    sx_enter(m);
    sx_describe("VMProcessToGlobal(%x, %08x, %u)%s", f, m->base + i * PAGE_SIZE, len, want ? "" : " [must fail]");
    struct mm_counts b;
    mm_counts_take(&b);
    LIN g = 0;
    USHORT e = DevHelp_VMProcessToGlobal(f, m->base + i * PAGE_SIZE, len, &g);
    sx_learn(m);
    if ((e == NO_ERROR) != want) return sx_fail("VMProcessToGlobal returned %u", e);
    if (e) { sx.st.expected_fail++; return e == ERROR_INVALID_PARAMETER ? sx_unchanged(&b, "VMProcessToGlobal") : sx_fail("error %u", e); }
    struct sx_map *v = new_view(SX_P2G, SX_GLOBAL, g, m, i, k, (f & VMDHPG_WRITE) ? MM_PROT_WRITE : 0);
    if (out) *out = v;
    return g >= SYSTEM_START ? NULL : sx_fail("VMProcessToGlobal alias %08x outside the system arena", g);
}

static const char *op_p2g(void)
{
    struct sx_map *m = sx_pick_map(SXK_OBJECTS | SXK(SX_G2P), below_shared_end);
    if (!m) return sx_skipped;
    uint32_t i, k;
    sx_pick_range(m, &i, &k);
    return sx_p2g(m, i, k, NULL);
}

const char *sx_g2p(struct sx_map *m, uint32_t i, uint32_t k, struct sx_map **out)
{
    if (out) *out = NULL;
    if (!(SXK(m->kind) & G2P_SOURCES) || !global_region(m) || !sx_map_slot_free()) return sx_skipped;
    uint32_t off = sx_below(PAGE_SIZE);
    ULONG f = (sx_chance(60) ? VMDHGP_WRITE : 0) | (sx_chance(10) ? VMDHGP_SELMAP : 0) | (sx_chance(5) ? VMDHGP_4MEG : 0);
    ULONG len = (k - 1) * PAGE_SIZE + 1 + sx_below(PAGE_SIZE - off);
    bool want = sx_range_committed(m, i, k);
    sx_describe("VMGlobalToProcess(%x, %08x, %u)%s", f, m->base + i * PAGE_SIZE + off, len, want ? "" : " [must fail]");
    struct mm_counts b;
    mm_counts_take(&b);
    LIN p = 0;
    USHORT e = DevHelp_VMGlobalToProcess(f, m->base + i * PAGE_SIZE + off, len, &p);
    sx_learn(m);
    if ((e == NO_ERROR) != want) return sx_fail("VMGlobalToProcess returned %u", e);
    if (e) { sx.st.expected_fail++; return sx_unchanged(&b, "VMGlobalToProcess"); }
    if ((p & PAGE_MASK) != off || p >= PRIVATE_END || ((f & VMDHGP_4MEG) && (p & (LARGE_PAGE_SIZE - 1)) != off) ||
        ((f & VMDHGP_SELMAP) && ((p & 0xFFFF) != off || p >= TILED_LIMIT)))
        return sx_fail("VMGlobalToProcess(%x) placed the view at %08x", f, p);
    struct sx_map *v = new_view(SX_G2P, sx_as_index(as_current()), p, m, i, k,
                                MM_PROT_USER | ((f & VMDHGP_WRITE) ? MM_PROT_WRITE : 0));
    if (out) *out = v;
    return NULL;
}

static const char *op_g2p(void)
{
    struct sx_map *m = sx_pick_map(G2P_SOURCES, global_region);
    if (!m) return sx_skipped;
    uint32_t i, k;
    sx_pick_range(m, &i, &k);
    return sx_g2p(m, i, k, NULL);
}

/* _LinPageLock(PAGEMAPGLOBAL): a system-arena alias whose lock record holds each frame. */
const char *sx_lpl_global(struct sx_map *m, uint32_t i, uint32_t k, struct sx_map **out)
{
    if (out) *out = NULL;
    if (!(SXK(m->kind) & SXK_REGIONS) || !sx_map_slot_free()) return sx_skipped;
    bool want = sx_range_committed(m, i, k);
    ULONG f = PAGEMAPGLOBAL | (sx_chance(30) ? PAGEMARKDIRTY : 0);
    sx_enter(m);
    sx_describe("_LinPageLock(%08x, %u, PAGEMAPGLOBAL)%s", m->base + i * PAGE_SIZE, k, want ? "" : " [must fail]");
    struct mm_counts b;
    mm_counts_take(&b);
    ULONG a = _LinPageLock(PG(m->base) + i, k, f);
    sx_learn(m);
    if ((a != 0) != want) return sx_fail("_LinPageLock(PAGEMAPGLOBAL) returned %08x", a);
    if (!a) { sx.st.expected_fail++; return sx_unchanged(&b, "_LinPageLock(PAGEMAPGLOBAL)"); }
    uint8_t prot = MM_PROT_WRITE;
    for (uint32_t p = i; p < i + k; p++) prot &= m->prot[p];
    struct sx_map *v = new_view(SX_LPL_GLOBAL, SX_GLOBAL, a, m, i, k, prot);
    if (out) *out = v;
    return a >= SYSTEM_START && !(a & PAGE_MASK) ? NULL : sx_fail("PAGEMAPGLOBAL alias at %08x", a);
}

static const char *op_lpl_global(void)
{
    struct sx_map *m = sx_pick_map(SXK_REGIONS, NULL);
    if (!m) return sx_skipped;
    uint32_t i, k;
    sx_pick_range(m, &i, &k);
    return sx_lpl_global(m, i, k, NULL);
}

/* MmMapIoSpace of the frame of one cell - an orphan too: a counted mapping that brings a frame
 * only a lock record holds back into view (and keeps it after the record goes). */
const char *sx_iospace_cell(uint16_t c, struct sx_map **out)
{
    if (out) *out = NULL;
    struct sx_cell *x = &sx.cells[c];
    if (!x->used || !x->present || !sx_map_slot_free()) return sx_skipped;
    uint32_t off = sx_below(PAGE_SIZE), bytes = 1 + sx_below(PAGE_SIZE - off);
    PHYSICAL_ADDRESS pa;
    pa.QuadPart = ((uint64_t)x->pfn << PAGE_SHIFT) + off;
    sx_describe("MmMapIoSpace(%08x, %u) of cell %u%s", pa.LowPart, bytes, c, x->maps ? "" : " (an orphan)");
    PVOID v = MmMapIoSpace(pa, bytes, MmCached);
    if (!v) return syspte_free_count() > 64 ? sx_fail("MmMapIoSpace of RAM in use failed") : NULL;
    if (BYTE_OFFSET(v) != off) return sx_fail("MmMapIoSpace lost the byte offset");
    struct sx_map *iv = sx_map_new(SX_IOSPACE, SX_GLOBAL, (vaddr_t)v, PAGE_ALIGN_DOWN((vaddr_t)v), 1);
    iv->cell[0] = c;
    iv->prot[0] = MM_PROT_WRITE;
    iv->bytes = bytes;
    x->maps++;
    if (out) *out = iv;
    return NULL;
}

/* MmMapIoSpace of RAM in use: a counted mapping of consecutive frames. */
static const char *op_iospace(void)
{
    struct sx_map *m = sx_pick_map(SXK_ALL, NULL);
    if (!m || !sx_map_slot_free()) return sx_skipped;
    uint32_t i = sx_below(m->npages), k = 1;
    if (!all_present(m, i, 1)) return sx_skipped;
    uint32_t want_k = 1 + sx_below(3);
    while (k < want_k && i + k < m->npages && all_present(m, i + k, 1) &&
           sx.cells[m->cell[i + k]].pfn == sx.cells[m->cell[i]].pfn + k)
        k++;
    uint32_t off = sx_below(PAGE_SIZE), bytes = (k - 1) * PAGE_SIZE + 1 + sx_below(PAGE_SIZE - off);
    MEMORY_CACHING_TYPE ct = sx_chance(80) ? MmCached : MmNonCached;
    PHYSICAL_ADDRESS pa;
    pa.QuadPart = ((uint64_t)sx.cells[m->cell[i]].pfn << PAGE_SHIFT) + off;
    sx_describe("MmMapIoSpace(%08x, %u, cache %d) of %08x", pa.LowPart, bytes, ct, m->base + i * PAGE_SIZE);
    PVOID v = MmMapIoSpace(pa, bytes, ct);
    if (!v) return syspte_free_count() > 64 ? sx_fail("MmMapIoSpace of RAM in use failed") : NULL;
    if (BYTE_OFFSET(v) != off) return sx_fail("MmMapIoSpace lost the byte offset");
    struct sx_map *iv = new_view(SX_IOSPACE, SX_GLOBAL, (vaddr_t)v, m, i, k, MM_PROT_WRITE);
    iv->bytes = bytes;
    return NULL;
}

static const char *op_pl2lin(void)
{
    struct sx_map *m = sx_pick_map(SXK_ALL, NULL);
    if (!m || !sx_map_slot_free()) return sx_skipped;
    uint32_t i, k, off = sx_below(PAGE_SIZE), count = 0;
    sx_pick_range(m, &i, &k);
    uint32_t size = (k - 1) * PAGE_SIZE + 1 + sx_below(PAGE_SIZE - off);
    vaddr_t lin = m->base + i * PAGE_SIZE + off;
    bool present = all_present(m, i, k);
    sx_enter(m);
    sx_describe("LinToPageList(%08x, %u) + PageListToLin%s", lin, size, present ? "" : " [must fail: not present]");
    USHORT e = DevHelp_LinToPageList(lin, size, (LIN)sx.data->pagelist, &count);
    if (e != (present ? NO_ERROR : ERROR_INVALID_ADDRESS)) return sx_fail("LinToPageList returned %u", e);
    if (e) { sx.st.expected_fail++; return NULL; }
    const char *r = sx_check_pagelist(m, lin, size, sx.data->pagelist, count);
    if (r) return r;
    LIN out = 0;
    e = DevHelp_PageListToLin(size, (LIN)sx.data->pagelist, &out);
    if (e) return syspte_free_count() > 64 ? sx_fail("PageListToLin returned %u", e) : NULL;
    if ((out & PAGE_MASK) != off) return sx_fail("PageListToLin lost the byte offset");
    new_view(SX_PL2LIN, SX_GLOBAL, out, m, i, k, MM_PROT_WRITE);
    return NULL;
}

const char *sx_op_view(void)
{
    switch (sx_below(5)) {
    case 0: return op_p2g();
    case 1: return op_g2p();
    case 2: return op_lpl_global();
    case 3: return op_iospace();
    default: return op_pl2lin();
    }
}

/* ---- queries ------------------------------------------------------------------------------------ */

static bool has_global(uint16_t c)
{
    for (uint32_t k = 0; k < SX_MAX_MAPS; k++)
        for (uint32_t p = 0; sx.maps[k].used && sx.maps[k].as == SX_GLOBAL && p < sx.maps[k].npages; p++)
            if (sx.maps[k].cell[p] == c) return true;
    return false;
}

static const char *q_pagequery(const struct sx_map *m, uint32_t i, vaddr_t va)
{
    MEMORY_BASIC_INFORMATION mbi;
    uint16_t c = m->cell[i];
    uint8_t pr = m->prot[i];
    DWORD want_state = c == SX_NOCELL ? MEM_RESERVE : MEM_COMMIT;
    DWORD want_prot = c == SX_NOCELL ? 0 : !(pr & MM_PROT_USER) ? PAGE_NOACCESS :
                      (pr & MM_PROT_WRITE) ? PAGE_READWRITE : PAGE_READONLY;
    if (_PageQuery(va, &mbi, sizeof mbi) != sizeof mbi) return sx_fail("_PageQuery(%08x) failed", va);
    if (mbi.mbi_State != want_state || mbi.mbi_Protect != want_prot || mbi.mbi_BaseAddress != PAGE_ALIGN_DOWN(va))
        return sx_fail("_PageQuery(%08x): state %x protect %x, the model says %x %x", va, mbi.mbi_State,
                       mbi.mbi_Protect, want_state, want_prot);
    return NULL;
}

static const char *q_copypagetable(const struct sx_map *m, uint32_t i, vaddr_t va)
{
    ULONG buf = 0xFFFFFFFFu;
    uint32_t e;
    bool pde = mm_read_pte(va, &e);
    uint16_t c = m->cell[i];
    ULONG r = _CopyPageTable(PG(va), 1, &buf, 0);
    if (r != (ULONG)pde) return sx_fail("_CopyPageTable(%08x) returned %u", va, r);
    if (!r) return c == SX_NOCELL ? NULL : sx_fail("_CopyPageTable: no table under committed %08x", va);
    if (c != SX_NOCELL && sx.cells[c].out)          /* in swap: not present, the protection kept */
        return (buf & (PTE_P | MM_PROT_MASK)) == m->prot[i] ? NULL
               : sx_fail("_CopyPageTable(%08x) = %08x for a page in swap (prot %x)", va, buf, m->prot[i]);
    ULONG want = c == SX_NOCELL ? 0 : sx.cells[c].present ? (sx.cells[c].pfn << PAGE_SHIFT) | PTE_P | m->prot[i]
                                                         : PTE_NP_DEMAND | m->prot[i];
    ULONG mask = c != SX_NOCELL && sx.cells[c].present ? (PTE_FRAME | PTE_P | MM_PROT_MASK) : (PTE_P | PTE_NP_DEMAND | MM_PROT_MASK);
    if (c == SX_NOCELL) mask = 0xFFFFFFFFu;
    return (buf & mask) == want ? NULL : sx_fail("_CopyPageTable(%08x) = %08x, the model says %08x", va, buf, want);
}

static const char *q_physical(const struct sx_map *m, uint32_t i, vaddr_t va, uint32_t off)
{
    uint16_t c = m->cell[i];
    bool present = sx_cell_in_ram(c);
    PHYSICAL_ADDRESS pa = MmGetPhysicalAddress((PVOID)(va + off));
    uint32_t want = present ? (sx.cells[c].pfn << PAGE_SHIFT) + off : 0;
    if (pa.HighPart || pa.LowPart != want) return sx_fail("MmGetPhysicalAddress(%08x) = %08x, the model says %08x", va + off, pa.LowPart, want);
    if (MmIsAddressValid((PVOID)va) != present) return sx_fail("MmIsAddressValid(%08x) = %u", va, !present);
    if (!present || !sx_chance(20)) return NULL;
    PVOID back = MmGetVirtualForPhysical(pa);         /* a walk of the kernel half: not every time */
    if (!back) return has_global(c) ? sx_fail("MmGetVirtualForPhysical(%08x): NULL for a global frame", pa.LowPart) : NULL;
    PHYSICAL_ADDRESS again = MmGetPhysicalAddress(back);
    return again.LowPart == pa.LowPart ? NULL : sx_fail("MmGetVirtualForPhysical(%08x) = %p, which maps %08x", pa.LowPart, back, again.LowPart);
}

static const char *q_pagelist(const struct sx_map *m, uint32_t i, vaddr_t va, uint32_t off)
{
    uint16_t c = m->cell[i];
    bool present = sx_cell_in_ram(c);
    ULONG count = 0;
    USHORT e = DevHelp_LinToPageList(va + off, 1, (LIN)sx.data->pagelist, &count);
    if (e != (present ? NO_ERROR : ERROR_INVALID_ADDRESS)) return sx_fail("LinToPageList(%08x) returned %u", va + off, e);
    if (present && (count != 1 || sx.data->pagelist[0].PhysAddr != (sx.cells[c].pfn << PAGE_SHIFT) + off || sx.data->pagelist[0].Size != 1))
        return sx_fail("LinToPageList(%08x): %u entries, %08x", va + off, count, sx.data->pagelist[0].PhysAddr);
    return NULL;
}

const char *sx_op_query(void)
{
    struct sx_map *m = sx_pick_map(SXK_ALL, NULL);
    if (!m) return sx_skipped;
    sx_enter(m);
    uint32_t i = sx_below(m->npages), off = sx_below(PAGE_SIZE), q = sx_below(4);
    vaddr_t va = m->base + i * PAGE_SIZE;
    static const char *const names[4] = { "_PageQuery", "_CopyPageTable", "MmGetPhysicalAddress+MmIsAddressValid",
                                          "LinToPageList" };
    sx_describe("%s(%08x) (kind %u)", names[q], va + off, m->kind);
    switch (q) {
    case 0: return q_pagequery(m, i, va + off);
    case 1: return q_copypagetable(m, i, va);
    case 2: return q_physical(m, i, va, off);
    default: return q_pagelist(m, i, va, off);
    }
}
