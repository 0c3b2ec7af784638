// SPDX-License-Identifier: Apache-2.0
// Tests of the store's schema migrations (src/store/store.c, sqlite.c): a database built at
// every earlier version k (steps 1..k applied, as an older tabayyun left it) opens, migrates
// to the current version with an audit entry, keeps its data, and ends with exactly the
// schema of a database created from nothing. A new migration is covered by adding it: the
// loop runs over every version the backend knows. Also: an empty file, a file that is not a
// database, a database of another program, one newer than the code, a missing file.
#define _POSIX_C_SOURCE 200809L
#include "harness/test.h"
#include "store/store_int.h"
#include "store/store_test.h"

/*
 * Data put into a database at version k before it is migrated, written in the SQL of that
 * version (which never changes once released), and a query that must still count 1 after the
 * migration. Add a line when a migration changes tables that hold data.
 */
typedef struct seed {
    int version;       /* the version the SQL is written for */
    const char *sql;   /* run at that version */
    const char *check; /* counts 1 after migrating to the latest version */
} seed;

static const seed seeds[] = {
    {1,
     "INSERT INTO sites (name, created_at) VALUES ('seed site', '2020-01-01T00:00:00.000Z');"
     "INSERT INTO lists (name, created_at) VALUES ('seed list', '2020-01-01T00:00:00.000Z');",
     "SELECT count(*) FROM sites s, lists l WHERE s.name = 'seed site' AND l.name = 'seed list'"},
    /* A token from before tokens carried a role acts in its user's role (migration 3). */
    {1,
     "INSERT INTO users (id, name, created_at) VALUES (7, 'seed', '2020-01-01T00:00:00.000Z');"
     "INSERT INTO user_roles (user_id, role, site_id, granted_at, granted_by) "
     "VALUES (7, 'analyst', NULL, '2020-01-01T00:00:00.000Z', 'seed');"
     "INSERT INTO api_tokens (user_id, token_hash, created_at) "
     "VALUES (7, zeroblob(32), '2020-01-01T00:00:00.000Z');",
     "SELECT count(*) FROM api_tokens t JOIN users u ON u.id = t.user_id "
     "WHERE t.role = 'analyst' AND u.must_change_password = 0"},
    /* A list screened once: its model, the run, an alert cleared with its decision and
       clearance, and the two audit entries they point at (hashes computed by the scheme of
       docs/internals/store.md, so that the chain verifies). */
    {2,
     "INSERT INTO audit_log (seq, at, actor, action, object, detail, prev_hash, hash) VALUES "
     "(1, '2020-01-01T00:00:00.000Z', 'seed', 'screen.run', 'list:seed@1', '{}', "
     "zeroblob(32), x'eab8c7067f4b88f72e067c76babab80b2399ccc1f56a233137b11aa19e7cf9e3'),"
     "(2, '2020-01-01T00:00:01.000Z', 'seed', 'alert.clear', 'alert:1', '{}', "
     "x'eab8c7067f4b88f72e067c76babab80b2399ccc1f56a233137b11aa19e7cf9e3', "
     "x'ffae4104e45d1031e400d08152abd2f3e71f787e2fe0b1634730960c6953c4f6');"
     "INSERT INTO lists (id, name, created_at) VALUES (77, 'seed', '2020-01-01T00:00:00.000Z');"
     "INSERT INTO screening_models (id, list_id, list_version, engine_version, model, "
     "model_hash, created_at, created_by) VALUES (5, 77, 1, '0.0.1', x'00', zeroblob(32), "
     "'2020-01-01T00:00:00.000Z', 'seed');"
     "INSERT INTO screening_runs (id, list_id, list_version, model_id, engine_version, "
     "threshold, kind, started_at, started_by, finished_at, status, audit_seq) VALUES (9, 77, "
     "1, 5, '0.0.1', 0.001, 'full', '2020-01-01T00:00:00.000Z', 'seed', "
     "'2020-01-01T00:00:00.500Z', 'complete', 1);"
     "INSERT INTO alerts (id, run_id, list_id, list_version, record_id, record_identity, "
     "entry_id, entry_identity, score, grade, matched_name, explanation, explanation_text, "
     "engine_version, threshold, status, created_at, updated_at) VALUES (1, 9, 77, 1, 'R1', "
     "zeroblob(32), 'E1', zeroblob(32), 0.5, 'probable', 'Seed', '{}', 'score 0.5', '0.0.1', "
     "0.001, 'cleared', '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:01.000Z');"
     "INSERT INTO decisions (id, alert_id, action, status_before, status_after, actor, reason, "
     "at, audit_seq) VALUES (3, 1, 'clear', 'open', 'cleared', 'seed', 'not him', "
     "'2020-01-01T00:00:01.000Z', 2);"
     "INSERT INTO clearances (list_id, record_id, entry_id, record_identity, entry_identity, "
     "reason, actor, at, alert_id, decision_id, reference, audit_seq) VALUES (77, 'R1', 'E1', "
     "zeroblob(32), zeroblob(32), 'not him', 'seed', '2020-01-01T00:00:01.000Z', 1, 3, "
     "'TBY-0000-0000-0001', 2);",
     "SELECT count(*) FROM alerts a JOIN decisions d ON d.alert_id = a.id JOIN clearances c ON "
     "c.decision_id = d.id JOIN screening_runs r ON r.id = a.run_id JOIN screening_models m ON "
     "m.id = r.model_id WHERE a.status = 'cleared' AND c.reference = 'TBY-0000-0000-0001'"},
    /* Migration 4: that alert is found through each index the alert queries use (INDEXED BY
       fails when the index is missing). */
    {2, "",
     "SELECT (SELECT count(*) FROM alerts INDEXED BY alerts_status WHERE status = 'cleared' "
     "AND id > 0) + (SELECT count(*) FROM alerts INDEXED BY alerts_list WHERE list_id = 77 AND "
     "status = 'cleared') + (SELECT count(*) FROM alerts INDEXED BY alerts_record WHERE "
     "record_id = 'R1') + (SELECT count(*) FROM alerts INDEXED BY alerts_created WHERE "
     "created_at >= '2020') + (SELECT count(*) FROM alerts INDEXED BY alerts_tally WHERE status "
     "= 'cleared' AND grade = 'probable') - 4"},
    /* Migration 5: a standing alert of a record already gone from the registry is noted as
       such (a delta looks for them there), and found through the entry index. */
    {4,
     "INSERT INTO lists (id, name, created_at) VALUES (78, 'seed4', '2020-01-01T00:00:00.000Z');"
     "INSERT INTO screening_models (id, list_id, list_version, engine_version, model, "
     "model_hash, created_at, created_by) VALUES (6, 78, 1, '0.0.1', x'00', zeroblob(32), "
     "'2020-01-01T00:00:00.000Z', 'seed');"
     "INSERT INTO screening_runs (id, list_id, list_version, model_id, engine_version, "
     "threshold, kind, started_at, started_by, finished_at, status) VALUES (10, 78, 1, 6, "
     "'0.0.1', 0.001, 'full', '2020-01-01T00:00:00.000Z', 'seed', '2020-01-01T00:00:00.500Z', "
     "'complete');"
     "INSERT INTO alerts (id, run_id, list_id, list_version, record_id, record_identity, "
     "entry_id, entry_identity, score, grade, matched_name, explanation, explanation_text, "
     "engine_version, threshold, status, created_at, updated_at) VALUES (2, 10, 78, 1, 'GONE', "
     "zeroblob(32), 'E1', zeroblob(32), 0.5, 'probable', 'Seed', '{}', 'score 0.5', '0.0.1', "
     "0.001, 'open', '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z');",
     "SELECT (SELECT count(*) FROM registry_removed WHERE record_id = 'GONE') + (SELECT "
     "count(*) FROM alerts INDEXED BY alerts_standing_entry WHERE list_id = 78 AND entry_id = "
     "'E1' AND status <> 'superseded') - 1"},
};

