# pagoda.py - gdb commands for looking at Pagoda's page tables and PFN database from the
# debugger (sourced by the project .gdbinit; works on any gdb with Python).
#
#   pt-walk [/p] VA   the PDE and PTE (or the 4 MiB PDE) that translate VA, every bit named,
#                     the software bits decoded, and the physical address
#   pt-dump [/p]      every present translation of the current address space, merged into
#                     ranges "start-end -> phys, perms"
#   pt-tlb  [/p]      the same leaves, one line per leaf, in QEMU 7.2 `info tlb` format
#                     (tools/gdbtest.py diffs it against `monitor info tlb`)
#   pfn N             the PFN record pfn_db[N], state and flags decoded
#
# Page tables are read the way the kernel reads them: through the self-map (the directory at
# PDE_BASE 0xC0300000, table i at PTE_BASE + i * 4 KiB), i.e. gdb's virtual reads through the
# current CR3.  With /p they are read from physical memory starting at CR3 instead (QEMU's
# gdb stub only: `maint packet Qqemu.PhyMemMode:1`), which still works when the self-map is
# what is broken.  The constants - layout, PTE bits, the core's software encodings, PFN flags -
# are the C headers' (mm/layout.h, mm/x86.h, mm/core/pte_sw.h, mm/core/pfn.h) as the build
# evaluated them into constants.inc next to kernel.elf (tools/constants.c): never a copy here.

import os
import re
import struct

import gdb


def _constants_file():
    """constants.inc of the build whose kernel.elf gdb loaded (.gdbinit loads it first), else
    of $PAGODA_BUILD (default build) under the project root."""
    elf = gdb.current_progspace().filename
    if elf:
        return os.path.join(os.path.dirname(os.path.abspath(elf)), "constants.inc")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(root, os.environ.get("PAGODA_BUILD", "build"), "constants.inc")


def _constants():
    """Every `%define NAME 0x...` of constants.inc; a missing file is an error (run make)."""
    path = _constants_file()
    try:
        text = open(path).read()
    except OSError as e:
        raise gdb.GdbError("pagoda.py: %s (the build writes it with kernel.elf: run make)" % e)
    c = {m.group(1): int(m.group(2), 16)
         for m in re.finditer(r"^%define\s+(\w+)\s+(0x[0-9A-Fa-f]+)\s*$", text, re.M)}
    if "PTE_BASE" not in c:
        raise gdb.GdbError("pagoda.py: no constants in %s" % path)
    return c


K = _constants()
PAGE = K["PAGE_SIZE"]
LARGE = K["LARGE_PAGE_SIZE"]
# Bit names in SDM order.  Bit 7 is PS in a PDE and PAT in a PTE; bits 9-11 are the core's.
_COMMON = [("P", K["PTE_P"]), ("W", K["PTE_W"]), ("U", K["PTE_U"]), ("PWT", K["PTE_PWT"]),
           ("PCD", K["PTE_PCD"]), ("A", K["PTE_A"]), ("D", K["PTE_D"])]
_SW = [("RAW", K["PTE_SW_RAW"]), ("PIN", K["PTE_SW_PIN"]), ("PAGEABLE", K["PTE_SW_PAGEABLE"])]


def bits(e, kind):
    """'P W u pwt ...': a set bit in upper case, a clear one in lower case (Bochs's style)."""
    names = list(_COMMON)
    if kind == "pte":
        names += [("PAT", K["PTE_PAT"]), ("G", K["PTE_G"])]
    elif kind == "large":
        names += [("PS", K["PDE_PS"]), ("G", K["PTE_G"]), ("PAT", K["PDE_PAT_LARGE"])]
    else:                                   # a PDE that points to a page table
        names += [("PS", K["PDE_PS"]), ("G", K["PTE_G"])]
    names += _SW
    return " ".join(n if e & m else n.lower() for n, m in names)


