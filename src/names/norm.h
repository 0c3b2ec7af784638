/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Normalisation of one name string into tokens, Arabic and Latin (docs/names.md, following
 * arabic-names.md section 2). It decodes, repairs and cleans the text and cuts it into
 * tokens; it does not know what a token means (that is parse.c) and builds no keys.
 *
 * Every token has two forms:
 *   exact  NFC; invisible/format characters, tatweel and Arabic diacritics removed; Latin
 *          case-folded (Turkish I rules) but Latin diacritics kept; Arabic letters as written
 *          (أ ة ى kept). Apostrophe-like marks (' ` ´ ʿ ʾ ‘ ’) become ASCII '.
 *   fold   the orthographic tier: Arabic alef forms to ا, ى ی ې ے to ي, ة ۃ to ه, ک ڪ to ك,
 *          ہ ھ ۀ to ه, ؤ to و, ئ to ي (word-initially to ا: Kurdish writes ئەحمەد for
 *          أحمد), lone ء dropped, Kurdish/Persian letters to their Arabic counterparts (ە
 *          dropped as a vowel letter); Latin diacritics stripped (ç to c, ş to s, ḥ to h, ü
 *          to u, ø to o, ß to ss ...), letters only plus ' for ayn/hamza marks.
 * In both forms Arabic-Indic digits become ASCII and Arabic diacritics are gone (TBY__TOK_
 * SHADDA / TBY__TOK_HARAKAT keep a hint). Both forms are NUL-separated strings inside the
 * tby__norm buffers.
 */
#ifndef TBY_NAMES_NORM_H
#define TBY_NAMES_NORM_H

#include <stdbool.h>
#include <stdint.h>

#include "tabayyun/tby_names.h"
#include "util/util_int.h"

#define TBY__NORM_OUT_CAP (TBY_NAME_MAX_BYTES * 3) /* bytes of each output form */

/* Token flags (tby__ntoken.flags). */
enum {
    TBY__TOK_SHADDA = 1u << 0,     /* an Arabic shadda was removed (gemination hint) */
    TBY__TOK_HARAKAT = 1u << 1,    /* Arabic short-vowel marks were removed */
    TBY__TOK_ALLCAPS = 1u << 2,    /* Latin token written all in capitals (list style) */
    TBY__TOK_CAPITAL = 1u << 3,    /* Latin token starts with a capital */
    TBY__TOK_TA_MARBUTA = 1u << 4, /* ends in ة (folded to ه in fold) */
    TBY__TOK_HAMZA = 1u << 5,      /* contained a hamza form that fold changed or dropped */
    TBY__TOK_DIGITS = 1u << 6,     /* contains digits */
};

typedef struct tby__ntoken {
    uint32_t orig_off;  /* byte offset of the token in the caller's input, or in     */
    uint32_t orig_len;  /* norm->repaired when TBY_NORM_MOJIBAKE is set; byte length */
    uint32_t exact_off; /* offset of the NUL-terminated exact form in norm->exact */
    uint32_t exact_len; /* its byte length */
    uint32_t fold_off;  /* offset of the NUL-terminated fold form in norm->fold */
    uint32_t fold_len;  /* its byte length */
    uint8_t script;     /* tby_script of the token's letters */
    char sep_before;    /* separator before the token (see tby__norm_run) */
    uint16_t flags;     /* TBY__TOK_* */
} tby__ntoken;

typedef struct tby__norm {
    char exact[TBY__NORM_OUT_CAP];              /* exact forms, each NUL-terminated */
    char fold[TBY__NORM_OUT_CAP];               /* fold forms, each NUL-terminated */
    tby__ntoken tokens[TBY_NAME_MAX_PARTS * 2]; /* in input order */
    uint32_t token_count;
    uint32_t flags; /* TBY_NORM_* (public, tby_names.h) for the whole name */
    char *repaired; /* the input after mojibake repair (heap, NUL-terminated, C0 controls
                       left out), NULL if none; valid until the next run or dispose */
} tby__norm;

/*
 * Normalises `len` bytes of `text` into `norm` (caller storage, reused across calls;
 * tby__norm_dispose frees its heap part).
 *
 * Token boundaries: white space (any Unicode Zs, tabs, newlines, NBSP), hyphens and dashes
 * (any Pd; tatweel is not one), commas, full stops, slashes, brackets, semicolons, colons,
 * quotes, other punctuation and symbols, and a change between Arabic and another script
 * inside a word ("محمدAli"). Removed characters (controls, ZWJ, soft hyphen ...) are not
 * boundaries. A letter run mixing Latin with Cyrillic/Greek stays one TBY_SCRIPT_MIXED
 * token (TBY_NORM_MIXED_SCRIPT). Tokens with no letter or digit, or whose fold form is
 * empty, are dropped.
 *
 * sep_before is the strongest boundary since the previous token: ',' (also ، ٬) beats '-'
 * (any dash) beats '(' ')' '.' '/' ';' ':' '"' (first seen) beats ' ' (white space, other
 * punctuation, script change). It is 0 for the first token when only white space (or
 * nothing) precedes it.
 *
 * norm->flags: TBY_NORM_BIDI only for embeddings, overrides and isolates (LRM, RLM and ALM
 * are just TBY_NORM_INVISIBLE); TBY_NORM_TITLES when an honorific ligature (ﷺ ﷻ ﷽) was
 * stripped. TBY_NORM_LIST_STYLE is left to the parser.
 *
 * The Unicode tables are utf8proc's; a small Latin table is built on first use (call_once),
 * so concurrent calls on different tby__norm are safe. Only the mojibake repair allocates.
 *
 * Returns 0, or:
 *   TBY_EUTF8     invalid UTF-8 (err->offset = first bad byte) that is not repairable
 *   TBY_ETOOLARGE more than TBY_NAME_MAX_BYTES of input or too many tokens
 *   TBY_EEMPTY    no letters at all (only marks, punctuation, invisible characters)
 * On error `norm->token_count` is 0.
 */
int tby__norm_run(tby__norm *norm, const char *text, size_t len, tby_error *err);

void tby__norm_init(tby__norm *norm);
void tby__norm_dispose(tby__norm *norm);

/* The exact / fold form of token i. */
static inline const char *tby__norm_exact(const tby__norm *norm, uint32_t i)
{
    return norm->exact + norm->tokens[i].exact_off;
}

static inline const char *tby__norm_fold(const tby__norm *norm, uint32_t i)
{
    return norm->fold + norm->tokens[i].fold_off;
}

#endif
