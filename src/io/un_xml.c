// SPDX-License-Identifier: Apache-2.0
// Reads the UN Security Council consolidated list XML and hands out one tby_record per
// INDIVIDUAL. libxml2's streaming xmlTextReader walks the document; each INDIVIDUAL is
// expanded into a small tree of its own, mapped, and freed before the next one, so memory
// stays that of one entry however long the list grows:
//
//   CONSOLIDATED_LIST                      root; anything else is "not the consolidated list"
//     INDIVIDUALS / INDIVIDUAL   -> expand -> un_individual -> on_record (or on_reject)
//     ENTITIES / ENTITY          -> counted in stats.skipped, never built
//
// The mapping (docs/record-format.md):
//   REFERENCE_NUMBER (else DATAID)              id
//   FIRST_NAME .. FOURTH_NAME joined by spaces  name (NAME_ORIGINAL_SCRIPT when they are empty)
//   NAME_ORIGINAL_SCRIPT                        first alias
//   INDIVIDUAL_ALIAS  Good, a.k.a., f.k.a., ""  aliases     Low, Very Low   weak_aliases
//   INDIVIDUAL_DATE_OF_BIRTH                    birth_dates: DATE 1963-04-11, YEAR 1971,
//                                               APPROXIMATELY ~1957, BETWEEN 1975..1979
//   INDIVIDUAL_PLACE_OF_BIRTH                   birth_place: CITY, STATE_PROVINCE, COUNTRY
//   NATIONALITY / VALUE                         nationalities, as written
//   INDIVIDUAL_DOCUMENT                         documents: type + normalised number
//   GENDER                                      sex
//   LISTED_ON, TITLE, DESIGNATION, COMMENTS1    note, with further birth places and the text
//                                               of values left out
//
// Values are trimmed and every run of blanks (the list wraps long values over several lines)
// becomes one space. The list's own quirks that are read rather than dropped: an alias written
// in two scripts ("حسن غول (Hassan Ghul; Hassan Gul)", "Agha Jan Alizai اغا جان عالیزی") becomes
// one alias per name, an Arabic name given in an alias's NOTE ("In Arabic: سيف العدل") becomes
// an alias of the same quality, a birth date given only as a NOTE "August 1961" is read as
// 1961-08, and a document NUMBER written as prose ("Libyan passport No. 513519 ") keeps only
// the number. Duplicate names, dates, nationalities and documents within one entry are kept
// once.
//
// Safety: libxml2 runs without network access (XML_PARSE_NONET), without substituting
// entities (no XML_PARSE_NOENT, no DTD loading) and with its size limits on (no
// XML_PARSE_HUGE), so external entities are never fetched and an entity bomb is refused
// by the parser. A value holding an entity reference is rejected, never expanded.
#include <libxml/parser.h>
#include <libxml/xmlversion.h>
#include <libxml/xmlreader.h>
#include <stdarg.h>
#include <string.h>
#include <threads.h>

#include "io/io_int.h"
#include "records/records_int.h"
#include "tabayyun/tby_lists.h"

/* One entry's arena block: most entries fit in one. */
#define UN_ENTRY_BLOCK_BYTES (16u * 1024u)
/* The note is for a person reading it: long comments are cut here, at a character boundary. */
#define UN_NOTE_MAX_BYTES 1024u
/* libxml2 options: see the file comment. BIG_LINES keeps line numbers past 65535 exact. */
#define UN_XML_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES)

typedef struct un_reader {
    bool is_strict;           /* see tby_reader_options.strict */
    bool is_drop_bad_values;  /* see tby_reader_options.drop_bad_values */
    const char *source_name;  /* for callbacks and messages; never NULL */
    size_t max_field_bytes;   /* cap on one value */
    tby_reject_cb on_reject;  /* may be NULL */
    void *reject_payload;     /* ... */
    tby_reject_cb on_dropped; /* may be NULL */
    void *dropped_payload;    /* ... */
    tby_record_cb on_record;  /* may be NULL (validation only) */
    void *payload;            /* ... */
    tby_error *err;           /* the caller's, for fatal errors; may be NULL */
    tby_list_stats stats;     /* counters so far */
    tby_arena arena;          /* the current entry; reset per entry */
    tby_io__id_set ids;       /* ids seen, to reject duplicates */
    tby_error first_reject;   /* code 0 until an entry is rejected */
    tby_error xml_error;      /* code 0 until libxml2 reports an error */
    tby_io__source *src;      /* the bytes libxml2 pulls */
} un_reader;

/* Which of the record's name lists a name goes to. */
typedef enum un_quality { UN_STRONG, UN_WEAK } un_quality;

/* One INDIVIDUAL being built; everything lives in the reader's arena. */
typedef struct un_person {
    tby_record record;      /* what on_record gets */
    const xmlNode *node;    /* the INDIVIDUAL element */
    int64_t line;           /* its line */
    bool is_rejected;       /* a rejection was reported; stop building */
    size_t alias_cap;       /* slots allocated in record.aliases */
    size_t weak_alias_cap;  /* ... record.weak_aliases */
    size_t date_cap;        /* ... record.birth_dates */
    size_t nationality_cap; /* ... record.nationalities */
    size_t document_cap;    /* ... record.documents */
    size_t original_script; /* 1 when NAME_ORIGINAL_SCRIPT was read */
    size_t dates_dropped;   /* birth dates left out under drop_bad_values */
    tby_buf note;           /* the note being assembled */
    const char *comments;   /* COMMENTS1, appended to the note last */
} un_person;

/* ===== Errors ===== */

/*
 * The line an element starts on. libxml2 keeps 16 bits of it in the node; past 65535 lines,
 * with XML_PARSE_BIG_LINES, only text nodes carry the full line (in psvi), taken where the
 * text ends. The blanks before an element end where the element starts, so their line is
 * the element's; xmlGetLineNo (which looks at the element's first child instead) is the
 * fallback.
 */
static int64_t node_line(const xmlNode *node)
{
    if (!node)
        return -1;
    if (node->line > 0 && node->line < 65535)
        return node->line;
    const xmlNode *before = node->prev;
    if (before && before->type == XML_TEXT_NODE && before->line == 65535 && before->psvi)
        return (int64_t)(intptr_t)before->psvi;
    long line = xmlGetLineNo(node);
    return line > 0 ? (int64_t)line : -1;
}

