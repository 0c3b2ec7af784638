// SPDX-License-Identifier: Apache-2.0
// Comparing parts and whole names.
//
// Part against part: identical keys are exact (or spelling, when only folding made them
// equal); two Arabic spellings are compared letter by letter (distinct consonants stay
// distinct); anything involving Latin is compared on the cross-script phonetic symbols.
// The weighted edit distance d over a key of weighted length L becomes a similarity
// (1 - d / L) ^ 2, so one changed consonant in a five-letter name costs about a third.
//
// Name against name: an order-free one-to-one alignment of parts chosen greedily by
// weighted similarity, where each part's weight says how much it identifies (a grandfather
// less than a given name, a kunya or a very common name much less). The score is
//
//            sum over aligned pairs of  w * sim
//   ---------------------------------------------------------------
//   sum over aligned pairs of w  +  sum over unaligned parts of  lambda * w
//
// with lambda = 1 for parts of the shorter name (everything it says should be found) and
// 0.3 for the longer one (lists carry more ancestors and aliases than a registration).
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "names/names_int.h"
#include "util/util_int.h"

/* Parts whose similarity is below this are not aligned at all. */
#define ALIGN_MIN_SIM 0.45
/* A part left alone on each side, in the same role, is paired from this similarity. */
#define LEFTOVER_MIN_SIM 0.4

/* The largest distance that still gives a similarity of at least `floor`. */
static double budget_for(double floor, double length)
{
    if (floor <= 0.0)
        return HUGE_VAL;
    if (length < 2.0)
        length = 2.0;
    return length * (1.0 - sqrt(floor)) + 1e-6;
}

/*
 * Lower bound on the letter distance of two Arabic keys from their lengths: the difference
 * must be left out letter by letter, at 0.7 at least (the cost of a long vowel letter).
 */
static double arabic_length_bound(size_t a_len, size_t b_len)
{
    return 0.7 * (double)(a_len > b_len ? a_len - b_len : b_len - a_len);
}

/*
 * Whether a lower bound rules a pair out. The DP sums float costs along a path, so its value
 * can fall short of the exact sum by a rounding error; a bound only counts when clearly
 * above the budget, and the DP decides the pairs that are close.
 */
static bool bound_exceeds(double bound, double budget)
{
    return bound > budget + 1e-3;
}

/*
 * The symbols and letter codes whose deletion costs 1 (tby__phon_full_set), fetched once:
 * every comparison of names tests them for many pairs of parts.
 */
static tby__symset full_sym, full_ar;
static pthread_once_t full_once = PTHREAD_ONCE_INIT;

static void full_sets_fetch(void)
{
    full_sym = tby__phon_full_set();
    full_ar = tby__arabic_full_set();
}

/*
 * Whether the orphan bounds (tby__phon_orphan_bound) rule out two symbol keys, given the
 * orphans of each side (its symbols outside the other's tby__phon_near_set). No orphans
 * means a bound of 0, which rules nothing out. The orphans among the full-cost symbols
 * alone often exceed the budget; the exact sums are only needed when they do not. (Counted
 * in one word of the sets only, where the full-cost symbols are: the letters, codes 64 to 127,
 * for phonetic symbols; U+0621..U+064A, codes 1 to 42, for Arabic letter codes. Fewer
 * counted is still a bound.)
 */
static bool phon_orphan_sums_exceed(const uint8_t *a, size_t a_len, tby__symset a_orphans,
                                    const uint8_t *b, size_t b_len, tby__symset b_orphans,
                                    bool cross, double budget)
{
    return (!tby__symset_is_empty(a_orphans) &&
            bound_exceeds(tby__phon_orphan_sum(a, a_len, a_orphans, cross), budget)) ||
           (!tby__symset_is_empty(b_orphans) &&
            bound_exceeds(tby__phon_orphan_sum(b, b_len, b_orphans, cross), budget));
}

static inline bool phon_orphans_exceed(const uint8_t *a, size_t a_len, tby__symset a_orphans,
                                       const uint8_t *b, size_t b_len, tby__symset b_orphans,
                                       bool cross, double budget)
{
    unsigned full_a = tby__popcount64(a_orphans.bits[1] & full_sym.bits[1]);
    unsigned full_b = tby__popcount64(b_orphans.bits[1] & full_sym.bits[1]);
    return bound_exceeds((double)(full_a > full_b ? full_a : full_b), budget) ||
           phon_orphan_sums_exceed(a, a_len, a_orphans, b, b_len, b_orphans, cross, budget);
}

