/*
 * ntmm.c - what the NT Mm personality's services share: bug checks that do not halt, a small
 * try/except over ktry (ExRaiseStatus, NT_TRY), the cache-type translation, and the records of
 * the system-space mappings MmMapIoSpace and the contiguous allocator made.
 *
 * Bug checks.  On NT, KeBugCheckEx stops the machine: a driver that frees the middle of a
 * contiguous block (BAD_POOL_CALLER 0xC2/0x60) or runs out of system PTEs with
 * BugCheckOnFailure set (NO_MORE_SYSTEM_PTES 0x3F) takes the system down.  Here a bug check is
 * *reported*: the code and parameters are recorded in ntmm_last_bugcheck, ntmm_bugcheck_hook is
 * called when set, a "*** STOP:" line is printed, and KeBugCheckEx returns; the service that
 * called it then fails the request without changing anything.  The kernel hosts three API
 * personalities and a test suite, and one misbehaving NT caller must not halt the other two.
 *
 * Exceptions.  NT raises from MmProbeAndLockPages and expects the caller's __try/__except.
 * NT_TRY links an NT frame and a ktry (kernel/trap.h): a CPU fault in the guarded code reaches the
 * ktry through trap.c, ExRaiseStatus reaches it through ktry_longjmp; either way control comes
 * back to NT_TRY's else branch with the frame's status set.
 */
#include "mm/ntmm/ntmm.h"
#include "mm/x86.h"

struct ntmm_bugcheck ntmm_last_bugcheck;
ntmm_bugcheck_hook_t ntmm_bugcheck_hook;

/* NT: KeBugCheckEx never returns.  Ours records, reports and returns (see the file comment). */
VOID KeBugCheckEx(ULONG code, ULONG_PTR p1, ULONG_PTR p2, ULONG_PTR p3, ULONG_PTR p4)
{
    ntmm_last_bugcheck.count++;
    ntmm_last_bugcheck.code = code;
    ntmm_last_bugcheck.param[0] = p1;
    ntmm_last_bugcheck.param[1] = p2;
    ntmm_last_bugcheck.param[2] = p3;
    ntmm_last_bugcheck.param[3] = p4;
    kprintf("ntmm: *** STOP: 0x%08X (0x%08X,0x%08X,0x%08X,0x%08X) reported, not halting\n",
            code, p1, p2, p3, p4);
    if (ntmm_bugcheck_hook) ntmm_bugcheck_hook(code, p1, p2, p3, p4);
}

/* ---- try/except ---------------------------------------------------------------------------- */

static NT_TRY_FRAME *nt_top;      /* innermost NT_TRY: where ExRaiseStatus goes */

void ntmm_try_link(NT_TRY_FRAME *t)
{
    t->status = STATUS_SUCCESS;
    t->raised = false;
    t->prev = nt_top;
    nt_top = t;
    ktry_link(&t->k);
}

void NT_TRY_END(NT_TRY_FRAME *t)
{
    ASSERT(nt_top == t);
    nt_top = t->prev;
    ktry_end(&t->k);
}

/* Exception codes for the CPU faults a ktry can catch (NT's KiDispatchException table). */
static NTSTATUS fault_status(uint32_t vector)
{
    switch (vector) {
    case 0: return STATUS_INTEGER_DIVIDE_BY_ZERO;
    case 3: return STATUS_BREAKPOINT;
    case 6: return STATUS_ILLEGAL_INSTRUCTION;
    default: return STATUS_ACCESS_VIOLATION;          /* #PF, #GP, #SS, ... */
    }
}

void ntmm_try_caught(NT_TRY_FRAME *t)
{
    if (nt_top == t) nt_top = t->prev;                /* a CPU fault: trap.c unlinked only the ktry */
    if (!t->raised) t->status = fault_status(t->k.fault.vector);
}

/* NT: raises a software exception; unhandled, it is bug check 0x1E.  Ours: jumps to the innermost
 * NT_TRY (which must be the innermost ktry too: raising across a bare KTRY is a bug), or, with
 * none, reports 0x1E and returns to the caller. */
VOID ExRaiseStatus(NTSTATUS status)
{
    NT_TRY_FRAME *t = nt_top;
    if (!t) {
        KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (ULONG_PTR)status, 0, 0, 0);
        return;
    }
    nt_top = t->prev;
    t->status = status;
    t->raised = true;
    ktry_end(&t->k);
    ktry_longjmp(&t->k, 2);
}

/* ---- cache types ------------------------------------------------------------------------------ */

/*
 * the NT DDK (ReactOS MiPlatformCacheAttributes, x86, the same row for RAM and I/O) and
 * C.4 test 2: NonCached, NonCachedUnordered -> PCD|PWT; Cached, HardwareCoherentCached -> neither;
 * WriteCombined, USWCCached -> the PAT write-combining entry (MM_CACHE_WC) when the CPU has PAT,
 * else PCD alone (ReactOS's UC-, which is what "write-combined" means without PAT).
 */
uint32_t ntmm_cache_bits(MEMORY_CACHING_TYPE cache)
{
    switch (cache) {
    case MmNonCached:
    case MmNonCachedUnordered:
        return MM_CACHE_UC;
    case MmWriteCombined:
    case MmUSWCCached:
        return (x86.pat && x86.msr) ? MM_CACHE_WC : MM_CACHE_UCMINUS;
    default:
        return MM_CACHE_WB;
    }
}

/* ---- mapping records ---------------------------------------------------------------------------- */

static struct ntmm_map *maps;
static uint32_t nmaps;

struct ntmm_map *ntmm_map_add(vaddr_t va, uint32_t npages, uint32_t nlarge, pfn_t pfn, uint8_t kind,
                              struct region *window)
{
    struct ntmm_map *m = kzalloc(sizeof *m);
    if (!m) return NULL;
    *m = (struct ntmm_map){ va, npages, nlarge, pfn, kind, window, NULL, maps };
    maps = m;
    nmaps++;
    return m;
}

struct ntmm_map *ntmm_map_find(vaddr_t va, uint8_t kind)
{
    for (struct ntmm_map *m = maps; m; m = m->next)
        if (m->va == va && m->kind == kind) return m;
    return NULL;
}

void ntmm_map_remove(struct ntmm_map *m)
{
    for (struct ntmm_map **pp = &maps; *pp; pp = &(*pp)->next)
        if (*pp == m) {
            *pp = m->next;
            nmaps--;
            kfree(m);
            return;
        }
}

uint32_t ntmm_mapping_count(void) { return nmaps; }

void ntmm_init(void)
{
    kprintf("ntmm: NT Mm personality: MmWriteCombined -> %s, MmMapIoSpace 4 MiB pages %s, "
            "kernel PTEs %s\n", (x86.pat && x86.msr) ? "PAT write-combining" : "PCD (no PAT)",
            x86.pse ? "on" : "off (no PSE)", x86.pge ? "global" : "not global (no PGE)");
}
