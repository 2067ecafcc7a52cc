/*
 * tests/suites/stress/ntmore.c - the later NT services in the randomized stress: page-sized
 * ExAllocatePoolWithTag blocks (nonpaged: pinned; paged: resident, not pinned),
 * MmAllocateNonCachedMemory, MmAllocatePagesForMdl mapped by MmMapLockedPagesSpecifyCache or into
 * an MmAllocateMappingAddress reservation, and ZwAllocateVirtualMemory in the current process.
 *
 * Each becomes a map of the shadow model (tests/suites/stress/model.c), so every sweep checks its
 * pages' contents and frames like any other object's.  A page MDL's frames are the model's
 * record-locked cells: the MDL's lock record holds one lock on each (rec = 1) and its mapping
 * one reference; freeing the pages drops both, in NT's order (mapping, then pages) or - an MDL
 * ExFreePool'd with its pages still allocated - in one call.  The generic operations do not pick
 * these kinds (they predict per kind); these operations make, decommit, free and misuse them, and
 * an invalid call must cost nothing (sx_unchanged).
 */
#include "tests/suites/stress/stress.h"

#define TAG_SX 0x4D5453u                  /* 'STM' */

static void fill(struct sx_map *m, uint32_t first, uint32_t n, uint8_t prot, bool pinned)
{
    for (uint32_t i = first; i < first + n; i++) {
        m->cell[i] = sx_cell_new();
        m->prot[i] = prot;
        m->pinned[i] = pinned;
        sx.cells[m->cell[i]].fixed = pinned;
    }
}

static const char *expect_gone(const struct sx_map *m)
{
    if (!sx_visible(m)) return NULL;
    for (uint32_t p = 0; p < m->npages; p++)
        if (uprobe_read(m->base + p * PAGE_SIZE, NULL)) return sx_fail("page %08x still reads after it was freed", m->base + p * PAGE_SIZE);
    return NULL;
}

static const char *alloc_pool(uint32_t n)
{
    bool paged = sx_chance(40);
    uint32_t bytes = n == 1 ? PAGE_SIZE : n * PAGE_SIZE - sx_below(PAGE_SIZE);
    sx_describe("ExAllocatePoolWithTag(%s, %u bytes)", paged ? "PagedPool" : "NonPagedPool", bytes);
    struct mm_counts b;
    mm_counts_take(&b);
    PVOID p = ExAllocatePoolWithTag(paged ? PagedPool : NonPagedPool, bytes, TAG_SX);
    if (!p) return sx_alloc_failed(&b, n, false, "ExAllocatePoolWithTag");
    if ((vaddr_t)p & PAGE_MASK) return sx_fail("ExAllocatePoolWithTag(%u bytes) gave %p", bytes, p);
    struct sx_map *m = sx_map_new(SX_NT_POOL, SX_GLOBAL, (vaddr_t)p, (vaddr_t)p, n);
    m->aux = TAG_SX;
    m->aux2 = paged;
    fill(m, 0, n, MM_PROT_WRITE, !paged);
    return sx_expect_present(m, 0, n, "ExAllocatePoolWithTag");
}

static const char *alloc_ncache(uint32_t n)
{
    sx_describe("MmAllocateNonCachedMemory(%u pages)", n);
    struct mm_counts b;
    mm_counts_take(&b);
    PVOID p = MmAllocateNonCachedMemory(n * PAGE_SIZE);
    if (!p) return sx_alloc_failed(&b, n, false, "MmAllocateNonCachedMemory");
    struct sx_map *m = sx_map_new(SX_NT_NCACHE, SX_GLOBAL, (vaddr_t)p, (vaddr_t)p, n);
    fill(m, 0, n, MM_PROT_WRITE, true);
    const char *r = sx_expect_present(m, 0, n, "MmAllocateNonCachedMemory");
    for (uint32_t i = 0; !r && i < n; i++)
        if ((sx_pte(m, i) & (PTE_PCD | PTE_PWT)) != (PTE_PCD | PTE_PWT))
            r = sx_fail("MmAllocateNonCachedMemory: page %u has PTE %08x", i, sx_pte(m, i));
    return r;
}

