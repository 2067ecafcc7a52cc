#!/usr/bin/env python3
"""montest.py - drive the kernel monitor (kernel/monitor.c) in QEMU and check what it says.

    montest.py MODE CPU MEM LOGFILE CPULOG [extra QEMU arguments]
    montest.py --session [--kbd] [--cpu C] [--mem M] [LINE...]   print a session's transcript

The kernel boots with `monitor` on its command line.  COM1 is a unix socket (QEMU waits for this
script to connect before it starts the guest, so the boot log is read whole); QEMU's QMP socket
types on the PS/2 keyboard (`sendkey`) and saves the VGA text buffer (`pmemsave` of 0xB8000,
as tools/vgarun.py reads the screen).

MODE serial: a scripted session over COM1.  It calls services of all three personalities and
checks their printed results against `pt` walks and `pfn` records, checks that `mem` counts
agree with `stats`, throws hostile lines at the prompt (each must get exactly one `error:` line
and the prompt back, with mm_check clean and the counters unchanged afterwards), runs a test
pattern and a benchmark row twice over (the monitor must come back each time, and QEMU must not
exit), and leaves with `reboot`.
MODE kbd: the same prompt typed on the keyboard (shift, caps lock, backspace, Ctrl-C), echoed on
COM1 and on the screen, and `mem`'s picture read off the VGA text buffer and checked cell by
cell against the text dump on COM1.

LOGFILE gets one line per check ("ok      monitor/NAME", "not ok  monitor/NAME: why") and a final
"N passed, N failed" (tools/runtests.py reads it like a kernel log); the session's transcript goes
to LOGFILE with .log replaced by .serial.log.  Exit status 0 once the session ran (the verdict is
in the log), 3 when QEMU or the connection died first.
"""
import json, os, re, socket, subprocess, sys, tempfile, time
import qemu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("PAGODA_BUILD", "build"))
PROMPT = "pagoda> "


class Dead(Exception):
    pass


def Qmp(path, deadline):
    """tools/qemu.py's QMP client; a closed connection is Dead here."""
    return qemu.Qmp(path, deadline, closed=Dead)


def connect(path, deadline):
    while True:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.time() > deadline:
                raise Dead("no socket %s" % path)
            time.sleep(0.02)


# The US-layout keys QEMU's sendkey knows, for the characters a command line uses.
KEYS = {" ": "spc", "-": "minus", "=": "equal", ".": "dot", ",": "comma", "/": "slash", ";": "semicolon",
        "'": "apostrophe", "[": "bracket_left", "]": "bracket_right", "\\": "backslash", "`": "grave_accent"}
SHIFTED = {"!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7", "*": "8", "(": "9", ")": "0",
           "_": "minus", "+": "equal", "|": "backslash", ":": "semicolon", '"': "apostrophe", "<": "comma",
           ">": "dot", "?": "slash", "{": "bracket_left", "}": "bracket_right", "~": "grave_accent"}


def key_of(c):
    if c.isdigit() or "a" <= c <= "z":
        return c
    if "A" <= c <= "Z":
        return "shift-" + c.lower()
    if c in KEYS:
        return KEYS[c]
    if c in SHIFTED:
        return "shift-" + SHIFTED[c]
    raise ValueError("no key for %r" % c)


