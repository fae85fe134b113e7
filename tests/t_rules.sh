#!/usr/bin/env bash
# t_rules.sh: rules as data inside settlement and 3101/3102 (issue 18
# items 1-2, docs/RULES.md). On the service's tiny city: bad rule files
# exit 2 naming the rule and key, with nothing imported; before any rules
# import a bill with a restricted item settles as before; after the import
# of policies/rules-conformance.json a deny line is refused inside 2207
# over HTTP with E_RULE naming the rule and the line (and 2102, and `yibao
# settle --db`), the same visit settles once the line is withdrawn, and its
# warn (units per day) is kept with the settlement and listed by `yibao
# supervise warns`; 3101 and 3102 answer the interface's fields, checked
# field by field; bad 3101 requests get the service's refusals; `yibao
# check` (and --deep) pass. Runs once per backend: SQLite, and PostgreSQL
# when YIBAO_PG_URI is set.
set -euo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
ulimit -t 120
rules=$root/policies/rules-conformance.json

make_city

# ---- bad rule files: exit 2, the rule and key named, nothing imported -----------
before=$(records)
bad() { # bad JSON_RULE PATTERN
    printf '{"format":"yibao-rules/1","rules":[%s]}' "$1" >"$work/bad.json"
    local rc=0 out
    out=$("$YIBAO" import --db "$db" rules "$work/bad.json" 2>&1) || rc=$?
    [ "$rc" = 2 ] || fail "bad rule file exited $rc: $1: $out"
    grep -q -- "$2" <<<"$out" || fail "bad rule file: expected '$2': $out"
}
ok='"id":"A","name":"n","severity":"deny","behaviour":"1"'
bad "{$ok,\"type\":\"colour\",\"items\":[\"XA01\"]}" 'rules\[0\].type: must be gender, age'
bad "{$ok,\"type\":\"units_day\",\"max_units\":0,\"items\":[\"XA01\"]}" 'rules\[0\].max_units: must be a number > 0'
bad "{$ok,\"type\":\"units_day\",\"max_units\":1.23456,\"items\":[\"XA01\"]}" 'rules\[0\].max_units'
bad "{\"id\":\"A\",\"name\":\"n\",\"severity\":\"block\",\"behaviour\":\"1\",\"type\":\"gender\",\"gender\":\"2\",\"items\":[\"XA01\"]}" 'rules\[0\].severity: must be "deny" or "warn"'
bad "{\"id\":\"A\",\"name\":\"n\",\"severity\":\"deny\",\"type\":\"gender\",\"gender\":\"2\",\"items\":[\"XA01\"]}" 'rules\[0\].behaviour: missing'
bad "{$ok,\"type\":\"gender\",\"gender\":\"3\",\"items\":[\"XA01\"]}" 'rules\[0\].gender: must be "1"'
bad "{$ok,\"type\":\"gender\",\"gender\":\"2\",\"items\":[]}" 'rules\[0\].items: must be a non-empty array'
bad "{$ok,\"type\":\"gender\",\"gender\":\"2\",\"age_min\":3,\"items\":[\"XA01\"]}" 'rules\[0\].age_min: is not a key of a gender rule'
bad "{$ok,\"type\":\"gender\",\"gendre\":\"2\",\"items\":[\"XA01\"]}" 'rules\[0\].gendre: is not a key of a rule'
bad "{$ok,\"type\":\"age\",\"age_min\":20,\"age_max\":10,\"items\":[\"XA01\"]}" 'rules\[0\].age_max'
bad "{$ok,\"type\":\"exclusive\",\"items\":[\"XA01\",\"XA02\",\"XA03\"]}" 'rules\[0\].items: more than 2'
bad "{$ok,\"type\":\"exclusive\",\"items\":[\"XA01\",\"XA01\"]}" 'rules\[0\].items: \[1\] twice'
bad "{$ok,\"type\":\"level\",\"levels\":[5],\"items\":[\"XA01\"]}" 'rules\[0\].levels: must hold levels 0-4'
bad "{$ok,\"type\":\"days_supply\",\"daily_units\":3,\"items\":[\"XA01\"]}" 'rules\[0\].max_days'
bad "{$ok,\"type\":\"units_bill\",\"max_units\":3,\"max_days\":7,\"items\":[\"XA01\"]}" 'rules\[0\].max_days: is not a key of a units_bill rule'
bad "{$ok,\"type\":\"setting\",\"settings\":[\"ward\"],\"items\":[\"XA01\"]}" 'rules\[0\].settings: must list'
bad "{$ok,\"type\":\"indication\",\"items\":[\"XA01\"]}" 'rules\[0\].diagnoses: missing'
bad "{$ok,\"type\":\"gender\",\"gender\":\"2\",\"items\":[\"XA01\",\"XA01\"]}" "rules\[0\].items: names 'XA01' twice"
bad "{$ok,\"type\":\"gender\",\"gender\":\"2\",\"items\":[\"XA01\"]},{$ok,\"type\":\"gender\",\"gender\":\"1\",\"items\":[\"XA02\"]}" "rules\[1\].id: 'A' is the id of an earlier rule"
printf '{"format":"yibao-rules/2","rules":[]}' >"$work/bad.json"
rc=0; out=$("$YIBAO" import --db "$db" rules "$work/bad.json" 2>&1) || rc=$?
[ "$rc" = 2 ] && grep -q 'format: must be "yibao-rules/1"' <<<"$out" || fail "format: $rc $out"
[ "$(records)" = "$before" ] || fail "a bad rule file changed the journal"

