/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The name engine: normalising, parsing and comparing personal names written in Arabic
 * script or in any Latin transliteration.
 *
 *   tby_name_parse()   text -> tby_name (normalised parts with probable roles and keys)
 *   tby_name_compare() two tby_name -> similarity in [0, 1] and, optionally, the part-by-part
 *                      alignment that produced it
 *
 * A tby_name is immutable after parsing and may be shared read-only between threads.
 */
#ifndef TBY_NAMES_H
#define TBY_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "tby_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest name accepted by tby_name_parse, in bytes. Longer input is TBY_ETOOLARGE. */
#define TBY_NAME_MAX_BYTES 1024
/** Most parts one name may have after parsing. More is TBY_ETOOLARGE. */
#define TBY_NAME_MAX_PARTS 24

typedef enum tby_script {
    TBY_SCRIPT_NONE = 0, /* no letters (digits only) */
    TBY_SCRIPT_LATIN,
    TBY_SCRIPT_ARABIC,
    TBY_SCRIPT_OTHER, /* letters of another script (Cyrillic, Devanagari ...) */
    TBY_SCRIPT_MIXED  /* letters of more than one script in one token */
} tby_script;

/** Probable role of a part inside the name (arabic-names.md section 1). */
typedef enum tby_role {
    TBY_ROLE_UNKNOWN = 0,
    TBY_ROLE_GIVEN,       /* ism: own given name */
    TBY_ROLE_FATHER,      /* father's given name (second position in a nasab chain) */
    TBY_ROLE_GRANDFATHER, /* paternal grandfather's name (third position) */
    TBY_ROLE_ANCESTOR,    /* further ancestors (fourth and later positions) */
    TBY_ROLE_FAMILY,      /* family, tribal or laqab name (often al-X) */
    TBY_ROLE_NISBA,       /* adjective of origin, al-X...i (al-Baghdadi): weak evidence */
    TBY_ROLE_KUNYA        /* Abu X / Umm X: a weak alias, never identifying alone */
} tby_role;

/** How two parts were found to correspond, from strongest to weakest. */
typedef enum tby_tier {
    TBY_TIER_NONE = 0, /* no correspondence */
    TBY_TIER_EXACT,    /* identical after normalisation */
    TBY_TIER_SPELLING, /* same letters after orthographic folding (hamza, alef, ة, accents) */
    TBY_TIER_TRANSLIT, /* same name in another script or another transliteration system */
    TBY_TIER_EDIT      /* close in spelling only: a typo or an unusual variant */
} tby_tier;

/* Flags of the whole name (tby_name_flags). */
#define TBY_NORM_INVISIBLE    0x0001u /* invisible or format characters were removed */
#define TBY_NORM_BIDI         0x0002u /* bidi embedding/override/isolate controls were removed */
#define TBY_NORM_MOJIBAKE     0x0004u /* the text was repaired from UTF-8 read as CP1256/Latin-1 */
#define TBY_NORM_PRESENTATION 0x0008u /* Arabic presentation forms were folded */
#define TBY_NORM_DIACRITICS   0x0010u /* Arabic diacritics (harakat, shadda) were removed */
#define TBY_NORM_TATWEEL      0x0020u /* tatweel was removed */
#define TBY_NORM_MIXED_SCRIPT 0x0040u /* a single token mixes scripts (homoglyph risk) */
#define TBY_NORM_LIST_STYLE   0x0080u /* "LAST, First" order was recognised and undone */
#define TBY_NORM_TITLES       0x0100u /* titles or honorifics were set aside */
#define TBY_NORM_CONTROL      0x0200u /* control characters (NUL, C0, C1) were removed */

/* Flags of one part (tby_name_part.flags). */
#define TBY_PART_COMPOUND  0x0001u /* several words joined into one logical part (Abd al-Rahman) */
#define TBY_PART_ARTICLE   0x0002u /* carried the article al-/el-/ad-... (removed from the key) */
#define TBY_PART_AL_FAMILY 0x0004u /* carried Āl "family of" (آل), not the article */
#define TBY_PART_AFTER_BIN 0x0008u /* followed a lineage particle (bin, ibn, bint, ould, ben) */
#define TBY_PART_FEMININE  0x0010u /* introduced by bint, or a feminine form (ة ending) */
#define TBY_PART_COMMON    0x0020u /* one of the very common given names (Muhammad, Ali ...) */
#define TBY_PART_INITIAL   0x0040u /* a single Latin letter, possibly an initial */

