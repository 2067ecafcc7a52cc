/*
 * tests/suites/harden/harden.c - harden/...: the kernel's hard promises, tried through every personality.
 *
 *   - the null page and 0xFFC00000-0xFFFFFFFF are never mapped: every mapping service of the
 *     three personalities (and the core) refuses them, and afterwards no address space maps
 *     linear 0 or has a PDE for the top 4 MiB (mm_check checks the same after every test);
 *   - ring 3 never reaches a supervisor page: a sample of every kind of kernel memory - image,
 *     PFN database, pool, self-map, hyperspace, system PTEs and their guard pages, each
 *     personality's global mappings and aliases - faults on a ring-3 read and write; and, as
 *     structure, no directory's self-map, hyperspace or system-arena PDE allows ring 3 and no
 *     PTE of the kernel image does;
 *   - the control bits: CR0.WP and PG in every address space and after ring-3 runs, CR4.SMEP
 *     and CR4.SMAP exactly when the CPU has them; SMAP stops a raw supervisor access to a user
 *     page, the user-access window (mm/x86.h) lets it through and closes again, and no trap
 *     handler runs with EFLAGS.AC set, even when ring 3 set it.
 * The kernel image's W^X (.text/.rodata read-only) is boot/kernel-text-readonly.
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "mm/mm.h"
#include "mm/core/core.h"
#include "mm/core/pte.h"
#include "mm/vxd/vxd.h"
#include "mm/devhlp/devhlp.h"
#include "mm/ntmm/ntmm.h"

#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)
#define VXD_FAIL 0xFFFFFFFFu

static bool in_forbidden(vaddr_t va) { return va < NULL_PAGE_END || va >= INVALID_START; }

/* Nothing at linear 0 and no PDE for 0xFFC00000+ in any address space; reads there fault. */
static const char *nothing_mapped_at_the_edges(void)
{
    struct as *prev = as_current();
    for (struct as *a = as_kernel(); a; a = a->next) {
        CHECK_MSG(as_read_pte(a, 0) == 0, "as %u maps linear 0", a->id);
        pte_t *pd = hyper_map(a->pd);
        pte_t top = pd[PDI(INVALID_START)];
        hyper_unmap(pd);
        CHECK_MSG(top == 0, "as %u has PDE %08x for 0xFFC00000", a->id, top);
        as_switch(a);
        bool r0 = probe_read(0, NULL), r1 = probe_read(INVALID_START, NULL), r2 = probe_read(0xFFFFF000u, NULL);
        as_switch(prev);
        CHECK_MSG(!r0 && !r1 && !r2, "as %u: a read at 0 / 0xFFC00000 / 0xFFFFF000 did not fault", a->id);
    }
    return PASS;
}

static const char *vxd_edges(void)
{
    static const ULONG pages[] = { 0, 0xFFC00, 0xFFFFF };
    for (unsigned i = 0; i < ARRAY_SIZE(pages); i++) {
        ULONG p = pages[i];
        CHECK_EQ(_PageReserve(p, 1, 0), VXD_FAIL);
        CHECK_EQ(_PageCommit(p, 1, PD_ZEROINIT, 0, PC_WRITEABLE | PC_USER | PC_PRESENT), 0);
        CHECK_EQ(_PageCommitPhys(p, 1, 0xB8, PC_USER | PC_WRITEABLE), 0);
        CHECK_EQ(_PageCommitContig(p, 1, PC_USER, 0, 0, 0xFFFFFFFFu), VXD_FAIL);
        CHECK_EQ(_LinPageLock(p, 1, PAGEMAPGLOBAL), 0);
        CHECK_EQ(_LinPageLock(p, 1, 0), 0);
        CHECK_EQ(_PageModifyPermissions(p, 1, ~0u, PC_USER), VXD_FAIL);
    }
    CHECK_EQ(_PageReserve(0xFFBFF, 2, 0), VXD_FAIL);             /* runs into 0xFFC00000 */
    CHECK_EQ(_PageReserve(0xFFFFF, 2, 0), VXD_FAIL);             /* wraps to 0 */
    ULONG lin = _MapPhysToLinear(0, PAGE_SIZE, 0);              /* physical 0 is fine: not at linear 0 */
    CHECK(lin != VXD_FAIL && !in_forbidden(lin));
    return PASS;
}

