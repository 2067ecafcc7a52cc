/*
 * mm.h - the paging core's interface: the only memory-manager header the three API
 * personalities (mm/vxd*, mm/devhlp*, mm/ntmm*) include, besides mm/x86.h for bit names.
 *
 * The personalities validate arguments and translate flags and errors; everything that
 * changes a page table, a frame's counts or an arena's reservations happens here, in one place,
 * so a page locked through one API is locked for the other two, and a frame is freed exactly
 * when nothing references it.
 *
 * Conventions: addresses are page-aligned linear addresses in the *current* address space
 * (the shared and system arenas are the same in all of them); counts are in pages.  Every
 * function validates its range (non-zero, no wrap, inside one arena, never the null page, the
 * self-map, hyperspace or 0xFFC00000+) and on any error returns without changing anything.
 */
#ifndef MM_MM_H
#define MM_MM_H
#include "kernel/kernel.h"
#include "mm/layout.h"
#include "mm/x86.h"               /* mm_read_pte below reads through the self-map */

typedef enum {
    MM_OK = 0,
    MM_EINVAL,      /* bad argument: alignment, zero or wrapping length, flags, wrong arena */
    MM_ENOMEM,      /* no frame (or no page-table frame, or no pool memory) left */
    MM_ENOSPACE,    /* no linear space left in the arena / pool */
    MM_EBUSY,       /* a page is locked (or aliased) and the operation would release it */
    MM_ENOTLOCKED,  /* unlock of a page that is not locked */
    MM_EEXIST,      /* part of the range is already reserved / committed / present */
    MM_ENOENT,      /* not reserved / not committed / not mapped */
    MM_EACCES,      /* access check failed (write to read-only, user to supervisor) */
} mm_status;
const char *mm_status_name(mm_status s);

/* ---- address spaces -------------------------------------------------------------------- */
struct region;
struct as {
    uint32_t pd;                 /* page directory frame */
    uint32_t id;
    struct region *regions;      /* private-arena reservations, sorted */
    struct region *utext, *ustack;   /* ring-3 code and stack, when user_run has been used */
    struct as *next;
};
struct as *as_kernel(void);      /* the system process: the boot directory */
struct as *as_current(void);
struct as *as_create(void);      /* NULL when out of memory */
mm_status as_destroy(struct as *as);   /* releases every private region; not the current one */
void as_switch(struct as *as);   /* loads CR3 (a CR3 switch; global pages stay) */
uint32_t as_count(void);
/* The PTE for va in any address space, read through hyperspace (no CR3 switch); 0 when
 * there is no page table, the PDE itself when it maps a 4 MiB page. */
uint32_t as_read_pte(struct as *as, vaddr_t va);

/* ---- arenas and regions --------------------------------------------------------------- */
enum mm_arena { ARENA_PRIVATE, ARENA_SHARED, ARENA_SYSTEM, ARENA_NONE };
enum mm_arena mm_arena_of(vaddr_t va, uint32_t npages);   /* ARENA_NONE when outside/across */

/* Owner tags say which personality made a region; `kind`, `flags` and `data` are theirs. */
enum region_owner { OWNER_CORE, OWNER_VXD, OWNER_DEVHLP, OWNER_NTMM, OWNER_TEST };
struct region {
    vaddr_t base;
    uint32_t npages;
    uint8_t arena, owner;
    uint16_t kind;
    uint32_t flags;
    uint32_t data[3];
    struct as *as;               /* private arena: its address space; else NULL */
    struct region *next;
};

/* Reserves npages of linear space.  at = 0: anywhere in the arena, aligned to align_pages
 * (a power of two); otherwise exactly at `at` (which must lie in `arena`), failing with
 * MM_EEXIST if any page is taken.  The private arena is the current address space's. */
struct region *mm_reserve(enum mm_arena arena, vaddr_t at, uint32_t npages, uint32_t align_pages,
                          uint8_t owner, mm_status *st);
