/*
 * mm/ntmm/virtual.c - ZwAllocateVirtualMemory / ZwFreeVirtualMemory for the current process:
 * user-mode buffers a driver makes for an application.
 *
 * A reservation is a region of the current process's private arena - NT's VAD - owned by this
 * personality (kind NTMM_REGION_VAD, data[0] = the protection it was reserved with): it belongs
 * to the process and goes with it.  Committed pages are the core's demand-zero commits with the
 * protection asked for in their PTEs (charged: MEM_COMMIT fails when the commit limit would be
 * passed), so ring 3 sees exactly that protection: PAGE_NOACCESS pages are supervisor-only and a
 * ring-3 touch faults, PAGE_READONLY pages are user read-only, PAGE_READWRITE user read/write.
 * Only regions made here can be committed into, decommitted or released: another personality's
 * memory, the ring-3 runner's code and stack, an MDL's user mapping are not this service's.
 */
#include "mm/ntmm/ntmm.h"

#define VAD_GRANULARITY 16u                 /* pages: NT's 64 KiB allocation granularity */
#define PAGE_ALIGN_UP_64(x) (((uint64_t)(x) + PAGE_MASK) & ~(uint64_t)PAGE_MASK)

/* PAGE_* -> MM_PROT_* | MM_CACHE_*, or ~0u for a protection refused. */
static uint32_t prot_bits(ULONG protect)
{
    ULONG base = protect & 0xFFu, mods = protect & ~0xFFu;
    if (mods & ~(PAGE_NOCACHE | PAGE_WRITECOMBINE)) return ~0u;        /* PAGE_GUARD, unknown bits */
    if (mods == (PAGE_NOCACHE | PAGE_WRITECOMBINE)) return ~0u;
    uint32_t p;
    switch (base) {
    case PAGE_NOACCESS: p = 0; break;
    case PAGE_READONLY: case PAGE_EXECUTE: case PAGE_EXECUTE_READ: p = MM_PROT_USER; break;
    case PAGE_READWRITE: case PAGE_EXECUTE_READWRITE: p = MM_PROT_USER | MM_PROT_WRITE; break;
    default: return ~0u;                       /* WRITECOPY kinds, 0, two base values at once */
    }
    if (base == PAGE_NOACCESS && mods) return ~0u;
    if (mods & PAGE_NOCACHE) p |= MM_CACHE_UC;
    if (mods & PAGE_WRITECOMBINE) p |= ntmm_cache_bits(MmWriteCombined);
    return p;
}

/* This personality's reservation containing [va, va + n pages) of the current process, or NULL. */
static struct region *vad(vaddr_t va, uint32_t n)
{
    struct region *r = va && va < PRIVATE_END ? mm_region_find(va) : NULL;
    if (!r || r->arena != ARENA_PRIVATE || r->owner != OWNER_NTMM || r->kind != NTMM_REGION_VAD) return NULL;
    return mm_region_contains(r, va, n) ? r : NULL;
}

/* Commits [va, va + n) of a VAD with prot: new pages demand-zero, pages already committed get
 * the new protection (W/U; their cache bits stay). */
static NTSTATUS commit(vaddr_t va, uint32_t n, uint32_t prot)
{
    mm_status st = mm_commit(va, n, prot, MM_COMMIT_SKIP | MM_COMMIT_PAGEABLE, NULL, NULL);
    if (st == MM_ENOMEM) return STATUS_COMMITMENT_LIMIT;
    if (st != MM_OK) return STATUS_CONFLICTING_ADDRESSES;
    mm_protect(va, n, 0, prot & MM_PROT_MASK, NULL);   /* own private pages: the policy allows it */
    return STATUS_SUCCESS;
}

