/*
 * tests/core/pfn/pfn.c - pfn/...: the PFN database and the frame allocator.
 */
#include "tests/harness/test.h"
#include "kernel/bootinfo.h"
#include "mm/core/pfn.h"
#include "mm/core/pte.h"
#include "mm/mm.h"

extern char _kernel_start[], _kernel_end[];

static bool frame_forbidden(pfn_t p)
{
    paddr_t pa = p << PAGE_SHIFT;
    if (pa < 0x100000) return true;
    if (pa >= (paddr_t)_kernel_start - KERNEL_VBASE && pa < (paddr_t)_kernel_end - KERNEL_VBASE) return true;
    for (uint32_t i = 0; i < bootinfo.nloader; i++)
        if (pa + PAGE_SIZE > bootinfo.loader[i].start && pa < bootinfo.loader[i].end) return true;
    for (uint32_t i = 0; i < bootinfo.nmmap; i++) {
        const struct mmap_entry *m = &bootinfo.mmap[i];
        if (m->type != MMAP_USABLE && pa + PAGE_SIZE > m->base && pa < m->base + m->len) return true;
    }
    return false;
}

/* Is frame p inside an entry of type "usable"?  (Gaps between entries are not RAM.) */
static bool in_usable_entry(pfn_t p)
{
    uint64_t pa = (uint64_t)p << PAGE_SHIFT;
    for (uint32_t i = 0; i < bootinfo.nmmap; i++) {
        const struct mmap_entry *m = &bootinfo.mmap[i];
        if (m->type == MMAP_USABLE && pa >= m->base && pa + PAGE_SIZE <= m->base + m->len) return true;
    }
    return false;
}

/* Usable frames per the memory map, rounded inward and below 4 GiB. */
static uint32_t usable_frames_from_map(void)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < bootinfo.nmmap; i++) {
        const struct mmap_entry *m = &bootinfo.mmap[i];
        if (m->type != MMAP_USABLE) continue;
        uint64_t b = (m->base + PAGE_MASK) & ~(uint64_t)PAGE_MASK, e = (m->base + m->len) & ~(uint64_t)PAGE_MASK;
        if (e > 0x100000000ull) e = 0x100000000ull;
        if (b < e) n += (uint32_t)((e - b) >> PAGE_SHIFT);
    }
    return n;
}

TEST(pfn_map_total, "pfn/memory-map-total")
{
    if (!bootinfo.has_mmap) SKIP("no memory map (pfn/no-memory-map-fallback covers this boot)");
    /* Every usable frame has a RAM record; the states add up to the total. */
    CHECK_EQ(pfn_count.total, usable_frames_from_map());
    uint32_t free = 0, reserved = 0, notram_in_map = 0;
    for (pfn_t p = 0; p < pfn_max; p++) {
        if (pfn_db[p].state == PFN_FREE) free++;
        if (pfn_db[p].state == PFN_RESERVED) reserved++;
        if (pfn_db[p].state == PFN_NOTRAM && !frame_forbidden(p) && in_usable_entry(p)) notram_in_map++;
    }
    CHECK_EQ(free, pfn_count.free);
    CHECK_EQ(reserved, pfn_count.reserved);
    CHECK_EQ(pfn_count.total, pfn_count.free + pfn_count.used + pfn_count.pagetables + pfn_count.system +
                              pfn_count.reserved + pte_directory_count() - 1);
    CHECK_EQ(notram_in_map, 0);
    /* The first MiB, the kernel image and the boot data are never free. */
    for (pfn_t p = 0; p < pfn_max; p++)
        if (frame_forbidden(p)) CHECK_MSG(pfn_db[p].state != PFN_FREE, "frame %x is free", p);
    return PASS;
}

/* Allocates every free frame (checking each is allowed), returns the count, frees them all.
 * The frames are chained through their own first dword (via hyperspace) to need no array. */
