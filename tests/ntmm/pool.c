/*
 * tests/ntmm/pool.c - ntmm/pool-*: ExAllocatePool(WithTag, WithQuotaTag) and ExFreePool(WithTag):
 * alignment, page-aligned big blocks with their frames pinned (nonpaged) or not (paged, resident),
 * zero fill, and the BAD_POOL_CALLER reports of bad frees (mm/ntmm/pool.c).
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "mm/core/pte.h"
#include "tests/ntmm/ntmm_test.h"

#define TAG_TEST 0x74736554u          /* 'Test' */

static bool zeroed(const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

TEST(ntmm_pool_small, "ntmm/pool-small-blocks-tagged")
{
    struct before b;
    before_take(&b);
    ULONG blocks = ntmm_pool_blocks();
    uint8_t *p = ExAllocatePoolWithTag(NonPagedPool, 64, TAG_TEST);
    uint8_t *q = ExAllocatePoolWithTag(PagedPool, 100, TAG_TEST);
    uint8_t *d = ExAllocatePool(NonPagedPool, 24);
    uint8_t *z = ExAllocatePoolWithTag(NonPagedPool, 0, TAG_TEST);          /* 0 bytes: 1 */
    uint8_t *c = ExAllocatePoolWithTag(NonPagedPoolCacheAligned, 40, TAG_TEST);
    CHECK(p && q && d && z && c);
    CHECK_EQ(ntmm_pool_blocks(), blocks + 5);
    CHECK_EQ((vaddr_t)p & 15, 0);
    CHECK_EQ((vaddr_t)c & 63, 0);
    CHECK(zeroed(p, 64) && zeroed(q, 100) && zeroed(c, 40));
    CHECK((vaddr_t)p >= KPOOL_BASE && (vaddr_t)p < KPOOL_END);
    memset(p, 0xA5, 64);
    memset(c, 0x5A, 40);
    CHECK(MmIsNonPagedSystemAddressValid(p));
    ULONG n = ntmm_last_bugcheck.count;
    ExFreePoolWithTag(p, TAG_TEST);
    ExFreePool(q);
    ExFreePoolWithTag(d, NTMM_POOL_DEFAULT_TAG);                          /* ExAllocatePool's 'None' */
    ExFreePoolWithTag(z, 0);
    ExFreePool(c);
    CHECK_EQ(ntmm_last_bugcheck.count, n);
    CHECK_EQ(ntmm_pool_blocks(), blocks);
    UNCHANGED(&b, "small pool blocks freed");
    return PASS;
}

/* A page or more: page-aligned, present, writable, zeroed; nonpaged pinned, paged not. */
TEST(ntmm_pool_pages, "ntmm/pool-page-blocks-aligned-pinned")
{
    struct before b;
    before_take(&b);
    uint32_t locked = mm_locked_frames();
    uint8_t *np = ExAllocatePoolWithTag(NonPagedPool, PAGE_SIZE, TAG_TEST);
    uint8_t *big = ExAllocatePoolWithTag(NonPagedPool, 3 * PAGE_SIZE - 100, TAG_TEST);
    uint8_t *pg = ExAllocatePoolWithTag(PagedPool, 2 * PAGE_SIZE, TAG_TEST);
    CHECK(np && big && pg);
    CHECK_EQ((vaddr_t)np & PAGE_MASK, 0);
    CHECK_EQ((vaddr_t)big & PAGE_MASK, 0);
    CHECK_EQ((vaddr_t)pg & PAGE_MASK, 0);
    CHECK_EQ(mm_locked_frames(), locked + 4);                              /* np 1 + big 3 */
    for (uint32_t i = 0; i < 3; i++) {
        struct mm_page_info pi;
        mm_page_info((vaddr_t)big + i * PAGE_SIZE, &pi);
        CHECK(pi.present && pi.pinned && (pi.prot & MM_PROT_WRITE) && !(pi.prot & MM_PROT_USER));
    }
    for (uint32_t i = 0; i < 2; i++) {
        struct mm_page_info pi;
        mm_page_info((vaddr_t)pg + i * PAGE_SIZE, &pi);
        CHECK(pi.present && !pi.pinned);                                   /* paged: resident, not fixed */
    }
    CHECK(zeroed(big, 3 * PAGE_SIZE) && zeroed(pg, 2 * PAGE_SIZE));
    memset(big, 1, 3 * PAGE_SIZE - 100);
    CHECK(MmIsNonPagedSystemAddressValid(big + PAGE_SIZE));
    CHECK(!MmIsNonPagedSystemAddressValid(pg + 8));
    CHECK(MmIsAddressValid(pg + 8));
    ExFreePoolWithTag(np, TAG_TEST);
    ExFreePoolWithTag(big, TAG_TEST);
    ExFreePool(pg);
    CHECK(!MmIsAddressValid(big) && !MmIsAddressValid(pg));
    UNCHANGED(&b, "page pool blocks freed");
    return PASS;
}

/* Bad frees are reported (BAD_POOL_CALLER) and free nothing. */
TEST(ntmm_pool_bad_free, "ntmm/pool-bad-free-reported")
{
    uint8_t *p = ExAllocatePoolWithTag(NonPagedPool, 64, TAG_TEST);
    uint8_t *g = ExAllocatePoolWithTag(NonPagedPool, 2 * PAGE_SIZE, TAG_TEST);
    uint8_t *s = ExAllocatePoolWithTag(NonPagedPool, 32, TAG_TEST | PROTECTED_POOL);
    uint8_t *f = ExAllocatePoolWithTag(NonPagedPool, 48, TAG_TEST);
    CHECK(p && g && s && f);
    ExFreePool(f);                                                         /* freed: a stale pointer */
    struct before b;
    before_take(&b);
    ULONG n = ntmm_last_bugcheck.count;
    ExFreePoolWithTag(p, 0x656E6F4E);
    CHECK(reported(n, BAD_POOL_CALLER, 0x0A));
    CHECK_EQ(ntmm_last_bugcheck.param[1], (ULONG_PTR)p);
    CHECK_EQ(ntmm_last_bugcheck.param[2], TAG_TEST);
    n = ntmm_last_bugcheck.count;
    ExFreePoolWithTag(g, 1);
    CHECK(reported(n, BAD_POOL_CALLER, 0x0A));
    n = ntmm_last_bugcheck.count;
    ExFreePool(s);                                                         /* protected: the tag is due */
    CHECK(reported(n, BAD_POOL_CALLER, 0x0A));
    n = ntmm_last_bugcheck.count;
    ExFreePool(f);                                                         /* double free */
    CHECK(reported(n, BAD_POOL_CALLER, 0x07));
    const vaddr_t bad[] = { 0, (vaddr_t)p + 16, (vaddr_t)p + 4, (vaddr_t)g + PAGE_SIZE, (vaddr_t)g + 16,
                            KERNEL_VBASE + KERNEL_PHYS_LOAD, BAD_POINTER, 0x00400000u, KPOOL_END - 16 };
    for (uint32_t i = 0; i < ARRAY_SIZE(bad); i++) {
        n = ntmm_last_bugcheck.count;
        ExFreePool((PVOID)bad[i]);
        CHECK_MSG(reported(n, BAD_POOL_CALLER, 0x46) && ntmm_last_bugcheck.param[1] == bad[i], "free of %08x", bad[i]);
    }
    UNCHANGED(&b, "refused frees");
    memset(p, 7, 64);                                                      /* still ours */
    g[2 * PAGE_SIZE - 1] = 7;
    n = ntmm_last_bugcheck.count;
    ExFreePoolWithTag(p, TAG_TEST);
    ExFreePoolWithTag(g, TAG_TEST);
    ExFreePoolWithTag(s, TAG_TEST | PROTECTED_POOL);
    CHECK_EQ(ntmm_last_bugcheck.count, n);
    return PASS;
}

/* Types: refused ones NULL; quota allocations raise unless told not to; RAISE_IF_FAILURE raises. */
TEST(ntmm_pool_types_quota, "ntmm/pool-types-and-quota-raise")
{
    struct before b;
    before_take(&b);
    CHECK(ExAllocatePoolWithTag(DontUseThisType, 16, TAG_TEST) == NULL);
    CHECK(ExAllocatePoolWithTag(MaxPoolType, 16, TAG_TEST) == NULL);
    CHECK(ExAllocatePoolWithTag((POOL_TYPE)0x40, 16, TAG_TEST) == NULL);
    CHECK(ExAllocatePoolWithTag(NonPagedPool, 0x7FFFF000u, TAG_TEST) == NULL);
    CHECK(ExAllocatePoolWithQuotaTag((POOL_TYPE)(NonPagedPool | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE), 0x7FFFF000u, TAG_TEST) == NULL);
    UNCHANGED(&b, "refused allocations");
    NT_TRY_FRAME t;
    volatile NTSTATUS st = STATUS_SUCCESS;
    if (NT_TRY(&t)) {
        ExAllocatePoolWithQuotaTag(PagedPool, 0x7FFFF000u, TAG_TEST);
        NT_TRY_END(&t);
    } else {
        st = NtExceptionStatus(&t);
    }
    CHECK_EQ(st, STATUS_INSUFFICIENT_RESOURCES);
    st = STATUS_SUCCESS;
    if (NT_TRY(&t)) {
        ExAllocatePoolWithTag((POOL_TYPE)(NonPagedPool | POOL_RAISE_IF_ALLOCATION_FAILURE), 0x7FFFF000u, TAG_TEST);
        NT_TRY_END(&t);
    } else {
        st = NtExceptionStatus(&t);
    }
    CHECK_EQ(st, STATUS_INSUFFICIENT_RESOURCES);
    ULONG n = ntmm_last_bugcheck.count;
    CHECK(ExAllocatePoolWithTag(NonPagedPoolMustSucceed, 0x7FFFF000u, TAG_TEST) == NULL);
    CHECK(reported(n, MUST_SUCCEED_POOL_EMPTY, 0x7FFFF000u));
    void *q = ExAllocatePoolWithQuota((POOL_TYPE)(PagedPool | POOL_SESSION_BIT), 32);
    CHECK(q);
    ExFreePoolWithTag(q, NTMM_POOL_DEFAULT_TAG);
    UNCHANGED(&b, "pool types");
    return PASS;
}
