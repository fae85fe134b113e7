#!/usr/bin/env bash
# t_reference.sh: differential test of the settle engine against an
# independent model of the spec (tests/ref/reference.py). The model first
# re-derives every shipped vector, then writes random vectors — random
# policies, catalogs, persons, states, bills (valid and invalid) and revokes —
# that the C engine must pass; some carry family-sharing `holders` (FUNDS.md
# §5 Step 7b), and with YIBAO_SHARED the model also re-derives the shared
# family-sharing vectors. One fixed seed, plus one that changes every run
# (printed, so a failure can be reproduced with REF_SEED=...).
set -euo pipefail
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 "$root/tests/ref/reference.py" selftest "$root"/tests/vectors/vectors/*.json
if [ -n "${YIBAO_SHARED:-}" ] && [ -d "$YIBAO_SHARED/conformance/funds/vectors" ]; then
    # shellcheck disable=SC2046 # one argument per vector file
    python3 "$root/tests/ref/reference.py" selftest \
        $(grep -l '"holders"' "$YIBAO_SHARED"/conformance/funds/vectors/*.json)
fi
count=${REF_COUNT:-400}
for seed in 1 "${REF_SEED:-$(date +%s)}"; do
    echo "reference vectors: seed $seed, $count vectors"
    python3 "$root/tests/ref/reference.py" gen --seed "$seed" --count "$count" --out "$tmp/$seed"
    out=$("$YIBAO" conformance "$tmp/$seed/vectors") || { echo "$out" | grep -v '^PASS' | head -20; exit 1; }
    echo "$out" | tail -1
done
