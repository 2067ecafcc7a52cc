#!/usr/bin/env python3
"""runtests.py - boot the in-kernel test suite once per configuration of the matrix.

Each run is headless QEMU (or Bochs) with a timeout; serial output goes to
build/test-logs/NAME.log.  A run passes only if all of these hold:
  - QEMU exits with status 33 (the kernel wrote 0x10 to isa-debug-exit),
  - the log has a complete summary line "N passed, N failed[, N skipped]" with 0 failed,
  - no "PANIC" in the log, no "Triple fault" in QEMU's cpu_reset log, no timeout.
The last line is the sum over every configuration: "N passed, N failed, N skipped", the
kernel's own summary line; the line before it sums the reliability figures (hostile cases
tried, stress operations run, ring-3 faults survived).
The exit status is non-zero on any failure.

Boot kinds besides kernel/iso run a host tool that writes such a log itself and exits 0:
  bochs  tools/bochs-run.sh: the test ISO in Bochs (LOG = COM1; a triple fault exits 2); with
         tests: or cmdline: words, an ISO of its own (below)
  gdb    tools/gdbtest.py: a scripted gdb session and the QEMU page-table oracle (LOG = its
         result lines, which are also printed here)
  vga    tools/vgarun.py: no serial port at all, LOG = the VGA text screen at the final halt
  monitor  tools/montest.py: the kernel monitor driven over COM1 (the first word after the
         memory size: serial) or typed on the keyboard and read off the screen (kbd); LOG = its
         result lines (also printed here), the session in NAME.serial.log
Matrix words after the memory size: cmdline:WORD (kernel command line), iso:FILE (boot
$BUILD/FILE instead of pagoda-test.iso), noserial (no COM1: the log comes from port 0xE9,
so add cmdline:e9, and the kernel must say it found no serial port), shuffle (boot kernel
only: add test-order=shuffle:SEED, and the kernel must say it shuffled with that seed),
same-tests-as:NAME (the run must report the same test names as configuration NAME, when both
run), tests:PATTERN (this configuration's test= pattern, instead of --pattern), disk:KIND:INDEX
(a fresh disk image attached at IDE position INDEX, and the checks of tools/testdisk.py: no
byte outside the swap area changed - none at all on an unmarked disk - and the kernel's log
names the swap device, or says "no swap device: paging off"); anything else is passed to QEMU.

Bochs has no -append: it boots GRUB from an ISO, by default $BUILD/pagoda-test.iso (test=all;
--pattern does not reach it).  A bochs configuration with tests: or cmdline: words boots
$BUILD/matrix-NAME.iso instead, whose one GRUB entry has the command line test=PATTERN (or
test=all) and the cmdline: words.  `runtests.py --bochs-isos` writes each such menu to
$BUILD/matrix-NAME.cfg (only when it changed) and prints the ISO paths, which make test then
builds (tools/debug.mk); a run whose ISO is missing or older than its menu or the kernel fails.

The shuffle seed is --seed, or else the first 8 hex digits of `git rev-parse HEAD` (so one
commit always gets the same order and every commit another); a failing shuffled configuration
prints the kernel's replay line and the make test line that repeats the run.

Before the matrix, the runner checks itself: deliberately panicking, faulting and
triple-faulting kernels must be reported as failures (boot/runner-detects-*), in Bochs too
when the matrix has Bochs lines.
"""
import argparse, collections, concurrent.futures, os, re, subprocess, sys, time
import qemu, testdisk

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("PAGODA_BUILD", "build"))
LOGS = os.path.join(BUILD, "test-logs")
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$")


# Machines too small for Pagoda have an expected outcome instead of a test run (expect:WORD), each
# counted as one test:
#   too-little-ram  the kernel says "Pagoda needs at least N KiB" and exits with the fail status
#   no-output       nothing at all within EXPECT_SILENT_SECS: QEMU's loader places the kernel at
#                   1 MiB, which a 1 MiB machine does not have, so no instruction of it runs
EXPECTED_OUTCOMES = ("too-little-ram", "no-output")
EXPECT_SILENT_SECS = 10