static bool arabic_orphan_sums_exceed(const uint8_t *a, size_t a_len, tby__symset a_orphans,
                                      const uint8_t *b, size_t b_len, tby__symset b_orphans,
                                      double budget)
{
    return (!tby__symset_is_empty(a_orphans) &&
            bound_exceeds(tby__arabic_orphan_sum(a, a_len, a_orphans), budget)) ||
           (!tby__symset_is_empty(b_orphans) &&
            bound_exceeds(tby__arabic_orphan_sum(b, b_len, b_orphans), budget));
}

static inline bool arabic_orphans_exceed(const uint8_t *a, size_t a_len, tby__symset a_orphans,
                                         const uint8_t *b, size_t b_len, tby__symset b_orphans,
                                         double budget)
{
    unsigned full_a = tby__popcount64(a_orphans.bits[0] & full_ar.bits[0]);
    unsigned full_b = tby__popcount64(b_orphans.bits[0] & full_ar.bits[0]);
    return bound_exceeds((double)(full_a > full_b ? full_a : full_b), budget) ||
           arabic_orphan_sums_exceed(a, a_len, a_orphans, b, b_len, b_orphans, budget);
}

static double sim_from_distance(double distance, double length)
{
    if (length < 2.0)
        length = 2.0;
    double r = 1.0 - distance / length;
    if (r <= 0.0)
        return 0.0;
    return r * r;
}

/*
 * Plain Levenshtein distance over code points, for parts with no phonetic symbols (names in
 * scripts other than Arabic and Latin): they still compare, spelling against spelling.
 */
static double key_distance(const char *a, const char *b, double *len_out)
{
    int32_t ca[TBY__SYM_MAX], cb[TBY__SYM_MAX];
    size_t na = 0, nb = 0;
    for (size_t off = 0, len = strlen(a), k; off < len && na < TBY__SYM_MAX; off += k) {
        k = tby__utf8_decode(a + off, len - off, &ca[na]);
        if (!k)
            break;
        na++;
    }
    for (size_t off = 0, len = strlen(b), k; off < len && nb < TBY__SYM_MAX; off += k) {
        k = tby__utf8_decode(b + off, len - off, &cb[nb]);
        if (!k)
            break;
        nb++;
    }
    double prev[TBY__SYM_MAX + 1], cur[TBY__SYM_MAX + 1];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = (double)j;
    for (size_t i = 0; i < na; i++) {
        cur[0] = (double)(i + 1);
        for (size_t j = 0; j < nb; j++) {
            double best = prev[j] + (ca[i] == cb[j] ? 0.0 : 1.0);
            if (prev[j + 1] + 1.0 < best)
                best = prev[j + 1] + 1.0;
            if (cur[j] + 1.0 < best)
                best = cur[j] + 1.0;
            cur[j + 1] = best;
        }
        memcpy(prev, cur, (nb + 1) * sizeof(double));
    }
    *len_out = (double)(na > nb ? na : nb);
    return prev[nb];
}

