/*
 * tests/paging/pageout.c - the VxD services that talk to the pager (mm/vxd/paging.c over
 * mm/core/pageout.c): _PageOutDirtyPages leaves pages present and clean (D clear) and writes
 * each dirty one once; _PageDiscardPages makes pages not present and zero, with no write; both
 * through VMMCall too; without the pager they do nothing.  PAGELOCKEDIFDP memory is pageable
 * (the pager's I/O is protected-mode ATA, never DOS or BIOS) and pages out under pressure.
 */
#include "tests/paging/paging_test.h"
#include "mm/mm.h"
#include "mm/core/pfn.h"
#include "mm/core/pte.h"
#include "mm/core/core.h"            /* pager_candidate */
#include "mm/vxd/vxd.h"


#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)

/* VMMCall from C: the arguments pushed right to left, int 20h, the service ID, cdecl pop (the
 * dispatcher gives back every register but EAX and EDX). */
#define VMMCALL2(id, a0, a1)                                                                     \
    ({                                                                                           \
        uint32_t _r;                                                                             \
        __asm__ volatile("push %2\n\tpush %1\n\tint $0x20\n\t.long %c3\n\tadd $8, %%esp"          \
                         : "=a"(_r) : "r"(a0), "r"(a1), "i"(id) : "edx", "memory", "cc");        \
        _r;                                                                                      \
    })
#define VMMCALL4(id, a0, a1, a2, a3)                                                             \
    ({                                                                                           \
        uint32_t _r;                                                                             \
        __asm__ volatile("push %4\n\tpush %3\n\tpush %2\n\tpush %1\n\tint $0x20\n\t.long %c5\n\t" \
                         "add $16, %%esp"                                                        \
                         : "=a"(_r) : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "i"(id)                \
                         : "edx", "memory", "cc");                                               \
        _r;                                                                                      \
    })

static bool page_zero(vaddr_t va)
{
    const volatile uint32_t *w = (const volatile uint32_t *)va;
    for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
        if (w[i]) return false;
    return true;
}

static uint32_t swap_writes(void)
{
    struct swapdev_stats s;
    swapdev_get_stats(&s);
    return s.writes;
}

/* ---- _PageOutDirtyPages ------------------------------------------------------------------------ */

#define NB 8u

TEST(paging_podp_cleans, "paging/pageoutdirtypages-writes-each-dirty-page-once")
{
    PAGER_ON();
    struct mm_counts start;
    mm_counts_take(&start);
    ULONG h = _PageAllocate(NB, PG_SYS, 0, 0, 0, 0, NULL, 0), ro = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, 0);
    CHECK(h && ro);
    /* Whatever else is dirty now is written first, so the counts below are this test's pages. */
    _PageOutDirtyPages(0xFFFFFFFFu, 0);
    CHECK_EQ(_PageOutDirtyPages(0, PAGEPDPQUERYDIRTY), 0);
    fill_pages(h, NB, 0x40D0000u);
    (void)*(volatile uint32_t *)ro;              /* a read fault: zero, D clear - but no copy on disk */
    const char *e = PASS;
    for (uint32_t i = 0; !e && i < NB; i++)
        if ((pte_read(h + i * PAGE_SIZE) & (PTE_P | PTE_D)) != (PTE_P | PTE_D))
            e = test_fail(__FILE__, __LINE__, "page %u after the fill: PTE %08x", i, pte_read(h + i * PAGE_SIZE));
    if (e) goto out;
    /* Dirty: the written pages and the read one (it would cost a write to leave); the untouched
     * page of ro is demand-zero, not present: not counted. */
    if (_PageOutDirtyPages(0, PAGEPDPQUERYDIRTY) != NB + 1) {
        e = test_fail(__FILE__, __LINE__, "PAGEPDPQUERYDIRTY: %u, want %u", _PageOutDirtyPages(0, PAGEPDPQUERYDIRTY), NB + 1);
        goto out;
    }
    uint32_t w0 = swap_writes();
    /* Reserved bits: nothing written. */
    static const uint32_t reserved[] = { PAGEZEROINIT, PAGEDISCARD, PAGEMARKDIRTY, 0x00000200u, 0x80000000u };
    for (uint32_t i = 0; !e && i < ARRAY_SIZE(reserved); i++)
        if (_PageOutDirtyPages(100, reserved[i]) != 0 || swap_writes() != w0)
            e = test_fail(__FILE__, __LINE__, "flags %08x accepted", reserved[i]);
    if (e) goto out;
    /* Through VMMCall: three pages, then the rest. */
    uint32_t a = VMMCALL2(VMMID_PageOutDirtyPages, 3, 0);
    uint32_t b = _PageOutDirtyPages(100, 0);
    uint32_t w1 = swap_writes();
    if (a != 3 || b != NB + 1 - 3 || w1 - w0 != NB + 1) {
        e = test_fail(__FILE__, __LINE__, "flushed %u + %u pages with %u writes, want 3 + %u and %u", a, b, w1 - w0,
                      NB + 1 - 3, NB + 1);
        goto out;
    }
    for (uint32_t i = 0; !e && i < NB; i++) {
        pte_t p = pte_read(h + i * PAGE_SIZE);
        if (!(p & PTE_P) || (p & PTE_D) || !pfn_db[pte_pfn(p)].slot)
            e = test_fail(__FILE__, __LINE__, "page %u after the flush: PTE %08x, slot %u (want present, D clear, a slot)",
                          i, p, pfn_db[pte_pfn(p)].slot);
    }
    if (e) goto out;
    int bad = check_pages(h, NB, 0x40D0000u);
    if (bad >= 0) {
        e = test_fail(__FILE__, __LINE__, "page %d lost its contents in the flush", bad);
        goto out;
    }
    /* Clean now: nothing to count, a second flush writes nothing; a store makes one dirty again. */
    if (_PageOutDirtyPages(0, PAGEPDPQUERYDIRTY) != 0 || _PageOutDirtyPages(100, 0) != 0 || swap_writes() != w1) {
        e = test_fail(__FILE__, __LINE__, "clean pages counted or written again");
        goto out;
    }
    *(volatile uint32_t *)(h + 5 * PAGE_SIZE) = 0xD1D1u;
    if (_PageOutDirtyPages(0, PAGEPDPQUERYDIRTY) != 1 || _PageOutDirtyPages(100, 0) != 1 || swap_writes() != w1 + 1 ||
        (pte_read(h + 5 * PAGE_SIZE) & PTE_D))
        e = test_fail(__FILE__, __LINE__, "the page written again was not flushed once");
    else if (*(volatile uint32_t *)(h + 5 * PAGE_SIZE) != 0xD1D1u)
        e = test_fail(__FILE__, __LINE__, "the page written again lost the write");
out:
    _PageFree((PVOID)h, 0);
    _PageFree((PVOID)ro, 0);
    (void)pager_restore();
    if (e) return e;
    CHECK_MM_OK();
    CHECK_NOTHING_MOVED(&start);
    return PASS;
}

/* A page _PageOutDirtyPages made clean leaves memory without another write, and comes back. */
TEST(paging_podp_then_drop, "paging/flushed-page-leaves-without-a-write")
{
    PAGER_ON();
    ULONG h = _PageAllocate(NB, PG_SYS, 0, 0, 0, 0, NULL, 0);
    CHECK(h);
    fill_pages(h, NB, 0x40E0000u);
    _PageOutDirtyPages(0xFFFFFFFFu, 0);
    struct mm_pager_stats p0, p1;
    mm_pager_get_stats(&p0);
    /* The clock takes them once their A bits are gone: _PageDiscardPages without PAGEDISCARD
     * clears those, then pressure brings the clock round. */
    CHECK(_PageDiscardPages(PG(h), 0, NB, 0) != 0);
    const char *e = PASS;
    for (uint32_t i = 0; !e && i < NB; i++)
        if ((pte_read(h + i * PAGE_SIZE) & (PTE_P | PTE_A)) != PTE_P)
            e = test_fail(__FILE__, __LINE__, "page %u: PTE %08x (want present, A clear)", i, pte_read(h + i * PAGE_SIZE));
    uint32_t n = mm_free_frames() + 64;
    ULONG big = e ? 0 : _PageAllocate(n, PG_SYS, 0, 0, 0, 0, NULL, 0);
    if (!e && !big) e = "the pressure block was refused";
    uint32_t gone = 0;
    for (uint32_t i = 0; !e && i < n; i++) {
        *(volatile uint32_t *)(big + i * PAGE_SIZE) = i;
        if (i % 64 == 63) {                        /* stop at the first sign the block left */
            gone = 0;
            for (uint32_t j = 0; j < NB; j++) gone += !(pte_read(h + j * PAGE_SIZE) & PTE_P);
            if (gone == NB) break;
        }
    }
    mm_pager_get_stats(&p1);
    if (!e && !gone) e = test_fail(__FILE__, __LINE__, "none of the flushed pages left under %u pages of pressure", n);
    if (!e && p1.clean_drops - p0.clean_drops < gone)
        e = test_fail(__FILE__, __LINE__, "%u flushed pages left, %u clean drops", gone, p1.clean_drops - p0.clean_drops);
    int bad = e ? -1 : check_pages(h, NB, 0x40E0000u);
    if (!e && bad >= 0) e = test_fail(__FILE__, __LINE__, "page %d came back wrong", bad);
    if (big) _PageFree((PVOID)big, 0);
    _PageFree((PVOID)h, 0);
    (void)pager_restore();
    return e;
}

/* PAGEPDPSETBASE: the scan stops where it was when the base was set and from then on returns 0,
 * dirty pages or not, until PAGEPDPCLEARBASE. */
TEST(paging_podp_base, "paging/pageoutdirtypages-base")
{
    PAGER_ON();
    ULONG h = _PageAllocate(NB, PG_SYS, 0, 0, 0, 0, NULL, 0);
    CHECK(h);
    _PageOutDirtyPages(0xFFFFFFFFu, 0);
    fill_pages(h, NB, 0x40F0000u);
    uint32_t w0 = swap_writes();
    uint32_t a = _PageOutDirtyPages(3, PAGEPDPSETBASE), b = _PageOutDirtyPages(3, 0), c = _PageOutDirtyPages(100, 0);
    *(volatile uint32_t *)h = 7;                   /* dirty again, but the base was reached */
    uint32_t d = _PageOutDirtyPages(100, 0), q = _PageOutDirtyPages(0, PAGEPDPQUERYDIRTY);
    uint32_t w1 = swap_writes();
    uint32_t f = _PageOutDirtyPages(100, PAGEPDPCLEARBASE), g = _PageOutDirtyPages(100, 0);
    uint32_t w2 = swap_writes();
    _PageFree((PVOID)h, 0);
    (void)pager_restore();
    CHECK_MSG(a == 3 && b == 3 && c == NB - 6, "with a base: %u, %u, %u pages (want 3, 3, %u)", a, b, c, NB - 6);
    CHECK_EQ(d, 0);                                /* the whole address space was scanned */
    CHECK_EQ(q, 1);                                /* the query still counts */
    CHECK_EQ(w1 - w0, NB);
    CHECK_EQ(f, 1);                                /* the base cleared: written */
    CHECK_EQ(g, 0);
    CHECK_EQ(w2 - w1, 1);
    return PASS;
}

/* ---- _PageDiscardPages -------------------------------------------------------------------------- */