def parse_matrix(path):
    cfgs = []
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        f = line.split()
        cmdline = [x[len("cmdline:"):] for x in f[4:] if x.startswith("cmdline:")]
        iso = [x[len("iso:"):] for x in f[4:] if x.startswith("iso:")]
        same = [x[len("same-tests-as:"):] for x in f[4:] if x.startswith("same-tests-as:")]
        tests = [x[len("tests:"):] for x in f[4:] if x.startswith("tests:")]
        disk = [testdisk.parse(x) for x in f[4:] if x.startswith("disk:")]
        expect = [x[len("expect:"):] for x in f[4:] if x.startswith("expect:")]
        extra = [x for x in f[4:] if not x.startswith(("cmdline:", "iso:", "same-tests-as:", "tests:", "disk:", "expect:"))
                 and x not in ("noserial", "shuffle")]
        if expect and expect[0] not in EXPECTED_OUTCOMES:
            sys.exit("%s: %s: expect: one of %s" % (path, f[0], ", ".join(EXPECTED_OUTCOMES)))
        if disk and (f[1] not in ("kernel", "bochs") or (f[1] == "bochs" and disk[0][1] != 0)):
            sys.exit("%s: %s: disk: needs boot kind kernel, or bochs with INDEX 0" % (path, f[0]))
        if "shuffle" in f[4:] and f[1] != "kernel":
            sys.exit("%s: %s: shuffle needs boot kind 'kernel' (a kernel command line)" % (path, f[0]))
        if f[1] == "bochs" and any(c in w for w in tests + cmdline for c in "'\\"):
            sys.exit("%s: %s: a quote or backslash in a word of a GRUB menu line" % (path, f[0]))
        cfg = {"name": f[0], "boot": f[1], "cpu": f[2], "mem": f[3], "extra": extra,
               "cmdline": " ".join(cmdline), "iso": (iso or ["pagoda-test.iso"])[0],
               "noserial": "noserial" in f[4:], "shuffle": "shuffle" in f[4:],
               "same_tests_as": (same or [None])[0], "tests": (tests or [None])[0],
               "disk": (disk or [None])[0], "expect": (expect or [None])[0]}
        if f[1] == "bochs" and (tests or cmdline):
            cfg["grub_cfg"] = grub_cfg(cfg)
            cfg["bochs_iso"] = [os.path.join(BUILD, "matrix-%s.iso" % f[0])]
        cfgs.append(cfg)
    for c in cfgs:
        if c["same_tests_as"] and c["same_tests_as"] not in [d["name"] for d in cfgs]:
            sys.exit("%s: %s: same-tests-as names no configuration" % (path, c["name"]))
    return cfgs


