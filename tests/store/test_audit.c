// SPDX-License-Identifier: Apache-2.0
// Tests of the audit chain (src/store/audit.c): a log written through imports and appends
// verifies; then copies of the database file are tampered with directly in SQLite, the way
// someone with the file would (dropping the append-only triggers first), and verification
// must fail naming the first bad entry: an edited detail or actor, a deleted entry, two
// entries swapped, a changed hash, an inserted entry, an edit whose own hash was recomputed.
// Cutting entries off the end is the one change the chain cannot see on its own (it needs
// the head kept elsewhere): the last test shows that, so the limit stays documented.
#define _POSIX_C_SOURCE 200809L
#include "harness/test.h"
#include "store/store_int.h"
#include "store/store_test.h"

#define ENTRIES 8

static char good_db[300];

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char chunk[65536];
    size_t got;
    TEST_CHECK(in && out);
    while (in && out && (got = fread(chunk, 1, sizeof(chunk), in)) > 0)
        TEST_INT_EQ(fwrite(chunk, 1, got, out), got);
    if (in)
        fclose(in);
    if (out)
        fclose(out);
}

/* A database whose log has ENTRIES entries: creation, imports, and plain appends. */
static void make_good_db(void)
{
    if (good_db[0])
        return;
    store_test_path(good_db, sizeof(good_db), "audit_good.db");
    store_test_remove_db(good_db);
    tby_store *store = store_test_open(good_db, true);
    tby_store_import_stats stats;
    tby_error err;
    TEST_INT_EQ(store_test_registry(store, "id,name\nR1,Ali Hasan\n", NULL, false, &stats, &err),
                0);
    TEST_INT_EQ(store_test_list(store, "UN", "id,name\nL1,Omar Khalil\n", false, &stats, &err), 0);
    for (int i = 4; i <= ENTRIES; i++) {
        char detail[64];
        snprintf(detail, sizeof(detail), "{\"reason\":\"export number %d\"}", i);
        TEST_INT_EQ(
            tby_store_audit_append(store, "reviewer:huda", "export", "alerts", detail, NULL, &err),
            0);
    }
    tby_store_close(store);
    char wal[320];
    snprintf(wal, sizeof(wal), "%s-wal", good_db);
    TEST_CHECK(access(wal, F_OK) != 0); /* closing checkpointed it: the file is complete */
}

