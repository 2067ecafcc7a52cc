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
 */
#include "kernel/test.h"
#include "kernel/trap.h"
#include "mm/x86.h"

extern const struct test __tests_start[], __tests_end[];
uint32_t test_hostile_cases;
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

/* Areas run in dependency order: a broken frame allocator shows up before what uses it. */
static int area_rank(const char *name)
{
    static const char *const areas[] = { "boot/", "pfn/", "mm/", "vxd/", "devhlp/", "ntmm/", "hostile/", "stress/" };
    for (unsigned i = 0; i < ARRAY_SIZE(areas); i++)
        if (!strncmp(name, areas[i], strlen(areas[i]))) return (int)i;
    return (int)ARRAY_SIZE(areas);
}

static const char *check_after(const struct test *t, const struct test_counters *before)
{
    static char why[200];
    struct test_counters after;
    test_snapshot(&after);
    if (!(t->flags & TEST_NO_LEAKCHECK)) {
        if (after.free_frames != before->free_frames)
            return ksnprintf(why, sizeof why, "leak check: free frames %u before, %u after",
                             before->free_frames, after.free_frames), why;
        if (after.syspte_free != before->syspte_free)
            return ksnprintf(why, sizeof why, "leak check: free system PTEs %u before, %u after",
                             before->syspte_free, after.syspte_free), why;
        if (after.locked_frames != before->locked_frames)
            return ksnprintf(why, sizeof why, "leak check: locked frames %u before, %u after",
                             before->locked_frames, after.locked_frames), why;
        if (after.charged != before->charged)
            return ksnprintf(why, sizeof why, "leak check: commit charge %u before, %u after",
                             before->charged, after.charged), why;
    }
    if (x86_read_eflags() & EFLAGS_AC)
        return "EFLAGS.AC still set: a user-access window was left open (mm/x86.h)";
    char inv[160];
    if (!test_invariants(inv, sizeof inv))
        return ksnprintf(why, sizeof why, "mm_check: %s", inv), why;
    return NULL;
}

static int run_one(const struct test *t, int *passed, int *failed, int *skipped)
{
    struct test_counters before;
    test_snapshot(&before);
    const char *r = t->fn();
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
    int passed = 0, failed = 0, skipped = 0;
    kprintf("tests: running '%s'\n", pattern);
    for (int rank = 0; rank <= 8; rank++)
        for (const struct test *t = __tests_start; t < __tests_end; t++)
            if (area_rank(t->name) == rank && selected(t, pattern))
                run_one(t, &passed, &failed, &skipped);
    if (test_hostile_cases)
        kprintf("tests: %u hostile cases tried\n", test_hostile_cases);
    if (passed + failed == 0) {
        kprintf("tests: no test matched '%s'\n", pattern);
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
