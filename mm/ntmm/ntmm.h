/*
 * ntmm.h - the Windows NT Mm personality: NT's names and types (the NT DDK) over the
 * paging core (mm/mm.h).  This file is what an NT-style driver would see of wdm.h/ntddk.h for
 * memory management: PHYSICAL_ADDRESS, MEMORY_CACHING_TYPE, MDL (x86 layout), NTSTATUS,
 * KPROCESSOR_MODE, LOCK_OPERATION, and the Mm/Io services built on them.
 *
 * The personality validates arguments, translates NT flags and errors, and calls the core; it
 * never stores into a page table itself.  It *reads* page tables through the self-map, as NT
 * does (MiGetPdeAddress / MiGetPteAddress from mm/x86.h), for MmIsAddressValid,
 * MmGetPhysicalAddress, MmGetVirtualForPhysical and the MDL walks.
 *
 * Reference version: Windows Server 2003 (NT 5.2), classic i386, non-PAE - the version ReactOS
 * implements.  "NT" in the contract comments means NT 5.2 unless a later version is named (a
 * few flags the services accept are Windows 7's: MmAllocatePagesForMdlEx says which).
 *
 * Where NT and ReactOS differ, or where our kernel cannot do what NT does, the contract comment
 * above each service (in mm/ntmm/) says what NT does, what ReactOS does and what we chose.
 * The choices that change a caller's life, in one list:
 *   - KeBugCheckEx does not stop the machine: it records the code and parameters, calls
 *     ntmm_bugcheck_hook (tests observe it) and returns; the caller then fails the request.
 *   - Exceptions: NT_TRY / NT_TRY_END / NtExceptionStatus are a small try/except over the
 *     kernel's ktry; ExRaiseStatus jumps to the innermost NT_TRY.  MmProbeAndLockPages raises;
 *     MmProbeAndLockPagesEx returns the same NTSTATUS instead.
 *   - MmMapIoSpace of RAM: frames in use get a counted reference, free RAM is refused (NULL).
 *   - MmMapLockedPagesSpecifyCache(UserMode) maps into the current process's private arena,
 *     writable from ring 3 only for an MDL locked for write; its failures raise (as NT's).
 *   - Kernel mappings (4 KiB PTEs) carry the Global bit when the CPU has PGE (NT parity).
 */
#ifndef MM_NTMM_H
#define MM_NTMM_H
#include "kernel/kernel.h"
#include "kernel/trap.h"
#include "mm/mm.h"

/* ---- basic NT types (x86, ILP32) --------------------------------------------------------- */
typedef void VOID, *PVOID;
typedef uint8_t UCHAR, BOOLEAN, *PUCHAR;
typedef char CCHAR;
typedef int16_t CSHORT;
typedef uint16_t USHORT;
typedef uint32_t ULONG, *PULONG;
typedef int32_t LONG, NTSTATUS;
typedef uint32_t ULONG_PTR, SIZE_T;
typedef int64_t LONGLONG;
typedef ULONG PFN_NUMBER, *PPFN_NUMBER;
#ifndef TRUE
#define TRUE  1
#define FALSE 0
#endif