static double part_compare(const tby__part *a, const tby__part *b, double floor, tby_tier *tier_out)
{
    bool a_ar = a->pub.script == TBY_SCRIPT_ARABIC;
    bool b_ar = b->pub.script == TBY_SCRIPT_ARABIC;
    if (a->key_hash == b->key_hash && a_ar == b_ar && !strcmp(a->pub.key, b->pub.key)) {
        *tier_out = strcmp(a->pub.form, b->pub.form) ? TBY_TIER_SPELLING : TBY_TIER_EXACT;
        return 1.0;
    }
    double len;
    /* Two Arabic keys are measured in letters, anything else in weighted symbols. */
    double sym_longer = a->sym_weight > b->sym_weight ? a->sym_weight : b->sym_weight;
    double ar_longer = a->ar_len > b->ar_len ? a->ar_len : b->ar_len;
    double budget = budget_for(floor, a_ar && b_ar ? ar_longer : sym_longer);
    if (floor > 0.0 && a->sym_len && b->sym_len &&
        tby__phon_lmnr_bound(a->lmnr, b->lmnr) > budget) {
        *tier_out = TBY_TIER_NONE;
        return 0.0;
    }
    if (a_ar && b_ar && a->ar_len && b->ar_len) {
        if (floor > 0.0 && (arabic_length_bound(a->ar_len, b->ar_len) > budget ||
                            arabic_orphans_exceed(
                                a->ar, a->ar_len, tby__symset_minus(a->ar_set, b->ar_near), b->ar,
                                b->ar_len, tby__symset_minus(b->ar_set, a->ar_near), budget))) {
            *tier_out = TBY_TIER_NONE;
            return 0.0;
        }
        double d = tby__arabic_distance(a->ar, a->ar_len, b->ar, b->ar_len, budget, &len);
        double sim = sim_from_distance(d, len);
        *tier_out = d <= 0.5 ? TBY_TIER_SPELLING : TBY_TIER_EDIT;
        return sim;
    }
    if (a->sym_len == 0 || b->sym_len == 0) {
        double d = key_distance(a->pub.key, b->pub.key, &len);
        *tier_out = TBY_TIER_EDIT;
        return a->sym_len == b->sym_len ? sim_from_distance(d, len) : 0.0;
    }
    bool cross = a_ar != b_ar;
    if (a->sym_hash == b->sym_hash && a->sym_len == b->sym_len &&
        !memcmp(a->sym, b->sym, a->sym_len)) {
        *tier_out = cross ? TBY_TIER_TRANSLIT : TBY_TIER_SPELLING;
        return 1.0;
    }
    if (a_ar && b_ar) /* one of them without Arabic letter codes */
        budget = budget_for(floor, sym_longer);
    /* Orphans against the whole other key are orphans against any part of it, so these
     * serve the readings without an article below as well. */
    tby__symset a_orphans = tby__symset_minus(a->sym_set, b->sym_near);
    tby__symset b_orphans = tby__symset_minus(b->sym_set, a->sym_near);
    /* The orphan bounds hold for the whole keys only, not for a key read without its fused
     * article (below), so they are skipped when that second reading will be tried. */
    if (floor > 0.0 && !a->art_skip == !b->art_skip &&
        phon_orphans_exceed(a->sym, a->sym_len, a_orphans, b->sym, b->sym_len, b_orphans, cross,
                            budget)) {
        *tier_out = TBY_TIER_NONE;
        return 0.0;
    }
    double d = tby__phon_distance_cut(a->sym, a->sym_len, a_orphans, b->sym, b->sym_len, b_orphans,
                                      cross, budget, &len);
    double sim = sim_from_distance(d, len);
    /* Try without a fused article on either side (Aljubouri against al-Jubouri). */
    if (a->art_skip && !b->art_skip) {
        double l2;
        double d2 =
            tby__phon_distance_cut(a->sym + a->art_skip, a->sym_len - a->art_skip, a_orphans,
                                   b->sym, b->sym_len, b_orphans, cross, budget, &l2);
        double s2 = sim_from_distance(d2, l2);
        if (s2 > sim)
            sim = s2, d = d2;
    } else if (b->art_skip && !a->art_skip) {
        double l2;
        double d2 = tby__phon_distance_cut(a->sym, a->sym_len, a_orphans, b->sym + b->art_skip,
                                           b->sym_len - b->art_skip, b_orphans, cross, budget, &l2);
        double s2 = sim_from_distance(d2, l2);
        if (s2 > sim)
            sim = s2, d = d2;
    }
    if (cross)
        *tier_out = sim >= 0.7 ? TBY_TIER_TRANSLIT : TBY_TIER_EDIT;
    else
        *tier_out = d <= 0.45 ? TBY_TIER_SPELLING : TBY_TIER_EDIT;
    return sim;
}

/* ===== The per-query memo of part similarities ===== */

_Static_assert(TBY_TIER_EDIT < 8, "a tier fits the memo key's 3 low bits");

#define MEMO_SLOTS     4096u /* a power of two; a query fills a few hundred */
#define MEMO_MAX_FILL  (MEMO_SLOTS / 2)
#define MEMO_GEN_BITS  16
#define MEMO_GEN_SHIFT 48

int tby__part_memo_init(tby__part_memo *memo)
{
    memset(memo, 0, sizeof(*memo));
    memo->slots = tby__calloc(MEMO_SLOTS, sizeof(*memo->slots));
    if (!memo->slots)
        return TBY_ENOMEM;
    memo->generation = 1;
    return TBY_OK;
}

void tby__part_memo_dispose(tby__part_memo *memo)
{
    tby__free(memo->slots);
    memset(memo, 0, sizeof(*memo));
}

