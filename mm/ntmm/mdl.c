/*
 * mm/ntmm/mdl.c - memory descriptor lists: IoAllocateMdl / IoFreeMdl, MmBuildMdlForNonPagedPool,
 * MmProbeAndLockPages(Ex) / MmUnlockPages.  (Mapping an MDL: mm/ntmm/mdlmap.c.)
 *
 * An MDL describes a buffer (StartVa + ByteOffset, ByteCount) and, once built or locked, the
 * frame behind each of its pages in the PFN array that follows the 28-byte header.  Locking
 * makes a core lock record (mm/core/lock.c) owning one lock on each frame: locked for the other
 * personalities too, never moved, and never freed while the record lives - if the buffer is
 * freed first, its frames stay allocated until MmUnlockPages.  Unlocking releases that record,
 * whatever the caller has written into the PFN array since, so the buffer's process need not be
 * current and an edited array cannot release someone else's lock.
 */
#include "mm/ntmm/ntmm.h"
#include "mm/x86.h"

static void fill_list_head(PMDL mdl, ULONG n)
{
    for (ULONG i = 0; i < n; i++) MmGetMdlPfnArray(mdl)[i] = LIST_HEAD_PFN;
}

/* MDLs are caller memory, and a caller can write anything into one.  Two lists keep hostile
 * MDLs from touching what is not theirs:
 *   - IoAllocateMdl's MDLs sit behind a header on a list of live MDLs: IoFreeMdl frees only one
 *     of those (anything else would corrupt the pool);
 *   - MDLs MmProbeAndLockPages locked and MmUnlockPages has not unlocked yet: MmUnlockPages
 *     unlocks only those, so an MDL written by hand (PAGES_LOCKED, frames someone else locked)
 *     cannot take other callers' locks. */
struct mdl_hdr { struct mdl_hdr *next; uint32_t pad[3]; };      /* 16 bytes: the MDL stays 16-aligned */
static struct mdl_hdr *live_mdls;
struct mdl_lock { PMDL mdl; mm_lock_t rec; struct mdl_lock *next; };
static struct mdl_lock *locked_mdls;

static struct mdl_lock **lock_record(PMDL mdl)
{
    struct mdl_lock **pp = &locked_mdls;
    while (*pp && (*pp)->mdl != mdl) pp = &(*pp)->next;
    return pp;
}

/* The MDL's lock record goes with it: its locks are released (an MDL freed while locked
 * would otherwise pin its frames for ever, with nothing left that could unlock them). */
static void lock_forget(PMDL mdl)
{
    struct mdl_lock **pp = lock_record(mdl), *l = *pp;
    if (!l) return;
    *pp = l->next;
    mm_unlock_record(l->rec);
    kfree(l);
}

/*
 * IoAllocateMdl - an MDL for [va, va + length), optionally attached to an IRP.
 * NT: NULL on failure; ChargeQuota must be FALSE; with an IRP, SecondaryBuffer = FALSE sets
 *   Irp->MdlAddress and TRUE appends to the chain.  Maximum length: 4 GiB - 4 KiB from Windows 7.
 * ReactOS: length & 0x80000000 -> NULL; up to 23 pages a fixed-size MDL (28 + 23 * 4 bytes) from a
 *   lookaside list with MDL_ALLOCATED_FIXED_SIZE; more pages: the exact size, NULL above 0xFFFF;
 *   then MmInitializeMdl (Size = 28 + 4 * pages).
 * Ours: ReactOS's sizes and flags, from kmalloc (no lookaside); ChargeQuota is ignored; a
 * secondary buffer on an IRP without one becomes its first MDL (ReactOS dereferences NULL).
 * MmInitializeMdl also clears Process and MappedSystemVa (pool memory is not zeroed).
 */
PMDL IoAllocateMdl(PVOID va, ULONG length, BOOLEAN secondary, BOOLEAN charge_quota, PIRP irp)
{
    (void)charge_quota;
    if (length & 0x80000000u) return NULL;
    ULONG pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, length);
    size_t size = sizeof(MDL) + sizeof(PFN_NUMBER) * (pages <= MDL_FIXED_PAGES ? MDL_FIXED_PAGES : pages);
    if (size > 0xFFFFu) return NULL;
    struct mdl_hdr *h = kmalloc(sizeof *h + size);
    if (!h) return NULL;
    h->next = live_mdls;
    live_mdls = h;
    PMDL mdl = (PMDL)(h + 1);
    MmInitializeMdl(mdl, va, length);
    if (pages <= MDL_FIXED_PAGES) mdl->MdlFlags |= MDL_ALLOCATED_FIXED_SIZE;
    if (irp) {
        PMDL *pp = &irp->MdlAddress;
        if (secondary)
            while (*pp) pp = &(*pp)->Next;
        *pp = mdl;
    }
    return mdl;
}

