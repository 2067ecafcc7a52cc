/*
 * tests/vxd/bad_input.c - vxd/bad-input/...: every service with zero counts, unaligned
 * values, reserved flag bits, ranges across two reservations, forged handles and pointers,
 * unlocks of unlocked pages.  Each call must give the documented failure value and cost
 * nothing (CHECK_COSTLESS: every count of struct mm_counts is the same before and after), and
 * the core's invariants must hold afterwards (mm_check here, and again by the harness).
 */
#include "tests/vxd/vxd_test.h"

/* Two adjacent 2-page reservations, a and a + 2 pages, both fully committed. */
static ULONG two_reservations(void)
{
    ULONG a = _PageReserve(PR_SYSTEM, 4, 0);
    if (a == VXD_ERR || _PageFree((PVOID)a, 0) != 1) return 0;
    if (_PageReserve(PG(a), 2, 0) != a || _PageReserve(PG(a) + 2, 2, 0) != a + 2 * PAGE_SIZE) return 0;
    if (_PageCommit(PG(a), 2, PD_ZEROINIT, 0, PC_WRITEABLE) != 1 ||
        _PageCommit(PG(a) + 2, 2, PD_ZEROINIT, 0, PC_WRITEABLE) != 1)
        return 0;
    return a;
}

static bool free_two(ULONG a)
{
    return _PageFree((PVOID)a, 0) == 1 && _PageFree((PVOID)(a + 2 * PAGE_SIZE), 0) == 1;
}

TEST(vxd_bad_alloc, "vxd/bad-input/pageallocate")
{
    struct mm_counts before;
    mm_counts_take(&before);
    ULONG pa = 0x1111;
    CHECK_COSTLESS(_PageAllocate(0, PG_SYS, 0, 0, 0, 0, NULL, 0), 0);
    CHECK_COSTLESS(_PageAllocate(0x100001, PG_SYS, 0, 0, 0, 0, NULL, 0), 0);
    CHECK_COSTLESS(_PageAllocate(0x40000, PG_SYS, 0, 0, 0, 0, NULL, 0), 0);          /* more than the arena */
    CHECK_COSTLESS(_PageAllocate(1, PG_RESERVED1, 0, 0, 0, 0, NULL, 0), 0);
    CHECK_COSTLESS(_PageAllocate(1, PG_INSTANCE, 0, 0, 0, 0, NULL, 0), 0);
    CHECK_COSTLESS(_PageAllocate(1, PG_IGNORE, 0, 0, 0, 0, NULL, 0), 0);
    CHECK_COSTLESS(_PageAllocate(1, PG_HOOKED, vxd_sys_vm() + 4, 0, 0, 0, NULL, 0), 0);   /* forged VM */
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEDEBUGNULFAULT), 0);     /* reserved bits */
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGENOCOPY), 0);
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, 0x01000000u), 0);
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEMAPGLOBAL), 0);
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGELOCKED | PAGELOCKEDIFDP), 0);
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, 0, 0, 0, 0x1000, &pa, PAGEUSEALIGN), 0);     /* needs PAGEFIXED */
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, 0, 5, 0, 0x1000, &pa, PAGEUSEALIGN | PAGEFIXED), 0);   /* mask */
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, 0, 0, 0x800, 0x800, &pa, PAGEUSEALIGN | PAGEFIXED), 0);  /* empty */
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, 0, 0, 0, 0x1000, (ULONG *)BAD_POINTER, PAGEUSEALIGN | PAGEFIXED), 0);
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, 0, 0, 0, 0x1000, (ULONG *)0x80100000u, PAGEUSEALIGN | PAGEFIXED), 0);  /* kernel text */
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, 0, 0, 0, 0x1000, (ULONG *)PFNDB_BASE, PAGEUSEALIGN | PAGEFIXED), 0);
    CHECK_EQ(pa, 0x1111);
    /* PAGEMAPFREEPHYSREG: init only, PG_SYS only, nothing else. */
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEMAPFREEPHYSREG), 0);
    CHECK_COSTLESS(vxd_run_init(vt_fpr_alloc, 0), 0);
    CHECK_EQ(vxd_edx, 0);
    CHECK_NOTHING_MOVED(&before);
    CHECK_MM_OK();
    return PASS;
}

