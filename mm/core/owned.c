/*
 * owned.c - fresh frames that an owner holds without mapping them (added for NT's
 * MmAllocatePagesForMdl, but nothing here is NT-specific).
 *
 * The frames come straight from the allocator, zeroed, and are owned by one new lock record
 * (mm/core/lock.c): a lock per frame, so they are used RAM that nothing maps, that no other API
 * may move or free, and that the rights policy lets any API map (RAM in use).  The owner maps
 * them where it likes (mm_map_frames: each mapping adds a counted reference) and gives them back
 * by releasing the record (mm_unlock_record): each frame goes back to the free list as soon as
 * no mapping still refers to it - at once for unmapped frames, or when the last mapping goes.
 *
 * Where the frames come from: a frame request, then the same request `skip` frames further, and
 * so on up to the last frame (NT's "first range, then the next one SkipBytes further"), each
 * scanned once from its low end with a cursor, so taking n frames costs O(the frames scanned),
 * never a rescan per frame.  A request spanning 16 MiB
 * is taken above 16 MiB first (the allocator's rule: ISA-DMA frames last).  Frames may come in
 * runs: `run` contiguous frames aligned to `run` (NT's MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS).
 * Frames the commit charge holds are never taken (pfn_alloc_run refuses them).
 */
#include "mm/core/core.h"

/* Runs from [lo, hi) into frames[*got..], at most `want` more frames; next cursor is past each. */
static void take_from(pfn_t lo, pfn_t hi, const struct mm_frame_req *q, uint32_t run, uint32_t want,
                      pfn_t *frames, uint32_t *got)
{
    uint32_t align = MAX(run, q->align ? q->align : 1u);
    for (pfn_t cur = lo; *got + run <= want && cur < hi && hi - cur >= run;) {
        pfn_t s = pfn_alloc_run(run, align, cur, hi, q->boundary, PFN_ALLOC_ZERO);
        if (s == PFN_NONE) return;
        for (uint32_t i = 0; i < run; i++) frames[(*got)++] = s + i;
        cur = s + run;
    }
}

/* The part of [lo, hi) above `covered` (the end of the ranges scanned before), 16 MiB split. */
static void take_range(pfn_t lo, pfn_t hi, pfn_t covered, const struct mm_frame_req *q, uint32_t run, uint32_t n,
                       pfn_t *frames, uint32_t *got)
{
    lo = MAX(lo, covered);
    hi = MIN(hi, pfn_max);
    if (lo >= hi) return;
    if (lo < ISA_DMA_LIMIT_PFN && hi > ISA_DMA_LIMIT_PFN) {
        take_from(ISA_DMA_LIMIT_PFN, hi, q, run, n, frames, got);
        take_from(lo, ISA_DMA_LIMIT_PFN, q, run, n, frames, got);
    } else {
        take_from(lo, hi, q, run, n, frames, got);
    }
}

uint32_t mm_alloc_locked_frames(uint32_t n, uint32_t run, const struct mm_frame_req *req, pfn_t skip, bool all,
                                pfn_t *frames, mm_lock_t *rec)
{
    *rec = NULL;
    if (!n || !run || (run & (run - 1)) || n % run || !frames || !req || (req->align & (req->align - 1))) return 0;
    /* With the pager on, single frames of the first range may be made free by paging out first
     * (pfn_room_in: only if all n can be, so a request that cannot be met pages nothing out);
     * runs, and the ranges `skip` further, take what is free. */
    if (run == 1) pfn_room_in(n, req->min, req->max);
    if (all && n > pfn_available()) return 0;            /* cannot be met: try nothing */
    uint32_t got = 0;
    /* Range k is [min + k * skip, max + k * skip).  Where it overlaps the ranges before, those
     * were scanned already with the same alignment and boundary: whatever is free there now was
     * not takeable then, so only the new part is scanned - O(frames) for the whole call. */
    uint64_t lo = req->min, hi = req->max, covered = 0;
    while (got < n && lo < pfn_max && lo < hi) {
        take_range((pfn_t)lo, (pfn_t)MIN(hi, (uint64_t)pfn_max), (pfn_t)MIN(covered, (uint64_t)pfn_max), req, run, n,
                   frames, &got);
        covered = MAX(covered, hi);
        if (!skip) break;
        lo += skip;
        hi += skip;
    }
    if (got && (!all || got == n) && mm_lock_record_frames(frames, got, rec) == MM_OK) return got;
    for (uint32_t i = 0; i < got; i++) pfn_free(frames[i]);   /* used, no counts yet: straight back */
    *rec = NULL;
    return 0;
}
