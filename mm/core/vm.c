/*
 * vm.c - the core operations every personality uses: commit, map physical frames, alias,
 * decommit, release a region, protect, relocate to contiguous frames, and page queries.
 *
 * Every operation checks the whole range first and changes nothing unless it can finish:
 * frames and page tables are obtained before the first PTE is written, and given back if
 * any of them cannot be had.  Bad input therefore never costs a frame.
 *
 * Commit is a promise (NT's commit charge).  A demand-zero page gets no frame until it is
 * touched, and a pageable page may lose its frame to the swap device, but every commit must
 * guarantee a place for its page, or a touch would have nowhere to go.  So:
 *   - the charge (pfn_count.charged) counts the entries that need such a place: every resident
 *     demand-zero page (until it is made present: then it owns its frame like any allocation),
 *     and every pageable page (MM_COMMIT_PAGEABLE) in every state - demand-zero, present,
 *     swapped out - for as long as it is committed.  The PTE helpers keep it (pte.h), mm_check
 *     counts the entries and compares;
 *   - the limit, mm_commit_limit(), is what can hold those pages: the frames available to
 *     pageable memory (free + present pageable), less a reserve, plus the swap slots.  The
 *     pager (mm/core/pager.c) sets the reserve and the slots while it is on; off, both are 0 and
 *     the limit is free + present pageable frames - so limit - charge is free - demand-zero
 *     pages, exactly the rule "free frames cover every untouched commit";
 *   - a commit of N charged pages needs N pages of limit beyond the charge, after the page
 *     tables it makes itself: else MM_ENOMEM, nothing changed (each personality's documented
 *     out-of-memory error);
 *   - non-pageable consumption - an ordinary frame allocation (pfn_alloc, pfn_alloc_run: page
 *     tables, directories, present commits, contiguous runs, held runs) - is refused when it
 *     would push the charge over the limit or leave pageable memory fewer frames than the
 *     reserve (pfn_available).  With the pager on, such an allocation first has pages written
 *     out when free frames are what stands in the way - and only then (pfn_room_for and its
 *     kin, mm/core/pager.c: a refused call pages nothing out).  Locking a pageable page takes
 *     its frame out of the pageable count only as far as the pager is concerned (it will not
 *     move it); the charge stays.
 *     Only the resolution of a charged page (PFN_ALLOC_CHARGED: fault.c, core_make_present in
 *     committed.c, the pager's page-in) may take any free frame, and that keeps limit - charge
 *     as it was (a frame leaves free for present pageable, or a resident demand-zero page
 *     stops being charged as its frame leaves free).
 * A demand-zero fault therefore finds a frame, or with the pager on can make one by writing a
 * page out; if it ever does not, that access fails the documented way (fault.c), never the
 * kernel.  The personalities report pfn_available() as what can still be allocated
 * (mm_available_frames).
 */
#include "mm/core/core.h"
#include "mm/core/pte_sw.h"

volatile uint32_t mm_demand_faults;
volatile uint32_t mm_demand_nomem;

static uint32_t pte_prot(pte_t e)
{
    return e & (MM_PROT_MASK | MM_CACHE_MASK);
}

/* Page tables for the whole range; on failure the ones just made are freed again. */
static bool ensure_tables(vaddr_t va, uint32_t npages)
{
    for_each_pte_span(s, va, npages) {
        if (s.pt) continue;                          /* the common case */
        if (!pte_ensure(s.va)) {
            pt_trim(va, npages);
            return false;
        }
    }
    return true;
}

void pt_trim(vaddr_t va, uint32_t npages)
{
    for_each_pte_span(s, va, npages) pte_trim(s.va);
}

/* A frame mm_map_physical may map at va with prot: the rights policy (pte.h) allows it - which
 * refuses free RAM (the allocator could hand it out under the mapping), page tables, the PFN
 * database, and W or U where the frame's class forbids them. */
static bool map_allowed(vaddr_t va, pfn_t f, uint32_t prot)
{
    return pte_rights_allow(va, f, prot);
}

/* RAM in use is mapped with a counted reference (the frame outlives its other mappings); I/O
 * space, firmware RAM and the kernel's own frames (image, pool: never freed) are mapped raw. */
static inline bool map_counted(pfn_t f)
{
    struct pfn *r = pfn_get(f);
    return r && r->state == PFN_USED;
}

