#!/usr/bin/env bash
# t_service_catalog.sh: the calls a hospital's integration makes around the
# visits (docs/INTEROP.md, "Catalog transactions"): the catalog downloads
# (1301 1305 1306 1307) and their files by 9102; the paged queries (1312
# 1318 1319) with their values, page edges and the page size limit
# (SVC_PAGE_SIZE_MAX); the mapping upload and revoke (3301 3302) with
# replay by msgid, E_MSGID_REUSED, a repeated upload (an update) and bad
# input refused naming the field with nothing stored; the detail
# reconciliation (3202) and its file. Figures: the conformance catalog
# (15 items: 7 drugs, 7 services, 1 material by their kind, with names)
# and the 2020 Maoming policies
# (class B prepay 0.10; 5 special diseases and the waived prefix F20 each).
# Runs once per backend: SQLite, and PostgreSQL when YIBAO_PG_URI is set.
set -euo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"
ulimit -t 120
page_max=$(sed -n 's/^#define SVC_PAGE_SIZE_MAX \([0-9]*\).*/\1/p' "$root/src/service/svc.h")
[ -n "$page_max" ] || fail "SVC_PAGE_SIZE_MAX not found in src/service/svc.h"

if [ "$SVC_BACKEND" = pg ]; then sql() { psql -qtA "$db" -c "$1"; }
else sql() { sqlite3 -batch "$db" "$1"; }
fi

make_city
credential H3; credential H8; credential P1
start_server --threads 4
sign_in H3 H8 P1
# the catalog's version: the registry's generation, the seq of the last import
gen=$(sql "SELECT max(seq) FROM journal")

