/*
 * pfn_boot.c - the PFN database's set-up at boot, from the Multiboot memory map:
 *   1. usable ranges are rounded inward to whole frames; RAM above 4 GiB is ignored (non-PAE);
 *      a range that overlaps a non-usable entry loses the overlap (firmware wins);
 *   2. the database itself needs memory before any allocator exists: a bump allocator takes
 *      frames above the kernel image that are usable and not reserved;
 *   3. one ascending pass over the (sorted, merged) usable ranges writes every record once and
 *      threads the free frames onto the allocator's two lists as it goes - below 16 MiB ("low",
 *      kept for ISA DMA) and above ("high", used first) - with their chunk counts per run; the
 *      lists go to pfn.c (pfn_set_free_lists), and then the few exceptions (firmware overlaps,
 *      reserved ranges, the database's own frames) leave them one by one (pfn_unlist).
 * Cost is linear in the number of frames: about four stores per frame.
 *
 * Above pfn.c (it hands the allocator its lists), below nothing else of the core: the mapping the
 * database needs is lent by pfn_init's caller (pte_boot_map, mm/core/init.c).
 */
#include "mm/core/pfn.h"

struct urange { pfn_t start, end; };
static struct urange usable[MB_MAX_MMAP + 2];
static uint32_t nusable;
static struct urange reserved[MB_MAX_RANGES + MB_MAX_MODS + 4];
static uint32_t nreserved;

/* ---- the memory map ----------------------------------------------------------------------- */

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

/* Bump allocator for the database's own pages, before any record exists.  Above 16 MiB first:
 * on a big machine the database (32 bytes a frame: 28 MiB at 3.5 GiB) would otherwise fill the
 * ISA-DMA zone that contiguous and below-16-MiB requests need; below it only when nothing above
 * is left (small machines). */
static pfn_t boot_next[2] = { 0, ISA_DMA_LIMIT_PFN };   /* [0] below 16 MiB, [1] above */
static pfn_t boot_frames[(PFNDB_END - PFNDB_BASE) / PAGE_SIZE + 8];   /* the database + its tables */
static uint32_t nboot;

static pfn_t boot_alloc(void)
{
    extern char _kernel_end[];
    pfn_t lo = ((paddr_t)_kernel_end - KERNEL_VBASE) >> PAGE_SHIFT;
    if (boot_next[0] < lo) boot_next[0] = lo;
    for (int z = 1; z >= 0; z--) {
        pfn_t end = z ? pfn_max : MIN(pfn_max, ISA_DMA_LIMIT_PFN);
        for (pfn_t *p = &boot_next[z]; *p < end; (*p)++)
            if (is_usable(*p) && !is_reserved(*p)) {
                if (nboot == ARRAY_SIZE(boot_frames)) panic("pfn: too many frames for the PFN database");
                boot_frames[nboot++] = *p;
                return (*p)++;
            }
    }
    panic("pfn: not enough memory for the PFN database");
}

/* ---- one pass over the records ------------------------------------------------------------ */

static uint32_t state_count[PFN_RESERVED + 1];      /* during pfn_init: frames per state */
static pfn_t boot_head[2] = { PFN_NONE, PFN_NONE };  /* the lists' heads, [0] low, [1] high */

/* Usable ranges sorted and merged, so that one ascending pass can write every record and
 * thread the free lists as it goes. */
static void sort_usable(void)
{
    for (uint32_t i = 1; i < nusable; i++)                 /* insertion sort: a few entries */
        for (uint32_t j = i; j > 0 && usable[j].start < usable[j - 1].start; j--) {
            struct urange t = usable[j];
            usable[j] = usable[j - 1];
            usable[j - 1] = t;
        }
    uint32_t n = 0;
    for (uint32_t i = 0; i < nusable; i++) {
        if (n && usable[i].start <= usable[n - 1].end) usable[n - 1].end = MAX(usable[n - 1].end, usable[i].end);
        else usable[n++] = usable[i];
    }
    nusable = n;
}

/* [s, e) free frames of one zone, after the zone's tail: each record written once, linked to
 * its neighbours; the run's ends are joined to the list afterwards. */
