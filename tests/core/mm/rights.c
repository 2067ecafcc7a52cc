/*
 * tests/core/mm/rights.c - mm/rights-*: one rights policy per frame class (mm/core/pte.h), applied where
 * every present entry is made or changed, shown through each route that used to escalate:
 *   - _PageModifyPermissions(+PC_WRITEABLE) of a read-only _PageCommitPhys of the ring-3 code
 *     every process shares;
 *   - VMProcessToGlobal(VMDHPG_WRITE) of that code, and VMGlobalToProcess(VMDHGP_WRITE) of a
 *     read-only global view of it;
 * and what the policy allows: a second mapping of pool and kernel-image data (seed 002: a
 * buffered-I/O buffer is pool, mapped by MmMapIoSpace in another process's context), refused
 * for page tables, the PFN database and writable or ring-3 views of kernel code.
 */
#include "tests/vxd/vxd_test.h"
#include "mm/devhlp/devhlp.h"
#include "mm/ntmm/ntmm.h"

extern char _utext_load[];
static pfn_t utext_frame(void) { return ((vaddr_t)_utext_load - KERNEL_VBASE) >> PAGE_SHIFT; }

/* The entry without A and D, which the CPU sets as the page is used. */
static pte_t entry(vaddr_t va) { return pte_read(va) & ~(PTE_A | PTE_D); }

TEST(rights_modify_permissions, "mm/rights-shared-ring3-code-never-writable-modifypermissions")
{
    ULONG r = _PageReserve(PR_SYSTEM, 1, 0);
    CHECK(r && r != VXD_ERR);
    CHECK_EQ(_PageCommitPhys(PG(r), 1, utext_frame(), 0), 1);      /* read-only: allowed */
    pte_t before = entry(r);
    CHECK(before & PTE_P);
    CHECK(!(before & PTE_W));
    uint32_t first = *(volatile uint32_t *)r;                     /* the code's bytes */
    CHECK_EQ(first, *(volatile uint32_t *)(KERNEL_VBASE + ((vaddr_t)_utext_load - KERNEL_VBASE)));
    CHECK_COSTLESS(_PageModifyPermissions(PG(r), 1, ~0u, PC_WRITEABLE), VXD_ERR);
    CHECK_COSTLESS(_PageModifyPermissions(PG(r), 1, ~0u, PC_WRITEABLE | PC_USER), VXD_ERR);
    CHECK_EQ(entry(r), before);                                    /* nothing changed */
    CHECK(!probe_write(r, 0xCC));                                  /* and the write faults */
    CHECK_COSTLESS(_PageCommitPhys(PG(r), 1, utext_frame(), PC_WRITEABLE), 0);   /* committed already */
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    ULONG w = _PageReserve(PR_SYSTEM, 1, 0);
    CHECK(w && w != VXD_ERR);
    CHECK_COSTLESS(_PageCommitPhys(PG(w), 1, utext_frame(), PC_WRITEABLE), 0);  /* writable: refused */
    CHECK_EQ(entry(w), 0);
    CHECK_EQ(_PageFree((PVOID)w, 0), 1);
    return PASS;
}

TEST(rights_p2g_g2p, "mm/rights-shared-ring3-code-never-writable-p2g-g2p")
{
    CHECK(user_text_region(as_current()));                         /* mapped at boot */
    vaddr_t code = USER_TEXT_BASE;
    pte_t before = entry(code);
    struct mm_counts counts;
    mm_counts_take(&counts);
    LIN g = 0, p = 0;
    CHECK_EQ(DevHelp_VMProcessToGlobal(VMDHPG_WRITE, code, PAGE_SIZE, &g), ERROR_ACCESS_DENIED);
    CHECK_NOTHING_MOVED(&counts);
    CHECK_EQ(DevHelp_VMProcessToGlobal(0, code, PAGE_SIZE, &g), NO_ERROR);   /* read-only: fine */
    CHECK(!(entry(g) & PTE_W));
    CHECK(!(entry(g) & PTE_U));
    CHECK_EQ(uread(code), *(volatile uint32_t *)g);
    CHECK(!probe_write(g, 0));
    struct mm_counts with_g;
    mm_counts_take(&with_g);
    CHECK_EQ(DevHelp_VMGlobalToProcess(VMDHGP_WRITE, g, PAGE_SIZE, &p), ERROR_ACCESS_DENIED);
    CHECK_NOTHING_MOVED(&with_g);
    CHECK_EQ(DevHelp_VMGlobalToProcess(0, g, PAGE_SIZE, &p), NO_ERROR);      /* read-only view */
    CHECK(!(entry(p) & PTE_W));
    struct user_result res;
    CHECK_EQ(user_call(u_write, p, 0x90909090u, &res), 0);        /* ring 3 cannot write it */
    CHECK(res.faulted);
    CHECK_EQ(res.vector, T_PF);
    CHECK_EQ(DevHelp_VMFree(p), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(g), NO_ERROR);
    CHECK_EQ(entry(code), before);
    CHECK_NOTHING_MOVED(&counts);
    return PASS;
}

