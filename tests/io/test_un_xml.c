// SPDX-License-Identifier: Apache-2.0
// Tests of src/io/un_xml.c, the UN Security Council consolidated list reader: hand-written
// snippets for each kind of birth date, aliases by quality, the list's quirks, entities,
// missing ids, malformed XML, entity tricks, strict and lenient reads and allocation
// failures; a real excerpt (tests/data/lists/un_small.xml); and the development split of the
// real list checked entry by entry against its parsed truth, when ../shared/eval is there.
#include "harness/failalloc.h"
#include "harness/test.h"
#include "tabayyun/tby_lists.h"
#include "util/util_int.h"

#define SMALL "tests/data/lists/un_small.xml"

#define UN_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n"
#define UN_MID  "</INDIVIDUALS>\n<ENTITIES>\n"
#define UN_TAIL "</ENTITIES>\n</CONSOLIDATED_LIST>\n"
/* A document with the given individuals and no entities. */
#define UN_DOC(individuals) UN_HEAD individuals UN_MID UN_TAIL

/* ===== Helpers ===== */

typedef struct problems {
    size_t count;
    tby_error errors[16];
    char source[64];
} problems;

static int collect_problem(const char *source_name, const tby_error *error, void *payload)
{
    problems *list = payload;
    snprintf(list->source, sizeof(list->source), "%s", source_name);
    if (list->count < 16)
        list->errors[list->count] = *error;
    list->count++;
    return 0;
}

/* What one read produced: the records (copied), the problems, the stats and the result. */
typedef struct un_read {
    tby_record_set *set;
    problems rejects;
    problems dropped;
    tby_list_stats stats;
    tby_error err;
    int rc;
} un_read;

static int keep_record(const tby_record *record, void *payload)
{
    return tby_record_set_add(payload, record, NULL);
}

/* Reads `xml` (or the file `path` when xml is NULL) with the given strict/drop options. */
static void read_un(un_read *out, const char *xml, const char *path, bool is_strict, bool is_drop)
{
    memset(out, 0, sizeof(*out));
    TEST_INT_EQ(tby_record_set_new(&out->set, NULL), 0);
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.strict = is_strict;
    opts.drop_bad_values = is_drop;
    opts.on_reject = collect_problem;
    opts.reject_payload = &out->rejects;
    opts.on_dropped = collect_problem;
    opts.dropped_payload = &out->dropped;
    tby_error_clear(&out->err);
    if (xml)
        out->rc = tby_un_xml_read_buffer(xml, strlen(xml), &opts, keep_record, out->set,
                                         &out->stats, &out->err);
    else
        out->rc = tby_un_xml_read_file(path, &opts, keep_record, out->set, &out->stats, &out->err);
}

static void read_free(un_read *read)
{
    tby_record_set_free(read->set);
}

static const tby_record *find(const tby_record_set *set, const char *id)
{
    for (size_t i = 0; set && i < tby_record_set_count(set); i++) {
        const tby_record *record = tby_record_set_get(set, i);
        if (strcmp(record->id, id) == 0)
            return record;
    }
    return NULL;
}

static char *dates_text(char *out, size_t size, const tby_record *record)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < record->birth_date_count && used < size; i++) {
        char one[TBY_DATE_FORMAT_LEN];
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "|" : "",
                                 tby_date_format(one, &record->birth_dates[i]));
    }
    return out;
}

static char *list_text(char *out, size_t size, const char *const *items, size_t count)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "|" : "", items[i]);
    return out;
}

#define CHECK_DATES(record, text)                                                                  \
    do {                                                                                           \
        char test__buf[256];                                                                       \
        TEST_STR_EQ(dates_text(test__buf, sizeof(test__buf), (record)), text);                     \
    } while (0)

#define CHECK_LIST(items, count, text)                                                             \
    do {                                                                                           \
        char test__buf[1024];                                                                      \
        TEST_STR_EQ(list_text(test__buf, sizeof(test__buf), (const char *const *)(items), count),  \
                    text);                                                                         \
    } while (0)

#define CHECK_PROBLEM(list, index, line_, field_, code_, text_)                                    \
    do {                                                                                           \
        const tby_error *e = &(list).errors[index];                                                \
        TEST_INT_EQ(e->line, line_);                                                               \
        TEST_STR_EQ(e->field, field_);                                                             \
        TEST_INT_EQ(e->code, code_);                                                               \
        if (!strstr(e->message, text_))                                                            \
            TEST__FAIL("problem %d message \"%s\" lacks \"%s\"", index, e->message, text_);        \
    } while (0)

/* ===== Dates ===== */

static void test_io_un_xml__date_kinds(void)
{
    static const char xml[] = UN_DOC(
        "<INDIVIDUAL><REFERENCE_NUMBER>T.1</REFERENCE_NUMBER><FIRST_NAME>A</FIRST_NAME>\n"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1963-04-11</DATE>"
        "</INDIVIDUAL_DATE_OF_BIRTH>\n"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><YEAR>1971</YEAR>"
        "</INDIVIDUAL_DATE_OF_BIRTH>\n"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1957</YEAR>"
        "</INDIVIDUAL_DATE_OF_BIRTH>\n"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1975"
        "</FROM_YEAR><TO_YEAR>1979</TO_YEAR><NOTE>Approximately</NOTE>"
        "</INDIVIDUAL_DATE_OF_BIRTH>\n"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><NOTE>August 1961 </NOTE>"
        "</INDIVIDUAL_DATE_OF_BIRTH>\n"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE/></INDIVIDUAL_DATE_OF_BIRTH>\n"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><YEAR>1971</YEAR>"
        "</INDIVIDUAL_DATE_OF_BIRTH>\n"
        "</INDIVIDUAL>\n"
        "<INDIVIDUAL><REFERENCE_NUMBER>T.2</REFERENCE_NUMBER><FIRST_NAME>B</FIRST_NAME>\n"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE>"
        "<DATE>1970-05-06T00:00:00</DATE></INDIVIDUAL_DATE_OF_BIRTH>\n"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1965-00-00</DATE>"
        "</INDIVIDUAL_DATE_OF_BIRTH>\n"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE>"
        "<DATE>1980-02-03</DATE></INDIVIDUAL_DATE_OF_BIRTH>\n"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1990"
        "</FROM_YEAR><TO_YEAR>1990</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>\n"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE>"
        "<NOTE>Sept. 1950</NOTE></INDIVIDUAL_DATE_OF_BIRTH>\n"
        "</INDIVIDUAL>\n");
    un_read read;
    read_un(&read, xml, NULL, false, false);
    TEST_INT_EQ(read.rc, 0);
    TEST_INT_EQ(read.rejects.count, 0);
    TEST_INT_EQ(read.stats.individuals, 2);
    /* The repeated 1971 is kept once and the empty element is no date. */
    TEST_INT_EQ(read.stats.birth_dates, 10);
    TEST_INT_EQ(read.stats.dates_dropped, 0);
    const tby_record *one = find(read.set, "T.1");
    TEST_CHECK(one != NULL);
    if (one) {
        CHECK_DATES(one, "1963-04-11|1971|~1957|1975..1979|1961-08");
        TEST_INT_EQ(one->birth_dates[0].kind, TBY_DATE_DAY);
        TEST_INT_EQ(one->birth_dates[2].kind, TBY_DATE_ABOUT);
        TEST_INT_EQ(one->birth_dates[3].kind, TBY_DATE_RANGE);
        TEST_INT_EQ(one->birth_dates[4].kind, TBY_DATE_MONTH);
    }
    const tby_record *two = find(read.set, "T.2");
    TEST_CHECK(two != NULL);
    if (two)
        CHECK_DATES(two, "1970-05-06|1965|~1980|1990|~1950");
    read_free(&read);
}

