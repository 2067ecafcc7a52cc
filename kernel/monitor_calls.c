/*
 * monitor_calls.c - `call SERVICE ARG...`: any public service of the three personalities
 * (mm/vxd/vxd.h, mm/devhlp/devhlp.h, mm/ntmm/ntmm.h), from a table that gives each argument a
 * type.  The monitor prints the result (failure values decoded: 0 or -1 for the VxD services, the
 * OS/2 error name, the NTSTATUS, NULL, a raised exception, a bug check), every out-parameter, and
 * what the call did to the page tables of the current address space (a snapshot before and after).
 *
 * Arguments, by type:
 *   number   decimal, 0x-hex or -N; flags and enums also by name, combined with '|'
 *            (PAGEFIXED|PAGEZEROINIT|0x100); `help SERVICE` lists the names an argument takes.
 *   address  PHYSICAL_ADDRESS: a 64-bit number.
 *   out      a pointer the service checks (mm_caller_buffer_ok): `out` = a buffer in the monitor's
 *            scratch region, printed after the call; or any address (the service must refuse a
 *            bad one: that is the hostile input a person may try).
 *   result   a C result pointer the service writes without checking (the register interface
 *            returns it in a register): only `out` (or NULL where the contract allows it).
 *   in-ptr   a pointer to a value the service reads: VALUE (put in the scratch region), @ADDR
 *            (that pointer itself), or a name (VMDHA_NOPHYSADDR: the value passed as it is).
 *   pagelist PHYS:SIZE[,PHYS:SIZE...] built in the scratch region, or @ADDR.
 *   MDL      an MDL IoAllocateMdl returned to the monitor (NT trusts MDL pointers; a made-up one
 *            would be a wild pointer in the kernel, so the monitor accepts only its own).
 *   IRP      0: the monitor has no IRP to give.
 */
#include "kernel/monitor.h"
#include "kernel/trap.h"
#include "mm/vxd/vxd.h"
#include "mm/devhlp/devhlp.h"
#include "mm/ntmm/ntmm.h"

struct sym { const char *name; uint32_t value; };
#define SYMS_END { NULL, 0 }

static const struct sym s_page_flags[] = {
    { "PAGEZEROINIT", PAGEZEROINIT }, { "PAGEUSEALIGN", PAGEUSEALIGN }, { "PAGECONTIG", PAGECONTIG },
    { "PAGEFIXED", PAGEFIXED }, { "PAGEDEBUGNULFAULT", PAGEDEBUGNULFAULT }, { "PAGEZEROREINIT", PAGEZEROREINIT },
    { "PAGENOCOPY", PAGENOCOPY }, { "PAGELOCKED", PAGELOCKED }, { "PAGELOCKEDIFDP", PAGELOCKEDIFDP },
    { "PAGESETV86PAGEABLE", PAGESETV86PAGEABLE }, { "PAGECLEARV86PAGEABLE", PAGECLEARV86PAGEABLE },
    { "PAGESETV86INTSLOCKED", PAGESETV86INTSLOCKED }, { "PAGECLEARV86INTSLOCKED", PAGECLEARV86INTSLOCKED },
    { "PAGEMARKPAGEOUT", PAGEMARKPAGEOUT }, { "PAGEPDPSETBASE", PAGEPDPSETBASE }, { "PAGEPDPCLEARBASE", PAGEPDPCLEARBASE },
    { "PAGEDISCARD", PAGEDISCARD }, { "PAGEPDPQUERYDIRTY", PAGEPDPQUERYDIRTY }, { "PAGEMAPFREEPHYSREG", PAGEMAPFREEPHYSREG },
    { "PAGENOMOVE", PAGENOMOVE }, { "PAGEMAPGLOBAL", PAGEMAPGLOBAL }, { "PAGEMARKDIRTY", PAGEMARKDIRTY },
    { "PL_TOTALUNLOCK", PL_TOTALUNLOCK }, SYMS_END,
};
static const struct sym s_pg_type[] = {
    { "PG_VM", PG_VM }, { "PG_SYS", PG_SYS }, { "PG_RESERVED1", PG_RESERVED1 }, { "PG_PRIVATE", PG_PRIVATE },
    { "PG_RESERVED2", PG_RESERVED2 }, { "PG_RELOCK", PG_RELOCK }, { "PG_INSTANCE", PG_INSTANCE },
    { "PG_HOOKED", PG_HOOKED }, { "PG_IGNORE", PG_IGNORE }, SYMS_END,
};
static const struct sym s_vm[] = { { "SYSVM", 0 }, SYMS_END };     /* vxd_sys_vm(), at run time */
static const struct sym s_pr_page[] = {
    { "PR_PRIVATE", PR_PRIVATE }, { "PR_SHARED", PR_SHARED }, { "PR_SYSTEM", PR_SYSTEM }, SYMS_END,
};
static const struct sym s_pr_flags[] = { { "PR_4MEG", PR_4MEG }, { "PR_FIXED", PR_FIXED }, { "PR_STATIC", PR_STATIC }, SYMS_END };
static const struct sym s_pd[] = {
    { "PD_ZEROINIT", PD_ZEROINIT }, { "PD_NOINIT", PD_NOINIT }, { "PD_FIXEDZERO", PD_FIXEDZERO }, { "PD_FIXED", PD_FIXED },
    SYMS_END,
};
static const struct sym s_pc[] = {
    { "PC_FIXED", PC_FIXED }, { "PC_LOCKED", PC_LOCKED }, { "PC_LOCKEDIFDP", PC_LOCKEDIFDP }, { "PC_PAGEFLUSH", PC_PAGEFLUSH },
    { "PC_WRITEABLE", PC_WRITEABLE }, { "PC_USER", PC_USER }, { "PC_CACHEWT", PC_CACHEWT }, { "PC_CACHEDIS", PC_CACHEDIS },
    { "PC_DIRTY", PC_DIRTY }, { "PC_STATIC", PC_STATIC }, { "PC_INCR", PC_INCR }, { "PC_PRESENT", PC_PRESENT },
    { "PCC_ZEROINIT", PCC_ZEROINIT }, { "PCC_NOLIN", PCC_NOLIN }, SYMS_END,
};
static const struct sym s_perm[] = {
    { "P_PRES", P_PRES }, { "P_WRITE", P_WRITE }, { "P_USER", P_USER }, { "P_ACC", P_ACC }, { "P_DIRTY", P_DIRTY },
    { "P_AVAIL", P_AVAIL }, { "PC_WRITEABLE", PC_WRITEABLE }, { "PC_USER", PC_USER }, SYMS_END,
};
static const struct sym s_mpl[] = {
    { "MPL_NonCached", MPL_NonCached }, { "MPL_HardwareCoherentCached", MPL_HardwareCoherentCached },
    { "MPL_FrameBufferCached", MPL_FrameBufferCached }, { "MPL_Cached", MPL_Cached }, SYMS_END,
};
static const struct sym s_vmdhl[] = {
    { "VMDHL_NOBLOCK", VMDHL_NOBLOCK }, { "VMDHL_CONTIGUOUS", VMDHL_CONTIGUOUS }, { "VMDHL_16M", VMDHL_16M },
    { "VMDHL_WRITE", VMDHL_WRITE }, { "VMDHL_LONG", VMDHL_LONG }, { "VMDHL_VERIFY", VMDHL_VERIFY },
    { "VMDHL_TRY_CONTIG", VMDHL_TRY_CONTIG }, SYMS_END,
};
static const struct sym s_vmdha[] = {
    { "VMDHA_16M", VMDHA_16M }, { "VMDHA_FIXED", VMDHA_FIXED }, { "VMDHA_SWAP", VMDHA_SWAP }, { "VMDHA_CONTIG", VMDHA_CONTIG },
    { "VMDHA_PHYS", VMDHA_PHYS }, { "VMDHA_PROCESS", VMDHA_PROCESS }, { "VMDHA_SGSCONT", VMDHA_SGSCONT },
    { "VMDHA_SELMAP", VMDHA_SELMAP }, { "VMDHA_RESERVE", VMDHA_RESERVE }, { "VMDHIA_USER", VMDHIA_USER },
    { "VMDHA_SHARED", VMDHA_SHARED }, { "VMDHA_USEHIGHMEM", VMDHA_USEHIGHMEM }, { "VMDHA_ALIGN64K", VMDHA_ALIGN64K },
    SYMS_END,
};
static const struct sym s_nophys[] = { { "VMDHA_NOPHYSADDR", VMDHA_NOPHYSADDR }, SYMS_END };
static const struct sym s_nolist[] = { { "DEVHLP_NO_LIST", DEVHLP_NO_LIST }, SYMS_END };
static const struct sym s_vmdhpg[] = { { "VMDHPG_READONLY", VMDHPG_READONLY }, { "VMDHPG_WRITE", VMDHPG_WRITE }, SYMS_END };
static const struct sym s_vmdhgp[] = {
    { "VMDHGP_WRITE", VMDHGP_WRITE }, { "VMDHGP_SELMAP", VMDHGP_SELMAP }, { "VMDHGP_SGSCONTROL", VMDHGP_SGSCONTROL },
    { "VMDHGP_4MEG", VMDHGP_4MEG }, { "VMDHGP_HMA", VMDHGP_HMA }, SYMS_END,
};
static const struct sym s_cache[] = {
    { "MmNonCached", MmNonCached }, { "MmCached", MmCached }, { "MmWriteCombined", MmWriteCombined },
    { "MmFrameBufferCached", MmFrameBufferCached }, { "MmHardwareCoherentCached", MmHardwareCoherentCached },
    { "MmNonCachedUnordered", MmNonCachedUnordered }, { "MmUSWCCached", MmUSWCCached }, SYMS_END,
};
static const struct sym s_mode[] = { { "KernelMode", KernelMode }, { "UserMode", UserMode }, SYMS_END };
static const struct sym s_lockop[] = {
    { "IoReadAccess", IoReadAccess }, { "IoWriteAccess", IoWriteAccess }, { "IoModifyAccess", IoModifyAccess }, SYMS_END,
};
static const struct sym s_prio[] = {
    { "LowPagePriority", LowPagePriority }, { "NormalPagePriority", NormalPagePriority },
    { "HighPagePriority", HighPagePriority }, SYMS_END,
};
static const struct sym s_bool[] = { { "FALSE", 0 }, { "TRUE", 1 }, SYMS_END };

