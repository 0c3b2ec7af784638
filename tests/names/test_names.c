// SPDX-License-Identifier: Apache-2.0
// Table-driven tests of the name engine: parsing (tests/golden/names_parse.tsv) and
// comparison (tests/golden/names_compare.tsv), plus properties that must hold for any
// input (symmetry, range, identity) and the errors of bad input.
#include <stdlib.h>

#include "harness/failalloc.h"
#include "harness/test.h"
#include "tabayyun/tabayyun.h"
#include "util/util_int.h"

/* Reads a golden file; calls fn for each data line split into fields. Returns lines read. */
static int golden_each(const char *path, void (*fn)(char **fields, int count, int line))
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        TEST__FAIL("cannot open %s", path);
        return 0;
    }
    char buf[4096];
    int line = 0, cases = 0;
    while (fgets(buf, sizeof(buf), in)) {
        line++;
        size_t len = strlen(buf);
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        if (!len || buf[0] == '#')
            continue;
        char *fields[8];
        int count = 0;
        char *p = buf;
        while (count < 8) {
            fields[count++] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        fn(fields, count, line);
        cases++;
    }
    fclose(in);
    return cases;
}

static tby_name *parse_or_fail(const char *text)
{
    tby_name *name = NULL;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_name_parse(&name, text, strlen(text), &err);
    if (rc)
        TEST__FAIL("parse \"%s\": %s", text, err.message);
    return name;
}

static void parse_case(char **f, int count, int line)
{
    if (count < 2) {
        TEST__FAIL("names_parse.tsv:%d: expected input<TAB>parts", line);
        return;
    }
    tby_name *name = parse_or_fail(f[0]);
    if (!name)
        return;
    char got[1024];
    size_t used = 0;
    for (size_t i = 0; i < tby_name_part_count(name); i++) {
        const tby_name_part *p = tby_name_part_at(name, i);
        int n = snprintf(got + used, sizeof(got) - used, "%s%s:%s", i ? " " : "",
                         tby_role_name(p->role), p->key);
        if (n > 0 && (size_t)n < sizeof(got) - used)
            used += (size_t)n;
    }
    if (strcmp(got, f[1]) != 0)
        TEST__FAIL("names_parse.tsv:%d (%s): \"%s\" parsed as \"%s\", expected \"%s\"", line,
                   count > 2 ? f[2] : "", f[0], got, f[1]);
    tby_name_free(name);
}

static void test_names_parse__golden(void)
{
    TEST_CHECK(golden_each("tests/golden/names_parse.tsv", parse_case) >= 30);
}

static void compare_case(char **f, int count, int line)
{
    if (count < 4) {
        TEST__FAIL("names_compare.tsv:%d: expected a<TAB>b<TAB>op<TAB>value", line);
        return;
    }
    tby_name *a = parse_or_fail(f[0]);
    tby_name *b = parse_or_fail(f[1]);
    if (a && b) {
        double want = atof(f[3]);
        double ab = tby_name_compare(a, b, NULL);
        double ba = tby_name_compare(b, a, NULL);
        bool ok = !strcmp(f[2], ">=") ? ab >= want : ab <= want;
        if (!ok)
            TEST__FAIL("names_compare.tsv:%d (%s): \"%s\" vs \"%s\" scored %.4f, want %s %.2f",
                       line, count > 4 ? f[4] : "", f[0], f[1], ab, f[2], want);
        if (fabs(ab - ba) > 0.02)
            TEST__FAIL("names_compare.tsv:%d: not symmetric: %.4f vs %.4f", line, ab, ba);
    }
    tby_name_free(a);
    tby_name_free(b);
}

static void test_names_compare__golden(void)
{
    TEST_CHECK(golden_each("tests/golden/names_compare.tsv", compare_case) >= 50);
}

static void test_names_compare__identity_and_range(void)
{
    static const char *const names[] = {"محمد أحمد حسين", "Abd al-Rahman bin Ali al-Tikriti",
                                        "Umm Khalid", "X", "Ali"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        tby_name *a = parse_or_fail(names[i]);
        if (!a)
            continue;
        TEST_DBL_NEAR(tby_name_compare(a, a, NULL), 1.0, 1e-9);
        for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
            tby_name *b = parse_or_fail(names[j]);
            double s = tby_name_compare(a, b, NULL);
            TEST_CHECK(s >= 0.0 && s <= 1.0);
            tby_name_free(b);
        }
        tby_name_free(a);
    }
}