typedef union _LARGE_INTEGER {
    struct { ULONG LowPart; LONG HighPart; };
    struct { ULONG LowPart; LONG HighPart; } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;
typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;
_Static_assert(sizeof(PHYSICAL_ADDRESS) == 8, "PHYSICAL_ADDRESS is a 64-bit union");

typedef CCHAR KPROCESSOR_MODE;
enum { KernelMode = 0, UserMode = 1 };

typedef enum _LOCK_OPERATION { IoReadAccess = 0, IoWriteAccess = 1, IoModifyAccess = 2 } LOCK_OPERATION;

typedef enum _MEMORY_CACHING_TYPE {
    MmNotMapped = -1,
    MmNonCached = 0,
    MmCached = 1,
    MmWriteCombined = 2,
    MmFrameBufferCached = 2,
    MmHardwareCoherentCached = 3,
    MmNonCachedUnordered = 4,
    MmUSWCCached = 5,
    MmMaximumCacheType = 6
} MEMORY_CACHING_TYPE;

typedef enum _MM_PAGE_PRIORITY {
    LowPagePriority = 0, NormalPagePriority = 16, HighPagePriority = 32
} MM_PAGE_PRIORITY;

/* NTSTATUS values (ntstatus.h). */
#define STATUS_SUCCESS                 ((NTSTATUS)0x00000000L)
#define STATUS_BREAKPOINT              ((NTSTATUS)0x80000003L)
#define STATUS_UNSUCCESSFUL            ((NTSTATUS)0xC0000001L)
#define STATUS_ACCESS_VIOLATION        ((NTSTATUS)0xC0000005L)
#define STATUS_IN_PAGE_ERROR           ((NTSTATUS)0xC0000006L)
#define STATUS_INVALID_PARAMETER       ((NTSTATUS)0xC000000DL)
#define STATUS_NO_MEMORY               ((NTSTATUS)0xC0000017L)
#define STATUS_CONFLICTING_ADDRESSES   ((NTSTATUS)0xC0000018L)
#define STATUS_ILLEGAL_INSTRUCTION     ((NTSTATUS)0xC000001DL)
#define STATUS_INTEGER_DIVIDE_BY_ZERO  ((NTSTATUS)0xC0000094L)
#define STATUS_PRIVILEGED_INSTRUCTION  ((NTSTATUS)0xC0000096L)
#define STATUS_INSUFFICIENT_RESOURCES  ((NTSTATUS)0xC000009AL)
#define STATUS_INVALID_ADDRESS         ((NTSTATUS)0xC0000141L)
#define STATUS_INVALID_HANDLE          ((NTSTATUS)0xC0000008L)
#define STATUS_UNABLE_TO_FREE_VM       ((NTSTATUS)0xC000001AL)
#define STATUS_ALREADY_COMMITTED       ((NTSTATUS)0xC0000021L)
#define STATUS_INVALID_PAGE_PROTECTION ((NTSTATUS)0xC0000045L)
#define STATUS_FREE_VM_NOT_AT_BASE     ((NTSTATUS)0xC000009FL)
#define STATUS_MEMORY_NOT_ALLOCATED    ((NTSTATUS)0xC00000A0L)
#define STATUS_INVALID_PARAMETER_2     ((NTSTATUS)0xC00000F0L)
#define STATUS_INVALID_PARAMETER_3     ((NTSTATUS)0xC00000F1L)
#define STATUS_INVALID_PARAMETER_4     ((NTSTATUS)0xC00000F2L)
#define STATUS_INVALID_PARAMETER_5     ((NTSTATUS)0xC00000F3L)
#define STATUS_INVALID_PARAMETER_6     ((NTSTATUS)0xC00000F4L)
#define STATUS_COMMITMENT_LIMIT        ((NTSTATUS)0xC000012DL)
#define NT_SUCCESS(s) ((NTSTATUS)(s) >= 0)

/* Bug-check codes we report (bugcodes.h). */
#define KMODE_EXCEPTION_NOT_HANDLED 0x1Eu
#define NO_MORE_SYSTEM_PTES         0x3Fu
#define BAD_POOL_CALLER             0xC2u
#define MUST_SUCCEED_POOL_EMPTY     0x41u
#define MEMORY_MANAGEMENT           0x1Au
#define SYSTEM_PTE_MISUSE           0xDAu

/* ---- MDL (the NT DDK: x86 layout, 28 bytes, then the PFN array) --------------------- */
typedef struct as *PEPROCESS;      /* our process = an address space */

typedef struct _MDL {
    struct _MDL *Next;
    CSHORT Size;
    CSHORT MdlFlags;
    PEPROCESS Process;
    PVOID MappedSystemVa;
    PVOID StartVa;
    ULONG ByteCount;
    ULONG ByteOffset;
} MDL, *PMDL;
_Static_assert(sizeof(MDL) == 0x1C, "MDL must be 28 bytes (x86)");
_Static_assert(offsetof(MDL, Size) == 0x04 && offsetof(MDL, MdlFlags) == 0x06 &&
               offsetof(MDL, Process) == 0x08 && offsetof(MDL, MappedSystemVa) == 0x0C &&
               offsetof(MDL, StartVa) == 0x10 && offsetof(MDL, ByteCount) == 0x14 &&
               offsetof(MDL, ByteOffset) == 0x18, "MDL field offsets must match the x86 layout");

#define MDL_MAPPED_TO_SYSTEM_VA      0x0001
#define MDL_PAGES_LOCKED             0x0002
#define MDL_SOURCE_IS_NONPAGED_POOL  0x0004
#define MDL_ALLOCATED_FIXED_SIZE     0x0008
#define MDL_PARTIAL                  0x0010
#define MDL_PARTIAL_HAS_BEEN_MAPPED  0x0020
#define MDL_IO_PAGE_READ             0x0040
#define MDL_WRITE_OPERATION          0x0080
#define MDL_PARENT_MAPPED_SYSTEM_VA  0x0100
#define MDL_FREE_EXTRA_PTES          0x0200
#define MDL_DESCRIBES_AWE            0x0400
#define MDL_IO_SPACE                 0x0800
#define MDL_NETWORK_HEADER           0x1000
#define MDL_MAPPING_CAN_FAIL         0x2000
#define MDL_ALLOCATED_MUST_SUCCEED   0x4000
#define MDL_INTERNAL                 0x8000

#define LIST_HEAD_PFN 0xFFFFFFFFu   /* ReactOS: "no page here" in an MDL's PFN array */
#define MDL_FIXED_PAGES 23u         /* IoAllocateMdl's fixed-size lookaside MDLs (ReactOS) */

/* A minimal IRP: only what IoAllocateMdl touches (the x86 layout's first fields). */
typedef struct _IRP {
    CSHORT Type;
    USHORT Size;
    PMDL MdlAddress;
} IRP, *PIRP;

/* wdm.h macros, as inline functions. */
#define BYTE_OFFSET(va) ((ULONG)(ULONG_PTR)(va) & PAGE_MASK)
#define PAGE_ALIGN(va)  ((PVOID)((ULONG_PTR)(va) & ~(ULONG_PTR)PAGE_MASK))
/* Pages spanned by [va, va + size): 64-bit so a huge size cannot wrap. */
static inline ULONG ADDRESS_AND_SIZE_TO_SPAN_PAGES(const void *va, uint64_t size)
{
    return (ULONG)((BYTE_OFFSET(va) + size + PAGE_MASK) >> PAGE_SHIFT);
}
static inline PPFN_NUMBER MmGetMdlPfnArray(PMDL m) { return (PPFN_NUMBER)(m + 1); }
static inline PVOID MmGetMdlVirtualAddress(PMDL m) { return (PVOID)((ULONG_PTR)m->StartVa + m->ByteOffset); }
static inline PVOID MmGetMdlBaseVa(PMDL m) { return m->StartVa; }
static inline ULONG MmGetMdlByteCount(PMDL m) { return m->ByteCount; }
static inline ULONG MmGetMdlByteOffset(PMDL m) { return m->ByteOffset; }
static inline SIZE_T MmSizeOfMdl(PVOID base, SIZE_T length)
{
    return sizeof(MDL) + sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES(base, length);
}
static inline VOID MmInitializeMdl(PMDL m, PVOID base, SIZE_T length)
{
    m->Next = NULL;
    m->Size = (CSHORT)MmSizeOfMdl(base, length);
    m->MdlFlags = 0;
    m->Process = NULL;
    m->MappedSystemVa = NULL;
    m->StartVa = PAGE_ALIGN(base);
    m->ByteOffset = BYTE_OFFSET(base);
    m->ByteCount = (ULONG)length;
}
static inline ULONG ntmm_mdl_pages(PMDL m)
{
    return ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(m), m->ByteCount);
}
/* Has the MDL room (Size) for the PFN entries its buffer (ByteCount) needs?  Everything that
 * writes or reads the PFN array asks first: an MDL reused with a larger ByteCount, or a Size
 * written by hand, would otherwise reach past the MDL - in the pool, into the next block. */
