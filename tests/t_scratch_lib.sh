# t_scratch_lib.sh: sourced by the tests that build their own stores (not a
# test itself: test.sh runs tests/t_*.sh, so this file exits 0 when run).
# scratch_begin NAME makes $tmp, a temporary folder removed at exit;
# new_db STORE prints a fresh store's path (SQLite) or URI (a new database
# on $YIBAO_PG_URI's cluster when $backend is pg), each database listed in
# $tmp/pg_dbs (a file: new_db runs in $(...) subshells) and dropped at
# exit; fail MESSAGE ends the test naming it.
scratch_begin() {
    scratch_name=$1
    tmp=$(mktemp -d)
    trap scratch_cleanup EXIT
}
scratch_cleanup() {
    local d
    if [ -f "$tmp/pg_dbs" ]; then
        while read -r d; do
            psql -q "$YIBAO_PG_URI" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1
        done <"$tmp/pg_dbs"
    fi
    rm -rf "$tmp"
}
fail() { echo "$scratch_name: $*" >&2; exit 1; }
new_db() {
    if [ "${backend:-sqlite}" = pg ]; then
        local d="yibao_${scratch_name#t_}_$$_${RANDOM}_$1"
        echo "$d" >>"$tmp/pg_dbs"
        psql -q "$YIBAO_PG_URI" -c "CREATE DATABASE $d" >/dev/null || fail createdb
        echo "${YIBAO_PG_URI%/*}/$d"
    else
        echo "$tmp/$1.sqlite"
    fi
}
