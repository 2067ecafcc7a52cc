/*
 * monitor_mem.c - the monitor's views of memory: `mem` (physical memory by frame state, a picture
 * on the VGA screen and runs as text on COM1), `map` (the current address space as merged ranges,
 * like gdb's pt-dump), `pt VA` (one walk, like gdb's pt-walk) and the page-table snapshots a
 * `call` compares before and after.
 *
 * The page tables are read the way the kernel reads them, through the self-map; a 4 MiB PDE
 * counts only with CR4.PSE (without it the CPU ignores PS and walks a table).  Frame states come
 * from the core's typed view (mm_frame_class: kernel/ may not read the PFN database).
 */
#include "kernel/monitor.h"
#include "drivers/console.h"
#include "mm/x86.h"

/* ---- leaves and runs -------------------------------------------------------------------------- */

/* What a leaf entry allows and is, without A and D (the CPU sets them behind our back). */
#define AT_W      0x001u
#define AT_U      0x002u
#define AT_G      0x004u
#define AT_PCD    0x008u
#define AT_PWT    0x010u
#define AT_PAT    0x020u
#define AT_RAW    0x040u
#define AT_PIN    0x080u
#define AT_LARGE  0x100u
#define AT_DEMAND 0x200u      /* not present: committed demand-zero (no frame) */

struct run {
    uint32_t vpn, npages;     /* linear page number and pages */
    pfn_t pfn;                /* first frame; PFN_NONE for demand-zero */
    uint32_t attrs;
};

static uint32_t leaf_attrs(pte_t pde, pte_t e, bool large)
{
    pte_t eff = large ? e : (e & pde);
    uint32_t sw = mm_entry_flags(e), a = 0;
    if (eff & PTE_W) a |= AT_W;
    if (eff & PTE_U) a |= AT_U;
    if (sw & MM_ENTRY_DEMAND) return a | AT_DEMAND;
    if (e & PTE_G) a |= AT_G;
    if (e & PTE_PCD) a |= AT_PCD;
    if (e & PTE_PWT) a |= AT_PWT;
    if (large ? (e & PDE_PAT_LARGE) : (e & PTE_PAT)) a |= AT_PAT;
    if (sw & MM_ENTRY_RAW) a |= AT_RAW;
    if (sw & MM_ENTRY_PIN) a |= AT_PIN;
    if (large) a |= AT_LARGE;
    return a;
}

static const char *attrs_text(uint32_t a, char *buf, size_t n)
{
    ksnprintf(buf, n, "%s%s%s%s%s%s%s%s%s", a & AT_W ? "rw" : "r-", a & AT_U ? " user" : " kernel",
              a & AT_G ? " global" : "", a & AT_PCD ? " uncached" : a & AT_PWT ? " write-through" : "",
              a & AT_PAT ? " pat" : "", a & AT_RAW ? " raw" : "", a & AT_PIN ? " pin" : "", a & AT_LARGE ? " 4M" : "",
              a & AT_DEMAND ? " demand-zero" : "");
    return buf;
}

typedef void run_fn(void *ctx, const struct run *r);

/* Every non-zero leaf of the current address space, in address order, merged into runs of
 * consecutive pages with equal attributes and consecutive frames; fn gets each run. */
static void walk(run_fn *fn, void *ctx)
{
    bool pse = x86_read_cr4() & CR4_PSE;
    struct run cur = { 0, 0, PFN_NONE, 0 };
    for (uint32_t pdi = 0; pdi < 1024; pdi++) {
        pte_t pde = ((volatile pte_t *)PDE_BASE)[pdi];
        if (!pte_present(pde)) continue;
        bool large = pse && (pde & PDE_PS);
        uint32_t n = large ? 1 : PTES_PER_TABLE;
        const volatile pte_t *pt = (const volatile pte_t *)(PTE_BASE + pdi * PAGE_SIZE);
        for (uint32_t i = 0; i < n; i++) {
            pte_t e = large ? pde : pt[i];
            if (!e) continue;
            uint32_t a = leaf_attrs(pde, e, large);
            if (!large && !pte_present(e) && !(a & AT_DEMAND)) continue;    /* an unknown encoding */
            struct run l = { (pdi << 10) | i, large ? PTES_PER_TABLE : 1,
                             (a & AT_DEMAND) ? PFN_NONE : large ? pde_large_pfn(e) : pte_pfn(e), a };
            if (cur.npages && cur.vpn + cur.npages == l.vpn && cur.attrs == l.attrs &&
                (l.pfn == PFN_NONE ? cur.pfn == PFN_NONE : cur.pfn != PFN_NONE && cur.pfn + cur.npages == l.pfn)) {
                cur.npages += l.npages;
                continue;
            }
            if (cur.npages) fn(ctx, &cur);
            cur = l;
        }
    }
    if (cur.npages) fn(ctx, &cur);
}

