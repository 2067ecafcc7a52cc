/*
 * core.h - declarations shared by the core's own files (not for the personalities).
 *
 * The core's layers, lowest first: each file uses only files listed before it (functions and
 * data), never one after it, so each can be read and changed with only those below in mind.
 * tools/core-layers.sh, run by `make` after linking, fails the build on a cycle.
 *   x86.c        CPU features; the control-register writes that depend on them
 *   slot.c       the swap-slot bitmap
 *   pfn.c        the frame allocator and the per-frame counts
 *   pfn_boot.c   the PFN database's set-up at boot: hands pfn.c its free lists
 *   pte.c        page-table transitions, the walker, page directories, hyperspace
 *   pool.c       the kernel pool
 *   syspte.c     the system-PTE pool, and its header entries (not-present, the owner's bits)
 *   committed.c  is a range committed, which pages are not present; faulting it in
 *   region.c     reservations in the arenas; the kernel and current address spaces (below)
 *   lock.c       lock owners: linear locks, lock records
 *   owned.c      fresh frames owned by one lock record and mapped nowhere
 *   vm.c         commit, map, alias, decommit, release, protect, relocate, page queries
 *   as.c         address spaces: create, switch, destroy
 *   physreg.c    frames kept across an unmap and a later map
 *   largeio.c    4 MiB mappings of I/O space
 *   caller.c     which memory a caller's buffer may be
 *   pager.c      demand paging: the clock, page-out, page-in; the only core file that calls the
 *                swap device (drivers/swapdev.h).  Layers below reach it through pfn.h's hooks
 *   pageout.c    write-back and discard on request (the VxD paging services), over pager.c
 *   fault.c      demand-zero and swapped-out page faults
 *   check.c      mm_check(), the invariant checker
 *   view.c       read-only typed views for the kernel monitor
 *   init.c       bring-up
 */
#ifndef MM_CORE_H
#define MM_CORE_H
#ifndef MM_CORE_PRIVATE            /* the Makefile defines it for mm/core/ and tests/ only */
#error "a core-private header: outside mm/core/ (and tests/), include mm/mm.h"
#endif
#include "mm/mm.h"
#include "mm/core/pte.h"

/* The address spaces the layers below as.c ask about: the kernel's (the system process, first
 * of the list of every address space) and the current one, whose directory CR3 holds.  Defined
 * in region.c, the lowest file that asks (a private reservation is the current address
 * space's); as.c creates and destroys address spaces, and only core_switch_as changes the
 * current one. */
extern struct as core_kernel_as;
extern struct as *core_current_as;
static inline struct as *as_first(void) { return &core_kernel_as; }   /* ->next for the rest */
/* Loads a's directory (a CR3 switch; global pages stay): as_switch, and mm_release for a region
 * of another address space. */
static inline void core_switch_as(struct as *a)
{
    if (a == core_current_as) return;
    core_current_as = a;
    x86_write_cr3(a->pd << PAGE_SHIFT);
}
void as_init(void);
/* The PTE for va in any address space, read through hyperspace (no CR3 switch); 0 when
 * there is no page table, the PDE itself when it maps a 4 MiB page. */
uint32_t as_read_pte(struct as *as, vaddr_t va);
void kpool_init(void);
void syspte_init(void);
bool syspte_is_guard(vaddr_t va);
bool syspte_range_allocated(vaddr_t va, uint32_t npages);
void fault_init(void);
struct region **region_list_for(enum mm_arena a);
/* Drops a region record whose pages are gone (mm_release): off its list, freed.  region.c. */
void region_forget(struct region *r);
/* Is [va, va+n pages) a range core operations may touch: inside one region, or inside one
 * system-PTE allocation? */
bool core_range_mappable(vaddr_t va, uint32_t npages);
bool core_range_valid(vaddr_t va, uint32_t npages);      /* aligned, non-zero, no wrap */
void pt_trim(vaddr_t va, uint32_t npages);                /* free page tables left empty */
void core_decommit(vaddr_t va, uint32_t npages);    /* linear locks die, then the PTEs go */
/* mm/core/committed.c.  Every page committed (MM_ENOENT / MM_EINVAL for a 4 MiB page); *all =
 * AND of the PTEs. */
mm_status core_check_committed(vaddr_t va, uint32_t npages, pte_t *all);
/* Runs `body` with [va, va + npages) of the current address space kept from the pager (pfn.h's
 * pfn_keep), then restores what was kept before. */
#define CORE_KEEP(va, npages, body)                                                       \
    do {                                                                                  \
        struct pfn_keep keep_saved_ = pfn_keep;                                           \
        pfn_keep = (struct pfn_keep){ (va), (va) + (npages) * PAGE_SIZE, core_current_as }; \
        body;                                                                             \
        pfn_keep = keep_saved_;                                                           \
    } while (0)
/* Fault the demand-zero pages of a committed range in: all, or MM_ENOMEM and none. */
mm_status core_make_present(vaddr_t va, uint32_t npages);
uint32_t core_absent(vaddr_t va, uint32_t npages);          /* pages not present */
void lock_drop_linear(vaddr_t va, uint32_t npages);         /* mm/core/lock.c */
bool lock_tally(char *why, size_t n);                       /* mm/core/lock.c, for mm_check */
void lock_init(void);                                        /* mm/core/lock.c: after kpool_init */
bool syspte_is_header(vaddr_t va);                           /* mm/core/syspte.c */
/* mm/core/pager.c: reads the swapped-out page va (current address space) back; from_fault:
 * a fault's, counted as one.  false when the pager is off, no frame or the disk failed. */
bool pager_page_in(vaddr_t va, bool from_fault);
/* Writes the page va (current address space) out now, or drops it if its slot copy is valid;
 * false, nothing changed, unless the pager is on and va is a page it may take.  For the
 * benchmark rows (tests/bench/paging.c): the clock decides otherwise. */
bool pager_page_out(vaddr_t va);
/* mm/core/pager.c, for pageout.c (current address space).  pager_candidate: e is a page the
 * pager may take (present, pageable, counted, unpinned, its frame movable).  pager_page_dirty:
 * that page would cost a write to leave memory (D set, written by a device, or no slot holds
 * a copy).  pager_write_back: writes a dirty candidate page to a slot and leaves it present and
 * clean, the slot its frame's copy (a later page-out drops it, no write); true if it is clean
 * now, false when no slot is free or the disk failed (the page stays dirty). */
bool pager_candidate(pte_t e);
bool pager_page_dirty(pte_t e);
bool pager_write_back(vaddr_t va);
#endif