/* An unreadable date rejects the individual by default and is dropped under drop_bad_values. */
static const char bad_date_xml[] =
    UN_DOC("<INDIVIDUAL><REFERENCE_NUMBER>G.1</REFERENCE_NUMBER><FIRST_NAME>Good</FIRST_NAME>"
           "</INDIVIDUAL>\n"
           "<INDIVIDUAL>\n<REFERENCE_NUMBER>B.1</REFERENCE_NUMBER><FIRST_NAME>Bad</FIRST_NAME>\n"
           "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><YEAR>1970</YEAR>"
           "</INDIVIDUAL_DATE_OF_BIRTH>\n"
           "<INDIVIDUAL_DATE_OF_BIRTH>\n<TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE>"
           "<NOTE>30-35 years old</NOTE></INDIVIDUAL_DATE_OF_BIRTH>\n"
           "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1990-02-30</DATE>"
           "</INDIVIDUAL_DATE_OF_BIRTH>\n"
           "</INDIVIDUAL>\n"
           "<INDIVIDUAL><REFERENCE_NUMBER>G.2</REFERENCE_NUMBER><FIRST_NAME>Also good</FIRST_NAME>"
           "</INDIVIDUAL>\n");

static void test_io_un_xml__bad_date_lenient(void)
{
    un_read read;
    read_un(&read, bad_date_xml, NULL, false, false);
    TEST_INT_EQ(read.rc, 0);
    TEST_INT_EQ(read.stats.individuals, 2);
    TEST_INT_EQ(read.stats.rejected, 1);
    TEST_INT_EQ(read.rejects.count, 1);
    TEST_STR_EQ(read.rejects.source, "<memory>");
    CHECK_PROBLEM(read.rejects, 0, 8, "INDIVIDUAL_DATE_OF_BIRTH", TBY_EINVALID,
                  "INDIVIDUAL B.1: birth date \"APPROXIMATELY (30-35 years old)\" is not a date");
    TEST_CHECK(find(read.set, "B.1") == NULL);
    TEST_CHECK(find(read.set, "G.2") != NULL);
    read_free(&read);
}

static void test_io_un_xml__bad_date_strict(void)
{
    un_read read;
    read_un(&read, bad_date_xml, NULL, true, false);
    TEST_INT_EQ(read.rc, TBY_EINVALID);
    TEST_INT_EQ(read.err.line, 8);
    TEST_STR_EQ(read.err.field, "INDIVIDUAL_DATE_OF_BIRTH");
    /* G.1 came before the rejection; nothing after it is delivered. */
    TEST_INT_EQ(read.stats.individuals, 1);
    TEST_CHECK(find(read.set, "G.1") != NULL);
    TEST_CHECK(find(read.set, "G.2") == NULL);
    read_free(&read);
}

static void test_io_un_xml__bad_date_dropped(void)
{
    un_read read;
    read_un(&read, bad_date_xml, NULL, true, true);
    TEST_INT_EQ(read.rc, 0);
    TEST_INT_EQ(read.rejects.count, 0);
    TEST_INT_EQ(read.stats.individuals, 3);
    TEST_INT_EQ(read.stats.birth_dates, 1);
    TEST_INT_EQ(read.stats.dates_dropped, 2);
    TEST_INT_EQ(read.dropped.count, 2);
    CHECK_PROBLEM(read.dropped, 0, 8, "INDIVIDUAL_DATE_OF_BIRTH", TBY_EINVALID, "30-35 years old");
    CHECK_PROBLEM(read.dropped, 1, 10, "INDIVIDUAL_DATE_OF_BIRTH", TBY_EINVALID, "February 1990");
    const tby_record *bad = find(read.set, "B.1");
    TEST_CHECK(bad != NULL);
    if (bad) {
        CHECK_DATES(bad, "1970");
        TEST_CHECK(bad->note && strstr(bad->note, "birth date as written: APPROXIMATELY (30-35"));
    }
    read_free(&read);
}

/* ===== Names and aliases ===== */

static void test_io_un_xml__aliases_by_quality(void)
{
    static const char xml[] = UN_DOC(
        "<INDIVIDUAL><REFERENCE_NUMBER>A.1</REFERENCE_NUMBER>\n"
        "<FIRST_NAME>MUSTAFA</FIRST_NAME><SECOND_NAME>HAJJI\n     MUHAMMAD</SECOND_NAME>"
        "<THIRD_NAME/><FOURTH_NAME>KHAN </FOURTH_NAME>\n"
        "<NAME_ORIGINAL_SCRIPT>مصطفى حجي\n   محمد خان</NAME_ORIGINAL_SCRIPT>\n"
        "<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Khalid Mahmud</ALIAS_NAME>"
        "</INDIVIDUAL_ALIAS>\n"
        "<INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Abu Gharib</ALIAS_NAME>"
        "</INDIVIDUAL_ALIAS>\n"
        "<INDIVIDUAL_ALIAS><QUALITY>Very Low</QUALITY><ALIAS_NAME>Abu Omar</ALIAS_NAME>"
        "</INDIVIDUAL_ALIAS>\n"
        "<INDIVIDUAL_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>Mustafa Khan</ALIAS_NAME>"
        "</INDIVIDUAL_ALIAS>\n"
        "<INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME>Hajji Mustafa</ALIAS_NAME></INDIVIDUAL_ALIAS>\n"
        "<INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>\n"
        "<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Khalid  Mahmud</ALIAS_NAME>"
        "<NOTE>listed twice</NOTE></INDIVIDUAL_ALIAS>\n"
        "<INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>MUSTAFA HAJJI MUHAMMAD KHAN"
        "</ALIAS_NAME></INDIVIDUAL_ALIAS>\n"
        "<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Abu Omar</ALIAS_NAME>"
        "</INDIVIDUAL_ALIAS>\n"
        "</INDIVIDUAL>\n");
    un_read read;
    read_un(&read, xml, NULL, false, false);
    TEST_INT_EQ(read.rc, 0);
    const tby_record *record = find(read.set, "A.1");
    TEST_CHECK(record != NULL);
    if (record) {
        TEST_STR_EQ(record->name, "MUSTAFA HAJJI MUHAMMAD KHAN");
        TEST_CHECK(record->given == NULL && record->father == NULL && record->family == NULL);
        /* The original script comes first; duplicates are kept once, and the weak "Abu Omar"
           gave way to the same name of good quality. */
        CHECK_LIST(record->aliases, record->alias_count,
                   "مصطفى حجي محمد خان|Khalid Mahmud|Mustafa Khan|Hajji Mustafa|Abu Omar");
        CHECK_LIST(record->weak_aliases, record->weak_alias_count, "Abu Gharib");
    }
    TEST_INT_EQ(read.stats.original_scripts, 1);
    TEST_INT_EQ(read.stats.aliases, 5);
    TEST_INT_EQ(read.stats.weak_aliases, 1);
    TEST_INT_EQ(read.stats.names, 1);
    read_free(&read);
}