def not_present(e):
    """What a P=0 entry means in the core's software encodings (mm/core/pte_sw.h): empty (a
    system-PTE guard page is empty too), a committed demand-zero page, a page swapped out to a
    slot, or one in transition (the pager's write or read of its frame)."""
    if e == 0:
        return "empty"
    prot = ("rw" if e & K["PTE_W"] else "r-") + (" user" if e & K["PTE_U"] else " kernel")
    pg = ", pageable" if e & K["PTE_SW_PAGEABLE"] else ""
    kind = e & (K["PTE_NP_DEMAND"] | K["PTE_NP_SWAP"])
    top = e >> K["PTE_SLOT_SHIFT"]
    if kind == K["PTE_NP_TRANS"]:
        return "not present: in transition, frame %#x, protection %s%s" % (top, prot, pg)
    if kind == K["PTE_NP_SWAP"]:
        return "not present: swapped out to slot %u, protection %s%s" % (top, prot, pg)
    if e & K["PTE_NP_DEMAND"]:
        return "not present: committed demand-zero, protection %s%s" % (prot, pg)
    return "not present: unknown software encoding %#x" % e


def _u32(expr):
    return int(gdb.parse_and_eval(expr)) & 0xFFFFFFFF


def _read(addr, size):
    return bytes(gdb.selected_inferior().read_memory(addr, size))


class PageTables:
    """Reads the directory and tables of the current address space, via the self-map or
    physically from CR3 (phys=True).  Call close() to leave QEMU's physical mode."""

    def __init__(self, phys=False):
        self.phys = phys
        self.cr0, self.cr3, self.cr4 = _u32("$cr0"), _u32("$cr3"), _u32("$cr4")
        if not self.cr0 & K["CR0_PG"]:
            raise gdb.GdbError("paging is off (CR0 %08x): virtual = physical" % self.cr0)
        if phys:
            r = gdb.execute("maint packet Qqemu.PhyMemMode:1", to_string=True)
            if "OK" not in r:
                raise gdb.GdbError("the stub refused physical mode (QEMU only): " + r.strip())
        self.pd = None

    def close(self):
        if self.phys:
            gdb.execute("maint packet Qqemu.PhyMemMode:0", to_string=True)

    def pse(self):
        return bool(self.cr4 & K["CR4_PSE"])

    def pde_addr(self, pdi):
        return (self.cr3 & ~0xFFF) + 4 * pdi if self.phys else K["PDE_BASE"] + 4 * pdi

    def pte_addr(self, pdi, pti, pde):
        return (pde & ~0xFFF) + 4 * pti if self.phys else K["PTE_BASE"] + pdi * PAGE + 4 * pti

    def directory(self):
        if self.pd is None:
            self.pd = struct.unpack("<1024I", _read(self.pde_addr(0), PAGE))
        return self.pd

    def table(self, pdi):
        return struct.unpack("<1024I", _read(self.pte_addr(pdi, 0, self.directory()[pdi]), PAGE))

    def is_large(self, pde):
        # Without CR4.PSE the CPU ignores PS and walks a table (SDM vol. 3, 4.3).
        return bool(pde & K["PTE_P"] and pde & K["PDE_PS"] and self.pse())

    def leaves(self):
        """(va, pa, entry, large) for every present leaf, in address order."""
        pd = self.directory()
        for i, pde in enumerate(pd):
            if not pde & K["PTE_P"]:
                continue
            if self.is_large(pde):
                yield i << 22, pde & 0xFFC00000, pde, True
                continue
            for j, pte in enumerate(self.table(i)):
                if pte & K["PTE_P"]:
                    yield (i << 22) | (j << 12), pte & ~0xFFF & 0xFFFFFFFF, pte, False


def one_line_errors(cls):
    """Any failure of a command - an expression gdb cannot evaluate (pt-walk foo), memory it
    cannot read, no kernel loaded - is one line naming the command, never a Python traceback."""
    invoke = cls.invoke

    def wrapped(self, arg, from_tty):
        try:
            return invoke(self, arg, from_tty)
        except gdb.GdbError:
            raise
        except (gdb.error, gdb.MemoryError, ValueError, OverflowError, KeyError) as e:
            raise gdb.GdbError("%s: %s" % (cls.NAME, str(e).splitlines()[0] if str(e) else type(e).__name__))
    cls.invoke = wrapped
    return cls


def _args(arg):
    argv = gdb.string_to_argv(arg)
    phys = "/p" in argv
    return phys, [a for a in argv if a != "/p"]


