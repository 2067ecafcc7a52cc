/*
 * slot.c - which slots of the swap device hold a page: a bitmap, so a slot given back is the
 * next one handed out again (lowest first), and a count.  Below pte.c, which gives a slot back
 * when the entry or the frame copy that owned it goes (pte.h); the pager (mm/core/pager.c)
 * sizes the map when it is turned on and takes slots when it writes a page out.
 *
 * A slot is in use while exactly one owner names it: a swapped-out entry (PTE_NP_SWAP, bits
 * 12-31), or a used frame's record (pfn.slot: the copy of a clean pageable page).  mm_check
 * counts both and compares (mm/core/check.c).  A slot the disk failed to write is marked bad and
 * never handed out again while the pager stays on.
 */
#include "mm/core/slot.h"

static uint32_t map[SLOT_MAX / 32 + 1], bad[SLOT_MAX / 32 + 1];
static uint32_t nslots, nused, nbad, hint = 1;

static inline bool bit(const uint32_t *m, uint32_t s) { return m[s / 32] & (1u << (s % 32)); }

void slot_setup(uint32_t n)
{
    if (n > SLOT_MAX) n = SLOT_MAX;
    memset(map, 0, sizeof map);
    memset(bad, 0, sizeof bad);
    nslots = n;
    nused = nbad = 0;
    hint = 1;
}

uint32_t slot_count(void) { return nslots; }
uint32_t slot_used(void) { return nused; }
uint32_t slot_bad_count(void) { return nbad; }
bool slot_in_use(uint32_t s) { return s && s <= nslots && bit(map, s); }

uint32_t slot_alloc(void)
{
    for (uint32_t k = 0; k < nslots; k++) {
        uint32_t s = hint + k;
        if (s > nslots) s -= nslots;
        if (bit(map, s) || bit(bad, s)) continue;
        map[s / 32] |= 1u << (s % 32);
        nused++;
        hint = s;
        return s;
    }
    return 0;
}

void slot_free(uint32_t s)
{
    if (!slot_in_use(s)) panic("slot_free(%u): not in use (%u slots)", s, nslots);
    map[s / 32] &= ~(1u << (s % 32));
    nused--;
    if (s < hint) hint = s;
}

void slot_mark_bad(uint32_t s)
{
    if (!s || s > nslots || bit(bad, s)) return;
    bad[s / 32] |= 1u << (s % 32);
    nbad++;
}