/* The list's ways of writing several names in one alias. */
static void test_io_un_xml__alias_quirks(void)
{
    static const char xml[] =
        UN_DOC("<INDIVIDUAL><REFERENCE_NUMBER>Q.1</REFERENCE_NUMBER><FIRST_NAME>X</FIRST_NAME>\n"
               "<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>حسن غول (Hassan Ghul; Hassan "
               "Gul)</ALIAS_NAME></INDIVIDUAL_ALIAS>\n"
               "<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Agha Jan Alizai اغا جان عالیزی"
               "</ALIAS_NAME></INDIVIDUAL_ALIAS>\n"
               "<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Sayf-Al Adl</ALIAS_NAME>"
               "<NOTE>DOB: 11 Apr. 1963. In\nArabic: سيف العدل </NOTE></INDIVIDUAL_ALIAS>\n"
               "<INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Abubakar (original script: "
               "Абубакар)</ALIAS_NAME></INDIVIDUAL_ALIAS>\n"
               "<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Lom-ali Butayev (Butaev)"
               "</ALIAS_NAME></INDIVIDUAL_ALIAS>\n"
               "<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Ali اغا Jan</ALIAS_NAME>"
               "</INDIVIDUAL_ALIAS>\n"
               "</INDIVIDUAL>\n");
    un_read read;
    read_un(&read, xml, NULL, false, false);
    TEST_INT_EQ(read.rc, 0);
    const tby_record *record = find(read.set, "Q.1");
    TEST_CHECK(record != NULL);
    if (record) {
        CHECK_LIST(record->aliases, record->alias_count,
                   "حسن غول|Hassan Ghul|Hassan Gul|Agha Jan Alizai|اغا جان عالیزی|Sayf-Al "
                   "Adl|سيف العدل|Lom-ali Butayev (Butaev)|Ali اغا Jan");
        CHECK_LIST(record->weak_aliases, record->weak_alias_count, "Abubakar|Абубакар");
    }
    read_free(&read);
}

static void test_io_un_xml__ids_and_names(void)
{
    static const char xml[] =
        UN_DOC("<INDIVIDUAL><DATAID>6908555</DATAID><REFERENCE_NUMBER/><FIRST_NAME>No ref"
               "</FIRST_NAME></INDIVIDUAL>\n"
               "<INDIVIDUAL>\n<DATAID/><FIRST_NAME>No id</FIRST_NAME></INDIVIDUAL>\n"
               "<INDIVIDUAL><REFERENCE_NUMBER>N.1</REFERENCE_NUMBER><FIRST_NAME/>"
               "<NAME_ORIGINAL_SCRIPT>عبد الله</NAME_ORIGINAL_SCRIPT></INDIVIDUAL>\n"
               "<INDIVIDUAL><REFERENCE_NUMBER>N.2</REFERENCE_NUMBER><FIRST_NAME> </FIRST_NAME>"
               "</INDIVIDUAL>\n"
               "<INDIVIDUAL><REFERENCE_NUMBER>N.1</REFERENCE_NUMBER><FIRST_NAME>Again</FIRST_NAME>"
               "</INDIVIDUAL>\n"
               "<INDIVIDUAL/>\n");
    un_read read;
    read_un(&read, xml, NULL, false, false);
    TEST_INT_EQ(read.rc, 0);
    TEST_INT_EQ(read.stats.individuals, 2);
    TEST_INT_EQ(read.stats.rejected, 4);
    const tby_record *by_dataid = find(read.set, "6908555");
    TEST_CHECK(by_dataid != NULL);
    if (by_dataid) {
        TEST_STR_EQ(by_dataid->name, "No ref");
        TEST_INT_EQ(by_dataid->line, 4);
    }
    const tby_record *script_only = find(read.set, "N.1");
    TEST_CHECK(script_only != NULL);
    if (script_only) {
        TEST_STR_EQ(script_only->name, "عبد الله");
        TEST_INT_EQ(script_only->alias_count, 0);
    }
    TEST_INT_EQ(read.stats.original_scripts, 1);
    CHECK_PROBLEM(read.rejects, 0, 5, "REFERENCE_NUMBER", TBY_EINVALID,
                  "INDIVIDUAL on line 5: no REFERENCE_NUMBER and no DATAID");
    CHECK_PROBLEM(read.rejects, 1, 8, "FIRST_NAME", TBY_EINVALID, "INDIVIDUAL N.2: no name");
    CHECK_PROBLEM(read.rejects, 2, 9, "REFERENCE_NUMBER", TBY_EEXISTS,
                  "duplicate id (first on line 7)");
    CHECK_PROBLEM(read.rejects, 3, 10, "REFERENCE_NUMBER", TBY_EINVALID, "no REFERENCE_NUMBER");
    read_free(&read);
}

/* ===== Other fields ===== */

