/*
 * tests/ntmm/query.c - ntmm/...: MmIsAddressValid, MmGetPhysicalAddress and MmGetVirtualForPhysical
 * against the hardware.  "Valid" is checked against what the CPU does (a probed read faults or
 * not), and physical addresses against a second walk of the page directory that does not use the
 * self-map (hyperspace views of CR3's frame and of the page table), plus the bytes themselves.
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/ntmm/ntmm.h"

extern char _kernel_start[], _text_end[], _rodata_end[], _data_start[], _kernel_end[];
extern char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];

static uint32_t rng_state;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Does a one-byte read of va page-fault?  A fault the core resolves (demand zero) counts.  In a
 * user-access window: "valid" is about the mapping, and SMAP would fault every user page. */
static bool read_faults(vaddr_t va)
{
    uint32_t demand = mm_demand_faults;
    uint8_t b;
    return !uprobe_read8(va, &b) || mm_demand_faults != demand;
}

/* The documented exception: va in the self-map, viewing a PDE that maps a 4 MiB page. */
static bool selfmap_large(vaddr_t va)
{
    return PDI(va) == SELFMAP_PDI && pde_large(((pte_t *)PDE_BASE)[PTI(va)]);
}

/* The physical address of va by walking CR3's directory through hyperspace (no self-map);
 * 0 when not mapped.  *large tells a 4 MiB page. */
static uint32_t walk_pa(vaddr_t va, bool *large)
{
    pte_t *pd = hyper_map(x86_read_cr3() >> PAGE_SHIFT);
    pte_t pde = pd[PDI(va)];
    hyper_unmap(pd);
    *large = false;
    if (!(pde & PTE_P)) return 0;
    if (pde & PDE_PS) {
        *large = true;
        return (pde & PDE_LARGE_FRAME) + (va & (LARGE_PAGE_SIZE - 1));
    }
    pte_t *pt = hyper_map(pde >> PAGE_SHIFT);
    pte_t e = pt[PTI(va)];
    hyper_unmap(pt);
    return (e & PTE_P) ? (e & PTE_FRAME) + (va & PAGE_MASK) : 0;
}

struct truth_stats { uint32_t checked, valid, compared, v2p; };

/* One address: MmIsAddressValid against the CPU, MmGetPhysicalAddress against the walk and,
 * for RAM, against the data; MmGetVirtualForPhysical round trip when asked. */
static const char *check_one(vaddr_t va, struct truth_stats *s, bool v2p)
{
    BOOLEAN valid = MmIsAddressValid((PVOID)va);
    PHYSICAL_ADDRESS pa = MmGetPhysicalAddress((PVOID)va);
    bool faults = read_faults(va);
    s->checked++;
    if (selfmap_large(va)) {
        CHECK_MSG(!valid && !faults, "%08x: self-map view of a large PDE: valid %u, read faults %u", va, valid, faults);
        return PASS;
    }
    CHECK_MSG(valid == !faults, "MmIsAddressValid(%08x) = %u but a read %s", va, valid, faults ? "faults" : "does not fault");
    CHECK_MSG(pa.HighPart == 0, "%08x: HighPart %x", va, pa.HighPart);
    bool in_hyper = va >= HYPER_START && va < HYPER_END;   /* the oracle's own slots move there */
    if (!in_hyper) {
        bool large;
        uint32_t want = walk_pa(va, &large);
        CHECK_MSG(pa.LowPart == want, "MmGetPhysicalAddress(%08x) = %08x, page tables say %08x", va, pa.LowPart, want);
    }
    if (!valid) {
        CHECK_MSG(pa.QuadPart == 0, "MmGetPhysicalAddress(%08x) = %08x for an invalid address", va, pa.LowPart);
        return PASS;
    }
    s->valid++;
    /* The frame is mapped first and both reads follow each other, so nothing the mapping
     * changes (hyperspace's bookkeeping, its page table's PFN record) differs between them. */
    vaddr_t local = (vaddr_t)&local;
    bool near_stack = va + 0x4000 > local && va < local + 0x4000;
    if (!in_hyper && PDI(va) != SELFMAP_PDI && !near_stack && mm_frame_is_ram(pa.LowPart >> PAGE_SHIFT)) {
        vaddr_t a = va & ~3u;                                 /* same page as va */
        uint32_t *h = hyper_map(pa.LowPart >> PAGE_SHIFT);
        uint32_t through_pa = *(volatile uint32_t *)((vaddr_t)h + (a & PAGE_MASK));
        uint32_t direct = uread(a);                          /* maybe a user page */
        hyper_unmap(h);
        CHECK_MSG(direct == through_pa, "%08x reads %08x, its frame %08x holds %08x", a, direct, pa.LowPart, through_pa);
        s->compared++;
    }
    if (v2p && !in_hyper && PDI(va) != SELFMAP_PDI && va >= SHARED_START) {
        PVOID back = MmGetVirtualForPhysical(pa);
        CHECK_MSG(back != NULL, "MmGetVirtualForPhysical(%08x) = NULL, but %08x maps it", pa.LowPart, va);
        CHECK_MSG(MmGetPhysicalAddress(back).QuadPart == pa.QuadPart, "MmGetVirtualForPhysical(%08x) = %p maps %08x",
                  pa.LowPart, back, MmGetPhysicalAddress(back).LowPart);
        s->v2p++;
    }
    return PASS;
}

