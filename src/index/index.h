/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The in-memory candidate index over list entries (docs/internals/index.md).
 *
 *   key                          postings (entry numbers, ascending)
 *   part   MHMT                  -> 3 9 17 ... (very common: used only when nothing rarer)
 *   part   KTRYT                 -> 9 412
 *   pair   {MHMT, HSYN}          -> 9 17 230   (two parts of one name, in any order)
 *   doc    national_id:1990...   -> 412
 *
 * A query takes its keys rarest first and stops when the postings it has read reach a
 * budget, so a common name adds little work while two parts in any order, one rare part,
 * or an identical document still find the entry.
 */
#ifndef TBY_INDEX_H
#define TBY_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "records/evidence.h"

typedef struct tby__index {
    uint64_t *keys;     /* open addressing, 0 = empty */
    uint32_t *starts;   /* start of each key's postings */
    uint32_t *counts;   /* postings per key */
    size_t cap;         /* power of two */
    uint32_t *postings; /* all postings, grouped by key */
    size_t posting_count;
    size_t entry_count;
    /* The list size a key's information is measured against, log2((ref + 1) / postings):
     * entry_count, unless a pinned model sets it (tby_screener_model_load) so that adding
     * or removing entries changes only the queries that share their keys. */
    size_t ref_entries;
    /* Pinned key weights (a pinned model): keys that were common when the model was pinned
     * keep that postings count as their weight in every later version, so that one entry
     * more or less does not move every query that reads them. Open addressing, 0 = empty;
     * pin_cap 0 when nothing is pinned. */
    uint64_t *pin_keys;
    uint32_t *pin_counts;
    size_t pin_cap;
    uint8_t *entry_long; /* per entry: a name of three parts or more (tby__index_entry_is_long) */
} tby__index;

typedef struct tby__candidate {
    uint32_t entry;
    float score; /* sum of the information of the keys it shares with the query */
    bool via_document;
} tby__candidate;

/* Per-thread scratch for queries (sized for the index it was made for). */
/* What a query has found of one entry so far: one struct, so that a posting read touches
 * one place in the scratch, not four arrays. */
typedef struct tby__index_acc {
    uint64_t groups;      /* parts already agreeing through one of their keys (see
                             person_keys in index.c) */
    float score;          /* shared information; 0 until the entry is touched */
    uint8_t hits;         /* keys shared with the query (saturating) */
    uint8_t via_document; /* found through an identical document */
} tby__index_acc;

typedef struct tby__index_scratch {
    tby__index_acc *acc; /* entry_count accumulators, all zero between queries */
    uint32_t *touched;   /* entries with a non-zero accumulator */
    size_t touched_count;
    /* One bit per entry, set while the entry may still become a candidate: 12.5 KB for
     * 100,000 entries, so that the postings of a common key are checked against it without
     * loading the accumulators of entries the query has given up on. All zero between
     * queries. */
    uint64_t *live;
    /* Postings the queries of this scratch passed over without loading an accumulator
     * (tests and benchmarks read it; never reset by a query). */
    uint64_t passed;
    tby__candidate *pool; /* entry_count slots: the qualifying candidates before the cut */
} tby__index_scratch;

int tby__index_build(tby__index *index, const tby__person *entries, size_t count);

/*
 * The candidate keys of a person (names, pairs of parts, documents): an entry is a
 * candidate of a query only through a key they share. Writes at most `cap`.
 */
size_t tby__index_person_keys(const tby__person *p, uint64_t *out, size_t cap);
/*
 * The keys a query for `query` reads, in reading order, into out (room for
 * TBY__INDEX_MAX_PERSON_KEYS); returns the count. With `delta` (may be NULL), a key's
 * postings count is the index's minus delta(payload, key): the read set the query had
 * before entries were added (delta > 0) or removed (delta < 0). A query's candidates and
 * their candidate scores depend only on its read set and the postings of those keys.
 */
typedef struct tby__read_key {
    uint64_t key;
    float info;     /* the information the query adds for the key */
    uint8_t hits;   /* hits a shared key counts for (2 for a pair of parts) */
    uint8_t group;  /* the part it stands for when the part has two keys, else 0 */
    bool qualifies; /* a document or a rare key: sharing it alone makes a candidate */
    bool document;  /* an identity document: a candidate whatever its information */
    bool typo;      /* a pair with a letter left out: not part of the query's information */
} tby__read_key;
size_t tby__index_read_set(const tby__index *index, const tby__person *query,
                           int32_t (*delta)(const void *, uint64_t), const void *delta_payload,
                           tby__read_key *out);
/* A person's keys and their groups (see tby__index_read_set), computed once for several
 * read sets; `keys` and `groups` have room for TBY__INDEX_MAX_PERSON_KEYS. */
size_t tby__index_query_keys(const tby__person *query, uint64_t *keys, uint8_t *groups);
/* tby__index_read_set from keys that tby__index_query_keys gave. */
size_t tby__index_read_set_keys(const tby__index *index, const uint64_t *keys,
                                const uint8_t *groups, size_t n,
                                int32_t (*delta)(const void *, uint64_t), const void *delta_payload,
                                tby__read_key *out);
/* Keys an entry must share with the query to be a candidate (unless one qualifies alone):
 * tby__index_entry_min_hits(tby__index_min_hits(query), tby__index_entry_is_long(entry)). */
uint8_t tby__index_min_hits(const tby__person *query);
bool tby__index_entry_is_long(const tby__person *entry);
uint8_t tby__index_entry_min_hits(uint8_t query_min, bool entry_long);
/* The information an entry must share to be a candidate of a query with this read set. */
float tby__index_candidate_floor(const tby__index *index, const tby__read_key *read, size_t n);
/* Pins key weights (replacing any). 0 or TBY_ENOMEM. */
int tby__index_pin(tby__index *index, const uint64_t *keys, const uint32_t *counts, size_t n);
/*
 * The weights a pinned model keeps: the pinned ones when the index has them, else every key
 * that is not rare. Writes them when keys is not NULL; returns how many.
 */
size_t tby__index_pins(const tby__index *index, uint64_t *keys, uint32_t *counts);
/* The postings of a key (entry numbers, ascending) and their count; NULL and 0 when the
 * index does not have it. */
const uint32_t *tby__index_postings(const tby__index *index, uint64_t key, uint32_t *count);
/* Most keys tby__index_person_keys writes for one person. */
#define TBY__INDEX_MAX_PERSON_KEYS 512
void tby__index_dispose(tby__index *index);

/* Bytes the index holds (keys, table and postings). */
size_t tby__index_bytes(const tby__index *index);

int tby__index_scratch_init(tby__index_scratch *scratch, const tby__index *index);
void tby__index_scratch_dispose(tby__index_scratch *scratch);

/*
 * Finds the candidates of `query`, best first, at most `max` of them, into out (caller
 * storage of `max` entries). Returns how many.
 */
size_t tby__index_query(const tby__index *index, tby__index_scratch *scratch,
                        const tby__person *query, tby__candidate *out, size_t max);

/*
 * tby__index_query with the key weights before a change (`delta`, as in
 * tby__index_read_set; may be NULL) and leaving out the entries marked in `skip`
 * (entry_count flags; may be NULL): the candidates a query had among the unchanged entries.
 */
size_t tby__index_query_ex(const tby__index *index, tby__index_scratch *scratch,
                           const tby__person *query, int32_t (*delta)(const void *, uint64_t),
                           const void *delta_payload, const uint8_t *skip, tby__candidate *out,
                           size_t max);

#endif
