// SPDX-License-Identifier: Apache-2.0
// Tests of src/records/date.c: every accepted form, every rejection with its reason, default
// days, formatting round trips, and each outcome of the comparator.
#include "harness/test.h"
#include "records/records_int.h"

static tby_date parse_ok(const char *text)
{
    tby_date date;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_date_parse(&date, text, strlen(text), &err);
    if (rc)
        TEST__FAIL("parse \"%s\": %s", text, err.message);
    return date;
}

static int parse_fail(const char *text, const char *reason_part)
{
    tby_date date;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_date_parse(&date, text, strlen(text), &err);
    if (rc == 0)
        TEST__FAIL("parse \"%s\" should fail", text);
    else if (reason_part && !strstr(err.message, reason_part))
        TEST__FAIL("parse \"%s\": reason \"%s\" lacks \"%s\"", text, err.message, reason_part);
    TEST_INT_EQ(date.kind, TBY_DATE_NONE);
    return rc;
}

static void test_records_date__forms(void)
{
    tby_date date = parse_ok("1987-03-02");
    TEST_INT_EQ(date.kind, TBY_DATE_DAY);
    TEST_INT_EQ(date.year, 1987);
    TEST_INT_EQ(date.month, 3);
    TEST_INT_EQ(date.day, 2);
    TEST_CHECK(!date.is_default_day);

    date = parse_ok("1987-03");
    TEST_INT_EQ(date.kind, TBY_DATE_MONTH);
    TEST_INT_EQ(date.month, 3);
    TEST_INT_EQ(date.day, 0);

    date = parse_ok(" 1990 ");
    TEST_INT_EQ(date.kind, TBY_DATE_YEAR);
    TEST_INT_EQ(date.year_last, 1990);

    date = parse_ok("~1990");
    TEST_INT_EQ(date.kind, TBY_DATE_ABOUT);
    TEST_INT_EQ(date.year, 1990);

    date = parse_ok("1985..1989");
    TEST_INT_EQ(date.kind, TBY_DATE_RANGE);
    TEST_INT_EQ(date.year, 1985);
    TEST_INT_EQ(date.year_last, 1989);

    date = parse_ok("1985..1985");
    TEST_INT_EQ(date.kind, TBY_DATE_YEAR);

    date = parse_ok("1987-3-2");
    TEST_INT_EQ(date.kind, TBY_DATE_DAY);
    TEST_INT_EQ(date.day, 2);

    date = parse_ok("2000-02-29"); /* 2000 is a leap year (divisible by 400) */
    TEST_INT_EQ(date.day, 29);
}

static void test_records_date__arabic_indic_digits(void)
{
    tby_date date = parse_ok("١٩٨٧-٠٣-٠٢");
    TEST_INT_EQ(date.kind, TBY_DATE_DAY);
    TEST_INT_EQ(date.year, 1987);
    TEST_INT_EQ(date.month, 3);
    TEST_INT_EQ(date.day, 2);
    date = parse_ok("~۱۹۹۰"); /* Extended Arabic-Indic (Persian) digits */
    TEST_INT_EQ(date.kind, TBY_DATE_ABOUT);
    TEST_INT_EQ(date.year, 1990);
}

static void test_records_date__default_days(void)
{
    TEST_CHECK(parse_ok("1980-01-01").is_default_day);
    TEST_CHECK(parse_ok("1980-07-01").is_default_day);
    TEST_CHECK(!parse_ok("1980-07-02").is_default_day);
    TEST_CHECK(!parse_ok("1980-02-01").is_default_day);
}

static void test_records_date__rejects_impossible(void)
{
    parse_fail("1990-02-30", "February 1990 has 28 days");
    parse_fail("1900-02-29", "February 1900 has 28 days"); /* 1900 is not a leap year */
    parse_fail("1990-04-31", "April 1990 has 30 days");
    parse_fail("1990-13", "month 13 does not exist");
    parse_fail("1990-00-10", "month 0 does not exist");
    parse_fail("1990-01-00", "has 31 days");
    parse_fail("1990..1980", "range ends before it starts");
    parse_fail("1750", "year outside 1800..2199");
    parse_fail("", "empty date");
    parse_fail("1990-", "not a date");
    parse_fail("90", "not a date");
    parse_fail("02/03/1987", "not a date");
    parse_fail("1987-03-02x", "not a date");
    parse_fail("~", "not a date");
    parse_fail("1987年", "not a date");
    TEST_INT_EQ(parse_fail("1990-02-30", "\"1990-02-30\""), TBY_EINVALID);
}

