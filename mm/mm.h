/*
 * mm.h - the paging core's interface: the only memory-manager header the three API
 * personalities (mm/vxd/, mm/devhlp/, mm/ntmm/) include, besides mm/x86.h for bit names.
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
#include "mm/x86.h"               /* mm_translate below reads through the self-map */

#define PFN_NONE 0xFFFFFFFFu      /* no frame: mm_hold_run's failure, mm_commit's *first_pfn */

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
    MM_ELIMIT,      /* a count would pass its limit (PFN_COUNT_MAX locks on one frame) */
} mm_status;
const char *mm_status_name(mm_status s);

/* ---- address spaces -------------------------------------------------------------------- */
struct region;
struct as {
    uint32_t pd;                 /* page directory frame */
    uint32_t id;
    struct region *regions;      /* private-arena reservations, sorted */
    struct as *next;
};
struct as *as_kernel(void);      /* the system process: the boot directory */
struct as *as_current(void);
struct as *as_create(void);      /* NULL when out of memory */
mm_status as_destroy(struct as *as);   /* releases every private region; not the current one */
void as_switch(struct as *as);   /* loads CR3 (a CR3 switch; global pages stay) */
uint32_t as_count(void);

/* ---- arenas and regions --------------------------------------------------------------- */
enum mm_arena { ARENA_PRIVATE, ARENA_SHARED, ARENA_SYSTEM, ARENA_NONE };
enum mm_arena mm_arena_of(vaddr_t va, uint32_t npages);   /* ARENA_NONE when outside/across */

/* Owner tags say which personality made a region; `kind`, `flags` and `data` are theirs. */
enum region_owner { OWNER_CORE, OWNER_VXD, OWNER_DEVHLP, OWNER_NTMM, OWNER_TEST,
                    OWNER_MONITOR };     /* the kernel monitor's scratch (kernel/monitor.c) */
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
/* Decommits every page and forgets the reservation.  Never refused because of a lock: the
 * pages' linear locks die with them, and a frame another owner locks or holds outlives its
 * last mapping until that owner lets go (see mm/core/lock.c). */
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

/* Every commit is zero-filled: a frame never shows a previous owner's data (mm/core/vm.c). */
#define MM_COMMIT_PRESENT  0x02u  /* frames now, not on first touch */
#define MM_COMMIT_PIN      0x04u  /* each mapping holds one lock (fixed / locked commits) */
#define MM_COMMIT_CONTIG   0x08u  /* physically contiguous run, obeying the frame request */
#define MM_COMMIT_SKIP     0x10u  /* pages already committed are left as they are */
#define MM_COMMIT_DIRTY    0x20u  /* PTEs start dirty */
/* Pageable: demand-zero pages the pager may write to the swap device and take the frame of
 * (mm/core/pager.c) while nothing locks them.  Each holds one page of the commit charge for as
 * long as it is committed, present or not (mm/core/vm.c, top).  Ignored with PRESENT, PIN,
 * CONTIG or a frame request: those pages stay resident.  The personalities ask for it where
 * their API says the memory is swappable: VxD _PageCommit(PD_ZEROINIT/PD_NOINIT) without
 * PC_FIXED/PC_LOCKED/PC_LOCKEDIFDP, _PageAllocate without PAGEFIXED/PAGELOCKED/PAGELOCKEDIFDP
 * (and _PageReAllocate's demand-zero pages), DevHelp VMAlloc without VMDHA_FIXED, NT
 * ZwAllocateVirtualMemory(MEM_COMMIT).  Everything else is resident. */
#define MM_COMMIT_PAGEABLE 0x40u

struct mm_frame_req {            /* constraints for contiguous/low frames, in frame numbers */
    pfn_t min, max;              /* [min, max) */
    uint32_t align, boundary;    /* power of two; boundary 0 = none */
};
/* Commits pages of one region.  Without PRESENT, pages are demand-zero (resolved by the
 * page-fault handler) and charged: MM_ENOMEM, nothing changed, unless that many frames stay
 * free beyond the commit charge once the call's own page tables are made (mm/core/vm.c, top).
 * *first_pfn receives the first frame (CONTIG or PRESENT). */
mm_status mm_commit(vaddr_t va, uint32_t npages, uint32_t prot, uint32_t flags,
                    const struct mm_frame_req *req, pfn_t *first_pfn);
