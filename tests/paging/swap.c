/*
 * tests/paging/swap.c - paging/...: the swap device the pager uses (drivers/swapdev.h): the
 * header check, slots written and read back (and found on the disk through other sector counts
 * and the other transfer command), and the write gate: slot 0, slots past the end, sectors
 * outside the area, unmarked sectors and forged handles are refused and nothing is written.
 * Without a swap disk these SKIP("no swap disk"); the matrix has configurations with one.
 */
#include "tests/core/mm/frames.h"
#include "tests/paging/paging_test.h"

static uint8_t page[PAGE_SIZE], page2[PAGE_SIZE];
#define BIG_BYTES (ATA_MAX_COUNT * ATA_SECTOR_SIZE)           /* one command's worth: 128 KiB */

static const char *header_case(uint64_t size, uint32_t max, uint32_t version, uint32_t slot,
                               int corrupt, uint32_t *area)
{
    memset(page, 0, ATA_SECTOR_SIZE);
    struct swap_header *h = (struct swap_header *)page;
    memcpy(h->magic, SWAP_MAGIC, SWAP_MAGIC_LEN);
    h->version = version;
    h->slot_size = slot;
    h->size = size;
    h->id = 0x0123456789ABCDEFull;
    if (corrupt >= 0) h->magic[corrupt] ^= 0x20;
    return swap_header_check(page, max, area);
}

TEST(paging_header_check, "paging/header-check")
{
    uint32_t area = 0;
    CHECK(!header_case(64u << 20, 131072, 1, 4096, -1, &area));
    CHECK_EQ(area, 131072);
    CHECK(!header_case(8192, 16, 1, 4096, -1, &area));                /* the smallest: one slot */
    CHECK_EQ(area, 16);
    area = 7;
    CHECK(header_case(64u << 20, 131071, 1, 4096, -1, &area));         /* a sector short */
    CHECK(header_case(64u << 20, 131072, 1, 4096, 0, &area));          /* magic */
    CHECK(header_case(64u << 20, 131072, 1, 4096, 15, &area));
    CHECK(header_case(64u << 20, 131072, 2, 4096, -1, &area));         /* version */
    CHECK(header_case(64u << 20, 131072, 0, 4096, -1, &area));
    CHECK(header_case(64u << 20, 131072, 1, 8192, -1, &area));         /* slot size */
    CHECK(header_case(4096, 131072, 1, 4096, -1, &area));              /* no slot */
    CHECK(header_case(0, 131072, 1, 4096, -1, &area));
    CHECK(header_case(8192 + 512, 131072, 1, 4096, -1, &area));        /* not whole pages */
    CHECK(header_case(1ull << 41, 0xFFFFFFFFu, 1, 4096, -1, &area));   /* 2^32 sectors */
    CHECK(header_case((1ull << 32) + 8192, 16, 1, 4096, -1, &area));   /* only the low word fits */
    CHECK_EQ(area, 7);                                                 /* untouched when refused */
    return PASS;
}

static void mbr_set(uint8_t *mbr, int p, uint8_t type, uint32_t start, uint32_t count)
{
    uint8_t *e = mbr + 446 + 16 * (p - 1);
    e[4] = type;
    for (int i = 0; i < 4; i++) {
        e[8 + i] = (uint8_t)(start >> 8 * i);
        e[12 + i] = (uint8_t)(count >> 8 * i);
    }
}

