// SPDX-License-Identifier: Apache-2.0
// Screening with memory (src/monitor, tby_monitor.h) through a real database:
//   - DELTA == FULL: a registry and a list screened, then a new list version (entries
//     removed, renamed, re-identified, added, one only re-noted) and registry changes
//     (records renamed, moved, re-noted, added) screened in delta; a copy of the database
//     screened in full under the same model must find every standing alert as it is;
//   - the life of a cleared pair with real scores: kept by later runs, back in review when
//     the record's identifying data change, suppressed (not reopened) when a new model
//     changes its score but not the data.
// The data (tests/data/screen/delta_*.csv) is a small population from
// tools/gen/gen_population.py --seed 11 --registry 2000 --list 300.
#define _POSIX_C_SOURCE 200809L
#include "harness/test.h"
#include "store/store_test.h"
#include "monitor/monitor_test.h"

typedef struct inputs {
    tby_record_set *list1, *registry1;
    const tby_record **list2, **registry2;
    size_t list2_count, registry2_count;
    tby_record *copies; /* the changed records, pointing into the sets' strings */
    size_t copy_count;
    size_t entries_changed, records_changed; /* what a delta must see */
    char ids[64][32];
    const char *nationality;
} inputs;

static tby_record *copy_of(inputs *in, const tby_record *r)
{
    tby_record *c = &in->copies[in->copy_count++];
    *c = *r;
    return c;
}

/* The same record under the name of another (parts cleared: the name says it all). */
static void rename_to(tby_record *c, const tby_record *other)
{
    c->name = other->name ? other->name : other->given;
    c->given = c->father = c->grandfather = c->family = NULL;
}

static bool same_text(const char *a, const char *b)
{
    return a && b ? !strcmp(a, b) : a == b;
}

static void make_inputs(inputs *in)
{
    memset(in, 0, sizeof(*in));
    in->list1 = monitor_test_load("tests/data/screen/delta_list.csv");
    in->registry1 = monitor_test_load("tests/data/screen/delta_registry.csv");
    if (!in->list1 || !in->registry1)
        return;
    size_t nl = tby_record_set_count(in->list1), nr = tby_record_set_count(in->registry1);
    in->copies = calloc(nl + nr, sizeof(*in->copies));
    in->list2 = calloc(nl + 16, sizeof(*in->list2));
    in->registry2 = calloc(nr + 16, sizeof(*in->registry2));
    in->nationality = "YE";
    size_t next_id = 0;

    /* The list's second version. */
    for (size_t i = 0; i < nl; i++) {
        const tby_record *e = tby_record_set_get(in->list1, i);
        size_t k = i / 37;
        if (i % 37 == 0 && k < 10) {
            in->entries_changed++;
            if (k % 2 == 0)
                continue; /* removed */
            tby_record *c = copy_of(in, e);
            rename_to(c, tby_record_set_get(in->registry1, 100 + k));
            in->list2[in->list2_count++] = c;
            continue;
        }
        if (i % 41 == 3) { /* a note: changes no score */
            tby_record *c = copy_of(in, e);
            c->note = "checked again";
            in->list2[in->list2_count++] = c;
            continue;
        }
        if (i % 53 == 5 && !(e->nationality_count == 1 && !strcmp(e->nationalities[0], "YE"))) {
            tby_record *c = copy_of(in, e);
            c->nationalities = &in->nationality;
            c->nationality_count = 1;
            in->list2[in->list2_count++] = c;
            in->entries_changed++;
            continue;
        }
        in->list2[in->list2_count++] = e;
    }
    for (size_t k = 0; k < 5; k++) { /* added: registered people */
        tby_record *c = copy_of(in, tby_record_set_get(in->registry1, 500 + 7 * k));
        snprintf(in->ids[next_id], sizeof(in->ids[0]), "NEW-%zu", k);
        c->id = in->ids[next_id++];
        c->site = NULL;
        in->list2[in->list2_count++] = c;
        in->entries_changed++;
    }

    /* The registry's changes. */
    for (size_t i = 0; i < nr; i++) {
        const tby_record *r = tby_record_set_get(in->registry1, i);
        if (i % 97 == 1) { /* renamed to a listed person's name */
            const tby_record *e = tby_record_set_get(in->list1, (i * 7) % nl);
            tby_record *c = copy_of(in, r);
            rename_to(c, e);
            in->registry2[in->registry2_count++] = c;
            in->records_changed += !same_text(c->name, r->name) || r->given;
            continue;
        }
        if (i % 89 == 2) { /* a note only */
            tby_record *c = copy_of(in, r);
            c->note = "seen at the checkpoint";
            in->registry2[in->registry2_count++] = c;
            continue;
        }
        if (i % 113 == 4 && !same_text(r->birth_place, "Basra")) {
            tby_record *c = copy_of(in, r);
            c->birth_place = "Basra";
            in->registry2[in->registry2_count++] = c;
            in->records_changed++;
            continue;
        }
        in->registry2[in->registry2_count++] = r;
    }
    for (size_t k = 0; k < 5; k++) { /* new records: listed people */
        tby_record *c = copy_of(in, tby_record_set_get(in->list1, 13 * k + 1));
        snprintf(in->ids[next_id], sizeof(in->ids[0]), "NEWREC-%zu", k);
        c->id = in->ids[next_id++];
        in->registry2[in->registry2_count++] = c;
        in->records_changed++;
    }
}

