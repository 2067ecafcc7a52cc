/*
 * tests/ntmm/mdlhelp.c - ntmm/mdl-helpers-*: what drivers compute about MDLs (MmSizeOfMdl,
 * MmInitializeMdl, ADDRESS_AND_SIZE_TO_SPAN_PAGES, the MmGetMdl* accessors, MmGetMdlPfnArray),
 * partial MDLs (IoBuildPartialMdl, MmPrepareMdlForReuse) shown on the PTEs of their mappings, and
 * MmIsNonPagedSystemAddressValid.
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "mm/core/pte.h"
#include "tests/ntmm/ntmm_test.h"

TEST(ntmm_mdl_sizes, "ntmm/mdl-helpers-size-init-span")
{
    static const struct { vaddr_t va; uint32_t len, pages; } t[] = {
        { 0x10000, 0, 0 }, { 0x10000, 1, 1 }, { 0x10FFF, 1, 1 }, { 0x10FFF, 2, 2 }, { 0x10000, 0x1000, 1 },
        { 0x10001, 0x1000, 2 }, { 0x10800, 0x2000, 3 }, { 0xFFFFF000u, 0x1000, 1 }, { 0x1000, 0xFFFFFFFFu, 0x100000 },
    };
    for (uint32_t i = 0; i < ARRAY_SIZE(t); i++) {
        CHECK_MSG(ADDRESS_AND_SIZE_TO_SPAN_PAGES((PVOID)t[i].va, t[i].len) == t[i].pages, "case %u", i);
        CHECK_EQ(MmSizeOfMdl((PVOID)t[i].va, t[i].len), sizeof(MDL) + 4 * t[i].pages);
    }
    struct { MDL m; PFN_NUMBER pfn[3]; } s;
    memset(&s, 0xCC, sizeof s);
    MmInitializeMdl(&s.m, (PVOID)0x12345678u, 0x2000);
    CHECK(s.m.Next == NULL && s.m.Process == NULL && s.m.MappedSystemVa == NULL);
    CHECK_EQ(s.m.MdlFlags, 0);
    CHECK_EQ((uint16_t)s.m.Size, sizeof(MDL) + 3 * 4);
    CHECK(MmGetMdlBaseVa(&s.m) == (PVOID)0x12345000u);
    CHECK(MmGetMdlVirtualAddress(&s.m) == (PVOID)0x12345678u);
    CHECK_EQ(MmGetMdlByteOffset(&s.m), 0x678);
    CHECK_EQ(MmGetMdlByteCount(&s.m), 0x2000);
    CHECK(MmGetMdlPfnArray(&s.m) == s.pfn);
    return PASS;
}

/* The PFN array after a lock is what the page tables say. */
TEST(ntmm_mdl_pfn_array, "ntmm/mdl-helpers-pfn-array-matches-ptes")
{
    struct region *blk = sys_block(3, MM_PROT_WRITE);
    CHECK(blk);
    PMDL m = IoAllocateMdl((PVOID)(blk->base + 0x10), 3 * PAGE_SIZE - 0x20, FALSE, FALSE, NULL);
    CHECK(m && MmProbeAndLockPagesEx(m, KernelMode, IoReadAccess) == STATUS_SUCCESS);
    for (uint32_t i = 0; i < 3; i++)
        CHECK_EQ(MmGetMdlPfnArray(m)[i], pte_pfn(*MiGetPteAddress(blk->base + i * PAGE_SIZE)));
    MmUnlockPages(m);
    IoFreeMdl(m);
    mm_release(blk);
    return PASS;
}