class Session:
    def __init__(self, cpu, mem, cpulog, extra=(), vga=False, cmdline="monitor"):
        self.tmp = tempfile.mkdtemp(prefix="pagoda-mon-")
        ser, qmp = os.path.join(self.tmp, "com1.sock"), os.path.join(self.tmp, "qmp.sock")
        cmd = qemu.base_cmd(cpu, mem) + qemu.kernel_boot(os.path.join(BUILD, "kernel.elf"), cmdline) + \
            ["-chardev", "socket,id=com1,path=%s,server=on,wait=on" % ser, "-serial", "chardev:com1",
             "-qmp", "unix:%s,server=on,wait=off" % qmp] + qemu.reset_log(cpulog) + \
            (["-device", "VGA"] if vga else []) + list(extra)
        self.q = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        self.s = connect(ser, deadline)
        self.mon = Qmp(qmp, deadline)
        self.text = ""            # everything COM1 said
        self.pos = 0              # how much of it the checks have consumed

    def close(self):
        for closer in (self.s.close, self.mon.s.close):
            try:
                closer()
            except OSError:
                pass
        if self.q.poll() is None:
            self.q.kill()
        self.q.wait()
        for f in os.listdir(self.tmp):
            os.remove(os.path.join(self.tmp, f))
        os.rmdir(self.tmp)

    def _read(self, timeout):
        self.s.settimeout(timeout)
        try:
            b = self.s.recv(65536)
        except socket.timeout:
            return False
        except OSError as e:
            raise Dead("COM1: %s" % e)
        if not b:
            raise Dead("COM1 closed (QEMU exited)")
        self.text += b.decode("latin-1").replace("\r", "")
        return True

    def expect(self, what, timeout=10.0):
        """Reads until `what` (a string) shows after pos; returns the text up to it, pos after it."""
        deadline = time.time() + timeout
        while True:
            i = self.text.find(what, self.pos)
            if i >= 0:
                out = self.text[self.pos:i]
                self.pos = i + len(what)
                return out
            left = deadline - time.time()
            if left <= 0:
                raise Dead("timeout waiting for %r; last output: %r" % (what, self.text[-300:]))
            self._read(min(left, 0.5))

    def send(self, data):
        self.s.sendall(data.encode("latin-1"))

    def cmd(self, line, timeout=10.0):
        """One command over COM1: its output, without the echo and the next prompt."""
        self.send(line + "\r")
        out = self.expect(PROMPT, timeout)
        nl = out.find("\n")
        return out[nl + 1:] if nl >= 0 else out

    # --- the keyboard ---
    def key(self, k, echo=None):
        """Presses one key (QEMU qcode, shift-x, ctrl-c) and waits for its echo on COM1, if any."""
        self.mon.hmp("sendkey %s 20" % k)
        if echo is not None:
            self.expect(echo, 5)
        time.sleep(0.03)          # the release (20 ms hold) before the next press

    def type(self, text):
        for c in text:
            self.key(key_of(c), c)

    def typed_cmd(self, line, timeout=10.0):
        self.type(line)
        self.key("ret")
        out = self.expect(PROMPT, timeout)
        nl = out.find("\n")
        return out[nl + 1:] if nl >= 0 else out

    def screen(self):
        """The VGA text buffer: 25 rows of 80 (character, attribute)."""
        dump = os.path.join(self.tmp, "screen.bin")
        self.mon.cmd("pmemsave", val=0xB8000, size=80 * 25 * 2, filename=dump)
        b = open(dump, "rb").read()
        os.remove(dump)
        return [[(chr(b[2 * (r * 80 + c)]), b[2 * (r * 80 + c) + 1]) for c in range(80)] for r in range(25)]


# ---- parsing the monitor's answers ----------------------------------------------------------------

def kv(line):
    return {k: int(v, 0) for k, v in re.findall(r"([\w-]+)=(\w+)", line)}


def stats_of(out):
    d = {}
    for line in out.splitlines():
        if line.startswith("stats:"):
            d.update(kv(line))
    return d


def mem_of(out):
    runs, counts, bands = [], {}, {}
    for line in out.splitlines():
        m = re.match(r"mem: run ([0-9a-f]+)-([0-9a-f]+) (\w+) (\d+)$", line)
        if m:
            runs.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3)))
        elif line.startswith("mem: count"):
            counts = kv(line)
        m = re.match(r"mem: band ([0-9a-f]+)-([0-9a-f]+) (\w+) mapped=(\d+) demand=(\d+)", line)
        if m:
            bands[m.group(3)] = (int(m.group(1), 16), int(m.group(4)), int(m.group(5)))
    return runs, counts, bands