/* NT/ReactOS: returns the MDL to its lookaside list or pool; the caller unlocks and unmaps first;
 *   freeing anything else corrupts the pool or bug checks.
 * Ours: NULL does nothing; a pointer that is not a live IoAllocateMdl MDL (freed already, made
 * elsewhere, the middle of one) is reported as BAD_POOL_CALLER 0x46 (free of an invalid pool
 * address) through the non-halting KeBugCheckEx and nothing is freed.  A still-locked MDL is the
 * caller's bug: its locks are released with it (a frame whose buffer is gone is freed then); a
 * still-mapped one leaks its system mapping, which keeps its frames. */
VOID IoFreeMdl(PMDL mdl)
{
    if (!mdl) return;
    for (struct mdl_hdr **pp = &live_mdls; *pp; pp = &(*pp)->next) {
        struct mdl_hdr *h = *pp;
        if ((PMDL)(h + 1) != mdl) continue;
        *pp = h->next;
        lock_forget(mdl);
        kfree(h);
        return;
    }
    KeBugCheckEx(BAD_POOL_CALLER, 0x46, (ULONG_PTR)mdl, 0, 0);
}

/*
 * MmBuildMdlForNonPagedPool - fill the PFN array of an MDL over resident system memory.
 * NT/ReactOS: precondition (asserted): none of PAGES_LOCKED, MAPPED_TO_SYSTEM_VA,
 *   SOURCE_IS_NONPAGED_POOL, PARTIAL.  Process = NULL, MappedSystemVa = StartVa + ByteOffset,
 *   PFNs from the PTEs, MDL_SOURCE_IS_NONPAGED_POOL, and MDL_IO_SPACE if the last frame has no
 *   PFN-database entry.  No lock is taken: the memory is resident by definition.
 * Ours: the same; the frames come from the self-map walk (4 MiB pages included).  If the
 * precondition is violated nothing changes; if a page is not present the PFN array is filled
 * with LIST_HEAD and no flag is set.  An MDL whose ByteCount needs more PFN entries than its
 * Size has room for (reused with a larger ByteCount, or Size written by hand) is left unchanged:
 * NT and ReactOS write the entries past the MDL, over whatever follows it (in the pool, the next
 * block's header).  "Nonpaged pool" here is any resident memory: kmalloc
 * blocks, the kernel image, committed system pages, I/O mappings.
 */
VOID MmBuildMdlForNonPagedPool(PMDL mdl)
{
    if ((mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL)) ||
        !ntmm_mdl_fits(mdl))
        return;
    ULONG n = ntmm_mdl_pages(mdl);
    PPFN_NUMBER pfns = MmGetMdlPfnArray(mdl);
    for (ULONG i = 0; i < n; i++) {
        uint32_t bits;
        if (!mm_translate((vaddr_t)mdl->StartVa + i * PAGE_SIZE, &pfns[i], &bits)) {
            fill_list_head(mdl, n);
            return;
        }
    }
    mdl->Process = NULL;
    mdl->MappedSystemVa = MmGetMdlVirtualAddress(mdl);
    mdl->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
    if (n && !mm_frame_is_ram(pfns[n - 1])) mdl->MdlFlags |= MDL_IO_SPACE;
}

/* Touches one byte of every page (and writes it back when asked), under NT_TRY: a fault that
 * the core cannot resolve (demand-zero pages are resolved, i.e. faulted in) becomes a status.
 * A present page of I/O space is not touched: there is nothing to fault in, and a byte read of
 * a device register is not harmless (the HPET allows only 32/64-bit accesses; Bochs panics).
 * The touch is in a user-access window (SMAP); a fault in it longjmps to NT_TRY, whose saved
 * EFLAGS has AC clear, so the window closes either way. */
static NTSTATUS probe_pages(vaddr_t first_page, ULONG n, bool write)
{
    NT_TRY_FRAME t;
    volatile ULONG i = 0;                             /* the page a fault stopped at */
    if (NT_TRY(&t)) {
        for (i = 0; i < n; i++) {
            pfn_t f;
            uint32_t bits;
            if (mm_translate(first_page + i * PAGE_SIZE, &f, &bits) && !mm_frame_is_ram(f)) continue;
            volatile UCHAR *p = (volatile UCHAR *)(first_page + i * PAGE_SIZE);
            x86_user_access_begin();
            UCHAR c = *p;
            if (write) *p = c;
            x86_user_access_end();
        }
        NT_TRY_END(&t);
        return STATUS_SUCCESS;
    }
    /* A page still in swap after its fault: the disk failed the read (NT: the I/O status of the
     * page-in, STATUS_IN_PAGE_ERROR), not a bad address. */
    if (i < n && mm_page_in_swap(first_page + i * PAGE_SIZE)) return STATUS_IN_PAGE_ERROR;
    return NtExceptionStatus(&t);
}

