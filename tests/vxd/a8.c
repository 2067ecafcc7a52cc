/*
 * tests/vxd/a8.c - the twelve Win9x behaviours the VMM reference suggests, one test each, in
 * A.8's order and named by what it checks, on the real MMU: every mapping is read or written
 * through, every protection faults.
 */
#include "tests/vxd/vxd_test.h"

TEST(vxd_pageallocate_vm_rules, "vxd/pageallocate-count-and-vm-handle-rules")
{
    CHECK_COSTLESS(_PageAllocate(0, PG_SYS, 0, 0, 0, 0, NULL, 0), 0);
    CHECK_EQ(vxd_edx, 0);                                /* EAX = EDX = 0 on error */
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, vxd_sys_vm(), 0, 0, 0, NULL, 0), 0);   /* PG_SYS: VM must be 0 */
    CHECK_COSTLESS(_PageAllocate(1, PG_SYS, 1, 0, 0, 0, NULL, PAGEFIXED), 0);
    CHECK_COSTLESS(_PageAllocate(1, PG_VM, 0, 0, 0, 0, NULL, 0), 0);               /* PG_VM: needs a VM */
    CHECK_COSTLESS(_PageAllocate(1, PG_VM, 0xC0DE0000u, 0, 0, 0, NULL, 0), 0);     /* forged VM handle */
    /* The good forms work: PG_SYS in the system arena, PG_VM / PG_HOOKED in the shared arena. */
    ULONG s = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, 0);
    ULONG v = _PageAllocate(1, PG_VM, vxd_sys_vm(), 0, 0, 0, NULL, 0);
    ULONG k = _PageAllocate(1, PG_HOOKED, vxd_sys_vm(), 0, 0, 0, NULL, PAGEFIXED);
    CHECK(s >= SYSTEM_START && s < SYSTEM_END);
    CHECK(v >= SHARED_START && v < SHARED_END && k >= SHARED_START && k < SHARED_END);
    CHECK_EQ(vxd_edx, k);
    *(volatile uint32_t *)s = 1;
    uwrite(v, 2);                                        /* PG_VM / PG_HOOKED: user pages */
    uwrite(k, 3);
    CHECK_EQ(uread(v) + uread(k), 5);
    CHECK_EQ(_PageFree((PVOID)s, 0), 1);
    CHECK_EQ(_PageFree((PVOID)v, 0), 1);
    CHECK_EQ(_PageFree((PVOID)k, 0), 1);
    return PASS;
}

TEST(vxd_pageallocate_usealign, "vxd/pageallocate-usealign-contig-fixed-below-16m")
{
    ULONG phys = 0xDEAD1234u;
    ULONG h = _PageAllocate(4, PG_SYS, 0, 0x0F, 0, 0x1000, &phys, PAGEUSEALIGN | PAGECONTIG | PAGEFIXED | PAGEZEROINIT);
    CHECK(h);
    CHECK_EQ(phys % 0x10000, 0);                         /* 64 KiB-aligned */
    CHECK(phys + 4 * PAGE_SIZE <= 0x1000000);            /* below 16 MiB */
    ULONG ptes[4];
    CHECK_EQ(_CopyPageTable(PG(h), 4, ptes, 0), 1);
    for (uint32_t i = 0; i < 4; i++) {
        CHECK_EQ(ptes[i] & ~PAGE_MASK, phys + i * PAGE_SIZE);   /* consecutive frames */
        CHECK(ptes[i] & PTE_P);
        *(volatile uint32_t *)(h + i * PAGE_SIZE + 64) = 0xA11C0000 + i;
        uint32_t *f = hyper_map((phys >> PAGE_SHIFT) + i);       /* written through the block, */
        uint32_t seen = f[16];                                  /* read from the frame itself */
        hyper_unmap(f);
        CHECK_EQ(seen, 0xA11C0000 + i);
    }
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    /* Without PAGEUSEALIGN, PAGECONTIG is ignored and *PhysAddr is not written. */
    phys = 0xDEAD1234u;
    h = _PageAllocate(4, PG_SYS, 0, 0x0F, 0, 0x1000, &phys, PAGECONTIG | PAGEFIXED);
    CHECK(h);
    CHECK_EQ(phys, 0xDEAD1234u);
    CHECK(vt_pa(h + 3 * PAGE_SIZE));
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    return PASS;
}

