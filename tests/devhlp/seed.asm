; tests/devhlp/seed.asm - a physical device driver written the OS/2 way: every DevHelp is reached
; through `call [Device_Help]` with DL = function code and the registers of the PDD Reference
; (seed 001: VMLock, VMProcessToGlobal, access at task and interrupt time, VMFree, VMUnLock).
; tests/devhlp/seed.c plays the kernel around it (processes, the timer, the checks).
;
; Also dh_call, a register-level harness for tests: loads EAX..EBP from a struct, calls
; [Device_Help], stores every register and EFLAGS back.

bits 32

DevHlp_VMLock            equ 55h
DevHlp_VMUnLock          equ 56h
DevHlp_VMFree            equ 58h
DevHlp_VMProcessToGlobal equ 59h
DevHlp_LinToPageList     equ 5Eh
VMDHL_WRITE              equ 0008h
VMDHL_LONG               equ 0010h
VMDHPG_WRITE             equ 0001h

extern Device_Help, pic_eoi

section .bss
global seed_irq_global, seed_irq_npages, seed_irq_sum, seed_irq_cr3, seed_irq_runs, seed_irq_stamp
seed_irq_global: resd 1         ; the VMProcessToGlobal address the handler uses
seed_irq_npages: resd 1
seed_irq_stamp:  resd 1         ; what the handler writes at offset 8 of each page
seed_irq_sum:    resd 1         ; xor of the dwords it read at offset 0
seed_irq_cr3:    resd 1         ; CR3 while it ran (the process that was current)
seed_irq_runs:   resd 1         ; how many times it ran

section .text

; uint32_t seed_asm_lock_map(LIN buf, ULONG len, void *lockhandle, PAGELIST *list,
;                            LIN *global, ULONG *count)
; VMLock(WRITE | LONG) then VMProcessToGlobal(writable).  Returns 0, or the OS/2 error
; (nothing left locked or mapped).
global seed_asm_lock_map
seed_asm_lock_map:
    push ebp
    mov ebp, esp
    push ebx
    push esi
    push edi
    mov eax, VMDHL_WRITE | VMDHL_LONG   ; flags
    mov ebx, [ebp + 8]                  ; linear address of the process buffer
    mov ecx, [ebp + 12]                 ; length in bytes
    mov edi, [ebp + 20]                 ; flat pointer to the PAGELIST array
    mov esi, [ebp + 16]                 ; flat pointer to the 12-byte lock handle
    mov dl, DevHlp_VMLock
    call [Device_Help]
    jc .fail
    mov edx, [ebp + 28]
    mov [edx], eax                      ; number of PAGELIST entries
    cmp esi, [ebp + 16]                 ; registers not used for results are preserved
    jne .clobbered
    cmp ebx, [ebp + 8]
    jne .clobbered

    ; -- the seed's calling sequence, as written --
    MOV   EBX, [ebp + 8]                ; Linear Address within process address space
                                        ;    that is to be mapped into a global context;
                                        ;    must be on a page boundary
    MOV   ECX, [ebp + 12]               ; Length of request in bytes
    MOV   EAX, VMDHPG_WRITE             ; Action to perform: bit 0 set = writable
    MOV   DL, DevHlp_VMProcessToGlobal
    CALL  [Device_Help]
    jc .fail_unlock
    mov edx, [ebp + 24]
    mov [edx], eax                      ; global linear address
    xor eax, eax
    jmp .out
.clobbered:
    mov eax, 0DEADh
.fail_unlock:
    push eax
    mov esi, [ebp + 16]
    mov dl, DevHlp_VMUnLock
    call [Device_Help]
    pop eax
.fail:
.out:
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

; uint32_t seed_asm_touch(LIN global, ULONG npages, ULONG stamp)
; Task-time access: xor of the dwords at offset 0 of each page; writes stamp + i at offset 4.
global seed_asm_touch
seed_asm_touch:
    push ebx
    push esi
    mov esi, [esp + 12]                 ; global address
    mov ecx, [esp + 16]                 ; pages
    mov edx, [esp + 20]                 ; stamp
    xor eax, eax
