#!/usr/bin/env python3
"""gdbtest.py - a scripted gdb session against QEMU's stub, and QEMU as a page-table oracle.

    gdbtest.py [--cpu pentium3] [--mem 128M] [--log FILE] [--cpulog FILE] [--timeout S]

Starts qemu-system-i386 halted (-S) with its gdb stub on a free TCP port of 127.0.0.1 and the
kernel booting `test=all`, then runs gdb in batch mode with the project .gdbinit (the same
set-up `make gdb` uses) and tools/gdb/selftest.py, which prints one result line per check.
This script adds boot/gdb-session (gdb ended cleanly, the kernel got to its end under the
debugger: QEMU left through isa-debug-exit, the serial log has a summary and no panic; whether
the suite passed is boot/gdb-qemu-exit's verdict) and reports every check the session never
reached as not ok, so a hang or a gdb crash cannot pass.  Lines and a final "N passed, N failed, N skipped" go to
stdout and to --log (tools/runtests.py reads the summary there like a kernel log).

Why TCP and not a unix socket: QEMU 7.2's stub on a unix socket stalls on long monitor
output (`monitor info tlb` stopped after ~300 lines); on TCP it is complete.
"""
import argparse, os, re, shutil, socket, subprocess, sys, time
import qemu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("PAGODA_BUILD", "build"))
SESSION = os.path.join(ROOT, "tools", "gdb", "selftest.py")
RESULT = re.compile(r"^(ok|not ok)\s+(\S+?)(?::\s*(.*))?$")
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def gdb_binary():
    for g in ("gdb-multiarch", "gdb"):
        if shutil.which(g):
            return g
    return None


def expected_checks():
    """The check names, in order, from selftest.py's check("NAME", ...) calls."""
    return re.findall(r'^check\("([^"]+)"', open(SESSION).read(), re.M)


def run_session(a, serial_log, cpulog):
    """Returns (gdb output, gdb status, QEMU status)."""
    port = free_port()
    vm = subprocess.Popen(
        qemu.base_cmd(a.cpu, a.mem) + ["-serial", "file:" + serial_log] + qemu.reset_log(cpulog) +
        qemu.kernel_boot(os.path.join(BUILD, "kernel.elf"), "test=all") +
        ["-S", "-gdb", "tcp:127.0.0.1:%d" % port],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    env = dict(os.environ, PAGODA_BUILD=os.path.relpath(BUILD, ROOT),
               PAGODA_GDB_TARGET="127.0.0.1:%d" % port)
    # The same files `make gdb` uses; -nx keeps a personal ~/.gdbinit out of a test.
    cmd = [gdb_binary(), "-q", "-batch", "-nx", "-iex", "set auto-load local-gdbinit off",
           "-x", os.path.join(ROOT, ".gdbinit"), "-x", SESSION]
    deadline = time.time() + a.timeout
    while vm.poll() is None and time.time() < deadline:   # wait for the stub to listen
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    # Probing the port costs QEMU its first client; it accepts the next one (gdb).
    try:
        g = subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=max(1, deadline - time.time()))
        out, gstatus = g.stdout.decode(errors="replace"), g.returncode
    except subprocess.TimeoutExpired as e:     # subprocess.run kills gdb (SIGKILL) on timeout
        out, gstatus = (e.stdout or b"").decode(errors="replace"), "timeout"
    try:
        qstatus = vm.wait(timeout=10)
    except subprocess.TimeoutExpired:
        vm.kill()
        vm.wait()
        qstatus = "killed (still running after gdb ended)"
    return out, gstatus, qstatus


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cpu", default="pentium3")
    ap.add_argument("--mem", default="128M")
    ap.add_argument("--log", default=os.path.join(BUILD, "test-logs", "gdb-session.log"))
    ap.add_argument("--cpulog", default=None)
    ap.add_argument("--timeout", type=int, default=120)
    a = ap.parse_args()
    base = a.log[:-4] if a.log.endswith(".log") else a.log
    serial_log, gdb_log = base + ".serial.log", base + ".gdb.log"
    cpulog = a.cpulog or base + ".qemu.log"
    os.makedirs(os.path.dirname(os.path.abspath(a.log)), exist_ok=True)
    for f in (serial_log, cpulog):
        if os.path.exists(f):
            os.remove(f)

    lines = []
    if not gdb_binary():
        lines.append("not ok  boot/gdb-session: no gdb-multiarch or gdb (tools/deps.sh test)")
    else:
        out, gstatus, qstatus = run_session(a, serial_log, cpulog)
        open(gdb_log, "w").write(out)
        seen = {}
        for l in out.splitlines():
            m = RESULT.match(l)
            if m:
                seen[m.group(2)] = l
        for name in expected_checks():
            lines.append(seen.pop(name, "not ok  %s: not reached (gdb session ended early, see %s)" % (name, gdb_log)))
        lines += seen.values()                 # results selftest.py printed but does not list
        serial = open(serial_log, errors="replace").read() if os.path.exists(serial_log) else ""
        summ = [m for m in (SUMMARY.match(l.strip()) for l in serial.splitlines()) if m]
        why = None
        if gstatus != 0:
            why = "gdb exited with %s (see %s)" % (gstatus, gdb_log)
        elif qstatus not in (qemu.EXIT_PASS, qemu.EXIT_FAIL):   # the kernel's own exit, either verdict
            why = "QEMU exit status %s, expected %d or %d (the kernel's own exit)" % (
                qemu.describe(qstatus), qemu.EXIT_PASS, qemu.EXIT_FAIL)
        elif "PANIC" in serial:
            why = "kernel panic in %s" % serial_log
        elif not summ:
            why = "no summary line in %s" % serial_log
        lines.append("ok      boot/gdb-session" if why is None else "not ok  boot/gdb-session: " + why)

    passed = sum(1 for l in lines if l.startswith("ok "))
    failed = len(lines) - passed
    summary = "%d passed, %d failed, 0 skipped" % (passed, failed)
    with open(a.log, "w") as f:
        f.write("\n".join(lines + [summary]) + "\n")
    print("\n".join(lines + [summary]))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
