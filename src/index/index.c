// SPDX-License-Identifier: Apache-2.0
// The candidate index (design in index.h).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "index/index.h"
#include "names/keys.h"
#include "util/util_int.h"

/* Keys of different kinds never collide: the kind is mixed into the hash. */
#define KIND_PART 0x9E3779B97F4A7C15ull
#define KIND_PAIR 0xC2B2AE3D27D4EB4Full
#define KIND_DOC  0x165667B19E3779F9ull

/* Postings one query may read before it stops taking further keys. */
#define QUERY_POSTINGS_BUDGET 3000
/* Candidates share at least this part of the information of all the keys a query reads ... */
#define CANDIDATE_SHARE 0.15f
/* ... and at least this many times log2(list size) bits. */
#define CANDIDATE_MIN_BITS 0.5f
/* A key shared by at most this many entries makes a candidate on its own. */
#define RARE_KEY_POSTINGS 8
/* Skeletons at least this long also get their one-letter deletions as keys. */
#define DELETION_MIN_SKELETON 4
/* How many postings ahead a query asks for an entry's accumulator. */
#define ACC_PREFETCH 12
/* Keys a query always takes, however common, so that every query finds something. */
#define QUERY_MIN_KEYS 2
#define MAX_QUERY_KEYS TBY__INDEX_MAX_PERSON_KEYS
/* In a key's group byte: the key is a pair with a letter left out (pair_deletions). A query
 * reads it only when it is rare (RARE_KEY_POSTINGS): then it makes a candidate on its own,
 * while a common one ((Muhammad, Hasan) with a letter out) would only spend the budget. */
#define GROUP_TYPO 0x80u
#define GROUP_MASK 0x3Fu

/* Kind of a key, kept in its two low bits (so a key is never 0, the empty slot). */
enum { KEY_PART = 1, KEY_PAIR = 2, KEY_DOC = 3 };

static uint64_t mix(uint64_t key, uint64_t kind)
{
    uint64_t h = (key ^ kind) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    unsigned code = kind == KIND_PART ? KEY_PART : kind == KIND_PAIR ? KEY_PAIR : KEY_DOC;
    return (h & ~(uint64_t)3) | code;
}

typedef struct key_entry {
    uint64_t key;
    uint32_t entry;
} key_entry;

/*
 * Pairs with one part mistyped: the pair key with one letter left out of either part's
 * skeleton. An entry of two parts whose second part is mistyped (Salma Awwda for Salma
 * Awwad, عائشة أحد for عائشة أحمد) shares only its given name with the right spelling, a
 * key too common to make it a candidate, while its pair is rare. A query makes these keys
 * for the pair of its given name and second part, in its first name only: they meet an
 * entry's own pair when the entry left a letter out or changed one that the skeleton drops
 * (a substitution or a letter added on the entry's side would need the entries' deletions
 * too, which cost more candidates than they found). See select_keys for how they are read.
 */
#define PAIR_DELETION_MIN_SKELETON 2

static size_t pair_deletions(const char *keep, size_t keep_len, const char *del_from,
                             size_t del_len, bool keep_first, uint8_t group, uint64_t *out,
                             uint8_t *group_of, size_t n, size_t cap)
{
    uint64_t keep_hash = tby__skeleton_hash(keep, keep_len);
    for (size_t d = 0; del_len >= PAIR_DELETION_MIN_SKELETON && d < del_len && n < cap; d++) {
        if (d > 0 && del_from[d] == del_from[d - 1])
            continue;
        char del[TBY__SKELETON_MAX];
        memcpy(del, del_from, d);
        memcpy(del + d, del_from + d + 1, del_len - d - 1);
        uint64_t h = tby__skeleton_hash(del, del_len - 1);
        uint64_t a = keep_first ? keep_hash : h, b = keep_first ? h : keep_hash;
        uint64_t lo = a < b ? a : b;
        uint64_t hi = a ^ b ^ lo;
        group_of[n] = (uint8_t)(group | GROUP_TYPO);
        out[n++] = mix(lo * 31 + hi, KIND_PAIR);
    }
    return n;
}

/*
 * The keys of one person, deduplicated; returns the count written (at most cap). `groups`
 * (may be NULL) receives, per key, the part it stands for when that part has two keys (its
 * skeleton and an alternative reading: Ziyad as ZYD and DYD), 1..63, else 0: an entry that
 * shares both keys of one part has one agreeing part, not two. A query (as_query) also gets
 * its mistyped pairs (pair_deletions), flagged GROUP_TYPO in their group byte.
 */