/* ---- argument and result types --------------------------------------------------------------- */

enum arg_kind { A_NUM, A_PA, A_OUT, A_RESULT, A_INPTR, A_PAGELIST, A_MDL, A_IRP };
enum out_kind { O_NONE, O_DWORD, O_MBI, O_DEMAND, O_PAGELIST, O_PTES, O_HANDLE };
#define NULLABLE 0x80u            /* a result pointer the contract lets be NULL */

struct argdef {
    const char *name;
    uint8_t kind, out;            /* enum arg_kind; enum out_kind (| NULLABLE) */
    int8_t count;                 /* O_PAGELIST / O_PTES: the argument that says how many entries */
    const struct sym *syms;
};

enum ret_kind { R_NONZERO, R_NOT_M1, R_VALUE, R_OS2, R_NTSTATUS, R_PTR, R_PTR_OPT, R_BOOLEAN, R_PA, R_VOID };
#define F_EDX      0x01u          /* the service also returns EDX (vxd_edx) */
#define F_MDL_NEW  0x02u          /* returns an MDL: the monitor records it */
#define F_MDL_FREE 0x04u          /* frees its MDL argument */

#define MAX_ARGS 8
struct service {
    const char *name;
    uint8_t ret, flags, nargs;
    struct argdef args[MAX_ARGS];
    uint64_t (*fn)(const uint64_t *a);
};

#define U(i) ((uint32_t)a[i])
#define P(i) ((void *)(uint32_t)a[i])
static PHYSICAL_ADDRESS PA(uint64_t v) { PHYSICAL_ADDRESS p; p.QuadPart = (LONGLONG)v; return p; }