credential H0; credential H3; credential P1
start_server --threads 2
sign_in H0 H3 P1

# an outpatient visit of P0001 (a man, 1960) at H0 (township): XA01 24
# units (over R-QTY-DAY's 10: warn) and XB02 (R-GENDER-F: women only, deny)
visit() { # visit PSN: prints the mdtrt_id of a new outpatient visit at H0 with its fee lines
    local a otp fee
    a=$(call H0 2201 "{\"data\":{\"psn_no\":\"$1\",\"insutype\":\"390\",\"begntime\":\"2020-06-01 09:00:00\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"$1\",\"ipt_otp_no\":\"OTP$RANDOM\",\"atddr_no\":\"D1\",\"dr_name\":\"Dr\",\"dept_code\":\"01\",\"dept_name\":\"Internal\",\"caty\":\"A03\"}}")
    expect_ok "$a"; otp=$(jq -r .output.data.mdtrt_id <<<"$a")
    a=$(call H0 2203 "{\"mdtrtinfo\":{\"mdtrt_id\":\"$otp\",\"psn_no\":\"$1\",\"med_type\":\"11\",\"begntime\":\"2020-06-01 09:00:00\",\"main_cond_dscr\":\"cough\",\"dise_codg\":\"J06.9\",\"dise_name\":\"URI\"},\"diseinfo\":[{\"diag_type\":\"1\",\"diag_srt_no\":\"1\",\"diag_code\":\"J06.9\",\"diag_name\":\"URI\",\"maindiag_flag\":\"1\"}]}")
    expect_ok "$a"
    fee="{\"mdtrt_id\":\"$otp\",\"psn_no\":\"$1\",\"med_type\":\"11\",\"fee_ocur_time\":\"2020-06-01 09:30:00\""
    a=$(call H0 2204 "{\"feedetail\":[$fee,\"feedetl_sn\":\"1\",\"med_list_codg\":\"XA01\",\"medins_list_codg\":\"h1\",\"det_item_fee_sumamt\":28.8,\"cnt\":24,\"pric\":1.2},$fee,\"feedetl_sn\":\"2\",\"med_list_codg\":\"XB02\",\"medins_list_codg\":\"h2\",\"det_item_fee_sumamt\":50.00,\"cnt\":1,\"pric\":50}]}")
    expect_ok "$a"
    printf '%s' "$otp"
}
setl_in() { # setl_in MDTRT_ID SUM
    printf '{"data":{"psn_no":"P0001","mdtrt_cert_type":"02","mdtrt_cert_no":"P0001","med_type":"11","medfee_sumamt":%s,"psn_setlway":"01","mdtrt_id":"%s","acct_used_flag":"0","insutype":"390"}}' "$2" "$1"
}