/* Copies the good database, runs `sql` on the copy, and returns verify's report. */
static int tamper(const char *sql, tby_audit_report *report)
{
    make_good_db();
    char path[300];
    store_test_path(path, sizeof(path), "audit_tampered.db");
    store_test_remove_db(path);
    copy_file(good_db, path);
    store_test_sql(path, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
    if (sql)
        store_test_sql(path, sql);
    tby_store *store = store_test_open(path, false);
    tby_error err;
    tby_error_clear(&err);
    int rc = store ? tby_store_audit_verify(store, report, &err) : TBY_ERROR;
    if (rc == TBY_EINVALID)
        TEST_CHECK(strstr(err.message, "audit log broken at entry") != NULL);
    tby_store_close(store);
    return rc;
}

#define CHECK_BAD(sql, seq)                                                                        \
    do {                                                                                           \
        tby_audit_report report;                                                                   \
        TEST_INT_EQ(tamper(sql, &report), TBY_EINVALID);                                           \
        TEST_INT_EQ(report.bad_seq, seq);                                                          \
        TEST_CHECK(report.reason[0] != '\0');                                                      \
    } while (0)

static void test_store_audit__intact_chain_verifies(void)
{
    tby_audit_report report;
    TEST_INT_EQ(tamper(NULL, &report), 0);
    TEST_INT_EQ(report.entries, ENTRIES);
    TEST_INT_EQ(report.head_seq, ENTRIES);
    TEST_INT_EQ(report.bad_seq, 0);
    TEST_STR_EQ(report.reason, "");
    char hex[TBY_STORE_HASH_HEX_LEN];
    TEST_STR_EQ(
        tby_store_hash_hex(hex, report.head_hash),
        store_test_sql_text(good_db, "SELECT lower(hex(hash)) FROM audit_log WHERE seq = 8"));
    /* What was logged. */
    TEST_STR_EQ(store_test_sql_text(good_db, "SELECT group_concat(action, ' ') FROM audit_log"),
                "db.create registry.import list.import export export export export export");
}

static void test_store_audit__edited_fields(void)
{
    CHECK_BAD("UPDATE audit_log SET detail = '{\"reason\":\"nothing to see\"}' WHERE seq = 4", 4);
    CHECK_BAD("UPDATE audit_log SET actor = 'someone else' WHERE seq = 1", 1);
    CHECK_BAD("UPDATE audit_log SET at = '2000-01-01T00:00:00.000Z' WHERE seq = 7", 7);
    CHECK_BAD("UPDATE audit_log SET detail = replace(detail, '\"added\":1', '\"added\":0') "
              "WHERE seq = 3",
              3);
}

static void test_store_audit__deleted_entry(void)
{
    CHECK_BAD("DELETE FROM audit_log WHERE seq = 5", 5);
    CHECK_BAD("DELETE FROM audit_log WHERE seq = 1", 1);
    /* Deleted and the rest renumbered to close the gap: the hashes no longer chain. */
    CHECK_BAD("DELETE FROM audit_log WHERE seq = 5; UPDATE audit_log SET seq = seq - 1 WHERE "
              "seq > 5",
              5);
}

static void test_store_audit__swapped_entries(void)
{
    CHECK_BAD("UPDATE audit_log SET seq = 1003 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE "
              "seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 1003",
              3);
    CHECK_BAD("UPDATE audit_log SET seq = 1005 WHERE seq = 5; UPDATE audit_log SET seq = 5 WHERE "
              "seq = 8; UPDATE audit_log SET seq = 8 WHERE seq = 1005",
              5);
}

static void test_store_audit__changed_hash(void)
{
    CHECK_BAD("UPDATE audit_log SET hash = randomblob(32) WHERE seq = 6", 6);
    CHECK_BAD("UPDATE audit_log SET prev_hash = zeroblob(32) WHERE seq = 2", 2);
    CHECK_BAD("UPDATE audit_log SET hash = randomblob(32) WHERE seq = 8", 8);
}

static void test_store_audit__inserted_entry(void)
{
    /* Appended at the end with a made-up hash. */
    CHECK_BAD("INSERT INTO audit_log SELECT 9, at, actor, action, object, detail, hash, "
              "randomblob(32) FROM audit_log WHERE seq = 8",
              9);
    /* Slipped in the middle: later entries pushed up one. */
    CHECK_BAD(
        "UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 5; UPDATE audit_log SET seq = "
        "seq - 999 WHERE seq > 1000; INSERT INTO audit_log SELECT 5, at, actor, action, object, "
        "'{\"reason\":\"backdated\"}', hash, randomblob(32) FROM audit_log WHERE seq = 4",
        5);
}

/* An edit whose own hash is recomputed correctly still breaks the link to the next entry. */
static void test_store_audit__rehashed_edit(void)
{
    make_good_db();
    char path[300];
    store_test_path(path, sizeof(path), "audit_rehashed.db");
    store_test_remove_db(path);
    copy_file(good_db, path);
    store_test_sql(path, "DROP TRIGGER audit_log_no_update;");

    tby_audit_entry entry;
    memset(&entry, 0, sizeof(entry));
    char at[64], actor[64], action[64], object[64];
    entry.seq = 4;
    snprintf(at, sizeof(at), "%s",
             store_test_sql_text(path, "SELECT at FROM audit_log WHERE seq = 4"));
    snprintf(actor, sizeof(actor), "%s",
             store_test_sql_text(path, "SELECT actor FROM audit_log WHERE seq = 4"));
    snprintf(action, sizeof(action), "%s",
             store_test_sql_text(path, "SELECT action FROM audit_log WHERE seq = 4"));
    snprintf(object, sizeof(object), "%s",
             store_test_sql_text(path, "SELECT object FROM audit_log WHERE seq = 4"));
    entry.at = at;
    entry.actor = actor;
    entry.action = action;
    entry.object = object;
    entry.detail = "{\"reason\":\"rewritten\"}";
    const char *prev_hex =
        store_test_sql_text(path, "SELECT hex(hash) FROM audit_log WHERE seq = 3");
    for (int i = 0; i < TBY_STORE_HASH_LEN; i++) {
        unsigned byte;
        sscanf(prev_hex + 2 * i, "%2x", &byte);
        entry.prev_hash[i] = (uint8_t)byte;
    }
    tby_store__audit_hash(entry.hash, &entry);
    char hex[TBY_STORE_HASH_HEX_LEN];
    char sql[512];
    snprintf(sql, sizeof(sql), "UPDATE audit_log SET detail = '%s', hash = x'%s' WHERE seq = 4",
             entry.detail, tby_store_hash_hex(hex, entry.hash));
    store_test_sql(path, sql);

    tby_store *store = store_test_open(path, false);
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(store, &report, NULL), TBY_EINVALID);
    TEST_INT_EQ(report.bad_seq, 5);
    TEST_CHECK(strstr(report.reason, "does not follow entry 4") != NULL);
    tby_store_close(store);
}

/* The limit: entries cut off the end leave a shorter chain that still holds. */
static void test_store_audit__truncation_needs_an_anchor(void)
{
    tby_audit_report report;
    TEST_INT_EQ(tamper("DELETE FROM audit_log WHERE seq >= 7", &report), 0);
    TEST_INT_EQ(report.head_seq, 6);
}

/* Without dropping them, the triggers refuse changes to the log. */
static void test_store_audit__append_only_triggers(void)
{
    make_good_db();
    sqlite3 *db = NULL;
    TEST_INT_EQ(sqlite3_open(good_db, &db), SQLITE_OK);
    TEST_CHECK(sqlite3_exec(db, "UPDATE audit_log SET actor = 'x' WHERE seq = 2", NULL, NULL,
                            NULL) != SQLITE_OK);
    TEST_CHECK(strstr(sqlite3_errmsg(db), "append-only") != NULL);
    TEST_CHECK(sqlite3_exec(db, "DELETE FROM audit_log WHERE seq = 2", NULL, NULL, NULL) !=
               SQLITE_OK);
    sqlite3_close(db);
    TEST_INT_EQ(store_test_sql_int(good_db, "SELECT count(*) FROM audit_log"), ENTRIES);
}

TEST_LIST = {
    TEST(test_store_audit__intact_chain_verifies),
    TEST(test_store_audit__edited_fields),
    TEST(test_store_audit__deleted_entry),
    TEST(test_store_audit__swapped_entries),
    TEST(test_store_audit__changed_hash),
    TEST(test_store_audit__inserted_entry),
    TEST(test_store_audit__rehashed_edit),
    TEST(test_store_audit__truncation_needs_an_anchor),
    TEST(test_store_audit__append_only_triggers),
    TEST_END,
};

TEST_MAIN()
