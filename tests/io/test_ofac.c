// SPDX-License-Identifier: Apache-2.0
// Tests of src/io/ofac.c: hand-written rows for each remark form OFAC writes, Latin-1 and
// UTF-8 input, "-0-", entries that are not individuals, joins of alt.csv and add.csv rows,
// wrong column counts with their line, strict and lenient reads, allocation failures, the
// excerpt in tests/data/lists/, and the real development files of /work/shared/eval checked
// against the parsed truth ofac_sdn_individuals.tsv (skipped when the directory is missing).
#include <stdlib.h>

#include "harness/failalloc.h"
#include "harness/test.h"
#include "io/io_int.h"
#include "tabayyun/tby_lists.h"

#define DATA "tests/data/lists/"

/* ===== Helpers ===== */

typedef struct reports {
    size_t count;
    char sources[32][64];
    tby_error errors[32];
} reports;

static int collect_report(const char *source_name, const tby_error *error, void *payload)
{
    reports *list = payload;
    TEST_CHECK(source_name != NULL && source_name[0] != '\0');
    TEST_CHECK(error->code < 0 && error->message[0] != '\0');
    if (list->count < 32) {
        snprintf(list->sources[list->count], sizeof(list->sources[0]), "%s", source_name);
        list->errors[list->count] = *error;
    }
    list->count++;
    return 0;
}

/* One read: the records delivered (copied into a set), what was rejected and dropped. */
typedef struct ofac_run {
    tby_record_set *set;
    reports rejects;
    reports drops;
    tby_list_stats stats;
    tby_error err;
    int rc;
} ofac_run;

static int add_record(const tby_record *record, void *payload)
{
    return tby_record_set_add(payload, record, NULL);
}

static void run_buffers(ofac_run *run, const char *sdn, const char *alt, const char *add,
                        bool is_strict, bool is_dropping)
{
    memset(run, 0, sizeof(*run));
    TEST_INT_EQ(tby_record_set_new(&run->set, NULL), 0);
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.strict = is_strict;
    opts.drop_bad_values = is_dropping;
    opts.on_reject = collect_report;
    opts.reject_payload = &run->rejects;
    opts.on_dropped = collect_report;
    opts.dropped_payload = &run->drops;
    tby_error_clear(&run->err);
    run->rc =
        tby_io__ofac_read_buffers(sdn, strlen(sdn), alt, strlen(alt), add, add ? strlen(add) : 0,
                                  &opts, add_record, run->set, &run->stats, &run->err);
}

static void run_dispose(ofac_run *run)
{
    tby_record_set_free(run->set);
    run->set = NULL;
}

static const tby_record *find(const tby_record_set *set, const char *id)
{
    for (size_t i = 0; i < tby_record_set_count(set); i++) {
        const tby_record *record = tby_record_set_get(set, i);
        if (strcmp(record->id, id) == 0)
            return record;
    }
    return NULL;
}

static const char *date_text(const tby_record *record, size_t index)
{
    static char text[TBY_DATE_FORMAT_LEN];
    if (!record || index >= record->birth_date_count)
        return "(none)";
    return tby_date_format(text, &record->birth_dates[index]);
}

#define CHECK_REPORT(list, index, line_, field_, code_, text_)                                     \
    do {                                                                                           \
        const tby_error *e = &(list).errors[index];                                                \
        TEST_INT_EQ(e->line, line_);                                                               \
        TEST_STR_EQ(e->field, field_);                                                             \
        TEST_INT_EQ(e->code, code_);                                                               \
        if (!strstr(e->message, text_))                                                            \
            TEST__FAIL("report %d message \"%s\" lacks \"%s\"", index, e->message, text_);         \
    } while (0)

/* An sdn.csv row of an individual with the given name, title and remarks. */
#define SDN_ROW(ent, name, title, remarks)                                                         \
    ent ",\"" name "\",\"individual\",\"SDGT\"," title ",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"" remarks \
        "\"\r\n"

/* ===== Remarks ===== */

static void test_io_ofac__remark_dates(void)
{
    const char *sdn =
        SDN_ROW("1", "ONE, Person", "-0- ",
                "DOB 12 Mar 1964; alt. DOB Feb 1955; alt. DOB 1960; alt. DOB circa 1951") //
        SDN_ROW("2", "TWO, Person", "-0- ",
                "DOB 1960 to 1962; alt. DOB circa 1979-1982; alt. DOB 01 Jan 1961 to 31 Dec "
                "1962") //
        SDN_ROW("3", "THREE, Person", "-0- ",
                "DOB 01 Jan 1973 to 31 Dec 1973; alt. DOB 01 Feb 1960 to 29 Feb 1960; alt. "
                "DOB Mar 1962 to Feb 1963; Alt. DOB: 10 October 1969; DOB 12 Mar 1964") //
        SDN_ROW("4", "FOUR, Person", "-0- ", "DOB 07 Jun 1943; alt. DOB Sept. 1943.");
    ofac_run run;
    run_buffers(&run, sdn, "", NULL, false, false);
    TEST_INT_EQ(run.rc, 0);
    TEST_INT_EQ(run.rejects.count, 0);
    TEST_INT_EQ(run.stats.individuals, 4);
    TEST_INT_EQ(run.stats.birth_dates, 14);

    const tby_record *one = find(run.set, "1");
    TEST_CHECK(one != NULL);
    if (one) {
        TEST_INT_EQ(one->birth_date_count, 4);
        TEST_STR_EQ(date_text(one, 0), "1964-03-12");
        TEST_INT_EQ(one->birth_dates[0].kind, TBY_DATE_DAY);
        TEST_STR_EQ(date_text(one, 1), "1955-02");
        TEST_INT_EQ(one->birth_dates[1].kind, TBY_DATE_MONTH);
        TEST_STR_EQ(date_text(one, 2), "1960");
        TEST_INT_EQ(one->birth_dates[2].kind, TBY_DATE_YEAR);
        TEST_STR_EQ(date_text(one, 3), "~1951");
        TEST_INT_EQ(one->birth_dates[3].kind, TBY_DATE_ABOUT);
    }
    const tby_record *two = find(run.set, "2");
    TEST_CHECK(two != NULL);
    if (two) {
        TEST_INT_EQ(two->birth_date_count, 3);
        TEST_STR_EQ(date_text(two, 0), "1960..1962");
        TEST_INT_EQ(two->birth_dates[0].kind, TBY_DATE_RANGE);
        TEST_STR_EQ(date_text(two, 1), "1979..1982");
        TEST_STR_EQ(date_text(two, 2), "1961..1962"); /* the record format ranges over years */
    }
    const tby_record *three = find(run.set, "3");
    TEST_CHECK(three != NULL);
    if (three) {
        /* A range inside one year is that year, inside one month that month; the repeated
           12 Mar 1964 is kept once. */
        TEST_INT_EQ(three->birth_date_count, 5);
        TEST_STR_EQ(date_text(three, 0), "1973");
        TEST_STR_EQ(date_text(three, 1), "1960-02");
        TEST_STR_EQ(date_text(three, 2), "1962..1963");
        TEST_STR_EQ(date_text(three, 3), "1969-10-10");
        TEST_STR_EQ(date_text(three, 4), "1964-03-12");
    }
    const tby_record *four = find(run.set, "4");
    TEST_CHECK(four != NULL);
    if (four)
        TEST_STR_EQ(date_text(four, 1), "1943-09");
    run_dispose(&run);
}

