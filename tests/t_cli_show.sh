#!/usr/bin/env bash
# t_cli_show.sh: the operator's look-ups (issue 15, item 1) through the
# real binary, beside a running server: a settlement made over HTTP is at
# once visible to `yibao show person` (year state and account: the store's
# checkpoint plus the journal after it, not the tables alone), `show
# settlement` (figures and fee lines), `show institution`, `show journal`,
# `show fund` and `list settlements --date`; text tables by default, JSON
# with --json; not found exits 1, bad usage 2; nothing is written.
# Runs once per backend: SQLite, and PostgreSQL when YIBAO_PG_URI is set.
set -euo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
ulimit -t 120

make_city
credential H3; credential P1
start_server --threads 4
sign_in H3 P1

show() { "$YIBAO" "$@" --db "$db"; }
# the one-shot inpatient settlement of vector 000 (medfee 3586.00, hifp 1435.85)
oneshot='{"data":{"psn_no":"P0001","medfee_sumamt":3586.00,"insutype":"390","begntime":"2020-03-02","endtime":"2020-03-11","dise_codg":"K35.8"},"feedetail":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":8,"pric":35.0,"det_item_fee_sumamt":280.0},{"feedetl_sn":"2","med_list_codg":"XA01","cnt":30,"pric":1.2,"det_item_fee_sumamt":36.0},{"feedetl_sn":"3","med_list_codg":"XB01","cnt":20,"pric":4.5,"det_item_fee_sumamt":90.0},{"feedetl_sn":"4","med_list_codg":"SB01","cnt":1,"pric":280.0,"det_item_fee_sumamt":280.0},{"feedetl_sn":"5","med_list_codg":"XC01","cnt":2,"pric":150.0,"det_item_fee_sumamt":300.0},{"feedetl_sn":"6","med_list_codg":"SA02","cnt":1,"pric":2600.0,"det_item_fee_sumamt":2600.0}]}'
a=$(call H3 2304 "$oneshot"); expect_ok "$a"
setl=$(echo "$a" | jq -r .output.setlinfo.setl_id)
rx='{"data":{"psn_no":"P0002","insutype":"310","begntime":"2020-05-01 10:00:00","medfee_sumamt":28.80,"acct_used_flag":"1"},"feedetail":[{"feedetl_sn":"1","med_list_codg":"XA01","cnt":24,"pric":1.2,"det_item_fee_sumamt":28.8}]}'
a=$(call P1 2102 "$rx"); expect_ok "$a"

# ---- while the server runs: the person's year and account are current ----
j=$(show show person P0001 --json)
[ "$(echo "$j" | jq -r '.years[] | select(.year == 2020) | .admissions')" = 1 ] || fail "show person: $j"
[ "$(echo "$j" | jq -r '.years[] | select(.year == 2020) | .basic_paid')" = 1435.85 ] || fail "show person: $j"
[ "$(echo "$j" | jq -r .person.insutype)" = 390 ] || fail "show person: $j"
[ "$(show show person P0002 --json | jq -r .person.acct_balc)" = 471.2 ] || fail "show person P0002: the account after the sale"
t=$(show show person P0001)
grep -Eq '^  basic_paid +1435\.85$' <<<"$t" || fail "show person (text): $t"
grep -q '^year 2020$' <<<"$t" || fail "show person (text) has no year heading: $t"
j=$(show show person P0001 --year 2019 --json)
[ "$(echo "$j" | jq -r '.years[0].admissions')" = 0 ] || fail "show person --year 2019: $j"

# ---- the settlement: figures and lines ----
j=$(show show settlement "$setl" --json)
[ "$(echo "$j" | jq -r .setlinfo.hifp_pay)" = 1435.85 ] || fail "show settlement: $j"
[ "$(echo "$j" | jq -r '.lines | length')" = 6 ] || fail "show settlement lines: $j"
[ "$(echo "$j" | jq -r '.lines[2].pric')" = 4.5 ] || fail "show settlement line 3's pric: $j"
[ "$(echo "$j" | jq -r .settlement.setl_id)" = "$setl" ] || fail "setl_id as a string: $j"
[ "$(echo "$j" | jq -r .settlement.revoked)" = false ] || fail "revoked: $j"
t=$(show show settlement "$setl")
grep -Eq '^  hifp_pay +1435\.85$' <<<"$t" || fail "show settlement (text): $t"
grep -Eq '^feedetl_sn +med_list_codg +cnt +pric +det_item_fee_sumamt$' <<<"$t" || fail "lines header: $t"

