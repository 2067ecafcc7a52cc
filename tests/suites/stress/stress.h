/*
 * stress.h - the randomized stress (tests/suites/stress/): a seeded generator runs long
 * random sequences of valid and invalid calls of the three personalities over several address
 * spaces, and after every step checks the kernel against a shadow model of what every page
 * should contain and who holds each frame.
 *
 * The shadow model (tests/suites/stress/model.c) follows the core's owned locks (mm/core/lock.c):
 *   - a *cell* is one frame's worth of contents as the model knows it: a tag (the dword at
 *     offset 0; offset 4092 holds tag ^ SX_TAG2), whether it is present yet (a demand-zero
 *     page is not), its frame once seen, and what the PFN database must agree with: present
 *     counted mappings, pins (fixed commits' own locks), record locks (one per VMLock handle,
 *     MDL or PAGEMAPGLOBAL alias that names the frame) and linear locks (the _LinPageLocks of
 *     the pages that map it).  A cell lives while a mapping or a record holds it: a record
 *     whose pages were freed keeps an *orphan* cell - allocated, unmapped, contents intact -
 *     until it is released, and then the frame must be on the free list at once;
 *   - a *map* is one object or view the generator holds - an object owns its pages
 *     (_PageAllocate, _PageReserve+_PageCommit(Contig), VMAlloc, MmAllocateContiguousMemory), a
 *     view is another mapping of an object's frames (VMProcessToGlobal, VMGlobalToProcess,
 *     _LinPageLock(PAGEMAPGLOBAL), MmMapIoSpace, an MDL's system mapping, PageListToLin) - with
 *     one cell per page, the protection each page must have, and each page's own linear locks;
 *   - a *lock record* is a VMLock handle or a locked MDL the generator holds, with the cells it
 *     locked (a PAGEMAPGLOBAL alias is a view that holds a record on its cells).
 * A write goes through one mapping and is read back through every mapping of the same cell,
 * so a mapping that points to the wrong frame, a stale TLB entry or a lost write is caught.
 * Two invariants are asserted after every step (sx_verify_all): a cell that any owner locks or
 * pins, or that fixed memory maps (VMDHA_FIXED, PAGEFIXED/PAGELOCKED, PC_FIXED, contiguous
 * commits and allocations), keeps the frame it had when that began (its `anchor`), and that
 * frame is in use, never free.
 *
 * The operations - objects, contents, ring 3 and processes (tests/suites/stress/ops.c), locks
 * (tests/suites/stress/locks.c), views and queries (tests/suites/stress/views.c), invalid calls (tests/suites/stress/invalid.c) and
 * the cross-API sequences (tests/suites/stress/cross.c: lock through one API, free or relocate through
 * another, reuse the frames, unlock with stale or edited owners) - predict each call's
 * result from the model (PL_TOTALUNLOCK of a page without a _LinPageLock of its own must fail;
 * a relocation of a frame someone locks must fail) and an invalid call must cost nothing (free
 * frames, system PTEs, locked frames, regions and pool bytes unchanged).  The driver (stress.c)
 * runs the steps, the sweep and mm_check() after each one (the cadence is explained there), and
 * prints the seed and step of a failure - or of a panic - for replay.
 */
#ifndef TESTS_STRESS_H
#define TESTS_STRESS_H
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/vxd/vxd.h"
#include "mm/devhlp/devhlp.h"
#include "mm/ntmm/ntmm.h"

/* ---- xorshift32 (Marsaglia 2003): small, fast, the same sequence on every run --------- */
struct sx_rng { uint32_t s; };
static inline void sx_seed(struct sx_rng *r, uint32_t seed) { r->s = seed ? seed : 0x9E3779B9u; }
static inline uint32_t sx_next(struct sx_rng *r)
{
    uint32_t x = r->s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return r->s = x;
}

