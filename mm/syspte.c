/*
 * syspte.c - the system-PTE pool: runs of linear pages in SYSPTE_START..SYSPTE_END for
 * global mappings that come and go (MmMapIoSpace, MDL mappings, OS/2 PageListToLin).
 *
 * Each allocation of n pages takes n + 1 slots: the last is a guard page that is never mapped,
 * so running off the end of a mapping faults instead of touching the next one.  Three bitmaps
 * (in use, run start, guard) describe the pool; allocation is next-fit.  The pool only hands
 * out address space: callers map and unmap through the core (mm_map_physical, mm_decommit).
 */
#include "mm/core.h"

#define SLOTS ((SYSPTE_END - SYSPTE_START) / PAGE_SIZE)
static uint32_t used[SLOTS / 32], start[SLOTS / 32], guard[SLOTS / 32];
static uint32_t nfree = SLOTS, hint;

static inline bool bit(const uint32_t *m, uint32_t i) { return m[i / 32] & (1u << (i % 32)); }
static inline void set(uint32_t *m, uint32_t i) { m[i / 32] |= 1u << (i % 32); }
static inline void clr(uint32_t *m, uint32_t i) { m[i / 32] &= ~(1u << (i % 32)); }

void syspte_init(void) { }

static bool run_free(uint32_t s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (bit(used, s + i)) return false;
    return true;
}

vaddr_t syspte_alloc(uint32_t npages)
{
    if (!npages || npages >= SLOTS) return 0;
    uint32_t need = npages + 1;
    for (uint32_t pass = 0; pass < 2; pass++) {
        uint32_t s = pass ? 0 : hint;
        uint32_t lim = pass ? hint : SLOTS;
        while (s + need <= SLOTS && s < lim + need) {
            if (bit(used, s)) {            /* skip a whole used word quickly when we can */
                if ((s % 32) == 0 && used[s / 32] == 0xFFFFFFFFu) s += 32; else s++;
                continue;
            }
            if (run_free(s, need)) {
                for (uint32_t i = 0; i < need; i++) set(used, s + i);
                set(start, s);
                set(guard, s + npages);
                nfree -= need;
                hint = s + need;
                return SYSPTE_START + s * PAGE_SIZE;
            }
            s++;
        }
    }
    return 0;
}

uint32_t syspte_alloc_size(vaddr_t va)
{
    if (va < SYSPTE_START || va >= SYSPTE_END || (va & PAGE_MASK)) return 0;
    uint32_t s = (va - SYSPTE_START) / PAGE_SIZE;
    if (!bit(start, s)) return 0;
    uint32_t n = 0;
    while (!bit(guard, s + n)) n++;
    return n;
}

mm_status syspte_free(vaddr_t va, uint32_t npages)
{
    uint32_t n = syspte_alloc_size(va);
    if (!n || n != npages) return MM_EINVAL;
    uint32_t s = (va - SYSPTE_START) / PAGE_SIZE;
    for (uint32_t i = 0; i < n; i++)
        if (pte_read(va + i * PAGE_SIZE)) return MM_EBUSY;     /* still mapped */
    for (uint32_t i = 0; i <= n; i++) clr(used, s + i);
    clr(start, s);
    clr(guard, s + n);
    nfree += n + 1;
    return MM_OK;
}

uint32_t syspte_free_count(void) { return nfree; }

bool syspte_is_guard(vaddr_t va)
{
    return va >= SYSPTE_START && va < SYSPTE_END && bit(guard, (va - SYSPTE_START) / PAGE_SIZE);
}

/* Is [va, va + n) inside one allocation (not its guard)? */
bool syspte_range_allocated(vaddr_t va, uint32_t npages)
{
    if (va < SYSPTE_START || va >= SYSPTE_END) return false;
    uint32_t s = (va - SYSPTE_START) / PAGE_SIZE;
    if (npages > SLOTS - s) return false;
    for (uint32_t i = 0; i < npages; i++)
        if (!bit(used, s + i) || bit(guard, s + i) || (i && bit(start, s + i))) return false;
    return true;
}
