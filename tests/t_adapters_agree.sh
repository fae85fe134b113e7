#!/usr/bin/env bash
# t_adapters_agree.sh: the same bill gets the same answer whichever adapter
# carries it. Each bill below (and, with YIBAO_SHARED, every conformance
# vector's bills whose person the city has) is settled with `yibao settle
# --db` and sent to `yibao serve` as a one-shot 2207 (data + feedetail); the
# refusal's code, field and line must be the same, or both must settle.
# Then registry edits reach the running server: an institution suspended
# until a date settles bills after it and not before, and a suspension or
# reinstatement imported while the server runs decides the next request.
# Both backends (SVC_BACKEND=pg with YIBAO_PG_URI).
set -uo pipefail
. "$(dirname "$0")/t_service_lib.sh"
each_backend "$0"

# outcome of `yibao settle --db` on FILE: "OK" or "CODE|field|line"
cli_outcome() {
    local out
    out=$("$YIBAO" settle --db "$db" "$1" 2>"$work/cli.err")
    case $? in
        0) echo OK ;;
        2) echo "$out" | jq -r '"\(.error)|\(.field)|\(.line)"' 2>/dev/null || echo "BAD:$(cat "$work/cli.err")" ;;
        *) echo "EXIT:$(cat "$work/cli.err")" ;;
    esac
}

