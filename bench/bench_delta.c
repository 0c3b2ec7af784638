// SPDX-License-Identifier: Apache-2.0
// Delta rescreening against a full rescreen, in the library (the store adds its I/O on
// top): a list changes by CHANGE percent (half of it renamed entries, a quarter removed,
// a quarter added), the model is pinned, and
//   full:  every registry record screened against the new version (2 threads);
//   delta: every registry record checked against the key set of the changed entries, and
//          the changed pairs or the whole record screened (tby_screen_worker_delta), on 2
//          threads.
// Prints both times and their ratio, and checks that the delta's alerts equal the full
// run's (count, and a checksum of record, entry and score).
// Usage: bench_delta LIST.csv REGISTRY.csv [CHANGE_PERCENT]
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tabayyun/tabayyun.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Alerts counted, and a checksum of their scores that does not depend on their order. */
typedef struct tally {
    size_t alerts;
    unsigned long long score_sum;
} tally;

static int count_alert(const tby_alert *a, void *payload)
{
    tally *t = payload;
    t->alerts++;
    unsigned long long bits;
    memcpy(&bits, &a->score, sizeof(bits));
    unsigned long long h = 1469598103934665603ull;
    for (const char *p = a->record->id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ '>') * 1099511628211ull;
    for (const char *p = a->entry->id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    t->score_sum += (bits ^ h) * 0x9E3779B97F4A7C15ull;
    return 0;
}

/* An alert as the store would keep it: record, entry, score. */
typedef struct stored {
    char *record, *entry;
    double score;
    bool gone;
} stored;

typedef struct alert_list {
    stored *v;
    size_t count, cap;
} alert_list;

static void list_push(alert_list *l, const char *record, const char *entry, double score)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->count++] = (stored){strdup(record), strdup(entry), score, false};
}

static int keep_alert(const tby_alert *a, void *payload)
{
    list_push(payload, a->record->id, a->entry->id, a->score);
    return 0;
}

static void alerts_free(alert_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->v[i].record);
        free(l->v[i].entry);
    }
    free(l->v);
}

/* The delta's changes: drops (entry NULL: all of the record's alerts) and new alerts. */
typedef struct ops {
    alert_list drops, adds;
} ops;

static int drop_alert(const tby_record *record, const char *entry_id, void *payload)
{
    ops *o = payload;
    list_push(&o->drops, record->id, entry_id ? entry_id : "", 0.0);
    return 0;
}

static int add_alert(const tby_alert *a, void *payload)
{
    ops *o = payload;
    list_push(&o->adds, a->record->id, a->entry->id, a->score);
    return 0;
}

static void ops_free(ops *o)
{
    alerts_free(&o->drops);
    alerts_free(&o->adds);
}

static int stored_cmp(const void *x, const void *y)
{
    const stored *a = x, *b = y;
    int c = strcmp(a->record, b->record);
    return c ? c : strcmp(a->entry, b->entry);
}

/* The alerts from before with the drops applied and the adds added, as a tally. */
static tally apply_ops(alert_list *before, ops *o)
{
    qsort(before->v, before->count, sizeof(stored), stored_cmp);
    for (size_t d = 0; d < o->drops.count; d++) {
        const stored *drop = &o->drops.v[d];
        /* First alert of the record, then its run. */
        size_t lo = 0, hi = before->count;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (strcmp(before->v[mid].record, drop->record) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t k = lo; k < before->count && !strcmp(before->v[k].record, drop->record); k++) {
            if (!drop->entry[0] || !strcmp(before->v[k].entry, drop->entry))
                before->v[k].gone = true;
        }
    }
    tally t = {0, 0};
    tby_alert fake;
    tby_record rec, ent;
    memset(&fake, 0, sizeof(fake));
    memset(&rec, 0, sizeof(rec));
    memset(&ent, 0, sizeof(ent));
    fake.record = &rec;
    fake.entry = &ent;
    for (int pass = 0; pass < 2; pass++) {
        const alert_list *l = pass ? &o->adds : before;
        for (size_t k = 0; k < l->count; k++) {
            if (l->v[k].gone)
                continue;
            rec.id = l->v[k].record;
            ent.id = l->v[k].entry;
            fake.score = l->v[k].score;
            count_alert(&fake, &t);
        }
    }
    return t;
}

