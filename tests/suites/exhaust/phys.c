/*
 * tests/suites/exhaust/phys.c - exhaust/<allocator>: physical memory exhausted through each
 * allocator - VxD _PageAllocate(PAGEFIXED), OS/2 VMAlloc(VMDHA_FIXED), NT
 * MmAllocateContiguousMemory, the core's mm_commit(PRESENT), and the commit charge through OS/2
 * VMAlloc of demand-zero memory.  Each round: ballast down to EX_KEEP available frames (free and
 * not held for the commit charge), the allocator takes the rest in halving chunks until one page
 * fails with its documented error, then (first round) every allocator's one-page request must
 * fail cleanly too (a table of hostile cases: counts unchanged, mm_check happy while memory is
 * gone) while every committed demand-zero page can still be touched (the charge's promise), then
 * everything goes back.  Two rounds must take the same number of pages (give or take a page
 * table), and the counts (free frames, system PTEs, locked frames, regions, pool, charge) must
 * end exactly where they started.
 * NT MmProbeAndLockPages of demand-zero pages cannot run out of frames any more - each page's
 * frame is held for it from the commit on - so exhaust/probe-and-lock-demand-zero now
 * commits everything available as one demand-zero region and shows that every page of it can
 * be probed and locked with nothing else left; its last failure is the end of the region.
 */
#include "tests/suites/hostile/hostile.h"
#include "mm/vxd/vxd.h"
#include "mm/devhlp/devhlp.h"
#include "mm/ntmm/ntmm.h"
#include "mm/core/pfn.h"
#include "tests/ntmm/ntmm_test.h"

#define EX_KEEP 8192u                 /* frames left to the API under test (32 MiB) */
#define EX_SLACK 2u                   /* frames one page may still leave: a page table it needs */
#define F 0xFFFFFFFFu
#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)

/* ---- the allocators ------------------------------------------------------------------------------ */

