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

/* ---- pool ------------------------------------------------------------------------------------------ */

#define HTAG 0x74736F48u                       /* 'Host' */

static uint32_t t_ExAllocatePoolWithTag(const uint32_t *a) { return (uint32_t)ExAllocatePoolWithTag((POOL_TYPE)a[0], a[1], a[2]); }
static bool undo_exfree(uint32_t p, const uint32_t *a) { ExFreePoolWithTag((PVOID)p, a[2]); return true; }
/* The bug check a call reported: its subcode (first parameter), 0 for none, H_BROKEN for more
 * than one or another code. */
static uint32_t subcode_reported(void (*call)(const uint32_t *), const uint32_t *a, ULONG code)
{
    ULONG n = ntmm_last_bugcheck.count;
    call(a);
    if (ntmm_last_bugcheck.count == n) return 0;
    return ntmm_last_bugcheck.count == n + 1 && ntmm_last_bugcheck.code == code ? ntmm_last_bugcheck.param[0] : H_BROKEN;
}
static void c_ExFreePoolWithTag(const uint32_t *a) { ExFreePoolWithTag((PVOID)a[0], a[1]); }
static uint32_t t_ExFreePoolWithTag(const uint32_t *a) { return subcode_reported(c_ExFreePoolWithTag, a, BAD_POOL_CALLER); }

NT(h_ExAllocatePoolWithTag, "ExAllocatePoolWithTag")
{
    const struct hcase rows[] = {      /* a = { type, bytes, tag } */
        { "DontUseThisType", NULL, 0, { DontUseThisType, 16, HTAG } },
        { "MaxPoolType", NULL, 0, { MaxPoolType, 16, HTAG } },
        { "type -1", NULL, 0, { 0xFFFFFFFFu, 16, HTAG } },
        { "0x7FFFF000 bytes", NULL, 0, { NonPagedPool, 0x7FFFF000u, HTAG } },
        { "0xFFFFFFFF bytes", NULL, 0, { PagedPool, 0xFFFFFFFFu, HTAG } },
        { "more pages than are free", NULL, 0, { NonPagedPool, (mm_available_frames() + 1) * PAGE_SIZE, HTAG } },
    };
    HTABLE(r, t_ExAllocatePoolWithTag, rows);
    /* The modifier bits 8, 16, 32 and the base types 0-2, 4-6 are valid; every other bit: NULL. */
    HSWEEP(r, { t_ExAllocatePoolWithTag, { NonPagedPool, 64, HTAG }, 0, 0x3Fu, 0, undo_exfree });
    HSWEEP(r, { t_ExAllocatePoolWithTag, { PagedPool, PAGE_SIZE, HTAG }, 0, 0x3Fu, 0, undo_exfree });
    return PASS;
}

NT(h_ExFreePoolWithTag, "ExFreePoolWithTag")
{
    uint8_t *s = ExAllocatePoolWithTag(NonPagedPool, 64, HTAG), *g = ExAllocatePoolWithTag(NonPagedPool, 2 * PAGE_SIZE, HTAG);
    uint8_t *p = ExAllocatePoolWithTag(NonPagedPool, 32, HTAG | PROTECTED_POOL), *f = ExAllocatePoolWithTag(NonPagedPool, 16, HTAG);
    CHECK(s && g && p && f);
    ExFreePool(f);
    hrun_rebase(r);
    const struct hcase rows[] = {      /* a = { p, tag } -> the BAD_POOL_CALLER subcode */
        { "NULL", NULL, 0x46, { 0, 0 } },
        { "a small block + 16", NULL, 0x46, { (uint32_t)s + 16, 0 } },
        { "a small block + 4", NULL, 0x46, { (uint32_t)s + 4, HTAG } },
        { "a big block's second page", NULL, 0x46, { (uint32_t)g + PAGE_SIZE, HTAG } },
        { "a big block + 16", NULL, 0x46, { (uint32_t)g + 16, HTAG } },
        { "a freed block (double free)", NULL, 0x07, { (uint32_t)f, HTAG } },
        { "the wrong tag (small)", NULL, 0x0A, { (uint32_t)s, HTAG + 1 } },
        { "the wrong tag (big)", NULL, 0x0A, { (uint32_t)g, 0x656E6F4Eu } },
        { "a protected block without its tag", NULL, 0x0A, { (uint32_t)p, 0 } },
        { "a protected block, tag without PROTECTED_POOL", NULL, 0x0A, { (uint32_t)p, HTAG } },
        { "an IoAllocateMdl MDL (kernel pool, no pool header)", NULL, 0x46, { (uint32_t)pf->unlocked, 0 } },
        { "contiguous memory", NULL, 0x46, { (uint32_t)pf->contig, 0 } },
        { "an MDL mapping", NULL, 0x46, { (uint32_t)pf->sysva, 0 } },
        { "a core region", NULL, 0x46, { fx->blk_va, 0 } },
        { "the kernel image", NULL, 0x46, { KERNEL_VBASE + KERNEL_PHYS_LOAD, 0 } },
        { "the unbacked end of the pool window", NULL, 0x46, { KPOOL_END - 16, 0 } },
        { "another process's memory", NULL, 0x46, { fx->other_va, 0 } },
        { "BAD_POINTER", NULL, 0x46, { BAD_POINTER, 0 } },
        { "-1", NULL, 0x46, { 0xFFFFFFFFu, 0 } },
    };
    const char *e = hrun_table(r, t_ExFreePoolWithTag, rows, ARRAY_SIZE(rows));
    ExFreePoolWithTag(s, HTAG);
    ExFreePoolWithTag(g, HTAG);
    ExFreePoolWithTag(p, HTAG | PROTECTED_POOL);
    hrun_rebase(r);
    return e;
}

