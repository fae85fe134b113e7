#!/usr/bin/env bash
# t_registry_edits.sh: person edits (issue 15, item 5): a persons file that
# names registered persons with another status, flags or region is an
# edit: refused without who and why (exit 2, file:line and field, nothing
# changed), accepted with --operator and --reason, journaled with the rows
# before and after (show journal's note), an unchanged row no change, the
# opening balance never edited. A suspension imported while `yibao serve`
# runs refuses the person's next request (2201 and 2207); check and check
# --deep pass with settlements before and after the edits, the deep check
# settling each against the person as it was then (the flags decide the
# medical-assistance fund); the edits' journaled rows changed in SQL fail
# check. A policy version from 2020-09-01 (valid_from): refused without its
# date, who and why, or before the latest version; a stay ending the day
# before settles under January's, one ending that day under September's;
# a version reaching back over that settled stay is refused until it is
# revoked.
# Both backends (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

make_city
credential H3
start_server
sign_in H3

H='psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc,psn_insu_stas'
# an outpatient bill as a one-shot 2207 (data + feedetail)
visit() { # PSN MSGID
    call H3 2207 '{"data":{"psn_no":"'"$1"'","med_type":"11","begntime":"2020-07-01","endtime":"2020-07-01","medfee_sumamt":36.00},"feedetail":[{"feedetl_sn":"1","med_list_codg":"XA01","cnt":30,"pric":1.2,"det_item_fee_sumamt":36}]}' "$2"
}
# an inpatient stay large enough for the medical-assistance fund, settled by the CLI
stay() { # PSN MSGID: prints maf_pay
    printf '{"psn_no":"%s","msgid":"%s","fixmedins_code":"H3","med_type":"21","begntime":"2020-03-02","endtime":"2020-03-11","dise_codg":"K35.8","details":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":80,"pric":350.0,"det_item_fee_sumamt":28000.0}]}\n' "$1" "$2" >"$work/stay.json"
    y settle "$work/stay.json" | jq -r .setlinfo.maf_pay
}

# before any edit: P0001 visits, P0003 (low_income) stays
a=$(call H3 2201 '{"data":{"psn_no":"P0001","insutype":"390","begntime":"2020-06-01"}}'); expect_ok "$a"
expect_ok "$(visit P0001 V1)"
maf_before=$(stay P0003 S1)
[ -n "$maf_before" ] && [ "$maf_before" != null ] || fail "the stay before the edit"

# the edit: P0001 suspended, P0003 extreme_poverty, P0010 to another
# region, P0011 unchanged, P0100 new
grep -E '^(P0001|P0003|P0010|P0011),' "$work/persons.csv" | awk -F, -v OFS=, '
    $1 == "P0001" { print $0, "suspended"; next }
    $1 == "P0003" { $8 = "extreme_poverty"; print $0, "active"; next }
    $1 == "P0010" { $9 = "440902"; print $0, "active"; next }
    { print $0, "active" }' >"$work/body.csv"
{ echo "$H"; cat "$work/body.csv"; echo "P0100,440900199901010100,New One,2,1999-01-01,390,adult,,440900,2000-01-01,7.00,active"; } >"$work/edit.csv"
records=$(y show journal --json | jq '.journal | length')
y import persons "$work/edit.csv" >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 2 ] || fail "an edit without who and why: exit $rc"
grep -q "edit.csv:2: psn_insu_stas: person P0001 is registered already with another value: changing a person needs --operator and --reason" "$work/err" ||
    fail "the refusal: $(cat "$work/err")"
[ "$(y show journal --json | jq '.journal | length')" = "$records" ] || fail "a refused edit wrote a record"
y show person P0100 >/dev/null 2>&1 && fail "a refused edit registered P0100"
[ "$(y show person P0001 --json | jq -r .person.status)" = insured ] || fail "a refused edit changed P0001: $(y show person P0001 --json)"
# the opening balance is posted: never edited, even with who and why
sed 's/^\(P0003,.*\),0,active$/\1,9.00,active/' "$work/edit.csv" >"$work/balance.csv"
y import persons "$work/balance.csv" --operator alice --reason test >/dev/null 2>"$work/err" && fail "an opening balance edited"
grep -q "balance.csv:3: acct_balc: person P0003 is registered already: the opening balance is posted and is not edited" "$work/err" || fail "balance: $(cat "$work/err")"

