/*
 * tests/ntmm/mdl_user.c - ntmm/mdl-...: MmProbeAndLockPages(UserMode) on a process's buffer - locked,
 * mapped into system space, written while another address space is current, unlocked, and read
 * back by the process in ring 3 - the access violations that must leave nothing locked, and
 * locked pages whose process is destroyed.  Then MmMapLockedPagesSpecifyCache(UserMode): a kernel
 * buffer read and written from ring 3 through the user mapping, read-only for an MDL locked for
 * read, gone (a ring-3 page fault) after MmUnmapLockedPages or with its process, and every
 * refusal raised with nothing changed.
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/ntmm/ntmm.h"
#include "tests/ntmm/ntmm_test.h"

/* The user round trip, run inside process a. */
static const char *user_round_trip(vaddr_t buf, uint32_t *locked_delta)
{
    struct user_result u;
    CHECK(user_call(u_write, buf + 0x100, 0x11111111u, &u) == 0 && !u.faulted);   /* page 0 from ring 3 */
    uint32_t locked = mm_locked_frames(), demand = mm_demand_faults;
    PMDL m = IoAllocateMdl((PVOID)(buf + 0x100), 2 * PAGE_SIZE + 0x50, FALSE, FALSE, NULL);
    CHECK(m);
    NTSTATUS st = probe_and_lock(m, UserMode, IoWriteAccess);
    *locked_delta = mm_locked_frames() - locked;
    const char *fail = PASS;
    if (st != STATUS_SUCCESS) fail = "MmProbeAndLockPages(UserMode, IoWriteAccess) raised";
    else if (m->Process != as_current()) fail = "Process is not the current process";
    else if (mm_demand_faults != demand + 2) fail = "the probe did not fault the two demand-zero pages in";
    uint8_t *sys = fail ? NULL : MmGetSystemAddressForMdlSafe(m, NormalPagePriority);
    if (!fail && !sys) fail = "no system address";
    if (!fail) {
        struct as *mine = as_current();
        as_switch(as_kernel());                              /* the system view works from anywhere */
        *(volatile uint32_t *)sys = 0xCAFE0001u;
        *(volatile uint32_t *)(sys + PAGE_SIZE) = 0xCAFE0002u;
        *(volatile uint32_t *)(sys + 2 * PAGE_SIZE + 0x4C) = 0xCAFE0003u;
        as_switch(mine);
    }
    if (st == STATUS_SUCCESS) MmUnlockPages(m);
    IoFreeMdl(m);
    if (fail) return fail;
    CHECK(!MmIsAddressValid(sys));
    CHECK(user_call(u_read, buf + 0x100, 0, &u) == 0 && !u.faulted);
    CHECK_EQ(u.value, 0xCAFE0001u);
    CHECK(user_call(u_read, buf + 0x1100, 0, &u) == 0 && !u.faulted);
    CHECK_EQ(u.value, 0xCAFE0002u);
    CHECK(user_call(u_read, buf + 0x214C, 0, &u) == 0 && !u.faulted);
    CHECK_EQ(u.value, 0xCAFE0003u);
    return PASS;
}

