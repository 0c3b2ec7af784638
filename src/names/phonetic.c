// SPDX-License-Identifier: Apache-2.0
// Cross-script phonetic keys and the weighted edit distance over them.
//
// Arabic letters and Latin graphemes are mapped into one alphabet of sound classes, so that
// محمد, Muhammad, Mohamed and Mehmet become nearly the same string:
//
//   محمد      م ح م د          -> M H M D
//   Muhammad  m u h a mm a d    -> M u H a M a D     (doubles collapse)
//   Mohamed   m o h a m e d     -> M o H a M e D
//
// Consonant classes (upper case) keep every distinction Latin spelling can carry; sounds
// that Latin merges (ت/ط, س/ص, د/ض, ح/ه) share a class, and sounds that Latin spells in
// several ways (q~k~g, th~s~t, dh~z~d, kh~h~x) are separate classes with a cheap
// substitution between them (arabic-names.md 3.2). Latin vowels are lower case; Arabic long
// vowels are A (ا ى), U (و), I (ي), and E for ta marbuta (ة). Glides W and Y are kept as
// consonants so that Hasan (H a S a N) and Husayn (H u S a Y N) stay apart (3.5).
//
// The distance is a Levenshtein distance with those costs. Comparing across scripts makes
// inserting a Latin vowel almost free, because Arabic does not write short vowels.
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "names/names_int.h"

/* ===== Latin graphemes ===== */

static bool is_vowel_letter(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

static bool is_vowel_sym(uint8_t s)
{
    return s == 'a' || s == 'e' || s == 'i' || s == 'o' || s == 'u' || s == 'A' || s == 'U' ||
           s == 'I' || s == 'E' || s == '@';
}

/* Appends sym unless it repeats the previous symbol (doubled letters carry no identity). */
static void phon_emit(uint8_t *out, size_t cap, size_t *count, uint8_t sym)
{
    if (*count > 0 && out[*count - 1] == sym)
        return;
    if (*count < cap)
        out[(*count)++] = sym;
}

/*
 * Abbreviations of Muhammad, read as the name itself: Syrian Mhd, Malaysian and South Asian
 * Mohd and Md, and the vowel-less Mhmd of Arabizi (arabic-names.md 1.6); and the Dagestani and
 * Chechen form Magomed, Magomet, where Russian g stands for h (arabic-names.md 3.1, 3.3).
 * Only whole words.
 */
static bool is_muhammad_abbrev(const char *fold, size_t len)
{
    static const char *const forms[] = {"md",    "mhd",    "mohd",    "muhd",   "mhmd",
                                        "mohmd", "mohamd", "magomed", "magomet"};
    for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
        if (strlen(forms[k]) == len && !memcmp(forms[k], fold, len))
            return true;
    }
    return false;
}

/*
 * The last vowel of a Latin word, before a weak final h or at the very end, gets a symbol
 * of its own: a (FINAL_A), i or y (FINAL_I), o or u (FINAL_U). A name's final vowel is part
 * of its pattern: feminine -a and the nisba -i make other names (Jamil, Jamila; Husayn,
 * Husayni; arabic-names.md 1.8, 3.3), so in Latin against Latin a final vowel added or
 * changed counts more than one inside the word; -a, -ah, -e and -eh stay near (ta
 * marbuta), and French and English final e is left as it is (Othmane, Yassine).
 */
#define FINAL_A '6'
#define FINAL_I '8'
#define FINAL_U '9'
/*
 * Turkish writes the Arabic ending -ī after the vowel harmony of the word: -i, -ı, -u or -ü
 * (Şükrü, Hüsnü, Lütfü for Shukri, Husni, Lutfi; arabic-names.md 3.3). A final ü is therefore
 * the nisba -i as much as a final u: a symbol of its own, near both (tby__phon_final_umlaut).
 */
#define FINAL_UE '4'

/*
 * Latin dh: ذ in most spellings, ظ and ز too, and in Iraqi spellings ض (Fadhil, Ridha, Dhuha,
 * Ramadhan; arabic-names.md 3.1): a symbol of its own that reads as Z and, almost as
 * cheaply, as D (ض and د). Latin z stays Z, further from d.
 */
#define LATIN_DH 'z'

/*
 * A word-final ي after a consonant in Arabic script: the long ī (فتحي Fathi, علي Ali) or,
 * written for ى as Egyptian and Iraqi hands do, the long ā (مصطفي Mustafa, هدي Huda;
 * arabic-names.md 2, alef maqsura written as ي). Arabic against Arabic folds the two; across
 * scripts it reads as I, and as A for a little more.
 */
#define FINAL_YA      'y'
#define FINAL_YA_AS_A 0.15f

static void mark_final_vowel(uint8_t *out, size_t count)
{
    size_t last = count > 0 && out[count - 1] == 'h' ? count - 1 : count;
    if (last < 2)
        return;
    uint8_t v = out[last - 1];
    out[last - 1] = v == 'a' ? FINAL_A : v == 'i' ? FINAL_I : v == 'o' || v == 'u' ? FINAL_U : v;
}