def result_of(out, name):
    """'NAME -> 0x..' (and its edx) from a call's output; None when it failed."""
    m = re.search(r"^%s -> (0x[0-9a-f]+|\w+)(?: \(edx (0x[0-9a-f]+)\))?" % re.escape(name), out, re.M)
    if not m:
        return None
    v = int(m.group(1), 0) if m.group(1).startswith("0x") else m.group(1)
    return (v, int(m.group(2), 0)) if m.group(2) else v


def field(out, name):
    m = re.search(r"^  %s = (0x[0-9a-f]+)$" % re.escape(name), out, re.M)
    return int(m.group(1), 16) if m else None


def phys_of(out):
    m = re.search(r"-> physical ([0-9a-f]{8})", out)
    return int(m.group(1), 16) if m else None


def errors_in(out):
    return [l for l in out.splitlines() if l.startswith("error: ")]


class Checks:
    def __init__(self):
        self.lines, self.passed, self.failed = [], 0, 0

    def __call__(self, name, good, why=""):
        line = "%-7s monitor/%s%s" % ("ok" if good else "not ok", name, "" if good else ": " + why)
        self.lines.append(line)
        print(line)
        if good:
            self.passed += 1
        else:
            self.failed += 1
        return good


# ---- the checks --------------------------------------------------------------------------------------

def counts_agree(ck, name, s, st, mem_out):
    runs, c, bands = mem_of(mem_out)
    want = {"free": st["free"], "used+locked+fixed": st["used"], "pagetable": st["pagetables"],
            "pagedir": st["pagedirs"], "system": st["system"], "reserved": st["reserved"], "ram": st["total"]}
    got = {"free": c.get("free"), "used+locked+fixed": c.get("used", 0) + c.get("locked", 0) + c.get("fixed", 0),
           "pagetable": c.get("pagetable"), "pagedir": c.get("pagedir"), "system": c.get("system"),
           "reserved": c.get("reserved"), "ram": c.get("ram")}
    bad = ["%s: mem %s, stats %s" % (k, got[k], want[k]) for k in want if got[k] != want[k]]
    if c.get("locked", 0) + c.get("fixed", 0) > st["locked"]:
        bad.append("locked+fixed frames %d > stats locked %d" % (c["locked"] + c["fixed"], st["locked"]))
    total = sum(last - first + 1 for first, last, _ in runs)
    if not runs or runs[0][0] != 0 or total != sum(v for k, v in c.items() if k != "ram"):
        bad.append("the runs cover %d frames, the counts %d" % (total, sum(v for k, v in c.items() if k != "ram")))
    return ck(name, not bad, "; ".join(bad))


