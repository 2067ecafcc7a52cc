/*
 * vxd_test.h - helpers shared by the vxd/... tests: what the core says about a page, byte
 * patterns that prove a page's contents survived a move, a free physical region made "at
 * init", and the assertion that a failed call cost nothing.
 */
#ifndef TESTS_VXD_TEST_H
#define TESTS_VXD_TEST_H
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "mm/vxd/vxd.h"
#include "mm/x86.h"
#include "mm/core/pte.h"

#define VXD_ERR 0xFFFFFFFFu
#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)

/* The physical address the core reports for va (0 when not present). */
static inline uint32_t vt_pa(vaddr_t va)
{
    struct mm_page_info pi;
    mm_page_info(va, &pi);
    return pi.present ? pi.pfn << PAGE_SHIFT : 0;
}

static inline uint32_t vt_locks(vaddr_t va)
{
    struct mm_page_info pi;
    mm_page_info(va, &pi);
    return pi.present ? pi.locks : 0;
}

/* Mapped for ring 0?  In a user-access window: a user page's answer is its PTE's, not SMAP's. */
static inline bool vt_readable(vaddr_t va) { return uprobe_read(va, NULL); }
static inline bool vt_writable(vaddr_t va) { return uprobe_rewrite(va); }

/* Every byte of a page gets a value that depends on the seed and its offset.  The page may
 * be a user page (PC_USER, PG_VM): fill, check and zero run in a user-access window (SMAP). */
static inline uint8_t vt_byte(uint32_t seed, uint32_t i) { return (uint8_t)(seed * 131u + i * 7u + (i >> 8) + 1u); }

static inline void vt_fill(vaddr_t va, uint32_t seed)
{
    volatile uint8_t *p = (volatile uint8_t *)va;
    x86_user_access_begin();
    for (uint32_t i = 0; i < PAGE_SIZE; i++) p[i] = vt_byte(seed, i);
    x86_user_access_end();
}

/* Offset of the first wrong byte, or PAGE_SIZE when the whole page matches. */
static inline uint32_t vt_check(vaddr_t va, uint32_t seed)
{
    volatile uint8_t *p = (volatile uint8_t *)va;
    uint32_t i = 0;
    x86_user_access_begin();
    while (i < PAGE_SIZE && p[i] == vt_byte(seed, i)) i++;
    x86_user_access_end();
    return i;
}

static inline bool vt_zero(vaddr_t va, uint32_t npages)
{
    uint32_t i = 0, n = npages * PAGE_SIZE / 4;
    x86_user_access_begin();
    while (i < n && !((volatile uint32_t *)va)[i]) i++;
    x86_user_access_end();
    return i == n;
}

/* A free physical region of n pages, allocated "during init" (PAGEMAPFREEPHYSREG is init-only).
 * A region holds no frame while every page is not present. */
static inline uint32_t vt_fpr_alloc(uint32_t n)
{
    return _PageAllocate(n, PG_SYS, 0, 0, 0, 0, NULL, PAGEMAPFREEPHYSREG);
}
static inline ULONG vt_freephys_region(uint32_t n) { return vxd_run_init(vt_fpr_alloc, n); }

/* The VxD API has no call that gives a free physical region back (they live for the session,
 * A.6), so a test gives its own back through the core once no page of it is present: otherwise
 * every such test would leave a region (and its pool bytes) behind for the harness's leak check.
 * false, nothing changed, when fpr is not a region's base or a page is still present. */
static inline bool vt_freephys_region_drop(ULONG fpr)
{
    struct region *r = mm_region_find(fpr);
    if (!r || r->base != fpr || r->owner != OWNER_VXD) return false;
    for (uint32_t i = 0; i < r->npages; i++)
        if (vt_pa(r->base + i * PAGE_SIZE)) return false;
    return mm_release(r) == MM_OK;
}

/* The same with the page after it unreserved, for checks "just past the region": regions are
 * placed first fit, so one that lies right after a new one (in a hole that fits exactly) takes
 * that page.  Then another is made (the first given back afterwards); 0 if four tries find no
 * such place. */
static inline ULONG vt_freephys_region_gap_after(uint32_t n)
{
    ULONG tried[4], fpr = 0;
    int ntried = 0;
    while (!fpr && ntried < 4) {
        ULONG f = vt_freephys_region(n);
        if (!f) break;
        ULONG after = _PageReserve(PG(f) + n, 1, 0);
        if (after != VXD_ERR) {
            _PageFree((PVOID)after, 0);
            fpr = f;
        } else {
            tried[ntried++] = f;
        }
    }
    while (ntried) vt_freephys_region_drop(tried[--ntried]);
    return fpr;
}

/* expr must give `want` and leave every count of struct mm_counts as it was. */
#define CHECK_COSTLESS(expr, want) do {                                         \
        struct mm_counts _c;                                                    \
        mm_counts_take(&_c);                                                    \
        CHECK_EQ((expr), (want));                                               \
        const char *_m = test_what_moved(&_c);                                  \
        CHECK_MSG(!_m, "%s changed %s", #expr, _m);                             \
    } while (0)
#endif
