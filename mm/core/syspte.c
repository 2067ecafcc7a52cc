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
#include "mm/core/pte_sw.h"

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

/* Is [va, va + n) inside one allocation (not its guard, no header entry)? */
bool syspte_range_allocated(vaddr_t va, uint32_t npages)
{
    if (va < SYSPTE_START || va >= SYSPTE_END) return false;
    uint32_t s = (va - SYSPTE_START) / PAGE_SIZE;
    if (npages > SLOTS - s) return false;
    for (uint32_t i = 0; i < npages; i++)
        if (!bit(used, s + i) || bit(guard, s + i) || (i && bit(start, s + i)) ||
            syspte_is_header(va + i * PAGE_SIZE)) return false;     /* a header is never a range's page */
    return true;
}

/*
 * Header entries in the system-PTE pool: not-present PTEs whose bits belong to the
 * allocation's owner (added for NT 5.2's reserved mappings, which keep their size and pool tag
 * in the two PTEs in front of the range, where a driver - or a test - reads them through the
 * self-map).
 *
 * A not-present entry means something to the core: with bit 10 (PTE_NP_DEMAND, pte_sw.h) it is
 * a committed demand-zero page - a charge, a page the fault handler fills in.  An owner's bits
 * are arbitrary (a pool tag has bit 10 set as often as not), so header slots are marked in a
 * bitmap of their own, and the three places that interpret a not-present entry ask it first:
 * the fault handler never resolves a fault on a header (the access faults, as on NT), the
 * checker does not count a header as a charge, and no range operation of the core (map, commit,
 * decommit, lock: core_range_mappable -> syspte_range_allocated) may include one.  A header is
 * stored and cleared by pte_set_opaque, which charges nothing whatever the bits look like.
  (Here, beside the pool they live in: the pool asks
 * syspte_is_header, and the header calls ask syspte_range_allocated.)
 */
static uint32_t hdr[SLOTS / 32];
static uint32_t nhdr;

static inline uint32_t hdr_slot(vaddr_t va) { return (va - SYSPTE_START) / PAGE_SIZE; }

bool syspte_is_header(vaddr_t va)
{
    if (!nhdr || va < SYSPTE_START || va >= SYSPTE_END) return false;
    uint32_t s = hdr_slot(va);
    return hdr[s / 32] & (1u << (s % 32));
}

mm_status syspte_set_header(vaddr_t va, uint32_t value)
{
    if ((va & PAGE_MASK) || !value || (value & PTE_P) || !syspte_range_allocated(va, 1)) return MM_EINVAL;
    if (pte_read(va)) return MM_EEXIST;
    pte_room_for_tables(va, 1);                         /* no page or frame checked here */
    if (!pte_ensure(va)) return MM_ENOMEM;
    uint32_t s = hdr_slot(va);
    hdr[s / 32] |= 1u << (s % 32);
    nhdr++;
    pte_set_opaque(va, value);                          /* a header is not a commit */
    return MM_OK;
}

mm_status syspte_clear_header(vaddr_t va)
{
    if ((va & PAGE_MASK) || !syspte_is_header(va)) return MM_ENOENT;
    uint32_t s = hdr_slot(va);
    hdr[s / 32] &= ~(1u << (s % 32));
    nhdr--;
    pte_set_opaque(va, 0);
    return MM_OK;
}
