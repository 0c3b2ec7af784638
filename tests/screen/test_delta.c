// SPDX-License-Identifier: Apache-2.0
// Delta rescreening gives exactly what a full rescreen gives. A list changes (entries
// removed, renamed, added); with the model pinned, screening again only the registry
// records that touch the key set of the changed entries, and keeping every other record's
// alerts, must produce the same alerts, scores and grades, bit for bit, as screening the
// whole registry against the new list. The data (tests/data/screen/delta_*.csv) is a
// small population from tools/gen/gen_population.py --seed 11 --registry 2000 --list 300.
#include <stdlib.h>

#include "harness/records.h"
#include "harness/test.h"
#include "tabayyun/tabayyun.h"

typedef struct hit {
    char pair[80];
    double score;
    tby_grade grade;
} hit;

typedef struct hits {
    hit *v;
    size_t count, cap;
} hits;

static int push(hits *h, const hit *x)
{
    if (h->count == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        hit *v = realloc(h->v, cap * sizeof(*v));
        if (!v)
            return 1;
        h->v = v, h->cap = cap;
    }
    h->v[h->count++] = *x;
    return 0;
}

static int collect(const tby_alert *a, void *payload)
{
    hit x;
    memset(&x, 0, sizeof(x));
    snprintf(x.pair, sizeof(x.pair), "%s>%s", a->record->id, a->entry->id);
    x.score = a->score;
    x.grade = a->grade;
    return push(payload, &x);
}

static int hit_cmp(const void *x, const void *y)
{
    return strcmp(((const hit *)x)->pair, ((const hit *)y)->pair);
}

/* tby_screen_worker_delta's callbacks: drops mark alerts of `before` gone, alerts go to out. */
typedef struct delta2_ctx {
    const hits *before; /* sorted by pair */
    hits out;
    char *gone;
} delta2_ctx;

static int drop_pair(const tby_record *record, const char *entry_id, void *payload)
{
    delta2_ctx *d = payload;
    size_t len = strlen(record->id);
    for (size_t k = 0; k < d->before->count; k++) {
        const char *pair = d->before->v[k].pair;
        if (strncmp(pair, record->id, len) || pair[len] != '>')
            continue;
        if (!entry_id || !strcmp(pair + len + 1, entry_id))
            d->gone[k] = 1;
    }
    return 0;
}

static int collect_d2(const tby_alert *a, void *payload)
{
    return collect(a, &((delta2_ctx *)payload)->out);
}

/* The same record under another name (a renamed or corrected entry). */
static int add_renamed(tby_record_set *set, const tby_record *r, const char *name)
{
    tby_record copy = *r;
    copy.name = name;
    copy.given = copy.father = copy.grandfather = copy.family = NULL;
    return tby_record_set_add(set, &copy, NULL);
}

static bool in_list(const char *id, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(id, ids[i]))
            return true;
    }
    return false;
}

