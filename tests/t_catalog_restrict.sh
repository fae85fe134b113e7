#!/usr/bin/env bash
# t_catalog_restrict.sh: the catalog's `restrict` (gender, ages) kept by the
# store (migration 19) and applied inside settlement as rules (issue 18
# item 1, docs/RULES.md "The catalog's restrictions"). On the service's tiny
# city with the conformance catalog plus restrictions (XB02 for women, XB03
# for 60 and over): a bad restriction exits 2 naming item and key, nothing
# imported; with no rule file a man's XB02 settles over HTTP (2207) and by
# `yibao settle --db`, flagged (warn CATALOG-RESTRICT, `supervise warns`)
# and 3101 answers it with sev_deg 2; the scan finds the restricted lines
# from the store's catalog, no --catalog given; after a rule file raises
# catalog_restrict to deny, 2206/2207, 2101/2102 and `settle --db` refuse with E_RULE
# naming the rule and the line, nothing written. A store of schema version
# 18 (the columns dropped, the version row deleted) opens, migrates and
# passes `yibao check`. Runs once per backend: SQLite, and PostgreSQL when
# YIBAO_PG_URI is set.
set -euo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
ulimit -t 120

make_city

# ---- a store of version 18: migrated at open, check passes ---------------------
for col in restrict_gender restrict_age_min restrict_age_max restrict_levels restrict_settings \
    restrict_units_day restrict_units_bill restrict_diagnoses restrict_exclusive; do
    sql "ALTER TABLE catalog DROP COLUMN $col" >/dev/null
done
sql "DELETE FROM schema_version WHERE version >= 19" >/dev/null
[ "$(sql "SELECT max(version) FROM schema_version")" = 18 ] || fail "not a version 18 store"
# check reads it as it is (read-only: no migration), an import migrates it
"$YIBAO" check --db "$db" >/dev/null || fail "check of the version 18 store"
"$YIBAO" import --db "$db" institutions "$work/institutions.csv" >/dev/null || fail "import into version 18"
[ "$(sql "SELECT max(version) FROM schema_version")" -ge 21 ] || fail "not migrated to 21"
"$YIBAO" check --db "$db" >/dev/null || fail "check of the migrated store"
[ "$(sql "SELECT count(*) FROM catalog WHERE restrict_gender = 0 AND restrict_age_max = -1")" = \
    "$(sql "SELECT count(*) FROM catalog")" ] || fail "migrated rows carry restrictions"

# ---- the catalog with restrictions --------------------------------------------
jq '.items.XB02.restrict = {"gender":"2"} | .items.XB03.restrict = {"age_min":60,"age_max":150}' \
    "$root/policies/catalog-conformance.json" >"$work/catalog.json"
jq '.items.XB02.restrict = {"gender":"3"}' "$work/catalog.json" >"$work/bad.json"
before=$(records)
rc=0; out=$("$YIBAO" import --db "$db" catalog "$work/bad.json" 2>&1) || rc=$?
[ "$rc" = 2 ] && grep -q 'items.XB02.restrict.gender: must be "1" or "2"' <<<"$out" || fail "bad restrict: $rc $out"
[ "$(records)" = "$before" ] || fail "a bad catalog changed the journal"
"$YIBAO" import --db "$db" catalog "$work/catalog.json" >/dev/null || fail "import catalog"
[ "$(sql "SELECT restrict_gender FROM catalog WHERE code = 'XB02'")" = 2 ] || fail "XB02 gender not kept"
[ "$(sql "SELECT restrict_age_min || '-' || restrict_age_max FROM catalog WHERE code = 'XB03'")" = 60-150 ] ||
    fail "XB03 ages not kept"
"$YIBAO" check --db "$db" >/dev/null || fail "check after the catalog import"

credential H0; credential P1
start_server --threads 2
sign_in H0 P1

