/*
 * tests/suites/hostile/ntmm.c - hostile/<service> for every NT Mm / Io service of the README's table: the
 * shared hostile ranges (as MDL buffers, probed in kernel and user mode), kernel addresses
 * passed as user addresses, read-only and supervisor pages, every MDL precondition, forged,
 * stale and double-freed MDLs and mappings, bad cache types and physical ranges, user-mode
 * mappings at bad base addresses and unmaps of user addresses that are not the MDL's mapping.
 * Documented results (the NT DDK, ntmm.h): NULL, STATUS_ACCESS_VIOLATION /
 * STATUS_INVALID_PARAMETER (user-mode mappings: raised, with STATUS_INVALID_ADDRESS and
 * STATUS_CONFLICTING_ADDRESSES), FALSE / 0 for unmapped addresses, "nothing changes" for the VOID
 * services, and bug checks (BAD_POOL_CALLER, NO_MORE_SYSTEM_PTES) reported through the
 * non-halting KeBugCheckEx.
 */
#include "tests/suites/hostile/hostile.h"
#include "mm/core/pte.h"
#include "mm/ntmm/ntmm.h"
#include "mm/devhlp/devhlp.h"
#include "mm/vxd/vxd.h"

#define AV STATUS_ACCESS_VIOLATION
#define INVAL STATUS_INVALID_PARAMETER
#define NPFN 64                                /* PFN slots of the MDLs built here */
#define FORGE_OFFSET 1u                        /* t_Probe: forge a field after MmInitializeMdl */
#define FORGE_START  2u
#define FORGE_SIZE   3u

static PHYSICAL_ADDRESS phys(uint32_t lo, uint32_t hi) { PHYSICAL_ADDRESS p; p.LowPart = lo; p.HighPart = (LONG)hi; return p; }

/* ---- thunks ------------------------------------------------------------------------------------ */

static uint32_t t_MmIsAddressValid(const uint32_t *a) { return MmIsAddressValid((PVOID)a[0]); }
static uint32_t t_MmGetPhysicalAddress(const uint32_t *a)
{
    PHYSICAL_ADDRESS p = MmGetPhysicalAddress((PVOID)a[0]);
    return p.HighPart ? H_BROKEN : p.LowPart;
}
static uint32_t t_MmGetVirtualForPhysical(const uint32_t *a) { return (uint32_t)MmGetVirtualForPhysical(phys(a[0], a[1])); }
static uint32_t t_MmMapIoSpace(const uint32_t *a) { return (uint32_t)MmMapIoSpace(phys(a[0], a[1]), a[2], (MEMORY_CACHING_TYPE)a[3]); }
static uint32_t t_MmMapVideoDisplay(const uint32_t *a) { return (uint32_t)MmMapVideoDisplay(phys(a[0], a[1]), a[2], (MEMORY_CACHING_TYPE)a[3]); }
/* The VOID unmaps: 1 when the mapping at a[2] is still there and no record went away. */
static uint32_t unmap_kept(void (*unmap)(PVOID, SIZE_T), const uint32_t *a)
{
    uint32_t maps = ntmm_mapping_count();
    unmap((PVOID)a[0], a[1]);
    return MmIsAddressValid((PVOID)a[2]) && ntmm_mapping_count() == maps;
}
static uint32_t t_MmUnmapIoSpace(const uint32_t *a) { return unmap_kept(MmUnmapIoSpace, a); }
static uint32_t t_MmUnmapVideoDisplay(const uint32_t *a) { return unmap_kept(MmUnmapVideoDisplay, a); }
static uint32_t t_MmAllocateContiguousMemorySpecifyCache(const uint32_t *a)
{
    return (uint32_t)MmAllocateContiguousMemorySpecifyCache(a[0], phys(a[1], a[2]), phys(a[3], a[4]), phys(a[5], a[6]),
                                                            (MEMORY_CACHING_TYPE)a[7]);
}
static uint32_t t_MmAllocateContiguousMemory(const uint32_t *a) { return (uint32_t)MmAllocateContiguousMemory(a[0], phys(a[1], a[2])); }
/* The frees: 1 when exactly one BAD_POOL_CALLER (subcode a[3]) about this address was reported. */
static uint32_t bad_pool_reported(void (*call)(const uint32_t *), const uint32_t *a)
{
    ULONG n = ntmm_last_bugcheck.count;
    call(a);
    const struct ntmm_bugcheck *b = &ntmm_last_bugcheck;
    if (b->count == n) return 0;
    return b->count == n + 1 && b->code == BAD_POOL_CALLER && b->param[0] == a[3] && b->param[1] == a[0] ? 1 : H_BROKEN;
}
static void c_Free(const uint32_t *a) { MmFreeContiguousMemory((PVOID)a[0]); }
static void c_FreeSpecifyCache(const uint32_t *a) { MmFreeContiguousMemorySpecifyCache((PVOID)a[0], a[1], (MEMORY_CACHING_TYPE)a[2]); }
static void c_IoFreeMdl(const uint32_t *a) { IoFreeMdl((PMDL)a[0]); }
static uint32_t t_MmFreeContiguousMemory(const uint32_t *a) { return bad_pool_reported(c_Free, a); }
static uint32_t t_MmFreeContiguousMemorySpecifyCache(const uint32_t *a) { return bad_pool_reported(c_FreeSpecifyCache, a); }
static uint32_t t_IoFreeMdl(const uint32_t *a) { return bad_pool_reported(c_IoFreeMdl, a); }

/* IoAllocateMdl: 0 for NULL; an MDL is checked against MmInitializeMdl's fields, freed, 1. */
static uint32_t t_IoAllocateMdl(const uint32_t *a)
{
    PMDL m = IoAllocateMdl((PVOID)a[0], a[1], (BOOLEAN)a[2], (BOOLEAN)a[3], NULL);
    if (!m) return 0;
    bool ok = m->StartVa == PAGE_ALIGN(a[0]) && m->ByteOffset == BYTE_OFFSET(a[0]) && m->ByteCount == a[1] &&
              (uint16_t)m->Size == sizeof(MDL) + 4 * ADDRESS_AND_SIZE_TO_SPAN_PAGES((PVOID)a[0], a[1]) && !m->Process;
    IoFreeMdl(m);
    return ok ? 1 : H_BROKEN;
}

