# selftest.py - the gdb side of tools/gdbtest.py: one scripted debugging session.
#
# Sourced by gdb after the project .gdbinit has loaded the symbols and tools/gdb/pagoda.py
# and connected to a QEMU started with -S and `test=all`.  Prints one line per check in the
# harness's style ("ok      NAME" / "not ok  NAME: why"); gdbtest.py collects them and
# reports a check that never printed as not reached.  Every check compares two independent
# sources: the debugger's view (symbols, our gdb commands) against QEMU's (registers, the
# monitor's own page walk) or against what the kernel documents (layout.h, pfn.h).
#
#   boot/gdb-hbreak-entry        a hardware breakpoint on _start's *physical* address hits
#                                with paging off (software breakpoints on higher-half
#                                symbols cannot: the CPU is not there yet)
#   boot/gdb-kmain               break kmain: backtrace reaches _start, magic == 0x2BADB002
#   boot/gdb-tests-run           break tests_run after mm_init: pattern == "all", CR0.PG|WP
#   boot/gdb-pt-walk-*           pt-walk vs `monitor gva2gpa` and the `info tlb` line, for the
#                                kernel text, the self-map, the null page and 0xFFC00000
#   boot/gdb-pt-walk-physical    pt-walk /p (tables read from CR3) agrees with the self-map
#   boot/gdb-pfn                 pfn decodes pfn_db: kernel image RESERVED, a pool page table
#                                PAGETABLE with map_count = its non-zero entries
#   boot/gdb-qemu-exit           break qemu_exit after the suite: code 0x10 (all passed)
#   boot/qemu-oracle-pt-dump     the whole address space, ours (pt-tlb, through the self-map)
#                                against QEMU's `info tlb` (a physical walk from CR3): 0 diffs
#   boot/qemu-oracle-detects-broken-selfmap  the same diff, with the self-map PDE pointed at
#                                the wrong table, must find differences (the oracle can fail)
import re
import struct

import gdb

# K (the headers' constants, from the build's constants.inc) and PAGE come from pagoda.py: gdb
# runs every sourced Python file in the same __main__ namespace, and .gdbinit sources pagoda.py
# first.
KERNEL_TEXT = K["KERNEL_VBASE"] + K["KERNEL_PHYS_LOAD"]      # where the image starts (linker.ld)


def report(name, why):
    """why is None for a pass, else the reason."""
    if why is None:
        print("ok      " + name)
    else:
        print("not ok  %s: %s" % (name, why))


def run(cmd):
    return gdb.execute(cmd, to_string=True)


def u32(expr):
    return int(gdb.parse_and_eval(expr)) & 0xFFFFFFFF


def check(name, fn):
    try:
        report(name, fn())
    except Exception as e:             # a gdb error is a failed check, not a crashed session
        report(name, "%s: %s" % (type(e).__name__, str(e).strip().splitlines()[0] if str(e).strip() else ""))


def stop_at(spec, hard=False):
    run("delete")
    run(("hbreak " if hard else "break ") + spec)
    run("continue")


def hmp_lines(cmd):
    return [l.rstrip("\r") for l in run("monitor " + cmd).splitlines() if l.strip()]


# ---- boot ---------------------------------------------------------------------------------
def hbreak_entry():
    entry = u32("(unsigned)&_start") - K["KERNEL_VBASE"]
    stop_at("*%#x" % entry, hard=True)
    pc, cr0 = u32("$pc"), u32("$cr0")
    if pc != entry:
        return "stopped at %08x, expected the physical entry %08x" % (pc, entry)
    if cr0 & K["CR0_PG"]:
        return "paging already on at the entry (CR0 %08x)" % cr0
    return None


def kmain():
    stop_at("kmain")
    frame = gdb.selected_frame()
    if frame.name() != "kmain":
        return "stopped in %s" % frame.name()
    bt = run("bt")
    if "_start" not in bt:
        return "backtrace does not reach _start: " + " | ".join(bt.splitlines())
    magic = u32("magic")
    if magic != 0x2BADB002:
        return "magic = %#x, expected 0x2badb002" % magic
    return None


