#!/usr/bin/env bash
# t_enrol_import.sh: the enrolment registry's imports (issue 16, item 1;
# docs/ENROLMENT.md) through the real binary: employers, episodes, wages
# (an employer's declared wage and a flexible worker's chosen base) and
# family bindings each imported; the same files again are no change; each
# bad input (a negative wage, a wage with 3 decimals, a month not YYYY-MM,
# an episode overlapping a registered one or another of the same file, a
# binding to oneself or to a holder without a personal account, a person
# or employer not registered, a key twice, a changed row without who and
# why, ...) refused with exit 2 and its own "FILE:LINE: field: what",
# nothing changed; a change with --operator and --reason accepted; `show
# person` lists the episodes and bindings, `show employer` the employer and
# its wages (--json too); `check` passes, and fails once an episode row or
# an import's kept file is changed in SQL. Both backends (SVC_BACKEND=pg
# with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

make_city

cat >"$work/employers.csv" <<'EOF'
emp_no,emp_name,admdvs,struggling
E001,"Maoming Petrochemical, Ltd",440900,false
E002,Small Workshop,440900,true
EOF
cat >"$work/episodes.csv" <<'EOF'
psn_no,insutype,admdvs,category,from_month,to_month,reason,end_reason
P0002,310,440900,in_service,2015-01,2019-06,new,transfer_out
P0002,310,440900,in_service,2019-09,,transfer_in,
P0001,390,440900,adult,2020-01,,new,
P0003,390,440900,adult,2019-01,2019-12,new,stop
EOF
cat >"$work/wages.csv" <<'EOF'
emp_no,psn_no,month,wage,base_share
E001,P0002,2020-01,6500.00,
E001,P0002,2020-02,6500.5,
,P0010,2020-01,,0.6
EOF
cat >"$work/bindings.csv" <<'EOF'
holder_psn_no,member_psn_no,relation,valid_from,revoked_at
P0002,P0001,parent,2020-01-01,
P0002,P0003,spouse,2020-01-01 08:00:00,2020-06-30
EOF
for k in employers episodes wages bindings; do
    y import "$k" "$work/$k.csv" >"$work/out" 2>"$work/err" || fail "import $k: $(cat "$work/err")"
done
grep -q "imported 2 bindings from" "$work/out" || fail "bindings: $(cat "$work/out")"
out=$(y check) || fail "check after the imports: $out"
# the same files again: no change
for k in employers episodes wages bindings; do
    y import "$k" "$work/$k.csv" >"$work/out" 2>"$work/err" || fail "the same $k again: $(cat "$work/err")"
    grep -q "(0 edited, [0-9]* unchanged)" "$work/out" || fail "the same $k again: $(cat "$work/out")"
done

# show person: the episodes and bindings; show employer: the row and its wages
j=$(y show person P0002 --json) || fail "show person P0002"
[ "$(jq -c '[.episodes[] | [.insutype, .from_month, .to_month, .reason, .end_reason]]' <<<"$j")" = \
  '[[310,"2015-01","2019-06","new","transfer_out"],[310,"2019-09","","transfer_in",""]]' ] || fail "episodes: $j"
[ "$(jq -c '[.bindings[] | [.member_psn_no, .relation, .valid_from, .revoked_at]]' <<<"$j")" = \
  '[["P0001","parent","2020-01-01 00:00:00",""],["P0003","spouse","2020-01-01 08:00:00","2020-06-30 00:00:00"]]' ] || fail "bindings: $j"
j=$(y show person P0001 --json) || fail "show person P0001"
[ "$(jq -c '[.bindings[].holder_psn_no]' <<<"$j")" = '["P0002"]' ] || fail "a member's bindings: $j"
j=$(y show employer E001 --json) || fail "show employer E001"
[ "$(jq -c '[.employer.emp_name, .employer.struggling, [.wages[].psn_no]]' <<<"$j")" = \
  '["Maoming Petrochemical, Ltd",false,["P0002","P0002"]]' ] || fail "show employer: $j"
grep -q '"wage":6500.00,.*"wage":6500.50,' <<<"$j" || fail "wages in yuan: $j"
y show employer E002 | grep -q 'struggling *yes' || fail "show employer E002 (text): $(y show employer E002)"
rc=0; y show employer E404 >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "show employer E404 exited $rc"