size_t tby__phon_latin(uint8_t *out, size_t cap, const char *fold, size_t len)
{
    size_t count = 0;
    size_t i = 0;
    if (is_muhammad_abbrev(fold, len)) {
        fold = "muhammad";
        len = 8;
    }
    while (i < len) {
        char c = fold[i];
        char n1 = i + 1 < len ? fold[i + 1] : '\0';
        char n2 = i + 2 < len ? fold[i + 2] : '\0';
        bool prev_vowel = count > 0 && is_vowel_sym(out[count - 1]);
        /* A word-initial "ei" before a consonant is the long ī after an unwritten ayn in
         * Iraqi and Levantine spellings (Eissa for عيسى, Eid for عيد), not a diphthong. */
        if (i == 0 && c == 'e' && n1 == 'i' && n2 && n2 != '\'' && !is_vowel_letter(n2) &&
            n2 != 'y') {
            phon_emit(out, cap, &count, 'i');
            i += 2;
            continue;
        }
        if (c == 's' && n1 == 'c' && n2 == 'h') {
            phon_emit(out, cap, &count, 'C');
            i += 3;
            continue;
        }
        if (c == 'd' && n1 == 'z' && n2 == 'h') {
            phon_emit(out, cap, &count, 'J');
            i += 3;
            continue;
        }
        uint8_t di = 0;
        switch (c) {
        case 's':
            di = n1 == 'h' ? 'C' : 0;
            break;
        case 'c':
            di = n1 == 'h' ? 'C' : n1 == 'k' ? 'K' : 0;
            break;
        case 'k':
            di = n1 == 'h' ? 'X' : 0;
            break;
        case 'g':
            di = n1 == 'h' ? 'G' : 0;
            break;
        case 't':
            di = n1 == 'h' ? 'O' : 0;
            break;
        case 'd':
            di = n1 == 'h' ? LATIN_DH : n1 == 'j' ? 'J' : 0;
            break;
        case 'p':
            di = n1 == 'h' ? 'F' : 0;
            break;
        default:
            break;
        }
        if (di) {
            phon_emit(out, cap, &count, di);
            i += 2;
            continue;
        }
        /* A doubled letter before the digraph it starts is one sound (Matthias, Ashshar). */
        if (c == n1 && n2 == 'h' && (c == 't' || c == 's' || c == 'd' || c == 'k' || c == 'g')) {
            i++;
            continue;
        }
        /* French and English qu before e or i is k (Jacques, Jacqui): the u is not said. */
        if (c == 'q' && n1 == 'u' && (n2 == 'e' || n2 == 'i')) {
            phon_emit(out, cap, &count, 'K');
            i += 2;
            continue;
        }
        /* "ou" is one vowel (Youssef) or, before a vowel, the glide w (Oualid, Aouad). */
        if (c == 'o' && n1 == 'u') {
            phon_emit(out, cap, &count, is_vowel_letter(n2) ? 'W' : 'u');
            i += 2;
            continue;
        }
        /* Word-final h after a vowel is ta marbuta, a silent h (Fatimah, Hamzeh) or a real
         * ha (Salah): the weak symbol h matches both H and nothing cheaply. */
        if (c == 'h' && i + 1 == len && prev_vowel) {
            phon_emit(out, cap, &count, 'h');
            i++;
            continue;
        }
        uint8_t sym;
        switch (c) {
        case 'a':
        case 'e':
        case 'o':
            sym = (uint8_t)c;
            break;
        case 'i':
            /* i after a vowel is the glide of a diphthong (Hussain, Faisal). */
            sym = prev_vowel && out[count - 1] != 'i' && !is_vowel_letter(n1) ? 'Y' : 'i';
            break;
        case 'u':
            sym = prev_vowel && out[count - 1] != 'u' && !is_vowel_letter(n1) ? 'W' : 'u';
            break;
        case 'y':
            /* y between consonants or at the end after a consonant is a vowel (Mahdy, Aly);
             * a doubled y is the one glide (Qusayy, Udayy). */
            sym = (count > 0 && !prev_vowel && !is_vowel_letter(n1) && fold[i - 1] != 'y') ? 'i'
                                                                                           : 'Y';
            break;
        case 'w':
            sym = 'W';
            break;
        case 'c':
            /* c is s, k or, in Turkish, j (Cemal, Cafer = Jamal, Ja'far); French ç folds to
             * c too (Fayçal). Soft c (before e i y) and hard c are symbols of their own,
             * close to S and K respectively and not far from J (arabic-names.md 3.1); c
             * before q is silent (Jacqui). */
            sym = (n1 == 'e' || n1 == 'i' || n1 == 'y') ? 'c' : n1 == 'q' ? 0 : 'k';
            break;
        case 'b':
            sym = 'B';
            break;
        case 'p':
            sym = 'P';
            break;
        case 'f':
            sym = 'F';
            break;
        case 'v':
            /* Turkish writes the diphthong aw as ev/av (Tevfik, Şevki, Cevdet = Tawfiq,
             * Shawqi, Jawdat): v after a vowel and before a consonant is that glide. */
            sym = prev_vowel && n1 && !is_vowel_letter(n1) && n1 != 'y' ? 'W' : 'V';
            break;
        case 't':
            sym = 'T';
            break;
        case 'd':
            sym = 'D';
            break;
        case 'j':
            /* Inside a word, j may be the y glide of German, Dutch and Slavic spellings
             * (Katja, Dijana, Meijer): a symbol of its own, J that may also be read as i. */
            sym = count > 0 ? 'j' : 'J';
            break;
        case 'h':
            sym = 'H';
            break;
        case 'x':
            sym = 'X';
            break;
        case 'z':
            sym = 'Z';
            break;
        case 's':
            sym = 'S';
            break;
        case 'r':
            sym = 'R';
            break;
        case 'l':
            sym = 'L';
            break;
        case 'm':
            sym = 'M';
            break;
        case 'n':
            sym = 'N';
            break;
        case 'q':
            sym = 'Q';
            break;
        case 'k':
            sym = 'K';
            break;
        case 'g':
            sym = 'G';
            break;
        case '\'':
        case '3': /* Arabizi: 3 = ayn, 2 = hamza, 7 = ha, 5 = kha */
            sym = '3';
            break;
        case '2':
            sym = '\'';
            break;
        case '7':
            sym = 'H';
            break;
        case '5':
            sym = 'X';
            break;
        default:
            sym = 0;
            break;
        }
        if (sym)
            phon_emit(out, cap, &count, sym);
        i++;
    }
    /* A final -ie, -ee or -iy is the long ending -i of a nisba (Samarraie, Samaraee,
     * Khazrajiy for Samarrai, Khazraji; arabic-names.md 3.2): the one vowel i. -iy only in
     * longer words: in a short one the y is as often a glide (Abiy). */
    char last1 = len >= 4 ? fold[len - 2] : '\0', last2 = len >= 4 ? fold[len - 1] : '\0';
    if (count >= 3 && ((last1 == 'i' && (last2 == 'e' || (last2 == 'y' && len >= 6))) ||
                       (last1 == 'e' && last2 == 'e'))) {
        if (out[count - 1] == 'Y' || (out[count - 1] == 'e' && out[count - 2] == 'i'))
            count--;
        else if (out[count - 1] == 'e')
            out[count - 1] = 'i';
    }
    mark_final_vowel(out, count);
    return count;
}

void tby__phon_final_umlaut(uint8_t *sym, size_t len)
{
    if (len >= 2 && sym[len - 1] == FINAL_U)
        sym[len - 1] = FINAL_UE;
}

/* ===== Arabic letters ===== */