/* VxD */
static uint64_t c_PageAllocate(const uint64_t *a) { return _PageAllocate(U(0), U(1), U(2), U(3), U(4), U(5), P(6), U(7)); }
static uint64_t c_PageReAllocate(const uint64_t *a) { return _PageReAllocate(U(0), U(1), U(2)); }
static uint64_t c_PageFree(const uint64_t *a) { return _PageFree(P(0), U(1)); }
static uint64_t c_PageGetSizeAddr(const uint64_t *a) { return _PageGetSizeAddr(U(0), U(1)); }
static uint64_t c_PageReserve(const uint64_t *a) { return _PageReserve(U(0), U(1), U(2)); }
static uint64_t c_PageCommit(const uint64_t *a) { return _PageCommit(U(0), U(1), U(2), U(3), U(4)); }
static uint64_t c_PageCommitPhys(const uint64_t *a) { return _PageCommitPhys(U(0), U(1), U(2), U(3)); }
static uint64_t c_PageCommitContig(const uint64_t *a) { return _PageCommitContig(U(0), U(1), U(2), U(3), U(4), U(5)); }
static uint64_t c_PageDecommit(const uint64_t *a) { return _PageDecommit(U(0), U(1), U(2)); }
static uint64_t c_PageModifyPermissions(const uint64_t *a) { return _PageModifyPermissions(U(0), U(1), U(2), U(3)); }
static uint64_t c_PageQuery(const uint64_t *a) { return _PageQuery(U(0), P(1), U(2)); }
static uint64_t c_CopyPageTable(const uint64_t *a) { return _CopyPageTable(U(0), U(1), P(2), U(3)); }
static uint64_t c_GetFreePageCount(const uint64_t *a) { return _GetFreePageCount(U(0)); }
static uint64_t c_PageGetAllocInfo(const uint64_t *a) { return _PageGetAllocInfo(U(0)); }
static uint64_t c_GetDemandPageInfo(const uint64_t *a) { _GetDemandPageInfo(P(0), U(1)); return 0; }
static uint64_t c_LinPageLock(const uint64_t *a) { return _LinPageLock(U(0), U(1), U(2)); }
static uint64_t c_LinPageUnLock(const uint64_t *a) { return _LinPageUnLock(U(0), U(1), U(2)); }
static uint64_t c_MapFreePhysReg(const uint64_t *a) { return _MapFreePhysReg(U(0), U(1), U(2)); }
static uint64_t c_UnmapFreePhysReg(const uint64_t *a) { return _UnmapFreePhysReg(U(0), U(1), U(2)); }
static uint64_t c_XchgFreePhysReg(const uint64_t *a) { return _XchgFreePhysReg(U(0), U(1), U(2)); }
static uint64_t c_MapPhysToLinear(const uint64_t *a) { return _MapPhysToLinear(U(0), U(1), U(2)); }
static uint64_t c_GetNulPageHandle(const uint64_t *a) { (void)a; return _GetNulPageHandle(); }
/* DevHelp */
static uint64_t c_VMLock(const uint64_t *a) { return DevHelp_VMLock(U(0), U(1), U(2), U(3), U(4), P(5)); }
static uint64_t c_VMUnLock(const uint64_t *a) { return DevHelp_VMUnLock(U(0)); }
static uint64_t c_VMAlloc(const uint64_t *a) { return DevHelp_VMAlloc(U(0), U(1), U(2), P(3), P(4)); }
static uint64_t c_VMFree(const uint64_t *a) { return DevHelp_VMFree(U(0)); }
static uint64_t c_VMProcessToGlobal(const uint64_t *a) { return DevHelp_VMProcessToGlobal(U(0), U(1), U(2), P(3)); }
static uint64_t c_VMGlobalToProcess(const uint64_t *a) { return DevHelp_VMGlobalToProcess(U(0), U(1), U(2), P(3)); }
static uint64_t c_LinToPageList(const uint64_t *a) { return DevHelp_LinToPageList(U(0), U(1), U(2), P(3)); }
static uint64_t c_PageListToLin(const uint64_t *a) { return DevHelp_PageListToLin(U(0), U(1), P(2)); }
static uint64_t c_VirtToLin(const uint64_t *a) { return DevHelp_VirtToLin((SEL)U(0), U(1), P(2)); }
/* NT */
static uint64_t c_MmIsAddressValid(const uint64_t *a) { return MmIsAddressValid(P(0)); }
static uint64_t c_MmGetPhysicalAddress(const uint64_t *a) { return (uint64_t)MmGetPhysicalAddress(P(0)).QuadPart; }
static uint64_t c_MmGetVirtualForPhysical(const uint64_t *a) { return (uint32_t)MmGetVirtualForPhysical(PA(a[0])); }
static uint64_t c_MmMapIoSpace(const uint64_t *a) { return (uint32_t)MmMapIoSpace(PA(a[0]), U(1), (MEMORY_CACHING_TYPE)U(2)); }
static uint64_t c_MmUnmapIoSpace(const uint64_t *a) { MmUnmapIoSpace(P(0), U(1)); return 0; }
static uint64_t c_MmMapVideoDisplay(const uint64_t *a) { return (uint32_t)MmMapVideoDisplay(PA(a[0]), U(1), (MEMORY_CACHING_TYPE)U(2)); }
static uint64_t c_MmUnmapVideoDisplay(const uint64_t *a) { MmUnmapVideoDisplay(P(0), U(1)); return 0; }
static uint64_t c_MmAllocContigSC(const uint64_t *a)
{
    return (uint32_t)MmAllocateContiguousMemorySpecifyCache(U(0), PA(a[1]), PA(a[2]), PA(a[3]), (MEMORY_CACHING_TYPE)U(4));
}
static uint64_t c_MmAllocContig(const uint64_t *a) { return (uint32_t)MmAllocateContiguousMemory(U(0), PA(a[1])); }
static uint64_t c_MmFreeContig(const uint64_t *a) { MmFreeContiguousMemory(P(0)); return 0; }
static uint64_t c_MmFreeContigSC(const uint64_t *a) { MmFreeContiguousMemorySpecifyCache(P(0), U(1), (MEMORY_CACHING_TYPE)U(2)); return 0; }
static uint64_t c_IoAllocateMdl(const uint64_t *a) { return (uint32_t)IoAllocateMdl(P(0), U(1), (BOOLEAN)U(2), (BOOLEAN)U(3), P(4)); }
static uint64_t c_IoFreeMdl(const uint64_t *a) { IoFreeMdl(P(0)); return 0; }
static uint64_t c_MmBuildMdl(const uint64_t *a) { MmBuildMdlForNonPagedPool(P(0)); return 0; }
static uint64_t c_MmProbeAndLockPages(const uint64_t *a) { MmProbeAndLockPages(P(0), (KPROCESSOR_MODE)U(1), (LOCK_OPERATION)U(2)); return 0; }
static uint64_t c_MmProbeAndLockPagesEx(const uint64_t *a)
{
    return (uint32_t)MmProbeAndLockPagesEx(P(0), (KPROCESSOR_MODE)U(1), (LOCK_OPERATION)U(2));
}
static uint64_t c_MmUnlockPages(const uint64_t *a) { MmUnlockPages(P(0)); return 0; }
static uint64_t c_MmMapLockedPagesSC(const uint64_t *a)
{
    return (uint32_t)MmMapLockedPagesSpecifyCache(P(0), (KPROCESSOR_MODE)U(1), (MEMORY_CACHING_TYPE)U(2), P(3), U(4), U(5));
}
static uint64_t c_MmMapLockedPages(const uint64_t *a) { return (uint32_t)MmMapLockedPages(P(0), (KPROCESSOR_MODE)U(1)); }
static uint64_t c_MmGetSystemAddressForMdlSafe(const uint64_t *a) { return (uint32_t)MmGetSystemAddressForMdlSafe(P(0), U(1)); }
static uint64_t c_MmUnmapLockedPages(const uint64_t *a) { MmUnmapLockedPages(P(0), P(1)); return 0; }

