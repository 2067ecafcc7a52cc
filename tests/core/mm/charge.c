/*
 * tests/core/mm/charge.c - commit is a promise (mm/core/vm.c, top).  A committed demand-zero page holds one
 * free frame from its commit to its first touch (the commit charge), so:
 *   - every API that commits demand-zero pages refuses a commit that does not fit - twice the
 *     free RAM through _PageCommit(PD_ZEROINIT) was accepted once and panicked on the touch -
 *     with its documented out-of-memory answer and nothing changed;
 *   - a commit that exactly fits succeeds, after which every other allocator fails (they may not
 *     take the frames the charge holds) and every page can still be touched and read back;
 *   - decommit, free and the end of an address space give the charge back;
 *   - the charge follows every PTE transition, and mm_check counts it;
 *   - a demand-zero fault that finds no frame all the same (only a broken promise: the test
 *     takes the charged frames itself) terminates a ring-3 run with a report and raises for a
 *     kernel access under a probe; it never panics.
 * "Free RAM" is what the ballast leaves (KEEP frames): twice 3.5 GiB fits in no arena, and
 * touching every page must stay quick.
 */
#include "tests/suites/hostile/hostile.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "mm/vxd/vxd.h"
#include "mm/devhlp/devhlp.h"
#include "mm/ntmm/ntmm.h"
#include "mm/core/pfn.h"
#include "mm/core/pte.h"
#include "tests/ntmm/ntmm_test.h"

#define KEEP 1024u                 /* available frames the ballast leaves: 4 MiB */
#define F 0xFFFFFFFFu
#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)

/* ---- one API that commits demand-zero pages ---------------------------------------------------- */

struct dz_api {
    const char *name;
    uint32_t fail;                 /* its documented out-of-memory answer */
    bool in_place;                 /* commit(n) commits pages [0, n) of one object (else a new one) */
    uint32_t replaced;             /* charged pages a successful commit gives back (a reallocated block) */
    const char *(*setup)(struct dz_api *a, uint32_t max);   /* optional: room for max pages */
    bool (*commit)(struct dz_api *a, uint32_t n, vaddr_t *va, uint32_t *res);
    void (*undo)(struct dz_api *a, vaddr_t va, uint32_t n);
    void (*teardown)(struct dz_api *a);
    uint32_t ctx;
    bool resident;                 /* not pageable (mm_commit without MM_COMMIT_PAGEABLE) */
};

/* _PageCommit(PD_ZEROINIT) into a _PageReserve reservation (ctx), system or private arena. */
static const char *pc_setup_sys(struct dz_api *a, uint32_t max)
{
    a->ctx = _PageReserve(PR_SYSTEM, max + 1, 0);
    CHECK(a->ctx != F);
    return PASS;
}
static const char *pc_setup_priv(struct dz_api *a, uint32_t max)
{
    a->ctx = _PageReserve(PR_PRIVATE, max + 1, 0);
    CHECK(a->ctx != F);
    return PASS;
}
static bool pc_commit(struct dz_api *a, uint32_t n, vaddr_t *va, uint32_t *res)
{
    ULONG flags = PC_WRITEABLE | (a->ctx < SHARED_START ? PC_USER : 0);
    *res = _PageCommit(PG(a->ctx), n, PD_ZEROINIT, 0, flags);
    *va = a->ctx;
    return *res == 1;
}
static void pc_undo(struct dz_api *a, vaddr_t va, uint32_t n) { (void)a; _PageDecommit(PG(va), n, 0); }
static void pc_teardown(struct dz_api *a) { _PageFree((PVOID)a->ctx, 0); }

