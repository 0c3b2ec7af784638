// SPDX-License-Identifier: Apache-2.0
// The record model: the field table of docs/record-format.md and the rules that turn a field's
// text into record values (trimming, list splitting, sex, nationality codes, document
// numbers). Readers in src/io feed it text; it never sees a file. Names stay raw strings here:
// normalising and parsing them is src/names' job.
#include <string.h>

#include "records/records_int.h"

/* ===== Field table ===== */

static const char *const field_names[TBY_FIELD_COUNT] = {
    "id",          "name",         "given",  "father",     "grandfather", "family",
    "aliases",     "weak_aliases", "mother", "birth_date", "sex",         "birth_place",
    "nationality", "documents",    "site",   "note",
};

const char *tby_record__field_name(tby_record_field field)
{
    if ((unsigned)field >= TBY_FIELD_COUNT)
        return "";
    return field_names[field];
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static char ascii_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool ascii_equal_nocase(const char *s, size_t len, const char *lower)
{
    size_t i = 0;
    for (; i < len && lower[i]; i++) {
        if (ascii_lower(s[i]) != lower[i])
            return false;
    }
    return i == len && lower[i] == '\0';
}

int tby_record__field_lookup(const char *s, size_t len)
{
    for (int field = 0; field < TBY_FIELD_COUNT; field++) {
        if (ascii_equal_nocase(s, len, field_names[field]))
            return field;
    }
    return -1;
}

bool tby_record__field_is_list(tby_record_field field)
{
    switch (field) {
    case TBY_FIELD_ALIASES:
    case TBY_FIELD_WEAK_ALIASES:
    case TBY_FIELD_BIRTH_DATE:
    case TBY_FIELD_NATIONALITY:
    case TBY_FIELD_DOCUMENTS:
        return true;
    default:
        return false;
    }
}

/* ===== Helpers ===== */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static tby_span span_trim(const char *s, size_t len)
{
    while (len > 0 && is_blank(s[0])) {
        s++;
        len--;
    }
    while (len > 0 && is_blank(s[len - 1]))
        len--;
    tby_span span = {s, len};
    return span;
}

void tby_record__quote(char *out, size_t out_len, const char *s, size_t len)
{
    /* Leave room for the quotes, "..." and the NUL. */
    size_t room = out_len > 6 ? out_len - 6 : 0;
    size_t take = len;
    bool is_cut = false;
    if (take > room) {
        take = room;
        /* Back off to the start of a UTF-8 character so the message stays valid UTF-8. */
        while (take > 0 && ((unsigned char)s[take] & 0xC0) == 0x80)
            take--;
        is_cut = true;
    }
    snprintf(out, out_len, "\"%.*s%s\"", (int)take, s, is_cut ? "..." : "");
}

static int value_error(tby_error *err, tby_record_field field, const char *fmt_reason,
                       const char *s, size_t len)
{
    char quoted[96];
    tby_record__quote(quoted, sizeof(quoted), s, len);
    tby__error(err, TBY_EINVALID, -1, "%s: %s", quoted, fmt_reason);
    tby__error_field(err, tby_record__field_name(field));
    return TBY_EINVALID;
}

static int plain_error(tby_error *err, tby_record_field field, int code, const char *reason)
{
    tby__error(err, code, -1, "%s", reason);
    tby__error_field(err, tby_record__field_name(field));
    return code;
}

static int oom(tby_error *err, tby_record_field field)
{
    tby__error(err, TBY_ENOMEM, -1, "out of memory");
    tby__error_field(err, tby_record__field_name(field));
    return TBY_ENOMEM;
}

/* ===== Document numbers ===== */

/* Separators people put inside identifiers; dropping them lets "A-123 456" meet "A123456". */
static bool is_number_separator(int32_t cp)
{
    switch (cp) {
    case ' ':
    case '\t':
    case '\n': /* every ASCII blank, as trimming sees them: a number never starts with one */
    case '\v':
    case '\f':
    case '\r':
    case '-':
    case '.':
    case '/':
    case '_':
    case 0x00A0: /* no-break space */
    case 0x00AD: /* soft hyphen */
    case 0x200B: /* zero width space */
    case 0x200C: /* zero width non-joiner */
    case 0x200D: /* zero width joiner */
    case 0x200E: /* left-to-right mark, pasted in with numbers from RTL forms */
    case 0x200F: /* right-to-left mark */
    case 0x061C: /* Arabic letter mark */
    case 0x2212: /* minus sign */
    case 0x202F: /* narrow no-break space */
    case 0xFEFF: /* BOM used as a zero-width no-break space */
        return true;
    default:
        return cp >= 0x2010 && cp <= 0x2015; /* hyphens and dashes */
    }
}

int tby_document_number_normalize(char *out, size_t *out_len, const char *s, size_t len,
                                  tby_error *err)
{
    TBY_ASSERT_ARG(out != NULL);
    TBY_ASSERT_ARG(s != NULL || len == 0);
    size_t used = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t step = tby__utf8_decode(s + i, len - i, &cp);
        if (step == 0) {
            out[0] = '\0';
            return tby__error(err, TBY_EUTF8, (int64_t)i, "invalid UTF-8 at byte %zu", i);
        }
        if (is_number_separator(cp)) {
            /* Dropped. */
        } else if (cp >= 0x660 && cp <= 0x669) {
            out[used++] = (char)('0' + (cp - 0x660));
        } else if (cp >= 0x6F0 && cp <= 0x6F9) {
            out[used++] = (char)('0' + (cp - 0x6F0));
        } else if (cp < 0x80) {
            out[used++] = ascii_upper((char)cp);
        } else {
            memcpy(out + used, s + i, step);
            used += step;
        }
        i += step;
    }
    out[used] = '\0';
    if (out_len)
        *out_len = used;
    if (used == 0)
        return tby__error(err, TBY_EEMPTY, -1, "document number has no characters left");
    return TBY_OK;
}

