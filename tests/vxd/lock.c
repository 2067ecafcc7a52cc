/*
 * tests/vxd/lock.c - vxd/lock-... and vxd/modifypermissions-...: lock counts shared with the
 * core, global aliases across address spaces, PL_TOTALUNLOCK, and protections proven by the
 * faults they cause (ring 0 with CR0.WP, ring 3 through user_call).
 */
#include "tests/vxd/vxd_test.h"

TEST(vxd_lock_nesting, "vxd/lock-nesting")
{
    ULONG h = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, PAGEZEROINIT);
    CHECK(h);
    vt_fill(h, 3);
    vt_fill(h + PAGE_SIZE, 4);
    CHECK_EQ(_LinPageLock(PG(h), 2, 0), 1);
    CHECK_EQ(_LinPageLock(PG(h), 2, 0), 1);
    uint32_t pa0 = vt_pa(h), pa1 = vt_pa(h + PAGE_SIZE);
    CHECK_EQ(_LinPageUnLock(PG(h), 2, 0), 1);
    CHECK_EQ(vt_locks(h), 1);                            /* locked twice, unlocked once */
    CHECK_EQ(vt_locks(h + PAGE_SIZE), 1);
    CHECK_EQ(_LinPageUnLock(PG(h), 2, 0), 1);
    CHECK_EQ(vt_locks(h), 0);
    CHECK_COSTLESS(_LinPageUnLock(PG(h), 2, 0), 0);      /* a third unlock */
    CHECK_COSTLESS(_LinPageUnLock(PG(h), 1, 0), 0);
    CHECK_EQ(vt_pa(h), pa0);                             /* locked pages stayed where they were */
    CHECK_EQ(vt_pa(h + PAGE_SIZE), pa1);
    CHECK_EQ(vt_check(h, 3), PAGE_SIZE);
    /* A.3: freeing or decommitting locked pages is not an error - the locks taken through the
     * block's own pages die with them, and frames nobody else locks go back to the free list. */
    CHECK_EQ(_LinPageLock(PG(h), 2, 0), 1);
    CHECK_EQ(_LinPageLock(PG(h), 2, 0), 1);
    uint32_t free = mm_free_frames(), locked = mm_locked_frames();
    CHECK_EQ(_PageDecommit(PG(h) + 1, 1, 0), 1);
    CHECK(!vt_readable(h + PAGE_SIZE));
    CHECK_EQ(mm_free_frames(), free + 1);
    CHECK_EQ(mm_locked_frames(), locked - 1);
    CHECK_EQ(pfn_db[pa1 >> PAGE_SHIFT].state, PFN_FREE);
    CHECK_COSTLESS(_LinPageUnLock(PG(h) + 1, 1, 0), 0);  /* its locks went with it */
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    CHECK_EQ(mm_free_frames(), free + 2);
    CHECK_EQ(mm_locked_frames(), locked - 2);
    CHECK_EQ(pfn_db[pa0 >> PAGE_SHIFT].state, PFN_FREE);
    return PASS;
}

TEST(vxd_lock_shared, "vxd/lock-shared-with-core")
{
    /* A lock record (what VMLock and MDLs hold) is a lock for the VxD services too, but not one
     * they can take: _LinPageUnLock takes only _LinPageLock's locks, PL_TOTALUNLOCK included,
     * and _PageFree of the block leaves the frame to the record, which frees it when released. */
    ULONG h = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(h);
    CHECK_EQ(vt_locks(h), 1);                            /* the block's own lock */
    CHECK_COSTLESS(_LinPageUnLock(PG(h), 1, 0), 0);      /* which is not _LinPageLock's to take */
    CHECK_COSTLESS(_LinPageUnLock(PG(h), 1, PL_TOTALUNLOCK), 0);
    mm_lock_t rec;
    CHECK_EQ(mm_lock_record(h, 1, 0, NULL, &rec), MM_OK);
    CHECK_EQ(vt_locks(h), 2);
    CHECK_COSTLESS(_LinPageUnLock(PG(h), 1, PL_TOTALUNLOCK), 0);
    CHECK_EQ(vt_locks(h), 2);
    CHECK_EQ(_LinPageLock(PG(h), 1, 0), 1);
    CHECK_EQ(vt_locks(h), 3);
    CHECK_EQ(_LinPageUnLock(PG(h), 1, PL_TOTALUNLOCK), 1);
    CHECK_EQ(vt_locks(h), 2);
    pfn_t f = vt_pa(h) >> PAGE_SHIFT;
    vt_fill(h, 7);
    uint32_t free = mm_free_frames();
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);                 /* not an error (A.3) ... */
    CHECK(!vt_readable(h));
    CHECK_EQ(mm_free_frames(), free);                    /* ... but the record keeps the frame */
    CHECK_EQ(pfn_db[f].state, PFN_USED);
    CHECK_EQ(pfn_db[f].map_count, 0);
    CHECK_EQ(mm_frame_locks(f), 1);
    uint8_t *k = hyper_map(f);                           /* with its contents (DMA may still land) */
    uint32_t same = 0;
    while (same < PAGE_SIZE && k[same] == vt_byte(7, same)) same++;
    hyper_unmap(k);
    CHECK_EQ(same, PAGE_SIZE);
    CHECK_EQ(mm_unlock_record(rec), MM_OK);
    CHECK_EQ(pfn_db[f].state, PFN_FREE);
    CHECK_EQ(mm_free_frames(), free + 1);
    CHECK_EQ(mm_unlock_record(rec), MM_ENOTLOCKED);      /* a stale owner changes nothing */
    CHECK_EQ(mm_free_frames(), free + 1);
    return PASS;
}

