/*
 * mm/vxd/sparse.c - reserve/commit memory (the Win95 DDK VMM reference): _PageReserve, _PageCommit,
 * _PageCommitPhys, _PageCommitContig, _PageDecommit, _PageModifyPermissions.
 *
 * A reservation is a core region; commit state lives in the PTEs (the core's one fact in one
 * place).  Commit, decommit and permission changes work inside one _PageReserve reservation or
 * one _PageAllocate block (the DDK allows mixing, A.3), never across two, never in a free
 * physical region, an alias or the null page.  PR_STATIC rule: inside a PR_STATIC reservation,
 * _PageCommit*, _PageDecommit and _PageModifyPermissions need PC_STATIC, _PageFree needs
 * PR_STATIC; a block with any PC_STATIC commit is static for decommit, permissions and free.
 */
#include "mm/vxd/internal.h"

#define RESERVE_FLAGS (PR_4MEG | PR_FIXED | PR_STATIC)
#define COMMIT_FLAGS  (PC_FIXED | PC_LOCKED | PC_LOCKEDIFDP | PC_STATIC | PC_USER | PC_WRITEABLE | \
                       PC_INCR | PC_PRESENT | PC_DIRTY | PC_CACHEWT | PC_CACHEDIS | PC_PAGEFLUSH)
#define PHYS_FLAGS    (PC_INCR | PC_USER | PC_WRITEABLE | PC_STATIC | PC_CACHEWT | PC_CACHEDIS)
#define CONTIG_FLAGS  (PC_USER | PC_WRITEABLE | PC_STATIC | PCC_ZEROINIT)
#define PERM_BITS     (PC_USER | PC_WRITEABLE)

/* The reservation or block that holds the whole range, if a commit with flags may go there. */
static struct region *commit_target(ULONG page, ULONG npages, ULONG flags, vaddr_t *va)
{
    if (!vxd_pages(page, npages, va)) return NULL;
    struct region *r = vxd_region_of(*va, npages, VXDK_SPARSE);
    if (!r || (r->kind == VXD_RESERVE && (r->flags & PR_STATIC) && !(flags & PC_STATIC))) return NULL;
    return r;
}

static void note_static(struct region *r, ULONG flags)
{
    if (flags & PC_STATIC) r->data[2] |= VXDF_STATIC;
}

/*
 * _PageReserve: page = PR_PRIVATE (the current address space's private arena), PR_SHARED,
 * PR_SYSTEM, or an explicit page number whose whole range lies in one arena and is entirely
 * unreserved.  npages != 0.  flags: PR_FIXED, PR_STATIC, PR_4MEG (4 MiB-aligned; ignored with an
 * explicit page).  Nothing is committed.  Returns the linear byte address, or 0xFFFFFFFF
 * (Wine's and the VxD callers' convention, A.4).  0xFFC00000-0xFFFFFFFF belongs to no arena:
 * never reserved.
 */
ULONG _PageReserve(ULONG page, ULONG npages, ULONG flags)
{
    if (!npages || npages > VXD_MAXPAGE || (flags & ~RESERVE_FLAGS)) return VXD_FAIL;
    enum mm_arena arena;
    vaddr_t at = 0;
    uint32_t align = (flags & PR_4MEG) ? PTES_PER_TABLE : 1;
    if (page == PR_PRIVATE) arena = ARENA_PRIVATE;
    else if (page == PR_SHARED) arena = ARENA_SHARED;
    else if (page == PR_SYSTEM) arena = ARENA_SYSTEM;
    else {
        if (!vxd_pages(page, npages, &at)) return VXD_FAIL;
        arena = mm_arena_of(at, npages);              /* page 0 (at = 0) is the null page: none */
        align = 1;
        if (arena == ARENA_NONE) return VXD_FAIL;
    }
    struct region *r = vxd_reserve(arena, at, npages, align, VXD_RESERVE);
    if (!r) return VXD_FAIL;
    r->flags = flags;
    return r->base;
}