/* _PageAllocate of a demand-zero block: PG_SYS, or PG_VM (shared arena, ring 3). */
static bool pa_commit(struct dz_api *a, uint32_t n, vaddr_t *va, uint32_t *res)
{
    *va = *res = a->ctx ? _PageAllocate(n, PG_VM, vxd_sys_vm(), 0, 0, 0, NULL, 0)
                        : _PageAllocate(n, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    return *res != 0;
}
static void pa_undo(struct dz_api *a, vaddr_t va, uint32_t n) { (void)a; (void)n; _PageFree((PVOID)va, 0); }

/* _PageReAllocate of a one-page demand-zero block (ctx) to n pages: the new pages are charged
 * while the old block still is, and the old block's page is given back on success. */
static const char *ra_setup(struct dz_api *a, uint32_t max)
{
    (void)max;
    a->ctx = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    CHECK(a->ctx);
    return PASS;
}
static bool ra_commit(struct dz_api *a, uint32_t n, vaddr_t *va, uint32_t *res)
{
    *res = _PageReAllocate(a->ctx, n, PAGEZEROINIT);
    if (!*res) return false;
    a->ctx = *va = *res;
    return true;
}
static void ra_undo(struct dz_api *a, vaddr_t va, uint32_t n)
{
    (void)va;
    (void)n;
    _PageFree((PVOID)a->ctx, 0);
    a->ctx = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
}
static void ra_teardown(struct dz_api *a) { if (a->ctx) _PageFree((PVOID)a->ctx, 0); }

/* DevHelp_VMAlloc without VMDHA_FIXED: ctx = the flags. */
static bool vm_commit(struct dz_api *a, uint32_t n, vaddr_t *va, uint32_t *res)
{
    LIN l = 0;
    *res = DevHelp_VMAlloc(a->ctx, n * PAGE_SIZE, VMDHA_NOPHYSADDR, &l, NULL);
    *va = l;
    return *res == NO_ERROR;
}
static void vm_undo(struct dz_api *a, vaddr_t va, uint32_t n) { (void)a; (void)n; DevHelp_VMFree(va); }

/* The core's mm_commit without MM_COMMIT_PRESENT, into a test region (ctx). */
static const char *mc_setup(struct dz_api *a, uint32_t max)
{
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, max + 1, 1, OWNER_TEST, NULL);
    CHECK(r);
    a->ctx = (uint32_t)r;
    return PASS;
}
static bool mc_commit(struct dz_api *a, uint32_t n, vaddr_t *va, uint32_t *res)
{
    *va = ((struct region *)a->ctx)->base;
    *res = mm_commit(*va, n, MM_PROT_WRITE, MM_COMMIT_SKIP, NULL, NULL);
    return *res == MM_OK;
}
static void mc_undo(struct dz_api *a, vaddr_t va, uint32_t n) { (void)a; mm_decommit(va, n); }
static void mc_teardown(struct dz_api *a) { mm_release((struct region *)a->ctx); }

/* ---- the driver ---------------------------------------------------------------------------------- */

static uint32_t t_pfn_alloc(const uint32_t *a) { return pfn_alloc(a[0]); }
static uint32_t t_pfn_run(const uint32_t *a) { (void)a; return pfn_alloc_run(1, 1, 0, PFN_NONE, 0, 0); }
static uint32_t t_PageAllocate(const uint32_t *a) { return _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, a[0]); }
static uint32_t t_VMAlloc(const uint32_t *a) { LIN l; return DevHelp_VMAlloc(a[0], PAGE_SIZE, VMDHA_NOPHYSADDR, &l, NULL); }
static uint32_t t_Contig(const uint32_t *a) { (void)a; return (uint32_t)MmAllocateContiguousMemory(PAGE_SIZE, phys(F)); }
static uint32_t t_pcc_nolin(const uint32_t *a) { (void)a; return _PageCommitContig(0, 1, PCC_NOLIN, 0, 0, F); }
static uint32_t t_as_create(const uint32_t *a) { (void)a; return (uint32_t)as_create(); }

/* With nothing available - every free frame held by the charge - nobody gets a frame, and the
 * API itself cannot commit one page more. */
