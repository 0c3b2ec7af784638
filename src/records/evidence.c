// SPDX-License-Identifier: Apache-2.0
// The evidence model: two persons -> field levels -> calibrated score and grade.
//
// Fellegi-Sunter: every field of a pair falls into one level (birth date exact, year, one
// year apart, disagree ...). A level l of field f has m = P(l | same person) and
// u = P(l | different persons), and adds log2(m / u) bits; a missing field adds nothing.
//
//   bits  = log2(lambda / (1 - lambda))                    prior: share of true pairs
//         + sum over fields of log2(m[f][level] / u[f][level])
//         + rarity bits of the agreeing name parts         (Winkler's frequency adjustment)
//   score = 1 / (1 + 2^-bits)
//
// u is measured on random pairs of the loaded data, m and lambda by EM over candidate pairs
// (docs/internals/evidence.md). The name level says how alike the names are; the rarity bits
// say how much that agreement proves: a shared "Muhammad" carries about 3.5 bits of
// information, a rare given name 15, and the adjustment is measured against the average part
// (half of the difference, capped, because the parts of one chain are not independent).
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "names/keys.h"
#include "records/evidence.h"
#include "util/util_int.h"

/* ===== Frequencies ===== */

void tby__freq_init(tby__freq *freq)
{
    memset(freq, 0, sizeof(*freq));
}

void tby__freq_dispose(tby__freq *freq)
{
    tby__free(freq->keys);
    tby__free(freq->counts);
    memset(freq, 0, sizeof(*freq));
}

static int freq_grow(tby__freq *freq)
{
    size_t cap = freq->cap ? freq->cap * 2 : 1024;
    uint64_t *keys = tby__calloc(cap, sizeof(*keys));
    uint32_t *counts = tby__calloc(cap, sizeof(*counts));
    if (!keys || !counts) {
        tby__free(keys);
        tby__free(counts);
        return TBY_ENOMEM;
    }
    for (size_t i = 0; i < freq->cap; i++) {
        if (!freq->keys[i])
            continue;
        size_t at = freq->keys[i] & (cap - 1);
        while (keys[at])
            at = (at + 1) & (cap - 1);
        keys[at] = freq->keys[i];
        counts[at] = freq->counts[i];
    }
    tby__free(freq->keys);
    tby__free(freq->counts);
    freq->keys = keys;
    freq->counts = counts;
    freq->cap = cap;
    return TBY_OK;
}

static size_t freq_slot(const tby__freq *freq, uint64_t key)
{
    size_t at = key & (freq->cap - 1);
    while (freq->keys[at] && freq->keys[at] != key)
        at = (at + 1) & (freq->cap - 1);
    return at;
}

int tby__freq_add_name(tby__freq *freq, const tby_name *name)
{
    for (size_t i = 0; i < tby_name_part_count(name); i++) {
        char skel[TBY__SKELETON_MAX];
        size_t len = tby__part_skeleton(tby_name_part_at(name, i), skel);
        if (!len)
            continue;
        if ((freq->used + 1) * 2 > freq->cap && freq_grow(freq))
            return TBY_ENOMEM;
        uint64_t key = tby__skeleton_hash(skel, len);
        size_t at = freq_slot(freq, key);
        if (!freq->keys[at]) {
            freq->keys[at] = key;
            freq->used++;
        }
        if (freq->counts[at] < UINT32_MAX)
            freq->counts[at]++;
        freq->total++;
    }
    return TBY_OK;
}

int tby__freq_set(tby__freq *freq, uint64_t key, uint32_t count)
{
    if ((freq->used + 1) * 2 > freq->cap && freq_grow(freq))
        return TBY_ENOMEM;
    size_t at = freq_slot(freq, key);
    if (!freq->keys[at]) {
        freq->keys[at] = key;
        freq->used++;
    }
    freq->counts[at] = count;
    return TBY_OK;
}

void tby__freq_finish(tby__freq *freq)
{
    double h = 0.0;
    for (size_t i = 0; i < freq->cap; i++) {
        if (!freq->keys[i])
            continue;
        double p = (double)freq->counts[i] / (double)freq->total;
        h -= p * log2(p);
    }
    freq->entropy_bits = h;
}

uint32_t tby__freq_count(const tby__freq *freq, uint64_t key)
{
    if (!freq->cap)
        return 0;
    size_t at = freq_slot(freq, key);
    return freq->keys[at] ? freq->counts[at] : 0;
}

double tby__freq_share(const tby__freq *freq, uint64_t key)
{
    if (!freq->total)
        return 0.0;
    uint32_t count = tby__freq_count(freq, key);
    return (double)(count ? count : 1) / (double)freq->total;
}

/* ===== Levels ===== */

/* name: full (>= 0.85 on three or more parts), close (>= 0.85, or >= 0.75 on three parts),
 * partial (>= 0.65), weak. */
static const char *const name_levels[] = {"missing", "full", "close", "partial", "weak"};
static const char *const date_levels[] = {"missing", "exact",        "month",  "year",
                                          "swapped", "one year off", "window", "disagree"};
