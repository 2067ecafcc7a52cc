/*
 * bench.c - `bench=PATTERN` on the command line: runs the registered benchmark rows (bench.h)
 * and prints one table.  PATTERN is like test=: comma-separated globs over row ids, "all",
 * or "list" to print the ids.
 *
 * Method.  Interrupts are off while timing.  Each row runs BENCH_NBATCH batches of `calls`
 * calls with the TSC read around each batch; the same loop with an empty body (and, for rows
 * that pause, an empty pause/resume pair) is measured just before and subtracted, so a figure
 * is the operation alone.  The reported cost is the median batch divided by `calls`.  Under
 * QEMU with -icount shift=0,align=off,sleep=off the TSC counts guest instructions retired,
 * identically run after run, so figures are instructions, not cycles of
 * any real CPU: what they tell is the ratio to the floor and how a cost grows.
 *
 * Every row runs with frame poisoning off (the configuration the targets are set for) unless
 * it turns it on itself, and must leave the system as it found it: every count of struct
 * mm_counts (mm/mm.h: frames free and locked, system PTEs, pool, regions, address spaces, the
 * commit charge) is compared around each row, and mm_check() runs at the end.  A difference is printed as "bench: LEAK", which fails `make bench`, as
 * does a row whose operation fails its untimed check (BENCH_CHECK: "FAILED").
 *
 * Output: informational lines start with "bench: ", the table rows with "| ", the floors'
 * descriptions with "floor: "; tools/bench.py parses exactly these.
 */
#include "kernel/kernel.h"
#include "tests/harness/test.h"
#include "tests/bench/bench.h"
#include "mm/mm.h"
#include "mm/core/pte.h"

extern const struct bench_row __bench_start[], __bench_end[];
uint32_t *bench_scratch;

/* ---- the timing loop ------------------------------------------------------------------------ */

void bench_begin(struct bench *b)
{
    b->batch = -1;
    b->fixed = false;
}

/* Not inlined: every row then reads the TSC at the same distance from its loop. */
__attribute__((noinline)) bool bench_next(struct bench *b)
{
    uint32_t t = bench_tsc();
    if (b->fail) return false;
    if (b->batch >= 0) {
        b->raw[b->batch] = t - b->t0;
        b->pause_ticks[b->batch] = b->paused;
        b->pauses[b->batch] = b->npause;
    }
    if (++b->batch == BENCH_NBATCH) return false;
    b->paused = b->npause = 0;
    b->t0 = bench_tsc();
    return true;
}

void bench_set_result(struct bench *b, uint32_t ticks)
{
    b->fixed = true;
    b->fixed_ticks = ticks;
}

static void calib_empty(struct bench *b)
{
    BENCH_BATCHES(b) __asm__ volatile("");
}

static void calib_pause(struct bench *b)
{
    BENCH_BATCHES(b) { bench_pause(b); bench_resume(b); }
}

/* ---- arithmetic without libgcc ------------------------------------------------------------ */

static uint32_t median(const int64_t *v)
{
    int64_t s[BENCH_NBATCH];
    memcpy(s, v, sizeof s);
    for (int i = 1; i < BENCH_NBATCH; i++)
        for (int j = i; j > 0 && s[j - 1] > s[j]; j--) { int64_t t = s[j]; s[j] = s[j - 1]; s[j - 1] = t; }
    int64_t m = s[BENCH_NBATCH / 2];
    return m < 0 ? 0 : (uint32_t)m;
}

/* round(n / d) for a 64-bit n (the kernel links no 64-bit division). */
static uint32_t div_round(uint64_t n, uint32_t d)
{
    if (!d) return 0;
    n += d / 2;
    uint64_t q = 0, r = 0;
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) { r -= d; q |= 1ull << i; }
    }
    return q > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)q;
}

static const char *tenths(char *buf, size_t n, uint32_t v)
{
    ksnprintf(buf, n, "%u.%u", v / 10, v % 10);
    return buf;
}

/* ---- calibration ------------------------------------------------------------------------------ */

static uint32_t loop_cost(uint32_t calls)   /* ticks of an empty batch of `calls` */
{
    struct bench c = { .calls = calls };
    calib_empty(&c);
    int64_t v[BENCH_NBATCH];
    for (int i = 0; i < BENCH_NBATCH; i++) v[i] = c.raw[i];
    return median(v);
}

static uint32_t pause_cost_1000;            /* ticks of 1000 pause/resume pairs left in a batch */

