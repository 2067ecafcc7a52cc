/*
 * ntmm_test.h - what the NT Mm tests share (tests/ntmm/, the NT bench rows and the
 * exhaustion tests): a PHYSICAL_ADDRESS from a number, the raising MmProbeAndLockPages and the
 * user-mode MmMapLockedPagesSpecifyCache called the NT way (a block of committed system pages,
 * sys_block, is tests/core/mm/frames.h's), and for the "a refused call changes nothing" tests: a snapshot of the counts, page tables and
 * mapping records (before_take / unchanged), a full kernel pool, and frames of the kinds that
 * made services give up half way.
 */
#ifndef TESTS_NTMM_TEST_H
#define TESTS_NTMM_TEST_H
#include "mm/mm.h"
#include "mm/core/pfn.h"
#include "mm/ntmm/ntmm.h"
#include "tests/suites/hostile/hostile.h"
#include "tests/core/mm/frames.h"

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

/* What a refused call must leave as it found it, besides the counts (struct mm_counts, mm/mm.h):
 * every page-directory entry and every page-table entry of [lo, hi), read through the self-map
 * (a 4 MiB PDE counts once), folded into one FNV-1a hash.  The Accessed and Dirty bits are left
 * out: the CPU sets them behind our back when anything is read or written through an entry. */
static inline uint32_t pt_hash(vaddr_t lo, vaddr_t hi)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < PTES_PER_TABLE; i++) h = (h ^ (((pte_t *)PDE_BASE)[i] & ~(PTE_A | PTE_D))) * 16777619u;
    for (vaddr_t va = lo; va < hi && va >= lo;) {
        pte_t pde = *MiGetPdeAddress(va);
        if (!(pde & PTE_P) || (pde & PDE_PS)) {
            va = (va & ~(LARGE_PAGE_SIZE - 1)) + LARGE_PAGE_SIZE;
            continue;
        }
        h = (h ^ (*MiGetPteAddress(va) & ~(PTE_A | PTE_D))) * 16777619u;
        va += PAGE_SIZE;
    }
    return h;
}
/* Every page table a personality's mappings can be in: the private arena of the current process,
 * the shared arena and the system arena (self-map and hyperspace left out: they change on their
 * own). */
static inline uint32_t pt_hash_all(void)
{
    return pt_hash(PRIVATE_START, PRIVATE_END) ^ pt_hash(SHARED_START, PTE_BASE) * 3u ^ pt_hash(SYSTEM_START, SYSTEM_END) * 5u;
}

/* Counts, page tables, NT mapping records: what a refused call must leave alone. */
struct before { struct mm_counts c; uint32_t pt, maps; };
static inline void before_take(struct before *b)
{
    mm_counts_take(&b->c);
    b->pt = pt_hash_all();
    b->maps = ntmm_mapping_count();
}
static inline const char *unchanged(const struct before *b, const char *what)
{
    static char why[200];
    const char *moved = test_what_moved(&b->c);
    if (moved) return ksnprintf(why, sizeof why, "%s: %s", what, moved), why;
    if (pt_hash_all() != b->pt) return ksnprintf(why, sizeof why, "%s: a page-table entry changed", what), why;
    if (ntmm_mapping_count() != b->maps)
        return ksnprintf(why, sizeof why, "%s: NT mapping records %u -> %u", what, b->maps, ntmm_mapping_count()), why;
    char c[160];
    if (!mm_check(c, sizeof c)) return ksnprintf(why, sizeof why, "%s: mm_check: %s", what, c), why;
    return NULL;
}
#define UNCHANGED(b, what) do { const char *_w = unchanged((b), (what)); CHECK_MSG(!_w, "%s", _w); } while (0)

/* MmMapLockedPagesSpecifyCache(UserMode) the NT way, inside a try block: the user address, or
 * NULL with *st the status raised. */
static inline PVOID map_user(PMDL mdl, MEMORY_CACHING_TYPE cache, PVOID base, NTSTATUS *st)
{
    NT_TRY_FRAME t;
    PVOID volatile va = NULL;
    volatile NTSTATUS s = STATUS_SUCCESS;
    if (NT_TRY(&t)) {
        va = MmMapLockedPagesSpecifyCache(mdl, UserMode, cache, base, FALSE, NormalPagePriority);
        NT_TRY_END(&t);
    } else {
        s = NtExceptionStatus(&t);
    }
    *st = s;
    return va;
}

/* A RAM frame in use that nothing maps: held (as a PCCNOLIN page is), and locked by a lock
 * record (one test holds one at a time).  Once mapped, removing that mapping must leave it
 * held and locked. */
static mm_lock_t held_locked_rec;
static inline pfn_t held_locked_frame(void)
{
    pfn_t f = mm_hold_run(1, NULL, true);
    if (f != PFN_NONE && mm_lock_record_frames(&f, 1, &held_locked_rec) != MM_OK) held_locked_rec = NULL;
    return f;
}
static inline void held_locked_free(pfn_t f)
{
    mm_unlock_record(held_locked_rec);
    held_locked_rec = NULL;
    if (pfn_db[f].hold_count) pfn_db[f].hold_count--;
    pfn_free(f);
}

static inline pfn_t highest_free_frame(void)
{
    for (pfn_t p = pfn_max; p-- > 0x100;)
        if (pfn_db[p].state == PFN_FREE) return p;
    return PFN_NONE;
}

/* The kernel pool, taken whole (halving requests down to one 16-byte block): a service that
 * needs a record gets NULL.  The blocks are chained through their first word. */
static inline void *pool_fill(void)
{
    void *head = NULL;
    for (uint32_t n = 1u << 22; n >= 16;) {
        void **p = kmalloc(n);
        if (!p) { n /= 2; continue; }
        *p = head;
        head = p;
    }
    return head;
}
static inline void pool_drain(void *head)
{
    while (head) {
        void *next = *(void **)head;
        kfree(head);
        head = next;
    }
}

/* Exactly one bug check reported since the count was `before`: code, first parameter. */
static inline bool reported(ULONG before, ULONG code, ULONG_PTR p1)
{
    return ntmm_last_bugcheck.count == before + 1 && ntmm_last_bugcheck.code == code &&
           ntmm_last_bugcheck.param[0] == p1;
}

/* The memory type the MMU gives a 4 KiB PTE: its PAT, PCD and PWT bits index IA32_PAT when the
 * CPU has PAT; without it PCD means UC (with PWT) or UC- and PWT alone WT.  0 UC, 1 WC, 4 WT,
 * 6 WB, 7 UC- (SDM vol. 3, 11.12). */
static inline uint32_t pte_memory_type(pte_t e)
{
    uint32_t idx = ((e & PTE_PAT) ? 4 : 0) | ((e & PTE_PCD) ? 2 : 0) | ((e & PTE_PWT) ? 1 : 0);
    if (x86.pat && x86.msr) {
        uint32_t lo, hi;
        __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x277));
        uint64_t pat = ((uint64_t)hi << 32) | lo;
        return (uint32_t)(pat >> (idx * 8)) & 7;
    }
    static const uint8_t legacy[4] = { 6, 4, 7, 0 };
    return legacy[idx & 3];
}

/* A run of free frames [f, f + n) below pfn_max, or PFN_NONE. */
static inline pfn_t free_run(uint32_t n)
{
    for (pfn_t p = 0x100; p + n <= pfn_max; p++) {
        uint32_t i = 0;
        while (i < n && pfn_db[p + i].state == PFN_FREE) i++;
        if (i == n) return p;
        p += i;
    }
    return PFN_NONE;
}
#endif
