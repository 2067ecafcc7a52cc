/*
 * mm/vxd/physreg.c - free physical regions (the Win95 DDK VMM reference): _MapFreePhysReg,
 * _UnmapFreePhysReg, _XchgFreePhysReg.  The regions themselves come from
 * _PageAllocate(n, PG_SYS, 0,0,0,0,0, PAGEMAPFREEPHYSREG) at init (mm/vxd/alloc.c).
 *
 * A region page is present (a frame mapped read/write, ring 0) or not present (PTE 0: no
 * software encoding, so a region with no present page needs no page-table frame and the
 * free-frame count is exact).  There is no backing store: unmapping loses the contents.
 *
 * _XchgFreePhysReg's compaction chain (seed 003): a present page made not present keeps its
 * frame "in flight" (held by the core, mm_unmap_keep) and the old physical address goes back
 * to the caller, who feeds it to the next call; a call that maps it (into a not-present page,
 * or in exchange for a present page's frame) ends its flight; the table below knows which
 * frames are in flight.  PhysAddr may also be any other page the caller owns: a used frame that
 * is neither locked nor pinned (see _XchgFreePhysReg for the whole rule).
 * A chain left unfinished keeps its frame out of circulation ("loss of pages", as the DDK
 * warns).  Pages mapped with PAGEFIXED (pinned: locked for life) never move, nor does any page
 * whose frame is locked, held or mapped elsewhere: the core's movability rule (mm/core/physreg.c)
 * decides for unmap and exchange alike.
 */
#include "mm/vxd/internal.h"

#define INFLIGHT_MAX 64
static pfn_t inflight[INFLIGHT_MAX];
static uint32_t ninflight;

static int inflight_find(pfn_t f)
{
    for (uint32_t i = 0; i < ninflight; i++)
        if (inflight[i] == f) return (int)i;
    return -1;
}

static bool region_range(ULONG page, ULONG npages, vaddr_t *va)
{
    return vxd_pages(page, npages, va) && vxd_region_of(*va, npages, VXDK(VXD_FREEPHYS));
}

/* Is va mapped?  *f then its frame. */
static bool page_frame(vaddr_t va, pfn_t *f)
{
    uint32_t prot;
    return mm_translate(va, f, &prot);
}

/* Does a page of some free physical region map frame f?  Such a frame is not inserted a second
 * time: two region pages on one frame could never move again (neither is the only mapping) nor
 * be unmapped, and regions are never freed - the frame would be lost for good. */
static bool in_some_region(pfn_t f)
{
    for (struct region *r = mm_region_next_global(NULL); r; r = mm_region_next_global(r)) {
        if (r->owner != OWNER_VXD || r->kind != VXD_FREEPHYS) continue;
        for (uint32_t i = 0; i < r->npages; i++) {
            pfn_t mapped;
            if (page_frame(r->base + i * PAGE_SIZE, &mapped) && mapped == f) return true;
        }
    }
    return false;
}

/*
 * _MapFreePhysReg: gives free-list frames to nPages not-present pages of one free physical
 * region.  flags 0 or PAGEFIXED (those pages are locked for life: never unmapped or
 * exchanged).  Not during init (the DDK: not before Sys_VM_Init / Init_Complete).  Returns 1,
 * or 0 on a bad range or flags, a page already present, or too few free frames (then nothing
 * is mapped).
 */
ULONG _MapFreePhysReg(ULONG LinPgNum, ULONG nPages, ULONG flags)
{
    vaddr_t va;
    if ((flags & ~PAGEFIXED) || vxd_at_init() || !region_range(LinPgNum, nPages, &va)) return 0;
    uint32_t cf = MM_COMMIT_PRESENT | ((flags & PAGEFIXED) ? MM_COMMIT_PIN : 0);
    return mm_commit(va, nPages, MM_PROT_WRITE, cf, NULL, NULL) == MM_OK;
}

/*
 * _UnmapFreePhysReg: returns the frames of nPages present pages of one free physical region to
 * the free list; flags 0.  Returns 1, or 0 on a bad range or flags, when part of the range is
 * not present, or when a page's frame may not leave it (mm_unmap_movable: locked by any API,
 * PAGEFIXED, held, or mapped somewhere else too) - then nothing changes.
 */
