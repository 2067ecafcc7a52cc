/*
 * as.c - address spaces.  An address space is a page directory whose private half (PDEs
 * 0-0x1FF) is its own and whose kernel half is shared with every other directory (pte.c keeps
 * those PDEs identical).  Creating one costs a frame and two 2 KiB copies; nothing of the
 * kernel's mappings is duplicated.  The boot directory is the system process's.
 */
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/core/core.h"

static struct as kernel_as;
static struct as *cur = &kernel_as;
static uint32_t next_id = 1, nas = 1;

void as_init(void)
{
    kernel_as.pd = pte_kernel_directory();
}

struct as *as_kernel(void) { return &kernel_as; }
struct as *as_current(void) { return cur; }
uint32_t as_count(void) { return nas; }

struct as *as_create(void)
{
    struct as *a = kzalloc(sizeof *a);
    if (!a) return NULL;
    pfn_t pd = pte_new_directory();
    if (pd == PFN_NONE) { kfree(a); return NULL; }
    a->pd = pd;
    a->id = next_id++;
    a->next = kernel_as.next;
    kernel_as.next = a;
    nas++;
    return a;
}

void as_switch(struct as *a)
{
    if (a == cur) return;
    cur = a;
    x86_write_cr3(a->pd << PAGE_SHIFT);
}

mm_status as_destroy(struct as *a)
{
    if (!a || a == cur || a == &kernel_as) return MM_EINVAL;
    struct as *prev = cur;
    as_switch(a);
    while (a->regions) {
        mm_status st = mm_release(a->regions);
        if (st != MM_OK) { as_switch(prev); return st; }
    }
    as_switch(prev);
    for (struct as **pp = &kernel_as.next; *pp; pp = &(*pp)->next)
        if (*pp == a) { *pp = a->next; break; }
    pte_free_directory(a->pd);
    nas--;
    kfree(a);
    return MM_OK;
}

struct as *as_first(void) { return &kernel_as; }

uint32_t as_read_pte(struct as *a, vaddr_t va)
{
    pte_t *pd = hyper_map(a->pd);
    pte_t pde = pd[PDI(va)], e = 0;
    hyper_unmap(pd);
    if (!(pde & PTE_P)) return 0;
    if (pde & PDE_PS) return pde;
    pte_t *pt = hyper_map(pde >> PAGE_SHIFT);
    e = pt[PTI(va)];
    hyper_unmap(pt);
    return e;
}