typedef struct delta_part {
    const tby_keyset *ks;
    const tby_record_set *registry;
    tby_screen_worker *worker;
    size_t first; /* records first, first + 2, ... */
    size_t rescreened;
    ops o;
} delta_part;

static void *delta_thread(void *arg)
{
    delta_part *p = arg;
    tby_error err;
    size_t n = tby_record_set_count(p->registry);
    for (size_t i = p->first; i < n; i += 2) {
        bool whole = false;
        tby_screen_worker_delta(p->worker, p->ks, tby_record_set_get(p->registry, i), &whole, NULL,
                                drop_alert, add_alert, &p->o, &err);
        p->rescreened += whole;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_delta LIST.csv REGISTRY.csv [CHANGE_PERCENT]\n");
        return 1;
    }
    double change = argc > 3 ? strtod(argv[3], NULL) : 1.0;
    tby_error err;
    tby_reader_options ro = TBY_READER_OPTIONS_INIT;
    ro.drop_bad_values = true;
    tby_record_set *list1 = NULL, *list2 = NULL, *registry = NULL;
    if (tby_record_set_load_file(&list1, argv[1], &ro, &err) ||
        tby_record_set_load_file(&registry, argv[2], &ro, &err) ||
        tby_record_set_new(&list2, &err)) {
        fprintf(stderr, "load: %s\n", err.message);
        return 1;
    }
    size_t n1 = tby_record_set_count(list1), nr = tby_record_set_count(registry);
    size_t every = (size_t)(100.0 / (change * 0.75)); /* renamed + removed: 3/4 of the change */
    tby_keyset *ks = NULL;
    tby_keyset_new(&ks, &err);
    size_t renamed = 0, removed = 0, added = 0;
    for (size_t i = 0; i < n1; i++) {
        const tby_record *e = tby_record_set_get(list1, i);
        if (every && i % every == every / 2) {
            tby_keyset_add(ks, e, -1, 0, &err);
            if ((i / every) % 3 == 2) {
                removed++;
                continue;
            }
            /* Renamed to a registered person's name: a correction that gains candidates. */
            const tby_record *r = tby_record_set_get(registry, (i * 7919) % nr);
            tby_record copy = *e;
            copy.name = r->name ? r->name : r->given;
            copy.given = copy.father = copy.grandfather = copy.family = NULL;
            tby_record_set_add(list2, &copy, &err);
            size_t at = tby_record_set_count(list2) - 1;
            tby_keyset_add(ks, tby_record_set_get(list2, at), 1, at, &err);
            renamed++;
            continue;
        }
        tby_record_set_add(list2, e, &err);
    }
    char id[32];
    for (size_t k = 0; k < (renamed + removed) / 3; k++) {
        tby_record copy = *tby_record_set_get(registry, (k * 104729) % nr);
        snprintf(id, sizeof(id), "NEW-%zu", k);
        copy.id = id;
        tby_record_set_add(list2, &copy, &err);
        tby_keyset_add(ks, &copy, 1, tby_record_set_count(list2) - 1, &err);
        added++;
    }
    printf("list %zu entries: %zu renamed, %zu removed, %zu added (%.2f %%); registry %zu\n", n1,
           renamed, removed, added, 100.0 * (double)(renamed + removed + added) / (double)n1, nr);

    tby_screener *s1 = NULL, *s2 = NULL;
    unsigned char *model = NULL;
    size_t model_len = 0;
    if (tby_screener_new(&s1, list1, &err) || tby_screener_fit(s1, registry, &err) ||
        tby_screener_model_save(s1, &model, &model_len, &err) ||
        tby_screener_model_load(s1, model, model_len, &err) || tby_screener_new(&s2, list2, &err) ||
        tby_screener_model_load(s2, model, model_len, &err) || tby_keyset_bind(ks, s2, &err)) {
        fprintf(stderr, "screener: %s\n", err.message);
        return 1;
    }
    tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
    opts.threads = 2;

    /* The state before the change, which a delta starts from (not timed). */
    tally before = {0, 0};
    alert_list before_alerts = {0};
    tby_screen_batch(s1, registry, &opts, count_alert, &before, NULL, NULL, NULL, &err);
    tby_screen_batch(s1, registry, &opts, keep_alert, &before_alerts, NULL, NULL, NULL, &err);

    double t0 = now();
    tally full = {0, 0};
    tby_screen_batch(s2, registry, &opts, count_alert, &full, NULL, NULL, NULL, &err);
    double t_full = now() - t0;

    /* Delta, timed: for each record, what the change means; whole records screened again
     * where needed, otherwise the changed candidate pairs scored (tby_screen_worker_delta).
     * One thread: the store applies the changes as it goes. */
    /* Two threads, like the full rescreen: each takes every other record with its own
     * worker and its own list of changes. */
    delta_part parts[2];
    for (int k = 0; k < 2; k++) {
        memset(&parts[k], 0, sizeof(parts[k]));
        parts[k].ks = ks;
        parts[k].registry = registry;
        parts[k].first = (size_t)k;
        tby_screen_worker_new(&parts[k].worker, s2, &opts, &err);
    }
    pthread_t other;
    t0 = now();
    pthread_create(&other, NULL, delta_thread, &parts[1]);
    delta_thread(&parts[0]);
    pthread_join(other, NULL);
    double t_delta = now() - t0;
    /* How much of it is finding what changed (parse, read sets, changed candidates). */
    t0 = now();
    size_t touched = 0;
    for (size_t i = 0; i < nr; i++) {
        bool t = false;
        tby_keyset_touches(ks, s2, tby_record_set_get(registry, i), &t, &err);
        touched += t;
    }
    double t_check = now() - t0;
    ops o = {0};
    size_t rescreened = 0;
    for (int k = 0; k < 2; k++) {
        tby_screen_worker_free(parts[k].worker);
        rescreened += parts[k].rescreened;
        for (size_t i = 0; i < parts[k].o.drops.count; i++)
            list_push(&o.drops, parts[k].o.drops.v[i].record, parts[k].o.drops.v[i].entry, 0.0);
        for (size_t i = 0; i < parts[k].o.adds.count; i++)
            list_push(&o.adds, parts[k].o.adds.v[i].record, parts[k].o.adds.v[i].entry,
                      parts[k].o.adds.v[i].score);
        ops_free(&parts[k].o);
    }

    /* Untimed: apply the changes to the alerts from before and compare with the full run. */
    tally delta = apply_ops(&before_alerts, &o);

    printf("full rescreen:  %.2f s, %zu alerts\n", t_full, full.alerts);
    printf("delta rescreen: %.2f s: %zu records screened whole (%.2f %%), %zu alerts dropped, "
           "%zu made\n",
           t_delta, rescreened, 100.0 * (double)rescreened / (double)nr, o.drops.count,
           o.adds.count);
    printf("finding what changed alone, one thread: %.2f s (%zu records concerned)\n", t_check,
           touched);
    printf("delta / full: %.2f %%; alerts %s (%zu; before the change: %zu)\n",
           100.0 * t_delta / t_full,
           delta.alerts == full.alerts && delta.score_sum == full.score_sum ? "equal" : "DIFFER",
           delta.alerts, before.alerts);
    ops_free(&o);
    alerts_free(&before_alerts);
    tby_free(model);
    tby_keyset_free(ks);
    tby_screener_free(s1);
    tby_screener_free(s2);
    tby_record_set_free(list1);
    tby_record_set_free(list2);
    tby_record_set_free(registry);
    return delta.alerts == full.alerts && delta.score_sum == full.score_sum ? 0 : 2;
}
