// SPDX-License-Identifier: Apache-2.0
// Screening with memory on the command line: `screen --db` (a run of a stored list against
// the stored registry), `alerts` (the review queue, one alert, export), `alert
// clear|escalate|confirm` (reviewers' decisions) and `redress` (what a redress reference
// says). Each opens the database named by --db and calls the library (tby_monitor.h,
// tby_store.h); every change lands in one transaction with its audit entry.
#define _POSIX_C_SOURCE 200809L /* fileno, fsync, getpid, unlink */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tabayyun/tby_monitor.h"
#include "tabayyun/tby_store.h"

/* ===== Options ===== */

typedef struct alert_args {
    const char *db, *user, *list, *status, *reason, *out, *reference;
    int64_t alert_id;
    double threshold;
    unsigned threads;
    bool full, refit, json, quiet;
} alert_args;

/* What a command accepts, as letters: d db, u user, l list, s status, r reason, o out,
   a alert, t threshold, T threads, F full, R refit, j json, q quiet, p positional. */
typedef struct alert_usage {
    const char *command;
    const char *options;
    const char *help;
} alert_usage;

static bool accepts(const alert_usage *usage, char letter)
{
    return strchr(usage->options, letter) != NULL;
}

static int usage_error(const alert_usage *usage, const char *what, const char *arg)
{
    fprintf(stderr, "tabayyun: %s: %s '%s' (see tabayyun %s --help)\n", usage->command, what, arg,
            usage->command);
    return CLI_USAGE;
}

/* Parses argv[first..argc) for the command. */
static int parse_alert_args(alert_args *a, const alert_usage *usage, int first, int argc,
                            char **argv)
{
    memset(a, 0, sizeof(*a));
    a->threshold = TBY_SCREEN_DEFAULT_THRESHOLD;
    for (int i = first; i < argc; i++) {
        const char *opt = argv[i];
        bool *flag = NULL;
        char letter = 0;
        if (!strcmp(opt, "--full"))
            flag = &a->full, letter = 'F';
        else if (!strcmp(opt, "--refit"))
            flag = &a->refit, letter = 'R';
        else if (!strcmp(opt, "--json"))
            flag = &a->json, letter = 'j';
        else if (!strcmp(opt, "--quiet"))
            flag = &a->quiet, letter = 'q';
        if (flag) {
            if (!accepts(usage, letter))
                return usage_error(usage, "unknown option", opt);
            *flag = true;
            continue;
        }
        if (opt[0] != '-') {
            if (!accepts(usage, 'p') || a->reference)
                return usage_error(usage, "unexpected argument", opt);
            a->reference = opt;
            continue;
        }
        const char **slot = NULL;
        if (!strcmp(opt, "--db"))
            slot = &a->db, letter = 'd';
        else if (!strcmp(opt, "--user"))
            slot = &a->user, letter = 'u';
        else if (!strcmp(opt, "--list"))
            slot = &a->list, letter = 'l';
        else if (!strcmp(opt, "--status"))
            slot = &a->status, letter = 's';
        else if (!strcmp(opt, "--reason"))
            slot = &a->reason, letter = 'r';
        else if (!strcmp(opt, "--out"))
            slot = &a->out, letter = 'o';
        else if (!strcmp(opt, "--alert"))
            letter = 'a';
        else if (!strcmp(opt, "--threshold"))
            letter = 't';
        else if (!strcmp(opt, "--threads"))
            letter = 'T';
        if (!letter || !accepts(usage, letter))
            return usage_error(usage, "unknown option", opt);
        if (i + 1 >= argc) {
            fprintf(stderr, "tabayyun: %s needs a value\n", opt);
            return CLI_USAGE;
        }
        const char *value = argv[++i];
        char *end = NULL;
        if (slot) {
            *slot = value;
        } else if (letter == 'a') {
            long long id = strtoll(value, &end, 10);
            if (*end || end == value || id < 1)
                return usage_error(usage, "--alert needs an alert number, not", value);
            a->alert_id = id;
        } else if (letter == 't') {
            a->threshold = strtod(value, &end);
            if (*end || end == value || !(a->threshold >= 0.0 && a->threshold <= 1.0))
                return usage_error(usage, "--threshold must be a number in [0, 1], not", value);
        } else {
            long n = strtol(value, &end, 10);
            if (*end || end == value || n < 1 || n > 64)
                return usage_error(usage, "--threads must be 1..64, not", value);
            a->threads = (unsigned)n;
        }
    }
    if (!a->db) {
        fprintf(stderr, "tabayyun: %s needs --db FILE\n", usage->command);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* "open,escalated", "queue", "current", "all" -> a status set. */
static int parse_statuses(const char *text, unsigned *out)
{
    *out = 0;
    if (!text || !strcmp(text, "queue")) {
        *out = TBY_ALERT_QUEUE;
        return CLI_OK;
    }
    if (!strcmp(text, "current")) {
        *out = TBY_ALERT_CURRENT;
        return CLI_OK;
    }
    if (!strcmp(text, "all")) {
        *out = TBY_ALERT_ALL;
        return CLI_OK;
    }
    char name[64];
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, ",");
        tby_alert_status status;
        snprintf(name, sizeof(name), "%.*s", (int)(len < sizeof(name) ? len : sizeof(name) - 1), p);
        if (len >= sizeof(name) || tby_alert_status_parse(&status, name)) {
            fprintf(stderr,
                    "tabayyun: --status: '%s' is not a status (open, suppressed, cleared, "
                    "escalated, pending_confirmation, confirmed, superseded; or queue, current, "
                    "all)\n",
                    name);
            return CLI_USAGE;
        }
        *out |= TBY_ALERT_STATUS_BIT(status);
        p += len;
        if (*p == ',')
            p++;
    }
    return *out ? CLI_OK : CLI_USAGE;
}