def commit_seed():
    """The shuffle seed of this commit: its first 32 bits; 1 outside a git checkout."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, check=True).stdout.decode().strip()
        return int(head[:8], 16), "commit " + head[:7]
    except (OSError, subprocess.CalledProcessError, ValueError):
        return 1, "no git commit: fixed seed"


def test_names(text):
    """The names of the tests a log reports (ok, not ok, skip), sorted."""
    return sorted(m.group(2) for m in re.finditer(r"^(ok|not ok|skip)\s+([^\s:]+)", text, re.M))


def kernel_cmdline(cfg, pattern, seed):
    words = ["test=" + pattern]
    if cfg.get("shuffle"):
        words.append("test-order=shuffle:%d" % seed)
    return " ".join(words + ([cfg["cmdline"]] if cfg.get("cmdline") else []))


def grub_cfg(cfg):
    """The GRUB menu of a Bochs configuration's own ISO: its command line in one entry.  GRUB's
    terminal is on COM1 as in the test ISO's menu (iso/grub.cfg), so the log shows GRUB's errors;
    each word is single-quoted, so GRUB expands no wildcard in a test= pattern."""
    words = kernel_cmdline(cfg, cfg["tests"] or "all", 0).split()
    return ("# Written by tools/runtests.py from the matrix line of %s: its ISO's only entry.\n"
            "serial --unit=0 --speed=115200\nterminal_input console serial\nterminal_output console serial\n"
            "set timeout=0\nset default=0\n\nmenuentry \"Pagoda self-test: %s\" {\n"
            "    multiboot /boot/kernel.elf %s\n    boot\n}\n") % (
                cfg["name"], cfg["name"], " ".join("'%s'" % w for w in words))


def write_bochs_menus(cfgs):
    """--bochs-isos: each Bochs configuration's own menu to $BUILD/matrix-NAME.cfg, rewritten only
    when it changed (so make rebuilds only those ISOs); returns the ISO paths for make."""
    isos = []
    for c in cfgs:
        if not c.get("grub_cfg"):
            continue
        path = c["bochs_iso"][0][:-len(".iso")] + ".cfg"
        old = open(path).read() if os.path.exists(path) else None
        if old != c["grub_cfg"]:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(c["grub_cfg"])
        isos.append(c["bochs_iso"][0])
    return isos


def bochs_iso_stale(cfg):
    """Why a Bochs configuration's own ISO cannot be booted as it is, or None."""
    iso = cfg["bochs_iso"][0]
    menu = iso[:-len(".iso")] + ".cfg"
    again = "; make test builds it (runtests.py --bochs-isos, then make %s)" % os.path.relpath(iso, ROOT)
    if not os.path.exists(iso) or not os.path.exists(menu):
        return "no %s%s" % (iso, again)
    if open(menu).read() != cfg["grub_cfg"]:
        return "%s is not this configuration's menu%s" % (menu, again)
    kernel = os.path.join(BUILD, "kernel.elf")
    if os.path.getmtime(iso) < max(os.path.getmtime(menu), os.path.getmtime(kernel)):
        return "%s is older than its menu or the kernel%s" % (iso, again)
    return None


def qemu_cmd(cfg, pattern, log, cpulog, seed):
    # -nodefaults leaves no serial port unless one is asked for: noserial gets none at all.
    output = ["-debugcon", "file:" + log] if cfg.get("noserial") else ["-serial", "file:" + log]
    cmd = qemu.base_cmd(cfg["cpu"], cfg["mem"]) + qemu.reset_log(cpulog) + output
    if cfg["boot"] == "iso":
        cmd += ["-cdrom", os.path.join(BUILD, cfg.get("iso", "pagoda-test.iso")), "-boot", "d"]
    else:
        cmd += qemu.kernel_boot(os.path.join(BUILD, "kernel.elf"), kernel_cmdline(cfg, pattern, seed))
    return cmd + cfg["extra"]


def host_cmd(cfg, log, cpulog):
    """The host tool for the boot kinds that are not plain QEMU runs, or None."""
    tools = os.path.join(ROOT, "tools")
    if cfg["boot"] == "bochs":
        return [os.path.join(tools, "bochs-run.sh"), cfg["cpu"], cfg["mem"], log] + cfg.get("bochs_iso", [])
    if cfg["boot"] == "gdb":
        return [sys.executable, os.path.join(tools, "gdbtest.py"), "--cpu", cfg["cpu"], "--mem", cfg["mem"],
                "--log", log, "--cpulog", cpulog]
    if cfg["boot"] == "vga":
        return [sys.executable, os.path.join(tools, "vgarun.py"), cfg["cpu"], cfg["mem"], log, cpulog] + cfg["extra"]
    if cfg["boot"] == "monitor":        # extra: the mode (serial or kbd), then QEMU arguments
        return [sys.executable, os.path.join(tools, "montest.py")] + cfg["extra"][:1] + \
            [cfg["cpu"], cfg["mem"], log, cpulog] + cfg["extra"][1:]
    if cfg["boot"] == "sweep":          # cpu: models separated by ';', mem: sizes separated by ','
        return [sys.executable, os.path.join(tools, "area-sweep.py"), "--kernel", os.path.join(BUILD, "kernel.elf"),
                "--cpu", cfg["cpu"], "--mem", cfg["mem"], "--jobs", "1", "--out", log]
    return None


