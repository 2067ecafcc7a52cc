/*
 * ata.c - ATA PIO on the legacy IDE channels, 28-bit LBA, polled; the contract is in ata.h.
 *
 * The command sequence follows the OSDev wiki's "ATA PIO Mode" and ATA-8 ACS's PIO protocols:
 *   1. wait until the channel is idle (BSY and DRQ clear; if DRQ stays set, or BSY never clears,
 *      a previous command was cut short: reset the channel first);
 *   2. select the drive with LBA bits 24-27 in the device register (0xE0 | slave << 4), wait
 *      400 ns (four reads of the alternate status: the device needs that long to put its own
 *      status on the bus), then for BSY clear and DRDY set;
 *   3. sector count, LBA 0-7, 8-15, 16-23, then the command;
 *   4. per DRQ block (1 sector, or 8 with READ/WRITE MULTIPLE): 400 ns, wait for BSY clear and
 *      DRQ set (ERR or DF ends the command), move 256 words per sector with rep insw/outsw;
 *   5. wait for BSY clear and check ERR, DF and that DRQ is gone.
 * Status is read from the alternate status register, which has no side effects; the status
 * register proper is read once at the end of a command to clear a pending interrupt.
 *
 * No CACHE FLUSH follows a write: swap contents need not outlive a power cycle, and a drive
 * returns the data in its write cache to a later read.  rep outsw needs no delay between words
 * on a drive that drives IORDY, as every ATA-2 and later drive does.
 */
#include "drivers/ata.h"
#include "drivers/swapdev.h"
#include "drivers/console.h"
#include "mm/x86.h"             /* x86.tsc, rdtsc: the wait-time counter */

/* Register offsets from the command block base (ATA-8 ACS / OSDev "Registers"). */
#define REG_DATA    0
#define REG_ERROR   1
#define REG_COUNT   2
#define REG_LBA0    3
#define REG_LBA1    4
#define REG_LBA2    5
#define REG_DEVICE  6
#define REG_STATUS  7       /* read: status; write: command */
#define CTL_NIEN    0x02
#define CTL_SRST    0x04

#define CMD_READ_SECTORS    0x20
#define CMD_WRITE_SECTORS   0x30
#define CMD_READ_MULTIPLE   0xC4
#define CMD_WRITE_MULTIPLE  0xC5
#define CMD_SET_MULTIPLE    0xC6
#define CMD_IDENTIFY        0xEC

#define PAGE_BLOCK ATA_PAGE_SECTORS    /* the block size asked for: one page per DRQ block */

struct channel {
    uint16_t io, ctl;
    bool floating;          /* status 0xFF at probe: nothing to talk to */
};
static const struct channel chan_init[2] = { { 0x1F0, 0x3F6, false }, { 0x170, 0x376, false } };
static struct channel chans[2];
static struct ata_info info[ATA_DRIVES];
static bool probed;
static uint32_t resets;

static struct channel *chan_of(int drive) { return &chans[drive >> 1]; }
static uint8_t altstatus(const struct channel *c) { return inb(c->ctl); }

static void delay400(const struct channel *c)
{
    for (int i = 0; i < 4; i++) (void)altstatus(c);
}

static inline void insw_rep(uint16_t port, void *buf, uint32_t words)
{
    __asm__ volatile("rep insw" : "+D"(buf), "+c"(words) : "d"(port) : "memory");
}

static inline void outsw_rep(uint16_t port, const void *buf, uint32_t words)
{
    __asm__ volatile("rep outsw" : "+S"(buf), "+c"(words) : "d"(port) : "memory");
}

/* ---- errors ------------------------------------------------------------------------------ */

static const char *const err_names[ATA_E_COUNT] = {
    [ATA_OK] = "ok",
    [ATA_E_NO_CONTROLLER] = "no controller (floating bus)",
    [ATA_E_NO_DEVICE] = "no device",
    [ATA_E_NOT_ATA] = "not an ATA disk (ATAPI or SATA signature)",
    [ATA_E_UNSUPPORTED] = "unsupported disk (no LBA)",
    [ATA_E_TIMEOUT] = "timeout",
    [ATA_E_DEVICE_FAULT] = "device fault",
    [ATA_E_ABORTED] = "command aborted",
    [ATA_E_ID_NOT_FOUND] = "sector not found",
    [ATA_E_UNCORRECTABLE] = "uncorrectable data error",
    [ATA_E_BAD_BLOCK] = "bad block or interface CRC error",
    [ATA_E_MEDIA] = "media changed",
    [ATA_E_ADDRESS_MARK] = "address mark not found",
    [ATA_E_TRACK0] = "track 0 not found",
    [ATA_E_DEVICE] = "device error (no cause given)",
    [ATA_E_RANGE] = "sector out of range",
    [ATA_E_INVALID] = "invalid argument",
    [ATA_E_NO_SWAP] = "no swap area",
};