static bool wants_help(int argc, char **argv)
{
    return cli_wants_help(argc, argv);
}

/* ===== screen --db ===== */

static const alert_usage screen_db_usage = {
    "screen", "dultTFRjq",
    "usage: tabayyun screen --db FILE --list NAME [--full] [--refit] [--threshold T]\n"
    "                       [--threads N] [--user NAME] [--json] [--quiet]\n"
    "\n"
    "Screens the registry stored in FILE against the latest version of list NAME and keeps\n"
    "the alerts in FILE, with the run that made them. The first run fits a model to the list\n"
    "and the registry and pins it; later runs keep it and screen in delta: only the entries\n"
    "added, removed or changed since the last run's list version, and the registry records\n"
    "added or whose identifying data changed since that run. The result equals a full\n"
    "rescreen. An alert found again unchanged stays as it is; one no longer found is\n"
    "superseded; a pair cleared before, with the same identifying data on both sides, is\n"
    "stored as suppressed. The run lands in one transaction with its audit entry.\n"
    "\n"
    "  --full          screen every record again (same model)\n"
    "  --refit         fit a new model to the latest list version and the registry, then\n"
    "                  screen every record again\n"
    "  --threshold T   alerts need a score of at least T (default 0.0003); a threshold other\n"
    "                  than the last run's means a full run\n"
    "  --threads N     worker threads (default: all cores)\n"
    "  --user NAME     who screens (default: $TABAYYUN_USER, else cli:LOGIN)\n"
    "  --json          the summary as one JSON object\n"
    "  --quiet         no summary\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 bad input (no such list), 3 internal or I/O error (also:\n"
    "another run of the list finished meanwhile; run again)\n"};

