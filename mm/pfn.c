/*
 * pfn.c - PFN database and frame allocator (see pfn.h for the states and counts).
 *
 * Initialisation, from the Multiboot memory map:
 *   1. usable ranges are rounded inward to whole frames; RAM above 4 GiB is ignored (non-PAE);
 *      a range that overlaps a non-usable entry loses the overlap (firmware wins);
 *   2. the database itself needs memory before any allocator exists: a bump allocator takes
 *      frames above the kernel image that are usable and not reserved;
 *   3. every record is written once, then one ascending pass threads the free frames onto two
 *      lists - below 16 MiB ("low", kept for ISA DMA) and above ("high", used first).
 * Cost is linear in the number of frames.
 *
 * Exhaustion: pfn_alloc returns PFN_NONE and changes nothing; callers turn that into their
 * API's out-of-memory error.
 */
#include "mm/pfn.h"
#include "mm/pte.h"
#include "mm/x86.h"

struct pfn *pfn_db = (struct pfn *)PFNDB_BASE;
pfn_t pfn_max;
struct pfn_counters pfn_count;
bool pfn_poison_on_free = true;

static pfn_t free_head[2] = { PFN_NONE, PFN_NONE };   /* [0] low (< 16 MiB), [1] high */

/* Free frames per chunk of PFN_CHUNK frames (4 MiB), so a search for a run steps over a fully
 * used chunk in one comparison; and no frame of a free list's zone below its run_hint is free
 * (frees lower it, searches raise it), so a search starts where free memory starts - one hint
 * per zone, since frames below 16 MiB stay free the longest.  Without them a run search read
 * every used record below the first free run: 16.9 M instructions at 90 % of 3.5 GiB used.
 * Kept by list_push / list_remove, the only places a frame becomes or stops being free. */
uint16_t pfn_chunk_free[PFN_NCHUNKS];
static pfn_t run_hint[2] = { 0, ISA_DMA_LIMIT_PFN };

struct urange { pfn_t start, end; };
static struct urange usable[MB_MAX_MMAP + 2];
static uint32_t nusable;
static struct urange reserved[MB_MAX_RANGES + MB_MAX_MODS + 4];
static uint32_t nreserved;

const char *pfn_state_name(uint8_t s)
{
    static const char *const n[] = { "not-RAM", "free", "used", "page-table", "page-directory", "system", "reserved" };
    return s < ARRAY_SIZE(n) ? n[s] : "?";
}

/* ---- free lists ---------------------------------------------------------------------------- */

static int list_of(pfn_t p) { return p >= ISA_DMA_LIMIT_PFN; }

static void list_push(pfn_t p)
{
    struct pfn *r = &pfn_db[p];
    int l = list_of(p);
    pfn_chunk_free[p >> PFN_CHUNK_SHIFT]++;
    run_hint[l] = MIN(run_hint[l], p);
    r->prev = PFN_NONE;
    r->next = free_head[l];
    if (free_head[l] != PFN_NONE) pfn_db[free_head[l]].prev = p;
    free_head[l] = p;
}

static void list_remove(pfn_t p)
{
    struct pfn *r = &pfn_db[p];
    pfn_chunk_free[p >> PFN_CHUNK_SHIFT]--;
    if (r->prev != PFN_NONE) pfn_db[r->prev].next = r->next;
    else free_head[list_of(p)] = r->next;
    if (r->next != PFN_NONE) pfn_db[r->next].prev = r->prev;
}

/* Free -> used: the caller now owns the frame and must map, hold or free it. */
static void take(pfn_t p, uint32_t flags)
{
    struct pfn *r = &pfn_db[p];
    list_remove(p);
    pfn_count.free--;
    if (r->flags & PFNF_ZEROED) pfn_count.zeroed--;
    r->state = PFN_USED;
    r->map_count = r->hold_count = r->lock_count = 0;
    r->next = r->prev = 0;
    if ((flags & PFN_ALLOC_ZERO) && !(r->flags & PFNF_ZEROED)) pfn_zero(p);
    r->flags = 0;
    pfn_count.used++;
}

static void give_back(pfn_t p)
{
    struct pfn *r = &pfn_db[p];
    r->flags = 0;
    if (pfn_poison_on_free && hyper_ready) pfn_fill(p, PFN_POISON);
    r->state = PFN_FREE;
    list_push(p);
    pfn_count.free++;
    pfn_count.used--;
}

