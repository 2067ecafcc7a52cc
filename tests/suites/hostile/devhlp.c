/*
 * tests/suites/hostile/devhlp.c - hostile/DevHelp_<service> for every OS/2 DevHelp memory service (README,
 * API status): the shared hostile ranges and pointers, each service's flag rules and reserved
 * bits, forged, bit-flipped, released and stale lock handles, the lock table's limit, double
 * VMFree and VMFree of locked memory.  Documented errors (the OS/2 PDD reference, devhlp.h):
 * 87 ERROR_INVALID_PARAMETER, 8 ERROR_NOT_ENOUGH_MEMORY, 5 ERROR_ACCESS_DENIED, 6
 * ERROR_INVALID_HANDLE, 158 ERROR_NOT_LOCKED, 487 ERROR_INVALID_ADDRESS, 32792 ERROR_NOBLOCK.
 * On failure no output (linear address, selector, count, lock handle) may be written.
 */
#include "tests/suites/hostile/hostile.h"
#include "mm/core/pte.h"
#include "tests/devhlp/devhlp_test.h"
#include "mm/vxd/vxd.h"

#define P87 ERROR_INVALID_PARAMETER
#define NOPHYS VMDHA_NOPHYSADDR
#define VMDHL_VALID (VMDHL_NOBLOCK | VMDHL_CONTIGUOUS | VMDHL_16M | VMDHL_WRITE | VMDHL_LONG | VMDHL_VERIFY | VMDHL_TRY_CONTIG)
#define VMDHA_VALID 0x1FFFu                   /* VMDHA_16M .. VMDHA_ALIGN64K (B.1) */
#define VMDHGP_VALID (VMDHGP_WRITE | VMDHGP_SELMAP | VMDHGP_SGSCONTROL | VMDHGP_4MEG)
#define OUT_CANARY 0xC0FFEE11u

/* ---- thunks: outputs start as a canary, and a failure must leave them so ------------------------ */

static LIN last_out;                           /* the address the last successful call returned */
static KernVMLock_t *hcanary;                  /* a lock handle whose bytes prove nothing was written (in dfix) */

static uint32_t out_rule(USHORT err, uint32_t out, uint32_t out2)
{
    if (err) return (out != OUT_CANARY || out2 != OUT_CANARY) ? H_BROKEN : err;
    last_out = out;
    return err;
}

static uint32_t t_VMLock(const uint32_t *a)
{
    ULONG count = OUT_CANARY;
    bool canary = a[4] == (uint32_t)hcanary;
    if (canary) memset(hcanary, 0xA5, sizeof *hcanary);
    USHORT err = DevHelp_VMLock(a[0], a[1], a[2], a[3], a[4], &count);
    for (unsigned i = 0; err && canary && i < sizeof *hcanary; i++)
        if ((uint8_t)hcanary->Lockhandle[i] != 0xA5) return H_BROKEN;
    return out_rule(err, err ? count : OUT_CANARY, OUT_CANARY);
}
static uint32_t t_VMUnLock(const uint32_t *a) { return DevHelp_VMUnLock(a[0]); }
static uint32_t t_VMAlloc(const uint32_t *a)
{
    LIN lin = OUT_CANARY;
    ULONG sel = OUT_CANARY;
    USHORT err = DevHelp_VMAlloc(a[0], a[1], a[2], &lin, &sel);
    return out_rule(err, lin, err ? sel : OUT_CANARY);
}
static uint32_t t_VMFree(const uint32_t *a) { return DevHelp_VMFree(a[0]); }
#define T_OUT(name, call)                                                                    \
    static uint32_t t_##name(const uint32_t *a) { LIN out = OUT_CANARY; USHORT err = call; return out_rule(err, out, OUT_CANARY); }
T_OUT(VMProcessToGlobal, DevHelp_VMProcessToGlobal(a[0], a[1], a[2], &out))
T_OUT(VMGlobalToProcess, DevHelp_VMGlobalToProcess(a[0], a[1], a[2], &out))
T_OUT(VirtToLin, DevHelp_VirtToLin((SEL)a[0], a[1], &out))
T_OUT(LinToPageList, DevHelp_LinToPageList(a[0], a[1], a[2], &out))
T_OUT(PageListToLin, DevHelp_PageListToLin(a[0], a[1], &out))