static const char *const sex_levels[] = {"missing", "agree", "disagree"};
static const char *const mother_levels[] = {"missing", "agree", "partial", "disagree", "alike"};
static const char *const place_levels[] = {"missing", "agree", "disagree"};
static const char *const nationality_levels[] = {"missing", "agree", "disagree"};
static const char *const document_levels[] = {"missing", "agree", "disagree"};

static const char *const *const level_names[TBY_EVIDENCE_COUNT] = {
    name_levels,  date_levels,        sex_levels,     mother_levels,
    place_levels, nationality_levels, document_levels};
static const int level_counts[TBY_EVIDENCE_COUNT] = {5, 8, 3, 5, 3, 3, 3};

int tby__level_count(tby_evidence_field field)
{
    return (unsigned)field < TBY_EVIDENCE_COUNT ? level_counts[field] : 0;
}

const char *tby__level_name(tby_evidence_field field, int level)
{
    if ((unsigned)field >= TBY_EVIDENCE_COUNT || level < 0 || level >= level_counts[field])
        return "missing";
    return level_names[field][level];
}

/* ===== Comparison ===== */

/* Aligned parts that agree (similarity >= 0.75: a transliteration with a vowel or two
 * changed still agrees), kunyas not counted. */
static size_t agreeing_parts(const tby_name *a, const tby_name *b, const tby_name_match *match)
{
    size_t k = 0;
    for (size_t i = 0; i < match->link_count; i++) {
        const tby_name_link *l = &match->links[i];
        if (l->a_count && l->b_count && l->similarity >= 0.75 &&
            tby_name_part_at(a, l->a_first)->role != TBY_ROLE_KUNYA &&
            tby_name_part_at(b, l->b_first)->role != TBY_ROLE_KUNYA)
            k++;
    }
    return k;
}

/*
 * Name levels: how alike the best pair of names is, and on how many parts. Three or more
 * agreeing parts (a full chain) are far rarer among different people than two, even when the
 * overall similarity is the same.
 */
static uint8_t name_level(double score, size_t agreeing)
{
    if (score >= 0.85 && agreeing >= 3)
        return 1;
    if (score >= 0.85 || (score >= 0.75 && agreeing >= 3))
        return 2;
    return score >= 0.65 ? 3 : 4;
}

/*
 * Aligns two names and says whether every part of the shorter one was found with at least
 * `min_sim`, and (when given_sim is not NULL) how alike the two first parts, the given
 * names, are when they were aligned with each other (0 when they were not).
 */
static bool shorter_found(const tby_name *a, const tby_name *b, double min_sim, double *given_sim)
{
    tby_name_match match;
    tby_name_compare(a, b, &match);
    size_t na = tby_name_part_count(a), nb = tby_name_part_count(b);
    size_t shorter = na < nb ? na : nb;
    size_t found = 0;
    if (given_sim)
        *given_sim = 0.0;
    for (size_t i = 0; i < match.link_count; i++) {
        const tby_name_link *l = &match.links[i];
        if (!l->a_count || !l->b_count)
            continue;
        if (given_sim && l->a_first == 0 && l->b_first == 0)
            *given_sim = l->similarity;
        if (l->similarity >= min_sim)
            found++; /* a merged row is one part on its shorter side */
    }
    return found >= shorter;
}

/*
 * Places: "Abeibara, Mali" and "Abeibara, Kidal Region, Mali" agree; every word of the
 * shorter one must be found in the longer (in either script).
 */
static uint8_t place_level(const tby_name *a, const tby_name *b)
{
    return shorter_found(a, b, 0.8, NULL) ? 1 : 2;
}

/*
 * The mother's name is often recorded as her given name only (Iraq) or with her father's or
 * family name (Syria; arabic-names.md 1.8), so it agrees on what both sides have: every part
 * of the shorter record found (agree when that is two parts or more), or the given names
 * alike (partial); given names less alike than that but close make a level of their own
 * (alike), else disagree.
 */
#define MOTHER_AGREE_SIM 0.85
#define MOTHER_ALIKE_SIM 0.7

static uint8_t mother_level(const tby_name *a, const tby_name *b)
{
    double given_sim;
    bool all = shorter_found(a, b, MOTHER_AGREE_SIM, &given_sim);
    size_t na = tby_name_part_count(a), nb = tby_name_part_count(b);
    if (all && (na < nb ? na : nb) >= 2)
        return 1;
    if (given_sim >= MOTHER_AGREE_SIM)
        return 2;
    /* Given names that are alike without agreeing (Narjis and Narges, a letter mistyped)
     * are a level of their own, neither agreement nor the contradiction that disagreement
     * is (tby__model_score); the model weighs it like every level. */
    return given_sim >= MOTHER_ALIKE_SIM ? 4 : 3;
}

/* Query name ids in the part memo: names 0.., weak aliases from MEMO_WEAK_ID. */
#define MEMO_WEAK_ID 32

/*
 * The best pair of names and its alignment. Each pair is aligned once, into whichever of
 * `match` and a spare does not hold the best so far: aligning the best pair again would cost
 * as much as the first time (merges and leftovers are not remembered).
 */
