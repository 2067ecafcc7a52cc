/*
 * ntmm_refused_tests.c - ntmm/...-refused-...: an NT service that refuses changes nothing, and a
 * retry after the reason is gone succeeds.  Each case builds the situation in which the service
 * used to give up half way - a window whose 4 MiB page went before its locked tail refused, a
 * mapping taken back after the core had made it the only mapping of a locked frame - and
 * asserts the documented result, then that every count (free frames, system PTEs, locked
 * frames, regions, pool bytes), every page-table entry and mm_check are as before.
 */
#include "kernel/test.h"
#include "kernel/trap.h"
#include "mm/mm.h"
#include "mm/pfn.h"
#include "mm/pte.h"
#include "mm/ntmm.h"
#include "tests/hostile.h"
#include "tests/ntmm_test.h"

/* ---- MmMapIoSpace / MmUnmapIoSpace ------------------------------------------------------------- */

/*
 * A 4 MiB window with a RAM tail.  No configuration of the matrix has 4 MiB of I/O space just
 * below RAM, so the test makes the hole: a free 4 MiB-aligned run of 1025 frames, the first 1024
 * marked not-RAM for the duration (a firmware hole), the last one RAM in use (held).  Then:
 *   1. with the pool full (no room for the mapping's record) and the tail frame locked,
 *      MmMapIoSpace of hole + tail is NULL and nothing changes;
 *   2. mapped normally, an MDL locks the tail through the window; MmUnmapIoSpace is refused
 *      (the tail mapping is the frame's last) and changes nothing - the 4 MiB PDE included;
 *   3. after MmUnlockPages the same MmUnmapIoSpace succeeds and everything is gone.
 */
static const char *large_window(pfn_t s, pfn_t tail)
{
    const SIZE_T bytes = LARGE_PAGE_SIZE + PAGE_SIZE;
    PHYSICAL_ADDRESS pa = phys((uint64_t)s << PAGE_SHIFT);
    struct before b;

    mm_lock_frames(&tail, 1);
    before_take(&b);
    void *pool = pool_fill();
    PVOID none = MmMapIoSpace(pa, bytes, MmCached);
    pool_drain(pool);
    const char *same = unchanged(&b, "MmMapIoSpace with no room for its record");
    mm_unlock_frames(&tail, 1);
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
    *(volatile uint32_t *)(w + 0x1230) = 0x1A46E00Du;
    pte_t pde = *MiGetPdeAddress(w), pte = *MiGetPteAddress(w + LARGE_PAGE_SIZE) & ~(PTE_A | PTE_D);
    before_take(&b);
    MmUnmapIoSpace(w, bytes);                                /* refused: the tail is locked */
    bool pde_kept = (*MiGetPdeAddress(w) & ~(PTE_A | PTE_D)) == (pde & ~(PTE_A | PTE_D));
    bool pte_kept = (*MiGetPteAddress(w + LARGE_PAGE_SIZE) & ~(PTE_A | PTE_D)) == pte;
    uint32_t v = 0, t = 0;
    bool readable = probe_read((vaddr_t)w + 0x1230, &v) && probe_read((vaddr_t)w + LARGE_PAGE_SIZE, &t);
    same = unchanged(&b, "MmUnmapIoSpace of a window with a locked tail");
    MmUnlockPages(m);
    IoFreeMdl(m);
    MmUnmapIoSpace(w, bytes);                                /* the retry */
    bool gone = !(*MiGetPdeAddress(w) & PTE_P) && !probe_read((vaddr_t)w + 0x1230, &t) &&
                !MmIsAddressValid(w + LARGE_PAGE_SIZE);
    CHECK_MSG(pde_kept, "the refused MmUnmapIoSpace removed the 4 MiB PDE");
    CHECK_MSG(pte_kept, "the refused MmUnmapIoSpace changed the tail's PTE");
    CHECK(readable);
    CHECK_EQ(v, 0x1A46E00Du);
    CHECK_MSG(!same, "%s", same);
    CHECK_MSG(gone, "MmUnmapIoSpace after MmUnlockPages left the window mapped");
    CHECK_EQ(pfn_db[tail].map_count, 0);
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

/* System-PTE mappings: with the pool full there is no room for the record, and the frame is one
 * whose mapping could not be taken back (held and locked). */
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

/* MmUnmapIoSpace refused on a system-PTE mapping (the frame is locked and this is its last
 * mapping), then retried after the unlock. */
TEST(ntmm_io_unmap_small_refused, "ntmm/io-unmap-refused-then-retried")
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
    struct before b;
    before_take(&b);
    MmUnmapIoSpace(v, PAGE_SIZE);
    const char *same = unchanged(&b, "MmUnmapIoSpace of a locked frame's last mapping");
    bool valid = MmIsAddressValid(v);
    MmUnlockPages(m);
    IoFreeMdl(m);
    MmUnmapIoSpace(v, PAGE_SIZE);
    CHECK_MSG(!same, "%s", same);
    CHECK(valid);
    CHECK(!MmIsAddressValid(v));
    CHECK_EQ(pfn_db[f].state, PFN_FREE);
    UNCHANGED(&start, "the whole test");
    return PASS;
}
