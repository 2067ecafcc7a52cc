/*
 * mm/devhlp/dispatch.c - the register interface behind `call [Device_Help]` (the OS/2 PDD reference).
 *
 * mm/devhlp/entry.asm saves every register, calls devhlp_dispatch with them, and returns with
 * CF = (result != 0).  Here DL selects the service and the registers become the C wrappers'
 * arguments; results go back into the saved EAX (and ECX for VMAlloc with SELMAP), errors into
 * EAX.  Registers a service does not return anything in come back unchanged.
 * An unknown function code is ERROR_INVALID_PARAMETER (87): the codes this personality uses
 * are listed in devhlp.h, and ERROR_INVALID_FUNCTION is not one of them.  That includes
 * LinToGDTSelector (0x5C): not implemented - Pagoda's GDT has no selectors a driver could
 * allocate (no AllocGDTSelector), so there is nothing to point at a linear range.
 */
#include "mm/devhlp/devhlp.h"

uint32_t devhlp_dispatch(struct devhlp_regs *r)
{
    ULONG out = r->eax, sel = r->ecx;
    USHORT err;
    /* The driver's buffers may be on its stack, above the return address its call pushed and
     * the EFLAGS devhlp_entry saved (r->esp is ESP after that pushfd) - never in the saved
     * registers or the frames below (mm/core/caller.c). */
    vaddr_t prev = mm_caller_entry_enter(r->esp + 8);
    switch (r->edx & 0xFF) {
    case DevHlp_VMLock:            err = DevHelp_VMLock(r->eax, r->ebx, r->ecx, r->edi, r->esi, &out); break;
    case DevHlp_VMUnLock:          err = DevHelp_VMUnLock(r->esi); break;
    case DevHlp_VMAlloc:
        err = DevHelp_VMAlloc(r->eax, r->ecx, r->edi, &out, &sel);
        if (!err && (r->eax & VMDHA_SELMAP)) r->ecx = sel;
        break;
    case DevHlp_VMFree:            err = DevHelp_VMFree(r->eax); break;
    case DevHlp_VMProcessToGlobal: err = DevHelp_VMProcessToGlobal(r->eax, r->ebx, r->ecx, &out); break;
    case DevHlp_VMGlobalToProcess: err = DevHelp_VMGlobalToProcess(r->eax, r->ebx, r->ecx, &out); break;
    case DevHlp_VirtToLin:         err = DevHelp_VirtToLin((SEL)r->eax, r->esi, &out); break;
    case DevHlp_LinToPageList:     err = DevHelp_LinToPageList(r->eax, r->ecx, r->edi, &out); break;
    case DevHlp_PageListToLin:     err = DevHelp_PageListToLin(r->ecx, r->edi, &out); break;
    default:                       err = ERROR_INVALID_PARAMETER; break;
    }
    mm_caller_entry_leave(prev);
    r->eax = err ? err : out;
    return err;
}