/* Builds a database at version k by applying steps 1..k through the backend. */
static void build_at(const char *path, int k)
{
    const tby_store__backend *backend = &tby_store__sqlite;
    tby_store__conn *conn = NULL;
    tby_error err;
    store_test_remove_db(path);
    TEST_INT_EQ(backend->open(&conn, path, true, 1000, &err), 0);
    if (!conn)
        return;
    TEST_INT_EQ(backend->begin_write(conn, &err), 0);
    for (int step = 1; step <= k; step++)
        TEST_INT_EQ(backend->migrate_step(conn, step, &err), 0);
    TEST_INT_EQ(backend->commit(conn, &err), 0);
    backend->close(conn);
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        if (seeds[i].version == k)
            store_test_sql(path, seeds[i].sql);
    }
}

static const char schema_query[] =
    "SELECT group_concat(line, char(10)) FROM (SELECT type || ' ' || name || ' ' || "
    "ifnull(sql, '') AS line FROM sqlite_master ORDER BY type, name)";

static void test_store_migrate__every_earlier_version(void)
{
    char fresh[300], path[300];
    store_test_path(fresh, sizeof(fresh), "fresh.db");
    store_test_path(path, sizeof(path), "old.db");
    store_test_remove_db(fresh);
    tby_store *store = store_test_open(fresh, true);
    TEST_INT_EQ(tby_store_schema_found(store), 0);
    tby_store_close(store);
    static char fresh_schema[65536];
    snprintf(fresh_schema, sizeof(fresh_schema), "%s", store_test_sql_text(fresh, schema_query));
    TEST_CHECK(strstr(fresh_schema, "audit_log") != NULL);
    TEST_CHECK(strlen(fresh_schema) < sizeof(fresh_schema) - 1); /* compared whole */

    int latest = tby_store_schema_latest();
    TEST_CHECK(latest >= 1);
    for (int k = 0; k <= latest; k++) {
        build_at(path, k);
        long long entries_before =
            k ? store_test_sql_int(path, "SELECT count(*) FROM audit_log") : 0;
        store = store_test_open(path, false);
        if (!store)
            continue;
        TEST_INT_EQ(tby_store_schema_found(store), k);
        tby_audit_report report;
        TEST_INT_EQ(tby_store_audit_verify(store, &report, NULL), 0);
        tby_store_close(store);

        TEST_INT_EQ(store_test_sql_int(path, "PRAGMA user_version"), latest);
        TEST_STR_EQ(store_test_sql_text(path, schema_query), fresh_schema);
        TEST_STR_EQ(store_test_sql_text(path, "PRAGMA integrity_check"), "ok");
        TEST_STR_EQ(store_test_sql_text(path, "PRAGMA foreign_key_check"), "");
        if (k < latest) {
            /* One entry records the migration, with where it started. */
            TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM audit_log"),
                        entries_before + 1);
            char expect[64];
            snprintf(expect, sizeof(expect), "{\"from\":%d,\"to\":%d,", k, latest);
            const char *detail =
                store_test_sql_text(path, "SELECT detail FROM audit_log ORDER BY seq DESC");
            TEST_CHECK(strncmp(detail, expect, strlen(expect)) == 0);
            TEST_STR_EQ(store_test_sql_text(path, "SELECT action FROM audit_log ORDER BY seq DESC"),
                        k == 0 ? "db.create" : "db.migrate");
        } else {
            TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM audit_log"), entries_before);
        }
        for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
            if (seeds[i].version == k)
                TEST_INT_EQ(store_test_sql_int(path, seeds[i].check), 1);
        }
        /* Opening again changes nothing. */
        store = store_test_open(path, false);
        TEST_INT_EQ(tby_store_schema_found(store), latest);
        tby_store_close(store);
    }
}