static uint32_t alloc_lockedifdp(uint32_t n)
{
    return _PageAllocate(n, PG_SYS, 0, 0, 0, 0, NULL, PAGELOCKEDIFDP);
}

TEST(vxd_lock_flags, "vxd/lock-markdirty-lockedifdp")
{
    ULONG h = _PageAllocate(2, PG_SYS, 0, 0, 0, 0, NULL, PAGELOCKEDIFDP);
    CHECK(h);
    CHECK(vt_pa(h) && vt_pa(h + PAGE_SIZE));             /* present ... */
    CHECK_EQ(vt_locks(h), 0);                            /* ... but not locked: no DOS paging */
    ULONG pte;
    CHECK_EQ(_CopyPageTable(PG(h), 1, &pte, 0), 1);
    CHECK(!(pte & P_DIRTY));
    CHECK_EQ(_LinPageLock(PG(h), 1, PAGEMARKDIRTY), 1);
    CHECK_EQ(_CopyPageTable(PG(h), 1, &pte, 0), 1);
    CHECK(pte & P_DIRTY);
    CHECK_EQ(_LinPageUnLock(PG(h), 1, 0), 1);
    CHECK_EQ(_LinPageLock(PG(h), 2, PAGELOCKEDIFDP), 1); /* checked, nothing locked */
    CHECK_EQ(vt_locks(h), 0);
    CHECK_EQ(_LinPageUnLock(PG(h), 2, PAGELOCKEDIFDP), 1);
    CHECK_EQ(_PageDecommit(PG(h) + 1, 1, 0), 1);
    CHECK_COSTLESS(_LinPageLock(PG(h), 2, PAGELOCKEDIFDP), 0);   /* page 2 is not committed */
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    /* PAGELOCKEDIFDP may not be used before Init_Complete. */
    CHECK_COSTLESS(vxd_run_init(alloc_lockedifdp, 1), 0);
    return PASS;
}

TEST(vxd_lock_global_other_as, "vxd/lock-mapglobal-other-address-space")
{
    struct mm_counts before;
    mm_counts_take(&before);
    struct as *a = as_create(), *prev = as_current();
    CHECK(a);
    as_switch(a);
    ULONG p = _PageReserve(PR_PRIVATE, 2, 0);
    bool ok = p != VXD_ERR && _PageCommit(PG(p), 2, PD_ZEROINIT, 0, PC_WRITEABLE | PC_USER) == 1;
    if (ok) { vt_fill(p, 21); vt_fill(p + PAGE_SIZE, 22); }
    ULONG g = ok ? _LinPageLock(PG(p), 2, PAGEMAPGLOBAL) : 0;
    as_switch(prev);
    CHECK(ok);
    CHECK(g >= SYSTEM_START && g < SYSTEM_END);
    CHECK(!vt_readable(p));                              /* the private pages are not here ... */
    CHECK_EQ(vt_check(g, 21), PAGE_SIZE);                /* ... the alias is, in every space */
    CHECK_EQ(vt_check(g + PAGE_SIZE, 22), PAGE_SIZE);
    *(volatile uint32_t *)(g + 100) = 0xA5A5F00D;
    as_switch(a);
    uint32_t seen = uread(p + 100);
    /* Freeing the block: the frames live on in the alias, still locked. */
    ULONG freed = _PageFree((PVOID)p, 0);
    as_switch(prev);
    CHECK_EQ(seen, 0xA5A5F00D);
    CHECK_EQ(freed, 1);
    CHECK_EQ(vt_locks(g), 1);
    CHECK_EQ(vt_check(g + PAGE_SIZE, 22), PAGE_SIZE);
    CHECK_EQ(as_destroy(a), MM_OK);                      /* the source space is gone too */
    CHECK_EQ(_LinPageUnLock(PG(g), 2, PAGEMAPGLOBAL), 1);
    CHECK(!vt_readable(g));
    CHECK_NOTHING_MOVED(&before);                        /* the directory of `a` included */
    return PASS;
}

