/*
 * tests/suites/harden/leak.c - harden/no-leak-*: freed frames never reach a user mapping
 * unzeroed, through every way a page can become visible to ring 3.
 *
 * Each case: process A fills pages with a secret and frees them, with free-time poisoning off
 * (pfn_poison_on_free is a debug aid; a production kernel would not pay for it, and the bench
 * measures without it), so the frames keep the secret on the free list.  Process B then gets
 * user-visible pages through one path - committed for ring 3 directly, committed for ring 0 and
 * granted to ring 3 later with _PageModifyPermissions, or mapped into B from global memory with
 * VMGlobalToProcess - reads them in ring 3 and ring 0, and must see zeroes only.  The test also
 * insists that B really got some of A's frames (the allocator hands out the most recently freed
 * frames first, and a contiguous request finds the same first-fit run), so it cannot pass by
 * luck.
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/vxd/vxd.h"
#include "mm/devhlp/devhlp.h"
#include "mm/ntmm/ntmm.h"

#define SECRET 0x5EC2E700u
#define DIRTY_PAGES 24
#define MAXP 4

struct leak_case {
    struct as *a, *b;
    pfn_t dirty[DIRTY_PAGES];
    uint32_t ndirty;
    vaddr_t user_va;             /* B's user-visible pages */
    uint32_t n;
    ULONG handle;                /* what the path's release needs */
    PVOID kva;
};

/* In A: pages from the allocator (fresh frames, or one first-fit run), filled, then freed. */
static const char *dirty_frames(struct leak_case *c, uint32_t n, bool contig)
{
    as_switch(c->a);
    LIN lin;
    ULONG f = VMDHA_PROCESS | VMDHA_FIXED | (contig ? VMDHA_CONTIG : 0);
    CHECK_EQ(DevHelp_VMAlloc(f, n * PAGE_SIZE, VMDHA_NOPHYSADDR, &lin, NULL), NO_ERROR);
    for (uint32_t i = 0; i < n; i++) {
        vaddr_t p = lin + i * PAGE_SIZE;                      /* a user page */
        for (uint32_t w = 0; w < PAGE_SIZE / 4; w++) uwrite(p + w * 4, SECRET ^ w);
        c->dirty[i] = pte_pfn(pte_read(lin + i * PAGE_SIZE));
    }
    c->ndirty = n;
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    as_switch(c->b);
    return PASS;
}

/* B's pages: zero from ring 3 (first, so demand pages get their frames here), zero from ring 0,
 * and at least one of them on a frame A dirtied. */
static const char *check_clean(struct leak_case *c, const char *path)
{
    struct user_result u;
    uint32_t reused = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        vaddr_t va = c->user_va + i * PAGE_SIZE;
        static const uint32_t offs[3] = { 0, 0x800, PAGE_SIZE - 4 };
        for (uint32_t k = 0; k < 3; k++) {
            CHECK_EQ(user_call(u_read, va + offs[k], 0, &u), 0);
            CHECK_MSG(!u.faulted, "%s: ring 3 cannot read %08x (vector %u)", path, va + offs[k], u.vector);
            CHECK_MSG(u.value == 0, "%s: ring 3 reads %08x at %08x: a freed frame reached a user mapping unzeroed",
                      path, u.value, va + offs[k]);
        }
        for (uint32_t w = 0; w < PAGE_SIZE / 4; w++) {
            uint32_t x = uread(va + w * 4);                    /* a user page: in a window */
            CHECK_MSG(x == 0, "%s: %08x reads %08x from ring 0", path, va + w * 4, x);
        }
        pfn_t f = pte_pfn(pte_read(va));
        for (uint32_t d = 0; d < c->ndirty; d++) reused += c->dirty[d] == f;
    }
    CHECK_MSG(reused, "%s: none of B's frames was one A dirtied; the test proves nothing", path);
    return PASS;
}

typedef const char *(*leak_path_fn)(struct leak_case *c, bool release);

