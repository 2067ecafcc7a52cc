/*
 * tests/paging/room.c - what is not pageable makes room by paging out: with RAM full of pageable
 * pages and not one frame free beside them, a fixed allocation, a physically contiguous one
 * (through each API), a page table and a page directory are still had - the pager writes pages
 * out first (pfn_room_for, pfn_alloc_run_room: mm/core/pfn.h), and for a run it empties exactly
 * the frames of one run.  Locked pages never move for it; the pageable pages come back intact.
 * And a call refused anyway - more than RAM and swap could give, a run the kernel image is in
 * the way of - sends no page to swap: every counter and every entry is as before.  And what
 * _GetFreePageCount's EDX promises for locked memory counts the pages that could leave.
 *
 * The pressure: a pageable block of everything free plus 256 pages, written through (so RAM is
 * pageable pages down to the pager's watermark), then the test ballast holds every frame an
 * ordinary allocation may take (ballast_take(0)): whatever the call under test needs must come
 * from paging out.  SKIP without a swap disk.
 */
#include "tests/paging/paging_test.h"
#include "mm/core/pfn.h"
#include "mm/core/pte.h"
#include "mm/core/core.h"
#include "mm/vxd/vxd.h"
#include "mm/devhlp/devhlp.h"
#include "mm/ntmm/ntmm.h"
#include "tests/suites/hostile/hostile.h"   /* ballast_take */

#define RUN 16u             /* pages of each contiguous allocation */
#define LOCKED 8u           /* pages of the pressure block locked throughout */

struct pressure { LIN va; uint32_t n; pte_t locked[LOCKED]; };

/* Fills RAM with pageable pages; the first LOCKED are locked (_LinPageLock) and their entries kept. */
static const char *pressure_on(struct pressure *p, uint32_t tag)
{
    p->n = mm_free_frames() + 256;
    p->va = 0;
    CHECK_EQ(DevHelp_VMAlloc(0, p->n * PAGE_SIZE, VMDHA_NOPHYSADDR, &p->va, NULL), NO_ERROR);
    fill_pages(p->va, p->n, tag);
    CHECK_EQ(_LinPageLock(p->va >> PAGE_SHIFT, LOCKED, 0), 1);
    for (uint32_t i = 0; i < LOCKED; i++) p->locked[i] = pte_read(p->va + i * PAGE_SIZE);
    return PASS;
}

/* Everything the pressure block was: the locked entries unchanged (A aside), every page's data. */
static const char *pressure_intact(const struct pressure *p, uint32_t tag)
{
    for (uint32_t i = 0; i < LOCKED; i++)
        CHECK_MSG((pte_read(p->va + i * PAGE_SIZE) & ~PTE_A) == (p->locked[i] & ~PTE_A),
                  "locked page %u: entry %08x became %08x", i, p->locked[i], pte_read(p->va + i * PAGE_SIZE));
    int bad = check_pages(p->va, p->n, tag);
    CHECK_MSG(bad < 0, "page %d of the pageable block lost its contents", bad);
    return PASS;
}

static void pressure_off(struct pressure *p)
{
    if (!p->va) return;
    _LinPageUnLock(p->va >> PAGE_SHIFT, LOCKED, 0);
    DevHelp_VMFree(p->va);
    p->va = 0;
}

/* Not one frame an ordinary allocation may take: the ballast holds them all. */
static const char *squeeze(void)
{
    ballast_take(0);
    CHECK_EQ(mm_available_frames(), 0);
    return PASS;
}

/* The n pages at va are n consecutive frames (read back through each page's own entry). */
static const char *contiguous(vaddr_t va, uint32_t n)
{
    pte_t first = pte_read(va);
    CHECK(first & PTE_P);
    for (uint32_t i = 1; i < n; i++) {
        pte_t e = pte_read(va + i * PAGE_SIZE);
        CHECK_MSG((e & PTE_P) && pte_pfn(e) == pte_pfn(first) + i, "page %u: entry %08x after first %08x", i, e, first);
    }
    return PASS;
}

/* The highest n consecutive frames below 16 MiB that are all used and movable (pfn_movable: one
 * mapping, no lock, no hold) - with RAM full of the pressure block, its pages' frames. */
