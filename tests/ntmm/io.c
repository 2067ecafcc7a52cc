/*
 * tests/ntmm/io.c - ntmm/io-...: MmMapIoSpace / MmUnmapIoSpace on real (emulated) devices - the
 * VGA text buffer, the local APIC, the I/O APIC, the HPET - and on RAM, with the PTE bits each
 * cache type produces, 4 MiB pages, and the seed 002 idea of reading another process's buffer
 * through its physical address.  Every mapping is removed again and shown gone.
 */
#include "kernel/firmware.h"
#include "tests/harness/test.h"
#include "kernel/trap.h"
#include "tests/harness/user.h"
#include "drivers/console.h"
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/ntmm/ntmm.h"
#include "tests/ntmm/ntmm_test.h"

static uint32_t rd32(const volatile void *base, uint32_t off) { return *(const volatile uint32_t *)((vaddr_t)base + off); }
static void wr32(volatile void *base, uint32_t off, uint32_t v) { *(volatile uint32_t *)((vaddr_t)base + off) = v; }

/* After MmUnmapIoSpace: the address is invalid to NT and to the CPU, the PTEs are back and
 * nothing else moved since *before. */
static const char *check_unmapped(PVOID va, const struct mm_counts *before)
{
    CHECK(!MmIsAddressValid(va));
    uint32_t x;
    CHECK(!probe_read((vaddr_t)va & ~3u, &x));
    CHECK_NOTHING_MOVED(before);
    return PASS;
}

TEST(ntmm_io_vga, "ntmm/io-vga-text-buffer")
{
    static const char msg[] = "NT MmMapIoSpace(0xB8000) ok";
    struct mm_counts before;
    mm_counts_take(&before);
    volatile uint16_t *v = MmMapIoSpace(phys(0xB8000), 80 * 25 * 2, MmNonCached);
    CHECK(v);
    CHECK_EQ(syspte_free_count(), before.syspte_free - 2);                 /* one page and its guard */
    CHECK_EQ(MmGetPhysicalAddress((PVOID)v).LowPart, 0xB8000);
    CHECK_EQ(*MiGetPteAddress(v) & (PTE_PCD | PTE_PWT), PTE_PCD | PTE_PWT);
    /* Without a VGA adapter (QEMU -nodefaults) the misc-output register floats to 0xFF. */
    bool vga = inb(0x3CC) != 0xFF;
    volatile uint16_t *row = v + 24 * 80 + 80 - (sizeof msg - 1), *alias = vga_base() + (row - v);
    for (unsigned i = 0; i < sizeof msg - 1; i++) row[i] = 0x1F00 | (uint8_t)msg[i];
    bool same = true, alias_same = true;
    for (unsigned i = 0; i < sizeof msg - 1; i++) {
        same &= row[i] == (0x1F00 | (uint8_t)msg[i]);
        alias_same &= alias[i] == row[i];                    /* the boot window's view of the same frame */
    }
    MmUnmapIoSpace((PVOID)v, 80 * 25 * 2);
    TRY(check_unmapped((PVOID)v, &before));
    if (!vga) SKIP("no VGA adapter (port 0x3CC reads 0xFF, e.g. QEMU -nodefaults): nothing to read back at 0xB8000");
    CHECK(same);
    CHECK(alias_same);
    return PASS;
}

TEST(ntmm_io_lapic, "ntmm/io-local-apic")
{
    if (!x86.apic) SKIP("this CPU has no local APIC (CPUID.1:EDX.APIC = 0)");
    struct mm_counts before;
    mm_counts_take(&before);
    uint32_t base = 0xFEE00000u;
    if (x86.msr) {
        uint32_t lo, hi;
        __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1B));   /* IA32_APIC_BASE */
        CHECK(lo & (1u << 11));                                        /* globally enabled */
        base = lo & PTE_FRAME;
    }
    volatile void *v = MmMapIoSpace(phys(base), PAGE_SIZE, MmNonCached);
    CHECK(v);
    uint32_t ver = rd32(v, 0x30), id = rd32(v, 0x20);
    MmUnmapIoSpace((PVOID)v, PAGE_SIZE);
    kprintf("ntmm: local APIC at %08x: version register %08x, id %08x\n", base, ver, id);
    TRY(check_unmapped((PVOID)v, &before));
    CHECK_EQ(base, 0xFEE00000u);
    CHECK_MSG((ver & 0xFF) >= 0x10 && (ver & 0xFF) <= 0x1F, "version %02x is not an integrated APIC's", ver & 0xFF);
    CHECK_MSG(((ver >> 16) & 0xFF) >= 2 && ((ver >> 16) & 0xFF) <= 7, "max LVT entry %u", (ver >> 16) & 0xFF);
    return PASS;
}

