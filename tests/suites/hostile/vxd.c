/*
 * tests/suites/hostile/vxd.c - hostile/<service> for every Windows 9x VMM page service (README, API status):
 * each service's table of hostile argument sets, its reserved flag bits one at a time, the
 * shared hostile ranges and pointers, and forged, reused and foreign handles.  The documented
 * failure values (the Win95 DDK VMM reference): 0 for _PageAllocate/_PageReAllocate/_PageGetSizeAddr (with
 * EDX = 0 too), _PageFree, _PageCommit, _PageCommitPhys, _PageDecommit, _PageQuery,
 * _LinPageLock/_LinPageUnLock, _CopyPageTable, _MapFreePhysReg, _UnmapFreePhysReg,
 * _GetFreePageCount, _PageGetAllocInfo; 0xFFFFFFFF for _PageReserve, _PageCommitContig,
 * _PageModifyPermissions, _XchgFreePhysReg, _MapPhysToLinear.  Where the reference is silent
 * the expected value is the README's choice (vxd.h lists them).
 */
#include "tests/suites/hostile/hostile.h"
#include "mm/core/pte.h"
#include "mm/vxd/vxd.h"
#include "mm/core/pfn.h"
#include "kernel/trap.h"
#include "tests/vxd/vxd_test.h"

#define F 0xFFFFFFFFu                     /* the services whose failure is -1 */
/* The valid flags of each service, as A.1-A.6 and the README list them ("every other bit is
 * reserved"). */
#define ALLOC_VALID   (PAGEZEROINIT | PAGEUSEALIGN | PAGECONTIG | PAGEFIXED | PAGELOCKED | PAGELOCKEDIFDP | PAGEMAPFREEPHYSREG)
#define REALLOC_VALID (PAGEZEROINIT | PAGEZEROREINIT | PAGENOCOPY | PAGELOCKED | PAGELOCKEDIFDP)
#define COMMIT_VALID  (PC_FIXED | PC_LOCKED | PC_LOCKEDIFDP | PC_STATIC | PC_USER | PC_WRITEABLE | PC_INCR | \
                       PC_PRESENT | PC_DIRTY | PC_CACHEWT | PC_CACHEDIS | PC_PAGEFLUSH)
#define PHYS_VALID    (PC_INCR | PC_USER | PC_WRITEABLE | PC_STATIC | PC_CACHEWT | PC_CACHEDIS)
#define CONTIG_VALID  (PC_USER | PC_WRITEABLE | PC_STATIC | PCC_ZEROINIT | PCC_NOLIN)
#define LOCK_VALID    (PAGELOCKEDIFDP | PAGEMAPGLOBAL | PAGEMARKDIRTY)
#define UNLOCK_VALID  (PAGELOCKEDIFDP | PAGEMAPGLOBAL | PL_TOTALUNLOCK | PAGEMARKPAGEOUT)
#define MPL_VALID     (MPL_HardwareCoherentCached | MPL_FrameBufferCached | MPL_Cached)
#define PODP_VALID    (PAGEPDPSETBASE | PAGEPDPCLEARBASE | PAGEPDPQUERYDIRTY)
#define PDP_VALID     (PAGEDISCARD | PAGEZEROINIT)

/* ---- thunks ---------------------------------------------------------------------------------- */

/* Services with a second result: on failure EDX must be 0 too. */
static uint32_t edx0(ULONG r) { return (r == 0 && vxd_edx) ? H_BROKEN : r; }
#define T(name, ...)  static uint32_t t##name(const uint32_t *a) { return name(__VA_ARGS__); }
#define T2(name, ...) static uint32_t t##name(const uint32_t *a) { return edx0(name(__VA_ARGS__)); }
T2(_PageAllocate, a[0], a[1], a[2], a[3], a[4], a[5], (ULONG *)a[6], a[7])
T2(_PageReAllocate, a[0], a[1], a[2])
T(_PageFree, (PVOID)a[0], a[1])
T2(_PageGetSizeAddr, a[0], a[1])
T(_PageReserve, a[0], a[1], a[2])
T(_PageCommit, a[0], a[1], a[2], a[3], a[4])
T(_PageCommitPhys, a[0], a[1], a[2], a[3])
T(_PageCommitContig, a[0], a[1], a[2], a[3], a[4], a[5])
T(_PageDecommit, a[0], a[1], a[2])
T(_PageModifyPermissions, a[0], a[1], a[2], a[3])
T(_PageQuery, a[0], (PMEMORY_BASIC_INFORMATION)a[1], a[2])
T(_LinPageLock, a[0], a[1], a[2])
T(_LinPageUnLock, a[0], a[1], a[2])
T2(_GetFreePageCount, a[0])
T2(_PageGetAllocInfo, a[0])
T(_MapFreePhysReg, a[0], a[1], a[2])
T(_UnmapFreePhysReg, a[0], a[1], a[2])
T(_XchgFreePhysReg, a[0], a[1], a[2])
T(_MapPhysToLinear, a[0], a[1], a[2])
T(_PageOutDirtyPages, a[0], a[1])
T(_PageDiscardPages, a[0], a[1], a[2], a[3])
/* _PageDiscardPages with (page, nPages, VM, flags): the shape NOT_SPARSE fills. */
static uint32_t t_PageDiscardPagesPN(const uint32_t *a) { return _PageDiscardPages(a[0], a[2], a[1], a[3]); }
static uint32_t t_GetNulPageHandle(const uint32_t *a) { (void)a; return _GetNulPageHandle(); }

/* A caller buffer whose bytes prove a failing call wrote nothing into it. */
#define CANARY_N 16
static ULONG *canary;                    /* vfix.canary: caller memory (the fixture is on the test's stack) */
static void canary_fill(void) { for (unsigned i = 0; i < CANARY_N; i++) canary[i] = 0x5A5A5A5Au; }
static bool canary_intact(void)
{
    for (unsigned i = 0; i < CANARY_N; i++)
        if (canary[i] != 0x5A5A5A5Au) return false;
    return true;
}

static uint32_t t_CopyPageTable(const uint32_t *a)
{
    canary_fill();
    ULONG r = _CopyPageTable(a[0], a[1], (ULONG *)a[2], a[3]);
    return (r == 0 && !canary_intact()) ? H_BROKEN : r;
}

/* _PageQuery with a good buffer: the State it reports (28 bytes written), else H_BROKEN. */
static uint32_t t_PageQueryState(const uint32_t *a)
{
    MEMORY_BASIC_INFORMATION m;
    return _PageQuery(a[0], &m, sizeof m) == sizeof m ? m.mbi_State : H_BROKEN;
}

/* _GetDemandPageInfo returns nothing: 1 if the 64 bytes at the pointer are unchanged
 * (unreadable bytes count as unchanged: nothing could have been written there). */
static uint32_t t_GetDemandPageInfo(const uint32_t *a)
{
    uint8_t before[sizeof(DemandInfoStruc)], after[sizeof before];
    if ((ULONG *)a[0] == canary) canary_fill();
    for (uint32_t i = 0; i < sizeof before; i++) if (!probe_read8(a[0] + i, &before[i])) before[i] = 0;
    _GetDemandPageInfo((DemandInfoStruc *)a[0], a[1]);
    for (uint32_t i = 0; i < sizeof after; i++) if (!probe_read8(a[0] + i, &after[i])) after[i] = 0;
    return memcmp(before, after, sizeof before) == 0;
}

/* The same call made "during init" (vxd_run_init: a VxD's Device_Init). */
static hcall init_fn;
static uint32_t init_thunk(uint32_t a) { return init_fn((const uint32_t *)a); }
static uint32_t during_init(hcall fn, const uint32_t *a) { init_fn = fn; return vxd_run_init(init_thunk, (uint32_t)a); }
static uint32_t t_PageAllocate_init(const uint32_t *a) { return during_init(t_PageAllocate, a); }
static uint32_t t_PageReAllocate_init(const uint32_t *a) { return during_init(t_PageReAllocate, a); }
static uint32_t t_MapFreePhysReg_init(const uint32_t *a) { return during_init(t_MapFreePhysReg, a); }

