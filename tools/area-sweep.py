#!/usr/bin/env python3
"""area-sweep.py - every test area booted alone, on every memory size and CPU the matrix uses.

A test must own its preconditions: it passes alone (test=AREA/*), whatever ran before it in the
full suite.  `make sweep` boots the kernel once per (area, machine) pair - each area on 8, 12, 32
and 64 MiB with -cpu 486,-pse (no PSE, no PGE, no CR4 features) and with -cpu pentium3 (PSE, PGE,
PAT) - and prints one line per boot and the summed "N passed, N failed" line.  It exits non-zero
on any failed boot.  `make test` runs it as the matrix's sweep-areas-alone configuration (80 boots,
about 3 minutes on one core); `make sweep` alone.

    tools/area-sweep.py [--kernel build/kernel.elf] [--areas boot,mm] [--mem 8M,64M] [--cpu pentium3] [--jobs 2]
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

AREAS = ["boot", "pfn", "mm", "vxd", "devhlp", "ntmm", "paging", "monitor", "hostile", "exhaust", "harden", "stress"]
MEMS = ["8M", "12M", "32M", "64M"]
CPUS = ["486,-pse", "pentium3"]
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$")


def boot(kernel, area, mem, cpu, timeout):
    with tempfile.NamedTemporaryFile("w+", suffix=".log") as log:
        cmd = qemu.base_cmd(cpu, mem) + qemu.kernel_boot(kernel, "test=%s/*" % area) + \
            ["-serial", "file:" + log.name]
        try:
            status = subprocess.run(cmd, timeout=timeout, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL).returncode
        except subprocess.TimeoutExpired:
            status = "timeout"
        log.seek(0)
        text = log.read()
    passed = failed = 0
    for line in text.splitlines():
        m = SUMMARY.match(line)
        if m:
            passed, failed = int(m.group(1)), int(m.group(2))
    bad = [l for l in text.splitlines() if l.startswith("not ok") or "PANIC" in l]
    return status, passed, failed, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel", default=os.path.join(os.environ.get("PAGODA_BUILD", "build"), "kernel.elf"))
    ap.add_argument("--areas", default=",".join(AREAS))
    ap.add_argument("--mem", default=",".join(MEMS))
    ap.add_argument("--cpu", default=";".join(CPUS), help="CPU models separated by ';' (they contain commas)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--out", help="write the lines here instead of standard output")
    a = ap.parse_args()
    if a.out:
        sys.stdout = open(a.out, "w")
    runs = [(area, mem, cpu) for cpu in a.cpu.split(";") for mem in a.mem.split(",") for area in a.areas.split(",")]
    total_p = total_f = 0
    failed_boots = silent = 0       # silent: a failed boot that names no failed test (panic, timeout)
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        futs = {ex.submit(boot, a.kernel, *r, a.timeout): r for r in runs}
        for fut in concurrent.futures.as_completed(futs):
            area, mem, cpu = futs[fut]
            status, p, f, bad = fut.result()
            ok = status == qemu.EXIT_PASS and f == 0 and p > 0
            total_p += p
            total_f += f
            if not ok:
                failed_boots += 1
                silent += f == 0
            print("%-7s %-8s %-4s %-7s %d passed, %d failed%s" % ("ok" if ok else "not ok", area + "/*", mem, cpu,
                  p, f, "" if ok else "  [" + qemu.describe(status) + "]"), flush=True)
            for line in bad[:5]:
                print("        " + line, flush=True)
    print("sweep: %d boots, %d failed" % (len(runs), failed_boots))
    print("%d passed, %d failed" % (total_p, total_f + silent))
    return 1 if failed_boots else 0


if __name__ == "__main__":
    sys.exit(main())