#define N(nm) { nm, A_NUM, 0, -1, NULL }
#define NS(nm, s) { nm, A_NUM, 0, -1, s }
#define ADDR(nm) { nm, A_PA, 0, -1, NULL }
#define OUT(nm, o) { nm, A_OUT, o, -1, NULL }
#define OUTS(nm, o, s) { nm, A_OUT, o, -1, s }
#define OUTN(nm, o, cnt, s) { nm, A_OUT, o, cnt, s }
#define RES(nm, o) { nm, A_RESULT, o, -1, NULL }
#define MDLA(nm) { nm, A_MDL, 0, -1, NULL }

static const struct service services[] = {
    /* Windows 9x VMM (mm/vxd/) */
    { "_PageAllocate", R_NONZERO, F_EDX, 8, { N("nPages"), NS("pType", s_pg_type), NS("VM", s_vm), N("AlignMask"),
      N("minPhys"), N("maxPhys"), OUT("PhysAddr", O_DWORD), NS("flags", s_page_flags) }, c_PageAllocate },
    { "_PageReAllocate", R_NONZERO, F_EDX, 3, { N("hMem"), N("nPages"), NS("flags", s_page_flags) }, c_PageReAllocate },
    { "_PageFree", R_NONZERO, 0, 2, { N("hMem"), NS("flags", s_page_flags) }, c_PageFree },
    { "_PageGetSizeAddr", R_NONZERO, F_EDX, 2, { N("hMem"), N("flags") }, c_PageGetSizeAddr },
    { "_PageReserve", R_NOT_M1, 0, 3, { NS("page", s_pr_page), N("npages"), NS("flags", s_pr_flags) }, c_PageReserve },
    { "_PageCommit", R_NONZERO, 0, 5, { N("page"), N("npages"), NS("hpd", s_pd), N("pagerdata"), NS("flags", s_pc) }, c_PageCommit },
    { "_PageCommitPhys", R_NONZERO, 0, 4, { N("page"), N("npages"), N("physpg"), NS("flags", s_pc) }, c_PageCommitPhys },
    { "_PageCommitContig", R_NOT_M1, 0, 6, { N("page"), N("npages"), NS("flags", s_pc), N("alignmask"), N("minphys"),
      N("maxphys") }, c_PageCommitContig },
    { "_PageDecommit", R_NONZERO, 0, 3, { N("page"), N("npages"), NS("flags", s_pc) }, c_PageDecommit },
    { "_PageModifyPermissions", R_NOT_M1, 0, 4, { N("page"), N("npages"), NS("permand", s_perm), NS("permor", s_perm) },
      c_PageModifyPermissions },
    { "_PageQuery", R_NONZERO, 0, 3, { N("linaddr"), OUT("pmbi", O_MBI), N("cbmbi") }, c_PageQuery },
    { "_CopyPageTable", R_NONZERO, 0, 4, { N("LinPgNum"), N("nPages"), OUTN("PageBuf", O_PTES, 1, NULL), N("flags") },
      c_CopyPageTable },
    { "_GetFreePageCount", R_VALUE, F_EDX, 1, { N("flags") }, c_GetFreePageCount },
    { "_PageGetAllocInfo", R_VALUE, F_EDX, 1, { N("flags") }, c_PageGetAllocInfo },
    { "_GetDemandPageInfo", R_VOID, 0, 2, { OUT("pDemandInfo", O_DEMAND), N("flags") }, c_GetDemandPageInfo },
    { "_LinPageLock", R_NONZERO, 0, 3, { N("page"), N("npages"), NS("flags", s_page_flags) }, c_LinPageLock },
    { "_LinPageUnLock", R_NONZERO, 0, 3, { N("page"), N("npages"), NS("flags", s_page_flags) }, c_LinPageUnLock },
    { "_MapFreePhysReg", R_NONZERO, 0, 3, { N("LinPgNum"), N("nPages"), N("flags") }, c_MapFreePhysReg },
    { "_UnmapFreePhysReg", R_NONZERO, 0, 3, { N("LinPgNum"), N("nPages"), N("flags") }, c_UnmapFreePhysReg },
    { "_XchgFreePhysReg", R_NOT_M1, 0, 3, { N("LinPgNum"), N("PhysAddr"), N("flags") }, c_XchgFreePhysReg },
    { "_MapPhysToLinear", R_NOT_M1, 0, 3, { N("PhysAddr"), N("nBytes"), NS("flags", s_mpl) }, c_MapPhysToLinear },
    { "_GetNulPageHandle", R_NONZERO, 0, 0, { N("") }, c_GetNulPageHandle },
    /* OS/2 DevHelp (mm/devhlp/) */
    { "DevHelp_VMLock", R_OS2, 0, 6, { NS("Flags", s_vmdhl), N("LinearAddr"), N("Length"),
      OUTN("pPagelist", O_PAGELIST, 5, s_nolist), OUT("pLockHandle", O_HANDLE), RES("PageListCount", O_DWORD | NULLABLE) },
      c_VMLock },
    { "DevHelp_VMUnLock", R_OS2, 0, 1, { N("pLockHandle") }, c_VMUnLock },
    { "DevHelp_VMAlloc", R_OS2, 0, 5, { NS("Flags", s_vmdha), N("Size"), { "PhysAddr", A_INPTR, 0, -1, s_nophys },
      RES("LinearAddr", O_DWORD), RES("SelOffset", O_DWORD | NULLABLE) }, c_VMAlloc },
    { "DevHelp_VMFree", R_OS2, 0, 1, { N("LinearAddr") }, c_VMFree },
    { "DevHelp_VMProcessToGlobal", R_OS2, 0, 4, { NS("Flags", s_vmdhpg), N("LinearAddr"), N("Length"),
      RES("GlobalLinearAddr", O_DWORD) }, c_VMProcessToGlobal },
    { "DevHelp_VMGlobalToProcess", R_OS2, 0, 4, { NS("Flags", s_vmdhgp), N("LinearAddr"), N("Length"),
      RES("ProcessLinearAddr", O_DWORD) }, c_VMGlobalToProcess },
    { "DevHelp_LinToPageList", R_OS2, 0, 4, { N("LinearAddr"), N("Size"), OUTN("pPageList", O_PAGELIST, 3, NULL),
      RES("PageListCount", O_DWORD | NULLABLE) }, c_LinToPageList },
    { "DevHelp_PageListToLin", R_OS2, 0, 3, { N("Size"), { "pPageList", A_PAGELIST, 0, -1, NULL }, RES("LinearAddr", O_DWORD) },
      c_PageListToLin },
    { "DevHelp_VirtToLin", R_OS2, 0, 3, { N("Selector"), N("Offset"), RES("LinearAddr", O_DWORD) }, c_VirtToLin },
    /* Windows NT Mm (mm/ntmm/) */
    { "MmIsAddressValid", R_BOOLEAN, 0, 1, { N("VirtualAddress") }, c_MmIsAddressValid },
    { "MmGetPhysicalAddress", R_PA, 0, 1, { N("BaseAddress") }, c_MmGetPhysicalAddress },
    { "MmGetVirtualForPhysical", R_PTR_OPT, 0, 1, { ADDR("PhysicalAddress") }, c_MmGetVirtualForPhysical },
    { "MmMapIoSpace", R_PTR, 0, 3, { ADDR("PhysicalAddress"), N("NumberOfBytes"), NS("CacheType", s_cache) }, c_MmMapIoSpace },
    { "MmUnmapIoSpace", R_VOID, 0, 2, { N("BaseAddress"), N("NumberOfBytes") }, c_MmUnmapIoSpace },
    { "MmMapVideoDisplay", R_PTR, 0, 3, { ADDR("PhysicalAddress"), N("NumberOfBytes"), NS("CacheType", s_cache) },
      c_MmMapVideoDisplay },
    { "MmUnmapVideoDisplay", R_VOID, 0, 2, { N("BaseAddress"), N("NumberOfBytes") }, c_MmUnmapVideoDisplay },
    { "MmAllocateContiguousMemorySpecifyCache", R_PTR, 0, 5, { N("NumberOfBytes"), ADDR("LowestAcceptableAddress"),
      ADDR("HighestAcceptableAddress"), ADDR("BoundaryAddressMultiple"), NS("CacheType", s_cache) }, c_MmAllocContigSC },
    { "MmAllocateContiguousMemory", R_PTR, 0, 2, { N("NumberOfBytes"), ADDR("HighestAcceptableAddress") }, c_MmAllocContig },
    { "MmFreeContiguousMemory", R_VOID, 0, 1, { N("BaseAddress") }, c_MmFreeContig },
    { "MmFreeContiguousMemorySpecifyCache", R_VOID, 0, 3, { N("BaseAddress"), N("NumberOfBytes"), NS("CacheType", s_cache) },
      c_MmFreeContigSC },
    { "IoAllocateMdl", R_PTR, F_MDL_NEW, 5, { N("VirtualAddress"), N("Length"), NS("SecondaryBuffer", s_bool),
      NS("ChargeQuota", s_bool), { "Irp", A_IRP, 0, -1, NULL } }, c_IoAllocateMdl },
    { "IoFreeMdl", R_VOID, F_MDL_FREE, 1, { MDLA("Mdl") }, c_IoFreeMdl },
    { "MmBuildMdlForNonPagedPool", R_VOID, 0, 1, { MDLA("Mdl") }, c_MmBuildMdl },
    { "MmProbeAndLockPages", R_VOID, 0, 3, { MDLA("Mdl"), NS("AccessMode", s_mode), NS("Operation", s_lockop) },
      c_MmProbeAndLockPages },
    { "MmProbeAndLockPagesEx", R_NTSTATUS, 0, 3, { MDLA("Mdl"), NS("AccessMode", s_mode), NS("Operation", s_lockop) },
      c_MmProbeAndLockPagesEx },
    { "MmUnlockPages", R_VOID, 0, 1, { MDLA("Mdl") }, c_MmUnlockPages },
    { "MmMapLockedPagesSpecifyCache", R_PTR, 0, 6, { MDLA("Mdl"), NS("AccessMode", s_mode), NS("CacheType", s_cache),
      N("BaseAddress"), NS("BugCheckOnFailure", s_bool), NS("Priority", s_prio) }, c_MmMapLockedPagesSC },
    { "MmMapLockedPages", R_PTR, 0, 2, { MDLA("Mdl"), NS("AccessMode", s_mode) }, c_MmMapLockedPages },
    { "MmGetSystemAddressForMdlSafe", R_PTR, 0, 2, { MDLA("Mdl"), NS("Priority", s_prio) }, c_MmGetSystemAddressForMdlSafe },
    { "MmUnmapLockedPages", R_VOID, 0, 2, { N("BaseAddress"), MDLA("Mdl") }, c_MmUnmapLockedPages },
};

