/*
 * tests/ntmm/refused.c - ntmm/...-refused-...: an NT service that refuses changes nothing, and a
 * retry after the reason is gone succeeds.  Each case builds the situation in which the service
 * used to give up half way - a window whose 4 MiB page went before its locked tail refused, a
 * mapping taken back after the core had made it the only mapping of a locked frame, a probe
 * that faulted pages in before it found the page it refuses, an MDL whose ByteCount runs past
 * its Size - and asserts the documented result, then that every count (free frames, system
 * PTEs, locked frames, regions, pool bytes), every page-table entry and mm_check are as before.
 * (Since locks keep frames rather than mappings, MmUnmapIoSpace of a window with a locked tail
 * is no longer refused at all: the large-window case shows the frame outliving the window.)
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "mm/mm.h"
#include "mm/core/pfn.h"
#include "mm/core/pte.h"
#include "mm/ntmm/ntmm.h"
#include "tests/suites/hostile/hostile.h"
#include "tests/ntmm/ntmm_test.h"

/* ---- MmMapIoSpace / MmUnmapIoSpace ------------------------------------------------------------- */

/*
 * A 4 MiB window with a RAM tail.  No configuration of the matrix has 4 MiB of I/O space just
 * below RAM, so the test makes the hole: a free 4 MiB-aligned run of 1025 frames, the first 1024
 * marked not-RAM for the duration (a firmware hole), the last one RAM in use (held).  Then:
 *   1. with the pool full (no room for the mapping's record) and the tail frame locked,
 *      MmMapIoSpace of hole + tail is NULL and nothing changes;
 *   2. mapped normally, an MDL locks the tail through the window; MmUnmapIoSpace is not refused
 *      (locks keep frames, not mappings): the 4 MiB PDE and the tail mapping go at once, and the
 *      tail frame stays allocated - held and locked - with its contents;
 *   3. MmUnlockPages then drops the MDL's lock, and only the hold is left.
 */
static const char *large_window(pfn_t s, pfn_t tail)
{
    const SIZE_T bytes = LARGE_PAGE_SIZE + PAGE_SIZE;
    PHYSICAL_ADDRESS pa = phys((uint64_t)s << PAGE_SHIFT);
    struct before b;
    mm_lock_t rec;

    CHECK_EQ(mm_lock_record_frames(&tail, 1, &rec), MM_OK);
    before_take(&b);
    void *pool = pool_fill();
    PVOID none = MmMapIoSpace(pa, bytes, MmCached);
    pool_drain(pool);
    const char *same = unchanged(&b, "MmMapIoSpace with no room for its record");
    mm_unlock_record(rec);
    CHECK(none == NULL);
    CHECK_EQ(pfn_db[tail].map_count, 0);
    CHECK_MSG(!same, "%s", same);

    uint8_t *w = MmMapIoSpace(pa, bytes, MmCached);
    CHECK(w);
    CHECK(pde_large(*MiGetPdeAddress(w)));
    CHECK_EQ(pfn_db[tail].map_count, 1);
    PMDL m = IoAllocateMdl(w + LARGE_PAGE_SIZE, 16, FALSE, FALSE, NULL);
    CHECK(m);
    CHECK_EQ(MmProbeAndLockPagesEx(m, KernelMode, IoReadAccess), STATUS_SUCCESS);
    *(volatile uint32_t *)(w + LARGE_PAGE_SIZE + 0x230) = 0x1A46E00Du;
    uint32_t ptes = syspte_free_count();
    MmUnmapIoSpace(w, bytes);                                /* not refused: the lock keeps the frame */
    bool gone = !(*MiGetPdeAddress(w) & PTE_P) && !MmIsAddressValid(w + LARGE_PAGE_SIZE);
    uint32_t state = pfn_db[tail].state, maps = pfn_db[tail].map_count, locks = mm_frame_locks(tail);
    uint32_t *k = hyper_map(tail);
    uint32_t v = k[0x230 / 4];
    hyper_unmap(k);
    MmUnlockPages(m);
    IoFreeMdl(m);
    CHECK_MSG(gone, "MmUnmapIoSpace left the window mapped");
    CHECK(syspte_free_count() >= ptes);
    CHECK_EQ(state, PFN_USED);
    CHECK_EQ(maps, 0);
    CHECK_EQ(locks, 1);
    CHECK_EQ(v, 0x1A46E00Du);
    CHECK_EQ(mm_frame_locks(tail), 0);
    CHECK_EQ(pfn_db[tail].state, PFN_USED);                  /* the hold is left */
    return PASS;
}

