/*
 * pte_sw.h - what the core keeps in the bits the MMU leaves to software: bits 9-11 of a present
 * PTE, and every bit but P of a not-present one.  Core-private (mm/x86.h holds only what the
 * hardware defines; mm/mm.h does not include this): a personality never sees these encodings,
 * it asks mm.h for a typed answer (mm_page_info, mm_translate, mm_scan_committed) or, for
 * _CopyPageTable's raw snapshot, mm_copy_ptes.
 */
#ifndef MM_PTE_SW_H
#define MM_PTE_SW_H
#ifndef MM_CORE_PRIVATE            /* the Makefile defines it for mm/core/ and tests/ only */
#error "a core-private header: outside mm/core/ (and tests/), include mm/mm.h"
#endif
#include "mm/x86.h"

/* Software bits of a *present* PTE (the MMU ignores bits 9-11). */
#define PTE_SW_RAW    0x200u  /* maps a frame without holding a reference (I/O, aliases of
                                 memory owned elsewhere, kernel image): no use count */
#define PTE_SW_PIN    0x400u  /* this mapping holds one lock on its frame (committed fixed/locked) */

/* A *not-present* PTE (P = 0) that is not 0: a committed demand-zero page.  Bits W/U (and the
 * cache bits) keep the protection it will be made present with. */
#define PTE_NP_DEMAND 0x400u

/* A committed demand-zero page: not present, PTE_NP_DEMAND (bit 10 means PTE_SW_PIN when P is
 * set).  Each holds one page of the commit charge (pte.h). */
static inline bool pte_is_demand(pte_t e)
{
    return (e & (PTE_P | PTE_NP_DEMAND)) == PTE_NP_DEMAND;
}

/* A committed page: present, or demand-zero. */
static inline bool pte_is_committed(pte_t e)
{
    return (e & PTE_P) || (e & PTE_NP_DEMAND);
}
#endif