TEST(vxd_bad_handles, "vxd/bad-input/reallocate-free-getsizeaddr")
{
    struct mm_counts before;
    mm_counts_take(&before);
    ULONG h = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    ULONG al = _PageAllocate(1, PG_SYS, 0, 0, 0, 0x100000, NULL, PAGEUSEALIGN | PAGEFIXED);
    ULONG r = _PageReserve(PR_SYSTEM, 2, 0);
    CHECK(h && al && r != VXD_ERR);
    static const ULONG forged[] = { 0, 1, 0x1000, 0x80100000u, BAD_POINTER, 0xFFFFFFFFu, PFNDB_BASE, PTE_BASE };
    for (unsigned i = 0; i < ARRAY_SIZE(forged); i++) {
        CHECK_COSTLESS(_PageFree((PVOID)forged[i], 0), 0);
        CHECK_COSTLESS(_PageReAllocate(forged[i], 1, 0), 0);
        CHECK_COSTLESS(_PageGetSizeAddr(forged[i], 0), 0);
        CHECK_EQ(vxd_edx, 0);
    }
    CHECK_COSTLESS(_PageFree((PVOID)(h + PAGE_SIZE), 0), 0);      /* part of a block */
    CHECK_COSTLESS(_PageFree((PVOID)(h + 4), 0), 0);              /* unaligned */
    CHECK_COSTLESS(_PageFree((PVOID)h, PR_FIXED), 0);             /* flags */
    CHECK_COSTLESS(_PageReAllocate(h + PAGE_SIZE, 1, 0), 0);
    CHECK_COSTLESS(_PageReAllocate(h, 0, 0), 0);
    CHECK_COSTLESS(_PageReAllocate(h, 1, PAGEFIXED), 0);          /* not a realloc flag */
    CHECK_COSTLESS(_PageReAllocate(h, 1, PAGELOCKED | PAGELOCKEDIFDP), 0);
    CHECK_COSTLESS(_PageReAllocate(r, 1, 0), 0);                  /* a reservation is not a block */
    CHECK_COSTLESS(_PageReAllocate(al, 2, 0), 0);                 /* PAGEUSEALIGN blocks stay */
    CHECK_COSTLESS(_PageGetSizeAddr(h, 1), 0);
    CHECK_COSTLESS(_PageGetSizeAddr(h + PAGE_SIZE, 0), 0);
    CHECK_EQ(_PageGetSizeAddr(h, 0), 2);                          /* all still there */
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    CHECK_COSTLESS(_PageFree((PVOID)h, 0), 0);                    /* twice */
    CHECK_COSTLESS(_PageGetSizeAddr(h, 0), 0);
    CHECK_EQ(_PageFree((PVOID)al, 0), 1);
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    CHECK_NOTHING_MOVED(&before);
    CHECK_MM_OK();
    return PASS;
}

