/*
 * stress.c - the randomized stress driver and its tests.
 *
 *   stress/random-seed-1, stress/random-seed-2   part of `make test`: a fixed seed, 3000 steps
 *                                                each under QEMU (800 in Bochs or on a PC without
 *                                                CPUID's hypervisor bit), on every configuration;
 *                                                about one step in 60 a cross-API sequence
 *   stress/cross-api-seed-1                      part of `make test`: the cross-API sequences
 *                                                (tests/suites/stress/cross.c) as every other step, 600
 *                                                steps under QEMU (150 in Bochs), every configuration
 *   stress/long (TEST_MANUAL)                    `make stress`: stress-seed=N stress-steps=N
 *
 * Command line (all optional): stress-seed=N (stress/long only; default 1), stress-steps=N
 * (every stress test), stress-check=N (mm_check() every N steps), stress-trace=N (print every
 * step from step N on), stress-cross=N (the weight of the cross-API sequences among the
 * operations, about 115 in all without them).  A step is one operation that ran - an operation
 * whose precondition the state cannot meet is drawn again and does not count; a cross-API
 * sequence is one step of 8-25 calls, each followed by the sweep (and mm_check() when it runs
 * every step).  After each step: the model sweep (tests/suites/stress/model.c) and, every `check`
 * steps, mm_check().
 *
 * mm_check() walks the whole PFN database, so its cost grows with RAM (about 0.1 ms at 32 MiB,
 * 8 ms at 3.5 GiB under QEMU TCG).  By default it runs after every step up to 64 MiB and every
 * ceil(frames / 16384) steps above (every 2 at 128 MiB, 8 at 512 MiB, 56 at 3.5 GiB), so the
 * short stress stays a few seconds on the 3.5 GiB configuration.  What it checks stays broken
 * once broken, so a failure is still caught, within that window, and the printed replay line
 * asks for stress-check=1 to find the exact step.  The model sweep runs after every step always.
 *
 * With a swap device the pager runs under the stress: sx_run turns it on if it is off (and off
 * again at the end).  stress-pressure=N puts it to work: all free frames but stress-room=M
 * (default 320) are held as ballast, then a pageable ballast of N pages more than the frames
 * left is written, and SX_BALLAST_TOUCH of its pages are written again before each step.  So
 * the pager sits at its watermark throughout and its clock, going round a few hundred pageable
 * pages, takes the generator's unlocked pageable pages along with the ballast's - out to swap
 * and back, onto other frames - while the model follows them (tests/suites/stress/model.c).
 * The pressure is pageable memory, not held frames, so that what the generator allocates
 * unpageable (page tables, fixed and locked memory) still finds the frames the pager keeps
 * free: the pager makes room only where a pageable page or a present commit needs it.  A test
 * given stress-pressure fails when the pager is off (no swap device) and when its run paged
 * nothing out or nothing in; the pager line of its summary gives the run's own counts.
 *
 * On a failure (or a panic) the seed, the step, what the step did and the replay command are
 * printed; the model is then torn down as far as it goes so the rest of the suite can run.
 */
#include "tests/suites/stress/stress.h"
#include "mm/x86.h"
#include "drivers/swapdev.h"
#include "tests/suites/hostile/hostile.h"   /* ballast_take */

#define SHORT_STEPS 3000u          /* under QEMU (CPUID's hypervisor bit) */
#define SHORT_STEPS_SLOW 800u      /* Bochs, a real PC: an emulator 20-50x slower, or no hurry */
#define CROSS_STEPS 600u           /* stress/cross-api-seed-*: a sequence is 10-20 calls, each swept */
#define CROSS_STEPS_SLOW 150u
#define LONG_STEPS  1000000u
#define CROSS_WEIGHT 2u            /* about one step in 60 is a cross-API sequence */
#define CROSS_WEIGHT_HEAVY 120u    /* stress/cross-api-seed-*: every other step */
#define SX_BALLAST_TOUCH 8u        /* stress-pressure: ballast pages written per step */

static uint32_t arg(const char *key, uint32_t dflt)
{
    return cmdline_number(key, dflt);          /* not a number: warned at boot, default used */
}