/* MDLs built here: room for NPFN frames, Size as MmInitializeMdl says (capped at the room). */
static struct { MDL m; PFN_NUMBER pfn[NPFN]; } mdlbuf;
static PMDL build(uint32_t va, uint32_t len, uint32_t flags, uint32_t forge)
{
    PMDL m = &mdlbuf.m;
    MmInitializeMdl(m, (PVOID)va, len);
    if (ntmm_mdl_pages(m) > NPFN) m->Size = (CSHORT)(sizeof(MDL) + sizeof mdlbuf.pfn);
    for (unsigned i = 0; i < NPFN; i++) mdlbuf.pfn[i] = 0x5A5A5A5Au;
    m->MdlFlags |= (CSHORT)flags;
    if (forge == FORGE_OFFSET) m->ByteOffset = PAGE_SIZE;
    if (forge == FORGE_START) m->StartVa = (PVOID)(va | 0x10);
    if (forge == FORGE_SIZE) m->Size = sizeof(MDL);
    return m;
}

/* A failed probe leaves no lock, LIST_HEAD in the array, Process NULL, the flags as they were. */
static uint32_t probe_result(PMDL m, CSHORT flags, NTSTATUS st)
{
    if (NT_SUCCESS(st)) { MmUnlockPages(m); return st; }
    bool clean = m->MdlFlags == flags && !m->Process;
    if (st == AV) clean = clean && mdlbuf.pfn[0] == LIST_HEAD_PFN;
    return clean ? (uint32_t)st : H_BROKEN;
}
/* a = { va, len, mode, op, flags, forge } */
static uint32_t t_MmProbeAndLockPagesEx(const uint32_t *a)
{
    PMDL m = build(a[0], a[1], a[4], a[5]);
    CSHORT flags = m->MdlFlags;
    return probe_result(m, flags, MmProbeAndLockPagesEx(m, (KPROCESSOR_MODE)a[2], (LOCK_OPERATION)a[3]));
}
static uint32_t t_MmProbeAndLockPages(const uint32_t *a)
{
    PMDL m = build(a[0], a[1], a[4], a[5]);
    CSHORT flags = m->MdlFlags;
    volatile NTSTATUS st = STATUS_SUCCESS;
    NT_TRY_FRAME t;
    if (NT_TRY(&t)) {
        MmProbeAndLockPages(m, (KPROCESSOR_MODE)a[2], (LOCK_OPERATION)a[3]);
        NT_TRY_END(&t);
    } else {
        st = NtExceptionStatus(&t);
    }
    return probe_result(m, flags, st);
}
/* MmBuildMdlForNonPagedPool: the flags afterwards; a page not present must leave LIST_HEAD. */
static uint32_t t_MmBuildMdlForNonPagedPool(const uint32_t *a)
{
    PMDL m = build(a[0], a[1], a[2], 0);
    MmBuildMdlForNonPagedPool(m);
    return (!a[2] && !m->MdlFlags && mdlbuf.pfn[0] != LIST_HEAD_PFN) ? H_BROKEN : (uint32_t)(uint16_t)m->MdlFlags;
}
/* The VOID MDL services on a given MDL: 1 when the MDL, the locks and the mapping at a[2] are
 * as they were (the harness counts catch the rest). */
static uint32_t mdl_kept(PMDL m, uint32_t probe_va, void (*call)(PMDL, PVOID), PVOID arg)
{
    MDL before = *m;
    PFN_NUMBER p0 = MmGetMdlPfnArray(m)[0];
    call(m, arg);
    return memcmp(&before, m, sizeof before) == 0 && MmGetMdlPfnArray(m)[0] == p0 &&
           (!probe_va || MmIsAddressValid((PVOID)probe_va));
}
static void c_Unlock(PMDL m, PVOID arg) { (void)arg; MmUnlockPages(m); }
static void c_Unmap(PMDL m, PVOID base) { MmUnmapLockedPages(base, m); }
static uint32_t t_MmUnlockPages(const uint32_t *a) { return mdl_kept((PMDL)a[0], a[2], c_Unlock, NULL); }
static uint32_t t_MmUnmapLockedPages(const uint32_t *a) { return mdl_kept((PMDL)a[1], a[2], c_Unmap, (PVOID)a[0]); }
static uint32_t t_MmMapLockedPagesSpecifyCache(const uint32_t *a)
{
    return (uint32_t)MmMapLockedPagesSpecifyCache((PMDL)a[0], (KPROCESSOR_MODE)a[1], (MEMORY_CACHING_TYPE)a[2], NULL, a[3], 0);
}
static uint32_t t_MmMapLockedPages(const uint32_t *a) { return (uint32_t)MmMapLockedPages((PMDL)a[0], (KPROCESSOR_MODE)a[1]); }
/* User mode raises: these run it inside NT_TRY and return the status raised, or 0 when it mapped
 * (the mapping is removed again at once: the counts must still be as they were). */
static uint32_t user_result(PMDL m, PVOID v, NTSTATUS st)
{
    if (!v) return st == STATUS_SUCCESS ? H_BROKEN : (uint32_t)st;
    MmUnmapLockedPages(v, m);
    return MmIsAddressValid(v) ? H_BROKEN : 0;
}
/* a = { mdl, cache, base }; with a[3], MmMapLockedPages(mdl, UserMode) instead. */
static uint32_t t_MapUser(const uint32_t *a)
{
    NT_TRY_FRAME t;
    PVOID volatile v = NULL;
    volatile NTSTATUS st = STATUS_SUCCESS;
    if (NT_TRY(&t)) {
        v = a[3] ? MmMapLockedPages((PMDL)a[0], UserMode)
                 : MmMapLockedPagesSpecifyCache((PMDL)a[0], UserMode, (MEMORY_CACHING_TYPE)a[1], (PVOID)a[2], FALSE, 0);
        NT_TRY_END(&t);
    } else {
        st = NtExceptionStatus(&t);
    }
    return user_result((PMDL)a[0], v, st);
}
static uint32_t t_MmGetSystemAddressForMdlSafe(const uint32_t *a) { return (uint32_t)MmGetSystemAddressForMdlSafe((PMDL)a[0], a[1]); }

static bool undo_freecontig(uint32_t va, const uint32_t *a) { (void)a; MmFreeContiguousMemory((PVOID)va); return !MmIsAddressValid((PVOID)va); }
static bool undo_unmapio(uint32_t va, const uint32_t *a) { MmUnmapIoSpace((PVOID)va, a[2]); return !MmIsAddressValid((PVOID)va); }
static bool undo_unmapmdl(uint32_t va, const uint32_t *a) { MmUnmapLockedPages((PVOID)va, (PMDL)a[0]); return !MmIsAddressValid((PVOID)va); }

/* ---- the NT fixture ---------------------------------------------------------------------------- */

