/*
 * tests/ntmm/pages.c - ntmm/pages-*: MmAllocatePagesForMdl(Ex) and MmFreePagesFromMdl on the MMU:
 * which frames, in which ranges and runs, locked and mapped nowhere until a mapping is asked for,
 * the cache type of the Ex form in the PTEs (through the PAT), and what happens to an MDL freed
 * while still mapped (mm/ntmm/pages.c).
 */
#include "tests/harness/test.h"
#include "tests/harness/user.h"
#include "kernel/trap.h"
#include "mm/core/pte.h"
#include "tests/harness/frames.h"
#include "tests/ntmm/ntmm_test.h"


static PMDL any_pages(SIZE_T bytes) { return MmAllocatePagesForMdl(phys(0), phys(~0ull), phys(0), bytes); }

/* The MDL NT describes: no virtual address, locked, its frames used, locked once, unmapped, zero. */
TEST(ntmm_pages_basic, "ntmm/pages-for-mdl-frames-locked-unmapped")
{
    uint32_t free = mm_free_frames(), locked = mm_locked_frames(), ptes = syspte_free_count();
    PMDL m = any_pages(16 * PAGE_SIZE);
    CHECK(m);
    CHECK(MmGetMdlVirtualAddress(m) == NULL);
    CHECK(MmGetMdlBaseVa(m) == NULL);
    CHECK_EQ(MmGetMdlByteOffset(m), 0);
    CHECK_EQ(MmGetMdlByteCount(m), 16 * PAGE_SIZE);
    CHECK_EQ(m->MdlFlags, MDL_PAGES_LOCKED);
    CHECK_EQ((uint16_t)m->Size, sizeof(MDL) + 16 * sizeof(PFN_NUMBER));
    CHECK(m->Process == NULL && m->MappedSystemVa == NULL);
    PPFN_NUMBER f = MmGetMdlPfnArray(m);
    for (int i = 0; i < 16; i++) {
        CHECK(mm_frame_is_ram(f[i]));
        CHECK_EQ(pfn_db[f[i]].state, PFN_USED);
        CHECK_EQ(pfn_db[f[i]].lock_count, 1);
        CHECK_EQ(pfn_db[f[i]].map_count, 0);
        CHECK(frame_zero(f[i]));
        for (int j = 0; j < i; j++) CHECK(f[i] != f[j]);
    }
    CHECK_EQ(mm_free_frames(), free - 16);
    CHECK_EQ(mm_locked_frames(), locked + 16);
    CHECK_EQ(syspte_free_count(), ptes);                 /* no mapping made */
    uint8_t *va = MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, NULL, FALSE, NormalPagePriority);
    CHECK(va);
    for (int i = 0; i < 16; i++) {
        pte_t e = *MiGetPteAddress(va + i * PAGE_SIZE);
        CHECK_EQ(pte_pfn(e), f[i]);
        CHECK_EQ(e & (PTE_P | PTE_W | PTE_U), PTE_P | PTE_W);
        *(volatile uint32_t *)(va + i * PAGE_SIZE) = 0xA11C0000u + i;
    }
    MmUnmapLockedPages(va, m);
    CHECK(!MmIsAddressValid(va));
    pfn_t f3 = f[3];
    MmFreePagesFromMdl(m);
    CHECK_EQ(pfn_db[f3].state, PFN_FREE);
    CHECK_EQ(f[0], LIST_HEAD_PFN);
    CHECK_EQ(m->MdlFlags & MDL_PAGES_LOCKED, 0);
    ExFreePool(m);
    CHECK_EQ(mm_free_frames(), free);
    CHECK_EQ(mm_locked_frames(), locked);
    CHECK_EQ(syspte_free_count(), ptes);
    return PASS;
}

