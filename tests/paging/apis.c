/*
 * tests/paging/apis.c - what the personalities say about a page in swap, besides reading it
 * back on a lock (paging/lock-reads-swapped-pages-back): VMLock with VMDHL_NOBLOCK returns
 * ERROR_NOBLOCK (32792) - the page would need disk I/O, a wait OS/2 would do - and reads
 * nothing back; without NOBLOCK the same lock reads it back and locks it; _PageQuery reports
 * it committed, with the protection of its present neighbours, and reads nothing back either.
 * _PageReAllocate copies a page in swap as it copies a present one.
 */
#include "tests/paging/paging_test.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/core/pte_sw.h"
#include "mm/core/core.h"             /* pager_page_out */
#include "mm/vxd/vxd.h"
#include "mm/devhlp/devhlp.h"
#include "tests/suites/hostile/hostile.h"   /* ballast_take */

TEST(paging_vmlock_noblock, "paging/vmlock-noblock-and-pagequery-of-a-swapped-page")
{
    NEED_SWAP();
    bool was_on = mm_pager_on();
    CHECK_EQ(mm_pager_enable(), MM_OK);
    struct mm_counts start;
    mm_counts_take(&start);
    ballast_take(256);
    uint32_t n = 512;
    LIN blk = 0;
    const char *e = DevHelp_VMAlloc(0, n * PAGE_SIZE, VMDHA_NOPHYSADDR, &blk, NULL) != NO_ERROR ?
                    "VMAlloc of pageable pages refused" : PASS;
    for (uint32_t i = 0; !e && i < n; i++) pattern_fill((void *)(blk + i * PAGE_SIZE), PAGE_SIZE, 0x7000000u + i);
    vaddr_t va = 0, present = 0;
    uint32_t idx = 0;
    for (uint32_t i = 0; !e && i < n; i++) {
        pte_t x = pte_read(blk + i * PAGE_SIZE);
        if (!va && pte_is_swapped(x)) { va = blk + i * PAGE_SIZE; idx = i; }
        if (!present && (x & PTE_P)) present = blk + i * PAGE_SIZE;
    }
    if (!e && (!va || !present)) e = "no page of 512 in swap (or none present) under 256 frames";
    struct mm_pager_stats p0, p1;
    mm_pager_get_stats(&p0);
    MEMORY_BASIC_INFORMATION q = { 0 }, qp = { 0 };
    if (!e && (_PageQuery(va, &q, sizeof q) != 28 || _PageQuery(present, &qp, sizeof qp) != 28))
        e = "_PageQuery refused";
    if (!e && (q.mbi_State != MEM_COMMIT || q.mbi_Protect != qp.mbi_Protect || q.mbi_AllocationBase != blk ||
               !pte_is_swapped(pte_read(va))))
        e = test_fail(__FILE__, __LINE__, "_PageQuery of a page in swap: state %x protect %x (present: %x) base %x, in swap %u",
                      q.mbi_State, q.mbi_Protect, qp.mbi_Protect, q.mbi_AllocationBase, pte_is_swapped(pte_read(va)));
    KernVMLock_t h;
    memset(&h, 0xA5, sizeof h);
    KernVMLock_t h0 = h;
    uint32_t locked0 = mm_locked_frames();
    if (!e) {
        USHORT r = DevHelp_VMLock(VMDHL_NOBLOCK, va, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL);
        mm_pager_get_stats(&p1);
        if (r != ERROR_NOBLOCK || !pte_is_swapped(pte_read(va)) || p1.page_ins != p0.page_ins ||
            memcmp(&h, &h0, sizeof h) || mm_locked_frames() != locked0)
            e = test_fail(__FILE__, __LINE__, "VMLock(NOBLOCK) of a page in swap: %u (not %u), in swap %u, page-ins %u -> %u, "
                          "locked frames %u -> %u", r, ERROR_NOBLOCK, pte_is_swapped(pte_read(va)), p0.page_ins,
                          p1.page_ins, locked0, mm_locked_frames());
    }
    if (!e) {
        USHORT r = DevHelp_VMLock(0, va, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL);
        if (r != NO_ERROR) e = test_fail(__FILE__, __LINE__, "VMLock of a page in swap: %u", r);
        else {
            pte_t x = pte_read(va);
            int bad = pattern_mismatch((const void *)va, PAGE_SIZE, 0x7000000u + idx);
            if (!(x & PTE_P) || bad >= 0 || mm_locked_frames() != locked0 + 1)
                e = test_fail(__FILE__, __LINE__, "locked: PTE %08x, word %d differs, locked frames %u -> %u", x, bad,
                              locked0, mm_locked_frames());
            if (DevHelp_VMUnLock((LIN)&h) != NO_ERROR && !e) e = "VMUnLock";
        }
    }
    if (blk) DevHelp_VMFree(blk);
    ballast_release();
    if (!was_on && mm_pager_disable() != MM_OK && !e) e = "mm_pager_disable refused after everything was freed";
    if (e) return e;
    CHECK_MM_OK();
    CHECK_NOTHING_MOVED(&start);
    return PASS;
}

/* _PageReAllocate keeps the contents of pages that are in swap, as of present ones - into a
 * pageable block (the swapped page's copy is committed present) and into a PAGELOCKED one.
 * Page 0 stays present, pages 1-5 are written out, pages 6-7 are never touched (they read as
 * zero, and so do their copies). */
#define RA 8u
static const char *realloc_swapped(ULONG newflags, uint32_t tag)
{
    ULONG h = _PageAllocate(RA, PG_SYS, 0, 0, 0, 0, NULL, 0);
    CHECK(h);
    fill_pages(h, 6, tag);
    for (uint32_t i = 1; i < 6; i++)
        CHECK_MSG(pager_page_out(h + i * PAGE_SIZE) && mm_page_in_swap(h + i * PAGE_SIZE), "page %u not written out", i);
    ULONG n = _PageReAllocate(h, RA + 2, newflags);
    if (!n) _PageFree((PVOID)h, 0);
    CHECK_MSG(n, "_PageReAllocate(%x) of a block with pages in swap refused", newflags);
    int bad = check_pages(n, 6, tag);
    bool zero = true;
    for (uint32_t i = 6; i < RA + 2; i++) zero &= *(volatile uint32_t *)(n + i * PAGE_SIZE + 100) == 0;
    CHECK_EQ(_PageFree((PVOID)n, 0), 1);
    CHECK_MSG(bad < 0, "page %d of the reallocated block lost its contents", bad);
    CHECK(zero);
    return PASS;
}

TEST(paging_realloc_keeps_swapped, "paging/pagereallocate-copies-pages-in-swap")
{
    PAGER_ON();
    struct mm_counts start;
    mm_counts_take(&start);
    const char *e = realloc_swapped(0, 0x7100000u);
    if (!e) e = realloc_swapped(PAGELOCKED, 0x7200000u);
    PAGER_FINISH(e, &start);
}
