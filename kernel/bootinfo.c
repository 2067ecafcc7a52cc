/*
 * bootinfo.c - copies the Multiboot v1 information into `bootinfo`.
 *
 * Runs before mm_init, under the boot page tables: physical memory is reached through one
 * scratch PTE at the top of the boot window (boot_pt[1023], VA 0x803FF000), so the MBI may lie
 * anywhere in the 4 GiB, not only inside the 4 MiB the boot code identity-mapped.
 */
#include "kernel/bootinfo.h"
#include "mm/x86.h"

struct bootinfo bootinfo;
extern pte_t boot_pt[1024];

#define SCRATCH_VA (KERNEL_VBASE + 1023u * PAGE_SIZE)

void phys_copy(void *dst, paddr_t src, uint32_t len)
{
    uint8_t *d = dst;
    while (len) {
        uint32_t off = src & PAGE_MASK, n = MIN(len, PAGE_SIZE - off);
        boot_pt[1023] = PAGE_ALIGN_DOWN(src) | PTE_P;
        x86_invlpg(SCRATCH_VA);
        memcpy(d, (const void *)(SCRATCH_VA + off), n);
        d += n; src += n; len -= n;
    }
    boot_pt[1023] = 0;
    x86_invlpg(SCRATCH_VA);
}

static void note_loader_range(paddr_t start, uint32_t len)
{
    if (bootinfo.nloader < MB_MAX_RANGES && len)
        bootinfo.loader[bootinfo.nloader++] = (struct phys_range){ start, start + len };
}

void bootinfo_copy(uint32_t magic, paddr_t mbi_pa)
{
    uint32_t mbi[13];           /* flags .. mmap_addr (offsets 0-48) */
    bootinfo.magic = magic;
    if (magic != 0x2BADB002u) return;
    phys_copy(mbi, mbi_pa, sizeof mbi);
    note_loader_range(mbi_pa, sizeof mbi);
    bootinfo.flags = mbi[0];
    if (mbi[0] & 1) { bootinfo.mem_lower_kb = mbi[1]; bootinfo.mem_upper_kb = mbi[2]; }
    if (mbi[0] & (1u << 2)) {                       /* command line: NUL-terminated string */
        char *c = bootinfo.cmdline;
        char next;
        phys_copy(c, mbi[4], sizeof bootinfo.cmdline - 1);
        phys_copy(&next, mbi[4] + sizeof bootinfo.cmdline - 1, 1);
        c[sizeof bootinfo.cmdline - 1] = 0;
        bootinfo.cmdline_cut = strlen(c) == sizeof bootinfo.cmdline - 1 && next;
        note_loader_range(mbi[4], strlen(c) + 1);
    }
    if (mbi[0] & (1u << 3)) {                       /* modules: {start, end, string, reserved} */
        uint32_t mods[4];
        for (uint32_t i = 0; i < mbi[5] && i < MB_MAX_MODS; i++) {
            phys_copy(mods, mbi[6] + i * 16, sizeof mods);
            bootinfo.mods[bootinfo.nmods++] = (struct phys_range){ mods[0], mods[1] };
        }
        note_loader_range(mbi[6], mbi[5] * 16);
    }
    if (mbi[0] & (1u << 6)) {                       /* memory map: {size, base, len, type} */
        uint32_t off = 0, len = mbi[11], addr = mbi[12];
        note_loader_range(addr, len);
        bootinfo.has_mmap = true;
        while (off + 4 <= len && bootinfo.nmmap < MB_MAX_MMAP) {
            uint32_t e[6];
            phys_copy(e, addr + off, sizeof e);
            struct mmap_entry *m = &bootinfo.mmap[bootinfo.nmmap++];
            m->base = e[1] | ((uint64_t)e[2] << 32);
            m->len = e[3] | ((uint64_t)e[4] << 32);
            m->type = e[5];
            off += e[0] + 4;
        }
    }
}

/* The memory-map types (Multiboot 1 = the BIOS's INT 15h E820 types; ACPI 3.0 added 5 to 7). */
static const char *mmap_type_name(uint32_t t)
{
    static const char *const names[] = { "type 0", "usable", "reserved", "ACPI reclaimable", "ACPI NVS",
                                         "bad memory", "disabled", "persistent" };
    return t < ARRAY_SIZE(names) ? names[t] : "unknown type";
}

void bootinfo_print(void)
{
    kprintf("boot: multiboot flags %08x, mem_lower %uK, mem_upper %uK, %u mmap entries, %u modules\n",
            bootinfo.flags, bootinfo.mem_lower_kb, bootinfo.mem_upper_kb, bootinfo.nmmap, bootinfo.nmods);
    for (uint32_t i = 0; i < bootinfo.nmmap; i++) {
        const struct mmap_entry *m = &bootinfo.mmap[i];
        kprintf("boot: mmap %016llx-%016llx %s (type %u)\n", m->base, m->base + m->len - 1,
                mmap_type_name(m->type), m->type);
    }
}
