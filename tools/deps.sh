#!/usr/bin/env bash
# deps.sh GROUP... - make sure the tools a make target needs are installed.
# Groups: build (compiler, nasm), run (qemu), iso (grub, xorriso), test (+python3, bochs, gdb).
# As root with apt-get, missing packages are installed; otherwise the exact apt-get line is
# printed and the script fails.  Nothing is downloaded except Debian packages.
set -u
need_pkgs=()
want() { # want COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 || need_pkgs+=("$2")
}
for g in "$@"; do
    case "$g" in
    build)
        if ! command -v i686-elf-gcc >/dev/null 2>&1; then
            want i686-linux-gnu-gcc gcc-i686-linux-gnu
            want i686-linux-gnu-ld binutils-i686-linux-gnu
        fi
        want nasm nasm
        want make make ;;
    run) want qemu-system-i386 qemu-system-x86 ;;
    iso)
        want grub-mkrescue grub-common
        [ -d /usr/lib/grub/i386-pc ] || need_pkgs+=(grub-pc-bin)
        want xorriso xorriso
        want mformat mtools ;;
    test)
        want python3 python3
        want bochs bochs
        [ -f /usr/share/bochs/BIOS-bochs-latest ] || need_pkgs+=(bochsbios)
        [ -f /usr/share/vgabios/vgabios.bin ] || [ -f /usr/share/bochs/VGABIOS-lgpl-latest ] || need_pkgs+=(vgabios)
        want gdb-multiarch gdb-multiarch ;;
    clang) want clang clang; want ld.lld lld ;;
    esac
done
[ ${#need_pkgs[@]} -eq 0 ] && exit 0
# shellcheck disable=SC2207
pkgs=($(printf '%s\n' "${need_pkgs[@]}" | sort -u))
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing ${pkgs[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${pkgs[@]}"; } >/tmp/pagoda-apt.log 2>&1 || {
        echo "deps: apt-get failed; see /tmp/pagoda-apt.log" >&2; tail -20 /tmp/pagoda-apt.log >&2; exit 1; }
    exit 0
fi
echo "deps: missing tools. Install them with:" >&2
echo "    sudo apt-get install ${pkgs[*]}" >&2
exit 1
