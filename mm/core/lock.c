/*
 * lock.c - every lock has an owner.
 *
 * A frame's lock_count (pfn.h) is the sum of what its owners hold, and nothing else:
 *   - a fixed pin: one per PTE_SW_PIN mapping (a fixed or locked commit); it lives and dies with
 *     that mapping (pte.c takes and drops it);
 *   - a linear lock: Win9x's _LinPageLock locks a *linear page* of an address space, n times
 *     over.  Kept here per (address space, page) with the frame it locked and a count.  The page
 *     cannot lose its frame while the count is non-zero (the frame is not movable), and the
 *     count dies with the page: decommitting or releasing a page drops its linear locks (A.3:
 *     "freeing a locked block is not an error").  Shared- and system-arena pages are one page
 *     in every address space, so their key has no address space;
 *   - a lock record: an owner that is not a linear page - a DevHelp lock handle, an MDL, a
 *     PAGEMAPGLOBAL alias - holds one lock on each frame it names.  The record keeps the frames
 *     it locked, so releasing it releases exactly those, whatever happened to the pages, the
 *     caller's copy of the frame list (an MDL's PFN array) or other owners' locks since.
 *
 * So an unlock names its owner and can only take what that owner holds: a stale unlock (a
 * record already released, a page without linear locks) is refused and changes nothing, and no
 * API can take another API's lock (PL_TOTALUNLOCK drops the page's linear locks, never a
 * record's or a pin).  A frame goes back to the free list only when no mapping, lock or hold
 * refers to it (pfn_unlock / pfn_unref): a record whose pages were freed keeps its frames alive,
 * unmapped, until it is released.  Counts are 32 bits; one that would pass PFN_COUNT_MAX is
 * refused with MM_ELIMIT before anything changes.  mm_check adds up every owner (lock_tally)
 * and compares with each frame's lock_count.
 *
 * Linear locks live in an open-addressing hash table (linear probing, backward-shift delete)
 * of 16-byte entries kept at most 3/4 full.  The consecutive pages of a range take consecutive
 * slots, and an unlock deletes them last first, so neither a lock nor an unlock probes or shifts
 * more than a slot or two per page.  The table's boot-time 256 entries (4 KiB of pool) stay;
 * a burst beyond them grows it, and the last unlock shrinks it back, so a test that locks and
 * unlocks leaves the pool as it found it.  Records are on a doubly linked list, from the pool.
 */
#include "mm/core/core.h"

/* ---- linear locks ------------------------------------------------------------------------ */

struct llock { uint32_t as, vpn; pfn_t pfn; uint32_t count; };   /* vpn 0: empty (null page) */
static struct llock *lt;
static uint32_t lt_cap, lt_used;
#define LT_MIN_CAP 256u                           /* made at boot and kept: 4 KiB of pool */
#define LT_MAX_CAP 0x100000u

/* Back to the boot-time size once a burst of locks is over, so the pool is as it was. */
static void lt_shrink(void)
{
    struct llock *n = kzalloc(LT_MIN_CAP * sizeof *n);
    if (!n) return;                               /* keep the big one: still correct */
    kfree(lt);
    lt = n;
    lt_cap = LT_MIN_CAP;
}

static inline uint32_t key_as(vaddr_t va) { return va < SHARED_START ? (uint32_t)core_current_as : 0; }
/* Pages of one range are consecutive vpns and get consecutive slots (a range's lookups then
 * never collide with each other); address spaces are spread apart by a multiplicative hash. */
static inline uint32_t lhash(uint32_t as, uint32_t vpn)
{
    return vpn + (as >> 4) * 0x9E3779B1u;
}

static inline struct llock *lt_find(uint32_t as, uint32_t vpn)
{
    if (!lt_used) return NULL;
    for (uint32_t i = lhash(as, vpn) & (lt_cap - 1); lt[i].vpn; i = (i + 1) & (lt_cap - 1))
        if (lt[i].vpn == vpn && lt[i].as == as) return &lt[i];
    return NULL;
}

/* The entry for (as, vpn), made empty (count 0) if there was none; room reserved before. */
static inline struct llock *lt_get(uint32_t as, uint32_t vpn)
{
    uint32_t i = lhash(as, vpn) & (lt_cap - 1);
    for (; lt[i].vpn; i = (i + 1) & (lt_cap - 1))
        if (lt[i].vpn == vpn && lt[i].as == as) return &lt[i];
    lt[i] = (struct llock){ as, vpn, PFN_NONE, 0 };
    lt_used++;
    return &lt[i];
}

/* Backward-shift deletion: later entries of the probe chain move into the hole when their home
 * slot allows, so lookups never need tombstones.  Entries only move into the hole. */
