#!/usr/bin/env bash
# t_conformance.sh: `yibao conformance` over the repo's copy of the vectors
# (tests/vectors/vectors) and, when YIBAO_SHARED is set, over the shared
# ones: every vector passes, the last line is "N passed, 0 failed", exit 0.
# Then a copy of one vector with a deliberately wrong expected figure must
# fail: exit 1 and a FAIL line naming the field and both figures.
set -uo pipefail
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
yibao=${YIBAO:-$root/build/release/yibao}
status=0
fail() { echo "FAIL: $*"; status=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -x "$yibao" ] || { echo "no yibao binary at $yibao"; exit 1; }

# The repo's copy: as many passes as vector files.
repo="$root/tests/vectors/vectors"
n=$(ls "$repo"/*.json | wc -l)
[ "$n" -gt 0 ] || fail "no vectors in $repo"
out=$(timeout 120 "$yibao" conformance "$repo" 2>"$tmp/err"); rc=$?
last=$(printf '%s\n' "$out" | tail -n 1)
[ "$rc" -eq 0 ] || fail "repo vectors: exit $rc"
[ "$last" = "$n passed, 0 failed" ] || fail "repo vectors: last line '$last', want '$n passed, 0 failed'"
[ "$(printf '%s\n' "$out" | grep -c '^PASS ')" -eq "$n" ] || fail "repo vectors: PASS lines != $n"
! grep -q '^FAIL ' <<<"$out" || fail "repo vectors: a FAIL line"
[ ! -s "$tmp/err" ] || fail "repo vectors: stderr not empty: $(head -c 300 "$tmp/err")"

# The shared conformance suite: 128 vectors.
if [ -n "${YIBAO_SHARED:-}" ] && [ -d "$YIBAO_SHARED/conformance/vectors" ]; then
    out=$(timeout 120 "$yibao" conformance "$YIBAO_SHARED/conformance/vectors"); rc=$?
    last=$(printf '%s\n' "$out" | tail -n 1)
    [ "$rc" -eq 0 ] || fail "shared vectors: exit $rc"
    [ "$last" = "128 passed, 0 failed" ] || fail "shared vectors: last line '$last'"
else
    echo "note: YIBAO_SHARED not set; shared vectors skipped"
fi

# A single file works too, and several paths add up.
v000=$(ls "$repo"/000-*.json | head -n 1)
out=$(timeout 30 "$yibao" conformance "$v000" "$v000"); rc=$?
[ "$rc" -eq 0 ] || fail "single file: exit $rc"
[ "$(printf '%s\n' "$out" | tail -n 1)" = "2 passed, 0 failed" ] || fail "two paths: $(printf '%s\n' "$out" | tail -n 1)"

# A wrong expected figure: copy the vector next to its policy/catalog paths
# (they are relative to the vector file), change hifp_pay 1435.85 -> 1435.86.
mkdir -p "$tmp/vectors"
cp -r "$root/tests/vectors/policies" "$tmp/policies"
cp "$root/tests/vectors/catalog.json" "$tmp/catalog.json"
sed 's/"hifp_pay": 1435.85/"hifp_pay": 1435.86/' "$v000" > "$tmp/vectors/000-wrong.json"
grep -q '"hifp_pay": 1435.86' "$tmp/vectors/000-wrong.json" || fail "could not plant the wrong figure"
cp "$v000" "$tmp/vectors/001-right.json"
out=$(timeout 30 "$yibao" conformance "$tmp/vectors"); rc=$?
[ "$rc" -eq 1 ] || fail "wrong figure: exit $rc, want 1"
grep -q "^FAIL $tmp/vectors/000-wrong.json: step 0: setlinfo.hifp_pay: expected 1435.86, got 1435.85$" <<<"$out" \
    || fail "wrong figure: no FAIL line naming setlinfo.hifp_pay: $out"
grep -q "^PASS $tmp/vectors/001-right.json$" <<<"$out" || fail "the right copy did not pass"
[ "$(printf '%s\n' "$out" | tail -n 1)" = "1 passed, 1 failed" ] || fail "wrong figure: last line"

# A wrong state figure and a wrong expected error are named too.
sed 's/"cat_burden": 1773.15/"cat_burden": 1773.16/' "$v000" > "$tmp/vectors/000-wrong.json"
out=$(timeout 30 "$yibao" conformance "$tmp/vectors/000-wrong.json"); rc=$?
[ "$rc" -eq 1 ] || fail "wrong state: exit $rc"
grep -q "state.cat_burden: expected 1773.16, got 1773.15" <<<"$out" || fail "wrong state: $out"
sed 's/"expect": {/"expect": {"error": "E_DUP_LINE",/' "$v000" > "$tmp/vectors/000-wrong.json"
out=$(timeout 30 "$yibao" conformance "$tmp/vectors/000-wrong.json"); rc=$?
[ "$rc" -eq 1 ] || fail "wrong error: exit $rc"
grep -q "step 0: expected E_DUP_LINE, got success" <<<"$out" || fail "wrong error: $out"

[ $status -eq 0 ] && echo "t_conformance: ok"
exit $status