static pfn_t window_of_movable(uint32_t n)
{
    pfn_t top = MIN(pfn_max, (pfn_t)ISA_DMA_LIMIT_PFN);
    uint32_t len = 0;
    for (pfn_t f = top; f-- > 0;) {
        len = pfn_db[f].state == PFN_USED && pfn_movable(f) ? len + 1 : 0;
        if (len == n) return f;
    }
    return PFN_NONE;
}

/* Writes through the block and reads the words back (the frames are really there). */
static const char *usable(vaddr_t va, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) *(volatile uint32_t *)(va + i * PAGE_SIZE) = 0x600D0000u + i;
    for (uint32_t i = 0; i < n; i++) CHECK_EQ(*(volatile uint32_t *)(va + i * PAGE_SIZE), 0x600D0000u + i);
    return PASS;
}

static uint32_t left_memory(const struct mm_pager_stats *a, const struct mm_pager_stats *b)
{
    return (b->page_outs - a->page_outs) + (b->clean_drops - a->clean_drops);
}

/* Each case: squeeze, the call, its checks, give it back, release the ballast. */
static const char *fixed_cases(const struct pressure *p)
{
    (void)p;
    struct mm_pager_stats p0, p1;
    ULONG phys = 0;

    TRY(squeeze());                                          /* VxD: PAGEFIXED */
    mm_pager_get_stats(&p0);
    ULONG h = _PageAllocate(RUN, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    mm_pager_get_stats(&p1);
    ballast_release();
    CHECK_MSG(h, "_PageAllocate(PAGEFIXED) refused with pageable pages to write out");
    CHECK(left_memory(&p0, &p1) >= RUN);
    TRY(usable(h, RUN));
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);

    TRY(squeeze());                                          /* VxD: PAGECONTIG below 16 MiB */
    mm_pager_get_stats(&p0);
    h = _PageAllocate(RUN, PG_SYS, 0, 0, 0, 0x1000, &phys, PAGEUSEALIGN | PAGECONTIG | PAGEFIXED);
    mm_pager_get_stats(&p1);
    ballast_release();
    CHECK_MSG(h, "_PageAllocate(PAGECONTIG) refused with pageable pages to write out");
    CHECK(left_memory(&p0, &p1) > 0);
    TRY(contiguous(h, RUN));
    CHECK_EQ(pte_pfn(pte_read(h)), phys >> PAGE_SHIFT);
    TRY(usable(h, RUN));
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);

    /* VxD: PAGECONTIG inside a window of exactly RUN frames, every one of them a pageable page's
     * now (used, movable: the pressure block's) - so those very pages must leave, no others do. */
    TRY(squeeze());
    pfn_t w = window_of_movable(RUN);
    CHECK_MSG(w != PFN_NONE, "no %u consecutive movable frames below 16 MiB to ask for", RUN);
    mm_pager_get_stats(&p0);
    h = _PageAllocate(RUN, PG_SYS, 0, 0, w, w + RUN, &phys, PAGEUSEALIGN | PAGECONTIG | PAGEFIXED);
    mm_pager_get_stats(&p1);
    ballast_release();
    CHECK_MSG(h, "_PageAllocate(PAGECONTIG) refused the window %05x-%05x of pageable pages", w, w + RUN);
    CHECK_EQ(phys, w << PAGE_SHIFT);
    CHECK_EQ(left_memory(&p0, &p1), RUN);
    TRY(contiguous(h, RUN));
    TRY(usable(h, RUN));
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);

    TRY(squeeze());                                          /* NT: MmAllocateContiguousMemory */
    mm_pager_get_stats(&p0);
    PHYSICAL_ADDRESS hi;
    hi.QuadPart = 0xFFFFFFFFu;
    uint8_t *c = MmAllocateContiguousMemory(RUN * PAGE_SIZE, hi);
    mm_pager_get_stats(&p1);
    ballast_release();
    CHECK_MSG(c, "MmAllocateContiguousMemory refused with pageable pages to write out");
    CHECK(left_memory(&p0, &p1) > 0);
    TRY(contiguous((vaddr_t)c, RUN));
    CHECK_EQ(MmGetPhysicalAddress(c).LowPart, pte_pfn(pte_read((vaddr_t)c)) << PAGE_SHIFT);
    TRY(usable((vaddr_t)c, RUN));
    MmFreeContiguousMemory(c);

    TRY(squeeze());                                          /* DevHelp: VMDHA_CONTIG | VMDHA_FIXED */
    mm_pager_get_stats(&p0);
    LIN l = 0;
    USHORT rc = DevHelp_VMAlloc(VMDHA_CONTIG | VMDHA_FIXED, RUN * PAGE_SIZE, VMDHA_NOPHYSADDR, &l, NULL);
    mm_pager_get_stats(&p1);
    ballast_release();
    CHECK_EQ(rc, NO_ERROR);
    CHECK(left_memory(&p0, &p1) > 0);
    TRY(contiguous(l, RUN));
    TRY(usable(l, RUN));
    CHECK_EQ(DevHelp_VMFree(l), NO_ERROR);

    TRY(squeeze());                                          /* a page directory and a page table */
    mm_pager_get_stats(&p0);
    struct as *prev = as_current(), *a = as_create();
    const char *e = a ? PASS : "as_create refused with pageable pages to write out";
    PVOID base = NULL;
    SIZE_T size = PAGE_SIZE;
    if (!e) {
        as_switch(a);                                        /* its private arena has no table yet */
        if (ZwAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE) !=
            STATUS_SUCCESS)
            e = "ZwAllocateVirtualMemory refused a first page table with pageable pages to write out";
        else if (usable((vaddr_t)base, 1) != PASS)
            e = "the new address space's page did not keep a word";
        as_switch(prev);
        as_destroy(a);
    }
    mm_pager_get_stats(&p1);
    ballast_release();
    TRY(e);
    CHECK(left_memory(&p0, &p1) >= 2);
    return PASS;
}