static void print_run(const struct run *r)
{
    char at[96];
    vaddr_t first = r->vpn << PAGE_SHIFT, last = first + (r->npages << PAGE_SHIFT) - 1;
    if (r->pfn == PFN_NONE)
        kprintf("%08x-%08x -> no frame yet, %s\n", first, last, attrs_text(r->attrs, at, sizeof at));
    else
        kprintf("%08x-%08x -> %08x-%08x, %s\n", first, last, r->pfn << PAGE_SHIFT,
                (r->pfn << PAGE_SHIFT) + (r->npages << PAGE_SHIFT) - 1, attrs_text(r->attrs, at, sizeof at));
}

struct map_count { uint32_t present, demand; };

static void map_one(void *ctx, const struct run *r)
{
    struct map_count *c = ctx;
    if (r->pfn == PFN_NONE) c->demand += r->npages;
    else c->present += r->npages;
    print_run(r);
}

void mon_cmd_map(int argc UNUSED, char **argv UNUSED)
{
    struct map_count c = { 0, 0 };
    walk(map_one, &c);
    kprintf("%u pages mapped, %u committed demand-zero (CR3 %08x, as %u)\n", c.present, c.demand, x86_read_cr3(),
            as_current()->id);
}

/* ---- pt VA ------------------------------------------------------------------------------------ */

/* "P W u pwt ...": a set bit upper case, a clear one lower case, as gdb's pt-walk prints them. */
static const char *bits_text(pte_t e, int kind, char *buf, size_t n)     /* kind: 0 PTE, 1 table PDE, 2 4 MiB PDE */
{
    static const struct { pte_t bit; const char *name; } common[] = {
        { PTE_P, "P" }, { PTE_W, "W" }, { PTE_U, "U" }, { PTE_PWT, "PWT" }, { PTE_PCD, "PCD" }, { PTE_A, "A" },
        { PTE_D, "D" },
    };
    size_t len = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < ARRAY_SIZE(common); i++) {
        char lower[4];
        const char *nm = common[i].name;
        if (!(e & common[i].bit)) {
            size_t k = 0;
            for (; nm[k] && k < 3; k++) lower[k] = (char)(nm[k] | 0x20);
            lower[k] = 0;
            nm = lower;
        }
        len += ksnprintf(buf + len, n - len, "%s%s", len ? " " : "", nm);
    }
    len += ksnprintf(buf + len, n - len, kind == 0 ? " %s %s" : " %s %s", kind == 0 ? (e & PTE_PAT ? "PAT" : "pat")
                     : (e & PDE_PS ? "PS" : "ps"), e & PTE_G ? "G" : "g");
    if (kind == 2) len += ksnprintf(buf + len, n - len, " %s", e & PDE_PAT_LARGE ? "PAT" : "pat");
    uint32_t sw = mm_entry_flags(e);
    ksnprintf(buf + len, n - len, " %s %s", sw & MM_ENTRY_RAW ? "RAW" : "raw", sw & MM_ENTRY_PIN ? "PIN" : "pin");
    return buf;
}

static const char *not_present_text(pte_t e, char *buf, size_t n)
{
    if (!e) return "empty";
    if (mm_entry_flags(e) & MM_ENTRY_DEMAND)
        ksnprintf(buf, n, "not present: committed demand-zero, protection %s%s", e & PTE_W ? "rw" : "r-",
                  e & PTE_U ? " user" : " kernel");
    else
        ksnprintf(buf, n, "not present: unknown software encoding 0x%x", e);
    return buf;
}

