/*
 * main.c - kmain: from the boot stub's first C instruction to the test run or the idle loop.
 *
 * Order matters: nothing may be printed before the banner (tools look for a first line
 * starting with "Pagoda"), and the Multiboot data must be copied before mm_init lets the
 * frame allocator reuse the memory it sits in.
 */
#include "kernel/kernel.h"
#include "kernel/trap.h"
#include "kernel/bootinfo.h"
#include "kernel/firmware.h"
#include "tests/harness/test.h"
#include "drivers/console.h"
#include "drivers/swapdev.h"
#include "mm/x86.h"
#include "mm/mm.h"
#include "tests/harness/user.h"
#include "kernel/monitor.h"

#ifndef PAGODA_VERSION
#define PAGODA_VERSION "0.1"
#endif
#ifndef PAGODA_COMMIT
#define PAGODA_COMMIT "unknown"
#endif

const char *kernel_cmdline = "";
const char *test_pattern;

/* The three API personalities register their entry points (VMMCall's INT 20h, Device_Help,
 * ...) here; each is optional so the kernel links while a personality is being written. */
void vxd_init(void) __attribute__((weak));
void devhlp_init(void) __attribute__((weak));
void ntmm_init(void) __attribute__((weak));
void bench_run(const char *which);    /* tests/bench/bench.c */
void demo_run(void);                  /* kernel/demo.c */

/* QEMU -kernel passes "FILE args", GRUB passes "args": drop a first word
 * that contains no '=' and looks like a path. */
static const char *strip_loader_filename(const char *c)
{
    while (*c == ' ') c++;
    const char *w = c;
    bool path = false, eq = false;
    for (; *w && *w != ' '; w++) { if (*w == '/' || *w == '.') path = true; if (*w == '=') eq = true; }
    if (path && !eq) { while (*w == ' ') w++; return w; }
    return c;
}

const char *cmdline_get(const char *key)
{
    static char val[256];
    size_t kl = strlen(key);
    for (const char *p = kernel_cmdline; *p;) {
        while (*p == ' ') p++;
        if (!strncmp(p, key, kl) && p[kl] == '=') {
            size_t n = 0;
            p += kl + 1;
            while (p[n] && p[n] != ' ' && n + 1 < sizeof val) { val[n] = p[n]; n++; }
            val[n] = 0;
            return val;
        }
        while (*p && *p != ' ') p++;
    }
    return NULL;
}

bool cmdline_has(const char *word)
{
    size_t l = strlen(word);
    for (const char *p = kernel_cmdline; *p;) {
        while (*p == ' ') p++;
        if (!strncmp(p, word, l) && (p[l] == ' ' || p[l] == 0)) return true;
        while (*p && *p != ' ') p++;
    }
    return false;
}

/*
 * The words the kernel understands.  Every other word gets a warning at boot, and so does a
 * number that is not one (the option then keeps its default): a typo must not pass silently.
 * A test that reads an option of its own (cmdline_get) lists it here too.
 */
enum arg_kind { ARG_FLAG, ARG_TEXT, ARG_NUMBER };
static const struct { const char *key; enum arg_kind kind; } known_args[] = {
    { "test", ARG_TEXT }, { "test-order", ARG_TEXT }, { "bench", ARG_TEXT },
    { "e9", ARG_FLAG }, { "mb-nommap", ARG_FLAG }, { "screen-all", ARG_FLAG }, { "monitor", ARG_FLAG },
    { "stress-steps", ARG_NUMBER }, { "stress-seed", ARG_NUMBER }, { "stress-cross", ARG_NUMBER },
    { "stress-check", ARG_NUMBER }, { "stress-trace", ARG_NUMBER }, { "stress-pressure", ARG_NUMBER },
    { "stress-room", ARG_NUMBER }, { "nopager", ARG_FLAG },
};

/* A whole number, decimal or 0x-hex, and nothing else; false for anything else. */
static bool parse_number(const char *v, uint32_t *out)
{
    if (!*v) return false;
    bool hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
    for (const char *c = v + (hex ? 2 : 0); *c; c++)
        if (!(*c >= '0' && *c <= '9') && !(hex && ((*c >= 'a' && *c <= 'f') || (*c >= 'A' && *c <= 'F'))))
            return false;
    if (hex && !v[2]) return false;
    uint64_t n = 0;
    for (const char *c = v + (hex ? 2 : 0); *c; c++) {
        n = n * (hex ? 16 : 10) + (uint32_t)(*c <= '9' ? *c - '0' : (*c | 0x20) - 'a' + 10);
        if (n > 0xFFFFFFFFu) return false;
    }
    *out = (uint32_t)n;
    return true;
}

uint32_t cmdline_number(const char *key, uint32_t dflt)
{
    const char *v = cmdline_get(key);
    uint32_t n;
    return v && parse_number(v, &n) ? n : dflt;
}