/* [Low, High] then [Low + Skip, High + Skip], ...: one-frame ranges give consecutive frames. */
TEST(ntmm_pages_ranges, "ntmm/pages-for-mdl-ranges-and-skip")
{
    pfn_t r = free_run(8);
    CHECK(r != PFN_NONE);
    uint32_t free = mm_free_frames();
    uint64_t lo = (uint64_t)r << PAGE_SHIFT;
    PMDL m = MmAllocatePagesForMdl(phys(lo), phys(lo + 0xFFF), phys(PAGE_SIZE), 4 * PAGE_SIZE);
    CHECK(m);
    CHECK_EQ(m->ByteCount, 4 * PAGE_SIZE);
    for (int i = 0; i < 4; i++) CHECK_EQ(MmGetMdlPfnArray(m)[i], r + i);
    MmFreePagesFromMdl(m);
    ExFreePool(m);
    /* One range of four frames, eight pages asked: four had, ByteCount says so, LIST_HEAD after. */
    m = MmAllocatePagesForMdl(phys(lo), phys(lo + 4 * PAGE_SIZE - 1), phys(0), 8 * PAGE_SIZE - 5);
    CHECK(m);
    CHECK_EQ(m->ByteCount, 4 * PAGE_SIZE);
    for (int i = 0; i < 4; i++) CHECK(MmGetMdlPfnArray(m)[i] >= r && MmGetMdlPfnArray(m)[i] < r + 4);
    for (int i = 4; i < 8; i++) CHECK_EQ(MmGetMdlPfnArray(m)[i], LIST_HEAD_PFN);
    MmFreePagesFromMdl(m);
    ExFreePool(m);
    /* A byte count that is not a page multiple is kept when every page was had. */
    m = MmAllocatePagesForMdl(phys(lo), phys(lo + 4 * PAGE_SIZE - 1), phys(0), 2 * PAGE_SIZE + 7);
    CHECK(m);
    CHECK_EQ(m->ByteCount, 2 * PAGE_SIZE + 7);
    MmFreePagesFromMdl(m);
    ExFreePool(m);
    struct before b;
    before_take(&b);
    CHECK(MmAllocatePagesForMdl(phys(lo + PAGE_SIZE), phys(lo), phys(0), PAGE_SIZE) == NULL);   /* Low > High */
    CHECK(MmAllocatePagesForMdl(phys(lo), phys(lo + 0xFFF), phys(0x800), PAGE_SIZE) == NULL);  /* Skip offset */
    CHECK(any_pages(0) == NULL);
    UNCHANGED(&b, "refused MmAllocatePagesForMdl");
    CHECK_EQ(mm_free_frames(), free);
    return PASS;
}

/* FULLY_REQUIRED: all or nothing; REQUIRE_CONTIGUOUS_CHUNKS: runs of SkipBytes; other bits: NULL. */
TEST(ntmm_pages_ex_flags, "ntmm/pages-for-mdl-ex-flags")
{
    pfn_t r = free_run(4);
    CHECK(r != PFN_NONE);
    uint64_t lo = (uint64_t)r << PAGE_SHIFT;
    struct before b;
    before_take(&b);
    CHECK(MmAllocatePagesForMdlEx(phys(lo), phys(lo + 4 * PAGE_SIZE - 1), phys(0), 8 * PAGE_SIZE, MmCached,
                                  MM_ALLOCATE_FULLY_REQUIRED) == NULL);
    CHECK(MmAllocatePagesForMdlEx(phys(0), phys(~0ull), phys(0), PAGE_SIZE, MmCached, 0x40) == NULL);
    CHECK(MmAllocatePagesForMdlEx(phys(0), phys(~0ull), phys(0), PAGE_SIZE, MmMaximumCacheType, 0) == NULL);
    CHECK(MmAllocatePagesForMdlEx(phys(0), phys(~0ull), phys(3 * PAGE_SIZE), 6 * PAGE_SIZE, MmCached,
                                  MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS) == NULL);      /* chunk not 2^k */
    CHECK(MmAllocatePagesForMdlEx(phys(0), phys(~0ull), phys(4 * PAGE_SIZE), 6 * PAGE_SIZE, MmCached,
                                  MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS) == NULL);      /* not a multiple */
    UNCHANGED(&b, "refused MmAllocatePagesForMdlEx");
    PMDL m = MmAllocatePagesForMdlEx(phys(lo), phys(lo + 4 * PAGE_SIZE - 1), phys(0), 4 * PAGE_SIZE, MmCached,
                                     MM_ALLOCATE_FULLY_REQUIRED | MM_DONT_ZERO_ALLOCATION);
    CHECK(m);
    CHECK_EQ(m->ByteCount, 4 * PAGE_SIZE);
    for (int i = 0; i < 4; i++) CHECK(frame_zero(MmGetMdlPfnArray(m)[i]));   /* zeroed regardless */
    MmFreePagesFromMdl(m);
    ExFreePool(m);
    m = MmAllocatePagesForMdlEx(phys(0), phys(~0ull), phys(4 * PAGE_SIZE), 16 * PAGE_SIZE, MmCached,
                                MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS);
    CHECK(m);
    CHECK_EQ(m->ByteCount, 16 * PAGE_SIZE);
    PPFN_NUMBER f = MmGetMdlPfnArray(m);
    for (int i = 0; i < 16; i++) {
        if (i % 4 == 0) CHECK_EQ(f[i] % 4, 0);
        else CHECK_EQ(f[i], f[i - 1] + 1);
    }
    MmFreePagesFromMdl(m);
    ExFreePool(m);
    UNCHANGED(&b, "the Ex allocations given back");
    return PASS;
}

