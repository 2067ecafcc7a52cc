/*
 * tests/devhlp/misc.c - devhlp/pagelist-*, devhlp/seltoflat, devhlp/virttolin and the register
 * entry devhlp/device-help-* (B.0, B.3; B.5 tests 8, 9 and 11).
 */
#include "tests/devhlp/devhlp_test.h"
#include "kernel/trap.h"
#include "mm/devhlp/devhlp.h"
#include "mm/core/pfn.h"
#include "mm/x86.h"

/* n pages whose frames are not adjacent, filled with a byte pattern. */
static LIN scattered_pattern(uint32_t n)
{
    LIN lin = alloc_pages(0, n);
    pfn_t holds[17];
    for (uint32_t i = 0; lin && i < n; i++) {
        for (uint32_t k = 0; k < PAGE_SIZE; k += 4) *(volatile uint32_t *)(lin + i * PAGE_SIZE + k) = (i << 16) ^ k ^ 0x5A5A0000u;
        holds[i] = pfn_alloc(0);
    }
    for (uint32_t i = 0; lin && i < n; i++)
        if (holds[i] != PFN_NONE) pfn_free(holds[i]);
    return lin;
}

TEST(devhlp_pagelist_roundtrip, "devhlp/pagelist-roundtrip")
{
    uint32_t syspte0 = syspte_free_count();
    LIN buf = scattered_pattern(5);
    CHECK(buf);
    KernVMLock_t h;                                     /* B.3: lock first, or it is a snapshot */
    CHECK_EQ(DevHelp_VMLock(0, buf, 5 * PAGE_SIZE, DEVHLP_NO_LIST, (LIN)&h, NULL), NO_ERROR);
    const ULONG off = 0x234, size = 3 * PAGE_SIZE + 0x100;
    PAGELIST pl[17];
    ULONG count = 0;
    CHECK_EQ(DevHelp_LinToPageList(buf + off, size, (LIN)pl, &count), NO_ERROR);
    CHECK(count >= 1 && count <= 4);
    uint32_t sum = 0;
    for (ULONG k = 0; k < count; k++) sum += pl[k].Size;
    CHECK_EQ(sum, size);                                /* B.5 9 */
    /* A reference model: byte by byte, each physical address follows the previous one within
     * an entry, and entries break exactly where the physical addresses jump. */
    ULONG k = 0, in = 0;
    for (ULONG b = 0; b < size; b += 4, in += 4) {
        if (in == pl[k].Size) { k++; in = 0; }
        struct mm_page_info pi;
        mm_page_info(buf + off + b, &pi);
        paddr_t pa = (pi.pfn << PAGE_SHIFT) | ((buf + off + b) & PAGE_MASK);
        CHECK_MSG(pa == pl[k].PhysAddr + in, "byte %x: %08x, list says %08x", b, pa, pl[k].PhysAddr + in);
        if (k && !in) CHECK(pa != pl[k - 1].PhysAddr + pl[k - 1].Size);   /* merged when adjacent */
    }
    LIN lin = 0;
    CHECK_EQ(DevHelp_PageListToLin(size, (LIN)pl, &lin), NO_ERROR);
    CHECK(lin >= SYSPTE_START && lin < SYSPTE_END);
    CHECK_EQ(lin & PAGE_MASK, off);
    CHECK(!memcmp((void *)lin, (void *)(buf + off), size));   /* the same bytes */
    *(volatile uint32_t *)(lin + PAGE_SIZE) = 0x0BADF00D;      /* and the same memory */
    CHECK_EQ(*(volatile uint32_t *)(buf + off + PAGE_SIZE), 0x0BADF00D);
    uint32_t x;
    CHECK(!probe_read(PAGE_ALIGN_UP(lin + size), &x));          /* the guard page after it */
    CHECK(syspte_free_count() < syspte0);
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);                    /* our rule: VMFree releases it */
    CHECK(!probe_read(lin, &x));
    CHECK_EQ(syspte_free_count(), syspte0);
    CHECK_EQ(DevHelp_VMFree(lin), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&h), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(buf), NO_ERROR);
    return PASS;
}