static inline bool ntmm_mdl_fits(PMDL m)
{
    return (ULONG)(uint16_t)m->Size >= sizeof(MDL) + ntmm_mdl_pages(m) * sizeof(PFN_NUMBER);
}

/* ---- bug checks and exceptions (mm/ntmm/ntmm.c) -------------------------------------------------- */
struct ntmm_bugcheck {
    ULONG count;                   /* bug checks reported since boot */
    ULONG code;
    ULONG_PTR param[4];
};
extern struct ntmm_bugcheck ntmm_last_bugcheck;
typedef void (*ntmm_bugcheck_hook_t)(ULONG code, ULONG_PTR p1, ULONG_PTR p2, ULONG_PTR p3, ULONG_PTR p4);
extern ntmm_bugcheck_hook_t ntmm_bugcheck_hook;   /* NULL: print the STOP line only */
VOID KeBugCheckEx(ULONG code, ULONG_PTR p1, ULONG_PTR p2, ULONG_PTR p3, ULONG_PTR p4);

/*   NT_TRY_FRAME t;
 *   if (NT_TRY(&t)) { ...guarded...; NT_TRY_END(&t); } else { status = NtExceptionStatus(&t); }
 * A CPU fault in the guarded code (anything ktry catches) or ExRaiseStatus lands in the else
 * branch.  Locals changed inside the guarded code and read in the else branch must be volatile. */