static int un_fatal(un_reader *r, int code, int64_t line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int un_fatal(un_reader *r, int code, int64_t line, const char *field, const char *fmt, ...)
{
    if (!r->err)
        return code;
    tby_error_clear(r->err);
    r->err->code = code;
    r->err->line = line;
    snprintf(r->err->field, sizeof(r->err->field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err->message, sizeof(r->err->message), fmt, ap);
    va_end(ap);
    return code;
}

/* Fills `error` for a problem in person p at `node`; the message starts with the entry's id. */
static void person_error(tby_error *error, const un_person *p, int code, const char *field,
                         const xmlNode *node, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

static void person_error(tby_error *error, const un_person *p, int code, const char *field,
                         const xmlNode *node, const char *fmt, va_list ap)
{
    tby_error_clear(error);
    error->code = code;
    error->line = node ? node_line(node) : p->line;
    if (error->line < 0)
        error->line = p->line;
    snprintf(error->field, sizeof(error->field), "%s", field ? field : "");
    int used;
    if (p->record.id)
        used = snprintf(error->message, sizeof(error->message), "INDIVIDUAL %.60s: ", p->record.id);
    else
        used = snprintf(error->message, sizeof(error->message),
                        "INDIVIDUAL on line %lld: ", (long long)p->line);
    if (used > 0 && (size_t)used < sizeof(error->message))
        vsnprintf(error->message + used, sizeof(error->message) - (size_t)used, fmt, ap);
}

/* Rejects the entry. Returns 0 or the callback's value; p->is_rejected is set either way. */
static int person_reject(un_reader *r, un_person *p, int code, const char *field,
                         const xmlNode *node, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int person_reject(un_reader *r, un_person *p, int code, const char *field,
                         const xmlNode *node, const char *fmt, ...)
{
    tby_error error;
    va_list ap;
    va_start(ap, fmt);
    person_error(&error, p, code, field, node, fmt, ap);
    va_end(ap);
    p->is_rejected = true;
    r->stats.rejected++;
    if (!r->first_reject.code)
        r->first_reject = error;
    return r->on_reject ? r->on_reject(r->source_name, &error, r->reject_payload) : TBY_OK;
}

/*
 * A value that cannot be read: left out and reported through on_dropped under
 * drop_bad_values (*is_dropped set), otherwise the entry is rejected.
 */
static int person_bad_value(un_reader *r, un_person *p, const char *field, const xmlNode *node,
                            bool *is_dropped, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int person_bad_value(un_reader *r, un_person *p, const char *field, const xmlNode *node,
                            bool *is_dropped, const char *fmt, ...)
{
    tby_error error;
    va_list ap;
    va_start(ap, fmt);
    person_error(&error, p, TBY_EINVALID, field, node, fmt, ap);
    va_end(ap);
    *is_dropped = r->is_drop_bad_values;
    if (r->is_drop_bad_values)
        return r->on_dropped ? r->on_dropped(r->source_name, &error, r->dropped_payload) : TBY_OK;
    p->is_rejected = true;
    r->stats.rejected++;
    if (!r->first_reject.code)
        r->first_reject = error;
    return r->on_reject ? r->on_reject(r->source_name, &error, r->reject_payload) : TBY_OK;
}

static int person_oom(un_reader *r, const un_person *p, const char *field)
{
    return un_fatal(r, TBY_ENOMEM, p->line, field, "out of memory");
}

/* ===== Tree helpers ===== */

static bool is_element(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

/* The first child element called `name`, or NULL. */
static const xmlNode *child_element(const xmlNode *parent, const char *name)
{
    for (const xmlNode *child = parent->children; child; child = child->next) {
        if (is_element(child, name))
            return child;
    }
    return NULL;
}

static size_t count_elements(const xmlNode *node)
{
    size_t count = node->type == XML_ELEMENT_NODE ? 1 : 0;
    if (node->type == XML_ELEMENT_NODE) {
        for (const xmlNode *child = node->children; child; child = child->next)
            count += count_elements(child);
    }
    return count;
}

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool equal_nocase(const char *s, const char *lower)
{
    for (; *s && *lower; s++, lower++) {
        if (ascii_lower(*s) != *lower)
            return false;
    }
    return *s == *lower;
}

/* Copies s[0..len) into the arena with blanks collapsed and trimmed; "" when nothing is left. */
static char *collapse_copy(tby_arena *arena, const char *s, size_t len)
{
    char *out = tby__arena_alloc(arena, len + 1);
    if (!out)
        return NULL;
    size_t used = 0;
    bool is_gap = false;
    for (size_t i = 0; i < len; i++) {
        if (is_blank((unsigned char)s[i])) {
            is_gap = used > 0;
            continue;
        }
        if (is_gap)
            out[used++] = ' ';
        is_gap = false;
        out[used++] = s[i];
    }
    out[used] = '\0';
    return out;
}

/*
 * The text of element `node` (its text and CDATA children; child elements are not part of a
 * value) with blanks collapsed, in the arena. *out is NULL when node is NULL or the text is
 * empty. An entity reference or a value over the cap (when `is_capped`) rejects the entry.
 * Returns 0 (check p->is_rejected), a callback's value or TBY_ENOMEM.
 */
static int element_text(un_reader *r, un_person *p, const xmlNode *node, const char *field,
                        bool is_capped, const char **out)
{
    *out = NULL;
    if (!node)
        return TBY_OK;
    size_t total = 0;
    const xmlNode *only = NULL;
    size_t pieces = 0;
    for (const xmlNode *child = node->children; child; child = child->next) {
        if (child->type == XML_ENTITY_REF_NODE)
            return person_reject(r, p, TBY_EINVALID, field, node,
                                 "entity reference &%.40s; in %s is not expanded",
                                 (const char *)child->name, field);
        if ((child->type != XML_TEXT_NODE && child->type != XML_CDATA_SECTION_NODE) ||
            !child->content)
            continue;
        size_t len = strlen((const char *)child->content);
        if (tby__add_overflow(total, len, &total))
            return person_oom(r, p, field);
        only = child;
        pieces++;
    }
    if (total == 0)
        return TBY_OK;
    char *text;
    if (pieces == 1) {
        text = collapse_copy(&r->arena, (const char *)only->content, total);
    } else {
        char *joined = tby__arena_alloc(&r->arena, total + 1);
        if (!joined)
            return person_oom(r, p, field);
        size_t used = 0;
        for (const xmlNode *child = node->children; child; child = child->next) {
            if ((child->type != XML_TEXT_NODE && child->type != XML_CDATA_SECTION_NODE) ||
                !child->content)
                continue;
            size_t len = strlen((const char *)child->content);
            memcpy(joined + used, child->content, len);
            used += len;
        }
        text = collapse_copy(&r->arena, joined, used);
    }
    if (!text)
        return person_oom(r, p, field);
    size_t len = strlen(text);
    if (is_capped && len > r->max_field_bytes)
        return person_reject(r, p, TBY_ETOOLARGE, field, node, "%s longer than %zu bytes", field,
                             r->max_field_bytes);
    *out = len ? text : NULL;
    return TBY_OK;
}

/* Text of the first child element `name` of `parent` (see element_text). */
static int child_text(un_reader *r, un_person *p, const xmlNode *parent, const char *name,
                      const char *field, const char **out)
{
    return element_text(r, p, child_element(parent, name), field, true, out);
}

/* Makes room for one more item in an arena array; 0 or TBY_ENOMEM. */
static int array_reserve(tby_arena *arena, void **items, size_t count, size_t *cap, size_t size)
{
    if (count < *cap)
        return TBY_OK;
    size_t new_cap = *cap ? *cap * 2 : 4, bytes;
    if (tby__mul_overflow(new_cap, size, &bytes))
        return TBY_ENOMEM;
    void *grown = tby__arena_alloc(arena, bytes);
    if (!grown)
        return TBY_ENOMEM;
    if (count)
        memcpy(grown, *items, count * size);
    *items = grown;
    *cap = new_cap;
    return TBY_OK;
}

/* ===== Scripts ===== */

typedef enum un_script {
    UN_SCRIPT_NONE = 0, /* no letters */
    UN_SCRIPT_LATIN,
    UN_SCRIPT_ARABIC,
    UN_SCRIPT_OTHER, /* letters of another script (Cyrillic ...) */
    UN_SCRIPT_MIXED  /* letters of more than one script */
} un_script;

static bool is_arabic_cp(int32_t cp)
{
    return (cp >= 0x0600 && cp <= 0x06FF) || (cp >= 0x0750 && cp <= 0x077F) ||
           (cp >= 0x08A0 && cp <= 0x08FF) || (cp >= 0xFB50 && cp <= 0xFDFF) ||
           (cp >= 0xFE70 && cp <= 0xFEFF);
}

/* The script of a code point that is a letter, or UN_SCRIPT_NONE for the rest. */
static un_script cp_script(int32_t cp)
{
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= 0xC0 && cp <= 0x24F) ||
        (cp >= 0x1E00 && cp <= 0x1EFF))
        return cp == 0xD7 || cp == 0xF7 ? UN_SCRIPT_NONE : UN_SCRIPT_LATIN;
    if (is_arabic_cp(cp)) {
        /* Arabic punctuation and digits are not letters. */
        if ((cp >= 0x060C && cp <= 0x061F) || (cp >= 0x0660 && cp <= 0x066D) || cp == 0x06D4 ||
            (cp >= 0x06F0 && cp <= 0x06F9))
            return UN_SCRIPT_NONE;
        return UN_SCRIPT_ARABIC;
    }
    if ((cp >= 0x0370 && cp <= 0x052F) || (cp >= 0x0590 && cp <= 0x05FF) || cp >= 0x0900)
        return (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
                       (cp >= 0xFE00 && cp <= 0xFE0F)
                   ? UN_SCRIPT_NONE
                   : UN_SCRIPT_OTHER;
    return UN_SCRIPT_NONE;
}

/* The script of s[0..len): NONE, one script, or MIXED. */
static un_script text_script(const char *s, size_t len)
{
    un_script seen = UN_SCRIPT_NONE;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t step = tby__utf8_decode(s + i, len - i, &cp);
        if (step == 0)
            return UN_SCRIPT_MIXED;
        un_script script = cp_script(cp);
        if (script != UN_SCRIPT_NONE) {
            if (seen != UN_SCRIPT_NONE && seen != script)
                return UN_SCRIPT_MIXED;
            seen = script;
        }
        i += step;
    }
    return seen;
}

/* ===== Names ===== */

static bool in_list(const char *const *items, size_t count, const char *s)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(items[i], s) == 0)
            return true;
    }
    return false;
}

/*
 * Adds the name s[0..len) (blanks collapsed here) to the aliases or weak aliases, unless the
 * entry already has it under any of its names; a strong alias also takes a weak one's place.
 */
static int person_add_name(un_reader *r, un_person *p, un_quality quality, const char *s,
                           size_t len)
{
    tby_record *record = &p->record;
    char *name = collapse_copy(&r->arena, s, len);
    if (!name)
        return person_oom(r, p, "INDIVIDUAL_ALIAS");
    if (!name[0] || (record->name && strcmp(record->name, name) == 0) ||
        in_list(record->aliases, record->alias_count, name))
        return TBY_OK;
    for (size_t i = 0; i < record->weak_alias_count; i++) {
        if (strcmp(record->weak_aliases[i], name) != 0)
            continue;
        if (quality == UN_WEAK)
            return TBY_OK;
        memmove(&record->weak_aliases[i], &record->weak_aliases[i + 1],
                (record->weak_alias_count - i - 1) * sizeof(char *));
        record->weak_alias_count--;
        break;
    }
    const char ***items = quality == UN_STRONG ? &record->aliases : &record->weak_aliases;
    size_t *count = quality == UN_STRONG ? &record->alias_count : &record->weak_alias_count;
    size_t *cap = quality == UN_STRONG ? &p->alias_cap : &p->weak_alias_cap;
    if (array_reserve(&r->arena, (void **)items, *count, cap, sizeof(char *)))
        return person_oom(r, p, "INDIVIDUAL_ALIAS");
    (*items)[(*count)++] = name;
    return TBY_OK;
}

/* Length of s without trailing blanks. */
static size_t trim_end(const char *s, size_t len)
{
    while (len > 0 && is_blank((unsigned char)s[len - 1]))
        len--;
    return len;
}

/*
 * Adds one ALIAS_NAME. The list sometimes writes one person's names in two scripts in one
 * value: "أبو شيماء (Abu-Shaima; Abu- Shayma)" or "Agha Jan Alizai اغا جان عالیزی". Such a value
 * becomes one name per script (and per ';' inside the brackets, after a label such as
 * "original script:"); anything else, including a same-script spelling note such as
 * "Lom-ali Butayev (Butaev)", stays one name. A two-script value is split at words only when
 * it holds no brackets, colons or semicolons and changes script once.
 */
static int person_add_alias(un_reader *r, un_person *p, un_quality quality, const char *text)
{
    size_t len = strlen(text);
    const char *open = strchr(text, '(');
    if (open && len > 0 && text[len - 1] == ')' && !strchr(open + 1, '(')) {
        size_t head_len = trim_end(text, (size_t)(open - text));
        const char *inner = open + 1;
        size_t inner_len = (size_t)(text + len - 1 - inner);
        /* "Abubakar (original script: Абубакар)": the label is not a name. */
        for (size_t i = inner_len; i > 0; i--) {
            if (inner[i - 1] == ':') {
                inner_len -= i;
                inner += i;
                break;
            }
        }
        un_script head = text_script(text, head_len), rest = text_script(inner, inner_len);
        if (head != UN_SCRIPT_NONE && head != UN_SCRIPT_MIXED && rest != UN_SCRIPT_NONE &&
            rest != UN_SCRIPT_MIXED && head != rest) {
            int rc = person_add_name(r, p, quality, text, head_len);
            for (size_t start = 0, i = 0; rc == 0 && i <= inner_len; i++) {
                if (i < inner_len && inner[i] != ';')
                    continue;
                rc = person_add_name(r, p, quality, inner + start, i - start);
                start = i + 1;
            }
            return rc;
        }
    }
    if (text_script(text, len) == UN_SCRIPT_MIXED && !strpbrk(text, "():;")) {
        /* Split at the one blank where the script changes, if the words change only once. */
        un_script first = UN_SCRIPT_NONE, second = UN_SCRIPT_NONE;
        size_t split = 0;
        bool is_splittable = true;
        for (size_t start = 0; start < len && is_splittable;) {
            size_t end = start;
            while (end < len && text[end] != ' ')
                end++;
            un_script word = text_script(text + start, end - start);
            if (word == UN_SCRIPT_MIXED) {
                is_splittable = false;
            } else if (word == UN_SCRIPT_NONE || word == second) {
                /* a word without letters, or the second script going on */
            } else if (first == UN_SCRIPT_NONE) {
                first = word;
            } else if (word != first && second == UN_SCRIPT_NONE) {
                second = word;
                split = start;
            } else if (word != first || second != UN_SCRIPT_NONE) {
                is_splittable = false; /* back to the first script, or a third one */
            }
            start = end + 1;
        }
        if (is_splittable && split) {
            int rc = person_add_name(r, p, quality, text, split);
            return rc ? rc : person_add_name(r, p, quality, text + split, len - split);
        }
    }
    return person_add_name(r, p, quality, text, len);
}

/*
 * The Arabic-script name an alias's NOTE gives after "Arabic:" or "Arabic script:" ("In
 * Arabic: سيف العدل"), as a span of `note`; len 0 when there is none.
 */
static tby_span note_arabic_name(const char *note)
{
    tby_span none = {note, 0};
    for (const char *at = note; (at = strchr(at, ':')) != NULL; at++) {
        static const char *const labels[] = {"arabic", "arabic script"};
        bool is_label = false;
        for (size_t k = 0; k < 2 && !is_label; k++) {
            size_t label_len = strlen(labels[k]);
            if ((size_t)(at - note) < label_len)
                continue;
            const char *s = at - label_len;
            is_label = true;
            for (size_t i = 0; i < label_len && is_label; i++)
                is_label = ascii_lower(s[i]) == labels[k][i];
        }
        if (!is_label)
            continue;
        const char *start = at + 1, *end = start, *last_letter = NULL;
        while (*end) {
            int32_t cp;
            size_t step = tby__utf8_decode(end, strlen(end), &cp);
            if (step == 0 || !(cp == ' ' || cp == 0x200C || is_arabic_cp(cp)))
                break;
            if (cp_script(cp) == UN_SCRIPT_ARABIC)
                last_letter = end + step;
            end += step;
        }
        if (last_letter) {
            while (*start == ' ')
                start++;
            tby_span name = {start, (size_t)(last_letter - start)};
            return name;
        }
    }
    return none;
}

static un_quality alias_quality(const char *quality)
{
    if (quality && (equal_nocase(quality, "low") || equal_nocase(quality, "very low")))
        return UN_WEAK;
    return UN_STRONG; /* "Good", "a.k.a.", "f.k.a." and unstated */
}

static int person_alias(un_reader *r, un_person *p, const xmlNode *node)
{
    const char *quality, *name, *note;
    int rc = child_text(r, p, node, "QUALITY", "INDIVIDUAL_ALIAS/QUALITY", &quality);
    if (!rc && !p->is_rejected)
        rc = child_text(r, p, node, "ALIAS_NAME", "INDIVIDUAL_ALIAS/ALIAS_NAME", &name);
    if (!rc && !p->is_rejected)
        rc = child_text(r, p, node, "NOTE", "INDIVIDUAL_ALIAS/NOTE", &note);
    if (rc || p->is_rejected)
        return rc;
    un_quality kind = alias_quality(quality);
    if (name && (rc = person_add_alias(r, p, kind, name)))
        return rc;
    if (note) {
        tby_span arabic = note_arabic_name(note);
        if (arabic.len && (rc = person_add_name(r, p, kind, arabic.ptr, arabic.len)))
            return rc;
    }
    return TBY_OK;
}

/* ===== Note ===== */

/* Appends text to the note; note_finish cuts it, so nothing past the cut is kept. */
static int note_put(un_reader *r, un_person *p, const char *text)
{
    size_t len = strlen(text);
    size_t room = p->note.len <= UN_NOTE_MAX_BYTES ? UN_NOTE_MAX_BYTES + 1 - p->note.len : 0;
    if (len > room)
        len = room;
    return len && tby__buf_put(&p->note, text, len) ? person_oom(r, p, "note") : TBY_OK;
}

/* Appends "label: text" (or text alone) to the note, after "; " when it is not empty. */
static int note_add(un_reader *r, un_person *p, const char *label, const char *text)
{
    if (!text)
        return TBY_OK;
    int rc = p->note.len ? note_put(r, p, "; ") : TBY_OK;
    if (!rc && label)
        rc = note_put(r, p, label);
    if (!rc && label)
        rc = note_put(r, p, ": ");
    return rc ? rc : note_put(r, p, text);
}

/* Appends the values of a list element (DESIGNATION, TITLE) joined by " | ". */
static int note_add_values(un_reader *r, un_person *p, const xmlNode *node, const char *label,
                           const char *field)
{
    bool is_first = true;
    for (const xmlNode *value = node->children; value; value = value->next) {
        const char *text;
        if (!is_element(value, "VALUE"))
            continue;
        int rc = element_text(r, p, value, field, false, &text);
        if (rc || p->is_rejected)
            return rc;
        if (!text)
            continue;
        if (is_first)
            rc = note_add(r, p, label, text);
        else if (!(rc = note_put(r, p, " | ")))
            rc = note_put(r, p, text);
        if (rc)
            return rc;
        is_first = false;
    }
    return TBY_OK;
}

/* Cuts the note at UN_NOTE_MAX_BYTES on a character boundary, marking the cut with "...". */
static const char *note_finish(un_reader *r, un_person *p)
{
    if (!p->note.len)
        return NULL;
    size_t len = p->note.len;
    bool is_cut = len > UN_NOTE_MAX_BYTES;
    if (is_cut) {
        len = UN_NOTE_MAX_BYTES - 3;
        while (len > 0 && ((unsigned char)p->note.ptr[len] & 0xC0) == 0x80)
            len--;
    }
    char *note = tby__arena_alloc(&r->arena, len + 4);
    if (!note)
        return NULL;
    memcpy(note, p->note.ptr, len);
    memcpy(note + len, is_cut ? "..." : "", is_cut ? 4 : 1);
    return note;
}

/* ===== Dates ===== */

/* "August 1961", "Aug. 1961" -> 1961-08 in out (TBY_DATE_FORMAT_LEN); false otherwise. */
static bool month_year(const char *s, char out[TBY_DATE_FORMAT_LEN])
{
    static const char *const months[] = {"january",   "february", "march",    "april",
                                         "may",       "june",     "july",     "august",
                                         "september", "october",  "november", "december"};
    const char *space = strchr(s, ' ');
    if (!space || strlen(space + 1) != 4 || strchr(space + 1, ' '))
        return false;
    size_t word_len = (size_t)(space - s);
    if (word_len > 0 && s[word_len - 1] == '.')
        word_len--;
    for (int month = 0; month < 12; month++) {
        size_t full = strlen(months[month]);
        if (word_len < 3 || word_len > full)
            continue;
        if ((word_len != 3 && word_len != full) && !(month == 8 && word_len == 4)) /* "Sept." */
            continue;
        bool is_match = true;
        for (size_t i = 0; i < word_len && is_match; i++)
            is_match = ascii_lower(s[i]) == months[month][i];
        if (!is_match)
            continue;
        for (int i = 1; i <= 4; i++) {
            if (space[i] < '0' || space[i] > '9')
                return false;
        }
        snprintf(out, TBY_DATE_FORMAT_LEN, "%.4s-%02d", space + 1, month + 1);
        return true;
    }
    return false;
}

/* Whether the record already has this date. */
static bool has_date(const tby_record *record, const tby_date *date)
{
    for (size_t i = 0; i < record->birth_date_count; i++) {
        const tby_date *d = &record->birth_dates[i];
        if (d->kind == date->kind && d->year == date->year && d->year_last == date->year_last &&
            d->month == date->month && d->day == date->day)
            return true;
    }
    return false;
}

/* Appends text to out (size bytes), after a space when out is not empty; NULL adds nothing. */
static void append_word(char *out, size_t size, const char *text)
{
    size_t used = strlen(out);
    if (text && used + 1 < size)
        snprintf(out + used, size - used, "%s%s", used ? " " : "", text);
}

/* A birth date as the list wrote it, for messages and the note: "EXACT (August 1961)". */
static void dob_describe(char *out, size_t size, const char *type, const char *date,
                         const char *year, const char *from, const char *to, const char *note)
{
    char piece[96];
    out[0] = '\0';
    append_word(out, size, type);
    append_word(out, size, date ? date : year);
    if (from || to) {
        snprintf(piece, sizeof(piece), "%.40s..%.40s", from ? from : "", to ? to : "");
        append_word(out, size, piece);
    }
    if (note) {
        snprintf(piece, sizeof(piece), "(%.80s)", note);
        append_word(out, size, piece);
    }
}

/*
 * Reads one INDIVIDUAL_DATE_OF_BIRTH into the record: EXACT with DATE (a trailing time or
 * time zone is ignored, "1963-00-00" is read as the year), EXACT with YEAR, APPROXIMATELY
 * (~YYYY), BETWEEN (FROM_YEAR..TO_YEAR), or only a NOTE "August 1961". An element with none
 * of these is no date; anything else that cannot be read is a bad value.
 */
static int person_dob(un_reader *r, un_person *p, const xmlNode *node)
{
    static const char *const field = "INDIVIDUAL_DATE_OF_BIRTH";
    const char *type, *date, *year, *from, *to, *note;
    int rc = child_text(r, p, node, "TYPE_OF_DATE", field, &type);
    if (!rc && !p->is_rejected)
        rc = child_text(r, p, node, "DATE", field, &date);
    if (!rc && !p->is_rejected)
        rc = child_text(r, p, node, "YEAR", field, &year);
    if (!rc && !p->is_rejected)
        rc = child_text(r, p, node, "FROM_YEAR", field, &from);
    if (!rc && !p->is_rejected)
        rc = child_text(r, p, node, "TO_YEAR", field, &to);
    if (!rc && !p->is_rejected)
        rc = child_text(r, p, node, "NOTE", field, &note);
    if (rc || p->is_rejected)
        return rc;
    if (!date && !year && !from && !to && !note)
        return TBY_OK;

    bool is_about = type && equal_nocase(type, "approximately");
    char text[64] = "";
    if (from || to) {
        if (from && to)
            snprintf(text, sizeof(text), "%.20s..%.20s", from, to);
    } else if (date) {
        size_t len = strlen(date);
        /* xs:date may carry a time or a zone: "1963-04-11T00:00:00", "1963-04-11Z". */
        if (len > 10 && strchr("TZ+-", date[10]))
            len = 10;
        if (len == 10 && memcmp(date + 4, "-00-00", 6) == 0)
            len = 4;
        else if (len == 10 && memcmp(date + 7, "-00", 3) == 0)
            len = 7;
        snprintf(text, sizeof(text), "%s%.*s", is_about ? "~" : "", (int)(is_about ? 4 : len),
                 date);
    } else if (year) {
        snprintf(text, sizeof(text), "%s%.20s", is_about ? "~" : "", year);
    } else if (month_year(note, text) && is_about) {
        text[4] = '\0';
        memmove(text + 1, text, 5);
        text[0] = '~';
    }

    tby_date parsed;
    tby_error date_error;
    tby_error_clear(&date_error);
    if (text[0] && tby_date_parse(&parsed, text, strlen(text), &date_error) == 0) {
        if (has_date(&p->record, &parsed))
            return TBY_OK;
        if (array_reserve(&r->arena, (void **)&p->record.birth_dates, p->record.birth_date_count,
                          &p->date_cap, sizeof(tby_date)))
            return person_oom(r, p, field);
        p->record.birth_dates[p->record.birth_date_count++] = parsed;
        return TBY_OK;
    }
    char as_written[160];
    dob_describe(as_written, sizeof(as_written), type, date, year, from, to, note);
    bool is_dropped = false;
    if (text[0])
        rc = person_bad_value(r, p, field, node, &is_dropped, "%s", date_error.message);
    else
        rc = person_bad_value(r, p, field, node, &is_dropped, "birth date \"%s\" is not a date",
                              as_written);
    if (is_dropped) {
        p->dates_dropped++;
        if (!rc)
            rc = note_add(r, p, "birth date as written", as_written);
    }
    return rc;
}

/* ===== Places, nationalities, documents, sex ===== */

/* CITY, STATE_PROVINCE, COUNTRY joined by ", " into the arena; *out NULL when all are empty. */
static int place_text(un_reader *r, un_person *p, const xmlNode *node, const char **out)
{
    static const char *const parts[] = {"CITY", "STATE_PROVINCE", "COUNTRY"};
    const char *values[3];
    size_t total = 0;
    *out = NULL;
    for (size_t i = 0; i < 3; i++) {
        int rc = child_text(r, p, node, parts[i], "INDIVIDUAL_PLACE_OF_BIRTH", &values[i]);
        if (rc || p->is_rejected)
            return rc;
        total += values[i] ? strlen(values[i]) + 2 : 0;
    }
    if (!total)
        return TBY_OK;
    char *place = tby__arena_alloc(&r->arena, total + 1);
    if (!place)
        return person_oom(r, p, "INDIVIDUAL_PLACE_OF_BIRTH");
    size_t used = 0;
    for (size_t i = 0; i < 3; i++) {
        if (!values[i])
            continue;
        if (used) {
            memcpy(place + used, ", ", 2);
            used += 2;
        }
        memcpy(place + used, values[i], strlen(values[i]));
        used += strlen(values[i]);
    }
    place[used] = '\0';
    *out = place;
    return TBY_OK;
}

/* The first place of birth is the record's; the others go to the note. */
static int person_place(un_reader *r, un_person *p, const xmlNode *node)
{
    const char *place;
    int rc = place_text(r, p, node, &place);
    if (rc || p->is_rejected || !place)
        return rc;
    if (!p->record.birth_place) {
        p->record.birth_place = place;
        return TBY_OK;
    }
    if (strcmp(p->record.birth_place, place) == 0)
        return TBY_OK;
    return note_add(r, p, "also born in", place);
}

static int person_nationality(un_reader *r, un_person *p, const xmlNode *node)
{
    for (const xmlNode *value = node->children; value; value = value->next) {
        const char *text;
        if (!is_element(value, "VALUE"))
            continue;
        int rc = element_text(r, p, value, "NATIONALITY", true, &text);
        if (rc || p->is_rejected)
            return rc;
        if (!text || in_list(p->record.nationalities, p->record.nationality_count, text))
            continue;
        if (array_reserve(&r->arena, (void **)&p->record.nationalities, p->record.nationality_count,
                          &p->nationality_cap, sizeof(char *)))
            return person_oom(r, p, "NATIONALITY");
        p->record.nationalities[p->record.nationality_count++] = text;
    }
    return TBY_OK;
}

/*
 * The record format's document type for a TYPE_OF_DOCUMENT: "passport", "national_id", or
 * the text lower-cased with every run of other characters made one '_'; "other" when empty.
 */
static const char *document_type(un_reader *r, const char *type)
{
    static const char *const passports[] = {"passport", "passeport", "pasaporte",
                                            "numéro de passeport", "número de pasaporte"};
    static const char *const national_ids[] = {"national identification number",
                                               "national identity number", "national identity card",
                                               "national id", "national identification card"};
    if (!type)
        return "other";
    for (size_t i = 0; i < sizeof(passports) / sizeof(passports[0]); i++) {
        if (equal_nocase(type, passports[i]))
            return "passport";
    }
    for (size_t i = 0; i < sizeof(national_ids) / sizeof(national_ids[0]); i++) {
        if (equal_nocase(type, national_ids[i]))
            return "national_id";
    }
    size_t len = strlen(type);
    char *out = tby__arena_alloc(&r->arena, len + 1);
    if (!out)
        return NULL;
    size_t used = 0;
    for (size_t i = 0; i < len; i++) {
        char c = ascii_lower(type[i]);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[used++] = c;
        else if (used && out[used - 1] != '_')
            out[used++] = '_';
    }
    while (used && out[used - 1] == '_')
        used--;
    out[used] = '\0';
    return used ? out : "other";
}

static bool has_digit(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            return true;
    }
    return false;
}