/* Sound class of one Arabic-script code point; 0 for none. W/Y are resolved by position. */
static uint8_t arabic_class(int32_t cp)
{
    switch (cp) {
    case 0x0627: /* ا */
    case 0x0623: /* أ */
    case 0x0625: /* إ */
    case 0x0622: /* آ */
    case 0x0671: /* ٱ */
    case 0x0649: /* ى */
        return 'A';
    case 0x0621: /* ء */
        return '\'';
    case 0x0624: /* ؤ: hamza carrying u (مؤيد Mu'ayyad) */
        return 'U';
    case 0x0626: /* ئ: hamza carrying i (رائد Ra'id, عائشة 'A'isha) */
        return 'I';
    case 0x0628:
        return 'B';
    case 0x067E: /* پ */
        return 'P';
    case 0x062A: /* ت */
    case 0x0637: /* ط */
        return 'T';
    case 0x062B: /* ث */
        return 'O';
    case 0x062C: /* ج */
    case 0x0698: /* ژ */
        return 'J';
    case 0x0686: /* چ */
        return 'C';
    case 0x062D: /* ح */
    case 0x0647: /* ه */
    case 0x06C1:
    case 0x06BE:
        return 'H';
    case 0x062E: /* خ */
        return 'X';
    case 0x062F: /* د */
    case 0x0636: /* ض */
        return 'D';
    case 0x0630: /* ذ */
    case 0x0632: /* ز */
    case 0x0638: /* ظ */
        return 'Z';
    case 0x0631: /* ر */
    case 0x0695:
        return 'R';
    case 0x0633: /* س */
    case 0x0635: /* ص */
        return 'S';
    case 0x0634: /* ش */
        return 'C';
    case 0x0639: /* ع */
        return '3';
    case 0x063A: /* غ */
    case 0x06AF: /* گ */
        return 'G';
    case 0x0641: /* ف */
        return 'F';
    case 0x06A4: /* ڤ */
        return 'V';
    case 0x0642: /* ق */
        return 'Q';
    case 0x0643: /* ك */
    case 0x06A9: /* ک */
    case 0x06AA:
        return 'K';
    case 0x0644: /* ل */
    case 0x06B5:
        return 'L';
    case 0x0645:
        return 'M';
    case 0x0646:
        return 'N';
    case 0x0648: /* و */
    case 0x06C6:
        return 'W';
    case 0x064A: /* ي */
    case 0x06CC: /* ی */
    case 0x06D0:
    case 0x06D2:
    case 0x06CE:
        return 'Y';
    case 0x0629: /* ة */
    case 0x06C3:
    case 0x06C0:
        return 'E';
    default:
        return 0;
    }
}

size_t tby__phon_arabic(uint8_t *out, size_t cap, const char *exact, size_t len)
{
    uint8_t raw[TBY__SYM_MAX * 2];
    size_t raw_len = 0;
    size_t off = 0;
    bool final_ya = false; /* the last letter is ي or ی */
    while (off < len && raw_len < sizeof(raw)) {
        int32_t cp;
        size_t n = tby__utf8_decode(exact + off, len - off, &cp);
        if (n == 0)
            break;
        off += n;
        uint8_t cls = arabic_class(cp);
        if (cls)
            final_ya = cp == 0x064A || cp == 0x06CC;
        /* A word-final ه after a letter is a ta marbuta written without its dots (فاطمه,
         * خديجه: arabic-names.md 2, "ta marbuta written as ه") or a real ha (الله, طه,
         * وجيه): the weak final h, which reads as H, as the ending -a/-e or as nothing. */
        if (cp == 0x0647 && off == len && raw_len >= 2)
            cls = 'h';
        /* A word-initial alef carries whatever vowel starts the word (أحمد, إبراهيم, أسامة). */
        if (cls == 'A' && raw_len == 0)
            cls = '@';
        if (cls)
            raw[raw_len++] = cls;
    }
    /*
     * و and ي are consonants (W, Y) at the start of a word and next to alef or another long
     * vowel; between consonants they are the long vowels U and I (محمود M H M U D).
     */
    for (size_t i = 0; i < raw_len; i++) {
        uint8_t sym = raw[i];
        if (sym == 'W' || sym == 'Y') {
            bool start = i == 0;
            bool next_vowel = i + 1 < raw_len && (raw[i + 1] == 'A' || raw[i + 1] == 'E');
            /* After the initial alef and before a consonant, ي is the long ī of إيمان (Iman,
             * Eman) as often as the glide of أيمن (Ayman): the long vowel reads as both. */
            bool after_long = i > 0 && raw[i - 1] == 'A';
            if (!start && !next_vowel && !after_long)
                raw[i] = sym == 'W' ? 'U' : 'I';
        }
    }
    if (final_ya && raw_len >= 3 && raw[raw_len - 1] == 'I' && !is_vowel_sym(raw[raw_len - 2]) &&
        raw[raw_len - 2] != '3' && raw[raw_len - 2] != '\'')
        raw[raw_len - 1] = FINAL_YA;
    size_t count = 0;
    for (size_t i = 0; i < raw_len; i++) {
        /* The initial alef only carries the long vowel that follows it (إيمان, أوس). */
        if (raw[i] == '@' && i + 1 < raw_len && (raw[i + 1] == 'I' || raw[i + 1] == 'U'))
            continue;
        phon_emit(out, cap, &count, raw[i]);
    }
    return count;
}

/*
 * Arabic letter codes: the fold form's letters numbered in Unicode order (U+0621..U+064A
 * become 1..42), so two Arabic spellings compare letter by letter.
 */
size_t tby__arabic_codes(uint8_t *out, size_t cap, const char *fold, size_t len)
{
    size_t count = 0;
    size_t off = 0;
    while (off < len && count < cap) {
        int32_t cp;
        size_t n = tby__utf8_decode(fold + off, len - off, &cp);
        if (n == 0)
            break;
        off += n;
        if (cp >= 0x0621 && cp <= 0x064A)
            out[count++] = (uint8_t)(cp - 0x0620);
        else if (cp >= 0x0671 && cp <= 0x06FF)
            out[count++] = (uint8_t)(64 + (cp & 0x3F)); /* rare extended letters */
    }
    return count;
}

/* ===== Costs ===== */

/*
 * Cost tables, built once. cost_sub[x][y] is the cost of reading symbol x as y; cost_del[x]
 * the cost of a symbol with no counterpart. Cross-script tables differ only in the cost of
 * Latin vowels with no counterpart. Values were set from the equivalence classes of
 * arabic-names.md 3.2 and then tuned on the development evaluation (tools/eval).
 */
typedef struct phon_costs {
    float sub[128][128];
    float del_latin[128];
    float del_cross[128];
    float weight[128]; /* contribution of a symbol to a key's length */
    /* near[x]: the symbols x may be read as for less than 1, itself included, and those
     * it can form a digraph step with (tby__phon_orphan_bound). */
    tby__symset near[128];
    /* near_of[y]: the symbols x with y in near[x], so that the union of near_of over a key's
     * symbols holds every symbol that is not an orphan against that key. */
    tby__symset near_of[128];
    tby__symset full; /* symbols whose deletion costs 1 in both tables */
} phon_costs;

static phon_costs costs;
static pthread_once_t costs_once = PTHREAD_ONCE_INIT;

static void symset_add(tby__symset *set, uint8_t c)
{
    set->bits[(c >> 6) & 1] |= 1ull << (c & 63);
}

static bool symset_has(const tby__symset *set, unsigned c)
{
    return (set->bits[(c >> 6) & 1] >> (c & 63)) & 1u;
}

static bool symset_meets(const tby__symset *a, const tby__symset *b)
{
    return ((a->bits[0] & b->bits[0]) | (a->bits[1] & b->bits[1])) != 0;
}

