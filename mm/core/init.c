/*
 * init.c - brings the memory manager up, in dependency order:
 *   PFN database (from the memory map) -> final kernel mappings, hyperspace, CR4 features ->
 *   kernel pool -> address spaces -> system-PTE pool -> page-fault hook.
 */
#include "mm/core/core.h"
#include "kernel/trap.h"

const char *mm_status_name(mm_status s)
{
    static const char *const n[] = { "ok", "invalid argument", "out of memory", "out of address space",
                                     "busy (locked)", "not locked", "already exists", "not found", "access denied",
                                     "over a count limit" };
    return (unsigned)s < ARRAY_SIZE(n) ? n[s] : "?";
}

void mm_print_summary(void)
{
    kprintf("mm: %u frames: %u free, %u used, %u page tables, %u system, %u reserved, %u locked; commit charge %u\n",
            pfn_count.total, pfn_count.free, pfn_count.used, pfn_count.pagetables, pfn_count.system,
            pfn_count.reserved, pfn_count.locked, pfn_count.charged);
    kprintf("mm: paging: CR0 %08x CR3 %08x CR4 %08x, global pages %s, invlpg %s\n", x86_read_cr0(),
            x86_read_cr3(), x86_read_cr4(), mm_global_pages ? "on" : "off", x86.invlpg ? "yes" : "no (CR3 reload)");
}

/* rdtsc around pfn_init, for `make bench` (tests/bench/core.c): the database is built once,
 * at boot, so this is the only place it can be timed.  0 without a TSC (a 486: #UD). */
uint64_t pfn_init_ticks;

void mm_init(void)
{
    uint64_t t0 = x86.tsc ? rdtsc() : 0;
    pfn_init(pte_boot_map);                           /* pte.c lends the database its mapping, */
    pte_boot_account();                               /* and records the tables it made */
    if (x86.tsc) pfn_init_ticks = rdtsc() - t0;
    pte_init();
    kpool_init();
    lock_init();
    as_init();
    syspte_init();
    fault_init();
    mm_print_summary();
}
