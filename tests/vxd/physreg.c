/*
 * tests/vxd/physreg.c - vxd/freephysreg-..., vxd/mapphystolinear-..., vxd/nul-page: free
 * physical regions (seed 003's compaction chain, byte for byte), permanent physical aliases
 * and the system null page.
 */
#include "tests/vxd/vxd_test.h"
#include "tests/suites/hostile/hostile.h"
#include "mm/devhlp/devhlp.h"
#include "mm/core/pfn.h"
#include "tests/core/mm/frames.h"

/* expr must give `want` and change nothing: counts, page tables, mm_check. */
#define CHECK_REFUSED(expr, want) do {                                          \
        struct hsnap _s;                                                        \
        hsnap_take(&_s);                                                        \
        CHECK_EQ((expr), (want));                                               \
        const char *_d = hsnap_diff(&_s);                                       \
        CHECK_MSG(!_d, "%s: %s", #expr, _d);                                    \
        CHECK_MM_OK();                                                          \
    } while (0)

/* Moves page src's frame to the not-present page dst with a two-call chain. */
static const char *move(ULONG fpr, uint32_t src, uint32_t dst, uint32_t want_pa)
{
    ULONG pa = _XchgFreePhysReg(PG(fpr) + src, 0, 0);
    CHECK_EQ(pa, want_pa);
    CHECK(!vt_readable(fpr + src * PAGE_SIZE));
    CHECK_EQ(_XchgFreePhysReg(PG(fpr) + dst, pa, 0), 0);   /* dst was not present: chain ends */
    CHECK_EQ(vt_pa(fpr + dst * PAGE_SIZE), want_pa);
    return PASS;
}

TEST(vxd_fpr_compaction, "vxd/freephysreg-xchg-compaction")
{
    ULONG fpr = vt_freephys_region(8);
    CHECK(fpr);
    for (uint32_t i = 0; i < 8; i++) CHECK(!vt_readable(fpr + i * PAGE_SIZE));   /* all start not present */
    struct mm_counts before;
    mm_counts_take(&before);
    static const uint32_t present[4] = { 1, 3, 4, 6 };    /* interleaved with holes */
    uint32_t pa[8] = { 0 };
    for (uint32_t k = 0; k < 4; k++) {
        uint32_t i = present[k];
        CHECK_EQ(_MapFreePhysReg(PG(fpr) + i, 1, 0), 1);
        vt_fill(fpr + i * PAGE_SIZE, 100 + i);
        pa[i] = vt_pa(fpr + i * PAGE_SIZE);
    }
    uint32_t mapped = mm_free_frames();
    /* Compact: 1 -> 0, 3 -> 1, 4 -> 2, 6 -> 3.  In flight is not free. */
    for (uint32_t k = 0; k < 4; k++) {
        TRY(move(fpr, present[k], k, pa[present[k]]));
        CHECK_EQ(mm_free_frames(), mapped);
    }
    for (uint32_t k = 0; k < 4; k++) {
        CHECK_EQ(vt_check(fpr + k * PAGE_SIZE, 100 + present[k]), PAGE_SIZE);   /* every byte */
        CHECK(!vt_readable(fpr + (4 + k) * PAGE_SIZE));
    }
    /* A longer chain through present pages: rotate 0 -> 1 -> 2 -> 3 -> 0. */
    ULONG p0 = _XchgFreePhysReg(PG(fpr), 0, 0);
    CHECK_EQ(p0, pa[1]);
    ULONG p1 = _XchgFreePhysReg(PG(fpr) + 1, p0, 0);
    CHECK_EQ(p1, pa[3]);
    ULONG p2 = _XchgFreePhysReg(PG(fpr) + 2, p1, 0);
    CHECK_EQ(p2, pa[4]);
    ULONG p3 = _XchgFreePhysReg(PG(fpr) + 3, p2, 0);
    CHECK_EQ(p3, pa[6]);
    CHECK_EQ(mm_free_frames(), mapped);
    CHECK_EQ(_XchgFreePhysReg(PG(fpr), p3, 0), 0);      /* page 0 was not present: done */
    static const uint32_t now[4] = { 6, 1, 3, 4 };
    for (uint32_t k = 0; k < 4; k++) CHECK_EQ(vt_check(fpr + k * PAGE_SIZE, 100 + now[k]), PAGE_SIZE);
    CHECK_COSTLESS(_XchgFreePhysReg(PG(fpr) + 5, p3, 0), VXD_ERR);   /* p3 is no longer in flight */
    CHECK_EQ(_UnmapFreePhysReg(PG(fpr), 4, 0), 1);
    CHECK_NOTHING_MOVED(&before);                        /* frames and the page table are back */
    CHECK(vt_freephys_region_drop(fpr));
    return PASS;
}

