/*
 * vm.c - the core operations every personality uses: commit, map physical frames, alias,
 * decommit, protect, lock/unlock, relocate to contiguous frames, and page queries.
 *
 * Every operation checks the whole range first and changes nothing unless it can finish:
 * frames and page tables are obtained before the first PTE is written, and given back if
 * any of them cannot be had.  Bad input therefore never costs a frame.
 *
 * Commit is a promise (NT's commit charge, in the form this kernel needs today).  A demand-zero
 * page gets no frame until it is touched, but its commit must guarantee one, or the touch
 * would have nowhere to go.  So:
 *   - the charge (pfn_count.charged) is the number of committed demand-zero PTEs in every
 *     address space; the PTE helpers keep it (pte.h): an entry that becomes demand-zero charges
 *     one page, one that stops being one - made present by a fault or make_present, decommitted,
 *     released with its address space - uncharges it.  mm_check counts the entries and compares;
 *   - the limit is mm_commit_limit(), the pages that can back a charge: the free frames today
 *     (a swap device would add its free slots).  A commit of N demand-zero pages needs N pages
 *     of limit beyond the charge, after the page tables it makes itself: else MM_ENOMEM, with
 *     nothing changed (each personality's documented out-of-memory error);
 *   - frames stay there for the charge: no ordinary allocation (pfn_alloc, pfn_alloc_run: page
 *     tables, directories, present commits, contiguous runs, held runs) takes a free frame while
 *     free <= charged.  Only the resolution of a charged page (PFN_ALLOC_CHARGED: fault.c,
 *     make_present below) may, and its PTE store gives the charge back at once, so
 *     free - charged - the frames nobody promised - never changes on a demand-zero fault.
 * A demand-zero fault therefore always finds a frame; if one ever does not, that access fails
 * the documented way (fault.c), never the kernel.  The personalities report free - charged as
 * what can still be allocated (mm_available_frames).
 */
#include "mm/core.h"

volatile uint32_t mm_demand_faults;
volatile uint32_t mm_demand_nomem;

bool pte_is_committed(pte_t e)
{
    return (e & PTE_P) || (e & PTE_NP_DEMAND);
}

static uint32_t pte_prot(pte_t e)
{
    return e & (MM_PROT_MASK | MM_CACHE_MASK);
}

/* Page tables for the whole range; on failure the ones just made are freed again. */
static bool ensure_tables(vaddr_t va, uint32_t npages)
{
    vaddr_t last = va + (npages - 1) * PAGE_SIZE;
    for (uint32_t pdi = PDI(va); pdi <= PDI(last); pdi++) {
        vaddr_t v = pdi == PDI(va) ? va : pdi << 22;
        if ((*MiGetPdeAddress(v) & (PTE_P | PDE_PS)) == PTE_P) continue;   /* the common case */
        if (!pte_ensure(v)) {
            pt_trim(va, npages);
            return false;
        }
    }
    return true;
}

void pt_trim(vaddr_t va, uint32_t npages)
{
    vaddr_t end = va + (npages - 1) * PAGE_SIZE;
    for (uint32_t pdi = PDI(va); pdi <= PDI(end); pdi++)
        pte_trim(pdi << 22);
}

/* Frame class for mm_map_physical: 1 = counted reference, 0 = raw, -1 = refused.
 * Raw: I/O space, the first MiB (BIOS data, ROMs) and loader data.  Refused: free RAM (the
 * allocator could hand it out under the mapping), page tables, the PFN database and pool, and
 * the kernel image - except its ring-3 code, read-only. */
