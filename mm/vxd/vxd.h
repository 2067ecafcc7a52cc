/*
 * vxd.h - the Windows 9x VMM page services (the Win95 DDK's VMM reference) as a thin personality
 * over the paging core (mm/mm.h): argument validation, flag translation and the documented
 * return values.  Nothing here writes a page table; every page is reserved, committed, locked,
 * mapped or freed by a core function, so a page locked with _LinPageLock is locked for the
 * OS/2 and NT personalities too (and the other way round).
 *
 * Two ways in:
 *   - the C functions below, with the documented names and parameters (cdecl, as the Win95
 *     DDK's C wrappers); a service that also returns EDX leaves it in vxd_edx;
 *   - `int 20h` followed by the dword service ID (0x0001xxxx, A.0) with cdecl arguments on the
 *     stack, from ring 0: the VMMCall macro of mm/vxd/vmm.inc (mm/vxd/vmmcall.c dispatches).
 *
 * Page numbers are linear addresses >> 12 (0..0xFFFFF); counts are in pages.  Memory handles
 * are the linear address of the block.  Every service checks its whole input before changing
 * anything: bad input returns the documented failure value and costs nothing (no frame, no
 * linear space, no lock).
 *
 * Choices where the reference leaves room (each also stated at the service):
 *   - Every lock has an owner (the core's mm/core/lock.c): _LinPageLock's belong to the linear page,
 *     PAGEMAPGLOBAL's to its alias, a fixed block's to its own mappings, VMLock's and MDLs' to
 *     their handles.  A locked frame never moves and never goes back to the free list while
 *     any owner holds it, whichever API asks.  _PageFree and _PageDecommit of locked pages are
 *     not an error (A.3): the pages' own locks die with them, and a frame another owner locks
 *     (a VMLock handle, an MDL, a global alias) stays allocated until that owner lets go.
 *     _PageReAllocate and _UnmapFreePhysReg refuse any lock beyond the block's own: they would
 *     move or give away the frame under its owner.
 *   - PAGELOCKED / PC_LOCKED blocks hold their lock for life, like PAGEFIXED / PC_FIXED: there
 *     is no _PageUnLock here, and _LinPageUnLock only undoes _LinPageLock.
 *   - PAGELOCKEDIFDP / PC_LOCKEDIFDP.  Win95: "locked if the pager uses DOS or BIOS for
 *     paging" - memory a VxD touches while the pager could be in real-mode I/O (where a page
 *     fault would have to re-enter DOS) is locked only on such systems.  Ours: the pager
 *     (mm/core/pager.c) writes the swap disk through protected-mode ATA (drivers/ata.c), never
 *     DOS or the BIOS, so the condition is false: those pages are made present when committed,
 *     then left unlocked and pageable - the pager may write them out under pressure like any
 *     PD_ZEROINIT page - and _LinPageLock/_LinPageUnLock with PAGELOCKEDIFDP validate the range
 *     and lock nothing.
 *   - "Initialization" (PAGEMAPFREEPHYSREG needs it; PAGELOCKEDIFDP and _MapFreePhysReg are
 *     refused during it) is the time vxd_init() runs and any vxd_run_init() call: a VxD's
 *     Sys_Critical_Init/Device_Init.  After it is "after Init_Complete".
 *   - maxPhys = 0xFFFFFFFF in _PageAllocate(PAGEUSEALIGN) is clamped to 0x1000 (16 MiB), as
 *     Win95 does (KB Q180579); in _PageCommitContig it means "no limit", as A.4 documents.
 *   - Not implemented: _PageLock/_PageUnLock (handle-based), _LinMapIntoV86, _AddFreePhysPage,
 *     _SetFreePhysRegCalBk - there are no VMs, no V86 mode and no free-page callbacks here.
 */
#ifndef MM_VXD_H
#define MM_VXD_H
#include "mm/mm.h"

typedef uint32_t ULONG;
typedef uint32_t DWORD;
typedef void *PVOID;