/* LinToGDTSelector has no C wrapper (not implemented): the register interface, DL = 0x5C. */
static uint32_t t_LinToGDTSelector(const uint32_t *a)
{
    struct devhlp_regs g = { .eax = a[0], .ebx = a[1], .ecx = a[2], .edx = DevHlp_LinToGDTSelector, .esi = 0x51, .edi = 0xD1 };
    uint32_t err = devhlp_dispatch(&g);
    return (g.eax != err || g.ebx != a[1] || g.ecx != a[2] || g.esi != 0x51 || g.edi != 0xD1) ? H_BROKEN : err;
}

/* USEHIGHMEM and VMDHIA_USER are legal only while a driver handles INIT. */
static const uint32_t *init_args;
static uint32_t init_result;
static void init_alloc(void *p) { (void)p; init_result = t_VMAlloc(init_args); }
static uint32_t t_VMAlloc_init(const uint32_t *a) { init_args = a; devhlp_run_init(init_alloc, NULL); return init_result; }

static bool undo_vmfree(uint32_t err, const uint32_t *a) { (void)err; (void)a; return DevHelp_VMFree(last_out) == NO_ERROR; }
static bool undo_unlock(uint32_t err, const uint32_t *a) { (void)err; return DevHelp_VMUnLock(a[4]) == NO_ERROR; }

/* ---- the DevHelp fixture ---------------------------------------------------------------------- */

struct dfix {
    LIN buf;             /* VMAlloc(FIXED) 4 system pages; nothing reserved after them */
    LIN dz;              /* VMAlloc(0) 2 pages: committed, demand-zero */
    LIN rsv;             /* VMAlloc(RESERVE) 1 system page: reserved only */
    LIN prsv;            /* VMAlloc(PROCESS | RESERVE) 1 page */
    LIN pbuf;            /* VMAlloc(PROCESS | FIXED) 2 pages; nothing reserved after them */
    LIN ro;              /* VMProcessToGlobal(read-only) of pbuf's first page */
    LIN g2p;             /* VMGlobalToProcess(WRITE) of buf's first page */
    LIN plmap;           /* PageListToLin of buf's second page (system PTEs) */
    LIN stale;           /* VMAlloc'ed and VMFree'd: a reused address */
    KernVMLock_t lk;     /* a live lock on buf's first page */
    KernVMLock_t rel;    /* VMLock'ed and VMUnLock'ed */
    KernVMLock_t oldcopy;/* a copy of a lock taken before it was released; its slot now holds relock */
    KernVMLock_t relock; /* a live lock on buf's third page, probably in oldcopy's slot */
    PAGELIST pl[20];
    KernVMLock_t canary; /* hcanary: caller memory (this fixture is on the test's stack) */
};

/* pages pages with one unreserved page after them.  Space is handed out first fit, and what
 * earlier tests keep for good (free physical regions) can leave holes of any size: a block
 * that fills a hole exactly is kept aside while the next one is tried, then given back. */
static LIN alloc_fenced(ULONG flags, ULONG pages)
{
    LIN plug[8], lin = 0;
    unsigned n = 0;
    while (!lin && n < ARRAY_SIZE(plug)) {
        LIN l = alloc_pages(flags, pages);
        if (!l) break;
        if (mm_region_find(l + pages * PAGE_SIZE)) plug[n++] = l;
        else lin = l;
    }
    while (n) DevHelp_VMFree(plug[--n]);
    return lin;
}

static USHORT lock(KernVMLock_t *h, LIN lin)
{
    ULONG n;
    return DevHelp_VMLock(0, lin, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)h, &n);
}

