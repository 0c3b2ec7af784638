// SPDX-License-Identifier: Apache-2.0
// The commands over the store: `db init`, `registry import`, `list import|versions|diff`,
// `audit verify|show`. Each opens the database named by --db, calls the library and prints
// what happened; every import is one transaction with its audit entry.
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tabayyun/tby_store.h"

/* ===== Options ===== */

#define STORE_MAX_INPUTS 8

typedef struct store_args {
    const char *db, *user, *site, *name, *format, *anchor;
    int64_t from, to, from_seq;
    bool strict, json, quiet;
    const char *inputs[STORE_MAX_INPUTS];
    size_t input_count;
} store_args;

/* Which options a subcommand takes: a string of their letters. */
typedef struct store_usage {
    const char *command; /* "list diff" */
    const char *options; /* d db, u user, s site, n name, f format, S strict, j json,
                            q quiet, F from, T to, a anchor, i inputs */
    const char *help;
} store_usage;

static bool takes(const store_usage *usage, char option)
{
    return strchr(usage->options, option) != NULL;
}

static int parse_version(const char *opt, const char *value, int64_t *out)
{
    char *end;
    long long number = strtoll(value, &end, 10);
    if (*end || end == value || number < 1) {
        fprintf(stderr, "tabayyun: %s must be a number from 1, not '%s'\n", opt, value);
        return CLI_USAGE;
    }
    *out = number;
    return CLI_OK;
}

static int parse_store_args(store_args *a, const store_usage *usage, int argc, char **argv)
{
    memset(a, 0, sizeof(*a));
    for (int i = 2; i < argc; i++) {
        const char *opt = argv[i];
        char letter = 0;
        if (!strcmp(opt, "--strict"))
            letter = 'S';
        else if (!strcmp(opt, "--json"))
            letter = 'j';
        else if (!strcmp(opt, "--quiet"))
            letter = 'q';
        if (letter) {
            if (!takes(usage, letter))
                goto unknown;
            a->strict |= letter == 'S';
            a->json |= letter == 'j';
            a->quiet |= letter == 'q';
            continue;
        }
        if (opt[0] != '-' || !strcmp(opt, "-")) {
            if (!takes(usage, 'i'))
                goto unknown;
            if (a->input_count == STORE_MAX_INPUTS) {
                fprintf(stderr, "tabayyun: at most %d input files\n", STORE_MAX_INPUTS);
                return CLI_USAGE;
            }
            a->inputs[a->input_count++] = opt;
            continue;
        }
        const char **slot = NULL;
        if (!strcmp(opt, "--db"))
            letter = 'd', slot = &a->db;
        else if (!strcmp(opt, "--user"))
            letter = 'u', slot = &a->user;
        else if (!strcmp(opt, "--site"))
            letter = 's', slot = &a->site;
        else if (!strcmp(opt, "--name"))
            letter = 'n', slot = &a->name;
        else if (!strcmp(opt, "--format"))
            letter = 'f', slot = &a->format;
        else if (!strcmp(opt, "--anchor"))
            letter = 'a', slot = &a->anchor;
        else if (!strcmp(opt, "--from"))
            letter = 'F';
        else if (!strcmp(opt, "--to"))
            letter = 'T';
        if (!letter || !takes(usage, letter))
            goto unknown;
        if (i + 1 >= argc) {
            fprintf(stderr, "tabayyun: %s needs a value\n", opt);
            return CLI_USAGE;
        }
        const char *value = argv[++i];
        if (slot) {
            *slot = value;
        } else if (letter == 'F' && !strcmp(usage->command, "audit show")) {
            if (parse_version(opt, value, &a->from_seq))
                return CLI_USAGE;
        } else if (parse_version(opt, value, letter == 'F' ? &a->from : &a->to)) {
            return CLI_USAGE;
        }
        continue;
    unknown:
        fprintf(stderr, "tabayyun: %s: unknown option or argument '%s' (see tabayyun %s --help)\n",
                usage->command, opt, usage->command);
        return CLI_USAGE;
    }
    if (!a->db) {
        fprintf(stderr, "tabayyun: %s needs --db FILE\n", usage->command);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int report_reject(const char *source, const tby_error *e, void *payload)
{
    (void)payload;
    fprintf(stderr, "tabayyun: %s:%lld: %s%s%s\n", source, (long long)e->line, e->field,
            e->field[0] ? ": " : "", e->message);
    return 0;
}

static int report_dropped(const char *source, const tby_error *e, void *payload)
{
    (void)payload;
    fprintf(stderr, "tabayyun: %s:%lld: %s: %s (value left out; the record is kept)\n", source,
            (long long)e->line, e->field, e->message);
    return 0;
}

static int help_or_usage(const store_usage *usage, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage->help, stdout);
        return CLI_OK;
    }
    return -1;
}

