#!/bin/sh
# run.sh - how make run and make debug start QEMU: the command line is the arguments; what this
# adds is an exit status that means what it says, and a message when something went wrong.
#   kernel wrote 33 to the exit device (a test= or bench= run passed)  -> 0
#   kernel wrote 35 (a test failed, or panic)                           -> 1, with a message
#   QEMU stopped on a triple fault (-no-reboot turns the reset into an exit with status 0, so
#   QEMU's cpu_reset log tells it from a quit with Ctrl-A X)          -> 1, with a message
#   Ctrl-A X, or the window closed                                      -> 0
#   QEMU could not start                                                -> its status
# The exit codes are tools/qemu.py's; this copy is for make run, which must work without python3.
reset_log="${PAGODA_BUILD:-build}/run-reset.log"
mkdir -p "$(dirname "$reset_log")" && rm -f "$reset_log"
"$@" -d cpu_reset -D "$reset_log"
st=$?
case $st in
    33) exit 0 ;;
    35) echo "pagoda: the kernel reported a failure (a test failed, or it panicked): see the console above" >&2
        exit 1 ;;
    0)  if grep -q "Triple fault" "$reset_log" 2>/dev/null; then
            echo "pagoda: triple fault - the CPU reset and QEMU stopped (-no-reboot); the last console lines say where" >&2
            exit 1
        fi
        exit 0 ;;
    *)  echo "pagoda: QEMU exited with status $st (it did not start, or gave up)" >&2
        exit "$st" ;;
esac