static void test_io_un_xml__fields(void)
{
    static const char xml[] = UN_DOC(
        "<INDIVIDUAL><REFERENCE_NUMBER>F.1</REFERENCE_NUMBER><FIRST_NAME>MALIK</FIRST_NAME>"
        "<SECOND_NAME>NOORZAI</SECOND_NAME><LISTED_ON>2011-10-04</LISTED_ON>\n"
        "<GENDER>Female</GENDER><COMMENTS1>Taliban\n  financier.</COMMENTS1>\n"
        "<TITLE><VALUE>Haji</VALUE></TITLE><DESIGNATION><VALUE>One</VALUE><VALUE>Two</VALUE>"
        "</DESIGNATION>\n"
        "<NATIONALITY><VALUE>Afghanistan</VALUE><VALUE> Pakistan </VALUE>"
        "<VALUE>Afghanistan</VALUE></NATIONALITY>\n"
        "<INDIVIDUAL_PLACE_OF_BIRTH><COUNTRY/></INDIVIDUAL_PLACE_OF_BIRTH>\n"
        "<INDIVIDUAL_PLACE_OF_BIRTH><CITY>Chaman border town</CITY><STREET>x</STREET>"
        "<COUNTRY>Pakistan</COUNTRY></INDIVIDUAL_PLACE_OF_BIRTH>\n"
        "<INDIVIDUAL_PLACE_OF_BIRTH><CITY>Pishin</CITY><STATE_PROVINCE>Baluchistan "
        "Province</STATE_PROVINCE><COUNTRY>Pakistan</COUNTRY></INDIVIDUAL_PLACE_OF_BIRTH>\n"
        "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT>"
        "<NUMBER>FA0157612</NUMBER></INDIVIDUAL_DOCUMENT>\n"
        "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification\n   Number"
        "</TYPE_OF_DOCUMENT><NUMBER>54201-247561-5</NUMBER></INDIVIDUAL_DOCUMENT>\n"
        "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Numéro de passeport </TYPE_OF_DOCUMENT>"
        "<NUMBER>Libyan passport No. 513519 </NUMBER></INDIVIDUAL_DOCUMENT>\n"
        "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT>"
        "<NUMBER>381110042 (Expired 25 Jan. 2016)</NUMBER></INDIVIDUAL_DOCUMENT>\n"
        "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT>"
        "<NUMBER>German travel document (“Reiseausweis”) A 0139243</NUMBER>"
        "</INDIVIDUAL_DOCUMENT>\n"
        "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Driving Licence</TYPE_OF_DOCUMENT>"
        "<NUMBER>Diplomatic Passport: Z30321794</NUMBER></INDIVIDUAL_DOCUMENT>\n"
        "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number"
        "</TYPE_OF_DOCUMENT><TYPE_OF_DOCUMENT2>Afghan national identification card (tazkira) "
        "number 57388</TYPE_OF_DOCUMENT2></INDIVIDUAL_DOCUMENT>\n"
        "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT>"
        "<TYPE_OF_DOCUMENT2>national passport</TYPE_OF_DOCUMENT2><NOTE>passport 1234</NOTE>"
        "</INDIVIDUAL_DOCUMENT>\n"
        "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT>"
        "<NUMBER>FA-0157612</NUMBER></INDIVIDUAL_DOCUMENT>\n"
        "<INDIVIDUAL_DOCUMENT/>\n"
        "</INDIVIDUAL>\n");
    un_read read;
    read_un(&read, xml, NULL, false, false);
    TEST_INT_EQ(read.rc, 0);
    TEST_INT_EQ(read.rejects.count, 0);
    const tby_record *record = find(read.set, "F.1");
    TEST_CHECK(record != NULL);
    if (record) {
        TEST_INT_EQ(record->sex, TBY_SEX_FEMALE);
        TEST_STR_EQ(record->birth_place, "Chaman border town, Pakistan");
        CHECK_LIST(record->nationalities, record->nationality_count, "Afghanistan|Pakistan");
        char docs[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < record->document_count; i++)
            used += (size_t)snprintf(docs + used, sizeof(docs) - used, "%s%s:%s", i ? "|" : "",
                                     record->documents[i].type, record->documents[i].number);
        TEST_STR_EQ(docs, "passport:FA0157612|national_id:542012475615|passport:513519|"
                          "passport:381110042|passport:A0139243|driving_licence:Z30321794|"
                          "national_id:57388");
        TEST_STR_EQ(record->note,
                    "listed on: 2011-10-04; title: Haji; designation: One | Two; also born in: "
                    "Pishin, Baluchistan Province, Pakistan; Taliban financier.");
    }
    TEST_INT_EQ(read.stats.places, 1);
    TEST_INT_EQ(read.stats.nationalities, 2);
    TEST_INT_EQ(read.stats.documents, 7);
    read_free(&read);
}

static void test_io_un_xml__bad_values(void)
{
    static const char xml[] =
        UN_DOC("<INDIVIDUAL><REFERENCE_NUMBER>V.1</REFERENCE_NUMBER><FIRST_NAME>A</FIRST_NAME>\n"
               "<GENDER>Other</GENDER>\n"
               "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT>"
               "<NUMBER>unknown</NUMBER></INDIVIDUAL_DOCUMENT>\n"
               "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1980"
               "</FROM_YEAR></INDIVIDUAL_DATE_OF_BIRTH>\n"
               "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1980"
               "</FROM_YEAR><TO_YEAR>1970</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>\n"
               "</INDIVIDUAL>\n");
    un_read read;
    read_un(&read, xml, NULL, false, true);
    TEST_INT_EQ(read.rc, 0);
    TEST_INT_EQ(read.stats.individuals, 1);
    TEST_INT_EQ(read.dropped.count, 4);
    TEST_INT_EQ(read.stats.dates_dropped, 2);
    CHECK_PROBLEM(read.dropped, 0, 5, "GENDER", TBY_EINVALID, "\"Other\" is not Male or Female");
    CHECK_PROBLEM(read.dropped, 1, 6, "INDIVIDUAL_DOCUMENT", TBY_EINVALID,
                  "no document number in \"unknown\"");
    CHECK_PROBLEM(read.dropped, 2, 7, "INDIVIDUAL_DATE_OF_BIRTH", TBY_EINVALID, "BETWEEN 1980..");
    CHECK_PROBLEM(read.dropped, 3, 8, "INDIVIDUAL_DATE_OF_BIRTH", TBY_EINVALID, "1980..1970");
    const tby_record *record = find(read.set, "V.1");
    TEST_CHECK(record != NULL);
    if (record) {
        TEST_INT_EQ(record->sex, TBY_SEX_UNKNOWN);
        TEST_INT_EQ(record->document_count, 0);
        TEST_INT_EQ(record->birth_date_count, 0);
    }
    read_free(&read);

    /* The same values without drop_bad_values reject the individual at the first of them. */
    read_un(&read, xml, NULL, false, false);
    TEST_INT_EQ(read.rc, 0);
    TEST_INT_EQ(read.stats.individuals, 0);
    TEST_INT_EQ(read.rejects.count, 1);
    CHECK_PROBLEM(read.rejects, 0, 5, "GENDER", TBY_EINVALID, "INDIVIDUAL V.1:");
    read_free(&read);
}

static void test_io_un_xml__field_cap(void)
{
    size_t big = TBY_READER_MAX_FIELD_BYTES + 10;
    const char *head = UN_HEAD "<INDIVIDUAL><REFERENCE_NUMBER>C.1</REFERENCE_NUMBER>"
                               "<FIRST_NAME>";
    const char *tail = "</FIRST_NAME></INDIVIDUAL>\n"
                       "<INDIVIDUAL><REFERENCE_NUMBER>C.2</REFERENCE_NUMBER><FIRST_NAME>b"
                       "</FIRST_NAME></INDIVIDUAL>\n" UN_MID UN_TAIL;
    char *xml = malloc(strlen(head) + big + strlen(tail) + 1);
    TEST_CHECK(xml != NULL);
    if (!xml)
        return;
    memcpy(xml, head, strlen(head));
    memset(xml + strlen(head), 'a', big);
    memcpy(xml + strlen(head) + big, tail, strlen(tail) + 1);
    un_read read;
    read_un(&read, xml, NULL, false, false);
    TEST_INT_EQ(read.rc, 0);
    TEST_INT_EQ(read.stats.individuals, 1);
    CHECK_PROBLEM(read.rejects, 0, 4, "FIRST_NAME", TBY_ETOOLARGE, "longer than 65536 bytes");
    read_free(&read);
    free(xml);
}

/* ===== Entities, structure, malformed XML ===== */

static void test_io_un_xml__entities_skipped(void)
{
    static const char xml[] =
        UN_HEAD "<INDIVIDUAL><REFERENCE_NUMBER>I.1</REFERENCE_NUMBER><FIRST_NAME>Person"
                "</FIRST_NAME></INDIVIDUAL>\n" UN_MID
                "<ENTITY><REFERENCE_NUMBER>E.1</REFERENCE_NUMBER><FIRST_NAME>ANSAR ALLAH"
                "</FIRST_NAME><ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>X"
                "</ALIAS_NAME></ENTITY_ALIAS></ENTITY>\n"
                "<ENTITY><REFERENCE_NUMBER>E.2</REFERENCE_NUMBER></ENTITY>\n"
                "<ENTITY/>\n" UN_TAIL;
    un_read read;
    read_un(&read, xml, NULL, true, false);
    TEST_INT_EQ(read.rc, 0);
    TEST_INT_EQ(read.stats.individuals, 1);
    TEST_INT_EQ(read.stats.skipped, 3);
    TEST_INT_EQ(read.stats.rejected, 0);
    TEST_CHECK(find(read.set, "E.1") == NULL);
    /* Every element of the document is counted, entities' included. */
    TEST_INT_EQ(read.stats.lines, 15);
    read_free(&read);
}