void mon_cmd_pt(int argc UNUSED, char **argv)
{
    uint32_t va;
    if (!mon_u32(argv[1], "pt", &va)) return;
    uint32_t pdi = PDI(va), pti = PTI(va), cr4 = x86_read_cr4();
    char b[128];
    kprintf("VA %08x: PDI 0x%x PTI 0x%x  (CR3 %08x CR4 %08x, read through the self-map)\n", va, pdi, pti,
            x86_read_cr3(), cr4);
    pte_t *pdep = MiGetPdeAddress(va), pde = *pdep;
    bool large = pte_present(pde) && (pde & PDE_PS) && (cr4 & CR4_PSE);
    kprintf("  PDE @%08x = %08x  %s\n", (vaddr_t)pdep, pde,
            pte_present(pde) ? bits_text(pde, large ? 2 : 1, b, sizeof b) : not_present_text(pde, b, sizeof b));
    if (!pte_present(pde)) { kprintf("  -> not mapped (PDE not present)\n"); return; }
    if (large) {
        kprintf("  4 MiB page at %08x\n", pde & PDE_LARGE_FRAME);
        kprintf("  -> physical %08x\n", (pde & PDE_LARGE_FRAME) | (va & (LARGE_PAGE_SIZE - 1)));
        return;
    }
    kprintf("  page table at %08x\n", pde & PTE_FRAME);
    pte_t *ptep = MiGetPteAddress(va), pte = *ptep;
    kprintf("  PTE @%08x = %08x  %s\n", (vaddr_t)ptep, pte,
            pte_present(pte) ? bits_text(pte, 0, b, sizeof b) : not_present_text(pte, b, sizeof b));
    if (!pte_present(pte)) { kprintf("  -> not mapped (PTE not present)\n"); return; }
    kprintf("  effective: %s %s\n", pde & pte & PTE_W ? "read/write" : "read-only",
            pde & pte & PTE_U ? "user" : "supervisor");
    kprintf("  -> physical %08x\n", (pte & PTE_FRAME) | (va & PAGE_MASK));
}

/* ---- snapshots and their difference ---------------------------------------------------------- */

struct mon_snap {
    uint32_t n;
    bool overflow;
    struct run runs[];
};
#define SNAP_CAP ((MON_SNAP_PAGES * PAGE_SIZE - sizeof(struct mon_snap)) / sizeof(struct run))

static void snap_one(void *ctx, const struct run *r)
{
    struct mon_snap *s = ctx;
    if (s->n >= SNAP_CAP) { s->overflow = true; return; }
    s->runs[s->n++] = *r;
}

struct mon_snap *mon_snap_take(int which)
{
    struct mon_snap *s = (struct mon_snap *)mon_snap_area(which);
    if (!s) return NULL;
    s->n = 0;
    s->overflow = false;
    walk(snap_one, s);
    return s;
}

/* The run of s covering page vpn from index *i on (runs are sorted), or NULL; *next gets the
 * first page after vpn where the answer may change. */
static const struct run *run_at(const struct mon_snap *s, uint32_t *i, uint64_t vpn, uint64_t *next)
{
    uint32_t n = MIN(s->n, (uint32_t)SNAP_CAP);
    while (*i < n && (uint64_t)s->runs[*i].vpn + s->runs[*i].npages <= vpn) (*i)++;
    if (*i >= n) { *next = 1ull << 20; return NULL; }
    const struct run *r = &s->runs[*i];
    if (r->vpn > vpn) { *next = r->vpn; return NULL; }
    *next = (uint64_t)r->vpn + r->npages;
    return r;
}

struct change { char kind; uint32_t vpn, npages; pfn_t old_pfn, new_pfn; uint32_t old_at, new_at; };

static void print_change(const struct change *c)
{
    char a[96], b[96], op[24], np[24];
    vaddr_t first = c->vpn << PAGE_SHIFT, last = first + (c->npages << PAGE_SHIFT) - 1;
    if (c->old_pfn == PFN_NONE) strncpy_z(op, "no frame", sizeof op);
    else ksnprintf(op, sizeof op, "%08x", c->old_pfn << PAGE_SHIFT);
    if (c->new_pfn == PFN_NONE) strncpy_z(np, "no frame", sizeof np);
    else ksnprintf(np, sizeof np, "%08x", c->new_pfn << PAGE_SHIFT);
    if (c->kind == '+')
        kprintf("  + %08x-%08x -> %s, %s\n", first, last, np, attrs_text(c->new_at, b, sizeof b));
    else if (c->kind == '-')
        kprintf("  - %08x-%08x (was %s, %s)\n", first, last, op, attrs_text(c->old_at, a, sizeof a));
    else
        kprintf("  ~ %08x-%08x: %s, %s -> %s, %s\n", first, last, op, attrs_text(c->old_at, a, sizeof a), np,
                attrs_text(c->new_at, b, sizeof b));
}

