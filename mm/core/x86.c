/*
 * x86.c - CPU feature probe and the control-register writes that depend on it.
 *
 * Probe before you touch: an early 486 has no CPUID (EFLAGS.ID does not toggle) and no CR4;
 * a 386 has no invlpg (EFLAGS.AC does not toggle).  CR4 bits are written only when CPUID
 * advertises them: Bochs raises #GP otherwise, and QEMU 7.2 hangs the vCPU on some bits
 * instead of raising #GP, so a wrong write is never a recoverable event.
 */
#include "mm/x86.h"

struct x86_features x86;
bool x86_force_cr3_flush;
bool x86_smap_on;

static bool eflags_bit_toggles(uint32_t bit)
{
    uint32_t a, b;
    __asm__ volatile("pushfl\n\tpopl %0\n\tmovl %0, %1\n\txorl %2, %0\n\tpushl %0\n\tpopfl\n\t"
                     "pushfl\n\tpopl %0\n\tpushl %1\n\tpopfl"
                     : "=&r"(a), "=&r"(b) : "ri"(bit) : "cc");
    return ((a ^ b) & bit) != 0;
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

void x86_probe(void)
{
    x86.invlpg = eflags_bit_toggles(1u << 18);        /* AC: 486 and later */
    x86.cpuid = eflags_bit_toggles(1u << 21);         /* ID */
    if (!x86.cpuid) return;
    uint32_t r[4];
    cpuid(0, r);
    x86.max_leaf = r[0];
    memcpy(x86.vendor, &r[1], 4);
    memcpy(x86.vendor + 4, &r[3], 4);
    memcpy(x86.vendor + 8, &r[2], 4);
    if (x86.max_leaf < 1) return;
    cpuid(1, r);
    x86.family = (r[0] >> 8) & 0xF;
    x86.model = (r[0] >> 4) & 0xF;
    x86.stepping = r[0] & 0xF;
    x86.edx1 = r[3];
    x86.ecx1 = r[2];
    x86.pse = r[3] & (1u << 3);
    x86.tsc = r[3] & (1u << 4);
    x86.msr = r[3] & (1u << 5);
    x86.pae = r[3] & (1u << 6);
    x86.apic = r[3] & (1u << 9);
    x86.pge = r[3] & (1u << 13);
    x86.pat = r[3] & (1u << 16);
    x86.pse36 = r[3] & (1u << 17);
    x86.hypervisor = r[2] & (1u << 31);
    /* CR4 exists if any feature it controls does (VME, PVI, DE, PSE, PAE, PGE, ...). */
    x86.has_cr4 = (r[3] & ((1u << 1) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 13))) != 0;
    if (x86.max_leaf >= 7) {
        cpuid(7, r);
        x86.smep = r[1] & (1u << 7);
        x86.smap = r[1] & (1u << 20);
    }
    cpuid(0x80000000u, r);
    /* Some models echo the highest basic leaf here: range-check it. */
    if (r[0] >= 0x80000001u && r[0] < 0x80000100u) {
        cpuid(0x80000001u, r);
        x86.nx = r[3] & (1u << 20);
    }
}

void x86_print_features(void)
{
    if (!x86.cpuid) {
        kprintf("cpu: no CPUID (386 or early 486); invlpg %s\n", x86.invlpg ? "yes" : "no");
        return;
    }
    kprintf("cpu: %s family %u model %u stepping %u, max leaf %u\n", x86.vendor, x86.family,
            x86.model, x86.stepping, x86.max_leaf);
    kprintf("cpu: features:%s%s%s%s%s%s%s%s%s%s%s%s%s\n", x86.invlpg ? " invlpg" : "",
            x86.has_cr4 ? " cr4" : "", x86.pse ? " pse" : "", x86.pae ? " pae" : "",
            x86.pge ? " pge" : "", x86.pat ? " pat" : "", x86.pse36 ? " pse36" : "",
            x86.nx ? " nx" : "", x86.smep ? " smep" : "", x86.smap ? " smap" : "",
            x86.tsc ? " tsc" : "", x86.apic ? " apic" : "", x86.hypervisor ? " hypervisor" : "");
}

uint32_t x86_read_cr4(void)
{
    uint32_t v = 0;
    if (x86.has_cr4) __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

void x86_write_cr4(uint32_t v)
{
    uint32_t allowed = (x86.pse ? CR4_PSE : 0) | (x86.pae ? CR4_PAE : 0) | (x86.pge ? CR4_PGE : 0) |
                       (x86.smep ? CR4_SMEP : 0) | (x86.smap ? CR4_SMAP : 0);
    if (!x86.has_cr4 || (v & ~allowed))
        panic("x86_write_cr4(%08x): bits %08x not advertised by CPUID", v, v & ~allowed);
    __asm__ volatile("mov %0, %%cr4" :: "r"(v) : "memory");
    x86_smap_on = (v & CR4_SMAP) != 0;            /* x86_user_access_begin/end (x86.h) follow it */
}

void x86_flush_tlb_all(void)
{
    uint32_t cr4 = x86_read_cr4();
    if (cr4 & CR4_PGE) {                       /* toggling PGE flushes global entries too */
        x86_write_cr4(cr4 & ~CR4_PGE);
        x86_write_cr4(cr4);
    } else {
        x86_write_cr3(x86_read_cr3());
    }
}

void x86_wbinvd(void)
{
    if (x86.invlpg) __asm__ volatile("wbinvd" ::: "memory");   /* 486+ */
}

/*
 * PAT (SDM vol. 3, 11.12): keep the power-on entries 0-3 (WB, WT, UC-, UC) so PCD/PWT mean
 * what they always meant, and make entry 5 (PAT=1, PWT=1) write-combining for MmWriteCombined.
 */
void x86_pat_init(void)
{
    if (!x86.pat || !x86.msr) return;
    uint32_t lo = 0x00070406u;                 /* entries 0-3: WB, WT, UC-, UC */
    uint32_t hi = 0x00070106u;                 /* entries 4-7: WB, WC, UC-, UC */
    __asm__ volatile("wrmsr" :: "c"(0x277), "a"(lo), "d"(hi));
}
