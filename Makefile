# Pagoda - an i386 kernel whose memory manager runs on the real x86 MMU.
#
# `make help` prints the lines below that start with "make" (tools/debug.mk adds its own).
#   make              build/kernel.elf (+ kernel.sym, kernel.asm), one short line per step
#   make V=1          the same, printing every command line in full
#   make CC=clang     build with clang --target=i686-elf and ld.lld
#   make run          boot in QEMU, serial console on this terminal (Ctrl-A X quits); RUN_ARGS, QEMUFLAGS,
#                     VGA=1 for the screen in a window; build/swap.img attached as the IDE primary master
#                     (the swap disk); exits 0, or 1 with a message on a failure
#   make swap.img     build/swap.img: a 64 MiB raw disk image marked as a Pagoda swap area (tools/mkswap.py)
#   make test         every configuration of tests/matrix.conf; ends with "N passed, N failed"; TESTARGS
#   make iso          build/pagoda.iso (GRUB, BIOS; CD or USB stick)
#   make bench        the benchmark table (tools/bench.py), also in build/bench-results.txt; BENCHARGS
#   make stress       the long randomized stress: a million operations under paging (build/stress.log); STRESSARGS
#   make sweep        every test area booted alone on 8/12/32/64 MiB, 486 and Pentium III (tools/area-sweep.py)
#   make check-clang  the same kernel built with clang --target=i686-elf and ld.lld (build-clang/)
#   make deps         install (as root) or name the packages the build needs (tools/deps.sh)
#   make clean        remove build/ and build-clang/
#   make help         this list
#
# Tools are checked (and installed with apt as root) by tools/deps.sh.

BUILD    := build
VERSION  := 0.1
COMMIT   := $(shell git describe --always --dirty --abbrev=7 2>/dev/null || echo unknown)

ifneq ($(shell command -v i686-elf-gcc 2>/dev/null),)
CROSS ?= i686-elf-
else
CROSS ?= i686-linux-gnu-
endif

ifeq ($(origin CC),default)
CC := $(CROSS)gcc
endif
ifneq ($(findstring clang,$(CC)),)
TOOLCHAIN := clang
LD       := ld.lld
NM       := llvm-nm
OBJDUMP  := llvm-objdump
OBJCOPY  := llvm-objcopy
ifeq ($(shell command -v $(NM) 2>/dev/null),)
NM := $(CROSS)nm
OBJDUMP := $(CROSS)objdump
OBJCOPY := $(CROSS)objcopy
endif
ARCHFLAGS := --target=i686-elf -march=i386
LDFLAGS_EXTRA :=
else
TOOLCHAIN := gcc
LD       := $(CROSS)ld
NM       := $(CROSS)nm
OBJDUMP  := $(CROSS)objdump
OBJCOPY  := $(CROSS)objcopy
ARCHFLAGS := -m32 -march=i386 -fno-toplevel-reorder
LDFLAGS_EXTRA := --no-warn-rwx-segments
endif
NASM     := nasm
QEMU     ?= qemu-system-i386

# A quiet build: one line per step ("  CC   mm/pte.o", "  LD   build/kernel.elf"); `make V=1`
# prints the whole command lines instead.  Warnings and errors are the tools' own stderr, so they
# show in full either way.  A recipe line starts with $(call say,TAG,WHAT) and runs with $(Q).
V ?= 0
ifeq ($(V),1)
Q   :=
say :=
else
Q   := @
say = @printf '  %-4s %s\n' '$(1)' '$(2)'
endif
obj_name = $(patsubst build/%,%,$@)

CFLAGS := $(ARCHFLAGS) -std=gnu11 -O2 -g -ffreestanding -nostdlib -fno-pic -fno-pie \
          -fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
          -fno-strict-aliasing -mno-sse -mno-sse2 -mno-mmx -mno-80387 \
          -Wall -Wextra -Werror -I. \
          -DPAGODA_VERSION='"$(VERSION)"' -DPAGODA_COMMIT='"$(COMMIT)"'