const char *ata_err_name(int err)
{
    return err >= 0 && err < ATA_E_COUNT ? err_names[err] : "unknown error";
}

int ata_decode(uint8_t status, uint8_t error)
{
    if (status == 0xFF) return ATA_E_NO_CONTROLLER;
    if (status == 0) return ATA_E_NO_DEVICE;
    if (status & ATA_ST_DF) return ATA_E_DEVICE_FAULT;
    if (!(status & ATA_ST_ERR)) return ATA_OK;
    static const struct { uint8_t bit; uint8_t err; } causes[] = {     /* ATA-8 ACS 6.2 */
        { 0x04, ATA_E_ABORTED }, { 0x10, ATA_E_ID_NOT_FOUND }, { 0x40, ATA_E_UNCORRECTABLE },
        { 0x80, ATA_E_BAD_BLOCK }, { 0x28, ATA_E_MEDIA }, { 0x01, ATA_E_ADDRESS_MARK },
        { 0x02, ATA_E_TRACK0 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(causes); i++)
        if (error & causes[i].bit) return causes[i].err;
    return ATA_E_DEVICE;
}

/* ---- bounded waits ------------------------------------------------------------------------ */

/* Wait-loop iterations per millisecond, measured against the PIT at probe time: the bound of a
 * wait should the PIT clock stop.  A measured rate gets a margin of 16 (a host busy during the
 * measurement makes an emulator's count low), so the PIT ends a wait first whenever it runs; a
 * PIT that never ran leaves the guess of 1 us per port read (the ISA bus's pace), no margin. */
static uint32_t polls_per_ms = 1000;
static uint32_t poll_margin = 1;

static void calibrate(void)
{
    if (!pit_clock_start()) {
        kprintf("ata: the PIT clock does not run: waits are bounded by a count of polls\n");
        return;
    }
    /* The best of three 5 ms windows: in an emulator a window in which the host ran something
     * else counts too few polls. */
    const struct channel *c = &chans[0];
    uint32_t best = 0;
    for (int w = 0; w < 3; w++) {
        uint32_t n = 0, t0 = pit_clock();
        while (pit_clock() - t0 < 5 * PIT_TICKS_PER_MS && n < 5000000u) {
            (void)altstatus(c);
            n++;
        }
        best = MAX(best, n);
    }
    polls_per_ms = MAX(best / 5, 1u);
    poll_margin = 16;
}

struct deadline { uint32_t t0, ticks, polls; };

static uint32_t polls_for(uint32_t us)
{
    uint32_t per_ms = polls_per_ms * poll_margin;     /* no 64-bit division: no libgcc */
    uint64_t polls = us >= 1000 ? (uint64_t)per_ms * (us / 1000) : (uint64_t)(per_ms / 1000 + 1) * us;
    polls += 1000;
    return polls > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)polls;
}

static void deadline_start(struct deadline *d, uint32_t ms)
{
    d->t0 = pit_clock();
    d->ticks = ms * PIT_TICKS_PER_MS;
    d->polls = polls_for(ms * 1000u);
}

static bool deadline_passed(struct deadline *d)
{
    if (--d->polls == 0) return true;
    return pit_clock_ok() && pit_clock() - d->t0 >= d->ticks;
}

/* Until (status & mask) == want; with stop, also until BSY is clear and ERR or DF set.  The
 * status last read goes to *st.  After the deadline the status is read once more: an interrupt
 * handler may have run between the last read and the clock check (Linux's IDE driver had that
 * bug under heavy IRQ load). */