static const char *dfix_setup(const struct hfix *fx, void *p)
{
    struct dfix *d = p;
    (void)fx;
    memset(d, 0, sizeof *d);
    hcanary = &d->canary;
    d->dz = alloc_pages(0, 2);
    d->rsv = alloc_pages(VMDHA_RESERVE, 1);
    d->prsv = alloc_pages(VMDHA_PROCESS | VMDHA_RESERVE, 1);
    d->stale = alloc_pages(VMDHA_FIXED, 1);
    LIN pro = alloc_fenced(VMDHA_PROCESS | VMDHA_FIXED, 2);
    CHECK(d->dz && d->rsv && d->prsv && d->stale && pro);
    d->pbuf = pro;
    CHECK_EQ(DevHelp_VMProcessToGlobal(VMDHPG_READONLY, d->pbuf, PAGE_SIZE, &d->ro), NO_ERROR);
    d->buf = alloc_fenced(VMDHA_FIXED, 4);
    CHECK(d->buf);
    CHECK_EQ(DevHelp_VMGlobalToProcess(VMDHGP_WRITE, d->buf, PAGE_SIZE, &d->g2p), NO_ERROR);
    ULONG n;
    CHECK_EQ(DevHelp_LinToPageList(d->buf + PAGE_SIZE, PAGE_SIZE, (LIN)d->pl, &n), NO_ERROR);
    CHECK_EQ(DevHelp_PageListToLin(PAGE_SIZE, (LIN)d->pl, &d->plmap), NO_ERROR);
    CHECK_EQ(lock(&d->lk, d->buf), NO_ERROR);
    CHECK_EQ(lock(&d->rel, d->buf), NO_ERROR);
    d->oldcopy = d->rel;
    CHECK_EQ(DevHelp_VMUnLock((LIN)&d->rel), NO_ERROR);
    CHECK_EQ(lock(&d->relock, d->buf + 2 * PAGE_SIZE), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(d->stale), NO_ERROR);
    return PASS;
}

static void dfix_teardown(const struct hfix *fx, void *p)
{
    struct dfix *d = p;
    (void)fx;
    DevHelp_VMUnLock((LIN)&d->lk);
    DevHelp_VMUnLock((LIN)&d->relock);
    const LIN objs[] = { d->plmap, d->g2p, d->ro, d->buf, d->pbuf, d->dz, d->rsv, d->prsv };
    for (unsigned i = 0; i < ARRAY_SIZE(objs); i++)
        if (objs[i]) DevHelp_VMFree(objs[i]);
}

static const struct hpers devhlp_pers = { dfix_setup, dfix_teardown };
#define DH(id, svc) HOSTILE(id, "DevHelp_" svc, &devhlp_pers, struct dfix)

/* ---- locking ---------------------------------------------------------------------------------- */

/* The lock table holds 256 locks: fill it (on one page, so no frame changes state), then one
 * more must be ERROR_NOT_ENOUGH_MEMORY, and nothing may leak. */
static const char *lock_table_full(struct hrun *r, LIN lin)
{
    LIN hbuf = alloc_pages(VMDHA_FIXED, 1);            /* 256 handles: the driver's own memory */
    CHECK(hbuf);
    KernVMLock_t *many = (KernVMLock_t *)hbuf;
    uint32_t n = 0;
    while (n < 256 && lock(&many[n], lin) == NO_ERROR) n++;
    hrun_rebase(r);
    const char *e = hrun_check(r, "one lock more than the table holds", t_VMLock((const uint32_t[]){ 0, lin, PAGE_SIZE,
                               DEVHLP_NO_LIST, (LIN)hcanary }), ERROR_NOT_ENOUGH_MEMORY);
    while (n) CHECK_EQ(DevHelp_VMUnLock((LIN)&many[--n]), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(hbuf), NO_ERROR);
    hrun_rebase(r);
    return e;
}