static void test_io_ofac__remark_values(void)
{
    const char *sdn = SDN_ROW(
        "10", "AL-TIKRITI, Ali Hassan", "Director of Military Intelligence",
        "DOB 1951; POB Tikrit, Iraq; alt. POB Baghdad, Iraq; nationality Iraq; citizen Syria; "
        "alt. nationality Iraq; Gender Male; Passport A1234567 (Iraq) issued 12 Mar 2001 "
        "expires 11 Mar 2006; alt. Passport D366 871 (Jordan); Diplomatic Passport D000000483, "
        "Diplomatic (Syria); Passport B0518816 (North Macedonia, The Republic of) expires 06 "
        "Mar 2024; National ID No. K357514(4) (Hong Kong); National ID No. CNIC: "
        "35202-5400413-9 (Pakistan); Cedula No. 6095803 (Colombia); Tax ID No. 238.624.338-97 "
        "(Brazil); Passport issued in Sarajevo, Bosnia-Herzegovina; Phone Number 9647821757598; "
        "Linked To: HAMAS; a.k.a. 'ABU HAFS'; a.k.a. 'ABU-'UMAR'; a.k.a. 'ASIA, Abu'; "
        "(Following data derived from a passport: Alt. DOB: 10 October 1969; nationality: "
        "Eritrean; Passport No.: 0310857, Eritrea); Additional Sanctions Information - Subject "
        "to Secondary Sanctions.");
    ofac_run run;
    run_buffers(&run, sdn, "", NULL, false, false);
    TEST_INT_EQ(run.rc, 0);
    TEST_INT_EQ(run.rejects.count, 0);
    const tby_record *r = find(run.set, "10");
    TEST_CHECK(r != NULL);
    if (r) {
        TEST_STR_EQ(r->name, "AL-TIKRITI, Ali Hassan");
        TEST_STR_EQ(r->note, "Director of Military Intelligence");
        TEST_INT_EQ(r->line, 1);
        TEST_INT_EQ(r->birth_date_count, 1); /* the date in parentheses is another document's */
        TEST_STR_EQ(r->birth_place, "Tikrit, Iraq");
        TEST_INT_EQ(r->nationality_count, 2);
        TEST_STR_EQ(r->nationalities[0], "Iraq");
        TEST_STR_EQ(r->nationalities[1], "Syria");
        TEST_INT_EQ(r->sex, TBY_SEX_MALE);
        TEST_INT_EQ(r->weak_alias_count, 3);
        TEST_STR_EQ(r->weak_aliases[0], "ABU HAFS");
        TEST_STR_EQ(r->weak_aliases[1], "ABU-'UMAR");
        TEST_STR_EQ(r->weak_aliases[2], "ASIA, Abu");
        TEST_INT_EQ(r->document_count, 8);
        static const char *const want[][2] = {
            {"passport", "A1234567"},      {"passport", "D366871"},
            {"passport", "D000000483"},    {"passport", "B0518816"},
            {"national_id", "K357514(4)"}, {"national_id", "3520254004139"},
            {"national_id", "6095803"},    {"tax_id", "23862433897"},
        };
        for (size_t i = 0; i < r->document_count && i < 8; i++) {
            TEST_STR_EQ(r->documents[i].type, want[i][0]);
            TEST_STR_EQ(r->documents[i].number, want[i][1]);
        }
    }
    TEST_INT_EQ(run.stats.places, 1);
    TEST_INT_EQ(run.stats.nationalities, 2);
    TEST_INT_EQ(run.stats.documents, 8);
    TEST_INT_EQ(run.stats.weak_aliases, 3);
    run_dispose(&run);
}

/* Unbalanced parentheses: every ';' splits, so nothing after the stray '(' is lost. */
static void test_io_ofac__remark_unbalanced_parens(void)
{
    const char *sdn =
        SDN_ROW("11", "X, Y", "-0- ", "Commander (Air; DOB 1960; nationality Iraq; Gender Female");
    ofac_run run;
    run_buffers(&run, sdn, "", NULL, false, false);
    TEST_INT_EQ(run.rc, 0);
    const tby_record *r = find(run.set, "11");
    TEST_CHECK(r != NULL);
    if (r) {
        TEST_STR_EQ(date_text(r, 0), "1960");
        TEST_INT_EQ(r->nationality_count, 1);
        TEST_INT_EQ(r->sex, TBY_SEX_FEMALE);
    }
    run_dispose(&run);
}

