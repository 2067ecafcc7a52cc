; user.asm - code that runs in ring 3 (section .utext, linked at USER_TEXT_BASE) and the
; kernel's ring-0 -> ring-3 transfer.
bits 32
SYS_EXIT equ 1

section .utext progbits alloc exec nowrite align=16
; The kernel irets here with the stack holding [fn, a1, a2].
global user_trampoline
user_trampoline:
    pop eax
    call eax                    ; fn(a1, a2), cdecl
    mov ebx, eax
    mov eax, SYS_EXIT
    int 0x80
.spin: jmp .spin

global u_ret, u_read, u_write, u_exec, u_cli, u_ac_read, u_entry_regs
u_ret:
    mov eax, [esp+4]
    add eax, [esp+8]
    ret
u_read:
    mov edx, [esp+4]
    mov eax, [edx]
    ret
u_write:
    mov edx, [esp+4]
    mov eax, [esp+8]
    mov [edx], eax
    xor eax, eax
    ret
u_exec:
    mov eax, [esp+4]
    call eax
    ret
u_cli:
    cli
    ret
; EFLAGS.AC is not privileged: ring 3 sets it with popf, then reads (CR0.AM is off: no #AC).
u_ac_read:
    pushfd
    or dword [esp], 0x40000
    popfd
    mov edx, [esp+4]
    mov eax, [edx]
    ret

; An entry point (user_call_entry) that records what ring 3 sees at its first instruction:
; pushad stores EDI ESI EBP ESP EBX EDX ECX EAX (lowest first), then EFLAGS and DS ES FS GS
; (each a dword; only the low 16 bits are the selector), and the run exits with EBX = the
; address of that record, on the user stack, for the kernel to read.
u_entry_regs:
    pushad
    pushfd
    push ds
    push es
    push fs
    push gs
    mov ebx, esp
    mov eax, SYS_EXIT
    int 0x80
.spin: jmp .spin

section .text
; void user_enter(uint32_t eip, uint32_t esp): iret to ring 3.  Never returns here; the run
; ends through the exit system call or a fault (tests/harness/user.c longjmps back).
; What ring 3 finds (user.h): EIP and ESP as given, EFLAGS 0x002, CS 0x1B, DS ES FS GS SS
; 0x23, and EAX EBX ECX EDX ESI EDI EBP all 0 - no kernel value (a stack address, a pointer,
; the entry address) crosses into ring 3.
global user_enter
user_enter:
    mov ecx, [esp+4]
    mov edx, [esp+8]
    mov ax, 0x23
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    push dword 0x23             ; ss
    push edx                    ; esp
    push dword 0x002            ; eflags: interrupts stay off
    push dword 0x1B             ; cs
    push ecx                    ; eip
    xor eax, eax                ; the flags these change come from the iret frame
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    iret