# ---- no rules imported: nothing changes ----------------------------------------
otp=$(visit P0001)
a=$(call H0 2207 "$(setl_in "$otp" 78.80)"); expect_ok "$a"
norules_hifp=$(jq -r .output.setlinfo.hifp_pay <<<"$a")
norules_setl=$(jq -r .output.setlinfo.setl_id <<<"$a")
a=$(call H0 2208 "{\"data\":{\"mdtrt_id\":\"$otp\",\"psn_no\":\"P0001\",\"setl_id\":\"$norules_setl\"}}"); expect_ok "$a"

# ---- the rules imported: a deny refuses inside 2207, naming rule and line -------
out=$("$YIBAO" import --db "$db" rules "$rules") || fail "import rules: $out"
grep -q '^imported 9 rules from' <<<"$out" || fail "import rules: $out"
otp=$(visit P0001)
a=$(call H0 2206 "$(setl_in "$otp" 78.80)")
expect_err "$a" "^E_RULE: line 2 (feedetl_sn '2'): med_list_codg rule R-GENDER-F: XB02 is for gender 2 only, the person's is 1"
a=$(call H0 2207 "$(setl_in "$otp" 78.80)")
expect_err "$a" "^E_RULE: line 2 (feedetl_sn '2'): med_list_codg rule R-GENDER-F: XB02 is for gender 2 only"
# a spec refusal still comes first, with its own code
a=$(call H0 2207 "$(setl_in "$otp" 78.90)"); expect_err "$a" "medfee_sumamt"
# the line withdrawn, the visit settles; the warn (24 units a day, at most 10) is kept
a=$(call H0 2205 "{\"data\":{\"mdtrt_id\":\"$otp\",\"psn_no\":\"P0001\",\"feedetl_sn\":\"2\"}}"); expect_ok "$a"
a=$(call H0 2207 "$(setl_in "$otp" 28.80)"); expect_ok "$a"
warn_setl=$(jq -r .output.setlinfo.setl_id <<<"$a")
# the settled amounts are the spec's: the same as without rules for the same line
[ "$(jq -r .output.setlinfo.medfee_sumamt <<<"$a")" = 28.8 ] || fail "2207 with a warn: $a"
out=$("$YIBAO" supervise warns --db "$db" --year 2020 --out "$work/warns.jsonl") || fail "warns: $out"
grep -q '^warns: 1 settlements flagged, 1 warns$' <<<"$out" || fail "warns: $out"
w=$(cat "$work/warns.jsonl")
[ "$(jq -r '[.setl_id,.year,.psn_no,.fixmedins_code,.rule,.line]|@tsv' <<<"$w")" = "$(printf '%s\t2020\tP0001\tH0\tR-QTY-DAY\t1' "$warn_setl")" ] ||
    fail "warns line: $w"