/* ---- pages for MDLs ----------------------------------------------------------------------------- */

static uint32_t t_MmAllocatePagesForMdlEx(const uint32_t *a)
{
    PMDL m = MmAllocatePagesForMdlEx(phys(a[0], 0), phys(a[1], a[2]), phys(a[3], 0), a[4], (MEMORY_CACHING_TYPE)a[5], a[6]);
    return (uint32_t)m;
}
static bool undo_freepages(uint32_t m, const uint32_t *a)
{
    (void)a;
    MmFreePagesFromMdl((PMDL)m);
    ExFreePool((PVOID)m);
    return true;
}
static void c_MmFreePagesFromMdl(const uint32_t *a) { MmFreePagesFromMdl((PMDL)a[0]); }
static uint32_t t_MmFreePagesFromMdl(const uint32_t *a) { return subcode_reported(c_MmFreePagesFromMdl, a, MEMORY_MANAGEMENT); }

NT(h_MmAllocatePagesForMdlEx, "MmAllocatePagesForMdlEx")
{
    const uint32_t F = MM_ALLOCATE_FULLY_REQUIRED, C = MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS, P = PAGE_SIZE;
    const uint32_t lo = fx->free_frame << PAGE_SHIFT;
    const struct hcase rows[] = {      /* a = { low, high, high hi, skip, total, cache, flags } */
        { "0 bytes", NULL, 0, { 0, 0xFFFFFFFFu, 0, 0, 0, MmCached, 0 } },
        { "Low above High", NULL, 0, { 0x200000, 0x1FFFFF, 0, 0, P, MmCached, 0 } },
        { "SkipBytes with a byte offset", NULL, 0, { 0, 0xFFFFFFFFu, 0, 0x800, P, MmCached, 0 } },
        { "cache type 6", NULL, 0, { 0, 0xFFFFFFFFu, 0, 0, P, 6, 0 } },
        { "MmNotMapped", NULL, 0, { 0, 0xFFFFFFFFu, 0, 0, P, 0xFFFFFFFFu, 0 } },
        { "FULLY_REQUIRED, more than is free", NULL, 0, { 0, 0xFFFFFFFFu, 0, 0, (mm_available_frames() + 1) * P, MmCached, F } },
        { "FULLY_REQUIRED, more than an MDL holds", NULL, 0, { 0, 0xFFFFFFFFu, 0, 0, 0x4000000, MmCached, F } },
        { "FULLY_REQUIRED, two pages of a one-frame range", NULL, 0, { lo, lo + 0xFFF, 0, 0, 2 * P, MmCached, F } },
        { "a range above every frame", NULL, 0, { 0xF0000000u, 0xFFFFFFFFu, 0, 0, P, MmCached, 0 } },
        { "CONTIGUOUS_CHUNKS, SkipBytes 0", NULL, 0, { 0, 0xFFFFFFFFu, 0, 0, 4 * P, MmCached, C } },
        { "CONTIGUOUS_CHUNKS, 3-page chunks", NULL, 0, { 0, 0xFFFFFFFFu, 0, 3 * P, 6 * P, MmCached, C } },
        { "CONTIGUOUS_CHUNKS, not a multiple", NULL, 0, { 0, 0xFFFFFFFFu, 0, 4 * P, 6 * P, MmCached, C } },
    };
    HTABLE(r, t_MmAllocatePagesForMdlEx, rows);
    HSWEEP(r, { t_MmAllocatePagesForMdlEx, { 0, 0xFFFFFFFFu, 0, 0, 2 * P, MmCached, 0 }, 6, 0x3Fu & ~C, 0, undo_freepages });
    return PASS;
}

NT(h_MmFreePagesFromMdl, "MmFreePagesFromMdl")
{
    PMDL stale = MmAllocatePagesForMdl(phys(0, 0), phys(0xFFFFFFFFu, 0), phys(0, 0), PAGE_SIZE);
    CHECK(stale);
    MmFreePagesFromMdl(stale);
    hrun_rebase(r);
    const struct hcase rows[] = {      /* a = { mdl } -> the MEMORY_MANAGEMENT subcode */
        { "NULL", NULL, 0x1236, { 0 } },
        { "pages freed already", NULL, 0x1236, { (uint32_t)stale } },
        { "an IoAllocateMdl MDL, locked", NULL, 0x1236, { (uint32_t)pf->locked } },
        { "a nonpaged-pool MDL", NULL, 0x1236, { (uint32_t)pf->npp } },
        { "forged: a free frame", NULL, 0x1236, { (uint32_t)&pf->forged[FORGED_FREE_FRAME].m } },
        { "forged: a frame another MDL locked", NULL, 0x1236, { (uint32_t)&pf->forged[FORGED_OTHERS_LOCK].m } },
    };
    const char *e = hrun_table(r, t_MmFreePagesFromMdl, rows, ARRAY_SIZE(rows));
    ExFreePool(stale);
    hrun_rebase(r);
    return e;
}

