/*
 * monitor.c - the kernel monitor's commands run in the kernel on every configuration of the
 * matrix (tools/montest.py drives the prompt itself, over COM1 and the keyboard, on two): hostile
 * lines get one error line each and change nothing; what `call`, `pt`, `map` and `mem` print agrees
 * with what the core says (mm_translate, the counters); `r` and `w` go through probes, and `w` only
 * where a caller may write.  Output is captured (console_capture) and searched.
 */
#include "tests/harness/test.h"
#include "kernel/monitor.h"
#include "drivers/console.h"
#include "mm/x86.h"

static char cap[16384];
static uint32_t caplen;
static void (*saved_panic_hook)(void);

static void cap_putc(char c)
{
    if (caplen + 1 < sizeof cap) cap[caplen++] = c;
    cap[caplen] = 0;
}

/* A panic while output is captured: the console back, then what was captured (its message). */
static void cap_panic(void)
{
    console_capture = NULL;
    kprintf("tests/monitor: captured before the panic:\n%s\n", cap);
    if (saved_panic_hook) saved_panic_hook();
}

/* Runs one command line with its output in cap; the number of error lines it printed. */
static uint32_t run(const char *line)
{
    static char buf[256];
    strncpy_z(buf, line, sizeof buf);
    caplen = 0;
    cap[0] = 0;
    saved_panic_hook = panic_hook;
    panic_hook = cap_panic;
    console_capture = cap_putc;
    uint32_t errors = monitor_exec(buf);
    console_capture = NULL;
    panic_hook = saved_panic_hook;
    return errors;
}

static uint32_t count_of(const char *what)
{
    uint32_t n = 0;
    for (const char *p = cap; (p = strstr(p, what)); p++) n++;
    return n;
}

/* The hex number after the first `marker` in cap; false when there is none. */
static bool hex_after(const char *marker, uint32_t *v)
{
    const char *p = strstr(cap, marker), *end;
    if (!p) return false;
    p += strlen(marker);
    *v = strtou(p, &end, 16);
    return end != p;
}

/* The monitor's region for the test's length: made here (and given back) unless it exists. */
struct held { bool had; };
static struct held hold_memory(void) { struct held h = { monitor_memory_held() }; monitor_memory(); return h; }
static void give_back(struct held h) { if (!h.had) monitor_memory_release(); }

static const char *const hostile[] = {
    "frobnicate", "pt", "pt zz", "pt 0x1ffffffff", "pfn -", "pfn 0x", "r 0", "r 0xFFFFFFFF", "r 0x1000 65",
    "w 0x80100000 0", "w 0xC0300000 0", "w 0 0", "w 0x1001 0", "as 99", "as del 0", "as del 99", "test", "bench",
    "help nosuchthing", "a b c d e f g h i j k l m n o p q r", "call", "call NoSuchService 1",
    "call _PageAllocate 1 2", "call _PageAllocate 4 PG_BOGUS 0 0 0 0 out PAGEFIXED",
    "call _PageAllocate 0xFFFFFFFF PG_SYS 0 0 0 0 out PAGEFIXED",
    "call _PageAllocate 4 PG_SYS 0 0 0 0x100000 0xC0300000 PAGEFIXED|PAGEUSEALIGN",
    "call _PageAllocate 4 PG_SYS 0 0 0 0x100000 0x80100000 PAGEFIXED|PAGEUSEALIGN",
    "call _PageFree 0xdeadb000 0", "call _PageReserve PR_SYSTEM 0xFFFFFFFF 0",
    "call _PageCommit 0xFFFFF 0x7FFFFFFF PD_ZEROINIT 0 PC_FIXED|PC_WRITEABLE", "call _LinPageLock 0 1 0",
    "call _CopyPageTable 0xC0000 0xFFFFFFFF out 0", "call DevHelp_VMLock 0 0xC0000000 4096 out out out",
    "call DevHelp_VMUnLock 0x80100000", "call DevHelp_VMAlloc VMDHA_FIXED 0xFFFFFFFF VMDHA_NOPHYSADDR out out",
    "call DevHelp_VMAlloc 0 4096 0 0x1234 out", "call DevHelp_PageListToLin 4096 0x0:0x1000000 out",
    "call DevHelp_LinToPageList 0xC0C00000 4096 out out", "call MmProbeAndLockPages 0x12345678 KernelMode IoReadAccess",
    "call MmMapIoSpace 0x100000000 4096 MmNonCached", "call MmMapIoSpace 0 0 MmNonCached",
    "call MmFreeContiguousMemory 0x80100000", "call IoAllocateMdl 0 0 0 0 0x1234", "call MmUnmapLockedPages 0xE0000000 0x5",
    "call _PageAllocate 4 PG_SYS 0 0 0 0 out PAGEFIXED|0x1FFFFFFFF", "call MmMapIoSpace 0xB8000 4096 MmBogus|1",
};

