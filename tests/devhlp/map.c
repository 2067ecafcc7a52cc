/*
 * tests/devhlp/map.c - devhlp/p2g-*, devhlp/g2p-*, devhlp/vmfree-*: the two aliases and VMFree
 * (B.3; B.5 tests 1, 2 and 10).  Every alias is proven by reading and writing through it, every
 * protection by taking the fault, every removal by the address faulting afterwards.
 */
#include "tests/devhlp/devhlp_test.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "mm/devhlp/devhlp.h"
#include "mm/x86.h"

#define PBUF 0x00700000u                 /* a process buffer in the private arena */

/* A new process with n committed, present user pages at PBUF (page i holds 0x9000 + i). */
static struct as *process_with_buffer(uint32_t n)
{
    struct as *a = as_create();
    if (!a) return NULL;
    as_switch(a);
    if (!mm_reserve(ARENA_PRIVATE, PBUF, n, 1, OWNER_TEST, NULL) ||
        mm_commit(PBUF, n, MM_PROT_USER | MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL) != MM_OK)
        return a;
    for (uint32_t i = 0; i < n; i++) uwrite(PBUF + i * PAGE_SIZE, 0x9000 + i);
    return a;
}

static const char *leave(struct as *a, const char *r)
{
    as_switch(as_kernel());
    if (a && as_destroy(a) != MM_OK && !r) return "as_destroy failed";
    return r;
}