/* ===== db ===== */

static const store_usage db_init_usage = {
    "db init", "du",
    "usage: tabayyun db init --db FILE [--user NAME]\n"
    "\n"
    "Creates the database FILE (SQLite), or brings an existing one up to the current schema.\n"
    "Creation and every migration are written to the audit log.\n"
    "\n"
    "  --user NAME  who does it (default: $TABAYYUN_USER, else cli:LOGIN)\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 bad input (not a tabayyun database, a newer schema),\n"
    "3 internal or I/O error\n"};

int cmd_db(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "init")) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            fputs(db_init_usage.help, stdout);
            return CLI_OK;
        }
        fprintf(stderr, "usage: tabayyun db init --db FILE\n");
        return CLI_USAGE;
    }
    int rc = help_or_usage(&db_init_usage, argc, argv);
    if (rc >= 0)
        return rc;
    store_args a;
    if ((rc = parse_store_args(&a, &db_init_usage, argc, argv)))
        return rc;
    char actor_buf[128];
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, cli_actor(a.user, actor_buf, sizeof(actor_buf)), true)))
        return rc;
    int found = tby_store_schema_found(store), latest = tby_store_schema_latest();
    if (found == 0)
        printf("%s: created, schema version %d\n", a.db, latest);
    else if (found < latest)
        printf("%s: migrated from schema version %d to %d\n", a.db, found, latest);
    else
        printf("%s: schema version %d, up to date\n", a.db, latest);
    tby_store_close(store);
    return CLI_OK;
}

/* ===== registry ===== */

static const store_usage registry_import_usage = {
    "registry import", "dusSqi",
    "usage: tabayyun registry import --db FILE [--site SITE] [--strict] [--user NAME] INPUT\n"
    "\n"
    "Imports registry records (CSV or JSON Lines in the record format) into the database:\n"
    "a new id is added, a known id with different content replaces the stored record (the\n"
    "old one is kept in the history), the same content is left alone. Ids not in INPUT stay.\n"
    "The whole import is one transaction, written with its audit entry.\n"
    "\n"
    "  --site SITE  the site of records that name none\n"
    "  --strict     any bad row fails the import and nothing is stored; by default bad rows\n"
    "               are reported and skipped, and an unreadable value (an impossible date) is\n"
    "               left out of its record, which is stored\n"
    "  --user NAME  who imports (default: $TABAYYUN_USER, else cli:LOGIN)\n"
    "  --quiet      no summary\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 bad input, 3 internal or I/O error\n"};

int cmd_registry(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "import")) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            fputs(registry_import_usage.help, stdout);
            return CLI_OK;
        }
        fprintf(stderr, "usage: tabayyun registry import --db FILE INPUT (see --help)\n");
        return CLI_USAGE;
    }
    int rc = help_or_usage(&registry_import_usage, argc, argv);
    if (rc >= 0)
        return rc;
    store_args a;
    if ((rc = parse_store_args(&a, &registry_import_usage, argc, argv)))
        return rc;
    if (a.input_count != 1) {
        fprintf(stderr, "tabayyun: registry import takes one INPUT file\n");
        return CLI_USAGE;
    }
    char actor_buf[128];
    const char *actor = cli_actor(a.user, actor_buf, sizeof(actor_buf));
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, actor, false)))
        return rc;
    tby_store_import_options opts = TBY_STORE_IMPORT_OPTIONS_INIT;
    opts.actor = actor;
    opts.default_site = a.site;
    opts.strict = a.strict;
    opts.on_reject = report_reject;
    opts.on_dropped = report_dropped;
    tby_store_import_stats stats;
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_registry_import_file(store, a.inputs[0], &opts, &stats, &err);
    tby_store_close(store);
    if (rc) {
        int code = cli_store_fail(a.inputs[0], rc, &err);
        fprintf(stderr, "tabayyun: registry import failed; nothing was stored\n");
        return code;
    }
    if (!a.quiet)
        printf("registry import %lld: %zu records: %zu added, %zu changed, %zu unchanged; "
               "%zu rejected, %zu values dropped (audit entry %lld)\n",
               (long long)stats.import_id, stats.records, stats.added, stats.changed,
               stats.unchanged, stats.rejected, stats.dropped, (long long)stats.audit_seq);
    return CLI_OK;
}