/* Every edge of [lo, hi): the byte before, the first, the last of the first page, the next page,
 * the last byte and the byte after. */
static const char *check_edges(vaddr_t lo, vaddr_t hi, struct truth_stats *s)
{
    vaddr_t pts[] = { lo - 1, lo, lo + 0xFFF, lo + 0x1000, hi - 0x1000, hi - 1, hi };
    for (unsigned i = 0; i < ARRAY_SIZE(pts); i++) TRY(check_one(pts[i], s, true));
    return PASS;
}

static const uint32_t fixed_points[] = {
    0x00000000, 0x00000FFF, 0x00001000, USER_TEXT_BASE - 1, USER_TEXT_BASE, USER_STACK_TOP - 1, USER_STACK_TOP,
    HIGHEST_USER_ADDRESS, USER_PROBE_ADDRESS, 0x7FFFFFFF, SHARED_START, SHARED_START + 0xB8000,
    KERNEL_VBASE + 0xFFFFF, KWINDOW_END - 1, KWINDOW_END, SHARED_END - 1, PTE_BASE, PTE_BASE + 0xFFF,
    PDE_BASE - 1, PDE_BASE, PDE_BASE + 0xC00, PDE_BASE + 0xFFF, PDE_BASE + 0x1000, PTE_BASE + 0x3FFFFF,
    PTE_BASE + 0x400000, HYPER_START - 1, HYPER_START, HYPER_END - 1, SYSTEM_START, PFNDB_END - 1, PFNDB_END,
    KPOOL_BASE, KPOOL_END - 1, KPOOL_END, SYSALLOC_START, SYSALLOC_END - 1, SYSPTE_START, SYSPTE_END - 1,
    SYSALLOC2_START, SYSTEM_END - 1, INVALID_START, BAD_POINTER, 0xFFFFF000, 0xFFFFFFFF,
};

/* Random addresses: a quarter anywhere, the rest inside places where something is mapped -
 * among them a system block with every third page decommitted. */