static void print_run(const alert_args *a, const tby_monitor_stats *s)
{
    const tby_store_run_stats *r = &s->store;
    if (a->json) {
        json_t *o = json_object();
        json_object_set_new(o, "run", json_integer(s->run_id));
        json_object_set_new(o, "kind", json_string(s->is_full ? "full" : "delta"));
        json_object_set_new(o, "reason", s->is_full ? json_string(s->reason) : json_null());
        json_object_set_new(o, "list", json_string(a->list));
        json_object_set_new(o, "list_version", json_integer(s->list_version));
        json_object_set_new(o, "since_version", json_integer(s->since_version));
        json_object_set_new(o, "new_model", json_boolean(s->is_new_model));
        const struct {
            const char *key;
            size_t value;
        } counts[] = {
            {"entries_changed", s->entries_changed},     {"records", s->records},
            {"records_changed", s->records_changed},     {"records_whole", s->records_whole},
            {"pairs_scored", s->pairs_scored},           {"alerts_new", r->alerts_new},
            {"alerts_suppressed", r->alerts_suppressed}, {"alerts_kept", r->alerts_kept},
            {"alerts_superseded", r->alerts_superseded},
        };
        for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
            json_object_set_new(o, counts[i].key, json_integer((json_int_t)counts[i].value));
        json_object_set_new(o, "audit_seq", json_integer(r->audit_seq));
        json_object_set_new(o, "seconds", json_real(s->seconds));
        json_object_set_new(o, "seconds_load", json_real(s->seconds_load));
        json_object_set_new(o, "seconds_screen", json_real(s->seconds_screen));
        json_object_set_new(o, "seconds_commit", json_real(s->seconds_commit));
        json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(o);
        return;
    }
    if (s->is_full)
        printf("run %lld: list %s version %lld, full (%s)%s\n", (long long)s->run_id, a->list,
               (long long)s->list_version, s->reason, s->is_new_model ? ", new model" : "");
    else
        printf("run %lld: list %s version %lld, delta since version %lld: %zu entries changed, "
               "%zu registry records new or changed\n",
               (long long)s->run_id, a->list, (long long)s->list_version,
               (long long)s->since_version, s->entries_changed, s->records_changed);
    printf("records: %zu read, %zu screened whole, %zu pairs scored%s\n", s->records,
           s->records_whole, s->pairs_scored, s->skipped ? " (some without a usable name)" : "");
    printf("alerts: %zu new, %zu suppressed (cleared before), %zu superseded, %zu unchanged\n",
           r->alerts_new, r->alerts_suppressed, r->alerts_superseded, r->alerts_kept);
    printf("time: %.2f s (reading %.2f s, screening %.2f s, writing %.2f s); audit entry %lld\n",
           s->seconds, s->seconds_load, s->seconds_screen, s->seconds_commit,
           (long long)r->audit_seq);
}

int cmd_screen_db(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(screen_db_usage.help, stdout);
        return CLI_OK;
    }
    alert_args a;
    int rc = parse_alert_args(&a, &screen_db_usage, 1, argc, argv);
    if (rc)
        return rc;
    if (!a.list) {
        fprintf(stderr, "tabayyun: screen --db needs --list NAME (a list imported into it)\n");
        return CLI_USAGE;
    }
    char actor_buf[128];
    const char *actor = cli_actor(a.user, actor_buf, sizeof(actor_buf));
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, actor, false)))
        return rc;
    tby_monitor_options opts = TBY_MONITOR_OPTIONS_INIT;
    opts.actor = actor;
    opts.threshold = a.threshold;
    opts.threads = a.threads;
    opts.flags = (a.full ? TBY_MONITOR_FULL : 0u) | (a.refit ? TBY_MONITOR_REFIT : 0u);
    tby_monitor_stats stats;
    tby_error err;
    tby_error_clear(&err);
    rc = tby_monitor_run(store, a.list, &opts, &stats, &err);
    tby_store_close(store);
    if (rc) {
        int code = cli_store_fail(a.list, rc, &err);
        fprintf(stderr, "tabayyun: the run was not stored\n");
        return code;
    }
    if (!a.quiet)
        print_run(&a, &stats);
    return CLI_OK;
}

/* ===== alerts ===== */

static const alert_usage alerts_list_usage = {
    "alerts", "dlsj",
    "usage: tabayyun alerts --db FILE [--status S] [--list NAME] [--json]\n"
    "       tabayyun alerts show --db FILE --alert ID [--json]\n"
    "       tabayyun alerts export --db FILE --out FILE.csv [--status S] [--list NAME]\n"
    "                              [--user NAME]\n"
    "\n"
    "Lists stored alerts: by default the review queue (open, escalated,\n"
    "pending_confirmation) of every list, in order of id. `show` prints one alert with its\n"
    "explanation and its decisions. `export` writes the standing alerts (all but superseded,\n"
    "by default) in the alert format (record_id,list_id,score,grade,matched_name,explanation;\n"
    "grade is cleared or confirmed once reviewers decided) and writes an audit entry with the\n"
    "file's SHA-256.\n"
    "\n"
    "  --status S   a comma-separated list of open, suppressed, cleared, escalated,\n"
    "               pending_confirmation, confirmed, superseded; or queue, current (all but\n"
    "               superseded), all\n"
    "  --list NAME  that list's alerts only\n"
    "  --json       one JSON object per line (show: one object with the decisions)\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 bad input (no such list or alert), 3 internal or I/O error\n"};