/* Decommits every page and forgets the reservation.  MM_EBUSY (nothing changed) when a page
 * is locked beyond the lock its own mapping holds (MM_COMMIT_PIN). */
mm_status mm_release(struct region *r);
struct region *mm_region_find(vaddr_t va);          /* containing region, or NULL */
bool mm_region_contains(const struct region *r, vaddr_t va, uint32_t npages);
uint32_t mm_region_count(void);                     /* all address spaces; for leak checks */
struct region *mm_region_next_global(struct region *r);   /* iterate shared+system regions */

/* ---- commit and map --------------------------------------------------------------------- */
#define MM_PROT_WRITE  0x002u    /* the PTE bit values, so flags pass straight through */
#define MM_PROT_USER   0x004u
#define MM_CACHE_WB    0x000u
#define MM_CACHE_WT    0x008u    /* PWT */
#define MM_CACHE_UC    0x018u    /* PCD|PWT */
#define MM_CACHE_UCMINUS 0x010u  /* PCD only (ReactOS's "write-combined" without PAT) */
#define MM_CACHE_WC    0x088u    /* PAT|PWT -> PAT entry 5 = WC, when the CPU has PAT */
#define MM_PROT_MASK   (MM_PROT_WRITE | MM_PROT_USER)
#define MM_CACHE_MASK  0x098u

#define MM_COMMIT_ZERO     0x01u  /* zero-filled: every commit is, since issue 10 (see mm_commit) */
#define MM_COMMIT_PRESENT  0x02u  /* frames now, not on first touch */
#define MM_COMMIT_PIN      0x04u  /* each mapping holds one lock (fixed / locked commits) */
#define MM_COMMIT_CONTIG   0x08u  /* physically contiguous run, obeying the frame request */
#define MM_COMMIT_SKIP     0x10u  /* pages already committed are left as they are */
#define MM_COMMIT_DIRTY    0x20u  /* PTEs start dirty */

struct mm_frame_req {            /* constraints for contiguous/low frames, in frame numbers */
    pfn_t min, max;              /* [min, max) */
    uint32_t align, boundary;    /* power of two; boundary 0 = none */
};
/* Commits pages of one region.  Without PRESENT, pages are demand-zero (resolved by the
 * page-fault handler).  *first_pfn receives the first frame (CONTIG or PRESENT). */
mm_status mm_commit(vaddr_t va, uint32_t npages, uint32_t prot, uint32_t flags,
                    const struct mm_frame_req *req, pfn_t *first_pfn);
/* Maps given frames: frame i = first + i * step (step 0: all pages on one frame).  RAM in
 * use gets a counted reference; not-RAM (I/O) and reserved frames are mapped raw; free RAM
 * is refused (MM_EACCES): the allocator could hand it out under a live mapping. */
mm_status mm_map_physical(vaddr_t va, uint32_t npages, pfn_t first, uint32_t step, uint32_t prot);
/* Maps the frames currently behind src (faulting demand pages in) at dst as well. */
mm_status mm_alias(vaddr_t dst, vaddr_t src, uint32_t npages, uint32_t prot);
/* Decommits / unmaps.  MM_EBUSY if a page's frame is locked and this is its last mapping. */
mm_status mm_decommit(vaddr_t va, uint32_t npages);
/* For each page: prot = (prot & and_mask) | or_mask, over MM_PROT_WRITE|MM_PROT_USER.  All
 * pages must be committed.  *old_first gets the first page's previous protection. */
mm_status mm_protect(vaddr_t va, uint32_t npages, uint32_t and_mask, uint32_t or_mask, uint32_t *old_first);

/* ---- locking ----------------------------------------------------------------------------- */
#define MM_LOCK_DIRTY  0x01u     /* mark dirty (DMA writes the CPU will not see) */
#define MM_LOCK_WRITE  0x02u     /* every page must be writable */
#define MM_LOCK_USER   0x04u     /* every page must be ring-3 accessible */
/* Makes every page present and raises its frame's lock count; all pages must be committed.
 * frames (optional) receives the frame numbers. */