TEST(vxd_pageallocate_maxphys_clamp, "vxd/pageallocate-maxphys-minus-one-clamped-to-16m")
{
    /* KB Q180579: maxPhys = -1 silently becomes 0x1000 (16 MiB), so 16 MiB of contiguous pages
     * can never be found there (the first MiB and the kernel are in the way). */
    ULONG phys = 0;
    CHECK_COSTLESS(_PageAllocate(4096, PG_SYS, 0, 0, 0, 0xFFFFFFFFu, &phys, PAGEUSEALIGN | PAGECONTIG | PAGEFIXED), 0);
    /* It is a clamp, not a refusal: a small request succeeds, below 16 MiB. */
    ULONG h = _PageAllocate(8, PG_SYS, 0, 0, 0, 0xFFFFFFFFu, &phys, PAGEUSEALIGN | PAGEFIXED);
    CHECK(h);
    for (uint32_t i = 0; i < 8; i++) {
        uint32_t pa = vt_pa(h + i * PAGE_SIZE);
        CHECK(pa && pa < 0x1000000);
    }
    CHECK_EQ(phys, vt_pa(h));
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    /* With plenty of RAM the same 16 MiB request succeeds when maxPhys really means 4 GiB. */
    if (mm_free_frames() >= 3 * 4096) {
        h = _PageAllocate(4096, PG_SYS, 0, 0, 0, 0x100000, &phys, PAGEUSEALIGN | PAGECONTIG | PAGEFIXED);
        CHECK(h);
        CHECK(phys >= 0x1000000);
        CHECK_EQ(vt_pa(h + 4095 * PAGE_SIZE), phys + 4095 * PAGE_SIZE);
        CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    }
    return PASS;
}