TEST(vxd_bad_sparse, "vxd/bad-input/reserve-commit-decommit")
{
    struct mm_counts before;
    mm_counts_take(&before);
    CHECK_COSTLESS(_PageReserve(PR_SYSTEM, 0, 0), VXD_ERR);
    CHECK_COSTLESS(_PageReserve(PR_SYSTEM, 0x100001, 0), VXD_ERR);
    CHECK_COSTLESS(_PageReserve(PR_SYSTEM, 1, 0x2), VXD_ERR);                 /* reserved flag bits */
    CHECK_COSTLESS(_PageReserve(PR_SYSTEM, 1, 0x80000000u), VXD_ERR);
    CHECK_COSTLESS(_PageReserve(0x80000001u, 1, 0), VXD_ERR);                /* not an arena */
    CHECK_COSTLESS(_PageReserve(0x100000, 1, 0), VXD_ERR);                   /* past page 0xFFFFF */
    CHECK_COSTLESS(_PageReserve(0, 1, 0), VXD_ERR);                          /* the null page */
    CHECK_COSTLESS(_PageReserve(PG(0x7FFEF000u), 2, 0), VXD_ERR);            /* into the NT guard */
    CHECK_COSTLESS(_PageReserve(PG(SHARED_END) - 1, 2, 0), VXD_ERR);         /* across arenas */
    CHECK_COSTLESS(_PageReserve(PG(PTE_BASE), 1, 0), VXD_ERR);               /* the self-map */
    CHECK_COSTLESS(_PageReserve(PG(HYPER_START), 1, 0), VXD_ERR);
    CHECK_COSTLESS(_PageReserve(PG(PFNDB_BASE), 1, 0), VXD_ERR);
    CHECK_COSTLESS(_PageReserve(PG(0x80100000u), 1, 0), VXD_ERR);            /* the kernel image */
    ULONG a = two_reservations();
    CHECK(a);
    uint32_t p = PG(a);
    CHECK_COSTLESS(_PageCommit(p, 0, PD_ZEROINIT, 0, PC_WRITEABLE), 0);
    CHECK_COSTLESS(_PageCommit(0x100000, 1, PD_ZEROINIT, 0, PC_WRITEABLE), 0);
    CHECK_COSTLESS(_PageCommit(0xFFFFF, 2, PD_ZEROINIT, 0, PC_WRITEABLE), 0);   /* wraps */
    CHECK_COSTLESS(_PageDecommit(p + 1, 2, 0), 0);                              /* across two */
    CHECK_COSTLESS(_PageCommit(p + 1, 2, PD_ZEROINIT, 0, PC_WRITEABLE), 0);
    CHECK_COSTLESS(_PageCommit(p, 1, 0, 0, PC_WRITEABLE), 0);                  /* no such pager */
    CHECK_COSTLESS(_PageCommit(p, 1, 5, 0, PC_WRITEABLE), 0);
    CHECK_COSTLESS(_PageCommit(p, 1, PD_ZEROINIT, 1, PC_WRITEABLE), 0);        /* pagerdata */
    CHECK_COSTLESS(_PageCommit(p, 1, PD_ZEROINIT, 0, 0x00000001u), 0);         /* reserved bits */
    CHECK_COSTLESS(_PageCommit(p, 1, PD_ZEROINIT, 0, 0x01000000u), 0);
    CHECK_COSTLESS(_PageCommit(PG(0x80100000u), 1, PD_ZEROINIT, 0, PC_WRITEABLE), 0);   /* no reservation */
    CHECK_COSTLESS(_PageCommit(PG(_GetNulPageHandle()), 1, PD_ZEROINIT, 0, PC_WRITEABLE), 0);
    CHECK_COSTLESS(_PageDecommit(p, 0, 0), 0);
    CHECK_COSTLESS(_PageDecommit(p, 1, 1), 0);                                  /* flags */
    CHECK_COSTLESS(_PageDecommit(PG(0x80100000u), 1, 0), 0);                   /* the kernel image */
    CHECK_COSTLESS(_PageDecommit(PG(PFNDB_BASE), 1, 0), 0);
    for (uint32_t i = 0; i < 4; i++) CHECK(vt_writable(a + i * PAGE_SIZE));    /* untouched */
    CHECK(free_two(a));
    CHECK_NOTHING_MOVED(&before);
    CHECK_MM_OK();
    return PASS;
}

