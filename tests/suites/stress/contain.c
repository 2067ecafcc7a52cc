/*
 * tests/suites/stress/contain.c - stress/contain-*: fault containment.  A ring-3 run that reads kernel
 * memory, writes read-only memory, executes garbage, touches NULL or overflows its stack is
 * terminated with a report (tests/harness/user.c prints vector, error code, EIP and CR2), the kernel
 * carries on, and the next ring-3 run in the same process works.  Each test asserts the
 * exception the CPU raised, CR2 for page faults, the fault counter, that the fault cost no
 * frame, and that the memory the run tried to change is unchanged.
 * (A kernel stack overflow reaching #DF on its own TSS is boot/runner-detects-stack-overflow.)
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/devhlp/devhlp.h"

#define T_DE 0
#define T_UD 6

/* A fresh process with one user page of code/data (RW: the CPU has no NX without PAE). */
struct box { struct as *as, *prev; LIN page; };

static const char *box_open(struct box *b)
{
    b->prev = as_current();
    b->as = as_create();
    CHECK(b->as);
    as_switch(b->as);
    CHECK_EQ(DevHelp_VMAlloc(VMDHA_PROCESS | VMDHA_FIXED, PAGE_SIZE, VMDHA_NOPHYSADDR, &b->page, NULL), NO_ERROR);
    struct user_result u;
    CHECK_EQ(user_call(u_ret, 1, 2, &u), 0);                  /* maps the ring-3 image and stack */
    CHECK(!u.faulted && u.value == 3);
    return PASS;
}

static void box_close(struct box *b)
{
    as_switch(b->prev);
    if (b->as) as_destroy(b->as);
}

/* The run after a fault: same process, works, and the fault cost nothing (no frame, no pool). */
static const char *carries_on(const struct mm_counts *before)
{
    struct user_result u;
    CHECK_EQ(user_call(u_ret, 40, 2, &u), 0);
    CHECK_MSG(!u.faulted && u.value == 42, "the ring-3 run after a fault did not work");
    CHECK_NOTHING_MOVED(before);
    return PASS;
}

static const char *expect_fault(uint32_t (*fn)(uint32_t, uint32_t), uint32_t a1, uint32_t a2, uint32_t vector,
                                uint32_t err_mask, uint32_t err, bool check_cr2, uint32_t cr2)
{
    struct user_result u;
    uint32_t survived = user_faults_survived();
    struct mm_counts before;
    mm_counts_take(&before);
    CHECK_EQ(user_call(fn, a1, a2, &u), 0);
    CHECK_MSG(u.faulted, "ring 3 (%08x, %08x) did not fault", a1, a2);
    CHECK_MSG(u.vector == vector && (u.err & err_mask) == err, "vector %u error %x, expected vector %u error %x/%x",
              u.vector, u.err, vector, err, err_mask);
    CHECK_MSG(!check_cr2 || u.cr2 == cr2, "cr2 %08x, expected %08x", u.cr2, cr2);
    CHECK_EQ(user_faults_survived(), survived + 1);
    return carries_on(&before);
}

TEST(contain_read_kernel, "stress/contain-read-kernel")
{
    struct box b;
    TRY(box_open(&b));
    extern char _kernel_start[], _data_start[];
    const char *fail = expect_fault(u_read, (uint32_t)_kernel_start, 0, T_PF, 7, 5, true, (uint32_t)_kernel_start);
    if (!fail) fail = expect_fault(u_read, (uint32_t)_data_start, 0, T_PF, 7, 5, true, (uint32_t)_data_start);
    if (!fail) fail = expect_fault(u_read, PFNDB_BASE, 0, T_PF, 7, 5, true, PFNDB_BASE);
    if (!fail) fail = expect_fault(u_read, PDE_BASE, 0, T_PF, 7, 5, true, PDE_BASE);
    box_close(&b);
    return fail;
}

TEST(contain_write_readonly, "stress/contain-write-readonly")
{
    struct box b;
    TRY(box_open(&b));
    uint32_t code = uread((vaddr_t)u_ret);                 /* the ring-3 image: user pages */
    LIN ro = 0, view = 0;
    /* A read-only ring-3 view of the process's own writable page (global alias, mapped back). */
    const char *fail = DevHelp_VMProcessToGlobal(0, b.page, PAGE_SIZE, &ro) ? "VMProcessToGlobal" : PASS;
    if (!fail && DevHelp_VMGlobalToProcess(0, ro, PAGE_SIZE, &view)) fail = "VMGlobalToProcess";
    if (!fail) fail = expect_fault(u_write, view + 8, 1, T_PF, 7, 7, true, view + 8);
    if (!fail && uread(b.page + 8) != 0) fail = "the page changed through a read-only view";
    /* The ring-3 code itself is read-only. */
    if (!fail) fail = expect_fault(u_write, (uint32_t)u_ret, 0xCCCCCCCCu, T_PF, 7, 7, true, (uint32_t)u_ret);
    if (!fail && uread((vaddr_t)u_ret) != code) fail = "the ring-3 code changed";
    if (view && DevHelp_VMFree(view) && !fail) fail = "VMFree(view)";
    if (ro && DevHelp_VMFree(ro) && !fail) fail = "VMFree(alias)";
    box_close(&b);
    return fail;
}

TEST(contain_null, "stress/contain-null")
{
    struct box b;
    TRY(box_open(&b));
    const char *fail = expect_fault(u_read, 0, 0, T_PF, 7, 4, true, 0);
    if (!fail) fail = expect_fault(u_write, 0, 1, T_PF, 7, 6, true, 0);
    if (!fail) fail = expect_fault(u_exec, 0, 0, T_PF, 7, 4, true, 0);
    if (!fail) fail = expect_fault(u_read, 0xFFC, 0, T_PF, 7, 4, true, 0xFFC);
    if (!fail) fail = expect_fault(u_read, BAD_POINTER, 0, T_PF, 7, 4, true, BAD_POINTER);
    if (!fail) fail = expect_fault(u_read, 0xFFFFFFFCu, 0, T_PF, 7, 4, true, 0xFFFFFFFCu);
    box_close(&b);
    return fail;
}