static void test_delta__equals_full_rescreen(void)
{
    tby_error err;
    tby_record_set *list1 = load("tests/data/screen/delta_list.csv");
    tby_record_set *registry = load("tests/data/screen/delta_registry.csv");
    tby_record_set *list2 = NULL;
    tby_screener *s1 = NULL, *s2 = NULL;
    tby_keyset *ks = NULL;
    unsigned char *model = NULL;
    size_t model_len = 0;
    hits before = {0}, full = {0}, delta = {0};
    if (!list1 || !registry)
        goto out;
    TEST_INT_EQ(tby_screener_new(&s1, list1, &err), 0);
    TEST_INT_EQ(tby_screener_fit(s1, registry, &err), 0);
    TEST_INT_EQ(tby_screener_model_save(s1, &model, &model_len, &err), 0);
    /* Screening with memory always screens under the pinned model, the first time too. */
    TEST_INT_EQ(tby_screener_model_load(s1, model, model_len, &err), 0);
    tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
    opts.threshold = 1e-4; /* more alerts than the default: a stricter comparison */
    opts.threads = 2;
    TEST_INT_EQ(tby_screen_batch(s1, registry, &opts, collect, &before, NULL, NULL, NULL, &err), 0);

    /* The new version: 5 entries removed, 4 renamed to registered people's names (so that
     * they gain candidates), 5 added as copies of registered people; the rest unchanged. */
    TEST_INT_EQ(tby_record_set_new(&list2, &err), 0);
    TEST_INT_EQ(tby_keyset_new(&ks, &err), 0);
    size_t n1 = tby_record_set_count(list1);
    const char *removed[5] = {NULL};
    size_t removed_count = 0, changed_count = 0;
    for (size_t i = 0; i < n1; i++) {
        const tby_record *e = tby_record_set_get(list1, i);
        size_t k = i / 37; /* every 37th entry is removed or renamed, in turn */
        if (i % 37 == 0 && k < 10) {
            TEST_INT_EQ(tby_keyset_add(ks, e, -1, 0, &err), 0);
            if (k % 2 == 0) {
                removed[removed_count++] = e->id;
                continue;
            }
            changed_count++;
            const tby_record *r = tby_record_set_get(registry, 100 + k);
            const char *name = r->name ? r->name : r->given;
            TEST_INT_EQ(add_renamed(list2, e, name), 0);
            size_t at = tby_record_set_count(list2) - 1;
            TEST_INT_EQ(tby_keyset_add(ks, tby_record_set_get(list2, at), 1, at, &err), 0);
            continue;
        }
        TEST_INT_EQ(tby_record_set_add(list2, e, &err), 0);
    }
    char ids[5][32];
    for (size_t k = 0; k < 5; k++) {
        tby_record copy = *tby_record_set_get(registry, 500 + 7 * k);
        snprintf(ids[k], sizeof(ids[k]), "NEW-%zu", k);
        copy.id = ids[k];
        TEST_INT_EQ(tby_record_set_add(list2, &copy, &err), 0);
        TEST_INT_EQ(tby_keyset_add(ks, &copy, 1, tby_record_set_count(list2) - 1, &err), 0);
    }
    TEST_INT_EQ(removed_count, 5);
    TEST_INT_EQ(changed_count, 4); /* 300 entries: every 37th, nine in all */
    TEST_CHECK(tby_keyset_count(ks) > 0);

    TEST_INT_EQ(tby_screener_new(&s2, list2, &err), 0);
    TEST_INT_EQ(tby_screener_model_load(s2, model, model_len, &err), 0);
    TEST_INT_EQ(tby_screen_batch(s2, registry, &opts, collect, &full, NULL, NULL, NULL, &err), 0);

    /*
     * Delta, pair by pair, from the alerts before the change: a record that must be
     * screened whole loses all its alerts and gets new ones; otherwise the alerts on changed
     * entries that were its candidates go, and its changed candidates now are scored.
     */
    tby_screen_worker *worker = NULL;
    TEST_INT_EQ(tby_screen_worker_new(&worker, s2, &opts, &err), 0);
    qsort(before.v, before.count, sizeof(hit), hit_cmp);
    char *gone = calloc(before.count ? before.count : 1, 1);
    size_t rescreened = 0, pair_records = 0, nr = tby_record_set_count(registry);
    for (size_t i = 0; i < nr && worker; i++) {
        const tby_record *r = tby_record_set_get(registry, i);
        bool rescreen = false;
        tby_delta_change changes[TBY_KEYSET_MAX_CHANGES];
        size_t count = 0;
        TEST_INT_EQ(tby_keyset_affected(ks, s2, r, &rescreen, changes, TBY_KEYSET_MAX_CHANGES,
                                        &count, &err),
                    0);
        if (!rescreen && !count)
            continue;
        size_t positions[TBY_KEYSET_MAX_CHANGES], npos = 0;
        for (size_t k = 0; k < before.count; k++) {
            char rec[80];
            snprintf(rec, sizeof(rec), "%s", before.v[k].pair);
            char *gt = strchr(rec, '>');
            *gt = '\0';
            if (strcmp(rec, r->id))
                continue;
            bool drop = rescreen;
            for (size_t c = 0; c < count && !drop; c++)
                drop = changes[c].change < 0 && !strcmp(changes[c].entry_id, gt + 1);
            if (drop)
                gone[k] = 1;
        }
        if (rescreen) {
            rescreened++;
            TEST_INT_EQ(tby_screen_worker_record(worker, r, collect, &delta, &err), 0);
            continue;
        }
        pair_records++;
        for (size_t c = 0; c < count; c++) {
            if (changes[c].change > 0)
                positions[npos++] = changes[c].position;
        }
        TEST_INT_EQ(tby_screen_worker_entries(worker, r, positions, npos, collect, &delta, &err),
                    0);
    }
    for (size_t k = 0; k < before.count; k++) {
        if (!gone[k])
            TEST_INT_EQ(push(&delta, &before.v[k]), 0);
    }
    free(gone);

    /* The same through tby_screen_worker_delta, which parses each record once and, with the
     * key set bound to the new screener, settles pair by pair records whose query reads or
     * weighs keys otherwise when their unchanged candidates did not move: the same result. */
    TEST_INT_EQ(tby_keyset_bind(ks, s2, &err), 0);
    delta2_ctx d2 = {&before, {0}, calloc(before.count ? before.count : 1, 1)};
    for (size_t i = 0; i < nr && worker; i++) {
        bool whole = false;
        TEST_INT_EQ(tby_screen_worker_delta(worker, ks, tby_record_set_get(registry, i), &whole,
                                            NULL, drop_pair, collect_d2, &d2, &err),
                    0);
    }
    for (size_t k = 0; k < before.count; k++) {
        if (!d2.gone[k])
            TEST_INT_EQ(push(&d2.out, &before.v[k]), 0);
    }
    qsort(d2.out.v, d2.out.count, sizeof(hit), hit_cmp);
    qsort(full.v, full.count, sizeof(hit), hit_cmp);
    TEST_INT_EQ(d2.out.count, full.count);
    for (size_t k = 0; k < full.count && k < d2.out.count; k++) {
        TEST_STR_EQ(d2.out.v[k].pair, full.v[k].pair);
        TEST_CHECK(d2.out.v[k].score == full.v[k].score);
    }
    free(d2.gone);
    free(d2.out.v);
    tby_screen_worker_free(worker);
    /* Both happen, and not to every record (on this 300-entry list most keys are rare, so
     * whole records are common; bench/bench_delta.c measures a large list). */
    TEST_CHECK(pair_records > 0);
    TEST_CHECK(rescreened + pair_records < nr);
    qsort(full.v, full.count, sizeof(hit), hit_cmp);
    qsort(delta.v, delta.count, sizeof(hit), hit_cmp);
    for (size_t k = 0; k < delta.count; k++)
        TEST_CHECK(!in_list(strchr(delta.v[k].pair, '>') + 1, removed, removed_count));
    TEST_INT_EQ(delta.count, full.count);
    for (size_t k = 0; k < full.count && k < delta.count; k++) {
        TEST_STR_EQ(delta.v[k].pair, full.v[k].pair);
        TEST_CHECK(delta.v[k].score == full.v[k].score);
        TEST_INT_EQ(delta.v[k].grade, full.v[k].grade);
    }
    /* The change is visible: some alerts came or went. */
    bool differs = full.count != before.count;
    for (size_t k = 0; k < full.count && !differs; k++)
        differs = strcmp(full.v[k].pair, before.v[k].pair) != 0;
    TEST_CHECK(differs);
out:
    free(before.v);
    free(full.v);
    free(delta.v);
    tby_free(model);
    tby_keyset_free(ks);
    tby_screener_free(s2);
    tby_screener_free(s1);
    tby_record_set_free(list2);
    tby_record_set_free(registry);
    tby_record_set_free(list1);
}