static int frame_class(pfn_t f, uint32_t prot)
{
    extern char _kernel_start[], _kernel_end[], _utext_load[], _utext_start[], _utext_end[];
    struct pfn *r = pfn_get(f);
    if (!r || r->state == PFN_NOTRAM) return 0;
    pfn_t k0 = ((vaddr_t)_kernel_start - KERNEL_VBASE) >> PAGE_SHIFT;
    pfn_t k1 = ((vaddr_t)_kernel_end - KERNEL_VBASE) >> PAGE_SHIFT;
    pfn_t u0 = ((vaddr_t)_utext_load - KERNEL_VBASE) >> PAGE_SHIFT;
    pfn_t u1 = u0 + (PAGE_ALIGN_UP((vaddr_t)_utext_end) - (vaddr_t)_utext_start) / PAGE_SIZE;
    if (f >= k0 && f < k1)
        return (f >= u0 && f < u1 && !(prot & MM_PROT_WRITE)) ? 0 : -1;
    switch (r->state) {
    case PFN_USED: return 1;
    case PFN_RESERVED: return 0;
    default: return -1;                              /* free, page tables, directories, system */
    }
}

static mm_status check_uncommitted(vaddr_t va, uint32_t npages)
{
    while (npages) {
        pte_t *p;
        bool large;
        uint32_t n = pte_span(va, npages, &p, &large);
        for (uint32_t i = 0; p && i < n; i++)
            if (pte_is_committed(p[i])) return MM_EEXIST;
        va += n * PAGE_SIZE;
        npages -= n;
    }
    return MM_OK;
}

/* A 4 MiB page is not a committed 4 KiB page: it has no PTE for lock, protect, alias or
 * relocate to change (they would panic installing one), so those refuse it with MM_EINVAL;
 * a page without a table or not committed is MM_ENOENT; the first such page decides.  One
 * pass through the entries; *all (if given) gets the AND of them: PTE_P clear means some page
 * is still demand-zero, PTE_W / PTE_U clear that some page lacks that permission. */
static mm_status check_committed_all(vaddr_t va, uint32_t npages, pte_t *all)
{
    pte_t and = ~0u;
    while (npages) {
        pte_t *p;
        bool large;
        uint32_t n = pte_span(va, npages, &p, &large);
        if (large) return MM_EINVAL;
        if (!p) return MM_ENOENT;
        for (uint32_t i = 0; i < n; i++) {
            pte_t e = p[i];
            if (!pte_is_committed(e)) return MM_ENOENT;
            and &= e;
        }
        va += n * PAGE_SIZE;
        npages -= n;
    }
    if (all) *all = and;
    return MM_OK;
}

static mm_status check_committed(vaddr_t va, uint32_t npages)
{
    return check_committed_all(va, npages, NULL);
}

static bool frame_ok(pfn_t f, const struct mm_frame_req *q)
{
    return f >= q->min && f < q->max && !(f & (q->align - 1));
}

/* ---- commit --------------------------------------------------------------------------------- */

/* The commit limit: pages that can back charged (committed demand-zero) pages.  The free frames,
 * for want of anything else to page to; a swap device would add its free slots here. */
uint32_t mm_commit_limit(void) { return pfn_count.free; }
uint32_t mm_commit_charge(void) { return pfn_count.charged; }

/* Can n more demand-zero pages be charged? */
static bool commit_fits(uint32_t n)
{
    uint32_t limit = mm_commit_limit();
    return limit >= pfn_count.charged && limit - pfn_count.charged >= n;
}

static mm_status alloc_frames(pfn_t *frames, uint32_t n, uint32_t flags, const struct mm_frame_req *req)
{
    uint32_t zf = (flags & MM_COMMIT_ZERO) ? PFN_ALLOC_ZERO : 0;
    if (flags & MM_COMMIT_CONTIG) {
        struct mm_frame_req any = { 0, PFN_NONE, 1, 0 };
        const struct mm_frame_req *q = req ? req : &any;
        pfn_t s = pfn_alloc_run(n, q->align ? q->align : 1, q->min, q->max, q->boundary, zf);
        if (s == PFN_NONE) return MM_ENOMEM;
        for (uint32_t i = 0; i < n; i++) frames[i] = s + i;
        return MM_OK;
    }
    for (uint32_t i = 0; i < n; i++) {
        frames[i] = req ? pfn_alloc_run(1, 1, req->min, req->max, 0, zf) : pfn_alloc(zf);
        if (frames[i] == PFN_NONE) {
            while (i--) pfn_free(frames[i]);
            return MM_ENOMEM;
        }
    }
    return MM_OK;
}