static void inputs_free(inputs *in)
{
    free(in->copies);
    free(in->list2);
    free(in->registry2);
    tby_record_set_free(in->list1);
    tby_record_set_free(in->registry1);
}

/* Writes a set's records (or an array) as JSON Lines and imports them. */
static void import_records(tby_store *store, const char *list, const tby_record *const *records,
                           size_t count)
{
    char path[300];
    store_test_path(path, sizeof(path), list ? "list.jsonl" : "registry.jsonl");
    monitor_test_write_jsonl(path, records, count);
    tby_store_import_options opts = TBY_STORE_IMPORT_OPTIONS_INIT;
    opts.actor = "test";
    opts.strict = true;
    tby_error err;
    const char *paths[] = {path};
    int rc = list ? tby_store_list_import_files(store, list, TBY_LIST_FORMAT_JSONL, paths, 1, &opts,
                                                NULL, &err)
                  : tby_store_registry_import_file(store, path, &opts, NULL, &err);
    if (rc)
        TEST__FAIL("import %s: %s", path, err.message);
}

static void import_set(tby_store *store, const char *list, const tby_record_set *set)
{
    size_t n = tby_record_set_count(set);
    const tby_record **records = calloc(n ? n : 1, sizeof(*records));
    for (size_t i = 0; i < n; i++)
        records[i] = tby_record_set_get(set, i);
    import_records(store, list, records, n);
    free(records);
}