pfn_t pfn_alloc(uint32_t flags)
{
    pfn_t p = free_head[1];
    if (p == PFN_NONE || (flags & PFN_ALLOC_LOW)) p = free_head[0];
    if (p == PFN_NONE) return PFN_NONE;
    take(p, flags);
    return p;
}

bool pfn_is_ram(pfn_t p)
{
    return p < pfn_max && pfn_db[p].state != PFN_NOTRAM;
}

int pfn_free(pfn_t p)
{
    if (!pfn_is_ram(p)) return -1;
    struct pfn *r = &pfn_db[p];
    if (r->state != PFN_USED || r->map_count || r->hold_count || r->lock_count) return -1;
    give_back(p);
    return 0;
}

void pfn_release_if_unused(pfn_t p)
{
    struct pfn *r = &pfn_db[p];
    if (r->state == PFN_USED && !r->map_count && !r->hold_count && !r->lock_count)
        give_back(p);
}

void pfn_ref(pfn_t p)
{
    struct pfn *r = &pfn_db[p];
    if (r->state != PFN_USED || r->map_count == 0xFFFF)
        panic("pfn_ref: frame %x is %s with %u mappings", p, pfn_state_name(r->state), r->map_count);
    r->map_count++;
}

void pfn_unref(pfn_t p)
{
    struct pfn *r = &pfn_db[p];
    if (r->state != PFN_USED || !r->map_count)
        panic("pfn_unref: frame %x is %s with %u mappings", p, pfn_state_name(r->state), r->map_count);
    r->map_count--;
    pfn_release_if_unused(p);
}

void pfn_lock(pfn_t p)
{
    struct pfn *r = pfn_get(p);
    if (!r || r->state == PFN_NOTRAM) return;           /* I/O space: nothing to pin */
    if (r->lock_count == 0xFFFF) panic("pfn_lock: frame %x lock count overflow", p);
    if (r->lock_count++ == 0) pfn_count.locked++;
}

void pfn_unlock(pfn_t p)
{
    struct pfn *r = pfn_get(p);
    if (!r || r->state == PFN_NOTRAM) return;
    if (!r->lock_count) panic("pfn_unlock: frame %x is not locked", p);
    if (--r->lock_count == 0) pfn_count.locked--;
    pfn_release_if_unused(p);
}

void pfn_pin(pfn_t p)
{
    pfn_lock(p);
    if (pfn_db[p].state == PFN_USED) pfn_db[p].pins++;
}

void pfn_unpin(pfn_t p)
{
    struct pfn *r = pfn_get(p);
    if (r && r->state == PFN_USED) {
        if (!r->pins) panic("pfn_unpin: frame %x has no pin", p);
        r->pins--;
    }
    pfn_unlock(p);
}

uint32_t pfn_extra_locks(pfn_t p)
{
    struct pfn *r = pfn_get(p);
    if (!r || r->state == PFN_NOTRAM) return 0;
    return r->lock_count - (r->state == PFN_USED ? r->pins : 0);
}

void pfn_hold(pfn_t p)
{
    pfn_db[p].hold_count++;
}

void pfn_fill(pfn_t p, uint32_t pattern)
{
    uint32_t *va = hyper_map(p), *d = va;
    uint32_t n = PAGE_SIZE / 4;
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(pattern) : "memory");
    hyper_unmap(va);
}

void pfn_zero(pfn_t p)
{
    pfn_fill(p, 0);
}

/* ---- runs --------------------------------------------------------------------------------- */

/* The first frame in [p, limit) that may be free (limit if none): fully used chunks are
 * stepped over whole.  The zones' limits are chunk multiples. */
static pfn_t skip_used(pfn_t p, pfn_t limit)
{
    while (p < limit) {
        if (!pfn_chunk_free[p >> PFN_CHUNK_SHIFT]) p = ((p >> PFN_CHUNK_SHIFT) + 1) << PFN_CHUNK_SHIFT;
        else if (pfn_db[p].state != PFN_FREE) p++;
        else break;
    }
    return MIN(p, limit);
}

/* Where a search from lo can start: no frame in [lo, result) is free. */
static pfn_t first_maybe_free(pfn_t lo)
{
    if (lo < ISA_DMA_LIMIT_PFN) {
        run_hint[0] = skip_used(run_hint[0], MIN(ISA_DMA_LIMIT_PFN, pfn_max));
        if (run_hint[0] < ISA_DMA_LIMIT_PFN) return MAX(lo, run_hint[0]);
        lo = ISA_DMA_LIMIT_PFN;
    }
    run_hint[1] = skip_used(run_hint[1], pfn_max);
    return MAX(lo, run_hint[1]);
}

