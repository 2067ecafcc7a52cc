/*
 * ata.h - ATA disks on the two legacy IDE channels: PIO, 28-bit LBA, polled.
 *
 * Drives are numbered 0-3: ata0 master and slave (ports 0x1F0-0x1F7, control 0x3F6), ata1
 * master and slave (0x170-0x177, 0x376), the names Bochs and Linux's old ide driver use.
 * ata_probe() looks at all four once: a channel whose status reads 0xFF is a floating bus (no
 * controller), a position whose status reads 0 after selecting it has no device, a device that
 * answers IDENTIFY DEVICE with the ATAPI or SATA signature is not an ATA disk (a CD-ROM), and a
 * disk without LBA is not used.  A disk that is used gets READ/WRITE MULTIPLE with 8 sectors
 * (one page) per DRQ block when IDENTIFY word 47 allows it, else READ/WRITE SECTORS.
 *
 * No IRQs: the device control register's nIEN bit is set and every wait polls the alternate
 * status register, bounded by the PIT clock (drivers/pit.c) and, should the PIT not tick, by a
 * count of polls calibrated against it at probe time.  A wait that runs out is ATA_E_TIMEOUT,
 * never a hang; a channel left busy or holding data (a transfer cut short) is reset (SRST)
 * before its next command.
 *
 * Writing is structural: there is no call that writes to a drive and an LBA.  The one write
 * entry point, ata_write(), takes a swap area handle, which only ata_swap_open() makes, after it
 * read the area's first sector off the disk and found a valid Pagoda swap header there
 * (drivers/swapdev.h); ata_write() refuses any pointer that is not such a handle and any sector
 * outside the area or inside its header page.  A disk without the header is never written.
 *
 * Every call returns ATA_OK (0) or an enum ata_err; ata_err_name() gives its name for a log.
 * A refused call (bad argument, absent drive, sector out of range) touches no port.
 */
#ifndef DRIVERS_ATA_H
#define DRIVERS_ATA_H
#include "kernel/kernel.h"

#define ATA_DRIVES        4
#define ATA_SECTOR_SIZE   512u
#define ATA_MAX_COUNT     256u           /* sectors per command (a count register of 0) */
#define ATA_LBA28_SECTORS 0x10000000u    /* 28-bit LBA reaches sectors below this (128 GiB) */
#define ATA_PAGE_SECTORS  (PAGE_SIZE / ATA_SECTOR_SIZE)

/* Waits, in milliseconds.  IDENTIFY answers at once on a spinning disk; a read or write may
 * have to wait for a spin-up from standby; the reset allows for a slow drive's restart. */
#define ATA_TIMEOUT_IDENTIFY_MS 2000u
#define ATA_TIMEOUT_IO_MS       10000u
#define ATA_TIMEOUT_RESET_MS    5000u

enum ata_err {
    ATA_OK = 0,
    ATA_E_NO_CONTROLLER,    /* the channel's status reads 0xFF: a floating bus */
    ATA_E_NO_DEVICE,        /* the status reads 0 with the position selected */
    ATA_E_NOT_ATA,          /* ATAPI or SATA signature, or IDENTIFY word 0 bit 15 */
    ATA_E_UNSUPPORTED,      /* an ATA disk without LBA, or with no sectors */
    ATA_E_TIMEOUT,          /* a wait ran out */
    ATA_E_DEVICE_FAULT,     /* status DF */
    ATA_E_ABORTED,          /* error ABRT: the command or its arguments were refused */
    ATA_E_ID_NOT_FOUND,     /* error IDNF: the sector does not exist */
    ATA_E_UNCORRECTABLE,    /* error UNC: a read the ECC could not repair */
    ATA_E_BAD_BLOCK,        /* error bit 7: bad block mark (ATA-1), interface CRC (later) */
    ATA_E_MEDIA,            /* error MC or MCR: removable media changed */
    ATA_E_ADDRESS_MARK,     /* error AMNF */
    ATA_E_TRACK0,           /* error TK0NF */
    ATA_E_DEVICE,           /* ERR with no bit in the error register, or a protocol breach */
    ATA_E_RANGE,            /* a sector outside the disk, the swap area, or in its header */
    ATA_E_INVALID,          /* a bad argument: no buffer, a count of 0 or above 256, ... */
    ATA_E_NO_SWAP,          /* swapdev: no swap device, or not a swap area handle */
    ATA_E_COUNT
};
const char *ata_err_name(int err);       /* "timeout", ...; "unknown error" outside the enum */