DH(h_VMLock, "VMLock")
{
    LIN hc = (LIN)hcanary, nl = DEVHLP_NO_LIST;
    struct hlist l;
    hostile_ranges(fx, pf->buf, 4, &l);
    HLIST(r, &l, { t_VMLock, { 0, 0, 0, nl, hc }, 1, 2, false, P87, 0, 0, 0 });
    HLIST(r, &l, { t_VMLock, { VMDHL_WRITE | VMDHL_LONG, 0, 0, (LIN)pf->pl, hc }, 1, 2, false, P87, 0, 0, 0 });
    const struct hcase rows[] = {
        { "reserved, not committed", NULL, P87, { 0, pf->rsv, PAGE_SIZE, nl, hc } },
        { "reserved in the process, not committed", NULL, P87, { 0, pf->prsv, 16, nl, hc } },
        { "across two objects", NULL, P87, { 0, pf->dz + PAGE_SIZE, 2 * PAGE_SIZE, nl, hc } },
        { "the kernel image: no object", NULL, P87, { 0, KERNEL_VBASE + KERNEL_PHYS_LOAD, 16, nl, hc } },
        { "the PFN database", NULL, P87, { 0, PFNDB_BASE, 16, nl, hc } },
        { "the kernel pool", NULL, P87, { 0, KPOOL_BASE, 16, nl, hc } },
        { "a PageListToLin mapping: no object", NULL, P87, { 0, pf->plmap, 16, nl, hc } },
        { "a freed allocation", NULL, P87, { 0, pf->stale, 16, nl, hc } },
        { "VERIFY | CONTIGUOUS (B.5 test 6)", NULL, P87, { VMDHL_VERIFY | VMDHL_CONTIGUOUS, pf->buf, 16, nl, hc } },
        { "VERIFY | NOBLOCK", NULL, P87, { VMDHL_VERIFY | VMDHL_NOBLOCK, pf->buf, 16, nl, hc } },
        { "VERIFY | 16M", NULL, P87, { VMDHL_VERIFY | VMDHL_16M, pf->buf, 16, nl, hc } },
        { "VERIFY | TRY_CONTIG", NULL, P87, { VMDHL_VERIFY | VMDHL_TRY_CONTIG, pf->buf, 16, nl, hc } },
        { "VERIFY | WRITE of a read-only alias", NULL, ERROR_ACCESS_DENIED, { VMDHL_VERIFY | VMDHL_WRITE, pf->ro, 16, nl, hc } },
        { "NOBLOCK on demand-zero pages", NULL, ERROR_NOBLOCK, { VMDHL_NOBLOCK, pf->dz, 16, nl, hc } },
        { "a list too short for the pages (the list's last page is unmapped)", NULL, P87,
          { 0, pf->buf, 4 * PAGE_SIZE, fx->blk_va + 4 * PAGE_SIZE - 4, hc } },
    };
    HTABLE(r, t_VMLock, rows);
    hostile_pointers(fx, sizeof(KernVMLock_t), &l);
    HLIST(r, &l, { t_VMLock, { 0, pf->buf, PAGE_SIZE, nl, 0 }, 4, -1, false, P87, 0, 0, 0 });
    hostile_pointers(fx, sizeof(PAGELIST), &l);
    HLIST(r, &l, { t_VMLock, { 0, pf->buf, PAGE_SIZE, 0, hc }, 3, -1, false, P87, HK_WRAP, 0, 0 });   /* -1: no list */
    TRY(lock_table_full(r, pf->buf));
    KernVMLock_t h;
    HSWEEP(r, { t_VMLock, { 0, pf->buf, PAGE_SIZE, nl, (LIN)&h }, 0, VMDHL_VALID, P87, undo_unlock });
    return PASS;
}

/* Every single-bit change of a live handle is a forged handle (6), and the lock survives. */
static const char *flipped_handles(struct hrun *r, const KernVMLock_t *live)
{
    char what[40];
    for (uint32_t bit = 0; bit < 8 * sizeof *live; bit++) {
        KernVMLock_t h = *live;
        h.Lockhandle[bit / 8] ^= (char)(1u << (bit % 8));
        ksnprintf(what, sizeof what, "the live handle, bit %u flipped", bit);
        TRY(hrun_check(r, what, DevHelp_VMUnLock((LIN)&h), ERROR_INVALID_HANDLE));
    }
    return PASS;
}

DH(h_VMUnLock, "VMUnLock")
{
    KernVMLock_t zeros, ones, copy, fake;
    memset(&zeros, 0, sizeof zeros);
    memset(&ones, 0xFF, sizeof ones);
    copy = pf->rel;
    fake = pf->lk;
    memset(fake.Lockhandle + 4, 0, 8);                  /* the "locked" state word, no id, no seal */
    const struct hcase rows[] = {
        { "all zeros", NULL, ERROR_INVALID_HANDLE, { (LIN)&zeros } },
        { "all ones", NULL, ERROR_INVALID_HANDLE, { (LIN)&ones } },
        { "the locked state with no seal", NULL, ERROR_INVALID_HANDLE, { (LIN)&fake } },
        { "a released handle (unlock of unlocked)", NULL, ERROR_NOT_LOCKED, { (LIN)&pf->rel } },
        { "a copy of the released handle", NULL, ERROR_NOT_LOCKED, { (LIN)&copy } },
        { "a copy taken while locked; the slot is reused now", NULL, ERROR_NOT_LOCKED, { (LIN)&pf->oldcopy } },
    };
    HTABLE(r, t_VMUnLock, rows);
    HCASE(r, "the slot's new lock is still held", mm_frame_locks(frame_of(pf->buf + 2 * PAGE_SIZE)), 2);
    struct hlist l;
    hostile_pointers(fx, sizeof(KernVMLock_t), &l);
    HLIST(r, &l, { t_VMUnLock, { 0 }, 0, -1, false, P87, 0, 0, 0 });
    TRY(flipped_handles(r, &pf->lk));
    HCASE(r, "the live lock is still held", mm_frame_locks(frame_of(pf->buf)), 2);
    return PASS;
}