/* ---- service IDs (A.0): device 1 (VMM) in the high word --------------------------------- */
#define VMM_DEVICE_ID             0x0001u
#define VMM_SERVICE(n)            ((VMM_DEVICE_ID << 16) | (n))
#define VMMID_PageAllocate        VMM_SERVICE(0x053)
#define VMMID_PageReAllocate      VMM_SERVICE(0x054)
#define VMMID_PageFree            VMM_SERVICE(0x055)
#define VMMID_PageGetSizeAddr     VMM_SERVICE(0x058)
#define VMMID_PageGetAllocInfo    VMM_SERVICE(0x059)
#define VMMID_GetFreePageCount    VMM_SERVICE(0x05A)
#define VMMID_CopyPageTable       VMM_SERVICE(0x061)
#define VMMID_LinPageLock         VMM_SERVICE(0x063)
#define VMMID_LinPageUnLock       VMM_SERVICE(0x064)
#define VMMID_PageOutDirtyPages   VMM_SERVICE(0x068)
#define VMMID_PageDiscardPages    VMM_SERVICE(0x069)
#define VMMID_GetNulPageHandle    VMM_SERVICE(0x06A)
#define VMMID_MapPhysToLinear     VMM_SERVICE(0x06C)
#define VMMID_GetDemandPageInfo   VMM_SERVICE(0x06F)
#define VMMID_MapFreePhysReg      VMM_SERVICE(0x0D6)
#define VMMID_UnmapFreePhysReg    VMM_SERVICE(0x0D7)
#define VMMID_XchgFreePhysReg     VMM_SERVICE(0x0D8)
#define VMMID_PageReserve         VMM_SERVICE(0x11D)
#define VMMID_PageCommit          VMM_SERVICE(0x11E)
#define VMMID_PageDecommit        VMM_SERVICE(0x11F)
#define VMMID_PageCommitPhys      VMM_SERVICE(0x128)
#define VMMID_PageModifyPermissions VMM_SERVICE(0x133)
#define VMMID_PageQuery           VMM_SERVICE(0x134)
#define VMMID_PageCommitContig    VMM_SERVICE(0x156)

/* ---- page-allocator flags (A.1) ---------------------------------------------------------- */
#define PAGEZEROINIT            0x00000001u
#define PAGEUSEALIGN            0x00000002u
#define PAGECONTIG              0x00000004u
#define PAGEFIXED               0x00000008u
#define PAGEDEBUGNULFAULT       0x00000010u
#define PAGEZEROREINIT          0x00000020u
#define PAGENOCOPY              0x00000040u
#define PAGELOCKED              0x00000080u
#define PAGELOCKEDIFDP          0x00000100u
#define PAGESETV86PAGEABLE      0x00000200u
#define PAGECLEARV86PAGEABLE    0x00000400u
#define PAGESETV86INTSLOCKED    0x00000800u
#define PAGECLEARV86INTSLOCKED  0x00001000u
#define PAGEMARKPAGEOUT         0x00002000u
#define PAGEPDPSETBASE          0x00004000u
#define PAGEPDPCLEARBASE        0x00008000u
#define PAGEDISCARD             0x00010000u
#define PAGEPDPQUERYDIRTY       0x00020000u
#define PAGEMAPFREEPHYSREG      0x00040000u
#define PAGENOMOVE              0x10000000u
#define PAGEMAPGLOBAL           0x40000000u
#define PAGEMARKDIRTY           0x80000000u
/* _LinPageUnLock: force the lock count down.  No public header gives its value (A.1, D); ours
 * is the first bit no other PAGE* flag uses, so it can never be mistaken for one. */
#define PL_TOTALUNLOCK          0x00080000u

/* ---- page types (pType) ------------------------------------------------------------------- */
#define PG_VM        0u
#define PG_SYS       1u
#define PG_RESERVED1 2u
#define PG_PRIVATE   3u
#define PG_RESERVED2 4u
#define PG_RELOCK    5u
#define PG_INSTANCE  6u
#define PG_HOOKED    7u
#define PG_IGNORE    0xFFFFFFFFu

