// SPDX-License-Identifier: Apache-2.0
// Tests of list versions (src/store/import.c, lists.c, read.c): each import makes a version
// with every entry; diffs between any two versions name the entries added, removed and
// changed and the fields that changed; an identical import makes a version with an empty
// diff; entries are read back whole or as the delta a rescreen needs; strict and empty
// imports store nothing.
#define _POSIX_C_SOURCE 200809L
#include "harness/test.h"
#include "store/store_test.h"

static const char list_v1[] = "id,name,birth_date,aliases,nationality,note\n"
                              "L1,Abu Bakr Salim,1970,,IQ,\n"
                              "L2,Khalid Omar,1980,K. Omar,SY,\n"
                              "L3,Fatima Ali,1985,,IQ,\n"
                              "L4,Yusuf Hamid,1960,,IQ,\n";

/* L1 same, L2 born later with another alias, L3 gone, L4 a note only, L5 new. */
static const char list_v2[] = "id,name,birth_date,aliases,nationality,note\n"
                              "L1,Abu Bakr Salim,1970,,IQ,\n"
                              "L2,Khalid Omar,1981,Khaled Omar,SY,\n"
                              "L4,Yusuf Hamid,1960,,IQ,seen in 2020\n"
                              "L5,Mariam Yousef,1999,,SY,\n";

typedef struct diff_seen {
    size_t count;
    tby_store_change changes[16];
    char ids[16][8];
    char fields[16][64];
    bool identity[16];
} diff_seen;

static int collect_diff(const tby_list_diff_entry *e, void *payload)
{
    diff_seen *d = payload;
    if (d->count < 16) {
        d->changes[d->count] = e->change;
        snprintf(d->ids[d->count], sizeof(d->ids[0]), "%s", e->entry_id);
        d->fields[d->count][0] = '\0';
        for (size_t i = 0; i < e->field_count; i++) {
            size_t used = strlen(d->fields[d->count]);
            snprintf(d->fields[d->count] + used, sizeof(d->fields[0]) - used, "%s%s", i ? "," : "",
                     e->fields[i]);
        }
        d->identity[d->count] = e->is_identity_changed;
        TEST_CHECK((e->change == TBY_STORE_ADDED) == (e->old_json == NULL));
        TEST_CHECK((e->change == TBY_STORE_REMOVED) == (e->new_json == NULL));
    }
    d->count++;
    return 0;
}

static void check_v1_to_v2(tby_store *store, int64_t from, int64_t to)
{
    diff_seen d;
    memset(&d, 0, sizeof(d));
    tby_list_diff_stats stats;
    tby_error err;
    TEST_INT_EQ(tby_store_list_diff(store, "UN", from, to, collect_diff, &d, &stats, &err), 0);
    TEST_INT_EQ(stats.added, 1);
    TEST_INT_EQ(stats.removed, 1);
    TEST_INT_EQ(stats.changed, 2);
    TEST_INT_EQ(stats.unchanged, 1);
    TEST_INT_EQ(d.count, 4);
    /* In order of id, removed entries last. */
    TEST_STR_EQ(d.ids[0], "L2");
    TEST_INT_EQ(d.changes[0], TBY_STORE_CHANGED);
    TEST_STR_EQ(d.fields[0], "aliases,birth_date");
    TEST_CHECK(d.identity[0]);
    TEST_STR_EQ(d.ids[1], "L4");
    TEST_STR_EQ(d.fields[1], "note");
    TEST_CHECK(!d.identity[1]);
    TEST_STR_EQ(d.ids[2], "L5");
    TEST_INT_EQ(d.changes[2], TBY_STORE_ADDED);
    TEST_STR_EQ(d.ids[3], "L3");
    TEST_INT_EQ(d.changes[3], TBY_STORE_REMOVED);
}

typedef struct entries_seen {
    size_t count;
    char ids[16][8];
    tby_store_change changes[16];
} entries_seen;

