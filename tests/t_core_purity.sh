#!/usr/bin/env bash
# t_core_purity.sh: the settle core is pure. Its objects may call only the
# string, formatting and allocation functions listed here (no files, clocks,
# randomness, environment, JSON or storage); they hold no mutable globals
# (no .data/.bss symbols); settle.o allocates nothing; and no core source
# includes an adapter's header.
set -euo pipefail
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
variant=${YIBAO_VARIANT:-release}
objdir="$root/build/$variant/obj/src/core"
[ -d "$objdir" ] || { echo "no objects in $objdir"; exit 1; }
allowed='^(snprintf|vsnprintf|memset|memcpy|memcmp|strcmp|strncmp|strlen|malloc|calloc|realloc|free|__assert_fail|__stack_chk_fail|__udivti3|__divti3|__modti3|__umodti3|__muloti4|__asan_.*|__ubsan_.*|__sanitizer_.*|_GLOBAL_OFFSET_TABLE_|__.*printf_chk|__memcpy_chk|__memset_chk)$'
status=0
defined=$(nm --defined-only "$objdir"/*.o | awk 'NF==3 {print $3}' | sort -u)
for o in "$objdir"/*.o; do
    bad=$(nm -u "$o" | awk '{print $2}' | grep -Ev "$allowed" | grep -vxF "$defined" || true)
    if [ -n "$bad" ]; then echo "impure: $(basename "$o") calls: $bad"; status=1; fi
    # Symbols in writable sections (.data, .bss); .data.rel.ro is read-only after relocation.
    globals=$(objdump -t "$o" | awk '$0 ~ / (\.data|\.bss)[ \t]/ && $NF !~ /^(\.|__asan|__ubsan)/ {print $NF}' || true)
    if [ -n "$globals" ]; then echo "mutable global state in $(basename "$o"): $globals"; status=1; fi
done
if nm -u "$objdir/settle.o" | grep -Eq ' (malloc|calloc|realloc|free)$'; then
    echo "settle.o allocates"; status=1
fi
if grep -En '#include *"(json|codec|store|service|cli|gen)/' "$root"/src/core/*.[ch]; then
    echo "core includes an adapter header"; status=1
fi
if grep -En '#include *<(sqlite3|libpq-fe|microhttpd|openssl/[a-z]+)\.h>' "$root"/src/core/*.[ch]; then
    echo "core includes an I/O library"; status=1
fi
[ $status -eq 0 ] && echo "core is pure: $(ls "$objdir"/*.o | wc -l) objects checked"
exit $status