/* ---- allocation and mapping ------------------------------------------------------------------- */

DH(h_VMAlloc, "VMAlloc")
{
    uint32_t pa[8] = { 0 };
    const pfn_t frames[] = { fx->free_frame, fx->cr3_frame, fx->kernel_frame, fx->pt_frame, fx->pfndb_frame, fx->pool_frame };
    for (unsigned i = 0; i < ARRAY_SIZE(frames); i++) pa[i] = frames[i] << PAGE_SHIFT;
    pa[6] = 0xFFFFF000u;
    const ULONG S = PAGE_SIZE, PH = VMDHA_PHYS, FX = VMDHA_FIXED, PR = VMDHA_PROCESS;
    const struct hcase rows[] = {
        { "size 0", NULL, P87, { FX, 0, NOPHYS } },
        { "size 0xFFFFFFFF", NULL, ERROR_NOT_ENOUGH_MEMORY, { FX, 0xFFFFFFFFu, NOPHYS } },
        { "more than the system arena", NULL, ERROR_NOT_ENOUGH_MEMORY, { 0, 0x40000000u, NOPHYS } },
        { "more than the private arena", NULL, ERROR_NOT_ENOUGH_MEMORY, { PR, 0x80000000u, NOPHYS } },
        { "SELMAP beyond the tiled 512 MiB", NULL, ERROR_NOT_ENOUGH_MEMORY, { PR | VMDHA_SELMAP, 0x20000000u, NOPHYS } },
        { "SWAP | FIXED", NULL, P87, { VMDHA_SWAP | FX, S, NOPHYS } },
        { "CONTIG without FIXED", NULL, P87, { VMDHA_CONTIG, S, NOPHYS } },
        { "SGSCONT without PROCESS", NULL, P87, { VMDHA_SGSCONT, S, NOPHYS } },
        { "SELMAP without PROCESS", NULL, P87, { VMDHA_SELMAP, S, NOPHYS } },
        { "SHARED without PHYS", NULL, P87, { VMDHA_SHARED, S, NOPHYS } },
        { "SHARED | PHYS | PROCESS", NULL, P87, { VMDHA_SHARED | PH | PR, S, (LIN)&pa[7] } },
        { "USEHIGHMEM after init", NULL, P87, { VMDHA_USEHIGHMEM | FX, S, NOPHYS } },
        { "VMDHIA_USER after init", NULL, P87, { VMDHIA_USER, S, NOPHYS } },
        { "USEHIGHMEM | 16M, at init", t_VMAlloc_init, P87, { VMDHA_USEHIGHMEM | VMDHA_16M | FX, S, NOPHYS } },
        { "RESERVE | FIXED", NULL, P87, { VMDHA_RESERVE | FX, S, NOPHYS } },
        { "RESERVE | 16M", NULL, P87, { VMDHA_RESERVE | VMDHA_16M, S, NOPHYS } },
        { "PHYS | 16M", NULL, P87, { PH | VMDHA_16M, S, (LIN)&pa[7] } },
        { "PHYS | SWAP", NULL, P87, { PH | VMDHA_SWAP, S, (LIN)&pa[7] } },
        { "PHYS | CONTIG | FIXED", NULL, P87, { PH | VMDHA_CONTIG | FX, S, (LIN)&pa[7] } },
        { "PHYS | RESERVE", NULL, P87, { PH | VMDHA_RESERVE, S, (LIN)&pa[7] } },
        { "PHYS with PhysAddr -1 (B.5 test 5)", NULL, P87, { PH, S, NOPHYS } },
        { "PHYS of free RAM", NULL, P87, { PH, S, (LIN)&pa[0] } },
        { "PHYS of a page directory", NULL, P87, { PH, S, (LIN)&pa[1] } },
        { "PHYS of the kernel image", NULL, P87, { PH, S, (LIN)&pa[2] } },
        { "PHYS of a page table", NULL, P87, { PH, S, (LIN)&pa[3] } },
        { "PHYS of the PFN database", NULL, P87, { PH, S, (LIN)&pa[4] } },
        { "PHYS running past 4 GiB", NULL, P87, { PH, 2 * S, (LIN)&pa[6] } },
    };
    HTABLE(r, t_VMAlloc, rows);
    struct hlist l;
    hostile_pointers(fx, sizeof(ULONG), &l);
    HLIST(r, &l, { t_VMAlloc, { PH, S, 0 }, 2, -1, false, P87, HK_RO, 0, 0 });
    HSWEEP(r, { t_VMAlloc, { 0, S, NOPHYS }, 0, VMDHA_VALID, P87, undo_vmfree });
    return PASS;
}

