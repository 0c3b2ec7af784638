// SPDX-License-Identifier: Apache-2.0
// Screening: the list loaded and indexed once, then one record or a whole registry screened
// against it. For each record:
//
//   parse its names once (tby__person) -> index: candidates, rarest keys first
//     -> for each candidate: compare field by field (tby__compare) -> score and grade
//     -> alerts at or above the threshold, best first
//
// Batch screening shares the read-only screener between threads; each thread has its own
// index scratch, and alerts reach the caller through a callback under one mutex.
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index/index.h"
#include "records/evidence.h"
#include "screen/screen_int.h"
#include "util/util_int.h"

/* No cap on candidates by default: whether an entry is a candidate is decided by the pair
 * alone (index.c, candidate_floor), which a cap would undo. */
#define DEFAULT_MAX_CANDIDATES 0
/* Below this name similarity a pair cannot alert, unless a document agrees. */
#define NAME_FLOOR 0.5
/* Fitting works on samples: random pairs for u, screened records for EM. */
#define FIT_RANDOM_PAIRS 20000
#define FIT_EM_RECORDS   4000
#define FIT_FREQ_RECORDS 200000

const char *tby_grade_name(tby_grade grade)
{
    switch (grade) {
    case TBY_GRADE_NONE:
        return "none";
    case TBY_GRADE_IDENTIFIER_CHECK:
        return "identifier_check";
    case TBY_GRADE_PROBABLE:
        return "probable";
    }
    return "none";
}

const char *tby_evidence_field_name(tby_evidence_field field)
{
    static const char *const names[TBY_EVIDENCE_COUNT] = {
        "name", "birth_date", "sex", "mother", "birth_place", "nationality", "documents"};
    return (unsigned)field < TBY_EVIDENCE_COUNT ? names[field] : "unknown";
}

/* ===== Loading ===== */

/* A worker keeps a table of every pair of texts of a field with at most this many texts (1 MB
 * at most; relative_memo). */
#define RELATIVE_SQUARE_MAX 1024u

/* The table of the entries' relatives' texts (relative_texts in screen_int.h). */
static uint64_t relative_text_hash(const char *text, uint8_t field)
{
    return tby__hash64(text, strlen(text)) ^ field;
}

static size_t relative_text_slot(const tby_screener *s, const char *text, uint8_t field, uint64_t h)
{
    size_t at = (size_t)h & (s->relative_text_cap - 1);
    const tby__relative_text *t = s->relative_texts;
    while (t[at].text &&
           !(t[at].hash == h && t[at].field == field && strcmp(t[at].text, text) == 0))
        at = (at + 1) & (s->relative_text_cap - 1);
    return at;
}

/* The number of a text among the entries' (field 0 mother, 1 birth place), 0 when none has it. */
static uint32_t relative_text_id(const tby_screener *s, const char *text, uint8_t field)
{
    if (!text || !s->relative_text_cap)
        return 0;
    size_t at = relative_text_slot(s, text, field, relative_text_hash(text, field));
    return s->relative_texts[at].text ? s->relative_texts[at].id : 0;
}

/*
 * Numbers the distinct texts of the entries' mothers' names and birth places
 * (relative_ids in screen_int.h). A text is parsed from its characters alone
 * (tby__person_init), so two persons with the same text compare alike with anyone.
 * 0 or TBY_ENOMEM.
 */
static int number_relative_texts(tby_screener *s)
{
    size_t n = s->entry_count, cap = 16;
    while (cap < 4 * n)
        cap *= 2;
    s->relative_texts = tby__calloc(cap, sizeof(*s->relative_texts));
    s->relative_ids = tby__calloc(2 * (n ? n : 1), sizeof(*s->relative_ids));
    if (!s->relative_texts || !s->relative_ids)
        return TBY_ENOMEM;
    s->relative_text_cap = cap;
    uint32_t *count = s->relative_text_count;
    for (size_t i = 0; i < n; i++) {
        const tby__person *e = &s->entries[i];
        for (uint8_t field = 0; field < 2; field++) {
            const char *text = field ? e->record->birth_place : e->record->mother;
            if (!(field ? e->place : e->mother) || !text)
                continue;
            uint64_t h = relative_text_hash(text, field);
            size_t at = relative_text_slot(s, text, field, h);
            if (!s->relative_texts[at].text)
                s->relative_texts[at] = (tby__relative_text){h, text, ++count[field], field};
            s->relative_ids[2 * i + field] = s->relative_texts[at].id;
        }
    }
    /* A query's texts are looked up only in the fields with a table of every pair: keep the
     * texts of those alone (133 birth places rather than every mother's name too). */
    size_t keep = 0, small = 16;
    for (uint8_t field = 0; field < 2; field++)
        keep += count[field] <= RELATIVE_SQUARE_MAX ? count[field] : 0;
    while (small < 4 * keep)
        small *= 2;
    tby__relative_text *kept = tby__calloc(small, sizeof(*kept));
    if (!kept)
        return TBY_ENOMEM;
    for (size_t i = 0; i < cap; i++) {
        const tby__relative_text *t = &s->relative_texts[i];
        if (!t->text || count[t->field] > RELATIVE_SQUARE_MAX)
            continue;
        size_t at = (size_t)t->hash & (small - 1);
        while (kept[at].text)
            at = (at + 1) & (small - 1);
        kept[at] = *t;
    }
    tby__free(s->relative_texts);
    s->relative_texts = kept;
    s->relative_text_cap = small;
    return TBY_OK;
}