/* Status register bits (ATA-8 ACS 6.1). */
#define ATA_ST_ERR  0x01
#define ATA_ST_DRQ  0x08
#define ATA_ST_DF   0x20
#define ATA_ST_DRDY 0x40
#define ATA_ST_BSY  0x80

/* The error a status and error register pair stand for: ATA_OK without ERR or DF, else the
 * first cause in the order of the enum.  0xFF is a floating bus, 0 no device. */
int ata_decode(uint8_t status, uint8_t error);

struct ata_info {
    bool present;           /* an ATA disk with LBA that answered IDENTIFY: the only kind used */
    int probe;              /* ATA_OK when present, else why not */
    uint32_t sectors;       /* 28-bit LBA capacity (IDENTIFY words 60-61) */
    uint16_t max_block;     /* sectors per DRQ block READ/WRITE MULTIPLE allows (word 47), 0: none */
    uint16_t block;         /* sectors per DRQ block in use: 1 = READ/WRITE SECTORS */
    char model[41];         /* IDENTIFY words 27-46, trailing blanks cut */
};

void ata_probe(void);                               /* once at boot; logs each device found */
const struct ata_info *ata_info(int drive);         /* NULL for a drive number outside 0-3 */
const char *ata_drive_name(int drive);              /* "ata1 slave" */
uint32_t ata_resets(void);                          /* channel resets since boot */

/* IDENTIFY DEVICE again (for tests; ata_probe keeps its result in ata_info): 256 words. */
int ata_identify(int drive, uint16_t id[256]);

/* count sectors (1-256) from lba of a present drive into buf, a kernel address. */
int ata_read(int drive, uint32_t lba, uint32_t count, void *buf);

/* Sectors per DRQ block: 1 uses READ/WRITE SECTORS and needs no command; 2-128, a power of
 * two, sends SET MULTIPLE MODE and uses READ/WRITE MULTIPLE.  The device is the judge of its
 * own limit: if it aborts, the error is returned and the setting in use does not change. */
int ata_set_block(int drive, uint32_t sectors);

/* Polls drive's alternate status until (status & mask) == want: ATA_OK, or ATA_E_TIMEOUT after
 * ms milliseconds.  Selects nothing and writes nothing: the primitive every wait is built on. */
int ata_wait(int drive, uint8_t mask, uint8_t want, uint32_t ms);

/* TSC ticks spent waiting for the device's status since boot - every status wait of every
 * command, not a reset's fixed delays - and, in *count when not NULL, how many waits there were.
 * The ticks stay 0 on a CPU without a TSC (nothing is timed there).  How many polls a wait takes
 * depends on when the device is done - under an emulator, on the host's I/O thread, even with
 * QEMU's -icount - so the benchmark takes the time beyond a ready device's wait out of its disk
 * rows (tests/bench/paging.c) to time the driver's own work, which then repeats exactly. */
uint64_t ata_wait_ticks(uint32_t *count);

/* Resets channel 0 or 1 (SRST) and restores the block size of its disks; ata_read and
 * ata_write do this themselves when they find the channel busy or holding data. */
int ata_reset(int channel);

/* For tests: issues READ SECTORS and returns without taking the data, leaving the channel
 * holding data the way a transfer cut short (a fault in the middle of rep insw) does. */
int ata_start_read_and_abandon(int drive, uint32_t lba, uint32_t count);

/* A Pagoda swap area: the sectors [start, start + sectors) of drive, the first page of it the
 * header (drivers/swapdev.h).  Read it freely; only ata_swap_open makes one ata_write takes. */
struct ata_swap {
    int drive;
    uint32_t start;         /* LBA of the header, slot 0 */
    uint32_t sectors;       /* the whole area, header included: the header's size / 512 */
    uint64_t id;            /* the header's random id */
    bool open;
};

/* Reads the sector at start of drive and returns a handle when it holds a valid swap header
 * for an area that fits in max_sectors and on the disk; else NULL and *err says why
 * (ATA_E_NO_SWAP: no header or an invalid one; *why, when not NULL, gets the reason).  Opening
 * the same drive and start again re-reads the header and returns the same handle. */
const struct ata_swap *ata_swap_open(int drive, uint32_t start, uint32_t max_sectors, int *err,
                                     const char **why);

/* Writes count sectors (1-256) from buf to lba, which must lie in area after its header page:
 * [area->start + 8, area->start + area->sectors).  The only write in the driver. */
int ata_write(const struct ata_swap *area, uint32_t lba, uint32_t count, const void *buf);
#endif