static void test_names_compare__explanation(void)
{
    tby_name *a = parse_or_fail("إبراهيم أحمد عبد الستار");
    tby_name *b = parse_or_fail("IBRAHIM AHMAD ABD AL-SATTAR AL-TIKRITI");
    tby_name_match match;
    double score = tby_name_compare(a, b, &match);
    TEST_DBL_NEAR(match.score, score, 1e-12);
    /* Three aligned parts and the family name left over in B. */
    TEST_INT_EQ(match.link_count, 4);
    size_t aligned = 0, only_b = 0;
    for (size_t k = 0; k < match.link_count; k++) {
        const tby_name_link *l = &match.links[k];
        if (l->a_count && l->b_count) {
            aligned++;
            TEST_INT_EQ(l->tier, TBY_TIER_TRANSLIT);
        } else if (l->b_count) {
            only_b++;
            TEST_STR_EQ(tby_name_part_at(b, l->b_first)->key, "tikriti");
        }
    }
    TEST_INT_EQ(aligned, 3);
    TEST_INT_EQ(only_b, 1);
    tby_name_free(a);
    tby_name_free(b);
}

static void test_names_parse__bad_input(void)
{
    tby_name *name = NULL;
    tby_error err;
    tby_error_clear(&err);
    TEST_INT_EQ(tby_name_parse(&name, "ab\xff", 3, &err), TBY_EUTF8);
    TEST_INT_EQ(err.offset, 2);
    TEST_CHECK(name == NULL);
    size_t big_len = 1024 * 1024;
    char *big = malloc(big_len);
    memset(big, 'a', big_len);
    TEST_INT_EQ(tby_name_parse(&name, big, big_len, &err), TBY_ETOOLARGE);
    free(big);
    TEST_INT_EQ(tby_name_parse(&name, "  , - ", 6, &err), TBY_EEMPTY);
    TEST_INT_EQ(tby_name_parse(&name, "", 0, &err), TBY_EEMPTY);
    /* Only combining marks: nothing that is a letter. */
    TEST_INT_EQ(tby_name_parse(&name, "\xd9\x8e\xd9\x90\xd9\x91", 6, &err), TBY_EEMPTY);
    TEST_CHECK(name == NULL);
}

static void test_names_parse__too_many_parts(void)
{
    char text[400] = "";
    for (int i = 0; i < 40; i++)
        strcat(text, "ab "); /* test code: bounded, readable */
    tby_name *name = NULL;
    tby_error err;
    tby_error_clear(&err);
    TEST_INT_EQ(tby_name_parse(&name, text, strlen(text), &err), TBY_ETOOLARGE);
    TEST_CHECK(name == NULL);
}

/*
 * Allocation counts are part of the speed budget (bench/bench_names.c): a parse makes one
 * allocation (the name, strings included) and a comparison none, as tby_names.h promises.
 */
static void test_names_allocations(void)
{
    static const char *const texts[] = {"كريم يوسف عبد الرحمن الحداد",
                                        "KAREEM YOUSSEF ABDELRAHMAN EL HADDAD",
                                        "HADDAD, Walid Jamil", "Nour Eddine Farouk Kacimi"};
    enum { N = sizeof(texts) / sizeof(texts[0]) };
    tby_name *names[N];
    for (size_t i = 0; i < N; i++) {
        failalloc_install(0);
        names[i] = NULL;
        TEST_INT_EQ(tby_name_parse(&names[i], texts[i], strlen(texts[i]), NULL), 0);
        TEST_INT_EQ(failalloc_count(), 1);
        failalloc_uninstall();
    }
    tby_name_match match;
    failalloc_install(0);
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < N; j++) {
            tby_name_compare(names[i], names[j], NULL);
            tby_name_compare(names[i], names[j], &match);
        }
    }
    TEST_INT_EQ(failalloc_count(), 0);
    failalloc_uninstall();
    for (size_t i = 0; i < N; i++)
        tby_name_free(names[i]);
}

/* Every failed allocation of a parse surfaces as TBY_ENOMEM, without leaks. */
static void test_names_parse__oom(void)
{
    /* The second, mojibake of محمد (UTF-8 read as CP1256), also allocates its repair. */
    static const char *const texts[] = {
        "Abd al-Rahman bin Ali al-Tikriti",
        "\xd8\xb8\xe2\x80\xa6\xd8\xb7\xc2\xad\xd8\xb8\xe2\x80\xa6\xd8\xb7\xc2\xaf"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        FAILALLOC_LOOP(run, 10)
        {
            tby_name *name = NULL;
            int rc = tby_name_parse(&name, texts[i], strlen(texts[i]), NULL);
            FAILALLOC_CHECK_RC(run, rc);
            TEST_CHECK((rc == 0) == (name != NULL));
            tby_name_free(name);
        }
    }
}

TEST_LIST = {
    TEST(test_names_parse__golden),
    TEST(test_names_compare__golden),
    TEST(test_names_compare__identity_and_range),
    TEST(test_names_compare__explanation),
    TEST(test_names_parse__bad_input),
    TEST(test_names_parse__too_many_parts),
    TEST(test_names_allocations),
    TEST(test_names_parse__oom),
    TEST_END,
};
TEST_MAIN()
