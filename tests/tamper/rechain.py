#!/usr/bin/env python3
"""rechain.py EDITS: rewrites a yibao journal the way a forger with write
access would (tests/t_store_tamper.sh). Reads journal rows (seq|time_us|
kind|msgid|psn_no|fixmedins_code|ref_seq|year|req_hash|body|prev_hash, in
seq order, from the record to change on) on stdin, changes the first
record's body by EDITS ("hifp_pay+100,psn_cash_pay-100": a body key and
the fen to add), and prints the UPDATE statements that make every hash and
prev_hash from there on consistent again (journal.c's canonical form), so
that only what the chain does not cover can find the change."""
import hashlib
import re
import sys

KINDS = {"1": "settle", "2": "revoke", "3": "import"}


def edit(body, edits):
    for e in edits.split(","):
        m = re.fullmatch(r"([a-z_.0-9]+)([+-]\d+)", e)
        key, add = m.group(1), int(m.group(2))
        pat = re.compile(r"(^| )" + re.escape(key) + r"=(-?\d+)")
        if not pat.search(body):
            sys.exit(f"rechain.py: no key {key} in: {body}")
        body = pat.sub(lambda x: f"{x.group(1)}{key}={int(x.group(2)) + add}", body, count=1)
    return body


def main():
    prev = None
    print("BEGIN;")
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line:
            continue
        seq, time_us, kind, msgid, psn, inst, ref, year, req, body, prev_hash = line.split("|")
        if prev is None:
            prev = prev_hash
            body = edit(body, sys.argv[1])
        canon = "".join(x + "\n" for x in [prev, seq, time_us, KINDS[kind], msgid, psn, inst,
                                          ref, year, req, body])
        h = hashlib.sha256(canon.encode()).hexdigest()
        print(f"UPDATE journal SET body = '{body}', prev_hash = '{prev}', hash = '{h}'"
              f" WHERE seq = {seq};")
        prev = h
    print("COMMIT;")


if __name__ == "__main__":
    main()
