#!/usr/bin/env bash
# t_inventory.sh: pharmacies' inventory feeds and the substitution scan
# (issue 18 item 4; docs/SUPERVISION.md "Substitution", docs/INTEROP.md
# "Inventory"). Over HTTP: 3501-3506 recorded per pharmacy, item and day
# (one object or an array), replay by msgid, E_MSGID_REUSED, a batch number
# recorded twice, bad input refused naming the field with nothing stored,
# the limit on records a request, 3507 deleting a record; `yibao import
# inventory` of a CSV file (and its refusals); then pharmacy settlements
# (2102) beyond what was bought found by `supervise scan` with the amount
# at stake, and nothing for a pharmacy that sent no feeds; the planted
# substitutions of a small generated city found exactly (SQLite only: the
# generator is the same for both backends). `yibao check` passes.
# Runs once per backend: SQLite, and PostgreSQL when YIBAO_PG_URI is set.
set -euo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
ulimit -t 120
lines_max=$(sed -n 's/^#define INV_LINES_MAX \([0-9]*\).*/\1/p' "$root/src/core/inventory.h")
[ -n "$lines_max" ] || fail "INV_LINES_MAX not found in src/core/inventory.h"

make_city
credential P1; credential H3
start_server --threads 4
sign_in P1 H3

recs() { sql "SELECT fixmedins_code || '|' || infno || '|' || fixmedins_bchno || '|' || med_list_codg || '|' || day || '|' || cnt || '|' || inv_chg_type || '|' || setl_id FROM inv_records ORDER BY fixmedins_code, infno, fixmedins_bchno"; }

# ---- 3501-3506 over HTTP ----------------------------------------------------------
take='{"invinfo":{"med_list_codg":"XA01","fixmedins_hilist_id":"P1-XA01","fixmedins_hilist_name":"amoxicillin","fixmedins_bchno":"T1","invdate":"2020-04-30","inv_cnt":5,"rx_flag":"1"}}'
a=$(call P1 3501 "$take" P1INV0001); expect_ok "$a"; expect_field "$a" .output.rec_cnt 1
[ "$(recs)" = "P1|3501|T1|XA01|2020-04-30|50000||" ] || fail "3501 row: $(recs)"
# replay: the kept answer, nothing more; the msgid with another body: refused
a2=$(call P1 3501 "$take" P1INV0001); expect_ok "$a2"
[ "$(echo "$a2" | jq -c .output)" = "$(echo "$a" | jq -c .output)" ] || fail "3501 replay: $a2"
a=$(call P1 3501 "${take/\"inv_cnt\":5/\"inv_cnt\":6}" P1INV0001)
expect_err "$a" "^E_MSGID_REUSED: msgid 'P1INV0001' was used before for a different request$"
# the same batch number again under a new msgid: refused, delete it first
a=$(call P1 3501 "$take"); expect_err "$a" "^input.invinfo.fixmedins_bchno: 'T1' is recorded already (3501): delete it with 3507 first$"
# purchases: an array of records, one per item and batch
purc='{"purcinfo":[{"med_list_codg":"XA01","fixmedins_hilist_id":"P1-XA01","fixmedins_hilist_name":"amoxicillin","fixmedins_bchno":"B1","spler_name":"Supplier","purc_retn_cnt":20,"finl_trns_pric":1.0,"purc_invo_no":"INV-001","purc_retn_stoin_time":"2020-05-01 08:00:00","purc_retn_opter_name":"clerk"},{"med_list_codg":"XA02","fixmedins_hilist_id":"P1-XA02","fixmedins_hilist_name":"nifedipine","fixmedins_bchno":"B2","purc_retn_cnt":"3.5","purc_invo_no":"INV-001","purc_retn_stoin_time":"2020-05-01"}]}'
a=$(call P1 3503 "$purc"); expect_ok "$a"; expect_field "$a" .output.rec_cnt 2
a=$(call P1 3504 '{"purcinfo":{"med_list_codg":"XA01","fixmedins_bchno":"B1","purc_retn_cnt":2,"purc_retn_stoin_time":"2020-05-02"}}'); expect_ok "$a"
a=$(call P1 3502 '{"invinfo":{"med_list_codg":"XA01","inv_chg_type":"105","fixmedins_bchno":"C1","cnt":1,"pric":1.0,"inv_chg_time":"2020-05-02 09:00:00"}}'); expect_ok "$a"
a=$(call P1 3505 '{"selinfo":{"med_list_codg":"XA01","fixmedins_bchno":"S1","sel_retn_cnt":4,"sel_retn_time":"2020-05-02 10:00:00","psn_cert_type":"01"}}'); expect_ok "$a"
a=$(call P1 3506 '{"selinfo":{"med_list_codg":"XA01","fixmedins_bchno":"S1","sel_retn_cnt":1,"sel_retn_time":"2020-05-03 10:00:00"}}'); expect_ok "$a"
want="P1|3501|T1|XA01|2020-04-30|50000||
P1|3502|C1|XA01|2020-05-02|10000|105|
P1|3503|B1|XA01|2020-05-01|200000||
P1|3503|B2|XA02|2020-05-01|35000||
P1|3504|B1|XA01|2020-05-02|20000||
P1|3505|S1|XA01|2020-05-02|40000||
P1|3506|S1|XA01|2020-05-03|10000||"
[ "$(recs)" = "$want" ] || fail "records: $(recs)"