/* ===== list ===== */

static const store_usage list_import_usage = {
    "list import", "dunfSqi",
    "usage: tabayyun list import --db FILE --name LIST --format FORMAT [--strict] [--user NAME]\n"
    "                            FILE...\n"
    "\n"
    "Imports a watchlist as the next version of LIST, with every entry, and reports how it\n"
    "differs from the version before. Importing the same file again makes a new version with\n"
    "nothing changed: the log then shows when the list was last checked against its source.\n"
    "\n"
    "  --format csv|jsonl  the record format, one file\n"
    "  --format un-xml     the UN Security Council consolidated list (XML), one file\n"
    "  --format ofac       OFAC's sdn.csv, alt.csv and optionally add.csv, in that order\n"
    "  --strict            any bad entry fails the import and nothing is stored\n"
    "  --user NAME         who imports (default: $TABAYYUN_USER, else cli:LOGIN)\n"
    "  --quiet             no summary\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 bad input, 3 internal or I/O error\n"};

static const store_usage list_versions_usage = {
    "list versions", "dnj",
    "usage: tabayyun list versions --db FILE [--name LIST] [--json]\n"
    "\n"
    "Lists the versions of LIST (or of every list): when, by whom, from which files (with\n"
    "their SHA-256), and how many entries were added, removed and changed.\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 no such list, 3 internal or I/O error\n"};

static const store_usage list_diff_usage = {
    "list diff", "dnFTj",
    "usage: tabayyun list diff --db FILE --name LIST [--from N] [--to N] [--json]\n"
    "\n"
    "Shows how version N of LIST differs from an older one: entries added (+), removed (-)\n"
    "and changed (~), with each changed field's old and new value. By default --to is the\n"
    "latest version and --from the one before it (version 0, the empty list, for the first).\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 no such list or version, 3 internal or I/O error\n"};

static void print_list_stats(const tby_list_stats *s)
{
    printf("read: %zu individuals, %zu entries skipped (not individuals), %zu rejected; %zu "
           "names, %zu in original script, %zu aliases, %zu weak aliases, %zu birth dates "
           "(%zu unreadable), %zu places, %zu nationalities, %zu documents\n",
           s->individuals, s->skipped, s->rejected, s->names, s->original_scripts, s->aliases,
           s->weak_aliases, s->birth_dates, s->dates_dropped, s->places, s->nationalities,
           s->documents);
}

static int list_import(int argc, char **argv)
{
    store_args a;
    int rc = parse_store_args(&a, &list_import_usage, argc, argv);
    if (rc)
        return rc;
    if (!a.name || !a.format || !a.input_count) {
        fprintf(stderr, "tabayyun: list import needs --name, --format and the files\n");
        return CLI_USAGE;
    }
    tby_list_format format;
    if (tby_list_format_parse(&format, a.format)) {
        fprintf(stderr, "tabayyun: --format must be csv, jsonl, un-xml or ofac, not '%s'\n",
                a.format);
        return CLI_USAGE;
    }
    char actor_buf[128];
    const char *actor = cli_actor(a.user, actor_buf, sizeof(actor_buf));
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, actor, false)))
        return rc;
    tby_store_import_options opts = TBY_STORE_IMPORT_OPTIONS_INIT;
    opts.actor = actor;
    opts.strict = a.strict;
    opts.on_reject = report_reject;
    opts.on_dropped = report_dropped;
    tby_store_import_stats stats;
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_list_import_files(store, a.name, format, a.inputs, a.input_count, &opts, &stats,
                                     &err);
    tby_store_close(store);
    if (rc) {
        /* With several files the error's line is in one of them, which the reader's report
           above names; the summary does not guess which. */
        if (a.input_count > 1)
            err.line = -1;
        int code = cli_store_fail(a.input_count == 1 ? a.inputs[0] : a.name, rc, &err);
        fprintf(stderr, "tabayyun: list import failed; nothing was stored\n");
        return code;
    }
    if (a.quiet)
        return CLI_OK;
    if (format == TBY_LIST_FORMAT_UN_XML || format == TBY_LIST_FORMAT_OFAC)
        print_list_stats(&stats.lists);
    printf("list %s version %lld: %zu entries: %zu added, %zu removed, %zu changed, %zu "
           "unchanged; %zu rejected, %zu values dropped (audit entry %lld)\n",
           a.name, (long long)stats.version, stats.records, stats.added, stats.removed,
           stats.changed, stats.unchanged, stats.rejected, stats.dropped,
           (long long)stats.audit_seq);
    return CLI_OK;
}

static json_t *version_json(const tby_list_version *v)
{
    json_t *sources = json_array();
    for (size_t i = 0; i < v->source_count; i++)
        json_array_append_new(sources,
                              json_pack("{s:s, s:I, s:s, s:s}", "file", v->sources[i].file_name,
                                        "size", (json_int_t)v->sources[i].size, "blake2b",
                                        v->sources[i].blake2b, "sha256", v->sources[i].sha256));
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "list",
                     v->list, "version", (json_int_t)v->number, "format", v->format, "imported_at",
                     v->imported_at, "imported_by", v->imported_by, "entries",
                     (json_int_t)v->entries, "added", (json_int_t)v->added, "removed",
                     (json_int_t)v->removed, "changed", (json_int_t)v->changed, "unchanged",
                     (json_int_t)v->unchanged, "rejected", (json_int_t)v->rejected, "audit_seq",
                     (json_int_t)v->audit_seq, "files", sources);
}

static int print_version(const tby_list_version *v, void *payload)
{
    const store_args *a = payload;
    if (a->json) {
        json_t *o = version_json(v);
        json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(o);
        return 0;
    }
    printf("%-12s %4lld  %s  %-16s %-7s %7zu entries  +%zu -%zu ~%zu  audit %lld\n", v->list,
           (long long)v->number, v->imported_at, v->imported_by, v->format, v->entries, v->added,
           v->removed, v->changed, (long long)v->audit_seq);
    for (size_t i = 0; i < v->source_count; i++)
        printf("      %s  %lld bytes  sha256 %s\n", v->sources[i].file_name,
               (long long)v->sources[i].size, v->sources[i].sha256);
    return 0;
}

static int list_versions(int argc, char **argv)
{
    store_args a;
    int rc = parse_store_args(&a, &list_versions_usage, argc, argv);
    if (rc)
        return rc;
    tby_store *store = NULL;
    char actor_buf[128];
    if ((rc = cli_store_open(&store, a.db, cli_actor(a.user, actor_buf, sizeof(actor_buf)), false)))
        return rc;
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_list_versions(store, a.name, print_version, &a, &err);
    tby_store_close(store);
    return rc ? cli_store_fail(a.db, rc, &err) : CLI_OK;
}

/* The name to show for a stored record: its name, else its parts. */
static void record_label(char *out, size_t size, const char *json)
{
    out[0] = '\0';
    json_t *root = json ? json_loads(json, 0, NULL) : NULL;
    const char *name = json_string_value(json_object_get(root, "name"));
    if (name) {
        snprintf(out, size, "%s", name);
    } else {
        static const char *const parts[] = {"given", "father", "grandfather", "family"};
        size_t used = 0;
        for (size_t i = 0; i < 4 && used < size; i++) {
            const char *part = json_string_value(json_object_get(root, parts[i]));
            if (part)
                used += (size_t)snprintf(out + used, size - used, "%s%s", used ? " " : "", part);
        }
    }
    json_decref(root);
}

