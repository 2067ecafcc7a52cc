/*
 * tests/paging/pager.c - the pager (mm/core/pager.c) with a real swap disk: more committed than
 * there is RAM, through every API and across address spaces, comes back intact; locked pages
 * never move nor leave; the CPU's A and D bits are what the clock and page-out go by; a clean
 * page is dropped, not rewritten.  Each test turns the pager on and, having given everything
 * back, off again (mm_pager_disable refuses while a page is in swap: that is checked too), so
 * the rest of the suite runs with memory as it was.  SKIP without a swap disk.
 */
#include "tests/paging/paging_test.h"
#include "mm/mm.h"
#include "mm/core/pfn.h"
#include "mm/core/pte.h"
#include "mm/core/core.h"             /* pager_page_out */
#include "mm/vxd/vxd.h"
#include "mm/devhlp/devhlp.h"
#include "mm/ntmm/ntmm.h"
#include "tests/suites/hostile/hostile.h"   /* ballast_take */


/* ---- overcommit ------------------------------------------------------------------------------- */

struct block { vaddr_t va; uint32_t n, tag; };

/* One block through each API in the current address space: _PageReserve + _PageCommit
 * (PD_ZEROINIT, PC_USER), VMAlloc(VMDHA_PROCESS), ZwAllocateVirtualMemory(MEM_COMMIT). */
static const char *commit_three(struct block *b, uint32_t n, uint32_t tag)
{
    ULONG r = _PageReserve(PR_PRIVATE, n, 0);
    CHECK(r != 0xFFFFFFFFu);
    CHECK_EQ(_PageCommit(r >> PAGE_SHIFT, n, PD_ZEROINIT, 0, PC_USER | PC_WRITEABLE), 1);
    b[0] = (struct block){ r, n, tag };
    LIN l = 0;
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PROCESS, n * PAGE_SIZE, VMDHA_NOPHYSADDR, &l, NULL), NO_ERROR);
    b[1] = (struct block){ l, n, tag + 0x100000u };
    PVOID base = NULL;
    SIZE_T size = n * PAGE_SIZE;
    CHECK_EQ(ZwAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE),
             STATUS_SUCCESS);
    b[2] = (struct block){ (vaddr_t)base, n, tag + 0x200000u };
    return PASS;
}

TEST(paging_overcommit, "paging/overcommit-three-spaces-three-apis")
{
    PAGER_ON();
    struct mm_counts start;
    mm_counts_take(&start);
    struct swapdev_stats s0, s1;
    struct mm_pager_stats p0, p1;
    swapdev_get_stats(&s0);
    mm_pager_get_stats(&p0);
    uint32_t total = more_than_ram(), n = total / 9;
    CHECK_MSG(9 * n > mm_total_frames(), "%u pages is not more than RAM (%u frames)", 9 * n, mm_total_frames());
    struct as *prev = as_current(), *as[3] = { 0 };
    struct block b[9];
    const char *e = PASS;
    for (uint32_t k = 0; !e && k < 3; k++) {
        as[k] = as_create();
        if (!as[k]) { e = "as_create failed"; break; }
        as_switch(as[k]);
        e = commit_three(&b[3 * k], n, (k + 1) << 24);
        for (uint32_t j = 0; !e && j < 3; j++) fill_pages(b[3 * k + j].va, n, b[3 * k + j].tag);
        as_switch(prev);
    }
    swapdev_get_stats(&s1);
    uint32_t writes = s1.writes - s0.writes;
    for (uint32_t k = 0; !e && k < 3; k++) {
        as_switch(as[k]);
        for (uint32_t j = 0; !e && j < 3; j++) {
            int bad = check_pages(b[3 * k + j].va, n, b[3 * k + j].tag);
            if (bad >= 0)
                e = test_fail(__FILE__, __LINE__, "space %u block %u page %d: contents lost", k, j, bad);
        }
        as_switch(prev);
    }
    char why[160];
    if (!e && !mm_check(why, sizeof why)) e = test_fail(__FILE__, __LINE__, "mm_check: %s", why);
    mm_pager_get_stats(&p1);
    swapdev_get_stats(&s1);
    if (!e && mm_pager_disable() != MM_EBUSY) e = "mm_pager_disable accepted with pages in swap";
    for (uint32_t k = 0; k < 3; k++)
        if (as[k]) as_destroy(as[k]);
    if (e) {
        (void)pager_restore();
        return e;
    }
    kprintf("paging: %u pages in 3 address spaces, %u frames of RAM: %u page-outs, %u clean drops, %u page-ins "
            "(%u by faults), %u clock visits\n", 9 * n, mm_total_frames(), p1.page_outs - p0.page_outs,
            p1.clean_drops - p0.clean_drops, p1.page_ins - p0.page_ins, p1.fault_ins - p0.fault_ins,
            p1.scanned - p0.scanned);
    CHECK_MSG(writes > 0 && p1.page_outs > p0.page_outs, "%u pages through RAM of %u frames, no page written", 9 * n,
              mm_total_frames());
    CHECK(s1.reads > s0.reads && p1.page_ins > p0.page_ins && p1.fault_ins > p0.fault_ins);
    CHECK_EQ(s1.read_errors, s0.read_errors);
    CHECK_EQ(s1.write_errors, s0.write_errors);
    mm_pager_get_stats(&p1);
    CHECK_EQ(p1.swapped, 0);                                 /* the address spaces took their slots along */
    CHECK_EQ(p1.slots_used, 0);
    CHECK_EQ(pager_restore(), MM_OK);
    CHECK_MM_OK();
    CHECK_NOTHING_MOVED(&start);
    return PASS;
}