static const char *check_random(uint32_t n, struct truth_stats *s)
{
    struct region *blk = mm_reserve(ARENA_SYSTEM, 0, 64, 1, OWNER_TEST, NULL);
    CHECK(blk);
    for (uint32_t i = 0; i < 64; i++)
        if (i % 3 != 2) CHECK_EQ(mm_commit(blk->base + i * PAGE_SIZE, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);
    const struct { vaddr_t lo, hi; } hot[] = {
        { USER_TEXT_BASE, USER_TEXT_BASE + 0x4000 }, { USER_STACK_TOP - 0x8000, USER_STACK_TOP + 0x1000 },
        { KERNEL_VBASE + 0xB0000, PAGE_ALIGN_UP((vaddr_t)_kernel_end) + 0x2000 },
        { PTE_BASE, PTE_BASE + LARGE_PAGE_SIZE }, { PDE_BASE - 0x2000, PDE_BASE + 0x2000 },
        { PFNDB_BASE, PFNDB_BASE + pfn_max * sizeof(struct pfn) + 0x2000 }, { KPOOL_BASE, KPOOL_BASE + 0x10000 },
        { blk->base - 0x1000, blk->base + 65 * PAGE_SIZE },
    };
    const char *fail = PASS;
    for (uint32_t i = 0; !fail && i < n; i++) {
        vaddr_t va;
        if (i % 4) {
            unsigned k = rnd() % ARRAY_SIZE(hot);
            va = hot[k].lo + rnd() % (hot[k].hi - hot[k].lo);
        } else {
            va = rnd();
        }
        fail = check_one(va, s, (i % 4) == 1);
    }
    CHECK_EQ(mm_release(blk), MM_OK);
    return fail;
}

/* A RAM-backed 4 MiB page in a system window (PSE only); *s receives its first frame. */
static struct region *make_large_ram_page(pfn_t *s)
{
    *s = pfn_alloc_run(1024, 1024, 0, pfn_max, 0, 0);
    if (*s == PFN_NONE) return NULL;
    pfn_zero(*s);       /* the self-map view of the PDE reads these bytes: make them "not present" */
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 1024, 1024, OWNER_TEST, NULL);
    if (r && pde_map_large(r->base, *s, PTE_W)) return r;
    if (r) mm_release(r);
    for (uint32_t i = 0; i < 1024; i++) pfn_free(*s + i);
    return NULL;
}

static void free_large_ram_page(struct region *r, pfn_t s)
{
    pde_unmap_large(r->base);
    mm_release(r);
    for (uint32_t i = 0; i < 1024; i++) pfn_free(s + i);
}

static const char *truth_dynamic(struct truth_stats *s)
{
    /* A system-PTE mapping: its edges and guard page, then the same pages just unmapped. */
    PHYSICAL_ADDRESS vga = { .QuadPart = 0xB8000 };
    uint8_t *io = MmMapIoSpace(vga, 2 * PAGE_SIZE, MmNonCached);
    CHECK(io);
    vaddr_t v = (vaddr_t)io;
    TRY(check_edges(v, v + 2 * PAGE_SIZE, s));
    CHECK(!MmIsAddressValid(io + 2 * PAGE_SIZE));            /* the guard page */
    MmUnmapIoSpace(io, 2 * PAGE_SIZE);
    TRY(check_edges(v, v + 2 * PAGE_SIZE, s));
    CHECK(!MmIsAddressValid(io) && !MmIsAddressValid(io + PAGE_SIZE));
    /* A page table that exists with one page in it: its neighbours in the same table. */
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 3, 1, OWNER_TEST, NULL);
    CHECK(r);
    CHECK_EQ(mm_commit(r->base + PAGE_SIZE, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);
    TRY(check_edges(r->base, r->base + 3 * PAGE_SIZE, s));
    CHECK_EQ(mm_release(r), MM_OK);
    TRY(check_one(r->base + PAGE_SIZE, s, false));          /* just released */
    return PASS;
}

static const char *truth_large(struct truth_stats *s, uint32_t *nlarge_cases)
{
    pfn_t f;
    struct region *r = x86.pse ? make_large_ram_page(&f) : NULL;
    if (!r) return PASS;
    const char *fail = check_edges(r->base, r->base + LARGE_PAGE_SIZE, s);
    for (uint32_t k = 0; !fail && k < 1024; k += 97) {
        if (!fail) fail = check_one((vaddr_t)MiGetPteAddress(r->base + k * PAGE_SIZE), s, false);
        if (!fail) fail = check_one(r->base + k * PAGE_SIZE + (rnd() & PAGE_MASK), s, true);
        (*nlarge_cases)++;
    }
    if (!fail) fail = check_one((vaddr_t)MiGetPdeAddress(r->base), s, false);
    free_large_ram_page(r, f);
    return fail;
}