static void test_records_date__format_round_trip(void)
{
    const char *forms[] = {"1987-03-02", "1987-03", "1987", "~1990", "1985..1989"};
    char out[TBY_DATE_FORMAT_LEN];
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        tby_date date = parse_ok(forms[i]);
        TEST_STR_EQ(tby_date_format(out, &date), forms[i]);
    }
    tby_date none = {0};
    TEST_STR_EQ(tby_date_format(out, &none), "");
}

/* Compares two dates both ways and checks the result is symmetric. */
static tby_date_match compare(const char *a_text, const char *b_text)
{
    tby_date a = parse_ok(a_text), b = parse_ok(b_text);
    tby_date_match forward = tby_date_compare(&a, &b);
    tby_date_match backward = tby_date_compare(&b, &a);
    if (forward.agreement != backward.agreement || forward.year_distance != backward.year_distance)
        TEST__FAIL("compare(%s, %s) is not symmetric", a_text, b_text);
    return forward;
}

#define CHECK_COMPARE(a, b, agreement_, distance_)                                                 \
    do {                                                                                           \
        tby_date_match m = compare(a, b);                                                          \
        if (m.agreement != (agreement_) || m.year_distance != (distance_))                         \
            TEST__FAIL("compare(%s, %s) = %s/%d, expected %s/%d", a, b,                            \
                       tby_date_agreement_name(m.agreement), m.year_distance,                      \
                       tby_date_agreement_name(agreement_), distance_);                            \
    } while (0)

static void test_records_date__compare_exact(void)
{
    CHECK_COMPARE("1987-03-02", "1987-03-02", TBY_DATEMATCH_EXACT, 0);
}

static void test_records_date__compare_month_and_year(void)
{
    CHECK_COMPARE("1987-03-02", "1987-03", TBY_DATEMATCH_MONTH, 0);
    CHECK_COMPARE("1987-03", "1987-03", TBY_DATEMATCH_MONTH, 0);
    CHECK_COMPARE("1987-03-02", "1987", TBY_DATEMATCH_YEAR, 0);
    CHECK_COMPARE("1987", "1987", TBY_DATEMATCH_YEAR, 0);
}

static void test_records_date__compare_default_day_is_year_only(void)
{
    /* 1 January and 1 July say only "born in 1987", so they neither confirm nor contradict
       the day of the other record. */
    CHECK_COMPARE("1987-01-01", "1987-05-12", TBY_DATEMATCH_YEAR, 0);
    CHECK_COMPARE("1987-07-01", "1987-07-01", TBY_DATEMATCH_YEAR, 0);
    CHECK_COMPARE("1987-01-07", "1987-07-01", TBY_DATEMATCH_YEAR, 0);
    CHECK_COMPARE("1987-07-01", "1987-03", TBY_DATEMATCH_YEAR, 0);
}

static void test_records_date__compare_swapped(void)
{
    CHECK_COMPARE("1987-03-02", "1987-02-03", TBY_DATEMATCH_SWAPPED, 0);
    CHECK_COMPARE("1987-12-11", "1987-11-12", TBY_DATEMATCH_SWAPPED, 0);
}

static void test_records_date__compare_slip_of_one_is_year(void)
{
    /* A day or a month one apart, the rest equal: a typing slip, agreeing on the year. */
    CHECK_COMPARE("1982-09-26", "1982-08-26", TBY_DATEMATCH_YEAR, 0);
    CHECK_COMPARE("1984-12-12", "1984-12-11", TBY_DATEMATCH_YEAR, 0);
    /* Two apart, or both changed: another date. */
    CHECK_COMPARE("1984-12-12", "1984-12-10", TBY_DATEMATCH_DISAGREE, 0);
    CHECK_COMPARE("1984-12-12", "1984-11-11", TBY_DATEMATCH_DISAGREE, 0);
}