static double best_name(const tby__person *a, const tby__person *b, uint8_t *ia, uint8_t *ib,
                        tby__part_memo *memo, tby_name_match *match)
{
    double best = -1.0;
    tby_name_match spare;
    tby_name_match *work = match, *kept = NULL;
    for (uint8_t i = 0; i < a->name_count; i++) {
        for (uint8_t j = 0; j < b->name_count; j++) {
            double s = tby__name_compare_memo(a->names[i], i, b->names[j], work, memo);
            if (s > best) {
                best = s;
                *ia = i;
                *ib = j;
                kept = work;
                work = work == match ? &spare : match;
            }
        }
    }
    if (!kept)
        tby__name_compare_memo(a->names[*ia], *ia, b->names[*ib], match, memo);
    else if (kept != match)
        memcpy(match, kept,
               offsetof(tby_name_match, links) + kept->link_count * sizeof(kept->links[0]));
    return best;
}

/* `memo` only when `a` is the query (the memo is keyed by the query's parts). */
static bool weak_alias_agrees(const tby__person *a, const tby__person *b, tby__part_memo *memo)
{
    for (uint8_t w = 0; w < b->weak_count; w++) {
        for (uint8_t i = 0; i < a->name_count; i++) {
            if (tby__name_compare_memo(a->names[i], i, b->weak[w], NULL, memo) >= 0.85)
                return true;
        }
        for (uint8_t i = 0; i < a->weak_count; i++) {
            if (tby__name_compare_memo(a->weak[i], MEMO_WEAK_ID + i, b->weak[w], NULL, memo) >=
                0.85)
                return true;
        }
    }
    return false;
}

/*
 * Rarity of the agreeing parts, relative to an average part (see the file comment). Each
 * aligned row that agrees well counts the information of the rarer side's value.
 */
/* The rarity adjustment is kept within +-8 bits. */
#define RARITY_MAX_BITS 8.0

static double rarity_bits(const tby__freq *freq, const tby_name *a, const tby_name *b,
                          const tby_name_match *match)
{
    if (!freq || !freq->total)
        return 0.0;
    double bits = 0.0;
    for (size_t k = 0; k < match->link_count; k++) {
        const tby_name_link *l = &match->links[k];
        if (!l->a_count || !l->b_count || l->similarity < 0.7)
            continue;
        double info = -1.0; /* stays negative when neither side's key says anything */
        for (int side = 0; side < 2; side++) {
            const tby_name *n = side ? b : a;
            size_t first = side ? l->b_first : l->a_first;
            char skel[TBY__SKELETON_MAX];
            const tby_name_part *part = tby_name_part_at(n, first);
            size_t len = tby__part_skeleton(part, skel);
            /* A one-consonant key (Iyad: T) is shared by too many unrelated names to say how
             * rare the name is, unless the name is itself one of the very common ones. */
            if (!len || (len < 2 && !(part->flags & TBY_PART_COMMON)))
                continue;
            double i_side = -log2(tby__freq_share(freq, tby__skeleton_hash(skel, len)));
            if (i_side > info)
                info = i_side;
        }
        if (info < 0.0)
            continue;
        bits += 0.5 * (info - freq->entropy_bits) * l->similarity;
    }
    if (bits > RARITY_MAX_BITS)
        bits = RARITY_MAX_BITS;
    if (bits < -RARITY_MAX_BITS)
        bits = -RARITY_MAX_BITS;
    return bits;
}

double tby__rarity_cap(const tby__freq *freq, const tby__person *p)
{
    if (!freq || !freq->total)
        return 0.0;
    double cap = 0.0;
    for (uint8_t k = 0; k < p->name_count; k++) {
        const tby_name *n = p->names[k];
        double sum = 0.0;
        for (size_t i = 0; i < tby_name_part_count(n); i++) {
            char skel[TBY__SKELETON_MAX];
            const tby_name_part *part = tby_name_part_at(n, i);
            size_t len = tby__part_skeleton(part, skel); /* as in rarity_bits */
            if (!len || (len < 2 && !(part->flags & TBY_PART_COMMON)))
                continue;
            double info = -log2(tby__freq_share(freq, tby__skeleton_hash(skel, len)));
            if (info > freq->entropy_bits)
                sum += 0.5 * (info - freq->entropy_bits);
        }
        if (sum > cap)
            cap = sum;
    }
    return cap;
}

static uint8_t date_level(const tby_record *a, const tby_record *b)
{
    tby_date_match m = tby_date_compare_best(a->birth_dates, a->birth_date_count, b->birth_dates,
                                             b->birth_date_count);
    switch (m.agreement) {
    case TBY_DATEMATCH_MISSING:
        return 0;
    case TBY_DATEMATCH_EXACT:
        return 1;
    case TBY_DATEMATCH_MONTH:
        return 2;
    case TBY_DATEMATCH_YEAR:
        return 3;
    case TBY_DATEMATCH_SWAPPED:
        return 4;
    case TBY_DATEMATCH_WITHIN_1Y:
        return 5;
    case TBY_DATEMATCH_WINDOW:
        return 6;
    case TBY_DATEMATCH_DISAGREE:
        return 7;
    }
    return 0;
}