static pfn_t pfn_at(const struct run *r, uint32_t vpn)
{
    return !r || r->pfn == PFN_NONE ? PFN_NONE : r->pfn + (vpn - r->vpn);
}

void mon_snap_diff(const struct mon_snap *before, const struct mon_snap *after)
{
    if (before->overflow || after->overflow) {
        kprintf("page tables: more than %u ranges: not compared\n", (uint32_t)SNAP_CAP);
        return;
    }
    uint32_t i = 0, j = 0, nchanges = 0;
    struct change cur = { 0, 0, 0, 0, 0, 0, 0 };
    for (uint64_t vpn = 0; vpn < (1ull << 20);) {
        uint64_t next_a, next_b;
        const struct run *a = run_at(before, &i, vpn, &next_a), *b = run_at(after, &j, vpn, &next_b);
        uint64_t end = MIN(next_a, next_b);
        uint32_t v = (uint32_t)vpn, n = (uint32_t)(end - vpn);
        vpn = end;
        if (!a && !b) continue;
        if (a && b && a->attrs == b->attrs && pfn_at(a, v) == pfn_at(b, v)) continue;
        struct change c = { a ? (b ? '~' : '-') : '+', v, n, pfn_at(a, v), pfn_at(b, v), a ? a->attrs : 0,
                            b ? b->attrs : 0 };
        bool joins = cur.npages && cur.kind == c.kind && cur.vpn + cur.npages == c.vpn && cur.old_at == c.old_at &&
                     cur.new_at == c.new_at &&
                     (cur.old_pfn == PFN_NONE ? c.old_pfn == PFN_NONE : cur.old_pfn + cur.npages == c.old_pfn) &&
                     (cur.new_pfn == PFN_NONE ? c.new_pfn == PFN_NONE : cur.new_pfn + cur.npages == c.new_pfn);
        if (joins) { cur.npages += c.npages; continue; }
        if (cur.npages) { if (!nchanges++) kprintf("page tables:\n"); print_change(&cur); }
        cur = c;
    }
    if (cur.npages) { if (!nchanges++) kprintf("page tables:\n"); print_change(&cur); }
    if (!nchanges) kprintf("page tables: unchanged\n");
}

/* ---- mem: physical memory by frame state, and the linear bands --------------------------------- */

/* The classes in the order a picture cell shows them: a cell of several frames shows the first of
 * these it holds, so a single locked frame or page table among free ones stays visible. */
static const struct {
    uint8_t cls;
    const char *name;             /* the text dump's word (tools/memmap.py reads it) */
    const char *legend;
    char glyph;
    uint8_t attr;                 /* VGA: background << 4 | foreground */
} classes[] = {
    { MM_FRAME_LOCKED, "locked", "locked", 'L', 0x4F },
    { MM_FRAME_FIXED, "fixed", "fixed", 'X', 0x5F },
    { MM_FRAME_PAGEDIR, "pagedir", "page dir", 'D', 0x6F },
    { MM_FRAME_PAGETABLE, "pagetable", "page table", 'T', 0x60 },
    { MM_FRAME_SYSTEM, "system", "system", 'S', 0x30 },
    { MM_FRAME_USED, "used", "used", 'u', 0x17 },
    { MM_FRAME_RESERVED, "reserved", "reserved", 'R', 0x70 },
    { MM_FRAME_FREE, "free", "free", '.', 0x20 },
    { MM_FRAME_NOTRAM, "notram", "not RAM", '-', 0x08 },
};
#define NCLASSES ARRAY_SIZE(classes)
_Static_assert(ARRAY_SIZE(classes) == MM_FRAME_NCLASSES, "every frame class has a picture entry");

static unsigned class_index(enum mm_frame_class c)
{
    for (unsigned i = 0; i < NCLASSES; i++)
        if (classes[i].cls == c) return i;
    return NCLASSES - 1;
}

