/*
 * pool.c - the kernel pool: small records (regions, lock records, MDLs, address spaces).
 *
 * A fixed window at KPOOL_BASE is backed at boot with frames proportional to memory (1/64 of
 * RAM, 64 KiB .. 4 MiB), so the pool never takes frames after boot: the free-frame count a
 * test sees is not disturbed by the pool, and pool exhaustion is a plain NULL.  Blocks are
 * first-fit from an address-ordered free list with neighbours merged on free: simple, and the
 * pool is small.
 */
#include "mm/mm.h"
#include "mm/core/pte.h"
#include "mm/core/pte_sw.h"

struct blk { uint32_t size; struct blk *next; uint32_t magic, pad; };   /* 16 bytes */
#define BLK_FREE 0xF4EEB10Cu
#define BLK_USED 0xA110CA7Eu

static struct blk *free_list;
static uint32_t pool_bytes, used_bytes;

void kpool_init(void)
{
    uint32_t pages = pfn_count.total / 64;
    pages = MAX(pages, 16u);
    pages = MIN(pages, (KPOOL_END - KPOOL_BASE) / PAGE_SIZE);
    pages = MIN(pages, 1024u);
    for (uint32_t i = 0; i < pages; i++) {
        vaddr_t va = KPOOL_BASE + i * PAGE_SIZE;
        pfn_t f = pfn_alloc(0);
        if (f == PFN_NONE || !pte_ensure(va)) panic("kpool: no memory for %u pages", pages);
        pfn_db[f].state = PFN_SYSTEM;
        pfn_db[f].flags |= PFNF_KPOOL;
        pfn_count.used--;
        pfn_count.system++;
        pte_install(va, pte_make(va, f, PTE_W | PTE_SW_RAW));
    }
    pool_bytes = pages * PAGE_SIZE;
    free_list = (struct blk *)KPOOL_BASE;
    *free_list = (struct blk){ pool_bytes, NULL, BLK_FREE, 0 };
}

void *kmalloc(size_t n)
{
    if (!n || n > pool_bytes) return NULL;
    uint32_t need = ((n + 15) & ~15u) + sizeof(struct blk);
    for (struct blk **pp = &free_list; *pp; pp = &(*pp)->next) {
        struct blk *b = *pp;
        if (b->size < need) continue;
        if (b->size - need >= 2 * sizeof(struct blk)) {      /* split */
            struct blk *rest = (struct blk *)((uint8_t *)b + need);
            *rest = (struct blk){ b->size - need, b->next, BLK_FREE, 0 };
            b->size = need;
            *pp = rest;
        } else {
            *pp = b->next;
        }
        b->magic = BLK_USED;
        b->next = NULL;
        used_bytes += b->size;
        return b + 1;
    }
    return NULL;
}

void *kzalloc(size_t n)
{
    void *p = kmalloc(n);
    if (p) memset(p, 0, n);
    return p;
}

void kfree(void *p)
{
    if (!p) return;
    struct blk *b = (struct blk *)p - 1;
    if (b->magic != BLK_USED) panic("kfree(%p): not a live pool block (magic %08x)", p, b->magic);
    b->magic = BLK_FREE;
    used_bytes -= b->size;
    struct blk **pp = &free_list;
    while (*pp && *pp < b) pp = &(*pp)->next;
    b->next = *pp;
    *pp = b;
    if (b->next && (uint8_t *)b + b->size == (uint8_t *)b->next) {        /* merge right */
        b->size += b->next->size;
        b->next = b->next->next;
    }
    if (pp != &free_list) {                                                /* merge left */
        struct blk *prev = (struct blk *)((uint8_t *)pp - offsetof(struct blk, next));
        if ((uint8_t *)prev + prev->size == (uint8_t *)b) {
            prev->size += b->size;
            prev->next = b->next;
        }
    }
}

uint32_t kpool_used(void) { return used_bytes; }