static void print_replay(void)
{
    kprintf("stress: seed %u, step %u: %s\n", sx.seed, sx.step, sx.desc);
    kprintf("stress: replay: test=stress/long stress-seed=%u stress-steps=%u stress-cross=%u stress-check=1 "
            "stress-trace=%u (same -m %uM and -cpu as this run)\n", sx.seed, sx.step, sx.cross_weight,
            sx.step > 20 ? sx.step - 20 : 1, (mm_total_frames() + 255) / 256);
}

static uint32_t weight(uint32_t i)
{
    return sx_ops[i].fn == sx_op_cross ? sx.cross_weight : sx_ops[i].weight;
}

static const char *run_step(void)
{
    uint32_t total = 0;
    for (uint32_t i = 0; i < sx_nops; i++) total += weight(i);
    for (int tries = 0; tries < 200; tries++) {
        uint32_t r = sx_below(total), i = 0;
        while (r >= weight(i)) r -= weight(i++);
        const char *res = sx_ops[i].fn();
        if (res == sx_skipped) continue;
        sx.st.valid++;
        return res;
    }
    return sx_fail("no operation could run in 200 draws");
}

const char *sx_check_now(void)
{
    static char why[160];
    sx.st.checks++;
    if (!mm_check(why, sizeof why)) return sx_fail("mm_check: %s", why);
    return NULL;
}

/* Everything the generator holds goes back: locks, views, objects, processes - in an order
 * that leaves orphans on the way (records first would not): the sweep runs after each part. */
static const char *teardown(void)
{
    for (uint32_t k = 0; k < SX_MAX_MAPS; k++) {
        struct sx_map *m = &sx.maps[k];
        if (!m->used || !SX_IS_OBJECT(m->kind)) continue;
        const char *r = sx_free_map(m);
        if (r) return r;
    }
    const char *r = sx_verify_all();
    for (uint32_t k = 0; !r && k < SX_MAX_LOCKS; k++)
        if (sx.locks[k].used) r = sx_release_lock(&sx.locks[k]);
    if (!r) r = sx_verify_all();
    for (uint32_t k = 0; !r && k < SX_MAX_MAPS; k++)
        if (sx.maps[k].used) r = sx_free_map(&sx.maps[k]);
    if (r) return r;
    while (sx.nstale) IoFreeMdl(sx.stale[--sx.nstale]);
    for (uint8_t j = 1; j <= SX_MAX_AS; j++) {
        if (!sx.as[j]) continue;
        r = sx_destroy_as(j);
        if (r) return r;
    }
    as_switch(sx.as[0]);
    if ((r = sx_verify_all())) return r;
    for (uint32_t c = 0; c < SX_MAX_CELLS; c++)
        if (sx.cells[c].used) return sx_fail("teardown: cell %u is left", c);
    return sx.live_pages ? sx_fail("teardown: %u object pages left in the model", sx.live_pages) : NULL;
}