int tby_screener_new(tby_screener **out, const tby_record_set *list, tby_error *err)
{
    TBY_ASSERT_ARG(out && list);
    int rc = TBY_OK;
    tby_screener *s = tby__calloc(1, sizeof(*s));
    size_t count = tby_record_set_count(list);
    tby__interner interner;
    tby__interner_init(&interner);
    if (!s)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    s->list = list;
    tby__model_init(&s->model);
    tby__freq_init(&s->freq);
    s->entries = tby__calloc(count ? count : 1, sizeof(*s->entries));
    s->list_pos = tby__calloc(count ? count : 1, sizeof(*s->list_pos));
    s->entry_of = tby__malloc((count ? count : 1) * sizeof(*s->entry_of));
    s->brief = tby__calloc(count ? count : 1, sizeof(*s->brief));
    if (!s->entries || !s->list_pos || !s->entry_of || !s->brief) {
        rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < count; i++)
        s->entry_of[i] = SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
        tby_error scratch;
        rc = tby__person_init(&s->entries[s->entry_count], tby_record_set_get(list, i), &scratch);
        if (rc == TBY_ENOMEM) {
            rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
            goto out;
        }
        if (rc) {
            s->skipped++;
            rc = TBY_OK;
            continue;
        }
        s->list_pos[s->entry_count] = i;
        s->entry_of[i] = s->entry_count;
        tby__person *p = &s->entries[s->entry_count++];
        for (uint8_t k = 0; k < p->name_count; k++) {
            if (tby__freq_add_name(&s->freq, p->names[k]) ||
                tby__part_intern(&interner, p->names[k])) {
                rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
                goto out;
            }
        }
        for (uint8_t k = 0; k < p->weak_count; k++) {
            if (tby__part_intern(&interner, p->weak[k])) {
                rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
                goto out;
            }
        }
    }
    if (s->entry_count == 0) {
        rc = tby__error(err, TBY_EEMPTY, -1, "the list has no entry with a usable name");
        goto out;
    }
    if (number_relative_texts(s)) {
        rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
        goto out;
    }
    tby__freq_finish(&s->freq);
    tby__screener_set_caps(s);
    tby__model_set_list_size(&s->model, s->entry_count);
    rc = tby__index_build(&s->index, s->entries, s->entry_count);
    if (rc) {
        rc = tby__error(err, rc, -1, "out of memory building the index");
        goto out;
    }
out:
    tby__interner_dispose(&interner);
    if (rc) {
        tby_screener_free(s);
        return rc;
    }
    *out = s;
    return TBY_OK;
}

void tby__screener_set_caps(tby_screener *s)
{
    for (size_t i = 0; i < s->entry_count; i++) {
        tby__person *e = &s->entries[i];
        e->rarity_cap = tby__rarity_cap(&s->freq, e);
        tby__person_brief(e, e->rarity_cap, &s->brief[i]);
    }
}

void tby_screener_free(tby_screener *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->entry_count; i++)
        tby__person_dispose(&s->entries[i]);
    tby__free(s->entries);
    tby__free(s->list_pos);
    tby__free(s->entry_of);
    tby__free(s->brief);
    tby__free(s->relative_ids);
    tby__free(s->relative_texts);
    tby__index_dispose(&s->index);
    tby__freq_dispose(&s->freq);
    tby__free(s);
}

size_t tby_screener_skipped(const tby_screener *s)
{
    return s ? s->skipped : 0;
}

/* ===== One record ===== */

typedef struct found {
    tby_alert alert;
    tby__comparison cmp;
} found;

static int found_cmp(const void *x, const void *y)
{
    const found *a = x, *b = y;
    if (a->alert.score != b->alert.score)
        return a->alert.score > b->alert.score ? -1 : 1;
    return a->alert.entry_index < b->alert.entry_index ? -1 : 1;
}

/*
 * The levels of one relative field (the mother's name, the birth place) for pairs of texts
 * (relative_ids in screen_int.h), so that a pair is compared once. With few texts in the
 * field (birth places: 133 on the 100,000-entry list) a table of every pair of numbers, kept
 * from query to query, for a query whose text is also an entry's: most registered people
 * share their birth place with many entries. Otherwise each entry text's level for the
 * current query only. (A hash table of pairs of mothers' names, kept from query to query,
 * saved under 1 % of their comparisons.)
 */
typedef struct relative_memo {
    uint32_t texts;  /* the entries' texts in this field */
    uint8_t *square; /* (texts + 1)^2: level + 1 (0: not compared yet); NULL with many texts */
    uint32_t *query; /* texts + 1: the query number that set level_now */
    uint8_t *level_now;
    uint32_t query_text; /* the current query's text number when square, else 0 */
} relative_memo;

static int relative_memo_init(relative_memo *m, uint32_t texts)
{
    memset(m, 0, sizeof(*m));
    m->texts = texts;
    m->query = tby__calloc((size_t)texts + 1, sizeof(*m->query));
    m->level_now = tby__calloc((size_t)texts + 1, sizeof(*m->level_now));
    if (texts <= RELATIVE_SQUARE_MAX)
        m->square = tby__calloc(((size_t)texts + 1) * ((size_t)texts + 1), 1);
    bool ok = m->query && m->level_now && (m->square || texts > RELATIVE_SQUARE_MAX);
    return ok ? TBY_OK : TBY_ENOMEM;
}

static void relative_memo_dispose(relative_memo *m)
{
    tby__free(m->square);
    tby__free(m->query);
    tby__free(m->level_now);
    memset(m, 0, sizeof(*m));
}