/* First fit, lowest address first.  Cost: one comparison per fully used chunk, one record per
 * frame elsewhere; the frames below the hints are not looked at again until one is freed. */
static pfn_t find_run(uint32_t n, uint32_t align, pfn_t lo, pfn_t hi, uint32_t boundary)
{
    lo = first_maybe_free(lo);
    pfn_t s = (lo + align - 1) & ~(align - 1);
    while (s + n <= hi && s + n > s) {
        if (!pfn_chunk_free[s >> PFN_CHUNK_SHIFT]) {      /* a fully used chunk: step over it */
            s = (((s >> PFN_CHUNK_SHIFT) + 1) << PFN_CHUNK_SHIFT) + align - 1;
            s &= ~(align - 1);
            continue;
        }
        if (boundary && (s / boundary) != ((s + n - 1) / boundary)) {
            s = ((s / boundary) + 1) * boundary;      /* next boundary multiple is aligned too if align <= boundary */
            s = (s + align - 1) & ~(align - 1);
            continue;
        }
        uint32_t i = 0;
        while (i < n && pfn_db[s + i].state == PFN_FREE) i++;
        if (i == n) return s;
        s = (s + i + 1 + align - 1) & ~(align - 1);
    }
    return PFN_NONE;
}

pfn_t pfn_alloc_run(uint32_t n, uint32_t align, pfn_t min, pfn_t max, uint32_t boundary, uint32_t flags)
{
    if (!n || !align || (align & (align - 1)) || (boundary & (boundary - 1)) || (boundary && boundary < n))
        return PFN_NONE;
    if (max > pfn_max) max = pfn_max;
    if (min >= max || max - min < n) return PFN_NONE;
    pfn_t s = PFN_NONE;
    if (min < ISA_DMA_LIMIT_PFN && max > ISA_DMA_LIMIT_PFN)       /* prefer memory above 16 MiB */
        s = find_run(n, align, ISA_DMA_LIMIT_PFN, max, boundary);
    if (s == PFN_NONE) s = find_run(n, align, min, max, boundary);
    if (s == PFN_NONE) return PFN_NONE;
    for (uint32_t i = 0; i < n; i++) take(s + i, flags);
    return s;
}

/* ---- initialisation ----------------------------------------------------------------------- */

static void add_reserved(paddr_t start, paddr_t end)
{
    if (end > start && nreserved < ARRAY_SIZE(reserved))
        reserved[nreserved++] = (struct urange){ start >> PAGE_SHIFT, (end + PAGE_MASK) >> PAGE_SHIFT };
}

static bool is_reserved(pfn_t p)
{
    for (uint32_t i = 0; i < nreserved; i++)
        if (p >= reserved[i].start && p < reserved[i].end) return true;
    return false;
}

static bool is_usable(pfn_t p)
{
    for (uint32_t i = 0; i < nusable; i++)
        if (p >= usable[i].start && p < usable[i].end) return true;
    return false;
}

static void add_usable(uint64_t base, uint64_t len)
{
    uint64_t end = base + len;
    if (end > 0x100000000ull) {
        kprintf("pfn: ignoring RAM above 4 GiB (%016llx-%016llx): non-PAE kernel\n",
                base > 0x100000000ull ? base : 0x100000000ull, end - 1);
        end = 0x100000000ull;
    }
    if (base >= end) return;
    uint64_t b = (base + PAGE_MASK) & ~(uint64_t)PAGE_MASK, e = end & ~(uint64_t)PAGE_MASK;
    if (b != base || e != end)
        kprintf("pfn: usable %016llx-%016llx rounded inward to %016llx-%016llx\n", base, end - 1, b, e - 1);
    if (b < e && nusable < ARRAY_SIZE(usable))
        usable[nusable++] = (struct urange){ (pfn_t)(b >> PAGE_SHIFT), (pfn_t)(e >> PAGE_SHIFT) };
}

static void collect_ranges(void)
{
    if (bootinfo.has_mmap) {
        for (uint32_t i = 0; i < bootinfo.nmmap; i++)
            if (bootinfo.mmap[i].type == MMAP_USABLE) add_usable(bootinfo.mmap[i].base, bootinfo.mmap[i].len);
    } else {
        kprintf("pfn: no memory map; using mem_lower/mem_upper\n");
        add_usable(0, bootinfo.mem_lower_kb * 1024ull);
        add_usable(0x100000, bootinfo.mem_upper_kb * 1024ull);
    }
    extern char _kernel_start[], _kernel_end[];
    add_reserved(0, 0x100000);                                  /* BIOS, IVT, EBDA, VGA, ROMs */
    add_reserved((paddr_t)_kernel_start - KERNEL_VBASE, (paddr_t)_kernel_end - KERNEL_VBASE);
    for (uint32_t i = 0; i < bootinfo.nloader; i++) add_reserved(bootinfo.loader[i].start, bootinfo.loader[i].end);
    for (uint32_t i = 0; i < bootinfo.nmods; i++) add_reserved(bootinfo.mods[i].start, bootinfo.mods[i].end);
}

