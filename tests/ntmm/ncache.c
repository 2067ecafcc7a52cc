/*
 * tests/ntmm/ncache.c - ntmm/noncached-*: MmAllocateNonCachedMemory / MmFreeNonCachedMemory: the
 * PCD|PWT bits in each PTE and the memory type they select through the PAT (UC), pinned zeroed
 * frames, and frees that must name the allocation exactly (mm/ntmm/ncache.c).
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "mm/core/pte.h"
#include "tests/ntmm/ntmm_test.h"

TEST(ntmm_noncached, "ntmm/noncached-pte-bits-through-pat")
{
    struct before b;
    before_take(&b);
    uint32_t locked = mm_locked_frames();
    uint8_t *p = MmAllocateNonCachedMemory(2 * PAGE_SIZE + 1);
    CHECK(p);
    CHECK_EQ((vaddr_t)p & PAGE_MASK, 0);
    CHECK_EQ(mm_locked_frames(), locked + 3);                               /* pinned */
    for (uint32_t i = 0; i < 3; i++) {
        pte_t e = *MiGetPteAddress(p + i * PAGE_SIZE);
        CHECK_EQ(e & (PTE_P | PTE_W | PTE_U | PTE_PCD | PTE_PWT | PTE_PAT), PTE_P | PTE_W | PTE_PCD | PTE_PWT);
        CHECK_EQ(pte_memory_type(e), 0);                                   /* UC */
        for (uint32_t k = 0; k < PAGE_SIZE; k += 4) CHECK(!*(volatile uint32_t *)(p + i * PAGE_SIZE + k));
    }
    p[3 * PAGE_SIZE - 1] = 0x77;
    CHECK_EQ(p[3 * PAGE_SIZE - 1], 0x77);
    uint32_t v;
    CHECK(!probe_read((vaddr_t)p + 3 * PAGE_SIZE, &v));                    /* the guard page */
    struct before mid;
    before_take(&mid);
    MmFreeNonCachedMemory(p, PAGE_SIZE);                                   /* wrong size */
    MmFreeNonCachedMemory(p + PAGE_SIZE, 2 * PAGE_SIZE);                   /* not its start */
    MmFreeNonCachedMemory(p, 0);
    MmFreeNonCachedMemory(NULL, PAGE_SIZE);
    UNCHANGED(&mid, "refused MmFreeNonCachedMemory");
    MmFreeNonCachedMemory(p, 3 * PAGE_SIZE);
    CHECK(!MmIsAddressValid(p));
    MmFreeNonCachedMemory(p, 3 * PAGE_SIZE);                               /* twice: nothing */
    CHECK(MmAllocateNonCachedMemory(0) == NULL);
    CHECK(MmAllocateNonCachedMemory(0x7FFFFFFFu) == NULL);
    UNCHANGED(&b, "non-cached memory freed");
    return PASS;
}
