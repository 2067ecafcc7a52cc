/*
 * tests/core/mm/caller.c - vxd/caller-buffers-..., devhlp/caller-buffers-...: the one rule for caller
 * buffers (mm/core/caller.c) through every VxD and DevHelp service that reads or writes caller
 * memory through a pointer.  A refused buffer gives the service's documented error (VxD 0 -
 * nothing written for _GetDemandPageInfo -, DevHelp 87) and changes nothing: counts, page
 * tables, and the bytes at the target.  Accepted buffers (the caller's stack, region memory of
 * each personality, process memory, a system-PTE mapping, a demand-zero page) get the result.
 */
#include "tests/harness/test.h"
#include "mm/core/core.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "tests/suites/hostile/hostile.h"
#include "tests/vxd/vxd_test.h"
#include "mm/vxd/vxd.h"
#include "mm/devhlp/devhlp.h"
#include "mm/core/pfn.h"

#define F 0xFFFFFFFFu

extern pte_t boot_pd[];
extern char _utext_load[];
static ULONG victim_bss[32];                     /* kernel image: .bss */
static ULONG victim_data[32] = { 0x0DA7A };      /* kernel image: .data */
static const PAGELIST ro_list = { 0xB8000, 4 };  /* kernel image: .rodata, a list (or PhysAddr) that would map */

static pte_t pte_read_raw(vaddr_t va)
{
    uint32_t e = 0;
    return mm_read_pte(va, &e) ? e : 0;
}

/* Bytes at va, unreadable ones as 0: the target's state, mapped or not. */
static uint32_t tsum(vaddr_t va, uint32_t n)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b = 0;
        uprobe_read8(va + i, &b);
        h = (h ^ b) * 16777619u;
    }
    return h;
}

/* ---- the calls: each returns the service's answer for buffer b ----------------------------- */

struct ctx { vaddr_t blk; LIN dh; };              /* a VxD block and a DevHelp buffer to name */
static struct ctx cx;

static uint32_t c_CopyPageTable(vaddr_t b) { return _CopyPageTable(PG(cx.blk), 2, (ULONG *)b, 0); }
static uint32_t c_PageQuery(vaddr_t b) { return _PageQuery(cx.blk, (PMEMORY_BASIC_INFORMATION)b, 28); }
static uint32_t c_GetDemandPageInfo(vaddr_t b)          /* 1 when the buffer got the numbers */
{
    _GetDemandPageInfo((DemandInfoStruc *)b, 0);
    uint32_t v = 0;
    return uprobe_read(b + 4, &v) && v == mm_total_frames();   /* DIPhys_Count */
}
static uint32_t c_PageAllocate(vaddr_t b)
{
    ULONG h = _PageAllocate(1, PG_SYS, 0, 0, 0, 0x100000, (ULONG *)b, PAGEUSEALIGN | PAGEFIXED);
    if (h) _PageFree((PVOID)h, 0);
    return h != 0;
}
static uint32_t c_VMLock_handle(vaddr_t b)
{
    ULONG n;
    USHORT rc = DevHelp_VMLock(0, cx.dh, 4, DEVHLP_NO_LIST, b, &n);
    if (!rc) DevHelp_VMUnLock(b);
    return rc;
}
static uint32_t c_VMLock_list(vaddr_t b)
{
    KernVMLock_t h;
    ULONG n;
    USHORT rc = DevHelp_VMLock(0, cx.dh, 4, b, (LIN)&h, &n);
    if (!rc) DevHelp_VMUnLock((LIN)&h);
    return rc;
}
static uint32_t c_VMUnLock(vaddr_t b) { return DevHelp_VMUnLock(b); }
static uint32_t c_LinToPageList(vaddr_t b) { ULONG n; return DevHelp_LinToPageList(cx.dh, 4, b, &n); }
static uint32_t c_PageListToLin(vaddr_t b)
{
    LIN out;
    USHORT rc = DevHelp_PageListToLin(4, b, &out);
    if (!rc) DevHelp_VMFree(out);
    return rc;
}
static uint32_t c_VMAlloc_phys(vaddr_t b)
{
    LIN out;
    USHORT rc = DevHelp_VMAlloc(VMDHA_PHYS, PAGE_SIZE, b, &out, NULL);
    if (!rc) DevHelp_VMFree(out);
    return rc;
}