HOSTILE = [
    "frobnicate", "pt", "pt zz", "pt 0x1ffffffff", "pfn -", "pfn 0x", "x" * 300, "call", "call NoSuchService 1",
    "call _PageAllocate 1 2", "call _PageAllocate 4 PG_BOGUS SYSVM 0 0 0 out PAGEFIXED",
    "call _PageAllocate 0xFFFFFFFF PG_SYS SYSVM 0 0 0 out PAGEFIXED",
    "call _PageAllocate 4 PG_SYS SYSVM 0 0 0 0xC0300000 PAGEFIXED",
    "call _PageAllocate 4 PG_SYS SYSVM 0 0 0 0x80100000 PAGEFIXED|PAGEZEROINIT",
    "call _PageFree 0xdeadb000 0", "call _PageReserve PR_SYSTEM 0xFFFFFFFF 0",
    "call _PageCommit 0xFFFFF 0x7FFFFFFF PD_ZEROINIT 0 PC_FIXED|PC_WRITEABLE",
    "call _LinPageLock 0 1 0", "call _CopyPageTable 0xC0000 0xFFFFFFFF out 0", "call _CopyPageTable 0xC0000 0x2000 out 0",
    "test boot/panic-on-purpose",
    "call DevHelp_VMLock 0 0xC0000000 4096 out out out", "call DevHelp_VMUnLock 0x80100000",
    "call DevHelp_VMAlloc VMDHA_FIXED 0xFFFFFFFF VMDHA_NOPHYSADDR out out", "call DevHelp_VMAlloc 0 4096 0 0x1234 out",
    "call DevHelp_PageListToLin 4096 0x0:0x1000000 out", "call DevHelp_LinToPageList 0xC0C00000 4096 out out",
    "call MmProbeAndLockPages 0x12345678 KernelMode IoReadAccess", "call MmMapIoSpace 0x100000000 4096 MmNonCached",
    "call MmMapIoSpace 0 0 MmNonCached", "call MmFreeContiguousMemory 0x80100000",
    "call IoAllocateMdl 0 0 0 0 0x1234", "call MmUnmapLockedPages 0xE0000000 0x5",
    "r 0", "r 0xFFFFFFFF", "r 0x1000 65", "w 0x80100000 0", "w 0xC0300000 0", "w 0 0", "w 0x1001 0",
    "as 99", "as del 0", "as del 99", "test", "bench", "help nosuchthing",
    "\x1b[A\x01\x02junk\x7f\x7f\x7f\x7f\x7f\x7fzzz", "a b c d e f g h i j k l m n o p q r",
]
# Services that return nothing and refuse a bad argument by doing nothing: no error line to show,
# but the page tables must stay as they were.
SILENT = ["call _GetDemandPageInfo 0x80100000 0", "call MmUnmapIoSpace 0xE0000000 4096",
          "call MmUnmapIoSpace 0 0", "call MmFreeContiguousMemorySpecifyCache 0 0 MmCached"]