/* Maps given frames: frame i = first + i * step (step 0: all pages on one frame).  RAM in
 * use gets a counted reference (the frame outlives its other mappings); I/O space, firmware
 * RAM and the kernel's own frames (image, pool) are mapped raw.  MM_EACCES (nothing changed)
 * when the rights policy (mm/core/pte.h: one table per frame class) refuses a frame or the asked
 * W/U: free RAM, page tables, the PFN database, a writable view of kernel code or ring-3
 * shared code, a ring-3 view of the pool or kernel image. */
mm_status mm_map_physical(vaddr_t va, uint32_t npages, pfn_t first, uint32_t step, uint32_t prot);
/* The same for a list of frames: frame i = frames[i].  All or nothing, like every call here. */
mm_status mm_map_frames(vaddr_t va, uint32_t npages, const pfn_t *frames, uint32_t prot);
/* Maps the frames currently behind src (faulting demand pages in) at dst as well; MM_EACCES
 * when the rights policy refuses prot for one of them (a writable view of read-only code). */
mm_status mm_alias(vaddr_t dst, vaddr_t src, uint32_t npages, uint32_t prot);
/* Decommits / unmaps, as mm_release does for its pages (never refused because of a lock). */
mm_status mm_decommit(vaddr_t va, uint32_t npages);
/* For each page: prot = (prot & and_mask) | or_mask, over MM_PROT_WRITE|MM_PROT_USER.  All
 * pages must be committed; MM_EACCES (nothing changed) when the rights policy refuses the new
 * protection for a page's frame.  *old_first gets the first page's previous protection. */
mm_status mm_protect(vaddr_t va, uint32_t npages, uint32_t and_mask, uint32_t or_mask, uint32_t *old_first);

/* ---- locking: every lock has an owner (mm/core/lock.c) ------------------------------------------ */
#define MM_LOCK_DIRTY  0x01u     /* mark dirty (DMA writes the CPU will not see) */
#define MM_LOCK_WRITE  0x02u     /* every page must be writable */
#define MM_LOCK_USER   0x04u     /* every page must be ring-3 accessible */
/* Linear locks (Win9x _LinPageLock): each page of the range - in the current address space, or
 * the one shared/system page - gets one more lock, owned by that linear page; every page must
 * be committed (demand-zero pages are made present).  frames (optional) gets the frame numbers.
 * MM_EINVAL / MM_ENOENT / MM_EACCES as the range is bad, not committed or lacks the access;
 * MM_ELIMIT when a count would pass PFN_COUNT_MAX; MM_ENOMEM without pool room, or when a page
 * in swap could not be read back (the disk failed: the pager reported it); nothing locked. */
mm_status mm_lock(vaddr_t va, uint32_t npages, uint32_t flags, pfn_t *frames);
/* One linear lock off each page; _total: all of each page's linear locks (PL_TOTALUNLOCK).
 * MM_ENOTLOCKED (nothing changed) when a page has no linear lock.  Never a record's lock or a
 * fixed pin. */
mm_status mm_unlock(vaddr_t va, uint32_t npages);
mm_status mm_unlock_total(vaddr_t va, uint32_t npages);
uint32_t mm_linear_locks(vaddr_t va);              /* the page's linear-lock count */
/* Lock records: an owner that is not a linear page (a DevHelp lock handle, an MDL, a
 * PAGEMAPGLOBAL alias) holds one lock on each frame it names, and releasing the record releases
 * exactly those frames - whatever happened to the pages since.  mm_lock_record locks a range as
 * mm_lock does; mm_lock_record_frames locks frames a caller found (RAM in use or I/O space:
 * MM_EINVAL for a free frame).  mm_unlock_record: MM_ENOTLOCKED for a record that is not live
 * (released already), nothing changed. */
typedef struct mm_lockrec *mm_lock_t;
mm_status mm_lock_record(vaddr_t va, uint32_t npages, uint32_t flags, pfn_t *frames, mm_lock_t *rec);
mm_status mm_lock_record_frames(const pfn_t *frames, uint32_t n, mm_lock_t *rec);
mm_status mm_unlock_record(mm_lock_t rec);
uint32_t mm_lock_record_size(mm_lock_t rec);       /* pages, 0 if not live */
const pfn_t *mm_lock_record_frames_of(mm_lock_t rec);
/* Is any present page of the range locked by an owner other than its own fixed pin (a linear
 * lock, a record)?  For services that refuse to move a block while someone relies on it. */