/** One logical part of a parsed name. All strings are owned by the tby_name. */
typedef struct tby_name_part {
    const char *original; /* the words as written in the input, NUL-terminated */
    const char *form;     /* normalised display form ("abd al-rahman", "عبد الرحمن") */
    const char *key;      /* orthographic key: folded, article and spaces removed */
    const char *phonetic; /* cross-script phonetic key (printable ASCII classes) */
    tby_script script;
    tby_role role;
    unsigned flags; /* TBY_PART_* */
} tby_name_part;

typedef struct tby_name tby_name;

/**
 * Normalises and parses a name.
 *
 * @param out   receives the parsed name; free it with tby_name_free. Untouched on error.
 * @param text  UTF-8 text, need not be NUL-terminated; may contain NUL bytes (removed and
 *              flagged as TBY_NORM_CONTROL).
 * @param len   bytes of text; more than TBY_NAME_MAX_BYTES is TBY_ETOOLARGE.
 * @param err   optional error details (offset = byte offset into text).
 * @return 0, TBY_EUTF8 (invalid UTF-8 that could not be repaired), TBY_ETOOLARGE, TBY_EEMPTY
 *         (nothing that looks like a name), TBY_ENOMEM, TBY_EINVALID (NULL arguments).
 * Thread-safe.
 */
TBY_API int tby_name_parse(tby_name **out, const char *text, size_t len, tby_error *err);

/** Frees a parsed name; NULL is allowed. */
TBY_API void tby_name_free(tby_name *name);

/** Number of parts (at least 1). */
TBY_API size_t tby_name_part_count(const tby_name *name);

/** Part `index` (0-based, in display order), or NULL past the end. Borrowed from `name`. */
TBY_API const tby_name_part *tby_name_part_at(const tby_name *name, size_t index);

/** TBY_NORM_* flags describing what normalisation found and changed. */
TBY_API unsigned tby_name_flags(const tby_name *name);

/** The whole name normalised: the parts' forms joined by single spaces. Borrowed. */
TBY_API const char *tby_name_normalized(const tby_name *name);

/** Printable names of enum values ("given", "transliteration" ...); never NULL. */
TBY_API const char *tby_role_name(tby_role role);
TBY_API const char *tby_tier_name(tby_tier tier);
TBY_API const char *tby_script_name(tby_script script);

/**
 * Compares two single parts (tokens) and returns their similarity in [0, 1]; the tier that
 * produced it goes to *tier_out when not NULL. Symmetric.
 */
TBY_API double tby_name_part_compare(const tby_name_part *a, const tby_name_part *b,
                                     tby_tier *tier_out);

/** Most links a tby_name_match can hold (both names' parts, each used once). */
#define TBY_NAME_MAX_LINKS (2 * TBY_NAME_MAX_PARTS)

/**
 * One row of an explanation: parts of A and B that were aligned, or a part left over on
 * one side (the other side's count is 0).
 */
typedef struct tby_name_link {
    unsigned char a_first, a_count; /* parts [a_first, a_first + a_count) of name A */
    unsigned char b_first, b_count; /* parts [b_first, b_first + b_count) of name B */
    tby_tier tier;                  /* TBY_TIER_NONE for a part left unmatched */
    double similarity;              /* in [0, 1] */
    double weight;                  /* how much this row counted in the score */
} tby_name_link;

/** The alignment behind a comparison, filled by tby_name_compare when asked. */
typedef struct tby_name_match {
    double score; /* same value tby_name_compare returns */
    size_t link_count;
    tby_name_link links[TBY_NAME_MAX_LINKS];
} tby_name_match;

/**
 * Compares two full names with an order-free alignment that respects roles, merges and
 * splits compounds, and weighs parts by how informative they are. Symmetric up to rounding.
 *
 * @param match  optional; receives the alignment (part-by-part explanation).
 * @return similarity in [0, 1]: 1 for the same name, around 0.5 and below for different
 *         people. Thread-safe; allocates nothing.
 */
TBY_API double tby_name_compare(const tby_name *a, const tby_name *b, tby_name_match *match);

#ifdef __cplusplus
}
#endif
#endif
