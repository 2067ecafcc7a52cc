/*
 * mm/vxd/alloc.c - the block allocator: _PageAllocate, _PageReAllocate, _PageFree,
 * _PageGetSizeAddr (the Win95 DDK VMM reference).
 *
 * As the Win95 DDK says, _PageAllocate is a _PageReserve plus a _PageCommit in one call: a
 * region of the system arena (PG_SYS) or the shared arena (PG_VM, PG_HOOKED), committed
 * demand-zero, or present when the block is fixed or locked.  The handle is the block's linear
 * address; a handle is accepted only if it is the base of a block this personality made.
 */
#include "mm/vxd/internal.h"

#define ALLOC_FLAGS (PAGEZEROINIT | PAGEUSEALIGN | PAGECONTIG | PAGEFIXED | PAGELOCKED | \
                     PAGELOCKEDIFDP | PAGEMAPFREEPHYSREG)
#define REALLOC_FLAGS (PAGEZEROINIT | PAGEZEROREINIT | PAGENOCOPY | PAGELOCKED | PAGELOCKEDIFDP)
#define ISA_LIMIT_PAGE 0x1000u          /* 16 MiB, as a physical page number */

/* Block type -> arena and protection (PG_VM blocks are V86 memory: ring 3 reaches them). */
static bool type_ok(ULONG pType, ULONG VM, enum mm_arena *arena, uint32_t *prot)
{
    if (pType == PG_SYS && VM == 0) { *arena = ARENA_SYSTEM; *prot = MM_PROT_WRITE; return true; }
    if ((pType == PG_VM || pType == PG_HOOKED) && VM == vxd_sys_vm()) {
        *arena = ARENA_SHARED;
        *prot = MM_PROT_WRITE | MM_PROT_USER;
        return true;
    }
    return false;
}

static ULONG two(ULONG eax, ULONG edx)
{
    vxd_edx = edx;
    return eax;
}

/* PAGEMAPFREEPHYSREG: a system-arena region whose pages all start not present (A.6). */
static ULONG alloc_freephys(ULONG nPages, ULONG pType, ULONG VM, ULONG AlignMask, ULONG minPhys,
                            ULONG maxPhys, ULONG *PhysAddr, ULONG flags)
{
    if (flags != PAGEMAPFREEPHYSREG || pType != PG_SYS || VM || AlignMask || minPhys || maxPhys ||
        PhysAddr || !vxd_at_init())
        return 0;
    struct region *r = vxd_reserve(ARENA_SYSTEM, 0, nPages, 1, VXD_FREEPHYS);
    return r ? two(r->base, r->base) : 0;
}

/* Commits a fresh block; with a frame request (PAGEUSEALIGN) only the first page is aligned
 * unless the whole block is contiguous.  *first gets the first frame when pages are present. */
static bool commit_block(vaddr_t va, uint32_t n, uint32_t prot, uint32_t cf, bool align,
                         bool contig, const struct mm_frame_req *q, pfn_t *first)
{
    if (!align) return mm_commit(va, n, prot, cf, NULL, first) == MM_OK;
    if (contig) return mm_commit(va, n, prot, cf | MM_COMMIT_CONTIG, q, first) == MM_OK;
    struct mm_frame_req rest = { q->min, q->max, 1, 0 };
    if (mm_commit(va, 1, prot, cf | MM_COMMIT_CONTIG, q, first) != MM_OK) return false;
    if (n > 1 && mm_commit(va + PAGE_SIZE, n - 1, prot, cf, &rest, NULL) != MM_OK) {
        mm_decommit(va, 1);
        return false;
    }
    return true;
}

