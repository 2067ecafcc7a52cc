/*
 * as.c - address spaces.  An address space is a page directory whose private half (PDEs
 * 0-0x1FF) is its own and whose kernel half is shared with every other directory (pte.c keeps
 * those PDEs identical).  Creating one costs a frame and two 2 KiB copies; nothing of the
 * kernel's mappings is duplicated.  The boot directory is the system process's.
 *
 * This file creates, switches and destroys them, above the operations it uses (mm_release).
 * The records the layers below ask about - the kernel's, heading the list of all, and the
 * current one - are core_kernel_as and core_current_as (core.h), defined in region.c.
 */
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/core/core.h"

static uint32_t next_id = 1, nas = 1;

void as_init(void)
{
    core_kernel_as.pd = pte_kernel_directory();
}

struct as *as_kernel(void) { return &core_kernel_as; }
struct as *as_current(void) { return core_current_as; }
uint32_t as_count(void) { return nas; }

struct as *as_create(void)
{
    struct as *a = kzalloc(sizeof *a);
    if (!a) return NULL;
    pfn_t pd = pte_new_directory();
    if (pd == PFN_NONE) { kfree(a); return NULL; }
    a->pd = pd;
    a->id = next_id++;
    a->next = core_kernel_as.next;
    core_kernel_as.next = a;
    nas++;
    return a;
}

void as_switch(struct as *a)
{
    core_switch_as(a);
}

mm_status as_destroy(struct as *a)
{
    if (!a || a == core_current_as || a == &core_kernel_as) return MM_EINVAL;
    struct as *prev = core_current_as;
    as_switch(a);
    while (a->regions) {
        mm_status st = mm_release(a->regions);
        if (st != MM_OK) { as_switch(prev); return st; }
    }
    as_switch(prev);
    for (struct as **pp = &core_kernel_as.next; *pp; pp = &(*pp)->next)
        if (*pp == a) { *pp = a->next; break; }
    pte_free_directory(a->pd);
    nas--;
    kfree(a);
    return MM_OK;
}

uint32_t as_read_pte(struct as *a, vaddr_t va)
{
    return pte_read_in(a->pd, va);
}
