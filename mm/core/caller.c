/*
 * caller.c - which memory a caller's buffer may be: the one pointer rule every personality
 * service that reads or writes caller memory through a pointer applies (mm.h,
 * mm_caller_buffer_ok).  The VxD services (_PageAllocate's PhysAddr, _PageQuery,
 * _CopyPageTable, _GetDemandPageInfo) and the DevHelp services (VMLock's PAGELIST and lock
 * handle, VMUnLock, VMAlloc's PhysAddr, LinToPageList, PageListToLin) all go through it, so the
 * two personalities can never disagree about a pointer.
 *
 * The rule.  Every page [p, p + n) touches must be one of:
 *   - a committed page (present, or demand-zero) of a region some API made - any personality's
 *     or a core caller's reservation - but not the core's own (OWNER_CORE: the ring-3 image and
 *     stack), in the current address space or the shared and system arenas;
 *   - a present page of a system-PTE allocation (MmMapIoSpace, an MDL mapping, PageListToLin);
 * and, for a buffer written to, writable (the PTE's, or the demand-zero encoding's, W bit); and
 * the frame behind a present page must not be free, a page table or directory, SYSTEM (the PFN
 * database and pool) or a frame of the kernel image, whatever linear alias it is reached by.
 * Or the whole buffer lies in the caller's stack: the part of the kernel stack at or above the
 * floor the service gives (its own frame, return address and arguments are below it; a
 * register entry - VMMCall, call [Device_Help] - raises the floor to its caller's ESP, past its
 * own frames).  That is the one piece of the kernel image a buffer may be: the caller's own
 * live frames, which it could write itself.
 *
 * So never: the kernel image's text, data or bss (boot_pd, the double-fault stack, statics),
 * the stack below the service's own arguments, the page tables and directory (the self-map),
 * hyperspace and the directory window behind it, the PFN database, the pool, guard pages, the
 * null page and 0xFFC00000+ - none of those is a region or a system-PTE allocation.
 * The pool, decided once for both personalities: refused.  No VxD or DevHelp service hands pool
 * memory to a caller, and the pool holds the core's own records - regions, lock records, MDLs,
 * address spaces - so a pool pointer from these callers is forged or foreign, never theirs.
 *
 * Only then are the pages probed (probe_caller_range, kernel/trap.c): read, or read and written
 * back, under the exception table.  A demand-zero page of the buffer is made present by the
 * probe; if there are not enough free frames for all of them the buffer is refused before any
 * is touched, so a refused pointer never costs a frame.
 */
#include "mm/core/core.h"
#include "kernel/trap.h"

extern char boot_stack_bottom[], boot_stack_top[], _kernel_start[], _kernel_end[];

static vaddr_t entry_floor;

vaddr_t mm_caller_entry_enter(vaddr_t caller_sp)
{
    vaddr_t prev = entry_floor;
    entry_floor = caller_sp;
    return prev;
}

void mm_caller_entry_leave(vaddr_t prev) { entry_floor = prev; }

static bool on_caller_stack(vaddr_t p, vaddr_t end, vaddr_t floor)
{
    vaddr_t lo = (vaddr_t)boot_stack_bottom, hi = (vaddr_t)boot_stack_top;
    if (entry_floor > floor) floor = entry_floor;
    return floor >= lo && floor <= hi && p >= floor && end <= hi;
}

static bool frame_allowed(pfn_t f)
{
    pfn_t k0 = ((vaddr_t)_kernel_start - KERNEL_VBASE) >> PAGE_SHIFT;
    pfn_t k1 = ((vaddr_t)_kernel_end - KERNEL_VBASE) >> PAGE_SHIFT;
    if (f >= k0 && f < k1) return false;
    struct pfn *r = pfn_get(f);
    if (!r) return true;                              /* no record: device memory */
    switch (r->state) {
    case PFN_FREE: case PFN_PAGETABLE: case PFN_PAGEDIR: case PFN_SYSTEM: return false;
    default: return true;                             /* used, reserved outside the image, not RAM */
    }
}

/* 1: allowed and present; 2: allowed, committed demand-zero; 0: refused. */
static int page_allowed(vaddr_t pg, bool write)
{
    bool spte = pg >= SYSPTE_START && pg < SYSPTE_END;
    if (spte) {
        if (!syspte_range_allocated(pg, 1)) return 0;
    } else {
        /* The arenas where regions live (not the kernel window, the PFN database, the pool) */
        if (mm_arena_of(pg, 1) == ARENA_NONE) return 0;
        struct region *r = mm_region_find(pg);
        if (!r || r->owner == OWNER_CORE) return 0;
    }
    uint32_t e;
    if (!mm_read_pte(pg, &e) || !pte_is_committed(e)) return 0;
    if (write && !(e & PTE_W)) return 0;
    if (!(e & PTE_P)) return spte ? 0 : 2;
    /* A 4 MiB PDE names its first frame here: I/O space like all of it (largeio.c refuses RAM). */
    return frame_allowed(pte_pfn(e)) ? 1 : 0;
}

bool mm_caller_buffer_ok(vaddr_t p, uint32_t n, bool write, vaddr_t floor)
{
    if (!n || p + (n - 1) < p) return false;
    vaddr_t last = p + (n - 1);                       /* inclusive: a buffer may end at 4 GiB */
    if (last < (vaddr_t)boot_stack_top && on_caller_stack(p, last + 1, floor))
        return probe_caller_range(p, n, write);
    uint32_t demand = 0;
    for (vaddr_t pg = PAGE_ALIGN_DOWN(p);; pg += PAGE_SIZE) {
        int k = page_allowed(pg, write);
        if (!k) return false;
        if (k == 2) demand++;
        if (pg >= PAGE_ALIGN_DOWN(last)) break;
    }
    if (demand > mm_free_frames()) return false;
    return probe_caller_range(p, n, write);
}
