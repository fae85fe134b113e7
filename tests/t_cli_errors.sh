#!/usr/bin/env bash
# t_cli_errors.sh: bad input of every kind to `yibao settle` and `yibao
# conformance` gives a clear message on stderr naming the file or field and
# exit status 2 (1 for a vector that fails its checks) -- never a crash
# (status >= 128) or a hang (timeout 10). Then the happy path: settling
# vector 000's bill from hand-written files prints the vector's figures.
set -uo pipefail
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
yibao=${YIBAO:-$root/build/release/yibao}
status=0
fail() { echo "FAIL: $*"; status=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$yibao" ] || { echo "no yibao binary at $yibao"; exit 1; }
cd "$root" || exit 1

POL=policies/maoming-2020-resident.json
CAT=policies/catalog-conformance.json

cat > "$tmp/I.json" <<'JSON'
{"H0": {"type": "hospital", "level": "township"},
 "H3": {"type": "hospital", "level": "level3"},
 "P1": {"type": "pharmacy", "level": "pharmacy"}}
JSON
cat > "$tmp/P.json" <<'JSON'
{"psn_no": "P0001", "insutype": "390", "category": "adult", "flags": [],
 "benefit_start": "2000-01-01", "acct_balc": 0}
JSON
cat > "$tmp/bill.json" <<'JSON'
{"fixmedins_code": "H3", "med_type": "21", "begntime": "2020-03-02", "endtime": "2020-03-11",
 "dise_codg": "K35.8",
 "details": [
  {"feedetl_sn": "1", "med_list_codg": "SA01", "cnt": 8, "pric": 35.0, "det_item_fee_sumamt": 280.0},
  {"feedetl_sn": "2", "med_list_codg": "XA01", "cnt": 30, "pric": 1.2, "det_item_fee_sumamt": 36.0},
  {"feedetl_sn": "3", "med_list_codg": "XB01", "cnt": 20, "pric": 4.5, "det_item_fee_sumamt": 90.0},
  {"feedetl_sn": "4", "med_list_codg": "SB01", "cnt": 1, "pric": 280.0, "det_item_fee_sumamt": 280.0},
  {"feedetl_sn": "5", "med_list_codg": "XC01", "cnt": 2, "pric": 150.0, "det_item_fee_sumamt": 300.0},
  {"feedetl_sn": "6", "med_list_codg": "SA02", "cnt": 1, "pric": 2600.0, "det_item_fee_sumamt": 2600.0}
 ]}
JSON

# run NAME WANT_STATUS STDERR_SUBSTRING ARGS...: runs yibao with a timeout and
# checks status, that stderr contains the substring, and that it did not crash.
run() {
    local name=$1 want=$2 msg=$3; shift 3
    timeout 10 "$yibao" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -eq 124 ]; then fail "$name: hang (timeout)"; return; fi
    if [ "$rc" -ge 128 ]; then fail "$name: crash (status $rc): $(head -c 400 "$tmp/err")"; return; fi
    [ "$rc" -eq "$want" ] || fail "$name: status $rc, want $want; stderr: $(head -c 300 "$tmp/err")"
    [ -z "$msg" ] || grep -qF -- "$msg" "$tmp/err" || fail "$name: stderr lacks '$msg': $(head -c 300 "$tmp/err")"
}
settle_with_bill() { # name want msg bill-file
    run "$1" "$2" "$3" settle --policy "$POL" --catalog "$CAT" --institutions "$tmp/I.json" \
        --person "$tmp/P.json" "$4"
}
bill_text() { printf '%s' "$2" > "$tmp/$1"; echo "$tmp/$1"; }

# ---- settle: files and options ----
run "missing policy" 2 "$tmp/nope.json: cannot open" settle --policy "$tmp/nope.json" --catalog "$CAT" \
    --institutions "$tmp/I.json" --person "$tmp/P.json" "$tmp/bill.json"
run "missing catalog" 2 "$tmp/nope.json: cannot open" settle --policy "$POL" --catalog "$tmp/nope.json" \
    --institutions "$tmp/I.json" --person "$tmp/P.json" "$tmp/bill.json"
