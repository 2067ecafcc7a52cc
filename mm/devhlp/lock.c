/*
 * mm/devhlp/lock.c - VMLock and VMUnLock (the OS/2 PDD reference) and their lock handles.
 *
 * A lock is a slot in a fixed table of DH_MAX_LOCKS holding the core's lock record (mm/core/lock.c):
 * the record owns one lock on each frame it locked, so the pages are locked for every
 * personality, and VMUnLock releases exactly that record's locks - never a lock another API or
 * another handle holds on the same frames, and nothing at all for a stale handle.  Releasing
 * needs neither the locking process's address space nor its page tables: a driver may unlock
 * at any time, in any context, also after the memory was freed (the record kept its frames
 * allocated, unmapped, until now).
 *
 * The 12-byte handle (B.2: opaque, caller-owned, VMUnLock may modify it) is
 *     dword 0  state: DH_LOCKED or DH_RELEASED
 *     dword 1  id = generation << 8 | slot
 *     dword 2  seal = mix(id ^ key), key chosen at boot
 * Validation, in order: the pointer must be 12 writable bytes in an arena (else 87); a bad
 * seal or state is a forged handle (6, ERROR_INVALID_HANDLE); a genuine handle that VMUnLock
 * has marked released, or a copy of one whose lock has since been released (generation moved
 * on), is ERROR_NOT_LOCKED (158).  So our choice for B.5 test 7: a second VMUnLock with the
 * same handle gives 158, garbage gives 6 (or 87 for a pointer we cannot use).
 */
#include "mm/devhlp/devhlp.h"
#include "mm/x86.h"

#define DH_MAX_LOCKS 256
#define DH_LOCKED    0x4B4C4844u         /* "DHLK" */
#define DH_RELEASED  0x4C554844u         /* "DHUL" */
#define DH_16M_PFN   0x1000u             /* 16 MiB in frames */
#define DH_NO_LIMIT  0xFFFFFFFFu
#define VMDHL_VALID  (VMDHL_NOBLOCK | VMDHL_CONTIGUOUS | VMDHL_16M | VMDHL_WRITE | VMDHL_LONG | \
                      VMDHL_VERIFY | VMDHL_TRY_CONTIG)
#define VMDHL_VERIFY_VALID (VMDHL_VERIFY | VMDHL_WRITE | VMDHL_LONG)

struct dh_lock {
    mm_lock_t rec;                       /* the core's owner record */
    uint32_t flags, npages;
    struct as *as;                       /* the address space it was locked in (for reports) */
    vaddr_t va;
    pfn_t frames[];
};
static struct dh_lock *slots[DH_MAX_LOCKS];
static uint32_t gens[DH_MAX_LOCKS];
static uint32_t key;

static uint32_t mix(uint32_t x)          /* murmur3 finaliser: every input bit moves every output bit */
{
    x ^= x >> 16; x *= 0x85EBCA6Bu; x ^= x >> 13; x *= 0xC2B2AE35u; x ^= x >> 16;
    return x;
}
static uint32_t seal(uint32_t id) { return mix(id ^ key); }

void devhlp_lock_init(void)
{
    key = mix((uint32_t)(uintptr_t)slots ^ 0x05D2DEADu);
    if (x86.tsc) key ^= mix((uint32_t)rdtsc());
}

/* Relocation (CONTIGUOUS/16M) failed: busy frames are a wait OS/2 would do; we never block. */
static USHORT relocation_error(mm_status st, ULONG flags)
{
    if (st == MM_EBUSY) return (flags & VMDHL_NOBLOCK) ? ERROR_NOBLOCK : ERROR_LOCK_VIOLATION;
    return devhlp_error(st);
}

/* Every page committed (else 87); under NOBLOCK every page resident already (else 32792: a
 * page that first needs a frame is a page OS/2 would have to wait for). */
static USHORT check_pages(vaddr_t va, uint32_t n, ULONG flags)
{
    uint32_t absent, uncommitted = mm_scan_committed(va, n, &absent);
    /* Page by page, the first page that fails decides: an uncommitted page is absent too. */
    if ((flags & VMDHL_NOBLOCK) && absent < uncommitted) return ERROR_NOBLOCK;
    return uncommitted < n ? ERROR_INVALID_PARAMETER : NO_ERROR;
}