/* Per-thread working memory of screening. */
typedef struct screen_work {
    tby__index_scratch scratch;
    tby__part_memo memo;
    tby__candidate *candidates; /* max_candidates slots */
    tby__candidate *before;     /* max_candidates slots, made by the first delta record */
    found *found;               /* grows: alerts of one query */
    size_t found_cap;
    size_t max_candidates;
    tby__bound bound;           /* of the screener's model, made when the work is */
    relative_memo relatives[2]; /* mother, birth place */
    uint32_t query_number;      /* queries scored, for relative_memo.query */
    /* The mother level with the most bits (an upper bound before the mother's name is
     * compared), 0 when that would be a contradiction. */
    uint8_t mother_best;
} screen_work;

static void work_dispose(screen_work *w)
{
    tby__part_memo_dispose(&w->memo);
    tby__index_scratch_dispose(&w->scratch);
    tby__free(w->candidates);
    tby__free(w->before);
    tby__free(w->found);
    relative_memo_dispose(&w->relatives[0]);
    relative_memo_dispose(&w->relatives[1]);
}

static int work_init(screen_work *w, const tby_screener *s, size_t max_candidates)
{
    memset(w, 0, sizeof(*w));
    size_t entries = s->entry_count ? s->entry_count : 1;
    w->max_candidates = max_candidates && max_candidates < entries ? max_candidates : entries;
    w->candidates = tby__malloc(w->max_candidates * sizeof(*w->candidates));
    w->found_cap = 16;
    w->found = tby__malloc(w->found_cap * sizeof(*w->found));
    if (!w->candidates || !w->found || tby__index_scratch_init(&w->scratch, &s->index)) {
        tby__free(w->candidates);
        tby__free(w->found);
        return TBY_ENOMEM;
    }
    if (tby__part_memo_init(&w->memo) ||
        relative_memo_init(&w->relatives[0], s->relative_text_count[0]) ||
        relative_memo_init(&w->relatives[1], s->relative_text_count[1])) {
        work_dispose(w);
        return TBY_ENOMEM;
    }
    tby__bound_init(&w->bound, &s->model);
    const double *mother = w->bound.bits[TBY_EVIDENCE_MOTHER];
    uint8_t best = 1;
    for (uint8_t l = 2; l < tby__level_count(TBY_EVIDENCE_MOTHER); l++)
        best = mother[l] > mother[best] ? l : best;
    w->mother_best = best == 3 ? 0 : best; /* 3: disagree, a contradiction */
    return TBY_OK;
}

/*
 * Candidates are scattered over the list, and most are settled in a fraction of a
 * microsecond by the bound on their identifiers: each one's memory is loaded a few candidates
 * ahead, in steps that follow the pointers (the person's head, then its record, then the
 * record's dates and the person's first names).
 */
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

static void prefetch_entry_head(const tby__person *e)
{
    PREFETCH(e);
    PREFETCH((const char *)e + 64);
}

static void prefetch_entry_record(const tby__person *e)
{
    PREFETCH(e->record);
    PREFETCH((const char *)e + 128);
}

static void prefetch_entry_names(const tby__person *e)
{
    PREFETCH(e->record->birth_dates);
    for (uint8_t k = 0; k < e->name_count && k < 2; k++)
        tby__name_prefetch(e->names[k]);
}

/* The level of the entry's text `id` in field `field` (0 mother, 1 birth place) against the
 * query's, q and e their names. */
static uint8_t relative_level(screen_work *w, uint8_t field, uint32_t id, const tby_name *q,
                              const tby_name *e)
{
    relative_memo *m = &w->relatives[field];
    uint8_t *pair = NULL;
    if (m->query_text) {
        pair = &m->square[(size_t)m->query_text * ((size_t)m->texts + 1) + id];
        if (*pair)
            return (uint8_t)(*pair - 1);
    } else if (m->query[id] == w->query_number) {
        return m->level_now[id];
    }
    uint8_t level = field ? tby__place_level(q, e) : tby__mother_level(q, e);
    if (pair) {
        *pair = (uint8_t)(level + 1);
    } else {
        m->query[id] = w->query_number;
        m->level_now[id] = level;
    }
    return level;
}

/* Room for one more alert in w->found. */
static int found_reserve(screen_work *w, size_t alerts)
{
    if (alerts < w->found_cap)
        return TBY_OK;
    size_t want = w->found_cap * 2;
    found *grown = tby__realloc(w->found, want * sizeof(*grown));
    if (!grown)
        return TBY_ENOMEM;
    w->found = grown;
    w->found_cap = want;
    return TBY_OK;
}

/*
 * Scores an already parsed person against the n candidates in w->candidates; leaves the
 * alerts in w->found, sorted best first, in *alerts_out. 0 or TBY_ENOMEM.
 */