/* The pages of [va, va + npages) not committed yet (a page without a table counts as not
 * committed); -1u when one is and `skip` is false. */
static inline uint32_t count_uncommitted(vaddr_t va, uint32_t npages, bool skip)
{
    uint32_t todo = 0;
    while (npages) {
        pte_t *p;
        bool large;
        uint32_t n = pte_span(va, npages, &p, &large);
        if (!p) todo += n;
        for (uint32_t i = 0; p && i < n; i++) {
            if (!pte_is_committed(p[i])) todo++;
            else if (!skip) return ~0u;
        }
        va += n * PAGE_SIZE;
        npages -= n;
    }
    return todo;
}

/* The common commit: any frames, present now.  The tables come first; then, since pfn_alloc
 * without constraints takes any free frame, enough free frames means no allocation below can
 * fail - so each frame is taken, zeroed and mapped in one step (pte_install_fresh), with no
 * list of frames.  Committed = present or demand-zero, the entries pte_install_fresh skips. */
static mm_status commit_any(vaddr_t va, uint32_t npages, uint32_t todo, uint32_t bits, pfn_t *first_pfn)
{
    if (!ensure_tables(va, npages)) return MM_ENOMEM;
    if (pfn_available() < todo) {
        pt_trim(va, npages);
        return MM_ENOMEM;
    }
    pfn_t first = pte_install_fresh(va, npages, pte_make(va, 0, bits));   /* one arena: one G bit */
    if (first_pfn) *first_pfn = first;
    return MM_OK;
}

mm_status mm_commit(vaddr_t va, uint32_t npages, uint32_t prot, uint32_t flags,
                    const struct mm_frame_req *req, pfn_t *first_pfn)
{
    if (!core_range_mappable(va, npages) || (prot & ~(MM_PROT_MASK | MM_CACHE_MASK))) return MM_EINVAL;
    if (flags & (MM_COMMIT_PIN | MM_COMMIT_CONTIG)) flags |= MM_COMMIT_PRESENT;
    if ((flags & MM_COMMIT_CONTIG) && (flags & MM_COMMIT_SKIP)) return MM_EINVAL;
    /* Every frame a commit takes is zeroed, whatever the caller asked (issue 10: freed frames
     * never reach a user mapping unzeroed).  Zeroing only ring-3 commits is not enough: a page
     * committed for ring 0 can be granted to ring 3 later (_PageModifyPermissions(PC_USER)),
     * aliased into a process (VMGlobalToProcess) or mapped there by frame (_PageCommitPhys,
     * VMAlloc(VMDHA_PHYS)); and zeroing at that moment would wipe what the owner wrote since.
     * So no frame ever shows a previous owner's data.  MM_COMMIT_ZERO stays as documentation. */
    flags |= MM_COMMIT_ZERO;
    uint32_t todo = count_uncommitted(va, npages, flags & MM_COMMIT_SKIP);
    if (todo == ~0u) return MM_EEXIST;
    if (!todo) return MM_OK;
    uint32_t bits = prot | ((flags & MM_COMMIT_PIN) ? PTE_SW_PIN : 0) | ((flags & MM_COMMIT_DIRTY) ? PTE_D : 0);
    if ((flags & MM_COMMIT_PRESENT) && !(flags & MM_COMMIT_CONTIG) && !req)
        return commit_any(va, npages, todo, bits, first_pfn);
    pfn_t *frames = NULL;
    if (flags & MM_COMMIT_PRESENT) {
        frames = kmalloc(todo * sizeof(pfn_t));
        if (!frames) return MM_ENOMEM;
        mm_status st = alloc_frames(frames, todo, flags, req);
        if (st != MM_OK) { kfree(frames); return st; }
    }
    if (!ensure_tables(va, npages)) {
        for (uint32_t i = 0; frames && i < todo; i++) pfn_free(frames[i]);
        kfree(frames);
        return MM_ENOMEM;
    }
    if (!frames && !commit_fits(todo)) {         /* the tables are paid: the pages must fit too */
        pt_trim(va, npages);
        return MM_ENOMEM;
    }
    for (uint32_t i = 0, k = 0; i < npages; i++) {
        vaddr_t v = va + i * PAGE_SIZE;
        if (pte_is_committed(pte_read(v))) continue;
        if (frames) pte_install(v, pte_make(v, frames[k++], bits));
        else pte_set_np(v, PTE_NP_DEMAND | prot);
    }
    if (first_pfn) *first_pfn = frames ? frames[0] : PFN_NONE;
    kfree(frames);
    return MM_OK;
}

