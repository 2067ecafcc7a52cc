/*
 * region.c - reservations of linear space in the three arenas.
 *
 * A region is a sorted-list record [base, base + npages) in one arena: the current address
 * space's private arena, the shared arena or the system arena.  Per-page commit state lives in
 * the PTEs (present, or not present with PTE_NP_DEMAND), not here: one fact in one place.
 * Searches are first-fit over the sorted list; lists are short (tens to thousands).  This file
 * only reserves and finds: releasing a region's pages (mm_release) is vm.c's, which then asks
 * region_forget to drop the record.  The private arena is the current address space's, so the
 * address-space records the core walks (core_kernel_as, core_current_as: core.h) are defined
 * here, the lowest file that asks about them.
 */
#include "mm/core/core.h"

static struct region *shared_list, *system_list;
struct as core_kernel_as;                    /* core.h: the address spaces the core walks */
struct as *core_current_as = &core_kernel_as;

struct span { vaddr_t lo, hi; };
static const struct span private_any = { 0x00400000u, PRIVATE_END };  /* low 4 MiB: explicit only */
static const struct span private_all = { PRIVATE_START, PRIVATE_END };
static const struct span shared_all = { SHARED_ALLOC_START, SHARED_END };
static const struct span system_spans[2] = { { SYSALLOC_START, SYSALLOC_END }, { SYSALLOC2_START, SYSALLOC2_END } };

struct region **region_list_for(enum mm_arena a)
{
    switch (a) {
    case ARENA_PRIVATE: return &core_current_as->regions;
    case ARENA_SHARED: return &shared_list;
    case ARENA_SYSTEM: return &system_list;
    default: return NULL;
    }
}

static bool within(vaddr_t va, uint32_t npages, struct span s)
{
    return va >= s.lo && va < s.hi && npages <= (s.hi - va) >> PAGE_SHIFT;
}

bool core_range_valid(vaddr_t va, uint32_t npages)
{
    return npages && !(va & PAGE_MASK) && npages <= 0x100000u && npages <= (0u - va) >> PAGE_SHIFT;
}

enum mm_arena mm_arena_of(vaddr_t va, uint32_t npages)
{
    if (!core_range_valid(va, npages)) return ARENA_NONE;
    if (within(va, npages, private_all)) return ARENA_PRIVATE;
    if (within(va, npages, shared_all)) return ARENA_SHARED;
    for (int i = 0; i < 2; i++)
        if (within(va, npages, system_spans[i])) return ARENA_SYSTEM;
    return ARENA_NONE;
}

static vaddr_t region_end(const struct region *r) { return r->base + r->npages * PAGE_SIZE; }

/* First gap of npages in span s, aligned to align pages; 0 if none. */
static vaddr_t find_gap(struct region *list, struct span s, uint32_t npages, uint32_t align)
{
    uint32_t amask = align * PAGE_SIZE - 1;
    vaddr_t cand = (s.lo + amask) & ~amask;
    for (struct region *r = list; ; r = r->next) {
        vaddr_t limit = r ? MIN(r->base, s.hi) : s.hi;
        if (cand >= s.lo && cand < limit && npages <= (limit - cand) >> PAGE_SHIFT) return cand;
        if (!r || r->base >= s.hi) return 0;
        if (region_end(r) > cand) {
            cand = (region_end(r) + amask) & ~amask;
            if (cand < region_end(r)) return 0;            /* wrapped */
        }
    }
}

static bool overlaps(struct region *list, vaddr_t va, uint32_t npages)
{
    vaddr_t end = va + npages * PAGE_SIZE;
    for (struct region *r = list; r && r->base < end; r = r->next)
        if (region_end(r) > va) return true;
    return false;
}

struct region *mm_reserve(enum mm_arena arena, vaddr_t at, uint32_t npages, uint32_t align,
                          uint8_t owner, mm_status *st)
{
    mm_status dummy;
    if (!st) st = &dummy;
    struct region **list = region_list_for(arena);
    if (!align) align = 1;
    if (!list || !npages || npages > 0x100000u || (align & (align - 1))) { *st = MM_EINVAL; return NULL; }
    vaddr_t base = 0;
    if (at) {
        if (mm_arena_of(at, npages) != arena) { *st = MM_EINVAL; return NULL; }
        if (overlaps(*list, at, npages)) { *st = MM_EEXIST; return NULL; }
        base = at;
    } else if (arena == ARENA_SYSTEM) {
        for (int i = 0; i < 2 && !base; i++) base = find_gap(*list, system_spans[i], npages, align);
    } else {
        base = find_gap(*list, arena == ARENA_PRIVATE ? private_any : shared_all, npages, align);
    }
    if (!base) { *st = MM_ENOSPACE; return NULL; }
    struct region *r = kzalloc(sizeof *r);
    if (!r) { *st = MM_ENOMEM; return NULL; }
    r->base = base;
    r->npages = npages;
    r->arena = (uint8_t)arena;
    r->owner = owner;
    r->as = arena == ARENA_PRIVATE ? core_current_as : NULL;
    struct region **pp = list;
    while (*pp && (*pp)->base < base) pp = &(*pp)->next;
    r->next = *pp;
    *pp = r;
    *st = MM_OK;
    return r;
}

/* The region found last: a range operation, its checks and its undo look the same region up
 * several times, and the lists are searched from the start.  A private region is a hit only in
 * its own address space; the hint is dropped when its region is forgotten (the only place a
 * region goes away), so it never points at freed memory. */
static struct region *find_hint;

void region_forget(struct region *r)
{
    struct region **pp = r->as ? &r->as->regions : region_list_for((enum mm_arena)r->arena);
    while (*pp && *pp != r) pp = &(*pp)->next;
    if (*pp) *pp = r->next;
    if (find_hint == r) find_hint = NULL;
    kfree(r);
}

static inline struct region *region_lookup(vaddr_t va)
{
    struct region *h = find_hint;
    if (h && va >= h->base && va < region_end(h) && (!h->as || h->as == core_current_as)) return h;
    struct region *list = va < SHARED_START ? core_current_as->regions
                        : va < PTE_BASE ? shared_list : system_list;
    for (struct region *r = list; r && r->base <= va; r = r->next)
        if (va < region_end(r)) return find_hint = r;
    return NULL;
}

struct region *mm_region_find(vaddr_t va)
{
    return region_lookup(va);
}

bool mm_region_contains(const struct region *r, vaddr_t va, uint32_t npages)
{
    return r && core_range_valid(va, npages) && va >= r->base &&
           npages <= (region_end(r) - va) >> PAGE_SHIFT && va < region_end(r);
}

/* Checked once per core operation: mm_region_contains(mm_region_find(va)) in one step (the
 * region found contains va, so only the length is left to check). */
bool core_range_mappable(vaddr_t va, uint32_t npages)
{
    if (!core_range_valid(va, npages)) return false;
    if (va >= SYSPTE_START && va < SYSPTE_END) return syspte_range_allocated(va, npages);
    struct region *r = region_lookup(va);
    return r && npages <= (region_end(r) - va) >> PAGE_SHIFT;
}

uint32_t mm_region_count(void)
{
    uint32_t n = 0;
    for (struct as *a = as_first(); a; a = a->next)
        for (struct region *r = a->regions; r; r = r->next) n++;
    for (struct region *r = shared_list; r; r = r->next) n++;
    for (struct region *r = system_list; r; r = r->next) n++;
    return n;
}

struct region *mm_region_next_global(struct region *r)
{
    if (!r) return shared_list ? shared_list : system_list;
    if (r->next) return r->next;
    return r->arena == ARENA_SHARED ? system_list : NULL;
}
