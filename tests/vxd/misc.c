/*
 * tests/vxd/misc.c - vxd/pagequery-..., vxd/info-..., vxd/pagecommitcontig-nolin and
 * vxd/permanently-invalid-region.
 */
#include "tests/vxd/vxd_test.h"

TEST(vxd_query, "vxd/pagequery-regions")
{
    MEMORY_BASIC_INFORMATION m;
    ULONG r = _PageReserve(PR_SHARED, 5, 0);
    CHECK(r != VXD_ERR);
    CHECK_EQ(_PageCommit(PG(r) + 1, 2, PD_ZEROINIT, 0, PC_USER | PC_WRITEABLE), 1);
    CHECK_EQ(_PageCommit(PG(r) + 3, 1, PD_ZEROINIT, 0, PC_USER | PC_PRESENT), 1);
    CHECK_EQ(_PageQuery(r + 0x10, &m, sizeof m), 28);
    CHECK_EQ(m.mbi_BaseAddress, r);
    CHECK_EQ(m.mbi_AllocationBase, r);
    CHECK_EQ(m.mbi_AllocationProtect, PAGE_NOACCESS);
    CHECK_EQ(m.mbi_RegionSize, PAGE_SIZE);
    CHECK_EQ(m.mbi_State, MEM_RESERVE);
    CHECK_EQ(m.mbi_Protect, 0);
    CHECK_EQ(m.mbi_Type, MEM_PRIVATE);
    CHECK_EQ(_PageQuery(r + 0x1234, &m, sizeof m), 28);
    CHECK_EQ(m.mbi_BaseAddress, r + PAGE_SIZE);
    CHECK_EQ(m.mbi_RegionSize, 2 * PAGE_SIZE);           /* demand or present: same state */
    CHECK_EQ(m.mbi_State, MEM_COMMIT);
    CHECK_EQ(m.mbi_Protect, PAGE_READWRITE);
    CHECK_EQ(m.mbi_AllocationBase, r);
    CHECK_EQ(_PageQuery(r + 3 * PAGE_SIZE, &m, sizeof m), 28);
    CHECK_EQ(m.mbi_Protect, PAGE_READONLY);
    CHECK_EQ(m.mbi_RegionSize, PAGE_SIZE);
    CHECK_EQ(_PageQuery(r + 4 * PAGE_SIZE, &m, sizeof m), 28);
    CHECK_EQ(m.mbi_State, MEM_RESERVE);
    CHECK_EQ(m.mbi_RegionSize, PAGE_SIZE);               /* stops at the region's end */
    /* The answers follow the page tables: a permission change splits the run. */
    CHECK_EQ(_PageModifyPermissions(PG(r) + 2, 1, ~PC_WRITEABLE, 0), PC_USER | PC_WRITEABLE);
    CHECK_EQ(_PageQuery(r + PAGE_SIZE, &m, sizeof m), 28);
    CHECK_EQ(m.mbi_RegionSize, PAGE_SIZE);
    CHECK_EQ(_PageQuery(r + 2 * PAGE_SIZE, &m, sizeof m), 28);
    CHECK_EQ(m.mbi_RegionSize, 2 * PAGE_SIZE);           /* pages 2 and 3: both read-only now */
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    /* _PageAllocate blocks: PG_VM is ring-3 read/write, PG_SYS is not reachable from ring 3. */
    ULONG v = _PageAllocate(2, PG_VM, vxd_sys_vm(), 0, 0, 0, NULL, 0);
    ULONG s = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(v && s);
    CHECK_EQ(_PageQuery(v, &m, sizeof m), 28);
    CHECK(m.mbi_AllocationProtect == PAGE_READWRITE && m.mbi_Protect == PAGE_READWRITE && m.mbi_RegionSize == 2 * PAGE_SIZE);
    CHECK_EQ(_PageQuery(s + PAGE_SIZE, &m, sizeof m), 28);
    CHECK(m.mbi_State == MEM_COMMIT && m.mbi_Protect == PAGE_NOACCESS && m.mbi_AllocationBase == s);
    CHECK_EQ(_PageFree((PVOID)v, 0), 1);
    CHECK_EQ(_PageFree((PVOID)s, 0), 1);
    /* Free space runs up to the next region. */
    ULONG a = _PageReserve(PR_SYSTEM, 6, 0);
    CHECK(a != VXD_ERR);
    CHECK_EQ(_PageFree((PVOID)a, 0), 1);
    ULONG b = _PageReserve(PG(a) + 4, 2, 0);
    CHECK_EQ(_PageQuery(a + PAGE_SIZE, &m, sizeof m), 28);
    CHECK_EQ(m.mbi_State, MEM_FREE);
    CHECK_EQ(m.mbi_RegionSize, 3 * PAGE_SIZE);
    CHECK_EQ(m.mbi_AllocationBase, 0);
    CHECK_EQ(_PageFree((PVOID)b, 0), 1);
    return PASS;
}