y import persons "$work/edit.csv" --operator alice --reason "audit 2020-07: P0001 moved away" >"$work/out" 2>"$work/err" ||
    fail "the edit with who and why: $(cat "$work/err")"
grep -q "imported 5 persons (3 edited, 1 unchanged) from" "$work/out" || fail "the edit's summary: $(cat "$work/out")"
[ "$(y show journal --json | jq -r '.journal[-1].note')" = "alice: audit 2020-07: P0001 moved away" ] || fail "the edit's note"
[ "$(y show person P0001 --json | jq -r .person.status)" = suspended ] || fail "P0001 not suspended: $(y show person P0001 --json)"
[ "$(y show person P0010 --json | jq -r .person.insuplc_admdvs)" = 440902 ] || fail "P0010's region"
[ "$(y show person P0100 --json | jq -r .person.psn_no)" = P0100 ] || fail "P0100 not registered"
# the same file again: no change, no note needed
y import persons "$work/edit.csv" >/dev/null 2>"$work/err" || fail "the same file again: $(cat "$work/err")"

# the running server decides the next requests by the edit
a=$(call H3 2201 '{"data":{"psn_no":"P0001","insutype":"390","begntime":"2020-07-02"}}')
expect_err "$a" "is not insured now"
expect_err "$(visit P0001 V2)" "E_NOT_INSURED"
expect_ok "$(visit P0003 V3)"
maf_after=$(stay P0003 S2)
[ "$maf_after" != "$maf_before" ] || fail "extreme_poverty did not change the stay's maf_pay ($maf_after)"

# reinstated: settles again
sed 's/^\(P0001,.*\),suspended$/\1,active/' "$work/edit.csv" >"$work/back.csv"
y import persons "$work/back.csv" --operator bob --reason "came back" >/dev/null || fail "reinstate P0001"
expect_ok "$(visit P0001 V4)"

# ---- a policy version from 2020-09-01 (valid_from): bills decided by their endtime ----
pol=$root/policies/maoming-2020-resident.json
jq '.basic.inpatient.ratio.level3 = 0.75' "$pol" >"$work/undated.json"
records=$(y show journal --json | jq '.journal | length')
y import policy "$work/undated.json" --operator carol --reason "ratio up" >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 2 ] || fail "a change without valid_from: exit $rc"
grep -q "undated.json: a policy of region 440900, year 2020, scheme 390: registered already with other rules: a change inside the year must name the date it is in force from (valid_from, 2020-01-01 or later)" "$work/err" ||
    fail "a change without valid_from: $(cat "$work/err")"
jq '.basic.inpatient.ratio.level3 = 0.75 | .valid_from = "2020-09-01"' "$pol" >"$work/sept.json"
y import policy "$work/sept.json" >/dev/null 2>"$work/err" && fail "a version without who and why"
grep -q "sept.json: .*: a version in force from 2020-09-01 follows the registered one: it needs --operator and --reason" "$work/err" ||
    fail "a version without who and why: $(cat "$work/err")"
jq '.valid_from = "2021-03-01"' "$pol" >"$work/other-year.json"
y import policy "$work/other-year.json" --operator carol --reason x >/dev/null 2>"$work/err" && fail "a valid_from of another year"
grep -q "other-year.json: valid_from: must be a date of the policy's year 2020" "$work/err" || fail "another year: $(cat "$work/err")"
[ "$(y show journal --json | jq '.journal | length')" = "$records" ] || fail "a refused policy wrote a record"
y import policy "$work/sept.json" --operator carol --reason "level-3 ratio 75% from September" >/dev/null 2>"$work/err" ||
    fail "a version with who and why: $(cat "$work/err")"
