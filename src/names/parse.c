// SPDX-License-Identifier: Apache-2.0
// Parsing a normalised name into logical parts with probable roles (arabic-names.md 1).
//
//   "AL-JUBOURI, Sheikh Abdul Rahman bin Ahmad"
//     normalise   al | jubouri | sheikh | abdul | rahman | bin | ahmad   (',' before sheikh)
//     list style  sheikh abdul rahman bin ahmad | al jubouri            ("LAST, First" undone)
//     titles      abdul rahman bin ahmad al jubouri                     (Sheikh set aside)
//     compounds   [abd+rahman] bin [ahmad] [al-jubouri]
//     particles   [abd+rahman] [ahmad: after bin] [jubouri: article]
//     roles       given        father              family
//
// A compound (Abd al-X, X al-Din, X Allah, Abu X) is one part however it is written: one
// word or several, Arabic or Latin, with or without the article, with the connector vowel
// or sun-letter assimilation of any transliteration (Abdul, Abdel, Abdur-, Abdes-, Abd ar-).
// Its key and phonetic symbols are the concatenation of its components' (abd + rahman), so
// every spelling of the compound gets the same key.
#include <string.h>

#include "names/names_int.h"

/* ===== Word classes ===== */

typedef enum word_kind {
    WORD_CONTENT = 0,
    WORD_ARTICLE,  /* al, el, ad, ar ... standing alone */
    WORD_LINEAGE,  /* bin, ibn, ben, ould */
    WORD_BINT,     /* bint: lineage, and the person is a woman */
    WORD_ABD,      /* abd, abdul, abdel ... (needs a following word) */
    WORD_ABU,      /* abu, abou, umm ... */
    WORD_DIN,      /* din, or a fused "eddin", "uddin", "eldin" */
    WORD_ALLAH,    /* allah, ullah */
    WORD_AL_FAMILY /* آل: family of */
} word_kind;

typedef struct word {
    const char *exact;
    const char *fold;
    uint32_t exact_len;
    uint32_t fold_len;
    uint32_t orig_off;
    uint32_t orig_len;
    uint8_t script;
    char sep_before;
    uint16_t tok_flags;
    bool list_last; /* came before the comma of "LAST, First" */
    word_kind kind;
} word;

