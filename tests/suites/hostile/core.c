/*
 * tests/suites/hostile/core.c - the hostile-input suite's runner (tests/suites/hostile/hostile.h): the per-case counts and
 * mm_check, the table / sweep / list runners, the shared fixture (a second process, a system
 * block with unreserved space after it, reserved and read-only pages, a system-PTE guard page,
 * frames of every kind) and the two shared lists of hostile ranges and hostile pointers.
 */
#include "tests/suites/hostile/hostile.h"
#include "mm/core/pfn.h"
#include "mm/core/pte.h"

void hrun_rebase(struct hrun *r) { mm_counts_take(&r->base); }

static uint32_t fnv(uint32_t h, uint32_t w)
{
    for (int i = 0; i < 4; i++, w >>= 8) h = (h ^ (w & 0xFF)) * 16777619u;
    return h;
}

uint32_t hpt_sum(void)
{
    uint32_t h = 2166136261u;
    for (uint32_t pdi = 0; pdi < PTES_PER_TABLE; pdi++) {
        pte_t pde = *MiGetPdeAddress(pdi << 22);
        h = fnv(h, pde & ~(pte_t)(PTE_A | PTE_D));
        if ((pde & (PTE_P | PDE_PS)) != PTE_P || pdi == SELFMAP_PDI || pdi == (HYPER_START >> 22)) continue;
        const pte_t *pt = MiGetPteAddress(pdi << 22);
        for (uint32_t i = 0; i < PTES_PER_TABLE; i++) h = fnv(h, pt[i] & ~(pte_t)(PTE_A | PTE_D));
    }
    return h;
}

uint32_t hmem_sum(vaddr_t va, uint32_t bytes)
{
    uint32_t h = 2166136261u;
    x86_user_access_begin();
    for (uint32_t i = 0; i < bytes; i++) h = (h ^ *(volatile const uint8_t *)(va + i)) * 16777619u;
    x86_user_access_end();
    return h;
}

uint32_t hframe_sum(pfn_t f)
{
    const uint8_t *p = hyper_map(f);
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < PAGE_SIZE; i++) h = (h ^ p[i]) * 16777619u;
    hyper_unmap((void *)p);
    return h;
}

void hsnap_take(struct hsnap *s)
{
    mm_counts_take(&s->c);
    s->pt = hpt_sum();
}

const char *hsnap_diff(const struct hsnap *s)
{
    const char *moved = test_what_moved(&s->c);
    if (moved) return moved;
    return hpt_sum() != s->pt ? "a page table or the page directory changed" : NULL;
}

const char *hrun_check(struct hrun *r, const char *what, uint32_t got, uint32_t want)
{
    uint32_t i = r->cases++;
    test_hostile_cases++;
    if (got != want)
        return test_fail(__FILE__, __LINE__, "%s case %u (%s): got 0x%x, documented 0x%x", r->svc, i, what, got, want);
    const char *moved = test_what_moved(&r->base);
    if (moved) return test_fail(__FILE__, __LINE__, "%s case %u (%s): %s", r->svc, i, what, moved);
    char why[160];
    if (!mm_check(why, sizeof why)) return test_fail(__FILE__, __LINE__, "%s case %u (%s): mm_check: %s", r->svc, i, what, why);
    return PASS;
}

const char *hrun_table(struct hrun *r, hcall fn, const struct hcase *c, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        TRY(hrun_check(r, c[i].what, (c[i].fn ? c[i].fn : fn)(c[i].a), c[i].want));
    return PASS;
}

const char *hrun_sweep(struct hrun *r, const struct hsweep *s)
{
    uint32_t a[8];
    char what[40];
    for (uint32_t bit = 0; bit < 32; bit++) {
        if (s->valid & (1u << bit)) continue;
        memcpy(a, s->a, sizeof a);
        a[s->idx] |= 1u << bit;
        ksnprintf(what, sizeof what, "reserved bit %u (0x%x)", bit, 1u << bit);
        TRY(hrun_check(r, what, s->fn(a), s->want));
    }
    if (!s->undo) return PASS;
    uint32_t res = s->fn(s->a);                     /* the positive control */
    if (res == s->want || !s->undo(res, s->a))
        return test_fail(__FILE__, __LINE__, "%s case %u (control): the base call gave 0x%x, or its undo failed",
                         r->svc, r->cases, res);
    return hrun_check(r, "control: the base call, undone", 1, 1);
}