/* ---- limits ------------------------------------------------------------------------------ */
#define SX_MAX_AS     4          /* processes the generator creates, besides the kernel's */
#define SX_MAX_MAPS   48         /* objects and views alive at once */
#define SX_MAX_LOCKS  24
#define SX_MAX_CELLS  640
#define SX_MAX_PAGES  8          /* pages per object or view */
#define SX_MAX_LIVE_PAGES 160    /* object pages alive at once (fits the 8 MiB configuration) */
#define SX_NOCELL     0xFFFFu    /* page not committed */
#define SX_GLOBAL     0xFFu      /* map->as of a shared- or system-arena mapping */
#define SX_TAG2       0xA5A5A5A5u
#define SX_FREED_KEEP 8          /* addresses of freed objects kept for double frees */

enum sx_kind {
    SX_NONE,
    /* objects */
    SX_VXD_BLOCK,      /* _PageAllocate; aux = flags, aux2 = pType */
    SX_VXD_RESERVE,    /* _PageReserve; pages committed one range at a time with _PageCommit */
    SX_DH_ALLOC,       /* VMAlloc; aux = flags */
    SX_NT_CONTIG,      /* MmAllocateContiguousMemory */
    /* views */
    SX_P2G,            /* VMProcessToGlobal */
    SX_G2P,            /* VMGlobalToProcess */
    SX_LPL_GLOBAL,     /* _LinPageLock(PAGEMAPGLOBAL): the alias holds one lock per page */
    SX_IOSPACE,        /* MmMapIoSpace of the frames; bytes = the size mapped */
    SX_MDLMAP,         /* the system mapping of a locked MDL (its lock record owns it) */
    SX_PL2LIN,         /* LinToPageList + PageListToLin */
    /* objects of the later NT services (tests/suites/stress/ntmore.c): made, checked and freed by
     * their own operations, not picked by the generic ones above (which predict per kind) */
    SX_NT_POOL,        /* ExAllocatePoolWithTag of a page or more; aux = tag, aux2 = pool type */
    SX_NT_NCACHE,      /* MmAllocateNonCachedMemory */
    SX_NT_PAGES,       /* MmAllocatePagesForMdl + a system mapping; aux = the MDL, aux2 = reservation or 0 */
    SX_NT_VM,          /* ZwAllocateVirtualMemory(MEM_RESERVE | MEM_COMMIT) in the current process */
    SX_NKINDS
};
#define SX_IS_OBJECT(k) (((k) >= SX_VXD_BLOCK && (k) <= SX_NT_CONTIG) || ((k) >= SX_NT_POOL && (k) < SX_NKINDS))
#define SX_IS_NT_MORE(k) ((k) >= SX_NT_POOL && (k) < SX_NKINDS)

struct sx_cell {
    uint8_t used, present;
    uint8_t fixed;           /* mappings that are fixed memory (pinned pages, NT contiguous memory):
                                while there is one the frame never moves, whoever maps or locks it */
    uint16_t maps;           /* present, counted mappings of the frame */
    uint16_t pins;           /* locks fixed commits hold for their own mapping */
    uint16_t rec;            /* lock-record entries naming it (VMLock, MDL, PAGEMAPGLOBAL alias) */
    uint32_t llocks;         /* linear locks of the pages that map it (sum of sx_map.llocks) */
    uint32_t tag;            /* dword 0 (0 = a zero page); dword 1023 = tag ^ SX_TAG2 */
    pfn_t pfn;               /* when present */
    pfn_t anchor;            /* the frame it had when it became fixed or locked */
    uint32_t seen;           /* sweep number of the last content check */
    /* The pager (with it on): a pageable cell that one counted mapping holds and nobody locks,
     * pins or made fixed may change frames or leave memory (`out`: its entry says "in swap",
     * it has no frame) while its contents stay; home: that mapping (map index, page). */
    uint8_t pageable, out;
    uint8_t home_map, home_page;
};

struct sx_map {
    uint8_t used, kind, as, npages;   /* as: index into sx_state.as, or SX_GLOBAL */
    uint32_t serial;         /* tells a map from a later one in the same slot */
    vaddr_t ret;             /* what the service returned (handle; address with byte offset) */
    vaddr_t base;            /* page-aligned */
    uint32_t bytes;          /* SX_IOSPACE: size passed to MmMapIoSpace */
    uint32_t aux, aux2;
    uint16_t cell[SX_MAX_PAGES];
    uint8_t prot[SX_MAX_PAGES];       /* MM_PROT_WRITE | MM_PROT_USER the PTE must carry */
    uint8_t pinned[SX_MAX_PAGES];     /* the page's own mapping holds a pin */
    uint32_t llocks[SX_MAX_PAGES];    /* the page's own _LinPageLocks (they die with the page) */
};