/* A short all-capitals word that belongs to a number before it: "A 0139243", "TR-P 614 166". */
static bool is_number_prefix(const char *s, size_t len)
{
    if (len == 0 || len > 4 || (len == 2 && s[0] == 'N' && s[1] == 'O'))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-' || s[i] == '/'))
            return false;
    }
    return true;
}

/*
 * The number inside a NUMBER the list sometimes writes as prose: bracketed remarks are
 * dropped, only what follows the last ':' counts, and of the words the trailing run that
 * carries digits (with short capital prefixes) is kept: "CAR diplomatic passport no.
 * D00000898" -> "D00000898", "381110042 (Expired 25 Jan. 2016)" -> "381110042". Writes into
 * `out` (room for strlen(text) + 1) and returns its length; 0 when there are no digits.
 * *is_labelled tells whether the word before the number is "number" or "no.".
 */
static size_t document_number_text(const char *text, char *out, bool *is_labelled)
{
    size_t used = 0;
    int depth = 0;
    for (const char *s = text; *s; s++) {
        if (*s == '(' || *s == '[')
            depth++;
        else if ((*s == ')' || *s == ']') && depth > 0)
            depth--;
        else if (depth == 0)
            out[used++] = *s;
    }
    out[used] = '\0';
    const char *colon = strrchr(out, ':');
    const char *start = colon ? colon + 1 : out;
    size_t len = trim_end(start, strlen(start));
    /* Walk the words backwards. */
    size_t keep_from = len;
    bool has_number = false;
    size_t end = len;
    while (end > 0) {
        while (end > 0 && start[end - 1] == ' ')
            end--;
        size_t begin = end;
        while (begin > 0 && start[begin - 1] != ' ')
            begin--;
        if (end == begin)
            break;
        if (has_digit(start + begin, end - begin))
            has_number = true;
        else if (!has_number || !is_number_prefix(start + begin, end - begin))
            break;
        keep_from = begin;
        end = begin;
    }
    if (!has_number)
        return 0;
    end = keep_from;
    while (end > 0 && start[end - 1] == ' ')
        end--;
    size_t begin = end;
    while (begin > 0 && start[begin - 1] != ' ')
        begin--;
    char label[8] = "";
    if (end - begin < sizeof(label)) {
        for (size_t i = begin; i < end; i++)
            label[i - begin] = ascii_lower(start[i]);
        label[end - begin] = '\0';
    }
    *is_labelled =
        strcmp(label, "number") == 0 || strcmp(label, "no.") == 0 || strcmp(label, "no") == 0;
    size_t kept = len - keep_from;
    memmove(out, start + keep_from, kept);
    out[kept] = '\0';
    return kept;
}