/* CONTIGUOUS: one run (below 16 MiB with 16M); TRY_CONTIG: the same, failure ignored; 16M alone:
 * each page below 16 MiB, moving only the pages that are not - all of them or none.  Contents
 * move with them. */
static USHORT relocate(vaddr_t va, uint32_t n, ULONG flags)
{
    struct mm_frame_req req = { 0, (flags & VMDHL_16M) ? DH_16M_PFN : DH_NO_LIMIT, 1, 0 };
    if (flags & (VMDHL_CONTIGUOUS | VMDHL_TRY_CONTIG)) {
        mm_status st = mm_make_contiguous(va, n, &req);
        if (st == MM_OK) return NO_ERROR;
        if (flags & VMDHL_CONTIGUOUS) return relocation_error(st, flags);
    }
    if (flags & VMDHL_16M) {
        mm_status st = mm_make_eligible(va, n, &req);     /* all or nothing */
        if (st != MM_OK) return relocation_error(st, flags);
    }
    return NO_ERROR;
}

static int free_slot(void)
{
    for (int i = 0; i < DH_MAX_LOCKS; i++)
        if (!slots[i]) return i;
    return -1;
}

/* Writes the PAGELIST (unless pPagelist is -1; VMLock checked it for the worst case before
 * anything changed); *count = entries written.  87 when a store faults after all, 8 without
 * pool memory for the list. */
static USHORT put_pagelist(const struct dh_lock *l, LIN lin, ULONG len, LIN pPagelist, ULONG *count)
{
    *count = 0;
    if (pPagelist == DEVHLP_NO_LIST) return NO_ERROR;
    uint32_t n = devhlp_build_pagelist(l->frames, lin & PAGE_MASK, len, NULL, 0);
    PAGELIST *tmp = kmalloc(n * sizeof(PAGELIST));
    if (!tmp) return ERROR_NOT_ENOUGH_MEMORY;
    devhlp_build_pagelist(l->frames, lin & PAGE_MASK, len, tmp, n);
    bool ok = true;
    for (uint32_t i = 0; i < n && ok; i++)
        ok = devhlp_put(pPagelist + i * 8, tmp[i].PhysAddr) && devhlp_put(pPagelist + i * 8 + 4, tmp[i].Size);
    kfree(tmp);
    *count = n;
    return ok ? NO_ERROR : ERROR_INVALID_PARAMETER;
}

/* The core lock flags for VMLock flags (see DevHelp_VMLock). */
static uint32_t core_lock_flags(ULONG Flags, vaddr_t va)
{
    uint32_t lf = (Flags & VMDHL_WRITE) ? MM_LOCK_DIRTY : 0;
    if (Flags & VMDHL_VERIFY) {
        if (Flags & VMDHL_WRITE) lf |= MM_LOCK_WRITE;
        if (va < PRIVATE_END) lf |= MM_LOCK_USER;
    }
    return lf;
}

/*
 * VMLock (0x55): locks the pages covering [LinearAddr, +Length) (whole pages, any alignment)
 * in the current address space and fills the caller's 12-byte lock handle.
 *   Flags: B.1.  VERIFY allows only WRITE and LONG besides itself (so VERIFY|CONTIGUOUS -> 87,
 *   "all other bits must be clear"); any undefined bit -> 87.  WRITE marks the pages dirty (PTE D
 *   and the frame's dirty flag: DMA writes the CPU does not see); VERIFY|WRITE also requires write
 *   access (5 if a page is read-only), and VERIFY of a private-arena range requires ring-3 access.
 *   LONG is recorded; the core has one kind of lock, so it behaves like a short lock.
 *   CONTIGUOUS / 16M / TRY_CONTIG relocate the pages first when they do not already qualify -
 *   but only movable pages (the core's predicate): fixed memory (VMDHA_FIXED, _PageAllocate
 *   PAGEFIXED, PC_FIXED, contiguous commits) and pages that anyone has locked, or that are
 *   mapped elsewhere too, never move: 33 (ERROR_LOCK_VIOLATION), as OS/2 would wait for them.
 *   NOBLOCK: 32792 instead of 33 for those, and for pages that are committed but not yet
 *   resident (demand-zero, or written out by the pager: reading one back is disk I/O, a wait),
 *   with nothing read back.  Without NOBLOCK a page in swap is read back, then locked; while
 *   locked the pager never takes it; a read the disk fails is 8 (ERROR_NOT_ENOUGH_MEMORY, as
 *   no frame), nothing locked.  A count that would overflow (2^32 - 2^16 locks on a frame): 8.
 *   Range: non-zero, no wrap, committed, inside one object (region) -> else 87.
 *   pPagelist: -1 = no list (returns 0 entries), else room for the worst case
 *   ceil((off + len) / 4096) entries (checked before anything is relocated or locked); the
 *   list merges physically adjacent pages (B.2).
 *   pLockHandle and pPagelist: caller buffers (devhlp_ptr_ok, mm/core/caller.c), else 87.
 * Returns 0 and *PageListCount = entries written, or an error with nothing locked.
 */