/* A hash of every entry of the block: any page written out or read back changes it. */
static uint32_t entries_hash(vaddr_t va, uint32_t n)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) h = (h ^ pte_read(va + i * PAGE_SIZE)) * 16777619u;
    return h;
}

static const char *refused_cases(const struct pressure *p)
{
    struct mm_counts before;
    struct mm_pager_stats p0, p1;
    TRY(squeeze());
    mm_counts_take(&before);
    mm_pager_get_stats(&p0);
    uint32_t hash = entries_hash(p->va, p->n), too_many = mm_total_frames();
    ULONG phys = 0;
    /* More than RAM: pageable memory's reserve and the charge refuse it whatever leaves. */
    CHECK_EQ(_PageAllocate(too_many, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED), 0);
    CHECK_EQ(_PageAllocate(too_many, PG_SYS, 0, 0, 0, 0x1000, &phys, PAGEUSEALIGN | PAGECONTIG | PAGEFIXED), 0);
    PHYSICAL_ADDRESS hi;
    hi.QuadPart = 0xFFFFFFFFu;
    CHECK(MmAllocateContiguousMemory(too_many * PAGE_SIZE, hi) == NULL);
    LIN l = 0;
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_FIXED, too_many * PAGE_SIZE, VMDHA_NOPHYSADDR, &l, NULL), ERROR_NOT_ENOUGH_MEMORY);
    /* A run where the kernel image is: no run of frames there is free or could be made so. */
    for (pfn_t f = 0x100; f < 0x110; f++)
        CHECK_MSG(pfn_db[f].state != PFN_FREE && !(pfn_db[f].state == PFN_USED && pfn_movable(f)),
                  "frame %05x is free or movable: the window does not show what it should", f);
    CHECK_EQ(_PageAllocate(RUN, PG_SYS, 0, 0, 0x100, 0x110, &phys, PAGEUSEALIGN | PAGECONTIG | PAGEFIXED), 0);
    mm_pager_get_stats(&p1);
    CHECK_EQ(p1.page_outs, p0.page_outs);
    CHECK_EQ(p1.clean_drops, p0.clean_drops);
    CHECK_EQ(p1.slots_used, p0.slots_used);
    CHECK_EQ(entries_hash(p->va, p->n), hash);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* An alias whose destination needs a new page table, with not one frame free: room is made for
 * the table before the source is looked at, so the source's pages the alias shows are the ones
 * present when it is made - never an entry that went to swap meanwhile (pte.h: pte_room_for_tables). */