struct nfix {
    PMDL locked;         /* over blk pages 0-1, locked (KernelMode, IoWriteAccess) */
    PMDL mapped;         /* over blk pages 2-3, locked and mapped at sysva */
    PVOID sysva;
    PMDL unlocked;       /* over blk, never locked */
    PMDL npp;            /* MmBuildMdlForNonPagedPool over blk */
    PMDL stale;          /* locked, mapped, unmapped and unlocked again */
    PMDL ioml;           /* over the I/O mapping, locked (MDL_IO_SPACE) */
    PVOID io;            /* MmMapIoSpace(0xB8000, 2 pages) */
    PVOID contig;        /* MmAllocateContiguousMemory, 2 pages */
    PVOID stale_io, stale_contig;   /* mapped / allocated and released again */
    PMDL freed;          /* IoAllocateMdl'ed and IoFreeMdl'ed: a dangling pointer */
    PVOID umap;          /* `locked` mapped in user mode into the current process */
    LIN ubuf;            /* a user page of the current process (VMAlloc PROCESS | FIXED) */
    LIN gbuf;            /* a global page (VMAlloc FIXED) ... */
    LIN ro_user;         /* ... and its read-only user view (VMGlobalToProcess without WRITE) */
    ULONG sup;           /* a committed private page without PC_USER (supervisor only) */
    ULONG vm;            /* a PG_VM block: ring-3 read/write, but in the shared arena (kernel space) */
    LIN plmap;           /* a PageListToLin mapping (system PTEs, another personality's) */
    PAGELIST pl[2];
    struct { MDL m; PFN_NUMBER pfn[4]; } forged[4];   /* hand-made MDLs claiming locks and mappings */
};
enum { FORGED_FREE_FRAME, FORGED_OTHERS_LOCK, FORGED_IO_MAPPING, FORGED_PL_MAPPING };

static PMDL locked_mdl(vaddr_t va, uint32_t len, LOCK_OPERATION op)
{
    PMDL m = IoAllocateMdl((PVOID)va, len, FALSE, FALSE, NULL);
    if (m && MmProbeAndLockPagesEx(m, KernelMode, op) != STATUS_SUCCESS) { IoFreeMdl(m); m = NULL; }
    return m;
}

static void forge(struct nfix *n, int i, vaddr_t va, uint32_t len, CSHORT flags, pfn_t f0)
{
    PMDL m = &n->forged[i].m;
    MmInitializeMdl(m, (PVOID)va, len);
    m->MdlFlags = flags;
    m->MappedSystemVa = (PVOID)va;
    for (unsigned k = 0; k < 4; k++) n->forged[i].pfn[k] = f0 + k;
}

static const char *nfix_setup(const struct hfix *fx, void *p)
{
    struct nfix *n = p;
    memset(n, 0, sizeof *n);
    vaddr_t b = fx->blk_va;
    n->locked = locked_mdl(b, 2 * PAGE_SIZE, IoWriteAccess);
    n->mapped = locked_mdl(b + 2 * PAGE_SIZE, 2 * PAGE_SIZE, IoReadAccess);
    n->stale = locked_mdl(b, PAGE_SIZE, IoReadAccess);
    n->unlocked = IoAllocateMdl((PVOID)b, 4 * PAGE_SIZE, FALSE, FALSE, NULL);
    n->npp = IoAllocateMdl((PVOID)b, 4 * PAGE_SIZE, FALSE, FALSE, NULL);
    n->io = MmMapIoSpace(phys(0xB8000, 0), 2 * PAGE_SIZE, MmNonCached);
    n->stale_io = MmMapIoSpace(phys(0xB8000, 0), PAGE_SIZE, MmCached);
    n->contig = MmAllocateContiguousMemory(2 * PAGE_SIZE, phys(0xFFFFFFFFu, 0));
    n->stale_contig = MmAllocateContiguousMemory(PAGE_SIZE, phys(0xFFFFFFFFu, 0));
    n->freed = IoAllocateMdl((PVOID)b, 16, FALSE, FALSE, NULL);
    CHECK(n->locked && n->mapped && n->stale && n->unlocked && n->npp && n->io && n->stale_io && n->contig &&
          n->stale_contig && n->freed);
    n->ioml = locked_mdl((vaddr_t)n->io, 2 * PAGE_SIZE, IoReadAccess);
    n->sysva = MmMapLockedPagesSpecifyCache(n->mapped, KernelMode, MmCached, NULL, FALSE, 0);
    PVOID s = MmGetSystemAddressForMdlSafe(n->stale, 0);
    n->umap = MmMapLockedPagesSpecifyCache(n->locked, UserMode, MmCached, NULL, FALSE, 0);
    CHECK(n->ioml && n->sysva && s && n->umap);
    MmUnlockPages(n->stale);                         /* also unmaps */
    MmBuildMdlForNonPagedPool(n->npp);
    MmUnmapIoSpace(n->stale_io, PAGE_SIZE);
    MmFreeContiguousMemory(n->stale_contig);
    IoFreeMdl(n->freed);
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PROCESS | VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &n->ubuf, NULL), NO_ERROR);
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &n->gbuf, NULL), NO_ERROR);
    CHECK_EQ(DevHelp_VMGlobalToProcess(0, n->gbuf, PAGE_SIZE, &n->ro_user), NO_ERROR);
    n->sup = _PageReserve(PR_PRIVATE, 1, 0);
    n->vm = _PageAllocate(1, PG_VM, vxd_sys_vm(), 0, 0, 0, NULL, PAGEFIXED);
    CHECK(n->sup != 0xFFFFFFFFu && n->vm);
    CHECK_EQ(_PageCommit(n->sup >> PAGE_SHIFT, 1, PD_FIXEDZERO, 0, PC_WRITEABLE | PC_FIXED), 1);
    n->pl[0] = (PAGELIST){ HF_IO_PA, PAGE_SIZE };
    CHECK_EQ(DevHelp_PageListToLin(PAGE_SIZE, (LIN)n->pl, &n->plmap), NO_ERROR);
    forge(n, FORGED_FREE_FRAME, b, PAGE_SIZE, MDL_PAGES_LOCKED, fx->free_frame);
    forge(n, FORGED_OTHERS_LOCK, b, PAGE_SIZE, MDL_PAGES_LOCKED, frame_of(b));
    forge(n, FORGED_IO_MAPPING, (vaddr_t)n->io, 2 * PAGE_SIZE, MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA, 0xB8);
    forge(n, FORGED_PL_MAPPING, n->plmap, PAGE_SIZE, MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA, HF_IO_PA >> PAGE_SHIFT);
    return PASS;
}