/* The I/O APIC version register through its index/data window (IOREGSEL at 0, IOWIN at 0x10). */
static uint32_t ioapic_version(volatile void *v, uint32_t *sel)
{
    wr32(v, 0x00, 0x01);
    *sel = rd32(v, 0x00) & 0xFF;
    return rd32(v, 0x10);
}

static const char *check_ioapic_version(uint32_t ver)
{
    CHECK_MSG((ver & 0xFF) >= 0x11 && (ver & 0xFF) <= 0x2F, "I/O APIC version %02x", ver & 0xFF);
    CHECK_MSG(((ver >> 16) & 0xFF) >= 15 && ((ver >> 16) & 0xFF) < 240, "max redirection entry %u", (ver >> 16) & 0xFF);
    return PASS;
}

/* The I/O APIC the firmware reports (kernel/firmware.c: ACPI MADT or MP table, and it answered). */
TEST(ntmm_io_ioapic, "ntmm/io-ioapic")
{
    if (!firmware.nioapic) SKIP("the firmware reports no I/O APIC (or the one it reports does not answer)");
    struct mm_counts before;
    mm_counts_take(&before);
    uint32_t sel, base = firmware.ioapic[0].base;
    volatile uint8_t *v = MmMapIoSpace(phys(base), 0x20, MmNonCached);
    CHECK(v);
    uint32_t ver = ioapic_version(v, &sel);
    MmUnmapIoSpace((PVOID)v, 0x20);
    kprintf("ntmm: I/O APIC at %08x: version register %08x (IOREGSEL reads %x)\n", base, ver, sel);
    TRY(check_unmapped((PVOID)v, &before));
    CHECK_EQ(sel, 1);
    return check_ioapic_version(ver);
}

/* HPET general capabilities: revision, vendor (bits 16-31), period in fs (the high dword). */
static const char *check_hpet_caps(uint32_t cap, uint32_t period)
{
    CHECK_MSG((cap & 0xFF) != 0, "HPET revision 0");
    CHECK_MSG((cap >> 16) != 0 && (cap >> 16) != 0xFFFF, "HPET vendor %04x", cap >> 16);
    CHECK_MSG(period != 0 && period <= 0x05F5E100u, "HPET period %u fs", period);   /* spec: <= 100 ns */
    return PASS;
}

/* The HPET the firmware reports (the ACPI HPET table). */
TEST(ntmm_io_hpet, "ntmm/io-hpet")
{
    if (!firmware.hpet) SKIP("the firmware reports no HPET (no ACPI HPET table)");
    struct mm_counts before;
    mm_counts_take(&before);
    volatile void *v = MmMapIoSpace(phys(firmware.hpet), 0x400, MmNonCached);
    CHECK(v);
    uint32_t cap = rd32(v, 0), period = rd32(v, 4);
    MmUnmapIoSpace((PVOID)v, 0x400);
    kprintf("ntmm: HPET at %08x: capabilities %08x, period %u fs\n", firmware.hpet, cap, period);
    TRY(check_unmapped((PVOID)v, &before));
    return check_hpet_caps(cap, period);
}

