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
#include "tests/harness/test.h"
#include "drivers/console.h"
#include "drivers/swapdev.h"
#include "mm/x86.h"
#include "mm/mm.h"
#include "tests/harness/user.h"

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

/* QEMU -kernel passes "FILE args", GRUB passes "args" (EMULATORS.md 1.2): drop a first word
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

void kmain(uint32_t magic, paddr_t mbi)
{
    console_init();
    kprintf("Pagoda %s (%s) - i386 paging kernel: Win9x VMM, OS/2 DevHelp and NT Mm page services\n",
            PAGODA_VERSION, PAGODA_COMMIT);
    bootinfo_copy(magic, mbi);
    kernel_cmdline = strip_loader_filename(bootinfo.cmdline);
    console_e9 = cmdline_has("e9");
    if (cmdline_has("mb-nommap") && bootinfo.has_mmap) {     /* test the fallback path */
        bootinfo.has_mmap = false;
        kprintf("boot: mb-nommap: ignoring the memory map, using mem_lower/mem_upper\n");
    }
    if (magic != 0x2BADB002u)
        panic("not started by a Multiboot loader (magic %08x)", magic);
    kprintf("boot: command line '%s'%s\n", kernel_cmdline, serial_present() ? "" : " (no serial port)");
    x86_probe();
    x86_print_features();
    cpu_init();
    bootinfo_print();
    mm_init();
    swapdev_probe();                  /* the disk for paging out: drivers/swapdev.h */
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
    demo_run();
    kprintf("Pagoda: idle (no test= on the command line). In QEMU, Ctrl-A X quits.\n");
    for (;;) __asm__ volatile("sti; hlt");
}
