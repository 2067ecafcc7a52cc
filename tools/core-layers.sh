#!/bin/sh
# core-layers.sh NM OBJECT... - fails when the paging core's files call each other in a cycle.
#
# The Makefile runs it on build/mm/core/*.o after linking.  File A depends on file B when A's
# object leaves undefined a symbol (a function or data) that B's object defines; the layers
# written at the top of mm/core/core.h are that graph's order, and a cycle means two files can
# no longer be read or changed one below the other.  Quiet when there is none; otherwise it
# names the files of the cycle and what each of them uses of the others, and exits 1.
nm=$1
shift
edges=$("$nm" "$@" | awk '
    NF == 1 && /:$/ { f = $1; sub(/:$/, "", f); sub(/.*\//, "", f); sub(/\.o$/, "", f); next }
    $1 == "U" { use[f, $2] = 1; next }
    NF == 3 && $2 ~ /^[A-TV-Z]$/ { def[$3] = f }
    END {
        for (k in use) {
            split(k, p, SUBSEP)
            if ((p[2] in def) && def[p[2]] != p[1]) print p[1], def[p[2]], p[2]
        }
    }' | sort) || exit 1
# tsort names every file of a cycle on stderr ("tsort: -: input contains a loop:", then one
# line per file) and exits 1.
loop=$(printf '%s\n' "$edges" | cut -d' ' -f1,2 | tsort 2>&1 >/dev/null) && exit 0
files=$(printf '%s\n' "$loop" | sed -n 's/^tsort: \([^ ]*\)$/\1/p' | sort -u | tr '\n' ' ')
echo "core-layers: mm/core files call each other in a cycle: $files" >&2
echo "core-layers: move the function to the layer it belongs to (mm/core/core.h lists them); calls among those files:" >&2
awk -v files=" $files" 'index(files, " " $1 " ") && index(files, " " $2 " ") {
        k = $1 ".c -> " $2 ".c"; s[k] = s[k] " " $3 }
    END { for (k in s) print "    " k ":" s[k] }' <<EOF | sort >&2
$edges
EOF
exit 1
