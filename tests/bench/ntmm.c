/*
 * tests/bench/ntmm.c - benchmark rows for the NT Mm personality (mm/ntmm/): the address
 * queries, I/O-space mapping (4 KiB and 4 MiB pages), MDL locking and contiguous memory, each
 * with its floor.  Registration and method: tests/bench/bench.h.
 *
 * I/O space is BENCH_IO_PA, 4 MiB-aligned and above RAM at every size the benchmark boots
 * (-m 3584M keeps RAM below 3 GiB, the PCI hole being 0xC0000000 and up) and backed by no
 * device under -nodefaults, so reading it has no side effect.  The I/O rows touch the first
 * page they map, as a driver would and as the floors do.
 *
 * The floors of this file work on bench_scratch as tests/bench/core.c's do (page 2 fake frame
 * records, page 6 a fake page table, page 7 free-list links), except floor_map_large, which
 * writes one real 4 MiB PDE into an empty, reserved 4 MiB of the system arena and clears it.
 */
#include "kernel/kernel.h"
#include "tests/bench/bench.h"
#include "mm/ntmm/ntmm.h"
#include "mm/x86.h"
#include "tests/ntmm/ntmm_test.h"

#define BENCH_IO_PA 0xE0000000u          /* 4 MiB-aligned I/O space: no RAM, no device */

static inline uint32_t touch(vaddr_t va)
{
    return *(volatile uint32_t *)va;
}

static uint16_t locks_at(vaddr_t va)
{
    return mm_frame_locks(pte_pfn(*MiGetPteAddress(va)));
}

/* ---- floors ---------------------------------------------------------------------------------- */

BENCH_FLOOR(floor_valid, "PDE load, present test, large test, PTE load, present test")
{
    struct region *r = bench_block(1, MM_COMMIT_PRESENT);
    vaddr_t va = r->base + 0x123;
    BENCH_BATCHES(b) {
        uint32_t ok;
        __asm__ volatile("xor %0, %0\n\tmov %[va], %%ecx\n\tshr $22, %%ecx\n\tmov 0xC0300000(,%%ecx,4), %%edx\n\t"
                         "test $1, %%dl\n\tjz 1f\n\ttest $0x80, %%dl\n\tjnz 2f\n\t"
                         "mov %[va], %%ecx\n\tshr $12, %%ecx\n\ttestb $1, 0xC0000000(,%%ecx,4)\n\tjz 1f\n"
                         "2:\tinc %0\n1:" : "=&a"(ok) : [va] "r"(va) : "ecx", "edx", "memory");
        __asm__ volatile("" :: "r"(ok));
    }
    mm_release(r);
}

/* MmMapIoSpace of 4 MiB with PSE: one large PDE written, the page touched, the PDE cleared and
 * the TLB entry dropped.  Without PSE the work is 1024 small mappings: per page a PTE store,
 * clear and invlpg on a fake table. */
BENCH_FLOOR(floor_map_large, "one 4 MiB PDE: store, touch, clear, invlpg (no PSE: 1024 PTEs)")
{
    struct region *w = bench_block(PTES_PER_TABLE, 0);       /* 4 MiB, aligned, no table */
    vaddr_t va = w->base;
    if (x86.pse) {
        pte_t e = BENCH_IO_PA | PDE_PS | PTE_PCD | PTE_PWT | PTE_W | PTE_P, *p = MiGetPdeAddress(va);
        BENCH_BATCHES(b)
            __asm__ volatile("mov %[e], (%[p])\n\tmov (%[va]), %%eax\n\tmovl $0, (%[p])\n\tinvlpg (%[va])"
                             :: [e] "r"(e), [p] "r"(p), [va] "r"(va) : "eax", "memory");
    } else {
        volatile uint32_t *pt = bench_scratch + 6 * 1024;
        uint32_t n = b->pages;
        BENCH_BATCHES(b)
            for (uint32_t i = 0; i < n; i++) {
                pt[i] = (BENCH_IO_PA + i * PAGE_SIZE) | PTE_PCD | PTE_PWT | PTE_W | PTE_P;
                pt[i] = 0;
                invlpg(va + i * PAGE_SIZE);
            }
    }
    mm_release(w);
}

/* Contiguous 16 pages: one 16-frame block off a free list with its 16 records marked, 16 PTEs
 * stored; then the 16 PTEs cleared with invlpg, the records unmarked, the block pushed back.
 * The list head is volatile so that the pop and the push stay real loads and stores. */