mm_status mm_map_physical(vaddr_t va, uint32_t npages, pfn_t first, uint32_t step, uint32_t prot)
{
    if (!core_range_mappable(va, npages) || step > 1 || (prot & ~(MM_PROT_MASK | MM_CACHE_MASK)) ||
        (step && first + (npages - 1) < first) || first + (npages - 1) * step > 0xFFFFFu)
        return MM_EINVAL;
    mm_status st = check_uncommitted(va, npages);
    if (st != MM_OK) return st;
    for (uint32_t i = 0; i < npages; i++)
        if (frame_class(first + i * step, prot) < 0) return MM_EACCES;
    if (!ensure_tables(va, npages)) return MM_ENOMEM;
    for (uint32_t i = 0; i < npages; i++) {
        pfn_t f = first + i * step;
        vaddr_t v = va + i * PAGE_SIZE;
        pte_install(v, pte_make(v, f, prot | (frame_class(f, prot) ? 0 : PTE_SW_RAW)));
    }
    return MM_OK;
}

/* A committed page's frame, faulting a demand-zero page in: the frame its charge holds, which
 * the install gives back.  PFN_NONE when there is none (the charge makes that a bug). */
static pfn_t make_present(vaddr_t va)
{
    pte_t e = pte_read(va);
    if (e & PTE_P) return pte_pfn(e);
    pfn_t f = pfn_alloc(PFN_ALLOC_ZERO | (pte_is_demand(e) ? PFN_ALLOC_CHARGED : 0));
    if (f == PFN_NONE) return PFN_NONE;
    pte_install(va, pte_make(va, f, e & (MM_PROT_MASK | MM_CACHE_MASK)));
    return f;
}

static mm_status make_range_present(vaddr_t va, uint32_t npages)
{
    for (uint32_t i = 0; i < npages; i++)
        if (make_present(va + i * PAGE_SIZE) == PFN_NONE) return MM_ENOMEM;
    return MM_OK;
}

mm_status mm_alias(vaddr_t dst, vaddr_t src, uint32_t npages, uint32_t prot)
{
    if (!core_range_mappable(dst, npages) || !core_range_mappable(src, npages) ||
        (prot & ~(MM_PROT_MASK | MM_CACHE_MASK)))
        return MM_EINVAL;
    pte_t all;
    mm_status st = check_committed_all(src, npages, &all);
    if (st == MM_OK) st = check_uncommitted(dst, npages);
    if (st != MM_OK) return st;
    if (!ensure_tables(dst, npages)) return MM_ENOMEM;
    if (!(all & PTE_P)) {
        st = make_range_present(src, npages);   /* pages faulted in stay committed; no loss */
        if (st != MM_OK) { pt_trim(dst, npages); return st; }
    }
    /* Both ranges' tables exist now, so the source's entries are consecutive in the self-map. */
    pte_install_copy(dst, npages, MiGetPteAddress(src), PTE_FRAME | PTE_SW_RAW, pte_make(dst, 0, prot));
    return MM_OK;
}

