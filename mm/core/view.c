/*
 * view.c - typed read-only views of the core's state for the kernel monitor (kernel/monitor*.c),
 * which may not include the core's private headers: what class a frame is in, one frame's
 * record, the counters, and what the software bits of an entry mean.  Nothing here changes
 * anything.
 */
#include "mm/core/core.h"
#include "mm/core/pte_sw.h"

/* The kernel's own directory is boot_pd, a frame of the image (reserved), not a PFN_PAGEDIR
 * frame: only the directories made since are counted as such. */
static uint32_t pagedir_frames(void)
{
    struct pfn *k = pfn_get(pte_kernel_directory());
    return pte_directory_count() - (k && k->state == PFN_PAGEDIR ? 0 : 1);
}

enum mm_frame_class mm_frame_class(pfn_t p)
{
    struct pfn *r = pfn_get(p);
    if (!r) return MM_FRAME_NOTRAM;
    switch (r->state) {
    case PFN_FREE: return MM_FRAME_FREE;
    case PFN_PAGETABLE: return MM_FRAME_PAGETABLE;
    case PFN_PAGEDIR: return MM_FRAME_PAGEDIR;
    case PFN_SYSTEM: return MM_FRAME_SYSTEM;
    case PFN_RESERVED: return MM_FRAME_RESERVED;
    case PFN_USED:
        if (r->lock_count > r->pins) return MM_FRAME_LOCKED;     /* a lock beyond its fixed pins */
        return r->pins ? MM_FRAME_FIXED : MM_FRAME_USED;
    default: return MM_FRAME_NOTRAM;
    }
}

pfn_t mm_frame_limit(void) { return pfn_max; }

bool mm_frame_info(pfn_t p, struct mm_frame_info *out)
{
    struct pfn *r = pfn_get(p);
    if (!r) return false;
    static const struct { uint8_t bit; const char *name; } flags[] = {
        { PFNF_ZEROED, "ZEROED" }, { PFNF_DIRTY, "DIRTY" }, { PFNF_CONTIG_START, "CONTIG_START" },
        { PFNF_CONTIG_END, "CONTIG_END" }, { PFNF_KPOOL, "KPOOL" },
    };
    *out = (struct mm_frame_info){ mm_frame_class(p), pfn_state_name(r->state), r->flags, r->map_count,
                                   r->lock_count, r->hold_count, r->state == PFN_USED ? r->pins : 0,
                                   r->state == PFN_FREE, r->next, r->prev, "" };
    size_t n = 0;
    for (unsigned i = 0; i < ARRAY_SIZE(flags); i++)
        if (r->flags & flags[i].bit)
            n += ksnprintf(out->flag_names + n, sizeof out->flag_names - n, "%s%s", n ? "|" : "", flags[i].name);
    if (r->flags & ~(PFNF_ZEROED | PFNF_DIRTY | PFNF_CONTIG_START | PFNF_CONTIG_END | PFNF_KPOOL))
        ksnprintf(out->flag_names + n, sizeof out->flag_names - n, "%s0x%x", n ? "|" : "", r->flags);
    return true;
}

void mm_counters_get(struct mm_counters *c)
{
    *c = (struct mm_counters){ pfn_count.total, pfn_count.free, pfn_count.zeroed, pfn_count.used,
                               pfn_count.pagetables, pagedir_frames(), pfn_count.system, pfn_count.reserved,
                               pfn_count.locked, pfn_count.charged };
}

uint32_t mm_entry_flags(pte_t e)
{
    if (e & PTE_P) return (e & PTE_SW_RAW ? MM_ENTRY_RAW : 0) | (e & PTE_SW_PIN ? MM_ENTRY_PIN : 0);
    return pte_is_demand(e) ? MM_ENTRY_DEMAND : 0;
}
