/*
 * mm/devhlp/alloc.c - VMAlloc (the OS/2 PDD reference, with its flag rules).
 *
 * An allocation is one core region (OWNER_DEVHLP, kind DH_ALLOC, data[0] = the address
 * returned) with its pages committed according to the flags; VMFree releases it.
 *
 *   flags                      arena / placement              commit
 *   (none of the below)        system arena, ring 0 only      demand-zero (swappable: never
 *                                                             touch it at interrupt time)
 *   VMDHA_FIXED                                               frames now, each pinned (locked
 *                                                             for as long as it is mapped)
 *   VMDHA_16M                                                 frames now, below 16 MiB
 *   VMDHA_CONTIG (needs FIXED)                                one physically contiguous run
 *   VMDHA_PROCESS              current process, ring 3 too
 *   VMDHA_SELMAP (needs PROCESS) 64 KiB-aligned below 512 MiB; ECX = FlatToSel(address)
 *   VMDHA_ALIGN64K             64 KiB-aligned address
 *   VMDHA_RESERVE              address space only: every touch faults (no VMSetMem here)
 *   VMDHA_PHYS                 maps *PhysAddr (page offset kept); RAM in use or device memory
 *                              (uncached); free RAM, page tables and kernel frames are refused
 *   VMDHA_SHARED (needs PHYS)  shared arena, ring 3 too
 *   VMDHA_USEHIGHMEM (init)    frames above 16 MiB first, then any
 *   VMDHIA_USER (init)         ring 3 too (global objects go to the shared arena: the system
 *                              arena's page directory entries never allow ring 3)
 *   VMDHA_SGSCONT (needs PROCESS) accepted, no effect (no screen groups)
 */
#include "mm/devhlp/devhlp.h"

#define DH_16M_PFN  0x1000u
#define DH_NO_LIMIT 0xFFFFFFFFu
#define VMDHA_VALID (VMDHA_16M | VMDHA_FIXED | VMDHA_SWAP | VMDHA_CONTIG | VMDHA_PHYS | VMDHA_PROCESS | \
                     VMDHA_SGSCONT | VMDHA_SELMAP | VMDHA_RESERVE | VMDHIA_USER | VMDHA_SHARED |      \
                     VMDHA_USEHIGHMEM | VMDHA_ALIGN64K)
#define VMDHA_NOT_WITH_PHYS (VMDHA_16M | VMDHA_SWAP | VMDHA_CONTIG | VMDHA_RESERVE | VMDHA_USEHIGHMEM)

/* Every "must / only with" rule of B.1, plus our own for combinations that contradict. */
static bool flags_ok(ULONG f)
{
    if (f & ~VMDHA_VALID) return false;
    if ((f & VMDHA_SWAP) && (f & VMDHA_FIXED)) return false;
    if ((f & VMDHA_CONTIG) && !(f & VMDHA_FIXED)) return false;
    if ((f & (VMDHA_SGSCONT | VMDHA_SELMAP)) && !(f & VMDHA_PROCESS)) return false;
    if ((f & VMDHA_SHARED) && (!(f & VMDHA_PHYS) || (f & VMDHA_PROCESS))) return false;
    if ((f & (VMDHA_USEHIGHMEM | VMDHIA_USER)) && !devhlp_at_init()) return false;
    if ((f & VMDHA_USEHIGHMEM) && (f & VMDHA_16M)) return false;
    if ((f & VMDHA_PHYS) && (f & VMDHA_NOT_WITH_PHYS)) return false;
    if ((f & VMDHA_RESERVE) && (f & (VMDHA_FIXED | VMDHA_16M))) return false;
    return true;
}

static enum mm_arena arena_for(ULONG f)
{
    if (f & VMDHA_PROCESS) return ARENA_PRIVATE;
    return (f & (VMDHA_SHARED | VMDHIA_USER)) ? ARENA_SHARED : ARENA_SYSTEM;
}