/*
 * ZwAllocateVirtualMemory - reserve and/or commit pages of the current process.
 * NT 5.2: ProcessHandle NtCurrentProcess() (others by handle; STATUS_INVALID_HANDLE);
 *   ZeroBits <= 21 (STATUS_INVALID_PARAMETER_3): the base must have that many high bits clear;
 *   *RegionSize 0 -> STATUS_INVALID_PARAMETER_4; AllocationType: MEM_COMMIT and/or MEM_RESERVE
 *   (+ MEM_TOP_DOWN), else STATUS_INVALID_PARAMETER_5; Protect one of the PAGE_* values, else
 *   STATUS_INVALID_PAGE_PROTECTION.  MEM_RESERVE: a given *BaseAddress is rounded down to 64 KiB
 *   and the end up to a page; taken -> STATUS_CONFLICTING_ADDRESSES; without a base, anywhere on
 *   64 KiB (none: STATUS_NO_MEMORY).  MEM_COMMIT alone: the range (page-rounded) must lie in one
 *   reservation (else STATUS_CONFLICTING_ADDRESSES); pages already committed are fine and get
 *   the new protection; a NULL base commits a new reservation.  Over the commit limit:
 *   STATUS_COMMITMENT_LIMIT.  *BaseAddress / *RegionSize get the range done.  Committed pages are
 *   demand-zero.
 * Ours: the same, and - the current process only (any other handle: STATUS_INVALID_HANDLE);
 * PAGE_GUARD, the WRITECOPY protections (NT: not for private memory either), MEM_RESET,
 * MEM_PHYSICAL, MEM_WRITE_WATCH and MEM_LARGE_PAGES are refused (STATUS_INVALID_PAGE_PROTECTION /
 * STATUS_INVALID_PARAMETER_5); MEM_TOP_DOWN is accepted and ignored; EXECUTE protections are
 * their READ equivalents (i386 without NX executes what it can read); PAGE_NOCACHE and
 * PAGE_WRITECOMBINE set the PTE cache bits (PCD|PWT; the PAT write-combining entry or PCD); a
 * PAGE_NOACCESS page is supervisor-only (ring 3 faults on it; ring 0 could touch it); ZeroBits is
 * checked on the address found (one that breaks it: STATUS_NO_MEMORY, nothing kept); a region
 * may not reach MM_USER_PROBE_ADDRESS (STATUS_INVALID_PARAMETER_2 / _4 for a base / a size that
 * would); already-committed pages keep their cache bits.  BaseAddress or RegionSize NULL:
 * STATUS_INVALID_PARAMETER_2 / _4.  On any failure nothing changes, outputs included.
 */
NTSTATUS ZwAllocateVirtualMemory(HANDLE process, PVOID *base, ULONG_PTR zero_bits, SIZE_T *size, ULONG type,
                                 ULONG protect)
{
    if (process != NtCurrentProcess()) return STATUS_INVALID_HANDLE;
    if (!base) return STATUS_INVALID_PARAMETER_2;
    if (zero_bits > 21) return STATUS_INVALID_PARAMETER_3;
    if (!size || !*size) return STATUS_INVALID_PARAMETER_4;
    if (!(type & (MEM_COMMIT | MEM_RESERVE)) || (type & ~(MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN)))
        return STATUS_INVALID_PARAMETER_5;
    uint32_t prot = prot_bits(protect);
    if (prot == ~0u) return STATUS_INVALID_PAGE_PROTECTION;
    vaddr_t want = (vaddr_t)*base;
    if (!(type & MEM_RESERVE) && !want) type |= MEM_RESERVE;     /* commit of nothing: reserve too */
    if (want >= PRIVATE_END) return STATUS_INVALID_PARAMETER_2;
    uint64_t end = (uint64_t)want + *size;
    if (end > PRIVATE_END) return want ? STATUS_INVALID_PARAMETER_2 : STATUS_INVALID_PARAMETER_4;
    if (!(type & MEM_RESERVE)) {
        vaddr_t start = PAGE_ALIGN_DOWN(want);
        uint32_t n = (uint32_t)((PAGE_ALIGN_UP_64(end) - start) >> PAGE_SHIFT);
        if (!vad(start, n)) return STATUS_CONFLICTING_ADDRESSES;
        NTSTATUS st = commit(start, n, prot);
        if (st != STATUS_SUCCESS) return st;
        *base = (PVOID)start;
        *size = n * PAGE_SIZE;
        return STATUS_SUCCESS;
    }
    vaddr_t start = want & ~(VAD_GRANULARITY * PAGE_SIZE - 1);
    uint32_t n = (uint32_t)((PAGE_ALIGN_UP_64(end) - start) >> PAGE_SHIFT);
    if (want && start < PRIVATE_START) return STATUS_INVALID_PARAMETER_2;   /* the null page's 64 KiB */
    mm_status ms;
    struct region *r = mm_reserve(ARENA_PRIVATE, start, n, VAD_GRANULARITY, OWNER_NTMM, &ms);
    if (!r) return ms == MM_EEXIST ? STATUS_CONFLICTING_ADDRESSES : STATUS_NO_MEMORY;
    r->kind = NTMM_REGION_VAD;
    r->data[0] = protect;
    if (zero_bits && (uint64_t)r->base + n * PAGE_SIZE - 1 > (0xFFFFFFFFu >> zero_bits)) {
        mm_release(r);
        return STATUS_NO_MEMORY;
    }
    if (type & MEM_COMMIT) {
        NTSTATUS st = commit(r->base, n, prot);
        if (st != STATUS_SUCCESS) {
            mm_release(r);                         /* nothing committed: cannot refuse */
            return st;
        }
    }
    *base = (PVOID)r->base;
    *size = n * PAGE_SIZE;
    return STATUS_SUCCESS;
}

