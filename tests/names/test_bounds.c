// SPDX-License-Identifier: Apache-2.0
// The shortcuts of the part comparison (src/names/compare.c, phonetic.c) against the plain
// computations they stand in for. Name comparison must give the same score with or without
// them, so each is checked for exactly that: the branch-free LMNR bound equals the counting
// loop; the orphan sums from per-key near sets equal the orphan bounds symbol by symbol, and
// the popcount of full-cost orphans never exceeds them; the phonetic distance with its plain
// rows and early stops returns the exact distance (tby__phon_distance_reference: every row
// through the loop that tries every step, no early stop) whenever that is within the budget,
// and a value over the budget otherwise, also with no budget at all.
//
// Keys are random strings over small alphabets, so digraphs (S H, K S ...), transpositions
// and repeated letters are frequent, plus the keys of parsed names in both scripts.
#include <math.h>
#include <stdint.h>

#include "harness/test.h"
#include "names/names_int.h"
#include "tabayyun/tabayyun.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t rng_below(size_t n)
{
    return (size_t)(rng_next() % n);
}

/* The LMNR bound as documented: the larger side's total excess over four 4-bit counts. */
static double lmnr_bound_reference(uint16_t a, uint16_t b)
{
    int excess_a = 0, excess_b = 0;
    for (int shift = 0; shift < 16; shift += 4) {
        int ca = (a >> shift) & 15, cb = (b >> shift) & 15;
        if (ca > cb)
            excess_a += ca - cb;
        else
            excess_b += cb - ca;
    }
    return (double)(excess_a > excess_b ? excess_a : excess_b);
}

static void test_names_bounds__lmnr_swar(void)
{
    static const uint16_t edges[] = {0x0000, 0xFFFF, 0x0F0F, 0xF0F0, 0x1234, 0x000F, 0xF000};
    size_t n = sizeof(edges) / sizeof(edges[0]);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            TEST_DBL_NEAR(tby__phon_lmnr_bound(edges[i], edges[j]),
                          lmnr_bound_reference(edges[i], edges[j]), 0.0);
    }
    int wrong = 0;
    for (int k = 0; k < 200000; k++) {
        uint16_t a = (uint16_t)rng_next(), b = (uint16_t)rng_next();
        wrong += tby__phon_lmnr_bound(a, b) != lmnr_bound_reference(a, b);
    }
    TEST_INT_EQ(wrong, 0);
}

/* Alphabets the random keys are drawn from: each small enough for letters to meet often. */
static const char *const alphabets[] = {
    "SHCTOKXDZ",                     /* digraph material: S H -> C, T H -> O, K S -> X ... */
    "BDKLMNRST",                     /* consonants, transpositions */
    "aeiouAUIE@h3'WY",               /* vowels, glides, ayn, hamza, weak h */
    "BPFVTOJHXDZRSCGQKLMNWY3'aeiou", /* everything */
};

typedef struct key {
    uint8_t sym[TBY__SYM_MAX];
    size_t len;
    tby__symset set, near;
} key;

static void key_random(key *k)
{
    const char *alphabet = alphabets[rng_below(sizeof(alphabets) / sizeof(alphabets[0]))];
    size_t size = strlen(alphabet);
    k->len = 1 + rng_below(rng_below(4) ? 10 : TBY__SYM_MAX);
    for (size_t i = 0; i < k->len; i++)
        k->sym[i] = (uint8_t)alphabet[rng_below(size)];
    k->set = tby__symset_of(k->sym, k->len);
    k->near = tby__phon_near_set(k->sym, k->len);
}

/* The popcount that compare.c takes first (capital letters' word of the sets). */
static unsigned full_orphans(tby__symset orphans)
{
    return tby__popcount64(orphans.bits[1] & tby__phon_full_set().bits[1]);
}

