/*
 * test.c - runs the registered tests selected by `test=PATTERN`.
 *
 * PATTERN is a comma-separated list of globs ('*' matches any run of characters, so an area
 * name followed by a star selects that area); "all" selects every test except TEST_MANUAL ones, which run only when named
 * exactly.  Output, one line per test:
 *     ok      mm/criss-cross
 *     not ok  mm/tlb-reuse: mm/tests.c:88: ...
 *     skip    mm/large-page: no PSE
 * and finally "N passed, N failed, N skipped" alone on its line.  The run exits QEMU with 33
 * only if nothing failed and at least one test ran.
 *
 * The tests run area by area (area_rank), in registry order within an area, unless the command
 * line says `test-order=shuffle:SEED` (SEED decimal, 0 to 4294967295): then the selected tests
 * run in an order drawn from SEED, the same order for the same SEED, test set and pattern, so a
 * test that passes only after (or before) another one shows up, and the run can be replayed.  The
 * seed and the replay line (the kernel command line) are printed before the first test.  A
 * test-order value that is not understood is reported and fails the run: it would otherwise
 * give a different order than asked for under the same "pass".
 */
#include "tests/harness/test.h"
#include "tests/harness/user.h"
#include "drivers/console.h"
#include "kernel/trap.h"
#include "mm/mm.h"
#include "mm/x86.h"

extern const struct test __tests_start[], __tests_end[];
uint32_t test_hostile_cases;
bool tests_from_monitor;
static char fail_buf[256];