typedef struct _NT_TRY_FRAME {
    struct ktry k;
    NTSTATUS status;               /* the exception's status, in the else branch */
    bool raised;                   /* by ExRaiseStatus (else: a CPU fault) */
    struct _NT_TRY_FRAME *prev;
} NT_TRY_FRAME;
void ntmm_try_link(NT_TRY_FRAME *t);
void ntmm_try_caught(NT_TRY_FRAME *t);     /* unlinks t; turns a CPU fault into a status */
#define NT_TRY(t) (ntmm_try_link(t), ktry_setjmp(&(t)->k) == 0 || (ntmm_try_caught(t), 0))
void NT_TRY_END(NT_TRY_FRAME *t);
static inline NTSTATUS NtExceptionStatus(const NT_TRY_FRAME *t) { return t->status; }
/* Raises to the innermost NT_TRY.  With none active: bug check 0x1E is reported and it returns. */
VOID ExRaiseStatus(NTSTATUS status);

/* ---- physical addresses and validity (mm/ntmm/query.c) ------------------------------------- */
BOOLEAN MmIsAddressValid(PVOID va);
/* MmGetPhysicalAddress (mm/ntmm/query.c has the contract) is here, inline, so that callers - drivers
 * building DMA descriptors, one call per page - pay two dependent loads and a mask instead of a
 * call with a structure returned through memory.  Static: it is written with mm/x86.h's static
 * inline PDE predicates, which an external inline definition may not use. */
static inline PHYSICAL_ADDRESS MmGetPhysicalAddress(PVOID va)
{
    PHYSICAL_ADDRESS pa;
    pa.QuadPart = 0;
    pte_t pde = *MiGetPdeAddress(va);
    if (!pte_present(pde)) return pa;                 /* PDE not valid */
    if (pde_large(pde)) {                             /* MI_PDE_MAPS_LARGE_PAGE */
        pa.LowPart = (pde_large_pfn(pde) << PAGE_SHIFT) + ((vaddr_t)va & (LARGE_PAGE_SIZE - 1));
        return pa;
    }
    pte_t pte = *MiGetPteAddress(va);                 /* pde_table(pde): a real entry */
    if (pte_present(pte)) pa.LowPart = (pte_pfn(pte) << PAGE_SHIFT) + BYTE_OFFSET(va);
    return pa;
}
PVOID MmGetVirtualForPhysical(PHYSICAL_ADDRESS pa);

