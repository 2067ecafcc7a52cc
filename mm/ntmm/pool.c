/*
 * mm/ntmm/pool.c - executive pool: ExAllocatePool(WithTag, WithQuota, WithQuotaTag), ExFreePool(WithTag).
 *
 * Two kinds of block, as on NT:
 *   - below a page: from the kernel pool (kmalloc, resident), behind a 16-byte header of ours -
 *     magic (with the pool type and the alignment padding), tag, and links of a doubly linked
 *     list of live blocks.  A free is believed only for a header that is linked into that list
 *     (its neighbours point back at it), so a forged, stale or interior pointer is reported
 *     (BAD_POOL_CALLER) instead of reaching kfree, which would panic on it;
 *   - a page or more: page-aligned, as NT's are - a system-arena region (the region is the
 *     record: kind NTMM_REGION_POOL, data = tag, type, bytes) committed present; nonpaged pool is
 *     pinned (fixed: never moves, counts as locked), paged pool is resident but not pinned.
 *
 * Paged pool is resident: there is no paging yet, so "paged" only means "not pinned" - the
 * frames could move (mm_make_contiguous would move them; nothing does today).  Both kinds are
 * zero-filled: every frame the core hands out is (mm_commit), and small blocks are zeroed here
 * (the kernel pool is not, and a driver's block must not show the previous owner's data).
 */
#include "mm/ntmm/ntmm.h"

#define HDR_LIVE  0x50C00000u             /* magic: HDR_LIVE | type << 8 | padding units */
#define HDR_FREED 0xF4EE0000u
#define HDR_MASK  0xFFFF0000u

struct phdr {
    uint32_t magic;
    ULONG tag;
    struct phdr *prev, *next;
};
_Static_assert(sizeof(struct phdr) == 16, "the header keeps blocks 16-byte aligned");
static struct phdr live = { 0, 0, &live, &live };
static ULONG nblocks;

ULONG ntmm_pool_blocks(void) { return nblocks; }

/* The pool type without its modifier bits; -1 for a type we refuse. */
static int base_type(POOL_TYPE type)
{
    uint32_t t = (uint32_t)type;
    if (t & ~(7u | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE | POOL_RAISE_IF_ALLOCATION_FAILURE | POOL_SESSION_BIT)) return -1;
    t &= 7u;
    return t == DontUseThisType || t == MaxPoolType ? -1 : (int)t;
}
static bool paged(int t) { return t == PagedPool || t == PagedPoolCacheAligned; }
static bool cache_aligned(int t) { return t >= NonPagedPoolCacheAligned; }
static bool must_succeed(int t) { return t == NonPagedPoolMustSucceed || t == NonPagedPoolCacheAlignedMustS; }

static PVOID alloc_small(int t, SIZE_T n, ULONG tag)
{
    uint32_t pad = cache_aligned(t) ? 48 : 0;          /* up to 3 units of 16: a 64-byte line */
    uint8_t *raw = kmalloc(n + sizeof(struct phdr) + pad);
    if (!raw) return NULL;
    uint32_t units = pad ? ((64 - ((vaddr_t)(raw + sizeof(struct phdr)) & 63)) & 63) / 16 : 0;
    struct phdr *h = (struct phdr *)(raw + units * 16);
    h->magic = HDR_LIVE | (uint32_t)t << 8 | units;
    h->tag = tag;
    h->prev = &live;
    h->next = live.next;
    live.next->prev = h;
    live.next = h;
    memset(h + 1, 0, n);
    nblocks++;
    return h + 1;
}

static PVOID alloc_big(int t, SIZE_T n, ULONG tag)
{
    uint32_t pages = (uint32_t)(((uint64_t)n + PAGE_MASK) >> PAGE_SHIFT);
    struct region *r = mm_reserve(ARENA_SYSTEM, 0, pages, 1, OWNER_NTMM, NULL);
    if (!r) return NULL;
    uint32_t flags = MM_COMMIT_PRESENT | (paged(t) ? 0 : MM_COMMIT_PIN);
    if (mm_commit(r->base, pages, MM_PROT_WRITE, flags, NULL, NULL) != MM_OK) {
        mm_release(r);                                 /* nothing committed: cannot refuse */
        return NULL;
    }
    r->kind = NTMM_REGION_POOL;
    r->data[0] = tag;
    r->data[1] = (uint32_t)t;
    r->data[2] = n;
    nblocks++;
    return (PVOID)r->base;
}