static const char *run_path(leak_path_fn path, const char *name, uint32_t n, bool contig)
{
    struct leak_case c;
    memset(&c, 0, sizeof c);
    struct as *prev = as_current();
    bool poison = pfn_poison_on_free;
    c.a = as_create();
    c.b = as_create();
    c.n = n;
    const char *fail = c.a && c.b ? PASS : "as_create";
    struct user_result u;
    if (!fail) { as_switch(c.b); fail = user_call(u_ret, 1, 2, &u) ? "user_call in B" : PASS; }   /* B's stack first */
    pfn_poison_on_free = false;
    if (!fail) fail = dirty_frames(&c, contig ? n : DIRTY_PAGES, contig);
    if (!fail) fail = path(&c, false);
    if (!fail) fail = check_clean(&c, name);
    as_switch(c.b);
    if (c.user_va || c.handle || c.kva) path(&c, true);
    pfn_poison_on_free = poison;
    as_switch(prev);
    if (c.a) as_destroy(c.a);
    if (c.b) as_destroy(c.b);
    return fail;
}

/* ---- the paths (release = true: undo what the path made) ------------------------------------- */

#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)

static const char *vxd_pg_vm(struct leak_case *c, bool release)      /* shared arena, demand-zero */
{
    if (release) return _PageFree((PVOID)c->handle, 0) ? PASS : "free";
    c->handle = c->user_va = _PageAllocate(c->n, PG_VM, vxd_sys_vm(), 0, 0, 0, NULL, 0);
    return c->handle ? PASS : "_PageAllocate(PG_VM)";
}

static const char *vxd_pg_vm_fixed(struct leak_case *c, bool release)
{
    if (release) return _PageFree((PVOID)c->handle, 0) ? PASS : "free";
    c->handle = c->user_va = _PageAllocate(c->n, PG_VM, vxd_sys_vm(), 0, 0, 0, NULL, PAGEFIXED);
    return c->handle ? PASS : "_PageAllocate(PG_VM, PAGEFIXED)";
}

/* _PageReserve(PR_PRIVATE) + _PageCommit(PD_NOINIT, flags) [+ _PageModifyPermissions(PC_USER)] */
static const char *vxd_commit(struct leak_case *c, bool release, ULONG flags, bool grant)
{
    if (release) return _PageFree((PVOID)c->handle, 0) ? PASS : "free";
    c->handle = c->user_va = _PageReserve(PR_PRIVATE, c->n, 0);
    if (c->handle == 0xFFFFFFFFu) { c->handle = c->user_va = 0; return "_PageReserve"; }
    if (!_PageCommit(PG(c->user_va), c->n, PD_NOINIT, 0, flags)) return "_PageCommit(PD_NOINIT)";
    if (grant && _PageModifyPermissions(PG(c->user_va), c->n, ~0u, PC_USER) == 0xFFFFFFFFu) return "_PageModifyPermissions";
    return PASS;
}

static const char *vxd_noinit_user(struct leak_case *c, bool r) { return vxd_commit(c, r, PC_USER | PC_WRITEABLE | PC_PRESENT, false); }
static const char *vxd_noinit_grant(struct leak_case *c, bool r) { return vxd_commit(c, r, PC_WRITEABLE | PC_PRESENT, true); }
static const char *vxd_fixed_grant(struct leak_case *c, bool r) { return vxd_commit(c, r, PC_WRITEABLE | PC_FIXED, true); }

static const char *vxd_contig(struct leak_case *c, bool release, ULONG flags, bool grant)
{
    if (release) return _PageFree((PVOID)c->handle, 0) ? PASS : "free";
    c->handle = c->user_va = _PageReserve(PR_PRIVATE, c->n, 0);
    if (c->handle == 0xFFFFFFFFu) { c->handle = c->user_va = 0; return "_PageReserve"; }
    if (_PageCommitContig(PG(c->user_va), c->n, flags, 0, 0, 0xFFFFFFFFu) == 0xFFFFFFFFu) return "_PageCommitContig";
    if (grant && _PageModifyPermissions(PG(c->user_va), c->n, ~0u, PC_USER) == 0xFFFFFFFFu) return "_PageModifyPermissions";
    return PASS;
}