# ---- downloads and their files ----------------------------------------------
# file NO [CODE]: 9102's answer for a file query number
file() { call "${2:-H3}" 9102 "{\"fsDownloadIn\":{\"file_qury_no\":\"$1\",\"filename\":\"f.txt\",\"fixmedins_code\":\"${2:-H3}\"}}"; }
tomorrow=$(date -d tomorrow +%F)
for want in 1301:7 1305:7 1306:1 1307:12; do
    infno=${want%:*} rows=${want#*:}
    a=$(call H3 "$infno" '{"data":{"ver":"0"}}'); expect_ok "$a"
    expect_field "$a" .output.file_qury_no "$infno-$gen-A"
    expect_field "$a" .output.filename "${infno}_$gen.txt"
    expect_field "$a" .output.dld_end_time "$tomorrow"
    expect_field "$a" .output.data_cnt "$rows"
    f=$(file "$infno-$gen-A"); expect_ok "$f"; expect_field "$f" .output.data_cnt "$rows"
    [ "$(echo "$f" | jq -j .output.file_content | wc -l)" = $((rows + 1)) ] || fail "$infno file: $f"
done
f=$(file "1301-$gen-A" | jq -r .output.file_content)
[ "$(echo "$f" | head -1)" = "$(printf 'med_list_codg\thilist_name\tlist_type\tmed_chrgitm_type\tchrgitm_lv\tselfpay_prop\tpric_uplmt_amt\tvali_flag')" ] ||
    fail "1301 header: $f"
# class A 0, class C 1, class B its own share; a cap, or 999999 for none
grep -qxP 'XA02\tnifedipine tablet 10mg\t101\t09\t01\t0.0\t12.5\t1' <<<"$f" || fail "1301 XA02: $f"
grep -qxP 'XB02\timported antibiotic injection\t101\t09\t02\t0.2\t999999.0\t1' <<<"$f" || fail "1301 XB02: $f"
grep -qxP 'XC01\timported nutrition supplement\t101\t09\t03\t1.0\t999999.0\t1' <<<"$f" || fail "1301 XC01: $f"
# the kind decides the list, not the code: XA09 is a service, MB01 a material
f=$(file "1305-$gen-A" | jq -r .output.file_content)
grep -qxP 'XA09\titem whose price cap is zero\t201\t09\t01\t0.0\t0.0\t1' <<<"$f" || fail "1305 XA09: $f"
f=$(file "1306-$gen-A" | jq -r .output.file_content)
grep -qxP 'MB01\tcoronary stent\t301\t14\t02\t0.3\t5000.0\t1' <<<"$f" || fail "1306 MB01: $f"
f=$(file "1307-$gen-A" | jq -r .output.file_content)
grep -qxP 'M01600\t\tspecial_disease\t440900\t390\t2020\t1500.00' <<<"$f" || fail "1307: $f"
grep -qxP 'F20\t\tdeductible_waived_prefix\t440900\t310\t2020\t' <<<"$f" || fail "1307 F20: $f"
# the version the client holds: nothing newer, an empty file
a=$(call H3 1301 "{\"data\":{\"ver\":\"$gen\"}}"); expect_ok "$a"
expect_field "$a" .output.file_qury_no "1301-$gen-E"; expect_field "$a" .output.data_cnt 0
f=$(file "1301-$gen-E"); expect_ok "$f"; expect_field "$f" .output.file_content ""
a=$(call H3 1301 '{"data":{}}'); expect_err "$a" "^input.data.ver: missing"
# unknown file numbers, and one of another version, are refused naming the field
for no in nosuch 1312-$gen-A 2207-$gen-A 1301-$gen-X 1301--A 3202-20200230-2020; do
    a=$(file "$no"); expect_err "$a" "^input.fsDownloadIn.file_qury_no: no such file '$no'$"
done
a=$(call H3 9102 '{"fsDownloadIn":{}}'); expect_err "$a" "^input.fsDownloadIn.file_qury_no: missing"
# a new catalog (XA01 renamed, with a tab and a line break in its name): a new version
jq '.items.XA01.name = "amoxicillin\tcapsule\n0.25g"' "$root/policies/catalog-conformance.json" >"$work/catalog.json"
"$YIBAO" import --db "$db" catalog "$work/catalog.json" >/dev/null || fail "import"
a=$(file "1301-$gen-A"); expect_err "$a" "^input.fsDownloadIn.file_qury_no: '1301-$gen-A' lists version $gen; the catalog is at version $((gen + 1)) now (ask 1301 again)$"
gen=$((gen + 1))
a=$(call H3 1301 '{"data":{"ver":"0"}}'); expect_field "$a" .output.file_qury_no "1301-$gen-A"
f=$(file "1301-$gen-A" | jq -r .output.file_content)
grep -qxP 'XA01\tamoxicillin capsule 0.25g\t101\t09\t01\t0.0\t999999.0\t1' <<<"$f" || fail "1301 renamed XA01: $f"

# ---- paged queries -----------------------------------------------------------
# page INFNO NUM SIZE [HILIST_CODE]
page() { call H3 "$1" "{\"data\":{\"updt_time\":\"2020-01-01\",\"page_num\":$2,\"page_size\":$3,\"hilist_code\":\"${4:-}\"}}"; }
a=$(page 1312 1 10); expect_ok "$a"
expect_field "$a" '.output.data|length' 10; expect_field "$a" .output.recordCounts 15
expect_field "$a" .output.pages 2; expect_field "$a" .output.pageNum 1; expect_field "$a" .output.pageSize 10
expect_field "$a" .output.hasNextPage true; expect_field "$a" '.output.data[0].hilist_code' MB01
a=$(page 1312 2 10); expect_ok "$a"
expect_field "$a" '.output.data|length' 5; expect_field "$a" .output.startRow 11; expect_field "$a" .output.endRow 15
expect_field "$a" '.output.data[4].hilist_code' XC01; expect_field "$a" .output.isLastPage true
# past the end: no rows, the counters still right
a=$(page 1312 3 10); expect_ok "$a"
expect_field "$a" '.output.data|length' 0; expect_field "$a" .output.recordCounts 15; expect_field "$a" .output.size 0
a=$(page 1312 1 "$page_max"); expect_ok "$a"; expect_field "$a" '.output.data|length' 15
a=$(page 1312 1 $((page_max + 1))); expect_err "$a" "^input.data.page_size: $((page_max + 1)) is more than the limit $page_max$"
a=$(page 1312 1 0); expect_err "$a" "^input.data.page_size: must be at least 1$"
a=$(page 1312 0 10); expect_err "$a" "^input.data.page_num: must be at least 1$"
a=$(call H3 1312 '{"data":{"page_num":1}}'); expect_err "$a" "^input.data.page_size: missing"
a=$(page 1312 1 10 XB02); expect_ok "$a"; expect_field "$a" .output.recordCounts 1
expect_field "$a" '.output.data[0].chrgitm_lv' 02; expect_field "$a" '.output.data[0].list_type' 101
expect_field "$a" '.output.data[0].med_chrgitm_type' 09; expect_field "$a" '.output.data[0].lmt_used_flag' 0
expect_field "$a" '.output.data[0].hilist_name' "imported antibiotic injection"
a=$(page 1312 1 10 MB01); expect_field "$a" '.output.data[0].list_type' 301
a=$(page 1312 1 10 NOSUCH); expect_ok "$a"; expect_field "$a" .output.recordCounts 0
a=$(page 1318 1 10 XA02); expect_field "$a" '.output.data[0].hilist_pric_uplmt_amt' 12.5
a=$(page 1318 1 10 XA01); expect_field "$a" '.output.data[0].hilist_pric_uplmt_amt' 999999
a=$(page 1318 2 10); expect_field "$a" '.output.data|length' 5; expect_field "$a" '[.output.data[].hilist_pric_uplmt_amt|select(. == null)]|length' 0
# 1319: one row per item and scheme (employee 310, resident 390)
a=$(page 1319 1 10); expect_field "$a" .output.recordCounts 30
for want in XA01:0 XB01:0.1 XB02:0.2 XC01:1; do
    a=$(page 1319 1 10 "${want%:*}"); expect_field "$a" .output.recordCounts 2
    expect_field "$a" '[.output.data[].selfpay_prop|tostring]|join(",")' "${want#*:},${want#*:}"
    expect_field "$a" '[.output.data[].selfpay_prop_psn_type]|join(",")' "310,390"
done

# ---- 3301, 3302: mappings ------------------------------------------------------
maps() { sql "SELECT code || '|' || list_type || '|' || hilist_id || '|' || hilist_name || '|' || med_list_codg || '|' || begndate || '|' || enddate FROM svc_mapping ORDER BY code, hilist_id"; }
up='{"data":{"fixmedins_hilist_id":"H-XA01","fixmedins_hilist_name":"amoxicillin (ours)","list_type":"101","med_list_codg":"XA01","begndate":"2020-01-01","enddate":"2099-12-31","aprvno":"","spec":""}}'
a=$(call H3 3301 "$up" H3MAP0001); expect_ok "$a"; expect_field "$a" .output.updated 0
[ "$(maps)" = "H3|101|H-XA01|amoxicillin (ours)|XA01|2020-01-01|2099-12-31" ] || fail "3301 row: $(maps)"
# replay: the kept answer; the msgid with another body: refused
a2=$(call H3 3301 "$up" H3MAP0001); expect_ok "$a2"
[ "$(echo "$a2" | jq -c .output)" = "$(echo "$a" | jq -c .output)" ] || fail "3301 replay: $a2"
a=$(call H3 3301 "${up/ours/theirs}" H3MAP0001); expect_err "$a" "^E_MSGID_REUSED: msgid 'H3MAP0001' was used before for a different request$"
[ "$(maps)" = "H3|101|H-XA01|amoxicillin (ours)|XA01|2020-01-01|2099-12-31" ] || fail "reused msgid changed: $(maps)"
# the same mapping uploaded again (a new msgid): an update, one row
a=$(call H3 3301 "${up/2099-12-31/2030-12-31}"); expect_ok "$a"; expect_field "$a" .output.updated 1
[ "$(maps)" = "H3|101|H-XA01|amoxicillin (ours)|XA01|2020-01-01|2030-12-31" ] || fail "3301 update: $(maps)"
# another institution's own code of the same name is its own row
a=$(call H8 3301 "${up/XA01\"/XA02\"}"); expect_ok "$a"
[ "$(sql "SELECT count(*) FROM svc_mapping")" = 2 ] || fail "H8's mapping: $(maps)"
before=$(maps)
bad() { # PATTERN INPUT: refused, nothing stored
    local r; r=$(call H3 3301 "$2"); expect_err "$r" "$1"
    [ "$(maps)" = "$before" ] || fail "a refused 3301 stored: $(maps)"
}
bad "^input.data.med_list_codg: 'NOSUCH' is not in the catalog$" "${up/\"XA01\"/\"NOSUCH\"}"
bad "^input.data.list_type: '201' is not the list of 'XA01' (101)$" "${up/\"101\"/\"201\"}"
bad "^input.data.list_type: '101' is not the list of 'MB01' (301)$" "${up/\"XA01\"/\"MB01\"}"
bad "^input.data.enddate: before begndate$" "${up/2099-12-31/2019-12-31}"
bad "^input.data.begndate: " "${up/2020-01-01/2020-13-01}"
bad "^input.data.fixmedins_hilist_name: missing" "${up/amoxicillin (ours)/}"
bad "^input.data.fixmedins_hilist_id: missing" '{"data":{"list_type":"101"}}'
bad "^input.data: missing" '{}'
# 3302: unknown, another institution's, then the mapping; its fields in input or input.data
rv='{"fixmedins_code":"H3","fixmedins_hilist_id":"H-XA01","list_type":"101","med_list_codg":"XA01"}'
a=$(call H3 3302 "${rv/H-XA01/H-NONE}"); expect_err "$a" "^input.fixmedins_hilist_id: no mapping of 'H-NONE' (list_type 101) to 'XA01'$"
a=$(call H3 3302 "{\"data\":${rv/XA01\"\}/XA02\"\}}}"); expect_err "$a" "^input.data.fixmedins_hilist_id: no mapping of 'H-XA01' (list_type 101) to 'XA02'$"
a=$(call H3 3302 "${rv/\"H3\"/\"H8\"}"); expect_err "$a" "^input.fixmedins_code: 'H8' is not the envelope's 'H3'$"
[ "$(maps)" = "$before" ] || fail "a refused 3302 deleted: $(maps)"
a=$(call H3 3302 "$rv" H3MAP0002); expect_ok "$a"
[ "$(sql "SELECT count(*) FROM svc_mapping WHERE code = 'H3'")" = 0 ] || fail "3302: $(maps)"
a=$(call H3 3302 "$rv" H3MAP0002); expect_ok "$a" # the replay: its kept answer
a=$(call H3 3302 "$rv"); expect_err "$a" "no mapping of 'H-XA01'"
[ "$(sql "SELECT count(*) FROM svc_mapping")" = 1 ] || fail "H8's mapping went: $(maps)"

# ---- 3202: detail reconciliation ------------------------------------------------
rx='{"data":{"psn_no":"P0002","insutype":"310","begntime":"2020-05-01 10:00:00","medfee_sumamt":28.80,"acct_used_flag":"1"},"feedetail":[{"feedetl_sn":"1","med_list_codg":"XA01","cnt":24,"pric":1.2,"det_item_fee_sumamt":28.8}]}'
a=$(call P1 2102 "$rx" P1RX0001); expect_ok "$a"; setl=$(echo "$a" | jq -r .output.setlinfo.setl_id)
a=$(call P1 2103 "{\"data\":{\"psn_no\":\"P0002\",\"setl_id\":\"$setl\"}}"); expect_ok "$a"
revoke=$(echo "$a" | jq -r .output.setlinfo.setl_id)
a=$(call P1 2102 "$rx" P1RX0002); expect_ok "$a"; setl2=$(echo "$a" | jq -r .output.setlinfo.setl_id)
today=$(date +%F) day=$(date +%Y%m%d)
# recon CODE MEDFEE CASH CNT [FILE_QURY_NO]
recon() { call "$1" 3202 "{\"data\":{\"setl_optins\":\"440900\",\"file_qury_no\":\"${5:-}\",\"stmt_begndate\":\"$today\",\"stmt_enddate\":\"$today\",\"medfee_sumamt\":$2,\"fund_pay_sumamt\":0,\"cash_payamt\":$3,\"fixmedins_setl_cnt\":$4,\"clr_type\":\"41\",\"refd_setl_flag\":\"0\",\"fixmedins_refd_setl_flag\":\"0\"}}"; }
a=$(recon P1 28.80 0 1); expect_ok "$a"
expect_field "$a" .output.fileinfo.file_qury_no "3202-$day-$day"; expect_field "$a" .output.fileinfo.stmt_rslt 0
expect_field "$a" .output.fileinfo.plaf_medfee_sumamt 28.8
a=$(recon P1 57.60 0 2); expect_field "$a" .output.fileinfo.stmt_rslt 1
expect_field "$a" .output.fileinfo.diff_medfee_sumamt 28.8; expect_field "$a" .output.fileinfo.diff_fixmedins_setl_cnt 1
f=$(file "3202-$day-$day" P1); expect_ok "$f"; expect_field "$f" .output.data_cnt 3
c=$(echo "$f" | jq -r .output.file_content)
grep -qxP "$setl\t\tP0002\t28.80\t0.00\t28.80\t0.00\t0\t0\tP1RX0001" <<<"$c" || fail "3202 line of $setl: $c"
grep -qxP "$revoke\t\tP0002\t-28.80\t0.00\t-28.80\t0.00\t1\t$setl\t.*" <<<"$c" || fail "3202 revoke line: $c"
grep -qxP "$setl2\t\tP0002\t28.80\t0.00\t28.80\t0.00\t0\t0\tP1RX0002" <<<"$c" || fail "3202 line of $setl2: $c"
# another institution's detail holds none of P1's settlements
f=$(file "3202-$day-$day" H3); expect_field "$f" .output.data_cnt 0
a=$(recon P1 28.80 0 1 F-OF-9101); expect_err "$a" "^input.data.file_qury_no: detail files uploaded by 9101 are not served"
a=$(call P1 3202 "{\"data\":{\"stmt_begndate\":\"$today\",\"stmt_enddate\":\"$today\"}}"); expect_err "$a" "^input.data.setl_optins: missing"
a=$(call P1 3202 '{"data":{"stmt_begndate":"2020-02-01","stmt_enddate":"2020-01-01"}}'); expect_err "$a" "^input.data.stmt_enddate: before stmt_begndate$"
# ---- 1307 lists a year's policy in the version in force now ------------------
# 2099 has not begun: its first version (cap 1,500) is in force when it
# begins, not the version from 2099-12-31 (cap 1,600) imported after it
pol=$root/policies/maoming-2020-resident.json
jq '.year = 2099' "$pol" >"$work/y2099.json"
jq '.year = 2099 | .valid_from = "2099-12-31" | .basic.outpatient_special.diseases.M01600.annual_cap = 1600' "$pol" >"$work/y2099-dec.json"
"$YIBAO" import --db "$db" policy "$work/y2099.json" >/dev/null || fail "import the 2099 policy"
"$YIBAO" import --db "$db" policy "$work/y2099-dec.json" --operator carol --reason "cap 1600" >/dev/null ||
    fail "import the 2099 version from December"
gen=$(sql "SELECT max(seq) FROM journal")
until a=$(call H3 1307 '{"data":{"ver":"0"}}') && [ "$(echo "$a" | jq -r .output.file_qury_no)" = "1307-$gen-A" ]; do
    sleep 0.2 # the server reloads the registry when it sees the new generation
done
f=$(file "1307-$gen-A" | jq -r .output.file_content)
grep -qxP 'M01600\t\tspecial_disease\t440900\t390\t2099\t1500.00' <<<"$f" || fail "1307 2099 in force: $f"
grep -q '2099\t1600.00' <<<"$f" && fail "1307 lists the 2099 version not in force yet: $f"
stop_server
out=$("$YIBAO" check --db "$db") || fail "check: $out"
echo "t_service_catalog ($SVC_BACKEND): ok"