static const struct service *find_service(const char *name)
{
    for (unsigned i = 0; i < ARRAY_SIZE(services); i++)
        if (!strcmp(services[i].name, name)) return &services[i];
    return NULL;
}

static const char *kind_text(const struct argdef *d)
{
    switch (d->kind) {
    case A_PA: return "address";
    case A_OUT: return "out";
    case A_RESULT: return (d->out & NULLABLE) ? "result|NULL" : "result";
    case A_INPTR: return "in-ptr";
    case A_PAGELIST: return "pagelist";
    case A_MDL: return "MDL";
    case A_IRP: return "IRP";
    default: return "number";
    }
}

static void usage(const struct service *s)
{
    kprintf("call %s", s->name);
    for (int i = 0; i < s->nargs; i++) kprintf(" %s:%s", s->args[i].name, kind_text(&s->args[i]));
    kprintf("\n");
}

void mon_help_calls(const char *name)
{
    if (!name) {
        kprintf("call SERVICE ARG...: call one of these services (help SERVICE: its arguments and their names)\n");
        for (unsigned i = 0; i < ARRAY_SIZE(services); i++)
            kprintf("%s%s", i % 3 ? " " : i ? "\n  " : "  ", services[i].name);
        kprintf("\nArgument types: number (also by name, A|B), address (64-bit physical), out (`out`: a monitor "
                "buffer, printed after; or an address), result (`out`), in-ptr (VALUE or @ADDR), pagelist "
                "(PHYS:SIZE,... or @ADDR), MDL (from IoAllocateMdl), IRP (0).\n");
        return;
    }
    const struct service *s = find_service(name);
    if (!s) { mon_error("help: no command or service '%s' (help, help call)", name); return; }
    usage(s);
    for (int i = 0; i < s->nargs; i++) {
        if (!s->args[i].syms) continue;
        kprintf("  %s:", s->args[i].name);
        for (const struct sym *y = s->args[i].syms; y->name; y++) kprintf(" %s", y->name);
        kprintf("\n");
    }
}

/* ---- parsing --------------------------------------------------------------------------------- */