TEST(ntmm_valid_truth, "ntmm/is-address-valid-is-the-truth")
{
    extern char _bss_end[];
    struct mm_counts before;
    mm_counts_take(&before);
    struct truth_stats s = { 0, 0, 0, 0 };
    uint32_t nlarge = 0;
    rng_state = 0x9E3779B9u;
    for (unsigned i = 0; i < ARRAY_SIZE(fixed_points); i++) TRY(check_one(fixed_points[i], &s, true));
    TRY(check_edges((vaddr_t)_kernel_start, (vaddr_t)_text_end, &s));
    TRY(check_edges((vaddr_t)_text_end, (vaddr_t)_rodata_end, &s));
    TRY(check_edges((vaddr_t)_data_start, (vaddr_t)_bss_end, &s));
    TRY(check_edges((vaddr_t)boot_stack_guard, (vaddr_t)boot_stack_guard + PAGE_SIZE, &s));
    TRY(check_edges(PFNDB_BASE, PAGE_ALIGN_UP(PFNDB_BASE + pfn_max * sizeof(struct pfn)), &s));
    TRY(truth_dynamic(&s));
    TRY(truth_large(&s, &nlarge));
    TRY(check_random(4000, &s));
    kprintf("ntmm: truth: %u addresses, %u valid, %u compared with their frame's bytes, %u virtual-for-physical "
            "round trips, %u large-page cases\n", s.checked, s.valid, s.compared, s.v2p, nlarge);
    CHECK(s.checked > 4000 && s.valid > 500 && s.compared > 200 && s.v2p > 100);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

TEST(ntmm_selfmap_identities, "ntmm/self-map-identities")
{
    CHECK_EQ((uint32_t)MiAddressToPte(0), 0xC0000000u);
    CHECK_EQ((uint32_t)MiAddressToPte(0xC0000000u), 0xC0300000u);
    CHECK_EQ((uint32_t)MiAddressToPde(0xC0300000u), 0xC0300C00u);
    CHECK_EQ(*(pte_t *)0xC0300C00u >> PAGE_SHIFT, x86_read_cr3() >> PAGE_SHIFT);
    for (uint32_t i = 0; i < 0x100000u; i++) {              /* every page, one offset in each */
        vaddr_t x = (i << PAGE_SHIFT) | ((i * 0x9E5u) & PAGE_MASK);
        if (MiPteToAddress(MiAddressToPte(x)) != (x & ~PAGE_MASK))
            return test_fail(__FILE__, __LINE__, "MiPteToAddress(MiAddressToPte(%08x)) = %08x", x, MiPteToAddress(MiAddressToPte(x)));
    }
    /* Each address space maps its own directory there; and the directory page is "valid". */
    struct as *a = as_create(), *prev = as_current();
    CHECK(a);
    as_switch(a);
    uint32_t own = *(volatile pte_t *)0xC0300C00u >> PAGE_SHIFT;
    PHYSICAL_ADDRESS pd = MmGetPhysicalAddress((PVOID)PDE_BASE);
    BOOLEAN v = MmIsAddressValid((PVOID)PDE_BASE);
    uint32_t apd = a->pd;
    as_switch(prev);
    CHECK_EQ(as_destroy(a), MM_OK);
    CHECK_EQ(own, apd);
    CHECK_EQ(pd.LowPart, apd << PAGE_SHIFT);
    CHECK(v);
    CHECK_EQ(MmGetPhysicalAddress((PVOID)(PDE_BASE + 0x123)).LowPart, (x86_read_cr3() & PTE_FRAME) + 0x123);
    return PASS;
}

TEST(ntmm_phys_large, "ntmm/physical-address-large-page")
{
    if (!x86.pse) SKIP("no PSE: no 4 MiB pages on this CPU");
    pfn_t f;
    struct region *r = make_large_ram_page(&f);
    if (!r) SKIP("no free 4 MiB-aligned run of RAM at this memory size");
    pte_t pde = *MiGetPdeAddress(r->base);
    PHYSICAL_ADDRESS pa = MmGetPhysicalAddress((PVOID)(r->base + 0x123456));
    BOOLEAN v0 = MmIsAddressValid((PVOID)r->base), v1 = MmIsAddressValid((PVOID)(r->base + 0x3FFFFF));
    free_large_ram_page(r, f);
    CHECK(pde_large(pde));
    CHECK_EQ(pa.LowPart, ((pde >> PAGE_SHIFT) << PAGE_SHIFT) + 0x123456);
    CHECK_EQ(pa.LowPart, (f << PAGE_SHIFT) + 0x123456);
    CHECK_EQ(pa.HighPart, 0);
    CHECK(v0 && v1);
    return PASS;
}

TEST(ntmm_phys_not_present, "ntmm/physical-address-not-present-is-zero")
{
    /* A valid PDE with an invalid PTE (ReactOS: uninitialised), no PDE, the null page. */
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 2, 1, OWNER_TEST, NULL);
    CHECK(r);
    vaddr_t base = r->base;
    CHECK_EQ(mm_commit(r->base, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);
    CHECK(*MiGetPdeAddress(r->base + PAGE_SIZE) & PTE_P);
    PHYSICAL_ADDRESS a = MmGetPhysicalAddress((PVOID)(r->base + PAGE_SIZE + 8));
    PHYSICAL_ADDRESS b = MmGetPhysicalAddress((PVOID)(r->base + 8));
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK_EQ(a.QuadPart, 0);
    CHECK_EQ(b.LowPart & PAGE_MASK, 8);
    CHECK(b.LowPart >= PAGE_SIZE);
    CHECK_EQ(MmGetPhysicalAddress((PVOID)0).QuadPart, 0);
    CHECK_EQ(MmGetPhysicalAddress((PVOID)0xFFFE0000u).QuadPart, 0);
    CHECK_EQ(MmGetPhysicalAddress((PVOID)(base + 8)).QuadPart, 0);      /* released */
    CHECK_EQ(MmGetPhysicalAddress((PVOID)0x80100000u).LowPart, 0x100000u);
    return PASS;
}

TEST(ntmm_valid_selfmap_large, "ntmm/is-address-valid-selfmap-of-large-page")
{
    if (!x86.pse) SKIP("no PSE: no 4 MiB pages on this CPU");
    pfn_t f;
    struct region *r = make_large_ram_page(&f);
    if (!r) SKIP("no free 4 MiB-aligned run of RAM at this memory size");
    uint32_t *h = hyper_map(f);                              /* the large page's first 4 KiB */
    h[PTI(r->base + 5 * PAGE_SIZE)] = 0x5E1F4A9Eu;
    hyper_unmap(h);
    vaddr_t pte_va = (vaddr_t)MiGetPteAddress(r->base + 5 * PAGE_SIZE);
    BOOLEAN valid = MmIsAddressValid((PVOID)pte_va), large_valid = MmIsAddressValid((PVOID)(r->base + 5 * PAGE_SIZE));
    uint32_t data = 0;
    bool read = probe_read(pte_va, &data);
    PHYSICAL_ADDRESS pa = MmGetPhysicalAddress((PVOID)pte_va);
    free_large_ram_page(r, f);
    CHECK(large_valid);
    CHECK(!valid);                    /* seed 004's second large-page test */
    CHECK(read);                      /* ... although the read does not fault: */
    CHECK_EQ(data, 0x5E1F4A9Eu);      /* it reads the large page's data */
    CHECK_EQ(pa.LowPart, (f << PAGE_SHIFT) + (pte_va & PAGE_MASK));   /* the hardware's view, too */
    return PASS;
}

TEST(ntmm_valid_demand_zero, "ntmm/is-address-valid-demand-zero")
{
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 1, 1, OWNER_TEST, NULL);
    CHECK(r);
    CHECK_EQ(mm_commit(r->base, 1, MM_PROT_WRITE, 0, NULL, NULL), MM_OK);
    BOOLEAN before = MmIsAddressValid((PVOID)r->base);
    bool faulted = read_faults(r->base);                     /* committed, but a read page-faults */
    BOOLEAN after = MmIsAddressValid((PVOID)r->base);
    PHYSICAL_ADDRESS pa = MmGetPhysicalAddress((PVOID)r->base);
    CHECK_EQ(mm_release(r), MM_OK);
    CHECK(!before);
    CHECK(faulted);
    CHECK(after);
    CHECK(pa.LowPart != 0);
    return PASS;
}

