// SPDX-License-Identifier: Apache-2.0
// Where true pairs are lost on the way to an alert. For every (registry record, list entry)
// pair of a truth file (tools/gen/gen_population.py writes one), follows the pair through
// the candidate index and the scoring and counts the first step it fails:
//   no shared key       the two share no candidate key at all (names, pairs, documents)
//   keys not read       they share keys, but the query stops reading before them (budget)
//   too few hits        read keys shared, but fewer than the query's minimum
//   under the floor     a candidate, but below the relative floor of the best candidate
//   over the cap        above the floor, but not among the first TBY_CAP candidates
//   scored below        a candidate, scored under the default threshold
//   alerted             found
// Usage: bench_recall LIST.csv REGISTRY.csv TRUTH.csv
//   TBY_SHOW=1 prints each lost pair; TBY_THRESHOLD=T scores against another threshold.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/index.h"
#include "screen/screen_int.h"
#include "tabayyun/tabayyun.h"

enum { NO_KEY, NOT_READ, FEW_HITS, FLOOR, CAP, SCORED_BELOW, ALERTED, OUTCOMES };
static const char *const outcome_names[OUTCOMES] = {
    "no shared key", "keys not read", "too few hits", "under the floor",
    "over the cap",  "scored below",  "alerted"};

typedef struct id_index {
    const char **ids;
    size_t *at;
    size_t count;
} id_index;

static const id_index *sort_ctx;
static int by_id(const void *x, const void *y)
{
    return strcmp(sort_ctx->ids[*(const size_t *)x], sort_ctx->ids[*(const size_t *)y]);
}

static void id_index_build(id_index *ix, const char **ids, size_t count)
{
    ix->ids = ids;
    ix->count = count;
    ix->at = malloc((count ? count : 1) * sizeof(size_t));
    for (size_t i = 0; i < count; i++)
        ix->at[i] = i;
    sort_ctx = ix;
    qsort(ix->at, count, sizeof(size_t), by_id);
}

