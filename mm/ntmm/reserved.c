/*
 * mm/ntmm/reserved.c - reserved mappings: MmAllocateMappingAddress / MmFreeMappingAddress,
 * MmMapLockedPagesWithReservedMapping / MmUnmapReservedMapping.
 *
 * A reservation is one system-PTE allocation of n + 2 pages: NT 5.2's two header PTEs, then the n
 * pages a driver maps MDLs into later without any allocation (the point of the service: it cannot
 * fail for want of PTEs at a bad time).  The headers are NT 5.2's, readable through the self-map:
 *   PTE[base - 2 pages] = (n + 2) << 1      (bit 0, Valid, is clear)
 *   PTE[base - 1 page]  = PoolTag & ~1
 * written as inert core header entries (syspte_set_header, mm/core/syspte.c).  A record
 * (NTMM_MAP_RESERVED: va = base, npages = n, pfn = the tag, owner = the MDL mapped in it now,
 * nlarge = how many pages that MDL mapped) is the authority on which addresses are reservations;
 * the tag check compares the header PTE, as NT does.
 *
 * NT bug checks SYSTEM_PTE_MISUSE (0xDA) for a wrong tag, an unknown or empty reservation and a
 * mapping over one that is in use; here each is reported through the non-halting KeBugCheckEx
 * with NT's subcode and parameters, and the call fails without changing anything.
 */
#include "mm/ntmm/ntmm.h"

/* The reservation whose range contains va's page-aligned start (its first page), or NULL. */
static struct ntmm_map *reservation(PVOID va)
{
    return ntmm_map_find(PAGE_ALIGN_DOWN((vaddr_t)va), NTMM_MAP_RESERVED);
}

/* The header PTE holding the tag, read through the self-map (NT reads it the same way).  For a
 * tag whose PTE is 0 (tag 1) no entry was written, and the page table may not exist (the PTE
 * would start a table): 0 then, without touching the self-map hole. */
static ULONG header_tag(const struct ntmm_map *m)
{
    vaddr_t va = m->va - PAGE_SIZE;
    return mm_table_present(va) ? *MiGetPteAddress(va) : 0;
}

/*
 * MmAllocateMappingAddress - reserve BYTES_TO_PAGES(bytes) system PTEs, tagged.
 * NT 5.2: 0 pages bug checks SYSTEM_PTE_MISUSE 0x100 (pages, tag, caller); tag 0 -> NULL;
 *   n + 2 PTEs are reserved, the first two hold (n + 2) << 1 and tag & ~1; returns the address
 *   after them, or NULL when the system PTEs are gone.  Nothing is mapped: touching it faults.
 * Ours: the same; 0 bytes is reported (0x100, 0, tag, 0) and returns NULL; a request larger than
 * the system-PTE pool (256 MiB) returns NULL.  For tag 1 the tag PTE is 0 (1 & ~1), as on NT.
 */
PVOID MmAllocateMappingAddress(SIZE_T bytes, ULONG tag)
{
    uint64_t pages = ((uint64_t)bytes + PAGE_MASK) >> PAGE_SHIFT;
    if (!pages) {
        KeBugCheckEx(SYSTEM_PTE_MISUSE, 0x100, 0, tag, 0);
        return NULL;
    }
    if (!tag || pages > (SYSPTE_END - SYSPTE_START) / PAGE_SIZE) return NULL;
    uint32_t n = (uint32_t)pages;
    vaddr_t at = syspte_alloc(n + 2);
    if (!at) return NULL;
    vaddr_t base = at + 2 * PAGE_SIZE;
    struct ntmm_map *m = ntmm_map_add(base, n, 0, tag, NTMM_MAP_RESERVED, NULL);
    if (!m) goto fail_ptes;
    if (syspte_set_header(at, (n + 2) << 1) != MM_OK) goto fail_record;
    if ((tag & ~1u) && syspte_set_header(at + PAGE_SIZE, tag & ~1u) != MM_OK) goto fail_size;
    return (PVOID)base;
fail_size:
    syspte_clear_header(at);
fail_record:
    ntmm_map_remove(m);
fail_ptes:
    syspte_free(at, n + 2);
    return NULL;
}

/*
 * MmFreeMappingAddress - release a reservation.
 * NT 5.2: the tag PTE must match (else SYSTEM_PTE_MISUSE 0x101: address, tag, stored tag), the
 *   size must be sane (0x102), every PTE of the range must be zero - unmap first (0x103); the
 *   n + 2 PTEs are released.  BaseAddress may carry a byte offset (ReactOS's kmtest frees one).
 * Ours: the same checks and subcodes, reported, and then nothing is released; an address that
 * is no reservation is reported as 0x101 (address, tag, 0).
 */
VOID MmFreeMappingAddress(PVOID base, ULONG tag)
{
    struct ntmm_map *m = reservation(base);
    if (!m || header_tag(m) != (tag & ~1u)) {
        KeBugCheckEx(SYSTEM_PTE_MISUSE, 0x101, (ULONG_PTR)base, tag, m ? header_tag(m) : 0);
        return;
    }
    if (m->owner) {
        KeBugCheckEx(SYSTEM_PTE_MISUSE, 0x103, (ULONG_PTR)base, tag, m->npages);
        return;
    }
    vaddr_t at = m->va - 2 * PAGE_SIZE;
    syspte_clear_header(at + PAGE_SIZE);              /* MM_ENOENT for tag 1: nothing there */
    syspte_clear_header(at);
    syspte_free(at, m->npages + 2);
    ntmm_map_remove(m);
}