def reliability_figures(text):
    """The reliability figures a log reports: hostile cases, stress operations, ring-3 faults."""
    f = {"hostile": 0, "ops": 0, "faults": 0}
    for line in text.splitlines():
        m = re.match(r"tests: (\d+) hostile cases tried", line)
        if m:
            f["hostile"] += int(m.group(1))
        m = re.match(r"stress: [\w/-]+: seed \d+: (\d+) operations", line)
        if m:
            f["ops"] += int(m.group(1))
        m = re.match(r"stress: (\d+) ring-3 faults survived since boot", line)
        if m:
            f["faults"] = int(m.group(1))
    return f


def run_config(cfg, pattern, timeout, seed=1):
    """Returns a result dict: name, passed, failed, skipped, ok, why, secs, log."""
    os.makedirs(LOGS, exist_ok=True)
    log = os.path.join(LOGS, cfg["name"] + ".log")
    cpulog = os.path.join(LOGS, cfg["name"] + ".qemu.log")
    for f in (log, cpulog):
        if os.path.exists(f):
            os.remove(f)
    t0 = time.time()
    stale = cfg.get("grub_cfg") and bochs_iso_stale(cfg)
    if stale:
        return {"name": cfg["name"], "boot": cfg["boot"], "passed": 0, "failed": 1, "skipped": 0, "secs": 0.0,
                "log": log, "text": "", "ok": False, "why": stale}
    pattern = cfg.get("tests") or pattern
    if cfg.get("expect") == "no-output":
        timeout = EXPECT_SILENT_SECS
    cmd = host_cmd(cfg, log, cpulog) or qemu_cmd(cfg, pattern, log, cpulog, seed)
    # Bochs must time out by itself, before us: killing bochs-run.sh would leave Bochs running.
    env = dict(os.environ, BOCHS_TIMEOUT=os.environ.get("BOCHS_TIMEOUT", str(max(timeout - 20, 10))))
    disk = None
    if cfg.get("disk"):
        disk = testdisk.make(cfg["disk"][0], cfg["disk"][1], os.path.join(LOGS, cfg["name"] + ".disk.img"),
                             "nopager" in cfg["cmdline"].split())
        disk_before = testdisk.fingerprint(disk)
        if cfg["boot"] == "bochs":
            env["BOCHS_DISK"] = disk["path"]
        else:
            cmd += testdisk.qemu_args(disk)
    stderr = b""
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=timeout, cwd=ROOT, env=env)
        status, stderr = p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        status = "timeout"
    if cfg["boot"] == "bochs":            # Bochs has no cpu_reset log: bochs-run.sh says it
        open(cpulog, "wb").write(stderr)
    secs = time.time() - t0
    text = open(log, errors="replace").read() if os.path.exists(log) else ""
    qlog = open(cpulog, errors="replace").read() if os.path.exists(cpulog) else ""
    r = {"name": cfg["name"], "boot": cfg["boot"], "passed": 0, "failed": 0, "skipped": 0, "secs": secs, "log": log, "text": text}
    summary = None
    for line in text.splitlines():
        m = SUMMARY.match(line.strip())
        if m:
            summary = m
    if summary:
        r["passed"], r["failed"] = int(summary.group(1)), int(summary.group(2))
        r["skipped"] = int(summary.group(3) or 0)
    want = 0 if host_cmd(cfg, log, cpulog) else qemu.EXIT_PASS
    why = None
    if cfg.get("expect"):
        if cfg["expect"] == "too-little-ram":
            good = status == qemu.EXIT_FAIL and "Pagoda needs at least" in text
        else:
            good = status == "timeout" and not text.strip()
        r.update(passed=int(good), failed=int(not good), skipped=0, ok=good,
                 why=None if good else "expected %s, got exit status %s" % (cfg["expect"], qemu.describe(status)))
        return r
    if status == "timeout":
        why = "timeout after %ds" % timeout
    elif "Triple fault" in qlog:
        why = "triple fault"
    elif "PANIC" in text:
        why = "kernel panic"
    elif "boot: warning:" in text:              # a word of the configuration's command line it does not know
        why = "the kernel warned about its command line: " + text.split("boot: warning:", 1)[1].splitlines()[0].strip()
    elif cfg["boot"] == "vga" and summary and not text.startswith("Pagoda tests done: "):
        why = "the screen's status line (row 0) does not say the tests are done"
    elif cfg["boot"] == "vga" and "ring-3 run terminated" in text:
        why = "expected ring-3 fault reports reached the screen"
    elif cfg["boot"] in ("iso", "bochs") and re.search(r"error: file .*\.mod.* not found", text):
        why = "GRUB could not load a module (GRUB_MODULES in the Makefile)"
    elif not summary:
        why = "no summary line (exit status %s)" % (status if want == 0 else qemu.describe(status))
    elif status != want:
        why = "exit status %s, expected %d" % (status if want == 0 else qemu.describe(status), want)
    elif r["failed"]:
        why = "%d test(s) failed" % r["failed"]
    elif r["passed"] == 0:
        why = "no test ran"
    elif cfg.get("noserial") and "(no serial port)" not in text:
        why = "the kernel did not report the missing serial port"
    elif cfg.get("shuffle") and "tests: order shuffled with seed %d;" % seed not in text:
        why = "the kernel did not report the shuffled order (seed %d)" % seed
    if why is None and disk:
        why = testdisk.check(disk, disk_before, text)
    r["ok"] = why is None
    r["why"] = why
    if not r["ok"] and r["failed"] == 0:
        r["failed"] = 1          # a crash or hang counts as a failure in the total
    return r