void tby__part_memo_next(tby__part_memo *memo)
{
    memo->used = 0;
    if (++memo->generation >= (1u << MEMO_GEN_BITS)) {
        memset(memo->slots, 0, MEMO_SLOTS * sizeof(*memo->slots));
        memo->generation = 1;
    }
}

/*
 * Key layout, high to low: generation (16 bits), query name (6), query part (7), tok (32),
 * and 3 low bits left 0 where the slot keeps the tier. Never 0.
 */
static uint64_t memo_key(const tby__part_memo *memo, unsigned a_id, size_t part, uint32_t tok)
{
    return ((uint64_t)memo->generation << MEMO_GEN_SHIFT) | ((uint64_t)(a_id & 63u) << 42) |
           ((uint64_t)(part & 127u) << 35) | ((uint64_t)tok << 3);
}

static size_t memo_slot(uint64_t key)
{
    key ^= key >> 29;
    key *= 0xbf58476d1ce4e5b9ull;
    key ^= key >> 32;
    return (size_t)key & (MEMO_SLOTS - 1);
}

/*
 * part_compare at ALIGN_MIN_SIM, remembered per query when b is an interned list part.
 * Identical keys are settled before the memo: that test is cheaper than a lookup.
 */
static double part_compare_memo(const tby__part *a, size_t a_part, unsigned a_id,
                                const tby__part *b, tby__part_memo *memo, tby_tier *tier_out)
{
    if (!memo || !b->tok || (a->key_hash == b->key_hash && !strcmp(a->pub.key, b->pub.key)))
        return part_compare(a, b, ALIGN_MIN_SIM, tier_out);
    uint64_t key = memo_key(memo, a_id, a_part, b->tok);
    size_t slot = memo_slot(key);
    uint64_t stale = (uint64_t)memo->generation << MEMO_GEN_SHIFT;
    while (memo->slots[slot].key >= stale) { /* a slot of this generation */
        if ((memo->slots[slot].key & ~(uint64_t)7) == key) {
            *tier_out = (tby_tier)(memo->slots[slot].key & 7);
            return memo->slots[slot].sim;
        }
        slot = (slot + 1) & (MEMO_SLOTS - 1);
    }
    double sim = part_compare(a, b, ALIGN_MIN_SIM, tier_out);
    if (memo->used < MEMO_MAX_FILL) {
        memo->slots[slot].key = key | ((uint64_t)*tier_out & 7);
        memo->slots[slot].sim = sim;
        memo->used++;
    }
    return sim;
}

double tby_name_part_compare(const tby_name_part *a, const tby_name_part *b, tby_tier *tier_out)
{
    tby_tier tier = TBY_TIER_NONE;
    pthread_once(&full_once, full_sets_fetch);
    if (!a || !b) {
        if (tier_out)
            *tier_out = TBY_TIER_NONE;
        return 0.0;
    }
    /* tby_name_part is the first member of tby__part, so the cast recovers the whole part. */
    double sim = part_compare((const tby__part *)(const void *)a,
                              (const tby__part *)(const void *)b, 0.0, &tier);
    if (sim <= 0.0)
        tier = TBY_TIER_NONE;
    if (tier_out)
        *tier_out = tier;
    return sim;
}

/* How plausible it is that a part in role x is the same name as a part in role y. */
static double role_factor(tby_role x, tby_role y)
{
    if (x == y || x == TBY_ROLE_UNKNOWN || y == TBY_ROLE_UNKNOWN)
        return 1.0;
    if (x == TBY_ROLE_KUNYA || y == TBY_ROLE_KUNYA)
        return 0.8;
    /* A family name or nisba moves freely (front of a Latin list entry, end of a chain). */
    if (x == TBY_ROLE_FAMILY || y == TBY_ROLE_FAMILY || x == TBY_ROLE_NISBA || y == TBY_ROLE_NISBA)
        return 0.95;
    /* A chain with a generation left out shifts the later names by one position. */
    if ((x == TBY_ROLE_GRANDFATHER && y == TBY_ROLE_ANCESTOR) ||
        (y == TBY_ROLE_GRANDFATHER && x == TBY_ROLE_ANCESTOR) ||
        (x == TBY_ROLE_FATHER && y == TBY_ROLE_GRANDFATHER) ||
        (y == TBY_ROLE_FATHER && x == TBY_ROLE_GRANDFATHER))
        return 0.95;
    /* A given name two or more generations away reverses the chain: another person. */
    if ((x == TBY_ROLE_GIVEN && (y == TBY_ROLE_GRANDFATHER || y == TBY_ROLE_ANCESTOR)) ||
        (y == TBY_ROLE_GIVEN && (x == TBY_ROLE_GRANDFATHER || x == TBY_ROLE_ANCESTOR)))
        return 0.6;
    return 0.85;
}