/* Undo functions for the sweeps' positive controls. */
static bool undo_free(uint32_t h, const uint32_t *a) { (void)a; return _PageFree((PVOID)h, 0) == 1; }
/* A reallocation consumed its block: free the new one and make an equal block again, which the
 * fixture then owns (realloc_made). */
static ULONG realloc_made;
static bool undo_realloc(uint32_t h, const uint32_t *a)
{
    realloc_made = undo_free(h, a) ? _PageAllocate(a[1], PG_SYS, 0, 0, 0, 0, NULL, 0) : 0;
    return realloc_made != 0;
}
static bool undo_decommit(uint32_t r, const uint32_t *a) { (void)r; return _PageDecommit(a[0], a[1], 0) == 1; }
static bool undo_unlock(uint32_t r, const uint32_t *a) { (void)r; return _LinPageUnLock(a[0], a[1], 0) == 1; }
static bool undo_relock(uint32_t r, const uint32_t *a) { (void)r; return _LinPageLock(a[0], a[1], 0) == 1; }
static bool undo_unmapfpr(uint32_t r, const uint32_t *a) { (void)r; return _UnmapFreePhysReg(a[0], a[1], 0) == 1; }
static bool undo_mapfpr(uint32_t r, const uint32_t *a) { (void)r; return _MapFreePhysReg(a[0], a[1], 0) == 1; }
static bool undo_nothing(uint32_t r, const uint32_t *a) { (void)r; (void)a; return true; }

/* ---- the VxD fixture ------------------------------------------------------------------------- */

struct vfix {
    ULONG h;             /* 2 pages, PAGEZEROINIT: demand-zero, never touched */
    ULONG hf;            /* 2 pages, PAGEFIXED */
    ULONG hal;           /* 1 page, PAGEUSEALIGN | PAGEFIXED: cannot be reallocated */
    ULONG lk;            /* 2 pages, PAGEFIXED; page 0 also _LinPageLock'ed (locked beyond its own lock) */
    ULONG tmp;           /* 1 page, demand-zero: consumed by a sweep's control */
    ULONG res, res2;     /* adjacent 4-page PR_SYSTEM reservations; res pages 0-1 and all of res2
                            committed demand-zero; nothing reserved after res2 */
    ULONG st;            /* 2-page PR_STATIC reservation, page 0 committed with PC_STATIC */
    ULONG freed;         /* a block allocated and freed again: a reused handle */
    ULONG alias;         /* _LinPageLock(hf, 2, PAGEMAPGLOBAL) */
    ULONG stale_alias;   /* an alias made and released again */
    ULONG nul;           /* _GetNulPageHandle() */
    ULONG fpr;           /* a 2-page free physical region (init), page 0 mapped */
    ULONG other_res;     /* a PR_PRIVATE reservation of the other process */
    pfn_t hf_frame;
    struct hlist handles;   /* forged, reused and foreign memory handles */
    ULONG canary[CANARY_N];
};

static void forged_handles(const struct hfix *fx, struct vfix *v)
{
    static const struct { const char *what; uint32_t h; } fixed[] = {
        { "handle 0", 0 }, { "handle 1", 1 }, { "page 1", PAGE_SIZE }, { "the kernel image", KERNEL_VBASE + KERNEL_PHYS_LOAD },
        { "the self-map", PTE_BASE }, { "hyperspace", HYPER_START }, { "the PFN database", PFNDB_BASE },
        { "the kernel pool", KPOOL_BASE }, { "the invalid region", INVALID_START }, { "BAD_POINTER", BAD_POINTER },
        { "the last page", 0xFFFFF000u }, { "-1", 0xFFFFFFFFu },
    };
    struct hlist *l = &v->handles;
    l->n = 0;
    for (unsigned i = 0; i < ARRAY_SIZE(fixed); i++) l->e[l->n++] = (struct hentry){ fixed[i].what, fixed[i].h, 0, 0 };
    const struct hentry more[] = {
        { "a block's handle + 4", v->h + 4, 0, 0 }, { "a block's second page", v->h + PAGE_SIZE, 0, 0 },
        { "another process's memory", fx->other_va, 0, HK_OTHER }, { "another process's reservation", v->other_res, 0, HK_OTHER },
        { "a freed block (reused handle)", v->freed, 0, 0 }, { "a released alias", v->stale_alias, 0, 0 },
        { "a PAGEMAPGLOBAL alias", v->alias, 0, 0 }, { "a core region of another owner", fx->blk_va, 0, 0 },
        { "the VM handle", vxd_sys_vm(), 0, 0 },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(more); i++) l->e[l->n++] = more[i];
}

static const char *vfix_setup(const struct hfix *fx, void *p)
{
    struct vfix *v = p;
    memset(v, 0, sizeof *v);
    canary = v->canary;
    v->h = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    v->hf = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    v->hal = _PageAllocate(1, PG_SYS, 0, 0, 0, 0x100000, NULL, PAGEUSEALIGN | PAGEFIXED);
    v->lk = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    v->tmp = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, 0);
    v->freed = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, 0);
    CHECK(v->h && v->hf && v->hal && v->lk && v->tmp && v->freed);
    CHECK_EQ(_LinPageLock(PG(v->lk), 1, 0), 1);
    ULONG probe = _PageReserve(PR_SYSTEM, 9, 0);
    CHECK(probe != F && _PageFree((PVOID)probe, 0) == 1);
    v->res = _PageReserve(PG(probe), 4, 0);
    v->res2 = _PageReserve(PG(probe) + 4, 4, 0);
    v->st = _PageReserve(PR_SYSTEM, 2, PR_STATIC);
    CHECK(v->res == probe && v->res2 == probe + 4 * PAGE_SIZE && v->st != F);
    CHECK_EQ(_PageCommit(PG(v->res), 2, PD_ZEROINIT, 0, PC_WRITEABLE), 1);
    CHECK_EQ(_PageCommit(PG(v->res2), 4, PD_ZEROINIT, 0, PC_WRITEABLE), 1);
    CHECK_EQ(_PageCommit(PG(v->st), 1, PD_ZEROINIT, 0, PC_WRITEABLE | PC_STATIC), 1);
    v->alias = _LinPageLock(PG(v->hf), 2, PAGEMAPGLOBAL);
    v->stale_alias = _LinPageLock(PG(v->hf), 1, PAGEMAPGLOBAL);
    CHECK(v->alias && v->stale_alias);
    v->nul = _GetNulPageHandle();
    struct as *prev = as_current();
    as_switch(fx->other);
    v->other_res = _PageReserve(PR_PRIVATE, 2, 0);
    as_switch(prev);
    CHECK(v->nul && v->other_res != F && !mm_region_find(v->other_res));
    /* Last, so that nothing made here takes their addresses: the freed handles, and a free
     * physical region with a page of unreserved space after it (tests/vxd/vxd_test.h). */
    v->fpr = vt_freephys_region_gap_after(2);
    CHECK_MSG(v->fpr, "no free physical region with unreserved space after it in four tries");
    CHECK_EQ(_MapFreePhysReg(PG(v->fpr), 1, 0), 1);
    CHECK_EQ(_LinPageUnLock(PG(v->stale_alias), 1, PAGEMAPGLOBAL), 1);
    CHECK_EQ(_PageFree((PVOID)v->freed, 0), 1);
    v->hf_frame = frame_of(v->hf);
    forged_handles(fx, v);
    return PASS;
}

static void vfix_teardown(const struct hfix *fx, void *p)
{
    struct vfix *v = p;
    (void)fx;
    if (v->alias) _LinPageUnLock(PG(v->alias), 2, PAGEMAPGLOBAL);
    if (v->lk) _LinPageUnLock(PG(v->lk), 1, 0);
    if (v->fpr) {                                      /* the region is the test's: given back */
        _UnmapFreePhysReg(PG(v->fpr), 1, 0);
        vt_freephys_region_drop(v->fpr);
    }
    const ULONG blocks[] = { v->h, v->hf, v->hal, v->lk, v->tmp, v->res, v->res2 };
    for (unsigned i = 0; i < ARRAY_SIZE(blocks); i++)
        if (blocks[i] && blocks[i] != F) _PageFree((PVOID)blocks[i], 0);
    if (v->st && v->st != F) _PageFree((PVOID)v->st, PR_STATIC);
    /* other_res goes with the other process (hfix teardown) */
}