USHORT DevHelp_VMLock(ULONG Flags, LIN LinearAddr, ULONG Length, LIN pPagelist, LIN pLockHandle,
                      PULONG PageListCount)
{
    vaddr_t va;
    uint32_t n;
    if ((Flags & ~VMDHL_VALID) || ((Flags & VMDHL_VERIFY) && (Flags & ~VMDHL_VERIFY_VALID)))
        return ERROR_INVALID_PARAMETER;
    if (!devhlp_span(LinearAddr, Length, &va, &n) || !mm_region_contains(mm_region_find(va), va, n))
        return ERROR_INVALID_PARAMETER;
    USHORT err = check_pages(va, n, Flags);
    if (err) return err;
    int slot = free_slot();
    struct dh_lock *l = slot < 0 ? NULL : kzalloc(sizeof *l + n * sizeof(pfn_t));
    if (!l) return ERROR_NOT_ENOUGH_MEMORY;
    /* Last of the checks: a probe may make a demand-zero page of the buffers present. */
    vaddr_t floor = CALLER_STACK_FLOOR(6);
    if (!devhlp_ptr_ok(pLockHandle, sizeof(KernVMLock_t), true, floor) ||
        (pPagelist != DEVHLP_NO_LIST && !devhlp_ptr_ok(pPagelist, n * sizeof(PAGELIST), true, floor))) {
        kfree(l);
        return ERROR_INVALID_PARAMETER;
    }
    l->flags = Flags;
    l->npages = n;
    l->as = as_current();
    l->va = va;
    err = relocate(va, n, Flags);
    mm_status st = err ? MM_OK : mm_lock_record(va, n, core_lock_flags(Flags, va), l->frames, &l->rec);
    if (!err && st != MM_OK) err = devhlp_error(st);
    if (err) { kfree(l); return err; }
    ULONG count;
    err = put_pagelist(l, LinearAddr, Length, pPagelist, &count);
    if (err) {
        mm_unlock_record(l->rec);
        kfree(l);
        return err;
    }
    slots[slot] = l;
    uint32_t id = (gens[slot] << 8) | (uint32_t)slot;
    devhlp_put(pLockHandle, DH_LOCKED);
    devhlp_put(pLockHandle + 4, id);
    devhlp_put(pLockHandle + 8, seal(id));
    if (PageListCount) *PageListCount = count;
    return NO_ERROR;
}

/*
 * VMUnLock (0x56): releases the lock a handle describes and marks the handle released.
 * Errors: 87 pointer unusable (not writable caller memory, mm/core/caller.c), 6 forged handle, 158
 * handle already released (see the top).
 */
USHORT DevHelp_VMUnLock(LIN pLockHandle)
{
    uint32_t state, id, s;
    if (!devhlp_ptr_ok(pLockHandle, sizeof(KernVMLock_t), true, CALLER_STACK_FLOOR(1)) || !devhlp_get(pLockHandle, &state) ||
        !devhlp_get(pLockHandle + 4, &id) || !devhlp_get(pLockHandle + 8, &s))
        return ERROR_INVALID_PARAMETER;
    if (s != seal(id) || (state != DH_LOCKED && state != DH_RELEASED) || (id & 0xFF) >= DH_MAX_LOCKS)
        return ERROR_INVALID_HANDLE;
    uint32_t slot = id & 0xFF;
    struct dh_lock *l = slots[slot];
    if (state == DH_RELEASED || !l || (gens[slot] & 0xFFFFFFu) != id >> 8) return ERROR_NOT_LOCKED;
    mm_unlock_record(l->rec);
    slots[slot] = NULL;
    gens[slot] = (gens[slot] + 1) & 0xFFFFFFu;
    kfree(l);
    devhlp_put(pLockHandle, DH_RELEASED);
    return NO_ERROR;
}