/* ---- decommit --------------------------------------------------------------------------------- */

/* MM_EBUSY when some page's frame is locked beyond its pins and this is its last mapping. */
mm_status core_decommit_check(vaddr_t va, uint32_t npages)
{
    while (npages) {
        pte_t *p;
        bool large;
        uint32_t n = pte_span(va, npages, &p, &large);
        for (uint32_t i = 0; p && i < n; i++) {
            pte_t e = p[i];
            if (!(e & PTE_P) || (e & PTE_SW_RAW)) continue;
            struct pfn *r = &pfn_db[pte_pfn(e)];        /* a counted mapping: a used frame */
            if (r->map_count == 1 && r->lock_count != r->pins) return MM_EBUSY;
        }
        va += n * PAGE_SIZE;
        npages -= n;
    }
    return MM_OK;
}

void core_decommit(vaddr_t va, uint32_t npages)
{
    pte_clear_range(va, npages);
}

mm_status mm_decommit(vaddr_t va, uint32_t npages)
{
    if (!core_range_mappable(va, npages)) return MM_EINVAL;
    mm_status st = core_decommit_check(va, npages);
    if (st == MM_OK) core_decommit(va, npages);
    return st;
}

/* ---- protection ------------------------------------------------------------------------------ */

mm_status mm_protect(vaddr_t va, uint32_t npages, uint32_t and_mask, uint32_t or_mask, uint32_t *old_first)
{
    if (!core_range_mappable(va, npages)) return MM_EINVAL;
    mm_status st = check_committed(va, npages);
    if (st != MM_OK) return st;
    and_mask |= ~MM_PROT_MASK;
    or_mask &= MM_PROT_MASK;
    if (old_first) *old_first = pte_read(va) & MM_PROT_MASK;
    for (uint32_t i = 0; i < npages; i++) {
        vaddr_t v = va + i * PAGE_SIZE;
        pte_t e = pte_read(v);
        pte_t n = (e & and_mask) | or_mask;
        if (n == e) continue;
        if (e & PTE_P) pte_update(v, n);
        else pte_set_np(v, n);
    }
    return MM_OK;
}

/* ---- locking --------------------------------------------------------------------------------- */

mm_status mm_lock(vaddr_t va, uint32_t npages, uint32_t flags, pfn_t *frames)
{
    if (!core_range_mappable(va, npages)) return MM_EINVAL;
    pte_t all, need = ((flags & MM_LOCK_WRITE) ? PTE_W : 0) | ((flags & MM_LOCK_USER) ? PTE_U : 0);
    mm_status st = check_committed_all(va, npages, &all);
    if (st != MM_OK) return st;
    if ((all & need) != need) return MM_EACCES;
    if (!(all & PTE_P)) {
        st = make_range_present(va, npages);
        if (st != MM_OK) return st;
    }
    const pte_t *p = MiGetPteAddress(va);           /* every table exists: checked above */
    if (!(flags & MM_LOCK_DIRTY)) {                 /* the common case, without the D updates */
        for (uint32_t i = 0; i < npages; i++) {
            pfn_t f = pte_pfn(p[i]);
            pfn_lock(f);
            if (frames) frames[i] = f;
        }
        return MM_OK;
    }
    for (uint32_t i = 0; i < npages; i++) {
        pte_t e = p[i];
        pfn_lock(pte_pfn(e));
        if (flags & MM_LOCK_DIRTY) {
            if (!(e & PTE_D)) pte_update(va + i * PAGE_SIZE, e | PTE_D);
            struct pfn *r = pfn_get(pte_pfn(e));
            if (r) r->flags |= PFNF_DIRTY;
        }
        if (frames) frames[i] = pte_pfn(e);
    }
    return MM_OK;
}

/* Does this present page's frame hold a lock beyond its pins?  I/O space: always (lock and
 * unlock are no-ops there).  Counted per frame, so an unlock through an alias can never take a
 * fixed commit's own lock. */