static const struct hpers vxd_pers = { vfix_setup, vfix_teardown };
#define VXD(id, svc) HOSTILE(id, svc, &vxd_pers, struct vfix)

/* The shared hostile ranges around res2 (committed, nothing reserved after it). */
static void ranges(const struct hfix *fx, const struct vfix *v, struct hlist *l) { hostile_ranges(fx, v->res2, 4, l); }

/* ---- allocation --------------------------------------------------------------------------------- */

VXD(h_PageAllocate, "_PageAllocate")
{
    ULONG phys;
    ULONG sys = vxd_sys_vm(), pa = (ULONG)&phys;
    phys = 0x1111;
    const struct hcase rows[] = {
        { "nPages 0", NULL, 0, { 0, PG_SYS, 0, 0, 0, 0, 0, 0 } },
        { "nPages 0xFFFFFFFF", NULL, 0, { F, PG_SYS, 0, 0, 0, 0, 0, 0 } },
        { "nPages 0x100001", NULL, 0, { 0x100001, PG_SYS, 0, 0, 0, 0, 0, 0 } },
        { "nPages 0x100000: all of the linear space", NULL, 0, { 0x100000, PG_SYS, 0, 0, 0, 0, 0, 0 } },
        { "more than the system arena", NULL, 0, { 0x40000, PG_SYS, 0, 0, 0, 0, 0, 0 } },
        { "more than the shared arena", NULL, 0, { 0x40000, PG_VM, sys, 0, 0, 0, 0, 0 } },
        { "PG_RESERVED1", NULL, 0, { 1, PG_RESERVED1, 0, 0, 0, 0, 0, 0 } },
        { "PG_PRIVATE", NULL, 0, { 1, PG_PRIVATE, 0, 0, 0, 0, 0, 0 } },
        { "PG_RESERVED2", NULL, 0, { 1, PG_RESERVED2, 0, 0, 0, 0, 0, 0 } },
        { "PG_RELOCK (the memory manager's)", NULL, 0, { 1, PG_RELOCK, 0, 0, 0, 0, 0, 0 } },
        { "PG_INSTANCE", NULL, 0, { 1, PG_INSTANCE, 0, 0, 0, 0, 0, 0 } },
        { "PG_IGNORE", NULL, 0, { 1, PG_IGNORE, 0, 0, 0, 0, 0, 0 } },
        { "pType 8", NULL, 0, { 1, 8, 0, 0, 0, 0, 0, 0 } },
        { "PG_SYS with a VM handle", NULL, 0, { 1, PG_SYS, sys, 0, 0, 0, 0, 0 } },
        { "PG_VM with VM 0", NULL, 0, { 1, PG_VM, 0, 0, 0, 0, 0, 0 } },
        { "PG_VM with a forged VM handle", NULL, 0, { 1, PG_VM, sys + 4, 0, 0, 0, 0, 0 } },
        { "PG_HOOKED with VM -1", NULL, 0, { 1, PG_HOOKED, F, 0, 0, 0, 0, 0 } },
        { "PG_VM with another process's memory as VM", NULL, 0, { 1, PG_VM, fx->other_va, 0, 0, 0, 0, 0 } },
        { "PAGEUSEALIGN without PAGEFIXED", NULL, 0, { 1, PG_SYS, 0, 0, 0, 0x1000, pa, PAGEUSEALIGN } },
        { "AlignMask 5 (not 2^k - 1)", NULL, 0, { 1, PG_SYS, 0, 5, 0, 0x1000, pa, PAGEUSEALIGN | PAGEFIXED } },
        { "AlignMask 0x100000", NULL, 0, { 1, PG_SYS, 0, 0x100000, 0, 0x1000, pa, PAGEUSEALIGN | PAGEFIXED } },
        { "AlignMask -1", NULL, 0, { 1, PG_SYS, 0, F, 0, 0x1000, pa, PAGEUSEALIGN | PAGEFIXED } },
        { "minPhys == maxPhys", NULL, 0, { 1, PG_SYS, 0, 0, 0x800, 0x800, pa, PAGEUSEALIGN | PAGEFIXED } },
        { "minPhys -1", NULL, 0, { 1, PG_SYS, 0, 0, F, 0x1000, pa, PAGEUSEALIGN | PAGEFIXED } },
        { "maxPhys 0", NULL, 0, { 1, PG_SYS, 0, 0, 0, 0, pa, PAGEUSEALIGN | PAGEFIXED } },
        { "maxPhys -1 is 16 MiB: 16 MiB contiguous below 16 MiB", NULL, 0,
          { 0x1000, PG_SYS, 0, 0, 0, F, pa, PAGEUSEALIGN | PAGEFIXED | PAGECONTIG } },
        { "PAGELOCKED | PAGELOCKEDIFDP", NULL, 0, { 1, PG_SYS, 0, 0, 0, 0, 0, PAGELOCKED | PAGELOCKEDIFDP } },
        { "PAGELOCKEDIFDP during init", t_PageAllocate_init, 0, { 1, PG_SYS, 0, 0, 0, 0, 0, PAGELOCKEDIFDP } },
        { "PAGEMAPFREEPHYSREG after init", NULL, 0, { 1, PG_SYS, 0, 0, 0, 0, 0, PAGEMAPFREEPHYSREG } },
        { "PAGEMAPFREEPHYSREG with PAGEFIXED, at init", t_PageAllocate_init, 0,
          { 1, PG_SYS, 0, 0, 0, 0, 0, PAGEMAPFREEPHYSREG | PAGEFIXED } },
        { "PAGEMAPFREEPHYSREG with a PhysAddr, at init", t_PageAllocate_init, 0, { 1, PG_SYS, 0, 0, 0, 0, pa, PAGEMAPFREEPHYSREG } },
        { "PAGEMAPFREEPHYSREG for PG_VM, at init", t_PageAllocate_init, 0, { 1, PG_VM, sys, 0, 0, 0, 0, PAGEMAPFREEPHYSREG } },
    };
    HTABLE(r, t_PageAllocate, rows);
    HCASE(r, "PhysAddr is not written on failure", phys, 0x1111);
    struct hlist l;
    hostile_pointers(fx, sizeof(ULONG), &l);
    HLIST(r, &l, { t_PageAllocate, { 1, PG_SYS, 0, 0, 0, 0x100000, 0, PAGEUSEALIGN | PAGEFIXED }, 6, -1, false, 0, HK_NULL, 0, 0 });
    HSWEEP(r, { t_PageAllocate, { 1, PG_SYS, 0, 0, 0, 0, 0, 0 }, 7, ALLOC_VALID, 0, undo_free });
    return PASS;
}

VXD(h_PageReAllocate, "_PageReAllocate")
{
    HLIST(r, &pf->handles, { t_PageReAllocate, { 0, 1, 0 }, 0, -1, false, 0, 0, 0, 0 });
    const struct hcase rows[] = {
        { "a reservation is not a block", NULL, 0, { pf->res, 1, 0 } },
        { "a PR_STATIC reservation", NULL, 0, { pf->st, 1, 0 } },
        { "the system null page", NULL, 0, { pf->nul, 1, 0 } },
        { "a free physical region", NULL, 0, { pf->fpr, 1, 0 } },
        { "a PAGEUSEALIGN block (Win 3.1 rule)", NULL, 0, { pf->hal, 2, 0 } },
        { "a block locked beyond its own lock", NULL, 0, { pf->lk, 3, 0 } },
        { "nPages 0", NULL, 0, { pf->h, 0, 0 } },
        { "nPages 0xFFFFFFFF", NULL, 0, { pf->h, F, 0 } },
        { "nPages 0x100001", NULL, 0, { pf->h, 0x100001, 0 } },
        { "more than the system arena", NULL, 0, { pf->h, 0x40000, 0 } },
        { "PAGELOCKED | PAGELOCKEDIFDP", NULL, 0, { pf->h, 1, PAGELOCKED | PAGELOCKEDIFDP } },
        { "PAGELOCKEDIFDP during init", t_PageReAllocate_init, 0, { pf->h, 1, PAGELOCKEDIFDP } },
    };
    HTABLE(r, t_PageReAllocate, rows);
    HCASE(r, "the old block is untouched", _PageGetSizeAddr(pf->h, 0), 2);
    realloc_made = 0;
    const char *e = hrun_sweep(r, &(const struct hsweep){ t_PageReAllocate, { pf->tmp, 1, 0 }, 2, REALLOC_VALID, 0, undo_realloc });
    if (realloc_made) pf->tmp = realloc_made;                 /* tmp moved: the sweep comes last */
    return e;
}

