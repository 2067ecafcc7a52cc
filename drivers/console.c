/*
 * console.c - fans kernel output out to COM1, the VGA screen and (optionally) port 0xE9,
 * and owns the emulator exit paths used by the test harness.
 */
#include "drivers/console.h"
#include "kernel/trap.h"

bool console_e9;
bool console_screen_all;
static bool screen_muted;

void console_mute_screen(bool mute) { screen_muted = mute && !console_screen_all; }

void console_status(const char *fmt, ...)
{
    char line[81];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    vga_status(line);
}
bool console_vga_mirror = true;
void (*console_capture)(char c);

void console_init(void)
{
    serial_init();
    vga_init();
    kbd_init();
}

void console_putc(char c)
{
    if (console_capture) { console_capture(c); return; }
    if (c == '\n') serial_putc('\r');
    serial_putc(c);
    if (console_vga_mirror && !screen_muted) vga_putc(c);
    if (console_e9) outb(0xE9, (uint8_t)c);
}

/* ---- input: COM1 and the keyboard, for the kernel monitor --------------------------------- */

int console_getc_nowait(void)
{
    int c = serial_getc_nowait();
    return c >= 0 ? c : kbd_getc_nowait();
}

/* The input interrupts only wake the CPU: the bytes are read by polling (console_getc_nowait),
 * so a handler just acknowledges.  A byte that came while they were masked left its edge in the
 * PIC's request register, and wakes the next wait at once: the caller polls first and again
 * after every wake, so nothing is lost and an early wake costs one more poll. */
static void input_irq(struct trapframe *tf)
{
    pic_eoi((int)(tf->vector - IRQ_BASE));
}

void console_wait_input(void)
{
    static bool registered;
    if (!registered) {
        trap_register(IRQ_BASE + 1, input_irq);
        trap_register(IRQ_BASE + 4, input_irq);
        registered = true;
    }
    uint32_t f = irq_save();
    serial_rx_irq(true);
    pic_unmask(1);
    pic_unmask(4);
    __asm__ volatile("sti; hlt; cli" ::: "memory");   /* sti's shadow: no wake-up lost before hlt */
    pic_mask(1);
    pic_mask(4);
    serial_rx_irq(false);
    irq_restore(f);
}

void bochs_magic_break(void)
{
    __asm__ volatile("xchgw %bx, %bx");
}

void qemu_exit(uint32_t code)
{
    outl(0xF4, code);                 /* QEMU isa-debug-exit: process exits (code << 1) | 1 */
    bochs_magic_break();              /* Bochs: the rc file quits at the magic breakpoint */
    for (;;) __asm__ volatile("cli; hlt");   /* a real PC: stop here, the screen shows why */
}