enum sx_lock_kind { SXL_NONE, SXL_VMLOCK, SXL_MDL };
struct sx_lock {
    uint8_t used, kind, npages;
    uint32_t serial;
    uint8_t edited;          /* SXL_MDL: its PFN array was written after locking */
    uint16_t cell[SX_MAX_PAGES];
    PMDL mdl;                /* SXL_MDL */
    int view;                /* SXL_MDL: its SX_MDLMAP map, or -1 */
};

struct sx_stats {
    uint32_t steps, valid, invalid, expected_fail, ring3, ring3_faults, checks, sweeps;
    uint32_t as_created, as_destroyed, switches, writes, per_kind[SX_NKINDS];
    /* owners and frame lifetimes */
    uint32_t orphans, orphans_freed, recycled, relocated, reloc_refused, total_unlocks, total_refused;
    uint32_t stale_refused, edited_mdls, forged_mdls, view_unlocks;
    uint32_t cross, cross_steps;
    uint32_t paged_moves, paged_out, swap_reads;   /* what the model saw the pager do */
};

#define SX_RECENT 32             /* frames that went back to the free list lately */
#define SX_STALE_MDLS 4          /* unlocked MDLs kept for forged unlocks */

/* The generator's own driver data: memory it got from VMAlloc, as a driver's buffers must be
 * (mm/core/caller.c: the kernel image, where `sx` lives, is no caller's buffer). */
struct sx_data {
    KernVMLock_t handles[SX_MAX_LOCKS];  /* SXL_VMLOCK: locks[k]'s handle */
    KernVMLock_t handle_copy;            /* a second copy of a live handle */
    KernVMLock_t scratch;                /* a call that must fail must not write it either */
    PAGELIST pagelist[SX_MAX_PAGES + 1];
};

struct sx_state {
    struct sx_data *data;               /* a VMAlloc(FIXED) page for the whole run */
    struct sx_rng rng;
    uint32_t seed, step, sweep, check_every, cross_weight, serial;
    uint32_t cross_call;     /* inside a cross-API sequence: its call number (for the description) */
    bool trace, failed;
    char desc[120];          /* what the current step does (printed with a failure) */
    struct as *as[1 + SX_MAX_AS];       /* [0] = the kernel's; NULL = free slot */
    struct sx_map maps[SX_MAX_MAPS];
    struct sx_lock locks[SX_MAX_LOCKS];
    struct sx_cell cells[SX_MAX_CELLS];
    uint32_t live_pages;
    vaddr_t freed[SX_FREED_KEEP];       /* recently freed object/view addresses (any AS) */
    uint8_t freed_kind[SX_FREED_KEEP], nfreed;
    KernVMLock_t released[4];           /* copies of released VMLock handles */
    uint8_t nreleased;
    PMDL stale[SX_STALE_MDLS];          /* MDLs MmUnlockPages unlocked, not freed yet */
    uint8_t nstale;
    pfn_t recent[SX_RECENT];            /* frames freed lately: a new cell on one was recycled */
    uint32_t nrecent;
    struct sx_stats st;
};
extern struct sx_state sx;
static inline KernVMLock_t *sx_hp(const struct sx_lock *l) { return &sx.data->handles[l - sx.locks]; }
static inline LIN sx_handle(const struct sx_lock *l) { return (LIN)sx_hp(l); }

/* ---- randomness ---------------------------------------------------------------------------- */
static inline uint32_t sx_below(uint32_t n) { return n ? sx_next(&sx.rng) % n : 0; }
static inline bool sx_chance(uint32_t percent) { return sx_below(100) < percent; }