/* ===== Bad values: lenient, dropping, strict ===== */

#define BAD_SDN                                                                                    \
    SDN_ROW("20", "GOOD, One", "-0- ", "DOB 1970")                                 /* line 1 */    \
    SDN_ROW("21", "BAD, Date", "-0- ", "DOB circa 19xx; POB Mosul, Iraq")          /* line 2 */    \
    SDN_ROW("22", "BAD, Day", "-0- ", "DOB 31 Feb 1962")                           /* line 3 */    \
    SDN_ROW("23", "CUT, Remarks", "-0- ", "DOB 1980; a.k.a. 'FISHEYE'; a.k.a. '@") /* line 4 */    \
    SDN_ROW("24", "ODD, Gender", "-0- ", "Gender Unknown")                         /* line 5 */    \
    SDN_ROW("25", "GOOD, Two", "-0- ", "DOB 1962 to 1960")                         /* line 6 */

static void test_io_ofac__bad_values_reject(void)
{
    ofac_run run;
    run_buffers(&run, BAD_SDN, "", NULL, false, false);
    TEST_INT_EQ(run.rc, 0);
    TEST_INT_EQ(run.stats.individuals, 1);
    TEST_INT_EQ(run.stats.rejected, 5);
    TEST_INT_EQ(run.rejects.count, 5);
    TEST_INT_EQ(run.drops.count, 0);
    TEST_INT_EQ(run.stats.dates_dropped, 0);
    CHECK_REPORT(run.rejects, 0, 2, "Remarks", TBY_EINVALID, "DOB \"circa 19xx\"");
    CHECK_REPORT(run.rejects, 1, 3, "Remarks", TBY_EINVALID, "February 1962 has 28 days");
    CHECK_REPORT(run.rejects, 2, 4, "Remarks", TBY_EINVALID, "no closing quote");
    CHECK_REPORT(run.rejects, 3, 5, "Remarks", TBY_EINVALID, "neither Male nor Female");
    CHECK_REPORT(run.rejects, 4, 6, "Remarks", TBY_EINVALID, "ends before it starts");
    TEST_STR_EQ(run.rejects.sources[0], "<sdn>");
    TEST_CHECK(find(run.set, "20") != NULL);
    run_dispose(&run);
}

static void test_io_ofac__bad_values_dropped(void)
{
    ofac_run run;
    run_buffers(&run, BAD_SDN, "", NULL, false, true);
    TEST_INT_EQ(run.rc, 0);
    TEST_INT_EQ(run.stats.individuals, 6);
    TEST_INT_EQ(run.stats.rejected, 0);
    TEST_INT_EQ(run.drops.count, 5);
    TEST_INT_EQ(run.stats.dates_dropped, 3);
    CHECK_REPORT(run.drops, 0, 2, "Remarks", TBY_EINVALID, "circa 19xx");
    const tby_record *r = find(run.set, "21");
    TEST_CHECK(r != NULL);
    if (r) {
        TEST_INT_EQ(r->birth_date_count, 0);
        TEST_STR_EQ(r->birth_place, "Mosul, Iraq"); /* the rest of the remarks is still read */
    }
    r = find(run.set, "23");
    TEST_CHECK(r != NULL);
    if (r) {
        TEST_INT_EQ(r->weak_alias_count, 1);
        TEST_STR_EQ(r->weak_aliases[0], "FISHEYE");
    }
    run_dispose(&run);
}

static void test_io_ofac__bad_values_strict(void)
{
    ofac_run run;
    run_buffers(&run, BAD_SDN, "", NULL, true, false);
    TEST_INT_EQ(run.rc, TBY_EINVALID);
    TEST_INT_EQ(run.err.line, 2);
    TEST_STR_EQ(run.err.field, "Remarks");
    /* Row 1 came before the rejection; nothing is delivered after it, every rejection is
       still reported. */
    TEST_INT_EQ(tby_record_set_count(run.set), 1);
    TEST_INT_EQ(run.rejects.count, 5);
    run_dispose(&run);

    /* Strict with dropping: the dropped values are no rejections. */
    run_buffers(&run, BAD_SDN, "", NULL, true, true);
    TEST_INT_EQ(run.rc, 0);
    TEST_INT_EQ(run.stats.individuals, 6);
    run_dispose(&run);
}

/* ===== Encodings and empty values ===== */

