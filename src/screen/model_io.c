// SPDX-License-Identifier: Apache-2.0
// Pinned models and key sets: what makes a delta rescreen give the same alerts as a full one.
//
// A screener's scores depend on the list as a whole in three places: the evidence model
// fitted by EM, the name-frequency table behind the rarity adjustment, and the list size
// that weighs the candidate keys. Saving these three (the "model") after one fit and loading
// them into the screener of the next list version makes every score a function of the pair
// alone; a record's candidates then change only when an entry that shares one of its keys
// was added, changed or removed. A key set of those entries tells which records to screen
// again; every other record's alerts stay what they were.
//
// The blob is little-endian and self-checking:
//
//   "TBYMODEL" u32 format  u32 fields  u32 levels  u64 ref_entries
//   m[fields][levels] u[fields][levels] lambda share  (f64 each)
//   u8 fitted  u64 em_pairs  u64 u_pairs  u32 em_iterations
//   u64 freq_total  f64 entropy  u64 n  n x (u64 key, u32 count)
//   u64 pins  pins x (u64 key, u32 count)            (the index's pinned key weights)
//   u64 checksum (tby__hash64 of everything before it)
#include <string.h>

#include "screen/screen_int.h"
#include "util/util_int.h"

#define MODEL_MAGIC  "TBYMODEL"
#define MODEL_FORMAT 2u

typedef struct writer {
    unsigned char *p;
    size_t len, cap;
} writer;

static void put_u64(writer *w, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        w->p[w->len++] = (unsigned char)(v >> (8 * i));
}

static void put_u32(writer *w, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        w->p[w->len++] = (unsigned char)(v >> (8 * i));
}

static void put_f64(writer *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    put_u64(w, bits);
}

typedef struct reader {
    const unsigned char *p;
    size_t len, at;
    bool short_read;
} reader;

static uint64_t get_u64(reader *r)
{
    if (r->len - r->at < 8) {
        r->short_read = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)r->p[r->at + (size_t)i] << (8 * i);
    r->at += 8;
    return v;
}

static uint32_t get_u32(reader *r)
{
    if (r->len - r->at < 4) {
        r->short_read = true;
        return 0;
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)r->p[r->at + (size_t)i] << (8 * i);
    r->at += 4;
    return v;
}

static double get_f64(reader *r)
{
    uint64_t bits = get_u64(r);
    double v;
    memcpy(&v, &bits, sizeof(v));
    return v;
}

int tby_screener_model_save(const tby_screener *s, unsigned char **out, size_t *len, tby_error *err)
{
    TBY_ASSERT_ARG(s && out && len);
    const tby__model *m = &s->model;
    const tby__freq *f = &s->freq;
    size_t pins = tby__index_pins(&s->index, NULL, NULL);
    size_t cap = 8 + 4 * 3 + 8 + 2 * TBY_EVIDENCE_COUNT * TBY_LEVEL_MAX * 8 + 2 * 8 + 1 + 8 + 8 +
                 4 + 8 + 8 + 8 + f->used * 12 + 8 + pins * 12 + 8;
    uint64_t *pin_keys = tby__malloc((pins ? pins : 1) * sizeof(*pin_keys));
    uint32_t *pin_counts = tby__malloc((pins ? pins : 1) * sizeof(*pin_counts));
    writer w = {tby__malloc(cap), 0, cap};
    if (!w.p || !pin_keys || !pin_counts) {
        tby__free(w.p);
        tby__free(pin_keys);
        tby__free(pin_counts);
        return tby__error(err, TBY_ENOMEM, -1, "out of memory saving the model");
    }
    memcpy(w.p, MODEL_MAGIC, 8);
    w.len = 8;
    put_u32(&w, MODEL_FORMAT);
    put_u32(&w, TBY_EVIDENCE_COUNT);
    put_u32(&w, TBY_LEVEL_MAX);
    put_u64(&w, s->index.ref_entries ? s->index.ref_entries : s->index.entry_count);
    for (int k = 0; k < TBY_EVIDENCE_COUNT; k++)
        for (int l = 0; l < TBY_LEVEL_MAX; l++)
            put_f64(&w, m->m[k][l]);
    for (int k = 0; k < TBY_EVIDENCE_COUNT; k++)
        for (int l = 0; l < TBY_LEVEL_MAX; l++)
            put_f64(&w, m->u[k][l]);
    put_f64(&w, m->lambda);
    put_f64(&w, m->share_on_list);
    w.p[w.len++] = m->fitted ? 1 : 0;
    put_u64(&w, m->em_pairs);
    put_u64(&w, m->u_pairs);
    put_u32(&w, (uint32_t)m->em_iterations);
    put_u64(&w, f->total);
    put_f64(&w, f->entropy_bits);
    put_u64(&w, f->used);
    for (size_t i = 0; i < f->cap; i++) {
        if (!f->keys[i])
            continue;
        put_u64(&w, f->keys[i]);
        put_u32(&w, f->counts[i]);
    }
    tby__index_pins(&s->index, pin_keys, pin_counts);
    put_u64(&w, pins);
    for (size_t i = 0; i < pins; i++) {
        put_u64(&w, pin_keys[i]);
        put_u32(&w, pin_counts[i]);
    }
    tby__free(pin_keys);
    tby__free(pin_counts);
    put_u64(&w, tby__hash64(w.p, w.len));
    *out = w.p;
    *len = w.len;
    return TBY_OK;
}