static const char *vxd_contig_user(struct leak_case *c, bool r) { return vxd_contig(c, r, PC_USER | PC_WRITEABLE, false); }
static const char *vxd_contig_grant(struct leak_case *c, bool r) { return vxd_contig(c, r, PC_WRITEABLE, true); }

/* _PageReAllocate growing a PG_VM block: the new pages are the block's, and ring 3's. */
static const char *vxd_realloc(struct leak_case *c, bool release)
{
    if (release) return _PageFree((PVOID)c->handle, 0) ? PASS : "free";
    ULONG h = _PageAllocate(1, PG_VM, vxd_sys_vm(), 0, 0, 0, NULL, PAGEFIXED);
    if (!h) return "_PageAllocate";
    c->handle = _PageReAllocate(h, c->n + 1, PAGELOCKED);
    if (!c->handle) { c->handle = h; return "_PageReAllocate"; }
    c->user_va = c->handle + PAGE_SIZE;                  /* the pages that are new */
    return PASS;
}

static const char *dh_process(struct leak_case *c, bool release, ULONG flags)
{
    if (release) return DevHelp_VMFree(c->handle) ? "VMFree" : PASS;
    LIN lin;
    if (DevHelp_VMAlloc(flags, c->n * PAGE_SIZE, VMDHA_NOPHYSADDR, &lin, NULL)) return "VMAlloc";
    c->handle = c->user_va = lin;
    return PASS;
}

static const char *dh_demand(struct leak_case *c, bool r) { return dh_process(c, r, VMDHA_PROCESS); }
static const char *dh_fixed(struct leak_case *c, bool r) { return dh_process(c, r, VMDHA_PROCESS | VMDHA_FIXED); }

/* Global memory committed for ring 0, then mapped into B: VMGlobalToProcess(kva). */
static const char *global_to_b(struct leak_case *c)
{
    LIN p;
    if (DevHelp_VMGlobalToProcess(VMDHGP_WRITE, (LIN)c->kva, c->n * PAGE_SIZE, &p)) return "VMGlobalToProcess";
    c->user_va = p;
    return PASS;
}

static const char *release_view(struct leak_case *c)
{
    return !c->user_va || DevHelp_VMFree(c->user_va) == NO_ERROR ? PASS : "VMFree(view)";
}

static const char *dh_sys_to_b(struct leak_case *c, bool release)
{
    if (release) {
        const char *r = release_view(c);
        return r ? r : DevHelp_VMFree((LIN)c->kva) ? "VMFree" : PASS;
    }
    LIN lin;
    if (DevHelp_VMAlloc(VMDHA_FIXED, c->n * PAGE_SIZE, VMDHA_NOPHYSADDR, &lin, NULL)) return "VMAlloc(FIXED)";
    c->kva = (PVOID)lin;
    return global_to_b(c);
}

static const char *vxd_sys_to_b(struct leak_case *c, bool release)
{
    if (release) {
        const char *r = release_view(c);
        return r ? r : _PageFree(c->kva, 0) ? PASS : "_PageFree";
    }
    c->kva = (PVOID)_PageAllocate(c->n, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);   /* no PAGEZEROINIT */
    return c->kva ? global_to_b(c) : "_PageAllocate(PG_SYS)";
}

/* NT memory is never ring 3's directly, but its frames can be: VMAlloc(VMDHA_PHYS|VMDHA_PROCESS)
 * maps RAM in use into the current process (a driver handing its buffer to an application). */
