/*
 * pfn.c - the frame allocator and the per-frame counts (see pfn.h for the states and counts).
 *
 * Free frames are on two lists - below 16 MiB ("low", kept for ISA DMA) and above ("high", used
 * first) - threaded through their records, so a single frame comes and goes in O(1); runs are
 * found by a first-fit search that steps over fully used 4 MiB chunks (pfn_chunk_free).  The
 * database and its lists are built at boot by pfn_boot.c, which hands the lists over here
 * (pfn_set_free_lists) and takes its exceptions off them (pfn_unlist).
 *
 * This file is below pte.c, which allocates its tables here, and never calls it: frame
 * contents - the zero fill, the poison - go through hyperspace, whose fill pte.c lends once it
 * exists (pfn_fill_hook).
 *
 * Exhaustion: pfn_alloc returns PFN_NONE and changes nothing; callers turn that into their
 * API's out-of-memory error.  "Exhausted" means nothing pfn_available() allows: the frames the
 * commit charge needs (mm/core/vm.c, top) are kept for it, and only the resolution of a charged
 * page (PFN_ALLOC_CHARGED) may take one of those.
 */
#include "mm/core/pfn.h"

struct pfn *pfn_db = (struct pfn *)PFNDB_BASE;
pfn_t pfn_max;
struct pfn_counters pfn_count;
bool pfn_poison_on_free = true;
void (*pfn_fill_hook)(pfn_t p, uint32_t pattern);
void (*pfn_room_hook)(uint32_t n);
bool (*pfn_pagein_hook)(vaddr_t va);
bool (*pfn_frees_hook)(const struct pfn_want *w);
struct pfn_keep pfn_keep;

static pfn_t free_head[2] = { PFN_NONE, PFN_NONE };   /* [0] low (< 16 MiB), [1] high */

/* Free frames per chunk of PFN_CHUNK frames (4 MiB), so a search for a run steps over a fully
 * used chunk in one comparison; and no frame of a free list's zone below its run_hint is free
 * (frees lower it, searches raise it), so a search starts where free memory starts - one hint
 * per zone, since frames below 16 MiB stay free the longest.  Without them a run search read
 * every used record below the first free run: 16.9 M instructions at 90 % of 3.5 GiB used.
 * Kept by list_push / pfn_unlist, the only places a frame becomes or stops being free (and by
 * pfn_boot.c, which builds the lists). */
uint16_t pfn_chunk_free[PFN_NCHUNKS];
static pfn_t run_hint[2] = { 0, ISA_DMA_LIMIT_PFN };

const char *pfn_state_name(uint8_t s)
{
    static const char *const n[] = { "not-RAM", "free", "used", "page-table", "page-directory", "system", "reserved" };
    return s < ARRAY_SIZE(n) ? n[s] : "?";
}

/* ---- free lists ---------------------------------------------------------------------------- */

/* The only two places a frame becomes or stops being free (with their callers pfn_alloc's pop
 * and pfn_give_back's push, which are these with the list head known).  Both keep the chunk
 * counter and, on a push, the run hint. */
static inline __attribute__((always_inline)) void list_push_to(struct pfn *db, pfn_t p, int l)
{
    struct pfn *r = &db[p];
    pfn_chunk_free[p >> PFN_CHUNK_SHIFT]++;             /* in this order: short live ranges */
    if (p < run_hint[l]) run_hint[l] = p;
    pfn_t h = free_head[l];
    free_head[l] = p;
    r->prev = PFN_NONE;
    r->next = h;
    if (h != PFN_NONE) r[(int32_t)(h - p)].prev = p;    /* db[h], one register fewer */
}

/* The list is chosen by a branch so that each copy addresses its head and hint directly. */
static inline __attribute__((always_inline)) void list_push(struct pfn *db, pfn_t p)
{
    if (pfn_zone(p)) list_push_to(db, p, 1);
    else list_push_to(db, p, 0);
}

/* The lists as pfn_boot.c threaded them, each in ascending frame order. */
void pfn_set_free_lists(pfn_t low, pfn_t high)
{
    free_head[0] = low;
    free_head[1] = high;
}

