/*
 * tests/ntmm/reserved.c - ntmm/reserved-*: MmAllocateMappingAddress and friends, read through the
 * self-map as a driver (or ReactOS's kmtest MmReservedMapping) would: NT 5.2's two header PTEs,
 * the MDL's frames in the range, the byte offset kept, the entries cleared on unmap, and the
 * SYSTEM_PTE_MISUSE reports (mm/ntmm/reserved.c).
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "mm/core/pte.h"
#include "tests/ntmm/ntmm_test.h"

#define TAG 0x4B6D524Du                 /* 'MRmK', ReactOS's kmtest tag: bit 10 is set */

/* The PTE of va through the self-map, 0 where there is no page table. */
static pte_t pte_at(vaddr_t va) { return mm_table_present(va) ? *MiGetPteAddress(va) : 0; }

/* The range's first `valid` entries map pfns[], the rest are 0; the headers are NT 5.2's. */
static const char *validate(PVOID base, uint32_t total, ULONG tag, uint32_t valid, const PFN_NUMBER *pfns)
{
    vaddr_t b = PAGE_ALIGN_DOWN((vaddr_t)base);
    for (uint32_t i = 0; i < total; i++) {
        pte_t e = pte_at(b + i * PAGE_SIZE);
        if (i < valid) {
            CHECK_MSG((e & PTE_P) && pte_pfn(e) == pfns[i], "page %u: %08x, frame %x", i, e, pfns[i]);
        } else {
            CHECK_MSG(e == 0, "page %u: %08x", i, e);
        }
    }
    CHECK_EQ(pte_at(b - PAGE_SIZE), tag & ~1u);
    CHECK_EQ(pte_at(b - 2 * PAGE_SIZE), (total + 2) * 2);
    return PASS;
}

TEST(ntmm_reserved_headers, "ntmm/reserved-header-ptes")
{
    struct before b;
    before_take(&b);
    uint32_t ptes = syspte_free_count(), charge = mm_commit_charge();
    PVOID m = MmAllocateMappingAddress(10 * PAGE_SIZE, TAG);
    CHECK(m);
    CHECK_EQ((vaddr_t)m & PAGE_MASK, 0);
    TRY(validate(m, 10, TAG, 0, NULL));
    CHECK_EQ(syspte_free_count(), ptes - 13);                              /* 2 headers, 10, a guard */
    CHECK_EQ(mm_commit_charge(), charge);                                  /* 'MRmK' & ~1 looks demand-zero */
    uint32_t v;
    CHECK(!probe_read((vaddr_t)m, &v));                                    /* nothing mapped: faults */
    CHECK(!probe_read((vaddr_t)m - PAGE_SIZE, &v));                        /* nor is a header */
    CHECK(!MmIsAddressValid(m));
    PVOID one = MmAllocateMappingAddress(1, 1);                            /* 1 byte: 1 page; tag 1: PTE 0 */
    CHECK(one);
    TRY(validate(one, 1, 1, 0, NULL));
    char why[120];
    CHECK_MSG(mm_check(why, sizeof why), "%s", why);
    MmFreeMappingAddress(one, 1);
    MmFreeMappingAddress((PUCHAR)m + 4, TAG);                              /* an offset is fine */
    CHECK_EQ(pte_at((vaddr_t)m - PAGE_SIZE), 0);
    CHECK_EQ(pte_at((vaddr_t)m - 2 * PAGE_SIZE), 0);
    UNCHANGED(&b, "reservations freed");
    CHECK(MmAllocateMappingAddress(PAGE_SIZE, 0) == NULL);                 /* callers must identify */
    CHECK(MmAllocateMappingAddress(0x10000001u, TAG) == NULL);             /* more than the pool */
    ULONG n = ntmm_last_bugcheck.count;
    CHECK(MmAllocateMappingAddress(0, TAG) == NULL);
    CHECK(reported(n, SYSTEM_PTE_MISUSE, 0x100));
    UNCHANGED(&b, "refused reservations");
    return PASS;
}

