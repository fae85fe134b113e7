# visit_lib.sh: the visit-flow benchmarks' common set-up, sourced by
# pg_statements.sh, pg_visit_profile.sh and visit_times.sh (not run alone).
#   visit_city Y DIR      a 5,000-person city's registry in DIR/city; sets
#                         code (its first township hospital)
#   visit_store Y DB DIR  that city imported into DB with the maoming-2020
#                         policies and the conformance catalog, and a
#                         credential for $code: sets paasid and token
#   visit_serve Y DB LOG  `yibao serve` on a free port, its output in LOG:
#                         sets pid and url; exits 1 when it does not start
visit_city() {
    "$1" gen city --persons 5000 --seed 1 --registry-only --out "$2/city" >/dev/null
    code=$(awk -F, '$3 == "hospital" && $4 == "township" { print $1; exit }' "$2/city/institutions.csv")
}

visit_store() {
    "$1" import --db "$2" institutions "$3/city/institutions.csv" >/dev/null
    "$1" import --db "$2" policy policies/maoming-2020-employee.json policies/maoming-2020-resident.json >/dev/null
    "$1" import --db "$2" catalog policies/catalog-conformance.json >/dev/null
    "$1" import --db "$2" persons "$3/city/persons.csv" >/dev/null
    eval "$("$1" credential issue "$code" --db "$2" 2>/dev/null | grep -E '^(paasid|token)=')"
}

visit_serve() {
    "$1" serve --db "$2" --listen 127.0.0.1:0 --nonce-cache 16777216 >"$3" 2>&1 &
    pid=$!
    url=""
    while [ -z "$url" ]; do # until it listens or exits
        # the log may not exist yet (the server's shell opens it after its
        # fork): not a failure under set -e, as it was for 1 run in ~7
        url=$(sed -n 's/^yibao serve: listening on //p' "$3" 2>/dev/null || true)
        [ -n "$url" ] && break
        kill -0 "$pid" 2>/dev/null || { cat "$3" >&2; exit 1; }
        sleep 0.1
    done
}
