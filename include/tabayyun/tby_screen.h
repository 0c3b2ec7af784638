/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Screening: finding, for a registered person, the list entries that may be the same person,
 * with a calibrated score, a grade and an explanation a reviewer can check.
 *
 *   tby_screener_new()   load a list: parse every name once, build the candidate index
 *   tby_screener_fit()   learn name frequencies and evidence weights from list + registry
 *   tby_screen_record()  one person -> alerts, best first
 *   tby_screen_batch()   a registry on several threads -> alerts through a callback
 *
 * The engine ranks and explains; people decide. A name alone never grades above
 * TBY_GRADE_IDENTIFIER_CHECK, and a weak alias (kunya, nom de guerre) only corroborates.
 */
#ifndef TBY_SCREEN_H
#define TBY_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

#include "tby_common.h"
#include "tby_names.h"
#include "tby_record.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a reviewer is asked to do with an alert. */
typedef enum tby_grade {
    TBY_GRADE_NONE = 0,         /* below the threshold: no alert */
    TBY_GRADE_IDENTIFIER_CHECK, /* names agree, nothing else corroborates: check identifiers */
    TBY_GRADE_PROBABLE          /* names and identifiers agree: human review */
} tby_grade;

/** The fields compared between a record and a list entry. */
typedef enum tby_evidence_field {
    TBY_EVIDENCE_NAME = 0,
    TBY_EVIDENCE_BIRTH_DATE,
    TBY_EVIDENCE_SEX,
    TBY_EVIDENCE_MOTHER,
    TBY_EVIDENCE_BIRTH_PLACE,
    TBY_EVIDENCE_NATIONALITY,
    TBY_EVIDENCE_DOCUMENT,
    TBY_EVIDENCE_COUNT
} tby_evidence_field;

/** Most comparison levels one field has (level 0 is always "missing"). */
#define TBY_LEVEL_MAX 8

/** How one field compared and how much it counted. */
typedef struct tby_evidence {
    int level;              /* 0 missing (no evidence either way), else a field level */
    const char *level_name; /* "missing", "exact", "year", "disagree" ... (static) */
    double bits;            /* log2 likelihood ratio this field added (0 when missing) */
} tby_evidence;

/**
 * One alert. Every pointer is borrowed and valid only during the callback that receives it
 * (or, for tby_screen_record, until the next call with the same screener and thread).
 */
typedef struct tby_alert {
    const tby_record *record; /* the screened person */
    const tby_record *entry;  /* the list entry */
    size_t entry_index;       /* position of the entry in the list */
    double score;             /* calibrated probability that both are the same person */
    tby_grade grade;
    const char *record_name;       /* the record's name that matched */
    const char *matched_name;      /* the list name or alias that matched best */
    const tby_name *record_parsed; /* both names parsed, for the part-by-part explanation */
    const tby_name *entry_parsed;
    tby_name_match name_match;  /* the alignment of the two names */
    double name_frequency_bits; /* rarity adjustment of the agreeing name parts */
    double prior_bits;          /* log2 prior odds of a match */
    bool weak_alias_agrees;     /* an entry's weak alias also matches the record */
    tby_evidence fields[TBY_EVIDENCE_COUNT];
} tby_alert;

/** Printable names of enum values; never NULL. */
TBY_API const char *tby_grade_name(tby_grade grade);
TBY_API const char *tby_evidence_field_name(tby_evidence_field field);

/**
 * Writes the alert's explanation as one line of compact text (parts as aligned with tier and
 * similarity, each field with its level and bits, the final score). Free with tby_free.
 */
TBY_API int tby_alert_explain(char **out, const tby_alert *alert);

typedef struct tby_screener tby_screener;

/**
 * Loads a list: parses every entry's names once and builds the candidate index. Entries whose
 * names all fail to parse are skipped and counted (tby_screener_skipped). The record set must
 * outlive the screener.
 * @return 0, TBY_ENOMEM, TBY_EINVALID (NULL arguments), TBY_EEMPTY (no usable entry).
 */
TBY_API int tby_screener_new(tby_screener **out, const tby_record_set *list, tby_error *err);

/** Frees a screener; NULL is allowed. */
TBY_API void tby_screener_free(tby_screener *screener);

/** Entries of the list that could not be used (no name parsed). */
TBY_API size_t tby_screener_skipped(const tby_screener *screener);

/**
 * Learns from the data: counts how common each name is in each role over the list and the
 * registry, and estimates the evidence weights (m and u of every field level) by
 * expectation-maximisation over candidate pairs, with u measured on random pairs. Without
 * this call the screener uses list frequencies and documented prior weights. `registry` may
 * be NULL. Not thread-safe; call before screening.
 */
TBY_API int tby_screener_fit(tby_screener *screener, const tby_record_set *registry,
                             tby_error *err);

/** Writes a readable description of the model (levels, m, u, weights, prior). */
TBY_API int tby_screener_describe(char **out, const tby_screener *screener);