/* Demand paging is on whenever there is a swap device, unless the command line says `nopager`
 * (memory then behaves exactly as without one: mm/core/pager.c).  The log line names the area
 * and says which. */
static void swap_start(void)
{
    const struct ata_swap *a = swapdev_area();
    if (!a) return;                   /* swapdev_probe said "no swap device: paging off" */
    bool want = !cmdline_has("nopager");
    mm_status st = want ? mm_pager_enable() : MM_ENOENT;
    kprintf("swap: %s, %u KiB, %u slots, id %016llx, paging %s\n", swapdev_name(), a->sectors / 2, swapdev_slots(),
            a->id, st == MM_OK ? "on" : want ? "off (the pager refused)" : "off (nopager)");
}

/* One warning per word the kernel does not understand; the number of warnings. */
static unsigned cmdline_check(void)
{
    unsigned warnings = 0;
    if (bootinfo.cmdline_cut) {
        kprintf("boot: warning: the command line is longer than %u characters; the rest is ignored\n",
                (unsigned)sizeof bootinfo.cmdline - 1);
        warnings++;
    }
    for (const char *p = kernel_cmdline; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        size_t n = 0, k = 0;
        while (p[n] && p[n] != ' ') n++;
        while (k < n && p[k] != '=') k++;
        const char *why = "unknown word";
        for (unsigned i = 0; i < ARRAY_SIZE(known_args); i++) {
            if (strlen(known_args[i].key) != k || strncmp(p, known_args[i].key, k)) continue;
            why = NULL;
            if (known_args[i].kind == ARG_FLAG && k != n) why = "takes no value";
            if (known_args[i].kind != ARG_FLAG && k == n) why = "needs a value (key=value)";
            if (known_args[i].kind == ARG_NUMBER && k < n) {
                char v[16];
                uint32_t ignored;
                strncpy_z(v, p + k + 1, MIN(n - k, sizeof v));
                if (n - k > sizeof v || !parse_number(v, &ignored)) why = "is not a number (the default is used)";
            }
            break;
        }
        if (why) {
            char word[64];
            strncpy_z(word, p, MIN(n + 1, sizeof word));
            kprintf("boot: warning: '%s%s' %s\n", word, n >= sizeof word ? "..." : "", why);
            warnings++;
        }
        p += n;
    }
    return warnings;
}

/*
 * The least RAM the kernel boots in: the first MiB (firmware; never used), the kernel image above
 * it, and MIN_WORK_KIB right after the image for the PFN database, the kernel pool, page tables
 * and the first frames the services hand out.  With the image of today that is about 2.5 MiB:
 * -m 3M is the smallest QEMU machine that boots (the test suite wants 8 MiB: tests/matrix.conf).
 * Checked before anything is allocated, so a small machine gets this message and not a panic
 * deep in the allocator.  (At -m 1M nothing runs at all: the loader cannot even place the image.)
 */
#define MIN_WORK_KIB 512u
static void check_ram(void)
{
    extern char _kernel_end[];
    uint64_t image_end = (paddr_t)_kernel_end - KERNEL_VBASE, top = 0;
    if (bootinfo.has_mmap) {                    /* the end of the usable range the image is loaded into */
        for (uint32_t i = 0; i < bootinfo.nmmap; i++) {
            const struct mmap_entry *m = &bootinfo.mmap[i];
            if (m->type == MMAP_USABLE && m->base <= 0x100000u && m->base + m->len > 0x100000u)
                top = m->base + m->len;
        }
    } else {
        top = 0x100000ull + (uint64_t)bootinfo.mem_upper_kb * 1024;
    }
    uint32_t need_kib = (uint32_t)(image_end / 1024) + MIN_WORK_KIB;
    if (top / 1024 >= need_kib) return;
    kprintf("boot: Pagoda needs at least %u KiB of RAM (the first MiB, the %u KiB kernel image, %u KiB to work "
            "in); this machine has %u KiB: give it more memory (QEMU: -m 3M or more)\n", need_kib,
            (uint32_t)(image_end / 1024) - 1024, MIN_WORK_KIB, (uint32_t)(top / 1024));
    qemu_exit(QEMU_EXIT_FAIL);
    for (;;) __asm__ volatile("cli; hlt");
}

/* The linear layout (mm/layout.h), once in the boot log: where to look for what. */
static void print_layout(void)
{
    static const struct { vaddr_t start, end; const char *what; } bands[] = {
        { 0, NULL_PAGE_END, "null page (never mapped)" },
        { PRIVATE_START, PRIVATE_END, "private arena (per process)" },
        { SHARED_START, KWINDOW_END, "kernel image and boot window (physical 0-4 MiB)" },
        { SHARED_ALLOC_START, SHARED_END, "shared arena" },
        { PTE_BASE, PTE_BASE + LARGE_PAGE_SIZE, "page tables (self-map; the directory at PDE_BASE)" },
        { PTE_BASE + LARGE_PAGE_SIZE, HYPER_START, "unused" },
        { HYPER_START, HYPER_END, "hyperspace" },
        { PFNDB_BASE, PFNDB_END, "PFN database" },
        { KPOOL_BASE, KPOOL_END, "kernel pool" },
        { SYSALLOC_START, SYSALLOC_END, "system arena" },
        { SYSPTE_START, SYSPTE_END, "system PTEs (I/O and MDL mappings)" },
        { SYSALLOC2_START, SYSALLOC2_END, "system arena" },
        { INVALID_START, 0, "permanently invalid" },
    };
    kprintf("mm: linear layout:\n");
    for (unsigned i = 0; i < ARRAY_SIZE(bands); i++)
        kprintf("mm:   %08x-%08x %s\n", bands[i].start, bands[i].end - 1, bands[i].what);
}