/* ---- reserved mappings ------------------------------------------------------------------------------ */

#define RTAG 0x4B6D524Du                       /* 'MRmK' */
static uint32_t t_MmAllocateMappingAddress(const uint32_t *a) { return (uint32_t)MmAllocateMappingAddress(a[0], a[1]); }
static bool undo_freemapping(uint32_t m, const uint32_t *a) { MmFreeMappingAddress((PVOID)m, a[1]); return true; }
static void c_MmFreeMappingAddress(const uint32_t *a) { MmFreeMappingAddress((PVOID)a[0], a[1]); }
static uint32_t t_MmFreeMappingAddress(const uint32_t *a) { return subcode_reported(c_MmFreeMappingAddress, a, SYSTEM_PTE_MISUSE); }
/* a = { base, tag, mdl, cache }: the address returned (unmapped again at once), 0, or the
 * SYSTEM_PTE_MISUSE subcode | 0x80000000 when one was reported. */
static uint32_t t_MmMapLockedPagesWithReservedMapping(const uint32_t *a)
{
    ULONG n = ntmm_last_bugcheck.count;
    PVOID v = MmMapLockedPagesWithReservedMapping((PVOID)a[0], a[1], (PMDL)a[2], (MEMORY_CACHING_TYPE)a[3]);
    if (v) {
        MmUnmapReservedMapping(v, a[1], (PMDL)a[2]);
        return ntmm_last_bugcheck.count == n && !MmIsAddressValid(v) ? (uint32_t)v : H_BROKEN;
    }
    if (ntmm_last_bugcheck.count == n) return 0;
    return ntmm_last_bugcheck.count == n + 1 && ntmm_last_bugcheck.code == SYSTEM_PTE_MISUSE
               ? 0x80000000u | ntmm_last_bugcheck.param[0] : H_BROKEN;
}
/* a = { base, tag, mdl, address that must stay mapped }: the subcode reported (0: none) when the
 * mapping is still there, H_BROKEN otherwise. */
static void c_MmUnmapReservedMapping(const uint32_t *a) { MmUnmapReservedMapping((PVOID)a[0], a[1], (PMDL)a[2]); }
static uint32_t t_MmUnmapReservedMapping(const uint32_t *a)
{
    uint32_t s = subcode_reported(c_MmUnmapReservedMapping, a, SYSTEM_PTE_MISUSE);
    return MmIsAddressValid((PVOID)a[3]) ? s : H_BROKEN;
}

NT(h_MmAllocateMappingAddress, "MmAllocateMappingAddress")
{
    const struct hcase rows[] = {      /* a = { bytes, tag } */
        { "tag 0", NULL, 0, { PAGE_SIZE, 0 } },
        { "more than the system-PTE pool", NULL, 0, { 0x10000001u, RTAG } },
        { "0xFFFFFFFF bytes", NULL, 0, { 0xFFFFFFFFu, RTAG } },
        { "the whole pool (no room for the headers)", NULL, 0, { SYSPTE_END - SYSPTE_START, RTAG } },
    };
    HTABLE(r, t_MmAllocateMappingAddress, rows);
    ULONG n = ntmm_last_bugcheck.count;
    HCASE(r, "0 bytes: SYSTEM_PTE_MISUSE 0x100 reported", t_MmAllocateMappingAddress((const uint32_t[]){ 0, RTAG }), 0);
    HCASE(r, "... and reported", ntmm_last_bugcheck.count == n + 1 && ntmm_last_bugcheck.code == SYSTEM_PTE_MISUSE &&
                                 ntmm_last_bugcheck.param[0] == 0x100, 1);
    HSWEEP(r, { t_MmAllocateMappingAddress, { PAGE_SIZE, RTAG }, 1, 0xFFFFFFFFu, 0, undo_freemapping });
    return PASS;
}