TEST(devhlp_pagelist_sizes, "devhlp/pagelist-size-65537-87")
{
    LIN buf = alloc_pages(VMDHA_FIXED, 17);
    CHECK(buf);
    struct mm_counts before;
    mm_counts_take(&before);
    PAGELIST pl[18];
    ULONG count = 0;
    LIN lin = 0;
    CHECK_EQ(DevHelp_LinToPageList(buf, 65537, (LIN)pl, &count), ERROR_INVALID_PARAMETER);   /* B.5 8 */
    CHECK_EQ(DevHelp_LinToPageList(buf, 0, (LIN)pl, &count), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_LinToPageList(0xFFFFF000u, 0x2000, (LIN)pl, &count), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_LinToPageList(PTE_BASE, 4, (LIN)pl, &count), ERROR_INVALID_PARAMETER);   /* page tables */
    CHECK_EQ(DevHelp_LinToPageList(buf + 0x10, 65536, (LIN)pl, &count), NO_ERROR);            /* 17 pages */
    ULONG sum = 0;
    for (ULONG k = 0; k < count; k++) sum += pl[k].Size;
    CHECK_EQ(sum, 65536);
    CHECK_EQ(DevHelp_PageListToLin(65537, (LIN)pl, &lin), ERROR_INVALID_PARAMETER);            /* B.5 8 */
    CHECK_EQ(DevHelp_PageListToLin(0, (LIN)pl, &lin), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_PageListToLin(65536, (LIN)pl, &lin), NO_ERROR);
    CHECK_EQ(*(volatile uint32_t *)(lin + 0x1000), *(volatile uint32_t *)(buf + 0x1010));
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    CHECK_NOTHING_MOVED(&before);
    CHECK_EQ(DevHelp_VMFree(buf), NO_ERROR);
    return PASS;
}

TEST(devhlp_pagelist_bad, "devhlp/pagelist-bad-lists")
{
    LIN buf = alloc_pages(VMDHA_FIXED, 2), dz = alloc_pages(0, 1);
    CHECK(buf && dz);
    PAGELIST good[2];
    ULONG count;
    CHECK_EQ(DevHelp_LinToPageList(buf, 2 * PAGE_SIZE, (LIN)good, &count), NO_ERROR);
    struct mm_counts before;
    mm_counts_take(&before);
    LIN lin = 0;
    CHECK_EQ(DevHelp_LinToPageList(dz, 4, (LIN)good, &count), ERROR_INVALID_ADDRESS);   /* not present */
    CHECK_EQ(DevHelp_LinToPageList(buf, 4, 0, &count), ERROR_INVALID_PARAMETER);        /* list pointer */
    PAGELIST l1[2] = { { good[0].PhysAddr, 0x800 }, { good[0].PhysAddr + 0x800, 0x800 } };
    CHECK_EQ(DevHelp_PageListToLin(0x1000, (LIN)l1, &lin), ERROR_INVALID_PARAMETER);      /* run 2 unaligned */
    PAGELIST l2[1] = { { good[0].PhysAddr, 0x800 } };
    CHECK_EQ(DevHelp_PageListToLin(0x400, (LIN)l2, &lin), ERROR_INVALID_PARAMETER);       /* overshoots Size */
    PAGELIST l3[2] = { { good[0].PhysAddr, 0 }, { good[0].PhysAddr, 0x1000 } };
    CHECK_EQ(DevHelp_PageListToLin(0x1000, (LIN)l3, &lin), ERROR_INVALID_PARAMETER);      /* empty run */
    pfn_t freef = PFN_NONE;
    for (pfn_t p = pfn_max; p-- > 0 && freef == PFN_NONE;)
        if (pfn_db[p].state == PFN_FREE) freef = p;
    PAGELIST l4[1] = { { freef << PAGE_SHIFT, PAGE_SIZE } };
    CHECK_EQ(DevHelp_PageListToLin(PAGE_SIZE, (LIN)l4, &lin), ERROR_INVALID_PARAMETER);   /* free RAM */
    PAGELIST l5[2] = { { good[0].PhysAddr, PAGE_SIZE }, { x86_read_cr3() & ~PAGE_MASK, PAGE_SIZE } };
    CHECK_EQ(DevHelp_PageListToLin(2 * PAGE_SIZE, (LIN)l5, &lin), ERROR_INVALID_PARAMETER);   /* a directory */
    CHECK_EQ(DevHelp_PageListToLin(PAGE_SIZE, BAD_POINTER, &lin), ERROR_INVALID_PARAMETER);
    CHECK_EQ(lin, 0);
    CHECK_NOTHING_MOVED(&before);
    CHECK_EQ(DevHelp_VMFree(buf), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(dz), NO_ERROR);
    return PASS;
}