VXD(h_PageFree, "_PageFree")
{
    HLIST(r, &pf->handles, { t_PageFree, { 0, 0 }, 0, -1, false, 0, 0, 0, 0 });
    HLIST(r, &pf->handles, { t_PageFree, { 0, PR_STATIC }, 0, -1, false, 0, 0, 0, 0 });
    const struct hcase rows[] = {
        { "a PR_STATIC reservation without PR_STATIC", NULL, 0, { pf->st, 0 } },
        { "the system null page", NULL, 0, { pf->nul, 0 } },
        { "the system null page, PR_STATIC", NULL, 0, { pf->nul, PR_STATIC } },
        { "a free physical region", NULL, 0, { pf->fpr, 0 } },
        { "the freed block again (double free)", NULL, 0, { pf->freed, 0 } },
        { "a block, unaligned", NULL, 0, { pf->hf + 1, 0 } },
    };
    HTABLE(r, t_PageFree, rows);
    HSWEEP(r, { t_PageFree, { pf->h, 0 }, 1, PR_STATIC, 0, NULL });
    return PASS;
}

VXD(h_PageGetSizeAddr, "_PageGetSizeAddr")
{
    HLIST(r, &pf->handles, { t_PageGetSizeAddr, { 0, 0 }, 0, -1, false, 0, 0, 0, 0 });
    const struct hcase rows[] = {   /* handles it does accept (README): their sizes */
        { "the system null page: 1 page", NULL, 1, { pf->nul, 0 } },
        { "a free physical region: 2 pages", NULL, 2, { pf->fpr, 0 } },
        { "a reservation: 4 pages", NULL, 4, { pf->res, 0 } },
    };
    HTABLE(r, t_PageGetSizeAddr, rows);
    HSWEEP(r, { t_PageGetSizeAddr, { pf->h, 0 }, 1, 0, 0, undo_nothing });
    return PASS;
}

/* ---- reserve / commit --------------------------------------------------------------------------- */

VXD(h_PageReserve, "_PageReserve")
{
    struct hlist l;
    ranges(fx, pf, &l);
    /* Another process's address is free in ours: reserving it here is legal (per-process arenas). */
    HLIST(r, &l, { t_PageReserve, { 0, 0, 0 }, 0, 1, true, F, HK_OTHER, 0, 0 });
    const struct hcase rows[] = {
        { "npages 0", NULL, F, { PR_SYSTEM, 0, 0 } },
        { "npages 0xFFFFFFFF", NULL, F, { PR_SYSTEM, F, 0 } },
        { "npages 0x100001", NULL, F, { PR_SYSTEM, 0x100001, 0 } },
        { "more than the private arena", NULL, F, { PR_PRIVATE, 0x80000, 0 } },
        { "more than the shared arena", NULL, F, { PR_SHARED, 0x40000, 0 } },
        { "more than the system arena", NULL, F, { PR_SYSTEM, 0x3FC00, 0 } },
        { "PR_PRIVATE + 1 (no such arena)", NULL, F, { PR_PRIVATE + 1, 1, 0 } },
        { "0x80000000 (no such arena)", NULL, F, { 0x80000000u, 1, 0 } },
        { "PR_SYSTEM - 1 (no such arena)", NULL, F, { PR_SYSTEM - 1, 1, 0 } },
        { "page 0x100000", NULL, F, { 0x100000, 1, 0 } },
        { "page 0xFFFFFFFF", NULL, F, { F, 1, 0 } },
        { "an explicit page already reserved", NULL, F, { PG(pf->res) + 1, 1, 0 } },
        { "overlapping a reservation's start", NULL, F, { PG(pf->res) - 1, 2, 0 } },
        { "the kernel image", NULL, F, { PG(KERNEL_VBASE + KERNEL_PHYS_LOAD), 1, 0 } },
        { "the PFN database", NULL, F, { PG(PFNDB_BASE), 1, 0 } },
        { "the kernel pool", NULL, F, { PG(KPOOL_BASE), 1, 0 } },
        { "the system-PTE pool", NULL, F, { PG(SYSPTE_START), 1, 0 } },
        { "from the shared into the self-map", NULL, F, { PG(SHARED_END) - 1, 2, 0 } },
        { "from the system arena into the system-PTE pool", NULL, F, { PG(SYSPTE_START) - 1, 2, 0 } },
        { "PR_4MEG with more than the arena", NULL, F, { PR_SYSTEM, 0x3FC00, PR_4MEG } },
    };
    HTABLE(r, t_PageReserve, rows);
    HSWEEP(r, { t_PageReserve, { PR_SYSTEM, 1, 0 }, 2, PR_4MEG | PR_FIXED | PR_STATIC, F, undo_free });
    return PASS;
}

/* Rows every commit-style service rejects: objects that are not a reservation or block, and
 * ranges across two reservations or into a static one.  a = { page, npages, then `rest` }. */
static uint32_t not_sparse_rows(const struct vfix *v, hcall fn, uint32_t want, const uint32_t rest[3], struct hcase *out)
{
    const struct { const char *what; uint32_t page, n; } objs[] = {
        { "across two reservations", PG(v->res) + 3, 2 },
        { "a PR_STATIC reservation without the static flag", PG(v->st) + 1, 1 },
        { "the system null page", PG(v->nul), 1 },
        { "a free physical region", PG(v->fpr) + 1, 1 },
        { "a PAGEMAPGLOBAL alias", PG(v->alias), 1 },
        { "a freed block", PG(v->freed), 1 },
        { "another process's reservation", PG(v->other_res), 1 },
        { "the kernel image", PG(KERNEL_VBASE + KERNEL_PHYS_LOAD), 1 },
        { "the PFN database", PG(PFNDB_BASE), 1 },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(objs); i++)
        out[i] = (struct hcase){ objs[i].what, fn, want, { objs[i].page, objs[i].n, rest[0], rest[1], rest[2] } };
    return ARRAY_SIZE(objs);
}
#define NOT_SPARSE(r, v, fn, want, ...) do {                                     \
        struct hcase _rows[9];                                                  \
        const uint32_t _rest[3] = __VA_ARGS__;                                  \
        TRY(hrun_table((r), (fn), _rows, not_sparse_rows((v), (fn), (want), _rest, _rows))); \
    } while (0)

