#!/usr/bin/env bash
# t_collections.sh: collections against the contribution runs' receivables
# and their arrears (issue 16 item 2; docs/CONTRIBUTIONS.md "Collections")
# on a 2,000-person generated city with its enrolment files
# (tests/enrol_city.py, as t_premium.sh): two employee months and the
# resident year contributed; the tax bureau's collection file of employers
# (emp_no,month,amount,paid_date) and of flexible workers (psn_no,...):
# bad files refused whole naming FILE:LINE: column (header, a negative
# amount, 3 decimals, an unknown employer or person, a month not YYYY-MM,
# a month not run, an overpayment, over two rows, a repeated row, an
# employee's month in a flexible file), exit 2, nothing written; good files
# collected (an employer's month in two parts, a flexible worker's month in
# full) posting C:emp|psn:<region>:<year> -> R:emp|psn; imported again
# refused; `collect-subsidy` pays finance's R:fin in part, refused beyond
# it; `report arrears --employers` (json, csv, table) against the ledger's
# postings: every period's charge is what its receivable paid out, paid and
# owed add up, the totals too; the trial balance ties and lists the
# collection accounts; `check` and `check --deep` pass. Both backends
# (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

enrol_city_store 2020-01,2020-02,2020-03
for m in 2020-01 2020-02; do y contribute --month $m >/dev/null || fail "contribute $m"; done
y contribute --year 2020 --residents >/dev/null || fail "contribute residents"

balance() { sql "SELECT coalesce(sum(balance), 0) FROM accounts WHERE account = '$1'"; }
# what a period's runs charged a receivable: the postings it paid out
charged() { # ACCOUNT MSGID-PATTERN
    sql "SELECT coalesce(sum(p.amount), 0) FROM postings p JOIN journal j ON j.seq = p.seq WHERE p.credit = '$1' AND j.msgid LIKE '$2'"
}
E=E00001 E2=E00002
C1=$(charged R:emp:$E 'contrib/310/2020-01/%')
C2=$(charged R:emp:$E2 'contrib/310/2020-01/%')
[ "$C1" -gt 1000 ] && [ "$C2" -gt 1000 ] || fail "employers $E, $E2 charged: $C1, $C2"
F=$(sql "SELECT psn_no FROM journal WHERE msgid LIKE 'contrib/310/2020-01/%' AND body LIKE '%category=flexible %' ORDER BY psn_no LIMIT 1")
[ -n "$F" ] || fail "no flexible worker"
FC=$(charged "R:psn:$F" "contrib/310/2020-01/$F")
W=$(sql "SELECT psn_no FROM journal WHERE msgid LIKE 'contrib/310/2020-01/%' AND body LIKE '%emp=$E %' ORDER BY psn_no LIMIT 1")
RT=$(sql "SELECT psn_no FROM journal WHERE msgid LIKE 'contrib/310/2020-01/%' AND body LIKE '%category=retired %' ORDER BY psn_no LIMIT 1")
[ -n "$RT" ] || fail "no retiree"
yuan() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }

before=$(records)
refuse_file() { refuse_import collections col.csv "$@"; } # MESSAGE CSV-ROWS...
hdr=emp_no,month,amount,paid_date
ok1="$E,2020-01,100.00,2020-02-15"
refuse_file "col.csv:1: header: not emp_no,month,amount,paid_date nor psn_no,month,amount,paid_date" \
    "emp_no,month,amount" "$E,2020-01,100"
refuse_file "col.csv:3: amount: " $hdr "$ok1" "$E2,2020-01,-5,2020-02-15"
refuse_file "col.csv:3: amount: " $hdr "$ok1" "$E2,2020-01,1.001,2020-02-15"
refuse_file "col.csv:3: amount: not more than 0" $hdr "$ok1" "$E2,2020-01,0,2020-02-15"
refuse_file "col.csv:3: emp_no: employer NOBODY is not registered" $hdr "$ok1" "NOBODY,2020-01,1,2020-02-15"
refuse_file "col.csv:2: month: not a month YYYY-MM" $hdr "$E,2020-1,100,2020-02-15"
refuse_file "col.csv:2: month: not a month YYYY-MM" $hdr "$E,2020-13,100,2020-02-15"
refuse_file "col.csv:2: paid_date: not a date YYYY-MM-DD" $hdr "$E,2020-01,100,2020-02-30"
refuse_file "col.csv:3: month: 2020-03 has no contribution run (run yibao contribute --month 2020-03 first)" \
    $hdr "$ok1" "$E,2020-03,100,2020-04-15"