static void test_names_bounds__phon_orphans(void)
{
    int wrong_sum = 0, wrong_count = 0;
    for (int k = 0; k < 20000; k++) {
        key a, b;
        key_random(&a);
        key_random(&b);
        bool cross = rng_below(2);
        tby__symset orphans = tby__symset_minus(a.set, b.near);
        double sum = tby__phon_orphan_sum(a.sym, a.len, orphans, cross);
        wrong_sum += sum != tby__phon_orphan_bound(a.sym, a.len, b.set, cross);
        wrong_count += (double)full_orphans(orphans) > sum;
    }
    TEST_INT_EQ(wrong_sum, 0);
    TEST_INT_EQ(wrong_count, 0);
}

static void test_names_bounds__arabic_orphans(void)
{
    int wrong_sum = 0, wrong_count = 0;
    for (int k = 0; k < 20000; k++) {
        uint8_t a[12], b[12];
        size_t a_len = 1 + rng_below(12), b_len = 1 + rng_below(12);
        /* Letter codes 1..42 (U+0621..U+064A), now and then an extended letter (64..127). */
        for (size_t i = 0; i < a_len; i++)
            a[i] = (uint8_t)(rng_below(8) ? 1 + rng_below(42) : 64 + rng_below(64));
        for (size_t i = 0; i < b_len; i++)
            b[i] = (uint8_t)(rng_below(8) ? 1 + rng_below(42) : 64 + rng_below(64));
        tby__symset orphans =
            tby__symset_minus(tby__symset_of(a, a_len), tby__arabic_near_set(b, b_len));
        double sum = tby__arabic_orphan_sum(a, a_len, orphans);
        wrong_sum += sum != tby__arabic_orphan_bound(a, a_len, tby__symset_of(b, b_len));
        wrong_count +=
            (double)tby__popcount64(orphans.bits[0] & tby__arabic_full_set().bits[0]) > sum;
    }
    TEST_INT_EQ(wrong_sum, 0);
    TEST_INT_EQ(wrong_count, 0);
}

/*
 * One pair of keys at one budget: exact when the distance is within it, over it otherwise,
 * for the plain early stop and for the one that also counts orphans. Returns 0 or 1 (wrong).
 */
static int distance_check(const uint8_t *a, size_t a_len, tby__symset a_orphans, const uint8_t *b,
                          size_t b_len, tby__symset b_orphans, bool cross, double exact,
                          double exact_len, double budget)
{
    double len = 0.0, len_cut = 0.0;
    double plain = tby__phon_distance(a, a_len, b, b_len, cross, budget, &len);
    double cut =
        tby__phon_distance_cut(a, a_len, a_orphans, b, b_len, b_orphans, cross, budget, &len_cut);
    int wrong = len != exact_len || len_cut != exact_len;
    if (exact <= budget)
        wrong |= plain != exact || cut != exact;
    else
        wrong |= !(plain > budget) || !(cut > budget);
    return wrong;
}

static void test_names_bounds__phon_distance_early_stop(void)
{
    static const double budgets[] = {0.3, 0.8, 1.5, 2.5, 4.0};
    int wrong = 0, within = 0, over = 0;
    for (int k = 0; k < 6000; k++) {
        key a, b;
        key_random(&a);
        key_random(&b);
        /* Half of the pairs are a key against a slightly changed copy: close distances. */
        if (rng_below(2)) {
            b = a;
            for (int edits = 1 + (int)rng_below(3); edits > 0; edits--) {
                size_t at = rng_below(b.len);
                if (rng_below(2) && at + 1 < b.len) {
                    uint8_t t = b.sym[at];
                    b.sym[at] = b.sym[at + 1];
                    b.sym[at + 1] = t;
                } else {
                    b.sym[at] = (uint8_t) "SHKDLMaeiA"[rng_below(10)];
                }
            }
            b.set = tby__symset_of(b.sym, b.len);
            b.near = tby__phon_near_set(b.sym, b.len);
        }
        bool cross = rng_below(2);
        double exact_len = 0.0;
        double exact = tby__phon_distance_reference(a.sym, a.len, b.sym, b.len, cross, &exact_len);
        tby__symset a_orphans = tby__symset_minus(a.set, b.near);
        tby__symset b_orphans = tby__symset_minus(b.set, a.near);
        for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
            wrong += distance_check(a.sym, a.len, a_orphans, b.sym, b.len, b_orphans, cross, exact,
                                    exact_len, budgets[i]);
            within += exact <= budgets[i];
            over += exact > budgets[i];
        }
        /* At the distance itself (the tightest budget that must still give it exactly) and
         * with no budget. */
        wrong += distance_check(a.sym, a.len, a_orphans, b.sym, b.len, b_orphans, cross, exact,
                                exact_len, exact);
        wrong += distance_check(a.sym, a.len, a_orphans, b.sym, b.len, b_orphans, cross, exact,
                                exact_len, HUGE_VAL);
    }
    TEST_INT_EQ(wrong, 0);
    /* Both outcomes were exercised. */
    TEST_CHECK(within > 1000);
    TEST_CHECK(over > 1000);
}

