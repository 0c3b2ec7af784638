// SPDX-License-Identifier: Apache-2.0
// Candidate keys of name parts (src/names/keys.c): spellings that must find each other share
// a skeleton or meet through the alternative one, names whose consonants differ do not share
// the main skeleton.
#include "harness/test.h"
#include "names/keys.h"
#include "tabayyun/tabayyun.h"

/* The main (alt = false) or alternative skeleton of the first part of `text`; "" when the
 * part has none. */
static const char *skeleton_of(const char *text, bool alt)
{
    static char buf[TBY__SKELETON_MAX];
    tby_name *name = NULL;
    tby_error err;
    buf[0] = '\0';
    if (tby_name_parse(&name, text, strlen(text), &err)) {
        TEST__FAIL("parse %s: %s", text, err.message);
        return buf;
    }
    const tby_name_part *part = tby_name_part_at(name, 0);
    size_t n = alt ? tby__part_skeleton_alt(part, buf) : tby__part_skeleton(part, buf);
    buf[n] = '\0';
    tby_name_free(name);
    return buf;
}

static void expect_meet(const char *a, const char *b)
{
    char main_a[TBY__SKELETON_MAX], alt_a[TBY__SKELETON_MAX];
    snprintf(main_a, sizeof(main_a), "%s", skeleton_of(a, false));
    snprintf(alt_a, sizeof(alt_a), "%s", skeleton_of(a, true));
    const char *main_b = skeleton_of(b, false);
    bool meet = !strcmp(main_a, main_b) || (alt_a[0] && !strcmp(alt_a, main_b));
    if (!meet) {
        char alt_b[TBY__SKELETON_MAX];
        snprintf(alt_b, sizeof(alt_b), "%s", skeleton_of(b, true));
        meet = alt_b[0] && (!strcmp(alt_b, main_a) || !strcmp(alt_b, alt_a));
    }
    if (!meet)
        TEST__FAIL("%s and %s share no skeleton (%s / %s)", a, b, main_a, main_b);
}

static void test_names_keys__spellings_meet(void)
{
    expect_meet("Muhammad", "محمد");
    expect_meet("Mohamed", "Mehmet");
    expect_meet("Qasim", "Gasim");
    expect_meet("Ziyad", "زياد");
    expect_meet("Fatimah", "فاطمة");
    /* Iraqi spellings write ذ as th: Athraa for عذراء, Munther for منذر. */
    expect_meet("Athraa", "Adhraa");
    expect_meet("Athraa", "عذراء");
    expect_meet("Munther", "منذر");
    /* Two Latin vowels in a row for the glide Arabic writes (the alternative key). */
    expect_meet("Ziad", "زياد");
    expect_meet("Riad", "Riyad");
    expect_meet("Daoud", "Dawud");
    expect_meet("Fadia", "Fadiya");
    /* Endings read as the nisba -i keep the key of the plain spelling. */
    expect_meet("Lütfü", "Lutfi");
    expect_meet("Samarraie", "Samarrai");
    expect_meet("Zubaidee", "Zubaidi");
    expect_meet("Khazrajiy", "Khazraji");
}

/* Skeletons only find candidates: Hisham and Hashim share HCM on purpose and comparison
 * tells them apart. Names whose consonants differ must not meet. */
static void test_names_keys__apart_in_the_main_skeleton(void)
{
    static const char *const pairs[][2] = {
        {"Salih", "Umar"}, {"Jasim", "Qasim"}, {"Athraa", "Amira"}, {"Abbas", "Ahmad"}};
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        char a[TBY__SKELETON_MAX];
        snprintf(a, sizeof(a), "%s", skeleton_of(pairs[i][0], false));
        if (!strcmp(a, skeleton_of(pairs[i][1], false)))
            TEST__FAIL("%s and %s share the skeleton %s", pairs[i][0], pairs[i][1], a);
    }
}

TEST_LIST = {TEST(test_names_keys__spellings_meet),
             TEST(test_names_keys__apart_in_the_main_skeleton), TEST_END};
TEST_MAIN()