static int score_candidates(const tby_screener *s, screen_work *w, const tby__person *q, size_t n,
                            double threshold, size_t *alerts_out)
{
    size_t alerts = 0;
    tby__part_memo_next(&w->memo);
    if (!w->bound.cut_set || w->bound.cut_threshold != threshold)
        tby__bound_set_threshold(&w->bound, threshold);
    if (++w->query_number == 0) { /* after 2^32 queries: forget the levels of a query */
        for (int f = 0; f < 2; f++) {
            relative_memo *m = &w->relatives[f];
            memset(m->query, 0, ((size_t)m->texts + 1) * sizeof(*m->query));
        }
        w->query_number = 1;
    }
    for (uint8_t f = 0; f < 2; f++) {
        const tby_name *name = f ? q->place : q->mother;
        const char *text = f ? q->record->birth_place : q->record->mother;
        w->relatives[f].query_text =
            name && w->relatives[f].square ? relative_text_id(s, text, f) : 0;
    }
    double q_cap = tby__rarity_cap(&s->freq, q);
    tby__brief q_brief;
    tby__person_brief(q, q_cap, &q_brief);
    /* First the briefs: most candidates cannot alert whatever their names (another birth
     * year, another sex), and that is seen without touching their names or records. */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 8 < n)
            PREFETCH(&s->brief[w->candidates[i + 8].entry]);
        tby__candidate c = w->candidates[i];
        if (tby__bound_may_alert_brief(&w->bound, &q_brief, &s->brief[c.entry], threshold))
            w->candidates[kept++] = c;
    }
    n = kept;
    for (size_t i = 0; i < n; i++) {
        const tby__person *e = &s->entries[w->candidates[i].entry];
        if (found_reserve(w, alerts))
            return TBY_ENOMEM;
        found *f = &w->found[alerts];
        /* Load the next candidates while this one is scored. */
        if (i + 3 < n) {
            prefetch_entry_head(&s->entries[w->candidates[i + 3].entry]);
            PREFETCH(&s->relative_ids[2 * (size_t)w->candidates[i + 3].entry]);
        }
        if (i + 2 < n)
            prefetch_entry_record(&s->entries[w->candidates[i + 2].entry]);
        if (i + 1 < n)
            prefetch_entry_names(&s->entries[w->candidates[i + 1].entry]);
        /* The identifiers first: when they leave no name able to make an alert (another
         * birth date, another sex), the names are not compared. */
        tby__compare_identifiers(q, e, &f->cmp);
        tby__bound_pair pair = {.mother = q->mother && e->mother,
                                .place = q->place && e->place,
                                .weak_alias = q->weak_count || e->weak_count,
                                .rarity_cap = q_cap + e->rarity_cap};
        if (!tby__bound_may_alert(&w->bound, &f->cmp, &pair, threshold))
            continue;
        /* Then the birth place, whose pairs of texts are mostly compared already, with the
         * best mother level; then the mother's name, a few part comparisons. */
        const uint32_t *ids = &s->relative_ids[2 * (size_t)w->candidates[i].entry];
        f->cmp.level[TBY_EVIDENCE_BIRTH_PLACE] =
            pair.place ? relative_level(w, 1, ids[1], q->place, e->place) : 0;
        f->cmp.level[TBY_EVIDENCE_MOTHER] = pair.mother ? w->mother_best : 0;
        pair.relatives_known = true;
        if (pair.place && (!pair.mother || w->mother_best) &&
            !tby__bound_may_alert(&w->bound, &f->cmp, &pair, threshold))
            continue;
        if (pair.mother) {
            f->cmp.level[TBY_EVIDENCE_MOTHER] = relative_level(w, 0, ids[0], q->mother, e->mother);
            if (!tby__bound_may_alert(&w->bound, &f->cmp, &pair, threshold))
                continue;
        }
        double floor = w->candidates[i].via_document ? 0.0 : NAME_FLOOR;
        if (!tby__compare_names(q, e, &s->freq, floor, &w->memo, &f->cmp))
            continue;
        tby_alert *a = &f->alert;
        tby__model_score(&s->model, &f->cmp, threshold, a);
        if (a->grade == TBY_GRADE_NONE)
            continue;
        a->record = q->record;
        a->entry = e->record;
        a->entry_index = s->list_pos[w->candidates[i].entry];
        a->record_name = q->name_text[f->cmp.name_a];
        a->matched_name = e->name_text[f->cmp.name_b];
        a->record_parsed = q->names[f->cmp.name_a];
        a->entry_parsed = e->names[f->cmp.name_b];
        a->name_match = f->cmp.match;
        alerts++;
    }
    qsort(w->found, alerts, sizeof(*w->found), found_cmp);
    *alerts_out = alerts;
    return TBY_OK;
}

/* Finds and scores the candidates of a parsed person (see score_candidates). */
static int screen_person(const tby_screener *s, screen_work *w, const tby__person *q,
                         double threshold, size_t *alerts_out, size_t *scored)
{
    size_t n = tby__index_query(&s->index, &w->scratch, q, w->candidates, w->max_candidates);
    *scored += n;
    return score_candidates(s, w, q, n, threshold, alerts_out);
}

static size_t options_max(const tby_screen_options *opts)
{
    return opts && opts->max_candidates ? opts->max_candidates : DEFAULT_MAX_CANDIDATES;
}

static double options_threshold(const tby_screen_options *opts)
{
    return opts ? opts->threshold : TBY_SCREEN_DEFAULT_THRESHOLD;
}

struct tby_screen_worker {
    const tby_screener *s;
    double threshold;
    screen_work work;
};

int tby_screen_worker_new(tby_screen_worker **out, const tby_screener *s,
                          const tby_screen_options *opts, tby_error *err)
{
    TBY_ASSERT_ARG(out && s);
    tby_screen_worker *w = tby__calloc(1, sizeof(*w));
    if (!w || work_init(&w->work, s, options_max(opts))) {
        tby__free(w);
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    }
    w->s = s;
    w->threshold = options_threshold(opts);
    *out = w;
    return TBY_OK;
}

void tby_screen_worker_free(tby_screen_worker *w)
{
    if (!w)
        return;
    work_dispose(&w->work);
    tby__free(w);
}