# ---- 2102 (pharmacy) and `yibao settle --db`: the same rules -------------------
rx='{"data":{"psn_no":"P0002","insutype":"310","begntime":"2020-05-01 10:00:00","medfee_sumamt":60.00,"acct_used_flag":"1"},"feedetail":[{"feedetl_sn":"1","med_list_codg":"XA01","cnt":2,"pric":1.2,"det_item_fee_sumamt":2.4},{"feedetl_sn":"9","med_list_codg":"SA01","cnt":1,"pric":57.6,"det_item_fee_sumamt":57.6}]}'
a=$(call P1 2102 "$rx"); expect_err "$a" "^E_RULE: line 2 (feedetl_sn '9'): med_list_codg rule R-SETTING-IPT: SA01 is not allowed in the pharmacy setting"
cat >"$work/bill.jsonl" <<'EOF'
{"msgid":"RULEFILE1","psn_no":"P0002","fixmedins_code":"H0","med_type":"11","begntime":"2020-07-01 09:00:00","endtime":"2020-07-01 10:00:00","dise_codg":"J06.9","medfee_sumamt":600.00,"details":[{"feedetl_sn":"1","med_list_codg":"SB02","cnt":1,"pric":600,"det_item_fee_sumamt":600}]}
EOF
rc=0; out=$("$YIBAO" settle --db "$db" "$work/bill.jsonl" 2>&1) || rc=$?
grep -q "E_RULE" <<<"$out" && grep -q "R-LEVEL-2UP" <<<"$out" || fail "settle --db: $rc $out"
# the same rules by the command line as over HTTP: days of supply (3101 below)
# flags a warn on a bill settled from a file, listed by `supervise warns`
cat >"$work/bill2.jsonl" <<'EOF'
{"msgid":"RULEFILE2","psn_no":"P0002","fixmedins_code":"H0","med_type":"11","begntime":"2020-07-02 09:00:00","endtime":"2020-07-02 10:00:00","dise_codg":"J06.9","medfee_sumamt":22.00,"details":[{"feedetl_sn":"1","med_list_codg":"XA02","cnt":22,"pric":1,"det_item_fee_sumamt":22}]}
EOF
"$YIBAO" settle --db "$db" "$work/bill2.jsonl" >/dev/null 2>&1 || fail "settle --db with a days_supply warn"
"$YIBAO" supervise warns --db "$db" --year 2020 --out "$work/warns2.jsonl" >/dev/null || fail "warns 2"
grep -q '"rule":"R-DAYS-7"' "$work/warns2.jsonl" || fail "days of supply not flagged by settle --db: $(cat "$work/warns2.jsonl")"