/* ---- hardware PTE bits as the DDK names them ---------------------------------------------- */
#define P_PRES  0x01u
#define P_WRITE 0x02u
#define P_USER  0x04u
#define P_ACC   0x20u
#define P_DIRTY 0x40u
#define P_AVAIL (P_PRES | P_WRITE | P_USER)
#define P_SIZE  0x1000u

/* ---- _PageReserve --------------------------------------------------------------------------- */
#define PR_PRIVATE  0x80000400u
#define PR_SHARED   0x80060000u
#define PR_SYSTEM   0x80080000u
#define PR_4MEG     0x00000001u
#define PR_FIXED    0x00000008u
#define PR_STATIC   0x00000010u

/* ---- _PageCommit pager handles and PC_* flags ----------------------------------------------- */
#define PD_ZEROINIT   1u
#define PD_NOINIT     2u
#define PD_FIXEDZERO  3u
#define PD_FIXED      4u
#define PD_SWAPPER    0u
#define PD_PAGERONLY  1u

#define PC_FIXED      0x00000008u
#define PC_LOCKED     0x00000080u
#define PC_LOCKEDIFDP 0x00000100u
#define PC_PAGEFLUSH  0x00008000u
#define PC_WRITEABLE  0x00020000u
#define PC_USER       0x00040000u
#define PC_CACHEWT    0x00080000u
#define PC_CACHEDIS   0x00100000u
#define PC_DIRTY      0x08000000u
#define PC_STATIC     0x20000000u
#define PC_INCR       0x40000000u
#define PC_PRESENT    0x80000000u

#define PCC_ZEROINIT  0x00000001u
#define PCC_NOLIN     0x10000000u

/* ---- _MapPhysToLinear ------------------------------------------------------------------------ */
#define MPL_NonCached              0u
#define MPL_HardwareCoherentCached 1u
#define MPL_FrameBufferCached      2u
#define MPL_Cached                 4u

/* ---- _PageQuery ------------------------------------------------------------------------------ */
typedef struct {
    DWORD mbi_BaseAddress, mbi_AllocationBase, mbi_AllocationProtect, mbi_RegionSize;
    DWORD mbi_State, mbi_Protect, mbi_Type;
} MEMORY_BASIC_INFORMATION, *PMEMORY_BASIC_INFORMATION;
_Static_assert(sizeof(MEMORY_BASIC_INFORMATION) == 28, "MEMORY_BASIC_INFORMATION is 7 DWORDs (A.1)");
#define PAGE_NOACCESS  0x01u
#define PAGE_READONLY  0x02u
#define PAGE_READWRITE 0x04u
#define MEM_COMMIT     0x00001000u
#define MEM_RESERVE    0x00002000u
#define MEM_FREE       0x00010000u
#define MEM_PRIVATE    0x00020000u

/* ---- _GetDemandPageInfo (A.7, Win95 layout) ------------------------------------------------- */
typedef struct {
    DWORD DILin_Total_Count, DIPhys_Count, DIFree_Count, DIUnlock_Count;
    DWORD DILinear_Base_Addr, DILin_Total_Free, DIPage_Faults, DIPage_Ins;
    DWORD DIPage_Outs, DIPage_Discards, DIInstance_Faults, DIPagingFileMax;
    DWORD DIPagingFileInUse, DICommit_Count, DIReserved[2];
} DemandInfoStruc;
_Static_assert(sizeof(DemandInfoStruc) == 64, "DemandInfoStruc is 16 DWORDs (A.7)");

/* ---- the services (contracts above each definition) ------------------------------------------ */
/* mm/vxd/alloc.c */
ULONG _PageAllocate(ULONG nPages, ULONG pType, ULONG VM, ULONG AlignMask, ULONG minPhys,
                    ULONG maxPhys, ULONG *PhysAddr, ULONG flags);