static int collect_entry(const tby_store_entry *entry, void *payload)
{
    entries_seen *s = payload;
    if (s->count < 16) {
        snprintf(s->ids[s->count], sizeof(s->ids[0]), "%s", entry->record->id);
        s->changes[s->count] = entry->change;
    }
    s->count++;
    return 0;
}

typedef struct versions_seen {
    size_t count;
    int64_t numbers[8];
    size_t added[8], removed[8], changed[8], unchanged[8], entries[8];
    char sha256[8][TBY_STORE_HASH_HEX_LEN];
} versions_seen;

static int collect_version(const tby_list_version *v, void *payload)
{
    versions_seen *s = payload;
    if (s->count < 8) {
        s->numbers[s->count] = v->number;
        s->added[s->count] = v->added;
        s->removed[s->count] = v->removed;
        s->changed[s->count] = v->changed;
        s->unchanged[s->count] = v->unchanged;
        s->entries[s->count] = v->entries;
        TEST_INT_EQ(v->source_count, 1);
        if (v->source_count)
            snprintf(s->sha256[s->count], TBY_STORE_HASH_HEX_LEN, "%s", v->sources[0].sha256);
        TEST_STR_EQ(v->format, "csv");
        TEST_STR_EQ(v->imported_by, "test");
        TEST_CHECK(v->audit_seq > 1);
    }
    s->count++;
    return 0;
}