const char *hrun_list(struct hrun *r, const struct hshape *s, const struct hlist *l)
{
    uint32_t a[8];
    for (uint32_t i = 0; i < l->n; i++) {
        const struct hentry *e = &l->e[i];
        if (e->kind & s->skip) continue;
        memcpy(a, s->a, sizeof a);
        uint64_t span = (((uint64_t)(e->va & PAGE_MASK) + e->bytes + PAGE_MASK) >> PAGE_SHIFT);
        a[s->at] = s->pages ? e->va >> PAGE_SHIFT : e->va;
        if (s->len >= 0) a[s->len] = s->pages ? (uint32_t)MIN(span, 0xFFFFFFFFull) : e->bytes;
        TRY(hrun_check(r, e->what, s->fn(a), (e->kind & s->alt_kinds) ? s->want_alt : s->want));
    }
    return PASS;
}

/* ---- the shared fixture ------------------------------------------------------------------------ */

/* n pages of the system arena, committed with `commit` (0: only reserved), first fit. */
static struct region *sys_region(uint32_t n, uint32_t prot, uint32_t commit)
{
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, n, 1, OWNER_TEST, NULL);
    if (r && commit && mm_commit(r->base, n, prot, commit, NULL, NULL) != MM_OK) { mm_release(r); return NULL; }
    return r;
}

/* The block that "straddling the end of a block" runs off: 4 pages at the top of the system
 * arena, its last page left unreserved.  Regions are placed first fit from the bottom, so no
 * fixture or call lands in that page.  (Placed first fit itself, the page after the block was
 * free only while the hole it went into was just big enough: a region leaked by an earlier
 * test moved the holes and the next fixture, reserved, landed right after the block.) */
static struct region *top_block(void)
{
    struct region *r = mm_reserve(ARENA_SYSTEM, SYSALLOC2_END - 5 * PAGE_SIZE, 4, 1, OWNER_TEST, NULL);
    if (r && mm_commit(r->base, 4, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL) != MM_OK) {
        mm_release(r);
        return NULL;
    }
    return r;
}

static const char *other_process(struct hfix *fx)
{
    struct as *prev = as_current();
    fx->other = as_create();
    CHECK(fx->other);
    CHECK(!mm_region_find(HF_OTHER_VA));                    /* free in ours */
    as_switch(fx->other);
    struct region *r = mm_reserve(ARENA_PRIVATE, HF_OTHER_VA, 2, 1, OWNER_TEST, NULL);
    bool ok = r && mm_commit(r->base, 2, MM_PROT_WRITE | MM_PROT_USER, MM_COMMIT_PRESENT, NULL, NULL) == MM_OK;
    fx->other_frame = frame_of(HF_OTHER_VA);
    as_switch(prev);
    CHECK(ok);
    fx->other_va = HF_OTHER_VA;
    return PASS;
}

static void hfix_teardown(struct hfix *fx)
{
    if (fx->other) as_destroy(fx->other);
    if (fx->blk) mm_release(fx->blk);
    if (fx->res) mm_release(fx->res);
    if (fx->ro) mm_release(fx->ro);
    if (fx->spte) syspte_free(fx->spte, 1);
}

/* A free frame the fixtures' own allocations will not take: free frames are handed out newest
 * first, so the highest free frame is the next one out when an earlier test has just given it
 * back.  The first frames of the free lists are taken aside while the highest free frame left
 * is chosen, then given back last-taken first, which leaves the lists as they were. */