static bool is_vowel_char(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

static bool fold_is(const word *w, const char *s)
{
    size_t n = strlen(s);
    return w->fold_len == n && memcmp(w->fold, s, n) == 0;
}

/*
 * A word-list entry with its length. Every word of every name is looked up in the lists
 * below, so a lookup compares lengths first and bytes only on equal lengths (strlen of
 * each entry was once a third of the time of a parse).
 */
typedef struct lit {
    const char *s; /* NULL ends a list */
    uint32_t len;
} lit;

#define LIT(str)                                                                                   \
    {                                                                                              \
        str, sizeof(str) - 1                                                                       \
    }
#define LIT_END                                                                                    \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

static bool lit_in(const char *s, size_t len, const lit *list)
{
    /* Entries are at least one byte long, so s[0] is read only when len > 0; the first byte
     * settles most candidates of the right length without a call to memcmp. */
    for (; list->s; list++) {
        if (list->len == len && list->s[0] == s[0] && memcmp(list->s, s, len) == 0)
            return true;
    }
    return false;
}

static bool fold_in(const word *w, const lit *list)
{
    return lit_in(w->fold, w->fold_len, list);
}

static const lit latin_articles[] = {
    LIT("al"), LIT("el"), LIT("il"), LIT("ul"),  LIT("ad"),  LIT("ar"),  LIT("as"),
    LIT("an"), LIT("at"), LIT("az"), LIT("ash"), LIT("adh"), LIT("ath"), LIT("ud"),
    LIT("ed"), LIT("ez"), LIT("es"), LIT("er"),  LIT("et"),  LIT("en"),  LIT_END};
static const lit latin_lineage[] = {LIT("bin"),   LIT("ibn"), LIT("ben"),  LIT("ould"), LIT("wuld"),
                                    LIT("walad"), LIT("bn"),  LIT("ibnu"), LIT_END};
static const lit latin_abd[] = {LIT("abd"),   LIT("abdul"),  LIT("abdel"),  LIT("abdal"),
                                LIT("abdol"), LIT("abdil"),  LIT("abdu"),   LIT("abdur"),
                                LIT("abdus"), LIT("abdor"),  LIT("abdes"),  LIT("abder"),
                                LIT("abdet"), LIT("abduh"),  LIT("'abd"),   LIT("abd'"),
                                LIT("3abd"),  LIT("abdoul"), LIT("abdelh"), LIT_END};
static const lit latin_abu[] = {LIT("abu"),  LIT("abou"), LIT("abo"),    LIT("abi"), LIT("ebu"),
                                LIT("umm"),  LIT("um"),   LIT("oum"),    LIT("om"),  LIT("ummu"),
                                LIT("oumm"), LIT("abul"), LIT("abou'l"), LIT_END};
static const lit latin_din[] = {
    LIT("din"),    LIT("deen"),   LIT("dine"),   LIT("ddin"),   LIT("ddine"),
    LIT("eddin"),  LIT("eddine"), LIT("eldin"),  LIT("aldin"),  LIT("uddin"),
    LIT("addin"),  LIT("iddin"),  LIT("eddeen"), LIT("uddeen"), LIT("eldine"),
    LIT("ud'din"), LIT("ettin"),  LIT("eddin'"), LIT("aldeen"), LIT("eldeen"),
    LIT("addeen"), LIT("aldine"), LIT("uldin"),  LIT("uldeen"), LIT_END};
static const lit latin_allah[] = {LIT("allah"), LIT("ullah"),  LIT("alla"),
                                  LIT("ulla"),  LIT("illah"),  LIT("ellah"),
                                  LIT("ollah"), LIT("allahi"), LIT_END};
static const lit latin_titles[] = {
    LIT("hajj"),    LIT("haji"),    LIT("hajji"),   LIT("hadji"),     LIT("alhaj"),
    LIT("alhajj"),  LIT("sheikh"),  LIT("shaykh"),  LIT("sheik"),     LIT("shaikh"),
    LIT("shaikha"), LIT("cheikh"),  LIT("sayyid"),  LIT("sayyed"),    LIT("syed"),
    LIT("dr"),      LIT("doctor"),  LIT("mullah"),  LIT("mulla"),     LIT("mullah'"),
    LIT("maulvi"),  LIT("mawlawi"), LIT("maulana"), LIT("mawlana"),   LIT("mawlawi"),
    LIT("qari"),    LIT("ustadh"),  LIT("ustaz"),   LIT("imam"),      LIT("mr"),
    LIT("mrs"),     LIT("ms"),      LIT("prof"),    LIT("professor"), LIT("general"),
    LIT("gen"),     LIT("colonel"), LIT("col"),     LIT("brigadier"), LIT("major"),
    LIT("captain"), LIT("capt"),    LIT("emir"),    LIT("amir'"),     LIT("mufti"),
    LIT("hafiz"),   LIT("sharif'"), LIT_END};

/* Arabic words, compared on the fold form (alef forms folded, ة as ه, ى as ي). */
static const lit arabic_lineage[] = {LIT("بن"), LIT("ابن"), LIT("ولد"), LIT_END};
static const lit arabic_titles[] = {
    LIT("الحاج"),   LIT("حاج"),   LIT("الحاجه"),  LIT("الشيخ"), LIT("شيخ"),    LIT("السيد"),
    LIT("سيد"),     LIT("د"),     LIT("الدكتور"), LIT("دكتور"), LIT("ملا"),    LIT("الملا"),
    LIT("المولوي"), LIT("مولوي"), LIT("الامام"),  LIT("امام"),  LIT("المفتي"), LIT_END};
static const lit arabic_abu[] = {LIT("ابو"), LIT("ابي"), LIT("ام"), LIT("ابا"), LIT_END};
/* Given names that begin with the letters ا ل without being the article. */
static const lit arabic_al_names[] = {LIT("الياس"), LIT("الهام"), LIT("الطاف"), LIT("الفت"),
                                      LIT("اليسع"), LIT("الماس"), LIT_END};

static word_kind word_classify(const word *w, bool has_next)
{
    if (w->script == TBY_SCRIPT_ARABIC) {
        if (!strcmp(w->exact, "آل"))
            return has_next ? WORD_AL_FAMILY : WORD_CONTENT;
        if (fold_is(w, "بنت"))
            return has_next ? WORD_BINT : WORD_CONTENT;
        if (fold_in(w, arabic_lineage))
            return has_next ? WORD_LINEAGE : WORD_CONTENT;
        if (fold_is(w, "عبد"))
            return has_next ? WORD_ABD : WORD_CONTENT;
        if (fold_in(w, arabic_abu))
            return has_next ? WORD_ABU : WORD_CONTENT;
        if (fold_is(w, "الدين") || fold_is(w, "دين"))
            return WORD_DIN;
        if (fold_is(w, "الله") || fold_is(w, "لله"))
            return WORD_ALLAH;
        if (fold_is(w, "ال"))
            return has_next ? WORD_ARTICLE : WORD_CONTENT;
        return WORD_CONTENT;
    }
    if (w->script != TBY_SCRIPT_LATIN)
        return WORD_CONTENT;
    if (fold_in(w, latin_articles))
        return has_next ? WORD_ARTICLE : WORD_CONTENT;
    if (fold_is(w, "bint") || fold_is(w, "bent"))
        return has_next ? WORD_BINT : WORD_CONTENT;
    if (fold_in(w, latin_lineage))
        return has_next ? WORD_LINEAGE : WORD_CONTENT;
    if (fold_in(w, latin_abd))
        return has_next ? WORD_ABD : WORD_CONTENT;
    if (fold_in(w, latin_abu))
        return has_next ? WORD_ABU : WORD_CONTENT;
    if (fold_in(w, latin_din))
        return WORD_DIN;
    if (fold_in(w, latin_allah))
        return WORD_ALLAH;
    return WORD_CONTENT;
}

static bool word_is_title(const word *w)
{
    if (w->script == TBY_SCRIPT_ARABIC)
        return fold_in(w, arabic_titles);
    return w->script == TBY_SCRIPT_LATIN && fold_in(w, latin_titles);
}

/* ===== Parts under construction ===== */

typedef enum comp_kind {
    COMP_TEXT = 0,
    COMP_ABD,
    COMP_ABU,
    COMP_UMM,
    COMP_DIN,
    COMP_ALLAH
} comp_kind;

typedef struct comp {
    comp_kind kind;
    const char *text; /* fold text of a COMP_TEXT component, article removed */
    uint32_t text_len;
    const char *exact; /* exact text for Arabic phonetics */
    uint32_t exact_len;
} comp;

typedef struct draft {
    uint32_t word_first, word_count; /* words [first, first+count) in the reordered list */
    comp comps[TBY__COMP_MAX];
    uint8_t comp_count;
    uint8_t script;
    unsigned flags;
    bool kunya;
    bool list_last;
} draft;

/* Canonical symbols of the fixed components, identical in every script. */
static size_t comp_fixed_syms(comp_kind kind, uint8_t *out)
{
    const char *s = kind == COMP_ABD     ? "3BD"
                    : kind == COMP_ABU   ? "ABU"
                    : kind == COMP_UMM   ? "UM"
                    : kind == COMP_DIN   ? "DIN"
                    : kind == COMP_ALLAH ? "ALH"
                                         : "";
    size_t n = strlen(s);
    memcpy(out, s, n);
    return n;
}

static const char *comp_fixed_key(comp_kind kind, bool arabic)
{
    switch (kind) {
    case COMP_ABD:
        return arabic ? "عبد" : "abd";
    case COMP_ABU:
        return arabic ? "ابو" : "abu";
    case COMP_UMM:
        return arabic ? "ام" : "umm";
    case COMP_DIN:
        return arabic ? "دين" : "din";
    case COMP_ALLAH:
        return arabic ? "الله" : "allah";
    case COMP_TEXT:
        break;
    }
    return "";
}

/* Strips the Arabic article from a fold/exact pair when it is one (not الياس). */
static void arabic_strip_article(const word *w, const char **fold, uint32_t *fold_len,
                                 const char **exact, uint32_t *exact_len, bool *had)
{
    static const char al[] = "\xd8\xa7\xd9\x84"; /* ال */
    *had = false;
    /* At least three letters (6 bytes) must remain after the article. */
    if (*fold_len >= 4 + 6 && memcmp(*fold, al, 4) == 0 && !fold_in(w, arabic_al_names)) {
        *fold += 4;
        *fold_len -= 4;
        /* The exact form may start with أ/إ/آ instead of ا only for non-articles. */
        if (*exact_len >= 4 && memcmp(*exact, al, 4) == 0) {
            *exact += 4;
            *exact_len -= 4;
        }
        *had = true;
    }
}

static void comp_text(comp *c, const word *w, uint32_t skip)
{
    c->kind = COMP_TEXT;
    c->text = w->fold + skip;
    c->text_len = w->fold_len - skip;
    c->exact = w->exact + (w->script == TBY_SCRIPT_ARABIC ? skip : 0);
    c->exact_len = w->exact_len - (w->script == TBY_SCRIPT_ARABIC ? skip : 0);
}

/*
 * Length of the connector after a fused Latin "abd": the vowel and the article or the
 * assimilated sun letter ("abdul|rahman", "abder|rahmane" -> 'r' kept, "abdur|rahman",
 * "abdus|salam"). Returns the offset where the divine name starts, or 0 when the word is
 * not a fused Abd compound.
 */
static uint32_t latin_abd_split(const char *s, uint32_t len)
{
    if (len < 6 || memcmp(s, "abd", 3) != 0)
        return 0;
    uint32_t i = 3;
    if (i < len && is_vowel_char(s[i]))
        i++;
    if (i + 1 < len && s[i] == 'l' && s[i + 1] != 'l')
        i++; /* article l: abdul-rahman, abdel-aziz */
    else if (i + 1 < len && s[i] == s[i + 1] && s[i] != 'l')
        i++; /* sun-letter assimilation: abderrahman, abdussalam (keep one letter) */
    return len - i >= 3 ? i : 0;
}

static bool str_ends(const char *s, uint32_t len, const lit *suffix, uint32_t *prefix_len)
{
    uint32_t n = suffix->len;
    if (len <= n || memcmp(s + len - n, suffix->s, n) != 0)
        return false;
    *prefix_len = len - n;
    return true;
}

static bool latin_rest_is_allah(const char *s, uint32_t len)
{
    static const lit forms[] = {LIT("allah"),  LIT("ullah"), LIT("llah"),  LIT("lah"),
                                LIT("alla"),   LIT("ulla"),  LIT("lla"),   LIT("allahi"),
                                LIT("ullahi"), LIT("illah"), LIT("ellah"), LIT("ollah"),
                                LIT("ulah"),   LIT("alah"),  LIT_END};
    return lit_in(s, len, forms);
}

/* ===== Common given names ===== */

/*
 * Consonant skeletons of the given names that dominate Iraqi and Syrian registers
 * (arabic-names.md 5.1: Muhammad alone is 5-10 % of men). A part with one of these
 * skeletons carries the TBY_PART_COMMON flag and a lower prior weight; screening replaces
 * this prior with frequencies measured from the loaded data.
 */
static const lit common_skeletons[] = {
    LIT("MHMD"),   /* Muhammad, Mahmud */
    LIT("HMD"),    /* Ahmad, Hamid, Hamad */
    LIT("L"),      /* Ali */
    LIT("HSN"),    /* Hasan */
    LIT("HSYN"),   /* Husayn */
    LIT("MR"),     /* Umar */
    LIT("BRHM"),   /* Ibrahim */
    LIT("XLD"),    /* Khalid */
    LIT("YSF"),    /* Yusuf */
    LIT("MSTF"),   /* Mustafa */
    LIT("BDLH"),   /* Abd Allah */
    LIT("BDRHMN"), /* Abd al-Rahman */
    LIT("JSM"),    /* Jasim */
    LIT("SLH"),    /* Salih */
    LIT("BS"),     /* Abbas */
    LIT("FTM"),    /* Fatima */
    LIT("YC"),     /* A'isha */
    LIT("ZYNB"),   /* Zaynab */
    LIT("MRYM"),   /* Maryam */
    LIT("XDJ"),    /* Khadija */
    LIT("MN"),     /* Amina */
    LIT_END,
};

static bool sym_is_common(const uint8_t *sym, size_t len)
{
    char skel[TBY__SYM_MAX];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t s = sym[i];
        /* The Latin-only consonant symbols: inner j, hard and soft c (phonetic.c). */
        s = s == 'j' ? 'J' : s == 'k' ? 'K' : s == 'c' ? 'S' : s == 'z' ? 'Z' : s;
        if (s >= 'A' && s <= 'Z' && s != 'A' && s != 'U' && s != 'I' && s != 'E' && s != 'W') {
            /* q/k and the t/th classes vary freely in Latin spellings of these names. */
            char c = s == 'Q' ? 'K' : s == 'O' ? 'T' : (char)s;
            if (n == 0 || skel[n - 1] != c)
                skel[n++] = c;
        }
    }
    return lit_in(skel, n, common_skeletons);
}