/*
 * _PageCommit: the range lies in one reservation (or _PageAllocate block).  hpd: PD_ZEROINIT,
 * PD_NOINIT, PD_FIXEDZERO, PD_FIXED (the last two need PC_FIXED); there are no registered
 * pagers, so pagerdata must be 0 (PC_INCR then changes nothing).  flags: PC_FIXED / PC_LOCKED
 * (present and locked for the pages' life), PC_LOCKEDIFDP (present now, then unlocked and
 * pageable: our pager pages through protected-mode ATA, never DOS or the BIOS), PC_PRESENT, PC_DIRTY, PC_USER, PC_WRITEABLE (without it read-only, for ring 0 too:
 * CR0.WP), PC_CACHEWT, PC_CACHEDIS, PC_STATIC, PC_INCR, PC_PAGEFLUSH (accepted; nothing to
 * touch).  With PC_FIXED/PC_LOCKED/PC_LOCKEDIFDP no page may be committed yet; without them
 * committed pages are left as they are (the VirtualAlloc reading of the cut DDK sentence).
 * Ours: pages committed without PC_FIXED/PC_LOCKED/PC_LOCKEDIFDP/PC_PRESENT are demand-zero and
 * charged (mm/core/vm.c, top): 0 when fewer frames are free than committed demand-zero pages already
 * hold plus the new ones - never a commit whose first touch would find no frame.
 * Returns 1, or 0 on any error.
 */
ULONG _PageCommit(ULONG page, ULONG npages, ULONG hpd, ULONG pagerdata, ULONG flags)
{
    vaddr_t va;
    if ((flags & ~COMMIT_FLAGS) || hpd < PD_ZEROINIT || hpd > PD_FIXED || pagerdata ||
        ((hpd == PD_FIXED || hpd == PD_FIXEDZERO) && !(flags & PC_FIXED)))
        return 0;
    struct region *r = commit_target(page, npages, flags, &va);
    if (!r) return 0;
    bool pin = flags & (PC_FIXED | PC_LOCKED);
    uint32_t cf = 0;                                  /* PD_ZEROINIT or not: commits are zeroed */
    if (pin) cf |= MM_COMMIT_PIN;
    bool ifdp = !pin && (flags & PC_LOCKEDIFDP);     /* no page committed yet: commit_target */
    if (pin || (!ifdp && (flags & PC_PRESENT))) cf |= MM_COMMIT_PRESENT;
    if (flags & PC_DIRTY) cf |= MM_COMMIT_DIRTY;
    if (ifdp) cf |= MM_COMMIT_PAGEABLE;
    else if (!pin) cf |= MM_COMMIT_SKIP | MM_COMMIT_PAGEABLE;
    if (mm_commit(va, npages, vxd_prot(flags), cf, NULL, NULL) != MM_OK) return 0;
    if (ifdp && !vxd_make_present(va, npages, flags & PC_DIRTY)) {
        mm_decommit(va, npages);
        return 0;
    }
    note_static(r, flags);
    return 1;
}

/*
 * _PageCommitPhys: maps physical page physpg (PC_INCR: physpg + i for page i; without it every
 * page maps physpg) into an uncommitted range of one reservation.  The frames must not belong
 * to the allocator: I/O space, firmware RAM, or RAM someone owns (a PCC_NOLIN run, a block's
 * frame, the null page), which the mapping then keeps alive; free RAM, page tables and the
 * kernel image are refused.  flags: PC_INCR, PC_USER, PC_WRITEABLE, PC_CACHEWT, PC_CACHEDIS,
 * PC_STATIC.  Returns 1, or 0.
 */
ULONG _PageCommitPhys(ULONG page, ULONG npages, ULONG physpg, ULONG flags)
{
    vaddr_t va;
    if ((flags & ~PHYS_FLAGS) || physpg >= VXD_MAXPAGE) return 0;
    if ((flags & PC_INCR) && npages > VXD_MAXPAGE - physpg) return 0;
    struct region *r = commit_target(page, npages, flags, &va);
    if (!r || mm_map_physical(va, npages, physpg, (flags & PC_INCR) ? 1 : 0, vxd_prot(flags)) != MM_OK)
        return 0;
    note_static(r, flags);
    return 1;
}

/* alignmask/minphys/maxphys -> a frame request.  maxphys 0xFFFFFFFF means "no limit" here (A.4:
 * the documented way to ask for it); anything above 0x100000 is 4 GiB. */