@one_line_errors
class PtWalk(gdb.Command):
    """pt-walk [/p] VA: decode the PDE and PTE (or 4 MiB PDE) for VA and give its physical
address.  /p reads the tables physically from CR3 instead of through the self-map."""

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        phys, rest = _args(arg)
        if len(rest) != 1:
            raise gdb.GdbError("usage: pt-walk [/p] VA")
        va = int(gdb.parse_and_eval(rest[0])) & 0xFFFFFFFF
        pdi, pti = va >> 22, (va >> 12) & 0x3FF
        pt = PageTables(phys)
        try:
            print("VA %08x: PDI %#x PTI %#x  (CR3 %08x CR4 %08x, read %s)" % (
                va, pdi, pti, pt.cr3, pt.cr4, "physically" if phys else "through the self-map"))
            pde = struct.unpack("<I", _read(pt.pde_addr(pdi), 4))[0]
            print("  PDE @%08x = %08x  %s" % (pt.pde_addr(pdi), pde, bits(pde, "large" if pt.is_large(pde) else "pde")
                                             if pde & K["PTE_P"] else not_present(pde)))
            if not pde & K["PTE_P"]:
                print("  -> not mapped (PDE not present)")
                return
            if pt.is_large(pde):
                pa = (pde & 0xFFC00000) | (va & (LARGE - 1))
                print("  4 MiB page at %08x" % (pde & 0xFFC00000))
                print("  -> physical %08x" % pa)
                return
            print("  page table at %08x" % (pde & ~0xFFF & 0xFFFFFFFF))
            pa_pte = pt.pte_addr(pdi, pti, pde)
            pte = struct.unpack("<I", _read(pa_pte, 4))[0]
            print("  PTE @%08x = %08x  %s" % (pa_pte, pte, bits(pte, "pte") if pte & K["PTE_P"] else not_present(pte)))
            if not pte & K["PTE_P"]:
                print("  -> not mapped (PTE not present)")
                return
            eff_w = pde & pte & K["PTE_W"]
            eff_u = pde & pte & K["PTE_U"]
            print("  effective: %s %s" % ("read/write" if eff_w else "read-only",
                                          "user" if eff_u else "supervisor"))
            print("  -> physical %08x" % ((pte & ~0xFFF & 0xFFFFFFFF) | (va & 0xFFF)))
        finally:
            pt.close()


def _perms(pde, e, large):
    """Effective rights (PDE and PTE) plus the leaf's caching, global and software bits."""
    w = e & K["PTE_W"] if large else pde & e & K["PTE_W"]
    u = e & K["PTE_U"] if large else pde & e & K["PTE_U"]
    s = ("rw" if w else "r-") + (" user" if u else " kernel")
    if e & K["PTE_G"]:
        s += " global"
    if e & K["PTE_PCD"]:
        s += " uncached"
    elif e & K["PTE_PWT"]:
        s += " write-through"
    if not large and e & K["PTE_PAT"]:
        s += " pat"
    for name, m in _SW:
        if e & m:
            s += " " + name.lower()
    return s + (" 4M" if large else "")


@one_line_errors
class PtDump(gdb.Command):
    """pt-dump [/p]: the current address space as merged ranges 'start-end -> phys, perms'
(virtual runs whose physical frames are consecutive and whose rights are equal)."""

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        phys, _ = _args(arg)
        pt = PageTables(phys)
        try:
            pd = pt.directory()
            run = None                                   # [start, end, pa_start, perms]
            count = 0
            for va, pa, e, large in pt.leaves():
                size = LARGE if large else PAGE
                perms = _perms(pd[va >> 22], e, large)
                count += size // PAGE
                if run and run[1] == va and run[2] + (va - run[0]) == pa and run[3] == perms:
                    run[1] = va + size
                    continue
                if run:
                    _print_run(run)
                run = [va, va + size, pa, perms]
            if run:
                _print_run(run)
            print("%d pages mapped (CR3 %08x)" % (count, pt.cr3))
        finally:
            pt.close()


def _print_run(r):
    print("%08x-%08x -> %08x-%08x, %s" % (r[0], r[1] - 1, r[2], r[2] + (r[1] - r[0]) - 1, r[3]))