bool mm_range_locked(vaddr_t va, uint32_t npages);
/* Moves the pages to frames meeting req (contents copied) unless they already do.  Refuses
 * (MM_EBUSY) unless every frame is movable: no lock of any owner, no fixed pin, no hold, no
 * other mapping (fixed memory never moves). */
mm_status mm_make_contiguous(vaddr_t va, uint32_t npages, const struct mm_frame_req *req);
/* Each page whose frame lies outside [req->min, req->max) moves to one inside (contents
 * copied); all or nothing: MM_EBUSY unless every page that must move is movable, MM_ENOMEM
 * without frames (or pool room) for all of them. */
mm_status mm_make_eligible(vaddr_t va, uint32_t npages, const struct mm_frame_req *req);
/* Fresh frames an owner holds without mapping them (mm/core/owned.c; NT's MmAllocatePagesForMdl):
 * up to n zeroed frames from *req ([min, max), align, boundary), then from the same request
 * `skip` frames further, and so on to the last frame (skip 0: *req only), in contiguous runs of
 * `run` frames aligned to `run` (a power of two dividing n; 1: any frames), owned by one new lock
 * record *rec and listed in frames[].  Returns how many (a multiple of run); 0, nothing changed
 * and *rec NULL, when none could be had - or fewer than n with `all`.  Frames the commit charge
 * holds are never taken.  mm_unlock_record(*rec) gives them back: each frame is freed once no
 * mapping (mm_map_frames) refers to it any more. */
uint32_t mm_alloc_locked_frames(uint32_t n, uint32_t run, const struct mm_frame_req *req, pfn_t skip,
                                bool all, pfn_t *frames, mm_lock_t *rec);

/* ---- queries ------------------------------------------------------------------------------ */
enum page_state { PAGE_FREE, PAGE_RESERVED, PAGE_COMMITTED };
struct mm_page_info {
    uint8_t state;               /* enum page_state */
    bool present, large;
    uint32_t prot;               /* MM_PROT_* (+ cache bits) of a committed page */
    pfn_t pfn;                   /* when present */
    uint32_t locks;              /* frame lock count: every owner's */
    uint32_t pins;               /* of those, held by the frame's pinned (fixed) mappings */
    uint32_t linear_locks;       /* of those, this page's linear locks (this address space) */
    bool counted;                /* this mapping holds a reference on its frame (RAM in use) */
    bool pinned;                 /* this mapping holds a fixed pin (a fixed or locked commit) */
    struct region *region;
};
void mm_page_info(vaddr_t va, struct mm_page_info *out);
/* One pass over [va, va + npages): returns the index of the first page that is not committed
 * (npages if all are) and sets *first_absent to the first that is not present, committed or
 * not (npages if none).  A 4 MiB page is committed and present, as mm_page_info reports it. */
uint32_t mm_scan_committed(vaddr_t va, uint32_t npages, uint32_t *first_absent);
/* Is there a page directory entry for va - a page table or a 4 MiB page?  Without one, the
 * 4 MiB around va holds nothing committed. */
static inline bool mm_table_present(vaddr_t va) { return pte_present(*MiGetPdeAddress(va)); }
/* _CopyPageTable's snapshot, the one raw view of page tables a personality gets: the entries of
 * [va, va + npages) as they stand, software bits included, a page inside a 4 MiB mapping shown
 * as the equivalent 4 KiB PTE (its frame, the PDE's low bits without PS, the PDE's PAT bit as
 * bit 7).  false, nothing written, when any of them lies under a PDE that is not present;
 * out == NULL makes only that check.  out may be a caller's user page: it is written inside
 * user-access windows (x86.h). */
bool mm_copy_ptes(vaddr_t va, uint32_t npages, uint32_t *out);
/* What the MMU makes of va: true when it is mapped, *pfn then its frame (in a 4 MiB page, that
 * 4 KiB page's own frame).  *prot gets the access the PDE and the entry allow together
 * (MM_PROT_WRITE | MM_PROT_USER), present or not - a demand-zero entry keeps its protection in
 * those bits - and 0 without a page table.  Inline: once per page of an MDL. */