/*
 * MmMapLockedPagesWithReservedMapping - map an MDL's pages into a reservation.
 * NT 5.2: the MDL must be locked or partial, not mapped; the tag must match (else
 *   SYSTEM_PTE_MISUSE 0x104); an MDL larger than the reservation returns NULL; PTEs already in use
 *   bug check 0x107; caching as MmMapLockedPagesSpecifyCache; MappedSystemVa = MappingAddress +
 *   ByteOffset, MDL_MAPPED_TO_SYSTEM_VA (+ PARTIAL_HAS_BEEN_MAPPED); returns MappedSystemVa.  The
 *   byte offset of an unaligned MappingAddress is kept: the result is MappingAddress + ByteOffset
 *   (Windows 8 aligns it down instead; ReactOS's kmtest shows both).
 * Ours: the same, and - the pages go at the start of the reservation and NULL is returned,
 * nothing changed, when the MDL spans more pages than the reservation has, when MappingAddress's
 * byte offset plus the MDL's reaches into a second page (the result would no longer name the
 * reservation's first page, which MmUnmapReservedMapping needs), for a cache type outside [0, 6),
 * a violated MDL precondition, an MDL with no page or whose ByteCount outgrew its Size, and frames
 * the core will not map; a reservation in use (0x107: address, tag, the MDL in it) or a wrong tag
 * or no reservation at all (0x104: address, tag, stored tag or 0) is reported and NULL returned.
 * A page MDL's own cache type wins (mm/ntmm/pages.c), as for MmMapLockedPagesSpecifyCache.
 */
PVOID MmMapLockedPagesWithReservedMapping(PVOID base, ULONG tag, PMDL mdl, MEMORY_CACHING_TYPE cache)
{
    struct ntmm_map *m = reservation(base);
    if (!m || header_tag(m) != (tag & ~1u)) {
        KeBugCheckEx(SYSTEM_PTE_MISUSE, 0x104, (ULONG_PTR)base, tag, m ? header_tag(m) : 0);
        return NULL;
    }
    if (m->owner) {
        KeBugCheckEx(SYSTEM_PTE_MISUSE, 0x107, (ULONG_PTR)base, tag, (ULONG_PTR)m->owner);
        return NULL;
    }
    if ((int)cache < 0 || cache >= MmMaximumCacheType || !(mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_PARTIAL)) ||
        (mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL_HAS_BEEN_MAPPED)) ||
        !ntmm_mdl_fits(mdl) || !mdl->ByteCount)
        return NULL;
    ULONG span = ntmm_mdl_pages(mdl), n = 0;
    if (span > m->npages || BYTE_OFFSET(base) + mdl->ByteOffset >= PAGE_SIZE) return NULL;
    while (n < span && MmGetMdlPfnArray(mdl)[n] != LIST_HEAD_PFN) n++;
    if (!n) return NULL;
    uint32_t prot = MM_PROT_WRITE | ntmm_cache_bits(ntmm_pages_cache(mdl, cache));
    if (mm_map_frames(m->va, n, MmGetMdlPfnArray(mdl), prot) != MM_OK) return NULL;
    m->owner = mdl;
    m->nlarge = n;
    mdl->MappedSystemVa = (PVOID)((vaddr_t)base + mdl->ByteOffset);
    mdl->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA | ((mdl->MdlFlags & MDL_PARTIAL) ? MDL_PARTIAL_HAS_BEEN_MAPPED : 0);
    return mdl->MappedSystemVa;
}

/*
 * MmUnmapReservedMapping - undo MmMapLockedPagesWithReservedMapping.
 * NT 5.2: the tag must match (SYSTEM_PTE_MISUSE 0x108), the reservation must be in use (0x109);
 *   the MDL's PTEs are zeroed, the TB flushed, and MAPPED_TO_SYSTEM_VA, PARTIAL_HAS_BEEN_MAPPED
 *   and FREE_EXTRA_PTES cleared.  BaseAddress is what the map returned.
 * Ours: the same subcodes, reported, nothing changed; also nothing changes (no report) unless
 * this MDL is the one mapped there and BaseAddress is its MappedSystemVa.  Each page is cleared
 * and invalidated by the core (invlpg); the frames lose the mapping's reference.
 */
VOID MmUnmapReservedMapping(PVOID base, ULONG tag, PMDL mdl)
{
    struct ntmm_map *m = reservation(base);
    if (!m || header_tag(m) != (tag & ~1u)) {
        KeBugCheckEx(SYSTEM_PTE_MISUSE, 0x108, (ULONG_PTR)base, tag, m ? header_tag(m) : 0);
        return;
    }
    if (!m->owner) {
        KeBugCheckEx(SYSTEM_PTE_MISUSE, 0x109, (ULONG_PTR)base, tag, 0);
        return;
    }
    if (m->owner != mdl || !(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) || mdl->MappedSystemVa != base) return;
    mm_decommit(m->va, m->nlarge);
    m->owner = NULL;
    m->nlarge = 0;
    mdl->MdlFlags &= ~(MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_FREE_EXTRA_PTES);
}
