#!/usr/bin/env bash
# t_contribute.sh: the contribution runs (issue 16 item 2;
# docs/CONTRIBUTIONS.md) on a 2,000-person generated city with its
# enrolment files (tests/enrol_city.py): refusals first (a month not
# YYYY-MM, --year without --residents, a policy without a funding section:
# exit 2, nothing written); two employee months and the residents' year,
# each compared with an independent computation (tests/ref/contrib_expect.py:
# the counts, the run's sums, and each account class's net postings summed
# from the ledger in SQL); a second run of each posts nothing and says so;
# two runs of one month at once post each person once between them; one
# record per person and period; `check` and `check --deep` pass; a changed
# record fails `check`. Both
# backends (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

city=$work/city
pols=("$root/policies/maoming-2020-employee.json" "$root/policies/maoming-2020-resident.json")
"$YIBAO" gen city --persons 2000 --out "$city" --registry-only >/dev/null || fail "gen city"
# the generator writes its own enrolment files; these runs use enrol_city.py's
rm -f "$city"/employers*.csv "$city"/episodes*.csv "$city"/wages*.csv "$city"/bindings*.csv
python3 "$root/tests/enrol_city.py" "$city" --months 2020-01,2020-02,2020-03,2021-01 || fail "enrol_city.py"
y import institutions "$city/institutions.csv" >/dev/null || fail "import institutions"
y import policy "${pols[@]}" >/dev/null || fail "import policy"
# a 2021 employee policy without a funding section (FUNDS.md §1: optional)
python3 - "${pols[0]}" "$work/emp2021.json" <<'EOF' || fail "the 2021 policy"
import json, sys
p = json.load(open(sys.argv[1]))
del p["funding"]
p["year"] = 2021
p["id"] = p["id"] + "-2021-nofunding"
json.dump(p, open(sys.argv[2], "w"))
EOF
y import policy "$work/emp2021.json" >/dev/null || fail "import the 2021 policy"
y import persons "$city/persons.csv" >/dev/null || fail "import persons"
for k in employers episodes wages; do
    # shellcheck disable=SC2086
    y import "$k" $(ls "$city"/$k*.csv) >/dev/null 2>"$work/err" || fail "import $k: $(cat "$work/err")"
done
before=$(records)

# ---- refusals: exit 2, its own message, nothing written
refuse() { # MESSAGE ARGS...
    local want=$1
    shift
    y contribute "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    [ "$rc" = 2 ] || fail "contribute $*: exit $rc, not 2: $(cat "$work/out" "$work/err")"
    grep -qF -- "$want" "$work/err" || fail "contribute $*: no '$want' in: $(cat "$work/err")"
    [ "$(records)" = "$before" ] || fail "contribute $*: the journal changed"
}
refuse "--month '2020-3': not a month YYYY-MM" --month 2020-3
refuse "--month '2020-13': not a month YYYY-MM" --month 2020-13
refuse "--month '2020/03': not a month YYYY-MM" --month 2020/03
refuse "--month '20x0-01': not a month YYYY-MM" --month 20x0-01
refuse "--year '20': not a year YYYY" --year 20 --residents
refuse "--year goes with --residents" --year 2020
refuse "usage: yibao contribute" --month 2020-01 --year 2020 --residents
refuse "has no funding section" --month 2021-01