[ "$(y show journal --json | jq -r '.journal[-1].note')" = "carol: level-3 ratio 75% from September" ] || fail "the version's note"
versions=$(y show policy --region 440900 --year 2020 --json | jq -c '[.policies[] | select(.insutype == 390) | .valid_from]')
[ "$versions" = '["2020-01-01","2020-09-01"]' ] || fail "show policy: $versions"
jq '.basic.inpatient.ratio.level3 = 0.7 | .valid_from = "2020-06-01"' "$pol" >"$work/june.json"
y import policy "$work/june.json" --operator carol --reason x >/dev/null 2>"$work/err" && fail "a version before the latest"
grep -q "valid_from 2020-06-01 is before the latest version's, 2020-09-01: versions are added in date order" "$work/err" ||
    fail "a version before the latest: $(cat "$work/err")"
y import policy "$pol" >/dev/null 2>"$work/err" || fail "the first version again is no change: $(cat "$work/err")"
# the same stay ending the day before and the day the version starts
stay_on() { # PSN MSGID END: prints hifp_pay
    printf '{"psn_no":"%s","msgid":"%s","fixmedins_code":"H3","med_type":"21","begntime":"2020-08-25","endtime":"%s","dise_codg":"K35.8","details":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":80,"pric":35.0,"det_item_fee_sumamt":2800.0}]}\n' "$1" "$2" "$3" >"$work/stay.json"
    y settle "$work/stay.json" | jq -r .setlinfo.hifp_pay
}
[ "$(stay_on P0012 A1 2020-08-31)" = 910 ] || fail "a stay ending 2020-08-31: the version from January (65%)"
[ "$(stay_on P0013 A2 2020-09-01)" = 1050 ] || fail "a stay ending 2020-09-01: the version from September (75%)"
# a version reaching back over a bill settled already: refused, naming it,
# nothing written; once that bill is revoked, the same version is taken
jq '.basic.inpatient.ratio.level3 = 0.8 | .valid_from = "2020-09-01"' "$pol" >"$work/back.json"
a2=$(y show journal --json | jq -r '[.journal[] | select(.msgid == "A2")][0].seq')
records=$(y show journal --json | jq '.journal | length')
y import policy "$work/back.json" --operator carol --reason "80% from September" >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 2 ] || fail "a back-dated version: exit $rc"
grep -q "back.json: a policy of region 440900, year 2020, scheme 390: valid_from 2020-09-01: 1 settled bill(s) end on or after it (the latest 2020-09-01 00:00:00, setl_id $a2); name a later day or revoke them first" "$work/err" ||
    fail "a back-dated version: $(cat "$work/err")"
[ "$(y show journal --json | jq '.journal | length')" = "$records" ] || fail "a refused back-dated version wrote a record"
y revoke "$a2" --operator carol --reason "to settle again under the new version" >/dev/null || fail "revoke A2"
y import policy "$work/back.json" --operator carol --reason "80% from September" >/dev/null 2>"$work/err" ||
    fail "the version once the bill is revoked: $(cat "$work/err")"
[ "$(stay_on P0013 A3 2020-09-01)" = 1120 ] || fail "the stay again under the replaced version (80%)"
stop_server

y check >/dev/null || fail "check: $(y check 2>&1)"
y check --deep >"$work/deep" 2>&1 || fail "check --deep: $(cat "$work/deep")"
grep -q "check --deep ok" "$work/deep" || fail "check --deep: $(cat "$work/deep")"

# the edits' rows are under the chain: changed in SQL, check finds them
seq=$(sql "SELECT min(seq) FROM journal WHERE kind = 3 AND body LIKE 'what=persons %edits=%'")
[ -n "$seq" ] || fail "no persons import with edits=N in the journal"
sql "UPDATE journal_data SET data = data || data WHERE seq = $seq" >/dev/null
y check >"$work/out" 2>&1 && fail "check passed with the edits' rows changed"
grep -q "journal seq $seq: its imported file does not hash to what the record says" "$work/out" ||
    fail "the edits' rows changed: $(cat "$work/out")"
echo "t_registry_edits: ok (${SVC_BACKEND:-sqlite})"
