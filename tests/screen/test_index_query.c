// SPDX-License-Identifier: Apache-2.0
// The index query stops loading the accumulators of entries that can no longer reach the
// candidate floor (index.c, key_reach). Its candidates must be exactly those of reading every
// posting of the read set. For each record of a small population (tests/data/screen/delta_*.csv:
// gen_population.py --seed 11, 300 entries, 2,000 records), the candidates are computed here
// the plain way from tby__index_read_set and the postings, by the rule of
// docs/internals/index.md, and compared with tby__index_query_ex: the same entries in the same
// order, the same scores bit for bit, the same document flags. Once with every entry, once
// with some entries skipped (as a delta rescreen does). The test also checks that the query
// did pass over postings, so that it cannot pass by pruning nothing.
#include <stdlib.h>
#include <string.h>

#include "harness/records.h"
#include "harness/test.h"
#include "index/index.h"
#include "screen/screen_int.h"
#include "tabayyun/tabayyun.h"

/* What reading every posting gives: the accumulators of index.h, filled key by key in
 * reading order, then the candidate rule. Returns the count written to out (in the order
 * entries were first met, as tby__index_query_ex leaves them when there is no cap). */
typedef struct plain_acc {
    uint64_t groups;
    float score;
    unsigned hits;
    bool document;
    bool met;
} plain_acc;

static size_t plain_candidates(const tby__index *index, const tby__person *q, const uint8_t *skip,
                               plain_acc *acc, uint32_t *order, tby__candidate *out)
{
    tby__read_key read[TBY__INDEX_MAX_PERSON_KEYS];
    size_t n = tby__index_read_set(index, q, NULL, NULL, read);
    size_t met = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t count;
        const uint32_t *post = tby__index_postings(index, read[k].key, &count);
        uint64_t bit = read[k].group ? (uint64_t)1 << (read[k].group - 1) : 0;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t e = post[i];
            if ((skip && skip[e]) || (acc[e].groups & bit))
                continue;
            acc[e].groups |= bit;
            if (!acc[e].met) {
                acc[e].met = true;
                order[met++] = e;
            }
            acc[e].score += read[k].info + 0.01f;
            acc[e].hits += read[k].hits;
            if (read[k].qualifies)
                acc[e].hits += 255;
            acc[e].document = acc[e].document || read[k].document;
        }
    }
    float floor = tby__index_candidate_floor(index, read, n);
    uint8_t min_hits = tby__index_min_hits(q);
    size_t kept = 0;
    for (size_t i = 0; i < met; i++) {
        plain_acc *a = &acc[order[i]];
        uint8_t need = tby__index_entry_min_hits(min_hits, index->entry_long[order[i]]);
        if (a->hits >= need && (a->document || a->score >= floor))
            out[kept++] = (tby__candidate){order[i], a->score, a->document};
        memset(a, 0, sizeof(*a));
    }
    return kept;
}

static void test_index_query__prunes_no_candidate(void)
{
    tby_error err;
    tby_record_set *list = load("tests/data/screen/delta_list.csv");
    tby_record_set *registry = load("tests/data/screen/delta_registry.csv");
    tby_screener *s = NULL;
    tby__index_scratch scratch = {0};
    plain_acc *acc = NULL;
    uint32_t *order = NULL;
    uint8_t *skip = NULL;
    tby__candidate *got = NULL, *want = NULL;
    if (!list || !registry)
        goto out;
    TEST_INT_EQ(tby_screener_new(&s, list, &err), 0);
    TEST_INT_EQ(tby_screener_fit(s, registry, &err), 0);
    if (!s)
        goto out;
    const tby__index *index = &s->index;
    size_t entries = index->entry_count;
    TEST_INT_EQ(tby__index_scratch_init(&scratch, index), 0);
    acc = calloc(entries, sizeof(*acc));
    order = calloc(entries, sizeof(*order));
    skip = calloc(entries, 1);
    got = calloc(entries, sizeof(*got));
    want = calloc(entries, sizeof(*want));
    if (!acc || !order || !skip || !got || !want || !scratch.acc)
        goto out;
    for (size_t e = 0; e < entries; e += 7)
        skip[e] = 1;
    size_t records = tby_record_set_count(registry), candidates = 0, mismatched = 0;
    for (int pass = 0; pass < 2; pass++) {
        const uint8_t *sk = pass ? skip : NULL;
        for (size_t r = 0; r < records; r++) {
            tby__person q;
            if (tby__person_init(&q, tby_record_set_get(registry, r), &err))
                continue;
            size_t n = tby__index_query_ex(index, &scratch, &q, NULL, NULL, sk, got, entries);
            size_t m = plain_candidates(index, &q, sk, acc, order, want);
            candidates += m;
            bool same = n == m;
            for (size_t i = 0; same && i < n; i++) {
                same = got[i].entry == want[i].entry &&
                       memcmp(&got[i].score, &want[i].score, sizeof(float)) == 0 &&
                       got[i].via_document == want[i].via_document;
            }
            if (!same && mismatched++ < 5)
                TEST__FAIL("%s (pass %d): %zu candidates, reading every posting gives %zu",
                           q.record->id, pass, n, m);
            tby__person_dispose(&q);
        }
    }
    TEST_INT_EQ(mismatched, 0);
    /* Not vacuous: there are candidates, and postings the query passed over. */
    TEST_CHECK(candidates > records);
    TEST_CHECK(scratch.passed > 0);
out:
    tby__index_scratch_dispose(&scratch);
    free(acc);
    free(order);
    free(skip);
    free(got);
    free(want);
    tby_screener_free(s);
    tby_record_set_free(registry);
    tby_record_set_free(list);
}

TEST_LIST = {TEST(test_index_query__prunes_no_candidate), TEST_END};
TEST_MAIN()