run "missing institutions" 2 "$tmp/nope.json: cannot open" settle --policy "$POL" --catalog "$CAT" \
    --institutions "$tmp/nope.json" --person "$tmp/P.json" "$tmp/bill.json"
run "missing person" 2 "$tmp/nope.json: cannot open" settle --policy "$POL" --catalog "$CAT" \
    --institutions "$tmp/I.json" --person "$tmp/nope.json" "$tmp/bill.json"
settle_with_bill "missing bill" 2 "$tmp/nope.json: cannot open" "$tmp/nope.json"
run "missing state" 2 "$tmp/nope.json: cannot open" settle --policy "$POL" --catalog "$CAT" \
    --institutions "$tmp/I.json" --person "$tmp/P.json" --state "$tmp/nope.json" "$tmp/bill.json"
# a policy file is one version: a bill ending before its valid_from has no rules in force
jq '.valid_from = "2020-07-01"' "$POL" >"$tmp/july.json"
run "a bill before the policy's valid_from" 2 \
    "refused: E_POLICY_YEAR: endtime is before the policy's valid_from 2020-07-01: no version of region 440900, year 2020, scheme 390 is in force then" \
    settle --policy "$tmp/july.json" --catalog "$CAT" --institutions "$tmp/I.json" --person "$tmp/P.json" "$tmp/bill.json"
jq '.begntime = "2020-07-01" | .endtime = "2020-07-10"' "$tmp/bill.json" >"$tmp/bill-july.json"
run "a bill on or after the policy's valid_from" 0 "" \
    settle --policy "$tmp/july.json" --catalog "$CAT" --institutions "$tmp/I.json" --person "$tmp/P.json" "$tmp/bill-july.json"
run "directory as bill" 2 "$tmp" settle --policy "$POL" --catalog "$CAT" --institutions "$tmp/I.json" \
    --person "$tmp/P.json" "$tmp"
run "unknown option" 2 "unexpected argument '--frobnicate'" settle --policy "$POL" --catalog "$CAT" \
    --institutions "$tmp/I.json" --person "$tmp/P.json" --frobnicate "$tmp/bill.json"
run "two bills" 2 "unexpected argument" settle --policy "$POL" --catalog "$CAT" \
    --institutions "$tmp/I.json" --person "$tmp/P.json" "$tmp/bill.json" "$tmp/bill.json"
run "missing --person" 2 "usage: yibao settle" settle --policy "$POL" --catalog "$CAT" \
    --institutions "$tmp/I.json" "$tmp/bill.json"
run "missing bill argument" 2 "usage: yibao settle" settle --policy "$POL" --catalog "$CAT" \
    --institutions "$tmp/I.json" --person "$tmp/P.json"
run "option without value" 2 "--policy needs a value" settle --catalog "$CAT" --policy
run "no options" 2 "usage: yibao settle" settle
run "unknown command" 2 "unknown command 'settel'" settel
run "no command" 2 "usage: yibao COMMAND" 

# ---- settle: bad JSON of every kind ----
: > "$tmp/empty.json"
settle_with_bill "empty bill" 2 "$tmp/empty.json: byte 0" "$tmp/empty.json"
settle_with_bill "malformed" 2 "malformed.json: byte" "$(bill_text malformed.json '{"fixmedins_code": H3}')"
head -c 200 "$tmp/bill.json" > "$tmp/truncated.json"
settle_with_bill "truncated" 2 "truncated.json: byte" "$tmp/truncated.json"
settle_with_bill "array" 2 "array.json: (bill): must be an object" "$(bill_text array.json '[1, 2]')"
settle_with_bill "med_type object" 2 "med_type: must be a string, not object" \
    "$(sed 's/"med_type": "21"/"med_type": {"code": "21"}/' "$tmp/bill.json" > "$tmp/mt.json"; echo "$tmp/mt.json")"
settle_with_bill "details string" 2 "details: must be an array" \
    "$(bill_text ds.json '{"fixmedins_code": "H3", "med_type": "21", "details": "none"}')"
