/*
 * check.c - mm_check(): the invariant checker.  It walks every page directory and the PFN
 * database and reports the first disagreement:
 *   - every directory maps itself at PDE 0x300, and nothing at 0xFFC00000+ (PDE 0x3FF);
 *   - the kernel half (PDEs 0x200-0x3FF but the self-map) is identical in every directory;
 *   - nothing is mapped at linear address 0;
 *   - a page table's PFN record counts exactly its non-zero entries;
 *   - a used frame's map_count equals the counted PTEs that reference it, and a used frame
 *     with no reference, hold or lock is an orphan (a leak);
 *   - no PTE maps a free frame, a page table or a directory;
 *   - every frame's lock_count is exactly what its owners hold: pinned mappings, linear locks
 *     (whose pages still map the frame they locked) and lock records (mm/core/lock.c); free frames
 *     are unlocked and unreferenced;
 *   - every private-arena entry lies inside a region of its address space;
 *   - the free and locked counters equal what the database says;
 *   - the commit charge equals the charged entries found (resident demand-zero pages, pageable
 *     pages in every state) and stays within the commit limit (mm/core/vm.c, top); the present
 *     pageable and swapped-out counts equal the entries found; no entry is in transition (only
 *     the pager makes one, for one transfer);
 *   - every swap slot in use has exactly one owner - a swapped-out entry or a used frame's
 *     record (a clean page's copy) - and every owner's slot is in use (slot.c).
 * Hyperspace (PDE 0x302) is skipped: the checker itself maps through it.
 */
#include "mm/core/core.h"
#include "mm/core/pte_sw.h"
#include "mm/core/slot.h"

#define PDE_AD (PTE_A | PTE_D)
static char *why_buf;
static size_t why_len;
static uint32_t demand_seen;        /* charged entries walked: the commit charge */
static uint32_t pageable_seen, swapped_seen, slots_seen;
static uint32_t slot_seen[SLOT_MAX / 32 + 1];   /* a bit per slot, for duplicates */

/* One owner of slot s found; false when s is not in use or has an owner already. */
static bool slot_owner(uint32_t s)
{
    slots_seen++;
    if (!slot_in_use(s)) return false;
    if (slot_seen[s / 32] & (1u << (s % 32))) return false;
    slot_seen[s / 32] |= 1u << (s % 32);
    return true;
}
#define FAIL(...) do { ksnprintf(why_buf, why_len, __VA_ARGS__); return false; } while (0)

static bool in_some_region(struct as *a, vaddr_t va)
{
    for (struct region *r = a->regions; r; r = r->next)
        if (va >= r->base && va < r->base + r->npages * PAGE_SIZE) return true;
    return false;
}

/* One page table's entries; `a` is set for private tables (region check). */
static bool check_table(const pte_t *pt, uint32_t pdi, struct pfn *tr, struct as *a)
{
    uint32_t nonzero = 0;
    for (uint32_t i = 0; i < PTES_PER_TABLE; i++) {
        pte_t e = pt[i];
        if (!e) continue;
        nonzero++;
        vaddr_t va = (pdi << 22) | (i << 12);
        if (va == 0) FAIL("linear address 0 has entry %08x", e);
        if (a && !in_some_region(a, va)) FAIL("as %u: %08x has entry %08x outside any region", a->id, va, e);
        if (!(e & PTE_P)) {
            if (syspte_is_header(va)) continue;         /* syspte.c: a header is no charge */
            demand_seen += pte_is_charged(e);
            if (pte_is_transition(e)) FAIL("%08x is in transition (%08x) outside the pager", va, e);
            if (pte_is_swapped(e)) {
                swapped_seen++;
                if (!(e & PTE_SW_PAGEABLE)) FAIL("%08x: swapped-out entry %08x is not pageable", va, e);
                if (!slot_owner(pte_slot(e))) FAIL("%08x: swapped to slot %u, which is not in use or has another owner", va, pte_slot(e));
            }
            continue;
        }
        if (e & PTE_SW_PAGEABLE) {
            demand_seen++;
            pageable_seen++;
            if (e & (PTE_SW_RAW | PTE_SW_PIN)) FAIL("%08x: pageable entry %08x is raw or pinned", va, e);
        }
        struct pfn *r = pfn_get(pte_pfn(e));
        if (!r || r->state == PFN_NOTRAM) continue;
        if (r->state == PFN_FREE || r->state == PFN_PAGETABLE || r->state == PFN_PAGEDIR)
            FAIL("%08x maps frame %x which is %s", va, pte_pfn(e), pfn_state_name(r->state));
        if (e & PTE_SW_PIN) {                            /* a pin is a lock its mapping owns */
            r->scratch++;
            if (r->state == PFN_USED) r->prev++;
        }
        if (!(e & PTE_SW_RAW)) {
            if (r->state != PFN_USED) FAIL("%08x: counted mapping of %s frame %x", va, pfn_state_name(r->state), pte_pfn(e));
            r->next++;                                   /* mappings */
        }
    }
    if (tr && tr->state == PFN_PAGETABLE && tr->map_count != nonzero)
        FAIL("page table for %08x counts %u entries, has %u", pdi << 22, tr->map_count, nonzero);
    return true;
}