static volatile uint32_t run_head;

BENCH_FLOOR(floor_contig16, "pop a 16-frame block, 16 records + 16 PTEs; 16 PTE clears + invlpg, push")
{
    volatile uint32_t *next = bench_scratch + 7 * 1024, *pt = bench_scratch + 6 * 1024;
    volatile uint8_t *rec = (volatile uint8_t *)(bench_scratch + 2 * 1024);   /* 16-byte records */
    vaddr_t va = SYSPTE_START;                      /* invlpg of an address: the instruction's cost */
    for (uint32_t i = 0; i < 64; i++) next[i] = i + 1;
    run_head = 0;
    BENCH_BATCHES(b) {
        uint32_t p = run_head;
        run_head = next[p];
        for (uint32_t i = 0; i < 16; i++) {
            rec[i * 16] = 2;
            pt[i] = ((p * 16 + i) << PAGE_SHIFT) | PTE_W | PTE_P;
        }
        for (uint32_t i = 0; i < 16; i++) {
            pt[i] = 0;
            invlpg(va + i * PAGE_SIZE);
            rec[i * 16] = 1;
        }
        next[p] = run_head;
        run_head = p;
    }
}

/* ---- address queries ------------------------------------------------------------------------- */

static void b_get_physical(struct bench *b)
{
    struct region *r = bench_block(1, MM_COMMIT_PRESENT);
    PVOID va = (PVOID)(r->base + 0x123);
    BENCH_CHECK(b, MmGetPhysicalAddress(va).QuadPart == ((pte_pfn(*MiGetPteAddress(r->base)) << PAGE_SHIFT) | 0x123));
    BENCH_BATCHES(b) {
        PHYSICAL_ADDRESS pa = MmGetPhysicalAddress(va);
        __asm__ volatile("" :: "r"(pa.LowPart), "r"(pa.HighPart));
    }
    mm_release(r);
}

static void b_is_valid(struct bench *b)
{
    struct region *r = bench_block(1, MM_COMMIT_PRESENT);
    PVOID va = (PVOID)(r->base + 0x123);
    BENCH_CHECK(b, MmIsAddressValid(va) && !MmIsAddressValid((PVOID)(r->base + PAGE_SIZE)));
    BENCH_BATCHES(b) {
        BOOLEAN v = MmIsAddressValid(va);
        __asm__ volatile("" :: "r"(v));
    }
    mm_release(r);
}

BENCH_ROW("ntmm/getphysicaladdress", "MmGetPhysicalAddress, 4 KiB page", 0, 1000, b_get_physical, &floor_va2pa);
BENCH_ROW("ntmm/isaddressvalid", "MmIsAddressValid, 4 KiB page, valid", 0, 1000, b_is_valid, &floor_valid);

/* ---- MmMapIoSpace / MmUnmapIoSpace ------------------------------------------------------------ */

static void b_map_io(struct bench *b)
{
    SIZE_T bytes = b->pages * PAGE_SIZE;
    uint8_t *v = MmMapIoSpace(phys(BENCH_IO_PA), bytes, MmNonCached);
    BENCH_CHECK(b, v != NULL && MmGetPhysicalAddress(v).QuadPart == BENCH_IO_PA);
    if (b->pages >= PTES_PER_TABLE) {
        bool large = v && pde_large(*MiGetPdeAddress(v));
        BENCH_CHECK(b, large == x86.pse);
        b->what = large ? "MmMapIoSpace+MmUnmapIoSpace 4 MiB, MmNonCached: one large PDE"
                        : "MmMapIoSpace+MmUnmapIoSpace 4 MiB, MmNonCached: 1024 PTEs";
    }
    if (v) MmUnmapIoSpace(v, bytes);
    BENCH_CHECK(b, !v || !MmIsAddressValid(v));
    BENCH_BATCHES(b) {
        v = MmMapIoSpace(phys(BENCH_IO_PA), bytes, MmNonCached);
        touch((vaddr_t)v);
        MmUnmapIoSpace(v, bytes);
    }
}

BENCH_ROW("ntmm/mapiospace", "MmMapIoSpace+MmUnmapIoSpace 1 page, MmNonCached: a system PTE", 1, 1000, b_map_io, &floor_map);
BENCH_ROW("ntmm/mapiospace-4m", "MmMapIoSpace+MmUnmapIoSpace 4 MiB, MmNonCached", 1024, 200, b_map_io, &floor_map_large);

/* ---- MDLs ----------------------------------------------------------------------------------------- */

