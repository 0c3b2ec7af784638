// SPDX-License-Identifier: Apache-2.0
// `tabayyun screen` (one person, or a registry file) and `tabayyun model show`.
#define _POSIX_C_SOURCE 200809L /* clock_gettime, fileno */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "screen/screen_int.h"
#include "util/util_int.h"

static const char screen_help[] =
    "usage: tabayyun screen --list LIST.csv --name NAME [--father F] [--mother M]\n"
    "                       [--birth-date D] [--sex m|f] [--birth-place P]\n"
    "                       [--nationality N] [--document TYPE:NUMBER] [--json]\n"
    "       tabayyun screen --list LIST.csv --input REGISTRY.csv --out ALERTS.csv\n"
    "                       [--threshold T] [--threads N] [--strict]\n"
    "       tabayyun screen --db FILE --list NAME ...   (alerts kept in a database: see\n"
    "                       tabayyun screen --db FILE --help)\n"
    "\n"
    "Screens one person, or every record of a registry, against a list (CSV or JSON Lines in\n"
    "the record format). Each alert has a calibrated score, a grade and an explanation:\n"
    "  identifier_check  names agree, nothing else corroborates: check identifiers first\n"
    "  probable          names and identifiers agree: human review\n"
    "A name alone never grades above identifier_check. The engine ranks and explains; people\n"
    "decide.\n"
    "\n"
    "Options:\n"
    "  --threshold T   alerts need a score of at least T (default threshold 0.0003)\n"
    "  --threads N     worker threads for a registry (default: all cores)\n"
    "  --strict        reject the whole input when any row or value is bad. By default an\n"
    "                  unreadable value (an impossible date) is left out of its record and\n"
    "                  reported, so the person is still screened; rows that cannot be used\n"
    "                  at all (no id, no name, wrong number of fields) are reported and\n"
    "                  skipped\n"
    "  --json          one person: machine-readable output\n"
    "\n"
    "The alerts file has the columns record_id,list_id,score,grade,matched_name,explanation,\n"
    "ordered by the record's line and then by score. A summary goes to stderr; a progress bar\n"
    "too when stderr is a terminal.\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 bad input, 3 internal or I/O error\n";

typedef struct screen_args {
    const char *list, *input, *out, *name, *father, *mother, *birth_date, *sex, *birth_place;
    const char *nationality, *document;
    double threshold;
    unsigned threads;
    bool json, strict;
} screen_args;