static const char *devhlp_edges(void)
{
    LIN out = 0;
    ULONG phys = 0, count;
    KernVMLock_t h;
    PAGELIST list[2];
    static const LIN edge[] = { 0, 0x800, INVALID_START, 0xFFFFF000u };
    for (unsigned i = 0; i < ARRAY_SIZE(edge); i++) {
        CHECK_EQ(DevHelp_VMGlobalToProcess(0, edge[i], PAGE_SIZE, &out), ERROR_INVALID_PARAMETER);
        CHECK_EQ(DevHelp_VMProcessToGlobal(0, edge[i] & ~PAGE_MASK, PAGE_SIZE, &out), ERROR_INVALID_PARAMETER);
        CHECK_EQ(DevHelp_VMLock(0, edge[i], PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, &count), ERROR_INVALID_PARAMETER);
        CHECK(DevHelp_LinToPageList(edge[i], PAGE_SIZE, (LIN)list, &count) != NO_ERROR);
    }
    /* Physical 0 (the BIOS data area) through VMAlloc(PHYS) and PageListToLin: mapped, but never
     * at linear 0 or in the top 4 MiB. */
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PHYS, PAGE_SIZE, (ULONG)&phys, &out, NULL), NO_ERROR);
    CHECK(!in_forbidden(out));
    CHECK_EQ(DevHelp_VMFree(out), NO_ERROR);
    PAGELIST pl = { 0, PAGE_SIZE };
    CHECK_EQ(DevHelp_PageListToLin(PAGE_SIZE, (LIN)&pl, &out), NO_ERROR);
    CHECK(!in_forbidden(out));
    CHECK_EQ(DevHelp_VMFree(out), NO_ERROR);
    return PASS;
}

static const char *ntmm_edges(void)
{
    PHYSICAL_ADDRESS pa;
    pa.QuadPart = 0;
    PVOID v = MmMapIoSpace(pa, PAGE_SIZE, MmNonCached);
    CHECK(v && !in_forbidden((vaddr_t)v));
    MmUnmapIoSpace(v, PAGE_SIZE);
    static const vaddr_t edge[] = { 0, INVALID_START, 0xFFFFF000u };
    for (unsigned i = 0; i < ARRAY_SIZE(edge); i++)
        for (KPROCESSOR_MODE mode = KernelMode; mode <= UserMode; mode++) {
            PMDL m = IoAllocateMdl((PVOID)edge[i], PAGE_SIZE, FALSE, FALSE, NULL);
            CHECK(m);
            NTSTATUS st = MmProbeAndLockPagesEx(m, mode, IoWriteAccess);
            IoFreeMdl(m);
            CHECK_MSG(st == STATUS_ACCESS_VIOLATION, "MmProbeAndLockPages(%08x, mode %d) = %08x", edge[i], mode, (uint32_t)st);
        }
    CHECK(!MmIsAddressValid(NULL));
    CHECK(!MmIsAddressValid((PVOID)INVALID_START));
    CHECK_EQ(MmGetPhysicalAddress(NULL).LowPart, 0);
    return PASS;
}

static const char *core_edges(void)
{
    mm_status st;
    CHECK(!mm_reserve(ARENA_SYSTEM, INVALID_START, 1, 1, OWNER_TEST, &st) && st == MM_EINVAL);
    CHECK(!mm_reserve(ARENA_SYSTEM, SYSTEM_END - PAGE_SIZE, 2, 1, OWNER_TEST, &st) && st == MM_EINVAL);
    CHECK_EQ(mm_map_physical(0, 1, 0xB8, 1, MM_PROT_USER), MM_EINVAL);
    CHECK_EQ(mm_map_physical(INVALID_START, 1, 0xB8, 1, 0), MM_EINVAL);
    CHECK_EQ(mm_commit(0, 1, MM_PROT_USER, MM_COMMIT_PRESENT, NULL, NULL), MM_EINVAL);
    CHECK_EQ(mm_commit(0xFFFFF000u, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL), MM_EINVAL);
    CHECK_EQ(mm_alias(0, 0x80100000u, 1, MM_PROT_USER), MM_EINVAL);
    CHECK_EQ(mm_arena_of(0, 1), ARENA_NONE);
    CHECK_EQ(mm_arena_of(INVALID_START, 1), ARENA_NONE);
    return PASS;
}

