/*
 * firmware.c - the devices the firmware reports (firmware.h), from the ACPI tables or, on older
 * PCs without them, the Intel MultiProcessor Specification table.
 *
 * ACPI (spec 6.x, 5.2): the RSDP ("RSD PTR ", checksummed over its first 20 bytes) lies on a
 * 16-byte boundary in the first KiB of the EBDA (segment at 0x40E) or in 0xE0000-0xFFFFF; its
 * RsdtAddress (offset 16) names the RSDT, whose 32-bit entries after the 36-byte header point to
 * the other tables.  MADT ("APIC"): local APIC address at 36, then entries from 44, each type,
 * length, ...; type 1 is an I/O APIC (id at 2, address at 4, GSI base at 8).  HPET table: the
 * base address in the generic address structure at 40 (address at 44).
 * MP (spec 1.4, 4): the floating pointer "_MP_" in the EBDA's first KiB, the last KiB of base
 * memory or 0xF0000-0xFFFFF; its configuration table ("PCMP") has the local APIC address at 36,
 * the entry count at 34 and entries from 44: type 0 (processor) is 20 bytes, the others 8;
 * type 2 is an I/O APIC (id at 1, flags at 3 - bit 0 enabled -, address at 4).
 * Only the 32-bit RSDT is read (this kernel is non-PAE); tables past 4 GiB are ignored.
 */
#include "kernel/firmware.h"
#include "kernel/bootinfo.h"
#include "mm/mm.h"

struct firmware firmware;

static uint32_t rd32(paddr_t pa) { uint32_t v; phys_copy(&v, pa, 4); return v; }
static uint16_t rd16(paddr_t pa) { uint16_t v; phys_copy(&v, pa, 2); return v; }
static uint8_t rd8(paddr_t pa) { uint8_t v; phys_copy(&v, pa, 1); return v; }

static bool checksum_ok(paddr_t pa, uint32_t len)
{
    uint8_t sum = 0, b[64];
    for (uint32_t off = 0; off < len; off += sizeof b) {
        uint32_t n = MIN(len - off, sizeof b);
        phys_copy(b, pa + off, n);
        for (uint32_t i = 0; i < n; i++) sum += b[i];
    }
    return sum == 0;
}

/* The first 16-byte-aligned sig (len 4 or 8) in [start, end) whose first csum_len bytes sum to 0. */
static paddr_t scan(paddr_t start, paddr_t end, const char *sig, uint32_t siglen, uint32_t csum_len)
{
    char buf[8];
    for (paddr_t pa = start; pa + 16 <= end; pa += 16) {
        phys_copy(buf, pa, siglen);
        if (!memcmp(buf, sig, siglen) && checksum_ok(pa, csum_len)) return pa;
    }
    return 0;
}

/* The BIOS areas both specifications search: the EBDA's first KiB, the last KiB of base memory,
 * the BIOS ROM. */
static paddr_t find_in_bios(const char *sig, uint32_t siglen, uint32_t csum_len)
{
    paddr_t ebda = (paddr_t)rd16(0x40E) << 4, pa = 0;
    if (ebda >= 0x80000 && ebda < 0xA0000) pa = scan(ebda, ebda + 1024, sig, siglen, csum_len);
    if (!pa) pa = scan(0x9FC00, 0xA0000, sig, siglen, csum_len);
    if (!pa) pa = scan(0xE0000, 0x100000, sig, siglen, csum_len);
    return pa;
}

static void add_ioapic(uint32_t base, uint32_t gsi, uint8_t id)
{
    if (firmware.nioapic == FW_MAX_IOAPICS) return;
    firmware.ioapic[firmware.nioapic].base = base;
    firmware.ioapic[firmware.nioapic].gsi = gsi;
    firmware.ioapic[firmware.nioapic].id = id;
    firmware.nioapic++;
}

static void parse_madt(paddr_t t, uint32_t len)
{
    firmware.lapic = rd32(t + 36);
    for (uint32_t off = 44; off + 2 <= len;) {
        uint8_t type = rd8(t + off), elen = rd8(t + off + 1);
        if (elen < 2 || off + elen > len) break;          /* a broken entry ends the walk */
        if (type == 1 && elen >= 12) add_ioapic(rd32(t + off + 4), rd32(t + off + 8), rd8(t + off + 2));
        off += elen;
    }
}