TEST(devhlp_seltoflat, "devhlp/seltoflat-flattosel")
{
    CHECK_EQ(SelToFlat(0x000F, 0x1234), 0x00011234u);          /* B.5 11 */
    CHECK_EQ(FlatToSel(0x00011234u), 0x000F1234u);
    CHECK_EQ(FlatToSel(0x1FFF0000u), 0xFFFF0000u);
    for (uint32_t flat = 0x10000; flat < TILED_LIMIT; flat += 0x01234567u & 0x0FFFFFFFu) {
        ULONG so = FlatToSel(flat);
        CHECK_EQ(SelToFlat((SEL)(so >> 16), (uint16_t)so), flat);
        CHECK_EQ((so >> 16) & 7, 7);                           /* LDT, RPL 3 */
    }
    return PASS;
}

TEST(devhlp_virttolin, "devhlp/virttolin")
{
    LIN lin = 1;
    CHECK_EQ(DevHelp_VirtToLin(0x10, 0x80101234u, &lin), NO_ERROR);   /* flat kernel data: base 0 */
    CHECK_EQ(lin, 0x80101234u);
    CHECK_EQ(DevHelp_VirtToLin(0x1B, 0x4000, &lin), NO_ERROR);         /* user code */
    CHECK_EQ(lin, 0x4000);
    CHECK_EQ(DevHelp_VirtToLin(0x000F, 0x1234, &lin), NO_ERROR);       /* an LDT tile */
    CHECK_EQ(lin, 0x00011234u);
    lin = 7;
    CHECK_EQ(DevHelp_VirtToLin(0x000F, 0x10000, &lin), ERROR_INVALID_PARAMETER);  /* beyond a tile: the offset */
    CHECK_EQ(lin, 7);
    return PASS;
}

/* A selector that names no usable segment is ERROR_INVALID_SELECTOR (490, bseerr.h), from C and
 * through `call [Device_Help]` (CF set, EAX = 490), with nothing written and nothing changed. */
TEST(devhlp_virttolin_bad_selector, "devhlp/virttolin-invalid-selector-490")
{
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } gdtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    const SEL bad[] = { 0, 3, 0x28, 0x30, (SEL)(((gdtr.limit + 1u) / 8u) << 3), 0xFFF8 };   /* null, null RPL 3, TSSes, past the GDT */
    struct mm_counts c0;
    mm_counts_take(&c0);
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        LIN lin = 7;
        USHORT rc = DevHelp_VirtToLin(bad[i], 0, &lin);
        CHECK_MSG(rc == ERROR_INVALID_SELECTOR, "VirtToLin(%04x): %u", bad[i], rc);
        CHECK_EQ(lin, 7);
        struct dh_regs r = { bad[i], 0x0B0B0B0Bu, 0xCCCCCCCCu, 0xD0D0D000u | DevHlp_VirtToLin, 0x10, 0xD1D1D1D1u, 0xB9B9B9B9u, 0 };
        CHECK_EQ(dh_call(&r), 1);
        CHECK_EQ(r.eax, ERROR_INVALID_SELECTOR);
        CHECK_EQ(r.esi, 0x10);
        CHECK_EQ(r.ecx, 0xCCCCCCCCu);
    }
    CHECK_NOTHING_MOVED(&c0);
    return PASS;
}

/* ---- the register entry ---------------------------------------------------------------------- */

