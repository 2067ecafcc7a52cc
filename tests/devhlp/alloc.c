/*
 * tests/devhlp/alloc.c - devhlp/vmalloc-*: VMAlloc's flag rules and what each kind of memory
 * really is on the MMU (B.1, B.3; B.5 tests 3, 4 and 5).
 */
#include "tests/devhlp/devhlp_test.h"
#include "mm/core/core.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "mm/devhlp/devhlp.h"
#include "mm/x86.h"

static USHORT alloc(ULONG flags, ULONG size, LIN *lin)
{
    return DevHelp_VMAlloc(flags, size, VMDHA_NOPHYSADDR, lin, NULL);
}

TEST(devhlp_vmalloc_rules, "devhlp/vmalloc-flag-rules-87")
{
    struct mm_counts before;
    mm_counts_take(&before);
    LIN lin = 0;
    static const ULONG bad[] = {
        VMDHA_CONTIG,                                   /* CONTIG requires FIXED (B.5 3) */
        VMDHA_CONTIG | VMDHA_16M,
        VMDHA_SWAP | VMDHA_FIXED,                       /* SWAP: FIXED must be clear */
        VMDHA_SGSCONT,                                  /* SGSCONT only with PROCESS */
        VMDHA_SGSCONT | VMDHA_FIXED,
        VMDHA_SHARED,                                   /* SHARED only with PHYS */
        VMDHA_SHARED | VMDHA_FIXED,
        VMDHA_USEHIGHMEM | VMDHA_FIXED,                 /* after INIT */
        VMDHA_USEHIGHMEM,
        VMDHIA_USER | VMDHA_FIXED,                      /* init time only */
        VMDHA_SELMAP,                                   /* no tiled address for a global object */
        VMDHA_RESERVE | VMDHA_FIXED,
    };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
        CHECK_MSG(alloc(bad[i], PAGE_SIZE, &lin) == ERROR_INVALID_PARAMETER, "flags %x", bad[i]);
    for (int b = 13; b < 32; b++)                       /* undefined bits */
        CHECK_MSG(alloc(1u << b, PAGE_SIZE, &lin) == ERROR_INVALID_PARAMETER, "bit %d", b);
    CHECK_EQ(alloc(VMDHA_FIXED, 0, &lin), ERROR_INVALID_PARAMETER);          /* zero size */
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PHYS, PAGE_SIZE, VMDHA_NOPHYSADDR, &lin, NULL), ERROR_INVALID_PARAMETER);   /* B.5 5 */
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PHYS, PAGE_SIZE, 0, &lin, NULL), ERROR_INVALID_PARAMETER);  /* unreadable pointer */
    CHECK_EQ(lin, 0);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

struct init_result { USHORT rc_high, rc_user; LIN high, user; };
static void driver_init(void *arg)
{
    struct init_result *r = arg;
    r->rc_high = alloc(VMDHA_FIXED | VMDHA_USEHIGHMEM, 2 * PAGE_SIZE, &r->high);
    r->rc_user = alloc(VMDHA_FIXED | VMDHIA_USER, PAGE_SIZE, &r->user);
}

TEST(devhlp_vmalloc_init_only, "devhlp/vmalloc-init-only-flags")
{
    CHECK(!devhlp_at_init());
    struct init_result r = { 1, 1, 0, 0 };
    devhlp_run_init(driver_init, &r);                   /* the kernel delivering CMDInit */
    CHECK(!devhlp_at_init());
    CHECK_EQ(r.rc_high, NO_ERROR);
    CHECK_EQ(r.rc_user, NO_ERROR);
    if (mm_total_frames() > 0x1000 + 0x800)             /* plenty above 16 MiB: used first */
        CHECK(frame_of(r.high) >= 0x1000 && frame_of(r.high + PAGE_SIZE) >= 0x1000);
    struct user_result u;                               /* VMDHIA_USER: ring 3 may use it */
    uwrite(r.user, 0x05E2);                             /* a user page: in a window (SMAP) */
    CHECK(user_call(u_read, r.user, 0, &u) == 0 && !u.faulted && u.value == 0x05E2);
    LIN lin;
    CHECK_EQ(alloc(VMDHA_FIXED | VMDHA_USEHIGHMEM, PAGE_SIZE, &lin), ERROR_INVALID_PARAMETER);   /* init is over */
    CHECK_EQ(DevHelp_VMFree(r.high), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(r.user), NO_ERROR);
    return PASS;
}