/*
 * Reads one INDIVIDUAL_DOCUMENT: TYPE_OF_DOCUMENT and NUMBER. Without a NUMBER, a
 * TYPE_OF_DOCUMENT2 that ends in "number 57388" gives it; a document whose number is only in
 * its NOTE is nothing to match on and is left alone.
 */
static int person_document(un_reader *r, un_person *p, const xmlNode *node)
{
    static const char *const field = "INDIVIDUAL_DOCUMENT";
    const char *type_text, *number_text, *type2_text = NULL;
    int rc = child_text(r, p, node, "TYPE_OF_DOCUMENT", field, &type_text);
    if (!rc && !p->is_rejected)
        rc = child_text(r, p, node, "NUMBER", field, &number_text);
    if (!rc && !p->is_rejected && !number_text)
        rc = child_text(r, p, node, "TYPE_OF_DOCUMENT2", field, &type2_text);
    if (rc || p->is_rejected || (!number_text && !type2_text))
        return rc;
    const char *text = number_text ? number_text : type2_text;
    size_t len = strlen(text);
    char *raw = tby__arena_alloc(&r->arena, len + 1);
    char *number = tby__arena_alloc(&r->arena, len + 1);
    const char *type = document_type(r, type_text);
    if (!raw || !number || !type)
        return person_oom(r, p, field);
    bool is_labelled = false;
    size_t raw_len = document_number_text(text, raw, &is_labelled);
    if (!number_text && (!raw_len || !is_labelled))
        return TBY_OK; /* TYPE_OF_DOCUMENT2 is a description without a number */
    size_t number_len = 0;
    if (raw_len == 0 || tby_document_number_normalize(number, &number_len, raw, raw_len, NULL) ||
        !has_digit(number, number_len)) {
        bool is_dropped;
        rc = person_bad_value(r, p, field, node, &is_dropped, "no document number in \"%.80s\"",
                              text);
        if (!rc && is_dropped)
            rc = note_add(r, p, "document as written", text);
        return rc;
    }
    for (size_t i = 0; i < p->record.document_count; i++) {
        const tby_document *d = &p->record.documents[i];
        if (strcmp(d->type, type) == 0 && strcmp(d->number, number) == 0)
            return TBY_OK;
    }
    if (array_reserve(&r->arena, (void **)&p->record.documents, p->record.document_count,
                      &p->document_cap, sizeof(tby_document)))
        return person_oom(r, p, field);
    tby_document *document = &p->record.documents[p->record.document_count++];
    document->type = type;
    document->number = number;
    return TBY_OK;
}

