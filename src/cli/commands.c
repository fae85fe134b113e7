/* commands.c: the yibao command's subcommands as one table: name, what it
 * does, its usage, and whether it reads a store (--db, or YIBAO_DB). The
 * usage text lives here only: `yibao COMMAND --help` prints it on stdout
 * (exit 0), a command's bad usage prints it on stderr (exit 2), and the
 * README's command table is generated from the same text
 * (scripts/readme_commands.sh; tests/t_cli_conventions.sh fails when they
 * drift). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "gen/gen.h"

static void usage_gen(FILE *out) {
    assert(out != NULL);
    fputs("usage: yibao gen city --persons N --out DIR [--seed S] [--year Y]\n"
          "                      [--policy-set NAME] [--registry-only] [--no-plants]\n"
          "                      [--admission-rate X] [--outpatient-rate X]\n"
          "                      [--rate-split X] [--rate-overlap X] [--rate-visit-during-stay X]\n"
          "                      [--rate-gender X] [--rate-age X] [--rate-over-quantity X]\n"
          "                      [--rate-duplicate-charge X] [--rate-non-medical X]\n"
          "                      [--rate-duplicate-enrolment X] [--rate-short-career X]\n"
          "                      [--rate-substitution X]\n"
          "                      [--catalog-items N [--catalog-seed S]]\n"
          "       yibao gen catalog --items N --out FILE [--seed S]\n"
          "policy sets:",
          out);
    for (const char *const *n = gen_policy_set_names(); *n; n++) fprintf(out, " %s", *n);
    fputs(" (default maoming-2020)\nrates are probabilities in [0, 1]; see docs/GENERATOR.md\n",
          out);
}

static const struct cli_command commands[] = {
    {"settle", cmd_settle, "settle a bill from files, or bills durably into a store (--db)",
     "usage: yibao settle --policy P --catalog C --institutions INST.json --person PERSON.json\n"
     "                    [--state STATE.json] [--brief] [--explain [--json]] BILL.json|-\n"
     "       yibao settle --db PATH [--msgid ID] BILL.json|-\n"
     "       yibao settle --db PATH [--answers FILE] BILLS.jsonl|-\n"
     "(- reads standard input; --db from YIBAO_DB unless --policy is given; without a msgid\n"
     " a bill gets one derived from its content; a file of one bill a line is settled in\n"
     " batches: exit 0 all settled, 1 some refused, 2 bad lines, 130 stopped by Ctrl-C;\n"
     " --answers FILE appends the answers to FILE and, run again after an interruption,\n"
     " continues after the last line answered there;\n"
     " --explain: the brief line, then each step and each fee line's split, as text,\n"
     " or with --json as JSON lines {\"step\", \"text\"} before the result)\n",
     NULL, CLI_DB_UNLESS_POLICY},
    {"conformance", cmd_conformance,
     "run yibao-vector/1 and yibao-funds-vector/1 files and report PASS/FAIL",
     "usage: yibao conformance PATH...\n"
     "(a PATH is a vector file or a folder of them; a folder without vectors fails;\n"
     " a vector of a kind not built yet is a NOTRUN line, counted apart, never passed)\n",
     NULL, CLI_DB_NONE},
    {"gen", cmd_gen, "synthetic city (persons, institutions, bills, labels) or catalog", NULL,
     usage_gen, CLI_DB_NONE},
    {"init", cmd_init, "create an empty store (a SQLite file or a postgresql:// URI)",
     "usage: yibao init --db PATH [--key-file PATH]\n", NULL, CLI_DB},
    {"import", cmd_import,
     "load persons, institutions, policies, catalog, enrolment records, payment agreements,"
     " rules, inventory feeds into a store",
     "usage: yibao import --db PATH persons|institutions|policy|catalog FILE...\n"
     "                    [--operator NAME --reason TEXT]\n"
     "       yibao import --db PATH employers|episodes|wages|bindings|signings FILE...\n"
     "                    [--operator NAME --reason TEXT]\n"
     "       yibao import --db PATH payment FILE... [--operator NAME --reason TEXT]\n"
     "       yibao import --db PATH premiums FILE...\n"
     "       yibao import --db PATH collections FILE...\n"
     "       yibao import --db PATH rules FILE [--operator NAME --reason TEXT]\n"
     "       yibao import --db PATH inventory FILE... [--operator NAME --reason TEXT]\n"
     "(a FILE - is standard input; changing a registered person, institution or\n"
     " enrolment row, or a policy of the same region, year and scheme, needs --operator\n"
     " and --reason, which the import's journal record keeps; a policy changed inside\n"
     " its year names the day it is in force from, \"valid_from\": \"YYYY-MM-DD\";\n"
     " the enrolment files' columns: docs/ENROLMENT.md; a payment file, yibao-payment/1,\n"
     " holds a region's payment agreements for a year: docs/PAYMENT.md; a premiums file,\n"
     " psn_no,year,amount,paid_date, residents' own premiums paid in cash, each row as\n"
     " yibao pay-premium, all rows or none, at most 4,096: docs/CONTRIBUTIONS.md; a\n"
     " collections file, emp_no,month,amount,paid_date (employers) or psn_no,month,amount,\n"
     " paid_date (flexible workers), the months' contributions collected, each row at most\n"
     " what the month still owes, all rows or none, at most 4,096: docs/CONTRIBUTIONS.md;\n"
     " a rules file, yibao-rules/1, the rules settlement and 3101/3102 run, the last one\n"
     " imported in force: docs/RULES.md; an inventory file holds pharmacies' feeds as\n"
     " 3501-3506 carry them, fixmedins_code,infno,fixmedins_bchno,med_list_codg,day,cnt\n"
     " [,inv_chg_type,setl_id]: docs/SUPERVISION.md)\n",
     NULL, CLI_DB},
    {"contribute", cmd_contribute,
     "post an employee month's or a resident year's contributions into the journal and ledger",
     "usage: yibao contribute --db PATH --month YYYY-MM [--batch N] [--verbose]\n"
     "       yibao contribute --db PATH --year YYYY --residents [--batch N] [--verbose]\n"
     "(each person enrolled in the period one journal record with its postings, N persons\n"
     " a transaction (default 4096); a period already posted is not posted again, a run\n"
     " killed or stopped and started again posts the rest; --verbose lists the persons\n"
     " refused or not enrolled on stderr; exit 0 the run went through, 2 refused (a\n"
     " policy without a funding section) or failed; docs/CONTRIBUTIONS.md)\n",
     NULL, CLI_DB},
    {"derive-benefits", cmd_derive_benefits,
     "derive benefit start (employees: episodes; residents: premiums) and contribution_short",
     "usage: yibao derive-benefits --db PATH [--psn PSN_NO] [--operator NAME --reason TEXT]\n"
     "                             [--verbose]\n"
     "(each person registered in scheme 310 with an employee episode in their region: the\n"
     " benefit start of their latest episode (FUNDS.md §4: waiting months after a gap\n"
     " longer than the grace), for a retiree contribution_short while short of the\n"
     " minimum months and no lump sum is journaled; each resident (390) a contribution\n"
     " run charged: the start of the latest year covered, from the premium's payment\n"
     " (window, waiting days, newborns, assistance), or no benefit while unpaid; written\n"
     " into the registry with the flag benefit_derived as one journaled persons edit,\n"
     " which `yibao check` computes again; other persons keep their typed values;\n"
     " --verbose lists those the rules refuse; docs/ENROLMENT.md)\n",
     NULL, CLI_DB},
    {"pay-lump-sum", cmd_pay_lump_sum,
     "record a retiree's lump sum for the months short, lifting contribution_short",
     "usage: yibao pay-lump-sum --db PATH --psn PSN_NO --amount YUAN\n"
     "                          [--operator NAME --reason TEXT]\n"
     "(the retiree's months short of the policy's minimum times mul(avg_wage_monthly,\n"
     " lump_rate), FUNDS.md §4; --amount, what was collected, must be that sum; one\n"
     " journal record (a contribution, category lump_sum, msgid lump/310/PSN_NO) posting\n"
     " R:psn:PSN_NO -> F:hifp, then the person's benefit values derived again; paid\n"
     " once; docs/ENROLMENT.md)\n",
     NULL, CLI_DB},
    {"transfer", cmd_transfer,
     "move a person's personal account between regions as their episodes transfer them",
     "usage: yibao transfer --db PATH --psn PSN_NO [--to ADMDVS] [--balance YUAN]\n"
     "                      [--operator NAME --reason TEXT]\n"
     "(关系转移: the person's latest employee episode ending transfer_out and the next,\n"
     " starting transfer_in in another region; a region's books are here when the store\n"
     " holds an employee policy of it; from a region here the account's whole balance is\n"
     " paid out (P:PSN_NO -> T:<from>:<year>), into one it is taken in (T:<to>:<year> ->\n"
     " P:PSN_NO) and the person's registry region becomes the new one; --to names the\n"
     " region gone to when no episode follows (outbound to outside), --balance the\n"
     " balance carried in from a region not here; one journal record, msgid\n"
     " transfer/310/PSN_NO/FROM-TO/YYYY-MM: run again it posts nothing and says so;\n"
     " exit 2 naming the field, nothing written; docs/ENROLMENT.md)\n",
     NULL, CLI_DB},
    {"pay-premium", cmd_pay_premium,
     "record a resident's own premium of a year as paid, in cash or from a holder's account",
     "usage: yibao pay-premium --db PATH --psn PSN_NO --year YYYY --amount YUAN\n"
     "                         [--date YYYY-MM-DD] [--from-account HOLDER_PSN_NO]\n"
     "(the own premium posted by `yibao contribute --year YYYY --residents`, paid in\n"
     " full: --amount must be it, partial payments are refused; --date (default today,\n"
     " UTC) inside the collection window up to YYYY-12-31, else E_WINDOW; one journal\n"
     " record (a contribution, category premium_paid, msgid premium/390/YYYY/PSN_NO)\n"
     " posting C:REGION:YYYY (collected) -> R:psn:PSN_NO, or with --from-account the\n"
     " holder's personal account P:HOLDER -> R:psn:PSN_NO under FUNDS.md §5: E_CATEGORY,\n"
     " E_BINDING, E_ACCOUNT_SHORT; paid once; docs/CONTRIBUTIONS.md)\n",
     NULL, CLI_DB},
    {"collect-subsidy", cmd_collect_subsidy,
     "record public finance paying (part of) its subsidy of a region's resident year",
     "usage: yibao collect-subsidy --db PATH --region ADMDVS --year YYYY --amount YUAN\n"
     "                             [--date YYYY-MM-DD]\n"
     "(the subsidy `yibao contribute --year YYYY --residents` charged to\n"
     " R:fin:ADMDVS:YYYY; --amount at most what is still owed, in parts allowed; --date\n"
     " default today, UTC; one journal record (a contribution, category collected, msgid\n"
     " collect/fin/ADMDVS/YYYY/DATE: one payment a day) posting C:fin:ADMDVS:YYYY ->\n"
     " R:fin:ADMDVS:YYYY; exit 2 naming the option, nothing written; docs/CONTRIBUTIONS.md)\n",
     NULL, CLI_DB},
    {"pay", cmd_pay,
     "pay the institutions a month's settlements, less the deposit their agreements withhold",
     "usage: yibao pay --db PATH --month YYYY-MM [--batch N] [--verbose]\n"
     "(each institution with settlements or revokes journaled in the month one journal\n"
     " record: its payable less the withhold of its payment agreement, moved to its bank\n"
     " account B:<code> and deposit D:<code>:<year>; N institutions a transaction (default\n"
     " 256); a month paid is not paid again, records journaled in it after its run are\n"
     " paid by a catch-up record; a run killed or stopped and started again pays the\n"
     " rest; --verbose prints each record; exit 2 refused, nothing paid, when an\n"
     " institution has no agreement for a policy year of its settlements (each listed);\n"
     " docs/PAYMENT.md)\n",
     NULL, CLI_DB},
    {"settle-year", cmd_settle_year,
     "settle the year with each institution: its payment method's adjustment, its deposit",
     "usage: yibao settle-year --db PATH --year YYYY [--batch N] [--verbose]\n"
     "(each institution with a payment agreement for the policy year one journal record:\n"
     " its method's adjustment (global budget, per-case quotas, DIP points sharing the\n"
     " region's budget to the fen, capitation; fee for service none) paid from or to the\n"
     " basic pool, and its deposit of the year released to its bank account less its\n"
     " sanctions (the deposit deductions decided by `yibao case`, taken from the deposit\n"
     " at the decision); a year settled is not settled again; --verbose\n"
     " prints each record; exit 2 refused, nothing settled, when a settlement's\n"
     " institution has no agreement for the year or a region's DIP cannot be settled\n"
     " (each listed); docs/PAYMENT.md)\n",
     NULL, CLI_DB},
    {"check", cmd_check, "verify a store: hash chain, ledger, year states, bills",
     "usage: yibao check --db PATH [--expect-head SEQ:HASH] [--deep]\n", NULL, CLI_DB},
    {"explain", cmd_explain, "explain a stored settlement from the journal alone",
     "usage: yibao explain --db PATH SETL_ID [--json]\n"
     "(each step and each fee line's split, as text or, with --json, as JSON lines)\n",
     NULL, CLI_DB},
    {"show", cmd_show,
     "look up a person, settlement, institution, employer, the journal, the funds, the policies"
     " or the payment agreements",
     "usage: yibao show person PSN_NO --db PATH [--year Y] [--json]\n"
     "       yibao show settlement SETL_ID --db PATH [--json]\n"
     "       yibao show institution FIXMEDINS_CODE --db PATH [--json]\n"
     "       yibao show employer EMP_NO --db PATH [--json]\n"
     "       yibao show journal --db PATH [--from SEQ] [--limit N] [--json]\n"
     "       yibao show fund --db PATH [--region ADMDVS] [--year Y] [--json]\n"
     "       yibao show policy --db PATH [--region ADMDVS] [--year Y] [--json]\n"
     "       yibao show payment --db PATH [--region ADMDVS] [--year Y] [--json]\n"
     "(as the store is now, a running server's last settlements included; exit 1: not found)\n",
     NULL, CLI_DB},
    {"list", cmd_list, "list a day's settlements and revokes, of one institution or all",
     "usage: yibao list settlements --db PATH --date YYYY-MM-DD [--institution CODE] [--json]\n"
     "(the day in local time, as reconciliation (3201) counts it)\n",
     NULL, CLI_DB},
    {"report", cmd_report,
     "reports from the store: duplicate enrolments, the trial balance, the fund reports, arrears",
     "usage: yibao report duplicates --db PATH --year Y [--format table|jsonl]\n"
     "       yibao report trial-balance --db PATH [--format table|json]\n"
     "       yibao report funds|institutions|reimbursement|participation --db PATH --year Y\n"
     "                    [--region ADMDVS] [--month M] [--format table|csv|json]\n"
     "                    [--plot DIR] [--warn-months N]\n"
     "       yibao report arrears --db PATH --year Y [--employers] [--format table|csv|json]\n"
     "(duplicates: every ID number enrolled in two schemes or regions over overlapping\n"
     " months of Y, with the duplicate resident subsidy; docs/ENROLMENT.md. The fund\n"
     " reports, of months 1..M of Y (default 12), from the journal: revenue, spending,\n"
     " balance and months of support by fund and month; budget execution per\n"
     " institution; reimbursement ratios by level, scheme and group; participation.\n"
     " --plot writes SVG charts into DIR; exit 3 after early warnings: months of\n"
     " support below N (default 6), an institution projected over its corridor;\n"
     " docs/REPORTS.md. arrears: the residents whose own premium of Y is posted as due\n"
     " and not paid (yibao pay-premium), with the totals; --employers: each employer's\n"
     " and flexible worker's month of Y and finance's subsidy of Y, charged, collected\n"
     " (yibao import collections, collect-subsidy) and owed, with the totals;\n"
     " docs/CONTRIBUTIONS.md)\n",
     NULL, CLI_DB},
    {"case", cmd_case, "supervision cases: open, review, decide, sanction",
     "usage: yibao case grant --db PATH --to NAME --role reviewer|decider --operator NAME\n"
     "                        --reason TEXT\n"
     "       yibao case open --db PATH --year Y (--finding FINDINGS.jsonl --line N [--amount YUAN]\n"
     "                       | --inst CODE --kind KIND --amount YUAN --evidence TEXT)\n"
     "                       --operator NAME --reason TEXT\n"
     "       yibao case advance --db PATH --case ID --step review1|review2|decision|appeal\n"
     "                          --operator NAME --reason TEXT\n"
     "                          [--sanction none|recover|deduct|suspend|revoke\n"
     "                           [--amount YUAN] [--until YYYY-MM-DD]] [--outcome upheld|lifted]\n"
     "       yibao case list --db PATH [--format table|json]\n"
     "       yibao case show --db PATH --case ID [--format table|json]\n"
     "(steps in this order only: open, review1, review2, decision, appeal (optional); each one\n"
     " journal record with who, when and why; a reviewer opens and reviews (the second review\n"
     " another's), a decider who did not review decides, another decider the appeal; a\n"
     " decision recovers from the payable, deducts from the deposit, suspends or revokes the\n"
     " designation at once; refused steps exit 2, nothing written; docs/SUPERVISION.md)\n",
     NULL, CLI_DB},
    {"supervise", cmd_supervise,
     "fund supervision: the scans after settlement, rules' warns, the risk ranking",
     "usage: yibao supervise scan --db PATH --year Y [--from YYYY-MM-DD --to YYYY-MM-DD]\n"
     "                            [--catalog FILE] --out FINDINGS.jsonl\n"
     "(the year's settlements not revoked, their fee lines, the registry and the catalog\n"
     " with its gender and age restrictions (--catalog: a catalog file's instead) scanned\n"
     " for split admissions, overlapping stays, visits during a stay, restricted items,\n"
     " duplicate charges, non-medical goods, duplicate enrolments, over-quantity lines;\n"
     " one JSON line a finding in the labels' shape; reads only; docs/SUPERVISION.md)\n"
     "       yibao supervise warns --db PATH [--year Y] --out WARNS.jsonl\n"
     "(the standing settlements rules flagged with warns, one JSON line a warn:\n"
     " setl_id, year, msgid, psn_no, fixmedins_code, rule, line; docs/RULES.md)\n"
     "       yibao supervise rank --db PATH --year Y [--from YYYY-MM-DD --to YYYY-MM-DD]\n"
     "                            [--catalog FILE] [--of institutions|persons] [--top N]\n"
     "                            [--format table|csv|json]\n"
     "(institution indicators (cases, cost and fund paid, cost per case against the\n"
     " level's medians, readmissions within 15 days, class C and non-medical shares,\n"
     " bills named by the scan's findings) and the risk ranking of institutions or\n"
     " persons, each score with the points of each term; reads only; docs/SUPERVISION.md)\n",
     NULL, CLI_DB},
    {"whatif", cmd_whatif, "a year's settlements settled again under other policies, in memory",
     "usage: yibao whatif --db PATH --year Y [--policy NEW.json ...] [--payment NEW.json ...]\n"
     "                    [--region R] [--format table|json]\n"
     "(each policy replaces the store's of its region, year and scheme; the year's\n"
     " settlements and revokes are replayed from the journal in their order, each\n"
     " person's year from zero, nothing written; per fund the spending before, after\n"
     " and the change, the out-of-pocket by level and group, the hardest hit, the\n"
     " ratios, in yuan; each --payment file, a region's yibao-payment/1 agreements of\n"
     " the year, replaces the store's, and each institution's year-end settlement is\n"
     " given before and after, as settle-year computes it; at least one of the two;\n"
     " --region R: only that region's settlements replayed and reported, its months of\n"
     " support and its agreements' institutions, its files only)\n",
     NULL, CLI_DB},
    {"revoke", cmd_revoke, "revoke a settlement durably",
     "usage: yibao revoke --db PATH SETL_ID --operator NAME --reason TEXT [--msgid ID]\n"
     "(the revoke's journal record keeps who and why; show journal prints them)\n",
     NULL, CLI_DB},
    {"serve", cmd_serve, "HTTP settlement service (the NHSA interface)",
     "usage: yibao serve --db PATH --listen HOST:PORT [--threads N] [--batch N]\n"
     "       [--writers N] [--max-body BYTES] [--max-lines N] [--max-depth N] [--nonce-cache N]\n"
     "       [--sign-in on|off] [--sign-in-valid-s SECONDS] [--answers-kept-s SECONDS]\n"
     "       [--key-file PATH] [--person-reads-per-min N] [--person-reads-burst N]\n"
     "       [--max-body-total BYTES] [--max-connections-per-address N]\n"
     "       [--header-timeout-s S] [--body-timeout-s S] [--idle-timeout-s S]\n"
     "       [--path-prefix /PATH]\n",
     NULL, CLI_DB},
    {"credential", cmd_credential, "issue, rotate or revoke an institution's gateway credential",
     "usage: yibao credential issue FIXMEDINS_CODE --db PATH [--hmac-required] [--token-file F]\n"
     "       yibao credential rotate PAASID --db PATH [--token-file F]\n"
     "       yibao credential revoke PAASID --db PATH\n"
     "       yibao credential hmac PAASID required|optional --db PATH\n"
     "(each takes --key-file PATH; default DB.key or YIBAO_KEY_FILE)\n",
     NULL, CLI_DB},
    {"sign", cmd_sign, "print signed gateway headers (or a curl line) for a request body",
     "usage: yibao sign --paasid P [--token-file F] [--hmac] [--body FILE] [--curl URL]\n"
     "(the token from --token-file or YIBAO_TOKEN; --hmac and --curl need --body)\n",
     NULL, CLI_DB_NONE},
};

const struct cli_command *cli_commands(size_t *count) {
    assert(count != NULL);
    *count = sizeof commands / sizeof commands[0];
    return commands;
}

const struct cli_command *cli_command_find(const char *name) {
    assert(name != NULL);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

void cli_usage(const char *name, FILE *out) {
    const struct cli_command *c = cli_command_find(name);
    assert(c != NULL && out != NULL); /* every command is in the table */
    if (c->usage_fn != NULL) c->usage_fn(out);
    else fputs(c->usage, out);
}