static void test_io_un_xml__malformed(void)
{
    static const char xml[] =
        UN_HEAD "<INDIVIDUAL><REFERENCE_NUMBER>M.1</REFERENCE_NUMBER><FIRST_NAME>A</FIRST_NAME>"
                "</INDIVIDUAL>\n"
                "<INDIVIDUAL><REFERENCE_NUMBER>M.2</REFERENCE_NUMBER>\n"
                "<FIRST_NAME>B</SECOND_NAME>\n"
                "</INDIVIDUAL>\n" UN_MID UN_TAIL;
    un_read read;
    memset(&read, 0, sizeof(read));
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.source_name = "un.xml";
    tby_list_stats stats;
    tby_error err;
    size_t count = 0;
    int rc = tby_un_xml_read_buffer(xml, strlen(xml), &opts, NULL, &count, &stats, &err);
    TEST_INT_EQ(rc, TBY_EINVALID);
    TEST_INT_EQ(err.line, 6);
    if (!strstr(err.message, "un.xml is not well-formed XML: line 6, column") ||
        !strstr(err.message, "mismatch"))
        TEST__FAIL("message \"%s\"", err.message);
    /* M.1 is complete, but libxml2 parses ahead: whether it was delivered before the error
       depends on where the read chunks end. Either way the read fails as a whole. */
    TEST_CHECK(stats.individuals <= 1);

    /* Truncated, empty, not XML at all, and text after the root. */
    static const char *const broken[] = {UN_HEAD "<INDIVIDUAL><REFERENCE_NUMBER>T",
                                         "",
                                         "id,name\nR1,Ali\n",
                                         UN_DOC("") "<extra/>",
                                         UN_HEAD "<INDIVIDUAL>\xff\xfe</INDIVIDUAL>" UN_MID UN_TAIL,
                                         UN_DOC("<a:b/>")};
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        tby_error_clear(&err);
        rc = tby_un_xml_read_buffer(broken[i], strlen(broken[i]), NULL, NULL, NULL, NULL, &err);
        if (rc != TBY_EINVALID || !strstr(err.message, "<memory>"))
            TEST__FAIL("broken input %zu: rc %d, \"%s\"", i, rc, err.message);
    }
    /* A UCS-4 signature with bytes that do not convert: an encoding error, raised by libxml2
       outside its parser, still comes back here (and is not printed on stderr). */
    static const char ucs4[] = "\0\0\0<\0\0\0a\xff\xff\xff\xff";
    rc = tby_un_xml_read_buffer(ucs4, sizeof(ucs4) - 1, NULL, NULL, NULL, NULL, &err);
    TEST_INT_EQ(rc, TBY_EINVALID);
    TEST_CHECK(strstr(err.message, "<memory> is not well-formed XML: input conversion failed"));
}

