// SPDX-License-Identifier: Apache-2.0
// Tests of registry imports (src/store/import.c, read.c): upsert by id with counts of added,
// changed and unchanged records, the default site, history of replaced records, strict
// imports that store nothing, lenient ones that skip bad rows, the session API, and reading
// the registry back whole or from an import on.
#define _POSIX_C_SOURCE 200809L
#include "harness/failalloc.h"
#include "harness/test.h"
#include "store/store_test.h"

static const char registry_v1[] = "id,name,birth_date,site,note\n"
                                  "R1,Ali Hasan,1980,,\n"
                                  "R2,Omar Khalil,1975,Camp B,\n"
                                  "R3,Sara Ahmed,1990,,first note\n";

/* R1 unchanged, R2 born a year later, R3 only a new note, R4 new. */
static const char registry_v2[] = "id,name,birth_date,site,note\n"
                                  "R1,Ali Hasan,1980,,\n"
                                  "R2,Omar Khalil,1976,Camp B,\n"
                                  "R3,Sara Ahmed,1990,,second note\n"
                                  "R4,Huda Salim,2001,Camp C,\n";

typedef struct seen {
    size_t count;
    char ids[16][16];
    tby_store_change changes[16];
    bool identity_changed[16];
    char sites[16][32];
} seen;

static int collect(const tby_store_entry *entry, void *payload)
{
    seen *s = payload;
    if (s->count < 16) {
        snprintf(s->ids[s->count], sizeof(s->ids[0]), "%s", entry->record->id);
        snprintf(s->sites[s->count], sizeof(s->sites[0]), "%s",
                 entry->record->site ? entry->record->site : "");
        s->changes[s->count] = entry->change;
        s->identity_changed[s->count] = entry->is_identity_changed;
        TEST_CHECK(entry->json && entry->json[0] == '{');
        TEST_INT_EQ(entry->record->line, 0);
    }
    s->count++;
    return 0;
}

static tby_store *fresh_store(const char *name, char *path, size_t size)
{
    store_test_path(path, size, name);
    store_test_remove_db(path);
    return store_test_open(path, true);
}

static void test_store_registry__upsert_counts(void)
{
    char path[300];
    tby_store *store = fresh_store("registry.db", path, sizeof(path));
    tby_store_import_stats stats;
    tby_error err;

    TEST_INT_EQ(store_test_registry(store, registry_v1, "Camp A", false, &stats, &err), 0);
    TEST_INT_EQ(stats.records, 3);
    TEST_INT_EQ(stats.added, 3);
    TEST_INT_EQ(stats.changed + stats.unchanged + stats.rejected, 0);
    TEST_INT_EQ(stats.import_id, 1);
    TEST_INT_EQ(stats.audit_seq, 2); /* 1 is the database's creation */
    int64_t first_import = stats.import_id;

    seen s;
    memset(&s, 0, sizeof(s));
    TEST_INT_EQ(tby_store_registry_foreach(store, NULL, 0, collect, &s, &err), 0);
    TEST_INT_EQ(s.count, 3);
    TEST_STR_EQ(s.ids[0], "R1");
    TEST_STR_EQ(s.sites[0], "Camp A"); /* the default site */
    TEST_STR_EQ(s.sites[1], "Camp B"); /* its own */
    TEST_INT_EQ(s.changes[0], TBY_STORE_ADDED);

    /* The same file again: nothing changes. */
    TEST_INT_EQ(store_test_registry(store, registry_v1, "Camp A", false, &stats, &err), 0);
    TEST_INT_EQ(stats.unchanged, 3);
    TEST_INT_EQ(stats.added + stats.changed, 0);

    TEST_INT_EQ(store_test_registry(store, registry_v2, "Camp A", false, &stats, &err), 0);
    TEST_INT_EQ(stats.records, 4);
    TEST_INT_EQ(stats.added, 1);
    TEST_INT_EQ(stats.changed, 2);
    TEST_INT_EQ(stats.unchanged, 1);
    int64_t third_import = stats.import_id;
    TEST_INT_EQ(third_import, first_import + 2);

    /* What the third import added or changed, for a delta rescreen. */
    memset(&s, 0, sizeof(s));
    TEST_INT_EQ(tby_store_registry_foreach(store, NULL, third_import, collect, &s, &err), 0);
    TEST_INT_EQ(s.count, 3);
    TEST_STR_EQ(s.ids[0], "R2");
    TEST_INT_EQ(s.changes[0], TBY_STORE_CHANGED);
    TEST_CHECK(s.identity_changed[0]); /* a birth date */
    TEST_STR_EQ(s.ids[1], "R3");
    TEST_INT_EQ(s.changes[1], TBY_STORE_CHANGED);
    TEST_CHECK(!s.identity_changed[1]); /* only the note */
    TEST_STR_EQ(s.ids[2], "R4");
    TEST_INT_EQ(s.changes[2], TBY_STORE_ADDED);

    /* By site. */
    memset(&s, 0, sizeof(s));
    TEST_INT_EQ(tby_store_registry_foreach(store, "Camp B", 0, collect, &s, &err), 0);
    TEST_INT_EQ(s.count, 1);
    TEST_STR_EQ(s.ids[0], "R2");
    memset(&s, 0, sizeof(s));
    TEST_INT_EQ(tby_store_registry_foreach(store, "Nowhere", 0, collect, &s, &err), 0);
    TEST_INT_EQ(s.count, 0);

    tby_record_set *set = NULL;
    TEST_INT_EQ(tby_store_registry_load(store, NULL, 0, &set, &err), 0);
    TEST_INT_EQ(tby_record_set_count(set), 4);
    const tby_record *r2 = tby_record_set_get(set, 1);
    TEST_STR_EQ(r2->id, "R2");
    TEST_INT_EQ(r2->birth_date_count, 1);
    TEST_INT_EQ(r2->birth_dates[0].year, 1976);
    tby_record_set_free(set);
    tby_store_close(store);

    /* The replaced contents are kept, and every import is in the log. */
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM registry_history"), 2);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM audit_log WHERE action = "
                                         "'registry.import'"),
                3);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM sites"), 3);
    const char *detail = store_test_sql_text(path, "SELECT detail FROM audit_log WHERE seq = 4");
    TEST_CHECK(strstr(detail, "\"added\":1,\"changed\":2,\"unchanged\":1") != NULL);
    TEST_CHECK(strstr(detail, "\"sha256\":\"") != NULL);
}

