; tests/vxd/seed.asm - VxD code written the DDK way, through VMMCall (mm/vxd/vmm.inc), for the vxd/...
; tests (tests/vxd/vmmcall.c checks what it did against the core):
;   vxd_seed_sample  seed 000's sample, as printed in the DDK, with two fixes NASM and the stack
;                    need (see below)
;   vxd_asm_regs     _PageAllocate/_PageFree: EAX, EDX and every preserved register
;   vxd_asm_unknown  an ID no service has: EAX = EDX = 0, CF set, execution goes on
;   vxd_asm_tour     one VMMCall of each service, results stored for the C side to check

bits 32
%include "mm/vxd/vmm.inc"

section .text

; uint32_t vxd_seed_sample(uint32_t pgStart)
; Seed 000: lock 3 pages at pgStart, copy their PTEs into a stack buffer, print the three
; physical addresses with Trace_Out, unlock.  Returns 0 when it went the whole way, 1 if the
; lock failed (error), 2 if _CopyPageTable failed (errorUnlock), +4 if the unlock failed.
; Differences from the DDK text: `[esi][n]` is MASM, NASM wants [esi+n]; and the sample asks
; _CopyPageTable for 5 entries into its 3-entry (12-byte) buffer, which would write 8 bytes
; over the caller's stack - the text says "the 3 pages", so we ask for 3.
%define pgStart dword [ebp+8]
global vxd_seed_sample
vxd_seed_sample:
        push ebp
        mov ebp, esp
        push ebx
        push esi
        xor ebx, ebx

        sub esp, 3 * 4 ; temporary buffer for CopyPageTable
        VMMCall _LinPageLock, <pgStart, 3, 0>
        test eax, eax
        mov ebx, 1
        jz error ; could not lock the memory
        mov esi, esp
        VMMCall _CopyPageTable, <pgStart, 3, esi, 0>
        test eax, eax
        mov ebx, 2
        jz errorUnlock ; unexpected error
        xor ebx, ebx
        ; go straight to unlock
        ;
        ; Use the values obtained by CopyPageTable. For this sample,
        ; we merely print them to the debugging terminal.
        ;
        mov eax, [esi+0]
        and eax, NOT 0FFFh
        Trace_Out "Page pgStart is at physical address #EAX"
        mov eax, [esi+4]
        and eax, NOT 0FFFh
        Trace_Out "Page pgStart+1 is at physical address #EAX"
        mov eax, [esi+8]
        and eax, NOT 0FFFh
        Trace_Out "Page pgStart+2 is at physical address #EAX"
        ;
        ; We are now finished with the physical addresses. Release
        ; the lock to tell the memory manager that it's okay to move
        ; the pages in memory again.
        ;
errorUnlock:
        VMMCall _LinPageUnlock, <pgStart, 3, 0>
        test eax, eax
        jnz error
        or ebx, 4
error:
        add esp, 3 * 4 ; clean the stack

        mov eax, ebx
        pop esi
        pop ebx
        pop ebp
        ret
%undef pgStart

; void vxd_asm_regs(uint32_t out[8])
; out: [0] EAX and [1] EDX of _PageAllocate(2, PG_SYS, ..., PAGEZEROINIT); [2] EBX, [3] ESI,
; [4] EDI, [5] EBP after it (loaded with 0B0B0B0B0h, 51515151h, 0D1D1D1D1h, and ebp); [6] ESP
; after the call minus ESP before it (0: the macro pops its arguments); [7] EAX of _PageFree.
global vxd_asm_regs
vxd_asm_regs:
        push ebp
        mov ebp, esp
        push ebx
        push esi
        push edi
        mov ebx, 0B0B0B0B0h
        mov esi, 51515151h
        mov edi, 0D1D1D1D1h
        push esp                                ; [ebp-16]: ESP before the call (+4)
        VMMCall _PageAllocate, <2, PG_SYS, 0, 0, 0, 0, 0, PAGEZEROINIT>
        mov ecx, [ebp+8]
        mov [ecx+0], eax
        mov [ecx+4], edx
        mov [ecx+8], ebx
        mov [ecx+12], esi
        mov [ecx+16], edi
        mov [ecx+20], ebp
        lea edx, [esp+4]
        sub edx, [ebp-16]
        mov [ecx+24], edx
        VMMCall _PageFree, <eax, 0>
        mov ecx, [ebp+8]
        mov [ecx+28], eax
        add esp, 4
        pop edi
        pop esi
        pop ebx
        pop ebp
        ret

