/*
 * tests/bench/paging.c - the pager's rows (mm/core/pager.c over drivers/swapdev.c, drivers/ata.c):
 *   paging/page-out, paging/page-in   one page written to, or read from, the swap disk
 *   paging/fault-through-swap         a read of a page in swap: #PF, page-in, return
 *   paging/sweep-write, sweep-read    a sequential pass over twice RAM, per page
 *   paging/clock-evict@SIZE           the clock's cost per eviction, no I/O, per resident set size
 * They need a swap device and skip without one; each turns the pager on for itself (and off
 * again if it was off: make bench boots with `nopager`, so that every other row runs with memory
 * as without a swap disk).  tools/bench.py attaches a fresh swap image to its large boot (every
 * row but the sweeps, which skip there: twice its RAM is more than the disk) and to a -m 16M
 * boot that runs the sweeps and, as a cross-check, the two smallest clock rows.
 *
 * The device's busy time is excluded.  Under QEMU -icount the TSC counts guest instructions, but
 * QEMU's IDE completes a transfer on a host thread, so how many times the driver polls the
 * status before the device is done follows the host, not the guest (paging/fault-through-swap
 * measured 3247 and 14873 instructions in two runs with the waits in).  drivers/ata.c counts its
 * status waits and sums the TSC spent inside them (ata_wait_ticks); a row reads both around its
 * timed device work and takes out of the batch, as if paused, the ticks beyond what those waits
 * cost when the device is ready at the first poll (measured once, on the idle drive, and printed
 * on an info line: the deadline's start and one status read, about 100 instructions, four waits
 * a page - the channel idle, the drive selected, the DRQ block, the command's end).  The reads
 * of the counter run between bench_pause and bench_resume, so their own cost goes out with the
 * pause pair's.  What is left - the pager, the driver's commands, its waits as if the device
 * were always ready, the port traffic, the fault - repeats exactly run after run.
 *
 * page-out, page-in, fault-through-swap work on one pageable page of the system arena, written
 * before it is timed so that a page-out is a real write (the D bit), not a clean drop.  What
 * brings the page back to where the timed operation starts (the page read back and written to,
 * or written out) is paused.  Their floors do the same port traffic with the fewest
 * instructions: 2048 words (a 4 KiB slot) with one rep outsw or rep insw at the swap channel's
 * data port, a PTE store and an invlpg - without the ATA command, status polls and slot
 * bookkeeping, and with the device not in a transfer (QEMU ignores the data port then, so the
 * floor moves no data).
 *
 * The sweeps: 2 x RAM (mm_total_frames) of pageable memory committed fresh for every batch, each
 * page written in address order (two words: its first and last), then each read in order and
 * both words checked.  sweep-write times the write pass - a demand-zero fault per page and, once
 * RAM is full, the page-outs that make room; sweep-read times the read pass - a fault and a
 * page-in per page and the evictions that make room (page-outs of what the write pass left dirty,
 * clean drops of what the read pass read).  The other pass and the commit and release are paused.
 * The row checks every word it read and that the pass paged (page-outs, page-ins at least the
 * pages beyond RAM); the counts are printed on an info line.  They skip where twice RAM does not
 * fit in the commit limit (the large boot).
 *
 * The clock: a resident set of SIZE of pageable pages, each with a valid slot copy (written back
 * once: pager_write_back) so that taking it is a clean drop - the entry set to "swapped", the
 * frame freed, no write - and every page's A bit set (used since the hand last passed: the
 * clock's hardest case).  One call evicts the whole set through the pager's own room-making
 * (pfn_make_room with n = the free frames, so each call frees the pager's high-watermark step),
 * repeated until every page is out: the hand goes round once clearing A bits and once taking
 * pages, and passes everything else mapped in the arenas twice.  Per page is per eviction; the
 * reads that bring the set back (pager_page_in, which sets A) are paused.  The check asserts
 * that every eviction was a clean drop and that not one sector was written or read while timed.
 * The ids differ only after '@', so tools/bench.py's growth check flags the cost per eviction if
 * it rises with the set.  One large boot with sets of 1 to 64 MiB stands in for machines of
 * growing RAM: the clock looks only at mapped pages of the arenas (the resident pageable set and
 * what else is mapped there), never at free frames or at the PFN database as a whole, so the RAM
 * behind the set adds nothing to its walk; a cost per eviction that grew with the set would be
 * the clock's, which is what the rows are for.  (tools/bench.py runs @1MiB and @4MiB again in
 * its -m 16M boot and prints both figures side by side: they are the same.)
 */
#include "kernel/kernel.h"
#include "tests/bench/bench.h"
#include "mm/mm.h"
#include "mm/core/core.h"
#include "mm/core/pfn.h"
#include "mm/core/pte.h"
#include "mm/core/pte_sw.h"
#include "drivers/swapdev.h"

