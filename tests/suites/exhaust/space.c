/*
 * tests/suites/exhaust/space.c - exhaust/system-ptes and exhaust/private-arena: linear space
 * runs out, not frames.
 *   - The system-PTE pool (65536 slots, n + 1 per allocation): MmMapIoSpace of I/O space in
 *     halving chunks until a single page gives NULL; then every other user of the pool must
 *     fail cleanly - MmAllocateContiguousMemory and MmMapLockedPagesSpecifyCache NULL, MmMapLockedPages
 *     NULL with NO_MORE_SYSTEM_PTES reported (not halting), MDL_MAPPING_CAN_FAIL without the
 *     report, PageListToLin 8.
 *   - A process's private arena: _PageReserve(PR_PRIVATE) until one page fails (the arena's
 *     exact size must have been handed out), then VMAlloc(VMDHA_PROCESS | VMDHA_RESERVE) the
 *     same way; while it is full, VMAlloc(PROCESS), VMGlobalToProcess and _PageReserve(PR_PRIVATE)
 *     fail cleanly.  Then demand-zero VMAlloc(VMDHA_PROCESS), which stops at the arena or at the
 *     commit charge, whichever comes first (the arena with 3.5 GiB of RAM, the charge with less
 *     than 2 GiB); a one-page VMAlloc(PROCESS) must then fail cleanly either way.
 * The pool and _PageReserve run twice (the amounts must match: a leak check); every count must
 * come back after each round.
 */
#include "tests/suites/hostile/hostile.h"
#include "mm/vxd/vxd.h"
#include "mm/devhlp/devhlp.h"
#include "mm/ntmm/ntmm.h"
#include "tests/ntmm/ntmm_test.h"

#define F 0xFFFFFFFFu
#define PRIVATE_ANY_PAGES ((PRIVATE_END - 0x00400000u) >> PAGE_SHIFT)   /* PR_PRIVATE's span (region.c) */

/* Runs x `rounds` times (1 or 2, fresh each time); between taking and giving back, the first
 * round runs `full`'s cases.  The amounts taken must match within `slack` (the system-PTE pool
 * is next-fit: where the second round starts decides how the last free slots fall). */
static const char *rounds_of(struct hrun *r, struct exhaust *x, const char *(*full)(struct hrun *r, void *arg),
                             void *arg, uint32_t took[2], uint32_t slack, int rounds)
{
    struct mm_counts start;
    mm_counts_take(&start);
    took[1] = 0;
    for (int round = 0; round < rounds; round++) {
        hrun_rebase(r);
        const char *e = exhaust_run(r, x);
        if (!e && round == 0) e = full(r, arg);
        exhaust_release(x);
        TRY(e);
        const char *moved = test_what_moved(&start);
        CHECK_MSG(!moved, "%s: after giving everything back: %s", x->what, moved);
        took[round] = x->taken;
    }
    CHECK_MSG(rounds == 1 || (took[0] <= took[1] + slack && took[1] <= took[0] + slack),
              "%s: %u the first time, %u the second", x->what, took[0], took[1]);
    return PASS;
}

/* ---- the system-PTE pool --------------------------------------------------------------------------- */

static bool take_io(struct exhaust *x, uint32_t n, uint32_t *h, uint32_t *res)
{
    (void)x;
    *h = *res = (uint32_t)MmMapIoSpace(phys(HF_IO_PA), n * PAGE_SIZE, MmCached);
    return *h != 0;
}
static void give_io(struct exhaust *x, uint32_t h, uint32_t n) { (void)x; MmUnmapIoSpace((PVOID)h, n * PAGE_SIZE); }

struct sfix { PMDL mdl, canfail; PAGELIST pl; };

static uint32_t t_MapIo(const uint32_t *a) { return (uint32_t)MmMapIoSpace(phys(a[0]), a[1], MmCached); }
static uint32_t t_Contig(const uint32_t *a) { return (uint32_t)MmAllocateContiguousMemory(a[0], phys(0xFFFFFFFFu)); }
static uint32_t t_MapLocked(const uint32_t *a)
{
    return (uint32_t)MmMapLockedPagesSpecifyCache((PMDL)a[0], KernelMode, MmCached, NULL, a[1], NormalPagePriority);
}
static uint32_t t_SystemAddress(const uint32_t *a) { return (uint32_t)MmGetSystemAddressForMdlSafe((PMDL)a[0], NormalPagePriority); }
static uint32_t t_PageListToLin(const uint32_t *a) { LIN l; return DevHelp_PageListToLin(PAGE_SIZE, a[0], &l); }
/* NULL, and exactly one NO_MORE_SYSTEM_PTES (a[2] = 1) or none (a[2] = 0) reported. */
static uint32_t t_MapLockedReport(const uint32_t *a)
{
    ULONG n = ntmm_last_bugcheck.count;
    PVOID v = MmMapLockedPagesSpecifyCache((PMDL)a[0], KernelMode, MmCached, NULL, a[1], NormalPagePriority);
    bool reported = ntmm_last_bugcheck.count == n + 1 && ntmm_last_bugcheck.code == NO_MORE_SYSTEM_PTES;
    return !v && (a[2] ? reported : ntmm_last_bugcheck.count == n);
}

