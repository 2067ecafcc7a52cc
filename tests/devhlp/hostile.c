/*
 * tests/devhlp/hostile.c - devhlp/hostile-*: garbage through `call [Device_Help]`.
 *
 * Thousands of calls with every function code around ours and register values drawn from a set
 * of hostile and valid ones (null, -1, wrapping, unaligned, the page tables, the PFN database,
 * read-only kernel data, 0xFFFE0000, and real buffers).  Whatever succeeds is undone at once
 * (VMFree, VMUnLock).  Nothing may crash, every failure must carry CF and a code from our list,
 * and at the end every count of struct mm_counts is what it was (the harness then runs
 * mm_check).  Pointers to valid *writable* kernel memory are not in the
 * set: in a flat ring-0 API they cannot be told from a driver's own buffers.
 */
#include "tests/devhlp/devhlp_test.h"
#include "kernel/trap.h"
#include "mm/devhlp/devhlp.h"

static const uint32_t ro_data[4] = { 0xB8000, 0x1000, 0x1000, 0 };
static uint32_t rng = 0x2545F491u;
static uint32_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }

static bool known_error(uint32_t e)
{
    return e == ERROR_ACCESS_DENIED || e == ERROR_INVALID_HANDLE || e == ERROR_NOT_ENOUGH_MEMORY ||
           e == ERROR_LOCK_VIOLATION || e == ERROR_INVALID_PARAMETER || e == ERROR_NOT_LOCKED ||
           e == ERROR_INVALID_ADDRESS || e == ERROR_INVALID_SELECTOR || e == ERROR_NOBLOCK;
}

struct fuzz_env { LIN buf, pbuf, scratch; };

static uint32_t pick(const struct fuzz_env *e)
{
    const uint32_t v[] = { 0, 0xFFFFFFFFu, 0xFFFFF000u, 0x1000, 0x10001, 0x7FFF0000u, PTE_BASE, PDE_BASE,
                           PFNDB_BASE, BAD_POINTER, (uint32_t)ro_data, 0x80100000u, e->buf, e->buf + 0x10,
                           e->buf + PAGE_SIZE, e->pbuf, e->scratch, e->scratch + 0x800, SYSPTE_START, 4096,
                           3 * PAGE_SIZE, 0x20, rnd() };
    return v[rnd() % ARRAY_SIZE(v)];
}

/* Undo a success: free what came back, unlock what was locked. */
static const char *undo(const struct dh_regs *in, const struct dh_regs *out, const struct fuzz_env *e)
{
    uint8_t fn = in->edx & 0xFF;
    struct dh_regs r = { 0, 0, 0, DevHlp_VMFree, 0, 0, 0, 0 };
    if (fn == DevHlp_VMAlloc || fn == DevHlp_VMProcessToGlobal || fn == DevHlp_VMGlobalToProcess ||
        fn == DevHlp_PageListToLin) {
        r.eax = out->eax;
        CHECK_MSG(dh_call(&r) == 0, "undo of %x: VMFree(%08x) = %u", fn, out->eax, r.eax);
    } else if (fn == DevHlp_VMLock) {
        r.edx = DevHlp_VMUnLock;
        r.esi = in->esi;
        CHECK_MSG(dh_call(&r) == 0, "undo of VMLock(%x, %08x, %x): %u", in->eax, in->ebx, in->ecx, r.eax);
    } else if (fn == DevHlp_VMFree) {
        CHECK_MSG(in->eax != e->buf && in->eax != e->scratch && in->eax != e->pbuf, "freed a fixture");
    }
    return PASS;
}

static uint32_t successes[256];

/* A call that is valid, or nearly: the usual registers for fn, then 0-2 of them replaced by
 * hostile values. */
static struct dh_regs make_call(uint8_t fn, const struct fuzz_env *e)
{
    struct dh_regs r = { pick(e), pick(e), pick(e), 0xABCD0000u | fn, pick(e), pick(e), 0xBEBEBEBEu, 0 };
    switch (fn) {
    case DevHlp_VMLock:
        r.eax = rnd() & 0x803F; r.ebx = e->buf + rnd() % 0x3000; r.ecx = 1 + rnd() % 0x1000;
        r.edi = (rnd() & 1) ? e->scratch : DEVHLP_NO_LIST; r.esi = e->scratch + 0x900; break;
    case DevHlp_VMUnLock: r.esi = e->scratch + 0x900; break;
    case DevHlp_VMAlloc:
        r.eax = rnd() & ((rnd() & 1) ? 0x1FFFu : 0x13Fu); r.ecx = 1 + rnd() % 0x20000;
        r.edi = (rnd() & 1) ? e->scratch + 0x800 : VMDHA_NOPHYSADDR; break;
    case DevHlp_VMProcessToGlobal: r.eax = rnd() & 1; r.ebx = e->pbuf + (rnd() & PAGE_SIZE); r.ecx = 1 + rnd() % 0x2000; break;
    case DevHlp_VMGlobalToProcess: r.eax = rnd() & 0xF; r.ebx = e->buf + rnd() % 0x3000; r.ecx = 1 + rnd() % 0x1000; break;
    case DevHlp_VirtToLin: r.eax = rnd() & 0xFFFF; r.esi = rnd() & 0x1FFFF; break;
    case DevHlp_LinToPageList: r.eax = e->buf + rnd() % 0x3000; r.ecx = 1 + rnd() % 0x1000; r.edi = e->scratch; break;
    case DevHlp_PageListToLin: {                   /* the sizes of the list LinToPageList left there */
        const PAGELIST *pl = (const PAGELIST *)e->scratch;
        r.ecx = pl[0].Size + ((rnd() & 1) ? pl[1].Size : 0); r.edi = e->scratch; break;
    }
    default: break;
    }
    uint32_t *regs[] = { &r.eax, &r.ebx, &r.ecx, &r.esi, &r.edi };
    for (uint32_t k = rnd() % 3; k; k--) *regs[rnd() % ARRAY_SIZE(regs)] = pick(e);
    return r;
}