/* Which MBR entries may hold a swap area: in use, on the disk, overlapping no other entry. */
TEST(paging_mbr_entries, "paging/mbr-entries")
{
    static uint8_t mbr[512];
    uint32_t start = 1, count = 1;
    memset(mbr, 0, sizeof mbr);
    CHECK(!strcmp(swap_mbr_entry(mbr, 1, 32768, &start, &count), "no MBR"));
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    mbr_set(mbr, 1, 0x83, 2048, 8192);
    mbr_set(mbr, 2, 0x82, 10240, 16384);
    CHECK(!swap_mbr_entry(mbr, 1, 32768, &start, &count));
    CHECK(start == 2048 && count == 8192);
    CHECK(!swap_mbr_entry(mbr, 2, 32768, &start, &count));
    CHECK(start == 10240 && count == 16384);
    CHECK(!strcmp(swap_mbr_entry(mbr, 3, 32768, &start, &count), SWAP_MBR_EMPTY));
    CHECK(!strcmp(swap_mbr_entry(mbr, 0, 32768, &start, &count), "no such primary partition"));
    CHECK(!strcmp(swap_mbr_entry(mbr, 5, 32768, &start, &count), "no such primary partition"));
    CHECK(swap_mbr_entry(mbr, 2, 26623, &start, &count));              /* a sector past the disk */
    CHECK(!swap_mbr_entry(mbr, 2, 26624, &start, &count));             /* ends at the last one */
    mbr_set(mbr, 3, 0x83, 26623, 10);                                  /* overlaps 2's last sector */
    CHECK(!strcmp(swap_mbr_entry(mbr, 2, 65536, &start, &count), "overlaps another partition"));
    CHECK(!strcmp(swap_mbr_entry(mbr, 3, 65536, &start, &count), "overlaps another partition"));
    CHECK(!swap_mbr_entry(mbr, 1, 65536, &start, &count));
    mbr_set(mbr, 3, 0x83, 26624, 10);                                  /* adjacent: fine */
    CHECK(!swap_mbr_entry(mbr, 2, 65536, &start, &count));
    mbr_set(mbr, 4, 0x83, 100, 0xFFFFFFF0u);                           /* covers all, end wraps */
    CHECK(!strcmp(swap_mbr_entry(mbr, 2, 65536, &start, &count), "overlaps another partition"));
    mbr_set(mbr, 4, 0x00, 0, 0);
    mbr_set(mbr, 1, 0x83, 0xFFFFFFF0u, 0x20);                          /* start + count wraps */
    CHECK(swap_mbr_entry(mbr, 1, 0xFFFFFFFFu, &start, &count));
    CHECK(start == 10240 && count == 16384);                           /* untouched when refused */
    return PASS;
}

/* Whatever the boot found, the interface agrees with itself; without a device every call is
 * refused before any I/O. */
TEST(paging_probe_state, "paging/swapdev-state")
{
    struct swapdev_stats s0, s1;
    swapdev_get_stats(&s0);
    if (swapdev_present()) {
        const struct ata_swap *a = swapdev_area();
        CHECK(a && a->open);
        CHECK(ata_info(a->drive)->present);
        CHECK_EQ(swapdev_slots(), a->sectors / 8 - 1);
        CHECK(swapdev_slots() >= 1);
        CHECK(strcmp(swapdev_name(), "none"));
        CHECK(!strncmp(swapdev_name(), ata_drive_name(a->drive), strlen(ata_drive_name(a->drive))));
        return PASS;
    }
    CHECK(!swapdev_area());
    CHECK_EQ(swapdev_slots(), 0);
    CHECK(!strcmp(swapdev_name(), "none"));
    memset(page, 0x3C, sizeof page);
    CHECK_EQ(swapdev_read(1, page), ATA_E_NO_SWAP);
    CHECK_EQ(swapdev_write(1, page), ATA_E_NO_SWAP);
    for (size_t i = 0; i < sizeof page; i++) CHECK_EQ(page[i], 0x3C);
    swapdev_get_stats(&s1);
    CHECK_EQ(s1.refused, s0.refused + 2);
    CHECK_EQ(s1.reads, s0.reads);
    CHECK_EQ(s1.writes, s0.writes);
    CHECK_EQ(s1.read_errors + s1.write_errors, s0.read_errors + s0.write_errors);
    return PASS;
}