/* ---- I/O space (mm/ntmm/io.c) ----------------------------------------------------------------- */
PVOID MmMapIoSpace(PHYSICAL_ADDRESS pa, SIZE_T bytes, MEMORY_CACHING_TYPE cache);
VOID MmUnmapIoSpace(PVOID base, SIZE_T bytes);
static inline PVOID MmMapVideoDisplay(PHYSICAL_ADDRESS pa, SIZE_T n, MEMORY_CACHING_TYPE c) { return MmMapIoSpace(pa, n, c); }
static inline VOID MmUnmapVideoDisplay(PVOID base, SIZE_T n) { MmUnmapIoSpace(base, n); }

/* ---- contiguous memory (mm/ntmm/contig.c) ----------------------------------------------------- */
PVOID MmAllocateContiguousMemorySpecifyCache(SIZE_T bytes, PHYSICAL_ADDRESS lowest, PHYSICAL_ADDRESS highest,
                                             PHYSICAL_ADDRESS boundary, MEMORY_CACHING_TYPE cache);
PVOID MmAllocateContiguousMemory(SIZE_T bytes, PHYSICAL_ADDRESS highest);
VOID MmFreeContiguousMemory(PVOID base);
VOID MmFreeContiguousMemorySpecifyCache(PVOID base, SIZE_T bytes, MEMORY_CACHING_TYPE cache);

/* ---- MDLs (mm/ntmm/mdl.c, mm/ntmm/mdlmap.c) --------------------------------------------------- */
PMDL IoAllocateMdl(PVOID va, ULONG length, BOOLEAN secondary, BOOLEAN charge_quota, PIRP irp);
VOID IoFreeMdl(PMDL mdl);
VOID MmBuildMdlForNonPagedPool(PMDL mdl);
VOID MmProbeAndLockPages(PMDL mdl, KPROCESSOR_MODE mode, LOCK_OPERATION op);
NTSTATUS MmProbeAndLockPagesEx(PMDL mdl, KPROCESSOR_MODE mode, LOCK_OPERATION op);
VOID MmUnlockPages(PMDL mdl);
PVOID MmMapLockedPagesSpecifyCache(PMDL mdl, KPROCESSOR_MODE mode, MEMORY_CACHING_TYPE cache, PVOID base,
                                   ULONG bugcheck_on_failure, ULONG priority);
PVOID MmMapLockedPages(PMDL mdl, KPROCESSOR_MODE mode);
PVOID MmGetSystemAddressForMdlSafe(PMDL mdl, ULONG priority);
VOID MmUnmapLockedPages(PVOID base, PMDL mdl);
static inline PEPROCESS PsGetCurrentProcess(void) { return as_current(); }
/* NT (a wdm.h macro over an MDL whose partial child was mapped): unmaps a mapped partial MDL
 * (MDL_PARTIAL_HAS_BEEN_MAPPED) so it can be built again; anything else is left alone. */
VOID MmPrepareMdlForReuse(PMDL mdl);
VOID IoBuildPartialMdl(PMDL source, PMDL target, PVOID va, ULONG length);     /* mm/ntmm/partial.c */
BOOLEAN MmIsNonPagedSystemAddressValid(PVOID va);                               /* mm/ntmm/query.c */