TEST(ntmm_io_unmap_refused, "ntmm/io-large-window-refused-changes-nothing")
{
    if (!x86.pse) SKIP("no PSE: MmMapIoSpace makes no 4 MiB windows");
    struct before start;
    before_take(&start);
    pfn_t s = pfn_alloc_run(PTES_PER_TABLE + 1, PTES_PER_TABLE, 0, pfn_max, 0, 0);
    if (s == PFN_NONE) SKIP("no free 4 MiB-aligned run of 1025 frames at this memory size");
    pfn_t tail = s + PTES_PER_TABLE;
    for (uint32_t i = 0; i < PTES_PER_TABLE; i++) pfn_db[s + i].state = PFN_NOTRAM;
    pfn_hold(tail);
    const char *e = large_window(s, tail);
    for (uint32_t i = 0; i < PTES_PER_TABLE; i++) {
        pfn_db[s + i].state = PFN_USED;
        pfn_free(s + i);
    }
    if (pfn_db[tail].hold_count) pfn_db[tail].hold_count--;
    pfn_free(tail);
    if (e) return e;
    UNCHANGED(&start, "the whole test");
    return PASS;
}

/* System-PTE mappings: with the pool full there is no room for the record (the frame is held
 * and locked by a record, as a DMA buffer would be). */
TEST(ntmm_io_map_no_record, "ntmm/io-map-refused-changes-nothing")
{
    pfn_t f = held_locked_frame();
    CHECK(f != PFN_NONE);
    struct before b;
    before_take(&b);
    void *pool = pool_fill();
    PVOID v = MmMapIoSpace(phys(((uint64_t)f << PAGE_SHIFT) + 0x10), 16, MmCached);
    PVOID io = MmMapIoSpace(phys(HF_IO_PA), 3 * PAGE_SIZE, MmNonCached);
    pool_drain(pool);
    uint16_t refs = pfn_db[f].map_count;
    const char *same = unchanged(&b, "MmMapIoSpace with no room for its record");
    held_locked_free(f);
    CHECK(v == NULL && io == NULL);
    CHECK_EQ(refs, 0);
    CHECK_MSG(!same, "%s", same);
    return PASS;
}

/* MmUnmapIoSpace of a locked frame's last mapping (a system-PTE mapping) is not refused: the
 * mapping goes, the MDL's lock keeps the frame - contents and all - and MmUnlockPages frees it.
 * A second MmUnmapIoSpace of the same address is bad input and changes nothing. */