/* Probabilities in [0, 1], all finite: a blob that says otherwise is not a model. */
static bool model_values_usable(const tby__model *m)
{
    for (int k = 0; k < TBY_EVIDENCE_COUNT; k++) {
        for (int l = 0; l < TBY_LEVEL_MAX; l++) {
            if (!(m->m[k][l] >= 0.0 && m->m[k][l] <= 1.0 && m->u[k][l] >= 0.0 && m->u[k][l] <= 1.0))
                return false;
        }
    }
    return m->lambda > 0.0 && m->lambda < 1.0 && m->share_on_list >= 0.0 &&
           m->share_on_list <= 1.0 && m->em_iterations >= 0;
}

static int corrupt(tby_error *err, const char *what, size_t at)
{
    return tby__error(err, TBY_EINVALID, (int64_t)at, "not a usable tabayyun model: %s", what);
}

int tby_screener_model_load(tby_screener *s, const unsigned char *data, size_t len, tby_error *err)
{
    TBY_ASSERT_ARG(s && (data || !len));
    if (len < 8 + 8 || memcmp(data, MODEL_MAGIC, 8))
        return corrupt(err, "no model header", 0);
    uint64_t want = tby__hash64(data, len - 8);
    reader tail = {data, len, len - 8, false};
    if (get_u64(&tail) != want)
        return corrupt(err, "checksum mismatch (truncated or altered)", len - 8);
    reader r = {data, len - 8, 8, false};
    if (get_u32(&r) != MODEL_FORMAT)
        return corrupt(err, "unknown format version", 8);
    if (get_u32(&r) != TBY_EVIDENCE_COUNT || get_u32(&r) != TBY_LEVEL_MAX)
        return corrupt(err, "made by an engine with other evidence fields", 12);
    tby__model m;
    memset(&m, 0, sizeof(m));
    uint64_t ref = get_u64(&r);
    for (int k = 0; k < TBY_EVIDENCE_COUNT; k++)
        for (int l = 0; l < TBY_LEVEL_MAX; l++)
            m.m[k][l] = get_f64(&r);
    for (int k = 0; k < TBY_EVIDENCE_COUNT; k++)
        for (int l = 0; l < TBY_LEVEL_MAX; l++)
            m.u[k][l] = get_f64(&r);
    m.lambda = get_f64(&r);
    m.share_on_list = get_f64(&r);
    if (r.at >= r.len)
        return corrupt(err, "truncated", r.at);
    m.fitted = data[r.at++] != 0;
    m.em_pairs = (size_t)get_u64(&r);
    m.u_pairs = (size_t)get_u64(&r);
    m.em_iterations = (int)get_u32(&r);
    uint64_t total = get_u64(&r);
    double entropy = get_f64(&r);
    uint64_t used = get_u64(&r);
    if (r.short_read || used > (r.len - r.at) / 12 || !ref)
        return corrupt(err, "truncated or inconsistent counts", r.at);
    if (!model_values_usable(&m) || !(entropy >= 0.0 && entropy < 1e6) || (used && !total))
        return corrupt(err, "weights out of range", r.at);
    tby__model_complete(&m);
    tby__freq f;
    tby__freq_init(&f);
    int rc = TBY_OK;
    for (uint64_t i = 0; i < used; i++) {
        uint64_t key = get_u64(&r);
        uint32_t count = get_u32(&r);
        if (!key || tby__freq_set(&f, key, count)) {
            tby__freq_dispose(&f);
            return key ? tby__error(err, TBY_ENOMEM, -1, "out of memory loading the model")
                       : corrupt(err, "empty frequency key", r.at);
        }
    }
    uint64_t pins = get_u64(&r);
    if (r.short_read || pins > (r.len - r.at) / 12) {
        tby__freq_dispose(&f);
        return corrupt(err, "truncated pinned keys", r.at);
    }
    uint64_t *pin_keys = tby__malloc((pins ? pins : 1) * sizeof(*pin_keys));
    uint32_t *pin_counts = tby__malloc((pins ? pins : 1) * sizeof(*pin_counts));
    rc = pin_keys && pin_counts ? TBY_OK : TBY_ENOMEM;
    for (uint64_t i = 0; i < pins && !rc; i++) {
        pin_keys[i] = get_u64(&r);
        pin_counts[i] = get_u32(&r);
        if (!pin_keys[i])
            rc = TBY_EINVALID;
    }
    if (!rc && (r.short_read || r.at != r.len))
        rc = TBY_EINVALID;
    if (!rc)
        rc = tby__index_pin(&s->index, pin_keys, pin_counts, (size_t)pins);
    tby__free(pin_keys);
    tby__free(pin_counts);
    if (rc) {
        tby__freq_dispose(&f);
        return rc == TBY_ENOMEM ? tby__error(err, TBY_ENOMEM, -1, "out of memory loading the model")
                                : corrupt(err, "bad pinned keys or trailing bytes", r.at);
    }
    f.total = total;
    f.entropy_bits = entropy;
    tby__freq_dispose(&s->freq);
    s->freq = f;
    s->model = m;
    s->index.ref_entries = (size_t)ref;
    tby__screener_set_caps(s);
    return TBY_OK;
}

