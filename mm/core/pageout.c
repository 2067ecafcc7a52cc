/*
 * pageout.c - paging on request rather than under pressure: writing dirty pageable pages back
 * while they stay in memory (mm_flush_dirty) and discarding pages whose contents their owner
 * no longer needs (mm_discard) - what Win9x's _PageOutDirtyPages and _PageDiscardPages ask of
 * the pager.  The writes themselves are pager.c's (pager_write_back): this file only chooses
 * the pages.
 *
 * The write-back scan keeps its own point, apart from the clock's hand: a key (space k, va),
 * k counting the private arenas of every address space in list order, then the shared and
 * system arenas (as the clock does), in increasing va within each.  A call walks the keys from
 * its point at most once round; address spaces created or destroyed between calls shift the
 * keys, so the point is a hint, as the hand is.
 */
#include "mm/core/core.h"

static uint64_t cursor;          /* the next key the write-back scan looks at */
static bool have_base, base_wrapped, base_reached;
static uint64_t base;

static inline uint64_t key_of(uint32_t k, vaddr_t va) { return ((uint64_t)k << 32) | va; }

static struct as *space_as(uint32_t k)
{
    struct as *a = as_first();
    while (a && k--) a = a->next;
    return a;
}

static struct region *space_regions(uint32_t k, uint32_t nas)
{
    struct as *a = k < nas ? space_as(k) : NULL;
    if (a) return a->regions;
    return *region_list_for(k == nas ? ARENA_SHARED : ARENA_SYSTEM);
}

/* Counts the dirty candidates of every space. */
static uint32_t count_dirty(void)
{
    uint32_t nas = as_count(), n = 0;
    struct as *prev = core_current_as;
    for (uint32_t k = 0; k < nas + 2; k++) {
        if (k < nas) core_switch_as(space_as(k));
        for (struct region *r = space_regions(k, nas); r; r = r->next)
            for (vaddr_t va = r->base, end = r->base + r->npages * PAGE_SIZE; va < end; va += PAGE_SIZE) {
                pte_t *p = pte_lookup(va, NULL);
                if (!p) {                            /* no table: the rest of its 4 MiB */
                    va = (va | (LARGE_PAGE_SIZE - 1)) + 1 - PAGE_SIZE;
                    continue;
                }
                if (pager_candidate(*p) && pager_page_dirty(*p)) n++;
            }
    }
    core_switch_as(prev);
    return n;
}

/* Writes back dirty candidates from the cursor until max are written, the scan has gone once
 * round (it stops at its own starting key) or it comes round to the base. */
static uint32_t flush_scan(uint32_t max)
{
    uint32_t nas = as_count(), done = 0;
    uint64_t start = cursor;
    bool wrapped = false;
    struct as *prev = core_current_as;
    while (done < max) {
        uint32_t k = (uint32_t)(cursor >> 32);
        if (k >= nas + 2) {                          /* past the system arena: round to the start */
            if (have_base) {
                if (base_wrapped) {
                    base_reached = true;
                    break;
                }
                base_wrapped = true;
            }
            if (wrapped) break;
            wrapped = true;
            cursor = 0;
            continue;
        }
        if (k < nas) core_switch_as(space_as(k));
        vaddr_t from = (vaddr_t)cursor;
        for (struct region *r = space_regions(k, nas); r; r = r->next) {
            vaddr_t end = r->base + r->npages * PAGE_SIZE;
            if (end <= from) continue;
            for (vaddr_t va = r->base > from ? r->base : from; va < end; va += PAGE_SIZE) {
                uint64_t key = key_of(k, va);
                bool at_base = have_base && base_wrapped && key >= base;
                if (at_base || (wrapped && key >= start)) {
                    base_reached |= at_base;
                    cursor = key;
                    goto out;
                }
                if (done == max) {
                    cursor = key;
                    goto out;
                }
                pte_t *p = pte_lookup(va, NULL);
                if (!p) {
                    va = (va | (LARGE_PAGE_SIZE - 1)) + 1 - PAGE_SIZE;
                    continue;
                }
                if (pager_candidate(*p) && pager_page_dirty(*p) && pager_write_back(va)) done++;
            }
        }
        cursor = key_of(k + 1, 0);
    }
out:
    core_switch_as(prev);
    return done;
}

uint32_t mm_flush_dirty(uint32_t max, uint32_t flags)
{
    if (!mm_pager_on()) return 0;
    if (flags & MM_FLUSH_QUERY) return count_dirty();
    if (flags & MM_FLUSH_CLEAR_BASE) have_base = false;
    if (flags & MM_FLUSH_SET_BASE) {
        have_base = true;
        base = cursor;
        base_wrapped = base_reached = false;
    }
    if (have_base && base_reached) return 0;
    return max ? flush_scan(max) : 0;
}

mm_status mm_discard(vaddr_t va, uint32_t npages, uint32_t flags, uint32_t *done)
{
    if (done) *done = 0;
    if (!core_range_mappable(va, npages) || (flags & ~MM_DISCARD_CONTENTS)) return MM_EINVAL;
    mm_status s = core_check_committed(va, npages, NULL);
    if (s != MM_OK) return s;
    if (!mm_pager_on()) return MM_OK;
    uint32_t n = 0;
    for (uint32_t i = 0; i < npages; i++) {
        vaddr_t v = va + i * PAGE_SIZE;
        pte_t e = pte_read(v);
        if (!pager_candidate(e)) continue;
        if (flags & MM_DISCARD_CONTENTS) {
            /* Demand-zero again, still pageable and still charged: the frame and any slot copy
             * are freed by the store (pte.c), nothing is written. */
            pte_clear(v, PTE_NP_DEMAND | PTE_SW_PAGEABLE | (e & (PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_PAT)));
            n++;
        } else if (e & PTE_A) {
            pte_update(v, e & ~PTE_A);
            n++;
        }
    }
    if (done) *done = n;
    return MM_OK;
}
