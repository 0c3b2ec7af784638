// SPDX-License-Identifier: Apache-2.0
// Tests of src/records/record.c and record_set.c: field rules (document numbers, nationality
// codes, sex, list splitting) and that a set deep-copies what it is given.
#include "harness/test.h"
#include "records/records_int.h"

static const char *normalized(const char *number, int *rc_out)
{
    static char out[128];
    *rc_out = tby_document_number_normalize(out, NULL, number, strlen(number), NULL);
    return out;
}

static void test_records_record__document_numbers(void)
{
    int rc;
    TEST_STR_EQ(normalized("a-123 456", &rc), "A123456");
    TEST_INT_EQ(rc, 0);
    TEST_STR_EQ(normalized("١٩٨٧/٠٠١٢.٣٤", &rc), "1987001234");
    TEST_STR_EQ(normalized("۱۲۳\u200e-۴", &rc), "1234"); /* Persian digits and an LRM */
    TEST_STR_EQ(normalized("N\u2013031\u00a08846", &rc), "N0318846");
    TEST_STR_EQ(normalized("ب123", &rc), "ب123"); /* other letters are kept */
    normalized(" - / ", &rc);
    TEST_INT_EQ(rc, TBY_EEMPTY);
    normalized("12\xff", &rc);
    TEST_INT_EQ(rc, TBY_EUTF8);
}

static void test_records_record__field_rules(void)
{
    tby_arena arena;
    tby__arena_init(&arena, 1024, 0);
    tby_record record;
    memset(&record, 0, sizeof(record));
    tby_error err;
    tby_error_clear(&err);

    const char nat[] = " iq ; Syria ;; sy؛سوريا ";
    TEST_INT_EQ(
        tby_record__set_value(&record, &arena, TBY_FIELD_NATIONALITY, nat, strlen(nat), &err), 0);
    TEST_INT_EQ(record.nationality_count, 4);
    if (record.nationality_count == 4) {
        TEST_STR_EQ(record.nationalities[0], "IQ");
        TEST_STR_EQ(record.nationalities[1], "Syria");
        TEST_STR_EQ(record.nationalities[2], "SY");
        TEST_STR_EQ(record.nationalities[3], "سوريا");
    }
    TEST_INT_EQ(tby_record__set_value(&record, &arena, TBY_FIELD_SEX, "Female", 6, &err), 0);
    TEST_INT_EQ(record.sex, TBY_SEX_FEMALE);
    TEST_INT_EQ(tby_record__set_value(&record, &arena, TBY_FIELD_SEX, "unknown", 7, &err),
                TBY_EINVALID);
    TEST_STR_EQ(err.field, "sex");

    TEST_INT_EQ(tby_record__set_value(&record, &arena, TBY_FIELD_NAME, "   ", 3, &err), 0);
    TEST_CHECK(record.name == NULL); /* blank means absent */
    TEST_INT_EQ(tby_record__set_value(&record, &arena, TBY_FIELD_NAME, "a\0b", 3, &err),
                TBY_EINVALID);
    TEST_INT_EQ(tby_record__check(&record, &err), TBY_EINVALID);
    TEST_STR_EQ(err.field, "id");

    TEST_INT_EQ(tby_record__field_lookup("Birth_Date", 10), TBY_FIELD_BIRTH_DATE);
    TEST_INT_EQ(tby_record__field_lookup("birthdate", 9), -1);
    tby__arena_dispose(&arena);
}

static void test_records_record__set_deep_copies(void)
{
    char id[] = "X1";
    char name[] = "Ali Hassan";
    const char *aliases[] = {"علي حسن"};
    tby_date dates[1];
    TEST_INT_EQ(tby_date_parse(&dates[0], "1990", 4, NULL), 0);
    tby_document documents[] = {{"passport", "A1"}};
    tby_record record;
    memset(&record, 0, sizeof(record));
    record.id = id;
    record.name = name;
    record.aliases = aliases;
    record.alias_count = 1;
    record.birth_dates = dates;
    record.birth_date_count = 1;
    record.documents = documents;
    record.document_count = 1;

    tby_record_set *set = NULL;
    TEST_INT_EQ(tby_record_set_new(&set, NULL), 0);
    TEST_INT_EQ(tby_record_set_add(set, &record, NULL), 0);
    const tby_record *kept = tby_record_set_get(set, 0);
    for (int i = 0; i < 1000; i++) /* growth must not move records already handed out */
        TEST_INT_EQ(tby_record_set_add(set, &record, NULL), 0);
    id[0] = 'Y';
    name[0] = 'E';
    TEST_STR_EQ(kept->id, "X1");
    TEST_STR_EQ(kept->name, "Ali Hassan");
    TEST_STR_EQ(kept->aliases[0], "علي حسن");
    TEST_INT_EQ(kept->birth_dates[0].year, 1990);
    TEST_STR_EQ(kept->documents[0].type, "passport");
    TEST_INT_EQ(tby_record_set_count(set), 1001);
    TEST_CHECK(tby_record_set_get(set, 1001) == NULL);

    record.id = "";
    TEST_INT_EQ(tby_record_set_add(set, &record, NULL), TBY_EINVALID);
    tby_record_set_free(set);
    tby_record_set_free(NULL);
}

TEST_LIST = {
    TEST(test_records_record__document_numbers),
    TEST(test_records_record__field_rules),
    TEST(test_records_record__set_deep_copies),
    TEST_END,
};

TEST_MAIN()
