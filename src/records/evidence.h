/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A person ready for comparison (every name parsed once) and the evidence model that turns
 * two persons into a calibrated score, a grade and an explanation (docs/internals/evidence.md).
 *
 *   tby__person_init   record -> parsed names, aliases, weak aliases, mother, place, codes
 *   tby__compare       two persons -> a comparison vector: one level per field, the best name
 *                      alignment, the rarity of the agreeing name parts
 *   tby__model_*       m and u per field level (Fellegi-Sunter), fitted from the data
 */
#ifndef TBY_RECORDS_EVIDENCE_H
#define TBY_RECORDS_EVIDENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "names/names_int.h"
#include "tabayyun/tby_names.h"
#include "tabayyun/tby_record.h"
#include "tabayyun/tby_screen.h"

#define TBY__PERSON_MAX_NAMES         24
#define TBY__PERSON_MAX_WEAK          12
#define TBY__PERSON_MAX_NATIONALITIES 6

typedef struct tby__person {
    /* What screening reads of every candidate first, in the first cache line. */
    const tby_record *record;
    tby_name *mother;  /* NULL when absent or unparsable */
    tby_name *place;   /* birth place, parsed like a name */
    double rarity_cap; /* tby__rarity_cap under the screener's frequencies (list entries) */
    uint8_t name_count;
    uint8_t weak_count;
    uint8_t nationality_count;
    char nationality[TBY__PERSON_MAX_NATIONALITIES][4]; /* ISO alpha-2 where known */
    /* Then the names. */
    tby_name *names[TBY__PERSON_MAX_NAMES]; /* primary first, then aliases */
    tby_name *weak[TBY__PERSON_MAX_WEAK];   /* weak aliases: corroborate only */
    const char *name_text[TBY__PERSON_MAX_NAMES];
    char *joined_parts; /* "given father grandfather family" (heap) */
} tby__person;

/*
 * Parses every name of `record`. Names that do not parse are left out; when none of the
 * record's names (name, parts, aliases) parses the result is TBY_EEMPTY with the reason of
 * the first failure in err. The record must outlive the person.
 */
int tby__person_init(tby__person *person, const tby_record *record, tby_error *err);
/*
 * The first half of tby__person_init: the names only (what candidate keys need). Finish
 * with tby__person_complete before comparing the person (weak aliases, mother, place,
 * nationalities; what does not parse is left out, as in tby__person_init).
 */
int tby__person_init_names(tby__person *person, const tby_record *record, tby_error *err);
void tby__person_complete(tby__person *person);
void tby__person_dispose(tby__person *person);

/* True when a person's nationality entry is an ISO alpha-2 code, false for an unmapped name. */
bool tby__nationality_is_code(const char *nationality);

/* ===== Name frequencies ===== */

/*
 * How often each name part (by blocking skeleton) occurs over every name loaded. Built
 * single-threaded, read concurrently afterwards.
 */
typedef struct tby__freq {
    uint64_t *keys; /* open addressing, 0 = empty */
    uint32_t *counts;
    size_t cap; /* power of two */
    size_t used;
    uint64_t total;      /* parts counted */
    double entropy_bits; /* information of a random part: sum -p log2 p */
} tby__freq;

void tby__freq_init(tby__freq *freq);
void tby__freq_dispose(tby__freq *freq);
int tby__freq_add_name(tby__freq *freq, const tby_name *name);
void tby__freq_finish(tby__freq *freq);
/* Sets the count of one key (loading a saved table; total and entropy are set by the caller). */
int tby__freq_set(tby__freq *freq, uint64_t key, uint32_t count);
/* Share of parts with this skeleton hash (at least 1/total; 0 when nothing was counted). */
double tby__freq_share(const tby__freq *freq, uint64_t key);
uint32_t tby__freq_count(const tby__freq *freq, uint64_t key);

/* ===== Comparison ===== */

/* Whether the two records share an identity document (same type and normalised number). */
bool tby__documents_agree(const tby_record *a, const tby_record *b);