int tby_screen_worker_record(tby_screen_worker *w, const tby_record *record, tby_alert_cb on_alert,
                             void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(w && record && on_alert);
    tby__person q;
    int rc = tby__person_init(&q, record, err);
    if (rc)
        return rc;
    size_t scored = 0, alerts = 0;
    if (screen_person(w->s, &w->work, &q, w->threshold, &alerts, &scored))
        rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
    for (size_t i = 0; i < alerts && !rc; i++)
        rc = on_alert(&w->work.found[i].alert, payload);
    tby__person_dispose(&q);
    return rc;
}

/*
 * Appends the list entry at `position` to w->candidates as a candidate of `record` (a pair a
 * delta has to score); returns the new count. An unusable entry is skipped. A shared
 * identity document makes the entry a candidate whatever the names say, as in the index,
 * and scoring then waives the name floor.
 */
static size_t add_position(screen_work *w, const tby_screener *s, const tby_record *record,
                           size_t position, size_t n)
{
    size_t e = position < tby_record_set_count(s->list) ? s->entry_of[position] : SIZE_MAX;
    if (e == SIZE_MAX || n == w->max_candidates)
        return n;
    bool document = tby__documents_agree(record, s->entries[e].record);
    w->candidates[n] = (tby__candidate){(uint32_t)e, 0.0f, document};
    return n + 1;
}

int tby_screen_worker_entries(tby_screen_worker *w, const tby_record *record,
                              const size_t *positions, size_t count, tby_alert_cb on_alert,
                              void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(w && record && on_alert && (positions || !count));
    const tby_screener *s = w->s;
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        n = add_position(&w->work, s, record, positions[i], n);
    tby__person q;
    int rc = tby__person_init(&q, record, err);
    if (rc)
        return rc;
    size_t alerts = 0;
    if (score_candidates(s, &w->work, &q, n, w->threshold, &alerts))
        rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
    for (size_t i = 0; i < alerts && !rc; i++)
        rc = on_alert(&w->work.found[i].alert, payload);
    tby__person_dispose(&q);
    return rc;
}

/*
 * The body of a delta for a person whose names are parsed: `q` complete already (a resident
 * registry's), or `to_complete` the same person, completed here only when a pair is scored.
 */
static int delta_person(tby_screen_worker *w, const tby_keyset *ks, const tby__person *q,
                        tby__person *to_complete, bool *rescreened, size_t *pairs_scored,
                        tby_drop_cb on_drop, tby_alert_cb on_alert, void *payload, tby_error *err)
{
    if (pairs_scored)
        *pairs_scored = 0;
    *rescreened = false;
    const tby_screener *s = w->s;
    const tby_record *record = q->record;
    tby_delta_change changes[TBY_KEYSET_MAX_CHANGES];
    size_t count = 0, alerts = 0, scored = 0;
    if (!w->work.before) {
        w->work.before = tby__malloc(w->work.max_candidates * sizeof(*w->work.before));
        if (!w->work.before)
            return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    }
    tby__keyset_affected_person(ks, s, q, &w->work.scratch, w->work.candidates, w->work.before,
                                w->work.max_candidates, rescreened, changes, TBY_KEYSET_MAX_CHANGES,
                                &count);
    bool scores = *rescreened;
    for (size_t i = 0; i < count && !scores; i++)
        scores = changes[i].change > 0;
    if (scores && to_complete) /* only what is scored needs the rest of the record parsed */
        tby__person_complete(to_complete);
    int rc = TBY_OK;
    if (*rescreened) {
        rc = on_drop(record, NULL, payload);
        if (!rc && screen_person(s, &w->work, q, w->threshold, &alerts, &scored))
            rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
    } else if (count) {
        size_t n = 0;
        for (size_t i = 0; i < count && !rc; i++) {
            if (changes[i].change < 0)
                rc = on_drop(record, changes[i].entry_id, payload);
            else
                n = add_position(&w->work, s, record, changes[i].position, n);
        }
        if (!rc && score_candidates(s, &w->work, q, n, w->threshold, &alerts))
            rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
        if (pairs_scored)
            *pairs_scored = n;
    }
    for (size_t i = 0; i < alerts && !rc; i++)
        rc = on_alert(&w->work.found[i].alert, payload);
    return rc;
}

int tby_screen_worker_delta(tby_screen_worker *w, const tby_keyset *ks, const tby_record *record,
                            bool *rescreened, size_t *pairs_scored, tby_drop_cb on_drop,
                            tby_alert_cb on_alert, void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(w && ks && record && rescreened && on_drop && on_alert);
    if (pairs_scored)
        *pairs_scored = 0;
    *rescreened = false;
    tby__person q;
    tby_error scratch;
    /* The names are all that finding what changed needs; most records stop there. */
    int rc = tby__person_init_names(&q, record, &scratch);
    if (rc == TBY_ENOMEM)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    if (rc)
        return TBY_OK; /* no usable name: never screened, nothing to change */
    rc = delta_person(w, ks, &q, &q, rescreened, pairs_scored, on_drop, on_alert, payload, err);
    tby__person_dispose(&q);
    return rc;
}

int tby__screen_worker_delta_person(tby_screen_worker *w, const tby_keyset *ks,
                                    const tby__person *person, bool *rescreened,
                                    size_t *pairs_scored, tby_drop_cb on_drop,
                                    tby_alert_cb on_alert, void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(w && ks && person && rescreened && on_drop && on_alert);
    return delta_person(w, ks, person, NULL, rescreened, pairs_scored, on_drop, on_alert, payload,
                        err);
}