static int person_sex(un_reader *r, un_person *p, const xmlNode *node)
{
    const char *gender;
    int rc = element_text(r, p, node, "GENDER", true, &gender);
    if (rc || p->is_rejected || !gender)
        return rc;
    if (equal_nocase(gender, "male") || equal_nocase(gender, "m")) {
        p->record.sex = TBY_SEX_MALE;
    } else if (equal_nocase(gender, "female") || equal_nocase(gender, "f")) {
        p->record.sex = TBY_SEX_FEMALE;
    } else if (!equal_nocase(gender, "unknown")) {
        bool is_dropped;
        return person_bad_value(r, p, "GENDER", node, &is_dropped,
                                "GENDER \"%.60s\" is not Male or Female", gender);
    }
    return TBY_OK;
}

/* ===== One individual ===== */

/* Id and names: REFERENCE_NUMBER or DATAID, FIRST_NAME .. FOURTH_NAME, NAME_ORIGINAL_SCRIPT. */
static int person_names(un_reader *r, un_person *p)
{
    static const char *const parts[] = {"FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"};
    const char *reference, *dataid, *original, *values[4];
    int rc = child_text(r, p, p->node, "REFERENCE_NUMBER", "REFERENCE_NUMBER", &reference);
    if (!rc && !p->is_rejected)
        rc = child_text(r, p, p->node, "DATAID", "DATAID", &dataid);
    if (rc || p->is_rejected)
        return rc;
    p->record.id = reference ? reference : dataid;
    if (!p->record.id)
        return person_reject(r, p, TBY_EINVALID, "REFERENCE_NUMBER", p->node,
                             "no REFERENCE_NUMBER and no DATAID");
    int64_t first_line = 0;
    rc = tby_io__id_set_add(&r->ids, p->record.id, strlen(p->record.id), p->line, &first_line);
    if (rc == TBY_EEXISTS)
        return person_reject(r, p, TBY_EEXISTS, reference ? "REFERENCE_NUMBER" : "DATAID", p->node,
                             "duplicate id (first on line %lld)", (long long)first_line);
    if (rc)
        return person_oom(r, p, "REFERENCE_NUMBER");

    size_t total = 0;
    for (size_t i = 0; i < 4; i++) {
        rc = child_text(r, p, p->node, parts[i], parts[i], &values[i]);
        if (rc || p->is_rejected)
            return rc;
        total += values[i] ? strlen(values[i]) + 1 : 0;
    }
    rc = child_text(r, p, p->node, "NAME_ORIGINAL_SCRIPT", "NAME_ORIGINAL_SCRIPT", &original);
    if (rc || p->is_rejected)
        return rc;
    if (total) {
        char *name = tby__arena_alloc(&r->arena, total);
        if (!name)
            return person_oom(r, p, "FIRST_NAME");
        size_t used = 0;
        for (size_t i = 0; i < 4; i++) {
            if (!values[i])
                continue;
            if (used)
                name[used++] = ' ';
            memcpy(name + used, values[i], strlen(values[i]));
            used += strlen(values[i]);
        }
        name[used] = '\0';
        p->record.name = name;
    }
    if (original) {
        p->original_script = 1;
        if (!p->record.name)
            p->record.name = original;
        else if ((rc = person_add_name(r, p, UN_STRONG, original, strlen(original))))
            return rc;
    }
    if (!p->record.name)
        return person_reject(r, p, TBY_EINVALID, "FIRST_NAME", p->node,
                             "no name: FIRST_NAME to FOURTH_NAME and NAME_ORIGINAL_SCRIPT are "
                             "empty");
    return TBY_OK;
}