static void test_store_registry__strict_is_all_or_nothing(void)
{
    char path[300];
    tby_store *store = fresh_store("strict.db", path, sizeof(path));
    tby_store_import_stats stats;
    tby_error err;
    TEST_INT_EQ(store_test_registry(store, registry_v1, NULL, false, &stats, &err), 0);

    static const char bad[] = "id,name,birth_date\n"
                              "R1,Ali Hasan,1981\n"
                              "R9,New Person,1990\n"
                              "R10,Bad Date,1990-02-30\n"
                              "R11,Another,1970\n";
    tby_error_clear(&err);
    TEST_INT_EQ(store_test_registry(store, bad, NULL, true, &stats, &err), TBY_EINVALID);
    TEST_INT_EQ(err.line, 4);
    TEST_STR_EQ(err.field, "birth_date");
    tby_store_close(store);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM registry"), 3);
    TEST_STR_EQ(store_test_sql_text(path, "SELECT record FROM registry WHERE record_id = 'R1'"),
                "{\"id\":\"R1\",\"name\":\"Ali Hasan\",\"birth_date\":[\"1980\"]}");
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM registry_imports"), 1);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM audit_log"), 2);

    /* Lenient: the bad value is left out and its record kept; a malformed row is skipped. */
    store = store_test_open(path, false);
    static const char lenient[] = "id,name,birth_date\n"
                                  "R10,Bad Date,1990-02-30\n"
                                  "R12,Too,Many,Fields\n"
                                  "R13,Fine,1970\n";
    TEST_INT_EQ(store_test_registry(store, lenient, NULL, false, &stats, &err), 0);
    TEST_INT_EQ(stats.records, 2);
    TEST_INT_EQ(stats.added, 2);
    TEST_INT_EQ(stats.rejected, 1);
    TEST_INT_EQ(stats.dropped, 1);
    tby_store_close(store);
    TEST_STR_EQ(store_test_sql_text(path, "SELECT record FROM registry WHERE record_id = 'R10'"),
                "{\"id\":\"R10\",\"name\":\"Bad Date\"}");
}