static void nfix_teardown(const struct hfix *fx, void *p)
{
    struct nfix *n = p;
    (void)fx;
    if (n->umap) MmUnmapLockedPages(n->umap, n->locked);
    PMDL locked[] = { n->locked, n->mapped, n->ioml };
    for (unsigned i = 0; i < ARRAY_SIZE(locked); i++)
        if (locked[i]) MmUnlockPages(locked[i]);
    PMDL all[] = { n->locked, n->mapped, n->ioml, n->stale, n->unlocked, n->npp };
    for (unsigned i = 0; i < ARRAY_SIZE(all); i++)
        if (all[i]) IoFreeMdl(all[i]);
    if (n->io) MmUnmapIoSpace(n->io, 2 * PAGE_SIZE);
    if (n->contig) MmFreeContiguousMemory(n->contig);
    const LIN lins[] = { n->plmap, n->ro_user, n->gbuf, n->ubuf };
    for (unsigned i = 0; i < ARRAY_SIZE(lins); i++)
        if (lins[i]) DevHelp_VMFree(lins[i]);
    if (n->sup && n->sup != 0xFFFFFFFFu) _PageFree((PVOID)n->sup, 0);
    if (n->vm) _PageFree((PVOID)n->vm, 0);
}

static const struct hpers ntmm_pers = { nfix_setup, nfix_teardown };
#define NT(id, svc) HOSTILE(id, svc, &ntmm_pers, struct nfix)

/* ---- queries ------------------------------------------------------------------------------------ */

/* Addresses where nothing is mapped now: every query must say so. */
static void unmapped(const struct hfix *fx, const struct nfix *n, struct hlist *l)
{
    const struct hentry e[] = {
        { "0", 0, 0, 0 }, { "the end of the null page", 0xFFF, 0, 0 }, { "another process's memory", fx->other_va, 0, 0 },
        { "the invalid region", INVALID_START, 0, 0 }, { "BAD_POINTER", BAD_POINTER, 0, 0 }, { "-1", 0xFFFFFFFFu, 0, 0 },
        { "a system-PTE guard page", fx->spte + PAGE_SIZE, 0, 0 }, { "an allocated, unmapped system PTE", fx->spte, 0, 0 },
        { "between self-map and hyperspace", 0xC0400000u, 0, 0 }, { "a hyperspace slot not in use", HYPER_START + PAGE_SIZE, 0, 0 },
        { "a reserved, uncommitted page", fx->res->base, 0, 0 }, { "an unmapped I/O space mapping", (vaddr_t)n->stale_io, 0, 0 },
        { "freed contiguous memory", (vaddr_t)n->stale_contig, 0, 0 },
        { "the self-map entry of the invalid region", (vaddr_t)MiGetPteAddress(INVALID_START), 0, 0 },
    };
    l->n = 0;
    for (unsigned i = 0; i < ARRAY_SIZE(e); i++) l->e[l->n++] = e[i];
}

NT(h_MmIsAddressValid, "MmIsAddressValid")
{
    struct hlist l;
    unmapped(fx, pf, &l);
    HLIST(r, &l, { t_MmIsAddressValid, { 0 }, 0, -1, false, FALSE, 0, 0, 0 });
    LIN dz = 0;
    CHECK_EQ(DevHelp_VMAlloc(0, PAGE_SIZE, VMDHA_NOPHYSADDR, &dz, NULL), NO_ERROR);
    hrun_rebase(r);
    const struct hcase rows[] = {
        { "a demand-zero page not touched yet", NULL, FALSE, { dz } },
        { "the directory through the self-map", NULL, TRUE, { PDE_BASE } },
        { "the kernel image", NULL, TRUE, { KERNEL_VBASE + KERNEL_PHYS_LOAD } },
        { "a read-only page", NULL, TRUE, { fx->ro->base } },
    };
    const char *e = hrun_table(r, t_MmIsAddressValid, rows, ARRAY_SIZE(rows));
    CHECK_EQ(DevHelp_VMFree(dz), NO_ERROR);
    hrun_rebase(r);
    return e;
}

NT(h_MmGetPhysicalAddress, "MmGetPhysicalAddress")
{
    struct hlist l;
    unmapped(fx, pf, &l);
    HLIST(r, &l, { t_MmGetPhysicalAddress, { 0 }, 0, -1, false, 0, 0, 0, 0 });
    HCASE(r, "an I/O mapping keeps its byte offset", t_MmGetPhysicalAddress((const uint32_t[]){ (uint32_t)pf->io + 0x123 }), 0xB8123);
    return PASS;
}

NT(h_MmGetVirtualForPhysical, "MmGetVirtualForPhysical")
{
    const struct hcase rows[] = {
        { "above 4 GiB", NULL, 0, { 0xB8000, 1 } },
        { "high part -1", NULL, 0, { 0, 0xFFFFFFFFu } },
        { "a free frame", NULL, 0, { fx->free_frame << PAGE_SHIFT, 0 } },
        { "a frame mapped only in another process", NULL, 0, { fx->other_frame << PAGE_SHIFT, 0 } },
        { "a page table (only the self-map shows it)", NULL, 0, { fx->pt_frame << PAGE_SHIFT, 0 } },
        { "I/O space nobody mapped", NULL, 0, { HF_IO_PA + 0x5000, 0 } },
    };
    HTABLE(r, t_MmGetVirtualForPhysical, rows);
    return PASS;
}

/* ---- I/O space ---------------------------------------------------------------------------------- */