static void lt_delete(struct llock *e)
{
    uint32_t mask = lt_cap - 1, i = (uint32_t)(e - lt), j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!lt[j].vpn) break;
        uint32_t k = lhash(lt[j].as, lt[j].vpn) & mask;
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays) continue;
        lt[i] = lt[j];
        i = j;
    }
    lt[i] = (struct llock){ 0, 0, 0, 0 };
    if (--lt_used == 0 && lt_cap > LT_MIN_CAP) lt_shrink();   /* the last lock of a big burst */
}

/* Room for `extra` more entries at a load of at most 3/4; false (nothing changed) when the pool
 * cannot hold the bigger table. */
static bool lt_reserve(uint32_t extra)
{
    if (extra > LT_MAX_CAP) return false;
    uint32_t need = (lt_used + extra) + (lt_used + extra) / 3 + 1;     /* at most 3/4 full */
    if (__builtin_expect(need <= lt_cap, 1)) return true;
    uint32_t cap = lt_cap;
    while (cap < need) {
        if (cap >= LT_MAX_CAP) return false;
        cap *= 2;
    }
    struct llock *n = kzalloc(cap * sizeof *n), *old = lt;
    if (!n) return false;
    uint32_t oldcap = lt_cap;
    lt = n;
    lt_cap = cap;
    lt_used = 0;
    for (uint32_t i = 0; i < oldcap; i++)
        if (old[i].vpn) *lt_get(old[i].as, old[i].vpn) = old[i];
    kfree(old);
    return true;
}

void lock_init(void)
{
    lt = kzalloc(LT_MIN_CAP * sizeof *lt);
    if (!lt) panic("lock: no pool for the linear-lock table");
    lt_cap = LT_MIN_CAP;
}

/* ---- shared checks -------------------------------------------------------------------------- */

/* Every page committed, with the access flags asks for (nothing changes here).  The range's
 * tables exist on success, so its PTEs are consecutive in the self-map. */
static mm_status lock_check(vaddr_t va, uint32_t npages, uint32_t flags)
{
    if (!core_range_mappable(va, npages)) return MM_EINVAL;
    pte_t all, need = ((flags & MM_LOCK_WRITE) ? PTE_W : 0) | ((flags & MM_LOCK_USER) ? PTE_U : 0);
    mm_status st = core_check_committed(va, npages, &all);
    if (st != MM_OK) return st;
    if ((all & need) != need) return MM_EACCES;
    return core_absent(va, npages) > pfn_count.free ? MM_ENOMEM : MM_OK;
}

/* Can each frame take `per` more locks (a frame may repeat: `per` is the most it can get)? */
static bool room_for_locks(const pte_t *p, const pfn_t *f, uint32_t n, uint32_t per)
{
    for (uint32_t i = 0; i < n; i++) {
        if (p && !(p[i] & PTE_P)) continue;          /* a fresh frame: no locks yet */
        struct pfn *r = pfn_get(f ? f[i] : pte_pfn(p[i]));
        if (r && r->lock_count > PFN_COUNT_MAX - per) return false;
    }
    return true;
}

/* One lock per page on the frames of [va, va + npages) (present, tables existing); DIRTY marks
 * the PTEs and frames dirty (a DMA write the CPU will not see).  frames gets the frame numbers. */
static void lock_pages(vaddr_t va, uint32_t npages, uint32_t flags, pfn_t *frames)
{
    const pte_t *p = MiGetPteAddress(va);
    for (uint32_t i = 0; i < npages; i++) {
        pte_t e = p[i];
        pfn_t f = pte_pfn(e);
        pfn_lock(f);
        if (flags & MM_LOCK_DIRTY) {
            if (!(e & PTE_D)) pte_update(va + i * PAGE_SIZE, e | PTE_D);
            struct pfn *r = pfn_get(f);
            if (r && r->state != PFN_NOTRAM) r->flags |= PFNF_DIRTY;
        }
        if (frames) frames[i] = f;
    }
}

/* ---- linear locks: the public half -------------------------------------------------------- */

/* Checks, then every refusable step, then the pages are made present (which cannot fail once
 * lock_check saw frames for them - except, with the pager on, a read back the swap disk fails:
 * MM_ENOMEM, nothing locked, the pages read back so far present, the same committed pages, and
 * the lock table possibly grown by lt_reserve), so a refused lock changes nothing else. */