settle_with_bill "line not object" 2 "details[0]: must be an object" \
    "$(bill_text lo.json '{"fixmedins_code": "H3", "med_type": "21", "details": [7]}')"
sed 's/"det_item_fee_sumamt": 36.0/"det_item_fee_sumamt": 1e400/' "$tmp/bill.json" > "$tmp/huge.json"
settle_with_bill "1e400 amount" 2 "refused: E_BAD_AMOUNT: line 2 (feedetl_sn '2'): det_item_fee_sumamt is not a decimal number within its precision and range" "$tmp/huge.json"
grep -qF '{"error":"E_BAD_AMOUNT","field":"det_item_fee_sumamt","line":1,"message":"E_BAD_AMOUNT: line 2 ' "$tmp/out" || fail "1e400: stdout $(cat "$tmp/out")"
sed 's/"det_item_fee_sumamt": 36.0/"det_item_fee_sumamt": 123456789012345678901234567890/' "$tmp/bill.json" > "$tmp/huge30.json"
settle_with_bill "30-digit amount" 2 "refused: E_BAD_AMOUNT: line 2 (feedetl_sn '2'): det_item_fee_sumamt is not a decimal" "$tmp/huge30.json"
sed 's/"cnt": 30,/"cnt": 1e400,/' "$tmp/bill.json" > "$tmp/hugecnt.json"
settle_with_bill "1e400 cnt" 2 "refused: E_BAD_AMOUNT: line 2 (feedetl_sn '2'): cnt is not a decimal" "$tmp/hugecnt.json"
sed 's/"det_item_fee_sumamt": 36.0/"det_item_fee_sumamt": "36.00"/' "$tmp/bill.json" > "$tmp/str.json"
settle_with_bill "amount as string" 2 "refused: E_BAD_AMOUNT" "$tmp/str.json"
sed 's/"feedetl_sn": "2"/"feedetl_sn": "1"/' "$tmp/bill.json" > "$tmp/dup.json"
settle_with_bill "duplicate line" 2 "refused: E_DUP_LINE: line 2 (feedetl_sn '1'): feedetl_sn '1' repeats an earlier line's" "$tmp/dup.json"
grep -qF '{"error":"E_DUP_LINE","field":"feedetl_sn","line":1,' "$tmp/out" || fail "dup: stdout $(cat "$tmp/out")"
sed 's/"H3", "med_type"/"H9", "med_type"/' "$tmp/bill.json" > "$tmp/inst.json"
settle_with_bill "unknown institution" 2 "refused: E_UNKNOWN_INSTITUTION: fixmedins_code is no designated institution" "$tmp/inst.json"
grep -qF '{"error":"E_UNKNOWN_INSTITUTION","field":"fixmedins_code","line":-1,"message":"E_UNKNOWN_INSTITUTION: fixmedins_code is no designated institution"}' "$tmp/out" || fail "inst: stdout $(cat "$tmp/out")"
sed 's/"endtime": "2020-03-11"/"endtime": "2021-03-11"/' "$tmp/bill.json" > "$tmp/year.json"
settle_with_bill "policy year" 2 "refused: E_POLICY_YEAR: endtime has no policy: region 440900, year 2021, scheme 390" "$tmp/year.json"
sed 's/"endtime": "2020-03-11"/"endtime": "2020-02-30"/' "$tmp/bill.json" > "$tmp/date.json"
settle_with_bill "bad date" 2 "refused: E_BAD_DATES: endtime or begntime is missing or not a date" "$tmp/date.json"
printf '%*s' 100000 '' | tr ' ' '[' > "$tmp/deep.json"
settle_with_bill "deep nesting" 2 "deep.json: byte" "$tmp/deep.json"
grep -qi "nesting deeper than 32" "$tmp/err" || fail "deep nesting: stderr does not mention depth: $(head -c 200 "$tmp/err")"
printf '{"fixmedins_code": "H\xff\xfe3", "med_type": "21"}' > "$tmp/utf8.json"
settle_with_bill "invalid UTF-8" 2 "utf8.json: byte" "$tmp/utf8.json"
grep -qi "utf-8" "$tmp/err" || fail "invalid UTF-8: stderr does not say UTF-8: $(head -c 200 "$tmp/err")"
{ printf '{"pad": "'; head -c $((20 * 1024 * 1024)) /dev/zero | tr '\0' 'a'; printf '"}'; } > "$tmp/big.json"
settle_with_bill "20 MB file" 2 "big.json: larger than" "$tmp/big.json"
# Bad world files name the file and the field.
printf '{"H3": {"type": "hospital", "level": "level9"}}' > "$tmp/I9.json"
run "bad institution level" 2 "I9.json: institutions.H3.level: unknown level 'level9'" settle --policy "$POL" \
    --catalog "$CAT" --institutions "$tmp/I9.json" --person "$tmp/P.json" "$tmp/bill.json"
