/*
 * tests/bench/paging.c - the pager's rows: one page written to the swap device, one read back,
 * and a fault through swap (mm/core/pager.c, drivers/swapdev.c).  They need a swap device with
 * the pager on; without, they are skipped.  `make bench` attaches none: under -icount a
 * transfer's status polls still depend on when the host completes QEMU's disk I/O, so these
 * figures do not repeat exactly (one run of paging/fault-through-swap measured 3247 and
 * another 14873 instructions per call) and would fail its repeatability check.  Run them by
 * hand: bench=paging/page-out (and the others, or a pattern) with -drive if=ide,index=0,format=raw,file=SWAP (tools/mkswap.py).
 *
 * Each row works on one pageable page of the system arena, written before it is timed so that a
 * page-out is a real write (the D bit), not a clean drop.  What brings the page back to where
 * the timed operation starts (the page read back and written to, or written out) is paused.
 *
 * The floors do the same port traffic with the fewest instructions: 2048 words (a 4 KiB slot)
 * with one rep outsw or rep insw at the swap channel's data port, a PTE store and an invlpg -
 * without the ATA command, status polls and slot bookkeeping, and with the device not in a
 * transfer (QEMU ignores the data port then, so the floor moves no data).
 */
#include "kernel/kernel.h"
#include "tests/bench/bench.h"
#include "mm/mm.h"
#include "mm/core/core.h"
#include "mm/core/pte.h"
#include "mm/core/pte_sw.h"
#include "drivers/swapdev.h"

#define DATA_PORT(drive) ((drive) < 2 ? 0x1F0 : 0x170)   /* drivers/ata.c: the two channels */

static struct region *page_block(struct bench *b)
{
    if (!mm_pager_on()) {
        b->skip = "no swap device, or the pager off (make bench attaches none: disk timing does not repeat)";
        return NULL;
    }
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
        pager_page_out(va);
        bench_pause(b);
        pager_page_in(va, false);
        dirty(va);
        bench_resume(b);
    }
    mm_release(r);
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
        pager_page_in(va, false);
        bench_pause(b);
        dirty(va);
        pager_page_out(va);
        bench_resume(b);
    }
    pager_page_in(va, false);
    mm_release(r);
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
        bench_resume(b);
        (void)*(volatile uint32_t *)va;
    }
    mm_release(r);
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

BENCH_ROW("paging/page-out", "page-out of one dirty page to the swap disk (PIO write, 8 sectors)", 1, 8, b_page_out, &floor_page_out);
BENCH_ROW("paging/page-in", "page-in of one page from the swap disk (PIO read, 8 sectors)", 1, 8, b_page_in, &floor_page_in);
BENCH_ROW("paging/fault-through-swap", "read fault on a page in swap: #PF, page-in, return", 1, 8, b_fault_round_trip, &floor_page_in);
