/*
 * tests/devhlp/seed.c - devhlp/process-buffer-at-interrupt-time-*: seed 001 end to end
 * ("interrupt-time access to the buffer of a process"), once with the driver in C and once with
 * the driver in NASM calling `call [Device_Help]` (tests/devhlp/seed.asm):
 *   process A fills a buffer from ring 3; the driver VMLocks it (PAGELIST checked against the
 *   page tables) and maps it with VMProcessToGlobal; the kernel switches to process B; the driver
 *   reads and writes A's buffer through the global address at task time and inside the PIT's
 *   IRQ0 handler while B is current; back in A, ring 3 sees the driver's writes; VMFree removes
 *   the alias (the global address faults), VMUnLock releases the lock (locked count back), and
 *   once A and B are gone the free-frame count is what it was.
 */
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "drivers/console.h"
#include "mm/devhlp/devhlp.h"
#include "mm/x86.h"

#define SEED_PAGES 3
#define SEED_BUF   0x00600000u            /* A's buffer (private arena) */

/* tests/devhlp/seed.asm */
uint32_t seed_asm_lock_map(LIN buf, ULONG len, void *handle, PAGELIST *list, LIN *global, ULONG *count);
uint32_t seed_asm_touch(LIN global, ULONG npages, ULONG stamp);
void seed_asm_timer(struct trapframe *tf);
uint32_t seed_asm_free_unlock(LIN global, void *handle);
extern volatile uint32_t seed_irq_global, seed_irq_npages, seed_irq_sum, seed_irq_cr3, seed_irq_runs, seed_irq_stamp;

/* ---- the driver, in C -------------------------------------------------------------------- */

static uint32_t c_lock_map(LIN buf, ULONG len, void *handle, PAGELIST *list, LIN *global, ULONG *count)
{
    USHORT rc = DevHelp_VMLock(VMDHL_WRITE | VMDHL_LONG, buf, len, (LIN)list, (LIN)handle, count);
    if (rc) return rc;
    rc = DevHelp_VMProcessToGlobal(VMDHPG_WRITE, buf, len, global);
    if (rc) DevHelp_VMUnLock((LIN)handle);
    return rc;
}

static uint32_t c_touch(LIN global, ULONG npages, ULONG stamp)
{
    uint32_t x = 0;
    for (uint32_t i = 0; i < npages; i++) {
        volatile uint32_t *p = (volatile uint32_t *)(global + i * PAGE_SIZE);
        x ^= p[0];
        p[1] = stamp + i;
    }
    return x;
}

static void c_timer(struct trapframe *tf)
{
    (void)tf;
    seed_irq_cr3 = x86_read_cr3();
    if (seed_irq_global) {
        uint32_t x = 0;
        for (uint32_t i = 0; i < seed_irq_npages; i++) {
            volatile uint32_t *p = (volatile uint32_t *)(seed_irq_global + i * PAGE_SIZE);
            x ^= p[0];
            p[2] = seed_irq_stamp + i;
        }
        seed_irq_sum = x;
    }
    seed_irq_runs++;
    pic_eoi(0);
}

static uint32_t c_free_unlock(LIN global, void *handle)
{
    USHORT rc = DevHelp_VMFree(global);
    return rc ? rc : DevHelp_VMUnLock((LIN)handle);
}

struct seed_driver {
    uint32_t (*lock_map)(LIN, ULONG, void *, PAGELIST *, LIN *, ULONG *);
    uint32_t (*touch)(LIN, ULONG, ULONG);
    trap_handler_t timer;
    uint32_t (*free_unlock)(LIN, void *);
};

/* ---- the kernel around it ----------------------------------------------------------------- */

/* Runs the timer for a moment with interrupts on; true once the handler has run. */
static bool run_timer_once(trap_handler_t h)
{
    seed_irq_runs = 0;
    trap_register(IRQ_BASE + 0, h);
    pit_init(1000);
    pic_unmask(0);
    for (int i = 0; i < 1000 && !seed_irq_runs; i++)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    pic_mask(0);
    trap_register(IRQ_BASE + 0, NULL);
    return seed_irq_runs > 0;
}

static uint32_t expected_xor(void)
{
    uint32_t x = 0;
    for (uint32_t i = 0; i < SEED_PAGES; i++) x ^= 0xA5000000u + i;
    return x;
}

/* Process A: a committed user buffer written from ring 3 (so the pages appear on demand). */
static const char *make_process_a(struct as *a)
{
    as_switch(a);
    struct region *r = mm_reserve(ARENA_PRIVATE, SEED_BUF, SEED_PAGES, 1, OWNER_TEST, NULL);
    CHECK(r);
    CHECK_EQ(mm_commit(SEED_BUF, SEED_PAGES, MM_PROT_USER | MM_PROT_WRITE, 0, NULL, NULL), MM_OK);
    struct user_result u;
    for (uint32_t i = 0; i < SEED_PAGES; i++) {
        CHECK(user_call(u_write, SEED_BUF + i * PAGE_SIZE, 0xA5000000u + i, &u) == 0 && !u.faulted);
    }
    return PASS;
}