/* Everything after the names, in document order. */
static int person_details(un_reader *r, un_person *p)
{
    const char *listed = NULL;
    int rc = child_text(r, p, p->node, "LISTED_ON", "LISTED_ON", &listed);
    if (!rc && !p->is_rejected)
        rc = note_add(r, p, "listed on", listed);
    for (const xmlNode *child = p->node->children; child && !rc && !p->is_rejected;
         child = child->next) {
        if (child->type != XML_ELEMENT_NODE)
            continue;
        if (is_element(child, "INDIVIDUAL_ALIAS"))
            rc = person_alias(r, p, child);
        else if (is_element(child, "INDIVIDUAL_DATE_OF_BIRTH"))
            rc = person_dob(r, p, child);
        else if (is_element(child, "INDIVIDUAL_PLACE_OF_BIRTH"))
            rc = person_place(r, p, child);
        else if (is_element(child, "NATIONALITY"))
            rc = person_nationality(r, p, child);
        else if (is_element(child, "INDIVIDUAL_DOCUMENT"))
            rc = person_document(r, p, child);
        else if (is_element(child, "GENDER"))
            rc = person_sex(r, p, child);
        else if (is_element(child, "TITLE"))
            rc = note_add_values(r, p, child, "title", "TITLE");
        else if (is_element(child, "DESIGNATION"))
            rc = note_add_values(r, p, child, "designation", "DESIGNATION");
        else if (is_element(child, "COMMENTS1"))
            rc = element_text(r, p, child, "COMMENTS1", false, &p->comments);
    }
    if (!rc && !p->is_rejected)
        rc = note_add(r, p, NULL, p->comments);
    return rc;
}

