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
//   u64 checksum (tby__hash64 of everything before it)
#include <string.h>

#include "screen/screen_int.h"
#include "util/util_int.h"

#define MODEL_MAGIC  "TBYMODEL"
#define MODEL_FORMAT 1u

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
    size_t cap = 8 + 4 * 3 + 8 + 2 * TBY_EVIDENCE_COUNT * TBY_LEVEL_MAX * 8 + 2 * 8 + 1 + 8 + 8 +
                 4 + 8 + 8 + 8 + f->used * 12 + 8;
    writer w = {tby__malloc(cap), 0, cap};
    if (!w.p)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory saving the model");
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
    put_u64(&w, tby__hash64(w.p, w.len));
    *out = w.p;
    *len = w.len;
    return TBY_OK;
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
    tby__freq f;
    tby__freq_init(&f);
    for (uint64_t i = 0; i < used; i++) {
        uint64_t key = get_u64(&r);
        uint32_t count = get_u32(&r);
        if (!key || tby__freq_set(&f, key, count)) {
            tby__freq_dispose(&f);
            return key ? tby__error(err, TBY_ENOMEM, -1, "out of memory loading the model")
                       : corrupt(err, "empty frequency key", r.at);
        }
    }
    if (r.short_read || r.at != r.len) {
        tby__freq_dispose(&f);
        return corrupt(err, "trailing bytes", r.at);
    }
    f.total = total;
    f.entropy_bits = entropy;
    tby__freq_dispose(&s->freq);
    s->freq = f;
    s->model = m;
    s->index.ref_entries = (size_t)ref;
    return TBY_OK;
}

/* ===== Key sets ===== */

/* One (key, changed entry) pair; the pairs of a key are chained through `next`. */
typedef struct ks_posting {
    uint32_t slot; /* the changed entry: each tby_keyset_add call is a slot */
    uint32_t next; /* next posting of the same key + 1, 0 at the end */
} ks_posting;

struct tby_keyset {
    uint64_t *keys;  /* open addressing; candidate keys are never 0 */
    int32_t *delta;  /* postings in the new version minus postings in the old */
    uint32_t *first; /* first posting of the key + 1 */
    size_t cap, used;
    ks_posting *postings;
    size_t posting_count, posting_cap;
    uint32_t slots;
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
    tby__free(ks->keys);
    tby__free(ks->delta);
    tby__free(ks->first);
    tby__free(ks->postings);
    tby__free(ks);
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

int tby_keyset_add(tby_keyset *ks, const tby_record *record, int change, tby_error *err)
{
    TBY_ASSERT_ARG(ks && record && (change == 1 || change == -1));
    tby__person p;
    tby_error scratch;
    int rc = tby__person_init(&p, record, &scratch);
    if (rc == TBY_ENOMEM)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    if (rc)
        return TBY_OK; /* no usable name: never in the index, never a candidate */
    uint64_t keys[TBY__INDEX_MAX_PERSON_KEYS];
    size_t n = tby__index_person_keys(&p, keys, TBY__INDEX_MAX_PERSON_KEYS);
    tby__person_dispose(&p);
    if (ks->posting_count + n > UINT32_MAX - 1 || ks->slots == UINT32_MAX)
        return tby__error(err, TBY_ENOMEM, -1, "too many changed entries");
    uint32_t slot = ks->slots++;
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

static int u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/*
 * Whether a changed entry could be a candidate of the query: it shares a key that makes a
 * candidate alone, or enough keys (hits) among those the query reads.
 */
static int changed_entry_qualifies(const tby_keyset *ks, const tby__read_key *read, size_t n,
                                   const tby__read_key *before, uint8_t min_hits, bool *out)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t at = keyset_slot(ks, read[i].key);
        if (!ks->keys[at])
            continue;
        if (read[i].qualifies || before[i].qualifies) {
            *out = true;
            return TBY_OK;
        }
        for (uint32_t p = ks->first[at]; p; p = ks->postings[p - 1].next)
            total += read[i].hits;
    }
    if (!total)
        return TBY_OK;
    /* One slot id per hit, sorted: a slot's run length is its hits. */
    uint32_t *slots = tby__malloc(total * sizeof(*slots));
    if (!slots)
        return TBY_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t at = keyset_slot(ks, read[i].key);
        if (!ks->keys[at])
            continue;
        for (uint32_t p = ks->first[at]; p; p = ks->postings[p - 1].next)
            for (uint8_t h = 0; h < read[i].hits; h++)
                slots[k++] = ks->postings[p - 1].slot;
    }
    qsort(slots, total, sizeof(*slots), u32_cmp);
    for (size_t i = 0, run = 1; i < total && !*out; i++, run++) {
        if (i + 1 < total && slots[i + 1] == slots[i])
            continue;
        *out = run >= min_hits;
        run = 0;
    }
    tby__free(slots);
    return TBY_OK;
}

int tby_keyset_touches(const tby_keyset *ks, const tby_screener *screener, const tby_record *record,
                       bool *out, tby_error *err)
{
    TBY_ASSERT_ARG(ks && screener && record && out);
    *out = false;
    if (!ks->used)
        return TBY_OK;
    tby__person p;
    tby_error scratch;
    int rc = tby__person_init(&p, record, &scratch);
    if (rc == TBY_ENOMEM)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    if (rc)
        return TBY_OK; /* no usable name: never screened */
    tby__read_key now[TBY__INDEX_MAX_PERSON_KEYS], before[TBY__INDEX_MAX_PERSON_KEYS];
    size_t n_now = tby__index_read_set(&screener->index, &p, NULL, NULL, now);
    size_t n_before = tby__index_read_set(&screener->index, &p, keyset_delta, ks, before);
    uint8_t min_hits = tby__index_min_hits(&p);
    tby__person_dispose(&p);
    /* The query reads other keys, or weighs one of them differently ... */
    if (n_now != n_before) {
        *out = true;
        return TBY_OK;
    }
    for (size_t i = 0; i < n_now; i++) {
        if (now[i].key != before[i].key || now[i].info != before[i].info ||
            now[i].qualifies != before[i].qualifies) {
            *out = true;
            return TBY_OK;
        }
    }
    /* ... or a changed entry, as it was or as it is, could be one of its candidates. */
    if (changed_entry_qualifies(ks, now, n_now, before, min_hits, out))
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    return TBY_OK;
}

size_t tby_keyset_count(const tby_keyset *ks)
{
    return ks ? ks->slots : 0;
}
