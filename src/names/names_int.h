/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal representation of a parsed name, shared by parse.c (text -> parts), phonetic.c
 * (part -> symbol keys) and compare.c (parts -> similarity and alignment). See
 * docs/internals/names.md for the design; the public view is include/tabayyun/tby_names.h.
 */
#ifndef TBY_NAMES_INT_H
#define TBY_NAMES_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "names/norm.h"
#include "tabayyun/tby_names.h"

/* Longest phonetic or Arabic letter key of one part (compounds included). */
#define TBY__SYM_MAX 40
/* Most components of one compound part (abd + al-rahman; nur + al-din). */
#define TBY__COMP_MAX 3

/* A set of symbols or letter codes (all below 128): bit c of bits[c >> 6]. */
typedef struct tby__symset {
    uint64_t bits[2];
} tby__symset;

/*
 * One logical part. `sym` is the cross-script phonetic key: one byte per sound class
 * (phonetic.c). `ar` holds the folded Arabic letters as small codes for Arabic-script
 * parts (ar_len 0 for Latin parts) so that two Arabic spellings can be compared letter by
 * letter without the Latin-level merging of distinct consonants.
 */
typedef struct tby__part {
    tby_name_part pub;         /* public view; strings point into the name's string area */
    uint8_t sym[TBY__SYM_MAX]; /* phonetic symbols (printable ASCII), not NUL-terminated */
    uint8_t sym_len;           /* symbols used in sym */
    uint8_t ar[TBY__SYM_MAX];  /* Arabic letter codes of the fold form, 0 for Latin */
    uint8_t ar_len;            /* letters used in ar */
    uint8_t art_skip;          /* symbols of a fused "al"/"el" or "ben"/"ould" in sym, else 0 */
    uint8_t comp_count;        /* components in a compound (1 for a simple part) */
    uint8_t comp_end[TBY__COMP_MAX]; /* end offset in sym of each component */
    float weight;                    /* prior informativeness of the part (role, commonness) */
    float sym_weight;                /* tby__phon_length of sym */
    uint16_t lmnr;                   /* counts of L, M, N, R in sym, 4 bits each (lower bound) */
    tby__symset sym_set;             /* symbols occurring in sym (tby__phon_orphan_bound) */
    tby__symset ar_set;              /* letter codes occurring in ar */
    tby__symset sym_near;            /* tby__phon_near_set of sym: not orphans against sym */
    tby__symset ar_near;             /* tby__arabic_near_set of ar */
    uint64_t key_hash;               /* tby__hash64 of pub.key: equal keys, equal hashes */
    uint64_t sym_hash;               /* tby__hash64 of sym */
    uint32_t tok; /* list parts: an id shared by every part that compares the same way
                     (same script, sym, ar and art_skip), set by tby__part_intern; else 0 */
} tby__part;

struct tby_name {
    size_t part_count;
    unsigned flags;         /* TBY_NORM_* */
    const char *normalized; /* parts' forms joined by spaces */
    tby__part parts[];      /* part_count parts, then the string area */
};

/* ===== compare.c: remembering part similarities within one query ===== */

/*
 * A query is compared with tens of list names that share most of their parts (Muhammad,
 * Ali, Hassan); the similarity of one query part to one list part only needs computing once
 * per query. The memo keeps (query name, query part, list part tok) -> similarity for the
 * current query; tby__part_memo_next forgets all of it in O(1) by changing a generation.
 * One memo per thread.
 */
typedef struct tby__part_memo {
    struct tby__memo_slot {
        uint64_t key; /* generation, query name, query part, tok, tier; 0 = empty */
        double sim;
    } * slots;
    uint32_t generation;
    uint32_t used; /* slots filled in this generation */
} tby__part_memo;

int tby__part_memo_init(tby__part_memo *memo);
void tby__part_memo_dispose(tby__part_memo *memo);
/* Starts a new query: nothing remembered so far applies to it. */
void tby__part_memo_next(tby__part_memo *memo);

/*
 * tby_name_compare with a memo: `a` is a query name (its id in 0..63 tells the query's
 * names apart), `b` a list name whose parts carry a tok. memo may be NULL.
 */
double tby__name_compare_memo(const tby_name *a, unsigned a_id, const tby_name *b,
                              tby_name_match *match, tby__part_memo *memo);