static size_t person_keys(const tby__person *p, uint64_t *out, uint8_t *groups, size_t cap,
                          bool as_query)
{
    size_t n = 0;
    uint8_t group_of[MAX_QUERY_KEYS];
    uint64_t group_hash[63];
    unsigned next_group = 0;
    for (uint8_t k = 0; k < p->name_count; k++) {
        const tby_name *name = p->names[k];
        size_t parts = tby_name_part_count(name);
        uint64_t part_keys[TBY_NAME_MAX_PARTS];
        uint8_t part_group[TBY_NAME_MAX_PARTS];
        char part_skel[TBY_NAME_MAX_PARTS][TBY__SKELETON_MAX];
        size_t part_len[TBY_NAME_MAX_PARTS];
        size_t used = 0;
        /* A kunya is weak: it finds candidates only for a name that has nothing else (a
         * list entry known as "Abu Rusdan"), and then scoring asks for corroboration. */
        bool kunya_only = true;
        for (size_t i = 0; i < parts; i++)
            kunya_only = kunya_only && tby_name_part_at(name, i)->role == TBY_ROLE_KUNYA;
        for (size_t i = 0; i < parts; i++) {
            const tby_name_part *part = tby_name_part_at(name, i);
            if (part->role == TBY_ROLE_KUNYA && !kunya_only)
                continue;
            char skel[TBY__SKELETON_MAX], alt[TBY__SKELETON_MAX];
            size_t len = tby__part_skeleton(part, skel);
            size_t alt_len = tby__part_skeleton_alt(part, alt);
            uint8_t group = 0;
            bool deletions = len >= DELETION_MIN_SKELETON;
            if (len && (alt_len || deletions)) {
                /* The same part in a name and its alias is one group. */
                uint64_t h = tby__skeleton_hash(skel, len);
                for (unsigned g = 0; g < next_group && !group; g++)
                    group = group_hash[g] == h ? (uint8_t)(g + 1) : 0;
                if (!group && next_group < 63) {
                    group_hash[next_group] = h;
                    group = (uint8_t)++next_group;
                }
            }
            if (len) {
                part_group[used] = group;
                memcpy(part_skel[used], skel, len);
                part_len[used] = len;
                part_keys[used++] = tby__skeleton_hash(skel, len);
            }
            if (alt_len && n < cap) {
                group_of[n] = group;
                out[n++] = mix(tby__skeleton_hash(alt, alt_len), KIND_PART);
            }
            /* The skeleton with one letter left out, in the same key space as whole
             * skeletons: a typo (Bahsir for Bashir, Riyadh for Riyad mistyped as Rtyadh) then
             * still shares a key with the right spelling, SymSpell's idea. Only for a part
             * with a group, so that the part still agrees once however many keys it shares. */
            for (size_t d = 0; deletions && group && d < len && n < cap; d++) {
                char del[TBY__SKELETON_MAX];
                memcpy(del, skel, d);
                memcpy(del + d, skel + d + 1, len - d - 1);
                if (d > 0 && skel[d] == skel[d - 1])
                    continue; /* the same deletion as the one before */
                group_of[n] = group;
                out[n++] = mix(tby__skeleton_hash(del, len - 1), KIND_PART);
            }
        }
        for (size_t i = 0; i < used && n < cap; i++) {
            group_of[n] = part_group[i];
            out[n++] = mix(part_keys[i], KIND_PART);
        }
        for (size_t i = 0; i < used; i++) {
            for (size_t j = i + 1; j < used && n < cap; j++) {
                uint64_t lo = part_keys[i] < part_keys[j] ? part_keys[i] : part_keys[j];
                uint64_t hi = part_keys[i] ^ part_keys[j] ^ lo;
                bool deletions = i == 0 && j == 1 && as_query && k == 0;
                /* The pair and its mistyped forms are one group: an entry sharing several
                 * of them shares one pair. */
                uint8_t group = 0;
                if (deletions && next_group < 63) {
                    group_hash[next_group] = 0; /* no part's skeleton hash is 0 */
                    group = (uint8_t)++next_group;
                }
                group_of[n] = group;
                out[n++] = mix(lo * 31 + hi, KIND_PAIR);
                if (group) {
                    n = pair_deletions(part_skel[i], part_len[i], part_skel[j], part_len[j], true,
                                       group, out, group_of, n, cap);
                    n = pair_deletions(part_skel[j], part_len[j], part_skel[i], part_len[i], false,
                                       group, out, group_of, n, cap);
                }
                /* The pair with a birth year: on a large list a common pair (Omar, Ahmad)
                 * ties with hundreds of entries, and the one born the same year should be
                 * among the candidates that are scored. */
                for (size_t d = 0; d < p->record->birth_date_count && n < cap; d++) {
                    int year = p->record->birth_dates[d].year;
                    if (year > 0 && n < cap)
                        group_of[n] = 0,
                        out[n++] = mix((lo * 31 + hi) ^ ((uint64_t)year * 0x2545F4914F6CDD1Dull),
                                       KIND_PAIR);
                }
            }
        }
    }
    for (size_t d = 0; d < p->record->document_count && n < cap; d++) {
        const tby_document *doc = &p->record->documents[d];
        uint64_t h = tby__hash64(doc->type, strlen(doc->type));
        h ^= tby__hash64(doc->number, strlen(doc->number)) * 3;
        group_of[n] = 0;
        out[n++] = mix(h, KIND_DOC);
    }
    /* Deduplicate (small n: insertion sort, then unique). */
    for (size_t i = 1; i < n; i++) {
        uint64_t v = out[i];
        uint8_t g = group_of[i];
        size_t j = i;
        while (j > 0 && out[j - 1] > v) {
            out[j] = out[j - 1];
            group_of[j] = group_of[j - 1];
            j--;
        }
        out[j] = v;
        group_of[j] = g;
    }
    size_t unique = 0;
    for (size_t i = 0; i < n; i++) {
        if (!unique || out[unique - 1] != out[i]) {
            group_of[unique] = group_of[i];
            out[unique++] = out[i];
        } else if (group_of[i] != group_of[unique - 1]) {
            /* One key standing for two parts (a name and its alias share it): no group. It
             * stays a mistyped pair only when it is one in both. */
            group_of[unique - 1] = (uint8_t)(group_of[i] & group_of[unique - 1] & GROUP_TYPO);
        }
    }
    if (groups)
        memcpy(groups, group_of, unique);
    return unique;
}