# ---- 3101 and 3102: the interface's answer shape, field by field ----------------
req31() { # req31 PSN MED_TYPE DIAG ORDERS_JSON
    printf '{"data":{"syscode":"HIS","task_id":"T1","trig_scen":"1","patient_dtos":[{"patn_id":"%s","patn_name":"x","gend":"1","brdy":"1960-06-15","poolarea":"440900","curr_mdtrt_id":"M1","fsi_encounter_dtos":[{"mdtrt_id":"M1","medins_id":"H0","medins_lv":"05","med_type":"%s","adm_date":"2020-06-01 09:00:00","dscg_date":"2020-06-01 09:00:00","dscg_main_dise_codg":"%s","fsi_diagnose_dtos":[],"fsi_order_dtos":%s}]}]}}' "$1" "$2" "$3" "$4"
}
order() { printf '{"rx_id":"%s","hilist_code":"%s","cnt":%s,"pric":%s,"sumamt":%s}' "$@"; }
orders="[$(order RX1 XB02 1 50 50),$(order RX2 SB01 1 200 200),$(order RX3 SB02 1 600 600),$(order RX4 XA03 2 68.3 136.6),$(order RX5 XA01 5 1.2 6)]"
a=$(call H0 3101 "$(req31 P0001 11 J06.9 "$orders")"); expect_ok "$a"
expect_field "$a" .output.vola_cnt 4
# line order, then rule order: RX1 gender, RX3 level, RX3 exclusive with RX2, RX4 indication
r=$(jq -c '.output.result[0]' <<<"$a")
expect_field "$r" .jr_id R-GENDER-F:RX1
expect_field "$r" .rule_id R-GENDER-F
expect_field "$r" .rule_name '限女性使用 (women only)'
expect_field "$r" .vola_cont "rule R-GENDER-F: XB02 is for gender 2 only, the person's is 1"
expect_field "$r" .patn_id P0001
expect_field "$r" .mdtrt_id M1
expect_field "$r" .vola_amt 50
expect_field "$r" .vola_amt_stas 1
expect_field "$r" .sev_deg 1
expect_field "$r" .vola_evid 'catalog restriction: for women only'
expect_field "$r" .vola_bhvr_type 1
expect_field "$r" .task_id T1
expect_field "$r" '.judge_result_detail_dtos|length' 1
expect_field "$r" '.judge_result_detail_dtos[0].jrd_id' R-GENDER-F:RX1:1
expect_field "$r" '.judge_result_detail_dtos[0].rx_id' RX1
expect_field "$r" '.judge_result_detail_dtos[0].vola_item_type' 1
expect_field "$r" '.judge_result_detail_dtos[0].vola_amt' 50
r=$(jq -c '.output.result[1]' <<<"$a")
expect_field "$r" .jr_id R-LEVEL-2UP:RX3
expect_field "$r" .vola_cont "rule R-LEVEL-2UP: SB02 is not allowed at a level 0 institution"
expect_field "$r" .sev_deg 1
expect_field "$r" .vola_bhvr_type 2
expect_field "$r" .vola_evid '限二级及以上医疗机构 (level 2 and up)'
r=$(jq -c '.output.result[2]' <<<"$a")
expect_field "$r" .jr_id R-EXCL-CT-MRI:RX3
expect_field "$r" .vola_cont "rule R-EXCL-CT-MRI: SB02 is not billed with SB01 (line 2)"
expect_field "$r" .sev_deg 2
expect_field "$r" .vola_amt 600
expect_field "$r" '.judge_result_detail_dtos|length' 2
expect_field "$r" '.judge_result_detail_dtos[1].rx_id' RX2
expect_field "$r" '.judge_result_detail_dtos[1].vola_item_type' 2
expect_field "$r" '.judge_result_detail_dtos[1].vola_amt' 200
r=$(jq -c '.output.result[3]' <<<"$a")
expect_field "$r" .jr_id R-INDIC-DM:RX4
expect_field "$r" .vola_cont "rule R-INDIC-DM: XA03 is indicated for E10..., not diagnosis 'J06.9'"
expect_field "$r" .vola_amt 136.6
expect_field "$r" .vola_bhvr_type 4
# XA01 5 units: within R-QTY-DAY's 10; XA03 for a diabetic: none
expect_field "$a" '.output.result[4].jr_id' null
# days of supply: XA02 at 3 a day for at most 7 days, 21 units allowed, 22 not
a=$(call H0 3101 "$(req31 P0001 11 J06.9 "[$(order RX6 XA02 10 1 10),$(order RX7 XA02 11 1 11)]")"); expect_ok "$a"
expect_field "$a" .output.vola_cnt 0
a=$(call H0 3101 "$(req31 P0001 11 J06.9 "[$(order RX6 XA02 10 1 10),$(order RX7 XA02 12 1 12)]")"); expect_ok "$a"
expect_field "$a" .output.vola_cnt 1
expect_field "$a" '.output.result[0].jr_id' R-DAYS-7:RX6
expect_field "$a" '.output.result[0].vola_cont' 'rule R-DAYS-7: XA02 7.3333 days of supply at 3.0 units a day, at most 7'
expect_field "$a" '.output.result[0].vola_amt' 22
a=$(call H0 3101 "$(req31 P0001 11 E11.9 "[$(order RX4 XA03 2 68.3 136.6)]")"); expect_ok "$a"
expect_field "$a" .output.vola_cnt 0
expect_field "$a" '.output.result|length' 0
# 3102 at a level-3 hospital, an inpatient stay of 4 days: XB01 30 units in the
# bill (units_bill 28.5: warn), XA01 44 units = 11 a day (units_day 10: warn)
a=$(call H3 3102 "$(req31 P0002 21 K35 "[$(order A XB01 30 4.5 135),$(order B XA01 44 1.2 52.8),$(order C SB02 1 600 600)]" | sed 's/"dscg_date":"2020-06-01 09:00:00"/"dscg_date":"2020-06-05 10:00:00"/')")
expect_ok "$a"; expect_field "$a" .output.vola_cnt 2
expect_field "$a" '.output.result[0].jr_id' R-QTY-BILL:A
expect_field "$a" '.output.result[0].vola_cont' 'rule R-QTY-BILL: XB01 30.0 units in the bill, at most 28.5'
expect_field "$a" '.output.result[0].sev_deg' 2
expect_field "$a" '.output.result[0].vola_bhvr_type' 3
expect_field "$a" '.output.result[1].jr_id' R-QTY-DAY:B
expect_field "$a" '.output.result[1].vola_cont' 'rule R-QTY-DAY: XA01 11.0 units a day, at most 10.0'
expect_field "$a" '.output.result[1].vola_amt' 52.8
# the age rule (60 and over) by the bill's end date: P0001, born 1960-06-15,
# is 59 on 2020-06-14 and 60 on the 15th
a=$(call P1 3101 "$(req31 P0001 41 "" "[$(order A XB03 1 800 800)]" | sed 's/"dscg_date":"2020-06-01 09:00:00"/"dscg_date":"2020-06-14 23:00:00"/')")
expect_ok "$a"; expect_field "$a" .output.vola_cnt 1
expect_field "$a" '.output.result[0].vola_cont' 'rule R-AGE-60: XB03 is for ages 60-150, the person is 59'
a=$(call P1 3101 "$(req31 P0001 41 "" "[$(order A XB03 1 800 800)]" | sed 's/"dscg_date":"2020-06-01 09:00:00"/"dscg_date":"2020-06-15 08:00:00"/')")
expect_ok "$a"; expect_field "$a" .output.vola_cnt 0

