/*
 * tests/bench/core.c - benchmark rows for the frame allocator and the paging core, each
 * with its floor: the same work done by the fewest instructions we can write, timed in the
 * same boot.  The personalities' rows go in their own tests/bench_<area>.c the same way.
 *
 * Steady state: a row keeps one extra page committed in the page table it works in, so the
 * figure is the operation and not the page table's creation and release (a table is freed
 * when its last entry goes).  Rows run with frame poisoning off unless the id says +poison.
 *
 * The floors work on scratch memory (bench_scratch) laid out as below, except where the
 * hardware effect is the point (a real PTE store, invlpg and touch; a real CR3 load): there
 * they write a real entry and put it back before the next instruction that could notice.
 */
#include "kernel/kernel.h"
#include "tests/bench/bench.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "tests/core/mm/frames.h"

/* ---- scratch layout and the floors' building blocks -------------------------------------- */

#define SCR_FILL     (bench_scratch)                 /* page 0: zero / poison target */
#define SCR_DIR      (bench_scratch + 1 * 1024)      /* page 1: a "directory" being built */
#define SCR_RECORDS  (bench_scratch + 2 * 1024)      /* pages 2-5: 512 PFN records (32 bytes) */
#define SCR_PTES     (bench_scratch + 6 * 1024)      /* page 6: 1024 PTEs of a fake table */
#define SCR_LIST     (bench_scratch + 7 * 1024)      /* page 7: 128 fake PFN records, a free list */
#define FAKE_FRAMES  128u

struct fake_pfn { uint32_t lock, map, next, pad[5]; };   /* the real record's size */
static struct fake_pfn *fake_rec;
static uint32_t fake_head;

/* Fresh fake state: 256 frames on a free list, a table whose entry i maps frame i. */
static void fake_init(void)
{
    fake_rec = (struct fake_pfn *)SCR_LIST;
    for (uint32_t i = 0; i < FAKE_FRAMES; i++) fake_rec[i] = (struct fake_pfn){ 0, 0, i + 1, { 0, 0, 0, 0, 0 } };
    fake_head = 0;
    for (uint32_t i = 0; i < PTES_PER_TABLE; i++) SCR_PTES[i] = ((i % FAKE_FRAMES) << PAGE_SHIFT) | PTE_W | PTE_P;
}

/* p = head; head = rec[p].next.  In asm so that the compiler cannot merge a pop with the push
 * that undoes it. */
static inline uint32_t fake_pop(void)
{
    uint32_t p, t;
    __asm__ volatile("mov %[h], %0\n\tmov %0, %1\n\tshl $4, %1\n\tmov 4(%[r],%1), %1\n\tmov %1, %[h]"
                     : "=&r"(p), "=&r"(t), [h] "+m"(fake_head) : [r] "r"(fake_rec) : "memory");
    return p;
}

/* rec[p].next = head; head = p */
static inline void fake_push(uint32_t p)
{
    uint32_t t, o;
    __asm__ volatile("mov %[h], %0\n\tmov %[p], %1\n\tshl $4, %1\n\tmov %0, 4(%[r],%1)\n\tmov %[p], %[h]"
                     : "=&r"(t), "=&r"(o), [h] "+m"(fake_head) : [p] "r"(p), [r] "r"(fake_rec) : "memory");
}

static inline uint32_t touch(vaddr_t va)
{
    return *(volatile uint32_t *)va;
}

/* n pages reserved, followed by one committed page that keeps the page table alive. */
static struct region *block_with_anchor(uint32_t n)
{
    struct region *r = bench_block(n + 1, 0);
    mm_commit(r->base + n * PAGE_SIZE, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL);
    return r;
}

/* ---- floors ------------------------------------------------------------------------------- */

BENCH_FLOOR(floor_list, "pop + push on a singly linked free list")
{
    fake_init();
    BENCH_BATCHES(b) fake_push(fake_pop());
}