static uint8_t document_level(const tby_record *a, const tby_record *b)
{
    uint8_t level = 0;
    for (size_t i = 0; i < a->document_count; i++) {
        for (size_t j = 0; j < b->document_count; j++) {
            if (strcmp(a->documents[i].type, b->documents[j].type))
                continue;
            if (!strcmp(a->documents[i].number, b->documents[j].number))
                return 1; /* any agreeing document settles it */
            level = 2;
        }
    }
    return level;
}

bool tby__documents_agree(const tby_record *a, const tby_record *b)
{
    return document_level(a, b) == 1;
}

/*
 * Nationalities agree when any pair is equal. They disagree only when both sides are known
 * codes (or the very same unmapped name): a country name the table does not know says
 * nothing against a code, which is missing evidence, not contradiction.
 */
static uint8_t nationality_level(const tby__person *a, const tby__person *b)
{
    if (!a->nationality_count || !b->nationality_count)
        return 0;
    bool comparable = false;
    for (uint8_t i = 0; i < a->nationality_count; i++) {
        for (uint8_t j = 0; j < b->nationality_count; j++) {
            if (!strcmp(a->nationality[i], b->nationality[j]))
                return 1;
            comparable = comparable || (tby__nationality_is_code(a->nationality[i]) &&
                                        tby__nationality_is_code(b->nationality[j]));
        }
    }
    return comparable ? 2 : 0;
}

/*
 * True when the names agree only on weak parts: a kunya and a nisba (Abu Mustafa al-Afari
 * against the same) identify nobody, whatever the similarity (arabic-names.md 1.7).
 */
static bool agrees_only_on_weak_parts(const tby_name *a, const tby_name *b,
                                      const tby_name_match *match)
{
    for (size_t k = 0; k < match->link_count; k++) {
        const tby_name_link *l = &match->links[k];
        if (!l->a_count || !l->b_count || l->similarity < 0.7)
            continue;
        tby_role ra = tby_name_part_at(a, l->a_first)->role;
        tby_role rb = tby_name_part_at(b, l->b_first)->role;
        bool weak_a = ra == TBY_ROLE_KUNYA || ra == TBY_ROLE_NISBA;
        bool weak_b = rb == TBY_ROLE_KUNYA || rb == TBY_ROLE_NISBA;
        if (!weak_a && !weak_b)
            return false;
    }
    return true;
}

void tby__compare_identifiers(const tby__person *a, const tby__person *b, tby__comparison *out)
{
    const tby_record *ra = a->record, *rb = b->record;
    out->level[TBY_EVIDENCE_BIRTH_DATE] = date_level(ra, rb);
    out->level[TBY_EVIDENCE_SEX] = (ra->sex == TBY_SEX_UNKNOWN || rb->sex == TBY_SEX_UNKNOWN) ? 0
                                   : ra->sex == rb->sex                                       ? 1
                                                                                              : 2;
    out->level[TBY_EVIDENCE_NATIONALITY] = nationality_level(a, b);
    out->level[TBY_EVIDENCE_DOCUMENT] = document_level(ra, rb);
}

void tby__compare_relatives(const tby__person *a, const tby__person *b, tby__comparison *out)
{
    out->level[TBY_EVIDENCE_MOTHER] =
        a->mother && b->mother ? mother_level(a->mother, b->mother) : 0;
    out->level[TBY_EVIDENCE_BIRTH_PLACE] =
        a->place && b->place ? place_level(a->place, b->place) : 0;
}

uint8_t tby__mother_level(const tby_name *a, const tby_name *b)
{
    return mother_level(a, b);
}

uint8_t tby__place_level(const tby_name *a, const tby_name *b)
{
    return place_level(a, b);
}

bool tby__compare_names(const tby__person *a, const tby__person *b, const tby__freq *freq,
                        double name_floor, tby__part_memo *memo, tby__comparison *out)
{
    out->name_score = best_name(a, b, &out->name_a, &out->name_b, memo, &out->match);
    if (out->name_score < name_floor)
        return false;
    out->level[TBY_EVIDENCE_NAME] = name_level(
        out->name_score, agreeing_parts(a->names[out->name_a], b->names[out->name_b], &out->match));
    /* A kunya-only agreement (a list entry known only as "Abu X al-Y") is weighted down to
     * partial and needs another field to agree before it alerts (arabic-names.md 5.3). */
    out->names_only_weak =
        agrees_only_on_weak_parts(a->names[out->name_a], b->names[out->name_b], &out->match);
    if (out->names_only_weak && out->level[TBY_EVIDENCE_NAME] < 3)
        out->level[TBY_EVIDENCE_NAME] = 3;
    out->weak_alias_agrees = weak_alias_agrees(a, b, memo) || weak_alias_agrees(b, a, NULL);
    out->rarity_bits = rarity_bits(freq, a->names[out->name_a], b->names[out->name_b], &out->match);
    return true;
}

bool tby__compare(const tby__person *a, const tby__person *b, const tby__freq *freq,
                  double name_floor, tby__part_memo *memo, tby__comparison *out)
{
    if (!tby__compare_names(a, b, freq, name_floor, memo, out))
        return false;
    tby__compare_identifiers(a, b, out);
    tby__compare_relatives(a, b, out);
    return true;
}