static bool probe_acpi(void)
{
    paddr_t rsdp = find_in_bios("RSD PTR ", 8, 20);
    if (!rsdp) return false;
    paddr_t rsdt = rd32(rsdp + 16);
    char sig[4];
    phys_copy(sig, rsdt, 4);
    uint32_t len = rd32(rsdt + 4);
    if (memcmp(sig, "RSDT", 4) || len < 36 || len > 0x10000 || !checksum_ok(rsdt, len)) return false;
    firmware.acpi = true;
    for (uint32_t off = 36; off + 4 <= len; off += 4) {
        paddr_t t = rd32(rsdt + off);
        uint32_t tlen = rd32(t + 4);
        phys_copy(sig, t, 4);
        if (tlen < 36 || tlen > 0x10000 || !checksum_ok(t, tlen)) continue;
        if (!memcmp(sig, "APIC", 4) && tlen >= 44) parse_madt(t, tlen);
        if (!memcmp(sig, "HPET", 4) && tlen >= 52 && rd8(t + 40) == 0 && !rd32(t + 48)) firmware.hpet = rd32(t + 44);
    }
    return true;
}

static bool probe_mp(void)
{
    paddr_t fp = find_in_bios("_MP_", 4, 16);
    if (!fp) return false;
    paddr_t ct = rd32(fp + 4);
    char sig[4];
    if (!ct) return false;                                 /* a default configuration: no table */
    phys_copy(sig, ct, 4);
    uint16_t len = rd16(ct + 4), count = rd16(ct + 34);
    if (memcmp(sig, "PCMP", 4) || len < 44 || !checksum_ok(ct, len)) return false;
    firmware.mp = true;
    firmware.lapic = rd32(ct + 36);
    uint32_t off = 44;
    for (uint16_t i = 0; i < count && off < len; i++) {
        uint8_t type = rd8(ct + off);
        if (type == 2 && (rd8(ct + off + 3) & 1)) add_ioapic(rd32(ct + off + 4), 0, rd8(ct + off + 1));
        off += type == 0 ? 20 : 8;
    }
    return true;
}

void firmware_probe(void)
{
    if (!probe_acpi()) probe_mp();
    kprintf("firmware: %s", firmware.acpi ? "ACPI tables" : firmware.mp ? "MP table" : "no ACPI or MP table");
    if (firmware.lapic) kprintf(", local APIC %08x", firmware.lapic);
    for (uint32_t i = 0; i < firmware.nioapic; i++) kprintf(", I/O APIC %08x", firmware.ioapic[i].base);
    if (!firmware.nioapic) kprintf(", no I/O APIC");
    kprintf(firmware.hpet ? ", HPET %08x\n" : ", no HPET\n", firmware.hpet);
}

/*
 * After mm_init: a reported I/O APIC must answer - IOREGSEL (offset 0) keeps the index written to
 * it.  Firmware can be wrong: QEMU's isapc machine has no I/O APIC, yet its BIOS's MP table lists
 * one at 0xFEC00000.  One that does not answer is dropped, and the log says so.
 */
void firmware_verify(void)
{
    vaddr_t va = syspte_alloc(1);
    if (!va) return;
    for (uint32_t i = 0; i < firmware.nioapic;) {
        uint32_t base = firmware.ioapic[i].base, sel = 0;
        if (mm_map_physical(va, 1, base >> PAGE_SHIFT, 1, MM_PROT_WRITE | MM_CACHE_UC) == MM_OK) {
            volatile uint32_t *r = (volatile uint32_t *)(va + (base & PAGE_MASK));
            r[0] = 1;                                    /* IOREGSEL = 1: the version register */
            sel = r[0] & 0xFF;
            mm_decommit(va, 1);
        }
        if (sel == 1) { i++; continue; }
        kprintf("firmware: the I/O APIC reported at %08x does not answer: ignored\n", base);
        firmware.ioapic[i] = firmware.ioapic[--firmware.nioapic];
    }
    syspte_free(va, 1);
}
