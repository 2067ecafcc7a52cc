/*
 * harden_lock_tests.c - stress/harden-lock-*: the lock-count sequences the randomized stress
 * found to break the kernel, kept as plain regression tests.
 *
 * Locks are counts per frame shared by the three personalities, and _LinPageUnLock's
 * PL_TOTALUNLOCK forces a page's count down whoever took the locks.  Before issue 10:
 *   - VMLock, PL_TOTALUNLOCK, VMUnLock: the VMUnLock found the frame unlocked and pfn_unlock
 *     panicked ("frame is not locked");
 *   - the same with a fixed page: VMUnLock (or MmUnlockPages) took the fixed commit's pin, and
 *     freeing the page later would unpin a lock that was gone (mm_check: pins > locks);
 *   - _LinPageUnLock(PAGEMAPGLOBAL) of an alias that is the last mapping of a frame someone else
 *     also locked returned 0 - but had already dropped the alias's lock;
 *   - _LinPageUnLock through an alias of a fixed page (a VMGlobalToProcess view) counted the
 *     page's pin as a lock and reported success while the core unlocked nothing.
 */
#include "kernel/test.h"
#include "mm/mm.h"
#include "mm/pte.h"
#include "mm/vxd.h"
#include "mm/devhlp.h"
#include "mm/ntmm.h"

#define PG(va) ((uint32_t)(va) >> PAGE_SHIFT)

static pfn_t frame_of(vaddr_t va) { return pte_pfn(pte_read(va)); }

/* VMLock, then PL_TOTALUNLOCK takes its lock, then VMUnLock: nothing to take, no panic, and a
 * fixed page keeps its pin. */
static const char *total_then_vmunlock(ULONG alloc_flags, uint16_t pins)
{
    KernVMLock_t h;
    ULONG blk = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, alloc_flags);
    CHECK(blk);
    CHECK(_LinPageLock(PG(blk), 1, 0));                   /* make the page present */
    CHECK(_LinPageUnLock(PG(blk), 1, 0));
    pfn_t f = frame_of(blk);
    CHECK_EQ(DevHelp_VMLock(0, blk, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    CHECK_EQ(mm_frame_locks(f), pins + 1);
    CHECK_EQ(_LinPageUnLock(PG(blk), 1, PL_TOTALUNLOCK), 1);
    CHECK_EQ(mm_frame_locks(f), pins);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);         /* its lock is gone already */
    CHECK_EQ(mm_frame_locks(f), pins);
    CHECK_EQ(pfn_db[f].pins, pins);
    CHECK_EQ(_PageFree((PVOID)blk, 0), 1);
    return PASS;
}

TEST(harden_lock_total_vmunlock, "stress/harden-lock-total-unlock-then-vmunlock")
{
    TRY(total_then_vmunlock(0, 0));
    TRY(total_then_vmunlock(PAGEFIXED, 1));
    return PASS;
}

/* The same through an MDL: MmUnlockPages after PL_TOTALUNLOCK leaves a fixed page's pin. */
TEST(harden_lock_total_mdl, "stress/harden-lock-total-unlock-then-mdl")
{
    ULONG blk = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(blk);
    pfn_t f = frame_of(blk);
    PMDL m = IoAllocateMdl((PVOID)blk, PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(m);
    CHECK_EQ(MmProbeAndLockPagesEx(m, KernelMode, IoReadAccess), STATUS_SUCCESS);
    CHECK_EQ(mm_frame_locks(f), 2);
    CHECK_EQ(_LinPageUnLock(PG(blk), 1, PL_TOTALUNLOCK), 1);
    MmUnlockPages(m);
    IoFreeMdl(m);
    CHECK_EQ(mm_frame_locks(f), 1);                       /* the pin, and only the pin */
    CHECK_EQ(pfn_db[f].pins, 1);
    CHECK_EQ(_PageFree((PVOID)blk, 0), 1);
    return PASS;
}

/* A PAGEMAPGLOBAL alias left as the last mapping of a frame a VMLock also holds: the release is
 * refused and changes nothing; after VMUnLock it goes. */
TEST(harden_lock_alias_refusal, "stress/harden-lock-alias-release-refused-cleanly")
{
    KernVMLock_t h;
    ULONG blk = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(blk);
    ULONG alias = _LinPageLock(PG(blk), 1, PAGEMAPGLOBAL);
    CHECK(alias);
    pfn_t f = frame_of(blk);
    CHECK_EQ(DevHelp_VMLock(0, alias, PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    CHECK_EQ(_PageFree((PVOID)blk, 0), 1);                 /* the alias keeps the frame */
    CHECK_EQ(mm_frame_locks(f), 2);                        /* the alias's and the VMLock's */
    CHECK_EQ(_LinPageUnLock(PG(alias), 1, PAGEMAPGLOBAL), 0);
    CHECK_EQ(mm_frame_locks(f), 2);                        /* refused: nothing changed */
    CHECK_EQ(frame_of(alias), f);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(_LinPageUnLock(PG(alias), 1, PAGEMAPGLOBAL), 1);
    CHECK(!(pte_read(alias) & PTE_P));
    return PASS;
}

/* _LinPageUnLock through a view of a fixed page that nobody locked: 0, and nothing changes. */
TEST(harden_lock_pin_through_view, "stress/harden-lock-pin-not-a-lock-through-a-view")
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