static const char *exhaust(uint32_t *count)
{
    pfn_t head = PFN_NONE, p;
    uint32_t n = 0;
    bool poison = pfn_poison_on_free;
    pfn_poison_on_free = false;
    /* What an ordinary allocation may not take: frames the commit charge holds and, with the
     * pager on, its reserve for pageable memory (pfn.h, pfn_available).  Constant while the
     * loop takes frames: each one lowers the free count and the limit alike. */
    uint32_t kept = pfn_count.free - pfn_available();
    while ((p = pfn_alloc(0)) != PFN_NONE) {
        if (frame_forbidden(p)) return test_fail(__FILE__, __LINE__, "allocator handed out frame %x", p);
        if (pfn_db[p].state != PFN_USED) return test_fail(__FILE__, __LINE__, "frame %x not marked used", p);
        uint32_t *v = hyper_map(p);
        *v = head;
        hyper_unmap(v);
        head = p;
        n++;
    }
    uint32_t free_at_bottom = pfn_count.free;
    while (head != PFN_NONE) {
        uint32_t *v = hyper_map(head);
        pfn_t next = *v;
        hyper_unmap(v);
        if (pfn_free(head) != 0) return test_fail(__FILE__, __LINE__, "pfn_free(%x) refused", head);
        head = next;
    }
    pfn_poison_on_free = poison;
    if (free_at_bottom != kept)
        return test_fail(__FILE__, __LINE__, "%u frames free at exhaustion, not the %u kept back", free_at_bottom, kept);
    *count = n;
    return NULL;
}

TEST(pfn_exhaust_twice, "pfn/exhaustion-twice")
{
    uint32_t before = pfn_count.free, avail = pfn_available(), a = 0, b = 0;
    TRY(exhaust(&a));
    CHECK_EQ(pfn_count.free, before);
    TRY(exhaust(&b));
    CHECK_EQ(a, b);
    CHECK_EQ(a, avail);                               /* every free frame, but what is kept back */
    CHECK_EQ(pfn_count.free, before);
    return PASS;
}

TEST(pfn_contig, "pfn/contiguous-runs")
{
    uint32_t before = pfn_count.free;
    pfn_t s = pfn_alloc_run(16, 16, 0, pfn_max, 0, 0);
    CHECK(s != PFN_NONE);
    CHECK_EQ(s & 15, 0);
    for (uint32_t i = 0; i < 16; i++) CHECK_EQ(pfn_db[s + i].state, PFN_USED);
    for (uint32_t i = 0; i < 16; i++) CHECK_EQ(pfn_free(s + i), 0);
    /* a window below 16 MiB, 64 KiB aligned */
    s = pfn_alloc_run(4, 16, 0x100, ISA_DMA_LIMIT_PFN, 0, 0);
    CHECK(s != PFN_NONE);
    CHECK(s >= 0x100 && s + 4 <= ISA_DMA_LIMIT_PFN && (s & 15) == 0);
    for (uint32_t i = 0; i < 4; i++) pfn_free(s + i);
    /* a boundary: 3 frames not crossing a 4-frame boundary */
    s = pfn_alloc_run(3, 1, 0x101, pfn_max, 4, 0);
    CHECK(s != PFN_NONE);
    CHECK_EQ(s / 4, (s + 2) / 4);
    for (uint32_t i = 0; i < 3; i++) pfn_free(s + i);
    CHECK_EQ(pfn_count.free, before);
    /* impossible requests fail and change nothing */
    CHECK_EQ(pfn_alloc_run(pfn_count.total + 1, 1, 0, pfn_max, 0, 0), PFN_NONE);
    CHECK_EQ(pfn_alloc_run(8, 1, 0x200, 0x204, 0, 0), PFN_NONE);      /* window smaller than run */
    CHECK_EQ(pfn_alloc_run(4, 3, 0, pfn_max, 0, 0), PFN_NONE);        /* alignment not a power of 2 */
    CHECK_EQ(pfn_alloc_run(0, 1, 0, pfn_max, 0, 0), PFN_NONE);
    CHECK_EQ(pfn_alloc_run(8, 1, 0, pfn_max, 4, 0), PFN_NONE);        /* run larger than boundary */
    CHECK_EQ(pfn_alloc_run(1, 1, 0x300, 0x200, 0, 0), PFN_NONE);      /* min > max */
    CHECK_EQ(pfn_count.free, before);
    return PASS;
}