/*
 * ZwFreeVirtualMemory - decommit pages of, or release, a reservation of the current process.
 * NT 5.2: FreeType exactly MEM_DECOMMIT or MEM_RELEASE (else STATUS_INVALID_PARAMETER_4); no
 *   reservation there: STATUS_MEMORY_NOT_ALLOCATED.  MEM_RELEASE with *RegionSize 0 releases the
 *   whole reservation and *BaseAddress must be its base (STATUS_FREE_VM_NOT_AT_BASE); with a size,
 *   the page-rounded range is released (NT may split the VAD).  MEM_DECOMMIT: the page-rounded
 *   range, *RegionSize 0 meaning to the end of the reservation; a range not inside one
 *   reservation: STATUS_UNABLE_TO_FREE_VM.  *BaseAddress / *RegionSize get the range done.
 * Ours: the same, except that a reservation is never split: MEM_RELEASE with a size must name the
 * whole reservation (else STATUS_UNABLE_TO_FREE_VM); only reservations ZwAllocateVirtualMemory
 * made are freed (anything else: STATUS_MEMORY_NOT_ALLOCATED); the current process only
 * (STATUS_INVALID_HANDLE).  Pages an MDL locks are decommitted all the same: their frames stay
 * until MmUnlockPages (the lock protects the frame, not the page).  Nothing changes on failure.
 */
NTSTATUS ZwFreeVirtualMemory(HANDLE process, PVOID *base, SIZE_T *size, ULONG type)
{
    if (process != NtCurrentProcess()) return STATUS_INVALID_HANDLE;
    if (!base) return STATUS_INVALID_PARAMETER_2;
    if (!size) return STATUS_INVALID_PARAMETER_3;
    if (type != MEM_DECOMMIT && type != MEM_RELEASE) return STATUS_INVALID_PARAMETER_4;
    vaddr_t a = (vaddr_t)*base, start = PAGE_ALIGN_DOWN(a);
    struct region *r = vad(start, 1);
    if (!r) return STATUS_MEMORY_NOT_ALLOCATED;
    vaddr_t rend = r->base + r->npages * PAGE_SIZE;
    uint64_t end = *size ? PAGE_ALIGN_UP_64((uint64_t)a + *size) : rend;
    if (type == MEM_RELEASE) {
        if (!*size && start != r->base) return STATUS_FREE_VM_NOT_AT_BASE;
        if (start != r->base || end != rend) return STATUS_UNABLE_TO_FREE_VM;
        *base = (PVOID)r->base;
        *size = r->npages * PAGE_SIZE;
        mm_release(r);
        return STATUS_SUCCESS;
    }
    if (end > rend) return STATUS_UNABLE_TO_FREE_VM;
    uint32_t n = (uint32_t)((end - start) >> PAGE_SHIFT);
    mm_decommit(start, n);
    *base = (PVOID)start;
    *size = n * PAGE_SIZE;
    return STATUS_SUCCESS;
}