/* ===== Setting fields ===== */

static const char **string_slot(tby_record *record, tby_record_field field)
{
    switch (field) {
    case TBY_FIELD_ID:
        return &record->id;
    case TBY_FIELD_NAME:
        return &record->name;
    case TBY_FIELD_GIVEN:
        return &record->given;
    case TBY_FIELD_FATHER:
        return &record->father;
    case TBY_FIELD_GRANDFATHER:
        return &record->grandfather;
    case TBY_FIELD_FAMILY:
        return &record->family;
    case TBY_FIELD_MOTHER:
        return &record->mother;
    case TBY_FIELD_BIRTH_PLACE:
        return &record->birth_place;
    case TBY_FIELD_SITE:
        return &record->site;
    case TBY_FIELD_NOTE:
        return &record->note;
    default:
        return NULL;
    }
}

static int set_sex(tby_record *record, const char *s, size_t len, tby_error *err)
{
    /* The Arabic words are what Iraqi and Syrian forms print in the sex box. */
    if (ascii_equal_nocase(s, len, "m") || ascii_equal_nocase(s, len, "male") ||
        (len == strlen("ذكر") && memcmp(s, "ذكر", len) == 0)) {
        record->sex = TBY_SEX_MALE;
        return TBY_OK;
    }
    if (ascii_equal_nocase(s, len, "f") || ascii_equal_nocase(s, len, "female") ||
        (len == strlen("أنثى") && memcmp(s, "أنثى", len) == 0) ||
        (len == strlen("انثى") && memcmp(s, "انثى", len) == 0)) {
        record->sex = TBY_SEX_FEMALE;
        return TBY_OK;
    }
    return value_error(err, TBY_FIELD_SEX, "expected m, f, male or female", s, len);
}

static bool has_nul(const char *s, size_t len)
{
    return len > 0 && memchr(s, '\0', len) != NULL;
}

/* Splits s on ';' and U+061B into trimmed non-empty spans allocated in the arena. */
static int split_list(tby_arena *arena, const char *s, size_t len, tby_span **items_out,
                      size_t *count_out)
{
    size_t upper = 1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ';')
            upper++;
        else if ((unsigned char)s[i] == 0xD8 && i + 1 < len && (unsigned char)s[i + 1] == 0x9B)
            upper++;
    }
    size_t bytes;
    if (tby__mul_overflow(upper, sizeof(tby_span), &bytes))
        return TBY_ENOMEM;
    tby_span *items = tby__arena_alloc(arena, bytes);
    if (!items)
        return TBY_ENOMEM;
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        size_t sep_len = 0;
        if (i == len)
            sep_len = 1;
        else if (s[i] == ';')
            sep_len = 1;
        else if ((unsigned char)s[i] == 0xD8 && i + 1 < len && (unsigned char)s[i + 1] == 0x9B)
            sep_len = 2;
        if (!sep_len)
            continue;
        tby_span item = span_trim(s + start, i - start);
        if (item.len)
            items[count++] = item;
        start = i + sep_len;
        i += sep_len - 1;
    }
    *items_out = items;
    *count_out = count;
    return TBY_OK;
}

