/*
 * tests/suites/exhaust/ntpages.c - exhaust/pages-for-mdl-*: NT's MmAllocatePagesForMdl when memory
 * or system PTEs run out.
 *   - more than RAM: with everything but EX_FEW frames taken as ballast, a request for more pages
 *     than are left returns what there is (ByteCount says how much) and leaves nothing available;
 *     FULLY_REQUIRED returns NULL and changes nothing; a second MDL gets nothing (NULL);
 *   - 32 MiB cycles: MmAllocatePagesForMdl(32 MiB) + MmMapLockedPagesSpecifyCache(KernelMode),
 *     each kept, until one fails - the map, for want of system PTEs (256 MiB of them: 7 cycles fit,
 *     the 8th does not) when RAM allows, else the allocation for want of frames (on a small machine
 *     a cycle asks for what is left but 64 frames, the page tables its map needs); then every MDL
 *     is unmapped and freed and every count comes back.  Twice: the same number of cycles.
 */
#include "tests/suites/hostile/hostile.h"
#include "mm/ntmm/ntmm.h"
#include "tests/ntmm/ntmm_test.h"

#define EX_FEW 1024u                          /* frames left to the allocation (4 MiB) */
#define CYCLE (32u << 20)

static PMDL any(SIZE_T bytes, ULONG flags)
{
    return MmAllocatePagesForMdlEx(phys(0), phys(~0ull), phys(0), bytes, MmCached, flags);
}

TEST(ex_pages_more_than_ram, "exhaust/pages-for-mdl-more-than-ram")
{
    struct hrun r = { "MmAllocatePagesForMdl", 0, { 0 } };
    struct mm_counts start;
    mm_counts_take(&start);
    uint32_t ballast = ballast_take(EX_FEW), avail = mm_available_frames();
    const char *e = PASS;
    hrun_rebase(&r);
    uint32_t ask = avail + 512;                                              /* more than there is */
    const char *w = hrun_check(&r, "FULLY_REQUIRED, more than there is", (uint32_t)any(ask * PAGE_SIZE, MM_ALLOCATE_FULLY_REQUIRED), 0);
    PMDL m = w ? NULL : any(ask * PAGE_SIZE, 0);
    if (w) e = w;
    else if (!m) e = test_fail(__FILE__, __LINE__, "nothing at all with %u frames available", avail);
    else {
        uint32_t got = m->ByteCount >> PAGE_SHIFT;
        kprintf("exhaust/pages-for-mdl-more-than-ram: asked %u pages, %u available, got %u (ballast %u)\n", ask, avail, got,
                ballast);
        /* The MDL itself is pool (a page-based block of a few pages) and may need a page table. */
        if (got >= ask || got + 8 < avail || (m->ByteCount & PAGE_MASK) || mm_available_frames() > 0)
            e = test_fail(__FILE__, __LINE__, "asked %u, %u available: got %u, %u left", ask, avail, got, mm_available_frames());
        for (uint32_t i = got; !e && i < ask; i++)
            if (MmGetMdlPfnArray(m)[i] != LIST_HEAD_PFN) e = test_fail(__FILE__, __LINE__, "PFN entry %u past the pages", i);
        hrun_rebase(&r);
        if (!e) e = hrun_check(&r, "a second MDL with nothing left", (uint32_t)any(PAGE_SIZE, 0), 0);
        MmFreePagesFromMdl(m);
        ExFreePool(m);
    }
    ballast_release();
    const char *moved = test_what_moved(&start);
    if (!e && moved) e = test_fail(__FILE__, __LINE__, "after giving everything back: %s", moved);
    return e;
}

/* One run of cycles: how many, and whether the system PTEs (true) or the frames ran out. */
static const char *cycles(uint32_t *n, bool *ptes_gone)
{
    static PMDL mdl[64];
    static PVOID va[64];
    struct mm_counts start;
    mm_counts_take(&start);
    *n = 0;
    *ptes_gone = false;
    const char *e = PASS;
    while (*n < ARRAY_SIZE(mdl)) {
        /* 32 MiB, or - on a small machine - what is left but the page tables a map needs. */
        uint32_t avail = mm_available_frames(), bytes = MIN(CYCLE, avail > 64 ? (avail - 64) * PAGE_SIZE : 0);
        PMDL m = bytes ? any(bytes, 0) : NULL;
        if (!m) break;                                                        /* frames gone */
        uint32_t pages = m->ByteCount >> PAGE_SHIFT, ptes = syspte_free_count();
        PVOID v = MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, NULL, FALSE, NormalPagePriority);
        if (!v) {
            /* Either too few system PTEs, or no frame left for the page tables the map needs. */
            *ptes_gone = ptes <= pages;
            if (!*ptes_gone && mm_available_frames() > 2)
                e = test_fail(__FILE__, __LINE__, "a %u-page map failed with %u system PTEs and %u frames free", pages,
                              ptes, mm_available_frames());
            MmFreePagesFromMdl(m);
            ExFreePool(m);
            break;
        }
        *(volatile uint32_t *)((uint8_t *)v + (pages - 1) * PAGE_SIZE) = *n;    /* the last page is there */
        mdl[*n] = m;
        va[(*n)++] = v;
        if (pages < CYCLE / PAGE_SIZE) break;                                 /* frames gone: the rest had */
    }
    for (uint32_t i = 0; i < *n; i++) {
        uint32_t pages = mdl[i]->ByteCount >> PAGE_SHIFT;
        if (!e && *(volatile uint32_t *)((uint8_t *)va[i] + (pages - 1) * PAGE_SIZE) != i)
            e = test_fail(__FILE__, __LINE__, "cycle %u's last page lost its data", i);
        MmUnmapLockedPages(va[i], mdl[i]);
        MmFreePagesFromMdl(mdl[i]);
        ExFreePool(mdl[i]);
    }
    const char *moved = test_what_moved(&start);
    if (!e && moved) e = test_fail(__FILE__, __LINE__, "after %u cycles, given back: %s", *n, moved);
    return e;
}

TEST(ex_pages_map_cycles, "exhaust/pages-for-mdl-32mib-map-cycles")
{
    uint32_t n[2];
    bool ptes[2];
    uint64_t t0 = hnow();
    for (int round = 0; round < 2; round++) TRY(cycles(&n[round], &ptes[round]));
    kprintf("exhaust/pages-for-mdl-32mib-map-cycles: %u and %u cycles, ended by %s, %u Mcycles\n", n[0], n[1],
            ptes[0] ? "the system PTEs" : "the frames", hmcycles(t0));
    CHECK(n[0] > 0);
    CHECK_EQ(n[0], n[1]);
    CHECK_EQ(ptes[0], ptes[1]);
    /* 256 MiB of system PTEs hold 7 mappings of 32 MiB (8,193 slots each); with the RAM for 8 the
     * PTEs must be what ran out. */
    if (mm_available_frames() > 8 * (CYCLE / PAGE_SIZE) + 1024) {
        CHECK(ptes[0]);
        CHECK(n[0] <= 7);
    }
    return PASS;
}