/* Every service that could map the null page or the top 4 MiB refuses - from a process too. */
TEST(harden_edges, "harden/null-and-top-never-mapped")
{
    struct as *p = as_create(), *prev = as_current();
    CHECK(p);
    const char *fail = PASS;
    for (int round = 0; round < 2 && !fail; round++) {
        as_switch(round ? p : prev);
        fail = vxd_edges();
        if (!fail) fail = devhlp_edges();
        if (!fail) fail = ntmm_edges();
        if (!fail) fail = core_edges();
    }
    as_switch(prev);
    if (!fail) fail = nothing_mapped_at_the_edges();
    as_destroy(p);
    return fail;
}

/* ---- ring 3 never reaches a supervisor page ----------------------------------------------------- */

struct target { vaddr_t va; const char *what; };

static const char *ring3_must_fault(const struct target *t)
{
    struct user_result u;
    CHECK_EQ(user_call(u_read, t->va, 0, &u), 0);
    CHECK_MSG(u.faulted && u.vector == T_PF && u.cr2 == t->va && (u.err & 4),
              "ring 3 read %s at %08x: %s (vector %u error %x)", t->what, t->va, u.faulted ? "wrong fault" : "no fault",
              u.vector, u.err);
    CHECK_MSG(!(u.err & 2), "ring-3 read of %s reported as a write", t->what);
    CHECK_EQ(user_call(u_write, t->va, 0x0BAD0BADu, &u), 0);
    CHECK_MSG(u.faulted && u.vector == T_PF && u.cr2 == t->va && (u.err & 6) == 6,
              "ring 3 write %s at %08x: %s (vector %u error %x)", t->what, t->va, u.faulted ? "wrong fault" : "no fault",
              u.vector, u.err);
    uint32_t after = 0;
    CHECK_MSG(!probe_read(t->va, &after) || after != 0x0BAD0BADu, "a faulting ring-3 write reached %s", t->what);
    return PASS;
}

static vaddr_t g_alias, g_lpl, g_sys, g_dh, g_nt, g_io, g_mdl, g_pl, g_shared, g_sysuser, g_priv;
static PMDL g_mdlp;

/* One object of every kind whose pages are supervisor-only; a user page of the current process
 * (p) is the source of the aliases, so the alias - not the source - is what is tried. */
