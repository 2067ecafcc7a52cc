/*
 * monitor.c - the kernel monitor: a prompt on COM1 and on the PC's own keyboard and screen at
 * once (`pagoda> `), after a normal boot's demo or straight after boot with `monitor` on the
 * command line.  It shows the memory manager's state (mem, map, pt, pfn, stats, check), lets a
 * person call any public service of the three personalities (call, monitor_calls.c), read and
 * write memory through probes (r, w), switch address spaces (as) and run the in-kernel tests and
 * benchmark rows (test, bench), returning to the prompt afterwards.
 *
 * Input is hostile until parsed: a line longer than MON_LINE_MAX, an unknown command, a bad
 * number or a call with absurd arguments gets one "error: ..." line and a new prompt, never a
 * panic, and changes nothing.  Control bytes and terminal escape sequences are dropped; Ctrl-C
 * drops the line; Backspace and DEL erase.
 */
#include "kernel/monitor.h"
#include "kernel/trap.h"
#include "drivers/console.h"
#include "mm/x86.h"
#include "tests/harness/test.h"

void bench_run(const char *which);    /* tests/bench/bench.c */

static uint32_t errors;               /* error lines printed by the current command */

void mon_error(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kprintf("error: %s\n", buf);
    errors++;
}

bool mon_parse_u64(const char *s, uint64_t *out)
{
    bool neg = *s == '-';
    if (neg) s++;
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *d = s + (hex ? 2 : 0);
    if (!*d) return false;
    uint64_t v = 0;
    for (; *d; d++) {
        uint32_t digit;
        if (*d >= '0' && *d <= '9') digit = (uint32_t)(*d - '0');
        else if (hex && ((*d | 0x20) >= 'a' && (*d | 0x20) <= 'f')) digit = (uint32_t)((*d | 0x20) - 'a' + 10);
        else return false;
        uint64_t limit = hex ? 0x0FFFFFFFFFFFFFFFull : 0x1999999999999999ull;   /* (2^64 - 1) / base */
        if (v > limit || (!hex && v == limit && digit > 5)) return false;       /* overflow */
        v = v * (hex ? 16 : 10) + digit;
    }
    *out = neg ? (uint64_t)0 - v : v;
    return true;
}

bool mon_u64(const char *s, const char *what, uint64_t *out)
{
    if (mon_parse_u64(s, out)) return true;
    mon_error("%s: '%s' is not a number (decimal, 0x-hex or -N)", what, s);
    return false;
}