TEST(ntmm_io_unmap_small_refused, "ntmm/io-unmap-locked-frame-outlives-mapping")
{
    struct before start;
    before_take(&start);
    struct region *r = sys_block(1, MM_PROT_WRITE);
    CHECK(r);
    pfn_t f = MmGetPhysicalAddress((PVOID)r->base).LowPart >> PAGE_SHIFT;
    uint32_t *v = MmMapIoSpace(phys((uint64_t)f << PAGE_SHIFT), PAGE_SIZE, MmCached);
    CHECK(v);
    CHECK_EQ(mm_release(r), MM_OK);                          /* the I/O view is the frame's only mapping now */
    PMDL m = IoAllocateMdl(v, PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(m);
    CHECK_EQ(MmProbeAndLockPagesEx(m, KernelMode, IoWriteAccess), STATUS_SUCCESS);
    v[5] = 0x0C0FFEE5u;
    MmUnmapIoSpace(v, PAGE_SIZE);
    bool gone = !MmIsAddressValid(v);
    uint32_t state = pfn_db[f].state;
    uint32_t *k = hyper_map(f);
    uint32_t kept = k[5];
    hyper_unmap(k);
    struct before b;
    before_take(&b);
    MmUnmapIoSpace(v, PAGE_SIZE);                            /* again: nothing there any more */
    const char *same = unchanged(&b, "a second MmUnmapIoSpace");
    MmUnlockPages(m);
    IoFreeMdl(m);
    CHECK(gone);
    CHECK_EQ(state, PFN_USED);
    CHECK_EQ(kept, 0x0C0FFEE5u);
    CHECK_MSG(!same, "%s", same);
    CHECK_EQ(pfn_db[f].state, PFN_FREE);
    UNCHANGED(&start, "the whole test");
    return PASS;
}

/* ---- MDL mappings --------------------------------------------------------------------------------- */

/* A hand-made MDL claiming PAGES_LOCKED: page 0 a held and locked frame, page 1 a free frame the
 * core refuses to map.  Kernel mode: NULL and nothing changes (it used to map page 0, fail on
 * page 1, fail to take page 0 back and leak both).  Then the same MDL with
 * only page 0 and the pool full: no room for the record, NULL, nothing changes. */
TEST(ntmm_mdl_map_refused, "ntmm/mdl-map-refused-changes-nothing")
{
    struct { MDL m; PFN_NUMBER pfn[2]; } fm;
    pfn_t f = held_locked_frame();
    struct region *r = sys_block(2, MM_PROT_WRITE);
    pfn_t freef = highest_free_frame();                  /* after the block: it may take any frame */
    CHECK(f != PFN_NONE && r && freef != PFN_NONE);
    MmInitializeMdl(&fm.m, (PVOID)r->base, 2 * PAGE_SIZE);
    fm.m.MdlFlags = MDL_PAGES_LOCKED;
    fm.pfn[0] = f;
    fm.pfn[1] = freef;
    struct before b;
    before_take(&b);
    PVOID v = MmMapLockedPagesSpecifyCache(&fm.m, KernelMode, MmCached, NULL, FALSE, NormalPagePriority);
    const char *same = unchanged(&b, "MmMapLockedPagesSpecifyCache of a free frame after a locked one");
    CSHORT flags = fm.m.MdlFlags;
    fm.m.ByteCount = PAGE_SIZE;
    void *pool = pool_fill();
    PVOID w = MmMapLockedPagesSpecifyCache(&fm.m, KernelMode, MmCached, NULL, FALSE, NormalPagePriority);
    pool_drain(pool);
    const char *same2 = unchanged(&b, "MmMapLockedPagesSpecifyCache with no room for its record");
    uint16_t refs = pfn_db[f].map_count;
    held_locked_free(f);
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK(v == NULL && w == NULL);
    CHECK_EQ(flags, MDL_PAGES_LOCKED);
    CHECK_EQ(fm.m.MdlFlags, MDL_PAGES_LOCKED);
    CHECK(fm.m.MappedSystemVa == NULL);
    CHECK_EQ(refs, 0);
    CHECK_MSG(!same, "%s", same);
    CHECK_MSG(!same2, "%s", same2);
    return PASS;
}

/* ---- MmProbeAndLockPages ---------------------------------------------------------------------- */

/* A refused probe faults nothing in: page 0 demand-zero and writable, page 1 read-only (kernel
 * mode, IoWriteAccess) or not committed at all, or no room in the pool for the lock's record.
 * It used to touch page 0 - a frame taken from the free list - before it found page 1 or the
 * pool empty. */
TEST(ntmm_mdl_probe_refused, "ntmm/mdl-probe-refused-faults-nothing-in")
{
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 3, 1, OWNER_TEST, NULL);
    CHECK(r);
    const char *fail = NULL;
    if (mm_commit(r->base, 1, MM_PROT_WRITE, 0, NULL, NULL) != MM_OK ||
        mm_commit(r->base + PAGE_SIZE, 1, 0, MM_COMMIT_PRESENT, NULL, NULL) != MM_OK)
        fail = "could not make the pages";
    static const struct { uint32_t off, len; LOCK_OPERATION op; const char *what; } cases[] = {
        { 0x800, PAGE_SIZE, IoWriteAccess, "demand-zero page, then a read-only one (write)" },
        { 0x800, PAGE_SIZE, IoModifyAccess, "demand-zero page, then a read-only one (modify)" },
        { PAGE_SIZE + 0x800, PAGE_SIZE, IoReadAccess, "read-only page, then an uncommitted one" },
        { 0x10, 3 * PAGE_SIZE - 0x20, IoReadAccess, "demand-zero, read-only, uncommitted" },
    };
    for (unsigned i = 0; !fail && i < ARRAY_SIZE(cases); i++) {
        struct { MDL m; PFN_NUMBER pfn[4]; } mb;
        MmInitializeMdl(&mb.m, (PVOID)(r->base + cases[i].off), cases[i].len);
        struct before b;
        before_take(&b);
        NTSTATUS st = probe_and_lock(&mb.m, KernelMode, cases[i].op);
        struct mm_page_info pi;
        mm_page_info(r->base, &pi);
        const char *same = unchanged(&b, cases[i].what);
        if (st != STATUS_ACCESS_VIOLATION) fail = cases[i].what;
        else if (same) fail = same;
        else if (pi.present) fail = "page 0 was faulted in";
        else if (mb.m.MdlFlags || mb.m.Process || mb.pfn[0] != LIST_HEAD_PFN) fail = "the MDL is not as a failed probe leaves it";
        if (fail) kprintf("ntmm: probe case %u (%s): status %x\n", i, cases[i].what, st);
    }
    /* No room in the pool to record the lock: STATUS_INSUFFICIENT_RESOURCES, found before the
     * demand-zero page is touched. */
    if (!fail) {
        struct { MDL m; PFN_NUMBER pfn[1]; } mb;
        MmInitializeMdl(&mb.m, (PVOID)(r->base + 0x20), 0x40);
        struct before b;
        before_take(&b);
        void *pool = pool_fill();
        NTSTATUS st = MmProbeAndLockPagesEx(&mb.m, KernelMode, IoReadAccess);
        if (st == STATUS_SUCCESS) MmUnlockPages(&mb.m);
        pool_drain(pool);
        struct mm_page_info pi;
        mm_page_info(r->base, &pi);
        fail = unchanged(&b, "a probe with no room for its lock record");
        if (st != STATUS_INSUFFICIENT_RESOURCES) fail = "a probe with the pool full did not fail for it";
        else if (pi.present) fail = "a probe with the pool full faulted page 0 in";
    }
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK_MSG(!fail, "%s", fail);
    return PASS;
}