static const char *make_targets(vaddr_t user_buf)
{
    LIN out;
    CHECK_EQ(DevHelp_VMProcessToGlobal(VMDHPG_WRITE, user_buf, PAGE_SIZE, &out), NO_ERROR);
    g_alias = out;
    g_lpl = _LinPageLock(PG(user_buf), 1, PAGEMAPGLOBAL);
    CHECK(g_lpl);
    g_sys = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(g_sys);
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &out, NULL), NO_ERROR);
    g_dh = out;
    PHYSICAL_ADDRESS pa, hi;
    hi.QuadPart = 0xFFFFFFFFll;
    g_nt = (vaddr_t)MmAllocateContiguousMemory(PAGE_SIZE, hi);
    CHECK(g_nt);
    pa.QuadPart = 0xB8000;
    g_io = (vaddr_t)MmMapIoSpace(pa, PAGE_SIZE, MmNonCached);
    CHECK(g_io);
    g_mdlp = IoAllocateMdl((PVOID)user_buf, PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(g_mdlp && MmProbeAndLockPagesEx(g_mdlp, UserMode, IoWriteAccess) == STATUS_SUCCESS);
    g_mdl = (vaddr_t)MmGetSystemAddressForMdlSafe(g_mdlp, NormalPagePriority);
    CHECK(g_mdl);
    PAGELIST pl;
    ULONG count;
    CHECK_EQ(DevHelp_LinToPageList(user_buf, PAGE_SIZE, (LIN)&pl, &count), NO_ERROR);
    CHECK_EQ(DevHelp_PageListToLin(PAGE_SIZE, (LIN)&pl, &out), NO_ERROR);
    g_pl = out;
    g_shared = _PageReserve(PR_SHARED, 1, 0);                 /* shared arena, no PC_USER */
    CHECK(g_shared != VXD_FAIL && _PageCommit(PG(g_shared), 1, PD_ZEROINIT, 0, PC_WRITEABLE | PC_PRESENT));
    g_sysuser = _PageReserve(PR_SYSTEM, 1, 0);                /* PTE says user: the PDE does not */
    CHECK(g_sysuser != VXD_FAIL && _PageCommit(PG(g_sysuser), 1, PD_ZEROINIT, 0, PC_WRITEABLE | PC_USER | PC_PRESENT));
    g_priv = _PageReserve(PR_PRIVATE, 1, 0);                  /* the process's own, kernel-only */
    CHECK(g_priv != VXD_FAIL && _PageCommit(PG(g_priv), 1, PD_ZEROINIT, 0, PC_WRITEABLE | PC_PRESENT));
    return PASS;
}

static void drop_targets(void)
{
    if (g_mdlp) { MmUnlockPages(g_mdlp); IoFreeMdl(g_mdlp); }
    if (g_pl) DevHelp_VMFree(g_pl);
    if (g_io) MmUnmapIoSpace((PVOID)g_io, PAGE_SIZE);
    if (g_nt) MmFreeContiguousMemory((PVOID)g_nt);
    if (g_dh) DevHelp_VMFree(g_dh);
    if (g_sys) _PageFree((PVOID)g_sys, 0);
    if (g_lpl) _LinPageUnLock(PG(g_lpl), 1, PAGEMAPGLOBAL);
    if (g_alias) DevHelp_VMFree(g_alias);
    if (g_shared && g_shared != VXD_FAIL) _PageFree((PVOID)g_shared, 0);
    if (g_sysuser && g_sysuser != VXD_FAIL) _PageFree((PVOID)g_sysuser, 0);
    g_alias = g_lpl = g_sys = g_dh = g_nt = g_io = g_mdl = g_pl = g_shared = g_sysuser = g_priv = 0;
    g_mdlp = NULL;
}

static const char *sweep_targets(void)
{
    extern char _kernel_start[], _data_start[], _bss_start[];
    extern char boot_stack_top[], boot_stack_guard[];
    static const uint32_t rodata_word = 0x12345678u;
    void *pool = kmalloc(64);
    CHECK(pool);
    uint32_t *slot = hyper_map(pte_pfn(pte_read(g_sys)));       /* a live hyperspace slot */
    vaddr_t guard = PAGE_ALIGN_DOWN(g_io) + PAGE_SIZE;           /* the system-PTE guard page */
    const struct target t[] = {
        { (vaddr_t)_kernel_start, "kernel .text" }, { (vaddr_t)&rodata_word, "kernel .rodata" },
        { (vaddr_t)_data_start, "kernel .data" }, { (vaddr_t)_bss_start, "kernel .bss" },
        { (vaddr_t)boot_stack_top - 64, "the kernel stack" }, { (vaddr_t)boot_stack_guard, "the stack guard page" },
        { 0x800B8000u, "the VGA window of the boot map" },
        { PFNDB_BASE, "the PFN database" }, { PFNDB_BASE + 16 * (pfn_max / 2), "a PFN record" },
        { KPOOL_BASE, "the pool" }, { (vaddr_t)pool, "a kmalloc block" },
        { PTE_BASE, "the self-map (PTEs)" }, { (vaddr_t)MiGetPteAddress(USER_TEXT_BASE), "the PTE of a user page" },
        { PDE_BASE, "the page directory" }, { (vaddr_t)slot, "a hyperspace slot in use" }, { HYPER_START, "hyperspace" },
        { g_io, "an MmMapIoSpace mapping" }, { guard, "a system-PTE guard page" },
        { g_alias, "a VMProcessToGlobal alias of a user page" }, { g_lpl, "a PAGEMAPGLOBAL alias of a user page" },
        { g_mdl, "the MDL mapping of a user page" }, { g_pl, "a PageListToLin mapping" },
        { g_sys, "a _PageAllocate(PG_SYS) block" }, { g_dh, "a VMAlloc system block" },
        { g_nt, "MmAllocateContiguousMemory" }, { g_shared, "a supervisor page in the shared arena" },
        { g_sysuser, "a PC_USER page in the system arena" }, { g_priv, "a supervisor page of the process itself" },
        { INVALID_START, "0xFFC00000" },
    };
    const char *fail = PASS;
    for (unsigned i = 0; i < ARRAY_SIZE(t) && !fail; i++) fail = ring3_must_fault(&t[i]);
    hyper_unmap(slot);
    kfree(pool);
    return fail;
}

