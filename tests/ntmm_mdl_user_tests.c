/*
 * ntmm_mdl_user_tests.c - ntmm/mdl-...: MmProbeAndLockPages(UserMode) on a process's buffer - locked,
 * mapped into system space, written while another address space is current, unlocked, and read
 * back by the process in ring 3 - the access violations that must leave nothing locked, and
 * locked pages whose process is destroyed.
 */
#include "kernel/test.h"
#include "kernel/trap.h"
#include "kernel/user.h"
#include "mm/mm.h"
#include "mm/pte.h"
#include "mm/ntmm.h"
#include "tests/ntmm_test.h"

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
    uint32_t ptes = syspte_free_count(), locked = mm_locked_frames(), frames = mm_free_frames();
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
    CHECK_EQ(mm_locked_frames(), locked);
    CHECK_EQ(syspte_free_count(), ptes);
    CHECK_EQ(mm_free_frames(), frames);
    return PASS;
}

/* C.4 test 9: a UserMode range that ends above 0x7FFF0000, and a write probe of a read-only
 * user page: access violations that leave nothing locked. */
static const char *user_failures(vaddr_t ro)
{
    uint32_t locked = mm_locked_frames();
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
    CHECK_EQ(after, locked);
    CHECK_EQ(rd, STATUS_SUCCESS);
    CHECK_EQ(rflags & (MDL_PAGES_LOCKED | MDL_WRITE_OPERATION), MDL_PAGES_LOCKED);
    CHECK_EQ(mm_locked_frames(), locked);
    /* A supervisor page in the private arena is not the user's to lock. */
    PMDL s = IoAllocateMdl((PVOID)(ro + PAGE_SIZE), 8, FALSE, FALSE, NULL);
    CHECK(s);
    NTSTATUS su = probe_and_lock(s, UserMode, IoReadAccess), sk = MmProbeAndLockPagesEx(s, KernelMode, IoReadAccess);
    if (sk == STATUS_SUCCESS) MmUnlockPages(s);
    IoFreeMdl(s);
    CHECK_EQ(su, STATUS_ACCESS_VIOLATION);
    CHECK_EQ(sk, STATUS_SUCCESS);
    CHECK_EQ(mm_locked_frames(), locked);
    return PASS;
}

TEST(ntmm_mdl_user_failures, "ntmm/mdl-probe-user-failures")
{
    uint32_t frames = mm_free_frames();
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
    CHECK_EQ(mm_free_frames(), frames);
    return PASS;
}

/* Locked pages whose process goes away: the process goes (its pages with it), the MDL's lock
 * keeps the frame - unmapped, with its contents - and a system mapping made from the MDL still
 * reads them; MmUnlockPages then unmaps it and the frame goes back to the free list. */
TEST(ntmm_mdl_process_destroyed, "ntmm/mdl-locked-process-destroyed")
{
    uint32_t frames = mm_free_frames(), locked = mm_locked_frames(), ptes = syspte_free_count();
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
    CHECK_EQ(mm_locked_frames(), locked);
    CHECK_EQ(syspte_free_count(), ptes);
    CHECK_EQ(mm_free_frames(), frames);
    return PASS;
}

