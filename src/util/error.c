// SPDX-License-Identifier: Apache-2.0
// Error codes to text, and filling the caller's tby_error.
#include <string.h>

#include "util/util_int.h"

const char *tby_strerror(int code)
{
    switch (code) {
    case TBY_OK:
        return "success";
#define TBY__ERR_TEXT(name, value, text)                                                           \
    case TBY_##name:                                                                               \
        return text;
        TBY_ERROR_MAP(TBY__ERR_TEXT)
#undef TBY__ERR_TEXT
    }
    return "unknown error";
}

const char *tby_error_name(int code)
{
    switch (code) {
    case TBY_OK:
        return "TBY_OK";
#define TBY__ERR_NAME(name, value, text)                                                           \
    case TBY_##name:                                                                               \
        return "TBY_" #name;
        TBY_ERROR_MAP(TBY__ERR_NAME)
#undef TBY__ERR_NAME
    }
    return "TBY_UNKNOWN";
}

void tby_error_clear(tby_error *err)
{
    if (!err)
        return;
    err->code = 0;
    err->message[0] = '\0';
    err->field[0] = '\0';
    err->offset = -1;
    err->line = -1;
}

int tby__error(tby_error *err, int code, int64_t offset, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->offset = offset;
    err->line = -1;
    err->field[0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return code;
}

void tby__error_field(tby_error *err, const char *field)
{
    if (!err || !field)
        return;
    snprintf(err->field, sizeof(err->field), "%s", field);
}

const char *tby_version(void)
{
    return TBY_VERSION_STRING;
}