/* C.4 test 1: cache type 6 -> NULL, 0x101 -> MmCached, the byte offset kept, two PTEs. */
TEST(ntmm_io_offset_and_type, "ntmm/io-byte-offset-and-cache-mask")
{
    struct mm_counts before;
    mm_counts_take(&before);
    CHECK(MmMapIoSpace(phys(0xFEE00000u), 0x10, (MEMORY_CACHING_TYPE)6) == NULL);
    CHECK(MmMapIoSpace(phys(0xFEE00000u), 0x10, (MEMORY_CACHING_TYPE)0x106) == NULL);
    CHECK_NOTHING_MOVED(&before);
    uint8_t *v = MmMapIoSpace(phys(0xFEE00123u), 0x1000, (MEMORY_CACHING_TYPE)0x101);
    CHECK(v);
    vaddr_t page = (vaddr_t)v & ~PAGE_MASK;
    pte_t e0 = *MiGetPteAddress(page), e1 = *MiGetPteAddress(page + PAGE_SIZE);
    uint32_t n = syspte_alloc_size(page);
    MmUnmapIoSpace(v, 0x1000);
    CHECK_EQ((vaddr_t)v & PAGE_MASK, 0x123);
    CHECK_EQ(n, 2);                                          /* 0x123 + 0x1000 spans two pages */
    CHECK_EQ(e0 & PTE_FRAME, 0xFEE00000u);
    CHECK_EQ(e1 & PTE_FRAME, 0xFEE01000u);
    CHECK_EQ(e0 & (PTE_PCD | PTE_PWT | PTE_PAT), 0);         /* 0x101 & 0xFF = MmCached */
    TRY(check_unmapped(v, &before));
    return PASS;
}