struct call { const char *name; uint32_t (*fn)(vaddr_t); uint32_t bytes, refused; bool write; };
static const struct call vxd_calls[] = {
    { "_CopyPageTable", c_CopyPageTable, 8, 0, true },
    { "_PageQuery", c_PageQuery, 28, 0, true },
    { "_GetDemandPageInfo", c_GetDemandPageInfo, 64, 0, true },
    { "_PageAllocate PhysAddr", c_PageAllocate, 4, 0, true },
};
static const struct call dh_calls[] = {
    { "VMLock lock handle", c_VMLock_handle, 12, ERROR_INVALID_PARAMETER, true },
    { "VMLock PAGELIST", c_VMLock_list, 8, ERROR_INVALID_PARAMETER, true },
    { "VMUnLock", c_VMUnLock, 12, ERROR_INVALID_PARAMETER, true },
    { "LinToPageList", c_LinToPageList, 8, ERROR_INVALID_PARAMETER, true },
    { "PageListToLin", c_PageListToLin, 8, ERROR_INVALID_PARAMETER, false },
    { "VMAlloc PHYS PhysAddr", c_VMAlloc_phys, 4, ERROR_INVALID_PARAMETER, false },
};

/* ---- the targets --------------------------------------------------------------------------- */

struct fixture {
    ULONG res;           /* VxD: 1 reserved, uncommitted page */
    ULONG ro;            /* VxD: 1 committed read-only page */
    ULONG kimg;          /* VxD: 1 page mapping a frame of the kernel image (ring-3 text), read-only */
    ULONG fpr;           /* a 1-page free physical region, its page not present */
    ULONG fpr_np;        /* an address in that page */
    vaddr_t spte;        /* a 1-page system-PTE allocation: +4 KiB is its guard */
};

struct target { const char *what; vaddr_t va; bool write_only; };

/* Every kind of memory that is not a caller's buffer.  write_only: refused only for writes. */
static uint32_t refused_targets(const struct fixture *fx, struct target *t)
{
    uint32_t n = 0;
    t[n++] = (struct target){ "the kernel image's .bss", (vaddr_t)victim_bss, false };
    t[n++] = (struct target){ "the kernel image's .data", (vaddr_t)victim_data, false };
    t[n++] = (struct target){ "the kernel image's .rodata", (vaddr_t)&ro_list, false };
    t[n++] = (struct target){ "the kernel image's text", KERNEL_VBASE + KERNEL_PHYS_LOAD, false };
    t[n++] = (struct target){ "the boot page directory (boot_pd)", (vaddr_t)boot_pd + 0x100, false };
    t[n++] = (struct target){ "the page tables (self-map)", PTE_BASE + 0x200, false };
    t[n++] = (struct target){ "the page directory (self-map)", PDE_BASE + 0x10, false };
    t[n++] = (struct target){ "hyperspace", HYPER_START + 0x40, false };
    t[n++] = (struct target){ "the directory window", HYPER_END - PAGE_SIZE + 0x40, false };
    t[n++] = (struct target){ "the PFN database", PFNDB_BASE + 0x40, false };
    t[n++] = (struct target){ "the kernel pool", KPOOL_BASE + 0x40, false };
    t[n++] = (struct target){ "the ring-3 stack (the core's own region)", USER_STACK_TOP - 0x100, false };
    t[n++] = (struct target){ "a reserved, uncommitted page", fx->res, false };
    t[n++] = (struct target){ "a not-present free physical region page", fx->fpr_np, false };
    t[n++] = (struct target){ "a system-PTE allocation, unmapped", fx->spte, false };
    t[n++] = (struct target){ "a system-PTE guard page", fx->spte + PAGE_SIZE, false };
    t[n++] = (struct target){ "a page mapping a kernel-image frame", fx->kimg, false };
    t[n++] = (struct target){ "a read-only page", fx->ro, true };
    t[n++] = (struct target){ "the null page", 0x100, false };
    t[n++] = (struct target){ "the invalid top", INVALID_START + 0x100, false };
    return n;
}

