/*
 * tests/suites/stress/invalid.c - invalid calls in the middle of the random sequence: double frees, frees
 * through the wrong personality, forged and stale handles, unaligned or uncommitted ranges,
 * reserved flag bits, ranges at the null page and 0xFFC00000, free RAM through MmMapIoSpace,
 * destroying the current process.  Each must give its documented error and cost nothing: free
 * frames, system PTEs, locked frames, regions and pool bytes unchanged, and the sweep after the
 * step finds every mapping as it was.
 *
 * Unlike the hostile-input suite (one table of cases per service, on a quiet kernel), these land on a kernel
 * full of live objects, locks and aliases in several processes - where a sloppy check hurts.
 */
#include "tests/suites/stress/stress.h"

#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)
static LIN scratch_lin;

/* Does a live object or view start at va, as seen from the current address space? */
static bool live_at(vaddr_t va)
{
    for (uint32_t k = 0; k < SX_MAX_MAPS; k++) {
        const struct sx_map *m = &sx.maps[k];
        if (m->used && sx_visible(m) && (m->ret == va || m->base == va)) return true;
    }
    return false;
}

/* An address that is certainly no handle of the kind: a freed one nobody reuses, the second
 * page of a live object, or plain garbage. */
static vaddr_t not_a_handle(void)
{
    if (sx.nfreed && sx_chance(50)) {
        vaddr_t v = sx.freed[sx_below(MIN(sx.nfreed, SX_FREED_KEEP))];
        if (!live_at(v)) return v;
    }
    struct sx_map *m = sx_pick_map(SXK_ALL, NULL);
    if (m && m->npages > 1 && !live_at(m->base + PAGE_SIZE)) {
        sx_enter(m);
        return m->base + PAGE_SIZE;
    }
    static const vaddr_t junk[] = { 0, 0x1000, BAD_POINTER, 0xFFC00000u, 0x80100000u, PTE_BASE, KPOOL_BASE, 0x7FFF0000u };
    return junk[sx_below(ARRAY_SIZE(junk))];
}

#define EXPECT(cond, ...) do { if (!(cond)) return sx_fail(__VA_ARGS__); } while (0)

static const char *inv_frees(void)
{
    vaddr_t h = not_a_handle();
    uint32_t which = sx_below(3);
    sx_describe("invalid free of %08x through %s", h, which == 0 ? "_PageFree" : which == 1 ? "VMFree" : "_PageFree(PR_STATIC)");
    if (which == 1) {
        USHORT e = DevHelp_VMFree(h);
        EXPECT(e == ERROR_INVALID_PARAMETER, "VMFree(%08x) returned %u", h, e);
    } else {
        ULONG r = _PageFree((PVOID)h, which == 2 ? PR_STATIC | 1 : 0);
        EXPECT(r == 0, "_PageFree(%08x) returned %u", h, r);
    }
    return NULL;
}

/* A handle of the other personality: _PageFree of a VMAlloc block, VMFree of a _PageAllocate one. */
static const char *inv_wrong_personality(void)
{
    struct sx_map *m = sx_pick_map(SXK(SX_DH_ALLOC) | SXK(SX_VXD_BLOCK) | SXK(SX_NT_CONTIG), NULL);
    if (!m) return sx_skipped;
    sx_enter(m);
    sx_describe("free %08x (kind %u) through the wrong personality", m->ret, m->kind);
    if (m->kind == SX_VXD_BLOCK) {
        USHORT e = DevHelp_VMFree(m->ret);
        EXPECT(e == ERROR_INVALID_PARAMETER, "VMFree of a _PageAllocate block returned %u", e);
    } else {
        EXPECT(_PageFree((PVOID)m->ret, 0) == 0, "_PageFree of kind %u succeeded", m->kind);
    }
    return NULL;
}