/* The linear address space, by what the layout puts where (mm/layout.h); `last` inclusive. */
static const struct band {
    vaddr_t first, last;
    const char *name;             /* the dump's word, and the picture's label (7 characters at most) */
    uint8_t attr;
} bands[] = {
    { 0, NULL_PAGE_END - 1, "null", 0x08 },
    { PRIVATE_START, PRIVATE_END - 1, "private", 0x1F },
    { PRIVATE_END, SHARED_START - 1, "guard", 0x08 },
    { SHARED_START, KWINDOW_END - 1, "kernel", 0x70 },
    { SHARED_ALLOC_START, SHARED_END - 1, "shared", 0x2F },
    { PTE_BASE, PTE_BASE + LARGE_PAGE_SIZE - 1, "selfmap", 0x60 },
    { PTE_BASE + LARGE_PAGE_SIZE, HYPER_START - 1, "unused", 0x08 },
    { HYPER_START, HYPER_END - 1, "hyper", 0x4F },
    { PFNDB_BASE, PFNDB_END - 1, "pfndb", 0x30 },
    { KPOOL_BASE, KPOOL_END - 1, "pool", 0x5F },
    { SYSALLOC_START, SYSALLOC_END - 1, "system", 0x1F },
    { SYSPTE_START, SYSPTE_END - 1, "syspte", 0x4F },
    { SYSALLOC2_START, SYSALLOC2_END - 1, "system2", 0x1F },
    { INVALID_START, 0xFFFFFFFFu, "invalid", 0x08 },
};
#define NBANDS ARRAY_SIZE(bands)

struct band_count { uint32_t present[NBANDS], demand[NBANDS]; };

static void band_one(void *ctx, const struct run *r)
{
    struct band_count *c = ctx;
    for (uint32_t k = 0; k < r->npages; k++) {      /* a run may cross bands (rarely: by a page) */
        vaddr_t va = (r->vpn + k) << PAGE_SHIFT;
        for (unsigned b = 0; b < NBANDS; b++) {
            if (va < bands[b].first || va > bands[b].last) continue;
            uint32_t here = MIN(r->npages - k, ((bands[b].last - va) >> PAGE_SHIFT) + 1);
            if (r->pfn == PFN_NONE) c->demand[b] += here;
            else c->present[b] += here;
            k += here - 1;
            break;
        }
    }
}

#define GRID_COLS 64u
#define GRID_ROWS 16u
#define GRID_X 9                          /* after the row's address label */

/* The picture (VGA text, 80x25): a title, the grid of frames, the legend with the counts, the
 * bands.  The console stops mirroring to the screen while the text dump goes out, so the dump
 * does not scroll the picture away; the prompt comes back on the last row. */