ULONG _PageReAllocate(ULONG hMem, ULONG nPages, ULONG flags);
ULONG _PageFree(PVOID hMem, DWORD flags);
ULONG _PageGetSizeAddr(ULONG hMem, ULONG flags);
/* mm/vxd/sparse.c */
ULONG _PageReserve(ULONG page, ULONG npages, ULONG flags);
ULONG _PageCommit(ULONG page, ULONG npages, ULONG hpd, ULONG pagerdata, ULONG flags);
ULONG _PageCommitPhys(ULONG page, ULONG npages, ULONG physpg, ULONG flags);
ULONG _PageCommitContig(ULONG page, ULONG npages, ULONG flags, ULONG alignmask, ULONG minphys, ULONG maxphys);
ULONG _PageDecommit(ULONG page, ULONG npages, ULONG flags);
ULONG _PageModifyPermissions(ULONG page, ULONG npages, ULONG permand, ULONG permor);
/* mm/vxd/query.c */
ULONG _PageQuery(ULONG linaddr, PMEMORY_BASIC_INFORMATION pmbi, ULONG cbmbi);
ULONG _CopyPageTable(ULONG LinPgNum, ULONG nPages, ULONG *PageBuf, ULONG flags);
ULONG _GetFreePageCount(ULONG flags);
ULONG _PageGetAllocInfo(ULONG flags);
void _GetDemandPageInfo(DemandInfoStruc *pDemandInfo, ULONG flags);
/* mm/vxd/lock.c */
ULONG _LinPageLock(ULONG page, ULONG npages, ULONG flags);
ULONG _LinPageUnLock(ULONG page, ULONG npages, ULONG flags);
/* mm/vxd/paging.c.  Win95: the pageswap device's flush of dirty pages (PAGEPDP* flags) and a
 * VxD's "these contents are no longer needed" (PAGEDISCARD, PAGEZEROINIT).  Ours: over the
 * pager (mm/core/pageout.c); with it off, _PageOutDirtyPages returns 0 and _PageDiscardPages
 * checks its input and changes nothing.  Contracts in paging.c. */
ULONG _PageOutDirtyPages(ULONG nPages, ULONG flags);
ULONG _PageDiscardPages(ULONG LinPgNum, ULONG VM, ULONG nPages, ULONG flags);
/* mm/vxd/physreg.c */
ULONG _MapFreePhysReg(ULONG LinPgNum, ULONG nPages, ULONG flags);
ULONG _UnmapFreePhysReg(ULONG LinPgNum, ULONG nPages, ULONG flags);
ULONG _XchgFreePhysReg(ULONG LinPgNum, ULONG PhysAddr, ULONG flags);
/* mm/vxd/phys.c */
ULONG _MapPhysToLinear(ULONG PhysAddr, ULONG nBytes, ULONG flags);
ULONG _GetNulPageHandle(void);

/* EDX of the last service that returns two values (_PageAllocate, _PageReAllocate,
 * _PageGetSizeAddr, _GetFreePageCount, _PageGetAllocInfo); VMMCall copies it into EDX. */
extern ULONG vxd_edx;

/* ---- the environment around the services --------------------------------------------------- */
void vxd_init(void);                       /* kmain: VMMCall vector, system null page, windows */
uint32_t vxd_run_init(uint32_t (*fn)(uint32_t), uint32_t arg);   /* fn runs "during init" */
bool vxd_at_init(void);
ULONG vxd_sys_vm(void);                    /* the only VM handle: the system VM's control block */
uint32_t vxd_mapphys_window_free(void);    /* pages _MapPhysToLinear can still hand out */

/* Trace_Out (mm/vxd/vmm.inc) lands here: prints msg with "#EAX" replaced by the value, and keeps
 * the last values so a test can compare what a VxD printed with what the core says. */
void vxd_trace_out(const char *msg, uint32_t eax);
#define VXD_TRACE_KEEP 8
extern uint32_t vxd_trace_values[VXD_TRACE_KEEP];
extern uint32_t vxd_trace_count;
#endif
