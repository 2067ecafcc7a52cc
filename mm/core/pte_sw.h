/*
 * pte_sw.h - what the core keeps in the bits the MMU leaves to software: bits 9-11 of a present
 * PTE, and every bit but P of a not-present one.  Core-private (mm/x86.h holds only what the
 * hardware defines; mm/mm.h does not include this): a personality never sees these encodings,
 * it asks mm.h for a typed answer (mm_page_info, mm_translate, mm_scan_committed) or, for
 * _CopyPageTable's raw snapshot, mm_copy_ptes.
 *
 * The entries, by P and bits 9-11 (W, U and the cache bits 3, 4, 7 always keep the page's
 * protection, present or not):
 *   P=1                 present; bit 9 PTE_SW_RAW, bit 10 PTE_SW_PIN, bit 11 PTE_SW_PAGEABLE
 *   P=0, 0              nothing committed
 *   P=0, bit 10         committed demand-zero (PTE_NP_DEMAND), + bit 11 when pageable
 *   P=0, bit 9          swapped out: bits 12-31 are the swap slot (PTE_NP_SWAP), bit 11 set
 *   P=0, bits 9 and 10  in transition: bits 12-31 are the frame being written to or read from
 *                       the swap device (PTE_NP_TRANS), bit 11 set.  Only the pager makes one,
 *                       and only for the length of one synchronous transfer: mm_check finds none.
 * Only pageable pages (PTE_SW_PAGEABLE) are ever swapped out or in transition.
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
/* Pageable: the pager may write this page to the swap device and take its frame, when the frame
 * is movable (pfn_movable).  Set on a page committed with MM_COMMIT_PAGEABLE in every state it
 * goes through - demand-zero, present, swapped, in transition - so it never changes while the
 * page stays committed.  Each such entry holds one page of the commit charge (mm/core/vm.c). */
#define PTE_SW_PAGEABLE 0x800u

/* A *not-present* PTE (P = 0) that is not 0: a committed demand-zero page.  Bits W/U (and the
 * cache bits) keep the protection it will be made present with. */
#define PTE_NP_DEMAND 0x400u
#define PTE_NP_SWAP   0x200u                       /* swapped out: bits 12-31 the slot */
#define PTE_NP_TRANS  (PTE_NP_SWAP | PTE_NP_DEMAND) /* in transition: bits 12-31 the frame */
#define PTE_NP_KIND   (PTE_P | PTE_NP_SWAP | PTE_NP_DEMAND)
#define PTE_SLOT_SHIFT 12u

/* A committed demand-zero page: not present, PTE_NP_DEMAND alone (bit 10 means PTE_SW_PIN when
 * P is set).  A resident one holds one page of the commit charge until it is made present; a
 * pageable one holds it as long as it stays committed (mm/core/vm.c, top). */
static inline bool pte_is_demand(pte_t e) { return (e & PTE_NP_KIND) == PTE_NP_DEMAND; }
/* A page in a swap slot (pte_slot). */
static inline bool pte_is_swapped(pte_t e) { return (e & PTE_NP_KIND) == PTE_NP_SWAP; }
static inline bool pte_is_transition(pte_t e) { return (e & PTE_NP_KIND) == PTE_NP_TRANS; }
static inline uint32_t pte_slot(pte_t e) { return e >> PTE_SLOT_SHIFT; }
/* The swapped-out entry of a page with protection (and pageable bit) taken from e. */
static inline pte_t pte_make_swapped(uint32_t slot, pte_t e)
{
    return (slot << PTE_SLOT_SHIFT) | (e & (PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_PAT)) | PTE_NP_SWAP |
           PTE_SW_PAGEABLE;
}

/* A committed page: present, demand-zero, swapped out or in transition. */
static inline bool pte_is_committed(pte_t e)
{
    return (e & (PTE_P | PTE_NP_DEMAND | PTE_NP_SWAP)) != 0;
}

/* A pageable page, whatever its state. */
static inline bool pte_is_pageable(pte_t e) { return pte_is_committed(e) && (e & PTE_SW_PAGEABLE); }

/* Holds one page of the commit charge: every pageable page, and a resident demand-zero one. */
static inline bool pte_is_charged(pte_t e) { return pte_is_demand(e) || pte_is_pageable(e); }
#endif