/* ===== Parsing ===== */

typedef struct parse_ctx {
    word words[TBY_NAME_MAX_PARTS * 2];
    uint32_t word_count;
    draft drafts[TBY_NAME_MAX_PARTS];
    uint32_t draft_count;
    unsigned flags;
} parse_ctx;

static draft *draft_new(parse_ctx *ctx, uint32_t first)
{
    if (ctx->draft_count >= TBY_NAME_MAX_PARTS)
        return NULL;
    draft *d = &ctx->drafts[ctx->draft_count++];
    /* Field by field: components past comp_count are never read, and clearing all three
     * (a memset of the whole draft) was a visible part of a parse. comps[0] is cleared
     * anyway, as before, for the readers that look at it. */
    d->word_first = first;
    d->word_count = 1;
    d->comps[0] = (comp){0};
    d->comp_count = 0;
    d->script = ctx->words[first].script;
    d->flags = 0;
    d->kunya = false;
    d->list_last = ctx->words[first].list_last;
    return d;
}

static void draft_add(draft *d, comp_kind kind, const word *w, uint32_t skip)
{
    if (d->comp_count >= TBY__COMP_MAX)
        return;
    comp *c = &d->comps[d->comp_count++];
    if (kind == COMP_TEXT && w) {
        comp_text(c, w, skip);
    } else {
        memset(c, 0, sizeof(*c));
        c->kind = kind;
    }
    if (kind != COMP_TEXT && kind != COMP_ABU && kind != COMP_UMM)
        d->flags |= TBY_PART_COMPOUND;
    if (d->comp_count > 1)
        d->flags |= TBY_PART_COMPOUND;
}