size_t tby__index_person_keys(const tby__person *p, uint64_t *out, size_t cap)
{
    return person_keys(p, out, NULL, cap, false);
}

static int key_entry_cmp(const void *x, const void *y)
{
    const key_entry *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->entry < b->entry ? -1 : a->entry > b->entry;
}

static size_t table_slot(const tby__index *index, uint64_t key)
{
    size_t at = (size_t)(key & (index->cap - 1));
    while (index->keys[at] && index->keys[at] != key)
        at = (at + 1) & (index->cap - 1);
    return at;
}

const uint32_t *tby__index_postings(const tby__index *index, uint64_t key, uint32_t *count)
{
    size_t slot = index->cap ? table_slot(index, key) : 0;
    if (!index->cap || !index->keys[slot]) {
        *count = 0;
        return NULL;
    }
    *count = index->counts[slot];
    return index->postings + index->starts[slot];
}

int tby__index_build(tby__index *index, const tby__person *entries, size_t count)
{
    memset(index, 0, sizeof(*index));
    int rc = TBY_OK;
    size_t cap_pairs = 0, used = 0;
    key_entry *pairs = NULL;
    uint64_t keys[MAX_QUERY_KEYS];
    index->entry_long = tby__malloc(count ? count : 1);
    if (!index->entry_long) {
        rc = TBY_ENOMEM;
        goto out;
    }
    for (size_t e = 0; e < count; e++) {
        index->entry_long[e] = tby__index_entry_is_long(&entries[e]);
        size_t n = person_keys(&entries[e], keys, NULL, MAX_QUERY_KEYS, false);
        if (used + n > cap_pairs) {
            size_t want = cap_pairs ? cap_pairs * 2 : 4096;
            while (want < used + n)
                want *= 2;
            key_entry *grown = tby__realloc(pairs, want * sizeof(*pairs));
            if (!grown) {
                rc = TBY_ENOMEM;
                goto out;
            }
            pairs = grown;
            cap_pairs = want;
        }
        for (size_t k = 0; k < n; k++)
            pairs[used++] = (key_entry){keys[k], (uint32_t)e};
    }
    qsort(pairs, used, sizeof(*pairs), key_entry_cmp);
    size_t distinct = 0;
    for (size_t i = 0; i < used; i++)
        distinct += !i || pairs[i].key != pairs[i - 1].key;
    index->cap = 16;
    while (index->cap < distinct * 2)
        index->cap *= 2;
    index->keys = tby__calloc(index->cap, sizeof(*index->keys));
    index->starts = tby__calloc(index->cap, sizeof(*index->starts));
    index->counts = tby__calloc(index->cap, sizeof(*index->counts));
    index->postings = tby__malloc((used ? used : 1) * sizeof(*index->postings));
    if (!index->keys || !index->starts || !index->counts || !index->postings) {
        rc = TBY_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < used;) {
        size_t j = i;
        size_t slot = table_slot(index, pairs[i].key);
        index->keys[slot] = pairs[i].key;
        index->starts[slot] = (uint32_t)index->posting_count;
        while (j < used && pairs[j].key == pairs[i].key) {
            if (j == i || pairs[j].entry != pairs[j - 1].entry)
                index->postings[index->posting_count++] = pairs[j].entry;
            j++;
        }
        index->counts[slot] = (uint32_t)(index->posting_count - index->starts[slot]);
        i = j;
    }
    index->entry_count = count;
out:
    tby__free(pairs);
    if (rc)
        tby__index_dispose(index);
    return rc;
}

