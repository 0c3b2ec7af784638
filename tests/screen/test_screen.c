// SPDX-License-Identifier: Apache-2.0
// Screening end to end on the sample data (examples/): the pairs its author documented as
// the same person are found, namesakes, a sister and a brother are not, a kunya never
// alerts alone, a name alone never grades above identifier_check, and batch screening on
// several threads gives exactly what screening one record at a time gives.
#include <stdlib.h>

#include "harness/records.h"
#include "harness/test.h"
#include "tabayyun/tabayyun.h"

typedef struct pair_list {
    char pairs[256][64];
    tby_grade grades[256];
    double scores[256];
    size_t count;
} pair_list;

static int collect(const tby_alert *a, void *payload)
{
    pair_list *pl = payload;
    if (pl->count < 256) {
        snprintf(pl->pairs[pl->count], 64, "%s>%s", a->record->id, a->entry->id);
        pl->grades[pl->count] = a->grade;
        pl->scores[pl->count] = a->score;
        pl->count++;
    }
    return 0;
}

static int find(const pair_list *pl, const char *pair)
{
    for (size_t i = 0; i < pl->count; i++) {
        if (!strcmp(pl->pairs[i], pair))
            return (int)i;
    }
    return -1;
}

typedef struct fixture {
    tby_record_set *list, *registry;
    tby_screener *screener;
} fixture;

static bool fixture_open(fixture *f)
{
    tby_error err;
    f->list = load("examples/watchlist.csv");
    f->registry = load("examples/registry.csv");
    f->screener = NULL;
    if (!f->list || !f->registry)
        return false;
    if (tby_screener_new(&f->screener, f->list, &err) ||
        tby_screener_fit(f->screener, f->registry, &err)) {
        TEST__FAIL("screener: %s", err.message);
        return false;
    }
    return true;
}

static void fixture_close(fixture *f)
{
    tby_screener_free(f->screener);
    tby_record_set_free(f->registry);
    tby_record_set_free(f->list);
}

static void test_screen_batch__documented_pairs(void)
{
    fixture f;
    if (!fixture_open(&f))
        goto out;
    pair_list pl = {.count = 0};
    tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
    opts.threads = 2;
    tby_screen_stats stats;
    tby_error err;
    TEST_INT_EQ(
        tby_screen_batch(f.screener, f.registry, &opts, collect, &pl, NULL, NULL, &stats, &err), 0);
    TEST_INT_EQ(stats.records, tby_record_set_count(f.registry));
    /* The list author's notes say these are the same person. */
    static const char *const same[] = {"REG-0003>WL-001", "REG-0013>WL-008", "REG-0020>WL-009",
                                       "REG-0027>WL-019", "REG-0025>WL-006"};
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        if (find(&pl, same[i]) < 0)
            TEST__FAIL("documented pair %s not alerted", same[i]);
    }
    /* The passport agrees after normalisation: names and an identifier agree. */
    int passport = find(&pl, "REG-0013>WL-008");
    if (passport >= 0)
        TEST_INT_EQ(pl.grades[passport], TBY_GRADE_PROBABLE);
    /* Namesakes (same name, other mother and date), a brother sharing father and
     * grandfather, a sister by the same parents. */
    static const char *const different[] = {"REG-0004>WL-019", "REG-0004>WL-013", "REG-0007>WL-006",
                                            "REG-0028>WL-001"};
    for (size_t i = 0; i < sizeof(different) / sizeof(different[0]); i++) {
        if (find(&pl, different[i]) >= 0)
            TEST__FAIL("%s alerted, but the notes say they are different people", different[i]);
    }
    /* Entries with no registry counterpart, and the kunya-only entry, never alert here. */
    static const char *const absent[] = {">WL-010", ">WL-011", ">WL-012", ">WL-015", ">WL-018"};
    for (size_t i = 0; i < pl.count; i++) {
        for (size_t k = 0; k < sizeof(absent) / sizeof(absent[0]); k++) {
            if (strstr(pl.pairs[i], absent[k]))
                TEST__FAIL("unexpected alert %s", pl.pairs[i]);
        }
    }
out:
    fixture_close(&f);
}

static void test_screen_batch__equals_single(void)
{
    fixture f;
    if (!fixture_open(&f))
        goto out;
    pair_list batch = {.count = 0}, single = {.count = 0};
    tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
    opts.threshold = 0.2;
    opts.threads = 3;
    tby_error err;
    TEST_INT_EQ(
        tby_screen_batch(f.screener, f.registry, &opts, collect, &batch, NULL, NULL, NULL, &err),
        0);
    for (size_t i = 0; i < tby_record_set_count(f.registry); i++)
        TEST_INT_EQ(tby_screen_record(f.screener, tby_record_set_get(f.registry, i), &opts, collect,
                                      &single, &err),
                    0);
    TEST_INT_EQ(batch.count, single.count);
    for (size_t i = 0; i < single.count; i++) {
        int at = find(&batch, single.pairs[i]);
        if (at < 0)
            TEST__FAIL("%s found one at a time but not in the batch", single.pairs[i]);
        else
            TEST_DBL_NEAR(batch.scores[at], single.scores[i], 1e-12);
    }
out:
    fixture_close(&f);
}

