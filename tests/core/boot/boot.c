/*
 * tests/core/boot/boot.c - boot/...: paging is on the way DESIGN.md 3 says, the identity map is gone,
 * the probe helpers work, and the kernel image is write-protected.
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "mm/x86.h"
#include "mm/mm.h"
#include "mm/core/core.h"

extern char _kernel_start[], _text_end[], _rodata_end[], boot_stack_guard[];
extern pte_t boot_pd[1024];
/* The entry for va in the current address space, 0 if there is no page table. */
static pte_t pte_read_any(vaddr_t va)
{
    uint32_t e = 0;
    return mm_read_pte(va, &e) ? e : 0;
}

static volatile uint32_t probe_target = 0x1234ABCD;
static const uint32_t ro_constant = 0xC0DEC0DE;

TEST(boot_paging_on, "boot/paging-on")
{
    uint32_t cr0 = x86_read_cr0(), cr3 = x86_read_cr3();
    CHECK(cr0 & CR0_PG);
    CHECK(cr0 & CR0_WP);
    CHECK_EQ(cr3 & ~PAGE_MASK, (uint32_t)boot_pd - KERNEL_VBASE);
    CHECK_EQ((uint32_t)MiGetPteAddress(PTE_BASE), PDE_BASE);
    CHECK_EQ((uint32_t)MiGetPdeAddress(PDE_BASE), 0xC0300C00u);
    CHECK_EQ(*(pte_t *)0xC0300C00u >> PAGE_SHIFT, cr3 >> PAGE_SHIFT);
    CHECK(*(pte_t *)0xC0300C00u & PTE_P);
    /* The self-map agrees with a lookup done "by hand" through the directory. */
    CHECK_EQ(*MiGetPdeAddress(0x80100000u), boot_pd[0x200]);
    return PASS;
}

TEST(boot_identity_gone, "boot/identity-map-gone")
{
    uint32_t v;
    CHECK(!probe_read(0, &v));
    CHECK_EQ(probe_last.vector, T_PF);
    CHECK_EQ(probe_last.cr2, 0);
    CHECK(!probe_read(0x1000, &v));
    CHECK(!probe_read(KERNEL_PHYS_LOAD, &v));           /* the kernel's physical address */
    CHECK_EQ(probe_last.cr2, KERNEL_PHYS_LOAD);
    CHECK(!(pte_read_any(0) & PTE_P));
    CHECK(!(pte_read_any(KERNEL_PHYS_LOAD) & PTE_P));
    CHECK(probe_read((vaddr_t)_kernel_start, &v));       /* but the higher half is there */
    return PASS;
}

TEST(boot_probe_helper, "boot/probe-helper")
{
    uint32_t v = 0;
    CHECK(probe_read((vaddr_t)&probe_target, &v));
    CHECK_EQ(v, 0x1234ABCD);
    CHECK(probe_write((vaddr_t)&probe_target, 0x55AA55AA));
    CHECK_EQ(probe_target, 0x55AA55AA);
    CHECK(probe_rewrite((vaddr_t)&probe_target));
    CHECK_EQ(probe_target, 0x55AA55AA);
    probe_target = 0x1234ABCD;
    /* A write to an unmapped page: #PF, error code W (bit 1) and not-present (bit 0 clear). */
    CHECK(!probe_write(BAD_POINTER, 1));
    CHECK_EQ(probe_last.vector, T_PF);
    CHECK_EQ(probe_last.cr2, BAD_POINTER);
    CHECK_EQ(probe_last.err & 3, 2);
    uint8_t b;
    CHECK(!probe_read8(0xFFFFFFFFu, &b));
    /* ktry: a fault anywhere inside the guarded region comes back as a result. */
    struct ktry t;
    volatile bool reached = false;
    if (KTRY(&t)) {
        *(volatile uint32_t *)0xFFC00010u = 1;
        reached = true;
        ktry_end(&t);
    }
    CHECK(!reached);
    CHECK_EQ(t.fault.vector, T_PF);
    CHECK_EQ(t.fault.cr2, 0xFFC00010u);
    return PASS;
}

