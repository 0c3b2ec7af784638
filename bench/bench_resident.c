// SPDX-License-Identifier: Apache-2.0
// Delta rescreening in a long-lived process (tby_monitor_open/refresh/apply) against a full
// rescreen by the same process, through the store, in one run (the durable-state issue:
// after 1 % of a 100,000-entry list changes, a delta rescreen takes under 5 % of the time
// of a full rescreen). The data is bench/bench_store_delta.sh's: its registry and list
// (gen_population.py --seed 1) and its second list version (0.5 % renamed, 0.25 % removed,
// 0.25 % added).
//
//   1. a new database: registry and list version 1 imported, the one-shot first run (fits
//      and pins the model, screens everything);
//   2. the resident monitor opened (reads the registry, parses its names, builds the
//      screener: what a server pays once when it starts);
//   3. list version 2 imported; then, timed apart:
//        refresh  the new version read and its screener built (a server needs it anyway to
//                 answer screenings);
//        delta    tby_monitor_apply: the diff and key set, the delta over the resident
//                 registry on THREADS threads, the run committed;
//        full     tby_monitor_apply(TBY_MONITOR_FULL) by the same process, same state, same
//                 model: every record screened whole, the run committed;
//   4. checks that the full run found every standing alert of the delta as it is (0 new,
//      0 superseded) and that the standing alerts before and after it are equal.
//
// Usage: bench_resident DB REGISTRY.csv LIST1.csv LIST2.csv [THREADS]
//   e.g. (after bash bench/bench_store_delta.sh, or its data):
//   build-rel/bench/bench_resident out/bench_resident.db
//     out/bench_store_delta/pop_100000_100000/registry.csv
//     out/bench_store_delta/pop_100000_100000/list.csv out/bench_store_delta/list2.csv 2
//   (one command line)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "tabayyun/tabayyun.h"
#include "tabayyun/tby_monitor.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU seconds of the process (every thread), user and system: on a machine shared with
   other work the wall clock of a short run says little, its CPU time more. */
static double cpu_now(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 +
           (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec / 1e6;
}

static long rss_mib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib < 0 ? -1 : kib / 1024;
}

static void die(const char *what, const tby_error *err)
{
    fprintf(stderr, "bench_resident: %s: %s\n", what, err->message);
    exit(3);
}

/* The standing alerts: "record>entry score grade" lines, sorted. */
typedef struct lines {
    char **v;
    size_t count, cap;
} lines;

static int add_line(const tby_store_alert *a, void *payload)
{
    lines *l = payload;
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4096;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
    }
    char line[256];
    snprintf(line, sizeof(line), "%s>%s %.17g %s", a->record_id, a->entry_id, a->score, a->grade);
    l->v[l->count++] = strdup(line);
    return 0;
}

static int line_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static lines standing(tby_store *store)
{
    lines l = {NULL, 0, 0};
    tby_store_alert_filter filter = TBY_STORE_ALERT_FILTER_INIT;
    filter.statuses = TBY_ALERT_CURRENT;
    tby_error err;
    if (tby_store_alerts_foreach(store, &filter, add_line, &l, &err))
        die("alerts", &err);
    qsort(l.v, l.count, sizeof(*l.v), line_cmp);
    return l;
}

static void lines_free(lines *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->v[i]);
    free(l->v);
}

static void import_list(tby_store *store, const char *path)
{
    tby_store_import_options io = TBY_STORE_IMPORT_OPTIONS_INIT;
    io.actor = "bench";
    tby_error err;
    const char *paths[] = {path};
    if (tby_store_list_import_files(store, "BENCH", TBY_LIST_FORMAT_CSV, paths, 1, &io, NULL, &err))
        die(path, &err);
}