/* One MDL over a 16-page system buffer (built once, untimed, as a driver keeps its MDL),
 * locked for write and unlocked.  KernelMode: the probe touches and rewrites nothing. */
static void b_probe_lock(struct bench *b)
{
    struct region *r = bench_block(b->pages, MM_COMMIT_PRESENT);
    PMDL mdl = IoAllocateMdl((PVOID)r->base, b->pages * PAGE_SIZE, FALSE, FALSE, NULL);
    BENCH_CHECK(b, mdl != NULL);
    BENCH_CHECK(b, MmProbeAndLockPagesEx(mdl, KernelMode, IoWriteAccess) == STATUS_SUCCESS &&
                   locks_at(r->base) == 1 && MmGetMdlPfnArray(mdl)[b->pages - 1] ==
                   pte_pfn(*MiGetPteAddress(r->base + (b->pages - 1) * PAGE_SIZE)));
    if (mdl) MmUnlockPages(mdl);
    BENCH_CHECK(b, locks_at(r->base) == 0 && !(mdl->MdlFlags & MDL_PAGES_LOCKED));
    BENCH_BATCHES(b) {
        MmProbeAndLockPages(mdl, KernelMode, IoWriteAccess);   /* cannot raise: checked above */
        MmUnlockPages(mdl);
    }
    if (mdl) IoFreeMdl(mdl);
    mm_release(r);
}

BENCH_ROW("ntmm/probeandlock", "MmProbeAndLockPages(IoWriteAccess)+MmUnlockPages, MDL", 16, 200, b_probe_lock, &floor_lock);

/* ---- contiguous memory ------------------------------------------------------------------------- */

static void b_contiguous(struct bench *b)
{
    SIZE_T bytes = b->pages * PAGE_SIZE;
    uint8_t *v = MmAllocateContiguousMemory(bytes, phys(0xFFFFFFFFu));
    bool contig = v != NULL;
    for (uint32_t i = 1; contig && i < b->pages; i++)
        contig = MmGetPhysicalAddress(v + i * PAGE_SIZE).QuadPart == MmGetPhysicalAddress(v).QuadPart + i * PAGE_SIZE;
    BENCH_CHECK(b, contig);
    if (v) MmFreeContiguousMemory(v);
    BENCH_CHECK(b, !v || !MmIsAddressValid(v));
    BENCH_BATCHES(b) MmFreeContiguousMemory(MmAllocateContiguousMemory(bytes, phys(0xFFFFFFFFu)));
}

BENCH_ROW("ntmm/contiguous", "MmAllocateContiguousMemory+MmFreeContiguousMemory", 16, 100, b_contiguous, &floor_contig16);

/* ---- the later NT services: page MDLs, pool, reserved mappings --------------------------------- */

/* Per page: a frame popped off a list, zeroed, its lock count up; then down and pushed back. */
BENCH_FLOOR(floor_pages, "per page: pop a frame, zero 4 KiB, lock count ++; lock count --, push")
{
    volatile uint32_t *next = bench_scratch + 7 * 1024, *cnt = bench_scratch + 2 * 1024;
    uint32_t *page = bench_scratch + 5 * 1024, n = b->pages;
    for (uint32_t i = 0; i < 64; i++) next[i] = i + 1;
    run_head = 0;
    BENCH_BATCHES(b)
        for (uint32_t i = 0; i < n; i++) {
            uint32_t p = run_head;
            run_head = next[p];
            fill_dwords(page, 1024, 0);
            cnt[p * 8]++;
            cnt[p * 8]--;
            next[p] = run_head;
            run_head = p;
        }
}

/* A small block: popped off a free list, a 16-byte header written and linked into a list of
 * live blocks; then unlinked and pushed back. */
static volatile uint32_t live_head;
BENCH_FLOOR(floor_pool_small, "pop a block, 16-byte header, link; unlink, push")
{
    volatile uint32_t *next = bench_scratch + 7 * 1024, *hdr = bench_scratch + 3 * 1024;
    for (uint32_t i = 0; i < 64; i++) next[i] = i + 1;
    run_head = 0;
    BENCH_BATCHES(b) {
        uint32_t p = run_head;
        run_head = next[p];
        volatile uint32_t *h = hdr + p * 4;
        h[0] = 0x50C00000u;
        h[1] = 0x74736554u;
        h[2] = 0;
        h[3] = live_head;
        live_head = p;
        live_head = h[3];
        h[0] = 0;
        next[p] = run_head;
        run_head = p;
    }
}

