/*
 * tests/bench/paging.c - the pager's rows (mm/core/pager.c over drivers/swapdev.c, drivers/ata.c):
 *   paging/page-out, paging/page-in   one page written to, or read from, the swap disk
 *   paging/fault-through-swap         a read of a page in swap: #PF, page-in, return
 * They need a swap device and skip without one; each turns the pager on for itself (and off
 * again if it was off: make bench boots with `nopager`, so that every other row runs with memory
 * as without a swap disk).  tools/bench.py attaches a fresh swap image to its large boot.
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
 */
#include "kernel/kernel.h"
#include "tests/bench/bench.h"
#include "mm/mm.h"
#include "mm/core/core.h"
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