void tby__index_dispose(tby__index *index)
{
    tby__free(index->keys);
    tby__free(index->starts);
    tby__free(index->counts);
    tby__free(index->postings);
    tby__free(index->pin_keys);
    tby__free(index->pin_counts);
    tby__free(index->entry_long);
    memset(index, 0, sizeof(*index));
}

size_t tby__index_bytes(const tby__index *index)
{
    return index->cap * (sizeof(uint64_t) + 2 * sizeof(uint32_t)) +
           index->posting_count * sizeof(uint32_t);
}

int tby__index_scratch_init(tby__index_scratch *scratch, const tby__index *index)
{
    size_t n = index->entry_count ? index->entry_count : 1;
    scratch->acc = tby__calloc(n, sizeof(*scratch->acc));
    scratch->touched = tby__malloc(n * sizeof(uint32_t));
    scratch->pool = tby__malloc(n * sizeof(*scratch->pool));
    scratch->live = tby__calloc((n + 63) / 64, sizeof(*scratch->live));
    scratch->touched_count = 0;
    scratch->passed = 0;
    if (!scratch->acc || !scratch->touched || !scratch->pool || !scratch->live) {
        tby__index_scratch_dispose(scratch);
        return TBY_ENOMEM;
    }
    return TBY_OK;
}

void tby__index_scratch_dispose(tby__index_scratch *scratch)
{
    tby__free(scratch->acc);
    tby__free(scratch->touched);
    tby__free(scratch->pool);
    tby__free(scratch->live);
    memset(scratch, 0, sizeof(*scratch));
}

typedef struct query_key {
    uint32_t start, count; /* count: the key's weight, pinned or live (see select_keys) */
    uint32_t postings;     /* live postings at start (0 when the list no longer has it) */
    uint64_t key;
    bool is_pair;
    uint8_t group; /* see person_keys */
    bool typo;     /* GROUP_TYPO */
} query_key;

static int query_key_cmp(const void *x, const void *y)
{
    const query_key *a = x, *b = y;
    if (a->count != b->count)
        return a->count < b->count ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key; /* a total order: no qsort-dependent ties */
}

/* The most parts with a key in one of the person's names (kunyas aside). */
static size_t keyed_parts_max(const tby__person *p)
{
    size_t best = 0;
    for (uint8_t k = 0; k < p->name_count; k++) {
        size_t parts = 0;
        for (size_t i = 0; i < tby_name_part_count(p->names[k]); i++) {
            const tby_name_part *part = tby_name_part_at(p->names[k], i);
            char skel[TBY__SKELETON_MAX];
            /* Only parts that have a key can be shared ("U" in Cho Il U has none). */
            parts += part->role != TBY_ROLE_KUNYA && tby__part_skeleton(part, skel) > 0;
        }
        if (parts > best)
            best = parts;
    }
    return best;
}

/*
 * Keys a candidate must share with the query: two (two parts, or a pair of parts, which
 * counts as a part and a pair) when the query has a name of two parts or more, else one;
 * entry_min_hits lowers it for short entries. A candidate that shares a single common part
 * ("Muhammad") with a three-part query cannot reach a name score that alerts, and scoring it
 * is most of the work a query would do.
 */
