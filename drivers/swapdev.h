/*
 * swapdev.h - the swap device: where the pager puts pages, one 4 KiB slot each.
 *
 * A swap area is a whole ATA disk, or one MBR primary partition of it, whose first 4 KiB hold a
 * Pagoda swap header (below; written by tools/mkswap.py).  That first page is slot 0; slot s,
 * 1 <= s <= swapdev_slots(), is the 8 sectors at the area's start + 8 * s.  swapdev_probe()
 * picks the first area it finds: ata0 master, ata0 slave, ata1 master, ata1 slave; on each disk
 * the whole disk (a header at LBA 0), else its primary partitions 1-4 in order.  The boot log
 * says "no swap device: paging off"; with a device, kernel/main.c names it once it has turned
 * the pager on ("swap: ata0 master partition 1, 65536 KiB, 16383 slots, id ..., paging on";
 * "paging off (nopager)" when the command line says so).  A disk without a header is never written (drivers/ata.h).
 *
 * The interface for the pager:
 *   swapdev_probe()              once at boot, after mm_init (kernel/main.c)
 *   swapdev_present()            true when an area was found
 *   swapdev_slots()              slots usable: 1 .. swapdev_slots(); 0 without a device
 *   swapdev_read(slot, page)     4 KiB from the slot into page
 *   swapdev_write(slot, page)    4 KiB from page into the slot
 * page is a kernel virtual address (PIO: no DMA, no physical-address or alignment rule), 4 KiB
 * long.  Both return 0 or an enum ata_err (drivers/ata.h; ata_err_name() names it):
 *   ATA_E_NO_SWAP   there is no swap device
 *   ATA_E_RANGE     slot 0 (the header) or a slot above swapdev_slots()
 *   ATA_E_INVALID   page is NULL
 *   anything else   the disk's error (ATA_E_TIMEOUT, ATA_E_UNCORRECTABLE, ...)
 * The first three are refused before any I/O and change nothing but the refused counter.  A
 * disk error leaves the slot's contents undefined (a read's page too) and is counted; the
 * device stays usable.  The calls are synchronous and not reentrant: one transfer at a time,
 * from any context (no IRQ is used; interrupts stay as the caller has them).
 */
#ifndef DRIVERS_SWAPDEV_H
#define DRIVERS_SWAPDEV_H
#include "kernel/kernel.h"
#include "drivers/ata.h"

void swapdev_probe(void);
bool swapdev_present(void);
uint32_t swapdev_slots(void);
int swapdev_read(uint32_t slot, void *page);
int swapdev_write(uint32_t slot, const void *page);

/* Counters since boot, for the pager's statistics and for tests. */
struct swapdev_stats {
    uint32_t reads, writes;             /* pages transferred */
    uint32_t read_errors, write_errors; /* transfers the disk failed */
    uint32_t refused;                   /* calls refused before any I/O */
    int last_error;                     /* the last failure's code, ATA_OK if none */
};
void swapdev_get_stats(struct swapdev_stats *out);

/* The area in use (NULL without one) and its name ("ata0 master partition 1"), for tests and
 * diagnostics; the pager needs neither. */
const struct ata_swap *swapdev_area(void);
const char *swapdev_name(void);

/*
 * The on-disk header, little-endian, at the start of the area's first sector; the rest of the
 * first 4 KiB is zero and unused.  tools/mkswap.py writes the same layout.
 */
#define SWAP_MAGIC       "PAGODA-SWAP-AREA"     /* 16 bytes, no NUL */
#define SWAP_MAGIC_LEN   16
#define SWAP_VERSION     1u
#define SWAP_SLOT_SIZE   4096u
struct swap_header {
    char magic[SWAP_MAGIC_LEN];
    uint32_t version;       /* SWAP_VERSION */
    uint32_t slot_size;     /* SWAP_SLOT_SIZE */
    uint64_t size;          /* bytes in the area, header page included: a multiple of 4096 */
    uint64_t id;            /* random, from mkswap.py: tells areas apart in the log */
} __attribute__((packed));
_Static_assert(sizeof(struct swap_header) == 40, "swap_header: the on-disk layout is 40 bytes");

/* MBR primary partition p (1-4) of a disk of disk_sectors sectors: NULL, with *start and *count
 * set, when it may hold a swap area (in use, on the disk, overlapping no other entry); else why
 * not, SWAP_MBR_EMPTY for an unused entry.  The type byte is not looked at: the header decides. */
#define SWAP_MBR_EMPTY "empty"
const char *swap_mbr_entry(const void *mbr, int p, uint32_t disk_sectors, uint32_t *start, uint32_t *count);

/* Checks a first sector: NULL when it holds a valid header for an area of at most max_sectors
 * sectors (*area_sectors then gets the area's size in sectors), else the reason, for the log. */
const char *swap_header_check(const void *sector, uint32_t max_sectors, uint32_t *area_sectors);
#endif
