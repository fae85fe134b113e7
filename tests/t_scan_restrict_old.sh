#!/usr/bin/env bash
# t_scan_restrict_old.sh: the scan on a store of the previous release
# (schema version 19, tests/fixtures/store-663bb00-restrict.*, whose last
# catalog import's file restricts XA01 by level, XB02 by setting and XA03
# by units a day, which that release did not keep; docs/SUPERVISION.md
# "The catalog's other restrictions"). Migrated, its rows still lack them,
# so bills breaking them settle unflagged and the scan without --catalog
# finds none; with the kept file as --catalog it finds the three, and after
# the catalog is imported again (which fills the rows) the scan of the
# store finds the same three, byte for byte, though settlement flagged
# none of them. Runs once per backend: SQLite, and PostgreSQL when
# YIBAO_PG_URI is set.
set -euo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
ulimit -t 120
restrict_store
jq -f "$root/tests/fixtures/restrict_catalog.jq" "$root/policies/catalog-conformance.json" >"$work/catalog.json"

# read-only, before any migration: the scan reads a version-19 store
out=$("$YIBAO" supervise scan --db "$db" --year 2020 --out "$work/f19.jsonl") || fail "scan of 19: $out"
[ "$(sql "SELECT max(version) FROM schema_version")" = 19 ] || fail "the scan migrated"

# a settlement migrates the store; the rows keep no level, setting or units
line() { printf '{"feedetl_sn":"%s","med_list_codg":"%s","cnt":%s,"pric":%s,"det_item_fee_sumamt":%s}' "$@"; }
# P0002 (a woman, 50) at H0 (township), outpatient: XA01 (levels 2-3),
# XB02 (inpatient only; for women), XA03 3 units (2 a day)
printf '{"msgid":"O1","psn_no":"P0002","fixmedins_code":"H0","med_type":"11","begntime":"2020-07-01 09:00:00","endtime":"2020-07-01 10:00:00","dise_codg":"J06.9","details":[%s,%s,%s]}\n' \
    "$(line 1 XA01 1 10 10)" "$(line 2 XB02 1 38 38)" "$(line 3 XA03 3 10 30)" >"$work/o1.jsonl"
out=$("$YIBAO" settle --db "$db" "$work/o1.jsonl" 2>&1) || fail "settle: $out"
[ "$(sql "SELECT max(version) FROM schema_version")" -ge 21 ] || fail "not migrated to 21"
out=$("$YIBAO" supervise warns --db "$db" --year 2020 --out "$work/warns.jsonl") || fail "warns: $out"
grep -q '^warns: 0 settlements flagged, 0 warns$' <<<"$out" || fail "flagged by the old rows: $out"

out=$("$YIBAO" supervise scan --db "$db" --year 2020 --out "$work/f0.jsonl") || fail "scan: $out"
[ ! -s "$work/f0.jsonl" ] || fail "found with the rows unfilled: $(cat "$work/f0.jsonl")"
# the kept file as --catalog: the three
out=$("$YIBAO" supervise scan --db "$db" --year 2020 --catalog "$work/catalog.json" --out "$work/fc.jsonl") ||
    fail "scan --catalog: $out"
for k in level setting units_day; do grep -q "^  ${k}_restricted *1$" <<<"$out" || fail "summary $k: $out"; done
grep -q '^  units_bill_restricted *0$' <<<"$out" || fail "summary units_bill: $out"
[ "$(jq -r '[.kind, .msgid[0], .item, .evidence.line, .evidence.amount] | @tsv' "$work/fc.jsonl" | sort | tr '\n' ' ')" = \
    "$(printf '%s\tO1\t%s\t%s\t%s ' level_restricted XA01 1 10 setting_restricted XB02 2 38 units_day_restricted XA03 3 30)" ] ||
    fail "findings: $(cat "$work/fc.jsonl")"

# the catalog imported again fills the rows: the store's scan finds the same
"$YIBAO" import --db "$db" catalog "$work/catalog.json" >/dev/null || fail "import catalog"
out=$("$YIBAO" supervise scan --db "$db" --year 2020 --out "$work/f.jsonl") || fail "scan after: $out"
cmp -s "$work/f.jsonl" "$work/fc.jsonl" || fail "the store's findings differ: $(cat "$work/f.jsonl")"
out=$("$YIBAO" supervise warns --db "$db" --year 2020 --out "$work/warns.jsonl") || fail "warns: $out"
grep -q '^warns: 0 settlements flagged, 0 warns$' <<<"$out" || fail "flagged afterwards: $out"
"$YIBAO" check --db "$db" >/dev/null || fail "check"
echo "t_scan_restrict_old ($SVC_BACKEND): ok"
