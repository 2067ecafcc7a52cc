/*
 * tests/bench/vxd.c - benchmark rows for the Win9x VMM personality (mm/vxd/): the page
 * services a VxD calls, through their C entry points (the VMMCall path adds only the int 20h
 * dispatch), each with its floor.  Registration and method: tests/bench/bench.h.
 *
 * Every block is made and freed by the personality itself (_PageAllocate, _PageReserve), so
 * the figures include its bookkeeping: region records, handle checks, the lock rules.  Those
 * services place blocks first-fit in the system arena; each row checks, untimed, that its
 * page tables survive the call (the figure is then the service and not a page table's
 * creation and release: mm/commit-newtable prices that).
 *
 * The floors of this file work on bench_scratch as tests/bench/core.c's do: page 0 is a zero-fill
 * target, page 6 a fake page table, page 7 a fake free list; each floor sets up what it reads.
 */
#include "kernel/kernel.h"
#include "mm/core/core.h"
#include "tests/bench/bench.h"
#include "mm/vxd/vxd.h"
#include "mm/x86.h"
#include "mm/core/pte_sw.h"          /* the floor stores a demand-zero entry */

#define PG(va) ((ULONG)(va) >> PAGE_SHIFT)

/* ---- the floors' building blocks ------------------------------------------------------------ */

#define SCR_FILL  (bench_scratch)                    /* page 0: zero-fill target */
#define SCR_PTES  (bench_scratch + 6 * 1024)         /* page 6: 1024 entries of a fake table */
#define SCR_NEXT  (bench_scratch + 7 * 1024)         /* page 7: next links of 1024 fake frames */

/* A singly linked free list of fake frames: head plus a next link per frame.  Volatile, so
 * that the compiler can neither merge a pop with the push that undoes it nor keep the list in
 * registers: every link is a real load and store, as in the allocator. */
static volatile uint32_t fake_head;
#define FAKE_NEXT ((volatile uint32_t *)SCR_NEXT)

static void fake_init(void)
{
    for (uint32_t i = 0; i < PTES_PER_TABLE; i++) FAKE_NEXT[i] = i + 1;
    fake_head = 0;
}

static inline uint32_t fake_pop(void)
{
    uint32_t p = fake_head;
    fake_head = FAKE_NEXT[p];
    return p;
}

static inline void fake_push(uint32_t p)
{
    FAKE_NEXT[p] = fake_head;
    fake_head = p;
}

/* The PDE of va is present now (the block's page table exists before the call). */
static bool table_present(vaddr_t va)
{
    return *MiGetPdeAddress(va) & PTE_P;
}

/* Every page of [va, +n) is present. */
static bool all_present(vaddr_t va, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e;
        if (!mm_read_pte(va + i * PAGE_SIZE, &e) || !(e & PTE_P)) return false;
    }
    return true;
}

/* ---- floors ------------------------------------------------------------------------------------ */

/* _PageAllocate(PAGEFIXED|PAGEZEROINIT) + _PageFree, _PageReserve..._PageFree: per page, a frame
 * off the list, zeroed, its PTE stored; then the PTE cleared, invlpg, the frame pushed back. */
BENCH_FLOOR(floor_alloc_free, "per page: pop, rep stosl 1024, PTE store; then PTE clear, invlpg, push")
{
    fake_init();
    uint32_t n = b->pages;
    volatile uint32_t *pt = SCR_PTES;
    vaddr_t va = SYSALLOC_START;                    /* invlpg of an address: the instruction's cost */
    BENCH_BATCHES(b) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t p = fake_pop();
            fill_dwords(SCR_FILL, 1024, 0);
            pt[i] = (p << PAGE_SHIFT) | PTE_W | PTE_P;
        }
        for (uint32_t i = 0; i < n; i++) {
            uint32_t e = pt[i];
            pt[i] = 0;
            invlpg(va + i * PAGE_SIZE);
            fake_push(e >> PAGE_SHIFT);
        }
    }
}

