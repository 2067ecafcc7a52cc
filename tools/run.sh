#!/bin/sh
# run.sh - how make run and make debug start QEMU: the command line is the arguments; what this
# adds is an exit status that means what it says, and a message when something went wrong.
#   the kernel left with EXIT_PASS (a test= or bench= run passed)      -> 0
#   the kernel left with EXIT_FAIL (a test failed, or panic)           -> 1, with a message
#   QEMU stopped on a triple fault (-no-reboot turns the reset into an exit with status 0, so
#   QEMU's cpu_reset log tells it from a quit with Ctrl-A X)          -> 1, with a message
#   Ctrl-A X, or the window closed                                      -> 0
#   QEMU could not start                                                -> its status
# The exit codes are read from tools/qemu.py, where they are spelled once (make run must work
# without python3, so they are read with sed).
qemu_py() { sed -n "s/^$1 = \([0-9]*\).*/\1/p" "$(dirname "$0")/qemu.py"; }
pass=$(qemu_py EXIT_PASS) fail=$(qemu_py EXIT_FAIL)
[ -n "$pass" ] && [ -n "$fail" ] || { echo "run.sh: no EXIT_PASS/EXIT_FAIL in tools/qemu.py" >&2; exit 2; }
# Below 2 MiB nothing of the kernel can run (QEMU's loader places it at 1 MiB): say so instead of
# starting a machine that shows nothing.  (From 2 MiB on, the kernel itself says what it needs.)
prev=
for a in "$@"; do
    if [ "$prev" = "-m" ]; then
        size=${a%%,*}
        case $size in
            *[kK]) kib=${size%?} ;;
            *[mM]) kib=$(( ${size%?} * 1024 )) ;;
            *[gG]) kib=$(( ${size%?} * 1048576 )) ;;
            *[0-9]) kib=$(( size * 1024 )) ;;
            *) kib= ;;
        esac
        if [ -n "$kib" ] && [ "$kib" -lt 2048 ] 2>/dev/null; then
            echo "pagoda: -m $a is too little: the kernel is loaded at 1 MiB and needs about 3 MiB of RAM in all" >&2
            exit 1
        fi
    fi
    prev=$a
done
reset_log="${PAGODA_BUILD:-build}/run-reset.log"
mkdir -p "$(dirname "$reset_log")" && rm -f "$reset_log"
"$@" -d cpu_reset -D "$reset_log"
st=$?
case $st in
    "$pass") exit 0 ;;
    "$fail") echo "pagoda: the kernel reported a failure (a test failed, or it panicked): see the console above" >&2
        exit 1 ;;
    0)  if grep -q "Triple fault" "$reset_log" 2>/dev/null; then
            echo "pagoda: triple fault - the CPU reset and QEMU stopped (-no-reboot); the last console lines say where" >&2
            exit 1
        fi
        exit 0 ;;
    *)  echo "pagoda: QEMU exited with status $st (it did not start, or gave up)" >&2
        exit "$st" ;;
esac
