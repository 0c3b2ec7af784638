// SPDX-License-Identifier: Apache-2.0
// The crash test of screening runs: a child process screens a stored list against the stored
// registry (tby_monitor_run, in delta after the parent imported a new list version and
// registry changes) and is killed with SIGKILL, at crash points of the store (each alert
// written or superseded, before and after each commit) and after delays spread over a run,
// again and again on the same file. After each kill:
//   - integrity_check is ok and no foreign key dangles;
//   - no alert was made or superseded by a run that is not complete, and every complete run
//     has its audit entry and as many alerts as it counted;
//   - when no run completed, the standing alerts are exactly those from before the child;
//   - the audit chain verifies.
// At the end a run completes, and a full run of a copy under the same model finds nothing
// to change: whatever the kills interrupted, the delta still equals a full rescreen.
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "harness/test.h"
#include "store/store_int.h"
#include "store/store_test.h"
#include "monitor/monitor_test.h"

#define HOOK_KILLS  16
#define TIMED_KILLS 8
#define REGISTRY    1000 /* records of the population used */

static char db_path[300];
static tby_record_set *list_set, *registry_set;

/* Imports round `round`'s list version and registry: some entries removed and renamed, some
   records renamed to listed names, each round other ones. */
static void import_round(int round)
{
    size_t nl = tby_record_set_count(list_set), nr = tby_record_set_count(registry_set);
    if (nr > REGISTRY)
        nr = REGISTRY;
    const tby_record **records = calloc(nl + nr, sizeof(*records));
    tby_record *copies = calloc(nl + nr, sizeof(*copies));
    size_t count = 0, copied = 0;
    for (size_t i = 0; i < nl; i++) {
        const tby_record *e = tby_record_set_get(list_set, i);
        if ((i + (size_t)round) % 29 == 0)
            continue;
        if ((i + 2 * (size_t)round) % 31 == 0) {
            tby_record *c = &copies[copied++];
            *c = *e;
            const tby_record *r = tby_record_set_get(registry_set, (i * 13 + (size_t)round) % nr);
            c->name = r->name ? r->name : r->given;
            c->given = c->father = c->grandfather = c->family = NULL;
            e = c;
        }
        records[count++] = e;
    }
    char path[300];
    store_test_path(path, sizeof(path), "crash_list.jsonl");
    monitor_test_write_jsonl(path, records, count);
    tby_store *store = store_test_open(db_path, false);
    tby_store_import_options opts = TBY_STORE_IMPORT_OPTIONS_INIT;
    opts.actor = "crash-test";
    opts.strict = true;
    tby_error err;
    const char *paths[] = {path};
    if (tby_store_list_import_files(store, "UN", TBY_LIST_FORMAT_JSONL, paths, 1, &opts, NULL,
                                    &err))
        TEST__FAIL("list import: %s", err.message);
    count = 0;
    for (size_t i = 0; i < nr; i++) {
        const tby_record *r = tby_record_set_get(registry_set, i);
        if ((i + 3 * (size_t)round) % 97 == 0) {
            tby_record *c = &copies[copied++];
            *c = *r;
            const tby_record *e = tby_record_set_get(list_set, (i + (size_t)round) % nl);
            c->name = e->name ? e->name : e->given;
            c->given = c->father = c->grandfather = c->family = NULL;
            r = c;
        }
        records[count++] = r;
    }
    store_test_path(path, sizeof(path), "crash_registry.jsonl");
    monitor_test_write_jsonl(path, records, count);
    if (tby_store_registry_import_file(store, path, &opts, NULL, &err))
        TEST__FAIL("registry import: %s", err.message);
    tby_store_close(store);
    free(copies);
    free(records);
}

static int run_screen(unsigned flags)
{
    tby_store_options opts = TBY_STORE_OPTIONS_INIT;
    opts.actor = "crash-test";
    opts.busy_timeout_ms = 10000;
    tby_store *store = NULL;
    int rc = tby_store_open(&store, db_path, &opts, NULL);
    if (rc)
        return rc;
    tby_monitor_stats stats;
    rc = monitor_test_run(store, "UN", flags, &stats);
    tby_store_close(store);
    return rc;
}

/* Forks a child that screens; kills it at crash point `countdown` (0: none) or after
   `delay_ns` (0: none). Returns true when the child was killed. */
static bool run_child(long countdown, long delay_ns)
{
    fflush(NULL);
    pid_t pid = fork();
    TEST_CHECK(pid >= 0);
    if (pid == 0) {
        tby_store__crash_countdown = countdown;
        _exit(run_screen(0) ? 3 : 0);
    }
    if (delay_ns > 0) {
        struct timespec delay = {delay_ns / 1000000000L, delay_ns % 1000000000L};
        nanosleep(&delay, NULL);
        kill(pid, SIGKILL);
    }
    int status = 0;
    TEST_CHECK(waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status)) {
        TEST_INT_EQ(WTERMSIG(status), SIGKILL);
        return true;
    }
    TEST_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return false;
}

static long long complete_runs(void)
{
    return store_test_sql_int(db_path,
                              "SELECT count(*) FROM screening_runs WHERE status = 'complete'");
}