static bool contig_req(ULONG alignmask, ULONG minphys, ULONG maxphys, struct mm_frame_req *q)
{
    maxphys = MIN(maxphys, VXD_MAXPAGE);
    if (!vxd_align_ok(alignmask) || minphys >= maxphys) return false;
    *q = (struct mm_frame_req){ minphys, maxphys, alignmask + 1, 0 };
    return true;
}

/*
 * _PageCommitContig: physically contiguous, fixed (PC_FIXED) pages with
 * minphys <= pfn < maxphys, the first frame a multiple of alignmask + 1.
 *   - PCCNOLIN must be alone (PCC_NOLIN | PCC_ZEROINIT fails, A.8 test 8): page is ignored,
 *     npages raw frames are taken and mapped nowhere; they can never be freed (mm_hold_run).
 *   - otherwise the range lies in one reservation with nothing committed; flags PC_USER,
 *     PC_WRITEABLE, PCC_ZEROINIT, PC_STATIC.
 * Returns the physical byte address of the first page (both forms), 0xFFFFFFFF on failure.
 */
ULONG _PageCommitContig(ULONG page, ULONG npages, ULONG flags, ULONG alignmask, ULONG minphys, ULONG maxphys)
{
    struct mm_frame_req q;
    if (!contig_req(alignmask, minphys, maxphys, &q)) return VXD_FAIL;
    if (flags & PCC_NOLIN) {
        if (flags != PCC_NOLIN || !npages || npages > VXD_MAXPAGE) return VXD_FAIL;
        pfn_t f = mm_hold_run(npages, &q, false);
        return f == PFN_NONE ? VXD_FAIL : f << PAGE_SHIFT;
    }
    vaddr_t va;
    pfn_t first;
    if (flags & ~CONTIG_FLAGS) return VXD_FAIL;
    struct region *r = commit_target(page, npages, flags, &va);
    uint32_t cf = MM_COMMIT_CONTIG | MM_COMMIT_PIN | MM_COMMIT_PRESENT;   /* zeroed, PCC_ZEROINIT or not */
    if (!r || mm_commit(va, npages, vxd_prot(flags), cf, &q, &first) != MM_OK) return VXD_FAIL;
    note_static(r, flags);
    return first << PAGE_SHIFT;
}

/*
 * _PageDecommit: the range lies in one reservation or block and may include uncommitted
 * pages.  flags must be 0 - or PC_STATIC, which a static reservation/block requires (inferred
 * from the PR_STATIC text, A.4).  Locked pages decommit as _PageFree frees them (A.3): their
 * own locks go with them, and a frame another owner locks (VMLock, an MDL, a global alias) stays
 * allocated until released.  Returns 1, or 0.
 */
ULONG _PageDecommit(ULONG page, ULONG npages, ULONG flags)
{
    vaddr_t va;
    if ((flags & ~PC_STATIC) || !vxd_pages(page, npages, &va)) return 0;
    struct region *r = vxd_region_of(va, npages, VXDK_SPARSE);
    if (!r || (vxd_is_static(r) && !(flags & PC_STATIC))) return 0;
    return mm_decommit(va, npages) == MM_OK;
}

/*
 * _PageModifyPermissions: every page of the range (one reservation or block) is committed.
 * For each page new = (old & permand) | permor over PC_USER and PC_WRITEABLE; other bits of
 * permand are ignored, other bits of permor (except PC_STATIC) are an error.  In a static
 * reservation/block permor must include PC_STATIC (it is then masked out, as Wine does).
 * Returns the first page's previous PC_USER|PC_WRITEABLE bits, or 0xFFFFFFFF on failure
 * (Wine and VxD callers, A.4).  A removed right is gone from the TLB on return (core).
 */
ULONG _PageModifyPermissions(ULONG page, ULONG npages, ULONG permand, ULONG permor)
{
    vaddr_t va;
    uint32_t old;
    if ((permor & ~(PERM_BITS | PC_STATIC)) || !vxd_pages(page, npages, &va)) return VXD_FAIL;
    struct region *r = vxd_region_of(va, npages, VXDK_SPARSE);
    if (!r || (vxd_is_static(r) && !(permor & PC_STATIC))) return VXD_FAIL;
    if (mm_protect(va, npages, vxd_prot(permand & PERM_BITS), vxd_prot(permor & PERM_BITS), &old) != MM_OK)
        return VXD_FAIL;
    return vxd_pc_bits(old);
}
