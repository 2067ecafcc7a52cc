/*
 * hostile.h - the harness of the hostile-input suite (tests/suites/hostile/) and the exhaustion
 * tests (tests/suites/exhaust/).
 *
 * A hostile test (hostile/<service>) runs tables of argument sets that a careless or malicious
 * caller could pass to one public service: zero, unaligned, maximum and wrapping lengths,
 * ranges touching the null page, the self-map, hyperspace or the permanently invalid region,
 * another process's private arena, reserved flag bits one at a time, forged and reused handles.
 * Every case asserts the documented result (the three APIs' documentation, the README's choices) and,
 * right after the call, that nothing changed: every count of struct mm_counts (free frames,
 * locked frames, free system PTEs, pool bytes, regions, address spaces, the commit charge) is
 * what it was, and mm_check() is happy.
 * A failure names the service, the case index and what the case was.
 *
 * Calls go through thunks, uint32_t fn(const uint32_t *a), so one runner serves every table:
 *   hrun_table  - rows of {what, fn (NULL: the table's), want, a[8]}
 *   hrun_sweep  - the reserved bits of one flag argument, one at a time (valid bits left out),
 *                 then the base call itself as a positive control, undone by its undo()
 *   hrun_list   - one argument shape fed with every entry of a shared list (hostile ranges or
 *                 hostile pointers), with a second expected value for some kinds of entry
 */
#ifndef TESTS_HOSTILE_H
#define TESTS_HOSTILE_H
#include "tests/harness/test.h"
#include "mm/mm.h"
#include "mm/x86.h"
#include "tests/core/mm/frames.h"   /* frame_of: the frame mapped at va in the current process */

typedef uint32_t (*hcall)(const uint32_t *a);

struct hrun {
    const char *svc;             /* the service, for messages */
    uint32_t cases;              /* cases run so far: the index of the next one */
    struct mm_counts base;       /* what every case must leave as it found it (mm/mm.h) */
};
void hrun_rebase(struct hrun *r);                  /* after a body made fixtures of its own */

/* Page tables and memory, for "nothing changed" beyond the counts.  hpt_sum hashes every entry
 * of the current page directory and of every page table under it (the shared and system arenas
 * included), ignoring the accessed and dirty bits (the CPU sets them on any access); the
 * hyperspace table is left out (its temporary slots come and go inside any call).  hmem_sum
 * hashes bytes at a linear address (a user page is read in a user-access window); hframe_sum
 * a frame's contents through hyperspace. */
uint32_t hpt_sum(void);
uint32_t hmem_sum(vaddr_t va, uint32_t bytes);
uint32_t hframe_sum(pfn_t f);
struct hsnap { struct mm_counts c; uint32_t pt; };
void hsnap_take(struct hsnap *s);
const char *hsnap_diff(const struct hsnap *s);    /* NULL when the counts and page tables are as in s */
/* One case: got must equal want, then the counts and mm_check.  NULL or the failure. */
const char *hrun_check(struct hrun *r, const char *what, uint32_t got, uint32_t want);
#define HCASE(r, what, got, want) TRY(hrun_check((r), (what), (uint32_t)(got), (uint32_t)(want)))

struct hcase {
    const char *what;
    hcall fn;                    /* NULL: the table's service */
    uint32_t want;
    uint32_t a[8];
};
const char *hrun_table(struct hrun *r, hcall fn, const struct hcase *c, uint32_t n);
#define HTABLE(r, fn, rows) TRY(hrun_table((r), (fn), (rows), ARRAY_SIZE(rows)))

/* Reserved bits of a[idx]: every bit not in `valid`, OR-ed into the base value, must give want.
 * With undo, the base call must then succeed (result != want) and undo(result, a) must put
 * everything back (it returns false if it could not). */
struct hsweep {
    hcall fn;
    uint32_t a[8];
    uint32_t idx, valid, want;
    bool (*undo)(uint32_t result, const uint32_t *a);
};
const char *hrun_sweep(struct hrun *r, const struct hsweep *s);
#define HSWEEP(r, ...) do { const struct hsweep _s = __VA_ARGS__; TRY(hrun_sweep((r), &_s)); } while (0)

/* ---- the shared fixture and the shared lists ---------------------------------------------- */
#define HF_OTHER_VA 0x5A5A0000u  /* where the second process has its memory (free here) */
#define HF_IO_PA    0xF0000000u  /* physical address space that is never RAM (above every config's RAM) */

struct hfix {
    struct as *other;            /* a second process (as_create) ... */
    vaddr_t other_va;            /* ... with 2 committed, present pages here; unreserved in ours */
    pfn_t other_frame;           /* the frame behind other_va (mapped only in that process) */
    struct region *blk;          /* 4 committed, present, writable system pages; page after: unreserved */
    vaddr_t blk_va;
    struct region *res;          /* 2 reserved, uncommitted system pages */
    struct region *ro;           /* 1 committed, present, read-only system page */
    vaddr_t spte;                /* a 1-page system-PTE allocation, unmapped; spte + 4 KiB is its guard */
    pfn_t free_frame;            /* a free frame deep in the free lists (the fixtures do not take it) */
    pfn_t pt_frame, cr3_frame, pfndb_frame, pool_frame, kernel_frame;
};