/**
 * The threshold the project recommends for use (score of an alert). It leans towards recall:
 * an alert below the probable grade asks for an identifier check, nothing more, while a
 * missed listed person is not seen again. On the UN list with injected typos it finds 99.3 %
 * of the entries with 0.17 false alerts per 1,000 people; on the generated population about
 * 2.1 alerts per true hit against 2,000 entries, 5.5 against 100,000 (docs/internals/evidence.md).
 */
#define TBY_SCREEN_DEFAULT_THRESHOLD 0.0003

#define TBY_SCREEN_OPTIONS_VERSION 1
typedef struct tby_screen_options {
    unsigned version;      /* TBY_SCREEN_OPTIONS_VERSION */
    double threshold;      /* alerts need score >= threshold; default 0.1 */
    unsigned threads;      /* batch only; 0 = number of online CPUs */
    size_t max_candidates; /* candidates scored per name; 0 = default (100) */
} tby_screen_options;

#define TBY_SCREEN_OPTIONS_INIT                                                                    \
    {                                                                                              \
        TBY_SCREEN_OPTIONS_VERSION, TBY_SCREEN_DEFAULT_THRESHOLD, 0, 0                             \
    }

/** Receives one alert; return non-zero to stop screening (that value is returned). */
typedef int (*tby_alert_cb)(const tby_alert *alert, void *payload);

/** Reports batch progress: records done out of total. Called from one thread at a time. */
typedef void (*tby_progress_cb)(size_t done, size_t total, void *payload);

/**
 * Screens one person against the list. Alerts are delivered best first.
 * @return 0, TBY_EEMPTY (no name of the record parses; err says why), TBY_ENOMEM, or the
 *         callback's non-zero value. Thread-safe: screeners are read-only once fitted.
 */
TBY_API int tby_screen_record(const tby_screener *screener, const tby_record *record,
                              const tby_screen_options *opts, tby_alert_cb on_alert, void *payload,
                              tby_error *err);

/**
 * A worker for screening many single persons from one thread (a server's request handler):
 * it keeps the scratch memory that tby_screen_record would allocate on every call (about
 * 9 bytes per list entry). One worker per thread; the screener must outlive it.
 */
typedef struct tby_screen_worker tby_screen_worker;

TBY_API int tby_screen_worker_new(tby_screen_worker **out, const tby_screener *screener,
                                  const tby_screen_options *opts, tby_error *err);
TBY_API void tby_screen_worker_free(tby_screen_worker *worker);

/** As tby_screen_record, with the worker's options and scratch. Not thread-safe per worker. */
TBY_API int tby_screen_worker_record(tby_screen_worker *worker, const tby_record *record,
                                     tby_alert_cb on_alert, void *payload, tby_error *err);

/** Counters of a batch run. */
typedef struct tby_screen_stats {
    size_t records;    /* records screened */
    size_t skipped;    /* records with no usable name */
    size_t candidates; /* candidate pairs scored */
    size_t alerts[3];  /* alerts by tby_grade */
} tby_screen_stats;

/**
 * Screens every record of `registry` on opts->threads threads. on_alert is called from the
 * worker threads one at a time (serialised), in no particular order; every alert of one
 * record arrives in one run, best first. Records with no usable name are counted and
 * skipped. `stats` and `progress` may be NULL.
 */
TBY_API int tby_screen_batch(const tby_screener *screener, const tby_record_set *registry,
                             const tby_screen_options *opts, tby_alert_cb on_alert, void *payload,
                             tby_progress_cb progress, void *progress_payload,
                             tby_screen_stats *stats, tby_error *err);

/**
 * Screens a record against the given list entries only (positions in the screener's list),
 * as if they were its candidates: the pairs a delta rescreen has to score. Entries that are
 * not usable (no name) are skipped. Alerts reach on_alert best first, as in
 * tby_screen_worker_record.
 */
TBY_API int tby_screen_worker_entries(tby_screen_worker *worker, const tby_record *record,
                                      const size_t *positions, size_t count, tby_alert_cb on_alert,
                                      void *payload, tby_error *err);

/* ===== Pinned models and delta rescreening ===== */

/**
 * Saves the screener's fitted state: the evidence model, the name-frequency table and the
 * list size candidate keys are weighed against. Loaded into the screener of a later list
 * version (tby_screener_model_load), it makes every pair score exactly as it did, so that
 * only the records sharing a candidate key with an added, changed or removed entry can get
 * other alerts (see tby_keyset). Refitting is a decision to rescreen everything.
 *
 * @param out receives a blob (free with tby_free); len its size.
 * @return 0 or TBY_ENOMEM.
 */
TBY_API int tby_screener_model_save(const tby_screener *screener, unsigned char **out, size_t *len,
                                    tby_error *err);

