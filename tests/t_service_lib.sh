# t_service_lib.sh: helpers sourced by the service's shell tests (not a
# test itself: test.sh runs tests/t_*.sh, so this file exits 0 when run).
# Builds a tiny city (CSV) in $work, imports it into the store ($db:
# $work/db.sqlite, or with SVC_BACKEND=pg a fresh database on the cluster of
# $YIBAO_PG_URI, dropped at exit), starts `yibao serve` on a free port,
# signs requests with `yibao sign`, and signs institutions in (9001): the
# envelope carries sign_CODE, or $SIGN_NO when that is set (even empty).
[ "${BASH_SOURCE[0]}" = "$0" ] && exit 0

: "${YIBAO:?YIBAO must name the yibao binary}"
root=${YIBAO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
work=$(mktemp -d /tmp/yibao-svc.XXXXXX)
db=$work/db.sqlite
pg_db=""
server_pid=""
url=""

cleanup() {
    local rc=$?
    # a failing test shows what the server said last
    [ "$rc" != 0 ] && [ -f "$work/serve.log" ] && tail -n 5 "$work/serve.log" | sed 's/^/serve.log: /' >&2
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    wait 2>/dev/null
    [ -n "$pg_db" ] && psql -q "$YIBAO_PG_URI" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

if [ "${SVC_BACKEND:-sqlite}" = pg ]; then
    : "${YIBAO_PG_URI:?SVC_BACKEND=pg needs YIBAO_PG_URI}"
    pg_db="yibao_svc_$$_$RANDOM"
    psql -q "$YIBAO_PG_URI" -c "CREATE DATABASE $pg_db" >/dev/null || { pg_db=""; echo "FAIL: createdb" >&2; exit 1; }
    db="${YIBAO_PG_URI%/*}/$pg_db"
    export YIBAO_KEY_FILE="$work/service.key" # a PostgreSQL store's key file is named
fi


fail() { echo "FAIL: $*" >&2; exit 1; }

# y ARGS...: `yibao ARGS... --db $db`; sql STATEMENT: one statement on the
# store's own database (psql or sqlite3), rows as text.
y() { "$YIBAO" "$@" --db "$db"; }
if [ "${SVC_BACKEND:-sqlite}" = pg ]; then sql() { psql -qAt "$db" -c "$1"; }; else sql() { sqlite3 -cmd ".timeout 5000" "$db" "$1"; }; fi
# records: how many journal records the store holds.
records() { sql "SELECT count(*) FROM journal"; }

# each_backend "$0": a test for both backends calls this right after
# sourcing this file. Without SVC_BACKEND it runs the test again once per
# backend (SQLite, and PostgreSQL when YIBAO_PG_URI is set) and exits with
# the first failure; inside such a run (SVC_BACKEND set) it returns.
each_backend() {
    [ -n "${SVC_BACKEND:-}" ] && return 0
    local b
    for b in sqlite ${YIBAO_PG_URI:+pg}; do SVC_BACKEND=$b bash "$1" || exit 1; done
    exit 0
}

# gen_city_store PERSONS SEED: `yibao gen city` into $city ($work/city),
# its institutions and persons imported with the maoming-2020 policies and
# the conformance catalog (the fund tests' common start).
gen_city_store() {
    city=$work/city
    "$YIBAO" gen city --persons "$1" --seed "$2" --out "$city" >/dev/null || fail "gen city"
    y import institutions "$city/institutions.csv" >/dev/null || fail "import institutions"
    y import policy "$root/policies/maoming-2020-employee.json" \
        "$root/policies/maoming-2020-resident.json" >/dev/null || fail "import policy"
    y import catalog "$root/policies/catalog-conformance.json" >/dev/null || fail "import catalog"
    y import persons "$city/persons.csv" >/dev/null || fail "import persons"
}

make_city() {
    cat >"$work/persons.csv" <<'EOF'
psn_no,certno,psn_name,gend,brdy,insutype,category,flags,insuplc_admdvs,benefit_start,acct_balc
P0001,440900196006150011,Resident Adult,1,1960-06-15,390,adult,,440900,2000-01-01,0
P0002,440900197001010022,Employee One,2,1970-01-01,310,in_service,,440900,2000-01-01,500.00
P0003,440900198001010033,Resident Two,1,1980-01-01,390,adult,low_income,440900,2000-01-01,0
EOF
    for i in $(seq 10 99); do
        echo "P00$i,4409001990010100$i,Load $i,1,1990-01-01,390,adult,,440900,2000-01-01,0"
    done >>"$work/persons.csv"
    cat >"$work/institutions.csv" <<'EOF'
fixmedins_code,fixmedins_name,type,level,admdvs,status
H0,Township Health Centre,hospital,township,440900,active
H3,City People's Hospital,hospital,level3,440900,active
H8,Other Hospital,hospital,level2,440900,active
H9,Suspended Hospital,hospital,level2,440900,suspended
P1,Corner Pharmacy,pharmacy,pharmacy,440900,active
EOF
    "$YIBAO" import --db "$db" institutions "$work/institutions.csv" >/dev/null || fail import institutions
    "$YIBAO" import --db "$db" policy "$root/policies/maoming-2020-resident.json" \
        "$root/policies/maoming-2020-employee.json" >/dev/null || fail import policy
    "$YIBAO" import --db "$db" catalog "$root/policies/catalog-conformance.json" >/dev/null || fail import catalog
    "$YIBAO" import --db "$db" persons "$work/persons.csv" >/dev/null || fail import persons
}

# action_hook: writes $work/hook.sh, a hook for settle-year's test hooks
# (YIBAO_TEST_SETTLE_YEAR_HOOK, ..._BATCH_HOOK): each call logs its
# reading (YIBAO_TEST_READING) or batch (bN, YIBAO_TEST_BATCH) to
# $work/calls and runs the next line of $work/actions (":" nothing) with
# y() at hand.
action_hook() {
    cat >"$work/hook.sh" <<EOF
echo "\${YIBAO_TEST_READING:-}\${YIBAO_TEST_BATCH:+b\$YIBAO_TEST_BATCH}" >>"$work/calls"
line=\$(head -n 1 "$work/actions")
sed -i 1d "$work/actions"
y() { "$YIBAO" "\$@" --db "$db"; }
eval "\$line"
EOF
}

# credential CODE: sets paasid_CODE and token_CODE
credential() {
    local out
    out=$("$YIBAO" credential issue "$1" --db "$db") || fail "credential issue $1"
    eval "paasid_$1=$(echo "$out" | sed -n 's/^paasid=//p')"
    eval "token_$1=$(echo "$out" | sed -n 's/^token=//p')"
}

start_server() {
    rm -f "$work/serve.log"   # not the last server's line; the shell may open it after we look
    "$YIBAO" serve --db "$db" --listen 127.0.0.1:0 "$@" >"$work/serve.log" 2>&1 &
    server_pid=$!
    # until it says where it listens or exits: a busy machine may take long
    # to open a store (the test runner's timeout ends a hang)
    while :; do
        url=$(sed -n 's/^yibao serve: listening on //p' "$work/serve.log" 2>/dev/null || true)
        [ -n "$url" ] && return 0
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; fail "server exited"; }
        sleep 0.1
    done
}

stop_server() {
    [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    server_pid=""
}

# envelope INFNO CODE INPUT_JSON [MSGID]: prints the request body; its
# sign_no is $SIGN_NO when set (even empty), else sign_CODE (see sign_in)
envelope() {
    local msgid=${4:-$2$(date +%s%N)$RANDOM} sign
    eval "sign=\${sign_$2:-}"
    sign=${SIGN_NO-$sign}
    printf '{"infno":"%s","msgid":"%s","mdtrtarea_admvs":"440900","insuplc_admdvs":"440900","recer_sys_code":"T","infver":"V1.0","opter_type":"1","opter":"001","opter_name":"Test","inf_time":"2020-06-01 10:00:00","fixmedins_code":"%s","fixmedins_name":"x","sign_no":"%s","input":%s}' \
        "$1" "$msgid" "$2" "$sign" "$3"
}

# post_as CODE BODY_FILE [sign options...]: signed POST, prints the answer
post_as() {
    local code=$1 file=$2; shift 2
    local p t
    eval "p=\$paasid_$code; t=\$token_$code"
    local -a hdr=()
    while IFS= read -r line; do hdr+=(-H "$line"); done < <(YIBAO_TOKEN="$t" "$YIBAO" sign --paasid "$p" --body "$file" "$@")
    curl -s --max-time 10 -X POST "$url" -H 'Content-Type: application/json' "${hdr[@]}" --data-binary @"$file"
}

# api_post CODE BODY_FILE INFNO TS [SIGNATURE] [URL]: posts with the
# provincial gateways' _api_* headers (docs/INTEROP.md): base64 of the
# HMAC-SHA1 of the four _api_ fields under the token; TS seconds or ms
api_post() {
    local p t sig
    eval "p=\$paasid_$1; t=\$token_$1"
    sig=${5:-$(printf '_api_access_key=%s&_api_name=%s&_api_timestamp=%s&_api_version=1.0.0' "$p" "$3" "$4" |
        openssl dgst -sha1 -hmac "$t" -binary | base64)}
    curl -s --max-time 10 -X POST "${6:-$url}" -H 'Content-Type: application/json' -H "_api_access_key: $p" \
        -H "_api_name: $3" -H "_api_timestamp: $4" -H "_api_version: 1.0.0" -H "_api_signature: $sig" \
        --data-binary @"$2"
}

# post_as_url URL CODE BODY_FILE: post_as to another URL
post_as_url() {
    local saved=$url r
    url=$1
    r=$(post_as "$2" "$3")
    url=$saved
    printf '%s' "$r"
}

# call CODE INFNO INPUT_JSON [MSGID]: builds, signs, posts; prints the answer
call() {
    envelope "$2" "$1" "$3" "${4:-}" >"$work/req.json"
    post_as "$1" "$work/req.json"
}

# sign_in CODE...: 9001 for each CODE (server running); sets sign_CODE
sign_in() {
    local code a s
    for code in "$@"; do
        a=$(SIGN_NO= call "$code" 9001 '{"signIn":{"opter_no":"001","mac":"00:00:00:00:00:00","ip":"127.0.0.1"}}')
        s=$(echo "$a" | jq -r .output.signinoutb.sign_no 2>/dev/null)
        [[ "$s" =~ ^[0-9]+$ ]] || fail "9001 for $code: $a"
        eval "sign_$code=$s"
    done
}

# expect_ok ANSWER: infcode 0
expect_ok() { [ "$(echo "$1" | jq -r .infcode)" = 0 ] || fail "expected infcode 0: $1"; }
# expect_err ANSWER PATTERN: infcode -1 and err_msg matching PATTERN
expect_err() {
    [ "$(echo "$1" | jq -r .infcode)" = -1 ] || fail "expected infcode -1: $1"
    echo "$1" | jq -r .err_msg | grep -q -- "$2" || fail "err_msg does not match '$2': $1"
}
# expect_field ANSWER JQPATH VALUE
expect_field() {
    local got
    got=$(echo "$1" | jq -r "$2")
    [ "$got" = "$3" ] || fail "$2 = $got, expected $3 in: $1"
}

# refuse_import KIND FILE MESSAGE CSV-ROWS...: `yibao import KIND` of
# $work/FILE holding the rows exits 2 with MESSAGE on stderr and writes no
# journal record
refuse_import() {
    local kind=$1 file=$2 want=$3
    shift 3
    local count
    count=$(sql "SELECT count(*) FROM journal")
    printf '%s\n' "$@" >"$work/$file"
    y import "$kind" "$work/$file" >"$work/out" 2>"$work/err"
    local rc=$?
    [ "$rc" = 2 ] || fail "import $kind $*: exit $rc, not 2: $(cat "$work/out" "$work/err")"
    grep -qF -- "$want" "$work/err" || fail "import $kind $*: no '$want' in: $(cat "$work/err")"
    [ "$(sql "SELECT count(*) FROM journal")" = "$count" ] || fail "import $kind $*: the journal changed"
}

# enrol_city_store MONTHS: a 2,000-person city (registry only) whose
# enrolment files are tests/enrol_city.py's for MONTHS (2020-01,2020-02),
# imported with the Maoming 2020 policies into $db; sets $city
enrol_city_store() {
    city=$work/city
    "$YIBAO" gen city --persons 2000 --out "$city" --registry-only >/dev/null || fail "gen city"
    rm -f "$city"/employers*.csv "$city"/episodes*.csv "$city"/wages*.csv "$city"/bindings*.csv
    python3 "$root/tests/enrol_city.py" "$city" --months "$1" || fail "enrol_city.py"
    y import institutions "$city/institutions.csv" >/dev/null || fail "import institutions"
    y import policy "$root/policies/maoming-2020-employee.json" \
        "$root/policies/maoming-2020-resident.json" >/dev/null || fail "import policy"
    y import persons "$city/persons.csv" >/dev/null || fail "import persons"
    local k
    for k in employers episodes wages; do
        # shellcheck disable=SC2086
        y import "$k" $(ls "$city"/$k*.csv) >/dev/null 2>"$work/err" || fail "import $k: $(cat "$work/err")"
    done
}

# restrict_store: $db becomes the version-19 store of release 663bb00
# (tests/fixtures/store-663bb00-restrict.*, make_restrict_store.sh), whose
# last catalog import kept restrictions that release did not
restrict_store() {
    local fixture=$root/tests/fixtures/store-663bb00-restrict
    if [ "$SVC_BACKEND" = pg ]; then
        psql -q -v ON_ERROR_STOP=1 "$db" -f "$fixture-pg.sql" >/dev/null || fail "restore $fixture-pg.sql"
    else
        cp "$fixture.sqlite" "$db"
    fi
    [ "$(sql "SELECT max(version) FROM schema_version")" = 19 ] || fail "not a version 19 store"
}