TEST(paging_discard, "paging/discardpages-drops-contents-without-a-write")
{
    PAGER_ON();
    struct mm_counts start;
    mm_counts_take(&start);
    ULONG h = _PageAllocate(NB, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    ULONG hf = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(h && hf);
    fill_pages(h, NB, 0x4100000u);
    *(volatile uint32_t *)hf = 0xF1F1u;
    CHECK_EQ(_LinPageLock(PG(h) + 7, 1, 0), 1);    /* page 7 locked: left alone */
    const char *e = PASS;
    uint32_t w0 = swap_writes(), free0 = mm_free_frames(), charge0 = mm_commit_charge();
    pte_t locked = pte_read(h + 7 * PAGE_SIZE);
    /* Refused, nothing changed: a reserved flag, another VM, a range past the block, no pages. */
    if (_PageDiscardPages(PG(h), 0, 2, PAGEDISCARD | PAGEMARKDIRTY) || _PageDiscardPages(PG(h), 0x1234, 2, PAGEDISCARD) ||
        _PageDiscardPages(PG(h), 0, NB + 1, PAGEDISCARD) || _PageDiscardPages(PG(h), 0, 0, PAGEDISCARD))
        e = "a bad call was accepted";
    if (!e && check_pages(h, NB, 0x4100000u) >= 0) e = "a refused call changed the contents";
    /* Pages 0-3 through the C entry, 4-7 through VMMCall (7 is locked, so it stays). */
    if (!e && !_PageDiscardPages(PG(h), vxd_sys_vm(), 4, PAGEDISCARD | PAGEZEROINIT)) e = "_PageDiscardPages refused";
    if (!e && !VMMCALL4(VMMID_PageDiscardPages, PG(h) + 4, 0, 4, PAGEDISCARD)) e = "VMMCall _PageDiscardPages refused";
    if (!e && !_PageDiscardPages(PG(hf), 0, 1, PAGEDISCARD)) e = "_PageDiscardPages of a fixed page refused";
    uint32_t w1 = swap_writes(), free1 = mm_free_frames(), charge1 = mm_commit_charge();
    for (uint32_t i = 0; !e && i < 7; i++) {
        pte_t p = pte_read(h + i * PAGE_SIZE);
        if ((p & PTE_P) || !pte_is_demand(p))
            e = test_fail(__FILE__, __LINE__, "page %u after the discard: PTE %08x (want demand-zero)", i, p);
    }
    if (!e && pte_read(h + 7 * PAGE_SIZE) != locked)
        e = test_fail(__FILE__, __LINE__, "the locked page changed: %08x -> %08x", locked, pte_read(h + 7 * PAGE_SIZE));
    if (!e && (w1 != w0 || free1 != free0 + 7 || charge1 != charge0))
        e = test_fail(__FILE__, __LINE__, "the discard: %u writes, %d frames freed, charge %u -> %u (want 0, 7, same)",
                      w1 - w0, (int)(free1 - free0), charge0, charge1);
    for (uint32_t i = 0; !e && i < 7; i++)
        if (!page_zero(h + i * PAGE_SIZE)) e = test_fail(__FILE__, __LINE__, "discarded page %u does not read zero", i);
    if (!e && pattern_mismatch((const void *)(h + 7 * PAGE_SIZE), PAGE_SIZE, 0x4100000u + 7) >= 0)
        e = "the locked page lost its contents";
    if (!e && *(volatile uint32_t *)hf != 0xF1F1u) e = "the fixed page lost its contents";
    _LinPageUnLock(PG(h) + 7, 1, 0);
    _PageFree((PVOID)h, 0);
    _PageFree((PVOID)hf, 0);
    (void)pager_restore();
    if (e) return e;
    CHECK_MM_OK();
    CHECK_NOTHING_MOVED(&start);
    return PASS;
}

/* ---- without the pager ------------------------------------------------------------------------ */

TEST(paging_services_off, "paging/pageout-services-without-the-pager")
{
    bool was_on = mm_pager_on();
    if (was_on && mm_pager_disable() != MM_OK) SKIP("the pager is on with pages in swap");
    ULONG h = _PageAllocate(NB, PG_SYS, 0, 0, 0, 0, NULL, 0);
    CHECK(h);
    fill_pages(h, NB, 0x4200000u);
    uint32_t w0 = swap_writes(), free0 = mm_free_frames();
    pte_t before = pte_read(h);
    uint32_t q = _PageOutDirtyPages(0, PAGEPDPQUERYDIRTY), f = _PageOutDirtyPages(100, 0);
    uint32_t v = VMMCALL2(VMMID_PageOutDirtyPages, 100, PAGEPDPSETBASE);
    uint32_t d = _PageDiscardPages(PG(h), 0, NB, PAGEDISCARD), bad = _PageDiscardPages(PG(h), 0, NB + 1, PAGEDISCARD);
    int lost = check_pages(h, NB, 0x4200000u);
    pte_t after = pte_read(h);
    uint32_t w1 = swap_writes(), free1 = mm_free_frames();
    _PageFree((PVOID)h, 0);
    if (was_on) CHECK_EQ(mm_pager_enable(), MM_OK);
    CHECK_EQ(q, 0);
    CHECK_EQ(f, 0);
    CHECK_EQ(v, 0);
    CHECK_EQ(d, 1);                                /* accepted: no page is demand-paged */
    CHECK_EQ(bad, 0);                              /* the checks still apply */
    CHECK_MSG(lost < 0, "page %d lost its contents", lost);
    CHECK_EQ(after, before);
    CHECK_EQ(w1, w0);
    CHECK_EQ(free1, free0);
    return PASS;
}

/* ---- PAGELOCKEDIFDP ------------------------------------------------------------------------------ */

/* "Locked if the pager uses DOS or BIOS for paging": ours uses protected-mode ATA, so a
 * PAGELOCKEDIFDP block and PC_LOCKEDIFDP pages are present at once, unlocked, and leave memory
 * under pressure like any swappable page - and come back intact. */
TEST(paging_lockedifdp_pages_out, "paging/lockedifdp-pages-page-out")
{
    PAGER_ON();
    struct mm_counts start;
    mm_counts_take(&start);
    ULONG h = _PageAllocate(NB, PG_SYS, 0, 0, 0, 0, NULL, PAGELOCKEDIFDP);
    ULONG r = _PageReserve(PR_SYSTEM, NB, 0);
    CHECK(h && r != 0xFFFFFFFFu);
    CHECK_EQ(_PageCommit(PG(r), NB, PD_ZEROINIT, 0, PC_LOCKEDIFDP | PC_WRITEABLE), 1);
    const char *e = PASS;
    for (uint32_t i = 0; !e && i < NB; i++) {
        pte_t a = pte_read(h + i * PAGE_SIZE), b = pte_read(r + i * PAGE_SIZE);
        if (!(a & PTE_P) || !(b & PTE_P) || !pager_candidate(a) || !pager_candidate(b))
            e = test_fail(__FILE__, __LINE__, "page %u: PTEs %08x %08x (want present, pageable, unlocked)", i, a, b);
    }
    fill_pages(h, NB, 0x4300000u);
    fill_pages(r, NB, 0x4310000u);
    uint32_t n = mm_free_frames() + 2 * NB + 64, out_h = 0, out_r = 0;
    ULONG big = e ? 0 : _PageAllocate(n, PG_SYS, 0, 0, 0, 0, NULL, 0);
    if (!e && !big) e = "the pressure block was refused";
    for (uint32_t round = 0; !e && round < 2 && !(out_h && out_r); round++)
        for (uint32_t i = 0; i < n; i++) *(volatile uint32_t *)(big + i * PAGE_SIZE) = i;
    for (uint32_t i = 0; !e && i < NB; i++) {
        out_h += pte_is_swapped(pte_read(h + i * PAGE_SIZE));
        out_r += pte_is_swapped(pte_read(r + i * PAGE_SIZE));
    }
    if (!e && (!out_h || !out_r))
        e = test_fail(__FILE__, __LINE__, "under %u pages of pressure: %u PAGELOCKEDIFDP and %u PC_LOCKEDIFDP pages in swap",
                      n, out_h, out_r);
    if (!e && check_pages(h, NB, 0x4300000u) >= 0) e = "a PAGELOCKEDIFDP page came back wrong";
    if (!e && check_pages(r, NB, 0x4310000u) >= 0) e = "a PC_LOCKEDIFDP page came back wrong";
    if (big) _PageFree((PVOID)big, 0);
    _PageFree((PVOID)h, 0);
    _PageFree((PVOID)r, 0);
    (void)pager_restore();
    if (e) return e;
    CHECK_MM_OK();
    CHECK_NOTHING_MOVED(&start);
    return PASS;
}