static uint8_t query_min_hits(const tby__person *q)
{
    return keyed_parts_max(q) >= 2 ? 2 : 1;
}

bool tby__index_entry_is_long(const tby__person *entry)
{
    return keyed_parts_max(entry) >= 3;
}

/*
 * Hits an entry needs: two for a query of two parts or more against an entry with a name of
 * three parts or more, else one. An entry of two parts that shares one of them with the
 * query (Athraa Ehemd against Adhraa Ahmad Saleh: a typo in the other) has half its name in
 * common; the information floor then decides.
 */
static uint8_t entry_min_hits(uint8_t query_min, bool entry_long)
{
    return query_min >= 2 && entry_long ? 2 : 1;
}

uint8_t tby__index_entry_min_hits(uint8_t query_min, bool entry_long)
{
    return entry_min_hits(query_min, entry_long);
}

static double index_entries(const tby__index *index)
{
    return (double)(index->ref_entries ? index->ref_entries : index->entry_count);
}

/*
 * The information an entry must share with the query to be a candidate: a share of what
 * the query's keys hold together (the same person shares most of them, while an entry that
 * shares one part of a chain whose other parts point elsewhere falls far behind), and at
 * least about what it takes to single out one entry of the list. Both depend on the query
 * and the (pinned) list size only, never on the other entries: whether an entry is a
 * candidate is a property of the pair, which is what lets a delta rescreen look at the
 * changed entries alone (tby_keyset_touches). Documents always make a candidate.
 */
static float candidate_floor(float query_information, double entries)
{
    float floor = CANDIDATE_SHARE * query_information;
    float single_out = CANDIDATE_MIN_BITS * (float)log2(entries + 1.0);
    return floor > single_out ? floor : single_out;
}

/*
 * Information of a key: one shared by few entries says more. Rounded down to 1/8 bit so
 * that one entry more or less on a common key (Muhammad) seldom changes it: a delta
 * rescreen then has fewer records to screen again (tby_keyset_touches).
 */
static float key_info(double entries, uint32_t count)
{
    return floorf((float)log2((entries + 1.0) / (double)count) * 8.0f) / 8.0f;
}

/* The pinned weight of a key, when a pinned model gives one. */
static bool pinned_count(const tby__index *index, uint64_t key, int64_t *out)
{
    if (!index->pin_cap)
        return false;
    size_t at = (size_t)(key >> 2) & (index->pin_cap - 1);
    while (index->pin_keys[at]) {
        if (index->pin_keys[at] == key) {
            *out = index->pin_counts[at];
            return true;
        }
        at = (at + 1) & (index->pin_cap - 1);
    }
    return false;
}

int tby__index_pin(tby__index *index, const uint64_t *keys, const uint32_t *counts, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    uint64_t *pk = tby__calloc(cap, sizeof(*pk));
    uint32_t *pc = tby__calloc(cap, sizeof(*pc));
    if (!pk || !pc) {
        tby__free(pk);
        tby__free(pc);
        return TBY_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        size_t at = (size_t)(keys[i] >> 2) & (cap - 1);
        while (pk[at] && pk[at] != keys[i])
            at = (at + 1) & (cap - 1);
        pk[at] = keys[i];
        pc[at] = counts[i];
    }
    tby__free(index->pin_keys);
    tby__free(index->pin_counts);
    index->pin_keys = pk;
    index->pin_counts = pc;
    index->pin_cap = cap;
    return TBY_OK;
}

size_t tby__index_pins(const tby__index *index, uint64_t *keys, uint32_t *counts)
{
    size_t n = 0;
    if (index->pin_cap) {
        for (size_t i = 0; i < index->pin_cap; i++) {
            if (!index->pin_keys[i])
                continue;
            if (keys)
                keys[n] = index->pin_keys[i], counts[n] = index->pin_counts[i];
            n++;
        }
        return n;
    }
    for (size_t i = 0; i < index->cap; i++) {
        if (!index->keys[i] || index->counts[i] <= RARE_KEY_POSTINGS)
            continue;
        if (keys)
            keys[n] = index->keys[i], counts[n] = index->counts[i];
        n++;
    }
    return n;
}

