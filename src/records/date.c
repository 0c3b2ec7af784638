// SPDX-License-Identifier: Apache-2.0
// Birth dates as registries and watchlists write them: exact, month, year, approximate year and
// ranges, and the comparator that says how two of them relate. Not a calendar library: only
// Gregorian validation of what a birth date can be.
//
// Comparison works on two views of a date:
//
//   precision   DAY (a real day), MONTH, YEAR (a year, a default day 01-01/07-01, or YYYY-MM
//               whose day is unknown), or a window (~YYYY, YYYY..YYYY)
//   span        the years the date allows: [y, y] for points and ~y, [y1, y2] for a range;
//               ~y is widened by TBY_DATE_ABOUT_YEARS only when testing for compatibility
//
//   1987-03-02 vs 1987-03-02  exact        1987-03-02 vs 1987-02-03  swapped
//   1987-03-02 vs 1987-03     month        1987-01-01 vs 1987-05-12  year (default day)
//   1987 vs 1988              within 1y    ~1990 vs 1988             window
//   1987-03-02 vs 1987-03-03  year (a slip of one in the day or the month)
//   1980..1985 vs 1987        disagree, year_distance 2
#include <stdlib.h>
#include <string.h>

#include "records/records_int.h"

/* ===== Parsing (Public) ===== */

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap(year))
        return 29;
    return days[month - 1];
}

static const char *const month_names[12] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};

/*
 * Copies s into out as ASCII, turning Arabic-Indic and Extended Arabic-Indic digits into ASCII
 * digits, because Iraqi and Syrian forms are often filled in with them. Returns the length, or
 * -1 when the text holds anything else outside ASCII or does not fit.
 */
static int date_to_ascii(char *out, size_t out_size, const char *s, size_t len)
{
    size_t used = 0;
    for (size_t i = 0; i < len;) {
        unsigned char byte = (unsigned char)s[i];
        char ascii;
        if (byte < 0x80) {
            ascii = (char)byte;
            i++;
        } else {
            int32_t cp;
            size_t step = tby__utf8_decode(s + i, len - i, &cp);
            if (step == 0)
                return -1;
            if (cp >= 0x660 && cp <= 0x669)
                ascii = (char)('0' + (cp - 0x660));
            else if (cp >= 0x6F0 && cp <= 0x6F9)
                ascii = (char)('0' + (cp - 0x6F0));
            else
                return -1;
            i += step;
        }
        if (used + 1 >= out_size)
            return -1;
        out[used++] = ascii;
    }
    out[used] = '\0';
    return (int)used;
}

/* Reads exactly `count` digits at *pos into *value; false when they are not all digits. */
static bool read_digits(const char *s, size_t len, size_t *pos, size_t min_count, size_t max_count,
                        int *value)
{
    size_t start = *pos;
    int acc = 0;
    while (*pos < len && *pos - start < max_count && s[*pos] >= '0' && s[*pos] <= '9') {
        acc = acc * 10 + (s[*pos] - '0');
        (*pos)++;
    }
    if (*pos - start < min_count)
        return false;
    *value = acc;
    return true;
}

static bool year_ok(int year)
{
    return year >= TBY_DATE_YEAR_MIN && year <= TBY_DATE_YEAR_MAX;
}

