/*
 * tests/ntmm/virtual.c - ntmm/zw-*: ZwAllocateVirtualMemory / ZwFreeVirtualMemory in the current
 * process, proven from ring 3 (tests/harness/user.h): each protection faults exactly where it
 * says, reserved-only pages fault, decommitted pages fault again; NT's rounding and outputs; the
 * refusals change nothing (mm/ntmm/virtual.c).
 */
#include "tests/harness/test.h"
#include "tests/harness/user.h"
#include "kernel/trap.h"
#include "mm/core/pte.h"
#include "tests/ntmm/ntmm_test.h"

static NTSTATUS zalloc(PVOID *base, SIZE_T *size, ULONG type, ULONG prot)
{
    return ZwAllocateVirtualMemory(NtCurrentProcess(), base, 0, size, type, prot);
}
static NTSTATUS zfree(PVOID base, SIZE_T size, ULONG type)
{
    return ZwFreeVirtualMemory(NtCurrentProcess(), &base, &size, type);
}

/* Ring 3 reads (and writes) va: 0 fine, 1 a page fault. */
static int r3_read(vaddr_t va, uint32_t *v)
{
    struct user_result r;
    if (user_call(u_read, va, 0, &r) != 0) return -1;
    if (v) *v = r.value;
    return r.faulted ? (r.vector == 14 ? 1 : -1) : 0;
}
static int r3_write(vaddr_t va, uint32_t v)
{
    struct user_result r;
    if (user_call(u_write, va, v, &r) != 0) return -1;
    return r.faulted ? (r.vector == 14 ? 1 : -1) : 0;
}

