/*
 * devhlp.h - the OS/2 DevHelp memory services for physical device drivers (the OS/2 PDD reference
 * section B), as a thin personality over the paging core (mm/mm.h): argument validation, flag
 * translation and OS/2 error codes.  Nothing here writes a page table; every page is locked,
 * mapped or freed by a core function, so a page locked with VMLock is locked for the other
 * personalities too.
 *
 * Two ways in:
 *   - the C wrappers below (dhcalls.h style: return 0 or an OS/2 error code);
 *   - the register-level entry `call [Device_Help]` (flat model, so a near indirect call) with
 *     DL = function code and the arguments in EAX/EBX/ECX/EDI/ESI as in B.0/B.3.  CF clear on
 *     success (results in EAX, and ECX for VMAlloc), CF set with the error in EAX otherwise;
 *     every other register, and the interrupt flag, is preserved (mm/devhlp/entry.asm).
 *
 * Pointers the caller passes (PAGELIST arrays, lock handles, PhysAddr) are flat linear
 * addresses in the current address space.  They are checked before use by the core's one rule
 * for caller buffers (mm_caller_buffer_ok, mm/core/caller.c; the VxD services use the same): committed
 * memory of a region an API made or of a system-PTE allocation, writable if written, or the
 * caller's own stack - never the kernel image, the page tables, hyperspace, the PFN database or
 * the pool - and accessible now (probed under the exception table); a bad pointer is
 * ERROR_INVALID_PARAMETER, never a crash, and changes nothing.
 *
 * "Init time" (VMDHA_USEHIGHMEM, VMDHIA_USER): OS/2 allows these only while a driver handles
 * its INIT request.  In Pagoda that is the duration of devhlp_init() and of any
 * devhlp_run_init(fn) call (the kernel delivering CMDInit to a driver); everything else is
 * "after init", where those bits give 87 as B.3 VMAlloc describes.
 */
#ifndef MM_DEVHLP_H
#define MM_DEVHLP_H
#include "mm/mm.h"

typedef uint32_t ULONG;
typedef uint16_t USHORT;
typedef uint32_t LIN;            /* flat (linear) address */
typedef LIN *PLIN;
typedef ULONG *PULONG;
typedef uint16_t SEL;

/* ---- error codes (bseerr.h; B.0) ------------------------------------------------------- */
#define NO_ERROR                 0
#define ERROR_ACCESS_DENIED      5
#define ERROR_INVALID_HANDLE     6
#define ERROR_NOT_ENOUGH_MEMORY  8
#define ERROR_LOCK_VIOLATION     33
#define ERROR_INVALID_PARAMETER  87
#define ERROR_NOT_LOCKED         158
#define ERROR_INVALID_ADDRESS    487
#define ERROR_INVALID_SELECTOR   490
#define ERROR_NOBLOCK            32792

/* ---- function codes for DL (devhlp.inc; B.0) ------------------------------------------- */
#define DevHlp_VMLock            0x55
#define DevHlp_VMUnLock          0x56
#define DevHlp_VMAlloc           0x57
#define DevHlp_VMFree            0x58
#define DevHlp_VMProcessToGlobal 0x59
#define DevHlp_VMGlobalToProcess 0x5A
#define DevHlp_VirtToLin         0x5B
#define DevHlp_LinToGDTSelector  0x5C     /* not implemented: 87 (mm/devhlp/dispatch.c) */
#define DevHlp_LinToPageList     0x5E
#define DevHlp_PageListToLin     0x5F

/* ---- flags (B.1) ------------------------------------------------------------------------ */
#define VMDHL_NOBLOCK     0x0001u
#define VMDHL_CONTIGUOUS  0x0002u
#define VMDHL_16M         0x0004u
#define VMDHL_WRITE       0x0008u
#define VMDHL_LONG        0x0010u
#define VMDHL_VERIFY      0x0020u
#define VMDHL_TRY_CONTIG  0x8000u

#define VMDHA_16M         0x0001u
#define VMDHA_FIXED       0x0002u
#define VMDHA_SWAP        0x0004u
#define VMDHA_CONTIG      0x0008u
#define VMDHA_PHYS        0x0010u
#define VMDHA_PROCESS     0x0020u
#define VMDHA_SGSCONT     0x0040u
#define VMDHA_SELMAP      0x0080u
#define VMDHA_RESERVE     0x0100u
#define VMDHIA_USER       0x0200u
#define VMDHA_SHARED      0x0400u
#define VMDHA_USEHIGHMEM  0x0800u
#define VMDHA_ALIGN64K    0x1000u
#define VMDHA_NOPHYSADDR  0xFFFFFFFFu

#define VMDHPG_READONLY   0x0000u
#define VMDHPG_WRITE      0x0001u

#define VMDHGP_WRITE      0x0001u
#define VMDHGP_SELMAP     0x0002u
#define VMDHGP_SGSCONTROL 0x0004u
#define VMDHGP_4MEG       0x0008u
#define VMDHGP_HMA        0x0020u

#define DEVHLP_NO_LIST    0xFFFFFFFFu    /* VMLock: EDI = -1, no PAGELIST wanted */

