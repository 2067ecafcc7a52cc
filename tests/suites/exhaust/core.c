/*
 * tests/suites/exhaust/core.c - what the exhaustion tests (exhaust/...) share: the driver that takes
 * an API until a one-unit request fails, asserting every failure is the documented one and
 * costs nothing, and the ballast that lets a 3.5 GiB machine run out of frames in seconds.
 *
 * Why ballast: API calls zero frames on the way in and poison them on the way out, about 10 us
 * a frame under QEMU TCG, and no API can even address all of 3.5 GiB (the system arena is
 * 718 MiB).  So all free frames but a few thousand are first taken straight from the frame
 * allocator, in physical runs; the API under test then takes the rest itself and its last calls
 * fail because no frame is left, exactly as they would after taking everything.
 */
#include "tests/suites/hostile/hostile.h"
#include "mm/core/pfn.h"

/* The handles and sizes of the exhaustion under way: tests run one at a time and each gives
 * everything back (exhaust_release) before the next one takes. */
static uint32_t ex_handles[EX_MAX], ex_sizes[EX_MAX];
static struct exhaust *ex_owner;

const char *exhaust_run(struct hrun *r, struct exhaust *x)
{
    char what[64];
    CHECK_MSG(!ex_owner || ex_owner == x, "%s: %s still holds what it took", x->what, ex_owner->what);
    ex_owner = x;
    x->h = ex_handles;
    x->size = ex_sizes;
    x->taken = x->calls = x->n = 0;
    for (uint32_t chunk = x->chunk; chunk;) {
        uint32_t h = 0, result = 0;
        x->calls++;
        if (x->faults_in) hrun_rebase(r);
        if (x->take(x, chunk, &h, &result)) {
            CHECK_MSG(x->n < EX_MAX, "%s: more than %u allocations", x->what, EX_MAX);
            x->h[x->n] = h;
            x->size[x->n++] = chunk;
            x->taken += chunk;
            hrun_rebase(r);
            continue;
        }
        if (x->faults_in) {                                  /* pages faulted in stay committed */
            r->base.free_frames = mm_free_frames();
            r->base.charged = mm_commit_charge();
        }
        ksnprintf(what, sizeof what, "%s of %u when exhausted", x->what, chunk);
        TRY(hrun_check(r, what, result, x->fail));
        chunk /= 2;
    }
    return PASS;
}

const char *exhaust_touch_all(vaddr_t va, uint32_t n, uint32_t tag)
{
    for (uint32_t i = 0; i < n; i++) uwrite(va + i * PAGE_SIZE + (i % 1024) * 4, tag ^ i);
    for (uint32_t i = 0; i < n; i++)
        CHECK_MSG(uread(va + i * PAGE_SIZE + (i % 1024) * 4) == (tag ^ i), "page %u of %08x", i, va);
    return PASS;
}

void exhaust_release(struct exhaust *x)
{
    while (x->n) {
        x->n--;
        x->give(x, x->h[x->n], x->size[x->n]);
    }
    if (ex_owner == x) ex_owner = NULL;
}

/* ---- ballast ------------------------------------------------------------------------------------ */

#define BALLAST_RUNS 4096
static struct { pfn_t first; uint32_t n; } runs[BALLAST_RUNS];
static uint32_t nruns;

uint32_t ballast_take(uint32_t keep)
{
    uint32_t taken = 0;
    for (pfn_t p = 0; p < pfn_max && mm_available_frames() > keep && nruns < BALLAST_RUNS; p++) {
        if (pfn_db[p].state != PFN_FREE) continue;
        pfn_t q = p;
        while (q < pfn_max && pfn_db[q].state == PFN_FREE) q++;
        uint32_t n = MIN(q - p, mm_available_frames() - keep);
        if (pfn_alloc_run(n, 1, p, p + n, 0, 0) != p) break;
        for (uint32_t i = 0; i < n; i++) pfn_hold(p + i);
        runs[nruns].first = p;
        runs[nruns++].n = n;
        taken += n;
        p = q;
    }
    return taken;
}

void ballast_release(void)
{
    bool poison = pfn_poison_on_free;
    pfn_poison_on_free = false;                 /* never written: still what they were when free */
    while (nruns) {
        nruns--;
        for (uint32_t i = 0; i < runs[nruns].n; i++) {
            pfn_t p = runs[nruns].first + i;
            pfn_db[p].hold_count--;
            pfn_free(p);
        }
    }
    pfn_poison_on_free = poison;
}