static const char *others_fail(struct hrun *r, struct dz_api *a, uint32_t n)
{
    const struct hcase rows[] = {
        { "pfn_alloc", t_pfn_alloc, PFN_NONE, { 0 } },
        { "pfn_alloc ZERO | LOW", t_pfn_alloc, PFN_NONE, { PFN_ALLOC_ZERO | PFN_ALLOC_LOW } },
        { "pfn_alloc_run of one frame", t_pfn_run, PFN_NONE, { 0 } },
        { "_PageAllocate PAGEFIXED", t_PageAllocate, 0, { PAGEFIXED } },
        { "_PageAllocate demand-zero", t_PageAllocate, 0, { PAGEZEROINIT } },
        { "_PageCommitContig PCCNOLIN", t_pcc_nolin, F, { 0 } },
        { "VMAlloc VMDHA_FIXED", t_VMAlloc, ERROR_NOT_ENOUGH_MEMORY, { VMDHA_FIXED } },
        { "VMAlloc demand-zero", t_VMAlloc, ERROR_NOT_ENOUGH_MEMORY, { 0 } },
        { "MmAllocateContiguousMemory", t_Contig, 0, { 0 } },
        { "as_create", t_as_create, 0, { 0 } },
    };
    hrun_rebase(r);
    TRY(hrun_table(r, NULL, rows, ARRAY_SIZE(rows)));
    vaddr_t va;
    uint32_t res = 0;
    if (a->commit(a, a->in_place ? n + 1 : 1, &va, &res))
        return test_fail(__FILE__, __LINE__, "%s: one page more was committed", a->name);
    return hrun_check(r, "one page more through the same API", res, a->fail);
}

/* The largest commit that fits, then the promise, then everything back.  The hrun's base is
 * the state before the commit: each refused attempt must leave it exactly so. */
static const char *fit_and_keep(struct hrun *r, struct dz_api *a)
{
    vaddr_t va = 0;
    uint32_t res = 0, n = mm_available_frames(), tries = 0;
    hrun_rebase(r);
    while (n && !a->commit(a, n, &va, &res)) {           /* n too many by the page tables it needs */
        TRY(hrun_check(r, "more than fits", res, a->fail));
        CHECK_MSG(++tries < 64, "%s: %u pages still do not fit", a->name, n);
        n--;
    }
    /* n is the most that fits: n + 1 was refused just before, or n was everything available.  A
     * frame or two may remain that n + 1 pages could not use (the page table it would need). */
    CHECK_MSG(n > 0, "%s: not even one page fits", a->name);
    CHECK_EQ(mm_commit_charge(), r->base.charged + n - a->replaced);
    CHECK_MSG(mm_available_frames() <= 2 + a->replaced, "%s: %u pages fit, %u frames still available", a->name, n,
              mm_available_frames());
    ballast_take(0);                                      /* those, and a replaced block's frame */
    const char *e = others_fail(r, a, n);
    uint32_t charge = mm_commit_charge(), free = mm_free_frames();
    if (!e) e = exhaust_touch_all(va, n, 0xC4A60000u);
    /* A touched resident page owns its frame and leaves the charge; a pageable one stays charged
     * while committed, present or not (mm/core/vm.c, top). */
    uint32_t charge_touched = a->resident ? charge - n : charge;
    if (!e && (mm_commit_charge() != charge_touched || mm_free_frames() != free - n || mm_available_frames()))
        e = test_fail(__FILE__, __LINE__, "%s: after touching %u pages: charge %u -> %u, free %u -> %u, %u available",
                      a->name, n, charge, mm_commit_charge(), free, mm_free_frames(), mm_available_frames());
    ballast_release();
    a->undo(a, va, n);
    return e;
}

/* The RAM-only limit: with the pager on, twice the free RAM fits (swap) and the largest commit
 * would be RAM and swap together; tests/paging/ covers commit beyond RAM. */
static const char *charge_test(struct dz_api *a)
{
    PAGER_PAUSE();
    struct mm_counts start;
    mm_counts_take(&start);
    struct hrun r = { a->name, 0, { 0 } };
    ballast_take(KEEP);
    uint32_t twice = 2 * mm_free_frames();                /* the frames the charge holds are free too */
    const char *e = a->setup ? a->setup(a, twice) : PASS;
    if (!e) {
        vaddr_t va;
        uint32_t res = 0;
        hrun_rebase(&r);
        if (a->commit(a, twice, &va, &res)) {
            a->undo(a, va, twice);
            e = test_fail(__FILE__, __LINE__, "%s: %u demand-zero pages committed with %u frames free", a->name,
                          twice, twice / 2);
        } else {
            e = hrun_check(&r, "twice the free RAM", res, a->fail);
        }
    }
    if (!e) e = fit_and_keep(&r, a);
    if (a->teardown) a->teardown(a);
    ballast_release();
    const char *moved = test_what_moved(&start);
    if (!e && moved) e = test_fail(__FILE__, __LINE__, "%s: after giving everything back: %s", a->name, moved);
    return e;
}