static void test_io_ofac__latin1(void)
{
    /* "MUÑOZ, José" and "Bogotá" in Latin-1, a Windows-1252 right quote (0x92), -0- title. */
    const char *sdn = "30,\"MU\xD1OZ, Jos\xE9\",\"individual\",\"SDNT\",-0- ,-0- ,-0- ,-0- ,-0- ,"
                      "-0- ,-0- ,\"POB Bogot\xE1, Colombia; a.k.a. 'EL SE\xD1OR'; a.k.a. "
                      "'O\x92NEIL'\"\r\n";
    const char *alt = "30,1,\"aka\",\"MU\xD1OZ GARC\xCD"
                      "A, Jos\xE9\",-0- \r\n";
    ofac_run run;
    run_buffers(&run, sdn, alt, NULL, false, false);
    TEST_INT_EQ(run.rc, 0);
    const tby_record *r = find(run.set, "30");
    TEST_CHECK(r != NULL);
    if (r) {
        TEST_STR_EQ(r->name, "MUÑOZ, José");
        TEST_CHECK(r->note == NULL);
        TEST_STR_EQ(r->birth_place, "Bogotá, Colombia");
        TEST_INT_EQ(r->alias_count, 1);
        TEST_STR_EQ(r->aliases[0], "MUÑOZ GARCÍA, José");
        TEST_INT_EQ(r->weak_alias_count, 2);
        TEST_STR_EQ(r->weak_aliases[0], "EL SEÑOR");
        TEST_STR_EQ(r->weak_aliases[1], "O\xE2\x80\x99NEIL");
    }
    run_dispose(&run);

    /* The same text in UTF-8 (with a byte order mark) is read as it is. */
    run_buffers(&run, "\xEF\xBB\xBF" SDN_ROW("31", "MUÑOZ, José", "-0- ", "POB Bogotá, Colombia"),
                "", NULL, false, false);
    TEST_INT_EQ(run.rc, 0);
    r = find(run.set, "31");
    TEST_CHECK(r != NULL);
    if (r) {
        TEST_STR_EQ(r->name, "MUÑOZ, José");
        TEST_STR_EQ(r->birth_place, "Bogotá, Colombia");
    }
    run_dispose(&run);

    /* Mostly UTF-8 with one stray byte: UTF-8, and the row with the stray byte is rejected
       rather than the whole file read as mojibake. */
    run_buffers(&run,
                SDN_ROW("32", "MUÑOZ, José", "-0- ", "POB Bogotá")
                    SDN_ROW("33", "GARCÍA, Ana", "-0- ", "POB Cúcuta")
                        SDN_ROW("34", "BAD\xFF, X", "-0- ", "-0-"),
                "", NULL, false, false);
    TEST_INT_EQ(run.rc, 0);
    TEST_INT_EQ(run.stats.individuals, 2);
    TEST_INT_EQ(run.rejects.count, 1);
    if (run.rejects.count)
        TEST_INT_EQ(run.rejects.errors[0].code, TBY_EUTF8);
    run_dispose(&run);
}

static void test_io_ofac__empty_values(void)
{
    /* -0- everywhere an individual may leave a value out, and no remarks at all. */
    const char *sdn = "40,\"EMPTY, All\",\"individual\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
                      "-0- \r\n"
                      "41,-0- ,\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n";
    ofac_run run;
    run_buffers(&run, sdn, "41,1,\"aka\",\"NAME, Of Rejected\",-0- \r\n", NULL, false, false);
    TEST_INT_EQ(run.rc, 0);
    TEST_INT_EQ(run.stats.individuals, 1);
    TEST_INT_EQ(run.rejects.count, 1); /* the nameless individual; its alias is ignored */
    CHECK_REPORT(run.rejects, 0, 2, "SDN_Name", TBY_EINVALID, "SDN_Name is empty");
    const tby_record *r = find(run.set, "40");
    TEST_CHECK(r != NULL);
    if (r) {
        TEST_CHECK(r->note == NULL && r->birth_place == NULL);
        TEST_INT_EQ(r->alias_count + r->weak_alias_count + r->birth_date_count, 0);
        TEST_INT_EQ(r->nationality_count + r->document_count, 0);
    }
    run_dispose(&run);
}

/* ===== Entries, joins and rows ===== */

static void test_io_ofac__joins(void)
{
    const char *sdn = "50,\"ACME TRADING LLC\",-0- ,\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
                      "\"a.k.a. 'ACME'.\"\r\n" /* entity */
                      "51,\"MAR AZUL\",\"vessel\",\"CUBA\",-0- ,\"CL2192\",\"Tug\",-0- ,\"212\","
                      "\"Cuba\",-0- ,-0- \r\n"
                      "52,\"EP-GOM\",\"aircraft\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- "
                      "\r\n" SDN_ROW("53", "SMITH, John", "-0- ", "-0-")
                          SDN_ROW("54", "DOE, Jane", "-0- ", "a.k.a. 'JD'");
    /* alt rows in any order; one for an entity (ignored), one for no entry (reported), a
       weak one, and one with an unknown type (reported). */
    const char *alt = "54,1,\"aka\",\"DOE, J.\",-0- \r\n"
                      "50,2,\"aka\",\"ACME LTD\",-0- \r\n"
                      "53,3,\"fka\",\"SMYTH, John\",-0- \r\n"
                      "99,4,\"aka\",\"NOBODY, Here\",-0- \r\n"
                      "53,5,\"aka\",\"SMITH, Johnny\",\"weak alias\"\r\n"
                      "54,6,\"nka\",\"DOE-ROE, Jane\",-0- \r\n"
                      "53,7,\"xyz\",\"SMITH, J.\",-0- \r\n";
    const char *add = "53,1,\"1 Main St\",\"Springfield\",\"United States\",-0- \r\n"
                      "98,2,-0- ,-0- ,\"Iraq\",-0- \r\n";
    ofac_run run;
    run_buffers(&run, sdn, alt, add, false, false);
    TEST_INT_EQ(run.rc, 0);
    TEST_INT_EQ(run.stats.individuals, 2);
    TEST_INT_EQ(run.stats.skipped, 3);
    TEST_INT_EQ(run.stats.rejected, 3);
    TEST_INT_EQ(run.stats.lines, 5 + 7 + 2);
    CHECK_REPORT(run.rejects, 0, 4, "ent_num", TBY_ENOTFOUND, "ent_num 99 is not in sdn.csv");
    TEST_STR_EQ(run.rejects.sources[0], "<alt>");
    CHECK_REPORT(run.rejects, 1, 7, "alt_type", TBY_EINVALID, "\"xyz\"");
    CHECK_REPORT(run.rejects, 2, 2, "ent_num", TBY_ENOTFOUND, "ent_num 98");
    TEST_STR_EQ(run.rejects.sources[2], "<add>");
    const tby_record *smith = find(run.set, "53");
    TEST_CHECK(smith != NULL);
    if (smith) {
        TEST_INT_EQ(smith->line, 4);
        TEST_INT_EQ(smith->alias_count, 1);
        TEST_STR_EQ(smith->aliases[0], "SMYTH, John");
        TEST_INT_EQ(smith->weak_alias_count, 1);
        TEST_STR_EQ(smith->weak_aliases[0], "SMITH, Johnny");
    }
    const tby_record *doe = find(run.set, "54");
    TEST_CHECK(doe != NULL);
    if (doe) {
        TEST_INT_EQ(doe->alias_count, 2);
        TEST_STR_EQ(doe->aliases[0], "DOE, J.");
        TEST_STR_EQ(doe->aliases[1], "DOE-ROE, Jane");
        TEST_INT_EQ(doe->weak_alias_count, 1);
        TEST_STR_EQ(doe->weak_aliases[0], "JD");
    }
    TEST_INT_EQ(run.stats.aliases, 3);
    TEST_INT_EQ(run.stats.weak_aliases, 2);
    run_dispose(&run);
}