/* A content word's text component, with the Arabic article removed (and flagged). */
static void draft_add_content(draft *d, const word *w)
{
    if (w->script == TBY_SCRIPT_ARABIC) {
        const char *fold = w->fold;
        uint32_t fold_len = w->fold_len;
        const char *exact = w->exact;
        uint32_t exact_len = w->exact_len;
        bool had = false;
        arabic_strip_article(w, &fold, &fold_len, &exact, &exact_len, &had);
        if (d->comp_count < TBY__COMP_MAX) {
            comp *c = &d->comps[d->comp_count++];
            c->kind = COMP_TEXT;
            c->text = fold;
            c->text_len = fold_len;
            c->exact = exact;
            c->exact_len = exact_len;
            if (d->comp_count > 1)
                d->flags |= TBY_PART_COMPOUND;
        }
        if (had && d->comp_count == 1)
            d->flags |= TBY_PART_ARTICLE;
        return;
    }
    draft_add(d, COMP_TEXT, w, 0);
}

/*
 * When the word ends in one of `suffixes` after at least `min_prefix` bytes, makes it two
 * components: the prefix as text and the fixed component `kind` (Nur|eddin, نصر|الله).
 */
static bool draft_split_suffix(draft *d, const word *w, const lit *suffixes, uint32_t min_prefix,
                               comp_kind kind)
{
    uint32_t pre;
    for (const lit *sfx = suffixes; sfx->s; sfx++) {
        if (str_ends(w->fold, w->fold_len, sfx, &pre) && pre >= min_prefix) {
            comp *c = &d->comps[d->comp_count++];
            comp_text(c, w, 0);
            c->text_len = pre;
            /* The suffixes hold no letter that folding changes, so exact ends alike. */
            if (c->exact_len > pre)
                c->exact_len = pre;
            draft_add(d, kind, NULL, 0);
            return true;
        }
    }
    return false;
}