TEST(vxd_info, "vxd/info-services")
{
    ULONG n = _GetFreePageCount(0);
    CHECK_EQ(n, mm_free_frames());
    CHECK_EQ(vxd_edx, mm_lockable_frames());
    if (!mm_pager_on()) CHECK_EQ(vxd_edx, mm_available_frames());
    ULONG h = _PageAllocate(4, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(h);
    CHECK(_GetFreePageCount(0) <= n - 4);
    CHECK_EQ(_GetFreePageCount(0), mm_free_frames());
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    CHECK_EQ(_GetFreePageCount(0), n);
    /* _PageGetAllocInfo: the largest free system-arena run; exactly that much can be had. */
    ULONG big = _PageGetAllocInfo(0);
    CHECK_EQ(vxd_edx, mm_lockable_frames());
    CHECK(big > 0);
    CHECK_COSTLESS(_PageReserve(PR_SYSTEM, big + 1, 0), VXD_ERR);
    ULONG r = _PageReserve(PR_SYSTEM, big, 0);
    CHECK(r != VXD_ERR);
    CHECK(_PageGetAllocInfo(0) < big);
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    CHECK_EQ(_PageGetAllocInfo(0), big);
    /* _GetDemandPageInfo: the core's counters; a demand-zero fault is counted. */
    DemandInfoStruc d;
    memset(&d, 0xEE, sizeof d);
    ULONG dz = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, 0);
    CHECK(dz);
    _GetDemandPageInfo(&d, 0);
    CHECK_EQ(d.DIPhys_Count, mm_total_frames());
    CHECK_EQ(d.DIFree_Count, mm_free_frames());
    CHECK_EQ(d.DIUnlock_Count, mm_total_frames() - mm_locked_frames());
    CHECK_EQ(d.DILinear_Base_Addr, 0);
    struct mm_pager_stats ps;
    mm_pager_get_stats(&ps);                             /* the swap slots while the pager is on */
    CHECK_EQ(d.DIPagingFileMax, mm_pager_on() ? ps.slots : 0);
    CHECK_EQ(d.DICommit_Count, mm_total_frames() - mm_free_frames() + mm_commit_charge());
    CHECK(mm_commit_charge() >= 1);                      /* dz, not touched yet */
    CHECK(d.DILin_Total_Free > 0 && d.DILin_Total_Free < (PRIVATE_END >> PAGE_SHIFT));
    CHECK_EQ(d.DIReserved[1], 0);
    uint32_t faults = d.DIPage_Faults;
    *(volatile uint32_t *)dz = 1;                        /* first touch */
    _GetDemandPageInfo(&d, 0);
    CHECK_EQ(d.DIPage_Faults, faults + 1);
    ULONG p = _PageReserve(PR_PRIVATE, 3, 0);
    uint32_t lin_free = d.DILin_Total_Free;
    _GetDemandPageInfo(&d, 0);
    CHECK_EQ(d.DILin_Total_Free, lin_free - 3);
    CHECK_EQ(_PageFree((PVOID)p, 0), 1);
    CHECK_EQ(_PageFree((PVOID)dz, 0), 1);
    return PASS;
}

/* PCCNOLIN pages "can never be freed": this test keeps 4 frames for the rest of the session
 * and checks that exactly 4 are gone. */
TEST_FLAGS(vxd_nolin, "vxd/pagecommitcontig-nolin", TEST_NO_LEAKCHECK)
{
    uint32_t before = mm_free_frames();
    ULONG pa = _PageCommitContig(0, 4, PCC_NOLIN, 3, 0x100, 0x100000);
    CHECK(pa != VXD_ERR);
    CHECK_EQ(PG(pa) % 4, 0);
    CHECK(PG(pa) >= 0x100);
    CHECK_EQ(mm_free_frames(), before - 4);
    /* Mapped nowhere; the owner may map them (PC_INCR: they are contiguous). */
    ULONG r = _PageReserve(PR_SYSTEM, 4, 0);
    CHECK(r != VXD_ERR);
    CHECK_EQ(_PageCommitPhys(PG(r), 4, PG(pa), PC_WRITEABLE | PC_INCR), 1);
    for (uint32_t i = 0; i < 4; i++) {
        *(volatile uint32_t *)(r + i * PAGE_SIZE) = 0x40000 + i;
        uint32_t *f = hyper_map(PG(pa) + i);
        uint32_t seen = f[0];
        hyper_unmap(f);
        CHECK_EQ(seen, 0x40000 + i);
    }
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);                 /* the view goes (and its page table) ... */
    CHECK_EQ(mm_free_frames(), before - 4);              /* ... the frames stay held */
    return PASS;
}