static void test_store_registry__sessions(void)
{
    char path[300];
    tby_store *store = fresh_store("session.db", path, sizeof(path));
    tby_store_import_options opts = TBY_STORE_IMPORT_OPTIONS_INIT;
    tby_store_import *import = NULL;
    tby_error err;

    /* No actor, no import. */
    TEST_INT_EQ(tby_store_registry_import_begin(store, &opts, &import, &err), TBY_EINVALID);
    TEST_CHECK(import == NULL);
    opts.actor = "tester";
    TEST_INT_EQ(tby_store_registry_import_begin(store, &opts, &import, &err), 0);
    /* One transaction at a time. */
    tby_store_import *second = NULL;
    TEST_INT_EQ(tby_store_registry_import_begin(store, &opts, &second, &err), TBY_EINVALID);
    TEST_INT_EQ(tby_store_begin(store, &err), TBY_EINVALID);

    tby_record record;
    memset(&record, 0, sizeof(record));
    record.id = "S1";
    record.name = "Made In Code";
    TEST_INT_EQ(tby_store_import_add(import, &record, &err), 0);
    TEST_INT_EQ(tby_store_import_add(import, &record, &err), TBY_EEXISTS);
    record.id = "";
    TEST_INT_EQ(tby_store_import_add(import, &record, &err), TBY_EINVALID);
    tby_store_import_stats stats;
    TEST_INT_EQ(tby_store_import_commit(import, &stats, &err), 0);
    TEST_INT_EQ(stats.added, 1);

    /* A stored record that does not change is still refused a second time. */
    TEST_INT_EQ(tby_store_registry_import_begin(store, &opts, &import, &err), 0);
    record.id = "S1";
    TEST_INT_EQ(tby_store_import_add(import, &record, &err), 0);
    TEST_INT_EQ(tby_store_import_add(import, &record, &err), TBY_EEXISTS);
    TEST_INT_EQ(tby_store_import_commit(import, &stats, &err), 0);
    TEST_INT_EQ(stats.unchanged, 1);
    TEST_INT_EQ(stats.records, 1);

    /* Aborted: nothing stays. */
    TEST_INT_EQ(tby_store_registry_import_begin(store, &opts, &import, &err), 0);
    record.id = "S2";
    TEST_INT_EQ(tby_store_import_add(import, &record, &err), 0);
    tby_store_import_abort(import);

    /* A strict session with a rejection reported by the caller stores nothing. */
    opts.strict = true;
    TEST_INT_EQ(tby_store_registry_import_begin(store, &opts, &import, &err), 0);
    record.id = "S3";
    TEST_INT_EQ(tby_store_import_add(import, &record, &err), 0);
    tby_error reject;
    tby_error_clear(&reject);
    reject.code = TBY_EINVALID;
    reject.line = 12;
    snprintf(reject.field, sizeof(reject.field), "sex");
    snprintf(reject.message, sizeof(reject.message), "expected m or f");
    tby_store_import_reject(import, &reject);
    TEST_INT_EQ(tby_store_import_commit(import, &stats, &err), TBY_EINVALID);
    TEST_CHECK(strstr(err.message, "line 12: sex: expected m or f") != NULL);

    /* An audit entry in a transaction that is rolled back leaves no trace. */
    TEST_INT_EQ(tby_store_begin(store, &err), 0);
    TEST_INT_EQ(tby_store_audit_append(store, "tester", "note", "registry", NULL, NULL, &err), 0);
    tby_store_rollback(store);
    int64_t seq = 0;
    TEST_INT_EQ(tby_store_audit_append(store, "tester", "export", "registry",
                                       "{\"reason\":\"monthly report\"}", &seq, &err),
                0);
    TEST_INT_EQ(seq, 4);
    TEST_INT_EQ(tby_store_audit_append(store, "tester", "export", "registry", "[1]", NULL, &err),
                TBY_EINVALID);
    TEST_INT_EQ(tby_store_audit_append(store, "", "export", "registry", NULL, NULL, &err),
                TBY_EINVALID);
    TEST_INT_EQ(tby_store_commit(store, &err), TBY_EINVALID);
    tby_store_close(store);

    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM registry"), 1);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM audit_log"), 4);
    TEST_STR_EQ(store_test_sql_text(path, "SELECT action FROM audit_log WHERE seq = 4"), "export");
}

static int count_diff(const tby_list_diff_entry *entry, void *payload)
{
    (void)entry;
    (*(size_t *)payload)++;
    return 0;
}

/* Each allocation of a round of work fails in turn: every call fails cleanly with
   TBY_ENOMEM or succeeds, and the database stays whole (T5). */
static void test_store_registry__out_of_memory(void)
{
    char path[300];
    tby_store_close(fresh_store("oom.db", path, sizeof(path)));
    int round = 0;
    FAILALLOC_LOOP(run, 3000)
    {
        tby_store_import_stats stats;
        tby_error err;
        tby_store *store = NULL;
        tby_record_set *set = NULL, *delta = NULL;
        size_t changes = 0;
        int rc = tby_store_open(&store, path, NULL, &err);
        if (!rc)
            rc = store_test_registry(store, round++ % 2 ? registry_v1 : registry_v2, "Camp A",
                                     false, &stats, &err);
        if (!rc)
            rc = store_test_list(store, "UN", round % 2 ? registry_v1 : registry_v2, false, &stats,
                                 &err);
        if (!rc)
            rc = tby_store_list_diff(store, "UN", 0, 0, count_diff, &changes, NULL, &err);
        if (!rc)
            rc = tby_store_registry_load(store, NULL, 0, &set, &err);
        if (!rc)
            rc = tby_store_list_load(store, "UN", 0, TBY_STORE_SELECT_ADDED, &delta, &err);
        FAILALLOC_CHECK_RC(run, rc);
        tby_record_set_free(set);
        tby_record_set_free(delta);
        tby_store_close(store);
    }
    TEST_STR_EQ(store_test_sql_text(path, "PRAGMA integrity_check"), "ok");
    tby_store *store = store_test_open(path, false);
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(store, &report, NULL), 0);
    tby_store_close(store);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM list_versions v WHERE entry_count "
                                         "!= (SELECT count(*) FROM list_entries WHERE version_id = "
                                         "v.id)"),
                0);
}

TEST_LIST = {
    TEST(test_store_registry__upsert_counts),
    TEST(test_store_registry__strict_is_all_or_nothing),
    TEST(test_store_registry__sessions),
    TEST(test_store_registry__out_of_memory),
    TEST_END,
};

TEST_MAIN()