/*
 * The keys a query reads, in the order it reads them: those the index has, rarest first,
 * until the postings read would pass the budget (documents and the first QUERY_MIN_KEYS
 * always). A key's weight is its pinned count when a pinned model has one, else its postings
 * (with `delta`: the index's minus delta(key), the count before a change; see
 * tby__index_read_set). Returns the count.
 */
static size_t select_keys(const tby__index *index, const uint64_t *keys, const uint8_t *groups,
                          size_t n, int32_t (*delta)(const void *, uint64_t),
                          const void *delta_payload, query_key *found)
{
    size_t found_count = 0;
    for (size_t k = 0; k < n; k++) {
        size_t slot = table_slot(index, keys[k]);
        uint32_t live = index->keys[slot] ? index->counts[slot] : 0;
        uint32_t start = index->keys[slot] ? index->starts[slot] : 0;
        /* A pinned key keeps the weight it had when the model was pinned, in every list
         * version; another key's weight is its postings now (before the change: minus the
         * changed entries' delta). */
        int64_t count;
        if (!pinned_count(index, keys[k], &count)) {
            count = live;
            if (delta)
                count -= delta(delta_payload, keys[k]);
            /* Under a pinned model a key that was rare weighs as rare while it exists, so
             * that its few entries changing moves nothing else. */
            if (index->pin_cap && count > 0 && count <= RARE_KEY_POSTINGS)
                count = RARE_KEY_POSTINGS;
        }
        if (count <= 0 || ((groups[k] & GROUP_TYPO) && count > RARE_KEY_POSTINGS))
            continue;
        found[found_count++] = (query_key){start,
                                           (uint32_t)count,
                                           live,
                                           keys[k],
                                           (keys[k] & 3) == KEY_PAIR,
                                           (uint8_t)(groups[k] & GROUP_MASK),
                                           (groups[k] & GROUP_TYPO) != 0};
    }
    /* Rarest first (a query has a few dozen keys: insertion sort, in a total order). */
    for (size_t k = 1; k < found_count; k++) {
        query_key key = found[k];
        size_t j = k;
        for (; j > 0 && query_key_cmp(&found[j - 1], &key) > 0; j--)
            found[j] = found[j - 1];
        found[j] = key;
    }
    size_t read = 0, own = 0;
    for (size_t k = 0; k < found_count; k++) {
        bool document = (found[k].key & 3) == KEY_DOC;
        if (!document && own >= QUERY_MIN_KEYS && read + found[k].count > QUERY_POSTINGS_BUDGET)
            return k;
        /* A rare pair with a letter left out costs a few postings and leaves the budget, and
         * the keys always taken, to the query's own keys. */
        if (!found[k].typo)
            read += found[k].count, own++;
    }
    return found_count;
}

size_t tby__index_query_keys(const tby__person *query, uint64_t *keys, uint8_t *groups)
{
    return person_keys(query, keys, groups, MAX_QUERY_KEYS, true);
}

size_t tby__index_read_set_keys(const tby__index *index, const uint64_t *keys,
                                const uint8_t *groups, size_t n,
                                int32_t (*delta)(const void *, uint64_t), const void *delta_payload,
                                tby__read_key *out)
{
    query_key found[MAX_QUERY_KEYS];
    size_t count = select_keys(index, keys, groups, n, delta, delta_payload, found);
    double entries = index_entries(index);
    for (size_t k = 0; k < count; k++) {
        bool document = (found[k].key & 3) == KEY_DOC;
        out[k] = (tby__read_key){found[k].key,
                                 key_info(entries, found[k].count),
                                 (uint8_t)(found[k].is_pair ? 2 : 1),
                                 found[k].group,
                                 document || found[k].count <= RARE_KEY_POSTINGS,
                                 document,
                                 found[k].typo};
    }
    return count;
}

size_t tby__index_read_set(const tby__index *index, const tby__person *query,
                           int32_t (*delta)(const void *, uint64_t), const void *delta_payload,
                           tby__read_key *out)
{
    uint64_t keys[MAX_QUERY_KEYS];
    uint8_t groups[MAX_QUERY_KEYS];
    size_t n = person_keys(query, keys, groups, MAX_QUERY_KEYS, true);
    return tby__index_read_set_keys(index, keys, groups, n, delta, delta_payload, out);
}

uint8_t tby__index_min_hits(const tby__person *query)
{
    return query_min_hits(query);
}