static const char *nt_contig_to_b(struct leak_case *c, bool release)
{
    if (release) {
        const char *r = release_view(c);
        if (c->kva) MmFreeContiguousMemory(c->kva);
        return r;
    }
    PHYSICAL_ADDRESS hi;
    hi.QuadPart = 0xFFFFFFFFll;
    c->kva = MmAllocateContiguousMemory(c->n * PAGE_SIZE, hi);
    if (!c->kva) return "MmAllocateContiguousMemory";
    ULONG pa = MmGetPhysicalAddress(c->kva).LowPart;
    LIN lin;
    if (DevHelp_VMAlloc(VMDHA_PHYS | VMDHA_PROCESS, c->n * PAGE_SIZE, (ULONG)&pa, &lin, NULL)) return "VMAlloc(PHYS|PROCESS)";
    c->user_va = lin;
    return PASS;
}

/* _PageCommitContig(PCCNOLIN): frames held for ever, mapped nowhere - until the VxD maps them
 * into a process with _PageCommitPhys(PC_USER). */
static const char *vxd_nolin_phys(struct leak_case *c, bool release)
{
    if (release) return _PageFree((PVOID)c->handle, 0) ? PASS : "free";
    ULONG pa = _PageCommitContig(0, c->n, PCC_NOLIN, 0, 0, 0xFFFFFFFFu);
    if (pa == 0xFFFFFFFFu) return "_PageCommitContig(PCCNOLIN)";
    c->handle = c->user_va = _PageReserve(PR_PRIVATE, c->n, 0);
    if (c->handle == 0xFFFFFFFFu) { c->handle = c->user_va = 0; return "_PageReserve"; }
    return _PageCommitPhys(PG(c->user_va), c->n, PG(pa), PC_INCR | PC_USER | PC_WRITEABLE) ? PASS : "_PageCommitPhys";
}

TEST(harden_leak_vxd, "harden/no-leak-vxd")
{
    TRY(run_path(vxd_pg_vm, "_PageAllocate(PG_VM), demand-zero", 4, false));
    TRY(run_path(vxd_pg_vm_fixed, "_PageAllocate(PG_VM, PAGEFIXED)", 4, false));
    TRY(run_path(vxd_noinit_user, "_PageCommit(PD_NOINIT, PC_USER|PC_PRESENT)", 4, false));
    TRY(run_path(vxd_noinit_grant, "_PageCommit(PD_NOINIT, PC_PRESENT) + _PageModifyPermissions(PC_USER)", 4, false));
    TRY(run_path(vxd_fixed_grant, "_PageCommit(PD_NOINIT, PC_FIXED) + _PageModifyPermissions(PC_USER)", 4, false));
    TRY(run_path(vxd_contig_user, "_PageCommitContig(PC_USER)", 4, true));
    TRY(run_path(vxd_contig_grant, "_PageCommitContig + _PageModifyPermissions(PC_USER)", 4, true));
    TRY(run_path(vxd_realloc, "_PageReAllocate(PG_VM) growing", 4, false));
    return PASS;
}

TEST(harden_leak_devhlp, "harden/no-leak-devhlp")
{
    TRY(run_path(dh_demand, "VMAlloc(VMDHA_PROCESS), demand-zero", 4, false));
    TRY(run_path(dh_fixed, "VMAlloc(VMDHA_PROCESS|VMDHA_FIXED)", 4, false));
    TRY(run_path(dh_sys_to_b, "VMAlloc(VMDHA_FIXED) + VMGlobalToProcess", 4, false));
    TRY(run_path(vxd_sys_to_b, "_PageAllocate(PG_SYS, PAGEFIXED) + VMGlobalToProcess", 4, false));
    return PASS;
}

TEST(harden_leak_ntmm, "harden/no-leak-ntmm")
{
    return run_path(nt_contig_to_b, "MmAllocateContiguousMemory + VMAlloc(PHYS|PROCESS)", 4, true);
}

/* PCCNOLIN frames are never given back (the Win95 DDK VMM reference): one frame leaves for good. */
TEST_FLAGS(harden_leak_nolin, "harden/no-leak-pccnolin", TEST_NO_LEAKCHECK)
{
    return run_path(vxd_nolin_phys, "_PageCommitContig(PCCNOLIN) + _PageCommitPhys(PC_USER)", 1, true);
}