void pfn_unlist(pfn_t p)
{
    struct pfn *r = &pfn_db[p];
    pfn_chunk_free[p >> PFN_CHUNK_SHIFT]--;
    if (r->prev != PFN_NONE) pfn_db[r->prev].next = r->next;
    else free_head[pfn_zone(p)] = r->next;
    if (r->next != PFN_NONE) pfn_db[r->next].prev = r->prev;
}

/* Free -> used, once the frame is off its list: the caller now owns it and must map, hold or
 * free it.  `next` is left as it is: for a used frame it is mm_check's scratch, which clears it
 * before use; `pins` (the union's other half) must start at zero. */
static inline __attribute__((always_inline)) void take_record(pfn_t p, uint32_t flags)
{
    struct pfn *r = &pfn_db[p];
    uint8_t was = r->flags;
    pfn_count.free--;
    pfn_count.used++;
    r->state = PFN_USED;
    r->flags = 0;
    r->lock_count = 0;
    r->map_count = r->hold_count = 0;
    r->pins = 0;
    r->slot = 0;
    if (__builtin_expect(was & PFNF_ZEROED, 0)) pfn_count.zeroed--;
    else if (flags & PFN_ALLOC_ZERO) pfn_fill_hook(p, 0);
}

static void take(pfn_t p, uint32_t flags)
{
    pfn_unlist(p);
    take_record(p, flags);
}

/* Used -> free.  pfn_free and pfn_give_back share it inline: pfn_free is half of every
 * single-frame round trip.  No call on the way (poisoning is a debug option, done out of line),
 * so the common case needs no saved registers. */
static inline __attribute__((always_inline)) void put_record(struct pfn *db, pfn_t p)
{
    struct pfn *r = &db[p];
    r->state = PFN_FREE;
    r->flags = 0;
    list_push(db, p);
    pfn_count.free++;
    pfn_count.used--;
}

static __attribute__((noinline)) int put_poisoned(pfn_t p)
{
    pfn_fill_hook(p, PFN_POISON);
    put_record(pfn_db, p);
    return 0;
}

static inline __attribute__((always_inline)) int free_frame(struct pfn *db, pfn_t p)
{
    if (__builtin_expect(pfn_poison_on_free && pfn_fill_hook, 0)) return put_poisoned(p);
    put_record(db, p);
    return 0;
}

void pfn_give_back(pfn_t p)
{
    (void)free_frame(pfn_db, p);
}

/* Pops the head of list l (not empty): a head has no predecessor, so this is pfn_unlist
 * without the prev test. */
static inline __attribute__((always_inline)) void pop_head(int l, pfn_t p)
{
    struct pfn *r = &pfn_db[p];
    pfn_t n = r->next;
    free_head[l] = n;
    if (n != PFN_NONE) r[(int32_t)(n - p)].prev = PFN_NONE;   /* pfn_db[n], one register fewer */
    pfn_chunk_free[p >> PFN_CHUNK_SHIFT]--;
}

static __attribute__((noinline)) pfn_t alloc_slow(uint32_t flags)
{
    if (!(flags & PFN_ALLOC_CHARGED) && !pfn_available()) return PFN_NONE;
    int l = 1;
    pfn_t p = free_head[1];
    if (p == PFN_NONE || (flags & PFN_ALLOC_LOW)) {
        l = 0;
        p = free_head[0];
        if (p == PFN_NONE) return PFN_NONE;
    }
    pop_head(l, p);
    take_record(p, flags);
    return p;
}

/* O(1): the head of the high list (or of the low one).  The common case - no zero fill, high
 * memory left, more frames free than charged - is a leaf; the rest (the charge rule included)
 * is alloc_slow. */