/* ===== Key sets ===== */

/* One (key, changed entry) pair; the pairs of a key are chained through `next`. */
typedef struct ks_posting {
    uint32_t slot; /* the changed entry: each tby_keyset_add call is a slot */
    uint32_t next; /* next posting of the same key + 1, 0 at the end */
} ks_posting;

/* A changed entry, in one of its versions. */
typedef struct ks_slot {
    char *id;
    int change;      /* -1 old version, +1 new version */
    size_t position; /* +1: position in the new list */
    bool is_long;    /* tby__index_entry_is_long */
} ks_slot;

struct tby_keyset {
    uint64_t *keys;  /* open addressing; candidate keys are never 0 */
    int32_t *delta;  /* postings in the new version minus postings in the old */
    uint32_t *first; /* first posting of the key + 1 */
    size_t cap, used;
    ks_posting *postings;
    size_t posting_count, posting_cap;
    ks_slot *slots;
    size_t slot_count, slot_cap;
    /* tby_keyset_bind: the screener's entries that are new versions of changed entries. */
    const tby_screener *bound;
    uint8_t *skip;
};

int tby_keyset_new(tby_keyset **out, tby_error *err)
{
    TBY_ASSERT_ARG(out);
    tby_keyset *ks = tby__calloc(1, sizeof(*ks));
    if (!ks)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    *out = ks;
    return TBY_OK;
}

void tby_keyset_free(tby_keyset *ks)
{
    if (!ks)
        return;
    for (size_t i = 0; i < ks->slot_count; i++)
        tby__free(ks->slots[i].id);
    tby__free(ks->slots);
    tby__free(ks->keys);
    tby__free(ks->delta);
    tby__free(ks->first);
    tby__free(ks->postings);
    tby__free(ks->skip);
    tby__free(ks);
}