float tby__index_candidate_floor(const tby__index *index, const tby__read_key *read, size_t n)
{
    float smax = 0.0f;
    uint64_t groups = 0;
    for (size_t k = 0; k < n; k++) {
        if (read[k].typo)
            continue; /* see tby__index_query_ex */
        uint64_t bit = read[k].group ? (uint64_t)1 << (read[k].group - 1) : 0;
        if (!(groups & bit))
            smax += read[k].info + 0.01f;
        groups |= bit;
    }
    return candidate_floor(smax, index_entries(index));
}

static int candidate_cmp(const void *x, const void *y)
{
    const tby__candidate *a = x, *b = y;
    if (a->via_document != b->via_document)
        return a->via_document ? -1 : 1;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->entry < b->entry ? -1 : a->entry > b->entry;
}

size_t tby__index_query(const tby__index *index, tby__index_scratch *scratch,
                        const tby__person *query, tby__candidate *out, size_t max)
{
    return tby__index_query_ex(index, scratch, query, NULL, NULL, NULL, out, max);
}

/*
 * What an entry the query has not met by key k can still gather from keys k.. (reach[k]):
 * per group the information of its first (rarest) key left, since a part agrees once, and
 * every other key's; unbounded while a document is left, since a document alone makes a
 * candidate. reach[n] is 0.
 */
static void key_reach(const query_key *found, const float *info, size_t n, float *reach)
{
    float group_best[64] = {0};
    double ungrouped = 0.0, grouped = 0.0;
    bool document = false;
    reach[n] = 0.0f;
    for (size_t k = n; k-- > 0;) {
        float add = info[k] + 0.01f;
        document = document || (found[k].key & 3) == KEY_DOC;
        if (!found[k].group) {
            ungrouped += add;
        } else if (add > group_best[found[k].group]) {
            grouped += add - group_best[found[k].group];
            group_best[found[k].group] = add;
        }
        reach[k] = document ? INFINITY : (float)(ungrouped + grouped);
    }
}

/* The floats of a candidate score and of reach are summed in different orders: a margin far
 * above their rounding, far below the 1/8 bit steps of key information. */
#define REACH_MARGIN 0.05f

static bool live_has(const uint64_t *live, uint32_t e)
{
    return (live[e >> 6] >> (e & 63)) & 1;
}

/* What one shared key adds to an entry's accumulator. */
typedef struct key_add {
    float info;         /* the key's information + 0.01 */
    uint64_t group_bit; /* the part it stands for, 0 when none */
    uint8_t hits;       /* 2 for a pair of parts (two agreeing parts), else 1 */
    bool alone;         /* a document or a key of at most RARE_KEY_POSTINGS: a candidate alone */
    bool document;
} key_add;

static void acc_add(tby__index_acc *acc, const key_add *k)
{
    acc->groups |= k->group_bit;
    acc->score += k->info;
    acc->hits = (uint8_t)(acc->hits + k->hits > 255 ? 255 : acc->hits + k->hits);
    if (k->alone)
        acc->hits = 255;
    if (k->document)
        acc->via_document = 1;
}

/* Adds one key to the accumulators of every entry in its postings (but those in `skip`). */
static void accumulate_open(const tby__index *index, tby__index_scratch *scratch,
                            const query_key *qk, const key_add *k, const uint8_t *skip)
{
    const uint32_t *post = index->postings + qk->start;
    uint64_t *live = scratch->live;
    for (uint32_t i = 0; i < qk->postings; i++) {
        uint32_t e = post[i];
#if defined(__GNUC__) || defined(__clang__)
        /* The accumulators are scattered: ask for one a few postings ahead. */
        if (i + ACC_PREFETCH < qk->postings)
            __builtin_prefetch(&scratch->acc[post[i + ACC_PREFETCH]], 1);
#endif
        if (skip && skip[e])
            continue;
        tby__index_acc *acc = &scratch->acc[e];
        /* Both keys of one part (rarest read first): the part agrees once. */
        if (acc->groups & k->group_bit)
            continue;
        if (!live_has(live, e)) {
            live[e >> 6] |= (uint64_t)1 << (e & 63);
            scratch->touched[scratch->touched_count++] = e;
        }
        acc_add(acc, k);
    }
}

/* Adds one key to the accumulators of the live entries in its postings only: the others are
 * passed over on one bit each. */