ULONG _UnmapFreePhysReg(ULONG LinPgNum, ULONG nPages, ULONG flags)
{
    vaddr_t va;
    if (flags || !region_range(LinPgNum, nPages, &va)) return 0;
    return mm_unmap_movable(va, nPages) == MM_OK;
}

/*
 * _XchgFreePhysReg: LinPgNum lies in a free physical region; PhysAddr is 0 ("make the page not
 * present") or the page-aligned physical address of a page the caller owns (seed 003: "the
 * physical address to insert"); flags 0.
 *   present page, PhysAddr 0       -> not present; its frame goes in flight; returns its address
 *   present page, PhysAddr = P     -> the page gets P; its old frame goes in flight; returns it
 *   not-present page, PhysAddr = P -> the page gets P; returns 0
 *   not-present page, PhysAddr 0   -> nothing; returns 0
 * What the caller owns (Ours; Win9x stores any address it is given): a frame in flight - an
 * address an earlier call returned, whose flight ends here - or a used RAM frame, one the
 * memory manager gave out and that is mapped by a committed page or held: it gets one more
 * mapping here, and its other owners keep theirs (the core cannot tell owners of used frames
 * apart; the caller vouches for it, as the DDK expects of the swap device that uses this
 * service) - unless a free physical region already maps it: two region pages on one frame could
 * never move or be unmapped again, and regions are never freed.  Refused: free RAM (the allocator could hand it out under the mapping), page tables
 * and page directories, the PFN database and the kernel pool, reserved frames - the first MiB,
 * the kernel image, boot and Multiboot data -, addresses that are not RAM, and any frame that
 * is locked (by any API) or pinned by a fixed commit (PAGEFIXED, VMDHA_FIXED): its owner relies
 * on nobody reusing it, and a free physical region's pages are made to be reused.
 * A present page gives up its frame only if the frame is movable (mm/core/physreg.c: no lock, no
 * pin - so never a PAGEFIXED page -, no hold, no other mapping); a page that received a frame
 * someone else also maps or holds is therefore fixed in place until they let go.
 * Returns 0xFFFFFFFF on error - a page outside any free physical region, a page whose frame may
 * not move, flags, a PhysAddr that is unaligned or refused above, no room to track one more
 * frame in flight (64), no frame for a page table - and then nothing has changed.
 */
ULONG _XchgFreePhysReg(ULONG LinPgNum, ULONG PhysAddr, ULONG flags)
{
    vaddr_t va;
    pfn_t old, want = PhysAddr >> PAGE_SHIFT;
    if (flags || (PhysAddr & PAGE_MASK) || !region_range(LinPgNum, 1, &va)) return VXD_FAIL;
    pfn_t cur;
    bool present = page_frame(va, &cur);
    int slot = PhysAddr ? inflight_find(want) : -1;
    enum mm_insert how = slot >= 0 ? MM_INSERT_KEPT : MM_INSERT_OWNED;
    if (how == MM_INSERT_OWNED && PhysAddr && in_some_region(want)) return VXD_FAIL;
    if (!present) {
        if (!PhysAddr) return 0;
        if (mm_insert_frame(va, want, MM_PROT_WRITE, how) != MM_OK) return VXD_FAIL;
        if (slot >= 0) inflight[slot] = inflight[--ninflight];
        return 0;
    }
    if (slot < 0 && ninflight == INFLIGHT_MAX) return VXD_FAIL;   /* the old frame needs a slot */
    if (!PhysAddr) {
        if (mm_unmap_keep(va, &old) != MM_OK) return VXD_FAIL;
        inflight[ninflight++] = old;
        return old << PAGE_SHIFT;
    }
    if (mm_exchange_frame(va, want, how, &old) != MM_OK) return VXD_FAIL;
    if (slot >= 0) inflight[slot] = old;
    else inflight[ninflight++] = old;
    return old << PAGE_SHIFT;
}
