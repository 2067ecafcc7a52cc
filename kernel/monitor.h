/*
 * monitor.h - the kernel monitor (kernel/monitor.c: the prompt and the small commands;
 * monitor_mem.c: mem, map, pt and page-table snapshots; monitor_calls.c: call).
 *
 * Every command prints its answer, or exactly one line starting with "error: " and changes
 * nothing; the monitor is an input surface like any API, so nothing typed at it may panic the
 * kernel or leave mm_check() unhappy.
 */
#ifndef KERNEL_MONITOR_H
#define KERNEL_MONITOR_H
#include "kernel/kernel.h"
#include "mm/mm.h"

#define MON_LINE_MAX 200          /* characters of a command line; longer lines are refused */
#define MON_ARGS_MAX 16

/* The prompt loop; never returns.  wait_for_enter: print nothing until a line is entered (a
 * normal boot's idle state), then the prompt. */
NORETURN void monitor_run(bool wait_for_enter);
/* One command line (split in place); returns the number of "error:" lines it printed. */
uint32_t monitor_exec(char *line);
/* The monitor's memory (its scratch for out-parameters and page-table snapshots): reserved and
 * committed once, in the system arena, owner OWNER_MONITOR.  false when there is no memory for
 * it (then the commands that need it say so). */
bool monitor_memory(void);
bool monitor_memory_held(void);
void monitor_memory_release(void);        /* for a test that made the region: gives it back */

/* ---- shared by the command files ---------------------------------------------------------- */
void mon_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A number: decimal, 0x-hex, or -N (two's complement).  On failure an error line naming what. */
bool mon_u32(const char *s, const char *what, uint32_t *out);
bool mon_u64(const char *s, const char *what, uint64_t *out);
bool mon_parse_u64(const char *s, uint64_t *out);         /* the same, silent */

/* The scratch layout (pages of the monitor's region). */
#define MON_SCRATCH_HANDLES 0u    /* lock handles, handed out in turn */
#define MON_SCRATCH_IN      1u    /* input buffers of one call */
#define MON_SCRATCH_OUT     2u    /* small out-buffers of one call */
#define MON_SCRATCH_ARRAY   3u    /* an out-array of one call, up to the region's end */
#define MON_SCRATCH_PAGES   8u
vaddr_t mon_scratch(uint32_t page);
#define MON_SNAP_PAGES      8u    /* each of the two page-table snapshots */
vaddr_t mon_snap_area(int which);                           /* 0 without memory */

/* Page-table snapshots of the current address space: every non-zero leaf entry, merged into
 * runs (monitor_mem.c).  A call's report compares the one before with the one after. */
struct mon_snap;
struct mon_snap *mon_snap_take(int which);                  /* which: 0 or 1; NULL: no memory */
void mon_snap_diff(const struct mon_snap *before, const struct mon_snap *after);

/* Commands (argc/argv as split from the line; argv[0] is the command). */
void mon_cmd_mem(int argc, char **argv);
void mon_cmd_map(int argc, char **argv);
void mon_cmd_pt(int argc, char **argv);
void mon_cmd_call(int argc, char **argv);
void mon_help_calls(const char *name);                      /* NULL: the list */
#endif