static inline bool mm_translate(vaddr_t va, pfn_t *pfn, uint32_t *prot)
{
    pte_t pde = *MiGetPdeAddress(va);
    if (!pte_present(pde)) {
        *prot = 0;
        return false;
    }
    if (pde_large(pde)) {
        *pfn = pde_large_pfn(pde) + PTI(va);
        *prot = pde & MM_PROT_MASK;
        return true;
    }
    pte_t e = *MiGetPteAddress(va);
    *prot = e & pde & MM_PROT_MASK;
    if (!pte_present(e)) return false;
    *pfn = pte_pfn(e);
    return true;
}
bool mm_frame_is_ram(pfn_t p);
uint32_t mm_frame_locks(pfn_t p);
uint32_t mm_free_frames(void);          /* frames on the free lists, charged ones included */
uint32_t mm_locked_frames(void);
uint32_t mm_total_frames(void);
/* The commit charge (mm/core/vm.c, top): committed demand-zero pages and pageable pages; the
 * limit it may reach (free and pageable frames less the pager's reserve, plus swap slots); the
 * free frames no charge holds - what an allocation can have without paging anything out; and
 * what a resident (fixed, locked) allocation can have counting the pages the pager could write
 * out for it (mm/core/pager.c: room for resident memory) - mm_available_frames() with the pager
 * off.  The last walks every pageable page: a query, not for a loop. */
uint32_t mm_commit_charge(void);
uint32_t mm_commit_limit(void);
uint32_t mm_available_frames(void);
uint32_t mm_lockable_frames(void);

/* Frames with no mapping, held for their owner (Win9x PCCNOLIN: never freed); always zeroed. */
pfn_t mm_hold_run(uint32_t n, const struct mm_frame_req *req, bool zero);

/* ---- the system-PTE pool ------------------------------------------------------------------ */
/* Runs of system PTEs in SYSPTE_START..SYSPTE_END, each followed by a guard page. */
vaddr_t syspte_alloc(uint32_t npages);              /* 0 when exhausted */
mm_status syspte_free(vaddr_t va, uint32_t npages); /* must be exactly an allocation */
uint32_t syspte_free_count(void);
uint32_t syspte_alloc_size(vaddr_t va);             /* pages, or 0 if va starts no allocation */
/* Header entries (mm/core/syspte.c; NT 5.2's reserved mappings keep their size and pool tag in
 * the two PTEs in front of the range): an uncommitted page of a system-PTE allocation holds
 * `value`, a not-present entry (bit 0 clear) whose bits are the caller's.  The core gives it no
 * meaning - no commit, no charge, no fault resolution, no range operation may include the page -
 * and the caller reads it back through the self-map.  MM_EINVAL: not a page of an allocation
 * (or a header already), value 0 or with bit 0 set; MM_EEXIST: the entry is not 0; MM_ENOMEM: no
 * page table.  Clear every header before syspte_free (which refuses non-zero entries). */
mm_status syspte_set_header(vaddr_t va, uint32_t value);
mm_status syspte_clear_header(vaddr_t va);          /* MM_ENOENT unless va holds a header */

/* Pages tables in a window that must never be freed (permanent aliases). */
mm_status mm_pin_table(vaddr_t va);

/* ---- kernel pool ---------------------------------------------------------------------------- */
void *kmalloc(size_t n);          /* NULL when the pool is exhausted; 16-byte aligned */
void *kzalloc(size_t n);
void kfree(void *p);
uint32_t kpool_used(void);

/* ---- caller buffers (mm/core/caller.c) ----------------------------------------------------------- */
/* May a service read (write = false) or read and write [p, p + n) for its caller?  The whole
 * rule is at the top of mm/core/caller.c: committed pages of a region an API made (not the core's
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
bool mm_check(char *why, size_t n);   /* the invariant checker (mm/core/check.c) */
/* What a refused call, or a sequence that gives back all it takes, leaves exactly as it found
 * it: the tests' leak checks compare two snapshots (mm/core/check.c).  Counters that move on
 * every use (demand faults) are not in it. */
struct mm_counts {
    uint32_t free_frames;        /* mm_free_frames() */
    uint32_t locked_frames;      /* mm_locked_frames() */
    uint32_t syspte_free;        /* syspte_free_count() */
    uint32_t pool_bytes;         /* kpool_used() */
    uint32_t regions;            /* mm_region_count() */
    uint32_t address_spaces;     /* as_count() */
    uint32_t charged;            /* mm_commit_charge() */
};
void mm_counts_take(struct mm_counts *c);
/* true when every field agrees; else false and, when why is given, the first field that differs
 * as "free frames 100 -> 99" (a's value, then b's). */