/* ---- pages for MDLs (mm/ntmm/pages.c) ----------------------------------------------------------- */
#define MM_DONT_ZERO_ALLOCATION               0x00000001u
#define MM_ALLOCATE_FROM_LOCAL_NODE_ONLY      0x00000002u
#define MM_ALLOCATE_FULLY_REQUIRED            0x00000004u   /* Windows 7 */
#define MM_ALLOCATE_NO_WAIT                   0x00000008u   /* Windows 7 */
#define MM_ALLOCATE_PREFER_CONTIGUOUS         0x00000010u   /* Windows 7 */
#define MM_ALLOCATE_REQUIRE_CONTIGUOUS_CHUNKS 0x00000020u   /* Windows 7 */
/* The most pages one MDL can describe: its Size is 16 bits (28 + 4 per page <= 0xFFFF). */
#define NTMM_MDL_MAX_PAGES ((0xFFFFu - sizeof(MDL)) / sizeof(PFN_NUMBER))
PMDL MmAllocatePagesForMdl(PHYSICAL_ADDRESS low, PHYSICAL_ADDRESS high, PHYSICAL_ADDRESS skip, SIZE_T total);
PMDL MmAllocatePagesForMdlEx(PHYSICAL_ADDRESS low, PHYSICAL_ADDRESS high, PHYSICAL_ADDRESS skip, SIZE_T total,
                             MEMORY_CACHING_TYPE cache, ULONG flags);
VOID MmFreePagesFromMdl(PMDL mdl);

/* ---- pool (mm/ntmm/pool.c) -------------------------------------------------------------------- */
typedef enum _POOL_TYPE {
    NonPagedPool = 0, PagedPool = 1, NonPagedPoolMustSucceed = 2, DontUseThisType = 3,
    NonPagedPoolCacheAligned = 4, PagedPoolCacheAligned = 5, NonPagedPoolCacheAlignedMustS = 6,
    MaxPoolType = 7
} POOL_TYPE;
#define POOL_QUOTA_FAIL_INSTEAD_OF_RAISE 8u
#define POOL_RAISE_IF_ALLOCATION_FAILURE 16u
#define POOL_SESSION_BIT                 32u     /* NonPagedPoolSession = 32, ... */
#define PROTECTED_POOL                   0x80000000u
#define NTMM_POOL_DEFAULT_TAG            0x656E6F4Eu  /* 'None', ExAllocatePool's */
#define NTMM_REGION_POOL 0x4C50u          /* region kind of a pool block of a page or more ('PL') */
PVOID ExAllocatePool(POOL_TYPE type, SIZE_T bytes);
PVOID ExAllocatePoolWithTag(POOL_TYPE type, SIZE_T bytes, ULONG tag);
PVOID ExAllocatePoolWithQuota(POOL_TYPE type, SIZE_T bytes);
PVOID ExAllocatePoolWithQuotaTag(POOL_TYPE type, SIZE_T bytes, ULONG tag);
VOID ExFreePool(PVOID p);
VOID ExFreePoolWithTag(PVOID p, ULONG tag);
ULONG ntmm_pool_blocks(void);                  /* live Ex pool blocks (tests) */

/* ---- reserved mappings (mm/ntmm/reserved.c) and non-cached memory (mm/ntmm/ncache.c) ---------- */
PVOID MmAllocateMappingAddress(SIZE_T bytes, ULONG tag);
VOID MmFreeMappingAddress(PVOID base, ULONG tag);
PVOID MmMapLockedPagesWithReservedMapping(PVOID base, ULONG tag, PMDL mdl, MEMORY_CACHING_TYPE cache);
VOID MmUnmapReservedMapping(PVOID base, ULONG tag, PMDL mdl);
PVOID MmAllocateNonCachedMemory(SIZE_T bytes);
VOID MmFreeNonCachedMemory(PVOID base, SIZE_T bytes);