TEST(vxd_bad_phys, "vxd/bad-input/commitphys-commitcontig")
{
    struct mm_counts before;
    mm_counts_take(&before);
    ULONG a = two_reservations();
    CHECK(a);
    ULONG r = _PageReserve(PR_SYSTEM, 3, 0);
    CHECK(r != VXD_ERR);
    pfn_t freeframe = PFN_NONE;
    for (pfn_t f = pfn_max; f-- > 0x100;)
        if (pfn_db[f].state == PFN_FREE) { freeframe = f; break; }
    CHECK(freeframe != PFN_NONE);
    CHECK_COSTLESS(_PageCommitPhys(PG(r), 0, 0xA0, PC_WRITEABLE), 0);
    CHECK_COSTLESS(_PageCommitPhys(PG(r), 1, 0x100000, PC_WRITEABLE), 0);      /* past 4 GiB */
    CHECK_COSTLESS(_PageCommitPhys(PG(r), 2, 0xFFFFF, PC_WRITEABLE | PC_INCR), 0);
    CHECK_COSTLESS(_PageCommitPhys(PG(r), 1, 0xA0, PC_FIXED), 0);              /* not a CommitPhys flag */
    CHECK_COSTLESS(_PageCommitPhys(PG(r), 1, freeframe, PC_WRITEABLE), 0);     /* free RAM */
    CHECK_COSTLESS(_PageCommitPhys(PG(r), 1, x86_read_cr3() >> PAGE_SHIFT, 0), 0);   /* a directory */
    CHECK_COSTLESS(_PageCommitPhys(PG(r), 1, 0x100, PC_WRITEABLE), 0);         /* kernel code, writable */
    CHECK_COSTLESS(_PageCommitPhys(PG(a) + 1, 2, 0xA0, 0), 0);                 /* committed, and across */
    CHECK_COSTLESS(_PageCommitPhys(PG(r) + 2, 2, 0xA0, 0), 0);                 /* past the reservation */
    CHECK_COSTLESS(_PageCommitContig(PG(r), 0, PC_WRITEABLE, 0, 0, 0xFFFFFFFFu), VXD_ERR);
    CHECK_COSTLESS(_PageCommitContig(PG(r), 1, PC_WRITEABLE, 6, 0, 0xFFFFFFFFu), VXD_ERR);   /* mask */
    CHECK_COSTLESS(_PageCommitContig(PG(r), 1, PC_WRITEABLE, 0, 0x1000, 0x1000), VXD_ERR);   /* empty */
    CHECK_COSTLESS(_PageCommitContig(PG(r), 1, PC_FIXED, 0, 0, 0xFFFFFFFFu), VXD_ERR);
    CHECK_COSTLESS(_PageCommitContig(PG(r), 1, PCC_NOLIN | PC_USER, 0, 0, 0xFFFFFFFFu), VXD_ERR);
    CHECK_COSTLESS(_PageCommitContig(0, 0, PCC_NOLIN, 0, 0, 0xFFFFFFFFu), VXD_ERR);
    CHECK_COSTLESS(_PageCommitContig(0, 1, PCC_NOLIN, 0, 0x90, 0x100), VXD_ERR);   /* no free frame there */
    CHECK_COSTLESS(_PageCommitContig(PG(a) + 1, 2, PC_WRITEABLE, 0, 0, 0xFFFFFFFFu), VXD_ERR);
    CHECK_COSTLESS(_PageCommitContig(PG(r), 0x10000, PC_WRITEABLE, 0, 0, 0xFFFFFFFFu), VXD_ERR);
    CHECK(!vt_readable(r));
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    CHECK(free_two(a));
    CHECK_NOTHING_MOVED(&before);
    CHECK_MM_OK();
    return PASS;
}