/* ===== Model ===== */

/*
 * Prior m and u per level (index 0, missing, unused). They are the starting point of EM and
 * its pseudo-counts, and all the model has before tby_screener_fit. Sources: arabic-names.md
 * 5.2 for name collisions and administrative default dates; the rest are conservative
 * guesses that fitting replaces.
 */
static const double prior_m[TBY_EVIDENCE_COUNT][TBY_LEVEL_MAX] = {
    {0, 0.70, 0.20, 0.08, 0.02},
    {0, 0.45, 0.05, 0.25, 0.03, 0.12, 0.07, 0.03},
    {0, 0.98, 0.02},
    {0, 0.80, 0.12, 0.04, 0.04},
    {0, 0.70, 0.30},
    {0, 0.90, 0.10},
    {0, 0.97, 0.03},
};
static const double prior_u[TBY_EVIDENCE_COUNT][TBY_LEVEL_MAX] = {
    {0, 0.0005, 0.002, 0.01, 0.9875},
    {0, 0.0003, 0.0005, 0.03, 0.0003, 0.06, 0.05, 0.8589},
    {0, 0.5, 0.5},
    {0, 0.03, 0.08, 0.85, 0.04},
    {0, 0.10, 0.90},
    {0, 0.50, 0.50},
    {0, 0.000001, 0.999999},
};
/* Prior share of registered people who are on the list, before fitting. */
#define PRIOR_SHARE 0.01
/* Weight of the prior u, in random pairs (see tby__model_fit_u). */
#define U_PRIOR_PAIRS 1000.0
/* Pseudo-counts of the prior m in EM (keeps small lists from over-fitting). */
#define EM_PRIOR_WEIGHT 20.0
#define EM_ITERATIONS   25
#define PROB_FLOOR      1e-6

void tby__model_complete(tby__model *model)
{
    for (int f = 0; f < TBY_EVIDENCE_COUNT; f++) {
        for (int l = 1; l < level_counts[f]; l++) {
            if (!(model->m[f][l] > 0.0) || !(model->u[f][l] > 0.0)) {
                model->m[f][l] = prior_m[f][l];
                model->u[f][l] = prior_u[f][l];
            }
        }
    }
}

void tby__model_init(tby__model *model)
{
    memset(model, 0, sizeof(*model));
    memcpy(model->m, prior_m, sizeof(prior_m));
    memcpy(model->u, prior_u, sizeof(prior_u));
    model->share_on_list = PRIOR_SHARE;
    model->lambda = PRIOR_SHARE; /* for a list of one entry until tby__model_set_list_size */
}

void tby__model_fit_u(tby__model *model, const tby__comparison *pairs, size_t count)
{
    if (!count)
        return;
    for (int f = 0; f < TBY_EVIDENCE_COUNT; f++) {
        double seen[TBY_LEVEL_MAX] = {0};
        double total = 0.0;
        for (size_t k = 0; k < count; k++) {
            uint8_t l = pairs[k].level[f];
            if (l) {
                seen[l] += 1.0;
                total += 1.0;
            }
        }
        if (total < 30.0)
            continue; /* too few observations: keep the prior */
        /* The prior counts as U_PRIOR_PAIRS observations: a level that random pairs rarely
         * reach (two namesakes) needs far more pairs than a sample holds to be estimated,
         * and an estimate of zero would make that level infinitely strong. */
        for (int l = 1; l < level_counts[f]; l++)
            model->u[f][l] = (seen[l] + U_PRIOR_PAIRS * prior_u[f][l]) / (total + U_PRIOR_PAIRS);
    }
    model->u_pairs = count;
}

static double pair_log_ratio(const tby__model *model, const tby__comparison *c)
{
    double r = 0.0;
    for (int f = 0; f < TBY_EVIDENCE_COUNT; f++) {
        uint8_t l = c->level[f];
        if (l)
            r += log(model->m[f][l]) - log(model->u[f][l]);
    }
    return r;
}

void tby__model_set_list_size(tby__model *model, size_t list_entries)
{
    double n = list_entries ? (double)list_entries : 1.0;
    model->lambda = model->share_on_list / n;
    if (model->lambda < 1e-12)
        model->lambda = 1e-12;
}

