#!/usr/bin/env python3
"""memmap.py - draw the kernel monitor's `mem` dump as a PNG.

    memmap.py [-o OUT.png] [--title TEXT] [CAPTURE]

CAPTURE is anything that holds the text the monitor's `mem` command prints on COM1 (a serial log,
a terminal capture, tools/montest.py's transcript); the last dump in it is drawn (stdin without
CAPTURE).  The lines it reads (kernel/monitor_mem.c writes them):

    mem: frames 0-LIMIT ...                        the start of a dump
    mem: run FIRST-LAST CLASS COUNT                 frames FIRST..LAST (hex, inclusive) in one state
    mem: count CLASS=N ... ram=N                    the totals
    mem: paging on|off swapped=N ...                pages in swap (they have no frame) and the pager's counts
    mem: band FIRST-LAST NAME mapped=N demand=N     the linear address space of the current process
    mem: end (as N)

The picture: physical memory as a grid, one square per frame (or, above 128 MiB of frames, per
group of frames showing the first state of the legend among them, as the VGA picture does), 1 MiB
per row with its address on the left; the legend with each state's count; the linear address
space as bands with the pages mapped in each.  The colours are the VGA picture's.  Written with
zlib and struct only: no third-party module.
"""
import argparse, re, struct, sys, zlib

# The legend's order is the cells' priority (kernel/monitor_mem.c): a group shows its first state.
CLASSES = [("locked", "locked", (0xAA, 0x00, 0x00)), ("fixed", "fixed", (0xAA, 0x00, 0xAA)),
           ("pagedir", "page dir", (0xFF, 0xFF, 0x55)), ("pagetable", "page table", (0xAA, 0x55, 0x00)),
           ("system", "system", (0x00, 0xAA, 0xAA)), ("used", "used", (0x00, 0x00, 0xAA)),
           ("reserved", "reserved", (0xAA, 0xAA, 0xAA)), ("free", "free", (0x00, 0xAA, 0x00)),
           ("notram", "not RAM", (0x55, 0x55, 0x55))]
COLOUR = {n: c for n, _, c in CLASSES}
ORDER = [n for n, _, _ in CLASSES]
BANDS = {"private": (0x00, 0x00, 0xAA), "kernel": (0xAA, 0xAA, 0xAA), "shared": (0x00, 0xAA, 0x00),
         "selfmap": (0xAA, 0x55, 0x00), "hyper": (0xAA, 0x00, 0x00), "pfndb": (0x00, 0xAA, 0xAA),
         "pool": (0xAA, 0x00, 0xAA), "system": (0x00, 0x00, 0xAA), "syspte": (0xAA, 0x00, 0x00),
         "system2": (0x00, 0x00, 0xAA)}
BG, FG, DIM = (0x10, 0x10, 0x18), (0xE8, 0xE8, 0xE8), (0x90, 0x90, 0x98)

# A 5x7 font for the characters the labels use (lower case is drawn as upper case).
FONT = {
    " ": "00000" * 7,
    "0": "01110100011001110101110011000101110", "1": "00100011000010000100001000010001110",
    "2": "01110100010000100010001000100011111", "3": "11111000100010000010000011000101110",
    "4": "00010001100101010010111110001000010", "5": "11111100001111000001000011000101110",
    "6": "00110010001000011110100011000101110", "7": "11111000010001000100010000100001000",
    "8": "01110100011000101110100011000101110", "9": "01110100011000101111000010001001100",
    "A": "01110100011000111111100011000110001", "B": "11110100011000111110100011000111110",
    "C": "01110100011000010000100001000101110", "D": "11100100101000110001100011001011100",
    "E": "11111100001000011110100001000011111", "F": "11111100001000011110100001000010000",
    "G": "01110100011000010111100011000101111", "H": "10001100011000111111100011000110001",
    "I": "01110001000010000100001000010001110", "J": "00111000100001000010000101001001100",
    "K": "10001100101010011000101001001010001", "L": "10000100001000010000100001000011111",
    "M": "10001110111010110101100011000110001", "N": "10001100011100110101100111000110001",
    "O": "01110100011000110001100011000101110", "P": "11110100011000111110100001000010000",
    "Q": "01110100011000110001101011001001101", "R": "11110100011000111110101001001010001",
    "S": "01111100001000001110000010000111110", "T": "11111001000010000100001000010000100",
    "U": "10001100011000110001100011000101110", "V": "10001100011000110001100010101000100",
    "W": "10001100011000110101101011010101010", "X": "10001100010101000100010101000110001",
    "Y": "10001100011000101010001000010000100", "Z": "11111000010001000100010001000011111",
    ".": "00000000000000000000000000110001100", ",": "00000000000000000000001100010001000",
    ":": "00000011000110000000011000110000000", "-": "00000000000000011111000000000000000",
    "(": "00010001000100001000010000010000010", ")": "01000001000001000010000100010001000",
    "=": "00000000001111100000111110000000000", "/": "00000000010001000100010001000000000",
    "%": "11000110010001000100010001001100011", "+": "00000001000010011111001000010000000",
    ">": "01000001000001000001000100010001000",
}


def text_width(s, scale):
    return len(s) * 6 * scale