#define AL 16u
static const char *alias_cases(const struct pressure *p)
{
    vaddr_t src = p->va + LOCKED * PAGE_SIZE;
    read_pages(src, AL);                                 /* present, A set */
    ULONG r = _PageReserve(PR_SHARED, 2048, 0);          /* 8 MiB: one whole 4 MiB block inside */
    CHECK(r != 0xFFFFFFFFu);
    vaddr_t dst = (r + LARGE_PAGE_SIZE - 1) & ~(LARGE_PAGE_SIZE - 1);
    const char *e = mm_table_present(dst) ? "the 4 MiB block of the reservation has a table already" : squeeze();
    mm_status st = e ? MM_OK : mm_alias(dst, src, AL, MM_PROT_WRITE);
    ballast_release();
    if (!e && st != MM_OK) e = test_fail(__FILE__, __LINE__, "mm_alias with a new table under pressure: %d", st);
    for (uint32_t i = 0; !e && i < AL; i++) {
        pte_t a = pte_read(dst + i * PAGE_SIZE), s = pte_read(src + i * PAGE_SIZE);
        if (!(a & PTE_P) || !(s & PTE_P) || pte_pfn(a) != pte_pfn(s))
            e = test_fail(__FILE__, __LINE__, "page %u: alias %08x, source %08x", i, a, s);
    }
    if (!e && check_pages(dst, AL, 0x5400000u + LOCKED) >= 0) e = "the alias does not show the source's data";
    if (!st) mm_decommit(dst, AL);
    _PageFree((PVOID)r, 0);
    return e;
}

/* _GetFreePageCount under paging: EAX is the free list (the pager keeps it near its watermark),
 * EDX what can still be had locked counting the pages that could leave - more; and that much
 * (less what its page tables take) really can be had, fixed; _PageGetAllocInfo says the same. */
static const char *lockable_cases(const struct pressure *p)
{
    ULONG eax = _GetFreePageCount(0), edx = vxd_edx;
    (void)p;                                             /* EDX is bounded by the commit limit too: */
    CHECK_MSG(edx > eax + 64, "EAX %u EDX %u", eax, edx);   /* a small swap area keeps it lower */
    CHECK_EQ(edx, mm_lockable_frames());
    (void)_PageGetAllocInfo(0);
    CHECK_EQ(vxd_edx, edx);
    ULONG n = edx - (edx / 1024 + 4);
    ULONG h = _PageAllocate(n, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK_MSG(h, "_PageAllocate(%u, PAGEFIXED) refused after _GetFreePageCount's EDX said %u", n, edx);
    const char *e = usable(h, n);
    _GetFreePageCount(0);
    ULONG after = vxd_edx;
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    TRY(e);
    CHECK_MSG(after < edx - n + 64, "EDX %u with %u of %u pages taken", after, n, edx);
    return PASS;
}

/* The pressure on, `cases` under it, everything given back: the pager as it was, every counter
 * as at the start. */
static const char *under_pressure(const char *(*cases)(const struct pressure *), uint32_t tag)
{
    PAGER_ON();
    struct mm_counts start;
    mm_counts_take(&start);
    struct pressure p;
    const char *e = pressure_on(&p, tag);
    if (!e) e = cases(&p);
    ballast_release();
    if (!e) e = pressure_intact(&p, tag);
    pressure_off(&p);
    PAGER_FINISH(e, &start);
}

TEST(paging_room_for_resident, "paging/resident-allocations-page-out-first")
{
    return under_pressure(fixed_cases, 0x5100000u);
}

TEST(paging_refused_pages_nothing_out, "paging/refused-allocation-pages-nothing-out")
{
    return under_pressure(refused_cases, 0x5200000u);
}

TEST(paging_lockable_count, "paging/free-page-count-edx-counts-what-can-leave")
{
    return under_pressure(lockable_cases, 0x5300000u);
}

TEST(paging_alias_table_room, "paging/alias-makes-room-before-it-looks")
{
    return under_pressure(alias_cases, 0x5400000u);
}