static void test_monitor__delta_equals_full(void)
{
    inputs in;
    make_inputs(&in);
    if (!in.list1 || !in.registry1)
        return;
    char path[300], copy[300];
    store_test_path(path, sizeof(path), "delta.db");
    store_test_path(copy, sizeof(copy), "full.db");
    store_test_remove_db(path);
    tby_store *store = store_test_open(path, true);
    import_set(store, NULL, in.registry1);
    import_set(store, "UN", in.list1);
    tby_monitor_stats stats;
    TEST_INT_EQ(monitor_test_run(store, "UN", 0, &stats), 0);
    TEST_CHECK(stats.is_full && stats.is_new_model);
    TEST_INT_EQ(stats.records, tby_record_set_count(in.registry1));
    TEST_INT_EQ(stats.records_whole, stats.records);
    TEST_CHECK(stats.store.alerts_new > 100);
    size_t first_alerts = stats.store.alerts_new;

    import_records(store, NULL, in.registry2, in.registry2_count);
    import_records(store, "UN", in.list2, in.list2_count);
    TEST_INT_EQ(monitor_test_run(store, "UN", 0, &stats), 0);
    TEST_CHECK(!stats.is_full && !stats.is_new_model);
    TEST_INT_EQ(stats.since_version, 1);
    TEST_INT_EQ(stats.list_version, 2);
    TEST_INT_EQ(stats.entries_changed, in.entries_changed);
    TEST_INT_EQ(stats.records_changed, in.records_changed);
    TEST_INT_EQ(stats.records, in.registry2_count);
    /* Whole: the changed records and those the key set asks for; not everybody. */
    TEST_CHECK(stats.records_whole >= in.records_changed);
    TEST_CHECK(stats.records_whole < stats.records / 2);
    TEST_CHECK(stats.pairs_scored > 0);
    /* The change is visible: alerts came and went, most stayed (untouched: a delta settles
     * most records pair by pair, so few alerts are found again and "kept"). */
    TEST_CHECK(stats.store.alerts_new > 0 && stats.store.alerts_superseded > 0);
    monitor_test_alerts delta = monitor_test_standing(store);
    TEST_CHECK(delta.count > first_alerts / 2);
    tby_store_close(store);

    /* A full run of the same state under the same model finds nothing to change. */
    monitor_test_copy(path, copy);
    store = store_test_open(copy, false);
    TEST_INT_EQ(monitor_test_run(store, "UN", TBY_MONITOR_FULL, &stats), 0);
    TEST_CHECK(stats.is_full && !stats.is_new_model);
    TEST_INT_EQ(stats.store.alerts_new, 0);
    TEST_INT_EQ(stats.store.alerts_suppressed, 0);
    TEST_INT_EQ(stats.store.alerts_superseded, 0);
    TEST_INT_EQ(stats.store.alerts_kept, delta.count);
    monitor_test_alerts full = monitor_test_standing(store);
    monitor_test_same(&delta, &full);
    monitor_test_alerts_free(&full);
    tby_store_close(store);

    /* Nothing changed since: a delta reads nothing and changes nothing. */
    store = store_test_open(path, false);
    TEST_INT_EQ(monitor_test_run(store, "UN", 0, &stats), 0);
    TEST_CHECK(!stats.is_full);
    TEST_INT_EQ(stats.records, 0);
    TEST_INT_EQ(stats.entries_changed, 0);
    TEST_INT_EQ(stats.store.alerts_new + stats.store.alerts_superseded, 0);
    full = monitor_test_standing(store);
    monitor_test_same(&delta, &full);
    monitor_test_alerts_free(&full);
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(store, &report, NULL), 0);
    tby_store_close(store);
    monitor_test_alerts_free(&delta);
    inputs_free(&in);
}

static tby_monitor *resident_open(tby_store *store, const char *list)
{
    tby_monitor_options opts = TBY_MONITOR_OPTIONS_INIT;
    opts.actor = "test";
    opts.threshold = 1e-4; /* as monitor_test_run */
    opts.threads = 2;
    tby_monitor *m = NULL;
    tby_error err;
    tby_error_clear(&err);
    if (tby_monitor_open(&m, store, list, &opts, &err))
        fprintf(stderr, "  open: %s\n", err.message);
    return m;
}

static int resident_apply(tby_monitor *m, unsigned flags, tby_monitor_stats *stats)
{
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_monitor_apply(m, flags, stats, &err);
    if (rc)
        fprintf(stderr, "  apply: %s\n", err.message);
    return rc;
}

/* A resident monitor through a registry change and then a list change, each applied in
 * delta, leaves the standing alerts a one-shot full run of a copy finds as they are; and a
 * full run of the resident monitor itself changes nothing either. */
