/*
 * pfn.h - the PFN database and the frame allocator.
 *
 * One 32-byte record per physical frame from 0 up to the highest usable frame, mapped at
 * PFNDB_BASE.  Frames above that have no record and are "not RAM" (I/O space) as far as
 * anything here is concerned; so are holes and firmware ranges below it (PFN_NOTRAM).
 *
 * A RAM frame is in exactly one state:
 *   FREE       on a free list (low: below 16 MiB, high: above), contents poisoned or zeroed
 *   USED       owned: alive while map_count + hold_count + lock_count > 0
 *   PAGETABLE  a page table; map_count = number of non-zero entries in it
 *   PAGEDIR    a page directory
 *   SYSTEM     kernel data (PFN database, kernel pool); never freed
 *   RESERVED   first MiB, kernel image, boot data, Multiboot data and modules; never freed
 * map_count counts present PTEs that reference the frame (not PTE_SW_RAW): NT's share count.
 * lock_count counts the locks every owner holds on it (NT's reference count, with hold_count):
 * one per pinned (PTE_SW_PIN, fixed-commit) mapping - `pins` says how many of them - plus one
 * per entry of a lock record (a DevHelp handle, an MDL, a PAGEMAPGLOBAL alias) and one per
 * linear lock of a page that maps it (mm/core/lock.c keeps the owners; mm_check adds them up).
 * hold_count counts owners that are not mappings (PCCNOLIN pages, kept frames).  All counts
 * are 32 bits: a count that would pass PFN_COUNT_MAX is refused by the caller that would raise
 * it (the lock services answer MM_ELIMIT), never wrapped.
 */
#ifndef MM_PFN_H
#define MM_PFN_H
#ifndef MM_CORE_PRIVATE            /* the Makefile defines it for mm/core/ and tests/ only */
#error "a core-private header: outside mm/core/ (and tests/), include mm/mm.h"
#endif
#include "kernel/kernel.h"
#include "kernel/bootinfo.h"
#include "mm/mm.h"                  /* PFN_NONE */

enum pfn_state { PFN_NOTRAM, PFN_FREE, PFN_USED, PFN_PAGETABLE, PFN_PAGEDIR, PFN_SYSTEM, PFN_RESERVED };
#define PFNF_ZEROED  0x01   /* free frame known to be all zero */
#define PFNF_DIRTY   0x02   /* may have been written other than through the page's own PTE (a second
                               mapping, a lock: DMA; PAGEMARKDIRTY, VMDHL_WRITE), so a swap copy of
                               it cannot be trusted: the pager writes it again (pager.c) */
#define PFNF_CONTIG_START 0x04   /* first / last frame of an NT contiguous allocation */
#define PFNF_CONTIG_END   0x08
#define PFNF_KPOOL   0x10   /* a system frame of the kernel pool (the rights policy, pte.c) */

struct pfn {
    uint8_t state, flags;
    uint16_t slot;           /* used frames: the swap slot that holds a copy of this frame's
                                contents (a clean pageable page paged in or written out), 0 for
                                none; the pager sets it, pte.c releases it when the mapping goes */
    uint32_t map_count;      /* counted present mappings (share count) */
    uint32_t lock_count;     /* pins + lock-record entries + linear locks */
    uint32_t hold_count;     /* owners without a mapping */
    uint32_t pins;           /* used frames: how many of lock_count are PTE_SW_PIN mappings */
    uint32_t next, prev;     /* free-list links; for other frames, mm_check's scratch */
    uint32_t scratch;        /* mm_check's scratch */
};
_Static_assert(sizeof(struct pfn) == 32, "PFN record must stay 32 bytes: PFNDB_END assumes it");
#define PFN_COUNT_MAX 0xFFFF0000u          /* beyond this a lock or hold is refused (MM_ELIMIT) */

#define ISA_DMA_LIMIT_PFN 0x1000u          /* 16 MiB */
/* Which free list a frame goes on: 0 below 16 MiB (kept for ISA DMA), 1 above (used first). */
static inline int pfn_zone(pfn_t p) { return p >= ISA_DMA_LIMIT_PFN; }

