; trap.asm - interrupt entry stubs, the common trap path, the double-fault task, ktry
; (setjmp/longjmp) and the exception-table probes.
;
; Every stub leaves the same frame (struct trapframe in kernel/trap.h): an error code (the CPU's,
; or 0), the vector, the general registers (pusha) and the data segments.

bits 32
section .text

extern trap_dispatch, double_fault_report

%macro STUB_NOERR 1
trap_stub_%1:
    push dword 0
    push dword %1
    jmp trap_common
%endmacro
%macro STUB_ERR 1
trap_stub_%1:
    push dword %1
    jmp trap_common
%endmacro

; Vectors with a CPU error code: 8, 10-14, 17, 21, 29, 30.
%assign v 0
%rep 32
  %if v = 8 || (v >= 10 && v <= 14) || v = 17 || v = 21 || v = 29 || v = 30
    STUB_ERR v
  %else
    STUB_NOERR v
  %endif
  %assign v v+1
%endrep
STUB_NOERR 32
%assign v 0x30
%rep 16
    STUB_NOERR v
  %assign v v+1
%endrep
STUB_NOERR 128

trap_common:
    pusha
    push ds
    push es
    push fs
    push gs
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    cld
    push esp                    ; struct trapframe *
    call trap_dispatch
    add esp, 4
global trap_return
trap_return:
    pop gs
    pop fs
    pop es
    pop ds
    popa
    add esp, 8                  ; vector, error code
    iret

; #DF arrives through a task gate: we run on df_tss's own stack with a clean state.
global double_fault_task
double_fault_task:
    call double_fault_report    ; does not return
    cli
    hlt
    jmp double_fault_task

section .rodata
global trap_vectors
align 4
trap_vectors:
%assign v 0
%rep 256
  %if v < 32 || v = 0x20 || (v >= 0x30 && v < 0x40) || v = 0x80
    dd trap_stub_ %+ v
  %else
    dd 0
  %endif
  %assign v v+1
%endrep

; ---------------------------------------------------------------------------------------------
; ktry: int ktry_setjmp(struct ktry *t) / void ktry_longjmp(struct ktry *t, int v)
; struct ktry { ebx, esi, edi, ebp, esp, eip, eflags, ... }
section .text
global ktry_setjmp, ktry_longjmp
ktry_setjmp:
    mov edx, [esp+4]
    mov [edx+0], ebx
    mov [edx+4], esi
    mov [edx+8], edi
    mov [edx+12], ebp
    lea ecx, [esp+4]
    mov [edx+16], ecx           ; esp as it will be after our ret
    mov ecx, [esp]
    mov [edx+20], ecx           ; return address
    pushf
    pop ecx
    mov [edx+24], ecx
    xor eax, eax
    ret

ktry_longjmp:
    mov edx, [esp+4]
    mov eax, [esp+8]
    mov ebx, [edx+0]
    mov esi, [edx+4]
    mov edi, [edx+8]
    mov ebp, [edx+12]
    mov esp, [edx+16]
    push dword [edx+24]
    popf
    jmp [edx+20]

; ---------------------------------------------------------------------------------------------
; Exception-table probes.  Each faulting instruction has an (insn, fixup) pair in .extable;
; trap.c resumes a fault at the fixup with EAX = 0 ("faulted").
; bool probe_read(vaddr_t va, uint32_t *value)
global probe_read, probe_write, probe_rewrite, probe_read8
probe_read:
    mov edx, [esp+4]
    mov eax, 1
.insn: mov ecx, [edx]
    mov edx, [esp+8]
    test edx, edx
    jz .done
    mov [edx], ecx
.done: ret
.fix: xor eax, eax
    ret

; bool probe_read8(vaddr_t va, uint8_t *value)
probe_read8:
    mov edx, [esp+4]
    mov eax, 1
.insn: mov cl, [edx]
    mov edx, [esp+8]
    test edx, edx
    jz .done
    mov [edx], cl
.done: ret
.fix: xor eax, eax
    ret

; bool probe_write(vaddr_t va, uint32_t value)
probe_write:
    mov edx, [esp+4]
    mov ecx, [esp+8]
    mov eax, 1
.insn: mov [edx], ecx
    ret
.fix: xor eax, eax
    ret

; bool probe_rewrite(vaddr_t va): read then write back the same dword, interrupts off so
; nothing can change it in between.
probe_rewrite:
    mov edx, [esp+4]
    pushf
    cli
    mov eax, 1
.insn1: mov ecx, [edx]
.insn2: mov [edx], ecx
    popf
    ret
.fix: xor eax, eax
    popf
    ret

section .extable progbits alloc noexec nowrite align=4
    dd probe_read.insn, probe_read.fix
    dd probe_read8.insn, probe_read8.fix
    dd probe_write.insn, probe_write.fix
    dd probe_rewrite.insn1, probe_rewrite.fix
    dd probe_rewrite.insn2, probe_rewrite.fix
