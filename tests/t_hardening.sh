#!/usr/bin/env bash
# t_hardening.sh: the product binaries are built hardened (Makefile HARDEN):
# position-independent (PIE), full RELRO (GNU_RELRO and BIND_NOW), stack
# protector (__stack_chk_fail) and fortified libc calls (*_chk). Read from
# the ELF files with readelf and nm (binutils). The release variant only:
# the sanitizer build instruments memory its own way.
set -uo pipefail
: "${YIBAO:?YIBAO must name the yibao binary}"
if [ "${YIBAO_VARIANT:-release}" != release ]; then echo "t_hardening: release variant only"; exit 0; fi
status=0
fail() { echo "FAIL: $*"; status=1; }
for bin in "$YIBAO" "$(dirname "$YIBAO")/yibao-bench"; do
    [ -x "$bin" ] || { fail "$bin missing"; continue; }
    # whole outputs first: grep -q closing a pipe early would fail it (pipefail)
    header=$(readelf -h "$bin"); segments=$(readelf -l "$bin"); dynamic=$(readelf -d "$bin")
    symbols=$(nm -D "$bin")
    grep -q "Type: *DYN" <<<"$header" || fail "$bin: not position-independent (PIE)"
    grep -q GNU_RELRO <<<"$segments" || fail "$bin: no RELRO segment"
    grep -q BIND_NOW <<<"$dynamic" || fail "$bin: not linked with -z now (full RELRO)"
    grep -q " __stack_chk_fail" <<<"$symbols" || fail "$bin: no stack protector"
    grep -q "_chk@" <<<"$symbols" || fail "$bin: no fortified libc calls (_FORTIFY_SOURCE)"
done
[ $status -eq 0 ] && echo "t_hardening: ok"
exit $status
