// SPDX-License-Identifier: Apache-2.0
// The bounds that let screening skip a candidate's name comparison must never skip an alert.
// For every pair of a small population (tests/data/screen/delta_*.csv: gen_population.py
// --seed 11, 300 entries, 2,000 records, of which the first 400 are used), compared in full
// and scored at several thresholds: whenever the pair is an alert, the brief bound
// (tby__bound_may_alert_brief) and the bound on the compared identifiers and relatives
// (tby__bound_may_alert) both say it may alert. The test also checks that the bounds do
// skip pairs, so that it cannot pass by bounding nothing.
#include "harness/records.h"
#include "harness/test.h"
#include "records/evidence.h"
#include "screen/screen_int.h"
#include "tabayyun/tabayyun.h"

#define RECORDS 400

static void test_bound__never_skips_an_alert(void)
{
    static const double thresholds[] = {0.0, 0.001, 0.05, 0.5};
    enum { T = sizeof(thresholds) / sizeof(thresholds[0]) };
    tby_error err;
    tby_record_set *list = load("tests/data/screen/delta_list.csv");
    tby_record_set *registry = load("tests/data/screen/delta_registry.csv");
    tby_screener *s = NULL;
    if (!list || !registry)
        goto out;
    TEST_INT_EQ(tby_screener_new(&s, list, &err), 0);
    TEST_INT_EQ(tby_screener_fit(s, registry, &err), 0);
    if (!s)
        goto out;
    tby__bound bound, cut;
    tby__bound_init(&bound, &s->model);
    tby__bound_init(&cut, &s->model);
    size_t alerts[T] = {0}, skipped_brief[T] = {0}, skipped_full[T] = {0}, unsound = 0;
    size_t cut_differs = 0;
    size_t records = tby_record_set_count(registry);
    for (size_t r = 0; r < records && r < RECORDS; r++) {
        tby__person q;
        if (tby__person_init(&q, tby_record_set_get(registry, r), &err))
            continue;
        double q_cap = tby__rarity_cap(&s->freq, &q);
        tby__brief q_brief;
        tby__person_brief(&q, q_cap, &q_brief);
        for (size_t i = 0; i < s->entry_count; i++) {
            const tby__person *e = &s->entries[i];
            tby__comparison cmp;
            if (!tby__compare(&q, e, &s->freq, 0.0, NULL, &cmp))
                continue;
            tby__bound_pair pair = {.mother = q.mother && e->mother,
                                    .place = q.place && e->place,
                                    .relatives_known = true,
                                    .weak_alias = q.weak_count || e->weak_count,
                                    .rarity_cap = q_cap + e->rarity_cap};
            for (int t = 0; t < T; t++) {
                tby_alert alert;
                tby__model_score(&s->model, &cmp, thresholds[t], &alert);
                bool brief =
                    tby__bound_may_alert_brief(&bound, &q_brief, &s->brief[i], thresholds[t]);
                bool full = tby__bound_may_alert(&bound, &cmp, &pair, thresholds[t]);
                /* Settling by bits (tby__bound_set_threshold) answers alike. */
                tby__bound_set_threshold(&cut, thresholds[t]);
                cut_differs += brief != tby__bound_may_alert_brief(&cut, &q_brief, &s->brief[i],
                                                                   thresholds[t]) ||
                               full != tby__bound_may_alert(&cut, &cmp, &pair, thresholds[t]);
                skipped_brief[t] += !brief;
                skipped_full[t] += !full;
                if (alert.grade == TBY_GRADE_NONE)
                    continue;
                alerts[t]++;
                if (!brief || !full) {
                    if (unsound++ < 5)
                        TEST__FAIL("%s > %s at %.3f: an alert (score %.6f) the %s bound skips",
                                   q.record->id, e->record->id, thresholds[t], alert.score,
                                   brief ? "full" : "brief");
                }
            }
        }
        tby__person_dispose(&q);
    }
    TEST_INT_EQ(unsound, 0);
    TEST_INT_EQ(cut_differs, 0);
    for (int t = 0; t < T; t++) {
        /* Not vacuous: there are alerts, and pairs each bound skips. */
        TEST_CHECK(alerts[t] > 0 || thresholds[t] >= 0.5);
        TEST_CHECK(skipped_brief[t] > 0);
        TEST_CHECK(skipped_full[t] > skipped_brief[t]);
    }
out:
    tby_screener_free(s);
    tby_record_set_free(registry);
    tby_record_set_free(list);
}

TEST_LIST = {TEST(test_bound__never_skips_an_alert), TEST_END};
TEST_MAIN()
