/*
 * mm/vxd/query.c - services that only look (the Win95 DDK VMM reference): _PageQuery,
 * _CopyPageTable, _GetFreePageCount, _PageGetAllocInfo, _GetDemandPageInfo.
 *
 * Nothing here changes a mapping; the answers are read from the core (mm_page_info,
 * mm_read_pte, the frame counters) at the moment of the call.  Caller buffers are probed
 * before they are written.
 */
#include "mm/vxd/internal.h"

/* ---- _PageQuery ---------------------------------------------------------------------------- */

/* Win32 protection of a committed page, seen from ring 3 (Wine's model, A.4): no PC_USER is
 * PAGE_NOACCESS, PC_USER alone PAGE_READONLY, PC_USER|PC_WRITEABLE PAGE_READWRITE. */
static DWORD protect_of(uint32_t prot)
{
    if (!(prot & MM_PROT_USER)) return PAGE_NOACCESS;
    return (prot & MM_PROT_WRITE) ? PAGE_READWRITE : PAGE_READONLY;
}

static DWORD state_of(uint8_t s)
{
    return s == PAGE_COMMITTED ? MEM_COMMIT : s == PAGE_RESERVED ? MEM_RESERVE : MEM_FREE;
}

/* Where nothing is ever mapped outside a region: free space there runs to the next region. */
static const struct { vaddr_t lo; uint32_t end_page; } zones[] = {
    { PRIVATE_START, PRIVATE_END >> PAGE_SHIFT }, { SHARED_ALLOC_START, SHARED_END >> PAGE_SHIFT },
    { SYSALLOC_START, SYSALLOC_END >> PAGE_SHIFT }, { SYSALLOC2_START, SYSALLOC2_END >> PAGE_SHIFT },
    { INVALID_START, VXD_MAXPAGE },
};

/* The first region base above va (current private arena, then the global lists), in pages. */
static uint32_t next_region_page(vaddr_t va)
{
    uint32_t best = VXD_MAXPAGE;
    for (struct region *r = as_current()->regions; r; r = r->next)
        if (r->base > va) { best = MIN(best, r->base >> PAGE_SHIFT); break; }
    for (struct region *r = mm_region_next_global(NULL); r; r = mm_region_next_global(r))
        if (r->base > va) best = MIN(best, r->base >> PAGE_SHIFT);
    return best;
}

static void page_state(vaddr_t va, struct mm_page_info *pi)
{
    mm_page_info(va, pi);
    if (va >= INVALID_START) pi->state = PAGE_FREE;   /* no arena: free, whatever is asked */
}

/* Pages from va on with the same state and protection, inside [va, limit_page). */
static uint32_t run_length(vaddr_t va, const struct mm_page_info *first, uint32_t limit_page)
{
    uint32_t n = 1;
    for (uint32_t pg = (va >> PAGE_SHIFT) + 1; pg < limit_page; pg++, n++) {
        vaddr_t v = pg << PAGE_SHIFT;
        if (first->state == PAGE_RESERVED && PTI(v) == 0 && !mm_table_present(v) && limit_page - pg >= PTES_PER_TABLE) {
            pg += PTES_PER_TABLE - 1;                 /* no page table: 4 MiB of uncommitted pages */
            n += PTES_PER_TABLE - 1;
            continue;
        }
        struct mm_page_info pi;
        page_state(v, &pi);
        if (pi.state != first->state || pi.region != first->region ||
            (pi.state == PAGE_COMMITTED && protect_of(pi.prot) != protect_of(first->prot)))
            break;
    }
    return n;
}

static uint32_t free_run(vaddr_t va, const struct mm_page_info *pi)
{
    for (unsigned i = 0; i < ARRAY_SIZE(zones); i++)
        if (va >= zones[i].lo && (va >> PAGE_SHIFT) < zones[i].end_page)
            return MIN(zones[i].end_page, next_region_page(va)) - (va >> PAGE_SHIFT);
    return run_length(va, pi, ((va >> 22) + 1) << 10);   /* kernel areas: to the end of the table */
}

static DWORD alloc_protect(const struct region *r)
{
    if (r->owner == OWNER_VXD && r->kind == VXD_ALLOC)
        return r->data[1] == PG_SYS ? PAGE_NOACCESS : PAGE_READWRITE;
    return PAGE_NOACCESS;                             /* a reservation carries no protection */
}