static const char *p2g_bad(void)
{
    struct mm_counts before;
    mm_counts_take(&before);
    LIN g = 0;
    CHECK_EQ(DevHelp_VMProcessToGlobal(1, PBUF + 0x10, PAGE_SIZE, &g), ERROR_INVALID_PARAMETER);   /* B.5 1 */
    CHECK_EQ(DevHelp_VMProcessToGlobal(1, PBUF + 0x800, 16, &g), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_VMProcessToGlobal(2, PBUF, PAGE_SIZE, &g), ERROR_INVALID_PARAMETER);          /* B.5 1 */
    for (int b = 1; b < 32; b++)                                         /* every other bit */
        CHECK_MSG(DevHelp_VMProcessToGlobal(1u << b, PBUF, PAGE_SIZE, &g) == ERROR_INVALID_PARAMETER, "bit %d", b);
    CHECK_EQ(DevHelp_VMProcessToGlobal(1, PBUF, 0, &g), ERROR_INVALID_PARAMETER);                 /* zero */
    CHECK_EQ(DevHelp_VMProcessToGlobal(1, PBUF, 0xFFFFF001u, &g), ERROR_INVALID_PARAMETER);       /* wraps */
    CHECK_EQ(DevHelp_VMProcessToGlobal(1, PBUF, 3 * PAGE_SIZE, &g), ERROR_INVALID_PARAMETER);     /* past the object */
    CHECK_EQ(DevHelp_VMProcessToGlobal(1, PBUF + PAGE_SIZE, 2 * PAGE_SIZE, &g), ERROR_INVALID_PARAMETER); /* into the next object */
    CHECK_EQ(DevHelp_VMProcessToGlobal(1, PBUF + 0x100000, PAGE_SIZE, &g), ERROR_INVALID_PARAMETER);  /* no object */
    CHECK_EQ(DevHelp_VMProcessToGlobal(1, 0, PAGE_SIZE, &g), ERROR_INVALID_PARAMETER);            /* null page */
    CHECK_EQ(DevHelp_VMProcessToGlobal(1, PFNDB_BASE, PAGE_SIZE, &g), ERROR_INVALID_PARAMETER);   /* not process memory */
    CHECK_EQ(g, 0);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

TEST(devhlp_p2g_bad, "devhlp/p2g-unaligned-flags-boundaries-87")
{
    struct as *a = process_with_buffer(2);
    CHECK(a);
    /* An adjacent second object right after the buffer: the range must not cross into it. */
    bool ok = mm_reserve(ARENA_PRIVATE, PBUF + 2 * PAGE_SIZE, 1, 1, OWNER_TEST, NULL) &&
              mm_commit(PBUF + 2 * PAGE_SIZE, 1, MM_PROT_USER | MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL) == MM_OK;
    return leave(a, ok ? p2g_bad() : "setup");
}

static const char *p2g_protection(void)
{
    LIN ro = 0, rw = 0;
    CHECK_EQ(DevHelp_VMProcessToGlobal(VMDHPG_READONLY, PBUF, 2 * PAGE_SIZE, &ro), NO_ERROR);
    CHECK_EQ(DevHelp_VMProcessToGlobal(VMDHPG_WRITE, PBUF, 2 * PAGE_SIZE, &rw), NO_ERROR);
    CHECK(ro >= SYSTEM_START && rw >= SYSTEM_START && ro != rw);
    uint32_t x;
    CHECK(probe_read(ro + PAGE_SIZE, &x));
    CHECK_EQ(x, 0x9001);
    CHECK(x86_read_cr0() & CR0_WP);
    CHECK(!probe_write(ro + PAGE_SIZE, 0x55));            /* read-only binds ring 0 too */
    CHECK_EQ(probe_last.vector, T_PF);
    CHECK_EQ(probe_last.err & 3, 3);                       /* present, write */
    CHECK_EQ(probe_last.cr2, ro + PAGE_SIZE);
    CHECK(probe_write(rw + PAGE_SIZE + 4, 0x77));          /* the writable alias writes A's page */
    CHECK_EQ(uread(PBUF + PAGE_SIZE + 4), 0x77);
    CHECK(probe_read(ro + PAGE_SIZE + 4, &x));             /* ... seen through the other alias */
    CHECK_EQ(x, 0x77);
    CHECK_EQ(DevHelp_VMFree(ro), NO_ERROR);
    CHECK_EQ(DevHelp_VMFree(rw), NO_ERROR);
    CHECK(!probe_read(ro, &x));
    CHECK(!probe_read(rw, &x));
    return PASS;
}

TEST(devhlp_p2g_readonly, "devhlp/p2g-readonly-faults-ring0")
{
    struct as *a = process_with_buffer(2);
    CHECK(a);
    return leave(a, p2g_protection());
}

static const char *vmfree_alias(struct as *a, struct as *b)
{
    LIN g = 0;
    CHECK_EQ(DevHelp_VMProcessToGlobal(VMDHPG_WRITE, PBUF, PAGE_SIZE, &g), NO_ERROR);
    as_switch(b);
    uint32_t x;
    CHECK(probe_read(g, &x));
    CHECK_EQ(x, 0x9000);
    CHECK_EQ(DevHelp_VMFree(g), NO_ERROR);                 /* B.5 10: from another process */
    CHECK(!probe_read(g, &x));                             /* ... after which the alias faults */
    CHECK_EQ(probe_last.cr2, g);
    CHECK_EQ(DevHelp_VMFree(g), ERROR_INVALID_PARAMETER);  /* and is unknown */
    as_switch(a);
    CHECK_EQ(uread(PBUF), 0x9000);                         /* A's memory is untouched */
    return PASS;
}

TEST(devhlp_vmfree_alias, "devhlp/vmfree-p2g-alias-faults")
{
    struct as *a = process_with_buffer(1), *b = as_create();
    CHECK(a && b);
    const char *r = vmfree_alias(a, b);
    as_switch(as_kernel());
    CHECK_EQ(as_destroy(b), MM_OK);
    return leave(a, r);
}

TEST(devhlp_vmfree_unknown, "devhlp/vmfree-unknown-87")
{
    LIN lin = alloc_pages(VMDHA_FIXED, 2);
    CHECK(lin);
    struct region *other = mm_reserve(ARENA_SYSTEM, 0, 1, 1, OWNER_TEST, NULL);
    CHECK(other);
    struct mm_counts before;
    mm_counts_take(&before);
    static const LIN bad[] = { 0, 0x1000, 0x80100000u, PTE_BASE, SYSTEM_START, 0xE0000000u, BAD_POINTER, 0xFFFFFFFFu };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
        CHECK_MSG(DevHelp_VMFree(bad[i]) == ERROR_INVALID_PARAMETER, "VMFree(%08x)", bad[i]);
    CHECK_EQ(DevHelp_VMFree(lin + PAGE_SIZE), ERROR_INVALID_PARAMETER);    /* inside, not the start */
    CHECK_EQ(DevHelp_VMFree(lin + 4), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_VMFree(other->base), ERROR_INVALID_PARAMETER);        /* not ours */
    CHECK_NOTHING_MOVED(&before);
    CHECK(probe_write(lin + PAGE_SIZE, 1));                                /* still there */
    CHECK_EQ(DevHelp_VMFree(lin), NO_ERROR);
    CHECK_EQ(mm_release(other), MM_OK);
    return PASS;
}

/* ---- VMGlobalToProcess ---------------------------------------------------------------------- */

static const char *g2p_checks(LIN glob)
{
    struct mm_counts before;
    mm_counts_take(&before);
    LIN p = 0;
    CHECK_EQ(DevHelp_VMGlobalToProcess(0x10, glob, PAGE_SIZE, &p), ERROR_INVALID_PARAMETER);     /* B.5 2 */
    const ULONG ok = VMDHGP_WRITE | VMDHGP_SELMAP | VMDHGP_SGSCONTROL | VMDHGP_4MEG;
    for (int b = 0; b < 32; b++)
        if (!((1u << b) & ok))
            CHECK_MSG(DevHelp_VMGlobalToProcess(1u << b, glob, PAGE_SIZE, &p) == ERROR_INVALID_PARAMETER, "bit %d", b);
    CHECK_EQ(DevHelp_VMGlobalToProcess(0, glob, 0, &p), ERROR_INVALID_PARAMETER);
    CHECK_EQ(DevHelp_VMGlobalToProcess(0, PBUF, PAGE_SIZE, &p), ERROR_INVALID_PARAMETER);   /* not global */
    CHECK_EQ(DevHelp_VMGlobalToProcess(0, glob, 3 * PAGE_SIZE, &p), ERROR_INVALID_PARAMETER); /* past the object */
    CHECK_EQ(DevHelp_VMGlobalToProcess(0, 0xFFFFF000u, 0x2000, &p), ERROR_INVALID_PARAMETER); /* wraps */
    CHECK_NOTHING_MOVED(&before);

    /* Read-only: ring 3 reads, its write faults.  Unaligned source: same page offset. */
    struct user_result u;
    CHECK_EQ(DevHelp_VMGlobalToProcess(0, glob + 0x104, 8, &p), NO_ERROR);
    CHECK(p < PRIVATE_END && (p & PAGE_MASK) == 0x104);
    CHECK(user_call(u_read, p, 0, &u) == 0 && !u.faulted);
    CHECK_EQ(u.value, 0x6104);
    CHECK(user_call(u_write, p, 1, &u) == 0 && u.faulted && (u.err & 7) == 7);
    CHECK_EQ(DevHelp_VMFree(p - 0x104), ERROR_INVALID_PARAMETER);          /* exactly what was returned */
    CHECK_EQ(DevHelp_VMFree(p), NO_ERROR);
    CHECK(user_call(u_read, p, 0, &u) == 0 && u.faulted);                   /* gone */

    /* WRITE: ring 3 writes the global object. */
    CHECK_EQ(DevHelp_VMGlobalToProcess(VMDHGP_WRITE, glob, 2 * PAGE_SIZE, &p), NO_ERROR);
    CHECK(user_call(u_write, p + PAGE_SIZE + 8, 0xFEED, &u) == 0 && !u.faulted);
    CHECK_EQ(*(volatile uint32_t *)(glob + PAGE_SIZE + 8), 0xFEED);
    CHECK_EQ(DevHelp_VMFree(p), NO_ERROR);

    /* 4MEG: 4 MiB-aligned, the whole 4 MiB reserved. */
    CHECK_EQ(DevHelp_VMGlobalToProcess(VMDHGP_4MEG | VMDHGP_WRITE, glob, PAGE_SIZE, &p), NO_ERROR);
    CHECK_EQ(p & (LARGE_PAGE_SIZE - 1), 0);
    CHECK(user_call(u_read, p + 0x104, 0, &u) == 0 && !u.faulted && u.value == 0x6104);
    struct mm_page_info pi;
    mm_page_info(p + LARGE_PAGE_SIZE - PAGE_SIZE, &pi);
    CHECK_EQ(pi.state, PAGE_RESERVED);
    CHECK(pi.region && pi.region->base == p);
    CHECK_EQ(DevHelp_VMFree(p), NO_ERROR);

    /* SELMAP: tiled - 64 KiB-aligned below 512 MiB, selector:0 from FlatToSel. */
    CHECK_EQ(DevHelp_VMGlobalToProcess(VMDHGP_SELMAP, glob, 2 * PAGE_SIZE, &p), NO_ERROR);
    CHECK(p < TILED_LIMIT && !(p & 0xFFFF));
    CHECK_EQ(FlatToSel(p) & 0xFFFF, 0);
    CHECK_EQ(SelToFlat((SEL)(FlatToSel(p) >> 16), 0), p);
    CHECK_EQ(DevHelp_VMFree(p), NO_ERROR);
    return PASS;
}

TEST(devhlp_g2p, "devhlp/g2p-flags-4meg-write-readonly")
{
    LIN glob = alloc_pages(VMDHA_FIXED, 2);
    CHECK(glob);
    *(volatile uint32_t *)(glob + 0x104) = 0x6104;
    struct as *a = as_create();
    CHECK(a);
    as_switch(a);
    const char *r = g2p_checks(glob);
    r = leave(a, r);
    CHECK_EQ(DevHelp_VMFree(glob), NO_ERROR);
    return r;
}