static const alert_usage alerts_show_usage = {"alerts show", "daj", NULL};
static const alert_usage alerts_export_usage = {"alerts export", "dlsou", NULL};

static json_t *alert_json(const tby_store_alert *a)
{
    char record_identity[TBY_STORE_HASH_HEX_LEN], entry_identity[TBY_STORE_HASH_HEX_LEN];
    return json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:f, s:s, s:s, s:s, s:s, s:f, s:s, s:s, "
                     "s:s, s:s}",
                     "id", (json_int_t)a->id, "list", a->list, "list_version",
                     (json_int_t)a->list_version, "run", (json_int_t)a->run_id, "record_id",
                     a->record_id, "list_id", a->entry_id, "score", a->score, "grade", a->grade,
                     "status", tby_alert_status_name(a->status), "matched_name", a->matched_name,
                     "engine_version", a->engine_version, "threshold", a->threshold, "created_at",
                     a->created_at, "updated_at", a->updated_at, "record_identity",
                     tby_store_hash_hex(record_identity, a->record_identity), "entry_identity",
                     tby_store_hash_hex(entry_identity, a->entry_identity));
}

typedef struct alert_printer {
    bool json;
    size_t count;
} alert_printer;

static int print_alert_row(const tby_store_alert *a, void *payload)
{
    alert_printer *p = payload;
    if (p->json) {
        json_t *o = alert_json(a);
        json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(o);
    } else {
        if (!p->count)
            printf("%6s  %-20s %-12s %-14s %-14s %6s  %-16s %s\n", "alert", "status", "list",
                   "record", "entry", "score", "grade", "matched name");
        printf("%6lld  %-20s %-12s %-14s %-14s %6.4f  %-16s %s\n", (long long)a->id,
               tby_alert_status_name(a->status), a->list, a->record_id, a->entry_id, a->score,
               a->grade, a->matched_name);
    }
    p->count++;
    return 0;
}

static int alerts_list(int argc, char **argv)
{
    alert_args a;
    int rc = parse_alert_args(&a, &alerts_list_usage, 1, argc, argv);
    if (rc)
        return rc;
    tby_store_alert_filter filter = TBY_STORE_ALERT_FILTER_INIT;
    if ((rc = parse_statuses(a.status, &filter.statuses)))
        return rc;
    filter.list_name = a.list;
    char actor_buf[128];
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, cli_actor(a.user, actor_buf, sizeof(actor_buf)), false)))
        return rc;
    alert_printer printer = {a.json, 0};
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_alerts_foreach(store, &filter, print_alert_row, &printer, &err);
    tby_store_close(store);
    if (rc)
        return cli_store_fail(a.db, rc, &err);
    if (!a.json && !printer.count)
        printf("no alert%s\n", a.status ? " with that status" : " in the review queue");
    return CLI_OK;
}

/* ----- show ----- */

typedef struct alert_shown {
    bool is_found;
    bool json;
    json_t *object; /* --json */
} alert_shown;

static int show_alert(const tby_store_alert *a, void *payload)
{
    alert_shown *shown = payload;
    shown->is_found = true;
    if (shown->json) {
        shown->object = alert_json(a);
        json_t *explanation = json_loads(a->explanation_json, 0, NULL);
        json_object_set_new(shown->object, "explanation",
                            explanation ? explanation : json_string(a->explanation_json));
        json_object_set_new(shown->object, "explanation_text", json_string(a->explanation_text));
        json_object_set_new(shown->object, "decisions", json_array());
        return 0;
    }
    printf("alert %lld: %s\n", (long long)a->id, tby_alert_status_name(a->status));
    printf("  record %s  vs  list %s entry %s (version %lld)\n", a->record_id, a->list, a->entry_id,
           (long long)a->list_version);
    printf("  score %.4f  grade %s  matched name %s\n", a->score, a->grade, a->matched_name);
    printf("  made by run %lld on %s (engine %s, threshold %g); status since %s\n",
           (long long)a->run_id, a->created_at, a->engine_version, a->threshold, a->updated_at);
    printf("  explanation:\n    ");
    for (const char *c = a->explanation_text; *c; c++) {
        if (c[0] == ';' && c[1] == ' ') {
            printf("\n    ");
            c++;
        } else {
            putchar(*c);
        }
    }
    putchar('\n');
    return 0;
}