/* Page i of fpr keeps its frame and its bytes: neither an exchange (for nothing, or for a frame
 * in flight - page `donor`'s, lent for the purpose and put back) nor an unmap takes it. */
static const char *stays(ULONG fpr, uint32_t i, uint32_t donor, uint32_t seed)
{
    vaddr_t va = fpr + i * PAGE_SIZE;
    uint32_t pa = vt_pa(va);
    CHECK(pa);
    ULONG spare = _XchgFreePhysReg(PG(fpr) + donor, 0, 0);
    CHECK(spare && spare != VXD_ERR);
    CHECK_REFUSED(_XchgFreePhysReg(PG(va), 0, 0), VXD_ERR);
    CHECK_REFUSED(_XchgFreePhysReg(PG(va), spare, 0), VXD_ERR);
    CHECK_REFUSED(_UnmapFreePhysReg(PG(va), 1, 0), 0);
    CHECK_EQ(vt_pa(va), pa);
    CHECK_EQ(vt_check(va, seed), PAGE_SIZE);
    CHECK_EQ(_XchgFreePhysReg(PG(fpr) + donor, spare, 0), 0);
    return PASS;
}

/* Only a frame nothing else knows about leaves a free physical region's page: one that is also
 * mapped elsewhere, held by an owner without a mapping, or locked through another API stays
 * where it is, and the same page moves again once that is over. */