static void test_monitor__resident_delta_equals_full(void)
{
    inputs in;
    make_inputs(&in);
    if (!in.list1 || !in.registry1)
        return;
    char path[300], copy[300];
    store_test_path(path, sizeof(path), "resident.db");
    store_test_path(copy, sizeof(copy), "resident_full.db");
    store_test_remove_db(path);
    tby_store *store = store_test_open(path, true);
    import_set(store, NULL, in.registry1);
    import_set(store, "UN", in.list1);
    tby_monitor *m = resident_open(store, "UN");
    TEST_CHECK(m != NULL);
    if (!m) {
        tby_store_close(store);
        inputs_free(&in);
        return;
    }
    TEST_CHECK(tby_monitor_screener(m) == NULL); /* no model pinned yet */
    TEST_INT_EQ(tby_monitor_list_version(m), 1);

    /* The first run fits and pins the model (the one-shot run does it). */
    tby_monitor_stats stats;
    TEST_INT_EQ(resident_apply(m, 0, &stats), 0);
    TEST_CHECK(stats.is_full && stats.is_new_model);
    TEST_CHECK(stats.store.alerts_new > 100);
    TEST_CHECK(tby_monitor_screener(m) != NULL);

    /* The registry changes: only its re-identified records are screened, whole. */
    import_records(store, NULL, in.registry2, in.registry2_count);
    TEST_INT_EQ(resident_apply(m, 0, &stats), 0);
    TEST_CHECK(!stats.is_full && !stats.is_new_model);
    TEST_INT_EQ(stats.entries_changed, 0);
    TEST_INT_EQ(stats.records_changed, in.records_changed);
    TEST_INT_EQ(stats.records, in.records_changed);
    TEST_INT_EQ(stats.records_whole, in.records_changed);
    TEST_CHECK(stats.store.alerts_new > 0);

    /* Then the list: refreshed (a new screener) and screened in delta. */
    import_records(store, "UN", in.list2, in.list2_count);
    size_t read = 99;
    tby_error err;
    TEST_INT_EQ(tby_monitor_refresh(m, &read, &err), 0);
    TEST_INT_EQ(read, 0);
    TEST_INT_EQ(tby_monitor_list_version(m), 2);
    TEST_CHECK(tby_monitor_screener(m) != NULL);
    TEST_INT_EQ(resident_apply(m, 0, &stats), 0);
    TEST_CHECK(!stats.is_full);
    TEST_INT_EQ(stats.since_version, 1);
    TEST_INT_EQ(stats.list_version, 2);
    TEST_INT_EQ(stats.entries_changed, in.entries_changed);
    TEST_INT_EQ(stats.records_changed, 0);
    TEST_INT_EQ(stats.records, in.registry2_count);
    TEST_CHECK(stats.records_whole < stats.records / 2);
    TEST_CHECK(stats.pairs_scored > 0);
    TEST_CHECK(stats.store.alerts_new > 0 && stats.store.alerts_superseded > 0);
    monitor_test_alerts delta = monitor_test_standing(store);
    tby_store_close(store);

    /* A one-shot full run of a copy, under the same model, finds nothing to change. */
    monitor_test_copy(path, copy);
    tby_store *other = store_test_open(copy, false);
    TEST_INT_EQ(monitor_test_run(other, "UN", TBY_MONITOR_FULL, &stats), 0);
    TEST_CHECK(stats.is_full && !stats.is_new_model);
    TEST_INT_EQ(stats.store.alerts_new, 0);
    TEST_INT_EQ(stats.store.alerts_suppressed, 0);
    TEST_INT_EQ(stats.store.alerts_superseded, 0);
    TEST_INT_EQ(stats.store.alerts_kept, delta.count);
    monitor_test_alerts full = monitor_test_standing(other);
    monitor_test_same(&delta, &full);
    monitor_test_alerts_free(&full);
    tby_store_close(other);

    /* The resident monitor's own full run (reopened store: the monitor only borrows it, so
     * it is reopened on a fresh connection) agrees too. */
    tby_monitor_close(m);
    store = store_test_open(path, false);
    m = resident_open(store, "UN");
    TEST_CHECK(m != NULL);
    if (m) {
        TEST_INT_EQ(resident_apply(m, TBY_MONITOR_FULL, &stats), 0);
        TEST_CHECK(stats.is_full && !stats.is_new_model);
        TEST_INT_EQ(stats.records_whole, in.registry2_count);
        TEST_INT_EQ(stats.store.alerts_new, 0);
        TEST_INT_EQ(stats.store.alerts_superseded, 0);
        TEST_INT_EQ(stats.store.alerts_kept, delta.count);
        /* Nothing changed since: a delta screens nothing and changes nothing. */
        TEST_INT_EQ(resident_apply(m, 0, &stats), 0);
        TEST_CHECK(!stats.is_full);
        TEST_INT_EQ(stats.records, 0);
        TEST_INT_EQ(stats.store.alerts_new + stats.store.alerts_superseded, 0);
    }
    full = monitor_test_standing(store);
    monitor_test_same(&delta, &full);
    monitor_test_alerts_free(&full);
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(store, &report, NULL), 0);
    tby_monitor_close(m);
    tby_store_close(store);
    monitor_test_alerts_free(&delta);
    inputs_free(&in);
}