/* Is every page committed (present or demand-zero), with entries that allow the access (need:
 * MM_PROT_WRITE, MM_PROT_USER)?  Asked before the probe touches anything, so that a probe that will be refused
 * faults no demand-zero page in on its way to the page it refuses.  mm_translate answers the
 * access for demand-zero pages too (MM_PROT_* are the PTE bit values). */
static bool pages_allow(vaddr_t first_page, ULONG n, uint32_t need)
{
    uint32_t absent;
    if (mm_scan_committed(first_page, n, &absent) != n) return false;
    for (ULONG i = 0; need && i < n; i++) {
        pfn_t f;
        uint32_t prot;
        mm_translate(first_page + i * PAGE_SIZE, &f, &prot);
        if ((prot & need) != need) return false;
    }
    return true;
}

/* Fills the PFN array after checking each entry allows the access, then locks every frame in
 * one core record (all or nothing).  Sets *io when a frame is not RAM. */
static NTSTATUS lock_pages(PMDL mdl, vaddr_t first_page, ULONG n, uint32_t need, bool *io, mm_lock_t *rec)
{
    PPFN_NUMBER pfns = MmGetMdlPfnArray(mdl);
    for (ULONG i = 0; i < n; i++) {
        pfn_t f;
        uint32_t bits;
        if (!mm_translate(first_page + i * PAGE_SIZE, &f, &bits) || (bits & need) != need)
            return STATUS_ACCESS_VIOLATION;
        pfns[i] = f;
        if (!mm_frame_is_ram(f)) *io = true;
    }
    mm_status st = mm_lock_record_frames(pfns, n, rec);
    return st == MM_OK ? STATUS_SUCCESS : st == MM_EINVAL ? STATUS_ACCESS_VIOLATION : STATUS_INSUFFICIENT_RESOURCES;
}

/*
 * MmProbeAndLockPagesEx - MmProbeAndLockPages returning its status instead of raising it.
 * NT: must be called in __try; raises STATUS_ACCESS_VIOLATION (or another status) on failure; a
 *   locked MDL may not be locked again before MmUnlockPages.
 * ReactOS (the NT DDK): asserts ByteCount != 0, ByteOffset < 4096, StartVa page-aligned,
 *   none of PAGES_LOCKED, MAPPED_TO_SYSTEM_VA, SOURCE_IS_NONPAGED_POOL, PARTIAL, IO_SPACE.
 *   UserMode: an end above MM_USER_PROBE_ADDRESS (0x7FFF0000) or a wrapping range sets
 *   Pfn[0] = LIST_HEAD and raises access violation.  Reads one byte of every page, and for user
 *   addresses and a write operation writes it too; a fault clears Process and re-raises.  Then, per
 *   page, a write to a non-writable page is an access violation (copy-on-write aside), each frame
 *   gets a reference and a lock, frames without a PFN entry set MDL_IO_SPACE; on failure the
 *   partial array is unlocked.  MDL_WRITE_OPERATION for Write/Modify, MDL_PAGES_LOCKED; Process =
 *   current for user addresses, NULL for kernel ones.  Large-page buffers are not supported.
 * Ours: the same steps, and -
 *   - a violated precondition (including ByteCount == 0 and an MDL whose Size is too small for
 *     its pages) returns STATUS_INVALID_PARAMETER and changes nothing;
 *   - UserMode also requires each page to be ring-3 accessible (PTE and PDE U bits);
 *   - KernelMode buffers in the self-map, hyperspace or 0xFFC00000+ are access violations;
 *   - buffers in 4 MiB pages are supported (the frame is PDE frame + page index, as NT does);
 *   - STATUS_INSUFFICIENT_RESOURCES when the pool has no room to record the lock (see the top),
 *     or when a frame's lock count would pass its limit (2^32 - 2^16);
 *   - every page is checked (committed, and W/U as the access needs) before the first is
 *     touched, and the lock's record is allocated before it too: a refused probe faults nothing
 *     in.  Only running out of frames while faulting demand-zero pages in can leave the pages
 *     faulted in so far present (they stay committed to their owner; the touch is the probe);
 *   - on any failure nothing stays locked, every PFN entry is LIST_HEAD and Process is NULL;
 *   - MDL_IO_SPACE frames are "locked" as I/O: the core keeps no count for them;
 *   - a page the pager has written out is read back by the probe's touch (then locked: it stays
 *     until MmUnlockPages); a read the swap disk fails is STATUS_IN_PAGE_ERROR, as NT's page-in
 *     I/O status, with the page left committed and in swap.
 */