typedef struct diff_printer {
    bool json;
    size_t printed;
} diff_printer;

static json_t *value_or_null(json_t *root, const char *key)
{
    json_t *value = json_object_get(root, key);
    return value ? json_incref(value) : json_null();
}

static int print_diff_entry(const tby_list_diff_entry *e, void *payload)
{
    diff_printer *p = payload;
    json_t *old_root = e->old_json ? json_loads(e->old_json, 0, NULL) : NULL;
    json_t *new_root = e->new_json ? json_loads(e->new_json, 0, NULL) : NULL;
    if (p->json) {
        json_t *o =
            json_pack("{s:s, s:s}", "change", tby_store_change_name(e->change), "id", e->entry_id);
        if (e->change == TBY_STORE_CHANGED) {
            json_t *fields = json_object();
            for (size_t i = 0; i < e->field_count; i++)
                json_object_set_new(fields, e->fields[i],
                                    json_pack("{s:o, s:o}", "old",
                                              value_or_null(old_root, e->fields[i]), "new",
                                              value_or_null(new_root, e->fields[i])));
            json_object_set_new(o, "fields", fields);
            json_object_set_new(o, "identity_changed", json_boolean(e->is_identity_changed));
        } else {
            json_object_set(o, "record", e->change == TBY_STORE_ADDED ? new_root : old_root);
        }
        fputs(p->printed ? ",\n" : "\n", stdout);
        json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
    } else {
        char label[256];
        record_label(label, sizeof(label), e->new_json ? e->new_json : e->old_json);
        char mark = e->change == TBY_STORE_ADDED ? '+' : e->change == TBY_STORE_REMOVED ? '-' : '~';
        printf("%c %s  %s\n", mark, e->entry_id, label);
        for (size_t i = 0; e->change == TBY_STORE_CHANGED && i < e->field_count; i++) {
            json_t *before = value_or_null(old_root, e->fields[i]);
            json_t *after = value_or_null(new_root, e->fields[i]);
            printf("    %s: ", e->fields[i]);
            json_dumpf(before, stdout, JSON_COMPACT | JSON_ENCODE_ANY);
            fputs(" -> ", stdout);
            json_dumpf(after, stdout, JSON_COMPACT | JSON_ENCODE_ANY);
            fputc('\n', stdout);
            json_decref(before);
            json_decref(after);
        }
    }
    p->printed++;
    json_decref(old_root);
    json_decref(new_root);
    return 0;
}

static int list_diff(int argc, char **argv)
{
    store_args a;
    int rc = parse_store_args(&a, &list_diff_usage, argc, argv);
    if (rc)
        return rc;
    if (!a.name) {
        fprintf(stderr, "tabayyun: list diff needs --name LIST\n");
        return CLI_USAGE;
    }
    tby_store *store = NULL;
    char actor_buf[128];
    if ((rc = cli_store_open(&store, a.db, cli_actor(a.user, actor_buf, sizeof(actor_buf)), false)))
        return rc;
    tby_error err;
    tby_error_clear(&err);
    int64_t to = a.to;
    if (!to && (rc = tby_store_list_latest(store, a.name, &to, &err))) {
        tby_store_close(store);
        return cli_store_fail(a.db, rc, &err);
    }
    int64_t from = a.from ? a.from : to - 1;
    diff_printer printer = {a.json, 0};
    if (a.json)
        printf("{\"list\":");
    if (a.json) {
        json_t *name = json_string(a.name);
        json_dumpf(name, stdout, JSON_ENCODE_ANY);
        json_decref(name);
        printf(",\"from\":%lld,\"to\":%lld,\"entries\":[", (long long)from, (long long)to);
    } else {
        printf("list %s: version %lld -> %lld\n", a.name, (long long)from, (long long)to);
    }
    tby_list_diff_stats stats;
    rc = tby_store_list_diff(store, a.name, from, to, print_diff_entry, &printer, &stats, &err);
    tby_store_close(store);
    if (rc) {
        if (a.json)
            printf("]}\n");
        return cli_store_fail(a.db, rc, &err);
    }
    if (a.json)
        printf("%s],\"added\":%zu,\"removed\":%zu,\"changed\":%zu,\"unchanged\":%zu}\n",
               printer.printed ? "\n" : "", stats.added, stats.removed, stats.changed,
               stats.unchanged);
    else
        printf("%zu added, %zu removed, %zu changed, %zu unchanged\n", stats.added, stats.removed,
               stats.changed, stats.unchanged);
    return CLI_OK;
}

