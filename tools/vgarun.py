#!/usr/bin/env python3
"""vgarun.py - boot the self-tests the way a PC without a serial port shows them: VGA only.

    vgarun.py CPU MEM LOGFILE CPULOG [extra QEMU arguments]

QEMU gets a standard VGA card and nothing else: no COM1 (-nodefaults, no -serial), no
isa-debug-exit, no debug console.  So the kernel must detect the missing UART (a scratch and
loopback test in drivers/serial.c: an absent port reads 0xFF) and still reach the end of the
suite, where qemu_exit() finds no exit device and stops in `cli; hlt` - exactly what a real PC
does.  The host notices that halt through QMP (`info registers`: HLT=1 with IF clear), saves
the text screen (`pmemsave` of 0xB8000, 80x25 cells of character + attribute) and writes its
25 lines to LOGFILE, where tools/runtests.py looks for the summary line like in a serial log.

Exit status: 0 = the CPU stopped and the screen was saved; 3 = QEMU died first (a triple fault
with -no-reboot, see CPULOG); 124 = no halt within PAGODA_VGA_TIMEOUT seconds (default 120).
"""
import os, re, subprocess, sys, tempfile, time
import qemu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("PAGODA_BUILD", "build"))


Qmp = qemu.Qmp


def halted(regs):
    """The final `cli; hlt`: HLT=1 and EFLAGS.IF (bit 9) clear.  The idle loop (sti; hlt) and a
    wait for an interrupt do not count."""
    m = re.search(r"EFL=([0-9a-f]+)", regs)
    return "HLT=1" in regs and m is not None and not int(m.group(1), 16) & 0x200


def screen_text(cells):
    """80x25 cells of (character, attribute) -> 25 lines, trailing blanks removed."""
    chars = bytes(cells[0::2]).decode("cp437", errors="replace")
    return "\n".join(chars[r * 80:(r + 1) * 80].rstrip() for r in range(25)) + "\n"


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    cpu, mem, log, cpulog = sys.argv[1:5]
    tmp = tempfile.mkdtemp(prefix="pagoda-vga-")
    sock, dump = os.path.join(tmp, "qmp.sock"), os.path.join(tmp, "screen.bin")
    cmd = qemu.base_cmd(cpu, mem, exit_device=False) + ["-device", "VGA"] + \
        qemu.kernel_boot(os.path.join(BUILD, "kernel.elf"), "test=all") + \
        ["-qmp", "unix:%s,server=on,wait=off" % sock] + qemu.reset_log(cpulog) + sys.argv[5:]
    q = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + int(os.environ.get("PAGODA_VGA_TIMEOUT", "120"))
    status = 124
    try:
        mon = Qmp(sock, deadline)
        while time.time() < deadline:
            if halted(mon.hmp("info registers")):
                mon.cmd("pmemsave", val=0xB8000, size=80 * 25 * 2, filename=dump)
                open(log, "w").write(screen_text(open(dump, "rb").read()))
                status = 0
                break
            time.sleep(0.2)
        else:
            print("vgarun: the CPU never halted", file=sys.stderr)
    except (OSError, EOFError) as e:                # QEMU exited: triple fault or a bad option
        print("vgarun: QEMU went away (%s): %s" % (e, q.stderr.read().decode(errors="replace")[-300:]),
              file=sys.stderr)
        status = 3
    finally:
        q.kill()
        q.wait()
        for f in (sock, dump):
            if os.path.exists(f):
                os.remove(f)
        os.rmdir(tmp)
    sys.exit(status)


if __name__ == "__main__":
    main()
