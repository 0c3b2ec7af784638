// SPDX-License-Identifier: Apache-2.0
// A record made ready for comparison: every name parsed once (architecture: one record, one
// parse), nationalities reduced to ISO codes where the country is known.
#include <string.h>

#include "records/evidence.h"
#include "util/util_int.h"

/*
 * Country names as lists and registers write them (English short names of ISO 3166 and the
 * UN forms such as "Syrian Arab Republic", plus Arabic names of the region), mapped to the
 * alpha-2 code. Other names are compared as written.
 */
static const struct {
    const char *name;
    const char *code;
} country_names[] = {
    {"afghanistan", "AF"},
    {"albania", "AL"},
    {"algeria", "DZ"},
    {"armenia", "AM"},
    {"australia", "AU"},
    {"austria", "AT"},
    {"azerbaijan", "AZ"},
    {"bahrain", "BH"},
    {"bangladesh", "BD"},
    {"belarus", "BY"},
    {"belgium", "BE"},
    {"bosnia and herzegovina", "BA"},
    {"brunei darussalam", "BN"},
    {"burkina faso", "BF"},
    {"burundi", "BI"},
    {"cameroon", "CM"},
    {"canada", "CA"},
    {"central african republic", "CF"},
    {"chad", "TD"},
    {"china", "CN"},
    {"colombia", "CO"},
    {"comoros", "KM"},
    {"congo", "CG"},
    {"democratic republic of the congo", "CD"},
    {"cote d'ivoire", "CI"},
    {"cuba", "CU"},
    {"cyprus", "CY"},
    {"denmark", "DK"},
    {"djibouti", "DJ"},
    {"egypt", "EG"},
    {"eritrea", "ER"},
    {"ethiopia", "ET"},
    {"finland", "FI"},
    {"france", "FR"},
    {"georgia", "GE"},
    {"germany", "DE"},
    {"greece", "GR"},
    {"guinea", "GN"},
    {"india", "IN"},
    {"indonesia", "ID"},
    {"iran", "IR"},
    {"iran (islamic republic of)", "IR"},
    {"iraq", "IQ"},
    {"ireland", "IE"},
    {"israel", "IL"},
    {"italy", "IT"},
    {"japan", "JP"},
    {"jordan", "JO"},
    {"kazakhstan", "KZ"},
    {"kenya", "KE"},
    {"kosovo", "XK"},
    {"kuwait", "KW"},
    {"kyrgyzstan", "KG"},
    {"lebanon", "LB"},
    {"liberia", "LR"},
    {"libya", "LY"},
    {"libyan arab jamahiriya", "LY"},
    {"malaysia", "MY"},
    {"maldives", "MV"},
    {"mali", "ML"},
    {"malta", "MT"},
    {"mauritania", "MR"},
    {"moldova", "MD"},
    {"morocco", "MA"},
    {"mozambique", "MZ"},
    {"myanmar", "MM"},
    {"netherlands", "NL"},
    {"niger", "NE"},
    {"nigeria", "NG"},
    {"democratic people's republic of korea", "KP"},
    {"north korea", "KP"},
    {"norway", "NO"},
    {"oman", "OM"},
    {"pakistan", "PK"},
    {"palestine", "PS"},
    {"state of palestine", "PS"},
    {"philippines", "PH"},
    {"poland", "PL"},
    {"portugal", "PT"},
    {"qatar", "QA"},
    {"russia", "RU"},
    {"russian federation", "RU"},
    {"rwanda", "RW"},
    {"saudi arabia", "SA"},
    {"senegal", "SN"},
    {"serbia", "RS"},
    {"sierra leone", "SL"},
    {"singapore", "SG"},
    {"somalia", "SO"},
    {"south africa", "ZA"},
    {"south sudan", "SS"},
    {"spain", "ES"},
    {"sri lanka", "LK"},
    {"sudan", "SD"},
    {"sweden", "SE"},
    {"switzerland", "CH"},
    {"syria", "SY"},
    {"syrian arab republic", "SY"},
    {"tajikistan", "TJ"},
    {"tanzania", "TZ"},
    {"united republic of tanzania", "TZ"},
    {"thailand", "TH"},
    {"trinidad and tobago", "TT"},
    {"tunisia", "TN"},
    {"turkey", "TR"},
    {"türkiye", "TR"},
    {"turkmenistan", "TM"},
    {"uganda", "UG"},
    {"ukraine", "UA"},
    {"united arab emirates", "AE"},
    {"united kingdom", "GB"},
    {"united kingdom of great britain and northern ireland", "GB"},
    {"united states", "US"},
    {"united states of america", "US"},
    {"uzbekistan", "UZ"},
    {"venezuela", "VE"},
    {"yemen", "YE"},
    {"zimbabwe", "ZW"},
    {"iraqi", "IQ"},
    {"syrian", "SY"},
    {"العراق", "IQ"},
    {"عراق", "IQ"},
    {"سوريا", "SY"},
    {"سورية", "SY"},
    {"الأردن", "JO"},
    {"السعودية", "SA"},
    {"تركيا", "TR"},
    {"مصر", "EG"},
    {"لبنان", "LB"},
    {"إيران", "IR"},
    {"اليمن", "YE"},
    {"ليبيا", "LY"},
    {"تونس", "TN"},
    {"الجزائر", "DZ"},
    {"المغرب", "MA"},
    {"الكويت", "KW"},
    {"السودان", "SD"},
    {"فلسطين", "PS"},
    {"قطر", "QA"},
    {"الإمارات", "AE"},
    {"عمان", "OM"},
    {"أفغانستان", "AF"},
    {"باكستان", "PK"},
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
    if (len == 2 && value[0] >= 'A' && value[0] <= 'Z' && value[1] >= 'A' && value[1] <= 'Z') {
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
    /* Unknown country name: a short stable fingerprint in lower case (never a code), so
     * equal names still agree and tby__nationality_is_code tells it from a code. */
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

bool tby__nationality_is_code(const char *nationality)
{
    return nationality[0] >= 'A' && nationality[0] <= 'Z' && nationality[2] == '\0';
}

int tby__person_init(tby__person *person, const tby_record *record, tby_error *err)
{
    int rc = tby__person_init_names(person, record, err);
    if (!rc)
        tby__person_complete(person);
    return rc;
}

int tby__person_init_names(tby__person *person, const tby_record *record, tby_error *err)
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
    return 0;
}

void tby__person_complete(tby__person *person)
{
    const tby_record *record = person->record;
    tby_error scratch;
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