/* One page of pool: a frame popped, zeroed and mapped (PTE store); unmapped (clear, invlpg), pushed. */
BENCH_FLOOR(floor_pool_page, "pop a frame, zero 4 KiB, PTE store; PTE clear, invlpg, push")
{
    volatile uint32_t *next = bench_scratch + 7 * 1024, *pt = bench_scratch + 6 * 1024;
    uint32_t *page = bench_scratch + 5 * 1024;
    vaddr_t va = SYSPTE_START;
    for (uint32_t i = 0; i < 64; i++) next[i] = i + 1;
    run_head = 0;
    BENCH_BATCHES(b) {
        uint32_t p = run_head;
        run_head = next[p];
        fill_dwords(page, 1024, 0);
        pt[0] = (p << PAGE_SHIFT) | PTE_W | PTE_P;
        pt[0] = 0;
        invlpg(va);
        next[p] = run_head;
        run_head = p;
    }
}

static void b_pages_for_mdl(struct bench *b)
{
    SIZE_T bytes = b->pages * PAGE_SIZE;
    PMDL m = MmAllocatePagesForMdl(phys(0), phys(~0ull), phys(0), bytes);
    BENCH_CHECK(b, m && m->ByteCount == bytes);
    BENCH_CHECK(b, m && mm_frame_locks(MmGetMdlPfnArray(m)[b->pages - 1]) == 1);
    if (m) { MmFreePagesFromMdl(m); ExFreePool(m); }
    BENCH_BATCHES(b) {
        m = MmAllocatePagesForMdl(phys(0), phys(~0ull), phys(0), bytes);
        MmFreePagesFromMdl(m);
        ExFreePool(m);
    }
}

BENCH_ROW("ntmm/pagesformdl", "MmAllocatePagesForMdl+MmFreePagesFromMdl (+ ExFreePool of the MDL), zeroed",
          16, 100, b_pages_for_mdl, &floor_pages);

static void b_pool(struct bench *b)
{
    SIZE_T bytes = b->pages ? b->pages * PAGE_SIZE : 64;
    uint8_t *p = ExAllocatePoolWithTag(NonPagedPool, bytes, 0x74736554u);
    BENCH_CHECK(b, p && (b->pages ? !((vaddr_t)p & PAGE_MASK) : !((vaddr_t)p & 15)));
    if (p) ExFreePoolWithTag(p, 0x74736554u);
    BENCH_BATCHES(b) ExFreePool(ExAllocatePoolWithTag(NonPagedPool, bytes, 0x74736554u));
}

BENCH_ROW("ntmm/pool-64", "ExAllocatePoolWithTag+ExFreePool, 64 bytes, NonPagedPool", 0, 1000, b_pool, &floor_pool_small);
BENCH_ROW("ntmm/pool-page", "ExAllocatePoolWithTag+ExFreePool, 1 page, NonPagedPool (page-aligned)", 1, 1000, b_pool,
          &floor_pool_page);

/* A one-page MDL mapped into a reservation made once (the point of reserving) and unmapped. */
static void b_reserved(struct bench *b)
{
    PMDL m = MmAllocatePagesForMdl(phys(0), phys(~0ull), phys(0), PAGE_SIZE);
    PVOID res = MmAllocateMappingAddress(PAGE_SIZE, 0x76736552u);
    BENCH_CHECK(b, m && res);
    PVOID v = m && res ? MmMapLockedPagesWithReservedMapping(res, 0x76736552u, m, MmCached) : NULL;
    BENCH_CHECK(b, v == res && MmGetPhysicalAddress(v).QuadPart == (LONGLONG)MmGetMdlPfnArray(m)[0] << PAGE_SHIFT);
    if (v) MmUnmapReservedMapping(v, 0x76736552u, m);
    BENCH_CHECK(b, !v || !MmIsAddressValid(v));
    BENCH_BATCHES(b) {
        v = MmMapLockedPagesWithReservedMapping(res, 0x76736552u, m, MmCached);
        touch((vaddr_t)v);
        MmUnmapReservedMapping(v, 0x76736552u, m);
    }
    if (res) MmFreeMappingAddress(res, 0x76736552u);
    if (m) { MmFreePagesFromMdl(m); ExFreePool(m); }
}

BENCH_ROW("ntmm/reserved-map", "MmMapLockedPagesWithReservedMapping+MmUnmapReservedMapping, 1 page, touched", 1, 1000,
          b_reserved, &floor_map);