/* Structure: no PDE of the self-map, hyperspace or system arena allows ring 3 in any directory,
 * and no PTE of the kernel image's window does. */
static const char *no_user_bits(void)
{
    for (struct as *a = as_kernel(); a; a = a->next) {
        pte_t *pd = hyper_map(a->pd);
        uint32_t bad = 0;
        for (uint32_t i = PDI(PTE_BASE); i < 1024 && !bad; i++)
            if (pd[i] & PTE_U) bad = i;
        hyper_unmap(pd);
        CHECK_MSG(!bad, "as %u: PDE %x allows ring 3", a->id, bad);
    }
    for (vaddr_t va = KERNEL_VBASE; va < KWINDOW_END; va += PAGE_SIZE)
        CHECK_MSG(!(pte_read(va) & PTE_U), "kernel window page %08x is user-accessible", va);
    return PASS;
}

TEST(harden_ring3, "harden/ring3-no-supervisor-page")
{
    struct as *p = as_create(), *prev = as_current();
    CHECK(p);
    as_switch(p);
    LIN buf = 0;
    const char *fail = DevHelp_VMAlloc(VMDHA_PROCESS | VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &buf, NULL) ? "VMAlloc" : PASS;
    if (!fail) fail = make_targets(buf);
    if (!fail) fail = sweep_targets();
    if (!fail) fail = no_user_bits();
    struct user_result u;                                     /* the user page itself: fine */
    if (!fail && (user_call(u_write, buf, 7, &u) || u.faulted)) fail = "ring 3 cannot write its own page";
    drop_targets();
    as_switch(prev);
    as_destroy(p);
    return fail;
}

/* ---- control bits ---------------------------------------------------------------------------------- */

static const char *cr_bits(const char *where)
{
    uint32_t cr0 = x86_read_cr0(), cr4 = x86_read_cr4();
    CHECK_MSG((cr0 & (CR0_PG | CR0_WP)) == (CR0_PG | CR0_WP), "%s: CR0 = %08x (PG and WP must be on)", where, cr0);
    CHECK_MSG(!!(cr4 & CR4_SMEP) == !!x86.smep, "%s: CR4.SMEP %u, CPUID says %u", where, !!(cr4 & CR4_SMEP), !!x86.smep);
    CHECK_MSG(!!(cr4 & CR4_SMAP) == !!x86.smap, "%s: CR4.SMAP %u, CPUID says %u", where, !!(cr4 & CR4_SMAP), !!x86.smap);
    CHECK_MSG(x86_smap_on == !!(cr4 & CR4_SMAP), "%s: x86_smap_on %u, CR4.SMAP %u", where, x86_smap_on, !!(cr4 & CR4_SMAP));
    CHECK_MSG(!(x86_read_eflags() & EFLAGS_AC), "%s: EFLAGS.AC set outside a user-access window", where);
    return PASS;
}