VXD(h_PageCommit, "_PageCommit")
{
    struct hlist l;
    ranges(fx, pf, &l);
    HLIST(r, &l, { t_PageCommit, { 0, 0, PD_ZEROINIT, 0, PC_WRITEABLE }, 0, 1, true, 0, 0, 0, 0 });
    NOT_SPARSE(r, pf, t_PageCommit, 0, { PD_ZEROINIT, 0, PC_WRITEABLE });
    uint32_t p = PG(pf->res);
    const struct hcase rows[] = {
        { "hpd 0 (no such pager)", NULL, 0, { p + 2, 1, 0, 0, 0 } },
        { "hpd 5", NULL, 0, { p + 2, 1, 5, 0, 0 } },
        { "hpd -1", NULL, 0, { p + 2, 1, F, 0, 0 } },
        { "PD_FIXED without PC_FIXED", NULL, 0, { p + 2, 1, PD_FIXED, 0, 0 } },
        { "PD_FIXEDZERO without PC_FIXED", NULL, 0, { p + 2, 1, PD_FIXEDZERO, 0, 0 } },
        { "pagerdata 1 without a pager", NULL, 0, { p + 2, 1, PD_ZEROINIT, 1, 0 } },
        { "pagerdata -1", NULL, 0, { p + 2, 1, PD_ZEROINIT, F, 0 } },
        { "PC_FIXED over committed pages", NULL, 0, { p, 1, PD_FIXED, 0, PC_FIXED } },
        { "PC_LOCKED over committed pages", NULL, 0, { p + 1, 2, PD_ZEROINIT, 0, PC_LOCKED } },
        { "PC_LOCKEDIFDP over committed pages", NULL, 0, { p, 3, PD_ZEROINIT, 0, PC_LOCKEDIFDP } },
        { "npages 0xFFFFFFFF", NULL, 0, { p, F, PD_ZEROINIT, 0, 0 } },
        { "page 0xFFFFFFFF", NULL, 0, { F, 1, PD_ZEROINIT, 0, 0 } },
    };
    HTABLE(r, t_PageCommit, rows);
    HSWEEP(r, { t_PageCommit, { p + 2, 1, PD_ZEROINIT, 0, 0 }, 4, COMMIT_VALID, 0, undo_decommit });
    return PASS;
}

VXD(h_PageCommitPhys, "_PageCommitPhys")
{
    struct hlist l;
    ranges(fx, pf, &l);
    HLIST(r, &l, { t_PageCommitPhys, { 0, 0, 0xB8, 0 }, 0, 1, true, 0, 0, 0, 0 });
    NOT_SPARSE(r, pf, t_PageCommitPhys, 0, { 0xB8, 0, 0 });
    uint32_t p = PG(pf->res) + 2;
    const struct hcase rows[] = {
        { "physpg 0x100000 (past 4 GiB)", NULL, 0, { p, 1, 0x100000, 0 } },
        { "physpg -1", NULL, 0, { p, 1, F, 0 } },
        { "PC_INCR past 4 GiB", NULL, 0, { p, 2, 0xFFFFF, PC_INCR } },
        { "free RAM", NULL, 0, { p, 1, fx->free_frame, PC_WRITEABLE } },
        { "a page directory", NULL, 0, { p, 1, fx->cr3_frame, 0 } },
        { "a page table", NULL, 0, { p, 1, fx->pt_frame, PC_WRITEABLE } },
        { "the PFN database", NULL, 0, { p, 1, fx->pfndb_frame, 0 } },
        { "a ring-3 view of the kernel pool", NULL, 0, { p, 1, fx->pool_frame, PC_WRITEABLE | PC_USER } },
        { "the boot page directory", NULL, 0, { p, 1, pte_kernel_directory(), 0 } },
        { "the kernel image", NULL, 0, { p, 1, fx->kernel_frame, PC_WRITEABLE } },
        { "PC_INCR into free RAM", NULL, 0, { p, 2, fx->free_frame - 1, PC_INCR } },
        { "already committed", NULL, 0, { PG(pf->res), 1, 0xB8, 0 } },
    };
    HTABLE(r, t_PageCommitPhys, rows);
    HSWEEP(r, { t_PageCommitPhys, { p, 1, 0xB8, 0 }, 3, PHYS_VALID, 0, undo_decommit });
    return PASS;
}

VXD(h_PageCommitContig, "_PageCommitContig")
{
    struct hlist l;
    ranges(fx, pf, &l);
    HLIST(r, &l, { t_PageCommitContig, { 0, 0, PC_WRITEABLE, 0, 0, F }, 0, 1, true, F, 0, 0, 0 });
    NOT_SPARSE(r, pf, t_PageCommitContig, F, { PC_WRITEABLE, 0, 0 });   /* maxphys 0: also bad */
    uint32_t p = PG(pf->res) + 2, lots = mm_free_frames() + 1;
    const struct hcase rows[] = {
        { "alignmask 5", NULL, F, { p, 1, 0, 5, 0, F } },
        { "alignmask 0x100000", NULL, F, { p, 1, 0, 0x100000, 0, F } },
        { "alignmask -1", NULL, F, { p, 1, 0, F, 0, F } },
        { "minphys == maxphys", NULL, F, { p, 1, 0, 0, 0x1000, 0x1000 } },
        { "minphys -1", NULL, F, { p, 1, 0, 0, F, F } },
        { "maxphys 0", NULL, F, { p, 1, 0, 0, 0, 0 } },
        { "PC_FIXED is not a contig flag", NULL, F, { p, 1, PC_FIXED, 0, 0, F } },
        { "already committed", NULL, F, { PG(pf->res), 1, 0, 0, 0, F } },
        { "PCCNOLIN | PCC_ZEROINIT (A.8 test 8)", NULL, F, { 0, 1, PCC_NOLIN | PCC_ZEROINIT, 0, 0, F } },
        { "PCCNOLIN | PC_USER", NULL, F, { 0, 1, PCC_NOLIN | PC_USER, 0, 0, F } },
        { "PCCNOLIN npages 0", NULL, F, { 0, 0, PCC_NOLIN, 0, 0, F } },
        { "PCCNOLIN npages 0xFFFFFFFF", NULL, F, { 0, F, PCC_NOLIN, 0, 0, F } },
        { "PCCNOLIN npages 0x100001", NULL, F, { 0, 0x100001, PCC_NOLIN, 0, 0, F } },
        { "PCCNOLIN where no frame is free (0x90-0x100)", NULL, F, { 0, 1, PCC_NOLIN, 0, 0x90, 0x100 } },
        { "PCCNOLIN more frames than are free", NULL, F, { 0, lots, PCC_NOLIN, 0, 0, F } },
        { "PCCNOLIN, alignment no frame has", NULL, F, { 0, 1, PCC_NOLIN, 0xFFFFF, 0, F } },
    };
    HTABLE(r, t_PageCommitContig, rows);
    HSWEEP(r, { t_PageCommitContig, { p, 1, 0, 0, 0, F }, 2, CONTIG_VALID, F, undo_decommit });
    return PASS;
}

VXD(h_PageDecommit, "_PageDecommit")
{
    struct hlist l;
    ranges(fx, pf, &l);
    HLIST(r, &l, { t_PageDecommit, { 0, 0, 0 }, 0, 1, true, 0, 0, 0, 0 });
    NOT_SPARSE(r, pf, t_PageDecommit, 0, { 0, 0, 0 });
    const struct hcase rows[] = {
        { "a static reservation with flags 1", NULL, 0, { PG(pf->st), 1, 1 } },
        { "npages 0xFFFFFFFF", NULL, 0, { PG(pf->res), F, 0 } },
    };
    HTABLE(r, t_PageDecommit, rows);
    HSWEEP(r, { t_PageDecommit, { PG(pf->res) + 2, 1, 0 }, 2, PC_STATIC, 0, undo_nothing });   /* uncommitted: legal */
    return PASS;
}

VXD(h_PageModifyPermissions, "_PageModifyPermissions")
{
    struct hlist l;
    ranges(fx, pf, &l);
    HLIST(r, &l, { t_PageModifyPermissions, { 0, 0, ~0u, 0 }, 0, 1, true, F, 0, 0, 0 });
    NOT_SPARSE(r, pf, t_PageModifyPermissions, F, { ~0u, PC_WRITEABLE, 0 });
    const struct hcase rows[] = {
        { "an uncommitted page", NULL, F, { PG(pf->res) + 2, 1, ~0u, 0 } },
        { "committed then uncommitted pages", NULL, F, { PG(pf->res), 4, ~PC_WRITEABLE, 0 } },
        { "a static reservation without PC_STATIC", NULL, F, { PG(pf->st), 1, ~0u, PC_USER } },
        { "npages 0xFFFFFFFF", NULL, F, { PG(pf->res), F, ~0u, 0 } },
    };
    HTABLE(r, t_PageModifyPermissions, rows);
    HSWEEP(r, { t_PageModifyPermissions, { PG(pf->res2), 1, ~0u, 0 }, 3, PC_USER | PC_WRITEABLE | PC_STATIC, F, undo_nothing });
    return PASS;
}

