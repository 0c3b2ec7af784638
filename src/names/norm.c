// SPDX-License-Identifier: Apache-2.0
// Normalisation of one name string into exact and fold token forms (norm.h), following the
// order of arabic-names.md section 2.2. No name parsing happens here: al-, bin, abd ... are
// ordinary tokens to this file.
//
// The pipeline, for one call:
//
//   bytes --(1) size limit
//         --(2) mojibake repair (CP1252/Latin-1 or CP1256 read of UTF-8 Arabic)
//         --(A) decode and validate; drop controls, format/ignorable characters, tatweel
//         --(B) NFC per cluster (starter + following combining marks); NFKC only for
//               Arabic presentation forms; honorific ligatures stripped
//         --(C) per code point: classify, cut tokens, write exact and fold forms
//
// A and B stream: one code point of lookahead tells whether a mark follows, and only
// clusters that are not already normal go through utf8proc's decompose/compose. Pure
// ASCII input skips (2), (A) and (B); runs of ASCII letters and of basic Arabic letters
// are copied in tight loops. Every code point carries the byte span of the input it came
// from, so a token can report where it was written (orig_off/orig_len) even after
// composition or repair. No heap memory is used except for the repaired text.
//
// Worked example, "AL-JUBOURI, Mohammed  أحمـــد":
//   tokens  exact      fold      sep_before  flags
//   0       al         al        0           ALLCAPS|CAPITAL
//   1       jubouri    jubouri   '-'         ALLCAPS|CAPITAL
//   2       mohammed   mohammed  ','         CAPITAL
//   3       أحمد       احمد      ' '         HAMZA      (name flags: TATWEEL)
#include "names/norm.h"

#include <string.h>
#include <threads.h>
#include <utf8proc.h>

/* ===== Limits (Private) ===== */

/*
 * Code points of one cluster after decomposition. Canonical decomposition adds at most 1.5 code
 * points per input byte (U+01D5 is 2 bytes and 3 code points) and the presentation forms we expand
 * add at most 4 per 3 bytes (U+FDF2), so 2 per byte bounds every valid input; the checks
 * against this limit are defensive and report TBY_ETOOLARGE rather than truncate.
 */
#define NORM_MAX_CPS (TBY_NAME_MAX_BYTES * 2)

/* Longest decomposition of one code point that stage B or the Latin fold asks for. */
#define NORM_DECOMP_MAX 32

/* ===== Code-page tables (Private) ===== */

/*
 * Windows-1252, bytes 0x80-0x9F (0xA0-0xFF equal Latin-1). Source: the Unicode Consortium's
 * published mapping MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT. The five bytes that file
 * leaves undefined (0x81 0x8D 0x8F 0x90 0x9D) are 0 here; Windows decoders and Latin-1
 * readers turn them into U+0081 ... which the Latin-1 rule below maps back.
 */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0000, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, /* 80-87 */
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x0000, 0x017D, 0x0000, /* 88-8F */
    0x0000, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, /* 90-97 */
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x0000, 0x017E, 0x0178, /* 98-9F */
};

/*
 * Windows-1256 (Arabic), bytes 0x80-0xFF. Source: the Unicode Consortium's published mapping
 * MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1256.TXT (all 128 bytes are defined there).
 */
static const uint16_t cp1256_high[128] = {
    0x20AC, 0x067E, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, /* 80-87 */
    0x02C6, 0x2030, 0x0679, 0x2039, 0x0152, 0x0686, 0x0698, 0x0688, /* 88-8F */
    0x06AF, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, /* 90-97 */
    0x06A9, 0x2122, 0x0691, 0x203A, 0x0153, 0x200C, 0x200D, 0x06BA, /* 98-9F */
    0x00A0, 0x060C, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x00A7, /* A0-A7 */
    0x00A8, 0x00A9, 0x06BE, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF, /* A8-AF */
    0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7, /* B0-B7 */
    0x00B8, 0x00B9, 0x061B, 0x00BB, 0x00BC, 0x00BD, 0x00BE, 0x061F, /* B8-BF */
    0x06C1, 0x0621, 0x0622, 0x0623, 0x0624, 0x0625, 0x0626, 0x0627, /* C0-C7 */
    0x0628, 0x0629, 0x062A, 0x062B, 0x062C, 0x062D, 0x062E, 0x062F, /* C8-CF */
    0x0630, 0x0631, 0x0632, 0x0633, 0x0634, 0x0635, 0x0636, 0x00D7, /* D0-D7 */
    0x0637, 0x0638, 0x0639, 0x063A, 0x0640, 0x0641, 0x0642, 0x0643, /* D8-DF */
    0x00E0, 0x0644, 0x00E2, 0x0645, 0x0646, 0x0647, 0x0648, 0x00E7, /* E0-E7 */
    0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x0649, 0x064A, 0x00EE, 0x00EF, /* E8-EF */
    0x064B, 0x064C, 0x064D, 0x064E, 0x00F4, 0x064F, 0x0650, 0x00F7, /* F0-F7 */
    0x0651, 0x00F9, 0x0652, 0x00FB, 0x00FC, 0x200E, 0x200F, 0x06D2, /* F8-FF */
};

/* ===== Arabic fold table (Private) ===== */

#define FOLD_DROP 0xFFFFu /* the letter disappears from the fold form */

/*
 * Fold tier for letters of the Arabic block U+0600-06FF (arabic-names.md 2.3): index is
 * cp - 0x600, 0 means "unchanged". Distinct consonants (ح/ه/خ, س/ص/ث/ش, ت/ط, د/ض/ذ/ظ/ز,
 * ك/ق, ع/ء) are deliberately absent: they are different letters, not spellings (2.4).
 */
static const uint16_t arabic_fold[256] = {
    /* Alef with hamza, madda or wasla: hamza seats are written or omitted at will. */
    [0x22] = 0x0627, /* آ */
    [0x23] = 0x0627, /* أ */
    [0x25] = 0x0627, /* إ */
    [0x71] = 0x0627, /* ٱ */
    [0x72] = 0x0627, /* ٲ */
    [0x73] = 0x0627, /* ٳ */
    [0x75] = 0x0627, /* ٵ */
    /* Yeh forms: alef maqsura (Egyptian habit) and Persian/Urdu/Pashto keyboards. */
    [0x49] = 0x064A, /* ى */
    [0xCC] = 0x064A, /* ی */
    [0xD0] = 0x064A, /* ې */
    [0xD2] = 0x064A, /* ے */
    [0xD3] = 0x064A, /* ۓ */
    [0x78] = 0x064A, /* ٸ high hamza yeh */
    [0xCE] = 0x064A, /* ێ Kurdish */
    /* Ta marbuta is written ه interchangeably (حمزة/حمزه); never fold it to ت (2.4). */
    [0x29] = 0x0647, /* ة */
    [0xC3] = 0x0647, /* ۃ */
    /* Heh variants from Urdu keyboards. */
    [0xC1] = 0x0647, /* ہ */
    [0xBE] = 0x0647, /* ھ */
    [0xC0] = 0x0647, /* ۀ */
    /* Keheh from Persian/Kurdish keyboards. */
    [0xA9] = 0x0643, /* ک */
    [0xAA] = 0x0643, /* ڪ */
    /* Hamza on carriers; the lone hamza is dropped. */
    [0x24] = 0x0648,    /* ؤ */
    [0x76] = 0x0648,    /* ٶ high hamza waw */
    [0x26] = 0x064A,    /* ئ (word-initial: alef, see fold_arabic) */
    [0x21] = FOLD_DROP, /* ء */
    /* Persian and Kurdish letters to their Arabic counterparts. */
    [0x7E] = 0x0628, /* پ */
    [0x86] = 0x062C, /* چ */
    [0x98] = 0x0632, /* ژ */
    [0xAF] = 0x0643, /* گ */
    [0xA4] = 0x0641, /* ڤ */
    [0xB5] = 0x0644, /* ڵ */
    [0x95] = 0x0631, /* ڕ */
    [0xC6] = 0x0648, /* ۆ */
    [0xBA] = 0x0646, /* ں Urdu noon ghunna: an undotted final ن */
    /* Sorani writes short a/e as ە: a vowel letter, absent from the Arabic spelling. */
    [0xD5] = FOLD_DROP, /* ە */
};