static void test_records_date__compare_within_one_year(void)
{
    CHECK_COMPARE("1987", "1988", TBY_DATEMATCH_WITHIN_1Y, 1);
    CHECK_COMPARE("1987-12-31", "1988-01-05", TBY_DATEMATCH_WITHIN_1Y, 1);
    CHECK_COMPARE("1980..1985", "1986", TBY_DATEMATCH_WITHIN_1Y, 1);
}

static void test_records_date__compare_window(void)
{
    CHECK_COMPARE("~1990", "1990-05-05", TBY_DATEMATCH_WINDOW, 0);
    CHECK_COMPARE("~1990", "1988", TBY_DATEMATCH_WINDOW, 2);
    CHECK_COMPARE("~1990", "1992-01", TBY_DATEMATCH_WINDOW, 2);
    CHECK_COMPARE("1985..1989", "1987-03-02", TBY_DATEMATCH_WINDOW, 0);
    CHECK_COMPARE("1985..1989", "1988..1995", TBY_DATEMATCH_WINDOW, 0);
    CHECK_COMPARE("~1990", "~1994", TBY_DATEMATCH_WINDOW, 4);
}

static void test_records_date__compare_disagree(void)
{
    CHECK_COMPARE("1987-03-02", "1987-04-09", TBY_DATEMATCH_DISAGREE, 0);
    CHECK_COMPARE("1987-03", "1987-04-09", TBY_DATEMATCH_DISAGREE, 0);
    CHECK_COMPARE("1987", "1995", TBY_DATEMATCH_DISAGREE, 8);
    CHECK_COMPARE("~1990", "1986", TBY_DATEMATCH_DISAGREE, 4);
    CHECK_COMPARE("1980..1985", "1987", TBY_DATEMATCH_DISAGREE, 2);
}

static void test_records_date__compare_missing(void)
{
    tby_date a = parse_ok("1987");
    tby_date none = {0};
    TEST_INT_EQ(tby_date_compare(&a, &none).agreement, TBY_DATEMATCH_MISSING);
    TEST_INT_EQ(tby_date_compare(NULL, &a).agreement, TBY_DATEMATCH_MISSING);
    TEST_INT_EQ(tby_date_compare_best(&a, 1, NULL, 0).agreement, TBY_DATEMATCH_MISSING);
}

static void test_records_date__compare_best(void)
{
    tby_date a[2] = {parse_ok("1990"), parse_ok("1987-03-02")};
    tby_date b[2] = {parse_ok("1995"), parse_ok("1987-02-03")};
    tby_date_match best = tby_date_compare_best(a, 2, b, 2);
    TEST_INT_EQ(best.agreement, TBY_DATEMATCH_SWAPPED);
    tby_date c[1] = {parse_ok("1999")};
    best = tby_date_compare_best(a, 2, c, 1);
    TEST_INT_EQ(best.agreement, TBY_DATEMATCH_DISAGREE);
    TEST_INT_EQ(best.year_distance, 9);
}

TEST_LIST = {
    TEST(test_records_date__forms),
    TEST(test_records_date__arabic_indic_digits),
    TEST(test_records_date__default_days),
    TEST(test_records_date__rejects_impossible),
    TEST(test_records_date__format_round_trip),
    TEST(test_records_date__compare_exact),
    TEST(test_records_date__compare_month_and_year),
    TEST(test_records_date__compare_default_day_is_year_only),
    TEST(test_records_date__compare_swapped),
    TEST(test_records_date__compare_slip_of_one_is_year),
    TEST(test_records_date__compare_within_one_year),
    TEST(test_records_date__compare_window),
    TEST(test_records_date__compare_disagree),
    TEST(test_records_date__compare_missing),
    TEST(test_records_date__compare_best),
    TEST_END,
};

TEST_MAIN()