static void accumulate_live(const tby__index *index, tby__index_scratch *scratch,
                            const query_key *qk, const key_add *k)
{
    const uint32_t *post = index->postings + qk->start;
    const uint64_t *live = scratch->live;
    uint32_t added = 0;
    for (uint32_t i = 0; i < qk->postings; i++) {
        uint32_t e = post[i];
        if (!live_has(live, e))
            continue;
        tby__index_acc *acc = &scratch->acc[e];
        added++;
        if (!(acc->groups & k->group_bit))
            acc_add(acc, k);
    }
    scratch->passed += qk->postings - added;
}

size_t tby__index_query_ex(const tby__index *index, tby__index_scratch *scratch,
                           const tby__person *query, int32_t (*delta)(const void *, uint64_t),
                           const void *delta_payload, const uint8_t *skip, tby__candidate *out,
                           size_t max)
{
    if (!index->entry_count || !max)
        return 0;
    uint64_t keys[MAX_QUERY_KEYS];
    uint8_t groups[MAX_QUERY_KEYS];
    size_t n = person_keys(query, keys, groups, MAX_QUERY_KEYS, true);
    query_key found[MAX_QUERY_KEYS];
    size_t found_count = select_keys(index, keys, groups, n, delta, delta_payload, found);
    double entries = index_entries(index);
    float info[MAX_QUERY_KEYS], reach[MAX_QUERY_KEYS + 1];
    float smax = 0.0f;
    uint64_t query_groups = 0;
    for (size_t k = 0; k < found_count; k++) {
        info[k] = key_info(entries, found[k].count);
        /* A pair with a letter left out finds a mistyped entry; it is not information the
         * query holds, so it leaves the candidate floor where the query's own keys put it. */
        if (found[k].typo)
            continue;
        uint64_t group_bit = found[k].group ? (uint64_t)1 << (found[k].group - 1) : 0;
        if (!(query_groups & group_bit))
            smax += info[k] + 0.01f;
        query_groups |= group_bit;
    }
    float floor = candidate_floor(smax, entries);
    key_reach(found, info, found_count, reach);
    /*
     * Keys are read rarest first, so what an entry not met yet can still gather shrinks as
     * the query goes. Once it is below the floor, the common keys that remain (most of the
     * postings a query reads) only add to the entries already met, and of those only to the
     * ones that can still reach the floor: the others are no longer live. The candidates
     * and their scores are those of reading every posting (MaxScore, Turtle and Flood).
     */
    bool open = true;
    for (size_t k = 0; k < found_count; k++) {
        if (open && reach[k] + REACH_MARGIN < floor) {
            open = false;
            for (size_t i = 0; i < scratch->touched_count; i++) {
                uint32_t e = scratch->touched[i];
                if (scratch->acc[e].score + reach[k] + REACH_MARGIN < floor &&
                    !scratch->acc[e].via_document)
                    scratch->live[e >> 6] &= ~((uint64_t)1 << (e & 63));
            }
        }
        bool document = (found[k].key & 3) == KEY_DOC;
        key_add add = {info[k] + 0.01f, found[k].group ? (uint64_t)1 << (found[k].group - 1) : 0,
                       (uint8_t)(found[k].is_pair ? 2 : 1),
                       document || found[k].count <= RARE_KEY_POSTINGS, document};
        if (open)
            accumulate_open(index, scratch, &found[k], &add, skip);
        else
            accumulate_live(index, scratch, &found[k], &add);
    }
    size_t count = scratch->touched_count;
    size_t kept = 0;
    uint8_t min_hits = query_min_hits(query);
    /* Qualifying candidates into the pool, resetting the accumulators as we go. */
    for (size_t i = 0; i < count; i++) {
        uint32_t e = scratch->touched[i];
        tby__index_acc *acc = &scratch->acc[e];
        tby__candidate c = {e, acc->score, acc->via_document != 0};
        uint8_t hits = acc->hits;
        *acc = (tby__index_acc){0};
        scratch->live[e >> 6] &= ~((uint64_t)1 << (e & 63));
        if (hits >= entry_min_hits(min_hits, index->entry_long[e]) &&
            (c.via_document || c.score >= floor))
            scratch->pool[kept++] = c;
    }
    scratch->touched_count = 0;
    size_t left = kept;
    if (left > max) {
        qsort(scratch->pool, left, sizeof(*scratch->pool), candidate_cmp);
        left = max;
    }
    memcpy(out, scratch->pool, left * sizeof(*out));
    return left;
}