static void test_io_un_xml__not_the_list(void)
{
    static const char xml[] = "<?xml version=\"1.0\"?>\n<sdnList><INDIVIDUALS/></sdnList>\n";
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_un_xml_read_buffer(xml, strlen(xml), NULL, NULL, NULL, NULL, &err);
    TEST_INT_EQ(rc, TBY_EINVALID);
    if (!strstr(err.message, "not the UN consolidated list") || !strstr(err.message, "<sdnList>"))
        TEST__FAIL("message \"%s\"", err.message);

    /* An INDIVIDUAL outside INDIVIDUALS is not an entry of the list. */
    static const char stray[] = "<CONSOLIDATED_LIST><INDIVIDUAL><REFERENCE_NUMBER>S.1"
                                "</REFERENCE_NUMBER><FIRST_NAME>A</FIRST_NAME></INDIVIDUAL>"
                                "<OTHER><INDIVIDUAL/></OTHER></CONSOLIDATED_LIST>";
    tby_list_stats stats;
    rc = tby_un_xml_read_buffer(stray, strlen(stray), NULL, NULL, NULL, &stats, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(stats.individuals + stats.rejected + stats.skipped, 0);
}

/* Entity declarations are never expanded: no file is read, no bomb goes off. */
static void test_io_un_xml__entity_tricks(void)
{
    static const char external[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY secret SYSTEM \"file:///etc/passwd\">\n"
        "<!ENTITY inner \"Ali\">]>\n"
        "<CONSOLIDATED_LIST><INDIVIDUALS>\n"
        "<INDIVIDUAL><REFERENCE_NUMBER>X.1</REFERENCE_NUMBER>\n"
        "<FIRST_NAME>&secret;</FIRST_NAME></INDIVIDUAL>\n"
        "<INDIVIDUAL><REFERENCE_NUMBER>X.2</REFERENCE_NUMBER><FIRST_NAME>&inner;</FIRST_NAME>"
        "</INDIVIDUAL>\n"
        "<INDIVIDUAL><REFERENCE_NUMBER>X.3</REFERENCE_NUMBER><FIRST_NAME>Tom &amp; "
        "&#x62F;</FIRST_NAME></INDIVIDUAL>\n"
        "</INDIVIDUALS></CONSOLIDATED_LIST>\n";
    un_read read;
    read_un(&read, external, NULL, false, false);
    TEST_INT_EQ(read.rc, 0);
    TEST_INT_EQ(read.stats.individuals, 1);
    TEST_INT_EQ(read.rejects.count, 2);
    CHECK_PROBLEM(read.rejects, 0, 6, "FIRST_NAME", TBY_EINVALID,
                  "entity reference &secret; in FIRST_NAME is not expanded");
    CHECK_PROBLEM(read.rejects, 1, 7, "FIRST_NAME", TBY_EINVALID, "&inner;");
    const tby_record *record = find(read.set, "X.3");
    TEST_CHECK(record != NULL);
    if (record)
        TEST_STR_EQ(record->name, "Tom & د");
    read_free(&read);

    /* Billion laughs: ten levels of ten references each. */
    char bomb[4096];
    size_t used = (size_t)snprintf(bomb, sizeof(bomb),
                                   "<?xml version=\"1.0\"?>\n<!DOCTYPE CONSOLIDATED_LIST [\n"
                                   "<!ENTITY l0 \"lol\">\n");
    for (int level = 1; level <= 10; level++) {
        used += (size_t)snprintf(bomb + used, sizeof(bomb) - used, "<!ENTITY l%d \"", level);
        for (int i = 0; i < 10; i++)
            used += (size_t)snprintf(bomb + used, sizeof(bomb) - used, "&l%d;", level - 1);
        used += (size_t)snprintf(bomb + used, sizeof(bomb) - used, "\">\n");
    }
    snprintf(bomb + used, sizeof(bomb) - used,
             "]>\n<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><REFERENCE_NUMBER>B.1"
             "</REFERENCE_NUMBER><FIRST_NAME>&l10;</FIRST_NAME></INDIVIDUAL></INDIVIDUALS>"
             "</CONSOLIDATED_LIST>\n");
    read_un(&read, bomb, NULL, false, false);
    /* libxml2 refuses the document (amplification) or the entry is rejected; never a record. */
    TEST_CHECK(read.rc == TBY_EINVALID || (read.rc == 0 && read.rejects.count == 1));
    TEST_INT_EQ(read.stats.individuals, 0);
    read_free(&read);
}

/* Line numbers stay exact past 65535 lines (libxml2 keeps 16 bits unless asked). */
static void test_io_un_xml__big_line_numbers(void)
{
    size_t blank_lines = 70000;
    const char *head = "<?xml version=\"1.0\"?>\n<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n";
    const char *tail = "<INDIVIDUAL>\n<REFERENCE_NUMBER>L.1</REFERENCE_NUMBER>\n"
                       "<FIRST_NAME>A</FIRST_NAME>\n<INDIVIDUAL_DATE_OF_BIRTH>\n"
                       "<YEAR>19x0</YEAR>\n</INDIVIDUAL_DATE_OF_BIRTH>\n</INDIVIDUAL>\n"
                       "  <INDIVIDUAL><REFERENCE_NUMBER>L.2</REFERENCE_NUMBER>"
                       "<FIRST_NAME>B</FIRST_NAME></INDIVIDUAL>\n"
                       "</INDIVIDUALS>\n</CONSOLIDATED_LIST>\n";
    char *xml = malloc(strlen(head) + blank_lines + strlen(tail) + 1);
    TEST_CHECK(xml != NULL);
    if (!xml)
        return;
    memcpy(xml, head, strlen(head));
    memset(xml + strlen(head), '\n', blank_lines);
    memcpy(xml + strlen(head) + blank_lines, tail, strlen(tail) + 1);
    un_read read;
    read_un(&read, xml, NULL, false, false);
    TEST_INT_EQ(read.rc, 0);
    TEST_INT_EQ(read.rejects.count, 1);
    CHECK_PROBLEM(read.rejects, 0, 70007, "INDIVIDUAL_DATE_OF_BIRTH", TBY_EINVALID, "19x0");
    const tby_record *record = find(read.set, "L.2");
    TEST_CHECK(record != NULL);
    if (record)
        TEST_INT_EQ(record->line, 70011);
    read_free(&read);
    free(xml);
}

/* ===== Callbacks, files, allocation failures ===== */

static int stop_at_second(const tby_record *record, void *payload)
{
    (void)record;
    size_t *count = payload;
    return ++*count == 2 ? 42 : 0;
}

static void test_io_un_xml__callback_stops(void)
{
    size_t count = 0;
    tby_list_stats stats;
    int rc = tby_un_xml_read_file(SMALL, NULL, stop_at_second, &count, &stats, NULL);
    TEST_INT_EQ(rc, 42);
    TEST_INT_EQ(count, 2);
    TEST_INT_EQ(stats.individuals, 2);
}

static void test_io_un_xml__missing_file(void)
{
    tby_error err;
    tby_list_stats stats;
    int rc = tby_un_xml_read_file("tests/data/lists/no_such.xml", NULL, NULL, NULL, &stats, &err);
    TEST_INT_EQ(rc, TBY_ENOTFOUND);
    TEST_CHECK(strstr(err.message, "no_such.xml") != NULL);
    TEST_INT_EQ(stats.individuals, 0);

    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.version = 99;
    rc = tby_un_xml_read_file(SMALL, &opts, NULL, NULL, NULL, &err);
    TEST_INT_EQ(rc, TBY_EINVALID);
}

/* A real excerpt of the list: six individuals and one entity, as published. */
static void test_io_un_xml__small_excerpt(void)
{
    un_read read;
    read_un(&read, NULL, SMALL, false, true);
    TEST_INT_EQ(read.rc, 0);
    TEST_INT_EQ(read.stats.individuals, 7);
    TEST_INT_EQ(read.stats.skipped, 1);
    TEST_INT_EQ(read.stats.rejected, 0);
    TEST_INT_EQ(read.stats.original_scripts, 5);
    TEST_INT_EQ(read.stats.dates_dropped, 2);
    TEST_STR_EQ(read.dropped.source, SMALL);

    const tby_record *r1 = find(read.set, "QDi.001");
    TEST_CHECK(r1 != NULL);
    if (r1) {
        TEST_INT_EQ(r1->line, 58);
        TEST_STR_EQ(r1->name, "MOHAMMED SALAHALDIN ABD EL HALIM ZIDANE");
        CHECK_LIST(r1->aliases, r1->alias_count,
                   "محمد صلاح الدين عبدالحليم زيدان|Sayf-Al Adl|سيف العدل|Muhamad Ibrahim Makkawi");
        CHECK_LIST(r1->weak_aliases, r1->weak_alias_count,
                   "Ibrahim al-Madani|Saif Al-'Adil|Seif al Adel");
        CHECK_DATES(r1, "1963-04-11|1960-04-11");
        TEST_STR_EQ(r1->birth_place, "Monufia Governate, Egypt");
        CHECK_LIST(r1->nationalities, r1->nationality_count, "Egypt");
        TEST_INT_EQ(r1->sex, TBY_SEX_UNKNOWN);
        TEST_CHECK(r1->note &&
                   strncmp(r1->note, "listed on: 2001-01-25; Responsible for", 38) == 0);
    }
    const tby_record *r2 = find(read.set, "TAi.148");
    TEST_CHECK(r2 != NULL);
    if (r2) {
        CHECK_DATES(r2, "1963-10-15|1973-02-14|1967|~1957");
        TEST_STR_EQ(r2->birth_place,
                    "Yatimchai village, Musa Qala District, Helmand Province, Afghanistan");
    }
    const tby_record *r3 = find(read.set, "TAi.165");
    TEST_CHECK(r3 != NULL);
    if (r3) {
        CHECK_DATES(r3, "1975..1976");
        TEST_INT_EQ(r3->document_count, 2);
    }
    const tby_record *r4 = find(read.set, "TAi.154");
    TEST_CHECK(r4 != NULL);
    if (r4 && r4->document_count == 2) {
        TEST_STR_EQ(r4->documents[0].type, "passport");
        TEST_STR_EQ(r4->documents[0].number, "FA0157612");
        TEST_STR_EQ(r4->documents[1].type, "national_id");
        TEST_STR_EQ(r4->documents[1].number, "542012475615");
    }
    const tby_record *r5 = find(read.set, "CDi.002");
    TEST_CHECK(r5 != NULL);
    if (r5) {
        TEST_INT_EQ(r5->sex, TBY_SEX_MALE);
        TEST_INT_EQ(r5->birth_date_count, 0);
        TEST_CHECK(r5->birth_place == NULL);
    }
    TEST_CHECK(find(read.set, "IRe.024") == NULL);
    read_free(&read);
}

static int count_only(const tby_record *record, void *payload)
{
    (void)record;
    ++*(size_t *)payload;
    return 0;
}

static void test_io_un_xml__allocation_failures(void)
{
    static const char xml[] = UN_DOC(
        "<INDIVIDUAL><REFERENCE_NUMBER>O.1</REFERENCE_NUMBER><FIRST_NAME>A</FIRST_NAME>"
        "<SECOND_NAME>B</SECOND_NAME><NAME_ORIGINAL_SCRIPT>ا ب</NAME_ORIGINAL_SCRIPT>"
        "<LISTED_ON>2001-01-01</LISTED_ON><COMMENTS1>note</COMMENTS1>"
        "<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>حسن غول (Hassan Ghul)"
        "</ALIAS_NAME><NOTE>In Arabic: حسن</NOTE></INDIVIDUAL_ALIAS>"
        "<INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>C D</ALIAS_NAME>"
        "</INDIVIDUAL_ALIAS>"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1970-01-02</DATE>"
        "</INDIVIDUAL_DATE_OF_BIRTH>"
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><NOTE>x</NOTE>"
        "</INDIVIDUAL_DATE_OF_BIRTH>"
        "<INDIVIDUAL_PLACE_OF_BIRTH><CITY>Mosul</CITY><COUNTRY>Iraq</COUNTRY>"
        "</INDIVIDUAL_PLACE_OF_BIRTH>"
        "<NATIONALITY><VALUE>Iraq</VALUE></NATIONALITY>"
        "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>A 1</NUMBER>"
        "</INDIVIDUAL_DOCUMENT></INDIVIDUAL>\n"
        "<INDIVIDUAL><REFERENCE_NUMBER>O.2</REFERENCE_NUMBER><FIRST_NAME>E</FIRST_NAME>"
        "</INDIVIDUAL>\n");
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.drop_bad_values = true;
    FAILALLOC_LOOP(run, 200)
    {
        size_t count = 0;
        tby_error err;
        int rc = tby_un_xml_read_buffer(xml, strlen(xml), &opts, count_only, &count, NULL, &err);
        FAILALLOC_CHECK_RC(run, rc);
        if (rc == 0)
            TEST_INT_EQ(count, 2);
    }
}

/* ===== The development split of the real list ===== */

/* Splits s at `sep` into items (pointers into s, which is modified); returns the count. */
static size_t split(char *s, const char *sep, char **items, size_t cap)
{
    size_t count = 0, sep_len = strlen(sep);
    if (!*s)
        return 0;
    for (char *at = s; count < cap;) {
        items[count++] = at;
        char *next = strstr(at, sep);
        if (!next)
            break;
        *next = '\0';
        at = next + sep_len;
    }
    return count;
}

static char *copy_text(const char *s)
{
    size_t len = strlen(s);
    char *copy = malloc(len + 1);
    if (copy)
        memcpy(copy, s, len + 1);
    return copy;
}

static bool has_item(const char *const *items, size_t count, const char *s)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(items[i], s) == 0)
            return true;
    }
    return false;
}

