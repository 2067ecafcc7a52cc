/*
 * mm/devhlp/map.c - VMProcessToGlobal, VMGlobalToProcess and VMFree (the OS/2 PDD reference).
 *
 * Both aliases are core aliases (mm_alias): a second set of PTEs onto the same frames, each
 * holding its own reference, in a region this personality owns (OWNER_DEVHLP, kind DH_P2G or
 * DH_G2P, data[0] = the exact address returned).  VMFree releases such a region - or a VMAlloc
 * one (DH_ALLOC) - given exactly that address; after it the alias faults.
 */
#include "mm/devhlp/devhlp.h"

/* A new region of npages (aligned to align pages) in `arena`, below `limit` (0 = anywhere). */
static struct region *dh_reserve(enum mm_arena arena, uint32_t npages, uint32_t align, vaddr_t limit,
                                 uint16_t kind, USHORT *err)
{
    mm_status st;
    struct region *r = mm_reserve(arena, 0, npages, align, OWNER_DEVHLP, &st);
    if (r && limit && r->base + npages * PAGE_SIZE > limit) {
        mm_release(r);
        r = NULL;
        st = MM_ENOSPACE;
    }
    if (!r) { *err = devhlp_error(st); return NULL; }
    r->kind = kind;
    return r;
}

/*
 * VMProcessToGlobal (0x59): maps [LinearAddr, +Length) of the current process a second time in
 * the system arena, where it can be used from any context (another process current, interrupt
 * time).  Flags: bit 0 (VMDHPG_WRITE) = writable, else read-only - enforced on ring 0 too
 * (CR0.WP); every other bit must be clear (87).  LinearAddr must be page-aligned (87), Length
 * non-zero without wrap (87), and the range must lie inside one object (region) of the private
 * or shared arena (87: "must not cross object boundaries"); its pages must be committed (87).
 * Demand-zero pages are given frames.  A writable alias of a read-only page is allowed: drivers
 * are trusted, and VMLock(VERIFY|WRITE) is the access check.  No linear space/frames: 8.
 * The pages should be VMLocked first (seed 001); the alias keeps its frames alive regardless.
 */
USHORT DevHelp_VMProcessToGlobal(ULONG Flags, LIN LinearAddr, ULONG Length, PLIN GlobalLinearAddr)
{
    vaddr_t va;
    uint32_t n;
    USHORT err;
    if ((Flags & ~VMDHPG_WRITE) || (LinearAddr & PAGE_MASK) || !devhlp_span(LinearAddr, Length, &va, &n) ||
        va >= SHARED_END || !mm_region_contains(mm_region_find(va), va, n))
        return ERROR_INVALID_PARAMETER;
    struct region *g = dh_reserve(ARENA_SYSTEM, n, 1, 0, DH_P2G, &err);
    if (!g) return err;
    mm_status st = mm_alias(g->base, va, n, (Flags & VMDHPG_WRITE) ? MM_PROT_WRITE : 0);
    if (st != MM_OK) { mm_release(g); return devhlp_error(st); }
    g->data[0] = g->base;
    *GlobalLinearAddr = g->base;
    return NO_ERROR;
}

/*
 * VMGlobalToProcess (0x5A): maps [LinearAddr, +Length) of global memory (shared or system arena)
 * into the current process, user-accessible; read-only unless VMDHGP_WRITE.  LinearAddr may be
 * unaligned: whole pages are mapped and the result has the same page offset.
 *   VMDHGP_4MEG: placed on a 4 MiB boundary, and the whole 4 MiB is reserved (B.1).
 *   VMDHGP_SELMAP: Pagoda has no LDT, so no descriptors are built; the mapping is placed 64 KiB-
 *     aligned below 512 MiB so every 64 KiB tile has a FlatToSel selector at offset 0.
 *   VMDHGP_SGSCONTROL: accepted, no effect (no screen groups).
 *   Any other bit, VMDHGP_HMA included (no high arena here): 87.
 * Errors: 87 bad flags, a source outside the shared/system arenas or a system-PTE mapping, not
 * inside one object, or not committed; 8 no space or memory.
 */
USHORT DevHelp_VMGlobalToProcess(ULONG Flags, LIN LinearAddr, ULONG Length, PLIN ProcessLinearAddr)
{
    vaddr_t va;
    uint32_t n;
    USHORT err;
    if ((Flags & ~(VMDHGP_WRITE | VMDHGP_SELMAP | VMDHGP_SGSCONTROL | VMDHGP_4MEG)) ||
        !devhlp_span(LinearAddr, Length, &va, &n) || va < SHARED_START ||
        (va >= SYSPTE_START && va < SYSPTE_END))                /* short-lived system-PTE mappings */
        return ERROR_INVALID_PARAMETER;
    uint32_t align = (Flags & VMDHGP_4MEG) ? 1024 : (Flags & VMDHGP_SELMAP) ? 16 : 1;
    uint32_t span = (Flags & VMDHGP_4MEG) ? (n + 1023) & ~1023u : n;
    struct region *p = dh_reserve(ARENA_PRIVATE, span, align, (Flags & VMDHGP_SELMAP) ? TILED_LIMIT : 0,
                                  DH_G2P, &err);
    if (!p) return err;
    uint32_t prot = MM_PROT_USER | ((Flags & VMDHGP_WRITE) ? MM_PROT_WRITE : 0);
    mm_status st = mm_alias(p->base, va, n, prot);
    if (st != MM_OK) { mm_release(p); return devhlp_error(st); }
    p->data[0] = p->base + (LinearAddr & PAGE_MASK);
    *ProcessLinearAddr = p->data[0];
    return NO_ERROR;
}

/*
 * VMFree (0x58): frees what VMAlloc returned, removes a VMProcessToGlobal or VMGlobalToProcess
 * alias, or unmaps a PageListToLin mapping (our choice: those are releasable with VMFree too, so
 * their system PTEs come back).  LinearAddr must be exactly the address the service returned;
 * process-arena objects must be freed while their process is current.
 * Errors: 87 for any other address; 5 (ERROR_ACCESS_DENIED) when a page is still locked and this
 * is its last mapping (VMUnLock first) - nothing is freed then.
 */
USHORT DevHelp_VMFree(LIN LinearAddr)
{
    USHORT err;
    if (devhlp_pl_free(LinearAddr, &err)) return err;
    struct region *r = devhlp_region_at(LinearAddr);
    if (!r) return ERROR_INVALID_PARAMETER;
    mm_status st = mm_release(r);
    return st == MM_EBUSY ? ERROR_ACCESS_DENIED : devhlp_error(st);
}