TEST(boot_text_readonly, "boot/kernel-text-readonly")
{
    uint32_t before = *(volatile uint32_t *)(vaddr_t)boot_paging_on;
    CHECK(!probe_write((vaddr_t)boot_paging_on, 0xCCCCCCCC));
    CHECK_EQ(probe_last.vector, T_PF);
    CHECK_EQ(probe_last.err & 3, 3);                     /* present + write: a protection fault */
    CHECK_EQ(*(volatile uint32_t *)(vaddr_t)boot_paging_on, before);
    CHECK(!probe_rewrite((vaddr_t)&ro_constant));        /* .rodata */
    CHECK_EQ(ro_constant, 0xC0DEC0DE);
    CHECK((vaddr_t)&ro_constant >= (vaddr_t)_text_end && (vaddr_t)&ro_constant < (vaddr_t)_rodata_end);
    CHECK(probe_rewrite((vaddr_t)&probe_target));        /* .data stays writable */
    return PASS;
}

TEST(boot_stack_guard_test, "boot/stack-guard-unmapped")
{
    uint32_t v;
    CHECK(!probe_read((vaddr_t)boot_stack_guard, &v));
    CHECK(!probe_read((vaddr_t)boot_stack_guard + PAGE_SIZE - 4, &v));
    CHECK(probe_read((vaddr_t)boot_stack_guard + PAGE_SIZE, &v));
    return PASS;
}

TEST(boot_cpu_features, "boot/cpu-features")
{
    uint32_t cr4 = x86_read_cr4();
    if (!x86.has_cr4) { CHECK_EQ(cr4, 0); return PASS; }
    CHECK_EQ(!!(cr4 & CR4_PSE), !!x86.pse);              /* enabled exactly when advertised */
    CHECK_EQ(!!(cr4 & CR4_PGE), !!x86.pge);
    CHECK(!(cr4 & CR4_PAE));
    CHECK(x86.cpuid);
    CHECK(x86.vendor[0] != 0);
    return PASS;
}

TEST(boot_cmdline, "boot/cmdline")
{
    const char *t = cmdline_get("test");
    CHECK(t != NULL || tests_from_monitor);              /* we are running because of it (or `test`) */
    CHECK(kernel_cmdline[0] != '/');                     /* QEMU's file name was dropped */
    CHECK(!cmdline_get("no-such-key"));
    return PASS;
}

/* A test may read its own option (the stress reads stress-steps=, stress-check=, ...) while
 * the harness is still selecting tests by the test= pattern: the lookup must not change the
 * pattern (cmdline_get has one buffer, so the harness runs a copy).  Seen as the rest of the
 * run silently not selected: test=stress/random-seed-1,stress/random-seed-2 stress-steps=20
 * ran only the first. */
TEST(boot_cmdline_pattern_kept, "boot/cmdline-lookup-leaves-the-test-pattern")
{
    char want[256];
    const char *t = tests_from_monitor ? test_pattern : cmdline_get("test");   /* the monitor's `test` */
    CHECK(t && test_pattern);
    strncpy_z(want, t, sizeof want);
    CHECK(!strcmp(test_pattern, want));
    const char *saved = kernel_cmdline;
    kernel_cmdline = "boot-probe=1";                     /* an option of the test's own */
    const char *v = cmdline_get("boot-probe");
    kernel_cmdline = saved;
    CHECK(v && !strcmp(v, "1"));
    char seen[256];
    strncpy_z(seen, test_pattern, sizeof seen);
    cmdline_get("test");                                 /* if it changed, back for the rest of the run */
    CHECK_MSG(!strcmp(seen, want), "the harness's pattern became '%s' after a lookup of another key", seen);
    return PASS;
}

TEST(boot_ring3_roundtrip, "boot/ring3-roundtrip")
{
    struct user_result r;
    CHECK_EQ(user_call(u_ret, 40, 2, &r), 0);
    CHECK(!r.faulted);
    CHECK_EQ(r.value, 42);
    CHECK_EQ(user_call(u_cli, 0, 0, &r), 0);            /* privileged in ring 3: #GP, survived */
    CHECK(r.faulted);
    CHECK_EQ(r.vector, T_GP);
    CHECK_EQ(user_call(u_ret, 1, 2, &r), 0);            /* and the next run is fine */
    CHECK_EQ(r.value, 3);
    return PASS;
}

/* What ring 3 finds in its registers at its first instruction: every general register defined
 * (0, or the documented ESP), the flags and selectors of user.h - never a kernel value.  The
 * record u_entry_regs leaves on the user stack is read back after the run; the stack is filled
 * with a pattern first, so every word checked was written by this run. */