TEST(harden_cr_bits, "harden/control-bits-everywhere")
{
    struct as *p = as_create(), *prev = as_current();
    CHECK(p);
    TRY(cr_bits("kernel process"));
    as_switch(p);
    struct user_result u;
    const char *fail = cr_bits("a new process");
    if (!fail && (user_call(u_cli, 0, 0, &u) || !u.faulted)) fail = "ring 3 cli did not fault";
    if (!fail) fail = cr_bits("a process, after a ring-3 fault");
    if (!fail && (user_call(u_ac_read, USER_TEXT_BASE, 0, &u) || u.faulted)) fail = "ring 3 with EFLAGS.AC set could not read its own code";
    if (!fail) fail = cr_bits("a process, after ring 3 ran with EFLAGS.AC set");
    /* CR0.WP: a read-only page binds ring 0 in this process too (in a user-access window, so
     * that it is CR0.WP that refuses and not SMAP). */
    ULONG ro = fail ? VXD_FAIL : _PageReserve(PR_PRIVATE, 1, 0);
    if (!fail && (ro == VXD_FAIL || !_PageCommit(PG(ro), 1, PD_ZEROINIT, 0, PC_USER | PC_PRESENT))) fail = "commit";
    if (!fail && uprobe_write(ro, 1)) fail = "ring 0 wrote a read-only user page (CR0.WP off?)";
    if (!fail && (probe_last.vector != T_PF || (probe_last.err & 7) != 3 || probe_last.cr2 != ro))
        fail = "CR0.WP: not a present-write #PF at the page";
    as_switch(prev);
    as_destroy(p);
    return fail;
}

/* ---- SMAP ------------------------------------------------------------------------------------- */

/* CR4.SMAP is on from boot where the CPU has it (mm/core/pte.c), so a ring-0 access to a user page
 * faults unless it is inside a user-access window (mm/x86.h).  The raw probes open no window:
 * they show the fault (P set, U/S clear: a supervisor access; cr2 the address). */
static const char *smap_fault(bool ok, uint32_t err, vaddr_t va, const char *what)
{
    CHECK_MSG(!ok, "SMAP on: a supervisor %s of a user page did not fault", what);
    CHECK_MSG(probe_last.vector == T_PF && (probe_last.err & 7) == err && probe_last.cr2 == va,
              "SMAP %s fault: vector %u error %x cr2 %08x (want #PF, error %x, cr2 %08x)", what,
              probe_last.vector, probe_last.err, probe_last.cr2, err, va);
    return PASS;
}

static const char *smap_window(vaddr_t user, vaddr_t kern)
{
    uint32_t v = 0;
    TRY(smap_fault(probe_read(user + 4, &v), 1, user + 4, "read"));
    TRY(smap_fault(probe_write(user + 8, 1), 3, user + 8, "write"));
    CHECK_MSG(probe_read(kern, &v), "SMAP stopped a supervisor access to a supervisor page");
    x86_user_access_begin();
    bool ac = x86_read_eflags() & EFLAGS_AC;
    bool w1 = probe_write(user, 0x5A4A), r1 = probe_read(user, &v);
    x86_user_access_end();
    CHECK_MSG(ac, "x86_user_access_begin did not set EFLAGS.AC");
    CHECK_MSG(w1 && r1 && v == 0x5A4A, "in the window: write %u read %u value %x", w1, r1, v);
    CHECK_MSG(!(x86_read_eflags() & EFLAGS_AC), "x86_user_access_end left EFLAGS.AC set");
    TRY(smap_fault(probe_read(user + 4, &v), 1, user + 4, "read after the window"));
    TRY(smap_fault(probe_write(user + 8, 2), 3, user + 8, "write after the window"));
    /* A fault inside the window resumes at the fixup with the window still open (iret restores
     * AC); the end closes it whatever happened. */
    x86_user_access_begin();
    bool r0 = probe_read(0, &v);
    ac = x86_read_eflags() & EFLAGS_AC;
    x86_user_access_end();
    CHECK_MSG(!r0 && probe_last.vector == T_PF && probe_last.cr2 == 0, "the null page read in a window");
    CHECK_MSG(ac, "a recovered fault closed the window early (EFLAGS.AC lost)");
    CHECK_MSG(!(x86_read_eflags() & EFLAGS_AC), "EFLAGS.AC set after a faulting probe's window");
    return PASS;
}