TEST(paging_header_on_disk, "paging/header-on-disk")
{
    NEED_SWAP();
    const struct ata_swap *a = swapdev_area();
    CHECK_EQ(ata_read(a->drive, a->start, 8, page), ATA_OK);
    const struct swap_header *h = (const struct swap_header *)page;
    CHECK(!memcmp(h->magic, SWAP_MAGIC, SWAP_MAGIC_LEN));
    CHECK_EQ(h->version, SWAP_VERSION);
    CHECK_EQ(h->slot_size, SWAP_SLOT_SIZE);
    CHECK(h->size == (uint64_t)a->sectors * ATA_SECTOR_SIZE);
    CHECK(h->size == ((uint64_t)swapdev_slots() + 1) * SWAP_SLOT_SIZE);
    CHECK(h->id == a->id);
    for (size_t i = sizeof *h; i < PAGE_SIZE; i++) CHECK_MSG(!page[i], "header page byte %u: %02x", i, page[i]);
    return PASS;
}

/* Slots 1-3 and the last slot, each its own pattern, counted. */
TEST(paging_slot_round_trip, "paging/slot-round-trip")
{
    NEED_SWAP();
    uint32_t n = swapdev_slots(), slots[] = { 1, 2, 3, n };
    struct swapdev_stats s0, s1;
    swapdev_get_stats(&s0);
    for (size_t i = 0; i < ARRAY_SIZE(slots); i++) {
        pattern_fill(page, PAGE_SIZE, slots[i]);
        CHECK_MSG(swapdev_write(slots[i], page) == ATA_OK, "write slot %u", slots[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(slots); i++) {
        memset(page, 0xEE, sizeof page);
        int r = swapdev_read(slots[i], page);
        CHECK_MSG(r == ATA_OK, "read slot %u: %s", slots[i], ata_err_name(r));
        int bad = pattern_mismatch(page, PAGE_SIZE, slots[i]);
        CHECK_MSG(bad < 0, "slot %u: word %d differs", slots[i], bad);
    }
    swapdev_get_stats(&s1);
    CHECK_EQ(s1.writes, s0.writes + 4);
    CHECK_EQ(s1.reads, s0.reads + 4);
    CHECK_EQ(s1.read_errors, s0.read_errors);
    CHECK_EQ(s1.write_errors, s0.write_errors);
    CHECK_EQ(s1.refused, s0.refused);
    return PASS;
}

/* One 256-sector write (the count register's 0) over slots 1-32, read back in one 256-sector
 * command, then sector by sector in commands of 3 with READ SECTORS (one sector per DRQ block),
 * then slot by slot: the data is on the disk, not in a buffer of the driver's. */
static const char *multi_sector(uint8_t *big);

/* The 128 KiB buffer is a system block of this test's, not static memory: the kernel image is
 * what a 3 MiB machine must hold. */
TEST(paging_multi_sector, "paging/multi-sector-round-trip")
{
    NEED_SWAP();
    if (swapdev_slots() < 32) SKIP("swap area smaller than 32 slots");
    struct region *r = sys_block(BIG_BYTES / PAGE_SIZE, MM_PROT_WRITE);
    if (!r) SKIP("no room for a 128 KiB buffer");
    const char *e = multi_sector((uint8_t *)r->base);
    mm_release(r);
    return e;
}

static const char *multi_sector(uint8_t *big)
{
    const struct ata_swap *a = swapdev_area();
    const struct ata_info *in = ata_info(a->drive);
    uint32_t lba = a->start + 8, pages = BIG_BYTES / PAGE_SIZE;
    for (uint32_t p = 0; p < pages; p++) pattern_fill(big + p * PAGE_SIZE, PAGE_SIZE, 1000 + p);
    CHECK_EQ(ata_write(a, lba, ATA_MAX_COUNT, big), ATA_OK);
    memset(big, 0, BIG_BYTES);
    CHECK_EQ(ata_read(a->drive, lba, ATA_MAX_COUNT, big), ATA_OK);
    for (uint32_t p = 0; p < pages; p++)
        CHECK_MSG(pattern_mismatch(big + p * PAGE_SIZE, PAGE_SIZE, 1000 + p) < 0, "256-sector read: page %u", p);

    uint16_t block = in->block;
    CHECK_EQ(ata_set_block(a->drive, 1), ATA_OK);
    memset(big, 0, BIG_BYTES);
    const char *why = NULL;
    for (uint32_t s = 0; s < ATA_MAX_COUNT && !why; s += 3) {
        uint32_t n = MIN(3u, ATA_MAX_COUNT - s);
        if (ata_read(a->drive, lba + s, n, big + s * ATA_SECTOR_SIZE)) why = "3-sector read failed";
    }
    CHECK_EQ(ata_set_block(a->drive, block), ATA_OK);
    CHECK(!why);
    for (uint32_t p = 0; p < pages; p++)
        CHECK_MSG(pattern_mismatch(big + p * PAGE_SIZE, PAGE_SIZE, 1000 + p) < 0, "3-sector reads: page %u", p);
    for (uint32_t p = 0; p < pages; p += 7) {
        memset(page, 0, sizeof page);
        CHECK_EQ(swapdev_read(1 + p, page), ATA_OK);
        CHECK_MSG(pattern_mismatch(page, PAGE_SIZE, 1000 + p) < 0, "slot %u", 1 + p);
    }
    return PASS;
}

/* The write gate: slot 0 (the header), slots past the end, sectors outside the area or in its
 * header page, and bad arguments are refused; the header and the sector after the area (when
 * the disk has one) are unchanged, and the last slot is still writable. */
TEST(paging_refuses, "paging/write-refuses-header-and-past-end")
{
    NEED_SWAP();
    const struct ata_swap *a = swapdev_area();
    const struct ata_info *in = ata_info(a->drive);
    uint32_t n = swapdev_slots(), first = a->start + 8, end = a->start + a->sectors;
    static uint8_t hdr[PAGE_SIZE], after[ATA_SECTOR_SIZE], after2[ATA_SECTOR_SIZE];
    bool has_after = end < in->sectors;
    CHECK_EQ(ata_read(a->drive, a->start, 8, hdr), ATA_OK);
    if (has_after) CHECK_EQ(ata_read(a->drive, end, 1, after), ATA_OK);
    struct swapdev_stats s0, s1;
    swapdev_get_stats(&s0);
    pattern_fill(page, PAGE_SIZE, 77);
    CHECK_EQ(swapdev_write(0, page), ATA_E_RANGE);
    CHECK_EQ(swapdev_write(n + 1, page), ATA_E_RANGE);
    CHECK_EQ(swapdev_write(0xFFFFFFFFu, page), ATA_E_RANGE);
    CHECK_EQ(swapdev_write(0x20000000u, page), ATA_E_RANGE);         /* slot * 8 wraps to 0 */
    CHECK_EQ(swapdev_write(1, NULL), ATA_E_INVALID);
    CHECK_EQ(swapdev_read(0, page2), ATA_E_RANGE);
    CHECK_EQ(swapdev_read(n + 1, page2), ATA_E_RANGE);
    swapdev_get_stats(&s1);
    CHECK_EQ(s1.refused, s0.refused + 7);
    CHECK_EQ(s1.writes, s0.writes);
    CHECK_EQ(s1.reads, s0.reads);
    /* The driver's own gate, below swapdev. */
    CHECK_EQ(ata_write(a, a->start, 8, page), ATA_E_RANGE);
    CHECK_EQ(ata_write(a, first - 1, 1, page), ATA_E_RANGE);
    CHECK_EQ(ata_write(a, first - 1, 2, page), ATA_E_RANGE);          /* straddles the header's end */
    CHECK_EQ(ata_write(a, end, 1, page), ATA_E_RANGE);
    CHECK_EQ(ata_write(a, end - 1, 2, page), ATA_E_RANGE);            /* straddles the area's end */
    CHECK_EQ(ata_write(a, 0xFFFFFFFFu, 1, page), ATA_E_RANGE);
    CHECK_EQ(ata_write(a, first, 0, page), ATA_E_INVALID);
    CHECK_EQ(ata_write(a, first, ATA_MAX_COUNT + 1, page), ATA_E_INVALID);
    CHECK_EQ(ata_write(a, first, 1, NULL), ATA_E_INVALID);
    if (a->start) CHECK_EQ(ata_write(a, 0, 1, page), ATA_E_RANGE);  /* the MBR */
    CHECK_EQ(ata_read(a->drive, a->start, 8, page2), ATA_OK);
    CHECK(!memcmp(hdr, page2, PAGE_SIZE));
    if (has_after) {
        CHECK_EQ(ata_read(a->drive, end, 1, after2), ATA_OK);
        CHECK(!memcmp(after, after2, ATA_SECTOR_SIZE));
    }
    /* The boundaries themselves are writable: the last sector and the last slot. */
    CHECK_EQ(ata_write(a, end - 1, 1, page), ATA_OK);
    CHECK_EQ(swapdev_write(n, page), ATA_OK);
    CHECK_EQ(swapdev_read(n, page2), ATA_OK);
    CHECK(!memcmp(page, page2, PAGE_SIZE));
    return PASS;
}

/* Only a header on the disk makes a handle: sectors inside the area that hold data, or a header
 * that claims more than the space it was found in, give none; a copy of the real handle, or any
 * other pointer, writes nothing. */
TEST(paging_no_handle_without_header, "paging/write-needs-a-header-on-disk")
{
    NEED_SWAP();
    const struct ata_swap *a = swapdev_area();
    uint32_t n = swapdev_slots(), slot1 = a->start + 8;
    int err = ATA_OK;
    const char *why = NULL;
    pattern_fill(page, PAGE_SIZE, 5);
    CHECK_EQ(swapdev_write(1, page), ATA_OK);
    CHECK(!ata_swap_open(a->drive, slot1, a->sectors - 8, &err, &why));
    CHECK_EQ(err, ATA_E_NO_SWAP);
    CHECK(why && why[0]);
    /* A header in slot 1 for an area one page larger than what follows it in the real area. */
    memset(page, 0, sizeof page);
    struct swap_header *h = (struct swap_header *)page;
    memcpy(h->magic, SWAP_MAGIC, SWAP_MAGIC_LEN);
    h->version = SWAP_VERSION;
    h->slot_size = SWAP_SLOT_SIZE;
    h->size = (uint64_t)n * SWAP_SLOT_SIZE + SWAP_SLOT_SIZE;
    h->id = 1;
    CHECK_EQ(swapdev_write(1, page), ATA_OK);
    err = ATA_OK;
    CHECK(!ata_swap_open(a->drive, slot1, a->sectors - 8, &err, &why));
    CHECK_EQ(err, ATA_E_NO_SWAP);
    pattern_fill(page, PAGE_SIZE, 5);
    CHECK_EQ(swapdev_write(1, page), ATA_OK);                          /* no header left behind */

    /* Reopening the real area returns the same handle, still open. */
    CHECK(ata_swap_open(a->drive, a->start, a->sectors, &err, NULL) == a);
    CHECK(a->open);

    struct ata_swap forged = *a;
    pattern_fill(page2, PAGE_SIZE, 6);
    CHECK_EQ(ata_write(&forged, slot1, 8, page2), ATA_E_NO_SWAP);
    CHECK_EQ(ata_write(NULL, slot1, 8, page2), ATA_E_NO_SWAP);
    CHECK_EQ(ata_write((const struct ata_swap *)page2, slot1, 8, page2), ATA_E_NO_SWAP);
    CHECK_EQ(swapdev_read(1, page2), ATA_OK);
    CHECK_EQ(pattern_mismatch(page2, PAGE_SIZE, 5), -1);
    return PASS;
}