static bool check_directory(struct as *a, const pte_t *kernel_half)
{
    pte_t *pd = hyper_map(a->pd);
    bool ok = true;
    /* The CPU sets A (and D, for the self-map, which is used as a PTE) in PDEs: ignore them. */
    if ((pd[SELFMAP_PDI] & ~PDE_AD) != ((a->pd << PAGE_SHIFT) | PTE_P | PTE_W)) {
        ksnprintf(why_buf, why_len, "as %u: self-map PDE is %08x", a->id, pd[SELFMAP_PDI]);
        ok = false;
    }
    for (uint32_t pdi = 512; ok && pdi < 1024; pdi++)
        if (pdi != SELFMAP_PDI && (pd[pdi] & ~PDE_AD) != (kernel_half[pdi - 512] & ~PDE_AD)) {
            ksnprintf(why_buf, why_len, "as %u: kernel PDE %x is %08x, expected %08x", a->id, pdi, pd[pdi], kernel_half[pdi - 512]);
            ok = false;
        }
    for (uint32_t pdi = 0; ok && pdi < 512; pdi++) {
        if (!pd[pdi]) continue;
        struct pfn *tr = pfn_get(pd[pdi] >> PAGE_SHIFT);
        if ((pd[pdi] & PDE_PS) || !tr || tr->state != PFN_PAGETABLE) {
            ksnprintf(why_buf, why_len, "as %u: private PDE %x = %08x is not a page table", a->id, pdi, pd[pdi]);
            ok = false;
            break;
        }
        pte_t *pt = hyper_map(pd[pdi] >> PAGE_SHIFT);
        ok = check_table(pt, pdi, tr, a);
        hyper_unmap(pt);
    }
    hyper_unmap(pd);
    return ok;
}

static bool check_kernel_half(const pte_t *kd)
{
    if (kd[1023 - 512]) FAIL("the permanently invalid region has PDE %08x", kd[1023 - 512]);
    for (uint32_t pdi = 512; pdi < 1023; pdi++) {
        pte_t pde = kd[pdi - 512];
        if (pdi == SELFMAP_PDI || pdi == PDI(HYPER_START) || !pde_table(pde)) continue;
        if (!check_table(MiGetPteAddress(pdi << 22), pdi, pfn_get(pde >> PAGE_SHIFT), NULL)) return false;
    }
    return true;
}

static bool check_frames(void)
{
    uint32_t nfree = 0, nlocked = 0, chunk_free = 0;
    for (pfn_t p = 0; p < pfn_max; p++) {
        struct pfn *r = &pfn_db[p];
        if (r->lock_count) nlocked++;
        chunk_free += r->state == PFN_FREE;
        if ((p + 1) % PFN_CHUNK == 0 || p + 1 == pfn_max) {
            if (chunk_free != pfn_chunk_free[p >> PFN_CHUNK_SHIFT])
                FAIL("chunk %x: %u free frames counted, %u recorded", p >> PFN_CHUNK_SHIFT, chunk_free,
                     pfn_chunk_free[p >> PFN_CHUNK_SHIFT]);
            chunk_free = 0;
        }
        if (r->state == PFN_FREE) {
            nfree++;
            if (r->map_count || r->lock_count || r->hold_count) FAIL("free frame %x has counts %u/%u/%u", p, r->map_count, r->lock_count, r->hold_count);
        } else if (r->state != PFN_NOTRAM) {
            if (r->scratch != r->lock_count)
                FAIL("frame %x (%s): lock_count %u, but its owners hold %u", p, pfn_state_name(r->state), r->lock_count, r->scratch);
            if (r->state != PFN_USED) continue;
            if (r->next != r->map_count) FAIL("frame %x: map_count %u, but %u mappings found", p, r->map_count, r->next);
            if (r->prev != r->pins) FAIL("frame %x: %u pins recorded, %u pinned mappings found", p, r->pins, r->prev);
            if (r->slot && !slot_owner(r->slot)) FAIL("frame %x: copy in slot %u, which is not in use or has another owner", p, r->slot);
            if (!r->map_count && !r->hold_count && !r->lock_count) FAIL("frame %x is used but nothing references it (orphan)", p);
        }
    }
    if (nfree != pfn_count.free) FAIL("free counter %u, database has %u free frames", pfn_count.free, nfree);
    if (nlocked != pfn_count.locked) FAIL("locked counter %u, database has %u locked frames", pfn_count.locked, nlocked);
    return true;
}