struct rfix { PVOID res, busy, small; PMDL pages, two, other, off; PVOID busyva; };
static const char *rfix_make(const struct hfix *fx, struct rfix *x)
{
    memset(x, 0, sizeof *x);
    x->off = locked_mdl(fx->blk_va + 0x800, 16, IoReadAccess);      /* ByteOffset 0x800 */
    x->res = MmAllocateMappingAddress(2 * PAGE_SIZE, RTAG);
    x->busy = MmAllocateMappingAddress(PAGE_SIZE, RTAG);
    x->small = MmAllocateMappingAddress(PAGE_SIZE, RTAG);
    x->pages = MmAllocatePagesForMdl(phys(0, 0), phys(0xFFFFFFFFu, 0), phys(0, 0), PAGE_SIZE);
    x->two = MmAllocatePagesForMdl(phys(0, 0), phys(0xFFFFFFFFu, 0), phys(0, 0), 2 * PAGE_SIZE);
    x->other = MmAllocatePagesForMdl(phys(0, 0), phys(0xFFFFFFFFu, 0), phys(0, 0), PAGE_SIZE);
    CHECK(x->res && x->busy && x->small && x->pages && x->two && x->other && x->off);
    x->busyva = MmMapLockedPagesWithReservedMapping(x->busy, RTAG, x->other, MmCached);
    CHECK(x->busyva);
    return PASS;
}
static void rfix_free(struct rfix *x)
{
    if (x->busyva) MmUnmapReservedMapping(x->busyva, RTAG, x->other);
    PVOID res[] = { x->res, x->busy, x->small };
    for (unsigned i = 0; i < ARRAY_SIZE(res); i++) if (res[i]) MmFreeMappingAddress(res[i], RTAG);
    if (x->off) { MmUnlockPages(x->off); IoFreeMdl(x->off); }
    PMDL m[] = { x->pages, x->two, x->other };
    for (unsigned i = 0; i < ARRAY_SIZE(m); i++)
        if (m[i]) { MmFreePagesFromMdl(m[i]); ExFreePool(m[i]); }
}

NT(h_MmFreeMappingAddress, "MmFreeMappingAddress")
{
    struct rfix x;
    const char *e = rfix_make(fx, &x);
    hrun_rebase(r);
    const uint32_t res = (uint32_t)x.res;
    const struct hcase rows[] = {      /* a = { base, tag } -> the SYSTEM_PTE_MISUSE subcode */
        { "the wrong tag", NULL, 0x101, { res, RTAG + 2 } },
        { "tag 0", NULL, 0x101, { res, 0 } },
        { "its second page", NULL, 0x101, { res + PAGE_SIZE, RTAG } },
        { "a header page", NULL, 0x101, { res - PAGE_SIZE, RTAG } },
        { "NULL", NULL, 0x101, { 0, RTAG } },
        { "an unmapped system PTE", NULL, 0x101, { fx->spte, RTAG } },
        { "an MDL mapping", NULL, 0x101, { (uint32_t)pf->sysva, RTAG } },
        { "another process's memory", NULL, 0x101, { fx->other_va, RTAG } },
        { "a reservation still mapped", NULL, 0x103, { (uint32_t)x.busy, RTAG } },
    };
    if (!e) e = hrun_table(r, t_MmFreeMappingAddress, rows, ARRAY_SIZE(rows));
    rfix_free(&x);
    hrun_rebase(r);
    return e;
}

NT(h_MmMapLockedPagesWithReservedMapping, "MmMapLockedPagesWithReservedMapping")
{
    struct rfix x;
    const char *e = rfix_make(fx, &x);
    hrun_rebase(r);
    const uint32_t res = (uint32_t)x.res, B = 0x80000000u;
    const struct hcase rows[] = {      /* a = { base, tag, mdl, cache } */
        { "an MDL larger than the reservation", NULL, 0, { (uint32_t)x.small, RTAG, (uint32_t)x.two, MmCached } },
        { "the wrong tag", NULL, B | 0x104, { res, RTAG ^ 0x10, (uint32_t)x.pages, MmCached } },
        { "no reservation: a system PTE", NULL, B | 0x104, { fx->spte, RTAG, (uint32_t)x.pages, MmCached } },
        { "no reservation: NULL", NULL, B | 0x104, { 0, RTAG, (uint32_t)x.pages, MmCached } },
        { "a reservation in use", NULL, B | 0x107, { (uint32_t)x.busy, RTAG, (uint32_t)x.pages, MmCached } },
        { "cache type 6", NULL, 0, { res, RTAG, (uint32_t)x.pages, 6 } },
        { "an MDL never locked", NULL, 0, { res, RTAG, (uint32_t)pf->unlocked, MmCached } },
        { "an MDL mapped already", NULL, 0, { res, RTAG, (uint32_t)pf->mapped, MmCached } },
        { "the MDL mapped in the busy one", NULL, 0, { res, RTAG, (uint32_t)x.other, MmCached } },
        { "a nonpaged-pool MDL", NULL, 0, { res, RTAG, (uint32_t)pf->npp, MmCached } },
        { "forged: a free frame", NULL, 0, { res, RTAG, (uint32_t)&pf->forged[FORGED_FREE_FRAME].m, MmCached } },
        { "offsets reaching the second page", NULL, 0, { res + 0x800, RTAG, (uint32_t)x.off, MmCached } },
        { "offsets just inside the first page: kept", NULL, res + 0xFFF, { res + 0x7FF, RTAG, (uint32_t)x.off, MmCached } },
        { "an unaligned address: kept", NULL, res + 0x10, { res + 0x10, RTAG, (uint32_t)x.pages, MmCached } },
    };
    if (!e) e = hrun_table(r, t_MmMapLockedPagesWithReservedMapping, rows, ARRAY_SIZE(rows));
    rfix_free(&x);
    hrun_rebase(r);
    return e;
}

