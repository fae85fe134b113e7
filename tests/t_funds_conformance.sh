#!/usr/bin/env bash
# t_funds_conformance.sh: `yibao conformance` over the shared funds vectors
# (FUNDS.md §9, ../shared/conformance/funds/vectors). Every vector of a kind
# built so far passes: issue 16's employee_month, resident_year,
# premium_from_account, bind, benefit_start_employee,
# benefit_start_resident, retirement_check (123) and issue 17's
# budget_settlement, quota_adjustment, dip_settlement, capitation,
# payment_run, year_end_payment, months_of_support, ratios (59), and the
# family-sharing yibao-vector/1 files with `holders` (§5 Step 7b, 40): 222
# in all, no NOTRUN line. Then a wrong expected figure, a wrong expected
# error, a policy that breaks §1, a wrong acct_mulaid_pay and a wrong
# holder's balance are shown to fail, naming what differs.
set -uo pipefail
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
yibao=${YIBAO:-$root/build/release/yibao}
status=0
fail() { echo "FAIL: $*"; status=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -x "$yibao" ] || { echo "no yibao binary at $yibao"; exit 1; }
funds=${YIBAO_SHARED:+$YIBAO_SHARED/conformance/funds}
if [ -z "$funds" ] || [ ! -d "$funds/vectors" ]; then
    echo "note: YIBAO_SHARED not set or without conformance/funds; skipped"
    exit 0
fi

built='employee_month|resident_year|premium_from_account|bind|benefit_start_employee|benefit_start_resident|retirement_check'
built="$built|budget_settlement|quota_adjustment|dip_settlement|capitation|payment_run|year_end_payment|months_of_support|ratios"
built="$built|family_sharing"
out=$(timeout 120 "$yibao" conformance "$funds/vectors" 2>"$tmp/err"); rc=$?
[ "$rc" -eq 0 ] || fail "funds vectors: exit $rc"
[ "$(printf '%s\n' "$out" | tail -n 1)" = "222 passed, 0 failed" ] \
    || fail "funds vectors: last line '$(printf '%s\n' "$out" | tail -n 1)', want '222 passed, 0 failed'"
! grep -q 'not run' <<<"$out" || fail "funds vectors: a 'not run' line"
[ "$(printf '%s\n' "$out" | grep -c '^NOTRUN ')" -eq 0 ] || fail "NOTRUN lines"
! grep -q '^FAIL ' <<<"$out" || fail "a FAIL line: $(printf '%s\n' "$out" | grep '^FAIL ' | head -3)"
[ ! -s "$tmp/err" ] || fail "stderr not empty: $(head -c 300 "$tmp/err")"