static int poll_status(const struct channel *c, uint8_t mask, uint8_t want, bool stop, uint32_t ms,
                       uint8_t *st)
{
    struct deadline d;
    deadline_start(&d, ms);
    for (bool last = false;; last = deadline_passed(&d)) {
        uint8_t s = *st = altstatus(c);
        if ((s & mask) == want) return ATA_OK;
        if (stop && !(s & ATA_ST_BSY) && (s & (ATA_ST_ERR | ATA_ST_DF))) return ATA_E_DEVICE;
        if (last) return ATA_E_TIMEOUT;
    }
}

/* The waits since boot and the TSC ticks spent in them (ata_wait_ticks): how many polls a wait
 * takes follows when the device (an emulator's I/O thread) is done, so a benchmark takes the
 * time out of its figures to keep the driver's own work.  The TSC is read only on a CPU with one. */
static uint64_t wait_ticks;
static uint32_t waits;

/* Not inlined: a wait that finds the device ready then runs the same instructions from every
 * caller, so a benchmark can take out exactly what lies beyond it. */
__attribute__((noinline)) static int wait_status(const struct channel *c, uint8_t mask, uint8_t want,
                                                 bool stop, uint32_t ms, uint8_t *st)
{
    waits++;
    if (!x86.tsc) return poll_status(c, mask, want, stop, ms, st);
    uint64_t t0 = rdtsc();
    int r = poll_status(c, mask, want, stop, ms, st);
    wait_ticks += rdtsc() - t0;
    return r;
}

uint64_t ata_wait_ticks(uint32_t *count)
{
    if (count) *count = waits;
    return wait_ticks;
}

/* At least us microseconds (a minimum, for the reset's timing), polling the alternate status. */
static void delay_us(const struct channel *c, uint32_t us)
{
    struct deadline d = { pit_clock(), us * PIT_TICKS_PER_MS / 1000u + 1, polls_for(us) };
    do (void)altstatus(c);
    while (!deadline_passed(&d));
}

int ata_wait(int drive, uint8_t mask, uint8_t want, uint32_t ms)
{
    if (drive < 0 || drive >= ATA_DRIVES || !probed) return ATA_E_INVALID;
    uint8_t s;
    return wait_status(chan_of(drive), mask, want, false, ms, &s);
}

/* The error a stopped command left: ERR/DF decoded from the status and error registers. */
static int command_error(const struct channel *c, uint8_t st)
{
    int e = ata_decode(st, (st & ATA_ST_ERR) ? inb(c->io + REG_ERROR) : 0);
    return e == ATA_OK ? ATA_E_DEVICE : e;
}

/* ---- commands ----------------------------------------------------------------------------- */

static int set_multiple(int drive, uint32_t n);

/* SRST on the channel, then the disks' block size again (a reset may restore the default). */
static int reset_channel(int ch)
{
    struct channel *c = &chans[ch];
    uint8_t st;
    resets++;
    outb(c->ctl, CTL_SRST | CTL_NIEN);
    delay_us(c, 5);                                 /* SRST held at least 5 us */
    outb(c->ctl, CTL_NIEN);
    delay_us(c, 2000);                              /* then 2 ms before BSY means anything */
    int r = wait_status(c, ATA_ST_BSY, 0, false, ATA_TIMEOUT_RESET_MS, &st);
    for (int d = ch * 2; d < ch * 2 + 2 && r == ATA_OK; d++)
        if (info[d].present && info[d].block > 1 && set_multiple(d, info[d].block) != ATA_OK)
            info[d].block = 1;           /* READ/WRITE SECTORS still work */
    return r;
}

/* Step 1: the channel idle, or reset. */
static int channel_idle(int drive)
{
    const struct channel *c = chan_of(drive);
    uint8_t st;
    int r = wait_status(c, ATA_ST_BSY, 0, false, ATA_TIMEOUT_IO_MS, &st);
    if (r == ATA_OK && !(st & ATA_ST_DRQ)) return ATA_OK;
    r = reset_channel(drive >> 1);
    return r ? r : wait_status(c, ATA_ST_BSY | ATA_ST_DRQ, 0, false, ATA_TIMEOUT_IO_MS, &st);
}

/* Step 2: select drive with LBA bits 24-27; ATA_E_NO_CONTROLLER / NO_DEVICE for a status of
 * 0xFF / 0 (nothing answers), else wait for BSY clear and DRDY. */