void tby__model_fit_em(tby__model *model, const tby__comparison *pairs, size_t count,
                       size_t records, size_t list_entries)
{
    tby__model_set_list_size(model, list_entries);
    if (!count || !records)
        return;
    /*
     * Fellegi-Sunter EM with the prior of the whole comparison space. u is measured on random
     * pairs, so the prior must be that of a random (record, entry) pair: share_on_list / N,
     * where share_on_list, the share of registered people who are on the list, is what EM
     * estimates (at most 1: a person is at most once on a list). Pairs that are not candidates
     * have a posterior of practically zero, so summing the posteriors of the candidate pairs
     * and dividing by the records sampled estimates it. The prior cannot grow to take in every
     * namesake among the candidates, which is what a free "share of matches among candidates"
     * did. m is re-estimated from the posteriors with the documented m as pseudo-counts.
     */
    double n = list_entries ? (double)list_entries : 1.0;
    for (int it = 0; it < EM_ITERATIONS; it++) {
        double sum_m[TBY_EVIDENCE_COUNT][TBY_LEVEL_MAX];
        double weight_sum = 0.0;
        for (int f = 0; f < TBY_EVIDENCE_COUNT; f++) {
            for (int l = 0; l < TBY_LEVEL_MAX; l++)
                sum_m[f][l] = EM_PRIOR_WEIGHT * prior_m[f][l];
        }
        double prior_logit = log(model->lambda) - log1p(-model->lambda);
        for (size_t k = 0; k < count; k++) {
            double z = prior_logit + pair_log_ratio(model, &pairs[k]);
            double p = z > 30 ? 1.0 : z < -30 ? 0.0 : 1.0 / (1.0 + exp(-z));
            weight_sum += p;
            for (int f = 0; f < TBY_EVIDENCE_COUNT; f++)
                sum_m[f][pairs[k].level[f]] += p;
        }
        for (int f = 0; f < TBY_EVIDENCE_COUNT; f++) {
            double total = 0.0;
            for (int l = 1; l < level_counts[f]; l++)
                total += sum_m[f][l];
            for (int l = 1; l < level_counts[f]; l++) {
                double m = sum_m[f][l] / total;
                model->m[f][l] = m < PROB_FLOOR ? PROB_FLOOR : m;
            }
        }
        double share =
            (weight_sum + EM_PRIOR_WEIGHT * PRIOR_SHARE) / ((double)records + EM_PRIOR_WEIGHT);
        model->share_on_list = share < 1e-6 ? 1e-6 : share > 1.0 ? 1.0 : share;
        model->lambda = model->share_on_list / n;
        model->em_iterations = it + 1;
    }
    model->em_pairs = count;
    model->fitted = true;
}

/* Least score of an alert that an identifier contradicts. */
#define CONTRADICTED_MIN_SCORE 0.05

/* Below this score an alert is never "probable", whatever corroborates it. */
#define PROBABLE_MIN_SCORE 0.8

/* What an agreeing weak alias adds to names that agree. */
#define WEAK_ALIAS_BITS 1.0

static double level_bits(const tby__model *model, int f, int l)
{
    return log2(model->m[f][l] / model->u[f][l]);
}

static double score_of_bits(double bits)
{
    return bits > 60 ? 1.0 : bits < -60 ? 0.0 : 1.0 / (1.0 + exp2(-bits));
}

/* The threshold an alert must reach: higher when an identifier contradicts the pair. */
static double needed_when(bool contradicted, double threshold)
{
    return contradicted && threshold < CONTRADICTED_MIN_SCORE ? CONTRADICTED_MIN_SCORE : threshold;
}

/*
 * score_of_bits(bits) >= needed_when(contradicted, threshold). Below 60 bits either way a
 * score is 1 / (1 + 2^-bits), which reaches `needed` exactly when bits reach
 * log2(needed / (1 - needed)): a pair a millionth of a bit or more to one side of that is
 * settled without exp2 (far above the rounding of either), the rest by the score itself.
 */
static bool bits_reach(const tby__bound *bound, double bits, bool contradicted, double threshold)
{
    double needed = needed_when(contradicted, threshold);
    if (bound->cut_set && bound->cut_threshold == threshold) {
        double cut = bound->cut_bits[needed != threshold];
        if (bits < cut - 1e-6)
            return false;
        if (bits > cut + 1e-6)
            return true;
    }
    return score_of_bits(bits) >= needed;
}

void tby__bound_set_threshold(tby__bound *bound, double threshold)
{
    for (int c = 0; c < 2; c++) {
        double needed = needed_when(c != 0, threshold);
        double cut = needed > 0.0 && needed < 1.0 ? log2(needed / (1.0 - needed)) : NAN;
        /* Only where the score is 1 / (1 + 2^-bits) (score_of_bits). */
        bound->cut_bits[c] = fabs(cut) < 50.0 ? cut : NAN;
    }
    bound->cut_threshold = threshold;
    bound->cut_set = true;
}

static double needed_score(const uint8_t *lv, double threshold, bool *contradicted_out)
{
    /* Another birth date, sex, mother or document: what tells namesakes apart. */
    bool contradicted = lv[TBY_EVIDENCE_BIRTH_DATE] == 7 || lv[TBY_EVIDENCE_SEX] == 2 ||
                        lv[TBY_EVIDENCE_MOTHER] == 3 || lv[TBY_EVIDENCE_DOCUMENT] == 2;
    if (contradicted_out)
        *contradicted_out = contradicted;
    return needed_when(contradicted, threshold);
}

/*
 * The most the names can add, in bits: an alert needs names that agree (full, close or
 * partial; see tby__model_score), the full and close levels with at most `rarity_cap` of
 * rarity adjustment, the weak-alias bonus when there may be one, or, when a document may
 * agree, any name level.
 */
