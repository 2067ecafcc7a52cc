/*
 * trap.h - segments, the trap frame, and the ways the kernel survives an expected fault:
 *   - the exception table (probe_read/probe_write): a faulting instruction listed in .extable
 *     resumes at its fixup, and the fault is recorded in probe_last;
 *   - ktry: a setjmp-style guarded region for code that may fault anywhere (NT's try/except
 *     around MmProbeAndLockPages, executing a probe address);
 *   - ring 3: a fault in user mode ends that user run (tests/harness/user.c), not the kernel.
 */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H
#include "kernel/kernel.h"

#define SEL_KCODE   0x08
#define SEL_KDATA   0x10
#define SEL_UCODE   0x1B
#define SEL_UDATA   0x23
#define SEL_TSS     0x28
#define SEL_DFTSS   0x30

#define IRQ_BASE    0x30        /* PIC vectors 0x30-0x3F (0x20 belongs to VMMCall) */
#define VEC_VMMCALL 0x20
#define VEC_SYSCALL 0x80
#define T_PF        14
#define T_GP        13

struct trapframe {
    uint32_t gs, fs, es, ds;
    uint32_t edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax;
    uint32_t vector, err;
    uint32_t eip, cs, eflags;
    uint32_t user_esp, user_ss;     /* only when the trap came from ring 3 */
};

typedef void (*trap_handler_t)(struct trapframe *tf);
void cpu_init(void);                                  /* GDT, TSS, IDT, PIC */
void trap_register(int vector, trap_handler_t h);     /* IRQ handlers, VMMCall, syscalls */
void tss_set_kernel_stack(uint32_t esp0);
static inline bool tf_from_user(const struct trapframe *tf) { return (tf->cs & 3) == 3; }
static inline uint32_t read_cr2(void) { uint32_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }

/* Fault record shared by the probe helpers and ktry. */
struct fault_info {
    uint32_t vector, err, cr2, eip;
};
extern struct fault_info probe_last;

/* Exception-table probes: return true if the access completed, false if it faulted (then
 * probe_last says how).  Interrupts are not touched. */
bool probe_read(vaddr_t va, uint32_t *value);
bool probe_write(vaddr_t va, uint32_t value);
bool probe_rewrite(vaddr_t va);    /* reads a dword and writes the same value back */
bool probe_read8(vaddr_t va, uint8_t *value);
/* Every page [va, va + n) touches is readable (and, with write, writable: probe_rewrite) right
 * now, probed in a user-access window since a caller's buffer may be a user page (SMAP).  May
 * resolve demand-zero pages.  n must be non-zero and the range must not wrap.  Only the probe:
 * which memory a caller's buffer may be at all is mm_caller_buffer_ok's rule (mm/core/caller.c),
 * which ends with this. */
bool probe_caller_range(vaddr_t va, uint32_t n, bool write);

/* ktry: if (KTRY(&t)) { guarded code; ktry_end(&t); } else { t.fault says what happened } */
struct ktry {
    uint32_t ebx, esi, edi, ebp, esp, eip, eflags;
    struct ktry *prev;
    struct fault_info fault;
};
int ktry_setjmp(struct ktry *t) __attribute__((returns_twice));
NORETURN void ktry_longjmp(struct ktry *t, int v);
void ktry_link(struct ktry *t);
void ktry_end(struct ktry *t);
#define KTRY(t) (ktry_link(t), ktry_setjmp(t) == 0)
bool probe_exec(vaddr_t va);       /* calls va; false if the fetch (or anything it ran) faulted */

/* Hooks filled in by mm/ and tests/harness/user.c. */
extern bool (*trap_pf_hook)(struct trapframe *tf, uint32_t cr2);   /* true = resolved */
extern void (*trap_user_fault_hook)(struct trapframe *tf);          /* does not return */
extern void (*trap_describe_hook)(uint32_t va);                     /* panic detail */
void dump_trapframe(const struct trapframe *tf);
#endif