sed 's/"adult"/"alien"/' "$tmp/P.json" > "$tmp/P9.json"
run "bad person" 2 "P9.json: category: unknown category 'alien'" settle --policy "$POL" --catalog "$CAT" \
    --institutions "$tmp/I.json" --person "$tmp/P9.json" "$tmp/bill.json"
sed 's/"level3": 0.65/"level9": 0.65/' "$POL" > "$tmp/pol9.json"
run "bad policy" 2 "pol9.json: basic.inpatient.ratio.level9: unknown level" settle --policy "$tmp/pol9.json" \
    --catalog "$CAT" --institutions "$tmp/I.json" --person "$tmp/P.json" "$tmp/bill.json"
run "policy as catalog" 2 "format: must be \"yibao-catalog/1\"" settle --policy "$POL" --catalog "$POL" \
    --institutions "$tmp/I.json" --person "$tmp/P.json" "$tmp/bill.json"
printf '{"basic_paid": -5}' > "$tmp/S.json"
run "bad state" 2 "S.json: state.basic_paid" settle --policy "$POL" --catalog "$CAT" \
    --institutions "$tmp/I.json" --person "$tmp/P.json" --state "$tmp/S.json" "$tmp/bill.json"

# ---- conformance ----
run "conformance no args" 2 "usage: yibao conformance" conformance
run "conformance missing path" 2 "$tmp/none: no such file or folder" conformance "$tmp/none"
mkdir -p "$tmp/v"
printf '{"format": "yibao-vector/1", "policy": ' > "$tmp/v/trunc.json"
run "conformance truncated vector" 1 "$tmp/v/trunc.json: byte" conformance "$tmp/v/trunc.json"
grep -qF "FAIL $tmp/v/trunc.json" "$tmp/out" || fail "truncated vector: no FAIL line"
printf '[]' > "$tmp/v/arr.json"
timeout 10 "$yibao" conformance "$tmp/v/arr.json" > "$tmp/out" 2>&1; rc=$?
[ "$rc" -eq 1 ] && grep -qF "FAIL $tmp/v/arr.json: format: must be" "$tmp/out" || fail "array vector: $rc $(cat "$tmp/out")"
printf '{"format": "yibao-vector/1", "policy": "nope.json", "catalog": "c.json", "steps": []}' > "$tmp/v/pol.json"
timeout 10 "$yibao" conformance "$tmp/v/pol.json" > "$tmp/out" 2>&1; rc=$?
[ "$rc" -eq 1 ] && grep -qF "nope.json: cannot open" "$tmp/out" || fail "vector with missing policy: $rc $(cat "$tmp/out")"
: > "$tmp/v/empty.json"
timeout 10 "$yibao" conformance "$tmp/v/empty.json" > "$tmp/out" 2>&1; rc=$?
[ "$rc" -eq 1 ] || fail "empty vector: status $rc"
[ "$rc" -lt 128 ] || fail "empty vector: crash"

# ---- happy path: vector 000's figures ----
# --explain: the brief line, then each fee line's split and each step, as text
run "happy path" 0 "" settle --policy "$POL" --catalog "$CAT" --institutions "$tmp/I.json" \
    --person "$tmp/P.json" --explain "$tmp/bill.json"