#define CHARGE_TEST(id, tname, ...)                                               \
    TEST(id, tname)                                                               \
    {                                                                             \
        struct dz_api a = { __VA_ARGS__ };                                        \
        return charge_test(&a);                                                   \
    }

CHARGE_TEST(charge_pagecommit, "mm/commit-charge-vxd-pagecommit", "_PageCommit(PD_ZEROINIT)", 0, true, 0,
            pc_setup_sys, pc_commit, pc_undo, pc_teardown, 0, false)
CHARGE_TEST(charge_pagecommit_priv, "mm/commit-charge-vxd-pagecommit-private", "_PageCommit(PD_ZEROINIT, PC_USER)", 0,
            true, 0, pc_setup_priv, pc_commit, pc_undo, pc_teardown, 0, false)
CHARGE_TEST(charge_pageallocate, "mm/commit-charge-vxd-pageallocate", "_PageAllocate(PG_SYS, PAGEZEROINIT)", 0, false,
            0, NULL, pa_commit, pa_undo, NULL, 0, false)
CHARGE_TEST(charge_pageallocate_vm, "mm/commit-charge-vxd-pageallocate-pg-vm", "_PageAllocate(PG_VM)", 0, false, 0,
            NULL, pa_commit, pa_undo, NULL, 1, false)
CHARGE_TEST(charge_pagereallocate, "mm/commit-charge-vxd-pagereallocate", "_PageReAllocate", 0, true, 1, ra_setup,
            ra_commit, ra_undo, ra_teardown, 0, false)
CHARGE_TEST(charge_vmalloc, "mm/commit-charge-devhlp-vmalloc", "VMAlloc(0)", ERROR_NOT_ENOUGH_MEMORY, false, 0, NULL,
            vm_commit, vm_undo, NULL, 0, false)
CHARGE_TEST(charge_vmalloc_process, "mm/commit-charge-devhlp-vmalloc-process", "VMAlloc(VMDHA_PROCESS)",
            ERROR_NOT_ENOUGH_MEMORY, false, 0, NULL, vm_commit, vm_undo, NULL, VMDHA_PROCESS, false)
CHARGE_TEST(charge_vmalloc_swap, "mm/commit-charge-devhlp-vmalloc-swap", "VMAlloc(VMDHA_SWAP)", ERROR_NOT_ENOUGH_MEMORY,
            false, 0, NULL, vm_commit, vm_undo, NULL, VMDHA_SWAP, false)
CHARGE_TEST(charge_core, "mm/commit-charge-core-commit", "mm_commit", MM_ENOMEM, true, 0, mc_setup, mc_commit,
            mc_undo, mc_teardown, 0, true)

/* ---- the charge follows the PTEs ------------------------------------------------------------------- */

/* Each transition of the core, one at a time: a demand-zero entry made, skipped, re-protected,
 * faulted in, made present by a lock and by an alias, decommitted, released. */
TEST(charge_transitions, "mm/commit-charge-follows-each-transition")
{
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 16, 1, OWNER_TEST, NULL);
    struct region *d = mm_reserve(ARENA_SYSTEM, 0, 2, 1, OWNER_TEST, NULL);
    CHECK(r && d);
    vaddr_t v = r->base;
    uint32_t c0 = mm_commit_charge(), faults = mm_demand_faults;