/* Seed 002: a buffered-I/O buffer is pool; MmMapIoSpace of its physical address in another
 * process's context maps the same bytes, writable, ring 0. */
TEST(rights_pool_mapiospace, "mm/rights-pool-mapped-by-mmmapiospace")
{
    uint8_t *buf = kmalloc(256);
    CHECK(buf);
    for (int i = 0; i < 256; i++) buf[i] = (uint8_t)(i ^ 0x5A);
    PHYSICAL_ADDRESS pa = MmGetPhysicalAddress(buf);
    struct as *other = as_create(), *prev = as_current();
    CHECK(other);
    as_switch(other);
    uint8_t *v = MmMapIoSpace(pa, 256, MmCached);
    bool same = v && !memcmp(v, buf, 256);
    pte_t e = v ? entry((vaddr_t)v) : 0;
    if (v) v[7] = 0xEE;
    as_switch(prev);
    uint8_t seen = buf[7];
    if (v) MmUnmapIoSpace(v, 256);
    as_destroy(other);
    kfree(buf);
    CHECK(v);
    CHECK(same);
    CHECK(e & PTE_W);
    CHECK(!(e & PTE_U));
    CHECK_EQ(seen, 0xEE);
    return PASS;
}

/* Kernel-image data and pool MDLs map (MmGetSystemAddressForMdlSafe); page tables, the PFN
 * database and writable views of kernel code are refused everywhere. */
static uint32_t image_buffer[64];

TEST(rights_mdl_image_and_pool, "mm/rights-mdl-of-image-data-and-pool-maps")
{
    image_buffer[3] = 0x1A6E0003u;
    PMDL m = IoAllocateMdl(image_buffer, sizeof image_buffer, FALSE, FALSE, NULL);
    CHECK(m);
    MmBuildMdlForNonPagedPool(m);
    uint32_t *sys = MmGetSystemAddressForMdlSafe(m, NormalPagePriority);
    CHECK(sys);
    CHECK_EQ(sys[3], 0x1A6E0003u);                                /* nonpaged pool: the buffer itself */
    IoFreeMdl(m);
    uint32_t *pool = kmalloc(64);
    CHECK(pool);
    pool[1] = 0x9001u;
    m = IoAllocateMdl(pool, 64, FALSE, FALSE, NULL);
    CHECK(m);
    CHECK_EQ(MmProbeAndLockPagesEx(m, KernelMode, IoModifyAccess), STATUS_SUCCESS);
    uint32_t *view = MmGetSystemAddressForMdlSafe(m, NormalPagePriority);
    CHECK(view && view != pool);
    CHECK_EQ(view[1], 0x9001u);
    view[2] = 0x9002u;
    CHECK_EQ(pool[2], 0x9002u);
    MmUnlockPages(m);
    IoFreeMdl(m);
    kfree(pool);
    PHYSICAL_ADDRESS pd = { .QuadPart = (uint64_t)pte_kernel_directory() << PAGE_SHIFT };
    PHYSICAL_ADDRESS db = MmGetPhysicalAddress((PVOID)PFNDB_BASE);
    PHYSICAL_ADDRESS code = { .QuadPart = KERNEL_PHYS_LOAD };
    struct mm_counts before;
    mm_counts_take(&before);
    CHECK(!MmMapIoSpace(pd, 16, MmCached));
    CHECK(!MmMapIoSpace(db, 16, MmCached));
    CHECK(!MmMapIoSpace(code, 16, MmCached));                      /* MmMapIoSpace is writable */
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}
