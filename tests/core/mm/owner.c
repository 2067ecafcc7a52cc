/*
 * tests/core/mm/owner.c - mm/owner-*: the guarantees the core keeps whichever API asks, shown by
 * the documented call sequences that used to break them:
 *   - fixed memory never moves (VMLock CONTIGUOUS / 16M over VMDHA_FIXED, PAGEFIXED, PC_FIXED,
 *     _PageCommitContig and PAGEFIXED free-physical-region pages, and over locked pages);
 *   - a stale unlock cannot take another owner's lock (VMUnLock after PL_TOTALUNLOCK + VMFree +
 *     reuse; MmUnlockPages of an MDL whose PFN array was edited);
 *   - counts do not overflow into a panic (65,536 nested _LinPageLocks, 65,536 mappings of the
 *     null page) and the limit is a documented refusal that changes nothing;
 *   - releasing a reservation that maps one locked frame at two pages leaves no orphan.
 */
#include "tests/vxd/vxd_test.h"
#include "mm/devhlp/devhlp.h"
#include "mm/ntmm/ntmm.h"
#include "tests/core/mm/frames.h"

/* VMLock(CONTIGUOUS) and (when a frame lies above 16 MiB) VMLock(16M) over n pages at va that
 * must not move: 33, 32792 with NOBLOCK, and every frame, count and byte where it was. */
static const char *never_moves(vaddr_t va, uint32_t n, bool need_scattered)
{
    pfn_t before[4];
    bool high = false;
    CHECK(n <= 4);
    if (need_scattered) CHECK_MSG(spread_apart(va, n), "precondition: pages at %08x are not scattered", va);
    for (uint32_t i = 0; i < n; i++) {
        before[i] = frame_of(va + i * PAGE_SIZE);
        CHECK(before[i] != PFN_NONE);
        high |= before[i] >= ISA_DMA_LIMIT_PFN;
        uwrite(va + i * PAGE_SIZE + 8, 0xF1F00000u + i);
    }
    struct mm_counts counts;
    mm_counts_take(&counts);
    KernVMLock_t h;
    if (need_scattered) {
        CHECK_EQ(DevHelp_VMLock(VMDHL_CONTIGUOUS, va, n * PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), ERROR_LOCK_VIOLATION);
        CHECK_EQ(DevHelp_VMLock(VMDHL_CONTIGUOUS | VMDHL_NOBLOCK, va, n * PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), ERROR_NOBLOCK);
    }
    if (high) CHECK_EQ(DevHelp_VMLock(VMDHL_16M, va, n * PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), ERROR_LOCK_VIOLATION);
    for (uint32_t i = 0; i < n; i++) {
        CHECK_EQ(frame_of(va + i * PAGE_SIZE), before[i]);
        CHECK_EQ(uread(va + i * PAGE_SIZE + 8), 0xF1F00000u + i);
    }
    CHECK_NOTHING_MOVED(&counts);
    return PASS;
}

TEST(owner_fixed_vmdha, "mm/owner-fixed-never-moves-vmdha-fixed")
{
    struct spread s;
    CHECK(spread_begin(&s));
    LIN lin = 0;
    USHORT e = DevHelp_VMAlloc(VMDHA_FIXED, 3 * PAGE_SIZE, VMDHA_NOPHYSADDR, &lin, NULL);
    spread_end(&s);
    CHECK_EQ(e, NO_ERROR);
    const char *r = never_moves(lin, 3, true);
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    return r;
}

