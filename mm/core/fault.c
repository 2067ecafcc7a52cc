/*
 * fault.c - the memory manager's part of page-fault handling.
 *
 * Resolved here: a not-present fault on a committed demand-zero page (PTE_NP_DEMAND), from
 * ring 0 or from ring 3 if the page is user-accessible - a zeroed frame is installed and the
 * instruction restarts - and on a swapped-out page (PTE_NP_SWAP), which the pager reads back
 * (mm/core/pager.c); a read the disk fails is reported and fails the access as "no frame" does
 * below.  With the pager on, a demand-zero fault first lets it write pages out under the low
 * watermark (pfn_make_room).  Everything else goes back to trap.c (exception table, ktry, ring-3
 * termination or panic), and trap_describe_hook explains the address for the panic message.
 *
 * The frame is the one the page's commit charge holds (mm/core/vm.c, top), so it is there: the
 * commit was refused otherwise.  Should none be found all the same (a broken promise: a bug, or
 * one day a swap device that cannot read), the fault is reported and not resolved, and trap.c
 * fails that one access the documented way - a ring-3 run is terminated with its report, a
 * kernel access under a probe (exception table, ktry, NT_TRY) raises - the page stays committed
 * and charged, and a later touch may succeed.  Only an unguarded kernel access panics, as any
 * unguarded kernel fault does.
 */
#include "mm/core/core.h"
#include "mm/core/pte_sw.h"
#include "kernel/trap.h"

static bool mm_page_fault(struct trapframe *tf, uint32_t cr2)
{
    if ((tf->err & 1) || cr2 >= INVALID_START || cr2 < NULL_PAGE_END) return false;
    pte_t *p = pte_lookup(cr2, NULL);
    if (!p || (*p & PTE_P) || !(pte_is_demand(*p) || pte_is_swapped(*p)) || syspte_is_header(cr2))
        return false;                                 /* syspte.c: header entries */
    if (tf_from_user(tf) && !(*p & PTE_U)) return false;
    vaddr_t va = PAGE_ALIGN_DOWN(cr2);
    if (pte_is_swapped(*p)) {                          /* pager.c reads it back, or reports */
        bool ok = pager_page_in(va, true);
        if (!ok)
            kprintf("mm: the swapped-out page %08x could not be read back (ring %u %s at eip %08x): the access "
                    "fails\n", va, tf->cs & 3, (tf->err & 2) ? "write" : "read", tf->eip);
        return ok;
    }
    pfn_make_room(1);                                 /* the pager, when on: may write pages out */
    p = pte_lookup(cr2, NULL);
    pfn_t f = pfn_alloc(PFN_ALLOC_ZERO | PFN_ALLOC_CHARGED);
    if (f == PFN_NONE) {                              /* the fault stands: trap.c decides */
        mm_demand_nomem++;
        kprintf("mm: no frame for the committed demand-zero page %08x (ring %u %s at eip %08x; charge %u, "
                "%u frames free): the access fails\n", va, tf->cs & 3, (tf->err & 2) ? "write" : "read",
                tf->eip, pfn_count.charged, pfn_count.free);
        return false;
    }
    pte_install(va, pte_make(va, f, *p & (MM_PROT_MASK | MM_CACHE_MASK | PTE_SW_PAGEABLE)));
    mm_demand_faults++;
    return true;
}

static void mm_describe(uint32_t va)
{
    struct mm_page_info pi;
    mm_page_info(va, &pi);
    const char *what =
        va < NULL_PAGE_END ? "the null page (never mapped)" :
        va >= INVALID_START ? "the permanently invalid region (never mapped)" :
        syspte_is_guard(va) ? "a system-PTE guard page" :
        pi.state == PAGE_COMMITTED ? (pi.present ? "a committed, present page" :
                                      pte_is_swapped(pte_read(va)) ? "a committed page in swap" : "a committed demand-zero page") :
        pi.state == PAGE_RESERVED ? "a reserved but uncommitted page" : "unreserved linear space";
    kprintf("  %08x is %s", va, what);
    if (pi.region) kprintf(" (region %08x, %u pages)", pi.region->base, pi.region->npages);
    if (pi.present) kprintf(", frame %x, prot %x", pi.pfn, pi.prot);
    if (pi.present && (pi.prot & MM_PROT_USER) && x86_smap_on)
        kprintf("; a user page: ring 0 reaches it only in a user-access window (SMAP, mm/x86.h)");
    kprintf("\n");
}

void fault_init(void)
{
    trap_pf_hook = mm_page_fault;
    trap_describe_hook = mm_describe;
}
