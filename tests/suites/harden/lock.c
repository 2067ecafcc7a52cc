/*
 * tests/suites/harden/lock.c - harden/lock-*: lock sequences across the personalities that the
 * randomized stress and reviews found to break the kernel, kept as plain regression tests.
 *
 * Every lock has an owner (mm/core/lock.c): _LinPageLock's belong to the linear page, VMLock's to
 * its handle, an MDL's to the MDL, a PAGEMAPGLOBAL alias's to the alias, a fixed commit's pin
 * to its mapping.  When locks were anonymous per-frame counts:
 *   - PL_TOTALUNLOCK took a VMLock's or an MDL's lock, so the VMUnLock that came later found
 *     nothing (a panic, later a silent no-op) or took a fixed page's pin, and the frame could be
 *     freed and reused under the handle - whose VMUnLock then took the new owner's lock;
 *   - _LinPageUnLock(PAGEMAPGLOBAL) of an alias that was the last mapping of a frame a VMLock also
 *     held had to be refused;
 *   - _LinPageUnLock through an alias of a fixed page counted the page's pin as a lock.
 */
#include "tests/harness/test.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/vxd/vxd.h"
#include "mm/devhlp/devhlp.h"
#include "mm/ntmm/ntmm.h"
#include "tests/core/mm/frames.h"

#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)

/* VMLock, then PL_TOTALUNLOCK: refused (the page has no _LinPageLock; the VMLock's lock is not
 * its to take) and nothing changes; VMUnLock then takes exactly its own lock, and a fixed page
 * keeps its pin. */
static const char *total_then_vmunlock(ULONG alloc_flags, uint32_t pins)
{
    KernVMLock_t h;
    ULONG blk = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, alloc_flags);
    CHECK(blk);
    CHECK(_LinPageLock(PG(blk), 1, 0));                   /* make the page present */
    CHECK(_LinPageUnLock(PG(blk), 1, 0));
    pfn_t f = frame_of(blk);
    CHECK_EQ(DevHelp_VMLock(0, blk, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    CHECK_EQ(mm_frame_locks(f), pins + 1);
    CHECK_EQ(_LinPageUnLock(PG(blk), 1, PL_TOTALUNLOCK), 0);
    CHECK_EQ(mm_frame_locks(f), pins + 1);
    CHECK(_LinPageLock(PG(blk), 1, 0));
    CHECK(_LinPageLock(PG(blk), 1, 0));
    CHECK_EQ(_LinPageUnLock(PG(blk), 1, PL_TOTALUNLOCK), 1);   /* its own two, not the VMLock's */
    CHECK_EQ(mm_frame_locks(f), pins + 1);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(mm_frame_locks(f), pins);
    CHECK_EQ(pfn_db[f].pins, pins);
    CHECK_EQ(_PageFree((PVOID)blk, 0), 1);
    return PASS;
}

TEST(harden_lock_total_vmunlock, "harden/lock-total-unlock-then-vmunlock")
{
    TRY(total_then_vmunlock(0, 0));
    TRY(total_then_vmunlock(PAGEFIXED, 1));
    return PASS;
}

/* The same through an MDL: PL_TOTALUNLOCK cannot take the MDL's lock. */
TEST(harden_lock_total_mdl, "harden/lock-total-unlock-then-mdl")
{
    ULONG blk = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(blk);
    pfn_t f = frame_of(blk);
    PMDL m = IoAllocateMdl((PVOID)blk, PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(m);
    CHECK_EQ(MmProbeAndLockPagesEx(m, KernelMode, IoReadAccess), STATUS_SUCCESS);
    CHECK_EQ(mm_frame_locks(f), 2);
    CHECK_EQ(_LinPageUnLock(PG(blk), 1, PL_TOTALUNLOCK), 0);
    CHECK_EQ(mm_frame_locks(f), 2);
    MmUnlockPages(m);
    IoFreeMdl(m);
    CHECK_EQ(mm_frame_locks(f), 1);                       /* the pin, and only the pin */
    CHECK_EQ(pfn_db[f].pins, 1);
    CHECK_EQ(_PageFree((PVOID)blk, 0), 1);
    return PASS;
}

/* A PAGEMAPGLOBAL alias left as the last mapping of a frame a VMLock also holds: the release
 * succeeds (the alias and its lock go), the VMLock keeps the frame - unmapped, contents intact -
 * and VMUnLock gives it back. */
TEST(harden_lock_alias_release, "harden/lock-alias-release-leaves-vmlock")
{
    KernVMLock_t h;
    ULONG blk = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(blk);
    ULONG alias = _LinPageLock(PG(blk), 1, PAGEMAPGLOBAL);
    CHECK(alias);
    pfn_t f = frame_of(blk);
    *(volatile uint32_t *)alias = 0xA11A5ED;
    CHECK_EQ(DevHelp_VMLock(0, alias, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    CHECK_EQ(_PageFree((PVOID)blk, 0), 1);                 /* the alias keeps the frame */
    CHECK_EQ(mm_frame_locks(f), 2);                        /* the alias's and the VMLock's */
    uint32_t free = mm_free_frames();
    CHECK_EQ(_LinPageUnLock(PG(alias), 1, PAGEMAPGLOBAL), 1);
    CHECK(!(pte_read(alias) & PTE_P));
    CHECK_EQ(mm_frame_locks(f), 1);
    CHECK_EQ(pfn_db[f].state, PFN_USED);
    CHECK_EQ(mm_free_frames(), free);
    uint32_t *k = hyper_map(f);
    uint32_t v = k[0];
    hyper_unmap(k);
    CHECK_EQ(v, 0xA11A5ED);
    CHECK_EQ(_LinPageUnLock(PG(alias), 1, PAGEMAPGLOBAL), 0);   /* gone: a second release fails */
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(pfn_db[f].state, PFN_FREE);
    CHECK_EQ(mm_free_frames(), free + 1);
    return PASS;
}

/* _LinPageUnLock through a view of a fixed page that nobody locked: 0, and nothing changes. */
TEST(harden_lock_pin_through_view, "harden/lock-pin-not-a-lock-through-a-view")
{
    LIN blk, view;
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &blk, NULL), NO_ERROR);
    CHECK_EQ(DevHelp_VMGlobalToProcess(VMDHGP_WRITE, blk, PAGE_SIZE, &view), NO_ERROR);
    pfn_t f = frame_of(blk);
    CHECK_EQ(mm_frame_locks(f), 1);                       /* the pin */
    CHECK_EQ(_LinPageUnLock(PG(view), 1, 0), 0);
    CHECK_EQ(_LinPageUnLock(PG(view), 1, PL_TOTALUNLOCK), 0);
    CHECK_EQ(mm_frame_locks(f), 1);
    CHECK(_LinPageLock(PG(view), 1, 0));                   /* a real lock, through the view */
    CHECK_EQ(_LinPageUnLock(PG(view), 1, 0), 1);
    CHECK_EQ(mm_frame_locks(f), 1);
    CHECK_EQ(DevHelp_VMFree(view), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(blk), NO_ERROR);
    return PASS;
}