NT(h_MmUnmapReservedMapping, "MmUnmapReservedMapping")
{
    struct rfix x;
    const char *e = rfix_make(fx, &x);
    hrun_rebase(r);
    const uint32_t busy = (uint32_t)x.busyva, o = (uint32_t)x.other;
    const struct hcase rows[] = {      /* a = { base, tag, mdl, must stay mapped } */
        { "the wrong tag", NULL, 0x108, { busy, RTAG + 2, o, busy } },
        { "not a reservation", NULL, 0x108, { fx->spte, RTAG, o, busy } },
        { "a reservation with nothing mapped", NULL, 0x109, { (uint32_t)x.res, RTAG, o, busy } },
        { "the wrong MDL", NULL, 0, { busy, RTAG, (uint32_t)x.pages, busy } },
        { "a forged MDL claiming the mapping", NULL, 0, { busy, RTAG, (uint32_t)&pf->forged[FORGED_IO_MAPPING].m, busy } },
        { "not the address returned", NULL, 0, { busy + 8, RTAG, o, busy } },
    };
    if (!e) e = hrun_table(r, t_MmUnmapReservedMapping, rows, ARRAY_SIZE(rows));
    rfix_free(&x);
    hrun_rebase(r);
    return e;
}

/* ---- non-cached memory, partial MDLs, queries ------------------------------------------------------ */

static uint32_t t_MmAllocateNonCachedMemory(const uint32_t *a) { return (uint32_t)MmAllocateNonCachedMemory(a[0]); }
/* a = { base, bytes, must stay mapped } */
static uint32_t t_MmFreeNonCachedMemory(const uint32_t *a)
{
    MmFreeNonCachedMemory((PVOID)a[0], a[1]);
    return MmIsAddressValid((PVOID)a[2]);
}

NT(h_MmAllocateNonCachedMemory, "MmAllocateNonCachedMemory")
{
    const struct hcase rows[] = {
        { "0 bytes", NULL, 0, { 0 } },
        { "0xFFFFFFFF bytes", NULL, 0, { 0xFFFFFFFFu } },
        { "more than the system-PTE pool", NULL, 0, { 0x10000001u } },
        { "more pages than are free", NULL, 0, { (mm_available_frames() + 1) * PAGE_SIZE } },
    };
    HTABLE(r, t_MmAllocateNonCachedMemory, rows);
    return PASS;
}

NT(h_MmFreeNonCachedMemory, "MmFreeNonCachedMemory")
{
    uint8_t *nc = MmAllocateNonCachedMemory(2 * PAGE_SIZE);
    CHECK(nc);
    hrun_rebase(r);
    const uint32_t v = (uint32_t)nc;
    const struct hcase rows[] = {
        { "the wrong size", NULL, 1, { v, PAGE_SIZE, v } },
        { "0 bytes", NULL, 1, { v, 0, v } },
        { "its second page", NULL, 1, { v + PAGE_SIZE, PAGE_SIZE, v } },
        { "NULL", NULL, 1, { 0, PAGE_SIZE, v } },
        { "contiguous memory", NULL, 1, { (uint32_t)pf->contig, 2 * PAGE_SIZE, (uint32_t)pf->contig } },
        { "an I/O mapping", NULL, 1, { (uint32_t)pf->io, 2 * PAGE_SIZE, (uint32_t)pf->io } },
        { "an MDL mapping", NULL, 1, { (uint32_t)pf->sysva, 2 * PAGE_SIZE, (uint32_t)pf->sysva } },
        { "a core region", NULL, 1, { fx->blk_va, 4 * PAGE_SIZE, fx->blk_va } },
    };
    const char *e = hrun_table(r, t_MmFreeNonCachedMemory, rows, ARRAY_SIZE(rows));
    MmFreeNonCachedMemory(nc, 2 * PAGE_SIZE);
    hrun_rebase(r);
    return e;
}

/* a = { source, va, length, target size }: 1 when the target is exactly as it was. */
static struct { MDL m; PFN_NUMBER pfn[8]; } ptarget;
static uint32_t t_IoBuildPartialMdl(const uint32_t *a)
{
    MmInitializeMdl(&ptarget.m, (PVOID)0x1000, 0x1000);
    ptarget.m.Size = (CSHORT)a[3];
    for (unsigned i = 0; i < 8; i++) ptarget.pfn[i] = 0xA5A5A5A5u;
    MDL before = ptarget.m;
    IoBuildPartialMdl((PMDL)a[0], &ptarget.m, (PVOID)a[1], a[2]);
    bool same = memcmp(&before, &ptarget.m, sizeof before) == 0;
    for (unsigned i = 0; i < 8; i++) same &= ptarget.pfn[i] == 0xA5A5A5A5u;
    return same;
}