#define STEP(expr, charge) do { expr; CHECK_EQ(mm_commit_charge(), c0 + (charge)); CHECK_MM_OK(); } while (0)
    STEP(CHECK_EQ(mm_commit(v, 8, MM_PROT_WRITE, 0, NULL, NULL), MM_OK), 8);
    STEP(CHECK_EQ(mm_commit(v, 12, MM_PROT_WRITE, MM_COMMIT_SKIP, NULL, NULL), MM_OK), 12);
    STEP(CHECK_EQ(mm_commit(v + 12 * PAGE_SIZE, 2, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL), MM_OK), 12);
    STEP(CHECK_EQ(mm_commit(v, 14, MM_PROT_WRITE, 0, NULL, NULL), MM_EEXIST), 12);
    STEP(CHECK_EQ(mm_protect(v, 12, ~MM_PROT_WRITE, 0, NULL), MM_OK), 12);           /* demand -> demand */
    CHECK(pte_is_demand(pte_read(v)) && !(pte_read(v) & PTE_W));
    STEP(CHECK_EQ(mm_protect(v, 12, ~0u, MM_PROT_WRITE, NULL), MM_OK), 12);
    STEP(*(volatile uint32_t *)v = 0x600D, 11);                                      /* a fault */
    CHECK_EQ(mm_demand_faults, faults + 1);
    STEP(CHECK_EQ(mm_lock(v + PAGE_SIZE, 1, 0, NULL), MM_OK), 10);                   /* make_present */
    STEP(CHECK_EQ(mm_unlock(v + PAGE_SIZE, 1), MM_OK), 10);
    STEP(CHECK_EQ(mm_alias(d->base, v + 2 * PAGE_SIZE, 2, MM_PROT_WRITE), MM_OK), 8);
    STEP(CHECK_EQ(mm_decommit(d->base, 2), MM_OK), 8);
    STEP(CHECK_EQ(mm_decommit(v + 4 * PAGE_SIZE, 2), MM_OK), 6);                     /* pte_clear_range */
    STEP(CHECK_EQ(mm_decommit(v + 13 * PAGE_SIZE, 1), MM_OK), 6);                    /* a present page */
    CHECK_EQ(*(volatile uint32_t *)v, 0x600D);
    STEP(CHECK_EQ(mm_release(d), MM_OK), 6);
    STEP(CHECK_EQ(mm_release(r), MM_OK), 0);
#undef STEP
    return PASS;
}

/* An address space destroyed with untouched demand-zero pages (three APIs' worth, a few touched)
 * gives every page of the charge back. */
TEST(charge_as_destroy, "mm/commit-charge-returned-when-address-space-destroyed")
{
    struct mm_counts start;
    mm_counts_take(&start);
    struct as *prev = as_current(), *p = as_create();
    CHECK(p);
    as_switch(p);
    LIN l = 0;
    ULONG res = _PageReserve(PR_PRIVATE, 8, 0);
    struct region *r = mm_reserve(ARENA_PRIVATE, 0, 16, 1, OWNER_TEST, NULL);
    bool ok = DevHelp_VMAlloc(VMDHA_PROCESS, 64 * PAGE_SIZE, VMDHA_NOPHYSADDR, &l, NULL) == NO_ERROR && res != F &&
              _PageCommit(PG(res), 8, PD_ZEROINIT, 0, PC_USER | PC_WRITEABLE) == 1 && r &&
              mm_commit(r->base, 16, MM_PROT_USER | MM_PROT_WRITE, 0, NULL, NULL) == MM_OK;
    if (ok)
        for (uint32_t i = 0; i < 3; i++) uwrite(l + i * PAGE_SIZE, i);
    uint32_t charge = mm_commit_charge();
    as_switch(prev);
    CHECK(ok);
    CHECK_EQ(charge, start.charged + 64 + 8 + 16);        /* the 3 touched VMAlloc pages are pageable: still charged */
    CHECK_EQ(as_destroy(p), MM_OK);
    CHECK_NOTHING_MOVED(&start);
    return PASS;
}