static pfn_t settled_free_frame(void)
{
    static pfn_t aside[256];
    uint32_t n = 0, want = MIN(ARRAY_SIZE(aside), mm_free_frames() / 2);   /* leave one to choose */
    while (n < want && (aside[n] = pfn_alloc(0)) != PFN_NONE) n++;
    pfn_t f = PFN_NONE;
    for (pfn_t p = pfn_max; p-- > 0x100 && f == PFN_NONE;)
        if (pfn_db[p].state == PFN_FREE) f = p;
    while (n) pfn_free(aside[--n]);
    return f;
}

static const char *hfix_setup(struct hfix *fx)
{
    memset(fx, 0, sizeof *fx);
    TRY(other_process(fx));
    fx->blk = top_block();
    fx->res = sys_region(2, 0, 0);
    fx->ro = sys_region(1, 0, MM_COMMIT_PRESENT);
    fx->spte = syspte_alloc(1);
    CHECK(fx->blk && fx->res && fx->ro && fx->spte);
    fx->blk_va = fx->blk->base;
    fx->free_frame = settled_free_frame();
    fx->pt_frame = *MiGetPdeAddress(fx->blk_va) >> PAGE_SHIFT;
    fx->cr3_frame = x86_read_cr3() >> PAGE_SHIFT;
    fx->pfndb_frame = frame_of(PFNDB_BASE);
    fx->pool_frame = frame_of(KPOOL_BASE);
    fx->kernel_frame = KERNEL_PHYS_LOAD >> PAGE_SHIFT;
    CHECK(fx->free_frame != PFN_NONE && fx->other_frame != PFN_NONE);
    CHECK_EQ(pfn_db[fx->pt_frame].state, PFN_PAGETABLE);
    return PASS;
}

/* ---- the lists ---------------------------------------------------------------------------------- */

static void add(struct hlist *l, const char *what, vaddr_t va, uint32_t bytes, uint32_t kind)
{
    if (l->n < HLIST_MAX) l->e[l->n++] = (struct hentry){ what, va, bytes, kind };
}

void hostile_ranges(const struct hfix *fx, vaddr_t base, uint32_t npages, struct hlist *l)
{
    vaddr_t end = base + npages * PAGE_SIZE;
    l->n = 0;
    add(l, "zero length", base, 0, HK_ZERO);
    add(l, "the null page", 0, PAGE_SIZE, 0);
    add(l, "from the null page into the arena", 0x800, PAGE_SIZE, 0);
    add(l, "the self-map's page tables", PTE_BASE, PAGE_SIZE, 0);
    add(l, "the self-map's directory", PDE_BASE, PAGE_SIZE, 0);
    add(l, "between self-map and hyperspace", 0xC0400000u, PAGE_SIZE, 0);
    add(l, "from the self-map area into hyperspace", HYPER_START - PAGE_SIZE, 2 * PAGE_SIZE, 0);
    add(l, "hyperspace", HYPER_START, PAGE_SIZE, 0);
    add(l, "from hyperspace into the system arena", HYPER_END - PAGE_SIZE, 2 * PAGE_SIZE, 0);
    add(l, "the permanently invalid region", INVALID_START, PAGE_SIZE, 0);
    add(l, "BAD_POINTER", BAD_POINTER, 16, 0);
    add(l, "the last page", 0xFFFFF000u, PAGE_SIZE, 0);
    add(l, "from the system arena into the invalid region", SYSTEM_END - PAGE_SIZE, 2 * PAGE_SIZE, 0);
    add(l, "wrapping past 4 GiB", 0xFFFFF000u, 2 * PAGE_SIZE, HK_WRAP);
    add(l, "wrapping by one byte", 0xFFFFFFFFu, 2, HK_WRAP);
    add(l, "the object with length 0xFFFFFFFF", base, 0xFFFFFFFFu, HK_WRAP | HK_HUGE);
    add(l, "almost all of the linear space", PAGE_SIZE, 0xFFFFE000u, HK_HUGE);
    add(l, "another process's arena", fx->other_va, PAGE_SIZE, HK_OTHER);
    add(l, "another process's arena, unaligned", fx->other_va + 0x10, 0x100, HK_OTHER);
    add(l, "the object's last page and one more", end - PAGE_SIZE, 2 * PAGE_SIZE, HK_CROSS);
    add(l, "the object, unaligned, one byte too long", base + 0x10, npages * PAGE_SIZE, HK_CROSS);
    add(l, "across MM_USER_PROBE_ADDRESS", USER_PROBE_ADDRESS - PAGE_SIZE, 2 * PAGE_SIZE, 0);
}

