#!/usr/bin/env bash
# tests/interop/run.sh [STYLE...]: replays the recorded client requests of
# tests/interop/fixtures/<style>/ against a real `yibao serve` and prints one
# line per step: PASS, or FAIL with why (infcode -1 and its err_msg, or the
# answer fields the client reads that are missing or of another type than
# the interface's). `make test` runs it through tests/t_interop.sh; see
# tests/interop/README.md and docs/INTEROP.md.
#
# Needs bash, jq, curl, openssl; YIBAO (default build/release/yibao).
# INTEROP_NATIVE=1 sends every style with today's x-tif sha256 headers to
# the standard path, to see what its bodies meet past those two gates.
# Exit status: 0 when every step of every style passed, 1 otherwise.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export YIBAO=${YIBAO:-$root/build/release/yibao}
export YIBAO_ROOT=$root
[ -x "$YIBAO" ] || { echo "run.sh: no yibao binary at $YIBAO (make first)" >&2; exit 2; }
for tool in jq curl openssl; do
    command -v "$tool" >/dev/null || { echo "run.sh: needs $tool" >&2; exit 2; }
done
# shellcheck source=../t_service_lib.sh
source "$root/tests/t_service_lib.sh" # make_city, credential, start_server, cleanup at exit

if [ $# -gt 0 ]; then styles=("$@"); else
    styles=(); for d in "$here"/fixtures/*/; do styles+=("$(basename "$d")"); done
fi

make_city
for code in H0 H3 H8 P1; do credential "$code"; done
start_server --threads 2 --path-prefix /hsa-gw/yb # the java style posts to a prefix plus the infno
origin=${url%%/fsi/*} # http://127.0.0.1:PORT

total_pass=0 total_fail=0
seq_no=0

# sign_headers SCHEME UNIT NONCE_KIND CODE INFNO BODY_FILE: prints curl -H lines
sign_headers() {
    local scheme=$1 unit=$2 nkind=$3 code=$4 infno=$5 file=$6 p t ts nonce sig
    eval "p=\$paasid_$code; t=\$token_$code"
    ts=$(date +%s)
    [ "$unit" = ms ] && ts=$(( ts * 1000 + 10#$(date +%N | cut -c1-3) ))
    case "$nkind" in
        digits-short) nonce=$(( (seq_no * 7919) % 9999999999 + 1 )) ;; # 1-10 digits
        *) nonce=$(cat /proc/sys/kernel/random/uuid) ;;
    esac
    case "$scheme" in
        x-tif-sha256)
            sig=$(printf '%s%s%s%s' "$ts" "$t" "$nonce" "$ts" | sha256sum | cut -d' ' -f1)
            printf '%s\n' "x-tif-paasid: $p" "x-tif-timestamp: $ts" "x-tif-nonce: $nonce" "x-tif-signature: $sig" ;;
        x-tif-hmac)
            sig=$({ printf '%s\n%s\n' "$ts" "$nonce"; cat "$file"; } | openssl dgst -sha256 -hmac "$t" | sed 's/^.*= //')
            printf '%s\n' "x-tif-paasid: $p" "x-tif-timestamp: $ts" "x-tif-nonce: $nonce" "x-tif-signature: $sig" \
                "x-tif-signature-method: hmac-sha256" ;;
        api) # AK = paasid, SK = token (the mapping proposed in docs/INTEROP.md)
            local s="_api_access_key=$p&_api_name=$infno&_api_timestamp=$ts&_api_version=1.0.0"
            sig=$(printf '%s' "$s" | openssl dgst -sha1 -hmac "$t" -binary | base64)
            printf '%s\n' "_api_access_key: $p" "_api_name: $infno" "_api_timestamp: $ts" \
                "_api_version: 1.0.0" "_api_signature: $sig" ;;
        *) echo "run.sh: unknown header scheme $scheme" >&2; return 1 ;;
    esac
}

# check_reads ANSWER READS_JSON: prints the problems, one per line. One jq
# program for all the fields a step reads (a jq process per field made the
# suite take minutes on a busy machine); a program that does not run is a
# problem too, never a pass.
check_reads() {
    local k want parts=() path_re='^[][A-Za-z0-9_.]+$'
    while IFS=$'\t' read -r k want; do
        [[ $k =~ $path_re ]] || { echo "$k: not a field path this check reads"; continue; }
        parts+=("chk(\"$k\"; \"$want\"; .${k})")
    done < <(jq -r 'to_entries[] | "\(.key)\t\(.value)"' <<<"$2")
    [ ${#parts[@]} -eq 0 ] && return 0
    local prog='
        def ok($w): if $w == "string" then type == "string"
            elif $w == "number" then type == "number"
            elif $w == "date" then type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
            elif $w == "datetime" then type == "string" and
                test("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")
            elif $w == "array" then type == "array"
            elif $w == "object" then type == "object"
            else false end;
        def chk($k; $w; g): (try [g] catch []) as $got
            | if ($got | length) > 0 and ($got | all(ok($w))) then empty
              elif $got == [] or $got == [null] then "\($k) missing"
              else "\($k): \(($got | map(select(ok($w) | not))) + $got | .[0] | tojson | .[0:40]) is not a \($w)"
              end;'
    jq -r "$prog $(IFS=,; echo "${parts[*]}")" <<<"$1" || echo "reads: the check did not run"
}

run_style() {
    local style=$1 dir=$here/fixtures/$1
    local meta=$dir/meta.json
    [ -f "$meta" ] || { echo "$style: no meta.json" >&2; return 1; }
    local scheme unit nkind path ctype n i
    scheme=$(jq -r .header_scheme "$meta"); unit=$(jq -r .timestamp_unit "$meta")
    nkind=$(jq -r '.nonce // "none"' "$meta"); path=$(jq -r .path "$meta")
    ctype=$(jq -r .content_type "$meta")
    if [ -n "${INTEROP_NATIVE:-}" ]; then # diagnosis: the bodies through today's headers and path
        scheme=x-tif-sha256; unit=s; nkind=uuid; path=/fsi/api/rsfComIfsService/callService
    fi
    declare -A bound=() msgid_of=()
    n=$(jq '.steps | length' "$meta")
    local pass=0 fail=0
    for ((i = 0; i < n; i++)); do
        local st step code infno file body msgid why answer hdrs rurl http reads
        st=$(jq -c ".steps[$i]" "$meta")
        step=$(jq -r .step <<<"$st"); code=$(jq -r .as <<<"$st")
        infno=${step#*-}; file=$dir/$step.json
        seq_no=$((seq_no + 1))
        msgid=$(printf '%s%s%04d' "$code" "$(date +%Y%m%d%H%M%S)" $((seq_no % 10000)))
        body=$(cat "$file")
        body=${body//\{\{msgid\}\}/$msgid}
        body=${body//\{\{now\}\}/$(date '+%Y-%m-%d %H:%M:%S')}
        body=${body//\{\{now_compact\}\}/$(date '+%Y%m%d%H%M%S')}
        body=${body//\{\{today\}\}/$(date '+%Y-%m-%d')}
        local key ref
        for key in "${!bound[@]}"; do body=${body//\{\{$key\}\}/${bound[$key]}}; done
        while [[ $body =~ \{\{msgid_of:last-([0-9A-Z]+)\}\} ]]; do
            ref=${BASH_REMATCH[1]}; body=${body//\{\{msgid_of:last-$ref\}\}/${msgid_of[$ref]:-}}
        done
        why=""
        if [[ $body =~ \{\{([a-zA-Z0-9_:-]+)\}\} ]]; then why="unbound placeholder {{${BASH_REMATCH[1]}}} (an earlier step failed); "; fi
        printf '%s' "$body" >"$work/req.json"
        msgid_of[$infno]=$msgid
        rurl=$origin${path//\{infno\}/$infno}
        local -a harr=()
        while IFS= read -r line; do harr+=(-H "$line"); done < <(sign_headers "$scheme" "$unit" "$nkind" "$code" "$infno" "$work/req.json")
        answer=$(curl -s --max-time 20 -o "$work/ans.json" -w '%{http_code}' -X POST "$rurl" \
            -H "Content-Type: $ctype" "${harr[@]}" --data-binary @"$work/req.json")
        http=$answer; answer=$(cat "$work/ans.json" 2>/dev/null)
        if ! jq -e . <<<"$answer" >/dev/null 2>&1; then
            why+="HTTP $http, not JSON: $(printf '%s' "$answer" | head -c 80)"
        elif [ "$(jq -r .infcode <<<"$answer")" != 0 ]; then
            why+="infcode $(jq -r .infcode <<<"$answer"): $(jq -r .err_msg <<<"$answer" | head -c 160)"
        else
            reads=$(jq -c '.reads // {}' <<<"$st")
            local problems
            local all nprob
            all=$(check_reads "$answer" "$reads")
            problems=$(printf '%s' "$all" | head -n 8 | paste -sd';' -)
            nprob=$(printf '%s' "$all" | grep -c .)
            [ -n "$problems" ] && why+="reads: ${problems//;/; }$([ "$nprob" -gt 8 ] && echo " (+$((nprob - 8)) more)")"
        fi
        # bindings for later steps; a failed one falls back to the style's fallback
        local bkeys bk bp bv
        bkeys=$(jq -r '.binds // {} | to_entries[] | "\(.key)\t\(.value)"' <<<"$st")
        while IFS=$'\t' read -r bk bp; do
            [ -z "$bk" ] && continue
            bv=$(jq -r ".${bp} // empty | tostring" <<<"$answer" 2>/dev/null)
            [ -z "$bv" ] && bv=$(jq -r --arg k "$bk" '.fallbacks[$k] // empty' "$meta")
            [ -n "$bv" ] && bound[$bk]=$bv
        done <<<"$bkeys"
        if [ -z "$why" ]; then
            pass=$((pass + 1)); printf '%-32s %-9s PASS\n' "$style" "$step"
        else
            fail=$((fail + 1)); printf '%-32s %-9s FAIL %s\n' "$style" "$step" "$why"
        fi
    done
    printf '%-32s %d passed, %d failed\n' "$style" "$pass" "$fail"
    total_pass=$((total_pass + pass)); total_fail=$((total_fail + fail))
}

for s in "${styles[@]}"; do run_style "$s"; done
echo "interop: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