static void test_store_migrate__empty_file(void)
{
    char path[300];
    store_test_path(path, sizeof(path), "empty.db");
    store_test_remove_db(path);
    store_test_write(path, "");
    tby_store *store = store_test_open(path, false);
    TEST_INT_EQ(tby_store_schema_found(store), 0);
    tby_store_close(store);
    TEST_INT_EQ(store_test_sql_int(path, "PRAGMA user_version"), tby_store_schema_latest());
    TEST_STR_EQ(store_test_sql_text(path, "PRAGMA journal_mode"), "wal");
}

static void test_store_migrate__refuses(void)
{
    char path[300];
    tby_store *store = NULL;
    tby_error err;
    tby_store_options opts = TBY_STORE_OPTIONS_INIT;

    store_test_path(path, sizeof(path), "missing.db");
    store_test_remove_db(path);
    TEST_INT_EQ(tby_store_open(&store, path, &opts, &err), TBY_ENOTFOUND);
    TEST_CHECK(store == NULL && access(path, F_OK) != 0);

    store_test_path(path, sizeof(path), "newer.db");
    store_test_remove_db(path);
    tby_store_close(store_test_open(path, true));
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", tby_store_schema_latest() + 1);
    store_test_sql(path, sql);
    TEST_INT_EQ(tby_store_open(&store, path, &opts, &err), TBY_EINVALID);
    TEST_CHECK(strstr(err.message, "newer") != NULL);

    store_test_path(path, sizeof(path), "other.db");
    store_test_remove_db(path);
    store_test_sql(path, "CREATE TABLE accounts (id INTEGER)");
    TEST_INT_EQ(tby_store_open(&store, path, &opts, &err), TBY_EINVALID);
    TEST_CHECK(strstr(err.message, "not a tabayyun database") != NULL);
    /* Refusing left it alone. */
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM sqlite_master"), 1);

    store_test_path(path, sizeof(path), "other_app.db");
    store_test_remove_db(path);
    store_test_sql(path, "PRAGMA user_version = 1; CREATE TABLE t (x)");
    TEST_INT_EQ(tby_store_open(&store, path, &opts, &err), TBY_EINVALID);

    store_test_path(path, sizeof(path), "text.db");
    store_test_remove_db(path);
    store_test_write(path, "id,name\nR1,this is a CSV file and not a database at all\n");
    TEST_INT_EQ(tby_store_open(&store, path, &opts, &err), TBY_EINVALID);
    TEST_CHECK(strstr(err.message, "not a database") != NULL);
    TEST_CHECK(store == NULL);
}

static void test_store_migrate__options(void)
{
    char path[300];
    store_test_path(path, sizeof(path), "options.db");
    store_test_remove_db(path);
    tby_store *store = NULL;
    tby_store_options opts = TBY_STORE_OPTIONS_INIT;
    opts.version = 99;
    opts.flags = TBY_STORE_CREATE;
    TEST_INT_EQ(tby_store_open(&store, path, &opts, NULL), TBY_EINVALID);
    opts.version = TBY_STORE_OPTIONS_VERSION;
    opts.actor = "admin:amal";
    TEST_INT_EQ(tby_store_open(&store, path, &opts, NULL), 0);
    tby_store_close(store);
    TEST_STR_EQ(store_test_sql_text(path, "SELECT actor FROM audit_log WHERE seq = 1"),
                "admin:amal");
}

TEST_LIST = {
    TEST(test_store_migrate__every_earlier_version),
    TEST(test_store_migrate__empty_file),
    TEST(test_store_migrate__refuses),
    TEST(test_store_migrate__options),
    TEST_END,
};

TEST_MAIN()
