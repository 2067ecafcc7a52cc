/*
 * serial.c - 16550 UART on COM1, 115200 8N1, polled.
 *
 * Real PCs may have no COM1: an absent port reads back 0xFF and never drains its transmitter,
 * so serial_init() checks the scratch register and a loopback byte first and, if the UART is
 * missing, the console simply skips it (the kernel must not hang waiting for LSR.THRE).
 */
#include "drivers/console.h"

#define COM1 0x3F8
static bool present;

bool serial_init(void)
{
    outb(COM1 + 7, 0x5A);                      /* scratch register */
    if (inb(COM1 + 7) != 0x5A) return present = false;
    outb(COM1 + 1, 0x00);                      /* no interrupts */
    outb(COM1 + 3, 0x80);                      /* DLAB */
    outb(COM1 + 0, 0x01);                      /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);                      /* 8N1 */
    outb(COM1 + 2, 0xC7);                      /* FIFO on, cleared */
    outb(COM1 + 4, 0x1E);                      /* loopback mode */
    outb(COM1 + 0, 0xAE);
    if (inb(COM1 + 0) != 0xAE) return present = false;
    outb(COM1 + 4, 0x0F);                      /* normal mode, OUT1/OUT2/RTS/DTR */
    return present = true;
}

bool serial_present(void) { return present; }

void serial_putc(char c)
{
    if (!present) return;
    for (int spin = 0; spin < 100000 && !(inb(COM1 + 5) & 0x20); spin++)
        ;
    outb(COM1, (uint8_t)c);
}

int serial_getc_nowait(void)
{
    if (!present || !(inb(COM1 + 5) & 1)) return -1;
    return inb(COM1);
}

/* IER bit 0: the UART raises IRQ4 while a received byte waits (OUT2, set above, routes it to
 * the PIC).  Only while the monitor sleeps for input (console_wait_input). */
void serial_rx_irq(bool on)
{
    if (present) outb(COM1 + 1, on ? 0x01 : 0x00);
}