/* mm_check counts the demand-zero entries: a charge that disagrees is found. */
TEST(charge_check, "mm/check-catches-commit-charge-mismatch")
{
    char why[160];
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 2, 1, OWNER_TEST, NULL);
    CHECK(r);
    CHECK_EQ(mm_commit(r->base, 2, MM_PROT_WRITE, 0, NULL, NULL), MM_OK);
    CHECK(mm_check(why, sizeof why));
    pfn_count.charged--;
    bool caught_low = !mm_check(why, sizeof why) && !strncmp(why, "commit charge", 13);
    pfn_count.charged += 2;
    bool caught_high = !mm_check(why, sizeof why) && !strncmp(why, "commit charge", 13);
    pfn_count.charged--;
    CHECK(mm_check(why, sizeof why));
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK(caught_low && caught_high);
    return PASS;
}

/* ---- what the personalities report ------------------------------------------------------------- */

/* _GetFreePageCount's EAX counts the free list; its EDX and _PageGetAllocInfo's EDX - what can
 * still be allocated locked - leave out the frames charged pages hold; _GetDemandPageInfo's
 * DICommit_Count counts charged pages as committed. */
TEST(charge_report, "mm/charged-frames-left-out-of-vxd-free-page-counts")
{
    ULONG free0 = _GetFreePageCount(0), avail0 = vxd_edx;
    CHECK_EQ(free0, mm_free_frames());
    CHECK_EQ(avail0, mm_available_frames());
    DemandInfoStruc d;
    _GetDemandPageInfo(&d, 0);
    ULONG commit0 = d.DICommit_Count;
    ULONG h = _PageAllocate(16, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    CHECK(h);
    uint32_t tables = free0 - mm_free_frames();              /* the block's page tables, if any */
    /* Promised RAM without the pager; with it, swap: pageable pages need no frame kept back
     * from a locked allocation (pfn.h, pfn_available). */
    uint32_t promised = mm_pager_on() ? 0 : 16;
    CHECK_EQ(_GetFreePageCount(0), free0 - tables);          /* no frame taken for the pages... */
    CHECK_EQ(vxd_edx, avail0 - tables - promised);           /* ... but 16 promised */
    _PageGetAllocInfo(0);
    CHECK_EQ(vxd_edx, avail0 - tables - promised);
    _GetDemandPageInfo(&d, 0);
    CHECK_EQ(d.DIFree_Count, free0 - tables);
    CHECK_EQ(d.DICommit_Count, commit0 + tables + 16);
    *(volatile uint32_t *)h = 1;                             /* a touch: one promise kept */
    CHECK_EQ(_GetFreePageCount(0), free0 - tables - 1);
    CHECK_EQ(vxd_edx, avail0 - tables - promised);
    _GetDemandPageInfo(&d, 0);
    CHECK_EQ(d.DICommit_Count, commit0 + tables + 16);
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    CHECK_EQ(_GetFreePageCount(0), free0);
    CHECK_EQ(vxd_edx, avail0);
    return PASS;
}

/* ---- a demand-zero fault with no frame ---------------------------------------------------------- */

/* Take what the charge holds, so that a demand-zero fault finds no frame (only a bug could do
 * that: the frames are the charge's).  After ballast_take(0), the free frames are the charged
 * ones; PFN_ALLOC_CHARGED takes them anyway.  Given back without poisoning (never written). */
#define STEAL_MAX 512
static pfn_t stolen[STEAL_MAX];
static uint32_t nstolen;

static bool steal_charged(void)
{
    ballast_take(0);
    if (mm_free_frames() > STEAL_MAX) return false;
    while (nstolen < STEAL_MAX && (stolen[nstolen] = pfn_alloc(PFN_ALLOC_CHARGED)) != PFN_NONE)
        pfn_hold(stolen[nstolen++]);
    return mm_free_frames() == 0;
}

static void unsteal(void)
{
    bool poison = pfn_poison_on_free;
    pfn_poison_on_free = false;
    while (nstolen) {
        pfn_t p = stolen[--nstolen];
        pfn_db[p].hold_count--;
        pfn_free(p);
    }
    pfn_poison_on_free = poison;
    ballast_release();
}

static uint32_t ktry_write(vaddr_t va, struct fault_info *fi)
{
    struct ktry t;
    volatile uint32_t reached = 0;
    if (KTRY(&t)) {
        *(volatile uint32_t *)va = 1;
        reached = 1;
        ktry_end(&t);
    } else {
        *fi = t.fault;
    }
    return reached;
}

static NTSTATUS nt_try_write(vaddr_t va)
{
    NT_TRY_FRAME t;
    volatile NTSTATUS st = STATUS_SUCCESS;
    if (NT_TRY(&t)) {
        *(volatile uint32_t *)va = 1;
        NT_TRY_END(&t);
    } else {
        st = NtExceptionStatus(&t);
    }
    return st;
}

/* With the frames gone: every kind of access fails its own documented way, the pages stay
 * committed and charged, nothing else moves.  Runs between steal_charged and unsteal. */
static const char *no_frame(vaddr_t user_va, vaddr_t sys_va, PMDL mdl)
{
    uint32_t nomem = mm_demand_nomem;
    struct mm_counts before;
    mm_counts_take(&before);
    struct user_result res;
    CHECK_EQ(user_call(u_write, user_va, 0xC0FFEE, &res), 0);
    CHECK(res.faulted);                                       /* terminated, with its report */
    CHECK_EQ(res.vector, T_PF);
    CHECK_EQ(res.cr2, user_va);
    CHECK_EQ(res.err, 6u);                                    /* not present, write, from ring 3 */
    CHECK_EQ(user_call(u_ret, 2, 3, &res), 0);                /* the next run works */
    CHECK(!res.faulted && res.value == 5);
    CHECK(!uprobe_write(user_va, 1));                         /* the exception table */
    CHECK_EQ(probe_last.vector, T_PF);
    CHECK_EQ(probe_last.cr2, user_va);
    struct fault_info fi = { 0, 0, 0, 0 };
    CHECK_EQ(ktry_write(sys_va, &fi), 0);                     /* ktry */
    CHECK_EQ(fi.vector, T_PF);
    CHECK_EQ(fi.cr2, sys_va);
    CHECK_EQ(nt_try_write(sys_va), STATUS_ACCESS_VIOLATION);  /* NT_TRY */
    CHECK_EQ(MmProbeAndLockPagesEx(mdl, KernelMode, IoWriteAccess), STATUS_ACCESS_VIOLATION);
    CHECK_EQ(mm_demand_nomem, nomem + 5);
    CHECK_NOTHING_MOVED(&before);
    CHECK(pte_is_demand(pte_read(user_va)) && pte_is_demand(pte_read(sys_va)));
    return PASS;
}

TEST(charge_no_frame, "mm/demand-fault-without-frame-fails-the-access-not-the-kernel")
{
    struct user_result res;
    CHECK_EQ(user_call(u_ret, 0, 0, &res), 0);                /* ring 3 ready before the frames go */
    struct region *u = mm_reserve(ARENA_PRIVATE, 0, 1, 1, OWNER_TEST, NULL);
    struct region *s = mm_reserve(ARENA_SYSTEM, 0, 1, 1, OWNER_TEST, NULL);
    CHECK(u && s);
    CHECK_EQ(mm_commit(u->base, 1, MM_PROT_USER | MM_PROT_WRITE, 0, NULL, NULL), MM_OK);
    CHECK_EQ(mm_commit(s->base, 1, MM_PROT_WRITE, 0, NULL, NULL), MM_OK);
    PMDL mdl = IoAllocateMdl((PVOID)s->base, PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(mdl);
    const char *e = steal_charged() ? no_frame(u->base, s->base, mdl) : "could not take the charged frames";
    unsteal();
    TRY(e);
    CHECK_MM_OK();
    uint32_t charge = mm_commit_charge();
    CHECK_EQ(user_call(u_write, u->base, 0xC0FFEE, &res), 0); /* with its frame back, it works */
    CHECK(!res.faulted);
    CHECK_EQ(user_call(u_read, u->base, 0, &res), 0);
    CHECK(!res.faulted && res.value == 0xC0FFEE);
    CHECK(probe_write(s->base, 7));
    CHECK_EQ(mm_commit_charge(), charge - 2);
    IoFreeMdl(mdl);
    CHECK_EQ(mm_release(u), MM_OK);
    CHECK_EQ(mm_release(s), MM_OK);
    return PASS;
}