/* ===== Character classes (Private) ===== */

/* What stage C does with one code point. */
enum {
    CLS_LETTER = 0,
    CLS_DIGIT,
    CLS_APOS,      /* apostrophe-like mark: ASCII ' in both forms, inside the token */
    CLS_MARK,      /* combining mark other than an Arabic diacritic */
    CLS_AR_MARK,   /* Arabic diacritic: removed from both forms */
    CLS_DROP,      /* removed without a boundary (tatweel, controls) */
    CLS_SEP_SPACE, /* boundaries; the enum order is the sep_before preference */
    CLS_SEP_OTHER,
    CLS_SEP_DASH,
    CLS_SEP_COMMA,
};

/* Script bits of letters, combined per token. */
enum {
    SC_LATIN = 1u << 0,
    SC_ARABIC = 1u << 1,
    SC_GREEK = 1u << 2,
    SC_CYRILLIC = 1u << 3,
    SC_ARMENIAN = 1u << 4,
    SC_HEBREW = 1u << 5,
    SC_OTHER = 1u << 6,
};

/* ASCII: class in the low nibble; for separators the sep_before character is in ascii_sep. */
static const uint8_t ascii_class[128] = {
    ['\t'] = CLS_SEP_SPACE, ['\n'] = CLS_SEP_SPACE, ['\v'] = CLS_SEP_SPACE, ['\f'] = CLS_SEP_SPACE,
    ['\r'] = CLS_SEP_SPACE, [' '] = CLS_SEP_SPACE,  ['!'] = CLS_SEP_SPACE,  ['"'] = CLS_SEP_OTHER,
    ['#'] = CLS_SEP_SPACE,  ['$'] = CLS_SEP_SPACE,  ['%'] = CLS_SEP_SPACE,  ['&'] = CLS_SEP_SPACE,
    ['\''] = CLS_APOS,      ['('] = CLS_SEP_OTHER,  [')'] = CLS_SEP_OTHER,  ['*'] = CLS_SEP_SPACE,
    ['+'] = CLS_SEP_SPACE,  [','] = CLS_SEP_COMMA,  ['-'] = CLS_SEP_DASH,   ['.'] = CLS_SEP_OTHER,
    ['/'] = CLS_SEP_OTHER,  ['0'] = CLS_DIGIT,      ['1'] = CLS_DIGIT,      ['2'] = CLS_DIGIT,
    ['3'] = CLS_DIGIT,      ['4'] = CLS_DIGIT,      ['5'] = CLS_DIGIT,      ['6'] = CLS_DIGIT,
    ['7'] = CLS_DIGIT,      ['8'] = CLS_DIGIT,      ['9'] = CLS_DIGIT,      [':'] = CLS_SEP_OTHER,
    [';'] = CLS_SEP_OTHER,  ['<'] = CLS_SEP_SPACE,  ['='] = CLS_SEP_SPACE,  ['>'] = CLS_SEP_SPACE,
    ['?'] = CLS_SEP_SPACE,  ['@'] = CLS_SEP_SPACE,  ['['] = CLS_SEP_OTHER,  ['\\'] = CLS_SEP_OTHER,
    [']'] = CLS_SEP_OTHER,  ['^'] = CLS_SEP_SPACE,  ['_'] = CLS_SEP_SPACE,  ['`'] = CLS_APOS,
    ['{'] = CLS_SEP_OTHER,  ['|'] = CLS_SEP_SPACE,  ['}'] = CLS_SEP_OTHER,  ['~'] = CLS_SEP_SPACE,
    [0x7F] = CLS_DROP,
    /* Letters are CLS_LETTER (0) by default; step() sends C0 controls to CLS_DROP. */
};

/* sep_before character of the ASCII separators (0 for non-separators). */
static const char ascii_sep[128] = {
    ['\t'] = ' ', ['\n'] = ' ', ['\v'] = ' ', ['\f'] = ' ', ['\r'] = ' ', [' '] = ' ',
    ['!'] = ' ',  ['"'] = '"',  ['#'] = ' ',  ['$'] = ' ',  ['%'] = ' ',  ['&'] = ' ',
    ['('] = '(',  [')'] = ')',  ['*'] = ' ',  ['+'] = ' ',  [','] = ',',  ['-'] = '-',
    ['.'] = '.',  ['/'] = '/',  [':'] = ':',  [';'] = ';',  ['<'] = ' ',  ['='] = ' ',
    ['>'] = ' ',  ['?'] = ' ',  ['@'] = ' ',  ['['] = '(',  ['\\'] = '/', [']'] = ')',
    ['^'] = ' ',  ['_'] = ' ',  ['{'] = '(',  ['|'] = ' ',  ['}'] = ')',  ['~'] = ' ',
};

/* C0 controls except the white-space ones, and DEL: removed and flagged. */
static inline bool is_ascii_control(int32_t cp)
{
    return (cp < 0x20 && !(cp >= '\t' && cp <= '\r')) || cp == 0x7F;
}

static inline bool is_ascii_alpha(int32_t cp)
{
    return (uint32_t)((cp | 0x20) - 'a') < 26u;
}

static inline bool in_range(int32_t cp, int32_t lo, int32_t hi)
{
    return cp >= lo && cp <= hi;
}

/* Arabic presentation forms (NFKC applies only to these, arabic-names.md 2.2 step 2). */
static inline bool is_presentation(int32_t cp)
{
    return in_range(cp, 0xFB50, 0xFDFF) || in_range(cp, 0xFE70, 0xFEFF);
}

/*
 * Honorific ligatures: whole phrases in one code point (ﷺ, ﷻ, ﷽, the abbreviation ﷵ and
 * the Unicode 14 honorifics), never part of a person's name.
 */
static inline bool is_honorific(int32_t cp)
{
    return cp == 0xFDF5 || cp == 0xFDFA || cp == 0xFDFB || in_range(cp, 0xFDFD, 0xFDFF) ||
           in_range(cp, 0xFD40, 0xFD4F) || cp == 0xFDCF;
}

/* Bidi embeddings, overrides and isolates (TBY_NORM_BIDI); LRM/RLM/ALM are not. */
static inline bool is_bidi_control(int32_t cp)
{
    return in_range(cp, 0x202A, 0x202E) || in_range(cp, 0x2066, 0x2069);
}

/* Arabic diacritics removed from both forms (arabic-names.md 2.2 step 5). */
static inline bool is_arabic_diacritic(int32_t cp)
{
    return in_range(cp, 0x064B, 0x065F) || cp == 0x0670 || in_range(cp, 0x0610, 0x061A) ||
           in_range(cp, 0x06D6, 0x06ED);
}

/* Combining marks that Latin-style fold strips: the generic diacritic blocks only. */
static inline bool is_generic_diacritic(int32_t cp)
{
    return in_range(cp, 0x0300, 0x036F) || in_range(cp, 0x1AB0, 0x1AFF) ||
           in_range(cp, 0x1DC0, 0x1DFF) || in_range(cp, 0x20D0, 0x20FF) ||
           in_range(cp, 0xFE20, 0xFE2F);
}

/* Marks standing for ayn, hamza or an apostrophe in transliterations (3.1). */
static inline bool is_apostrophe(int32_t cp)
{
    switch (cp) {
    case 0x0027: /* ' */
    case 0x0060: /* ` */
    case 0x00B4: /* ´ */
    case 0x02B9: /* ʹ */
    case 0x02BB: /* ʻ */
    case 0x02BC: /* ʼ */
    case 0x02BD: /* ʽ */
    case 0x02BE: /* ʾ */
    case 0x02BF: /* ʿ */
    case 0x2018: /* ‘ */
    case 0x2019: /* ’ */
    case 0x201B: /* ‛ */
    case 0x2032: /* ′ */
    case 0xFF07: /* ＇ */
        return true;
    default:
        return false;
    }
}