NASMFLAGS := -f elf32 -g -F dwarf -I$(BUILD)/
LDFLAGS := -m elf_i386 -nostdlib -L $(BUILD) -T linker.ld -z noexecstack $(LDFLAGS_EXTRA)

# Link order is run order for the tests: the harness, then core, personalities, suites.
SRC_DIRS := boot kernel drivers mm mm/core mm/vxd mm/devhlp mm/ntmm tests/harness tests/core/boot \
            tests/core/pfn tests/core/mm tests/vxd tests/devhlp tests/ntmm tests/suites/hostile \
            tests/suites/exhaust tests/suites/harden tests/suites/stress tests/monitor tests/bench tests/paging
C_SRCS   := $(foreach d,$(SRC_DIRS),$(sort $(wildcard $(d)/*.c)))
ASM_SRCS := $(foreach d,$(SRC_DIRS),$(sort $(wildcard $(d)/*.asm)))
STRAY    := $(filter-out $(C_SRCS) $(ASM_SRCS),$(shell find boot kernel drivers mm tests -name '*.c' -o -name '*.asm'))
ifneq ($(STRAY),)
$(error $(STRAY): in no folder of SRC_DIRS (Makefile); add the folder there)
endif
OBJS     := $(C_SRCS:%.c=$(BUILD)/%.o) $(ASM_SRCS:%.asm=$(BUILD)/%.asm.o)
DEPS     := $(C_SRCS:%.c=$(BUILD)/%.d) $(BUILD)/tools/constants.d

# What run, stress and debug (tools/debug.mk) give QEMU besides the kernel: no reboot (a triple
# fault ends QEMU) and the exit device the kernel leaves through.  The device and the pass status
# are spelled once, in tools/qemu.py (which the Python tools use and which explains them); make
# reads them from there with sed, so make run works without python3.  run and debug go through
# tools/run.sh, which turns the statuses into 0 / 1 with a message, and keep QEMU's default
# devices: VGA=1 shows the VGA screen in a window (otherwise there is none).
qemu_py = $(shell sed -n 's/^$(1) = "*\([^" ]*\)"*.*/\1/p' tools/qemu.py)
QEMU_EXIT_DEVICE := $(call qemu_py,EXIT_DEVICE)
QEMU_EXIT_PASS := $(call qemu_py,EXIT_PASS)
$(if $(and $(QEMU_EXIT_DEVICE),$(QEMU_EXIT_PASS)),,$(error tools/qemu.py: no EXIT_DEVICE = "..." or EXIT_PASS = N line for make to read))
QEMU_BASE := -no-reboot -device $(QEMU_EXIT_DEVICE)
VGA ?= 0
RUN_DISPLAY := $(if $(filter 1,$(VGA)),,-display none)
QEMUFLAGS ?= -m 128M
RUN_ARGS  ?=
TESTARGS  ?=                  # e.g. TESTARGS="--only qemu-pentium-32M --pattern 'mm/*'"

.PHONY: all run test iso clean deps bench stress debug gdb check-clang help sweep swap.img
all: $(BUILD)/kernel.elf $(BUILD)/layers.ok

# ... and a personality names no PTE or PDE bit (mm/x86.h's PTE_* / PDE_* other than the layout
# addresses PTE_BASE / PDE_BASE): it asks mm/mm.h for typed answers.  The one raw view it gets is
# mm_copy_ptes, _CopyPageTable's documented output.  The probe shows the #error still fires.
PERSONALITY_SRCS := $(filter mm/vxd/% mm/devhlp/% mm/ntmm/%,$(C_SRCS)) $(wildcard mm/vxd/*.h mm/devhlp/*.h mm/ntmm/*.h)
$(BUILD)/layers.ok: $(PERSONALITY_SRCS) $(wildcard mm/core/*.h) | $(BUILD)/.deps-build
	$(call say,CHK,layers)
	$(Q)if grep -nE '\b(PTE|PDE)_[A-Z_]+\b' $(PERSONALITY_SRCS) | grep -vE '\b(PTE|PDE)_BASE\b'; then \
	    echo "layers: a personality uses raw PTE bits (above); ask mm/mm.h instead" >&2; exit 1; fi
	$(Q)if grep -nE '#include +"mm/core/' $(PERSONALITY_SRCS) kernel/*.c kernel/*.h drivers/*.c; then \
	    echo "layers: a core-private header outside the core (above)" >&2; exit 1; fi
	$(Q)echo '#include "mm/core/pte.h"' | $(CC) $(CFLAGS) -x c -fsyntax-only - 2>/dev/null && \
	    { echo "layers: mm/core/pte.h compiled without MM_CORE_PRIVATE" >&2; exit 1; } || true
	$(Q)touch $@

deps:
	@tools/deps.sh build

$(BUILD)/.deps-build:
	@tools/deps.sh build
	@mkdir -p $(BUILD) && touch $@

# The layers (docs/ARCHITECTURE.md): mm/core/'s private headers compile only with MM_CORE_PRIVATE,
# which the core and the tests get and the personalities, kernel/ and drivers/ do not.
$(BUILD)/mm/core/%.o $(BUILD)/tests/%.o: CFLAGS += -DMM_CORE_PRIVATE

$(BUILD)/%.o: %.c | $(BUILD)/.deps-build
	@mkdir -p $(dir $@)
	$(call say,CC,$(obj_name))
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.asm.o: %.asm $(BUILD)/constants.inc | $(BUILD)/.deps-build
	@mkdir -p $(dir $@)
	$(call say,AS,$(obj_name))
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@

# Constants the assembly, linker.ld and the gdb commands share with the C headers, evaluated by
# the compiler from the headers that define them (tools/constants.c says how): boot.asm includes
# constants.inc (NASMFLAGS -I), linker.ld includes constants.ld (LDFLAGS -L), tools/gdb/pagoda.py
# reads constants.inc next to the kernel.elf gdb loaded.  The core-private headers among them
# are read as the core reads them (MM_CORE_PRIVATE).
$(BUILD)/tools/constants.s: tools/constants.c | $(BUILD)/.deps-build
	@mkdir -p $(dir $@)
	$(call say,CC,$(obj_name))
	$(Q)$(CC) $(CFLAGS) -DMM_CORE_PRIVATE -MMD -MP -S $< -o $@

$(BUILD)/constants.inc: $(BUILD)/tools/constants.s tools/constants.sh
	$(call say,GEN,$@)
	$(Q)tools/constants.sh inc $< > $@.tmp && mv $@.tmp $@

$(BUILD)/constants.ld: $(BUILD)/tools/constants.s tools/constants.sh
	$(call say,GEN,$@)
	$(Q)tools/constants.sh ld $< > $@.tmp && mv $@.tmp $@

# Two-pass link: the first image gives the .text symbol addresses, which become a table in
# .rodata (panic backtraces print names).  .text comes first in the image, so the table
# cannot move any function; the second link is checked to agree.
$(BUILD)/ksyms0.c: | $(BUILD)/.deps-build
	@printf '#include <stdint.h>\nstruct ksym { uint32_t addr; const char *name; };\nconst struct ksym ksyms[1];\nconst uint32_t ksyms_count = 0;\n' > $@

# The banner names the commit, so main.o is rebuilt when it changes (the stamp changes only then).
$(BUILD)/commit.stamp: FORCE | $(BUILD)/.deps-build
	@echo '$(COMMIT)' | cmp -s - $@ || echo '$(COMMIT)' > $@
$(BUILD)/kernel/main.o: $(BUILD)/commit.stamp
# ... and the kernel is relinked when a source file comes or goes (the list changes only then).
$(BUILD)/objs.list: FORCE | $(BUILD)/.deps-build
	@echo '$(OBJS)' | cmp -s - $@ || echo '$(OBJS)' > $@
.PHONY: FORCE
FORCE:

$(BUILD)/ksyms0.o: $(BUILD)/ksyms0.c
	$(call say,CC,$(obj_name))
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/kernel0.elf: $(OBJS) $(BUILD)/ksyms0.o linker.ld $(BUILD)/constants.ld $(BUILD)/objs.list
	$(call say,LD,$@)
	$(Q)$(LD) $(LDFLAGS) -o $@ $(OBJS) $(BUILD)/ksyms0.o

$(BUILD)/ksyms.c: $(BUILD)/kernel0.elf tools/mksyms.sh
	$(call say,GEN,$@)
	$(Q)tools/mksyms.sh $(NM) $< > $@

$(BUILD)/ksyms.o: $(BUILD)/ksyms.c
	$(call say,CC,$(obj_name))
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# After the link, tools/core-layers.sh fails the build if the paging core's files (mm/core/)
# call each other in a cycle: their layers are listed at the top of mm/core/core.h.
$(BUILD)/kernel.elf: $(OBJS) $(BUILD)/ksyms.o linker.ld $(BUILD)/constants.ld $(BUILD)/objs.list tools/core-layers.sh
	$(call say,LD,$@)
	$(Q)$(LD) $(LDFLAGS) -o $@ $(OBJS) $(BUILD)/ksyms.o
	$(Q)tools/core-layers.sh $(NM) $(filter $(BUILD)/mm/core/%.o,$(OBJS)) || { rm -f $@; exit 1; }
	$(Q)$(NM) -n $(BUILD)/kernel0.elf | awk '$$3 == "_text_end" { te = $$1 } $$2 ~ /^[Tt]$$/ && (te == "" || $$1 "" < te "")' > $(BUILD)/text0.sym
	$(Q)$(NM) -n $@ | awk '$$3 == "_text_end" { te = $$1 } $$2 ~ /^[Tt]$$/ && (te == "" || $$1 "" < te "")' > $(BUILD)/text1.sym
	$(Q)cmp -s $(BUILD)/text0.sym $(BUILD)/text1.sym || { echo "symbol table moved .text; relink"; exit 1; }
	$(call say,SYM,$(BUILD)/kernel.sym)
	$(Q)$(NM) -n $@ > $(BUILD)/kernel.sym
	$(call say,DIS,$(BUILD)/kernel.asm)
	$(Q)$(OBJDUMP) -d $@ > $(BUILD)/kernel.asm

-include $(DEPS)

# ---- ISO --------------------------------------------------------------------------------------
# Every partition-map module: GRUB's normal mode autoloads them all when it probes a disk, and
# prints "error: file ... part_*.mod not found" for each one the image lacks.
GRUB_PARTMAPS := part_acorn part_amiga part_apple part_bsd part_dfly part_dvh part_gpt part_msdos \
                 part_plan part_sun part_sunpc
GRUB_MODULES := multiboot normal serial terminal iso9660 biosdisk configfile echo boot $(GRUB_PARTMAPS)
$(BUILD)/pagoda.iso: $(BUILD)/kernel.elf iso/grub.cfg
	@tools/deps.sh iso
	$(call say,ISO,$@)
	$(Q)rm -rf $(BUILD)/isodir && mkdir -p $(BUILD)/isodir/boot/grub
	$(Q)cp $(BUILD)/kernel.elf $(BUILD)/isodir/boot/kernel.elf
	$(Q)cp iso/grub.cfg $(BUILD)/isodir/boot/grub/grub.cfg
	$(Q)grub-mkrescue -o $@ --install-modules="$(GRUB_MODULES)" --locales="" --fonts="" --themes="" \
	    $(BUILD)/isodir 2>$(BUILD)/grub-mkrescue.log || { cat $(BUILD)/grub-mkrescue.log; exit 1; }

# The test ISO boots the self-test entry at once (same kernel, same grub.cfg otherwise).
$(BUILD)/pagoda-test.iso: $(BUILD)/kernel.elf iso/grub.cfg
	@tools/deps.sh iso
	$(call say,ISO,$@)
	$(Q)rm -rf $(BUILD)/isodir-test && mkdir -p $(BUILD)/isodir-test/boot/grub
	$(Q)cp $(BUILD)/kernel.elf $(BUILD)/isodir-test/boot/kernel.elf
	$(Q)sed -e 's/^set default=.*/set default=1/' -e 's/^set timeout=.*/set timeout=0/' iso/grub.cfg \
	    > $(BUILD)/isodir-test/boot/grub/grub.cfg
	$(Q)grub-mkrescue -o $@ --install-modules="$(GRUB_MODULES)" --locales="" --fonts="" --themes="" \
	    $(BUILD)/isodir-test 2>$(BUILD)/grub-mkrescue.log || { cat $(BUILD)/grub-mkrescue.log; exit 1; }

iso: $(BUILD)/pagoda.iso

# ---- running ------------------------------------------------------------------------------------
# The swap disk (drivers/swapdev.h): a sparse raw image whose first 4 KiB are the Pagoda swap
# header; the kernel writes only to disks that carry one.  make run creates it on first use and
# still boots, without a swap disk, when it cannot (no python3, a read-only folder).
SWAP_IMG  := $(BUILD)/swap.img
SWAP_SIZE := 64M
swap.img: $(SWAP_IMG)
$(SWAP_IMG):
	@mkdir -p $(dir $@)
	$(call say,SWAP,$@)
	$(Q)python3 tools/mkswap.py $@ --size $(SWAP_SIZE)

run: $(BUILD)/kernel.elf
	@tools/deps.sh run
	@[ -f $(SWAP_IMG) ] || $(MAKE) --no-print-directory $(SWAP_IMG) || \
	    echo "make run: could not create $(SWAP_IMG): booting without a swap disk (paging off)" >&2
	@echo "Starting QEMU (Ctrl-A X quits); the kernel console follows." >&2
	@[ ! -f $(SWAP_IMG) ] || echo "make run: $(SWAP_IMG) is the IDE primary master (the swap disk)" >&2
	@PAGODA_BUILD=$(BUILD) tools/run.sh $(QEMU) -kernel $(BUILD)/kernel.elf -append "$(RUN_ARGS)" $(QEMUFLAGS) \
	    -serial mon:stdio $(RUN_DISPLAY) $(QEMU_BASE) \
	    $$([ -f $(SWAP_IMG) ] && echo "-drive if=ide,index=0,format=raw,file=$(SWAP_IMG)")

test: $(BUILD)/kernel.elf $(BUILD)/pagoda-test.iso
	@tools/deps.sh run test
	@PAGODA_BUILD=$(BUILD) python3 tools/runtests.py --matrix tests/matrix.conf $(TESTARGS)

# Each area alone (test=AREA/*) on each memory size and CPU of the matrix: a test that only passes
# after another one fails here.  `make test` runs it too (tests/matrix.conf).  SWEEPARGS, e.g. --areas mm.
SWEEPARGS ?=
sweep: $(BUILD)/kernel.elf
	@tools/deps.sh run
	@PAGODA_BUILD=$(BUILD) QEMU=$(QEMU) python3 tools/area-sweep.py $(SWEEPARGS)

# The benchmark table: tools/bench.py boots bench=all at -m 3584M, the paging sweeps at -m 16M
# (both with a fresh swap disk, made in $(BUILD)/bench-logs/ and removed after) and bench=pfn/init
# at -m 32M, each twice under -icount, fails unless the runs agree, prints the table once and
# writes it to $(BUILD)/bench-results.txt (logs in $(BUILD)/bench-logs/).  Not part of `make test`.
BENCHARGS ?=                  # e.g. BENCHARGS="--runs 3 --cpu max"
bench: $(BUILD)/kernel.elf
	@tools/deps.sh run
	@command -v python3 >/dev/null || { echo "make bench needs python3: sudo apt-get install python3" >&2; exit 1; }
	@QEMU=$(QEMU) python3 tools/bench.py --kernel $(BUILD)/kernel.elf --out $(BUILD)/bench-results.txt $(BENCHARGS)

# The long randomized stress (tests/suites/stress/stress.c): test=stress/long, a million operations of
# the three personalities over several processes from one seed, the shadow-model sweep and
# mm_check() after every one (32 MiB keeps mm_check cheap; -cpu max has every paging feature);
# then 100,000 more under paging pressure: a fresh 64 MiB swap disk (build/stress-swap.img) and
# stress-pressure=64, which keeps the pager at its low watermark so the generator's unlocked
# pageable pages go to swap and come back under the model.  STRESSARGS goes first on both command
# lines, so it wins: STRESSARGS="stress-seed=7 stress-steps=200000".  A failure prints the seed,
# the step and a replay line.  The serial logs are $(BUILD)/stress.log and stress-paging.log; the
# summary lines and the wall times are printed.  Not part of `make test`, which runs the short
# fixed-seed stress/random-seed-* on every configuration (and qemu-stress-swap-8M under paging).
STRESSARGS ?=
STRESS_TIMEOUT ?= 3600
STRESS_SWAP := $(BUILD)/stress-swap.img
STRESS_QEMU = timeout $(STRESS_TIMEOUT) $(QEMU) -kernel $(BUILD)/kernel.elf -display none $(QEMU_BASE) -nodefaults \
              -cpu max -m 32M
STRESS_REPORT = grep -a -e '^stress:' -e '^ok' -e '^not ok' -e 'PANIC' -e ' passed, '
stress: $(BUILD)/kernel.elf
	@tools/deps.sh run
	@echo "make stress: test=stress/long $(STRESSARGS) stress-steps=1000000, -cpu max -m 32M, log $(BUILD)/stress.log" >&2
	@start=$$(date +%s); \
	$(STRESS_QEMU) -append "test=stress/long $(STRESSARGS) stress-steps=1000000" -serial file:$(BUILD)/stress.log; \
	status=$$?; $(STRESS_REPORT) $(BUILD)/stress.log; \
	echo "make stress: $$(( $$(date +%s) - start )) s, QEMU exit status $$status ($(QEMU_EXIT_PASS) = pass, 124 = timeout)"; \
	[ $$status -eq $(QEMU_EXIT_PASS) ]
	@rm -f $(STRESS_SWAP) && python3 tools/mkswap.py $(STRESS_SWAP) --size 64M >/dev/null
	@echo "make stress: test=stress/long $(STRESSARGS) stress-steps=100000 stress-pressure=64, swap $(STRESS_SWAP), log $(BUILD)/stress-paging.log" >&2
	@start=$$(date +%s); \
	$(STRESS_QEMU) -drive if=ide,index=0,format=raw,file=$(STRESS_SWAP) \
	    -append "test=stress/long $(STRESSARGS) stress-steps=100000 stress-pressure=64" -serial file:$(BUILD)/stress-paging.log; \
	status=$$?; $(STRESS_REPORT) $(BUILD)/stress-paging.log; \
	echo "make stress: under paging: $$(( $$(date +%s) - start )) s, QEMU exit status $$status ($(QEMU_EXIT_PASS) = pass, 124 = timeout)"; \
	[ $$status -eq $(QEMU_EXIT_PASS) ]

# The sub-make prints its steps with the build-clang/ prefix (obj_name strips only build/).
check-clang:
	@tools/deps.sh clang
	$(Q)$(MAKE) --no-print-directory BUILD=build-clang CC=clang build-clang/kernel.elf

clean:
	$(call say,RM,$(BUILD) build-clang)
	$(Q)rm -rf $(BUILD) build-clang

# The "make ..." lines of the comments at the top of this file and of tools/debug.mk.
help:
	@sed -n -e 's/^#   make/make/p' -e 's/^#     \(  *[^ ]\)/  \1/p' Makefile tools/debug.mk

# Debugging, Bochs and the QEMU page-table oracle live in their own file.
-include tools/debug.mk