/*
 * How much a part found on one side only counts against the names. A given or father's name
 * with no counterpart says "another person"; a grandfather, an ancestor or a family name left
 * out is how Iraqi and Syrian records are normally written (arabic-names.md 1.2, 1.9: the
 * family name "will not necessarily appear", lists drop generations).
 */
static double unmatched_factor(tby_role role)
{
    switch (role) {
    case TBY_ROLE_GIVEN:
    case TBY_ROLE_FATHER:
        return 1.0;
    case TBY_ROLE_UNKNOWN:
        return 0.8;
    case TBY_ROLE_GRANDFATHER:
        return 0.5;
    case TBY_ROLE_ANCESTOR:
        return 0.35;
    case TBY_ROLE_FAMILY:
    case TBY_ROLE_NISBA:
        return 0.35;
    case TBY_ROLE_KUNYA:
        return 0.2;
    }
    return 1.0;
}

typedef struct cand {
    double value; /* weighted similarity used for choosing */
    double sim;
    uint8_t i, j;             /* first part on each side */
    uint8_t i_count, j_count; /* 1, or 2 for two adjacent parts read as one word */
    uint8_t tier;
} cand;

/* Parts whose best single counterpart is below this may be split or merged instead. */
#define MERGE_BELOW 0.8
/* A merge must reach this similarity to be considered. */
#define MERGE_MIN_SIM 0.7

/*
 * Similarity of one part against two adjacent parts of the other name read as one word:
 * ظاهرعويس against "Dahir Aweys", "Walijan" against ولی جان. Compounds are handled by the
 * parser; this catches the spaces that clerks add or drop anywhere else.
 */
static double part_compare_merged(const tby__part *one, const tby__part *first,
                                  const tby__part *second, tby_tier *tier)
{
    bool one_ar = one->pub.script == TBY_SCRIPT_ARABIC;
    bool two_ar = first->pub.script == TBY_SCRIPT_ARABIC;
    if (two_ar != (second->pub.script == TBY_SCRIPT_ARABIC))
        return 0.0;
    double len, d;
    /* Joined by two copies of whole key arrays: fixed sizes copy without a branch or a call,
     * and the second starts where the first key ends, so joined[0..n) is right. */
    uint8_t joined[TBY__SYM_MAX * 2];
    if (one_ar && two_ar) {
        size_t n = first->ar_len + second->ar_len;
        n = n > TBY__SYM_MAX ? TBY__SYM_MAX : n;
        double budget = budget_for(MERGE_MIN_SIM, (double)(n > one->ar_len ? n : one->ar_len));
        if (arabic_length_bound(one->ar_len, n) > budget)
            return 0.0;
        memcpy(joined, first->ar, TBY__SYM_MAX);
        memcpy(joined + first->ar_len, second->ar, TBY__SYM_MAX);
        /* The joined key's sets are the parts' sets together, unless it is cut short. */
        bool whole = first->ar_len + second->ar_len <= TBY__SYM_MAX;
        tby__symset joined_set =
            whole ? tby__symset_union(first->ar_set, second->ar_set) : tby__symset_of(joined, n);
        tby__symset joined_near = whole ? tby__symset_union(first->ar_near, second->ar_near)
                                        : tby__arabic_near_set(joined, n);
        if (arabic_orphans_exceed(one->ar, one->ar_len, tby__symset_minus(one->ar_set, joined_near),
                                  joined, n, tby__symset_minus(joined_set, one->ar_near), budget))
            return 0.0;
        d = tby__arabic_distance(one->ar, one->ar_len, joined, n, budget, &len);
    } else {
        double joined_weight = first->sym_weight + second->sym_weight;
        /* Reading two words as one only makes sense when the lengths are alike. */
        if (one->sym_weight < 0.6 * joined_weight || joined_weight < 0.6 * one->sym_weight)
            return 0.0;
        size_t n = first->sym_len + second->sym_len;
        memcpy(joined, first->sym, TBY__SYM_MAX);
        memcpy(joined + first->sym_len, second->sym, TBY__SYM_MAX);
        /* The counts of the joined key are the parts' counts added, unless it is cut short. */
        uint16_t lmnr = n <= TBY__SYM_MAX ? tby__phon_lmnr_add(first->lmnr, second->lmnr)
                                          : tby__phon_lmnr(joined, TBY__SYM_MAX);
        n = n > TBY__SYM_MAX ? TBY__SYM_MAX : n;
        double longer = one->sym_weight > joined_weight ? one->sym_weight : joined_weight;
        double budget = budget_for(MERGE_MIN_SIM, longer);
        /* Against the whole parts' sets even when the joined key is cut short, as before:
         * a symbol of one with nothing near in either part has nothing near in joined. */
        tby__symset joined_near = tby__symset_union(first->sym_near, second->sym_near);
        tby__symset joined_set = tby__symset_union(first->sym_set, second->sym_set);
        tby__symset one_orphans = tby__symset_minus(one->sym_set, joined_near);
        tby__symset joined_orphans = tby__symset_minus(joined_set, one->sym_near);
        if (tby__phon_lmnr_bound(one->lmnr, lmnr) > budget ||
            phon_orphans_exceed(one->sym, one->sym_len, one_orphans, joined, n, joined_orphans,
                                one_ar != two_ar, budget))
            return 0.0;
        d = tby__phon_distance_cut(one->sym, one->sym_len, one_orphans, joined, n, joined_orphans,
                                   one_ar != two_ar, budget, &len);
    }
    *tier = one_ar != two_ar ? TBY_TIER_TRANSLIT : TBY_TIER_EDIT;
    return sim_from_distance(d, len);
}