/* True when some truth alias contains `piece` (a name this reader split out of it). */
static bool is_piece_of(char **truth, size_t count, const char *piece)
{
    for (size_t i = 0; i < count; i++) {
        if (strstr(truth[i], piece))
            return true;
    }
    return false;
}

/*
 * Checks one list of names against the truth: every required name is there, or was split
 * into pieces (its first piece is there); every name here is required, allowed, or a piece of
 * a required name (counted in *pieces).
 */
static void check_names(const char *id, const char *what, const char *const *names, size_t count,
                        char **required, size_t required_count, char **allowed,
                        size_t allowed_count, size_t *pieces)
{
    for (size_t i = 0; i < required_count; i++) {
        bool is_found = has_item(names, count, required[i]);
        for (size_t j = 0; j < count && !is_found; j++)
            is_found = strncmp(required[i], names[j], strlen(names[j])) == 0;
        if (!is_found)
            TEST__FAIL("%s: %s \"%s\" is missing", id, what, required[i]);
    }
    for (size_t j = 0; j < count; j++) {
        if (has_item((const char *const *)required, required_count, names[j]) ||
            has_item((const char *const *)allowed, allowed_count, names[j]))
            continue;
        if (is_piece_of(required, required_count, names[j]))
            ++*pieces;
        else
            TEST__FAIL("%s: %s \"%s\" is not in the truth", id, what, names[j]);
    }
}

static const char *eval_dir(void)
{
    const char *dir = getenv("TBY_EVAL_DIR");
    return dir && *dir ? dir : "../shared/eval";
}

/* Columns of un_sc_individuals.tsv this test reads. */
enum {
    COL_STATUS,
    COL_REF,
    COL_NAME,
    COL_ORIGINAL,
    COL_GOOD,
    COL_LOW,
    COL_ARABIC,
    COL_GENDER,
    COL_DOB,
    COL_POB,
    COL_NATIONALITY,
    COL_COUNT
};

typedef struct truth_totals {
    size_t rows, listed, original_scripts, dates, places, nationalities, pieces, months;
} truth_totals;

static void check_row(const tby_record_set *set, char **cols, truth_totals *totals)
{
    const char *id = cols[COL_REF];
    const tby_record *record = find(set, id);
    if (!record) {
        TEST__FAIL("%s is in the truth but was not read", id);
        return;
    }
    TEST_STR_EQ(record->name, cols[COL_NAME]);
    char *items[64], *arabic[16];
    /* Arabic names the truth took from alias fields and notes: in either list, by the
       quality of their alias. */
    size_t arabic_count = split(cols[COL_ARABIC], "|", arabic, 16);
    for (size_t i = 0; i < arabic_count; i++) {
        if (!has_item(record->aliases, record->alias_count, arabic[i]) &&
            !has_item(record->weak_aliases, record->weak_alias_count, arabic[i]))
            TEST__FAIL("%s: Arabic alias \"%s\" is missing", id, arabic[i]);
    }
    size_t count = split(cols[COL_GOOD], "|", items, 63);
    if (cols[COL_ORIGINAL][0]) {
        totals->original_scripts++;
        items[count++] = cols[COL_ORIGINAL];
    }
    check_names(id, "alias", record->aliases, record->alias_count, items, count, arabic,
                arabic_count, &totals->pieces);
    count = split(cols[COL_LOW], "|", items, 64);
    check_names(id, "weak alias", record->weak_aliases, record->weak_alias_count, items, count,
                arabic, arabic_count, &totals->pieces);

    size_t dates = split(cols[COL_DOB], "|", items, 64);
    totals->dates += dates;
    for (size_t i = 0; i < dates; i++) {
        bool is_found = false;
        for (size_t j = 0; j < record->birth_date_count && !is_found; j++) {
            char text[TBY_DATE_FORMAT_LEN];
            is_found = strcmp(tby_date_format(text, &record->birth_dates[j]), items[i]) == 0;
        }
        if (!is_found)
            TEST__FAIL("%s: birth date %s is missing", id, items[i]);
    }
    /* The only dates beyond the truth are the month-precision ones read from a NOTE. */
    for (size_t j = 0; j < record->birth_date_count; j++)
        totals->months += record->birth_dates[j].kind == TBY_DATE_MONTH;

    size_t places = split(cols[COL_POB], "|", items, 64);
    totals->places += places > 0;
    TEST_STR_EQ(record->birth_place ? record->birth_place : "", places ? items[0] : "");
    size_t nationalities = split(cols[COL_NATIONALITY], "|", items, 64);
    totals->nationalities += nationalities;
    TEST_INT_EQ(record->nationality_count, nationalities);
    for (size_t i = 0; i < nationalities && i < record->nationality_count; i++)
        TEST_STR_EQ(record->nationalities[i], items[i]);
    const char *sex = strcmp(cols[COL_GENDER], "Male") == 0     ? "m"
                      : strcmp(cols[COL_GENDER], "Female") == 0 ? "f"
                                                                : "";
    TEST_STR_EQ(tby_sex_name(record->sex), sex);
}

