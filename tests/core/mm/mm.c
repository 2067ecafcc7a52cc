/*
 * tests/core/mm/mm.c - mm/...: the paging core on the real MMU.  Every mapping is proven by
 * reading or writing through it, every protection by taking the fault.
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "mm/mm.h"
#include "mm/core/core.h"
#include "mm/core/pte.h"
#include "tests/core/mm/frames.h"

/* sys_block (tests/core/mm/frames.h) as the tests here use it: the block's address, 0 on
 * failure; *r receives the region. */
static vaddr_t sys_block_va(uint32_t n, uint32_t prot, struct region **r)
{
    *r = sys_block(n, prot);
    return *r ? (*r)->base : 0;
}

TEST(mm_crisscross, "mm/criss-cross")
{
    struct region *a, *b;
    vaddr_t va = sys_block_va(1, MM_PROT_WRITE, &a);
    CHECK(va);
    b = mm_reserve(ARENA_SYSTEM, 0, 1, 1, OWNER_TEST, NULL);
    CHECK(b);
    CHECK_EQ(mm_alias(b->base, va, 1, MM_PROT_WRITE), MM_OK);
    CHECK_EQ(pte_pfn(pte_read(va)), pte_pfn(pte_read(b->base)));
    CHECK_EQ(pfn_db[pte_pfn(pte_read(va))].map_count, 2);
    *(volatile uint32_t *)va = 0x11112222;
    CHECK_EQ(*(volatile uint32_t *)b->base, 0x11112222);
    *(volatile uint32_t *)(b->base + 0xFFC) = 0x33334444;
    CHECK_EQ(*(volatile uint32_t *)(va + 0xFFC), 0x33334444);
    /* Freeing one view keeps the frame for the other. */
    CHECK_EQ(mm_release(a), MM_OK);
    CHECK_EQ(*(volatile uint32_t *)b->base, 0x11112222);
    CHECK_EQ(mm_release(b), MM_OK);
    return PASS;
}

static const char *tlb_reuse(void)
{
    struct region *ra, *rb;
    vaddr_t a = sys_block_va(1, MM_PROT_WRITE, &ra), b = sys_block_va(1, MM_PROT_WRITE, &rb);
    CHECK(a && b);
    *(volatile uint32_t *)a = 0xAAAAAAAA;
    *(volatile uint32_t *)b = 0xBBBBBBBB;
    vaddr_t v = syspte_alloc(1);
    CHECK(v);
    CHECK_EQ(mm_map_physical(v, 1, pte_pfn(pte_read(a)), 1, MM_PROT_WRITE), MM_OK);
    CHECK_EQ(*(volatile uint32_t *)v, 0xAAAAAAAA);      /* V -> A is now in the TLB */
    pte_remap(v, pte_make(v, pte_pfn(pte_read(b)), PTE_W));
    CHECK_EQ(*(volatile uint32_t *)v, 0xBBBBBBBB);      /* the new frame, not a stale entry */
    CHECK_EQ(mm_decommit(v, 1), MM_OK);
    uint32_t x;
    CHECK(!probe_read(v, &x));                           /* cleared means gone from the TLB too */
    CHECK_EQ(syspte_free(v, 1), MM_OK);
    mm_release(ra);
    mm_release(rb);
    return PASS;
}

TEST(mm_tlb_reuse, "mm/tlb-reuse")
{
    return tlb_reuse();
}

TEST(mm_tlb_reuse_cr3, "mm/tlb-reuse-cr3-fallback")
{
    x86_force_cr3_flush = true;                          /* the path a CPU without invlpg takes */
    const char *r = tlb_reuse();
    x86_force_cr3_flush = false;
    return r;
}