static void test_delta__model_blob_checked(void)
{
    tby_error err;
    tby_record_set *list = load("tests/data/screen/delta_list.csv");
    tby_screener *s = NULL;
    unsigned char *model = NULL;
    size_t len = 0;
    if (!list)
        return;
    TEST_INT_EQ(tby_screener_new(&s, list, &err), 0);
    TEST_INT_EQ(tby_screener_model_save(s, &model, &len, &err), 0);
    TEST_INT_EQ(tby_screener_model_load(s, model, len, &err), 0);
    /* Every truncation and every flipped byte is refused, never read. */
    for (size_t cut = 0; cut < len; cut += 1 + cut / 3)
        TEST_INT_EQ(tby_screener_model_load(s, model, cut, &err), TBY_EINVALID);
    for (size_t at = 0; at < len; at += 1 + at / 5) {
        model[at] ^= 0x40;
        TEST_INT_EQ(tby_screener_model_load(s, model, len, &err), TBY_EINVALID);
        model[at] ^= 0x40;
    }
    TEST_INT_EQ(tby_screener_model_load(s, model, len, &err), 0);
    tby_free(model);
    tby_screener_free(s);
    tby_record_set_free(list);
}

TEST_LIST = {
    TEST(test_delta__equals_full_rescreen),
    TEST(test_delta__model_blob_checked),
    TEST_END,
};

TEST_MAIN()
