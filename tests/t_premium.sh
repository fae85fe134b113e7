#!/usr/bin/env bash
# t_premium.sh: residents' premiums paid and the arrears (issue 16 item 2;
# FUNDS.md §3, §5; docs/CONTRIBUTIONS.md "Premiums paid") on a 2,000-person
# generated city with its enrolment files (tests/enrol_city.py): the
# resident year and an employee month contributed; bad input and every
# refusal of `yibao pay-premium` exits 2 naming the field or the code
# (E_WINDOW, E_CATEGORY, E_BINDING, E_ACCOUNT_SHORT), nothing written; two
# premiums paid in cash (C:<region>:2020 -> R:psn), one from a bound
# holder's account (P:<holder> -> R:psn), the holder's second member then
# short; a second payment refused; the collection file (`import
# premiums`): ten bad files refused whole naming FILE:LINE: column, a good
# one of two rows paid, again refused; `report arrears` lists exactly the
# residents whose own premium is due and unpaid, each with the ledger's
# R:psn balance, and its totals add up; the trial balance ties; `check`
# and `check --deep` pass. Both backends (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

enrol_city_store 2020-01
y contribute --year 2020 --residents >/dev/null || fail "contribute residents"
y contribute --month 2020-01 >/dev/null || fail "contribute 2020-01"