struct pfn_counters {
    uint32_t total;      /* RAM frames with a record (usable RAM) */
    uint32_t free, zeroed, locked, reserved, system, pagetables, used;
    /* The commit charge (mm/core/vm.c, top): entries that hold one page of it in every address
     * space - resident demand-zero pages, and pageable pages in any state (pte_is_charged) -
     * kept by the PTE transition helpers (pte.c). */
    uint32_t charged;
    uint32_t pageable;   /* present pageable entries (PTE_SW_PAGEABLE): frames the pager may free */
    uint32_t swapped;    /* swapped-out entries (PTE_NP_SWAP) */
    /* Set by the pager while it is on (mm/core/pager.c), 0 otherwise: the swap slots the commit
     * limit counts, and the frames kept for pageable memory (no ordinary allocation takes them). */
    uint32_t swap_slots, reserve;
};

#define PFN_CHUNK_SHIFT 10u                /* 1024 frames: 4 MiB */
#define PFN_CHUNK (1u << PFN_CHUNK_SHIFT)
#define PFN_NCHUNKS (0x100000u >> PFN_CHUNK_SHIFT)
extern uint16_t pfn_chunk_free[PFN_NCHUNKS];   /* free frames per chunk (pfn.c; mm_check checks) */

extern struct pfn *pfn_db;
extern pfn_t pfn_max;                     /* one past the highest frame with a record */
extern struct pfn_counters pfn_count;
extern bool pfn_poison_on_free;           /* debug poisoning; benchmarks measure both */
#define PFN_POISON 0xDEADBEEFu

/* Builds the database from bootinfo.  It must be mapped before any allocator exists: map(va,
 * frame, alloc) maps one page of it, taking page tables from alloc (mm/core/init.c passes
 * pte_boot_map).  Every frame so taken starts as PFN_SYSTEM; pte_boot_account, called next, turns
 * the page tables among them into PFN_PAGETABLE. */
typedef void pfn_boot_map_fn(vaddr_t va, pfn_t pfn, pfn_t (*alloc)(void));
void pfn_init(pfn_boot_map_fn *map);      /* pfn_boot.c */
/* pfn_init's two calls into the allocator: the free lists it threaded through the records
 * (heads, PFN_NONE for an empty one), then each free frame that must leave its list - the
 * caller sets the record's new state.  pfn.c's own allocations take frames off with
 * pfn_unlist too. */
void pfn_set_free_lists(pfn_t low, pfn_t high);
void pfn_unlist(pfn_t p);
extern uint64_t pfn_init_ticks;           /* its TSC ticks at boot (mm/core/init.c; make bench) */
static inline struct pfn *pfn_get(pfn_t p)
{
    if (p >= pfn_max) return NULL;
    struct pfn *r = &pfn_db[p];
    if (!r) __builtin_unreachable();      /* a record is never at 0: spares callers a NULL test */
    return r;
}
bool pfn_is_ram(pfn_t p);                 /* has a record and is not a hole/firmware range */

/* Single frames, O(1).  PFN_ALLOC_LOW takes only below 16 MiB; otherwise high memory is used
 * first so ISA-DMA-capable frames last (DESIGN: below-16-MiB preference rule).
 * The free frames that outstanding charges need are not free to anyone else: an allocation
 * fails (PFN_NONE) unless pfn_available() - except PFN_ALLOC_CHARGED, for the frame of a
 * charged page being resolved (a demand-zero page faulted in, a swapped-out page read back:
 * the fault handler, make_present, the pager), which may take any free frame.  Nothing here
 * pages out: pfn_make_room does, where its callers know no page is half-handled. */
#define PFN_ALLOC_ZERO 1u
#define PFN_ALLOC_LOW  2u
#define PFN_ALLOC_CHARGED 4u
pfn_t pfn_alloc(uint32_t flags);          /* PFN_NONE when memory is exhausted */
/* What an ordinary (non-pageable) allocation may take now: free frames, as long as what is left
 * for pageable memory (free + present pageable frames) stays at least the reserve and the commit
 * limit (that, plus the swap slots) still covers the charge (mm/core/vm.c, top).  Without the
 * pager (reserve and slots 0) this is free - the resident charge: the frames no charge holds. */