# every refusal: exit 2, its message, nothing changed
state() {
    for p in P0001 P0002 P0003 P0010; do y show person "$p" --json; done
    for e in E001 E002; do y show employer "$e" --json; done
    y show journal --json --limit 1000
}
state >"$work/before"
refused() { # KIND NAME MESSAGE CSV...: the file $work/NAME.csv of the lines given is refused
    local kind=$1 name=$2 msg=$3 rc=0
    shift 3
    printf '%s\n' "$@" >"$work/$name.csv"
    y import "$kind" "$work/$name.csv" >/dev/null 2>"$work/err" || rc=$?
    [ "$rc" = 2 ] || fail "$name: exited $rc: $(cat "$work/err")"
    grep -qF "yibao: $name.csv:$msg" "$work/err" || fail "$name: $(cat "$work/err") (wanted $name.csv:$msg)"
    state >"$work/after"
    cmp -s "$work/before" "$work/after" || fail "$name: the refused import changed the store"
}
W='emp_no,psn_no,month,wage,base_share'
E='psn_no,insutype,admdvs,category,from_month,to_month,reason,end_reason'
B='holder_psn_no,member_psn_no,relation,valid_from,revoked_at'
refused wages wage-negative "3: wage: negative" "$W" "E001,P0002,2020-03,6500,"  "E001,P0002,2020-04,-1.00,"
refused wages wage-decimals "2: wage: more than 2 decimals" "$W" "E001,P0002,2020-03,6500.123,"
refused wages wage-text "2: wage: not a number" "$W" "E001,P0002,2020-03,6500 yuan,"
refused wages wage-month "2: month: not a month YYYY-MM" "$W" "E001,P0002,2020-3,6500,"
refused wages wage-month13 "2: month: not a month YYYY-MM" "$W" "E001,P0002,2020-13,6500,"
refused wages wage-employer "2: emp_no: employer E999 is not registered" "$W" "E999,P0002,2020-03,6500,"
refused wages wage-person "2: psn_no: person P9999 is not registered" "$W" "E001,P9999,2020-03,6500,"
refused wages wage-both "2: base_share: an employer's wage row (emp_no given) has none" "$W" "E001,P0002,2020-03,6500,0.6"
refused wages base-range "2: base_share: not a share in (0, 1]" "$W" ",P0010,2020-02,,1.5"
refused wages base-wage "2: wage: a flexible worker's base row (no emp_no) has none" "$W" ",P0010,2020-02,100,0.6"
refused wages wage-twice "3: psn_no: the file names this row's key again (line 2)" "$W" "E001,P0002,2020-03,6500," "E001,P0002,2020-03,6600,"
refused wages wage-changed "2: wage: registered already as '650000': changing it needs --operator and --reason" "$W" "E001,P0002,2020-01,6600,"
refused episodes ep-overlap "2: from_month: overlaps the episode of scheme 310 from 2015-01 to 2019-06 (registered)" \
    "$E" "P0002,310,440900,in_service,2019-05,2019-07,transfer_in,stop"
refused episodes ep-overlap-open "2: from_month: overlaps the episode of scheme 310 from 2019-09 to now (registered)" \
    "$E" "P0002,310,440900,flexible,2024-01,,new,"
refused episodes ep-overlap-file "3: from_month: overlaps the episode of scheme 390 from 2021-01 to 2021-06 (line 2)" \
    "$E" "P0003,390,440900,adult,2021-01,2021-06,new,stop" "P0003,390,440900,adult,2021-06,,new,"
refused episodes ep-month "2: from_month: not a month YYYY-MM" "$E" "P0003,390,440900,adult,2021/01,,new,"
refused episodes ep-backwards "2: to_month: before from_month" "$E" "P0003,390,440900,adult,2021-05,2021-04,new,stop"
refused episodes ep-category "2: category: not a category of scheme 310 (in_service, flexible, retired)" "$E" "P0003,310,440900,adult,2021-01,,new,"
refused episodes ep-reason "2: reason: not a reason an episode starts (new, transfer_in, retirement)" "$E" "P0003,390,440900,adult,2021-01,,born,"
refused episodes ep-end "2: end_reason: empty: a closed episode says why it ended" "$E" "P0003,390,440900,adult,2021-01,2021-03,new,"
refused episodes ep-person "2: psn_no: person P9999 is not registered" "$E" "P9999,390,440900,adult,2021-01,,new,"
refused episodes ep-region "2: admdvs: not an administrative division code (6 digits)" "$E" "P0003,390,4409,adult,2021-01,,new,"
refused bindings bind-self "2: member_psn_no: a binding to oneself (the holder)" "$B" "P0002,P0002,spouse,2020-01-01,"
refused bindings bind-no-account "2: holder_psn_no: holder P0001 has no personal account (scheme 390: only an employee's has one)" \
    "$B" "P0001,P0003,spouse,2020-01-01,"
refused bindings bind-relation "2: relation: not spouse, parent or child" "$B" "P0002,P0010,cousin,2020-01-01,"
refused bindings bind-date "2: valid_from: not a date or date-time" "$B" "P0002,P0010,child,2020-02-30,"
refused bindings bind-revoked "2: revoked_at: not after valid_from" "$B" "P0002,P0010,child,2020-02-01,2020-01-01"
refused bindings bind-member "2: member_psn_no: person P9999 is not registered" "$B" "P0002,P9999,child,2020-02-01,"
refused employers emp-flag "2: struggling: not true or false" 'emp_no,emp_name,admdvs,struggling' "E003,X,440900,maybe"
refused employers emp-changed "3: struggling: registered already as '1': changing it needs --operator and --reason" \
    'emp_no,emp_name,admdvs,struggling' "E001,\"Maoming Petrochemical, Ltd\",440900,false" "E002,Small Workshop,440900,false"