/* The Ex form's cache type is the pages': a mapping that asks MmCached gets it anyway. */
TEST(ntmm_pages_ex_cache, "ntmm/pages-for-mdl-ex-cache-type-wins")
{
    PMDL nc = MmAllocatePagesForMdlEx(phys(0), phys(~0ull), phys(0), 2 * PAGE_SIZE, MmNonCached, 0);
    PMDL plain = any_pages(PAGE_SIZE);
    CHECK(nc && plain);
    uint8_t *a = MmMapLockedPagesSpecifyCache(nc, KernelMode, MmCached, NULL, FALSE, 0);
    uint8_t *c = MmMapLockedPagesSpecifyCache(plain, KernelMode, MmNonCached, NULL, FALSE, 0);
    CHECK(a && c);
    pte_t ea = *MiGetPteAddress(a), eb = *MiGetPteAddress(a + PAGE_SIZE), ec = *MiGetPteAddress(c);
    MmFreePagesFromMdl(nc);                               /* unmaps too */
    MmFreePagesFromMdl(plain);
    ExFreePool(nc);
    ExFreePool(plain);
    CHECK_EQ(ea & (PTE_PCD | PTE_PWT), PTE_PCD | PTE_PWT);
    CHECK_EQ(eb & (PTE_PCD | PTE_PWT), PTE_PCD | PTE_PWT);
    CHECK_EQ(pte_memory_type(ea), 0);                      /* UC through the PAT */
    CHECK_EQ(ec & (PTE_PCD | PTE_PWT), PTE_PCD | PTE_PWT); /* no type fixed: the map's */
    CHECK(!MmIsAddressValid(a) && !MmIsAddressValid(c));
    return PASS;
}

/* Freed while mapped: the system mapping goes first; a user mapping keeps its frames until it
 * goes; ExFreePool of the MDL with its pages still allocated gives them back. */