bool mm_counts_equal(const struct mm_counts *a, const struct mm_counts *b, char *why, size_t n);
void mm_init(void);
void mm_print_summary(void);
extern volatile uint32_t mm_demand_faults;    /* volatile: page faults change it behind C's back */
extern volatile uint32_t mm_demand_nomem;     /* demand-zero faults that found no frame (fault.c) */

/* ---- views for the kernel monitor (mm/core/view.c): read-only, typed ------------------------ */
/* What a frame is, as the monitor's memory picture shows it.  Used frames are split by their
 * locks: LOCKED holds a lock beyond its fixed pins (a linear lock, a VMLock handle, an MDL, a
 * global alias), FIXED only the pins of fixed (or locked) commits.  Frames above the database
 * and holes in it are NOTRAM. */
enum mm_frame_class {
    MM_FRAME_NOTRAM, MM_FRAME_FREE, MM_FRAME_USED, MM_FRAME_LOCKED, MM_FRAME_FIXED, MM_FRAME_PAGETABLE,
    MM_FRAME_PAGEDIR, MM_FRAME_SYSTEM, MM_FRAME_RESERVED, MM_FRAME_NCLASSES
};
enum mm_frame_class mm_frame_class(pfn_t p);
pfn_t mm_frame_limit(void);              /* one past the highest frame with a record */
struct mm_frame_info {
    enum mm_frame_class cls;
    const char *state;                   /* the database's own state name */
    uint8_t flags;
    uint32_t map_count, lock_count, hold_count, pins;
    bool on_free_list;                   /* next/prev are free-list links (PFN_NONE: none) */
    uint32_t next, prev;
    char flag_names[64];                 /* "ZEROED|DIRTY", "" for none */
};
bool mm_frame_info(pfn_t p, struct mm_frame_info *out);   /* false: no record (not RAM) */
/* The frame counters as the core keeps them.  used, pagetables, pagedirs and free count the
 * frames in those states; system and reserved also hold frames in use at boot.  total =
 * free + used + pagetables + pagedirs + system + reserved; locked counts frames of any state
 * with a lock. */
struct mm_counters {
    uint32_t total, free, zeroed, used, pagetables, pagedirs, system, reserved, locked, charged;
};
void mm_counters_get(struct mm_counters *c);
/* The software meaning of a page-table entry (the core keeps it in bits the MMU ignores). */
#define MM_ENTRY_RAW    0x1u     /* present, maps its frame without a reference (I/O, image, aliases) */
#define MM_ENTRY_PIN    0x2u     /* present, holds a lock on its frame (a fixed commit) */
#define MM_ENTRY_DEMAND 0x4u     /* not present: a committed demand-zero page */
uint32_t mm_entry_flags(pte_t e);

/* ---- added for demand paging: the pager (mm/core/pager.c) ------------------------------------ */
/* Turns the pager on: the swap device's slots (drivers/swapdev.h) join the commit limit, a
 * reserve of frames is kept for pageable memory, and unlocked pageable pages are written out
 * under a low watermark.  MM_ENOENT without a swap device.  kernel/main.c turns it on at boot
 * when there is one, unless the command line says `nopager`.  mm_pager_disable: MM_EBUSY, nothing changed, while a page is swapped out or the
 * charge would not fit in RAM alone. */
mm_status mm_pager_enable(void);
mm_status mm_pager_disable(void);
bool mm_pager_on(void);
/* Is va's entry "swapped out" (committed, its contents in a slot, no frame)?  After a fault on
 * va was not resolved, true says why: the disk failed the read back (the personalities' "in
 * page error"), not a bad address. */
bool mm_page_in_swap(vaddr_t va);
struct mm_pager_stats {
    uint32_t page_outs;          /* pages written to a slot and their frames freed */
    uint32_t clean_drops;        /* clean pages whose slot copy was still valid: freed, no write */
    uint32_t page_ins;           /* pages read back (faults and lock/alias paths) */
    uint32_t fault_ins;          /* of those, by a page fault */
    uint32_t read_errors, write_errors;
    uint32_t scanned;            /* entries the clock looked at */
    uint32_t slots, slots_used, slots_bad;
    uint32_t swapped, pageable;  /* entries swapped out; pageable pages present */
};
void mm_pager_get_stats(struct mm_pager_stats *out);