.page:
    xor eax, [esi]
    mov [esi + 4], edx
    inc edx
    add esi, 4096
    dec ecx
    jnz .page
    pop esi
    pop ebx
    ret

; void seed_asm_timer(struct trapframe *tf) - IRQ0 handler (trap_register).  Interrupt-time
; access through the global address: reads offset 0 of every page, writes stamp + i at
; offset 8, records CR3, then EOI.
global seed_asm_timer
seed_asm_timer:
    push esi
    push ebx
    mov eax, cr3
    mov [seed_irq_cr3], eax
    mov esi, [seed_irq_global]
    mov ecx, [seed_irq_npages]
    mov edx, [seed_irq_stamp]
    xor eax, eax
    test esi, esi
    jz .eoi
.page:
    xor eax, [esi]
    mov [esi + 8], edx
    inc edx
    add esi, 4096
    dec ecx
    jnz .page
    mov [seed_irq_sum], eax
.eoi:
    inc dword [seed_irq_runs]
    push dword 0
    call pic_eoi
    add esp, 4
    pop ebx
    pop esi
    ret

; uint32_t seed_asm_free_unlock(LIN global, void *lockhandle)
; VMFree(global) then VMUnLock(handle); returns 0 or the first error.
global seed_asm_free_unlock
seed_asm_free_unlock:
    push esi
    mov eax, [esp + 8]
    mov dl, DevHlp_VMFree
    call [Device_Help]
    jc .out
    mov esi, [esp + 12]
    mov dl, DevHlp_VMUnLock
    call [Device_Help]
    jc .out
    xor eax, eax
.out:
    pop esi
    ret

; uint32_t dh_call(struct dh_regs *r)
; struct dh_regs { eax, ebx, ecx, edx, esi, edi, ebp, eflags } - in: registers (eflags: only DF
; and IF are loaded; IF only for the call, every IRQ line being masked); out: every register and
; EFLAGS after `call [Device_Help]`.  Returns CF.  Interrupts are off again on return.
global dh_call
dh_call:
    push ebp
    push ebx
    push esi
    push edi
    mov eax, [esp + 20]
    push eax                            ; r, kept on the stack across the call
    cld
    test dword [eax + 28], 400h
    jz .nodf
    std
.nodf:
    test dword [eax + 28], 200h
    jz .noif
    sti
.noif:
    mov ebx, [eax + 4]
    mov ecx, [eax + 8]
    mov edx, [eax + 12]
    mov esi, [eax + 16]
    mov edi, [eax + 20]
    mov ebp, [eax + 24]
    mov eax, [eax + 0]
    call [Device_Help]
    xchg eax, [esp]                     ; eax = r; [esp] = the returned eax (flags untouched)
    mov [eax + 4], ebx
    mov [eax + 8], ecx
    mov [eax + 12], edx
    mov [eax + 16], esi
    mov [eax + 20], edi
    mov [eax + 24], ebp
    pushfd
    cli
    pop dword [eax + 28]
    cld
    pop dword [eax + 0]
    mov eax, [eax + 28]
    and eax, 1
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

; uint32_t dh_list_below_sp(uint32_t lin, uint32_t size, uint32_t below, uint32_t out[3])
; LinToPageList through call [Device_Help] with EDI = (ESP at the call) - below: with below > 4
; the PAGELIST pointer lies under the driver's stack, in devhlp_entry's saved EFLAGS and
; registers - not the caller's memory.  out: EAX, EDI, ESI after the call (ESI was 51515151h),
; EDI before it.  Returns CF.
global dh_list_below_sp
dh_list_below_sp:
    push ebp
    mov ebp, esp
    push ebx
    push esi
    push edi
    mov eax, [ebp + 8]
    mov ecx, [ebp + 12]
    mov esi, 51515151h
    mov edi, esp
    sub edi, [ebp + 16]
    mov ebx, [ebp + 20]
    mov [ebx + 12], edi
    mov dl, DevHlp_LinToPageList
    call [Device_Help]
    mov [ebx], eax
    mov [ebx + 4], edi
    mov [ebx + 8], esi
    setc al
    movzx eax, al
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret
