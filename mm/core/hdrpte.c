/*
 * hdrpte.c - header entries in the system-PTE pool: not-present PTEs whose bits belong to the
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
 * decommit, lock: core_range_mappable -> syspte_range_allocated) may include one.  The commit
 * charge that pte.c's transition helpers take for an entry that merely looks demand-zero is
 * given back in the same call, so the charge never moves.
 */
#include "mm/core/core.h"
#include "mm/core/pte_sw.h"

#define SLOTS ((SYSPTE_END - SYSPTE_START) / PAGE_SIZE)
static uint32_t hdr[SLOTS / 32];
static uint32_t nhdr;

static inline uint32_t slot(vaddr_t va) { return (va - SYSPTE_START) / PAGE_SIZE; }

bool syspte_is_header(vaddr_t va)
{
    if (!nhdr || va < SYSPTE_START || va >= SYSPTE_END) return false;
    uint32_t s = slot(va);
    return hdr[s / 32] & (1u << (s % 32));
}

mm_status syspte_set_header(vaddr_t va, uint32_t value)
{
    if ((va & PAGE_MASK) || !value || (value & PTE_P) || !syspte_range_allocated(va, 1)) return MM_EINVAL;
    if (pte_read(va)) return MM_EEXIST;
    if (!pte_ensure(va)) return MM_ENOMEM;
    uint32_t s = slot(va);
    hdr[s / 32] |= 1u << (s % 32);
    nhdr++;
    pte_set_np(va, value);
    if (pte_is_demand(value)) pfn_count.charged--;      /* a header is not a commit */
    return MM_OK;
}

mm_status syspte_clear_header(vaddr_t va)
{
    if ((va & PAGE_MASK) || !syspte_is_header(va)) return MM_ENOENT;
    if (pte_is_demand(pte_read(va))) pfn_count.charged++;   /* pte_clear uncharges it again */
    uint32_t s = slot(va);
    hdr[s / 32] &= ~(1u << (s % 32));
    nhdr--;
    pte_clear(va, 0);
    return MM_OK;
}