static void print_stats(const char *label, const struct mm_pager_stats *p0)
{
    struct sx_stats *s = &sx.st;
    kprintf("stress: %s: seed %u: %u operations (%u expected refusals, %u invalid calls), %u ring-3 runs "
            "(%u faults survived), %u sweeps, %u mm_checks (every %u), %u processes created, %u destroyed, "
            "%u switches\n", label, sx.seed, s->valid, s->expected_fail, s->invalid, s->ring3, s->ring3_faults,
            s->sweeps, s->checks, sx.check_every, s->as_created, s->as_destroyed, s->switches);
    kprintf("stress: %s: objects made: _PageAllocate %u, _PageReserve %u, VMAlloc %u, MmAllocateContiguousMemory %u; "
            "views: P2G %u, G2P %u, MAPGLOBAL %u, MmMapIoSpace %u, MDL %u, PageListToLin %u\n", label,
            s->per_kind[SX_VXD_BLOCK], s->per_kind[SX_VXD_RESERVE], s->per_kind[SX_DH_ALLOC],
            s->per_kind[SX_NT_CONTIG], s->per_kind[SX_P2G], s->per_kind[SX_G2P], s->per_kind[SX_LPL_GLOBAL],
            s->per_kind[SX_IOSPACE], s->per_kind[SX_MDLMAP], s->per_kind[SX_PL2LIN]);
    if (mm_pager_on()) {
        struct mm_pager_stats p;
        mm_pager_get_stats(&p);
        kprintf("stress: %s: the pager: %u pages seen moved to another frame, %u seen in swap, %u read back by the "
                "sweep; this run %u page-outs, %u clean drops, %u page-ins; since boot %u page-outs, %u clean drops, "
                "%u page-ins\n", label, s->paged_moves, s->paged_out, s->swap_reads, p.page_outs - p0->page_outs,
                p.clean_drops - p0->clean_drops, p.page_ins - p0->page_ins, p.page_outs, p.clean_drops, p.page_ins);
    }
    kprintf("stress: %s: later NT objects: pool %u, non-cached %u, page MDLs %u, Zw virtual memory %u\n", label,
            s->per_kind[SX_NT_POOL], s->per_kind[SX_NT_NCACHE], s->per_kind[SX_NT_PAGES], s->per_kind[SX_NT_VM]);
    kprintf("stress: %s: owners: %u cross-API sequences (%u calls), %u orphaned frames (%u freed by their last "
            "record), %u frames recycled, %u pages relocated, %u relocations refused, PL_TOTALUNLOCK %u (%u refused), "
            "%u stale VMUnLocks refused, %u edited MDLs, %u forged MDLs, %u unlocks through another view\n", label,
            s->cross, s->cross_steps, s->orphans, s->orphans_freed, s->recycled, s->relocated, s->reloc_refused,
            s->total_unlocks, s->total_refused, s->stale_refused, s->edited_mdls, s->forged_mdls, s->view_unlocks);
}

