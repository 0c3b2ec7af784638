/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interface of src/records: the field table of the record format and the functions
 * that turn raw field text into a tby_record (used by src/io's readers and by tests). Nothing
 * here reads files.
 */
#ifndef TBY_RECORDS_INT_H
#define TBY_RECORDS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "tabayyun/tby_record.h"
#include "util/util_int.h"

/* The columns / keys of docs/record-format.md, in the order of its table. */
typedef enum tby_record_field {
    TBY_FIELD_ID = 0,
    TBY_FIELD_NAME,
    TBY_FIELD_GIVEN,
    TBY_FIELD_FATHER,
    TBY_FIELD_GRANDFATHER,
    TBY_FIELD_FAMILY,
    TBY_FIELD_ALIASES,
    TBY_FIELD_WEAK_ALIASES,
    TBY_FIELD_MOTHER,
    TBY_FIELD_BIRTH_DATE,
    TBY_FIELD_SEX,
    TBY_FIELD_BIRTH_PLACE,
    TBY_FIELD_NATIONALITY,
    TBY_FIELD_DOCUMENTS,
    TBY_FIELD_SITE,
    TBY_FIELD_NOTE,
    TBY_FIELD_COUNT
} tby_record_field;

/* A borrowed piece of text: (ptr, len), not NUL-terminated. */
typedef struct tby_span {
    const char *ptr;
    size_t len;
} tby_span;

/* The key of a field as written in headers and JSON ("birth_date"). */
const char *tby_record__field_name(tby_record_field field);

/* The field whose key is s[0..len) (ASCII case-insensitive), or -1 when there is none. */
int tby_record__field_lookup(const char *s, size_t len);

/* True for the fields that hold several values (aliases, birth_date, documents ...). */
bool tby_record__field_is_list(tby_record_field field);

/*
 * Sets one field of `record` from its text as written in a CSV cell or a JSON string: the
 * value is trimmed, an empty value leaves the field unset, and list fields are split on ';'
 * (and the Arabic semicolon U+061B). Strings and arrays are allocated in `arena`. Each field
 * may be set once. Returns 0, TBY_ENOMEM, or TBY_EINVALID with a reason in err (the field name
 * is filled in; line and offset are left for the caller).
 */
int tby_record__set_value(tby_record *record, tby_arena *arena, tby_record_field field,
                          const char *value, size_t len, tby_error *err);

/*
 * Sets a list field from separate items (a JSON array): each item is trimmed and parsed
 * alone, without splitting on ';', and empty items are skipped. Same results as
 * tby_record__set_value.
 */
int tby_record__set_items(tby_record *record, tby_arena *arena, tby_record_field field,
                          const tby_span *items, size_t count, tby_error *err);

/* Checks the rules that span fields: id present, name or given present. 0 or TBY_EINVALID. */
int tby_record__check(const tby_record *record, tby_error *err);

/* Deep-copies src into *dst with every string and array in `arena`. 0 or TBY_ENOMEM. */
int tby_record__copy(tby_record *dst, const tby_record *src, tby_arena *arena);

/*
 * Writes `"value"` into out (size out_len), shortened at a character boundary with "..." when
 * long, so that error messages quote the offending value without growing unbounded.
 */
void tby_record__quote(char *out, size_t out_len, const char *s, size_t len);

/* Keeps a copy of a rejection in the set (up to TBY_RECORD_SET_MAX_REJECTS) and counts it. */
int tby_record__set_add_reject(tby_record_set *set, const tby_error *error);

#endif