def tests_run():
    stop_at("tests_run")
    pattern = gdb.parse_and_eval("pattern").string()
    if pattern != "all":
        return "pattern = %r, expected 'all'" % pattern
    cr0 = u32("$cr0")
    if cr0 & (K["CR0_PG"] | K["CR0_WP"]) != K["CR0_PG"] | K["CR0_WP"]:
        return "CR0 %08x: paging or write-protect off" % cr0
    return None


# ---- pt-walk against QEMU's walk ------------------------------------------------------------
def walk(va, phys=False):
    """(physical address or None, the walk's text)."""
    out = run("pt-walk %s%#x" % ("/p " if phys else "", va))
    m = re.search(r"-> physical ([0-9a-f]{8})", out)
    if m:
        return int(m.group(1), 16), out
    if "-> not mapped" not in out:
        raise gdb.GdbError("pt-walk printed neither a physical address nor 'not mapped': " + out)
    return None, out


def qemu_gpa(va):
    out = " ".join(hmp_lines("gva2gpa %#x" % va))
    m = re.search(r"gpa: (0x[0-9a-f]+)", out)
    if m:
        return int(m.group(1), 16)
    if "Unmapped" in out:
        return None
    raise gdb.GdbError("unexpected gva2gpa answer: " + out)


def pt_walk_check(va, expect):
    def fn():
        mine, text = walk(va)
        q = qemu_gpa(va)
        if mine != q:
            return "pt-walk says %s, QEMU gva2gpa says %s" % (
                "unmapped" if mine is None else "%08x" % mine, "Unmapped" if q is None else "%08x" % q)
        want = expect() if callable(expect) else expect
        if mine != want:
            return "both say %s, expected %s" % (mine and "%08x" % mine, want and "%08x" % want)
        if mine is not None:                 # same leaf flags as QEMU's own listing
            ours = [l for l in run("pt-tlb").splitlines() if int(l.split(":")[0], 16) == va & ~0xFFF]
            theirs = [l for l in TLB() if int(l.split(":")[0], 16) == va & ~0xFFF]
            if ours != theirs:
                return "leaf differs: ours %s, QEMU %s" % (ours, theirs)
        return None
    return fn


_tlb = []


def TLB():
    if not _tlb:
        _tlb.extend(hmp_lines("info tlb"))
    return _tlb


def physical_mode():
    for va in (KERNEL_TEXT, K["PDE_BASE"], K["KPOOL_BASE"]):
        a, _ = walk(va)
        b, _ = walk(va, phys=True)
        if a != b:
            return "%08x: self-map walk %s, physical walk %s" % (va, a, b)
    return None


# ---- pfn --------------------------------------------------------------------------------------
def pfn_check():
    kernel = K["KERNEL_PHYS_LOAD"] >> 12
    out = run("pfn %#x" % kernel)
    if "RESERVED" not in out:
        return "kernel image frame %#x: %s" % (kernel, out.strip())
    _, text = walk(K["KPOOL_BASE"])
    m = re.search(r"page table at ([0-9a-f]{8})", text)
    if not m:
        return "no page table under the kernel pool: " + text
    table = int(m.group(1), 16)
    out = run("pfn %#x" % (table >> 12))
    if "PAGETABLE" not in out:
        return "pool page table %08x: %s" % (table, out.strip())
    entries = struct.unpack("<1024I", bytes(gdb.selected_inferior().read_memory(
        K["PTE_BASE"] + (K["KPOOL_BASE"] >> 22) * PAGE, PAGE)))
    nonzero = sum(1 for e in entries if e)
    mc = int(re.search(r"map_count (\d+)", out).group(1))
    if mc != nonzero:
        return "pool page table: map_count %d, but %d non-zero entries" % (mc, nonzero)
    out = run("pfn pfn_max")
    if "no record" not in out:
        return "pfn pfn_max should have no record: " + out.strip()
    return None


def pfn_explains_cr3():
    """pfn of the page directory says what the frame is, not only its state."""
    out = run("pfn $cr3 >> 12")
    return None if "the current page directory (CR3)" in out else "pfn $cr3 >> 12: " + out.strip()