/* NAME|NAME|0x10 over the argument's names (SYSVM: the system VM's handle); 32 bits unless wide. */
static bool parse_value(const char *s, const struct argdef *d, bool wide, uint64_t *out)
{
    uint64_t v = 0;
    for (const char *p = s;;) {
        char term[48];
        size_t n = 0;
        while (p[n] && p[n] != '|') n++;
        if (!n || n >= sizeof term) {
            mon_error("%s: '%s': an empty or overlong term", d->name, s);
            return false;
        }
        strncpy_z(term, p, n + 1);
        const struct sym *y = d->syms;
        while (y && y->name && strcmp(y->name, term)) y++;
        uint64_t t;
        if (y && y->name) {
            t = y->value;
            if (d->syms == s_vm) t = vxd_sys_vm();
        } else if (!mon_parse_u64(term, &t)) {
            mon_error("%s: '%s' is neither a number nor one of its names%s", d->name, term,
                      d->syms ? " (help SERVICE lists them)" : "");
            return false;
        } else if (!wide && (term[0] == '-' ? t < 0xFFFFFFFF80000000ull : t > 0xFFFFFFFFull)) {
            mon_error("%s: '%s' does not fit in 32 bits", d->name, term);
            return false;
        }
        v |= wide ? t : (uint32_t)t;
        p += n;
        if (!*p) break;
        p++;
    }
    *out = v;
    return true;
}

/* The MDLs IoAllocateMdl gave the monitor; an A_MDL argument must be one of them. */
#define MAX_MDLS 32
static PMDL mdls[MAX_MDLS];

static int mdl_slot(uint32_t v)
{
    for (int i = 0; i < MAX_MDLS; i++)
        if (mdls[i] && (uint32_t)mdls[i] == v) return i;
    return -1;
}

/* One call's buffers in the scratch region. */
struct bufs {
    vaddr_t in, in_end;           /* bump allocation in the in page */
    vaddr_t out, out_end;         /* in the small-out page */
};
static uint32_t next_handle;      /* lock handles go round the handle page */

static vaddr_t take(vaddr_t *at, vaddr_t end, uint32_t n)
{
    n = (n + 15) & ~15u;
    if (*at + n > end) return 0;
    vaddr_t p = *at;
    *at += n;
    memset((void *)p, 0, n);
    return p;
}

static uint32_t out_size(uint8_t out)
{
    switch (out & ~NULLABLE) {
    case O_MBI: return sizeof(MEMORY_BASIC_INFORMATION);
    case O_DEMAND: return sizeof(DemandInfoStruc);
    case O_HANDLE: return sizeof(KernVMLock_t);
    default: return 4;
    }
}

/* PHYS:SIZE,PHYS:SIZE -> a PAGELIST in the in page. */
static bool parse_pagelist(const char *s, const struct argdef *d, struct bufs *b, uint64_t *out)
{
    PAGELIST *pl = (PAGELIST *)b->in;
    uint32_t n = 0, room = (b->in_end - b->in) / sizeof(PAGELIST);
    for (const char *p = s; *p;) {
        char item[48], *colon = NULL;
        size_t k = 0;
        while (p[k] && p[k] != ',') k++;
        if (!k || k >= sizeof item) { mon_error("%s: '%s': an empty or overlong entry", d->name, s); return false; }
        strncpy_z(item, p, k + 1);
        for (char *c = item; *c; c++) if (*c == ':') colon = c;
        uint64_t pa, size;
        if (colon) *colon = 0;
        if (!colon || !mon_parse_u64(item, &pa) || !mon_parse_u64(colon + 1, &size) || pa > 0xFFFFFFFFull ||
            size > 0xFFFFFFFFull) {
            mon_error("%s: '%s' is not PHYS:SIZE (32-bit numbers)", d->name, p);
            return false;
        }
        if (n == room) { mon_error("%s: more than %u entries", d->name, room); return false; }
        pl[n].PhysAddr = (ULONG)pa;
        pl[n].Size = (ULONG)size;
        n++;
        p += k;
        if (*p == ',') p++;
    }
    if (!n) { mon_error("%s: no entry", d->name); return false; }
    b->in += (n * sizeof(PAGELIST) + 15) & ~15u;
    *out = (uint32_t)pl;
    return true;
}

/* One argument -> its value; where it is a monitor buffer, *mine = that buffer. */
static bool parse_arg(const char *s, const struct argdef *d, struct bufs *b, uint64_t *out, vaddr_t *mine,
                      uint32_t *results)
{
    *mine = 0;
    switch (d->kind) {
    case A_NUM: return parse_value(s, d, false, out);
    case A_PA: return parse_value(s, d, true, out);
    case A_IRP:
        if (strcmp(s, "0") && strcmp(s, "NULL")) { mon_error("%s: only 0 (the monitor has no IRP to give)", d->name); return false; }
        *out = 0;
        return true;
    case A_MDL: {
        uint64_t v;
        if (!mon_parse_u64(s, &v) || v > 0xFFFFFFFFull || mdl_slot((uint32_t)v) < 0) {
            mon_error("%s: '%s' is not an MDL IoAllocateMdl gave the monitor (NT trusts MDL pointers)", d->name, s);
            return false;
        }
        *out = v;
        return true;
    }
    case A_RESULT:
        if (!strcmp(s, "out")) { *mine = (vaddr_t)results; *out = (uint32_t)results; return true; }
        if ((d->out & NULLABLE) && (!strcmp(s, "0") || !strcmp(s, "NULL"))) { *out = 0; return true; }
        mon_error("%s: the service writes it without a check (a register in the real interface): `out`%s", d->name,
                  (d->out & NULLABLE) ? " or NULL" : "");
        return false;
    case A_OUT:
        if (strcmp(s, "out")) return parse_value(s, d, false, out);      /* a pointer of the caller's choosing */
        if ((d->out & ~NULLABLE) == O_HANDLE) {
            uint32_t per_page = PAGE_SIZE / sizeof(KernVMLock_t);
            *mine = mon_scratch(MON_SCRATCH_HANDLES) + (next_handle++ % per_page) * sizeof(KernVMLock_t);
            memset((void *)*mine, 0, sizeof(KernVMLock_t));
        } else if ((d->out & ~NULLABLE) == O_PAGELIST || (d->out & ~NULLABLE) == O_PTES) {
            /* To the region's end: an array the service finds too long for it runs off the region,
             * and the caller-buffer rule refuses it. */
            *mine = mon_scratch(MON_SCRATCH_ARRAY);
            memset((void *)*mine, 0, (MON_SCRATCH_PAGES - MON_SCRATCH_ARRAY) * PAGE_SIZE);
        } else if (!(*mine = take(&b->out, b->out_end, out_size(d->out)))) {
            mon_error("%s: no room left in the monitor's out-buffer page", d->name);
            return false;
        }
        *out = *mine;
        return true;
    case A_INPTR:
        if (s[0] == '@') return parse_value(s + 1, d, false, out);       /* the pointer itself */
        for (const struct sym *y = d->syms; y && y->name; y++)
            if (!strcmp(y->name, s)) { *out = y->value; return true; }   /* a value passed as it is */
        {
            uint64_t v;
            if (!parse_value(s, d, false, &v)) return false;
            vaddr_t p = take(&b->in, b->in_end, 4);
            if (!p) { mon_error("%s: no room left in the monitor's in-buffer page", d->name); return false; }
            *(uint32_t *)p = (uint32_t)v;
            *out = p;
            return true;
        }
    case A_PAGELIST:
        if (s[0] == '@') return parse_value(s + 1, d, false, out);
        return parse_pagelist(s, d, b, out);
    }
    return false;
}