NTSTATUS MmProbeAndLockPagesEx(PMDL mdl, KPROCESSOR_MODE mode, LOCK_OPERATION op)
{
    ULONG n = ntmm_mdl_pages(mdl);
    if (!mdl->ByteCount || mdl->ByteOffset >= PAGE_SIZE || BYTE_OFFSET(mdl->StartVa) ||
        (mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL |
                          MDL_PARTIAL | MDL_IO_SPACE)) ||
        !ntmm_mdl_fits(mdl))
        return STATUS_INVALID_PARAMETER;
    vaddr_t start = (vaddr_t)MmGetMdlVirtualAddress(mdl), first_page = PAGE_ALIGN_DOWN(start);
    uint64_t end = (uint64_t)start + mdl->ByteCount;
    bool user_va = start <= HIGHEST_USER_ADDRESS, write = op != IoReadAccess;
    NTSTATUS st = STATUS_SUCCESS;
    if (end > 0x100000000ull || (mode == UserMode && end > USER_PROBE_ADDRESS))
        st = STATUS_ACCESS_VIOLATION;
    else if (mode == KernelMode && end > PTE_BASE && start < SYSTEM_START)
        st = STATUS_ACCESS_VIOLATION;                 /* the page tables and hyperspace */
    uint32_t need = (write ? MM_PROT_WRITE : 0) | (mode == UserMode ? MM_PROT_USER : 0);
    if (st == STATUS_SUCCESS && !pages_allow(first_page, n, need)) st = STATUS_ACCESS_VIOLATION;
    struct mdl_lock *rec = st == STATUS_SUCCESS ? kmalloc(sizeof *rec) : NULL;
    if (st == STATUS_SUCCESS && !rec) st = STATUS_INSUFFICIENT_RESOURCES;
    if (st == STATUS_SUCCESS) st = probe_pages(first_page, n, write && user_va);
    bool io = false;
    mm_lock_t core = NULL;
    if (st == STATUS_SUCCESS) st = lock_pages(mdl, first_page, n, need, &io, &core);
    if (st != STATUS_SUCCESS) {
        kfree(rec);
        fill_list_head(mdl, n);
        mdl->Process = NULL;
        return st;
    }
    *rec = (struct mdl_lock){ mdl, core, locked_mdls };
    locked_mdls = rec;
    mdl->Process = user_va ? as_current() : NULL;
    mdl->MdlFlags = (CSHORT)((mdl->MdlFlags & ~MDL_WRITE_OPERATION) | MDL_PAGES_LOCKED |
                             (write ? MDL_WRITE_OPERATION : 0) | (io ? MDL_IO_SPACE : 0));
    return STATUS_SUCCESS;
}

/* NT: raises on failure (use inside NT_TRY).  Ours: MmProbeAndLockPagesEx, then ExRaiseStatus. */
VOID MmProbeAndLockPages(PMDL mdl, KPROCESSOR_MODE mode, LOCK_OPERATION op)
{
    NTSTATUS st = MmProbeAndLockPagesEx(mdl, mode, op);
    if (!NT_SUCCESS(st)) ExRaiseStatus(st);
}

/*
 * MmUnlockPages - release what MmProbeAndLockPages locked.
 * NT/ReactOS: requires PAGES_LOCKED, not SOURCE_IS_NONPAGED_POOL, not PARTIAL (asserted).  A
 *   system mapping (MAPPED_TO_SYSTEM_VA) is unmapped first; the frames' locks are dropped up to the
 *   first LIST_HEAD; PAGES_LOCKED and IO_SPACE are cleared.
 * Ours: the same result.  An MDL that is not locked (or a nonpaged-pool or partial one), one
 * MmProbeAndLockPages did not lock (written by hand), or whose ByteCount outgrew its Size since
 * (the entries past Size are not its own), is left unchanged.  The locks dropped are the ones
 * this MDL's lock record holds - the frames it locked - not what the PFN array says now: a
 * caller that edited the array after locking cannot unlock a frame someone else locked.  The
 * system mapping is removed and the record released before we return, so callers see NT's order;
 * a frame whose buffer was freed meanwhile goes back to the free list here.
 */
VOID MmUnlockPages(PMDL mdl)
{
    struct mdl_lock **pp = lock_record(mdl), *l = *pp;
    if ((mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL)) != MDL_PAGES_LOCKED ||
        !ntmm_mdl_fits(mdl) || !l)
        return;
    PVOID mapped = (mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) ? mdl->MappedSystemVa : NULL;
    if (mapped) MmUnmapLockedPages(mapped, mdl);
    mm_unlock_record(l->rec);
    *pp = l->next;
    kfree(l);
    mdl->MdlFlags &= ~(MDL_PAGES_LOCKED | MDL_IO_SPACE);
}