# ---- the runs, against the independent computation
ledger_sql() { # MSGID-PREFIX: each class's net over the period's postings
    local q="" c
    for c in F:hifp F:hifob F:hifmi F:maf P R:emp R:psn R:fin; do
        q="$q, COALESCE(SUM(CASE WHEN p.debit LIKE '$c:%' THEN p.amount ELSE 0 END), 0)"
        q="$q - COALESCE(SUM(CASE WHEN p.credit LIKE '$c:%' THEN p.amount ELSE 0 END), 0)"
    done
    sql "SELECT ${q#, } FROM postings p JOIN journal j ON j.seq = p.seq
         WHERE j.kind = 4 AND j.msgid LIKE '$1%'" |
        awk -F'|' '{printf "ledger: F:hifp=%s F:hifob=%s F:hifmi=%s F:maf=%s P=%s R:emp=%s R:psn=%s R:fin=%s\n", $1, $2, $3, $4, $5, $6, $7, $8}'
}
run_period() { # LABEL MSGID-PREFIX ARGS...
    local label=$1 prefix=$2
    shift 2
    python3 "$root/tests/ref/contrib_expect.py" "$city" "$@" "${pols[@]}" >"$work/expect" ||
        fail "contrib_expect.py $*"
    local posted refused skipped
    posted=$(sed -n 's/^counts: posted=\([0-9]*\).*/\1/p' "$work/expect")
    refused=$(sed -n 's/.* refused=\([0-9]*\).*/\1/p' "$work/expect")
    skipped=$(sed -n 's/.* not_enrolled=\([0-9]*\).*/\1/p' "$work/expect")
    [ "$posted" -gt 100 ] && [ "$refused" -gt 0 ] && [ "$skipped" -gt 0 ] ||
        fail "$label: the city plants too little: $(cat "$work/expect")"
    y contribute "$@" --verbose >"$work/out" 2>"$work/err" || fail "$label: $(cat "$work/out" "$work/err")"
    local g
    g=$(echo "$posted" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') # 1,241
    grep -q "^contribute $label: $g posted, 0 already posted, $refused refused, $skipped not enrolled" "$work/out" ||
        fail "$label: $(head -1 "$work/out") (expected $posted posted, $refused refused, $skipped not enrolled)"
    grep -qxF "$(grep '^posted (fen)' "$work/expect")" "$work/out" ||
        fail "$label: sums $(grep '^posted' "$work/out"), expected $(grep '^posted' "$work/expect")"
    [ "$(ledger_sql "$prefix")" = "$(grep '^ledger' "$work/expect")" ] ||
        fail "$label: the ledger's $(ledger_sql "$prefix"), expected $(grep '^ledger' "$work/expect")"
    [ "$(grep -c ': E_NOT_ENROLLED: ' "$work/err")" = "$skipped" ] || fail "$label: --verbose: $(cat "$work/err")"
    [ "$(grep -c ': E_[A-Z_]*: ' "$work/err")" = $((skipped + refused)) ] || fail "$label: --verbose lists"
    [ "$(sql "SELECT count(*) FROM journal WHERE kind = 4 AND msgid LIKE '$prefix%'")" = "$posted" ] ||
        fail "$label: records of the period"
    # the same run again: nothing posted, and it says so
    local n
    n=$(records)
    y contribute "$@" >"$work/out2" 2>&1 || fail "$label again: $(cat "$work/out2")"
    grep -q "^contribute $label: 0 posted, $g already posted, $refused refused, $skipped not enrolled" "$work/out2" ||
        fail "$label again: $(cat "$work/out2")"
    [ "$(records)" = "$n" ] || fail "$label again: the journal grew"
}
run_period 2020-03 contrib/310/2020-03/ --month 2020-03
run_period 2020-01 contrib/310/2020-01/ --month 2020-01
run_period 2020 contrib/390/2020/ --year 2020 --residents --batch 100

# two runs of one month at once: each batch reads what is posted inside its
# own write transaction, so each person is posted once between them
python3 "$root/tests/ref/contrib_expect.py" "$city" --month 2020-02 "${pols[@]}" >"$work/expect" || fail "expect 2020-02"
y contribute --month 2020-02 --batch 50 >"$work/a.out" 2>&1 &
pid=$!
y contribute --month 2020-02 --batch 70 >"$work/b.out" 2>&1 || fail "2020-02 (b): $(cat "$work/b.out")"
wait "$pid" || fail "2020-02 (a): $(cat "$work/a.out")"
want=$(sed -n 's/^counts: posted=\([0-9]*\).*/\1/p' "$work/expect")
a=$(sed -n 's/^contribute 2020-02: \([0-9,]*\) posted.*/\1/p' "$work/a.out" | tr -d ,)
b=$(sed -n 's/^contribute 2020-02: \([0-9,]*\) posted.*/\1/p' "$work/b.out" | tr -d ,)
[ $((a + b)) = "$want" ] || fail "2020-02 at once: $a + $b posted, expected $want"
[ "$(sql "SELECT count(*), count(DISTINCT psn_no) FROM journal WHERE kind = 4 AND msgid LIKE 'contrib/310/2020-02/%'")" = "$want|$want" ] ||
    fail "2020-02 at once: records"

# a retiree flagged contribution_short (a persons edit with who and why):
# no allocation that month (short=1, account 0), the others' as before
ret=$(sql "SELECT psn_no FROM journal WHERE kind = 4 AND msgid LIKE 'contrib/310/2020-03/%'
           AND body LIKE '% category=retired %' AND body NOT LIKE '% account=0 %' ORDER BY psn_no LIMIT 2")
short=$(sed -n 1p <<<"$ret") other=$(sed -n 2p <<<"$ret")
[ -n "$short" ] && [ -n "$other" ] || fail "no retirees posted in 2020-03"
{ head -1 "$city/persons.csv"; grep "^$short," "$city/persons.csv" | awk -F, -v OFS=, '{$8 = "contribution_short"; print}'; } >"$work/short.csv"
y import persons "$work/short.csv" --operator t --reason "lump sum unpaid" >/dev/null 2>"$work/err" ||
    fail "flag contribution_short: $(cat "$work/err")"
y contribute --month 2020-04 >/dev/null 2>&1 || fail "2020-04"
body() { sql "SELECT body FROM journal WHERE msgid = 'contrib/310/2020-04/$1'"; }
[[ "$(body "$short")" == *" short=1 "*" account=0 pool=0 "* ]] || fail "the short retiree: $(body "$short")"
[[ "$(body "$other")" == *" short=0 "* && "$(body "$other")" != *" account=0 "* ]] || fail "another retiree: $(body "$other")"

# one record per person and period, whatever ran
[ "$(sql "SELECT count(*) FROM (SELECT psn_no, year, substr(msgid, 1, 20) FROM journal WHERE kind = 4
          GROUP BY psn_no, year, substr(msgid, 1, 20) HAVING count(*) > 1) AS d")" = 0 ] ||
    fail "a person-period posted twice"
# the ledger balances: the accounts' balances (the runs moved the
# checkpoint to their last record) sum to 0
[ "$(sql "SELECT COALESCE(SUM(balance), 0) FROM accounts")" = 0 ] || fail "the balances do not sum to 0"
out=$(y check) || fail "check: $out"
out=$(y check --deep) || fail "check --deep: $out"
[[ "$out" == *"contributions computed again"* ]] || fail "check --deep: $out"
# a changed figure is found: the chain (the record's hash) and, with the
# hash recomputed, nothing else would; here the body is changed in SQL
seq=$(sql "SELECT min(seq) FROM journal WHERE kind = 4 AND msgid LIKE 'contrib/310/%' AND body LIKE '%category=in_service%'")
sql "UPDATE journal SET body = replace(body, ' pool=', ' pool=1') WHERE seq = $seq" >/dev/null
out=$(y check 2>&1) && fail "check passed a changed contribution record"
[[ "$out" == *"journal seq $seq:"* ]] || fail "check does not name seq $seq: $out"
echo "ok t_contribute ($SVC_BACKEND)"