# ---- bad input: refused naming the field, nothing stored -------------------------------
before=$(recs)
bad() { # INFNO PATTERN INPUT
    local r; r=$(call P1 "$1" "$3"); expect_err "$r" "$2"
    [ "$(recs)" = "$before" ] || fail "a refused $1 stored: $(recs)"
}
p1='{"med_list_codg":"XA03","fixmedins_bchno":"B9","purc_retn_cnt":1,"purc_retn_stoin_time":"2020-06-01"}'
bad 3503 "^input.purcinfo: missing$" '{"data":{}}'
bad 3503 "^input.purcinfo: empty$" '{"purcinfo":[]}'
bad 3503 "^input.purcinfo\[1\].med_list_codg: missing" "{\"purcinfo\":[$p1,{\"fixmedins_bchno\":\"B8\"}]}"
bad 3503 "^input.purcinfo.purc_retn_cnt: '1.00001' more than 4 decimals$" "{\"purcinfo\":${p1/\"purc_retn_cnt\":1/\"purc_retn_cnt\":1.00001}}"
bad 3503 "^input.purcinfo.purc_retn_cnt: '-1' " "{\"purcinfo\":${p1/\"purc_retn_cnt\":1/\"purc_retn_cnt\":-1}}"
bad 3503 "^input.purcinfo.purc_retn_cnt: '0' zero: only a stock-taking counts nothing$" "{\"purcinfo\":${p1/\"purc_retn_cnt\":1/\"purc_retn_cnt\":0}}"
bad 3503 "^input.purcinfo.purc_retn_stoin_time: '2020-13-01' not a date or date-time$" "{\"purcinfo\":${p1/2020-06-01/2020-13-01}}"
bad 3503 "^input.purcinfo.fixmedins_bchno: missing" '{"purcinfo":{"med_list_codg":"XA03"}}'
bad 3503 "^input.purcinfo\[0\]: not an object$" '{"purcinfo":[1]}'
bad 3502 "^input.invinfo.inv_chg_type: '999' not a change type" '{"invinfo":{"med_list_codg":"XA01","inv_chg_type":"999","fixmedins_bchno":"C9","cnt":1,"inv_chg_time":"2020-05-02"}}'
bad 3502 "^input.invinfo.inv_chg_type: '' not a change type" '{"invinfo":{"med_list_codg":"XA01","fixmedins_bchno":"C9","cnt":1,"inv_chg_time":"2020-05-02"}}'
bad 3503 "^input.purcinfo.setl_id: 'S' only a sale (3505, 3506) names a settlement$" "{\"purcinfo\":${p1/\"purc_retn_cnt\"/\"setl_id\":\"S\",\"purc_retn_cnt\"}}"
# the same batch twice in one request: the whole request refused
bad 3503 "^input.purcinfo\[1\].fixmedins_bchno: 'B9' is recorded already (3503)" "{\"purcinfo\":[$p1,$p1]}"
# the limit on records a request
many=$(for i in $(seq 0 "$lines_max"); do printf '%s{"med_list_codg":"XA03","fixmedins_bchno":"L%d","purc_retn_cnt":1,"purc_retn_stoin_time":"2020-06-01"}' "$([ "$i" = 0 ] || echo ,)" "$i"; done)
bad 3503 "^input.purcinfo: $((lines_max + 1)) records, more than $lines_max a request$" "{\"purcinfo\":[$many]}"
many=${many%,\{*}
a=$(call P1 3503 "{\"purcinfo\":[$many]}"); expect_ok "$a"; expect_field "$a" .output.rec_cnt "$lines_max"

# ---- 3507: deletions ----------------------------------------------------------------------
a=$(call P1 3507 '{"data":{"fixmedins_bchno":"L0","inv_data_type":"3"}}' P1DEL0001); expect_ok "$a"; expect_field "$a" .output.deleted_cnt 1
a=$(call P1 3507 '{"data":{"fixmedins_bchno":"L0","inv_data_type":"3"}}' P1DEL0001); expect_ok "$a"; expect_field "$a" .output.deleted_cnt 1
a=$(call P1 3507 '{"data":{"fixmedins_bchno":"L0","inv_data_type":"3"}}'); expect_err "$a" "^input.data.fixmedins_bchno: no record 'L0' of inv_data_type 3$"
a=$(call P1 3507 '{"data":{"fixmedins_bchno":"L1","inv_data_type":"5"}}'); expect_err "$a" "^input.data.inv_data_type: "
# another pharmacy's batch is not ours to delete
a=$(call H3 3507 '{"data":{"fixmedins_bchno":"L1","inv_data_type":"3"}}'); expect_err "$a" "^input.data.fixmedins_bchno: no record 'L1'"
sql "DELETE FROM inv_records WHERE fixmedins_bchno LIKE 'L%'" >/dev/null
[ "$(recs)" = "$before" ] || fail "after the limit's records: $(recs)"

# ---- the substitution scan: pharmacy settlements beyond the stock -----------------------
# P1's XA01: counted 5 on 04-30; +20 bought 05-01; -2 returned, -1 damaged,
# -4 sold for cash 05-02; +1 cash return 05-03: 19 held on 05-03
rx() { # DAY ITEM CNT PRIC
    local amt; amt=$(echo "$3 * $4" | bc)
    echo "{\"data\":{\"psn_no\":\"P0001\",\"med_type\":\"41\",\"begntime\":\"$1 10:00:00\",\"endtime\":\"$1 10:00:00\",\"acct_used_flag\":0,\"medfee_sumamt\":$amt,\"insutype\":\"390\"},\"feedetail\":[{\"feedetl_sn\":\"1\",\"med_list_codg\":\"$2\",\"cnt\":$3,\"pric\":$4,\"det_item_fee_sumamt\":$amt}]}"
}
a=$(call P1 2102 "$(rx 2020-04-15 XA01 2 1.2)" P1RX0001); expect_ok "$a"  # before any stock: 2 beyond
a=$(call P1 2102 "$(rx 2020-05-03 XA01 10 1.2)" P1RX0002); expect_ok "$a" # 19 held: 9 left
a=$(call P1 2102 "$(rx 2020-05-04 XA01 12 1.2)" P1RX0003); expect_ok "$a" # 9 held: 3 beyond
a=$(call P1 2102 "$(rx 2020-05-05 XA02 3 10)" P1RX0004); expect_ok "$a"   # 3.5 bought: within
scan() {
    "$YIBAO" supervise scan --db "$db" --year 2020 --out "$work/f.jsonl" >"$work/scan.out" || fail "scan: $(cat "$work/scan.out")"
    jq -c 'select(.kind == "substitution") | [.msgid[0], .psn_no, .item, .cnt, .rule, .evidence.institution, .evidence.amount, .evidence.stock_cnt, .evidence.beyond_cnt]' "$work/f.jsonl"
}
got=$(scan)
want='["P1RX0001","P0001","XA01",2,"INV-BEYOND-STOCK","P1",2.4,0,2]
["P1RX0003","P0001","XA01",12,"INV-BEYOND-STOCK","P1",3.6,9,3]'
[ "$got" = "$want" ] || fail "substitutions: $got"
grep -q '^  substitution *2$' "$work/scan.out" || fail "scan summary: $(cat "$work/scan.out")"
# a hospital's bills are not judged by a pharmacy's feeds
a=$(call H3 2207 "$(rx 2020-04-16 XA01 2 1.2 | sed 's/"41"/"11"/')" H3RX0001); expect_ok "$a"
[ "$(scan)" = "$want" ] || fail "after a hospital bill: $(scan)"

# ---- import inventory: a CSV file of the same records ------------------------------------
printf 'fixmedins_code,infno,fixmedins_bchno,med_list_codg,day,cnt,inv_chg_type,setl_id\nP1,3503,IMP1,XA01,2020-04-10,2,,\nP1,3505,IMP2,XA01,2020-05-04 12:00:00,12,,P1RX0003\n' >"$work/inv.csv"
out=$("$YIBAO" import --db "$db" inventory "$work/inv.csv") || fail "import: $out"
[ "$(sql "SELECT count(*) FROM inv_records WHERE fixmedins_bchno LIKE 'IMP%'")" = 2 ] || fail "import rows"
# bought before the first bill: only the second is beyond (a card sale, setl_id, counts no more)
[ "$(scan)" = "${want#*$'\n'}" ] || fail "after the import: $(scan)"
before=$(recs)
badimp() { # PATTERN CSV-ROW
    printf 'fixmedins_code,infno,fixmedins_bchno,med_list_codg,day,cnt,inv_chg_type,setl_id\n%s\n' "$2" >"$work/bad.csv"
    local e rc=0; e=$("$YIBAO" import --db "$db" inventory "$work/bad.csv" 2>&1) || rc=$?
    [ "$rc" = 2 ] || fail "bad import exit $rc: $e"
    grep -q "$1" <<<"$e" || fail "bad import: '$1' not in: $e"
    [ "$(recs)" = "$before" ] || fail "a refused import stored: $(recs)"
}
badimp "bad.csv:2: fixmedins_code: institution P7 is not registered" "P7,3503,X1,XA01,2020-04-10,2,,"
badimp "bad.csv:2: infno: not an inventory transaction" "P1,3507,X1,XA01,2020-04-10,2,,"
badimp "bad.csv:2: cnt: more than 4 decimals" "P1,3503,X1,XA01,2020-04-10,2.00001,,"
badimp "bad.csv:2: day: not a date" "P1,3503,X1,XA01,2020-02-30,2,,"
badimp "bad.csv:2: cnt: registered already as '20000'" "P1,3503,IMP1,XA01,2020-04-10,3,,"
"$YIBAO" check --db "$db" >/dev/null || fail "check"
# a pharmacy that sent no feeds is not judged
sql "DELETE FROM inv_records" >/dev/null
[ -z "$(scan)" ] || fail "without feeds: $(scan)"
stop_server

# ---- a generated city: the planted substitutions found exactly (SQLite; the
# generator and the scan are the same code on both backends) --------------------------------
if [ "$SVC_BACKEND" = sqlite ]; then
    c=$work/gc; gdb=$work/gc.db
    "$YIBAO" gen city --persons 2000 --seed 5 --rate-substitution 0.05 --out "$c" >/dev/null || fail "gen city"
    [ "$(head -1 "$c/inventory.csv")" = "fixmedins_code,infno,fixmedins_bchno,med_list_codg,day,cnt,inv_chg_type,setl_id" ] ||
        fail "inventory.csv header"
    for k in institutions persons; do "$YIBAO" import --db "$gdb" "$k" "$c/$k.csv" >/dev/null || fail "import $k"; done
    "$YIBAO" import --db "$gdb" policy "$root/policies/maoming-2020-employee.json" "$root/policies/maoming-2020-resident.json" >/dev/null || fail "import policy"
    "$YIBAO" import --db "$gdb" catalog "$root/policies/catalog-conformance.json" >/dev/null || fail "import catalog"
    "$YIBAO" settle --db "$gdb" "$c/bills.jsonl" >/dev/null || fail "settle"
    "$YIBAO" import --db "$gdb" inventory "$c/inventory.csv" >/dev/null || fail "import inventory"
    "$YIBAO" supervise scan --db "$gdb" --year 2020 --out "$work/g.jsonl" >/dev/null || fail "scan"
    key='select(.kind == "substitution") | [.msgid, .psn_no, .item, .cnt] | tostring'
    want=$(jq -r "$key" "$c/labels.jsonl" | sort); got=$(jq -r "$key" "$work/g.jsonl" | sort)
    [ -n "$want" ] || fail "no substitution planted"
    [ "$got" = "$want" ] || fail "substitutions: found $(wc -l <<<"$got"), planted $(wc -l <<<"$want"): $(diff <(echo "$want") <(echo "$got") | head -5)"
    "$YIBAO" check --db "$gdb" >/dev/null || fail "check (generated city)"
fi
echo "t_inventory ($SVC_BACKEND): ok"