/* MmMapIoSpace and MmMapVideoDisplay (a forwarder): one table, two services. */
static const char *map_io_cases(struct hrun *r, const struct hfix *fx, hcall fn)
{
    const struct hcase rows[] = {
        { "0 bytes", NULL, 0, { 0xB8000, 0, 0, MmCached } },
        { "above 4 GiB", NULL, 0, { 0xB8000, 1, 16, MmCached } },
        { "high part -1", NULL, 0, { 0xB8000, 0xFFFFFFFFu, 16, MmCached } },
        { "running past 4 GiB", NULL, 0, { 0xFFFFF000u, 0, 0x2000, MmCached } },
        { "0xFFFFFFFF bytes", NULL, 0, { 0xB8000, 0, 0xFFFFFFFFu, MmCached } },
        { "more pages than the system-PTE pool", NULL, 0, { HF_IO_PA + 0x1000, 0, 0x10000000u, MmCached } },
        { "MmMaximumCacheType", NULL, 0, { 0xB8000, 0, 16, MmMaximumCacheType } },
        { "cache type 0xFF", NULL, 0, { 0xB8000, 0, 16, 0xFF } },
        { "MmNotMapped (-1 & 0xFF = 0xFF)", NULL, 0, { 0xB8000, 0, 16, 0xFFFFFFFFu } },
        { "0x106 (& 0xFF = 6)", NULL, 0, { 0xB8000, 0, 16, 0x106 } },
        { "free RAM", NULL, 0, { fx->free_frame << PAGE_SHIFT, 0, 16, MmCached } },
        { "a page directory", NULL, 0, { fx->cr3_frame << PAGE_SHIFT, 0, 16, MmCached } },
        { "a page table", NULL, 0, { fx->pt_frame << PAGE_SHIFT, 0, 16, MmCached } },
        { "the PFN database", NULL, 0, { fx->pfndb_frame << PAGE_SHIFT, 0, 16, MmCached } },
        { "the kernel image (writable view of code)", NULL, 0, { KERNEL_PHYS_LOAD, 0, 16, MmNonCached } },
        { "the boot page directory", NULL, 0, { pte_kernel_directory() << PAGE_SHIFT, 0, 16, MmCached } },
        { "I/O space running into free RAM", NULL, 0, { (fx->free_frame << PAGE_SHIFT) - 0x800, 0, 0x1000, MmCached } },
    };
    TRY(hrun_table(r, fn, rows, ARRAY_SIZE(rows)));
    /* Cache types are values, masked with 0xFF: bits 3-7 make a type >= 6; bits 8+ are masked away. */
    HSWEEP(r, { fn, { 0xB8000, 0, 16, 0 }, 3, 0xFFFFFF07u, 0, undo_unmapio });
    return PASS;
}

NT(h_MmMapIoSpace, "MmMapIoSpace") { return map_io_cases(r, fx, t_MmMapIoSpace); }
NT(h_MmMapVideoDisplay, "MmMapVideoDisplay") { return map_io_cases(r, fx, t_MmMapVideoDisplay); }

static const char *unmap_io_cases(struct hrun *r, const struct hfix *fx, const struct nfix *n, hcall fn)
{
    uint32_t io = (uint32_t)n->io;
    struct hlist l;
    hostile_ranges(fx, io, 2, &l);
    HLIST(r, &l, { fn, { 0, 0, io }, 0, 1, false, 1, 0, 0, 0 });
    const struct hcase rows[] = {
        { "NULL", NULL, 1, { 0, PAGE_SIZE, io } },
        { "0 bytes", NULL, 1, { io, 0, io } },
        { "the wrong size", NULL, 1, { io, PAGE_SIZE, io } },
        { "not its start", NULL, 1, { io + PAGE_SIZE, PAGE_SIZE, io } },
        { "an unmapped mapping (twice)", NULL, 1, { (uint32_t)n->stale_io, PAGE_SIZE, io } },
        { "contiguous memory", NULL, 1, { (uint32_t)n->contig, 2 * PAGE_SIZE, (uint32_t)n->contig } },
        { "an MDL mapping", NULL, 1, { (uint32_t)n->sysva, 2 * PAGE_SIZE, (uint32_t)n->sysva } },
        { "a PageListToLin mapping", NULL, 1, { n->plmap, PAGE_SIZE, n->plmap } },
        { "the kernel image", NULL, 1, { KERNEL_VBASE + KERNEL_PHYS_LOAD, PAGE_SIZE, io } },
        { "a core region", NULL, 1, { fx->blk_va, PAGE_SIZE, fx->blk_va } },
    };
    return hrun_table(r, fn, rows, ARRAY_SIZE(rows));
}

NT(h_MmUnmapIoSpace, "MmUnmapIoSpace") { return unmap_io_cases(r, fx, pf, t_MmUnmapIoSpace); }
NT(h_MmUnmapVideoDisplay, "MmUnmapVideoDisplay") { return unmap_io_cases(r, fx, pf, t_MmUnmapVideoDisplay); }

/* ---- contiguous memory -------------------------------------------------------------------------- */

NT(h_MmAllocateContiguousMemorySpecifyCache, "MmAllocateContiguousMemorySpecifyCache")
{
    const uint32_t P = PAGE_SIZE, H = 0xFFFFFFFFu, lots = (mm_free_frames() + 1) * PAGE_SIZE;
    const struct hcase rows[] = {       /* a = { n, lowest (lo, hi), highest (lo, hi), boundary (lo, hi), cache } */
        { "0 bytes", NULL, 0, { 0, 0, 0, H, 0, 0, 0, MmCached } },
        { "0xFFFFFFFF bytes", NULL, 0, { H, 0, 0, H, 0, 0, 0, MmCached } },
        { "more than is free", NULL, 0, { lots, 0, 0, H, 0, 0, 0, MmCached } },
        { "cache type 6", NULL, 0, { P, 0, 0, H, 0, 0, 0, 6 } },
        { "MmNotMapped", NULL, 0, { P, 0, 0, H, 0, 0, 0, 0xFFFFFFFFu } },
        { "cache type 0x101 (not masked here)", NULL, 0, { P, 0, 0, H, 0, 0, 0, 0x101 } },
        { "boundary not a power of two", NULL, 0, { P, 0, 0, H, 0, 0x3000, 0, MmCached } },
        { "boundary with a byte offset (C.4 test 6)", NULL, 0, { P, 0, 0, H, 0, 0x10001, 0, MmCached } },
        { "boundary smaller than the request", NULL, 0, { 3 * P, 0, 0, H, 0, 0x2000, 0, MmCached } },
        { "lowest > highest", NULL, 0, { P, 0x200000, 0, 0x100000, 0, 0, 0, MmCached } },
        { "lowest rounded up past highest", NULL, 0, { P, 0x1001, 0, 0x1FFF, 0, 0, 0, MmCached } },
        { "only the first 640 KiB (reserved)", NULL, 0, { P, 0, 0, 0x9FFFF, 0, 0, 0, MmCached } },
        { "lowest above 4 GiB", NULL, 0, { P, 0, 1, H, 1, 0, 0, MmCached } },
    };
    HTABLE(r, t_MmAllocateContiguousMemorySpecifyCache, rows);
    /* Cache types are values, not masked here: 1, 2 and 4 are types, any other bit is >= 6. */
    HSWEEP(r, { t_MmAllocateContiguousMemorySpecifyCache, { P, 0, 0, H, 0, 0, 0, 0 }, 7, 0x7, 0, undo_freecontig });
    return PASS;
}

NT(h_MmAllocateContiguousMemory, "MmAllocateContiguousMemory")
{
    const struct hcase rows[] = {
        { "0 bytes", NULL, 0, { 0, 0xFFFFFFFFu, 0 } },
        { "0xFFFFFFFF bytes", NULL, 0, { 0xFFFFFFFFu, 0xFFFFFFFFu, 0 } },
        { "more than is free", NULL, 0, { (mm_free_frames() + 1) * PAGE_SIZE, 0xFFFFFFFFu, 0 } },
        { "highest 0", NULL, 0, { PAGE_SIZE, 0, 0 } },
        { "highest below 640 KiB", NULL, 0, { PAGE_SIZE, 0x9FFFF, 0 } },
    };
    HTABLE(r, t_MmAllocateContiguousMemory, rows);
    return PASS;
}