/* Builds and delivers one INDIVIDUAL; 0 after delivering or rejecting it, else what ends the
 * read (a callback's value, TBY_ENOMEM). */
static int un_individual(un_reader *r, const xmlNode *node)
{
    un_person p;
    memset(&p, 0, sizeof(p));
    p.node = node;
    p.line = node_line(node);
    p.record.line = p.line > 0 ? p.line : 0;
    tby__buf_init(&p.note, 0);
    int rc = person_names(r, &p);
    if (!rc && !p.is_rejected)
        rc = person_details(r, &p);
    if (!rc && !p.is_rejected) {
        p.record.note = note_finish(r, &p);
        if (p.note.len && !p.record.note)
            rc = person_oom(r, &p, "note");
    }
    tby__buf_dispose(&p.note);
    if (rc || p.is_rejected)
        return rc;
    /* Strict mode delivers nothing after a rejection: the import is going to fail anyway. */
    if (r->is_strict && r->first_reject.code)
        return TBY_OK;
    const tby_record *record = &p.record;
    r->stats.individuals++;
    r->stats.names++;
    r->stats.original_scripts += p.original_script;
    r->stats.aliases += record->alias_count;
    r->stats.weak_aliases += record->weak_alias_count;
    r->stats.birth_dates += record->birth_date_count;
    r->stats.dates_dropped += p.dates_dropped;
    r->stats.places += record->birth_place ? 1 : 0;
    r->stats.nationalities += record->nationality_count;
    r->stats.documents += record->document_count;
    return r->on_record ? r->on_record(record, r->payload) : TBY_OK;
}

/* ===== The document ===== */

/* libxml2 2.12 made the error const. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *un_xml_error_ptr;
#else
typedef xmlErrorPtr un_xml_error_ptr;
#endif

static void un_on_xml_error(void *payload, un_xml_error_ptr error)
{
    un_reader *r = payload;
    if (!error || error->level < XML_ERR_ERROR || r->xml_error.code)
        return;
    tby_error_clear(&r->xml_error);
    r->xml_error.code = error->code == XML_ERR_NO_MEMORY ? TBY_ENOMEM : TBY_EINVALID;
    r->xml_error.line = error->line > 0 ? error->line : -1;
    r->xml_error.offset = error->int2; /* the column, kept here until the message is made */
    const char *message = error->message ? error->message : "parse error";
    size_t len = trim_end(message, strlen(message));
    snprintf(r->xml_error.message, sizeof(r->xml_error.message), "%.*s", (int)len, message);
}

static int un_io_read(void *context, char *buffer, int len)
{
    tby_io__source *src = context;
    int got = 0;
    while (got < len && tby_io__source_fill(src)) {
        size_t avail = (size_t)(src->end - src->cur);
        size_t take = avail < (size_t)(len - got) ? avail : (size_t)(len - got);
        memcpy(buffer + got, src->cur, take);
        src->cur += take;
        src->offset += (int64_t)take;
        got += (int)take;
    }
    return got == 0 && src->status ? -1 : got;
}

/* The fatal error once libxml2 stopped: I/O, memory, or XML that is not well formed. */
static int un_xml_failed(un_reader *r)
{
    if (r->src->status)
        return un_fatal(r, TBY_EIO, -1, "", "read error in \"%s\"", r->source_name);
    if (r->xml_error.code == TBY_ENOMEM)
        return un_fatal(r, TBY_ENOMEM, r->xml_error.line, "", "out of memory (libxml2)");
    if (r->xml_error.code && r->xml_error.line < 1)
        return un_fatal(r, TBY_EINVALID, -1, "", "%s is not well-formed XML: %s", r->source_name,
                        r->xml_error.message);
    if (r->xml_error.code)
        return un_fatal(r, TBY_EINVALID, r->xml_error.line, "",
                        "%s is not well-formed XML: line %lld, column %lld: %s", r->source_name,
                        (long long)r->xml_error.line, (long long)r->xml_error.offset,
                        r->xml_error.message);
    return un_fatal(r, TBY_EINVALID, -1, "", "%s: libxml2 stopped without saying why",
                    r->source_name);
}