/* Demand-zero _PageAllocate + _PageFree: per page a not-present "committed" entry is stored,
 * then cleared.  No frame, no fill, no invlpg (nothing was ever in the TLB). */
BENCH_FLOOR(floor_demand_commit, "per page: store a not-present demand-zero PTE, then clear it")
{
    uint32_t n = b->pages;
    volatile uint32_t *pt = SCR_PTES;
    BENCH_BATCHES(b) {
        for (uint32_t i = 0; i < n; i++) pt[i] = PTE_NP_DEMAND | PTE_W;
        for (uint32_t i = 0; i < n; i++) pt[i] = 0;
    }
}

/* _CopyPageTable: the entries copied from the page table (through the self-map) into the buffer. */
BENCH_FLOOR(floor_copy_ptes, "rep movsl of the entries from the self-map into the buffer")
{
    const uint32_t *src = MiGetPteAddress((vaddr_t)bench_scratch);   /* a table that exists */
    uint32_t n = b->pages;
    BENCH_BATCHES(b) copy_dwords(SCR_FILL, src, n);
}

/* ---- _LinPageLock / _LinPageUnLock ------------------------------------------------------------- */

/* A _PageAllocate block (zero-init, demand-zero, so lockable and unlockable: a PAGEFIXED block
 * holds a lock of its own) made present by a first lock, then locked and unlocked. */
