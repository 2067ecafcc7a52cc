/*
 * x86.h - hardware facts about i386 paging and nothing else: the PTE/PDE bits the MMU defines
 * (the software bits are the core's: mm/core/pte_sw.h), the self-map arithmetic and a table-by-table
 * walk through it, control registers, TLB invalidation and CPU features.  This is the only file
 * that knows a PTE is 4 bytes and that there are two levels (Intel SDM vol. 3, 4.3 "32-bit
 * paging").  The rest of mm/ goes through these names.
 */
#ifndef MM_X86_H
#define MM_X86_H
#include "kernel/kernel.h"
#include "mm/layout.h"

typedef uint32_t pte_t;

/* Hardware bits (SDM vol. 3, tables 4-5 and 4-6). */
#define PTE_P       0x001u   /* present */
#define PTE_W       0x002u   /* writable */
#define PTE_U       0x004u   /* user (ring 3) */
#define PTE_PWT     0x008u   /* write-through */
#define PTE_PCD     0x010u   /* cache disable */
#define PTE_A       0x020u   /* accessed */
#define PTE_D       0x040u   /* dirty */
#define PTE_PAT     0x080u   /* in a 4 KiB PTE: PAT index bit 2 */
#define PDE_PS      0x080u   /* in a PDE: 4 MiB page */
#define PTE_G       0x100u   /* global (CR4.PGE).  Never set in a PDE that points to a table:
                                the self-map reads PDEs as PTEs, and bit 8 would make the
                                per-process self-map entry global. */
#define PDE_PAT_LARGE 0x1000u /* in a 4 MiB PDE: PAT index bit 2 */
#define PTE_FRAME   0xFFFFF000u
#define PDE_LARGE_FRAME 0xFFC00000u

/* Bits 9-11 of a present entry and all but P of a not-present one are the software's: the
 * core's meanings are in mm/core/pte_sw.h, private to it. */

#define PDI(va)     ((uint32_t)(va) >> 22)
#define PTI(va)     (((uint32_t)(va) >> 12) & 0x3FFu)
#define PTES_PER_TABLE 1024u
#define LARGE_PAGE_SIZE 0x400000u

/* The self-map (the NT DDK; the layout in mm/layout.h): the NT formulas hold literally. */
#define MiGetPteAddress(va) ((pte_t *)(PTE_BASE + (((uint32_t)(va) >> 12) << 2)))
#define MiGetPdeAddress(va) ((pte_t *)(PDE_BASE + (((uint32_t)(va) >> 22) << 2)))
#define MiPteToAddress(p)   ((vaddr_t)(((uint32_t)(p) - PTE_BASE) << 10))
#define MiAddressToPte(va)  MiGetPteAddress(va)
#define MiAddressToPde(va)  MiGetPdeAddress(va)
/* layout.h derives PDE_BASE as table SELFMAP_PDI of the window; with 4-byte entries that is where
 * the window's own PTEs are, the directory: MiGetPteAddress(PTE_BASE) == PDE_BASE. */
_Static_assert(PDE_BASE == PTE_BASE + ((PTE_BASE >> 12) << 2), "the self-map: PTE_BASE's PTEs are the directory");

static inline pfn_t pte_pfn(pte_t e) { return e >> PAGE_SHIFT; }
static inline pfn_t pde_large_pfn(pte_t e) { return (e & PDE_LARGE_FRAME) >> PAGE_SHIFT; }   /* a 4 MiB PDE's first frame */
static inline bool pte_present(pte_t e) { return e & PTE_P; }
static inline bool pde_large(pte_t e) { return (e & (PTE_P | PDE_PS)) == (PTE_P | PDE_PS); }
/* A PDE that points to a page table: present and not a 4 MiB page, so MiGetPteAddress(va) of its
 * 4 MiB is a real entry (for a large PDE it would read the large page's data). */
static inline bool pde_table(pte_t e) { return (e & (PTE_P | PDE_PS)) == PTE_P; }

/*
 * Walking a range table by table through the self-map: each step is the span of [va, va + npages)
 * that shares one page table - at least one page, at most to the table's end - so its entries
 * are consecutive.  Reads only; what a missing table means is the caller's business.
 *     for_each_pte_span(s, va, npages) { ... s.va, s.n, s.done, s.pde, s.pt ... }
 * s.pt is the span's first entry when pde_table(s.pde), else NULL (no table, or a 4 MiB page:
 * pde_large(s.pde)).  `continue` goes on with the next span.
 */
struct pte_span {
    vaddr_t va;                 /* the span's first page */
    uint32_t n;                 /* its pages; 0 once the range is done */
    uint32_t done;              /* pages of the range before it */
    uint32_t left;              /* pages of the range from va on */
    pte_t pde;                  /* va's PDE */
    pte_t *pt;                  /* va's entry, or NULL */
};
/* The span at va, `done` pages into a range with `left` pages to go (n = 0 when none are).  By
 * value, so that the loop's span lives in registers. */