static int select_drive(int drive, uint32_t lba, uint32_t ms)
{
    const struct channel *c = chan_of(drive);
    outb(c->io + REG_DEVICE, (uint8_t)(0xE0 | (drive & 1) << 4 | (lba >> 24 & 0x0F)));
    delay400(c);
    uint8_t st = altstatus(c);
    if (st == 0xFF || st == 0) return ata_decode(st, 0);
    return wait_status(c, ATA_ST_BSY | ATA_ST_DRDY, ATA_ST_DRDY, false, ms, &st);
}

static void command(const struct channel *c, uint8_t cmd, uint32_t lba, uint32_t count)
{
    outb(c->io + REG_COUNT, (uint8_t)count);        /* 256 is written as 0 */
    outb(c->io + REG_LBA0, (uint8_t)lba);
    outb(c->io + REG_LBA1, (uint8_t)(lba >> 8));
    outb(c->io + REG_LBA2, (uint8_t)(lba >> 16));
    outb(c->io + REG_STATUS, cmd);
    delay400(c);
}

/* Step 5: the command's end. */
static int finish(const struct channel *c)
{
    uint8_t st;
    int r = wait_status(c, ATA_ST_BSY, 0, false, ATA_TIMEOUT_IO_MS, &st);
    if (r) return r;
    (void)inb(c->io + REG_STATUS);                  /* acknowledges the (masked) interrupt */
    if (st & (ATA_ST_ERR | ATA_ST_DF)) return command_error(c, st);
    return (st & ATA_ST_DRQ) ? ATA_E_DEVICE : ATA_OK;   /* the device wants more data */
}

/* A command without data (SET MULTIPLE MODE). */
static int set_multiple(int drive, uint32_t n)
{
    const struct channel *c = chan_of(drive);
    int r = select_drive(drive, 0, ATA_TIMEOUT_IO_MS);
    if (r) return r;
    command(c, CMD_SET_MULTIPLE, 0, n);
    return finish(c);
}

/* Steps 1-5 for count sectors at lba; block sectors per DRQ block. */
static int transfer(int drive, uint32_t lba, uint32_t count, void *buf, bool write)
{
    const struct channel *c = chan_of(drive);
    uint32_t block = info[drive].block;
    uint8_t st;
    int r = channel_idle(drive);
    if (!r) r = select_drive(drive, lba, ATA_TIMEOUT_IO_MS);
    if (r) return r;
    command(c, write ? (block > 1 ? CMD_WRITE_MULTIPLE : CMD_WRITE_SECTORS)
                     : (block > 1 ? CMD_READ_MULTIPLE : CMD_READ_SECTORS), lba, count);
    uint8_t *p = buf;
    for (uint32_t left = count; left;) {
        r = wait_status(c, ATA_ST_BSY | ATA_ST_DRQ, ATA_ST_DRQ, true, ATA_TIMEOUT_IO_MS, &st);
        if (r == ATA_E_DEVICE) return command_error(c, st);
        if (r) return r;
        uint32_t n = MIN(block, left), words = n * (ATA_SECTOR_SIZE / 2);
        if (write) outsw_rep(c->io + REG_DATA, p, words);
        else insw_rep(c->io + REG_DATA, p, words);
        p += n * ATA_SECTOR_SIZE;
        left -= n;
        delay400(c);           /* the device drops DRQ (or raises BSY) within 400 ns of the block */
    }
    return finish(c);
}

/* ---- probe -------------------------------------------------------------------------------- */

static int identify(int drive, uint16_t id[256])
{
    const struct channel *c = chan_of(drive);
    uint8_t st;
    if (c->floating) return ATA_E_NO_CONTROLLER;
    int r = channel_idle(drive);
    if (r) return r;
    outb(c->io + REG_DEVICE, (uint8_t)(0xA0 | (drive & 1) << 4));
    delay400(c);
    st = altstatus(c);
    if (st == 0xFF || st == 0) return ata_decode(st, 0);
    if ((r = wait_status(c, ATA_ST_BSY, 0, false, ATA_TIMEOUT_IDENTIFY_MS, &st))) return r;
    command(c, CMD_IDENTIFY, 0, 0);
    if (altstatus(c) == 0) return ATA_E_NO_DEVICE;
    if ((r = wait_status(c, ATA_ST_BSY, 0, false, ATA_TIMEOUT_IDENTIFY_MS, &st))) return r;
    /* ATAPI (0x14/0xEB) and SATA (0x3C/0xC3) devices put their signature in LBA 8-23 and
     * abort IDENTIFY DEVICE; an ATA disk leaves both zero. */
    if (inb(c->io + REG_LBA1) || inb(c->io + REG_LBA2)) {
        (void)inb(c->io + REG_STATUS);
        return ATA_E_NOT_ATA;
    }
    r = wait_status(c, ATA_ST_BSY | ATA_ST_DRQ, ATA_ST_DRQ, true, ATA_TIMEOUT_IDENTIFY_MS, &st);
    if (r == ATA_E_DEVICE) return command_error(c, st);
    if (r) return r;
    insw_rep(c->io + REG_DATA, id, 256);
    delay400(c);
    return finish(c);
}