/*
 * _PageAllocate: nPages != 0.  pType PG_SYS (VM must be 0; system arena, ring 0) or PG_VM /
 * PG_HOOKED (VM must be the system VM's handle, vxd_sys_vm(); shared arena, ring 3 read/write).
 * Flags: PAGEZEROINIT, PAGEUSEALIGN (only with PAGEFIXED, as the Win 3.1 doc demands; not
 * limited to init time, as in Win95), PAGECONTIG (ignored without PAGEUSEALIGN), PAGEFIXED and
 * PAGELOCKED (present, and locked for the block's life), PAGELOCKEDIFDP (present at allocation,
 * then unlocked and pageable like any swappable block: "locked if the pager pages through DOS",
 * and ours never does - it uses protected-mode ATA; refused during init), PAGEMAPFREEPHYSREG (alone, PG_SYS, every other
 * argument 0, init only).  Any other bit, or PAGELOCKED with PAGELOCKEDIFDP: failure.
 * With PAGEUSEALIGN: AlignMask 2^k - 1 applies to the first frame number, frames lie in
 * [minPhys, maxPhys), *PhysAddr (NULL allowed; else a caller buffer, mm/core/caller.c, or the call
 * fails) receives the first page's physical address.
 * Quirk (KB Q180579): maxPhys = 0xFFFFFFFF is silently taken as 0x1000 (16 MiB), as Win95 does,
 * so a large request can fail "mysteriously"; any other maxPhys above 0x100000 is 4 GiB.
 * Ours: a block that is not fixed or locked is committed demand-zero, pageable, and charged
 * (mm/core/vm.c, top): as Win9x counts such pages against RAM plus the swap file, the allocation
 * fails when they do not fit the commit limit - the RAM left to pageable memory plus the swap
 * slots when the pager is on (mm/core/pager.c), the free frames not already promised when not.
 * Returns the block's linear address (= handle) in EAX and in vxd_edx; 0 and 0 on failure.
 */
ULONG _PageAllocate(ULONG nPages, ULONG pType, ULONG VM, ULONG AlignMask, ULONG minPhys,
                    ULONG maxPhys, ULONG *PhysAddr, ULONG flags)
{
    vxd_edx = 0;
    enum mm_arena arena;
    uint32_t prot;
    if (!nPages || nPages > VXD_MAXPAGE || (flags & ~ALLOC_FLAGS)) return 0;
    if (flags & PAGEMAPFREEPHYSREG)
        return alloc_freephys(nPages, pType, VM, AlignMask, minPhys, maxPhys, PhysAddr, flags);
    if (((flags & PAGELOCKED) && (flags & PAGELOCKEDIFDP)) || ((flags & PAGELOCKEDIFDP) && vxd_at_init()) ||
        !type_ok(pType, VM, &arena, &prot))
        return 0;
    bool align = flags & PAGEUSEALIGN;
    struct mm_frame_req q = { 0, 0, 1, 0 };
    if (align) {
        if (maxPhys == 0xFFFFFFFFu) {
            kprintf("vxd: _PageAllocate: maxphys = -1, remapping to 16meg (KB Q180579)\n");
            maxPhys = ISA_LIMIT_PAGE;
        }
        maxPhys = MIN(maxPhys, VXD_MAXPAGE);
        if (!(flags & PAGEFIXED) || !vxd_align_ok(AlignMask) || minPhys >= maxPhys) return 0;
        q = (struct mm_frame_req){ minPhys, maxPhys, AlignMask + 1, 0 };
    }
    struct region *r = vxd_reserve(arena, 0, nPages, 1, VXD_ALLOC);
    if (!r) return 0;
    uint32_t cf = 0;                                  /* PAGEZEROINIT or not: commits are zeroed */
    if (flags & (PAGEFIXED | PAGELOCKED)) cf |= MM_COMMIT_PIN | MM_COMMIT_PRESENT;
    if (!(flags & (PAGEFIXED | PAGELOCKED))) cf |= MM_COMMIT_PAGEABLE;   /* the pager may take it */
    pfn_t first = PFN_NONE;
    if (!commit_block(r->base, nPages, prot, cf, align, flags & PAGECONTIG, &q, &first)) goto fail_block;
    if ((cf & MM_COMMIT_PAGEABLE) && (flags & PAGELOCKEDIFDP) && !vxd_make_present(r->base, nPages, false)) goto fail_block;
    /* The caller's buffer is checked last, so that a probe that makes a demand-zero page of it
     * present is never followed by a failure that would leave that frame taken. */
    if (align && PhysAddr && !vxd_ptr_ok(PhysAddr, sizeof *PhysAddr, true, CALLER_STACK_FLOOR(8)))
        goto fail_block;
    r->data[0] = flags;
    r->data[1] = pType;
    if (align && PhysAddr) {            /* checked by vxd_ptr_ok; may be a user page (SMAP) */
        x86_user_access_begin();
        *PhysAddr = first << PAGE_SHIFT;
        x86_user_access_end();
    }
    return two(r->base, r->base);

fail_block:                             /* the block and whatever was committed in it */
    mm_release(r);
    return 0;
}