int cmd_list(int argc, char **argv)
{
    static const store_usage *const usages[] = {&list_import_usage, &list_versions_usage,
                                                &list_diff_usage};
    static int (*const runs[])(int, char **) = {list_import, list_versions, list_diff};
    for (size_t i = 0; argc >= 2 && i < 3; i++) {
        if (strcmp(argv[1], usages[i]->command + strlen("list ")))
            continue;
        int rc = help_or_usage(usages[i], argc, argv);
        return rc >= 0 ? rc : runs[i](argc, argv);
    }
    FILE *out =
        argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? stdout : stderr;
    fprintf(out, "usage: tabayyun list import|versions|diff --db FILE ... (see tabayyun list "
                 "<command> --help)\n");
    return out == stdout ? CLI_OK : CLI_USAGE;
}

/* ===== audit ===== */

static const store_usage audit_verify_usage = {
    "audit verify", "daj",
    "usage: tabayyun audit verify --db FILE [--anchor SEQ:HASH] [--json]\n"
    "\n"
    "Recomputes the audit log's hash chain and names the first entry that was edited,\n"
    "deleted, inserted or reordered. A log cut short at its end still verifies: keep the\n"
    "head (the last seq and hash this command prints) somewhere else, and give it back with\n"
    "--anchor to check that the entry is still there with that hash.\n"
    "\n"
    "exit codes: 0 the chain holds, 1 usage, 2 the chain is broken (or the anchor does not\n"
    "match), 3 internal or I/O error\n"};

static const store_usage audit_show_usage = {
    "audit show", "dFj",
    "usage: tabayyun audit show --db FILE [--from SEQ] [--json]\n"
    "\n"
    "Prints the audit log from entry SEQ (default 1): seq, time (UTC), actor, action, object\n"
    "and detail.\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 bad input, 3 internal or I/O error\n"};

typedef struct anchor_check {
    int64_t seq;
    char hash[TBY_STORE_HASH_HEX_LEN];
    bool is_found;
    bool is_match;
} anchor_check;

static int check_anchor(const tby_audit_entry *entry, void *payload)
{
    anchor_check *anchor = payload;
    char hex[TBY_STORE_HASH_HEX_LEN];
    anchor->is_found = entry->seq == anchor->seq;
    anchor->is_match =
        anchor->is_found && !strcmp(tby_store_hash_hex(hex, entry->hash), anchor->hash);
    return 1; /* one entry is enough */
}