static void calibrate_pause(void)
{
    struct bench c = { .calls = 1000 };
    calib_pause(&c);
    int64_t v[BENCH_NBATCH];
    for (int i = 0; i < BENCH_NBATCH; i++) v[i] = (int64_t)c.raw[i] - c.pause_ticks[i];
    int64_t leak = (int64_t)median(v) - loop_cost(1000);
    pause_cost_1000 = leak < 0 ? 0 : (uint32_t)leak;
}

/* The operation's ticks per batch (median), everything the loop adds taken out. */
static uint32_t net_batch(const struct bench *b, uint32_t loop)
{
    int64_t v[BENCH_NBATCH];
    for (int i = 0; i < BENCH_NBATCH; i++)
        v[i] = (int64_t)b->raw[i] - b->pause_ticks[i] - loop -
               div_round((uint64_t)b->pauses[i] * pause_cost_1000, 1000);
    return median(v);
}

/* ---- helpers for rows -------------------------------------------------------------------- */

struct region *bench_block(uint32_t n, uint32_t commit)
{
    mm_status st;
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, n, PTES_PER_TABLE, OWNER_TEST, &st);
    if (!r) panic("bench: reserving %u pages: %s", n, mm_status_name(st));
    if (commit && (st = mm_commit(r->base, n, MM_PROT_WRITE, commit, NULL, NULL)) != MM_OK)
        panic("bench: committing %u pages: %s", n, mm_status_name(st));
    return r;
}

/* ---- the runner ----------------------------------------------------------------------------- */

static bool counts_same(const struct mm_counts *a, const struct mm_counts *b, const char *id)
{
    char what[96];
    if (mm_counts_equal(a, b, what, sizeof what)) return true;
    kprintf("bench: LEAK after %s: %s\n", id, what);
    return false;
}

static bool selected(const char *id, const char *patterns)
{
    char pat[64];
    for (const char *p = patterns; *p;) {
        size_t n = 0;
        while (p[n] && p[n] != ',') n++;
        strncpy_z(pat, p, MIN(n + 1, sizeof pat));
        if (!strcmp(pat, "all") || glob_match(pat, id)) return true;
        p += n;
        if (*p == ',') p++;
    }
    return false;
}

#define ROW_FMT "| %-62s | %7s | %5s | %11s | %11s | %10s | %8s | %-24s |\n"

static void dashes(uint32_t n)
{
    while (n--) kprintf("-");
    kprintf("|");
}

static void print_header(void)
{
    static const uint8_t widths[] = { 64, 9, 7, 13, 13, 12, 10, 26 };    /* ROW_FMT's fields + 2 */
    kprintf(ROW_FMT, "operation", "pages", "calls", "cycles/call", "cycles/page", "floor", "ratio", "row");
    kprintf("|");
    for (unsigned i = 0; i < ARRAY_SIZE(widths); i++) dashes(widths[i]);
    kprintf("\n");
}

/* Runs one row and its floor and prints the row.  Returns ROW_LEAK and/or ROW_FAILED. */
#define ROW_LEAK 1
#define ROW_FAILED 2
static int run_row(const struct bench_row *r)
{
    struct mm_counts before, after;
    struct bench b = { .pages = r->pages, .calls = r->calls, .what = r->what };
    uint32_t loop = loop_cost(r->calls);
    bool poison = pfn_poison_on_free;
    pfn_poison_on_free = false;
    mm_counts_take(&before);
    r->fn(&b);
    struct bench f = { .pages = b.pages, .calls = r->calls, .what = r->floor ? r->floor->what : NULL };
    bool floor = r->floor && !b.fail && !b.skip;
    if (floor) r->floor->fn(&f);
    pfn_poison_on_free = poison;
    mm_counts_take(&after);                          /* the row and its floor both clean up */
    int bad = counts_same(&before, &after, r->id) ? 0 : ROW_LEAK;

    char pg[12], cl[12], cc[16], cp[16], fl[16], ra[12];
    ksnprintf(pg, sizeof pg, b.pages ? "%u" : "-", b.pages);
    if (b.fail || b.skip) {
        kprintf(ROW_FMT, b.what, pg, "-", b.fail ? "FAILED" : "skip", "-", "-", "-", r->id);
        kprintf("bench: %s %s: %s\n", r->id, b.fail ? "FAILED" : "skipped", b.fail ? b.fail : b.skip);
        return bad | (b.fail ? ROW_FAILED : 0);
    }
    uint32_t calls = b.fixed ? 1 : r->calls;
    uint32_t net = b.fixed ? b.fixed_ticks : net_batch(&b, loop);
    uint32_t c10 = div_round((uint64_t)net * 10, calls);
    uint32_t p10 = b.pages ? div_round((uint64_t)net * 10, calls * b.pages) : 0;
    ksnprintf(cl, sizeof cl, "%u", calls);
    tenths(cc, sizeof cc, c10);
    if (b.pages) tenths(cp, sizeof cp, p10); else strncpy_z(cp, "-", sizeof cp);
    strncpy_z(fl, "-", sizeof fl);
    strncpy_z(ra, "-", sizeof ra);
    if (floor) {
        uint32_t fnet = net_batch(&f, loop);
        /* a floor timed over other than the row's pages is scaled to them */
        uint32_t f10 = (f.pages && b.pages && f.pages != b.pages)
                     ? div_round((uint64_t)fnet * 10 * b.pages, r->calls * f.pages)
                     : div_round((uint64_t)fnet * 10, r->calls);
        tenths(fl, sizeof fl, f10);
        if (f10) tenths(ra, sizeof ra, div_round((uint64_t)c10 * 10, f10));
    }
    kprintf(ROW_FMT, b.what, pg, cl, cc, cp, fl, ra, r->id);
    return bad;
}