/*
 * _PageFree: hMem = the base of a _PageAllocate/_PageReAllocate block or a _PageReserve
 * reservation; the whole block goes (decommitted first).  flags: 0 or PR_STATIC, which is
 * required when the reservation is PR_STATIC or anything in it was committed with PC_STATIC.
 * Returns 1, or 0 for a forged/partial handle, a free physical region, the null page, bad flags,
 * or a missing PR_STATIC.  Freeing locked or partly locked pages is not an error (A.3): the
 * locks taken through the block's own pages (_LinPageLock, its PAGEFIXED/PAGELOCKED pins) die
 * with them; a frame that another owner still locks - a VMLock handle, an MDL, a PAGEMAPGLOBAL
 * alias - stays allocated, unmapped, until that owner releases it.
 */
ULONG _PageFree(PVOID hMem, DWORD flags)
{
    struct region *r = vxd_handle((ULONG)hMem, VXDK_SPARSE);
    if (!r || (flags & ~PR_STATIC) || (vxd_is_static(r) && !(flags & PR_STATIC))) return 0;
    return mm_release(r) == MM_OK;
}

/*
 * _PageGetSizeAddr: hMem = a block or reservation handle (also a free physical region's or the
 * null page's); flags 0.  EAX = size in pages (reserved size, not the present count), vxd_edx =
 * linear address; 0 and 0 on a bad handle or flags.
 */
ULONG _PageGetSizeAddr(ULONG hMem, ULONG flags)
{
    vxd_edx = 0;
    struct region *r = vxd_handle(hMem, VXDK_SPARSE | VXDK(VXD_FREEPHYS) | VXDK(VXD_NULPAGE));
    if (!r || flags) return 0;
    return two(r->npages, r->base);
}

/* The new block of a reallocation: pages that will receive old contents are made present now,
 * so the copy cannot fault for want of memory; the rest is demand-zero unless locked. */
/* A page whose contents a reallocation copies: present, or written out to swap (its data is
 * there; the copy's read brings it back).  A page never touched reads as zero: so does its copy. */
static bool has_contents(vaddr_t va)
{
    struct mm_page_info pi;
    mm_page_info(va, &pi);
    return pi.present || mm_page_in_swap(va);
}