mm_status mm_lock(vaddr_t va, uint32_t npages, uint32_t flags, pfn_t *frames)
{
    mm_status st = lock_check(va, npages, flags);
    if (st != MM_OK) return st;
    if (!room_for_locks(MiGetPteAddress(va), NULL, npages, npages)) return MM_ELIMIT;
    uint32_t as = key_as(va), vpn = va >> PAGE_SHIFT;
    const pte_t *p = MiGetPteAddress(va);
    for (uint32_t i = 0; lt_used && i < npages; i++) { /* a page's count is at most its frame's: */
        struct llock *e = lt_find(as, vpn + i);       /* checked above, but say so per owner too */
        if (e && e->count > PFN_COUNT_MAX - 1) return MM_ELIMIT;
    }
    if (!lt_reserve(npages)) return MM_ENOMEM;        /* the last refusal: nothing changed yet */
    if ((st = core_make_present(va, npages)) != MM_OK) return st;   /* a page the disk failed to read */
    for (uint32_t i = 0; i < npages; i++) {
        struct llock *e = lt_get(as, vpn + i);
        e->pfn = pte_pfn(p[i]);
        e->count++;
    }
    lock_pages(va, npages, flags, frames);
    return MM_OK;
}

/* Drops `n` linear locks of entry e (n <= count): the frame is still mapped at the page, so it
 * is never freed here. */
static void linear_drop(struct llock *e, uint32_t n)
{
    if (n == 1) {                                     /* the common case: one unlock */
        pfn_unlock(e->pfn);
        if (!--e->count) lt_delete(e);
        return;
    }
    struct pfn *r = pfn_get(e->pfn);
    if (n && r && r->state != PFN_NOTRAM) {            /* n at once, the last through pfn_unlock */
        if (r->lock_count < n) pfn_count_panic("linear_drop", e->pfn);
        r->lock_count -= n - 1;
        pfn_unlock(e->pfn);
    }
    e->count -= n;
    if (!e->count) lt_delete(e);
}

/* Each page's entry gives up one lock (total: all of them).  A page without one is found in
 * the first pass, before anything changes; the pages of a range are distinct, so no entry is
 * counted twice.  The second pass cannot fail. */
static mm_status unlock_linear(vaddr_t va, uint32_t npages, bool total)
{
    if (!core_range_valid(va, npages) || mm_arena_of(va, npages) == ARENA_NONE) return MM_EINVAL;
    uint32_t as = key_as(va), vpn = va >> PAGE_SHIFT;
    if (!lt_used) return MM_ENOTLOCKED;
    for (uint32_t i = 0; i < npages; i++)
        if (!lt_find(as, vpn + i)) return MM_ENOTLOCKED;
    for (uint32_t i = npages; i--;) {                  /* last first: a range's entries sit in */
        struct llock *e = lt_find(as, vpn + i);       /* consecutive slots, and deleting the last */
        linear_drop(e, total ? e->count : 1);         /* of a run shifts nothing back */
    }
    return MM_OK;
}

mm_status mm_unlock(vaddr_t va, uint32_t npages) { return unlock_linear(va, npages, false); }
mm_status mm_unlock_total(vaddr_t va, uint32_t npages) { return unlock_linear(va, npages, true); }

uint32_t mm_linear_locks(vaddr_t va)
{
    struct llock *e = lt_find(key_as(va), va >> PAGE_SHIFT);
    return e ? e->count : 0;
}

/* The page's linear locks die with it: called by the core before a range is cleared (the
 * frames are still mapped, so none is freed here; the clear frees those nothing else holds). */
void lock_drop_linear(vaddr_t va, uint32_t npages)
{
    if (!lt_used) return;
    uint32_t as = key_as(va), lo = va >> PAGE_SHIFT, hi = lo + npages;
    if (npages <= lt_used) {
        for (uint32_t v = hi; v-- > lo && lt_used;) {   /* last first, as in unlock_linear */
            struct llock *e = lt_find(as, v);
            if (e) linear_drop(e, e->count);
        }
        return;
    }
    for (uint32_t i = 0; i < lt_cap; ) {              /* a hole shifted back into i: look again */
        struct llock *e = &lt[i];
        if (e->vpn && e->as == as && e->vpn >= lo && e->vpn < hi) {
            uint32_t cap = lt_cap;
            linear_drop(e, e->count);
            if (!lt || cap != lt_cap) return;         /* the table went with its last entry */
            continue;
        }
        i++;
    }
}

/* ---- lock records ---------------------------------------------------------------------------- */

#define REC_MAGIC 0x4C4F434Bu                         /* "LOCK" */
struct mm_lockrec {
    uint32_t magic, n;
    struct mm_lockrec *prev, *next;
    pfn_t frames[];
};
static struct mm_lockrec *records;

static struct mm_lockrec *rec_new(uint32_t n)
{
    if (n > 0x100000u) return NULL;
    struct mm_lockrec *r = kmalloc(sizeof *r + n * sizeof(pfn_t));
    if (r) *r = (struct mm_lockrec){ REC_MAGIC, n, NULL, NULL };
    return r;
}