TEST(ntmm_mdl_partial, "ntmm/mdl-helpers-partial-build-map-reuse")
{
    struct region *blk = sys_block(4, MM_PROT_WRITE);
    CHECK(blk);
    vaddr_t base = blk->base;
    for (uint32_t i = 0; i < 4; i++) *(volatile uint32_t *)(base + i * PAGE_SIZE + 0x800) = 0xBA5E0000u + i;
    PMDL src = IoAllocateMdl((PVOID)base, 4 * PAGE_SIZE, FALSE, FALSE, NULL);
    PMDL part = IoAllocateMdl((PVOID)base, 4 * PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(src && part && MmProbeAndLockPagesEx(src, KernelMode, IoWriteAccess) == STATUS_SUCCESS);
    struct before b;
    before_take(&b);
    MDL keep = *part;
    IoBuildPartialMdl(src, part, (PVOID)(base - 1), 16);                   /* before the buffer */
    IoBuildPartialMdl(src, part, (PVOID)(base + 0x3000), 0x2000);           /* past its end */
    IoBuildPartialMdl(src, part, (PVOID)(base + 4 * PAGE_SIZE), 0);
    CHECK(memcmp(&keep, part, sizeof keep) == 0);
    UNCHANGED(&b, "refused IoBuildPartialMdl");
    IoBuildPartialMdl(src, part, (PVOID)(base + 0x1800), 0x2000);
    CHECK(part->StartVa == (PVOID)(base + 0x1000));
    CHECK_EQ(part->ByteOffset, 0x800);
    CHECK_EQ(part->ByteCount, 0x2000);
    CHECK_EQ(part->MdlFlags & ~MDL_ALLOCATED_FIXED_SIZE, MDL_PARTIAL | MDL_WRITE_OPERATION);
    CHECK_EQ(MmGetMdlPfnArray(part)[0], MmGetMdlPfnArray(src)[1]);
    CHECK_EQ(MmGetMdlPfnArray(part)[1], MmGetMdlPfnArray(src)[2]);
    uint8_t *v = MmMapLockedPagesSpecifyCache(part, KernelMode, MmCached, NULL, FALSE, 0);
    CHECK(v);
    CHECK_EQ((vaddr_t)v & PAGE_MASK, 0x800);
    CHECK_EQ(pte_pfn(*MiGetPteAddress(v)), MmGetMdlPfnArray(src)[1]);
    CHECK_EQ(pte_pfn(*MiGetPteAddress(v + PAGE_SIZE)), MmGetMdlPfnArray(src)[2]);
    CHECK_EQ(*(volatile uint32_t *)v, 0xBA5E0001u);
    CHECK_EQ(*(volatile uint32_t *)(v + PAGE_SIZE), 0xBA5E0002u);
    CHECK_EQ(part->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED),
             MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED);
    MmPrepareMdlForReuse(part);
    CHECK(!MmIsAddressValid(v));
    CHECK_EQ(part->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED), 0);
    /* Length 0: to the end of the source; a mapped source: its address, flagged as the parent's. */
    uint8_t *sv = MmGetSystemAddressForMdlSafe(src, NormalPagePriority);
    CHECK(sv);
    IoBuildPartialMdl(src, part, (PVOID)(base + 0x2004), 0);
    CHECK_EQ(part->ByteCount, 0x1FFC);
    CHECK_EQ(part->MdlFlags & (MDL_PARENT_MAPPED_SYSTEM_VA | MDL_MAPPED_TO_SYSTEM_VA),
             MDL_PARENT_MAPPED_SYSTEM_VA | MDL_MAPPED_TO_SYSTEM_VA);
    CHECK(MmGetSystemAddressForMdlSafe(part, 0) == sv + 0x2004);
    CHECK(MmMapLockedPagesSpecifyCache(part, KernelMode, MmCached, NULL, FALSE, 0) == NULL);
    MmUnmapLockedPages(sv + 0x2004, part);                                 /* the parent's: kept */
    CHECK(MmIsAddressValid(sv));
    MmPrepareMdlForReuse(part);                                            /* never mapped itself */
    CHECK(MmIsAddressValid(sv));
    MmUnlockPages(src);
    IoFreeMdl(src);
    IoFreeMdl(part);
    mm_release(blk);
    return PASS;
}

TEST(ntmm_nonpaged_valid, "ntmm/mdl-helpers-nonpaged-system-address-valid")
{
    void *k = kmalloc(32);
    struct region *blk = sys_block(1, MM_PROT_WRITE);
    PVOID np = ExAllocatePoolWithTag(NonPagedPool, PAGE_SIZE, 1), pg = ExAllocatePoolWithTag(PagedPool, PAGE_SIZE, 1);
    vaddr_t spte = syspte_alloc(1);                                        /* allocated, nothing mapped */
    CHECK(k && blk && np && pg && spte);
    bool a = MmIsNonPagedSystemAddressValid(k), b = MmIsNonPagedSystemAddressValid((PVOID)blk->base),
         c = MmIsNonPagedSystemAddressValid((PVOID)(KERNEL_VBASE + KERNEL_PHYS_LOAD)),
         d = MmIsNonPagedSystemAddressValid(np), e = MmIsNonPagedSystemAddressValid(pg),
         f = MmIsNonPagedSystemAddressValid((PVOID)USER_TEXT_BASE), g = MmIsNonPagedSystemAddressValid((PVOID)PDE_BASE),
         h = MmIsNonPagedSystemAddressValid((PVOID)spte), i = MmIsNonPagedSystemAddressValid((PVOID)BAD_POINTER);
    kfree(k);
    syspte_free(spte, 1);
    mm_release(blk);
    ExFreePool(np);
    ExFreePool(pg);
    CHECK(a && b && c && d);
    CHECK_MSG(!e && !f && !g && !h && !i, "%u %u %u %u %u", e, f, g, h, i);
    return PASS;
}