NT(h_IoBuildPartialMdl, "IoBuildPartialMdl")
{
    const uint32_t lk = (uint32_t)pf->locked, b = fx->blk_va, S = sizeof(MDL) + 8 * sizeof(PFN_NUMBER);
    static struct { MDL m; PFN_NUMBER pfn[1]; } grown;
    MmInitializeMdl(&grown.m, (PVOID)b, 4 * PAGE_SIZE);                  /* ByteCount outgrew its Size */
    grown.m.Size = sizeof grown;
    grown.m.MdlFlags = MDL_PAGES_LOCKED;
    const struct hcase rows[] = {
        { "va before the buffer", NULL, 1, { lk, b - 1, 16, S } },
        { "va past its end", NULL, 1, { lk, b + 2 * PAGE_SIZE, 16, S } },
        { "a length past its end", NULL, 1, { lk, b + PAGE_SIZE, PAGE_SIZE + 1, S } },
        { "length 0xFFFFFFFF", NULL, 1, { lk, b, 0xFFFFFFFFu, S } },
        { "va 0", NULL, 1, { lk, 0, 16, S } },
        { "a target too small for the piece", NULL, 1, { lk, b + 0x800, PAGE_SIZE, sizeof(MDL) + 4 } },
        { "a target with Size 0", NULL, 1, { lk, b, 16, 0 } },
        { "a source whose ByteCount outgrew its Size", NULL, 1, { (uint32_t)&grown.m, b + PAGE_SIZE, 16, S } },
        { "a piece of it (built: changed)", NULL, 0, { lk, b + 0x10, 0x20, S } },
    };
    HTABLE(r, t_IoBuildPartialMdl, rows);
    return PASS;
}

/* a = { mdl flags, MappedSystemVa, must stay mapped } on a hand-made MDL. */
static uint32_t t_MmPrepareMdlForReuse(const uint32_t *a)
{
    static struct { MDL m; PFN_NUMBER pfn[2]; } x;
    MmInitializeMdl(&x.m, (PVOID)a[1], PAGE_SIZE);
    x.m.MdlFlags = (CSHORT)a[0];
    x.m.MappedSystemVa = (PVOID)a[1];
    MDL before = x.m;
    MmPrepareMdlForReuse(&x.m);
    return memcmp(&before, &x.m, sizeof before) == 0 && MmIsAddressValid((PVOID)a[2]);
}

NT(h_MmPrepareMdlForReuse, "MmPrepareMdlForReuse")
{
    const uint32_t PM = MDL_PARTIAL | MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_MAPPED_TO_SYSTEM_VA;
    const struct hcase rows[] = {
        { "forged: a partial 'mapped' at another MDL's mapping", NULL, 1, { PM, (uint32_t)pf->sysva, (uint32_t)pf->sysva } },
        { "forged: at an I/O mapping", NULL, 1, { PM, (uint32_t)pf->io, (uint32_t)pf->io } },
        { "forged: at contiguous memory", NULL, 1, { PM, (uint32_t)pf->contig, (uint32_t)pf->contig } },
        { "not partial, mapped flag set", NULL, 1, { MDL_MAPPED_TO_SYSTEM_VA | MDL_PAGES_LOCKED, (uint32_t)pf->sysva, (uint32_t)pf->sysva } },
        { "HAS_BEEN_MAPPED without PARTIAL", NULL, 1, { MDL_PARTIAL_HAS_BEEN_MAPPED, (uint32_t)pf->sysva, (uint32_t)pf->sysva } },
    };
    HTABLE(r, t_MmPrepareMdlForReuse, rows);
    return PASS;
}

static uint32_t t_MmIsNonPagedSystemAddressValid(const uint32_t *a) { return MmIsNonPagedSystemAddressValid((PVOID)a[0]); }

NT(h_MmIsNonPagedSystemAddressValid, "MmIsNonPagedSystemAddressValid")
{
    struct hlist l;
    unmapped(fx, pf, &l);
    HLIST(r, &l, { t_MmIsNonPagedSystemAddressValid, { 0 }, 0, -1, false, FALSE, 0, 0, 0 });
    const struct hcase rows[] = {
        { "a user page of this process", NULL, FALSE, { pf->ubuf } },
        { "the ring-3 code", NULL, FALSE, { USER_TEXT_BASE } },
        { "the directory through the self-map", NULL, FALSE, { PDE_BASE } },
        { "the kernel image", NULL, TRUE, { KERNEL_VBASE + KERNEL_PHYS_LOAD } },
    };
    HTABLE(r, t_MmIsNonPagedSystemAddressValid, rows);
    return PASS;
}

/* ---- user-mode virtual memory ----------------------------------------------------------------------- */

/* a = { handle, base, zero bits, size, type, protect }: the status; a success is undone at once. */
static uint32_t t_ZwAllocateVirtualMemory(const uint32_t *a)
{
    PVOID base = (PVOID)a[1];
    SIZE_T size = a[3];
    NTSTATUS st = ZwAllocateVirtualMemory((HANDLE)a[0], &base, a[2], &size, a[4], a[5]);
    if (!NT_SUCCESS(st)) return base == (PVOID)a[1] && size == a[3] ? (uint32_t)st : H_BROKEN;
    bool reserved = (a[4] & MEM_RESERVE) || !a[1];              /* else a commit into a reservation */
    SIZE_T z = reserved ? 0 : size;
    return ZwFreeVirtualMemory(NtCurrentProcess(), &base, &z, reserved ? MEM_RELEASE : MEM_DECOMMIT) == STATUS_SUCCESS
               ? 0 : H_BROKEN;
}
static bool undo_nothing(uint32_t res, const uint32_t *a) { (void)res; (void)a; return true; }
/* a = { handle, base, size, type }: the status (outputs must be untouched on failure). */
static uint32_t t_ZwFreeVirtualMemory(const uint32_t *a)
{
    PVOID base = (PVOID)a[1];
    SIZE_T size = a[2];
    NTSTATUS st = ZwFreeVirtualMemory((HANDLE)a[0], &base, &size, a[3]);
    if (!NT_SUCCESS(st) && (base != (PVOID)a[1] || size != a[2])) return H_BROKEN;
    return (uint32_t)st;
}