TEST(mm_stale_pde, "mm/pde-recreated-not-stale")
{
    /* A page table freed and re-created at the same index must be reached through its new
     * frame: the self-map's cached translation of the old table would write into freed memory. */
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 1024, 1024, OWNER_TEST, NULL);
    CHECK(r);
    CHECK_EQ(mm_commit(r->base, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);
    pfn_t pt1 = *MiGetPdeAddress(r->base) >> PAGE_SHIFT;
    *(volatile uint32_t *)r->base = 1;
    CHECK_EQ(mm_decommit(r->base, 1), MM_OK);
    CHECK_EQ(*MiGetPdeAddress(r->base), 0);              /* the empty table was freed */
    pfn_t hold = pfn_alloc(0);                           /* make the next table a different frame */
    CHECK_EQ(mm_commit(r->base + 5 * PAGE_SIZE, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);
    pfn_t pt2 = *MiGetPdeAddress(r->base) >> PAGE_SHIFT;
    pfn_free(hold);
    *(volatile uint32_t *)(r->base + 5 * PAGE_SIZE) = 0x5A5A5A5A;
    CHECK_EQ(*(volatile uint32_t *)(r->base + 5 * PAGE_SIZE), 0x5A5A5A5A);
    CHECK(pt1 != pt2);
    CHECK_EQ(pfn_db[pt2].map_count, 1);
    CHECK_EQ(mm_release(r), MM_OK);
    return PASS;
}

TEST(mm_demand_zero, "mm/demand-zero")
{
    uint32_t before = mm_free_frames();
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 3, 1, OWNER_TEST, NULL);
    CHECK(r);
    CHECK_EQ(mm_commit(r->base, 3, MM_PROT_WRITE, 0, NULL, NULL), MM_OK);
    pte_t e = pte_read(r->base + PAGE_SIZE);
    CHECK(!(e & PTE_P));
    CHECK(e & PTE_NP_DEMAND);
    uint32_t mid = mm_free_frames();                     /* only the page table was taken */
    uint32_t faults = mm_demand_faults;
    CHECK_EQ(*(volatile uint32_t *)(r->base + PAGE_SIZE + 8), 0);   /* first touch: a zeroed frame */
    CHECK_EQ(mm_demand_faults, faults + 1);
    CHECK(pte_read(r->base + PAGE_SIZE) & PTE_P);
    CHECK_EQ(mm_free_frames(), mid - 1);
    CHECK(!(pte_read(r->base) & PTE_P));                 /* its neighbours are still demand */
    CHECK_EQ(mm_decommit(r->base, 3), MM_OK);
    CHECK_EQ(mm_free_frames(), before);
    uint32_t x;
    CHECK(!probe_read(r->base + PAGE_SIZE, &x));         /* decommitted: faults, not re-demanded */
    CHECK_EQ(mm_release(r), MM_OK);
    return PASS;
}

TEST(mm_readonly_ring0, "mm/protection-ring0-wp")
{
    struct region *r;
    vaddr_t va = sys_block_va(1, 0, &r);
    CHECK(va);
    uint32_t x;
    CHECK(probe_read(va, &x));
    CHECK(!probe_write(va, 1));
    CHECK_EQ(probe_last.err & 3, 3);                     /* a protection fault on a write */
    uint32_t old;
    CHECK_EQ(mm_protect(va, 1, ~0u, MM_PROT_WRITE, &old), MM_OK);
    CHECK_EQ(old, 0);
    CHECK(probe_write(va, 7));
    CHECK_EQ(mm_protect(va, 1, ~MM_PROT_WRITE, 0, &old), MM_OK);
    CHECK_EQ(old, MM_PROT_WRITE);
    CHECK(!probe_write(va, 8));                          /* the write right is gone from the TLB */
    CHECK_EQ(*(volatile uint32_t *)va, 7);
    mm_release(r);
    return PASS;
}

TEST(mm_ring3, "mm/protection-ring3")
{
    struct as *p = as_create(), *prev = as_current();
    CHECK(p);
    as_switch(p);
    struct user_result u;
    const char *fail = NULL;
    struct region *r = mm_reserve(ARENA_PRIVATE, 0, 3, 1, OWNER_TEST, NULL);
    if (!r) fail = "reserve";
    vaddr_t ro = r->base, rw = r->base + PAGE_SIZE, sup = r->base + 2 * PAGE_SIZE;
    if (!fail && (mm_commit(ro, 1, MM_PROT_USER, MM_COMMIT_PRESENT, NULL, NULL) ||
                  mm_commit(rw, 1, MM_PROT_USER | MM_PROT_WRITE, 0, NULL, NULL) ||
                  mm_commit(sup, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL)))
        fail = "commit";
    if (!fail && (user_call(u_read, ro, 0, &u) || u.faulted || u.value != 0)) fail = "user read of a user page";
    if (!fail && (user_call(u_write, ro, 5, &u) || !u.faulted || u.vector != T_PF || (u.err & 7) != 7))
        fail = "user write of a read-only user page did not fault (P|W|U)";
    if (!fail && (user_call(u_write, rw, 9, &u) || u.faulted)) fail = "user write of a demand-zero user page";
    if (!fail && uread(rw) != 9) fail = "ring-3 write not seen by ring 0";
    if (!fail && (user_call(u_read, sup, 0, &u) || !u.faulted || (u.err & 5) != 5))
        fail = "user read of a supervisor page did not fault (P|U)";
    if (!fail && (user_call(u_read, 0x80100000u, 0, &u) || !u.faulted)) fail = "user read of the kernel image";
    if (!fail && (user_call(u_read, 0xC0300000u, 0, &u) || !u.faulted)) fail = "user read of the page tables";
    as_switch(prev);
    CHECK_EQ(as_destroy(p), MM_OK);
    return fail ? test_fail(__FILE__, __LINE__, "%s", fail) : PASS;
}