double tby_name_compare(const tby_name *a, const tby_name *b, tby_name_match *match)
{
    return tby__name_compare_memo(a, 0, b, match, NULL);
}

double tby__name_compare_memo(const tby_name *a, unsigned a_id, const tby_name *b,
                              tby_name_match *match, tby__part_memo *memo)
{
    if (match)
        match->link_count = 0, match->score = 0.0;
    if (!a || !b || !a->part_count || !b->part_count)
        return 0.0;
    pthread_once(&full_once, full_sets_fetch);
    size_t n = a->part_count, m = b->part_count;
    cand cands[TBY_NAME_MAX_PARTS * TBY_NAME_MAX_PARTS * 2];
    double best_a[TBY_NAME_MAX_PARTS], best_b[TBY_NAME_MAX_PARTS];
    for (size_t i = 0; i < n; i++)
        best_a[i] = 0.0;
    for (size_t j = 0; j < m; j++)
        best_b[j] = 0.0;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const tby__part *pa = &a->parts[i];
        for (size_t j = 0; j < m; j++) {
            const tby__part *pb = &b->parts[j];
            tby_tier tier;
            double sim = part_compare_memo(pa, i, a_id, pb, memo, &tier);
            if (sim > best_a[i])
                best_a[i] = sim;
            if (sim > best_b[j])
                best_b[j] = sim;
            if (sim < ALIGN_MIN_SIM)
                continue;
            cand *c = &cands[count++];
            c->sim = sim;
            c->value =
                sim * role_factor(pa->pub.role, pb->pub.role) * (pa->weight + pb->weight) * 0.5;
            c->i = (uint8_t)i;
            c->j = (uint8_t)j;
            c->i_count = c->j_count = 1;
            c->tier = (uint8_t)tier;
        }
    }
    /* Splits and merges, only where single parts left something unexplained. */
    for (int side = 0; side < 2; side++) {
        const tby_name *one = side ? b : a, *two = side ? a : b;
        const double *best_one = side ? best_b : best_a, *best_two = side ? best_a : best_b;
        for (size_t i = 0; i < one->part_count; i++) {
            if (best_one[i] >= MERGE_BELOW)
                continue;
            for (size_t j = 0; j + 1 < two->part_count; j++) {
                if (best_two[j] >= MERGE_BELOW && best_two[j + 1] >= MERGE_BELOW)
                    continue;
                tby_tier tier;
                double sim =
                    part_compare_merged(&one->parts[i], &two->parts[j], &two->parts[j + 1], &tier);
                if (sim < MERGE_MIN_SIM)
                    continue;
                const tby__part *p1 = &one->parts[i];
                const tby__part *q1 = &two->parts[j], *q2 = &two->parts[j + 1];
                double wq = q1->weight > q2->weight ? q1->weight : q2->weight;
                cand *c = &cands[count++];
                c->sim = sim;
                c->value = sim * role_factor(p1->pub.role, q1->pub.role) * (p1->weight + wq) * 0.5;
                c->i = (uint8_t)(side ? j : i);
                c->j = (uint8_t)(side ? i : j);
                c->i_count = (uint8_t)(side ? 2 : 1);
                c->j_count = (uint8_t)(side ? 1 : 2);
                c->tier = (uint8_t)tier;
            }
        }
    }
    /* Greedy one-to-one assignment, best weighted similarity first (insertion sort: the
     * candidate list is short). Ties break on position so the result does not depend on
     * which name is A. */
    for (size_t k = 1; k < count; k++) {
        cand key = cands[k];
        size_t p = k;
        while (p > 0 && (cands[p - 1].value < key.value ||
                         (cands[p - 1].value == key.value &&
                          cands[p - 1].i + cands[p - 1].j > key.i + key.j))) {
            cands[p] = cands[p - 1];
            p--;
        }
        cands[p] = key;
    }
    uint32_t used_a = 0, used_b = 0;
    double num = 0.0, den = 0.0;
    size_t matched = 0;
    for (size_t k = 0; k < count; k++) {
        const cand *c = &cands[k];
        uint32_t mask_a = (c->i_count == 2 ? 3u : 1u) << c->i;
        uint32_t mask_b = (c->j_count == 2 ? 3u : 1u) << c->j;
        if ((used_a & mask_a) || (used_b & mask_b))
            continue;
        used_a |= mask_a;
        used_b |= mask_b;
        double wa = a->parts[c->i].weight, wb = b->parts[c->j].weight;
        if (c->i_count == 2 && a->parts[c->i + 1].weight > wa)
            wa = a->parts[c->i + 1].weight;
        if (c->j_count == 2 && b->parts[c->j + 1].weight > wb)
            wb = b->parts[c->j + 1].weight;
        double w = (wa + wb) * 0.5;
        double value = c->sim * role_factor(a->parts[c->i].pub.role, b->parts[c->j].pub.role);
        num += w * value;
        den += w;
        matched++;
        if (match) {
            tby_name_link *l = &match->links[match->link_count++];
            l->a_first = c->i, l->a_count = c->i_count, l->b_first = c->j, l->b_count = c->j_count;
            l->tier = (tby_tier)c->tier;
            l->similarity = c->sim;
            l->weight = w;
        }
    }
    /* One part left on each side, in the same role, when the rest of the names agree: a
     * typo that took the part under ALIGN_MIN_SIM (Asmaa against اسثاء) far more often than
     * two different names in one place, which then still count as barely alike. */
    uint32_t left_a = ((n < 32 ? (1u << n) : 0u) - 1u) & ~used_a;
    uint32_t left_b = ((m < 32 ? (1u << m) : 0u) - 1u) & ~used_b;
    if (matched >= 2 && left_a && !(left_a & (left_a - 1)) && left_b && !(left_b & (left_b - 1))) {
        size_t i = 0, j = 0;
        while (!((left_a >> i) & 1u))
            i++;
        while (!((left_b >> j) & 1u))
            j++;
        tby_role ra = a->parts[i].pub.role, rb = b->parts[j].pub.role;
        tby_tier tier = TBY_TIER_EDIT;
        double sim =
            ra == rb ? part_compare(&a->parts[i], &b->parts[j], LEFTOVER_MIN_SIM, &tier) : 0.0;
        if (sim >= LEFTOVER_MIN_SIM) {
            double w = (a->parts[i].weight + b->parts[j].weight) * 0.5;
            num += w * sim;
            den += w;
            matched++;
            used_a |= left_a;
            used_b |= left_b;
            if (match) {
                tby_name_link *l = &match->links[match->link_count++];
                *l = (tby_name_link){(unsigned char)i, 1, (unsigned char)j, 1, tier, sim, w};
            }
        }
    }
    double lambda_a = n < m ? 1.0 : n > m ? 0.5 : 0.75;
    double lambda_b = m < n ? 1.0 : m > n ? 0.5 : 0.75;
    for (size_t i = 0; i < n; i++) {
        if ((used_a >> i) & 1u)
            continue;
        double w = lambda_a * unmatched_factor(a->parts[i].pub.role) * a->parts[i].weight;
        den += w;
        if (match) {
            tby_name_link *l = &match->links[match->link_count++];
            *l = (tby_name_link){(unsigned char)i, 1, 0, 0, TBY_TIER_NONE, 0.0, w};
        }
    }
    for (size_t j = 0; j < m; j++) {
        if ((used_b >> j) & 1u)
            continue;
        double w = lambda_b * unmatched_factor(b->parts[j].pub.role) * b->parts[j].weight;
        den += w;
        if (match) {
            tby_name_link *l = &match->links[match->link_count++];
            *l = (tby_name_link){0, 0, (unsigned char)j, 1, TBY_TIER_NONE, 0.0, w};
        }
    }
    double score = den > 0.0 ? num / den : 0.0;
    /* One name part alone never makes two multi-part names alike (OFAC FAQ 5). */
    if (matched == 1 && (n > 1 || m > 1))
        score *= 0.8;
    if (score > 1.0)
        score = 1.0;
    if (match)
        match->score = score;
    return score;
}