tby__symset tby__symset_of(const uint8_t *sym, size_t len)
{
    tby__symset set = {{0, 0}};
    for (size_t i = 0; i < len; i++)
        symset_add(&set, sym[i] & 0x7F);
    return set;
}

static unsigned pair_target(uint8_t y1, uint8_t y2, float *cost);

/* Fills costs.near from the finished substitution table and the digraph rules. */
static void costs_build_near(void)
{
    for (int x = 0; x < 128; x++) {
        for (int y = 0; y < 128; y++) {
            if (costs.sub[x][y] < 1.0f)
                symset_add(&costs.near[x], (uint8_t)y);
        }
    }
    /* A digraph step reads one symbol t as the pair y1 y2: t needs y1 or y2 on the other
     * side, and y1 or y2 needs t. */
    for (int y1 = 0; y1 < 128; y1++) {
        for (int y2 = 0; y2 < 128; y2++) {
            float cost;
            unsigned t = pair_target((uint8_t)y1, (uint8_t)y2, &cost);
            if (t > 127)
                continue;
            symset_add(&costs.near[t], (uint8_t)y1);
            symset_add(&costs.near[t], (uint8_t)y2);
            symset_add(&costs.near[y1], (uint8_t)t);
            symset_add(&costs.near[y2], (uint8_t)t);
        }
    }
    for (int x = 0; x < 128; x++) {
        for (int y = 0; y < 128; y++) {
            if (symset_has(&costs.near[x], (unsigned)y))
                symset_add(&costs.near_of[y], (uint8_t)x);
        }
        if (costs.del_latin[x] >= 1.0f && costs.del_cross[x] >= 1.0f)
            symset_add(&costs.full, (uint8_t)x);
    }
}

/*
 * A final vowel with no counterpart, Latin against Latin. A final -a or -i added makes another
 * name, the feminine of a given name (Jamil, Jamila; Nabil, Nabila) or a nisba (Husayn,
 * Husayni; Sultan, Sultani; arabic-names.md 1.1, 3.5): it costs about a consonant. A final -o or
 * -u is a diminutive or a silent waw (Hamo, Amro for Amr) and stays cheaper.
 */
#define FINAL_VOWEL_DEL 0.45f
#define FINAL_AI_DEL    0.9f
#define FINAL_VOWEL_SUB 0.7f

static void cost_pair(uint8_t x, uint8_t y, float value)
{
    costs.sub[x][y] = value;
    costs.sub[y][x] = value;
}

/*
 * A symbol that reads as `base` (its substitutions, deletion costs and weight), and as
 * `alt` (when not 0) for `alt_extra` more.
 */
static void cost_symbol_like(uint8_t sym, uint8_t base, uint8_t alt, float alt_extra)
{
    for (int y = 0; y < 128; y++) {
        float best = costs.sub[base][y];
        if (alt && costs.sub[alt][y] + alt_extra < best)
            best = costs.sub[alt][y] + alt_extra;
        costs.sub[sym][y] = costs.sub[y][sym] = best;
    }
    costs.sub[sym][sym] = 0.0f;
    costs.del_latin[sym] = costs.del_latin[base];
    costs.del_cross[sym] = costs.del_cross[base];
    costs.weight[sym] = costs.weight[base];
}