TEST(mm_global_visibility, "mm/global-visibility")
{
    struct as *a = as_create(), *b = as_create(), *prev = as_current();
    CHECK(a && b);
    as_switch(a);
    struct region *g, *priv = mm_reserve(ARENA_PRIVATE, 0x00800000u, 1, 1, OWNER_TEST, NULL);
    vaddr_t gva = sys_block_va(8, MM_PROT_WRITE, &g);      /* made while A is current */
    bool ok = priv && gva && mm_commit(0x00800000u, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL) == MM_OK;
    if (ok) { *(volatile uint32_t *)gva = 0xA11A11; *(volatile uint32_t *)0x00800000u = 0xA; }
    as_switch(b);
    uint32_t gv = 0, pv = 0;
    bool gread = probe_read(gva, &gv), pread = probe_read(0x00800000u, &pv);
    as_switch(prev);
    as_destroy(a);
    as_destroy(b);
    CHECK(ok);
    CHECK(gread);
    CHECK_EQ(gv, 0xA11A11);
    CHECK(!pread);                                       /* A's private page is not in B */
    mm_release(g);
    return PASS;
}

/* A new kernel page table's PDE reaches every directory - through the directory window of
 * mm/core/pte.c, which compacts when a directory goes (the last one moves into the gap, so a middle
 * one is destroyed first) - and its removal does too: read through the mapping in each address
 * space, then see the PDE gone in each. */
TEST(mm_kernel_pde_mirror, "mm/kernel-pde-mirrored-to-every-directory")
{
    struct as *as[4], *prev = as_current();
    for (int i = 0; i < 4; i++) CHECK((as[i] = as_create()) != NULL);
    as_destroy(as[1]);
    as[1] = as_kernel();
    struct region *r = NULL;
    for (vaddr_t v = SYSALLOC2_START; !r && v < SYSALLOC2_END - LARGE_PAGE_SIZE; v += LARGE_PAGE_SIZE)
        if (!(*MiGetPdeAddress(v) & PTE_P)) r = mm_reserve(ARENA_SYSTEM, v, 1, 1, OWNER_TEST, NULL);
    const char *fail = r ? NULL : "no system 4 MiB without a page table";
    as_switch(as[3]);
    if (!fail && mm_commit(r->base, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL) != MM_OK)
        fail = "commit";
    if (!fail) *(volatile uint32_t *)r->base = 0x91D1E;
    for (int i = 0; !fail && i < 4; i++) {
        uint32_t v = 0;
        as_switch(as[i]);
        if (!probe_read(r->base, &v) || v != 0x91D1E) fail = "the new kernel mapping is not seen in every process";
    }
    if (r) {
        mm_decommit(r->base, 1);                         /* the table goes with its only page */
        for (int i = 0; !fail && i < 4; i++) {
            as_switch(as[i]);
            if (*MiGetPdeAddress(r->base) & PTE_P) fail = "a freed kernel page table is left in a directory";
        }
        mm_release(r);
    }
    as_switch(prev);
    for (int i = 0; i < 4; i++)
        if (as[i] != as_kernel()) as_destroy(as[i]);
    return fail;
}

TEST(mm_large_page, "mm/large-page")
{
    if (!x86.pse) SKIP("no PSE");
    pfn_t s = pfn_alloc_run(1024, 1024, 0, pfn_max, 0, 0);
    if (s == PFN_NONE) SKIP("no free 4 MiB-aligned run of RAM at this memory size");
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 1024, 1024, OWNER_TEST, NULL);
    const char *fail = NULL;
    for (uint32_t i = 0; i < 1024; i += 511) {           /* write through 4 KiB hyperspace views */
        uint32_t *v = hyper_map(s + i);
        v[3] = 0x1A46E000 + i;
        hyper_unmap(v);
    }
    if (!r || !pde_map_large(r->base, s, PTE_W)) fail = "could not map a 4 MiB page";
    struct mm_page_info pi;
    if (!fail) {
        mm_page_info(r->base + 511 * PAGE_SIZE + 12, &pi);
        if (!pi.large || !pi.present || pi.pfn != s + 511) fail = "walk does not report the large page";
        for (uint32_t i = 0; !fail && i < 1024; i += 511)
            if (*(volatile uint32_t *)(r->base + i * PAGE_SIZE + 12) != 0x1A46E000 + i) fail = "wrong data";
    }
    if (r) { pde_unmap_large(r->base); mm_release(r); }
    uint32_t x;
    bool gone = !r || !probe_read(r->base, &x);
    for (uint32_t i = 0; i < 1024; i++) pfn_free(s + i);
    CHECK_MSG(!fail, "%s", fail);
    CHECK(gone);
    return PASS;
}