static once_flag un_xml_once = ONCE_FLAG_INIT;

static void un_xml_init(void)
{
    xmlInitParser();
}

enum { UN_SECTION_OTHER, UN_SECTION_INDIVIDUALS, UN_SECTION_ENTITIES };

/* Walks the document: checks the root, expands each INDIVIDUAL, counts the ENTITYs. */
static int un_walk(un_reader *r, xmlTextReaderPtr xml)
{
    int section = UN_SECTION_OTHER;
    bool has_root = false;
    int status = xmlTextReaderRead(xml);
    while (status == 1 && !r->xml_error.code) {
        if (xmlTextReaderNodeType(xml) != XML_READER_TYPE_ELEMENT) {
            status = xmlTextReaderRead(xml);
            continue;
        }
        r->stats.lines++;
        int depth = xmlTextReaderDepth(xml);
        const char *name = (const char *)xmlTextReaderConstLocalName(xml);
        if (!name)
            name = "";
        if (depth == 0 && strcmp(name, "CONSOLIDATED_LIST") != 0)
            return un_fatal(r, TBY_EINVALID, xmlTextReaderGetParserLineNumber(xml), "",
                            "%s is not the UN consolidated list: the root element is <%.60s>, "
                            "not <CONSOLIDATED_LIST>",
                            r->source_name, name);
        if (depth == 0) {
            has_root = true;
        } else if (depth == 1) {
            section = strcmp(name, "INDIVIDUALS") == 0 ? UN_SECTION_INDIVIDUALS
                      : strcmp(name, "ENTITIES") == 0  ? UN_SECTION_ENTITIES
                                                       : UN_SECTION_OTHER;
        } else if (depth == 2 && section == UN_SECTION_INDIVIDUALS &&
                   strcmp(name, "INDIVIDUAL") == 0) {
            /* Expand parses to the end tag; an error on the way may leave the tree cut. */
            const xmlNode *node = xmlTextReaderExpand(xml);
            if (!node || r->xml_error.code)
                return un_xml_failed(r);
            r->stats.lines += count_elements(node) - 1;
            tby__arena_reset(&r->arena);
            int rc = un_individual(r, node);
            if (rc)
                return rc;
            status = xmlTextReaderNext(xml);
            continue;
        } else if (depth == 2 && section == UN_SECTION_ENTITIES && strcmp(name, "ENTITY") == 0) {
            r->stats.skipped++;
        }
        status = xmlTextReaderRead(xml);
    }
    if (status != 0 || r->xml_error.code)
        return un_xml_failed(r);
    if (!has_root)
        return un_fatal(r, TBY_EINVALID, -1, "", "%s has no root element", r->source_name);
    return TBY_OK;
}

static int un_run(un_reader *r)
{
    call_once(&un_xml_once, un_xml_init);
    /* Encoding and I/O errors are raised outside the parser context (some while the reader is
       made), to the thread's global handler, which prints them on stderr: route them here for
       the read, then put the caller's handler back. */
    xmlStructuredErrorFunc saved_handler = xmlStructuredError;
    void *saved_context = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(r, un_on_xml_error);
    int rc;
    xmlTextReaderPtr xml =
        xmlReaderForIO(un_io_read, NULL, r->src, NULL, NULL, UN_XML_PARSE_OPTIONS);
    if (xml) {
        xmlTextReaderSetStructuredErrorHandler(xml, un_on_xml_error, r);
        rc = un_walk(r, xml);
        xmlFreeTextReader(xml);
    } else {
        rc = r->xml_error.code ? un_xml_failed(r)
                               : un_fatal(r, TBY_ENOMEM, -1, "", "out of memory (libxml2)");
    }
    xmlSetStructuredErrorFunc(saved_context, saved_handler);
    return rc;
}

/* ===== Entry points (Public) ===== */

static int un_init(un_reader *r, const tby_reader_options *opts, const char *path,
                   tby_record_cb on_record, void *payload, tby_error *err)
{
    memset(r, 0, sizeof(*r));
    r->err = err;
    tby_error_clear(&r->first_reject);
    tby_error_clear(&r->xml_error);
    r->source_name = path ? path : "<memory>";
    r->max_field_bytes = TBY_READER_MAX_FIELD_BYTES;
    r->on_record = on_record;
    r->payload = payload;
    if (opts) {
        if (opts->version != TBY_READER_OPTIONS_VERSION)
            return tby__error(err, TBY_EINVALID, -1, "unsupported reader options version %u",
                              opts->version);
        r->is_strict = opts->strict;
        if (opts->source_name)
            r->source_name = opts->source_name;
        if (opts->max_field_bytes)
            r->max_field_bytes = opts->max_field_bytes;
        r->on_reject = opts->on_reject;
        r->reject_payload = opts->reject_payload;
        r->is_drop_bad_values = opts->drop_bad_values;
        r->on_dropped = opts->on_dropped;
        r->dropped_payload = opts->dropped_payload;
    }
    tby__arena_init(&r->arena, UN_ENTRY_BLOCK_BYTES, 0);
    tby_io__id_set_init(&r->ids);
    return TBY_OK;
}

static int un_finish(un_reader *r, int rc, tby_list_stats *stats)
{
    if (rc == 0 && r->is_strict && r->first_reject.code) {
        if (r->err)
            *r->err = r->first_reject;
        rc = r->first_reject.code;
    }
    if (stats)
        *stats = r->stats;
    tby__arena_dispose(&r->arena);
    tby_io__id_set_dispose(&r->ids);
    return rc;
}

int tby_un_xml_read_file(const char *path, const tby_reader_options *opts, tby_record_cb on_record,
                         void *payload, tby_list_stats *stats, tby_error *err)
{
    TBY_ASSERT_ARG(path != NULL);
    if (stats)
        memset(stats, 0, sizeof(*stats));
    un_reader r;
    int rc = un_init(&r, opts, path, on_record, payload, err);
    if (rc)
        return rc;
    tby_io__source src;
    rc = tby_io__source_open_file(&src, path, err);
    if (rc == 0) {
        r.src = &src;
        rc = un_run(&r);
        tby_io__source_close(&src);
    }
    return un_finish(&r, rc, stats);
}

int tby_un_xml_read_buffer(const char *data, size_t len, const tby_reader_options *opts,
                           tby_record_cb on_record, void *payload, tby_list_stats *stats,
                           tby_error *err)
{
    TBY_ASSERT_ARG(data != NULL || len == 0);
    if (stats)
        memset(stats, 0, sizeof(*stats));
    un_reader r;
    int rc = un_init(&r, opts, NULL, on_record, payload, err);
    if (rc)
        return rc;
    tby_io__source src;
    tby_io__source_open_memory(&src, data, len);
    r.src = &src;
    rc = un_run(&r);
    tby_io__source_close(&src);
    return un_finish(&r, rc, stats);
}