static const char *setup(struct fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    cx.blk = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(cx.blk);
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &cx.dh, NULL), NO_ERROR);
    fx->res = _PageReserve(PR_SYSTEM, 1, 0);
    fx->ro = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    fx->kimg = _PageReserve(PR_SYSTEM, 1, 0);
    CHECK(fx->res != F && fx->ro && fx->kimg != F);
    CHECK(_PageModifyPermissions(PG(fx->ro), 1, ~(ULONG)PC_WRITEABLE, 0) != F);
    CHECK_EQ(_PageCommitPhys(PG(fx->kimg), 1, ((vaddr_t)_utext_load - KERNEL_VBASE) >> PAGE_SHIFT, 0), 1);
    fx->fpr = vt_freephys_region(1);
    CHECK(fx->fpr);
    fx->fpr_np = fx->fpr + 0x80;
    fx->spte = syspte_alloc(1);
    CHECK(fx->spte);
    return PASS;
}

static void teardown(struct fixture *fx)
{
    if (fx->spte) syspte_free(fx->spte, 1);
    if (fx->fpr) vt_freephys_region_drop(fx->fpr);
    if (fx->kimg && fx->kimg != F) { _PageDecommit(PG(fx->kimg), 1, 0); _PageFree((PVOID)fx->kimg, 0); }
    if (fx->ro) _PageFree((PVOID)fx->ro, 0);
    if (fx->res && fx->res != F) _PageFree((PVOID)fx->res, 0);
    if (cx.dh) DevHelp_VMFree(cx.dh);
    if (cx.blk) _PageFree((PVOID)cx.blk, 0);
    cx = (struct ctx){ 0, 0 };
}

/* One refusal: the documented answer, and nothing changed - counts, page tables, target bytes. */
static const char *refused(const struct call *c, const struct target *t)
{
    uint32_t before = tsum(t->va, c->bytes);
    struct hsnap s;
    hsnap_take(&s);
    uint32_t got = c->fn(t->va);
    const char *d = hsnap_diff(&s);
    CHECK_MSG(got == c->refused, "%s into %s (%08x): got %u, want %u", c->name, t->what, t->va, got, c->refused);
    CHECK_MSG(!d, "%s into %s: %s", c->name, t->what, d);
    CHECK_MSG(tsum(t->va, c->bytes) == before, "%s into %s: the target's bytes changed", c->name, t->what);
    char why[160];
    CHECK_MSG(mm_check(why, sizeof why), "%s into %s: mm_check: %s", c->name, t->what, why);
    test_hostile_cases++;
    return PASS;
}

/* One acceptance: not the refusal.  Read-only services find a usable value there first. */
static const char *accepted(const struct call *c, vaddr_t va, const char *what)
{
    if (!c->write) {                              /* the list { 0xB8000, 4 } or PhysAddr 0xB8000 */
        CHECK(uprobe_write(va, 0xB8000));
        if (c->bytes == 8) CHECK(uprobe_write(va + 4, 4));
    }
    if (c->fn == c_VMUnLock) {                    /* a live handle there first */
        ULONG n;
        CHECK_EQ(DevHelp_VMLock(0, cx.dh, 4, DEVHLP_NO_LIST, va, &n), NO_ERROR);
    }
    uint32_t got = c->fn(va);
    bool ok = c->refused == 0 ? got != 0 : got == NO_ERROR;
    CHECK_MSG(ok, "%s into %s (%08x): refused (%u)", c->name, what, va, got);
    return PASS;
}