bool mon_u32(const char *s, const char *what, uint32_t *out)
{
    uint64_t v;
    if (!mon_u64(s, what, &v)) return false;
    bool neg = *s == '-';
    if (neg ? v < 0xFFFFFFFF80000000ull : v > 0xFFFFFFFFull) {
        mon_error("%s: '%s' does not fit in 32 bits", what, s);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* ---- the monitor's memory ----------------------------------------------------------------- */

/* The scratch is caller memory (owner OWNER_MONITOR: the caller-buffer rule accepts it, as the
 * out-parameters need); the snapshots are not (OWNER_CORE: refused as a caller buffer), so no
 * service can be handed a pointer into them. */
static struct region *mon_region, *mon_snaps;

static struct region *make(uint32_t n, uint8_t owner)
{
    mm_status st;
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, n, 1, owner, &st);
    if (r && mm_commit(r->base, n, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL) != MM_OK) {
        mm_release(r);
        r = NULL;
    }
    return r;
}

bool monitor_memory(void)
{
    if (mon_region) return true;
    struct region *s = make(MON_SCRATCH_PAGES, OWNER_MONITOR), *p = s ? make(2 * MON_SNAP_PAGES, OWNER_CORE) : NULL;
    if (!p) {
        if (s) mm_release(s);
        return false;
    }
    mon_region = s;
    mon_snaps = p;
    return true;
}

bool monitor_memory_held(void) { return mon_region != NULL; }

void monitor_memory_release(void)
{
    if (!mon_region) return;
    mm_release(mon_region);
    mm_release(mon_snaps);
    mon_region = mon_snaps = NULL;
}

vaddr_t mon_scratch(uint32_t page)
{
    return monitor_memory() ? mon_region->base + page * PAGE_SIZE : 0;
}

vaddr_t mon_snap_area(int which)
{
    return monitor_memory() ? mon_snaps->base + (uint32_t)which * MON_SNAP_PAGES * PAGE_SIZE : 0;
}

/* ---- small commands ------------------------------------------------------------------------- */

static void cmd_stats(int argc UNUSED, char **argv UNUSED)
{
    struct mm_counters c;
    mm_counters_get(&c);
    kprintf("stats: frames total=%u free=%u zeroed=%u used=%u pagetables=%u pagedirs=%u system=%u reserved=%u "
            "locked=%u\n", c.total, c.free, c.zeroed, c.used, c.pagetables, c.pagedirs, c.system, c.reserved, c.locked);
    kprintf("stats: commit charge=%u limit=%u available=%u\n", mm_commit_charge(), mm_commit_limit(),
            mm_available_frames());
    kprintf("stats: address-spaces=%u regions=%u syspte-free=%u pool-used=%u demand-faults=%u demand-nomem=%u\n",
            as_count(), mm_region_count(), syspte_free_count(), kpool_used(), mm_demand_faults, mm_demand_nomem);
    struct mm_pager_stats ps;
    mm_pager_get_stats(&ps);
    kprintf("stats: paging %s swapped=%u pageable=%u slots=%u/%u bad=%u page-outs=%u clean-drops=%u page-ins=%u "
            "read-errors=%u write-errors=%u\n", mm_pager_on() ? "on" : "off", ps.swapped, ps.pageable, ps.slots_used,
            ps.slots, ps.slots_bad, ps.page_outs, ps.clean_drops, ps.page_ins, ps.read_errors, ps.write_errors);
}

static void cmd_check(int argc UNUSED, char **argv UNUSED)
{
    char why[200];
    if (mm_check(why, sizeof why)) kprintf("check: ok\n");
    else mon_error("check: mm_check found a disagreement: %s", why);
}

static const char *const class_names[MM_FRAME_NCLASSES] = {
    "not RAM", "free", "used", "used, locked", "used, fixed", "page table", "page directory", "system", "reserved",
};

/* pfn N: the frame's record, like the gdb command of tools/gdb/pagoda.py. */
static void cmd_pfn(int argc UNUSED, char **argv)
{
    uint32_t n;
    if (!mon_u32(argv[1], "pfn", &n)) return;
    struct mm_frame_info fi;
    if (!mm_frame_info(n, &fi)) {
        kprintf("pfn 0x%x: no record (pfn_max 0x%x): not RAM as far as the kernel knows\n", n, mm_frame_limit());
        return;
    }
    kprintf("pfn 0x%x (physical %08x): %s, flags %s; shown as %s\n", n, n << PAGE_SHIFT, fi.state,
            fi.flag_names[0] ? fi.flag_names : "none", class_names[fi.cls]);
    kprintf("  map_count %u  lock_count %u  hold_count %u  pins %u\n", fi.map_count, fi.lock_count, fi.hold_count,
            fi.pins);
    if (fi.on_free_list) {
        char nx[16], pv[16];
        ksnprintf(nx, sizeof nx, fi.next == PFN_NONE ? "none" : "0x%x", fi.next);
        ksnprintf(pv, sizeof pv, fi.prev == PFN_NONE ? "none" : "0x%x", fi.prev);
        kprintf("  free list: next %s prev %s\n", nx, pv);
    }
}

static uint32_t regions_of(const struct as *a)
{
    uint32_t n = 0;
    for (const struct region *r = a->regions; r; r = r->next) n++;
    return n;
}

static struct as *as_by_id(uint32_t id)
{
    for (struct as *a = as_kernel(); a; a = a->next)
        if (a->id == id) return a;
    return NULL;
}

/* as: list; as ID: switch; as new: create (not switched to); as del ID: destroy. */
static void cmd_as(int argc, char **argv)
{
    uint32_t id;
    if (argc == 1) {
        for (struct as *a = as_kernel(); a; a = a->next)
            kprintf("as %u%s: directory frame 0x%x, %u private regions%s\n", a->id, a == as_kernel() ? " (kernel)" : "",
                    a->pd, regions_of(a), a == as_current() ? "  <- current" : "");
        return;
    }
    if (!strcmp(argv[1], "new")) {
        if (argc != 2) { mon_error("as new takes nothing more"); return; }
        struct as *a = as_create();
        if (!a) { mon_error("as new: no memory for another address space"); return; }
        kprintf("as %u created (directory frame 0x%x); `as %u` switches to it\n", a->id, a->pd, a->id);
        return;
    }
    if (!strcmp(argv[1], "del")) {
        if (argc != 3) { mon_error("usage: as del ID"); return; }
        if (!mon_u32(argv[2], "as del", &id)) return;
        struct as *a = as_by_id(id);
        if (!a) { mon_error("as del: no address space %u (as lists them)", id); return; }
        if (a == as_kernel()) { mon_error("as del: the kernel's address space stays"); return; }
        if (a == as_current()) { mon_error("as del: %u is the current address space: switch away first", id); return; }
        mm_status st = as_destroy(a);
        if (st != MM_OK) { mon_error("as del: %s", mm_status_name(st)); return; }
        kprintf("as %u destroyed\n", id);
        return;
    }
    if (argc != 2) { mon_error("usage: as [ID | new | del ID]"); return; }
    if (!mon_u32(argv[1], "as", &id)) return;
    struct as *a = as_by_id(id);
    if (!a) { mon_error("as: no address space %u (as lists them)", id); return; }
    as_switch(a);
    kprintf("as %u is current (CR3 %08x)\n", a->id, x86_read_cr3());
}

/* test / bench: in the kernel's address space, as at boot; back to the current one after (if it
 * still exists: a test does not destroy what it did not create). */
static struct as *enter_kernel_as(void)
{
    struct as *was = as_current();
    if (was != as_kernel()) as_switch(as_kernel());
    return was;
}

static void leave_kernel_as(struct as *was)
{
    for (struct as *a = as_kernel(); a; a = a->next)
        if (a == was) { as_switch(a); return; }
}

static void cmd_test(int argc UNUSED, char **argv)
{
    if (strlen(argv[1]) > 120) { mon_error("test: the pattern is longer than 120 characters"); return; }
    const char *fatal = tests_first_fatal(argv[1]);
    if (fatal) {
        mon_error("test: %s ends the machine on purpose; boot with test=%s to run it", fatal, fatal);
        return;
    }
    static char pattern[128];
    const char *saved = test_pattern;
    test_pattern = strncpy_z(pattern, argv[1], sizeof pattern);
    struct as *was = enter_kernel_as();
    tests_from_monitor = true;
    int failed = tests_run(pattern);
    tests_from_monitor = false;
    leave_kernel_as(was);
    test_pattern = saved;
    if (failed) mon_error("test %s: %s", pattern, failed < 0 ? "no test ran" : "some tests failed (not ok above)");
    else kprintf("test %s: all passed\n", pattern);
}

static void cmd_bench(int argc UNUSED, char **argv)
{
    if (strlen(argv[1]) > 120) { mon_error("bench: the pattern is longer than 120 characters"); return; }
    struct as *was = enter_kernel_as();
    bench_run(argv[1]);
    leave_kernel_as(was);
}

/* r VA [N]: N dwords (default 1, at most 64) through the exception table, in a user-access
 * window (a user page under SMAP); a page that is not mapped is an error, not a fault. */
static void cmd_r(int argc, char **argv)
{
    uint32_t va, n = 1;
    if (!mon_u32(argv[1], "r", &va)) return;
    if (argc == 3 && !mon_u32(argv[2], "r count", &n)) return;
    if (n == 0 || n > 64) { mon_error("r: count %u: from 1 to 64 dwords", n); return; }
    if (va > 0xFFFFFFFFu - 4 * n + 1) { mon_error("r: %08x + %u dwords passes 4 GiB", va, n); return; }
    uint32_t v[64];
    for (uint32_t i = 0; i < n; i++) {
        x86_user_access_begin();
        bool ok = probe_read(va + 4 * i, &v[i]);
        x86_user_access_end();
        if (!ok) {
            mon_error("r: %08x is not readable (%s, cr2 %08x)", va + 4 * i,
                      probe_last.vector == T_PF ? "page fault" : "fault", probe_last.cr2);
            return;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        if (i % 4 == 0) kprintf("%s%08x:", i ? "\n" : "", va + 4 * i);
        kprintf(" %08x", v[i]);
    }
    kprintf("\n");
}

/* w VA VALUE: only memory a service would accept from a caller (mm_caller_buffer_ok: pages of a
 * region an API made or of a system-PTE allocation, never the kernel image, the page tables, the
 * PFN database or the pool), so the monitor cannot be used to break the kernel under it. */
static void cmd_w(int argc UNUSED, char **argv)
{
    uint32_t va, value, old;
    if (!mon_u32(argv[1], "w", &va) || !mon_u32(argv[2], "w value", &value)) return;
    if (va & 3) { mon_error("w: %08x is not dword-aligned", va); return; }
    if (!mm_caller_buffer_ok(va, 4, true, 0xFFFFFFFFu)) {
        mon_error("w: %08x is not memory a caller may write (not committed, read-only, or the kernel's own)", va);
        return;
    }
    x86_user_access_begin();
    bool ok = probe_read(va, &old) && probe_write(va, value);
    x86_user_access_end();
    if (!ok) { mon_error("w: %08x faulted (cr2 %08x)", va, probe_last.cr2); return; }
    kprintf("%08x: %08x -> %08x\n", va, old, value);
}

static void cmd_echo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) kprintf("%s%s", i > 1 ? " " : "", argv[i]);
    kprintf("\n");
}

