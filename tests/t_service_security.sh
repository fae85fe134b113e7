#!/usr/bin/env bash
# t_service_security.sh: the service's secrets and person data (issue 13,
# items 7 and 8; docs/SECURITY.md):
#   - no token in the database: credentials keep a version and a key id,
#     the token derives from the key file (0600; a readable one is refused);
#   - `yibao sign` takes no token on its command line; --token-file or
#     YIBAO_TOKEN instead;
#   - rotate ends the old token; a key that is not the credential's is named;
#   - a credential held to the body-signing HMAC mode refuses sha256;
#   - revoked institutions read nothing, suspended ones no person;
#   - person lookups are rate-limited per credential and every one audited;
#   - sign_no values are random, not sequential;
#   - every credential edit is journaled, and check finds one made in SQL.
set -euo pipefail
source "$(dirname "$0")/t_service_lib.sh"

make_city
printf 'fixmedins_code,fixmedins_name,type,level,admdvs,status\nH7,Revoked Hospital,hospital,level2,440900,revoked\n' \
    >"$work/more.csv"
"$YIBAO" import --db "$db" institutions "$work/more.csv" >/dev/null || fail "import H7"
sqlq() { sqlite3 -batch -cmd ".timeout 30000" "$db" "$1"; }

# ---- the token is derived, never stored -----------------------------------
credential H3
credential H8
credential H9
credential H7
key="$db.key"
[ -f "$key" ] || fail "credential issue made no key file beside the store"
[ "$(stat -c %a "$key")" = 600 ] || fail "key file mode $(stat -c %a "$key"), want 600"
[ "$(sqlq "SELECT count(*) FROM svc_credential WHERE token <> ''")" = 0 ] || fail "a token is stored"
[ "$(sqlq "SELECT min(token_version) FROM svc_credential")" = 1 ] || fail "token_version"
for f in "$db" "$db-wal"; do
    [ -f "$f" ] || continue
    ! grep -q "$token_H3" "$f" || fail "the token is in $f"
done
# --token-file: the token in a new 0600 file, not on stdout
out=$("$YIBAO" credential issue H0 --db "$db" --token-file "$work/h0.token")
! grep -q '^token=' <<<"$out" || fail "--token-file still printed the token: $out"
[ "$(stat -c %a "$work/h0.token")" = 600 ] || fail "token file mode"

# ---- yibao sign: no token on the command line ------------------------------
echo '{}' >"$work/empty.json"
if "$YIBAO" sign --paasid "$paasid_H3" --token "$token_H3" --body "$work/empty.json" 2>"$work/err"; then
    fail "sign --token accepted"
fi
grep -q "token-file" "$work/err" || fail "sign --token: $(cat "$work/err")"
if "$YIBAO" sign --paasid "$paasid_H3" --body "$work/empty.json" 2>"$work/err"; then
    fail "sign without a token"
fi
grep -q "YIBAO_TOKEN" "$work/err" || fail "sign without a token: $(cat "$work/err")"
"$YIBAO" sign --paasid x --token-file "$work/h0.token" --body "$work/empty.json" | grep -q '^x-tif-signature: ' ||
    fail "sign --token-file"

# ---- a key file others can read is refused ---------------------------------
chmod 644 "$key"
if "$YIBAO" serve --db "$db" --listen 127.0.0.1:0 >"$work/serve.log" 2>&1; then fail "served with a 0644 key"; fi
grep -q "readable by others" "$work/serve.log" || fail "0644 key: $(cat "$work/serve.log")"
chmod 600 "$key"

