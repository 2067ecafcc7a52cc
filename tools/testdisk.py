"""testdisk.py - the disk images tools/runtests.py attaches for the matrix word disk:KIND:INDEX.

Each run gets a fresh image, made here in the log folder, and the run then has to pass these
checks besides the kernel's own summary:
  - no byte outside the area the kernel may write changed (a SHA-256 over the image with that
    area left out, before and after the run): for an unmarked disk that is every byte;
  - the kernel's boot log has the exact line for this disk: the "swap: ..." line naming the
    device, its size, its slots and the id tools/mkswap.py wrote, and "paging on" (the pager is
    on by default with a swap device; "paging off (nopager)" when the configuration's command
    line has that word), or "no swap device: paging off";
  - with a swap area, no paging/ test skipped, and once paging/slot-round-trip passed, the slots
    changed on the host's side too: the data is in the image file, not only in the emulator.

KIND:
  swap      a 64 MiB whole-disk swap area: tools/mkswap.py IMAGE --size 64M
  unmarked  16 MiB of random bytes: no swap header, so nothing may be written
  swap-read-errors, swap-write-errors
            an 8 MiB whole-disk swap area behind QEMU's blkdebug driver, which fails (EIO) every
            read, or every write, that touches a slot: one [inject-error] rule for the first
            sector of each slot, in a config file beside the image.  The rules take event
            "none" (armed once, when QEMU opens the disk: the IDE device's transfers raise no
            blkdebug event of their own) and iotype "read" or "write", so they match the
            guest's own transfers.  The header page reads as
            usual, so the kernel finds the device.  Besides the checks above, the run must have
            passed the paging/io-error-* test for that kind (on an ordinary disk those tests
            skip: no error to observe).  QEMU only.
  mbr-swap  16 MiB of random bytes with an MBR: partition 1 (type 83, 4 MiB at LBA 2048) stays
            unmarked, partition 2 (type 82, 8 MiB at LBA 10240) is marked by
            tools/mkswap.py IMAGE --partition 2; the MBR, partition 1, the gap and the sectors
            after partition 2 must not change
INDEX: the IDE position, 0 ata0 master, 1 ata0 slave, 2 ata1 master, 3 ata1 slave (QEMU's
-drive if=ide,index=N; Bochs takes index 0 only, tools/bochs-run.sh's BOCHS_DISK).
"""
import hashlib, os, struct, subprocess, sys

TOOLS = os.path.dirname(os.path.abspath(__file__))
KINDS = ("swap", "unmarked", "mbr-swap", "swap-read-errors", "swap-write-errors")
# The blkdebug kinds: the event failed, and the test that must pass with it.
INJECT = {"swap-read-errors": ("read", "paging/io-error-page-in"),
          "swap-write-errors": ("write", "paging/io-error-page-out")}
POSITIONS = ("ata0 master", "ata0 slave", "ata1 master", "ata1 slave")
MIB = 1 << 20
SECTOR = 512
PAGE = 4096
MBR_P1 = (0x83, 2048, 8192)
MBR_P2 = (0x82, 10240, 16384)


def parse(word):
    """disk:KIND:INDEX -> (KIND, INDEX); exits with a message on anything else."""
    f = word.split(":")
    if len(f) != 3 or f[1] not in KINDS or f[2] not in ("0", "1", "2", "3"):
        sys.exit("matrix: bad %r: expected disk:KIND:INDEX, KIND one of %s, INDEX 0-3" % (word, ", ".join(KINDS)))
    return f[1], int(f[2])