static long id_index_find(const id_index *ix, const char *id)
{
    size_t lo = 0, hi = ix->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(ix->ids[ix->at[mid]], id);
        if (!c)
            return (long)ix->at[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int size_cmp(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

static bool has_key(const uint64_t *keys, size_t n, uint64_t key)
{
    for (size_t i = 0; i < n; i++) {
        if (keys[i] == key)
            return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_recall LIST.csv REGISTRY.csv TRUTH.csv\n");
        return 1;
    }
    tby_error err;
    tby_reader_options ro = TBY_READER_OPTIONS_INIT;
    ro.drop_bad_values = true;
    tby_record_set *list = NULL, *registry = NULL;
    tby_screener *s = NULL;
    if (tby_record_set_load_file(&list, argv[1], &ro, &err) ||
        tby_record_set_load_file(&registry, argv[2], &ro, &err) ||
        tby_screener_new(&s, list, &err) || tby_screener_fit(s, registry, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    const char **entry_ids = malloc(s->entry_count * sizeof(char *));
    for (size_t i = 0; i < s->entry_count; i++)
        entry_ids[i] = s->entries[i].record->id;
    size_t nr = tby_record_set_count(registry);
    const char **reg_ids = malloc(nr * sizeof(char *));
    for (size_t i = 0; i < nr; i++)
        reg_ids[i] = tby_record_set_get(registry, i)->id;
    id_index entries_ix, reg_ix;
    id_index_build(&entries_ix, entry_ids, s->entry_count);
    id_index_build(&reg_ix, reg_ids, nr);

    FILE *truth = fopen(argv[3], "r");
    if (!truth) {
        perror(argv[3]);
        return 1;
    }
    tby__index_scratch scratch;
    tby__index_scratch_init(&scratch, &s->index);
    /* The screener's default: no cap (TBY_CAP=N to see what a cap would lose). */
    size_t cap = getenv("TBY_CAP") ? (size_t)atol(getenv("TBY_CAP")) : s->entry_count;
    tby__candidate *cands = malloc(cap * sizeof(*cands));
    size_t outcome[OUTCOMES] = {0};
    bool show = getenv("TBY_SHOW") != NULL; /* print each lost pair */
    /* TBY_THRESHOLD=T scores against another threshold than the default. */
    double threshold = getenv("TBY_THRESHOLD") ? strtod(getenv("TBY_THRESHOLD"), NULL)
                                               : TBY_SCREEN_DEFAULT_THRESHOLD;
    size_t pairs = 0;
    char line[256];
    while (fgets(line, sizeof(line), truth)) {
        char *comma = strchr(line, ',');
        if (!comma || !strncmp(line, "record_id", 9))
            continue;
        *comma = '\0';
        char *eid = comma + 1;
        eid[strcspn(eid, "\r\n")] = '\0';
        long r = id_index_find(&reg_ix, line), e = id_index_find(&entries_ix, eid);
        if (r < 0 || e < 0)
            continue; /* the record is not in this registry sample */
        pairs++;
        tby__person q;
        tby_error scratch_err;
        if (tby__person_init(&q, tby_record_set_get(registry, (size_t)r), &scratch_err)) {
            outcome[NO_KEY]++;
            continue;
        }
        const tby__person *x = &s->entries[e];
        uint64_t qk[TBY__INDEX_MAX_PERSON_KEYS], xk[TBY__INDEX_MAX_PERSON_KEYS];
        size_t nq = tby__index_person_keys(&q, qk, TBY__INDEX_MAX_PERSON_KEYS);
        size_t nx = tby__index_person_keys(x, xk, TBY__INDEX_MAX_PERSON_KEYS);
        tby__read_key read[TBY__INDEX_MAX_PERSON_KEYS];
        size_t nread = tby__index_read_set(&s->index, &q, NULL, NULL, read);
        size_t shared = 0, hits = 0;
        bool qualifies = false;
        float shared_info = 0.0f;
        uint64_t seen_groups = 0;
        for (size_t i = 0; i < nq; i++)
            shared += has_key(xk, nx, qk[i]);
        for (size_t i = 0; i < nread; i++) {
            if (has_key(xk, nx, read[i].key)) {
                uint64_t bit = read[i].group ? (uint64_t)1 << (read[i].group - 1) : 0;
                if (seen_groups & bit)
                    continue;
                seen_groups |= bit;
                hits += read[i].hits;
                shared_info += read[i].info + 0.01f;
                qualifies = qualifies || read[i].qualifies;
            }
        }
        int result;
        if (!shared) {
            result = NO_KEY;
        } else if (!hits) {
            result = NOT_READ;
        } else if (!qualifies && hits < tby__index_entry_min_hits(tby__index_min_hits(&q),
                                                                  tby__index_entry_is_long(x))) {
            result = FEW_HITS;
        } else {
            size_t n = tby__index_query(&s->index, &scratch, &q, cands, cap);
            bool found = false;
            for (size_t i = 0; i < n && !found; i++)
                found = cands[i].entry == (uint32_t)e;
            if (!found) {
                /* Floor or cap: ask again with no cap. */
                tby__candidate *all = malloc(s->entry_count * sizeof(*all));
                size_t m = tby__index_query(&s->index, &scratch, &q, all, s->entry_count);
                bool above_floor = false;
                for (size_t i = 0; i < m && !above_floor; i++)
                    above_floor = all[i].entry == (uint32_t)e;
                free(all);
                result = above_floor ? CAP : FLOOR;
            } else {
                tby_alert alert;
                memset(&alert, 0, sizeof(alert));
                tby__comparison cmp;
                bool scored = tby__compare(&q, x, &s->freq, 0.5, NULL, &cmp);
                if (scored)
                    tby__model_score(&s->model, &cmp, threshold, &alert);
                result = scored && alert.grade != TBY_GRADE_NONE ? ALERTED : SCORED_BELOW;
            }
        }
        outcome[result]++;
        if (show && result != ALERTED) {
            const tby_record *rr = tby_record_set_get(registry, (size_t)r);
            printf("  lost (%s, shares %.1f of %.1f bits needed, %zu hits of %u, %zu read keys): "
                   "%s [%s %s %s %s | %s] -> %s [%s | %s]\n",
                   outcome_names[result], shared_info,
                   tby__index_candidate_floor(&s->index, read, nread), hits,
                   tby__index_min_hits(&q), nread, rr->id, rr->name ? rr->name : "",
                   rr->given ? rr->given : "", rr->father ? rr->father : "",
                   rr->family ? rr->family : "", rr->alias_count ? rr->aliases[0] : "",
                   x->record->id, x->record->name ? x->record->name : "",
                   x->record->alias_count ? x->record->aliases[0] : "");
        }
        tby__person_dispose(&q);
    }
    fclose(truth);
    /* The work: candidates per query over the whole registry (deterministic, unlike time). */
    size_t *counts = malloc(nr * sizeof(size_t));
    size_t total = 0, queried = 0;
    for (size_t i = 0; i < nr; i++) {
        tby__person q;
        tby_error scratch_err;
        if (tby__person_init(&q, tby_record_set_get(registry, i), &scratch_err))
            continue;
        counts[queried] = tby__index_query(&s->index, &scratch, &q, cands, cap);
        total += counts[queried++];
        tby__person_dispose(&q);
    }
    qsort(counts, queried, sizeof(size_t), size_cmp);
    if (queried)
        printf("candidates per query: mean %.1f, p50 %zu, p99 %zu, max %zu\n",
               (double)total / (double)queried, counts[queried / 2], counts[queried * 99 / 100],
               counts[queried - 1]);
    free(counts);
    printf("true pairs with both sides loaded: %zu\n", pairs);
    for (int i = 0; i < OUTCOMES; i++)
        printf("  %-16s %6zu  %6.2f %%\n", outcome_names[i], outcome[i],
               pairs ? 100.0 * (double)outcome[i] / (double)pairs : 0.0);
    free(cands);
    tby__index_scratch_dispose(&scratch);
    free(entries_ix.at);
    free(reg_ix.at);
    free(entry_ids);
    free(reg_ids);
    tby_screener_free(s);
    tby_record_set_free(list);
    tby_record_set_free(registry);
    return 0;
}