BENCH_FLOOR(floor_list_poison, "pop + push on a free list + rep stosl of 1024 dwords (the poison fill)")
{
    fake_init();
    BENCH_BATCHES(b) {
        uint32_t p = fake_pop();
        fill_dwords(SCR_FILL, 1024, PFN_POISON);
        fake_push(p);
    }
}

BENCH_FLOOR(floor_run16, "pop + push of one 16-frame block + 16 record stores each way")
{
    fake_init();
    uint8_t *rec = (uint8_t *)SCR_RECORDS;
    BENCH_BATCHES(b) {
        uint32_t p = fake_pop();
        __asm__ volatile(".irp o,0,32,64,96,128,160,192,224,256,288,320,352,384,416,448,480\n\t"
                         "movb $2, \\o(%0)\n\t.endr\n\t"
                         ".irp o,0,32,64,96,128,160,192,224,256,288,320,352,384,416,448,480\n\t"
                         "movb $1, \\o(%0)\n\t.endr" :: "r"(rec) : "memory");
        fake_push(p);
    }
}

BENCH_FLOOR(floor_map, "PTE store, touch, PTE clear, invlpg")
{
    struct region *r = block_with_anchor(1);
    vaddr_t va = r->base;
    pte_t e = pte_make(va, frame_of(va + PAGE_SIZE), PTE_W | PTE_SW_RAW), *p = MiGetPteAddress(va);
    BENCH_BATCHES(b)
        __asm__ volatile("mov %[e], (%[p])\n\tmov (%[va]), %%eax\n\tmovl $0, (%[p])\n\tinvlpg (%[va])"
                         :: [e] "r"(e), [p] "r"(p), [va] "r"(va) : "eax", "memory");
    mm_release(r);
}

BENCH_FLOOR(floor_va2pa, "PDE load, present test, PTE load, present test, frame + offset")
{
    struct region *r = bench_block(1, MM_COMMIT_PRESENT);
    vaddr_t va = r->base + 0x123;
    BENCH_BATCHES(b) {
        uint32_t pa;
        __asm__ volatile("mov %[va], %%ecx\n\tshr $22, %%ecx\n\tmov 0xC0300000(,%%ecx,4), %0\n\t"
                         "test $1, %b0\n\tjz 1f\n\t"
                         "mov %[va], %%ecx\n\tshr $12, %%ecx\n\tmov 0xC0000000(,%%ecx,4), %0\n\t"
                         "test $1, %b0\n\tjz 1f\n\t"
                         "and $0xFFFFF000, %0\n\tmov %[va], %%ecx\n\tand $0xFFF, %%ecx\n\tor %%ecx, %0\n"
                         "1:" : "=&a"(pa) : [va] "r"(va) : "ecx", "memory");
        __asm__ volatile("" :: "r"(pa));
    }
    mm_release(r);
}

/* commit: per page a frame off the list, zeroed (rep stosl 1024), its PTE written */
BENCH_FLOOR(floor_commit, "per page: pop a frame, rep stosl 1024 dwords, store the PTE")
{
    fake_init();
    uint32_t n = b->pages;
    BENCH_BATCHES(b) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t p = fake_pop();
            fill_dwords(SCR_FILL, 1024, 0);
            SCR_PTES[i] = (p << PAGE_SHIFT) | PTE_W | PTE_P;
        }
        bench_pause(b);
        for (uint32_t i = 0; i < n; i++) fake_push(SCR_PTES[i] >> PAGE_SHIFT);
        bench_resume(b);
    }
}

/* decommit: per page the PTE read and cleared, invlpg, the frame pushed on the list */
BENCH_FLOOR(floor_decommit, "per page: load + clear the PTE, invlpg, push the frame")
{
    fake_init();
    uint32_t n = b->pages;
    vaddr_t va = SYSALLOC_START;                    /* invlpg of an address: the instruction's cost */
    for (uint32_t i = 0; i < n; i++) SCR_PTES[i] = (fake_pop() << PAGE_SHIFT) | PTE_W | PTE_P;
    BENCH_BATCHES(b) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t e = SCR_PTES[i];
            SCR_PTES[i] = 0;
            invlpg(va + i * PAGE_SIZE);
            fake_push(e >> PAGE_SHIFT);
        }
        bench_pause(b);
        for (uint32_t i = 0; i < n; i++) SCR_PTES[i] = (fake_pop() << PAGE_SHIFT) | PTE_W | PTE_P;
        bench_resume(b);
    }
}