/* Frees of anything but a block's start: BAD_POOL_CALLER 0x60 reported, nothing freed. */
static const char *free_contig_cases(struct hrun *r, const struct hfix *fx, const struct nfix *n, hcall fn)
{
    uint32_t c = (uint32_t)n->contig;
    const struct hcase rows[] = {      /* a = { base, size, cache, subcode } */
        { "NULL", NULL, 1, { 0, 0, 0, 0x60 } },
        { "the middle of a block", NULL, 1, { c + PAGE_SIZE, PAGE_SIZE, MmCached, 0x60 } },
        { "a block + 4", NULL, 1, { c + 4, 0, 0, 0x60 } },
        { "a freed block (double free)", NULL, 1, { (uint32_t)n->stale_contig, PAGE_SIZE, MmCached, 0x60 } },
        { "an I/O space mapping", NULL, 1, { (uint32_t)n->io, 2 * PAGE_SIZE, 0, 0x60 } },
        { "an MDL mapping", NULL, 1, { (uint32_t)n->sysva, 0, 0, 0x60 } },
        { "a core region", NULL, 1, { fx->blk_va, 0, 0, 0x60 } },
        { "another process's memory", NULL, 1, { fx->other_va, 0, 0, 0x60 } },
        { "-1", NULL, 1, { 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0x60 } },
    };
    return hrun_table(r, fn, rows, ARRAY_SIZE(rows));   /* a block an MDL locks frees: not bad input */
}

NT(h_MmFreeContiguousMemory, "MmFreeContiguousMemory") { return free_contig_cases(r, fx, pf, t_MmFreeContiguousMemory); }
NT(h_MmFreeContiguousMemorySpecifyCache, "MmFreeContiguousMemorySpecifyCache")
{
    return free_contig_cases(r, fx, pf, t_MmFreeContiguousMemorySpecifyCache);
}

/* ---- MDLs ----------------------------------------------------------------------------------------- */

NT(h_IoAllocateMdl, "IoAllocateMdl")
{
    struct hlist l;
    hostile_ranges(fx, fx->blk_va, 4, &l);
    /* No validation of the buffer (NT, ReactOS): an MDL describing it, except for lengths with
     * bit 31 (ReactOS) or an MDL bigger than 0xFFFF bytes. */
    HLIST(r, &l, { t_IoAllocateMdl, { 0, 0, FALSE, FALSE }, 0, 1, false, 1, 0, HK_HUGE, 0 });
    const struct hcase rows[] = {
        { "length 0x80000000 (C.4 test 7)", NULL, 0, { fx->blk_va, 0x80000000u, FALSE, FALSE } },
        { "length 0xFFFFFFFF", NULL, 0, { 0, 0xFFFFFFFFu, FALSE, FALSE } },
        { "an MDL over 0xFFFF bytes", NULL, 0, { fx->blk_va, 0x7FFFF000u, FALSE, FALSE } },
        { "16 Ki pages: just over 0xFFFF bytes", NULL, 0, { 0, 0x4000 * PAGE_SIZE, FALSE, FALSE } },
        { "ChargeQuota TRUE (ignored)", NULL, 1, { fx->blk_va, 16, FALSE, TRUE } },
    };
    HTABLE(r, t_IoAllocateMdl, rows);
    return PASS;
}

NT(h_IoFreeMdl, "IoFreeMdl")
{
    static MDL on_stack;
    const struct hcase rows[] = {      /* a = { mdl, -, -, subcode } */
        { "NULL: nothing", NULL, 0, { 0 } },
        { "a freed MDL (double free)", NULL, 1, { (uint32_t)pf->freed, 0, 0, 0x46 } },
        { "an MDL IoAllocateMdl did not make", NULL, 1, { (uint32_t)&on_stack, 0, 0, 0x46 } },
        { "an MDL + 4", NULL, 1, { (uint32_t)pf->unlocked + 4, 0, 0, 0x46 } },
        { "a pool block that is not an MDL", NULL, 1, { (uint32_t)fx->blk, 0, 0, 0x46 } },
        { "the kernel image", NULL, 1, { KERNEL_VBASE + KERNEL_PHYS_LOAD, 0, 0, 0x46 } },
        { "BAD_POINTER", NULL, 1, { BAD_POINTER, 0, 0, 0x46 } },
        { "another process's memory", NULL, 1, { fx->other_va, 0, 0, 0x46 } },
    };
    HTABLE(r, t_IoFreeMdl, rows);
    return PASS;
}

NT(h_MmBuildMdlForNonPagedPool, "MmBuildMdlForNonPagedPool")
{
    struct hlist l;
    unmapped(fx, pf, &l);
    HLIST(r, &l, { t_MmBuildMdlForNonPagedPool, { 0, 16, 0 }, 0, -1, false, 0, 0, 0, 0 });
    const uint32_t b = fx->blk_va;
    const struct hcase rows[] = {      /* a precondition violated: nothing changes */
        { "already locked", NULL, MDL_PAGES_LOCKED, { b, 16, MDL_PAGES_LOCKED } },
        { "already mapped", NULL, MDL_MAPPED_TO_SYSTEM_VA, { b, 16, MDL_MAPPED_TO_SYSTEM_VA } },
        { "already built", NULL, MDL_SOURCE_IS_NONPAGED_POOL, { b, 16, MDL_SOURCE_IS_NONPAGED_POOL } },
        { "a partial MDL", NULL, MDL_PARTIAL, { b, 16, MDL_PARTIAL } },
        { "a present page, then a missing one", NULL, 0, { b + 3 * PAGE_SIZE, 2 * PAGE_SIZE, 0 } },
    };
    HTABLE(r, t_MmBuildMdlForNonPagedPool, rows);
    return PASS;
}