#define R_EBX 0x0B0B0B0Bu
#define R_EDX_HI 0xD0D0D000u
#define R_EBP 0xB9B9B9B9u

static const char *regs_preserved(const struct dh_regs *r, uint32_t esi, uint32_t edi, uint8_t dl)
{
    CHECK_EQ(r->ebx, R_EBX);
    CHECK_EQ(r->edx, R_EDX_HI | dl);
    CHECK_EQ(r->esi, esi);
    CHECK_EQ(r->edi, edi);
    CHECK_EQ(r->ebp, R_EBP);
    return PASS;
}

TEST(devhlp_device_help_regs, "devhlp/device-help-registers-cf")
{
    CHECK(Device_Help == (uint32_t)devhlp_entry);
    /* VMAlloc: EAX flags, ECX size, EDI -> PhysAddr or -1; EAX = address, CF clear. */
    struct dh_regs r = { VMDHA_FIXED, R_EBX, 2 * PAGE_SIZE, R_EDX_HI | DevHlp_VMAlloc, 0x51515151u,
                         VMDHA_NOPHYSADDR, R_EBP, 0x400 };       /* DF set by the caller */
    CHECK_EQ(dh_call(&r), 0);
    LIN lin = r.eax;
    CHECK(lin >= SYSTEM_START && lin < SYSTEM_END);
    CHECK_EQ(r.ecx, 2 * PAGE_SIZE);                              /* no SELMAP: ECX preserved */
    TRY(regs_preserved(&r, 0x51515151u, VMDHA_NOPHYSADDR, DevHlp_VMAlloc));
    CHECK(r.eflags & 0x400);                                     /* DF as the caller had it */
    CHECK(!(r.eflags & 0x200));                                  /* IF still clear */
    CHECK(probe_write(lin + PAGE_SIZE, 3));

    /* VMLock through registers: EAX = PAGELIST count. */
    PAGELIST pl[2];
    KernVMLock_t h;
    r = (struct dh_regs){ 0, lin, 2 * PAGE_SIZE, R_EDX_HI | DevHlp_VMLock, (uint32_t)&h, (uint32_t)pl, R_EBP, 0 };
    r.ebx = lin;
    CHECK_EQ(dh_call(&r), 0);
    CHECK(r.eax >= 1 && r.eax <= 2);
    CHECK_EQ(r.ebx, lin);
    CHECK_EQ(r.ecx, 2 * PAGE_SIZE);
    CHECK_EQ(r.esi, (uint32_t)&h);
    CHECK(!(r.eflags & 0x400));

    /* An error: CF set, EAX = code, everything else as it was. */
    r = (struct dh_regs){ lin + 4, R_EBX, 0xCCCCCCCCu, R_EDX_HI | DevHlp_VMFree, 0x5E5E5E5Eu, 0xD1D1D1D1u, R_EBP, 0 };
    CHECK_EQ(dh_call(&r), 1);
    CHECK_EQ(r.eax, ERROR_INVALID_PARAMETER);
    CHECK_EQ(r.ecx, 0xCCCCCCCCu);
    TRY(regs_preserved(&r, 0x5E5E5E5Eu, 0xD1D1D1D1u, DevHlp_VMFree));
    r = (struct dh_regs){ 0, R_EBX, 0, R_EDX_HI | DevHlp_VMUnLock, (uint32_t)&h, 0, R_EBP, 0 };
    CHECK_EQ(dh_call(&r), 0);
    CHECK_EQ(r.eax, 0);                                          /* no result: EAX preserved */
    CHECK_EQ(dh_call(&r), 1);                                    /* the same handle again */
    CHECK_EQ(r.eax, ERROR_NOT_LOCKED);
    r = (struct dh_regs){ 0x10, R_EBX, 0, R_EDX_HI | DevHlp_VirtToLin, 4, 0, R_EBP, 0x200 };   /* IF set */
    CHECK_EQ(dh_call(&r), 0);
    CHECK(r.eflags & 0x200);                                     /* ... and still set on return */
    CHECK_EQ(r.eax, 4);
    r = (struct dh_regs){ 0x1234, R_EBX, 0, R_EDX_HI | 0x99, 0, 0, R_EBP, 0 };   /* unknown code */
    CHECK_EQ(dh_call(&r), 1);
    CHECK_EQ(r.eax, ERROR_INVALID_PARAMETER);
    r = (struct dh_regs){ lin, R_EBX, 0, R_EDX_HI | DevHlp_VMFree, 0, 0, R_EBP, 0 };
    CHECK_EQ(dh_call(&r), 0);
    uint32_t x;
    CHECK(!probe_read(lin, &x));
    return PASS;
}

