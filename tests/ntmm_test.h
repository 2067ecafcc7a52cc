/*
 * ntmm_test.h - what the NT Mm tests share (tests/ntmm_*.c, the NT bench rows and the
 * exhaustion tests): a PHYSICAL_ADDRESS from a number, the raising MmProbeAndLockPages called
 * the NT way, and a block of committed system pages.
 */
#ifndef TESTS_NTMM_TEST_H
#define TESTS_NTMM_TEST_H
#include "mm/mm.h"
#include "mm/ntmm.h"

static inline PHYSICAL_ADDRESS phys(uint64_t a)
{
    PHYSICAL_ADDRESS p;
    p.QuadPart = (LONGLONG)a;
    return p;
}

/* MmProbeAndLockPages, the NT way: inside a try block; returns the exception's status. */
static inline NTSTATUS probe_and_lock(PMDL mdl, KPROCESSOR_MODE mode, LOCK_OPERATION op)
{
    NT_TRY_FRAME t;
    volatile NTSTATUS st = STATUS_SUCCESS;
    if (NT_TRY(&t)) {
        MmProbeAndLockPages(mdl, mode, op);
        NT_TRY_END(&t);
    } else {
        st = NtExceptionStatus(&t);
    }
    return st;
}

/* A system-arena block of n committed, present, zeroed pages with protection prot. */
static inline struct region *sys_block(uint32_t n, uint32_t prot)
{
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, n, 1, OWNER_TEST, NULL);
    if (r && mm_commit(r->base, n, prot, MM_COMMIT_PRESENT | MM_COMMIT_ZERO, NULL, NULL) != MM_OK) {
        mm_release(r);
        r = NULL;
    }
    return r;
}
#endif
