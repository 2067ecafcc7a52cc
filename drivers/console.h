/*
 * console.h - the kernel's output: COM1 (primary), the VGA text screen (mirror) and, when the
 * command line says "e9", the Bochs/QEMU debug port 0xE9.
 */
#ifndef DRIVERS_CONSOLE_H
#define DRIVERS_CONSOLE_H
#include "kernel/kernel.h"

void console_init(void);
void console_putc(char c);
/* false: output goes to COM1 (and 0xE9) only, while the VGA screen shows a picture. */
extern bool console_vga_mirror;
/* Set: every character goes here instead (a test reading what a command prints; it sets
 * panic_hook too, so that a panic's message still reaches the console). */
extern void (*console_capture)(char c);
/* Input for the kernel monitor: a byte from COM1 or a key from the keyboard, -1 when neither
 * has one; console_wait_input sleeps until one of them interrupts (or an earlier interrupt is
 * pending): poll again after it. */
int console_getc_nowait(void);
void console_wait_input(void);

bool serial_init(void);          /* false when no UART answers (a PC without COM1) */
bool serial_present(void);
void serial_putc(char c);
int serial_getc_nowait(void);    /* -1 when nothing has arrived */
void serial_rx_irq(bool on);     /* IRQ4 on a received byte */

/* kbd.c: the PS/2 keyboard (i8042), polled */
bool kbd_init(void);             /* false when no controller answers */
bool kbd_present(void);
int kbd_getc_nowait(void);       /* ASCII (shift, caps lock, ctrl applied), -1 when none */

void vga_init(void);
void vga_putc(char c);
void vga_status(const char *s);  /* row 0 of the screen: stays put while the log scrolls */

/* The status line of the screen (and nothing on the serial console, whose log has it all):
 * what is running and how far it got, readable on a VGA-only PC after the log scrolled away. */
void console_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Output that is expected and plentiful (a test's deliberate ring-3 faults): while muted, it goes
 * to COM1 and port 0xE9 but not to the screen, unless the command line says `screen-all`. */
extern bool console_screen_all;
void console_mute_screen(bool mute);
void vga_set_base(volatile uint16_t *base);   /* mm_init moves the text buffer's mapping */
volatile uint16_t *vga_base(void);
#define VGA_COLS 80
#define VGA_ROWS 25
void vga_cell(int row, int col, char c, uint8_t attr);   /* one cell; attr = background << 4 | foreground */
void vga_set_pos(int row, int col);                      /* where the next vga_putc writes */
void vga_sync_cursor(void);                              /* the blinking cursor to that position */

extern bool console_e9;

/* QEMU isa-debug-exit at port 0xF4: writes v, QEMU exits with (v << 1) | 1. */
#define QEMU_EXIT_PASS 0x10     /* exit status 33 */
#define QEMU_EXIT_FAIL 0x11     /* exit status 35 */
NORETURN void qemu_exit(uint32_t code);
/* Bochs: result printed, then "xchg bx,bx" (magic breakpoint) ends a run whose rc file says quit. */
void bochs_magic_break(void);

/* pic.c / pit.c */
void pic_init(void);
void pic_unmask(int irq);
void pic_mask(int irq);
void pic_eoi(int irq);
void pit_init(uint32_t hz);
extern volatile uint32_t pit_ticks;
/* pit.c: channel 2 as a polled clock (no IRQ).  pit_clock_start() (re)starts it and says whether
 * the counter moves; pit_clock() is the PIT ticks since then, PIT_HZ a second, and must be read
 * at least every PIT_CLOCK_PERIOD_MS or a period is lost. */
#define PIT_HZ 1193182u
#define PIT_TICKS_PER_MS 1193u
#define PIT_CLOCK_PERIOD_MS 54
bool pit_clock_start(void);
bool pit_clock_ok(void);
uint32_t pit_clock(void);
#endif
