#!/usr/bin/env bash
# t_trial_balance.sh: `yibao report trial-balance` (issue 17, item 1;
# docs/LEDGER.md) on a generated city with opening balances, a month of
# employee contributions, settlements (some from personal accounts) and a
# revoke: debits equal credits; each class's line equals an independent
# sum in SQL over the balances table and the postings after the
# checkpoint (so a server's unchecked-point postings count); each fund's
# line equals `show fund`; the JSON's lines add up to 0 to the fen; bad
# options exit 2 naming the option. Both backends (SVC_BACKEND=pg with
# YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

gen_city_store 1500 5
for k in employers episodes wages; do y import "$k" "$city/$k"*.csv >/dev/null || fail "import $k"; done
y contribute --month 2020-03 >/dev/null 2>&1 || fail "contribute"
head -n 3000 "$city/bills.jsonl" >"$work/bills.jsonl"
y settle "$work/bills.jsonl" >"$work/answers" 2>/dev/null || fail "settle"
setl=$(sed -n 5p "$work/answers" | jq -r .setl_id)
y revoke "$setl" --operator t --reason "t_trial_balance" >/dev/null || fail "revoke"

out=$(y report trial-balance) || fail "trial-balance: $out"
total=$(grep '^total ' <<<"$out")
read -r _ debit credit <<<"$total"
[ -n "$debit" ] && [ "$debit" = "$credit" ] || fail "debits and credits differ: $total"
j=$(y report trial-balance --format json) || fail "trial-balance --format json"
[ "$(jq -r '.debit == .credit' <<<"$j")" = true ] || fail "json: $(jq -c '{debit, credit}' <<<"$j")"
[ "$(jq -r '[.lines[].balance * 100 | round] | add' <<<"$j")" = 0 ] || fail "the lines do not add up to 0"

# each class against SQL: balances at the checkpoint plus the postings after it
class_sql() { # LIKE-PATTERN: the class's balance in fen
    sql "SELECT coalesce((SELECT sum(balance) FROM accounts WHERE account LIKE '$1'), 0)
          + coalesce((SELECT sum(amount) FROM postings WHERE debit LIKE '$1'
                      AND seq > (SELECT seq FROM checkpoint)), 0)
          - coalesce((SELECT sum(amount) FROM postings WHERE credit LIKE '$1'
                      AND seq > (SELECT seq FROM checkpoint)), 0)"
}
for pair in 'P:*|P:%' 'I:*|I:%' 'R:emp:*|R:emp:%' 'R:psn:*|R:psn:%'; do
    key=${pair%%|*} pattern=${pair#*|}
    got=$(jq -r --arg k "$key" '[.lines[] | select(.account == $k) | .balance * 100 | round] | add // 0' <<<"$j")
    want=$(class_sql "$pattern")
    [ "$got" = "$want" ] || fail "class $key: report $got fen, SQL $want fen"
done
# each fund's line is show fund's balance
want=$(y show fund --json | jq -c '[.funds[] | {account, balance}] | sort_by(.account)')
got=$(jq -c '[.lines[] | select(.account | startswith("F:")) | {account, balance}] | sort_by(.account)' <<<"$j")
[ "$got" = "$want" ] || fail "funds: report $got, show fund $want"
[ "$(jq '[.lines[] | select(.account == "P:*")] | length' <<<"$j")" = 1 ] || fail "no personal accounts line"

# bad options
y report trial-balance --format csv >/dev/null 2>"$work/err" && fail "--format csv taken"
grep -q "yibao report trial-balance: --format 'csv': not table or json" "$work/err" || fail "format: $(cat "$work/err")"
y report trial-balance --year 2020 >/dev/null 2>"$work/err" && fail "--year taken"
grep -q "yibao report trial-balance: --year '2020': this report is of the whole ledger" "$work/err" || fail "year: $(cat "$work/err")"
"$YIBAO" report trial-balance --db "$work/missing.sqlite" >/dev/null 2>&1; [ $? = 2 ] || fail "a missing store"
y check >/dev/null || fail "check: $(y check 2>&1)"
echo "t_trial_balance: ok ($SVC_BACKEND)"