static uint32_t successes[256];

static const char *fuzz(const struct fuzz_env *e, uint32_t rounds)
{
    static const uint8_t fns[] = { 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F, 0x60, 0x66, 0 };
    for (uint32_t i = 0; i < rounds; i++) {
        uint8_t fn = fns[rnd() % ARRAY_SIZE(fns)];
        struct dh_regs in = make_call(fn, e);
        if (fn == DevHlp_VMFree && (in.eax == e->buf || in.eax == e->scratch || in.eax == e->pbuf)) continue;
        struct dh_regs out = in;
        uint32_t cf = dh_call(&out);
        test_hostile_cases++;
        CHECK_EQ(out.ebp, in.ebp);
        CHECK_EQ(out.edx, in.edx);
        CHECK_EQ(out.ebx, in.ebx);
        if (cf) {
            CHECK_MSG(known_error(out.eax), "fn %x: CF with EAX %08x", fn, out.eax);
            CHECK_EQ(out.ecx, in.ecx);
            CHECK_EQ(out.esi, in.esi);
            CHECK_EQ(out.edi, in.edi);
        } else {
            successes[fn]++;
            TRY(undo(&in, &out, e));
        }
    }
    return PASS;
}

TEST(devhlp_hostile_fuzz, "devhlp/hostile-device-help-fuzz")
{
    struct fuzz_env e = { 0, 0, 0 };
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_FIXED, 4 * PAGE_SIZE, VMDHA_NOPHYSADDR, &e.buf, NULL), NO_ERROR);
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PROCESS | VMDHA_FIXED, 2 * PAGE_SIZE, VMDHA_NOPHYSADDR, &e.pbuf, NULL), NO_ERROR);
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &e.scratch, NULL), NO_ERROR);
    *(volatile uint32_t *)(e.scratch + 0x800) = 0xB8000;        /* a PhysAddr for VMDHA_PHYS */
    struct mm_counts before;
    mm_counts_take(&before);
    const char *r = fuzz(&e, 4000);
    kprintf("devhlp fuzz: successes VMLock %u VMAlloc %u P2G %u G2P %u VirtToLin %u LinToPageList %u PageListToLin %u\n",
            successes[0x55], successes[0x57], successes[0x59], successes[0x5A], successes[0x5B], successes[0x5E],
            successes[0x5F]);
    const char *moved = r ? NULL : test_what_moved(&before);
    if (moved) r = test_fail(__FILE__, __LINE__, "after the fuzz: %s", moved);
    CHECK_EQ(DevHelp_VMFree(e.buf), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(e.pbuf), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(e.scratch), NO_ERROR);
    return r;
}

TEST(devhlp_bad_input_all, "devhlp/bad-input-zero-wrap-every-service")
{
    LIN buf = 0, out = 0;
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_FIXED, 2 * PAGE_SIZE, VMDHA_NOPHYSADDR, &buf, NULL), NO_ERROR);
    struct mm_counts before;
    mm_counts_take(&before);
    KernVMLock_t h;
    PAGELIST pl[4];
    ULONG n;
    static const struct { LIN a; ULONG len; } bad[] = {
        { 0, 0 }, { 0, 4 }, { 0xFFFFF000u, 0x1001 }, { 0xFFFFFFFFu, 2 }, { 0x1000, 0xFFFFFFFFu },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        LIN a = bad[i].a ? bad[i].a : buf;
        ULONG len = bad[i].len;
        if (bad[i].a == 0 && len == 4) a = 0;                   /* the null page itself */
        CHECK_MSG(DevHelp_VMLock(0, a, len, (LIN)pl, (LIN)&h, &n) == ERROR_INVALID_PARAMETER, "VMLock %u", i);
        CHECK_MSG(DevHelp_VMProcessToGlobal(1, a, len, &out) == ERROR_INVALID_PARAMETER, "P2G %u", i);
        CHECK_MSG(DevHelp_VMGlobalToProcess(1, a, len, &out) == ERROR_INVALID_PARAMETER, "G2P %u", i);
        CHECK_MSG(DevHelp_LinToPageList(a, len, (LIN)pl, &n) == ERROR_INVALID_PARAMETER, "LinToPageList %u", i);
        CHECK_MSG(DevHelp_PageListToLin(len, a, &out) == ERROR_INVALID_PARAMETER, "PageListToLin %u", i);
    }
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_FIXED, 0, VMDHA_NOPHYSADDR, &out, NULL), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_FIXED, 0xFFFFFFFFu, VMDHA_NOPHYSADDR, &out, NULL), ERROR_NOT_ENOUGH_MEMORY);
    CHECK_NOTHING_MOVED(&before);
    CHECK_EQ(DevHelp_VMFree(buf), NO_ERROR);
    return PASS;
}