static void b_linpagelock(struct bench *b)
{
    ULONG n = b->pages, h = _PageAllocate(n, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    BENCH_CHECK(b, h != 0);
    if (!h) return;
    ULONG pg = PG(h);
    BENCH_CHECK(b, _LinPageLock(pg, n, 0) == 1 && all_present(h, n) &&
                   mm_frame_locks(pte_pfn(*MiGetPteAddress(h))) == 1 &&
                   _LinPageUnLock(pg, n, 0) == 1 && mm_frame_locks(pte_pfn(*MiGetPteAddress(h))) == 0);
    BENCH_BATCHES(b) {
        _LinPageLock(pg, n, 0);
        _LinPageUnLock(pg, n, 0);
    }
    _PageFree((PVOID)h, 0);
}

BENCH_ROW("vxd/linpagelock@1", "_LinPageLock+_LinPageUnLock (flags 0)", 1, 1000, b_linpagelock, &floor_lock);
BENCH_ROW("vxd/linpagelock@16", "_LinPageLock+_LinPageUnLock (flags 0)", 16, 100, b_linpagelock, &floor_lock);
BENCH_ROW("vxd/linpagelock@256", "_LinPageLock+_LinPageUnLock (flags 0)", 256, 10, b_linpagelock, &floor_lock);

/* ---- _PageAllocate / _PageFree ------------------------------------------------------------------ */

static void page_allocate_free(struct bench *b, ULONG flags)
{
    ULONG n = b->pages, h = _PageAllocate(n, PG_SYS, 0, 0, 0, 0, NULL, flags);
    bool fixed = flags & PAGEFIXED;
    BENCH_CHECK(b, h != 0 && table_present(h) && table_present(h + (n - 1) * PAGE_SIZE));
    BENCH_CHECK(b, h && (fixed ? all_present(h, n) : !(*MiGetPteAddress(h) & PTE_P)));
    BENCH_CHECK(b, h && _PageFree((PVOID)h, 0) == 1);
    BENCH_CHECK(b, table_present(h) && table_present(h + (n - 1) * PAGE_SIZE));   /* tables kept */
    BENCH_BATCHES(b) _PageFree((PVOID)_PageAllocate(n, PG_SYS, 0, 0, 0, 0, NULL, flags), 0);
}

static void b_alloc_fixed(struct bench *b) { page_allocate_free(b, PAGEFIXED | PAGEZEROINIT); }
static void b_alloc_demand(struct bench *b) { page_allocate_free(b, PAGEZEROINIT); }

BENCH_ROW("vxd/pageallocate-fixed@1", "_PageAllocate(PG_SYS, PAGEFIXED+ZEROINIT)+_PageFree", 1, 500, b_alloc_fixed, &floor_alloc_free);
BENCH_ROW("vxd/pageallocate-fixed@256", "_PageAllocate(PG_SYS, PAGEFIXED+ZEROINIT)+_PageFree", 256, 10, b_alloc_fixed, &floor_alloc_free);
BENCH_ROW("vxd/pageallocate-demand@1", "_PageAllocate(PG_SYS, PAGEZEROINIT: demand-zero)+_PageFree", 1, 1000, b_alloc_demand, &floor_demand_commit);
BENCH_ROW("vxd/pageallocate-demand@256", "_PageAllocate(PG_SYS, PAGEZEROINIT: demand-zero)+_PageFree", 256, 20, b_alloc_demand, &floor_demand_commit);

/* ---- _PageReserve + _PageCommit + _PageDecommit + _PageFree ------------------------------------- */

/* The sparse path in full: reserve, commit present and zeroed, decommit, free the reservation. */
static ULONG reserve_commit_free(ULONG n)
{
    ULONG a = _PageReserve(PR_SYSTEM, n, 0);
    ULONG ok = _PageCommit(PG(a), n, PD_ZEROINIT, 0, PC_WRITEABLE | PC_PRESENT);
    ok &= _PageDecommit(PG(a), n, 0);
    ok &= _PageFree((PVOID)a, 0);
    return ok;
}

static void b_reserve_commit(struct bench *b)
{
    ULONG n = b->pages, a = _PageReserve(PR_SYSTEM, n, 0);
    BENCH_CHECK(b, a != 0xFFFFFFFFu && table_present(a) && table_present(a + (n - 1) * PAGE_SIZE));
    BENCH_CHECK(b, a != 0xFFFFFFFFu && _PageCommit(PG(a), n, PD_ZEROINIT, 0, PC_WRITEABLE | PC_PRESENT) == 1 &&
                   all_present(a, n) && _PageDecommit(PG(a), n, 0) == 1);
    BENCH_CHECK(b, table_present(a) && !(*MiGetPteAddress(a) & PTE_P));   /* the table stays */
    BENCH_CHECK(b, a != 0xFFFFFFFFu && _PageFree((PVOID)a, 0) == 1);
    BENCH_CHECK(b, reserve_commit_free(n) == 1);
    BENCH_BATCHES(b) reserve_commit_free(n);
}

BENCH_ROW("vxd/reserve-commit@1", "_PageReserve+_PageCommit(PRESENT)+_PageDecommit+_PageFree", 1, 500, b_reserve_commit, &floor_alloc_free);
BENCH_ROW("vxd/reserve-commit@256", "_PageReserve+_PageCommit(PRESENT)+_PageDecommit+_PageFree", 256, 10, b_reserve_commit, &floor_alloc_free);

/* ---- _CopyPageTable ---------------------------------------------------------------------------- */

/* A whole page table of present entries (a table-aligned block of 1024 committed pages) copied
 * into a one-page buffer. */
static void b_copy_page_table(struct bench *b)
{
    struct region *src = bench_block(PTES_PER_TABLE, MM_COMMIT_PRESENT);
    struct region *buf = bench_block(1, MM_COMMIT_PRESENT);
    ULONG *out = (ULONG *)buf->base, pg = PG(src->base), n = b->pages;
    BENCH_CHECK(b, _CopyPageTable(pg, n, out, 0) == 1 && (out[0] & PTE_P) && (out[n - 1] & PTE_P) &&
                   out[n - 1] == *MiGetPteAddress(src->base + (n - 1) * PAGE_SIZE));
    BENCH_BATCHES(b) _CopyPageTable(pg, n, out, 0);
    mm_release(buf);
    mm_release(src);
}

BENCH_ROW("vxd/copypagetable", "_CopyPageTable of 1024 PTEs (a full table), per PTE", 1024, 20, b_copy_page_table, &floor_copy_ptes);