static void costs_build(void)
{
    static const char consonants[] = "BPFVTOJHXDZRSCGQKLMNWY3'";
    static const char vowels[] = "aeiouAUIE";
    for (int x = 0; x < 128; x++) {
        for (int y = 0; y < 128; y++)
            costs.sub[x][y] = x == y ? 0.0f : 1.0f;
        costs.del_latin[x] = 1.0f;
        costs.del_cross[x] = 1.0f;
        costs.weight[x] = 1.0f;
    }
    (void)consonants;
    /* Latin vowels among themselves. */
    cost_pair('a', 'e', 0.2f);
    cost_pair('e', 'i', 0.2f);
    cost_pair('o', 'u', 0.12f);
    cost_pair('a', 'o', 0.35f);
    cost_pair('a', 'u', 0.3f);
    cost_pair('a', 'i', 0.35f);
    cost_pair('e', 'o', 0.35f);
    cost_pair('e', 'u', 0.35f);
    cost_pair('i', 'u', 0.35f);
    cost_pair('i', 'o', 0.4f);
    /* Arabic long vowels against Latin vowels and glides. */
    cost_pair('A', 'a', 0.0f);
    cost_pair('A', 'e', 0.1f);
    cost_pair('A', 'o', 0.3f);
    cost_pair('A', 'i', 0.5f);
    cost_pair('A', 'u', 0.5f);
    cost_pair('U', 'u', 0.0f);
    cost_pair('U', 'o', 0.0f);
    cost_pair('U', 'W', 0.05f);
    cost_pair('U', 'a', 0.5f);
    cost_pair('U', 'i', 0.5f);
    cost_pair('U', 'e', 0.5f);
    cost_pair('I', 'i', 0.0f);
    cost_pair('I', 'e', 0.05f);
    cost_pair('I', 'Y', 0.05f);
    cost_pair('I', 'a', 0.5f);
    cost_pair('I', 'u', 0.5f);
    cost_pair('I', 'o', 0.5f);
    cost_pair('E', 'a', 0.0f);
    cost_pair('E', 'e', 0.0f);
    cost_pair('E', 'A', 0.1f);
    cost_pair('E', 'i', 0.3f);
    cost_pair('E', 'H', 0.2f);
    cost_pair('E', 'T', 0.2f); /* -at for ta marbuta: Najat for نجاة, Ismat */
    cost_pair('A', 'U', 0.6f);
    cost_pair('A', 'I', 0.6f);
    cost_pair('U', 'I', 0.6f);
    /* Initial alef and the weak final h. */
    for (const char *v = "aeiouAUIE"; *v; v++)
        cost_pair('@', (uint8_t)*v, 0.05f);
    cost_pair('h', 'H', 0.1f);
    cost_pair('h', 'E', 0.1f);
    cost_pair('h', 'a', 0.1f); /* خديجه against Khadija: the ending -a (FINAL_A too) */
    cost_pair('h', 'e', 0.1f);
    /* Glides against vowels, in Latin. */
    cost_pair('W', 'u', 0.15f);
    cost_pair('W', 'o', 0.2f);
    cost_pair('Y', 'i', 0.15f);
    cost_pair('Y', 'e', 0.3f);
    cost_pair('W', 'V', 0.3f);
    /* Ayn and hamza: often unwritten, or written as the vowel they carry. */
    cost_pair('3', '\'', 0.05f);
    for (const char *v = vowels; *v; v++) {
        cost_pair('3', (uint8_t)*v, 0.05f);
        cost_pair('\'', (uint8_t)*v, 0.05f);
    }
    /* Consonant classes that transliteration systems and dialects interchange. */
    cost_pair('Q', 'K', 0.15f);
    cost_pair('Q', 'G', 0.3f);
    cost_pair('K', 'G', 0.4f);
    cost_pair('J', 'G', 0.3f);
    cost_pair('J', 'Y', 0.35f);
    cost_pair('G', 'H', 0.5f);
    cost_pair('J', 'S', 0.6f);
    cost_pair('J', 'Z', 0.6f);
    cost_pair('O', 'T', 0.3f);
    cost_pair('O', 'S', 0.3f);
    cost_pair('O', 'Z', 0.3f);
    cost_pair('Z', 'D', 0.3f);
    cost_pair('Z', 'S', 0.5f);
    cost_pair('S', 'C', 0.5f);
    cost_pair('H', 'X', 0.4f);
    cost_pair('X', 'K', 0.4f);
    cost_pair('X', 'G', 0.5f);
    cost_pair('X', 'C', 0.5f);
    cost_pair('X', 'J', 0.6f);
    cost_pair('B', 'P', 0.1f);
    cost_pair('F', 'V', 0.1f);
    cost_pair('B', 'V', 0.4f);
    /* p and v both stand for b: Turkish devoicing (Yakup, Eyüp) and the v of Hebrew and
     * Slavic cognates (Yaakov, Jakov for Ya'qub): near each other through b. */
    cost_pair('P', 'V', 0.45f);
    cost_pair('D', 'T', 0.35f);
    cost_pair('H', '3', 0.6f);
    cost_pair('C', 'K', 0.5f);
    /* Latin c: soft c (c) is s in English and French, j in Turkish (Cemil, Recep), ch in
     * Italian; hard c (k) is k, or s where a cedilla was dropped (Faycal), or Turkish j
     * (Cafer, Cuma). */
    cost_pair('c', 'S', 0.1f);
    cost_pair('c', 'J', 0.35f);
    cost_pair('c', 'G', 0.5f);
    cost_pair('c', 'C', 0.45f);
    cost_pair('c', 'Z', 0.5f);
    cost_pair('c', 'k', 0.4f);
    cost_pair('k', 'K', 0.0f);
    cost_pair('k', 'Q', 0.15f);
    cost_pair('k', 'G', 0.4f);
    cost_pair('k', 'S', 0.4f);
    cost_pair('k', 'J', 0.4f);
    cost_pair('k', 'X', 0.4f);
    cost_pair('k', 'C', 0.5f);
    /* An inner Latin j (see tby__phon_latin) is J, or the glide written i or y. */
    for (int y = 0; y < 128; y++)
        costs.sub['j'][y] = costs.sub[y]['j'] = costs.sub['J'][y];
    costs.sub['j']['j'] = 0.0f;
    cost_pair('j', 'i', 0.4f);

    /* Symbols with no counterpart. */
    for (const char *v = "aeiou"; *v; v++) {
        costs.del_latin[(uint8_t)*v] = 0.25f;
        costs.del_cross[(uint8_t)*v] = 0.05f;
        costs.weight[(uint8_t)*v] = 0.5f;
    }
    for (const char *v = "AUI"; *v; v++) {
        costs.del_latin[(uint8_t)*v] = 0.35f;
        costs.del_cross[(uint8_t)*v] = 0.35f;
        costs.weight[(uint8_t)*v] = 0.7f;
    }
    costs.del_latin['@'] = costs.del_cross['@'] = 0.35f;
    costs.weight['@'] = 0.5f;
    costs.del_latin['h'] = costs.del_cross['h'] = 0.1f;
    costs.weight['h'] = 0.3f;
    costs.del_latin['E'] = costs.del_cross['E'] = 0.15f;
    costs.weight['E'] = 0.3f;
    costs.del_latin['3'] = costs.del_cross['3'] = 0.12f;
    costs.weight['3'] = 0.3f;
    costs.del_latin['\''] = costs.del_cross['\''] = 0.05f;
    costs.weight['\''] = 0.1f;
    costs.del_latin['H'] = costs.del_cross['H'] = 0.6f;
    costs.del_latin['W'] = costs.del_cross['W'] = 0.7f;
    costs.del_latin['Y'] = costs.del_cross['Y'] = 0.7f;
    /* Final vowels (mark_final_vowel) read like their vowels, except against each other and
     * left out in Latin against Latin. */
    static const char *const final_bases[3] = {"a", "i", "ou"};
    static const uint8_t final_syms[3] = {FINAL_A, FINAL_I, FINAL_U};
    for (int f = 0; f < 3; f++) {
        uint8_t fs = final_syms[f];
        for (int y = 0; y < 128; y++) {
            float best = 1.0f;
            for (const char *b = final_bases[f]; *b; b++)
                best = costs.sub[(uint8_t)*b][y] < best ? costs.sub[(uint8_t)*b][y] : best;
            costs.sub[fs][y] = costs.sub[y][fs] = best;
        }
        costs.sub[fs][fs] = 0.0f;
        costs.del_latin[fs] = fs == FINAL_U ? FINAL_VOWEL_DEL : FINAL_AI_DEL;
        costs.del_cross[fs] = costs.del_cross[(uint8_t)final_bases[f][0]];
        costs.weight[fs] = costs.weight[(uint8_t)final_bases[f][0]];
    }
    cost_pair(FINAL_A, FINAL_I, FINAL_VOWEL_SUB);
    cost_pair(FINAL_A, FINAL_U, FINAL_VOWEL_SUB);
    cost_pair(FINAL_I, FINAL_U, FINAL_VOWEL_SUB);
    /* Final ي reads as I, and as A for a little more. */
    cost_symbol_like(FINAL_YA, 'I', 'A', FINAL_YA_AS_A);
    /* Latin dh is Z, with ض and د nearer than Latin z has them. */
    cost_symbol_like(LATIN_DH, 'Z', 0, 0.0f);
    cost_pair(LATIN_DH, 'D', 0.12f);
    /* The Turkish final ü reads as u or i, and as the -ī of the nisba. */
    cost_symbol_like(FINAL_UE, 'u', 'i', 0.0f);
    cost_pair(FINAL_UE, FINAL_I, 0.15f);
    cost_pair(FINAL_UE, FINAL_U, 0.15f);
    cost_pair(FINAL_UE, FINAL_A, FINAL_VOWEL_SUB);
    costs.del_latin[FINAL_UE] = FINAL_AI_DEL;
    costs_build_near();
}

static const phon_costs *costs_get(void)
{
    pthread_once(&costs_once, costs_build);
    return &costs;
}