/* MM_EEXIST if a page of the range is committed.  With the pager on, room for the page tables
 * the range lacks is made here too (pfn_room_for), so the caller calls it before it looks at any
 * page or frame (pte.h: pte_ensure never pages out) - or looks again if *paged says pages left. */
static mm_status check_uncommitted(vaddr_t va, uint32_t npages, bool *paged)
{
    uint32_t tables = 0;
    if (paged) *paged = false;
    for_each_pte_span(s, va, npages) {
        tables += !s.pt && !pde_large(s.pde);
        for (uint32_t i = 0; s.pt && i < s.n; i++)
            if (pte_is_committed(s.pt[i])) return MM_EEXIST;
    }
    if (tables && pfn_available() < tables) {
        pfn_room_for(tables);
        if (paged) *paged = true;
    }
    return MM_OK;
}

static mm_status check_committed(vaddr_t va, uint32_t npages)
{
    return core_check_committed(va, npages, NULL);
}

static bool frame_ok(pfn_t f, const struct mm_frame_req *q)
{
    return f >= q->min && f < q->max && !(f & (q->align - 1));
}

/* ---- commit --------------------------------------------------------------------------------- */

/* The commit limit and charge: see the top of this file. */
uint32_t mm_commit_limit(void) { return pfn_commit_limit(); }
uint32_t mm_commit_charge(void) { return pfn_count.charged; }

/* Can n more charged pages be committed? */
static bool commit_fits(uint32_t n)
{
    uint32_t limit = mm_commit_limit();
    return limit >= pfn_count.charged && limit - pfn_count.charged >= n;
}

/* n frames for a present commit into frames[]; false, with none taken, when they cannot be had. */
static bool alloc_frames(pfn_t *frames, uint32_t n, uint32_t flags, const struct mm_frame_req *req)
{
    uint32_t zf = PFN_ALLOC_ZERO;                    /* every commit is zero-filled */
    if (flags & MM_COMMIT_CONTIG) {
        struct mm_frame_req any = { 0, PFN_NONE, 1, 0 };
        const struct mm_frame_req *q = req ? req : &any;
        pfn_t s = pfn_alloc_run_room(n, q->align ? q->align : 1, q->min, q->max, q->boundary, zf);
        if (s == PFN_NONE) return false;
        for (uint32_t i = 0; i < n; i++) frames[i] = s + i;
        return true;
    }
    if (req) pfn_room_in(n, req->min, req->max);
    else pfn_room_for(n);
    for (uint32_t i = 0; i < n; i++) {
        frames[i] = req ? pfn_alloc_run(1, 1, req->min, req->max, 0, zf) : pfn_alloc(zf);
        if (frames[i] == PFN_NONE) {
            while (i--) pfn_free(frames[i]);
            return false;
        }
    }
    return true;
}

/* The pages of [va, va + npages) not committed yet (a page without a table counts as not
 * committed), and in *tables the page tables the range still lacks; -1u when a page is
 * committed and `skip` is false. */