TEST(devhlp_vmalloc_contig16m, "devhlp/vmalloc-fixed-16m-contig-64k")
{
    struct mm_counts before;
    mm_counts_take(&before);
    LIN lin = 0;
    CHECK_EQ(alloc(VMDHA_FIXED | VMDHA_16M | VMDHA_CONTIG, 0x10000, &lin), NO_ERROR);
    CHECK(lin >= 0x20000000u);                          /* B.5 4: system arena */
    CHECK(lin >= SYSTEM_START && lin < SYSTEM_END);
    PAGELIST pl[17];
    ULONG count = 0;
    CHECK_EQ(DevHelp_LinToPageList(lin, 0x10000, (LIN)pl, &count), NO_ERROR);
    CHECK_EQ(count, 1);
    CHECK_EQ(pl[0].Size, 0x10000);
    CHECK(pl[0].PhysAddr + pl[0].Size <= 0x1000000u);
    CHECK_EQ(mm_locked_frames(), before.locked_frames + 16);   /* FIXED: pinned */
    for (uint32_t i = 0; i < 16; i++) {
        CHECK_EQ(*(volatile uint32_t *)(lin + i * PAGE_SIZE + 12), 0);       /* zeroed */
        *(volatile uint32_t *)(lin + i * PAGE_SIZE + 12) = i;
    }
    uint32_t x;
    CHECK(!probe_read(lin + 0x10000, &x) || DevHelp_VMFree(lin + 0x10000) == ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    CHECK(!probe_read(lin, &x));
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

TEST(devhlp_vmalloc_phys, "devhlp/vmalloc-phys")
{
    /* RAM in use: a FIXED page, mapped a second time by physical address. */
    LIN ram = 0, map = 0;
    CHECK_EQ(alloc(VMDHA_FIXED, PAGE_SIZE, &ram), NO_ERROR);
    *(volatile uint32_t *)(ram + 0x20) = 0xFACE;
    ULONG pa = (frame_of(ram) << PAGE_SHIFT) + 0x20;
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PHYS, 4, (LIN)&pa, &map, NULL), NO_ERROR);
    CHECK_EQ(map & PAGE_MASK, 0x20);                    /* the page offset is kept */
    CHECK_EQ(*(volatile uint32_t *)map, 0xFACE);
    *(volatile uint32_t *)map = 0xBEEF;
    CHECK_EQ(*(volatile uint32_t *)(ram + 0x20), 0xBEEF);
    CHECK_EQ(DevHelp_VMFree(ram), NO_ERROR);            /* the PHYS view keeps the frame alive */
    CHECK_EQ(*(volatile uint32_t *)map, 0xBEEF);
    CHECK_EQ(DevHelp_VMFree(map), NO_ERROR);

    /* Device memory: the VGA text buffer reads what the kernel's own mapping shows. */
    ULONG vga = 0xB8000;
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PHYS, 2 * PAGE_SIZE, (LIN)&vga, &map, NULL), NO_ERROR);
    volatile uint16_t *kv = (volatile uint16_t *)(KERNEL_VBASE + 0xB8000), *dv = (volatile uint16_t *)map;
    uint16_t saved = kv[79];
    dv[79] = 0x1F21;                                    /* '!' through the driver's mapping */
    CHECK_EQ(kv[79], 0x1F21);
    kv[79] = saved;
    CHECK_EQ(dv[79], saved);
    uint32_t e;
    CHECK(mm_read_pte(map, &e) && (e & PTE_PCD));       /* device memory: uncached */
    CHECK_EQ(DevHelp_VMFree(map), NO_ERROR);

    /* Shared arena, with SHARED. */
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PHYS | VMDHA_SHARED, PAGE_SIZE, (LIN)&vga, &map, NULL), NO_ERROR);
    CHECK(map >= SHARED_START && map < SHARED_END);
    uint16_t w;
    umemcpy(&w, (const void *)(map + 79 * 2), sizeof w);  /* the shared arena is user memory */
    CHECK_EQ(w, kv[79]);
    CHECK_EQ(DevHelp_VMFree(map), NO_ERROR);

    /* Refused: free RAM, a page directory, a wrapping range. */
    struct mm_counts before;
    mm_counts_take(&before);
    ULONG dir = x86_read_cr3() & ~PAGE_MASK, top = 0xFFFFF000u;
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PHYS, PAGE_SIZE, (LIN)&dir, &map, NULL), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PHYS, 0x2000, (LIN)&top, &map, NULL), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PHYS | VMDHA_CONTIG | VMDHA_FIXED, PAGE_SIZE, (LIN)&vga, &map, NULL),
             ERROR_INVALID_PARAMETER);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