/* Splits fused one-word compounds: Abdulrahman, عبدالرحمن, Nureddin, Nasrallah, Abubakr. */
static bool draft_fused(draft *d, const word *w)
{
    if (w->script == TBY_SCRIPT_LATIN) {
        uint32_t at = latin_abd_split(w->fold, w->fold_len);
        /* Abdulah, Abdalah: Allah with one l is too short a rest for latin_abd_split. */
        if (!at && w->fold_len >= 6 && !memcmp(w->fold, "abd", 3) &&
            latin_rest_is_allah(w->fold + 3, w->fold_len - 3))
            at = 3;
        if (at) {
            draft_add(d, COMP_ABD, NULL, 0);
            if (latin_rest_is_allah(w->fold + at, w->fold_len - at))
                draft_add(d, COMP_ALLAH, NULL, 0);
            else
                draft_add(d, COMP_TEXT, w, at);
            return true;
        }
        static const lit din_suffixes[] = {
            LIT("uddin"),  LIT("eddine"), LIT("eddin"),  LIT("uddine"), LIT("addin"), LIT("iddin"),
            LIT("eldin"),  LIT("aldin"),  LIT("ettin"),  LIT("attin"),  LIT("uttin"), LIT("uddeen"),
            LIT("eddeen"), LIT("aldeen"), LIT("eldeen"), LIT("uldeen"), LIT("uldin"), LIT_END};
        static const lit allah_suffixes[] = {LIT("allah"), LIT("ullah"), LIT("ollah"), LIT("ellah"),
                                             LIT_END};
        /* Allah with one l, as Afghan and Pakistani records write it (Sanaulah, Rahmatulah),
         * after a longer first name: Beulah is not Be + Allah. */
        static const lit allah_one_l[] = {LIT("ulah"), LIT_END};
        if (draft_split_suffix(d, w, din_suffixes, 2, COMP_DIN) ||
            draft_split_suffix(d, w, allah_suffixes, 2, COMP_ALLAH) ||
            draft_split_suffix(d, w, allah_one_l, 4, COMP_ALLAH))
            return true;
        static const lit abu_prefixes[] = {LIT("abu"), LIT("abou"), LIT("ebu"), LIT("abo"),
                                           LIT_END};
        for (const lit *pfx = abu_prefixes; pfx->s; pfx++) {
            uint32_t n = pfx->len;
            if (w->fold_len > n + 2 && !memcmp(w->fold, pfx->s, n) &&
                (!memcmp(w->fold + n, "bak", 3) || !memcmp(w->fold + n, "bek", 3))) {
                draft_add(d, COMP_ABU, NULL, 0);
                draft_add(d, COMP_TEXT, w, n);
                d->flags |= TBY_PART_COMPOUND;
                return true;
            }
        }
        return false;
    }
    if (w->script != TBY_SCRIPT_ARABIC)
        return false;
    static const char abd[] = "\xd8\xb9\xd8\xa8\xd8\xaf"; /* عبد */
    if (w->fold_len >= 6 + 4 && !memcmp(w->fold, abd, 6)) {
        word rest = *w;
        rest.fold += 6;
        rest.fold_len -= 6;
        /* The exact form starts with the same three letters (no foldable letters in عبد). */
        rest.exact += 6;
        rest.exact_len -= 6;
        draft_add(d, COMP_ABD, NULL, 0);
        if (fold_is(&rest, "الله") || fold_is(&rest, "لله"))
            draft_add(d, COMP_ALLAH, NULL, 0);
        else
            draft_add_content(d, &rest);
        d->flags &= ~TBY_PART_ARTICLE;
        return true;
    }
    static const lit din[] = {LIT("الدين"), LIT_END};
    static const lit allah[] = {LIT("الله"), LIT_END};
    /* At least two Arabic letters (4 bytes) before the suffix. */
    return draft_split_suffix(d, w, din, 4, COMP_DIN) ||
           draft_split_suffix(d, w, allah, 4, COMP_ALLAH);
}

static bool is_bakr(const word *w)
{
    static const lit forms[] = {LIT("bakr"),  LIT("bakar"), LIT("baker"), LIT("bekir"),
                                LIT("bakir"), LIT("بكر"),   LIT_END};
    return fold_in(w, forms);
}

/* Groups words into drafts (logical parts). */
static int parse_drafts(parse_ctx *ctx, tby_error *err)
{
    bool after_bin = false, feminine = false, article = false, al_family = false;
    uint32_t article_at = 0; /* index of the pending article word */
    word *words = ctx->words;
    uint32_t n = ctx->word_count;
    for (uint32_t i = 0; i < n; i++) {
        word *w = &words[i];
        draft *d = NULL;
        switch (w->kind) {
        case WORD_LINEAGE:
        case WORD_BINT:
            after_bin = true;
            feminine = w->kind == WORD_BINT;
            continue;
        case WORD_AL_FAMILY:
            al_family = true;
            continue;
        case WORD_ARTICLE:
            /* "X al-Din": the article and din join the previous part. */
            if (i + 1 < n && words[i + 1].kind == WORD_DIN && ctx->draft_count > 0 &&
                ctx->drafts[ctx->draft_count - 1].comp_count == 1) {
                draft *prev = &ctx->drafts[ctx->draft_count - 1];
                draft_add(prev, COMP_DIN, NULL, 0);
                prev->word_count = i + 2 - prev->word_first;
                i++;
                continue;
            }
            article = true;
            article_at = i;
            continue;
        case WORD_DIN:
        case WORD_ALLAH:
            if (ctx->draft_count > 0 && ctx->drafts[ctx->draft_count - 1].comp_count == 1 &&
                !ctx->drafts[ctx->draft_count - 1].kunya && !article) {
                draft *prev = &ctx->drafts[ctx->draft_count - 1];
                draft_add(prev, w->kind == WORD_DIN ? COMP_DIN : COMP_ALLAH, NULL, 0);
                prev->word_count = i + 1 - prev->word_first;
                continue;
            }
            break;
        case WORD_ABD:
        case WORD_ABU: {
            d = draft_new(ctx, i);
            if (!d)
                goto too_many;
            uint32_t j = i + 1;
            if (j + 1 < n && words[j].kind == WORD_ARTICLE)
                j++;
            if (w->kind == WORD_ABD) {
                draft_add(d, COMP_ABD, NULL, 0);
            } else {
                bool umm = w->fold[0] == 'u' || w->fold[0] == 'o' ||
                           fold_is(w, "ام"); /* umm, um, oum, om */
                draft_add(d, umm ? COMP_UMM : COMP_ABU, NULL, 0);
                d->kunya = !is_bakr(&words[j]);
            }
            if (words[j].kind == WORD_ALLAH) {
                draft_add(d, COMP_ALLAH, NULL, 0);
            } else if (words[j].kind == WORD_ABD && j + 1 < n) {
                /* Abu Abd al-Rahman: a kunya built on a compound. */
                draft_add(d, COMP_ABD, NULL, 0);
                j++;
                if (j + 1 < n && words[j].kind == WORD_ARTICLE)
                    j++;
                draft_add_content(d, &words[j]);
            } else if (!draft_fused(d, &words[j])) {
                draft_add_content(d, &words[j]);
            }
            d->flags &= ~TBY_PART_ARTICLE;
            d->word_count = j + 1 - i;
            i = j;
            break;
        }
        default:
            break;
        }
        if (!d) {
            d = draft_new(ctx, i);
            if (!d)
                goto too_many;
            if (!draft_fused(d, w))
                draft_add_content(d, w);
        }
        if (article && d->comp_count == 1 && !d->kunya) {
            d->flags |= TBY_PART_ARTICLE;
            /* The part's text starts at its article, so its form reads "al-jubouri". */
            d->word_count += d->word_first - article_at;
            d->word_first = article_at;
        }
        if (al_family)
            d->flags |= TBY_PART_AL_FAMILY;
        if (after_bin)
            d->flags |= TBY_PART_AFTER_BIN;
        if (feminine)
            d->flags |= TBY_PART_FEMININE;
        if (d->script != TBY_SCRIPT_ARABIC && (w->tok_flags & TBY__TOK_TA_MARBUTA))
            d->flags |= TBY_PART_FEMININE;
        after_bin = feminine = article = al_family = false;
    }
    return 0;
too_many:
    return tby__error(err, TBY_ETOOLARGE, -1, "name has more than %d parts", TBY_NAME_MAX_PARTS);
}

