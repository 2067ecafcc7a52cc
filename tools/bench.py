#!/usr/bin/env python3
"""bench.py - `make bench`: boot the benchmark twice, check the runs agree, print one table.

Three boot configurations, each run RUNS times (default 2) under QEMU TCG with
`-icount shift=0,align=off,sleep=off` (the TSC then counts guest instructions retired and a
run repeats exactly):
    -m 3584M  bench=all        every row (RAM below the PCI hole: 3 GiB usable, non-PAE), a
                               128 MiB swap disk for the paging rows
    -m 32M    bench=pfn/init   the PFN-database initialisation at a small memory size
    -m 16M    bench=paging/sweep-*,...   the sequential sweeps over twice RAM (they skip at
                               3584M: twice that is more than any swap disk here), a 64 MiB swap
                               disk; and the two smallest clock rows again, as a cross-check
                               that the clock's cost per eviction does not depend on the RAM
A boot with a swap disk gets a fresh sparse image (tools/mkswap.py's header, a fixed id so that
every run sees the same bytes), removed afterwards, and `nopager` on its command line: the
pager is off for every row but the paging rows, which turn it on for themselves
(tests/bench/paging.c), so the other rows run with memory as without a disk.  The paging rows
leave out the device's busy time (drivers/ata.c counts the time in its status waits): how many
polls a transfer takes follows QEMU's I/O thread, not the guest.
A run counts only if QEMU exits with status 33, the log has the kernel's "system clean" line
and no "LEAK" or "PANIC".  The repeatability check compares every figure of every row
between the runs of a configuration and fails if one differs by more than the tolerance
(default 0 %: under icount the runs are instruction-for-instruction identical, so any
difference means something nondeterministic crept into the kernel or the setup).

The merged table (rows of the large boot; the PFN-init row of both memory sizes; a row the
large boot skipped, taken from the boot that measured it, its memory size in the text), the
floors, the growth checks, the cross-check and the repeatability result are printed once and
written to --out.  Growth: rows whose ids differ only after '@' (mm/commit@1, @16, @256;
@used10%, @used90%; pfn/init at both memory sizes; paging/clock-evict@1MiB .. @64MiB) must not
get dearer per page as the parameter grows; a group whose last per-page cost exceeds its first
by more than 10 % is printed as GROWS.  That is a finding to read, not a failure: the exit
status is non-zero only for a failed boot, a leak or a repeatability failure.  The cross-check:
rows measured in both the large and the -m 16M boot (the two smallest clock rows), side by
side.  `make bench` is not part of `make test`.
"""
import argparse, concurrent.futures, os, re, subprocess, sys
import qemu, mkswap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (memory, command line, swap disk size or None); the longest boots first, for --jobs
BIG = ("3584M", "bench=all nopager", "128M")
SWEEP = ("16M", "bench=paging/sweep-*,paging/clock-evict@1MiB,paging/clock-evict@4MiB nopager", "64M")
SMALL = ("32M", "bench=pfn/init", None)
CONFIGS = [BIG, SWEEP, SMALL]
SWAP_ID = 0x50A6D4BE4C4B0001          # any fixed value: the header, hence the disk, is the same every run
GROWTH_SLACK = 1.10


def make_swap(path, size):
    """A sparse raw image whose first 4 KiB are a Pagoda swap header (what mkswap.py --size
    writes, but with a fixed id)."""
    size = mkswap.parse_size(size)
    size -= size % mkswap.SLOT
    with open(path, "wb") as f:
        f.write(mkswap.header(size, SWAP_ID))
        f.truncate(size)


def qemu_cmd(args, mem, cmdline, log, disk):
    drive = ["-drive", "if=ide,index=0,format=raw,file=" + disk] if disk else []
    return qemu.base_cmd(args.cpu, mem, qemu=args.qemu) + [
        "-smp", "1", "-icount", "shift=0,align=off,sleep=off", "-serial", "file:" + log] + drive + \
        qemu.kernel_boot(args.kernel, cmdline)


