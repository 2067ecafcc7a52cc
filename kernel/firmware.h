/*
 * firmware.h - what the firmware says the machine has, read once at boot (kernel/firmware.c):
 * the ACPI tables (RSDP -> RSDT -> MADT for the local and I/O APICs, HPET), or else the
 * Intel MultiProcessor table.  Code that maps a device asks here first instead of assuming the
 * PC's usual addresses: an ISA-only board (QEMU -machine isapc, a 440BX-era PC) has a local
 * APIC in the CPU but no I/O APIC, and nothing at all may answer at 0xFEC00000.
 */
#ifndef KERNEL_FIRMWARE_H
#define KERNEL_FIRMWARE_H
#include "kernel/kernel.h"

#define FW_MAX_IOAPICS 8
struct firmware {
    bool acpi, mp;                     /* which table set was found (ACPI wins) */
    uint32_t lapic;                    /* local APIC base the tables report, 0 if none */
    uint32_t nioapic;
    struct { uint32_t base, gsi; uint8_t id; } ioapic[FW_MAX_IOAPICS];
    uint32_t hpet;                     /* HPET base (ACPI "HPET" table), 0 if none */
};
extern struct firmware firmware;
void firmware_probe(void);             /* before mm_init: reads physical memory through bootinfo.c */
void firmware_verify(void);            /* after mm_init: drops a reported I/O APIC that does not answer */
#endif