pfn_t pfn_alloc(uint32_t flags)
{
    pfn_t p = free_head[1];
    /* free + pageable > charged + reserve implies pfn_available() > 0 (pfn.h): the cheap,
     * sufficient form of the charge rule; anything closer is alloc_slow's to decide. */
    if (__builtin_expect((flags & (PFN_ALLOC_LOW | PFN_ALLOC_ZERO)) || p == PFN_NONE ||
                         pfn_count.free + pfn_count.pageable <= pfn_count.charged + pfn_count.reserve, 0))
        return alloc_slow(flags);
    pop_head(1, p);
    take_record(p, 0);
    return p;
}

bool pfn_is_ram(pfn_t p)
{
    return p < pfn_max && pfn_db[p].state != PFN_NOTRAM;
}

int pfn_free(pfn_t p)
{
    struct pfn *db = pfn_db, *r = &db[p];
    if (p >= pfn_max || r->state != PFN_USED || !pfn_unused(r)) return -1;   /* also: not RAM, free, system */
    return free_frame(db, p);
}

/* pfn_unref for each frame of a list, with the free inline: the second half of a range unmap
 * (pte_clear_range), once per page.  With poisoning on (a debug option) the frames go back
 * one by one through pfn_give_back, out of the loop that matters. */
static __attribute__((noinline)) void unref_many_poisoned(const pfn_t *f, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) pfn_unref(f[k]);
}

void pfn_unref_many(const pfn_t *f, uint32_t n)
{
    if (__builtin_expect(pfn_poison_on_free && pfn_fill_hook, 0)) {
        unref_many_poisoned(f, n);
        return;
    }
    struct pfn *db = pfn_db;
    uint32_t freed = 0;
    for (const pfn_t *end = f + n; f < end; f++) {
        pfn_t p = *f;
        struct pfn *r = &db[p];
        if (r->state != PFN_USED || !r->map_count) pfn_count_panic("pfn_unref", p);
        if (r->map_count != 1 || r->hold_count || r->lock_count) {   /* not the last count */
            r->map_count--;
            continue;
        }
        r->map_count = 0;
        r->state = PFN_FREE;                         /* put_record, with the counters summed */
        r->flags = 0;
        list_push(db, p);
        freed++;
    }
    pfn_count.free += freed;
    pfn_count.used -= freed;
}

void pfn_release_if_unused(pfn_t p)
{
    struct pfn *r = &pfn_db[p];
    if (r->state == PFN_USED && pfn_unused(r)) pfn_give_back(p);
}

NORETURN void pfn_count_panic(const char *op, pfn_t p)
{
    struct pfn *r = pfn_get(p);
    if (!r) panic("%s: frame %x has no record", op, p);
    panic("%s: frame %x is %s with %u mappings, %u locks", op, p, pfn_state_name(r->state), r->map_count,
          r->lock_count);
}

void pfn_pin(pfn_t p)
{
    pfn_lock(p);
    if (pfn_db[p].state == PFN_USED) pfn_db[p].pins++;
}

void pfn_unpin(pfn_t p)
{
    struct pfn *r = pfn_get(p);
    if (r && r->state == PFN_USED) {
        if (!r->pins) panic("pfn_unpin: frame %x has no pin", p);
        r->pins--;
    }
    pfn_unlock(p);
}

void pfn_hold(pfn_t p)
{
    pfn_db[p].hold_count++;
}

void pfn_fill(pfn_t p, uint32_t pattern)
{
    pfn_fill_hook(p, pattern);
}

void pfn_zero(pfn_t p)
{
    pfn_fill_hook(p, 0);
}

/* ---- runs --------------------------------------------------------------------------------- */

/* The first frame in [p, limit) that may be free (limit if none): fully used chunks are
 * stepped over whole.  The zones' limits are chunk multiples. */
static pfn_t skip_used(pfn_t p, pfn_t limit)
{
    while (p < limit) {
        if (!pfn_chunk_free[p >> PFN_CHUNK_SHIFT]) p = ((p >> PFN_CHUNK_SHIFT) + 1) << PFN_CHUNK_SHIFT;
        else if (pfn_db[p].state != PFN_FREE) p++;
        else break;
    }
    return MIN(p, limit);
}