refuse_file "col.csv:2: amount: $(yuan $((C1 + 1))) yuan is more than employer $E owes for 2020-01, $(yuan "$C1") yuan" \
    $hdr "$E,2020-01,$(yuan $((C1 + 1))),2020-02-15"
refuse_file "col.csv:3: amount: $(yuan $((C1 - 9999))) yuan is more than employer $E owes for 2020-01, $(yuan $((C1 - 10000))) yuan (charged $(yuan "$C1"), collected 100.00)" \
    $hdr "$ok1" "$E,2020-01,$(yuan $((C1 - 9999))),2020-02-16"
refuse_file "col.csv:3: row: the same payment as line 2 (emp_no, month, paid_date): in the file twice" \
    $hdr "$ok1" "$ok1"
refuse_file "col.csv:2: row: not 4 fields" $hdr "$E,2020-01,100"
refuse_file "col.csv: no payments in the file" $hdr
refuse_file "col.csv:2: psn_no: person NOBODY is not registered" psn_no,month,amount,paid_date "NOBODY,2020-01,1,2020-02-01"
refuse_file "col.csv:2: psn_no: $W's contribution of 2020-01 is owed by employer $E" \
    psn_no,month,amount,paid_date "$W,2020-01,1,2020-02-01"
refuse_file "col.csv:2: psn_no: flexible $RT was charged nothing for 2020-01" psn_no,month,amount,paid_date "$RT,2020-01,1,2020-02-01"
refuse_file "col.csv:2: month: 2019-12 has no contribution run" psn_no,month,amount,paid_date "$F,2019-12,1,2020-02-01"

# ---- collected: E's January in two parts (the rest on another day), E2 in
# part, the flexible worker's January in full
printf '%s\n' $hdr "$ok1" "$E,2020-01,$(yuan $((C1 - 10000))),2020-02-20" "$E2,2020-01,500,2020-02-15" >"$work/emp.csv"
out=$(y import collections "$work/emp.csv") || fail "import collections: $out"
grep -q "^imported 3 employer payments from $work/emp.csv in [0-9.]* s: 3 collected, $(yuan $((C1 + 50000))) yuan$" <<<"$out" ||
    fail "import collections: $out"
printf '%s\n' psn_no,month,amount,paid_date "$F,2020-01,$(yuan "$FC"),2020-02-10" >"$work/flex.csv"
out=$(y import collections "$work/flex.csv") || fail "import flexible: $out"
grep -qF "1 collected, $(yuan "$FC") yuan" <<<"$out" || fail "import flexible: $out"
C1b=$(charged R:emp:$E 'contrib/310/2020-02/%')
C2b=$(charged R:emp:$E2 'contrib/310/2020-02/%')
[ "$(balance R:emp:$E)" = "-$C1b" ] || fail "R:emp:$E: $(balance R:emp:$E), not -$C1b (January paid)"
[ "$(balance R:emp:$E2)" = "$((50000 - C2 - C2b))" ] || fail "R:emp:$E2: $(balance R:emp:$E2)"
[ "$(balance C:emp:440900:2020)" = "-$((C1 + 50000))" ] || fail "C:emp: $(balance C:emp:440900:2020)"
[ "$(balance C:psn:440900:2020)" = "-$FC" ] || fail "C:psn: $(balance C:psn:440900:2020)"
[ "$(sql "SELECT count(*) FROM journal WHERE msgid LIKE 'collect/emp/%'")" = 3 ] || fail "three employer records"
before=$(records)
refuse_file "col.csv:2: paid_date: $E's payment of 2020-02-15 is collected already (journal seq" $hdr "$ok1"
refuse_file "col.csv:2: amount: 0.01 yuan is more than employer $E owes for 2020-01, 0.00 yuan" $hdr "$E,2020-01,0.01,2020-03-01"
refuse_file "col.csv:2: amount: 0.01 yuan is more than flexible $F owes for 2020-01, 0.00 yuan" \
    psn_no,month,amount,paid_date "$F,2020-01,0.01,2020-03-01"

