#!/bin/sh
# mksyms.sh NM ELF - a C table of the kernel's .text symbols, sorted by address, for
# symbolised backtraces in panic messages.
nm_tool=$1; elf=$2
echo '#include <stdint.h>'
echo 'struct ksym { uint32_t addr; const char *name; };'
echo 'const struct ksym ksyms[] = {'
"$nm_tool" -n "$elf" | awk '$2 ~ /^[Tt]$/ && $3 !~ /\./ { printf "    { 0x%s, \"%s\" },\n", $1, $3; n++ } END { if (n == 0) print "    { 0, \"\" }," }'
echo '};'
echo 'const uint32_t ksyms_count = sizeof ksyms / sizeof ksyms[0];'