static int set_documents(tby_record *record, tby_arena *arena, const tby_span *items, size_t count,
                         tby_error *err)
{
    tby_document *documents = tby__arena_alloc(arena, count * sizeof(tby_document));
    if (!documents)
        return oom(err, TBY_FIELD_DOCUMENTS);
    for (size_t i = 0; i < count; i++) {
        const char *colon = memchr(items[i].ptr, ':', items[i].len);
        if (!colon)
            return value_error(err, TBY_FIELD_DOCUMENTS, "expected type:number", items[i].ptr,
                               items[i].len);
        tby_span type = span_trim(items[i].ptr, (size_t)(colon - items[i].ptr));
        tby_span number = span_trim(colon + 1, items[i].len - (size_t)(colon - items[i].ptr) - 1);
        if (type.len == 0)
            return value_error(err, TBY_FIELD_DOCUMENTS, "document type is empty", items[i].ptr,
                               items[i].len);
        char *type_copy = tby__arena_strndup(arena, type.ptr, type.len);
        char *number_copy = tby__arena_alloc(arena, number.len + 1);
        if (!type_copy || !number_copy)
            return oom(err, TBY_FIELD_DOCUMENTS);
        for (size_t j = 0; j < type.len; j++)
            type_copy[j] = ascii_lower(type_copy[j]);
        int rc = tby_document_number_normalize(number_copy, NULL, number.ptr, number.len, NULL);
        if (rc == TBY_EUTF8)
            return plain_error(err, TBY_FIELD_DOCUMENTS, TBY_EUTF8, "invalid UTF-8 in the number");
        if (rc)
            return value_error(err, TBY_FIELD_DOCUMENTS, "document number is empty", items[i].ptr,
                               items[i].len);
        documents[i].type = type_copy;
        documents[i].number = number_copy;
    }
    record->documents = documents;
    record->document_count = count;
    return TBY_OK;
}

static int set_strings(tby_arena *arena, tby_record_field field, const tby_span *items,
                       size_t count, bool is_nationality, const char ***out, size_t *count_out,
                       tby_error *err)
{
    const char **strings = tby__arena_alloc(arena, count * sizeof(char *));
    if (!strings)
        return oom(err, field);
    for (size_t i = 0; i < count; i++) {
        char *copy = tby__arena_strndup(arena, items[i].ptr, items[i].len);
        if (!copy)
            return oom(err, field);
        /* A two-letter ASCII value is an ISO 3166 alpha-2 code; anything else is a name. */
        bool is_code = is_nationality && items[i].len == 2;
        for (size_t j = 0; is_code && j < 2; j++) {
            char c = ascii_lower(copy[j]);
            is_code = c >= 'a' && c <= 'z';
        }
        if (is_code) {
            copy[0] = ascii_upper(copy[0]);
            copy[1] = ascii_upper(copy[1]);
        }
        strings[i] = copy;
    }
    *out = strings;
    *count_out = count;
    return TBY_OK;
}

/* Items here are already trimmed and non-empty. */
static int set_list(tby_record *record, tby_arena *arena, tby_record_field field,
                    const tby_span *items, size_t count, tby_error *err)
{
    if (count == 0)
        return TBY_OK;
    switch (field) {
    case TBY_FIELD_ALIASES:
        return set_strings(arena, field, items, count, false, &record->aliases,
                           &record->alias_count, err);
    case TBY_FIELD_WEAK_ALIASES:
        return set_strings(arena, field, items, count, false, &record->weak_aliases,
                           &record->weak_alias_count, err);
    case TBY_FIELD_NATIONALITY:
        return set_strings(arena, field, items, count, true, &record->nationalities,
                           &record->nationality_count, err);
    case TBY_FIELD_DOCUMENTS:
        return set_documents(record, arena, items, count, err);
    case TBY_FIELD_BIRTH_DATE: {
        tby_date *dates = tby__arena_alloc(arena, count * sizeof(tby_date));
        if (!dates)
            return oom(err, field);
        for (size_t i = 0; i < count; i++) {
            int rc = tby_date_parse(&dates[i], items[i].ptr, items[i].len, err);
            if (rc) {
                tby__error_field(err, tby_record__field_name(field));
                return rc;
            }
        }
        record->birth_dates = dates;
        record->birth_date_count = count;
        return TBY_OK;
    }
    default:
        TBY_ASSERT(false);
        return TBY_ERROR;
    }
}

int tby_record__set_value(tby_record *record, tby_arena *arena, tby_record_field field,
                          const char *value, size_t len, tby_error *err)
{
    TBY_ASSERT_ARG(record && arena && (unsigned)field < TBY_FIELD_COUNT);
    /* Strings are handed out NUL-terminated, so an embedded NUL would silently cut them. */
    if (has_nul(value, len))
        return plain_error(err, field, TBY_EINVALID, "value contains a NUL byte");
    tby_span text = span_trim(value, len);
    if (text.len == 0)
        return TBY_OK;
    if (tby__utf8_validate(text.ptr, text.len) != text.len)
        return plain_error(err, field, TBY_EUTF8, "value is not valid UTF-8");

    if (tby_record__field_is_list(field)) {
        tby_span *items = NULL;
        size_t count = 0;
        if (split_list(arena, text.ptr, text.len, &items, &count))
            return oom(err, field);
        return set_list(record, arena, field, items, count, err);
    }
    if (field == TBY_FIELD_SEX)
        return set_sex(record, text.ptr, text.len, err);
    const char **slot = string_slot(record, field);
    TBY_ASSERT(slot != NULL);
    char *copy = tby__arena_strndup(arena, text.ptr, text.len);
    if (!copy)
        return oom(err, field);
    *slot = copy;
    return TBY_OK;
}