def boot(args, mem, cmdline, swap, run):
    """One boot; returns (log text, problem or None)."""
    logdir = os.path.join(os.path.dirname(os.path.abspath(args.out)), "bench-logs")
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, "m%s-run%d.log" % (mem, run))
    disk = os.path.join(logdir, "m%s-run%d.swap.img" % (mem, run)) if swap else None
    if os.path.exists(log):
        os.remove(log)
    try:
        if disk:
            make_swap(disk, swap)
        status = subprocess.run(qemu_cmd(args, mem, cmdline, log, disk), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                timeout=args.timeout, cwd=ROOT).returncode
    except subprocess.TimeoutExpired:
        status = "timeout"
    finally:
        if disk and os.path.exists(disk):
            os.remove(disk)
    text = open(log, errors="replace").read() if os.path.exists(log) else ""
    problem = None
    if status != qemu.EXIT_PASS:
        problem = "QEMU exit status %s, expected %d, log %s" % (qemu.describe(status), qemu.EXIT_PASS, log)
    elif "PANIC" in text:
        problem = "kernel panic, log %s" % log
    elif re.search(r"^bench: \S+ FAILED: ", text, re.M):
        problem = "a row's operation failed its check (bench: ... FAILED), log %s" % log
    elif "LEAK" in text or "NOT CLEAN" in text:
        problem = "the benchmark did not leave the system clean, log %s" % log
    elif "system clean" not in text:
        problem = "no final 'system clean' line, log %s" % log
    elif parse(text)["bad"]:
        problem = "table line(s) not 8 cells or a repeated row id (no '|' in an operation's text): %s" \
                  % parse(text)["bad"]
    return text, problem


def parse(text):
    """The kernel's output: kernel banner, info lines, table rows (by id), floor lines."""
    rows, info, floors, banner, bad = {}, [], [], "", []
    for line in text.splitlines():
        line = line.rstrip("\r")
        if line.startswith("Pagoda ") and not banner:
            banner = line
        elif line.startswith("bench: "):
            info.append(line)
        elif line.startswith("floor: "):
            floors.append(line)
        elif line.startswith("| ") and not line.startswith("| operation "):
            f = [x.strip() for x in line.strip().strip("|").split("|")]
            if len(f) != 8 or f[7] in rows:       # a '|' in the text, or a duplicate id
                bad.append(line)
                continue
            rows[f[7]] = dict(zip(("what", "pages", "calls", "call", "page", "floor", "ratio", "id"), f))
    return {"rows": rows, "info": info, "floors": floors, "banner": banner, "bad": bad}


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


def compare(runs, tolerance):
    """Largest relative difference (%) of any figure between runs, and the offending lines."""
    worst, bad = 0.0, []
    first = runs[0]["rows"]
    for r in runs[1:]:
        if set(r["rows"]) != set(first):
            bad.append("rows differ: %s" % sorted(set(r["rows"]) ^ set(first)))
            continue
        for rid, a in first.items():
            b = r["rows"][rid]
            for k in ("pages", "calls", "call", "page", "floor", "ratio"):
                x, y = num(a[k]), num(b[k])
                if x is None or y is None:
                    if a[k] != b[k]:
                        bad.append("%s %s: %s vs %s" % (rid, k, a[k], b[k]))
                    continue
                d = 0.0 if x == y else abs(x - y) / max(abs(x), abs(y)) * 100
                worst = max(worst, d)
                if d > tolerance:
                    bad.append("%s %s: %s vs %s (%.3f %%)" % (rid, k, a[k], b[k], d))
    return worst, bad


FMT = "| %-62s | %7s | %5s | %11s | %11s | %10s | %8s | %-24s |"


def table(rows):
    out = [FMT % ("operation", "pages", "calls", "cycles/call", "cycles/page", "floor", "ratio", "row"),
           "|" + "|".join("-" * w for w in (64, 9, 7, 13, 13, 12, 10, 26)) + "|"]
    for r in rows:
        out.append(FMT % tuple(r[k] for k in ("what", "pages", "calls", "call", "page", "floor", "ratio", "id")))
    return out


