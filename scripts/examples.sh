#!/usr/bin/env bash
# examples.sh: settles the bundled sample bills of examples/ and prints, per
# bill, what each fund and the patient pay (`make examples`).
set -euo pipefail
cd "$(dirname "$0")/.."
yibao=${YIBAO:-build/release/yibao}
grep -v '^#' examples/MANIFEST | while read -r name policy; do
    state=()
    [ -f "examples/persons/$name.state.json" ] && state=(--state "examples/persons/$name.state.json")
    printf '%-42s ' "$name"
    "$yibao" settle --brief --policy "policies/$policy" --catalog policies/catalog-conformance.json \
        --institutions examples/institutions.json --person "examples/persons/$name.json" \
        "${state[@]}" "examples/bills/$name.json"
done