/* The keyboard controller's reset line (command 0xFE), the way PCs reboot; QEMU with -no-reboot
 * exits instead. */
static void cmd_reboot(int argc UNUSED, char **argv UNUSED)
{
    kprintf("rebooting\n");
    for (int spin = 0; spin < 100000 && (inb(0x64) & 2); spin++)
        ;
    outb(0x64, 0xFE);
    for (int spin = 0; spin < 1000000; spin++) io_wait();
    mon_error("reboot: the keyboard controller did not reset the machine");
}

static void cmd_help(int argc, char **argv);

static const struct cmd {
    const char *name, *args, *help;
    void (*fn)(int argc, char **argv);
    int min, max;                     /* arguments after the name */
} cmds[] = {
    { "help", "[COMMAND | call | SERVICE]", "this list; the services `call` knows; one service's arguments", cmd_help, 0, 1 },
    { "mem", "", "physical memory by frame state: a picture on the screen, runs as text on COM1", mon_cmd_mem, 0, 0 },
    { "map", "", "the current address space as merged ranges (like gdb's pt-dump)", mon_cmd_map, 0, 0 },
    { "pt", "VA", "the page walk for VA: PDE, PTE, bits, physical address (like gdb's pt-walk)", mon_cmd_pt, 1, 1 },
    { "pfn", "N", "frame N's PFN record", cmd_pfn, 1, 1 },
    { "as", "[ID | new | del ID]", "list address spaces; switch to one; create; destroy", cmd_as, 0, 2 },
    { "stats", "", "the memory manager's counters", cmd_stats, 0, 0 },
    { "check", "", "run mm_check(): ok, or the first disagreement", cmd_check, 0, 0 },
    { "call", "SERVICE ARG...", "call a VxD, DevHelp or NT service; shows its result and page-table changes", mon_cmd_call, 1, MON_ARGS_MAX - 2 },
    { "r", "VA [N]", "read N dwords (default 1) through a probe", cmd_r, 1, 2 },
    { "w", "VA VALUE", "write a dword to memory a caller may write, through a probe", cmd_w, 2, 2 },
    { "test", "PATTERN", "run the in-kernel tests matching PATTERN (test=list names them), then return here", cmd_test, 1, 1 },
    { "bench", "PATTERN", "run the benchmark rows matching PATTERN (bench list names them)", cmd_bench, 1, 1 },
    { "echo", "TEXT", "print TEXT", cmd_echo, 0, MON_ARGS_MAX - 1 },
    { "reboot", "", "reset the machine (QEMU with -no-reboot: exit)", cmd_reboot, 0, 0 },
};