typedef struct tby__comparison {
    uint8_t level[TBY_EVIDENCE_COUNT];
    double name_score;      /* best tby_name_compare over the persons' names */
    uint8_t name_a, name_b; /* which names gave it */
    tby_name_match match;   /* their alignment */
    bool weak_alias_agrees; /* a weak alias of either side matches the other's name */
    bool names_only_weak;   /* the names agree only on kunya and nisba parts */
    double rarity_bits;     /* name frequency adjustment, see tby__compare */
} tby__comparison;

/*
 * Compares two persons field by field. `freq` may be NULL (no rarity adjustment).
 * `name_floor`: when the best name score is below it the other fields are not compared
 * (the pair cannot alert) and the function returns false. `memo` (may be NULL) remembers
 * part similarities of the query `a` against interned list parts of `b` across calls; the
 * caller starts it anew (tby__part_memo_next) for each query.
 */
bool tby__compare(const tby__person *a, const tby__person *b, const tby__freq *freq,
                  double name_floor, tby__part_memo *memo, tby__comparison *out);
/*
 * The three parts of tby__compare. tby__compare_identifiers sets the levels that need no name
 * comparison (birth date, sex, nationality, document) and is cheap; tby__compare_relatives
 * the mother's name and the birth place (a few part comparisons); tby__compare_names the
 * rest (name, weak aliases, rarity) and returns false, as tby__compare does, when the best
 * name score is below `name_floor`.
 */
void tby__compare_identifiers(const tby__person *a, const tby__person *b, tby__comparison *out);
void tby__compare_relatives(const tby__person *a, const tby__person *b, tby__comparison *out);
/* The two levels tby__compare_relatives sets, for a mother's name and a birth place that
 * both sides have: each depends on the two parsed texts only. */
uint8_t tby__mother_level(const tby_name *a, const tby_name *b);
uint8_t tby__place_level(const tby_name *a, const tby_name *b);
bool tby__compare_names(const tby__person *a, const tby__person *b, const tby__freq *freq,
                        double name_floor, tby__part_memo *memo, tby__comparison *out);

/*
 * The most the rarity adjustment of a pair can add on this person's side: the rarity
 * adjustment of a pair is at most the sum of both sides' caps (each aligned row counts the
 * information of the rarer of its two parts, and each part is in at most one row).
 */
double tby__rarity_cap(const tby__freq *freq, const tby__person *p);

/* ===== Model ===== */

typedef struct tby__model {
    double m[TBY_EVIDENCE_COUNT][TBY_LEVEL_MAX];
    double u[TBY_EVIDENCE_COUNT][TBY_LEVEL_MAX];
    double lambda;        /* prior probability that a random (record, entry) pair is the same
                             person: share_on_list / list_entries */
    double share_on_list; /* estimated share of registered people who are on the list */
    bool fitted;          /* false: documented priors only */
    size_t em_pairs;      /* candidate pairs EM ran on */
    size_t u_pairs;       /* random pairs u was measured on */
    int em_iterations;
} tby__model;

/*
 * The most a pair can score whatever its names turn out to be: the levels known so far (the
 * identifiers, then the relatives too), the best name level with the largest rarity
 * adjustment the pair allows, the best mother and birth place levels when both sides have
 * one and they are not compared yet, the weak-alias bonus when either side has a weak alias.
 * A candidate whose bound cannot reach the threshold is not an alert, so screening skips its
 * name comparison (most candidates that share a common name have another birth date).
 * Made once per model; the model must not change afterwards.
 */
typedef struct tby__bound {
    double prior_bits;
    double bits[TBY_EVIDENCE_COUNT][TBY_LEVEL_MAX]; /* 0 for level 0 */
    double name_full;                               /* best of the full and close name levels */
    double name_partial;             /* the partial name level (no rarity adjustment) */
    double name_weak;                /* the weak name level (alerts only with a document) */
    double best[TBY_EVIDENCE_COUNT]; /* best level of each field, never below 0 */
    /* For the threshold last given to tby__bound_set_threshold: the bits a score needs,
     * without (0) and with (1) a contradiction, NaN where that is not a finite number. They
     * settle most bounds without computing the score (cut_set false: none). */
    bool cut_set;
    double cut_threshold;
    double cut_bits[2];
} tby__bound;

