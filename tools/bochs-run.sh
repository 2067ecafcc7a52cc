#!/usr/bin/env bash
# bochs-run.sh CPU_MODEL MEM LOGFILE [ISO] - boot the self-test ISO once in headless Bochs.
#
# Bochs is where feature probing is proven: unlike QEMU it raises #GP on a CR4 bit or MSR the
# CPU model lacks.  COM1 goes to LOGFILE; Bochs's own files go next to it,
# named LOGFILE with .log replaced: .bochs.rc (bochsrc), .bochs.dbgrc (debugger commands),
# .bochs.log (Bochs's log), .bochs.out (its stdout/stderr, debugger and port 0xE9 output).
#
# How a run ends: the kernel prints its summary, then qemu_exit() executes
# `xchg bx,bx`; with magic_break enabled Bochs stops in its debugger, which runs the `q` of our
# rc file and exits 0.  A triple fault (reset_on_triple_fault=0) or any Bochs panic exits 1
# with ">>PANIC<<" in the log; a hang is killed by timeout (124).
# Exit status: 0 = reached the magic breakpoint cleanly; 2 = triple fault; 3 = Bochs panic or
# error exit; 124 = timeout.  The summary line in LOGFILE is judged by tools/runtests.py.
#
# Environment: PAGODA_BUILD (default build); BOCHS_DISK, a raw disk image attached as the ATA
# disk ata0-master (the CD-ROM then moves to ata0-slave); BOCHS_TIMEOUT seconds (default 300, 0 = none:
# then Ctrl-C stops the run, for `make bochs`); BOCHS_COM1 sends COM1 elsewhere than LOGFILE
# (`make bochs` uses /dev/stdout); BOCHS_DISPLAY (default rfb with timeout=0: no window, no
# waiting for a VNC client).
set -u
if [ $# -lt 3 ]; then
    echo "usage: $0 CPU_MODEL MEM LOGFILE [ISO]   (MEM like 32M or 1G)" >&2
    exit 64
fi
cpu=$1 mem=$2 log=$3
root=$(cd "$(dirname "$0")/.." && pwd)
iso=${4:-$root/${PAGODA_BUILD:-build}/pagoda-test.iso}
base=${log%.log}.bochs
case "$mem" in
    *G) mb=$(( ${mem%G} * 1024 )) ;;
    *M) mb=${mem%M} ;;
    *)  mb=$mem ;;
esac

[ -f "$iso" ] || { echo "bochs-run: no ISO at $iso (make BUILD=... \$BUILD/pagoda-test.iso)" >&2; exit 3; }
command -v bochs >/dev/null || { echo "bochs-run: bochs is not installed (tools/deps.sh test)" >&2; exit 3; }
# Debian ships the LGPL VGA BIOS under either name, depending on the package version.
vga=
for f in /usr/share/bochs/VGABIOS-lgpl-latest /usr/share/vgabios/vgabios.bin; do
    [ -f "$f" ] && { vga=$f; break; }
done
[ -n "$vga" ] || { echo "bochs-run: no VGA BIOS (apt-get install vgabios)" >&2; exit 3; }

# Bochs derives a CHS geometry from a flat image's size; IDENTIFY still reports every sector
# for LBA, so any size of whole sectors works.
if [ -n "${BOCHS_DISK:-}" ]; then
    [ -f "$BOCHS_DISK" ] || { echo "bochs-run: no disk image at $BOCHS_DISK" >&2; exit 3; }
    drives="ata0-master: type=disk, path=\"$BOCHS_DISK\", mode=flat
ata0-slave: type=cdrom, path=\"$iso\", status=inserted"
else
    drives="ata0-master: type=cdrom, path=\"$iso\", status=inserted"
fi

com1=${BOCHS_COM1:-$log}
[ "$com1" = "$log" ] && rm -f "$log"
rm -f "$base.log" "$base.out"
# 'memory:' rather than 'megs:': megs is capped at 2048 and ties host to guest.
# clock sync=none + time0: deterministic (TSC = instruction count, fixed RTC).
cat > "$base.rc" <<EOF
memory: guest=$mb, host=$mb
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=$vga
$drives
boot: cdrom
display_library: ${BOCHS_DISPLAY:-rfb, options="timeout=0"}
com1: enabled=1, mode=file, dev="$com1"
port_e9_hack: enabled=1
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
log: $base.log
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
clock: sync=none, time0=946681200
cpu: model=$cpu, reset_on_triple_fault=0
magic_break: enabled=1
EOF
# Debian's Bochs has the internal debugger: without -rc it stops at t=0 waiting for input.
printf 'c\nq\n' > "$base.dbgrc"

# The RFB display listens on TCP 5900+; a private network namespace keeps parallel runs from
# clashing and exposes nothing.  unshare -n needs root (or user namespaces): fall back to none.
ns=()
if unshare -n true 2>/dev/null; then ns=(unshare -n); fi
if [ "${BOCHS_TIMEOUT:-300}" = 0 ]; then
    # Interactive: Bochs stays in the terminal's process group so Ctrl-C reaches its debugger,
    # which then runs the rc file's `q`.  Its own messages still go to $base.out.
    "${ns[@]}" bochs -f "$base.rc" -q -rc "$base.dbgrc" 2>"$base.out" </dev/null
    exit $?
fi
timeout "${BOCHS_TIMEOUT:-300}" "${ns[@]}" bochs -f "$base.rc" -q -rc "$base.dbgrc" \
    >"$base.out" 2>&1 </dev/null
status=$?

if [ $status = 124 ]; then
    echo "bochs-run: timeout after ${BOCHS_TIMEOUT:-300}s ($cpu, $mem)" >&2
    exit 124
fi
if grep -q 'exception with no resolution' "$base.log" "$base.out" 2>/dev/null; then
    echo "bochs-run: Triple fault: $(grep -m1 -o 'exception(): 3rd.*' "$base.log")" >&2
    exit 2
fi
if grep -q '>>PANIC<<' "$base.log" 2>/dev/null || [ $status != 0 ]; then
    echo "bochs-run: Bochs stopped with status $status: $(grep -m1 -o '>>PANIC<<.*' "$base.log")" >&2
    exit 3
fi
if ! grep -q 'Magic breakpoint' "$base.out"; then
    echo "bochs-run: Bochs exited without reaching the magic breakpoint" >&2
    exit 3
fi
exit 0