TEST(ntmm_virtual_for_physical, "ntmm/virtual-for-physical")
{
    PHYSICAL_ADDRESS pa = { .QuadPart = 0x100123 };          /* the kernel image at 1 MiB */
    CHECK_EQ((uint32_t)MmGetVirtualForPhysical(pa), 0x80100123u);
    pa.QuadPart = 0xB8010;                                   /* VGA: the boot window's view */
    CHECK_EQ((uint32_t)MmGetVirtualForPhysical(pa), 0x800B8010u);
    /* A system page, a private page (not system space: NULL), a free frame (NULL), > 4 GiB. */
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 1, 1, OWNER_TEST, NULL);
    CHECK(r);
    vaddr_t base = r->base;
    CHECK_EQ(mm_commit(r->base, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);
    PHYSICAL_ADDRESS sys = MmGetPhysicalAddress((PVOID)(r->base + 0x44));
    PVOID back = MmGetVirtualForPhysical(sys);
    struct region *u = mm_reserve(ARENA_PRIVATE, 0x00600000u, 1, 1, OWNER_TEST, NULL);
    CHECK(u);
    CHECK_EQ(mm_commit(u->base, 1, MM_PROT_WRITE | MM_PROT_USER, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);
    PHYSICAL_ADDRESS priv = MmGetPhysicalAddress((PVOID)u->base);
    PVOID pback = MmGetVirtualForPhysical(priv);
    CHECK_EQ(mm_release(u), MM_OK);
    CHECK_EQ(mm_release(r), MM_OK);
    PVOID gone = MmGetVirtualForPhysical(sys);              /* the frame is free now */
    CHECK_EQ((uint32_t)back, base + 0x44);
    CHECK(pback == NULL);
    CHECK(gone == NULL);
    pa.QuadPart = 0x100000000ll;
    CHECK(MmGetVirtualForPhysical(pa) == NULL);
    return PASS;
}

/* Core regression found while building the NT personality: the page operations treated a
 * 4 MiB page as committed 4 KiB pages and then panicked writing a PTE that does not exist
 * (mm_lock, mm_protect, mm_alias, mm_make_contiguous).  They must refuse it instead. */
TEST(ntmm_core_large_refused, "ntmm/core-page-ops-refuse-large-pages")
{
    if (!x86.pse) SKIP("no PSE: no 4 MiB pages on this CPU");
    struct mm_counts before;
    mm_counts_take(&before);
    pfn_t f;
    struct region *r = make_large_ram_page(&f);
    if (!r) SKIP("no free 4 MiB-aligned run of RAM at this memory size");
    struct region *d = mm_reserve(ARENA_SYSTEM, 0, 1, 1, OWNER_TEST, NULL);
    mm_status lock = mm_lock(r->base, 1, 0, NULL), wlock = mm_lock(r->base, 1, MM_LOCK_WRITE, NULL);
    mm_status prot = mm_protect(r->base, 1, ~MM_PROT_WRITE, 0, NULL);
    mm_status alias = d ? mm_alias(d->base, r->base, 1, MM_PROT_WRITE) : MM_ENOMEM;
    mm_status contig = mm_make_contiguous(r->base, 2, NULL);
    pte_t pde = *MiGetPdeAddress(r->base);
    if (d) mm_release(d);
    free_large_ram_page(r, f);
    CHECK(d);
    CHECK_EQ(lock, MM_EINVAL);
    CHECK_EQ(wlock, MM_EINVAL);
    CHECK_EQ(prot, MM_EINVAL);
    CHECK_EQ(alias, MM_EINVAL);
    CHECK_EQ(contig, MM_EINVAL);
    CHECK(pde_large(pde) && (pde & PTE_W));
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}
