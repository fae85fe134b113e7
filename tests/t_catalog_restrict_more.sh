#!/usr/bin/env bash
# t_catalog_restrict_more.sh: the catalog's restrictions beyond gender and
# ages (issue 18, fifteenth session; docs/RULES.md "The catalog's
# restrictions"): levels, settings, units a day and a bill, indications and
# exclusive items, kept by the store (migration 21) and applied inside
# settlement as rules. Bad ones exit 2 naming item and key, nothing
# imported; with no rule file one bill breaking each settles by `settle
# --db`, flagged CATALOG-RESTRICT at the right lines (`supervise warns`);
# 3101 answers them; after a rule file raises catalog_restrict to deny the
# bill is refused naming the rule, nothing journaled; `off` settles it
# unflagged; `check --deep` passes. (An older store's rows:
# t_catalog_restrict_old.sh.) Runs once per backend: SQLite, and
# PostgreSQL when YIBAO_PG_URI is set.
set -euo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
ulimit -t 120

make_city

# ---- bad restrictions: exit 2 naming item and key, nothing imported --------------
cat_with() { jq "$1" "$root/policies/catalog-conformance.json"; }
bad() { # bad JQ_EDIT EXPECTED_WORDS
    local rc=0 out before
    cat_with "$1" >"$work/bad.json"
    before=$(records)
    out=$("$YIBAO" import --db "$db" catalog "$work/bad.json" 2>&1) || rc=$?
    [ "$rc" = 2 ] && grep -qF "$2" <<<"$out" || fail "bad restrict ($1): $rc $out"
    [ "$(records)" = "$before" ] || fail "a bad catalog changed the journal"
}
bad '.items.XA01.restrict = {"levels":[5]}' 'items.XA01.restrict.levels: must hold levels 0-4'
bad '.items.XA01.restrict = {"settings":["ward"]}' 'items.XA01.restrict.settings: must list outpatient, inpatient or pharmacy'
bad '.items.XA01.restrict = {"max_units_day":0}' 'items.XA01.restrict.max_units_day: must be a number > 0'
bad '.items.XA01.restrict = {"max_units_bill":1.00001}' 'items.XA01.restrict.max_units_bill: must be a number > 0 with at most 4 decimals'
bad '.items.XA01.restrict = {"diagnoses":["E1,1"]}' 'items.XA01.restrict.diagnoses: [0] has a comma'
bad '.items.XA01.restrict = {"exclusive":["NOPE"]}' 'items.XA01.restrict.exclusive: [0] is not an item of the catalog'
bad '.items.XA01.restrict = {"exclusive":["XA01"]}' 'items.XA01.restrict.exclusive: [0] is the item itself'
bad '.items.XA01.restrict = {"exclusive":["SB01","SB01"]}' 'items.XA01.restrict.exclusive: [1] twice'
bad '.items.XA01.restrict = {"level":[1]}' 'items.XA01.restrict.level: is not a key of a restriction'
bad '.items.XA01.restrict = {}' 'items.XA01.restrict: restricts nothing'

# ---- the catalog: one item per kind (tests/fixtures/restrict_more_catalog.jq) --------
jq -f "$root/tests/fixtures/restrict_more_catalog.jq" "$root/policies/catalog-conformance.json" >"$work/catalog.json"
"$YIBAO" import --db "$db" catalog "$work/catalog.json" >/dev/null || fail "import catalog"
[ "$(sql "SELECT restrict_levels || '/' || restrict_settings || '/' || restrict_units_day FROM catalog WHERE code IN ('XA01','XA02','XA03') ORDER BY code" | tr '\n' ' ')" = \
    "12/0/0 0/2/0 0/0/20000 " ] || fail "levels, settings, units not kept"
[ "$(sql "SELECT restrict_diagnoses || '|' || restrict_exclusive FROM catalog WHERE code IN ('XB02','SB01') ORDER BY code" | tr '\n' ' ')" = \
    "|SB02 E10,E11| " ] || fail "diagnoses, exclusive not kept"
out=$("$YIBAO" check --db "$db") || fail "check after the import: $out"
! grep -q '^note: catalog' <<<"$out" || fail "a fresh import is stale: $out"

# an outpatient bill of P0001 at H0 (township) breaking each: XA01 (level),
# XA02 (setting), XA03 5 units (a day), XB01 12 units, XB02 (J06.9), SB01+SB02
bill() { # bill MSGID DAY
    printf '{"msgid":"%s","psn_no":"P0001","fixmedins_code":"H0","med_type":"11","begntime":"2020-07-%s 09:00:00","endtime":"2020-07-%s 10:00:00","dise_codg":"J06.9","medfee_sumamt":720.00,"details":[' "$1" "$2" "$2"
    printf '{"feedetl_sn":"1","med_list_codg":"XA01","cnt":1,"pric":10,"det_item_fee_sumamt":10},'
    printf '{"feedetl_sn":"2","med_list_codg":"XA02","cnt":1,"pric":10,"det_item_fee_sumamt":10},'
    printf '{"feedetl_sn":"3","med_list_codg":"XA03","cnt":5,"pric":10,"det_item_fee_sumamt":50},'
    printf '{"feedetl_sn":"4","med_list_codg":"XB01","cnt":12,"pric":1,"det_item_fee_sumamt":12},'
    printf '{"feedetl_sn":"5","med_list_codg":"XB02","cnt":1,"pric":38,"det_item_fee_sumamt":38},'
    printf '{"feedetl_sn":"6","med_list_codg":"SB01","cnt":1,"pric":100,"det_item_fee_sumamt":100},'
    printf '{"feedetl_sn":"7","med_list_codg":"SB02","cnt":1,"pric":500,"det_item_fee_sumamt":500}]}\n'
}