TEST(monitor_hostile, "monitor/hostile-lines-one-error-each")
{
    struct held h = hold_memory();
    char why[160];
    for (unsigned i = 0; i < ARRAY_SIZE(hostile); i++) {
        uint32_t e = run(hostile[i]);
        CHECK_MSG(e == 1 && count_of("error: ") == 1, "'%s': %u error lines: %s", hostile[i], e, cap);
        CHECK_MSG(!strstr(cap, "page tables:") || strstr(cap, "page tables: unchanged"), "'%s' changed the page "
                  "tables: %s", hostile[i], cap);
        CHECK_MSG(mm_check(why, sizeof why), "after '%s': %s", hostile[i], why);
        test_hostile_cases++;
    }
    give_back(h);
    return PASS;
}

/* _PageAllocate through `call`: the PhysAddr it prints is the frame mm_translate finds, the new
 * mapping is reported pinned, `pt` walks to the same frame, and _PageFree reports it gone. */
TEST(monitor_call_vxd, "monitor/call-results-agree-with-the-core")
{
    struct held h = hold_memory();
    CHECK_EQ(run("call _PageAllocate 3 PG_SYS 0 0 0 0x100000 out PAGEFIXED|PAGEUSEALIGN|PAGECONTIG"), 0);
    uint32_t lin, phys, pfn = 0, prot;
    CHECK_MSG(hex_after("_PageAllocate -> 0x", &lin) && hex_after("PhysAddr = 0x", &phys), "%s", cap);
    CHECK(mm_translate(lin, &pfn, &prot));
    CHECK_EQ(phys, pfn << PAGE_SHIFT);
    char want[96];
    ksnprintf(want, sizeof want, "  + %08x-%08x -> %08x, rw kernel", lin, lin + 3 * PAGE_SIZE - 1, phys);
    CHECK_MSG(strstr(cap, want) && strstr(cap, " pin\n"), "no '%s' in %s", want, cap);
    ksnprintf(want, sizeof want, "pt 0x%x", lin + PAGE_SIZE + 0x123);
    CHECK_EQ(run(want), 0);
    ksnprintf(want, sizeof want, "-> physical %08x", phys + PAGE_SIZE + 0x123);
    CHECK_MSG(strstr(cap, want), "no '%s' in %s", want, cap);
    ksnprintf(want, sizeof want, "pfn 0x%x", pfn);
    CHECK_EQ(run(want), 0);
    CHECK_MSG(strstr(cap, "shown as used, fixed") && strstr(cap, "lock_count 1"), "%s", cap);
    CHECK_EQ(run("map"), 0);
    ksnprintf(want, sizeof want, "%08x-%08x -> %08x-%08x, rw kernel", lin, lin + 3 * PAGE_SIZE - 1, phys,
              phys + 3 * PAGE_SIZE - 1);
    CHECK_MSG(strstr(cap, want), "no '%s' in map", want);
    ksnprintf(want, sizeof want, "call _PageFree 0x%x 0", lin);
    CHECK_EQ(run(want), 0);
    ksnprintf(want, sizeof want, "  - %08x-%08x (was %08x, rw kernel", lin, lin + 3 * PAGE_SIZE - 1, phys);
    CHECK_MSG(strstr(cap, "_PageFree -> 0x1") && strstr(cap, want), "%s", cap);
    give_back(h);
    return PASS;
}

/* `mem` counts every frame of the database once, by class, and the sums are the core's counters. */
TEST(monitor_mem_counts, "monitor/mem-counts-are-the-counters")
{
    struct mm_counters c;
    mm_counters_get(&c);
    CHECK_EQ(run("mem"), 0);
    const char *line = strstr(cap, "mem: count");
    CHECK(line && strstr(cap, "mem: end"));
    uint32_t v[MM_FRAME_NCLASSES + 1];
    static const char *const keys[] = { " locked=", " fixed=", " pagedir=", " pagetable=", " system=", " used=",
                                        " reserved=", " free=", " notram=", " ram=" };
    for (unsigned i = 0; i < ARRAY_SIZE(keys); i++) {
        const char *p = strstr(line, keys[i]);
        CHECK_MSG(p, "no%s in %s", keys[i], line);
        v[i] = strtou(p + strlen(keys[i]), NULL, 10);
    }
    CHECK_EQ(v[7], c.free);
    CHECK_EQ(v[0] + v[1] + v[5], c.used);
    CHECK_EQ(v[3], c.pagetables);
    CHECK_EQ(v[2], c.pagedirs);
    CHECK_EQ(v[4], c.system);
    CHECK_EQ(v[6], c.reserved);
    CHECK_EQ(v[9], c.total);
    CHECK_EQ(c.free + c.used + c.pagetables + c.pagedirs + c.system + c.reserved, c.total);
    CHECK(v[0] + v[1] <= c.locked);
    CHECK_EQ(v[9] + v[8], mm_frame_limit());
    return PASS;
}

