/*
 * mm/vxd/internal.h - what the mm/vxd/ files share and nobody else uses: region kinds, input
 * checks, flag translation.  The personality includes only mm/mm.h and mm/x86.h from mm/.
 *
 * Every VxD object is a core region with owner OWNER_VXD:
 *   kind     what                                         flags          data[0]     data[1]  data[2]
 *   RESERVE  _PageReserve                                 PR_*           -           -        VXDF_*
 *   ALLOC    _PageAllocate / _PageReAllocate block        0              PAGE* flags pType    VXDF_*
 *   FREEPHYS _PageAllocate(PAGEMAPFREEPHYSREG) region     0              -           -        -
 *   ALIAS    _LinPageLock(PAGEMAPGLOBAL) global alias     0              -           -        -
 *   PHYSWIN  the _MapPhysToLinear window (one, at init)   0              -           -        -
 *   NULPAGE  the system null page (one, at init)          0              -           -        -
 */
#ifndef MM_VXD_INTERNAL_H
#define MM_VXD_INTERNAL_H
#include "mm/vxd/vxd.h"
#include "mm/x86.h"

enum vxd_kind { VXD_RESERVE = 1, VXD_ALLOC, VXD_FREEPHYS, VXD_ALIAS, VXD_PHYSWIN, VXD_NULPAGE };
#define VXDK(k)        (1u << (k))
#define VXDK_SPARSE    (VXDK(VXD_RESERVE) | VXDK(VXD_ALLOC))   /* commit/decommit/protect work here */
#define VXDF_STATIC    0x1u      /* data[2]: something was committed with PC_STATIC */

#define VXD_FAIL       0xFFFFFFFFu
#define VXD_MAXPAGE    0x100000u /* page numbers are 0..0xFFFFF */

/* page/npages -> a linear range: npages != 0, page + npages <= 0x100000. */
bool vxd_pages(ULONG page, ULONG npages, vaddr_t *va);
/* The VxD region of one of `kinds` that holds all of [va, va + npages pages), or NULL. */
struct region *vxd_region_of(vaddr_t va, uint32_t npages, uint32_t kinds);
/* The VxD region of one of `kinds` whose handle (base) is exactly h, or NULL. */
struct region *vxd_handle(ULONG h, uint32_t kinds);
struct region *vxd_reserve(enum mm_arena arena, vaddr_t at, uint32_t npages, uint32_t align, uint16_t kind);
bool vxd_is_static(const struct region *r);
/* Is any present page of the range locked beyond the lock its own mapping holds? */
bool vxd_foreign_locks(vaddr_t va, uint32_t npages);
/* A caller's pointer: the core's caller-buffer rule (mm_caller_buffer_ok, mm/core/caller.c) with the
 * service's stack floor (CALLER_STACK_FLOOR in the service's own body).  NULL and garbage are
 * answers, not faults. */
bool vxd_ptr_ok(const void *p, uint32_t n, bool write, vaddr_t floor);
bool vxd_align_ok(ULONG mask);           /* 2^k - 1, k <= 20 */
uint32_t vxd_prot(ULONG pc);             /* PC_WRITEABLE/PC_USER/PC_CACHE* -> MM_PROT_ / MM_CACHE_ */
ULONG vxd_pc_bits(uint32_t prot);        /* MM_PROT_* -> PC_WRITEABLE/PC_USER */

/* PAGELOCKEDIFDP / PC_LOCKEDIFDP pages, committed pageable demand-zero: made present now (a lock
 * taken and dropped at once, so the charge and the pager's counts follow the core's one path)
 * and left unlocked - pageable, since our pager never pages through DOS or the BIOS; dirty: the
 * frames count as written (PC_DIRTY: the pager writes them before it frees them).  false,
 * nothing present, when the frames cannot be had. */
bool vxd_make_present(vaddr_t va, uint32_t npages, bool dirty);

void vxd_vmmcall_init(void);             /* mm/vxd/vmmcall.c */
void vxd_phys_init(void);                /* mm/vxd/phys.c */
#endif