TEST(ntmm_zw_protections, "ntmm/zw-protections-seen-from-ring3")
{
    struct before b;
    before_take(&b);
    PVOID base = NULL;
    SIZE_T size = 6 * PAGE_SIZE;
    CHECK_EQ(zalloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS), STATUS_SUCCESS);
    vaddr_t v = (vaddr_t)base;
    CHECK(v && !(v & 0xFFFF) && v < PRIVATE_END);
    CHECK_EQ(size, 6 * PAGE_SIZE);
    static const ULONG prot[5] = { PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE };
    for (uint32_t i = 0; i < 5; i++) {
        PVOID p = (PVOID)(v + i * PAGE_SIZE + 0x10);
        SIZE_T s = 0x20;
        CHECK_EQ(zalloc(&p, &s, MEM_COMMIT, prot[i]), STATUS_SUCCESS);
        CHECK(p == (PVOID)(v + i * PAGE_SIZE));
        CHECK_EQ(s, PAGE_SIZE);
    }
    uint32_t x;
    CHECK_EQ(r3_read(v, &x), 1);                                           /* NOACCESS */
    CHECK_EQ(r3_write(v, 1), 1);
    CHECK_EQ(r3_read(v + PAGE_SIZE, &x), 0);                               /* READONLY: demand-zero read */
    CHECK_EQ(x, 0);
    CHECK_EQ(r3_write(v + PAGE_SIZE, 1), 1);
    CHECK_EQ(r3_write(v + 2 * PAGE_SIZE + 8, 0xC0FFEE01u), 0);             /* READWRITE */
    CHECK_EQ(r3_read(v + 2 * PAGE_SIZE + 8, &x), 0);
    CHECK_EQ(x, 0xC0FFEE01u);
    CHECK_EQ(r3_read(v + 3 * PAGE_SIZE, &x), 0);                           /* EXECUTE_READ */
    CHECK_EQ(r3_write(v + 3 * PAGE_SIZE, 1), 1);
    CHECK_EQ(r3_write(v + 4 * PAGE_SIZE, 2), 0);                           /* EXECUTE_READWRITE */
    CHECK_EQ(r3_read(v + 5 * PAGE_SIZE, &x), 1);                           /* reserved, not committed */
    struct mm_page_info pi;
    mm_page_info(v + 2 * PAGE_SIZE, &pi);
    CHECK(pi.present && (pi.prot & (MM_PROT_USER | MM_PROT_WRITE)) == (MM_PROT_USER | MM_PROT_WRITE));
    mm_page_info(v, &pi);
    CHECK(pi.state == PAGE_COMMITTED && !(pi.prot & MM_PROT_USER));         /* NOACCESS: supervisor only */
    /* Committing again changes the protection: READWRITE -> READONLY keeps the data. */
    PVOID p = (PVOID)(v + 2 * PAGE_SIZE);
    SIZE_T s = PAGE_SIZE;
    CHECK_EQ(zalloc(&p, &s, MEM_COMMIT, PAGE_READONLY), STATUS_SUCCESS);
    CHECK_EQ(r3_write(v + 2 * PAGE_SIZE + 8, 3), 1);
    CHECK_EQ(r3_read(v + 2 * PAGE_SIZE + 8, &x), 0);
    CHECK_EQ(x, 0xC0FFEE01u);
    /* Decommit: the page faults again; commit again: a fresh zero page. */
    CHECK_EQ(zfree((PVOID)(v + 2 * PAGE_SIZE + 4), 4, MEM_DECOMMIT), STATUS_SUCCESS);
    CHECK_EQ(r3_read(v + 2 * PAGE_SIZE + 8, &x), 1);
    p = (PVOID)(v + 2 * PAGE_SIZE);
    CHECK_EQ(zalloc(&p, &s, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
    CHECK_EQ(r3_read(v + 2 * PAGE_SIZE + 8, &x), 0);
    CHECK_EQ(x, 0);
    CHECK_EQ(zfree(base, 0, MEM_RELEASE), STATUS_SUCCESS);
    CHECK_EQ(r3_read(v + 4 * PAGE_SIZE, &x), 1);
    UNCHANGED(&b, "released");
    return PASS;
}

/* NT's rounding: a reservation's base down to 64 KiB, its end up to a page; outputs say so. */
TEST(ntmm_zw_rounding, "ntmm/zw-rounding-and-outputs")
{
    struct before b;
    before_take(&b);
    PVOID base = (PVOID)0x00612345u;
    SIZE_T size = 0x1000;
    CHECK_EQ(zalloc(&base, &size, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE), STATUS_SUCCESS);
    CHECK(base == (PVOID)0x00610000u);
    CHECK_EQ(size, 0x4000);
    PVOID p = (PVOID)0x00612100u;
    SIZE_T s = 0x100;
    CHECK_EQ(zalloc(&p, &s, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
    CHECK(p == (PVOID)0x00612000u);
    CHECK_EQ(s, PAGE_SIZE);
    struct before mid;
    before_take(&mid);
    p = (PVOID)0x00613800u;
    s = 0x1000;                                                            /* runs past the reservation */
    CHECK_EQ(zalloc(&p, &s, MEM_COMMIT, PAGE_READWRITE), STATUS_CONFLICTING_ADDRESSES);
    CHECK(p == (PVOID)0x00613800u && s == 0x1000);                        /* outputs untouched */
    p = (PVOID)0x00611000u;
    s = 0x1000;
    CHECK_EQ(zalloc(&p, &s, MEM_RESERVE, PAGE_READWRITE), STATUS_CONFLICTING_ADDRESSES);
    p = (PVOID)0x00800000u;
    CHECK_EQ(zalloc(&p, &s, MEM_COMMIT, PAGE_READWRITE), STATUS_CONFLICTING_ADDRESSES);   /* nothing there */
    p = (PVOID)USER_TEXT_BASE;                                             /* the ring-3 code: not ours */
    CHECK_EQ(zalloc(&p, &s, MEM_COMMIT, PAGE_READWRITE), STATUS_CONFLICTING_ADDRESSES);
    CHECK_EQ(zfree((PVOID)USER_TEXT_BASE, 0, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
    CHECK_EQ(zfree((PVOID)0x00611000u, 0, MEM_RELEASE), STATUS_FREE_VM_NOT_AT_BASE);
    CHECK_EQ(zfree((PVOID)0x00610000u, 0x1000, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
    CHECK_EQ(zfree((PVOID)0x00613000u, 0x2000, MEM_DECOMMIT), STATUS_UNABLE_TO_FREE_VM);
    CHECK_EQ(zfree((PVOID)0x00610000u, 0, MEM_RELEASE | MEM_DECOMMIT), STATUS_INVALID_PARAMETER_4);
    PVOID q = base;
    SIZE_T qs = 0;
    CHECK_EQ(ZwFreeVirtualMemory((HANDLE)4, &q, &qs, MEM_RELEASE), STATUS_INVALID_HANDLE);
    UNCHANGED(&mid, "refused Zw calls");
    q = (PVOID)0x00610000u;
    qs = 0x4000;
    CHECK_EQ(ZwFreeVirtualMemory(NtCurrentProcess(), &q, &qs, MEM_RELEASE), STATUS_SUCCESS);
    CHECK(q == (PVOID)0x00610000u && qs == 0x4000);
    CHECK_EQ(zfree((PVOID)0x00610000u, 0, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
    /* A NULL base with MEM_COMMIT alone reserves too. */
    p = NULL;
    s = 3 * PAGE_SIZE;
    CHECK_EQ(zalloc(&p, &s, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
    CHECK(p && s == 3 * PAGE_SIZE);
    CHECK_EQ(r3_write((vaddr_t)p + 2 * PAGE_SIZE, 9), 0);
    CHECK_EQ(zfree(p, 0, MEM_RELEASE), STATUS_SUCCESS);
    UNCHANGED(&b, "released");
    return PASS;
}

TEST(ntmm_zw_refused, "ntmm/zw-refused-change-nothing")
{
    struct before b;
    before_take(&b);
    static const ULONG badprot[] = { 0, PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY, PAGE_READWRITE | PAGE_GUARD,
                                     PAGE_READONLY | PAGE_READWRITE, PAGE_NOACCESS | PAGE_NOCACHE,
                                     PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE, 0x800 | PAGE_READWRITE };
    for (uint32_t i = 0; i < ARRAY_SIZE(badprot); i++) {
        PVOID p = NULL;
        SIZE_T s = PAGE_SIZE;
        CHECK_MSG(zalloc(&p, &s, MEM_RESERVE | MEM_COMMIT, badprot[i]) == STATUS_INVALID_PAGE_PROTECTION, "prot %x", badprot[i]);
    }
    static const ULONG badtype[] = { 0, MEM_RESET, MEM_COMMIT | MEM_PHYSICAL, MEM_RESERVE | MEM_LARGE_PAGES,
                                     MEM_RESERVE | MEM_WRITE_WATCH, MEM_DECOMMIT, MEM_RELEASE, MEM_COMMIT | 1 };
    for (uint32_t i = 0; i < ARRAY_SIZE(badtype); i++) {
        PVOID p = NULL;
        SIZE_T s = PAGE_SIZE;
        CHECK_MSG(zalloc(&p, &s, badtype[i], PAGE_READWRITE) == STATUS_INVALID_PARAMETER_5, "type %x", badtype[i]);
    }
    PVOID p = NULL;
    SIZE_T s = 0;
    CHECK_EQ(zalloc(&p, &s, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER_4);
    s = PAGE_SIZE;
    CHECK_EQ(ZwAllocateVirtualMemory(NtCurrentProcess(), &p, 22, &s, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER_3);
    CHECK_EQ(ZwAllocateVirtualMemory((HANDLE)0, &p, 0, &s, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_HANDLE);
    p = (PVOID)0x80000000u;
    CHECK_EQ(zalloc(&p, &s, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER_2);
    p = (PVOID)0x7FFE0000u;
    s = 0x20000;
    CHECK_EQ(zalloc(&p, &s, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER_2);
    p = (PVOID)0x8000u;                                                    /* the null page's 64 KiB */
    s = PAGE_SIZE;
    CHECK_EQ(zalloc(&p, &s, MEM_RESERVE, PAGE_READWRITE), STATUS_INVALID_PARAMETER_2);
    p = NULL;
    s = 0x7FFF0000u;
    CHECK_EQ(zalloc(&p, &s, MEM_RESERVE, PAGE_READWRITE), STATUS_NO_MEMORY);
    UNCHANGED(&b, "refused ZwAllocateVirtualMemory");
    /* More than the commit limit (made smaller than the arena with ballast: with 3.5 GiB of RAM
     * the limit is beyond 2 GiB): refused, the reservation made for it gone again. */
    ballast_take(1024);
    before_take(&b);
    p = NULL;
    s = (mm_commit_limit() - mm_commit_charge() + 16) * PAGE_SIZE;   /* RAM and, with the pager on, swap */
    NTSTATUS st = zalloc(&p, &s, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    const char *w = unchanged(&b, "ZwAllocateVirtualMemory over the commit limit");
    ballast_release();
    CHECK_EQ(st, STATUS_COMMITMENT_LIMIT);
    CHECK_MSG(!w, "%s", w);
    return PASS;
}