/* C.4 test 2: the PTE bits of each cache type, the Global bit (NT parity: set with PGE). */
TEST(ntmm_io_pte_bits, "ntmm/io-cache-type-pte-bits")
{
    static const struct { MEMORY_CACHING_TYPE t; const char *name; } types[] = {
        { MmNonCached, "NonCached" }, { MmCached, "Cached" }, { MmWriteCombined, "WriteCombined" },
        { MmHardwareCoherentCached, "HardwareCoherentCached" }, { MmNonCachedUnordered, "NonCachedUnordered" },
        { MmUSWCCached, "USWCCached" },
    };
    bool pat = x86.pat && x86.msr;
    struct mm_counts before;
    mm_counts_take(&before);
    for (unsigned i = 0; i < ARRAY_SIZE(types); i++) {
        volatile uint16_t *v = MmMapIoSpace(phys(0xB8000), 2, types[i].t);
        CHECK(v);
        pte_t e = *MiGetPteAddress(v);
        BOOLEAN valid = MmIsAddressValid((PVOID)v);
        uint32_t x;
        bool readable = probe_read((vaddr_t)v, &x);
        MmUnmapIoSpace((PVOID)v, 2);
        uint32_t want;
        switch (types[i].t) {
        case MmNonCached: case MmNonCachedUnordered: want = PTE_PCD | PTE_PWT; break;
        case MmWriteCombined: case MmUSWCCached: want = pat ? (PTE_PAT | PTE_PWT) : PTE_PCD; break;
        default: want = 0;
        }
        CHECK_MSG((e & (PTE_PCD | PTE_PWT | PTE_PAT)) == want, "%s: PTE %08x, want cache bits %03x", types[i].name, e, want);
        CHECK_MSG(!!(e & PTE_G) == x86.pge, "%s: PTE %08x: Global bit should be %s", types[i].name, e, x86.pge ? "set" : "clear");
        CHECK_MSG((e & (PTE_P | PTE_W | PTE_U)) == (PTE_P | PTE_W), "%s: PTE %08x", types[i].name, e);
        CHECK_MSG(valid && readable, "%s: valid %u, readable %u (PAT bit 7 is not LargePage in a PTE)", types[i].name, valid, readable);
    }
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* C.4 test 3 and the bad unmaps: only an exact MmMapIoSpace mapping is released. */
TEST(ntmm_io_unmap, "ntmm/io-unmap")
{
    struct mm_counts before;
    mm_counts_take(&before);
    uint32_t maps = ntmm_mapping_count();
    uint8_t *v = MmMapIoSpace(phys(0xB8000), 3 * PAGE_SIZE, MmNonCached);
    CHECK(v);
    uint32_t x;
    CHECK(probe_read((vaddr_t)v + 2 * PAGE_SIZE, &x));        /* in the TLB now */
    MmUnmapIoSpace(NULL, PAGE_SIZE);
    MmUnmapIoSpace(v, 0);
    MmUnmapIoSpace(v, PAGE_SIZE);                            /* wrong size */
    MmUnmapIoSpace(v + PAGE_SIZE, 2 * PAGE_SIZE);            /* not its start */
    MmUnmapIoSpace((PVOID)0x80100000u, PAGE_SIZE);           /* not from MmMapIoSpace */
    CHECK(MmIsAddressValid(v) && MmIsAddressValid(v + 2 * PAGE_SIZE));
    CHECK_EQ(syspte_free_count(), before.syspte_free - 4);
    CHECK(MmIsAddressValid((PVOID)0x80100000u));
    MmUnmapIoSpace(v + 0x10, 3 * PAGE_SIZE - 0x10);          /* same pages: accepted */
    TRY(check_unmapped(v, &before));
    CHECK(!probe_read((vaddr_t)v + 2 * PAGE_SIZE, &x));       /* gone from the TLB too */
    MmUnmapIoSpace(v, 3 * PAGE_SIZE);                        /* twice: nothing */
    CHECK_NOTHING_MOVED(&before);
    CHECK_EQ(ntmm_mapping_count(), maps);
    return PASS;
}

TEST(ntmm_io_bad_input, "ntmm/io-bad-input")
{
    struct mm_counts before;
    mm_counts_take(&before);
    CHECK(MmMapIoSpace(phys(0xB8000), 0, MmNonCached) == NULL);             /* zero length */
    CHECK(MmMapIoSpace(phys(0x1000B8000ull), 16, MmNonCached) == NULL);     /* above 4 GiB */
    CHECK(MmMapIoSpace(phys(0xFFFFF000u), 0x2000, MmNonCached) == NULL);     /* runs past 4 GiB */
    CHECK(MmMapIoSpace(phys(0xB8000), 0xFFFFFFFFu, MmNonCached) == NULL);   /* more than the pool */
    CHECK(MmMapIoSpace(phys(0xB8000), 16, MmMaximumCacheType) == NULL);
    CHECK(MmMapIoSpace(phys(0xB8000), 16, (MEMORY_CACHING_TYPE)0xFF) == NULL);
    CHECK(MmMapIoSpace(phys(0xB8000), 16, MmNotMapped) == NULL);            /* -1 & 0xFF = 0xFF */
    CHECK_NOTHING_MOVED(&before);
    CHECK_MM_OK();
    return PASS;
}

/* What happens when the range is RAM: free RAM, the kernel image and page tables are refused;
 * RAM in use is mapped with a counted reference. */
TEST(ntmm_io_ram, "ntmm/io-ram-choices")
{
    struct mm_counts before;
    mm_counts_take(&before);
    pfn_t free_frame = PFN_NONE;
    for (pfn_t p = pfn_max; p-- > 0x100;)
        if (pfn_db[p].state == PFN_FREE) { free_frame = p; break; }
    CHECK(free_frame != PFN_NONE);
    CHECK(MmMapIoSpace(phys((uint64_t)free_frame << PAGE_SHIFT), 16, MmCached) == NULL);
    CHECK(MmMapIoSpace(phys(0x100000), PAGE_SIZE, MmCached) == NULL);             /* kernel image */
    CHECK(MmMapIoSpace(phys(x86_read_cr3()), PAGE_SIZE, MmCached) == NULL);       /* a directory */
    CHECK(MmMapIoSpace(phys(0), LARGE_PAGE_SIZE, MmNonCached) == NULL);          /* 0-4 MiB: free RAM in it */
    CHECK_NOTHING_MOVED(&before);
    /* RAM in use: a committed system page, seen through a second, uncached view. */
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, 1, 1, OWNER_TEST, NULL);
    CHECK(r);
    CHECK_EQ(mm_commit(r->base, 1, MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL), MM_OK);
    pfn_t f = MmGetPhysicalAddress((PVOID)r->base).LowPart >> PAGE_SHIFT;
    *(volatile uint32_t *)(r->base + 0x40) = 0xA5A5F00D;
    volatile uint32_t *v = MmMapIoSpace(phys(((uint64_t)f << PAGE_SHIFT) + 0x40), 4, MmNonCached);
    CHECK(v);
    CHECK_EQ(*v, 0xA5A5F00D);
    CHECK_EQ(pfn_db[f].map_count, 2);                        /* the mapping holds a reference */
    *v = 0x0DDBA11;
    CHECK_EQ(*(volatile uint32_t *)(r->base + 0x40), 0x0DDBA11);
    CHECK_EQ(mm_release(r), MM_OK);                          /* the frame lives on in the I/O view */
    CHECK_EQ(pfn_db[f].state, PFN_USED);
    CHECK_EQ(*v, 0x0DDBA11);
    MmUnmapIoSpace((PVOID)v, 4);                             /* last reference: the frame is freed */
    CHECK_EQ(pfn_db[f].state, PFN_FREE);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* 4 MiB pages: the APIC window 0xFEC00000-0xFEFFFFFF as one large page, and a range with a tail. */
TEST(ntmm_io_large, "ntmm/io-large-pages")
{
    if (!x86.pse) SKIP("no PSE: MmMapIoSpace uses 4 KiB pages only");
    struct mm_counts before;
    mm_counts_take(&before);
    uint32_t maps = ntmm_mapping_count(), sel;
    volatile uint8_t *v = MmMapIoSpace(phys(0xFEC00000u), LARGE_PAGE_SIZE, MmNonCached);
    CHECK(v);
    pte_t pde = *MiGetPdeAddress(v);
    CHECK_EQ((vaddr_t)v & (LARGE_PAGE_SIZE - 1), 0);
    CHECK(pde_large(pde));
    CHECK_EQ(pde & PDE_LARGE_FRAME, 0xFEC00000u);
    CHECK_EQ(pde & (PTE_PCD | PTE_PWT | PTE_W), PTE_PCD | PTE_PWT | PTE_W);
    CHECK_EQ(syspte_free_count(), before.syspte_free);       /* a window, not system PTEs */
    CHECK_EQ(MmGetPhysicalAddress((PVOID)(v + 0x200010)).LowPart, 0xFEE00010u);
    CHECK(MmIsAddressValid((PVOID)(v + 0x3FFFFF)));
    CHECK(!MmIsAddressValid(MiGetPteAddress(v + 0x100000)));  /* the self-map view of a large PDE */
    uint32_t ver = ioapic_version(v, &sel), cap = rd32(v + 0x100000, 0), period = rd32(v + 0x100000, 4);
    MmUnmapIoSpace((PVOID)v, LARGE_PAGE_SIZE);
    CHECK(!(*MiGetPdeAddress(v) & PTE_P));
    CHECK(!MmIsAddressValid((PVOID)v));
    uint32_t x;
    CHECK(!probe_read((vaddr_t)v + 0x200000, &x));
    CHECK_NOTHING_MOVED(&before);
    CHECK_EQ(ntmm_mapping_count(), maps);
    /* Inside the window, the devices the firmware reports there (kernel/firmware.h). */
    if (firmware.nioapic && firmware.ioapic[0].base == 0xFEC00000u) { CHECK_EQ(sel, 1); TRY(check_ioapic_version(ver)); }
    if (firmware.hpet == 0xFED00000u) TRY(check_hpet_caps(cap, period));

    /* 4 MiB + 3 pages at 0xF0000000 (not RAM on any configuration): one PDE, then 3 PTEs. */
    uint8_t *w = MmMapIoSpace(phys(0xF0000000u), LARGE_PAGE_SIZE + 2 * PAGE_SIZE + 0x10, MmCached);
    CHECK(w);
    CHECK(pde_large(*MiGetPdeAddress(w)));
    pte_t t0 = *MiGetPteAddress(w + LARGE_PAGE_SIZE), t2 = *MiGetPteAddress(w + LARGE_PAGE_SIZE + 2 * PAGE_SIZE);
    PHYSICAL_ADDRESS pt = MmGetPhysicalAddress(w + LARGE_PAGE_SIZE + 0x1234);
    BOOLEAN past = MmIsAddressValid(w + LARGE_PAGE_SIZE + 3 * PAGE_SIZE);
    MmUnmapIoSpace(w, LARGE_PAGE_SIZE + 2 * PAGE_SIZE + 0x10);
    CHECK_EQ(t0 & PTE_FRAME, 0xF0400000u);
    CHECK_EQ(t2 & PTE_FRAME, 0xF0402000u);
    CHECK_EQ(pt.LowPart, 0xF0401234u);
    CHECK(!past);
    CHECK(!MmIsAddressValid(w) && !MmIsAddressValid(w + LARGE_PAGE_SIZE));
    CHECK_NOTHING_MOVED(&before);
    CHECK_EQ(ntmm_mapping_count(), maps);

    /* WriteCombined with PAT cannot be a large PDE here: 4 KiB PTEs instead. */
    if (x86.pat && x86.msr) {
        uint8_t *c = MmMapIoSpace(phys(0xF0000000u), LARGE_PAGE_SIZE, MmWriteCombined);
        CHECK(c);
        bool large = pde_large(*MiGetPdeAddress(c));
        pte_t e = *MiGetPteAddress(c + 0x5000);
        MmUnmapIoSpace(c, LARGE_PAGE_SIZE);
        CHECK(!large);
        CHECK_EQ(e & (PTE_FRAME | PTE_PAT | PTE_PWT | PTE_PCD), 0xF0005000u | PTE_PAT | PTE_PWT);
    }
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* RAM in 4 MiB-aligned runs stays on 4 KiB pages with counted references. */
TEST(ntmm_io_large_ram, "ntmm/io-large-aligned-ram-uses-small-pages")
{
    if (!x86.pse) SKIP("no PSE: nothing to choose");
    struct mm_counts before;
    mm_counts_take(&before);
    pfn_t s = pfn_alloc_run(1024, 1024, 0, pfn_max, 0, 0);   /* in use, referenced by nothing yet */
    if (s == PFN_NONE) SKIP("no free 4 MiB-aligned run of RAM at this memory size");
    uint8_t *v = MmMapIoSpace(phys((uint64_t)s << PAGE_SHIFT), LARGE_PAGE_SIZE, MmCached);
    bool large = v && pde_large(*MiGetPdeAddress(v));
    uint16_t refs = v ? pfn_db[s + 77].map_count : 0;
    uint32_t used = syspte_free_count();
    if (v) MmUnmapIoSpace(v, LARGE_PAGE_SIZE);               /* the only references: frees the run */
    else for (uint32_t i = 0; i < 1024; i++) pfn_free(s + i);
    CHECK(v);
    CHECK(!large);
    CHECK_EQ(refs, 1);
    CHECK_EQ(used, before.syspte_free - 1025);
    CHECK_EQ(pfn_db[s].state, PFN_FREE);
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}

/* Seed 002: the physical address of a buffer in process A, mapped while process B is current,
 * reads A's data (and A sees what B writes). */
TEST(ntmm_io_cross_process, "ntmm/io-cross-process-physical")
{
    struct mm_counts before;
    mm_counts_take(&before);
    struct as *a = as_create(), *b = as_create(), *prev = as_current();
    CHECK(a && b);
    as_switch(a);
    const vaddr_t buf = 0x00700000u;
    struct region *r = mm_reserve(ARENA_PRIVATE, buf, 1, 1, OWNER_TEST, NULL);
    bool ok = r && mm_commit(buf, 1, MM_PROT_WRITE | MM_PROT_USER, 0, NULL, NULL) == MM_OK;
    if (ok) umemcpy((void *)(buf + 0x321), "process A's secret", 19);   /* a user page */
    PHYSICAL_ADDRESS pa = MmGetPhysicalAddress((PVOID)(buf + 0x321));
    as_switch(b);
    PHYSICAL_ADDRESS pa_in_b = MmGetPhysicalAddress((PVOID)(buf + 0x321));   /* not mapped in B */
    char *v = ok ? MmMapIoSpace(pa, 19, MmCached) : NULL;
    bool same = v && !memcmp(v, "process A's secret", 19);
    if (v) memcpy(v, "written by B", 13);
    as_switch(a);
    struct user_result u;
    bool ring3 = ok && user_call(u_read, buf + 0x321, 0, &u) == 0 && !u.faulted;
    as_switch(prev);
    if (v) MmUnmapIoSpace(v, 19);
    CHECK_EQ(as_destroy(a), MM_OK);
    CHECK_EQ(as_destroy(b), MM_OK);
    CHECK(ok);
    CHECK(pa.LowPart > 0x100000 && (pa.LowPart & PAGE_MASK) == 0x321);
    CHECK_EQ(pa_in_b.QuadPart, 0);
    CHECK(v);
    CHECK(same);
    CHECK(ring3);
    CHECK_EQ(u.value, 0x74697277u);                          /* "writ" as A's ring 3 reads it */
    CHECK_NOTHING_MOVED(&before);
    return PASS;
}