/*
 * ExAllocatePoolWithTag - a block of `bytes` of the given pool type, tagged.
 * NT: NULL on failure (MustSucceed types bug check MUST_SUCCEED_POOL_EMPTY instead;
 *   POOL_RAISE_IF_ALLOCATION_FAILURE raises STATUS_INSUFFICIENT_RESOURCES); blocks of PAGE_SIZE or
 *   more are page-aligned; smaller ones 8-aligned (x86), CacheAligned types on a cache line; a
 *   request of 0 bytes is made 1 (WRK); the memory is not zeroed.
 * Ours: the same, and - blocks below a page are 16-byte aligned (64 for CacheAligned types);
 * every block is zero-filled; DontUseThisType, MaxPoolType and bits outside the documented
 * modifiers (QUOTA_FAIL_INSTEAD_OF_RAISE 8, RAISE_IF_ALLOCATION_FAILURE 16, the session bit 32,
 * which picks the same pool: there are no sessions) return NULL; a MustSucceed failure reports
 * MUST_SUCCEED_POOL_EMPTY (0x41: bytes, 0, 0, 0) through the non-halting KeBugCheckEx and returns
 * NULL; a raise with no NT_TRY active reports 0x1E and returns NULL.  Any tag is accepted (NT 5.2
 * checks none; PROTECTED_POOL makes the block's free insist on the tag).  Paged pool is resident.
 */
PVOID ExAllocatePoolWithTag(POOL_TYPE type, SIZE_T bytes, ULONG tag)
{
    int t = base_type(type);
    if (t < 0) return NULL;
    if (!bytes) bytes = 1;
    PVOID p = bytes >= PAGE_SIZE ? alloc_big(t, bytes, tag) : alloc_small(t, bytes, tag);
    if (p) return p;
    if (must_succeed(t)) KeBugCheckEx(MUST_SUCCEED_POOL_EMPTY, bytes, 0, 0, 0);
    if ((uint32_t)type & POOL_RAISE_IF_ALLOCATION_FAILURE) ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
    return NULL;
}

/* NT: ExAllocatePoolWithTag(type, bytes, 'None'). */
PVOID ExAllocatePool(POOL_TYPE type, SIZE_T bytes) { return ExAllocatePoolWithTag(type, bytes, NTMM_POOL_DEFAULT_TAG); }

/*
 * ExAllocatePoolWithQuotaTag - the same, charged to the current process's pool quota.
 * NT: on failure (no pool, or the quota exceeded) raises STATUS_INSUFFICIENT_RESOURCES unless
 *   the type has POOL_QUOTA_FAIL_INSTEAD_OF_RAISE, which returns NULL; the block remembers the
 *   process to return the charge on free.
 * Ours: there are no pool quotas, so nothing is charged and only running out of pool fails -
 * raised (STATUS_INSUFFICIENT_RESOURCES into the innermost NT_TRY) or NULL as NT says.
 */
PVOID ExAllocatePoolWithQuotaTag(POOL_TYPE type, SIZE_T bytes, ULONG tag)
{
    uint32_t t = (uint32_t)type;
    PVOID p = ExAllocatePoolWithTag((POOL_TYPE)(t & ~POOL_RAISE_IF_ALLOCATION_FAILURE), bytes, tag);
    if (!p && base_type(type) >= 0 && !(t & POOL_QUOTA_FAIL_INSTEAD_OF_RAISE)) ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
    return p;
}

PVOID ExAllocatePoolWithQuota(POOL_TYPE type, SIZE_T bytes) { return ExAllocatePoolWithQuotaTag(type, bytes, NTMM_POOL_DEFAULT_TAG); }

/* Does the tag given to the free fit the block's?  0 checks nothing - unless the block was
 * allocated with PROTECTED_POOL, whose free must name its tag exactly. */