static void print_floors(const char *pattern)
{
    for (const struct bench_row *r = __bench_start; r < __bench_end; r++) {
        if (!r->floor || !selected(r->id, pattern)) continue;
        bool seen = false;
        for (const struct bench_row *q = __bench_start; q < r && !seen; q++)
            seen = q->floor == r->floor && selected(q->id, pattern);
        if (seen) continue;
        kprintf("floor: %s (rows:", r->floor->what);
        for (const struct bench_row *q = r; q < __bench_end; q++)
            if (q->floor == r->floor && selected(q->id, pattern)) kprintf(" %s", q->id);
        kprintf(")\n");
    }
}

void bench_run(const char *pattern)
{
    if (!strcmp(pattern, "list")) {
        for (const struct bench_row *r = __bench_start; r < __bench_end; r++)
            kprintf("bench: %-24s %s\n", r->id, r->what);
        return;
    }
    if (!x86.tsc) { kprintf("bench: this CPU has no TSC: nothing to time with\n"); return; }
    uint32_t flags = irq_save();                   /* off while timing (they are off anyway) */
    struct mm_counts start, end;
    mm_counts_take(&start);
    struct region *scratch = bench_block(BENCH_SCRATCH_PAGES, MM_COMMIT_PRESENT);
    bench_scratch = (uint32_t *)scratch->base;
    calibrate_pause();

    kprintf("bench: '%s': %s family %u model %u, %u MiB of RAM in %u frames, global pages %s\n",
            pattern, x86.vendor, x86.family, x86.model, mm_total_frames() / 256, mm_total_frames(),
            mm_global_pages ? "on" : "off");
    kprintf("bench: median of %u batches; loop %u ticks per call and pause/resume %u.%u per pair "
            "subtracted; frame poisoning off unless stated\n", BENCH_NBATCH, loop_cost(1000) / 1000,
            pause_cost_1000 / 1000, pause_cost_1000 % 1000 / 100);
    print_header();
    uint32_t n = 0, leaks = 0, failed = 0;
    for (const struct bench_row *r = __bench_start; r < __bench_end; r++) {
        if (!selected(r->id, pattern)) continue;
        n++;
        int bad = run_row(r);
        if (bad & ROW_LEAK) leaks++;
        if (bad & ROW_FAILED) failed++;
    }
    print_floors(pattern);
    mm_release(scratch);
    bench_scratch = NULL;
    mm_counts_take(&end);
    if (!counts_same(&start, &end, "the whole run")) leaks++;
    char why[160];
    bool ok = mm_check(why, sizeof why);
    if (!ok) kprintf("bench: LEAK: mm_check after the run: %s\n", why);
    if (!n) kprintf("bench: no row matched '%s' (bench=list prints them)\n", pattern);
    kprintf("bench: %u rows, %u FAILED; %s (free frames: %u before, %u after)\n", n, failed,
            leaks || !ok ? "NOT CLEAN" : "system clean", start.free_frames, end.free_frames);
    irq_restore(flags);
}