static void test_screen_record__name_alone_never_probable(void)
{
    fixture f;
    if (!fixture_open(&f))
        goto out;
    tby_record r = {0};
    r.id = "q";
    r.name = "Ahmed Jassim Mohamed";
    pair_list pl = {.count = 0};
    tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
    opts.threshold = 0.0;
    tby_error err;
    TEST_INT_EQ(tby_screen_record(f.screener, &r, &opts, collect, &pl, &err), 0);
    TEST_CHECK(find(&pl, "q>WL-004") >= 0);
    for (size_t i = 0; i < pl.count; i++)
        TEST_CHECK(pl.grades[i] != TBY_GRADE_PROBABLE);
out:
    fixture_close(&f);
}

static void test_screen_record__weak_alias_alone_never_alerts(void)
{
    fixture f;
    if (!fixture_open(&f))
        goto out;
    tby_record r = {0};
    r.id = "q";
    r.name = "Abu Mustafa al-Afari";
    pair_list pl = {.count = 0};
    tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
    tby_error err;
    TEST_INT_EQ(tby_screen_record(f.screener, &r, &opts, collect, &pl, &err), 0);
    TEST_CHECK(find(&pl, "q>WL-010") < 0);
out:
    fixture_close(&f);
}

static void test_screen_record__explanation(void)
{
    fixture f;
    if (!fixture_open(&f))
        goto out;
    const tby_record *r = NULL;
    for (size_t i = 0; i < tby_record_set_count(f.registry); i++) {
        if (!strcmp(tby_record_set_get(f.registry, i)->id, "REG-0013"))
            r = tby_record_set_get(f.registry, i);
    }
    TEST_CHECK(r != NULL);
    if (!r)
        goto out;
    pair_list pl = {.count = 0};
    tby_error err;
    TEST_INT_EQ(tby_screen_record(f.screener, r, NULL, collect, &pl, &err), 0);
    TEST_CHECK(pl.count >= 1);
out:
    fixture_close(&f);
}

/* The mother's level in the alert for WL-004 (mother Sabah), kept by mother_cb. */
static int mother_cb(const tby_alert *a, void *payload)
{
    if (!strcmp(a->entry->id, "WL-004"))
        *(const char **)payload = a->fields[TBY_EVIDENCE_MOTHER].level_name;
    return 0;
}

static const char *mother_level_against_wl004(fixture *f, const char *mother)
{
    tby_record r = {0};
    r.id = "q";
    r.name = "Ahmed Jassim Mohamed";
    r.mother = mother;
    const char *level = "no alert";
    tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
    opts.threshold = 0.0;
    tby_error err;
    TEST_INT_EQ(tby_screen_record(f->screener, &r, &opts, mother_cb, &level, &err), 0);
    return level;
}

/* A mother's given name that is alike without agreeing (a letter added) is neither agreement
 * nor the contradiction of another name: a level of its own. */
static void test_screen_record__mother_alike(void)
{
    fixture f;
    if (!fixture_open(&f))
        goto out;
    TEST_STR_EQ(mother_level_against_wl004(&f, "Sabah"), "partial");
    TEST_STR_EQ(mother_level_against_wl004(&f, "Sabaha"), "alike");
    /* Another name contradicts: the pair is a namesake unless the score says otherwise. */
    const char *other = mother_level_against_wl004(&f, "Zainab");
    TEST_CHECK(!strcmp(other, "disagree") || !strcmp(other, "no alert"));
out:
    fixture_close(&f);
}

static void test_screen_record__unusable_name(void)
{
    fixture f;
    if (!fixture_open(&f))
        goto out;
    tby_record r = {0};
    r.id = "q";
    r.name = "- , .";
    pair_list pl = {.count = 0};
    tby_error err;
    TEST_INT_EQ(tby_screen_record(f.screener, &r, NULL, collect, &pl, &err), TBY_EEMPTY);
    TEST_INT_EQ(pl.count, 0);
out:
    fixture_close(&f);
}

TEST_LIST = {
    TEST(test_screen_batch__documented_pairs),
    TEST(test_screen_batch__equals_single),
    TEST(test_screen_record__name_alone_never_probable),
    TEST(test_screen_record__weak_alias_alone_never_alerts),
    TEST(test_screen_record__explanation),
    TEST(test_screen_record__unusable_name),
    TEST(test_screen_record__mother_alike),
    TEST_END,
};
TEST_MAIN()