/* ===== Interning list parts ===== */

/* Two parts compare identically with anything when these agree (see part_compare). */
static bool part_same_keys(const tby__part *x, const tby__part *y)
{
    return (x->pub.script == TBY_SCRIPT_ARABIC) == (y->pub.script == TBY_SCRIPT_ARABIC) &&
           x->art_skip == y->art_skip && x->sym_len == y->sym_len && x->ar_len == y->ar_len &&
           !memcmp(x->sym, y->sym, x->sym_len) && !memcmp(x->ar, y->ar, x->ar_len);
}

static uint64_t part_keys_hash(const tby__part *p)
{
    uint8_t head[3] = {(uint8_t)(p->pub.script == TBY_SCRIPT_ARABIC), p->art_skip, p->sym_len};
    uint64_t h = tby__hash64(head, sizeof(head));
    h = tby__hash64_more(h, p->sym, p->sym_len);
    return tby__hash64_more(h, p->ar, p->ar_len);
}

void tby__interner_init(tby__interner *in)
{
    memset(in, 0, sizeof(*in));
}

void tby__interner_dispose(tby__interner *in)
{
    tby__free(in->hashes);
    tby__free(in->reps);
    tby__free(in->toks);
    memset(in, 0, sizeof(*in));
}

static int interner_grow(tby__interner *in)
{
    size_t cap = in->cap ? in->cap * 2 : 1024;
    uint64_t *hashes = tby__calloc(cap, sizeof(*hashes));
    const tby__part **reps = tby__calloc(cap, sizeof(*reps));
    uint32_t *toks = tby__calloc(cap, sizeof(*toks));
    if (!hashes || !reps || !toks) {
        tby__free(hashes);
        tby__free(reps);
        tby__free(toks);
        return TBY_ENOMEM;
    }
    for (size_t i = 0; i < in->cap; i++) {
        if (!in->reps[i])
            continue;
        size_t slot = (size_t)in->hashes[i] & (cap - 1);
        while (reps[slot])
            slot = (slot + 1) & (cap - 1);
        hashes[slot] = in->hashes[i];
        reps[slot] = in->reps[i];
        toks[slot] = in->toks[i];
    }
    tby__free(in->hashes);
    tby__free(in->reps);
    tby__free(in->toks);
    in->hashes = hashes, in->reps = reps, in->toks = toks, in->cap = cap;
    return TBY_OK;
}

int tby__part_intern(tby__interner *in, tby_name *name)
{
    for (size_t k = 0; k < name->part_count; k++) {
        tby__part *p = &name->parts[k];
        /* Keyless parts go through key_distance on their text: never remembered. */
        if (p->sym_len == 0)
            continue;
        if ((in->count + 1) * 2 > in->cap && interner_grow(in))
            return TBY_ENOMEM;
        if (in->count + 1 >= UINT32_MAX)
            return TBY_ENOMEM;
        uint64_t h = part_keys_hash(p);
        size_t slot = (size_t)h & (in->cap - 1);
        while (in->reps[slot] && !(in->hashes[slot] == h && part_same_keys(in->reps[slot], p)))
            slot = (slot + 1) & (in->cap - 1);
        if (!in->reps[slot]) {
            in->hashes[slot] = h;
            in->reps[slot] = p;
            in->toks[slot] = (uint32_t)++in->count;
        }
        p->tok = in->toks[slot];
    }
    return TBY_OK;
}