# the persons: adults owing 280.00, holders in service with 280.00-559.99
# in their account after January, an employee
adults=$(sql "SELECT psn_no FROM journal WHERE msgid LIKE 'contrib/390/2020/%' AND body LIKE '%category=adult flags=0 %own=28000 %' ORDER BY psn_no LIMIT 8")
read -r -d '' R1 R2 M1 M2 M3 N F1 F2 <<<"$adults"
[ -n "$F2" ] || fail "eight adults owing 280.00: $adults"
holders=$(sql "SELECT a.account FROM accounts a JOIN persons p ON a.account = 'P:' || p.psn_no WHERE p.insutype = 310 AND a.balance BETWEEN 28000 AND 55999 ORDER BY a.account LIMIT 2")
read -r -d '' H H2 <<<"$holders"
H=${H#P:} H2=${H2#P:}
[ -n "$H2" ] || fail "two holders with 280.00-559.99: $holders"
E=$(sql "SELECT psn_no FROM persons WHERE insutype = 310 ORDER BY psn_no LIMIT 1")
balance() { sql "SELECT coalesce(sum(balance), 0) FROM accounts WHERE account = '$1'"; }
hb=$(balance "P:$H")
cat >"$work/bindings.csv" <<EOF
holder_psn_no,member_psn_no,relation,valid_from,revoked_at
$H,$M1,spouse,2019-01-01,
$H,$M2,child,2019-01-01,
$H2,$M3,parent,2020-06-01,
EOF
y import bindings "$work/bindings.csv" >/dev/null 2>"$work/err" || fail "import bindings: $(cat "$work/err")"

before=$(records)
refuse() { # MESSAGE ARGS...
    local want=$1
    shift
    y pay-premium "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    [ "$rc" = 2 ] || fail "pay-premium $*: exit $rc, not 2: $(cat "$work/out" "$work/err")"
    grep -qF -- "$want" "$work/err" || fail "pay-premium $*: no '$want' in: $(cat "$work/err")"
    [ "$(records)" = "$before" ] || fail "pay-premium $*: the journal changed"
}
refuse "usage: yibao pay-premium" --psn "$R1" --amount 280
refuse "--year '20': not a year YYYY" --psn "$R1" --year 20 --amount 280
refuse "--amount '28x': " --psn "$R1" --year 2020 --amount 28x
refuse "--amount '280.001': " --psn "$R1" --year 2020 --amount 280.001
refuse "--amount '-280': " --psn "$R1" --year 2020 --amount -280
refuse "--amount: 100.00 yuan is not the own premium due, 280.00 yuan (a premium is paid in full: partial payments are not taken)" \
    --psn "$R1" --year 2020 --amount 100 --date 2019-10-01
refuse "--date: '2019-13-01' is not a date" --psn "$R1" --year 2020 --amount 280 --date 2019-13-01
refuse "E_WINDOW: --date: the premium of 2020 is paid from 2019-09-01 to 2020-12-31" \
    --psn "$R1" --year 2020 --amount 280 --date 2019-08-31
refuse "E_WINDOW" --psn "$R1" --year 2020 --amount 280 --date 2021-01-01
refuse "psn_no: person NOBODY is not registered" --psn NOBODY --year 2020 --amount 280
refuse "has no resident premium posted for 2021" --psn "$R1" --year 2021 --amount 280 --date 2020-10-01
refuse "E_CATEGORY: $E is not a resident" --psn "$E" --year 2020 --amount 280 --date 2019-10-01
refuse "E_BINDING: $N is not bound to holder $H" --psn "$N" --year 2020 --amount 280 --date 2019-10-01 --from-account "$H"
refuse "E_BINDING: holder $H2 (account" --psn "$M3" --year 2020 --amount 280 --date 2019-10-01 --from-account "$H2"
refuse "E_BINDING: --from-account: $M1 cannot be their own holder" --psn "$M1" --year 2020 --amount 280 --date 2019-10-01 --from-account "$M1"
refuse "E_BINDING: --from-account: holder NOBODY is not registered" --psn "$M1" --year 2020 --amount 280 --date 2019-10-01 --from-account NOBODY

# ---- paid: two in cash, one from the holder's account
for p in "$R1" "$R2"; do
    out=$(y pay-premium --psn "$p" --year 2020 --amount 280.00 --date 2019-10-15) || fail "pay $p: $out"
    grep -qF "pay-premium $p 2020: 280.00 yuan paid, C:440900:2020 -> R:psn:$p (journal seq" <<<"$out" || fail "pay $p: $out"
done
out=$(y pay-premium --psn "$M1" --year 2020 --amount 280 --date 2020-03-01 --from-account "$H") || fail "pay $M1 from $H: $out"
grep -qF "280.00 yuan paid, P:$H -> R:psn:$M1" <<<"$out" || fail "from the account: $out"
[ "$(balance "P:$H")" = $((hb - 28000)) ] || fail "holder $H: $(balance "P:$H"), not $hb - 28000"
for p in "$R1" "$R2" "$M1"; do [ "$(balance "R:psn:$p")" = 0 ] || fail "R:psn:$p not cleared: $(balance "R:psn:$p")"; done
[ "$(balance C:440900:2020)" = -56000 ] || fail "collections: $(balance C:440900:2020)"
before=$(records)
refuse "E_ACCOUNT_SHORT: holder $H (account $(printf '%d.%02d' $(((hb - 28000) / 100)) $(((hb - 28000) % 100))) yuan)" \
    --psn "$M2" --year 2020 --amount 280 --date 2020-03-01 --from-account "$H"
refuse "psn_no: $R1 paid the premium of 2020 already (journal seq" --psn "$R1" --year 2020 --amount 280 --date 2019-10-16
refuse "psn_no: $M1 paid the premium of 2020 already" --psn "$M1" --year 2020 --amount 280 --date 2019-10-16
[ "$(sql "SELECT count(*) FROM journal WHERE msgid LIKE 'premium/390/2020/%'")" = 3 ] || fail "three payment records"

# ---- the collection file: every row or none, FILE:LINE: column: what
refuse_file() { refuse_import premiums premiums.csv "$@"; } # MESSAGE CSV-ROWS...
hdr=psn_no,year,amount,paid_date
refuse_file "premiums.csv:1: header: not psn_no,year,amount,paid_date" "psn_no,year,amount" "$F1,2020,280"
refuse_file "premiums.csv:3: amount: 100.00 yuan is not the own premium due, 280.00 yuan" $hdr "$F1,2020,280.00,2019-11-01" "$F2,2020,100,2019-11-01"
refuse_file "premiums.csv:3: amount: " $hdr "$F1,2020,280.00,2019-11-01" "$F2,2020,2.8.0,2019-11-01"
refuse_file "premiums.csv:2: year: not a year YYYY" $hdr "$F1,20,280.00,2019-11-01"
refuse_file "premiums.csv:2: paid_date: not a date YYYY-MM-DD" $hdr "$F1,2020,280.00,2019/11/01"
refuse_file "premiums.csv:2: paid_date: E_WINDOW: the premium of 2020 is paid from 2019-09-01" $hdr "$F1,2020,280.00,2019-07-01"
refuse_file "premiums.csv:3: psn_no: $F1's premium of 2020 is in the file twice" $hdr "$F1,2020,280.00,2019-11-01" "$F1,2020,280.00,2019-11-02"
refuse_file "premiums.csv:3: psn_no: $R1 paid the premium of 2020 already" $hdr "$F1,2020,280.00,2019-11-01" "$R1,2020,280.00,2019-11-02"
refuse_file "premiums.csv:2: row: not 4 fields" $hdr "$F1,2020,280.00"
refuse_file "premiums.csv: no premiums in the file" $hdr
printf '%s\n' $hdr "$F1,2020,280.00,2019-11-01" "$F2,2020,280,2020-02-29" >"$work/premiums.csv"
out=$(y import premiums "$work/premiums.csv") || fail "import premiums: $out"
grep -q "^imported 2 premiums from $work/premiums.csv in [0-9.]* s: 2 paid, 560.00 yuan$" <<<"$out" || fail "import premiums: $out"
for p in "$F1" "$F2"; do [ "$(balance "R:psn:$p")" = 0 ] || fail "R:psn:$p not cleared by the file"; done
[ "$(balance C:440900:2020)" = -112000 ] || fail "collections after the file: $(balance C:440900:2020)"
before=$(records)
refuse_file "premiums.csv:2: psn_no: $F1 paid the premium of 2020 already" $hdr "$F1,2020,280.00,2019-11-01"

# ---- arrears: exactly the residents due and unpaid, each with its R:psn balance
y report arrears --year 2020 --format json >"$work/arrears.json" || fail "report arrears"
sql "SELECT psn_no, body FROM journal WHERE msgid LIKE 'contrib/390/2020/%'" >"$work/due.txt"
sql "SELECT account, balance FROM accounts WHERE account LIKE 'R:psn:%'" >"$work/rpsn.txt"
python3 - "$work/arrears.json" "$work/due.txt" "$work/rpsn.txt" "$R1,$R2,$M1,$F1,$F2" "$M2" <<'EOF' || fail "arrears"
import json, re, sys
a = json.load(open(sys.argv[1]))
due = {}
for line in open(sys.argv[2]):
    psn, body = line.rstrip("\n").split("|", 1)
    own = int(re.search(r" own=(\d+) ", body).group(1))
    if own:
        due[psn] = own
paid = set(sys.argv[4].split(","))
bal = dict((l.split("|")[0][6:], int(l.split("|")[1])) for l in open(sys.argv[3]))
rows = a["arrears"]
got = [r["psn_no"] for r in rows]
want = sorted(p for p in due if p not in paid)
assert got == want, (len(got), len(want))
assert sys.argv[5] in got
fen = lambda x: round(float(x) * 100)  # the JSON's two decimals
for r in rows:
    assert fen(r["own_premium"]) == due[r["psn_no"]], r
    # residents post only their year here: the receivable is exactly what is unpaid
    assert bal[r["psn_no"]] == -due[r["psn_no"]], (r, bal[r["psn_no"]])
for p in paid:
    assert bal.get(p, 0) == 0, p
assert a["due_count"] == len(due) and a["paid_count"] == 5 and a["unpaid_count"] == len(want)
assert fen(a["due"]) == sum(due.values()) and fen(a["paid"]) == 5 * 28000
assert fen(a["unpaid"]) == sum(due[p] for p in want) == fen(a["due"]) - fen(a["paid"])
EOF
out=$(y report arrears --year 2020) || fail "arrears table"
grep -q "^arrears 2020: [0-9]* residents owe [0-9.]* yuan" <<<"$out" || fail "arrears table: $(head -2 <<<"$out")"
grep -q "^$M2 " <<<"$out" || fail "arrears table without $M2"
if grep -q "^$R1 " <<<"$out"; then fail "arrears table lists the paid $R1"; fi
out=$(y report arrears --year 2020 --format csv) || fail "arrears csv"
[ "$(head -1 <<<"$out")" = "psn_no,region,category,own_premium,due_seq" ] || fail "csv header: $(head -1 <<<"$out")"
grep -q "^$M2,440900,adult,280.00," <<<"$out" || fail "csv row of $M2"
grep -q "^total,,,[0-9]*\.[0-9][0-9],$" <<<"$out" || fail "csv total: $(tail -1 <<<"$out")"
out=$(y report arrears --year 2019 --format json) || fail "arrears 2019"
[ "$(jq -c '[.due_count, .unpaid_count, .arrears]' <<<"$out")" = '[0,0,[]]' ] || fail "2019: $out"
if y report arrears --year 20x >/dev/null 2>&1; then fail "report arrears --year 20x"; fi

# ---- the books
tb=$(y report trial-balance --format json) || fail "trial balance"
jq -e '[.lines[] | select(.account == "C:440900:2020" and .class == "premium collections" and .balance == -1120)] | length == 1' <<<"$tb" >/dev/null ||
    fail "trial balance: C:440900:2020: $tb"
jq -e '.debit == .credit' <<<"$tb" >/dev/null || fail "trial balance does not tie: $(jq -c '{debit,credit}' <<<"$tb")"
y report funds --year 2020 --format json >/dev/null 2>&1
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "report funds: exit $rc"
out=$(y check) || fail "check: $out"
out=$(y check --deep) || fail "check --deep: $out"
echo "ok: t_premium ($SVC_BACKEND)"
