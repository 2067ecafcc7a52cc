/*
 * bench.h - the benchmark registry (`bench=PATTERN` on the command line, `make bench`).
 *
 * A row of the table is one function plus one registration line, like a test:
 *
 *   static void b_lock(struct bench *b)                  -- the row: set up, time, clean up
 *   {
 *       struct region *r = bench_block(b->pages, MM_COMMIT_PRESENT);   (untimed)
 *       BENCH_CHECK(b, mm_lock(r->base, b->pages, 0, NULL) == MM_OK &&  (untimed: it works)
 *                      mm_unlock(r->base, b->pages) == MM_OK);
 *       BENCH_BATCHES(b) {                               -- the timed body: one call
 *           mm_lock(r->base, b->pages, 0, NULL);
 *           mm_unlock(r->base, b->pages);
 *       }
 *       mm_release(r);                                   -- leave the system as found
 *   }
 *   BENCH_ROW("mm/lock@16", "lock+unlock (mm_lock, mm_unlock)", 16, 200, b_lock, &floor_lock);
 *
 * The arguments: id, the operation column's text (no '|': it is a markdown cell), pages per
 * call (0 when per-page makes no sense), calls per batch (1000 where a call is cheap; fewer so
 * that a batch stays under ~10 M instructions), the row function, its floor (or NULL).
 *
 * BENCH_BATCHES runs the body `calls` times per batch, BENCH_NBATCH batches, reading the TSC
 * around each batch; the runner subtracts the cost of the same loop with an empty body
 * (measured just before) and reports the median batch divided by `calls`.  Work inside a call
 * that is not part of the operation (freeing what a commit made, say) goes between
 * bench_pause(b) and bench_resume(b); the pair's own cost is calibrated out as well.
 *
 * The floor is a second function of the same shape that does the same work with the fewest
 * instructions (a PTE store and an invlpg instead of the core's helpers); it runs in the same
 * boot, right after the row, with the same pages and calls.  A floor may time a different
 * number of pages (set b->pages in it) and is then scaled to the row's pages.
 *
 * Row ids: "area/name" or "area/name@param".  Rows that differ only after the '@' form a
 * growth group (tools/bench.py checks that their per-page cost does not grow with the
 * parameter: @1/@16/@256 pages, @used10%/@used90%, the PFN init at two memory sizes).
 */
#ifndef TESTS_BENCH_H
#define TESTS_BENCH_H
#include "kernel/kernel.h"

#define BENCH_NBATCH 5                /* odd: the median is one of the batches */

struct bench {
    uint32_t pages, calls;            /* the row's; a row or floor may change pages */
    const char *what;                 /* the operation text; a row may replace it */
    const char *skip;                 /* set by a row that cannot run here (and why) */
    const char *fail;                 /* set by BENCH_CHECK: the operation does not work */
    /* the runner's bookkeeping */
    int32_t batch;
    uint32_t t0, tp, paused, npause;
    uint32_t raw[BENCH_NBATCH], pause_ticks[BENCH_NBATCH], pauses[BENCH_NBATCH];
    bool fixed;                       /* bench_set_result: a figure measured elsewhere */
    uint32_t fixed_ticks;
};

typedef void (*bench_fn)(struct bench *b);
struct bench_floor { const char *what; bench_fn fn; };
struct bench_row {
    const char *id, *what;
    uint32_t pages, calls;            /* pages per call (0: not a page operation); calls per batch */
    bench_fn fn;
    const struct bench_floor *floor;  /* NULL: no meaningful floor */
};

#define BENCH_CAT2(a, b) a##b
#define BENCH_CAT(a, b) BENCH_CAT2(a, b)
#define BENCH_ROW(id, what, pages, calls, fn, floor)                                \
    __attribute__((used, section(".benchtab.1"), aligned(4)))                      \
    static const struct bench_row BENCH_CAT(bench_row_, __LINE__) = { id, what, pages, calls, fn, floor }

/* A floor: BENCH_FLOOR(floor_x, "what it does") { BENCH_BATCHES(b) asm(...); }  Not static, so
 * rows in other files can share one (declare it below). */
#define BENCH_FLOOR(name, what)                                                     \
    static void name##_fn(struct bench *b);                                         \
    const struct bench_floor name = { what, name##_fn };                            \
    static void name##_fn(struct bench *b)

/* The floors of tests/bench/core.c, for the personalities' rows doing the same work:
 * floor_list      one frame off a free list and back (alloc+free)
 * floor_run16     a 16-frame run allocated and freed
 * floor_map       map+unmap one page: PTE store, touch, clear, invlpg (MmMapIoSpace+Unmap)
 * floor_va2pa     VA->PA through the self-map (MmGetPhysicalAddress)
 * floor_commit    per page: frame off the list, zeroed, PTE stored (_PageAllocate, VMAlloc)
 * floor_decommit  per page: PTE cleared, invlpg, frame back on the list (_PageFree, VMFree)
 * floor_lock      per page: lock count up and down (_LinPageLock, VMLock, MmProbeAndLockPages)
 * floor_alias     per page: PTE copied and counted, then cleared (VMProcessToGlobal, PAGEMAPGLOBAL) */
extern const struct bench_floor floor_list, floor_run16, floor_map, floor_va2pa, floor_commit,
                                floor_decommit, floor_lock, floor_alias;

static inline uint32_t bench_tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    (void)hi;
    return lo;                        /* deltas only: 32 bits wrap harmlessly */
}

void bench_begin(struct bench *b);
bool bench_next(struct bench *b);     /* closes the running batch; false after the last */
/* The loop counter is volatile so that every row's loop compiles to the same instructions
 * as the calibration loop, whatever the body does to register pressure. */
#define BENCH_BATCHES(b)                                                            \
    for (bench_begin(b); bench_next(b);)                                            \
        for (volatile uint32_t bench_n_ = (b)->calls; bench_n_; bench_n_--)

/* Before timing, a row runs its operation once and checks it succeeds, so that it can never
 * time an error path; after a failed check BENCH_BATCHES runs nothing and the row is FAILED
 * (which fails `make bench`). */
#define BENCH_CHECK(b, cond) do { if (!(b)->fail && !(cond)) (b)->fail = #cond; } while (0)

static inline void bench_pause(struct bench *b) { b->tp = bench_tsc(); }
static inline void bench_resume(struct bench *b) { b->paused += bench_tsc() - b->tp; b->npause++; }

/* For a figure measured outside the loop (pfn_init at boot): ticks for one call. */
void bench_set_result(struct bench *b, uint32_t ticks);

/* Helpers for rows (tests/bench/bench.c). */
struct region;
/* A system-arena region of n pages starting a page table (so a row's pages share one table),
 * committed with `commit` flags (MM_COMMIT_*; 0 = reserved only).  Panics on failure: a
 * benchmark without memory is a broken configuration, not a figure. */
struct region *bench_block(uint32_t n, uint32_t commit);
extern uint32_t *bench_scratch;       /* BENCH_SCRATCH_PAGES committed pages for floors */
#define BENCH_SCRATCH_PAGES 8
/* The floors' building blocks: the fewest instructions for a fill, a copy, a TLB entry. */
static inline void fill_dwords(void *d, uint32_t n, uint32_t v)
{
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

static inline void copy_dwords(void *d, const void *s, uint32_t n)
{
    __asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
}

static inline void invlpg(vaddr_t va)
{
    __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory");
}

#endif