static const char *inv_contig(void)
{
    struct sx_map *m = sx_pick_map(SXK(SX_NT_CONTIG), NULL);
    PHYSICAL_ADDRESS hi;
    hi.QuadPart = 0xFFFFFFFFll;
    if (!m || m->npages < 2 || sx_chance(70)) {
        sx_describe("MmAllocateContiguousMemory(0)");
        EXPECT(MmAllocateContiguousMemory(0, hi) == NULL, "MmAllocateContiguousMemory(0) succeeded");
        return NULL;
    }
    uint32_t before = ntmm_last_bugcheck.count;
    sx_describe("MmFreeContiguousMemory(%08x): not the start of the block", m->base + PAGE_SIZE);
    MmFreeContiguousMemory((PVOID)(m->base + PAGE_SIZE));
    EXPECT(ntmm_last_bugcheck.count == before + 1 && ntmm_last_bugcheck.code == BAD_POOL_CALLER,
           "freeing the middle of a contiguous block was not reported as BAD_POOL_CALLER");
    return NULL;
}

static const char *inv_commit(void)
{
    struct sx_map *m = sx_pick_map(SXK(SX_VXD_RESERVE), NULL);
    if (!m) return sx_skipped;
    static const struct { ULONG hpd, pagerdata, flags; } bad[] = {
        { 0, 0, PC_WRITEABLE }, { 5, 0, PC_WRITEABLE }, { PD_ZEROINIT, 1, 0 }, { PD_FIXED, 0, PC_WRITEABLE },
        { PD_ZEROINIT, 0, 0x00000001u }, { PD_NOINIT, 0, 0x01000000u },
    };
    uint32_t b = sx_below(ARRAY_SIZE(bad));
    sx_enter(m);
    sx_describe("_PageCommit(%08x, hpd %u, pagerdata %u, flags %x): invalid", m->base, bad[b].hpd, bad[b].pagerdata, bad[b].flags);
    ULONG r = _PageCommit(PG(m->base), m->npages, bad[b].hpd, bad[b].pagerdata, bad[b].flags);
    EXPECT(r == 0, "invalid _PageCommit returned %u", r);
    return NULL;
}

static bool has_uncommitted(const struct sx_map *m) { return !sx_range_committed(m, 0, m->npages); }

static const char *inv_ranges(void)
{
    struct sx_map *m = sx_pick_map(SXK(SX_VXD_RESERVE), has_uncommitted);
    uint32_t which = sx_below(5);
    if (!m) return sx_skipped;
    sx_enter(m);
    vaddr_t va = m->base;
    uint32_t n = m->npages, f = 0;
    sx_describe("invalid range call %u on %08x (%u pages, not all committed)", which, va, n);
    switch (which) {
    case 0: EXPECT(_LinPageLock(PG(va), n, 0) == 0, "_LinPageLock of uncommitted pages succeeded"); break;
    case 1: EXPECT(_LinPageLock(PG(va), n + 1, 0) == 0, "_LinPageLock past the region succeeded"); break;
    case 2: EXPECT(DevHelp_VMLock(0, va, n * PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&sx.data->scratch, NULL) == ERROR_INVALID_PARAMETER,
                   "VMLock of uncommitted pages did not return 87"); break;
    case 3: EXPECT(_PageModifyPermissions(PG(va), n, ~0u, PC_USER) == 0xFFFFFFFFu, "permissions of uncommitted pages"); break;
    default:
        f = DevHelp_VMProcessToGlobal(0, va, n * PAGE_SIZE, &scratch_lin);
        EXPECT(f == ERROR_INVALID_PARAMETER, "VMProcessToGlobal of uncommitted pages returned %u", f);
    }
    return NULL;
}

static const char *inv_flags(void)
{
    struct sx_map *m = sx_pick_map(SXK_OBJECTS, NULL);
    if (!m) return sx_skipped;
    sx_enter(m);
    vaddr_t va = m->base;
    uint32_t which = sx_below(6), count;
    LIN out;
    sx_describe("reserved flag bits, call %u on %08x", which, va);
    switch (which) {
    case 0: EXPECT(_LinPageLock(PG(va), 1, 0x00000001u) == 0, "_LinPageLock with a reserved bit"); break;
    case 1: EXPECT(DevHelp_VMLock(VMDHL_VERIFY | VMDHL_CONTIGUOUS, va, 1, DEVHLP_NO_LIST, (LIN)&sx.data->scratch, &count) ==
                   ERROR_INVALID_PARAMETER, "VMLock(VERIFY|CONTIGUOUS)"); break;
    case 2: EXPECT(DevHelp_VMLock(0x4000, va, 1, DEVHLP_NO_LIST, (LIN)&sx.data->scratch, &count) == ERROR_INVALID_PARAMETER,
                   "VMLock with an undefined bit"); break;
    case 3: EXPECT(DevHelp_VMProcessToGlobal(2, va, PAGE_SIZE, &out) == ERROR_INVALID_PARAMETER, "VMProcessToGlobal(2)"); break;
    case 4: EXPECT(DevHelp_VMProcessToGlobal(0, va + 1, PAGE_SIZE, &out) == ERROR_INVALID_PARAMETER, "unaligned VMProcessToGlobal"); break;
    default: EXPECT(_PageModifyPermissions(PG(va), 1, ~0u, 0x1u) == 0xFFFFFFFFu, "_PageModifyPermissions(permor 1)"); break;
    }
    return NULL;
}