/* ---- user-mode virtual memory (mm/ntmm/virtual.c) ---------------------------------------------- */
typedef void *HANDLE;
#define NtCurrentProcess() ((HANDLE)(LONG)-1)
#define ZwCurrentProcess() NtCurrentProcess()
#define MEM_COMMIT      0x00001000u
#define MEM_RESERVE     0x00002000u
#define MEM_DECOMMIT    0x00004000u
#define MEM_RELEASE     0x00008000u
#define MEM_RESET       0x00080000u
#define MEM_TOP_DOWN    0x00100000u
#define MEM_WRITE_WATCH 0x00200000u
#define MEM_PHYSICAL    0x00400000u
#define MEM_LARGE_PAGES 0x20000000u
#define PAGE_NOACCESS          0x01u      /* as mm/vxd/vxd.h spells them */
#define PAGE_READONLY          0x02u
#define PAGE_READWRITE         0x04u
#define PAGE_WRITECOPY         0x008u
#define PAGE_EXECUTE           0x010u
#define PAGE_EXECUTE_READ      0x020u
#define PAGE_EXECUTE_READWRITE 0x040u
#define PAGE_EXECUTE_WRITECOPY 0x080u
#define PAGE_GUARD             0x100u
#define PAGE_NOCACHE           0x200u
#define PAGE_WRITECOMBINE      0x400u
#define NTMM_REGION_VAD 0x4144u              /* region kind of a ZwAllocateVirtualMemory reservation ('AD') */
NTSTATUS ZwAllocateVirtualMemory(HANDLE process, PVOID *base, ULONG_PTR zero_bits, SIZE_T *size, ULONG type,
                                 ULONG protect);
NTSTATUS ZwFreeVirtualMemory(HANDLE process, PVOID *base, SIZE_T *size, ULONG type);

/* ---- inside the personality (not NT API) ------------------------------------------------------ */
void ntmm_init(void);
/* MEMORY_CACHING_TYPE (already masked, < MmMaximumCacheType) -> MM_CACHE_* bits (C.2, C.4 test 2). */
uint32_t ntmm_cache_bits(MEMORY_CACHING_TYPE cache);
/* Records of the system-space mappings this personality made (MmMapIoSpace, contiguous memory,
 * MDL mappings): MmUnmapIoSpace, MmFreeContiguousMemory and MmUnmapLockedPages accept only what
 * is recorded here. */
enum ntmm_map_kind { NTMM_MAP_IO = 1, NTMM_MAP_CONTIG = 2, NTMM_MAP_MDL = 3, NTMM_MAP_RESERVED = 4,
                     NTMM_MAP_NONCACHED = 5 };
struct ntmm_map {
    vaddr_t va;                    /* page-aligned base */
    uint32_t npages;               /* pages mapped, 4 MiB pages included */
    uint32_t nlarge;               /* leading 4 MiB pages (I/O windows only) */
    pfn_t pfn;                     /* first frame (consecutive frames) */
    uint8_t kind;
    struct region *window;         /* 4 MiB-aligned window of a large mapping; NULL: system PTEs */
    const void *owner;             /* NTMM_MAP_MDL: the MDL the mapping belongs to */
    struct ntmm_map *next;
};
struct ntmm_map *ntmm_map_add(vaddr_t va, uint32_t npages, uint32_t nlarge, pfn_t pfn, uint8_t kind,
                              struct region *window);     /* NULL when the pool is empty */
struct ntmm_map *ntmm_map_find(vaddr_t va, uint8_t kind); /* the record starting at va */
void ntmm_map_remove(struct ntmm_map *m);
uint32_t ntmm_mapping_count(void);
/* Page MDLs (mm/ntmm/pages.c): the cache type MmAllocatePagesForMdlEx fixed for this MDL's pages
 * (NT keeps it in the PFN database and every mapping obeys it), else `asked`; and the pool's hook:
 * an MDL freed with its pages still allocated gives them back first. */
MEMORY_CACHING_TYPE ntmm_pages_cache(PMDL mdl, MEMORY_CACHING_TYPE asked);
void ntmm_pages_pool_free(PVOID block);
#endif