/* ---- the model (tests/suites/stress/model.c) ------------------------------------------------------------ */
const char *sx_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sx_describe(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint16_t sx_cell_new(void);                     /* a committed, not yet present, zero cell */
void sx_cell_present(uint16_t c, pfn_t pfn);    /* first mapping became present */
void sx_page_drop(struct sx_map *m, uint32_t i);    /* the page's mapping is gone */
void sx_cell_lock(uint16_t c);                  /* a record took a lock on the cell */
void sx_cell_unlock(uint16_t c);                /* a record let go: the frame may go free */
void sx_page_llock(struct sx_map *m, uint32_t i, uint32_t n);   /* n more linear locks */
void sx_page_lunlock(struct sx_map *m, uint32_t i, uint32_t n); /* n fewer */
bool sx_cell_locked(const struct sx_cell *x);   /* any owner locks or pins it */
bool sx_cell_movable(const struct sx_cell *x);  /* the core's pfn_movable, as the model sees it */
uint16_t sx_cell_of_pfn(pfn_t f);               /* the present cell on frame f, or SX_NOCELL */
struct sx_map *sx_map_new(uint8_t kind, uint8_t as, vaddr_t ret, vaddr_t base, uint32_t npages);
void sx_map_free(struct sx_map *m);             /* drops every page, forgets the map */
int sx_map_index(const struct sx_map *m);
bool sx_map_slot_free(void);
struct sx_map *sx_pick_map(uint32_t kinds, bool (*ok)(const struct sx_map *));
struct sx_lock *sx_lock_new(uint8_t kind);
struct sx_lock *sx_pick_lock(uint32_t kinds);
void sx_note_freed(vaddr_t va, uint8_t kind);
#define SXK(k) (1u << (k))
#define SXK_OBJECTS (SXK(SX_VXD_BLOCK) | SXK(SX_VXD_RESERVE) | SXK(SX_DH_ALLOC) | SXK(SX_NT_CONTIG))
#define SXK_VIEWS (SXK(SX_P2G) | SXK(SX_G2P) | SXK(SX_LPL_GLOBAL) | SXK(SX_IOSPACE) | SXK(SX_MDLMAP) | SXK(SX_PL2LIN))
#define SXK_ALL (SXK_OBJECTS | SXK_VIEWS)
/* What _LinPageLock and VMLock can name: objects and views that are regions (not system PTEs). */
#define SXK_REGIONS (SXK(SX_VXD_BLOCK) | SXK(SX_VXD_RESERVE) | SXK(SX_DH_ALLOC) | SXK(SX_P2G) | SXK(SX_G2P))

uint8_t sx_as_index(struct as *a);              /* SX_GLOBAL if not one of ours */
void sx_enter(const struct sx_map *m);          /* make m's address space current */
pte_t sx_pte(const struct sx_map *m, uint32_t i);
bool sx_visible(const struct sx_map *m);        /* m's pages can be read through their VAs now */
const char *sx_learn(struct sx_map *m);         /* demand pages that became present */
bool sx_range_committed(const struct sx_map *m, uint32_t i, uint32_t n);
/* The current contents through the mapping (probed: a fault is a failure). */
const char *sx_check_page(struct sx_map *m, uint32_t i);
const char *sx_verify_all(void);                /* every map, every cell, against the kernel */
/* With the pager on: learns, from the entries, which movable pageable cells changed frames or
 * went to swap since the model last looked (no I/O: entries only).  The driver calls it before
 * each step, so an operation predicts from the frames pages have now. */
void sx_follow_pager(void);
/* The cell may be moved or taken by the pager right now (as the model sees it). */
bool sx_cell_pager_may_take(const struct sx_cell *x);
/* The cell has a frame now: committed, touched, and not in swap. */
static inline bool sx_cell_in_ram(uint16_t c) { return c != SX_NOCELL && sx.cells[c].present && !sx.cells[c].out; }
uint32_t sx_new_tag(void);
void sx_dump(void);                             /* the model's maps and locks, after a failure */

/* The cost of a call that must fail: nothing may change (before: mm_counts_take, mm/mm.h). */
const char *sx_unchanged(const struct mm_counts *before, const char *what);

/* ---- operations (stress_ops*.c) ------------------------------------------------------------ */
extern const char sx_skipped[];                 /* an operation's precondition was not met */
uint32_t sx_pages_wanted(void);
bool sx_room(uint32_t n);
void sx_pick_range(const struct sx_map *m, uint32_t *i, uint32_t *k);
const char *sx_alloc_failed(const struct mm_counts *b, uint32_t n, bool constrained, const char *what);
const char *sx_expect_present(struct sx_map *m, uint32_t i, uint32_t n, const char *what);
bool sx_range_present(const struct sx_map *m, uint32_t i, uint32_t k);
/* A PAGELIST (B.2) for [lin, lin + len) of m against the model's frames. */
const char *sx_check_pagelist(const struct sx_map *m, vaddr_t lin, uint32_t len, const PAGELIST *pl, uint32_t n);
typedef const char *(*sx_op_fn)(void);
struct sx_op { sx_op_fn fn; uint8_t weight; const char *name; };
extern const struct sx_op sx_ops[];
extern const uint32_t sx_nops;
const char *sx_free_map(struct sx_map *m);      /* the kind's own release service */
const char *sx_release_lock(struct sx_lock *l);
const char *sx_destroy_as(uint8_t ai);          /* as_destroy: never refused for a lock */
/* Targeted operations the cross-API sequences compose (each describes itself and predicts). */
const char *sx_alloc_fixed(struct sx_map **out);    /* a fixed or contiguous object, any API */
const char *sx_alloc_any(struct sx_map **out);      /* any object, committed (maybe demand-zero) */
const char *sx_write(struct sx_map *m, uint32_t i); /* ring 0 writes a new tag through page i */
const char *sx_decommit(struct sx_map *m, uint32_t i, uint32_t k);
const char *sx_realloc(struct sx_map *m, uint32_t n, ULONG flags);
const char *sx_vmlock(struct sx_map *m, uint32_t i, uint32_t k, ULONG flags, struct sx_lock **out);
const char *sx_linlock(struct sx_map *m, uint32_t i, uint32_t k);
const char *sx_linunlock(struct sx_map *m, uint32_t i, uint32_t k, bool total);
const char *sx_mdl_lock(struct sx_map *m, uint32_t i, uint32_t k, bool map, struct sx_lock **out);
const char *sx_mdl_map(struct sx_lock *l);
const char *sx_mdl_edit(struct sx_lock *l);     /* writes other frames into the PFN array */
const char *sx_vmunlock_stale(void);            /* VMUnLock of a released handle's copy: 158 */
const char *sx_mdl_forged(void);                /* MmUnlockPages of an unlocked MDL made to look locked */
const char *sx_lpl_global(struct sx_map *m, uint32_t i, uint32_t k, struct sx_map **out);
const char *sx_g2p(struct sx_map *m, uint32_t i, uint32_t k, struct sx_map **out);
const char *sx_p2g(struct sx_map *m, uint32_t i, uint32_t k, struct sx_map **out);
const char *sx_iospace_cell(uint16_t c, struct sx_map **out);   /* MmMapIoSpace of one cell's frame */
const char *sx_op_cross(void);                  /* one cross-API sequence (tests/suites/stress/cross.c) */
/* The later NT services (tests/suites/stress/ntmore.c): make one of their objects, decommit and
 * recommit a ZwAllocateVirtualMemory page, their invalid calls; and the free of their objects
 * (sx_free_map hands them over). */
const char *sx_op_nt_alloc(void);
const char *sx_op_nt_vm_decommit(void);
const char *sx_op_nt_invalid(void);
const char *sx_op_nt_free(void);
const char *sx_nt_free(struct sx_map *m);
/* Ring 3 in the current address space: fn(a1, a2) with the expected outcome checked. */
const char *sx_user(uint32_t (*fn)(uint32_t, uint32_t), uint32_t a1, uint32_t a2, bool must_fault,
                    vaddr_t cr2, struct user_result *r);

/* ---- driver (stress.c) ----------------------------------------------------------------------- */
/* cross_weight: the weight of the cross-API sequences among the operations. */
const char *sx_run(uint32_t seed, uint32_t steps, const char *label, uint32_t cross_weight);
const char *sx_check_now(void);                 /* mm_check(), counted */
#endif