/* Where a search from lo can start: no frame in [lo, result) is free. */
static pfn_t first_maybe_free(pfn_t lo)
{
    if (lo < ISA_DMA_LIMIT_PFN) {
        run_hint[0] = skip_used(run_hint[0], MIN(ISA_DMA_LIMIT_PFN, pfn_max));
        if (run_hint[0] < ISA_DMA_LIMIT_PFN) return MAX(lo, run_hint[0]);
        lo = ISA_DMA_LIMIT_PFN;
    }
    run_hint[1] = skip_used(run_hint[1], pfn_max);
    return MAX(lo, run_hint[1]);
}

/* First fit, lowest address first.  Cost: one comparison per fully used chunk, one record per
 * frame elsewhere; the frames below the hints are not looked at again until one is freed. */
static pfn_t find_run(uint32_t n, uint32_t align, pfn_t lo, pfn_t hi, uint32_t boundary)
{
    lo = first_maybe_free(lo);
    pfn_t s = (lo + align - 1) & ~(align - 1);
    while (s + n <= hi && s + n > s) {
        if (!pfn_chunk_free[s >> PFN_CHUNK_SHIFT]) {      /* a fully used chunk: step over it */
            s = (((s >> PFN_CHUNK_SHIFT) + 1) << PFN_CHUNK_SHIFT) + align - 1;
            s &= ~(align - 1);
            continue;
        }
        if (boundary && (s / boundary) != ((s + n - 1) / boundary)) {
            s = ((s / boundary) + 1) * boundary;      /* next boundary multiple is aligned too if align <= boundary */
            s = (s + align - 1) & ~(align - 1);
            continue;
        }
        uint32_t i = 0;
        while (i < n && pfn_db[s + i].state == PFN_FREE) i++;
        if (i == n) return s;
        s = (s + i + 1 + align - 1) & ~(align - 1);
    }
    return PFN_NONE;
}

pfn_t pfn_alloc_run(uint32_t n, uint32_t align, pfn_t min, pfn_t max, uint32_t boundary, uint32_t flags)
{
    if (!n || !align || (align & (align - 1)) || (boundary & (boundary - 1)) || (boundary && boundary < n))
        return PFN_NONE;
    if (max > pfn_max) max = pfn_max;
    if (min >= max || max - min < n) return PFN_NONE;
    if (!(flags & PFN_ALLOC_CHARGED) && n > pfn_available()) return PFN_NONE;   /* charged frames */
    pfn_t s = PFN_NONE;
    if (min < ISA_DMA_LIMIT_PFN && max > ISA_DMA_LIMIT_PFN)       /* prefer memory above 16 MiB */
        s = find_run(n, align, ISA_DMA_LIMIT_PFN, max, boundary);
    if (s == PFN_NONE) s = find_run(n, align, min, max, boundary);
    if (s == PFN_NONE) return PFN_NONE;
    for (uint32_t i = 0; i < n; i++) take(s + i, flags);
    return s;
}

pfn_t pfn_alloc_run_room(uint32_t n, uint32_t align, pfn_t min, pfn_t max, uint32_t boundary, uint32_t flags)
{
    pfn_t s = pfn_alloc_run(n, align, min, max, boundary, flags);
    if (s != PFN_NONE || !pfn_frees_hook) return s;
    struct pfn_want w = { n, align, boundary, min, max, true, (flags & PFN_ALLOC_CHARGED) != 0 };
    return pfn_frees_hook(&w) ? pfn_alloc_run(n, align, min, max, boundary, flags) : PFN_NONE;
}

uint32_t pfn_free_in(pfn_t min, pfn_t max)
{
    if (max > pfn_max) max = pfn_max;
    if (!min && max == pfn_max) return pfn_count.free;
    uint32_t n = 0;
    for (pfn_t p = min; p < max; p++) n += pfn_db[p].state == PFN_FREE;
    return n;
}

bool pfn_room_in(uint32_t n, pfn_t min, pfn_t max)
{
    if (pfn_available() >= n && pfn_free_in(min, max) >= n) return true;
    struct pfn_want w = { n, 1, 0, min, max, false, false };
    return pfn_frees_hook && pfn_frees_hook(&w);
}