TEST(mm_as_create_destroy, "mm/address-spaces")
{
    struct mm_counts before;
    mm_counts_take(&before);
    struct as *a[8];
    for (int i = 0; i < 8; i++) {
        a[i] = as_create();
        CHECK(a[i]);
        CHECK_EQ(pfn_db[a[i]->pd].state, PFN_PAGEDIR);
    }
    CHECK_EQ(as_count(), before.address_spaces + 8);
    as_switch(a[3]);
    CHECK_EQ(x86_read_cr3() >> PAGE_SHIFT, a[3]->pd);
    CHECK_EQ(*(pte_t *)0xC0300C00u >> PAGE_SHIFT, a[3]->pd);   /* its own self-map */
    CHECK(probe_read(0x80100000u, NULL));                      /* the kernel is there */
    CHECK_EQ(as_destroy(a[3]), MM_EINVAL);                     /* not the current one */
    as_switch(as_kernel());
    for (int i = 0; i < 8; i++) CHECK_EQ(as_destroy(a[i]), MM_OK);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

static pfn_t some_free_frame(void)
{
    for (pfn_t p = pfn_max; p-- > 0;)
        if (pfn_db[p].state == PFN_FREE) return p;
    return 0;
}

TEST(mm_bad_input, "mm/bad-input")
{
    struct mm_counts before;
    mm_counts_take(&before);
    mm_status st;
    CHECK(!mm_reserve(ARENA_SYSTEM, 0, 0, 1, OWNER_TEST, &st) && st == MM_EINVAL);
    CHECK(!mm_reserve(ARENA_SYSTEM, 0xC2C00800u, 1, 1, OWNER_TEST, &st) && st == MM_EINVAL);   /* unaligned */
    CHECK(!mm_reserve(ARENA_SYSTEM, 0xFFBFF000u, 2, 1, OWNER_TEST, &st) && st == MM_EINVAL);   /* into 0xFFC00000 */
    CHECK(!mm_reserve(ARENA_SYSTEM, 0xFFC00000u, 1, 1, OWNER_TEST, &st) && st == MM_EINVAL);
    CHECK(!mm_reserve(ARENA_SHARED, 0xBFFFF000u, 2, 1, OWNER_TEST, &st) && st == MM_EINVAL);   /* across arenas */
    CHECK(!mm_reserve(ARENA_PRIVATE, 0x7FFEF000u, 2, 1, OWNER_TEST, &st) && st == MM_EINVAL);  /* into the guard */
    CHECK(!mm_reserve(ARENA_SYSTEM, 0, 1, 3, OWNER_TEST, &st) && st == MM_EINVAL);             /* alignment */
    CHECK(!mm_reserve(ARENA_SYSTEM, 0, 0x200000, 1, OWNER_TEST, &st));                          /* too large */
    /* Core operations outside any region, unaligned, zero or wrapping. */
    CHECK_EQ(mm_commit(0xC5000000u, 1, MM_PROT_WRITE, 0, NULL, NULL), MM_EINVAL);
    CHECK_EQ(mm_commit(0x80100000u, 1, MM_PROT_WRITE, 0, NULL, NULL), MM_EINVAL);   /* kernel image */
    CHECK_EQ(mm_commit(PTE_BASE, 1, MM_PROT_WRITE, 0, NULL, NULL), MM_EINVAL);     /* the self-map */
    CHECK_EQ(mm_map_physical(0xFFFFF000u, 2, 0xB8, 1, 0), MM_EINVAL);              /* wraps */
    CHECK_EQ(mm_decommit(0xC0C00000u, 1), MM_EINVAL);                               /* PFN database */
    CHECK_EQ(mm_lock(0xFFFE0000u, 1, 0, NULL), MM_EINVAL);
    CHECK_EQ(mm_unlock(0x80100000u, 1), MM_EINVAL);
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 2, 1, OWNER_TEST, &st);
    CHECK(r);
    CHECK_EQ(mm_commit(r->base + 1, 1, 0, 0, NULL, NULL), MM_EINVAL);
    CHECK_EQ(mm_commit(r->base, 0, 0, 0, NULL, NULL), MM_EINVAL);
    CHECK_EQ(mm_commit(r->base, 3, 0, 0, NULL, NULL), MM_EINVAL);                  /* past the region */
    CHECK_EQ(mm_commit(r->base, 1, 0x1000, 0, NULL, NULL), MM_EINVAL);             /* bad protection bits */
    CHECK_EQ(mm_lock(r->base, 1, 0, NULL), MM_ENOENT);                             /* not committed */
    CHECK_EQ(mm_protect(r->base, 2, 0, 0, NULL), MM_ENOENT);
    CHECK_EQ(mm_unlock(r->base, 1), MM_ENOTLOCKED);
    CHECK_EQ(mm_map_physical(r->base, 1, some_free_frame(), 1, 0), MM_EACCES);  /* free RAM */
    CHECK_EQ(mm_map_physical(r->base, 1, x86_read_cr3() >> 12, 1, 0), MM_EACCES);  /* a directory */
    CHECK_EQ(mm_map_physical(r->base, 1, 0x100, 1, MM_PROT_WRITE), MM_EACCES);     /* kernel code, writable */
    CHECK_EQ(mm_map_physical(r->base, 1, 0x100, 1, MM_PROT_USER), MM_EACCES);      /* kernel code, ring 3 */
    CHECK_EQ(mm_map_physical(r->base, 1, pte_kernel_directory(), 1, 0), MM_EACCES); /* the boot directory */
    uint32_t pfndb_frame = pte_pfn(pte_read(PFNDB_BASE));
    CHECK_EQ(mm_map_physical(r->base, 1, pfndb_frame, 1, 0), MM_EACCES);            /* PFN database */
    CHECK(!mm_reserve(ARENA_SYSTEM, r->base, 1, 1, OWNER_TEST, &st) && st == MM_EEXIST);
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

TEST(mm_lock_nesting, "mm/lock-nesting")
{
    struct region *r;
    vaddr_t va = sys_block_va(2, MM_PROT_WRITE, &r);
    CHECK(va);
    pfn_t f[2];
    CHECK_EQ(mm_lock(va, 2, 0, f), MM_OK);
    CHECK_EQ(mm_lock(va, 1, MM_LOCK_DIRTY, NULL), MM_OK);
    CHECK_EQ(mm_frame_locks(f[0]), 2);
    CHECK_EQ(mm_linear_locks(va), 2);
    CHECK(pte_read(va) & PTE_D);
    CHECK_EQ(mm_unlock(va, 2), MM_OK);
    CHECK_EQ(mm_frame_locks(f[0]), 1);
    CHECK_EQ(mm_unlock(va, 2), MM_ENOTLOCKED);           /* page 1 is not locked: nothing changes */
    CHECK_EQ(mm_frame_locks(f[0]), 1);
    CHECK_EQ(mm_frame_locks(f[1]), 0);
    CHECK_EQ(mm_lock(va + PAGE_SIZE, 1, 0, NULL), MM_OK);
    /* A page's linear locks die with it: the decommit is not refused, and the frame - locked
     * by nobody else - goes back to the free list with the page. */
    uint32_t free = mm_free_frames(), locked = mm_locked_frames();
    CHECK_EQ(mm_decommit(va, 1), MM_OK);
    CHECK_EQ(mm_linear_locks(va), 0);
    CHECK_EQ(pfn_db[f[0]].state, PFN_FREE);
    CHECK_EQ(mm_free_frames(), free + 1);
    CHECK_EQ(mm_locked_frames(), locked - 1);
    CHECK_EQ(mm_unlock(va, 1), MM_ENOTLOCKED);           /* its lock went with it */
    CHECK_EQ(mm_release(r), MM_OK);                      /* and so does page 1's */
    CHECK_EQ(pfn_db[f[1]].state, PFN_FREE);
    CHECK_EQ(mm_locked_frames(), locked - 2);
    return PASS;
}

TEST(mm_contiguous, "mm/make-contiguous")
{
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 4, 1, OWNER_TEST, NULL);
    CHECK(r);
    /* scatter: commit pages one by one with a frame held in between */
    pfn_t holds[4];
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(mm_commit(r->base + i * PAGE_SIZE, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);
        holds[i] = pfn_alloc(0);
        *(volatile uint32_t *)(r->base + i * PAGE_SIZE + 40) = 0xC0 + i;
    }
    for (int i = 0; i < 4; i++) pfn_free(holds[i]);
    struct mm_frame_req q = { 0, ISA_DMA_LIMIT_PFN, 1, 0 };
    CHECK_EQ(mm_make_contiguous(r->base, 4, &q), MM_OK);
    pfn_t f0 = pte_pfn(pte_read(r->base));
    CHECK(f0 + 3 < ISA_DMA_LIMIT_PFN);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(pte_pfn(pte_read(r->base + i * PAGE_SIZE)), f0 + i);
        CHECK_EQ(*(volatile uint32_t *)(r->base + i * PAGE_SIZE + 40), 0xC0 + i);
    }
    CHECK_EQ(mm_release(r), MM_OK);
    return PASS;
}

