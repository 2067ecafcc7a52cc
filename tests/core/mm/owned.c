/*
 * tests/core/mm/owned.c - mm/owned-* and mm/syspte-header-*: the two core capabilities the NT
 * personality's page-MDL and reserved-mapping services are built on (mm/core/owned.c,
 * mm/core/syspte.c), shown on the PFN database, the page tables and the commit charge.
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "tests/harness/frames.h"
#include "mm/core/pfn.h"


/* Owned frames: used, locked once by the record, mapped nowhere, zeroed; given back whole. */
TEST(owned_frames_unmapped, "mm/owned-frames-locked-unmapped-zeroed")
{
    uint32_t free = mm_free_frames(), locked = mm_locked_frames(), charge = mm_commit_charge();
    struct mm_frame_req any = { 0, PFN_NONE, 1, 0 };
    pfn_t f[8];
    mm_lock_t rec;
    CHECK_EQ(mm_alloc_locked_frames(8, 1, &any, 0, false, f, &rec), 8);
    CHECK(rec);
    CHECK_EQ(mm_free_frames(), free - 8);
    CHECK_EQ(mm_locked_frames(), locked + 8);
    CHECK_EQ(mm_commit_charge(), charge);
    CHECK_EQ(mm_lock_record_size(rec), 8);
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(pfn_db[f[i]].state, PFN_USED);
        CHECK_EQ(pfn_db[f[i]].lock_count, 1);
        CHECK_EQ(pfn_db[f[i]].map_count, 0);
        CHECK_EQ(pfn_db[f[i]].hold_count, 0);
        CHECK(frame_zero(f[i]));
        for (int j = 0; j < i; j++) CHECK(f[i] != f[j]);
    }
    char why[120];
    CHECK_MSG(mm_check(why, sizeof why), "%s", why);
    CHECK_EQ(mm_unlock_record(rec), MM_OK);
    for (int i = 0; i < 8; i++) CHECK_EQ(pfn_db[f[i]].state, PFN_FREE);
    CHECK_EQ(mm_free_frames(), free);
    CHECK_EQ(mm_locked_frames(), locked);
    return PASS;
}

/* A mapping keeps its frame after the record goes; the frame is freed with the mapping. */
TEST(owned_frames_outlive_record, "mm/owned-frames-outlive-their-record-while-mapped")
{
    uint32_t free = mm_free_frames();
    struct mm_frame_req any = { 0, PFN_NONE, 1, 0 };
    pfn_t f[2];
    mm_lock_t rec;
    CHECK_EQ(mm_alloc_locked_frames(2, 1, &any, 0, false, f, &rec), 2);
    vaddr_t va = syspte_alloc(2);
    CHECK(va);
    CHECK_EQ(mm_map_frames(va, 2, f, MM_PROT_WRITE), MM_OK);
    *(volatile uint32_t *)(va + PAGE_SIZE) = 0x0DDF00D5;
    CHECK_EQ(mm_unlock_record(rec), MM_OK);
    CHECK_EQ(pfn_db[f[1]].state, PFN_USED);                    /* the mapping's reference */
    CHECK_EQ(pfn_db[f[1]].lock_count, 0);
    CHECK_EQ(*(volatile uint32_t *)(va + PAGE_SIZE), 0x0DDF00D5);
    CHECK_EQ(mm_free_frames(), free - 2);
    CHECK_EQ(mm_decommit(va, 2), MM_OK);
    CHECK_EQ(syspte_free(va, 2), MM_OK);
    CHECK_EQ(pfn_db[f[0]].state, PFN_FREE);
    CHECK_EQ(pfn_db[f[1]].state, PFN_FREE);
    CHECK_EQ(mm_free_frames(), free);
    return PASS;
}