const char *sx_run(uint32_t seed, uint32_t steps, const char *label, uint32_t cross_weight)
{
    memset(&sx, 0, sizeof sx);
    /* The pager, when there is a swap device: turned on here (and off at the end) unless it is
     * on already; the ballast, if asked for, with it. */
    bool pager_mine = swapdev_present() && !mm_pager_on() && mm_pager_enable() == MM_OK;
    uint32_t pressure = arg("stress-pressure", 0);
    /* Pressure asked for on a machine that cannot page would test nothing it claims to. */
    if (pressure && !mm_pager_on())
        return test_fail(__FILE__, __LINE__, "stress-pressure=%u but the pager is off (no swap device?)", pressure);
    struct mm_pager_stats p0;
    mm_pager_get_stats(&p0);
    LIN data;
    if (DevHelp_VMAlloc(VMDHA_FIXED, sizeof *sx.data, VMDHA_NOPHYSADDR, &data, NULL) != NO_ERROR) {
        if (pager_mine) mm_pager_disable();
        return test_fail(__FILE__, __LINE__, "no page for the generator's data");
    }
    sx.data = (struct sx_data *)data;
    sx_seed(&sx.rng, seed);
    sx.seed = seed;
    sx.cross_weight = arg("stress-cross", cross_weight);
    sx.as[0] = as_kernel();
    as_switch(sx.as[0]);
    sx.check_every = arg("stress-check", pfn_max <= 16384 ? 1 : (pfn_max + 16383) / 16384);
    if (!sx.check_every) sx.check_every = 1;
    uint32_t trace_from = arg("stress-trace", 0);
    struct mm_counts start;                               /* the generator's data already made */
    mm_counts_take(&start);
    ULONG ballast = 0;
    uint32_t ballast_n = 0, ballast_next = 0;
    uint32_t held = pressure ? ballast_take(arg("stress-room", 320)) : 0;
    if (pressure) {
        uint32_t n = ballast_n = mm_free_frames() + pressure;
        ballast = _PageAllocate(n, PG_SYS, 0, 0, 0, 0, NULL, 0);
        for (uint32_t i = 0; ballast && i < n; i++) *(volatile uint32_t *)(ballast + i * PAGE_SIZE) = i;
        kprintf("stress: %s: the pager on, %u frames held, a pageable ballast of %u pages written, %u frames free\n",
                label, held, ballast ? n : 0, mm_free_frames());
    }
    kprintf("stress: %s: seed %u, %u steps, mm_check every %u step(s)\n", label, seed, steps, sx.check_every);
    panic_hook = print_replay;
    const char *r = NULL;
    for (sx.step = 1; sx.step <= steps && !r; sx.step++) {
        sx.trace = trace_from && sx.step >= trace_from;
        /* The ballast's pages, a few each step in turn: each in swap comes back and, once free
         * frames run low, sends others - the generator's among them - out. */
        for (uint32_t k = 0; ballast && k < SX_BALLAST_TOUCH; k++, ballast_next = (ballast_next + 1) % ballast_n)
            *(volatile uint32_t *)(ballast + ballast_next * PAGE_SIZE) += 1;
        sx_follow_pager();
        r = run_step();
        if (!r) r = sx_verify_all();
        if (!r && (sx.step % sx.check_every == 0 || sx.step == steps)) r = sx_check_now();
        if (!r && sx.step % 100000 == 0) kprintf("stress: %s: %u steps\n", label, sx.step);
    }
    sx.step--;
    if (r) {
        kprintf("stress: FAILED: %s\n", r);
        print_replay();
        sx_dump();
    }
    sx.trace = false;
    const char *t = teardown();
    if (t && !r) sx_dump();
    panic_hook = NULL;
    print_stats(label, &p0);
    struct mm_pager_stats p1;
    mm_pager_get_stats(&p1);
    if (ballast) _PageFree((PVOID)ballast, 0);
    if (held) ballast_release();
    const char *moved = test_what_moved(&start);
    bool freed = DevHelp_VMFree(data) == NO_ERROR;       /* the generator's data goes last */
    mm_status off = pager_mine ? mm_pager_disable() : MM_OK;
    if (r) return test_fail(__FILE__, __LINE__, "seed %u step %u: see the stress lines above", seed, sx.step);
    if (t) return test_fail(__FILE__, __LINE__, "teardown: %s", t);
    if (moved) return test_fail(__FILE__, __LINE__, "leak: %s", moved);
    if (!freed) return test_fail(__FILE__, __LINE__, "VMFree of the generator's data");
    if (off != MM_OK) return test_fail(__FILE__, __LINE__, "mm_pager_disable after the run: %d", off);
    /* The ballast is larger than the frames left, so writing it pages out, and touching it in
     * turn brings pages back: a run under pressure without both never was under pressure. */
    if (pressure && (p1.page_outs == p0.page_outs || p1.page_ins == p0.page_ins))
        return test_fail(__FILE__, __LINE__, "stress-pressure=%u: %u page-outs and %u page-ins in the run", pressure,
                         p1.page_outs - p0.page_outs, p1.page_ins - p0.page_ins);
    return PASS;
}

static uint32_t short_steps(void)
{
    return arg("stress-steps", x86.hypervisor ? SHORT_STEPS : SHORT_STEPS_SLOW);
}

TEST(stress_seed1, "stress/random-seed-1")
{
    return sx_run(1, short_steps(), "random-seed-1", CROSS_WEIGHT);
}

TEST(stress_seed2, "stress/random-seed-2")
{
    return sx_run(0xC0FFEE, short_steps(), "random-seed-2", CROSS_WEIGHT);
}

/* The cross-API sequences as every other step, on a kernel full of the other operations' state. */
TEST(stress_cross1, "stress/cross-api-seed-1")
{
    return sx_run(0xA11CE, arg("stress-steps", x86.hypervisor ? CROSS_STEPS : CROSS_STEPS_SLOW), "cross-api-seed-1",
                  CROSS_WEIGHT_HEAVY);
}

/* make stress: a million operations (or stress-steps) from stress-seed; stress-cross=N sets the
 * cross-API sequences' weight (default: one step in 60). */
TEST_FLAGS(stress_long, "stress/long", TEST_MANUAL)
{
    return sx_run(arg("stress-seed", 1), arg("stress-steps", LONG_STEPS), "long", CROSS_WEIGHT);
}
