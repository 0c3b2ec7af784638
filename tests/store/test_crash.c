// SPDX-License-Identifier: Apache-2.0
// The crash test: a child process imports a registry and a list version into one database
// and is killed with SIGKILL at many moments, again and again on the same file; after each
// kill the database must be whole:
//   - PRAGMA integrity_check says ok and no foreign key dangles;
//   - every list version holds as many entries as it says, and has its audit entry;
//   - every registry import either stored all its records, with its audit entry, or nothing;
//   - the audit chain verifies.
// Kill points come two ways. Deterministic: the store's crash hook (tby_store__crash_countdown)
// kills the child at the N-th crash point (one per record, and before and after each
// commit), for N spread over a whole run. Timed: the parent kills after a delay spread over
// the run's duration, which also lands inside SQLite's own writes, commits and checkpoints.
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "harness/test.h"
#include "store/store_int.h"
#include "store/store_test.h"

#define REGISTRY_ROWS 1500
#define LIST_ROWS     600
#define HOOK_KILLS    32
#define TIMED_KILLS   12

static char db_path[300], registry_path[300], list_path[300];

/* Inputs of run `round`: every round changes some records and entries and adds new ones. */
static void write_inputs(int round)
{
    FILE *file = fopen(registry_path, "wb");
    TEST_CHECK(file != NULL);
    if (!file)
        return;
    fprintf(file, "id,name,birth_date,note\n");
    for (int i = 0; i < REGISTRY_ROWS; i++)
        fprintf(file, "R%d,Person Number%d Hasan,%d,round %d\n", i, i, 1950 + i % 50,
                i % 7 == 0 ? round : 0);
    for (int i = 0; i < 20; i++)
        fprintf(file, "N%d-%d,New Person%d Round%d,1990,\n", round, i, i, round);
    fclose(file);
    file = fopen(list_path, "wb");
    TEST_CHECK(file != NULL);
    if (!file)
        return;
    fprintf(file, "id,name,birth_date\n");
    for (int i = 0; i < LIST_ROWS; i++) {
        if ((i + round) % 13 == 0)
            continue; /* removed this round */
        fprintf(file, "L%d,Listed Person%d Omar,%d\n", i, i,
                1940 + (i + (i % 5 == 0) * round) % 60);
    }
    fclose(file);
}

/* One run: the registry, then the list. Returns 0 or the failing code. */
static int run_imports(void)
{
    tby_store_options opts = TBY_STORE_OPTIONS_INIT;
    opts.actor = "crash-test";
    opts.busy_timeout_ms = 10000;
    tby_store *store = NULL;
    int rc = tby_store_open(&store, db_path, &opts, NULL);
    if (rc)
        return rc;
    tby_store_import_options imp = TBY_STORE_IMPORT_OPTIONS_INIT;
    imp.actor = "crash-test";
    imp.strict = true;
    rc = tby_store_registry_import_file(store, registry_path, &imp, NULL, NULL);
    if (!rc) {
        const char *paths[] = {list_path};
        rc = tby_store_list_import_files(store, "UN", TBY_LIST_FORMAT_CSV, paths, 1, &imp, NULL,
                                         NULL);
    }
    tby_store_close(store);
    return rc;
}

/* Forks a child that runs the imports; kills it at crash point `countdown` (0: none) or after
   `delay_ns` (0: none). Returns true when the child was killed, false when it finished. */
