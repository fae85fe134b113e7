#!/usr/bin/env bash
# t_funds_reference.sh: differential test of the fund rules (FUNDS.md §1-5,
# the kinds of issue 16, and §6-8, the payment and report kinds of issue 17)
# against an independent model of the spec (tests/ref/funds_reference.py,
# tests/ref/payment_reference.py). With YIBAO_SHARED the model first
# re-derives every shipped funds vector of those kinds; then it writes random
# policies (random `funding` sections on the repo's settlement policies, one
# broken) and random vectors, valid and invalid, that `yibao conformance`
# must pass. One fixed seed, plus one that changes every run (printed, so a
# failure can be reproduced with REF_SEED=...).
set -euo pipefail
root=${YIBAO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
yibao=${YIBAO:-$root/build/release/yibao}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [ -n "${YIBAO_SHARED:-}" ] && [ -d "$YIBAO_SHARED/conformance/funds/vectors" ]; then
    python3 "$root/tests/ref/funds_reference.py" selftest "$YIBAO_SHARED"/conformance/funds/vectors/*.json
fi
count=${REF_COUNT:-1500} # 100 of each of the 15 kinds
for seed in 1 "${REF_SEED:-$(date +%s)}"; do
    echo "funds reference vectors: seed $seed, $count vectors"
    python3 "$root/tests/ref/funds_reference.py" gen --seed "$seed" --count "$count" \
        --base "$root/tests/vectors/policies" --out "$tmp/$seed"
    out=$("$yibao" conformance "$tmp/$seed/vectors") || { echo "$out" | grep -v '^PASS' | head -20; exit 1; }
    last=$(echo "$out" | tail -1)
    [ "$last" = "$count passed, 0 failed" ] || { echo "last line: $last"; exit 1; }
    echo "$last"
done
echo "t_funds_reference: ok"