static bool draft_ends_like_nisba(const draft *d)
{
    const comp *c = &d->comps[d->comp_count - 1];
    if (c->kind != COMP_TEXT || c->text_len < 2)
        return false;
    char last = c->text[c->text_len - 1];
    if (d->script == TBY_SCRIPT_LATIN)
        return last == 'i' || last == 'y';
    return c->text_len >= 2 && (unsigned char)c->text[c->text_len - 2] == 0xD9 &&
           (unsigned char)last == 0x8A; /* ي */
}

static void parse_roles(const parse_ctx *ctx, tby_role *roles)
{
    uint32_t n = ctx->draft_count;
    /* Trailing parts with the article, Āl, or from before the comma of "LAST, First". */
    uint32_t family_from = n;
    while (family_from > 1) {
        const draft *d = &ctx->drafts[family_from - 1];
        bool family_like =
            !d->kunya && d->comp_count == 1 && (d->flags & (TBY_PART_ARTICLE | TBY_PART_AL_FAMILY));
        if (!family_like && !d->list_last)
            break;
        family_from--;
    }
    uint32_t position = 0;
    for (uint32_t i = 0; i < n; i++) {
        const draft *d = &ctx->drafts[i];
        if (d->kunya) {
            roles[i] = TBY_ROLE_KUNYA;
        } else if (i >= family_from) {
            roles[i] = (d->flags & TBY_PART_ARTICLE) && draft_ends_like_nisba(d) ? TBY_ROLE_NISBA
                                                                                 : TBY_ROLE_FAMILY;
        } else {
            static const tby_role chain[] = {TBY_ROLE_GIVEN, TBY_ROLE_FATHER, TBY_ROLE_GRANDFATHER};
            roles[i] = position < 3 ? chain[position] : TBY_ROLE_ANCESTOR;
            position++;
        }
    }
}

static float role_weight(tby_role role)
{
    switch (role) {
    case TBY_ROLE_GIVEN:
    case TBY_ROLE_FATHER:
    case TBY_ROLE_FAMILY:
    case TBY_ROLE_UNKNOWN:
        return 1.0f;
    case TBY_ROLE_GRANDFATHER:
        return 0.9f;
    case TBY_ROLE_ANCESTOR:
        return 0.8f;
    case TBY_ROLE_NISBA:
        return 0.8f;
    case TBY_ROLE_KUNYA:
        return 0.35f;
    }
    return 1.0f;
}

/* ===== Assembly ===== */

/*
 * A name is one allocation: the tby_name, its parts, then a string area holding, per part,
 * original, form, key and phonetic (each NUL-terminated), and last the whole normalised name.
 * Assembly runs in two passes so the area is sized exactly and written in place: part_build
 * computes a part's symbols and the lengths of its strings, part_write writes them.
 */

/* The string area never exceeds this (the bound of the scratch buffer earlier versions
 * assembled into; input limits keep real names well below it). */
#define STRINGS_CAP ((size_t)TBY__NORM_OUT_CAP * 4)

/* Lengths of one part's strings, without their NULs. */
typedef struct part_sizes {
    size_t original, form, key, phonetic;
} part_sizes;

/* The key text of component c: its fold text, or the fixed spelling of abd, din ... */
static const char *comp_key(const comp *c, bool arabic, size_t *len)
{
    if (c->kind == COMP_TEXT) {
        *len = c->text_len;
        return c->text;
    }
    const char *fixed = comp_fixed_key(c->kind, arabic);
    *len = strlen(fixed);
    return fixed;
}

/*
 * A lineage particle written fused to the name after it, as Maghreb civil records and French
 * spellings do (Benali, Benyoucef, Ouldahmed for Ben Ali, Ben Youssef, Ould Ahmed;
 * arabic-names.md 1.5): the number of leading symbols of the part that are the particle, so
 * that the part is also read without it, as the separate particle is. 0 when the part does not
 * start with a particle, when fewer than three letters follow it, or when the symbols of what
 * follows are not the tail of the part's (a spelling read differently across the join).
 */
static uint8_t fused_lineage_skip(const tby__part *part, const char *text, size_t len)
{
    static const char *const particles[] = {"ben", "bin", "ibn", "ould"};
    for (size_t k = 0; k < sizeof(particles) / sizeof(particles[0]); k++) {
        size_t plen = strlen(particles[k]);
        if (len < plen + 3 || memcmp(text, particles[k], plen) != 0)
            continue;
        uint8_t rest[TBY__SYM_MAX];
        size_t rest_len = tby__phon_latin(rest, sizeof(rest), text + plen, len - plen);
        if (rest_len < 2 || rest_len >= part->sym_len ||
            memcmp(rest, part->sym + (part->sym_len - rest_len), rest_len) != 0)
            return 0;
        return (uint8_t)(part->sym_len - rest_len);
    }
    return 0;
}