/* Pages for an MDL, mapped in system space one of NT's two ways. */
static const char *alloc_pages(uint32_t n)
{
    bool reserved = sx_chance(40);
    sx_describe("MmAllocatePagesForMdl(%u pages) + %s", n,
                reserved ? "MmMapLockedPagesWithReservedMapping" : "MmMapLockedPagesSpecifyCache");
    struct mm_counts b;
    mm_counts_take(&b);
    PHYSICAL_ADDRESS lo, hi, skip;
    lo.QuadPart = 0;
    hi.QuadPart = -1;
    skip.QuadPart = 0;
    PMDL mdl = MmAllocatePagesForMdl(lo, hi, skip, n * PAGE_SIZE);
    if (!mdl) return sx_alloc_failed(&b, n, false, "MmAllocatePagesForMdl");
    uint32_t got = mdl->ByteCount >> PAGE_SHIFT;
    PVOID res = reserved ? MmAllocateMappingAddress(n * PAGE_SIZE, TAG_SX) : NULL;
    PVOID va = !reserved ? MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority)
               : res ? MmMapLockedPagesWithReservedMapping(res, TAG_SX, mdl, MmCached) : NULL;
    if (got != n || !va) {                              /* short of frames or PTEs: all back */
        if (va && res) MmUnmapReservedMapping(va, TAG_SX, mdl);
        if (res) MmFreeMappingAddress(res, TAG_SX);
        ExFreePool(mdl);                                /* its pages (and mapping) go with it */
        return sx_alloc_failed(&b, n, false, "MmAllocatePagesForMdl + map");
    }
    struct sx_map *m = sx_map_new(SX_NT_PAGES, SX_GLOBAL, (vaddr_t)va, (vaddr_t)va, n);
    m->aux = (uint32_t)mdl;
    m->aux2 = (uint32_t)res;
    fill(m, 0, n, MM_PROT_WRITE, false);
    const char *r = sx_expect_present(m, 0, n, "MmAllocatePagesForMdl");
    for (uint32_t i = 0; !r && i < n; i++) {
        sx_cell_lock(m->cell[i]);                       /* the MDL's lock record */
        if (sx.cells[m->cell[i]].pfn != MmGetMdlPfnArray(mdl)[i])
            r = sx_fail("MDL page %u: the mapping shows frame %x, the MDL says %x", i, sx.cells[m->cell[i]].pfn,
                        MmGetMdlPfnArray(mdl)[i]);
    }
    return r ? r : sx_write(m, sx_below(n));
}

static const char *alloc_vm(uint32_t n)
{
    PVOID base = NULL;
    SIZE_T size = n * PAGE_SIZE - sx_below(PAGE_SIZE);
    sx_describe("ZwAllocateVirtualMemory(RESERVE|COMMIT, %u bytes, READWRITE) in process %u", size,
                sx_as_index(as_current()));
    struct mm_counts b;
    mm_counts_take(&b);
    NTSTATUS st = ZwAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (st != STATUS_SUCCESS) {
        if (st != STATUS_COMMITMENT_LIMIT && st != STATUS_NO_MEMORY) return sx_fail("ZwAllocateVirtualMemory: %08x", st);
        return sx_alloc_failed(&b, n, false, "ZwAllocateVirtualMemory");
    }
    if (size != n * PAGE_SIZE || ((vaddr_t)base & 0xFFFF)) return sx_fail("ZwAllocateVirtualMemory: %p, %u bytes", base, size);
    struct sx_map *m = sx_map_new(SX_NT_VM, sx_as_index(as_current()), (vaddr_t)base, (vaddr_t)base, n);
    fill(m, 0, n, MM_PROT_WRITE | MM_PROT_USER, false);   /* demand-zero until touched */
    return sx_chance(50) ? sx_write(m, sx_below(n)) : NULL;
}

const char *sx_op_nt_alloc(void)
{
    uint32_t n = sx_pages_wanted();
    if (!sx_room(n)) return sx_skipped;
    switch (sx_below(4)) {
    case 0: return alloc_pool(n);
    case 1: return alloc_ncache(n);
    case 2: return alloc_pages(n);
    default: return alloc_vm(n);
    }
}