static inline struct pte_span pte_span_at(vaddr_t va, uint32_t done, uint32_t left)
{
    struct pte_span s = { .va = va, .done = done, .left = left };
    if (left) {                                  /* no PDE is read past the range */
        uint32_t room = PTES_PER_TABLE - PTI(va);
        s.n = left < room ? left : room;
        s.pde = *MiGetPdeAddress(va);
        s.pt = pde_table(s.pde) ? MiGetPteAddress(va) : NULL;
    }
    return s;
}
#define for_each_pte_span(s, start, npages) \
    for (struct pte_span s = pte_span_at((start), 0, (npages)); s.n; \
         s = pte_span_at(s.va + s.n * PAGE_SIZE, s.done + s.n, s.left - s.n))

/* Control registers. */
#define CR0_PE 0x00000001u
#define CR0_WP 0x00010000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u
#define CR0_PG 0x80000000u
#define CR4_PSE  0x00000010u
#define CR4_PAE  0x00000020u
#define CR4_PGE  0x00000080u
#define CR4_SMEP 0x00100000u
#define CR4_SMAP 0x00200000u

static inline uint32_t x86_read_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline void x86_write_cr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" :: "r"(v) : "memory"); }
static inline uint32_t x86_read_cr3(void) { uint32_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void x86_write_cr3(uint32_t v) { __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
uint32_t x86_read_cr4(void);              /* 0 on a CPU without CR4 (early 486) */
void x86_write_cr4(uint32_t v);           /* refuses bits the CPU does not advertise */
static inline uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }

/* CPU features, probed once by x86_probe() (CPUID when EFLAGS.ID toggles). */
struct x86_features {
    bool cpuid, has_cr4, invlpg;         /* invlpg: a 486 or later (EFLAGS.AC toggles) */
    bool pse, pae, pge, pat, pse36, nx, smep, smap, tsc, msr, apic, hypervisor;
    uint32_t max_leaf, family, model, stepping, edx1, ecx1;
    char vendor[13];
};
extern struct x86_features x86;
void x86_probe(void);
void x86_print_features(void);
extern bool x86_force_cr3_flush;          /* tests: exercise the no-invlpg fallback */

/*
 * TLB rule (SDM vol. 3, 4.10.4): after a present entry goes away, loses a permission or
 * changes frame, invalidate that address before relying on the change.  Adding a
 * translation needs no flush (not-present entries are not cached).  invlpg also drops the
 * paging-structure caches for the address.  Without invlpg (a 386), reload CR3 - and toggle
 * CR4.PGE when global pages are on, since a CR3 load keeps global entries (SDM 4.10.4.1); the
 * toggle is only reachable when tests force this path on a newer CPU.
 */
void x86_flush_tlb_all(void);             /* includes global entries (toggles CR4.PGE) */
static inline void x86_invlpg(vaddr_t va)
{
    if (!x86.invlpg || x86_force_cr3_flush)
        x86_flush_tlb_all();              /* a CR3 reload, plus a PGE toggle if globals exist */
    else
        __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory");
}
void x86_wbinvd(void);

/*
 * SMAP (SDM vol. 3, 4.6.1): with CR4.SMAP on - set at boot whenever CPUID says so - a ring-0
 * data access to a page whose PTE has U/S = 1 faults (#PF, P set) unless EFLAGS.AC = 1.  So a
 * stray kernel pointer into user memory is a fault, not a quiet read.  Code that means to
 * touch memory that may be a caller's or an application's opens a user-access window around
 * exactly that access:  x86_user_access_begin(); *p = v; x86_user_access_end();
 *   - begin is stac (AC = 1), end is clac (AC = 0).  Both #UD on a CPU without SMAP, so they run
 *     only while x86_smap_on (kept by x86_write_cr4, the one place CR4 is written); elsewhere
 *     they are compiler barriers, which also keep the access inside the window.
 *   - windows do not nest and stay short: nothing that may sleep, allocate or call out.
 *   - a fault inside a window: trap_dispatch runs its handler with AC = 0 (the CPU does not
 *     clear AC on delivery, and ring 3 can set AC with popf); iret brings AC = 1 back, also at
 *     an exception-table fixup, so end must follow the access whatever its outcome.  A ktry or
 *     NT_TRY longjmp restores the EFLAGS of its setjmp: a window opened inside the guarded code
 *     is closed by the jump.
 * The raw probes (probe_read etc., kernel/trap.h) do not open a window: they show the fault.
 */
#define EFLAGS_AC 0x00040000u
extern bool x86_smap_on;                  /* CR4.SMAP is set right now */
static inline uint32_t x86_read_eflags(void) { uint32_t v; __asm__ volatile("pushfl\n\tpopl %0" : "=r"(v)); return v; }
static inline void x86_user_access_begin(void)
{
    __asm__ volatile("" ::: "memory");
    if (x86_smap_on) __asm__ volatile(".byte 0x0f, 0x01, 0xcb" ::: "memory");   /* stac */
}
static inline void x86_user_access_end(void)
{
    if (x86_smap_on) __asm__ volatile(".byte 0x0f, 0x01, 0xca" ::: "memory");   /* clac */
    __asm__ volatile("" ::: "memory");
}

/* PAT: entry index (PAT, PCD, PWT) we program for write-combining when the CPU has PAT. */
#define PAT_WC_INDEX 5      /* PAT=1, PCD=0, PWT=1 */
void x86_pat_init(void);
#endif