static mm_status commit(vaddr_t va, uint32_t n, uint32_t prot, ULONG f)
{
    if (f & VMDHA_RESERVE) return MM_OK;
    uint32_t cf = 0;                                  /* zero-filled: every commit is */
    struct mm_frame_req req = { 0, (f & VMDHA_16M) ? DH_16M_PFN : DH_NO_LIMIT, 1, 0 };
    if (f & VMDHA_FIXED) cf |= MM_COMMIT_PRESENT | MM_COMMIT_PIN;
    else cf |= MM_COMMIT_PAGEABLE;                    /* swappable (resident anyway if present: 16M, contig) */
    if (f & VMDHA_16M) cf |= MM_COMMIT_PRESENT;
    if (f & VMDHA_CONTIG) cf |= MM_COMMIT_CONTIG;
    if ((f & VMDHA_USEHIGHMEM) && (cf & MM_COMMIT_PRESENT)) {
        struct mm_frame_req high = { DH_16M_PFN, DH_NO_LIMIT, 1, 0 };
        if (mm_commit(va, n, prot, cf, &high, NULL) == MM_OK) return MM_OK;
    }
    /* A frame request only when there is a limit: with one the core searches the PFN database
     * for every frame (pfn_alloc_run), without one it pops the free list. */
    return mm_commit(va, n, prot, cf, (f & VMDHA_16M) ? &req : NULL, NULL);
}

/* PHYS: the physical address behind the caller's pointer, page span and cache type. */
static USHORT phys_source(ULONG PhysAddr, ULONG Size, paddr_t *pa, uint32_t *n, vaddr_t floor)
{
    vaddr_t base;
    if (PhysAddr == VMDHA_NOPHYSADDR || !devhlp_ptr_ok(PhysAddr, 4, false, floor) || !devhlp_get(PhysAddr, pa) ||
        !devhlp_span(*pa, Size, &base, n))
        return ERROR_INVALID_PARAMETER;
    return NO_ERROR;
}

/*
 * VMAlloc (0x57): Size bytes (rounded up to pages; 0 -> 87).  PhysAddr is, as in the register
 * interface (EDI), a flat pointer to a dword holding the physical address (caller memory,
 * mm/core/caller.c), or VMDHA_NOPHYSADDR (-1); it is read only with VMDHA_PHYS, where -1 is 87.
 * *LinearAddr receives the address; *SelOffset (may be NULL) the 16:16 FlatToSel value with
 * VMDHA_SELMAP, else 0.
 * Errors: 87 for every flag rule of B.1 (and USEHIGHMEM/VMDHIA_USER after init, see devhlp.h),
 * for a refused physical range; 8 when linear space or frames run out.  Ours: memory without
 * FIXED/16M is committed demand-zero and charged (mm/core/vm.c, top) - each page keeps a free frame
 * for its first touch, where OS/2 would page something out - so it too gets 8 when fewer frames
 * are free than committed demand-zero pages already hold plus Size.  Nothing is left behind
 * on an error.
 */
USHORT DevHelp_VMAlloc(ULONG Flags, ULONG Size, ULONG PhysAddr, PLIN LinearAddr, PULONG SelOffset)
{
    vaddr_t base;
    uint32_t n;
    paddr_t pa = 0;
    if (!flags_ok(Flags) || !devhlp_span(0, Size, &base, &n)) return ERROR_INVALID_PARAMETER;
    if (Flags & VMDHA_PHYS) {
        USHORT err = phys_source(PhysAddr, Size, &pa, &n, CALLER_STACK_FLOOR(5));
        if (err) return err;
    }
    uint32_t align = (Flags & (VMDHA_ALIGN64K | VMDHA_SELMAP)) ? 16 : 1;
    mm_status st;
    struct region *r = mm_reserve(arena_for(Flags), 0, n, align, OWNER_DEVHLP, &st);
    if (r && (Flags & VMDHA_SELMAP) && r->base + n * PAGE_SIZE > TILED_LIMIT) {
        mm_release(r);
        r = NULL;
        st = MM_ENOSPACE;
    }
    if (!r) return devhlp_error(st);
    r->kind = DH_ALLOC;
    r->flags = Flags;
    uint32_t prot = MM_PROT_WRITE | ((Flags & (VMDHA_PROCESS | VMDHA_SHARED | VMDHIA_USER)) ? MM_PROT_USER : 0);
    if (Flags & VMDHA_PHYS) {
        pfn_t f = pa >> PAGE_SHIFT;
        st = mm_map_physical(r->base, n, f, 1, prot | (mm_frame_is_ram(f) ? MM_CACHE_WB : MM_CACHE_UC));
        if (st == MM_EACCES) st = MM_EINVAL;
    } else {
        st = commit(r->base, n, prot, Flags);
    }
    if (st != MM_OK) { mm_release(r); return devhlp_error(st); }
    r->data[0] = r->base + (pa & PAGE_MASK);
    *LinearAddr = r->data[0];
    if (SelOffset) *SelOffset = (Flags & VMDHA_SELMAP) ? FlatToSel(r->data[0]) : 0;
    return NO_ERROR;
}