/* ---- MDL PFN arrays stay inside Size -------------------------------------------------------------- */

#define CANARY 0xC0FFEE11u

/* MmBuildMdlForNonPagedPool of an MDL whose ByteCount needs more PFN entries than its Size has
 * room for (MDL reused with a larger ByteCount, or a Size written by hand): nothing is written
 * past Size - in the pool that is the next block's header - and nothing changes. */
TEST(ntmm_mdl_build_size_bound, "ntmm/mdl-build-nonpaged-stays-inside-size")
{
    struct region *r = sys_block(6, MM_PROT_WRITE);
    CHECK(r);
    CHECK_EQ(mm_decommit(r->base + 5 * PAGE_SIZE, 1), MM_OK);   /* pages 0-4 resident, 5 not */
    struct { MDL m; PFN_NUMBER pfn[2]; uint32_t canary[6]; } mb;
    const char *fail = NULL;
    for (int present = 1; present >= 0 && !fail; present--) {
        /* present: five resident pages; !present: the last page is not mapped (LIST_HEAD path). */
        vaddr_t va = present ? r->base : r->base + 2 * PAGE_SIZE;
        MmInitializeMdl(&mb.m, (PVOID)va, 2 * PAGE_SIZE);   /* Size: room for 2 entries */
        mb.m.ByteCount = present ? 5 * PAGE_SIZE : 4 * PAGE_SIZE;
        mb.pfn[0] = mb.pfn[1] = 0x5A5A5A5Au;
        for (unsigned i = 0; i < ARRAY_SIZE(mb.canary); i++) mb.canary[i] = CANARY;
        MDL before = mb.m;
        MmBuildMdlForNonPagedPool(&mb.m);
        for (unsigned i = 0; i < ARRAY_SIZE(mb.canary) && !fail; i++)
            if (mb.canary[i] != CANARY) fail = "wrote past the MDL's Size";
        if (!fail && (memcmp(&before, &mb.m, sizeof before) || mb.pfn[0] != 0x5A5A5A5Au || mb.pfn[1] != 0x5A5A5A5Au))
            fail = "changed an MDL it refused";
    }
    /* The same in the pool: an IoAllocateMdl MDL of one page grown to 40 pages must not reach the
     * next pool block (kfree of it checks its header). */
    PMDL m = fail ? NULL : IoAllocateMdl((PVOID)r->base, PAGE_SIZE, FALSE, FALSE, NULL);
    void *next = kmalloc(16);
    if (m && next) {
        m->ByteCount = 40 * PAGE_SIZE;
        MmBuildMdlForNonPagedPool(m);
        if (m->MdlFlags != MDL_ALLOCATED_FIXED_SIZE || m->MappedSystemVa) fail = "built an MDL whose Size is too small";
    }
    if (next) kfree(next);
    if (m) IoFreeMdl(m);
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK_MSG(!fail, "%s", fail);
    CHECK(m && next);
    return PASS;
}

