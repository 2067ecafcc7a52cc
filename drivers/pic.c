/*
 * pic.c - the two 8259A PICs, remapped to vectors 0x30-0x3F.  Not 0x20: Win9x VxDs call the VMM
 * with INT 20h (VMMCall), and we keep that vector for the VxD dispatcher.
 */
#include "drivers/console.h"
#include "kernel/trap.h"

void pic_init(void)
{
    outb(0x20, 0x11); io_wait(); outb(0xA0, 0x11); io_wait();          /* ICW1: init, ICW4 follows */
    outb(0x21, IRQ_BASE); io_wait(); outb(0xA1, IRQ_BASE + 8); io_wait();
    outb(0x21, 0x04); io_wait(); outb(0xA1, 0x02); io_wait();          /* cascade on IRQ2 */
    outb(0x21, 0x01); io_wait(); outb(0xA1, 0x01); io_wait();          /* 8086 mode */
    outb(0x21, 0xFB); outb(0xA1, 0xFF);                                /* all masked but cascade */
}

void pic_unmask(int irq)
{
    uint16_t port = irq < 8 ? 0x21 : 0xA1;
    outb(port, inb(port) & ~(1u << (irq & 7)));
}

void pic_mask(int irq)
{
    uint16_t port = irq < 8 ? 0x21 : 0xA1;
    outb(port, inb(port) | (1u << (irq & 7)));
}

void pic_eoi(int irq)
{
    if (irq >= 8) outb(0xA0, 0x20);
    outb(0x20, 0x20);
}