def growth(rows):
    """Groups of rows whose ids differ only after '@', in table order."""
    groups = {}
    for r in rows:
        if "@" in r["id"]:
            groups.setdefault(r["id"].split("@")[0], []).append(r)
    out = []
    for base, g in groups.items():
        if len(g) < 2:
            continue
        key = "page" if num(g[0]["page"]) is not None else "call"
        vals = [num(r[key]) for r in g]
        if None in vals or not vals[0]:
            continue
        k = vals[-1] / vals[0]
        verdict = "flat" if k <= GROWTH_SLACK else "GROWS"
        parts = "  ".join("@%s %s" % (r["id"].split("@")[1], r[key]) for r in g)
        out.append("  %-24s per %-4s  %-58s  last/first %5.2f  %s" % (base, key, parts, k, verdict))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernel", default=os.path.join(ROOT, "build", "kernel.elf"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench-results.txt"))
    ap.add_argument("--runs", type=int, default=2, help="boots per configuration (default 2)")
    ap.add_argument("--tolerance", type=float, default=float(os.environ.get("BENCH_TOLERANCE", "0")),
                    help="largest allowed difference between runs, in %% (default 0: identical)")
    ap.add_argument("--cpu", default="pentium3", help="QEMU CPU model (needs a TSC; default pentium3)")
    ap.add_argument("--qemu", default=qemu.QEMU)
    ap.add_argument("--jobs", type=int, default=2, help="QEMU processes at once (results do not depend on it)")
    ap.add_argument("--timeout", type=int, default=900)
    args = ap.parse_args()
    if args.runs < 2:
        ap.error("--runs must be at least 2: the repeatability check compares runs")

    jobs = [(mem, cmdline, swap, run) for mem, cmdline, swap in CONFIGS for run in range(1, args.runs + 1)]
    print("bench: %d boots (%s) x %d runs under QEMU -icount, %s ..." %
          (len(CONFIGS), ", ".join("-m %s %s" % c[:2] for c in CONFIGS), args.runs, args.cpu), file=sys.stderr)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        results = dict(zip(jobs, ex.map(lambda j: boot(args, *j), jobs)))
    problems = ["-m %s run %d: %s" % (j[0], j[3], p) for j, (t, p) in results.items() if p]
    if problems:
        for p in problems:
            print("bench: FAILED: " + p, file=sys.stderr)
        return 1

    parsed = {c: [parse(results[c + (run,)][0]) for run in range(1, args.runs + 1)] for c in CONFIGS}
    lines, failed = [], False
    reps = []
    for c in CONFIGS:
        worst, bad = compare(parsed[c], args.tolerance)
        reps.append((c, worst, bad, len(parsed[c][0]["rows"])))
        failed |= bool(bad)

    big, small, sweep = parsed[BIG][0], parsed[SMALL][0], parsed[SWEEP][0]
    measured = lambda r: r["call"] not in ("skip", "FAILED")
    rows, taken, cross = [], [], []
    for r in big["rows"].values():
        other = sweep["rows"].get(r["id"])
        if r["id"] == "pfn/init":                  # one row per memory size, side by side
            for mem, p in ((SMALL[0], small), (BIG[0], big)):
                if "pfn/init" in p["rows"]:
                    q = dict(p["rows"]["pfn/init"])
                    q["id"] = "pfn/init@" + mem
                    q["what"] = "PFN-database init at boot (pfn_init), -m %s" % mem
                    rows.append(q)
        elif not measured(r) and other and measured(other):     # the sweeps: measured at 16M only
            q = dict(other)
            q["what"] = "%s, -m %s" % (other["what"], SWEEP[0])
            rows.append(q)
            taken.append(r["id"])
        else:
            rows.append(r)
            if other and measured(r) and measured(other):
                cross.append((r, other))

    lines.append("Benchmark: %s" % big["banner"])
    lines.append("QEMU TCG -cpu %s -smp 1 -icount shift=0,align=off,sleep=off; -m %s (every row), -m %s "
                 "(%s), -m %s (pfn/init); swap disks of %s (-m %s) and %s (-m %s); unit: TSC ticks = guest "
                 "instructions retired" % (args.cpu, BIG[0], SWEEP[0], ", ".join(sorted(taken)) or "nothing measured",
                                           SMALL[0], BIG[2], BIG[0], SWEEP[2], SWEEP[0]))
    lines += [l for l in big["info"] if "rows," not in l and
              not any(l.startswith("bench: %s skipped:" % t) for t in taken)]
    lines += [l for l in sweep["info"] if any(l.startswith("bench: %s:" % t) for t in taken)]
    lines.append("")
    lines += table(rows)
    lines.append("")
    lines += big["floors"]
    lines.append("")
    lines.append("growth (cost per page, or per call, as the parameter after '@' grows; "
                 "flat = last within %d %% of first, or lower):" % round((GROWTH_SLACK - 1) * 100))
    lines += growth(rows)
    if cross:
        lines.append("")
        lines.append("the same rows at -m %s (per page; the RAM behind them should not change the cost):" % SWEEP[0])
        for a, b in cross:
            key = "page" if num(a["page"]) is not None else "call"
            x, y = num(a[key]), num(b[key])
            d = "same" if x == y else "differ by %.1f %%" % (abs(x - y) / max(x, y) * 100)
            lines.append("  %-24s -m %s %s  -m %s %s  %s" % (a["id"], BIG[0], a[key], SWEEP[0], b[key], d))
    lines.append("")
    for (mem, cmdline, swap), worst, bad, n in reps:
        lines.append("repeatability: -m %s %s: %d runs, %d rows, largest difference %.3f %% "
                     "(tolerance %g %%): %s" % (mem, cmdline, args.runs, n, worst, args.tolerance,
                                                 "FAILED" if bad else "ok"))
        lines += ["  " + b for b in bad]
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    sys.stdout.write(text)
    print("bench: written to %s%s" % (os.path.relpath(args.out, ROOT),
                                      "; REPEATABILITY CHECK FAILED" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