/* Bump allocator for the database's own pages, before any record exists. */
static pfn_t boot_next = 0x100;
static pfn_t boot_frames[4096 + 8];
static uint32_t nboot;

static pfn_t boot_alloc(void)
{
    extern char _kernel_end[];
    pfn_t lo = ((paddr_t)_kernel_end - KERNEL_VBASE) >> PAGE_SHIFT;
    if (boot_next < lo) boot_next = lo;
    for (; boot_next < pfn_max; boot_next++)
        if (is_usable(boot_next) && !is_reserved(boot_next)) {
            if (nboot == ARRAY_SIZE(boot_frames)) break;
            boot_frames[nboot++] = boot_next;
            return boot_next++;
        }
    panic("pfn: not enough memory for the PFN database");
}

static void mark_non_usable_entries(void)
{
    if (!bootinfo.has_mmap) return;
    for (uint32_t i = 0; i < bootinfo.nmmap; i++) {
        const struct mmap_entry *m = &bootinfo.mmap[i];
        if (m->type == MMAP_USABLE || m->base >= ((uint64_t)pfn_max << PAGE_SHIFT)) continue;
        pfn_t s = (pfn_t)(m->base >> PAGE_SHIFT);
        uint64_t e64 = (m->base + m->len + PAGE_MASK) >> PAGE_SHIFT;
        pfn_t e = e64 > pfn_max ? pfn_max : (pfn_t)e64;
        for (pfn_t p = s; p < e; p++) {
            if (pfn_db[p].state != PFN_NOTRAM)
                kprintf("pfn: frame %x is both usable and type %u: treated as not RAM\n", p, m->type);
            pfn_db[p].state = PFN_NOTRAM;
        }
    }
}

void pfn_init(void)
{
    collect_ranges();
    for (uint32_t i = 0; i < nusable; i++) pfn_max = MAX(pfn_max, usable[i].end);
    if (pfn_max == 0) panic("pfn: no usable memory in the memory map");
    uint32_t db_pages = (pfn_max * sizeof(struct pfn) + PAGE_MASK) >> PAGE_SHIFT;
    for (uint32_t i = 0; i < db_pages; i++)
        pte_boot_map(PFNDB_BASE + i * PAGE_SIZE, boot_alloc(), boot_alloc);

    memset(pfn_db, 0, db_pages * PAGE_SIZE);          /* every record: PFN_NOTRAM */
    for (uint32_t i = 0; i < nusable; i++)
        for (pfn_t p = usable[i].start; p < usable[i].end; p++) pfn_db[p].state = PFN_FREE;
    mark_non_usable_entries();
    for (uint32_t i = 0; i < nreserved; i++)
        for (pfn_t p = reserved[i].start; p < reserved[i].end && p < pfn_max; p++)
            if (pfn_db[p].state != PFN_NOTRAM) pfn_db[p].state = PFN_RESERVED;
    for (uint32_t i = 0; i < nboot; i++) pfn_db[boot_frames[i]].state = PFN_SYSTEM;
    pte_boot_account();                                /* page tables made by pte_boot_map */

    for (pfn_t p = pfn_max; p-- > 0;) {                /* descending: lists come out ascending */
        struct pfn *r = &pfn_db[p];
        switch (r->state) {
        case PFN_FREE: list_push(p); pfn_count.free++; pfn_count.total++; break;
        case PFN_NOTRAM: break;
        case PFN_RESERVED: pfn_count.reserved++; pfn_count.total++; break;
        case PFN_PAGETABLE: pfn_count.pagetables++; pfn_count.total++; break;
        default: pfn_count.system++; pfn_count.total++; break;
        }
    }
    kprintf("pfn: %u frames (%u KiB) of RAM below frame %x; %u free, %u reserved, %u for the database (%u KiB)\n",
            pfn_count.total, pfn_count.total * 4, pfn_max, pfn_count.free, pfn_count.reserved,
            db_pages, db_pages * 4);
}