refused employers emp-header "1: admdvs: missing column" 'emp_no,emp_name' "E003,X"

# at most SETTLE_HOLDERS_MAX (4) holders of one member valid at once: the
# fifth is refused at the member's first row; one revoked before the
# fifth's start leaves four at every instant and is imported
{
    echo "psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc"
    for i in 1 2 3 4 5; do echo "P020$i,44090019750101020$i,Holder $i,1,1975-01-01,310,in_service,,440900,2000-01-01,100.00"; done
} >"$work/holders.csv"
y import persons "$work/holders.csv" >/dev/null || fail "import the holders"
state >"$work/before"
refused bindings bind-fifth "2: member_psn_no: member P0011 would have 5 holders at 2020-05-01 00:00:00; at most 4 (SETTLE_HOLDERS_MAX)" \
    "$B" "P0201,P0011,child,2020-01-01," "P0202,P0011,child,2020-02-01," "P0203,P0011,child,2020-03-01," \
    "P0204,P0011,child,2020-04-01," "P0205,P0011,child,2020-05-01,"
printf '%s\n' "$B" "P0201,P0011,child,2020-01-01,2020-05-01" "P0202,P0011,child,2020-02-01," "P0203,P0011,child,2020-03-01," \
    "P0204,P0011,child,2020-04-01," "P0205,P0011,child,2020-05-01," >"$work/four.csv"
y import bindings "$work/four.csv" >/dev/null 2>"$work/err" || fail "four at once: $(cat "$work/err")"
# a sixth on top of the registered ones, from another file: refused
printf '%s\n' "$B" "P0002,P0011,parent,2020-06-01," >"$work/sixth.csv"
rc=0; y import bindings "$work/sixth.csv" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 2 ] && grep -qF "sixth.csv:2: member_psn_no: member P0011 would have 5 holders at 2020-06-01 00:00:00" "$work/err" ||
    fail "a fifth over registered bindings: exit $rc: $(cat "$work/err")"
# a holder of four members bound as a member once has one holder, not
# five: the bindings it holds are not its holders
printf '%s\n' "$B" "P0201,P0202,child,2020-01-01," "P0201,P0203,child,2020-01-01," "P0201,P0204,child,2020-01-01," \
    "P0201,P0205,child,2020-01-01," "P0002,P0201,parent,2020-01-01," >"$work/holds.csv"
y import bindings "$work/holds.csv" >/dev/null 2>"$work/err" || fail "a holder bound as a member: $(cat "$work/err")"

# a change with who and why: an open episode closed, an employer no longer struggling
printf '%s\n' "$E" "P0002,310,440900,in_service,2019-09,2020-12,transfer_in,retirement" \
    "P0002,310,440900,retired,2021-01,,retirement," >"$work/close.csv"
y import episodes "$work/close.csv" >/dev/null 2>"$work/err" && fail "closing an episode without who and why was imported"
grep -q "close.csv:2: to_month: registered already as '': changing it needs --operator and --reason" "$work/err" || fail "close: $(cat "$work/err")"
y import episodes "$work/close.csv" --operator alice --reason "retired 2021-01" >"$work/out" 2>"$work/err" || fail "close with a note: $(cat "$work/err")"
grep -q "imported 2 episodes (1 edited, 0 unchanged)" "$work/out" || fail "close: $(cat "$work/out")"
[ "$(y show journal --json --limit 1000 | jq -r '.journal[-1].note')" = "alice: retired 2021-01" ] || fail "the record's note"
[ "$(y show person P0002 --json | jq -c '[.episodes[] | .to_month]')" = '["2019-06","2020-12",""]' ] || fail "closed: $(y show person P0002)"
out=$(y check) || fail "check after the edits: $out"
out=$(y check --deep) || fail "check --deep: $out"

# changed outside yibao: the table, then the kept file
seq=$(y show journal --json --limit 1000 | jq -r '.journal[-1].seq')
sql "UPDATE enrol_episodes SET to_month = '2030-12' WHERE psn_no = 'P0003'" >/dev/null
rc=0; y check >"$work/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "check of a changed episode exited $rc: $(cat "$work/out")"
grep -q "registry: the episodes table differs from what import seq $seq recorded: changed outside yibao" "$work/out" ||
    fail "check of a changed episode: $(cat "$work/out")"
sql "UPDATE enrol_episodes SET to_month = '2019-12' WHERE psn_no = 'P0003'" >/dev/null
out=$(y check) || fail "check after the row was put back: $out"
if [ "$SVC_BACKEND" = pg ]; then
    sql "UPDATE journal_data SET data = data || '\\x0a'::bytea WHERE seq = $seq" >/dev/null
else
    sql "UPDATE journal_data SET data = data || X'0a' WHERE seq = $seq" >/dev/null
fi
rc=0; y check >"$work/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "check of a changed kept file exited $rc: $(cat "$work/out")"
grep -q "journal seq $seq: its imported file does not hash to what the record says" "$work/out" ||
    fail "check of a changed kept file: $(cat "$work/out")"
echo "t_enrol_import ($SVC_BACKEND): ok"
