"""qemu.py - how the host tools boot Pagoda in QEMU: the base command line and the exit codes.

tools/runtests.py, bench.py, gdbtest.py and vgarun.py build their QEMU command lines here.  The
Makefile's run, stress and debug targets read EXIT_DEVICE and EXIT_PASS from this file with sed
(make run must work without python3), so each stays a one-line literal `NAME = value`.

The kernel leaves QEMU through the isa-debug-exit device at port 0xF4 (qemu_exit() in
drivers/console.c): QEMU exits with status (V << 1) | 1 when the kernel writes V there, so
the kernel's QEMU_EXIT_PASS 0x10 and QEMU_EXIT_FAIL 0x11 (drivers/console.h) become 33 and 35.
An even status therefore never comes from the kernel.
"""
import json
import os
import socket
import time

QEMU = os.environ.get("QEMU", "qemu-system-i386")
EXIT_DEVICE = "isa-debug-exit,iobase=0xf4,iosize=0x04"

EXIT_PASS = 33          # QEMU_EXIT_PASS: every selected test passed, or a bench= run ended
EXIT_FAIL = 35          # QEMU_EXIT_FAIL: a test failed, no test matched, or panic()
# Statuses QEMU produces itself:
EXIT_SHUTDOWN = 0       # the guest reset with -no-reboot (a triple fault; see reset_log) or powered off
EXIT_QEMU_ERROR = 1     # QEMU refused to start: a bad option, CPU model or file

_MEANING = {
    EXIT_PASS: "pass",
    EXIT_FAIL: "fail: a test failed or the kernel panicked",
    EXIT_SHUTDOWN: "QEMU stopped without the exit device: a reset (triple fault) or power-off",
    EXIT_QEMU_ERROR: "QEMU error: it did not start or gave up",
}


def describe(status):
    """A QEMU exit status (or "timeout", or a negative signal number) with its meaning."""
    if isinstance(status, int) and status < 0:
        return "%d (killed by signal %d)" % (status, -status)
    if status in _MEANING:
        return "%s (%s)" % (status, _MEANING[status])
    return str(status)


def base_cmd(cpu, mem, exit_device=True, qemu=None):
    """QEMU under TCG with nothing attached (-nodefaults: no serial port, no VGA, no NIC unless the
    caller adds one), no display, no reboot, and the exit device unless exit_device is False."""
    cmd = [qemu or QEMU, "-accel", "tcg", "-cpu", cpu, "-m", mem, "-display", "none",
           "-nodefaults", "-no-reboot"]
    if exit_device:
        cmd += ["-device", EXIT_DEVICE]
    return cmd


def reset_log(path):
    """QEMU's cpu_reset log: a triple fault under -no-reboot shows as "Triple fault" there and
    exits QEMU with EXIT_SHUTDOWN, which a log alone cannot tell from a power-off."""
    return ["-d", "cpu_reset", "-D", path]


def kernel_boot(kernel, cmdline):
    """Boot kernel.elf through QEMU's Multiboot loader with this kernel command line."""
    return ["-kernel", kernel, "-append", cmdline]


class Qmp:
    """Just enough QMP over a unix socket (QEMU -qmp unix:PATH,server=on,wait=off), shared by
    vgarun.py and montest.py: the greeting, qmp_capabilities, then one command at a time.  A
    closed connection raises `closed` (EOFError unless the caller names its own)."""

    def __init__(self, path, deadline, closed=EOFError):
        self.closed = closed
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.f = self.s.makefile("rw")
        self._reply()                              # greeting
        self.cmd("qmp_capabilities")

    def _reply(self):
        while True:
            line = self.f.readline()
            if not line:
                raise self.closed("QMP connection closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.f.flush()
        r = self._reply()
        if "error" in r:
            raise RuntimeError("%s: %s" % (name, r["error"]))
        return r["return"]

    def hmp(self, line):
        return self.cmd("human-monitor-command", **{"command-line": line})
