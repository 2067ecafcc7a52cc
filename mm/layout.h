/*
 * layout.h - where things live in the 4 GiB linear space.  Every other file derives from these
 * constants; nothing else hard-codes an arena boundary.
 *
 *   0x00000000 +-----------------------------+ null page: never mapped
 *   0x00001000 | private arena (per process) | Win9x PR_PRIVATE, OS/2 process memory, NT user space
 *   0x00400000 |   (ring-3 test code here)   |
 *   0x7FFF0000 +-----------------------------+ no-access guard (NT MM_USER_PROBE_ADDRESS)
 *   0x80000000 | shared arena (all processes)| kernel image at 0x80100000 (physical 1 MiB);
 *              |                             | Win9x PR_SHARED / PG_VM
 *   0xC0000000 +-----------------------------+ page-table self-map: PDE 0x300 -> the directory
 *   0xC0300000 |   (PDE_BASE: the directory) |
 *   0xC0800000 +-----------------------------+ hyperspace: 512 temporary slots, then the directory window (mm/core/pte.c)
 *   0xC0C00000 | system arena (global)       | PFN database, kernel pool, system PTEs,
 *              |                             | Win9x PR_SYSTEM, OS/2 global VMAlloc, NT system space
 *   0xFFC00000 +-----------------------------+ permanently invalid: never mapped (0xFFFE0000 = bad ptr)
 *
 * Non-PAE.  A PAE build would keep PTE_BASE and move PDE_BASE to 0xC0600000 (8 MiB of PTEs);
 * only mm/x86.h knows the entry width and the number of levels.
 */
#ifndef MM_LAYOUT_H
#define MM_LAYOUT_H
#include "kernel/kernel.h"            /* PAGE_SIZE */

#define KERNEL_VBASE        0x80000000u   /* VA of physical 0 in the boot window */
#define KERNEL_PHYS_LOAD    0x00100000u

#define NULL_PAGE_END       0x00001000u
#define PRIVATE_START       0x00001000u
#define PRIVATE_END         0x7FFF0000u   /* exclusive; == NT MM_USER_PROBE_ADDRESS */
#define USER_PROBE_ADDRESS  0x7FFF0000u
#define HIGHEST_USER_ADDRESS 0x7FFEFFFFu
#define SHARED_START        0x80000000u
#define SHARED_END          0xC0000000u
/* The self-map: one PDE (SELFMAP_PDI) points to the directory itself, so the 4 MiB at PTE_BASE
 * show every page table and the directory sits where that window's own PTEs are.  Only PTE_BASE
 * is stated; the rest is derived (boot/boot.asm, linker.ld and tools/gdb get the values the
 * compiler computes, through build/constants.inc - tools/constants.c).  mm/x86.h has the
 * arithmetic. */
#define PTE_BASE            0xC0000000u
#define SELFMAP_PDI         (PTE_BASE >> 22)                     /* the PDE that maps PTE_BASE */
#define PDE_BASE            (PTE_BASE + SELFMAP_PDI * PAGE_SIZE)  /* 0xC0300000: table SELFMAP_PDI */
_Static_assert((PTE_BASE & 0x3FFFFFu) == 0, "the self-map window is the one whole PDE SELFMAP_PDI");
#define HYPER_START         0xC0800000u
#define HYPER_END           0xC0C00000u
#define SYSTEM_START        0xC0C00000u
#define SYSTEM_END          0xFFC00000u   /* exclusive */
#define INVALID_START       0xFFC00000u
#define BAD_POINTER         0xFFFE0000u   /* the Win9x DDK's conventional invalid pointer */

/* Inside the private arena: where tests/harness/user.c maps the ring-3 test code and stacks. */
#define USER_TEXT_BASE      0x00010000u
#define USER_STACK_TOP      0x7FFE0000u

/* Inside the shared arena, after the kernel image window (kernel image + boot data). */
#define KWINDOW_END         0x80400000u   /* boot window: physical 0..4 MiB */
#define SHARED_ALLOC_START  0x80400000u   /* PR_SHARED / PG_VM reservations start here */

/* Inside the system arena. */
#define PFNDB_BASE          0xC0C00000u   /* up to 1 Mi records x 32 bytes = 32 MiB */
#define PFNDB_END           0xC2C00000u
#define KPOOL_BASE          0xC2C00000u   /* kernel pool (heap), sized at boot */
#define KPOOL_END           0xC3C00000u
#define SYSALLOC_START      0xC3C00000u   /* PR_SYSTEM, OS/2 global VMAlloc, aliases */
#define SYSALLOC_END        0xE0000000u
#define SYSPTE_START        0xE0000000u   /* system-PTE pool: MmMapIoSpace, MDL mappings */
#define SYSPTE_END          0xF0000000u
#define SYSALLOC2_START     0xF0000000u   /* more system reservations */
#define SYSALLOC2_END       0xFFC00000u

#endif