# Per kind: every vector of a built kind is a PASS line; there is no other.
for f in "$funds"/vectors/*.json; do
    kind=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("kind") or ("family_sharing" if "holders" in d else "settlement"))' "$f")
    line=$(printf '%s\n' "$out" | grep -F " $f" | head -n 1)
    if grep -Eqx "$built" <<<"$kind"; then
        [ "${line%% *}" = "PASS" ] || fail "$kind vector not passed: $line"
    else
        [ "$kind" = "family_sharing" ] || fail "a vector of kind $kind is neither built nor family sharing"
        [ "${line%% *}" = "NOTRUN" ] || fail "$kind vector not reported as not run: $line"
        grep -q "unsupported kind" <<<"$line" || fail "NOTRUN line does not say why: $line"
    fi
    echo "$kind" >> "$tmp/kinds"
done
echo "kinds: $(sort "$tmp/kinds" | uniq -c | tr -s ' ' | tr '\n' ',')"

# Copies next to the policies (their paths are relative to the vector).
mkdir -p "$tmp/funds/vectors"
cp -r "$funds/policies" "$tmp/funds/policies"
cp "$funds/../catalog.json" "$tmp/catalog.json" # the settlement vectors' ../../catalog.json
v=$(ls "$funds"/vectors/000-*.json)
sed 's/"employer": 216.0/"employer": 216.01/' "$v" > "$tmp/funds/vectors/a-wrong-figure.json"
sed 's/"base": 3600.0,/"error": "E_DUP_MONTH", "base": 3600.0,/' "$v" > "$tmp/funds/vectors/b-wrong-error.json"
sed 's#"\.\./policies/maoming-2020-employee.json"#"../policies/broken.json"#' "$v" > "$tmp/funds/vectors/c-broken-policy.json"
f=$(ls "$funds"/vectors/060-*.json)
sed 's/"acct_mulaid_pay": 2150.15/"acct_mulaid_pay": 2150.16/' "$f" > "$tmp/funds/vectors/d-wrong-mulaid.json"
sed 's/"P0002": 2849.85/"P0002": 2849.84/' "$f" > "$tmp/funds/vectors/e-wrong-holder.json"
python3 - "$tmp/funds/policies" <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/maoming-2020-employee.json"))
d["funding"]["base_ceiling"] = 0.5          # below base_floor: breaks §1
json.dump(d, open(sys.argv[1] + "/broken.json", "w"))
PY
out=$(timeout 30 "$yibao" conformance "$tmp/funds/vectors"); rc=$?
[ "$rc" -eq 1 ] || fail "wrong copies: exit $rc, want 1"
grep -q "^FAIL $tmp/funds/vectors/a-wrong-figure.json: employer: expected 216.01, got 216.00$" <<<"$out" \
    || fail "wrong figure not named: $out"
grep -q "^FAIL $tmp/funds/vectors/b-wrong-error.json: expected E_DUP_MONTH, got success$" <<<"$out" \
    || fail "wrong error not named: $out"
grep -q "^FAIL $tmp/funds/vectors/c-broken-policy.json: expected success, got E_POLICY (.*base_ceiling" <<<"$out" \
    || fail "broken policy not E_POLICY: $out"
grep -q "^FAIL $tmp/funds/vectors/d-wrong-mulaid.json: step 0: setlinfo.acct_mulaid_pay: expected 2150.16, got 2150.15$" <<<"$out" \
    || fail "wrong acct_mulaid_pay not named: $out"
grep -q "^FAIL $tmp/funds/vectors/e-wrong-holder.json: step 0: holders_after.P0002: expected 2849.84, got 2849.85$" <<<"$out" \
    || fail "wrong holder balance not named: $out"
[ "$(printf '%s\n' "$out" | tail -n 1)" = "0 passed, 5 failed" ] || fail "wrong copies: last line"

# §6-8's kinds: a DIP institution's figure is named by its path; a budget
# settlement at the limit of 4096 settlements is decoded whole (each one
# counted once), one more is E_BAD_AMOUNT.
mkdir -p "$tmp/pay/vectors"
d=$(ls "$funds"/vectors/086-*.json)
sed 's/"due": 16270.78/"due": 16270.79/' "$d" > "$tmp/pay/vectors/a-wrong-dip-due.json"
python3 - "$tmp/pay/vectors" <<'PY'
import json, sys
def setl(i):
    return {"setl_id": "S%d" % i, "psn_no": "P1", "med_type": "11", "dise_codg": "J06.9",
            "setl_time": "2020-03-01 10:00:00", "revoked": False, "medfee_sumamt": 2.0,
            "inscp_scp_amt": 2.0, "hifp_pay": 1.0, "hifob_pay": 0.0, "hifmi_pay": 0.0,
            "maf_pay": 0.0, "fund_pay_sumamt": 1.0, "psn_part_amt": 1.0, "acct_pay": 0.0,
            "acct_mulaid_pay": 0.0, "psn_cash_pay": 1.0}
for name, n, expect in [("b-limit", 4096, {"F": 4096.0, "reward": 2.0, "due": 4098.0}),
                        ("c-over-limit", 4097, {"error": "E_BAD_AMOUNT"})]:
    v = {"format": "yibao-funds-vector/1", "name": name, "kind": "budget_settlement",
         "input": {"budget": 4100.0, "savings_corridor": 0.1, "savings_share": 0.5,
                   "overspend_corridor": 0.1, "overspend_share": 0.5,
                   "settlements": [setl(i) for i in range(n)]}, "expect": expect}
    json.dump(v, open("%s/%s.json" % (sys.argv[1], name), "w"))
PY
out=$(timeout 30 "$yibao" conformance "$tmp/pay/vectors"); rc=$?
[ "$rc" -eq 1 ] || fail "payment copies: exit $rc, want 1"
grep -q "^FAIL $tmp/pay/vectors/a-wrong-dip-due.json: institutions.H1.due: expected 16270.79, got 16270.78$" <<<"$out" \
    || fail "wrong DIP due not named: $out"
grep -q "^PASS $tmp/pay/vectors/b-limit.json$" <<<"$out" || fail "4096 settlements: $out"
grep -q "^PASS $tmp/pay/vectors/c-over-limit.json$" <<<"$out" || fail "4097 settlements: $out"

# Settlement vectors and funds vectors together: the counts add up.
out=$(timeout 120 "$yibao" conformance "$YIBAO_SHARED/conformance/vectors" "$funds/vectors"); rc=$?
[ "$rc" -eq 0 ] || fail "both suites: exit $rc"
[ "$(printf '%s\n' "$out" | tail -n 1)" = "350 passed, 0 failed" ] || fail "both suites: $(printf '%s\n' "$out" | tail -n 1)"

[ $status -eq 0 ] && echo "t_funds_conformance: ok"
exit $status