TEST(boot_ring3_entry_regs, "boot/ring3-entry-registers-defined")
{
    static const char *const names[8] = { "EDI", "ESI", "EBP", "ESP", "EBX", "EDX", "ECX", "EAX" };
    struct user_result r;
    vaddr_t rec = USER_STACK_TOP - 12 - 13 * 4;          /* below [fn, a1, a2]: 8 + 1 + 4 dwords */
    umemset(rec - 64, 0xCC, 64 + 13 * 4);
    CHECK_EQ(user_call_entry(u_entry_regs, &r), 0);
    CHECK(!r.faulted);
    CHECK_EQ(r.value, rec);                              /* the record is where we read it */
    uint32_t sel[4], flags, gpr[8];
    for (int i = 0; i < 4; i++) sel[i] = uread(rec + 4 * i) & 0xFFFF;     /* GS FS ES DS */
    flags = uread(rec + 16);
    for (int i = 0; i < 8; i++) gpr[i] = uread(rec + 20 + 4 * i);
    for (int i = 0; i < 8; i++) {
        uint32_t want = i == 3 ? USER_STACK_TOP - 12 : 0;     /* pushad saves ESP as it was */
        CHECK_MSG(gpr[i] == want, "%s = %08x at ring-3 entry, want %08x", names[i], gpr[i], want);
    }
    for (int i = 0; i < 4; i++) CHECK_MSG(sel[i] == 0x23, "segment register %d = %04x", i, sel[i]);
    CHECK_EQ(flags, 0x002);                              /* IF off, IOPL 0, no arithmetic flag */
    CHECK_EQ(uread(USER_STACK_TOP - 12), 0);             /* the [fn, a1, a2] of user_call_entry */
    CHECK_EQ(user_call(u_ret, 40, 2, &r), 0);            /* the trampoline still works with zeroed registers */
    CHECK_EQ(r.value, 42);
    return PASS;
}

TEST_FLAGS(boot_panic_on_purpose, "boot/panic-on-purpose", TEST_MANUAL | TEST_FATAL)
{
    panic("on purpose: the host runner must report this run as failed");
}

TEST_FLAGS(boot_fault_on_purpose, "boot/fault-on-purpose", TEST_MANUAL | TEST_FATAL)
{
    *(volatile uint32_t *)BAD_POINTER = 1;               /* an unexpected kernel #PF */
    return "the fault did not happen";
}

TEST_FLAGS(boot_triple_fault_on_purpose, "boot/triple-fault-on-purpose", TEST_MANUAL | TEST_FATAL)
{
    static const struct { uint16_t limit; uint32_t base; } __attribute__((packed)) empty = { 0, 0 };
    __asm__ volatile("lidt %0\n\tint3" :: "m"(empty));   /* no IDT: #GP -> #DF -> triple fault */
    return "still running after int3 with an empty IDT";
}

/* Recurses until the boot stack runs into its unmapped guard page.  The #PF cannot be pushed
 * there, so the CPU raises #DF, which arrives through a task gate on its own stack and is
 * reported, instead of a silent triple fault. */
static volatile uint32_t stack_limit = 0xFFFFFFFFu;   /* volatile: the compiler cannot see the end */
static uint32_t __attribute__((noinline)) eat_stack(uint32_t depth)
{
    volatile uint8_t pad[512];
    pad[0] = (uint8_t)depth;
    if (depth == stack_limit) return 0;
    return eat_stack(depth + 1) + pad[0];
}

TEST_FLAGS(boot_stack_overflow_on_purpose, "boot/stack-overflow-on-purpose", TEST_MANUAL | TEST_FATAL)
{
    eat_stack(0);
    return "the stack never overflowed";
}

/* Every registered test is named after its folder (tests/harness/test.h); shown to fail by a
 * test registered as "mm/..." from tests/vxd/. */
TEST(boot_test_names, "boot/test-names-follow-their-folders")
{
    const char *bad = test_name_outside_its_folder();
    CHECK_MSG(!bad, "%s: its name does not start with its folder", bad);
    return PASS;
}

/* The kernel runs cached: CR0.CD and NW clear, whatever the loader left (Bochs hands over with
 * both set; kernel/cpu.c clears them). */
TEST(boot_caches_on, "boot/caches-enabled")
{
    uint32_t cr0 = x86_read_cr0();
    CHECK_MSG(!(cr0 & (CR0_CD | CR0_NW)), "CR0 %08x: caching disabled", cr0);
    return PASS;
}