static bool run_child(long countdown, long delay_ns)
{
    fflush(NULL);
    pid_t pid = fork();
    TEST_CHECK(pid >= 0);
    if (pid == 0) {
        tby_store__crash_countdown = countdown;
        _exit(run_imports() ? 3 : 0);
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

/* Everything a killed import may not leave behind. */
static void check_database(const char *when)
{
    int failures = test__failures;
    TEST_STR_EQ(store_test_sql_text(db_path, "PRAGMA integrity_check"), "ok");
    TEST_STR_EQ(store_test_sql_text(db_path, "PRAGMA foreign_key_check"), "");
    /* No version short of entries, none without its audit entry. */
    TEST_INT_EQ(store_test_sql_int(db_path,
                                   "SELECT count(*) FROM list_versions v WHERE entry_count != "
                                   "(SELECT count(*) FROM list_entries e WHERE e.version_id = v.id)"
                                   " OR entry_count = 0"),
                0);
    TEST_INT_EQ(store_test_sql_int(db_path,
                                   "SELECT count(*) FROM list_versions v JOIN lists l ON l.id = "
                                   "v.list_id LEFT JOIN audit_log a ON a.seq = v.audit_seq WHERE "
                                   "a.object IS NOT 'list:' || l.name || '@' || v.number"),
                0);
    /* Versions are numbered without gaps. */
    TEST_INT_EQ(store_test_sql_int(db_path, "SELECT count(*) - ifnull(max(number), 0) FROM "
                                            "list_versions"),
                0);
    /* Registry imports: each one finished, logged, with all its records; none half-stored. */
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM registry_imports i LEFT JOIN audit_log a ON a.seq = "
             "i.audit_seq WHERE a.action IS NOT 'registry.import' OR i.records != %d",
             REGISTRY_ROWS + 20);
    TEST_INT_EQ(store_test_sql_int(db_path, sql), 0);
    TEST_INT_EQ(store_test_sql_int(db_path,
                                   "SELECT count(*) FROM (SELECT substr(record_id, 1, instr("
                                   "record_id, '-')) AS round, count(*) AS n FROM registry WHERE "
                                   "record_id LIKE 'N%' GROUP BY round) WHERE n != 20"),
                0);
    tby_store *store = store_test_open(db_path, false);
    tby_audit_report report;
    tby_error err;
    if (store) {
        TEST_INT_EQ(tby_store_audit_verify(store, &report, &err), 0);
        tby_store_close(store);
    }
    if (test__failures != failures)
        fprintf(stderr, "  (database checked %s)\n", when);
}

static void test_store_crash__killed_imports_leave_a_whole_database(void)
{
    store_test_path(db_path, sizeof(db_path), "crash.db");
    store_test_path(registry_path, sizeof(registry_path), "crash_registry.csv");
    store_test_path(list_path, sizeof(list_path), "crash_list.csv");
    store_test_remove_db(db_path);
    tby_store_close(store_test_open(db_path, true));

    /* A run in this process counts the crash points of one run; a child's run is timed. */
    write_inputs(0);
    tby_store__crash_countdown = 1L << 40;
    TEST_INT_EQ(run_imports(), 0);
    long points = (long)((1L << 40) - tby_store__crash_countdown);
    tby_store__crash_countdown = 0;
    TEST_CHECK(points > REGISTRY_ROWS + LIST_ROWS / 2);
    check_database("after the first run");
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    write_inputs(1);
    TEST_CHECK(!run_child(0, 0));
    clock_gettime(CLOCK_MONOTONIC, &end);
    long run_ns = (end.tv_sec - start.tv_sec) * 1000000000L + (end.tv_nsec - start.tv_nsec);
    check_database("after the second run");

    int round = 2, killed = 0, finished = 0;
    for (int i = 0; i < HOOK_KILLS; i++, round++) {
        /* Spread over the run, with the last points (around the list's commit) included. */
        long countdown = i < HOOK_KILLS - 4 ? 1 + (points - 1) * i / (HOOK_KILLS - 5)
                                            : points - (HOOK_KILLS - 1 - i);
        write_inputs(round);
        killed += run_child(countdown, 0);
        char when[128];
        snprintf(when, sizeof(when), "after a kill at crash point %ld of %ld", countdown, points);
        check_database(when);
    }
    for (int i = 0; i < TIMED_KILLS; i++, round++) {
        /* From early in the run to its end. */
        long delay = run_ns / 20 + run_ns * i / TIMED_KILLS;
        write_inputs(round);
        bool is_killed = run_child(0, delay);
        killed += is_killed;
        finished += !is_killed;
        char when[128];
        snprintf(when, sizeof(when), "after a kill at %ld us", delay / 1000);
        check_database(when);
    }
    TEST_CHECK(killed >= HOOK_KILLS);
    printf("crash test: %d runs killed (%d at crash points of %ld, %d timed), %d finished; one "
           "run takes %.0f ms\n",
           killed, HOOK_KILLS, points, killed - HOOK_KILLS, finished, run_ns / 1e6);

    /* The database is still usable: a run to the end adds a version. */
    int64_t before = store_test_sql_int(db_path, "SELECT count(*) FROM list_versions");
    write_inputs(round);
    TEST_INT_EQ(run_imports(), 0);
    TEST_INT_EQ(store_test_sql_int(db_path, "SELECT count(*) FROM list_versions"), before + 1);
    check_database("after the last run");
}

TEST_LIST = {
    TEST(test_store_crash__killed_imports_leave_a_whole_database),
    TEST_END,
};

TEST_MAIN()