/* ---- queries ------------------------------------------------------------------------------------ */

VXD(h_PageQuery, "_PageQuery")
{
    struct hlist l;
    hostile_pointers(fx, sizeof(MEMORY_BASIC_INFORMATION), &l);
    HLIST(r, &l, { t_PageQuery, { pf->hf, 0, sizeof(MEMORY_BASIC_INFORMATION) }, 1, -1, false, 0, 0, 0, 0 });
    const struct hcase rows[] = {
        { "cbmbi 0", NULL, 0, { pf->hf, (ULONG)canary, 0 } },
        { "cbmbi 27", NULL, 0, { pf->hf, (ULONG)canary, 27 } },
        { "the invalid region is MEM_FREE", t_PageQueryState, MEM_FREE, { INVALID_START } },
        { "BAD_POINTER is MEM_FREE", t_PageQueryState, MEM_FREE, { BAD_POINTER } },
        { "0xFFFFFFFF is MEM_FREE", t_PageQueryState, MEM_FREE, { F } },
        { "the null page is MEM_FREE", t_PageQueryState, MEM_FREE, { 0 } },
        { "another process's memory is MEM_FREE here", t_PageQueryState, MEM_FREE, { fx->other_va } },
        { "a reserved page is MEM_RESERVE", t_PageQueryState, MEM_RESERVE, { pf->res + 2 * PAGE_SIZE + 5 } },
    };
    HTABLE(r, t_PageQuery, rows);
    return PASS;
}

VXD(h_CopyPageTable, "_CopyPageTable")
{
    ULONG buf = (ULONG)canary;
    const struct hcase rows[] = {
        { "nPages 0", NULL, 0, { PG(pf->hf), 0, buf, 0 } },
        { "page 0x100000", NULL, 0, { 0x100000, 1, buf, 0 } },
        { "wrapping past page 0xFFFFF", NULL, 0, { 0xFFFFF, 2, buf, 0 } },
        { "nPages 0xFFFFFFFF", NULL, 0, { PG(pf->hf), F, buf, 0 } },
        { "under the invalid region's absent PDE", NULL, 0, { PG(INVALID_START), 1, buf, 0 } },
        { "running into the invalid region", NULL, 0, { PG(INVALID_START) - 1, 2, buf, 0 } },
        { "another process's memory: no page table here", NULL, 0, { PG(fx->other_va), 1, buf, 0 } },
    };
    HTABLE(r, t_CopyPageTable, rows);
    struct hlist l;
    hostile_pointers(fx, sizeof(ULONG), &l);
    HLIST(r, &l, { t_CopyPageTable, { PG(pf->hf), 1, 0, 0 }, 2, -1, false, 0, 0, 0, 0 });
    HSWEEP(r, { t_CopyPageTable, { PG(pf->hf), 1, buf, 0 }, 3, 0, 0, undo_nothing });
    return PASS;
}

VXD(h_GetNulPageHandle, "_GetNulPageHandle")
{
    ULONG n = pf->nul, p = PG(n);
    const struct hcase rows[] = {       /* the handle must be stable and unusable for anything else */
        { "the same handle again", t_GetNulPageHandle, n, { 0 } },
        { "its size: 1 page", t_PageGetSizeAddr, 1, { n, 0 } },
        { "_PageFree", t_PageFree, 0, { n, 0 } },
        { "_PageFree with PR_STATIC", t_PageFree, 0, { n, PR_STATIC } },
        { "_PageReAllocate", t_PageReAllocate, 0, { n, 2, 0 } },
        { "_PageDecommit", t_PageDecommit, 0, { p, 1, 0 } },
        { "_PageDecommit with PC_STATIC", t_PageDecommit, 0, { p, 1, PC_STATIC } },
        { "_PageCommit over it", t_PageCommit, 0, { p, 1, PD_ZEROINIT, 0, 0 } },
        { "_PageCommitPhys over it", t_PageCommitPhys, 0, { p, 1, 0xB8, 0 } },
        { "_PageModifyPermissions: make it user", t_PageModifyPermissions, F, { p, 1, ~0u, PC_USER } },
        { "_LinPageUnLock of its own lock", t_LinPageUnLock, 0, { p, 1, 0 } },
        { "_LinPageUnLock PL_TOTALUNLOCK", t_LinPageUnLock, 0, { p, 1, PL_TOTALUNLOCK } },
        { "_LinPageUnLock PAGEMAPGLOBAL", t_LinPageUnLock, 0, { p, 1, PAGEMAPGLOBAL } },
        { "_MapFreePhysReg", t_MapFreePhysReg, 0, { p, 1, 0 } },
        { "_UnmapFreePhysReg", t_UnmapFreePhysReg, 0, { p, 1, 0 } },
        { "_XchgFreePhysReg", t_XchgFreePhysReg, F, { p, 0, 0 } },
    };
    HTABLE(r, NULL, rows);
    return PASS;
}

/* Services whose only argument is flags = 0. */
VXD(h_GetFreePageCount, "_GetFreePageCount")
{
    HSWEEP(r, { t_GetFreePageCount, { 0 }, 0, 0, 0, undo_nothing });
    return PASS;
}

VXD(h_PageGetAllocInfo, "_PageGetAllocInfo")
{
    HSWEEP(r, { t_PageGetAllocInfo, { 0 }, 0, 0, 0, undo_nothing });
    return PASS;
}

VXD(h_GetDemandPageInfo, "_GetDemandPageInfo")
{
    struct hlist l;
    hostile_pointers(fx, sizeof(DemandInfoStruc), &l);
    HLIST(r, &l, { t_GetDemandPageInfo, { 0, 0 }, 0, -1, false, 1, 0, 0, 0 });
    HCASE(r, "a buffer too close to the end of its block", t_GetDemandPageInfo((const uint32_t[]){ fx->blk_va + 4 * PAGE_SIZE - 32, 0 }), 1);
    HSWEEP(r, { t_GetDemandPageInfo, { (ULONG)canary, 0 }, 1, 0, 1, undo_nothing });
    return PASS;
}

/* ---- locking --------------------------------------------------------------------------------- */

/* The shared ranges, plain and with PAGEMAPGLOBAL: lock and unlock reject them alike. */
static const char *lock_ranges(struct hrun *r, const struct hfix *fx, const struct vfix *v, hcall fn)
{
    struct hlist l;
    ranges(fx, v, &l);
    for (uint32_t flags = 0; flags <= PAGEMAPGLOBAL; flags += PAGEMAPGLOBAL)
        HLIST(r, &l, { fn, { 0, 0, flags }, 0, 1, true, 0, 0, 0, 0 });
    return PASS;
}

VXD(h_LinPageLock, "_LinPageLock")
{
    TRY(lock_ranges(r, fx, pf, t_LinPageLock));
    const struct hcase rows[] = {
        { "an uncommitted page", NULL, 0, { PG(pf->res) + 2, 1, 0 } },
        { "an uncommitted page, PAGEMAPGLOBAL", NULL, 0, { PG(pf->res) + 1, 2, PAGEMAPGLOBAL } },
        { "across two reservations", NULL, 0, { PG(pf->res) + 3, 2, 0 } },
        { "a PAGEMAPGLOBAL alias", NULL, 0, { PG(pf->alias), 1, 0 } },
        { "PAGEMAPGLOBAL | PAGELOCKEDIFDP", NULL, 0, { PG(pf->hf), 1, PAGEMAPGLOBAL | PAGELOCKEDIFDP } },
        { "a free physical region's page", NULL, 0, { PG(pf->fpr) + 1, 1, 0 } },
        { "a freed block", NULL, 0, { PG(pf->freed), 1, 0 } },
        { "another process's reservation", NULL, 0, { PG(pf->other_res), 1, 0 } },
        { "the kernel image", NULL, 0, { PG(KERNEL_VBASE + KERNEL_PHYS_LOAD), 1, 0 } },
        { "the PFN database", NULL, 0, { PG(PFNDB_BASE), 1, 0 } },
    };
    HTABLE(r, t_LinPageLock, rows);
    HSWEEP(r, { t_LinPageLock, { PG(pf->hf), 1, 0 }, 2, LOCK_VALID, 0, undo_unlock });
    return PASS;
}