int ata_identify(int drive, uint16_t id[256])
{
    if (drive < 0 || drive >= ATA_DRIVES || !id || !probed) return ATA_E_INVALID;
    return identify(drive, id);
}

static void parse_identify(struct ata_info *in, const uint16_t *id)
{
    for (int i = 0; i < 20; i++) {                  /* two characters a word, first in the high byte */
        in->model[2 * i] = (char)(id[27 + i] >> 8);
        in->model[2 * i + 1] = (char)id[27 + i];
    }
    in->model[40] = 0;
    for (int i = 39; i >= 0 && (in->model[i] == ' ' || in->model[i] == 0); i--) in->model[i] = 0;
    in->sectors = id[60] | (uint32_t)id[61] << 16;
    in->max_block = id[47] & 0xFF;
    in->block = 1;
}

static void probe_drive(int drive)
{
    static uint16_t id[256];
    struct ata_info *in = &info[drive];
    memset(in, 0, sizeof *in);
    in->probe = identify(drive, id);
    if (in->probe == ATA_OK && (id[0] & 0x8000)) in->probe = ATA_E_NOT_ATA;
    if (in->probe != ATA_OK) return;
    parse_identify(in, id);
    if (!(id[49] & 0x0200) || in->sectors == 0) {   /* word 49 bit 9: LBA supported */
        in->probe = ATA_E_UNSUPPORTED;
        return;
    }
    in->present = true;
    if (in->max_block >= PAGE_BLOCK && set_multiple(drive, PAGE_BLOCK) == ATA_OK)
        in->block = PAGE_BLOCK;
}

void ata_probe(void)
{
    memcpy(chans, chan_init, sizeof chans);
    calibrate();
    probed = true;
    for (int ch = 0; ch < 2; ch++) {
        struct channel *c = &chans[ch];
        c->floating = inb(c->io + REG_STATUS) == 0xFF;
        if (c->floating) {
            kprintf("ata: ata%d (0x%X): no controller (status 0xFF)\n", ch, c->io);
            for (int d = ch * 2; d < ch * 2 + 2; d++) {
                memset(&info[d], 0, sizeof info[d]);
                info[d].probe = ATA_E_NO_CONTROLLER;
            }
            continue;
        }
        outb(c->ctl, CTL_NIEN);                     /* polled: no IRQ 14/15 */
        for (int d = ch * 2; d < ch * 2 + 2; d++) {
            probe_drive(d);
            const struct ata_info *in = &info[d];
            if (in->present)
                kprintf("ata: %s: %s, %u sectors (%u MiB), %u sectors per DRQ block\n",
                        ata_drive_name(d), in->model, in->sectors, in->sectors >> 11, in->block);
            else if (in->probe != ATA_E_NO_DEVICE)
                kprintf("ata: %s: not used: %s\n", ata_drive_name(d), ata_err_name(in->probe));
        }
    }
    if (pit_clock_ok()) kprintf("ata: waits bounded by the PIT clock (%u status polls per ms)\n", polls_per_ms);
}

const struct ata_info *ata_info(int drive)
{
    return drive >= 0 && drive < ATA_DRIVES ? &info[drive] : NULL;
}

const char *ata_drive_name(int drive)
{
    static const char *const names[ATA_DRIVES] = { "ata0 master", "ata0 slave", "ata1 master", "ata1 slave" };
    return drive >= 0 && drive < ATA_DRIVES ? names[drive] : "ata?";
}

uint32_t ata_resets(void) { return resets; }

int ata_reset(int channel)
{
    if (channel < 0 || channel > 1 || !probed) return ATA_E_INVALID;
    if (chans[channel].floating) return ATA_E_NO_CONTROLLER;
    return reset_channel(channel);
}

