/*
 * tests/paging/ioerr.c - the pager when the swap disk fails: a read back that fails terminates
 * a ring-3 access with its report, is STATUS_IN_PAGE_ERROR to a kernel probe and the lock
 * services' out-of-memory answer (VMLock 8, _LinPageLock 0), the page staying committed and in
 * swap; a write that fails leaves the page in memory, dirty, its
 * contents intact, and its slot marked bad and out of the commit limit.
 *
 * The errors come from outside: the matrix configurations qemu-swap-read-errors and
 * qemu-swap-write-errors put the swap disk behind QEMU's blkdebug driver, failing every read,
 * or every write, of a slot (tools/testdisk.py).  Which slot the kernel picks does not matter.
 * On a disk that does not fail, the test sees no error and SKIPs; tools/testdisk.py requires
 * the test to pass on the disk made to fail.
 */
#include "tests/paging/paging_test.h"
#include "tests/harness/user.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/core/pfn.h"
#include "mm/core/pte_sw.h"
#include "mm/vxd/vxd.h"
#include "mm/devhlp/devhlp.h"
#include "mm/ntmm/ntmm.h"
#include "tests/suites/hostile/hostile.h"   /* ballast_take */

static void fill(vaddr_t va, uint32_t n, uint32_t tag)
{
    for (uint32_t i = 0; i < n; i++) {
        x86_user_access_begin();
        pattern_fill((void *)(va + i * PAGE_SIZE), PAGE_SIZE, tag + i);
        x86_user_access_end();
    }
}

/* Turns the pager on for the test; off again at the end only if it was off. */
static const char *pager_begin(void)
{
    pager_was_on = mm_pager_on();
    if (!pager_was_on && mm_pager_enable() != MM_OK) return "mm_pager_enable refused with a swap disk";
    return PASS;
}
static const char *pager_end(const char *e)
{
    if (!pager_was_on && mm_pager_disable() != MM_OK && !e) return "mm_pager_disable refused after everything was freed";
    return e;
}

/* Pages written out, then read back with every read failing.  Ring 3 reading one: the run is
 * terminated with a page fault at that address; MmProbeAndLockPages of it inside NT_TRY raises
 * STATUS_IN_PAGE_ERROR and locks nothing.  Either way the page stays committed and in swap,
 * the failed reads are counted, and freeing the block gives its slots back. */
TEST(paging_io_error_page_in, "paging/io-error-page-in")
{
    NEED_SWAP();
    TRY(pager_begin());
    struct mm_counts start;
    mm_counts_take(&start);
    ballast_take(256);
    uint32_t n = 512;
    ULONG r = _PageReserve(PR_PRIVATE, n, 0);
    const char *e = r == 0xFFFFFFFFu ? "_PageReserve refused" : PASS;
    if (!e && _PageCommit(r >> PAGE_SHIFT, n, PD_ZEROINIT, 0, PC_USER | PC_WRITEABLE) != 1) e = "_PageCommit refused";
    /* Filled page by page until the pager has written one out; a failed write stops it too
     * (then nothing can go out and the rest would find no frame: a disk that fails writes). */
    struct mm_pager_stats p0, p1, p2;
    mm_pager_get_stats(&p0);
    bool skip = false;
    for (uint32_t i = 0; !e && i < n; i++) {
        fill(r + i * PAGE_SIZE, 1, 0x5000000u + i);
        mm_pager_get_stats(&p1);
        if (p1.page_outs > p0.page_outs) break;
        if (p1.write_errors > p0.write_errors) skip = true;
        if (skip) break;
    }
    vaddr_t va = 0;
    for (uint32_t i = 0; !e && !skip && !va && i < n; i++)
        if (pte_is_swapped(pte_read(r + i * PAGE_SIZE))) va = r + i * PAGE_SIZE;
    if (!e && !skip && !va) e = "no page went to swap under 256 frames";
    mm_pager_get_stats(&p0);
    struct user_result ur = { 0 };
    if (!e && !skip && user_call(u_read, va, 0, &ur) != 0) e = "user_call could not prepare ring 3";
    mm_pager_get_stats(&p1);
    if (!e && !ur.faulted) skip = true;              /* read back fine: this disk does not fail */
    if (!e && !skip && (ur.vector != 14 || ur.cr2 != va))
        e = test_fail(__FILE__, __LINE__, "ring 3 ended with vector %u at %08x, not a page fault at %08x", ur.vector,
                      ur.cr2, va);
    if (!e && !skip && !(mm_page_in_swap(va) && p1.read_errors > p0.read_errors && p1.page_ins == p0.page_ins))
        e = test_fail(__FILE__, __LINE__, "after the failed read: in swap %u, read errors %u -> %u, page-ins %u -> %u",
                      mm_page_in_swap(va), p0.read_errors, p1.read_errors, p0.page_ins, p1.page_ins);
    PMDL mdl = e || skip ? NULL : IoAllocateMdl((PVOID)va, PAGE_SIZE, FALSE, FALSE, NULL);
    if (!e && !skip && !mdl) e = "IoAllocateMdl";
    if (mdl) {
        NT_TRY_FRAME t;
        volatile NTSTATUS st = STATUS_SUCCESS;
        if (NT_TRY(&t)) {
            MmProbeAndLockPages(mdl, KernelMode, IoReadAccess);
            NT_TRY_END(&t);
            MmUnlockPages(mdl);
        } else {
            st = NtExceptionStatus(&t);
        }
        mm_pager_get_stats(&p2);
        if (st != STATUS_IN_PAGE_ERROR)
            e = test_fail(__FILE__, __LINE__, "MmProbeAndLockPages of a page whose read fails: status %08x, not %08x",
                          (uint32_t)st, (uint32_t)STATUS_IN_PAGE_ERROR);
        else if ((mdl->MdlFlags & MDL_PAGES_LOCKED) || !mm_page_in_swap(va) || p2.read_errors <= p1.read_errors)
            e = test_fail(__FILE__, __LINE__, "after the raise: MDL flags %x, in swap %u, read errors %u -> %u",
                          mdl->MdlFlags, mm_page_in_swap(va), p1.read_errors, p2.read_errors);
        IoFreeMdl(mdl);
    }
    /* The lock services read back too: the failed read is their out-of-memory answer
     * (VMLock 8, _LinPageLock 0), nothing locked, the page still in swap. */
    if (!e && !skip) {
        KernVMLock_t h;
        uint32_t locked0 = mm_locked_frames();
        USHORT vr = DevHelp_VMLock(0, va, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL);
        ULONG lr = _LinPageLock(va >> PAGE_SHIFT, 1, 0);
        if (vr != ERROR_NOT_ENOUGH_MEMORY || lr != 0 || !mm_page_in_swap(va) || mm_locked_frames() != locked0)
            e = test_fail(__FILE__, __LINE__, "locks of a page whose read fails: VMLock %u, _LinPageLock %u, in swap %u, "
                          "locked frames %u -> %u", vr, lr, mm_page_in_swap(va), locked0, mm_locked_frames());
    }
    if (r != 0xFFFFFFFFu && _PageFree((PVOID)r, 0) != 1 && !e) e = "_PageFree refused";
    ballast_release();
    struct mm_pager_stats p3;
    mm_pager_get_stats(&p3);
    e = pager_end(e);
    if (e) return e;
    if (skip) SKIP("no page written out and failed on read back: no read errors to observe (qemu-swap-read-errors injects them)");
    CHECK_MSG(p3.swapped == 0, "%u entries still swapped out after the block was freed", p3.swapped);
    CHECK_MM_OK();
    CHECK_NOTHING_MOVED(&start);
    return PASS;
}