static void free_run(pfn_t s, pfn_t e, pfn_t *tail)
{
    struct pfn *db = pfn_db, *r = &db[s];
    int l = pfn_zone(s);
    for (pfn_t p = s; p < e; p++, r++) {
        r->state = PFN_FREE;
        r->flags = 0;
        r->lock_count = 0;
        r->map_count = r->hold_count = 0;
        r->next = p + 1;
        r->prev = p - 1;
    }
    db[s].prev = tail[l];
    if (tail[l] != PFN_NONE) db[tail[l]].next = s;
    else boot_head[l] = s;
    db[e - 1].next = PFN_NONE;
    tail[l] = e - 1;
    for (pfn_t c = s; c < e; c = (c | (PFN_CHUNK - 1)) + 1)
        pfn_chunk_free[c >> PFN_CHUNK_SHIFT] += (uint16_t)(MIN(e, (c | (PFN_CHUNK - 1)) + 1) - c);
    state_count[PFN_FREE] += e - s;
}

/* Every record of the database, once: holes zeroed (PFN_NOTRAM), usable frames free and on their
 * zone's list in ascending order. */
static void build_records(uint32_t nrecords)
{
    pfn_t tail[2] = { PFN_NONE, PFN_NONE }, done = 0;
    for (uint32_t i = 0; i < nusable; i++) {
        pfn_t s = usable[i].start, e = usable[i].end;
        memset(&pfn_db[done], 0, (s - done) * sizeof(struct pfn));
        if (s < ISA_DMA_LIMIT_PFN && e > ISA_DMA_LIMIT_PFN) {
            free_run(s, ISA_DMA_LIMIT_PFN, tail);
            free_run(ISA_DMA_LIMIT_PFN, e, tail);
        } else {
            free_run(s, e, tail);
        }
        done = e;
    }
    memset(&pfn_db[done], 0, (nrecords - done) * sizeof(struct pfn));
}

/* The exceptions, frame by frame (few: firmware overlaps, the reserved ranges, the database's
 * own frames): a free frame leaves its list. */
static void set_state(pfn_t p, uint8_t st)
{
    struct pfn *r = &pfn_db[p];
    if (r->state == st) return;
    if (r->state == PFN_FREE) pfn_unlist(p);
    state_count[r->state]--;
    state_count[st]++;
    r->state = st;
    r->next = r->prev = 0;
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
            set_state(p, PFN_NOTRAM);
        }
    }
}

void pfn_init(pfn_boot_map_fn *map)
{
    collect_ranges();
    sort_usable();
    for (uint32_t i = 0; i < nusable; i++) pfn_max = MAX(pfn_max, usable[i].end);
    if (pfn_max == 0) panic("pfn: no usable memory in the memory map");
    uint32_t db_pages = (pfn_max * sizeof(struct pfn) + PAGE_MASK) >> PAGE_SHIFT;
    for (uint32_t i = 0; i < db_pages; i++)
        map(PFNDB_BASE + i * PAGE_SIZE, boot_alloc(), boot_alloc);

    build_records(db_pages * (PAGE_SIZE / sizeof(struct pfn)));
    pfn_set_free_lists(boot_head[0], boot_head[1]);
    mark_non_usable_entries();
    for (uint32_t i = 0; i < nreserved; i++)
        for (pfn_t p = reserved[i].start; p < reserved[i].end && p < pfn_max; p++)
            if (pfn_db[p].state != PFN_NOTRAM) set_state(p, PFN_RESERVED);
    for (uint32_t i = 0; i < nboot; i++) set_state(boot_frames[i], PFN_SYSTEM);   /* its tables too:
                                                        pte_boot_account makes them page tables */

    pfn_count.free = state_count[PFN_FREE];
    pfn_count.reserved = state_count[PFN_RESERVED];
    pfn_count.pagetables = state_count[PFN_PAGETABLE];
    pfn_count.system = state_count[PFN_SYSTEM] + state_count[PFN_USED] + state_count[PFN_PAGEDIR];
    pfn_count.total = pfn_count.free + pfn_count.reserved + pfn_count.pagetables + pfn_count.system;
    kprintf("pfn: %u frames (%u KiB) of RAM below frame %x; %u free, %u reserved, %u for the database (%u KiB)\n",
            pfn_count.total, pfn_count.total * 4, pfn_max, pfn_count.free, pfn_count.reserved,
            db_pages, db_pages * 4);
}