/*
 * Gives every part of the names a tok: equal for parts that compare identically with any
 * other part. The interner lives while names are added; free it with tby__interner_dispose.
 */
typedef struct tby__interner {
    uint64_t *hashes;
    const tby__part **reps;
    uint32_t *toks;
    size_t cap, count;
} tby__interner;
void tby__interner_init(tby__interner *in);
int tby__part_intern(tby__interner *in, tby_name *name);
void tby__interner_dispose(tby__interner *in);

/*
 * Asks the CPU to start loading a name that will be compared soon (the first parts: most
 * names have at most four). Screening walks list names scattered over the heap, and waiting
 * for each in turn is a good part of its time. A hint only: no effect on results.
 */
static inline void tby__name_prefetch(const tby_name *name)
{
#if defined(__GNUC__) || defined(__clang__)
    const char *p = (const char *)name;
    size_t bytes = sizeof(tby_name) + 4 * sizeof(tby__part);
    for (size_t off = 0; off < bytes; off += 64)
        __builtin_prefetch(p + off);
#else
    (void)name;
#endif
}

/* ===== phonetic.c ===== */

/* Symbols of one Latin token (fold form, ASCII letters and '); returns the count. */
size_t tby__phon_latin(uint8_t *out, size_t cap, const char *fold, size_t len);
/* Marks a final u of Latin symbols (tby__phon_latin) as the Turkish final ü, which may be the
 * nisba -i written after vowel harmony (Şükrü for Shukri); for words whose exact form ends in ü. */
void tby__phon_final_umlaut(uint8_t *sym, size_t len);

/* Symbols of one Arabic token (exact form, UTF-8); returns the count. */
size_t tby__phon_arabic(uint8_t *out, size_t cap, const char *exact, size_t len);

/* Arabic letter codes of a fold-form Arabic token; returns the count. */
size_t tby__arabic_codes(uint8_t *out, size_t cap, const char *fold, size_t len);

/*
 * Weighted edit distance between two symbol strings. `cross` selects the cross-script costs
 * (short vowels are not written in Arabic, so inserting a Latin vowel is almost free).
 * *len_out receives the normalising length (weighted symbol count of the longer side).
 * The computation stops early and returns a value above `budget` as soon as the distance
 * must exceed `budget` (pass HUGE_VAL for the exact distance).
 */
double tby__phon_distance(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                          bool cross, double budget, double *len_out);

/*
 * tby__phon_distance that also stops early on the orphans still to come: a_orphans holds
 * symbols of a that are orphans against b, b_orphans symbols of b that are orphans against a
 * (tby__phon_orphan_bound; a subset of either is fine, empty sets make it the plain
 * function). Same result whenever the distance is within the budget.
 */
double tby__phon_distance_cut(const uint8_t *a, size_t a_len, tby__symset a_orphans,
                              const uint8_t *b, size_t b_len, tby__symset b_orphans, bool cross,
                              double budget, double *len_out);

/*
 * tby__phon_distance computed the long way, for tests: every row through the loop that tries
 * every step, and no early stop.
 */
double tby__phon_distance_reference(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                                    bool cross, double *len_out);

/*
 * Counts of the symbols L, M, N and R, 4 bits each. These letters only ever match
 * themselves (every other reading costs 1), so the difference of two such counts is a lower
 * bound on any distance above and lets unrelated words skip the edit distance entirely.
 */
uint16_t tby__phon_lmnr(const uint8_t *sym, size_t len);

/* Counts of two keys read one after the other (each count saturating at 15 as above). */
static inline uint16_t tby__phon_lmnr_add(uint16_t a, uint16_t b)
{
    unsigned sum = 0;
    for (int shift = 0; shift < 16; shift += 4) {
        unsigned count = ((a >> shift) & 15u) + ((b >> shift) & 15u);
        sum |= (count < 15u ? count : 15u) << shift;
    }
    return (uint16_t)sum;
}

/*
 * Lower bound on the distance of two keys from their tby__phon_lmnr counts. Inline: it is
 * the first test of every pair of parts.
 */