TEST(vxd_bad_perm_query, "vxd/bad-input/modifypermissions-pagequery")
{
    struct mm_counts before;
    mm_counts_take(&before);
    MEMORY_BASIC_INFORMATION m;
    ULONG a = two_reservations();
    CHECK(a);
    uint32_t p = PG(a);
    CHECK_COSTLESS(_PageModifyPermissions(p, 0, ~PC_WRITEABLE, 0), VXD_ERR);
    CHECK_COSTLESS(_PageModifyPermissions(p + 1, 2, ~PC_WRITEABLE, 0), VXD_ERR);      /* across two */
    CHECK_COSTLESS(_PageModifyPermissions(p, 1, ~0u, PC_FIXED), VXD_ERR);             /* reserved or-bits */
    CHECK_COSTLESS(_PageModifyPermissions(p, 1, ~0u, 0x1), VXD_ERR);
    CHECK_COSTLESS(_PageModifyPermissions(0x100000, 1, ~0u, 0), VXD_ERR);
    CHECK_COSTLESS(_PageModifyPermissions(PG(0x80100000u), 1, ~0u, PC_WRITEABLE), VXD_ERR);   /* kernel text */
    CHECK(!vt_writable(0x80100000u));
    for (uint32_t i = 0; i < 4; i++) CHECK(vt_writable(a + i * PAGE_SIZE));
    CHECK_COSTLESS(_PageQuery(a, &m, sizeof m - 1), 0);
    CHECK_COSTLESS(_PageQuery(a, NULL, sizeof m), 0);
    CHECK_COSTLESS(_PageQuery(a, (PMEMORY_BASIC_INFORMATION)BAD_POINTER, sizeof m), 0);
    CHECK_COSTLESS(_PageQuery(a, (PMEMORY_BASIC_INFORMATION)0x80100000u, sizeof m), 0);  /* read-only */
    CHECK_COSTLESS(_PageQuery(a, (PMEMORY_BASIC_INFORMATION)(PFNDB_BASE + 64), sizeof m), 0);
    /* Into a page made read-only: the probe says no, nothing is written. */
    CHECK_EQ(_PageModifyPermissions(p + 3, 1, ~PC_WRITEABLE, 0), PC_WRITEABLE);
    CHECK_COSTLESS(_PageQuery(a, (PMEMORY_BASIC_INFORMATION)(a + 3 * PAGE_SIZE), sizeof m), 0);
    CHECK_EQ(*(volatile uint32_t *)(a + 3 * PAGE_SIZE), 0);
    CHECK(free_two(a));
    CHECK_NOTHING_MOVED(&before);
    CHECK_MM_OK();
    return PASS;
}

TEST(vxd_bad_lock, "vxd/bad-input/linpagelock-unlock")
{
    struct mm_counts before;
    mm_counts_take(&before);
    ULONG a = two_reservations();
    CHECK(a);
    uint32_t p = PG(a);
    ULONG un = _PageReserve(PR_SYSTEM, 1, 0);
    CHECK(un != VXD_ERR);
    CHECK_COSTLESS(_LinPageLock(p, 0, 0), 0);
    CHECK_COSTLESS(_LinPageLock(p + 1, 2, 0), 0);                     /* across two */
    CHECK_COSTLESS(_LinPageLock(p, 1, PAGEFIXED), 0);                 /* reserved bits */
    CHECK_COSTLESS(_LinPageLock(p, 1, 0x00000001u), 0);
    CHECK_COSTLESS(_LinPageLock(p, 1, PAGEMAPGLOBAL | PAGELOCKEDIFDP), 0);
    CHECK_COSTLESS(_LinPageLock(PG(un), 1, 0), 0);                    /* not committed */
    CHECK_COSTLESS(_LinPageLock(PG(un), 1, PAGEMAPGLOBAL), 0);
    CHECK_COSTLESS(_LinPageLock(0x100000, 1, 0), 0);
    CHECK_COSTLESS(_LinPageLock(0xFFFFF, 2, 0), 0);
    CHECK_COSTLESS(_LinPageLock(PG(PTE_BASE), 1, 0), 0);              /* the page tables */
    CHECK_COSTLESS(_LinPageLock(PG(PFNDB_BASE), 1, 0), 0);
    for (uint32_t i = 0; i < 4; i++) CHECK_EQ(vt_locks(a + i * PAGE_SIZE), 0);
    CHECK_COSTLESS(_LinPageUnLock(p, 1, 0), 0);                       /* never locked */
    CHECK_COSTLESS(_LinPageUnLock(p, 0, 0), 0);
    CHECK_EQ(_LinPageLock(p, 1, 0), 1);
    CHECK_COSTLESS(_LinPageUnLock(p, 2, 0), 0);                       /* page 2 is not locked */
    CHECK_EQ(vt_locks(a), 1);                                         /* and page 1 kept its lock */
    CHECK_COSTLESS(_LinPageUnLock(p, 1, 0x00000010u), 0);             /* reserved bits */
    CHECK_COSTLESS(_LinPageUnLock(p, 1, PAGEMAPGLOBAL), 0);           /* not an alias */
    CHECK_COSTLESS(_LinPageUnLock(p, 1, PAGEMAPGLOBAL | PL_TOTALUNLOCK), 0);
    CHECK_COSTLESS(_LinPageUnLock(PG(un), 1, 0), 0);
    CHECK_EQ(_LinPageUnLock(p, 1, 0), 1);
    ULONG g = _LinPageLock(p + 2, 2, PAGEMAPGLOBAL);
    CHECK(g);
    CHECK_COSTLESS(_LinPageUnLock(PG(g) + 1, 1, PAGEMAPGLOBAL), 0);   /* not the alias's start */
    CHECK_COSTLESS(_LinPageUnLock(PG(g), 3, PAGEMAPGLOBAL), 0);       /* not its size */
    CHECK_COSTLESS(_LinPageLock(PG(g), 1, 0), 0);                     /* aliases are not lockable */
    CHECK_COSTLESS(_PageFree((PVOID)g, 0), 0);                        /* nor freeable */
    CHECK_COSTLESS(_PageDecommit(PG(g), 2, 0), 0);
    CHECK_EQ(_LinPageUnLock(PG(g), 2, PAGEMAPGLOBAL), 1);
    CHECK_COSTLESS(_LinPageUnLock(PG(g), 2, PAGEMAPGLOBAL), 0);       /* twice */
    CHECK_EQ(_PageFree((PVOID)un, 0), 1);
    CHECK(free_two(a));
    CHECK_NOTHING_MOVED(&before);
    CHECK_MM_OK();
    return PASS;
}