/**
 * Replaces the screener's fitted state with a saved one. Call before screening, like
 * tby_screener_fit (which would replace it again).
 *
 * @return 0, TBY_EINVALID for a blob that is not a model of this engine (wrong header or
 *         version, a checksum mismatch: err says which), TBY_ENOMEM.
 */
TBY_API int tby_screener_model_load(tby_screener *screener, const unsigned char *data, size_t len,
                                    tby_error *err);

/**
 * What changed between two versions of a list, as candidate keys (names, pairs of name
 * parts, documents). Whether an entry is a candidate of a record depends on the pair and
 * the pinned model only (tby_screener_model_load), so after a list changes a record's
 * alerts change only for the changed entries that are its candidates, before or after
 * (tby_keyset_affected), and a record whose query itself reads other keys is screened again
 * whole. Every other record keeps its alerts exactly.
 *
 *   for each removed entry, and the old side of each changed one:  add(ks, old, -1, 0)
 *   for each added entry, and the new side of each changed one:    add(ks, new, +1, pos)
 *   for each registry record: tby_keyset_affected -> drop / score pairs, or rescreen it
 */
typedef struct tby_keyset tby_keyset;

TBY_API int tby_keyset_new(tby_keyset **out, tby_error *err);
TBY_API void tby_keyset_free(tby_keyset *keyset);
/**
 * Adds a changed entry. `change` is +1 for an entry as it is in the new version (added, or
 * the new side of a changed entry), with `position` its position in the new list (as in
 * tby_alert.entry_index); -1 for an entry as it was in the old version (removed, or the old
 * side), `position` unused. An entry with no usable name adds nothing. 0, TBY_EINVALID or
 * TBY_ENOMEM.
 */
TBY_API int tby_keyset_add(tby_keyset *keyset, const tby_record *entry, int change, size_t position,
                           tby_error *err);

/**
 * Optional, once all changed entries are added: ties the key set to the screener of the new
 * version, so that tby_screen_worker_delta can settle pair by pair a record whose query reads
 * or weighs its keys otherwise (by asking the index whether its unchanged candidates moved)
 * instead of screening it whole. 0 or TBY_ENOMEM.
 */
TBY_API int tby_keyset_bind(tby_keyset *keyset, const tby_screener *screener, tby_error *err);

/** One changed entry that is a candidate of a record (see tby_keyset_affected). */
typedef struct tby_delta_change {
    const char *entry_id; /* the entry's id, owned by the key set */
    int change;           /* -1: its old version was a candidate: drop the pair's alert;
                             +1: its new version is one: score the pair
                             (tby_screen_worker_entries) */
    size_t position;      /* +1: the entry's position in the new list */
} tby_delta_change;

/**
 * What a list change means for one registry record, screened against `screener` (built on
 * the new version with the pinned model). Either *rescreen is set (its query reads other
 * keys or weighs them otherwise, or too many changed entries touch it: screen it again
 * whole and replace its alerts), or out[0..*count) lists the changed entries that are its
 * candidates: drop the alerts of the -1 ones, then score the +1 ones. A record with no
 * change to make gets *count 0. 0, TBY_EINVALID or TBY_ENOMEM.
 */
TBY_API int tby_keyset_affected(const tby_keyset *keyset, const tby_screener *screener,
                                const tby_record *record, bool *rescreen, tby_delta_change *out,
                                size_t cap, size_t *count, tby_error *err);
/** Most changes tby_keyset_affected reports for one record (more: *rescreen). */
#define TBY_KEYSET_MAX_CHANGES 256

/**
 * Receives an alert to drop in a delta rescreen: the one of (record, entry_id), or every
 * alert of the record against this list when entry_id is NULL. Non-zero stops.
 */
typedef int (*tby_drop_cb)(const tby_record *record, const char *entry_id, void *payload);

/**
 * One record of a delta rescreen, parsed once: tby_keyset_affected, then the drops through
 * on_drop (all of the record's alerts first, with entry_id NULL, when it is screened whole;
 * *rescreened says so) and the new alerts through on_alert, best first. *pairs_scored (may
 * be NULL) gets the pairs scored when the record was not screened whole. A record that the
 * change does not concern gets no call. The worker must come from the screener of the new
 * version with the pinned model. 0, TBY_ENOMEM, or a callback's non-zero value.
 */
TBY_API int tby_screen_worker_delta(tby_screen_worker *worker, const tby_keyset *keyset,
                                    const tby_record *record, bool *rescreened,
                                    size_t *pairs_scored, tby_drop_cb on_drop,
                                    tby_alert_cb on_alert, void *payload, tby_error *err);

/** Sets *touches when tby_keyset_affected would ask for anything. 0 or TBY_ENOMEM. */
TBY_API int tby_keyset_touches(const tby_keyset *keyset, const tby_screener *screener,
                               const tby_record *record, bool *touches, tby_error *err);
/** Changed entries added to the set (each version of a changed entry counts). */
TBY_API size_t tby_keyset_count(const tby_keyset *keyset);

#ifdef __cplusplus
}
#endif
#endif