static const char *pool_full(struct hrun *r, void *arg)
{
    const struct sfix *s = arg;
    /* The pool itself is full (a lone free slot can remain between allocations: no room for a
     * page and its guard), not the records' pool. */
    vaddr_t va = syspte_alloc(1);
    if (va) syspte_free(va, 1);
    CHECK_MSG(!va, "MmMapIoSpace of one page failed with %u system PTEs free", syspte_free_count());
    const struct hcase rows[] = {
        { "MmMapIoSpace of 16 bytes", t_MapIo, 0, { 0xB8000, 16 } },
        { "MmMapIoSpace of 2 pages", t_MapIo, 0, { HF_IO_PA, 2 * PAGE_SIZE } },
        { "MmAllocateContiguousMemory", t_Contig, 0, { PAGE_SIZE } },
        { "MmMapLockedPagesSpecifyCache, no bug check", t_MapLocked, 0, { (uint32_t)s->mdl, FALSE } },
        { "MmGetSystemAddressForMdlSafe", t_SystemAddress, 0, { (uint32_t)s->mdl } },
        { "MmMapLockedPages: NO_MORE_SYSTEM_PTES reported, NULL", t_MapLockedReport, 1, { (uint32_t)s->mdl, TRUE, 1 } },
        { "MDL_MAPPING_CAN_FAIL: NULL, nothing reported", t_MapLockedReport, 1, { (uint32_t)s->canfail, TRUE, 0 } },
        { "PageListToLin", t_PageListToLin, ERROR_NOT_ENOUGH_MEMORY, { (uint32_t)&s->pl } },
    };
    hrun_rebase(r);
    return hrun_table(r, NULL, rows, ARRAY_SIZE(rows));
}

TEST(ex_syspte, "exhaust/system-ptes")
{
    struct hrun r = { "exhaust/system-ptes", 0, { 0 } };
    static struct exhaust x = { "MmMapIoSpace", 0, 1023, false, take_io, give_io, { 0, 0, 0, 0 }, 0, 0, 0, NULL, NULL };
    uint32_t before = test_hostile_cases, took[2];
    uint64_t t0 = hnow();
    struct region *buf = mm_reserve(ARENA_SYSTEM, 0, 2, 1, OWNER_TEST, NULL);
    CHECK(buf && mm_commit(buf->base, 2, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL) == MM_OK);
    struct sfix s = { IoAllocateMdl((PVOID)buf->base, PAGE_SIZE, FALSE, FALSE, NULL),
                      IoAllocateMdl((PVOID)(buf->base + PAGE_SIZE), PAGE_SIZE, FALSE, FALSE, NULL), { 0xB8000, PAGE_SIZE } };
    const char *e = !s.mdl || !s.canfail ? "no MDL" : PASS;
    if (!e && (MmProbeAndLockPagesEx(s.mdl, KernelMode, IoReadAccess) || MmProbeAndLockPagesEx(s.canfail, KernelMode, IoReadAccess)))
        e = "MDLs not locked";
    if (!e) {
        s.canfail->MdlFlags |= MDL_MAPPING_CAN_FAIL;
        e = rounds_of(&r, &x, pool_full, &s, took, 64, 2);
        MmUnlockPages(s.mdl);
        MmUnlockPages(s.canfail);
    }
    IoFreeMdl(s.mdl);
    IoFreeMdl(s.canfail);
    mm_release(buf);
    kprintf("exhaust/system-ptes: %u and %u pages in %u calls, %u cases, %u Mcycles\n", took[0], took[1],
            x.calls, test_hostile_cases - before, hmcycles(t0));
    return e;
}

/* ---- a private arena -------------------------------------------------------------------------------- */

static bool take_reserve(struct exhaust *x, uint32_t n, uint32_t *h, uint32_t *res)
{
    (void)x;
    *h = *res = _PageReserve(PR_PRIVATE, n, 0);
    return *h != F;
}
static void give_reserve(struct exhaust *x, uint32_t h, uint32_t n) { (void)x; (void)n; _PageFree((PVOID)h, 0); }

static bool take_vmalloc(struct exhaust *x, uint32_t n, uint32_t *h, uint32_t *res)
{
    *res = DevHelp_VMAlloc(VMDHA_PROCESS | x->ctx[0], n * PAGE_SIZE, VMDHA_NOPHYSADDR, h, NULL);
    return *res == NO_ERROR;
}
static void give_vmalloc(struct exhaust *x, uint32_t h, uint32_t n) { (void)x; (void)n; DevHelp_VMFree(h); }