static void test_io_ofac__rows(void)
{
    const char *sdn = SDN_ROW("60", "FIRST, One", "-0- ", "-0-") /* line 1 */
        "61,\"SHORT, Row\",\"individual\",\"SDGT\"\r\n"          /* line 2 */
        "\r\n"                                                   /* line 3 */
        SDN_ROW("62", "MULTI\nLINE, Name", "-0- ", "-0-")        /* lines 4-5 */
        SDN_ROW("abc", "NOT, Number", "-0- ", "-0-")             /* line 6 */
        SDN_ROW("60", "DUPLICATE, One", "-0- ", "-0-")           /* line 7 */
        "63,\"QUOTE\"x,\"individual\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n" /* 8 */
        SDN_ROW("64", "LAST, One", "-0- ", "-0-")                                       /* line 9 */
        "\x1A";
    ofac_run run;
    run_buffers(&run, sdn, "", NULL, false, false);
    TEST_INT_EQ(run.rc, 0);
    TEST_INT_EQ(run.stats.individuals, 3);
    TEST_INT_EQ(run.rejects.count, 4);
    CHECK_REPORT(run.rejects, 0, 2, "", TBY_EINVALID, "row has 4 fields, sdn.csv has 12");
    CHECK_REPORT(run.rejects, 1, 6, "ent_num", TBY_EINVALID, "\"abc\" is not a number");
    CHECK_REPORT(run.rejects, 2, 7, "ent_num", TBY_EEXISTS, "first on line 1");
    CHECK_REPORT(run.rejects, 3, 8, "SDN_Name", TBY_EINVALID, "after a closing quote");
    const tby_record *r = find(run.set, "62");
    TEST_CHECK(r != NULL);
    if (r)
        TEST_INT_EQ(r->line, 4);
    r = find(run.set, "60");
    TEST_CHECK(r != NULL);
    if (r)
        TEST_STR_EQ(r->name, "FIRST, One");
    TEST_INT_EQ(run.stats.lines, 10);
    run_dispose(&run);
}

/* A first row with the wrong number of columns is the wrong file: nothing is read. */
static void test_io_ofac__wrong_file(void)
{
    const char *sdn = SDN_ROW("70", "ANY, One", "-0- ", "-0-");
    const char *alt = "70,1,\"aka\",\"ONE, Any\",-0- \r\n";
    ofac_run run;
    run_buffers(&run, alt, sdn, NULL, false, false); /* sdn and alt swapped */
    TEST_INT_EQ(run.rc, TBY_EINVALID);
    TEST_INT_EQ(run.err.line, 1);
    if (!strstr(run.err.message, "<sdn>") || !strstr(run.err.message, "has 5 fields") ||
        !strstr(run.err.message, "sdn.csv has 12 columns"))
        TEST__FAIL("message \"%s\" does not name the file, the line and the counts",
                   run.err.message);
    TEST_INT_EQ(tby_record_set_count(run.set), 0);
    run_dispose(&run);

    run_buffers(&run, sdn, alt, sdn, false, false); /* sdn.csv given as add.csv */
    TEST_INT_EQ(run.rc, TBY_EINVALID);
    TEST_CHECK(strstr(run.err.message, "add.csv has 6 columns") != NULL);
    TEST_INT_EQ(tby_record_set_count(run.set), 0);
    run_dispose(&run);
}

static int stop_at_second(const tby_record *record, void *payload)
{
    (void)record;
    return ++*(int *)payload == 2 ? 42 : 0;
}

static void test_io_ofac__callback_stops(void)
{
    const char *sdn = SDN_ROW("80", "A, B", "-0- ", "-0-") SDN_ROW("81", "C, D", "-0- ", "-0-")
        SDN_ROW("82", "E, F", "-0- ", "-0-");
    int seen = 0;
    tby_list_stats stats;
    int rc = tby_io__ofac_read_buffers(sdn, strlen(sdn), "", 0, NULL, 0, NULL, stop_at_second,
                                       &seen, &stats, NULL);
    TEST_INT_EQ(rc, 42);
    TEST_INT_EQ(seen, 2);
}

/* ===== Files ===== */

static int count_record(const tby_record *record, void *payload)
{
    (void)record;
    (*(size_t *)payload)++;
    return 0;
}