TEST(vxd_pagereallocate_zeroinit, "vxd/pagereallocate-keeps-data-zeroes-new-tail")
{
    ULONG h = _PageAllocate(3, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    ULONG f = _PageAllocate(3, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED | PAGEZEROINIT);
    CHECK(h && f);
    CHECK(vt_zero(h, 3));                                /* demand-zero pages */
    CHECK(vt_zero(f, 3));                                /* present frames, zeroed (free frames are poisoned) */
    for (uint32_t i = 0; i < 3; i++) vt_fill(h + i * PAGE_SIZE, i);
    /* Grow, keeping old data; only the new tail is zero. */
    ULONG g = _PageReAllocate(h, 5, PAGEZEROINIT);
    CHECK(g && g != h);
    CHECK_EQ(vxd_edx, g);
    CHECK_EQ(_PageGetSizeAddr(h, 0), 0);                 /* the old handle is gone */
    CHECK_EQ(_PageGetSizeAddr(g, 0), 5);
    for (uint32_t i = 0; i < 3; i++) CHECK_EQ(vt_check(g + i * PAGE_SIZE, i), PAGE_SIZE);
    CHECK(vt_zero(g + 3 * PAGE_SIZE, 2));
    CHECK(!vt_readable(h));                              /* nothing left at the old address */
    /* A failed reallocation leaves the block readable and unchanged. */
    CHECK_COSTLESS(_PageReAllocate(g, 0xFFFFF, 0), 0);   /* no 4 GiB of linear space */
    CHECK_EQ(vxd_edx, 0);
    for (uint32_t i = 0; i < 3; i++) CHECK_EQ(vt_check(g + i * PAGE_SIZE, i), PAGE_SIZE);
    CHECK_EQ(_PageGetSizeAddr(g, 0), 5);
    /* PAGEZEROREINIT zeroes everything. */
    ULONG z = _PageReAllocate(g, 4, PAGEZEROREINIT);
    CHECK(z);
    CHECK(vt_zero(z, 4));
    /* A fixed block gets fixed pages again (each mapping holds its lock: PTE_SW_PIN). */
    vt_fill(f, 7);
    ULONG f2 = _PageReAllocate(f, 2, 0);
    CHECK(f2);
    ULONG pte[2];
    CHECK_EQ(_CopyPageTable(PG(f2), 2, pte, 0), 1);
    CHECK((pte[0] & (PTE_P | PTE_SW_PIN)) == (PTE_P | PTE_SW_PIN));
    CHECK_EQ(vt_locks(f2 + PAGE_SIZE), 1);
    CHECK_EQ(vt_check(f2, 7), PAGE_SIZE);
    CHECK_EQ(_PageFree((PVOID)z, 0), 1);
    CHECK_EQ(_PageFree((PVOID)f2, 0), 1);
    return PASS;
}

TEST(vxd_pagereserve_explicit_4meg, "vxd/pagereserve-overlap-explicit-page-and-pr-4meg")
{
    ULONG r = _PageReserve(PR_SYSTEM, 8, 0);
    CHECK(r != VXD_ERR);
    CHECK_COSTLESS(_PageReserve(PG(r), 1, 0), VXD_ERR);           /* already reserved */
    CHECK_COSTLESS(_PageReserve(PG(r) + 7, 2, 0), VXD_ERR);       /* overlaps its last page */
    CHECK_COSTLESS(_PageReserve(PG(r) - 1, 2, 0), VXD_ERR);       /* overlaps its first page */
    ULONG m = _PageReserve(PR_SYSTEM, 2, PR_4MEG);
    CHECK(m != VXD_ERR);
    CHECK_EQ(m % 0x400000, 0);
    CHECK(m >= SYSTEM_START && m + 2 * PAGE_SIZE <= SYSTEM_END);
    /* An explicit page is taken exactly; PR_4MEG is ignored with it. */
    ULONG e = _PageReserve(PG(m) + 5, 1, PR_4MEG);
    CHECK_EQ(e, m + 5 * PAGE_SIZE);
    ULONG p = _PageReserve(PR_PRIVATE, 1, PR_4MEG);
    CHECK(p != VXD_ERR && p < PRIVATE_END && p % 0x400000 == 0);
    ULONG s = _PageReserve(PR_SHARED, 1, 0);
    CHECK(s >= SHARED_START && s < SHARED_END);
    /* Reserved is not committed: touching faults. */
    CHECK(!vt_readable(r) && !vt_readable(m) && !vt_readable(p) && !vt_readable(s));
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    CHECK_EQ(_PageFree((PVOID)m, 0), 1);
    CHECK_EQ(_PageFree((PVOID)e, 0), 1);
    CHECK_EQ(_PageFree((PVOID)p, 0), 1);
    CHECK_EQ(_PageFree((PVOID)s, 0), 1);
    return PASS;
}

TEST(vxd_pagecommit_rules, "vxd/pagecommit-across-reservations-fixed-and-static-rules")
{
    /* Two adjacent reservations: a commit across them fails. */
    ULONG a = _PageReserve(PR_SYSTEM, 8, 0);             /* 8 free pages, then two halves */
    CHECK(a != VXD_ERR);
    CHECK_EQ(_PageFree((PVOID)a, 0), 1);
    CHECK_EQ(_PageReserve(PG(a), 4, 0), a);
    ULONG b = _PageReserve(PG(a) + 4, 4, 0);
    CHECK_EQ(b, a + 4 * PAGE_SIZE);
    CHECK_COSTLESS(_PageCommit(PG(a) + 2, 4, PD_ZEROINIT, 0, PC_WRITEABLE), 0);
    CHECK(!vt_readable(a + 2 * PAGE_SIZE));
    CHECK_COSTLESS(_PageCommit(PG(a), 1, PD_FIXED, 0, PC_WRITEABLE), 0);            /* PD_FIXED needs PC_FIXED */
    CHECK_COSTLESS(_PageCommit(PG(a), 1, PD_FIXEDZERO, 0, PC_WRITEABLE), 0);
    CHECK_EQ(_PageCommit(PG(a), 1, PD_FIXED, 0, PC_FIXED | PC_WRITEABLE), 1);
    CHECK(vt_writable(a));
    CHECK_COSTLESS(_PageCommit(PG(a), 2, PD_ZEROINIT, 0, PC_FIXED | PC_WRITEABLE), 0);   /* page a is committed */
    CHECK(!vt_readable(a + PAGE_SIZE));
    CHECK_EQ(_PageCommit(PG(a), 2, PD_ZEROINIT, 0, PC_WRITEABLE), 1);   /* without PC_FIXED: fine */
    CHECK(vt_writable(a + PAGE_SIZE));
    CHECK_EQ(_PageFree((PVOID)a, 0), 1);
    CHECK_EQ(_PageFree((PVOID)b, 0), 1);
    /* PR_STATIC: commit needs PC_STATIC; free of a PC_STATIC block needs PR_STATIC. */
    ULONG s = _PageReserve(PR_SYSTEM, 2, PR_STATIC);
    CHECK(s != VXD_ERR);
    CHECK_COSTLESS(_PageCommit(PG(s), 1, PD_ZEROINIT, 0, PC_WRITEABLE), 0);
    CHECK_EQ(_PageCommit(PG(s), 1, PD_ZEROINIT, 0, PC_WRITEABLE | PC_STATIC), 1);
    CHECK(vt_writable(s));
    CHECK_EQ(_PageFree((PVOID)s, 0), 0);
    CHECK(vt_writable(s));                               /* still there */
    CHECK_EQ(_PageFree((PVOID)s, PR_STATIC), 1);
    ULONG c = _PageReserve(PR_SYSTEM, 1, 0);              /* PC_STATIC in an ordinary reservation */
    CHECK_EQ(_PageCommit(PG(c), 1, PD_ZEROINIT, 0, PC_WRITEABLE | PC_STATIC), 1);
    CHECK_EQ(_PageFree((PVOID)c, 0), 0);
    CHECK_EQ(_PageFree((PVOID)c, PR_STATIC), 1);
    return PASS;
}

TEST(vxd_pagecommitphys_share_incr, "vxd/pagecommitphys-same-frame-and-pc-incr")
{
    ULONG r = _PageReserve(PR_SYSTEM, 6, 0);
    CHECK(r != VXD_ERR);
    CHECK_EQ(_PageCommitPhys(PG(r), 3, 0xA0, PC_WRITEABLE), 1);
    CHECK_EQ(_PageCommitPhys(PG(r) + 3, 3, 0xA0, PC_WRITEABLE | PC_INCR), 1);
    ULONG pte[6];
    CHECK_EQ(_CopyPageTable(PG(r), 6, pte, 0), 1);
    for (uint32_t i = 0; i < 3; i++) {
        CHECK_EQ(pte[i] & ~PAGE_MASK, 0xA0000);                   /* all three: 0xA0000 */
        CHECK_EQ(pte[3 + i] & ~PAGE_MASK, 0xA0000 + i * PAGE_SIZE);   /* PC_INCR: consecutive */
        CHECK(vt_readable(r + i * PAGE_SIZE) && vt_readable(r + (3 + i) * PAGE_SIZE));
    }
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    /* The same with RAM behind it, so the sharing shows in the data: a contiguous block's frames. */
    ULONG blk = _PageAllocate(3, PG_SYS, 0, 0, 0, 0x100000, NULL, PAGEUSEALIGN | PAGECONTIG | PAGEFIXED | PAGEZEROINIT);
    r = _PageReserve(PR_SYSTEM, 6, 0);
    CHECK(blk && r != VXD_ERR);
    uint32_t f0 = PG(vt_pa(blk));
    CHECK_EQ(_PageCommitPhys(PG(r), 3, f0, PC_WRITEABLE), 1);
    CHECK_EQ(_PageCommitPhys(PG(r) + 3, 3, f0, PC_WRITEABLE | PC_INCR), 1);
    *(volatile uint32_t *)(r + 2 * PAGE_SIZE + 8) = 0x0A0A0A0A;   /* through the third page */
    CHECK_EQ(*(volatile uint32_t *)(r + 8), 0x0A0A0A0A);           /* seen through the first */
    CHECK_EQ(*(volatile uint32_t *)(blk + 8), 0x0A0A0A0A);         /* and in the block */
    for (uint32_t i = 0; i < 3; i++) {
        *(volatile uint32_t *)(blk + i * PAGE_SIZE + 12) = 0x1AC0 + i;
        CHECK_EQ(*(volatile uint32_t *)(r + (3 + i) * PAGE_SIZE + 12), 0x1AC0 + i);
        CHECK_EQ(vt_pa(r + (3 + i) * PAGE_SIZE), vt_pa(blk + i * PAGE_SIZE));
    }
    CHECK_EQ(_PageFree((PVOID)blk, 0), 1);                /* the frames live on in r */
    CHECK_EQ(*(volatile uint32_t *)(r + 5 * PAGE_SIZE + 12), 0x1AC2);
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    return PASS;
}

TEST(vxd_pagecommitcontig_bounds, "vxd/pagecommitcontig-alignment-and-phys-bounds")
{
    CHECK_COSTLESS(_PageCommitContig(0, 1, PCC_NOLIN | PCC_ZEROINIT, 0, 0, 0xFFFFFFFFu), VXD_ERR);
    CHECK_COSTLESS(_PageCommitContig(0, 1, PCC_NOLIN | PC_WRITEABLE, 0, 0, 0xFFFFFFFFu), VXD_ERR);
    ULONG r = _PageReserve(PR_SYSTEM, 8, 0);
    CHECK(r != VXD_ERR);
    ULONG pa = _PageCommitContig(PG(r), 8, PC_WRITEABLE | PCC_ZEROINIT, 0x7, 0x100, 0x1000);
    CHECK(pa != VXD_ERR);
    CHECK_EQ(PG(pa) % 8, 0);                             /* alignmask 7: 32 KiB */
    CHECK(PG(pa) >= 0x100 && PG(pa) + 8 <= 0x1000);      /* minphys <= pfn < maxphys */
    CHECK(vt_zero(r, 8));
    ULONG pte[8];
    CHECK_EQ(_CopyPageTable(PG(r), 8, pte, 0), 1);
    for (uint32_t i = 0; i < 8; i++) {
        CHECK_EQ(pte[i] & ~PAGE_MASK, pa + i * PAGE_SIZE);
        CHECK(pte[i] & PTE_SW_PIN);                      /* allocated as PC_FIXED */
        *(volatile uint32_t *)(r + i * PAGE_SIZE) = 0xC0117160 + i;
        uint32_t *f = hyper_map(PG(pa) + i);
        uint32_t seen = f[0];
        hyper_unmap(f);
        CHECK_EQ(seen, 0xC0117160 + i);
    }
    CHECK_COSTLESS(_PageCommitContig(PG(r), 1, PC_WRITEABLE, 0, 0, 0xFFFFFFFFu), VXD_ERR);   /* committed */
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    return PASS;
}

TEST(vxd_linpagelock_nesting_global, "vxd/linpagelock-nesting-and-global-alias")
{
    ULONG h = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    CHECK(h);
    CHECK_EQ(_LinPageLock(PG(h), 2, 0), 1);
    CHECK_EQ(_LinPageLock(PG(h), 2, 0), 1);
    CHECK_EQ(vt_locks(h), 2);
    CHECK_EQ(_LinPageUnLock(PG(h), 2, 0), 1);
    CHECK_EQ(vt_locks(h), 1);                            /* still locked */
    CHECK_EQ(_LinPageUnLock(PG(h), 2, 0), 1);
    CHECK_EQ(vt_locks(h), 0);
    CHECK_COSTLESS(_LinPageUnLock(PG(h), 2, 0), 0);      /* a third unlock */
    CHECK_COSTLESS(_LinPageLock(PG(h), 2, PAGEMAPGLOBAL | PAGELOCKEDIFDP), 0);
    /* The global alias: system arena, same bytes, released only through the alias. */
    vt_fill(h, 1);
    vt_fill(h + PAGE_SIZE, 2);
    ULONG g = _LinPageLock(PG(h), 2, PAGEMAPGLOBAL);
    CHECK(g >= SYSTEM_START && g < SYSTEM_END && !(g & PAGE_MASK));
    CHECK_EQ(vt_check(g, 1), PAGE_SIZE);
    CHECK_EQ(vt_check(g + PAGE_SIZE, 2), PAGE_SIZE);
    *(volatile uint32_t *)(g + PAGE_SIZE + 4) = 0x6106A1;
    CHECK_EQ(*(volatile uint32_t *)(h + PAGE_SIZE + 4), 0x6106A1);
    CHECK_EQ(vt_locks(h), 1);
    CHECK_EQ(_LinPageUnLock(PG(h), 2, PAGEMAPGLOBAL), 0);     /* the original page number */
    CHECK_EQ(_LinPageUnLock(PG(h), 2, 0), 0);                 /* a plain unlock: not its lock */
    CHECK_EQ(_LinPageUnLock(PG(g), 2, 0), 0);                 /* the alias without PAGEMAPGLOBAL */
    CHECK_EQ(_LinPageUnLock(PG(g), 1, PAGEMAPGLOBAL), 0);     /* not the whole alias */
    CHECK(vt_readable(g + PAGE_SIZE));
    CHECK_EQ(vt_locks(h), 1);
    CHECK_EQ(_LinPageUnLock(PG(g), 2, PAGEMAPGLOBAL), 1);
    CHECK(!vt_readable(g));
    CHECK_EQ(vt_locks(h), 0);
    CHECK_EQ(*(volatile uint32_t *)(h + PAGE_SIZE + 4), 0x6106A1);
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    return PASS;
}

TEST(vxd_copypagetable_xchg, "vxd/copypagetable-no-table-and-xchgfreephysreg")
{
    ULONG pte[2];
    ULONG m = _PageReserve(PR_SYSTEM, 1024, PR_4MEG);    /* a 4 MiB slot with no page table */
    CHECK(m != VXD_ERR);
    CHECK_EQ(_CopyPageTable(PG(m) + 3, 1, pte, 0), 0);
    CHECK_EQ(_CopyPageTable(PG(INVALID_START), 1, pte, 0), 0);
    CHECK_EQ(_PageFree((PVOID)m, 0), 1);
    /* _XchgFreePhysReg: outside any region; not present; present with PhysAddr 0. */
    ULONG h = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK_COSTLESS(_XchgFreePhysReg(PG(h), 0, 0), VXD_ERR);
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    ULONG fpr = vt_freephys_region(2);
    CHECK(fpr);
    CHECK_COSTLESS(_XchgFreePhysReg(PG(fpr), 0, 0), 0);
    CHECK_EQ(_MapFreePhysReg(PG(fpr), 1, 0), 1);
    vt_fill(fpr, 9);
    uint32_t pa = vt_pa(fpr), before = mm_free_frames();
    CHECK_EQ(_XchgFreePhysReg(PG(fpr), 0, 0), pa);
    CHECK(!vt_readable(fpr));                            /* not present now */
    CHECK_EQ(mm_free_frames(), before);                  /* the frame is in flight, not free */
    CHECK_EQ(_XchgFreePhysReg(PG(fpr) + 1, pa, 0), 0);   /* lands on the other page */
    CHECK_EQ(vt_check(fpr + PAGE_SIZE, 9), PAGE_SIZE);
    CHECK_EQ(_UnmapFreePhysReg(PG(fpr) + 1, 1, 0), 1);
    CHECK(vt_freephys_region_drop(fpr));
    return PASS;
}

TEST(vxd_invalid_region_query, "vxd/invalid-region-refused-and-pagequery-free")
{
    MEMORY_BASIC_INFORMATION mbi;
    CHECK_COSTLESS(_PageReserve(PG(INVALID_START), 1, 0), VXD_ERR);
    CHECK_COSTLESS(_PageReserve(PG(BAD_POINTER), 1, 0), VXD_ERR);
    CHECK_COSTLESS(_PageReserve(0xFFFFF, 1, 0), VXD_ERR);
    CHECK_COSTLESS(_PageReserve(PG(INVALID_START) - 1, 2, 0), VXD_ERR);   /* straddles the line */
    CHECK_COSTLESS(_PageCommit(PG(BAD_POINTER), 1, PD_ZEROINIT, 0, PC_WRITEABLE), 0);
    CHECK_COSTLESS(_PageCommitPhys(PG(BAD_POINTER), 1, 0xA0, PC_WRITEABLE), 0);
    CHECK_COSTLESS(_PageCommitContig(PG(BAD_POINTER), 1, PC_WRITEABLE, 0, 0, 0xFFFFFFFFu), VXD_ERR);
    CHECK_EQ(_PageQuery(BAD_POINTER + 0x123, &mbi, sizeof mbi), 28);
    CHECK_EQ(mbi.mbi_State, MEM_FREE);
    CHECK_EQ(mbi.mbi_BaseAddress, BAD_POINTER);
    CHECK_EQ(mbi.mbi_RegionSize, 0u - BAD_POINTER);      /* free to the end of the 4 GiB */
    CHECK_EQ(mbi.mbi_Type, 0);
    /* Never-reserved space: a reservation's address after it is freed. */
    ULONG r = _PageReserve(PR_SYSTEM, 1, 0);
    CHECK(r != VXD_ERR);
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    CHECK_EQ(_PageQuery(r, &mbi, sizeof mbi), 28);
    CHECK_EQ(mbi.mbi_State, MEM_FREE);
    CHECK(!vt_readable(BAD_POINTER) && !vt_writable(BAD_POINTER));
    return PASS;
}

TEST(vxd_modifypermissions_readonly, "vxd/modifypermissions-readonly-write-faults")
{
    ULONG r = _PageReserve(PR_SYSTEM, 2, 0);
    CHECK(r != VXD_ERR);
    CHECK_EQ(_PageCommit(PG(r), 1, PD_ZEROINIT, 0, PC_WRITEABLE), 1);
    CHECK_COSTLESS(_PageModifyPermissions(PG(r) + 1, 1, ~PC_WRITEABLE, 0), VXD_ERR);   /* uncommitted */
    CHECK_COSTLESS(_PageModifyPermissions(PG(r), 2, ~PC_WRITEABLE, 0), VXD_ERR);       /* partly */
    CHECK(vt_writable(r));                               /* nothing changed */
    *(volatile uint32_t *)r = 0x12121212;
    CHECK_EQ(_PageModifyPermissions(PG(r), 1, ~PC_WRITEABLE, 0), PC_WRITEABLE);
    CHECK(!probe_write(r, 1));
    CHECK_EQ(probe_last.vector, T_PF);
    CHECK_EQ(probe_last.err & 3, 3);                     /* present, write */
    CHECK_EQ(*(volatile uint32_t *)r, 0x12121212);
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    return PASS;
}
