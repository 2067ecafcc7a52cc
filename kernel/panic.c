/*
 * panic.c - the one way the kernel stops on an error.  It prints "PANIC:" (which the host
 * runner treats as a failure whatever else happened), a backtrace with symbol names, then
 * exits QEMU with the fail code; on a real PC it halts with the message on screen.
 */
#include "kernel/kernel.h"
#include "drivers/console.h"

struct ksym { uint32_t addr; const char *name; };
extern const struct ksym ksyms[];      /* build/ksyms.c, generated from the first link */
extern const uint32_t ksyms_count;

static const char *sym_lookup(uint32_t addr, uint32_t *off)
{
    const struct ksym *best = NULL;
    for (uint32_t i = 0; i < ksyms_count; i++) {
        if (ksyms[i].addr <= addr) best = &ksyms[i];
        else break;
    }
    if (!best) return "?";
    *off = addr - best->addr;
    return best->name;
}

static bool kernel_text(uint32_t a)
{
    extern char _kernel_start[], _text_end[];
    return a >= (uint32_t)_kernel_start && a < (uint32_t)_text_end;
}

/* One line of a backtrace.  A return address is named by the byte before it, the call
 * instruction's own: after a call that never returns (panic is the last thing a function does)
 * the return address is already the next function's first byte. */
static void frame_line(uint32_t addr, bool is_return)
{
    uint32_t off = 0;
    const char *name = sym_lookup(is_return ? addr - 1 : addr, &off);
    kprintf("    %08x %s+0x%x\n", addr, name, off + is_return);
}

/* eip is where the CPU was (a trap) or, with eip_is_return, a return address (panic's caller). */
void backtrace_from(uint32_t ebp, uint32_t eip, bool eip_is_return)
{
    extern char boot_stack_bottom[], boot_stack_top[];
    kprintf("  backtrace:\n");
    frame_line(eip, eip_is_return);
    for (int depth = 0; depth < 16 && ebp; depth++) {
        /* Only follow frames on the kernel stack: a corrupt EBP must not fault here. */
        if (ebp < (uint32_t)boot_stack_bottom || ebp + 8 > (uint32_t)boot_stack_top) break;
        uint32_t ret = ((uint32_t *)ebp)[1];
        if (!kernel_text(ret)) break;
        frame_line(ret, true);
        ebp = ((uint32_t *)ebp)[0];
    }
}

bool panic_backtrace_printed;     /* trap.c already printed the faulting context's */
void (*panic_hook)(void);

void panic(const char *fmt, ...)
{
    static int nested;
    __asm__ volatile("cli");
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (nested++) {
        kprintf("PANIC (nested): %s\n", msg);
        qemu_exit(QEMU_EXIT_FAIL);
    }
    kprintf("PANIC: %s\n", msg);
    if (panic_hook) {
        void (*hook)(void) = panic_hook;
        panic_hook = NULL;                  /* a panic inside the hook must not loop */
        hook();
    }
    if (!panic_backtrace_printed) {
        /* From the caller: its return address first, then the frames above it.  (Walking from
         * panic's own frame would print that return address twice.) */
        uint32_t ebp;
        __asm__ volatile("mov %%ebp, %0" : "=r"(ebp));
        backtrace_from(((uint32_t *)ebp)[0], (uint32_t)__builtin_return_address(0), true);
    }
    kprintf("RESULT: PANIC\n");
    qemu_exit(QEMU_EXIT_FAIL);
}