def mkswap(*args):
    p = subprocess.run([sys.executable, os.path.join(TOOLS, "mkswap.py")] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode:
        sys.exit("testdisk: mkswap.py %s failed:\n%s" % (" ".join(args), p.stdout.decode(errors="replace")))


def header_id(path, offset):
    with open(path, "rb") as f:
        f.seek(offset)
        h = f.read(40)
    magic, version, slot, size, ident = struct.unpack("<16sIIQQ", h)
    assert magic == b"PAGODA-SWAP-AREA" and version == 1 and slot == PAGE, "mkswap.py wrote no header"
    return size, ident


def make(kind, index, path, nopager=False):
    """Writes a fresh image for kind at path; returns the disk's description (a dict).  nopager:
    the kernel's command line says so, and the "swap: ..." line ends "paging off (nopager)"."""
    paging = "paging off (nopager)" if nopager else "paging on"
    for stale in (path, path + ".lock"):      # Bochs leaves IMAGE.lock when it is killed
        if os.path.exists(stale):
            os.remove(stale)
    name = POSITIONS[index]
    if kind == "swap" or kind in INJECT:
        mkswap(path, "--size", "64M" if kind == "swap" else "8M")
        size, ident = header_id(path, 0)
        disk = {"path": path, "index": index, "kind": kind, "writable": (PAGE, size),
                "expect": "swap: %s whole disk, %d KiB, %d slots, id %016x, %s" % (name, size // 1024, size // PAGE - 1, ident, paging)}
        if kind in INJECT:
            disk["blkdebug"] = path + ".blkdebug"
            with open(disk["blkdebug"], "w") as f:
                for slot in range(1, size // PAGE):
                    f.write('[inject-error]\nevent = "none"\niotype = "%s"\nerrno = "5"\nsector = "%d"\nonce = "off"\n\n'
                            % (INJECT[kind][0], slot * PAGE // SECTOR))
        return disk
    data = bytearray(os.urandom(16 * MIB))
    if kind == "unmarked":
        with open(path, "wb") as f:
            f.write(data)
        return {"path": path, "index": index, "kind": kind, "writable": None,
                "expect": "no swap device: paging off"}
    table = b""
    for ptype, start, count in (MBR_P1, MBR_P2):
        table += struct.pack("<B3sB3sII", 0, b"\xfe\xff\xff", ptype, b"\xfe\xff\xff", start, count)
    data[446:512] = table + bytes(32) + b"\x55\xaa"
    with open(path, "wb") as f:
        f.write(data)
    mkswap(path, "--partition", "2")
    _, start, count = MBR_P2
    size, ident = header_id(path, start * SECTOR)
    return {"path": path, "index": index, "kind": kind,
            "writable": (start * SECTOR + PAGE, start * SECTOR + size),
            "expect": "swap: %s partition 2, %d KiB, %d slots, id %016x, %s" % (name, size // 1024, size // PAGE - 1, ident, paging)}


def _hash(path, lo, hi):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        if lo is None:
            for chunk in iter(lambda: f.read(MIB), b""):
                h.update(chunk)
            return h.hexdigest()
        left = hi - lo
        f.seek(lo)
        while left > 0:
            chunk = f.read(min(MIB, left))
            if not chunk:
                break
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


def fingerprint(disk):
    """(hash of every byte the kernel must not write, hash of the area it may write)."""
    size = os.path.getsize(disk["path"])
    if not disk["writable"]:
        return _hash(disk["path"], None, None), None
    lo, hi = disk["writable"]
    outside = hashlib.sha256((_hash(disk["path"], 0, lo) + _hash(disk["path"], hi, size)).encode()).hexdigest()
    return outside, _hash(disk["path"], lo, hi)


def qemu_args(disk):
    if disk.get("blkdebug"):
        return ["-drive", "if=ide,index=%d,driver=blkdebug,config=%s,image.driver=raw,image.file.filename=%s"
                % (disk["index"], disk["blkdebug"], disk["path"])]
    return ["-drive", "if=ide,index=%d,format=raw,file=%s" % (disk["index"], disk["path"])]


def check(disk, before, text):
    """None when the run left the disk as it must, else the reason."""
    after = fingerprint(disk)
    if after[0] != before[0]:
        if disk["kind"] == "unmarked":
            return "the kernel wrote to the unmarked disk %s" % disk["path"]
        return "the kernel wrote outside the swap area of %s (header page, MBR or other partitions)" % disk["path"]
    lines = [l.rstrip("\r") for l in text.splitlines()]
    if disk["expect"] not in lines:
        found = [l for l in lines if l.startswith(("swap:", "no swap device"))]
        return "no line %r in the log (it says: %s)" % (disk["expect"], "; ".join(found) or "nothing about swap")
    if disk["kind"] != "unmarked":
        skipped = [l.split()[1].rstrip(":") for l in lines if l.startswith("skip") and " paging/" in l]
        # They skip where their error is not injected; the injected one must pass.
        skipped = [t for t in skipped if not t.startswith("paging/io-error-")]
        if disk["kind"] in INJECT:
            must = INJECT[disk["kind"]][1]
            if not any(l.split()[:2] == ["ok", must] for l in lines):
                return "%s did not pass on the %s disk %s" % (must, disk["kind"], disk["path"])
        if skipped:
            return "paging/ tests skipped with a swap disk attached: %s" % " ".join(skipped)
        if any(l.split()[:2] == ["ok", "paging/slot-round-trip"] for l in lines) and after[1] == before[1]:
            return "paging/slot-round-trip passed but the swap area in %s did not change" % disk["path"]
    return None
