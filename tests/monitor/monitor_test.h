/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers of the screening-with-memory tests: record sets written as JSON Lines inputs, a
 * database file copied, a run, and the standing alerts of a database as a sorted list that
 * two databases can be compared by. Include after harness/test.h and store/store_test.h.
 */
#ifndef TBY_MONITOR_TEST_H
#define TBY_MONITOR_TEST_H

#include "tabayyun/tabayyun.h"

/* Writes records as JSON Lines (the record format, read back by every importer). */
static inline void monitor_test_write_jsonl(const char *path, const tby_record *const *records,
                                            size_t count)
{
    FILE *file = fopen(path, "wb");
    if (!file) {
        perror(path);
        exit(2);
    }
    for (size_t i = 0; i < count; i++) {
        char *json = NULL;
        tby_error err;
        if (tby_record_to_json(&json, NULL, records[i], 0, &err))
            TEST__FAIL("record %s: %s", records[i]->id, err.message);
        if (json)
            fprintf(file, "%s\n", json);
        tby_free(json);
    }
    fclose(file);
}

static inline tby_record_set *monitor_test_load(const char *path)
{
    tby_record_set *set = NULL;
    tby_error err;
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.strict = true;
    if (tby_record_set_load_file(&set, path, &opts, &err))
        TEST__FAIL("load %s: %s", path, err.message);
    return set;
}

/* Copies a closed database (its WAL was checkpointed away when the last connection closed). */
static inline void monitor_test_copy(const char *from, const char *to)
{
    store_test_remove_db(to);
    char command[700];
    snprintf(command, sizeof(command), "cp '%s' '%s'", from, to);
    if (system(command) != 0)
        TEST__FAIL("%s failed", command);
}

static inline int monitor_test_run(tby_store *store, const char *list, unsigned flags,
                                   tby_monitor_stats *stats)
{
    tby_monitor_options opts = TBY_MONITOR_OPTIONS_INIT;
    opts.actor = "test";
    opts.threshold = 1e-4; /* more alerts than the default: a stricter comparison */
    opts.threads = 2;
    opts.flags = flags;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_monitor_run(store, list, &opts, stats, &err);
    if (rc)
        fprintf(stderr, "  run: %s\n", err.message);
    return rc;
}

/* The standing alerts of a database, "record>entry score grade" per line, sorted. */
typedef struct monitor_test_alerts {
    char **lines;
    size_t count, cap;
} monitor_test_alerts;

static inline int monitor_test_alert_line(const tby_store_alert *a, void *payload)
{
    monitor_test_alerts *all = payload;
    if (all->count == all->cap) {
        all->cap = all->cap ? all->cap * 2 : 256;
        all->lines = realloc(all->lines, all->cap * sizeof(*all->lines));
    }
    char line[256];
    snprintf(line, sizeof(line), "%s>%s %.17g %s", a->record_id, a->entry_id, a->score, a->grade);
    all->lines[all->count++] = strdup(line);
    return 0;
}

static inline int monitor_test_line_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static inline monitor_test_alerts monitor_test_standing(tby_store *store)
{
    monitor_test_alerts all = {NULL, 0, 0};
    tby_store_alert_filter filter = TBY_STORE_ALERT_FILTER_INIT;
    filter.statuses = TBY_ALERT_CURRENT;
    TEST_INT_EQ(tby_store_alerts_foreach(store, &filter, monitor_test_alert_line, &all, NULL), 0);
    if (all.count)
        qsort(all.lines, all.count, sizeof(*all.lines), monitor_test_line_cmp);
    return all;
}

static inline void monitor_test_alerts_free(monitor_test_alerts *all)
{
    for (size_t i = 0; i < all->count; i++)
        free(all->lines[i]);
    free(all->lines);
    memset(all, 0, sizeof(*all));
}

/* Checks two sets of standing alerts are equal, naming the first difference. */
static inline void monitor_test_same(const monitor_test_alerts *a, const monitor_test_alerts *b)
{
    TEST_INT_EQ(a->count, b->count);
    for (size_t i = 0; i < a->count && i < b->count; i++) {
        if (strcmp(a->lines[i], b->lines[i])) {
            TEST_STR_EQ(a->lines[i], b->lines[i]);
            break;
        }
    }
}

#endif
