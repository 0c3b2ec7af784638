// SPDX-License-Identifier: Apache-2.0
// Writes a tby_record as one JSON object in the record format (docs/record-format.md), the
// form the JSON Lines reader in record_reader.c reads back. The output is canonical, so the
// store can hash it and compare records by their bytes:
//
//   {"id":"R1","name":"Ali Hasan","aliases":["A. Hasan"],"birth_date":["1987-03-02"],
//    "sex":"m","nationality":["IQ"],"documents":["passport:A1234567"]}
//
//   - keys in the order of the record format's table (records_int.h), each at most once;
//   - absent and empty values left out, list fields always arrays (even of one value);
//   - dates in the format's own syntax (tby_date_format), documents as "type:number";
//   - no whitespace between tokens; strings escaped minimally: '"', '\\', and control
//     characters (\b \f \n \r \t, else \u00XX with lower-case hex); everything else as UTF-8.
//
// The identity form (TBY_RECORD_JSON_IDENTITY) leaves out what does not identify the person:
// the id, the site and the note (and the line, which is never written).
#include <string.h>

#include "io/io_int.h"
#include "records/records_int.h"
#include "tabayyun/tby_io.h"

/* ===== Pieces ===== */

static int json_string(tby_buf *buf, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    int rc = tby__buf_putc(buf, '"');
    const char *run = s;
    for (const char *p = s; !rc && *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if ((rc = tby__buf_put(buf, run, (size_t)(p - run))))
            break;
        run = p + 1;
        char escape[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t len = 2;
        switch (c) {
        case '"':
            escape[1] = '"';
            break;
        case '\\':
            escape[1] = '\\';
            break;
        case '\b':
            escape[1] = 'b';
            break;
        case '\f':
            escape[1] = 'f';
            break;
        case '\n':
            escape[1] = 'n';
            break;
        case '\r':
            escape[1] = 'r';
            break;
        case '\t':
            escape[1] = 't';
            break;
        default:
            escape[1] = 'u';
            escape[2] = '0';
            escape[3] = '0';
            escape[4] = hex[c >> 4];
            escape[5] = hex[c & 15];
            len = 6;
            break;
        }
        rc = tby__buf_put(buf, escape, len);
    }
    if (!rc)
        rc = tby__buf_puts(buf, run);
    return rc ? rc : tby__buf_putc(buf, '"');
}

static bool is_present(const char *s)
{
    return s && s[0];
}

/* Writes `,"key":` (without the comma for the first key) and counts the key. */
static int json_key(tby_buf *buf, size_t *keys, tby_record_field field)
{
    int rc = tby__buf_puts(buf, *keys ? ",\"" : "\"");
    (*keys)++;
    if (!rc)
        rc = tby__buf_puts(buf, tby_record__field_name(field));
    return rc ? rc : tby__buf_puts(buf, "\":");
}

static int json_string_field(tby_buf *buf, size_t *keys, tby_record_field field, const char *s)
{
    if (!is_present(s))
        return TBY_OK;
    int rc = json_key(buf, keys, field);
    return rc ? rc : json_string(buf, s);
}

static int json_string_list(tby_buf *buf, size_t *keys, tby_record_field field,
                            const char *const *items, size_t count)
{
    size_t present = 0;
    for (size_t i = 0; i < count; i++)
        present += is_present(items[i]);
    if (!present)
        return TBY_OK;
    int rc = json_key(buf, keys, field);
    if (!rc)
        rc = tby__buf_putc(buf, '[');
    for (size_t i = 0, written = 0; !rc && i < count; i++) {
        if (!is_present(items[i]))
            continue;
        if (written++ && (rc = tby__buf_putc(buf, ',')))
            break;
        rc = json_string(buf, items[i]);
    }
    return rc ? rc : tby__buf_putc(buf, ']');
}

static int json_dates(tby_buf *buf, size_t *keys, const tby_date *dates, size_t count)
{
    size_t present = 0;
    for (size_t i = 0; i < count; i++)
        present += dates[i].kind != TBY_DATE_NONE;
    if (!present)
        return TBY_OK;
    int rc = json_key(buf, keys, TBY_FIELD_BIRTH_DATE);
    if (!rc)
        rc = tby__buf_putc(buf, '[');
    for (size_t i = 0, written = 0; !rc && i < count; i++) {
        if (dates[i].kind == TBY_DATE_NONE)
            continue;
        char text[TBY_DATE_FORMAT_LEN];
        if (written++ && (rc = tby__buf_putc(buf, ',')))
            break;
        rc = json_string(buf, tby_date_format(text, &dates[i]));
    }
    return rc ? rc : tby__buf_putc(buf, ']');
}

static int json_documents(tby_buf *buf, size_t *keys, const tby_document *documents, size_t count)
{
    if (!count)
        return TBY_OK;
    int rc = json_key(buf, keys, TBY_FIELD_DOCUMENTS);
    if (!rc)
        rc = tby__buf_putc(buf, '[');
    tby_buf item = TBY_BUF_INIT(0);
    for (size_t i = 0; !rc && i < count; i++) {
        tby__buf_clear(&item);
        if (i && (rc = tby__buf_putc(buf, ',')))
            break;
        if ((rc = tby__buf_puts(&item, documents[i].type)) || (rc = tby__buf_putc(&item, ':')) ||
            (rc = tby__buf_puts(&item, documents[i].number)))
            break;
        rc = json_string(buf, item.ptr);
    }
    tby__buf_dispose(&item);
    return rc ? rc : tby__buf_putc(buf, ']');
}

/* ===== Checks ===== */

static bool string_ok(const char *s)
{
    return !s || tby__utf8_validate(s, strlen(s)) == strlen(s);
}

static bool strings_ok(const char *const *items, size_t count)
{
    if (count && !items)
        return false;
    for (size_t i = 0; i < count; i++) {
        if (!string_ok(items[i]))
            return false;
    }
    return true;
}

/* A record built in code may break what the reader guarantees; the JSON must stay valid. */
static int record_check(const tby_record *record, tby_error *err)
{
    if (!is_present(record->id))
        return tby__error(err, TBY_EINVALID, -1, "record has no id");
    const char *strings[] = {
        record->id,     record->name,   record->given,       record->father, record->grandfather,
        record->family, record->mother, record->birth_place, record->site,   record->note};
    if (!strings_ok(strings, sizeof(strings) / sizeof(strings[0])) ||
        !strings_ok(record->aliases, record->alias_count) ||
        !strings_ok(record->weak_aliases, record->weak_alias_count) ||
        !strings_ok(record->nationalities, record->nationality_count))
        return tby__error(err, TBY_EUTF8, -1, "record %s holds invalid UTF-8", record->id);
    if ((record->birth_date_count && !record->birth_dates) ||
        (record->document_count && !record->documents))
        return tby__error(err, TBY_EINVALID, -1, "record %s: a count without its array",
                          record->id);
    for (size_t i = 0; i < record->document_count; i++) {
        const tby_document *document = &record->documents[i];
        if (!is_present(document->type) || !is_present(document->number) ||
            strchr(document->type, ':') || !string_ok(document->type) ||
            !string_ok(document->number))
            return tby__error(err, TBY_EINVALID, -1, "record %s: document %zu is not type:number",
                              record->id, i + 1);
    }
    return TBY_OK;
}

/* ===== Entry points ===== */

int tby_io__record_json(tby_buf *buf, const tby_record *record, unsigned flags, tby_error *err)
{
    int rc = record_check(record, err);
    if (rc)
        return rc;
    bool is_full = !(flags & TBY_RECORD_JSON_IDENTITY);
    size_t keys = 0;
    rc = tby__buf_putc(buf, '{');
    if (!rc && is_full)
        rc = json_string_field(buf, &keys, TBY_FIELD_ID, record->id);
    if (!rc)
        rc = json_string_field(buf, &keys, TBY_FIELD_NAME, record->name);
    if (!rc)
        rc = json_string_field(buf, &keys, TBY_FIELD_GIVEN, record->given);
    if (!rc)
        rc = json_string_field(buf, &keys, TBY_FIELD_FATHER, record->father);
    if (!rc)
        rc = json_string_field(buf, &keys, TBY_FIELD_GRANDFATHER, record->grandfather);
    if (!rc)
        rc = json_string_field(buf, &keys, TBY_FIELD_FAMILY, record->family);
    if (!rc)
        rc = json_string_list(buf, &keys, TBY_FIELD_ALIASES, record->aliases, record->alias_count);
    if (!rc)
        rc = json_string_list(buf, &keys, TBY_FIELD_WEAK_ALIASES, record->weak_aliases,
                              record->weak_alias_count);
    if (!rc)
        rc = json_string_field(buf, &keys, TBY_FIELD_MOTHER, record->mother);
    if (!rc)
        rc = json_dates(buf, &keys, record->birth_dates, record->birth_date_count);
    if (!rc && record->sex != TBY_SEX_UNKNOWN)
        rc = json_string_field(buf, &keys, TBY_FIELD_SEX, tby_sex_name(record->sex));
    if (!rc)
        rc = json_string_field(buf, &keys, TBY_FIELD_BIRTH_PLACE, record->birth_place);
    if (!rc)
        rc = json_string_list(buf, &keys, TBY_FIELD_NATIONALITY, record->nationalities,
                              record->nationality_count);
    if (!rc)
        rc = json_documents(buf, &keys, record->documents, record->document_count);
    if (!rc && is_full)
        rc = json_string_field(buf, &keys, TBY_FIELD_SITE, record->site);
    if (!rc && is_full)
        rc = json_string_field(buf, &keys, TBY_FIELD_NOTE, record->note);
    if (!rc)
        rc = tby__buf_putc(buf, '}');
    if (rc)
        return tby__error(err, rc, -1, "%s", rc == TBY_ENOMEM ? "out of memory" : tby_strerror(rc));
    return TBY_OK;
}

int tby_record_to_json(char **out, size_t *len_out, const tby_record *record, unsigned flags,
                       tby_error *err)
{
    TBY_ASSERT_ARG(out != NULL && record != NULL);
    *out = NULL;
    if (len_out)
        *len_out = 0;
    tby_buf buf = TBY_BUF_INIT(0);
    int rc = tby_io__record_json(&buf, record, flags, err);
    if (rc) {
        tby__buf_dispose(&buf);
        return rc;
    }
    if (len_out)
        *len_out = buf.len;
    *out = tby__buf_detach(&buf);
    return TBY_OK;
}