int tby_date_parse(tby_date *out, const char *s, size_t len, tby_error *err)
{
    char quoted[96];
    char text[32];

    TBY_ASSERT_ARG(out != NULL);
    TBY_ASSERT_ARG(s != NULL || len == 0);
    memset(out, 0, sizeof(*out));

    while (len > 0 && (s[0] == ' ' || s[0] == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    tby_record__quote(quoted, sizeof(quoted), s, len);
    if (len == 0)
        return tby__error(err, TBY_EINVALID, -1, "empty date");

    int text_len = date_to_ascii(text, sizeof(text), s, len);
    if (text_len < 0)
        goto malformed;
    size_t n = (size_t)text_len;
    size_t pos = 0;
    int year = 0, year_last = 0, month = 0, day = 0;

    if (text[0] == '~') {
        pos = 1;
        while (pos < n && text[pos] == ' ')
            pos++;
        if (!read_digits(text, n, &pos, 4, 4, &year) || pos != n)
            goto malformed;
        if (!year_ok(year))
            goto bad_year;
        out->kind = TBY_DATE_ABOUT;
        out->year = out->year_last = year;
        return TBY_OK;
    }

    if (!read_digits(text, n, &pos, 4, 4, &year))
        goto malformed;
    if (pos == n) {
        if (!year_ok(year))
            goto bad_year;
        out->kind = TBY_DATE_YEAR;
        out->year = out->year_last = year;
        return TBY_OK;
    }
    if (n - pos >= 2 && text[pos] == '.' && text[pos + 1] == '.') {
        pos += 2;
        if (!read_digits(text, n, &pos, 4, 4, &year_last) || pos != n)
            goto malformed;
        if (!year_ok(year) || !year_ok(year_last))
            goto bad_year;
        if (year_last < year) {
            memset(out, 0, sizeof(*out));
            return tby__error(err, TBY_EINVALID, -1, "%s: range ends before it starts", quoted);
        }
        out->kind = year_last == year ? TBY_DATE_YEAR : TBY_DATE_RANGE;
        out->year = year;
        out->year_last = year_last;
        return TBY_OK;
    }
    /* Months and days may be written with one digit (1987-3-2), as many registries do. */
    if (text[pos] != '-')
        goto malformed;
    pos++;
    if (!read_digits(text, n, &pos, 1, 2, &month))
        goto malformed;
    bool has_day = pos < n;
    if (has_day) {
        if (text[pos] != '-')
            goto malformed;
        pos++;
        if (!read_digits(text, n, &pos, 1, 2, &day) || pos != n)
            goto malformed;
    }
    if (!year_ok(year))
        goto bad_year;
    if (month < 1 || month > 12)
        return tby__error(err, TBY_EINVALID, -1, "%s: month %d does not exist", quoted, month);
    out->year = out->year_last = year;
    out->month = month;
    if (!has_day) {
        out->kind = TBY_DATE_MONTH;
        return TBY_OK;
    }
    if (day < 1 || day > days_in_month(year, month)) {
        memset(out, 0, sizeof(*out));
        return tby__error(err, TBY_EINVALID, -1, "%s: %s %d has %d days", quoted,
                          month_names[month - 1], year, days_in_month(year, month));
    }
    out->kind = TBY_DATE_DAY;
    out->day = day;
    /* 1 January and 1 July are what clerks write when only the year is known. */
    out->is_default_day = day == 1 && (month == 1 || month == 7);
    return TBY_OK;

malformed:
    memset(out, 0, sizeof(*out));
    return tby__error(err, TBY_EINVALID, -1,
                      "%s: not a date (expected YYYY-MM-DD, YYYY-MM, YYYY, ~YYYY or YYYY..YYYY)",
                      quoted);
bad_year:
    memset(out, 0, sizeof(*out));
    return tby__error(err, TBY_EINVALID, -1, "%s: year outside %d..%d", quoted, TBY_DATE_YEAR_MIN,
                      TBY_DATE_YEAR_MAX);
}

char *tby_date_format(char out[TBY_DATE_FORMAT_LEN], const tby_date *date)
{
    out[0] = '\0';
    if (!date)
        return out;
    switch (date->kind) {
    case TBY_DATE_NONE:
        break;
    case TBY_DATE_DAY:
        snprintf(out, TBY_DATE_FORMAT_LEN, "%04d-%02d-%02d", date->year, date->month, date->day);
        break;
    case TBY_DATE_MONTH:
        snprintf(out, TBY_DATE_FORMAT_LEN, "%04d-%02d", date->year, date->month);
        break;
    case TBY_DATE_YEAR:
        snprintf(out, TBY_DATE_FORMAT_LEN, "%04d", date->year);
        break;
    case TBY_DATE_ABOUT:
        snprintf(out, TBY_DATE_FORMAT_LEN, "~%04d", date->year);
        break;
    case TBY_DATE_RANGE:
        snprintf(out, TBY_DATE_FORMAT_LEN, "%04d..%04d", date->year, date->year_last);
        break;
    }
    return out;
}

/* ===== Comparison (Public) ===== */

typedef enum date_precision {
    PRECISION_WINDOW = 0, /* ~YYYY or a range */
    PRECISION_YEAR,
    PRECISION_MONTH,
    PRECISION_DAY
} date_precision;

/* What the date can be relied on for: a default day is only a year. */
static date_precision date_precision_of(const tby_date *date)
{
    switch (date->kind) {
    case TBY_DATE_DAY:
        return date->is_default_day ? PRECISION_YEAR : PRECISION_DAY;
    case TBY_DATE_MONTH:
        return PRECISION_MONTH;
    case TBY_DATE_YEAR:
        return PRECISION_YEAR;
    default:
        return PRECISION_WINDOW;
    }
}

static int span_gap(int a_first, int a_last, int b_first, int b_last)
{
    if (a_last < b_first)
        return b_first - a_last;
    if (b_last < a_first)
        return a_first - b_last;
    return 0;
}

static tby_date_match date_match(tby_date_agreement agreement, int distance)
{
    tby_date_match match = {agreement, distance};
    return match;
}

tby_date_match tby_date_compare(const tby_date *a, const tby_date *b)
{
    if (!a || !b || a->kind == TBY_DATE_NONE || b->kind == TBY_DATE_NONE)
        return date_match(TBY_DATEMATCH_MISSING, 0);

    date_precision a_precision = date_precision_of(a);
    date_precision b_precision = date_precision_of(b);
    int distance = span_gap(a->year, a->year_last, b->year, b->year_last);

    if (a_precision == PRECISION_WINDOW || b_precision == PRECISION_WINDOW) {
        int a_widen = a->kind == TBY_DATE_ABOUT ? TBY_DATE_ABOUT_YEARS : 0;
        int b_widen = b->kind == TBY_DATE_ABOUT ? TBY_DATE_ABOUT_YEARS : 0;
        if (span_gap(a->year - a_widen, a->year_last + a_widen, b->year - b_widen,
                     b->year_last + b_widen) == 0)
            return date_match(TBY_DATEMATCH_WINDOW, distance);
        if (distance == 1)
            return date_match(TBY_DATEMATCH_WITHIN_1Y, 1);
        return date_match(TBY_DATEMATCH_DISAGREE, distance);
    }

    if (a->year != b->year) {
        if (distance == 1)
            return date_match(TBY_DATEMATCH_WITHIN_1Y, 1);
        return date_match(TBY_DATEMATCH_DISAGREE, distance);
    }
    if (a_precision == PRECISION_DAY && b_precision == PRECISION_DAY) {
        if (a->month == b->month && a->day == b->day)
            return date_match(TBY_DATEMATCH_EXACT, 0);
        /* A day-month swap is the usual DD/MM vs MM/DD slip between two clerks. */
        if (a->month == b->day && a->day == b->month)
            return date_match(TBY_DATEMATCH_SWAPPED, 0);
        /* The day or the month one apart and the rest equal (1982-09-26 against
         * 1982-08-26) is a typing slip far more often than another person: the dates agree
         * on the year, and do not contradict. */
        if ((a->month == b->month && abs(a->day - b->day) == 1) ||
            (a->day == b->day && abs(a->month - b->month) == 1))
            return date_match(TBY_DATEMATCH_YEAR, 0);
        return date_match(TBY_DATEMATCH_DISAGREE, 0);
    }
    if (a_precision >= PRECISION_MONTH && b_precision >= PRECISION_MONTH) {
        if (a->month == b->month)
            return date_match(TBY_DATEMATCH_MONTH, 0);
        return date_match(TBY_DATEMATCH_DISAGREE, 0);
    }
    return date_match(TBY_DATEMATCH_YEAR, 0);
}

tby_date_match tby_date_compare_best(const tby_date *a, size_t a_count, const tby_date *b,
                                     size_t b_count)
{
    tby_date_match best = date_match(TBY_DATEMATCH_MISSING, 0);
    for (size_t i = 0; i < a_count; i++) {
        for (size_t j = 0; j < b_count; j++) {
            tby_date_match match = tby_date_compare(&a[i], &b[j]);
            if (match.agreement == TBY_DATEMATCH_MISSING)
                continue;
            if (best.agreement == TBY_DATEMATCH_MISSING || match.agreement < best.agreement ||
                (match.agreement == best.agreement && match.year_distance < best.year_distance))
                best = match;
        }
    }
    return best;
}

const char *tby_date_agreement_name(tby_date_agreement agreement)
{
    switch (agreement) {
    case TBY_DATEMATCH_MISSING:
        return "missing";
    case TBY_DATEMATCH_EXACT:
        return "exact";
    case TBY_DATEMATCH_MONTH:
        return "same_month";
    case TBY_DATEMATCH_YEAR:
        return "same_year";
    case TBY_DATEMATCH_SWAPPED:
        return "day_month_swapped";
    case TBY_DATEMATCH_WITHIN_1Y:
        return "within_1_year";
    case TBY_DATEMATCH_WINDOW:
        return "within_window";
    case TBY_DATEMATCH_DISAGREE:
        return "disagree";
    }
    return "unknown";
}