/* ---- structures (B.2) ------------------------------------------------------------------- */
typedef struct _PAGELIST { ULONG PhysAddr; ULONG Size; } PAGELIST, *PPAGELIST;
typedef struct { char Lockhandle[12]; } KernVMLock_t;   /* opaque, caller-owned */
_Static_assert(sizeof(PAGELIST) == 8, "PAGELIST is 8 bytes (B.2)");
_Static_assert(sizeof(KernVMLock_t) == 12, "a lock handle is 12 bytes (B.2)");

/* ---- services (contracts in the .c files) ----------------------------------------------- */
USHORT DevHelp_VMLock(ULONG Flags, LIN LinearAddr, ULONG Length, LIN pPagelist, LIN pLockHandle,
                      PULONG PageListCount);                                   /* mm/devhlp/lock.c */
USHORT DevHelp_VMUnLock(LIN pLockHandle);                                      /* mm/devhlp/lock.c */
USHORT DevHelp_VMAlloc(ULONG Flags, ULONG Size, ULONG PhysAddr, PLIN LinearAddr,
                       PULONG SelOffset);                                      /* mm/devhlp/alloc.c */
USHORT DevHelp_VMFree(LIN LinearAddr);                                         /* mm/devhlp/map.c */
USHORT DevHelp_VMProcessToGlobal(ULONG Flags, LIN LinearAddr, ULONG Length, PLIN GlobalLinearAddr);
USHORT DevHelp_VMGlobalToProcess(ULONG Flags, LIN LinearAddr, ULONG Length, PLIN ProcessLinearAddr);
USHORT DevHelp_LinToPageList(LIN LinearAddr, ULONG Size, LIN pPageList, PULONG PageListCount);
USHORT DevHelp_PageListToLin(ULONG Size, LIN pPageList, PLIN LinearAddr);    /* mm/devhlp/pagelist.c */
USHORT DevHelp_VirtToLin(SEL Selector, ULONG Offset, PLIN LinearAddr);

/* SelToFlat / FlatToSel (B.3): tiled LDT selectors of the compatibility region (< 512 MiB).
 * Pure arithmetic, as in devhlp.inc; neither validates anything.  A 16:16 pointer is held in
 * a ULONG with the selector in the high word. */
#define SEL_FLATMASK   0x1FFF0000u
#define SEL_FLAT_SHIFT 0x0D
#define SEL_LDT_RPL3   0x0007u
static inline LIN SelToFlat(SEL sel, uint16_t off)
{
    return (((ULONG)sel << SEL_FLAT_SHIFT) & SEL_FLATMASK) | off;
}
static inline ULONG FlatToSel(LIN flat)
{
    return ((((flat >> SEL_FLAT_SHIFT) | SEL_LDT_RPL3) & 0xFFFFu) << 16) | (flat & 0xFFFFu);
}
#define TILED_LIMIT 0x20000000u          /* the 512 MiB line: end of the tiled region (B.4) */

/* ---- the register entry and initialisation ----------------------------------------------- */
extern uint32_t Device_Help;             /* address of devhlp_entry; `call [Device_Help]` */
void devhlp_entry(void);                 /* mm/devhlp/entry.asm: register convention only */
void devhlp_init(void);                  /* kmain calls it: sets Device_Help, ends init */
void devhlp_run_init(void (*fn)(void *), void *arg);   /* runs fn as a driver's INIT */
bool devhlp_at_init(void);

/* The registers the entry saves (pushad order, lowest address first) and hands to the
 * dispatcher; results are written back into eax/ecx. */
struct devhlp_regs { uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax; };
uint32_t devhlp_dispatch(struct devhlp_regs *r);   /* returns the error (0 = CF clear) */

/* ---- shared by the devhlp files only ------------------------------------------------------ */
enum devhlp_kind { DH_ALLOC = 1, DH_P2G, DH_G2P };     /* region->kind of OWNER_DEVHLP regions */
USHORT devhlp_error(mm_status st);                     /* core status -> OS/2 code */
bool devhlp_ptr_ok(LIN p, uint32_t n, bool write, vaddr_t floor);   /* caller pointer check (see above) */
bool devhlp_range_allowed(LIN p, uint32_t n);          /* LinToPageList: inside an arena, not the PFN database */
bool devhlp_put(LIN p, uint32_t v);                    /* probed store; false if it faulted */
bool devhlp_get(LIN p, uint32_t *v);
/* Page-list runs for frames[0..] describing `len` bytes from page offset `off`; writes at most
 * max entries to out (NULL: only counts).  Returns the number of entries. */
uint32_t devhlp_build_pagelist(const pfn_t *frames, uint32_t off, uint32_t len, PAGELIST *out, uint32_t max);
/* Whole pages covering [lin, lin + len); false on zero length or a wrap. */
bool devhlp_span(LIN lin, ULONG len, vaddr_t *base, uint32_t *npages);
struct region *devhlp_region_at(LIN lin);              /* a devhlp region returned as exactly lin */
bool devhlp_pl_free(LIN lin, USHORT *err);             /* PageListToLin mappings (VMFree) */
void devhlp_lock_init(void);                           /* the lock-handle key */
#endif
