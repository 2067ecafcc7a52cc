/*
 * swapdev.c - finds the swap area (a whole disk or an MBR primary partition with a Pagoda swap
 * header) and moves 4 KiB slots to and from it; the contract is in swapdev.h.
 *
 * Only headers decide: a partition's type byte is not looked at, and a disk whose LBA 0 holds a
 * header is a whole-disk area, not an MBR.  Every write goes through ata_write() with the handle
 * ata_swap_open() returned for the area, so the driver itself refuses the header page and
 * anything outside the area; the slot checks here only turn a bad slot into ATA_E_RANGE before
 * any I/O.
 */
#include "drivers/swapdev.h"

#define MBR_SIGNATURE_AT  510
#define MBR_TABLE_AT      446
#define NO_HEADER         "no Pagoda swap header"   /* the usual case: not logged */

static struct {
    const struct ata_swap *area;
    uint32_t slots;
    char name[32];
} sw;
static struct swapdev_stats stats;

const char *swap_header_check(const void *sector, uint32_t max_sectors, uint32_t *area_sectors)
{
    const struct swap_header *h = sector;
    static char why[96];
    if (memcmp(h->magic, SWAP_MAGIC, SWAP_MAGIC_LEN)) return NO_HEADER;
    if (h->version != SWAP_VERSION)
        return ksnprintf(why, sizeof why, "header version %u, not %u", h->version, SWAP_VERSION), why;
    if (h->slot_size != SWAP_SLOT_SIZE)
        return ksnprintf(why, sizeof why, "header slot size %u, not %u", h->slot_size, SWAP_SLOT_SIZE), why;
    if ((uint32_t)h->size & (SWAP_SLOT_SIZE - 1) || h->size < 2 * SWAP_SLOT_SIZE)
        return ksnprintf(why, sizeof why, "header size %llu bytes: not a header page and a slot in "
                         "whole pages", h->size), why;
    if (h->size >> 9 > max_sectors)
        return ksnprintf(why, sizeof why, "header size %llu KiB larger than the space there (%u KiB)",
                         h->size >> 10, max_sectors / 2), why;
    *area_sectors = (uint32_t)(h->size >> 9);
    return NULL;
}

/* Opens the area at start of drive, max_sectors long; true when it has a valid header. */
static bool try_area(int drive, uint32_t start, uint32_t max_sectors, int partition)
{
    int err;
    const char *why;
    const struct ata_swap *a = ata_swap_open(drive, start, max_sectors, &err, &why);
    char name[32];
    if (partition) ksnprintf(name, sizeof name, "%s partition %d", ata_drive_name(drive), partition);
    else ksnprintf(name, sizeof name, "%s whole disk", ata_drive_name(drive));
    if (!a) {
        if (err != ATA_E_NO_SWAP || strcmp(why, NO_HEADER))
            kprintf("swap: %s: not used: %s\n", name, why);
        return false;
    }
    sw.area = a;
    sw.slots = a->sectors / ATA_PAGE_SECTORS - 1;
    strncpy_z(sw.name, name, sizeof sw.name);
    return true;
}

static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

const char *swap_mbr_entry(const void *mbr, int p, uint32_t disk_sectors, uint32_t *start, uint32_t *count)
{
    if (p < 1 || p > 4) return "no such primary partition";
    const uint8_t *m = mbr, *e = m + MBR_TABLE_AT + 16 * (p - 1);
    if (m[MBR_SIGNATURE_AT] != 0x55 || m[MBR_SIGNATURE_AT + 1] != 0xAA) return "no MBR";
    uint32_t s = get32(e + 8), n = get32(e + 12);
    if (e[4] == 0 || s == 0 || n == 0) return SWAP_MBR_EMPTY;
    if (s >= disk_sectors || n > disk_sectors - s)
        return "beyond the disk's end (or its 28-bit LBA reach)";
    for (int q = 1; q <= 4; q++) {          /* a malformed table: writing here would hit another */
        const uint8_t *o = m + MBR_TABLE_AT + 16 * (q - 1);
        uint32_t os = get32(o + 8), on = get32(o + 12);
        if (q == p || o[4] == 0 || on == 0) continue;
        if (os < (uint64_t)s + n && s < (uint64_t)os + on) return "overlaps another partition";
    }
    *start = s;
    *count = n;
    return NULL;
}

/* The whole disk, else its MBR's primary partitions in order. */
static bool scan_disk(int drive)
{
    static uint8_t mbr[ATA_SECTOR_SIZE];
    uint32_t sectors = ata_info(drive)->sectors;
    if (try_area(drive, 0, sectors, 0)) return true;
    if (ata_read(drive, 0, 1, mbr) || mbr[MBR_SIGNATURE_AT] != 0x55 || mbr[MBR_SIGNATURE_AT + 1] != 0xAA)
        return false;
    for (int p = 1; p <= 4; p++) {
        uint32_t start, count;
        const char *why = swap_mbr_entry(mbr, p, sectors, &start, &count);
        if (!why && try_area(drive, start, count, p)) return true;
        if (why && strcmp(why, SWAP_MBR_EMPTY))
            kprintf("swap: %s partition %d: not used: %s\n", ata_drive_name(drive), p, why);
    }
    return false;
}

void swapdev_probe(void)
{
    ata_probe();
    for (int d = 0; d < ATA_DRIVES && !sw.area; d++)
        if (ata_info(d)->present) scan_disk(d);
    if (!sw.area) {
        kprintf("no swap device: paging off\n");
        return;
    }
    /* The "swap: ..." line is kernel/main.c's, once it knows whether paging is on. */
}

bool swapdev_present(void) { return sw.area != NULL; }
uint32_t swapdev_slots(void) { return sw.area ? sw.slots : 0; }
const struct ata_swap *swapdev_area(void) { return sw.area; }
const char *swapdev_name(void) { return sw.area ? sw.name : "none"; }
void swapdev_get_stats(struct swapdev_stats *out) { *out = stats; }

/* ATA_OK when slot and page may be used; else the refusal, counted. */
static int check_slot(uint32_t slot, const void *page)
{
    int r = !sw.area ? ATA_E_NO_SWAP : !page ? ATA_E_INVALID : slot == 0 || slot > sw.slots ? ATA_E_RANGE : ATA_OK;
    if (r) stats.refused++;
    return r;
}

int swapdev_read(uint32_t slot, void *page)
{
    int r = check_slot(slot, page);
    if (r) return r;
    r = ata_read(sw.area->drive, sw.area->start + slot * ATA_PAGE_SECTORS, ATA_PAGE_SECTORS, page);
    if (r) stats.read_errors++, stats.last_error = r;
    else stats.reads++;
    return r;
}

int swapdev_write(uint32_t slot, const void *page)
{
    int r = check_slot(slot, page);
    if (r) return r;
    r = ata_write(sw.area, sw.area->start + slot * ATA_PAGE_SECTORS, ATA_PAGE_SECTORS, page);
    if (r) stats.write_errors++, stats.last_error = r;
    else stats.writes++;
    return r;
}