/* A resident delta and a one-shot delta of the same changes leave the same alerts, and the
 * resident monitor keeps its state when another process screened in between. */
static void test_monitor__resident_equals_one_shot(void)
{
    inputs in;
    make_inputs(&in);
    if (!in.list1 || !in.registry1)
        return;
    char path[300], other_path[300];
    store_test_path(path, sizeof(path), "resident2.db");
    store_test_path(other_path, sizeof(other_path), "oneshot2.db");
    store_test_remove_db(path);
    tby_store *store = store_test_open(path, true);
    import_set(store, NULL, in.registry1);
    import_set(store, "UN", in.list1);
    tby_monitor_stats stats;
    TEST_INT_EQ(monitor_test_run(store, "UN", 0, &stats), 0); /* the one-shot first run */
    tby_store_close(store);
    monitor_test_copy(path, other_path);

    store = store_test_open(path, false);
    tby_monitor *m = resident_open(store, "UN");
    TEST_CHECK(m != NULL && tby_monitor_screener(m) != NULL);
    import_records(store, "UN", in.list2, in.list2_count);
    /* Another run (here the one-shot, as another process would) screens the list change
     * first; the resident monitor then deltas from that run, with the registry change. */
    TEST_INT_EQ(monitor_test_run(store, "UN", 0, &stats), 0);
    import_records(store, NULL, in.registry2, in.registry2_count);
    if (m) {
        TEST_INT_EQ(resident_apply(m, 0, &stats), 0);
        TEST_CHECK(!stats.is_full);
        TEST_INT_EQ(stats.entries_changed, 0);
        TEST_INT_EQ(stats.records_changed, in.records_changed);
    }
    monitor_test_alerts resident = monitor_test_standing(store);
    tby_monitor_close(m);
    tby_store_close(store);

    tby_store *other = store_test_open(other_path, false);
    import_records(other, NULL, in.registry2, in.registry2_count);
    import_records(other, "UN", in.list2, in.list2_count);
    TEST_INT_EQ(monitor_test_run(other, "UN", 0, &stats), 0);
    monitor_test_alerts one_shot = monitor_test_standing(other);
    monitor_test_same(&resident, &one_shot);
    tby_store_close(other);
    monitor_test_alerts_free(&resident);
    monitor_test_alerts_free(&one_shot);
    inputs_free(&in);
}

static const char *pair_status(const char *db, const char *record, const char *entry);

/* Checks that a one-shot full run under the same model finds every standing alert as it is. */
static void full_run_agrees(tby_store *store)
{
    monitor_test_alerts before = monitor_test_standing(store);
    tby_monitor_stats stats;
    TEST_INT_EQ(monitor_test_run(store, "UN", TBY_MONITOR_FULL, &stats), 0);
    TEST_CHECK(stats.is_full && !stats.is_new_model);
    TEST_INT_EQ(stats.store.alerts_new, 0);
    TEST_INT_EQ(stats.store.alerts_superseded, 0);
    TEST_INT_EQ(stats.store.alerts_kept, before.count);
    monitor_test_alerts after = monitor_test_standing(store);
    monitor_test_same(&before, &after);
    monitor_test_alerts_free(&before);
    monitor_test_alerts_free(&after);
}