DH(h_VMFree, "VMFree")
{
    const struct hentry forged[] = {
        { "0", 0, 0, 0 }, { "1", 1, 0, 0 }, { "an allocation + 4", pf->buf + 4, 0, 0 },
        { "an allocation's second page", pf->buf + PAGE_SIZE, 0, 0 }, { "the kernel image", KERNEL_VBASE + KERNEL_PHYS_LOAD, 0, 0 },
        { "the self-map", PTE_BASE, 0, 0 }, { "hyperspace", HYPER_START, 0, 0 }, { "the PFN database", PFNDB_BASE, 0, 0 },
        { "the kernel pool", KPOOL_BASE, 0, 0 }, { "BAD_POINTER", BAD_POINTER, 0, 0 }, { "the invalid region", INVALID_START, 0, 0 },
        { "-1", 0xFFFFFFFFu, 0, 0 }, { "another process's memory", fx->other_va, 0, 0 },
        { "a freed allocation (double free)", pf->stale, 0, 0 }, { "a PageListToLin mapping + 4", pf->plmap + 4, 0, 0 },
        { "a G2P alias + 1", pf->g2p + 1, 0, 0 }, { "a system-PTE guard page", fx->spte + PAGE_SIZE, 0, 0 },
        { "a core region of another owner", fx->blk_va, 0, 0 }, { "the VxD null page", _GetNulPageHandle(), 0, 0 },
    };
    struct hlist l = { 0, { { 0, 0, 0, 0 } } };
    for (unsigned i = 0; i < ARRAY_SIZE(forged); i++) l.e[l.n++] = forged[i];
    HLIST(r, &l, { t_VMFree, { 0 }, 0, -1, false, P87, 0, 0, 0 });
    return PASS;
}

DH(h_VMProcessToGlobal, "VMProcessToGlobal")
{
    struct hlist l;
    hostile_ranges(fx, pf->pbuf, 2, &l);
    HLIST(r, &l, { t_VMProcessToGlobal, { VMDHPG_WRITE, 0, 0 }, 1, 2, false, P87, 0, 0, 0 });
    const struct hcase rows[] = {
        { "unaligned (B.5 test 1)", NULL, P87, { 0, pf->pbuf + 0x10, 16 } },
        { "a system-arena address", NULL, P87, { 0, pf->buf, PAGE_SIZE } },
        { "reserved, not committed", NULL, P87, { 0, pf->prsv, PAGE_SIZE } },
        { "the kernel image: no object", NULL, P87, { 0, KERNEL_VBASE + KERNEL_PHYS_LOAD, PAGE_SIZE } },
        { "length 0xFFFFFFFF", NULL, P87, { 0, pf->pbuf, 0xFFFFFFFFu } },
    };
    HTABLE(r, t_VMProcessToGlobal, rows);
    HSWEEP(r, { t_VMProcessToGlobal, { 0, pf->pbuf, PAGE_SIZE }, 0, VMDHPG_WRITE, P87, undo_vmfree });
    return PASS;
}

DH(h_VMGlobalToProcess, "VMGlobalToProcess")
{
    struct hlist l;
    hostile_ranges(fx, pf->buf, 4, &l);
    HLIST(r, &l, { t_VMGlobalToProcess, { VMDHGP_WRITE, 0, 0 }, 1, 2, false, P87, 0, 0, 0 });
    const struct hcase rows[] = {
        { "a process address is not global", NULL, P87, { 0, pf->pbuf, PAGE_SIZE } },
        { "reserved, not committed", NULL, P87, { 0, pf->rsv, PAGE_SIZE } },
        { "a system-PTE mapping (PageListToLin)", NULL, P87, { 0, pf->plmap, PAGE_SIZE } },
        { "the kernel image: no object", NULL, P87, { 0, KERNEL_VBASE + KERNEL_PHYS_LOAD, PAGE_SIZE } },
        { "the PFN database", NULL, P87, { 0, PFNDB_BASE, PAGE_SIZE } },
        { "a freed allocation", NULL, P87, { 0, pf->stale, PAGE_SIZE } },
        { "VMDHGP_HMA (no high arena)", NULL, P87, { VMDHGP_HMA, pf->buf, PAGE_SIZE } },
    };
    HTABLE(r, t_VMGlobalToProcess, rows);
    HSWEEP(r, { t_VMGlobalToProcess, { 0, pf->buf, PAGE_SIZE }, 0, VMDHGP_VALID, P87, undo_vmfree });
    return PASS;
}