static int parse_args(screen_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof(*a));
    a->threshold = TBY_SCREEN_DEFAULT_THRESHOLD;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char **slot = NULL;
        if (!strcmp(opt, "--json")) {
            a->json = true;
            continue;
        }
        if (!strcmp(opt, "--strict")) {
            a->strict = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "tabayyun: %s needs a value\n", opt);
            return CLI_USAGE;
        }
        const char *value = argv[++i];
        if (!strcmp(opt, "--list"))
            slot = &a->list;
        else if (!strcmp(opt, "--input"))
            slot = &a->input;
        else if (!strcmp(opt, "--out"))
            slot = &a->out;
        else if (!strcmp(opt, "--name"))
            slot = &a->name;
        else if (!strcmp(opt, "--father"))
            slot = &a->father;
        else if (!strcmp(opt, "--mother"))
            slot = &a->mother;
        else if (!strcmp(opt, "--birth-date"))
            slot = &a->birth_date;
        else if (!strcmp(opt, "--sex"))
            slot = &a->sex;
        else if (!strcmp(opt, "--birth-place"))
            slot = &a->birth_place;
        else if (!strcmp(opt, "--nationality"))
            slot = &a->nationality;
        else if (!strcmp(opt, "--document"))
            slot = &a->document;
        else if (!strcmp(opt, "--threshold")) {
            char *end;
            a->threshold = strtod(value, &end);
            if (*end || a->threshold < 0.0 || a->threshold > 1.0) {
                fprintf(stderr, "tabayyun: --threshold must be a number in [0, 1], not '%s'\n",
                        value);
                return CLI_USAGE;
            }
            continue;
        } else if (!strcmp(opt, "--threads")) {
            char *end;
            long n = strtol(value, &end, 10);
            if (*end || n < 1 || n > 256) {
                fprintf(stderr, "tabayyun: --threads must be 1..256, not '%s'\n", value);
                return CLI_USAGE;
            }
            a->threads = (unsigned)n;
            continue;
        } else {
            fprintf(stderr, "tabayyun: unknown option '%s' (see tabayyun screen --help)\n", opt);
            return CLI_USAGE;
        }
        *slot = value;
    }
    if (!a->list) {
        fprintf(stderr, "tabayyun: screen needs --list (see tabayyun screen --help)\n");
        return CLI_USAGE;
    }
    if (!a->name == !a->input) {
        fprintf(stderr, "tabayyun: screen needs either --name or --input\n");
        return CLI_USAGE;
    }
    if (a->input && !a->out) {
        fprintf(stderr, "tabayyun: screening a registry needs --out ALERTS.csv\n");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* Reports a rejected row on stderr: file:line: field: reason. */
static int report_reject(const char *source, const tby_error *e, void *payload)
{
    (void)payload;
    fprintf(stderr, "tabayyun: %s:%lld: %s%s%s\n", source, (long long)e->line, e->field,
            e->field[0] ? ": " : "", e->message);
    return 0;
}

/* Reports a value left out of a record that is still screened. */
static int report_dropped(const char *source, const tby_error *e, void *payload)
{
    (void)payload;
    fprintf(stderr, "tabayyun: %s:%lld: %s: %s (value left out; the record is still screened)\n",
            source, (long long)e->line, e->field, e->message);
    return 0;
}

static int load_records(tby_record_set **out, const char *path, bool strict)
{
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.strict = strict;
    opts.on_reject = report_reject;
    /* A mistyped date must not keep a person from being screened: outside --strict, an
     * unreadable value is left out and reported, and the rest of the record is used. */
    opts.drop_bad_values = !strict;
    opts.on_dropped = report_dropped;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_record_set_load_file(out, path, &opts, &err);
    if (rc) {
        fprintf(stderr, "tabayyun: %s: %s\n", path, err.message);
        return cli_exit_for(rc);
    }
    size_t rejected = tby_record_set_reject_total(*out);
    if (rejected)
        fprintf(stderr, "tabayyun: %s: %zu row(s) rejected (listed above), %zu loaded\n", path,
                rejected, tby_record_set_count(*out));
    return CLI_OK;
}

/* ===== One person ===== */

typedef struct single_out {
    bool json;
    json_t *array;
    int rank;
} single_out;

static int single_alert(const tby_alert *a, void *payload)
{
    single_out *so = payload;
    if (so->json) {
        json_t *alert = tby_screen__alert_json(a);
        if (!alert || json_array_append_new(so->array, alert))
            return TBY_ENOMEM;
        return 0;
    }
    char *text = NULL;
    if (tby_alert_explain(&text, a))
        return TBY_ENOMEM;
    printf("%d. %s  %s\n   score %.4f  %s\n", ++so->rank, a->entry->id, a->matched_name, a->score,
           tby_grade_name(a->grade));
    /* One explanation item per line. */
    printf("   ");
    for (const char *p = text; *p; p++) {
        if (p[0] == ';' && p[1] == ' ') {
            printf("\n   ");
            p++;
        } else {
            putchar(*p);
        }
    }
    printf("\n\n");
    tby_free(text);
    return 0;
}

static int screen_single(const screen_args *args, const tby_screener *screener)
{
    tby_record r;
    memset(&r, 0, sizeof(r));
    r.id = "query";
    r.name = args->name;
    r.father = NULL;
    r.mother = args->mother;
    r.birth_place = args->birth_place;
    tby_date date;
    tby_error err;
    tby_error_clear(&err);
    if (args->birth_date) {
        if (tby_date_parse(&date, args->birth_date, strlen(args->birth_date), &err)) {
            fprintf(stderr, "tabayyun: --birth-date: %s\n", err.message);
            return CLI_BADINPUT;
        }
        r.birth_dates = &date;
        r.birth_date_count = 1;
    }
    if (args->sex) {
        if (!strcmp(args->sex, "m") || !strcmp(args->sex, "male"))
            r.sex = TBY_SEX_MALE;
        else if (!strcmp(args->sex, "f") || !strcmp(args->sex, "female"))
            r.sex = TBY_SEX_FEMALE;
        else {
            fprintf(stderr, "tabayyun: --sex must be m or f, not '%s'\n", args->sex);
            return CLI_BADINPUT;
        }
    }
    const char *nationality = args->nationality;
    if (nationality) {
        r.nationalities = &nationality;
        r.nationality_count = 1;
    }
    tby_document doc;
    char number[256];
    char type[64];
    if (args->document) {
        const char *colon = strchr(args->document, ':');
        size_t number_len = sizeof(number);
        if (!colon || colon == args->document ||
            tby_document_number_normalize(number, &number_len, colon + 1, strlen(colon + 1),
                                          &err)) {
            fprintf(stderr, "tabayyun: --document must be TYPE:NUMBER, not '%s'\n", args->document);
            return CLI_BADINPUT;
        }
        snprintf(type, sizeof(type), "%.*s", (int)(colon - args->document), args->document);
        doc.type = type;
        doc.number = number;
        r.documents = &doc;
        r.document_count = 1;
    }
    tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
    opts.threshold = args->threshold;
    single_out so = {args->json, args->json ? json_array() : NULL, 0};
    int rc = tby_screen_record(screener, &r, &opts, single_alert, &so, &err);
    if (rc) {
        fprintf(stderr, "tabayyun: --name \"%s\": %s\n", args->name, err.message);
        json_decref(so.array);
        return cli_exit_for(rc);
    }
    if (args->json) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(args->name));
        json_object_set_new(o, "threshold", json_real(args->threshold));
        json_object_set_new(o, "alerts", so.array);
        json_dumpf(o, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(o);
    } else if (so.rank == 0) {
        printf("no alert at threshold %g\n", args->threshold);
    }
    return CLI_OK;
}