static inline bool has_extra_lock(pte_t e)
{
    struct pfn *r = pfn_get(pte_pfn(e));
    if (!r || r->state == PFN_NOTRAM) return true;
    return r->lock_count != (r->state == PFN_USED ? r->pins : 0);
}

mm_status mm_unlock(vaddr_t va, uint32_t npages)
{
    if (!core_range_mappable(va, npages)) return MM_EINVAL;
    /* Unlock page by page; a page without a lock of its own (beyond pins) undoes the pages
     * done so far.  Checking first and unlocking after would be wrong when one frame appears
     * at several pages of the range. */
    vaddr_t v = va;
    uint32_t left = npages, done = 0;
    while (left) {
        pte_t *p;
        bool large;
        uint32_t n = pte_span(v, left, &p, &large);
        for (uint32_t i = 0; i < n; i++, done++) {
            pte_t e = p ? p[i] : 0;
            if (!(e & PTE_P) || !has_extra_lock(e)) {
                while (done--) pfn_lock(pte_pfn(pte_read(va + done * PAGE_SIZE)));
                return MM_ENOTLOCKED;
            }
            pfn_unlock(pte_pfn(e));                  /* still mapped here, so never freed */
        }
        v += n * PAGE_SIZE;
        left -= n;
    }
    return MM_OK;
}

void mm_lock_frames(const pfn_t *f, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) pfn_lock(f[i]);
}

/* Never takes a lock that is not there.  Counts carry no owner, so another API may already have
 * taken this caller's lock - _LinPageUnLock(PL_TOTALUNLOCK) forces a page's count down whoever
 * locked it - and the VMUnLock or MmUnlockPages that comes later must then find nothing to take:
 * not a fixed page's pin (its mapping would unpin a lock that is gone) and not a lock that is
 * not there (pfn_unlock panics).  The randomized stress found both (issue 10). */
void mm_unlock_frames(const pfn_t *f, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (pfn_extra_locks(f[i])) pfn_unlock(f[i]);
}

/* ---- relocation to contiguous frames ------------------------------------------------------ */

static bool run_ok(vaddr_t va, uint32_t npages, const struct mm_frame_req *q)
{
    pfn_t f0 = pte_pfn(pte_read(va));
    if (!frame_ok(f0, q)) return false;
    if (q->boundary && f0 / q->boundary != (f0 + npages - 1) / q->boundary) return false;
    for (uint32_t i = 1; i < npages; i++)
        if (pte_pfn(pte_read(va + i * PAGE_SIZE)) != f0 + i || f0 + i >= q->max) return false;
    return true;
}

mm_status mm_make_contiguous(vaddr_t va, uint32_t npages, const struct mm_frame_req *req)
{
    struct mm_frame_req q = req ? *req : (struct mm_frame_req){ 0, PFN_NONE, 1, 0 };
    if (!q.align) q.align = 1;
    if (!core_range_mappable(va, npages)) return MM_EINVAL;
    mm_status st = check_committed(va, npages);
    if (st != MM_OK) return st;
    st = make_range_present(va, npages);
    if (st != MM_OK) return st;
    if (run_ok(va, npages, &q)) return MM_OK;
    for (uint32_t i = 0; i < npages; i++) {
        pte_t e = pte_read(va + i * PAGE_SIZE);
        struct pfn *r = pfn_get(pte_pfn(e));
        if ((e & PTE_SW_RAW) || !r || r->map_count != 1 || r->hold_count ||
            pfn_extra_locks(pte_pfn(e)))
            return MM_EBUSY;                         /* someone else can see this frame */
    }
    pfn_t s = pfn_alloc_run(npages, q.align, q.min, q.max, q.boundary, 0);
    if (s == PFN_NONE) return MM_ENOMEM;
    for (uint32_t i = 0; i < npages; i++) {
        vaddr_t v = va + i * PAGE_SIZE;
        pte_t e = pte_read(v);
        void *dst = hyper_map(s + i), *src = hyper_map(pte_pfn(e));
        memcpy(dst, src, PAGE_SIZE);                 /* frame to frame: v may be a user page (SMAP) */
        hyper_unmap(src);
        hyper_unmap(dst);
        pte_remap(v, (e & ~PTE_FRAME) | ((s + i) << PAGE_SHIFT));
    }
    return MM_OK;
}