/*
 * _PageQuery: fills *pmbi (cbmbi >= 28) for the page holding linaddr, VirtualQuery style:
 * BaseAddress = that page; RegionSize runs over the following pages with the same State and
 * Protect in the same region (free space: up to the next region).  State MEM_COMMIT /
 * MEM_RESERVE / MEM_FREE; Protect (committed only) in the ring-3 view above; Type MEM_PRIVATE
 * for reserved and committed memory; AllocationBase = the region's base; for MEM_FREE the other
 * fields are 0, for MEM_RESERVE Protect is 0.  0xFFC00000-0xFFFFFFFF is always MEM_FREE.  A
 * page the pager has written out is MEM_COMMIT with its protection, like a present one (the
 * query reads nothing back).
 * Returns 28 (the bytes written; signature and return value inferred, A.4), 0 on a bad pointer
 * (the caller-buffer rule, mm/core/caller.c: e.g. kernel-image data, the pool, page tables) or size.
 */
ULONG _PageQuery(ULONG linaddr, PMEMORY_BASIC_INFORMATION pmbi, ULONG cbmbi)
{
    if (cbmbi < sizeof *pmbi || !vxd_ptr_ok(pmbi, sizeof *pmbi, true, CALLER_STACK_FLOOR(3))) return 0;
    vaddr_t va = PAGE_ALIGN_DOWN(linaddr);
    struct mm_page_info pi;
    page_state(va, &pi);
    struct region *r = pi.region;
    uint32_t pages;
    if (r) pages = run_length(va, &pi, (r->base >> PAGE_SHIFT) + r->npages);
    else if (pi.state == PAGE_FREE) pages = free_run(va, &pi);
    else pages = run_length(va, &pi, ((va >> 22) + 1) << 10);
    MEMORY_BASIC_INFORMATION m = { va, 0, 0, pages * PAGE_SIZE, state_of(pi.state), 0, 0 };
    if (pi.state != PAGE_FREE) {
        m.mbi_AllocationBase = r ? r->base : va;
        m.mbi_AllocationProtect = r ? alloc_protect(r) : protect_of(pi.prot);
        m.mbi_Type = MEM_PRIVATE;
    }
    if (pi.state == PAGE_COMMITTED) m.mbi_Protect = protect_of(pi.prot);
    x86_user_access_begin();                          /* the caller's buffer: maybe a user page */
    *pmbi = m;
    x86_user_access_end();
    return sizeof m;
}

/* ---- _CopyPageTable -------------------------------------------------------------------------- */

/*
 * _CopyPageTable: copies nPages page-table entries (nPages is a count of 4-byte PTEs, A.5)
 * starting at linear page LinPgNum into PageBuf; flags must be 0.  A snapshot: the raw
 * entries, software bits included (a VxD masks with NOT 0FFFh for the frame); a page inside a
 * 4 MiB mapping is shown as the equivalent 4 KiB PTE.  Returns 1; 0 on bad input, a bad
 * buffer (mm/core/caller.c: never the kernel image - boot_pd included -, the pool or the page tables), or when any requested entry lies under a page-directory entry that is not present
 * (then PageBuf is left untouched).
 */
ULONG _CopyPageTable(ULONG LinPgNum, ULONG nPages, ULONG *PageBuf, ULONG flags)
{
    vaddr_t va;
    if (flags || !vxd_pages(LinPgNum, nPages, &va) || !mm_copy_ptes(va, nPages, NULL)) return 0;
    if (!vxd_ptr_ok(PageBuf, nPages * sizeof *PageBuf, true, CALLER_STACK_FLOOR(4))) return 0;
    mm_copy_ptes(va, nPages, PageBuf);               /* the caller's buffer: maybe a user page */
    return 1;
}

/* ---- information ------------------------------------------------------------------------------ */

/*
 * _GetFreePageCount: flags must be 0.  EAX = frames on the free list (A.7: "usually near 0 under
 * demand paging"); vxd_edx = pages that can still be allocated locked (mm_lockable_frames): the
 * free frames the commit charge does not hold, plus, with the pager on, the frames of pageable
 * pages it could write out to make room - so under paging EDX is usually the larger, as the
 * reference allows ("need not be ordered either way"); without swap EDX <= EAX.  A page table
 * the allocation needs comes out of the same frames: a hint, not a promise to the page.  0 and 0
 * on bad flags.
 */
