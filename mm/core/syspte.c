/*
 * syspte.c - the system-PTE pool: runs of linear pages in SYSPTE_START..SYSPTE_END for
 * global mappings that come and go (MmMapIoSpace, MDL mappings, OS/2 PageListToLin).
 *
 * Each allocation of n pages takes n + 1 slots: the last is a guard page that is never mapped,
 * so running off the end of a mapping faults instead of touching the next one.  Three bitmaps
 * (in use, run start, guard) describe the pool.  The pool only hands out address space: callers
 * map and unmap through the core (mm_map_physical, mm_decommit).
 *
 * Allocation is next-fit (a stale pointer to a mapping just freed finds nothing for a while),
 * first within the pool's first 4 MiB, whose page table is made at boot and kept, then in the
 * rest.  Without the kept table a one-page MmMapIoSpace + MmUnmapIoSpace built, zeroed and freed
 * a page table every time (the table went with its last entry): 2,833 instructions for a
 * 4-instruction floor.
 */
#include "mm/core/core.h"

#define SLOTS ((SYSPTE_END - SYSPTE_START) / PAGE_SIZE)
static uint32_t used[SLOTS / 32], start[SLOTS / 32], guard[SLOTS / 32];
#define KEPT_SLOTS PTES_PER_TABLE     /* the slots of the kept page table */
static uint32_t nfree = SLOTS, hint[2] = { 0, KEPT_SLOTS };

static inline bool bit(const uint32_t *m, uint32_t i) { return m[i / 32] & (1u << (i % 32)); }
static inline void set(uint32_t *m, uint32_t i) { m[i / 32] |= 1u << (i % 32); }
static inline void clr(uint32_t *m, uint32_t i) { m[i / 32] &= ~(1u << (i % 32)); }

void syspte_init(void)
{
    if (!pte_pin_table(SYSPTE_START)) panic("syspte: no frame for the pool's first page table");
}

static bool run_free(uint32_t s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (bit(used, s + i)) return false;
    return true;
}

/* First s in [s, end - need] with `need` free slots from s; false if none. */
static bool scan(uint32_t s, uint32_t end, uint32_t need, uint32_t *out)
{
    while (s + need <= end) {
        if (bit(used, s)) {                /* skip a whole used word quickly when we can */
            if ((s % 32) == 0 && used[s / 32] == 0xFFFFFFFFu) s += 32; else s++;
            continue;
        }
        if (run_free(s, need)) {
            *out = s;
            return true;
        }
        s++;
    }
    return false;
}

/* Next-fit in zone z ([lo, hi)): from the zone's hint to its end, then from its start. */
static bool zone_fit(int z, uint32_t lo, uint32_t hi, uint32_t need, uint32_t *out)
{
    return scan(hint[z], hi, need, out) || scan(lo, MIN(hint[z] + need - 1, hi), need, out);
}

vaddr_t syspte_alloc(uint32_t npages)
{
    if (!npages || npages >= SLOTS) return 0;
    uint32_t need = npages + 1, s;
    int z = 0;
    if (!zone_fit(0, 0, KEPT_SLOTS, need, &s)) {
        z = 1;
        if (!zone_fit(1, KEPT_SLOTS, SLOTS, need, &s) && !scan(0, SLOTS, need, &s)) return 0;
    }
    for (uint32_t i = 0; i < need; i++) set(used, s + i);
    set(start, s);
    set(guard, s + npages);
    nfree -= need;
    hint[z] = s + need;
    return SYSPTE_START + s * PAGE_SIZE;
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

/* Is [va, va + n) inside one allocation (not its guard, no header entry: hdrpte.c)? */
bool syspte_range_allocated(vaddr_t va, uint32_t npages)
{
    if (va < SYSPTE_START || va >= SYSPTE_END) return false;
    uint32_t s = (va - SYSPTE_START) / PAGE_SIZE;
    if (npages > SLOTS - s) return false;
    for (uint32_t i = 0; i < npages; i++)
        if (!bit(used, s + i) || bit(guard, s + i) || (i && bit(start, s + i)) ||
            syspte_is_header(va + i * PAGE_SIZE)) return false;     /* hdrpte.c: never a range's page */
    return true;
}
