/*
 * mm/vxd/common.c - what every VxD service uses: page-number ranges, finding the personality's
 * regions, caller pointers, flag translation; and the environment a VxD runs in: the init
 * phase, the system VM handle, Trace_Out.
 */
#include "mm/vxd/internal.h"
#include "mm/x86.h"

ULONG vxd_edx;
uint32_t vxd_trace_values[VXD_TRACE_KEEP];
uint32_t vxd_trace_count;
static bool init_phase;

/* The system VM's control block (the VMM's Get_Sys_VM_Handle): the only VM there is, so the
 * only VM handle _PageAllocate accepts for PG_VM / PG_HOOKED blocks. */
static struct { ULONG CB_VM_Status, CB_High_Linear, CB_Client_Pointer, CB_VMID, CB_Signature; }
    sys_vm_cb = { 0, 0, 0, 1, 0x62634D56u /* "VMcb" */ };

ULONG vxd_sys_vm(void) { return (ULONG)&sys_vm_cb; }

bool vxd_pages(ULONG page, ULONG npages, vaddr_t *va)
{
    if (!npages || page >= VXD_MAXPAGE || npages > VXD_MAXPAGE - page) return false;
    *va = page << PAGE_SHIFT;
    return true;
}

struct region *vxd_region_of(vaddr_t va, uint32_t npages, uint32_t kinds)
{
    struct region *r = mm_region_find(va);
    if (!r || r->owner != OWNER_VXD || r->kind >= 32 || !(kinds & VXDK(r->kind))) return NULL;
    return mm_region_contains(r, va, npages) ? r : NULL;
}

struct region *vxd_handle(ULONG h, uint32_t kinds)
{
    if (h & PAGE_MASK) return NULL;
    struct region *r = vxd_region_of(h, 1, kinds);
    return r && r->base == h ? r : NULL;
}

struct region *vxd_reserve(enum mm_arena arena, vaddr_t at, uint32_t npages, uint32_t align, uint16_t kind)
{
    struct region *r = mm_reserve(arena, at, npages, align, OWNER_VXD, NULL);
    if (r) r->kind = kind;
    return r;
}

bool vxd_is_static(const struct region *r)
{
    return (r->kind == VXD_RESERVE && (r->flags & PR_STATIC)) || (r->data[2] & VXDF_STATIC);
}

bool vxd_foreign_locks(vaddr_t va, uint32_t npages)
{
    return mm_range_locked(va, npages);
}

bool vxd_ptr_ok(const void *ptr, uint32_t n, bool write, vaddr_t floor)
{
    return mm_caller_buffer_ok((vaddr_t)ptr, n, write, floor);
}

bool vxd_align_ok(ULONG mask)
{
    return (mask & (mask + 1)) == 0 && mask < VXD_MAXPAGE;
}

uint32_t vxd_prot(ULONG pc)
{
    uint32_t p = 0;
    if (pc & PC_WRITEABLE) p |= MM_PROT_WRITE;
    if (pc & PC_USER) p |= MM_PROT_USER;
    if (pc & PC_CACHEDIS) p |= MM_CACHE_UC;
    else if (pc & PC_CACHEWT) p |= MM_CACHE_WT;
    return p;
}

ULONG vxd_pc_bits(uint32_t prot)
{
    return ((prot & MM_PROT_WRITE) ? PC_WRITEABLE : 0) | ((prot & MM_PROT_USER) ? PC_USER : 0);
}

/* ---- the environment ------------------------------------------------------------------------ */

bool vxd_at_init(void) { return init_phase; }

uint32_t vxd_run_init(uint32_t (*fn)(uint32_t), uint32_t arg)
{
    bool was = init_phase;
    init_phase = true;
    uint32_t r = fn(arg);
    init_phase = was;
    return r;
}

/* Trace_Out "text #EAX more": the DDK's debug macro; "#EAX" becomes the value in hex. */
void vxd_trace_out(const char *msg, uint32_t eax)
{
    char line[160];
    size_t n = 0;
    for (const char *s = msg; *s && n + 9 < sizeof line; ) {
        if (!strncmp(s, "#EAX", 4)) {
            n += (size_t)ksnprintf(line + n, sizeof line - n, "%08X", eax);
            s += 4;
        } else {
            line[n++] = *s++;
        }
    }
    line[n] = 0;
    kprintf("vxd: Trace_Out: %s\n", line);
    vxd_trace_values[vxd_trace_count++ % VXD_TRACE_KEEP] = eax;
}

void vxd_init(void)
{
    init_phase = true;                /* the VMM's own Sys_Critical_Init */
    vxd_vmmcall_init();
    vxd_phys_init();
    init_phase = false;
}

bool vxd_make_present(vaddr_t va, uint32_t npages, bool dirty)
{
    if (mm_lock(va, npages, dirty ? MM_LOCK_DIRTY : 0, NULL) != MM_OK) return false;
    mm_unlock(va, npages);
    return true;
}