def serial_session(ck, s):
    s.expect(PROMPT, 30)
    boot = s.text
    ck("boot-to-prompt", "PANIC" not in boot and "Pagoda monitor" in boot, "no prompt or a panic at boot")
    out = s.cmd("help")
    ck("help-lists-commands", all(w in out for w in ("mem", "map", "pt VA", "call", "stats", "check", "test PATTERN")), out[-200:])
    out = s.cmd("help call")
    ck("help-call-lists-three-personalities", all(w in out for w in ("_PageAllocate", "DevHelp_VMLock", "MmMapIoSpace")))

    st0 = stats_of(s.cmd("stats"))
    counts_agree(ck, "mem-counts-match-stats-at-boot", s, st0, s.cmd("mem"))
    ck("check-clean-at-boot", s.cmd("check").strip() == "check: ok")

    # VxD: a fixed block; its frames as PhysAddr says, pinned, then locked, then freed.
    out = s.cmd("call _PageAllocate 4 PG_SYS 0 0 0 0x100000 out PAGEFIXED|PAGEUSEALIGN|PAGECONTIG|PAGEZEROINIT")
    r, phys = result_of(out, "_PageAllocate"), field(out, "PhysAddr")
    ok = isinstance(r, tuple) and phys is not None
    ck("vxd-page-allocate", ok, out)
    if ok:
        h, lin = r
        walk = s.cmd("pt 0x%x" % lin)
        ck("vxd-page-allocate-physaddr-is-pt-walk", phys_of(walk) == phys, "PhysAddr %x, pt %s" % (phys, walk))
        ck("vxd-page-allocate-shows-new-pinned-mapping",
           re.search(r"^  \+ %08x-%08x -> %08x, rw kernel.* pin" % (lin, lin + 0x3fff, phys), out, re.M) is not None, out)
        ck("vxd-map-shows-block", re.search(r"^%08x-%08x -> %08x-" % (lin, lin + 0x3fff, phys), s.cmd("map"), re.M)
           is not None)
        out = s.cmd("call _LinPageLock 0x%x 4 0" % (lin >> 12))
        rec = s.cmd("pfn 0x%x" % (phys >> 12))
        ck("vxd-lin-page-lock", result_of(out, "_LinPageLock") == 1 and "lock_count 2" in rec and "used, locked" in rec
           and "page tables: unchanged" in out, out + rec)
        st = stats_of(s.cmd("stats"))
        counts_agree(ck, "mem-counts-match-stats-with-locks", s, st, s.cmd("mem"))
        out = s.cmd("call _LinPageUnLock 0x%x 4 0" % (lin >> 12))
        ck("vxd-lin-page-unlock", result_of(out, "_LinPageUnLock") == 1 and "lock_count 1" in s.cmd("pfn 0x%x" % (phys >> 12)), out)
        out = s.cmd("call _PageFree 0x%x 0" % h)
        ck("vxd-page-free-removes-mapping", result_of(out, "_PageFree") == 1 and
           re.search(r"^  - %08x-%08x" % (lin, lin + 0x3fff), out, re.M) is not None, out)

    # DevHelp: VMAlloc, VMLock's PAGELIST against pt, the lock seen by pfn, VMUnLock, VMFree.
    out = s.cmd("call DevHelp_VMAlloc VMDHA_FIXED 8192 VMDHA_NOPHYSADDR out out")
    lin = field(out, "LinearAddr")
    ck("devhlp-vmalloc", result_of(out, "DevHelp_VMAlloc") == "0" or "-> 0 NO_ERROR" in out and lin, out)
    if lin:
        out = s.cmd("call DevHelp_VMLock VMDHL_WRITE|VMDHL_LONG 0x%x 8192 out out out" % lin)
        pl = [(int(a, 16), int(b, 16)) for a, b in re.findall(r"PhysAddr 0x([0-9a-f]+) Size 0x([0-9a-f]+)", out)]
        handle = re.search(r"pLockHandle at (0x[0-9a-f]+)", out)
        p0, p1 = phys_of(s.cmd("pt 0x%x" % lin)), phys_of(s.cmd("pt 0x%x" % (lin + 4096)))
        want = [(p0, 0x2000)] if p1 == p0 + 4096 else [(p0, 0x1000), (p1, 0x1000)]
        ck("devhlp-vmlock-pagelist-is-pt-walk", "-> 0 NO_ERROR" in out and pl == want, "%s vs %s" % (pl, want))
        rec = s.cmd("pfn 0x%x" % (p0 >> 12))
        ck("devhlp-vmlock-locks-frame", "lock_count 2" in rec, rec)
        # NT over the same memory: an MDL, probed and locked, mapped a second time.
        out = s.cmd("call IoAllocateMdl 0x%x 8192 FALSE FALSE 0" % lin)
        mdl = result_of(out, "IoAllocateMdl")
        if ck("ntmm-io-allocate-mdl", isinstance(mdl, int), out):
            out = s.cmd("call MmProbeAndLockPages 0x%x KernelMode IoWriteAccess" % mdl)
            pfns = re.search(r"PFNs: ([0-9a-f]+) ([0-9a-f]+)", out)
            ck("ntmm-probe-and-lock-pfns-are-pt-walk", pfns is not None and int(pfns.group(1), 16) == p0 >> 12
               and int(pfns.group(2), 16) == p1 >> 12 and "lock_count 3" in s.cmd("pfn 0x%x" % (p0 >> 12)), out)
            out = s.cmd("call MmMapLockedPagesSpecifyCache 0x%x KernelMode MmCached 0 FALSE NormalPagePriority" % mdl)
            va = result_of(out, "MmMapLockedPagesSpecifyCache")
            ok = isinstance(va, int) and phys_of(s.cmd("pt 0x%x" % va)) == p0 and \
                phys_of(s.cmd("pt 0x%x" % (va + 4096))) == p1 and \
                re.search(r"^  \+ %08x-" % (va & ~0xfff), out, re.M) is not None
            ck("ntmm-map-locked-pages-maps-same-frames", ok, out)
            if isinstance(va, int):
                out = s.cmd("call MmUnmapLockedPages 0x%x 0x%x" % (va, mdl))
                ck("ntmm-unmap-locked-pages", re.search(r"^  - %08x-" % (va & ~0xfff), out, re.M) is not None, out)
            out = s.cmd("call MmUnlockPages 0x%x" % mdl) + s.cmd("call IoFreeMdl 0x%x" % mdl)
            ck("ntmm-unlock-and-free-mdl", not errors_in(out) and "lock_count 2" in s.cmd("pfn 0x%x" % (p0 >> 12)), out)
            out = s.cmd("call IoFreeMdl 0x%x" % mdl)
            ck("ntmm-freed-mdl-is-refused", len(errors_in(out)) == 1 and "not an MDL" in out, out)
        if handle:
            out = s.cmd("call DevHelp_VMUnLock %s" % handle.group(1))
            ck("devhlp-vmunlock", "-> 0 NO_ERROR" in out and "lock_count 1" in s.cmd("pfn 0x%x" % (p0 >> 12)), out)
            out = s.cmd("call DevHelp_VMUnLock %s" % handle.group(1))
            ck("devhlp-vmunlock-twice-is-error-158", len(errors_in(out)) == 1 and "158" in out, out)
        out = s.cmd("call DevHelp_VMFree 0x%x" % lin)
        ck("devhlp-vmfree", "-> 0 NO_ERROR" in out and "  - %08x-" % lin in out, out)

    # NT: VGA memory through MmMapIoSpace, written through the mapping, read back.
    out = s.cmd("call MmMapIoSpace 0xB8000 4096 MmNonCached")
    va = result_of(out, "MmMapIoSpace")
    if ck("ntmm-map-io-space", isinstance(va, int), out):
        walk = s.cmd("pt 0x%x" % va)
        ck("ntmm-map-io-space-is-vga-uncached", phys_of(walk) == 0xB8000 and " PCD " in walk and " RAW " in walk, walk)
        out = s.cmd("w 0x%x 0x1f4b1f4f" % (va + 0xffc))      # past the 80x25 cells: no scroll moves it
        back = s.cmd("r 0x%x" % (va + 0xffc))
        ck("w-and-r-through-mapping", not errors_in(out) and "1f4b1f4f" in back, out + back)
        out = s.cmd("call MmUnmapIoSpace 0x%x 4096" % va)
        ck("ntmm-unmap-io-space", "  - %08x-" % va in out, out)
        ck("r-after-unmap-is-error", len(errors_in(s.cmd("r 0x%x" % va))) == 1)

    st1 = stats_of(s.cmd("stats"))
    counts_agree(ck, "mem-counts-match-stats-after-calls", s, st1, s.cmd("mem"))
    ck("calls-leave-nothing-behind", st1["free"] == st0["free"] and st1["locked"] == st0["locked"],
       "free %d -> %d, locked %d -> %d" % (st0["free"], st1["free"], st0["locked"], st1["locked"]))

    # Hostile lines: one error line each, the prompt back, nothing changed.
    bad = []
    for line in HOSTILE:
        out = s.cmd(line)
        if len(errors_in(out)) != 1:
            bad.append("%r: %d error lines: %r" % (line[:40], len(errors_in(out)), out[-200:]))
        elif "page tables:" in out and "page tables: unchanged" not in out:
            bad.append("%r changed the page tables: %r" % (line[:40], out[-300:]))
    ck("hostile-lines-one-error-each", not bad, "; ".join(bad[:3]))
    bad = []
    for line in SILENT:
        out = s.cmd(line)
        if "page tables: unchanged" not in out:
            bad.append("%r: %r" % (line, out[-200:]))
    ck("silent-refusals-change-no-page-table", not bad, "; ".join(bad[:3]))
    ck("hostile-lines-check-clean", s.cmd("check").strip() == "check: ok")
    st2 = stats_of(s.cmd("stats"))
    same = {k: (st1[k], st2[k]) for k in ("free", "used", "locked", "pagetables", "charged", "regions", "syspte-free")
            if st1.get(k) != st2.get(k)}
    ck("hostile-lines-change-nothing", not same, "changed: %s" % same)
    s.send("junk\x03")
    out = s.expect(PROMPT)
    ck("ctrl-c-drops-line", out.endswith("junk^C\n") and not errors_in(out), repr(out))

    # The harness and the benchmark run twice and come back; QEMU stays.
    for run in (1, 2):
        out = s.cmd("test devhlp/*", 60)
        ck("test-pattern-run-%d" % run, "all passed" in out and re.search(r"^\d+ passed, 0 failed", out, re.M) is not None,
           out[-300:])
    for run in (1, 2):
        out = s.cmd("bench pfn/alloc-free", 60)
        ck("bench-row-run-%d" % run, "system clean" in out or "no TSC" in out, out[-300:])
    out = s.cmd("test boot/nosuchtest")
    ck("test-pattern-matching-nothing-is-error", len(errors_in(out)) == 1, out)
    ck("check-clean-after-runs", s.cmd("check").strip() == "check: ok")
    st3 = stats_of(s.cmd("stats"))
    ck("runs-leave-nothing-behind", st3["free"] == st2["free"] and st3["locked"] == st2["locked"],
       "free %d -> %d" % (st2["free"], st3["free"]))

    s.send("reboot\r")
    try:
        s.expect("rebooting", 5)
        s.q.wait(10)
        ck("reboot-leaves-qemu", s.q.returncode == qemu.EXIT_SHUTDOWN, "QEMU status %s" % s.q.returncode)
    except (Dead, subprocess.TimeoutExpired) as e:
        ck("reboot-leaves-qemu", False, str(e))