static bool take_pageallocate(struct exhaust *x, uint32_t n, uint32_t *h, uint32_t *res)
{
    (void)x;
    *h = *res = _PageAllocate(n, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    return *h != 0;
}
static void give_pageallocate(struct exhaust *x, uint32_t h, uint32_t n) { (void)x; (void)n; _PageFree((PVOID)h, 0); }

static bool take_vmalloc(struct exhaust *x, uint32_t n, uint32_t *h, uint32_t *res)
{
    (void)x;
    *res = DevHelp_VMAlloc(VMDHA_FIXED, n * PAGE_SIZE, VMDHA_NOPHYSADDR, h, NULL);
    return *res == NO_ERROR;
}
static void give_vmalloc(struct exhaust *x, uint32_t h, uint32_t n) { (void)x; (void)n; DevHelp_VMFree(h); }

static bool take_contig(struct exhaust *x, uint32_t n, uint32_t *h, uint32_t *res)
{
    (void)x;
    *h = *res = (uint32_t)MmAllocateContiguousMemory(n * PAGE_SIZE, phys(0xFFFFFFFFu));
    return *h != 0;
}
static void give_contig(struct exhaust *x, uint32_t h, uint32_t n) { (void)x; (void)n; MmFreeContiguousMemory((PVOID)h); }

/* ctx[0] = a demand-zero VMAlloc region of everything available, ctx[1] = pages locked so far,
 * ctx[2] = the region's pages. */
static bool take_probe(struct exhaust *x, uint32_t n, uint32_t *h, uint32_t *res)
{
    PMDL m = IoAllocateMdl((PVOID)(x->ctx[0] + x->ctx[1] * PAGE_SIZE), n * PAGE_SIZE, FALSE, FALSE, NULL);
    if (!m) { *res = STATUS_NO_MEMORY; return false; }
    *res = (uint32_t)MmProbeAndLockPagesEx(m, KernelMode, IoWriteAccess);
    if (*res != STATUS_SUCCESS) { IoFreeMdl(m); return false; }
    x->ctx[1] += n;
    *h = (uint32_t)m;
    return true;
}
static void give_probe(struct exhaust *x, uint32_t h, uint32_t n)
{
    MmUnlockPages((PMDL)h);
    IoFreeMdl((PMDL)h);
    x->ctx[1] -= n;
}

/* ctx[0] = a reserved core region bigger than what is free, ctx[1] = pages committed so far. */
static bool take_commit(struct exhaust *x, uint32_t n, uint32_t *h, uint32_t *res)
{
    *h = x->ctx[0] + x->ctx[1] * PAGE_SIZE;
    *res = mm_commit(*h, n, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL);
    if (*res != MM_OK) return false;
    x->ctx[1] += n;
    return true;
}
static void give_commit(struct exhaust *x, uint32_t h, uint32_t n) { mm_decommit(h, n); x->ctx[1] -= n; }

/* Demand-zero VMAlloc: charged, not backed. */
static bool take_demand(struct exhaust *x, uint32_t n, uint32_t *h, uint32_t *res)
{
    (void)x;
    *res = DevHelp_VMAlloc(0, n * PAGE_SIZE, VMDHA_NOPHYSADDR, h, NULL);
    return *res == NO_ERROR;
}

/* ---- objects for the "everyone else fails too" table, made before the ballast --------------------- */

struct xfix { ULONG res; LIN dz; PMDL mdl; struct region *core; LIN region; struct region *big; };

/* Pages a region must have so the API runs out of frames before it runs out of region: what
 * will be free after the ballast, plus a whole first chunk more. */
static uint32_t beyond_free(void) { return MIN(mm_free_frames(), EX_KEEP) + 2048; }

/* The probe test's region, after the ballast: the largest demand-zero VMAlloc that is charged
 * (everything available but the page tables it needs), so that nothing is left afterwards. */
static const char *probe_region(struct xfix *f, struct exhaust *x)
{
    uint32_t n = mm_available_frames();
    while (n && DevHelp_VMAlloc(0, n * PAGE_SIZE, VMDHA_NOPHYSADDR, &f->region, NULL) != NO_ERROR) n--;
    CHECK(n > 0);
    CHECK_MSG(mm_available_frames() == 0, "a demand-zero region of %u pages left %u frames available", n,
              mm_available_frames());
    x->ctx[0] = f->region;
    x->ctx[2] = n;
    return PASS;
}

static const char *xfix_make(struct xfix *f, struct exhaust *x)
{
    memset(f, 0, sizeof *f);
    f->res = _PageReserve(PR_SYSTEM, 2, 0);
    CHECK(f->res != F);
    CHECK_EQ(DevHelp_VMAlloc(0, PAGE_SIZE, VMDHA_NOPHYSADDR, &f->dz, NULL), NO_ERROR);
    f->mdl = IoAllocateMdl((PVOID)f->dz, PAGE_SIZE, FALSE, FALSE, NULL);
    f->core = mm_reserve(ARENA_SYSTEM, 0, 1, 1, OWNER_TEST, NULL);
    CHECK(f->mdl && f->core);
    x->ctx[1] = 0;
    if (x->take == take_commit) {
        f->big = mm_reserve(ARENA_SYSTEM, 0, beyond_free(), 1, OWNER_TEST, NULL);
        CHECK(f->big);
        x->ctx[0] = f->big->base;
    }
    return PASS;
}

static void xfix_free(struct xfix *f)
{
    if (f->big) mm_release(f->big);
    if (f->region) DevHelp_VMFree(f->region);
    if (f->core) mm_release(f->core);
    if (f->mdl) IoFreeMdl(f->mdl);
    if (f->dz) DevHelp_VMFree(f->dz);
    if (f->res != F) _PageFree((PVOID)f->res, 0);
}

static uint32_t t_PageAllocate(const uint32_t *a) { return _PageAllocate(1, a[0], a[1], 0, 0, 0, NULL, a[2]); }
static uint32_t t_PageCommit(const uint32_t *a) { return _PageCommit(a[0], 1, a[1], 0, a[2]); }
static uint32_t t_PageCommitContig(const uint32_t *a) { return _PageCommitContig(a[0], 1, a[1], 0, 0, F); }
static uint32_t t_VMAlloc(const uint32_t *a) { LIN l; return DevHelp_VMAlloc(a[0], PAGE_SIZE, VMDHA_NOPHYSADDR, &l, NULL); }
static uint32_t t_VMLock(const uint32_t *a)
{
    KernVMLock_t h;
    ULONG n;
    return DevHelp_VMLock(a[1], a[0], PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, &n);
}
static uint32_t t_Contig(const uint32_t *a) { (void)a; return (uint32_t)MmAllocateContiguousMemory(PAGE_SIZE, phys(0xFFFFFFFFu)); }
static uint32_t t_mm_commit(const uint32_t *a) { return mm_commit(a[0], 1, MM_PROT_WRITE, a[1], NULL, NULL); }
static uint32_t t_as_create(const uint32_t *a) { (void)a; return (uint32_t)as_create(); }
static uint32_t t_pcc_nolin(const uint32_t *a) { (void)a; return _PageCommitContig(0, 1, PCC_NOLIN, 0, 0, F); }

static const char *everyone_fails(struct hrun *r, const struct xfix *f)
{
    const struct hcase rows[] = {
        { "_PageAllocate PAGEFIXED", t_PageAllocate, 0, { PG_SYS, 0, PAGEFIXED } },
        { "_PageAllocate PAGELOCKED, PG_VM", t_PageAllocate, 0, { PG_VM, vxd_sys_vm(), PAGELOCKED } },
        { "_PageAllocate PAGEZEROINIT | PAGELOCKEDIFDP", t_PageAllocate, 0, { PG_SYS, 0, PAGEZEROINIT | PAGELOCKEDIFDP } },
        { "_PageCommit PC_FIXED", t_PageCommit, 0, { PG(f->res), PD_FIXEDZERO, PC_FIXED | PC_WRITEABLE } },
        { "_PageCommit PC_PRESENT", t_PageCommit, 0, { PG(f->res), PD_ZEROINIT, PC_PRESENT | PC_WRITEABLE } },
        { "_PageAllocate demand-zero", t_PageAllocate, 0, { PG_SYS, 0, PAGEZEROINIT } },
        { "_PageCommit PD_ZEROINIT demand-zero", t_PageCommit, 0, { PG(f->res), PD_ZEROINIT, PC_WRITEABLE } },
        { "_PageCommitContig", t_PageCommitContig, F, { PG(f->res), PC_WRITEABLE } },
        { "_PageCommitContig PCCNOLIN", t_pcc_nolin, F, { 0 } },
        { "VMAlloc VMDHA_FIXED", t_VMAlloc, ERROR_NOT_ENOUGH_MEMORY, { VMDHA_FIXED } },
        { "VMAlloc VMDHA_16M", t_VMAlloc, ERROR_NOT_ENOUGH_MEMORY, { VMDHA_16M } },
        { "VMAlloc VMDHA_FIXED | VMDHA_CONTIG", t_VMAlloc, ERROR_NOT_ENOUGH_MEMORY, { VMDHA_FIXED | VMDHA_CONTIG } },
        { "VMAlloc demand-zero", t_VMAlloc, ERROR_NOT_ENOUGH_MEMORY, { 0 } },
        { "VMAlloc VMDHA_SWAP", t_VMAlloc, ERROR_NOT_ENOUGH_MEMORY, { VMDHA_SWAP } },
        { "VMLock NOBLOCK of a demand-zero page", t_VMLock, ERROR_NOBLOCK, { f->dz, VMDHL_NOBLOCK } },
        { "MmAllocateContiguousMemory", t_Contig, 0, { 0 } },
        { "mm_commit PRESENT", t_mm_commit, MM_ENOMEM, { f->core->base, MM_COMMIT_PRESENT } },
        { "mm_commit demand-zero", t_mm_commit, MM_ENOMEM, { f->core->base, 0 } },
        { "as_create: no frame for a directory", t_as_create, 0, { 0 } },
    };
    hrun_rebase(r);
    return hrun_table(r, NULL, rows, ARRAY_SIZE(rows));
}

/* Nothing is available, and still every committed demand-zero page gets its frame: the one its
 * charge held.  The fixture's page through a probe-and-lock, the demand blocks of
 * exhaust/demand-commit by touching them. */
static const char *promise_kept(struct exhaust *x, const struct xfix *f)
{
    uint32_t charge = mm_commit_charge(), free = mm_free_frames();
    CHECK_EQ(mm_available_frames(), 0);
    CHECK_EQ(MmProbeAndLockPagesEx(f->mdl, KernelMode, IoWriteAccess), STATUS_SUCCESS);
    TRY(exhaust_touch_all(f->dz, 1, 0x5EED0000u));
    MmUnlockPages(f->mdl);
    uint32_t pages = 1;
    for (uint32_t k = 0; x->take == take_demand && k < x->n; k++) {
        TRY(exhaust_touch_all(x->h[k], x->size[k], 0xC4A60000u + k));
        pages += x->size[k];
    }
    CHECK_EQ(mm_available_frames(), 0);
    CHECK_EQ(mm_commit_charge(), charge);              /* pageable pages stay charged (mm/core/vm.c, top) */
    CHECK_EQ(mm_free_frames(), free - pages);
    return PASS;
}

/* ---- the test --------------------------------------------------------------------------------- */

static const char *one_round(struct hrun *r, struct exhaust *x, uint32_t *ballast, bool others)
{
    struct xfix f;
    struct mm_counts start;
    mm_counts_take(&start);
    const char *e = xfix_make(&f, x);
    if (!e) {
        *ballast = ballast_take(EX_KEEP);
        if (x->take == take_probe) e = probe_region(&f, x);
        hrun_rebase(r);
        if (!e) e = exhaust_run(r, x);
        if (!e && x->take == take_probe && x->taken != x->ctx[2])
            e = test_fail(__FILE__, __LINE__, "%s: %u of %u demand-zero pages locked", x->what, x->taken, x->ctx[2]);
        if (!e && mm_available_frames() > EX_SLACK)
            e = test_fail(__FILE__, __LINE__, "%s: %u frames still available after a page failed", x->what,
                          mm_available_frames());
        /* The API may stop with a frame or two left - one page of it needs a page table too -
         * while another API's page finds its page table already there and succeeds.  Whether
         * it does depends on where earlier tests left the system PTEs, so the table below
         * runs with nothing free at all. */
        if (!e && others) {
            *ballast += ballast_take(0);
            e = mm_available_frames() ? test_fail(__FILE__, __LINE__, "%s: %u frames could not be taken", x->what,
                                                  mm_available_frames())
                                      : everyone_fails(r, &f);
            if (!e) e = promise_kept(x, &f);
        }
        exhaust_release(x);
        ballast_release();
    }
    xfix_free(&f);
    const char *moved = test_what_moved(&start);
    if (!e && moved) e = test_fail(__FILE__, __LINE__, "%s: after giving everything back: %s", x->what, moved);
    return e;
}

/* Physical memory running out is the subject: with the pager on, demand-zero commits would go
 * on into swap and pageable pages leave instead (tests/paging/ covers that), so it is paused. */
static const char *phys_test(const char *name, struct exhaust *x)
{
    PAGER_PAUSE();
    struct hrun r = { name, 0, { 0 } };
    uint32_t before = test_hostile_cases, ballast = 0, took[2] = { 0, 0 };
    uint64_t t0 = hnow();
    x->chunk = MIN(x->chunk, MAX(1u, MIN(mm_free_frames(), EX_KEEP) / 8));
    for (int round = 0; round < 2; round++) {
        TRY(one_round(&r, x, &ballast, round == 0));      /* the second round: a leak check */
        took[round] = x->taken;
    }
    kprintf("exhaust/%s: %u and %u pages in %u calls (ballast %u frames), %u cases, %u Mcycles\n", name,
            took[0], took[1], x->calls, ballast, test_hostile_cases - before, hmcycles(t0));
    /* The same pages both times, but for the page tables a different system-PTE address may need. */
    CHECK_MSG(took[0] <= took[1] + EX_SLACK && took[1] <= took[0] + EX_SLACK, "%s: %u pages the first time, %u the second",
              name, took[0], took[1]);
    CHECK(took[0] > 0);
    return PASS;
}

#define EXHAUST(id, name, fail_value, chunk0, takefn, givefn, faults)                          \
    TEST(id, "exhaust/" name)                                                                 \
    {                                                                                         \
        static struct exhaust x = { name, (fail_value), (chunk0), (faults), takefn, givefn,  \
                                    { 0, 0, 0, 0 }, 0, 0, 0, NULL, NULL };                   \
        return phys_test(name, &x);                                                           \
    }

EXHAUST(ex_pageallocate, "pageallocate-fixed", 0, 1024, take_pageallocate, give_pageallocate, false)
EXHAUST(ex_vmalloc, "vmalloc-fixed", ERROR_NOT_ENOUGH_MEMORY, 1024, take_vmalloc, give_vmalloc, false)
EXHAUST(ex_contig, "contiguous-memory", 0, 1024, take_contig, give_contig, false)
EXHAUST(ex_probe, "probe-and-lock-demand-zero", (uint32_t)STATUS_ACCESS_VIOLATION, 1024, take_probe, give_probe, true)
EXHAUST(ex_commit, "core-commit-present", MM_ENOMEM, 1024, take_commit, give_commit, false)
EXHAUST(ex_demand, "demand-commit", ERROR_NOT_ENOUGH_MEMORY, 1024, take_demand, give_vmalloc, false)