; uint32_t vxd_asm_unknown(uint32_t out[3]): int 20h with service 0001FFFFh.
; out: [0] EAX, [1] EDX, [2] CF.  Returns 0x600D when execution resumed after the ID.
global vxd_asm_unknown
vxd_asm_unknown:
        push ebp
        mov ebp, esp
        mov eax, 12345678h
        mov edx, 9ABCDEF0h
        int 20h
        dd 0001FFFFh
        mov ecx, [ebp+8]
        mov [ecx+0], eax
        mov [ecx+4], edx
        setc al
        movzx eax, al
        mov [ecx+8], eax
        mov eax, 600Dh
        pop ebp
        ret

; void vxd_asm_tour(struct vxd_tour *t): every service once through VMMCall.  The layout of
; struct vxd_tour is in tests/vxd/vmmcall.c (offsets T_* below must match it).
T_FPR_PAGE      equ 0       ; in:  a not-present page of a free physical region (2 pages)
T_PHYS          equ 4       ; in:  a physical address for _MapPhysToLinear
T_FREE          equ 8       ; out: _GetFreePageCount EAX, EDX
T_ALLOC         equ 16      ; out: _PageAllocate EAX, EDX
T_SIZE          equ 24      ; out: _PageGetSizeAddr EAX, EDX
T_REALLOC       equ 32      ; out: _PageReAllocate EAX, EDX
T_RESERVE       equ 40      ; out: _PageReserve
T_COMMIT        equ 44      ; out: _PageCommit
T_PERM          equ 48      ; out: _PageModifyPermissions (the previous bits)
T_QUERY         equ 52      ; out: _PageQuery
T_LOCK          equ 56      ; out: _LinPageLock, _LinPageUnLock
T_COPY          equ 64      ; out: _CopyPageTable (of the reservation's 2 pages, into T_PTES)
T_PHYSCOMMIT    equ 68      ; out: _PageCommitPhys (reservation page 2 -> the realloc block's frame)
T_CONTIG        equ 72      ; out: _PageCommitContig (reservation page 3)
T_DECOMMIT      equ 76      ; out: _PageDecommit of the 4 pages
T_FREES         equ 80      ; out: _PageFree of the reservation, of the block
T_NUL           equ 88      ; out: _GetNulPageHandle
T_MAPPHYS       equ 92      ; out: _MapPhysToLinear
T_ALLOCINFO     equ 96      ; out: _PageGetAllocInfo EAX, EDX
T_FPR           equ 104     ; out: _MapFreePhysReg, _XchgFreePhysReg x2, _UnmapFreePhysReg
T_PTES          equ 120     ; out: 3 PTEs (2 from T_COPY, 1 of the block)
T_MBI           equ 132     ; out: MEMORY_BASIC_INFORMATION (28 bytes)
T_DPI           equ 160     ; out: DemandInfoStruc (64 bytes)
T_SIZEOF        equ 224

global vxd_asm_tour
vxd_asm_tour:
        push ebp
        mov ebp, esp
        push ebx
        push esi
        push edi
        mov ebx, [ebp+8]

        VMMCall _GetFreePageCount, <0>
        mov [ebx+T_FREE], eax
        mov [ebx+T_FREE+4], edx

        VMMCall _PageAllocate, <2, PG_SYS, 0, 0, 0, 0, 0, PAGEFIXED | PAGEZEROINIT>
        mov [ebx+T_ALLOC], eax
        mov [ebx+T_ALLOC+4], edx
        mov esi, eax
        VMMCall _PageGetSizeAddr, <esi, 0>
        mov [ebx+T_SIZE], eax
        mov [ebx+T_SIZE+4], edx
        VMMCall _PageReAllocate, <esi, 3, PAGEZEROINIT>
        mov [ebx+T_REALLOC], eax
        mov [ebx+T_REALLOC+4], edx
        mov esi, eax                            ; esi = the block (3 fixed pages)

        VMMCall _PageReserve, <PR_SYSTEM, 4, 0>
        mov [ebx+T_RESERVE], eax
        mov edi, eax
        shr edi, 12                             ; edi = the reservation's first page
        VMMCall _PageCommit, <edi, 2, PD_ZEROINIT, 0, PC_WRITEABLE | PC_PRESENT>
        mov [ebx+T_COMMIT], eax
        VMMCall _PageModifyPermissions, <edi, 1, NOT PC_WRITEABLE, 0>
        mov [ebx+T_PERM], eax
        lea eax, [ebx+T_MBI]
        VMMCall _PageQuery, <dword [ebx+T_RESERVE], eax, 28>
        mov [ebx+T_QUERY], eax
        VMMCall _LinPageLock, <edi, 2, 0>
        mov [ebx+T_LOCK], eax
        VMMCall _LinPageUnLock, <edi, 2, 0>
        mov [ebx+T_LOCK+4], eax
        lea eax, [ebx+T_PTES]
        VMMCall _CopyPageTable, <edi, 2, eax, 0>
        mov [ebx+T_COPY], eax
        mov eax, esi
        shr eax, 12
        lea ecx, [ebx+T_PTES+8]
        VMMCall _CopyPageTable, <eax, 1, ecx, 0>
        mov eax, [ebx+T_PTES+8]
        shr eax, 12                             ; the block's first frame
        lea ecx, [edi+2]
        VMMCall _PageCommitPhys, <ecx, 1, eax, PC_WRITEABLE>
        mov [ebx+T_PHYSCOMMIT], eax
        lea ecx, [edi+3]
        VMMCall _PageCommitContig, <ecx, 1, PC_WRITEABLE | PCC_ZEROINIT, 0, 0, 0FFFFFFFFh>
        mov [ebx+T_CONTIG], eax
        VMMCall _PageDecommit, <edi, 4, 0>
        mov [ebx+T_DECOMMIT], eax
        VMMCall _PageFree, <dword [ebx+T_RESERVE], 0>
        mov [ebx+T_FREES], eax
        VMMCall _PageFree, <esi, 0>
        mov [ebx+T_FREES+4], eax

        VMMCall _GetNulPageHandle
        mov [ebx+T_NUL], eax
        VMMCall _MapPhysToLinear, <dword [ebx+T_PHYS], 16, 0>
        mov [ebx+T_MAPPHYS], eax
        lea eax, [ebx+T_DPI]
        VMMCall _GetDemandPageInfo, <eax, 0>
        VMMCall _PageGetAllocInfo, <0>
        mov [ebx+T_ALLOCINFO], eax
        mov [ebx+T_ALLOCINFO+4], edx

        mov esi, [ebx+T_FPR_PAGE]
        VMMCall _MapFreePhysReg, <esi, 1, 0>
        mov [ebx+T_FPR], eax
        VMMCall _XchgFreePhysReg, <esi, 0, 0>
        mov [ebx+T_FPR+4], eax
        lea ecx, [esi+1]
        VMMCall _XchgFreePhysReg, <ecx, eax, 0>
        mov [ebx+T_FPR+8], eax
        lea ecx, [esi+1]
        VMMCall _UnmapFreePhysReg, <ecx, 1, 0>
        mov [ebx+T_FPR+12], eax

        pop edi
        pop esi
        pop ebx
        pop ebp
        ret

; uint32_t vxd_query_below_sp(uint32_t lin, uint32_t below, uint32_t out[4])
; _PageQuery(lin, ESP - below, 28) through VMMCall, ESP taken before the arguments are pushed:
; with below > 12 the buffer lies under the VxD's own stack, in the trap's frame (the saved
; registers, the iret frame) - memory that is not the caller's.  out: EAX, EBX, ESI, EDI after
; the call (EBX/ESI/EDI were 0B0B0B0Bh, 51515151h, 0D1D1D1D1h before).  Returns EAX.
global vxd_query_below_sp
vxd_query_below_sp:
        push ebp
        mov ebp, esp
        push ebx
        push esi
        push edi
        mov ebx, 0B0B0B0Bh
        mov esi, 51515151h
        mov edi, 0D1D1D1D1h
        mov edx, esp
        sub edx, [ebp + 12]
        VMMCall _PageQuery, <dword [ebp + 8], edx, 28>
        mov ecx, [ebp + 16]
        mov [ecx], eax
        mov [ecx + 4], ebx
        mov [ecx + 8], esi
        mov [ecx + 12], edi
        pop edi
        pop esi
        pop ebx
        pop ebp
        ret
