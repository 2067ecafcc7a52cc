/*
 * core.h - declarations shared by the core's own files (not for the personalities).
 */
#ifndef MM_CORE_H
#define MM_CORE_H
#ifndef MM_CORE_PRIVATE            /* the Makefile defines it for mm/core/ and tests/ only */
#error "a core-private header: outside mm/core/ (and tests/), include mm/mm.h"
#endif
#include "mm/mm.h"
#include "mm/core/pte.h"

void as_init(void);
/* The PTE for va in any address space, read through hyperspace (no CR3 switch); 0 when
 * there is no page table, the PDE itself when it maps a 4 MiB page. */
uint32_t as_read_pte(struct as *as, vaddr_t va);
struct as *as_first(void);                 /* the kernel address space; ->next for the rest */
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
bool pte_is_committed(pte_t e);
void pt_trim(vaddr_t va, uint32_t npages);                /* free page tables left empty */
void core_decommit(vaddr_t va, uint32_t npages);    /* linear locks die, then the PTEs go */
/* Every page committed (MM_ENOENT / MM_EINVAL for a 4 MiB page); *all = AND of the PTEs. */
mm_status core_check_committed(vaddr_t va, uint32_t npages, pte_t *all);
/* Fault the demand-zero pages of a committed range in: all, or MM_ENOMEM and none. */
mm_status core_make_present(vaddr_t va, uint32_t npages);
uint32_t core_absent(vaddr_t va, uint32_t npages);          /* pages not present */
void lock_drop_linear(vaddr_t va, uint32_t npages);         /* mm/core/lock.c */
bool lock_tally(char *why, size_t n);                       /* mm/core/lock.c, for mm_check */
void lock_init(void);                                        /* mm/core/lock.c: after kpool_init */
bool syspte_is_header(vaddr_t va);                           /* mm/core/hdrpte.c */
#endif