TEST(mm_hyperspace_other_as, "mm/hyperspace-reads-other-as")
{
    struct as *a = as_create(), *prev = as_current();
    CHECK(a);
    as_switch(a);
    struct region *r = mm_reserve(ARENA_PRIVATE, 0x00500000u, 2, 1, OWNER_TEST, NULL);
    bool ok = r && mm_commit(r->base, 1, MM_PROT_WRITE | MM_PROT_USER, MM_COMMIT_PRESENT, NULL, NULL) == MM_OK &&
              mm_commit(r->base + PAGE_SIZE, 1, MM_PROT_WRITE, 0, NULL, NULL) == MM_OK;
    pte_t own0 = pte_read(0x00500000u), own1 = pte_read(0x00501000u);
    as_switch(prev);
    /* From another address space: the same entries, through hyperspace. */
    pte_t far0 = as_read_pte(a, 0x00500000u), far1 = as_read_pte(a, 0x00501000u);
    pte_t here = pte_read(0x00500000u);
    as_destroy(a);
    CHECK(ok);
    CHECK(own0 & PTE_P);
    CHECK_EQ(far0 & ~(PTE_A | PTE_D), own0 & ~(PTE_A | PTE_D));
    CHECK_EQ(far1, own1);
    CHECK(far1 & PTE_NP_DEMAND);
    CHECK(!(here & PTE_P));                              /* not in the kernel's space */
    CHECK_EQ(as_read_pte(as_kernel(), 0x80100000u) >> PAGE_SHIFT, 0x100);
    return PASS;
}

