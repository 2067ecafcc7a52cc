/*
 * tests/paging/ata.c - paging/...: the ATA driver below the swap device: error decoding, the
 * bounded waits, absent drives, IDENTIFY, the device's own refusal of a command, and recovery
 * of a channel a transfer was abandoned on.  The tests that need a disk SKIP without one; in
 * QEMU the drive positions nothing is attached to are the absent drives.
 */
#include "tests/paging/paging_test.h"

static uint8_t buf[PAGE_SIZE], buf2[PAGE_SIZE];

TEST(paging_error_decode, "paging/error-decode")
{
    static const struct { uint8_t st, err; int want; } cases[] = {
        { 0xFF, 0x00, ATA_E_NO_CONTROLLER }, { 0x00, 0x04, ATA_E_NO_DEVICE },
        { 0x50, 0x00, ATA_OK }, { 0x58, 0x04, ATA_OK },          /* DRQ alone is no error */
        { 0x51, 0x04, ATA_E_ABORTED }, { 0x51, 0x10, ATA_E_ID_NOT_FOUND },
        { 0x51, 0x40, ATA_E_UNCORRECTABLE }, { 0x51, 0x80, ATA_E_BAD_BLOCK },
        { 0x51, 0x20, ATA_E_MEDIA }, { 0x51, 0x08, ATA_E_MEDIA }, { 0x51, 0x01, ATA_E_ADDRESS_MARK },
        { 0x51, 0x02, ATA_E_TRACK0 }, { 0x51, 0x00, ATA_E_DEVICE },
        { 0x51, 0x14, ATA_E_ABORTED },                           /* the first cause wins */
        { 0x71, 0x04, ATA_E_DEVICE_FAULT }, { 0x70, 0x00, ATA_E_DEVICE_FAULT },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        CHECK_MSG(ata_decode(cases[i].st, cases[i].err) == cases[i].want,
                  "status %02x error %02x: %s, expected %s", cases[i].st, cases[i].err,
                  ata_err_name(ata_decode(cases[i].st, cases[i].err)), ata_err_name(cases[i].want));
    /* Every code has its own name; anything else is "unknown error". */
    for (int a = 0; a < ATA_E_COUNT; a++) {
        CHECK(ata_err_name(a) && ata_err_name(a)[0]);
        CHECK(strcmp(ata_err_name(a), "unknown error"));
        for (int b = 0; b < a; b++) CHECK_MSG(strcmp(ata_err_name(a), ata_err_name(b)), "codes %d and %d", a, b);
    }
    CHECK(!strcmp(ata_err_name(-1), "unknown error"));
    CHECK(!strcmp(ata_err_name(ATA_E_COUNT), "unknown error"));
    return PASS;
}

TEST(paging_pit_clock, "paging/pit-clock-runs")
{
    if (!pit_clock_ok()) SKIP("the PIT clock does not run here (waits are bounded by poll counts)");
    uint32_t t0 = pit_clock(), t = t0;
    for (uint32_t i = 0; i < 50000000u && t - t0 < 2 * PIT_TICKS_PER_MS; i++) {
        uint32_t now = pit_clock();
        CHECK_MSG(now - t < 0x80000000u, "the clock went back: %u after %u", now, t);
        t = now;
    }
    CHECK_MSG(t - t0 >= 2 * PIT_TICKS_PER_MS, "2 ms of PIT ticks never came: %u ticks", t - t0);
    return PASS;
}

/* A wait for a status no idle device shows (BSY without DRQ... on an idle drive, or on a floating
 * bus, which reads 0xFF) runs out after its time, not before and not much after. */
TEST(paging_wait_times_out, "paging/wait-times-out")
{
    CHECK_EQ(ata_wait(0, 0, 0, 1000), ATA_OK);                /* a condition that holds at once */
    uint32_t t0 = pit_clock();
    int r = ata_wait(0, ATA_ST_BSY | ATA_ST_DRQ | ATA_ST_ERR, ATA_ST_BSY | ATA_ST_ERR, 40);
    uint32_t ms = elapsed_ms(t0);
    CHECK_MSG(r == ATA_E_TIMEOUT, "ata_wait: %s", ata_err_name(r));
    if (pit_clock_ok()) {
        CHECK_MSG(ms >= 39, "timed out after %u ms, asked for 40", ms);
        CHECK_MSG(ms < 2000, "timed out after %u ms, asked for 40", ms);
    }
    CHECK_EQ(ata_wait(-1, 0, 0, 1), ATA_E_INVALID);
    CHECK_EQ(ata_wait(ATA_DRIVES, 0, 0, 1), ATA_E_INVALID);
    return PASS;
}

/* Drive positions without an ATA disk: reads are refused without I/O, with the probe's reason,
 * and IDENTIFY again finds nothing, quickly (not by waiting out a timeout). */
TEST(paging_absent_drives, "paging/absent-drives-refused")
{
    int absent = 0;
    for (int d = 0; d < ATA_DRIVES; d++) {
        const struct ata_info *in = ata_info(d);
        if (in->present) continue;
        absent++;
        CHECK_MSG(in->probe != ATA_OK, "%s: not present, but probe ok", ata_drive_name(d));
        memset(buf, 0xA5, sizeof buf);
        CHECK_EQ(ata_read(d, 0, 1, buf), in->probe);
        for (size_t i = 0; i < sizeof buf; i++) CHECK_EQ(buf[i], 0xA5);
        CHECK_EQ(ata_set_block(d, 8), in->probe);
        int err = ATA_OK;
        CHECK(!ata_swap_open(d, 0, 1024, &err, NULL));
        CHECK_EQ(err, in->probe);
        if (in->probe == ATA_E_UNSUPPORTED) continue;        /* IDENTIFY works; the disk is refused */
        static uint16_t id[256];
        uint32_t t0 = pit_clock();
        int r = ata_identify(d, id);
        uint32_t ms = elapsed_ms(t0);
        CHECK_MSG(r == in->probe, "%s: identify %s, probe said %s", ata_drive_name(d), ata_err_name(r),
                  ata_err_name(in->probe));
        CHECK_MSG(!pit_clock_ok() || ms < ATA_TIMEOUT_IDENTIFY_MS / 2, "%s: %u ms", ata_drive_name(d), ms);
    }
    if (!absent) SKIP("all four drive positions hold a disk");
    CHECK(!ata_info(-1) && !ata_info(ATA_DRIVES));
    CHECK_EQ(ata_read(ATA_DRIVES, 0, 1, buf), ATA_E_INVALID);
    return PASS;
}

/* The first ATA disk, the swap disk if there is one. */
static int some_disk(void)
{
    if (swapdev_present()) return swapdev_area()->drive;
    for (int d = 0; d < ATA_DRIVES; d++)
        if (ata_info(d)->present) return d;
    return -1;
}

TEST(paging_identify, "paging/identify-finds-the-disk")
{
    int d = some_disk();
    if (d < 0) SKIP("no ATA disk");
    static uint16_t id[256];
    const struct ata_info *in = ata_info(d);
    CHECK_EQ(ata_identify(d, id), ATA_OK);
    CHECK(!(id[0] & 0x8000));                                 /* an ATA device */
    CHECK(id[49] & 0x0200);                                   /* LBA */
    CHECK_EQ(id[60] | (uint32_t)id[61] << 16, in->sectors);
    CHECK(in->sectors > 0 && in->sectors < ATA_LBA28_SECTORS);
    CHECK(in->model[0] && strlen(in->model) <= 40);
    CHECK_EQ(id[47] & 0xFF, in->max_block);
    CHECK(in->block == 1 || (in->block <= in->max_block && !(in->block & (in->block - 1))));
    if (swapdev_present()) {
        const struct ata_swap *a = swapdev_area();
        CHECK(a->start < in->sectors && a->sectors <= in->sectors - a->start);
    }
    /* Reads stay in the disk: the last sector is readable, the one after it is refused. */
    CHECK_EQ(ata_read(d, in->sectors - 1, 1, buf), ATA_OK);
    CHECK_EQ(ata_read(d, in->sectors, 1, buf), ATA_E_RANGE);
    CHECK_EQ(ata_read(d, in->sectors - 1, 2, buf), ATA_E_RANGE);
    return PASS;
}

TEST(paging_read_bad_args, "paging/read-refuses-bad-arguments")
{
    int d = some_disk();
    if (d < 0) SKIP("no ATA disk");
    memset(buf, 0x5A, sizeof buf);
    CHECK_EQ(ata_read(d, 0, 0, buf), ATA_E_INVALID);
    CHECK_EQ(ata_read(d, 0, ATA_MAX_COUNT + 1, buf), ATA_E_INVALID);
    CHECK_EQ(ata_read(d, 0, 1, NULL), ATA_E_INVALID);
    CHECK_EQ(ata_read(d, 0xFFFFFFFFu, 1, buf), ATA_E_RANGE);
    CHECK_EQ(ata_read(d, ATA_LBA28_SECTORS, 1, buf), ATA_E_RANGE);
    for (size_t i = 0; i < sizeof buf; i++) CHECK_EQ(buf[i], 0x5A);
    const struct ata_info *in = ata_info(d);
    uint16_t block = in->block;
    CHECK_EQ(ata_set_block(d, 0), ATA_E_INVALID);
    CHECK_EQ(ata_set_block(d, 3), ATA_E_INVALID);
    CHECK_EQ(ata_set_block(d, 256), ATA_E_INVALID);
    CHECK_EQ(in->block, block);
    return PASS;
}

/* The device refuses a block size beyond its own limit (IDENTIFY word 47): ABRT in the error
 * register, decoded; the block size in use stays and transfers still work. */
TEST(paging_device_abort, "paging/device-abort-decoded")
{
    int d = some_disk();
    if (d < 0) SKIP("no ATA disk");
    const struct ata_info *in = ata_info(d);
    uint32_t ask = in->max_block ? in->max_block * 2u : 2;
    if (ask > 128) SKIP("the disk takes the largest block ATA allows");
    uint16_t block = in->block;
    CHECK_EQ(ata_read(d, 0, 8, buf), ATA_OK);
    int r = ata_set_block(d, ask);
    CHECK_MSG(r == ATA_E_ABORTED, "SET MULTIPLE MODE %u on a disk whose limit is %u: %s", ask,
              in->max_block, ata_err_name(r));
    CHECK_EQ(in->block, block);
    CHECK_EQ(ata_read(d, 0, 8, buf2), ATA_OK);
    CHECK(!memcmp(buf, buf2, 8 * ATA_SECTOR_SIZE));
    return PASS;
}

/* A transfer cut short leaves the drive holding data (DRQ); the next command finds the channel
 * not idle, resets it, restores the block size and does its work. */
TEST(paging_reset_recovers, "paging/reset-recovers-an-abandoned-read")
{
    NEED_SWAP();
    const struct ata_swap *a = swapdev_area();
    const struct ata_info *in = ata_info(a->drive);
    uint16_t block = in->block;
    pattern_fill(buf, PAGE_SIZE, 1);
    CHECK_EQ(swapdev_write(1, buf), ATA_OK);
    uint32_t resets = ata_resets();
    CHECK_EQ(ata_start_read_and_abandon(a->drive, a->start + 8, 8), ATA_OK);
    CHECK_EQ(ata_wait(a->drive, ATA_ST_BSY | ATA_ST_DRQ, ATA_ST_DRQ, 1000), ATA_OK);   /* data waiting */
    memset(buf2, 0, sizeof buf2);
    CHECK_EQ(swapdev_read(1, buf2), ATA_OK);
    CHECK_EQ(ata_resets(), resets + 1);
    CHECK_EQ(pattern_mismatch(buf2, PAGE_SIZE, 1), -1);
    CHECK_EQ(in->block, block);
    /* An explicit reset, then a write and a read. */
    CHECK_EQ(ata_reset(a->drive >> 1), ATA_OK);
    CHECK_EQ(ata_resets(), resets + 2);
    CHECK_EQ(in->block, block);
    pattern_fill(buf, PAGE_SIZE, 2);
    CHECK_EQ(swapdev_write(2, buf), ATA_OK);
    memset(buf2, 0, sizeof buf2);
    CHECK_EQ(swapdev_read(2, buf2), ATA_OK);
    CHECK_EQ(pattern_mismatch(buf2, PAGE_SIZE, 2), -1);
    CHECK_EQ(ata_reset(2), ATA_E_INVALID);
    return PASS;
}