static void test_store_lists__versions_and_diffs(void)
{
    char path[300];
    store_test_path(path, sizeof(path), "lists.db");
    store_test_remove_db(path);
    tby_store *store = store_test_open(path, true);
    tby_store_import_stats stats;
    tby_error err;

    TEST_INT_EQ(store_test_list(store, "UN", list_v1, false, &stats, &err), 0);
    TEST_INT_EQ(stats.version, 1);
    TEST_INT_EQ(stats.records, 4);
    TEST_INT_EQ(stats.added, 4);
    TEST_INT_EQ(store_test_list(store, "UN", list_v2, false, &stats, &err), 0);
    TEST_INT_EQ(stats.version, 2);
    TEST_INT_EQ(stats.added, 1);
    TEST_INT_EQ(stats.removed, 1);
    TEST_INT_EQ(stats.changed, 2);
    TEST_INT_EQ(stats.unchanged, 1);
    /* The same file again: a version of its own, with nothing changed. */
    TEST_INT_EQ(store_test_list(store, "UN", list_v2, false, &stats, &err), 0);
    TEST_INT_EQ(stats.version, 3);
    TEST_INT_EQ(stats.unchanged, 4);
    TEST_INT_EQ(stats.added + stats.removed + stats.changed, 0);
    /* Another list keeps its own numbering. */
    TEST_INT_EQ(store_test_list(store, "OFAC", list_v1, false, &stats, &err), 0);
    TEST_INT_EQ(stats.version, 1);

    int64_t latest = 0;
    TEST_INT_EQ(tby_store_list_latest(store, "UN", &latest, &err), 0);
    TEST_INT_EQ(latest, 3);

    check_v1_to_v2(store, 1, 2);
    check_v1_to_v2(store, 1, 3); /* any two versions compare, not only neighbours */
    diff_seen d;
    memset(&d, 0, sizeof(d));
    tby_list_diff_stats diff_stats;
    TEST_INT_EQ(tby_store_list_diff(store, "UN", 2, 3, collect_diff, &d, &diff_stats, &err), 0);
    TEST_INT_EQ(d.count, 0);
    TEST_INT_EQ(diff_stats.unchanged, 4);
    TEST_INT_EQ(tby_store_list_diff(store, "UN", 0, 1, NULL, NULL, &diff_stats, &err), 0);
    TEST_INT_EQ(diff_stats.added, 4);
    TEST_INT_EQ(tby_store_list_diff(store, "UN", 3, 3, NULL, NULL, &diff_stats, &err), 0);
    TEST_INT_EQ(diff_stats.unchanged, 4);

    TEST_INT_EQ(tby_store_list_diff(store, "EU", 0, 0, NULL, NULL, NULL, &err), TBY_ENOTFOUND);
    TEST_CHECK(strstr(err.message, "EU") != NULL);
    TEST_INT_EQ(tby_store_list_diff(store, "UN", 1, 9, NULL, NULL, NULL, &err), TBY_ENOTFOUND);
    TEST_INT_EQ(tby_store_list_diff(store, "UN", 3, 2, NULL, NULL, NULL, &err), TBY_EINVALID);

    /* The delta of version 2 for a rescreen: added, and changed in identifying data. */
    entries_seen s;
    memset(&s, 0, sizeof(s));
    TEST_INT_EQ(tby_store_list_foreach(store, "UN", 2,
                                       TBY_STORE_SELECT_ADDED | TBY_STORE_SELECT_IDENTITY_CHANGED,
                                       collect_entry, &s, &err),
                0);
    TEST_INT_EQ(s.count, 2);
    TEST_STR_EQ(s.ids[0], "L2");
    TEST_INT_EQ(s.changes[0], TBY_STORE_CHANGED);
    TEST_STR_EQ(s.ids[1], "L5");
    memset(&s, 0, sizeof(s));
    TEST_INT_EQ(
        tby_store_list_foreach(store, "UN", 2, TBY_STORE_SELECT_CHANGED, collect_entry, &s, &err),
        0);
    TEST_INT_EQ(s.count, 2); /* L2 and L4 */
    memset(&s, 0, sizeof(s));
    TEST_INT_EQ(
        tby_store_list_foreach(store, "UN", 0, TBY_STORE_SELECT_ALL, collect_entry, &s, &err), 0);
    TEST_INT_EQ(s.count, 4);
    TEST_INT_EQ(s.changes[0], TBY_STORE_UNCHANGED);

    tby_record_set *set = NULL;
    TEST_INT_EQ(tby_store_list_load(store, "UN", 1, TBY_STORE_SELECT_ALL, &set, &err), 0);
    TEST_INT_EQ(tby_record_set_count(set), 4);
    const tby_record *l2 = tby_record_set_get(set, 1);
    TEST_STR_EQ(l2->id, "L2");
    TEST_INT_EQ(l2->alias_count, 1);
    TEST_STR_EQ(l2->alias_count ? l2->aliases[0] : "", "K. Omar");
    tby_record_set_free(set);
    TEST_INT_EQ(tby_store_list_load(store, "UN", 4, 0, &set, &err), TBY_ENOTFOUND);
    TEST_CHECK(set == NULL);

    versions_seen v;
    memset(&v, 0, sizeof(v));
    TEST_INT_EQ(tby_store_list_versions(store, "UN", collect_version, &v, &err), 0);
    TEST_INT_EQ(v.count, 3);
    TEST_INT_EQ(v.numbers[2], 3);
    TEST_INT_EQ(v.added[1], 1);
    TEST_INT_EQ(v.removed[1], 1);
    TEST_INT_EQ(v.changed[1], 2);
    TEST_INT_EQ(v.unchanged[1], 1);
    TEST_INT_EQ(v.entries[0], 4);
    TEST_INT_EQ(strlen(v.sha256[0]), 64);
    TEST_CHECK(strcmp(v.sha256[0], v.sha256[1]) != 0);
    TEST_STR_EQ(v.sha256[1], v.sha256[2]); /* the same file twice */
    memset(&v, 0, sizeof(v));
    TEST_INT_EQ(tby_store_list_versions(store, NULL, collect_version, &v, &err), 0);
    TEST_INT_EQ(v.count, 4);
    TEST_INT_EQ(tby_store_list_versions(store, "EU", collect_version, &v, &err), TBY_ENOTFOUND);
    tby_store_close(store);

    /* A record that did not change is stored once for all the versions that hold it. */
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM list_records"), 7);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM list_entries"), 16);
}

