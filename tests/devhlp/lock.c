/*
 * tests/devhlp/lock.c - devhlp/vmlock-*, devhlp/vmunlock-*: VMLock and VMUnLock on the real MMU
 * (B.3, B.5 tests 6 and 7).  Locks are proven by the core refusing to free locked pages and by
 * frame lock counts; relocation by the frame numbers and the contents; dirty marking by the PTE.
 */
#include "tests/devhlp/devhlp_test.h"
#include "kernel/trap.h"
#include "mm/devhlp/devhlp.h"
#include "mm/core/pfn.h"
#include "mm/core/pte.h"
#include "mm/x86.h"

/* n demand-zero pages touched one by one on frames no two of which are adjacent (tests/core/mm/frames.h);
 * page i holds 0xC0DE0000 + i at offset 40. */
static LIN scattered(uint32_t n)
{
    struct spread s;
    if (!spread_begin(&s)) return 0;
    LIN lin = alloc_pages(0, n);
    for (uint32_t i = 0; lin && i < n; i++) *(volatile uint32_t *)(lin + i * PAGE_SIZE + 40) = 0xC0DE0000u + i;
    spread_end(&s);
    return lin;
}

static bool is_scattered(LIN lin, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++)
        if (frame_of(lin + i * PAGE_SIZE) != frame_of(lin + (i - 1) * PAGE_SIZE) + 1) return true;
    return false;
}

TEST(devhlp_vmlock_unlock, "devhlp/vmlock-unlock-long")
{
    struct mm_counts before;
    mm_counts_take(&before);
    LIN lin = alloc_pages(0, 3);
    CHECK(lin);
    for (int i = 0; i < 3; i++) *(volatile uint32_t *)(lin + i * PAGE_SIZE) = i;
    pfn_t f1 = frame_of(lin + PAGE_SIZE);
    KernVMLock_t h;
    ULONG count = 99;
    CHECK_EQ(DevHelp_VMLock(VMDHL_LONG, lin + 0x10, 2 * PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, &count), NO_ERROR);
    CHECK_EQ(count, 0);                                     /* no list asked for: none written */
    CHECK_EQ(mm_locked_frames(), before.locked_frames + 3); /* whole pages: 0x10 + 8 KiB touches 3 */
    CHECK_EQ(mm_frame_locks(f1), 1);
    CHECK_EQ(*(volatile uint32_t *)(lin + PAGE_SIZE), 1);
    /* Freeing locked memory frees the linear range; the lock keeps the frames (a DMA in flight
     * still lands in them) until VMUnLock, which gives them back. */
    uint32_t free = mm_free_frames();
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    CHECK(!probe_read(lin + PAGE_SIZE, NULL));
    CHECK_EQ(mm_free_frames(), free);
    CHECK_EQ(pfn_db[f1].state, PFN_USED);
    CHECK_EQ(pfn_db[f1].map_count, 0);
    CHECK_EQ(mm_frame_locks(f1), 1);
    uint32_t *k = hyper_map(f1);
    CHECK_EQ(k[0], 1);
    hyper_unmap(k);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(pfn_db[f1].state, PFN_FREE);
    CHECK_EQ(mm_free_frames(), free + 3);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

TEST(devhlp_vmunlock_twice, "devhlp/vmunlock-twice-158")
{
    struct mm_counts before;
    mm_counts_take(&before);
    LIN lin = alloc_pages(VMDHA_FIXED, 1);
    CHECK(lin);
    KernVMLock_t h, copy;
    CHECK_EQ(DevHelp_VMLock(0, lin, 4, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    copy = h;
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK(memcmp(&h, &copy, sizeof h) != 0);                /* VMUnLock changed the handle (B.2) */
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), ERROR_NOT_LOCKED);  /* our choice for B.5 test 7: 158 */
    CHECK_EQ(DevHelp_VMUnLock((LIN)&copy), ERROR_NOT_LOCKED);   /* a stale copy too */
    /* The slot is reused by the next lock: the old copy must not unlock it. */
    KernVMLock_t h2;
    CHECK_EQ(DevHelp_VMLock(0, lin, 4, DEVHLP_NO_LIST, (LIN)&h2, NULL), NO_ERROR);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&copy), ERROR_NOT_LOCKED);
    CHECK_EQ(mm_locked_frames(), before.locked_frames + 1); /* FIXED pins its page: that one stays */
    CHECK_EQ(mm_frame_locks(frame_of(lin)), 2);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h2), NO_ERROR);
    CHECK_EQ(mm_frame_locks(frame_of(lin)), 1);
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