head -n 1 "$tmp/out" | grep -q '^total 3586.00  basic 1435.85 ' || fail "happy path: brief line $(head -n 1 "$tmp/out")"
grep -qx "line 1: feedetl_sn '1', SA01, 280.00: class A, price 35.0 above its cap 30.0: 40.00 over the cap; in scope 240.00" "$tmp/out" || fail "happy path: line 1's reason: $(cat "$tmp/out")"
grep -qx "line 3: feedetl_sn '3', XB01, 90.00: class B, pre-self-pay 0.1: 9.00; in scope 81.00" "$tmp/out" || fail "happy path: line 3's reason"
grep -qx "line 5: feedetl_sn '5', XC01, 300.00: class C: self-pay 300.00" "$tmp/out" || fail "happy path: line 5's reason"
grep -qx 'deductible: level3 1000.00' "$tmp/out" || fail "happy path: explain lacks the deductible"
grep -qF 'basic: 0.65 x 2209.00 = 1435.85' "$tmp/out" || fail "happy path: explain lacks basic"
[ ! -s "$tmp/err" ] || fail "happy path: stderr $(cat "$tmp/err")"
want='{"setlinfo":{"medfee_sumamt":3586.00,"fulamt_ownpay_amt":300.00,"overlmt_selfpay":40.00,"preselfpay_amt":37.00,"inscp_scp_amt":3209.00,"act_pay_dedc":1000.00,"hifp_pay":1435.85,"hifob_pay":0.00,"hifmi_pay":0.00,"maf_pay":0.00,"fund_pay_sumamt":1435.85,"psn_part_amt":2150.15,"acct_pay":0.00,"psn_cash_pay":2150.15,"balc":0.00,"acct_mulaid_pay":0.00},"pool_prop_selfpay":0.65,"state":{"year":2020,"admissions":1,"basic_paid":1435.85,"general_paid":0.00,"general_ded_used":0.00,"special_ded_used":0.00,"over_cap_paid":0.00,"cat_burden":1773.15,"cat_paid":0.00,"maf_paid":0.00,"acct_balc":0.00,"special_paid":{}}}'
# --explain --json: JSON lines, each step {"step","text"}, then the result
run "happy path, explain as JSON lines" 0 "" settle --policy "$POL" --catalog "$CAT" \
    --institutions "$tmp/I.json" --person "$tmp/P.json" --explain --json "$tmp/bill.json"
[ "$(tail -n 1 "$tmp/out")" = "$want" ] || fail "explain --json: last line $(tail -n 1 "$tmp/out")"
grep -qxF '{"step":"deductible","text":"level3 1000.00"}' "$tmp/out" || fail "explain --json: no deductible step"
grep -qF '{"step":"line 5","text":"feedetl_sn' "$tmp/out" || fail "explain --json: no line 5"
# an item not in the catalog is said so
sed 's/"med_list_codg": "XC01"/"med_list_codg": "ZZ99"/' "$tmp/bill.json" > "$tmp/unknown.json"
run "unknown item" 0 "" settle --policy "$POL" --catalog "$CAT" --institutions "$tmp/I.json" \
    --person "$tmp/P.json" --explain "$tmp/unknown.json"
grep -qx "line 5: feedetl_sn '5', ZZ99, 300.00: not in the catalog: self-pay 300.00" "$tmp/out" || fail "unknown item: $(cat "$tmp/out")"
# Without --explain: exactly the JSON line.
run "happy path, no explain" 0 "" settle --policy "$POL" --catalog "$CAT" --institutions "$tmp/I.json" \
    --person "$tmp/P.json" "$tmp/bill.json"
[ "$(cat "$tmp/out")" = "$want" ] || fail "no explain: $(cat "$tmp/out")"
run "brief" 0 "" settle --brief --policy "$POL" --catalog "$CAT" --institutions "$tmp/I.json" \
    --person "$tmp/P.json" "$tmp/bill.json"