/* The readers of the PFN array stop at Size too: an MDL locked with one page and then given a
 * larger ByteCount is neither mapped nor unlocked.  The entries past its Size are whatever
 * follows the MDL - here the frame of a live buffer that another MDL has locked: kernel mode
 * would have mapped it, and MmUnlockPages would have taken the other MDL's lock. */
TEST(ntmm_mdl_map_size_bound, "ntmm/mdl-map-and-unlock-stay-inside-size")
{
    struct region *r = sys_block(2, MM_PROT_WRITE);
    CHECK(r);
    pfn_t other = MmGetPhysicalAddress((PVOID)(r->base + PAGE_SIZE)).LowPart >> PAGE_SHIFT;
    PMDL o = IoAllocateMdl((PVOID)(r->base + PAGE_SIZE), PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(o);
    CHECK_EQ(MmProbeAndLockPagesEx(o, KernelMode, IoReadAccess), STATUS_SUCCESS);
    struct { MDL m; PFN_NUMBER pfn[1]; uint32_t after[3]; } mb;
    MmInitializeMdl(&mb.m, (PVOID)r->base, PAGE_SIZE);
    for (unsigned i = 0; i < ARRAY_SIZE(mb.after); i++) mb.after[i] = other;
    CHECK_EQ(MmProbeAndLockPagesEx(&mb.m, KernelMode, IoReadAccess), STATUS_SUCCESS);
    mb.m.ByteCount = 4 * PAGE_SIZE;
    struct before b;
    before_take(&b);
    PVOID k = MmMapLockedPagesSpecifyCache(&mb.m, KernelMode, MmCached, NULL, FALSE, NormalPagePriority);
    PVOID s = MmGetSystemAddressForMdlSafe(&mb.m, NormalPagePriority);
    CSHORT flags = mb.m.MdlFlags;
    MmUnlockPages(&mb.m);
    const char *same = unchanged(&b, "mapping or unlocking an MDL whose ByteCount outgrew its Size");
    CSHORT flags2 = mb.m.MdlFlags;
    uint16_t other_locks = mm_frame_locks(other);
    mb.m.ByteCount = PAGE_SIZE;
    MmUnlockPages(&mb.m);
    CSHORT flags3 = mb.m.MdlFlags;
    MmUnlockPages(o);
    IoFreeMdl(o);
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK(k == NULL && s == NULL);
    CHECK_EQ(flags, MDL_PAGES_LOCKED);
    CHECK_EQ(flags2, MDL_PAGES_LOCKED);
    CHECK_EQ(other_locks, 1);
    CHECK_MSG(!same, "%s", same);
    CHECK_EQ(flags3, 0);
    return PASS;
}