int tby_keyset_bind(tby_keyset *ks, const tby_screener *screener, tby_error *err)
{
    TBY_ASSERT_ARG(ks && screener);
    uint8_t *skip = tby__calloc(screener->entry_count ? screener->entry_count : 1, 1);
    if (!skip)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    size_t list_count = tby_record_set_count(screener->list);
    for (size_t i = 0; i < ks->slot_count; i++) {
        const ks_slot *sl = &ks->slots[i];
        if (sl->change > 0 && sl->position < list_count &&
            screener->entry_of[sl->position] != SIZE_MAX)
            skip[screener->entry_of[sl->position]] = 1;
    }
    tby__free(ks->skip);
    ks->skip = skip;
    ks->bound = screener;
    return TBY_OK;
}

static size_t keyset_slot(const tby_keyset *ks, uint64_t key)
{
    size_t at = (size_t)(key >> 2) & (ks->cap - 1);
    while (ks->keys[at] && ks->keys[at] != key)
        at = (at + 1) & (ks->cap - 1);
    return at;
}

static int keyset_grow(tby_keyset *ks)
{
    size_t cap = ks->cap ? ks->cap * 2 : 1024;
    uint64_t *keys = tby__calloc(cap, sizeof(*keys));
    int32_t *delta = tby__calloc(cap, sizeof(*delta));
    uint32_t *first = tby__calloc(cap, sizeof(*first));
    if (!keys || !delta || !first) {
        tby__free(keys);
        tby__free(delta);
        tby__free(first);
        return TBY_ENOMEM;
    }
    tby_keyset old = *ks;
    ks->keys = keys, ks->delta = delta, ks->first = first, ks->cap = cap;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.keys[i])
            continue;
        size_t at = keyset_slot(ks, old.keys[i]);
        ks->keys[at] = old.keys[i];
        ks->delta[at] = old.delta[i];
        ks->first[at] = old.first[i];
    }
    tby__free(old.keys);
    tby__free(old.delta);
    tby__free(old.first);
    return TBY_OK;
}

static int keyset_new_slot(tby_keyset *ks, const tby_record *record, int change, size_t position,
                           bool is_long)
{
    if (ks->slot_count >= UINT32_MAX - 1)
        return TBY_ENOMEM;
    if (ks->slot_count == ks->slot_cap) {
        size_t want = ks->slot_cap ? ks->slot_cap * 2 : 64;
        ks_slot *grown = tby__realloc(ks->slots, want * sizeof(*grown));
        if (!grown)
            return TBY_ENOMEM;
        ks->slots = grown;
        ks->slot_cap = want;
    }
    size_t len = strlen(record->id);
    char *id = tby__malloc(len + 1);
    if (!id)
        return TBY_ENOMEM;
    memcpy(id, record->id, len + 1);
    ks->slots[ks->slot_count++] = (ks_slot){id, change, position, is_long};
    return TBY_OK;
}

int tby_keyset_add(tby_keyset *ks, const tby_record *record, int change, size_t position,
                   tby_error *err)
{
    TBY_ASSERT_ARG(ks && record && record->id && (change == 1 || change == -1));
    tby__person p;
    tby_error scratch;
    int rc = tby__person_init_names(&p, record, &scratch);
    if (rc == TBY_ENOMEM)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    if (rc)
        return TBY_OK; /* no usable name: never in the index, never a candidate */
    uint64_t keys[TBY__INDEX_MAX_PERSON_KEYS];
    size_t n = tby__index_person_keys(&p, keys, TBY__INDEX_MAX_PERSON_KEYS);
    bool is_long = tby__index_entry_is_long(&p);
    tby__person_dispose(&p);
    if (ks->posting_count + n > UINT32_MAX - 1 ||
        keyset_new_slot(ks, record, change, position, is_long))
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    uint32_t slot = (uint32_t)(ks->slot_count - 1);
    for (size_t i = 0; i < n; i++) {
        if ((ks->used + 1) * 2 > ks->cap && keyset_grow(ks))
            return tby__error(err, TBY_ENOMEM, -1, "out of memory");
        if (ks->posting_count == ks->posting_cap) {
            size_t want = ks->posting_cap ? ks->posting_cap * 2 : 1024;
            ks_posting *grown = tby__realloc(ks->postings, want * sizeof(*grown));
            if (!grown)
                return tby__error(err, TBY_ENOMEM, -1, "out of memory");
            ks->postings = grown;
            ks->posting_cap = want;
        }
        size_t at = keyset_slot(ks, keys[i]);
        if (!ks->keys[at]) {
            ks->keys[at] = keys[i];
            ks->used++;
        }
        ks->delta[at] += change;
        ks->postings[ks->posting_count] = (ks_posting){slot, ks->first[at]};
        ks->first[at] = (uint32_t)++ks->posting_count;
    }
    return TBY_OK;
}