TEST(mm_syspte_guard, "mm/syspte-guard-pages")
{
    struct mm_counts before;
    mm_counts_take(&before);
    vaddr_t a = syspte_alloc(2), b = syspte_alloc(1);
    CHECK(a && b);
    CHECK_EQ(syspte_free_count(), before.syspte_free - 5);   /* 2 + guard, 1 + guard */
    CHECK_EQ(syspte_alloc_size(a), 2);
    CHECK(b >= a + 3 * PAGE_SIZE || b + 2 * PAGE_SIZE <= a);
    CHECK_EQ(mm_map_physical(a, 2, 0xB8, 1, MM_PROT_WRITE | MM_CACHE_UC), MM_OK);
    uint32_t x;
    CHECK(probe_read(a + PAGE_SIZE, &x));
    CHECK(!probe_read(a + 2 * PAGE_SIZE, &x));           /* running off the end hits the guard */
    CHECK_EQ(mm_map_physical(a + 2 * PAGE_SIZE, 1, 0xB8, 1, 0), MM_EINVAL);   /* guards stay unmapped */
    CHECK_EQ(syspte_free(a, 2), MM_EBUSY);               /* still mapped */
    CHECK_EQ(syspte_free(a, 1), MM_EINVAL);              /* not the allocation's size */
    CHECK_EQ(syspte_free(a + PAGE_SIZE, 1), MM_EINVAL);  /* not its start */
    CHECK_EQ(mm_decommit(a, 2), MM_OK);
    CHECK_EQ(syspte_free(a, 2), MM_OK);
    CHECK_EQ(syspte_free(a, 2), MM_EINVAL);              /* double free */
    CHECK_EQ(syspte_free(b, 1), MM_OK);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* The pool's first page table is made at boot and kept (mm/core/syspte.c): small mappings come and
 * go there without building and freeing a table each time - no frame moves at all - and a
 * freed run is not handed out again by the next request (next-fit: a stale pointer finds its
 * page unmapped, not someone else's mapping). */
TEST(mm_syspte_kept_table, "mm/syspte-first-table-kept")
{
    pte_t pde = *MiGetPdeAddress(SYSPTE_START);
    CHECK(pde & PTE_P);
    CHECK_EQ(pfn_db[pde >> PAGE_SHIFT].state, PFN_PAGETABLE);
    uint32_t free0 = mm_free_frames();
    vaddr_t a = syspte_alloc(1);
    CHECK(a >= SYSPTE_START && a < SYSPTE_START + LARGE_PAGE_SIZE);
    CHECK_EQ(mm_map_physical(a, 1, 0xB8, 1, MM_PROT_WRITE | MM_CACHE_UC), MM_OK);
    CHECK_EQ(mm_free_frames(), free0);                   /* the table was there */
    uint32_t x;
    CHECK(probe_read(a, &x));
    CHECK_EQ(mm_decommit(a, 1), MM_OK);
    CHECK_EQ(syspte_free(a, 1), MM_OK);
    /* Kept with no entry in it.  Its accessed and dirty bits are the CPU's: the probe walked
     * the PDE, and writing the PTE through the self-map uses the PDE as that page's PTE (an
     * earlier test that used the pool has set both already; alone, this test sets them). */
    CHECK_EQ(*MiGetPdeAddress(SYSPTE_START) & ~(PTE_A | PTE_D), pde & ~(PTE_A | PTE_D));
    CHECK_EQ(mm_free_frames(), free0);
    vaddr_t b = syspte_alloc(1);
    CHECK(b && b != a);
    CHECK(!probe_read(a, &x));                           /* the stale address maps nothing */
    CHECK_EQ(syspte_free(b, 1), MM_OK);
    return PASS;
}

/* The checker itself must be able to fail: corrupt one fact at a time, expect a complaint,
 * put it back, expect silence. */
TEST(mm_checker_detects, "mm/checker-detects-corruption")
{
    char why[160];
    /* Two pages of our own, the second never committed: the "mapping nobody counted" below is
     * a raw store into its PTE, which must not be anybody else's page (it is zeroed after).
     * Aligned to two pages, so both PTEs are in one page table. */
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 2, 2, OWNER_TEST, NULL);
    CHECK(r);
    vaddr_t va = r->base;
    if (mm_commit(va, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL) != MM_OK) {
        mm_release(r);
        return test_fail(__FILE__, __LINE__, "mm_commit of one page");
    }
    pfn_t f = pte_pfn(pte_read(va));
    CHECK(mm_check(why, sizeof why));

    pfn_db[f].map_count++;                               /* a use count that lies */
    bool c1 = mm_check(why, sizeof why);
    pfn_db[f].map_count--;
    CHECK(!c1);

    pfn_count.free++;                                    /* a counter that lies */
    bool c2 = mm_check(why, sizeof why);
    pfn_count.free--;
    CHECK(!c2);

    CHECK_EQ(mm_lock(va, 1, 0, NULL), MM_OK);            /* a lock no owner holds */
    pfn_db[f].lock_count++;
    bool c5 = mm_check(why, sizeof why);
    bool says5 = strstr(why, "owners hold") != NULL;
    pfn_db[f].lock_count -= 2;                           /* an owner whose lock is gone */
    bool c6 = mm_check(why, sizeof why);
    pfn_db[f].lock_count++;
    CHECK_EQ(mm_unlock(va, 1), MM_OK);
    CHECK(!c5);
    CHECK(says5);
    CHECK(!c6);
    CHECK(mm_check(why, sizeof why));

    pfn_t orphan = pfn_alloc(0);                         /* used, but nothing refers to it */
    CHECK(orphan != PFN_NONE);
    bool c7 = mm_check(why, sizeof why);
    bool says = strstr(why, "orphan") != NULL;
    pfn_free(orphan);
    CHECK(!c7);
    CHECK(says);

    pte_t *pt = MiGetPteAddress(va);                     /* a mapping nobody counted */
    pte_t *alias = MiGetPteAddress(va + PAGE_SIZE);
    CHECK_EQ(PDI(va), PDI(va + PAGE_SIZE));
    CHECK_EQ(*alias, 0);
    *alias = *pt;                                        /* raw store, on purpose */
    pfn_db[*MiGetPdeAddress(va) >> PAGE_SHIFT].map_count++;
    bool c3 = mm_check(why, sizeof why);
    *alias = 0;
    pfn_db[*MiGetPdeAddress(va) >> PAGE_SHIFT].map_count--;
    x86_invlpg(va + PAGE_SIZE);
    CHECK(!c3);

    struct as *a = as_create();                          /* a kernel PDE out of step */
    CHECK(a);
    pte_t *pd = hyper_map(a->pd);
    pte_t saved = pd[0x3FE];
    pd[0x3FE] ^= 0x1000;
    hyper_unmap(pd);
    bool c4 = mm_check(why, sizeof why);
    pd = hyper_map(a->pd);
    pd[0x3FE] = saved;
    hyper_unmap(pd);
    as_destroy(a);
    CHECK(!c4);

    CHECK(mm_check(why, sizeof why));
    mm_release(r);
    return PASS;
}

TEST(mm_smep, "mm/smep-blocks-user-code")
{
    if (!x86.smep) SKIP("no SMEP on this CPU");
    CHECK(x86_read_cr4() & CR4_SMEP);
    /* The ring-3 image is a user page: ring 0 must not execute it. */
    CHECK(!probe_exec((vaddr_t)u_ret));
    CHECK_EQ(probe_last.vector, T_PF);
    CHECK_EQ(probe_last.err & 0x15, 0x11);                /* present, instruction fetch, supervisor */
    return PASS;
}

TEST(mm_pin_alias, "mm/pin-not-unlocked-through-alias")
{
    /* A fixed (pinned) page aliased elsewhere: an unlock through the alias must not take the
     * pin's own lock, or freeing the fixed page later would unlock a frame with no lock. */
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 1, 1, OWNER_TEST, NULL);
    struct region *a = mm_reserve(ARENA_SYSTEM, 0, 1, 1, OWNER_TEST, NULL);
    CHECK(r && a);
    CHECK_EQ(mm_commit(r->base, 1, MM_PROT_WRITE, MM_COMMIT_PIN, NULL, NULL), MM_OK);
    CHECK_EQ(mm_alias(a->base, r->base, 1, MM_PROT_WRITE), MM_OK);
    pfn_t f = pte_pfn(pte_read(r->base));
    CHECK_EQ(mm_frame_locks(f), 1);
    CHECK_EQ(pfn_db[f].pins, 1);
    CHECK_EQ(mm_unlock(a->base, 1), MM_ENOTLOCKED);      /* the only lock is the pin */
    CHECK_EQ(mm_unlock(r->base, 1), MM_ENOTLOCKED);
    CHECK_EQ(mm_lock(a->base, 1, 0, NULL), MM_OK);
    CHECK_EQ(mm_frame_locks(f), 2);
    CHECK_EQ(mm_unlock(r->base, 1), MM_ENOTLOCKED);      /* the lock is the alias page's own */
    CHECK_EQ(mm_unlock_total(r->base, 1), MM_ENOTLOCKED);
    CHECK_EQ(mm_unlock(a->base, 1), MM_OK);
    CHECK_EQ(mm_unlock(a->base, 1), MM_ENOTLOCKED);
    CHECK_EQ(mm_frame_locks(f), 1);
    CHECK_EQ(mm_release(r), MM_OK);                      /* the pin goes with its mapping */
    CHECK_EQ(mm_frame_locks(f), 0);
    CHECK_EQ(pfn_db[f].map_count, 1);                    /* the alias keeps the frame */
    CHECK_EQ(mm_release(a), MM_OK);
    return PASS;
}