/*
 * Reading one symbol as two: a Latin digraph is ambiguous (Ishaq is s+h, not sh; Adham is
 * d+h, Fathi is t+h), and x is k+s in most languages but kh in Kurdish. Returns the one
 * symbol that the pair y1 y2 may stand for, with the cost in *cost, or NO_PAIR when the
 * pair is not such a digraph. NO_PAIR is above every symbol (symbols are read & 0x7F).
 */
#define NO_PAIR 0xFFu

static unsigned pair_target(uint8_t y1, uint8_t y2, float *cost)
{
    if (y2 == 'H') {
        *cost = y1 == 'D' ? 0.15f : 0.1f;
        return y1 == 'S' ? 'C' : y1 == 'T' ? 'O' : y1 == 'K' ? 'X' : y1 == 'D' ? LATIN_DH : NO_PAIR;
    }
    if (y2 == 'W' || y2 == 'Y') {
        /* A diphthong written as the one vowel it is said as: aw, au, ow and Turkish ev
         * as o (Tawfiq, Toufik, Tevfik; Awda, Odeh), ay, ai, ey as e (Husayn, Husein);
         * arabic-names.md 3.2. Malay and Indonesian sy is sh (Hisyam, Syarif). */
        *cost = 0.2f;
        if (y2 == 'W')
            return y1 == 'a' || y1 == 'e' || y1 == 'o' ? 'o' : NO_PAIR;
        return y1 == 'a' || y1 == 'e' ? 'e' : y1 == 'S' ? 'C' : NO_PAIR;
    }
    if (y1 == 'W' && (y2 == 'u' || y2 == 'o')) {
        /* French ou after a vowel is w and u at once (Daoud, Daoudi for Dawud, Dawudi):
         * wu and wo, as in Dawud and Dawood, read as that one u. */
        *cost = 0.1f;
        return 'u';
    }
    *cost = 0.15f;
    return y2 == 'S' && y1 == 'K' ? 'X' : NO_PAIR;
}

uint16_t tby__phon_lmnr(const uint8_t *sym, size_t len)
{
    unsigned counts[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < len; i++) {
        int k = sym[i] == 'L' ? 0 : sym[i] == 'M' ? 1 : sym[i] == 'N' ? 2 : sym[i] == 'R' ? 3 : -1;
        if (k >= 0 && counts[k] < 15)
            counts[k]++;
    }
    return (uint16_t)(counts[0] | counts[1] << 4 | counts[2] << 8 | counts[3] << 12);
}

double tby__phon_orphan_bound(const uint8_t *a, size_t a_len, tby__symset b_set, bool cross)
{
    const phon_costs *pc = costs_get();
    const float *del = cross ? pc->del_cross : pc->del_latin;
    double bound = 0.0;
    for (size_t i = 0; i < a_len; i++) {
        uint8_t x = a[i] & 0x7F;
        if (!symset_meets(&pc->near[x], &b_set))
            bound += del[x];
    }
    return bound;
}

tby__symset tby__phon_full_set(void)
{
    return costs_get()->full;
}

tby__symset tby__phon_near_set(const uint8_t *sym, size_t len)
{
    const phon_costs *pc = costs_get();
    tby__symset set = {{0, 0}};
    for (size_t i = 0; i < len; i++)
        set = tby__symset_union(set, pc->near_of[sym[i] & 0x7F]);
    return set;
}

double tby__phon_orphan_sum(const uint8_t *a, size_t a_len, tby__symset orphans, bool cross)
{
    const phon_costs *pc = costs_get();
    const float *del = cross ? pc->del_cross : pc->del_latin;
    double bound = 0.0;
    /* Multiplying by 0 or 1 instead of branching: whether a symbol is an orphan is as good
     * as random, and adding +0.0 leaves the sum as it was. */
    for (size_t i = 0; i < a_len; i++) {
        uint8_t x = a[i] & 0x7F;
        bound += del[x] * (float)symset_has(&orphans, x);
    }
    return bound;
}

double tby__phon_length(const uint8_t *sym, size_t len)
{
    const phon_costs *pc = costs_get();
    float total = 0.0f;
    for (size_t i = 0; i < len; i++)
        total += pc->weight[sym[i] & 0x7F];
    return total;
}

/*
 * Cost of two adjacent consonants written in the other order (Damerau): the commonest
 * clerical slip (مصطفى written مصفطى). A long vowel letter changing places with a consonant is
 * not a slip but another word pattern (صالح Salih, صلاح Salah), so it gets no discount.
 */
#define TRANSPOSE_COST 0.6f

static bool is_long_vowel_sym(uint8_t s)
{
    return s == 'A' || s == 'U' || s == 'I' || s == 'E' || s == FINAL_YA;
}

/*
 * Whether row i of the DP (symbol a[i]) can be reached from row i-2: by reading a[i-1] a[i]
 * as one symbol of b (a digraph step) or by a transposition of a[i-1] a[i]. Both need the
 * symbols concerned to occur in b (b_set), so most rows of unrelated keys cannot.
 */
static bool phon_row_skips(const uint8_t *a, size_t i, const tby__symset *b_set)
{
    if (i == 0)
        return false;
    uint8_t x = a[i] & 0x7F, before = a[i - 1] & 0x7F;
    float cost;
    unsigned target = pair_target(before, x, &cost);
    if (target != NO_PAIR && symset_has(b_set, target))
        return true;
    return x != before && !is_long_vowel_sym(x) && !is_long_vowel_sym(before) &&
           symset_has(b_set, x) && symset_has(b_set, before);
}

/*
 * The DP keeps three rows (the one-to-two steps and transpositions reach back two rows). The
 * per-column data (symbol, deletion cost, which symbol the column pair b[j-1] b[j] may stand
 * for) is gathered once, so the inner loop only loads and takes minima: most calls reject an
 * unrelated pair after a few rows, so setup and per-cell work are what count.
 *
 * Skipping the one-to-two steps that are not digraphs changes no result: they used to cost
 * 9, and a cell never gets that high above the cells it is reached from (every single step
 * costs at most 1), so they never won a minimum.
 *
 * A row where no digraph step or transposition can apply (phon_row_skips false, and a[i]
 * not a symbol that a column pair of b may stand for) takes the plain Levenshtein loop: the
 * cells get the same minima of the same sums, so the same values. Such a row can also not be
 * jumped over, so the early stop only needs that row over the budget.
 *
 * The early stop also counts what is certainly still to pay after a cell: an orphan symbol
 * (tby__phon_orphan_bound) takes a step of its own costing at least its deletion cost, so a
 * path through cell (i, j) costs at least the cell plus the orphans left in a[i+1..] or in
 * b[j+1..], whichever is more (one substitution may settle one orphan of each side).
 */