NT(h_ZwAllocateVirtualMemory, "ZwAllocateVirtualMemory")
{
    PVOID v = NULL;
    SIZE_T vs = 0x20000;
    CHECK_EQ(ZwAllocateVirtualMemory(NtCurrentProcess(), &v, 0, &vs, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
    hrun_rebase(r);
    const uint32_t cur = (uint32_t)NtCurrentProcess(), R = MEM_RESERVE, C = MEM_COMMIT, RW = PAGE_READWRITE, P = PAGE_SIZE;
    const uint32_t vv = (uint32_t)v;
    const struct hcase rows[] = {      /* a = { handle, base, zero bits, size, type, protect } */
        { "another process's handle", NULL, STATUS_INVALID_HANDLE, { 4, 0, 0, P, R, RW } },
        { "handle 0", NULL, STATUS_INVALID_HANDLE, { 0, 0, 0, P, R, RW } },
        { "ZeroBits 22", NULL, STATUS_INVALID_PARAMETER_3, { cur, 0, 22, P, R, RW } },
        { "ZeroBits -1", NULL, STATUS_INVALID_PARAMETER_3, { cur, 0, 0xFFFFFFFFu, P, R, RW } },
        { "size 0", NULL, STATUS_INVALID_PARAMETER_4, { cur, 0, 0, 0, R, RW } },
        { "size 0xFFFFFFFF", NULL, STATUS_INVALID_PARAMETER_4, { cur, 0, 0, 0xFFFFFFFFu, R, RW } },
        { "a base in system space", NULL, STATUS_INVALID_PARAMETER_2, { cur, fx->blk_va, 0, P, R, RW } },
        { "a base at MM_USER_PROBE_ADDRESS", NULL, STATUS_INVALID_PARAMETER_2, { cur, USER_PROBE_ADDRESS, 0, P, R, RW } },
        { "a range into the probe limit", NULL, STATUS_INVALID_PARAMETER_2, { cur, 0x7FFE0000u, 0, 0x20000, R, RW } },
        { "a base in the null page's 64 KiB", NULL, STATUS_INVALID_PARAMETER_2, { cur, 0x1000, 0, P, R, RW } },
        { "a reservation over the ring-3 code", NULL, STATUS_CONFLICTING_ADDRESSES, { cur, USER_TEXT_BASE, 0, P, R, RW } },
        { "a reservation over another reservation", NULL, STATUS_CONFLICTING_ADDRESSES, { cur, vv + P, 0, P, R, RW } },
        { "a commit outside any reservation", NULL, STATUS_CONFLICTING_ADDRESSES, { cur, 0x00900000u, 0, P, C, RW } },
        { "a commit over the process's own buffer", NULL, STATUS_CONFLICTING_ADDRESSES, { cur, pf->ubuf, 0, P, C, RW } },
        { "a commit running out of the reservation", NULL, STATUS_CONFLICTING_ADDRESSES, { cur, vv + 0x1F000, 0, 2 * P, C, RW } },
        { "the whole private arena", NULL, STATUS_NO_MEMORY, { cur, 0, 0, 0x7FFF0000u, R, RW } },
        { "protection 0", NULL, STATUS_INVALID_PAGE_PROTECTION, { cur, 0, 0, P, R, 0 } },
        { "PAGE_WRITECOPY", NULL, STATUS_INVALID_PAGE_PROTECTION, { cur, 0, 0, P, R, PAGE_WRITECOPY } },
        { "PAGE_GUARD", NULL, STATUS_INVALID_PAGE_PROTECTION, { cur, 0, 0, P, R, RW | PAGE_GUARD } },
        { "two base protections", NULL, STATUS_INVALID_PAGE_PROTECTION, { cur, 0, 0, P, R, PAGE_READONLY | RW } },
        { "NOACCESS | NOCACHE", NULL, STATUS_INVALID_PAGE_PROTECTION, { cur, 0, 0, P, R, PAGE_NOACCESS | PAGE_NOCACHE } },
        { "NOCACHE | WRITECOMBINE", NULL, STATUS_INVALID_PAGE_PROTECTION, { cur, 0, 0, P, R, RW | PAGE_NOCACHE | PAGE_WRITECOMBINE } },
        { "a commit inside the reservation (undone)", NULL, 0, { cur, vv + 0x1000, 0, P, C, RW } },
    };
    const char *e = hrun_table(r, t_ZwAllocateVirtualMemory, rows, ARRAY_SIZE(rows));
    /* Over the commit limit, made smaller than the arena with ballast (3.5 GiB of RAM would put it
     * beyond the 2 GiB arena). */
    if (!e) {
        ballast_take(1024);
        hrun_rebase(r);
        const uint32_t a[6] = { cur, 0, 0, (mm_commit_limit() - mm_commit_charge() + 1) * P, R | C, RW };
        e = hrun_check(r, "more than the commit limit", t_ZwAllocateVirtualMemory(a), STATUS_COMMITMENT_LIMIT);
        ballast_release();
        hrun_rebase(r);
    }
    /* AllocationType: MEM_COMMIT, MEM_RESERVE, MEM_TOP_DOWN are valid; any other bit refused. */
    if (!e) {
        const struct hsweep s = { t_ZwAllocateVirtualMemory, { cur, 0, 0, P, R, RW }, 4,
                                  MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN, STATUS_INVALID_PARAMETER_5, undo_nothing };
        e = hrun_sweep(r, &s);
    }
    SIZE_T z = 0;
    ZwFreeVirtualMemory(NtCurrentProcess(), &v, &z, MEM_RELEASE);
    hrun_rebase(r);
    return e;
}

NT(h_ZwFreeVirtualMemory, "ZwFreeVirtualMemory")
{
    PVOID v = NULL;
    SIZE_T vs = 4 * PAGE_SIZE;
    CHECK_EQ(ZwAllocateVirtualMemory(NtCurrentProcess(), &v, 0, &vs, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
    hrun_rebase(r);
    const uint32_t cur = (uint32_t)NtCurrentProcess(), vv = (uint32_t)v, REL = MEM_RELEASE, DEC = MEM_DECOMMIT, P = PAGE_SIZE;
    struct hlist l;
    hostile_ranges(fx, vv, 4, &l);
    const struct hcase rows[] = {      /* a = { handle, base, size, type } */
        { "another process's handle", NULL, STATUS_INVALID_HANDLE, { 4, vv, 0, REL } },
        { "FreeType 0", NULL, STATUS_INVALID_PARAMETER_4, { cur, vv, 0, 0 } },
        { "both free types", NULL, STATUS_INVALID_PARAMETER_4, { cur, vv, 0, REL | DEC } },
        { "MEM_RELEASE | 1", NULL, STATUS_INVALID_PARAMETER_4, { cur, vv, 0, REL | 1 } },
        { "release, size 0, not at the base", NULL, STATUS_FREE_VM_NOT_AT_BASE, { cur, vv + P, 0, REL } },
        { "release of part of it", NULL, STATUS_UNABLE_TO_FREE_VM, { cur, vv, P, REL } },
        { "release of more than it", NULL, STATUS_UNABLE_TO_FREE_VM, { cur, vv, 5 * P, REL } },
        { "decommit running past it", NULL, STATUS_UNABLE_TO_FREE_VM, { cur, vv + 3 * P, 2 * P, DEC } },
        { "decommit wrapping", NULL, STATUS_UNABLE_TO_FREE_VM, { cur, vv, 0xFFFFFFFFu, DEC } },
        { "NULL", NULL, STATUS_MEMORY_NOT_ALLOCATED, { cur, 0, 0, REL } },
        { "the ring-3 code", NULL, STATUS_MEMORY_NOT_ALLOCATED, { cur, USER_TEXT_BASE, 0, REL } },
        { "the process's own DevHelp buffer", NULL, STATUS_MEMORY_NOT_ALLOCATED, { cur, pf->ubuf, 0, REL } },
        { "an MDL's user mapping", NULL, STATUS_MEMORY_NOT_ALLOCATED, { cur, (uint32_t)pf->umap, 0, REL } },
        { "a system address", NULL, STATUS_MEMORY_NOT_ALLOCATED, { cur, fx->blk_va, 0, DEC } },
        { "another process's memory", NULL, STATUS_MEMORY_NOT_ALLOCATED, { cur, fx->other_va, 0, REL } },
    };
    const char *e = hrun_table(r, t_ZwFreeVirtualMemory, rows, ARRAY_SIZE(rows));
    /* The shared hostile ranges as MEM_RELEASE: none is this reservation from its base with size
     * 0 or its exact size - each is refused (which status depends on where it points). */
    for (uint32_t i = 0; !e && i < l.n; i++) {
        uint32_t a[4] = { cur, l.e[i].va, l.e[i].bytes, REL };
        if (l.e[i].va == vv && (l.e[i].bytes == 0 || l.e[i].bytes == 4 * P)) continue;
        uint32_t got = t_ZwFreeVirtualMemory(a);
        e = got == H_BROKEN || NT_SUCCESS((NTSTATUS)got) ? hrun_check(r, l.e[i].what, got, STATUS_UNABLE_TO_FREE_VM)
                                                         : hrun_check(r, l.e[i].what, 0, 0);
    }
    SIZE_T z = 0;
    ZwFreeVirtualMemory(NtCurrentProcess(), &v, &z, MEM_RELEASE);
    hrun_rebase(r);
    return e;
}