static void draw(uint32_t limit, uint32_t per_cell, const uint32_t *count, const struct band_count *bc)
{
    for (int r = 0; r < VGA_ROWS; r++)
        for (int c = 0; c < VGA_COLS; c++) vga_cell(r, c, ' ', 0x07);
    char t[96];
    int len = ksnprintf(t, sizeof t, " Physical memory: %u frames (%u KiB), 1 cell = %u frames", limit, limit * 4,
                        per_cell);
    for (int c = 0; c < VGA_COLS; c++) vga_cell(0, c, c < len ? t[c] : ' ', 0x1F);
    uint32_t cells = (limit + per_cell - 1) / per_cell;
    for (uint32_t cell = 0; cell < cells; cell++) {
        uint32_t row = cell / GRID_COLS, col = cell % GRID_COLS;
        if (col == 0) {
            char lbl[12];
            ksnprintf(lbl, sizeof lbl, "%08x", (cell * per_cell) << PAGE_SHIFT);
            for (int k = 0; k < 8; k++) vga_cell((int)row + 1, k, lbl[k], 0x07);
        }
        unsigned best = NCLASSES - 1;
        for (uint32_t p = cell * per_cell; p < MIN(limit, (cell + 1) * per_cell) && best; p++) {
            unsigned k = class_index(mm_frame_class(p));
            if (k < best) best = k;
        }
        vga_cell((int)row + 1, GRID_X + (int)col, classes[best].glyph, classes[best].attr);
    }
    int lrow = GRID_ROWS + 1;
    for (unsigned i = 0; i < NCLASSES; i++) {               /* two legend rows, 5 and 4 entries */
        int r = lrow + (i >= 5), c = 1 + (int)(i % 5) * 16;
        vga_cell(r, c, classes[i].glyph, classes[i].attr);
        char e[24];
        int n = ksnprintf(e, sizeof e, " %s %u", classes[i].legend, count[classes[i].cls]);
        for (int k = 0; k < n && c + 1 + k < VGA_COLS; k++) vga_cell(r, c + 1 + k, e[k], 0x07);
    }
    const char *note = " A cell of several frames shows the first of these states among them.";
    for (int c = 0; note[c] && c < VGA_COLS; c++) vga_cell(lrow + 2, c, note[c], 0x08 | 0x07);
    int brow = lrow + 3;
    len = ksnprintf(t, sizeof t, " Linear address space of as %u: bands, start address >> 16, pages mapped", as_current()->id);
    for (int c = 0; c < VGA_COLS; c++) vga_cell(brow, c, c < len ? t[c] : ' ', 0x1F);
    int col = 0;
    for (unsigned b = 0; b < NBANDS; b++) {
        if (bands[b].attr == 0x08) continue;                /* never mapped: the dump lists them */
        char name[9], start[9], mapped[12];
        ksnprintf(name, sizeof name, "%-8s", bands[b].name);
        ksnprintf(start, sizeof start, "%04x    ", bands[b].first >> 16);
        ksnprintf(mapped, sizeof mapped, "%-8u", bc->present[b] + bc->demand[b]);
        for (int k = 0; k < 8 && col + k < VGA_COLS; k++) {
            vga_cell(brow + 1, col + k, name[k], bands[b].attr);
            vga_cell(brow + 2, col + k, start[k], bands[b].attr);
            vga_cell(brow + 3, col + k, mapped[k], 0x07);
        }
        col += 8;
    }
    vga_set_pos(VGA_ROWS - 1, 0);
}

void mon_cmd_mem(int argc UNUSED, char **argv UNUSED)
{
    uint32_t limit = mm_frame_limit(), count[MM_FRAME_NCLASSES] = { 0 };
    uint32_t per_cell = 1;
    while ((limit + per_cell - 1) / per_cell > GRID_COLS * GRID_ROWS) per_cell <<= 1;
    struct band_count bc;
    memset(&bc, 0, sizeof bc);
    walk(band_one, &bc);

    console_vga_mirror = false;
    kprintf("mem: frames 0-%x (%u frames, %u KiB); one line per run of frames in the same state\n", limit - 1, limit,
            limit * 4);
    enum mm_frame_class run_cls = MM_FRAME_NOTRAM;
    uint32_t run_first = 0;
    for (uint32_t p = 0; p <= limit; p++) {
        enum mm_frame_class c = p < limit ? mm_frame_class(p) : MM_FRAME_NCLASSES;
        if (p < limit) count[c]++;
        if (p && (c != run_cls || p == limit))
            kprintf("mem: run %05x-%05x %s %u\n", run_first, p - 1, classes[class_index(run_cls)].name, p - run_first);
        if (!p || c != run_cls) { run_cls = c; run_first = p; }
    }
    kprintf("mem: count");
    for (unsigned i = 0; i < NCLASSES; i++) kprintf(" %s=%u", classes[i].name, count[classes[i].cls]);
    kprintf(" ram=%u\n", limit - count[MM_FRAME_NOTRAM]);
    struct mm_pager_stats ps;                  /* swapped pages have no frame: counted here */
    mm_pager_get_stats(&ps);
    kprintf("mem: paging %s swapped=%u pageable=%u slots=%u/%u page-outs=%u page-ins=%u\n",
            mm_pager_on() ? "on" : "off", ps.swapped, ps.pageable, ps.slots_used, ps.slots, ps.page_outs, ps.page_ins);
    for (unsigned b = 0; b < NBANDS; b++)
        kprintf("mem: band %08x-%08x %s mapped=%u demand=%u\n", bands[b].first, bands[b].last, bands[b].name,
                bc.present[b], bc.demand[b]);
    kprintf("mem: end (as %u)\n", as_current()->id);
    console_vga_mirror = true;
    draw(limit, per_cell, count, &bc);
}