static double phon_dp(const uint8_t *a, size_t a_len, tby__symset a_orphans, const uint8_t *b,
                      size_t b_len, tby__symset b_orphans, bool cross, double budget,
                      double *len_out, bool plain_rows)
{
    const phon_costs *pc = costs_get();
    const float *del = cross ? pc->del_cross : pc->del_latin;
    float rows[3][TBY__SYM_MAX + 1];
    float *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    uint8_t col_sym[TBY__SYM_MAX];
    float col_del[TBY__SYM_MAX];
    unsigned col_pair[TBY__SYM_MAX]; /* symbol that b[j-1] b[j] may stand for, or NO_PAIR */
    float col_pair_cost[TBY__SYM_MAX];
    tby__symset b_set = {{0, 0}};    /* symbols of b */
    tby__symset pair_set = {{0, 0}}; /* symbols a column pair of b may stand for */
    if (a_len > TBY__SYM_MAX)
        a_len = TBY__SYM_MAX;
    if (b_len > TBY__SYM_MAX)
        b_len = TBY__SYM_MAX;
    float len_a = 0.0f;
    float len_b = 0.0f;
    float rest_a[TBY__SYM_MAX + 1], rest_b[TBY__SYM_MAX + 1]; /* orphans' costs left */
    bool prev_over = false; /* the previous row was over the budget */
    for (size_t i = 0; i < a_len; i++)
        len_a += pc->weight[a[i] & 0x7F];
    rest_a[a_len] = 0.0f;
    for (size_t i = a_len; i-- > 0;)
        rest_a[i] = rest_a[i + 1] + del[a[i] & 0x7F] * (float)symset_has(&a_orphans, a[i] & 0x7F);
    rest_b[b_len] = 0.0f;
    for (size_t j = b_len; j-- > 0;)
        rest_b[j] = rest_b[j + 1] + del[b[j] & 0x7F] * (float)symset_has(&b_orphans, b[j] & 0x7F);
    prev[0] = 0.0f;
    for (size_t j = 0; j < b_len; j++) {
        uint8_t y = b[j] & 0x7F;
        col_sym[j] = y;
        col_del[j] = del[y];
        col_pair_cost[j] = 0.0f;
        col_pair[j] = j > 0 ? pair_target(col_sym[j - 1], y, &col_pair_cost[j]) : NO_PAIR;
        if (col_pair[j] != NO_PAIR)
            symset_add(&pair_set, (uint8_t)col_pair[j]);
        symset_add(&b_set, y);
        len_b += pc->weight[y];
        prev[j + 1] = prev[j] + del[y];
    }
    if (len_out)
        *len_out = len_a > len_b ? len_a : len_b;
    bool skips = false; /* phon_row_skips for row i */
    for (size_t i = 0; i < a_len; i++) {
        uint8_t x = a[i] & 0x7F;
        float del_x = del[x];
        cur[0] = prev[0] + del_x;
        float row_min = cur[0];
        float left_a = rest_a[i + 1]; /* orphans' costs left in a after this row */
        float row_est = cur[0] + (rest_b[0] > left_a ? rest_b[0] : left_a);
        const float *sub = pc->sub[x];
        if (plain_rows && !skips && !symset_has(&pair_set, x)) {
            for (size_t j = 0; j < b_len; j++) {
                float best = prev[j] + sub[col_sym[j]];
                float up = prev[j + 1] + del_x;
                if (up < best)
                    best = up;
                float left = cur[j] + col_del[j];
                if (left < best)
                    best = left;
                cur[j + 1] = best;
                if (best < row_min)
                    row_min = best;
                float est = best + (rest_b[j + 1] > left_a ? rest_b[j + 1] : left_a);
                if (est < row_est)
                    row_est = est;
            }
        } else {
            /* Column symbol that rows i-1 and i read together may stand for, or NO_PAIR. */
            float row_pair_cost = 0.0f;
            unsigned row_pair = i > 0 ? pair_target(a[i - 1] & 0x7F, x, &row_pair_cost) : NO_PAIR;
            for (size_t j = 0; j < b_len; j++) {
                uint8_t y = col_sym[j];
                float best = prev[j] + sub[y];
                float up = prev[j + 1] + del_x;
                if (up < best)
                    best = up;
                if (y == row_pair) {
                    float two = prev2[j] + row_pair_cost;
                    if (two < best)
                        best = two;
                }
                if (x == col_pair[j]) {
                    float two = prev[j - 1] + col_pair_cost[j];
                    if (two < best)
                        best = two;
                }
                /* Two neighbours written the other way round: the commonest clerical slip. */
                if (i > 0 && j > 0 && x != y && x == col_sym[j - 1] && (a[i - 1] & 0x7F) == y &&
                    !is_long_vowel_sym(x) && !is_long_vowel_sym(y)) {
                    float swap = prev2[j - 1] + TRANSPOSE_COST;
                    if (swap < best)
                        best = swap;
                }
                float left = cur[j] + col_del[j];
                if (left < best)
                    best = left;
                cur[j + 1] = best;
                if (best < row_min)
                    row_min = best;
                float est = best + (rest_b[j + 1] > left_a ? rest_b[j + 1] : left_a);
                if (est < row_est)
                    row_est = est;
            }
        }
        /* Every path to the end crosses this row, or jumps from the previous row over it to
         * the next one; once the rows a path must cross exceed the budget, so does the
         * distance. The estimate is a sum of floats in another order than the DP's, so it
         * only counts when clearly over. */
        bool over = row_min > budget || row_est > budget + 1e-3;
        skips = i + 1 < a_len && phon_row_skips(a, i + 1, &b_set);
        if (over && (!skips || prev_over))
            return budget + 1.0;
        prev_over = over;
        float *spare = prev2;
        prev2 = prev;
        prev = cur;
        cur = spare;
    }
    return prev[b_len];
}

double tby__phon_distance_cut(const uint8_t *a, size_t a_len, tby__symset a_orphans,
                              const uint8_t *b, size_t b_len, tby__symset b_orphans, bool cross,
                              double budget, double *len_out)
{
    return phon_dp(a, a_len, a_orphans, b, b_len, b_orphans, cross, budget, len_out, true);
}

double tby__phon_distance(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                          bool cross, double budget, double *len_out)
{
    tby__symset none = {{0, 0}};
    return phon_dp(a, a_len, none, b, b_len, none, cross, budget, len_out, true);
}

double tby__phon_distance_reference(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                                    bool cross, double *len_out)
{
    tby__symset none = {{0, 0}};
    return phon_dp(a, a_len, none, b, b_len, none, cross, HUGE_VAL, len_out, false);
}

/* ===== Arabic letter distance ===== */

