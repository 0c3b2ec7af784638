// SPDX-License-Identifier: Apache-2.0
// Tests of src/io/record_reader.c (with csv.c, source.c, id_set.c and src/records underneath):
// the fixtures in tests/data/records/, each kind of rejected row with its line, field and
// reason, lenient and strict imports, caps, streaming callbacks and allocation failures.
#include "harness/test.h"
#include "records/records_int.h"
#include "tabayyun/tby_io.h"

#define DATA "tests/data/records/"

/* ===== Helpers ===== */

typedef struct rejects {
    size_t count;
    tby_error errors[64];
} rejects;

static int collect_reject(const char *source_name, const tby_error *error, void *payload)
{
    rejects *list = payload;
    TEST_CHECK(source_name != NULL && source_name[0] != '\0');
    if (list->count < 64)
        list->errors[list->count] = *error;
    list->count++;
    return 0;
}

static tby_record_set *load(const char *path, bool is_strict, rejects *list, int *rc_out,
                            tby_error *err)
{
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.strict = is_strict;
    opts.on_reject = collect_reject;
    opts.reject_payload = list;
    tby_record_set *set = NULL;
    tby_error_clear(err);
    *rc_out = tby_record_set_load_file(&set, path, &opts, err);
    return set;
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

#define CHECK_REJECT(list, index, line_, field_, code_, text_)                                     \
    do {                                                                                           \
        const tby_error *e = &(list).errors[index];                                                \
        TEST_INT_EQ(e->line, line_);                                                               \
        TEST_STR_EQ(e->field, field_);                                                             \
        TEST_INT_EQ(e->code, code_);                                                               \
        if (!strstr(e->message, text_))                                                            \
            TEST__FAIL("reject %d message \"%s\" lacks \"%s\"", index, e->message, text_);         \
    } while (0)

/* ===== Good files ===== */

static void test_io_record_reader__good_csv(void)
{
    rejects list = {0};
    tby_error err;
    int rc;
    tby_record_set *set = load(DATA "good.csv", false, &list, &rc, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(list.count, 0);
    TEST_INT_EQ(tby_record_set_count(set), 5);

    const tby_record *r1 = find(set, "R0001");
    TEST_CHECK(r1 != NULL);
    if (r1) {
        TEST_INT_EQ(r1->line, 2);
        TEST_STR_EQ(r1->name, "محمد أحمد حسين الجبوري");
        TEST_STR_EQ(r1->given, "محمد");
        TEST_STR_EQ(r1->grandfather, "حسين");
        TEST_STR_EQ(r1->family, "الجبوري");
        TEST_INT_EQ(r1->alias_count, 1);
        TEST_INT_EQ(r1->weak_alias_count, 1);
        TEST_STR_EQ(r1->weak_aliases[0], "أبو عمر");
        TEST_STR_EQ(r1->mother, "فاطمة علي");
        TEST_INT_EQ(r1->birth_date_count, 1);
        TEST_INT_EQ(r1->birth_dates[0].kind, TBY_DATE_DAY);
        TEST_INT_EQ(r1->sex, TBY_SEX_MALE);
        TEST_INT_EQ(r1->nationality_count, 1);
        TEST_STR_EQ(r1->nationalities[0], "IQ");
        TEST_INT_EQ(r1->document_count, 1);
        TEST_STR_EQ(r1->documents[0].type, "national_id");
        TEST_STR_EQ(r1->documents[0].number, "198700123456");
        TEST_STR_EQ(r1->site, "مخيم الجدعة");
        TEST_CHECK(r1->note == NULL);
    }

    const tby_record *r3 = find(set, "R0003");
    TEST_CHECK(r3 != NULL);
    if (r3) {
        TEST_INT_EQ(r3->line, 4);
        TEST_STR_EQ(r3->name, "AL-OBEIDI, Omar Khalil");
        TEST_CHECK(r3->given == NULL);
        TEST_INT_EQ(r3->alias_count, 2);
        TEST_STR_EQ(r3->aliases[1], "عمر خليل العبيدي");
        TEST_INT_EQ(r3->weak_alias_count, 2);
        TEST_STR_EQ(r3->weak_aliases[1], "\"the engineer\"");
        TEST_INT_EQ(r3->birth_dates[0].kind, TBY_DATE_RANGE);
        TEST_INT_EQ(r3->sex, TBY_SEX_MALE);
        TEST_STR_EQ(r3->nationalities[0], "Iraq");
        TEST_STR_EQ(r3->documents[0].number, "A123456");
        TEST_STR_EQ(r3->note, "note with a \"quoted\" word\nand a second line");
    }

    const tby_record *r4 = find(set, "R0004");
    TEST_CHECK(r4 != NULL);
    if (r4) {
        TEST_INT_EQ(r4->line, 6);
        TEST_CHECK(r4->name == NULL);
        TEST_STR_EQ(r4->given, "Layla");
        TEST_INT_EQ(r4->sex, TBY_SEX_FEMALE);
        TEST_INT_EQ(r4->birth_dates[0].kind, TBY_DATE_MONTH);
        TEST_INT_EQ(r4->nationality_count, 2);
        TEST_STR_EQ(r4->nationalities[1], "SY");
        TEST_INT_EQ(r4->document_count, 2);
        TEST_STR_EQ(r4->documents[0].number, "19950001"); /* from Arabic-Indic digits */
        TEST_STR_EQ(r4->documents[1].number, "B7654321");
    }

    const tby_record *r5 = find(set, "R0005");
    TEST_CHECK(r5 != NULL);
    if (r5) {
        TEST_INT_EQ(r5->line, 8); /* after a blank line */
        TEST_INT_EQ(r5->birth_date_count, 2);
        TEST_CHECK(r5->birth_dates[0].is_default_day);
        TEST_INT_EQ(r5->sex, TBY_SEX_MALE);
        TEST_STR_EQ(r5->nationalities[0], "العراق");
    }
    tby_record_set_free(set);
}

static void test_io_record_reader__good_jsonl(void)
{
    rejects list = {0};
    tby_error err;
    int rc;
    tby_record_set *set = load(DATA "good.jsonl", false, &list, &rc, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(list.count, 0);
    TEST_INT_EQ(tby_record_set_count(set), 3);

    const tby_record *j1 = find(set, "J001");
    TEST_CHECK(j1 != NULL);
    if (j1) {
        TEST_INT_EQ(j1->line, 1);
        TEST_INT_EQ(j1->alias_count, 2);
        TEST_STR_EQ(j1->aliases[1], "Muhammad al-Juburi");
        TEST_INT_EQ(j1->weak_alias_count, 1);
        TEST_INT_EQ(j1->birth_date_count, 2);
        TEST_STR_EQ(j1->nationalities[0], "IQ");
        TEST_INT_EQ(j1->document_count, 2);
        TEST_STR_EQ(j1->documents[0].type, "national_id");
        TEST_STR_EQ(j1->documents[0].number, "198700123456");
        TEST_STR_EQ(j1->documents[1].number, "A1234567");
    }
    const tby_record *j2 = find(set, "2"); /* an integer id becomes its decimal text */
    TEST_CHECK(j2 != NULL);
    if (j2) {
        TEST_CHECK(j2->name == NULL);
        TEST_STR_EQ(j2->given, "Khadija");
        TEST_INT_EQ(j2->sex, TBY_SEX_FEMALE);
        TEST_INT_EQ(j2->birth_dates[0].kind, TBY_DATE_ABOUT);
        TEST_INT_EQ(j2->nationality_count, 2);
        TEST_STR_EQ(j2->nationalities[1], "Syria");
        TEST_STR_EQ(j2->documents[0].number, "0300112233");
        TEST_CHECK(j2->note == NULL);
    }
    const tby_record *j3 = find(set, "J003");
    TEST_CHECK(j3 != NULL);
    if (j3)
        TEST_STR_EQ(j3->name, "Omar \"Abu Hafs\" Khalil");
    tby_record_set_free(set);
}

/* The sample data of examples/ must always load without a single rejection. */
static void test_io_record_reader__examples_load_cleanly(void)
{
    const char *paths[] = {"examples/registry.csv", "examples/watchlist.csv"};
    const size_t counts[] = {40, 20};
    for (size_t i = 0; i < 2; i++) {
        rejects list = {0};
        tby_error err;
        int rc;
        tby_record_set *set = load(paths[i], true, &list, &rc, &err);
        TEST_INT_EQ(rc, 0);
        TEST_INT_EQ(list.count, 0);
        if (list.count)
            TEST__FAIL("%s line %lld: %s", paths[i], (long long)list.errors[0].line,
                       list.errors[0].message);
        TEST_INT_EQ(tby_record_set_count(set), counts[i]);
        tby_record_set_free(set);
    }
}

/* ===== Header errors ===== */

static void test_io_record_reader__unknown_column_is_named(void)
{
    rejects list = {0};
    tby_error err;
    int rc;
    tby_record_set *set = load(DATA "unknown_column.csv", false, &list, &rc, &err);
    TEST_INT_EQ(rc, TBY_EINVALID);
    TEST_CHECK(set == NULL);
    TEST_STR_EQ(err.field, "birthdate");
    TEST_CHECK(strstr(err.message, "\"birthdate\"") != NULL);
    TEST_INT_EQ(err.line, 1);

    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.ignore_unknown_columns = true;
    rc = tby_record_set_load_file(&set, DATA "unknown_column.csv", &opts, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(tby_record_set_count(set), 1);
    TEST_CHECK(tby_record_set_count(set) == 1 && tby_record_set_get(set, 0)->birth_dates == NULL);
    tby_record_set_free(set);
}

static void test_io_record_reader__bad_headers(void)
{
    rejects list = {0};
    tby_error err;
    int rc;
    tby_record_set *set = load(DATA "missing_id_column.csv", false, &list, &rc, &err);
    TEST_INT_EQ(rc, TBY_EINVALID);
    TEST_CHECK(set == NULL);
    TEST_STR_EQ(err.field, "id");

    set = load(DATA "duplicate_column.csv", false, &list, &rc, &err);
    TEST_INT_EQ(rc, TBY_EINVALID);
    TEST_STR_EQ(err.field, "sex");
    TEST_CHECK(strstr(err.message, "columns 3 and 4") != NULL);

    const char only_name[] = "id,father\nX1,Ali\n";
    rc = tby_record_set_load_buffer(&set, only_name, strlen(only_name), NULL, &err);
    TEST_INT_EQ(rc, TBY_EINVALID);
    TEST_STR_EQ(err.field, "name");

    set = load(DATA "no_such_file.csv", false, &list, &rc, &err);
    TEST_INT_EQ(rc, TBY_ENOTFOUND);
}

/* ===== Rejected rows ===== */

static void test_io_record_reader__bad_values_lenient(void)
{
    rejects list = {0};
    tby_error err;
    int rc;
    tby_record_set *set = load(DATA "bad_values.csv", false, &list, &rc, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(tby_record_set_count(set), 1);
    TEST_CHECK(find(set, "B7") != NULL);
    TEST_INT_EQ(list.count, 6);
    CHECK_REJECT(list, 0, 2, "birth_date", TBY_EINVALID, "February 1990 has 28 days");
    CHECK_REJECT(list, 1, 3, "sex", TBY_EINVALID, "\"x\": expected m, f");
    CHECK_REJECT(list, 2, 4, "documents", TBY_EINVALID, "expected type:number");
    CHECK_REJECT(list, 3, 5, "name", TBY_EINVALID, "neither name nor given");
    CHECK_REJECT(list, 4, 6, "id", TBY_EINVALID, "id is empty");
    CHECK_REJECT(list, 5, 7, "", TBY_EINVALID, "row has 4 fields, the header has 5");
    /* The set keeps the same list for callers that passed no callback. */
    TEST_INT_EQ(tby_record_set_reject_count(set), 6);
    TEST_INT_EQ(tby_record_set_reject(set, 0)->line, 2);
    TEST_CHECK(list.errors[0].offset > 0);
    tby_record_set_free(set);
}

static void test_io_record_reader__bad_values_strict_loads_nothing(void)
{
    rejects list = {0};
    tby_error err;
    int rc;
    tby_record_set *set = load(DATA "bad_values.csv", true, &list, &rc, &err);
    TEST_INT_EQ(rc, TBY_EINVALID);
    TEST_CHECK(set == NULL);
    TEST_INT_EQ(err.line, 2);
    TEST_STR_EQ(err.field, "birth_date");
    TEST_INT_EQ(list.count, 6); /* every rejection is still reported */
}

static void test_io_record_reader__duplicate_id(void)
{
    rejects list = {0};
    tby_error err;
    int rc;
    tby_record_set *set = load(DATA "duplicate_id.csv", false, &list, &rc, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(tby_record_set_count(set), 2);
    TEST_STR_EQ(find(set, "D1")->name, "Ali Hassan"); /* the first occurrence wins */
    TEST_INT_EQ(list.count, 1);
    CHECK_REJECT(list, 0, 4, "id", TBY_EEXISTS, "duplicate id \"D1\" (first on line 2)");
    tby_record_set_free(set);
}

static void test_io_record_reader__bad_utf8_line_and_column(void)
{
    rejects list = {0};
    tby_error err;
    int rc;
    tby_record_set *set = load(DATA "bad_utf8.csv", false, &list, &rc, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(tby_record_set_count(set), 2);
    TEST_STR_EQ(find(set, "U3")->name, "عمر");
    TEST_INT_EQ(list.count, 1);
    CHECK_REJECT(list, 0, 3, "name", TBY_EUTF8, "line 3, byte column 6");
    tby_record_set_free(set);
}

static void test_io_record_reader__quoting_errors(void)
{
    rejects list = {0};
    tby_error err;
    int rc;
    tby_record_set *set = load(DATA "unterminated_quote.csv", false, &list, &rc, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(tby_record_set_count(set), 1);
    TEST_INT_EQ(list.count, 1);
    CHECK_REJECT(list, 0, 3, "name", TBY_EINVALID, "opened at line 3, column 4 is never closed");
    tby_record_set_free(set);

    memset(&list, 0, sizeof(list));
    set = load(DATA "after_quote.csv", false, &list, &rc, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(tby_record_set_count(set), 1);
    TEST_CHECK(find(set, "A2") != NULL);
    TEST_INT_EQ(list.count, 1);
    CHECK_REJECT(list, 0, 2, "name", TBY_EINVALID, "after a closing quote at line 2, column 9");
    tby_record_set_free(set);
}

static void test_io_record_reader__bad_jsonl_rows(void)
{
    rejects list = {0};
    tby_error err;
    int rc;
    tby_record_set *set = load(DATA "bad_rows.jsonl", false, &list, &rc, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(tby_record_set_count(set), 2);
    TEST_CHECK(find(set, "E1") && find(set, "E9"));
    TEST_INT_EQ(list.count, 7);
    CHECK_REJECT(list, 0, 2, "birthdate", TBY_EINVALID, "unknown keys \"birthdate\"");
    CHECK_REJECT(list, 1, 3, "", TBY_EINVALID, "invalid JSON at line 3");
    CHECK_REJECT(list, 2, 4, "", TBY_EINVALID, "not a JSON object");
    CHECK_REJECT(list, 3, 5, "name", TBY_EINVALID, "name must be a string");
    CHECK_REJECT(list, 4, 6, "id", TBY_EEXISTS, "first on line 1");
    CHECK_REJECT(list, 5, 7, "sex", TBY_EINVALID, "\"unknown\"");
    CHECK_REJECT(list, 6, 8, "birth_date", TBY_EINVALID, "item 2 of birth_date");
    tby_record_set_free(set);
}

/* About 1% of 400 rows are broken: all the others load, each broken one is reported. */
static void test_io_record_reader__one_percent_broken(void)
{
    rejects list = {0};
    tby_error err;
    int rc;
    tby_record_set *set = load(DATA "one_percent_broken.csv", false, &list, &rc, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(tby_record_set_count(set), 396);
    TEST_INT_EQ(list.count, 4);
    CHECK_REJECT(list, 0, 57, "birth_date", TBY_EINVALID, "\"1987-02-30\"");
    CHECK_REJECT(list, 1, 141, "id", TBY_EEXISTS, "duplicate id \"P0010\" (first on line 11)");
    CHECK_REJECT(list, 2, 263, "name", TBY_EUTF8, "line 263, byte column 7");
    CHECK_REJECT(list, 3, 388, "", TBY_EINVALID, "row has 6 fields, the header has 8");
    for (size_t i = 0; i < tby_record_set_count(set); i++) {
        const tby_record *record = tby_record_set_get(set, i);
        TEST_CHECK(record->id && record->id[0]);
        TEST_CHECK(record->line != 57 && record->line != 141 && record->line != 263 &&
                   record->line != 388);
    }
    tby_record_set_free(set);

    memset(&list, 0, sizeof(list));
    set = load(DATA "one_percent_broken.csv", true, &list, &rc, &err);
    TEST_INT_EQ(rc, TBY_EINVALID);
    TEST_CHECK(set == NULL);
    TEST_INT_EQ(err.line, 57);
    TEST_INT_EQ(list.count, 4);
}

/* ===== Memory input, caps, streaming ===== */

static int count_records(const tby_record *record, void *payload)
{
    size_t *count = payload;
    TEST_CHECK(record->id && record->id[0]);
    (*count)++;
    return 0;
}

static void test_io_record_reader__line_endings_and_quotes(void)
{
    const char text[] = "id,name,note\r\nX1,\"a,\r\nb\",\"say \"\"hi\"\"\"\r\nX2,c,\rX3,d,\n";
    tby_record_set *set = NULL;
    tby_error err;
    int rc = tby_record_set_load_buffer(&set, text, strlen(text), NULL, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(tby_record_set_count(set), 3);
    const tby_record *x1 = find(set, "X1");
    TEST_CHECK(x1 != NULL);
    if (x1) {
        TEST_STR_EQ(x1->name, "a,\r\nb");
        TEST_STR_EQ(x1->note, "say \"hi\"");
    }
    TEST_INT_EQ(find(set, "X2")->line, 4);
    TEST_INT_EQ(find(set, "X3")->line, 5); /* a lone CR ends a line too */
    tby_record_set_free(set);
}

static void test_io_record_reader__caps(void)
{
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    rejects list = {0};
    opts.on_reject = collect_reject;
    opts.reject_payload = &list;
    opts.max_field_bytes = 16;
    const char text[] = "id,name\nC1,short name\nC2,a name that is far too long\nC3,ok\n";
    size_t count = 0;
    tby_reader_stats stats;
    tby_error err;
    int rc = tby_record_read_buffer(text, strlen(text), &opts, count_records, &count, &stats, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(count, 2);
    TEST_INT_EQ(stats.records, 2);
    TEST_INT_EQ(stats.rejected, 1);
    TEST_INT_EQ(stats.lines, 4);
    CHECK_REJECT(list, 0, 3, "name", TBY_ETOOLARGE, "longer than 16 bytes");

    /* The default per-field cap is 64 KiB, for JSON Lines as for CSV. */
    size_t big = TBY_READER_MAX_FIELD_BYTES + 10;
    char *csv = malloc(big + 64);
    int head = snprintf(csv, 64, "id,name\nBIG,");
    memset(csv + head, 'a', big);
    memcpy(csv + head + big, "\nS1,b\n", 7);
    memset(&list, 0, sizeof(list));
    opts.max_field_bytes = 0;
    count = 0;
    rc = tby_record_read_buffer(csv, strlen(csv), &opts, count_records, &count, NULL, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(count, 1);
    CHECK_REJECT(list, 0, 2, "name", TBY_ETOOLARGE, "longer than 65536 bytes");

    head = snprintf(csv, 64, "{\"id\":\"BIG\",\"name\":\"");
    memset(csv + head, 'a', big);
    memcpy(csv + head + big, "\"}\n{\"id\":\"S1\",\"name\":\"b\"}\n", 27);
    memset(&list, 0, sizeof(list));
    count = 0;
    rc = tby_record_read_buffer(csv, strlen(csv), &opts, count_records, &count, NULL, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(count, 1);
    CHECK_REJECT(list, 0, 1, "name", TBY_ETOOLARGE, "longer than 65536 bytes");

    /* A JSON line over the record cap is rejected alone; the next line still loads. */
    memset(&list, 0, sizeof(list));
    opts.max_record_bytes = 1024;
    count = 0;
    rc = tby_record_read_buffer(csv, strlen(csv), &opts, count_records, &count, NULL, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(count, 1);
    CHECK_REJECT(list, 0, 1, "", TBY_ETOOLARGE, "longer than 1024 bytes");
    free(csv);
}

static int stop_after_one(const tby_record *record, void *payload)
{
    (void)record;
    (void)payload;
    return 42;
}

static void test_io_record_reader__callbacks_and_sniffing(void)
{
    const char jsonl[] =
        "\xEF\xBB\xBF  {\"id\":\"S1\",\"name\":\"a\"}\n{\"id\":\"S2\",\"name\":\"b\"}";
    size_t count = 0;
    tby_error err;
    int rc = tby_record_read_buffer(jsonl, strlen(jsonl), NULL, count_records, &count, NULL, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(count, 2); /* sniffed as JSON Lines, BOM skipped, no final newline */

    rc = tby_record_read_buffer(jsonl, strlen(jsonl), NULL, stop_after_one, NULL, NULL, &err);
    TEST_INT_EQ(rc, 42);

    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.format = TBY_FORMAT_CSV;
    rc = tby_record_read_buffer(jsonl, strlen(jsonl), &opts, count_records, &count, NULL, &err);
    TEST_INT_EQ(rc, TBY_EINVALID); /* read as CSV, its "header" has unknown columns */

    count = 0;
    rc = tby_record_read_buffer("", 0, NULL, count_records, &count, NULL, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(count, 0);
    rc = tby_record_read_buffer("id,name\n", 8, NULL, count_records, &count, NULL, &err);
    TEST_INT_EQ(rc, 0);
    TEST_INT_EQ(count, 0);

    opts.version = 99;
    rc = tby_record_read_buffer("", 0, &opts, count_records, &count, NULL, &err);
    TEST_INT_EQ(rc, TBY_EINVALID);
}

static void test_io_record_reader__streaming_strict_stops_delivering(void)
{
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.strict = true;
    size_t count = 0;
    tby_reader_stats stats;
    tby_error err;
    int rc =
        tby_record_read_file(DATA "bad_values.csv", &opts, count_records, &count, &stats, &err);
    TEST_INT_EQ(rc, TBY_EINVALID);
    TEST_INT_EQ(count, 0); /* B7 comes after the first rejection */
    TEST_INT_EQ(stats.rejected, 6);
    TEST_INT_EQ(err.line, 2);
}

/* ===== Allocation failures (docs/c-style.md T5) ===== */

static long alloc_countdown;

static void *failing_malloc(void *ctx, size_t size)
{
    (void)ctx;
    if (alloc_countdown-- == 0)
        return NULL;
    return malloc(size);
}

static void *failing_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (alloc_countdown-- == 0)
        return NULL;
    return realloc(ptr, size);
}

static void plain_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

static void test_io_record_reader__out_of_memory(void)
{
    const tby_allocator failing = {failing_malloc, failing_realloc, plain_free, NULL};
    FILE *file = fopen(DATA "good.csv", "rb");
    TEST_CHECK(file != NULL);
    if (!file)
        return;
    char text[8192];
    size_t len = fread(text, 1, sizeof(text), file);
    fclose(file);

    tby_set_allocator(&failing);
    bool has_succeeded = false;
    for (long n = 0; n < 200 && !has_succeeded; n++) {
        alloc_countdown = n;
        tby_record_set *set = NULL;
        tby_error err;
        int rc = tby_record_set_load_buffer(&set, text, len, NULL, &err);
        if (rc == 0) {
            has_succeeded = true;
            TEST_INT_EQ(tby_record_set_count(set), 5);
        } else {
            TEST_INT_EQ(rc, TBY_ENOMEM);
            TEST_CHECK(set == NULL);
        }
        tby_record_set_free(set);
    }
    tby_set_allocator(NULL);
    TEST_CHECK(has_succeeded);
}

TEST_LIST = {
    TEST(test_io_record_reader__good_csv),
    TEST(test_io_record_reader__good_jsonl),
    TEST(test_io_record_reader__examples_load_cleanly),
    TEST(test_io_record_reader__unknown_column_is_named),
    TEST(test_io_record_reader__bad_headers),
    TEST(test_io_record_reader__bad_values_lenient),
    TEST(test_io_record_reader__bad_values_strict_loads_nothing),
    TEST(test_io_record_reader__duplicate_id),
    TEST(test_io_record_reader__bad_utf8_line_and_column),
    TEST(test_io_record_reader__quoting_errors),
    TEST(test_io_record_reader__bad_jsonl_rows),
    TEST(test_io_record_reader__one_percent_broken),
    TEST(test_io_record_reader__line_endings_and_quotes),
    TEST(test_io_record_reader__caps),
    TEST(test_io_record_reader__callbacks_and_sniffing),
    TEST(test_io_record_reader__streaming_strict_stops_delivering),
    TEST(test_io_record_reader__out_of_memory),
    TEST_END,
};

TEST_MAIN()