TEST(vxd_lock_total, "vxd/lock-pl-totalunlock")
{
    ULONG h = _PageAllocate(1, PG_SYS, 0, 0, 0, 0, NULL, PAGEFIXED);
    CHECK(h);
    CHECK_COSTLESS(_LinPageUnLock(PG(h), 1, PL_TOTALUNLOCK), 0);    /* nothing to unlock */
    for (int i = 0; i < 3; i++) CHECK_EQ(_LinPageLock(PG(h), 1, 0), 1);
    ULONG g = _LinPageLock(PG(h), 1, PAGEMAPGLOBAL);
    CHECK(g);
    CHECK_EQ(mm_lock(h, 1, 0, NULL), MM_OK);             /* one more, from "another API" */
    CHECK_EQ(vt_locks(h), 6);                            /* own + 3 + alias + 1 */
    CHECK_EQ(_LinPageUnLock(PG(h), 1, PL_TOTALUNLOCK), 1);
    CHECK_EQ(vt_locks(h), 2);                            /* the fixed commit's and the alias's stay */
    CHECK_COSTLESS(_LinPageUnLock(PG(h), 1, 0), 0);
    CHECK_EQ(_LinPageUnLock(PG(g), 1, PAGEMAPGLOBAL | PL_TOTALUNLOCK), 0);
    CHECK_EQ(_LinPageUnLock(PG(g), 1, PAGEMAPGLOBAL), 1);
    CHECK_EQ(vt_locks(h), 1);
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    return PASS;
}

TEST(vxd_perm_faults, "vxd/modifypermissions-write-and-ring3-faults")
{
    struct user_result u;
    ULONG r = _PageReserve(PR_SHARED, 1, 0);             /* the shared arena: ring 3 can reach it */
    CHECK(r != VXD_ERR);
    CHECK_EQ(_PageCommit(PG(r), 1, PD_ZEROINIT, 0, PC_USER | PC_WRITEABLE | PC_PRESENT), 1);
    uwrite(r, 0x0BAD5EED);
    CHECK_EQ(user_call(u_read, r, 0, &u), 0);
    CHECK(!u.faulted);
    CHECK_EQ(u.value, 0x0BAD5EED);
    CHECK_EQ(user_call(u_write, r, 77, &u), 0);
    CHECK(!u.faulted);
    CHECK_EQ(uread(r), 77);
    /* Take PC_WRITEABLE away: ring 0 (CR0.WP; in a user-access window, so not SMAP) and ring 3
     * writes fault, reads do not. */
    CHECK_EQ(_PageModifyPermissions(PG(r), 1, ~PC_WRITEABLE, 0), PC_USER | PC_WRITEABLE);
    CHECK(!uprobe_write(r, 1));
    CHECK_EQ(probe_last.err & 3, 3);
    CHECK_EQ(user_call(u_write, r, 78, &u), 0);
    CHECK(u.faulted && u.vector == T_PF && (u.err & 7) == 7);
    CHECK_EQ(user_call(u_read, r, 0, &u), 0);
    CHECK(!u.faulted && u.value == 77);
    /* Take PC_USER away: a ring-3 read faults (present, user), ring 0 still reads. */
    CHECK_EQ(_PageModifyPermissions(PG(r), 1, ~PC_USER, 0), PC_USER);
    CHECK_EQ(user_call(u_read, r, 0, &u), 0);
    CHECK(u.faulted && u.vector == T_PF && (u.err & 5) == 5 && u.cr2 == r);
    CHECK_EQ(*(volatile uint32_t *)r, 77);               /* a supervisor page now: no window */
    /* Grant both back. */
    CHECK_EQ(_PageModifyPermissions(PG(r), 1, ~0u, PC_USER | PC_WRITEABLE), 0);
    CHECK_EQ(user_call(u_write, r, 79, &u), 0);
    CHECK(!u.faulted);
    CHECK_EQ(uread(r), 79);
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    return PASS;
}

TEST(vxd_perm_static, "vxd/modifypermissions-static")
{
    ULONG s = _PageReserve(PR_SYSTEM, 1, PR_STATIC);
    CHECK(s != VXD_ERR);
    CHECK_EQ(_PageCommit(PG(s), 1, PD_ZEROINIT, 0, PC_WRITEABLE | PC_STATIC), 1);
    CHECK_COSTLESS(_PageModifyPermissions(PG(s), 1, ~PC_WRITEABLE, 0), VXD_ERR);
    CHECK(vt_writable(s));
    CHECK_EQ(_PageModifyPermissions(PG(s), 1, ~PC_WRITEABLE, PC_STATIC), PC_WRITEABLE);
    CHECK(!vt_writable(s));
    CHECK_COSTLESS(_PageDecommit(PG(s), 1, 0), 0);       /* static: decommit needs PC_STATIC */
    CHECK_EQ(_PageDecommit(PG(s), 1, PC_STATIC), 1);
    CHECK_EQ(_PageFree((PVOID)s, PR_STATIC), 1);
    return PASS;
}