def bad_arguments_one_line():
    """A command given something it cannot evaluate fails with one line naming it - a gdb error,
    no Python traceback."""
    for cmd in ("pt-walk foo", "pfn nosuchsymbol", "pt-walk", "pt-walk 1 2"):
        try:
            out = run(cmd)
            return "%s: no error (%r)" % (cmd, out.strip()[:80])
        except gdb.error as e:
            msg = str(e).strip()
            if "\n" in msg or "Traceback" in msg or not (msg.startswith(cmd.split()[0] + ":") or
                                                         msg.startswith("usage: " + cmd.split()[0])):
                return "%s: %r" % (cmd, msg[:120])
    return None


# ---- the oracle -----------------------------------------------------------------------------
def qemu_exit():
    stop_at("qemu_exit")
    code = u32("code")
    return None if code == 0x10 else "qemu_exit(%#x): the in-kernel suite failed (see the serial log)" % code


def tlb_diff():
    ours = [l for l in run("pt-tlb").splitlines() if l.strip()]
    theirs = hmp_lines("info tlb")
    only_ours = sorted(set(ours) - set(theirs))
    only_theirs = sorted(set(theirs) - set(ours))
    return ours, theirs, only_ours, only_theirs


def oracle():
    ours, theirs, a, b = tlb_diff()
    if not theirs:
        return "QEMU's info tlb printed nothing"
    if a or b or len(ours) != len(theirs):
        return "%d lines ours, %d QEMU; %d only ours (first %s), %d only QEMU's (first %s)" % (
            len(ours), len(theirs), len(a), a[:1], len(b), b[:1])
    print("# oracle: %d leaf translations identical in pt-tlb and info tlb" % len(ours))
    return None


def oracle_detects():
    """Point the self-map PDE at the kernel's page table: our walk (through the self-map) now
    reads a wrong directory while QEMU still walks from CR3.  Restore through a physical write
    (the self-map cannot be used to repair itself)."""
    cr3 = u32("$cr3") & ~0xFFF
    slot = cr3 + 4 * K["SELFMAP_PDI"]
    good = u32("*(unsigned *)%#x" % (K["PDE_BASE"] + 4 * K["SELFMAP_PDI"]))
    wrong = (u32("*(unsigned *)%#x" % (K["PDE_BASE"] + 4 * (K["KERNEL_VBASE"] >> 22))) & ~0xFFF) | (good & 0xFFF)
    run("maint packet Qqemu.PhyMemMode:1")
    try:
        run("set *(unsigned *)%#x = %#x" % (slot, wrong))
    finally:
        run("maint packet Qqemu.PhyMemMode:0")
    try:
        try:
            _, _, a, b = tlb_diff()
            found = bool(a or b)
        except gdb.error:
            found = True                       # a wild directory can make the walk unreadable
    finally:
        run("maint packet Qqemu.PhyMemMode:1")
        try:
            run("set *(unsigned *)%#x = %#x" % (slot, good))
        finally:
            run("maint packet Qqemu.PhyMemMode:0")
    _, _, a, b = tlb_diff()
    if a or b:
        return "the views still differ after restoring the self-map PDE"
    return None if found else "no difference found with a broken self-map"


check("boot/gdb-hbreak-entry", hbreak_entry)
check("boot/gdb-kmain", kmain)
check("boot/gdb-tests-run", tests_run)
check("boot/gdb-pt-walk-kernel-text", pt_walk_check(KERNEL_TEXT, K["KERNEL_PHYS_LOAD"]))
check("boot/gdb-pt-walk-selfmap", pt_walk_check(K["PDE_BASE"], lambda: u32("$cr3") & ~0xFFF))
check("boot/gdb-pt-walk-null-page", pt_walk_check(0, None))
check("boot/gdb-pt-walk-invalid-region", pt_walk_check(K["INVALID_START"], None))
check("boot/gdb-pt-walk-physical", physical_mode)
check("boot/gdb-pfn", pfn_check)
check("boot/gdb-pfn-explains-the-page-directory", pfn_explains_cr3)
check("boot/gdb-bad-arguments-one-line-errors", bad_arguments_one_line)
check("boot/gdb-qemu-exit", qemu_exit)
check("boot/qemu-oracle-pt-dump", oracle)
check("boot/qemu-oracle-detects-broken-selfmap", oracle_detects)
run("delete")
print("# session: letting the kernel finish")
try:
    run("continue")                            # QEMU exits through isa-debug-exit
except gdb.error as e:
    print("# " + str(e).strip())