# ---- its explanation from the journal: each line's split, each step ----
t=$(show explain "$setl")
grep -qx "line 5: feedetl_sn '5', XC01, 300.00: class C: self-pay 300.00" <<<"$t" || fail "explain: line 5: $t"
grep -qx "deductible: level3 1000.00" <<<"$t" || fail "explain: deductible: $t"
j=$(show explain "$setl" --json)
[ "$(echo "$j" | jq -r 'select(.step == "line 1") | .text')" = "feedetl_sn '1', SA01, 280.00: class A, price 35.0 above its cap 30.0: 40.00 over the cap; in scope 240.00" ] ||
    fail "explain --json: line 1: $j"

# ---- institution, journal, funds, a day's settlements ----
j=$(show show institution H3 --json)
[ "$(echo "$j" | jq -r .institution.settlements)" = 1 ] || fail "show institution: $j"
[ "$(echo "$j" | jq -r .institution.fund_pay_sumamt)" = 1435.85 ] || fail "show institution: $j"
j=$(show show journal --from "$setl" --limit 1 --json)
[ "$(echo "$j" | jq -r '.journal[0].kind')" = settle ] || fail "show journal: $j"
[ "$(echo "$j" | jq -r '.journal | length')" = 1 ] || fail "show journal --limit 1: $j"
j=$(show show fund --region 440900 --year 2020 --json)
[ "$(echo "$j" | jq -r '.funds[] | select(.account == "F:hifp:440900:2020") | .balance')" = -1435.85 ] ||
    fail "show fund: $j"
today=$(date +%F)
j=$(show list settlements --date "$today" --institution H3 --json)
[ "$(echo "$j" | jq -r '.settlements | length')" = 1 ] || fail "list settlements H3: $j"
[ "$(echo "$j" | jq -r '.settlements[0].medfee_sumamt')" = 3586 ] || fail "list: $j"
[ "$(show list settlements --date "$today" --json | jq -r '.settlements | length')" = 2 ] || fail "list all"
[ "$(show list settlements --date 2001-01-01 --json | jq -r '.settlements | length')" = 0 ] || fail "list another day"
# a revoke shows in the day's list, negative, and marks the settlement
a=$(call H3 2305 "{\"data\":{\"psn_no\":\"P0001\",\"setl_id\":\"$setl\"}}"); expect_ok "$a"
# the revoke's record keeps who revoked it: the envelope's operator and the transaction
[ "$(show show journal --from "$(show show journal --json --limit 100000 | jq -r '.journal[-1].seq')" --json | jq -r '.journal[0].note')" = "Test (001): 2305" ] ||
    fail "the revoke's note: $(show show journal --json --limit 100000 | jq -c '.journal[-1]')"
j=$(show list settlements --date "$today" --institution H3 --json)
[ "$(echo "$j" | jq -r '.settlements[1].kind')" = revoke ] || fail "list after the revoke: $j"
[ "$(echo "$j" | jq -r '.settlements[1].fund_pay_sumamt')" = -1435.85 ] || fail "revoke's figures: $j"
[ "$(show show settlement "$setl" --json | jq -r .settlement.revoked)" = true ] || fail "revoked flag"
[ "$(show show person P0001 --json | jq -r '.years[] | select(.year == 2020) | .admissions')" = 0 ] ||
    fail "the revoke is not in show person"

# ---- not found: exit 1; bad usage: exit 2 ----
rc=0; show show person NOPE >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "no person 'NOPE'" "$work/err" || fail "show person NOPE: exit $rc, $(cat "$work/err")"
rc=0; show show settlement 999999 >/dev/null 2>&1 || rc=$?; [ "$rc" = 1 ] || fail "show settlement 999999: $rc"
rc=0; show show institution NOPE >/dev/null 2>&1 || rc=$?; [ "$rc" = 1 ] || fail "show institution NOPE: $rc"
rc=0; show show planet 1 >/dev/null 2>&1 || rc=$?; [ "$rc" = 2 ] || fail "show planet: $rc"
rc=0; show show person >/dev/null 2>&1 || rc=$?; [ "$rc" = 2 ] || fail "show person without an id: $rc"
rc=0; show list settlements --date 2020-13-01 >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 2 ] && grep -q -- "--date '2020-13-01'" "$work/err" || fail "list --date 2020-13-01: $rc $(cat "$work/err")"
rc=0; show show journal --limit 0 >/dev/null 2>&1 || rc=$?; [ "$rc" = 2 ] || fail "show journal --limit 0: $rc"

stop_server
"$YIBAO" check --db "$db" >/dev/null || fail "check"
echo "t_cli_show: ok ($SVC_BACKEND)"
