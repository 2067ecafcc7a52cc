/*
 * tests/ntmm/except.c - ntmm/try-except and ntmm/mdl-map-no-system-ptes: the try/except the raising
 * MmProbeAndLockPages needs (CPU faults, ExRaiseStatus, nesting, no handler), and the bug check
 * that reports, without halting, a mapping that cannot get system PTEs.
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/ntmm/ntmm.h"
#include "tests/ntmm/ntmm_test.h"

static vaddr_t held_va[64];
static uint32_t held_n[64], nheld;

static void exhaust_syspte(void)
{
    nheld = 0;
    for (uint32_t size = 1u << 15; size; size >>= 1)
        while (nheld < ARRAY_SIZE(held_va)) {
            vaddr_t v = syspte_alloc(size);
            if (!v) break;
            held_va[nheld] = v;
            held_n[nheld++] = size;
        }
}

static void release_syspte(void)
{
    while (nheld--) syspte_free(held_va[nheld], held_n[nheld]);
    nheld = 0;
}

/* C.4 test 10: no system PTEs left. */
TEST(ntmm_mdl_map_exhausted, "ntmm/mdl-map-no-system-ptes")
{
    struct mm_counts before;
    mm_counts_take(&before);
    struct region *r = sys_block(2, MM_PROT_WRITE);
    CHECK(r);
    PMDL m = IoAllocateMdl((PVOID)r->base, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(m);
    CHECK_EQ(MmProbeAndLockPagesEx(m, KernelMode, IoWriteAccess), STATUS_SUCCESS);
    ULONG count = ntmm_last_bugcheck.count;
    exhaust_syspte();
    bool exhausted = syspte_alloc(1) == 0;
    PVOID a = MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, NULL, FALSE, NormalPagePriority);
    ULONG c_a = ntmm_last_bugcheck.count;
    m->MdlFlags |= MDL_MAPPING_CAN_FAIL;
    PVOID b = MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, NULL, TRUE, NormalPagePriority);
    ULONG c_b = ntmm_last_bugcheck.count;
    m->MdlFlags &= ~MDL_MAPPING_CAN_FAIL;
    PVOID s = MmGetSystemAddressForMdlSafe(m, HighPagePriority);
    ULONG c_s = ntmm_last_bugcheck.count;
    PVOID c = MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, NULL, TRUE, NormalPagePriority);
    struct ntmm_bugcheck bc = ntmm_last_bugcheck;
    PVOID d = MmMapLockedPages(m, KernelMode);
    ULONG c_d = ntmm_last_bugcheck.count;
    PVOID io = MmMapIoSpace(phys(0xB8000), 16, MmNonCached);
    PVOID contig = MmAllocateContiguousMemory(PAGE_SIZE, phys(0xFFFFFFFFu));
    release_syspte();
    PVOID after = MmGetSystemAddressForMdlSafe(m, NormalPagePriority);
    MmUnlockPages(m);
    IoFreeMdl(m);
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK(exhausted);
    CHECK(a == NULL && b == NULL && s == NULL && c == NULL && d == NULL && io == NULL && contig == NULL);
    CHECK_EQ(c_a, count);                                    /* BugCheckOnFailure = 0 */
    CHECK_EQ(c_b, count);                                    /* MDL_MAPPING_CAN_FAIL */
    CHECK_EQ(c_s, count);                                    /* ...Safe never bugchecks */
    CHECK_EQ(bc.count, count + 1);
    CHECK_EQ(bc.code, NO_MORE_SYSTEM_PTES);
    CHECK_EQ(bc.param[1], 2);                                /* pages requested */
    CHECK_EQ(bc.param[3], (SYSPTE_END - SYSPTE_START) / PAGE_SIZE);
    CHECK_EQ(c_d, count + 2);                                /* MmMapLockedPages: BugCheckOnFailure */
    CHECK(after != NULL);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

static NTSTATUS nested_inner(void)
{
    NT_TRY_FRAME t;
    volatile NTSTATUS st = STATUS_SUCCESS;
    if (NT_TRY(&t)) {
        ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
        NT_TRY_END(&t);
    } else {
        st = NtExceptionStatus(&t);
    }
    return st;
}

static volatile int zero;

/* The try/except mechanism itself: CPU faults, raises, nesting, no handler. */
TEST(ntmm_try_except, "ntmm/try-except")
{
    NT_TRY_FRAME t;
    volatile int reached = 0;
    volatile NTSTATUS st = STATUS_SUCCESS;
    if (NT_TRY(&t)) {
        reached = 1;
        (void)*(volatile uint32_t *)0xFFFE0000u;             /* a real page fault */
        reached = 2;
        NT_TRY_END(&t);
    } else {
        st = NtExceptionStatus(&t);
    }
    CHECK_EQ(reached, 1);
    CHECK_EQ(st, STATUS_ACCESS_VIOLATION);
    CHECK_EQ(t.k.fault.cr2, 0xFFFE0000u);
    st = STATUS_SUCCESS;
    volatile NTSTATUS inner = STATUS_SUCCESS;
    if (NT_TRY(&t)) {
        inner = nested_inner();                              /* caught inside, not here */
        volatile int q = 7 / zero;                           /* then a divide error here */
        (void)q;
        NT_TRY_END(&t);
    } else {
        st = NtExceptionStatus(&t);
    }
    CHECK_EQ(inner, STATUS_INSUFFICIENT_RESOURCES);
    CHECK_EQ(st, STATUS_INTEGER_DIVIDE_BY_ZERO);
    st = STATUS_SUCCESS;
    if (NT_TRY(&t)) {                                        /* nothing goes wrong */
        reached = 3;
        NT_TRY_END(&t);
    } else {
        st = STATUS_UNSUCCESSFUL;
    }
    CHECK_EQ(st, STATUS_SUCCESS);
    CHECK_EQ(reached, 3);
    ULONG count = ntmm_last_bugcheck.count;
    ExRaiseStatus(STATUS_ACCESS_VIOLATION);                  /* no handler: reported, returns */
    CHECK_EQ(ntmm_last_bugcheck.count, count + 1);
    CHECK_EQ(ntmm_last_bugcheck.code, KMODE_EXCEPTION_NOT_HANDLED);
    CHECK_EQ(ntmm_last_bugcheck.param[0], (ULONG_PTR)STATUS_ACCESS_VIOLATION);
    /* The raising API with a handler; its status-returning twin without. */
    PMDL m = IoAllocateMdl((PVOID)0xFFFE0000u, 16, FALSE, FALSE, NULL);
    CHECK(m);
    NTSTATUS raised = probe_and_lock(m, KernelMode, IoReadAccess), returned = MmProbeAndLockPagesEx(m, KernelMode, IoReadAccess);
    IoFreeMdl(m);
    CHECK_EQ(raised, STATUS_ACCESS_VIOLATION);
    CHECK_EQ(returned, STATUS_ACCESS_VIOLATION);
    CHECK_EQ(ntmm_last_bugcheck.count, count + 1);
    return PASS;
}