/* ---- results ------------------------------------------------------------------------------------ */

static const char *os2_error(uint32_t e)
{
    switch (e) {
    case NO_ERROR: return "NO_ERROR";
    case ERROR_ACCESS_DENIED: return "ERROR_ACCESS_DENIED";
    case ERROR_INVALID_HANDLE: return "ERROR_INVALID_HANDLE";
    case ERROR_NOT_ENOUGH_MEMORY: return "ERROR_NOT_ENOUGH_MEMORY";
    case ERROR_LOCK_VIOLATION: return "ERROR_LOCK_VIOLATION";
    case ERROR_INVALID_PARAMETER: return "ERROR_INVALID_PARAMETER";
    case ERROR_NOT_LOCKED: return "ERROR_NOT_LOCKED";
    case ERROR_INVALID_ADDRESS: return "ERROR_INVALID_ADDRESS";
    case ERROR_INVALID_SELECTOR: return "ERROR_INVALID_SELECTOR";
    case ERROR_NOBLOCK: return "ERROR_NOBLOCK";
    default: return "an OS/2 error";
    }
}

static const char *nt_status(uint32_t s)
{
    static const struct { uint32_t v; const char *n; } names[] = {
        { (uint32_t)STATUS_SUCCESS, "STATUS_SUCCESS" }, { (uint32_t)STATUS_BREAKPOINT, "STATUS_BREAKPOINT" },
        { (uint32_t)STATUS_UNSUCCESSFUL, "STATUS_UNSUCCESSFUL" }, { (uint32_t)STATUS_ACCESS_VIOLATION, "STATUS_ACCESS_VIOLATION" },
        { (uint32_t)STATUS_INVALID_PARAMETER, "STATUS_INVALID_PARAMETER" }, { (uint32_t)STATUS_NO_MEMORY, "STATUS_NO_MEMORY" },
        { (uint32_t)STATUS_CONFLICTING_ADDRESSES, "STATUS_CONFLICTING_ADDRESSES" },
        { (uint32_t)STATUS_ILLEGAL_INSTRUCTION, "STATUS_ILLEGAL_INSTRUCTION" },
        { (uint32_t)STATUS_INTEGER_DIVIDE_BY_ZERO, "STATUS_INTEGER_DIVIDE_BY_ZERO" },
        { (uint32_t)STATUS_PRIVILEGED_INSTRUCTION, "STATUS_PRIVILEGED_INSTRUCTION" },
        { (uint32_t)STATUS_INSUFFICIENT_RESOURCES, "STATUS_INSUFFICIENT_RESOURCES" },
        { (uint32_t)STATUS_INVALID_ADDRESS, "STATUS_INVALID_ADDRESS" },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
        if (names[i].v == s) return names[i].n;
    return "an NTSTATUS";
}

static void print_out(const struct service *s, int i, vaddr_t p, const uint64_t *a, const vaddr_t *mine)
{
    const struct argdef *d = &s->args[i];
    switch (d->out & ~NULLABLE) {
    case O_DWORD:
        kprintf("  %s = 0x%x\n", d->name, *(uint32_t *)p);
        break;
    case O_HANDLE: {
        const uint32_t *h = (const uint32_t *)p;
        kprintf("  %s at 0x%x: %08x %08x %08x (DevHelp_VMUnLock 0x%x releases it)\n", d->name, p, h[0], h[1], h[2], p);
        break;
    }
    case O_MBI: {
        const MEMORY_BASIC_INFORMATION *m = (const void *)p;
        kprintf("  %s: BaseAddress 0x%x AllocationBase 0x%x AllocationProtect 0x%x RegionSize 0x%x State 0x%x "
                "Protect 0x%x Type 0x%x\n", d->name, m->mbi_BaseAddress, m->mbi_AllocationBase, m->mbi_AllocationProtect,
                m->mbi_RegionSize, m->mbi_State, m->mbi_Protect, m->mbi_Type);
        break;
    }
    case O_DEMAND: {
        const DemandInfoStruc *m = (const void *)p;
        kprintf("  %s: Lin_Total_Count %u Phys_Count %u Free_Count %u Unlock_Count %u Linear_Base_Addr 0x%x "
                "Lin_Total_Free %u Page_Faults %u Commit_Count %u\n", d->name, m->DILin_Total_Count, m->DIPhys_Count,
                m->DIFree_Count, m->DIUnlock_Count, m->DILinear_Base_Addr, m->DILin_Total_Free, m->DIPage_Faults,
                m->DICommit_Count);
        break;
    }
    case O_PAGELIST: case O_PTES: {
        /* How many entries: the count argument's value (a monitor result: what it says). */
        uint32_t n = 0, room = (MON_SCRATCH_PAGES - MON_SCRATCH_ARRAY) * PAGE_SIZE;
        int c = d->count;
        if (c >= 0) n = s->args[c].kind == A_RESULT ? (mine[c] ? *(uint32_t *)mine[c] : 0) : (uint32_t)a[c];
        bool pl = (d->out & ~NULLABLE) == O_PAGELIST;
        n = MIN(n, room / (pl ? sizeof(PAGELIST) : 4u));
        kprintf("  %s at 0x%x, %u entries%s\n", d->name, p, n, n > 32 ? " (the first 32)" : "");
        for (uint32_t k = 0; k < MIN(n, 32u); k++) {
            if (pl) kprintf("    PhysAddr 0x%08x Size 0x%x\n", ((PAGELIST *)p)[k].PhysAddr, ((PAGELIST *)p)[k].Size);
            else kprintf("    %08x: %08x\n", ((uint32_t)a[0] + k) << PAGE_SHIFT, ((uint32_t *)p)[k]);   /* arg 0: LinPgNum */
        }
        break;
    }
    }
}

static void print_mdl(PMDL m)
{
    kprintf("  MDL 0x%x: MdlFlags 0x%x Size %d StartVa 0x%x ByteOffset 0x%x ByteCount 0x%x MappedSystemVa 0x%x "
            "Process %u\n", (uint32_t)m, (uint16_t)m->MdlFlags, m->Size, (uint32_t)m->StartVa, m->ByteOffset, m->ByteCount,
            (uint32_t)m->MappedSystemVa, m->Process ? m->Process->id : 0);
    if (!ntmm_mdl_fits(m)) return;
    uint32_t n = ntmm_mdl_pages(m);
    kprintf("    PFNs:");
    for (uint32_t k = 0; k < MIN(n, 16u); k++) kprintf(" %x", MmGetMdlPfnArray(m)[k]);
    kprintf("%s\n", n > 16 ? " ..." : "");
}

/* ---- call -------------------------------------------------------------------------------------- */

void mon_cmd_call(int argc, char **argv)
{
    const struct service *s = find_service(argv[1]);
    if (!s) {
        char name[40];
        strncpy_z(name, argv[1], sizeof name);
        mon_error("call: no service '%s' (help call lists them)", name);
        return;
    }
    if (argc - 2 != s->nargs) {
        mon_error("call %s takes %u arguments, not %d (help %s)", s->name, s->nargs, argc - 2, s->name);
        return;
    }
    if (!monitor_memory()) { mon_error("call: the monitor has no scratch memory (out of memory)"); return; }
    struct bufs b = { mon_scratch(MON_SCRATCH_IN), mon_scratch(MON_SCRATCH_IN) + PAGE_SIZE,
                      mon_scratch(MON_SCRATCH_OUT), mon_scratch(MON_SCRATCH_OUT) + PAGE_SIZE };
    uint64_t a[MAX_ARGS] = { 0 };
    vaddr_t mine[MAX_ARGS] = { 0 };
    uint32_t results[MAX_ARGS];
    memset(results, 0, sizeof results);
    for (int i = 0; i < s->nargs; i++)
        if (!parse_arg(argv[i + 2], &s->args[i], &b, &a[i], &mine[i], &results[i])) return;
    if (s->flags & F_MDL_NEW) {
        int free_slot = -1;
        for (int i = 0; i < MAX_MDLS && free_slot < 0; i++) if (!mdls[i]) free_slot = i;
        if (free_slot < 0) { mon_error("call: the monitor holds %d MDLs already: IoFreeMdl some", MAX_MDLS); return; }
    }

    struct mon_snap *before = mon_snap_take(0);
    uint32_t bugchecks = ntmm_last_bugcheck.count;
    vxd_edx = 0;
    volatile uint64_t r = 0;
    volatile bool raised = false;
    NTSTATUS status = 0;
    bool faulted = false;
    struct fault_info fault = { 0, 0, 0, 0 };
    NT_TRY_FRAME t;
    if (NT_TRY(&t)) {
        r = s->fn(a);
        NT_TRY_END(&t);
    } else {
        raised = true;
        status = NtExceptionStatus(&t);
        faulted = !t.raised;
        fault = t.k.fault;
    }
    uint64_t rv = r;

    char why[160];
    why[0] = 0;
    if (raised && faulted)
        ksnprintf(why, sizeof why, "faulted: vector %u, error %x, cr2 %08x, eip %08x", fault.vector, fault.err, fault.cr2,
                  fault.eip);
    else if (raised)
        ksnprintf(why, sizeof why, "raised %s (0x%08x)", nt_status((uint32_t)status), (uint32_t)status);
    else if (ntmm_last_bugcheck.count != bugchecks)
        ksnprintf(why, sizeof why, "bug check 0x%x (0x%x, 0x%x, 0x%x, 0x%x), reported and survived",
                  ntmm_last_bugcheck.code, ntmm_last_bugcheck.param[0], ntmm_last_bugcheck.param[1],
                  ntmm_last_bugcheck.param[2], ntmm_last_bugcheck.param[3]);
    else if (s->ret == R_NONZERO && !(uint32_t)rv)
        ksnprintf(why, sizeof why, "returned 0 (failed)");
    else if (s->ret == R_NOT_M1 && (uint32_t)rv == 0xFFFFFFFFu)
        ksnprintf(why, sizeof why, "returned 0xFFFFFFFF (failed)");
    else if (s->ret == R_OS2 && (uint16_t)rv)
        ksnprintf(why, sizeof why, "returned %u %s", (uint16_t)rv, os2_error((uint16_t)rv));
    else if (s->ret == R_NTSTATUS && (int32_t)rv < 0)
        ksnprintf(why, sizeof why, "returned %s (0x%08x)", nt_status((uint32_t)rv), (uint32_t)rv);
    else if (s->ret == R_PTR && !(uint32_t)rv)
        ksnprintf(why, sizeof why, "returned NULL (failed)");
    if (why[0]) {
        mon_error("%s %s", s->name, why);
    } else {
        switch (s->ret) {
        case R_OS2: kprintf("%s -> 0 NO_ERROR\n", s->name); break;
        case R_NTSTATUS: kprintf("%s -> %s\n", s->name, nt_status((uint32_t)rv)); break;
        case R_BOOLEAN: kprintf("%s -> %s\n", s->name, (uint8_t)rv ? "TRUE" : "FALSE"); break;
        case R_PA: kprintf("%s -> 0x%llx\n", s->name, rv); break;
        case R_VOID: kprintf("%s done\n", s->name); break;
        case R_PTR_OPT: kprintf("%s -> 0x%x%s\n", s->name, (uint32_t)rv, (uint32_t)rv ? "" : " (NULL)"); break;
        default:
            if (s->flags & F_EDX) kprintf("%s -> 0x%x (edx 0x%x)\n", s->name, (uint32_t)rv, vxd_edx);
            else kprintf("%s -> 0x%x\n", s->name, (uint32_t)rv);
        }
    }
    if ((s->flags & F_MDL_NEW) && !raised && (uint32_t)rv) {
        for (int i = 0; i < MAX_MDLS; i++)
            if (!mdls[i]) { mdls[i] = (PMDL)(uint32_t)rv; break; }
        print_mdl((PMDL)(uint32_t)rv);
    }
    for (int i = 0; i < s->nargs; i++) {
        if (mine[i] && !why[0]) print_out(s, i, mine[i], a, mine);   /* a refused call wrote nothing */
        if (s->args[i].kind != A_MDL) continue;
        int slot = mdl_slot((uint32_t)a[i]);
        if (s->flags & F_MDL_FREE) mdls[slot] = NULL;          /* IoFreeMdl frees a live MDL, always */
        else print_mdl(mdls[slot]);
    }
    struct mon_snap *after = before ? mon_snap_take(1) : NULL;
    if (before && after) mon_snap_diff(before, after);
}