static void print_run(const char *label, double seconds, const tby_monitor_stats *s)
{
    printf("%-9s %7.2f s  load %.2f, screen %.2f, commit %.2f; %zu records looked at, %zu "
           "whole, %zu pairs; alerts %zu new, %zu kept, %zu superseded\n",
           label, seconds, s->seconds_load, s->seconds_screen, s->seconds_commit, s->records,
           s->records_whole, s->pairs_scored, s->store.alerts_new, s->store.alerts_kept,
           s->store.alerts_superseded);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bench_resident DB REGISTRY.csv LIST1.csv LIST2.csv [THREADS]\n");
        return 2;
    }
    const char *db = argv[1];
    unsigned threads = argc > 5 ? (unsigned)strtoul(argv[5], NULL, 10) : 2;
    char path[1024];
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s%s", db, suffixes[i]);
        unlink(path);
    }
    tby_error err;
    tby_store_options so = TBY_STORE_OPTIONS_INIT;
    so.actor = "bench";
    so.flags = TBY_STORE_CREATE;
    tby_store *store = NULL;
    if (tby_store_open(&store, db, &so, &err))
        die(db, &err);

    double t = now();
    tby_store_import_options io = TBY_STORE_IMPORT_OPTIONS_INIT;
    io.actor = "bench";
    if (tby_store_registry_import_file(store, argv[2], &io, NULL, &err))
        die(argv[2], &err);
    import_list(store, argv[3]);
    printf("imports   %7.2f s  (registry and list version 1)\n", now() - t);

    tby_monitor_options mo = TBY_MONITOR_OPTIONS_INIT;
    mo.actor = "bench";
    mo.threads = threads;
    tby_monitor_stats stats;
    t = now();
    if (tby_monitor_run(store, "BENCH", &mo, &stats, &err))
        die("first run", &err);
    print_run("first", now() - t, &stats);

    tby_monitor *m = NULL;
    t = now();
    if (tby_monitor_open(&m, store, "BENCH", &mo, &err))
        die("open", &err);
    printf("open      %7.2f s  (registry read and parsed, screener built; once per process); "
           "RSS %ld MiB\n",
           now() - t, rss_mib());

    t = now();
    import_list(store, argv[4]);
    printf("import v2 %7.2f s  (not part of any run)\n", now() - t);

    t = now();
    if (tby_monitor_refresh(m, NULL, &err))
        die("refresh", &err);
    double t_refresh = now() - t;
    printf("refresh   %7.2f s  (version 2 read, its screener built under the pinned model)\n",
           t_refresh);

    double c = cpu_now();
    t = now();
    if (tby_monitor_apply(m, 0, &stats, &err))
        die("delta", &err);
    double t_delta = now() - t, c_delta = cpu_now() - c;
    print_run("delta", t_delta, &stats);
    printf("          %zu entries changed since version %lld\n", stats.entries_changed,
           (long long)stats.since_version);
    bool is_delta = !stats.is_full;
    lines before = standing(store);

    c = cpu_now();
    t = now();
    if (tby_monitor_apply(m, TBY_MONITOR_FULL, &stats, &err))
        die("full", &err);
    double t_full = now() - t, c_full = cpu_now() - c;
    print_run("full", t_full, &stats);
    lines after = standing(store);
    bool equal = is_delta && before.count == after.count && stats.store.alerts_new == 0 &&
                 stats.store.alerts_superseded == 0 && stats.store.alerts_kept == before.count;
    for (size_t i = 0; equal && i < before.count; i++)
        equal = !strcmp(before.v[i], after.v[i]);
    printf("RSS       %ld MiB at the end; machine %ld cores, load ", rss_mib(),
           sysconf(_SC_NPROCESSORS_ONLN));
    FILE *load = fopen("/proc/loadavg", "r");
    char text[64] = "?";
    if (load && fgets(text, sizeof(text), load))
        text[strcspn(text, "\n")] = '\0';
    if (load)
        fclose(load);
    printf("%s\n", text);
    printf("delta / full            %5.1f %%  (target: under 5 %%)\n", 100.0 * t_delta / t_full);
    printf("(refresh + delta) / full %5.1f %%\n", 100.0 * (t_refresh + t_delta) / t_full);
    printf("CPU delta / full        %5.1f %%  (%.2f s and %.2f s, every thread)\n",
           100.0 * c_delta / c_full, c_delta, c_full);
    printf("alerts    delta and full %s (%zu and %zu standing alerts)\n",
           equal ? "equal" : "DIFFER", before.count, after.count);
    printf("RESULT threads=%u refresh_s=%.3f delta_s=%.3f full_s=%.3f ratio_pct=%.2f "
           "cpu_ratio_pct=%.2f alerts=%s\n",
           threads, t_refresh, t_delta, t_full, 100.0 * t_delta / t_full, 100.0 * c_delta / c_full,
           equal ? "equal" : "DIFFER");
    lines_free(&before);
    lines_free(&after);
    tby_monitor_close(m);
    tby_store_close(store);
    return equal ? 0 : 1;
}