# an outpatient visit of P0001 (a man, born 1960-06-15) at H0: XA01 and XB02
visit() {
    local a otp fee
    a=$(call H0 2201 "{\"data\":{\"psn_no\":\"P0001\",\"insutype\":\"390\",\"begntime\":\"2020-06-01 09:00:00\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"P0001\",\"ipt_otp_no\":\"OTP$RANDOM\",\"atddr_no\":\"D1\",\"dr_name\":\"Dr\",\"dept_code\":\"01\",\"dept_name\":\"Internal\",\"caty\":\"A03\"}}")
    expect_ok "$a"; otp=$(jq -r .output.data.mdtrt_id <<<"$a")
    a=$(call H0 2203 "{\"mdtrtinfo\":{\"mdtrt_id\":\"$otp\",\"psn_no\":\"P0001\",\"med_type\":\"11\",\"begntime\":\"2020-06-01 09:00:00\",\"main_cond_dscr\":\"cough\",\"dise_codg\":\"J06.9\",\"dise_name\":\"URI\"},\"diseinfo\":[{\"diag_type\":\"1\",\"diag_srt_no\":\"1\",\"diag_code\":\"J06.9\",\"diag_name\":\"URI\",\"maindiag_flag\":\"1\"}]}")
    expect_ok "$a"
    fee="{\"mdtrt_id\":\"$otp\",\"psn_no\":\"P0001\",\"med_type\":\"11\",\"fee_ocur_time\":\"2020-06-01 09:30:00\""
    a=$(call H0 2204 "{\"feedetail\":[$fee,\"feedetl_sn\":\"1\",\"med_list_codg\":\"XA01\",\"medins_list_codg\":\"h1\",\"det_item_fee_sumamt\":2.4,\"cnt\":2,\"pric\":1.2},$fee,\"feedetl_sn\":\"2\",\"med_list_codg\":\"XB02\",\"medins_list_codg\":\"h2\",\"det_item_fee_sumamt\":50.00,\"cnt\":1,\"pric\":50}]}")
    expect_ok "$a"
    printf '%s' "$otp"
}
setl_in() { # setl_in MDTRT_ID SUM
    printf '{"data":{"psn_no":"P0001","mdtrt_cert_type":"02","mdtrt_cert_no":"P0001","med_type":"11","medfee_sumamt":%s,"psn_setlway":"01","mdtrt_id":"%s","acct_used_flag":"0","insutype":"390"}}' "$2" "$1"
}
# a pharmacy bill of P0002 (a woman born 1970: 50) with XB03 (60 and over), by file
bill() { # bill MSGID
    printf '{"msgid":"%s","psn_no":"P0002","fixmedins_code":"P1","med_type":"41","begntime":"2020-07-01 09:00:00","endtime":"2020-07-01 09:00:00","medfee_sumamt":800.00,"details":[{"feedetl_sn":"1","med_list_codg":"XB03","cnt":1,"pric":800,"det_item_fee_sumamt":800}]}\n' "$1"
}

# ---- no rule file: warn (settled, flagged), over HTTP and by settle --db --------
otp=$(visit)
a=$(call H0 2206 "$(setl_in "$otp" 52.40)"); expect_ok "$a"
pre_hifp=$(jq -r .output.setlinfo.hifp_pay <<<"$a")
a=$(call H0 2207 "$(setl_in "$otp" 52.40)"); expect_ok "$a"
warn_setl=$(jq -r .output.setlinfo.setl_id <<<"$a")
[ "$(jq -r .output.setlinfo.hifp_pay <<<"$a")" = "$pre_hifp" ] || fail "2206 and 2207 differ: $a"
bill W1 >"$work/w1.jsonl"
out=$("$YIBAO" settle --db "$db" "$work/w1.jsonl" 2>&1) || fail "settle --db with a warn: $out"
out=$("$YIBAO" supervise warns --db "$db" --year 2020 --out "$work/warns.jsonl") || fail "warns: $out"
grep -q '^warns: 2 settlements flagged, 2 warns$' <<<"$out" || fail "warns: $out"
[ "$(jq -r 'select(.psn_no == "P0001") | [.setl_id,.fixmedins_code,.rule,.line] | @tsv' "$work/warns.jsonl")" = \
    "$(printf '%s\tH0\tCATALOG-RESTRICT\t2' "$warn_setl")" ] || fail "HTTP warn: $(cat "$work/warns.jsonl")"
[ "$(jq -r 'select(.psn_no == "P0002") | [.msgid,.fixmedins_code,.rule,.line] | @tsv' "$work/warns.jsonl")" = \
    "$(printf 'W1\tP1\tCATALOG-RESTRICT\t1')" ] || fail "settle --db warn: $(cat "$work/warns.jsonl")"