static int show_decision(const tby_store_decision *d, void *payload)
{
    alert_shown *shown = payload;
    if (shown->json) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:I}", "id",
                              (json_int_t)d->id, "action", tby_alert_action_name(d->action), "from",
                              tby_alert_status_name(d->from), "to", tby_alert_status_name(d->to),
                              "by", d->actor, "reason", d->reason, "at", d->at, "redress_reference",
                              d->reference, "audit_seq", (json_int_t)d->audit_seq);
        json_array_append_new(json_object_get(shown->object, "decisions"), o);
        return 0;
    }
    printf("  %s  %-8s %s -> %s  by %s%s%s%s%s\n", d->at, tby_alert_action_name(d->action),
           tby_alert_status_name(d->from), tby_alert_status_name(d->to), d->actor,
           d->reason[0] ? ": " : "", d->reason, d->reference ? "  redress " : "",
           d->reference ? d->reference : "");
    return 0;
}

static int alerts_show(int argc, char **argv)
{
    alert_args a;
    int rc = parse_alert_args(&a, &alerts_show_usage, 2, argc, argv);
    if (rc)
        return rc;
    if (!a.alert_id) {
        fprintf(stderr, "tabayyun: alerts show needs --alert ID\n");
        return CLI_USAGE;
    }
    char actor_buf[128];
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, cli_actor(a.user, actor_buf, sizeof(actor_buf)), false)))
        return rc;
    tby_store_alert_filter filter = TBY_STORE_ALERT_FILTER_INIT;
    filter.alert_id = a.alert_id;
    alert_shown shown = {false, a.json, NULL};
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_alerts_foreach(store, &filter, show_alert, &shown, &err);
    if (!rc && shown.is_found) {
        if (!a.json)
            printf("  decisions:%s\n", "");
        rc = tby_store_alert_decisions(store, a.alert_id, show_decision, &shown, &err);
    }
    tby_store_close(store);
    if (rc) {
        json_decref(shown.object);
        return cli_store_fail(a.db, rc, &err);
    }
    if (!shown.is_found) {
        fprintf(stderr, "tabayyun: %s: no alert %lld\n", a.db, (long long)a.alert_id);
        return CLI_BADINPUT;
    }
    if (a.json) {
        json_dumpf(shown.object, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(shown.object);
    }
    return CLI_OK;
}

/* ----- export ----- */

typedef struct exporter {
    FILE *file;
    crypto_hash_sha256_state sha256;
    size_t rows;
    bool is_error;
} exporter;

static void export_write(exporter *x, const char *s, size_t len)
{
    if (fwrite(s, 1, len, x->file) != len)
        x->is_error = true;
    crypto_hash_sha256_update(&x->sha256, (const unsigned char *)s, len);
}

static void export_field(exporter *x, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        export_write(x, s, strlen(s));
        return;
    }
    export_write(x, "\"", 1);
    for (const char *c = s; *c; c++) {
        size_t run = strcspn(c, "\"");
        export_write(x, c, run);
        c += run;
        if (!*c)
            break;
        export_write(x, "\"\"", 2);
    }
    export_write(x, "\"", 1);
}

static int export_alert(const tby_store_alert *a, void *payload)
{
    exporter *x = payload;
    /* The grade a reviewer's decision gave it, else the engine's (record-format.md). */
    const char *grade = a->grade;
    if (a->status == TBY_ALERT_CLEARED || a->status == TBY_ALERT_SUPPRESSED)
        grade = "cleared";
    else if (a->status == TBY_ALERT_CONFIRMED)
        grade = "confirmed";
    char score[32];
    snprintf(score, sizeof(score), ",%.4f,", a->score);
    export_field(x, a->record_id);
    export_write(x, ",", 1);
    export_field(x, a->entry_id);
    export_write(x, score, strlen(score));
    export_field(x, grade);
    export_write(x, ",", 1);
    export_field(x, a->matched_name);
    export_write(x, ",", 1);
    export_field(x, a->explanation_text);
    export_write(x, "\n", 1);
    x->rows++;
    return x->is_error ? TBY_EIO : 0;
}