/* First pass: symbols, letter codes, hashes and string lengths of one part. */
static void part_build(tby__part *part, part_sizes *sz, const parse_ctx *ctx, const draft *d)
{
    bool arabic = d->script == TBY_SCRIPT_ARABIC;
    sz->original = sz->form = 0;
    for (uint32_t k = 0; k < d->word_count; k++) {
        const word *w = &ctx->words[d->word_first + k];
        sz->original += w->orig_len + (k ? 1 : 0);
        sz->form += w->exact_len + (k ? 1 : 0);
    }
    /* Taken over the key's pieces as they are written, never joined first. */
    uint64_t key_hash = TBY__HASH64_INIT;
    sz->key = 0;
    part->sym_len = 0;
    part->ar_len = 0;
    part->comp_count = d->comp_count;
    for (uint8_t c = 0; c < d->comp_count; c++) {
        const comp *cp = &d->comps[c];
        size_t key_len;
        const char *key = comp_key(cp, arabic, &key_len);
        if (c)
            key_hash = tby__hash64_more(key_hash, "+", 1);
        key_hash = tby__hash64_more(key_hash, key, key_len);
        sz->key += key_len + (c ? 1 : 0);
        uint8_t *sym = part->sym + part->sym_len;
        size_t room = TBY__SYM_MAX - part->sym_len;
        size_t added;
        if (cp->kind == COMP_TEXT) {
            added = arabic ? tby__phon_arabic(sym, room, cp->exact, cp->exact_len)
                           : tby__phon_latin(sym, room, cp->text, cp->text_len);
            /* A final ü (U+00FC), Turkish vowel harmony of the ending -ī. */
            if (!arabic && cp->exact_len >= 2 && cp->text_len &&
                cp->text[cp->text_len - 1] == 'u' &&
                !memcmp(cp->exact + cp->exact_len - 2, "\xC3\xBC", 2))
                tby__phon_final_umlaut(sym, added);
        } else {
            uint8_t tmp[4];
            added = comp_fixed_syms(cp->kind, tmp);
            if (added > room)
                added = room;
            memcpy(sym, tmp, added);
        }
        if (arabic)
            part->ar_len += (uint8_t)tby__arabic_codes(part->ar + part->ar_len,
                                                       TBY__SYM_MAX - part->ar_len, key, key_len);
        part->sym_len += (uint8_t)added;
        part->comp_end[c] = part->sym_len;
    }
    part->key_hash = key_hash;
    sz->phonetic = part->sym_len + (d->comp_count ? d->comp_count - 1u : 0u);
    part->sym_hash = tby__hash64(part->sym, part->sym_len);
    part->sym_weight = (float)tby__phon_length(part->sym, part->sym_len);
    part->lmnr = tby__phon_lmnr(part->sym, part->sym_len);
    part->sym_set = tby__symset_of(part->sym, part->sym_len);
    part->ar_set = tby__symset_of(part->ar, part->ar_len);
    part->sym_near = tby__phon_near_set(part->sym, part->sym_len);
    part->ar_near = tby__arabic_near_set(part->ar, part->ar_len);
    /* An unhyphenated article fused to a Latin word (Aljubouri, Elsayed). */
    part->art_skip = 0;
    if (!arabic && d->comp_count == 1 && !(d->flags & TBY_PART_ARTICLE) &&
        d->comps[0].text_len >= 5 &&
        (!memcmp(d->comps[0].text, "al", 2) || !memcmp(d->comps[0].text, "el", 2)) &&
        part->sym_len > 3 && part->sym[1] == 'L')
        part->art_skip = 2;
    if (!arabic && !part->art_skip && d->comp_count == 1)
        part->art_skip = fused_lineage_skip(part, d->comps[0].text, d->comps[0].text_len);
    part->pub.script = (tby_script)d->script;
    part->pub.flags = d->flags;
}

static char *put(char *at, const void *data, size_t len)
{
    memcpy(at, data, len);
    return at + len;
}

/* Second pass: writes one part's strings at `at` and points the part at them. */
static char *part_write(tby__part *part, const parse_ctx *ctx, const draft *d, const char *input,
                        char *at)
{
    bool arabic = d->script == TBY_SCRIPT_ARABIC;
    part->pub.original = at;
    for (uint32_t k = 0; k < d->word_count; k++) {
        const word *w = &ctx->words[d->word_first + k];
        if (k)
            *at++ = ' ';
        at = put(at, input + w->orig_off, w->orig_len);
    }
    *at++ = '\0';
    part->pub.form = at;
    for (uint32_t k = 0; k < d->word_count; k++) {
        const word *w = &ctx->words[d->word_first + k];
        if (k)
            *at++ = w->sep_before == '-' ? '-' : ' ';
        at = put(at, w->exact, w->exact_len);
    }
    *at++ = '\0';
    part->pub.key = at;
    for (uint8_t c = 0; c < d->comp_count; c++) {
        size_t key_len;
        const char *key = comp_key(&d->comps[c], arabic, &key_len);
        if (c)
            *at++ = '+';
        at = put(at, key, key_len);
    }
    *at++ = '\0';
    part->pub.phonetic = at;
    uint8_t from = 0;
    for (uint8_t c = 0; c < d->comp_count; c++) {
        if (c)
            *at++ = '+';
        at = put(at, part->sym + from, part->comp_end[c] - from);
        from = part->comp_end[c];
    }
    *at++ = '\0';
    return at;
}