# 3101: the same violation, suspect (sev_deg 2)
req31='{"data":{"syscode":"HIS","task_id":"T1","trig_scen":"1","patient_dtos":[{"patn_id":"P0001","patn_name":"x","gend":"1","brdy":"1960-06-15","poolarea":"440900","curr_mdtrt_id":"M1","fsi_encounter_dtos":[{"mdtrt_id":"M1","medins_id":"H0","medins_lv":"05","med_type":"11","adm_date":"2020-06-01 09:00:00","dscg_date":"2020-06-01 09:00:00","dscg_main_dise_codg":"J06.9","fsi_diagnose_dtos":[],"fsi_order_dtos":[{"rx_id":"RX1","hilist_code":"XB02","cnt":1,"pric":50,"sumamt":50}]}]}]}}'
a=$(call H0 3101 "$req31"); expect_ok "$a"
expect_field "$a" .output.vola_cnt 1
expect_field "$a" '.output.result[0].jr_id' CATALOG-RESTRICT:RX1
expect_field "$a" '.output.result[0].sev_deg' 2
expect_field "$a" '.output.result[0].vola_cont' "rule CATALOG-RESTRICT: XB02 is for gender 2 only, the person's is 1"

# ---- the scan reads the restrictions from the store (no --catalog) --------------
out=$("$YIBAO" supervise scan --db "$db" --year 2020 --out "$work/findings.jsonl" 2>&1) || fail "scan: $out"
grep -q '"kind":"gender_restricted".*"psn_no":"P0001"' "$work/findings.jsonl" ||
    fail "scan: no gender finding: $(cat "$work/findings.jsonl")"
grep -q '"kind":"age_restricted".*"psn_no":"P0002"' "$work/findings.jsonl" ||
    fail "scan: no age finding: $(cat "$work/findings.jsonl")"

# ---- a rule file raises them to deny: E_RULE naming rule and line, nothing written
cat >"$work/rules.json" <<'EOF'
{"format":"yibao-rules/1","rules":[{"id":"R-CATALOG","name":"目录限定 (catalog)","type":"catalog_restrict","severity":"deny","behaviour":"1"}]}
EOF
out=$("$YIBAO" import --db "$db" rules "$work/rules.json") || fail "import rules: $out"
before=$(records)
otp=$(visit)
for txn in 2206 2207; do
    a=$(call H0 $txn "$(setl_in "$otp" 52.40)")
    expect_err "$a" "^E_RULE: line 2 (feedetl_sn '2'): med_list_codg rule R-CATALOG: XB02 is for gender 2 only, the person's is 1"
done
bill D1 >"$work/d1.jsonl"
rc=0; out=$("$YIBAO" settle --db "$db" "$work/d1.jsonl" 2>&1) || rc=$?
grep -q "E_RULE.*rule R-CATALOG: XB03 is for ages 60-150, the person is 50" <<<"$out" || fail "settle --db deny: $rc $out"
# 2102 at the pharmacy: the same bill as D1, refused the same way
rx='{"data":{"psn_no":"P0002","insutype":"310","begntime":"2020-07-01 09:00:00","medfee_sumamt":800.00,"acct_used_flag":"0"},"feedetail":[{"feedetl_sn":"1","med_list_codg":"XB03","cnt":1,"pric":800,"det_item_fee_sumamt":800}]}'
a=$(call P1 2101 "$rx"); expect_err "$a" "^E_RULE: line 1 (feedetl_sn '1'): med_list_codg rule R-CATALOG: XB03 is for ages 60-150, the person is 50"
a=$(call P1 2102 "$rx"); expect_err "$a" "^E_RULE: line 1 (feedetl_sn '1'): med_list_codg rule R-CATALOG: XB03 is for ages 60-150"
a=$(call H0 3101 "$req31"); expect_ok "$a"
expect_field "$a" '.output.result[0].jr_id' R-CATALOG:RX1
expect_field "$a" '.output.result[0].sev_deg' 1
# the line withdrawn, the visit settles
a=$(call H0 2205 "{\"data\":{\"mdtrt_id\":\"$otp\",\"psn_no\":\"P0001\",\"feedetl_sn\":\"2\"}}"); expect_ok "$a"
a=$(call H0 2207 "$(setl_in "$otp" 2.40)"); expect_ok "$a"
stop_server
# the refusals journaled nothing: the fee withdrawal and the settlement only
[ "$(( $(records) - before ))" = 1 ] || fail "a refused settlement was journaled: $before -> $(records)"
"$YIBAO" check --db "$db" >/dev/null || fail "check after the rules"
"$YIBAO" check --db "$db" --deep >/dev/null || fail "check --deep after the rules"
echo "t_catalog_restrict ($SVC_BACKEND): ok"