/* Lets the bounds settle most pairs at `threshold` without computing a score; they give the
 * same answers with or without it. */
void tby__bound_set_threshold(tby__bound *bound, double threshold);

/* What is known of a pair besides its levels. */
typedef struct tby__bound_pair {
    bool mother, place;   /* both sides have one */
    bool relatives_known; /* tby__compare_relatives has set their levels */
    bool weak_alias;      /* either side has a weak alias */
    double rarity_cap;    /* the sum of both sides' tby__rarity_cap */
} tby__bound_pair;

/*
 * What the first bound needs of a person, in 12 bytes: screening checks every candidate
 * against it from one compact array before it touches the candidate's parsed names or
 * record, which are scattered over memory.
 */
typedef struct tby__brief {
    float rarity_cap; /* tby__rarity_cap, rounded up */
    int16_t year_lo;  /* earliest birth year any of its dates allows (widened for ~YYYY) */
    int16_t year_hi;  /* latest */
    uint8_t sex;      /* tby_sex */
    uint8_t flags;    /* TBY__BRIEF_* */
} tby__brief;

#define TBY__BRIEF_DATES       0x01u /* at least one birth date */
#define TBY__BRIEF_MOTHER      0x02u
#define TBY__BRIEF_PLACE       0x04u
#define TBY__BRIEF_WEAK        0x08u /* a weak alias */
#define TBY__BRIEF_DOCUMENTS   0x10u
#define TBY__BRIEF_NATIONALITY 0x20u

/* The brief of a person whose rarity cap (tby__rarity_cap) is `rarity_cap`. */
void tby__person_brief(const tby__person *p, double rarity_cap, tby__brief *out);

struct tby__model;
void tby__bound_init(tby__bound *bound, const struct tby__model *model);
/*
 * The first, looser bound, from the two briefs alone: birth dates that cannot agree at any
 * level (their years two or more apart), the sex, and for every other field its best level
 * when both sides have it. False only when the pair cannot alert at `threshold`.
 */
bool tby__bound_may_alert_brief(const tby__bound *bound, const tby__brief *a, const tby__brief *b,
                                double threshold);
/* False only when no name comparison can make the pair an alert at `threshold`. */
bool tby__bound_may_alert(const tby__bound *bound, const tby__comparison *cmp,
                          const tby__bound_pair *pair, double threshold);

/* Number of levels of a field (level 0, missing, included) and a level's name. */
int tby__level_count(tby_evidence_field field);
const char *tby__level_name(tby_evidence_field field, int level);

/* The documented prior weights (used before fitting and as EM's pseudo-counts). */
void tby__model_init(tby__model *model);
/* Gives a level that a model saved by an earlier version did not have (m or u of 0) its
 * prior, so that the level weighs nothing either way. */
void tby__model_complete(tby__model *model);

/* Measures u on comparison vectors of random pairs. */
void tby__model_fit_u(tby__model *model, const tby__comparison *pairs, size_t count);

/*
 * Estimates m and the prior by EM over the candidate pairs of `records` sampled records
 * against a list of `list_entries` (u stays as measured on random pairs).
 */
void tby__model_fit_em(tby__model *model, const tby__comparison *pairs, size_t count,
                       size_t records, size_t list_entries);

/* Sets the prior for a list of `list_entries` from the share of people on it. */
void tby__model_set_list_size(tby__model *model, size_t list_entries);

/*
 * Scores a comparison: fills alert->score, grade (given the threshold), fields, prior and
 * rarity bits. The name fields of the alert are left to the caller.
 */
void tby__model_score(const tby__model *model, const tby__comparison *cmp, double threshold,
                      tby_alert *alert);

#endif
