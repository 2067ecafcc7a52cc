/*
 * devhlp_test.h - helpers shared by the devhlp/... tests (and the DevHelp hostile cases): a
 * VMAlloc of whole pages, the register entry `call [Device_Help]` (dh_call), and the core
 * tests' helpers (tests/core/mm/frames.h: frame_of, sys_block, scattered frames) that these
 * tests use to see what a DevHelp call did.
 */
#ifndef TESTS_DEVHLP_TEST_H
#define TESTS_DEVHLP_TEST_H
#include "tests/harness/test.h"
#include "mm/devhlp/devhlp.h"
#include "tests/core/mm/frames.h"

/* VMAlloc(flags) of n pages with no physical address: the linear address, or 0 on any error. */
static inline LIN alloc_pages(ULONG flags, uint32_t n)
{
    LIN lin = 0;
    return DevHelp_VMAlloc(flags, n * PAGE_SIZE, VMDHA_NOPHYSADDR, &lin, NULL) == NO_ERROR ? lin : 0;
}

/* `call [Device_Help]` with these registers (tests/devhlp/seed.asm): every register and EFLAGS
 * come back in *r; returns CF. */
struct dh_regs { uint32_t eax, ebx, ecx, edx, esi, edi, ebp, eflags; };
uint32_t dh_call(struct dh_regs *r);
#endif