/* `pt` and mm_translate agree on the kernel image, the PFN database, the pool, an unmapped page,
 * and - with PSE - a 4 MiB page of I/O space (MmMapIoSpace's large mappings). */
TEST(monitor_pt, "monitor/pt-walks-as-the-mmu")
{
    struct held h = hold_memory();
    vaddr_t vas[] = { 0x80100000u + 0x234, PFNDB_BASE, KPOOL_BASE + 0x10, 0x7FFE0000u, SYSPTE_END - PAGE_SIZE };
    for (unsigned i = 0; i < ARRAY_SIZE(vas); i++) {
        char line[32], want[48];
        pfn_t pfn;
        uint32_t prot;
        ksnprintf(line, sizeof line, "pt 0x%x", vas[i]);
        CHECK_EQ(run(line), 0);
        if (mm_translate(vas[i], &pfn, &prot)) {
            ksnprintf(want, sizeof want, "-> physical %08x", (pfn << PAGE_SHIFT) | (vas[i] & PAGE_MASK));
            CHECK_MSG(strstr(cap, want), "%s: no '%s' in %s", line, want, cap);
        } else {
            CHECK_MSG(strstr(cap, "-> not mapped"), "%s: %s", line, cap);
        }
    }
    if (x86_read_cr4() & CR4_PSE) {
        CHECK_EQ(run("call MmMapIoSpace 0xFD000000 0x400000 MmNonCached"), 0);
        uint32_t va;
        CHECK_MSG(hex_after("MmMapIoSpace -> 0x", &va), "%s", cap);
        bool large = strstr(cap, " 4M\n") != NULL;
        char line[64];
        ksnprintf(line, sizeof line, "pt 0x%x", va + 0x1234);
        CHECK_EQ(run(line), 0);
        CHECK_MSG(strstr(cap, "-> physical fd001234"), "%s", cap);
        if (large) CHECK_MSG(strstr(cap, "4 MiB page at fd000000"), "%s", cap);
        ksnprintf(line, sizeof line, "call MmUnmapIoSpace 0x%x 0x400000", va);
        CHECK_EQ(run(line), 0);
        CHECK(!strstr(cap, "page tables: unchanged"));
    }
    give_back(h);
    return PASS;
}

/* r and w: a user page (SMAP: the monitor opens a user-access window), a page that is not mapped
 * (an error, not a fault), the kernel's own memory (w refused), a page of a region (w allowed). */
TEST(monitor_rw, "monitor/r-and-w-go-through-probes")
{
    struct held h = hold_memory();
    mm_status st;
    struct region *r = mm_reserve(ARENA_PRIVATE, 0, 1, 1, OWNER_TEST, &st);
    CHECK(r);
    CHECK_EQ(mm_commit(r->base, 1, MM_PROT_WRITE | MM_PROT_USER, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);
    char line[48], want[48];
    ksnprintf(line, sizeof line, "w 0x%x 0x5a5a1234", r->base + 8);
    CHECK_MSG(run(line) == 0, "%s", cap);
    CHECK_EQ(uread(r->base + 8), 0x5a5a1234);
    ksnprintf(line, sizeof line, "r 0x%x 3", r->base + 4);
    CHECK_EQ(run(line), 0);
    ksnprintf(want, sizeof want, "%08x: 00000000 5a5a1234 00000000", r->base + 4);
    CHECK_MSG(strstr(cap, want), "%s", cap);
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK_EQ(run(line), 1);                               /* gone: an error line, no fault */
    uint32_t before = *(volatile uint32_t *)0x80100000u;
    CHECK_EQ(run("w 0x80100000 0"), 1);                   /* the kernel image */
    CHECK_EQ(*(volatile uint32_t *)0x80100000u, before);
    give_back(h);
    return PASS;
}
