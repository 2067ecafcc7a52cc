/*
 * bootinfo.h - what the loader told us, copied into kernel memory before the frame allocator
 * hands out anything (the loader's structures live in RAM we are about to reuse).
 */
#ifndef KERNEL_BOOTINFO_H
#define KERNEL_BOOTINFO_H
#include "kernel/kernel.h"

#define MB_MAX_MMAP 64
#define MB_MAX_MODS 16
#define MB_MAX_RANGES 8
#define MMAP_USABLE 1

struct mmap_entry { uint64_t base, len; uint32_t type; };
struct phys_range { paddr_t start, end; };   /* [start, end) */

struct bootinfo {
    uint32_t magic, flags;
    uint32_t mem_lower_kb, mem_upper_kb;
    bool has_mmap;
    uint32_t nmmap;
    struct mmap_entry mmap[MB_MAX_MMAP];
    uint32_t nmods;
    struct phys_range mods[MB_MAX_MODS];
    uint32_t nloader;                        /* the MBI, its mmap and cmdline as loaded */
    struct phys_range loader[MB_MAX_RANGES];
    char cmdline[4096];                      /* as passed (QEMU -kernel puts the file name first) */
    bool cmdline_cut;                        /* it was longer: the rest is lost (warned at boot) */
};

extern struct bootinfo bootinfo;
void bootinfo_copy(uint32_t magic, paddr_t mbi);
void bootinfo_print(void);
/* Copies len bytes of physical memory at src, anywhere below 4 GiB, through one scratch PTE of
 * the boot page tables: before mm_init only (kernel/firmware.c reads the firmware's tables). */
void phys_copy(void *dst, paddr_t src, uint32_t len);
#endif