/* Running under QEMU's TCG or KVM?  CPUID's hypervisor bit, then the hypervisor's vendor leaf
 * 0x40000000 ("TCGTCGTCGTCG", "KVMKVMKVM").  Only for messages that are true on one machine. */
static bool under_qemu(void)
{
    if (!x86.hypervisor) return false;
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000000u), "c"(0));
    char v[13];
    memcpy(v, &b, 4);
    memcpy(v + 4, &c, 4);
    memcpy(v + 8, &d, 4);
    v[12] = 0;
    return !strcmp(v, "TCGTCGTCGTCG") || !strncmp(v, "KVMKVMKVM", 9);
}

void kmain(uint32_t magic, paddr_t mbi)
{
    console_init();
    kprintf("Pagoda %s (%s) - i386 paging kernel: Win9x VMM, OS/2 DevHelp and NT Mm page services\n",
            PAGODA_VERSION, PAGODA_COMMIT);
    bootinfo_copy(magic, mbi);
    kernel_cmdline = strip_loader_filename(bootinfo.cmdline);
    console_e9 = cmdline_has("e9");
    console_screen_all = cmdline_has("screen-all");
    if (cmdline_has("mb-nommap") && bootinfo.has_mmap) {     /* test the fallback path */
        bootinfo.has_mmap = false;
        kprintf("boot: mb-nommap: ignoring the memory map, using mem_lower/mem_upper\n");
    }
    if (magic != 0x2BADB002u)
        panic("not started by a Multiboot loader (magic %08x)", magic);
    kprintf("boot: command line '%s'%s\n", kernel_cmdline, serial_present() ? "" : " (no serial port)");
    cmdline_check();
    x86_probe();
    x86_print_features();
    cpu_init();
    bootinfo_print();
    firmware_probe();
    check_ram();
    mm_init();
    print_layout();
    firmware_verify();
    swapdev_probe();                  /* the disk for paging out: drivers/swapdev.h */
    swap_start();
    console_status("Pagoda %s | %s family %u | %u MiB RAM | %s", PAGODA_VERSION, x86.cpuid ? x86.vendor : "no CPUID",
                   x86.family, (mm_total_frames() + 255) / 256, cmdline_get("test") ? "running tests" : "booting");
    user_init();
    if (vxd_init) vxd_init();
    if (devhlp_init) devhlp_init();
    if (ntmm_init) ntmm_init();

    /* Copies: cmdline_get's buffer is reused by the next lookup, and tests make their own
     * (stress-steps=...) while the harness is still walking this pattern. */
    static char test_arg[256], bench_arg[256];
    const char *t = cmdline_get("test");
    if (t) test_pattern = strncpy_z(test_arg, t, sizeof test_arg);
    const char *b = cmdline_get("bench");
    if (b) b = strncpy_z(bench_arg, b, sizeof bench_arg);
    t = test_pattern;
    if (t && strcmp(t, "none")) {
        int failed = tests_run(t);
        kprintf("RESULT: %s\n", failed == 0 ? "PASS" : "FAIL");
        qemu_exit(failed == 0 ? QEMU_EXIT_PASS : QEMU_EXIT_FAIL);
    }
    if (b) {
        bench_run(b);
        qemu_exit(QEMU_EXIT_PASS);
    }
    /* `monitor`: the prompt at once.  Otherwise the demo, then the monitor waits for an Enter. */
    bool at_once = cmdline_has("monitor");
    if (!at_once) demo_run();
    console_status("Pagoda %s | %s family %u | %u MiB RAM | %s", PAGODA_VERSION, x86.cpuid ? x86.vendor : "no CPUID",
                   x86.family, (mm_total_frames() + 255) / 256, at_once ? "monitor" : "idle: Enter for the monitor");
    kprintf("Pagoda: %s; to leave: %s\n", at_once ?
            "the monitor takes commands from the keyboard and the serial console (`help` lists them)" :
            "idle (no test= on the command line). Press Enter on the keyboard or the serial console for the "
            "monitor's prompt",
            under_qemu() ? "`reboot`, QEMU's Ctrl-A X (on the serial console), or close its window." :
            "`reboot`, or switch the machine off.");
    monitor_run(!at_once);
}