/* ---- reads, block size -------------------------------------------------------------------- */

/* ATA_OK when drive can take count sectors at lba; the same checks for reads and writes. */
static int check_io(int drive, uint32_t lba, uint32_t count, const void *buf)
{
    if (drive < 0 || drive >= ATA_DRIVES || !buf || count == 0 || count > ATA_MAX_COUNT)
        return ATA_E_INVALID;
    if (!info[drive].present) return info[drive].probe ? info[drive].probe : ATA_E_NO_DEVICE;
    if (lba >= info[drive].sectors || count > info[drive].sectors - lba) return ATA_E_RANGE;
    return ATA_OK;
}

int ata_read(int drive, uint32_t lba, uint32_t count, void *buf)
{
    int r = check_io(drive, lba, count, buf);
    return r ? r : transfer(drive, lba, count, buf, false);
}

int ata_set_block(int drive, uint32_t sectors)
{
    if (drive < 0 || drive >= ATA_DRIVES || sectors == 0 || sectors > 128 || (sectors & (sectors - 1)))
        return ATA_E_INVALID;
    if (!info[drive].present) return info[drive].probe ? info[drive].probe : ATA_E_NO_DEVICE;
    if (sectors > 1) {
        int r = channel_idle(drive);
        if (!r) r = set_multiple(drive, sectors);
        if (r) return r;
    }
    info[drive].block = (uint16_t)sectors;
    return ATA_OK;
}

int ata_start_read_and_abandon(int drive, uint32_t lba, uint32_t count)
{
    static uint8_t dummy;
    int r = check_io(drive, lba, count, &dummy);
    if (!r) r = channel_idle(drive);
    if (!r) r = select_drive(drive, lba, ATA_TIMEOUT_IO_MS);
    if (r) return r;
    command(chan_of(drive), CMD_READ_SECTORS, lba, count);
    return ATA_OK;
}

/* ---- swap areas: the only writes ----------------------------------------------------------- */

#define SWAP_AREAS_MAX 8
static struct ata_swap areas[SWAP_AREAS_MAX];

static bool is_area(const struct ata_swap *a)
{
    for (int i = 0; i < SWAP_AREAS_MAX; i++)
        if (a == &areas[i]) return a->open;
    return false;
}

const struct ata_swap *ata_swap_open(int drive, uint32_t start, uint32_t max_sectors, int *err,
                                     const char **why)
{
    static uint8_t sector[ATA_SECTOR_SIZE];
    static const char *reason;
    int dummy;
    if (!err) err = &dummy;
    if (!why) why = &reason;
    *why = NULL;
    int r = check_io(drive, start, 1, sector);
    if (r) { *err = r; *why = ata_err_name(r); return NULL; }
    if (max_sectors > info[drive].sectors - start) max_sectors = info[drive].sectors - start;
    struct ata_swap *a = NULL, *free_slot = NULL;
    for (int i = 0; i < SWAP_AREAS_MAX; i++) {
        if (areas[i].sectors && areas[i].drive == drive && areas[i].start == start) a = &areas[i];
        if (!areas[i].sectors && !free_slot) free_slot = &areas[i];
    }
    if (!a && !free_slot) { *err = ATA_E_INVALID; *why = "too many swap areas opened"; return NULL; }
    uint32_t area_sectors;
    if ((r = ata_read(drive, start, 1, sector))) { *err = r; *why = ata_err_name(r); }
    else if ((*why = swap_header_check(sector, max_sectors, &area_sectors))) *err = ATA_E_NO_SWAP;
    if (*why) {
        if (a) a->open = false;       /* the header is gone: the handle writes no more */
        return NULL;
    }
    if (!a) a = free_slot;
    const struct swap_header *h = (const struct swap_header *)sector;
    *a = (struct ata_swap){ drive, start, area_sectors, h->id, true };
    *err = ATA_OK;
    return a;
}

int ata_write(const struct ata_swap *area, uint32_t lba, uint32_t count, const void *buf)
{
    if (!is_area(area)) return ATA_E_NO_SWAP;
    int r = check_io(area->drive, lba, count, buf);
    if (r) return r;
    uint32_t first = area->start + ATA_PAGE_SECTORS, end = area->start + area->sectors;
    if (lba < first || lba >= end || count > end - lba) return ATA_E_RANGE;
    return transfer(area->drive, lba, count, (void *)buf, true);
}