mm_status mm_lock(vaddr_t va, uint32_t npages, uint32_t flags, pfn_t *frames);
/* MM_ENOTLOCKED (nothing changed) if any page has no lock beyond its pins.  A range that
 * maps one frame at several pages needs as many locks on it as pages. */
mm_status mm_unlock(vaddr_t va, uint32_t npages);
void mm_lock_frames(const pfn_t *frames, uint32_t n);
/* One lock per frame, only where the frame has one beyond its pins (another API may have taken
 * it already: PL_TOTALUNLOCK); a frame without one is left alone. */
void mm_unlock_frames(const pfn_t *frames, uint32_t n);
/* Moves the pages to frames meeting req (contents copied) unless they already do.  Refuses
 * (MM_EBUSY) when a frame is locked or mapped elsewhere. */
mm_status mm_make_contiguous(vaddr_t va, uint32_t npages, const struct mm_frame_req *req);

/* ---- queries ------------------------------------------------------------------------------ */
enum page_state { PAGE_FREE, PAGE_RESERVED, PAGE_COMMITTED };
struct mm_page_info {
    uint8_t state;               /* enum page_state */
    bool present, large;
    uint32_t prot;               /* MM_PROT_* (+ cache bits) of a committed page */
    pfn_t pfn;                   /* when present */
    uint16_t locks;              /* frame lock count */
    uint16_t pins;               /* of those, held by the frame's pinned (fixed) mappings */
    struct region *region;
};
void mm_page_info(vaddr_t va, struct mm_page_info *out);
/* One pass over [va, va + npages): returns the index of the first page that is not committed
 * (npages if all are) and sets *first_absent to the first that is not present, committed or
 * not (npages if none).  A 4 MiB page is committed and present, as mm_page_info reports it. */
uint32_t mm_scan_committed(vaddr_t va, uint32_t npages, uint32_t *first_absent);
/* The PTE for va (the PDE itself when it maps a 4 MiB page); false when the PDE is not
 * present.  Inline: it is the whole of a VA->PA lookup, two dependent loads through the
 * self-map. */
static inline bool mm_read_pte(vaddr_t va, uint32_t *pte)
{
    pte_t pde = *MiGetPdeAddress(va);
    if (!(pde & PTE_P)) return false;
    *pte = (pde & PDE_PS) ? pde : *MiGetPteAddress(va);
    return true;
}
bool mm_frame_is_ram(pfn_t p);
uint16_t mm_frame_locks(pfn_t p);
uint32_t mm_free_frames(void);
uint32_t mm_locked_frames(void);
uint32_t mm_total_frames(void);

/* Frames with no mapping, held for their owner (Win9x PCCNOLIN: never freed); always zeroed. */
pfn_t mm_hold_run(uint32_t n, const struct mm_frame_req *req, bool zero);

/* ---- the system-PTE pool ------------------------------------------------------------------ */
/* Runs of system PTEs in SYSPTE_START..SYSPTE_END, each followed by a guard page. */
vaddr_t syspte_alloc(uint32_t npages);              /* 0 when exhausted */
mm_status syspte_free(vaddr_t va, uint32_t npages); /* must be exactly an allocation */
uint32_t syspte_free_count(void);
uint32_t syspte_alloc_size(vaddr_t va);             /* pages, or 0 if va starts no allocation */

/* Pages tables in a window that must never be freed (permanent aliases). */
mm_status mm_pin_table(vaddr_t va);

/* ---- kernel pool ---------------------------------------------------------------------------- */
void *kmalloc(size_t n);          /* NULL when the pool is exhausted; 16-byte aligned */
void *kzalloc(size_t n);
void kfree(void *p);
uint32_t kpool_used(void);

