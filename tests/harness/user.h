/*
 * user.h - running small functions in ring 3, to prove U/S bits and protections from the
 * side of an application, and for NT UserMode probes.
 *
 * The ring-3 code lives in the kernel image's .utext section, linked at USER_TEXT_BASE and
 * mapped read-only + user into an address space on first use.  A fault in ring 3 terminates
 * that run - reported in the result - and the kernel carries on.
 */
#ifndef KERNEL_USER_H
#define KERNEL_USER_H
#include "kernel/kernel.h"

struct as;
struct region;

struct user_result {
    bool faulted;
    uint32_t value;                 /* the function's return value */
    uint32_t vector, err, cr2, eip; /* when faulted */
};

/* Runs fn(a1, a2) in ring 3 in the current address space.  Returns 0, or -1 when the
 * address space cannot be prepared (no memory for the stack).
 * Ring 3 starts with EAX EBX ECX EDX ESI EDI EBP = 0, ESP = USER_STACK_TOP - 12 holding
 * [fn, a1, a2] (the trampoline pops fn and calls it), EFLAGS = 0x002 (interrupts off), CS =
 * 0x1B, DS ES FS GS SS = 0x23: nothing of the kernel's. */
int user_call(uint32_t (*fn)(uint32_t, uint32_t), uint32_t a1, uint32_t a2, struct user_result *res);
/* The same entry state, but ring 3 starts at `entry` (a .utext label) instead of the trampoline,
 * with [0, 0, 0] on the stack: for tests of what ring 3 sees at entry. */
int user_call_entry(void (*entry)(void), struct user_result *res);

/* Ring-3 functions (tests/harness/user.asm, section .utext). */
uint32_t u_ret(uint32_t a, uint32_t b);          /* returns a + b */
uint32_t u_read(uint32_t va, uint32_t unused);   /* returns *(uint32_t *)va */
uint32_t u_write(uint32_t va, uint32_t value);   /* *(uint32_t *)va = value; returns 0 */
uint32_t u_exec(uint32_t va, uint32_t unused);   /* calls va */
uint32_t u_cli(uint32_t a, uint32_t b);          /* a privileged instruction: #GP */
uint32_t u_ac_read(uint32_t va, uint32_t unused); /* sets EFLAGS.AC, then returns *(uint32_t *)va */
void u_entry_regs(void);   /* an entry point: exits with the address of the registers it found (user.asm) */
void user_init(void);
uint32_t user_faults_survived(void);
/* The regions of the ring-3 image and stack user_call mapped into `as`, NULL until it has run
 * there (the kernel's own address space has both from boot) or once they are released. */
struct region *user_text_region(struct as *as);
struct region *user_stack_region(struct as *as);
#endif