/* ---- selectors and page lists ------------------------------------------------------------------ */

DH(h_VirtToLin, "VirtToLin")
{
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } gdtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    uint32_t past = ((gdtr.limit + 1u) / 8u) << 3;
    const struct hcase rows[] = {
        { "the null selector", NULL, ERROR_INVALID_SELECTOR, { 0, 0 } },
        { "the null selector, RPL 3", NULL, ERROR_INVALID_SELECTOR, { 3, 0 } },
        { "the first selector past the GDT", NULL, ERROR_INVALID_SELECTOR, { past, 0 } },
        { "selector 0xFFF8", NULL, ERROR_INVALID_SELECTOR, { 0xFFF8, 0 } },
        { "the TSS (a system descriptor)", NULL, ERROR_INVALID_SELECTOR, { 0x28, 0 } },
        { "the double-fault TSS", NULL, ERROR_INVALID_SELECTOR, { 0x30, 0 } },
        { "a tiled LDT selector, offset 0x10000", NULL, P87, { 0x000F, 0x10000 } },
        { "LDT 0xFFFF, offset -1", NULL, P87, { 0xFFFF, 0xFFFFFFFFu } },
    };
    HTABLE(r, t_VirtToLin, rows);
    return PASS;
}

DH(h_LinToGDTSelector, "LinToGDTSelector")
{
    const struct hcase rows[] = {       /* not implemented (README): always 87, registers kept */
        { "a plausible call", NULL, P87, { 0x28, pf->buf, PAGE_SIZE } },
        { "an unaligned address", NULL, P87, { 0x28, pf->buf + 1, PAGE_SIZE } },
        { "size 65537", NULL, P87, { 0x28, pf->buf, 0x10001 } },
        { "selector 0", NULL, P87, { 0, pf->buf, PAGE_SIZE } },
        { "the null page", NULL, P87, { 0x28, 0, PAGE_SIZE } },
        { "everything -1", NULL, P87, { 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu } },
    };
    HTABLE(r, t_LinToGDTSelector, rows);
    return PASS;
}

DH(h_LinToPageList, "LinToPageList")
{
    LIN list = (LIN)pf->pl;
    struct hlist l;
    hostile_ranges(fx, pf->buf, 4, &l);
    /* Ranges inside an arena with a page not present: 487; outside every arena: 87. */
    HLIST(r, &l, { t_LinToPageList, { 0, 0, list }, 0, 1, false, P87, 0, HK_OTHER | HK_CROSS, ERROR_INVALID_ADDRESS });
    const struct hcase rows[] = {
        { "size 65537 (B.5 test 8)", NULL, P87, { pf->buf, 0x10001, list } },
        { "demand-zero pages not present yet", NULL, ERROR_INVALID_ADDRESS, { pf->dz, 16, list } },
        { "reserved, not committed", NULL, ERROR_INVALID_ADDRESS, { pf->rsv, 16, list } },
        { "the PFN database", NULL, P87, { PFNDB_BASE, 16, list } },
    };
    HTABLE(r, t_LinToPageList, rows);
    hostile_pointers(fx, sizeof(PAGELIST), &l);
    HLIST(r, &l, { t_LinToPageList, { pf->buf, PAGE_SIZE, 0 }, 2, -1, false, P87, 0, 0, 0 });
    return PASS;
}