/* MmProbeAndLockPages and MmProbeAndLockPagesEx: one table, the raising and the returning form. */
static const char *probe_cases(struct hrun *r, const struct hfix *fx, const struct nfix *n, hcall fn)
{
    struct hlist l;
    hostile_ranges(fx, fx->blk_va, 4, &l);
    for (uint32_t mode = KernelMode; mode <= UserMode; mode++)
        for (uint32_t op = IoReadAccess; op <= IoWriteAccess; op++)
            HLIST(r, &l, { fn, { 0, 0, mode, op, 0, 0 }, 0, 1, false, AV, 0, HK_ZERO | HK_HUGE, INVAL });
    const uint32_t b = fx->blk_va, K = KernelMode, U = UserMode, R = IoReadAccess, W = IoWriteAccess;
    const struct hcase rows[] = {      /* a = { va, len, mode, op, flags, forge } */
        { "UserMode on the kernel image", NULL, AV, { KERNEL_VBASE + KERNEL_PHYS_LOAD, 16, U, R, 0, 0 } },
        { "UserMode on system memory", NULL, AV, { b, 16, U, R, 0, 0 } },
        { "UserMode on a ring-3 page above MM_USER_PROBE_ADDRESS (PG_VM)", NULL, AV, { n->vm, 16, U, R, 0, 0 } },
        { "UserMode write to it", NULL, AV, { n->vm + 8, 16, U, W, 0, 0 } },
        { "UserMode on the directory", NULL, AV, { PDE_BASE, 16, U, R, 0, 0 } },
        { "UserMode on a supervisor-only private page", NULL, AV, { n->sup, 16, U, R, 0, 0 } },
        { "UserMode write to a read-only user page", NULL, AV, { n->ro_user, 16, U, W, 0, 0 } },
        { "UserMode from a user page into the probe limit", NULL, AV, { USER_PROBE_ADDRESS - 8, 16, U, R, 0, 0 } },
        { "KernelMode write to a read-only page", NULL, AV, { fx->ro->base, 16, K, W, 0, 0 } },
        { "KernelMode IoModifyAccess to a read-only page", NULL, AV, { fx->ro->base, 16, K, IoModifyAccess, 0, 0 } },
        { "a reserved, uncommitted page", NULL, AV, { fx->res->base, 16, K, R, 0, 0 } },
        { "a system-PTE guard page", NULL, AV, { fx->spte + PAGE_SIZE, 16, K, R, 0, 0 } },
        { "already locked", NULL, INVAL, { b, 16, K, R, MDL_PAGES_LOCKED, 0 } },
        { "mapped to system VA", NULL, INVAL, { b, 16, K, R, MDL_MAPPED_TO_SYSTEM_VA, 0 } },
        { "from nonpaged pool", NULL, INVAL, { b, 16, K, R, MDL_SOURCE_IS_NONPAGED_POOL, 0 } },
        { "a partial MDL", NULL, INVAL, { b, 16, K, R, MDL_PARTIAL, 0 } },
        { "I/O space already", NULL, INVAL, { b, 16, K, R, MDL_IO_SPACE, 0 } },
        { "ByteOffset 4096", NULL, INVAL, { b, 16, K, R, 0, FORGE_OFFSET } },
        { "StartVa not page-aligned", NULL, INVAL, { b, 16, K, R, 0, FORGE_START } },
        { "Size too small for the pages", NULL, INVAL, { b, 2 * PAGE_SIZE, K, R, 0, FORGE_SIZE } },
    };
    return hrun_table(r, fn, rows, ARRAY_SIZE(rows));
}

NT(h_MmProbeAndLockPages, "MmProbeAndLockPages") { return probe_cases(r, fx, pf, t_MmProbeAndLockPages); }
NT(h_MmProbeAndLockPagesEx, "MmProbeAndLockPagesEx") { return probe_cases(r, fx, pf, t_MmProbeAndLockPagesEx); }

NT(h_MmUnlockPages, "MmUnlockPages")
{
    const uint32_t sysva = (uint32_t)pf->sysva;
    const struct hcase rows[] = {      /* a = { mdl, -, address that must stay mapped } */
        { "an MDL never locked", NULL, 1, { (uint32_t)pf->unlocked, 0, 0 } },
        { "unlocked already (unlock of unlocked)", NULL, 1, { (uint32_t)pf->stale, 0, 0 } },
        { "a nonpaged-pool MDL", NULL, 1, { (uint32_t)pf->npp, 0, 0 } },
        { "forged: a free frame", NULL, 1, { (uint32_t)&pf->forged[FORGED_FREE_FRAME].m, 0, 0 } },
        { "forged: a frame another MDL locked", NULL, 1, { (uint32_t)&pf->forged[FORGED_OTHERS_LOCK].m, 0, 0 } },
        { "forged: an I/O mapping as its system VA", NULL, 1, { (uint32_t)&pf->forged[FORGED_IO_MAPPING].m, 0, (uint32_t)pf->io } },
        { "forged: a PageListToLin mapping as its system VA", NULL, 1, { (uint32_t)&pf->forged[FORGED_PL_MAPPING].m, 0, pf->plmap } },
    };
    HTABLE(r, t_MmUnlockPages, rows);
    HCASE(r, "the mapped MDL is still mapped", MmIsAddressValid((PVOID)sysva), TRUE);
    return PASS;
}

static const char *map_locked_common(struct hrun *r, const struct nfix *n, hcall fn, bool specify)
{
    const struct hcase rows[] = {      /* a = { mdl, mode, cache, bugcheck } */
        { "mode 2", NULL, 0, { (uint32_t)n->locked, 2, MmCached, FALSE } },
        { "an MDL never locked", NULL, 0, { (uint32_t)n->unlocked, KernelMode, MmCached, FALSE } },
        { "unlocked already", NULL, 0, { (uint32_t)n->stale, KernelMode, MmCached, FALSE } },
        { "mapped already", NULL, 0, { (uint32_t)n->mapped, KernelMode, MmCached, FALSE } },
        { "forged: a free frame", NULL, 0, { (uint32_t)&n->forged[FORGED_FREE_FRAME].m, KernelMode, MmCached, FALSE } },
    };
    TRY(hrun_table(r, fn, rows, ARRAY_SIZE(rows)));
    /* User mode: the refusals raise (STATUS_INVALID_PARAMETER); a locked MDL is mapped into the
     * current process - also one mapped in system space or into this process already. */
    const uint32_t s = !specify, lk = (uint32_t)n->locked;
    const struct hcase user[] = {      /* a = { mdl, cache, base, not SpecifyCache } */
        { "UserMode: an MDL never locked", t_MapUser, INVAL, { (uint32_t)n->unlocked, MmCached, 0, s } },
        { "UserMode: unlocked already", t_MapUser, INVAL, { (uint32_t)n->stale, MmCached, 0, s } },
        { "UserMode: forged: a free frame", t_MapUser, INVAL, { (uint32_t)&n->forged[FORGED_FREE_FRAME].m, MmCached, 0, s } },
        { "UserMode: a locked MDL (unmapped again)", t_MapUser, 0, { lk, MmCached, 0, s } },
        { "UserMode: an MDL mapped in system space", t_MapUser, 0, { (uint32_t)n->mapped, MmCached, 0, s } },
        { "UserMode: a nonpaged-pool MDL", t_MapUser, 0, { (uint32_t)n->npp, MmCached, 0, s } },
        { "UserMode: an MDL of I/O space", t_MapUser, 0, { (uint32_t)n->ioml, MmNonCached, 0, s } },
    };
    return hrun_table(r, NULL, user, ARRAY_SIZE(user));
}