static int32_t keyset_delta(const void *payload, uint64_t key)
{
    const tby_keyset *ks = payload;
    size_t at = keyset_slot(ks, key);
    return ks->keys[at] ? ks->delta[at] : 0;
}

/* What one changed entry shares with the query, accumulated as the index does. */
typedef struct share {
    uint32_t slot; /* the changed entry */
    uint32_t gen;  /* the call that filled it; another: free */
    float score;
    uint8_t hits;
    bool document;
    uint64_t groups;
} share;

#define SHARE_SLOTS (2 * TBY_KEYSET_MAX_CHANGES) /* a power of two */

/* One table per thread, made free for each call by a new generation rather than cleared:
 * a delta asks it once or more for every record. */
static _Thread_local share share_table[SHARE_SLOTS];
static _Thread_local uint32_t share_gen;

/*
 * The changed entries that are candidates of the query with this read set, by the rules of
 * tby__index_query (a part with two keys counts once, read order; enough hits; the floor,
 * unless a document agrees). Returns how many went to out (at most cap), or SIZE_MAX when
 * too many changed entries share keys with the query to tell.
 */
static size_t changed_candidates(const tby_keyset *ks, const tby__index *index,
                                 const tby__read_key *read, size_t n, uint8_t min_hits,
                                 uint32_t *out, size_t cap)
{
    share *table = share_table;
    if (++share_gen == 0) { /* wrapped: every slot's generation could be current again */
        memset(share_table, 0, sizeof(share_table));
        share_gen = 1;
    }
    uint32_t gen = share_gen;
    uint16_t filled[SHARE_SLOTS / 2];
    size_t used = 0;
    for (size_t k = 0; k < n; k++) {
        size_t at = keyset_slot(ks, read[k].key);
        if (!ks->keys[at])
            continue;
        uint64_t bit = read[k].group ? (uint64_t)1 << (read[k].group - 1) : 0;
        for (uint32_t p = ks->first[at]; p; p = ks->postings[p - 1].next) {
            uint32_t slot = ks->postings[p - 1].slot;
            size_t h = (slot * 2654435761u) & (SHARE_SLOTS - 1);
            while (table[h].gen == gen && table[h].slot != slot)
                h = (h + 1) & (SHARE_SLOTS - 1);
            share *sh = &table[h];
            if (sh->gen != gen) {
                if (used == SHARE_SLOTS / 2)
                    return SIZE_MAX;
                filled[used++] = (uint16_t)h;
                *sh = (share){slot, gen, 0.0f, 0, false, 0};
            }
            if (sh->groups & bit)
                continue;
            sh->groups |= bit;
            sh->score += read[k].info + 0.01f;
            unsigned hits = sh->hits + read[k].hits;
            sh->hits = (uint8_t)(hits > 255 ? 255 : hits);
            if (read[k].qualifies)
                sh->hits = 255;
            sh->document = sh->document || read[k].document;
        }
    }
    if (!used)
        return 0;
    float floor = tby__index_candidate_floor(index, read, n);
    size_t count = 0;
    for (size_t i = 0; i < used; i++) {
        const share *sh = &table[filled[i]];
        if (sh->hits < tby__index_entry_min_hits(min_hits, ks->slots[sh->slot].is_long) ||
            !(sh->document || sh->score >= floor))
            continue;
        if (count == cap)
            return SIZE_MAX;
        out[count++] = sh->slot;
    }
    return count;
}

static int entry_cmp(const void *x, const void *y)
{
    uint32_t a = ((const tby__candidate *)x)->entry, b = ((const tby__candidate *)y)->entry;
    return a < b ? -1 : a > b;
}