/* A resident monitor follows its records through registry changes: a renamed record is
 * found under its new name, records added before and after every other in order of id are
 * found, and after a run made by another process the next delta starts from it. Each list
 * change is checked against a full run. */
static void test_monitor__resident_follows_its_records(void)
{
    inputs in;
    make_inputs(&in);
    if (!in.list1 || !in.registry1)
        return;
    char path[300];
    store_test_path(path, sizeof(path), "follow.db");
    store_test_remove_db(path);
    tby_store *store = store_test_open(path, true);
    import_set(store, NULL, in.registry1);
    import_set(store, "UN", in.list1);
    tby_monitor *m = resident_open(store, "UN");
    TEST_CHECK(m != NULL);
    tby_monitor_stats stats;
    if (!m || resident_apply(m, 0, &stats)) {
        tby_monitor_close(m);
        tby_store_close(store);
        inputs_free(&in);
        return;
    }

    /* The registry: one record renamed, two added at both ends of the order of id, and one
       whose name parts no entry has (its read set is empty until an entry brings them). */
    const tby_record *old_a = tby_record_set_get(in.registry1, 10);
    tby_record a = *old_a, first = *tby_record_set_get(in.registry1, 700),
               last = *tby_record_set_get(in.registry1, 800);
    rename_to(&a, tby_record_set_get(in.registry1, 600));
    first.id = "0-FIRST";
    last.id = "zz-LAST";
    tby_record novel = first;
    novel.id = "R-NOVEL";
    novel.name = "Qwertyan Zxcvbani Plmokniyya";
    novel.given = novel.father = novel.grandfather = novel.family = NULL;
    const tby_record *records[] = {&a, &first, &last, &novel};
    import_records(store, NULL, records, 4);
    TEST_INT_EQ(resident_apply(m, 0, &stats), 0);
    TEST_CHECK(!stats.is_full);
    TEST_INT_EQ(stats.records_changed, 4);

    /* The list: entries that are those people (the renamed one under its new name), and one
       under the renamed record's old name. The novel names' keys are new: they weigh
       otherwise after the change, so the records holding them are visited through them. */
    size_t nl = tby_record_set_count(in.list1);
    const tby_record **list = calloc(nl + 5, sizeof(*list));
    for (size_t i = 0; i < nl; i++)
        list[i] = tby_record_set_get(in.list1, i);
    tby_record e_a = a, e_first = first, e_last = last, e_old = *old_a, e_novel = novel;
    e_a.id = "NEW-A";
    e_first.id = "NEW-FIRST";
    e_last.id = "NEW-LAST";
    e_old.id = "NEW-OLD";
    e_novel.id = "NEW-NOVEL";
    e_a.site = e_first.site = e_last.site = e_old.site = e_novel.site = NULL;
    list[nl] = &e_a;
    list[nl + 1] = &e_first;
    list[nl + 2] = &e_last;
    list[nl + 3] = &e_old;
    list[nl + 4] = &e_novel;
    import_records(store, "UN", list, nl + 5);
    TEST_INT_EQ(resident_apply(m, 0, &stats), 0);
    TEST_CHECK(!stats.is_full);
    TEST_INT_EQ(stats.entries_changed, 5);
    TEST_INT_EQ(stats.records_changed, 0);
    TEST_CHECK(pair_status(path, a.id, "NEW-A")[0] != '\0');
    TEST_CHECK(pair_status(path, "0-FIRST", "NEW-FIRST")[0] != '\0');
    TEST_CHECK(pair_status(path, "zz-LAST", "NEW-LAST")[0] != '\0');
    TEST_CHECK(pair_status(path, "R-NOVEL", "NEW-NOVEL")[0] != '\0');
    full_run_agrees(store); /* another process's run: the base of the next delta */

    /* The entry under the renamed record's name leaves: its alert goes with it. */
    list[nl] = list[nl + 4];
    import_records(store, "UN", list, nl + 4);
    TEST_INT_EQ(resident_apply(m, 0, &stats), 0);
    TEST_CHECK(!stats.is_full);
    TEST_INT_EQ(stats.entries_changed, 1);
    TEST_STR_EQ(pair_status(path, a.id, "NEW-A"), "");
    TEST_CHECK(pair_status(path, "zz-LAST", "NEW-LAST")[0] != '\0');
    full_run_agrees(store);
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(store, &report, NULL), 0);
    free(list);
    tby_monitor_close(m);
    tby_store_close(store);
    inputs_free(&in);
}

