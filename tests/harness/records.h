// SPDX-License-Identifier: Apache-2.0
// Loading a record file strictly in a test: a failure to load fails the test, naming why.
#ifndef TBY_TEST_RECORDS_H
#define TBY_TEST_RECORDS_H

#include "harness/test.h"
#include "tabayyun/tabayyun.h"

static inline tby_record_set *load(const char *path)
{
    tby_record_set *set = NULL;
    tby_error err;
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.strict = true;
    if (tby_record_set_load_file(&set, path, &opts, &err))
        TEST__FAIL("load %s: %s", path, err.message);
    return set;
}

#endif
