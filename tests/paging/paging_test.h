/*
 * paging_test.h - what the paging/ tests share: page patterns that differ per slot and per boot
 * (so data left on the disk by an earlier run or test cannot pass for this one's), the PIT
 * stopwatch in milliseconds, and the "is there a swap disk" preamble.
 */
#ifndef TESTS_PAGING_TEST_H
#define TESTS_PAGING_TEST_H
#include "tests/harness/test.h"
#include "drivers/ata.h"
#include "drivers/swapdev.h"
#include "drivers/console.h"
#include "mm/mm.h"
#include "mm/x86.h"

/* A salt from the PIT clock, taken once: every boot writes different bytes. */
static inline uint32_t paging_salt(void)
{
    static uint32_t salt;
    if (!salt) salt = (pit_clock() * 2654435761u) | 1;
    return salt;
}

/* Word i of the pattern for tag (a slot, or a sector number): xorshift over tag, i and salt. */
static inline uint32_t pattern_word(uint32_t tag, uint32_t i)
{
    uint32_t x = (tag * 0x9E3779B9u) ^ (i * 0x85EBCA6Bu) ^ paging_salt();
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

/* Fills bytes bytes at p with the pattern of tag (bytes a multiple of 4). */
static inline void pattern_fill(void *p, uint32_t bytes, uint32_t tag)
{
    uint32_t *w = p;
    for (uint32_t i = 0; i < bytes / 4; i++) w[i] = pattern_word(tag, i);
}

/* The index of the first word that differs from the pattern, or -1. */
static inline int pattern_mismatch(const void *p, uint32_t bytes, uint32_t tag)
{
    const uint32_t *w = p;
    for (uint32_t i = 0; i < bytes / 4; i++)
        if (w[i] != pattern_word(tag, i)) return (int)i;
    return -1;
}

/* Fills / checks the pages [va, va + n) with the pattern of tag + page index (ring 0: a user
 * page is written in a user-access window). */
static inline void fill_pages(vaddr_t va, uint32_t n, uint32_t tag)
{
    for (uint32_t i = 0; i < n; i++) {
        x86_user_access_begin();
        pattern_fill((void *)(va + i * PAGE_SIZE), PAGE_SIZE, tag + i);
        x86_user_access_end();
    }
}

static inline int check_pages(vaddr_t va, uint32_t n, uint32_t tag)
{
    for (uint32_t i = 0; i < n; i++) {
        x86_user_access_begin();
        int bad = pattern_mismatch((const void *)(va + i * PAGE_SIZE), PAGE_SIZE, tag + i);
        x86_user_access_end();
        if (bad >= 0) return (int)i;
    }
    return -1;
}

/* Reads one word of each page (read faults only). */
static inline void read_pages(vaddr_t va, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        x86_user_access_begin();
        (void)*(volatile uint32_t *)(va + i * PAGE_SIZE);
        x86_user_access_end();
    }
}

/* Pages to commit so that the total passes RAM by a quarter and is 32 MiB at least (at -m 8M
 * with a 64 MiB swap disk: four times RAM), within what swap can hold. */
static inline uint32_t more_than_ram(void)
{
    uint32_t n = MAX(mm_total_frames() + mm_total_frames() / 4, (32u << 20) / PAGE_SIZE);
    uint32_t limit = mm_commit_limit() - mm_commit_charge();
    return n < limit - 256 ? n : limit - 256;
}

static inline uint32_t elapsed_ms(uint32_t t0) { return (pit_clock() - t0) / PIT_TICKS_PER_MS; }

#define NEED_SWAP() do { if (!swapdev_present()) SKIP("no swap disk"); } while (0)
/* The pager as a test found it: on from boot with a swap disk (kernel/main.c) unless `nopager`.
 * PAGER_ON turns it on for the test; pager_restore turns it off again only if the test turned
 * it on (the harness fails a test that leaves it otherwise).  MM_EBUSY while a page is in swap. */
static bool pager_was_on;
#define PAGER_ON()                                          \
    do {                                                    \
        NEED_SWAP();                                        \
        pager_was_on = mm_pager_on();                       \
        CHECK_EQ(mm_pager_enable(), MM_OK);                 \
    } while (0)
static inline mm_status pager_restore(void) { return pager_was_on ? MM_OK : mm_pager_disable(); }
/* The end of a test that turned the pager on: its failure so far (err), else the pager as the
 * test found it, mm_check clean and every counter as at *start. */
#define PAGER_FINISH(err, start)                                                              \
    do {                                                                                      \
        const char *e_ = (err);                                                               \
        if (!e_ && pager_restore() != MM_OK) e_ = "mm_pager_disable refused after everything was freed"; \
        if (e_) {                                                                             \
            (void)pager_restore();                                                            \
            return e_;                                                                        \
        }                                                                                     \
        CHECK_MM_OK();                                                                        \
        CHECK_NOTHING_MOVED(start);                                                           \
        return PASS;                                                                          \
    } while (0)
#endif
