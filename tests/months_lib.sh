# months_lib.sh: sourced by tests that build a store of every record kind
# (t_reports.sh, t_transfer.sh), after t_service_lib.sh (y, sql, fail,
# $work). months_again: the postings' business months (migration 20,
# docs/STORE.md) are what the fund reports computed from the journal
# before: the store is taken back to schema 19 (the column dropped, the
# version row deleted), read as it is by a read-only open (the reports
# then learn each record's month from the journal, as before: the same
# output to the byte; check passes), then migrated again by `yibao init`:
# every posting's month is back as it was at commit, the reports the same.
# A migration after 20 must be one that can run again (IF NOT EXISTS or a
# skip_if probe): this takes the store back past it too.

months_reports() { # OUT: the funds report, every format the tests compare
    local out=$1 f
    for f in json csv table; do
        y report funds --year 2020 --format "$f" >"$out.$f" 2>>"$out.err"
        echo "exit $?" >>"$out.err"
    done
    y report funds --year 2020 --month 3 --format csv >"$out.m3" 2>>"$out.err"
    y report funds --year 2020 --region 440900 --format json >"$out.r" 2>>"$out.err"
}

months_again() {
    local cols="SELECT seq, idx, month FROM postings ORDER BY seq, idx" o
    sql "$cols" >"$work/months.commit" || fail "months: read the postings' months"
    grep -q '|-1$' "$work/months.commit" && fail "months: a posting without its month"
    months_reports "$work/rep.commit"
    sql "ALTER TABLE postings DROP COLUMN month" >/dev/null || fail "months: drop the column"
    sql "DELETE FROM schema_version WHERE version >= 20" >/dev/null || fail "months: schema 19"
    months_reports "$work/rep.v19"
    for o in json csv table m3 r err; do
        cmp -s "$work/rep.commit.$o" "$work/rep.v19.$o" ||
            fail "months: the schema-19 store's report ($o) differs: $(diff "$work/rep.commit.$o" "$work/rep.v19.$o" | head -5)"
    done
    y check >/dev/null || fail "months: check of the schema-19 store: $(y check 2>&1)"
    y init >/dev/null 2>&1 || fail "months: init (the migration) of the schema-19 store"
    [ "$(sql "SELECT max(version) FROM schema_version")" -ge 20 ] || fail "months: not migrated"
    sql "$cols" >"$work/months.migrated" || fail "months: read the migrated months"
    cmp -s "$work/months.commit" "$work/months.migrated" ||
        fail "months: migration 20's months differ from the commit's: $(diff "$work/months.commit" "$work/months.migrated" | head -5)"
    months_reports "$work/rep.migrated"
    for o in json csv table m3 r err; do
        cmp -s "$work/rep.commit.$o" "$work/rep.migrated.$o" || fail "months: the migrated store's report ($o) differs"
    done
    y check >/dev/null || fail "months: check of the migrated store: $(y check 2>&1)"
}