static unsigned script_of(int32_t cp)
{
    if (cp < 0x80 || in_range(cp, 0x00AA, 0x024F) || in_range(cp, 0x0250, 0x02FF) ||
        in_range(cp, 0x1D00, 0x1DBF) || in_range(cp, 0x1E00, 0x1EFF) ||
        in_range(cp, 0x2C60, 0x2C7F) || in_range(cp, 0xA720, 0xA7FF) ||
        in_range(cp, 0xAB30, 0xAB6F) || in_range(cp, 0xFB00, 0xFB06) ||
        in_range(cp, 0xFF21, 0xFF5A) || cp == 0x2071 || cp == 0x207F ||
        in_range(cp, 0x2090, 0x209C))
        return cp == 0x00B5 ? SC_GREEK : SC_LATIN; /* µ casefolds to Greek μ */
    if (in_range(cp, 0x0600, 0x06FF) || in_range(cp, 0x0750, 0x077F) ||
        in_range(cp, 0x0870, 0x08FF) || is_presentation(cp) || in_range(cp, 0x10E60, 0x10EFF) ||
        in_range(cp, 0x1EC70, 0x1EEFF))
        return SC_ARABIC;
    if (in_range(cp, 0x0370, 0x03FF) || in_range(cp, 0x1F00, 0x1FFF))
        return SC_GREEK;
    if (in_range(cp, 0x0400, 0x052F) || in_range(cp, 0x1C80, 0x1C8F) ||
        in_range(cp, 0x2DE0, 0x2DFF) || in_range(cp, 0xA640, 0xA69F))
        return SC_CYRILLIC;
    if (in_range(cp, 0x0530, 0x058F))
        return SC_ARMENIAN;
    if (in_range(cp, 0x0590, 0x05FF) || in_range(cp, 0xFB1D, 0xFB4F))
        return SC_HEBREW;
    return SC_OTHER;
}

/* Class and sep_before character of a non-ASCII code point (after stages A and B). */
static int classify(int32_t cp, const utf8proc_property_t *prop, char *sep)
{
    if (is_arabic_diacritic(cp))
        return CLS_AR_MARK;
    if (is_apostrophe(cp))
        return CLS_APOS;
    switch (cp) {
    case 0x060C: /* ، Arabic comma */
    case 0x066C: /* ٬ Arabic thousands separator */
    case 0xFE50:
    case 0xFF0C:
    case 0x3001:
        *sep = ',';
        return CLS_SEP_COMMA;
    case 0x06D4: /* ۔ Arabic full stop */
    case 0x066B: /* ٫ Arabic decimal separator */
    case 0xFE52:
    case 0xFF0E:
    case 0x3002:
        *sep = '.';
        return CLS_SEP_OTHER;
    case 0x061B: /* ؛ Arabic semicolon */
    case 0xFE54:
    case 0xFF1B:
        *sep = ';';
        return CLS_SEP_OTHER;
    case 0xFE55:
    case 0xFF1A:
        *sep = ':';
        return CLS_SEP_OTHER;
    case 0x2044: /* ⁄ */
    case 0x2215: /* ∕ */
    case 0xFF0F:
    case 0xFF3C:
        *sep = '/';
        return CLS_SEP_OTHER;
    case 0x0640: /* tatweel produced by a presentation-form decomposition */
        return CLS_DROP;
    default:
        break;
    }
    switch (prop->category) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return CLS_LETTER;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return CLS_MARK;
    case UTF8PROC_CATEGORY_ND:
        return CLS_DIGIT;
    case UTF8PROC_CATEGORY_PD:
        *sep = '-';
        return CLS_SEP_DASH;
    case UTF8PROC_CATEGORY_PS:
        *sep = '(';
        return CLS_SEP_OTHER;
    case UTF8PROC_CATEGORY_PE:
        *sep = ')';
        return CLS_SEP_OTHER;
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
        *sep = '"';
        return CLS_SEP_OTHER;
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
        return CLS_DROP; /* stage A removed these already; defensive */
    default:
        /* White space, other punctuation, symbols, unassigned and private use. */
        *sep = ' ';
        return CLS_SEP_SPACE;
    }
}

/* ===== Token builder (Private) ===== */

/* One code point with the byte span of the (possibly repaired) input it came from. */
typedef struct norm_cp {
    int32_t cp;
    uint32_t off;                    /* first byte */
    uint32_t end;                    /* one past the last byte */
    const utf8proc_property_t *prop; /* NULL for ASCII */
} norm_cp;

typedef struct norm_state {
    tby__norm *norm;
    uint32_t exact_len; /* bytes used in norm->exact */
    uint32_t fold_len;  /* bytes used in norm->fold */
    bool overflow;      /* an output form ran out of room */
    bool too_many;      /* more than TBY_NAME_MAX_PARTS * 2 tokens */
    bool any_letter;    /* some kept token has a letter */
    int sep_class;      /* strongest separator since the last kept token, 0 for none */
    char sep;           /* its sep_before character */
    /* The token under construction. */
    bool open;
    uint32_t tok_exact, tok_fold; /* where its forms start */
    uint32_t tok_off, tok_end;    /* its span in the input */
    uint16_t tok_flags;
    unsigned tok_scripts;    /* SC_* of its letters */
    unsigned tok_last_sc;    /* SC_* of its last letter */
    bool tok_letter;         /* has a letter */
    bool tok_digit;          /* has a digit */
    unsigned tok_cased;      /* cased letters seen */
    unsigned tok_upper;      /* of which upper or title case */
    int32_t tok_last_letter; /* last letter as written, for the ta marbuta hint */
} norm_state;

static void put_byte(norm_state *st, char *buf, uint32_t *pos, char c)
{
    if (*pos > TBY__NORM_OUT_CAP - 2) { /* keep room for the terminating NUL */
        st->overflow = true;
        return;
    }
    buf[(*pos)++] = c;
}

static void put_cp(norm_state *st, char *buf, uint32_t *pos, int32_t cp)
{
    if (cp < 0x80) {
        put_byte(st, buf, pos, (char)cp);
        return;
    }
    if (*pos > TBY__NORM_OUT_CAP - 5) {
        st->overflow = true;
        return;
    }
    unsigned char *u = (unsigned char *)buf + *pos;
    if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        *pos += 2;
        return;
    }
    *pos += (uint32_t)tby__utf8_encode(cp, buf + *pos);
}

static void put_exact(norm_state *st, int32_t cp)
{
    put_cp(st, st->norm->exact, &st->exact_len, cp);
}

static void put_fold(norm_state *st, int32_t cp)
{
    put_cp(st, st->norm->fold, &st->fold_len, cp);
}

static void note_sep(norm_state *st, int cls, char sep)
{
    /* Leading white space is not a separator; leading punctuation is ("(Ali"). */
    if (cls == CLS_SEP_SPACE && st->norm->token_count == 0)
        return;
    if (cls > st->sep_class) {
        st->sep_class = cls;
        st->sep = sep;
    }
}

/* Extends the open token to cover [off, end), opening one first when needed. */
static void tok_touch(norm_state *st, uint32_t off, uint32_t end)
{
    if (!st->open) {
        st->open = true;
        st->tok_exact = st->exact_len;
        st->tok_fold = st->fold_len;
        st->tok_off = off;
        st->tok_flags = 0;
        st->tok_scripts = 0;
        st->tok_last_sc = 0;
        st->tok_letter = false;
        st->tok_digit = false;
        st->tok_cased = 0;
        st->tok_upper = 0;
        st->tok_last_letter = 0;
    }
    st->tok_end = end;
}

static uint8_t token_script(unsigned bits)
{
    if (bits == 0)
        return TBY_SCRIPT_NONE;
    if (bits & (bits - 1))
        return TBY_SCRIPT_MIXED;
    if (bits == SC_LATIN)
        return TBY_SCRIPT_LATIN;
    if (bits == SC_ARABIC)
        return TBY_SCRIPT_ARABIC;
    return TBY_SCRIPT_OTHER;
}

/*
 * Ends the open token: keeps it when it has a letter or a digit and a non-empty fold form,
 * otherwise rewinds the output as if it had never been started.
 */