/* Pages filled under pressure with every write failing: none leaves memory - each stays
 * present and dirty with its contents - every failed write marked its slot bad (and the slot
 * is no longer in use), and no entry is swapped out. */
TEST(paging_io_error_page_out, "paging/io-error-page-out")
{
    NEED_SWAP();
    TRY(pager_begin());
    struct mm_counts start;
    mm_counts_take(&start);
    struct mm_pager_stats p0, p1;
    struct swapdev_stats s0, s1;
    ballast_take(256);
    /* Every page has a frame even if none leaves, and the last few fill below the pager's low
     * watermark (32 free), where each fault first tries to write pages out. */
    uint32_t n = pfn_count.free - 16;
    ULONG blk = _PageReserve(PR_PRIVATE, n, 0);      /* demand-zero: the fill faults them in */
    const char *e = blk == 0xFFFFFFFFu ? "_PageReserve refused" : PASS;
    if (!e && _PageCommit(blk >> PAGE_SHIFT, n, PD_ZEROINIT, 0, PC_USER | PC_WRITEABLE) != 1) e = "_PageCommit refused";
    mm_pager_get_stats(&p0);
    swapdev_get_stats(&s0);
    uint32_t limit0 = mm_commit_limit();
    if (!e) fill(blk, n, 0x6000000u);
    uint32_t limit1 = mm_commit_limit();
    mm_pager_get_stats(&p1);
    swapdev_get_stats(&s1);
    bool skip = !e && p1.write_errors == p0.write_errors;
    uint32_t not_dirty = 0, lost = 0;
    for (uint32_t i = 0; !e && !skip && i < n; i++) {
        pte_t x = pte_read(blk + i * PAGE_SIZE);
        not_dirty += (x & (PTE_P | PTE_D)) != (PTE_P | PTE_D);
        x86_user_access_begin();
        lost += pattern_mismatch((const void *)(blk + i * PAGE_SIZE), PAGE_SIZE, 0x6000000u + i) >= 0;
        x86_user_access_end();
    }
    if (!e && !skip && (not_dirty || lost))
        e = test_fail(__FILE__, __LINE__, "after failed writes: %u of %u pages not present and dirty, %u lost", not_dirty,
                      n, lost);
    if (!e && !skip && (p1.page_outs != p0.page_outs || p1.swapped != p0.swapped))
        e = test_fail(__FILE__, __LINE__, "every write failed, yet page-outs %u -> %u, swapped %u -> %u", p0.page_outs,
                      p1.page_outs, p0.swapped, p1.swapped);
    if (!e && !skip &&
        (p1.slots_bad - p0.slots_bad != p1.write_errors - p0.write_errors ||
         s1.write_errors - s0.write_errors != p1.write_errors - p0.write_errors || p1.slots_used != p0.slots_used))
        e = test_fail(__FILE__, __LINE__, "%u failed writes (disk %u), %u slots marked bad, slots in use %u -> %u",
                      p1.write_errors - p0.write_errors, s1.write_errors - s0.write_errors,
                      p1.slots_bad - p0.slots_bad, p0.slots_used, p1.slots_used);
    if (!e && !skip && limit1 != limit0 - (p1.slots_bad - p0.slots_bad))   /* the fill only moved frames */
        e = test_fail(__FILE__, __LINE__, "commit limit %u -> %u with %u slots marked bad: a bad slot still backs commit",
                      limit0, limit1, p1.slots_bad - p0.slots_bad);
    if (blk != 0xFFFFFFFFu && _PageFree((PVOID)blk, 0) != 1 && !e) e = "_PageFree refused";
    ballast_release();
    e = pager_end(e);
    if (e) return e;
    if (skip) SKIP("the swap disk took every write: no write errors to observe (qemu-swap-write-errors injects them)");
    CHECK_MM_OK();
    CHECK_NOTHING_MOVED(&start);
    return PASS;
}