def tlb_line(va, pa, e, large):
    """One line exactly as QEMU 7.2 `info tlb` prints a leaf (target/i386/monitor.c
    print_pte): 4 KiB entries with bit 7 masked, 4 MiB ones with mask ~(2 MiB - 1)."""
    if large:
        pa = e & 0xFFE00000
    else:
        e &= ~K["PDE_PS"]
    flags = "-" + "".join(c if e & m else "-" for c, m in (
        ("G", K["PTE_G"]), ("P", K["PDE_PS"]), ("D", K["PTE_D"]), ("A", K["PTE_A"]),
        ("C", K["PTE_PCD"]), ("T", K["PTE_PWT"]), ("U", K["PTE_U"]), ("W", K["PTE_W"])))
    return "%016x: %016x %s" % (va, pa, flags)


@one_line_errors
class PtTlb(gdb.Command):
    """pt-tlb [/p]: every present leaf, one line each, in QEMU 7.2 'info tlb' format."""

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        phys, _ = _args(arg)
        pt = PageTables(phys)
        try:
            for leaf in pt.leaves():
                print(tlb_line(*leaf))
        finally:
            pt.close()


def _enum_names(type_name):
    try:
        return {int(f.enumval): f.name for f in gdb.lookup_type(type_name).fields()}
    except gdb.error:
        return {}


def _frame_role(n):
    """What a frame is, where the PFN state alone does not say (RESERVED, SYSTEM, PAGEDIR)."""
    pa = n * PAGE
    if n == _u32("$cr3") >> 12:
        return "the current page directory (CR3)"
    try:
        ks = int(gdb.parse_and_eval("(unsigned)&_kernel_start")) - K["KERNEL_VBASE"]
        ke = int(gdb.parse_and_eval("(unsigned)&_kernel_end")) - K["KERNEL_VBASE"]
    except gdb.error:
        ks = ke = 0
    if ks <= pa < ke:
        sym = gdb.execute("info symbol %#x" % (pa + K["KERNEL_VBASE"]), to_string=True).strip()
        return "in the kernel image (%s)" % (sym if not sym.startswith("No symbol") else "no symbol here")
    if pa < 0x100000:
        return "in the first MiB (BIOS data, EBDA, VGA memory and ROMs: never used)"
    return None


@one_line_errors
class Pfn(gdb.Command):
    """pfn N: print the PFN database record pfn_db[N] (mm/core/pfn.h) with its state decoded.
N is any expression, e.g. pfn $cr3 >> 12."""

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        if not arg.strip():
            raise gdb.GdbError("usage: pfn N")
        n = int(gdb.parse_and_eval(arg)) & 0xFFFFFFFF
        pfn_max = _u32("pfn_max")
        if n >= pfn_max:
            print("pfn %#x: no record (pfn_max %#x): not RAM as far as the kernel knows" % (n, pfn_max))
            return
        r = gdb.parse_and_eval("pfn_db")[n]
        state = int(r["state"])
        names = _enum_names("enum pfn_state")
        sname = names.get(state, "?%d" % state)
        flags = int(r["flags"])
        known = sorted((m, n[len("PFNF_"):]) for n, m in K.items() if n.startswith("PFNF_"))
        fl = [f for m, f in known if flags & m]
        rest = flags & ~sum(m for m, _ in known)
        if rest:
            fl.append("%#x" % rest)
        nxt, prv = int(r["next"]) & 0xFFFFFFFF, int(r["prev"]) & 0xFFFFFFFF
        link = lambda v: "none" if v == 0xFFFFFFFF else "%#x" % v
        print("pfn %#x (physical %08x): %s, flags %s" % (n, n * PAGE, sname.replace("PFN_", ""),
                                                           "|".join(fl) or "none"))
        print("  map_count %d  lock_count %d  hold_count %d" % (
            int(r["map_count"]), int(r["lock_count"]), int(r["hold_count"])))
        what = _frame_role(n)
        if what:
            print("  this frame is %s" % what)
        if sname == "PFN_FREE":
            print("  free list: next %s prev %s" % (link(nxt), link(prv)))
        else:
            print("  next %#x prev %#x (scratch outside the free lists)" % (nxt, prv))


PtWalk.NAME, PtDump.NAME, PtTlb.NAME, Pfn.NAME = "pt-walk", "pt-dump", "pt-tlb", "pfn"
PtWalk()
PtDump()
PtTlb()
Pfn()
