// SPDX-License-Identifier: Apache-2.0
// A record made ready for comparison: every name parsed once (architecture: one record, one
// parse), nationalities reduced to ISO codes where the country is known.
#include <string.h>

#include "records/evidence.h"
#include "util/util_int.h"

/*
 * Country names as lists and registers write them, mapped to ISO 3166 alpha-2. The list
 * covers the region the project serves; other names are compared as written (upper-cased).
 */
static const struct {
    const char *name;
    const char *code;
} country_names[] = {
    {"iraq", "IQ"},
    {"iraqi", "IQ"},
    {"العراق", "IQ"},
    {"عراق", "IQ"},
    {"syria", "SY"},
    {"syrian arab republic", "SY"},
    {"syrian", "SY"},
    {"سوريا", "SY"},
    {"سورية", "SY"},
    {"jordan", "JO"},
    {"الأردن", "JO"},
    {"saudi arabia", "SA"},
    {"السعودية", "SA"},
    {"turkey", "TR"},
    {"türkiye", "TR"},
    {"تركيا", "TR"},
    {"egypt", "EG"},
    {"مصر", "EG"},
    {"lebanon", "LB"},
    {"لبنان", "LB"},
    {"iran", "IR"},
    {"iran (islamic republic of)", "IR"},
    {"إيران", "IR"},
    {"afghanistan", "AF"},
    {"yemen", "YE"},
    {"اليمن", "YE"},
    {"libya", "LY"},
    {"ليبيا", "LY"},
    {"tunisia", "TN"},
    {"تونس", "TN"},
    {"algeria", "DZ"},
    {"الجزائر", "DZ"},
    {"morocco", "MA"},
    {"المغرب", "MA"},
    {"kuwait", "KW"},
    {"الكويت", "KW"},
    {"pakistan", "PK"},
    {"somalia", "SO"},
    {"sudan", "SD"},
    {"السودان", "SD"},
    {"palestine", "PS"},
    {"فلسطين", "PS"},
    {"state of palestine", "PS"},
    {"qatar", "QA"},
    {"قطر", "QA"},
    {"bahrain", "BH"},
    {"united arab emirates", "AE"},
    {"الإمارات", "AE"},
    {"oman", "OM"},
    {"عمان", "OM"},
    {"russia", "RU"},
    {"russian federation", "RU"},
    {"france", "FR"},
    {"germany", "DE"},
    {"united kingdom", "GB"},
    {"united states", "US"},
    {"belgium", "BE"},
    {"indonesia", "ID"},
};

/* Lower-cases ASCII letters of s into out (cap bytes, NUL-terminated). */
static void ascii_lower(char *out, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
    out[i] = '\0';
}

static void nationality_code(char out[4], const char *value)
{
    size_t len = strlen(value);
    if (len == 2) {
        out[0] = value[0];
        out[1] = value[1];
        out[2] = '\0';
        return;
    }
    char lower[64];
    ascii_lower(lower, sizeof(lower), value);
    for (size_t i = 0; i < sizeof(country_names) / sizeof(country_names[0]); i++) {
        if (!strcmp(lower, country_names[i].name)) {
            memcpy(out, country_names[i].code, 3);
            return;
        }
    }
    /* Unknown country name: a short stable fingerprint so equal names still agree. */
    uint32_t h = (uint32_t)tby__hash64(lower, strlen(lower));
    out[0] = (char)('a' + h % 26);
    out[1] = (char)('a' + (h / 26) % 26);
    out[2] = (char)('a' + (h / 676) % 26);
    out[3] = '\0';
}

static int person_parse(tby_name **out, const char *text, tby_error *err)
{
    if (!text || !*text)
        return TBY_EEMPTY;
    return tby_name_parse(out, text, strlen(text), err);
}

int tby__person_init(tby__person *person, const tby_record *record, tby_error *err)
{
    memset(person, 0, sizeof(*person));
    person->record = record;
    tby_error first;
    tby_error_clear(&first);
    int first_rc = 0;
    tby_error scratch;

    /* Names: the full name, the parts joined, then the aliases. */
    const char *candidates[TBY__PERSON_MAX_NAMES];
    size_t candidate_count = 0;
    if (record->name)
        candidates[candidate_count++] = record->name;
    if (record->given) {
        tby_buf joined = TBY_BUF_INIT(4 * TBY_NAME_MAX_BYTES);
        const char *parts[] = {record->given, record->father, record->grandfather, record->family};
        for (size_t i = 0; i < 4; i++) {
            if (!parts[i])
                continue;
            if (joined.len && tby__buf_putc(&joined, ' '))
                break;
            if (tby__buf_puts(&joined, parts[i]))
                break;
        }
        if (joined.ptr) {
            person->joined_parts = tby__buf_detach(&joined);
            if (person->joined_parts &&
                (!record->name || strcmp(record->name, person->joined_parts)))
                candidates[candidate_count++] = person->joined_parts;
        }
        tby__buf_dispose(&joined);
    }
    for (size_t i = 0; i < record->alias_count && candidate_count < TBY__PERSON_MAX_NAMES; i++)
        candidates[candidate_count++] = record->aliases[i];
    for (size_t i = 0; i < candidate_count; i++) {
        tby_name *name = NULL;
        int rc = person_parse(&name, candidates[i], &scratch);
        if (rc == 0) {
            person->name_text[person->name_count] = candidates[i];
            person->names[person->name_count++] = name;
        } else if (rc == TBY_ENOMEM) {
            tby__person_dispose(person);
            return tby__error(err, TBY_ENOMEM, -1, "out of memory");
        } else if (!first_rc) {
            first_rc = rc;
            first = scratch;
        }
    }
    if (person->name_count == 0) {
        tby__person_dispose(person);
        if (!first_rc)
            return tby__error(err, TBY_EEMPTY, -1, "record '%s' has no name", record->id);
        if (err) {
            *err = first;
            err->code = TBY_EEMPTY;
        }
        return TBY_EEMPTY;
    }
    for (size_t i = 0; i < record->weak_alias_count && person->weak_count < TBY__PERSON_MAX_WEAK;
         i++) {
        tby_name *name = NULL;
        if (person_parse(&name, record->weak_aliases[i], &scratch) == 0)
            person->weak[person->weak_count++] = name;
    }
    if (person_parse(&person->mother, record->mother, &scratch) != 0)
        person->mother = NULL;
    if (person_parse(&person->place, record->birth_place, &scratch) != 0)
        person->place = NULL;
    for (size_t i = 0;
         i < record->nationality_count && person->nationality_count < TBY__PERSON_MAX_NATIONALITIES;
         i++)
        nationality_code(person->nationality[person->nationality_count++],
                         record->nationalities[i]);
    return 0;
}

void tby__person_dispose(tby__person *person)
{
    for (size_t i = 0; i < person->name_count; i++)
        tby_name_free(person->names[i]);
    for (size_t i = 0; i < person->weak_count; i++)
        tby_name_free(person->weak[i]);
    tby_name_free(person->mother);
    tby_name_free(person->place);
    tby__free(person->joined_parts);
    memset(person, 0, sizeof(*person));
}
