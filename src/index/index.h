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
} tby__index;

typedef struct tby__candidate {
    uint32_t entry;
    float score; /* sum of the information of the keys it shares with the query */
    bool via_document;
} tby__candidate;

/* Per-thread scratch for queries (sized for the index it was made for). */
typedef struct tby__index_scratch {
    float *score;      /* entry_count accumulators, all zero between queries */
    uint32_t *touched; /* entries with a non-zero accumulator */
    size_t touched_count;
    uint8_t *via_document; /* entry_count flags: found through an identical document */
    uint8_t *hits;         /* entry_count counters: keys shared with the query (saturating) */
    tby__candidate *pool;  /* entry_count slots: the qualifying candidates before the cut */
} tby__index_scratch;

int tby__index_build(tby__index *index, const tby__person *entries, size_t count);
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

#endif