#define DATA_PORT(drive) ((drive) < 2 ? 0x1F0 : 0x170)   /* drivers/ata.c: the two channels */

/* ---- the device's busy time, out of the batch --------------------------------------------------- */

static uint32_t ready_wait;      /* ticks of a status wait that finds the device ready at once */
static uint64_t mark_ticks;
static uint32_t mark_waits;

static bool pager_was_on;

/* After the row has given everything back (else the pager refuses to go off: the row fails). */
static void pager_end(struct bench *b)
{
    if (!pager_was_on && mm_pager_disable() != MM_OK && !b->fail) b->fail = "mm_pager_disable: a page left in swap";
}

/* The pager on for the row (else it skips: no swap device), and ready_wait measured: one wait
 * for BSY and DRQ clear on the idle swap drive.  make bench boots with `nopager`; turned on
 * here, the pager starts its hand at the first space and has all its slots free, so every row
 * finds it the same. */
static bool pager_begin(struct bench *b)
{
    if (!swapdev_present()) {
        b->skip = "no swap device";
        return false;
    }
    pager_was_on = mm_pager_on();
    if (mm_pager_enable() != MM_OK) {
        b->fail = "mm_pager_enable";
        return false;
    }
    if (!ready_wait) {
        uint32_t n0, n1;
        uint64_t t0 = ata_wait_ticks(&n0);
        int r = ata_wait(swapdev_area()->drive, ATA_ST_BSY | ATA_ST_DRQ, 0, 1000);
        uint64_t t1 = ata_wait_ticks(&n1);
        if (r != ATA_OK || n1 - n0 != 1 || t1 == t0) {
            b->fail = "a status wait on the idle swap drive (ata_wait, ata_wait_ticks)";
            pager_end(b);
            return false;
        }
        ready_wait = (uint32_t)(t1 - t0);
        kprintf("bench: paging rows: a status wait that finds the device ready costs %u ticks and "
                "stays in; the ticks beyond it, the device's busy time, are taken out\n", ready_wait);
    }
    return true;
}

/* Opens a timed stretch of device work: called while paused, just before bench_resume. */
static inline void device_mark(void) { mark_ticks = ata_wait_ticks(&mark_waits); }

/* Closes it: called while paused, right after bench_pause.  The ticks of its waits beyond what
 * they would cost with the device ready go out of the batch with the paused time. */
static inline void device_unmark(struct bench *b)
{
    uint32_t n;
    uint64_t waited = ata_wait_ticks(&n) - mark_ticks, ready = (uint64_t)(n - mark_waits) * ready_wait;
    b->paused += waited > ready ? (uint32_t)(waited - ready) : 0;
}

/* ---- one page: page-out, page-in, a fault -------------------------------------------------------- */

static struct region *page_block(struct bench *b)
{
    if (!pager_begin(b)) return NULL;
    struct region *r = bench_block(1, MM_COMMIT_PAGEABLE);
    *(volatile uint32_t *)r->base = 0x5A5A5A5Au;     /* present and dirty */
    return r;
}

static void dirty(vaddr_t va) { *(volatile uint32_t *)va += 1; }

static void b_page_out(struct bench *b)
{
    struct region *r = page_block(b);
    if (!r) return;
    vaddr_t va = r->base;
    BENCH_CHECK(b, pager_page_out(va) && pte_is_swapped(pte_read(va)) && pager_page_in(va, false));
    dirty(va);
    BENCH_BATCHES(b) {
        bench_pause(b);
        device_mark();
        bench_resume(b);
        pager_page_out(va);
        bench_pause(b);
        device_unmark(b);
        pager_page_in(va, false);
        dirty(va);
        bench_resume(b);
    }
    mm_release(r);
    pager_end(b);
}

static void b_page_in(struct bench *b)
{
    struct region *r = page_block(b);
    if (!r) return;
    vaddr_t va = r->base;
    BENCH_CHECK(b, pager_page_out(va) && pager_page_in(va, false) && (pte_read(va) & PTE_P));
    dirty(va);
    pager_page_out(va);
    BENCH_BATCHES(b) {
        bench_pause(b);
        device_mark();
        bench_resume(b);
        pager_page_in(va, false);
        bench_pause(b);
        device_unmark(b);
        dirty(va);
        pager_page_out(va);
        bench_resume(b);
    }
    pager_page_in(va, false);
    mm_release(r);
    pager_end(b);
}