/* Every refused target, then the accepted kinds of memory, for one personality's calls. */
static const char *run(const struct call *calls, uint32_t ncalls)
{
    struct fixture fx;
    const char *r = setup(&fx);
    struct target t[24];
    uint32_t nt = r ? 0 : refused_targets(&fx, t);
    for (uint32_t i = 0; !r && i < ncalls; i++)
        for (uint32_t k = 0; !r && k < nt; k++)
            if (calls[i].write || !t[k].write_only) r = refused(&calls[i], &t[k]);
    /* Accepted: a stack buffer of this caller, VxD and DevHelp memory, process memory (a user
     * page: SMAP), a system-PTE mapping, a demand-zero page (made present). */
    uint8_t stackbuf[64] __attribute__((aligned(8)));
    ULONG dz = _PageAllocate(ncalls, PG_SYS, 0, 0, 0, 0, NULL, 0);
    LIN proc = 0, plm = 0;
    PAGELIST pl = { 0, 4 };
    ULONG cnt;
    if (!r && (!dz || DevHelp_VMAlloc(VMDHA_PROCESS | VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &proc, NULL) ||
               DevHelp_LinToPageList(cx.dh, 4, (LIN)&pl, &cnt) || DevHelp_PageListToLin(4, (LIN)&pl, &plm)))
        r = "could not make the accepted kinds of memory";
    for (uint32_t i = 0; !r && i < ncalls; i++) {
        r = accepted(&calls[i], (vaddr_t)stackbuf, "the caller's stack");
        if (!r) r = accepted(&calls[i], cx.blk + 0x100, "a VxD block");
        if (!r) r = accepted(&calls[i], cx.dh + 0x100, "a DevHelp VMAlloc buffer");
        if (!r) r = accepted(&calls[i], proc + 0x100, "process memory (user page)");
        if (!r) r = accepted(&calls[i], plm + 0x200, "a PageListToLin mapping (system PTEs)");
        if (!r && calls[i].write) {
            r = (pte_read_raw(dz + i * PAGE_SIZE) & PTE_P) ? "the demand-zero page is present already"
                : accepted(&calls[i], dz + i * PAGE_SIZE + 0x10, "a demand-zero page");
        }
    }
    if (plm) DevHelp_VMFree(plm);
    if (proc) DevHelp_VMFree(proc);
    if (dz) _PageFree((PVOID)dz, 0);
    teardown(&fx);
    return r;
}

TEST(vxd_caller_buffers, "mm/caller-buffers-one-rule-vxd")
{
    return run(vxd_calls, ARRAY_SIZE(vxd_calls));
}

TEST(devhlp_caller_buffers, "mm/caller-buffers-one-rule-devhlp")
{
    return run(dh_calls, ARRAY_SIZE(dh_calls));
}

/* ---- the stack: the caller's frames, never the service's or an entry's ------------------- */

uint32_t vxd_query_below_sp(uint32_t lin, uint32_t below, uint32_t out[4]);       /* tests/vxd/seed.asm */
uint32_t dh_list_below_sp(uint32_t lin, uint32_t size, uint32_t below, uint32_t out[4]);   /* tests/devhlp/seed.asm */

/* A buffer under the caller's own stack pointer is where the service's frames (or an entry's
 * saved registers) are: refused, directly and through each register entry, nothing written. */
TEST(vxd_caller_stack_floor, "mm/caller-buffer-not-below-the-callers-stack-vxd")
{
    ULONG blk = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(blk);
    vaddr_t below = ((vaddr_t)__builtin_frame_address(0) - 0x200) & ~7u;
    struct hsnap s;
    hsnap_take(&s);
    CHECK_EQ(_PageQuery(blk, (PMEMORY_BASIC_INFORMATION)below, 28), 0);
    CHECK_EQ(_CopyPageTable(PG(blk), 4, (ULONG *)below, 0), 0);
    uint32_t out[4];
    for (uint32_t b = 16; b <= 96; b += 16) {      /* the iret frame and the saved registers */
        CHECK_EQ(vxd_query_below_sp(blk, b, out), 0);
        CHECK_EQ(out[0], 0);
        CHECK_MSG(out[1] == 0x0B0B0B0Bu && out[2] == 0x51515151u && out[3] == 0xD1D1D1D1u,
                  "below %u: EBX %08x ESI %08x EDI %08x", b, out[1], out[2], out[3]);
    }
    const char *d = hsnap_diff(&s);
    CHECK_MSG(!d, "%s", d);
    MEMORY_BASIC_INFORMATION m;                   /* above it: the caller's own */
    CHECK_EQ(_PageQuery(blk, &m, sizeof m), 28);
    CHECK_EQ(m.mbi_BaseAddress, blk);
    CHECK_EQ(_PageFree((PVOID)blk, 0), 1);
    return PASS;
}

