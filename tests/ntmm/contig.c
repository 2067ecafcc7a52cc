/*
 * tests/ntmm/contig.c - ntmm/contig-...: MmAllocateContiguousMemory(SpecifyCache) and
 * MmFreeContiguousMemory(SpecifyCache): the frame constraints read back through
 * MmGetPhysicalAddress, the ReactOS argument rules, and the non-halting BAD_POOL_CALLER report.
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/ntmm/ntmm.h"
#include "tests/ntmm/ntmm_test.h"

/* Every page of [va, va + n pages) maps consecutive frames; returns the first frame's address. */
static const char *check_contiguous(uint8_t *va, uint32_t n, uint32_t *first)
{
    *first = MmGetPhysicalAddress(va).LowPart;
    CHECK(*first && !(*first & PAGE_MASK));
    for (uint32_t i = 1; i < n; i++)
        CHECK_MSG(MmGetPhysicalAddress(va + i * PAGE_SIZE).LowPart == *first + i * PAGE_SIZE,
                  "page %u of %p is at %08x, not %08x", i, va, MmGetPhysicalAddress(va + i * PAGE_SIZE).LowPart,
                  *first + i * PAGE_SIZE);
    return PASS;
}

/* C.4 test 6. */
TEST(ntmm_contig_constraints, "ntmm/contig-constraints")
{
    struct mm_counts before;
    mm_counts_take(&before);
    uint8_t *v = MmAllocateContiguousMemorySpecifyCache(0x10000, phys(0x1001), phys(0xFFFFFF), phys(0x10000), MmNonCached);
    CHECK(v);
    uint32_t pa;
    TRY(check_contiguous(v, 16, &pa));
    pte_t e = *MiGetPteAddress(v);
    for (uint32_t i = 0; i < 0x10000; i += 4) *(volatile uint32_t *)(v + i) = i ^ 0x5A5A5A5A;
    bool data = true;
    for (uint32_t i = 0; i < 0x10000; i += 4) data &= *(volatile uint32_t *)(v + i) == (i ^ 0x5A5A5A5A);
    MmFreeContiguousMemorySpecifyCache(v, 0x10000, MmNonCached);
    CHECK_EQ((vaddr_t)v & PAGE_MASK, 0);
    CHECK(pa >= 0x2000);                                     /* Lowest 0x1001 rounds up to frame 2 */
    CHECK(pa + 0xFFFF <= 0xFFFFFF);                          /* below 16 MiB */
    CHECK_EQ(pa / 0x10000, (pa + 0xFFFF) / 0x10000);         /* no 64 KiB crossing */
    CHECK_EQ(e & (PTE_PCD | PTE_PWT), PTE_PCD | PTE_PWT);
    CHECK(data);
    CHECK(!MmIsAddressValid(v));
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* Lowest with a byte offset excludes its own frame: a request that fits only [f, f+1] gets f+1. */
TEST(ntmm_contig_lowest_rounds_up, "ntmm/contig-lowest-rounds-up")
{
    pfn_t f = PFN_NONE;
    for (pfn_t p = 0x200; p + 1 < pfn_max; p++)
        if (pfn_db[p].state == PFN_FREE && pfn_db[p + 1].state == PFN_FREE) { f = p; break; }
    CHECK(f != PFN_NONE);
    struct mm_counts before;
    mm_counts_take(&before);
    PVOID a = MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, phys(((uint64_t)f << PAGE_SHIFT) + 1),
                                                     phys(((uint64_t)(f + 1) << PAGE_SHIFT) + 0xFFF), phys(0), MmCached);
    PVOID b = MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, phys(((uint64_t)f << PAGE_SHIFT) + 1),
                                                     phys(((uint64_t)f << PAGE_SHIFT) + 0xFFF), phys(0), MmCached);
    uint32_t pa = a ? MmGetPhysicalAddress(a).LowPart : 0;
    if (a) MmFreeContiguousMemory(a);
    if (b) MmFreeContiguousMemory(b);
    CHECK(a);
    CHECK_EQ(pa, (f + 1) << PAGE_SHIFT);
    CHECK(b == NULL);                                        /* LowestPfn f+1 > HighestPfn f */
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* A 32 KiB boundary and an 8-page request: the only way not to cross is to start on one. */
TEST(ntmm_contig_boundary, "ntmm/contig-boundary")
{
    struct mm_counts before;
    mm_counts_take(&before);
    uint8_t *v[4];
    uint32_t pa[4];
    for (int i = 0; i < 4; i++) {
        v[i] = MmAllocateContiguousMemorySpecifyCache(8 * PAGE_SIZE - 100, phys(0), phys(0xFFFFFFFFu), phys(0x8000), MmCached);
        CHECK(v[i]);
        TRY(check_contiguous(v[i], 8, &pa[i]));
    }
    for (int i = 0; i < 4; i++) MmFreeContiguousMemory(v[i]);
    for (int i = 0; i < 4; i++) CHECK_EQ(pa[i] & 0x7FFF, 0);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

static ULONG hook_calls, hook_code;
static ULONG_PTR hook_p1, hook_p2;
static void record_bugcheck(ULONG code, ULONG_PTR p1, ULONG_PTR p2, ULONG_PTR p3, ULONG_PTR p4)
{
    (void)p3;
    (void)p4;
    hook_calls++;
    hook_code = code;
    hook_p1 = p1;
    hook_p2 = p2;
}

/* Freeing the middle of a block: BAD_POOL_CALLER 0x60, reported, nothing freed, no halt. */
TEST(ntmm_contig_free_middle, "ntmm/contig-free-middle-bugcheck")
{
    struct mm_counts before;
    mm_counts_take(&before);
    uint32_t maps = ntmm_mapping_count();
    uint8_t *v = MmAllocateContiguousMemorySpecifyCache(3 * PAGE_SIZE, phys(0), phys(0xFFFFFFFFu), phys(0), MmCached);
    CHECK(v);
    uint32_t held = mm_free_frames(), count = ntmm_last_bugcheck.count;
    hook_calls = 0;
    ntmm_bugcheck_hook = record_bugcheck;
    MmFreeContiguousMemory(v + PAGE_SIZE);
    ULONG c1 = hook_calls, code1 = hook_code, sub1 = hook_p1, addr1 = hook_p2;
    bool still = MmIsAddressValid(v + PAGE_SIZE) && mm_free_frames() == held;
    MmFreeContiguousMemory(v + 0x10);                        /* not page-aligned: not a start either */
    MmFreeContiguousMemory(NULL);
    ULONG c3 = hook_calls;
    MmFreeContiguousMemory(v);                               /* the real start */
    ULONG c4 = hook_calls;
    MmFreeContiguousMemory(v);                               /* twice */
    ULONG c5 = hook_calls, sub5 = hook_p1;
    ntmm_bugcheck_hook = NULL;
    CHECK_EQ(c1, 1);
    CHECK_EQ(code1, BAD_POOL_CALLER);
    CHECK_EQ(sub1, 0x60);
    CHECK_EQ(addr1, (ULONG_PTR)(v + PAGE_SIZE));
    CHECK(still);
    CHECK_EQ(c3, 3);
    CHECK_EQ(c4, 3);
    CHECK_EQ(c5, 4);
    CHECK_EQ(sub5, 0x60);
    CHECK_EQ(ntmm_last_bugcheck.count, count + 4);
    CHECK_EQ(ntmm_last_bugcheck.code, BAD_POOL_CALLER);
    CHECK_NOTHING_MOVED(&before);
    CHECK_EQ(ntmm_mapping_count(), maps);
    return PASS;
}

TEST(ntmm_contig_bad_input, "ntmm/contig-bad-input")
{
    struct mm_counts before;
    mm_counts_take(&before);
    uint32_t maps = ntmm_mapping_count();
    PHYSICAL_ADDRESS lo = phys(0), hi = phys(0xFFFFFFFFu), none = phys(0);
    CHECK(MmAllocateContiguousMemorySpecifyCache(0, lo, hi, none, MmCached) == NULL);                /* zero length */
    CHECK(MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, lo, hi, none, (MEMORY_CACHING_TYPE)6) == NULL);
    CHECK(MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, lo, hi, none, MmNotMapped) == NULL);
    CHECK(MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, lo, hi, phys(0x3000), MmCached) == NULL);  /* not 2^n */
    CHECK(MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, lo, hi, phys(0x10001), MmCached) == NULL); /* byte offset */
    CHECK(MmAllocateContiguousMemorySpecifyCache(3 * PAGE_SIZE, lo, hi, phys(0x2000), MmCached) == NULL); /* < size */
    CHECK(MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, phys(0x200000), phys(0x100000), none, MmCached) == NULL);
    CHECK(MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, phys(0x1001), phys(0x1FFF), none, MmCached) == NULL);
    CHECK(MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, lo, phys(0x9FFFF), none, MmCached) == NULL); /* < 640K: reserved */
    CHECK(MmAllocateContiguousMemorySpecifyCache(0xFFFFFFFFu, lo, hi, none, MmCached) == NULL);        /* too large */
    CHECK(MmAllocateContiguousMemorySpecifyCache((mm_free_frames() + 1) * PAGE_SIZE, lo, hi, none, MmCached) == NULL);
    CHECK(MmAllocateContiguousMemory(0, hi) == NULL);
    CHECK_NOTHING_MOVED(&before);
    CHECK_EQ(ntmm_mapping_count(), maps);
    CHECK_MM_OK();
    return PASS;
}

