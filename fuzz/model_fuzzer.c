// SPDX-License-Identifier: Apache-2.0
// Fuzz target for pinned models (src/screen/model_io.c): tby_screener_model_load reads a blob
// that comes back from a database file, so any bytes must be refused cleanly or loaded into a
// screener that then screens, saves and loads again without trouble.
//
// The first input byte chooses the mode. Odd: the rest is a blob body and the target appends
// the right checksum, so that the fuzzer reaches the parsing behind it. Even: the rest is taken
// as it is (a checksum the fuzzer cannot forge: the blob must be refused or be valid).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tabayyun/tabayyun.h"
#include "util/util_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "model_fuzzer: check failed: %s: ", #cond);                            \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const char list_csv[] = "id,name,birth_date,documents\n"
                               "L1,Muhammad Jasim Ali al-Jubouri,1977,passport:A123\n"
                               "L2,محمد جاسم علي,1980,\n"
                               "L3,Omar Khalil Ibrahim,~1965,\n";

static int count_alert(const tby_alert *a, void *payload)
{
    (void)a;
    (*(size_t *)payload)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tby_record_set *list;
    if (!list) {
        tby_reader_options opts = TBY_READER_OPTIONS_INIT;
        CHECK(!tby_record_set_load_buffer(&list, list_csv, sizeof(list_csv) - 1, &opts, NULL),
              "fixture list");
    }
    tby_screener *s = NULL;
    CHECK(!tby_screener_new(&s, list, NULL), "screener");
    unsigned char *blob = NULL;
    size_t len = 0;
    if (size > 0 && (data[0] & 1)) {
        len = size - 1 + 8;
        blob = malloc(len);
        CHECK(blob != NULL, "malloc");
        memcpy(blob, data + 1, size - 1);
        uint64_t h = tby__hash64(blob, size - 1);
        for (int i = 0; i < 8; i++)
            blob[size - 1 + (size_t)i] = (unsigned char)(h >> (8 * i));
    } else if (size > 0) {
        len = size - 1;
        blob = malloc(len ? len : 1);
        CHECK(blob != NULL, "malloc");
        memcpy(blob, data + 1, len);
    }
    tby_error err;
    int rc = tby_screener_model_load(s, blob, len, &err);
    CHECK(rc == TBY_OK || rc == TBY_EINVALID || rc == TBY_ENOMEM, "load returned %d", rc);
    if (rc == TBY_OK) {
        /* A loaded model screens, and survives a save and a load. */
        tby_record person = {0};
        person.id = "R1";
        person.name = "Mohammed Jassim Ali";
        size_t alerts = 0;
        CHECK(!tby_screen_record(s, &person, NULL, count_alert, &alerts, &err), "screen");
        unsigned char *again = NULL;
        size_t again_len = 0;
        CHECK(!tby_screener_model_save(s, &again, &again_len, &err), "save");
        CHECK(!tby_screener_model_load(s, again, again_len, &err), "reload: %s", err.message);
        tby_free(again);
    }
    free(blob);
    tby_screener_free(s);
    return 0;
}
