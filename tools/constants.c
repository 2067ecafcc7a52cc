/*
 * constants.c - the numbers that boot/boot.asm, linker.ld and the gdb commands (tools/gdb/)
 * share with the C headers, taken from those headers so that each is stated once.
 *
 * Never linked into the kernel.  The Makefile compiles it with the kernel's compiler and flags
 * to assembly only (-S): the compiler evaluates each expression, and every C(NAME) below leaves
 * a line `.ascii "@const NAME VALUE"` (VALUE in decimal, never negative: the 64-bit cast).
 * tools/constants.sh turns those lines into $(BUILD)/constants.inc (`%define NAME 0x...` for
 * nasm, also read by tools/gdb/pagoda.py) and $(BUILD)/constants.ld (`NAME = 0x...;` for the
 * linker script).  A name added here lands in constants.inc; constants.ld takes only the names
 * linker.ld uses (tools/constants.sh lists them).
 *
 * The software PTE encodings and the PFN flags are the core's private business (mm/core/): the
 * debugger decodes them, so this file is compiled as part of the core is (MM_CORE_PRIVATE).
 */
#include "kernel/kernel.h"
#include "mm/layout.h"
#include "mm/x86.h"
#include "mm/core/pte_sw.h"
#include "mm/core/pfn.h"

#define C(name) __asm__ volatile("\n.ascii \"@const " #name " %c0\"" :: "i"((unsigned long long)(name)))

void constants(void);
void constants(void)
{
    /* The linear layout (mm/layout.h). */
    C(PAGE_SIZE);
    C(KERNEL_VBASE);
    C(KERNEL_PHYS_LOAD);
    C(PRIVATE_START);
    C(PRIVATE_END);
    C(SHARED_START);
    C(SHARED_END);
    C(PTE_BASE);
    C(SELFMAP_PDI);
    C(PDE_BASE);
    C(HYPER_START);
    C(HYPER_END);
    C(SYSTEM_START);
    C(SYSTEM_END);
    C(INVALID_START);
    C(KWINDOW_END);
    C(PFNDB_BASE);
    C(PFNDB_END);
    C(KPOOL_BASE);
    C(KPOOL_END);
    C(SYSPTE_START);
    C(SYSPTE_END);

    /* What the MMU defines (mm/x86.h). */
    C(PTE_P);
    C(PTE_W);
    C(PTE_U);
    C(PTE_PWT);
    C(PTE_PCD);
    C(PTE_A);
    C(PTE_D);
    C(PTE_PAT);
    C(PDE_PS);
    C(PTE_G);
    C(PDE_PAT_LARGE);
    C(LARGE_PAGE_SIZE);
    C(CR0_PE);
    C(CR0_WP);
    C(CR0_PG);
    C(CR4_PSE);
    C(CR4_PGE);

    /* The core's software encodings (mm/core/pte_sw.h) and PFN flags (mm/core/pfn.h). */
    C(PTE_SW_RAW);
    C(PTE_SW_PIN);
    C(PTE_NP_DEMAND);
    C(PTE_SW_PAGEABLE);
    C(PTE_NP_SWAP);
    C(PTE_NP_TRANS);
    C(PTE_SLOT_SHIFT);
    C(PFNF_ZEROED);
    C(PFNF_DIRTY);
    C(PFNF_CONTIG_START);
    C(PFNF_CONTIG_END);
    C(PFNF_KPOOL);
}