const char *test_fail(const char *file, int line, const char *fmt, ...)
{
    int n = ksnprintf(fail_buf, sizeof fail_buf, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(fail_buf + n, sizeof fail_buf - n, fmt, ap);
    va_end(ap);
    return fail_buf;
}

const char *test_what_moved(const struct mm_counts *before)
{
    static char what[96];
    struct mm_counts now;
    mm_counts_take(&now);
    return mm_counts_equal(before, &now, what, sizeof what) ? NULL : what;
}

const char *test_nothing_moved(const char *file, int line, const struct mm_counts *before)
{
    const char *moved = test_what_moved(before);
    return moved ? test_fail(file, line, "something moved: %s", moved) : NULL;
}

bool glob_match(const char *p, const char *s)
{
    if (!*p) return !*s;
    if (*p == '*') {
        for (;; s++) {
            if (glob_match(p + 1, s)) return true;
            if (!*s) return false;
        }
    }
    return *s && *p == *s && glob_match(p + 1, s + 1);
}

/* Is `name` selected by the comma-separated pattern list? */
static bool selected(const struct test *t, const char *patterns)
{
    char pat[128];
    const char *p = patterns;
    while (*p) {
        size_t n = 0;
        while (p[n] && p[n] != ',') n++;
        strncpy_z(pat, p, MIN(n + 1, sizeof pat));
        if (!strcmp(pat, t->name)) return true;
        if (!(t->flags & TEST_MANUAL) && (!strcmp(pat, "all") || glob_match(pat, t->name))) return true;
        p += n;
        if (*p == ',') p++;
    }
    return false;
}

const char *tests_first_fatal(const char *patterns)
{
    for (const struct test *t = __tests_start; t < __tests_end; t++)
        if ((t->flags & TEST_FATAL) && selected(t, patterns)) return t->name;
    return NULL;
}

/* The parts of a comma-separated pattern that select no test, each reported: a typo in a
 * pattern must not pass as a smaller run.  Their number. */
static int unmatched_parts(const char *patterns)
{
    int bad = 0;
    for (const char *p = patterns; *p;) {
        char part[128];
        size_t n = 0;
        while (p[n] && p[n] != ',') n++;
        strncpy_z(part, p, MIN(n + 1, sizeof part));
        bool any = false;
        for (const struct test *t = __tests_start; t < __tests_end && !any; t++)
            any = selected(t, part);
        if (!any && n) {
            kprintf("tests: '%s' matches no test (test=list names them all)\n", part);
            bad++;
        }
        p += n;
        if (*p == ',') p++;
    }
    return bad;
}

/* test=list: every registered test, one per line, in run order's areas. */
static void list_tests(void)
{
    for (const struct test *t = __tests_start; t < __tests_end; t++)
        kprintf("test    %s%s\n", t->name, (t->flags & TEST_MANUAL) ? "  (manual: runs only when named)" : "");
    kprintf("tests: %u registered\n", (unsigned)(__tests_end - __tests_start));
}

/*
 * A test's area is the folder its file is in: tests/core/mm/owner.c registers mm/..., tests/vxd/lock.c
 * vxd/..., tests/suites/hostile/vxd.c hostile/... .  The first test whose name does not start
 * with its folder's name and a '/', as "name (file)"; NULL when all agree.
 */
const char *test_name_outside_its_folder(void)
{
    for (const struct test *t = __tests_start; t < __tests_end; t++) {
        const char *dir = t->file, *slash = NULL;     /* the last folder of the path */
        for (const char *c = t->file; *c; c++)
            if (*c == '/') { if (slash) dir = slash + 1; slash = c; }
        size_t n = slash ? (size_t)(slash - dir) : 0;
        if (!n || strncmp(t->name, dir, n) || t->name[n] != '/') {
            static char bad[160];
            ksnprintf(bad, sizeof bad, "%s (%s)", t->name, t->file);
            return bad;
        }
    }
    return NULL;
}

/* Areas run in dependency order: a broken frame allocator shows up before what uses it; an area
 * not listed runs last (rank N_AREAS). */
static const char *const areas[] = { "boot/", "pfn/", "mm/", "vxd/", "devhlp/", "ntmm/", "paging/", "monitor/",
                                     "hostile/", "exhaust/", "harden/", "stress/" };
#define N_AREAS ((int)ARRAY_SIZE(areas))
static int area_rank(const char *name)
{
    for (int i = 0; i < N_AREAS; i++)
        if (!strncmp(name, areas[i], strlen(areas[i]))) return i;
    return N_AREAS;
}

/* ---- the run list ------------------------------------------------------------------------- */

#define TESTS_MAX 1024                     /* registered tests (about 300 today); 2 KiB of .bss */
static uint16_t run_list[TESTS_MAX];      /* indexes into __tests_start[], in run order */

/* xorshift32 (Marsaglia 2003): deterministic, 32 bits of state; a non-zero state stays non-zero. */
static uint32_t xorshift32(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* Fisher-Yates over run_list[0..n).  Seed 0 would stick xorshift32 at 0, so it is replaced by a
 * fixed non-zero value; the first outputs of a small seed are small, so they are dropped. */
static void shuffle(uint32_t n, uint32_t seed)
{
    uint32_t state = seed ? seed : 0x9E3779B9u;
    for (int i = 0; i < 16; i++) xorshift32(&state);
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = xorshift32(&state) % i;
        uint16_t t = run_list[i - 1];
        run_list[i - 1] = run_list[j];
        run_list[j] = t;
    }
}

/* test-order=shuffle:SEED: 1 with *seed set; no test-order: 0; anything else is reported on the
 * console and gives -1. */
static int parse_order(uint32_t *seed)
{
    const char *v = cmdline_get("test-order");
    if (!v) {
        if (!cmdline_has("test-order")) return 0;
        v = "";
    }
    if (!strncmp(v, "shuffle:", 8) && v[8]) {
        uint32_t x = 0;
        const char *p = v + 8;
        for (; *p >= '0' && *p <= '9' && x <= (0xFFFFFFFFu - (uint32_t)(*p - '0')) / 10; p++)
            x = x * 10 + (uint32_t)(*p - '0');
        if (!*p) { *seed = x; return 1; }     /* stopped early: not a digit, or 2^32 or more */
    }
    kprintf("tests: bad test-order '%s': expected test-order=shuffle:SEED, SEED a decimal number "
            "from 0 to 4294967295\n", v);
    return -1;
}

static const char *check_after(const struct test *t, const struct mm_counts *before)
{
    static char why[200];
    char what[96];
    struct mm_counts after;
    mm_counts_take(&after);
    if (!(t->flags & TEST_NO_LEAKCHECK) && !mm_counts_equal(before, &after, what, sizeof what))
        return ksnprintf(why, sizeof why, "leak check: %s", what), why;
    if (x86_read_eflags() & EFLAGS_AC)
        return "EFLAGS.AC still set: a user-access window was left open (mm/x86.h)";
    char inv[160];
    if (!mm_check(inv, sizeof inv))
        return ksnprintf(why, sizeof why, "mm_check: %s", inv), why;
    return NULL;
}

/* The pager, paused for one test (test.h). */
static bool pager_paused;

const char *test_pager_pause(void)
{
    if (!mm_pager_on()) return NULL;
    if (mm_pager_disable() != MM_OK) return "the pager cannot be turned off (a page is in swap)";
    pager_paused = true;
    return NULL;
}

void test_pager_resume(void)
{
    if (pager_paused && mm_pager_enable() == MM_OK) pager_paused = false;
}

static int run_one(const struct test *t, int *passed, int *failed, int *skipped)
{
    struct mm_counts before;
    mm_counts_take(&before);
    bool pager0 = mm_pager_on();
    const char *r = t->fn();
    test_pager_resume();                              /* whatever path the test left by */
    if (mm_pager_on() != pager0 && (!r || !strncmp(r, "skip: ", 6)))   /* a test leaves it as found */
        r = pager0 ? "the test left the pager off" : "the test left the pager on";
    if (r && !strncmp(r, "skip: ", 6)) {
        const char *after = check_after(t, &before);
        if (!after) { kprintf("skip    %s: %s\n", t->name, r + 6); (*skipped)++; return 0; }
        r = after;
    }
    if (!r) r = check_after(t, &before);
    if (r) { kprintf("not ok  %s: %s\n", t->name, r); (*failed)++; return 1; }
    kprintf("ok      %s\n", t->name);
    (*passed)++;
    return 0;
}

int tests_run(const char *pattern)
{
    /* A copy: pattern is cmdline_get()'s buffer, which the next cmdline_get() overwrites
     * (parse_order's, or a test's own, like the stress tests' stress-seed=).  tools/gdb reads
     * the parameter, so it keeps its name. */
    char pat[256];
    strncpy_z(pat, pattern, sizeof pat);
    int passed = 0, failed = 0, skipped = 0;
    if (!strcmp(pat, "list")) {
        list_tests();
        return 0;
    }
    kprintf("tests: running '%s'\n", pat);

    uint32_t seed = 0, n = 0, registered = (uint32_t)(__tests_end - __tests_start);
    int order = parse_order(&seed);
    if (order < 0) {
        kprintf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
        return -1;
    }
    if (registered > TESTS_MAX) {
        kprintf("tests: %u tests registered, the run list holds %u: raise TESTS_MAX in tests/harness/test.c\n",
                registered, TESTS_MAX);
        kprintf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
        return -1;
    }
    for (int rank = 0; rank <= N_AREAS; rank++)
        for (uint32_t i = 0; i < registered; i++)
            if (area_rank(__tests_start[i].name) == rank && selected(&__tests_start[i], pat))
                run_list[n++] = (uint16_t)i;
    if (order > 0) {
        shuffle(n, seed);
        kprintf("tests: order shuffled with seed %u; replay: %s\n", seed, kernel_cmdline);
    }
    uint32_t faults0 = user_faults_survived(), nfailed = 0;
    static uint16_t failed_list[32];           /* listed again at the end, where they stay visible */
    for (uint32_t i = 0; i < n; i++) {
        const struct test *t = &__tests_start[run_list[i]];
        console_status("Pagoda tests %u/%u: %d passed, %d failed, %d skipped  %s", i + 1, n, passed, failed,
                       skipped, t->name);
        if (run_one(t, &passed, &failed, &skipped) && nfailed < ARRAY_SIZE(failed_list))
            failed_list[nfailed++] = run_list[i];
    }
    if (test_hostile_cases)
        kprintf("tests: %u hostile cases tried\n", test_hostile_cases);
    if (user_faults_survived() != faults0)
        kprintf("tests: %u ring-3 faults reported on COM1 (expected ones; `screen-all` shows them here too)\n",
                user_faults_survived() - faults0);
    if (nfailed) {
        kprintf("tests: %d failed%s:\n", failed, failed > (int)nfailed ? ", the first of them" : "");
        for (uint32_t i = 0; i < nfailed; i++) kprintf("  failed: %s\n", __tests_start[failed_list[i]].name);
    }

    failed += unmatched_parts(pat);
    console_status("Pagoda tests done: %d passed, %d failed, %d skipped%s", passed, failed, skipped,
                   failed ? " - failures listed above the summary" : "");
    if (passed + failed == 0) {
        kprintf("tests: no test matched '%s'\n", pat);
        kprintf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
        return -1;
    }
    kprintf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed;
}

/* ---- ring-0 access to user pages (test.h; the window is mm/x86.h's) ---------------------- */

uint32_t uread(vaddr_t va)
{
    x86_user_access_begin();
    uint32_t v = *(volatile uint32_t *)va;
    x86_user_access_end();
    return v;
}

void uwrite(vaddr_t va, uint32_t v)
{
    x86_user_access_begin();
    *(volatile uint32_t *)va = v;
    x86_user_access_end();
}

void umemset(vaddr_t va, int c, size_t n)
{
    x86_user_access_begin();
    memset((void *)va, c, n);
    x86_user_access_end();
}

void umemcpy(void *dst, const void *src, size_t n)
{
    x86_user_access_begin();
    memcpy(dst, src, n);
    x86_user_access_end();
}

bool uprobe_read(vaddr_t va, uint32_t *v)
{
    x86_user_access_begin();
    bool ok = probe_read(va, v);
    x86_user_access_end();                     /* after a fault too: the fixup resumes with AC set */
    return ok;
}

bool uprobe_read8(vaddr_t va, uint8_t *v)
{
    x86_user_access_begin();
    bool ok = probe_read8(va, v);
    x86_user_access_end();
    return ok;
}

bool uprobe_write(vaddr_t va, uint32_t v)
{
    x86_user_access_begin();
    bool ok = probe_write(va, v);
    x86_user_access_end();
    return ok;
}

bool uprobe_rewrite(vaddr_t va)
{
    x86_user_access_begin();
    bool ok = probe_rewrite(va);
    x86_user_access_end();
    return ok;
}