static void rec_link(struct mm_lockrec *r)
{
    r->next = records;
    if (records) records->prev = r;
    records = r;
}

mm_status mm_lock_record(vaddr_t va, uint32_t npages, uint32_t flags, pfn_t *frames, mm_lock_t *out)
{
    mm_status st = lock_check(va, npages, flags);
    if (st != MM_OK) return st;
    if (!room_for_locks(MiGetPteAddress(va), NULL, npages, npages)) return MM_ELIMIT;
    struct mm_lockrec *r = rec_new(npages);
    if (!r) return MM_ENOMEM;
    if ((st = core_make_present(va, npages)) != MM_OK) {   /* only a read the swap disk failed */
        kfree(r);
        return st;
    }
    lock_pages(va, npages, flags, r->frames);
    if (frames) memcpy(frames, r->frames, npages * sizeof(pfn_t));
    rec_link(r);
    *out = r;
    return MM_OK;
}

/* A frame a record may name: I/O space (no count is kept), or RAM that is in use - never a
 * free frame, which the allocator could hand out under the lock. */
static bool lockable_frame(pfn_t f)
{
    struct pfn *r = pfn_get(f);
    return !r || r->state != PFN_FREE;
}

mm_status mm_lock_record_frames(const pfn_t *frames, uint32_t n, mm_lock_t *out)
{
    if (!n) return MM_EINVAL;
    for (uint32_t i = 0; i < n; i++)
        if (!lockable_frame(frames[i])) return MM_EINVAL;
    if (!room_for_locks(NULL, frames, n, n)) return MM_ELIMIT;
    struct mm_lockrec *r = rec_new(n);
    if (!r) return MM_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        r->frames[i] = frames[i];
        pfn_lock(frames[i]);
    }
    rec_link(r);
    *out = r;
    return MM_OK;
}

static bool rec_live(const struct mm_lockrec *r)
{
    for (const struct mm_lockrec *q = records; q; q = q->next)
        if (q == r) return true;
    return false;
}

mm_status mm_unlock_record(mm_lock_t r)
{
    if (!r || !rec_live(r) || r->magic != REC_MAGIC) return MM_ENOTLOCKED;
    if (r->prev) r->prev->next = r->next;
    else records = r->next;
    if (r->next) r->next->prev = r->prev;
    r->magic = 0;
    for (uint32_t i = 0; i < r->n; i++) pfn_unlock(r->frames[i]);   /* may free an unmapped frame */
    kfree(r);
    return MM_OK;
}

uint32_t mm_lock_record_size(mm_lock_t r) { return r && rec_live(r) ? r->n : 0; }

const pfn_t *mm_lock_record_frames_of(mm_lock_t r) { return r && rec_live(r) ? r->frames : NULL; }

/* ---- checking ---------------------------------------------------------------------------------- */

static struct as *as_by_key(uint32_t key)
{
    for (struct as *a = as_first(); a; a = a->next)
        if ((uint32_t)a == key) return a;
    return NULL;
}

/* Adds every owner's locks into each frame's `scratch` (mm_check compares with lock_count), and
 * checks that each linear lock's page still maps the frame it locked. */
bool lock_tally(char *why, size_t n)
{
    uint32_t used = 0;
    for (uint32_t i = 0; i < lt_cap; i++) {
        struct llock *e = &lt[i];
        if (!e->vpn) continue;
        used++;
        vaddr_t va = e->vpn << PAGE_SHIFT;
        pte_t pte = 0;
        if (e->as) {
            struct as *a = as_by_key(e->as);
            if (!a) { ksnprintf(why, n, "linear lock of %08x in a destroyed address space", va); return false; }
            pte = pte_read_in(a->pd, va);
        } else {
            pte = pte_read(va);
        }
        if (!e->count || !(pte & PTE_P) || pte_pfn(pte) != e->pfn) {
            ksnprintf(why, n, "linear lock (%u) of %08x names frame %x, the page has %08x", e->count, va, e->pfn, pte);
            return false;
        }
        struct pfn *r = pfn_get(e->pfn);
        if (r && r->state != PFN_NOTRAM) r->scratch += e->count;
    }
    if (used != lt_used) { ksnprintf(why, n, "linear-lock table counts %u entries, has %u", lt_used, used); return false; }
    for (const struct mm_lockrec *q = records; q; q = q->next)
        for (uint32_t i = 0; i < q->n; i++) {
            struct pfn *r = pfn_get(q->frames[i]);
            if (!r || r->state == PFN_NOTRAM) continue;
            if (r->state == PFN_FREE) { ksnprintf(why, n, "a lock record names free frame %x", q->frames[i]); return false; }
            r->scratch++;
        }
    return true;
}
