/*
 * mm/vxd/vmmcall.c - VMMCall: the `int 20h` dispatcher (the Win95 DDK VMM reference).
 *
 *     push args right to left / int 20h / dd 0x0001xxxx / add esp, 4*n      (mm/vxd/vmm.inc)
 *
 * The trap arrives with EIP pointing at the service ID.  The caller runs in ring 0, so the
 * interrupt switched no stack: the caller's arguments start right above the iret frame, at
 * &tf->user_esp (the slot a ring-3 trap would have used for ESP).  The C service is called with
 * them, EAX gets its result (and EDX the second result of the services that have one), EIP
 * moves past the ID; every other register comes back as it was (the trap path restores them),
 * the caller still pops its own arguments (cdecl).  The gate is DPL 0: `int 20h` from ring 3
 * is a #GP and never gets here.  An unknown ID is reported on the console and returns EAX =
 * EDX = 0 with CF set (Win9x would stop the machine with "Invalid VxD dynamic link").
 *
 * Win9x patched `int 20h; dd id` into `call [service]` after the first use; our kernel text is
 * read-only (CR0.WP), so every call takes the trap.
 */
#include "mm/vxd/internal.h"
#include "kernel/trap.h"

#define EFLAGS_CF 0x1u
typedef ULONG (*thunk_t)(const uint32_t *a);

#define T(name, ...) static ULONG t##name(const uint32_t *a) { return name(__VA_ARGS__); }
T(_PageAllocate, a[0], a[1], a[2], a[3], a[4], a[5], (ULONG *)a[6], a[7])
T(_PageReAllocate, a[0], a[1], a[2])
T(_PageFree, (PVOID)a[0], a[1])
T(_PageGetSizeAddr, a[0], a[1])
T(_PageGetAllocInfo, a[0])
T(_GetFreePageCount, a[0])
T(_CopyPageTable, a[0], a[1], (ULONG *)a[2], a[3])
T(_LinPageLock, a[0], a[1], a[2])
T(_LinPageUnLock, a[0], a[1], a[2])
T(_PageOutDirtyPages, a[0], a[1])
T(_PageDiscardPages, a[0], a[1], a[2], a[3])
T(_MapPhysToLinear, a[0], a[1], a[2])
T(_MapFreePhysReg, a[0], a[1], a[2])
T(_UnmapFreePhysReg, a[0], a[1], a[2])
T(_XchgFreePhysReg, a[0], a[1], a[2])
T(_PageReserve, a[0], a[1], a[2])
T(_PageCommit, a[0], a[1], a[2], a[3], a[4])
T(_PageDecommit, a[0], a[1], a[2])
T(_PageCommitPhys, a[0], a[1], a[2], a[3])
T(_PageModifyPermissions, a[0], a[1], a[2], a[3])
T(_PageQuery, a[0], (PMEMORY_BASIC_INFORMATION)a[1], a[2])
T(_PageCommitContig, a[0], a[1], a[2], a[3], a[4], a[5])
static ULONG t_GetNulPageHandle(const uint32_t *a) { (void)a; return _GetNulPageHandle(); }
static ULONG t_GetDemandPageInfo(const uint32_t *a) { _GetDemandPageInfo((DemandInfoStruc *)a[0], a[1]); return 0; }

static const struct service {
    uint32_t id;
    bool edx;                     /* the service has a second result in EDX */
    thunk_t fn;
} services[] = {
    { VMMID_PageAllocate, true, t_PageAllocate },       { VMMID_PageReAllocate, true, t_PageReAllocate },
    { VMMID_PageFree, false, t_PageFree },               { VMMID_PageGetSizeAddr, true, t_PageGetSizeAddr },
    { VMMID_PageGetAllocInfo, true, t_PageGetAllocInfo }, { VMMID_GetFreePageCount, true, t_GetFreePageCount },
    { VMMID_CopyPageTable, false, t_CopyPageTable },     { VMMID_LinPageLock, false, t_LinPageLock },
    { VMMID_LinPageUnLock, false, t_LinPageUnLock },     { VMMID_GetNulPageHandle, false, t_GetNulPageHandle },
    { VMMID_MapPhysToLinear, false, t_MapPhysToLinear }, { VMMID_GetDemandPageInfo, false, t_GetDemandPageInfo },
    { VMMID_MapFreePhysReg, false, t_MapFreePhysReg },   { VMMID_UnmapFreePhysReg, false, t_UnmapFreePhysReg },
    { VMMID_XchgFreePhysReg, false, t_XchgFreePhysReg }, { VMMID_PageReserve, false, t_PageReserve },
    { VMMID_PageCommit, false, t_PageCommit },           { VMMID_PageDecommit, false, t_PageDecommit },
    { VMMID_PageCommitPhys, false, t_PageCommitPhys },   { VMMID_PageModifyPermissions, false, t_PageModifyPermissions },
    { VMMID_PageQuery, false, t_PageQuery },             { VMMID_PageCommitContig, false, t_PageCommitContig },
    { VMMID_PageOutDirtyPages, false, t_PageOutDirtyPages }, { VMMID_PageDiscardPages, false, t_PageDiscardPages },
};

static void vmmcall(struct trapframe *tf)
{
    if (tf_from_user(tf)) return;                 /* unreachable: the gate is DPL 0 */
    uint32_t id = *(const uint32_t *)tf->eip;
    const uint32_t *args = &tf->user_esp;         /* ring 0 -> ring 0: no stack switch */
    tf->eip += 4;
    for (unsigned i = 0; i < ARRAY_SIZE(services); i++) {
        if (services[i].id != id) continue;
        /* The caller's buffers may be on its stack, from its arguments up - not in this
         * trap's frame or the dispatch below it (mm/core/caller.c). */
        vaddr_t prev = mm_caller_entry_enter((vaddr_t)args);
        tf->eax = services[i].fn(args);
        mm_caller_entry_leave(prev);
        if (services[i].edx) tf->edx = vxd_edx;
        tf->eflags &= ~EFLAGS_CF;
        return;
    }
    kprintf("vxd: VMMCall of unknown service %08x at %08x\n", id, tf->eip - 6);
    tf->eax = tf->edx = 0;
    tf->eflags |= EFLAGS_CF;
}

void vxd_vmmcall_init(void)
{
    trap_register(VEC_VMMCALL, vmmcall);
    kprintf("vxd: VMMCall (int 20h) dispatches %u VMM page services\n", (unsigned)ARRAY_SIZE(services));
}
