/*
 * kbd.c - the PS/2 keyboard through the i8042 controller, polled: scancode set 1 (the
 * controller's translation of the keyboard's set 2, which BIOSes leave on and kbd_init makes
 * sure of) to ASCII for a US layout, with shift, caps lock and ctrl.  QEMU, Bochs and real PCs
 * all have one (a USB keyboard too, through the firmware's legacy emulation).  Only what a
 * command line needs: printable keys, Enter (and keypad Enter), Backspace, Tab, Esc, Ctrl+letter;
 * arrows, function keys and key releases other than the modifiers give nothing.
 */
#include "drivers/console.h"

#define KBD_DATA   0x60
#define KBD_STATUS 0x64                 /* read: status; write: controller command */
#define ST_OUT_FULL 0x01                /* a byte waits at KBD_DATA */
#define ST_IN_FULL  0x02                /* the controller has not taken the last byte written */
#define ST_AUX      0x20                /* the waiting byte is the mouse's */
#define CMD_READ_CONFIG  0x20
#define CMD_WRITE_CONFIG 0x60
#define CFG_KBD_IRQ      0x01           /* IRQ1 when a keyboard byte arrives */
#define CFG_KBD_DISABLED 0x10
#define CFG_TRANSLATE    0x40           /* set 2 -> set 1 */

static bool present;
static bool shift_l, shift_r, ctrl, caps, extended;
static uint8_t skip;                    /* bytes left of a Pause sequence (E1 1D 45 E1 9D C5) */

/* Set 1 make codes 0x00-0x39 (the main block), unshifted and shifted.  0: no character. */
static const char plain[0x3A] = {
    0, 0x1B, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', '\b', '\t',
    'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n', 0, 'a', 's',
    'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
    'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char shifted[0x3A] = {
    0, 0x1B, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', '\b', '\t',
    'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0, 'A', 'S',
    'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
    'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

/* Waits (bounded: a controller that never answers must not hang the kernel) for the input
 * buffer to empty, or for a byte to arrive. */
static bool wait_in_empty(void)
{
    for (int spin = 0; spin < 100000; spin++)
        if (!(inb(KBD_STATUS) & ST_IN_FULL)) return true;
    return false;
}

static bool wait_out_full(void)
{
    for (int spin = 0; spin < 100000; spin++)
        if (inb(KBD_STATUS) & ST_OUT_FULL) return true;
    return false;
}

bool kbd_init(void)
{
    /* No controller: the port floats (0xFF). */
    if (inb(KBD_STATUS) == 0xFF) return present = false;
    for (int i = 0; i < 32 && (inb(KBD_STATUS) & ST_OUT_FULL); i++) (void)inb(KBD_DATA);   /* stale bytes */
    present = true;
    if (!wait_in_empty()) return true;
    outb(KBD_STATUS, CMD_READ_CONFIG);
    if (!wait_out_full()) return true;
    uint8_t cfg = inb(KBD_DATA);
    uint8_t want = (uint8_t)((cfg | CFG_TRANSLATE | CFG_KBD_IRQ) & ~CFG_KBD_DISABLED);
    if (want != cfg && wait_in_empty()) {
        outb(KBD_STATUS, CMD_WRITE_CONFIG);
        if (wait_in_empty()) outb(KBD_DATA, want);
    }
    return true;
}

/* One scancode byte -> a character, or -1. */
static int translate(uint8_t sc)
{
    if (skip) { skip--; return -1; }
    if (sc == 0xE1) { skip = 5; return -1; }
    if (sc == 0xE0) { extended = true; return -1; }
    bool ext = extended, release = sc & 0x80;
    extended = false;
    sc &= 0x7F;
    switch (sc) {
    case 0x2A: if (!ext) shift_l = !release; return -1;      /* E0 2A: a fake shift of some keys */
    case 0x36: if (!ext) shift_r = !release; return -1;
    case 0x1D: ctrl = !release; return -1;                   /* left, or right (E0 1D) */
    case 0x3A: if (!release) caps = !caps; return -1;
    }
    if (release) return -1;
    if (ext) return sc == 0x1C ? '\n' : sc == 0x35 ? '/' : -1;   /* keypad Enter and '/'; arrows etc. */
    if (sc >= sizeof plain || !plain[sc]) return -1;
    char c = (shift_l || shift_r) ? shifted[sc] : plain[sc];
    if (caps && c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    else if (caps && c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');   /* shift with caps lock on */
    if (ctrl && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return (c & 0x1F);
    return (uint8_t)c;
}

int kbd_getc_nowait(void)
{
    if (!present) return -1;
    for (;;) {
        uint8_t st = inb(KBD_STATUS);
        if (!(st & ST_OUT_FULL)) return -1;
        uint8_t b = inb(KBD_DATA);
        if (st & ST_AUX) continue;                  /* a mouse byte */
        int c = translate(b);
        if (c >= 0) return c;
    }
}

bool kbd_present(void) { return present; }
