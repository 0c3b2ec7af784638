/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interface of src/screen: the screener's insides, shared by screen.c (loading,
 * fitting, screening) and model_io.c (pinned models and the key sets of delta rescreening),
 * and, for the shells (the CLI and the server), an alert as a JSON object so that `tabayyun
 * screen --json` and the server's POST /v1/screen give the same structure from one
 * serialiser. Not public: jansson's types stay out of the API.
 */
#ifndef TBY_SCREEN_INT_H
#define TBY_SCREEN_INT_H

#include "index/index.h"
#include "records/evidence.h"
#include "tabayyun/tby_screen.h"

/* A distinct text of a mother's name or a birth place among the list entries. */
typedef struct tby__relative_text {
    uint64_t hash;
    const char *text; /* NULL: an empty slot */
    uint32_t id;      /* from 1 */
    uint8_t field;    /* 0 mother, 1 birth place */
} tby__relative_text;

struct tby_screener {
    const tby_record_set *list;
    tby__person *entries; /* usable list entries, parsed */
    size_t entry_count;
    size_t *list_pos; /* entry -> its position in the list (unusable entries are skipped) */
    size_t *entry_of; /* position in the list -> entry, SIZE_MAX for an unusable one */
    size_t skipped;
    tby__index index;
    tby__freq freq;
    tby__model model;
    tby__brief *brief; /* per entry, for the first bound (tby__bound_may_alert_brief) */
    /* Per entry, two numbers for the texts of its mother's name and its birth place (0:
     * none): entries with the same text have the same number, so that screening compares a
     * pair of texts once (score_candidates). relative_text_count[field] numbers are used in
     * each field, from 1. */
    uint32_t *relative_ids;
    uint32_t relative_text_count[2];
    tby__relative_text *relative_texts; /* numbered texts a query looks up, open addressing */
    size_t relative_text_cap;           /* a power of two */
};

/* Sets every entry's rarity cap and brief; called whenever the screener's frequencies
 * change. */
void tby__screener_set_caps(tby_screener *s);

/*
 * tby_keyset_affected for a person already parsed. With index scratch and two candidate
 * buffers (buf_cap each; NULL: none) and a key set bound to this screener, a query that
 * reads or weighs keys otherwise is settled pair by pair when its unchanged candidates are
 * the same before and after. Always 0.
 */
int tby__keyset_affected_person(const tby_keyset *ks, const tby_screener *screener,
                                const tby__person *p, tby__index_scratch *scratch,
                                tby__candidate *buf_now, tby__candidate *buf_before, size_t buf_cap,
                                bool *rescreen, tby_delta_change *out, size_t cap, size_t *count);

/*
 * tby__keyset_affected_person for a person whose read set is `read` (n keys) both before and
 * after the change (none of its keys weighs otherwise: its postings did not move, or the
 * pinned model fixes its weight), min_hits its tby__index_min_hits. The read set may come
 * from the screener of an earlier version under the same pinned model. Always 0.
 */
int tby__keyset_affected_read(const tby_keyset *ks, const tby_screener *screener,
                              const tby__read_key *read, size_t n, uint8_t min_hits, bool *rescreen,
                              tby_delta_change *out, size_t cap, size_t *count);

/*
 * The keys of a key set, each once, into keys[0..cap) with (deltas: may be NULL) the
 * postings each gains from the old version to the new; returns how many the set holds (call
 * with cap 0 to size the arrays). A person is concerned by the change only when one of its
 * query keys (tby__index_query_keys) is among them, and, when the key's weight is the same
 * before and after (tby__index_read_set_keys), only when its read set holds the key: a
 * resident registry indexed by those keys finds the records a delta must look at without
 * looking at the others.
 */
size_t tby__keyset_keys(const tby_keyset *ks, uint64_t *keys, int32_t *deltas, size_t cap);

/*
 * tby_screen_worker_delta and tby_screen_worker_record for a person parsed already and kept
 * (tby__person_init: complete), as a resident monitor holds its registry: nothing is parsed.
 * The person is only read, so one may be screened from several workers at once.
 */
int tby__screen_worker_delta_person(tby_screen_worker *worker, const tby_keyset *keyset,
                                    const tby__person *person, bool *rescreened,
                                    size_t *pairs_scored, tby_drop_cb on_drop,
                                    tby_alert_cb on_alert, void *payload, tby_error *err);
/* tby__screen_worker_delta_person with the person's read set known to be `read` before and
   after the change and min_hits its tby__index_min_hits (tby__keyset_affected_read). */
int tby__screen_worker_delta_read(tby_screen_worker *worker, const tby_keyset *keyset,
                                  const tby__person *person, const tby__read_key *read,
                                  size_t read_count, uint8_t min_hits, bool *rescreened,
                                  size_t *pairs_scored, tby_drop_cb on_drop, tby_alert_cb on_alert,
                                  void *payload, tby_error *err);
int tby__screen_worker_person(tby_screen_worker *worker, const tby__person *person,
                              tby_alert_cb on_alert, void *payload, tby_error *err);

struct json_t;

/*
 * The alert as a new JSON object: list_id, score, grade, matched_name, record_name,
 * name_parts (record and list forms of each aligned part with tier, similarity and weight),
 * fields (level and bits of each evidence field), name_rarity_bits, prior_bits and
 * weak_alias_agrees. Returns NULL when out of memory; the caller owns the reference.
 */
struct json_t *tby_screen__alert_json(const tby_alert *alert);

#endif
