#!/usr/bin/env bash
# t_settle_holders_batch.sh: one group commit wanting more persons than a
# store read takes. 3,000 residents, each bound to an employee whose
# personal account pays for them (family sharing), settle one bill each
# from one JSONL file: a batch of 3,000 settlements then needs 6,000
# persons, more than BATCH_MAX (4,096) keys a read takes, which the commit
# queue reads in parts (it aborted on an assertion before: the 1M-person
# city-year with its bindings). Every bill is settled from its holder's
# account, each holder's balance is 500.00 - 28.80, `check` passes; a
# second run replays all. SQLite, and PostgreSQL with YIBAO_PG_URI.
set -uo pipefail
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$root/tests/t_scratch_lib.sh"
scratch_begin t_settle_holders_batch
: "${YIBAO:?YIBAO must name the yibao binary}"

python3 - "$tmp" <<'EOF' || fail "the city"
import json, sys
d, n = sys.argv[1], 3000
with open(d + "/persons.csv", "w") as f:
    f.write("psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc\n")
    for i in range(n):
        f.write("H%05d,4409001970010%05d,Holder %d,1,1970-01-01,310,in_service,,440900,2000-01-01,500.00\n" % (i, i, i))
        f.write("M%05d,4409002000010%05d,Member %d,2,2000-01-01,390,adult,,440900,2000-01-01,0\n" % (i, i, i))
with open(d + "/bindings.csv", "w") as f:
    f.write("holder_psn_no,member_psn_no,relation,valid_from,revoked_at\n")
    for i in range(n):
        f.write("H%05d,M%05d,child,2019-01-01,\n" % (i, i))
with open(d + "/institutions.csv", "w") as f:
    f.write("fixmedins_code,fixmedins_name,type,level,admdvs,status\nH1,Hospital,hospital,level2,440900,active\n")
with open(d + "/bills.jsonl", "w") as f:
    for i in range(n):
        f.write(json.dumps({"msgid": "HB%05d" % i, "psn_no": "M%05d" % i, "fixmedins_code": "H1",
                            "med_type": "11", "begntime": "2020-10-10", "endtime": "2020-10-10",
                            "medfee_sumamt": 28.8, "acct_used_flag": 1,
                            "details": [{"feedetl_sn": "1", "med_list_codg": "XA01", "cnt": 24,
                                         "pric": 1.2, "det_item_fee_sumamt": 28.8}]}) + "\n")
EOF

for backend in sqlite ${YIBAO_PG_URI:+pg}; do
    db=$(new_db holders)
    y() { "$YIBAO" "$1" --db "$db" "${@:2}"; }
    y init >/dev/null || fail "$backend: init"
    y import institutions "$tmp/institutions.csv" >/dev/null || fail "$backend: institutions"
    y import policy "$root/policies/maoming-2020-employee.json" \
        "$root/policies/maoming-2020-resident.json" >/dev/null || fail "$backend: policy"
    y import catalog "$root/policies/catalog-conformance.json" >/dev/null || fail "$backend: catalog"
    y import persons "$tmp/persons.csv" >/dev/null || fail "$backend: persons"
    y import bindings "$tmp/bindings.csv" >/dev/null || fail "$backend: bindings"
    y settle "$tmp/bills.jsonl" >"$tmp/answers" 2>"$tmp/err" || fail "$backend: settle: $(tail -n 2 "$tmp/err")"
    grep -q "3000 settled, 0 replayed, 0 refused, 0 bad lines" "$tmp/err" || fail "$backend: $(cat "$tmp/err")"
    [ "$(jq -r .setlinfo.acct_mulaid_pay "$tmp/answers" | sort | uniq -c | tr -s ' ')" = " 3000 28.8" ] ||
        fail "$backend: not every bill paid from its holder's account"
    for p in H00000 H01234 H02999; do
        b=$(y show person "$p" --json | jq -r .person.acct_balc)
        [ "$b" = 471.2 ] || [ "$b" = 471.20 ] || fail "$backend: $p's balance $b, not 471.20"
    done
    y check >/dev/null || fail "$backend: check"
    y settle "$tmp/bills.jsonl" >/dev/null 2>"$tmp/err" || fail "$backend: the second run"
    grep -q "0 settled, 3000 replayed" "$tmp/err" || fail "$backend: the second run: $(cat "$tmp/err")"
    echo "t_settle_holders_batch ($backend): ok"
done