DH(h_PageListToLin, "PageListToLin")
{
    PAGELIST bad[12][2];
    const PAGELIST lists[12][2] = {
        { { fx->free_frame << PAGE_SHIFT, PAGE_SIZE }, { 0, 0 } },
        { { fx->cr3_frame << PAGE_SHIFT, PAGE_SIZE }, { 0, 0 } },
        { { KERNEL_PHYS_LOAD, PAGE_SIZE }, { 0, 0 } },
        { { fx->pt_frame << PAGE_SHIFT, PAGE_SIZE }, { 0, 0 } },
        { { fx->pfndb_frame << PAGE_SHIFT, PAGE_SIZE }, { 0, 0 } },
        { { pte_kernel_directory() << PAGE_SHIFT, PAGE_SIZE }, { 0, 0 } },
        { { 0xB8000, 0 }, { 0xB9000, PAGE_SIZE } },                  /* a zero-size entry */
        { { 0xB8000, 0x800 }, { 0xB9800, 0x800 } },                  /* the second starts inside a page */
        { { 0xB8800, 0x100 }, { 0xB9000, 0xF00 } },                  /* the first ends inside a page */
        { { 0xFFFFF000u, 2 * PAGE_SIZE }, { 0, 0 } },                /* wraps past 4 GiB */
        { { 0xB8000, 2 * PAGE_SIZE }, { 0, 0 } },                    /* more than Size */
        { { HF_IO_PA, PAGE_SIZE / 2 }, { 0, 0 } },                   /* ends before Size: no second entry */
    };
    static const char *const what[12] = {
        "free RAM", "a page directory", "the kernel image", "a page table", "the PFN database", "the boot page directory",
        "an entry of size 0", "a later entry starting inside a page", "an earlier entry ending inside a page",
        "a run wrapping past 4 GiB", "an entry longer than Size", "entries that end before Size",
    };
    memcpy(bad, lists, sizeof bad);
    struct hcase rows[12 + 3];
    for (unsigned i = 0; i < 12; i++) rows[i] = (struct hcase){ what[i], NULL, P87, { PAGE_SIZE, (LIN)bad[i] } };
    rows[12] = (struct hcase){ "size 0", NULL, P87, { 0, (LIN)bad[7] } };
    rows[13] = (struct hcase){ "size 65537 (B.5 test 8)", NULL, P87, { 0x10001, (LIN)bad[7] } };
    rows[14] = (struct hcase){ "size -1", NULL, P87, { 0xFFFFFFFFu, (LIN)bad[7] } };
    HTABLE(r, t_PageListToLin, rows);
    struct hlist l;
    hostile_pointers(fx, 2 * sizeof(PAGELIST), &l);
    HLIST(r, &l, { t_PageListToLin, { PAGE_SIZE, 0 }, 1, -1, false, P87, HK_RO, 0, 0 });
    return PASS;
}

/* ---- SelToFlat / FlatToSel (B.3): arithmetic that validates nothing --------------------------------- */

static uint32_t t_SelToFlat(const uint32_t *a) { return SelToFlat((SEL)a[0], (uint16_t)a[1]); }
static uint32_t t_FlatToSel(const uint32_t *a) { return FlatToSel(a[0]); }

/* Hostile values give the documented arithmetic, never a fault or a check. */
HOSTILE(h_SelToFlat, "SelToFlat", NULL, struct dfix)
{
    const struct hcase rows[] = {       /* flat = ((sel << 13) & 0x1FFF0000) | offset */
        { "B.5 test 11", NULL, 0x00011234, { 0x000F, 0x1234 } },
        { "the null selector", NULL, 0x00000000, { 0, 0 } },
        { "a GDT selector (TI = 0) is not checked", NULL, 0x00010000, { 0x0008, 0 } },
        { "selector 0xFFFF, offset 0xFFFF: the top of the tiled region", NULL, 0x1FFFFFFF, { 0xFFFF, 0xFFFF } },
        { "the RPL and TI bits are dropped", NULL, 0x1FF80000, { 0xFFC7, 0 } },
    };
    HTABLE(r, t_SelToFlat, rows);
    return PASS;
}

HOSTILE(h_FlatToSel, "FlatToSel", NULL, struct dfix)
{
    const struct hcase rows[] = {       /* sel = (flat >> 13) | 7, offset = flat & 0xFFFF */
        { "B.5 test 11", NULL, 0x000F1234, { 0x00011234 } },
        { "B.5 test 11: the top of the tiled region", NULL, 0xFFFF0000, { 0x1FFF0000 } },
        { "0", NULL, 0x00070000, { 0 } },
        { "past 512 MiB wraps into the selector's 16 bits", NULL, 0x00070000, { 0x20000000 } },
        { "-1", NULL, 0xFFFFFFFF, { 0xFFFFFFFFu } },
        { "the invalid region", NULL, 0xFE070000, { INVALID_START } },
    };
    HTABLE(r, t_FlatToSel, rows);
    return PASS;
}