static void test_io_ofac__small_files(void)
{
    tby_record_set *set = NULL;
    TEST_INT_EQ(tby_record_set_new(&set, NULL), 0);
    reports rejects = {0}, drops = {0};
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.drop_bad_values = true;
    opts.on_reject = collect_report;
    opts.reject_payload = &rejects;
    opts.on_dropped = collect_report;
    opts.dropped_payload = &drops;
    tby_list_stats stats;
    tby_error err;
    int rc = tby_ofac_read_files(DATA "ofac_small_sdn.csv", DATA "ofac_small_alt.csv",
                                 DATA "ofac_small_add.csv", &opts, add_record, set, &stats, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(rejects.count, 0);
    TEST_INT_EQ(stats.individuals, 9);
    TEST_INT_EQ(stats.skipped, 4);
    TEST_INT_EQ(stats.aliases, 28);
    /* KONDRATIEV's remarks end at OFAC's 1000 characters inside a quoted a.k.a. */
    TEST_INT_EQ(drops.count, 1);
    if (drops.count)
        TEST_STR_EQ(drops.sources[0], DATA "ofac_small_sdn.csv");
    TEST_INT_EQ(stats.lines, 14 + 28 + 10);

    const tby_record *r = find(set, "2676");
    TEST_CHECK(r != NULL);
    if (r) {
        TEST_STR_EQ(r->name, "AL ZAWAHIRI, Dr. Ayman");
        TEST_STR_EQ(r->note, "Operational and Military Leader of JIHAD GROUP");
        TEST_INT_EQ(r->alias_count, 3);
        TEST_STR_EQ(r->aliases[2], "AL-ZAWAHIRI, Aiman Muhammad Rabi");
        TEST_STR_EQ(date_text(r, 0), "1951-06-19");
        TEST_STR_EQ(r->birth_place, "Giza, Egypt");
        TEST_INT_EQ(r->document_count, 2);
        TEST_STR_EQ(r->documents[0].number, "1084010");
    }
    r = find(set, "12057");
    TEST_CHECK(r != NULL);
    if (r) {
        TEST_INT_EQ(r->birth_date_count, 4);
        TEST_STR_EQ(date_text(r, 0), "1951..1953");
        TEST_STR_EQ(date_text(r, 2), "1961-04");
        TEST_STR_EQ(r->birth_place, "Najaf, Iraq");
        TEST_STR_EQ(r->nationalities[0], "Iran");
        TEST_INT_EQ(r->sex, TBY_SEX_MALE);
    }
    r = find(set, "4108");
    TEST_CHECK(r != NULL);
    if (r) {
        TEST_INT_EQ(r->weak_alias_count, 10);
        TEST_STR_EQ(r->weak_aliases[9], "DOCTOR M.R.O.");
    }
    TEST_CHECK(find(set, "36") == NULL); /* an entity */
    tby_record_set_free(set);

    rc = tby_ofac_read_files(DATA "ofac_small_sdn.csv", DATA "missing_alt.csv", NULL, NULL, NULL,
                             NULL, NULL, &err);
    TEST_INT_EQ(rc, TBY_ENOTFOUND);
    TEST_CHECK(strstr(err.message, "missing_alt.csv") != NULL);
}

static void test_io_ofac__out_of_memory(void)
{
    FAILALLOC_LOOP(run, 400)
    {
        size_t count = 0;
        tby_reader_options opts = TBY_READER_OPTIONS_INIT;
        opts.drop_bad_values = true;
        tby_error err;
        int rc =
            tby_ofac_read_files(DATA "ofac_small_sdn.csv", DATA "ofac_small_alt.csv",
                                DATA "ofac_small_add.csv", &opts, count_record, &count, NULL, &err);
        FAILALLOC_CHECK_RC(run, rc);
        if (rc == 0)
            TEST_INT_EQ(count, 9);
    }
}

/* ===== The real development files ===== */

#ifndef TBY_EVAL_DIR
#define TBY_EVAL_DIR ""
#endif

/* One person of ofac_sdn_individuals.tsv. */
typedef struct truth_row {
    char *fields[15]; /* the columns, NUL-terminated in the row's line */
    char *line;       /* owns the text */
} truth_row;

enum {
    TRUTH_ENT_NUM = 0,
    TRUTH_SDN_NAME = 2,
    TRUTH_TITLE = 5,
    TRUTH_STRONG = 6,
    TRUTH_WEAK = 7,
    TRUTH_DOB = 8,
    TRUTH_POB = 9,
    TRUTH_NATIONALITY = 10,
    TRUTH_CITIZEN = 11,
    TRUTH_GENDER = 12,
    TRUTH_COLUMNS = 15
};

/* Reads the TSV (header skipped); returns the row count, or -1 when it cannot be read. */
static long truth_load(const char *path, truth_row **rows_out)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return -1;
    static char buffer[1 << 16];
    truth_row *rows = NULL;
    long count = 0, cap = 0;
    bool is_header = true;
    while (fgets(buffer, sizeof(buffer), file)) {
        buffer[strcspn(buffer, "\r\n")] = '\0';
        if (is_header) {
            is_header = false;
            continue;
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 1024;
            rows = realloc(rows, (size_t)cap * sizeof(*rows));
        }
        truth_row *row = &rows[count++];
        memset(row, 0, sizeof(*row));
        size_t len = strlen(buffer);
        row->line = malloc(len + 1);
        memcpy(row->line, buffer, len + 1);
        char *cursor = row->line;
        for (int i = 0; i < TRUTH_COLUMNS; i++) {
            row->fields[i] = cursor ? cursor : (char *)"";
            char *tab = cursor ? strchr(cursor, '\t') : NULL;
            if (tab)
                *tab = '\0';
            cursor = tab ? tab + 1 : NULL;
        }
    }
    fclose(file);
    *rows_out = rows;
    return count;
}

/* Items of a '|' list: count, and the index-th item into out. */
static size_t list_count(const char *list)
{
    if (!list[0])
        return 0;
    size_t count = 1;
    for (const char *p = list; *p; p++)
        count += *p == '|';
    return count;
}

static void list_item(const char *list, size_t index, char *out, size_t size)
{
    const char *start = list;
    for (size_t i = 0; i < index && start; i++) {
        start = strchr(start, '|');
        start = start ? start + 1 : NULL;
    }
    size_t len = start ? strcspn(start, "|") : 0;
    snprintf(out, size, "%.*s", (int)len, start ? start : "");
}