/* The kind's own release; the model follows. */
const char *sx_nt_free(struct sx_map *m)
{
    sx_enter(m);
    uint16_t cells[SX_MAX_PAGES];
    for (uint32_t i = 0; i < m->npages; i++) cells[i] = m->cell[i];
    PMDL mdl = (PMDL)m->aux;
    switch (m->kind) {
    case SX_NT_POOL:
        sx_describe("ExFreePoolWithTag(%08x)", m->ret);
        ExFreePoolWithTag((PVOID)m->ret, m->aux);
        break;
    case SX_NT_NCACHE:
        sx_describe("MmFreeNonCachedMemory(%08x, %u pages)", m->ret, m->npages);
        MmFreeNonCachedMemory((PVOID)m->ret, m->npages * PAGE_SIZE);
        break;
    case SX_NT_PAGES:
        if (m->aux2) {
            sx_describe("MmUnmapReservedMapping + MmFreeMappingAddress + MmFreePagesFromMdl + ExFreePool (%08x)", m->ret);
            MmUnmapReservedMapping((PVOID)m->ret, TAG_SX, mdl);
            MmFreeMappingAddress((PVOID)m->aux2, TAG_SX);
            MmFreePagesFromMdl(mdl);
        } else if (sx_chance(50)) {
            sx_describe("MmUnmapLockedPages + MmFreePagesFromMdl + ExFreePool (%08x)", m->ret);
            MmUnmapLockedPages((PVOID)m->ret, mdl);
            MmFreePagesFromMdl(mdl);
        } else {
            sx_describe("ExFreePool of the mapped page MDL (%08x): its pages and mapping go with it", m->ret);
        }
        ExFreePool(mdl);
        break;
    case SX_NT_VM: {
        PVOID base = (PVOID)m->ret;
        SIZE_T size = 0;
        sx_describe("ZwFreeVirtualMemory(%08x, MEM_RELEASE)", m->ret);
        NTSTATUS st = ZwFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE);
        if (st != STATUS_SUCCESS) return sx_fail("ZwFreeVirtualMemory(%08x): %08x", m->ret, st);
        break;
    }
    default:
        return sx_fail("sx_nt_free: kind %u", m->kind);
    }
    if (pte_read(m->base)) return sx_fail("%08x is still mapped after its free", m->base);
    sx_note_freed(m->ret, m->kind);
    struct sx_map gone = *m;
    uint8_t kind = m->kind, n = m->npages;
    sx_map_free(m);
    if (kind == SX_NT_PAGES)
        for (uint32_t i = 0; i < n; i++) sx_cell_unlock(cells[i]);    /* the MDL's record went */
    return expect_gone(&gone);
}

#define NT_MORE (SXK(SX_NT_POOL) | SXK(SX_NT_NCACHE) | SXK(SX_NT_PAGES) | SXK(SX_NT_VM))

const char *sx_op_nt_free(void)
{
    struct sx_map *m = sx_pick_map(NT_MORE, NULL);
    return m ? sx_nt_free(m) : sx_skipped;
}

/* A page of a ZwAllocateVirtualMemory block decommitted (its cell gone; the page faults), then
 * committed again: a fresh demand-zero cell. */
const char *sx_op_nt_vm_decommit(void)
{
    struct sx_map *m = sx_pick_map(SXK(SX_NT_VM), NULL);
    if (!m) return sx_skipped;
    uint32_t i = sx_below(m->npages);
    sx_enter(m);
    sx_describe("ZwFreeVirtualMemory(%08x, 1 page, MEM_DECOMMIT) + MEM_COMMIT again", m->base + i * PAGE_SIZE);
    PVOID base = (PVOID)(m->base + i * PAGE_SIZE);
    SIZE_T size = PAGE_SIZE;
    NTSTATUS st = ZwFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_DECOMMIT);
    if (st != STATUS_SUCCESS) return sx_fail("MEM_DECOMMIT: %08x", st);
    sx_page_drop(m, i);
    if (uprobe_read(m->base + i * PAGE_SIZE, NULL)) return sx_fail("a decommitted page still reads");
    struct mm_counts b;
    mm_counts_take(&b);
    st = ZwAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_COMMIT, PAGE_READWRITE);
    if (st == STATUS_COMMITMENT_LIMIT) return sx_alloc_failed(&b, 1, false, "MEM_COMMIT");
    if (st != STATUS_SUCCESS) return sx_fail("MEM_COMMIT: %08x", st);
    fill(m, i, 1, MM_PROT_WRITE | MM_PROT_USER, false);
    return NULL;
}