static const struct cmd *find_cmd(const char *name)
{
    for (unsigned i = 0; i < ARRAY_SIZE(cmds); i++)
        if (!strcmp(cmds[i].name, name)) return &cmds[i];
    return NULL;
}

static void cmd_help(int argc, char **argv)
{
    if (argc == 2) {
        if (!strcmp(argv[1], "call")) { mon_help_calls(NULL); return; }
        const struct cmd *c = find_cmd(argv[1]);
        if (c) { kprintf("%s %s\n  %s\n", c->name, c->args, c->help); return; }
        mon_help_calls(argv[1]);
        return;
    }
    for (unsigned i = 0; i < ARRAY_SIZE(cmds); i++) {
        char head[40];
        ksnprintf(head, sizeof head, "%s %s", cmds[i].name, cmds[i].args);
        kprintf("  %-32s %s\n", head, cmds[i].help);
    }
    kprintf("Numbers are decimal, 0x-hex or -N; flags may be named: PAGEFIXED|PAGEZEROINIT.\n");
}

/* ---- the command line ---------------------------------------------------------------------- */

uint32_t monitor_exec(char *line)
{
    errors = 0;
    char *argv[MON_ARGS_MAX];
    int argc = 0;
    for (char *p = line; *p;) {
        while (*p == ' ') *p++ = 0;
        if (!*p) break;
        if (argc == MON_ARGS_MAX) { mon_error("more than %d words on the line", MON_ARGS_MAX); return errors; }
        argv[argc++] = p;
        while (*p && *p != ' ') p++;
    }
    if (!argc) return 0;
    const struct cmd *c = find_cmd(argv[0]);
    if (!c) {
        char name[24];
        strncpy_z(name, argv[0], sizeof name);
        mon_error("unknown command '%s%s' (help lists them)", name, strlen(argv[0]) >= sizeof name ? "..." : "");
        return errors;
    }
    if (argc - 1 < c->min || argc - 1 > c->max) {
        mon_error("usage: %s %s", c->name, c->args);
        return errors;
    }
    c->fn(argc, argv);
    return errors;
}

