/*
 * vga.c - 80x25 colour text console at physical 0xB8000, mirroring the serial log so a real PC
 * without a serial port still shows what happened.  Until mm_init the buffer is reached through
 * the boot window (KERNEL_VBASE + 0xB8000); mm_init then gives it its own uncached mapping.
 */
#include "drivers/console.h"
#include "mm/layout.h"                 /* KERNEL_VBASE */

#define COLS VGA_COLS
#define ROWS VGA_ROWS
#define ATTR 0x0700
#define STATUS_ATTR 0x1F00                /* white on blue */
/* Row 0 is the status line (vga_status): the log scrolls in rows FIRST..ROWS-1 below it. */
#define FIRST 1

static volatile uint16_t *buf = (volatile uint16_t *)(KERNEL_VBASE + 0xB8000u);
static int row, col;

/* The blinking hardware cursor follows the text (CRTC registers 0x0E/0x0F at 0x3D4/0x3D5), so it
 * never blinks where the BIOS or the loader left it.  Moved once per line: port I/O is slow. */
static void cursor_to(int r, int c)
{
    uint16_t pos = (uint16_t)(r * COLS + c);
    outb(0x3D4, 0x0F);
    outb(0x3D5, (uint8_t)pos);
    outb(0x3D4, 0x0E);
    outb(0x3D5, (uint8_t)(pos >> 8));
}

void vga_set_base(volatile uint16_t *base) { buf = base; }
volatile uint16_t *vga_base(void) { return buf; }

void vga_init(void)
{
    for (int i = 0; i < COLS * ROWS; i++) buf[i] = (i < COLS * FIRST ? STATUS_ATTR : ATTR) | ' ';
    row = FIRST;
    col = 0;
    cursor_to(row, 0);
}

static void scroll(void)
{
    for (int i = COLS * FIRST; i < COLS * (ROWS - 1); i++) buf[i] = buf[i + COLS];
    for (int i = COLS * (ROWS - 1); i < COLS * ROWS; i++) buf[i] = ATTR | ' ';
    row = ROWS - 1;
}

/* The status line: s on row 0, padded; it stays put while the log scrolls under it. */
void vga_status(const char *s)
{
    if (!buf) return;
    for (int i = 0; i < COLS; i++) {
        char c = *s ? *s++ : ' ';
        buf[i] = STATUS_ATTR | (uint8_t)c;
    }
}

void vga_putc(char c)
{
    if (!buf) return;
    if (c == '\n') { col = 0; if (++row == ROWS) scroll(); cursor_to(row, col); return; }
    if (c == '\r') { col = 0; return; }
    if (c == '\b') { if (col) col--; return; }      /* the monitor's line editor: "\b \b" erases */
    buf[row * COLS + col] = ATTR | (uint8_t)c;
    if (++col == COLS) { col = 0; if (++row == ROWS) scroll(); }
}

/* The monitor's memory picture (kernel/monitor_mem.c) draws cells itself, then puts the text
 * position below it. */
void vga_cell(int r, int c, char ch, uint8_t attr)
{
    if (buf && r >= 0 && r < ROWS && c >= 0 && c < COLS) buf[r * COLS + c] = (uint16_t)(attr << 8 | (uint8_t)ch);
}

void vga_set_pos(int r, int c)
{
    if (r < 0 || r >= ROWS || c < 0 || c >= COLS) return;
    row = r;
    col = c;
    cursor_to(row, col);
}

/* The hardware cursor to the text position now: the line editor calls it after each key (vga_putc
 * moves it once per line). */
void vga_sync_cursor(void) { cursor_to(row, col); }