# outcome of the same bill as a one-shot 2207 of the bill's institution
svc_outcome() {
    local code input answer msg
    code=$(jq -r .fixmedins_code "$1")
    input=$(jq -c '{data: (del(.details, .msgid, .fixmedins_code) + {medfee_sumamt:
        ([.details[]? | .det_item_fee_sumamt | if type == "string" then (tonumber? // empty) else . end | numbers] | add // 0 | . * 100 | round / 100 | if . < 0 then 0 else . end)}),
        feedetail: (.details // [])}' "$1")
    local infno=2207
    [ "$code" = P1 ] && infno=2102
    answer=$(call "$code" "$infno" "$input")
    [ "$(echo "$answer" | jq -r .infcode)" = 0 ] && { echo OK; return; }
    msg=$(echo "$answer" | jq -r .err_msg)
    local line_re="^(E_[A-Z_]+): line ([0-9]+)( \\(feedetl_sn '[^']*'\\))?: ([a-z_]+)"
    if [[ "$msg" =~ $line_re ]]; then # lines counted from 1 (app_refusal_text)
        echo "${BASH_REMATCH[1]}|${BASH_REMATCH[4]}|$((BASH_REMATCH[2] - 1))"
    elif [[ "$msg" =~ ^(E_[A-Z_]+):\ ([a-z_]+)( |$) ]]; then
        echo "${BASH_REMATCH[1]}|${BASH_REMATCH[2]}|-1"
    elif [[ "$msg" =~ ^(E_[A-Z_]+)$ ]]; then
        echo "${BASH_REMATCH[1]}||-1"
    else
        echo "MSG:$msg"
    fi
}

# The interface's reading of a bill (docs/INTEROP.md): a string holding a
# decimal where a number belongs is that number. The settlement spec's bill
# format refuses it (E_BAD_AMOUNT), so the CLI is given the numbers.
as_interface() {
    jq -c '.details |= (if type == "array" then map(if type == "object" then with_entries(
        if (.key | IN("cnt", "pric", "det_item_fee_sumamt")) and (.value | type) == "string"
           and (.value | test("^-?[0-9]+(\\.[0-9]+)?$")) then .value |= tonumber else . end)
        else . end) else . end)' "$1"
}

checked=0
agree() { # NAME EXPECTED BILL_JSON
    printf '%s\n' "$3" >"$work/bill.json"
    local c s
    c=$(cli_outcome "$work/bill.json")
    s=$(svc_outcome "$work/bill.json")
    [ "$c" = "$s" ] || fail "$1: yibao settle --db says '$c', the service says '$s'"
    [ -z "$2" ] || [ "$c" = "$2" ] || fail "$1: expected '$2', both say '$c'"
    checked=$((checked + 1))
}

make_city
cat >"$work/inst2.csv" <<'EOF'
fixmedins_code,fixmedins_name,type,level,admdvs,status,suspended_until
H7,Hospital Suspended Until June,hospital,level2,440900,suspended,2020-06-30
EOF
"$YIBAO" import --db "$db" institutions "$work/inst2.csv" >/dev/null || fail "import H7"
for code in H0 H3 H7 H8 H9 P1; do credential "$code"; done
start_server
sign_in H0 H3 H7 H8 H9 P1

L() { # SN CODE CNT PRIC AMOUNT: one detail line
    printf '{"feedetl_sn":%s,"med_list_codg":"%s","cnt":%s,"pric":%s,"det_item_fee_sumamt":%s}' "$@"
}
B() { # PSN CODE MED BEGIN END LINES...: a bill
    local psn=$1 code=$2 med=$3 begin=$4 end=$5; shift 5
    local IFS=,
    printf '{"psn_no":"%s","fixmedins_code":"%s","med_type":"%s","begntime":"%s","endtime":"%s","details":[%s]}' \
        "$psn" "$code" "$med" "$begin" "$end" "$*"
}
ok1=$(L '"1"' XA01 30 1.2 36)
agree good OK "$(B P0001 H3 11 2020-07-01 2020-07-01 "$ok1")"
agree dup-and-7-decimals "E_DUP_LINE|feedetl_sn|1" \
    "$(B P0001 H3 11 2020-07-01 2020-07-01 "$ok1" "$(L '"1"' XA01 1 1.2345678 1.23)")"
agree missing-sn "E_DUP_LINE|feedetl_sn|0" \
    "$(B P0001 H3 11 2020-07-01 2020-07-01 '{"med_list_codg":"XA01","cnt":1,"pric":2,"det_item_fee_sumamt":2}')"
agree negative "E_BAD_AMOUNT|pric|1" \
    "$(B P0001 H3 11 2020-07-01 2020-07-01 "$ok1" "$(L '"2"' XA01 1 -12 -12.0)")"
agree three-decimals "E_BAD_AMOUNT|det_item_fee_sumamt|0" \
    "$(B P0001 H3 11 2020-07-01 2020-07-01 "$(L '"1"' XA01 1 2 2.001)")"
agree text-amount "E_BAD_AMOUNT|det_item_fee_sumamt|0" \
    "$(B P0001 H3 11 2020-07-01 2020-07-01 "$(L '"1"' XA01 1 90 '"90.0x"')")"
# a decimal as a string: the file format refuses it, the interface reads it
printf '%s\n' "$(B P0001 H3 11 2020-07-01 2020-07-01 "$(L '"1"' XA01 '"30"' '"1.20"' '"36.00"')")" >"$work/str.json"
[ "$(cli_outcome "$work/str.json")" = "E_BAD_AMOUNT|cnt|0" ] || fail "a file's string amount: $(cli_outcome "$work/str.json")"
[ "$(svc_outcome "$work/str.json")" = OK ] || fail "the interface's string amount: $(svc_outcome "$work/str.json")"
agree mismatch "E_BAD_AMOUNT|det_item_fee_sumamt|0" \
    "$(B P0001 H3 11 2020-07-01 2020-07-01 "$(L '"1"' XA01 2 2 5)")"
agree unknown-person "E_UNKNOWN_PERSON|psn_no|-1" "$(B NOPE H3 11 2020-07-01 2020-07-01 "$ok1")"
agree med-type "E_MED_TYPE|med_type|-1" "$(B P0001 H3 99 2020-07-01 2020-07-01 "$ok1")"
agree pharmacy-med-type "E_MED_TYPE|med_type|-1" "$(B P0001 H3 41 2020-07-01 2020-07-01 "$ok1")"
agree dates "E_BAD_DATES|endtime|-1" "$(B P0001 H3 11 2020-07-02 2020-07-01 "$ok1")"
agree bad-date "E_BAD_DATES|endtime|-1" "$(B P0001 H3 11 2020-13-01 2020-07-01 "$ok1")"
agree year "E_POLICY_YEAR|endtime|-1" "$(B P0001 H3 11 2019-07-01 2019-07-01 "$ok1")"
agree empty "E_EMPTY_BILL|details|-1" "$(B P0001 H3 11 2020-07-01 2020-07-01)"
agree disease "E_DISEASE|spec_dise_codg|-1" \
    "$(B P0001 H3 14 2020-07-01 2020-07-01 "$ok1" | jq -c '. + {spec_dise_codg: "NOSUCH"}')"
agree unknown-item OK "$(B P0001 H3 11 2020-07-01 2020-07-01 "$(L '"1"' NOSUCH 1 5 5)")"
agree employee OK "$(B P0002 H3 11 2020-07-01 2020-07-01 "$ok1")"
# the scheme asked for must be the person's (insutype)
agree scheme-asked OK "$(B P0001 H3 11 2020-07-01 2020-07-01 "$ok1" | jq -c '. + {insutype: "390"}')"
agree scheme-other "E_SCHEME|insutype|-1" "$(B P0001 H3 11 2020-07-01 2020-07-01 "$ok1" | jq -c '. + {insutype: "310"}')"
agree scheme-bad "E_SCHEME|insutype|-1" "$(B P0001 H3 11 2020-07-01 2020-07-01 "$ok1" | jq -c '. + {insutype: "ABC"}')"
agree scheme-empty OK "$(B P0001 H3 11 2020-07-01 2020-07-01 "$ok1" | jq -c '. + {insutype: ""}')"
# designation at the bill's date: H7 is suspended until 2020-06-30
agree suspended-before "E_UNKNOWN_INSTITUTION|fixmedins_code|-1" \
    "$(B P0001 H7 11 2020-06-01 2020-06-01 "$ok1")"
agree suspended-over OK "$(B P0001 H7 11 2020-09-09 2020-09-09 "$ok1")"

# ---- registry edits reach the running server on its next request --------
a=$(call H3 2201 '{"data":{"psn_no":"P0001","insutype":"390","begntime":"2020-06-01"}}'); expect_ok "$a"
printf 'fixmedins_code,fixmedins_name,type,level,admdvs,status,suspended_until\nH3,City People'"'"'s Hospital,hospital,level3,440900,suspended,\n' >"$work/h3.csv"
"$YIBAO" import --db "$db" institutions "$work/h3.csv" --operator test --reason "suspend H3" >/dev/null || fail "suspend H3"
a=$(call H3 2201 '{"data":{"psn_no":"P0001","insutype":"390","begntime":"2020-06-01"}}')
expect_err "$a" "institution 'H3' is suspended"
# (its own msgid: without one, the same bill as "good" is answered by that
# settlement, its msgid being derived from its content)
agree suspended-now "E_UNKNOWN_INSTITUTION|fixmedins_code|-1" \
    "$(B P0001 H3 11 2020-07-01 2020-07-01 "$ok1" | jq -c '. + {msgid: "suspended-now"}')"
sed -i 's/,suspended,$/,active,/' "$work/h3.csv"
"$YIBAO" import --db "$db" institutions "$work/h3.csv" --operator test --reason "reinstate H3" >/dev/null || fail "reinstate H3"
a=$(call H3 2201 '{"data":{"psn_no":"P0001","insutype":"390","begntime":"2020-06-01"}}'); expect_ok "$a"
agree reinstated OK "$(B P0001 H3 11 2020-07-01 2020-07-01 "$ok1")"

# ---- the conformance vectors' bills ------------------------------------------
# Each vector's first bill (SQLite only: the adapters are the point, not
# the backend), at the city's institution of the same kind
# (H1 -> H0, H2 -> H8) for the city's person of the vector's scheme; the
# policies differ, so many are refused: the point is that both agree.
if [ -n "${YIBAO_SHARED:-}" ] && [ "$SVC_BACKEND" = sqlite ]; then
    vectors=0
    for v in "$YIBAO_SHARED"/conformance/vectors/*.json; do
        psn=P0001; [ "$(jq -r .person.insutype "$v")" = 310 ] && psn=P0002
        while IFS= read -r bill; do
            printf '%s\n' "$bill" >"$work/bill.json"
            as_interface "$work/bill.json" >"$work/bill-numbers.json"
            c=$(cli_outcome "$work/bill-numbers.json"); s=$(svc_outcome "$work/bill.json")
            [ "$c" = "$s" ] || fail "$(basename "$v"): yibao settle --db says '$c', the service says '$s'"
            vectors=$((vectors + 1))
        done < <(jq -c --arg psn "$psn" '[.steps[]?.settle | select(. != null and
                   (.fixmedins_code | IN("H0", "H1", "H2", "H3", "H9", "P1")))] | .[:1][] | . + {psn_no: $psn, fixmedins_code: ({"H1": "H0", "H2": "H8"}[.fixmedins_code]
                   // .fixmedins_code)}' "$v")
    done
    [ "$vectors" -gt 90 ] || fail "only $vectors vector bills compared"
    checked=$((checked + vectors))
fi
stop_server
"$YIBAO" check --db "$db" >/dev/null || fail "check"
echo "t_adapters_agree: ok ($checked bills both ways, ${SVC_BACKEND:-sqlite})"
