/*
 * tests/vxd/vmmcall.c - vxd/ddk-sample-... (seed 000's DDK sample) and vxd/vmmcall/...: VxD
 * assembly (tests/vxd/seed.asm) calling the VMM through `int 20h; dd id`, checked against what
 * the core says.
 */
#include "tests/vxd/vxd_test.h"

uint32_t vxd_seed_sample(uint32_t pgStart);
void vxd_asm_regs(uint32_t out[8]);
uint32_t vxd_asm_unknown(uint32_t out[3]);

struct vxd_tour {                       /* offsets: T_* in tests/vxd/seed.asm */
    uint32_t fpr_page, phys;
    uint32_t free[2], alloc[2], size[2], realloc[2];
    uint32_t reserve, commit, perm, query, lock[2], copy, physcommit, contig, decommit, frees[2];
    uint32_t nul, mapphys, allocinfo[2], fpr[4];
    uint32_t ptes[3];
    MEMORY_BASIC_INFORMATION mbi;
    DemandInfoStruc dpi;
};
_Static_assert(sizeof(struct vxd_tour) == 224, "struct vxd_tour must match T_SIZEOF in tests/vxd/seed.asm");
void vxd_asm_tour(struct vxd_tour *t);

TEST(vxd_seed000, "vxd/ddk-sample-lock-copypagetable-trace-unlock")
{
    /* A demand-paged block: the sample's _LinPageLock is what makes its pages present. */
    ULONG h = _PageAllocate(3, PG_SYS, 0, 0, 0, 0, NULL, 0);
    CHECK(h);
    CHECK_EQ(vt_pa(h), 0);
    uint32_t n0 = vxd_trace_count;
    CHECK_EQ(vxd_seed_sample(PG(h)), 0);
    CHECK_EQ(vxd_trace_count, n0 + 3);                   /* three Trace_Out lines */
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t printed = vxd_trace_values[(n0 + i) % VXD_TRACE_KEEP];
        CHECK(printed != 0);
        CHECK_EQ(printed, vt_pa(h + i * PAGE_SIZE));     /* what the core says, page by page */
        CHECK_EQ(vt_locks(h + i * PAGE_SIZE), 0);        /* the sample unlocked again */
        uint32_t *v = hyper_map(printed >> PAGE_SHIFT);  /* and it is really that frame */
        v[5] = 0x5EED0000 + i;
        hyper_unmap(v);
        CHECK_EQ(*(volatile uint32_t *)(h + i * PAGE_SIZE + 20), 0x5EED0000 + i);
    }
    CHECK_EQ(_PageFree((PVOID)h, 0), 1);
    /* The sample's error path: nothing committed there, so the lock fails at once. */
    ULONG r = _PageReserve(PR_SYSTEM, 3, 0);
    CHECK(r != VXD_ERR);
    n0 = vxd_trace_count;
    CHECK_EQ(vxd_seed_sample(PG(r)), 1);
    CHECK_EQ(vxd_trace_count, n0);
    CHECK_EQ(_PageFree((PVOID)r, 0), 1);
    return PASS;
}

TEST(vxd_vmmcall_regs, "vxd/vmmcall/registers-and-edx")
{
    uint32_t o[8];
    uint32_t ebp;
    __asm__ volatile("mov %%ebp, %0" : "=r"(ebp));
    struct mm_counts before;
    mm_counts_take(&before);
    vxd_asm_regs(o);
    CHECK(o[0] >= SYSTEM_START && o[0] < SYSTEM_END && !(o[0] & PAGE_MASK));
    CHECK_EQ(o[1], o[0]);                                /* EDX = EAX (Win 3.1 compatibility) */
    CHECK_EQ(o[2], 0xB0B0B0B0);
    CHECK_EQ(o[3], 0x51515151);
    CHECK_EQ(o[4], 0xD1D1D1D1);
    CHECK(o[5] < ebp);                                   /* vxd_asm_regs' own frame, below ours */
    CHECK_EQ(o[6], 0);                                   /* the arguments were popped */
    CHECK_EQ(o[7], 1);                                   /* _PageFree through VMMCall */
    CHECK_NOTHING_MOVED(&before);
    CHECK_EQ(_PageGetSizeAddr(o[0], 0), 0);              /* the handle is gone */
    return PASS;
}