TEST(vxd_invalid_region, "vxd/permanently-invalid-region")
{
    uint32_t e;
    struct mm_counts before;
    mm_counts_take(&before);
    /* Nothing reserves, commits or maps a page at 0xFFC00000 and above. */
    for (ULONG page = PG(INVALID_START); page <= 0xFFFFF; page += 0xFF) {
        CHECK_COSTLESS(_PageReserve(page, 1, 0), VXD_ERR);
        CHECK_COSTLESS(_PageCommit(page, 1, PD_ZEROINIT, 0, PC_WRITEABLE | PC_PRESENT), 0);
        CHECK_COSTLESS(_PageCommitPhys(page, 1, 0xA0, PC_WRITEABLE), 0);
        CHECK_COSTLESS(_LinPageLock(page, 1, 0), 0);
        CHECK_COSTLESS(_LinPageLock(page, 1, PAGEMAPGLOBAL), 0);
        CHECK_COSTLESS(_MapFreePhysReg(page, 1, 0), 0);
        CHECK_COSTLESS(_XchgFreePhysReg(page, 0, 0), VXD_ERR);
    }
    CHECK_COSTLESS(_PageReserve(PR_SYSTEM, 0x3FC01, 0), VXD_ERR);   /* more than the system arena */
    CHECK_COSTLESS(_PageReserve(PG(SYSALLOC2_START), (INVALID_START - SYSALLOC2_START) / PAGE_SIZE + 1, 0), VXD_ERR);
    ULONG last = _PageReserve(PG(INVALID_START) - 1, 1, 0);   /* the page below is system arena */
    CHECK_EQ(last, INVALID_START - PAGE_SIZE);
    CHECK_EQ(_PageCommit(PG(last), 1, PD_ZEROINIT, 0, PC_WRITEABLE | PC_PRESENT), 1);
    CHECK(vt_writable(last));
    CHECK(!vt_readable(INVALID_START));                  /* and the next one faults */
    CHECK_EQ(_PageFree((PVOID)last, 0), 1);
    /* Addresses the services hand out stay below the line. */
    ULONG g[4];
    ULONG h = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(h);
    g[0] = _LinPageLock(PG(h), 1, PAGEMAPGLOBAL);
    g[1] = _MapPhysToLinear(0xF0000, 16, 0);
    g[2] = _PageReserve(PR_SYSTEM, 1, PR_4MEG);
    g[3] = h;
    for (int i = 0; i < 4; i++) CHECK(g[i] != VXD_ERR && g[i] && g[i] < INVALID_START);
    CHECK_EQ(_LinPageUnLock(PG(g[0]), 1, PAGEMAPGLOBAL), 1);
    CHECK_EQ(_PageFree((PVOID)g[2], 0), 1);
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    /* The directory entry stays empty and touching the conventional bad pointer faults. */
    CHECK(!mm_read_pte(BAD_POINTER, &e));
    CHECK(!probe_read(BAD_POINTER, &e));
    CHECK_EQ(probe_last.vector, T_PF);
    CHECK_EQ(probe_last.cr2, BAD_POINTER);
    CHECK(!probe_write(BAD_POINTER + 4, 1));
    CHECK(!probe_read(0xFFFFF000u, &e));
    CHECK(!probe_exec(BAD_POINTER));
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

TEST(vxd_copypt_large, "vxd/copypagetable-large-page")
{
    if (!x86.pse) SKIP("no PSE: no 4 MiB pages on this CPU");
    /* A 4 MiB page of I/O space (nothing counts references to it) in a 4 MiB reservation. */
    ULONG r = _PageReserve(PR_SYSTEM, 1024, PR_4MEG);
    CHECK(r != VXD_ERR);
    const pfn_t io = 0xFD000;                            /* 0xFD000000: the PCI hole, never RAM here */
    CHECK(!mm_frame_is_ram(io));
    CHECK(pde_map_large(r, io, PTE_W | PTE_PCD | PTE_PWT));
    ULONG pte[2];
    uint32_t ok = _CopyPageTable(PG(r) + 5, 2, pte, 0);
    MEMORY_BASIC_INFORMATION m;
    ULONG q = _PageQuery(r + 5 * PAGE_SIZE, &m, sizeof m);
    bool readable = vt_readable(r + 5 * PAGE_SIZE);
    pde_unmap_large(r);
    CHECK_EQ(ok, 1);
    CHECK_EQ(pte[0] & ~PAGE_MASK, (io + 5) << PAGE_SHIFT);   /* the 4 KiB page's own frame */
    CHECK_EQ(pte[1] & ~PAGE_MASK, (io + 6) << PAGE_SHIFT);
    CHECK_EQ(pte[0] & (PTE_P | PTE_W | PTE_PCD | PTE_PWT | PDE_PS), PTE_P | PTE_W | PTE_PCD | PTE_PWT);
    CHECK(q == 28 && m.mbi_State == MEM_COMMIT);
    CHECK(readable);
    CHECK_EQ(_CopyPageTable(PG(r) + 5, 1, pte, 0), 0);   /* the PDE is gone again */
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    return PASS;
}