static const uint32_t ro_words[3] = { 1, 2, 3 };

TEST(devhlp_vmunlock_garbage, "devhlp/vmunlock-garbage-handles")
{
    struct mm_counts before;
    mm_counts_take(&before);
    LIN lin = alloc_pages(VMDHA_FIXED, 1);
    CHECK(lin);
    KernVMLock_t h;
    CHECK_EQ(DevHelp_VMLock(0, lin, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    uint32_t g[3] = { 0, 0, 0 };
    CHECK_EQ(DevHelp_VMUnLock((LIN)g), ERROR_INVALID_HANDLE);          /* zeroes */
    uint32_t seed = 0x12345678u;
    for (int i = 0; i < 64; i++) {                                     /* random bytes */
        for (int k = 0; k < 3; k++) { seed = seed * 1103515245u + 12345u; g[k] = seed; }
        CHECK_EQ(DevHelp_VMUnLock((LIN)g), ERROR_INVALID_HANDLE);
    }
    uint32_t forged[3];
    memcpy(forged, &h, sizeof forged);
    for (int bit = 0; bit < 96; bit++) {                               /* every single-bit forgery */
        uint32_t f[3] = { forged[0], forged[1], forged[2] };
        f[bit / 32] ^= 1u << (bit % 32);
        USHORT rc = DevHelp_VMUnLock((LIN)f);
        CHECK_MSG(rc == ERROR_INVALID_HANDLE, "bit %d: %u", bit, rc);
    }
    CHECK_EQ(mm_frame_locks(frame_of(lin)), 2);                        /* still locked */
    CHECK_EQ(DevHelp_VMUnLock(0), ERROR_INVALID_PARAMETER);            /* unusable pointers */
    CHECK_EQ(DevHelp_VMUnLock(BAD_POINTER), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_VMUnLock(0xFFFFFFF8u), ERROR_INVALID_PARAMETER);  /* wraps */
    CHECK_EQ(DevHelp_VMUnLock((LIN)ro_words), ERROR_INVALID_PARAMETER);   /* read-only: cannot update */
    CHECK_EQ(DevHelp_VMUnLock(PTE_BASE), ERROR_INVALID_PARAMETER);     /* the page tables */
    CHECK_EQ(DevHelp_VMUnLock(PFNDB_BASE), ERROR_INVALID_PARAMETER);   /* the PFN database */
    CHECK_EQ(DevHelp_VMUnLock(0x7FFF0000u), ERROR_INVALID_PARAMETER);  /* the user/kernel guard */
    CHECK_EQ(DevHelp_VMLock(0, lin, 4, DEVHLP_NO_LIST, (LIN)ro_words, NULL), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_VMLock(0, lin, 4, DEVHLP_NO_LIST, PTE_BASE, NULL), ERROR_INVALID_PARAMETER);
    CHECK_EQ(mm_frame_locks(frame_of(lin)), 2);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

TEST(devhlp_vmlock_flag_bits, "devhlp/vmlock-flag-bits-87")
{
    struct mm_counts before;
    mm_counts_take(&before);
    LIN lin = alloc_pages(VMDHA_FIXED, 1);
    CHECK(lin);
    KernVMLock_t h;
    const ULONG defined = VMDHL_NOBLOCK | VMDHL_CONTIGUOUS | VMDHL_16M | VMDHL_WRITE | VMDHL_LONG |
                          VMDHL_VERIFY | VMDHL_TRY_CONTIG;
    for (int b = 0; b < 32; b++) {
        ULONG bit = 1u << b;
        if (!(bit & defined))                                   /* undefined bits */
            CHECK_MSG(DevHelp_VMLock(bit, lin, 4, DEVHLP_NO_LIST, (LIN)&h, NULL) == ERROR_INVALID_PARAMETER,
                      "bit %x", bit);
        if (!(bit & (VMDHL_VERIFY | VMDHL_WRITE | VMDHL_LONG))) /* VERIFY: "all other bits clear" */
            CHECK_MSG(DevHelp_VMLock(VMDHL_VERIFY | bit, lin, 4, DEVHLP_NO_LIST, (LIN)&h, NULL) ==
                      ERROR_INVALID_PARAMETER, "VERIFY|%x", bit);
    }
    CHECK_EQ(DevHelp_VMLock(VMDHL_VERIFY | VMDHL_CONTIGUOUS, lin, 4, DEVHLP_NO_LIST, (LIN)&h, NULL),
             ERROR_INVALID_PARAMETER);                          /* B.5 test 6 */
    CHECK_EQ(mm_locked_frames(), before.locked_frames + 1);     /* only FIXED's own pin */
    CHECK_EQ(DevHelp_VMLock(VMDHL_VERIFY | VMDHL_WRITE | VMDHL_LONG, lin, 4, DEVHLP_NO_LIST, (LIN)&h, NULL),
             NO_ERROR);                                         /* the allowed combination */
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

TEST(devhlp_vmlock_contiguous, "devhlp/vmlock-contiguous-relocates")
{
    LIN lin = scattered(3);
    CHECK(lin);
    CHECK(is_scattered(lin, 3));                            /* the precondition really holds */
    KernVMLock_t h;
    PAGELIST pl[3] = { { 0, 0 }, { 0, 0 }, { 0, 0 } };
    ULONG count = 0;
    CHECK_EQ(DevHelp_VMLock(VMDHL_CONTIGUOUS, lin, 3 * PAGE_SIZE, (LIN)pl, (LIN)&h, &count), NO_ERROR);
    CHECK_EQ(count, 1);                                     /* B.5 test 6 */
    CHECK_EQ(pl[0].Size, 3 * PAGE_SIZE);
    CHECK_EQ(pl[1].Size, 0);                                /* nothing beyond the count */
    for (uint32_t i = 0; i < 3; i++) {
        CHECK_EQ(frame_of(lin + i * PAGE_SIZE) << PAGE_SHIFT, pl[0].PhysAddr + i * PAGE_SIZE);
        CHECK_EQ(*(volatile uint32_t *)(lin + i * PAGE_SIZE + 40), 0xC0DE0000u + i);   /* contents moved */
        CHECK_EQ(mm_frame_locks(frame_of(lin + i * PAGE_SIZE)), 1);
    }
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    return PASS;
}

TEST(devhlp_vmlock_16m, "devhlp/vmlock-16m-below")
{
    LIN lin = scattered(4);
    CHECK(lin);
    bool high = false;
    for (uint32_t i = 0; i < 4; i++) high |= frame_of(lin + i * PAGE_SIZE) >= 0x1000;
    KernVMLock_t h;
    PAGELIST pl[4];
    ULONG count = 0;
    CHECK_EQ(DevHelp_VMLock(VMDHL_16M, lin + 0x100, 3 * PAGE_SIZE, (LIN)pl, (LIN)&h, &count), NO_ERROR);
    uint32_t sum = 0;
    for (ULONG k = 0; k < count; k++) {
        CHECK(pl[k].PhysAddr + pl[k].Size <= 0x1000000u);
        sum += pl[k].Size;
    }
    CHECK_EQ(sum, 3 * PAGE_SIZE);
    CHECK_EQ(pl[0].PhysAddr & PAGE_MASK, 0x100);
    for (uint32_t i = 0; i < 4; i++) {
        CHECK(frame_of(lin + i * PAGE_SIZE) < 0x1000);
        CHECK_EQ(*(volatile uint32_t *)(lin + i * PAGE_SIZE + 40), 0xC0DE0000u + i);
    }
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    /* 16M | CONTIGUOUS: one run below 16 MiB. */
    CHECK_EQ(DevHelp_VMLock(VMDHL_16M | VMDHL_CONTIGUOUS, lin, 4 * PAGE_SIZE, (LIN)pl, (LIN)&h, &count), NO_ERROR);
    CHECK_EQ(count, 1);
    CHECK(pl[0].PhysAddr + pl[0].Size <= 0x1000000u);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    if (!high && pfn_max > 0x1000 + 64) return "the buffer never had frames above 16 MiB to move";
    return PASS;
}

TEST(devhlp_vmlock_busy, "devhlp/vmlock-contiguous-busy-33-noblock")
{
    LIN lin = scattered(3);
    CHECK(lin && is_scattered(lin, 3));
    LIN alias = 0;                                          /* a second mapping of page 1 */
    CHECK_EQ(DevHelp_VMGlobalToProcess(0, lin + PAGE_SIZE, PAGE_SIZE, &alias), NO_ERROR);
    struct mm_counts before;
    mm_counts_take(&before);
    KernVMLock_t h;
    PAGELIST pl[3];
    ULONG count = 0;
    CHECK_EQ(DevHelp_VMLock(VMDHL_CONTIGUOUS, lin, 3 * PAGE_SIZE, (LIN)pl, (LIN)&h, &count), ERROR_LOCK_VIOLATION);
    CHECK_EQ(DevHelp_VMLock(VMDHL_CONTIGUOUS | VMDHL_NOBLOCK, lin, 3 * PAGE_SIZE, (LIN)pl, (LIN)&h, &count),
             ERROR_NOBLOCK);
    CHECK_NOTHING_MOVED(&before);
    CHECK(is_scattered(lin, 3));                            /* no page moved */
    /* TRY_CONTIG falls back to a plain lock. */
    CHECK_EQ(DevHelp_VMLock(VMDHL_TRY_CONTIG, lin, 3 * PAGE_SIZE, (LIN)pl, (LIN)&h, &count), NO_ERROR);
    CHECK(count > 1);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(alias), NO_ERROR);
    CHECK_EQ(DevHelp_VMLock(VMDHL_CONTIGUOUS, lin, 3 * PAGE_SIZE, (LIN)pl, (LIN)&h, &count), NO_ERROR);
    CHECK_EQ(count, 1);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    return PASS;
}

TEST(devhlp_vmlock_noblock, "devhlp/vmlock-noblock-not-resident")
{
    LIN lin = alloc_pages(0, 2);                            /* swappable: demand-zero */
    CHECK(lin);
    struct mm_counts before;
    mm_counts_take(&before);
    KernVMLock_t h;
    CHECK_EQ(DevHelp_VMLock(VMDHL_NOBLOCK, lin, 2 * PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), ERROR_NOBLOCK);
    CHECK_EQ(frame_of(lin), PFN_NONE);                      /* not faulted in */
    CHECK_NOTHING_MOVED(&before);
    *(volatile uint32_t *)lin = 1;
    *(volatile uint32_t *)(lin + PAGE_SIZE) = 2;
    CHECK_EQ(DevHelp_VMLock(VMDHL_NOBLOCK, lin, 2 * PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    CHECK_EQ(mm_locked_frames(), before.locked_frames + 2);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    /* Without NOBLOCK the lock brings the pages in itself. */
    LIN lin2 = alloc_pages(0, 1);
    CHECK(lin2);
    CHECK_EQ(DevHelp_VMLock(0, lin2, 1, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    CHECK(frame_of(lin2) != PFN_NONE);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(lin2), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    return PASS;
}

TEST(devhlp_vmlock_write_dirty, "devhlp/vmlock-write-marks-dirty")
{
    LIN lin = alloc_pages(VMDHA_FIXED, 2);                  /* zeroed through hyperspace: clean PTEs */
    CHECK(lin);
    uint32_t e;
    CHECK(mm_read_pte(lin, &e) && !(e & PTE_D));
    KernVMLock_t h;
    CHECK_EQ(DevHelp_VMLock(0, lin, 2 * PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    CHECK(mm_read_pte(lin, &e) && !(e & PTE_D));            /* a plain lock does not dirty */
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(DevHelp_VMLock(VMDHL_WRITE, lin, 2 * PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    CHECK(mm_read_pte(lin, &e) && (e & PTE_D));
    CHECK(mm_read_pte(lin + PAGE_SIZE, &e) && (e & PTE_D));
    CHECK(pfn_db[frame_of(lin)].flags & PFNF_DIRTY);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    return PASS;
}

TEST(devhlp_vmlock_verify, "devhlp/vmlock-verify-access")
{
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 1, 1, OWNER_TEST, NULL);   /* a read-only page */
    CHECK(r);
    CHECK_EQ(mm_commit(r->base, 1, 0, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);
    struct mm_counts before;
    mm_counts_take(&before);
    KernVMLock_t h;
    CHECK_EQ(DevHelp_VMLock(VMDHL_VERIFY | VMDHL_WRITE, r->base, 8, DEVHLP_NO_LIST, (LIN)&h, NULL),
             ERROR_ACCESS_DENIED);
    CHECK_NOTHING_MOVED(&before);
    CHECK_EQ(DevHelp_VMLock(VMDHL_VERIFY, r->base, 8, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    pfn_t f = frame_of(r->base);
    CHECK_EQ(mm_release(r), MM_OK);                         /* the mapping goes, the lock keeps */
    CHECK_EQ(pfn_db[f].state, PFN_USED);                    /* the frame until VMUnLock */
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(pfn_db[f].state, PFN_FREE);
    /* A writable page passes VERIFY|WRITE. */
    LIN lin = alloc_pages(VMDHA_FIXED, 1);
    CHECK(lin);
    CHECK_EQ(DevHelp_VMLock(VMDHL_VERIFY | VMDHL_WRITE, lin, 8, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    return PASS;
}

TEST(devhlp_vmlock_bad_range, "devhlp/vmlock-bad-range")
{
    LIN a = alloc_pages(VMDHA_FIXED, 2), b = alloc_pages(VMDHA_FIXED, 2), res = alloc_pages(VMDHA_RESERVE, 1);
    CHECK(a && b && res);
    struct mm_counts before;
    mm_counts_take(&before);
    KernVMLock_t h;
    PAGELIST pl[4];
    CHECK_EQ(DevHelp_VMLock(0, a, 0, (LIN)pl, (LIN)&h, NULL), ERROR_INVALID_PARAMETER);          /* zero */
    CHECK_EQ(DevHelp_VMLock(0, 0xFFFFF000u, 0x2000, (LIN)pl, (LIN)&h, NULL), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_VMLock(0, a, 0xFFFFFFFFu, (LIN)pl, (LIN)&h, NULL), ERROR_INVALID_PARAMETER); /* wraps */
    CHECK_EQ(DevHelp_VMLock(0, a, 3 * PAGE_SIZE, (LIN)pl, (LIN)&h, NULL), ERROR_INVALID_PARAMETER); /* past the object */
    CHECK_EQ(DevHelp_VMLock(0, 0, 4, (LIN)pl, (LIN)&h, NULL), ERROR_INVALID_PARAMETER);          /* null page */
    CHECK_EQ(DevHelp_VMLock(0, 0x80100000u, 4, (LIN)pl, (LIN)&h, NULL), ERROR_INVALID_PARAMETER); /* no object */
    CHECK_EQ(DevHelp_VMLock(0, res, 4, (LIN)pl, (LIN)&h, NULL), ERROR_INVALID_PARAMETER);        /* uncommitted */
    CHECK_EQ(DevHelp_VMLock(0, a, 4, (LIN)ro_words, (LIN)&h, NULL), ERROR_INVALID_PARAMETER);    /* list unwritable */
    CHECK_EQ(DevHelp_VMLock(0, a, 4, 0, (LIN)&h, NULL), ERROR_INVALID_PARAMETER);
    if (b == a + 2 * PAGE_SIZE)                                                                 /* adjacent objects */
        CHECK_EQ(DevHelp_VMLock(0, a + PAGE_SIZE, 2 * PAGE_SIZE, (LIN)pl, (LIN)&h, NULL), ERROR_INVALID_PARAMETER);
    CHECK_NOTHING_MOVED(&before);
    CHECK_EQ(DevHelp_VMFree(a), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(b), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(res), NO_ERROR);
    return PASS;
}

TEST(devhlp_vmlock_table_full, "devhlp/vmlock-table-full-8")
{
    enum { MAXL = 300 };
    LIN lin = alloc_pages(VMDHA_FIXED, 1), hbuf = alloc_pages(VMDHA_FIXED, 1);   /* the handles: driver memory */
    CHECK(lin && hbuf);
    KernVMLock_t *h = (KernVMLock_t *)hbuf;
    _Static_assert(MAXL * sizeof(KernVMLock_t) <= PAGE_SIZE, "the handles fit a page");
    uint32_t n = 0;
    USHORT rc = NO_ERROR;
    while (n < MAXL && (rc = DevHelp_VMLock(0, lin, 4, DEVHLP_NO_LIST, (LIN)&h[n], NULL)) == NO_ERROR) n++;
    CHECK_EQ(rc, ERROR_NOT_ENOUGH_MEMORY);                  /* the lock table is finite: 8, not a crash */
    CHECK(n >= 64);
    CHECK_EQ(mm_frame_locks(frame_of(lin)), n + 1);         /* nested locks on one page */
    for (uint32_t i = 0; i < n; i++) CHECK_EQ(DevHelp_VMUnLock((LIN)&h[i]), NO_ERROR);
    CHECK_EQ(mm_frame_locks(frame_of(lin)), 1);
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(hbuf), NO_ERROR);
    return PASS;
}