VXD(h_LinPageUnLock, "_LinPageUnLock")
{
    TRY(lock_ranges(r, fx, pf, t_LinPageUnLock));
    uint32_t a = PG(pf->alias);
    const struct hcase rows[] = {
        { "a fixed page with only its own lock (unlock of unlocked)", NULL, 0, { PG(pf->hf), 1, 0 } },
        { "PL_TOTALUNLOCK on a page with only its own lock", NULL, 0, { PG(pf->hf), 2, PL_TOTALUNLOCK } },
        { "a page not present", NULL, 0, { PG(pf->h), 1, 0 } },
        { "an uncommitted page", NULL, 0, { PG(pf->res) + 2, 1, 0 } },
        { "a locked page and an unlocked one", NULL, 0, { PG(pf->lk), 2, 0 } },
        { "PAGEMAPGLOBAL on a range that is not an alias", NULL, 0, { PG(pf->hf), 2, PAGEMAPGLOBAL } },
        { "PAGEMAPGLOBAL, the alias's second page", NULL, 0, { a + 1, 1, PAGEMAPGLOBAL } },
        { "PAGEMAPGLOBAL, not the alias's size", NULL, 0, { a, 3, PAGEMAPGLOBAL } },
        { "PAGEMAPGLOBAL | PAGELOCKEDIFDP", NULL, 0, { a, 2, PAGEMAPGLOBAL | PAGELOCKEDIFDP } },
        { "PAGEMAPGLOBAL | PL_TOTALUNLOCK", NULL, 0, { a, 2, PAGEMAPGLOBAL | PL_TOTALUNLOCK } },
        { "the alias without PAGEMAPGLOBAL", NULL, 0, { a, 2, 0 } },
        { "a released alias again", NULL, 0, { PG(pf->stale_alias), 1, PAGEMAPGLOBAL } },
        { "another process's reservation", NULL, 0, { PG(pf->other_res), 1, 0 } },
    };
    HTABLE(r, t_LinPageUnLock, rows);
    HCASE(r, "the partly locked range kept its lock", mm_frame_locks(frame_of(pf->lk)), 2);
    HSWEEP(r, { t_LinPageUnLock, { PG(pf->lk), 1, 0 }, 2, UNLOCK_VALID, 0, undo_relock });
    return PASS;
}

/* ---- free physical regions and physical aliases -------------------------------------------------- */

/* One case on a page that is _LinPageLock'ed around it (the lock is not the case's cost). */
static const char *while_locked(struct hrun *r, uint32_t page, const struct hcase *c)
{
    CHECK_EQ(_LinPageLock(page, 1, 0), 1);
    hrun_rebase(r);
    const char *e = hrun_table(r, NULL, c, 1);
    CHECK_EQ(_LinPageUnLock(page, 1, 0), 1);
    hrun_rebase(r);
    return e;
}

/* Objects that are not a free physical region; with ranges, the shared hostile ranges around
 * the region too (a = { page, npages, 0 }). */
static const char *not_fpr(struct hrun *r, const struct hfix *fx, const struct vfix *v, hcall fn, uint32_t want,
                           bool ranges)
{
    uint32_t a2 = 0;
    struct hlist l;
    hostile_ranges(fx, v->fpr, 2, &l);
    if (ranges) HLIST(r, &l, { fn, { 0, 0, 0 }, 0, 1, true, want, 0, 0, 0 });
    const struct hcase rows[] = {
        { "a demand-zero block", fn, want, { PG(v->h), 1, a2 } },
        { "a fixed block", fn, want, { PG(v->hf), 1, a2 } },
        { "a reservation", fn, want, { PG(v->res), 1, a2 } },
        { "a PAGEMAPGLOBAL alias", fn, want, { PG(v->alias), 1, a2 } },
        { "just past the region", fn, want, { PG(v->fpr) + 2, 1, a2 } },
    };
    return hrun_table(r, fn, rows, ARRAY_SIZE(rows));
}

VXD(h_MapFreePhysReg, "_MapFreePhysReg")
{
    TRY(not_fpr(r, fx, pf, t_MapFreePhysReg, 0, true));
    const struct hcase rows[] = {
        { "a page already present", NULL, 0, { PG(pf->fpr), 1, 0 } },
        { "a present and a not-present page", NULL, 0, { PG(pf->fpr), 2, 0 } },
        { "past the region's end", NULL, 0, { PG(pf->fpr) + 1, 2, 0 } },
        { "during init (before Init_Complete)", t_MapFreePhysReg_init, 0, { PG(pf->fpr) + 1, 1, 0 } },
    };
    HTABLE(r, t_MapFreePhysReg, rows);
    HSWEEP(r, { t_MapFreePhysReg, { PG(pf->fpr) + 1, 1, 0 }, 2, PAGEFIXED, 0, undo_unmapfpr });
    return PASS;
}

VXD(h_UnmapFreePhysReg, "_UnmapFreePhysReg")
{
    TRY(not_fpr(r, fx, pf, t_UnmapFreePhysReg, 0, true));
    const struct hcase rows[] = {
        { "a page not present", NULL, 0, { PG(pf->fpr) + 1, 1, 0 } },
        { "a present and a not-present page", NULL, 0, { PG(pf->fpr), 2, 0 } },
    };
    HTABLE(r, t_UnmapFreePhysReg, rows);
    TRY(while_locked(r, PG(pf->fpr), &(const struct hcase){ "a locked page", t_UnmapFreePhysReg, 0, { PG(pf->fpr), 1, 0 } }));
    HSWEEP(r, { t_UnmapFreePhysReg, { PG(pf->fpr), 1, 0 }, 2, 0, 0, undo_mapfpr });
    return PASS;
}

VXD(h_XchgFreePhysReg, "_XchgFreePhysReg")
{
    TRY(not_fpr(r, fx, pf, t_XchgFreePhysReg, F, false));
    uint32_t p = PG(pf->fpr);
    const struct hcase rows[] = {
        { "page 0", NULL, F, { 0, 0, 0 } },
        { "page 0xFFFFF", NULL, F, { 0xFFFFF, 0, 0 } },
        { "page 0x100000", NULL, F, { 0x100000, 0, 0 } },
        { "page -1", NULL, F, { F, 0, 0 } },
        { "the system null page", NULL, F, { PG(pf->nul), 0, 0 } },
        { "another process's memory", NULL, F, { PG(fx->other_va), 0, 0 } },
        { "PhysAddr unaligned", NULL, F, { p + 1, 0x1234, 0 } },
        { "PhysAddr: a PAGEFIXED block's frame (pinned)", NULL, F, { p + 1, pf->hf_frame << PAGE_SHIFT, 0 } },
        { "PhysAddr: a pinned frame, in exchange", NULL, F, { p, pf->hf_frame << PAGE_SHIFT, 0 } },
        { "PhysAddr: a frame locked beyond its pin", NULL, F, { p + 1, frame_of(pf->lk) << PAGE_SHIFT, 0 } },
        { "PhysAddr: the region's own present frame", NULL, F, { p + 1, frame_of(pf->fpr) << PAGE_SHIFT, 0 } },
        { "PhysAddr: a free frame", NULL, F, { p + 1, fx->free_frame << PAGE_SHIFT, 0 } },
        { "PhysAddr: a free frame, in exchange", NULL, F, { p, fx->free_frame << PAGE_SHIFT, 0 } },
        { "PhysAddr: the kernel image", NULL, F, { p + 1, KERNEL_PHYS_LOAD, 0 } },
        { "PhysAddr: a page directory", NULL, F, { p + 1, fx->cr3_frame << PAGE_SHIFT, 0 } },
        { "PhysAddr: a page table", NULL, F, { p + 1, fx->pt_frame << PAGE_SHIFT, 0 } },
        { "PhysAddr: the PFN database", NULL, F, { p + 1, fx->pfndb_frame << PAGE_SHIFT, 0 } },
        { "PhysAddr: the kernel pool", NULL, F, { p, fx->pool_frame << PAGE_SHIFT, 0 } },
        { "PhysAddr: a reserved frame of the first MiB", NULL, F, { p + 1, 0x1000, 0 } },
        { "PhysAddr: video memory", NULL, F, { p + 1, 0xA0000, 0 } },
        { "PhysAddr: the top of the 4 GiB", NULL, F, { p + 1, 0xFFFFF000u, 0 } },
    };
    HTABLE(r, t_XchgFreePhysReg, rows);
    TRY(while_locked(r, p, &(const struct hcase){ "a locked page", t_XchgFreePhysReg, F, { p, 0, 0 } }));
    HSWEEP(r, { t_XchgFreePhysReg, { p + 1, 0, 0 }, 2, 0, F, undo_nothing });   /* not present, 0: returns 0 */
    return PASS;
}