ULONG _GetFreePageCount(ULONG flags)
{
    vxd_edx = flags ? 0 : mm_lockable_frames();
    return flags ? 0 : mm_free_frames();
}

/* The largest gap between system-arena regions in [lo, hi), in pages. */
static uint32_t largest_gap(vaddr_t lo, vaddr_t hi)
{
    vaddr_t cur = lo;
    uint32_t best = 0;
    for (struct region *r = mm_region_next_global(NULL); r; r = mm_region_next_global(r)) {
        if (r->arena != ARENA_SYSTEM || r->base >= hi) continue;
        vaddr_t end = r->base + r->npages * PAGE_SIZE;
        if (end <= cur) continue;
        if (r->base > cur) best = MAX(best, (r->base - cur) >> PAGE_SHIFT);
        cur = end;
    }
    return MAX(best, cur < hi ? (hi - cur) >> PAGE_SHIFT : 0u);
}

/*
 * _PageGetAllocInfo: flags must be 0.  EAX = the largest run of free system-arena linear space
 * (where PG_SYS blocks go), in pages; vxd_edx = frames that can be allocated locked (as
 * _GetFreePageCount's EDX: mm_lockable_frames).  Hints only.  0 and 0 on bad flags.
 */
ULONG _PageGetAllocInfo(ULONG flags)
{
    vxd_edx = 0;
    if (flags) return 0;
    vxd_edx = mm_lockable_frames();
    return MAX(largest_gap(SYSALLOC_START, SYSALLOC_END), largest_gap(SYSALLOC2_START, SYSALLOC2_END));
}

static uint32_t private_free_pages(void)
{
    uint32_t used = 0;
    for (struct region *r = as_current()->regions; r; r = r->next) used += r->npages;
    return ((PRIVATE_END - PRIVATE_START) >> PAGE_SHIFT) - used;
}

/*
 * _GetDemandPageInfo: fills the Win95 DemandInfoStruc (64 bytes, A.7); flags must be 0 and
 * the pointer a caller buffer (mm/core/caller.c), else nothing is written.  Our numbers:
 * DILin_Total_Count = DIPhys_Count = RAM frames; DIFree_Count = free frames; DIUnlock_Count =
 * frames not locked by any API; DILinear_Base_Addr = 0; DILin_Total_Free = unreserved pages of
 * the current private arena; DIPage_Faults = demand-zero and swap faults resolved; DIPage_Ins,
 * DIPage_Outs, DIPage_Discards = the pager's reads, writes and clean pages dropped without a write
 * (mm_pager_get_stats); DIPagingFileMax / DIPagingFileInUse = the swap slots while the pager is on
 * and those in use (0 with it off); instance faults = 0; DICommit_Count = committed pages: frames in
 * use (RAM frames not free) that are not pageable, plus the commit charge (untouched demand-zero
 * pages and every pageable page, present or not: a present pageable page is counted once).
 */
void _GetDemandPageInfo(DemandInfoStruc *p, ULONG flags)
{
    if (flags || !vxd_ptr_ok(p, sizeof *p, true, CALLER_STACK_FLOOR(2))) return;
    DemandInfoStruc d;
    memset(&d, 0, sizeof d);
    d.DILin_Total_Count = d.DIPhys_Count = mm_total_frames();
    d.DIFree_Count = mm_free_frames();
    d.DIUnlock_Count = mm_total_frames() - mm_locked_frames();
    d.DILin_Total_Free = private_free_pages();
    d.DIPage_Faults = mm_demand_faults;
    struct mm_pager_stats ps;
    mm_pager_get_stats(&ps);
    d.DICommit_Count = mm_total_frames() - mm_free_frames() - ps.pageable + mm_commit_charge();
    d.DIPage_Ins = ps.page_ins;
    d.DIPage_Outs = ps.page_outs;
    d.DIPage_Discards = ps.clean_drops;
    d.DIPagingFileMax = ps.slots;
    d.DIPagingFileInUse = ps.slots_used;
    x86_user_access_begin();                          /* the caller's buffer: maybe a user page */
    *p = d;
    x86_user_access_end();
}