TEST(ntmm_pages_freed_mapped, "ntmm/pages-for-mdl-freed-while-mapped")
{
    uint32_t free = mm_free_frames(), ptes = syspte_free_count(), locked = mm_locked_frames();
    PMDL m = any_pages(2 * PAGE_SIZE);
    CHECK(m);
    uint8_t *va = MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, NULL, FALSE, 0);
    CHECK(va);
    MmFreePagesFromMdl(m);
    CHECK(!MmIsAddressValid(va));
    CHECK_EQ(syspte_free_count(), ptes);
    CHECK_EQ(mm_free_frames(), free);
    ExFreePool(m);
    /* User mode: the frames outlive MmFreePagesFromMdl until the user mapping goes. */
    m = any_pages(PAGE_SIZE);
    CHECK(m);
    pfn_t f = MmGetMdlPfnArray(m)[0];
    m->MdlFlags |= MDL_WRITE_OPERATION;
    NTSTATUS st;
    PVOID u = map_user(m, MmCached, NULL, &st);
    CHECK(u);
    struct user_result r;
    CHECK(user_call(u_write, (uint32_t)u + 8, 0x5EED0001u, &r) == 0 && !r.faulted);
    MmFreePagesFromMdl(m);
    CHECK_EQ(pfn_db[f].state, PFN_USED);
    CHECK_EQ(pfn_db[f].lock_count, 0);
    CHECK(user_call(u_read, (uint32_t)u + 8, 0, &r) == 0 && !r.faulted);
    CHECK_EQ(r.value, 0x5EED0001u);
    MmUnmapLockedPages(u, m);
    CHECK_EQ(pfn_db[f].state, PFN_FREE);
    ExFreePool(m);
    /* ExFreePool alone, mapped: everything back. */
    m = any_pages(3 * PAGE_SIZE);
    CHECK(m);
    va = MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, NULL, FALSE, 0);
    CHECK(va);
    ExFreePool(m);
    CHECK(!MmIsAddressValid(va));
    CHECK_EQ(mm_free_frames(), free);
    CHECK_EQ(syspte_free_count(), ptes);
    CHECK_EQ(mm_locked_frames(), locked);
    return PASS;
}

/* A second free, or an MDL this service did not make: MEMORY_MANAGEMENT 0x1236, nothing freed. */
TEST(ntmm_pages_bad_free, "ntmm/pages-for-mdl-bad-free-reported")
{
    PMDL m = any_pages(PAGE_SIZE);
    CHECK(m);
    MmFreePagesFromMdl(m);
    PMDL io = IoAllocateMdl((PVOID)KPOOL_BASE, 16, FALSE, FALSE, NULL);
    CHECK(io);
    MmBuildMdlForNonPagedPool(io);
    struct before b;
    before_take(&b);
    ULONG n = ntmm_last_bugcheck.count;
    MmFreePagesFromMdl(m);
    CHECK(reported(n, MEMORY_MANAGEMENT, 0x1236));
    n = ntmm_last_bugcheck.count;
    MmFreePagesFromMdl(io);
    CHECK(reported(n, MEMORY_MANAGEMENT, 0x1236));
    CHECK_EQ(io->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL, MDL_SOURCE_IS_NONPAGED_POOL);
    UNCHANGED(&b, "refused MmFreePagesFromMdl");
    IoFreeMdl(io);
    ExFreePool(m);
    return PASS;
}

/* A mapping larger than what is left of the system-PTE pool: NULL, or NO_MORE_SYSTEM_PTES
 * reported with BugCheckOnFailure; nothing changes. */
TEST(ntmm_pages_map_too_large, "ntmm/pages-for-mdl-map-beyond-system-ptes")
{
    PMDL m = any_pages(16 * PAGE_SIZE);
    CHECK(m);
    static vaddr_t hog[512];
    static uint32_t hogn[512];
    uint32_t nhog = 0;
    for (uint32_t chunk = 0x8000; chunk >= 1 && nhog < ARRAY_SIZE(hog);) {   /* leave fewer than 17 */
        vaddr_t v = syspte_alloc(chunk);
        if (v) { hog[nhog] = v; hogn[nhog++] = chunk; } else chunk /= 2;
        if (syspte_free_count() < 17) break;
    }
    const char *fail = PASS;
    if (syspte_free_count() >= 17) fail = "could not use up the system PTEs";
    struct before b;
    before_take(&b);
    ULONG n = ntmm_last_bugcheck.count;
    PVOID v1 = MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, NULL, FALSE, 0);
    PVOID v2 = MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, NULL, TRUE, 0);
    bool rep = reported(n, NO_MORE_SYSTEM_PTES, 0) && ntmm_last_bugcheck.param[1] == 16;
    const char *w = unchanged(&b, "a map beyond the system PTEs");
    for (uint32_t i = 0; i < nhog; i++) syspte_free(hog[i], hogn[i]);
    MmFreePagesFromMdl(m);
    ExFreePool(m);
    if (fail) return fail;
    CHECK(v1 == NULL && v2 == NULL);
    CHECK(rep);
    CHECK_MSG(!w, "%s", w);
    return PASS;
}