/* ---- caller buffers (mm/caller.c) ----------------------------------------------------------- */
/* May a service read (write = false) or read and write [p, p + n) for its caller?  The whole
 * rule is at the top of mm/caller.c: committed pages of a region an API made (not the core's
 * own) or present pages of a system-PTE allocation, writable if written, never a frame that is
 * free, a page table or directory, the PFN database or pool, or the kernel image; or the
 * caller's live stack at or above `floor`.  Then the pages are probed; false on any failure,
 * with nothing changed.  A service passes CALLER_STACK_FLOOR(its number of dword arguments),
 * evaluated in its own body (not in a helper it calls), so its own frame, return address and
 * arguments lie below the floor. */
bool mm_caller_buffer_ok(vaddr_t p, uint32_t n, bool write, vaddr_t floor);
#define CALLER_STACK_FLOOR(nargs) ((vaddr_t)__builtin_frame_address(0) + 8u + 4u * (nargs))
/* A register entry (VMMCall, call [Device_Help]) raises the floor to its caller's ESP while it
 * runs a service, past its own frames and saved registers: prev = enter(sp) ... leave(prev). */
vaddr_t mm_caller_entry_enter(vaddr_t caller_sp);
void mm_caller_entry_leave(vaddr_t prev);

/* ---- checking and setup --------------------------------------------------------------------- */
bool mm_check(char *why, size_t n);   /* the invariant checker (mm/check.c) */
void mm_init(void);
void mm_print_summary(void);
extern volatile uint32_t mm_demand_faults;    /* volatile: page faults change it behind C's back */

/* ---- added for the NT personality: 4 MiB mappings of I/O space (mm/largeio.c) ------------- */
/* Maps nlarge 4 MiB pages, frames first.. (first 1024-aligned), at va: 4 MiB-aligned, inside one
 * shared- or system-arena region, PDEs absent.  prot: MM_PROT_WRITE plus MM_CACHE_WB/WT/UCMINUS/UC
 * (not MM_CACHE_WC: a 4 MiB PDE keeps its PAT bit elsewhere).  MM_EINVAL also without CR4.PSE,
 * MM_EACCES if any frame is RAM (a large PDE holds no per-frame reference), MM_EEXIST if a PDE
 * is present.  Unmap with mm_unmap_large_io (MM_ENOENT unless every PDE maps a 4 MiB page). */
mm_status mm_map_large_io(vaddr_t va, uint32_t nlarge, pfn_t first, uint32_t prot);
mm_status mm_unmap_large_io(vaddr_t va, uint32_t nlarge);

/* ---- added for the VxD personality: frames kept across unmap/map (mm/physreg.c) ------------ */
/* A present, counted page gives up its frame without freeing it (PTE 0, the frame held: "in
 * flight"), and a frame is installed elsewhere later - Win9x's free physical regions
 * (_XchgFreePhysReg).  Only a movable frame leaves a page: used RAM with no lock, no pin, no
 * hold and no other mapping (else MM_EBUSY).  A frame put into a page is either one the caller
 * kept (MM_INSERT_KEPT: the hold is dropped) or a used frame it owns (MM_INSERT_OWNED: one more
 * mapping); free RAM, page tables, the PFN database and pool, reserved frames (the kernel image
 * among them) and not-RAM are refused (MM_EACCES), locked or pinned frames too (MM_EBUSY).  See
 * mm/physreg.c for each contract. */
enum mm_insert { MM_INSERT_KEPT = 1, MM_INSERT_OWNED };
mm_status mm_unmap_keep(vaddr_t va, pfn_t *pfn);
mm_status mm_insert_frame(vaddr_t va, pfn_t pfn, uint32_t prot, enum mm_insert how);
mm_status mm_exchange_frame(vaddr_t va, pfn_t pfn, enum mm_insert how, pfn_t *old);
mm_status mm_unmap_movable(vaddr_t va, uint32_t npages);   /* all movable, then decommitted */
#endif