start_server --person-reads-burst 5 --person-reads-per-min 1 --path-prefix /hsa/
sign_in H3 H8 H9
# --path-prefix: a base URL plus the infno (docs/INTEROP.md)
envelope 9001 H8 '{"signIn":{"opter_no":"001","mac":"00:00:00:00:00:00","ip":"127.0.0.1"}}' >"$work/pp.json"
a=$(post_as_url "${url%/fsi/*}/hsa/9001" H8 "$work/pp.json"); expect_ok "$a"
envelope 9001 H8 '{"signIn":{"opter_no":"001","mac":"00:00:00:00:00:00","ip":"127.0.0.1"}}' >"$work/pp.json"
a=$(post_as_url "${url%/fsi/*}/hsa" H8 "$work/pp.json"); expect_ok "$a"
# sign_nos are random: not one after the other
[ $((10#$sign_H8 - 10#$sign_H3)) -ne 1 ] && [ $((10#$sign_H9 - 10#$sign_H8)) -ne 1 ] || fail "sequential sign_no: $sign_H3 $sign_H8 $sign_H9"
[ $((10#$sign_H3)) -gt 1000000 ] || [ $((10#$sign_H8)) -gt 1000000 ] || fail "sign_nos look small: $sign_H3 $sign_H8"

# ---- person lookups: limited per credential, every one audited --------------
for i in 1 2 3 4 5; do
    a=$(call H3 1101 '{"data":{"psn_no":"P0001"}}'); expect_ok "$a"
done
a=$(call H3 1101 '{"data":{"psn_no":"P0002"}}'); expect_err "$a" "over its limit"
a=$(call H8 1101 '{"data":{"psn_no":"P0002"}}'); expect_ok "$a" # another credential's own bucket
[ "$(sqlq "SELECT count(*) FROM svc_audit WHERE code = 'H3' AND psn_no = 'P0001' AND outcome = 'answered' AND infno = '1101' AND paasid = '$paasid_H3'")" = 5 ] ||
    fail "audit of H3's reads: $(sqlq "SELECT * FROM svc_audit")"
[ "$(sqlq "SELECT count(*) FROM svc_audit WHERE code = 'H3' AND outcome LIKE '%over its limit%'")" = 1 ] ||
    fail "the refused read is not audited: $(sqlq "SELECT * FROM svc_audit")"
a=$(call H8 1101 '{"data":{"psn_no":"NOBODY"}}'); expect_err "$a" "no insured person"
[ "$(sqlq "SELECT count(*) FROM svc_audit WHERE code = 'H8' AND psn_no = 'NOBODY'")" = 1 ] ||
    fail "a lookup of nobody is not audited"

# ---- revoked and suspended institutions read no person ----------------------
a=$(call H9 1101 '{"data":{"psn_no":"P0001"}}'); expect_err "$a" "suspended and cannot read persons"
a=$(call H9 5206 '{"data":{"psn_no":"P0001","year":"2020"}}'); expect_err "$a" "suspended and cannot read persons"
a=$(SIGN_NO= call H7 9001 '{"signIn":{"opter_no":"001","mac":"00:00:00:00:00:00","ip":"127.0.0.1"}}')
expect_err "$a" "revoked"
a=$(SIGN_NO=1 call H7 1101 '{"data":{"psn_no":"P0001"}}'); expect_err "$a" "revoked"

# ---- rotate: the old token stops, the new one signs -------------------------
old=$token_H8
out=$("$YIBAO" credential rotate "$paasid_H8" --db "$db")
token_H8=$(echo "$out" | sed -n 's/^token=//p')
[ -n "$token_H8" ] && [ "$token_H8" != "$old" ] || fail "rotate: $out"
# the server re-reads a cached credential every SVC_CRED_RECHECK_S: wait for it
for _ in $(seq 1 300); do
    a=$(call H8 5203 '{"data":{"setl_id":"1"}}')
    echo "$a" | jq -r .err_msg | grep -q "signature" || break
    sleep 0.1
done
echo "$a" | jq -r .err_msg | grep -qv "signature" || fail "the rotated token is refused: $a"
token_new=$token_H8
token_H8=$old
a=$(call H8 5203 '{"data":{"setl_id":"1"}}'); expect_err "$a" "signature does not match"
token_H8=$token_new

# ---- HMAC required per credential --------------------------------------------
"$YIBAO" credential hmac "$paasid_H3" required --db "$db" >/dev/null
for _ in $(seq 1 300); do # until the server has re-read the credential
    envelope 5203 H3 '{"data":{"setl_id":"1"}}' >"$work/q.json"
    a=$(post_as H3 "$work/q.json")
    echo "$a" | jq -r .err_msg | grep -q "must sign the body" && break
    sleep 0.1
done
expect_err "$a" "must sign the body"
envelope 5203 H3 '{"data":{"setl_id":"1"}}' >"$work/q.json"
a=$(api_post H3 "$work/q.json" 5203 "$(date +%s)"); expect_err "$a" "must sign the body"
envelope 5203 H3 '{"data":{"setl_id":"1"}}' >"$work/q.json"
a=$(post_as H3 "$work/q.json" --hmac)
echo "$a" | jq -r .err_msg | grep -qv "auth" || fail "hmac-signed request refused: $a"
stop_server

# ---- another key: the credentials name the key they need --------------------
mv "$key" "$work/key.saved"
"$YIBAO" credential issue H0 --db "$db" --key-file "$work/other.key" >/dev/null
start_server --key-file "$work/other.key"
a=$(call H8 5203 '{"data":{"setl_id":"1"}}'); expect_err "$a" "issued under key"
stop_server
mv "$work/key.saved" "$key"

# ---- every credential edit is journaled; check compares the table -----------
"$YIBAO" credential revoke "$paasid_H9" --db "$db" >/dev/null || fail "revoke H9's credential"
edits=$(sqlq "SELECT count(*) FROM journal WHERE kind = 3 AND body LIKE 'what=credentials %'")
[ "$edits" = 9 ] || fail "credential edits journaled: $edits, want 9 (6 issues, rotate, hmac, revoke)"
"$YIBAO" check --db "$db" >/dev/null || fail "check"
sqlq "UPDATE svc_credential SET status = 'active' WHERE paasid = '$paasid_H9'"
rc=0; out=$("$YIBAO" check --db "$db") || rc=$?
[ "$rc" = 1 ] && [[ "$out" == *"credentials: the svc_credential table differs from what journal seq"* ]] ||
    fail "a revoked credential set active in SQL: check exited $rc: $out"
echo "t_service_security: ok"