# ---- bad 3101/3102 requests: the service's refusals ------------------------------
a=$(call H0 3101 '{}'); expect_err "$a" "input.data: missing"
a=$(call H0 3101 "$(req31 NOBODY 11 J06 "$orders")"); expect_err "$a" "^E_UNKNOWN_PERSON: psn_no 'NOBODY'"
a=$(call H0 3101 "$(req31 P0001 11 J06 "[$(order A XA01 -1 1 1)]")")
expect_err "$a" "fsi_order_dtos\[0\].cnt: must be a number >= 0"
a=$(call H0 3101 "$(req31 P0001 99 J06 "$orders")"); expect_err "$a" "med_type: '99' is not"
a=$(call H0 3102 "$(req31 P0001 11 J06 "[]")"); expect_err "$a" "fsi_order_dtos: must be a non-empty array"
a=$(call H0 3101 "$(req31 P0001 11 J06 "[$(order A XA01 1 1 1),$(order A XA02 1 1 1)]")")
expect_err "$a" "rx_id: 'A' is the rx_id of order 0 too"
# several patients and encounters: each encounter checked as its own bill, jr_id
# naming its mdtrt_id; the violations of all counted (P0002 is a woman: XB02 is hers)
one=$(req31 P0001 11 J06.9 "[$(order RX1 XB02 1 50 50)]")
two=$(req31 P0002 11 J06.9 "[$(order RX1 XB02 1 50 50),$(order RX2 XA03 2 68.3 136.6)]")
multi=$(jq -c --argjson two "$two" '.data.patient_dtos[0].fsi_encounter_dtos += [.data.patient_dtos[0].fsi_encounter_dtos[0] | .mdtrt_id = "M2" | .fsi_order_dtos = [{"rx_id":"RX9","hilist_code":"XA03","cnt":1,"pric":68.3,"sumamt":68.3}]]
    | .data.patient_dtos += [$two.data.patient_dtos[0] | .fsi_encounter_dtos[0].mdtrt_id = "M3"]' <<<"$one")
a=$(call H0 3101 "$multi"); expect_ok "$a"
expect_field "$a" .output.vola_cnt 3
[ "$(jq -r '[.output.result[] | .jr_id + "@" + .patn_id] | join(" ")' <<<"$a")" = \
    "R-GENDER-F:M1:RX1@P0001 R-INDIC-DM:M2:RX9@P0001 R-INDIC-DM:M3:RX2@P0002" ] ||
    fail "3101 several encounters: $(jq -c '.output.result | map(.jr_id)' <<<"$a")"
expect_field "$a" '.output.result[1].judge_result_detail_dtos[0].jrd_id' R-INDIC-DM:M2:RX9:1
expect_field "$a" '.output.result[2].mdtrt_id' M3
# a lone object where the document has lists: one patient, one encounter
a=$(call H0 3101 "$(jq -c '.data.patient_dtos = (.data.patient_dtos[0] | .fsi_encounter_dtos = .fsi_encounter_dtos[0])' <<<"$one")")
expect_ok "$a"; expect_field "$a" .output.vola_cnt 1; expect_field "$a" '.output.result[0].jr_id' R-GENDER-F:RX1
a=$(call H0 3101 "$(jq -c '.data.patient_dtos = (.data.patient_dtos[0] | .fsi_encounter_dtos = (.fsi_encounter_dtos[0] | .med_type = "99"))' <<<"$one")")
expect_err "$a" "input.data.patient_dtos.fsi_encounter_dtos.med_type: '99' is not"
# refused as a whole: a bad encounter of the second patient, a repeated
# mdtrt_id, more encounters than the limit, a list holding a non-object
a=$(call H0 3101 "$(jq -c '.data.patient_dtos[1].fsi_encounter_dtos[0].med_type = "99"' <<<"$multi")")
expect_err "$a" "input.data.patient_dtos\[1\].fsi_encounter_dtos\[0\].med_type: '99' is not"
a=$(call H0 3101 "$(jq -c '.data.patient_dtos[1].fsi_encounter_dtos[0].mdtrt_id = "M1"' <<<"$multi")")
expect_err "$a" "input.data.patient_dtos\[1\].fsi_encounter_dtos\[0\].mdtrt_id: 'M1' is the mdtrt_id of encounter 0 too"
a=$(call H0 3101 "$(jq -c '.data.patient_dtos[0].fsi_encounter_dtos = [range(17) as $i | .data.patient_dtos[0].fsi_encounter_dtos[0] | .mdtrt_id = "M\($i)"]' <<<"$one")")
expect_err "$a" "fsi_encounter_dtos: more than 16 in one request"
a=$(call H0 3101 "$(jq -c '.data.patient_dtos[1].fsi_encounter_dtos = [range(8) as $i | .data.patient_dtos[0].fsi_encounter_dtos[0] | .mdtrt_id = "N\($i)"]
    | .data.patient_dtos[0].fsi_encounter_dtos = [range(9) as $i | .data.patient_dtos[0].fsi_encounter_dtos[0] | .mdtrt_id = "M\($i)"]' <<<"$multi")")
expect_err "$a" "patient_dtos\[1\].fsi_encounter_dtos: more than 16 encounters in one request"
a=$(call H0 3101 '{"data":{"patient_dtos":[{"patn_id":"P0001"},7]}}')
expect_err "$a" "input.data.patient_dtos: must hold objects only"
a=$(call H0 3101 '{"data":{"patient_dtos":[]}}')
expect_err "$a" "input.data.patient_dtos: must be an object or a non-empty array of objects"
# unsigned: refused before any handler
envelope 3101 H0 "$(req31 P0001 11 J06 "$orders")" >"$work/req.json"
a=$(curl -s --max-time 10 -X POST "$url" -H 'Content-Type: application/json' --data-binary @"$work/req.json")
[ "$(jq -r .infcode <<<"$a")" = -1 ] || fail "unsigned 3101 answered: $a"

stop_server
"$YIBAO" check --db "$db" >/dev/null || fail "check after the rules"
"$YIBAO" check --db "$db" --deep >/dev/null || fail "check --deep after the rules"
echo "t_rules ($SVC_BACKEND): ok"