/* Reads the truth TSV and checks every listed person; 0, or -1 when it cannot be read. */
static int check_truth(const char *path, const tby_record_set *set, truth_totals *totals)
{
    static const char *const names[COL_COUNT] = {"status",
                                                 "un_ref",
                                                 "name_latin_primary",
                                                 "name_original_script",
                                                 "aliases_good",
                                                 "aliases_low",
                                                 "aliases_arabic_from_alias_fields",
                                                 "gender",
                                                 "dob",
                                                 "pob",
                                                 "nationality"};
    FILE *file = fopen(path, "rb");
    if (!file)
        return -1;
    tby_tsv tsv;
    tby__tsv_init_file(&tsv, file, NULL);
    size_t columns[COL_COUNT];
    bool is_header = true;
    int rc;
    while ((rc = tby__tsv_next(&tsv, NULL)) == TBY__TSV_RECORD) {
        if (is_header) {
            for (size_t c = 0; c < COL_COUNT; c++) {
                columns[c] = SIZE_MAX;
                for (size_t f = 0; f < tsv.field_count; f++) {
                    if (strcmp(tsv.fields[f].ptr, names[c]) == 0)
                        columns[c] = f;
                }
                if (columns[c] == SIZE_MAX)
                    TEST__FAIL("%s has no column %s", path, names[c]);
            }
            is_header = false;
            continue;
        }
        totals->rows++;
        char *cols[COL_COUNT] = {NULL};
        bool is_complete = true;
        for (size_t c = 0; c < COL_COUNT && is_complete; c++) {
            is_complete = columns[c] < tsv.field_count;
            cols[c] = is_complete ? copy_text(tsv.fields[columns[c]].ptr) : NULL;
            is_complete = is_complete && cols[c];
        }
        if (!is_complete)
            TEST__FAIL("%s line %lld is short", path, (long long)tsv.line_no);
        /* The file also holds people delisted since 2018, who are not in the 2026 XML. */
        if (is_complete && strncmp(cols[COL_STATUS], "listed", 6) == 0) {
            totals->listed++;
            check_row(set, cols, totals);
        }
        for (size_t c = 0; c < COL_COUNT; c++)
            free(cols[c]);
    }
    TEST_INT_EQ(rc, TBY__TSV_END);
    tby__tsv_dispose(&tsv);
    fclose(file);
    return 0;
}

/* Counts occurrences of `needle` in the file, independently of the XML reader. */
static size_t count_in_file(const char *path, const char *needle)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return 0;
    size_t count = 0, matched = 0, len = strlen(needle);
    int c;
    while ((c = fgetc(file)) != EOF) {
        matched = c == needle[matched] ? matched + 1 : (c == needle[0] ? 1 : 0);
        if (matched == len) {
            count++;
            matched = 0;
        }
    }
    fclose(file);
    return count;
}

static void test_io_un_xml__real_dev_file(void)
{
    char xml_path[512], tsv_path[512];
    snprintf(xml_path, sizeof(xml_path), "%s/un_consolidated_dev.xml", eval_dir());
    snprintf(tsv_path, sizeof(tsv_path), "%s/un_sc_individuals.tsv", eval_dir());
    FILE *probe = fopen(xml_path, "rb");
    if (!probe) {
        printf("SKIP test_io_un_xml__real_dev_file: %s is not there (set TBY_EVAL_DIR)\n",
               xml_path);
        return;
    }
    fclose(probe);
    un_read read;
    read_un(&read, NULL, xml_path, false, true);
    TEST_INT_EQ(read.rc, 0);
    TEST_INT_EQ(read.stats.rejected, 0);
    TEST_INT_EQ(read.rejects.count, 0);
    TEST_INT_EQ(read.dropped.count, read.stats.dates_dropped);
    TEST_INT_EQ(read.stats.skipped, count_in_file(xml_path, "<ENTITY>"));
    TEST_INT_EQ(read.stats.individuals, count_in_file(xml_path, "<INDIVIDUAL>"));
    TEST_INT_EQ(read.stats.names, read.stats.individuals);

    truth_totals totals;
    memset(&totals, 0, sizeof(totals));
    if (check_truth(tsv_path, read.set, &totals) != 0) {
        TEST__FAIL("%s is missing next to %s", tsv_path, xml_path);
    } else {
        TEST_INT_EQ(read.stats.individuals, totals.listed);
        TEST_INT_EQ(read.stats.original_scripts, totals.original_scripts);
        TEST_INT_EQ(read.stats.birth_dates, totals.dates + totals.months);
        TEST_INT_EQ(read.stats.places, totals.places);
        TEST_INT_EQ(read.stats.nationalities, totals.nationalities);
    }
    printf("%s: %zu individuals (truth: %zu listed of %zu rows), %zu entities skipped, %zu "
           "rejected; %zu original-script names (truth %zu), %zu aliases, %zu weak aliases "
           "(%zu split out of two-script aliases); %zu birth dates (truth %zu, + %zu read from "
           "notes), %zu dropped; %zu places (truth %zu), %zu nationalities (truth %zu), %zu "
           "documents\n",
           xml_path, read.stats.individuals, totals.listed, totals.rows, read.stats.skipped,
           read.stats.rejected, read.stats.original_scripts, totals.original_scripts,
           read.stats.aliases, read.stats.weak_aliases, totals.pieces, read.stats.birth_dates,
           totals.dates, totals.months, read.stats.dates_dropped, read.stats.places, totals.places,
           read.stats.nationalities, totals.nationalities, read.stats.documents);
    read_free(&read);
}

TEST_LIST = {
    TEST(test_io_un_xml__date_kinds),
    TEST(test_io_un_xml__bad_date_lenient),
    TEST(test_io_un_xml__bad_date_strict),
    TEST(test_io_un_xml__bad_date_dropped),
    TEST(test_io_un_xml__aliases_by_quality),
    TEST(test_io_un_xml__alias_quirks),
    TEST(test_io_un_xml__ids_and_names),
    TEST(test_io_un_xml__fields),
    TEST(test_io_un_xml__bad_values),
    TEST(test_io_un_xml__field_cap),
    TEST(test_io_un_xml__entities_skipped),
    TEST(test_io_un_xml__malformed),
    TEST(test_io_un_xml__not_the_list),
    TEST(test_io_un_xml__entity_tricks),
    TEST(test_io_un_xml__big_line_numbers),
    TEST(test_io_un_xml__callback_stops),
    TEST(test_io_un_xml__missing_file),
    TEST(test_io_un_xml__small_excerpt),
    TEST(test_io_un_xml__allocation_failures),
    TEST(test_io_un_xml__real_dev_file),
    TEST_END,
};

TEST_MAIN()