static int audit_verify(int argc, char **argv)
{
    store_args a;
    int rc = parse_store_args(&a, &audit_verify_usage, argc, argv);
    if (rc)
        return rc;
    anchor_check anchor;
    memset(&anchor, 0, sizeof(anchor));
    if (a.anchor) {
        char *end;
        const char *colon = strchr(a.anchor, ':');
        anchor.seq = strtoll(a.anchor, &end, 10);
        if (!colon || end != colon || anchor.seq < 1 ||
            strlen(colon + 1) != TBY_STORE_HASH_HEX_LEN - 1) {
            fprintf(stderr, "tabayyun: --anchor must be SEQ:HASH (64 hex digits), not '%s'\n",
                    a.anchor);
            return CLI_USAGE;
        }
        snprintf(anchor.hash, sizeof(anchor.hash), "%s", colon + 1);
        for (char *c = anchor.hash; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
    }
    tby_store *store = NULL;
    char actor_buf[128];
    if ((rc = cli_store_open(&store, a.db, cli_actor(a.user, actor_buf, sizeof(actor_buf)), false)))
        return rc;
    tby_audit_report report;
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_audit_verify(store, &report, &err);
    if (!rc && a.anchor) {
        rc = tby_store_audit_foreach(store, anchor.seq, check_anchor, &anchor, &err);
        rc = rc == 1 ? TBY_OK : rc;
    }
    tby_store_close(store);
    if (rc && rc != TBY_EINVALID)
        return cli_store_fail(a.db, rc, &err);
    char head[TBY_STORE_HASH_HEX_LEN];
    tby_store_hash_hex(head, report.head_hash);
    bool is_anchor_bad = a.anchor && !rc && !anchor.is_match;
    if (a.json) {
        json_t *o = json_pack("{s:b, s:I, s:I, s:s}", "ok", !rc && !is_anchor_bad, "entries",
                              (json_int_t)report.entries, "head_seq", (json_int_t)report.head_seq,
                              "head_hash", head);
        if (rc) {
            json_object_set_new(o, "bad_seq", json_integer(report.bad_seq));
            json_object_set_new(o, "reason", json_string(report.reason));
        }
        if (a.anchor)
            json_object_set_new(o, "anchor_ok", json_boolean(anchor.is_match));
        json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(o);
    }
    if (rc) {
        fprintf(stderr, "tabayyun: %s: audit log broken at entry %lld: %s\n", a.db,
                (long long)report.bad_seq, report.reason);
        return CLI_BADINPUT;
    }
    if (is_anchor_bad) {
        fprintf(stderr, "tabayyun: %s: anchor %lld: %s\n", a.db, (long long)anchor.seq,
                anchor.is_found ? "the entry's hash differs from the anchor"
                                : "no such entry (the log was cut short)");
        return CLI_BADINPUT;
    }
    if (!a.json)
        printf("audit log ok: %zu entries, head %lld:%s%s\n", report.entries,
               (long long)report.head_seq, head, a.anchor ? "; anchor matches" : "");
    return CLI_OK;
}

static int print_audit_entry(const tby_audit_entry *e, void *payload)
{
    const store_args *a = payload;
    char hash[TBY_STORE_HASH_HEX_LEN];
    tby_store_hash_hex(hash, e->hash);
    if (a->json) {
        json_t *detail = json_loads(e->detail, 0, NULL);
        json_t *o =
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s}", "seq", (json_int_t)e->seq, "at", e->at,
                      "actor", e->actor, "action", e->action, "object", e->object, "detail",
                      detail ? detail : json_string(e->detail), "hash", hash);
        json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(o);
        return 0;
    }
    printf("%6lld  %s  %-16s %-16s %-20s %s\n", (long long)e->seq, e->at, e->actor, e->action,
           e->object, e->detail);
    return 0;
}

static int audit_show(int argc, char **argv)
{
    store_args a;
    int rc = parse_store_args(&a, &audit_show_usage, argc, argv);
    if (rc)
        return rc;
    tby_store *store = NULL;
    char actor_buf[128];
    if ((rc = cli_store_open(&store, a.db, cli_actor(a.user, actor_buf, sizeof(actor_buf)), false)))
        return rc;
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_audit_foreach(store, a.from_seq ? a.from_seq : 1, print_audit_entry, &a, &err);
    tby_store_close(store);
    return rc ? cli_store_fail(a.db, rc, &err) : CLI_OK;
}

int cmd_audit(int argc, char **argv)
{
    static const store_usage *const usages[] = {&audit_verify_usage, &audit_show_usage};
    static int (*const runs[])(int, char **) = {audit_verify, audit_show};
    for (size_t i = 0; argc >= 2 && i < 2; i++) {
        if (strcmp(argv[1], usages[i]->command + strlen("audit ")))
            continue;
        int rc = help_or_usage(usages[i], argc, argv);
        return rc >= 0 ? rc : runs[i](argc, argv);
    }
    FILE *out =
        argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? stdout : stderr;
    fprintf(out, "usage: tabayyun audit verify|show --db FILE ... (see tabayyun audit <command> "
                 "--help)\n");
    return out == stdout ? CLI_OK : CLI_USAGE;
}