static const char *inv_unlocks(void)
{
    KernVMLock_t forged;
    uint32_t which = sx_below(5);
    sx_describe("invalid unlock %u", which);
    if (which == 0 && sx.nreleased) return sx_vmunlock_stale();
    if (which <= 1) {
        for (uint32_t i = 0; i < sizeof forged; i++) forged.Lockhandle[i] = (char)sx_next(&sx.rng);
        USHORT e = DevHelp_VMUnLock((LIN)&forged);
        EXPECT(e == ERROR_INVALID_HANDLE, "VMUnLock of a forged handle returned %u", e);
        return NULL;
    }
    if (which == 2) {
        EXPECT(DevHelp_VMUnLock(0) == ERROR_INVALID_PARAMETER, "VMUnLock(NULL)");
        return NULL;
    }
    if (which == 3 && sx.nstale) return sx_mdl_forged();
    /* _LinPageUnLock of a page without a _LinPageLock of its own - whatever else locks its frame
     * (a record, a pin, another page's linear lock) - or of an alias page without PAGEMAPGLOBAL */
    struct sx_map *m = sx_pick_map(SXK_REGIONS | SXK(SX_LPL_GLOBAL), NULL);
    if (!m) return sx_skipped;
    uint32_t i = sx_below(m->npages);
    if (m->llocks[i] && m->kind != SX_LPL_GLOBAL) return sx_skipped;
    ULONG f = sx_chance(50) ? 0 : PL_TOTALUNLOCK;
    sx_enter(m);
    sx_describe("_LinPageUnLock(%08x, 1, %x) of a page without a lock of its own", m->base + i * PAGE_SIZE, f);
    EXPECT(_LinPageUnLock(PG(m->base) + i, 1, f) == 0, "_LinPageUnLock of a page without a lock of its own succeeded");
    return NULL;
}

static const char *inv_reserve_alloc(void)
{
    static const struct { ULONG page, n, flags; } res[] = {
        { 0, 1, 0 }, { 0xFFC00, 1, 0 }, { 0xFFBFF, 2, 0 }, { 0x7FFEF, 2, 0 }, { PR_SYSTEM, 0, 0 }, { PR_SHARED, 1, 0x100 },
        { 0xC0000, 1, 0 }, { 0xFFFFF, 1, 0 },
    };
    uint32_t which = sx_below(ARRAY_SIZE(res) + 5);
    LIN lin;
    sx_describe("invalid allocation %u", which);
    if (which < ARRAY_SIZE(res)) {
        ULONG r = _PageReserve(res[which].page, res[which].n, res[which].flags);
        EXPECT(r == 0xFFFFFFFFu, "_PageReserve(%x, %u, %x) = %08x", res[which].page, res[which].n, res[which].flags, r);
        return NULL;
    }
    switch (which - ARRAY_SIZE(res)) {
    case 0: EXPECT(_PageAllocate(1, PG_VM, 0, 0, 0, 0, NULL, 0) == 0, "_PageAllocate(PG_VM, VM 0)"); break;
    case 1: EXPECT(_PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGELOCKED | PAGELOCKEDIFDP) == 0, "LOCKED|LOCKEDIFDP"); break;
    case 2: EXPECT(DevHelp_VMAlloc(VMDHA_CONTIG, PAGE_SIZE, VMDHA_NOPHYSADDR, &lin, NULL) == ERROR_INVALID_PARAMETER, "CONTIG w/o FIXED"); break;
    case 3: EXPECT(DevHelp_VMAlloc(0, 0, VMDHA_NOPHYSADDR, &lin, NULL) == ERROR_INVALID_PARAMETER, "VMAlloc of 0 bytes"); break;
    default: EXPECT(DevHelp_VMAlloc(VMDHA_USEHIGHMEM, PAGE_SIZE, VMDHA_NOPHYSADDR, &lin, NULL) == ERROR_INVALID_PARAMETER,
                    "USEHIGHMEM after init"); break;
    }
    return NULL;
}