/* Written out (paused), then one read: the #PF, the pager's read back, the return. */
static void b_fault_round_trip(struct bench *b)
{
    struct region *r = page_block(b);
    if (!r) return;
    vaddr_t va = r->base;
    BENCH_CHECK(b, pager_page_out(va) && *(volatile uint32_t *)va == 0x5A5A5A5Bu - 1 && (pte_read(va) & PTE_P));
    BENCH_BATCHES(b) {
        bench_pause(b);
        dirty(va);
        pager_page_out(va);
        device_mark();
        bench_resume(b);
        (void)*(volatile uint32_t *)va;
        bench_pause(b);
        device_unmark(b);
        bench_resume(b);
    }
    mm_release(r);
    pager_end(b);
}

static void floor_io(struct bench *b, bool write)
{
    const struct ata_swap *a = swapdev_area();
    if (!a) {
        b->skip = "no swap device";
        return;
    }
    uint16_t port = DATA_PORT(a->drive);
    vaddr_t va = (vaddr_t)bench_scratch;
    pte_t *p = MiGetPteAddress(va), e = *p;
    BENCH_BATCHES(b) {
        void *buf = bench_scratch;
        uint32_t words = 2048;
        if (write) __asm__ volatile("rep outsw" : "+S"(buf), "+c"(words) : "d"(port) : "memory");
        else __asm__ volatile("rep insw" : "+D"(buf), "+c"(words) : "d"(port) : "memory");
        *(volatile pte_t *)p = e;
        invlpg(va);
    }
}

BENCH_FLOOR(floor_page_out, "rep outsw of 2048 words, a PTE store, an invlpg") { floor_io(b, true); }
BENCH_FLOOR(floor_page_in, "rep insw of 2048 words, a PTE store, an invlpg") { floor_io(b, false); }

BENCH_ROW("paging/page-out", "page-out of a dirty page: PIO write (device busy excluded)", 1, 8, b_page_out, &floor_page_out);
BENCH_ROW("paging/page-in", "page-in of a page: PIO read (device busy time excluded)", 1, 8, b_page_in, &floor_page_in);
BENCH_ROW("paging/fault-through-swap", "fault on a page in swap: #PF, page-in (device busy excluded)", 1, 8, b_fault_round_trip, &floor_page_in);

/* ---- a sequential sweep over twice RAM ------------------------------------------------------- */

#define SWEEP_TAG(i) ((i) * 0x9E3779B9u + 0x5EEDu)

static void write_pass(vaddr_t va, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        volatile uint32_t *p = (volatile uint32_t *)(va + i * PAGE_SIZE);
        p[0] = SWEEP_TAG(i);
        p[PAGE_SIZE / 4 - 1] = ~SWEEP_TAG(i);
    }
}

static uint32_t read_pass(vaddr_t va, uint32_t n)    /* pages whose words are wrong */
{
    uint32_t bad = 0;
    for (uint32_t i = 0; i < n; i++) {
        volatile uint32_t *p = (volatile uint32_t *)(va + i * PAGE_SIZE);
        bad += p[0] != SWEEP_TAG(i) || p[PAGE_SIZE / 4 - 1] != ~SWEEP_TAG(i);
    }
    return bad;
}

static void b_sweep(struct bench *b, bool timed_read)
{
    if (!pager_begin(b)) return;
    uint32_t n = 2 * mm_total_frames(), charge = mm_commit_charge(), limit = mm_commit_limit();
    if (limit < charge || limit - charge < n + 256) {
        b->skip = "twice RAM is more than the commit limit (swap disk too small)";
        pager_end(b);
        return;
    }
    b->pages = n;
    uint32_t bad = 0, outs = 0, ins = 0, drops = 0, least = ~0u;
    struct mm_pager_stats s0, s1;
    BENCH_BATCHES(b) {
        bench_pause(b);
        struct region *r = bench_block(n, MM_COMMIT_PAGEABLE);
        if (timed_read) write_pass(r->base, n);
        mm_pager_get_stats(&s0);
        device_mark();
        bench_resume(b);
        if (timed_read) bad += read_pass(r->base, n);
        else write_pass(r->base, n);
        bench_pause(b);
        device_unmark(b);
        mm_pager_get_stats(&s1);
        outs = s1.page_outs - s0.page_outs;
        ins = s1.page_ins - s0.page_ins;
        drops = s1.clean_drops - s0.clean_drops;
        least = MIN(least, timed_read ? ins : outs);
        if (!timed_read) bad += read_pass(r->base, n);
        mm_release(r);
        bench_resume(b);
    }
    /* Every page beyond RAM must have gone to swap in a write pass and come back in a read pass. */
    uint32_t beyond = n - mm_total_frames();
    BENCH_CHECK(b, bad == 0);
    BENCH_CHECK(b, least >= beyond);
    kprintf("bench: paging/sweep-%s: %u pages (2 x RAM), the timed %s pass of the last batch: %u page-outs, "
            "%u page-ins, %u clean drops%s\n", timed_read ? "read" : "write", n, timed_read ? "read" : "write",
            outs, ins, drops, bad ? "; WORDS WRONG" : "");
    pager_end(b);
}