TEST(devhlp_device_help_codes, "devhlp/device-help-every-service")
{
    struct mm_counts before;
    mm_counts_take(&before);
    struct dh_regs r;
    /* VMAlloc with SELMAP|PROCESS: ECX = sel:off. */
    r = (struct dh_regs){ VMDHA_PROCESS | VMDHA_SELMAP, R_EBX, PAGE_SIZE, R_EDX_HI | DevHlp_VMAlloc, 0,
                          VMDHA_NOPHYSADDR, R_EBP, 0 };
    CHECK_EQ(dh_call(&r), 0);
    LIN p = r.eax;
    CHECK_EQ(r.ecx, FlatToSel(p));
    /* VMProcessToGlobal: EAX flags, EBX address, ECX length -> EAX global. */
    r = (struct dh_regs){ VMDHPG_WRITE, p, PAGE_SIZE, R_EDX_HI | DevHlp_VMProcessToGlobal, 0, 0, R_EBP, 0 };
    CHECK_EQ(dh_call(&r), 0);
    LIN g = r.eax;
    CHECK_EQ(r.ebx, p);
    *(volatile uint32_t *)(g + 8) = 0x77;
    CHECK_EQ(uread(p + 8), 0x77);                        /* p: process (user) memory */
    /* VMGlobalToProcess: the same registers -> EAX process address. */
    r = (struct dh_regs){ 0, g + 8, 4, R_EDX_HI | DevHlp_VMGlobalToProcess, 0, 0, R_EBP, 0 };
    CHECK_EQ(dh_call(&r), 0);
    LIN p2 = r.eax;
    CHECK_EQ(uread(p2), 0x77);
    /* LinToPageList: EAX address, ECX size, EDI list -> EAX count. */
    PAGELIST pl[1];
    r = (struct dh_regs){ g, R_EBX, PAGE_SIZE, R_EDX_HI | DevHlp_LinToPageList, 0, (uint32_t)pl, R_EBP, 0 };
    CHECK_EQ(dh_call(&r), 0);
    CHECK_EQ(r.eax, 1);
    CHECK_EQ(r.ebx, R_EBX);
    /* PageListToLin: ECX size, EDI list -> EAX address. */
    r = (struct dh_regs){ 0, R_EBX, PAGE_SIZE, R_EDX_HI | DevHlp_PageListToLin, 0, (uint32_t)pl, R_EBP, 0 };
    CHECK_EQ(dh_call(&r), 0);
    LIN m = r.eax;
    CHECK_EQ(*(volatile uint32_t *)(m + 8), 0x77);
    /* VirtToLin: AX selector, ESI offset -> EAX. */
    r = (struct dh_regs){ 0x000F, R_EBX, 0, R_EDX_HI | DevHlp_VirtToLin, 0x1234, 0, R_EBP, 0 };
    CHECK_EQ(dh_call(&r), 0);
    CHECK_EQ(r.eax, 0x11234);
    CHECK_EQ(r.esi, 0x1234);
    /* VMFree each, by register. */
    LIN all[] = { m, p2, g, p };
    for (unsigned i = 0; i < ARRAY_SIZE(all); i++) {
        r = (struct dh_regs){ all[i], R_EBX, 0, R_EDX_HI | DevHlp_VMFree, 0, 0, R_EBP, 0 };
        CHECK_MSG(dh_call(&r) == 0, "VMFree(%08x): %u", all[i], r.eax);
    }
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}