/* The first standing alert of a status, by SQL: id, record and entry. */
static int64_t first_alert(const char *db, const char *status, char *record, char *entry)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT id || ' ' || record_id || ' ' || entry_id FROM alerts WHERE status = '%s' "
             "ORDER BY score DESC, id",
             status);
    long long id = 0;
    record[0] = entry[0] = '\0';
    sscanf(store_test_sql_text(db, sql), "%lld %63s %63s", &id, record, entry);
    return id;
}

static const char *pair_status(const char *db, const char *record, const char *entry)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT status FROM alerts WHERE record_id = '%s' AND entry_id = '%s' AND status <> "
             "'superseded'",
             record, entry);
    return store_test_sql_text(db, sql);
}

static void test_monitor__a_cleared_pair(void)
{
    tby_record_set *list = monitor_test_load("tests/data/screen/delta_list.csv");
    tby_record_set *registry = monitor_test_load("tests/data/screen/delta_registry.csv");
    if (!list || !registry)
        return;
    char path[300];
    store_test_path(path, sizeof(path), "cleared.db");
    store_test_remove_db(path);
    tby_store *store = store_test_open(path, true);
    import_set(store, NULL, registry);
    import_set(store, "UN", list);
    tby_monitor_stats stats;
    TEST_INT_EQ(monitor_test_run(store, "UN", 0, &stats), 0);

    char record[64], entry[64];
    int64_t id = first_alert(path, "open", record, entry);
    TEST_CHECK(id > 0);
    tby_alert_decision decision;
    tby_error err;
    TEST_INT_EQ(tby_store_alert_decide(store, id, TBY_ALERT_CLEAR, "amal", "another mother",
                                       &decision, &err),
                0);
    char reference[TBY_REDRESS_REF_LEN];
    snprintf(reference, sizeof(reference), "%s", decision.reference);

    /* Later runs, delta and full, leave the cleared alert as it is. */
    TEST_INT_EQ(monitor_test_run(store, "UN", 0, &stats), 0);
    TEST_INT_EQ(monitor_test_run(store, "UN", TBY_MONITOR_FULL, &stats), 0);
    TEST_INT_EQ(stats.store.alerts_new + stats.store.alerts_superseded, 0);
    TEST_STR_EQ(pair_status(path, record, entry), "cleared");

    /* A new model over a larger registry (the same people again under other ids) moves the
       pair's score; its data did not change, so the new alert is suppressed. */
    size_t n = tby_record_set_count(registry);
    const tby_record **more = calloc(n, sizeof(*more));
    tby_record *copies = calloc(n, sizeof(*copies));
    char(*ids)[32] = calloc(n, sizeof(*ids));
    for (size_t i = 0; i < n; i++) {
        copies[i] = *tby_record_set_get(registry, i);
        snprintf(ids[i], sizeof(ids[i]), "X%s", copies[i].id);
        copies[i].id = ids[i];
        more[i] = &copies[i];
    }
    import_records(store, NULL, more, n / 2);
    TEST_INT_EQ(monitor_test_run(store, "UN", TBY_MONITOR_REFIT, &stats), 0);
    TEST_CHECK(stats.is_full && stats.is_new_model);
    TEST_STR_EQ(pair_status(path, record, entry), "suppressed");
    tby_redress_status status;
    TEST_INT_EQ(tby_store_redress_status(store, reference, &status, NULL), 0);
    TEST_INT_EQ(status, TBY_REDRESS_CLEARED);
    TEST_INT_EQ(stats.store.alerts_suppressed, 1);

    /* The record's identifying data change: the pair alerts again, open, under review. */
    const tby_record *original = NULL;
    for (size_t i = 0; i < n && !original; i++) {
        if (!strcmp(tby_record_set_get(registry, i)->id, record))
            original = tby_record_set_get(registry, i);
    }
    TEST_CHECK(original != NULL);
    if (original) {
        tby_record moved = *original;
        moved.birth_place = same_text(original->birth_place, "Basra") ? "Mosul" : "Basra";
        const tby_record *one[] = {&moved};
        import_records(store, NULL, one, 1);
    }
    TEST_INT_EQ(monitor_test_run(store, "UN", 0, &stats), 0);
    TEST_CHECK(!stats.is_full);
    TEST_INT_EQ(stats.records_changed, 1);
    TEST_STR_EQ(pair_status(path, record, entry), "open");
    TEST_INT_EQ(tby_store_redress_status(store, reference, &status, NULL), 0);
    TEST_INT_EQ(status, TBY_REDRESS_UNDER_REVIEW);

    /* Nothing was deleted: the cleared alert and its decision are still there. */
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT a.status || ' ' || d.action || ' ' || d.reason FROM alerts a JOIN decisions "
             "d ON d.alert_id = a.id WHERE a.id = %lld",
             (long long)id);
    TEST_STR_EQ(store_test_sql_text(path, sql), "superseded clear another mother");
    tby_audit_report report;
    TEST_INT_EQ(tby_store_audit_verify(store, &report, NULL), 0);
    tby_store_close(store);
    free(ids);
    free(copies);
    free(more);
    tby_record_set_free(list);
    tby_record_set_free(registry);
}

