#!/usr/bin/env python3
"""mkswap.py - mark a disk image, or one MBR primary partition of it, as a Pagoda swap area.

  mkswap.py IMAGE --size 64M        create IMAGE (a sparse raw disk image) marked as a whole-disk
                                    swap area of that size; --force replaces an existing file
  mkswap.py IMAGE --partition N     mark MBR primary partition N (1-4) of an existing image or
                                    disk (a USB stick image, or /dev/sdX itself) as a swap area

Pagoda pages only to an area with this header (drivers/swapdev.h): the first 4 KiB of the area,
slot 0, hold the magic "PAGODA-SWAP-AREA", the version, the slot size, the area's size in bytes
(header page included, whole 4 KiB pages) and a random id that the kernel's boot log shows
("swap: ata0 master partition 1, 65536 KiB, 16383 slots, id ..., paging on").  Whatever the area held
before is overwritten by the pager; nothing outside it is ever written.  The tool prints what
it did, with the id.

SIZE takes a K, M or G suffix (binary units) or a plain number of bytes; it is rounded down to
whole 4 KiB pages and must hold the header page and at least one slot.  Pagoda's driver reaches
the first 128 GiB of a disk (28-bit LBA): an area beyond that is refused at boot.
"""
import argparse, os, struct, sys

MAGIC = b"PAGODA-SWAP-AREA"
VERSION = 1
SLOT = 4096
SECTOR = 512
LBA28 = 1 << 28


def header(size, ident):
    """The header page: 40 bytes of fields, then zeros to 4 KiB (the layout of struct swap_header)."""
    h = MAGIC + struct.pack("<IIQQ", VERSION, SLOT, size, ident)
    return h + bytes(SLOT - len(h))


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    t = text.strip().upper().rstrip("B").rstrip("I")
    try:
        if t and t[-1] in units:
            return int(float(t[:-1]) * units[t[-1]])
        return int(t)
    except ValueError:
        sys.exit("mkswap: bad size %r (examples: 64M, 1G, 67108864)" % text)


def describe(size, ident):
    return "%d KiB swap area, %d slots of 4 KiB after the header page, id %016x" % (
        size // 1024, size // SLOT - 1, ident)


def device_size(f):
    f.seek(0, os.SEEK_END)
    return f.tell()


def create(path, size, force):
    size -= size % SLOT
    if size < 2 * SLOT:
        sys.exit("mkswap: %s: a swap area needs at least 8 KiB (the header page and one slot)" % path)
    if size // SECTOR > LBA28:
        print("mkswap: warning: past 128 GiB: Pagoda's 28-bit LBA driver will refuse this area", file=sys.stderr)
    if os.path.exists(path) and not force:
        sys.exit("mkswap: %s exists; --force replaces it, --partition N marks a partition of it" % path)
    ident = int.from_bytes(os.urandom(8), "little")
    try:
        with open(path, "wb") as f:
            f.write(header(size, ident))
            f.truncate(size)                  # sparse: the slots read as zeros until written
    except OSError as e:
        sys.exit("mkswap: %s: %s" % (path, e.strerror))
    print("mkswap: created %s: whole disk, %s" % (path, describe(size, ident)))
    print("mkswap: attach it as an IDE disk, e.g. qemu ... -drive if=ide,index=0,format=raw,file=%s" % path)


def mark_partition(path, n):
    if not 1 <= n <= 4:
        sys.exit("mkswap: --partition takes 1 to 4 (an MBR primary partition)")
    try:
        f = open(path, "r+b")
    except OSError as e:
        sys.exit("mkswap: %s: %s" % (path, e.strerror))
    with f:
        mbr = f.read(SECTOR)
        if len(mbr) < SECTOR or mbr[510:512] != b"\x55\xaa":
            sys.exit("mkswap: %s: no MBR partition table (no 55 AA signature at byte 510)" % path)
        entry = mbr[446 + 16 * (n - 1):446 + 16 * n]
        ptype = entry[4]
        start, count = struct.unpack("<II", entry[8:16])
        if ptype == 0 or count == 0 or start == 0:
            sys.exit("mkswap: %s: partition %d is empty" % (path, n))
        if ptype in (0x05, 0x0F, 0x85):
            sys.exit("mkswap: %s: partition %d is an extended partition; mark a primary one" % (path, n))
        if ptype == 0xEE:
            sys.exit("mkswap: %s: a GPT disk (protective MBR); Pagoda reads MBR partitions only" % path)
        for q in range(1, 5):               # the kernel refuses a partition that overlaps another
            o = mbr[446 + 16 * (q - 1):446 + 16 * q]
            ostart, ocount = struct.unpack("<II", o[8:16])
            if q != n and o[4] and ocount and ostart < start + count and start < ostart + ocount:
                sys.exit("mkswap: %s: partition %d overlaps partition %d: fix the partition table first"
                         % (path, n, q))
        total = device_size(f)
        if (start + count) * SECTOR > total:
            sys.exit("mkswap: %s: partition %d (LBA %d, %d sectors) ends past the end of the image (%d bytes)"
                     % (path, n, start, count, total))
        size = count * SECTOR
        size -= size % SLOT
        if size < 2 * SLOT:
            sys.exit("mkswap: %s: partition %d is smaller than 8 KiB" % (path, n))
        if start + size // SECTOR > LBA28:
            print("mkswap: warning: the partition reaches past 128 GiB: Pagoda's 28-bit LBA driver will refuse it",
                  file=sys.stderr)
        ident = int.from_bytes(os.urandom(8), "little")
        f.seek(start * SECTOR)
        f.write(header(size, ident))
        f.flush()
        os.fsync(f.fileno())
    print("mkswap: marked %s partition %d (type %02x, LBA %d, %d sectors): %s"
          % (path, n, ptype, start, count, describe(size, ident)))
    print("mkswap: its old contents are gone for good once Pagoda pages to it")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("image")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--size", help="create IMAGE as a whole-disk swap area of this size (64M, 1G, bytes)")
    g.add_argument("--partition", type=int, metavar="N", help="mark MBR primary partition N of IMAGE")
    ap.add_argument("--force", action="store_true", help="with --size: replace an existing IMAGE")
    a = ap.parse_args()
    if a.size is not None:
        create(a.image, parse_size(a.size), a.force)
    else:
        mark_partition(a.image, a.partition)


if __name__ == "__main__":
    main()