static PMDL mdl_over(vaddr_t va, uint32_t len) { return IoAllocateMdl((PVOID)va, len, FALSE, FALSE, NULL); }

static const char *inv_nt(void)
{
    uint32_t which = sx_below(4);
    struct sx_map *m = sx_pick_map(SXK_ALL, NULL);
    vaddr_t va = which == 0 ? 0x00001000u : which == 1 ? BAD_POINTER : m ? m->base : 0;
    if (which >= 2 && (!m || m->base < PRIVATE_END)) return sx_skipped;
    if (which == 3) {                                    /* MmMapIoSpace of a free frame */
        pfn_t f = sx_below(pfn_max);
        if (pfn_db[f].state != PFN_FREE) return sx_skipped;
        PHYSICAL_ADDRESS pa;
        pa.QuadPart = (uint64_t)f << PAGE_SHIFT;
        sx_describe("MmMapIoSpace(free frame %x)", f);
        EXPECT(MmMapIoSpace(pa, PAGE_SIZE, MmCached) == NULL, "MmMapIoSpace mapped free RAM");
        return NULL;
    }
    sx_describe("MmProbeAndLockPages(%08x, %s): must raise", va, which == 2 ? "UserMode" : "KernelMode");
    PMDL mdl = mdl_over(va, PAGE_SIZE);
    if (!mdl) return sx_fail("IoAllocateMdl failed");
    NTSTATUS st = MmProbeAndLockPagesEx(mdl, which == 2 ? UserMode : KernelMode, IoReadAccess);
    IoFreeMdl(mdl);
    EXPECT(st == STATUS_ACCESS_VIOLATION, "MmProbeAndLockPages(%08x) returned %08x", va, (uint32_t)st);
    return NULL;
}

static const char *inv_views(void)
{
    struct sx_map *m = sx_pick_map(SXK(SX_IOSPACE) | SXK(SX_P2G) | SXK(SX_PL2LIN), NULL);
    if (!m) return sx_skipped;
    sx_describe("invalid release of view %08x (kind %u)", m->ret, m->kind);
    if (m->kind == SX_IOSPACE) {
        MmUnmapIoSpace((PVOID)m->ret, m->bytes + m->npages * PAGE_SIZE);   /* the wrong size: ignored */
        return NULL;
    }
    USHORT e = DevHelp_VMFree(m->ret + 1);                /* not the address VMFree gave */
    EXPECT(e == ERROR_INVALID_PARAMETER, "VMFree(%08x + 1) returned %u", m->ret, e);
    LIN out;
    e = DevHelp_VMGlobalToProcess(VMDHGP_HMA, m->ret, PAGE_SIZE, &out);
    EXPECT(e == ERROR_INVALID_PARAMETER, "VMGlobalToProcess(HMA) returned %u", e);
    return NULL;
}

static const char *inv_process(void)
{
    sx_describe("as_destroy of the current and of the kernel's process");
    EXPECT(as_destroy(as_current()) == MM_EINVAL, "as_destroy(current) did not refuse");
    EXPECT(as_destroy(as_kernel()) == MM_EINVAL, "as_destroy(kernel) did not refuse");
    return NULL;
}

const char *sx_op_invalid(void)
{
    static const sx_op_fn ops[] = { inv_frees, inv_wrong_personality, inv_contig, inv_commit, inv_ranges, inv_flags,
                                    inv_unlocks, inv_reserve_alloc, inv_nt, inv_views, inv_process };
    struct mm_counts b;
    mm_counts_take(&b);
    const char *r = ops[sx_below(ARRAY_SIZE(ops))]();
    if (r) return r;
    sx.st.invalid++;
    return sx_unchanged(&b, sx.desc);
}