static void tok_close(norm_state *st)
{
    tby__norm *norm = st->norm;
    if (!st->open)
        return;
    st->open = false;
    if ((!st->tok_letter && !st->tok_digit) || st->fold_len == st->tok_fold || st->overflow) {
        st->exact_len = st->tok_exact;
        st->fold_len = st->tok_fold;
        return;
    }
    if (norm->token_count >= TBY_NAME_MAX_PARTS * 2) {
        st->too_many = true;
        st->exact_len = st->tok_exact;
        st->fold_len = st->tok_fold;
        return;
    }
    tby__ntoken *tok = &norm->tokens[norm->token_count++];
    tok->orig_off = st->tok_off;
    tok->orig_len = st->tok_end - st->tok_off;
    tok->exact_off = st->tok_exact;
    tok->exact_len = st->exact_len - st->tok_exact;
    tok->fold_off = st->tok_fold;
    tok->fold_len = st->fold_len - st->tok_fold;
    norm->exact[st->exact_len++] = '\0'; /* put_* always leave room for it */
    norm->fold[st->fold_len++] = '\0';
    tok->script = token_script(st->tok_scripts);
    tok->sep_before = st->sep_class ? st->sep : 0;
    uint16_t flags = st->tok_flags;
    if (st->tok_cased >= 2 && st->tok_upper == st->tok_cased)
        flags |= TBY__TOK_ALLCAPS;
    if (st->tok_last_letter == 0x0629 || st->tok_last_letter == 0x06C3)
        flags |= TBY__TOK_TA_MARBUTA;
    tok->flags = flags;
    if (tok->script == TBY_SCRIPT_MIXED)
        norm->flags |= TBY_NORM_MIXED_SCRIPT;
    if (st->tok_letter)
        st->any_letter = true;
    st->sep_class = 0;
    st->sep = 0;
}

/* ===== Letters (Private) ===== */

/* Latin fold of letters without a decomposition to a base letter (Unicode has none). */
static int fold_latin_special(int32_t cp, int32_t out[2])
{
    switch (cp) {
    case 0x00F8: /* ø */
        out[0] = 'o';
        return 1;
    case 0x00E6: /* æ */
        out[0] = 'a';
        out[1] = 'e';
        return 2;
    case 0x0153: /* œ */
        out[0] = 'o';
        out[1] = 'e';
        return 2;
    case 0x00DF: /* ß (casefold already gives ss; kept for safety) */
        out[0] = 's';
        out[1] = 's';
        return 2;
    case 0x00FE: /* þ */
        out[0] = 't';
        out[1] = 'h';
        return 2;
    case 0x0111: /* đ */
    case 0x00F0: /* ð */
    case 0x0256: /* ɖ */
    case 0x0257: /* ɗ */
        out[0] = 'd';
        return 1;
    case 0x0142: /* ł */
        out[0] = 'l';
        return 1;
    case 0x0127: /* ħ */
        out[0] = 'h';
        return 1;
    case 0x0167: /* ŧ */
        out[0] = 't';
        return 1;
    case 0x0131: /* ı */
    case 0x0268: /* ɨ */
        out[0] = 'i';
        return 1;
    case 0x0259: /* ə Azerbaijani schwa */
    case 0x025B: /* ɛ */
        out[0] = 'e';
        return 1;
    case 0x0254: /* ɔ */
        out[0] = 'o';
        return 1;
    case 0x0192: /* ƒ */
        out[0] = 'f';
        return 1;
    case 0x0180: /* ƀ */
        out[0] = 'b';
        return 1;
    case 0x01B6: /* ƶ */
        out[0] = 'z';
        return 1;
    case 0x0138: /* ĸ */
        out[0] = 'k';
        return 1;
    case 0x014B: /* ŋ */
        out[0] = 'n';
        return 1;
    default:
        return 0;
    }
}

/* Appends the fold of one code point of a decomposed letter to out; returns the count. */
static int fold_piece(int32_t cp, int32_t *out)
{
    if (cp < 0x80) {
        /* Compatibility decompositions may carry spaces (ͺ is a space + U+0345). */
        if (!is_ascii_alpha(cp) && !(cp >= '0' && cp <= '9') && cp != '\'' && cp != '`')
            return 0;
        out[0] = cp == '`' ? '\'' : (cp | (is_ascii_alpha(cp) ? 0x20 : 0));
        return 1;
    }
    if (is_apostrophe(cp)) {
        out[0] = '\'';
        return 1;
    }
    int n = fold_latin_special(cp, out);
    if (n > 0)
        return n;
    const utf8proc_property_t *prop = utf8proc_get_property(cp);
    if (prop->category == UTF8PROC_CATEGORY_MN || prop->category == UTF8PROC_CATEGORY_ME ||
        prop->category == UTF8PROC_CATEGORY_MC) {
        if (is_generic_diacritic(cp))
            return 0;
        out[0] = cp;
        return 1;
    }
    /* Only letters and digits survive; a compatibility decomposition may carry spaces. */
    if (prop->category > UTF8PROC_CATEGORY_LO && prop->category != UTF8PROC_CATEGORY_ND)
        return 0;
    out[0] = cp;
    return 1;
}

/*
 * Exact form of a letter of any script but Arabic: its case fold, Turkish İ and ı both to
 * i (utf8proc would leave i + U+0307 for İ), recomposed. Writes at most NORM_DECOMP_MAX
 * code points to out; returns the count.
 */