# ---- no rule file: warn (settled, flagged at each line) ----------------------------
bill W1 01 >"$work/w1.jsonl"
out=$("$YIBAO" settle --db "$db" "$work/w1.jsonl" 2>&1) || fail "settle --db with warns: $out"
out=$("$YIBAO" supervise warns --db "$db" --year 2020 --out "$work/warns.jsonl") || fail "warns: $out"
grep -q '^warns: 1 settlements flagged, 6 warns$' <<<"$out" || fail "warns: $out $(cat "$work/warns.jsonl")"
[ "$(jq -r '[.rule,.line] | @tsv' "$work/warns.jsonl" | sort -k2n | tr '\n' ' ')" = \
    "$(printf 'CATALOG-RESTRICT\t%s ' 1 2 3 4 5 7)" ] || fail "warn lines: $(cat "$work/warns.jsonl")"

# 3101: the same six, suspect (sev_deg 2), with their figures
credential H0
start_server --threads 2
sign_in H0
orders='[{"rx_id":"R1","hilist_code":"XA01","cnt":1,"pric":10,"sumamt":10},{"rx_id":"R2","hilist_code":"XA02","cnt":1,"pric":10,"sumamt":10},{"rx_id":"R3","hilist_code":"XA03","cnt":5,"pric":10,"sumamt":50},{"rx_id":"R4","hilist_code":"XB01","cnt":12,"pric":1,"sumamt":12},{"rx_id":"R5","hilist_code":"XB02","cnt":1,"pric":38,"sumamt":38},{"rx_id":"R6","hilist_code":"SB01","cnt":1,"pric":100,"sumamt":100},{"rx_id":"R7","hilist_code":"SB02","cnt":1,"pric":500,"sumamt":500}]'
req31=$(printf '{"data":{"syscode":"HIS","task_id":"T1","trig_scen":"1","patient_dtos":[{"patn_id":"P0001","patn_name":"x","gend":"1","brdy":"1960-06-15","poolarea":"440900","curr_mdtrt_id":"M1","fsi_encounter_dtos":[{"mdtrt_id":"M1","medins_id":"H0","medins_lv":"05","med_type":"11","adm_date":"2020-06-01 09:00:00","dscg_date":"2020-06-01 09:00:00","dscg_main_dise_codg":"J06.9","fsi_diagnose_dtos":[],"fsi_order_dtos":%s}]}]}}' "$orders")
a=$(call H0 3101 "$req31"); expect_ok "$a"
expect_field "$a" .output.vola_cnt 6
[ "$(jq -r '[.output.result[] | .sev_deg] | unique | join(",")' <<<"$a")" = 2 ] || fail "3101 severities: $a"
[ "$(jq -r '[.output.result[] | .jr_id] | join(" ")' <<<"$a")" = \
    "CATALOG-RESTRICT:R1 CATALOG-RESTRICT:R2 CATALOG-RESTRICT:R3 CATALOG-RESTRICT:R4 CATALOG-RESTRICT:R5 CATALOG-RESTRICT:R7" ] ||
    fail "3101 lines: $a"
stop_server

# ---- deny: refused naming the rule and the first line, nothing journaled ----------
cat >"$work/rules.json" <<'EOF'
{"format":"yibao-rules/1","rules":[{"id":"R-CATALOG","name":"目录限定 (catalog)","type":"catalog_restrict","severity":"deny","behaviour":"1"}]}
EOF
"$YIBAO" import --db "$db" rules "$work/rules.json" >/dev/null || fail "import rules"
before=$(records)
bill D1 02 >"$work/d1.jsonl"
rc=0; out=$("$YIBAO" settle --db "$db" "$work/d1.jsonl" 2>&1) || rc=$?
grep -q "E_RULE: line 1 (feedetl_sn '1'): med_list_codg rule R-CATALOG" <<<"$out" || fail "deny: $rc $out"
[ "$(records)" = "$before" ] || fail "a refused bill was journaled"
# without XA01 the first deny is XA02's setting
jq -c '.details |= .[1:] | .medfee_sumamt = 710.00' "$work/d1.jsonl" >"$work/d2.jsonl"
rc=0; out=$("$YIBAO" settle --db "$db" "$work/d2.jsonl" 2>&1) || rc=$?
grep -q "E_RULE: line 1 (feedetl_sn '2'): med_list_codg rule R-CATALOG" <<<"$out" || fail "deny setting: $rc $out"
# ---- off: settles unflagged -------------------------------------------------------
sed 's/"deny"/"off"/' "$work/rules.json" >"$work/off.json"
"$YIBAO" import --db "$db" rules "$work/off.json" >/dev/null || fail "import rules off"
out=$("$YIBAO" settle --db "$db" "$work/d1.jsonl" 2>&1) || fail "settle with off: $out"
out=$("$YIBAO" supervise warns --db "$db" --year 2020 --out "$work/warns2.jsonl") || fail "warns: $out"
grep -q '^warns: 1 settlements flagged, 6 warns$' <<<"$out" || fail "off flagged: $out"
"$YIBAO" check --db "$db" --deep >/dev/null || fail "check --deep after the rules"

echo "t_catalog_restrict_more ($SVC_BACKEND): ok"