static double name_bound(const tby__bound *bound, double rarity_cap, bool weak_alias,
                         bool document_may_agree)
{
    double rarity = rarity_cap < RARITY_MAX_BITS ? rarity_cap : RARITY_MAX_BITS;
    double name = bound->name_full + rarity;
    if (bound->name_partial > name)
        name = bound->name_partial;
    if (weak_alias)
        name += WEAK_ALIAS_BITS;
    if (document_may_agree && bound->name_weak > name)
        name = bound->name_weak;
    return name;
}

/* The best level of a field: never below 0, the weight of a missing field. */
static double best_bits(const tby__bound *bound, int f)
{
    double best = 0.0;
    for (int l = 1; l < level_counts[f]; l++) {
        if (bound->bits[f][l] > best)
            best = bound->bits[f][l];
    }
    return best;
}

void tby__bound_init(tby__bound *bound, const tby__model *model)
{
    memset(bound, 0, sizeof(*bound));
    bound->prior_bits = log2(model->lambda) - log2(1.0 - model->lambda);
    for (int f = 0; f < TBY_EVIDENCE_COUNT; f++) {
        for (int l = 1; l < level_counts[f]; l++)
            bound->bits[f][l] = level_bits(model, f, l);
        bound->best[f] = best_bits(bound, f);
    }
    double(*b)[TBY_LEVEL_MAX] = bound->bits;
    int n = TBY_EVIDENCE_NAME;
    bound->name_full = b[n][1] > b[n][2] ? b[n][1] : b[n][2];
    bound->name_partial = b[n][3];
    bound->name_weak = b[n][4];
}

void tby__person_brief(const tby__person *p, double rarity_cap, tby__brief *out)
{
    const tby_record *r = p->record;
    memset(out, 0, sizeof(*out));
    out->rarity_cap = nextafterf((float)rarity_cap, INFINITY);
    out->sex = (uint8_t)r->sex;
    int lo = TBY_DATE_YEAR_MAX + TBY_DATE_ABOUT_YEARS,
        hi = TBY_DATE_YEAR_MIN - TBY_DATE_ABOUT_YEARS;
    for (size_t i = 0; i < r->birth_date_count; i++) {
        const tby_date *d = &r->birth_dates[i];
        if (d->kind == TBY_DATE_NONE)
            continue;
        /* tby_date_compare: only spans (~YYYY widened) at most a year apart can agree. */
        int widen = d->kind == TBY_DATE_ABOUT ? TBY_DATE_ABOUT_YEARS : 0;
        if (d->year - widen < lo)
            lo = d->year - widen;
        if (d->year_last + widen > hi)
            hi = d->year_last + widen;
        out->flags |= TBY__BRIEF_DATES;
    }
    if (out->flags & TBY__BRIEF_DATES)
        out->year_lo = (int16_t)lo, out->year_hi = (int16_t)hi;
    if (p->mother)
        out->flags |= TBY__BRIEF_MOTHER;
    if (p->place)
        out->flags |= TBY__BRIEF_PLACE;
    if (p->weak_count)
        out->flags |= TBY__BRIEF_WEAK;
    if (r->document_count)
        out->flags |= TBY__BRIEF_DOCUMENTS;
    if (p->nationality_count)
        out->flags |= TBY__BRIEF_NATIONALITY;
}

bool tby__bound_may_alert_brief(const tby__bound *bound, const tby__brief *a, const tby__brief *b,
                                double threshold)
{
    unsigned both = a->flags & b->flags;
    double bits = bound->prior_bits;
    bool contradicted = false;
    if (both & TBY__BRIEF_DATES) {
        if (a->year_hi + 1 < b->year_lo || b->year_hi + 1 < a->year_lo) {
            bits += bound->bits[TBY_EVIDENCE_BIRTH_DATE][7]; /* disagree */
            contradicted = true;
        } else {
            bits += bound->best[TBY_EVIDENCE_BIRTH_DATE];
        }
    }
    if (a->sex != TBY_SEX_UNKNOWN && b->sex != TBY_SEX_UNKNOWN) {
        bits += bound->bits[TBY_EVIDENCE_SEX][a->sex == b->sex ? 1 : 2];
        contradicted = contradicted || a->sex != b->sex;
    }
    if (both & TBY__BRIEF_NATIONALITY)
        bits += bound->best[TBY_EVIDENCE_NATIONALITY];
    if (both & TBY__BRIEF_DOCUMENTS)
        bits += bound->best[TBY_EVIDENCE_DOCUMENT];
    if (both & TBY__BRIEF_MOTHER)
        bits += bound->best[TBY_EVIDENCE_MOTHER];
    if (both & TBY__BRIEF_PLACE)
        bits += bound->best[TBY_EVIDENCE_BIRTH_PLACE];
    bits += name_bound(bound, (double)a->rarity_cap + (double)b->rarity_cap,
                       ((a->flags | b->flags) & TBY__BRIEF_WEAK) != 0,
                       (both & TBY__BRIEF_DOCUMENTS) != 0);
    return bits_reach(bound, bits + 1e-9, contradicted, threshold);
}

