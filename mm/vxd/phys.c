/*
 * mm/vxd/phys.c - physical mappings that live until shutdown (the Win95 DDK VMM reference):
 * _MapPhysToLinear and _GetNulPageHandle, and their set-up at vxd_init.
 *
 * _MapPhysToLinear aliases are permanent, so they come from one window of the system arena
 * (PHYSWIN_PAGES pages, 4 MiB-aligned) whose page table is pinned once at init
 * (mm_pin_table): mapping never takes a page-table frame, and the harness's free-frame count
 * stays exact.  Pages are handed out in order and never given back; a request that is already
 * covered by an earlier alias with the same caching gets that alias again, so repeating a call
 * costs nothing.  When the window is full the answer is 0xFFFFFFFF.
 *
 * The system null page is one fixed, zeroed page allocated at init; its handle is a
 * _PageAllocate handle that can be neither freed nor reallocated.  A VxD backs unused linear
 * pages with it through _CopyPageTable + _PageCommitPhys (no PC_INCR); every such page shows
 * the same, meaningless bytes.
 */
#include "mm/vxd/internal.h"

#define PHYSWIN_PAGES 1024u               /* one page table */
#define ALIASES_MAX   128u

static struct region *win;
static uint32_t win_used;
static struct { pfn_t first; uint32_t n, cache; vaddr_t va; } aliases[ALIASES_MAX];
static uint32_t naliases;
static ULONG nul_handle;

void vxd_phys_init(void)
{
    win = vxd_reserve(ARENA_SYSTEM, 0, PHYSWIN_PAGES, PHYSWIN_PAGES, VXD_PHYSWIN);
    if (!win || mm_pin_table(win->base) != MM_OK) panic("vxd: no _MapPhysToLinear window");
    nul_handle = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED | PAGEZEROINIT);
    struct region *r = vxd_handle(nul_handle, VXDK(VXD_ALLOC));
    if (!r) panic("vxd: no system null page");
    r->kind = VXD_NULPAGE;
}

/* MPL_* -> caching.  0 (the Win95 default) is uncached; write-combining needs PAT. */
static bool cache_of(ULONG flags, uint32_t *cache)
{
    switch (flags) {
    case MPL_NonCached: *cache = MM_CACHE_UC; return true;
    case MPL_HardwareCoherentCached: case MPL_Cached: *cache = MM_CACHE_WB; return true;
    case MPL_FrameBufferCached: *cache = x86.pat ? MM_CACHE_WC : MM_CACHE_UC; return true;
    default: return false;
    }
}

/*
 * _MapPhysToLinear: a ring-0 linear address for physical byte address PhysAddr, contiguous
 * over nBytes (> 0, not past 4 GiB).  flags: 0 (uncached), or a Win98 MPL_* value.  For device
 * memory (and firmware RAM such as the first MiB): RAM that belongs to someone is refused -
 * a permanent alias would keep it alive forever - and free RAM is refused by the core.  The
 * alias is never freed; do not assume MapPhysToLinear(N) == MapPhysToLinear(0) + N.
 * Returns the linear address (page offset kept), or 0xFFFFFFFF.
 */
ULONG _MapPhysToLinear(ULONG PhysAddr, ULONG nBytes, ULONG flags)
{
    uint32_t cache;
    if (!nBytes || PhysAddr + (nBytes - 1) < PhysAddr || !cache_of(flags, &cache)) return VXD_FAIL;
    pfn_t first = PhysAddr >> PAGE_SHIFT, last = (PhysAddr + (nBytes - 1)) >> PAGE_SHIFT;
    uint32_t n = last - first + 1, off = PhysAddr & PAGE_MASK;
    for (uint32_t i = 0; i < naliases; i++)
        if (aliases[i].cache == cache && first >= aliases[i].first && last < aliases[i].first + aliases[i].n)
            return aliases[i].va + ((first - aliases[i].first) << PAGE_SHIFT) + off;
    if (n > PHYSWIN_PAGES - win_used || naliases == ALIASES_MAX) return VXD_FAIL;
    vaddr_t va = win->base + win_used * PAGE_SIZE;
    if (mm_map_physical(va, n, first, 1, MM_PROT_WRITE | cache) != MM_OK) return VXD_FAIL;
    for (uint32_t i = 0; i < n; i++) {
        struct mm_page_info pi;
        mm_page_info(va + i * PAGE_SIZE, &pi);
        if (!pi.present || pi.counted) {
            mm_decommit(va, n);                   /* a counted frame: someone's RAM */
            return VXD_FAIL;
        }
    }
    aliases[naliases].first = first;
    aliases[naliases].n = n;
    aliases[naliases].cache = cache;
    aliases[naliases++].va = va;
    win_used += n;
    return va + off;
}

/* _GetNulPageHandle: the memory handle (linear address) of the system null page. */
ULONG _GetNulPageHandle(void)
{
    return nul_handle;
}

/* Pages of the _MapPhysToLinear window not handed out yet (diagnostics and tests). */
uint32_t vxd_mapphys_window_free(void)
{
    return PHYSWIN_PAGES - win_used;
}