static struct region *realloc_target(struct region *old, ULONG n, ULONG nf, uint32_t copy_n)
{
    enum mm_arena arena = ARENA_NONE;
    uint32_t prot = 0;
    if (!type_ok(old->data[1], old->data[1] == PG_SYS ? 0 : vxd_sys_vm(), &arena, &prot)) return NULL;
    struct region *r = vxd_reserve(arena, 0, n, 1, VXD_ALLOC);
    if (!r) return NULL;
    bool ok = true;
    if (nf & (PAGEFIXED | PAGELOCKED)) {
        ok = mm_commit(r->base, n, prot, MM_COMMIT_PRESENT | MM_COMMIT_PIN, NULL, NULL) == MM_OK;
    } else if (nf & PAGELOCKEDIFDP) {                 /* present now, pageable: vxd_make_present */
        ok = mm_commit(r->base, n, prot, MM_COMMIT_PAGEABLE, NULL, NULL) == MM_OK && vxd_make_present(r->base, n, false);
    } else {
        for (uint32_t i = 0; ok && i < copy_n; i++)
            if (has_contents(old->base + i * PAGE_SIZE))
                ok = mm_commit(r->base + i * PAGE_SIZE, 1, prot, MM_COMMIT_PRESENT, NULL, NULL) == MM_OK;
        ok = ok && mm_commit(r->base, n, prot, MM_COMMIT_SKIP | MM_COMMIT_PAGEABLE, NULL, NULL) == MM_OK;
    }
    if (!ok) { mm_release(r); return NULL; }
    return r;
}

/*
 * _PageReAllocate: hMem = a _PageAllocate block (not PAGEUSEALIGN - the Win 3.1 rule - not a
 * free physical region, not PC_STATIC: freeing the old block would need PR_STATIC); nPages != 0.
 * flags: PAGEZEROINIT (new pages zero, old kept), PAGEZEROREINIT (everything zero), PAGENOCOPY
 * (old contents not kept; we hand out zeroes), PAGELOCKED, PAGELOCKEDIFDP (not during init;
 * present, pageable: as _PageAllocate).
 * The block always moves (to a new block of the same type; fixed and locked blocks stay so):
 * it is never PR_FIXED, which is the only thing that would pin it.  On success the old handle
 * is gone; returns the new address in EAX and vxd_edx.  A page of the old block that the pager
 * wrote out is copied like a present one (has_contents): its data is in swap, not gone.  The new block's demand-zero pages are
 * charged while the old block still holds its own (as for _PageAllocate).  0 and 0 on failure -
 * bad input, no memory, or a page locked beyond the block's own lock - and then the old block is
 * untouched.
 */
ULONG _PageReAllocate(ULONG hMem, ULONG nPages, ULONG flags)
{
    vxd_edx = 0;
    struct region *old = vxd_handle(hMem, VXDK(VXD_ALLOC));
    if (!old || !nPages || nPages > VXD_MAXPAGE || (flags & ~REALLOC_FLAGS) ||
        ((flags & PAGELOCKED) && (flags & PAGELOCKEDIFDP)) || ((flags & PAGELOCKEDIFDP) && vxd_at_init()) ||
        (old->data[0] & PAGEUSEALIGN) || vxd_is_static(old) || vxd_foreign_locks(old->base, old->npages))
        return 0;
    ULONG nf = (old->data[0] & (PAGEFIXED | PAGELOCKED | PAGELOCKEDIFDP)) | (flags & (PAGELOCKED | PAGELOCKEDIFDP));
    if (nf & (PAGEFIXED | PAGELOCKED)) nf &= ~PAGELOCKEDIFDP;
    uint32_t copy_n = (flags & (PAGENOCOPY | PAGEZEROREINIT)) ? 0 : MIN(old->npages, nPages);
    struct region *r = realloc_target(old, nPages, nf, copy_n);
    if (!r) return 0;
    for (uint32_t i = 0; i < copy_n; i++) {
        if (!has_contents(old->base + i * PAGE_SIZE)) continue;
        x86_user_access_begin();        /* PC_USER blocks are user pages (SMAP) */
        memcpy((void *)(r->base + i * PAGE_SIZE), (const void *)(old->base + i * PAGE_SIZE), PAGE_SIZE);
        x86_user_access_end();
    }
    r->data[0] = nf | (old->data[0] & PAGEZEROINIT);
    r->data[1] = old->data[1];
    if (mm_release(old) != MM_OK) {
        mm_release(r);
        return 0;
    }
    return two(r->base, r->base);
}