# ---- finance's subsidy
S=$(charged R:fin:440900:2020 'contrib/390/2020/%')
[ "$S" -gt 100000 ] || fail "subsidy charged: $S"
refuse_sub() { # MESSAGE ARGS...
    local want=$1
    shift
    y collect-subsidy "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    [ "$rc" = 2 ] || fail "collect-subsidy $*: exit $rc, not 2: $(cat "$work/out" "$work/err")"
    grep -qF -- "$want" "$work/err" || fail "collect-subsidy $*: no '$want' in: $(cat "$work/err")"
    [ "$(records)" = "$before" ] || fail "collect-subsidy $*: the journal changed"
}
refuse_sub "usage: yibao collect-subsidy" --region 440900 --year 2020
refuse_sub "--amount '-1': " --region 440900 --year 2020 --amount -1
refuse_sub "--amount '1.001': " --region 440900 --year 2020 --amount 1.001
refuse_sub "--year '20': not a year YYYY" --region 440900 --year 20 --amount 1
refuse_sub "--date '2020-02-30': not a date YYYY-MM-DD" --region 440900 --year 2020 --amount 1 --date 2020-02-30
refuse_sub "--year: 2021 has no contribution run (run yibao contribute --year 2021 --residents first)" \
    --region 440900 --year 2021 --amount 1 --date 2021-06-30
refuse_sub "--region: finance 999999 was charged nothing for 2020" --region 999999 --year 2020 --amount 1 --date 2020-06-30
refuse_sub "--amount: $(yuan $((S + 1))) yuan is more than finance 440900 owes for 2020, $(yuan "$S") yuan" \
    --region 440900 --year 2020 --amount "$(yuan $((S + 1)))" --date 2020-06-30
out=$(y collect-subsidy --region 440900 --year 2020 --amount 1000 --date 2020-06-30) || fail "collect-subsidy: $out"
grep -qF "collect-subsidy 440900 2020: 1000.00 yuan collected, C:fin:440900:2020 -> R:fin:440900:2020 (journal seq" <<<"$out" ||
    fail "collect-subsidy: $out"
grep -qF "still owed $(yuan $((S - 100000))) yuan" <<<"$out" || fail "collect-subsidy owed: $out"
[ "$(balance R:fin:440900:2020)" = "-$((S - 100000))" ] || fail "R:fin: $(balance R:fin:440900:2020)"
before=$(records)
refuse_sub "--date: 440900's payment of 2020-06-30 is collected already" --region 440900 --year 2020 --amount 1 --date 2020-06-30

# ---- arrears: each period against the ledger
y report arrears --employers --year 2020 --format json >"$work/ar.json" || fail "report arrears --employers"
sql "SELECT p.credit, j.msgid, p.amount FROM postings p JOIN journal j ON j.seq = p.seq WHERE j.msgid LIKE 'contrib/%' AND (p.credit LIKE 'R:emp:%' OR p.credit LIKE 'R:psn:%' OR p.credit LIKE 'R:fin:%')" >"$work/charges.txt"
sql "SELECT p.debit, j.msgid, p.amount FROM postings p JOIN journal j ON j.seq = p.seq WHERE j.msgid LIKE 'collect/%'" >"$work/paid.txt"
python3 - "$work/ar.json" "$work/charges.txt" "$work/paid.txt" <<'EOF' || fail "arrears --employers against the ledger"
import json, sys
a = json.load(open(sys.argv[1]))
fen = lambda x: round(float(x) * 100)
def key(account, msgid):
    parts = msgid.split("/")
    if account.startswith("R:fin:"):
        return ("finance", account.split(":")[2], parts[2] if parts[0] == "contrib" else parts[3])
    payer = "employer" if account.startswith("R:emp:") else "flexible"
    period = parts[2] if parts[0] == "contrib" else parts[3]
    return (payer, account.split(":")[2], period)