bool tby__bound_may_alert(const tby__bound *bound, const tby__comparison *cmp,
                          const tby__bound_pair *pair, double threshold)
{
    const uint8_t *lv = cmp->level;
    double bits = bound->prior_bits;
    static const int identifiers[] = {TBY_EVIDENCE_BIRTH_DATE, TBY_EVIDENCE_SEX,
                                      TBY_EVIDENCE_NATIONALITY, TBY_EVIDENCE_DOCUMENT};
    for (size_t k = 0; k < sizeof(identifiers) / sizeof(identifiers[0]); k++)
        bits += bound->bits[identifiers[k]][lv[identifiers[k]]];
    bits += name_bound(bound, pair->rarity_cap, pair->weak_alias, lv[TBY_EVIDENCE_DOCUMENT] == 1);
    if (pair->relatives_known) {
        bits += bound->bits[TBY_EVIDENCE_MOTHER][lv[TBY_EVIDENCE_MOTHER]];
        bits += bound->bits[TBY_EVIDENCE_BIRTH_PLACE][lv[TBY_EVIDENCE_BIRTH_PLACE]];
    } else {
        bits += pair->mother ? bound->best[TBY_EVIDENCE_MOTHER] : 0.0;
        bits += pair->place ? bound->best[TBY_EVIDENCE_BIRTH_PLACE] : 0.0;
    }
    /* Before the relatives are compared, a mother who contradicts is not known: leaving it
     * out lowers the needed score, which keeps this an upper bound. The margin covers the
     * order of the additions. */
    uint8_t levels[TBY_EVIDENCE_COUNT];
    memcpy(levels, lv, sizeof(levels));
    if (!pair->relatives_known)
        levels[TBY_EVIDENCE_MOTHER] = 0;
    bool contradicted;
    needed_score(levels, threshold, &contradicted);
    return bits_reach(bound, bits + 1e-9, contradicted, threshold);
}

void tby__model_score(const tby__model *model, const tby__comparison *cmp, double threshold,
                      tby_alert *alert)
{
    double bits = log2(model->lambda) - log2(1.0 - model->lambda);
    alert->prior_bits = bits;
    for (int f = 0; f < TBY_EVIDENCE_COUNT; f++) {
        uint8_t l = cmp->level[f];
        tby_evidence *ev = &alert->fields[f];
        ev->level = l;
        ev->level_name = tby__level_name((tby_evidence_field)f, l);
        ev->bits = l ? level_bits(model, f, l) : 0.0;
        bits += ev->bits;
    }
    /* Rarity only adjusts a name agreement; it cannot rescue names that do not agree. */
    double rarity = cmp->level[TBY_EVIDENCE_NAME] <= 2 ? cmp->rarity_bits : 0.0;
    alert->name_frequency_bits = rarity;
    bits += rarity;
    alert->weak_alias_agrees = cmp->weak_alias_agrees;
    if (cmp->weak_alias_agrees && cmp->level[TBY_EVIDENCE_NAME] <= 3)
        bits += WEAK_ALIAS_BITS; /* a kunya or nom de guerre corroborates an agreeing name */
    double score = score_of_bits(bits);
    alert->score = score;
    const uint8_t *lv = cmp->level;
    bool corroborated = lv[TBY_EVIDENCE_DOCUMENT] == 1 || lv[TBY_EVIDENCE_MOTHER] == 1 ||
                        lv[TBY_EVIDENCE_BIRTH_DATE] == 1 || lv[TBY_EVIDENCE_BIRTH_DATE] == 2 ||
                        lv[TBY_EVIDENCE_BIRTH_DATE] == 4;
    bool contradicted;
    double needed = needed_score(lv, threshold, &contradicted);
    /* Screening is led by names: other fields corroborate a name that agrees, they do not
     * make a different name (a brother, a cousin from the same village) into an alert.
     * Only an identical document can raise a pair whose names are weak; names that agree
     * only on kunya and nisba need another field to agree. */
    bool names_agree = lv[TBY_EVIDENCE_NAME] <= 3 || lv[TBY_EVIDENCE_DOCUMENT] == 1;
    if (cmp->names_only_weak) {
        uint8_t date = lv[TBY_EVIDENCE_BIRTH_DATE];
        bool other_agrees = (date >= 1 && date <= 6) || lv[TBY_EVIDENCE_MOTHER] == 1 ||
                            lv[TBY_EVIDENCE_MOTHER] == 2 || lv[TBY_EVIDENCE_DOCUMENT] == 1 ||
                            lv[TBY_EVIDENCE_BIRTH_PLACE] == 1;
        names_agree = names_agree && other_agrees;
    }
    /*
     * An alert needs the score. A name that agrees with nothing else to go on does not alert
     * by itself, however complete: its score already says how common the name is, and
     * alerting on every common chain is the harm arabic-names.md 5.2 measures. A pair that
     * an identifier contradicts is a namesake until the score says otherwise: the low,
     * recall-leaning threshold is for pairs with nothing against them.
     */
    if (!names_agree || score < needed)
        alert->grade = TBY_GRADE_NONE;
    else if (corroborated && !contradicted && score >= PROBABLE_MIN_SCORE &&
             lv[TBY_EVIDENCE_NAME] <= 3)
        alert->grade = TBY_GRADE_PROBABLE;
    else
        alert->grade = TBY_GRADE_IDENTIFIER_CHECK;
}