/* ===== A registry ===== */

typedef struct row {
    int64_t line; /* record's source line: output order */
    double score;
    char *text; /* the CSV row */
} row;

typedef struct batch_out {
    row *rows;
    size_t count, cap;
    bool oom;
} batch_out;

static void csv_field(tby_buf *buf, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        tby__buf_puts(buf, s);
        return;
    }
    tby__buf_putc(buf, '"');
    for (; *s; s++) {
        if (*s == '"')
            tby__buf_putc(buf, '"');
        tby__buf_putc(buf, *s);
    }
    tby__buf_putc(buf, '"');
}

static int batch_alert(const tby_alert *a, void *payload)
{
    batch_out *bo = payload;
    char *explanation = NULL;
    if (tby_alert_explain(&explanation, a)) {
        bo->oom = true;
        return TBY_ENOMEM;
    }
    tby_buf buf = TBY_BUF_INIT(0);
    csv_field(&buf, a->record->id);
    tby__buf_putc(&buf, ',');
    csv_field(&buf, a->entry->id);
    tby__buf_printf(&buf, ",%.4f,%s,", a->score, tby_grade_name(a->grade));
    csv_field(&buf, a->matched_name);
    tby__buf_putc(&buf, ',');
    csv_field(&buf, explanation);
    tby__buf_putc(&buf, '\n');
    tby_free(explanation);
    if (bo->count == bo->cap) {
        size_t want = bo->cap ? bo->cap * 2 : 1024;
        row *grown = tby__realloc(bo->rows, want * sizeof(*grown));
        if (!grown) {
            tby__buf_dispose(&buf);
            bo->oom = true;
            return TBY_ENOMEM;
        }
        bo->rows = grown;
        bo->cap = want;
    }
    if (!buf.ptr) {
        bo->oom = true;
        return TBY_ENOMEM;
    }
    bo->rows[bo->count++] = (row){a->record->line, a->score, tby__buf_detach(&buf)};
    return 0;
}

static int row_cmp(const void *x, const void *y)
{
    const row *a = x, *b = y;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return strcmp(a->text, b->text);
}

static void progress_bar(size_t done, size_t total, void *payload)
{
    (void)payload;
    int width = 40;
    int filled = total ? (int)((double)done * width / (double)total) : width;
    fprintf(stderr, "\r[%.*s%*s] %zu/%zu", filled, "########################################",
            width - filled, "", done, total);
    if (done >= total)
        fputc('\n', stderr);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int screen_registry(const screen_args *args, const tby_screener *screener,
                           const tby_record_set *registry, size_t list_count, double load_seconds)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
    opts.threshold = args->threshold;
    opts.threads = args->threads;
    batch_out bo = {0};
    tby_screen_stats stats;
    tby_error err;
    tby_error_clear(&err);
    bool tty = isatty(fileno(stderr));
    int rc = tby_screen_batch(screener, registry, &opts, batch_alert, &bo,
                              tty ? progress_bar : NULL, NULL, &stats, &err);
    int status = CLI_OK;
    if (rc || bo.oom) {
        fprintf(stderr, "tabayyun: screening stopped: %s\n",
                bo.oom ? "out of memory" : err.message);
        status = CLI_INTERNAL;
        goto out;
    }
    qsort(bo.rows, bo.count, sizeof(*bo.rows), row_cmp);
    /* Write to a temporary file and rename, so that a failure never leaves half a file. */
    size_t tmp_len = strlen(args->out) + 16;
    char *tmp = tby__malloc(tmp_len);
    if (!tmp) {
        status = CLI_INTERNAL;
        goto out;
    }
    snprintf(tmp, tmp_len, "%s.tmp%ld", args->out, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "tabayyun: cannot write '%s': %s\n", tmp, strerror(errno));
        tby__free(tmp);
        status = CLI_INTERNAL;
        goto out;
    }
    fputs("record_id,list_id,score,grade,matched_name,explanation\n", f);
    for (size_t i = 0; i < bo.count; i++)
        fputs(bo.rows[i].text, f);
    bool bad = ferror(f) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, args->out)) {
        fprintf(stderr, "tabayyun: cannot write '%s': %s\n", args->out, strerror(errno));
        remove(tmp);
        status = CLI_INTERNAL;
    }
    tby__free(tmp);
    if (status == CLI_OK)
        fprintf(stderr,
                "screened %zu records (%zu without a usable name) against %zu list entries: "
                "%zu alerts (%zu probable, %zu identifier_check) at threshold %g; "
                "%zu candidates scored; load %.2f s, screening %.2f s\n",
                stats.records, stats.skipped, list_count, stats.alerts[1] + stats.alerts[2],
                stats.alerts[2], stats.alerts[1], args->threshold, stats.candidates, load_seconds,
                seconds_since(&t0));
