#!/usr/bin/env bash
# t_cli_conventions.sh: what every yibao command shares (issue 15, item 6):
# `--help`/`-h` prints its usage on stdout and exits 0 (and bad usage the
# same text on stderr, exit 2); `yibao --version`; `--name=value`;
# YIBAO_DB for a missing --db (not for settle from files); `-` for standard
# input (settle's bill, import's file, errors naming "(standard input)");
# conformance finding no vector fails; README's command reference is the
# commands' own --help (scripts/readme_commands.sh --check).
set -uo pipefail
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
yibao=${YIBAO:-$root/build/release/yibao}
status=0
fail() { echo "FAIL: $*"; status=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$yibao" ] || { echo "no yibao binary at $yibao"; exit 1; }
cd "$root" || exit 1

# ---- --help, -h, --version, unknown commands ----
commands=$("$yibao" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*$/\1/p')
[ "$(echo "$commands" | wc -l)" -ge 11 ] || fail "yibao --help lists $(echo "$commands" | wc -l) commands"
for c in $commands; do
    for h in --help -h; do
        out=$(timeout 10 "$yibao" "$c" $h 2>"$tmp/err"); rc=$?
        [ "$rc" = 0 ] || fail "$c $h: exit $rc"
        [[ "$out" == "usage: yibao $c"* ]] || fail "$c $h: stdout does not start with its usage: ${out:0:80}"
        [ ! -s "$tmp/err" ] || fail "$c $h: stderr $(cat "$tmp/err")"
        [[ "$out" != *".c"[:\ ]* ]] || fail "$c $h: usage names a source file: $out"
    done
done
# a command's bad usage prints the same usage on stderr, exit 2
timeout 10 "$yibao" check >/dev/null 2>"$tmp/err"; rc=$?
[ "$rc" = 2 ] || fail "check without --db: exit $rc"
diff <("$yibao" check --help) "$tmp/err" >/dev/null || fail "check's bad-usage text differs from its --help"
v=$("$yibao" --version) || fail "--version exit $?"
[[ "$v" =~ ^yibao\ [0-9]+\.[0-9]+\.[0-9]+\ \(store\ schema\ [0-9]+\)$ ]] || fail "--version: $v"
timeout 10 "$yibao" nosuch >/dev/null 2>&1; [ $? = 2 ] || fail "unknown command: not exit 2"

# ---- YIBAO_DB and --name=value ----
db=$tmp/s.sqlite
YIBAO_DB=$db "$yibao" init >/dev/null || fail "init from YIBAO_DB"
[ -f "$db" ] || fail "YIBAO_DB: no store made at $db"
YIBAO_DB=$db "$yibao" check >"$tmp/out" || fail "check from YIBAO_DB: $(cat "$tmp/out")"
"$yibao" check --db="$db" >/dev/null || fail "check --db=PATH"
YIBAO_DB=$tmp/other.sqlite "$yibao" check --db "$db" >/dev/null || fail "--db overrides YIBAO_DB"
YIBAO_DB=$tmp/missing.sqlite "$yibao" check >/dev/null 2>"$tmp/err" && fail "check of a missing YIBAO_DB store passed"
grep -q "missing.sqlite" "$tmp/err" || fail "a missing YIBAO_DB store: $(cat "$tmp/err")"

# ---- standard input ----
"$yibao" import --db "$db" policy policies/maoming-2020-resident.json >/dev/null || fail "import policy"
"$yibao" import --db="$db" catalog policies/catalog-conformance.json >/dev/null || fail "import catalog"
printf 'fixmedins_code,fixmedins_name,type,level,admdvs,status\nH3,City,hospital,level3,440900,active\n' |
    "$yibao" import --db "$db" institutions - >"$tmp/out" 2>"$tmp/err" || fail "import from stdin: $(cat "$tmp/err")"
grep -q "imported 1 institutions from standard input" "$tmp/out" || fail "import stdin: $(cat "$tmp/out")"
printf 'psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc\nP0001,440900196006150011,A,1,1960-06-15,390,adult,,440900,2000-01-01,0\nP0002,X,B,1,1960-06-15,390,adult,,440900,2000-01-01,oops\n' |
    "$yibao" import --db "$db" persons - >/dev/null 2>"$tmp/err" && fail "a bad persons file from stdin imported"
grep -q "^yibao: (standard input):3: " "$tmp/err" || fail "a stdin import's error: $(cat "$tmp/err")"
# a region that is no administrative division code is refused at import, naming the field
printf 'psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc\nP0003,4,C,1,1960-06-15,390,adult,,ABC,2000-01-01,0\n' |
    "$yibao" import --db "$db" persons - >/dev/null 2>"$tmp/err" && fail "a person of region ABC imported"
grep -q "(standard input):2: insuplc_admdvs: not an administrative division code" "$tmp/err" || fail "region ABC: $(cat "$tmp/err")"
printf 'psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc\nP0001,440900196006150011,A,1,1960-06-15,390,adult,,440900,2000-01-01,0\n' |
    "$yibao" import --db "$db" persons - >/dev/null || fail "import persons from stdin"
bill='{"psn_no":"P0001","msgid":"CONV1","fixmedins_code":"H3","med_type":"21","begntime":"2020-03-02","endtime":"2020-03-11","dise_codg":"K35.8","details":[{"feedetl_sn":"1","med_list_codg":"SA01","cnt":8,"pric":35.0,"det_item_fee_sumamt":280.0}]}'
echo "$bill" | YIBAO_DB=$db "$yibao" settle - >"$tmp/out" 2>"$tmp/err" || fail "settle --db (YIBAO_DB) from stdin: $(cat "$tmp/err")"
grep -q '"medfee_sumamt":280.00' "$tmp/out" || fail "settle from stdin: $(cat "$tmp/out")"
# settle from files ignores YIBAO_DB (it would turn it into a durable settlement)
cat >"$tmp/I.json" <<'JSON'
{"H3": {"type": "hospital", "level": "level3"}}
JSON
cat >"$tmp/P.json" <<'JSON'
{"psn_no": "P0001", "insutype": "390", "category": "adult", "flags": [], "benefit_start": "2000-01-01", "acct_balc": 0}
JSON
echo "$bill" | YIBAO_DB=$db "$yibao" settle --policy=policies/maoming-2020-resident.json \
    --catalog policies/catalog-conformance.json --institutions "$tmp/I.json" --person "$tmp/P.json" - \
    >"$tmp/out" 2>"$tmp/err" || fail "settle from files and stdin: $(cat "$tmp/err")"
grep -q '"medfee_sumamt":280.00' "$tmp/out" || fail "settle from files: $(cat "$tmp/out")"
YIBAO_DB=$db "$yibao" check >/dev/null || fail "check after the stdin settlements"
n=$("$yibao" check --db "$db" | sed -n 's/^check ok: \([0-9]*\) journal records.*/\1/p')
[ "$n" = 5 ] || fail "journal records: $n, want 5 (4 imports, 1 settlement; settle from files writes none)"

# ---- conformance with nothing to run ----
mkdir "$tmp/empty"
timeout 10 "$yibao" conformance "$tmp/empty" >/dev/null 2>"$tmp/err"; rc=$?
[ "$rc" = 2 ] || fail "conformance of an empty folder: exit $rc"
grep -q "no vector files" "$tmp/err" || fail "conformance empty: $(cat "$tmp/err")"

# ---- README's command reference is the commands' --help ----
YIBAO=$yibao scripts/readme_commands.sh --check 2>"$tmp/err" || fail "README's commands drifted: $(head -c 600 "$tmp/err")"

[ "$status" = 0 ] && echo "t_cli_conventions: ok"
exit "$status"