TEST(vxd_bad_info, "vxd/bad-input/copypagetable-info")
{
    struct mm_counts before;
    mm_counts_take(&before);
    ULONG h = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(h);
    ULONG buf[4] = { 0x5A5A5A5A, 0x5A5A5A5A, 0x5A5A5A5A, 0x5A5A5A5A };
    CHECK_COSTLESS(_CopyPageTable(PG(h), 0, buf, 0), 0);
    CHECK_COSTLESS(_CopyPageTable(PG(h), 1, buf, 1), 0);             /* flags */
    CHECK_COSTLESS(_CopyPageTable(0x100000, 1, buf, 0), 0);
    CHECK_COSTLESS(_CopyPageTable(0xFFFFF, 2, buf, 0), 0);           /* past page 0xFFFFF */
    CHECK_COSTLESS(_CopyPageTable(PG(h), 1, NULL, 0), 0);
    CHECK_COSTLESS(_CopyPageTable(PG(h), 1, (ULONG *)BAD_POINTER, 0), 0);
    CHECK_COSTLESS(_CopyPageTable(PG(h), 1, (ULONG *)0x80100000u, 0), 0);   /* read-only text */
    CHECK_COSTLESS(_CopyPageTable(PG(h), 1, (ULONG *)(PFNDB_BASE + 16), 0), 0);
    CHECK_COSTLESS(_CopyPageTable(PG(h), 1, (ULONG *)(KPOOL_BASE + 16), 0), 0);
    CHECK_COSTLESS(_CopyPageTable(PG(INVALID_START) - 1, 2, buf, 0), 0);     /* ends under PDE 0x3FF (never present) */
    for (int i = 0; i < 4; i++) CHECK_EQ(buf[i], 0x5A5A5A5A);        /* untouched */
    CHECK_EQ(_CopyPageTable(PG(h), 2, buf, 0), 1);
    CHECK_EQ(buf[0] & ~PAGE_MASK, vt_pa(h));
    CHECK_EQ(buf[2], 0x5A5A5A5A);
    CHECK_COSTLESS(_GetFreePageCount(1), 0);
    CHECK_EQ(vxd_edx, 0);
    CHECK_COSTLESS(_PageGetAllocInfo(2), 0);
    CHECK_EQ(vxd_edx, 0);
    DemandInfoStruc d;
    memset(&d, 0x77, sizeof d);
    _GetDemandPageInfo(&d, 1);                                        /* flags: nothing written */
    CHECK_EQ(d.DIPhys_Count, 0x77777777);
    _GetDemandPageInfo((DemandInfoStruc *)BAD_POINTER, 0);           /* no fault, nothing done */
    _GetDemandPageInfo((DemandInfoStruc *)(PFNDB_BASE + 32), 0);
    _GetDemandPageInfo(NULL, 0);
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    CHECK_NOTHING_MOVED(&before);
    CHECK_MM_OK();
    return PASS;
}