NT(h_MmMapLockedPagesSpecifyCache, "MmMapLockedPagesSpecifyCache")
{
    TRY(map_locked_common(r, pf, t_MmMapLockedPagesSpecifyCache, true));
    const struct hcase rows[] = {
        { "cache type 6", NULL, 0, { (uint32_t)pf->locked, KernelMode, 6, FALSE } },
        { "MmNotMapped", NULL, 0, { (uint32_t)pf->locked, KernelMode, 0xFFFFFFFFu, FALSE } },
        { "a nonpaged-pool MDL (NT asserts)", NULL, 0, { (uint32_t)pf->npp, KernelMode, MmCached, FALSE } },
    };
    HTABLE(r, t_MmMapLockedPagesSpecifyCache, rows);
    const uint32_t lk = (uint32_t)pf->locked, ubase = 0x00600000u;
    const struct hcase user[] = {      /* a = { mdl, cache, base } */
        { "UserMode: cache type 6", t_MapUser, INVAL, { lk, 6, 0 } },
        { "UserMode: MmNotMapped", t_MapUser, INVAL, { lk, 0xFFFFFFFFu, 0 } },
        { "UserMode: BaseAddress not page-aligned", t_MapUser, STATUS_INVALID_ADDRESS, { lk, MmCached, ubase + 0x10 } },
        { "UserMode: BaseAddress in system space", t_MapUser, STATUS_INVALID_ADDRESS, { lk, MmCached, fx->blk_va } },
        { "UserMode: BaseAddress in the self-map", t_MapUser, STATUS_INVALID_ADDRESS, { lk, MmCached, PTE_BASE } },
        { "UserMode: BaseAddress in the shared arena", t_MapUser, STATUS_INVALID_ADDRESS, { lk, MmCached, SHARED_START } },
        { "UserMode: BaseAddress at MM_USER_PROBE_ADDRESS", t_MapUser, STATUS_INVALID_ADDRESS, { lk, MmCached, USER_PROBE_ADDRESS } },
        { "UserMode: BaseAddress on the process's own buffer", t_MapUser, STATUS_CONFLICTING_ADDRESSES, { lk, MmCached, pf->ubuf } },
        { "UserMode: BaseAddress on its own user mapping", t_MapUser, STATUS_CONFLICTING_ADDRESSES,
          { lk, MmCached, PAGE_ALIGN_DOWN((uint32_t)pf->umap) } },
        { "UserMode: at a free BaseAddress (unmapped again)", t_MapUser, 0, { lk, MmCached, ubase } },
    };
    HTABLE(r, NULL, user);
    HSWEEP(r, { t_MmMapLockedPagesSpecifyCache, { (uint32_t)pf->locked, KernelMode, 0, FALSE }, 2, 0x7, 0, undo_unmapmdl });
    /* KPROCESSOR_MODE is a CCHAR: bits 8-31 are not part of the argument; 1 is UserMode. */
    HSWEEP(r, { t_MmMapLockedPagesSpecifyCache, { (uint32_t)pf->locked, 0, MmCached, FALSE }, 1, 0xFFFFFF01u, 0, undo_unmapmdl });
    return PASS;
}

NT(h_MmMapLockedPages, "MmMapLockedPages") { return map_locked_common(r, pf, t_MmMapLockedPages, false); }

NT(h_MmGetSystemAddressForMdlSafe, "MmGetSystemAddressForMdlSafe")
{
    const struct hcase rows[] = {
        { "an MDL never locked", NULL, 0, { (uint32_t)pf->unlocked, NormalPagePriority } },
        { "unlocked already", NULL, 0, { (uint32_t)pf->stale, NormalPagePriority } },
        { "forged: a free frame", NULL, 0, { (uint32_t)&pf->forged[FORGED_FREE_FRAME].m, HighPagePriority } },
        { "mapped already: its address", NULL, (uint32_t)pf->sysva, { (uint32_t)pf->mapped, LowPagePriority } },
    };
    HTABLE(r, t_MmGetSystemAddressForMdlSafe, rows);
    return PASS;
}

NT(h_MmUnmapLockedPages, "MmUnmapLockedPages")
{
    const uint32_t m = (uint32_t)pf->mapped, s = (uint32_t)pf->sysva;
    const struct hcase rows[] = {      /* a = { base, mdl, address that must stay mapped } */
        { "NULL base", NULL, 1, { 0, m, s } },
        { "not its address", NULL, 1, { s + PAGE_SIZE, m, s } },
        { "its address + 4", NULL, 1, { s + 4, m, s } },
        { "the buffer's own address", NULL, 1, { fx->blk_va + 2 * PAGE_SIZE, m, s } },
        { "an MDL not mapped", NULL, 1, { s, (uint32_t)pf->locked, s } },
        { "unmapped already", NULL, 1, { s, (uint32_t)pf->stale, s } },
        { "forged: an I/O mapping", NULL, 1, { (uint32_t)pf->io, (uint32_t)&pf->forged[FORGED_IO_MAPPING].m, (uint32_t)pf->io } },
        { "forged: a PageListToLin mapping", NULL, 1, { pf->plmap, (uint32_t)&pf->forged[FORGED_PL_MAPPING].m, pf->plmap } },
    };
    HTABLE(r, t_MmUnmapLockedPages, rows);
    const uint32_t u = (uint32_t)pf->umap, lk = (uint32_t)pf->locked;
    const struct hcase user[] = {      /* user addresses: a = { base, mdl, address that must stay mapped } */
        { "a user mapping, the wrong MDL", NULL, 1, { u, m, u } },
        { "a user mapping + 4", NULL, 1, { u + 4, lk, u } },
        { "a user mapping's second page", NULL, 1, { u + PAGE_SIZE, lk, u } },
        { "the process's own buffer", NULL, 1, { pf->ubuf, lk, pf->ubuf } },
        { "a user address nothing maps", NULL, 1, { 0x00600000u, lk, u } },
        { "the ring-3 code", NULL, 1, { USER_TEXT_BASE, lk, u } },
        { "the null page", NULL, 1, { 0x10, lk, u } },
    };
    HTABLE(r, t_MmUnmapLockedPages, user);
    return PASS;
}
