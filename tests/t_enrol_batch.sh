#!/usr/bin/env bash
# t_enrol_batch.sh: the enrolment imports' batches (issue 16, item 1;
# docs/ENROLMENT.md "Batches"). An import checks and writes its rows in
# batches of 1,024 (on PostgreSQL, each batch's registry reads and its
# write in a few round trips): files of 2,600 rows (three batches) are
# imported and imported again with no change; a bad row in the middle of
# a batch still names its own line, the earliest bad line of the file
# comes first (a reference error in the first batch before a malformed row
# later in it), an episode overlapping one 1,500 lines earlier in another
# batch names both lines, a member's fifth holder in the second batch is
# refused at the member's first row; every refused file changes nothing;
# a binding naming two members of its batch counted once.
# Both backends (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

make_city
# 2,600 residents Q0001..Q2600 and 60 employees H01..H60 (holders)
{
    echo "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc"
    for i in $(seq -w 1 2600); do echo "Q$i,44090019900101$i,Batch $i,1,1990-01-01,390,adult,,440900,2000-01-01,0"; done
    for i in $(seq -w 1 60); do echo "H$i,4409001975010100$i,Holder $i,2,1975-01-01,310,in_service,,440900,2000-01-01,100.00"; done
    for i in $(seq 1 6); do echo "K$i,44090019760101000$i,Cross $i,1,1976-01-01,310,in_service,,440900,2000-01-01,100.00"; done
} >"$work/batch_persons.csv"
y import persons "$work/batch_persons.csv" >/dev/null || fail "import the persons"
E='psn_no,insutype,admdvs,category,from_month,to_month,reason,end_reason'
B='holder_psn_no,member_psn_no,relation,valid_from,revoked_at'
episodes() { # FILE: one closed episode a resident, 2,600 rows
    { echo "$E"; for i in $(seq -w 1 2600); do echo "Q$i,390,440900,adult,2019-01,2019-12,new,stop"; done; } >"$1"
}
episodes "$work/ep.csv"
y import episodes "$work/ep.csv" >"$work/out" 2>"$work/err" || fail "episodes: $(cat "$work/err")"
grep -q "imported 2600 episodes" "$work/out" || fail "episodes: $(cat "$work/out")"
y import episodes "$work/ep.csv" >"$work/out" 2>"$work/err" || fail "episodes again: $(cat "$work/err")"
grep -q "(0 edited, 2600 unchanged)" "$work/out" || fail "episodes again: $(cat "$work/out")"
[ "$(sql "SELECT count(*) FROM enrol_episodes WHERE psn_no LIKE 'Q%'")" = 2600 ] || fail "episodes written"
[ "$(y show person Q2600 --json | jq -c '[.episodes[] | [.from_month, .to_month]]')" = '[["2019-01","2019-12"]]' ] ||
    fail "the last batch's row: $(y show person Q2600)"
# bindings: 2,600 members over 60 holders, three batches
{ echo "$B"; for i in $(seq 1 2600); do printf 'H%02d,Q%04d,child,2020-01-01,\n' $((i % 60 + 1)) "$i"; done; } >"$work/bind.csv"
y import bindings "$work/bind.csv" >"$work/out" 2>"$work/err" || fail "bindings: $(cat "$work/err")"
grep -q "imported 2600 bindings" "$work/out" || fail "bindings: $(cat "$work/out")"
[ "$(y show person H01 --json | jq '.bindings | length')" -ge 43 ] || fail "H01's members: $(y show person H01 --json)"
# a batch's read gives a binding once though it names two of the batch's
# members: K1 held by K2..K5 (four, the most allowed), each of them held
# by K6; counted twice, K1 would have eight
{ echo "$B"; for h in K2 K3 K4 K5; do echo "$h,K1,child,2020-01-01,"; echo "K6,$h,child,2020-01-01,"; done; } >"$work/cross.csv"
y import bindings "$work/cross.csv" >"$work/out" 2>"$work/err" || fail "cross bindings: $(cat "$work/err")"
y import bindings "$work/cross.csv" >"$work/out" 2>"$work/err" || fail "cross bindings again: $(cat "$work/err")"
grep -q "(0 edited, 8 unchanged)" "$work/out" || fail "cross bindings again: $(cat "$work/out")"
out=$(y check) || fail "check after the imports: $out"

state() {
    for t in enrol_episodes enrol_wages enrol_bindings; do sql "SELECT count(*) FROM $t"; done
    y show journal --json --limit 100000 | jq -c '[.journal[] | .seq] | length'
}
state >"$work/before"
refused() { # KIND NAME MESSAGE: the file $work/NAME.csv is refused with NAME.csv:MESSAGE
    local rc=0
    y import "$1" "$work/$2.csv" >/dev/null 2>"$work/err" || rc=$?
    [ "$rc" = 2 ] || fail "$2: exited $rc: $(cat "$work/err")"
    grep -qF "yibao: $2.csv:$3" "$work/err" || fail "$2: $(cat "$work/err") (wanted $2.csv:$3)"
    state >"$work/after"
    cmp -s "$work/before" "$work/after" || fail "$2: the refused import changed the store"
}
# wages of the flexible base rows: line 1,500 (the second batch's middle) names no one
wages() { # FILE BADLINE: 2,600 rows, row BADLINE naming Q9999
    { echo 'emp_no,psn_no,month,wage,base_share'
      for i in $(seq 2 2601); do
          if [ "$i" = "$2" ]; then echo ",Q9999,2020-01,,0.6"; else printf ',Q%04d,2020-01,,0.6\n' $((i - 1)); fi
      done; } >"$1"
}
wages "$work/wage-mid.csv" 1500
refused wages wage-mid "1500: psn_no: person Q9999 is not registered"
# the first batch: line 500 names no one, line 1,000 is malformed: 500 first
wages "$work/wage-order.csv" 500
sed -i '1000s/0\.6$/1.6/' "$work/wage-order.csv"
refused wages wage-order "500: psn_no: person Q9999 is not registered"
# the malformed line alone: its own line
wages "$work/wage-form.csv" 0
sed -i '1000s/0\.6$/1.6/' "$work/wage-form.csv"
refused wages wage-form "1000: base_share: not a share in (0, 1]"
# an episode at line 1,802 overlapping the file's line 302 (another batch)
{ echo "$E"; for i in $(seq -w 1 2600); do echo "Q$i,390,440900,adult,2021-01,2021-12,new,stop"; done; } >"$work/ep-overlap.csv"
sed -i '1802s/^.*$/Q0301,390,440900,adult,2021-06,,new,/' "$work/ep-overlap.csv"
refused episodes ep-overlap "1802: from_month: overlaps the episode of scheme 390 from 2021-01 to 2021-12 (line 302)"
# a member's fifth holder at once: its rows in the second batch, refused at its first
{ echo "$B"
  for i in $(seq 1 1100); do printf 'H%02d,Q%04d,child,2021-01-01,\n' $((i % 60 + 1)) "$i"; done
  for h in 02 03 04 05; do echo "H$h,Q2600,parent,2021-02-01,"; done; } >"$work/bind-fifth.csv"
refused bindings bind-fifth "1102: member_psn_no: member Q2600 would have 5 holders at 2021-02-01 00:00:00; at most 4 (SETTLE_HOLDERS_MAX)"
echo "t_enrol_batch ($SVC_BACKEND): ok"