TEST(devhlp_caller_stack_floor, "mm/caller-buffer-not-below-the-callers-stack-devhlp")
{
    LIN buf;
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &buf, NULL), NO_ERROR);
    vaddr_t below = ((vaddr_t)__builtin_frame_address(0) - 0x200) & ~7u;
    struct hsnap s;
    hsnap_take(&s);
    ULONG n = 7;
    CHECK_EQ(DevHelp_LinToPageList(buf, 4, below, &n), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_VMLock(0, buf, 4, DEVHLP_NO_LIST, below, &n), ERROR_INVALID_PARAMETER);
    CHECK_EQ(n, 7);
    uint32_t out[4];
    for (uint32_t b = 8; b <= 64; b += 8) {        /* the saved EFLAGS and pushad registers */
        CHECK_EQ(dh_list_below_sp(buf, 4, b, out), 1);
        CHECK_EQ(out[0], ERROR_INVALID_PARAMETER);
        CHECK_MSG(out[1] == out[3] && out[2] == 0x51515151u, "below %u: EDI %08x (was %08x) ESI %08x", b, out[1], out[3], out[2]);
    }
    const char *d = hsnap_diff(&s);
    CHECK_MSG(!d, "%s", d);
    PAGELIST pl;                                  /* above it: the caller's own */
    CHECK_EQ(DevHelp_LinToPageList(buf, 4, (LIN)&pl, &n), NO_ERROR);
    CHECK_EQ(n, 1);
    CHECK_EQ(DevHelp_VMFree(buf), NO_ERROR);
    return PASS;
}

/* A buffer of committed, not yet present pages needs a frame for each when it is probed, and
 * the commit charge has kept one for each: with no frame left that no charge holds, a buffer
 * across two demand-zero pages is still accepted - its pages take the frames their commit
 * reserved (pageable pages: the charge stays, their frames leave the free list) - and nothing else can have them. */
TEST(vxd_caller_demand_zero_no_frames, "mm/caller-buffer-demand-zero-uses-its-charge-vxd")
{
    ULONG dz = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, 0);
    LIN ddz, fixed;
    CHECK(dz);
    CHECK_EQ(DevHelp_VMAlloc(0, 2 * PAGE_SIZE, VMDHA_NOPHYSADDR, &ddz, NULL), NO_ERROR);
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &fixed, NULL), NO_ERROR);
    ballast_take(0);
    uint32_t avail = mm_available_frames(), charge = mm_commit_charge();
    LIN other = 0;
    USHORT more = DevHelp_VMAlloc(VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &other, NULL);
    uint32_t r1 = _PageQuery(dz, (PMEMORY_BASIC_INFORMATION)(dz + PAGE_SIZE - 8), 28);
    ULONG n;
    USHORT r2 = DevHelp_LinToPageList(fixed, 4, ddz + PAGE_SIZE - 4, &n);
    uint32_t charge_after = mm_commit_charge(), avail_after = mm_available_frames();
    bool present[4];
    for (uint32_t i = 0; i < 2; i++) {
        struct mm_page_info pi;
        mm_page_info(dz + i * PAGE_SIZE, &pi);
        present[i] = pi.present;
        mm_page_info(ddz + i * PAGE_SIZE, &pi);
        present[2 + i] = pi.present;
    }
    ballast_release();
    CHECK_EQ(avail, 0);
    CHECK(charge >= 4);
    CHECK_EQ(more, ERROR_NOT_ENOUGH_MEMORY);                 /* nothing else gets those frames */
    CHECK_EQ(r1, 28);
    CHECK_EQ(r2, NO_ERROR);
    CHECK_EQ(charge_after, charge);                         /* each page took its own frame; pageable: still charged */
    CHECK_EQ(avail_after, 0);
    for (uint32_t i = 0; i < 4; i++) CHECK(present[i]);
    CHECK_EQ(DevHelp_VMFree(ddz), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(fixed), NO_ERROR);
    CHECK_EQ(_PageFree((PVOID)dz, 0), 1);
    return PASS;
}