TEST(owner_fixed_pagefixed, "mm/owner-fixed-never-moves-pagefixed")
{
    struct spread s;
    CHECK(spread_begin(&s));
    ULONG h = _PageAllocate(3, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    spread_end(&s);
    CHECK(h);
    const char *r = never_moves(h, 3, true);
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    return r;
}

TEST(owner_fixed_pc_fixed, "mm/owner-fixed-never-moves-pc-fixed")
{
    ULONG h = _PageReserve(PR_SYSTEM, 3, 0);
    CHECK(h && h != VXD_ERR);
    struct spread s;
    CHECK(spread_begin(&s));
    ULONG ok = _PageCommit(PG(h), 3, PD_FIXED, 0, PC_FIXED | PC_WRITEABLE);
    spread_end(&s);
    const char *r = ok ? never_moves(h, 3, true) : "_PageCommit(PC_FIXED) failed";
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    return r;
}

TEST(owner_fixed_contig, "mm/owner-fixed-never-moves-commit-contig")
{
    ULONG h = _PageReserve(PR_SYSTEM, 2, 0);
    CHECK(h && h != VXD_ERR);
    ULONG ok = _PageCommitContig(PG(h), 2, PC_WRITEABLE, 0, 0, 0xFFFFFFFFu);
    const char *r = ok ? never_moves(h, 2, false) : "_PageCommitContig failed";
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    return r;
}

/* PAGEFIXED pages of a free physical region are never given back (A.6): this test keeps its
 * two frames (and the page table under them) for ever, so the harness's leak check is off for
 * it, and it takes them from the bottom of the free list (spread_begin_lowest). */
TEST_FLAGS(owner_fixed_freephys, "mm/owner-fixed-never-moves-freephys-pagefixed", TEST_NO_LEAKCHECK)
{
    ULONG reg = vt_freephys_region(2);
    CHECK(reg);
    struct spread s;
    CHECK(spread_begin_lowest(&s));
    ULONG ok = _MapFreePhysReg(PG(reg), 2, PAGEFIXED);
    spread_end(&s);
    CHECK_EQ(ok, 1);
    return never_moves(reg, 2, true);
}

/* Locked (not fixed) pages do not move either: a _LinPageLock'ed buffer under VMLock(CONTIGUOUS). */
TEST(owner_locked_never_moves, "mm/owner-locked-never-moves")
{
    struct spread s;
    CHECK(spread_begin(&s));
    ULONG h = _PageAllocate(3, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    CHECK(h);
    for (uint32_t i = 0; i < 3; i++) uwrite(h + i * PAGE_SIZE, i);     /* present now, scattered */
    spread_end(&s);
    CHECK_EQ(_LinPageLock(PG(h) + 1, 1, 0), 1);
    const char *r = never_moves(h, 3, true);
    CHECK_EQ(_LinPageUnLock(PG(h) + 1, 1, 0), 1);
    KernVMLock_t k;
    if (!r) {                                              /* unlocked: now it may move */
        CHECK_EQ(DevHelp_VMLock(VMDHL_CONTIGUOUS, h, 3 * PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&k, NULL), NO_ERROR);
        CHECK(!spread_apart(h, 3));
        for (uint32_t i = 0; i < 3; i++) CHECK_EQ(uread(h + i * PAGE_SIZE + 8), 0xF1F00000u + i);
        CHECK_EQ(DevHelp_VMUnLock((LIN)&k), NO_ERROR);
    }
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    return r;
}

/* ---- stale owners ------------------------------------------------------------------------ */

/* VMLock a buffer; PL_TOTALUNLOCK (refused: not its lock); VMFree (the handle keeps the frame);
 * a new buffer, VMLocked by someone else, cannot get that frame; the first handle's VMUnLock
 * releases its own frame only, and a second one is ERROR_NOT_LOCKED. */
TEST(owner_stale_vmunlock, "mm/owner-stale-vmunlock-cannot-take-reused-frame")
{
    KernVMLock_t ha, hb;
    LIN a = 0, b = 0;
    CHECK_EQ(DevHelp_VMAlloc(0, PAGE_SIZE, VMDHA_NOPHYSADDR, &a, NULL), NO_ERROR);
    *(volatile uint32_t *)a = 0xAAAA0001u;
    CHECK_EQ(DevHelp_VMLock(0, a, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&ha, NULL), NO_ERROR);
    pfn_t fa = frame_of(a);
    CHECK_EQ(_LinPageUnLock(PG(a), 1, PL_TOTALUNLOCK), 0);
    CHECK_EQ(mm_frame_locks(fa), 1);
    uint32_t free = mm_free_frames();
    CHECK_EQ(DevHelp_VMFree(a), NO_ERROR);
    CHECK_EQ(pfn_db[fa].state, PFN_USED);                  /* the handle keeps its frame */
    CHECK_EQ(mm_free_frames(), free);
    CHECK_EQ(DevHelp_VMAlloc(0, PAGE_SIZE, VMDHA_NOPHYSADDR, &b, NULL), NO_ERROR);
    *(volatile uint32_t *)b = 0xBBBB0002u;
    pfn_t fb = frame_of(b);
    CHECK(fb != fa);
    CHECK_EQ(DevHelp_VMLock(0, b, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&hb, NULL), NO_ERROR);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&ha), NO_ERROR);        /* its own frame, not b's */
    CHECK_EQ(pfn_db[fa].state, PFN_FREE);
    CHECK_EQ(mm_frame_locks(fb), 1);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&ha), ERROR_NOT_LOCKED);
    CHECK_EQ(mm_frame_locks(fb), 1);
    CHECK_EQ(DevHelp_VMFree(b), NO_ERROR);                 /* b's lock keeps b's frame */
    CHECK_EQ(pfn_db[fb].state, PFN_USED);
    uint32_t *k = hyper_map(fb);
    uint32_t v = k[0];
    hyper_unmap(k);
    CHECK_EQ(v, 0xBBBB0002u);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&hb), NO_ERROR);
    CHECK_EQ(pfn_db[fb].state, PFN_FREE);
    return PASS;
}