int tby__screen_worker_delta_read(tby_screen_worker *w, const tby_keyset *ks, const tby__person *q,
                                  const tby__read_key *read, size_t read_count, uint8_t min_hits,
                                  bool *rescreened, size_t *pairs_scored, tby_drop_cb on_drop,
                                  tby_alert_cb on_alert, void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(w && ks && q && (read || !read_count) && rescreened && on_drop && on_alert);
    if (pairs_scored)
        *pairs_scored = 0;
    const tby_screener *s = w->s;
    tby_delta_change changes[TBY_KEYSET_MAX_CHANGES];
    size_t count = 0, alerts = 0, scored = 0;
    tby__keyset_affected_read(ks, s, read, read_count, min_hits, rescreened, changes,
                              TBY_KEYSET_MAX_CHANGES, &count);
    int rc = TBY_OK;
    if (*rescreened) {
        rc = on_drop(q->record, NULL, payload);
        if (!rc && screen_person(s, &w->work, q, w->threshold, &alerts, &scored))
            rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
    } else if (count) {
        size_t n = 0;
        for (size_t i = 0; i < count && !rc; i++) {
            if (changes[i].change < 0)
                rc = on_drop(q->record, changes[i].entry_id, payload);
            else
                n = add_position(&w->work, s, q->record, changes[i].position, n);
        }
        if (!rc && score_candidates(s, &w->work, q, n, w->threshold, &alerts))
            rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
        if (pairs_scored)
            *pairs_scored = n;
    }
    for (size_t i = 0; i < alerts && !rc; i++)
        rc = on_alert(&w->work.found[i].alert, payload);
    return rc;
}

int tby__screen_worker_person(tby_screen_worker *w, const tby__person *person,
                              tby_alert_cb on_alert, void *payload, tby_error *err)
{
    TBY_ASSERT_ARG(w && person && on_alert);
    size_t scored = 0, alerts = 0;
    int rc = TBY_OK;
    if (screen_person(w->s, &w->work, person, w->threshold, &alerts, &scored))
        rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
    for (size_t i = 0; i < alerts && !rc; i++)
        rc = on_alert(&w->work.found[i].alert, payload);
    return rc;
}

int tby_screen_record(const tby_screener *s, const tby_record *record,
                      const tby_screen_options *opts, tby_alert_cb on_alert, void *payload,
                      tby_error *err)
{
    TBY_ASSERT_ARG(s && record && on_alert);
    tby_screen_worker *w = NULL;
    int rc = tby_screen_worker_new(&w, s, opts, err);
    if (rc)
        return rc;
    rc = tby_screen_worker_record(w, record, on_alert, payload, err);
    tby_screen_worker_free(w);
    return rc;
}

/* ===== Batch ===== */

typedef struct batch {
    const tby_screener *s;
    const tby_record_set *registry;
    double threshold;
    size_t max_candidates;
    tby_alert_cb on_alert;
    void *payload;
    tby_progress_cb progress;
    void *progress_payload;
    pthread_mutex_t lock;
    size_t next; /* next record to take (under lock) */
    size_t done;
    int stop_rc; /* non-zero: stop (callback value or ENOMEM) */
    tby_screen_stats stats;
} batch;

#define BATCH_CHUNK 64

static void *batch_worker(void *arg)
{
    batch *b = arg;
    screen_work w;
    size_t total = tby_record_set_count(b->registry);
    tby_screen_stats local = {0};
    if (work_init(&w, b->s, b->max_candidates)) {
        pthread_mutex_lock(&b->lock);
        b->stop_rc = TBY_ENOMEM;
        pthread_mutex_unlock(&b->lock);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&b->lock);
        size_t first = b->next;
        bool stop = b->stop_rc != 0 || first >= total;
        b->next = first + BATCH_CHUNK;
        pthread_mutex_unlock(&b->lock);
        if (stop)
            break;
        size_t last = first + BATCH_CHUNK < total ? first + BATCH_CHUNK : total;
        for (size_t i = first; i < last; i++) {
            tby__person q;
            tby_error scratch;
            if (tby__person_init(&q, tby_record_set_get(b->registry, i), &scratch)) {
                local.skipped++;
                continue;
            }
            local.records++;
            size_t alerts = 0;
            if (screen_person(b->s, &w, &q, b->threshold, &alerts, &local.candidates)) {
                tby__person_dispose(&q);
                pthread_mutex_lock(&b->lock);
                b->stop_rc = TBY_ENOMEM;
                pthread_mutex_unlock(&b->lock);
                break;
            }
            if (alerts) {
                pthread_mutex_lock(&b->lock);
                for (size_t k = 0; k < alerts && !b->stop_rc; k++) {
                    local.alerts[w.found[k].alert.grade]++;
                    int rc = b->on_alert(&w.found[k].alert, b->payload);
                    if (rc)
                        b->stop_rc = rc;
                }
                pthread_mutex_unlock(&b->lock);
            }
            tby__person_dispose(&q);
        }
        pthread_mutex_lock(&b->lock);
        b->done += last - first;
        if (b->progress)
            b->progress(b->done, total, b->progress_payload);
        pthread_mutex_unlock(&b->lock);
    }
    work_dispose(&w);
    pthread_mutex_lock(&b->lock);
    b->stats.records += local.records;
    b->stats.skipped += local.skipped;
    b->stats.candidates += local.candidates;
    for (int g = 0; g < 3; g++)
        b->stats.alerts[g] += local.alerts[g];
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

