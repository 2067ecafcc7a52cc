/*
 * tests/bench/devhlp.c - benchmark rows for the OS/2 DevHelp personality (mm/devhlp/):
 * VMLock/VMUnLock and VMProcessToGlobal/VMFree through their C wrappers (the register entry,
 * `call [Device_Help]`, adds only its dispatch), each with the core's floor for the same work
 * (floor_lock, floor_alias: tests/bench/core.c).  Registration and method: tests/bench/bench.h.
 *
 * A driver's lock handle and PAGELIST must be caller memory (devhlp_ptr_ok, mm/core/caller.c): they
 * live in a committed system-arena page of their own.
 */
#include "kernel/kernel.h"
#include "tests/bench/bench.h"
#include "mm/devhlp/devhlp.h"
#include "mm/x86.h"

#define PAGELIST_OFFSET 64               /* in the control page: handle at 0, PAGELIST here */

/* The frame's lock count behind a present page. */
static uint16_t locks_at(vaddr_t va)
{
    return mm_frame_locks(pte_pfn(*MiGetPteAddress(va)));
}

/* ---- VMLock / VMUnLock --------------------------------------------------------------------------- */

/* A long-term lock of a committed system-arena buffer, with or without a PAGELIST, and its
 * release through the handle. */
static void vmlock(struct bench *b, bool pagelist)
{
    struct region *buf = bench_block(b->pages, MM_COMMIT_PRESENT);
    struct region *ctl = bench_block(1, MM_COMMIT_PRESENT);
    LIN lin = buf->base, handle = ctl->base, list = pagelist ? ctl->base + PAGELIST_OFFSET : DEVHLP_NO_LIST;
    ULONG len = b->pages * PAGE_SIZE, count = 0xFFFFFFFFu;
    const PAGELIST *pl = (const PAGELIST *)(ctl->base + PAGELIST_OFFSET);
    BENCH_CHECK(b, DevHelp_VMLock(VMDHL_LONG, lin, len, list, handle, &count) == NO_ERROR &&
                   locks_at(lin) == 1 && locks_at(lin + len - PAGE_SIZE) == 1);
    BENCH_CHECK(b, pagelist ? count >= 1 && pl[0].PhysAddr == (pte_pfn(*MiGetPteAddress(lin)) << PAGE_SHIFT)
                            : count == 0);
    BENCH_CHECK(b, DevHelp_VMUnLock(handle) == NO_ERROR && locks_at(lin) == 0 &&
                   locks_at(lin + len - PAGE_SIZE) == 0);
    BENCH_BATCHES(b) {
        DevHelp_VMLock(VMDHL_LONG, lin, len, list, handle, &count);
        DevHelp_VMUnLock(handle);
    }
    mm_release(ctl);
    mm_release(buf);
}

static void b_vmlock(struct bench *b) { vmlock(b, false); }
static void b_vmlock_pagelist(struct bench *b) { vmlock(b, true); }

BENCH_ROW("devhlp/vmlock@1", "VMLock(LONG, no PAGELIST)+VMUnLock", 1, 1000, b_vmlock, &floor_lock);
BENCH_ROW("devhlp/vmlock@16", "VMLock(LONG, no PAGELIST)+VMUnLock", 16, 200, b_vmlock, &floor_lock);
BENCH_ROW("devhlp/vmlock@256", "VMLock(LONG, no PAGELIST)+VMUnLock", 256, 20, b_vmlock, &floor_lock);
BENCH_ROW("devhlp/vmlock-pagelist@1", "VMLock(LONG, PAGELIST)+VMUnLock", 1, 1000, b_vmlock_pagelist, &floor_lock);
BENCH_ROW("devhlp/vmlock-pagelist@16", "VMLock(LONG, PAGELIST)+VMUnLock", 16, 200, b_vmlock_pagelist, &floor_lock);
BENCH_ROW("devhlp/vmlock-pagelist@256", "VMLock(LONG, PAGELIST)+VMUnLock", 256, 20, b_vmlock_pagelist, &floor_lock);

/* ---- VMProcessToGlobal / VMFree ------------------------------------------------------------------ */

/* A process buffer (private arena of a new address space, committed, present) given a writable
 * global alias and the alias freed, the process current throughout as OS/2 requires.  The
 * process is made and switched to before timing, and left and destroyed after. */
static void b_p2g(struct bench *b)
{
    struct as *p = as_create(), *k = as_current();
    BENCH_CHECK(b, p != NULL);
    if (!p) return;
    as_switch(p);
    uint32_t n = b->pages;
    mm_status st;
    struct region *r = mm_reserve(ARENA_PRIVATE, 0, n, PTES_PER_TABLE, OWNER_TEST, &st);
    BENCH_CHECK(b, r && mm_commit(r->base, n, MM_PROT_USER | MM_PROT_WRITE,
                                  MM_COMMIT_PRESENT, NULL, NULL) == MM_OK);
    LIN src = r ? r->base : 0, g = 0;
    ULONG len = n * PAGE_SIZE;
    BENCH_CHECK(b, DevHelp_VMProcessToGlobal(VMDHPG_WRITE, src, len, &g) == NO_ERROR &&
                   (*MiGetPteAddress(g) & PTE_FRAME) == (*MiGetPteAddress(src) & PTE_FRAME) &&
                   (*MiGetPdeAddress(g + len - PAGE_SIZE) & PTE_P));
    BENCH_CHECK(b, DevHelp_VMFree(g) == NO_ERROR);
    BENCH_CHECK(b, (*MiGetPdeAddress(g) & PTE_P) && (*MiGetPdeAddress(g + len - PAGE_SIZE) & PTE_P));  /* tables stay */
    BENCH_CHECK(b, !(*MiGetPteAddress(g) & PTE_P));
    BENCH_BATCHES(b) {
        DevHelp_VMProcessToGlobal(VMDHPG_WRITE, src, len, &g);
        DevHelp_VMFree(g);
    }
    if (r) mm_release(r);
    as_switch(k);
    as_destroy(p);
}

BENCH_ROW("devhlp/p2g-vmfree@1", "VMProcessToGlobal(WRITE)+VMFree, process buffer", 1, 1000, b_p2g, &floor_alias);
BENCH_ROW("devhlp/p2g-vmfree@16", "VMProcessToGlobal(WRITE)+VMFree, process buffer", 16, 200, b_p2g, &floor_alias);
BENCH_ROW("devhlp/p2g-vmfree@256", "VMProcessToGlobal(WRITE)+VMFree, process buffer", 256, 20, b_p2g, &floor_alias);
