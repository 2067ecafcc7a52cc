# debug.mk - debugging with gdb, Bochs runs, and the extra ISOs `make test` boots
# (included by the top Makefile; BUILD, QEMU, QEMU_BASE, QEMUFLAGS, RUN_ARGS, GRUB_MODULES, Q and
# say come from it).
#
#   make debug        QEMU halted at the first instruction, gdb stub on :1234, console here (Ctrl-A X quits)
#   make gdb          gdb attached to make debug's QEMU, with the project .gdbinit (pt-walk, pt-dump, pfn)
#   make bochs        the normal ISO in headless Bochs, COM1 on this terminal (Ctrl-C stops)
#
# make debug runs QEMU with -s -S; Ctrl-A C switches its console to the QEMU monitor.
# make debug takes RUN_ARGS and QEMUFLAGS like make run; make bochs takes BOCHS_CPU (a Bochs
# cpu model, `bochs -help cpu`) and BOCHS_MEM; make gdb takes GDBARGS (e.g. -ex 'break mm_init').

GDB       ?= $(shell command -v gdb-multiarch 2>/dev/null || echo gdb)
BOCHS_CPU ?= pentium
BOCHS_MEM ?= 32M
GDBARGS   ?=

.PHONY: debug gdb bochs

# qemu-system-i386, never x86_64: gdb would get 64-bit registers ("Remote 'g' packet reply is
# too long").  -S stops at the reset vector, so breakpoints can be set before the kernel runs.
debug: $(BUILD)/kernel.elf
	@tools/deps.sh run
	@echo "QEMU is halted with the gdb stub on :1234; run 'make gdb' in another terminal (Ctrl-A X quits)." >&2
	@PAGODA_BUILD=$(BUILD) tools/run.sh $(QEMU) -kernel $(BUILD)/kernel.elf -append "$(RUN_ARGS)" $(QEMUFLAGS) \
	    -serial mon:stdio $(RUN_DISPLAY) $(QEMU_BASE) -s -S

# No dependency on kernel.elf: rebuilding it under a running `make debug` would give gdb
# symbols that do not match the kernel in QEMU.  gdb's auto-load safe-path refuses a project
# .gdbinit, so it is passed with -x (and the automatic load is switched off: it would run twice).
gdb:
	@test -f $(BUILD)/kernel.elf || { echo "no $(BUILD)/kernel.elf: run make debug first" >&2; exit 1; }
	@command -v $(GDB) >/dev/null || { echo "gdb missing: sudo apt-get install gdb-multiarch" >&2; exit 1; }
	@[ "$${PAGODA_GDB_TARGET:-:1234}" != ":1234" ] || bash -c 'exec 3<>/dev/tcp/127.0.0.1/1234' 2>/dev/null || \
	    { echo "make gdb: nothing listens on port 1234 - start 'make debug' in another terminal first" >&2; exit 1; }
	@PAGODA_BUILD=$(BUILD) $(GDB) -q -iex 'set auto-load local-gdbinit off' -x .gdbinit $(GDBARGS)

# Bochs enforces what QEMU only advertises (a CR4 bit or MSR the model lacks raises #GP).
# Its own log and rc files: $(BUILD)/bochs/com1.bochs.{rc,log,out}.
bochs: $(BUILD)/pagoda.iso
	@tools/deps.sh test
	@mkdir -p $(BUILD)/bochs
	@echo "Bochs ($(BOCHS_CPU), $(BOCHS_MEM)): COM1 follows; Ctrl-C stops (the Bochs debugger then quits)." >&2
	@PAGODA_BUILD=$(BUILD) BOCHS_TIMEOUT=0 BOCHS_COM1=/dev/stdout \
	    tools/bochs-run.sh $(BOCHS_CPU) $(BOCHS_MEM) $(BUILD)/bochs/com1.log $(BUILD)/pagoda.iso

# ISOs with their own GRUB menu, tools/iso/NAME.cfg -> $(BUILD)/test-NAME.iso:
#   test-triple.iso  a deliberate triple fault (the runner's Bochs self-check)
#   test-holes.iso   the self-tests on a memory map with holes (GRUB cutmem)
$(BUILD)/test-%.iso: $(BUILD)/kernel.elf tools/iso/%.cfg
	@tools/deps.sh iso
	$(call say,ISO,$@)
	$(Q)rm -rf $(BUILD)/isodir-$* && mkdir -p $(BUILD)/isodir-$*/boot/grub
	$(Q)cp $(BUILD)/kernel.elf $(BUILD)/isodir-$*/boot/kernel.elf
	$(Q)cp tools/iso/$*.cfg $(BUILD)/isodir-$*/boot/grub/grub.cfg
	$(Q)grub-mkrescue -o $@ --install-modules="$(GRUB_MODULES)" --locales="" --fonts="" --themes="" \
	    $(BUILD)/isodir-$* 2>$(BUILD)/grub-mkrescue-$*.log || { cat $(BUILD)/grub-mkrescue-$*.log; exit 1; }

# A Bochs configuration of tests/matrix.conf with tests: or cmdline: words boots an ISO of its own,
# $(BUILD)/matrix-NAME.iso, whose one GRUB entry has that command line: tools/runtests.py
# --bochs-isos writes the menus to $(BUILD)/matrix-NAME.cfg (only those that changed) and names the
# ISOs, which bochs-isos then makes.  Their kernel.elf has no DWARF sections (--strip-debug: the
# same loaded segments, the symbol table for backtraces is in .rodata): GRUB reads the whole file
# into its heap, and with the 3 MiB of debug information it says "out of memory" on an 8 MiB machine.
$(BUILD)/matrix-%.iso: $(BUILD)/kernel.elf $(BUILD)/matrix-%.cfg
	@tools/deps.sh iso
	$(call say,ISO,$@)
	$(Q)rm -rf $(BUILD)/isodir-matrix-$* && mkdir -p $(BUILD)/isodir-matrix-$*/boot/grub
	$(Q)$(OBJCOPY) --strip-debug $(BUILD)/kernel.elf $(BUILD)/isodir-matrix-$*/boot/kernel.elf
	$(Q)cp $(BUILD)/matrix-$*.cfg $(BUILD)/isodir-matrix-$*/boot/grub/grub.cfg
	$(Q)grub-mkrescue -o $@ --install-modules="$(GRUB_MODULES)" --locales="" --fonts="" --themes="" \
	    $(BUILD)/isodir-matrix-$* 2>$(BUILD)/grub-mkrescue-matrix-$*.log || { cat $(BUILD)/grub-mkrescue-matrix-$*.log; exit 1; }

.PHONY: bochs-isos
bochs-isos: $(BUILD)/kernel.elf
	@isos=$$(PAGODA_BUILD=$(BUILD) python3 tools/runtests.py --matrix tests/matrix.conf --bochs-isos) || exit 1; \
	[ -z "$$isos" ] || $(MAKE) --no-print-directory $$isos

test: $(BUILD)/test-triple.iso $(BUILD)/test-holes.iso bochs-isos