static void test_monitor__refuses(void)
{
    char path[300];
    store_test_path(path, sizeof(path), "refuses.db");
    store_test_remove_db(path);
    tby_store *store = store_test_open(path, true);
    tby_monitor_stats stats;
    tby_monitor_options opts = TBY_MONITOR_OPTIONS_INIT;
    tby_error err;
    TEST_INT_EQ(tby_monitor_run(store, "UN", &opts, &stats, &err), TBY_EINVALID); /* no actor */
    opts.actor = "test";
    TEST_INT_EQ(tby_monitor_run(store, "UN", &opts, &stats, &err), TBY_ENOTFOUND);
    opts.threshold = 2.0;
    TEST_INT_EQ(tby_monitor_run(store, "UN", &opts, &stats, &err), TBY_EINVALID);
    /* A list of entries without a usable name: nothing to screen against. */
    tby_error ierr;
    TEST_INT_EQ(store_test_list(store, "EMPTY", "id,name\nE1,---\n", false, NULL, &ierr), 0);
    opts.threshold = 0.5;
    TEST_INT_EQ(tby_monitor_run(store, "EMPTY", &opts, &stats, &err), TBY_EEMPTY);
    TEST_INT_EQ(store_test_sql_int(path, "SELECT count(*) FROM screening_runs"), 0);
    tby_store_close(store);
}

TEST_LIST = {
    TEST(test_monitor__delta_equals_full),
    TEST(test_monitor__a_cleared_pair),
    TEST(test_monitor__refuses),
    TEST(test_monitor__resident_delta_equals_full),
    TEST(test_monitor__resident_equals_one_shot),
    TEST(test_monitor__resident_follows_its_records),
    TEST_END,
};

TEST_MAIN()