def self_checks(timeout, bochs):
    """The runner must call a panic, an unexpected fault and a triple fault failures; with
    bochs, also a triple fault in Bochs (tools/bochs-run.sh on a test=boot/triple-fault ISO)."""
    base = {"boot": "kernel", "cpu": "qemu32", "mem": "32M", "extra": []}
    results = []
    for test, expect, text in (("boot/panic-on-purpose", "kernel panic", "on purpose"),
                               ("boot/fault-on-purpose", "kernel panic", "cr2=fffe0000"),
                               ("boot/stack-overflow-on-purpose", "kernel panic", "double fault"),
                               ("boot/triple-fault-on-purpose", "triple fault", "")):
        cfg = dict(base, name="selfcheck-" + test.split("/")[1])
        r = run_config(cfg, test, timeout)
        name = "boot/runner-detects-" + test.split("/")[1].replace("-on-purpose", "")
        good = (not r["ok"]) and r["why"] == expect and text in r["text"]
        print("%-7s %s%s" % ("ok" if good else "not ok", name,
                             "" if good else ": runner said %r, expected %r" % (r["why"], expect)))
        results.append(good)
        if test == "boot/panic-on-purpose":         # each frame of the backtrace once
            frames = [l.strip() for l in r["text"].splitlines() if re.match(r"^    [0-9a-f]{8} ", l)]
            twice = [a for a, b in zip(frames, frames[1:]) if a == b]
            good = len(frames) >= 2 and not twice
            print("%-7s %s%s" % ("ok" if good else "not ok", "boot/panic-backtrace-names-each-frame-once",
                                 "" if good else ": %d frames, repeated: %r" % (len(frames), twice[:1])))
            results.append(good)
    # The command line is checked: a warning per word the kernel does not understand, test=list,
    # and a pattern part that selects nothing fails the run.
    for name, cmdline, want, texts in (
            ("boot/cmdline-warns-on-unknown-and-bad-words", "test=boot/paging-on frobnicate stress-steps=abc e9=1",
             qemu.EXIT_PASS, ["'frobnicate' unknown word", "'stress-steps=abc' is not a number", "'e9=1' takes no value"]),
            ("boot/test-list-names-every-test", "test=list", qemu.EXIT_PASS,
             ["test    boot/paging-on", "test    boot/panic-on-purpose  (manual", " registered"]),
            ("boot/pattern-part-matching-nothing-fails", "test=boot/paging-on,nosuch/*", qemu.EXIT_FAIL,
             ["'nosuch/*' matches no test", "1 passed, 1 failed"]),
            ("boot/cmdline-too-long-is-reported", "test=boot/paging-on " + "e9 " * 1400, qemu.EXIT_PASS,
             ["longer than 4095 characters", "1 passed, 0 failed"]),
            ("boot/too-little-ram-is-reported@2M", "test=all", qemu.EXIT_FAIL, ["Pagoda needs at least"])):
        name, mem = (name.split("@") + ["32M"])[:2]
        cmd = qemu.base_cmd("qemu32", mem) + qemu.kernel_boot(os.path.join(BUILD, "kernel.elf"), cmdline) + \
            ["-serial", "stdio"]
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
            got, out = p.returncode, p.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired:
            got, out = "timeout", ""
        missing = [t for t in texts if t not in out]
        good = got == want and not missing
        print("%-7s %s%s" % ("ok" if good else "not ok", name, "" if good else
                             ": exit %s (expected %d), missing %r" % (got, want, missing)))
        results.append(good)
    # make run's wrapper (tools/run.sh): 0 for a pass, 1 and its message for a failure or a triple fault.
    for test, want, msg in (("boot/paging-on", 0, ""), ("boot/no-such-test", 1, "reported a failure"),
                            ("boot/triple-fault-on-purpose", 1, "triple fault")):
        cmd = [os.path.join(ROOT, "tools", "run.sh")] + qemu.base_cmd("qemu32", "32M") + \
            qemu.kernel_boot(os.path.join(BUILD, "kernel.elf"), "test=" + test) + ["-serial", "null"]
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               timeout=timeout, env=dict(os.environ, PAGODA_BUILD=BUILD))
            got, err = p.returncode, p.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired:
            got, err = "timeout", ""
        good = got == want and msg in err
        name = "boot/make-run-exit-status-" + test.split("/")[1].replace("-on-purpose", "")
        print("%-7s %s%s" % ("ok" if good else "not ok", name,
                             "" if good else ": run.sh exited %s (%r), expected %d" % (got, err.strip(), want)))
        results.append(good)
    # ... and refuses a machine the kernel cannot even be loaded into.
    p = subprocess.run([os.path.join(ROOT, "tools", "run.sh")] + qemu.base_cmd("qemu32", "1M") +
                       qemu.kernel_boot(os.path.join(BUILD, "kernel.elf"), ""), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout, env=dict(os.environ, PAGODA_BUILD=BUILD))
    good = p.returncode == 1 and b"is too little" in p.stderr
    print("%-7s %s%s" % ("ok" if good else "not ok", "boot/make-run-refuses-a-1m-machine",
                         "" if good else ": run.sh exited %d (%r)" % (p.returncode, p.stderr[-200:])))
    results.append(good)
    if bochs:
        cfg = {"name": "selfcheck-bochs-triple-fault", "boot": "bochs", "cpu": "pentium", "mem": "16M",
               "extra": [], "bochs_iso": [os.path.join(BUILD, "test-triple.iso")]}
        r = run_config(cfg, "", timeout)
        good = (not r["ok"]) and r["why"] == "triple fault"
        print("%-7s %s%s" % ("ok" if good else "not ok", "boot/runner-detects-bochs-triple-fault",
                             "" if good else ": runner said %r, expected 'triple fault'" % r["why"]))
        results.append(good)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--matrix", default=os.path.join(ROOT, "tests", "matrix.conf"))
    ap.add_argument("--only", help="comma-separated configuration names")
    ap.add_argument("--pattern", default="all", help="test= pattern for -kernel boots")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("PAGODA_TEST_TIMEOUT", "600")))
    ap.add_argument("--no-self-check", action="store_true")
    ap.add_argument("--seed", type=int, help="test-order=shuffle seed of the shuffled configurations "
                    "(default: from the commit)")
    ap.add_argument("--bochs-isos", action="store_true", help="write the GRUB menus of the Bochs configurations "
                    "with tests: or cmdline: words, print their ISO paths (for make) and exit")
    a = ap.parse_args()
    if a.seed is not None and not 0 <= a.seed <= 0xFFFFFFFF:
        ap.error("--seed must be from 0 to 4294967295")

    cfgs = parse_matrix(a.matrix)
    if a.bochs_isos:
        # Spelled as make spells them: $(BUILD)/matrix-NAME.iso, BUILD as make passed it.
        build = os.environ.get("PAGODA_BUILD", "build")
        print(" ".join(os.path.join(build, os.path.basename(p)) for p in write_bochs_menus(cfgs)))
        return
    if a.only:
        names = set(a.only.split(","))
        cfgs = [c for c in cfgs if c["name"] in names]
    seed, seed_from = (a.seed, "--seed") if a.seed is not None else commit_seed()
    if any(c["shuffle"] for c in cfgs):
        print("matrix: shuffled test order with seed %d (%s) in %s" % (
            seed, seed_from, ", ".join(c["name"] for c in cfgs if c["shuffle"])))
    passed = failed = skipped = 0
    figures = {"hostile": 0, "ops": 0, "faults": 0}
    if not a.no_self_check:
        for good in self_checks(60, any(c["boot"] == "bochs" for c in cfgs)):
            passed += good
            failed += not good
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        # Bochs runs take minutes, QEMU runs seconds: start the Bochs ones first so they do not
        # end up alone at the tail; the results are still printed in matrix order.
        futs = [None] * len(cfgs)
        for i in sorted(range(len(cfgs)), key=lambda i: cfgs[i]["boot"] != "bochs"):
            futs[i] = ex.submit(run_config, cfgs[i], a.pattern, a.timeout, seed)
        index = {c["name"]: i for i, c in enumerate(cfgs)}
        for cfg, f in zip(cfgs, futs):
            r = f.result()
            twin = cfg["same_tests_as"]
            if r["ok"] and twin in index and futs[index[twin]].result()["ok"]:
                mine, theirs = test_names(r["text"]), test_names(futs[index[twin]].result()["text"])
                if mine != theirs:            # a shuffle that lost, added or repeated a test
                    lost = sorted((collections.Counter(theirs) - collections.Counter(mine)).elements())
                    more = sorted((collections.Counter(mine) - collections.Counter(theirs)).elements())
                    r["ok"], r["failed"] = False, max(r["failed"], 1)
                    r["why"] = "ran %d tests, %s ran %d; missing: %s; extra or repeated: %s" % (
                        len(mine), twin, len(theirs), " ".join(lost[:5]) or "-", " ".join(more[:5]) or "-")
            passed += r["passed"]
            failed += r["failed"]
            skipped += r["skipped"]
            for k, v in reliability_figures(r["text"]).items():
                figures[k] += v
            print("config %-26s %s: %d passed, %d failed, %d skipped (%.1fs)%s" % (
                r["name"], "PASS" if r["ok"] else "FAIL", r["passed"], r["failed"], r["skipped"],
                r["secs"], "" if r["ok"] else " - " + r["why"]))
            if r["ok"] and r["boot"] in ("gdb", "monitor"):   # their own result lines, like the self-checks
                for l in r["text"].splitlines():
                    if l.startswith(("ok ", "not ok ")):
                        print(l)
            if not r["ok"]:
                lines = r["text"].splitlines()
                bad = [l for l in lines if l.startswith("not ok")]
                print("  --- %s (failing tests and the last lines) ---" % r["log"])
                for l in bad[:30]:
                    print("  " + l)
                for l in lines[-25:]:
                    print("  | " + l)
                if cfg["shuffle"]:
                    for l in lines:
                        if l.startswith("tests: order shuffled"):
                            print("  kernel's " + l[len("tests: "):])
                    print("  replay: make test TESTARGS=\"--only %s --seed %d --pattern '%s' --no-self-check\"" % (
                        cfg["name"], seed, a.pattern))
    print("matrix: %d configurations in %.0fs; %d hostile cases tried, %d stress operations run, "
          "%d ring-3 faults survived" % (len(cfgs), time.time() - t0, figures["hostile"], figures["ops"],
                                          figures["faults"]))
    # The last line is the kernel's summary line, summed (tools may match it like the kernel's).
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