/* The reference for pfn_alloc_run: the first fitting run found by reading every record, above
 * 16 MiB first when the window spans it (the allocator's preference). */
static pfn_t naive_window(uint32_t n, uint32_t align, pfn_t lo, pfn_t hi, uint32_t boundary)
{
    for (pfn_t s = (lo + align - 1) & ~(align - 1); s + n <= hi; s += align) {
        if (boundary && s / boundary != (s + n - 1) / boundary) continue;
        uint32_t i = 0;
        while (i < n && pfn_db[s + i].state == PFN_FREE) i++;
        if (i == n) return s;
    }
    return PFN_NONE;
}

static pfn_t naive_run(uint32_t n, uint32_t align, uint32_t boundary)
{
    pfn_t s = naive_window(n, align, ISA_DMA_LIMIT_PFN, pfn_max, boundary);
    return s != PFN_NONE ? s : naive_window(n, align, 0, pfn_max, boundary);
}

static pfn_t held[2 * PFN_CHUNK];
static uint32_t nheld;

static void unhold(pfn_t p)
{
    pfn_db[p].hold_count--;
    pfn_free(p);
}

/* The run search steps over fully used 4 MiB chunks and starts where free memory starts (a
 * per-chunk free count and a hint, mm/core/pfn.c): the free frames from the lowest one above
 * 16 MiB to the end of the next chunk are taken (so whole chunks are full), and every request
 * must still find exactly the run a record-by-record scan finds; a block freed below the hint
 * must be found again. */
TEST(pfn_run_chunks, "pfn/run-search-skips-used-chunks")
{
    if (pfn_max < ISA_DMA_LIMIT_PFN + 3 * PFN_CHUNK) SKIP("needs 28 MiB of RAM");
    uint32_t before = pfn_count.free;
    pfn_t first = naive_window(1, 1, ISA_DMA_LIMIT_PFN, pfn_max, 0);
    CHECK(first != PFN_NONE);
    pfn_t end = MIN(pfn_max, ((first >> PFN_CHUNK_SHIFT) + 2) << PFN_CHUNK_SHIFT);
    nheld = 0;
    for (pfn_t p = first; p < end; p++)
        if (pfn_db[p].state == PFN_FREE && pfn_alloc_run(1, 1, p, p + 1, 0, 0) == p) {
            pfn_hold(p);
            held[nheld++] = p;
        }
    CHECK_EQ(pfn_chunk_free[(end - 1) >> PFN_CHUNK_SHIFT], 0);
    char why[128];
    CHECK_MSG(mm_check(why, sizeof why), "mm_check with the chunks taken: %s", why);
    static const uint32_t req[][3] = { { 1, 1, 0 }, { 16, 1, 0 }, { 16, 16, 0 }, { 3, 1, 4 }, { 64, 64, 0 }, { 5, 2, 8 } };
    const char *fail = PASS;
    for (uint32_t i = 0; i < ARRAY_SIZE(req) && !fail; i++) {
        pfn_t want = naive_run(req[i][0], req[i][1], req[i][2]);
        pfn_t got = pfn_alloc_run(req[i][0], req[i][1], 0, pfn_max, req[i][2], 0);
        if (got != want || got == PFN_NONE || got < end)
            fail = test_fail(__FILE__, __LINE__, "request %u: run at %x, a full scan finds %x (taken up to %x)", i, got,
                             want, end);
        for (uint32_t k = 0; got != PFN_NONE && k < req[i][0]; k++) pfn_free(got + k);
    }
    /* A 16-frame block given back below the hint is the first fit again. */
    uint32_t j = 0;
    while (j + 16 <= nheld && (held[j] % 16 || held[j + 15] != held[j] + 15)) j++;
    if (!fail && j + 16 > nheld) fail = "no aligned block of 16 among the frames taken";
    if (!fail) {
        for (uint32_t k = 0; k < 16; k++) unhold(held[j + k]);
        pfn_t got = pfn_alloc_run(16, 16, 0, pfn_max, 0, 0);
        if (got != held[j]) fail = test_fail(__FILE__, __LINE__, "freed block at %x, run found at %x", held[j], got);
        for (uint32_t k = 0; got != PFN_NONE && k < 16; k++) pfn_free(got + k);
        for (uint32_t k = 0; k < 16; k++)            /* taken again, to go back with the rest */
            if (pfn_alloc_run(1, 1, held[j + k], held[j + k] + 1, 0, 0) == held[j + k]) pfn_hold(held[j + k]);
    }
    for (uint32_t k = 0; k < nheld; k++) unhold(held[k]);
    CHECK_EQ(pfn_count.free, before);
    return fail;
}