TEST(vxd_vmmcall_unknown, "vxd/vmmcall/unknown-service")
{
    uint32_t o[3];
    CHECK_EQ(vxd_asm_unknown(o), 0x600D);                /* resumed after the ID */
    CHECK_EQ(o[0], 0);
    CHECK_EQ(o[1], 0);
    CHECK_EQ(o[2], 1);                                   /* CF */
    return PASS;
}

static const char *tour_checks(const struct vxd_tour *t, uint32_t free_before, uint32_t avail_before)
{
    CHECK_EQ(t->free[0], free_before);
    CHECK_EQ(t->free[1], avail_before);                  /* EDX: less what commit charges hold */
    CHECK(t->alloc[0] && t->alloc[0] == t->alloc[1]);
    CHECK_EQ(t->size[0], 2);
    CHECK_EQ(t->size[1], t->alloc[0]);
    CHECK(t->realloc[0] && t->realloc[0] == t->realloc[1] && t->realloc[0] != t->alloc[0]);
    CHECK(t->reserve != VXD_ERR && t->reserve >= SYSTEM_START);
    CHECK_EQ(t->commit, 1);
    CHECK_EQ(t->perm, PC_WRITEABLE);
    CHECK_EQ(t->query, 28);
    CHECK_EQ(t->mbi.mbi_BaseAddress, t->reserve);
    CHECK_EQ(t->mbi.mbi_AllocationBase, t->reserve);
    CHECK_EQ(t->mbi.mbi_State, MEM_COMMIT);
    CHECK_EQ(t->mbi.mbi_RegionSize, 2 * PAGE_SIZE);      /* both committed pages: same Protect */
    CHECK_EQ(t->lock[0], 1);
    CHECK_EQ(t->lock[1], 1);
    CHECK_EQ(t->copy, 1);
    CHECK(t->ptes[0] & PTE_P);
    CHECK(!(t->ptes[0] & PTE_W));                        /* _PageModifyPermissions took it away */
    CHECK(t->ptes[1] & PTE_W);
    CHECK_EQ(t->physcommit, 1);
    CHECK(t->contig != VXD_ERR && !(t->contig & PAGE_MASK));
    CHECK_EQ(t->decommit, 1);
    CHECK_EQ(t->frees[0], 1);
    CHECK_EQ(t->frees[1], 1);
    CHECK_EQ(t->nul, _GetNulPageHandle());
    CHECK(t->mapphys != VXD_ERR);
    CHECK_EQ(t->mapphys & PAGE_MASK, t->phys & PAGE_MASK);
    CHECK_EQ(t->dpi.DIPhys_Count, mm_total_frames());
    CHECK(t->allocinfo[0] > 0);
    CHECK_EQ(t->fpr[0], 1);
    CHECK(t->fpr[1] && t->fpr[1] != VXD_ERR);            /* the frame that went in flight */
    CHECK_EQ(t->fpr[2], 0);                              /* it landed on a not-present page */
    CHECK_EQ(t->fpr[3], 1);
    return PASS;
}

TEST(vxd_vmmcall_tour, "vxd/vmmcall/every-service")
{
    struct vxd_tour t;
    memset(&t, 0, sizeof t);
    ULONG fpr = vt_freephys_region(2);
    CHECK(fpr);
    t.fpr_page = PG(fpr);
    t.phys = 0x000F0010;                                 /* the BIOS ROM: firmware, not ours */
    struct mm_counts before;
    mm_counts_take(&before);
    uint32_t avail = mm_lockable_frames();
    vxd_asm_tour(&t);
    TRY(tour_checks(&t, before.free_frames, avail));
    /* The alias really shows physical 0xF0010. */
    uint32_t *rom = hyper_map(0xF0);
    uint32_t want = rom[4];
    hyper_unmap(rom);
    CHECK_EQ(*(volatile uint32_t *)t.mapphys, want);
    CHECK_EQ(vt_pa(fpr), 0);
    CHECK_EQ(vt_pa(fpr + PAGE_SIZE), 0);
    CHECK_NOTHING_MOVED(&before);
    CHECK(vt_freephys_region_drop(fpr));
    return PASS;
}