/* ---- queries ----------------------------------------------------------------------------------- */

uint32_t mm_scan_committed(vaddr_t va, uint32_t npages, uint32_t *first_absent)
{
    uint32_t done = 0, absent = npages;
    while (done < npages) {
        pte_t *p;
        bool large;
        uint32_t n = pte_span(va + done * PAGE_SIZE, npages - done, &p, &large);
        if (!large) {
            if (!p) break;                           /* no table: nothing committed here */
            for (uint32_t i = 0; i < n; i++) {
                pte_t e = p[i];
                if (!(e & PTE_P) && absent == npages) absent = done + i;
                if (!pte_is_committed(e)) {
                    done += i;
                    goto out;
                }
            }
        }
        done += n;
    }
out:
    if (absent > done) absent = done;
    *first_absent = absent;
    return done;
}

void mm_page_info(vaddr_t va, struct mm_page_info *o)
{
    memset(o, 0, sizeof *o);
    va = PAGE_ALIGN_DOWN(va);
    o->region = mm_region_find(va);
    pte_t pde = *MiGetPdeAddress(va);
    if (pde_large(pde)) {
        o->state = PAGE_COMMITTED;
        o->present = o->large = true;
        o->pfn = (pde >> PAGE_SHIFT) + PTI(va);
        o->prot = pde & (MM_PROT_MASK | PTE_PCD | PTE_PWT);
        return;
    }
    pte_t e = pte_read(va);
    if (va >= INVALID_START || (va >= PTE_BASE && va < SYSTEM_START && !(e & PTE_P))) e = 0;
    if (pte_is_committed(e)) {
        o->state = PAGE_COMMITTED;
        o->present = e & PTE_P;
        o->prot = pte_prot(e);
        if (o->present) {
            o->pfn = pte_pfn(e);
            struct pfn *r = pfn_get(o->pfn);
            o->locks = r ? r->lock_count : 0;
            o->pins = r && r->state == PFN_USED ? (uint16_t)r->pins : 0;
        }
    } else if (o->region || (va >= SYSPTE_START && va < SYSPTE_END && syspte_range_allocated(va, 1))) {
        o->state = PAGE_RESERVED;
    }
}


bool mm_frame_is_ram(pfn_t p) { return pfn_is_ram(p); }
uint16_t mm_frame_locks(pfn_t p) { struct pfn *r = pfn_get(p); return r ? r->lock_count : 0; }
uint32_t mm_free_frames(void) { return pfn_count.free; }
uint32_t mm_available_frames(void) { return pfn_available(); }
uint32_t mm_locked_frames(void) { return pfn_count.locked; }
uint32_t mm_total_frames(void) { return pfn_count.total; }

/* Zeroed whatever `zero` says: held frames can be mapped into a process later
 * (_PageCommitPhys(PC_USER)), and must not carry a previous owner's data there (see mm_commit). */
pfn_t mm_hold_run(uint32_t n, const struct mm_frame_req *req, bool zero)
{
    struct mm_frame_req q = req ? *req : (struct mm_frame_req){ 0, PFN_NONE, 1, 0 };
    (void)zero;
    pfn_t s = pfn_alloc_run(n, q.align ? q.align : 1, q.min, q.max, q.boundary, PFN_ALLOC_ZERO);
    for (uint32_t i = 0; s != PFN_NONE && i < n; i++) pfn_hold(s + i);
    return s;
}

mm_status mm_pin_table(vaddr_t va)
{
    return pte_pin_table(va) ? MM_OK : MM_ENOMEM;
}