static int exact_other(int32_t cp, const utf8proc_property_t *prop, int32_t *out)
{
    if (cp == 0x0130 || cp == 0x0131) {
        out[0] = 'i';
        return 1;
    }
    if (prop->casefold_seqindex == UINT16_MAX) {
        out[0] = cp;
        return 1;
    }
    utf8proc_ssize_t n = utf8proc_decompose_char(cp, out, NORM_DECOMP_MAX, UTF8PROC_CASEFOLD, NULL);
    if (n > 1 && n <= NORM_DECOMP_MAX)
        n = utf8proc_normalize_utf32(out, n, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    if (n < 1 || n > NORM_DECOMP_MAX) {
        out[0] = cp;
        return 1;
    }
    for (utf8proc_ssize_t i = 0; i < n; i++)
        if (is_apostrophe(out[i]))
            out[i] = '\'';
    return (int)n;
}

/*
 * Accented Latin letters that stand for another sound than their base letter, folded to the
 * digraph every other spelling uses: Turkish, Romanian and Kurdish ş ș and Slavic š are sh
 * (Şerif, Šaban = Sharif, Sha'ban), Slavic ž is zh (Bosnian Džemal = Jamal, read dzh), č ć are
 * ch; and the letters of the scholarly Arabic systems (DIN 31635, ISO 233; arabic-names.md
 * 3.1) that stand for a digraph: ǧ = j (ج), ġ = gh (غ), ḫ ẖ = kh (خ), ṯ = th (ث), ḏ = dh (ذ).
 * Dropping the accent instead would read Şerif as Serif and Ǧamāl as Gamal. Returns the
 * count written to out (at most 2), 0 for any other letter.
 */
static int fold_latin_digraph(int32_t cp, int32_t out[2])
{
    char first, second = 'h';
    switch (cp) {
    case 0x015E: /* Ş */
    case 0x015F: /* ş */
    case 0x0160: /* Š */
    case 0x0161: /* š */
    case 0x0218: /* Ș */
    case 0x0219: /* ș */
        first = 's';
        break;
    case 0x017D: /* Ž */
    case 0x017E: /* ž */
        first = 'z';
        break;
    case 0x0106: /* Ć */
    case 0x0107: /* ć */
    case 0x010C: /* Č */
    case 0x010D: /* č */
        first = 'c';
        break;
    case 0x01E6: /* Ǧ */
    case 0x01E7: /* ǧ */
        out[0] = 'j';
        return 1;
    case 0x0120: /* Ġ */
    case 0x0121: /* ġ */
        first = 'g';
        break;
    case 0x1E2A: /* Ḫ */
    case 0x1E2B: /* ḫ */
    case 0x1E96: /* ẖ */
        first = 'k';
        break;
    case 0x1E6E: /* Ṯ */
    case 0x1E6F: /* ṯ */
        first = 't';
        break;
    case 0x1E0E: /* Ḏ */
    case 0x1E0F: /* ḏ */
        first = 'd';
        break;
    default:
        return 0;
    }
    out[0] = first;
    out[1] = second;
    return 2;
}

/*
 * Fold form of a letter of any script but Arabic: the case fold decomposed (compatibility
 * included), generic diacritics dropped, and the few letters Unicode gives no base letter
 * (ø ł đ ə ...) or that stand for a digraph (ş ž ǧ ...) mapped by hand. Writes at most
 * 2 * NORM_DECOMP_MAX code points to out; returns the count.
 */
static int fold_other(int32_t cp, const utf8proc_property_t *prop, int32_t *out)
{
    int32_t buf[NORM_DECOMP_MAX];
    utf8proc_ssize_t n = 1;
    int digraph = fold_latin_digraph(cp, out);
    if (digraph > 0)
        return digraph;
    buf[0] = cp;
    if (cp == 0x0130 || cp == 0x0131) {
        buf[0] = 'i';
    } else if (prop->casefold_seqindex != UINT16_MAX || prop->decomp_seqindex != UINT16_MAX) {
        n = utf8proc_decompose_char(cp, buf, NORM_DECOMP_MAX,
                                    UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, NULL);
        if (n < 1 || n > NORM_DECOMP_MAX) {
            n = 1;
            buf[0] = cp;
        }
    }
    int count = 0;
    for (utf8proc_ssize_t i = 0; i < n; i++)
        count += fold_piece(buf[i], out + count);
    return count;
}

/* ===== Latin table (Private) ===== */

/*
 * exact_other and fold_other of the precomposed Latin letters (U+00C0-024F, U+1E00-1EFF),
 * computed once, so that the accented letters of Turkish, French or ALA-LC names (ç é ş ü
 * ḥ ā ...) cost a table read instead of two utf8proc decompositions each.
 */
#define LATIN1_LO   0x00C0
#define LATIN1_HI   0x024F
#define LATIN2_LO   0x1E00
#define LATIN2_HI   0x1EFF
#define LATIN_COUNT ((LATIN1_HI - LATIN1_LO + 1) + (LATIN2_HI - LATIN2_LO + 1))

typedef struct latin_entry {
    uint16_t exact; /* the exact form when it is one code point, else 0 (ß -> ss) */
    char fold[3];   /* the fold form when it is 1-2 ASCII bytes, else "" */
} latin_entry;

static latin_entry latin_table[LATIN_COUNT];
static once_flag latin_once = ONCE_FLAG_INIT;

static void latin_table_build(void)
{
    int32_t forms[2 * NORM_DECOMP_MAX];
    for (int i = 0; i < LATIN_COUNT; i++) {
        int32_t cp = i <= LATIN1_HI - LATIN1_LO ? LATIN1_LO + i
                                                : LATIN2_LO + (i - (LATIN1_HI - LATIN1_LO + 1));
        const utf8proc_property_t *prop = utf8proc_get_property(cp);
        latin_entry *entry = &latin_table[i];
        if (exact_other(cp, prop, forms) == 1 && forms[0] <= 0xFFFF)
            entry->exact = (uint16_t)forms[0];
        int n = fold_other(cp, prop, forms);
        if (n >= 1 && n <= 2 && forms[0] < 0x80 && forms[n - 1] < 0x80) {
            entry->fold[0] = (char)forms[0];
            entry->fold[1] = n == 2 ? (char)forms[1] : '\0';
        }
    }
}

static const latin_entry *latin_lookup(int32_t cp)
{
    int index;
    if (in_range(cp, LATIN1_LO, LATIN1_HI))
        index = cp - LATIN1_LO;
    else if (in_range(cp, LATIN2_LO, LATIN2_HI))
        index = (LATIN1_HI - LATIN1_LO + 1) + (cp - LATIN2_LO);
    else
        return NULL;
    call_once(&latin_once, latin_table_build);
    const latin_entry *entry = &latin_table[index];
    return entry->exact && entry->fold[0] ? entry : NULL;
}

/* Writes both forms of a letter of any script but Arabic. */
static void put_other_letter(norm_state *st, int32_t cp, const utf8proc_property_t *prop)
{
    const latin_entry *entry = latin_lookup(cp);
    if (entry) {
        put_exact(st, entry->exact);
        put_fold(st, entry->fold[0]);
        if (entry->fold[1])
            put_fold(st, entry->fold[1]);
        return;
    }
    int32_t forms[2 * NORM_DECOMP_MAX];
    int n = exact_other(cp, prop, forms);
    for (int i = 0; i < n; i++)
        put_exact(st, forms[i]);
    n = fold_other(cp, prop, forms);
    for (int i = 0; i < n; i++)
        put_fold(st, forms[i]);
}

static bool is_hamza_form(int32_t cp)
{
    switch (cp) {
    case 0x0621: /* ء */
    case 0x0622: /* آ */
    case 0x0623: /* أ */
    case 0x0624: /* ؤ */
    case 0x0625: /* إ */
    case 0x0626: /* ئ */
    case 0x0672: /* ٲ */
    case 0x0673: /* ٳ */
    case 0x0675: /* ٵ */
    case 0x0676: /* ٶ */
    case 0x0678: /* ٸ */
    case 0x06C0: /* ۀ */
    case 0x06D3: /* ۓ */
        return true;
    default:
        return false;
    }
}

/* An Arabic-script letter: exact as written (NFC), fold per arabic_fold. */
static void put_arabic_letter(norm_state *st, int32_t cp, bool initial)
{
    if (cp < 0x800 && st->exact_len <= TBY__NORM_OUT_CAP - 3) {
        /* Two-byte UTF-8 written in place: the hot path for Arabic names. */
        st->norm->exact[st->exact_len++] = (char)(0xC0 | (cp >> 6));
        st->norm->exact[st->exact_len++] = (char)(0x80 | (cp & 0x3F));
    } else {
        put_exact(st, cp);
    }
    if (is_hamza_form(cp))
        st->tok_flags |= TBY__TOK_HAMZA;
    if (!in_range(cp, 0x0600, 0x06FF)) {
        put_fold(st, cp);
        return;
    }
    /*
     * Arabic spelling never starts a word with ئ; Kurdish and Uyghur do, as a silent seat
     * before a vowel (ئەحمەد for أحمد), so word-initially it stands for alef (2.3).
     */
    if (cp == 0x0626 && initial) {
        put_fold(st, 0x0627);
        return;
    }
    uint16_t mapped = arabic_fold[cp - 0x600];
    if (mapped == FOLD_DROP)
        return;
    put_fold(st, mapped ? (int32_t)mapped : cp);
}

/* ===== Stage C: one code point (Private) ===== */

/* The Arabic letters ء..ي without tatweel: the common case, which needs no lookup. */
static inline bool is_basic_arabic_letter(int32_t cp)
{
    return in_range(cp, 0x0621, 0x064A) && cp != 0x0640;
}

/*
 * Starts a letter of script sc at [off, end): cuts the word first when it changes between
 * Arabic and another script (RTL/LTR), then opens or extends the token. Returns whether
 * the letter is the token's first.
 */
static inline bool letter_begin(norm_state *st, unsigned sc, uint32_t off, uint32_t end)
{
    if (st->open && st->tok_letter && ((sc == SC_ARABIC) != (st->tok_last_sc == SC_ARABIC))) {
        tok_close(st);
        note_sep(st, CLS_SEP_SPACE, ' ');
    }
    tok_touch(st, off, end);
    bool initial = !st->tok_letter;
    st->tok_letter = true;
    st->tok_scripts |= sc;
    st->tok_last_sc = sc;
    return initial;
}

/*
 * Stage C for a run of ASCII letters text[off..end): the fast path that keeps Latin names
 * cheap. Same result as calling step() once per letter.
 */
static void ascii_letters(norm_state *st, const char *text, uint32_t off, uint32_t end)
{
    bool initial = letter_begin(st, SC_LATIN, off, end);
    uint32_t count = end - off;
    if (st->exact_len + count + 1 > TBY__NORM_OUT_CAP ||
        st->fold_len + count + 1 > TBY__NORM_OUT_CAP) {
        st->overflow = true;
        return;
    }
    char *exact = st->norm->exact + st->exact_len;
    char *fold = st->norm->fold + st->fold_len;
    unsigned upper = 0;
    for (uint32_t i = 0; i < count; i++) {
        char c = text[off + i];
        upper += c <= 'Z';
        exact[i] = fold[i] = (char)(c | 0x20);
    }
    if (initial && text[off] <= 'Z')
        st->tok_flags |= TBY__TOK_CAPITAL;
    st->tok_cased += count;
    st->tok_upper += upper;
    st->tok_last_letter = (unsigned char)text[end - 1];
    st->exact_len += count;
    st->fold_len += count;
}

/* Is u[0..1] the UTF-8 of a basic Arabic letter (ء..ي without tatweel)? */
static inline bool is_basic_arabic_bytes(const unsigned char *u)
{
    return (u[0] == 0xD8 && u[1] >= 0xA1 && u[1] <= 0xBF) ||
           (u[0] == 0xD9 && u[1] >= 0x81 && u[1] <= 0x8A);
}

/*
 * Stage C for text[off..end), a run of basic Arabic letters each followed by another one
 * (so no combining mark can attach and each is its own NFC): the fast path for Arabic
 * names. Same result as calling step() once per letter.
 */
static void arabic_letters(norm_state *st, const char *text, uint32_t off, uint32_t end)
{
    bool initial = letter_begin(st, SC_ARABIC, off, end);
    uint32_t bytes = end - off;
    if (st->exact_len > TBY__NORM_OUT_CAP - 1 - bytes ||
        st->fold_len > TBY__NORM_OUT_CAP - 1 - bytes) {
        st->overflow = true;
        return;
    }
    memcpy(st->norm->exact + st->exact_len, text + off, bytes);
    st->exact_len += bytes;
    char *fold = st->norm->fold;
    const unsigned char *u = (const unsigned char *)text;
    int32_t cp = 0;
    for (uint32_t at = off; at < end; at += 2) {
        cp = ((u[at] & 0x1F) << 6) | (u[at + 1] & 0x3F);
        if (is_hamza_form(cp))
            st->tok_flags |= TBY__TOK_HAMZA;
        int32_t folded = arabic_fold[cp - 0x600];
        if (cp == 0x0626 && initial)
            folded = 0x0627; /* see put_arabic_letter */
        initial = false;
        if (folded == FOLD_DROP)
            continue;
        if (folded == 0)
            folded = cp;
        fold[st->fold_len++] = (char)(0xC0 | (folded >> 6));
        fold[st->fold_len++] = (char)(0x80 | (folded & 0x3F));
    }
    st->tok_last_letter = cp;
}

/* Stage C for one code point; prop may be NULL (looked up here when needed). */
static void step(norm_state *st, int32_t cp, const utf8proc_property_t *prop, uint32_t off,
                 uint32_t end)
{
    char sep = 0;
    int cls;

    if (cp < 0x80 && is_ascii_alpha(cp)) {
        bool initial = letter_begin(st, SC_LATIN, off, end);
        st->tok_last_letter = cp;
        st->tok_cased++;
        if (cp <= 'Z') {
            st->tok_upper++;
            if (initial)
                st->tok_flags |= TBY__TOK_CAPITAL;
        }
        put_exact(st, cp | 0x20);
        put_fold(st, cp | 0x20);
        return;
    }
    if (is_basic_arabic_letter(cp)) {
        bool initial = letter_begin(st, SC_ARABIC, off, end);
        st->tok_last_letter = cp;
        put_arabic_letter(st, cp, initial);
        return;
    }
    if (cp < 0x80) {
        cls = ascii_class[cp];
        sep = ascii_sep[cp];
        if (is_ascii_control(cp))
            cls = CLS_DROP;
    } else {
        if (!prop)
            prop = utf8proc_get_property(cp);
        cls = classify(cp, prop, &sep);
    }

    switch (cls) {
    case CLS_LETTER: {
        unsigned sc = script_of(cp);
        bool initial = letter_begin(st, sc, off, end);
        st->tok_last_letter = cp;
        if (sc == SC_ARABIC) { /* ASCII letters never get here: see the top of step() */
            put_arabic_letter(st, cp, initial);
        } else {
            bool upper =
                prop->category == UTF8PROC_CATEGORY_LU || prop->category == UTF8PROC_CATEGORY_LT;
            if (upper || prop->category == UTF8PROC_CATEGORY_LL) {
                st->tok_cased++;
                if (upper) {
                    st->tok_upper++;
                    if (initial)
                        st->tok_flags |= TBY__TOK_CAPITAL;
                }
            }
            put_other_letter(st, cp, prop);
        }
        return;
    }
    case CLS_DIGIT:
        tok_touch(st, off, end);
        st->tok_digit = true;
        st->tok_flags |= TBY__TOK_DIGITS;
        if (in_range(cp, 0x0660, 0x0669))
            cp = '0' + (cp - 0x0660);
        else if (in_range(cp, 0x06F0, 0x06F9))
            cp = '0' + (cp - 0x06F0);
        put_exact(st, cp);
        put_fold(st, cp);
        return;
    case CLS_APOS:
        tok_touch(st, off, end);
        put_exact(st, '\'');
        put_fold(st, '\'');
        return;
    case CLS_AR_MARK:
        st->norm->flags |= TBY_NORM_DIACRITICS;
        if (!st->open)
            return;
        st->tok_end = end;
        if (cp == 0x0651)
            st->tok_flags |= TBY__TOK_SHADDA;
        else if (in_range(cp, 0x064B, 0x0650) || cp == 0x0670)
            st->tok_flags |= TBY__TOK_HARAKAT;
        else if (cp == 0x0654 || cp == 0x0655)
            st->tok_flags |= TBY__TOK_HAMZA;
        return;
    case CLS_MARK:
        /* A mark with nothing to sit on (start of a word) is dropped from both forms. */
        if (!st->open || (!st->tok_letter && !st->tok_digit))
            return;
        st->tok_end = end;
        put_exact(st, cp);
        if (!is_generic_diacritic(cp))
            put_fold(st, cp);
        return;
    case CLS_DROP:
        if (cp == 0x0640)
            st->norm->flags |= TBY_NORM_TATWEEL;
        else
            st->norm->flags |= TBY_NORM_CONTROL;
        return;
    default: /* separators */
        tok_close(st);
        note_sep(st, cls, sep);
        return;
    }
}

/* ===== Mojibake repair (Private) ===== */

/* The byte that `cp` came from if the text was UTF-8 read as CP1252 or Latin-1, or -1. */
static int byte_cp1252(int32_t cp)
{
    if (cp < 0x100)
        return (int)cp; /* ASCII, Latin-1 and the C1 controls of a Latin-1 reading */
    if (cp > 0x2122 || in_range(cp, 0x02DD, 0x2012))
        return -1; /* outside every value of cp1252_high: Arabic text stops here */
    for (int i = 0; i < 32; i++)
        if (cp1252_high[i] == cp)
            return 0x80 + i;
    return -1;
}

/* The byte that `cp` came from if the text was UTF-8 read as CP1256, or -1. */
static int byte_cp1256(int32_t cp)
{
    if (cp < 0x80)
        return (int)cp;
    /*
     * The basic Arabic letters sit in runs (ء..ض at 0xC1, ط..غ at 0xD8, ف..ك at 0xDD, ل at
     * 0xE1, م..و at 0xE3, ى ي at 0xEC): try that guess first. It is checked against the
     * table, so the table stays the only source; a miss just scans.
     */
    int guess = in_range(cp, 0x0621, 0x0636)   ? 0xC1 + (cp - 0x0621)
                : in_range(cp, 0x0637, 0x063A) ? 0xD8 + (cp - 0x0637)
                : in_range(cp, 0x0641, 0x0643) ? 0xDD + (cp - 0x0641)
                : cp == 0x0644                 ? 0xE1
                : in_range(cp, 0x0645, 0x0648) ? 0xE3 + (cp - 0x0645)
                : in_range(cp, 0x0649, 0x064A) ? 0xEC + (cp - 0x0649)
                                               : 0;
    if (guess && cp1256_high[guess - 0x80] == cp)
        return guess;
    for (int i = 0; i < 128; i++)
        if (cp1256_high[i] == cp)
            return 0x80 + i;
    return -1;
}

/* Arabic letters of the main block: what a repaired name must contain. */
static bool is_arabic_letter(int32_t cp)
{
    return in_range(cp, 0x0620, 0x064A) || in_range(cp, 0x066E, 0x06D3) || cp == 0x06D5;
}

/*
 * Mojibake shows itself through characters no name contains: symbols and punctuation
 * from the upper half of the code page (… ‡ § ¯ ±), C1 controls, soft hyphens. Requiring
 * one keeps real Latin or Arabic text, and our own exact forms, from being "repaired".
 */
static bool looks_like_garbage(int32_t cp)
{
    if (cp < 0x80)
        return false;
    utf8proc_category_t cat = utf8proc_category(cp);
    return cat >= UTF8PROC_CATEGORY_NO && cat != UTF8PROC_CATEGORY_ZL &&
           cat != UTF8PROC_CATEGORY_ZP;
}

/*
 * Tries to read `text` as UTF-8 that went through `to_byte`'s code page. Returns 1 and a
 * heap copy of the bytes in *out (C0 controls left out, *dropped_control set) when every
 * code point maps back, the bytes are valid UTF-8, they contain an Arabic letter and the
 * original shows garbage; 0 when not; TBY_ENOMEM.
 */
static int try_repair(const char *text, size_t len, int (*to_byte)(int32_t), char **out,
                      size_t *out_len, bool *dropped_control)
{
    unsigned char bytes[TBY_NAME_MAX_BYTES];
    size_t count = 0;
    bool garbage = false;
    int pending = 0; /* continuation bytes the last lead byte still expects */
    size_t pos = 0;
    while (pos < len) {
        int32_t cp;
        size_t cp_len = tby__utf8_decode(text + pos, len - pos, &cp);
        int byte = cp_len ? to_byte(cp) : -1;
        if (byte < 0)
            return 0;
        pos += cp_len;
        /*
         * C0 controls are left out of the repaired text, as stage A would drop them anyway:
         * that keeps norm->repaired a plain C string whose length strlen() gives.
         */
        if (byte < 0x80 && is_ascii_control(byte)) {
            *dropped_control = true;
            continue;
        }
        /* Fail early on structure: real text stops looking like UTF-8 within a letter. */
        if (pending > 0) {
            if ((byte & 0xC0) != 0x80)
                return 0;
            pending--;
        } else if (byte >= 0xC2 && byte <= 0xDF) {
            pending = 1;
        } else if (byte >= 0xE0 && byte <= 0xEF) {
            pending = 2;
        } else if (byte >= 0xF0 && byte <= 0xF4) {
            pending = 3;
        } else if (byte >= 0x80) {
            return 0;
        }
        garbage |= looks_like_garbage(cp);
        bytes[count++] = (unsigned char)byte;
    }
    if (!garbage || tby__utf8_validate((const char *)bytes, count) != count)
        return 0;
    bool arabic = false;
    for (size_t at = 0; at < count && !arabic;) {
        int32_t cp;
        size_t n = tby__utf8_decode((const char *)bytes + at, count - at, &cp);
        arabic = is_arabic_letter(cp);
        at += n;
    }
    if (!arabic)
        return 0;
    char *copy = tby__strndup((const char *)bytes, count);
    if (!copy)
        return TBY_ENOMEM;
    *out = copy;
    *out_len = count;
    return 1;
}

/*
 * Repairs UTF-8 Arabic that was read as CP1252/Latin-1 ("Ù…Ø­Ù…Ø¯") or as CP1256
 * ("ظ…ط­ظ…ط¯") and written back as UTF-8. On repair norm->repaired holds the text and
 * *src and *src_len point at it. A CP1252 reading contains no Arabic letter and a CP1256
 * reading of Arabic always does (ط ظ from the lead bytes), so one test is enough; on real
 * text it fails within a character or two. Invalid UTF-8 is never repaired.
 */
static int repair_mojibake(tby__norm *norm, const char **src, size_t *src_len)
{
    char *fixed = NULL;
    size_t fixed_len = 0;
    /* Lead bytes 0xD8 0xD9 start U+0600-067F, where every basic Arabic letter is. */
    bool has_arabic = memchr(*src, 0xD8, *src_len) || memchr(*src, 0xD9, *src_len);
    bool dropped_control = false;
    int rc = try_repair(*src, *src_len, has_arabic ? byte_cp1256 : byte_cp1252, &fixed, &fixed_len,
                        &dropped_control);
    if (rc <= 0)
        return rc;
    if (dropped_control)
        norm->flags |= TBY_NORM_CONTROL;
    norm->repaired = fixed;
    norm->flags |= TBY_NORM_MOJIBAKE;
    *src = fixed;
    *src_len = fixed_len;
    return 0;
}

/* ===== Stages A and B (Private) ===== */

/*
 * Stage A: decodes the next code point of `text` that survives cleaning, with its span and
 * properties (looked up once here and reused by the later stages; NULL for ASCII and the
 * basic Arabic letters, which need none). Controls, format and default-ignorable characters
 * and tatweel are dropped and flagged. Returns 1, 0 at the end of the text, or -1 for
 * invalid UTF-8 with *pos at the first bad byte (validation happens here, in the same pass).
 */
static int read_clean(tby__norm *norm, const char *text, size_t len, size_t *pos, norm_cp *out)
{
    const unsigned char *u = (const unsigned char *)text;
    while (*pos < len) {
        size_t off = *pos;
        int32_t cp = u[off];
        const utf8proc_property_t *prop = NULL;
        if (cp < 0x80) {
            *pos += 1;
            if (is_ascii_control(cp)) {
                norm->flags |= TBY_NORM_CONTROL;
                continue;
            }
        } else {
            size_t n;
            if (cp >= 0xC2 && cp <= 0xDF && off + 1 < len && (u[off + 1] & 0xC0) == 0x80) {
                cp = ((cp & 0x1F) << 6) | (u[off + 1] & 0x3F); /* two bytes: Arabic, Latin */
                n = 2;
            } else {
                n = tby__utf8_decode(text + off, len - off, &cp);
                if (n == 0)
                    return -1;
            }
            *pos += n;
            if (cp < 0xA0) {
                norm->flags |= TBY_NORM_CONTROL; /* C1 */
                continue;
            }
            if (cp == 0x0640) {
                norm->flags |= TBY_NORM_TATWEEL;
                continue;
            }
            if (is_basic_arabic_letter(cp))
                goto keep; /* a starter without decomposition issues: no lookup needed */
            prop = utf8proc_get_property(cp);
            if (prop->category == UTF8PROC_CATEGORY_CF || prop->ignorable) {
                norm->flags |= TBY_NORM_INVISIBLE;
                if (is_bidi_control(cp))
                    norm->flags |= TBY_NORM_BIDI;
                continue;
            }
            if (prop->category == UTF8PROC_CATEGORY_CC) {
                norm->flags |= TBY_NORM_CONTROL;
                continue;
            }
        }
    keep:
        out->cp = cp;
        out->off = (uint32_t)off;
        out->end = (uint32_t)*pos;
        out->prop = prop;
        return 1;
    }
    return 0;
}

static inline int ccc_of(const norm_cp *c)
{
    return c->prop ? c->prop->combining_class : 0;
}

/* Is a code point not followed by combining marks already its own NFC (or NFKC)? */
static bool is_normal_alone(const norm_cp *c)
{
    if (c->cp < 0xC0)
        return true;
    /*
     * Every code point of Latin-1 Supplement to Latin Extended-B, Latin Extended Additional,
     * Cyrillic and the Arabic block is its own NFC (test_names_norm__nfc_stable_ranges checks
     * this against utf8proc), so the precomposed letters names are full of skip the
     * decompose-and-recompose round trip.
     */
    if (c->cp <= 0x024F || in_range(c->cp, 0x0400, 0x04FF) || in_range(c->cp, 0x0600, 0x06FF) ||
        in_range(c->cp, 0x1E00, 0x1EFF))
        return true;
    if (is_presentation(c->cp))
        return false;
    /* Only canonical decompositions (type 0) matter to NFC; compatibility ones stay. */
    return c->prop->decomp_seqindex == UINT16_MAX || c->prop->decomp_type != 0;
}

/*
 * Appends the canonical decomposition of c to tmp[*count] (compatibility decomposition for
 * Arabic presentation forms; nothing for honorific ligatures). Returns false when tmp
 * (NORM_MAX_CPS) is full.
 */
static bool decompose_into(tby__norm *norm, int32_t cp, int32_t *tmp, size_t *count)
{
    if (is_honorific(cp)) {
        norm->flags |= TBY_NORM_PRESENTATION | TBY_NORM_TITLES;
        return true;
    }
    bool compat = is_presentation(cp);
    int32_t *dst = tmp + *count;
    size_t room = NORM_MAX_CPS - *count;
    utf8proc_ssize_t n = utf8proc_decompose_char(
        cp, dst, (utf8proc_ssize_t)room,
        compat ? UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT : UTF8PROC_DECOMPOSE, NULL);
    if (n < 0 || (size_t)n > room)
        return false;
    if (compat && (n != 1 || dst[0] != cp)) {
        norm->flags |= TBY_NORM_PRESENTATION;
        /*
         * Isolated and medial forms of harakat decompose to a space or a tatweel carrying
         * the mark; the carrier is not text.
         */
        size_t kept = 0;
        for (utf8proc_ssize_t d = 0; d < n; d++) {
            if (dst[d] == 0x20)
                continue;
            if (dst[d] == 0x0640) {
                norm->flags |= TBY_NORM_TATWEEL;
                continue;
            }
            dst[kept++] = dst[d];
        }
        n = (utf8proc_ssize_t)kept;
    }
    *count += (size_t)n;
    return true;
}

/*
 * Stages A to C for non-ASCII text: NFC one cluster (a starter and the combining marks
 * after it) at a time, with compatibility decomposition for Arabic presentation forms only.
 * A code point that is alone and already normal - nearly all of them - goes straight to
 * stage C; the others are decomposed, put in canonical order and recomposed, and each
 * result gets the span of its whole cluster. Starter-starter compositions (Hangul jamo
 * sequences, a few Indic vowel signs) are not made; both passes agree, so the output is
 * still stable. Returns 0, TBY_EUTF8 with *bad the offset of the first invalid byte, or
 * TBY_ETOOLARGE when a cluster outgrows NORM_MAX_CPS.
 */
static int run_unicode(norm_state *st, const char *text, size_t len, size_t *bad)
{
    int32_t tmp[NORM_MAX_CPS];
    size_t pos = 0;
    norm_cp cur, next;
    const unsigned char *u = (const unsigned char *)text;
    int have = read_clean(st->norm, text, len, &pos, &cur);
    while (have > 0) {
        if (cur.prop == NULL && is_basic_arabic_letter(cur.cp)) {
            /* cur and the basic letters after it, but the last (marks may follow that one). */
            size_t run_end = pos;
            while (run_end + 1 < len && is_basic_arabic_bytes(u + run_end))
                run_end += 2;
            if (run_end > pos) {
                arabic_letters(st, text, cur.off, (uint32_t)run_end - 2);
                pos = run_end - 2;
                have = read_clean(st->norm, text, len, &pos, &cur);
                continue;
            }
        }
        int have_next = read_clean(st->norm, text, len, &pos, &next);
        if ((have_next <= 0 || ccc_of(&next) == 0) && is_normal_alone(&cur)) {
            step(st, cur.cp, cur.prop, cur.off, cur.end);
            cur = next;
            have = have_next;
            continue;
        }
        size_t count = 0;
        uint32_t end = cur.end;
        if (!decompose_into(st->norm, cur.cp, tmp, &count))
            return TBY_ETOOLARGE;
        while (have_next > 0 && ccc_of(&next) != 0) {
            if (!decompose_into(st->norm, next.cp, tmp, &count))
                return TBY_ETOOLARGE;
            end = next.end;
            have_next = read_clean(st->norm, text, len, &pos, &next);
        }
        /* Canonical ordering: stable insertion sort of each run of non-starters by class. */
        for (size_t a = 1; a < count; a++) {
            int32_t cp = tmp[a];
            int cc = utf8proc_get_property(cp)->combining_class;
            if (cc == 0)
                continue;
            size_t b = a;
            while (b > 0 && utf8proc_get_property(tmp[b - 1])->combining_class > cc) {
                tmp[b] = tmp[b - 1];
                b--;
            }
            tmp[b] = cp;
        }
        utf8proc_ssize_t composed =
            count == 0 ? 0
                       : utf8proc_normalize_utf32(tmp, (utf8proc_ssize_t)count,
                                                  UTF8PROC_COMPOSE | UTF8PROC_STABLE);
        if (composed < 0)
            return TBY_ETOOLARGE;
        for (utf8proc_ssize_t k = 0; k < composed; k++)
            step(st, tmp[k], NULL, cur.off, end);
        cur = next;
        have = have_next;
    }
    if (have < 0) {
        *bad = pos;
        return TBY_EUTF8;
    }
    return 0;
}

/* ===== Public ===== */

void tby__norm_init(tby__norm *norm)
{
    norm->token_count = 0;
    norm->flags = 0;
    norm->repaired = NULL;
    norm->exact[0] = '\0';
    norm->fold[0] = '\0';
}

void tby__norm_dispose(tby__norm *norm)
{
    if (!norm)
        return;
    tby__free(norm->repaired);
    norm->repaired = NULL;
    norm->token_count = 0;
}

static bool all_ascii(const char *text, size_t len)
{
    unsigned char acc = 0;
    for (size_t i = 0; i < len; i++)
        acc |= (unsigned char)text[i];
    return acc < 0x80;
}

int tby__norm_run(tby__norm *norm, const char *text, size_t len, tby_error *err)
{
    TBY_ASSERT_ARG(norm != NULL);
    TBY_ASSERT_ARG(text != NULL || len == 0);

    int rc = 0;
    norm_state st;
    memset(&st, 0, sizeof(st));
    st.norm = norm;
    norm->token_count = 0;
    norm->flags = 0;
    tby__free(norm->repaired);
    norm->repaired = NULL;
    norm->exact[0] = '\0';
    norm->fold[0] = '\0';

    if (len > TBY_NAME_MAX_BYTES) {
        rc = tby__error(err, TBY_ETOOLARGE, TBY_NAME_MAX_BYTES,
                        "name is %zu bytes long; the limit is %d bytes", len, TBY_NAME_MAX_BYTES);
        goto out;
    }

    if (all_ascii(text, len)) {
        /* Fast path: nothing to decode, compose or repair. */
        for (size_t i = 0; i < len;) {
            size_t j = i + 1;
            if (is_ascii_alpha((unsigned char)text[i])) {
                while (j < len && is_ascii_alpha((unsigned char)text[j]))
                    j++;
                ascii_letters(&st, text, (uint32_t)i, (uint32_t)j);
            } else {
                step(&st, (unsigned char)text[i], NULL, (uint32_t)i, (uint32_t)j);
            }
            i = j;
        }
    } else {
        const char *src = text;
        size_t src_len = len;
        rc = repair_mojibake(norm, &src, &src_len);
        if (rc < 0) {
            rc = tby__error(err, rc, -1, "out of memory repairing mojibake");
            goto out;
        }
        size_t bad = 0;
        rc = run_unicode(&st, src, src_len, &bad);
        if (rc == TBY_EUTF8) {
            rc = tby__error(err, TBY_EUTF8, (int64_t)bad, "invalid UTF-8 byte 0x%02x at offset %zu",
                            (unsigned char)src[bad], bad);
            goto out;
        }
        if (rc < 0) {
            rc = tby__error(err, TBY_ETOOLARGE, -1, "name expands to more than %d characters",
                            NORM_MAX_CPS);
            goto out;
        }
    }
    tok_close(&st);

    if (st.overflow) {
        rc = tby__error(err, TBY_ETOOLARGE, -1, "normalised name is longer than %d bytes",
                        TBY__NORM_OUT_CAP - 1);
        goto out;
    }
    if (st.too_many) {
        rc = tby__error(err, TBY_ETOOLARGE, -1, "name has more than %d words",
                        TBY_NAME_MAX_PARTS * 2);
        goto out;
    }
    if (!st.any_letter) {
        rc = tby__error(err, TBY_EEMPTY, -1, "no letters in name");
        goto out;
    }

out:
    if (rc < 0) {
        norm->token_count = 0;
        norm->exact[0] = '\0';
        norm->fold[0] = '\0';
    }
    return rc;
}
