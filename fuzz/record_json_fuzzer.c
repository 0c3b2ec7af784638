// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the canonical JSON of records (src/io/record_json.c), which the store keeps
// and hashes: every record the reader accepts from the input (as CSV and as JSON Lines) is
// written as JSON, the JSON must read back through the JSON Lines reader as exactly one record
// with the same id, and writing that record again must give the same bytes. A failure here
// would mean a stored record that does not read back, or two hashes for the same values.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tabayyun/tby_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *json)
{
    fprintf(stderr, "record_json_fuzzer: invariant broken: %s\n  %s\n", what, json ? json : "");
    abort();
}

typedef struct again {
    const char *json; /* the first writing */
    size_t count;     /* records read back */
} again;

static int check_again(const tby_record *record, void *payload)
{
    again *state = payload;
    state->count++;
    char *json = NULL;
    if (tby_record_to_json(&json, NULL, record, 0, NULL))
        fuzz_fail("a record read back from JSON cannot be written", state->json);
    if (strcmp(json, state->json) != 0)
        fuzz_fail("written twice, two different texts", state->json);
    tby_free(json);
    return 0;
}

static int check_record(const tby_record *record, void *payload)
{
    (void)payload;
    char *json = NULL, *identity = NULL;
    size_t len = 0;
    if (tby_record_to_json(&json, &len, record, 0, NULL) ||
        tby_record_to_json(&identity, NULL, record, TBY_RECORD_JSON_IDENTITY, NULL))
        fuzz_fail("a record the reader accepted cannot be written", record->id);
    if (strstr(identity, "\"id\":") == identity + 1)
        fuzz_fail("the identity form has the id", identity);
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.format = TBY_FORMAT_JSONL;
    opts.strict = true;
    again state = {json, 0};
    tby_error err;
    if (tby_record_read_buffer(json, len, &opts, check_again, &state, NULL, &err))
        fuzz_fail(err.message, json);
    if (state.count != 1)
        fuzz_fail("the JSON did not read back as one record", json);
    tby_free(json);
    tby_free(identity);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const tby_record_format formats[] = {TBY_FORMAT_CSV, TBY_FORMAT_JSONL};
    for (size_t f = 0; f < 2; f++) {
        tby_reader_options opts = TBY_READER_OPTIONS_INIT;
        opts.format = formats[f];
        opts.drop_bad_values = true;
        tby_record_read_buffer((const char *)data, size, &opts, check_record, NULL, NULL, NULL);
    }
    return 0;
}