TEST(vxd_bad_fpr, "vxd/bad-input/freephysreg")
{
    struct mm_counts before;
    mm_counts_take(&before);
    ULONG h = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    ULONG fpr = vt_freephys_region_gap_after(2);        /* last: nothing made here takes the gap */
    CHECK(fpr && h);
    uint32_t p = PG(fpr);
    CHECK_COSTLESS(_MapFreePhysReg(p, 0, 0), 0);
    CHECK_COSTLESS(_MapFreePhysReg(p, 3, 0), 0);                     /* past the region */
    CHECK_COSTLESS(_MapFreePhysReg(p, 1, PAGELOCKED), 0);            /* flags */
    CHECK_COSTLESS(_MapFreePhysReg(PG(h), 1, 0), 0);                 /* not a region */
    CHECK_COSTLESS(_MapFreePhysReg(0x100000, 1, 0), 0);
    CHECK_COSTLESS(_UnmapFreePhysReg(p, 1, 0), 0);                   /* not present */
    CHECK_COSTLESS(_UnmapFreePhysReg(PG(h), 1, 0), 0);
    CHECK_COSTLESS(_XchgFreePhysReg(PG(h), 0, 0), VXD_ERR);
    CHECK_COSTLESS(_XchgFreePhysReg(p + 2, 0, 0), VXD_ERR);          /* just past the region */
    CHECK_COSTLESS(_XchgFreePhysReg(0x100000, 0, 0), VXD_ERR);
    CHECK_COSTLESS(_XchgFreePhysReg(p, 0, 2), VXD_ERR);
    CHECK_COSTLESS(_XchgFreePhysReg(p, vt_pa(h), 0), VXD_ERR);       /* not in flight */
    CHECK_COSTLESS(_XchgFreePhysReg(p, 0xA0000, 0), VXD_ERR);
    CHECK_EQ(_MapFreePhysReg(p, 1, 0), 1);
    CHECK_COSTLESS(_UnmapFreePhysReg(p, 1, 1), 0);
    CHECK_COSTLESS(_UnmapFreePhysReg(p, 2, 0), 0);                   /* page 2 not present */
    CHECK(vt_readable(fpr));
    CHECK_EQ(_UnmapFreePhysReg(p, 1, 0), 1);
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    CHECK(vt_freephys_region_drop(fpr));
    CHECK_NOTHING_MOVED(&before);
    CHECK_MM_OK();
    return PASS;
}

TEST(vxd_bad_mapphys, "vxd/bad-input/mapphystolinear")
{
    uint32_t win = vxd_mapphys_window_free();
    struct mm_counts before;
    mm_counts_take(&before);
    pfn_t freeframe = PFN_NONE;
    for (pfn_t f = pfn_max; f-- > 0x100;)
        if (pfn_db[f].state == PFN_FREE) { freeframe = f; break; }
    CHECK_COSTLESS(_MapPhysToLinear(0xF0000, 0, 0), VXD_ERR);
    CHECK_COSTLESS(_MapPhysToLinear(0xFFFFF000u, 0x2000, 0), VXD_ERR);    /* past 4 GiB */
    CHECK_COSTLESS(_MapPhysToLinear(0xF0000, 16, 3), VXD_ERR);            /* flags */
    CHECK_COSTLESS(_MapPhysToLinear(0xF0000, 16, 0x100), VXD_ERR);
    CHECK_COSTLESS(_MapPhysToLinear(freeframe << PAGE_SHIFT, 16, 0), VXD_ERR);   /* free RAM */
    CHECK_COSTLESS(_MapPhysToLinear(x86_read_cr3(), 16, 0), VXD_ERR);     /* a directory */
    CHECK_COSTLESS(_MapPhysToLinear(0x100000, 16, 0), VXD_ERR);           /* the kernel image */
    CHECK_EQ(vxd_mapphys_window_free(), win);
    CHECK_NOTHING_MOVED(&before);
    CHECK_MM_OK();
    return PASS;
}