static bool tag_ok(ULONG block, ULONG given)
{
    if (block & PROTECTED_POOL) return given == block;
    return !given || given == block;
}

/* Could q be a list link: the list head, or a 16-aligned present address of the pool window? */
static bool link_ok(const struct phdr *q)
{
    pfn_t f;
    uint32_t prot;
    vaddr_t a = (vaddr_t)q;
    return q == &live || (!(a & 15) && a >= KPOOL_BASE && a < KPOOL_END && mm_translate(a, &f, &prot));
}

/* The live small block whose data starts at p, or NULL.  Only the pool window is read, and only
 * a present page of it: the header of anything else is never touched. */
static struct phdr *small_block(PVOID p, bool *freed)
{
    vaddr_t a = (vaddr_t)p;
    pfn_t f;
    uint32_t prot;
    *freed = false;
    if ((a & 15) || a < KPOOL_BASE + sizeof(struct phdr) || a >= KPOOL_END ||
        !mm_translate(a - sizeof(struct phdr), &f, &prot))
        return NULL;
    struct phdr *h = (struct phdr *)p - 1;
    if ((h->magic & HDR_MASK) == HDR_FREED) *freed = true;
    if ((h->magic & HDR_MASK) != HDR_LIVE || !link_ok(h->prev) || !link_ok(h->next) ||
        h->prev->next != h || h->next->prev != h)
        return NULL;
    return h;
}

/* A big block starting at p, or NULL. */
static struct region *big_block(PVOID p)
{
    struct region *r = ((vaddr_t)p & PAGE_MASK) ? NULL : mm_region_find((vaddr_t)p);
    return r && r->base == (vaddr_t)p && r->owner == OWNER_NTMM && r->kind == NTMM_REGION_POOL ? r : NULL;
}

/*
 * ExFreePoolWithTag - free a block; ExFreePool is ExFreePoolWithTag(p, 0).
 * NT: a tag that is not the block's bug checks BAD_POOL_CALLER 0x0A (address, block's tag, tag
 *   given); a block allocated with PROTECTED_POOL must be freed with its tag; freeing anything
 *   that is not a live block bug checks BAD_POOL_CALLER: 0x07 for a block freed already (double
 *   free), 0x46 for an address that is no pool block (NULL, the middle of a block, ...).
 * Ours: the same codes, reported through the non-halting KeBugCheckEx - and then nothing is
 * freed: 0x0A (p, block tag, tag); 0x07 (0, magic, p) when the header still says "freed";
 * 0x46 (p, 0, 0) for everything else.  An MDL from MmAllocatePagesForMdl whose pages were not
 * freed yet gives them back first (its system mapping goes too): see mm/ntmm/pages.c.
 */
VOID ExFreePoolWithTag(PVOID p, ULONG tag)
{
    struct region *r = big_block(p);
    if (r) {
        if (!tag_ok(r->data[0], tag)) {
            KeBugCheckEx(BAD_POOL_CALLER, 0x0A, (ULONG_PTR)p, r->data[0], tag);
            return;
        }
        ntmm_pages_pool_free(p);
        mm_release(r);
        nblocks--;
        return;
    }
    bool freed;
    struct phdr *h = small_block(p, &freed);
    if (!h) {
        if (freed) KeBugCheckEx(BAD_POOL_CALLER, 0x07, 0, ((struct phdr *)p - 1)->magic, (ULONG_PTR)p);
        else KeBugCheckEx(BAD_POOL_CALLER, 0x46, (ULONG_PTR)p, 0, 0);
        return;
    }
    if (!tag_ok(h->tag, tag)) {
        KeBugCheckEx(BAD_POOL_CALLER, 0x0A, (ULONG_PTR)p, h->tag, tag);
        return;
    }
    ntmm_pages_pool_free(p);
    h->prev->next = h->next;
    h->next->prev = h->prev;
    uint32_t units = h->magic & 0xFF;
    h->magic = HDR_FREED;
    h->prev = h->next = NULL;
    nblocks--;
    kfree((uint8_t *)h - units * 16);
}

VOID ExFreePool(PVOID p) { ExFreePoolWithTag(p, 0); }