static uint32_t kernel_bss[16];          /* what a driver's static would be: the kernel image */

void hostile_pointers(const struct hfix *fx, uint32_t bytes, struct hlist *l)
{
    extern pte_t boot_pd[];
    l->n = 0;
    add(l, "NULL", 0, bytes, HK_NULL);
    add(l, "the null page", 0x10, bytes, 0);
    add(l, "the self-map's page tables", PTE_BASE + 0x100, bytes, 0);
    add(l, "the self-map PDE itself", PDE_BASE + SELFMAP_PDI * 4, bytes, 0);
    add(l, "between self-map and hyperspace", 0xC0400000u, bytes, 0);
    add(l, "hyperspace", HYPER_START, bytes, 0);
    add(l, "the PFN database", PFNDB_BASE + 16, bytes, 0);
    add(l, "the directory window", HYPER_END - PAGE_SIZE + 16, bytes, 0);
    add(l, "the kernel pool", KPOOL_BASE + 16, bytes, HK_POOL);
    add(l, "the kernel's read-only text", KERNEL_VBASE + KERNEL_PHYS_LOAD, bytes, 0);
    add(l, "the kernel's data: the boot page directory", (vaddr_t)boot_pd + 16, bytes, 0);
    add(l, "the kernel's bss", (vaddr_t)kernel_bss, bytes, 0);
    add(l, "the ring-3 stack (the core's own region)", USER_STACK_TOP - 64, bytes, 0);
    /* Deep under the body that asks (2 KiB): where the runner's, the thunk's and the service's
     * frames go, or unused stack - never the caller's. */
    add(l, "the stack below the caller's frames", ((vaddr_t)__builtin_frame_address(0) - 0x800) & ~15u, bytes, 0);
    add(l, "a read-only system page", fx->ro->base, bytes, HK_RO);
    add(l, "a reserved, uncommitted page", fx->res->base, bytes, HK_UNMAPPED);
    add(l, "a system-PTE guard page", fx->spte + PAGE_SIZE, bytes, HK_UNMAPPED);
    add(l, "another process's arena", fx->other_va, bytes, HK_OTHER | HK_UNMAPPED);
    add(l, "straddling the end of a block", fx->blk_va + 4 * PAGE_SIZE - 2, bytes, HK_CROSS);
    add(l, "the permanently invalid region", INVALID_START, bytes, 0);
    add(l, "BAD_POINTER", BAD_POINTER, bytes, 0);
    add(l, "the last bytes of the 4 GiB", 0xFFFFFFFCu, bytes, 0);
    add(l, "-1", 0xFFFFFFFFu, bytes, HK_WRAP);
}

/* ---- the test ----------------------------------------------------------------------------------- */

const char *hostile_test(const char *svc, const struct hpers *pers, void *pf, hbody body)
{
    struct hfix fx;
    struct hrun r = { svc, 0, { 0 } };
    uint32_t before = test_hostile_cases;
    const char *res = hfix_setup(&fx);
    const char *pres = res ? "not set up" : pers ? pers->setup(&fx, pf) : PASS;
    if (!res && !pres && mm_region_find(fx.blk_va + 4 * PAGE_SIZE))
        pres = test_fail(__FILE__, __LINE__, "%s: the page after the block is reserved", svc);
    if (!res && !pres) {
        hrun_rebase(&r);
        res = body(&r, &fx, pf);
    }
    if (!res) res = pres;
    if (pers && !pres) pers->teardown(&fx, pf);
    hfix_teardown(&fx);
    kprintf("hostile/%s: %u cases\n", svc, test_hostile_cases - before);
    return res;
}
