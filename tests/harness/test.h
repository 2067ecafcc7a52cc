/*
 * test.h - the in-kernel test registry.
 *
 *   TEST(mm_crisscross, "mm/criss-cross") { ...; CHECK(x == y); CHECK_EQ(a, b); return PASS; }
 *
 * A test returns NULL (PASS) or a reason; SKIP("no PSE") reports a skip, never a silent pass.
 * The harness runs each selected test, then fails it if the free-frame count, the system-PTE
 * count, the locked-frame count or the commit charge changed, or if mm_check() finds a
 * disagreement between the page tables and the PFN database.  TEST_MANUAL tests run only when
 * named exactly on the command line.
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
#define CHECK(c) do { if (!(c)) return test_fail(__FILE__, __LINE__, "%s", #c); } while (0)
#define CHECK_EQ(a, b) do {                                                     \
        uint32_t _a = (uint32_t)(a), _b = (uint32_t)(b);                        \
        if (_a != _b) return test_fail(__FILE__, __LINE__, "%s == %s: 0x%x != 0x%x", #a, #b, _a, _b); \
    } while (0)
#define CHECK_MSG(c, ...) do { if (!(c)) return test_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)
#define SKIP(reason) return "skip: " reason
#define TRY(expr) do { const char *_r = (expr); if (_r) return _r; } while (0)   /* sub-checks */

/* Counters the harness snapshots around every test (mm fills them in). */
struct test_counters { uint32_t free_frames, syspte_free, locked_frames, heap_used, charged; };
void test_snapshot(struct test_counters *c);            /* mm/core/check.c */
bool test_invariants(char *why, size_t n);              /* mm_check() for the harness */

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