TEST(ntmm_mdl_user_round_trip, "ntmm/mdl-user-round-trip")
{
    struct mm_counts before;
    mm_counts_take(&before);
    struct as *a = as_create(), *prev = as_current();
    CHECK(a);
    as_switch(a);
    const vaddr_t buf = 0x00800000u;
    const char *fail = PASS;
    uint32_t delta = 0;
    if (!mm_reserve(ARENA_PRIVATE, buf, 3, 1, OWNER_TEST, NULL) ||
        mm_commit(buf, 3, MM_PROT_WRITE | MM_PROT_USER, 0, NULL, NULL) != MM_OK)
        fail = "could not make the user buffer";
    if (!fail) fail = user_round_trip(buf, &delta);
    as_switch(prev);
    CHECK_EQ(as_destroy(a), MM_OK);
    if (fail) return fail;
    CHECK_EQ(delta, 3);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* C.4 test 9: a UserMode range that ends above 0x7FFF0000, and a write probe of a read-only
 * user page: access violations that leave nothing locked. */
static const char *user_failures(vaddr_t ro)
{
    struct mm_counts before;
    mm_counts_take(&before);
    PMDL m = IoAllocateMdl((PVOID)0x7FFEF800u, 0x1000, FALSE, FALSE, NULL);
    CHECK(m);
    NTSTATUS st = probe_and_lock(m, UserMode, IoReadAccess);
    bool head = MmGetMdlPfnArray(m)[0] == LIST_HEAD_PFN, unlocked = !(m->MdlFlags & MDL_PAGES_LOCKED);
    IoFreeMdl(m);
    CHECK_EQ(st, STATUS_ACCESS_VIOLATION);
    CHECK(head && unlocked);
    /* Two pages: the first writable, the second read-only. */
    PMDL w = IoAllocateMdl((PVOID)(ro - PAGE_SIZE + 0x10), 2 * PAGE_SIZE - 0x20, FALSE, FALSE, NULL);
    CHECK(w);
    st = probe_and_lock(w, UserMode, IoWriteAccess);
    CSHORT flags = w->MdlFlags;
    PEPROCESS proc = w->Process;
    bool heads = MmGetMdlPfnArray(w)[0] == LIST_HEAD_PFN && MmGetMdlPfnArray(w)[1] == LIST_HEAD_PFN;
    uint32_t after = mm_locked_frames();
    NTSTATUS rd = MmProbeAndLockPagesEx(w, UserMode, IoReadAccess);   /* reading it is fine */
    CSHORT rflags = w->MdlFlags;
    if (rd == STATUS_SUCCESS) MmUnlockPages(w);
    IoFreeMdl(w);
    CHECK_EQ(st, STATUS_ACCESS_VIOLATION);
    CHECK_EQ(flags & (MDL_PAGES_LOCKED | MDL_WRITE_OPERATION), 0);
    CHECK(proc == NULL && heads);
    CHECK_EQ(after, before.locked_frames);                 /* the MDL was still there: locks only */
    CHECK_EQ(rd, STATUS_SUCCESS);
    CHECK_EQ(rflags & (MDL_PAGES_LOCKED | MDL_WRITE_OPERATION), MDL_PAGES_LOCKED);
    CHECK_NOTHING_MOVED(&before);
    /* A supervisor page in the private arena is not the user's to lock. */
    PMDL s = IoAllocateMdl((PVOID)(ro + PAGE_SIZE), 8, FALSE, FALSE, NULL);
    CHECK(s);
    NTSTATUS su = probe_and_lock(s, UserMode, IoReadAccess), sk = MmProbeAndLockPagesEx(s, KernelMode, IoReadAccess);
    if (sk == STATUS_SUCCESS) MmUnlockPages(s);
    IoFreeMdl(s);
    CHECK_EQ(su, STATUS_ACCESS_VIOLATION);
    CHECK_EQ(sk, STATUS_SUCCESS);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

TEST(ntmm_mdl_user_failures, "ntmm/mdl-probe-user-failures")
{
    struct mm_counts before;
    mm_counts_take(&before);
    struct as *a = as_create(), *prev = as_current();
    CHECK(a);
    as_switch(a);
    const vaddr_t base = 0x00900000u;
    const char *fail = PASS;
    if (!mm_reserve(ARENA_PRIVATE, base, 3, 1, OWNER_TEST, NULL) ||
        mm_commit(base, 1, MM_PROT_WRITE | MM_PROT_USER, MM_COMMIT_PRESENT, NULL, NULL) != MM_OK ||
        mm_commit(base + PAGE_SIZE, 1, MM_PROT_USER, MM_COMMIT_PRESENT, NULL, NULL) != MM_OK ||
        mm_commit(base + 2 * PAGE_SIZE, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL) != MM_OK)
        fail = "could not make the user pages";
    if (!fail) fail = user_failures(base + PAGE_SIZE);
    as_switch(prev);
    CHECK_EQ(as_destroy(a), MM_OK);
    if (fail) return fail;
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* Locked pages whose process goes away: the process goes (its pages with it), the MDL's lock
 * keeps the frame - unmapped, with its contents - and a system mapping made from the MDL still
 * reads them; MmUnlockPages then unmaps it and the frame goes back to the free list. */
TEST(ntmm_mdl_process_destroyed, "ntmm/mdl-locked-process-destroyed")
{
    struct mm_counts before;
    mm_counts_take(&before);
    struct as *a = as_create(), *prev = as_current();
    CHECK(a);
    as_switch(a);
    const vaddr_t buf = 0x00A00000u;
    bool ok = mm_reserve(ARENA_PRIVATE, buf, 1, 1, OWNER_TEST, NULL) &&
              mm_commit(buf, 1, MM_PROT_WRITE | MM_PROT_USER, MM_COMMIT_PRESENT, NULL, NULL) == MM_OK;
    if (ok) uwrite(buf, 0x0B5E55ED);                         /* a user page */
    PMDL m = IoAllocateMdl((PVOID)buf, 4, FALSE, FALSE, NULL);
    NTSTATUS st = m && ok ? MmProbeAndLockPagesEx(m, UserMode, IoReadAccess) : STATUS_UNSUCCESSFUL;
    as_switch(prev);
    pfn_t f = st == STATUS_SUCCESS ? MmGetMdlPfnArray(m)[0] : PFN_NONE;
    mm_status gone = as_destroy(a);                          /* the frame is locked: it stays */
    uint32_t state = f != PFN_NONE ? pfn_db[f].state : 0, maps = f != PFN_NONE ? pfn_db[f].map_count : 9;
    uint32_t *sys = st == STATUS_SUCCESS ? MmGetSystemAddressForMdlSafe(m, NormalPagePriority) : NULL;
    uint32_t value = sys ? *(volatile uint32_t *)sys : 0;
    if (st == STATUS_SUCCESS) MmUnlockPages(m);              /* unlocks, unmaps: the frame is freed */
    uint32_t after = f != PFN_NONE ? pfn_db[f].state : 0;
    if (m) IoFreeMdl(m);
    if (gone != MM_OK) as_destroy(a);
    CHECK(ok);
    CHECK_EQ(st, STATUS_SUCCESS);
    CHECK_EQ(gone, MM_OK);
    CHECK_EQ(state, PFN_USED);
    CHECK_EQ(maps, 0);
    CHECK(sys);
    CHECK_EQ(value, 0x0B5E55ED);
    CHECK_EQ(after, PFN_FREE);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}


/* ---- MmMapLockedPagesSpecifyCache(UserMode) ---------------------------------------------------- */

#define USER_BASE 0x00600000u          /* a BaseAddress the tests ask for (free in a new process) */

/* A user-mode mapping at u of the MDL over k->base + 0x10 (two pages, locked for write): ring 3
 * reads what the kernel wrote and writes what the kernel then reads; the PTEs are user and
 * writable; the MDL is unchanged. */
static const char *ring3_reads_and_writes(vaddr_t u, vaddr_t kva, PMDL w)
{
    struct user_result r;
    CHECK(u && u <= HIGHEST_USER_ADDRESS);
    CHECK_EQ(BYTE_OFFSET(u), 0x10);
    uint32_t pte = 0;
    CHECK(mm_read_pte(u, &pte));
    CHECK_EQ(pte & (PTE_P | PTE_W | PTE_U), PTE_P | PTE_W | PTE_U);
    CHECK_EQ(pte & PTE_FRAME, MmGetPhysicalAddress((PVOID)kva).LowPart & PTE_FRAME);
    CHECK(user_call(u_read, u, 0, &r) == 0 && !r.faulted);
    CHECK_EQ(r.value, 0x600D0001u);
    CHECK(user_call(u_read, u + PAGE_SIZE + 0x10, 0, &r) == 0 && !r.faulted);   /* page 2 of the MDL */
    CHECK_EQ(r.value, 0x600D0002u);
    CHECK(user_call(u_write, u + 4, 0xBEEF0003u, &r) == 0 && !r.faulted);
    CHECK_EQ(*(volatile uint32_t *)(kva + 4), 0xBEEF0003u);
    CHECK_EQ(w->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_PAGES_LOCKED | MDL_WRITE_OPERATION),
             MDL_PAGES_LOCKED | MDL_WRITE_OPERATION);
    CHECK(w->MappedSystemVa == NULL);
    return PASS;
}

/* After the unmap: ring 3 takes a not-present page fault at the address, nothing is mapped. */
static const char *user_address_faults(vaddr_t u)
{
    struct user_result r;
    CHECK(user_call(u_read, u, 0, &r) == 0);
    CHECK_MSG(r.faulted, "ring 3 read %08x through an unmapped user mapping", r.value);
    CHECK_EQ(r.vector, 14);
    CHECK_EQ(r.cr2, u);
    CHECK_EQ(r.err & 1, 0);                                  /* not present */
    CHECK(!MmIsAddressValid((PVOID)u));
    return PASS;
}

/* In process a (current), with the kernel buffer k: the user-mode mapping's whole life. */
static const char *user_mapping_life(struct region *k, PMDL w, PMDL ro)
{
    struct user_result r;
    CHECK(user_call(u_ret, 1, 2, &r) == 0 && r.value == 3);  /* the ring-3 image and stack: made now, not counted below */
    struct before b;
    before_take(&b);
    NTSTATUS st;
    vaddr_t u = (vaddr_t)map_user(w, MmCached, NULL, &st);
    CHECK_EQ(st, STATUS_SUCCESS);
    TRY(ring3_reads_and_writes(u, k->base + 0x10, w));
    /* Unmaps that are not this mapping's: another MDL, another address, another process. */
    MmUnmapLockedPages((PVOID)u, ro);
    MmUnmapLockedPages((PVOID)(u + 4), w);
    MmUnmapLockedPages((PVOID)(u - 0x10), w);
    struct as *mine = as_current();
    as_switch(as_kernel());
    MmUnmapLockedPages((PVOID)u, w);
    as_switch(mine);
    CHECK(user_call(u_read, u, 0, &r) == 0 && !r.faulted);
    CHECK_EQ(r.value, 0x600D0001u);
    /* A second mapping of the same MDL, at a BaseAddress; then that address again: taken. */
    vaddr_t u2 = (vaddr_t)map_user(w, MmCached, (PVOID)USER_BASE, &st);
    CHECK_EQ(st, STATUS_SUCCESS);
    CHECK_EQ(u2, USER_BASE + 0x10);
    CHECK(user_call(u_read, u2 + 4, 0, &r) == 0 && !r.faulted);
    CHECK_EQ(r.value, 0xBEEF0003u);
    struct before b2;
    before_take(&b2);
    CHECK(map_user(w, MmCached, (PVOID)USER_BASE, &st) == NULL);
    CHECK_EQ(st, STATUS_CONFLICTING_ADDRESSES);
    UNCHANGED(&b2, "a user mapping at a BaseAddress already taken");
    MmUnmapLockedPages((PVOID)u2, w);
    TRY(user_address_faults(u2));
    CHECK(user_call(u_read, u, 0, &r) == 0 && !r.faulted);   /* the first one is still there */
    MmUnmapLockedPages((PVOID)u, w);
    TRY(user_address_faults(u));
    UNCHANGED(&b, "a user mapping and its unmap");
    /* Locked for read: ring 3 reads, a ring-3 write takes a protection fault. */
    vaddr_t ur = (vaddr_t)map_user(ro, MmNonCached, NULL, &st);
    CHECK_EQ(st, STATUS_SUCCESS);
    uint32_t pte = 0;
    CHECK(mm_read_pte(ur, &pte));
    CHECK_EQ(pte & (PTE_P | PTE_W | PTE_U | PTE_PCD | PTE_PWT), PTE_P | PTE_U | PTE_PCD | PTE_PWT);
    CHECK(user_call(u_read, ur, 0, &r) == 0 && !r.faulted);
    CHECK_EQ(r.value, 0xBEEF0003u);                          /* k->base + 0x14: written through u */
    CHECK(user_call(u_write, ur, 1, &r) == 0);
    CHECK_MSG(r.faulted, "ring 3 wrote through a mapping of an MDL locked for read");
    CHECK_EQ(r.vector, 14);
    CHECK_EQ(r.err & 7, 7);                                  /* present, write, user */
    CHECK_EQ(*(volatile uint32_t *)(k->base + 0x14), 0xBEEF0003u);
    MmUnmapLockedPages((PVOID)ur, ro);
    TRY(user_address_faults(ur));
    UNCHANGED(&b, "the read-only user mapping and its unmap");
    return PASS;
}

TEST(ntmm_mdl_map_user, "ntmm/mdl-map-user-ring3")
{
    struct before start;
    before_take(&start);
    struct region *k = sys_block(3, MM_PROT_WRITE);
    CHECK(k);
    *(volatile uint32_t *)(k->base + 0x10) = 0x600D0001u;
    *(volatile uint32_t *)(k->base + PAGE_SIZE + 0x20) = 0x600D0002u;
    PMDL w = IoAllocateMdl((PVOID)(k->base + 0x10), PAGE_SIZE + 0x20, FALSE, FALSE, NULL);
    PMDL ro = IoAllocateMdl((PVOID)(k->base + 0x14), 4, FALSE, FALSE, NULL);
    struct as *a = as_create(), *prev = as_current();
    const char *fail = !w || !ro || !a ? "no MDL or no process" : NULL;
    if (!fail && (probe_and_lock(w, KernelMode, IoWriteAccess) != STATUS_SUCCESS ||
                  probe_and_lock(ro, KernelMode, IoReadAccess) != STATUS_SUCCESS))
        fail = "could not lock the MDLs";
    if (!fail) {
        as_switch(a);
        fail = user_mapping_life(k, w, ro);
        as_switch(prev);
    }
    if (a) CHECK_EQ(as_destroy(a), MM_OK);
    if (w) { MmUnlockPages(w); IoFreeMdl(w); }
    if (ro) { MmUnlockPages(ro); IoFreeMdl(ro); }
    CHECK_EQ(mm_release(k), MM_OK);
    if (fail) return fail;
    UNCHANGED(&start, "the whole test");
    return PASS;
}

/* A user mapping whose process goes away: the process's destruction removes it (the region is
 * the record), the MDL is then unlocked as usual, and nothing is left. */
TEST(ntmm_mdl_map_user_destroyed, "ntmm/mdl-map-user-process-destroyed")
{
    struct before start;
    before_take(&start);
    struct region *k = sys_block(1, MM_PROT_WRITE);
    CHECK(k);
    pfn_t f = MmGetPhysicalAddress((PVOID)k->base).LowPart >> PAGE_SHIFT;
    PMDL m = IoAllocateMdl((PVOID)k->base, PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(m);
    CHECK_EQ(MmProbeAndLockPagesEx(m, KernelMode, IoWriteAccess), STATUS_SUCCESS);
    struct as *a = as_create(), *prev = as_current();
    CHECK(a);
    as_switch(a);
    NTSTATUS st;
    PVOID u = map_user(m, MmCached, NULL, &st);
    uint16_t refs = pfn_db[f].map_count;
    as_switch(prev);
    mm_status gone = as_destroy(a);
    uint16_t refs_after = pfn_db[f].map_count;
    MmUnmapLockedPages(u, m);                                /* another process now: nothing */
    MmUnlockPages(m);
    IoFreeMdl(m);
    CHECK_EQ(mm_release(k), MM_OK);
    CHECK_EQ(st, STATUS_SUCCESS);
    CHECK(u);
    CHECK_EQ(refs, 2);
    CHECK_EQ(gone, MM_OK);
    CHECK_EQ(refs_after, 1);
    UNCHANGED(&start, "the whole test");
    return PASS;
}

/* Every refusal raises its status inside NT_TRY and changes nothing; without a try block the
 * raise is reported as bug check 0x1E and the call returns NULL. */
static const char *user_map_refusals(vaddr_t kbase, PMDL locked, PMDL unlocked)
{
    struct { MDL m; PFN_NUMBER pfn[2]; } forged;
    pfn_t f = held_locked_frame(), freef = highest_free_frame();
    CHECK(f != PFN_NONE && freef != PFN_NONE);
    MmInitializeMdl(&forged.m, (PVOID)kbase, 2 * PAGE_SIZE);
    forged.m.MdlFlags = MDL_PAGES_LOCKED | MDL_WRITE_OPERATION;
    forged.pfn[0] = f;
    forged.pfn[1] = freef;
    struct { MDL m; PFN_NUMBER pfn[1]; } small;
    MmInitializeMdl(&small.m, (PVOID)kbase, PAGE_SIZE);
    small.m.MdlFlags = MDL_PAGES_LOCKED;
    small.pfn[0] = MmGetMdlPfnArray(locked)[0];
    small.m.ByteCount = 3 * PAGE_SIZE;                       /* past its Size */
    const struct { PMDL m; MEMORY_CACHING_TYPE c; vaddr_t base; NTSTATUS want; const char *what; } cases[] = {
        { unlocked, MmCached, 0, STATUS_INVALID_PARAMETER, "an MDL never locked" },
        { locked, (MEMORY_CACHING_TYPE)6, 0, STATUS_INVALID_PARAMETER, "cache type 6" },
        { locked, MmNotMapped, 0, STATUS_INVALID_PARAMETER, "MmNotMapped" },
        { &forged.m, MmCached, 0, STATUS_INVALID_PARAMETER, "a locked frame, then a free frame the core refuses" },
        { &small.m, MmCached, 0, STATUS_INVALID_PARAMETER, "ByteCount past the MDL's Size" },
        { locked, MmCached, USER_BASE + 0x10, STATUS_INVALID_ADDRESS, "BaseAddress not page-aligned" },
        { locked, MmCached, kbase, STATUS_INVALID_ADDRESS, "BaseAddress in system space" },
        { locked, MmCached, USER_PROBE_ADDRESS, STATUS_INVALID_ADDRESS, "BaseAddress at MM_USER_PROBE_ADDRESS" },
        { locked, MmCached, 0x80000000u, STATUS_INVALID_ADDRESS, "BaseAddress in the shared arena" },
        { locked, MmCached, USER_BASE + PAGE_SIZE, STATUS_CONFLICTING_ADDRESSES, "BaseAddress in a reserved region" },
    };
    struct region *taken = mm_reserve(ARENA_PRIVATE, USER_BASE + PAGE_SIZE, 1, 1, OWNER_TEST, NULL);
    CHECK(taken);
    const char *fail = NULL;
    for (unsigned i = 0; i < ARRAY_SIZE(cases) && !fail; i++) {
        struct before b;
        before_take(&b);
        NTSTATUS st;
        PVOID v = map_user(cases[i].m, cases[i].c, (PVOID)cases[i].base, &st);
        fail = unchanged(&b, cases[i].what);
        if (!fail && (v || st != cases[i].want)) {
            kprintf("ntmm: user map case %u (%s): %p, status %x\n", i, cases[i].what, v, st);
            fail = cases[i].what;
        }
    }
    mm_release(taken);
    held_locked_free(f);
    return fail;
}

/* The private arena full: STATUS_NO_MEMORY; the pool full: STATUS_INSUFFICIENT_RESOURCES. */
static const char *user_map_exhausted(PMDL locked)
{
    struct before b;
    before_take(&b);
    struct region *all = mm_reserve(ARENA_PRIVATE, 0x00400000u, (PRIVATE_END - 0x00400000u) >> PAGE_SHIFT, 1, OWNER_TEST, NULL);
    CHECK(all);
    NTSTATUS st, st2;
    PVOID v = map_user(locked, MmCached, NULL, &st);
    mm_release(all);
    const char *same = unchanged(&b, "a user mapping with the private arena full");
    void *pool = pool_fill();
    PVOID v2 = map_user(locked, MmCached, NULL, &st2);
    pool_drain(pool);
    CHECK(v == NULL && v2 == NULL);
    CHECK_EQ(st, STATUS_NO_MEMORY);
    CHECK_EQ(st2, STATUS_INSUFFICIENT_RESOURCES);
    CHECK_MSG(!same, "%s", same);
    UNCHANGED(&b, "a user mapping with the pool full");
    return PASS;
}

/* No try block around a refused user-mode mapping: the raise is reported as bug check 0x1E
 * (KMODE_EXCEPTION_NOT_HANDLED, the status first), and the call returns NULL having changed
 * nothing. */
static const char *user_map_unhandled(PMDL unlocked)
{
    struct before b;
    before_take(&b);
    ULONG n = ntmm_last_bugcheck.count;
    PVOID v = MmMapLockedPages(unlocked, UserMode);
    struct ntmm_bugcheck bc = ntmm_last_bugcheck;
    CHECK(v == NULL);
    CHECK_EQ(bc.count, n + 1);
    CHECK_EQ(bc.code, KMODE_EXCEPTION_NOT_HANDLED);
    CHECK_EQ(bc.param[0], STATUS_INVALID_PARAMETER);
    UNCHANGED(&b, "a user mapping refused outside a try block");
    return PASS;
}

TEST(ntmm_mdl_map_user_refused, "ntmm/mdl-map-user-raises-and-changes-nothing")
{
    struct before start;
    before_take(&start);
    struct region *k = sys_block(2, MM_PROT_WRITE);
    CHECK(k);
    PMDL locked = IoAllocateMdl((PVOID)k->base, PAGE_SIZE, FALSE, FALSE, NULL);
    PMDL unlocked = IoAllocateMdl((PVOID)k->base, PAGE_SIZE, FALSE, FALSE, NULL);
    struct as *a = as_create(), *prev = as_current();
    const char *fail = !locked || !unlocked || !a ? "no MDL or no process" : NULL;
    if (!fail && MmProbeAndLockPagesEx(locked, KernelMode, IoWriteAccess) != STATUS_SUCCESS) fail = "could not lock";
    if (!fail) {
        as_switch(a);
        fail = user_map_refusals(k->base, locked, unlocked);
        if (!fail) fail = user_map_exhausted(locked);
        if (!fail) fail = user_map_unhandled(unlocked);
        as_switch(prev);
    }
    if (a) CHECK_EQ(as_destroy(a), MM_OK);
    if (locked) { MmUnlockPages(locked); IoFreeMdl(locked); }
    if (unlocked) IoFreeMdl(unlocked);
    CHECK_EQ(mm_release(k), MM_OK);
    if (fail) return fail;
    UNCHANGED(&start, "the whole test");
    return PASS;
}
