// SPDX-License-Identifier: Apache-2.0
// Screening compares each pair of mother's-name or birth-place texts once and keeps the level,
// for birth places from one query to the next (screen.c, relative_memo). Its alerts must be
// those of comparing every candidate afresh. For each record of a small population
// (tests/data/screen/delta_*.csv: gen_population.py --seed 11, 300 entries, 2,000 records),
// screened one after the other by one worker at threshold 0, every alert is compared with
// tby__compare and tby__model_score on the same pair: the same score and the same level in
// every field. And the number of alerts is that of scoring every index candidate afresh. The
// test also checks that mothers and places were compared, so that it cannot pass vacuously.
#include <stdlib.h>
#include <string.h>

#include "harness/records.h"
#include "harness/test.h"
#include "index/index.h"
#include "screen/screen_int.h"
#include "tabayyun/tabayyun.h"

typedef struct check {
    const tby_screener *s;
    const tby__person *q;
    size_t alerts, mismatched, relatives_compared;
} check;

static int check_alert(const tby_alert *a, void *payload)
{
    check *c = payload;
    const tby_screener *s = c->s;
    size_t e = s->entry_of[a->entry_index];
    tby__comparison cmp;
    tby_alert fresh;
    memset(&fresh, 0, sizeof(fresh));
    /* An alert's names always pass the name floor; 0 keeps every pair. */
    if (tby__compare(c->q, &s->entries[e], &s->freq, 0.0, NULL, &cmp))
        tby__model_score(&s->model, &cmp, 0.0, &fresh);
    bool same = fresh.grade == a->grade && fresh.score == a->score;
    for (int f = 0; f < TBY_EVIDENCE_COUNT; f++)
        same = same && fresh.fields[f].level == a->fields[f].level;
    if (!same && c->mismatched++ < 5)
        TEST__FAIL("%s > %s: score %.6f, mother %d, place %d; afresh %.6f, %d, %d", a->record->id,
                   a->entry->id, a->score, a->fields[TBY_EVIDENCE_MOTHER].level,
                   a->fields[TBY_EVIDENCE_BIRTH_PLACE].level, fresh.score,
                   fresh.fields[TBY_EVIDENCE_MOTHER].level,
                   fresh.fields[TBY_EVIDENCE_BIRTH_PLACE].level);
    c->relatives_compared += a->fields[TBY_EVIDENCE_MOTHER].level != 0;
    c->relatives_compared += a->fields[TBY_EVIDENCE_BIRTH_PLACE].level != 0;
    c->alerts++;
    return 0;
}

/* Alerts of scoring every index candidate of q afresh, at threshold 0. */
static size_t fresh_alerts(const tby_screener *s, tby__index_scratch *scratch,
                           tby__candidate *cands, const tby__person *q)
{
    size_t n = tby__index_query(&s->index, scratch, q, cands, s->entry_count), alerts = 0;
    for (size_t i = 0; i < n; i++) {
        tby__comparison cmp;
        /* Screening's name floor: 0.5, waived for an entry found through a document. */
        if (!tby__compare(q, &s->entries[cands[i].entry], &s->freq,
                          cands[i].via_document ? 0.0 : 0.5, NULL, &cmp))
            continue;
        tby_alert a;
        tby__model_score(&s->model, &cmp, 0.0, &a);
        alerts += a.grade != TBY_GRADE_NONE;
    }
    return alerts;
}

static void test_relatives__compared_once_alike(void)
{
    tby_error err;
    tby_record_set *list = load("tests/data/screen/delta_list.csv");
    tby_record_set *registry = load("tests/data/screen/delta_registry.csv");
    tby_screener *s = NULL;
    tby_screen_worker *w = NULL;
    tby__index_scratch scratch = {0};
    tby__candidate *cands = NULL;
    if (!list || !registry)
        goto out;
    TEST_INT_EQ(tby_screener_new(&s, list, &err), 0);
    TEST_INT_EQ(tby_screener_fit(s, registry, &err), 0);
    if (!s)
        goto out;
    tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
    opts.threshold = 0.0;
    TEST_INT_EQ(tby_screen_worker_new(&w, s, &opts, &err), 0);
    TEST_INT_EQ(tby__index_scratch_init(&scratch, &s->index), 0);
    cands = calloc(s->entry_count, sizeof(*cands));
    if (!w || !cands || !scratch.acc)
        goto out;
    check c = {s, NULL, 0, 0, 0};
    size_t expected = 0;
    for (size_t r = 0; r < tby_record_set_count(registry); r++) {
        const tby_record *record = tby_record_set_get(registry, r);
        tby__person q;
        if (tby__person_init(&q, record, &err))
            continue;
        c.q = &q;
        TEST_INT_EQ(tby_screen_worker_record(w, record, check_alert, &c, &err), 0);
        expected += fresh_alerts(s, &scratch, cands, &q);
        tby__person_dispose(&q);
    }
    TEST_INT_EQ(c.mismatched, 0);
    TEST_INT_EQ(c.alerts, expected);
    /* Not vacuous: alerts with the mother's name or the birth place compared. */
    TEST_CHECK(c.alerts > 100);
    TEST_CHECK(c.relatives_compared > 100);
out:
    free(cands);
    tby__index_scratch_dispose(&scratch);
    tby_screen_worker_free(w);
    tby_screener_free(s);
    tby_record_set_free(registry);
    tby_record_set_free(list);
}

TEST_LIST = {TEST(test_relatives__compared_once_alike), TEST_END};
TEST_MAIN()