int tby_record__set_items(tby_record *record, tby_arena *arena, tby_record_field field,
                          const tby_span *items, size_t count, tby_error *err)
{
    TBY_ASSERT_ARG(record && arena && tby_record__field_is_list(field));
    size_t bytes;
    if (tby__mul_overflow(count ? count : 1, sizeof(tby_span), &bytes))
        return oom(err, field);
    tby_span *trimmed = tby__arena_alloc(arena, bytes);
    if (!trimmed)
        return oom(err, field);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (has_nul(items[i].ptr, items[i].len))
            return plain_error(err, field, TBY_EINVALID, "value contains a NUL byte");
        tby_span item = span_trim(items[i].ptr, items[i].len);
        if (tby__utf8_validate(item.ptr, item.len) != item.len)
            return plain_error(err, field, TBY_EUTF8, "value is not valid UTF-8");
        if (item.len)
            trimmed[kept++] = item;
    }
    return set_list(record, arena, field, trimmed, kept, err);
}

int tby_record__check(const tby_record *record, tby_error *err)
{
    if (!record->id || !record->id[0]) {
        tby__error(err, TBY_EINVALID, -1, "id is missing");
        tby__error_field(err, "id");
        return TBY_EINVALID;
    }
    if (!record->name && !record->given) {
        tby__error(err, TBY_EINVALID, -1, "record %s has neither name nor given", record->id);
        tby__error_field(err, "name");
        return TBY_EINVALID;
    }
    return TBY_OK;
}

/* ===== Copying ===== */

static int copy_string(tby_arena *arena, const char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return TBY_OK;
    *dst = tby__arena_strndup(arena, src, strlen(src));
    return *dst ? TBY_OK : TBY_ENOMEM;
}

static int copy_strings(tby_arena *arena, const char ***dst, const char *const *src, size_t count)
{
    *dst = NULL;
    if (!count)
        return TBY_OK;
    const char **strings = tby__arena_alloc(arena, count * sizeof(char *));
    if (!strings)
        return TBY_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        if (copy_string(arena, &strings[i], src[i]))
            return TBY_ENOMEM;
    }
    *dst = strings;
    return TBY_OK;
}

int tby_record__copy(tby_record *dst, const tby_record *src, tby_arena *arena)
{
    *dst = *src;
    if (copy_string(arena, &dst->id, src->id) || copy_string(arena, &dst->name, src->name) ||
        copy_string(arena, &dst->given, src->given) ||
        copy_string(arena, &dst->father, src->father) ||
        copy_string(arena, &dst->grandfather, src->grandfather) ||
        copy_string(arena, &dst->family, src->family) ||
        copy_string(arena, &dst->mother, src->mother) ||
        copy_string(arena, &dst->birth_place, src->birth_place) ||
        copy_string(arena, &dst->site, src->site) || copy_string(arena, &dst->note, src->note))
        return TBY_ENOMEM;
    if (copy_strings(arena, &dst->aliases, src->aliases, src->alias_count) ||
        copy_strings(arena, &dst->weak_aliases, src->weak_aliases, src->weak_alias_count) ||
        copy_strings(arena, &dst->nationalities, src->nationalities, src->nationality_count))
        return TBY_ENOMEM;
    dst->birth_dates = NULL;
    if (src->birth_date_count) {
        dst->birth_dates = tby__arena_alloc(arena, src->birth_date_count * sizeof(tby_date));
        if (!dst->birth_dates)
            return TBY_ENOMEM;
        memcpy(dst->birth_dates, src->birth_dates, src->birth_date_count * sizeof(tby_date));
    }
    dst->documents = NULL;
    if (src->document_count) {
        dst->documents = tby__arena_alloc(arena, src->document_count * sizeof(tby_document));
        if (!dst->documents)
            return TBY_ENOMEM;
        for (size_t i = 0; i < src->document_count; i++) {
            if (copy_string(arena, &dst->documents[i].type, src->documents[i].type) ||
                copy_string(arena, &dst->documents[i].number, src->documents[i].number))
                return TBY_ENOMEM;
        }
    }
    return TBY_OK;
}

const char *tby_sex_name(tby_sex sex)
{
    switch (sex) {
    case TBY_SEX_MALE:
        return "m";
    case TBY_SEX_FEMALE:
        return "f";
    case TBY_SEX_UNKNOWN:
        break;
    }
    return "";
}