TEST(pfn_double_free, "pfn/double-free-refused")
{
    uint32_t before = pfn_count.free;
    pfn_t p = pfn_alloc(0);
    CHECK(p != PFN_NONE);
    CHECK_EQ(pfn_free(p), 0);
    CHECK_EQ(pfn_count.free, before);
    CHECK_EQ(pfn_free(p), -1);                       /* double free */
    CHECK_EQ(pfn_count.free, before);
    CHECK_EQ(pfn_free(0xFEE00), -1);                 /* not RAM (LAPIC) */
    CHECK_EQ(pfn_free(0x0), -1);                     /* reserved: first MiB */
    CHECK_EQ(pfn_free(((paddr_t)_kernel_start - KERNEL_VBASE) >> PAGE_SHIFT), -1);
    CHECK_EQ(pfn_free(pfn_max + 5), -1);
    CHECK_EQ(pfn_count.free, before);
    return PASS;
}

TEST(pfn_poison, "pfn/freed-frames-poisoned")
{
    pfn_t p = pfn_alloc(PFN_ALLOC_ZERO);
    CHECK(p != PFN_NONE);
    uint32_t *v = hyper_map(p);
    bool zero = v[0] == 0 && v[1023] == 0;
    hyper_unmap(v);
    CHECK(zero);
    CHECK_EQ(pfn_free(p), 0);
    v = hyper_map(p);
    uint32_t a = v[0], b = v[1023];
    hyper_unmap(v);
    CHECK_EQ(a, PFN_POISON);
    CHECK_EQ(b, PFN_POISON);
    return PASS;
}

TEST(pfn_low_preference, "pfn/below-16M-kept-for-dma")
{
    bool high = false;
    for (pfn_t p = ISA_DMA_LIMIT_PFN; p < pfn_max && !high; p++) high = pfn_db[p].state == PFN_FREE;
    pfn_t p = pfn_alloc(0);
    CHECK(p != PFN_NONE);
    bool ok = high ? p >= ISA_DMA_LIMIT_PFN : p < ISA_DMA_LIMIT_PFN;
    pfn_t q = pfn_alloc(PFN_ALLOC_LOW);
    pfn_free(p);
    CHECK_MSG(ok, "frame %x with high memory %s", p, high ? "free" : "absent");
    CHECK(q != PFN_NONE && q < ISA_DMA_LIMIT_PFN);
    pfn_free(q);
    return PASS;
}

TEST(pfn_modules_reserved, "pfn/modules-reserved")
{
    if (!(bootinfo.flags & (1u << 3)) || bootinfo.nmods == 0) SKIP("no Multiboot module was loaded");
    for (uint32_t i = 0; i < bootinfo.nmods; i++) {
        pfn_t s = bootinfo.mods[i].start >> PAGE_SHIFT, e = (bootinfo.mods[i].end + PAGE_MASK) >> PAGE_SHIFT;
        CHECK(e > s);
        for (pfn_t p = s; p < e; p++) CHECK_MSG(pfn_db[p].state == PFN_RESERVED, "module frame %x is %s", p, pfn_state_name(pfn_db[p].state));
    }
    return PASS;
}

TEST(pfn_fallback_without_mmap, "pfn/no-memory-map-fallback")
{
    if (bootinfo.has_mmap) SKIP("the loader gave a memory map (boot with mb-nommap to test this)");
    /* mem_lower below 1 MiB (all reserved anyway) plus mem_upper from 1 MiB. */
    uint32_t expect = (bootinfo.mem_lower_kb / 4) + (bootinfo.mem_upper_kb / 4);
    CHECK_EQ(pfn_count.total, expect);
    CHECK_EQ(pfn_max, 0x100 + bootinfo.mem_upper_kb / 4);
    return PASS;
}