static tby_name *name_assemble(const parse_ctx *ctx, const char *input)
{
    tby__part parts[TBY_NAME_MAX_PARTS];
    part_sizes sizes[TBY_NAME_MAX_PARTS];
    tby_role roles[TBY_NAME_MAX_PARTS];
    uint32_t n = ctx->draft_count;
    size_t strings_len = 0, normalized_len = 0;
    parse_roles(ctx, roles);
    for (uint32_t i = 0; i < n; i++) {
        memset(&parts[i], 0, sizeof(parts[i]));
        part_build(&parts[i], &sizes[i], ctx, &ctx->drafts[i]);
        parts[i].pub.role = roles[i];
        if (roles[i] != TBY_ROLE_KUNYA && sym_is_common(parts[i].sym, parts[i].sym_len))
            parts[i].pub.flags |= TBY_PART_COMMON;
        if (parts[i].pub.script == TBY_SCRIPT_LATIN && parts[i].sym_len == 1 &&
            ctx->drafts[i].comps[0].text_len == 1)
            parts[i].pub.flags |= TBY_PART_INITIAL;
        float weight = role_weight(roles[i]);
        if (parts[i].pub.flags & TBY_PART_COMMON)
            weight *= 0.6f;
        parts[i].weight = weight;
        strings_len += sizes[i].original + sizes[i].form + sizes[i].key + sizes[i].phonetic + 4;
        normalized_len += sizes[i].form + (i ? 1 : 0);
    }
    strings_len += normalized_len + 1;
    if (strings_len >= STRINGS_CAP)
        return NULL;
    size_t head = sizeof(tby_name) + n * sizeof(tby__part);
    tby_name *name = tby__malloc(head + strings_len);
    if (!name)
        return NULL;
    char *at = (char *)name + head;
    name->part_count = n;
    name->flags = ctx->flags;
    for (uint32_t i = 0; i < n; i++) {
        name->parts[i] = parts[i];
        at = part_write(&name->parts[i], ctx, &ctx->drafts[i], input, at);
    }
    char *normalized = at;
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            *at++ = ' ';
        at = put(at, name->parts[i].pub.form, sizes[i].form);
    }
    *at = '\0';
    name->normalized = normalized;
    return name;
}

/* Undoes "LAST, First": the words before the only comma move to the end. */
static void parse_list_style(parse_ctx *ctx)
{
    uint32_t comma = 0, commas = 0;
    for (uint32_t i = 1; i < ctx->word_count; i++) {
        if (ctx->words[i].sep_before == ',') {
            comma = i;
            commas++;
        }
    }
    if (commas != 1)
        return;
    word tmp[TBY_NAME_MAX_PARTS * 2];
    uint32_t n = ctx->word_count;
    memcpy(tmp, ctx->words + comma, (n - comma) * sizeof(word));
    memcpy(tmp + (n - comma), ctx->words, comma * sizeof(word));
    for (uint32_t i = n - comma; i < n; i++)
        tmp[i].list_last = true;
    tmp[0].sep_before = 0;
    tmp[n - comma].sep_before = ' ';
    memcpy(ctx->words, tmp, n * sizeof(word));
    ctx->flags |= TBY_NORM_LIST_STYLE;
}

/* Sets titles and honorifics aside at the start, keeping at least two words. */
static void parse_titles(parse_ctx *ctx)
{
    uint32_t skip = 0;
    for (;;) {
        uint32_t at = skip;
        if (at + 1 < ctx->word_count && ctx->words[at].kind == WORD_ARTICLE)
            at++; /* al-Hajj, al-Sheikh */
        if (at < ctx->word_count && ctx->word_count - at >= 3 && word_is_title(&ctx->words[at]))
            skip = at + 1;
        else
            break;
    }
    if (!skip)
        return;
    memmove(ctx->words, ctx->words + skip, (ctx->word_count - skip) * sizeof(word));
    ctx->word_count -= skip;
    ctx->flags |= TBY_NORM_TITLES;
}

int tby_name_parse(tby_name **out, const char *text, size_t len, tby_error *err)
{
    TBY_ASSERT_ARG(out && (text || len == 0));
    int rc;
    tby__norm norm;
    parse_ctx ctx;
    tby__norm_init(&norm);
    rc = tby__norm_run(&norm, text, len, err);
    if (rc)
        goto out;
    const char *input = norm.repaired ? norm.repaired : text;
    ctx.word_count = 0;
    ctx.draft_count = 0;
    ctx.flags = norm.flags;
    for (uint32_t i = 0; i < norm.token_count && i < TBY_NAME_MAX_PARTS * 2; i++) {
        const tby__ntoken *t = &norm.tokens[i];
        word *w = &ctx.words[ctx.word_count++];
        w->exact = tby__norm_exact(&norm, i);
        w->fold = tby__norm_fold(&norm, i);
        w->exact_len = t->exact_len;
        w->fold_len = t->fold_len;
        w->orig_off = t->orig_off;
        w->orig_len = t->orig_len;
        w->script = t->script;
        w->sep_before = t->sep_before;
        w->tok_flags = t->flags;
        w->list_last = false;
    }
    parse_list_style(&ctx);
    for (uint32_t i = 0; i < ctx.word_count; i++)
        ctx.words[i].kind = word_classify(&ctx.words[i], i + 1 < ctx.word_count);
    parse_titles(&ctx);
    rc = parse_drafts(&ctx, err);
    if (rc)
        goto out;
    if (ctx.draft_count == 0) {
        rc = tby__error(err, TBY_EEMPTY, -1, "no name parts left after removing particles");
        goto out;
    }
    *out = name_assemble(&ctx, input);
    if (!*out)
        rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
out:
    tby__norm_dispose(&norm);
    return rc;
}

void tby_name_free(tby_name *name)
{
    tby__free(name);
}

size_t tby_name_part_count(const tby_name *name)
{
    return name ? name->part_count : 0;
}

const tby_name_part *tby_name_part_at(const tby_name *name, size_t index)
{
    if (!name || index >= name->part_count)
        return NULL;
    return &name->parts[index].pub;
}

unsigned tby_name_flags(const tby_name *name)
{
    return name ? name->flags : 0;
}

const char *tby_name_normalized(const tby_name *name)
{
    return name ? name->normalized : "";
}