/* ---- added for the NT personality: 4 MiB mappings of I/O space (mm/core/largeio.c) ------------- */
/* Maps nlarge 4 MiB pages, frames first.. (first 1024-aligned), at va: 4 MiB-aligned, inside one
 * shared- or system-arena region, PDEs absent.  prot: MM_PROT_WRITE plus MM_CACHE_WB/WT/UCMINUS/UC
 * (not MM_CACHE_WC: a 4 MiB PDE keeps its PAT bit elsewhere).  MM_EINVAL also without CR4.PSE,
 * MM_EACCES if any frame is RAM (a large PDE holds no per-frame reference), MM_EEXIST if a PDE
 * is present.  Unmap with mm_unmap_large_io (MM_ENOENT unless every PDE maps a 4 MiB page). */
mm_status mm_map_large_io(vaddr_t va, uint32_t nlarge, pfn_t first, uint32_t prot);
mm_status mm_unmap_large_io(vaddr_t va, uint32_t nlarge);

/* ---- added for the VxD personality: frames kept across unmap/map (mm/core/physreg.c) ------------ */
/* A present, counted page gives up its frame without freeing it (PTE 0, the frame held: "in
 * flight"), and a frame is installed elsewhere later - Win9x's free physical regions
 * (_XchgFreePhysReg).  Only a movable frame leaves a page: used RAM with no lock, no pin, no
 * hold and no other mapping (else MM_EBUSY).  A frame put into a page is either one the caller
 * kept (MM_INSERT_KEPT: the hold is dropped) or a used frame it owns (MM_INSERT_OWNED: one more
 * mapping); free RAM, page tables, the PFN database and pool, reserved frames (the kernel image
 * among them) and not-RAM are refused (MM_EACCES), locked or pinned frames too (MM_EBUSY).  See
 * mm/core/physreg.c for each contract. */
enum mm_insert { MM_INSERT_KEPT = 1, MM_INSERT_OWNED };
mm_status mm_unmap_keep(vaddr_t va, pfn_t *pfn);
mm_status mm_insert_frame(vaddr_t va, pfn_t pfn, uint32_t prot, enum mm_insert how);
mm_status mm_exchange_frame(vaddr_t va, pfn_t pfn, enum mm_insert how, pfn_t *old);
mm_status mm_unmap_movable(vaddr_t va, uint32_t npages);   /* all movable, then decommitted */
/* ---- added for the VxD paging services: write-back and discard on request (mm/core/pageout.c) -- */
/* Writes dirty pageable pages to the swap device and leaves them present and clean: D clear, a
 * slot holding their copy, so the pager can later free their frames without a write.  "Dirty":
 * a present, unlocked pageable page that would cost a write to leave memory (written since it
 * was last read back or written, or never written at all); locked, fixed and swapped-out pages
 * are never counted nor written.  The scan goes on from where the last call stopped, through
 * every address space, at most once round, until max pages are written; it returns how many
 * were (a page the disk fails or no free slot can take stays dirty and is not counted).
 *   MM_FLUSH_QUERY       write nothing: return how many pages are dirty now (max and the other
 *                        flags are ignored)
 *   MM_FLUSH_CLEAR_BASE  forget the base (applied before MM_FLUSH_SET_BASE)
 *   MM_FLUSH_SET_BASE    the scan's current point becomes the base: from then on, once a scan
 *                        has come round to it, every call returns 0 (the whole address space
 *                        was scanned) until the base is cleared or set again
 * With the pager off there is no swap device to write to and no page is dirty: 0. */
#define MM_FLUSH_QUERY      0x1u
#define MM_FLUSH_SET_BASE   0x2u
#define MM_FLUSH_CLEAR_BASE 0x4u
uint32_t mm_flush_dirty(uint32_t max, uint32_t flags);
/* The pages of [va, va + npages) (one region or system-PTE allocation of the current address
 * space, every page committed: else MM_EINVAL / MM_ENOENT, nothing changed) that the pager may
 * take - present, unlocked, pageable - lose their A bit (the clock takes them first); with
 * MM_DISCARD_CONTENTS they go back to demand-zero instead: their frames and slot copies are
 * freed without a write, and the next touch reads zeroes.  Other pages (locked, fixed, swapped
 * out, not yet touched) are left as they are.  *done (if given): pages changed.  With the pager
 * off no page is subject to paging: after the checks nothing changes (MM_OK, *done = 0). */
#define MM_DISCARD_CONTENTS 0x1u
mm_status mm_discard(vaddr_t va, uint32_t npages, uint32_t flags, uint32_t *done);
#endif