/* lock+unlock: per page, read the PTE and count the frame's lock up, then down */
BENCH_FLOOR(floor_lock, "per page: PTE load + lock count ++, then PTE load + lock count --")
{
    fake_init();
    uint32_t n = b->pages;
    BENCH_BATCHES(b) {
        for (uint32_t i = 0; i < n; i++) fake_rec[SCR_PTES[i] >> PAGE_SHIFT].lock++;
        for (uint32_t i = 0; i < n; i++) fake_rec[SCR_PTES[i] >> PAGE_SHIFT].lock--;
    }
}

/* alias+unmap: per page, copy the frame into a new PTE and count it; then clear, invlpg, uncount */
BENCH_FLOOR(floor_alias, "per page: PTE copy + map count ++, then clear + invlpg + map count --")
{
    fake_init();
    uint32_t n = b->pages, *dst = SCR_PTES + 512;
    vaddr_t va = SYSALLOC_START;
    BENCH_BATCHES(b) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t e = (SCR_PTES[i] & PTE_FRAME) | PTE_W | PTE_P;
            dst[i] = e;
            fake_rec[e >> PAGE_SHIFT].map++;
        }
        for (uint32_t i = 0; i < n; i++) {
            uint32_t e = dst[i];
            dst[i] = 0;
            invlpg(va + i * PAGE_SIZE);
            fake_rec[e >> PAGE_SHIFT].map--;
        }
    }
}

BENCH_FLOOR(floor_as, "pop a frame, zero 512 + copy 512 directory entries, push it back")
{
    fake_init();
    BENCH_BATCHES(b) {
        uint32_t p = fake_pop();
        fill_dwords(SCR_DIR, 512, 0);
        copy_dwords(SCR_DIR + 512, (const void *)(PDE_BASE + 2048), 512);
        fake_push(p);
    }
}

BENCH_FLOOR(floor_cr3, "two mov to CR3")
{
    struct as *a = as_create();
    uint32_t there = a->pd << PAGE_SHIFT, back = x86_read_cr3();
    BENCH_BATCHES(b)
        __asm__ volatile("mov %0, %%cr3\n\tmov %1, %%cr3" :: "r"(there), "r"(back) : "memory");
    as_destroy(a);
}

/* The demand-zero round trip without the fault: a zeroed frame mapped, touched, unmapped. */
BENCH_FLOOR(floor_demand, "pop, rep stosl 1024, PTE store, touch, PTE clear, invlpg, push (no fault)")
{
    fake_init();
    struct region *r = block_with_anchor(1);
    vaddr_t va = r->base;
    pte_t e = pte_make(va, pte_pfn(*MiGetPteAddress((vaddr_t)SCR_FILL)), PTE_W | PTE_SW_RAW);
    pte_t *p = MiGetPteAddress(va);
    BENCH_BATCHES(b) {
        uint32_t f = fake_pop();
        fill_dwords(SCR_FILL, 1024, 0);
        *(volatile pte_t *)p = e;
        touch(va);
        *(volatile pte_t *)p = 0;
        invlpg(va);
        fake_push(f);
    }
    mm_release(r);
}

BENCH_FLOOR(floor_pfn_init, "each 32-byte record written once: rep stosl, 8 dwords per frame")
{
    b->pages = 512;                                  /* 16 KiB of records, scaled to the row */
    BENCH_BATCHES(b) fill_dwords(SCR_RECORDS, 4 * 1024, 0);
}

/* ---- the frame allocator ------------------------------------------------------------------- */