/*
 * The unchanged entries that a query has as candidates with the key weights after the change
 * but not before (+1: score the pair) or before but not after (-1: drop its alert): their
 * pairs' scores are the same, only their being candidates moved. Returns how many went to
 * out, or SIZE_MAX when more than cap.
 */
static size_t moved_unchanged_candidates(const tby_keyset *ks, const tby_screener *screener,
                                         const tby__person *p, tby__index_scratch *scratch,
                                         tby__candidate *now, tby__candidate *before,
                                         size_t buf_cap, tby_delta_change *out, size_t cap)
{
    size_t n_now =
        tby__index_query_ex(&screener->index, scratch, p, NULL, NULL, ks->skip, now, buf_cap);
    size_t n_before = tby__index_query_ex(&screener->index, scratch, p, keyset_delta, ks, ks->skip,
                                          before, buf_cap);
    qsort(now, n_now, sizeof(*now), entry_cmp);
    qsort(before, n_before, sizeof(*before), entry_cmp);
    size_t have = 0, i = 0, j = 0;
    while (i < n_now || j < n_before) {
        int sign;
        uint32_t e;
        if (j == n_before || (i < n_now && now[i].entry < before[j].entry)) {
            sign = +1, e = now[i++].entry;
        } else if (i == n_now || before[j].entry < now[i].entry) {
            sign = -1, e = before[j++].entry;
        } else {
            /* In both; a document found it in one only: the name floor differs, so score it
             * again. */
            bool moved = now[i].via_document != before[j].via_document;
            e = now[i].entry;
            i++, j++;
            if (!moved)
                continue;
            if (have + 2 > cap)
                return SIZE_MAX;
            const tby__person *entry = &screener->entries[e];
            out[have++] = (tby_delta_change){entry->record->id, -1, screener->list_pos[e]};
            sign = +1;
        }
        if (have == cap)
            return SIZE_MAX;
        const tby__person *entry = &screener->entries[e];
        out[have++] = (tby_delta_change){entry->record->id, sign, screener->list_pos[e]};
    }
    return have;
}

/*
 * The changed entries of one sign (-1 old versions, +1 new; 0 both) that are candidates,
 * appended to out[have..cap). Returns the new count, SIZE_MAX when they do not fit.
 */
static size_t changed_of_sign(const tby_keyset *ks, const tby_screener *screener,
                              const tby__read_key *read, size_t n, uint8_t min_hits, int sign,
                              tby_delta_change *out, size_t have, size_t cap)
{
    uint32_t slots[SHARE_SLOTS / 2];
    size_t found =
        changed_candidates(ks, &screener->index, read, n, min_hits, slots, SHARE_SLOTS / 2);
    if (found == SIZE_MAX)
        return SIZE_MAX;
    for (size_t i = 0; i < found; i++) {
        const ks_slot *sl = &ks->slots[slots[i]];
        if (sign && sl->change != sign)
            continue;
        if (have == cap)
            return SIZE_MAX;
        out[have++] = (tby_delta_change){sl->id, sl->change, sl->position};
    }
    return have;
}