/* Runs of 4 contiguous frames aligned to 4; requests tried in order; `all` is all or nothing. */
TEST(owned_frames_runs_ranges, "mm/owned-frames-runs-ranges-all-or-nothing")
{
    uint32_t free = mm_free_frames();
    struct mm_frame_req any = { 0, PFN_NONE, 1, 0 };
    pfn_t f[16];
    mm_lock_t rec;
    CHECK_EQ(mm_alloc_locked_frames(16, 4, &any, 0, false, f, &rec), 16);
    for (int i = 0; i < 16; i++) {
        if (i % 4 == 0) CHECK_EQ(f[i] % 4, 0);
        else CHECK_EQ(f[i], f[i - 1] + 1);
    }
    CHECK_EQ(mm_unlock_record(rec), MM_OK);
    /* One-frame ranges 1 frame apart over a free run: frames r, r + 1, r + 2, r + 3 in order. */
    pfn_t r = PFN_NONE;
    for (pfn_t p = 0x100; p + 4 <= pfn_max && r == PFN_NONE; p++)
        if (pfn_db[p].state == PFN_FREE && pfn_db[p + 1].state == PFN_FREE && pfn_db[p + 2].state == PFN_FREE &&
            pfn_db[p + 3].state == PFN_FREE)
            r = p;
    CHECK(r != PFN_NONE);
    struct mm_frame_req one = { r, r + 1, 1, 0 };
    CHECK_EQ(mm_alloc_locked_frames(4, 1, &one, 1, true, f, &rec), 4);
    for (int i = 0; i < 4; i++) CHECK_EQ(f[i], r + i);
    CHECK_EQ(mm_unlock_record(rec), MM_OK);
    /* More than the range holds: with all, nothing; without, what there is. */
    struct mm_frame_req small = { 0x100, 0x108, 1, 0 };
    uint32_t in = 0;
    for (pfn_t p = 0x100; p < 0x108; p++) in += pfn_db[p].state == PFN_FREE;
    CHECK_EQ(mm_alloc_locked_frames(16, 1, &small, 0, true, f, &rec), 0);
    CHECK(rec == NULL);
    CHECK_EQ(mm_free_frames(), free);
    CHECK_EQ(mm_alloc_locked_frames(16, 1, &small, 0, false, f, &rec), in);
    if (in) CHECK_EQ(mm_unlock_record(rec), MM_OK);
    CHECK_EQ(mm_alloc_locked_frames(0, 1, &any, 0, false, f, &rec), 0);        /* bad arguments */
    CHECK_EQ(mm_alloc_locked_frames(6, 4, &any, 0, false, f, &rec), 0);
    CHECK_EQ(mm_alloc_locked_frames(6, 3, &any, 0, false, f, &rec), 0);
    CHECK_EQ(mm_free_frames(), free);
    return PASS;
}

/* A header entry with the demand-zero bit set is no commit: no charge, no fault resolution, no
 * range operation over it; cleared, the allocation frees as usual. */
TEST(syspte_header_entries, "mm/syspte-header-entries-are-inert")
{
    uint32_t charge = mm_commit_charge(), free = mm_free_frames();
    vaddr_t va = syspte_alloc(3);
    CHECK(va);
    const uint32_t v = 0x4B6D5400u;                            /* bit 10 set: looks demand-zero */
    CHECK_EQ(syspte_set_header(va, v), MM_OK);
    CHECK_EQ(syspte_set_header(va, v), MM_EINVAL);             /* a header already */
    CHECK_EQ(syspte_set_header(va + PAGE_SIZE, 0x401), MM_EINVAL);   /* bit 0 */
    CHECK_EQ(syspte_set_header(va + PAGE_SIZE, 0), MM_EINVAL);
    CHECK_EQ(syspte_set_header(va + 3 * PAGE_SIZE, 8), MM_EINVAL);   /* the guard page */
    CHECK_EQ(*MiGetPteAddress(va), v);
    CHECK_EQ(mm_commit_charge(), charge);
    char why[120];
    CHECK_MSG(mm_check(why, sizeof why), "%s", why);
    uint32_t x;
    CHECK(!probe_read(va, &x));                                 /* faults: not resolved */
    CHECK_EQ(*MiGetPteAddress(va), v);
    CHECK_EQ(mm_commit(va, 3, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL), MM_EINVAL);
    CHECK_EQ(mm_map_physical(va, 1, 0xB8, 1, 0), MM_EINVAL);
    CHECK_EQ(mm_decommit(va, 2), MM_EINVAL);
    CHECK_EQ(syspte_free(va, 3), MM_EBUSY);
    CHECK_EQ(mm_commit(va + PAGE_SIZE, 2, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);
    CHECK_EQ(mm_decommit(va + PAGE_SIZE, 2), MM_OK);
    CHECK_EQ(syspte_clear_header(va), MM_OK);
    CHECK_EQ(syspte_clear_header(va), MM_ENOENT);
    CHECK_EQ(*MiGetPteAddress(va), 0);
    CHECK_EQ(mm_commit_charge(), charge);
    CHECK_EQ(syspte_free(va, 3), MM_OK);
    CHECK_EQ(mm_free_frames(), free);
    return PASS;
}