/* The years a TSV date allows: "1961-01-01..1962-12-31" -> 1961, 1962; "~1979-1982" too. */
static void truth_years(const char *text, int *first, int *last)
{
    const char *p = text[0] == '~' ? text + 1 : text;
    const char *range = strstr(p, "..");
    *first = atoi(p);
    *last = *first;
    if (range)
        *last = atoi(range + 2);
    else if (text[0] == '~' && strlen(p) == 9 && p[4] == '-')
        *last = atoi(p + 5);
}

/* Title text with runs of blanks made one, as the TSV writes it. */
static void squeeze(const char *s, char *out, size_t size)
{
    size_t used = 0;
    for (; *s && used + 1 < size; s++) {
        if (*s == ' ' && used > 0 && out[used - 1] == ' ')
            continue;
        out[used++] = *s;
    }
    out[used] = '\0';
}

typedef struct dev_drops {
    size_t count;
    int64_t lines[64];
} dev_drops;

static int collect_dev_drop(const char *source_name, const tby_error *error, void *payload)
{
    dev_drops *drops = payload;
    (void)source_name;
    if (drops->count < 64)
        drops->lines[drops->count] = error->line;
    drops->count++;
    return 0;
}

static bool is_dropped_line(const dev_drops *drops, int64_t line)
{
    for (size_t i = 0; i < drops->count && i < 64; i++) {
        if (drops->lines[i] == line)
            return true;
    }
    return false;
}

/* Compares one record with its truth row; returns how many fields disagree. */
static int dev_compare(const tby_record *r, const truth_row *t, const dev_drops *drops)
{
    int problems = 0;
    char item[512], text[512];
#define DEV_CHECK(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            if (problems++ == 0)                                                                   \
                fprintf(stderr, "  ent_num %s: ", r->id);                                          \
            fprintf(stderr, __VA_ARGS__);                                                          \
        }                                                                                          \
    } while (0)
    DEV_CHECK(!strcmp(r->name, t->fields[TRUTH_SDN_NAME]), "name \"%s\"; ", r->name);
    squeeze(r->note ? r->note : "", text, sizeof(text));
    DEV_CHECK(!strcmp(text, t->fields[TRUTH_TITLE]), "note \"%s\"; ", text);
    /* The TSV writes aliases "First LAST", the record keeps alt.csv's "LAST, First". */
    DEV_CHECK(r->alias_count == list_count(t->fields[TRUTH_STRONG]), "%zu aliases; ",
              r->alias_count);
    /* Weak aliases equal, unless a cut-off a.k.a. was dropped (then ours are a prefix). */
    size_t weak_truth = list_count(t->fields[TRUTH_WEAK]);
    bool is_cut = is_dropped_line(drops, r->line) && r->weak_alias_count < weak_truth;
    DEV_CHECK(r->weak_alias_count == weak_truth || is_cut, "%zu weak aliases; ",
              r->weak_alias_count);
    for (size_t i = 0; i < r->weak_alias_count && i < weak_truth; i++) {
        list_item(t->fields[TRUTH_WEAK], i, item, sizeof(item));
        DEV_CHECK(!strcmp(item, r->weak_aliases[i]), "weak alias \"%s\"; ", r->weak_aliases[i]);
    }
    /* Birth dates: the same in order; a TSV range of days is a range of years here. */
    DEV_CHECK(r->birth_date_count == list_count(t->fields[TRUTH_DOB]), "%zu birth dates; ",
              r->birth_date_count);
    for (size_t i = 0; i < r->birth_date_count && i < list_count(t->fields[TRUTH_DOB]); i++) {
        list_item(t->fields[TRUTH_DOB], i, item, sizeof(item));
        tby_date_format(text, &r->birth_dates[i]);
        bool is_range = strstr(item, "..") || (item[0] == '~' && strchr(item, '-'));
        if (!is_range) {
            DEV_CHECK(!strcmp(item, text), "birth date %s for %s; ", text, item);
            continue;
        }
        int first, last;
        truth_years(item, &first, &last);
        DEV_CHECK(r->birth_dates[i].year == first && r->birth_dates[i].year_last == last,
                  "birth date %s for %s; ", text, item);
    }
    list_item(t->fields[TRUTH_POB], 0, item, sizeof(item));
    DEV_CHECK(!strcmp(item, r->birth_place ? r->birth_place : ""), "birth place \"%s\"; ",
              r->birth_place ? r->birth_place : "");
    /* Nationalities: nationality and citizen together, each once. The TSV runs one value on
       to the next remark ("possibly Palestinian;arrested 23 Apr 2002"): cut it at ';'. */
    size_t wanted = 0;
    const char *columns[2] = {t->fields[TRUTH_NATIONALITY], t->fields[TRUTH_CITIZEN]};
    char seen[8][512];
    for (int c = 0; c < 2; c++) {
        for (size_t i = 0; i < list_count(columns[c]); i++) {
            list_item(columns[c], i, item, sizeof(item));
            item[strcspn(item, ";")] = '\0';
            bool is_new = true;
            for (size_t j = 0; j < wanted && j < 8; j++)
                is_new = is_new && strcmp(seen[j], item) != 0;
            if (!is_new)
                continue;
            if (wanted < 8)
                snprintf(seen[wanted], sizeof(seen[0]), "%s", item);
            wanted++;
            bool is_found = false;
            for (size_t j = 0; j < r->nationality_count; j++)
                is_found = is_found || !strcmp(r->nationalities[j], item);
            DEV_CHECK(is_found, "nationality \"%s\" missing; ", item);
        }
    }
    DEV_CHECK(r->nationality_count == wanted, "%zu nationalities; ", r->nationality_count);
    const char *gender = t->fields[TRUTH_GENDER];
    tby_sex sex = !strcmp(gender, "Male")     ? TBY_SEX_MALE
                  : !strcmp(gender, "Female") ? TBY_SEX_FEMALE
                                              : TBY_SEX_UNKNOWN;
    DEV_CHECK(r->sex == sex, "sex %s; ", tby_sex_name(r->sex));
    if (problems)
        fputc('\n', stderr);