/* ---- locks under pressure ---------------------------------------------------------------------- */

#define LB 48u              /* pages of the block: 3 x 8 locked, 24 not */

TEST(paging_locks_hold, "paging/locked-pages-stay-under-pressure")
{
    PAGER_ON();
    struct mm_counts start;
    mm_counts_take(&start);
    LIN blk = 0;
    CHECK_EQ(DevHelp_VMAlloc(0, LB * PAGE_SIZE, VMDHA_NOPHYSADDR, &blk, NULL), NO_ERROR);
    fill_pages(blk, LB, 0x10C0000u);
    /* Pages 0-7 _LinPageLock, 8-15 VMLock, 16-23 MmProbeAndLockPages; 24-47 unlocked. */
    CHECK_EQ(_LinPageLock(blk >> PAGE_SHIFT, 8, 0), 1);
    KernVMLock_t h;
    ULONG cnt = 0;
    CHECK_EQ(DevHelp_VMLock(VMDHL_LONG | VMDHL_WRITE, blk + 8 * PAGE_SIZE, 8 * PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, &cnt),
             NO_ERROR);
    PMDL mdl = IoAllocateMdl((PVOID)(blk + 16 * PAGE_SIZE), 8 * PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(mdl);
    MmProbeAndLockPages(mdl, KernelMode, IoWriteAccess);
    pte_t before[LB];
    for (uint32_t i = 0; i < LB; i++) before[i] = pte_read(blk + i * PAGE_SIZE);
    struct swapdev_stats s0, s1;
    struct mm_pager_stats p0, p1;
    swapdev_get_stats(&s0);
    mm_pager_get_stats(&p0);

    /* Pressure: a pageable block of more than RAM, written through twice. */
    uint32_t n = more_than_ram();
    LIN big = 0;
    const char *e = DevHelp_VMAlloc(0, n * PAGE_SIZE, VMDHA_NOPHYSADDR, &big, NULL) == NO_ERROR ? PASS : "VMAlloc of the pressure block";
    for (uint32_t round = 0; !e && round < 2; round++) fill_pages(big, n, 0x2000000u + round * 0x100000u);
    swapdev_get_stats(&s1);
    mm_pager_get_stats(&p1);
    uint32_t moved = 0;
    for (uint32_t i = 0; !e && i < LB; i++) {
        pte_t now = pte_read(blk + i * PAGE_SIZE);
        if (i < 24 && (now & ~PTE_A) != (before[i] & ~PTE_A))
            e = test_fail(__FILE__, __LINE__, "locked page %u: PTE %08x became %08x", i, before[i], now);
        if (i >= 24) moved += now != before[i] && (!(now & PTE_P) || pte_pfn(now) != pte_pfn(before[i]));
    }
    int bad = e ? -1 : check_pages(blk, LB, 0x10C0000u);
    if (!e && bad >= 0) e = test_fail(__FILE__, __LINE__, "page %d of the locked block lost its contents", bad);
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
    DevHelp_VMUnLock((LIN)&h);
    _LinPageUnLock(blk >> PAGE_SHIFT, 8, 0);
    if (big) DevHelp_VMFree(big);
    DevHelp_VMFree(blk);
    if (!e && pager_restore() != MM_OK) e = "mm_pager_disable refused after everything was freed";
    if (e) {
        (void)pager_restore();
        return e;
    }
    /* Every write to swap was a page-out (the pager's count), and none of them was a locked
     * page: each of those kept its frame and its present entry throughout. */
    CHECK_EQ(s1.writes - s0.writes, p1.page_outs - p0.page_outs);
    CHECK(p1.page_outs > p0.page_outs);
    CHECK_MSG(moved > 0, "none of the 24 unlocked pages moved or left under %u pages of pressure", n);
    CHECK_MM_OK();
    CHECK_NOTHING_MOVED(&start);
    return PASS;
}

/* ---- A and D -------------------------------------------------------------------------------------- */

TEST(paging_accessed_dirty, "paging/cpu-sets-accessed-and-dirty")
{
    PAGER_ON();
    ULONG h = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    CHECK(h);
    const char *e = PASS;
    (void)*(volatile uint32_t *)h;                           /* a read fault, then a read */
    pte_t r = pte_read(h);
    *(volatile uint32_t *)(h + PAGE_SIZE) = 0xD1D1u;         /* a write fault */
    pte_t w = pte_read(h + PAGE_SIZE);
    if (!(r & PTE_P) || !(r & PTE_SW_PAGEABLE) || !(r & PTE_A) || (r & PTE_D))
        e = test_fail(__FILE__, __LINE__, "after a read: PTE %08x (want P, pageable, A, not D)", r);
    if (!e && (!(w & PTE_A) || !(w & PTE_D)))
        e = test_fail(__FILE__, __LINE__, "after a write: PTE %08x (want A and D)", w);
    *(volatile uint32_t *)h = 1;                             /* now the read page is written */
    if (!e && !(pte_read(h) & PTE_D)) e = test_fail(__FILE__, __LINE__, "a write left D clear: %08x", pte_read(h));
    _PageFree((PVOID)h, 0);
    CHECK_EQ(pager_restore(), MM_OK);
    return e;
}

/* A page read back and not written since is dropped when it leaves again, not rewritten: once
 * read passes over a block larger than the memory left to it have brought every page in clean,
 * another pass moves pages in and out with no write at all.  The ballast leaves 256 frames, so
 * the block (768 pages) fits in swap even on a swap area smaller than RAM: every page can have
 * its slot, and the dirty ones all leave. */
TEST(paging_clean_not_rewritten, "paging/clean-page-not-rewritten")
{
    PAGER_ON();
    struct mm_counts start;
    mm_counts_take(&start);
    struct mm_pager_stats ps;
    mm_pager_get_stats(&ps);
    uint32_t n = ps.slots > 768 + 128 ? 768 : ps.slots - 128;
    ballast_take(256);
    LIN big = 0;
    if (DevHelp_VMAlloc(0, n * PAGE_SIZE, VMDHA_NOPHYSADDR, &big, NULL) != NO_ERROR) {
        ballast_release();
        (void)pager_restore();
        return test_fail(__FILE__, __LINE__, "VMAlloc of %u pageable pages refused", n);
    }
    fill_pages(big, n, 0x3000000u);
    /* Read passes until no page of the block is still present and dirty from the fill: each pass
     * makes room by writing the dirty ones out once. */
    uint32_t passes = 0, dirty = 1;
    for (; dirty && passes < 8; passes++) {
        read_pages(big, n);
        dirty = 0;
        for (uint32_t i = 0; i < n; i++) dirty += (pte_read(big + i * PAGE_SIZE) & (PTE_P | PTE_D)) == (PTE_P | PTE_D);
    }
    if (dirty) {
        DevHelp_VMFree(big);
        ballast_release();
        (void)pager_restore();
        return test_fail(__FILE__, __LINE__, "%u pages still dirty after %u read passes", dirty, passes);
    }
    struct swapdev_stats s0, s1;
    struct mm_pager_stats p0, p1;
    swapdev_get_stats(&s0);
    mm_pager_get_stats(&p0);
    read_pages(big, n);
    swapdev_get_stats(&s1);
    mm_pager_get_stats(&p1);
    int bad = check_pages(big, n, 0x3000000u);
    DevHelp_VMFree(big);
    ballast_release();
    CHECK_EQ(pager_restore(), MM_OK);
    CHECK_MSG(bad < 0, "page %d lost its contents", bad);
    CHECK_MSG(p1.page_ins > p0.page_ins && p1.clean_drops > p0.clean_drops,
              "a pass over %u pages: %u page-ins, %u clean drops", n, p1.page_ins - p0.page_ins,
              p1.clean_drops - p0.clean_drops);
    CHECK_EQ(s1.writes, s0.writes);                          /* not one page rewritten */
    CHECK_EQ(p1.page_outs, p0.page_outs);
    CHECK_MM_OK();
    CHECK_NOTHING_MOVED(&start);
    return PASS;
}

/* ---- a lock brings a swapped-out page back ------------------------------------------------------- */

/* A page in swap is not a valid address (MmIsAddressValid FALSE, MmGetPhysicalAddress 0); a
 * probe-and-lock reads it back, then locks it: present, its contents intact. */
TEST(paging_lock_pages_in, "paging/lock-reads-swapped-pages-back")
{
    PAGER_ON();
    struct mm_counts start;
    mm_counts_take(&start);
    ballast_take(256);
    uint32_t n = 512;
    LIN blk = 0;
    if (DevHelp_VMAlloc(0, n * PAGE_SIZE, VMDHA_NOPHYSADDR, &blk, NULL) != NO_ERROR) {
        ballast_release();
        (void)pager_restore();
        return test_fail(__FILE__, __LINE__, "VMAlloc of %u pageable pages refused", n);
    }
    fill_pages(blk, n, 0x4000000u);
    uint32_t first = n;                                      /* the first page of 8 in swap */
    for (uint32_t i = 0; first == n && i + 8 <= n; i++) {
        bool all = true;
        for (uint32_t j = 0; all && j < 8; j++) all = pte_is_swapped(pte_read(blk + (i + j) * PAGE_SIZE));
        if (all) first = i;
    }
    const char *e = first == n ? "no 8 pages in a row went to swap under 256 frames" : PASS;
    vaddr_t va = blk + first * PAGE_SIZE;
    if (!e && (MmIsAddressValid((PVOID)va) || MmGetPhysicalAddress((PVOID)va).QuadPart != 0))
        e = test_fail(__FILE__, __LINE__, "a page in swap: MmIsAddressValid %u, physical %x", MmIsAddressValid((PVOID)va),
                      (uint32_t)MmGetPhysicalAddress((PVOID)va).QuadPart);
    PMDL mdl = e ? NULL : IoAllocateMdl((PVOID)va, 8 * PAGE_SIZE, FALSE, FALSE, NULL);
    if (!e && !mdl) e = "IoAllocateMdl";
    if (!e) {
        MmProbeAndLockPages(mdl, KernelMode, IoReadAccess);
        for (uint32_t j = 0; !e && j < 8; j++) {
            pte_t p = pte_read(va + j * PAGE_SIZE);
            if (!(p & PTE_P) || !MmIsAddressValid((PVOID)(va + j * PAGE_SIZE)))
                e = test_fail(__FILE__, __LINE__, "locked page %u: PTE %08x", j, p);
        }
        int bad = e ? -1 : check_pages(va, 8, 0x4000000u + first);
        if (!e && bad >= 0) e = test_fail(__FILE__, __LINE__, "locked page %d: contents lost", bad);
        MmUnlockPages(mdl);
        IoFreeMdl(mdl);
    }
    DevHelp_VMFree(blk);
    ballast_release();
    if (pager_restore() != MM_OK && !e) e = "mm_pager_disable refused after everything was freed";
    if (e) return e;
    CHECK_MM_OK();
    CHECK_NOTHING_MOVED(&start);
    return PASS;
}

/* A page read back from swap keeps its slot as a clean copy, and the pager drops it without a
 * write while its own PTE stays clean.  A write through another view of the frame (an alias, an
 * MDL's system mapping, a device behind a lock) does not set that PTE's D bit, so such a view
 * must spoil the copy: the page is written again, not dropped with stale contents.  (Found by
 * the stress under paging: an MDL mapping's writes were lost.) */
TEST(paging_alias_write_spoils_copy, "paging/write-through-another-view-is-not-lost")
{
    PAGER_ON();
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 1, 1, OWNER_TEST, NULL), *v = NULL;
    const char *e = r ? NULL : "no system block";
    if (!e && mm_commit(r->base, 1, MM_PROT_WRITE, MM_COMMIT_PAGEABLE, NULL, NULL) != MM_OK) e = "pageable commit";
    if (!e) {
        fill_pages(r->base, 1, 0xA0000000u);
        if (!pager_page_out(r->base)) e = "the page could not be written out";
    }
    if (!e) {
        read_pages(r->base, 1);                              /* back, with its slot as a clean copy */
        v = mm_reserve(ARENA_SYSTEM, 0, 1, 1, OWNER_TEST, NULL);
        if (!v || mm_alias(v->base, r->base, 1, MM_PROT_WRITE) != MM_OK) e = "alias";
    }
    if (!e) {
        fill_pages(v->base, 1, 0xB0000000u);                 /* through the other view only */
        if (pte_read(r->base) & PTE_D) e = "the page's own PTE is dirty: the test would prove nothing";
        mm_release(v);
        v = NULL;
        struct swapdev_stats s0, s1;
        swapdev_get_stats(&s0);
        if (!e && !pager_page_out(r->base)) e = "the page could not leave memory";
        swapdev_get_stats(&s1);
        if (!e && s1.writes == s0.writes) e = "dropped as clean: the write through the alias was not saved";
        if (!e && check_pages(r->base, 1, 0xB0000000u) >= 0) e = "read back without the write through the alias";
    }
    if (v) mm_release(v);
    if (r) mm_release(r);
    if (pager_restore() != MM_OK && !e) e = "mm_pager_disable refused after everything was freed";
    return e;
}