TEST(ntmm_contig_cache_types, "ntmm/contig-cache-types")
{
    struct mm_counts before;
    mm_counts_take(&before);
    bool pat = x86.pat && x86.msr;
    for (int t = MmNonCached; t < MmMaximumCacheType; t++) {
        uint8_t *v = MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, phys(0), phys(0xFFFFFFFFu), phys(0), (MEMORY_CACHING_TYPE)t);
        CHECK(v);
        pte_t e = *MiGetPteAddress(v);
        *(volatile uint32_t *)v = 0x1234 + t;
        uint32_t back = *(volatile uint32_t *)v;
        MmFreeContiguousMemory(v);
        uint32_t want = (t == MmNonCached || t == MmNonCachedUnordered) ? (PTE_PCD | PTE_PWT)
                      : (t == MmWriteCombined || t == MmUSWCCached) ? (pat ? PTE_PAT | PTE_PWT : PTE_PCD) : 0;
        CHECK_MSG((e & (PTE_PCD | PTE_PWT | PTE_PAT)) == want, "type %d: PTE %08x", t, e);
        CHECK_EQ(back, 0x1234u + t);
    }
    PHYSICAL_ADDRESS below16m = phys(0xFFFFFF);
    uint8_t *c = MmAllocateContiguousMemory(5 * PAGE_SIZE, below16m);
    CHECK(c);
    uint32_t pa;
    const char *r = check_contiguous(c, 5, &pa);
    pte_t e = *MiGetPteAddress(c);
    MmFreeContiguousMemory(c);
    TRY(r);
    CHECK(pa + 5 * PAGE_SIZE <= 0x1000000);
    CHECK_EQ(e & (PTE_PCD | PTE_PWT | PTE_PAT), 0);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}