/* Bytes placed in the process's page and called from ring 3. */
struct garbage { const char *what; uint8_t code[12]; uint8_t len; uint32_t vector, err_mask, err; };

static const struct garbage garbage[] = {
    { "0xFF bytes (FF /7)", { 0xFF, 0xFF, 0xFF, 0xFF }, 4, T_UD, 0, 0 },
    { "ud2", { 0x0F, 0x0B }, 2, T_UD, 0, 0 },
    { "int3 (the #BP gate is DPL 0)", { 0xCC }, 1, T_GP, 0xFFFF, 3 * 8 + 2 },
    { "int 0x20 (VMMCall, DPL 0)", { 0xCD, 0x20 }, 2, T_GP, 0xFFFF, 0x20 * 8 + 2 },
    { "int 0x30 (an IRQ vector)", { 0xCD, 0x30 }, 2, T_GP, 0xFFFF, 0x30 * 8 + 2 },
    { "hlt", { 0xF4 }, 1, T_GP, 0xFFFF, 0 },
    { "mov cr3, eax", { 0x0F, 0x22, 0xD8 }, 3, T_GP, 0xFFFF, 0 },
    { "in al, 0x60", { 0xE4, 0x60 }, 2, T_GP, 0xFFFF, 0 },
    { "lidt [eax]", { 0x0F, 0x01, 0x18 }, 3, T_GP, 0xFFFF, 0 },
    { "jmp far 0x08:0 (kernel code)", { 0xEA, 0, 0, 0, 0, 0x08, 0x00 }, 7, T_GP, 0xFFFC, 0x08 },
    { "xor eax,eax; div eax", { 0x31, 0xC0, 0xF7, 0xF0 }, 4, T_DE, 0, 0 },
};

static const char *run_garbage(struct box *b, const struct garbage *g)
{
    umemset(b->page, 0x90, PAGE_SIZE);                       /* nops after the bytes: never reached */
    umemcpy((void *)b->page, g->code, g->len);
    const char *r = expect_fault(u_exec, b->page, 0, g->vector, g->err_mask, g->err, false, 0);
    if (!r) return PASS;
    char why[160];
    strncpy_z(why, r, sizeof why);                           /* r lives in the harness's buffer */
    return test_fail(__FILE__, __LINE__, "%s: %s", g->what, why);
}

TEST(contain_exec_garbage, "stress/contain-exec-garbage")
{
    struct box b;
    TRY(box_open(&b));
    const char *fail = PASS;
    for (unsigned i = 0; i < ARRAY_SIZE(garbage) && !fail; i++) fail = run_garbage(&b, &garbage[i]);
    /* A jump into the kernel image: a user-mode fetch of a supervisor page. */
    extern char _kernel_start[];
    static const uint8_t jmp_kernel[] = { 0xB8, 0, 0, 0, 0, 0xFF, 0xE0 };   /* mov eax, imm32; jmp eax */
    if (!fail) {
        umemcpy((void *)b.page, jmp_kernel, sizeof jmp_kernel);
        uint32_t target = (uint32_t)_kernel_start;
        umemcpy((void *)(b.page + 1), &target, sizeof target);
        fail = expect_fault(u_exec, b.page, 0, T_PF, 5, 5, true, (uint32_t)_kernel_start);
    }
    box_close(&b);
    return fail;
}

/* push eax; jmp back: ring 3 runs down its 16 KiB stack into the unmapped page below it. */
TEST(contain_user_stack, "stress/contain-user-stack-overflow")
{
    struct box b;
    TRY(box_open(&b));
    static const uint8_t push_loop[] = { 0x50, 0xEB, 0xFD };
    umemcpy((void *)b.page, push_loop, sizeof push_loop);
    struct user_result u;
    const char *fail = user_call(u_ret, 0, 0, &u) ? "user_call" : PASS;      /* maps the stack */
    struct region *stack = user_stack_region(b.as);
    vaddr_t bottom = stack ? stack->base : 0;
    if (!fail && !bottom) fail = "no user stack";
    if (!fail) fail = expect_fault(u_exec, b.page, 0, T_PF, 7, 6, true, bottom - 4);
    box_close(&b);
    return fail;
}

/* Many faults in a row, several processes, all kinds: nothing accumulates. */
TEST(contain_many, "stress/contain-many-faults")
{
    uint32_t survived = user_faults_survived();
    struct mm_counts before;
    mm_counts_take(&before);
    for (int round = 0; round < 3; round++) {
        struct box b;
        TRY(box_open(&b));
        const char *fail = PASS;
        for (int i = 0; i < 40 && !fail; i++) {
            struct user_result u;
            uint32_t va = i % 4 == 0 ? 0 : i % 4 == 1 ? 0x80100000u : i % 4 == 2 ? PTE_BASE : INVALID_START;
            if (user_call(i % 3 ? u_read : u_write, va, 0, &u) || !u.faulted) fail = "a bad access did not fault";
            else if (user_call(u_cli, 0, 0, &u) || u.vector != T_GP) fail = "cli did not #GP";
        }
        box_close(&b);
        CHECK_MSG(!fail, "%s", fail);
    }
    CHECK_EQ(user_faults_survived(), survived + 3 * 80);
    CHECK_NOTHING_MOVED(&before);
    kprintf("stress: %u ring-3 faults survived since boot\n", user_faults_survived());
    return PASS;
}