static void alloc_free(struct bench *b)
{
    pfn_t p = pfn_alloc(0);
    BENCH_CHECK(b, p != PFN_NONE && pfn_free(p) == 0);
    BENCH_BATCHES(b) pfn_free(pfn_alloc(0));
}

static void b_alloc_free(struct bench *b) { alloc_free(b); }

static void b_alloc_free_poison(struct bench *b)
{
    pfn_poison_on_free = true;
    alloc_free(b);
}

static void alloc_run16(struct bench *b)
{
    pfn_t s = pfn_alloc_run(16, 1, 0, PFN_NONE, 0, 0);
    BENCH_CHECK(b, s != PFN_NONE);
    for (uint32_t i = 0; s != PFN_NONE && i < 16; i++) pfn_free(s + i);
    BENCH_BATCHES(b) {
        pfn_t s = pfn_alloc_run(16, 1, 0, PFN_NONE, 0, 0);
        for (uint32_t i = 0; i < 16; i++) pfn_free(s + i);
    }
}

static void b_alloc_run16(struct bench *b) { alloc_run16(b); }

/* Takes frames until `percent` of RAM is in use; the frame numbers go in a committed list. */
struct fill { struct region *list; pfn_t *f; uint32_t n; };

static void fill_to(struct fill *fl, uint32_t percent)
{
    uint32_t total = mm_total_frames(), keep_free = total - total / 100 * percent;
    uint32_t pages = (mm_free_frames() * sizeof(pfn_t) + PAGE_MASK) / PAGE_SIZE;
    fl->list = bench_block(pages, MM_COMMIT_PRESENT);
    fl->f = (pfn_t *)fl->list->base;
    fl->n = 0;
    while (mm_free_frames() > keep_free) fl->f[fl->n++] = pfn_alloc(0);
}

static void unfill(struct fill *fl)
{
    while (fl->n) pfn_free(fl->f[--fl->n]);
    mm_release(fl->list);
}

static void b_alloc_used10(struct bench *b) { struct fill f; fill_to(&f, 10); alloc_free(b); unfill(&f); }
static void b_alloc_used90(struct bench *b) { struct fill f; fill_to(&f, 90); alloc_free(b); unfill(&f); }
static void b_run16_used10(struct bench *b) { struct fill f; fill_to(&f, 10); alloc_run16(b); unfill(&f); }
static void b_run16_used90(struct bench *b) { struct fill f; fill_to(&f, 90); alloc_run16(b); unfill(&f); }

/* Built once at boot: mm_init timed it (pfn_init_ticks); per frame of the database. */
static void b_pfn_init(struct bench *b)
{
    b->pages = pfn_max;
    if (!pfn_init_ticks) { b->skip = "not timed at boot (no TSC)"; return; }
    bench_set_result(b, pfn_init_ticks > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)pfn_init_ticks);
}

BENCH_ROW("pfn/alloc-free", "frame alloc+free, 1 page (pfn_alloc, pfn_free)", 1, 1000, b_alloc_free, &floor_list);
BENCH_ROW("pfn/alloc-free+poison", "frame alloc+free, 1 page, poisoning on (fill on free)", 1, 1000, b_alloc_free_poison, &floor_list_poison);
BENCH_ROW("pfn/alloc-free@used10%", "frame alloc+free, 1 page, 10 % of RAM in use", 1, 1000, b_alloc_used10, &floor_list);
BENCH_ROW("pfn/alloc-free@used90%", "frame alloc+free, 1 page, 90 % of RAM in use", 1, 1000, b_alloc_used90, &floor_list);
BENCH_ROW("pfn/alloc-run16", "contiguous 16-frame alloc+free (pfn_alloc_run)", 16, 200, b_alloc_run16, &floor_run16);
BENCH_ROW("pfn/alloc-run16@used10%", "contiguous 16-frame alloc+free, 10 % of RAM in use", 16, 4, b_run16_used10, &floor_run16);
BENCH_ROW("pfn/alloc-run16@used90%", "contiguous 16-frame alloc+free, 90 % of RAM in use", 16, 4, b_run16_used90, &floor_run16);
BENCH_ROW("pfn/init", "PFN-database init at boot (pfn_init), per frame", 0, 1, b_pfn_init, &floor_pfn_init);