static void b_sweep_write(struct bench *b) { b_sweep(b, false); }
static void b_sweep_read(struct bench *b) { b_sweep(b, true); }

BENCH_ROW("paging/sweep-write", "sweep: write 2 x RAM in order (device busy excluded)", 0, 1, b_sweep_write, NULL);
BENCH_ROW("paging/sweep-read", "sweep: read 2 x RAM in order (device busy excluded)", 0, 1, b_sweep_read, NULL);

/* ---- the clock's cost per eviction ------------------------------------------------------------- */

/* Brings every evicted page of the set back (a read, which sets A and keeps the slot copy) and
 * reads a word of each page: A set on all, the contents checked.  Returns pages wrong. */
static uint32_t clock_restore(vaddr_t va, uint32_t n)
{
    uint32_t bad = 0;
    for (uint32_t i = 0; i < n; i++) {
        vaddr_t v = va + i * PAGE_SIZE;
        if (pte_is_swapped(pte_read(v))) pager_page_in(v, false);
        bad += *(volatile uint32_t *)v != SWEEP_TAG(i);
    }
    return bad;
}

/* Evicts until n more frames are free than at the start: the pager's room-making, step by step. */
static void clock_evict(uint32_t n)
{
    uint32_t free0 = pfn_count.free, before;
    do {
        before = pfn_count.free;
        pfn_make_room(pfn_count.free);
    } while (pfn_count.free - free0 < n && pfn_count.free != before);   /* nothing left to take */
}

static void b_clock(struct bench *b)
{
    if (!pager_begin(b)) return;
    uint32_t n = b->pages;
    struct mm_pager_stats p0, p1;
    struct swapdev_stats s0, s1;
    mm_pager_get_stats(&p0);
    if (p0.slots - p0.slots_used < n + 256) {
        b->skip = "the swap disk has too few free slots for the set";
        pager_end(b);
        return;
    }
    if (pfn_count.free < n + n / 4 + 1024) {           /* the set and room to spare, or the pager */
        b->skip = "the set does not fit in free RAM";  /* would take it while it is being written */
        pager_end(b);
        return;
    }
    struct region *r = bench_block(n, MM_COMMIT_PAGEABLE);
    vaddr_t va = r->base;
    bool written = true;
    for (uint32_t i = 0; i < n; i++) {
        *(volatile uint32_t *)(va + i * PAGE_SIZE) = SWEEP_TAG(i);
        written &= pager_write_back(va + i * PAGE_SIZE);
    }
    BENCH_CHECK(b, written);
    /* The check: one whole eviction, every page a clean drop, not a sector moved. */
    uint32_t free0 = pfn_count.free;
    mm_pager_get_stats(&p0);
    swapdev_get_stats(&s0);
    if (!b->fail) clock_evict(n);
    mm_pager_get_stats(&p1);
    swapdev_get_stats(&s1);
    BENCH_CHECK(b, pfn_count.free - free0 == n && p1.clean_drops - p0.clean_drops == n &&
                   p1.page_outs == p0.page_outs && s1.writes == s0.writes && s1.reads == s0.reads);
    BENCH_CHECK(b, clock_restore(va, n) == 0);
    if (!b->fail)
        kprintf("bench: paging/clock-evict@%uMiB: %u evictions a call, %u clean drops, the clock looked at %u "
                "entries, no sector moved\n", n >> 8, n, p1.clean_drops - p0.clean_drops, p1.scanned - p0.scanned);
    uint32_t bad = 0, drops = ~0u;
    mm_pager_get_stats(&p0);
    BENCH_BATCHES(b) {
        clock_evict(n);
        bench_pause(b);
        mm_pager_get_stats(&p1);
        drops = MIN(drops, p1.clean_drops - p0.clean_drops);
        bad += clock_restore(va, n);
        p0 = p1;                                     /* page-ins drop nothing */
        bench_resume(b);
    }
    BENCH_CHECK(b, bad == 0 && drops == n);
    mm_release(r);
    pager_end(b);
}

/* pages = the resident set, each evicted once per call: 1, 4, 16 and 64 MiB. */
BENCH_ROW("paging/clock-evict@1MiB", "clock: evict 1 MiB resident, clean, A set (no I/O)", 256, 1, b_clock, NULL);
BENCH_ROW("paging/clock-evict@4MiB", "clock: evict 4 MiB resident, clean, A set (no I/O)", 1024, 1, b_clock, NULL);
BENCH_ROW("paging/clock-evict@16MiB", "clock: evict 16 MiB resident, clean, A set (no I/O)", 4096, 1, b_clock, NULL);
BENCH_ROW("paging/clock-evict@64MiB", "clock: evict 64 MiB resident, clean, A set (no I/O)", 16384, 1, b_clock, NULL);
