; Pagoda boot entry (Multiboot v1).
;
; The loader (GRUB or qemu -kernel) jumps to _start (at its physical address) with paging off, EAX = 0x2BADB002 and
; EBX = physical address of the Multiboot info.  Before any C runs we build the smallest page
; tables that let the kernel run at its link address (0x80100000):
;
;   PDE 0x000 -> boot_pt   identity map of physical 0..4 MiB (only until kmain drops it)
;   PDE 0x200 -> boot_pt   the same 4 MiB at KERNEL_VBASE = 0x80000000
;   PDE 0x300 -> boot_pd   the self-map: page tables appear at PTE_BASE = 0xC0000000
;
; 4 KiB pages only, so this works on a 486 without PSE.  CR0.WP is set together with CR0.PG so
; that read-only mappings bind ring 0 as well (Intel SDM vol. 3, 2.5 "Control Registers").
; The page directory built here becomes the kernel's (and the system process's) directory.
;
; KERNEL_VBASE, SELFMAP_PDI and the PTE and CR0 bits are mm/layout.h's and mm/x86.h's, evaluated
; by the build into constants.inc (tools/constants.c), so they are stated once.

%include "constants.inc"

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00000003          ; bit 0: page-align modules, bit 1: memory map wanted
PG_P_W          equ PTE_P | PTE_W
CR0_PG_WP       equ CR0_PG | CR0_WP

section .multiboot
align 4
mb_header:
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)

section .bss.pagealigned nobits alloc write
align 4096
global boot_pd, boot_pt
boot_pd:    resb 4096
boot_pt:    resb 4096
global boot_stack_bottom, boot_stack_top, boot_stack_guard
boot_stack_guard: resb 4096             ; left unmapped by mm_init: a stack overflow faults
boot_stack_bottom:
            resb 16384
boot_stack_top:

section .boot.text
bits 32
no_ram_msg: db "Pagoda needs at least 3 MiB of RAM: the kernel image does not fit in this machine's memory.", 13, 10, 0
global _start
extern kmain, _kernel_end
_start:
    cli
    cld
    mov esi, eax                        ; Multiboot magic
    mov edi, ebx                        ; Multiboot info (physical)

    ; A machine whose RAM ends inside the image (QEMU -m 2M): the page tables and the stack below
    ; live in .bss, past the end of its memory, and the first store would be lost.  kmain's own
    ; check (kernel/main.c) cannot run yet, so say it here, on COM1 and the screen, and leave
    ; through the exit port (status 35 under QEMU), as a failed run does.
    cmp esi, 0x2BADB002
    jne .ram_ok
    test byte [edi], 1                  ; flags bit 0: mem_lower / mem_upper are valid
    jz .ram_ok
    mov eax, [edi + 8]                  ; mem_upper: KiB of RAM from 1 MiB on
    shl eax, 10
    add eax, KERNEL_PHYS_LOAD
    cmp eax, _kernel_end - KERNEL_VBASE
    jae .ram_ok
    mov esi, no_ram_msg - KERNEL_VBASE     ; paging is off: physical addresses
    mov edi, 0xB8000
.say:
    lodsb
    test al, al
    jz .said
    mov [edi], al                       ; the screen: white on red
    mov byte [edi + 1], 0x4F
    add edi, 2
    mov ecx, 100000                     ; COM1, if there is one: wait for room, bounded
    mov dx, 0x3FD
.lsr:
    mov ah, al
    in al, dx
    test al, 0x20
    mov al, ah
    jnz .tx
    loop .lsr
.tx:
    mov dx, 0x3F8
    out dx, al
    jmp .say
.said:
    mov dx, 0xF4
    mov eax, 0x11                       ; QEMU_EXIT_FAIL (drivers/console.h)
    out dx, eax
    xchg bx, bx                         ; Bochs: the magic breakpoint ends a run
.halt:
    hlt
    jmp .halt
.ram_ok:

    ; boot_pt: 1024 PTEs mapping physical 0..4 MiB, present + writable.
    mov ebx, boot_pt - KERNEL_VBASE
    xor ecx, ecx
.fill:
    mov eax, ecx
    shl eax, 12
    or  eax, PG_P_W
    mov [ebx + ecx*4], eax
    inc ecx
    cmp ecx, 1024
    jne .fill

    mov edx, boot_pd - KERNEL_VBASE
    lea eax, [ebx + PG_P_W]
    mov [edx + 0*4], eax
    mov [edx + (KERNEL_VBASE >> 22)*4], eax
    lea eax, [edx + PG_P_W]
    mov [edx + SELFMAP_PDI*4], eax

    mov cr3, edx
    mov eax, cr0
    or  eax, CR0_PG_WP
    mov cr0, eax
    lea eax, [.high]
    jmp eax                             ; absolute jump into the higher half
.high:
    mov esp, boot_stack_top
    xor ebp, ebp
    push edi                            ; mb_info (physical)
    push esi                            ; magic
    call kmain
.hang:
    cli
    hlt
    jmp .hang
