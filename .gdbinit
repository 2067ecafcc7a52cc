# .gdbinit - attach gdb to Pagoda under QEMU's gdb stub (`make debug`, then `make gdb`).
#
# `make gdb` runs `gdb -iex 'set auto-load local-gdbinit off' -x .gdbinit`: gdb refuses a
# project .gdbinit that is outside its auto-load safe-path, so the Makefile passes it
# explicitly (and turns the automatic load off so it never runs twice).
# Environment: PAGODA_BUILD (default build) picks the kernel.elf, PAGODA_GDB_TARGET (default
# :1234, what `qemu -s` listens on) the stub; PAGODA_GDB_TARGET=none loads without connecting.
set pagination off
set confirm off
# The architecture must be known before connecting: otherwise gdb guesses from the stub and
# fails with "Remote 'g' packet reply is too long" (and never use qemu-system-x86_64 here).
set architecture i386
python
import os
gdb.execute("file %s/kernel.elf" % os.environ.get("PAGODA_BUILD", "build"))
end
source tools/gdb/pagoda.py
python
target = os.environ.get("PAGODA_GDB_TARGET", ":1234")
if target != "none":
    gdb.execute("target remote " + target)
end
