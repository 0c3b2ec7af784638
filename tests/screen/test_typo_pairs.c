// SPDX-License-Identifier: Apache-2.0
// A list entry of two parts whose second part is mistyped shares only its given name with
// the right spelling. When that given name is common on the list, the name alone is too
// little information to make the entry a candidate; the pair with one letter left out
// (src/index/index.c, pair_deletions) must still find it.
#include <stdlib.h>

#include "harness/test.h"
#include "tabayyun/tabayyun.h"

static int collect(const tby_alert *a, void *payload)
{
    if (!strcmp(a->entry->id, "T-1"))
        *(double *)payload = a->score;
    return 0;
}

/* A list where many entries are called Salma, one of them "Salma Awwd" (Awwad with a letter
 * dropped). */
static tby_record_set *typo_list(void)
{
    /* Fathers of three distinct consonants, none of them d or t (the typo'd entry's is t
     * alone): no other entry has Awwd's key. */
    static const char cons[] = "bfgklmnrsz";
    size_t cap = 64 * 1024, len = 0;
    char *csv = malloc(cap);
    if (!csv)
        return NULL;
    len += (size_t)snprintf(csv + len, cap - len, "id,name,sex\nT-1,Salma Awwd,f\n");
    int n = 0;
    for (const char *a = cons; *a; a++) {
        for (const char *b = cons; *b; b++) {
            for (const char *c = cons; *c && n < 400; c++, n++)
                len += (size_t)snprintf(csv + len, cap - len, "E-%d,Salma %ca%ci%c,f\n", n, *a - 32,
                                        *b, *c);
        }
    }
    tby_record_set *set = NULL;
    tby_error err;
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.strict = true;
    if (tby_record_set_load_buffer(&set, csv, len, &opts, &err))
        TEST__FAIL("list: %s", err.message);
    free(csv);
    return set;
}

static void test_typo_pairs__mistyped_second_part_is_found(void)
{
    tby_record_set *list = typo_list();
    TEST_CHECK(list != NULL);
    if (!list)
        return;
    tby_screener *s = NULL;
    tby_error err;
    TEST_INT_EQ(tby_screener_new(&s, list, &err), 0);
    static const char *const queries[] = {"Salma Awwad Hamad", "سلمى عواد حمد"};
    for (size_t q = 0; s && q < sizeof(queries) / sizeof(queries[0]); q++) {
        tby_record r = {0};
        r.id = "q";
        r.name = queries[q];
        r.sex = TBY_SEX_FEMALE;
        double score = -1.0;
        tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
        opts.threshold = 0.0;
        TEST_INT_EQ(tby_screen_record(s, &r, &opts, collect, &score, &err), 0);
        if (score < 0.0)
            TEST__FAIL("%s: the entry with the mistyped father was not found", queries[q]);
    }
    tby_screener_free(s);
    tby_record_set_free(list);
}

TEST_LIST = {
    TEST(test_typo_pairs__mistyped_second_part_is_found),
    TEST_END,
};
TEST_MAIN()