/* The same properties on the keys of real parsed names, every part against every part. */
static void test_names_bounds__parsed_parts(void)
{
    static const char *const names[] = {
        "Muhammad Abd al-Rahman al-Shishani",
        "محمد عبد الرحمن الشيشاني",
        "Mohamed Abdelrahman Chichani",
        "Khaled Ishaq al-Tikriti",
        "خالد إسحاق التكريتي",
        "Mustafa Dhiab Aljubouri",
        "مصطفى ذياب الجبوري",
        "Mutsafa Thiab al-Jubouri",
        "Hasan Husayn Salih Salah",
        "حسن حسين صالح صلاح",
        "Aksel Xavier Kassem Qasim",
        "عبدالله ولي جان",
    };
    const size_t count = sizeof(names) / sizeof(names[0]);
    const tby__part *parts[64];
    tby_name *parsed[sizeof(names) / sizeof(names[0])];
    size_t part_count = 0;
    for (size_t i = 0; i < count; i++) {
        TEST_INT_EQ(tby_name_parse(&parsed[i], names[i], strlen(names[i]), NULL), 0);
        for (size_t k = 0; parsed[i] && k < parsed[i]->part_count && part_count < 64; k++)
            parts[part_count++] = &parsed[i]->parts[k];
    }
    TEST_CHECK(part_count > 30);
    int wrong = 0;
    for (size_t i = 0; i < part_count; i++) {
        for (size_t j = 0; j < part_count; j++) {
            const tby__part *a = parts[i], *b = parts[j];
            bool cross =
                (a->pub.script == TBY_SCRIPT_ARABIC) != (b->pub.script == TBY_SCRIPT_ARABIC);
            tby__symset a_orphans = tby__symset_minus(a->sym_set, b->sym_near);
            tby__symset b_orphans = tby__symset_minus(b->sym_set, a->sym_near);
            wrong += tby__phon_orphan_sum(a->sym, a->sym_len, a_orphans, cross) !=
                     tby__phon_orphan_bound(a->sym, a->sym_len, b->sym_set, cross);
            wrong += tby__arabic_orphan_sum(a->ar, a->ar_len,
                                            tby__symset_minus(a->ar_set, b->ar_near)) !=
                     tby__arabic_orphan_bound(a->ar, a->ar_len, b->ar_set);
            double exact_len = 0.0;
            double exact = tby__phon_distance_reference(a->sym, a->sym_len, b->sym, b->sym_len,
                                                        cross, &exact_len);
            for (double budget = 0.25; budget < 5.0; budget *= 1.5)
                wrong += distance_check(a->sym, a->sym_len, a_orphans, b->sym, b->sym_len,
                                        b_orphans, cross, exact, exact_len, budget);
        }
    }
    TEST_INT_EQ(wrong, 0);
    for (size_t i = 0; i < count; i++)
        tby_name_free(parsed[i]);
}

TEST_LIST = {
    TEST(test_names_bounds__lmnr_swar),      TEST(test_names_bounds__phon_orphans),
    TEST(test_names_bounds__arabic_orphans), TEST(test_names_bounds__phon_distance_early_stop),
    TEST(test_names_bounds__parsed_parts),   TEST_END,
};
TEST_MAIN()