#undef DEV_CHECK
    return problems;
}

static void test_io_ofac__dev_files(void)
{
    char sdn[1024], alt[1024], add[1024], truth[1024];
    snprintf(sdn, sizeof(sdn), "%s/ofac_sdn_dev.csv", TBY_EVAL_DIR);
    snprintf(alt, sizeof(alt), "%s/ofac_alt_dev.csv", TBY_EVAL_DIR);
    snprintf(add, sizeof(add), "%s/ofac_add_dev.csv", TBY_EVAL_DIR);
    snprintf(truth, sizeof(truth), "%s/ofac_sdn_individuals.tsv", TBY_EVAL_DIR);
    truth_row *rows = NULL;
    long row_count = truth_load(truth, &rows);
    FILE *probe = fopen(sdn, "rb");
    if (row_count < 0 || !probe) {
        printf("SKIP test_io_ofac__dev_files: no OFAC development files in \"%s\"\n", TBY_EVAL_DIR);
        if (probe)
            fclose(probe);
        for (long i = 0; i < row_count; i++)
            free(rows[i].line);
        free(rows);
        return;
    }
    fclose(probe);

    /* As a screening import reads a list: drop what cannot be read, keep the person. */
    tby_record_set *set = NULL;
    TEST_INT_EQ(tby_record_set_new(&set, NULL), 0);
    dev_drops drops = {0};
    reports rejects = {0};
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.drop_bad_values = true;
    opts.on_dropped = collect_dev_drop;
    opts.dropped_payload = &drops;
    opts.on_reject = collect_report;
    opts.reject_payload = &rejects;
    tby_list_stats stats;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_ofac_read_files(sdn, alt, add, &opts, add_record, set, &stats, &err);
    TEST_INT_EQ(rc, 0);
    if (rc)
        fprintf(stderr, "  %s\n", err.message);
    for (size_t i = 0; i < rejects.count && i < 32; i++)
        fprintf(stderr, "  rejected: %s line %lld: %s\n", rejects.sources[i],
                (long long)rejects.errors[i].line, rejects.errors[i].message);
    TEST_INT_EQ(stats.rejected, 0);
    TEST_INT_EQ(stats.individuals, (size_t)row_count);
    TEST_INT_EQ(tby_record_set_count(set), (size_t)row_count);

    size_t truth_aliases = 0, truth_weak = 0, truth_dates = 0, truth_places = 0;
    long missing = 0, disagreeing = 0;
    for (long i = 0; i < row_count; i++) {
        truth_aliases += list_count(rows[i].fields[TRUTH_STRONG]);
        truth_weak += list_count(rows[i].fields[TRUTH_WEAK]);
        truth_dates += list_count(rows[i].fields[TRUTH_DOB]);
        truth_places += rows[i].fields[TRUTH_POB][0] != '\0';
        const tby_record *r = find(set, rows[i].fields[TRUTH_ENT_NUM]);
        if (!r) {
            missing++;
            continue;
        }
        disagreeing += dev_compare(r, &rows[i], &drops) ? 1 : 0;
    }
    TEST_INT_EQ(missing, 0);
    TEST_INT_EQ(disagreeing, 0);
    TEST_INT_EQ(stats.aliases, truth_aliases);
    TEST_INT_EQ(stats.birth_dates, truth_dates);
    TEST_INT_EQ(stats.places, truth_places);
    TEST_CHECK(stats.weak_aliases <= truth_weak && truth_weak - stats.weak_aliases <= drops.count);
    printf("OFAC dev files: %zu individuals (TSV %ld), %zu skipped, %zu rejected, %zu aliases "
           "(TSV %zu), %zu weak aliases (TSV %zu), %zu birth dates (TSV %zu), %zu dropped "
           "values (%zu dates), %zu places (TSV %zu), %zu nationalities, %zu documents, %zu "
           "lines; %ld of %ld individuals disagree with the TSV\n",
           stats.individuals, row_count, stats.skipped, stats.rejected, stats.aliases,
           truth_aliases, stats.weak_aliases, truth_weak, stats.birth_dates, truth_dates,
           drops.count, stats.dates_dropped, stats.places, truth_places, stats.nationalities,
           stats.documents, stats.lines, disagreeing, row_count);
    tby_record_set_free(set);

    /* Without drop_bad_values each dropped value rejects its individual instead. */
    size_t count = 0;
    tby_reader_options strict_values = TBY_READER_OPTIONS_INIT;
    rc = tby_ofac_read_files(sdn, alt, add, &strict_values, count_record, &count, &stats, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(stats.rejected, drops.count);
    TEST_INT_EQ(count + drops.count, (size_t)row_count);

    for (long i = 0; i < row_count; i++)
        free(rows[i].line);
    free(rows);
}

TEST_LIST = {
    TEST(test_io_ofac__remark_dates),
    TEST(test_io_ofac__remark_values),
    TEST(test_io_ofac__remark_unbalanced_parens),
    TEST(test_io_ofac__bad_values_reject),
    TEST(test_io_ofac__bad_values_dropped),
    TEST(test_io_ofac__bad_values_strict),
    TEST(test_io_ofac__latin1),
    TEST(test_io_ofac__empty_values),
    TEST(test_io_ofac__joins),
    TEST(test_io_ofac__rows),
    TEST(test_io_ofac__wrong_file),
    TEST(test_io_ofac__callback_stops),
    TEST(test_io_ofac__small_files),
    TEST(test_io_ofac__out_of_memory),
    TEST(test_io_ofac__dev_files),
    TEST_END,
};

TEST_MAIN()