/* ---- the paging core ---------------------------------------------------------------------- */

/* The transition helpers alone: install a counted entry, touch it, clear it (invlpg). */
static void b_pte_map_unmap(struct bench *b)
{
    struct region *r = block_with_anchor(1);
    vaddr_t va = r->base;
    pte_t e = pte_make(va, frame_of(va + PAGE_SIZE), PTE_W);
    BENCH_BATCHES(b) {
        pte_install(va, e);
        touch(va);
        pte_clear(va, 0);
    }
    mm_release(r);
}

/* The two halves alone (BENCH_TARGETS lists them apart): the other half runs paused. */
static void b_pte_map(struct bench *b)
{
    struct region *r = block_with_anchor(1);
    vaddr_t va = r->base;
    pte_t e = pte_make(va, frame_of(va + PAGE_SIZE), PTE_W);
    BENCH_BATCHES(b) {
        pte_install(va, e);
        bench_pause(b);
        pte_clear(va, 0);
        bench_resume(b);
    }
    mm_release(r);
}

static void b_pte_unmap(struct bench *b)
{
    struct region *r = block_with_anchor(1);
    vaddr_t va = r->base;
    pte_t e = pte_make(va, frame_of(va + PAGE_SIZE), PTE_W);
    BENCH_BATCHES(b) {
        bench_pause(b);
        pte_install(va, e);
        touch(va);                                   /* so that invlpg has an entry to drop */
        bench_resume(b);
        pte_clear(va, 0);
    }
    mm_release(r);
}

/* The core API on a system-PTE allocation (MmMapIoSpace, PageListToLin): map a frame in use,
 * touch it, unmap it.  The second page keeps the table. */
static void b_mm_map_unmap(struct bench *b)
{
    struct region *r = bench_block(1, MM_COMMIT_PRESENT);
    pfn_t f = frame_of(r->base);
    vaddr_t va = syspte_alloc(2);
    BENCH_CHECK(b, va && mm_map_physical(va + PAGE_SIZE, 1, f, 1, MM_PROT_WRITE) == MM_OK);
    BENCH_CHECK(b, mm_map_physical(va, 1, f, 1, MM_PROT_WRITE) == MM_OK && mm_decommit(va, 1) == MM_OK);
    BENCH_BATCHES(b) {
        mm_map_physical(va, 1, f, 1, MM_PROT_WRITE);
        touch(va);
        mm_decommit(va, 1);
    }
    if (va) {
        mm_decommit(va + PAGE_SIZE, 1);
        syspte_free(va, 2);
    }
    mm_release(r);
}

/* Commits and decommits the block once, checking both work. */
static void check_commit(struct bench *b, vaddr_t va)
{
    BENCH_CHECK(b, mm_commit(va, b->pages, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL) == MM_OK &&
                   mm_decommit(va, b->pages) == MM_OK);
}

static void b_commit(struct bench *b)
{
    struct region *r = block_with_anchor(b->pages);
    check_commit(b, r->base);
    BENCH_BATCHES(b) {
        mm_commit(r->base, b->pages, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL);
        bench_pause(b);
        mm_decommit(r->base, b->pages);
        bench_resume(b);
    }
    mm_release(r);
}

static void b_decommit(struct bench *b)
{
    struct region *r = block_with_anchor(b->pages);
    check_commit(b, r->base);
    BENCH_BATCHES(b) {
        bench_pause(b);
        mm_commit(r->base, b->pages, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL);
        bench_resume(b);
        mm_decommit(r->base, b->pages);
    }
    mm_release(r);
}