static void check_database(const char *when, const monitor_test_alerts *before,
                           long long runs_before)
{
    int failures = test__failures;
    TEST_STR_EQ(store_test_sql_text(db_path, "PRAGMA integrity_check"), "ok");
    TEST_STR_EQ(store_test_sql_text(db_path, "PRAGMA foreign_key_check"), "");
    TEST_INT_EQ(store_test_sql_int(db_path,
                                   "SELECT count(*) FROM alerts a JOIN screening_runs r ON r.id = "
                                   "a.run_id OR r.id = a.superseded_by_run WHERE r.status <> "
                                   "'complete'"),
                0);
    TEST_INT_EQ(store_test_sql_int(db_path,
                                   "SELECT count(*) FROM screening_runs r LEFT JOIN audit_log a "
                                   "ON a.seq = r.audit_seq WHERE r.status = 'complete' AND "
                                   "a.action IS NOT 'screen.run'"),
                0);
    TEST_INT_EQ(store_test_sql_int(db_path,
                                   "SELECT count(*) FROM screening_runs r WHERE r.status = "
                                   "'complete' AND (r.alerts_new + r.alerts_suppressed != (SELECT "
                                   "count(*) FROM alerts a WHERE a.run_id = r.id) OR "
                                   "r.alerts_superseded != (SELECT count(*) FROM alerts a WHERE "
                                   "a.superseded_by_run = r.id))"),
                0);
    tby_store *store = store_test_open(db_path, false);
    if (store) {
        tby_audit_report report;
        tby_error err;
        TEST_INT_EQ(tby_store_audit_verify(store, &report, &err), 0);
        if (complete_runs() == runs_before) {
            monitor_test_alerts now = monitor_test_standing(store);
            monitor_test_same(before, &now);
            monitor_test_alerts_free(&now);
        }
        tby_store_close(store);
    }
    if (test__failures != failures)
        fprintf(stderr, "  (database checked %s)\n", when);
}

/* One round: new inputs, the state before, a child screening and killed, the checks. */
static bool round_with_kill(int round, long countdown, long delay_ns, const char *when)
{
    import_round(round);
    tby_store *store = store_test_open(db_path, false);
    monitor_test_alerts before = monitor_test_standing(store);
    tby_store_close(store);
    long long runs = complete_runs();
    bool is_killed = run_child(countdown, delay_ns);
    check_database(when, &before, runs);
    monitor_test_alerts_free(&before);
    return is_killed;
}

static void test_monitor_crash__killed_runs_leave_alerts_whole(void)
{
    list_set = monitor_test_load("tests/data/screen/delta_list.csv");
    registry_set = monitor_test_load("tests/data/screen/delta_registry.csv");
    if (!list_set || !registry_set)
        return;
    store_test_path(db_path, sizeof(db_path), "crash.db");
    store_test_remove_db(db_path);
    tby_store_close(store_test_open(db_path, true));
    import_round(0);
    TEST_INT_EQ(run_screen(0), 0); /* the first run: full, a model fitted */

    /* A run in this process counts the crash points of a delta; a child's run is timed. */
    import_round(1);
    tby_store__crash_countdown = 1L << 40;
    TEST_INT_EQ(run_screen(0), 0);
    long points = (long)((1L << 40) - tby_store__crash_countdown);
    tby_store__crash_countdown = 0;
    TEST_CHECK(points > 10);
    struct timespec start, end;
    import_round(2);
    clock_gettime(CLOCK_MONOTONIC, &start);
    TEST_CHECK(!run_child(0, 0));
    clock_gettime(CLOCK_MONOTONIC, &end);
    long run_ns = (end.tv_sec - start.tv_sec) * 1000000000L + (end.tv_nsec - start.tv_nsec);

    int round = 3, killed = 0, finished = 0;
    for (int i = 0; i < HOOK_KILLS; i++, round++) {
        /* Spread over the run, the last points (around the commit) included. */
        long countdown = i < HOOK_KILLS - 3 ? 1 + (points - 1) * i / (HOOK_KILLS - 4)
                                            : points - (HOOK_KILLS - 1 - i);
        char when[128];
        snprintf(when, sizeof(when), "after a kill at crash point %ld of about %ld", countdown,
                 points);
        bool is_killed = round_with_kill(round, countdown < 1 ? 1 : countdown, 0, when);
        killed += is_killed;
        finished += !is_killed;
    }
    for (int i = 0; i < TIMED_KILLS; i++, round++) {
        long delay = run_ns / 10 + run_ns * i / TIMED_KILLS;
        char when[128];
        snprintf(when, sizeof(when), "after a kill at %ld us", delay / 1000);
        bool is_killed = round_with_kill(round, 0, delay, when);
        killed += is_killed;
        finished += !is_killed;
    }
    TEST_CHECK(killed >= HOOK_KILLS / 2);
    printf("screening crash test: %d runs killed, %d finished (%ld crash points in a run); a "
           "run takes %.0f ms\n",
           killed, finished, points, run_ns / 1e6);

    /* Still usable: a run completes, and a full run of a copy finds nothing to change. */
    long long runs = complete_runs();
    TEST_INT_EQ(run_screen(0), 0);
    TEST_INT_EQ(complete_runs(), runs + 1);
    char copy[300];
    store_test_path(copy, sizeof(copy), "crash_full.db");
    monitor_test_copy(db_path, copy);
    tby_store *store = store_test_open(copy, false);
    tby_monitor_stats stats;
    TEST_INT_EQ(monitor_test_run(store, "UN", TBY_MONITOR_FULL, &stats), 0);
    TEST_INT_EQ(stats.store.alerts_new + stats.store.alerts_superseded, 0);
    TEST_CHECK(stats.store.alerts_kept > 0);
    tby_store_close(store);
    tby_record_set_free(list_set);
    tby_record_set_free(registry_set);
}

TEST_LIST = {
    TEST(test_monitor_crash__killed_runs_leave_alerts_whole),
    TEST_END,
};

TEST_MAIN()