static inline uint32_t pfn_commit_limit(void)
{
    uint32_t room = pfn_count.free + pfn_count.pageable;
    return (room > pfn_count.reserve ? room - pfn_count.reserve : 0) + pfn_count.swap_slots;
}
/* What pfn_available() would be with every present pageable frame free: paging out moves frames
 * from present pageable to free, which changes neither the room (free + pageable) nor the limit
 * nor the charge - so an ordinary allocation of more than this is refused whatever leaves. */
static inline uint32_t pfn_obtainable(void)
{
    uint32_t room = pfn_count.free + pfn_count.pageable, limit = pfn_commit_limit();
    uint32_t a = limit > pfn_count.charged ? limit - pfn_count.charged : 0;
    uint32_t left = room > pfn_count.reserve ? room - pfn_count.reserve : 0;
    return a < left ? a : left;
}
static inline uint32_t pfn_available(void)
{
    uint32_t a = pfn_obtainable();
    return a < pfn_count.free ? a : pfn_count.free;
}
/* The pager's two entries for the layers below it (set while it is on, NULL otherwise; the
 * function-pointer form keeps the layer order: mm/core/pager.c sits above region.c).
 * pfn_room_hook(n): page out until n frames (and the low watermark) are free - called only where
 * no page is half-handled (pfn_make_room).  pfn_pagein_hook(va): bring the swapped-out page va
 * of the current address space in; true when it is present. */
extern void (*pfn_room_hook)(uint32_t n);
extern bool (*pfn_pagein_hook)(vaddr_t va);
static inline void pfn_make_room(uint32_t n)
{
    if (pfn_room_hook) pfn_room_hook(n);
}

/* The pages the pager leaves alone while this is set: those of the range an operation is making
 * present or moving (core_make_present, relocation), which must not be the ones written out to
 * make room for it - a page of it sent to swap would come back in another frame, behind the
 * operation's back.  `space`: the address space of a private-arena range (the current one when
 * set; shared and system ranges are the same in every space).  Set with PFN_KEEP, which gives
 * back the previous value when its block ends. */
struct pfn_keep { vaddr_t lo, hi; const void *space; };
extern struct pfn_keep pfn_keep;

/* Frames a caller is about to take: n of them inside [min, max) (max may be PFN_NONE), one run
 * (`run`: aligned to `align`, not crossing a multiple of `boundary`) or any n; `charged` for the
 * frames of charged pages being resolved (PFN_ALLOC_CHARGED: the charge already holds room for
 * them, so only free frames count). */
struct pfn_want { uint32_t n, align, boundary; pfn_t min, max; bool run, charged; };
/* pfn_frees_hook(w) (the pager's, set while it is on): writes pages out until an allocation of w
 * can succeed - and only if it can, so a call that is refused anyway loses no page to swap: it
 * first counts what could leave (the window's free frames plus its evictable pages, or a run of
 * frames each free or evictable) and changes nothing when that is not enough.  Evictable: what
 * the pager may take at all (pager.c, top: pageable, unlocked, mapped once).  True when the
 * allocation can now succeed.  Called only where no page is half-handled: before an operation
 * changes anything (pfn_room_for below, the run wrappers in pfn.c), never from inside one. */
extern bool (*pfn_frees_hook)(const struct pfn_want *w);
/* Room for n ordinary frames anywhere, paging out when that is what stands in the way (a page
 * table, a directory, a present commit): true when pfn_available() >= n now. */
static inline bool pfn_room_for(uint32_t n)
{
    if (pfn_available() >= n) return true;
    struct pfn_want w = { n, 1, 0, 0, PFN_NONE, false, false };
    return pfn_frees_hook && pfn_frees_hook(&w) && pfn_available() >= n;
}
/* Free frames in [min, max): a count over the window's records (the slow path of the above). */
uint32_t pfn_free_in(pfn_t min, pfn_t max);
int pfn_free(pfn_t p);                    /* 0, or -1 (double free, not RAM, still referenced) */

/* Runs: n frames, first frame a multiple of `align` (power of two, in frames), all inside
 * [min, max), not crossing a multiple of `boundary` frames (0 = no boundary rule). */
pfn_t pfn_alloc_run(uint32_t n, uint32_t align, pfn_t min, pfn_t max, uint32_t boundary, uint32_t flags);
/* pfn_alloc_run, and when it fails with the pager on, once more after the pager made the run
 * free (pfn_frees_hook) - if it can; a refused call pages nothing out.  Only where no page is
 * half-handled (the same rule as pfn_room_for). */