TEST(ntmm_reserved_map, "ntmm/reserved-map-unmap")
{
    PVOID m = MmAllocateMappingAddress(10 * PAGE_SIZE, TAG);
    PMDL one = MmAllocatePagesForMdlEx(phys(0), phys(~0ull), phys(0), PAGE_SIZE, MmCached, 0);
    PMDL all = MmAllocatePagesForMdl(phys(0), phys(~0ull), phys(0), 10 * PAGE_SIZE);   /* no cache type fixed */
    PMDL big = MmAllocatePagesForMdlEx(phys(0), phys(~0ull), phys(0), 11 * PAGE_SIZE, MmCached, 0);
    CHECK(m && one && all && big && big->ByteCount == 11 * PAGE_SIZE);
    uint32_t free = mm_free_frames();
    PVOID v = MmMapLockedPagesWithReservedMapping(m, TAG, one, MmCached);
    CHECK(v == m);
    TRY(validate(m, 10, TAG, 1, MmGetMdlPfnArray(one)));
    CHECK_EQ(one->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA, MDL_MAPPED_TO_SYSTEM_VA);
    CHECK(one->MappedSystemVa == v);
    *(volatile ULONG *)v = 0x01234567;
    CHECK_EQ(*(volatile ULONG *)v, 0x01234567);
    MmUnmapReservedMapping(v, TAG, one);
    TRY(validate(m, 10, TAG, 0, NULL));
    uint32_t x;
    CHECK(!probe_read((vaddr_t)m, &x));                                    /* the entry was flushed */
    CHECK_EQ(one->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA, 0);
    /* An unaligned MappingAddress keeps its byte offset (NT 5.2; Windows 8 aligns down). */
    v = MmMapLockedPagesWithReservedMapping((PUCHAR)m + 4, TAG, one, MmCached);
    CHECK(v == (PUCHAR)m + 4);
    CHECK_EQ(*(volatile ULONG *)m, 0x01234567);                            /* the same frame at the start */
    MmUnmapReservedMapping(v, TAG, one);
    v = MmMapLockedPagesWithReservedMapping(m, TAG, all, MmNonCached);
    CHECK(v == m);
    TRY(validate(m, 10, TAG, 10, MmGetMdlPfnArray(all)));
    for (uint32_t i = 0; i < 10; i++) {
        pte_t e = pte_at((vaddr_t)m + i * PAGE_SIZE);
        CHECK_EQ(e & (PTE_PCD | PTE_PWT | PTE_W), PTE_PCD | PTE_PWT | PTE_W);
        *(volatile ULONG *)((PUCHAR)m + i * PAGE_SIZE) = 0x01234567 + i;
    }
    MmUnmapReservedMapping(v, TAG, all);
    TRY(validate(m, 10, TAG, 0, NULL));
    struct before b;
    before_take(&b);
    CHECK(MmMapLockedPagesWithReservedMapping(m, TAG, big, MmCached) == NULL);   /* larger than it */
    CHECK(MmMapLockedPagesWithReservedMapping(m, TAG, one, MmMaximumCacheType) == NULL);
    CHECK(MmMapLockedPagesWithReservedMapping((PUCHAR)m + 0xFFF, TAG, one, MmCached) == (PUCHAR)m + 0xFFF);
    MmUnmapReservedMapping((PUCHAR)m + 0xFFF, TAG, one);
    UNCHANGED(&b, "refused reserved maps");
    MmFreePagesFromMdl(one);
    MmFreePagesFromMdl(all);
    MmFreePagesFromMdl(big);
    ExFreePool(one);
    ExFreePool(all);
    ExFreePool(big);
    MmFreeMappingAddress(m, TAG);
    CHECK(mm_free_frames() >= free);
    return PASS;
}