static inline double tby__phon_lmnr_bound(uint16_t a, uint16_t b)
{
    /* One count per byte, then the excess of each side per byte without a branch (which
     * side has more of a letter is as good as random): each byte of ((x | 0x80) - y) ^ 0x80
     * is the signed difference, and its sign bit clears the bytes where it is negative. */
    uint32_t x = (a & 0x0F0Fu) | ((uint32_t)(a & 0xF0F0u) << 12);
    uint32_t y = (b & 0x0F0Fu) | ((uint32_t)(b & 0xF0F0u) << 12);
    uint32_t over_x = ((x | 0x80808080u) - y) ^ 0x80808080u;
    uint32_t over_y = ((y | 0x80808080u) - x) ^ 0x80808080u;
    over_x &= ~(((over_x >> 7) & 0x01010101u) * 0xFFu);
    over_y &= ~(((over_y >> 7) & 0x01010101u) * 0xFFu);
    uint32_t excess_x = (over_x * 0x01010101u) >> 24, excess_y = (over_y * 0x01010101u) >> 24;
    /* One substitution can settle one excess letter on each side. */
    return (double)(excess_x > excess_y ? excess_x : excess_y);
}

/* The set of symbols (or letter codes) of a key. */
tby__symset tby__symset_of(const uint8_t *sym, size_t len);

static inline tby__symset tby__symset_union(tby__symset a, tby__symset b)
{
    return (tby__symset){{a.bits[0] | b.bits[0], a.bits[1] | b.bits[1]}};
}

/*
 * Lower bound on tby__phon_distance(a, b) from the symbols of b alone. A symbol of a is an
 * orphan when b holds nothing it can be read as for less than 1: not itself, not a cheap
 * substitute, nothing it can form a digraph step with. An orphan can only be left out
 * (its deletion cost is at most 1) or replaced at cost 1, so the distance is at least the
 * sum of the orphans' deletion costs. Cheap (a mask test per symbol) and, on unrelated
 * names, usually above the budget, so the DP never runs.
 */
double tby__phon_orphan_bound(const uint8_t *a, size_t a_len, tby__symset b_set, bool cross);

/* The same bound for tby__arabic_distance over Arabic letter codes. */
double tby__arabic_orphan_bound(const uint8_t *a, size_t a_len, tby__symset b_set);

/*
 * The same bounds from a set computed once per key: tby__phon_near_set(b) holds every symbol
 * that is not an orphan against b, so the orphans of a are a's symbols outside it
 * (tby__symset_minus), and tby__phon_orphan_sum(a, orphans) equals tby__phon_orphan_bound(a,
 * b's set) exactly, summed in the same order.
 */
tby__symset tby__phon_near_set(const uint8_t *sym, size_t len);
double tby__phon_orphan_sum(const uint8_t *a, size_t a_len, tby__symset orphans, bool cross);
tby__symset tby__arabic_near_set(const uint8_t *ar, size_t len);
double tby__arabic_orphan_sum(const uint8_t *a, size_t a_len, tby__symset orphans);

/* The members of a that are not in b, and whether a set is empty. */
static inline tby__symset tby__symset_minus(tby__symset a, tby__symset b)
{
    return (tby__symset){{a.bits[0] & ~b.bits[0], a.bits[1] & ~b.bits[1]}};
}

static inline bool tby__symset_is_empty(tby__symset a)
{
    return (a.bits[0] | a.bits[1]) == 0;
}

/* How many bits of a word are set (without a library call where the CPU has no popcnt). */
static inline unsigned tby__popcount64(uint64_t v)
{
#if defined(__POPCNT__)
    return (unsigned)__builtin_popcountll(v);
#else
    v -= (v >> 1) & 0x5555555555555555ull;
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (unsigned)((v * 0x0101010101010101ull) >> 56);
#endif
}

/*
 * The symbols (tby__phon_full_set) or letter codes (tby__arabic_full_set) whose deletion costs
 * 1 in every mode. Each orphan among them adds at least 1 to an orphan bound, so counting the
 * orphans in this set gives a lower bound on the orphan bound in a few instructions.
 */
tby__symset tby__phon_full_set(void);
tby__symset tby__arabic_full_set(void);

/* Weighted symbol count of a key: the length tby__phon_distance normalises by. */
double tby__phon_length(const uint8_t *sym, size_t len);

/* Weighted edit distance between two Arabic letter-code strings (see tby__arabic_codes),
 * with the same early stop as tby__phon_distance. */
double tby__arabic_distance(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                            double budget, double *len_out);

#endif