int tby__keyset_affected_person(const tby_keyset *ks, const tby_screener *screener,
                                const tby__person *p, tby__index_scratch *scratch,
                                tby__candidate *buf_now, tby__candidate *buf_before, size_t buf_cap,
                                bool *rescreen, tby_delta_change *out, size_t cap, size_t *count)
{
    *rescreen = false;
    *count = 0;
    if (!ks->used)
        return TBY_OK;
    uint64_t keys[TBY__INDEX_MAX_PERSON_KEYS];
    uint8_t groups[TBY__INDEX_MAX_PERSON_KEYS];
    size_t n_keys = tby__index_query_keys(p, keys, groups);
    /* A person none of whose keys changed reads and weighs the same keys as before and
     * shares none with a changed entry: nothing about it moved. */
    bool touched = false;
    for (size_t k = 0; k < n_keys && !touched; k++)
        touched = ks->keys[keyset_slot(ks, keys[k])] != 0;
    if (!touched)
        return TBY_OK;
    tby__read_key now[TBY__INDEX_MAX_PERSON_KEYS], before[TBY__INDEX_MAX_PERSON_KEYS];
    size_t n_now =
        tby__index_read_set_keys(&screener->index, keys, groups, n_keys, NULL, NULL, now);
    size_t n_before =
        tby__index_read_set_keys(&screener->index, keys, groups, n_keys, keyset_delta, ks, before);
    uint8_t min_hits = tby__index_min_hits(p);
    /* The query reads other keys than before, or weighs one of them otherwise: its
     * unchanged candidates may have moved too. */
    bool same = n_now == n_before;
    for (size_t i = 0; i < n_now && same; i++)
        same = now[i].key == before[i].key && now[i].info == before[i].info &&
               now[i].qualifies == before[i].qualifies;
    if (!same) {
        /* With a bound key set and room to query, ask the index which of them did: those
         * pairs are dropped or scored like the changed entries'. */
        if (!scratch || ks->bound != screener || !buf_now || !buf_before) {
            *rescreen = true;
            return TBY_OK;
        }
        size_t have = moved_unchanged_candidates(ks, screener, p, scratch, buf_now, buf_before,
                                                 buf_cap, out, cap);
        if (have != SIZE_MAX)
            have = changed_of_sign(ks, screener, before, n_before, min_hits, -1, out, have, cap);
        if (have != SIZE_MAX)
            have = changed_of_sign(ks, screener, now, n_now, min_hits, +1, out, have, cap);
        if (have == SIZE_MAX) {
            *rescreen = true;
            return TBY_OK;
        }
        *count = have;
        return TBY_OK;
    }
    size_t n = changed_of_sign(ks, screener, now, n_now, min_hits, 0, out, 0, cap);
    if (n == SIZE_MAX) {
        *rescreen = true;
        return TBY_OK;
    }
    *count = n;
    return TBY_OK;
}

int tby_keyset_affected(const tby_keyset *ks, const tby_screener *screener,
                        const tby_record *record, bool *rescreen, tby_delta_change *out, size_t cap,
                        size_t *count, tby_error *err)
{
    TBY_ASSERT_ARG(ks && screener && record && rescreen && count && (out || !cap));
    *rescreen = false;
    *count = 0;
    if (!ks->used)
        return TBY_OK;
    tby__person p;
    tby_error scratch;
    int rc = tby__person_init_names(&p, record, &scratch);
    if (rc == TBY_ENOMEM)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    if (rc)
        return TBY_OK; /* no usable name: never screened */
    rc = tby__keyset_affected_person(ks, screener, &p, NULL, NULL, NULL, 0, rescreen, out, cap,
                                     count);
    tby__person_dispose(&p);
    return rc;
}

int tby_keyset_touches(const tby_keyset *ks, const tby_screener *screener, const tby_record *record,
                       bool *out, tby_error *err)
{
    TBY_ASSERT_ARG(out);
    bool rescreen = false;
    size_t count = 0;
    tby_delta_change changes[SHARE_SLOTS / 2];
    int rc =
        tby_keyset_affected(ks, screener, record, &rescreen, changes, SHARE_SLOTS / 2, &count, err);
    *out = !rc && (rescreen || count > 0);
    return rc;
}

int tby__keyset_affected_read(const tby_keyset *ks, const tby_screener *screener,
                              const tby__read_key *read, size_t n, uint8_t min_hits, bool *rescreen,
                              tby_delta_change *out, size_t cap, size_t *count)
{
    *rescreen = false;
    *count = 0;
    if (!ks->used)
        return TBY_OK;
    /* As tby__keyset_affected_person when the read set is the same before and after. */
    size_t found = changed_of_sign(ks, screener, read, n, min_hits, 0, out, 0, cap);
    if (found == SIZE_MAX)
        *rescreen = true;
    else
        *count = found;
    return TBY_OK;
}

size_t tby__keyset_keys(const tby_keyset *ks, uint64_t *keys, int32_t *deltas, size_t cap)
{
    size_t n = 0;
    for (size_t at = 0; ks && at < ks->cap; at++) {
        if (!ks->keys[at])
            continue;
        if (n < cap) {
            keys[n] = ks->keys[at];
            if (deltas)
                deltas[n] = ks->delta[at];
        }
        n++;
    }
    return n;
}

size_t tby_keyset_count(const tby_keyset *ks)
{
    return ks ? ks->slot_count : 0;
}