/* Misuse of the later NT services: reported or refused, and nothing changes. */
const char *sx_op_nt_invalid(void)
{
    struct mm_counts b;
    mm_counts_take(&b);
    struct sx_map *m = sx_pick_map(NT_MORE, NULL);
    ULONG n = ntmm_last_bugcheck.count;
    PHYSICAL_ADDRESS lo, hi, skip;
    lo.QuadPart = 0;
    hi.QuadPart = -1;
    skip.QuadPart = 0;
    const char *r = NULL;
    if (!m || sx_chance(20)) {
        sx_describe("MmAllocatePagesForMdlEx with flag 0x40; ExFreePool of BAD_POINTER");
        if (MmAllocatePagesForMdlEx(lo, hi, skip, PAGE_SIZE, MmCached, 0x40)) return sx_fail("flag 0x40 accepted");
        ExFreePool((PVOID)BAD_POINTER);
        if (ntmm_last_bugcheck.count != n + 1) return sx_fail("ExFreePool(BAD_POINTER) was not reported");
    } else if (m->kind == SX_NT_POOL) {
        /* An address inside the block that starts none: its second page, or 64 bytes in for a
         * one-page block (the page after it may be another live block, legitimately freed). */
        vaddr_t inside = m->ret + (m->npages > 1 ? PAGE_SIZE : 64);
        sx_describe("ExFreePoolWithTag(%08x) with the wrong tag, then ExFreePool(%08x) inside it", m->ret, inside);
        ExFreePoolWithTag((PVOID)m->ret, m->aux + 1);
        ExFreePool((PVOID)inside);
        if (ntmm_last_bugcheck.count != n + 2) return sx_fail("bad pool frees were not both reported");
    } else if (m->kind == SX_NT_NCACHE) {
        sx_describe("MmFreeNonCachedMemory(%08x) with the wrong size", m->ret);
        MmFreeNonCachedMemory((PVOID)m->ret, (m->npages + 1) * PAGE_SIZE);
    } else if (m->kind == SX_NT_PAGES) {
        PMDL mdl = (PMDL)m->aux;
        if (m->aux2) {
            sx_describe("MmMapLockedPagesWithReservedMapping over the reservation in use, wrong-tag unmap");
            if (MmMapLockedPagesWithReservedMapping((PVOID)m->aux2, TAG_SX, mdl, MmCached)) return sx_fail("mapped twice");
            MmUnmapReservedMapping((PVOID)m->ret, TAG_SX + 1, mdl);
            if (ntmm_last_bugcheck.count != n + 2) return sx_fail("reserved-mapping misuse was not reported twice");
        } else {
            sx_describe("MmMapLockedPagesSpecifyCache of the mapped page MDL; MmFreePagesFromMdl of a copy");
            if (MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, 0)) return sx_fail("mapped twice");
            struct { MDL h; PFN_NUMBER pfn[SX_MAX_PAGES]; } copy;
            memcpy(&copy, mdl, sizeof(MDL) + m->npages * sizeof(PFN_NUMBER));
            MmFreePagesFromMdl(&copy.h);
            if (ntmm_last_bugcheck.count != n + 1) return sx_fail("MmFreePagesFromMdl of a copy was not reported");
        }
    } else {
        sx_enter(m);
        bool one = m->npages == 1;
        sx_describe("ZwFreeVirtualMemory(%08x): %s", m->ret, one ? "MEM_DECOMMIT of 4 GiB" : "MEM_RELEASE not at its base");
        PVOID base = (PVOID)(m->ret + (one ? 0 : PAGE_SIZE));
        SIZE_T size = one ? 0xFFFFFFFFu : 0;
        NTSTATUS st = ZwFreeVirtualMemory(NtCurrentProcess(), &base, &size, one ? MEM_DECOMMIT : MEM_RELEASE);
        if (st != (one ? STATUS_UNABLE_TO_FREE_VM : STATUS_FREE_VM_NOT_AT_BASE)) return sx_fail("ZwFreeVirtualMemory returned %08x", st);
    }
    sx.st.invalid++;
    r = sx_unchanged(&b, sx.desc);
    return r;
}