TEST(mm_unlock_same_frame_twice, "mm/unlock-one-frame-at-two-pages")
{
    /* Two pages on one frame, one lock: unlocking both pages must fail whole, not unlock the
     * frame twice. */
    struct region *r;
    vaddr_t src = sys_block_va(1, MM_PROT_WRITE, &r);
    struct region *a = mm_reserve(ARENA_SYSTEM, 0, 2, 1, OWNER_TEST, NULL);
    CHECK(src && a);
    pfn_t f = pte_pfn(pte_read(src));
    CHECK_EQ(mm_map_physical(a->base, 2, f, 0, MM_PROT_WRITE), MM_OK);
    CHECK_EQ(mm_lock(a->base, 1, 0, NULL), MM_OK);
    CHECK_EQ(mm_unlock(a->base, 2), MM_ENOTLOCKED);
    CHECK_EQ(mm_frame_locks(f), 1);                      /* the failed call changed nothing */
    CHECK_EQ(mm_lock(a->base + PAGE_SIZE, 1, 0, NULL), MM_OK);
    CHECK_EQ(mm_unlock(a->base, 2), MM_OK);
    CHECK_EQ(mm_frame_locks(f), 0);
    CHECK_EQ(mm_release(a), MM_OK);
    CHECK_EQ(mm_release(r), MM_OK);
    return PASS;
}