VXD(h_MapPhysToLinear, "_MapPhysToLinear")
{
    const struct hcase rows[] = {
        { "nBytes 0", NULL, F, { 0xB8000, 0, 0 } },
        { "past 4 GiB", NULL, F, { 0xFFFFF000u, 0x2000, 0 } },
        { "wrapping by one byte", NULL, F, { F, 2, 0 } },
        { "nBytes 0xFFFFFFFF", NULL, F, { PAGE_SIZE, F, 0 } },
        { "more than the alias window", NULL, F, { HF_IO_PA, 0x401000, 0 } },
        { "free RAM", NULL, F, { fx->free_frame << PAGE_SHIFT, 16, 0 } },
        { "a page directory", NULL, F, { fx->cr3_frame << PAGE_SHIFT, 16, 0 } },
        { "a page table", NULL, F, { fx->pt_frame << PAGE_SHIFT, 16, 0 } },
        { "the PFN database", NULL, F, { fx->pfndb_frame << PAGE_SHIFT, 16, 0 } },
        { "the kernel image", NULL, F, { KERNEL_PHYS_LOAD, 16, 0 } },
        { "the boot page directory", NULL, F, { pte_kernel_directory() << PAGE_SHIFT, 16, 0 } },
        { "a block's frame (RAM someone owns)", NULL, F, { pf->hf_frame << PAGE_SHIFT, 16, 0 } },
        { "another process's frame", NULL, F, { fx->other_frame << PAGE_SHIFT, 16, 0 } },
        { "flags 3", NULL, F, { 0xB8000, 16, 3 } },
        { "flags -1", NULL, F, { 0xB8000, 16, F } },
    };
    HTABLE(r, t_MapPhysToLinear, rows);
    HSWEEP(r, { t_MapPhysToLinear, { 0xB8000, 16, 0 }, 2, MPL_VALID, F, undo_nothing });   /* aliases are permanent */
    return PASS;
}

/* ---- the pager's services ------------------------------------------------------------------------ */

VXD(h_PageDiscardPages, "_PageDiscardPages")
{
    struct hlist l;
    ranges(fx, pf, &l);
    HLIST(r, &l, { t_PageDiscardPages, { 0, 0, 0, PAGEDISCARD }, 0, 2, true, 0, 0, 0, 0 });
    NOT_SPARSE(r, pf, t_PageDiscardPagesPN, 0, { 0, PAGEDISCARD, 0 });
    uint32_t p = PG(pf->res2);
    const struct hcase rows[] = {
        { "an uncommitted page", NULL, 0, { PG(pf->res) + 2, 0, 1, PAGEDISCARD } },
        { "committed then uncommitted pages", NULL, 0, { PG(pf->res), 0, 4, PAGEDISCARD } },
        { "committed then uncommitted, no PAGEDISCARD", NULL, 0, { PG(pf->res), 0, 4, 0 } },
        { "nPages 0xFFFFFFFF", NULL, 0, { p, 0, F, PAGEDISCARD } },
        { "nPages 0x100001", NULL, 0, { p, 0, 0x100001, PAGEDISCARD } },
        { "VM 1", NULL, 0, { p, 1, 1, PAGEDISCARD } },
        { "VM -1", NULL, 0, { p, F, 1, PAGEDISCARD } },
        { "VM a block handle", NULL, 0, { p, pf->hf, 1, PAGEDISCARD } },
        { "a core region of another owner", NULL, 0, { PG(fx->blk_va), 0, 1, PAGEDISCARD } },
    };
    HTABLE(r, t_PageDiscardPages, rows);
    /* The control: res2's pages are committed and never touched, so a discard changes nothing
     * and succeeds. */
    HSWEEP(r, { t_PageDiscardPages, { p, 0, 1, 0 }, 3, PDP_VALID, 0, undo_nothing });
    return PASS;
}

/* _PageOutDirtyPages has no range and no pointer: its hostile input is its flags.  A reserved
 * bit must write nothing (0, the counts and page tables unchanged) whether or not the pager is
 * on; tests/paging/pageout.c shows the same with dirty pages waiting. */
VXD(h_PageOutDirtyPages, "_PageOutDirtyPages")
{
    const struct hcase rows[] = {
        { "PAGEZEROINIT", NULL, 0, { 100, PAGEZEROINIT } },
        { "PAGEDISCARD", NULL, 0, { 100, PAGEDISCARD } },
        { "PAGEMARKDIRTY", NULL, 0, { F, PAGEMARKDIRTY } },
        { "PAGEPDPQUERYDIRTY | bit 0", NULL, 0, { 0, PAGEPDPQUERYDIRTY | 1 } },
        { "PAGEPDPSETBASE | PAGELOCKED", NULL, 0, { 1, PAGEPDPSETBASE | PAGELOCKED } },
        { "every bit", NULL, 0, { F, F } },
    };
    HTABLE(r, t_PageOutDirtyPages, rows);
    for (uint32_t b = 0; b < 32; b++) {
        if (PODP_VALID & (1u << b)) continue;
        HCASE(r, "a reserved flag bit", _PageOutDirtyPages(F, 1u << b), 0);
    }
    return PASS;
}

/* ---- services the README lists as not implemented: reached through VMMCall only ------------------- */

/* int 20h with the service's ID: an unknown service returns EAX = EDX = 0 with CF set, and the
 * kernel carries on (mm/vxd/vmmcall.c). */
#define UNKNOWN_SERVICE(name, id)                                                                \
    static uint32_t t##name(const uint32_t *a)                                                   \
    {                                                                                            \
        uint32_t eax = a[0], edx = a[1];                                                         \
        uint8_t cf;                                                                              \
        __asm__ volatile("int $0x20\n\t.long " #id "\n\tsetc %2" : "+a"(eax), "+d"(edx), "=qm"(cf) :: "memory", "cc"); \
        return (eax == 0 && edx == 0 && cf) ? 1 : H_BROKEN;                                      \
    }                                                                                            \
    VXD(h##name, #name)                                                                          \
    {                                                                                            \
        const struct hcase rows[] = {                                                            \
            { "EAX and EDX set", NULL, 1, { 0x12345678, 0x9ABCDEF0 } },                          \
            { "EAX and EDX a block handle", NULL, 1, { pf->hf, pf->hf } },                       \
        };                                                                                       \
        HTABLE(r, t##name, rows);                                                                \
        return PASS;                                                                             \
    }
UNKNOWN_SERVICE(_PageLock, 0x00010056)
UNKNOWN_SERVICE(_PageUnLock, 0x00010057)
UNKNOWN_SERVICE(_LinMapIntoV86, 0x00010062)
UNKNOWN_SERVICE(_AddFreePhysPage, 0x000100D2)
UNKNOWN_SERVICE(_SetFreePhysRegCalBk, 0x000100D9)
