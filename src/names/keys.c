// SPDX-License-Identifier: Apache-2.0
// Consonant skeletons of name parts for blocking and frequency counting (keys.h).
//
// From the phonetic key, vowels, ayn, hamza and weak final h are dropped, and the classes
// that transliterations interchange most are merged, so the key survives spelling:
//
//   Qasim Q a S i M -> KSM     Kasim K a S i M -> KSM     Gasim G a S i M -> KSM
//   Uthman u O M a N -> SMN    Osman o S M a N -> SMN     عثمان 3 O M A N -> SMN
//   Mehmet M e H M e T -> MHMT  محمد M H M D -> MHMT     (d and t merge: Turkish devoicing)
//
// Two Latin letters are read two ways. g is q in Iraqi and Gulf spellings (Gasim) and j in
// Egyptian ones (Gamal, Nagib); dh and z are ذ ظ ز in most spellings but Iraqi dh is also
// ض (Fadhil, Ridha). The key reads g as q and dh/z as z; a part with either letter also has
// a second key reading g as j and dh/z as d (tby__part_skeleton_alt).
//
// A glide between a vowel and a consonant (the y of Husayn, the w of Awad) is dropped: Arabic
// script writes that diphthong with the same ي or و as a long vowel, which the key drops too, so
// keeping it on the Latin side only would part حسين (HSN) from Hussein. Hasan and Husayn therefore
// share a key; the comparison, which keeps the glide, tells them apart.
#include <string.h>

#include "names/keys.h"
#include "util/util_int.h"

static char skeleton_class(char sym, bool alt)
{
    switch (sym) {
    case 'G':
        return alt ? 'J' : 'K';
    case 'Z':
    case 'z': /* Latin dh */
        return alt ? 'T' : 'Z';
    case 'Q':
    case 'K':
    case 'k': /* hard Latin c */
        return 'K';
    case 'O': /* th: ث, and in Iraqi spellings ذ too (Munther, Athraa): alt reads it as dh */
        return alt ? 'Z' : 'S';
    case 'S':
    case 'c': /* soft Latin c */
        return 'S';
    case 'D':
    case 'T':
        return 'T';
    case 'P':
    case 'B':
        return 'B';
    case 'V':
    case 'F':
        return 'F';
    case 'j': /* inner Latin j */
        return 'J';
    case 'J':
    case 'C':
    case 'H':
    case 'X':
    case 'R':
    case 'L':
    case 'M':
    case 'N':
    case 'W':
    case 'Y':
        return sym;
    default:
        return 0; /* vowels, ayn, hamza, weak h, component separators */
    }
}

uint64_t tby__skeleton_hash(const char *skeleton, size_t len)
{
    uint64_t h = tby__hash64(skeleton, len);
    return h ? h : 1;
}

/* Symbols after which a y or w is the glide of a diphthong: vowels, and ayn and hamza,
 * which Latin spellings write as a vowel (عواد Awwad). */
static bool is_vowel_like(char sym)
{
    return sym &&
           strchr("aeiouAUIE@3'4689y", sym) != NULL; /* 4 6 8 9: final Latin vowels, y: final ي */
}

/* The glide that Arabic writes between Latin vowels prev and sym, or 0 (skeleton_build). */
static char hiatus_glide(char prev, char sym)
{
    bool second_back = sym == 'a' || sym == 'o' || sym == 'u' || sym == '6' || sym == '9';
    if ((prev == 'i' || prev == 'e') && second_back)
        return 'Y';
    if (prev == 'a' && (sym == 'o' || sym == 'u' || sym == '9'))
        return 'W';
    return 0;
}

static size_t skeleton_build(const tby_name_part *part, char out[TBY__SKELETON_MAX], bool alt,
                             bool *has_ambiguous)
{
    size_t n = 0;
    const char *src = part->phonetic;
    if (!src || !*src) {
        /* No phonetic key (another script): the orthographic key stands in. */
        size_t len = strlen(part->key);
        if (len >= TBY__SKELETON_MAX)
            len = TBY__SKELETON_MAX - 1;
        memcpy(out, part->key, len);
        out[len] = '\0';
        return len;
    }
    char prev = 0;
    for (; *src && n + 1 < TBY__SKELETON_MAX; prev = *src, src++) {
        /* The final-h rule below holds for each component of a compound (Salah al-Din,
         * صلاح الدين). */
        if (*src == '+' && n > 1 && out[n - 1] == 'H' && prev == 'H')
            n--;
        if ((*src == 'G' || *src == 'Z' || *src == 'z' || *src == 'O') && has_ambiguous)
            *has_ambiguous = true;
        /* Two Latin vowels in a row leave out the glide between them that Arabic writes:
         * Ziad, Riad for Ziyad, Riyad (زياد), Daoud for Dawud. The alternative key puts it
         * back: i or e before a, o, u is y; a before o or u is w. */
        char glide = hiatus_glide(prev, *src);
        if (glide && has_ambiguous)
            *has_ambiguous = true;
        if (glide && alt && n > 0 && n + 2 < TBY__SKELETON_MAX && out[n - 1] != glide)
            out[n++] = glide;
        char c = skeleton_class(*src, alt);
        /* The glide of a diphthong: after a vowel and before a consonant or the end
         * (Husayn, Awad). Between vowels it is a consonant (Nawal, Ziyad), in both scripts. */
        if ((c == 'Y' || c == 'W') && is_vowel_like(prev) && !is_vowel_like(src[1]))
            continue;
        if (c && (n == 0 || out[n - 1] != c))
            out[n++] = c;
    }
    /* A final h is a ta marbuta in one spelling and a ha in another (Saleh, صالح; Fatimah,
     * فاطمة; Taha, طه): it is left out of the key on both sides. */
    if (n > 1 && out[n - 1] == 'H')
        n--;
    out[n] = '\0';
    return n;
}

size_t tby__part_skeleton(const tby_name_part *part, char out[TBY__SKELETON_MAX])
{
    return skeleton_build(part, out, false, NULL);
}

size_t tby__part_skeleton_alt(const tby_name_part *part, char out[TBY__SKELETON_MAX])
{
    bool ambiguous = false;
    size_t n = skeleton_build(part, out, true, &ambiguous);
    return ambiguous ? n : 0;
}
