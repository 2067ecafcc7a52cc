/*
 * mm/devhlp/common.c - what the DevHelp services share: the error translation, the check of
 * caller-supplied pointers, PAGELIST construction, the init phase and devhlp_init().
 *
 * Error policy (the OS/2 PDD reference; partly inferred):
 *   87  ERROR_INVALID_PARAMETER   bad flags or flag combinations, zero/wrapping lengths, unaligned
 *                                 addresses where alignment is required, ranges that are not
 *                                 reserved/committed or that cross an object (region) boundary,
 *                                 bad caller pointers
 *   8   ERROR_NOT_ENOUGH_MEMORY   no frame, no linear space, no pool record
 *   5   ERROR_ACCESS_DENIED       VMLock(VERIFY|WRITE) on a read-only page; VMFree of memory
 *                                 that is still locked
 *   33  ERROR_LOCK_VIOLATION      VMLock cannot relocate pages (CONTIGUOUS/16M) because another
 *                                 mapping or lock holds them (OS/2 would block; we never block)
 *   32792 ERROR_NOBLOCK           the same with VMDHL_NOBLOCK, or pages not resident under NOBLOCK
 *   6 / 158                       lock handles: forged -> 6, genuine but released -> 158
 *   487 ERROR_INVALID_ADDRESS     LinToPageList of a page that is not present
 *   490 ERROR_INVALID_SELECTOR    VirtToLin of a selector that names no usable segment
 */
#include "mm/devhlp/devhlp.h"
#include "kernel/trap.h"
#include "mm/x86.h"

static bool init_phase;

USHORT devhlp_error(mm_status st)
{
    switch (st) {
    case MM_OK: return NO_ERROR;
    case MM_ENOMEM: case MM_ENOSPACE: case MM_ELIMIT: return ERROR_NOT_ENOUGH_MEMORY;
    case MM_EBUSY: return ERROR_LOCK_VIOLATION;
    case MM_ENOTLOCKED: return ERROR_NOT_LOCKED;
    case MM_EACCES: return ERROR_ACCESS_DENIED;
    default: return ERROR_INVALID_PARAMETER;      /* EINVAL, EEXIST, ENOENT */
    }
}

/* What LinToPageList may translate (it reads page tables, never the memory): the three arenas,
 * minus the PFN database.  The self-map, hyperspace, the null page and 0xFFC00000+ are outside
 * every arena.  Not the rule for caller buffers: that is devhlp_ptr_ok below. */
bool devhlp_range_allowed(LIN p, uint32_t n)
{
    LIN end = p + n;                                  /* exclusive; n >= 1 */
    if (end <= p) return false;                       /* wraps, or ends exactly at 4 GiB */
    if (p >= PRIVATE_START && end <= PRIVATE_END) return true;
    if (p >= SHARED_START && end <= SHARED_END) return true;
    if (p >= SYSTEM_START && end <= SYSTEM_END) return end <= PFNDB_BASE || p >= PFNDB_END;
    return false;
}

/*
 * Is [p, p + n) a place the caller may hand us?  The core's caller-buffer rule (mm/core/caller.c),
 * the same the VxD services apply, with the service's stack floor (CALLER_STACK_FLOOR, taken in
 * the service's own body and handed down to helpers): every page it touches is readable (and
 * writable, for `write`) right now, probed under the exception table, so a garbage pointer is an
 * answer, not a fault.
 */
bool devhlp_ptr_ok(LIN p, uint32_t n, bool write, vaddr_t floor)
{
    return mm_caller_buffer_ok(p, n, write, floor);
}

/* Probed, and in a user-access window: the caller's dword may be in a user page. */
bool devhlp_put(LIN p, uint32_t v)
{
    x86_user_access_begin();
    bool ok = probe_write(p, v);
    x86_user_access_end();
    return ok;
}

bool devhlp_get(LIN p, uint32_t *v)
{
    x86_user_access_begin();
    bool ok = probe_read(p, v);
    x86_user_access_end();
    return ok;
}

bool devhlp_span(LIN lin, ULONG len, vaddr_t *base, uint32_t *npages)
{
    if (!len || lin + (len - 1) < lin) return false;
    *base = PAGE_ALIGN_DOWN(lin);
    *npages = (((lin & PAGE_MASK) + (len - 1)) >> PAGE_SHIFT) + 1;
    return true;
}

/*
 * B.2: one entry per physically contiguous run; adjacent contiguous pages are merged, the
 * first entry starts at the page offset of the linear address, the sizes add up to len.
 */
uint32_t devhlp_build_pagelist(const pfn_t *frames, uint32_t off, uint32_t len, PAGELIST *out, uint32_t max)
{
    uint32_t n = 0, done = 0;
    paddr_t run_end = 0;
    for (uint32_t i = 0; done < len; i++) {
        uint32_t o = i ? 0 : off;
        uint32_t chunk = MIN(PAGE_SIZE - o, len - done);
        paddr_t pa = (frames[i] << PAGE_SHIFT) + o;
        if (n && pa == run_end) {
            if (out && n <= max) out[n - 1].Size += chunk;
        } else {
            if (out && n < max) out[n] = (PAGELIST){ pa, chunk };
            n++;
        }
        run_end = pa + chunk;
        done += chunk;
    }
    return n;
}

/* A region this personality made and returned as exactly `lin` (data[0]). */
struct region *devhlp_region_at(LIN lin)
{
    struct region *r = mm_region_find(lin);
    return r && r->owner == OWNER_DEVHLP && r->data[0] == lin ? r : NULL;
}

/* ---- init phase and the entry point ------------------------------------------------------ */

bool devhlp_at_init(void) { return init_phase; }

void devhlp_run_init(void (*fn)(void *), void *arg)
{
    bool was = init_phase;
    init_phase = true;
    fn(arg);
    init_phase = was;
}

void devhlp_init(void)
{
    init_phase = true;
    devhlp_lock_init();
    Device_Help = (uint32_t)devhlp_entry;
    init_phase = false;            /* drivers are initialised; from here on it is "after init" */
    kprintf("devhlp: Device_Help at %08x (VMLock, VMUnLock, VMAlloc, VMFree, VMProcessToGlobal, "
            "VMGlobalToProcess, VirtToLin, LinToPageList, PageListToLin)\n", Device_Help);
}