/* Letter codes (tby__arabic_codes) of the letters the costs below mention. */
enum {
    AR_ALEF = 0x0627 - 0x0620,
    AR_TEH = 0x062A - 0x0620,
    AR_THEH = 0x062B - 0x0620,
    AR_HAH = 0x062D - 0x0620,
    AR_DAL = 0x062F - 0x0620,
    AR_THAL = 0x0630 - 0x0620,
    AR_ZAIN = 0x0632 - 0x0620,
    AR_SEEN = 0x0633 - 0x0620,
    AR_SAD = 0x0635 - 0x0620,
    AR_DAD = 0x0636 - 0x0620,
    AR_TAH = 0x0637 - 0x0620,
    AR_ZAH = 0x0638 - 0x0620,
    AR_AIN = 0x0639 - 0x0620,
    AR_QAF = 0x0642 - 0x0620,
    AR_KAF = 0x0643 - 0x0620,
    AR_HEH = 0x0647 - 0x0620,
    AR_WAW = 0x0648 - 0x0620,
    AR_YEH = 0x064A - 0x0620,
};

/*
 * Two Arabic spellings keep every consonant distinction (arabic-names.md 2.4): a different
 * letter costs 1, except the phonetic neighbours of 2.5 (K2), which cost 0.4, and a long
 * vowel letter written or left out, which costs 0.7 (حسن Hasan and حسين Husayn differ by
 * one ي and are different names).
 */
static float arabic_sub_compute(uint8_t x, uint8_t y)
{
    if (x == y)
        return 0.0f;
    if (x > y) {
        uint8_t t = x;
        x = y;
        y = t;
    }
#define AR_PAIR(p, q) (x == (p) && y == (q))
    if (AR_PAIR(AR_TEH, AR_THEH) || AR_PAIR(AR_THEH, AR_SEEN) || AR_PAIR(AR_SEEN, AR_SAD) ||
        AR_PAIR(AR_TEH, AR_TAH) || AR_PAIR(AR_DAL, AR_DAD) || AR_PAIR(AR_THAL, AR_ZAIN) ||
        AR_PAIR(AR_THAL, AR_ZAH) || AR_PAIR(AR_DAD, AR_ZAH) || AR_PAIR(AR_ZAIN, AR_ZAH) ||
        AR_PAIR(AR_QAF, AR_KAF) || AR_PAIR(AR_HAH, AR_HEH) || AR_PAIR(AR_ALEF, AR_AIN))
        return 0.4f;
#undef AR_PAIR
    return 1.0f;
}

static float arabic_del(uint8_t x)
{
    return (x == AR_ALEF || x == AR_WAW || x == AR_YEH) ? 0.7f : 1.0f;
}

/* Letter-pair costs as a table (codes are below 128), built once. */
static float arabic_sub_table[128][128];
static tby__symset arabic_near[128];    /* letters within less than 1 of each letter */
static tby__symset arabic_near_of[128]; /* the letters x with y in arabic_near[x] */
static tby__symset arabic_full;         /* letters whose deletion costs 1 */
static pthread_once_t arabic_once = PTHREAD_ONCE_INIT;

static void arabic_table_build(void)
{
    for (int x = 0; x < 128; x++) {
        for (int y = 0; y < 128; y++) {
            arabic_sub_table[x][y] = arabic_sub_compute((uint8_t)x, (uint8_t)y);
            if (arabic_sub_table[x][y] < 1.0f) {
                symset_add(&arabic_near[x], (uint8_t)y);
                symset_add(&arabic_near_of[y], (uint8_t)x);
            }
        }
        if (arabic_del((uint8_t)x) >= 1.0f)
            symset_add(&arabic_full, (uint8_t)x);
    }
}

double tby__arabic_distance(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                            double budget, double *len_out)
{
    pthread_once(&arabic_once, arabic_table_build);
    float rows[3][TBY__SYM_MAX + 1];
    float *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    float prev_min = 0.0f;
    uint8_t col_sym[TBY__SYM_MAX];
    float col_del[TBY__SYM_MAX];
    if (a_len > TBY__SYM_MAX)
        a_len = TBY__SYM_MAX;
    if (b_len > TBY__SYM_MAX)
        b_len = TBY__SYM_MAX;
    prev[0] = 0.0f;
    for (size_t j = 0; j < b_len; j++) {
        col_sym[j] = b[j] & 0x7F;
        col_del[j] = arabic_del(b[j]);
        prev[j + 1] = prev[j] + col_del[j];
    }
    if (len_out)
        *len_out = (double)(a_len > b_len ? a_len : b_len);
    for (size_t i = 0; i < a_len; i++) {
        const float *row = arabic_sub_table[a[i] & 0x7F];
        float del_a = arabic_del(a[i]);
        cur[0] = prev[0] + del_a;
        float row_min = cur[0];
        for (size_t j = 0; j < b_len; j++) {
            float best = prev[j] + row[col_sym[j]];
            float up = prev[j + 1] + del_a;
            if (up < best)
                best = up;
            float left = cur[j] + col_del[j];
            if (left < best)
                best = left;
            if (i > 0 && j > 0 && a[i] != col_sym[j] && (a[i] & 0x7F) == col_sym[j - 1] &&
                (a[i - 1] & 0x7F) == col_sym[j] && arabic_del(a[i]) == 1.0f &&
                arabic_del(a[i - 1]) == 1.0f) {
                float swap = prev2[j - 1] + TRANSPOSE_COST;
                if (swap < best)
                    best = swap;
            }
            cur[j + 1] = best;
            if (best < row_min)
                row_min = best;
        }
        /* A transposition skips a row, so both the last two rows must be over budget. */
        if (row_min > budget && i > 0 && prev_min > budget)
            return budget + 1.0;
        prev_min = row_min;
        float *spare = prev2;
        prev2 = prev;
        prev = cur;
        cur = spare;
    }
    return prev[b_len];
}

double tby__arabic_orphan_bound(const uint8_t *a, size_t a_len, tby__symset b_set)
{
    pthread_once(&arabic_once, arabic_table_build);
    double bound = 0.0;
    for (size_t i = 0; i < a_len; i++) {
        if (!symset_meets(&arabic_near[a[i] & 0x7F], &b_set))
            bound += arabic_del(a[i]);
    }
    return bound;
}

tby__symset tby__arabic_full_set(void)
{
    pthread_once(&arabic_once, arabic_table_build);
    return arabic_full;
}

tby__symset tby__arabic_near_set(const uint8_t *ar, size_t len)
{
    pthread_once(&arabic_once, arabic_table_build);
    tby__symset set = {{0, 0}};
    for (size_t i = 0; i < len; i++)
        set = tby__symset_union(set, arabic_near_of[ar[i] & 0x7F]);
    return set;
}

double tby__arabic_orphan_sum(const uint8_t *a, size_t a_len, tby__symset orphans)
{
    double bound = 0.0;
    for (size_t i = 0; i < a_len; i++) /* branch-free, as tby__phon_orphan_sum */
        bound += arabic_del(a[i]) * (float)symset_has(&orphans, a[i] & 0x7F);
    return bound;
}