static bool check_all(const pte_t *kernel_half);

bool mm_check(char *why, size_t n)
{
    static pte_t kernel_half[512];
    why_buf = why;
    why_len = n;
    for (pfn_t p = 0; p < pfn_max; p++) {
        struct pfn *r = &pfn_db[p];
        if (r->state == PFN_FREE || r->state == PFN_NOTRAM) continue;
        r->scratch = 0;
        if (r->state == PFN_USED) r->next = r->prev = 0;
    }
    if (!lock_tally(why, n)) return false;
    memcpy(kernel_half, (pte_t *)PDE_BASE + 512, sizeof kernel_half);
    kernel_half[SELFMAP_PDI - 512] = 0;
    demand_seen = pageable_seen = swapped_seen = slots_seen = 0;
    if (slot_count()) memset(slot_seen, 0, sizeof slot_seen);
    return check_all(kernel_half);
}

static bool check_all(const pte_t *kernel_half)
{
    uint32_t nas = 0;
    for (struct as *a = as_first(); a; a = a->next, nas++)
        if (!check_directory(a, kernel_half)) return false;
    if (nas != pte_directory_count()) FAIL("%u address spaces but %u directories", nas, pte_directory_count());
    if (!check_kernel_half(kernel_half)) return false;
    if (demand_seen != pfn_count.charged || pfn_count.charged > pfn_commit_limit())
        FAIL("commit charge %u, but %u charged entries and a commit limit of %u", pfn_count.charged, demand_seen,
             pfn_commit_limit());
    if (pageable_seen != pfn_count.pageable || swapped_seen != pfn_count.swapped)
        FAIL("pager counts: %u present pageable and %u swapped recorded, %u and %u found", pfn_count.pageable,
             pfn_count.swapped, pageable_seen, swapped_seen);
    if (!check_frames()) return false;
    if (slots_seen != slot_used()) FAIL("swap slots: %u in use, %u owners found", slot_used(), slots_seen);
    return true;
}

/* ---- the counts a balanced sequence or a refused call leaves as they were (mm.h) --------------- */

void mm_counts_take(struct mm_counts *c)
{
    *c = (struct mm_counts){
        .free_frames = pfn_count.free,
        .locked_frames = pfn_count.locked,
        .syspte_free = syspte_free_count(),
        .pool_bytes = kpool_used(),
        .regions = mm_region_count(),
        .address_spaces = as_count(),
        .charged = pfn_count.charged,
    };
}

/* In the struct's order, so the first difference named is the first field that differs. */
static const struct { const char *name; size_t off; } count_fields[] = {
    { "free frames", offsetof(struct mm_counts, free_frames) },
    { "locked frames", offsetof(struct mm_counts, locked_frames) },
    { "free system PTEs", offsetof(struct mm_counts, syspte_free) },
    { "pool bytes", offsetof(struct mm_counts, pool_bytes) },
    { "regions", offsetof(struct mm_counts, regions) },
    { "address spaces", offsetof(struct mm_counts, address_spaces) },
    { "commit charge", offsetof(struct mm_counts, charged) },
};
_Static_assert(sizeof count_fields / sizeof count_fields[0] == sizeof(struct mm_counts) / sizeof(uint32_t),
               "every field of struct mm_counts has a name here");

bool mm_counts_equal(const struct mm_counts *a, const struct mm_counts *b, char *why, size_t n)
{
    for (size_t i = 0; i < ARRAY_SIZE(count_fields); i++) {
        uint32_t x = *(const uint32_t *)((const char *)a + count_fields[i].off);
        uint32_t y = *(const uint32_t *)((const char *)b + count_fields[i].off);
        if (x != y) {
            if (why && n) ksnprintf(why, n, "%s %u -> %u", count_fields[i].name, x, y);
            return false;
        }
    }
    if (why && n) why[0] = 0;
    return true;
}
