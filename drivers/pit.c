/*
 * pit.c - the 8254 timer.  Channel 0 is a periodic tick on IRQ0: tests use it to run code at
 * interrupt time (OS/2's "interrupt-time access" to a VMProcessToGlobal alias).  Channel 2 is a
 * free-running clock read by polling, with no IRQ: the ATA driver bounds every wait with it.
 *
 * The clock: channel 2 in mode 2 (rate generator) with the full count of 65536, so its counter
 * runs down from 65536 to 1 and reloads, one step per PIT tick (1193182 Hz, 838 ns).  Its gate
 * is bit 0 of port 0x61; bit 1 (the speaker data) stays off, so nothing is heard.  pit_clock()
 * latches the counter (8254 counter latch command) and adds the ticks since the last read to a
 * 32-bit total, so a caller that reads it at least every 54.9 ms (one period) sees time go on;
 * the total wraps after about an hour, which differences of unsigned values do not mind.
 * pit_clock_start() checks that the counter moves at all: a PC whose PIT is gated off (some
 * chipsets stop it in deep idle states) gets pit_clock_ok() == false, and callers bound their
 * loops by a count instead.
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

static bool clock_ok;
static uint16_t clock_last;              /* the counter at the last read */
static uint32_t clock_total;             /* ticks accumulated since pit_clock_start */

static uint16_t ch2_counter(void)
{
    outb(0x43, 0x80);                    /* latch channel 2's counter */
    uint8_t lo = inb(0x42);
    return (uint16_t)(lo | inb(0x42) << 8);
}

bool pit_clock_start(void)
{
    uint32_t f = irq_save();
    outb(0x61, (inb(0x61) & ~0x02) | 0x01);   /* gate 2 on, speaker data off */
    outb(0x43, 0xB4);                         /* channel 2, lobyte/hibyte, mode 2, binary */
    outb(0x42, 0);                            /* count 0 = 65536: the longest period */
    outb(0x42, 0);
    clock_last = ch2_counter();
    clock_total = 0;
    /* The counter loads on the next tick; 1000 reads take at least 1000 bus cycles (about a
     * millisecond on an ISA bus, tens of microseconds in an emulator), many ticks either way. */
    clock_ok = false;
    for (int i = 0; i < 1000 && !clock_ok; i++)
        clock_ok = ch2_counter() != clock_last;
    clock_last = ch2_counter();
    irq_restore(f);
    return clock_ok;
}

bool pit_clock_ok(void) { return clock_ok; }

uint32_t pit_clock(void)
{
    uint32_t f = irq_save();
    uint16_t now = ch2_counter();
    clock_total += (uint16_t)(clock_last - now);   /* counts down; mod 65536 is the period */
    clock_last = now;
    uint32_t t = clock_total;
    irq_restore(f);
    return t;
}