charged, paid = {}, {}
for line in open(sys.argv[2]):
    acct, msgid, amount = line.rstrip("\n").split("|")
    if acct.startswith("R:psn:") and msgid.startswith("contrib/390/"):
        continue  # residents' own premiums: report arrears without --employers
    k = key(acct, msgid)
    charged[k] = charged.get(k, 0) + int(amount)
for line in open(sys.argv[3]):
    acct, msgid, amount = line.rstrip("\n").split("|")
    k = key(acct, msgid)
    paid[k] = paid.get(k, 0) + int(amount)
got = {(l["payer"], l["who"], l["period"]): l for l in a["lines"]}
assert set(got) == set(charged), (len(got), len(charged), set(got) ^ set(charged))
for k, l in got.items():
    assert fen(l["charged"]) == charged[k], (k, l)
    assert fen(l["paid"]) == paid.get(k, 0), (k, l)
    assert fen(l["owed"]) == charged[k] - paid.get(k, 0), (k, l)
assert set(paid) <= set(charged)
assert fen(a["charged"]) == sum(charged.values())
assert fen(a["paid"]) == sum(paid.values())
assert fen(a["owed"]) == fen(a["charged"]) - fen(a["paid"])
assert a["owing_count"] == sum(1 for k in charged if charged[k] > paid.get(k, 0))
assert [l["payer"] for l in a["lines"]] == sorted((l["payer"] for l in a["lines"]),
                                                  key=["employer", "flexible", "finance"].index)
assert any(l["payer"] == "finance" for l in a["lines"])
EOF
out=$(y report arrears --employers --year 2020 --format csv) || fail "arrears csv"
[ "$(head -1 <<<"$out")" = "payer,who,region,period,charged,paid,owed" ] || fail "csv header: $(head -1 <<<"$out")"
grep -qx "employer,$E,440900,2020-01,$(yuan "$C1"),$(yuan "$C1"),0.00" <<<"$out" || fail "csv row of $E: $(grep "$E," <<<"$out")"
grep -qx "flexible,$F,440900,2020-01,$(yuan "$FC"),$(yuan "$FC"),0.00" <<<"$out" || fail "csv row of $F"
grep -q "^total,,,,[0-9]*\.[0-9][0-9],[0-9]*\.[0-9][0-9],[0-9]*\.[0-9][0-9]$" <<<"$out" || fail "csv total: $(tail -1 <<<"$out")"
out=$(y report arrears --employers --year 2020) || fail "arrears table"
grep -q "^arrears 2020 (employers, flexible workers, finance): [0-9]* periods owe [0-9.]* yuan" <<<"$out" ||
    fail "arrears table: $(head -1 <<<"$out")"
out=$(y report arrears --employers --year 2019 --format json) || fail "arrears 2019"
[ "$(jq -c '[.owing_count, .lines]' <<<"$out")" = '[0,[]]' ] || fail "2019: $out"

# ---- the books
tb=$(y report trial-balance --format json) || fail "trial balance"
for acct in C:emp:440900:2020 C:psn:440900:2020 C:fin:440900:2020; do
    jq -e --arg a "$acct" '[.lines[] | select(.account == $a and .class == "premium collections")] | length == 1' <<<"$tb" >/dev/null ||
        fail "trial balance lists no $acct"
done
jq -e '.debit == .credit' <<<"$tb" >/dev/null || fail "trial balance does not tie: $(jq -c '{debit,credit}' <<<"$tb")"
out=$(y check) || fail "check: $out"
out=$(y check --deep) || fail "check --deep: $out"
echo "ok: t_collections ($SVC_BACKEND)"