static const char *process_alloc(struct as *a, struct as *b)
{
    LIN p = 0, s = 0;
    ULONG so = 1;
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PROCESS, 2 * PAGE_SIZE, VMDHA_NOPHYSADDR, &p, &so), NO_ERROR);
    CHECK(p >= PRIVATE_START && p < PRIVATE_END);
    CHECK_EQ(so, 0);
    struct user_result u;
    CHECK(user_call(u_write, p + PAGE_SIZE, 0x1234, &u) == 0 && !u.faulted);   /* ring 3 may write it */
    CHECK_EQ(uread(p + PAGE_SIZE), 0x1234);
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PROCESS | VMDHA_SELMAP | VMDHA_SGSCONT | VMDHA_FIXED, 0x11000,
                             VMDHA_NOPHYSADDR, &s, &so), NO_ERROR);
    CHECK(s < TILED_LIMIT && !(s & 0xFFFF));
    CHECK_EQ(so, FlatToSel(s));
    CHECK_EQ(SelToFlat((SEL)(so >> 16), (uint16_t)so), s);
    as_switch(b);
    uint32_t x;
    CHECK(!uprobe_read(p + PAGE_SIZE, &x));             /* private: not in another process */
    CHECK_EQ(DevHelp_VMFree(p), ERROR_INVALID_PARAMETER);   /* and not freeable from there */
    as_switch(a);
    CHECK_EQ(DevHelp_VMFree(p), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(s), NO_ERROR);
    CHECK(user_call(u_read, p, 0, &u) == 0 && u.faulted);
    return PASS;
}

TEST(devhlp_vmalloc_process, "devhlp/vmalloc-process-selmap")
{
    struct as *a = as_create(), *b = as_create();
    CHECK(a && b);
    as_switch(a);
    const char *r = process_alloc(a, b);
    as_switch(as_kernel());
    CHECK_EQ(as_destroy(a), MM_OK);
    CHECK_EQ(as_destroy(b), MM_OK);
    return r;
}

TEST(devhlp_vmalloc_kinds, "devhlp/vmalloc-reserve-swappable-align")
{
    LIN r = 0, s = 0, al = 0;
    uint32_t x;
    CHECK_EQ(alloc(VMDHA_RESERVE, 3 * PAGE_SIZE, &r), NO_ERROR);
    CHECK(!probe_read(r + PAGE_SIZE, &x));               /* reserved only: touching faults */
    CHECK_EQ(probe_last.err & 1, 0);                     /* not present */
    CHECK_EQ(DevHelp_VMFree(r), NO_ERROR);

    uint32_t free0 = mm_free_frames();
    CHECK_EQ(alloc(VMDHA_SWAP, 5000, &s), NO_ERROR);     /* rounded up to 2 pages, demand-zero */
    CHECK_EQ(frame_of(s), PFN_NONE);
    uint32_t mid = mm_free_frames();                     /* a page table at most */
    CHECK(mid + 1 >= free0);
    CHECK_EQ(*(volatile uint32_t *)(s + PAGE_SIZE + 100), 0);
    CHECK_EQ(mm_free_frames(), mid - 1);                 /* one page, on first touch */
    CHECK(probe_read(s + 2 * PAGE_SIZE - 4, &x));
    CHECK(!probe_read(s + 2 * PAGE_SIZE, &x));           /* the size was rounded to 2 pages, no more */
    CHECK_EQ(DevHelp_VMFree(s), NO_ERROR);

    CHECK_EQ(alloc(VMDHA_ALIGN64K | VMDHA_FIXED, PAGE_SIZE, &al), NO_ERROR);
    CHECK_EQ(al & 0xFFFF, 0);
    CHECK(probe_write(al, 1));
    CHECK_EQ(DevHelp_VMFree(al), NO_ERROR);
    return PASS;
}

TEST(devhlp_vmalloc_exhaustion, "devhlp/vmalloc-exhaustion-8")
{
    struct mm_counts before;
    mm_counts_take(&before);
    LIN lin = 0;
    uint32_t free0 = before.free_frames;
    CHECK_EQ(alloc(VMDHA_FIXED, (free0 + 64) * PAGE_SIZE, &lin), ERROR_NOT_ENOUGH_MEMORY);
    CHECK_EQ(alloc(VMDHA_FIXED | VMDHA_CONTIG, (free0 + 1) * PAGE_SIZE, &lin), ERROR_NOT_ENOUGH_MEMORY);
    CHECK_EQ(alloc(0, 0xFFFFF000u, &lin), ERROR_NOT_ENOUGH_MEMORY);    /* no such linear space */
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}