class Canvas:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.px = bytearray(bytes(BG) * (w * h))

    def rect(self, x, y, w, h, rgb):
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, self.w), min(y + h, self.h)
        if x0 >= x1:
            return
        row = bytes(rgb) * (x1 - x0)
        for yy in range(y0, y1):
            i = 3 * (yy * self.w + x0)
            self.px[i:i + len(row)] = row

    def text(self, x, y, s, rgb=FG, scale=2):
        for ch in s:
            g = FONT.get(ch) or FONT.get(ch.upper()) or FONT[" "]
            for k, bit in enumerate(g):
                if bit == "1":
                    self.rect(x + (k % 5) * scale, y + (k // 5) * scale, scale, scale, rgb)
            x += 6 * scale

    def png(self):
        raw = b"".join(b"\x00" + bytes(self.px[3 * y * self.w:3 * (y + 1) * self.w]) for y in range(self.h))

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def parse(text):
    """The last dump in text: (limit, runs, counts, bands, as id)."""
    start = text.rfind("mem: frames ")
    if start < 0:
        sys.exit("memmap.py: no `mem` dump in the input (a line starting with 'mem: frames')")
    runs, counts, bands, asid = [], {}, [], None
    for line in text[start:].splitlines():
        line = line.strip()
        m = re.match(r"mem: run ([0-9a-f]+)-([0-9a-f]+) (\w+) (\d+)$", line)
        if m:
            runs.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3)))
            continue
        if line.startswith("mem: count"):
            counts = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
            continue
        m = re.match(r"mem: band ([0-9a-f]+)-([0-9a-f]+) (\w+) mapped=(\d+) demand=(\d+)", line)
        if m:
            bands.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3), int(m.group(4)), int(m.group(5))))
            continue
        m = re.match(r"mem: end \(as (\d+)\)", line)
        if m:
            asid = int(m.group(1))
            break
    if not runs or asid is None:
        sys.exit("memmap.py: the last `mem` dump is incomplete (no runs, or no 'mem: end')")
    unknown = sorted({r[2] for r in runs} - set(ORDER))
    if unknown:
        sys.exit("memmap.py: unknown frame states %s" % unknown)
    return runs[-1][1] + 1, runs, counts, bands, asid


def draw(limit, runs, counts, bands, asid, title):
    cols = 256                                        # 1 MiB of 4 KiB frames per row
    per = 1
    while -(-limit // (per * cols)) > 128:
        per *= 2
    cells = -(-limit // per)
    rows = -(-cells // cols)
    sq = 4 if rows <= 64 else 2
    state = [None] * limit
    for first, last, name in runs:
        state[first:last + 1] = [name] * (last - first + 1)
    label_w = text_width("00000000 ", 1) + 4
    W = max(label_w + cols * sq + 16, 720)
    grid_y = 44
    legend_y = grid_y + rows * sq + 16
    band_y = legend_y + 3 * 22 + 16
    H = band_y + 3 * 18 + 30
    cv = Canvas(W, H)
    cv.text(8, 8, title or "Pagoda: physical memory", FG, 2)
    cv.text(8, 28, "%d frames (%d KiB), 1 square = %d frame%s, 1 row = %d KiB" % (
        limit, limit * 4, per, "" if per == 1 else "s", cols * per * 4), DIM, 1)
    for c in range(cells):
        names = state[c * per:(c + 1) * per]
        name = names[0] if per == 1 else next(n for n in ORDER if n in names)
        r, k = divmod(c, cols)
        cv.rect(label_w + k * sq, grid_y + r * sq, sq, sq, COLOUR[name])
    step = max(1, 8 // sq)                            # an address every 8 pixels or more
    for r in range(0, rows, step * (2 if sq == 2 else 1)):
        cv.text(4, grid_y + r * sq, "%08x" % (r * cols * per * 4096), DIM, 1)
    x, y = 8, legend_y
    for i, (name, label, rgb) in enumerate(CLASSES):
        if i == 5:
            x, y = 8, y + 22
        cv.rect(x, y, 14, 14, rgb)
        s = "%s %d" % (label, counts.get(name, 0))
        cv.text(x + 20, y + 1, s, FG, 2)
        x += 20 + text_width(s, 2) + 18
    if per > 1:
        cv.text(8, y + 26, "a square of several frames shows the first of these states among them", DIM, 1)
    cv.text(8, band_y, "linear address space of as %d: pages mapped (+ committed demand-zero)" % asid, FG, 1)
    shown = [b for b in bands if b[2] in BANDS]
    bw = (W - 16) // max(1, len(shown))
    for i, (first, last, name, mapped, demand) in enumerate(shown):
        bx = 8 + i * bw
        cv.rect(bx, band_y + 14, bw - 2, 18, BANDS[name])
        cv.text(bx + 3, band_y + 20, name, FG, 1)
        cv.text(bx + 3, band_y + 36, "%08x" % first, DIM, 1)
        cv.text(bx + 3, band_y + 46, "%d%s" % (mapped, "+%d" % demand if demand else ""), FG, 1)
    return cv


def main():
    ap = argparse.ArgumentParser(description="draw the kernel monitor's `mem` dump as a PNG")
    ap.add_argument("capture", nargs="?", help="a file holding the dump (default: stdin)")
    ap.add_argument("-o", "--out", default="memmap.png")
    ap.add_argument("--title")
    a = ap.parse_args()
    text = open(a.capture, errors="replace").read() if a.capture else sys.stdin.read()
    cv = draw(*parse(text.replace("\r", "")), a.title)
    open(a.out, "wb").write(cv.png())
    print("memmap.py: wrote %s (%dx%d)" % (a.out, cv.w, cv.h))


if __name__ == "__main__":
    main()