static void b_lock(struct bench *b)
{
    struct region *r = bench_block(b->pages, MM_COMMIT_PRESENT);
    BENCH_CHECK(b, mm_lock(r->base, b->pages, 0, NULL) == MM_OK && mm_unlock(r->base, b->pages) == MM_OK);
    BENCH_BATCHES(b) {
        mm_lock(r->base, b->pages, 0, NULL);
        mm_unlock(r->base, b->pages);
    }
    mm_release(r);
}

/* mm_alias is the core of VMProcessToGlobal / PAGEMAPGLOBAL; the alias is then unmapped. */
static void b_alias(struct bench *b)
{
    struct region *src = bench_block(b->pages, MM_COMMIT_PRESENT);
    struct region *dst = block_with_anchor(b->pages);
    BENCH_CHECK(b, mm_alias(dst->base, src->base, b->pages, MM_PROT_WRITE) == MM_OK &&
                   mm_decommit(dst->base, b->pages) == MM_OK);
    BENCH_BATCHES(b) {
        mm_alias(dst->base, src->base, b->pages, MM_PROT_WRITE);
        mm_decommit(dst->base, b->pages);
    }
    mm_release(dst);
    mm_release(src);
}

static void b_as_create(struct bench *b)
{
    struct as *a = as_create();
    BENCH_CHECK(b, a && as_destroy(a) == MM_OK);
    BENCH_BATCHES(b) as_destroy(as_create());
}

static void b_as_switch(struct bench *b)
{
    struct as *a = as_create(), *k = as_current();
    BENCH_CHECK(b, a != NULL);
    BENCH_BATCHES(b) {
        as_switch(a);
        as_switch(k);
    }
    if (a) as_destroy(a);
}

/* Commit demand-zero, first touch (the #PF handler allocates, zeroes, maps), decommit. */
static void b_demand_fault(struct bench *b)
{
    struct region *r = block_with_anchor(1);
    BENCH_CHECK(b, mm_commit(r->base, 1, MM_PROT_WRITE, 0, NULL, NULL) == MM_OK && mm_decommit(r->base, 1) == MM_OK);
    uint32_t faults = mm_demand_faults;
    BENCH_BATCHES(b) {
        mm_commit(r->base, 1, MM_PROT_WRITE, 0, NULL, NULL);
        touch(r->base);
        mm_decommit(r->base, 1);
    }
    BENCH_CHECK(b, mm_demand_faults - faults == BENCH_NBATCH * b->calls);   /* each touch faulted */
    mm_release(r);
}

/* MmGetPhysicalAddress's core: the entry through the self-map, then frame | offset. */
static void b_va2pa(struct bench *b)
{
    struct region *r = bench_block(1, MM_COMMIT_PRESENT);
    vaddr_t va = r->base + 0x123;
    uint32_t e0;
    BENCH_CHECK(b, mm_read_pte(va, &e0) && (e0 & PTE_FRAME) == (frame_of(va) << PAGE_SHIFT));
    BENCH_BATCHES(b) {
        uint32_t e, pa = 0;
        if (mm_read_pte(va, &e) && (e & PTE_P))
            pa = (e & PDE_PS) ? (e & PDE_LARGE_FRAME) | (va & (LARGE_PAGE_SIZE - 1))
                              : (e & PTE_FRAME) | (va & PAGE_MASK);
        __asm__ volatile("" :: "r"(pa));
    }
    mm_release(r);
}

/* Commit+decommit one page where no page table exists: the table is allocated, zeroed and its
 * PDE written into every directory (kernel PDEs are mirrored: pte.c pde_write), then freed
 * when its last entry goes.  So the cost grows with the number of address spaces alive. */
static void commit_new_table(struct bench *b, uint32_t spaces)
{
    struct as *extra[64];
    uint32_t n = 0;
    while (as_count() < spaces && n < ARRAY_SIZE(extra) && (extra[n] = as_create())) n++;
    BENCH_CHECK(b, as_count() >= spaces);
    struct region *r = bench_block(1, 0);
    BENCH_CHECK(b, !(*MiGetPdeAddress(r->base) & PTE_P));
    check_commit(b, r->base);
    BENCH_CHECK(b, !(*MiGetPdeAddress(r->base) & PTE_P));       /* the table went again */
    BENCH_BATCHES(b) {
        mm_commit(r->base, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL);
        mm_decommit(r->base, 1);
    }
    mm_release(r);
    while (n) as_destroy(extra[--n]);
}