pfn_t pfn_alloc_run_room(uint32_t n, uint32_t align, pfn_t min, pfn_t max, uint32_t boundary, uint32_t flags);
/* Before taking n single frames of [min, max) one by one (a frame request's per-frame loop): true
 * when they can be had now, paging out first if that is what stands in the way. */
bool pfn_room_in(uint32_t n, pfn_t min, pfn_t max);

/* Reference helpers used by the PTE transition code; a frame whose counts all reach zero
 * goes back to the free list.  They run once per page of every range operation, so the common
 * case is inline here; the rare halves (a panic on a broken count, the free) are in pfn.c. */
NORETURN void pfn_count_panic(const char *op, pfn_t p);
void pfn_give_back(pfn_t p);              /* used with no counts left -> free (pfn.c) */
void pfn_release_if_unused(pfn_t p);
void pfn_unref_many(const pfn_t *frames, uint32_t n);   /* pfn_unref of each, in order */
void pfn_pin(pfn_t p);                    /* a lock held by a PTE_SW_PIN mapping */
void pfn_unpin(pfn_t p);
void pfn_hold(pfn_t p);

static inline bool pfn_unused(const struct pfn *r)
{
    return !r->map_count && !r->hold_count && !r->lock_count;
}

static inline void pfn_ref(pfn_t p)
{
    struct pfn *r = &pfn_db[p];
    if (r->state != PFN_USED || r->map_count >= PFN_COUNT_MAX) pfn_count_panic("pfn_ref", p);
    r->map_count++;
}

static inline void pfn_unref(pfn_t p)
{
    struct pfn *r = &pfn_db[p];
    if (r->state != PFN_USED || !r->map_count) pfn_count_panic("pfn_unref", p);
    if (--r->map_count == 0 && !r->hold_count && !r->lock_count) pfn_give_back(p);
}

/* The movability predicate: may this frame move to another frame (relocation, compaction, a
 * pager) or leave memory?  Only a used frame that exactly one mapping refers to and nobody
 * locks, pins (fixed memory) or holds.  Every path that moves a frame asks this. */
static inline bool pfn_movable(pfn_t p)
{
    struct pfn *r = pfn_get(p);
    return r && r->state == PFN_USED && r->map_count == 1 && !r->lock_count && !r->hold_count;
}

/* lock_count - pins: locks taken through an API (0 for I/O space). */
static inline uint32_t pfn_extra_locks(pfn_t p)
{
    struct pfn *r = pfn_get(p);
    if (!r || r->state == PFN_NOTRAM) return 0;
    return r->lock_count - (r->state == PFN_USED ? r->pins : 0);
}

/* Lock / unlock: no-ops for I/O space (no record, or not RAM). */
static inline void pfn_lock(pfn_t p)
{
    struct pfn *r = pfn_get(p);
    if (!r || r->state == PFN_NOTRAM) return;
    if (r->lock_count >= PFN_COUNT_MAX) pfn_count_panic("pfn_lock", p);
    if (r->lock_count++ == 0) pfn_count.locked++;
    r->flags |= PFNF_DIRTY;                       /* the lock's owner (a device) may write it */
}

static inline void pfn_unlock(pfn_t p)
{
    struct pfn *r = pfn_get(p);
    if (!r || r->state == PFN_NOTRAM) return;
    if (!r->lock_count) pfn_count_panic("pfn_unlock", p);
    if (--r->lock_count == 0) {
        pfn_count.locked--;
        if (r->state == PFN_USED && !r->map_count && !r->hold_count) pfn_give_back(p);
    }
}
/* Frame contents are reached through hyperspace, which pte.c owns: it sets this hook when
 * hyperspace is up (NULL before: frames freed then are not poisoned, and nothing asks for a
 * zeroed frame that early).  pfn_zero / pfn_fill go through it. */
extern void (*pfn_fill_hook)(pfn_t p, uint32_t pattern);
void pfn_zero(pfn_t p);                   /* zero through hyperspace */
void pfn_fill(pfn_t p, uint32_t pattern);
const char *pfn_state_name(uint8_t s);
#endif
