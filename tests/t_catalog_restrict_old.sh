#!/usr/bin/env bash
# t_catalog_restrict_old.sh: a store of the previous release (schema
# version 19, tests/fixtures/store-663bb00-restrict.*, made by
# make_restrict_store.sh) whose catalog file restricts by levels, settings
# and units, which that release did not keep (gender and ages it did).
# Migration 21 cannot fill its rows (the import's table hash would no
# longer check; docs/RULES.md): `check` passes and says which items the
# last import's kept file restricts otherwise than the rows, read-only and
# after the migration; settlement applies the rows' restrictions only; the
# catalog imported again, the note is gone and the level rule applies.
# Runs once per backend: SQLite, and PostgreSQL when YIBAO_PG_URI is set.
set -euo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
ulimit -t 120
restrict_store
note='^note: catalog: 3 items (first XA01) carry other restrictions than the file of import seq 6 gives (imported before schema version 21): import the catalog again to apply them$'

# read-only: as it is, no migration
out=$("$YIBAO" check --db "$db") || fail "check of the version 19 store: $out"
grep -q "$note" <<<"$out" || fail "no note read-only: $out"
[ "$(sql "SELECT max(version) FROM schema_version")" = 19 ] || fail "check migrated"
# a write migrates: the rows keep what they had, check still says so
printf 'fixmedins_code,fixmedins_name,type,level,admdvs,status\nH0,Township Health Centre,hospital,township,440900,active\n' >"$work/institutions.csv"
"$YIBAO" import --db "$db" institutions "$work/institutions.csv" >/dev/null || fail "import"
[ "$(sql "SELECT max(version) FROM schema_version")" -ge 21 ] || fail "not migrated to 21"
[ "$(sql "SELECT count(*) FROM catalog WHERE restrict_levels <> 0 OR restrict_settings <> 0 OR restrict_units_day <> 0")" = 0 ] ||
    fail "the migration filled rows"
out=$("$YIBAO" check --db "$db") || fail "check of the migrated store: $out"
grep -q "$note" <<<"$out" || fail "no note after the migration: $out"

# settlement applies the rows' restrictions: XA01 at a township hospital is not flagged yet
bill() { # bill MSGID DAY
    printf '{"msgid":"%s","psn_no":"P0001","fixmedins_code":"H0","med_type":"11","begntime":"2020-07-%s 09:00:00","endtime":"2020-07-%s 10:00:00","dise_codg":"J06.9","medfee_sumamt":10.00,"details":[{"feedetl_sn":"1","med_list_codg":"XA01","cnt":1,"pric":10,"det_item_fee_sumamt":10}]}\n' "$1" "$2" "$2"
}
bill O1 01 >"$work/o1.jsonl"
out=$("$YIBAO" settle --db "$db" "$work/o1.jsonl" 2>&1) || fail "settle: $out"
out=$("$YIBAO" supervise warns --db "$db" --year 2020 --out "$work/warns.jsonl") || fail "warns: $out"
grep -q '^warns: 0 settlements flagged, 0 warns$' <<<"$out" || fail "warns before: $out"

# the catalog imported again (the same file): no note, the level applies
jq -f "$root/tests/fixtures/restrict_catalog.jq" "$root/policies/catalog-conformance.json" >"$work/catalog.json"
"$YIBAO" import --db "$db" catalog "$work/catalog.json" >/dev/null || fail "import catalog"
[ "$(sql "SELECT restrict_levels || '/' || restrict_settings || '/' || restrict_units_day FROM catalog WHERE code IN ('XA01','XB02','XA03') ORDER BY code" | tr '\n' ' ')" = \
    "12/0/0 0/0/20000 0/2/0 " ] || fail "restrictions not filled by the import"
out=$("$YIBAO" check --db "$db") || fail "check after the import: $out"
! grep -q '^note: catalog' <<<"$out" || fail "note after the import: $out"
bill O2 02 >"$work/o2.jsonl"
out=$("$YIBAO" settle --db "$db" "$work/o2.jsonl" 2>&1) || fail "settle: $out"
out=$("$YIBAO" supervise warns --db "$db" --year 2020 --out "$work/warns.jsonl") || fail "warns: $out"
grep -q '^warns: 1 settlements flagged, 1 warns$' <<<"$out" || fail "warns after: $out"
"$YIBAO" check --db "$db" --deep >/dev/null || fail "check --deep"
echo "t_catalog_restrict_old ($SVC_BACKEND): ok"
