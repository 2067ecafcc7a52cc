; mm/devhlp/entry.asm - Device_Help: the register-level entry of the OS/2 DevHelp personality.
;
; A driver does, exactly as in the OS/2 PDD Reference (flat model, so a near indirect call):
;       mov  dl, DevHlp_VMProcessToGlobal
;       call [Device_Help]
;       jc   error                  ; EAX = OS/2 error code
; DL = function code, arguments in EAX/EBX/ECX/EDI/ESI (the OS/2 PDD reference).  Returns CF
; clear with the results in EAX (ECX for VMAlloc SELMAP), or CF set with the error in EAX.
; Every other register, the segment registers and every other flag (IF, DF included) are
; preserved: the caller's EFLAGS are saved, only CF is changed in the copy that is restored.
; The services run with interrupts off (an interrupt handler that uses the driver's mappings
; never sees a half-made one); the caller's IF comes back with its EFLAGS.

bits 32
section .data
global Device_Help
align 4
Device_Help: dd 0                   ; set by devhlp_init() to devhlp_entry

section .text
extern devhlp_dispatch
global devhlp_entry
devhlp_entry:
    pushfd
    cli
    pushad                          ; struct devhlp_regs: edi esi ebp esp ebx edx ecx eax
    cld                             ; the C code assumes DF = 0
    push esp
    call devhlp_dispatch            ; eax = 0 or the OS/2 error (already in the saved eax)
    add esp, 4
    and dword [esp + 32], ~1        ; saved EFLAGS: CF = 0 ...
    test eax, eax
    jz .done
    or dword [esp + 32], 1          ; ... or 1 on an error
.done:
    popad
    popfd
    ret