static int alerts_export(int argc, char **argv)
{
    alert_args a;
    int rc = parse_alert_args(&a, &alerts_export_usage, 2, argc, argv);
    if (rc)
        return rc;
    if (!a.out) {
        fprintf(stderr, "tabayyun: alerts export needs --out FILE.csv\n");
        return CLI_USAGE;
    }
    tby_store_alert_filter filter = TBY_STORE_ALERT_FILTER_INIT;
    if ((rc = parse_statuses(a.status ? a.status : "current", &filter.statuses)))
        return rc;
    filter.list_name = a.list;
    char actor_buf[128];
    const char *actor = cli_actor(a.user, actor_buf, sizeof(actor_buf));
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, actor, false)))
        return rc;
    /* Written beside the target and renamed once the audit entry is in: a reader never sees
       half a file, and no file appears without its entry. */
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", a.out, (long)getpid());
    exporter x;
    memset(&x, 0, sizeof(x));
    crypto_hash_sha256_init(&x.sha256);
    x.file = fopen(tmp, "wb");
    if (!x.file) {
        tby_store_close(store);
        fprintf(stderr, "tabayyun: %s: cannot write\n", a.out);
        return CLI_INTERNAL;
    }
    static const char header[] = "record_id,list_id,score,grade,matched_name,explanation\n";
    export_write(&x, header, strlen(header));
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_alerts_foreach(store, &filter, export_alert, &x, &err);
    if (fflush(x.file) || fsync(fileno(x.file)))
        x.is_error = true;
    if (fclose(x.file))
        x.is_error = true;
    if (!rc && x.is_error) {
        rc = TBY_EIO;
        snprintf(err.message, sizeof(err.message), "write error");
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&x.sha256, digest);
    char sha256[TBY_STORE_HASH_HEX_LEN];
    tby_store_hash_hex(sha256, digest);
    int64_t seq = 0;
    if (!rc) {
        json_t *statuses = json_array();
        for (int s = TBY_ALERT_OPEN; s <= TBY_ALERT_SUPERSEDED; s++) {
            if (filter.statuses & TBY_ALERT_STATUS_BIT(s))
                json_array_append_new(statuses,
                                      json_string(tby_alert_status_name((tby_alert_status)s)));
        }
        json_t *detail =
            json_pack("{s:s, s:I, s:s, s:s?, s:o}", "file", a.out, "rows", (json_int_t)x.rows,
                      "sha256", sha256, "list", a.list, "statuses", statuses);
        char text[8192];
        size_t len =
            detail ? json_dumpb(detail, text, sizeof(text) - 1, JSON_COMPACT | JSON_PRESERVE_ORDER)
                   : 0;
        json_decref(detail);
        if (!len || len >= sizeof(text)) {
            rc = TBY_ENOMEM;
            snprintf(err.message, sizeof(err.message), "the audit entry does not fit");
        } else {
            text[len] = '\0';
            rc = tby_store_audit_append(store, actor, "alerts.export", "alerts", text, &seq, &err);
        }
    }
    tby_store_close(store);
    if (!rc && rename(tmp, a.out)) {
        rc = TBY_EIO;
        snprintf(err.message, sizeof(err.message), "cannot move the export into place");
    }
    if (rc) {
        unlink(tmp);
        return cli_store_fail(a.out, rc, &err);
    }
    printf("%zu alerts written to %s (sha256 %s; audit entry %lld)\n", x.rows, a.out, sha256,
           (long long)seq);
    return CLI_OK;
}

int cmd_alerts(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "show")) {
        if (wants_help(argc, argv)) {
            fputs(alerts_list_usage.help, stdout);
            return CLI_OK;
        }
        return alerts_show(argc, argv);
    }
    if (argc >= 2 && !strcmp(argv[1], "export")) {
        if (wants_help(argc, argv)) {
            fputs(alerts_list_usage.help, stdout);
            return CLI_OK;
        }
        return alerts_export(argc, argv);
    }
    if (wants_help(argc, argv)) {
        fputs(alerts_list_usage.help, stdout);
        return CLI_OK;
    }
    return alerts_list(argc, argv);
}

/* ===== alert clear|escalate|confirm ===== */

