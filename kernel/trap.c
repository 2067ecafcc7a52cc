/*
 * trap.c - where every interrupt and exception lands.
 *
 * Order of resolution for a CPU exception:
 *   1. a page fault the memory manager can resolve (demand-zero commit) - trap_pf_hook;
 *   2. a faulting instruction listed in the exception table (probe helpers) - resume at fixup;
 *   3. an active ktry region - longjmp to it with the fault recorded;
 *   4. a fault from ring 3 - the user run is terminated (trap_user_fault_hook);
 *   5. otherwise panic, with vector, error code, CR2, registers and a symbolised backtrace.
 */
#include "kernel/trap.h"
#include "drivers/console.h"
#include "mm/x86.h"

struct extable_entry { uint32_t insn, fixup; };
extern const struct extable_entry __extable_start[], __extable_end[];

static trap_handler_t handlers[256];
static struct ktry *ktry_top;
struct fault_info probe_last;
bool (*trap_pf_hook)(struct trapframe *tf, uint32_t cr2);
void (*trap_user_fault_hook)(struct trapframe *tf);
void (*trap_describe_hook)(uint32_t va);

static const char *const exc_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound", "invalid opcode",
    "device not available", "double fault", "coprocessor overrun", "invalid TSS",
    "segment not present", "stack fault", "general protection", "page fault", "reserved",
    "x87 error", "alignment check", "machine check", "SIMD error", "virtualization",
    "control protection",
};

void trap_register(int vector, trap_handler_t h) { handlers[vector] = h; }

void ktry_link(struct ktry *t)
{
    t->prev = ktry_top;
    ktry_top = t;
}

void ktry_end(struct ktry *t)
{
    ASSERT(ktry_top == t);
    ktry_top = t->prev;
}

static bool extable_fixup(struct trapframe *tf, uint32_t cr2)
{
    for (const struct extable_entry *e = __extable_start; e < __extable_end; e++) {
        if (e->insn == tf->eip) {
            probe_last = (struct fault_info){ tf->vector, tf->err, cr2, tf->eip };
            tf->eip = e->fixup;
            return true;
        }
    }
    return false;
}

bool probe_exec(vaddr_t va)
{
    struct ktry t;
    if (KTRY(&t)) {
        ((void (*)(void))va)();
        ktry_end(&t);
        return true;
    }
    probe_last = t.fault;
    return false;
}

void dump_trapframe(const struct trapframe *tf)
{
    kprintf("  eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x\n",
            tf->eax, tf->ebx, tf->ecx, tf->edx, tf->esi, tf->edi);
    kprintf("  ebp=%08x esp=%08x eip=%08x cs=%04x eflags=%08x\n",
            tf->ebp, tf_from_user(tf) ? tf->user_esp : (uint32_t)&tf->user_esp, tf->eip, tf->cs, tf->eflags);
}

static NORETURN void fatal_exception(struct trapframe *tf, uint32_t cr2)
{
    const char *name = tf->vector < 32 && exc_names[tf->vector] ? exc_names[tf->vector] : "exception";
    kprintf("\nPANIC: unexpected %s (vector %u, error %08x) at eip %08x\n", name, tf->vector, tf->err, tf->eip);
    if (tf->vector == T_PF) {
        kprintf("  cr2=%08x: %s %s from ring %u%s\n", cr2, tf->err & 1 ? "protection violation" : "not-present page",
                tf->err & 2 ? "write" : (tf->err & 16 ? "instruction fetch" : "read"), tf->cs & 3,
                tf->err & 8 ? " (reserved bit set)" : "");
        if (trap_describe_hook) trap_describe_hook(cr2);
    }
    dump_trapframe(tf);
    backtrace_from(tf->ebp, tf->eip, false);
    extern bool panic_backtrace_printed;
    panic_backtrace_printed = true;
    panic("unexpected %s", name);
}

void trap_dispatch(struct trapframe *tf)
{
    /* Handlers never inherit a user-access window: delivery keeps EFLAGS.AC, which ring 3 can
     * set with popf.  iret restores the interrupted AC from tf->eflags (mm/x86.h, SMAP). */
    x86_user_access_end();
    uint32_t v = tf->vector;
    if (handlers[v] && (v >= 32 || v == 3)) {       /* IRQs, VMMCall, syscalls */
        handlers[v](tf);
        return;
    }
    if (v >= 32) {
        if (v >= IRQ_BASE && v < IRQ_BASE + 16) pic_eoi(v - IRQ_BASE);
        return;                                     /* spurious or unclaimed */
    }
    uint32_t cr2 = v == T_PF ? read_cr2() : 0;
    if (v == T_PF && trap_pf_hook && trap_pf_hook(tf, cr2))
        return;
    if (!tf_from_user(tf)) {
        if (extable_fixup(tf, cr2))
            return;
        if (ktry_top) {
            struct ktry *t = ktry_top;
            ktry_top = t->prev;
            t->fault = (struct fault_info){ v, tf->err, cr2, tf->eip };
            ktry_longjmp(t, 1);
        }
    } else if (trap_user_fault_hook) {
        trap_user_fault_hook(tf);
    }
    fatal_exception(tf, cr2);
}

/* Runs on the double-fault task's own stack (cpu.c).  Reports and stops; never returns. */
void double_fault_report(void)
{
    kprintf("\nPANIC: double fault (kernel stack overflow or a fault while delivering a fault)\n");
    panic("double fault");
}

bool probe_caller_range(vaddr_t va, uint32_t n, bool write)
{
    bool ok = true;
    x86_user_access_begin();
    vaddr_t last = PAGE_ALIGN_DOWN(va + (n - 1));    /* inclusive: a range may end at 4 GiB */
    for (vaddr_t pg = PAGE_ALIGN_DOWN(va); ok; pg += PAGE_SIZE) {
        ok = write ? probe_rewrite(pg) : probe_read(pg, NULL);
        if (pg == last) break;
    }
    x86_user_access_end();                     /* also after a fault (mm/x86.h) */
    return ok;
}
