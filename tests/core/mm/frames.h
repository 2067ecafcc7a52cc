/*
 * tests/core/mm/frames.h - the core tests' helpers, for any test that asks the core directly:
 * the frame behind a page, a committed system block, and frames in a known order for tests
 * whose precondition is where pages land.
 *
 * A test that needs scattered pages makes them so: spread_begin arranges the free list so that
 * the next SPREAD single-frame allocations - demand-zero faults, commits, page tables - get
 * frames no two of which are adjacent (2 * SPREAD frames are taken, every other one by address
 * is held, the rest go back to the head of their list, where pfn_alloc takes from), and
 * spread_end gives the held ones back.  The test still checks its precondition before relying
 * on it.
 */
#ifndef TESTS_FRAMES_TEST_H
#define TESTS_FRAMES_TEST_H
#include "mm/mm.h"
#include "mm/core/pfn.h"

/* The frame behind va in the current address space (a 4 MiB page's own 4 KiB frame), or
 * PFN_NONE when va is not present. */
static inline pfn_t frame_of(vaddr_t va)
{
    struct mm_page_info pi;
    mm_page_info(va, &pi);
    return pi.present ? pi.pfn : PFN_NONE;
}

/* n system-arena pages reserved and committed present and zeroed with prot (MM_PROT_*), a region
 * of their own (OWNER_TEST); NULL, nothing left behind, when that fails. */
static inline struct region *sys_block(uint32_t n, uint32_t prot)
{
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, n, 1, OWNER_TEST, NULL);
    if (r && mm_commit(r->base, n, prot, MM_COMMIT_PRESENT, NULL, NULL) != MM_OK) {
        mm_release(r);
        r = NULL;
    }
    return r;
}

#define SPREAD 12
struct spread { pfn_t held[SPREAD]; };

static inline bool spread_begin(struct spread *s)
{
    pfn_t f[2 * SPREAD];
    for (uint32_t i = 0; i < 2 * SPREAD; i++) {
        f[i] = pfn_alloc(0);
        if (f[i] == PFN_NONE) {
            while (i--) pfn_free(f[i]);
            return false;
        }
    }
    for (uint32_t i = 1; i < 2 * SPREAD; i++)              /* insertion sort */
        for (uint32_t j = i; j && f[j] < f[j - 1]; j--) { pfn_t t = f[j]; f[j] = f[j - 1]; f[j - 1] = t; }
    for (uint32_t i = 0; i < SPREAD; i++) {
        s->held[i] = f[2 * i + 1];
        pfn_free(f[2 * i]);
    }
    return true;
}

/*
 * The same for frames a test keeps for good (a PAGEFIXED page of a free physical region is
 * never given back, nor the page table under it): the scattered frames are the lowest free
 * ones of the list allocations come from (high memory, or low memory when there is none), not
 * whatever an earlier test freed last.  So where they stay does not depend on the order the
 * tests ran in - in a random order they used to land in the only free 4 MiB run of a 12 MiB
 * machine, and the large-page tests after them skipped.  Falls back to spread_begin when that
 * list has too few free frames.
 */
static inline bool spread_begin_lowest(struct spread *s)
{
    pfn_t f[2 * SPREAD];
    uint32_t n = 0;
    pfn_t lo = pfn_max > ISA_DMA_LIMIT_PFN ? ISA_DMA_LIMIT_PFN : 0;
    for (pfn_t p = lo; p < pfn_max && n < 2 * SPREAD; p++)
        if (pfn_db[p].state == PFN_FREE && pfn_alloc_run(1, 1, p, p + 1, 0, 0) == p) f[n++] = p;
    if (n < 2 * SPREAD) {
        while (n) pfn_free(f[--n]);
        return spread_begin(s);
    }
    for (uint32_t i = 0; i < SPREAD; i++) s->held[i] = f[2 * i + 1];
    for (uint32_t i = SPREAD; i--;) pfn_free(f[2 * i]);      /* the lowest ends at the head */
    return true;
}

static inline void spread_end(struct spread *s)
{
    for (uint32_t i = 0; i < SPREAD; i++) pfn_free(s->held[i]);
}

/* No two neighbouring pages of [va, va + n pages) on adjacent frames. */
static inline bool spread_apart(vaddr_t va, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++)
        if (frame_of(va + i * PAGE_SIZE) == frame_of(va + (i - 1) * PAGE_SIZE) + 1) return false;
    return true;
}
#endif
