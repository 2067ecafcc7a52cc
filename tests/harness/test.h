/*
 * test.h - the in-kernel test registry.
 *
 *   TEST(mm_crisscross, "mm/criss-cross") { ...; CHECK(x == y); CHECK_EQ(a, b); return PASS; }
 *
 * A test returns NULL (PASS) or a reason; SKIP("no PSE") reports a skip, never a silent pass.
 * The harness runs each selected test, then fails it if any count of struct mm_counts (free
 * frames, locked frames, free system PTEs, pool bytes, regions, address spaces, commit charge;
 * mm/mm.h) changed, or if mm_check() finds a disagreement between the page tables and the PFN
 * database.  TEST_MANUAL tests run only when named exactly on the command line.
 */
#ifndef KERNEL_TEST_H
#define KERNEL_TEST_H
#include "kernel/kernel.h"

typedef const char *(*test_fn)(void);
struct test { const char *name; test_fn fn; uint32_t flags; const char *file; };
#define TEST_MANUAL   1u     /* e.g. boot/panic-on-purpose: never part of "all" */
#define TEST_NO_LEAKCHECK 2u /* the test changes the free count on purpose (documented per test) */
#define TEST_FATAL    4u     /* ends the machine on purpose (panic, fault): the monitor will not run it */

#define TEST_FLAGS(fn, name, flags)                                             \
    static const char *fn(void);                                                \
    __attribute__((used, section(".testtab.1"), aligned(4)))                    \
    static const struct test fn##_entry = { name, fn, flags, __FILE__ };                  \
    static const char *fn(void)
#define TEST(fn, name) TEST_FLAGS(fn, name, 0)

#define PASS NULL
const char *test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Memory without paging, for a test whose subject is the RAM-only commit limit or running out
 * of frames (with the pager on - by default with a swap device - commits go on into swap and
 * pages leave instead).  test_pager_pause turns the pager off until the test returns (the
 * harness turns it back on, or test_pager_resume does sooner): NULL, or why it cannot (a page
 * is in swap), and PAGER_PAUSE SKIPs the test with that reason. */
const char *test_pager_pause(void);
void test_pager_resume(void);
#define PAGER_PAUSE() do { if (test_pager_pause()) SKIP("the pager is on and cannot be turned off: a page is in swap"); } while (0)
#define CHECK(c) do { if (!(c)) return test_fail(__FILE__, __LINE__, "%s", #c); } while (0)
#define CHECK_EQ(a, b) do {                                                     \
        uint32_t _a = (uint32_t)(a), _b = (uint32_t)(b);                        \
        if (_a != _b) return test_fail(__FILE__, __LINE__, "%s == %s: 0x%x != 0x%x", #a, #b, _a, _b); \
    } while (0)
#define CHECK_MSG(c, ...) do { if (!(c)) return test_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)
#define SKIP(reason) return "skip: " reason
#define TRY(expr) do { const char *_r = (expr); if (_r) return _r; } while (0)   /* sub-checks */
/* mm_check() (mm/mm.h) finds nothing wrong now, not only after the test. */
#define CHECK_MM_OK() do {                                                      \
        char _why[160];                                                         \
        CHECK_MSG(mm_check(_why, sizeof _why), "mm_check: %s", _why);           \
    } while (0)

/* "Nothing moved": every count of struct mm_counts (mm/mm.h) is what it was in *before, a
 * snapshot from mm_counts_take().  For a refused call, or a sequence that gives back all it
 * took; the failure names the first count that differs.  A test that compares only one count
 * because the others move on purpose says so and compares that one itself. */
struct mm_counts;
const char *test_nothing_moved(const char *file, int line, const struct mm_counts *before);
/* NULL when the counts now equal *before, else the first that moved, "free frames 9 -> 8"
 * (a static buffer): for a test that words its own failure. */
const char *test_what_moved(const struct mm_counts *before);
#define CHECK_NOTHING_MOVED(before) TRY(test_nothing_moved(__FILE__, __LINE__, (before)))

/*
 * Ring 0 reading or writing a page that may be a user page, to check what a mapping holds:
 * with SMAP on (mm/x86.h) a plain dereference of a user page faults, so a test goes through
 * these; each opens a user-access window for its own access only (a CHECK cannot leave one
 * open).  The raw probes (kernel/trap.h) stay raw: they are how a test shows the SMAP fault.
 */
uint32_t uread(vaddr_t va);                              /* *(volatile uint32_t *)va */
void uwrite(vaddr_t va, uint32_t v);
void umemset(vaddr_t va, int c, size_t n);
void umemcpy(void *dst, const void *src, size_t n);     /* either side may be user memory */
bool uprobe_read(vaddr_t va, uint32_t *v);               /* probe_read etc. in a window */
bool uprobe_read8(vaddr_t va, uint8_t *v);
bool uprobe_write(vaddr_t va, uint32_t v);
bool uprobe_rewrite(vaddr_t va);

int tests_run(const char *pattern);
/* Set while the kernel monitor's `test` command runs the harness: the pattern is then the
 * monitor's (test_pattern), not test= on the command line. */
extern bool tests_from_monitor;
/* The first test the pattern selects that ends the machine on purpose (TEST_FATAL), or NULL. */
const char *tests_first_fatal(const char *pattern);
/* A test's name starts with its area, the name of the folder its file is in (tests/vxd/x.c:
 * "vxd/..."): the first test that breaks the rule, as "name (file)", or NULL. */
const char *test_name_outside_its_folder(void);                      /* returns the number failed */
bool glob_match(const char *pat, const char *s);
extern uint32_t test_hostile_cases;                      /* summed into the final summary */
#endif