static const alert_usage alert_usage_all = {
    "alert", "daru",
    "usage: tabayyun alert clear --db FILE --alert ID --reason TEXT [--user NAME]\n"
    "       tabayyun alert escalate --db FILE --alert ID [--reason TEXT] [--user NAME]\n"
    "       tabayyun alert confirm --db FILE --alert ID [--reason TEXT] [--user NAME]\n"
    "\n"
    "Records a reviewer's decision on an alert that stands in the review queue, with an audit\n"
    "entry (who, when, what, why):\n"
    "  clear     it is not the listed person (a reason is required). The pair is then\n"
    "            suppressed in later runs for as long as neither side's identifying data\n"
    "            changes, and a redress reference is printed to hand to the person\n"
    "            (tabayyun redress tells them its status).\n"
    "  escalate  pass an open alert on for a closer look.\n"
    "  confirm   it is the person. A first reviewer makes it pending_confirmation; a second\n"
    "            reviewer, another user than the first, makes it confirmed.\n"
    "\n"
    "  --user NAME  who decides (default: $TABAYYUN_USER, else cli:LOGIN)\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 refused (no reason to clear, the same reviewer confirming\n"
    "twice, an alert not in the queue, no such alert), 3 internal or I/O error\n"};

int cmd_alert(int argc, char **argv)
{
    if (wants_help(argc, argv) || argc < 2) {
        fputs(alert_usage_all.help, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    tby_alert_action action;
    if (!strcmp(argv[1], "clear"))
        action = TBY_ALERT_CLEAR;
    else if (!strcmp(argv[1], "escalate"))
        action = TBY_ALERT_ESCALATE;
    else if (!strcmp(argv[1], "confirm"))
        action = TBY_ALERT_CONFIRM;
    else
        return usage_error(&alert_usage_all, "not a decision (clear, escalate, confirm):", argv[1]);
    alert_args a;
    int rc = parse_alert_args(&a, &alert_usage_all, 2, argc, argv);
    if (rc)
        return rc;
    if (!a.alert_id) {
        fprintf(stderr, "tabayyun: alert %s needs --alert ID\n", argv[1]);
        return CLI_USAGE;
    }
    if (action == TBY_ALERT_CLEAR && (!a.reason || !a.reason[0])) {
        fprintf(stderr, "tabayyun: alert clear needs --reason TEXT: why it is not the listed "
                        "person\n");
        return CLI_USAGE;
    }
    char actor_buf[128];
    const char *actor = cli_actor(a.user, actor_buf, sizeof(actor_buf));
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, actor, false)))
        return rc;
    tby_alert_decision decision;
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_alert_decide(store, a.alert_id, action, actor, a.reason, &decision, &err);
    tby_store_close(store);
    if (rc)
        return cli_store_fail(a.db, rc, &err);
    printf("alert %lld: %s -> %s by %s (audit entry %lld)\n", (long long)a.alert_id,
           tby_alert_status_name(decision.from), tby_alert_status_name(decision.to), actor,
           (long long)decision.audit_seq);
    if (decision.to == TBY_ALERT_PENDING_CONFIRMATION)
        printf("a second reviewer, another user than %s, must confirm it\n", actor);
    if (decision.reference[0])
        printf("redress reference: %s\n", decision.reference);
    return CLI_OK;
}

/* ===== redress ===== */

static const alert_usage redress_usage = {
    "redress", "dp",
    "usage: tabayyun redress --db FILE REFERENCE\n"
    "\n"
    "Prints what a redress reference (TBY-XXXX-XXXX-XXXX, handed out when an alert was\n"
    "cleared) says, and nothing else: cleared (the clearance stands), under review (the\n"
    "person alerts again and a reviewer has not cleared it yet) or unknown. Case, dashes and\n"
    "the letters O, I and L for 0 and 1 do not matter.\n"
    "\n"
    "exit codes: 0 a status was printed, 1 usage, 2 not the shape of a reference, 3 internal\n"
    "or I/O error\n"};

int cmd_redress(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(redress_usage.help, stdout);
        return CLI_OK;
    }
    alert_args a;
    int rc = parse_alert_args(&a, &redress_usage, 1, argc, argv);
    if (rc)
        return rc;
    if (!a.reference) {
        fprintf(stderr, "tabayyun: redress needs the REFERENCE\n");
        return CLI_USAGE;
    }
    char actor_buf[128];
    tby_store *store = NULL;
    if ((rc = cli_store_open(&store, a.db, cli_actor(a.user, actor_buf, sizeof(actor_buf)), false)))
        return rc;
    tby_redress_status status = TBY_REDRESS_UNKNOWN;
    tby_error err;
    tby_error_clear(&err);
    rc = tby_store_redress_status(store, a.reference, &status, &err);
    tby_store_close(store);
    if (rc)
        return cli_store_fail("redress", rc, &err);
    printf("%s\n", tby_redress_status_name(status));
    return CLI_OK;
}