static unsigned threads_wanted(const tby_screen_options *opts)
{
    if (opts && opts->threads)
        return opts->threads > 256 ? 256 : opts->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

int tby_screen_batch(const tby_screener *s, const tby_record_set *registry,
                     const tby_screen_options *opts, tby_alert_cb on_alert, void *payload,
                     tby_progress_cb progress, void *progress_payload, tby_screen_stats *stats,
                     tby_error *err)
{
    TBY_ASSERT_ARG(s && registry && on_alert);
    batch b;
    memset(&b, 0, sizeof(b));
    b.s = s;
    b.registry = registry;
    b.threshold = options_threshold(opts);
    b.max_candidates = options_max(opts);
    b.on_alert = on_alert;
    b.payload = payload;
    b.progress = progress;
    b.progress_payload = progress_payload;
    if (pthread_mutex_init(&b.lock, NULL))
        return tby__error(err, TBY_ERROR, -1, "cannot create a mutex");
    unsigned nthreads = threads_wanted(opts);
    pthread_t threads[256];
    unsigned started = 0;
    for (; started < nthreads; started++) {
        if (pthread_create(&threads[started], NULL, batch_worker, &b))
            break;
    }
    if (started == 0)
        batch_worker(&b); /* no thread could be started: do the work here */
    for (unsigned t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    pthread_mutex_destroy(&b.lock);
    if (stats)
        *stats = b.stats;
    if (b.stop_rc == TBY_ENOMEM)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    return b.stop_rc;
}

/* ===== Fitting ===== */

/* A small deterministic generator (xorshift64*), so fitting is reproducible. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Parsing a sample of the registry for fitting, on every core: one slice of it a thread. */
typedef struct fit_slice {
    const tby_record_set *registry;
    tby__person *people; /* one slot per sampled record */
    uint8_t *parsed;     /* whether the slot holds a person */
    size_t from, to, sample;
} fit_slice;

static size_t fit_sample_at(size_t i, size_t reg_count, size_t sample)
{
    return (size_t)((double)i * (double)reg_count / (double)sample);
}

static void *fit_parse_slice(void *arg)
{
    fit_slice *sl = arg;
    size_t reg_count = tby_record_set_count(sl->registry);
    for (size_t i = sl->from; i < sl->to; i++) {
        tby_error scratch;
        const tby_record *r =
            tby_record_set_get(sl->registry, fit_sample_at(i, reg_count, sl->sample));
        sl->parsed[i] = tby__person_init(&sl->people[i], r, &scratch) == TBY_OK;
    }
    return NULL;
}

/*
 * Parses `sample` records spread evenly over the registry into people, in order, leaving out
 * those with no usable name; returns how many it kept. Slices that get no thread (or no
 * memory for the flags: then everything) run on this one.
 */
static size_t fit_parse_sample(const tby_record_set *registry, tby__person *people, size_t sample)
{
    enum { MAX_SLICES = 8 };
    uint8_t *parsed = tby__calloc(sample ? sample : 1, 1);
    if (!parsed) {
        size_t kept = 0, reg_count = tby_record_set_count(registry);
        for (size_t i = 0; i < sample; i++) {
            tby_error scratch;
            const tby_record *r = tby_record_set_get(registry, fit_sample_at(i, reg_count, sample));
            kept += tby__person_init(&people[kept], r, &scratch) == TBY_OK;
        }
        return kept;
    }
    unsigned threads = threads_wanted(NULL);
    threads = sample < 1024 ? 1 : threads > MAX_SLICES ? MAX_SLICES : threads;
    fit_slice slices[MAX_SLICES];
    pthread_t tids[MAX_SLICES];
    bool started[MAX_SLICES] = {false};
    for (unsigned t = 0; t < threads; t++) {
        slices[t] = (fit_slice){
            registry, people, parsed, sample * t / threads, sample * (t + 1) / threads, sample};
        if (t > 0)
            started[t] = !pthread_create(&tids[t], NULL, fit_parse_slice, &slices[t]);
    }
    for (unsigned t = 0; t < threads; t++) {
        if (!started[t])
            fit_parse_slice(&slices[t]);
    }
    for (unsigned t = 1; t < threads; t++) {
        if (started[t])
            pthread_join(tids[t], NULL);
    }
    size_t kept = 0;
    for (size_t i = 0; i < sample; i++) {
        if (parsed[i])
            people[kept++] = people[i];
    }
    tby__free(parsed);
    return kept;
}

int tby_screener_fit(tby_screener *s, const tby_record_set *registry, tby_error *err)
{
    TBY_ASSERT_ARG(s);
    int rc = TBY_OK;
    size_t reg_count = registry ? tby_record_set_count(registry) : 0;
    /* The registry side: registry records, or the list itself when there is no registry. */
    size_t side_count = reg_count ? reg_count : s->entry_count;
    size_t sample = side_count < FIT_FREQ_RECORDS ? side_count : FIT_FREQ_RECORDS;
    size_t em_sample = side_count < FIT_EM_RECORDS ? side_count : FIT_EM_RECORDS;
    tby__person *people = tby__calloc(sample ? sample : 1, sizeof(*people));
    tby__comparison *pairs = tby__malloc(FIT_RANDOM_PAIRS * sizeof(*pairs));
    size_t people_count = 0, pair_count = 0, cap_em = 0, em_count = 0;
    tby__comparison *em = NULL;
    screen_work w;
    bool have_work = false;
    if (!people || !pairs) {
        rc = TBY_ENOMEM;
        goto out;
    }
    uint64_t state = 0x9E3779B97F4A7C15ull;
    /* 1. Frequencies over the list and a sample of the registry, spread evenly over it. */
    if (reg_count) {
        tby__freq fresh;
        tby__freq_init(&fresh);
        for (size_t i = 0; i < s->entry_count && !rc; i++) {
            for (uint8_t k = 0; k < s->entries[i].name_count && !rc; k++)
                rc = tby__freq_add_name(&fresh, s->entries[i].names[k]);
        }
        people_count = fit_parse_sample(registry, people, sample);
        for (size_t i = 0; i < people_count && !rc; i++) {
            const tby__person *p = &people[i];
            for (uint8_t k = 0; k < p->name_count && !rc; k++)
                rc = tby__freq_add_name(&fresh, p->names[k]);
        }
        if (rc) {
            tby__freq_dispose(&fresh);
            goto out;
        }
        tby__freq_finish(&fresh);
        tby__freq_dispose(&s->freq);
        s->freq = fresh;
        tby__screener_set_caps(s);
    }
    const tby__person *side = reg_count ? people : s->entries;
    size_t side_n = reg_count ? people_count : s->entry_count;
    if (!side_n)
        goto out;
    /* 2. u from random pairs (different persons with overwhelming probability). */
    for (size_t k = 0; k < FIT_RANDOM_PAIRS; k++) {
        const tby__person *a = &side[rng_next(&state) % side_n];
        const tby__person *e = &s->entries[rng_next(&state) % s->entry_count];
        if (a->record == e->record)
            continue;
        tby__compare(a, e, &s->freq, 0.0, NULL, &pairs[pair_count++]);
    }
    tby__model_fit_u(&s->model, pairs, pair_count);
    /* 3. m and lambda by EM over the candidate pairs of a sample of records. */
    if (work_init(&w, s, DEFAULT_MAX_CANDIDATES)) {
        rc = TBY_ENOMEM;
        goto out;
    }
    have_work = true;
    for (size_t i = 0; i < em_sample && i < side_n; i++) {
        size_t at = (size_t)((double)i * (double)side_n / (double)em_sample);
        const tby__person *q = &side[at];
        size_t n = tby__index_query(&s->index, &w.scratch, q, w.candidates, w.max_candidates);
        tby__part_memo_next(&w.memo);
        for (size_t c = 0; c < n; c++) {
            const tby__person *e = &s->entries[w.candidates[c].entry];
            if (e->record == q->record)
                continue; /* the list against itself: an entry is not its own candidate */
            if (em_count == cap_em) {
                size_t want = cap_em ? cap_em * 2 : 4096;
                tby__comparison *grown = tby__realloc(em, want * sizeof(*em));
                if (!grown) {
                    rc = TBY_ENOMEM;
                    goto out;
                }
                em = grown;
                cap_em = want;
            }
            if (tby__compare(q, e, &s->freq, NAME_FLOOR, &w.memo, &em[em_count]))
                em_count++;
        }
    }
    tby__model_fit_em(&s->model, em, em_count, em_sample < side_n ? em_sample : side_n,
                      s->entry_count);
out:
    if (have_work)
        work_dispose(&w);
    for (size_t i = 0; i < people_count; i++)
        tby__person_dispose(&people[i]);
    tby__free(people);
    tby__free(pairs);
    tby__free(em);
    if (rc)
        return tby__error(err, rc, -1, "out of memory while fitting the model");
    return TBY_OK;
}

/* ===== Description ===== */

int tby_screener_describe(char **out, const tby_screener *s)
{
    TBY_ASSERT_ARG(out && s);
    tby_buf buf = TBY_BUF_INIT(1024 * 1024);
    const tby__model *m = &s->model;
    tby__buf_printf(&buf,
                    "list: %zu entries (%zu skipped), index %zu keys, %zu postings, %.1f MB\n",
                    s->entry_count, s->skipped, s->index.cap, s->index.posting_count,
                    (double)tby__index_bytes(&s->index) / 1e6);
    tby__buf_printf(&buf,
                    "name parts counted: %llu, distinct %zu, information of a random part "
                    "%.1f bits\n",
                    (unsigned long long)s->freq.total, s->freq.used, s->freq.entropy_bits);
    tby__buf_printf(&buf,
                    "model: %s; u from %zu random pairs; m and prior by EM over %zu candidate "
                    "pairs (%d iterations)\n",
                    m->fitted ? "fitted to the data" : "documented priors (not fitted)", m->u_pairs,
                    m->em_pairs, m->em_iterations);
    tby__buf_printf(&buf,
                    "share of registered people estimated to be on the list: %.4f; prior of a "
                    "random pair %.3g (%+.1f bits)\n\n",
                    m->share_on_list, m->lambda, log2(m->lambda) - log2(1.0 - m->lambda));
    tby__buf_printf(&buf, "%-12s %-14s %10s %10s %8s\n", "field", "level", "m", "u", "bits");
    for (int f = 0; f < TBY_EVIDENCE_COUNT; f++) {
        for (int l = 1; l < tby__level_count((tby_evidence_field)f); l++) {
            tby__buf_printf(&buf, "%-12s %-14s %10.6f %10.6f %+8.2f\n",
                            tby_evidence_field_name((tby_evidence_field)f),
                            tby__level_name((tby_evidence_field)f, l), m->m[f][l], m->u[f][l],
                            log2(m->m[f][l] / m->u[f][l]));
        }
    }
    if (!buf.ptr)
        return TBY_ENOMEM;
    *out = tby__buf_detach(&buf);
    return *out ? TBY_OK : TBY_ENOMEM;
}