static void test_store_lists__nothing_stored_on_failure(void)
{
    char path[300];
    store_test_path(path, sizeof(path), "lists_fail.db");
    store_test_remove_db(path);
    tby_store *store = store_test_open(path, true);
    tby_store_import_stats stats;
    tby_error err;
    TEST_INT_EQ(store_test_list(store, "UN", list_v1, false, &stats, &err), 0);

    static const char bad[] = "id,name,birth_date\n"
                              "L1,Abu Bakr Salim,1970\n"
                              "L2,Khalid Omar,19800\n";
    tby_error_clear(&err);
    TEST_INT_EQ(store_test_list(store, "UN", bad, true, &stats, &err), TBY_EINVALID);
    TEST_INT_EQ(err.line, 3);
    TEST_STR_EQ(err.field, "birth_date");
    TEST_INT_EQ(store_test_list(store, "UN", "id,name\n", false, &stats, &err), TBY_EINVALID);
    TEST_CHECK(strstr(err.message, "no entry") != NULL);
    TEST_INT_EQ(store_test_list(store, "NEW", "id,name\n", false, &stats, &err), TBY_EINVALID);

    /* Wrong number of files, unknown format names. */
    tby_store_import_options opts = TBY_STORE_IMPORT_OPTIONS_INIT;
    opts.actor = "test";
    const char *paths[] = {"a", "b", "c", "d"};
    TEST_INT_EQ(tby_store_list_import_files(store, "X", TBY_LIST_FORMAT_OFAC, paths, 1, &opts,
                                            &stats, &err),
                TBY_EINVALID);
    TEST_INT_EQ(
        tby_store_list_import_files(store, "X", TBY_LIST_FORMAT_CSV, paths, 2, &opts, &stats, &err),
        TBY_EINVALID);
    TEST_INT_EQ(
        tby_store_list_import_files(store, "X", TBY_LIST_FORMAT_CSV, paths, 1, &opts, &stats, &err),
        TBY_ENOTFOUND);
    tby_list_format format;
    TEST_INT_EQ(tby_list_format_parse(&format, "ofac"), 0);
    TEST_INT_EQ(format, TBY_LIST_FORMAT_OFAC);
    TEST_STR_EQ(tby_list_format_name(TBY_LIST_FORMAT_UN_XML), "un-xml");
    TEST_INT_EQ(tby_list_format_parse(&format, "xml"), TBY_EINVALID);
    tby_store_close(store);

    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM list_versions"), 1);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM lists"), 1);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM list_entries"), 4);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM audit_log"), 2);
}

static void test_store_lists__jsonl(void)
{
    char path[300], input[300];
    store_test_path(path, sizeof(path), "lists_jsonl.db");
    store_test_path(input, sizeof(input), "list.jsonl");
    store_test_remove_db(path);
    store_test_write(input, "{\"id\":\"J1\",\"name\":\"Ali\",\"documents\":[{\"type\":\"passport\","
                            "\"number\":\"a-12 3\"}]}\n{\"id\":\"J2\",\"given\":\"Omar\"}\n");
    tby_store *store = store_test_open(path, true);
    tby_store_import_options opts = TBY_STORE_IMPORT_OPTIONS_INIT;
    opts.actor = "test";
    const char *paths[] = {input};
    tby_store_import_stats stats;
    tby_error err;
    TEST_INT_EQ(tby_store_list_import_files(store, "J", TBY_LIST_FORMAT_JSONL, paths, 1, &opts,
                                            &stats, &err),
                0);
    TEST_INT_EQ(stats.records, 2);
    tby_store_close(store);
    TEST_STR_EQ(store_test_sql_text(path, "SELECT record FROM list_records ORDER BY id"),
                "{\"id\":\"J1\",\"name\":\"Ali\",\"documents\":[\"passport:A123\"]}");
    TEST_STR_EQ(store_test_sql_text(path, "SELECT format FROM list_versions"), "jsonl");
}

TEST_LIST = {
    TEST(test_store_lists__versions_and_diffs),
    TEST(test_store_lists__nothing_stored_on_failure),
    TEST(test_store_lists__jsonl),
    TEST_END,
};

TEST_MAIN()