out:
    for (size_t i = 0; i < bo.count; i++)
        tby__free(bo.rows[i].text);
    tby__free(bo.rows);
    return status;
}

typedef struct load_job {
    tby_record_set **out;
    const char *path;
    bool strict;
    int status;
} load_job;

static void *load_job_run(void *arg)
{
    load_job *job = arg;
    job->status = load_records(job->out, job->path, job->strict);
    return NULL;
}

/*
 * Loads the list (and registry), builds and fits the screener. The registry is read on a
 * thread of its own while the list is read and its screener built: a million records take
 * seconds to read, and nothing but the fit needs them. Each file's messages name it.
 */
static int prepare(const screen_args *args, tby_record_set **list, tby_record_set **registry,
                   tby_screener **screener)
{
    load_job job = {registry, args->input, args->strict, CLI_OK};
    pthread_t reader;
    bool reading = args->input && !pthread_create(&reader, NULL, load_job_run, &job);
    if (args->input && !reading)
        load_job_run(&job); /* no thread to be had: one after the other */
    int status = load_records(list, args->list, args->strict);
    tby_error err;
    tby_error_clear(&err);
    int rc = status ? TBY_OK : tby_screener_new(screener, *list, &err);
    if (reading)
        pthread_join(reader, NULL);
    if (status)
        return status;
    if (!rc && job.status)
        return job.status;
    if (!rc)
        rc = tby_screener_fit(*screener, *registry, &err);
    if (rc) {
        fprintf(stderr, "tabayyun: %s: %s\n", args->list, err.message);
        return cli_exit_for(rc);
    }
    if (tby_screener_skipped(*screener))
        fprintf(stderr, "tabayyun: %s: %zu entries have no usable name and were skipped\n",
                args->list, tby_screener_skipped(*screener));
    return CLI_OK;
}

int cmd_screen(int argc, char **argv)
{
    /* With a database, screening keeps its alerts there (cmd_store_alerts.c). */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db"))
            return cmd_screen_db(argc, argv);
    }
    if (cli_wants_help(argc, argv)) {
        fputs(screen_help, stdout);
        return CLI_OK;
    }
    screen_args args;
    int status = parse_args(&args, argc, argv);
    if (status)
        return status;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tby_record_set *list = NULL, *registry = NULL;
    tby_screener *screener = NULL;
    status = prepare(&args, &list, &registry, &screener);
    if (!status)
        status = args.input ? screen_registry(&args, screener, registry, tby_record_set_count(list),
                                              seconds_since(&t0))
                            : screen_single(&args, screener);
    tby_screener_free(screener);
    tby_record_set_free(registry);
    tby_record_set_free(list);
    return status;
}

static const char model_help[] =
    "usage: tabayyun model show --list LIST.csv [--input REGISTRY.csv]\n"
    "\n"
    "Fits the evidence model to the list (and the registry, when given) exactly as screening\n"
    "does, and prints it: for every field level its m (share among true pairs), u (share among\n"
    "random pairs) and weight in bits, the prior, and the name-frequency statistics.\n";

int cmd_model(int argc, char **argv)
{
    if (cli_wants_help(argc, argv) || argc < 2 || strcmp(argv[1], "show")) {
        fputs(model_help, argc < 2 || strcmp(argv[1], "show") ? stderr : stdout);
        return cli_wants_help(argc, argv) ? CLI_OK : CLI_USAGE;
    }
    screen_args args;
    memset(&args, 0, sizeof(args));
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--list"))
            args.list = argv[i + 1];
        else if (!strcmp(argv[i], "--input"))
            args.input = argv[i + 1];
        else {
            fputs(model_help, stderr);
            return CLI_USAGE;
        }
    }
    if (!args.list || (argc % 2)) {
        fputs(model_help, stderr);
        return CLI_USAGE;
    }
    tby_record_set *list = NULL, *registry = NULL;
    tby_screener *screener = NULL;
    int status = prepare(&args, &list, &registry, &screener);
    if (!status) {
        char *text = NULL;
        if (tby_screener_describe(&text, screener)) {
            status = CLI_INTERNAL;
        } else {
            fputs(text, stdout);
            tby_free(text);
        }
    }
    tby_screener_free(screener);
    tby_record_set_free(registry);
    tby_record_set_free(list);
    return status;
}