/* MmUnlockPages after the caller rewrote the PFN array: the MDL releases the frames it locked,
 * never the frame the array names now (someone else's lock). */
TEST(owner_mdl_edited, "mm/owner-mdl-unlock-ignores-edited-pfn-array")
{
    KernVMLock_t hy;
    ULONG x = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    ULONG y = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    CHECK(x && y);
    uwrite(x, 1);
    uwrite(y, 2);
    pfn_t fx = frame_of(x), fy = frame_of(y);
    CHECK_EQ(DevHelp_VMLock(0, y, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&hy, NULL), NO_ERROR);
    PMDL m = IoAllocateMdl((PVOID)x, PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(m);
    CHECK_EQ(MmProbeAndLockPagesEx(m, KernelMode, IoReadAccess), STATUS_SUCCESS);
    CHECK_EQ(mm_frame_locks(fx), 1);
    MmGetMdlPfnArray(m)[0] = fy;                           /* the caller edits the array */
    MmUnlockPages(m);
    IoFreeMdl(m);
    CHECK_EQ(mm_frame_locks(fx), 0);
    CHECK_EQ(mm_frame_locks(fy), 1);                       /* the VMLock's, untouched */
    CHECK_EQ(DevHelp_VMUnLock((LIN)&hy), NO_ERROR);
    CHECK_EQ(mm_frame_locks(fy), 0);
    CHECK_EQ(_PageFree((PVOID)x, 0), 1);
    CHECK_EQ(_PageFree((PVOID)y, 0), 1);
    return PASS;
}

/* ---- counts -------------------------------------------------------------------------------- */

TEST(owner_nested_65536, "mm/owner-65537-nested-linpagelocks")
{
    ULONG h = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    CHECK(h);
    uint32_t locked = mm_locked_frames();     /* the first lock faults the page in: only locks compare */
    for (uint32_t i = 0; i < 0x10001u; i++)
        CHECK_MSG(_LinPageLock(PG(h), 1, 0) == 1, "lock %u refused", i);
    CHECK_EQ(vt_locks(h), 0x10001u);
    CHECK_EQ(mm_linear_locks(h), 0x10001u);
    CHECK_EQ(mm_locked_frames(), locked + 1);
    for (uint32_t i = 0; i < 0x10000u; i++)
        CHECK_MSG(_LinPageUnLock(PG(h), 1, 0) == 1, "unlock %u refused", i);
    CHECK_EQ(vt_locks(h), 1);
    CHECK_EQ(_LinPageUnLock(PG(h), 1, 0), 1);
    CHECK_EQ(_LinPageUnLock(PG(h), 1, 0), 0);
    CHECK_EQ(mm_locked_frames(), locked);
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    return PASS;
}

/* 65,536 pages backed by the system null page (_CopyPageTable + _PageCommitPhys, the DDK's use):
 * the frame's share count passes 16 bits, and every page reads the null page's bytes. */
TEST(owner_nulpage_65536, "mm/owner-65536-mappings-of-the-null-page")
{
    ULONG nul = _GetNulPageHandle(), pte = 0;
    CHECK_EQ(_CopyPageTable(PG(nul), 1, &pte, 0), 1);
    pfn_t f = pte >> PAGE_SHIFT;
    uint32_t maps = pfn_db[f].map_count;
    struct mm_counts before;
    mm_counts_take(&before);
    const uint32_t n = 0x10000u;
    ULONG h = _PageReserve(PR_SYSTEM, n, 0);
    CHECK(h && h != VXD_ERR);
    ULONG ok = _PageCommitPhys(PG(h), n, f, PC_WRITEABLE);
    if (ok) {
        CHECK_EQ(pfn_db[f].map_count, maps + n);
        CHECK_EQ(frame_of(h + (n - 1) * PAGE_SIZE), f);
        CHECK_EQ(*(volatile uint32_t *)(h + 12345 * PAGE_SIZE), *(volatile uint32_t *)nul);
    }
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    CHECK_EQ(ok, 1);
    CHECK_EQ(pfn_db[f].map_count, maps);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* A frame whose lock count stands at the limit (set directly: reaching it takes 2^32 calls):
 * each API refuses one more lock with its documented error and nothing changes. */
TEST(owner_lock_limit, "mm/owner-lock-count-limit-refused")
{
    KernVMLock_t hv;
    ULONG h = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(h);
    pfn_t f = frame_of(h);
    uint32_t saved = pfn_db[f].lock_count;                 /* 1: the fixed pin */
    CHECK_EQ(saved, 1);
    pfn_db[f].lock_count = PFN_COUNT_MAX;
    struct mm_counts before;
    mm_counts_take(&before);
    ULONG lin = _LinPageLock(PG(h), 1, 0);
    ULONG glob = _LinPageLock(PG(h), 1, PAGEMAPGLOBAL);
    USHORT dh = DevHelp_VMLock(0, h, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&hv, NULL);
    PMDL m = IoAllocateMdl((PVOID)h, PAGE_SIZE, FALSE, FALSE, NULL);
    NTSTATUS st = m ? MmProbeAndLockPagesEx(m, KernelMode, IoReadAccess) : STATUS_UNSUCCESSFUL;
    mm_status core = mm_lock(h, 1, 0, NULL);
    uint32_t after = pfn_db[f].lock_count, lin_locks = mm_linear_locks(h);
    pfn_db[f].lock_count = saved;
    if (m) IoFreeMdl(m);
    CHECK_EQ(lin, 0);
    CHECK_EQ(glob, 0);
    CHECK_EQ(dh, ERROR_NOT_ENOUGH_MEMORY);
    CHECK_EQ(st, STATUS_INSUFFICIENT_RESOURCES);
    CHECK_EQ(core, MM_ELIMIT);
    CHECK_EQ(after, PFN_COUNT_MAX);
    CHECK_EQ(lin_locks, 0);
    CHECK_NOTHING_MOVED(&before);
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    return PASS;
}

/* ---- releases ------------------------------------------------------------------------------- */

/* One frame at two pages of one reservation, locked through one of them: _PageFree succeeds,
 * the lock dies with the pages, the frame goes back to the free list and mm_check finds no
 * orphan.  Locked through a record instead, the frame survives the free and goes with the
 * record. */
TEST(owner_two_pages, "mm/owner-free-one-locked-frame-at-two-pages")
{
    for (int rec = 0; rec < 2; rec++) {
        struct mm_counts before;
        mm_counts_take(&before);
        ULONG h = _PageReserve(PR_SYSTEM, 2, 0);
        CHECK(h && h != VXD_ERR);
        CHECK_EQ(_PageCommit(PG(h), 1, PD_ZEROINIT, 0, PC_WRITEABLE | PC_PRESENT), 1);
        pfn_t f = frame_of(h);
        CHECK_EQ(_PageCommitPhys(PG(h) + 1, 1, f, PC_WRITEABLE), 1);
        CHECK_EQ(pfn_db[f].map_count, 2);
        mm_lock_t r = NULL;
        if (rec) CHECK_EQ(mm_lock_record(h + PAGE_SIZE, 1, 0, NULL, &r), MM_OK);
        else CHECK_EQ(_LinPageLock(PG(h) + 1, 1, 0), 1);
        CHECK_EQ(_PageFree((PVOID)h, 0), 1);
        CHECK_MM_OK();
        CHECK_EQ(pfn_db[f].state, rec ? PFN_USED : PFN_FREE);
        if (rec) {
            CHECK_EQ(pfn_db[f].map_count, 0);
            CHECK_EQ(mm_unlock_record(r), MM_OK);
            CHECK_EQ(pfn_db[f].state, PFN_FREE);
        }
        CHECK_NOTHING_MOVED(&before);
    }
    return PASS;
}
