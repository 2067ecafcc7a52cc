/*
 * pit.c - 8254 channel 0 as a periodic tick on IRQ0.  Tests use it to run code at interrupt
 * time (OS/2's "interrupt-time access" to a VMProcessToGlobal alias).
 */
#include "drivers/console.h"

volatile uint32_t pit_ticks;

void pit_init(uint32_t hz)
{
    uint32_t div = 1193182u / hz;
    outb(0x43, 0x34);                    /* channel 0, lobyte/hibyte, rate generator */
    outb(0x40, div & 0xFF);
    outb(0x40, (div >> 8) & 0xFF);
}
