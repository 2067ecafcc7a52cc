/*
 * console.c - fans kernel output out to COM1, the VGA screen and (optionally) port 0xE9,
 * and owns the emulator exit paths used by the test harness.
 */
#include "drivers/console.h"

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

void console_init(void)
{
    serial_init();
    vga_init();
}

void console_putc(char c)
{
    if (c == '\n') serial_putc('\r');
    serial_putc(c);
    if (!screen_muted) vga_putc(c);
    if (console_e9) outb(0xE9, (uint8_t)c);
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