/* A locked buffer with a byte offset: the mapping returns the reservation + ByteOffset. */
TEST(ntmm_reserved_offset, "ntmm/reserved-map-keeps-byte-offset")
{
    struct region *blk = sys_block(3, MM_PROT_WRITE);
    CHECK(blk);
    *(volatile uint32_t *)(blk->base + 0x1123) = 0xFEEDC0DEu;
    PMDL mdl = IoAllocateMdl((PVOID)(blk->base + 0x123), PAGE_SIZE + 0x10, FALSE, FALSE, NULL);
    CHECK(mdl && MmProbeAndLockPagesEx(mdl, KernelMode, IoReadAccess) == STATUS_SUCCESS);
    PVOID m = MmAllocateMappingAddress(2 * PAGE_SIZE, TAG);
    CHECK(m);
    PUCHAR v = MmMapLockedPagesWithReservedMapping(m, TAG, mdl, MmCached);
    CHECK(v == (PUCHAR)m + 0x123);
    CHECK_EQ(*(volatile uint32_t *)(v + 0x1000), 0xFEEDC0DEu);
    CHECK(MmMapLockedPagesWithReservedMapping((PUCHAR)m + 0xF00, TAG, mdl, MmCached) == NULL);   /* mapped */
    MmUnmapReservedMapping(v, TAG, mdl);
    CHECK(MmMapLockedPagesWithReservedMapping((PUCHAR)m + 0xF00, TAG, mdl, MmCached) == NULL);   /* 2nd page */
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
    MmFreeMappingAddress(m, TAG);
    mm_release(blk);
    return PASS;
}

/* Misuse: NT bug checks SYSTEM_PTE_MISUSE; here it is reported and nothing changes. */
TEST(ntmm_reserved_misuse, "ntmm/reserved-misuse-reported")
{
    PVOID m = MmAllocateMappingAddress(2 * PAGE_SIZE, TAG);
    PMDL a = MmAllocatePagesForMdl(phys(0), phys(~0ull), phys(0), PAGE_SIZE);
    PMDL c = MmAllocatePagesForMdl(phys(0), phys(~0ull), phys(0), PAGE_SIZE);
    CHECK(m && a && c);
    struct before b;
    before_take(&b);
    ULONG n = ntmm_last_bugcheck.count;
    CHECK(MmMapLockedPagesWithReservedMapping(m, TAG + 2, a, MmCached) == NULL);
    CHECK(reported(n, SYSTEM_PTE_MISUSE, 0x104));
    n = ntmm_last_bugcheck.count;
    CHECK(MmMapLockedPagesWithReservedMapping((PVOID)0xE8000000u, TAG, a, MmCached) == NULL);   /* no reservation */
    CHECK(reported(n, SYSTEM_PTE_MISUSE, 0x104));
    n = ntmm_last_bugcheck.count;
    MmUnmapReservedMapping(m, TAG, a);                                     /* nothing mapped */
    CHECK(reported(n, SYSTEM_PTE_MISUSE, 0x109));
    n = ntmm_last_bugcheck.count;
    MmFreeMappingAddress(m, TAG ^ 0x100);
    CHECK(reported(n, SYSTEM_PTE_MISUSE, 0x101));
    UNCHANGED(&b, "misused reservation");
    CHECK(MmMapLockedPagesWithReservedMapping(m, TAG, a, MmCached) == m);
    before_take(&b);
    n = ntmm_last_bugcheck.count;
    CHECK(MmMapLockedPagesWithReservedMapping(m, TAG, c, MmCached) == NULL);   /* in use */
    CHECK(reported(n, SYSTEM_PTE_MISUSE, 0x107));
    n = ntmm_last_bugcheck.count;
    MmFreeMappingAddress(m, TAG);                                          /* still mapped */
    CHECK(reported(n, SYSTEM_PTE_MISUSE, 0x103));
    n = ntmm_last_bugcheck.count;
    MmUnmapReservedMapping(m, TAG + 2, a);
    CHECK(reported(n, SYSTEM_PTE_MISUSE, 0x108));
    n = ntmm_last_bugcheck.count;
    MmUnmapReservedMapping(m, TAG, c);                                     /* not the MDL mapped */
    MmUnmapLockedPages(m, a);                                              /* not a system-PTE mapping */
    CHECK_EQ(ntmm_last_bugcheck.count, n);
    UNCHANGED(&b, "misused mapped reservation");
    CHECK(MmIsAddressValid(m));
    MmUnmapReservedMapping(m, TAG, a);
    MmFreeMappingAddress(m, TAG);
    MmFreePagesFromMdl(a);
    MmFreePagesFromMdl(c);
    ExFreePool(a);
    ExFreePool(c);
    return PASS;
}