static void b_newtable_as1(struct bench *b) { commit_new_table(b, 1); }
static void b_newtable_as64(struct bench *b) { commit_new_table(b, 64); }

BENCH_ROW("pte/map-unmap", "map+unmap 1 page, table present (pte_install, pte_clear)", 1, 1000, b_pte_map_unmap, &floor_map);
BENCH_ROW("pte/map", "map 1 page, table present (pte_install)", 1, 1000, b_pte_map, NULL);
BENCH_ROW("pte/unmap", "unmap 1 page, TLB entry loaded (pte_clear with invlpg)", 1, 1000, b_pte_unmap, NULL);
BENCH_ROW("mm/map-unmap", "map+unmap 1 page (mm_map_physical, mm_decommit; system PTEs)", 1, 1000, b_mm_map_unmap, &floor_map);
BENCH_ROW("mm/commit@1", "commit: alloc+zero+map (mm_commit PRESENT+ZERO)", 1, 1000, b_commit, &floor_commit);
BENCH_ROW("mm/commit@16", "commit: alloc+zero+map (mm_commit PRESENT+ZERO)", 16, 100, b_commit, &floor_commit);
BENCH_ROW("mm/commit@256", "commit: alloc+zero+map (mm_commit PRESENT+ZERO)", 256, 10, b_commit, &floor_commit);
BENCH_ROW("mm/commit-newtable@as1", "commit+decommit 1 page, new page table, 1 address space", 1, 200, b_newtable_as1, NULL);
BENCH_ROW("mm/commit-newtable@as64", "commit+decommit 1 page, new page table, 64 address spaces", 1, 200, b_newtable_as64, NULL);
BENCH_ROW("mm/decommit@1", "decommit: unmap+free (mm_decommit)", 1, 1000, b_decommit, &floor_decommit);
BENCH_ROW("mm/decommit@16", "decommit: unmap+free (mm_decommit)", 16, 100, b_decommit, &floor_decommit);
BENCH_ROW("mm/decommit@256", "decommit: unmap+free (mm_decommit)", 256, 10, b_decommit, &floor_decommit);
BENCH_ROW("mm/lock@1", "lock+unlock (mm_lock, mm_unlock)", 1, 1000, b_lock, &floor_lock);
BENCH_ROW("mm/lock@16", "lock+unlock (mm_lock, mm_unlock)", 16, 200, b_lock, &floor_lock);
BENCH_ROW("mm/lock@256", "lock+unlock (mm_lock, mm_unlock)", 256, 20, b_lock, &floor_lock);
BENCH_ROW("mm/alias@1", "alias+unmap (mm_alias, mm_decommit)", 1, 1000, b_alias, &floor_alias);
BENCH_ROW("mm/alias@16", "alias+unmap (mm_alias, mm_decommit)", 16, 200, b_alias, &floor_alias);
BENCH_ROW("mm/alias@256", "alias+unmap (mm_alias, mm_decommit)", 256, 20, b_alias, &floor_alias);
BENCH_ROW("as/create-destroy", "address space create+destroy (as_create, as_destroy)", 0, 200, b_as_create, &floor_as);
BENCH_ROW("as/switch", "CR3 switch there and back (as_switch x2)", 0, 1000, b_as_switch, &floor_cr3);
BENCH_ROW("mm/demand-fault", "demand-zero fault round trip (commit, touch, decommit)", 1, 1000, b_demand_fault, &floor_demand);
BENCH_ROW("mm/va-to-pa", "VA->PA through the self-map (mm_read_pte + mask)", 0, 1000, b_va2pa, &floor_va2pa);
