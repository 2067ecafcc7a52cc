/*
 * mm/ntmm/partial.c - partial MDLs: IoBuildPartialMdl and MmPrepareMdlForReuse.
 *
 * A partial MDL describes a piece of another MDL's buffer with that MDL's frames (its PFN entries
 * are copied), without locking anything of its own: it lives inside its source's lock, as on NT.
 * Mapping one (MmMapLockedPagesSpecifyCache accepts MDL_PARTIAL) gives each RAM frame a counted
 * reference, so a frame never disappears under the partial's mapping even if the source is
 * unlocked first.
 */
#include "mm/ntmm/ntmm.h"

/*
 * IoBuildPartialMdl - make target describe [va, va + length) of source's buffer.
 * NT/ReactOS: length 0 means up to the end of source's buffer; target's StartVa, ByteOffset,
 *   ByteCount and Process follow va/length/source; its flags keep only ALLOCATED_FIXED_SIZE and
 *   ALLOCATED_MUST_SUCCEED, take source's IO_PAGE_READ, SOURCE_IS_NONPAGED_POOL,
 *   MAPPED_TO_SYSTEM_VA and IO_SPACE, and gain MDL_PARTIAL; MappedSystemVa = source's + the offset;
 *   the PFN entries of the pages spanned are copied.  The range is the caller's to get right
 *   (NT: a range outside the source, or a target too small, corrupts memory).
 * Ours: the same, and - source's WRITE_OPERATION is kept too (a partial of a buffer locked for
 * writing may be mapped writable for ring 3); a target built over a mapped source gets
 * MDL_PARENT_MAPPED_SYSTEM_VA (NT 5.2: the mapping is the parent's, which MmUnmapLockedPages
 * asserts; ours refuses to unmap it through the partial).  Nothing changes when va lies outside
 * source's buffer, [va, va + length) runs past its end, or either MDL's Size is too small for
 * the PFN entries involved (source's ByteCount outgrew its Size, or target is smaller than the
 * piece: both would read or write past an MDL).
 */
VOID IoBuildPartialMdl(PMDL source, PMDL target, PVOID va, ULONG length)
{
    vaddr_t s = (vaddr_t)MmGetMdlVirtualAddress(source), a = (vaddr_t)va;
    if (a < s || a - s >= source->ByteCount || !ntmm_mdl_fits(source)) return;
    ULONG off = a - s;
    if (!length) length = source->ByteCount - off;
    if (length > source->ByteCount - off) return;
    ULONG pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, length);
    if ((ULONG)(uint16_t)target->Size < sizeof(MDL) + pages * sizeof(PFN_NUMBER)) return;
    ULONG first = (PAGE_ALIGN_DOWN(a) - (vaddr_t)source->StartVa) >> PAGE_SHIFT;
    target->StartVa = PAGE_ALIGN(a);
    target->ByteOffset = BYTE_OFFSET(a);
    target->ByteCount = length;
    target->Process = source->Process;
    CSHORT inherit = source->MdlFlags & (MDL_IO_PAGE_READ | MDL_SOURCE_IS_NONPAGED_POOL | MDL_MAPPED_TO_SYSTEM_VA |
                                         MDL_IO_SPACE | MDL_WRITE_OPERATION);
    target->MdlFlags = (CSHORT)((target->MdlFlags & (MDL_ALLOCATED_FIXED_SIZE | MDL_ALLOCATED_MUST_SUCCEED)) |
                                inherit | MDL_PARTIAL |
                                ((source->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) ? MDL_PARENT_MAPPED_SYSTEM_VA : 0));
    target->MappedSystemVa = (PVOID)((vaddr_t)source->MappedSystemVa + off);
    memcpy(MmGetMdlPfnArray(target), MmGetMdlPfnArray(source) + first, pages * sizeof(PFN_NUMBER));
}

/*
 * MmPrepareMdlForReuse - a wdm.h macro on NT: a partial MDL that was mapped
 *   (MDL_PARTIAL_HAS_BEEN_MAPPED) is unmapped; a non-partial MDL is asserted not to be mapped.
 * Ours: the same as a function; the unmap is MmUnmapLockedPages's, so only the partial's own
 * mapping goes - a forged flag on an MDL that mapped nothing changes nothing.
 */
VOID MmPrepareMdlForReuse(PMDL mdl)
{
    if ((mdl->MdlFlags & (MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_PARTIAL)) == (MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_PARTIAL))
        MmUnmapLockedPages(mdl->MappedSystemVa, mdl);
}