def expected_cells(runs, limit, per_cell, order):
    """The glyph each picture cell must show: the first class of `order` among its frames."""
    cls = [None] * limit
    for first, last, name in runs:
        for p in range(first, last + 1):
            cls[p] = name
    cells = []
    for c in range((limit + per_cell - 1) // per_cell):
        names = set(cls[c * per_cell:(c + 1) * per_cell])
        cells.append(next(n for n in order if n in names))
    return cells


ORDER = ["locked", "fixed", "pagedir", "pagetable", "system", "used", "reserved", "free", "notram"]
GLYPH = dict(zip(ORDER, "LXDTSuR.-"))


def kbd_session(ck, s):
    s.expect(PROMPT, 30)
    ck("boot-to-prompt", "PANIC" not in s.text and "Pagoda monitor" in s.text)
    out = s.typed_cmd("echo Hello, World! a_b:c")
    ck("kbd-shift", out.strip() == "Hello, World! a_b:c", repr(out))
    s.key("caps_lock")                      # letters invert: shift gives lower case
    for k, echo in (("shift-e", "e"), ("shift-c", "c"), ("shift-h", "h"), ("shift-o", "o"), ("spc", " "),
                    ("c", "C"), ("shift-a", "a"), ("shift-p", "p"), ("shift-s", "s")):
        s.key(k, echo)
    s.key("caps_lock")
    s.type(" x")
    s.key("ret")
    out = s.expect(PROMPT)
    ck("kbd-caps-lock", out.split("\n", 1)[-1].strip() == "Caps x", repr(out))
    s.type("helx")
    s.key("backspace", "\b \b")
    s.type("p")
    s.key("ret")
    out = s.expect(PROMPT)
    ck("kbd-backspace", "stats" in out and not errors_in(out), repr(out[-200:]))
    s.type("garbage")
    s.key("ctrl-c", "^C")
    s.expect(PROMPT)
    ck("kbd-ctrl-c", True)
    out = s.typed_cmd("frobnicate")
    ck("kbd-unknown-command-is-error", len(errors_in(out)) == 1, out)
    scr = s.screen()
    rows = ["".join(ch for ch, _ in r).rstrip() for r in scr]
    ck("vga-echo-and-prompt", any("frobnicate" in r for r in rows) and any(r.startswith("pagoda>") for r in rows[-3:]),
       "\n".join(rows[-5:]))

    # mem, typed: the text on COM1, the picture on the screen, cell by cell.
    st = stats_of(s.typed_cmd("stats"))
    out = s.typed_cmd("mem")
    counts_agree(ck, "mem-counts-match-stats", s, st, out)
    runs, counts, bands = mem_of(out)
    scr = s.screen()
    rows = ["".join(ch for ch, _ in r) for r in scr]
    limit = runs[-1][1] + 1 if runs else 0
    m = re.search(r"1 cell = (\d+) frames", rows[0])
    ok = m is not None and rows[0].lstrip().startswith("Physical memory")
    if ck("vga-mem-title", ok, rows[0]):
        per = int(m.group(1))
        want = expected_cells(runs, limit, per, ORDER)
        got, bad = [], []
        for i, w in enumerate(want):
            r, c = 1 + i // 64, 9 + i % 64
            ch, attr = scr[r][c]
            got.append(ch)
            if ch != GLYPH[w]:
                bad.append("cell %d (frames %x-): %r, want %r (%s)" % (i, i * per, ch, GLYPH[w], w))
        ck("vga-mem-grid-matches-dump", not bad, "; ".join(bad[:4]))
        label_ok = all(rows[1 + k][:8] == "%08x" % (k * 64 * per * 4096) for k in range((len(want) + 63) // 64))
        ck("vga-mem-row-labels", label_ok, rows[1][:8])
        legend = " ".join(rows[17:19])
        miss = [n for n, label in (("free", "free"), ("used", "used"), ("locked", "locked"), ("fixed", "fixed"),
                                   ("pagetable", "page table"), ("system", "system"), ("reserved", "reserved"))
                if "%s %d" % (label, counts.get(n, -1)) not in legend]
        ck("vga-mem-legend-counts", not miss, "missing %s in %r" % (miss, legend))
        band_rows = rows[21] + rows[22]
        ck("vga-mem-bands", all(n in rows[21] for n in ("private", "kernel", "pfndb", "pool", "syspte")) and
           "c0c0" in rows[22], band_rows)
    ck("check-clean", s.typed_cmd("check").strip() == "check: ok")


def run(mode, cpu, mem, log, cpulog, extra):
    ck = Checks()
    transcript = re.sub(r"\.log$", "", log) + ".serial.log"
    s = None
    status = 0
    try:
        s = Session(cpu, mem, cpulog, extra, vga=(mode == "kbd"))
        (kbd_session if mode == "kbd" else serial_session)(ck, s)
    except Dead as e:
        ck("session", False, str(e))
        status = 3
    finally:
        if s:
            if "PANIC" in s.text:
                ck("no-panic", False, s.text[s.text.find("PANIC"):][:300])
            s.close()
            err = s.q.stderr.read().decode(errors="replace").strip()
            open(transcript, "w").write(s.text + ("\n--- QEMU stderr ---\n" + err if err else ""))
    summary = "%d passed, %d failed" % (ck.passed, ck.failed)
    print(summary)
    open(log, "w").write("\n".join(ck.lines + ["(transcript: %s)" % transcript, summary]) + "\n")
    return status


def main():
    a = sys.argv[1:]
    if a and a[0] == "--session":
        a = a[1:]
        kbd = "--kbd" in a
        opts = {"--cpu": "pentium", "--mem": "32M"}
        for k in list(opts):
            if k in a:
                i = a.index(k)
                opts[k] = a[i + 1]
                del a[i:i + 2]
        a = [x for x in a if x != "--kbd"]
        s = Session(opts["--cpu"], opts["--mem"], "/dev/null", vga=kbd)
        try:
            s.expect(PROMPT, 30)
            for line in a:
                out = s.typed_cmd(line, 120) if kbd else s.cmd(line, 120)
                print(PROMPT + line + "\n" + out, end="")
            print()
        finally:
            s.close()
        return 0
    if len(a) < 5 or a[0] not in ("serial", "kbd"):
        sys.exit(__doc__)
    return run(a[0], a[1], a[2], a[3], a[4], a[5:])


if __name__ == "__main__":
    sys.exit(main())