/* The PAGELIST agrees with A's page tables and covers the buffer exactly. */
static const char *check_pagelist(const PAGELIST *pl, ULONG count)
{
    uint32_t sum = 0, page = 0;
    CHECK(count >= 1 && count <= SEED_PAGES);
    for (ULONG k = 0; k < count; k++) {
        CHECK_EQ(pl[k].Size & PAGE_MASK, 0);
        for (uint32_t off = 0; off < pl[k].Size; off += PAGE_SIZE, page++) {
            struct mm_page_info pi;
            mm_page_info(SEED_BUF + page * PAGE_SIZE, &pi);
            CHECK(pi.present);
            CHECK_EQ(pi.pfn << PAGE_SHIFT, pl[k].PhysAddr + off);
            CHECK(pi.locks >= 1);
        }
        if (k) CHECK(pl[k].PhysAddr != pl[k - 1].PhysAddr + pl[k - 1].Size);   /* merged if adjacent */
        sum += pl[k].Size;
    }
    CHECK_EQ(sum, SEED_PAGES * PAGE_SIZE);
    return PASS;
}

static const char *seed_scenario(const struct seed_driver *drv, struct as *a, struct as *b)
{
    uint32_t locked0 = mm_locked_frames();
    TRY(make_process_a(a));
    KernVMLock_t handle;
    PAGELIST pl[SEED_PAGES];
    LIN g = 0;
    ULONG count = 0;
    CHECK_EQ(drv->lock_map(SEED_BUF, SEED_PAGES * PAGE_SIZE, &handle, pl, &g, &count), 0);
    TRY(check_pagelist(pl, count));
    CHECK(g >= SYSTEM_START && g < SYSTEM_END && !(g & PAGE_MASK));

    as_switch(b);                                            /* another process is current */
    uint32_t x;
    CHECK(!probe_read(SEED_BUF, &x));                        /* A's buffer is not B's */
    CHECK_EQ(drv->touch(g, SEED_PAGES, 0xB1000000u), expected_xor());   /* task time */

    seed_irq_global = g;
    seed_irq_npages = SEED_PAGES;
    seed_irq_stamp = 0xC1000000u;
    seed_irq_sum = 0;
    bool ran = run_timer_once(drv->timer);                   /* interrupt time, B current */
    seed_irq_global = 0;
    CHECK(ran);
    CHECK_EQ(seed_irq_cr3, b->pd << PAGE_SHIFT);
    CHECK_EQ(seed_irq_sum, expected_xor());

    as_switch(a);                                            /* A's ring 3 sees the driver's writes */
    struct user_result u;
    for (uint32_t i = 0; i < SEED_PAGES; i++) {
        CHECK(user_call(u_read, SEED_BUF + i * PAGE_SIZE + 4, 0, &u) == 0 && !u.faulted);
        CHECK_EQ(u.value, 0xB1000000u + i);
        CHECK(user_call(u_read, SEED_BUF + i * PAGE_SIZE + 8, 0, &u) == 0 && !u.faulted);
        CHECK_EQ(u.value, 0xC1000000u + i);
    }
    as_switch(b);
    CHECK(mm_locked_frames() >= locked0 + SEED_PAGES);
    CHECK_EQ(drv->free_unlock(g, &handle), 0);               /* VMFree, VMUnLock (from B) */
    CHECK(!probe_read(g, &x));                               /* the alias is gone */
    CHECK(!probe_read(g + (SEED_PAGES - 1) * PAGE_SIZE, &x));
    CHECK_EQ(probe_last.vector, T_PF);
    CHECK_EQ(mm_locked_frames(), locked0);
    CHECK_EQ(DevHelp_VMUnLock((LIN)&handle), ERROR_NOT_LOCKED);
    return PASS;
}

static const char *seed_run(const struct seed_driver *drv)
{
    struct mm_counts before;
    mm_counts_take(&before);
    struct as *prev = as_current(), *a = as_create(), *b = as_create();
    CHECK(a && b);
    const char *r = seed_scenario(drv, a, b);
    as_switch(prev);
    CHECK_EQ(as_destroy(a), MM_OK);
    CHECK_EQ(as_destroy(b), MM_OK);
    if (r) return r;
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

TEST(devhlp_seed_c, "devhlp/process-buffer-at-interrupt-time-driver-in-c")
{
    static const struct seed_driver drv = { c_lock_map, c_touch, c_timer, c_free_unlock };
    return seed_run(&drv);
}

TEST(devhlp_seed_asm, "devhlp/process-buffer-at-interrupt-time-driver-in-asm")
{
    static const struct seed_driver drv = { seed_asm_lock_map, seed_asm_touch, seed_asm_timer, seed_asm_free_unlock };
    return seed_run(&drv);
}