/* Every #PF handler runs with EFLAGS.AC clear (trap_dispatch), whatever the interrupted code
 * had: a window in ring 0, or AC set by ring 3 with popf. */
static bool (*saved_pf_hook)(struct trapframe *, uint32_t);
static uint32_t hook_calls, hook_ac, hook_tf_ac;
static bool ac_watch_hook(struct trapframe *tf, uint32_t cr2)
{
    hook_calls++;
    hook_ac |= x86_read_eflags() & EFLAGS_AC;
    hook_tf_ac |= tf->eflags & EFLAGS_AC;
    return saved_pf_hook(tf, cr2);
}

static const char *smap_handlers_clear_ac(vaddr_t demand_a, vaddr_t demand_b)
{
    saved_pf_hook = trap_pf_hook;
    hook_calls = hook_ac = hook_tf_ac = 0;
    trap_pf_hook = ac_watch_hook;
    x86_user_access_begin();
    bool r0 = probe_read(demand_a, NULL);                    /* a demand-zero fault in a window */
    x86_user_access_end();
    uint32_t calls0 = hook_calls, ac0 = hook_ac, tf0 = hook_tf_ac;
    hook_calls = hook_ac = hook_tf_ac = 0;
    struct user_result u;
    int rc = user_call(u_ac_read, demand_b, 0, &u);         /* and one from ring 3 with AC set */
    trap_pf_hook = saved_pf_hook;
    CHECK_MSG(r0 && calls0 == 1, "ring 0 demand fault in a window: read %u, %u #PF", r0, calls0);
    CHECK_MSG(tf0, "the interrupted ring-0 window had no EFLAGS.AC");
    CHECK_MSG(!ac0, "the #PF handler ran with EFLAGS.AC set (inherited from a ring-0 window)");
    CHECK_MSG(rc == 0 && !u.faulted && u.value == 0 && hook_calls == 1, "ring 3 demand fault: %u #PF", hook_calls);
    CHECK_MSG(hook_tf_ac, "ring 3 did not run with EFLAGS.AC set");
    CHECK_MSG(!hook_ac, "the #PF handler ran with EFLAGS.AC set (inherited from ring 3)");
    return PASS;
}

TEST(harden_smap, "harden/smap-blocks-user-access")
{
    uint32_t cr4 = x86_read_cr4();
    CHECK_MSG(!!(cr4 & CR4_SMAP) == !!x86.smap, "CR4.SMAP %u, CPUID says %u", !!(cr4 & CR4_SMAP), !!x86.smap);
    CHECK_EQ(x86_smap_on, !!x86.smap);
    if (!x86.smap) SKIP("no SMAP on this CPU (CR4.SMAP checked clear)");
    struct as *p = as_create(), *prev = as_current();
    CHECK(p);
    as_switch(p);
    LIN buf = 0, kbuf = 0, dz = 0;
    const char *fail = DevHelp_VMAlloc(VMDHA_PROCESS | VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &buf, NULL) ||
                       DevHelp_VMAlloc(VMDHA_PROCESS, 2 * PAGE_SIZE, VMDHA_NOPHYSADDR, &dz, NULL) ||
                       DevHelp_VMAlloc(VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &kbuf, NULL) ? "VMAlloc" : PASS;
    if (!fail) fail = smap_window(buf, kbuf);
    if (!fail && uread(buf) != 0x5A4A) fail = "the write through the window was lost";
    if (!fail) fail = smap_handlers_clear_ac(dz, dz + PAGE_SIZE);
    if (kbuf) DevHelp_VMFree(kbuf);
    as_switch(prev);
    as_destroy(p);
    return fail;
}