TEST(vxd_fpr_unmovable, "vxd/freephysreg-unmovable-frames-stay")
{
    ULONG fpr = vt_freephys_region(2);
    CHECK(fpr);
    CHECK_EQ(_MapFreePhysReg(PG(fpr), 2, 0), 1);
    vt_fill(fpr, 21);
    pfn_t f = vt_pa(fpr) >> PAGE_SHIFT;
    /* A second mapping: the frame committed again by number elsewhere. */
    ULONG res = _PageReserve(PR_SYSTEM, 1, 0);
    CHECK(res != VXD_ERR);
    CHECK_EQ(_PageCommitPhys(PG(res), 1, f, PC_WRITEABLE), 1);
    CHECK_EQ(vt_pa(res), f << PAGE_SHIFT);
    TRY(stays(fpr, 0, 1, 21));
    CHECK_EQ(vt_check(res, 21), PAGE_SIZE);                       /* the alias still shows it */
    CHECK_EQ(_PageDecommit(PG(res), 1, 0), 1);
    CHECK_EQ(_PageFree((PVOID)res, 0), 1);
    /* A hold: an owner with no mapping (what a PCCNOLIN commit or a frame in flight has). */
    pfn_hold(f);
    TRY(stays(fpr, 0, 1, 21));
    pfn_db[f].hold_count--;                                       /* still mapped: nothing freed */
    /* A lock through the other personality. */
    KernVMLock_t h;
    CHECK_EQ(DevHelp_VMLock(0, fpr, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    TRY(stays(fpr, 0, 1, 21));
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    /* Nothing else knows the frame now: it moves, bytes and all, and goes back. */
    ULONG pa = _XchgFreePhysReg(PG(fpr), 0, 0);
    CHECK_EQ(pa, f << PAGE_SHIFT);
    CHECK(!vt_readable(fpr));
    CHECK_EQ(_XchgFreePhysReg(PG(fpr), pa, 0), 0);
    CHECK_EQ(vt_check(fpr, 21), PAGE_SIZE);
    CHECK_EQ(_UnmapFreePhysReg(PG(fpr), 2, 0), 1);
    CHECK(vt_freephys_region_drop(fpr));
    return PASS;
}

/* Refusals of PhysAddr = f at page i of fpr: into a not-present page (i + 1) and in exchange
 * for a present page's frame (i) - nothing changes: counts, page tables, the bytes of f and of
 * the present page. */
static const char *owned_refused(ULONG fpr, uint32_t i, pfn_t f, const char *what)
{
    vaddr_t va = fpr + i * PAGE_SIZE;
    uint32_t fsum = hframe_sum(f), psum = hmem_sum(va, PAGE_SIZE), pa = vt_pa(va);
    struct hsnap s;
    hsnap_take(&s);
    ULONG r1 = _XchgFreePhysReg(PG(va) + 1, f << PAGE_SHIFT, 0);
    ULONG r2 = _XchgFreePhysReg(PG(va), f << PAGE_SHIFT, 0);
    const char *d = hsnap_diff(&s);
    CHECK_MSG(r1 == VXD_ERR && r2 == VXD_ERR, "%s (frame %x): into a not-present page %08x, exchange %08x", what, f, r1, r2);
    CHECK_MSG(!d, "%s: %s", what, d);
    CHECK_MSG(hframe_sum(f) == fsum && hmem_sum(va, PAGE_SIZE) == psum, "%s: bytes changed", what);
    CHECK_EQ(vt_pa(va), pa);
    CHECK(!vt_readable(va + PAGE_SIZE));
    CHECK_MM_OK();
    return PASS;
}

/* _XchgFreePhysReg inserts any page the caller owns (seed 003: "the physical address to
 * insert"), not only an address an earlier call returned: a used frame gets one more mapping, and
 * the page holding it stays put while anyone else maps or holds the frame.  Frames the kernel can
 * tell are not the caller's, and locked or pinned ones, are refused with nothing changed. */
TEST(vxd_fpr_owned, "vxd/freephysreg-xchg-owned-pages")
{
    extern pte_t boot_pd[];
    ULONG fpr = vt_freephys_region(4);
    CHECK(fpr);
    struct mm_counts before;
    mm_counts_take(&before);
    CHECK_EQ(_MapFreePhysReg(PG(fpr), 1, 0), 1);                  /* page 0 present, 1..3 not */
    vt_fill(fpr, 30);
    uint32_t free1 = mm_free_frames();
    /* A page of the caller's own block, into a not-present page: shared, not copied. */
    ULONG blk = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    CHECK(blk);
    vt_fill(blk, 31);
    uint32_t bpa = vt_pa(blk);
    uint32_t free2 = mm_free_frames();
    CHECK_EQ(_XchgFreePhysReg(PG(fpr) + 1, bpa, 0), 0);
    CHECK_EQ(mm_free_frames(), free2);                            /* no frame taken */
    CHECK_EQ(vt_pa(fpr + PAGE_SIZE), bpa);
    CHECK_EQ(vt_check(fpr + PAGE_SIZE, 31), PAGE_SIZE);
    *(volatile uint32_t *)(fpr + PAGE_SIZE + 64) = 0x0DDBA11u;
    CHECK_EQ(*(volatile uint32_t *)(blk + 64), 0x0DDBA11u);
    vt_fill(blk, 31);
    CHECK_REFUSED(_XchgFreePhysReg(PG(fpr) + 1, 0, 0), VXD_ERR); /* the block maps it too */
    CHECK_REFUSED(_UnmapFreePhysReg(PG(fpr) + 1, 1, 0), 0);
    /* In exchange for a present page's frame, which goes in flight and ends its flight at page 2. */
    CHECK(vt_zero(blk + PAGE_SIZE, 1));                          /* demand-zero: now present */
    uint32_t bpa2 = vt_pa(blk + PAGE_SIZE), pa0 = vt_pa(fpr);
    CHECK(bpa2 && pa0);
    CHECK_EQ(_XchgFreePhysReg(PG(fpr), bpa2, 0), pa0);
    CHECK_EQ(vt_pa(fpr), bpa2);
    CHECK(vt_zero(fpr, 1));                                       /* the block's zeroed second page */
    CHECK_EQ(_XchgFreePhysReg(PG(fpr) + 2, pa0, 0), 0);
    CHECK_EQ(vt_check(fpr + 2 * PAGE_SIZE, 30), PAGE_SIZE);
    /* The block goes; its frames stay, mapped by the region alone, and now move freely. */
    CHECK_EQ(_PageFree((PVOID)blk, 0), 1);
    CHECK_EQ(mm_free_frames(), free1 - 2);                        /* page 2 holds pa0; 0 and 1 the block's two */
    CHECK_EQ(vt_check(fpr + PAGE_SIZE, 31), PAGE_SIZE);
    ULONG pa = _XchgFreePhysReg(PG(fpr) + 1, 0, 0);
    CHECK_EQ(pa, bpa);
    CHECK_EQ(_XchgFreePhysReg(PG(fpr) + 3, pa, 0), 0);
    CHECK_EQ(_UnmapFreePhysReg(PG(fpr) + 2, 2, 0), 1);
    /* A held frame (an owner without a mapping, like a PCCNOLIN commit): mapped, still held. */
    pfn_t held = pfn_alloc(PFN_ALLOC_ZERO);
    CHECK(held != PFN_NONE);
    pfn_hold(held);
    CHECK_EQ(_XchgFreePhysReg(PG(fpr) + 1, held << PAGE_SHIFT, 0), 0);
    CHECK_EQ(vt_pa(fpr + PAGE_SIZE), held << PAGE_SHIFT);
    CHECK_REFUSED(_XchgFreePhysReg(PG(fpr) + 1, 0, 0), VXD_ERR);
    pfn_db[held].hold_count--;                                    /* the owner lets go */
    /* Refused, with nothing changed.  Page 0 is present (the block's second frame), 1 holds
     * `held`, 2 is not present. */
    pfn_t free_frame = PFN_NONE;
    for (pfn_t g = pfn_max; g-- > 0x100 && free_frame == PFN_NONE;)
        if (pfn_db[g].state == PFN_FREE) free_frame = g;
    CHECK(free_frame != PFN_NONE);
    pfn_t selfpt = *MiGetPdeAddress(fpr) >> PAGE_SHIFT;
    CHECK_EQ(pfn_db[selfpt].state, PFN_PAGETABLE);
    TRY(owned_refused(fpr, 1, free_frame, "free RAM"));
    TRY(owned_refused(fpr, 1, selfpt, "the region's page table"));
    TRY(owned_refused(fpr, 1, x86_read_cr3() >> PAGE_SHIFT, "the page directory"));
    TRY(owned_refused(fpr, 1, vt_pa(PFNDB_BASE) >> PAGE_SHIFT, "the PFN database"));
    TRY(owned_refused(fpr, 1, vt_pa(KPOOL_BASE) >> PAGE_SHIFT, "the kernel pool"));
    TRY(owned_refused(fpr, 1, KERNEL_PHYS_LOAD >> PAGE_SHIFT, "the kernel image's text"));
    TRY(owned_refused(fpr, 1, vt_pa((vaddr_t)boot_pd) >> PAGE_SHIFT, "the kernel image's data (boot_pd)"));
    TRY(owned_refused(fpr, 1, 1, "a reserved frame of the first MiB"));
    TRY(owned_refused(fpr, 1, 0xA0, "video memory (not RAM)"));
    TRY(owned_refused(fpr, 1, 0xFFFFF, "the top of the 4 GiB (no record)"));
    TRY(owned_refused(fpr, 1, vt_pa(fpr) >> PAGE_SHIFT, "a frame a free physical region maps already"));
    ULONG fixed = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    ULONG lk = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, 0);
    ULONG dh = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    CHECK(fixed && lk && dh);
    CHECK_EQ(_LinPageLock(PG(lk), 1, 0), 1);
    KernVMLock_t h;
    CHECK_EQ(DevHelp_VMLock(0, dh, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    TRY(owned_refused(fpr, 1, vt_pa(fixed) >> PAGE_SHIFT, "a PAGEFIXED block's frame (pinned)"));
    TRY(owned_refused(fpr, 1, vt_pa(lk) >> PAGE_SHIFT, "a frame locked by _LinPageLock"));
    TRY(owned_refused(fpr, 1, vt_pa(dh) >> PAGE_SHIFT, "a frame locked by VMLock"));
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(_LinPageUnLock(PG(lk), 1, 0), 1);
    CHECK_EQ(_XchgFreePhysReg(PG(fpr) + 2, vt_pa(lk), 0), 0);     /* unlocked: the caller's again */
    CHECK_EQ(_PageFree((PVOID)fixed, 0), 1);
    CHECK_EQ(_PageFree((PVOID)lk, 0), 1);
    CHECK_EQ(_PageFree((PVOID)dh, 0), 1);
    CHECK_EQ(_UnmapFreePhysReg(PG(fpr), 3, 0), 1);
    CHECK_NOTHING_MOVED(&before);
    CHECK(vt_freephys_region_drop(fpr));
    return PASS;
}

static uint32_t map_at_init(uint32_t page) { return _MapFreePhysReg(page, 1, 0); }

TEST(vxd_fpr_rules, "vxd/freephysreg-map-unmap-rules")
{
    ULONG fpr = vt_freephys_region(4);
    CHECK(fpr);
    CHECK_COSTLESS(vxd_run_init(map_at_init, PG(fpr)), 0);       /* not before Init_Complete */
    CHECK_EQ(_MapFreePhysReg(PG(fpr), 2, 0), 1);
    CHECK_COSTLESS(_MapFreePhysReg(PG(fpr) + 1, 2, 0), 0);        /* page 1 is present */
    CHECK(!vt_readable(fpr + 2 * PAGE_SIZE));                      /* nothing half-done */
    CHECK_COSTLESS(_UnmapFreePhysReg(PG(fpr) + 1, 2, 0), 0);      /* page 2 is not present */
    CHECK(vt_readable(fpr + PAGE_SIZE));
    /* A locked page stays where it is. */
    CHECK_EQ(_LinPageLock(PG(fpr) + 1, 1, 0), 1);
    CHECK_COSTLESS(_XchgFreePhysReg(PG(fpr) + 1, 0, 0), VXD_ERR);
    CHECK_COSTLESS(_UnmapFreePhysReg(PG(fpr) + 1, 1, 0), 0);
    CHECK_EQ(_LinPageUnLock(PG(fpr) + 1, 1, 0), 1);
    /* PhysAddr must be a frame in flight: not someone's frame, not unaligned. */
    ULONG blk = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(blk);
    CHECK_COSTLESS(_XchgFreePhysReg(PG(fpr) + 3, vt_pa(blk), 0), VXD_ERR);
    CHECK_COSTLESS(_XchgFreePhysReg(PG(fpr) + 1, vt_pa(blk), 0), VXD_ERR);
    CHECK_EQ(_PageFree((PVOID)blk, 0), 1);
    ULONG pa = _XchgFreePhysReg(PG(fpr), 0, 0);
    CHECK(pa && pa != VXD_ERR);
    CHECK_COSTLESS(_XchgFreePhysReg(PG(fpr) + 3, pa + 8, 0), VXD_ERR);
    CHECK_COSTLESS(_XchgFreePhysReg(PG(fpr) + 3, pa, 1), VXD_ERR);
    CHECK_EQ(_XchgFreePhysReg(PG(fpr) + 3, pa, 0), 0);
    /* The region is neither freed nor reallocated, nor is it reserve/commit memory. */
    CHECK_COSTLESS(_PageFree((PVOID)fpr, 0), 0);
    CHECK_COSTLESS(_PageReAllocate(fpr, 8, 0), 0);
    CHECK_COSTLESS(_PageCommit(PG(fpr) + 2, 1, PD_ZEROINIT, 0, PC_WRITEABLE), 0);
    CHECK_COSTLESS(_PageDecommit(PG(fpr) + 1, 1, 0), 0);
    CHECK_EQ(_PageGetSizeAddr(fpr, 0), 4);
    CHECK_EQ(_UnmapFreePhysReg(PG(fpr) + 1, 1, 0), 1);
    CHECK_EQ(_UnmapFreePhysReg(PG(fpr) + 3, 1, 0), 1);
    CHECK(vt_freephys_region_drop(fpr));
    return PASS;
}

/* PAGEFIXED pages of a free physical region are never given back: this test keeps one frame
 * (and the page table under it) for the rest of the session, says exactly how many, and takes
 * them from the bottom of the free list (tests/core/mm/frames.h, spread_begin_lowest). */
TEST_FLAGS(vxd_fpr_fixed, "vxd/freephysreg-pagefixed-never-moves", TEST_NO_LEAKCHECK)
{
    ULONG fpr = vt_freephys_region(2);
    CHECK(fpr);
    ULONG pte;
    bool table = _CopyPageTable(PG(fpr), 1, &pte, 0);
    CHECK_COSTLESS(_MapFreePhysReg(PG(fpr), 1, PAGEZEROINIT), 0);    /* only 0 or PAGEFIXED */
    struct spread s;
    CHECK(spread_begin_lowest(&s));
    uint32_t before = mm_free_frames();
    ULONG ok = _MapFreePhysReg(PG(fpr), 1, PAGEFIXED);
    uint32_t after = mm_free_frames();
    spread_end(&s);
    CHECK_EQ(ok, 1);
    CHECK_EQ(after, before - 1 - (table ? 0 : 1));
    vt_fill(fpr, 55);
    CHECK_COSTLESS(_XchgFreePhysReg(PG(fpr), 0, 0), VXD_ERR);
    CHECK_COSTLESS(_UnmapFreePhysReg(PG(fpr), 1, 0), 0);
    CHECK_COSTLESS(_UnmapFreePhysReg(PG(fpr), 2, 0), 0);
    CHECK_EQ(vt_check(fpr, 55), PAGE_SIZE);
    CHECK_EQ(vt_locks(fpr), 1);
    return PASS;
}

TEST(vxd_mapphys, "vxd/mapphystolinear-permanent-aliases")
{
    /* The aliases are permanent: a second run of the suite in the same boot (the monitor's `test`
     * command) gets the first run's back, at no cost. */
    static ULONG earlier_a, earlier_c;
    uint32_t win = vxd_mapphys_window_free(), pte, cost_a = earlier_a ? 0 : 16, cost_c = earlier_c ? 0 : 1;
    ULONG a = _MapPhysToLinear(0xF0000, 0x10000, 0);     /* the BIOS ROM, uncached */
    CHECK(a != VXD_ERR && !(a & PAGE_MASK));
    CHECK(a >= SYSTEM_START && a < SYSTEM_END);
    CHECK(!earlier_a || a == earlier_a);
    earlier_a = a;
    CHECK_EQ(vxd_mapphys_window_free(), win - cost_a);
    for (uint32_t i = 0; i < 16; i++) {
        uint32_t *rom = hyper_map(0xF0 + i);
        uint32_t want = rom[i * 3];
        hyper_unmap(rom);
        CHECK_EQ(*(volatile uint32_t *)(a + i * PAGE_SIZE + i * 12), want);
        CHECK_EQ(vt_pa(a + i * PAGE_SIZE), (0xF0 + i) << PAGE_SHIFT);
    }
    CHECK_EQ(_CopyPageTable(PG(a), 1, &pte, 0), 1);
    CHECK_EQ(pte & (PTE_PCD | PTE_PWT), PTE_PCD | PTE_PWT);
    /* The same range again, or a part of it: the earlier alias, at no cost. */
    CHECK_EQ(_MapPhysToLinear(0xF0000, 0x10000, 0), a);
    CHECK_EQ(_MapPhysToLinear(0xF8123, 16, 0), a + 0x8123);
    CHECK_EQ(vxd_mapphys_window_free(), win - cost_a);
    /* Cached is another alias. */
    ULONG c = _MapPhysToLinear(0xF8123, 16, MPL_Cached);
    CHECK(c != VXD_ERR && c != a + 0x8123 && (c & PAGE_MASK) == 0x123);
    CHECK(!earlier_c || c == earlier_c);
    earlier_c = c;
    CHECK_EQ(*(volatile uint32_t *)c, *(volatile uint32_t *)(a + 0x8123));
    CHECK_EQ(_CopyPageTable(PG(c), 1, &pte, 0), 1);
    CHECK_EQ(pte & (PTE_PCD | PTE_PWT), 0);
    CHECK_EQ(vxd_mapphys_window_free(), win - cost_a - cost_c);
    /* Full: a request larger than what is left fails and takes nothing. */
    uint32_t left = vxd_mapphys_window_free();
    CHECK_COSTLESS(_MapPhysToLinear(0xFD000000u, (left + 1) * PAGE_SIZE, 0), VXD_ERR);
    CHECK_EQ(vxd_mapphys_window_free(), left);
    /* RAM that belongs to someone is refused (a permanent alias would keep it forever). */
    ULONG blk = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(blk);
    CHECK_COSTLESS(_MapPhysToLinear(vt_pa(blk), 4, 0), VXD_ERR);
    CHECK_EQ(vxd_mapphys_window_free(), left);
    CHECK_EQ(_PageFree((PVOID)blk, 0), 1);
    return PASS;
}

TEST(vxd_nulpage, "vxd/nul-page")
{
    ULONG n = _GetNulPageHandle();
    CHECK(n >= SYSTEM_START && n < SYSTEM_END);
    CHECK_EQ(_GetNulPageHandle(), n);
    CHECK_EQ(_PageGetSizeAddr(n, 0), 1);
    CHECK_EQ(vxd_edx, n);
    CHECK_COSTLESS(_PageFree((PVOID)n, 0), 0);
    CHECK_COSTLESS(_PageReAllocate(n, 2, 0), 0);
    CHECK_COSTLESS(_PageDecommit(PG(n), 1, 0), 0);
    /* Back three unused pages with it: no fault, and they all show the same bytes. */
    ULONG pte;
    CHECK_EQ(_CopyPageTable(PG(n), 1, &pte, 0), 1);
    ULONG r = _PageReserve(PR_SYSTEM, 3, 0);
    CHECK(r != VXD_ERR);
    CHECK_EQ(_PageCommitPhys(PG(r), 3, pte >> PAGE_SHIFT, PC_WRITEABLE), 1);
    *(volatile uint32_t *)(r + 2 * PAGE_SIZE + 40) = 0x4E554C4C;   /* "NULL" */
    CHECK_EQ(*(volatile uint32_t *)(r + 40), 0x4E554C4C);
    CHECK_EQ(*(volatile uint32_t *)(n + 40), 0x4E554C4C);
    CHECK_EQ(_PageDecommit(PG(r), 3, 0), 1);
    CHECK(!vt_readable(r));
    CHECK(vt_readable(n));                               /* the null page itself stays */
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    return PASS;
}
