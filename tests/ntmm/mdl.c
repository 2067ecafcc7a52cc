/*
 * tests/ntmm/mdl.c - ntmm/mdl-...: IoAllocateMdl's sizing and IRP chain, nonpaged-pool MDLs,
 * MmProbeAndLockPages in kernel mode (lock, map a second view, unlock; failures that must lock
 * nothing), MDLs over I/O space and 4 MiB pages, and bad input.  User-mode MDLs:
 * tests/ntmm/mdl_user.c; exceptions and system-PTE exhaustion: tests/ntmm/except.c.
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/ntmm/ntmm.h"
#include "tests/ntmm/ntmm_test.h"

/* C.4 test 7 and the IRP chain. */
TEST(ntmm_mdl_allocate, "ntmm/mdl-allocate")
{
    struct mm_counts before;
    mm_counts_take(&before);
    PMDL m = IoAllocateMdl((PVOID)0x80001234u, 0x2000, FALSE, FALSE, NULL);
    CHECK(m);
    CHECK_EQ((uint32_t)m->StartVa, 0x80001000u);
    CHECK_EQ(m->ByteOffset, 0x234);
    CHECK_EQ(m->ByteCount, 0x2000);
    CHECK_EQ(ntmm_mdl_pages(m), 3);
    CHECK_EQ(m->Size, 28 + 3 * 4);
    CHECK_EQ(m->MdlFlags, MDL_ALLOCATED_FIXED_SIZE);
    CHECK(m->Next == NULL && m->Process == NULL);
    CHECK_EQ((uint32_t)MmGetMdlVirtualAddress(m), 0x80001234u);
    CHECK_EQ((uint32_t)MmGetMdlPfnArray(m), (uint32_t)m + 0x1C);
    IoFreeMdl(m);
    CHECK(IoAllocateMdl((PVOID)0x80001234u, 0x80000000u, FALSE, FALSE, NULL) == NULL);
    CHECK(IoAllocateMdl((PVOID)0x80000000u, 0x7FFFF000u, FALSE, FALSE, NULL) == NULL);   /* Size > 0xFFFF */
    PMDL z = IoAllocateMdl((PVOID)0x80002000u, 0, FALSE, FALSE, NULL);                   /* 0 pages */
    CHECK(z);
    CHECK_EQ(z->Size, 28);
    CHECK_EQ(ntmm_mdl_pages(z), 0);
    CHECK_EQ(z->MdlFlags, MDL_ALLOCATED_FIXED_SIZE);
    PMDL big = IoAllocateMdl((PVOID)0x80000000u, 24 * PAGE_SIZE, FALSE, FALSE, NULL);    /* 24 pages: exact size */
    CHECK(big);
    CHECK_EQ(big->Size, 28 + 24 * 4);
    CHECK_EQ(big->MdlFlags, 0);
    PMDL edge = IoAllocateMdl((PVOID)0x80000FFFu, 22 * PAGE_SIZE + 1, FALSE, FALSE, NULL); /* 23 pages */
    CHECK(edge);
    CHECK_EQ(edge->Size, 28 + 23 * 4);
    CHECK_EQ(edge->MdlFlags, MDL_ALLOCATED_FIXED_SIZE);
    IRP irp = { 6, sizeof(IRP), NULL };
    PMDL a = IoAllocateMdl((PVOID)0x80001000u, 16, TRUE, FALSE, &irp);    /* secondary, but the first */
    PMDL b = IoAllocateMdl((PVOID)0x80002000u, 16, TRUE, FALSE, &irp);
    PMDL c = IoAllocateMdl((PVOID)0x80003000u, 16, TRUE, FALSE, &irp);
    CHECK(a && b && c);
    CHECK(irp.MdlAddress == a && a->Next == b && b->Next == c && c->Next == NULL);
    PMDL d = IoAllocateMdl((PVOID)0x80004000u, 16, FALSE, FALSE, &irp);   /* primary: replaces the head */
    CHECK(irp.MdlAddress == d);
    IoFreeMdl(a); IoFreeMdl(b); IoFreeMdl(c); IoFreeMdl(d);
    IoFreeMdl(z); IoFreeMdl(big); IoFreeMdl(edge);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* C.4 test 8. */
TEST(ntmm_mdl_nonpaged, "ntmm/mdl-nonpaged-pool")
{
    struct mm_counts counts;
    mm_counts_take(&counts);
    uint32_t ptes = counts.syspte_free;
    uint8_t *buf = kmalloc(3 * PAGE_SIZE);
    CHECK(buf);
    PMDL m = IoAllocateMdl(buf + 100, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(m);
    MmBuildMdlForNonPagedPool(m);
    CHECK_EQ(m->MdlFlags & (MDL_SOURCE_IS_NONPAGED_POOL | MDL_IO_SPACE | MDL_PAGES_LOCKED), MDL_SOURCE_IS_NONPAGED_POOL);
    CHECK(m->MappedSystemVa == buf + 100);
    for (ULONG i = 0; i < ntmm_mdl_pages(m); i++)
        CHECK_EQ(MmGetMdlPfnArray(m)[i] << PAGE_SHIFT, MmGetPhysicalAddress((uint8_t *)m->StartVa + i * PAGE_SIZE).LowPart);
    CHECK(MmGetSystemAddressForMdlSafe(m, NormalPagePriority) == buf + 100);
    CHECK_EQ(syspte_free_count(), ptes);                     /* nothing new was mapped */
    CHECK(MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, NULL, FALSE, NormalPagePriority) == NULL);
    IoFreeMdl(m);
    kfree(buf);
    /* Over I/O space: MDL_IO_SPACE.  Over a page that is not present: LIST_HEAD, no flags. */
    uint8_t *io = MmMapIoSpace(phys(0xFED00000u), 16, MmNonCached);
    CHECK(io);
    PMDL mi = IoAllocateMdl(io, 16, FALSE, FALSE, NULL);
    CHECK(mi);
    MmBuildMdlForNonPagedPool(mi);
    ULONG io_flags = mi->MdlFlags;
    PFN_NUMBER io_pfn = MmGetMdlPfnArray(mi)[0];
    IoFreeMdl(mi);
    MmUnmapIoSpace(io, 16);
    CHECK(io_flags & MDL_IO_SPACE);
    CHECK_EQ(io_pfn, 0xFED00);
    PMDL mn = IoAllocateMdl((PVOID)0xFFFE0000u, 16, FALSE, FALSE, NULL);
    CHECK(mn);
    MmBuildMdlForNonPagedPool(mn);
    CHECK_EQ(mn->MdlFlags, MDL_ALLOCATED_FIXED_SIZE);
    CHECK_EQ(MmGetMdlPfnArray(mn)[0], LIST_HEAD_PFN);
    IoFreeMdl(mn);
    /* The precondition: an MDL that is already locked is left alone. */
    struct region *r = sys_block(1, MM_PROT_WRITE);
    CHECK(r);
    PMDL ml = IoAllocateMdl((PVOID)r->base, 64, FALSE, FALSE, NULL);
    CHECK(ml);
    CHECK_EQ(MmProbeAndLockPagesEx(ml, KernelMode, IoReadAccess), STATUS_SUCCESS);
    CSHORT before = ml->MdlFlags;
    MmBuildMdlForNonPagedPool(ml);
    bool unchanged = ml->MdlFlags == before && ml->MappedSystemVa == NULL;
    MmUnlockPages(ml);
    IoFreeMdl(ml);
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK(unchanged);
    CHECK_NOTHING_MOVED(&counts);
    return PASS;
}

/* Kernel mode: lock, map a second view, write through it, unlock (C.4 test 9, last line). */
TEST(ntmm_mdl_kernel_lock_map, "ntmm/mdl-kernel-lock-map-unlock")
{
    struct mm_counts before;
    mm_counts_take(&before);
    uint32_t ptes = before.syspte_free, locked = before.locked_frames;
    struct region *r = sys_block(3, MM_PROT_WRITE);
    CHECK(r);
    PMDL m = IoAllocateMdl((PVOID)(r->base + 0x800), 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(m);
    CHECK_EQ(probe_and_lock(m, KernelMode, IoModifyAccess), STATUS_SUCCESS);
    CHECK_EQ(m->MdlFlags & (MDL_PAGES_LOCKED | MDL_WRITE_OPERATION | MDL_IO_SPACE), MDL_PAGES_LOCKED | MDL_WRITE_OPERATION);
    CHECK(m->Process == NULL);
    CHECK_EQ(mm_locked_frames(), locked + 3);
    for (int i = 0; i < 3; i++) CHECK_EQ(mm_frame_locks(MmGetMdlPfnArray(m)[i]), 1);
    uint8_t *sys = MmGetSystemAddressForMdlSafe(m, NormalPagePriority);
    CHECK(sys);
    CHECK(sys != (uint8_t *)(r->base + 0x800));
    CHECK_EQ((vaddr_t)sys & PAGE_MASK, 0x800);
    CHECK_EQ(m->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA, MDL_MAPPED_TO_SYSTEM_VA);
    CHECK(MmGetSystemAddressForMdlSafe(m, NormalPagePriority) == sys);   /* mapped once */
    CHECK_EQ(syspte_free_count(), ptes - 4);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(MmGetPhysicalAddress(sys - 0x800 + i * PAGE_SIZE).LowPart, MmGetMdlPfnArray(m)[i] << PAGE_SHIFT);
    memcpy(sys + 0xFF0, "across the page boundary", 25);
    CHECK(!memcmp((void *)(r->base + 0x800 + 0xFF0), "across the page boundary", 25));
    MmUnlockPages(m);                                        /* also unmaps */
    CHECK_EQ(m->MdlFlags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA), 0);
    CHECK(!MmIsAddressValid(sys));
    CHECK_EQ(syspte_free_count(), ptes);
    CHECK_EQ(mm_locked_frames(), locked);
    IoFreeMdl(m);
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* Kernel mode: a read-only third page fails a write lock after two pages were locked (the
 * partial array is unlocked); an uncommitted page fails the probe; demand-zero pages are
 * faulted in by it. */
TEST(ntmm_mdl_kernel_failures, "ntmm/mdl-probe-kernel-failures")
{
    struct mm_counts before;
    mm_counts_take(&before);
    uint32_t locked = before.locked_frames;
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 6, 1, OWNER_TEST, NULL);
    CHECK(r);
    vaddr_t b = r->base;
    CHECK_EQ(mm_commit(b, 2, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);
    CHECK_EQ(mm_commit(b + 2 * PAGE_SIZE, 1, 0, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);       /* read-only */
    CHECK_EQ(mm_commit(b + 4 * PAGE_SIZE, 2, MM_PROT_WRITE, 0, NULL, NULL), MM_OK);           /* demand zero */
    PMDL m = IoAllocateMdl((PVOID)b, 3 * PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(m);
    NTSTATUS st = probe_and_lock(m, KernelMode, IoWriteAccess);
    bool clean = !(m->MdlFlags & MDL_PAGES_LOCKED) && MmGetMdlPfnArray(m)[0] == LIST_HEAD_PFN;
    uint32_t after = mm_locked_frames();
    IoFreeMdl(m);
    PMDL hole = IoAllocateMdl((PVOID)(b + 2 * PAGE_SIZE), 3 * PAGE_SIZE, FALSE, FALSE, NULL);  /* page 3 not committed */
    CHECK(hole);
    NTSTATUS sh = probe_and_lock(hole, KernelMode, IoReadAccess);
    IoFreeMdl(hole);
    uint32_t demand = mm_demand_faults;
    PMDL dz = IoAllocateMdl((PVOID)(b + 4 * PAGE_SIZE), 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(dz);
    NTSTATUS sd = probe_and_lock(dz, KernelMode, IoWriteAccess);
    uint32_t faults = mm_demand_faults - demand, dz_locked = mm_locked_frames();
    if (sd == STATUS_SUCCESS) MmUnlockPages(dz);
    IoFreeMdl(dz);
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK_EQ(st, STATUS_ACCESS_VIOLATION);
    CHECK(clean);
    CHECK_EQ(after, locked);
    CHECK_EQ(sh, STATUS_ACCESS_VIOLATION);
    CHECK_EQ(sd, STATUS_SUCCESS);
    CHECK_EQ(faults, 2);
    CHECK_EQ(dz_locked, locked + 2);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* I/O space and 4 MiB pages in an MDL: frames are recorded, MDL_IO_SPACE set, nothing counted. */
TEST(ntmm_mdl_io_space, "ntmm/mdl-io-space-and-large-pages")
{
    struct mm_counts before;
    mm_counts_take(&before);
    uint32_t locked = before.locked_frames;
    uint32_t window = x86.pse ? LARGE_PAGE_SIZE : 0x200000;  /* 0xFEC00000.. : one 4 MiB page with PSE */
    uint8_t *io = MmMapIoSpace(phys(0xFEC00000u), window, MmNonCached);
    CHECK(io);
    bool large = pde_large(*MiGetPdeAddress(io));
    PMDL m = IoAllocateMdl(io + 0x100000, 0x10, FALSE, FALSE, NULL);   /* the HPET's page */
    CHECK(m);
    NTSTATUS st = probe_and_lock(m, KernelMode, IoReadAccess);
    CSHORT flags = m->MdlFlags;
    PFN_NUMBER pfn = MmGetMdlPfnArray(m)[0];
    uint32_t during = mm_locked_frames();
    volatile uint32_t *v = st == STATUS_SUCCESS ? MmMapLockedPagesSpecifyCache(m, KernelMode, MmNonCached, NULL, FALSE, 0) : NULL;
    uint32_t cap = v ? v[0] : 0, direct = *(volatile uint32_t *)(io + 0x100000);
    if (st == STATUS_SUCCESS) MmUnlockPages(m);
    IoFreeMdl(m);
    MmUnmapIoSpace(io, window);
    CHECK_EQ(large, x86.pse);
    CHECK_EQ(st, STATUS_SUCCESS);
    CHECK_EQ(flags & (MDL_IO_SPACE | MDL_PAGES_LOCKED), MDL_IO_SPACE | MDL_PAGES_LOCKED);
    CHECK_EQ(pfn, 0xFED00);
    CHECK_EQ(during, locked);
    CHECK(v);
    CHECK_EQ(cap, direct);                                   /* two views of the same register */
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

TEST(ntmm_mdl_bad_input, "ntmm/mdl-bad-input")
{
    struct mm_counts before;
    mm_counts_take(&before);
    uint32_t ptes = before.syspte_free, locked = before.locked_frames;
    struct region *r = sys_block(2, MM_PROT_WRITE);
    CHECK(r);
    PMDL m = IoAllocateMdl((PVOID)r->base, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(m);
    /* Unlock / map / unmap of an MDL that is not locked: nothing happens. */
    MmUnlockPages(m);
    CHECK_EQ(m->MdlFlags, MDL_ALLOCATED_FIXED_SIZE);
    CHECK(MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, NULL, FALSE, 0) == NULL);
    CHECK(MmGetSystemAddressForMdlSafe(m, 0) == NULL);
    MmUnmapLockedPages((PVOID)r->base, m);
    /* Locked twice: refused, one lock per page. */
    CHECK_EQ(MmProbeAndLockPagesEx(m, KernelMode, IoReadAccess), STATUS_SUCCESS);
    CHECK_EQ(probe_and_lock(m, KernelMode, IoReadAccess), STATUS_INVALID_PARAMETER);
    CHECK_EQ(mm_frame_locks(MmGetMdlPfnArray(m)[0]), 1);
    CHECK(MmMapLockedPagesSpecifyCache(m, 2, MmCached, NULL, FALSE, 0) == NULL);              /* not a mode (user mode: tests/ntmm/mdl_user.c) */
    CHECK(MmMapLockedPagesSpecifyCache(m, KernelMode, (MEMORY_CACHING_TYPE)6, NULL, FALSE, 0) == NULL);
    CHECK_EQ(syspte_free_count(), ptes);
    uint8_t *sys = MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, NULL, FALSE, 0);
    CHECK(sys);
    CHECK(MmMapLockedPagesSpecifyCache(m, KernelMode, MmCached, NULL, FALSE, 0) == NULL);     /* mapped already */
    MmUnmapLockedPages(sys + PAGE_SIZE, m);                  /* not its address */
    MmUnmapLockedPages((PVOID)r->base, m);
    CHECK(MmIsAddressValid(sys));
    MmUnmapLockedPages(sys, m);
    CHECK(!MmIsAddressValid(sys));
    CHECK_EQ(m->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA, 0);
    MmUnmapLockedPages(sys, m);                              /* twice */
    MmUnlockPages(m);
    MmUnlockPages(m);                                        /* unlock of an unlocked MDL */
    CHECK_EQ(mm_locked_frames(), locked);
    /* Zero length, the page tables, the invalid region, a wrapping range. */
    PMDL z = IoAllocateMdl((PVOID)r->base, 0, FALSE, FALSE, NULL);
    PMDL pt = IoAllocateMdl((PVOID)PDE_BASE, 16, FALSE, FALSE, NULL);
    PMDL inv = IoAllocateMdl((PVOID)0xFFFE0000u, 16, FALSE, FALSE, NULL);
    PMDL wrap = IoAllocateMdl((PVOID)0xFFFFF000u, 0x2000, FALSE, FALSE, NULL);
    CHECK(z && pt && inv && wrap);
    CHECK_EQ(probe_and_lock(z, KernelMode, IoReadAccess), STATUS_INVALID_PARAMETER);
    CHECK_EQ(probe_and_lock(pt, KernelMode, IoReadAccess), STATUS_ACCESS_VIOLATION);
    CHECK_EQ(probe_and_lock(inv, KernelMode, IoReadAccess), STATUS_ACCESS_VIOLATION);
    CHECK_EQ(probe_and_lock(wrap, KernelMode, IoReadAccess), STATUS_ACCESS_VIOLATION);
    CHECK_EQ(probe_and_lock(inv, UserMode, IoReadAccess), STATUS_ACCESS_VIOLATION);
    /* An MDL whose Size is too small for its pages (its PFN array would overflow). */
    m->Size = sizeof(MDL);
    CHECK_EQ(MmProbeAndLockPagesEx(m, KernelMode, IoReadAccess), STATUS_INVALID_PARAMETER);
    IoFreeMdl(z); IoFreeMdl(pt); IoFreeMdl(inv); IoFreeMdl(wrap); IoFreeMdl(m);
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK_NOTHING_MOVED(&before);
    CHECK_MM_OK();
    return PASS;
}