[ "$(cat "$tmp/out")" = "total 3586.00  basic 1435.85  large-amount 0.00  catastrophic 0.00  assistance 0.00  account 0.00  cash 2150.15  balance 0.00" ] \
    || fail "brief: $(cat "$tmp/out")"
# With a state: the second admission halves the deductible (1000 -> 500).
printf '{"admissions": 1, "basic_paid": 1435.85, "cat_burden": 1773.15}' > "$tmp/S1.json"
run "with state" 0 "" settle --policy "$POL" --catalog "$CAT" --institutions "$tmp/I.json" \
    --person "$tmp/P.json" --state "$tmp/S1.json" "$tmp/bill.json"
grep -qF '"act_pay_dedc":500.00,"hifp_pay":1760.85,' "$tmp/out" || fail "with state: $(cat "$tmp/out")"
grep -qF '"admissions":2,"basic_paid":3196.70,' "$tmp/out" || fail "with state: state $(cat "$tmp/out")"

# ---- regressions ----
if true; then
    mkdir -p "$tmp/kb/vectors"
    cp -r "$root/tests/vectors/policies" "$tmp/kb/policies"
    cp "$root/tests/vectors/catalog.json" "$tmp/kb/catalog.json"
    v000=$(ls "$root"/tests/vectors/vectors/000-*.json | head -n 1)
    # A revoke of step -1 reads before the steps array (cmd_conformance.c revoke_step).
    sed 's/^ "steps": \[/ "steps": [{"revoke": -1, "expect": {"error": "E_NOT_SETTLED"}},/' "$v000" \
        > "$tmp/kb/vectors/neg.json"
    run "regression: revoke -1 is E_NOT_SETTLED" 0 "" conformance "$tmp/kb/vectors/neg.json"
    # A refusal without a line prints "(fixmedins_code0)" (cmd_settle.c settle_bill).
    settle_with_bill "regression: refusal text" 2 "refused: E_UNKNOWN_INSTITUTION: fixmedins_code is" "$tmp/inst.json"
fi

# ---- a typo never creates a store; check never writes ----------------------
# Only `yibao init` and `yibao import` create a store; every other command
# refuses a missing --db, and none touches another application's file.
missing=$tmp/doesnotexist.sqlite
run "check of a missing store" 2 "no such yibao store" check --db "$missing"
run "revoke on a missing store" 2 "no such yibao store" revoke --db "$missing" 1 --operator t --reason r
run "credential on a missing store" 2 "no such yibao store" credential issue H3 --db "$missing"
run "serve on a missing store" 2 "no such yibao store" serve --db "$missing" --listen 127.0.0.1:0
printf '{"psn_no":"P1","fixmedins_code":"H3","details":[]}' >"$tmp/dbbill.json"
run "settle on a missing store" 2 "no such yibao store" settle --db "$missing" "$tmp/dbbill.json"
[ ! -e "$missing" ] || fail "a command created $missing"
if command -v sqlite3 >/dev/null; then
    sqlite3 "$tmp/other.db" "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
    cp "$tmp/other.db" "$tmp/other.orig"
    run "check of another application's file" 2 "not a yibao store" check --db "$tmp/other.db"
    run "import into another application's file" 2 "not a yibao store" import --db "$tmp/other.db" catalog "$CAT"
    run "init over another application's file" 2 "not a yibao store" init --db "$tmp/other.db"
    cmp -s "$tmp/other.db" "$tmp/other.orig" || fail "another application's file was changed"
    [ ! -e "$tmp/other.db-wal" ] || fail "another application's file was switched to WAL"
fi
run "init" 0 "" init --db "$tmp/new.sqlite"
run "init again" 0 "" init --db "$tmp/new.sqlite"
run "check of a new store" 0 "" check --db "$tmp/new.sqlite"
cp "$tmp/new.sqlite" "$tmp/new.orig"
run "check again" 0 "" check --db "$tmp/new.sqlite"
cmp -s "$tmp/new.sqlite" "$tmp/new.orig" || fail "check changed the store"

[ $status -eq 0 ] && echo "t_cli_errors: ok"
exit $status
