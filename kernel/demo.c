/*
 * demo.c - what `make run` shows when no test= is given: the memory summary and one small
 * round trip through the paging core, narrated.
 */
#include "kernel/kernel.h"
#include "mm/mm.h"
#include "mm/x86.h"

void demo_run(void)
{
    mm_status st;
    kprintf("demo: reserving 4 pages in the system arena and committing them on demand\n");
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 4, 1, OWNER_CORE, &st);
    if (!r) { kprintf("demo: reserve failed: %s\n", mm_status_name(st)); return; }
    mm_commit(r->base, 4, MM_PROT_WRITE, 0, NULL, NULL);
    kprintf("demo: PTE at %p for %08x before touching: %08x\n", (void *)MiGetPteAddress(r->base), r->base,
            *MiGetPteAddress(r->base));
    *(volatile uint32_t *)r->base = 0x50A6D4;
    kprintf("demo: after a write: PTE %08x (frame %x, demand-zero fault resolved)\n",
            *MiGetPteAddress(r->base), *MiGetPteAddress(r->base) >> 12);
    mm_release(r);
    mm_print_summary();
}
