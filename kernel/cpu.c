/*
 * cpu.c - descriptor tables.  Flat segments for ring 0 and ring 3, a TSS whose ESP0 is the
 * kernel stack used when ring 3 traps, and a second TSS reached through a task gate on #DF:
 * a kernel stack overflow then lands on a known-good stack and is reported, instead of the
 * silent triple fault a plain interrupt gate would give (SDM vol. 3, 6.15 "#DF").
 */
#include "kernel/trap.h"
#include "drivers/console.h"
#include "mm/x86.h"

struct gdt_entry { uint16_t lim_lo, base_lo; uint8_t base_mid, access, gran, base_hi; } __attribute__((packed));
struct idt_entry { uint16_t off_lo, sel; uint8_t zero, type; uint16_t off_hi; } __attribute__((packed));
struct dtr { uint16_t limit; uint32_t base; } __attribute__((packed));

struct tss {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap;
} __attribute__((packed));

static struct gdt_entry gdt[7];
static struct idt_entry idt[256];
static struct tss tss, df_tss;
static uint8_t df_stack[8192] __attribute__((aligned(16)));
extern uint32_t trap_vectors[256];        /* trap.asm */
extern void double_fault_task(void);      /* trap.asm */

static void gdt_set(int i, uint32_t base, uint32_t limit, uint8_t access, uint8_t gran)
{
    gdt[i] = (struct gdt_entry){ limit & 0xFFFF, base & 0xFFFF, (base >> 16) & 0xFF, access,
                                 (uint8_t)((gran & 0xF0) | ((limit >> 16) & 0x0F)), base >> 24 };
}

static void idt_set(int v, uint32_t off, uint16_t sel, uint8_t type)
{
    idt[v] = (struct idt_entry){ off & 0xFFFF, sel, 0, type, off >> 16 };
}

void tss_set_kernel_stack(uint32_t esp0) { tss.esp0 = esp0; }

static void gdt_init(void)
{
    gdt_set(1, 0, 0xFFFFF, 0x9A, 0xC0);              /* kernel code */
    gdt_set(2, 0, 0xFFFFF, 0x92, 0xC0);              /* kernel data */
    gdt_set(3, 0, 0xFFFFF, 0xFA, 0xC0);              /* user code, DPL 3 */
    gdt_set(4, 0, 0xFFFFF, 0xF2, 0xC0);              /* user data, DPL 3 */
    tss.ss0 = SEL_KDATA;
    tss.iomap = sizeof tss;                          /* no I/O bitmap: ring 3 gets no ports */
    gdt_set(5, (uint32_t)&tss, sizeof tss - 1, 0x89, 0x00);

    df_tss.ss0 = df_tss.ss = df_tss.ds = df_tss.es = df_tss.fs = df_tss.gs = SEL_KDATA;
    df_tss.cs = SEL_KCODE;
    df_tss.esp = df_tss.esp0 = (uint32_t)(df_stack + sizeof df_stack);
    df_tss.eip = (uint32_t)double_fault_task;
    df_tss.eflags = 0x2;
    df_tss.cr3 = x86_read_cr3();                     /* the kernel directory; always mapped */
    df_tss.iomap = sizeof df_tss;
    gdt_set(6, (uint32_t)&df_tss, sizeof df_tss - 1, 0x89, 0x00);

    struct dtr d = { sizeof gdt - 1, (uint32_t)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp %1, $1f\n1:\n\t"
                     "mov %2, %%ax\n\tmov %%ax, %%ds\n\tmov %%ax, %%es\n\tmov %%ax, %%ss\n\t"
                     "mov %%ax, %%fs\n\tmov %%ax, %%gs\n\t"
                     "mov %3, %%ax\n\tltr %%ax"
                     :: "m"(d), "i"(SEL_KCODE), "i"(SEL_KDATA), "i"(SEL_TSS) : "eax", "memory");
}

static void idt_init(void)
{
    for (int v = 0; v < 256; v++)
        if (trap_vectors[v])
            idt_set(v, trap_vectors[v], SEL_KCODE, 0x8E);        /* interrupt gate, DPL 0 */
    idt_set(8, 0, SEL_DFTSS, 0x85);                              /* #DF: task gate */
    idt_set(VEC_SYSCALL, trap_vectors[VEC_SYSCALL], SEL_KCODE, 0xEE);   /* DPL 3: int 0x80 */
    struct dtr d = { sizeof idt - 1, (uint32_t)idt };
    __asm__ volatile("lidt %0" :: "m"(d));
}


/* Caches on: Bochs - and, by its reports, some BIOSes - hand over with CR0.CD (and NW) set, and
 * the kernel would run uncached.  NW may only be set with CD, so both are cleared together, after
 * a wbinvd (486 and later: a 386 has neither the bits' meaning nor the instruction) so no line
 * written while NW was on is lost.  SDM vol. 3, 11.5.1 and table 11-5. */
static void cpu_enable_caches(void)
{
    uint32_t cr0 = x86_read_cr0();
    if (!(cr0 & (CR0_CD | CR0_NW))) return;
    x86_wbinvd();
    x86_write_cr0(cr0 & ~(CR0_CD | CR0_NW));
    x86_wbinvd();
    kprintf("cpu: caches were off at hand-over (CR0 %08x: CD%s): enabled\n", cr0, (cr0 & CR0_NW) ? ", NW" : "");
}

void cpu_init(void)
{
    cpu_enable_caches();
    gdt_init();
    idt_init();
    pic_init();
}