static uint32_t t_VMAlloc(const uint32_t *a) { LIN l; return DevHelp_VMAlloc(a[0], PAGE_SIZE, VMDHA_NOPHYSADDR, &l, NULL); }
static uint32_t t_G2P(const uint32_t *a) { LIN l; return DevHelp_VMGlobalToProcess(a[1], a[0], PAGE_SIZE, &l); }
static uint32_t t_Reserve(const uint32_t *a) { return _PageReserve(PR_PRIVATE, 1, a[0]); }

static const char *arena_full(struct hrun *r, void *arg)
{
    LIN global = *(const LIN *)arg;
    const struct hcase rows[] = {
        { "VMAlloc VMDHA_PROCESS", t_VMAlloc, ERROR_NOT_ENOUGH_MEMORY, { VMDHA_PROCESS } },
        { "VMAlloc VMDHA_PROCESS | VMDHA_RESERVE", t_VMAlloc, ERROR_NOT_ENOUGH_MEMORY, { VMDHA_PROCESS | VMDHA_RESERVE } },
        { "VMAlloc VMDHA_PROCESS | VMDHA_SELMAP", t_VMAlloc, ERROR_NOT_ENOUGH_MEMORY, { VMDHA_PROCESS | VMDHA_SELMAP } },
        { "VMGlobalToProcess", t_G2P, ERROR_NOT_ENOUGH_MEMORY, { global, VMDHGP_WRITE } },
        { "VMGlobalToProcess VMDHGP_4MEG", t_G2P, ERROR_NOT_ENOUGH_MEMORY, { global, VMDHGP_4MEG } },
        { "_PageReserve PR_PRIVATE", t_Reserve, F, { 0 } },
        { "_PageReserve PR_PRIVATE | PR_4MEG", t_Reserve, F, { PR_4MEG } },
    };
    hrun_rebase(r);
    return hrun_table(r, NULL, rows, ARRAY_SIZE(rows));
}

/* After the demand-zero round: the arena or the charge is used up. */
static const char *dz_full(struct hrun *r, void *arg)
{
    const struct exhaust *x = arg;
    CHECK_MSG(x->taken == PRIVATE_ANY_PAGES || mm_available_frames() <= 2,
              "%u demand-zero pages committed, %u frames still available", x->taken, mm_available_frames());
    const struct hcase rows[] = {
        { "VMAlloc VMDHA_PROCESS", t_VMAlloc, ERROR_NOT_ENOUGH_MEMORY, { VMDHA_PROCESS } },
        { "VMAlloc VMDHA_PROCESS | VMDHA_SWAP", t_VMAlloc, ERROR_NOT_ENOUGH_MEMORY, { VMDHA_PROCESS | VMDHA_SWAP } },
    };
    hrun_rebase(r);
    return hrun_table(r, NULL, rows, ARRAY_SIZE(rows));
}

TEST(ex_private, "exhaust/private-arena")
{
    struct hrun r = { "exhaust/private-arena", 0, { 0 } };
    static struct exhaust res = { "_PageReserve(PR_PRIVATE)", F, 0x10000, false, take_reserve, give_reserve,
                                  { 0, 0, 0, 0 }, 0, 0, 0, NULL, NULL };
    static struct exhaust rsv = { "VMAlloc(VMDHA_PROCESS | VMDHA_RESERVE)", ERROR_NOT_ENOUGH_MEMORY, 0x10000, false,
                                  take_vmalloc, give_vmalloc, { VMDHA_RESERVE, 0, 0, 0 }, 0, 0, 0, NULL, NULL };
    static struct exhaust dz = { "VMAlloc(VMDHA_PROCESS)", ERROR_NOT_ENOUGH_MEMORY, 0x10000, false,
                                 take_vmalloc, give_vmalloc, { 0, 0, 0, 0 }, 0, 0, 0, NULL, NULL };
    uint32_t before = test_hostile_cases, took[3][2] = { { 0, 0 }, { 0, 0 }, { 0, 0 } };
    uint64_t t0 = hnow();
    LIN global = 0;
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &global, NULL), NO_ERROR);
    struct as *prev = as_current(), *p = as_create();
    CHECK(p);
    as_switch(p);                                   /* a fresh process: its arena is all free */
    const char *e = rounds_of(&r, &res, arena_full, &global, took[0], 0, 2);
    if (!e) e = rounds_of(&r, &rsv, arena_full, &global, took[1], 0, 1);
    if (!e) e = rounds_of(&r, &dz, dz_full, &dz, took[2], 0, 1);
    as_switch(prev);
    as_destroy(p);
    DevHelp_VMFree(global);
    TRY(e);
    kprintf("exhaust/private-arena: %u pages reserved, %u by VMAlloc(RESERVE), %u committed demand-zero "
            "(arena %u), %u cases, %u Mcycles\n", took[0][0], took[1][0], took[2][0], PRIVATE_ANY_PAGES,
            test_hostile_cases - before, hmcycles(t0));
    CHECK_EQ(took[0][0], PRIVATE_ANY_PAGES);
    CHECK_EQ(took[1][0], PRIVATE_ANY_PAGES);
    return PASS;
}
