#!/usr/bin/env bash
# t_schema.sh: a store written by the release before schema versions
# (tests/fixtures/, see its README) opens with this binary, which migrates
# it: `yibao check` passes, every migration is recorded once, the SQLite
# file is stamped with yibao's application_id, one more bill settles and
# an old one revokes, and the service serves it (the fixture's credential
# signs, a 9001 sign-in, a 2201 visit and a 3301 mapping). A store whose schema version is
# newer than this binary knows is refused (exit 2, the message names the
# versions). Runs once per backend: SQLite, and PostgreSQL when
# YIBAO_PG_URI is set (the fixture's plain-SQL dump restored into a fresh
# database). Migrations on fresh stores, reopens and concurrent opens:
# tests/test_schema.c.
set -euo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
ulimit -t 120
fixture=$root/tests/fixtures/store-1195141
latest=$(sed -n 's/^#define SCHEMA_VERSION_LATEST \([0-9]*\).*/\1/p' "$root/src/store/schema.h")
[ -n "$latest" ] || fail "SCHEMA_VERSION_LATEST not found in src/store/schema.h"

if [ "$SVC_BACKEND" = pg ]; then
    psql -q -v ON_ERROR_STOP=1 "$db" -f "$fixture-pg.sql" >/dev/null || fail "restore $fixture-pg.sql"
    sql() { psql -qtA "$db" -c "$1"; }
    has_versions="SELECT (to_regclass('schema_version') IS NOT NULL)::int"
else
    cp "$fixture.sqlite" "$db"
    sql() { sqlite3 -batch "$db" "$1"; }
    has_versions="SELECT count(*) FROM sqlite_master WHERE name = 'schema_version'"
fi
[ "$(sql "$has_versions")" = 0 ] || fail "the fixture already has schema versions"
records=$(sql "SELECT count(*) FROM journal")
[ "$records" -gt 0 ] || fail "the fixture's journal is empty"

# check reads the old store as it is (it never writes: no migration) and passes
out=$("$YIBAO" check --db "$db") || fail "check of the old store: $out"
[[ "$out" == "check ok: $records journal records"* ]] || fail "check: $out"
[ "$(sql "$has_versions")" = 0 ] || fail "check wrote to the store (schema versions appeared)"
# the first open that writes migrates (init on an existing store changes nothing else); check passes
"$YIBAO" init --db "$db" >/dev/null || fail "init of the old store"
out=$("$YIBAO" check --db "$db") || fail "check of the migrated store: $out"
[[ "$out" == "check ok: $records journal records"* ]] || fail "check: $out"
[ "$(sql "SELECT count(*), count(DISTINCT version), min(version), max(version) FROM schema_version")" = \
  "$latest|$latest|1|$latest" ] || fail "schema_version: $(sql "SELECT * FROM schema_version")"
if [ "$SVC_BACKEND" = sqlite ]; then
    [ "$(sql "PRAGMA application_id")" = 1497973313 ] || fail "application_id: $(sql "PRAGMA application_id")"
fi
[ "$(sql "SELECT count(*) FROM svc_fee")" -gt 0 ] || fail "the fixture has no fee lines"

# one more bill, one old settlement revoked
code=$(sql "SELECT fixmedins_code FROM journal WHERE kind = 1 ORDER BY seq LIMIT 1")
psn=$(sql "SELECT psn_no FROM persons WHERE insutype = 390 AND region = '440900' AND psn_no NOT IN (SELECT psn_no FROM journal) ORDER BY psn_no LIMIT 1")
old=$(sql "SELECT seq FROM journal WHERE kind = 1 AND seq NOT IN (SELECT ref_seq FROM journal WHERE kind = 2) ORDER BY seq LIMIT 1")
cat >"$work/bill.json" <<JSON
{"psn_no":"$psn","msgid":"schema-new-1","fixmedins_code":"$code","med_type":"21","begntime":"2020-04-01","endtime":"2020-04-06",
 "details":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":8,"pric":35.0,"det_item_fee_sumamt":280.0},
            {"feedetl_sn":"2","med_list_codg":"XA01","cnt":30,"pric":1.2,"det_item_fee_sumamt":36.0}]}
JSON
a=$("$YIBAO" settle --db "$db" "$work/bill.json") || fail "settle on the migrated store: $a"
expect_field "$a" .setl_id $((records + 1))
a=$("$YIBAO" revoke --db "$db" "$old" --msgid schema-revoke-1 --operator t_schema --reason "the migrated store revokes") || fail "revoke $old: $a"
expect_field "$a" .revoked true

# the service: the fixture's credential, a new sign-in, a visit
eval "paasid_$code=$(sql "SELECT paasid FROM svc_credential WHERE fixmedins_code = '$code'")"
eval "token_$code=$(sql "SELECT token FROM svc_credential WHERE fixmedins_code = '$code'")"
start_server --threads 2
sign_in "$code"
a=$(call "$code" 2201 "{\"data\":{\"psn_no\":\"$psn\",\"insutype\":\"390\",\"begntime\":\"2020-06-02 09:00:00\"}}")
expect_ok "$a"
# migration 12's svc_mapping: a 3301 of the old store's catalog is kept
a=$(call "$code" 3301 '{"data":{"fixmedins_hilist_id":"OWN-XA01","fixmedins_hilist_name":"own","list_type":"101","med_list_codg":"XA01","begndate":"2020-01-01","enddate":"2099-12-31"}}')
expect_ok "$a"
[ "$(sql "SELECT med_list_codg FROM svc_mapping WHERE code = '$code' AND hilist_id = 'OWN-XA01'")" = XA01 ] ||
    fail "3301 on the migrated store: $(sql "SELECT * FROM svc_mapping")"
# its catalog import kept no file (a release before journal_data): no names, lists by code
a=$(call "$code" 1312 '{"data":{"page_num":1,"page_size":1,"hilist_code":"XA01"}}')
expect_field "$a" '.output.data[0].hilist_name' ""; expect_field "$a" '.output.data[0].list_type' 101
stop_server
out=$("$YIBAO" check --db "$db") || fail "check after settling: $out"
[[ "$out" == "check ok: $((records + 2)) journal records"* ]] || fail "check: $out"
# --deep settles the new bill again (the old records kept no bill: replayed, not settled again)
out=$("$YIBAO" check --db "$db" --deep) || fail "check --deep after settling: $out"
[[ "$out" == *"check --deep ok: 1 settlements settled again"* ]] || fail "check --deep: $out"
[ "$(sql "SELECT count(*) FROM schema_version")" = "$latest" ] || fail "a reopen recorded a migration again"

# a version from a later release is refused, by the store and the service
sql "INSERT INTO schema_version (version, name, applied_s) VALUES ($((latest + 1)), 'later', 0)" >/dev/null
for cmd in "check --db $db" "serve --db $db --listen 127.0.0.1:0"; do
    rc=0; "$YIBAO" $cmd >"$work/out" 2>"$work/err" || rc=$?
    [ "$rc" = 2 ] || fail "yibao $cmd on a newer schema exited $rc: $(cat "$work/err")"
    grep -q "schema version $((latest + 1)) is newer than this yibao knows ($latest)" "$work/err" ||
        fail "yibao $cmd on a newer schema: $(cat "$work/err")"
done
echo "t_schema ($SVC_BACKEND): ok"