/* One line from COM1 or the keyboard, echoed to both.  Returns its length, -1 when it was longer
 * than the buffer (the rest was read and dropped, up to the Enter), -2 for Ctrl-C. */
static int read_line(char *buf, size_t size)
{
    static bool after_cr;             /* a terminal's "\r\n" is one Enter */
    size_t len = 0;
    bool overlong = false;
    int esc = 0;                      /* 1: after ESC; 2: inside a CSI/SS3 sequence */
    for (;;) {
        int c = console_getc_nowait();
        if (c < 0) { console_wait_input(); continue; }
        if (c == '\n' && after_cr) { after_cr = false; continue; }
        after_cr = c == '\r';
        if (esc == 1) { esc = (c == '[' || c == 'O') ? 2 : 0; continue; }
        if (esc == 2) { if (c >= 0x40 && c <= 0x7E) esc = 0; continue; }
        if (c == 0x1B) { esc = 1; continue; }
        if (c == '\r' || c == '\n') {
            kprintf("\n");
            buf[len] = 0;
            return overlong ? -1 : (int)len;
        }
        if (c == 3) { kprintf("^C\n"); return -2; }
        if (c == '\b' || c == 0x7F) {
            if (len && !overlong) { len--; kprintf("\b \b"); vga_sync_cursor(); }
            continue;
        }
        if (c == '\t') c = ' ';
        if (c < 0x20 || c > 0x7E) continue;
        if (len + 1 >= size) { overlong = true; continue; }
        if (overlong) continue;
        buf[len++] = (char)c;
        console_putc((char)c);
        vga_sync_cursor();
    }
}

NORETURN void monitor_run(bool wait_for_enter)
{
    static char line[MON_LINE_MAX + 1];
    if (!monitor_memory())
        kprintf("monitor: no memory for its scratch region: `call` and the page-table reports will say so\n");
    int first = 0;                    /* a line typed before the prompt runs too */
    if (wait_for_enter)
        do first = read_line(line, sizeof line); while (first == -2);
    kprintf("Pagoda monitor: `help` lists the commands.\n");
    if (first == -1) mon_error("the line is longer than %u characters; ignored", MON_LINE_MAX);
    else if (first > 0) monitor_exec(line);
    for (;;) {
        kprintf("pagoda> ");
        vga_sync_cursor();
        int n = read_line(line, sizeof line);
        if (n == -1) mon_error("the line is longer than %u characters; ignored", MON_LINE_MAX);
        else if (n > 0) monitor_exec(line);
    }
}