static inline uint32_t count_uncommitted(vaddr_t va, uint32_t npages, bool skip, uint32_t *tables)
{
    uint32_t todo = 0;
    *tables = 0;
    for_each_pte_span(s, va, npages) {
        if (!s.pt) {
            todo += s.n;
            *tables += !pde_large(s.pde);
        }
        for (uint32_t i = 0; s.pt && i < s.n; i++) {
            if (!pte_is_committed(s.pt[i])) todo++;
            else if (!skip) return ~0u;
        }
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
    if ((flags & MM_COMMIT_PRESENT) || req) flags &= ~MM_COMMIT_PAGEABLE;   /* resident pages */
    if ((flags & MM_COMMIT_CONTIG) && (flags & MM_COMMIT_SKIP)) return MM_EINVAL;
    /* Every frame a commit takes is zeroed, whatever the caller asked (freed frames
     * never reach a user mapping unzeroed).  Zeroing only ring-3 commits is not enough: a page
     * committed for ring 0 can be granted to ring 3 later (_PageModifyPermissions(PC_USER)),
     * aliased into a process (VMGlobalToProcess) or mapped there by frame (_PageCommitPhys,
     * VMAlloc(VMDHA_PHYS)); and zeroing at that moment would wipe what the owner wrote since.
     * So no frame ever shows a previous owner's data: every commit is zero-filled, there is no flag for it. */
    uint32_t tables, todo = count_uncommitted(va, npages, flags & MM_COMMIT_SKIP, &tables);
    if (todo == ~0u) return MM_EEXIST;
    if (!todo) return MM_OK;
    /* With the pager on, frames that stand in the way are written out first (pfn_room_for):
     * resident pages are not pageable, nor are the tables - but only when that is enough, so a
     * commit refused anyway sends no page to swap.  A charged commit that cannot fit after its
     * tables is refused here, before a table is made. */
    if (!(flags & MM_COMMIT_PRESENT)) {
        if (!commit_fits(todo + tables)) return MM_ENOMEM;
        if (tables && pfn_available() < tables) pfn_room_for(tables);
    } else if (pfn_obtainable() < todo + tables ||
               (!(flags & MM_COMMIT_CONTIG) && !req && pfn_count.free < todo + tables && !pfn_room_for(todo + tables))) {
        return MM_ENOMEM;
    }
    uint32_t bits = prot | ((flags & MM_COMMIT_PIN) ? PTE_SW_PIN : 0) | ((flags & MM_COMMIT_DIRTY) ? PTE_D : 0);
    if ((flags & MM_COMMIT_PRESENT) && !(flags & MM_COMMIT_CONTIG) && !req)
        return commit_any(va, npages, todo, bits, first_pfn);
    pfn_t *frames = NULL;
    if (flags & MM_COMMIT_PRESENT) {
        frames = kmalloc(todo * sizeof(pfn_t));
        if (!frames) return MM_ENOMEM;
        if (!alloc_frames(frames, todo, flags, req)) goto fail_list;
    }
    if (frames && tables && pfn_available() < tables) pfn_room_for(tables);   /* the frames are not pages yet */
    if (!ensure_tables(va, npages)) goto fail_frames;
    if (!frames && !commit_fits(todo)) goto fail_tables;   /* the tables are paid: the pages must fit too */
    for (uint32_t i = 0, k = 0; i < npages; i++) {
        vaddr_t v = va + i * PAGE_SIZE;
        if (pte_is_committed(pte_read(v))) continue;
        if (frames) pte_install(v, pte_make(v, frames[k++], bits));
        else pte_set_np(v, PTE_NP_DEMAND | prot | ((flags & MM_COMMIT_PAGEABLE) ? PTE_SW_PAGEABLE : 0));
    }
    if (first_pfn) *first_pfn = frames ? frames[0] : PFN_NONE;
    kfree(frames);
    return MM_OK;

fail_tables:                                     /* frames is NULL here: demand-zero */
    pt_trim(va, npages);
fail_frames:
    for (uint32_t i = 0; frames && i < todo; i++) pfn_free(frames[i]);
fail_list:
    kfree(frames);
    return MM_ENOMEM;
}

/* Frame i of a mapping request: list[i], or first + i * step. */
struct frames { const pfn_t *list; pfn_t first; uint32_t step; };
static inline pfn_t frame_i(const struct frames *fr, uint32_t i) { return fr->list ? fr->list[i] : fr->first + i * fr->step; }

/* mm_map_physical and mm_map_frames: every check made before the first PTE is written, so a
 * frame refused anywhere in the request leaves nothing mapped. */
static mm_status map_frames(vaddr_t va, uint32_t npages, const struct frames *fr, uint32_t prot)
{
    mm_status st = check_uncommitted(va, npages, NULL);   /* first: it may make room (pte.h) */
    if (st != MM_OK) return st;
    for (uint32_t i = 0; i < npages; i++)
        if (!map_allowed(va + i * PAGE_SIZE, frame_i(fr, i), prot)) return MM_EACCES;
    if (!ensure_tables(va, npages)) return MM_ENOMEM;
    for (uint32_t i = 0; i < npages; i++) {
        pfn_t f = frame_i(fr, i);
        vaddr_t v = va + i * PAGE_SIZE;
        pte_install(v, pte_make(v, f, prot | (map_counted(f) ? 0 : PTE_SW_RAW)));
    }
    return MM_OK;
}

mm_status mm_map_physical(vaddr_t va, uint32_t npages, pfn_t first, uint32_t step, uint32_t prot)
{
    if (!core_range_mappable(va, npages) || step > 1 || (prot & ~(MM_PROT_MASK | MM_CACHE_MASK)) ||
        (step && first + (npages - 1) < first) || first + (npages - 1) * step > 0xFFFFFu)
        return MM_EINVAL;
    struct frames fr = { NULL, first, step };
    return map_frames(va, npages, &fr, prot);
}

/* mm_map_physical for frames that are not consecutive (an MDL's PFN array). */
mm_status mm_map_frames(vaddr_t va, uint32_t npages, const pfn_t *frames, uint32_t prot)
{
    if (!frames || !core_range_mappable(va, npages) || (prot & ~(MM_PROT_MASK | MM_CACHE_MASK)))
        return MM_EINVAL;
    for (uint32_t i = 0; i < npages; i++)
        if (frames[i] > 0xFFFFFu) return MM_EINVAL;
    struct frames fr = { frames, 0, 0 };
    return map_frames(va, npages, &fr, prot);
}

/* Every present source page's frame may be shown at dst with prot (pte.h's policy); pages still
 * demand-zero get fresh frames of their own, which may. */
static mm_status rights_for_copy(vaddr_t dst, vaddr_t src, uint32_t npages, uint32_t prot)
{
    for_each_pte_span(s, src, npages)
        for (uint32_t i = 0; s.pt && i < s.n; i++)
            if ((s.pt[i] & PTE_P) && !pte_rights_allow(dst + (s.done + i) * PAGE_SIZE, pte_pfn(s.pt[i]), prot))
                return MM_EACCES;
    return MM_OK;
}

mm_status mm_alias(vaddr_t dst, vaddr_t src, uint32_t npages, uint32_t prot)
{
    if (!core_range_mappable(dst, npages) || !core_range_mappable(src, npages) ||
        (prot & ~(MM_PROT_MASK | MM_CACHE_MASK)))
        return MM_EINVAL;
    pte_t all;
    bool paged;
    mm_status st = core_check_committed(src, npages, &all);
    if (st == MM_OK) st = check_uncommitted(dst, npages, &paged);
    if (st == MM_OK && paged) core_check_committed(src, npages, &all);   /* some may be in swap now */
    if (st == MM_OK) st = rights_for_copy(dst, src, npages, prot);
    if (st != MM_OK) return st;
    if (!ensure_tables(dst, npages)) return MM_ENOMEM;   /* pages nothing out: `all` still holds */
    if (!(all & PTE_P)) {
        st = core_make_present(src, npages);   /* all or nothing; nothing pages out after it */
        if (st != MM_OK) {
            pt_trim(dst, npages);
            return st;
        }
    }
    /* Both ranges' tables exist now, so the source's entries are consecutive in the self-map. */
    pte_install_copy(dst, npages, MiGetPteAddress(src), PTE_FRAME | PTE_SW_RAW, pte_make(dst, 0, prot));
    return MM_OK;
}

/* ---- decommit --------------------------------------------------------------------------------- */

/* A page's linear locks die with it; frames that other owners lock (records) or hold outlive
 * their last mapping, unmapped, until those owners let go (pfn_unlock / the hold).  So a
 * decommit is never refused because of a lock: the lock protects the frame, not the page. */
void core_decommit(vaddr_t va, uint32_t npages)
{
    lock_drop_linear(va, npages);
    pte_clear_range(va, npages);
}

mm_status mm_decommit(vaddr_t va, uint32_t npages)
{
    if (!core_range_mappable(va, npages)) return MM_EINVAL;
    core_decommit(va, npages);
    return MM_OK;
}

/* ---- release: a region's pages, then its record ---------------------------------------------- */

mm_status mm_release(struct region *r)
{
    if (!r) return MM_EINVAL;
    struct as *prev = core_current_as;
    if (r->as && r->as != prev) core_switch_as(r->as);
    core_decommit(r->base, r->npages);       /* never refused: locks keep frames, not pages */
    core_switch_as(prev);
    region_forget(r);
    return MM_OK;
}

/* ---- protection ------------------------------------------------------------------------------ */

mm_status mm_protect(vaddr_t va, uint32_t npages, uint32_t and_mask, uint32_t or_mask, uint32_t *old_first)
{
    if (!core_range_mappable(va, npages)) return MM_EINVAL;
    mm_status st = check_committed(va, npages);
    if (st != MM_OK) return st;
    and_mask |= ~MM_PROT_MASK;
    or_mask &= MM_PROT_MASK;
    for_each_pte_span(s, va, npages)                    /* the rights policy, before any change */
        for (uint32_t i = 0; s.pt && i < s.n; i++)
            if ((s.pt[i] & PTE_P) && !pte_rights_allow(s.va + i * PAGE_SIZE, pte_pfn(s.pt[i]),
                                                       ((s.pt[i] & and_mask) | or_mask) & MM_PROT_MASK))
                return MM_EACCES;
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

bool mm_range_locked(vaddr_t va, uint32_t npages)
{
    for_each_pte_span(s, va, npages)
        for (uint32_t i = 0; s.pt && i < s.n; i++) {
            struct pfn *r = (s.pt[i] & PTE_P) ? pfn_get(pte_pfn(s.pt[i])) : NULL;
            if (r && r->state == PFN_USED && r->lock_count != r->pins) return true;
        }
    return false;
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

/* Pages [va, va + npages) get frames s + i (contents copied, PTE flags kept), or - when
 * each is set - the frames each[i].  Every page was checked movable; no refusal from here on. */
static void move_pages(vaddr_t va, uint32_t npages, pfn_t s, const pfn_t *each)
{
    for (uint32_t i = 0; i < npages; i++) {
        vaddr_t v = va + i * PAGE_SIZE;
        pte_t e = pte_read(v);
        pfn_t to = each ? each[i] : s + i;
        if (to == PFN_NONE) continue;
        void *dst = hyper_map(to), *src = hyper_map(pte_pfn(e));
        memcpy(dst, src, PAGE_SIZE);                 /* frame to frame: v may be a user page (SMAP) */
        hyper_unmap(src);
        hyper_unmap(dst);
        pte_remap(v, (e & ~PTE_FRAME) | (to << PAGE_SHIFT));
    }
}

/* Where `need` says so (need == NULL: every page), the present pages are movable - the one
 * predicate: no lock of any owner, no fixed pin, no hold, no other mapping.  A page still
 * demand-zero is: its frame will be a fresh one.  Reads only. */
static mm_status relocatable(vaddr_t va, uint32_t npages, const bool *need)
{
    for (uint32_t i = 0; i < npages; i++) {
        pte_t e = pte_read(va + i * PAGE_SIZE);
        if ((!need || need[i]) && (e & PTE_P) && ((e & PTE_SW_RAW) || !pfn_movable(pte_pfn(e))))
            return MM_EBUSY;                         /* locked, fixed, held or seen elsewhere */
    }
    return MM_OK;
}

/* Every check and every allocation before the first change: a refused call changes nothing. */
mm_status mm_make_contiguous(vaddr_t va, uint32_t npages, const struct mm_frame_req *req)
{
    struct mm_frame_req q = req ? *req : (struct mm_frame_req){ 0, PFN_NONE, 1, 0 };
    if (!q.align) q.align = 1;
    if (!core_range_mappable(va, npages)) return MM_EINVAL;
    mm_status st = check_committed(va, npages);
    if (st != MM_OK) return st;
    uint32_t absent = core_absent(va, npages);
    if (!absent && run_ok(va, npages, &q)) return MM_OK;
    st = relocatable(va, npages, NULL);
    if (st != MM_OK) return st;
    pfn_t s;
    CORE_KEEP(va, npages, s = pfn_alloc_run_room(npages, q.align, q.min, q.max, q.boundary, 0));
    if (s == PFN_NONE) return MM_ENOMEM;
    if (core_make_present(va, npages) != MM_OK) {    /* demand-zero pages: fresh frames first */
        for (uint32_t i = 0; i < npages; i++) pfn_free(s + i);
        return MM_ENOMEM;
    }
    move_pages(va, npages, s, NULL);
    return MM_OK;
}

mm_status mm_make_eligible(vaddr_t va, uint32_t npages, const struct mm_frame_req *req)
{
    if (!core_range_mappable(va, npages) || !req) return MM_EINVAL;
    mm_status st = check_committed(va, npages);
    if (st != MM_OK) return st;
    pfn_t *to = kmalloc(npages * sizeof(pfn_t));
    bool *need = kmalloc(npages);
    uint32_t moves = 0;
    st = to && need ? MM_OK : MM_ENOMEM;
    for (uint32_t i = 0; st == MM_OK && i < npages; i++) {
        pte_t e = pte_read(va + i * PAGE_SIZE);        /* a demand-zero page moves too: any frame */
        need[i] = !(e & PTE_P) || !(pte_pfn(e) >= req->min && pte_pfn(e) < req->max);
        moves += need[i];
        to[i] = PFN_NONE;
    }
    if (st == MM_OK && moves) st = relocatable(va, npages, need);
    if (st == MM_OK && moves) CORE_KEEP(va, npages, pfn_room_in(moves, req->min, req->max));   /* need[] stays true */
    for (uint32_t i = 0; st == MM_OK && moves && i < npages; i++) {
        if (!need[i]) continue;
        to[i] = pfn_alloc_run(1, 1, req->min, req->max, 0, 0);
        if (to[i] == PFN_NONE) st = MM_ENOMEM;
    }
    if (st == MM_OK && moves) st = core_make_present(va, npages);
    if (st == MM_OK && moves) move_pages(va, npages, 0, to);
    for (uint32_t i = 0; st != MM_OK && to && need && i < npages; i++)
        if (to[i] != PFN_NONE) pfn_free(to[i]);
    kfree(to);
    kfree(need);
    return st;
}

/* ---- queries ----------------------------------------------------------------------------------- */

uint32_t mm_scan_committed(vaddr_t va, uint32_t npages, uint32_t *first_absent)
{
    uint32_t done = npages, absent = npages;
    for_each_pte_span(s, va, npages) {
        if (!s.pt && pde_large(s.pde)) continue;     /* a 4 MiB page: committed and present */
        uint32_t i = 0;                              /* no table: nothing committed here */
        for (; s.pt && i < s.n && pte_is_committed(s.pt[i]); i++)
            if (!(s.pt[i] & PTE_P) && absent == npages) absent = s.done + i;
        if (i < s.n) {
            done = s.done + i;
            break;
        }
    }
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
        o->pfn = pde_large_pfn(pde) + PTI(va);
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
            o->counted = !(e & PTE_SW_RAW);
            o->pinned = e & PTE_SW_PIN;
            struct pfn *r = pfn_get(o->pfn);
            o->locks = r ? r->lock_count : 0;
            o->pins = r && r->state == PFN_USED ? r->pins : 0;
            o->linear_locks = mm_linear_locks(va);
        }
    } else if (o->region || (va >= SYSPTE_START && va < SYSPTE_END && syspte_range_allocated(va, 1))) {
        o->state = PAGE_RESERVED;
    }
}

/* A page of a 4 MiB mapping as the 4 KiB PTE that would map it (mm_copy_ptes). */
static pte_t large_as_pte(vaddr_t va, pte_t pde)
{
    pfn_t f = pde_large_pfn(pde) + PTI(va);
    return (f << PAGE_SHIFT) | (pde & (0xFFFu & ~PDE_PS)) | ((pde & PDE_PAT_LARGE) ? PTE_PAT : 0);
}

bool mm_copy_ptes(vaddr_t va, uint32_t npages, uint32_t *out)
{
    for_each_pte_span(s, va, npages)
        if (!(s.pde & PTE_P)) return false;
    if (!out) return true;
    for_each_pte_span(s, va, npages)
        for (uint32_t i = 0; i < s.n; i++) {
            pte_t e = s.pt ? s.pt[i] : large_as_pte(s.va + i * PAGE_SIZE, s.pde);
            x86_user_access_begin();
            out[s.done + i] = e;
            x86_user_access_end();
        }
    return true;
}

bool mm_frame_is_ram(pfn_t p) { return pfn_is_ram(p); }
uint32_t mm_frame_locks(pfn_t p) { struct pfn *r = pfn_get(p); return r ? r->lock_count : 0; }
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
    pfn_t s = pfn_alloc_run_room(n, q.align ? q.align : 1, q.min, q.max, q.boundary, PFN_ALLOC_ZERO);
    for (uint32_t i = 0; s != PFN_NONE && i < n; i++) pfn_hold(s + i);
    return s;
}

mm_status mm_pin_table(vaddr_t va)
{
    return pte_pin_table(va) ? MM_OK : MM_ENOMEM;
}
