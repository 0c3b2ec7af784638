// SPDX-License-Identifier: Apache-2.0
// Delta rescreening against a full rescreen, in the library (the store adds its I/O on
// top): a list changes by CHANGE percent (half of it renamed entries, a quarter removed,
// a quarter added), the model is pinned, and
//   full:  every registry record screened against the new version (2 threads);
//   delta: the key set of the changed entries built, every registry record checked against
//          it (2 threads would halve this; one is used), and the touched records screened.
// Prints both times, their ratio and how many records were touched, and checks that the
// delta alerts equal the full alerts (count and score sum).
// Usage: bench_delta LIST.csv REGISTRY.csv [CHANGE_PERCENT]
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
    t->score_sum += bits * 0x9E3779B97F4A7C15ull + (unsigned long long)strlen(a->entry->id);
    return 0;
}

typedef struct keep_ctx {
    const char *const *touched_ids; /* sorted */
    size_t touched_count;
    tally *t;
} keep_ctx;

static int str_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int keep_untouched(const tby_alert *a, void *payload)
{
    keep_ctx *k = payload;
    const char *id = a->record->id;
    if (bsearch(&id, k->touched_ids, k->touched_count, sizeof(char *), str_cmp))
        return 0;
    return count_alert(a, k->t);
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
            tby_keyset_add(ks, e, -1, &err);
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
            tby_keyset_add(ks, tby_record_set_get(list2, tby_record_set_count(list2) - 1), 1, &err);
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
        tby_keyset_add(ks, &copy, 1, &err);
        added++;
    }
    printf("list %zu entries: %zu renamed, %zu removed, %zu added (%.2f %%); registry %zu\n", n1,
           renamed, removed, added, 100.0 * (double)(renamed + removed + added) / (double)n1, nr);

    tby_screener *s1 = NULL, *s2 = NULL;
    unsigned char *model = NULL;
    size_t model_len = 0;
    if (tby_screener_new(&s1, list1, &err) || tby_screener_fit(s1, registry, &err) ||
        tby_screener_model_save(s1, &model, &model_len, &err) ||
        tby_screener_new(&s2, list2, &err) || tby_screener_model_load(s2, model, model_len, &err)) {
        fprintf(stderr, "screener: %s\n", err.message);
        return 1;
    }
    tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
    opts.threads = 2;

    /* The state before the change, which a delta starts from (not timed). */
    tally before = {0, 0};
    tby_screen_batch(s1, registry, &opts, count_alert, &before, NULL, NULL, NULL, &err);

    double t0 = now();
    tally full = {0, 0};
    tby_screen_batch(s2, registry, &opts, count_alert, &full, NULL, NULL, NULL, &err);
    double t_full = now() - t0;

    t0 = now();
    tby_record_set *touched = NULL;
    tby_record_set_new(&touched, &err);
    for (size_t i = 0; i < nr; i++) {
        bool t = false;
        tby_keyset_touches(ks, s2, tby_record_set_get(registry, i), &t, &err);
        if (t)
            tby_record_set_add(touched, tby_record_set_get(registry, i), &err);
    }
    double t_keys = now() - t0;
    tally delta = {0, 0};
    tby_screen_batch(s2, touched, &opts, count_alert, &delta, NULL, NULL, NULL, &err);
    double t_delta = now() - t0;

    /* Untouched records keep their alerts from before (not part of the timing: the store
     * keeps them in place). */
    size_t tc = tby_record_set_count(touched);
    const char **ids = malloc((tc ? tc : 1) * sizeof(*ids));
    for (size_t i = 0; i < tc; i++)
        ids[i] = tby_record_set_get(touched, i)->id;
    qsort(ids, tc, sizeof(*ids), str_cmp);
    keep_ctx keep = {ids, tc, &delta};
    tby_screen_batch(s1, registry, &opts, keep_untouched, &keep, NULL, NULL, NULL, &err);

    printf("full rescreen:  %.2f s, %zu alerts\n", t_full, full.alerts);
    printf("delta rescreen: %.2f s (key check %.2f s), %zu records touched (%.2f %%), "
           "%zu alerts\n",
           t_delta, t_keys, tc, 100.0 * (double)tc / (double)nr, delta.alerts);
    printf("delta / full: %.2f %%; alerts %s (before the change: %zu)\n", 100.0 * t_delta / t_full,
           delta.alerts == full.alerts && delta.score_sum == full.score_sum ? "equal" : "DIFFER",
           before.alerts);
    free(ids);
    tby_free(model);
    tby_keyset_free(ks);
    tby_screener_free(s1);
    tby_screener_free(s2);
    tby_record_set_free(touched);
    tby_record_set_free(list1);
    tby_record_set_free(list2);
    tby_record_set_free(registry);
    return delta.alerts == full.alerts && delta.score_sum == full.score_sum ? 0 : 2;
}