/* Kinds of list entries, so a shape can expect something else for some of them, or skip them. */
#define HK_ZERO   0x01u          /* zero length */
#define HK_WRAP   0x02u          /* addr + len wraps past 4 GiB */
#define HK_HUGE   0x04u          /* more than a page count / MDL / 64 KiB list can describe */
#define HK_OTHER  0x08u          /* another process's memory: unreserved in the current one */
#define HK_CROSS  0x10u          /* starts in the object, runs past its end into unreserved space */
#define HK_POOL   0x20u          /* (pointers) the kernel pool: writable kernel memory, no caller's buffer */
#define HK_RO     0x40u          /* (pointers) readable, not writable */
#define HK_UNMAPPED 0x80u        /* (pointers) inside an arena, nothing mapped there */
#define HK_NULL   0x100u         /* (pointers) NULL itself, which some services accept as "none" */

struct hentry { const char *what; vaddr_t va; uint32_t bytes; uint32_t kind; };
#define HLIST_MAX 32
struct hlist { uint32_t n; struct hentry e[HLIST_MAX]; };
/* Hostile ranges around an object [base, base + npages pages) of the personality under test. */
void hostile_ranges(const struct hfix *fx, vaddr_t base, uint32_t npages, struct hlist *out);
/* Hostile pointers for a caller's buffer of `bytes` bytes. */
void hostile_pointers(const struct hfix *fx, uint32_t bytes, struct hlist *out);

/* One argument shape fed with a list: a[at] = the entry's address (or page number with
 * pages), a[len] = its length (bytes, or pages with pages; len < 0: no length argument).
 * Entries of a kind in `skip` are left out; those in `alt_kinds` expect want_alt. */
struct hshape {
    hcall fn;
    uint32_t a[8];
    int8_t at, len;
    bool pages;
    uint32_t want, skip, alt_kinds, want_alt;
};
const char *hrun_list(struct hrun *r, const struct hshape *s, const struct hlist *l);
#define HLIST(r, list, ...) do { const struct hshape _s = __VA_ARGS__; TRY(hrun_list((r), &_s, (list))); } while (0)

/* ---- a hostile/<service> test --------------------------------------------------------------- */
/* A personality's own fixture (handles, locked blocks, aliases), made after the shared one. */
struct hpers {
    const char *(*setup)(const struct hfix *fx, void *pf);
    void (*teardown)(const struct hfix *fx, void *pf);
};
typedef const char *(*hbody)(struct hrun *r, const struct hfix *fx, void *pf);
/* Fixtures, the body, teardown; prints "hostile/<svc>: N cases" and adds N to
 * test_hostile_cases. */
const char *hostile_test(const char *svc, const struct hpers *pers, void *pf, hbody body);

#define HOSTILE(id, svc, pers, ftype)                                                        \
    static const char *id##_body(struct hrun *r, const struct hfix *fx, ftype *pf);          \
    static const char *id##_cast(struct hrun *r, const struct hfix *fx, void *pf)            \
    { return id##_body(r, fx, (ftype *)pf); }                                                \
    TEST(id, "hostile/" svc) { ftype f; return hostile_test(svc, (pers), &f, id##_cast); }   \
    static const char *id##_body(struct hrun *r UNUSED, const struct hfix *fx UNUSED, ftype *pf UNUSED)

/* A result a thunk returns when the service broke a rule the return value cannot show (an
 * output written on failure, EDX not cleared, a caller's buffer changed). */
#define H_BROKEN 0xB0B0B0B0u

/* ---- exhaustion (tests/suites/exhaust/) ------------------------------------------------------------ */
/* One API taken until a request of one unit fails: requests start at `chunk` units and halve
 * after each failure.  Every failure must return `fail` (a hostile case: the counts and
 * mm_check as for any other), every success is kept and given back later, newest first. */
#define EX_MAX 2048
struct exhaust {
    const char *what;
    uint32_t fail, chunk;
    bool faults_in;              /* a failed call may leave demand-zero pages faulted in (probes) */
    /* true and *h on success; false and *result (the API's answer) on failure */
    bool (*take)(struct exhaust *x, uint32_t n, uint32_t *h, uint32_t *result);
    void (*give)(struct exhaust *x, uint32_t h, uint32_t n);
    uint32_t ctx[4];             /* the API's own state (a region, a cursor) */
    uint32_t taken, calls, n;    /* units obtained, calls made, handles held */
    uint32_t *h, *size;          /* exhaust_run's shared table (one exhaustion at a time): EX_MAX
                                    entries each, in .bss once rather than in every test's data */
};
const char *exhaust_run(struct hrun *r, struct exhaust *x);
void exhaust_release(struct exhaust *x);
/* Every page of [va, va + n pages) written (tag ^ i, at a different offset in each page) and
 * read back, faulting demand-zero pages in; a user page through a user-access window. */
const char *exhaust_touch_all(vaddr_t va, uint32_t n, uint32_t tag);

/* Ballast: all available frames but `keep` taken straight from the frame allocator (held, so
 * mm_check agrees), so that an API exhausts the rest in seconds even with 3.5 GiB.  Available:
 * free and not held for the commit charge (the allocator refuses those anyway).  Frames go back
 * without poisoning (they were never written).  Returns the frames taken.  Calls add up: a
 * second ballast_take(0) takes the last few frames too; ballast_release gives back everything. */
uint32_t ballast_take(uint32_t keep);
void ballast_release(void);

/* Time stamps for the reports (0 on a CPU without a TSC: a 486). */
static inline uint64_t hnow(void) { return x86.tsc ? rdtsc() : 0; }
static inline uint32_t hmcycles(uint64_t t0) { return x86.tsc ? (uint32_t)((rdtsc() - t0) >> 20) : 0; }
#endif
