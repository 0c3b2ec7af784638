// SPDX-License-Identifier: Apache-2.0
// bench_names: speed of the name engine on one core, next to a plain Jaro-Winkler.
//
// Screening compares every incoming name with thousands of watchlist names, so the cost of
// tby_name_compare decides how large a list can be screened in real time, and the cost of
// tby_name_parse decides how fast a list loads. Jaro-Winkler, the usual baseline, is timed on
// the same pairs in the same run, so the ratio carries over between machines.
//
// Measurements (median over repetitions of ns per operation, one thread):
//   parse+free    tby_name_parse + tby_name_free of each name of the set
//   compare       tby_name_compare of two pre-parsed names (no match explanation)
//   jaro_winkler  Jaro-Winkler of the same pairs over pre-folded ASCII lower-case strings
//
// usage: bench_names [watchlist_names_long.tsv [repetitions]]
//        bench_names --dump PAIRS.tsv
// With --dump, no timing: each line name_a<TAB>name_b of PAIRS.tsv gets one output line with
// the score of tby_name_compare, its explanation and every part-against-part similarity,
// floats in hexadecimal, so that two builds can be compared bit for bit after a change meant
// to make comparison faster without changing a result (tools/compare-check.sh).
// With a file, about 200 names are taken from it (half Arabic script, half Latin, spread
// evenly over the file); without one, a built-in set of made-up names is used. Pin the
// process to one core for stable figures: taskset -c 2 bench_names ...
// Self-contained on purpose (own timer and median), so it builds without bench/bench.h.
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tabayyun/tby_names.h"

#define BENCH_TARGET_NAMES   200 // names taken from a file, half per script when possible
#define BENCH_DEFAULT_REPS   101
#define BENCH_PAIRS_PER_NAME 3

// Made-up names (no real person intended), in the shapes a watchlist holds: nasab chains,
// kunyas, articles, compounds, list style "LAST, First", diacritics, several spellings.
static const char *const builtin_names[] = {
    "كريم يوسف عبد الرحمن الحداد",
    "Karim Yusuf Abd al-Rahman al-Haddad",
    "KAREEM YOUSSEF ABDELRAHMAN EL HADDAD",
    "سميرة بنت خليل النصار",
    "Samira bint Khalil al-Nassar",
    "أبو حمزة الشامي",
    "Abu Hamza al-Shami",
    "عبد الله محمد سعيد بن عمر",
    "Abdallah Mohammed Said bin Omar",
    "Abdullah Muhammad Sa'id Bin 'Umar",
    "نور الدين فاروق القاسمي",
    "Nour Eddine Farouk Kacimi",
    "Nur al-Din Faruq al-Qasimi",
    "ليلى حسن إبراهيم",
    "Layla Hassan Ibrahim",
    "Leila Hasan Ebrahim",
    "HADDAD, Walid Jamil",
    "Walid Jameel Haddad",
    "وليد جميل حداد",
    "محمود عبد العزيز الزهراني",
    "Mahmoud Abdulaziz Al-Zahrani",
    "Mahmud Abd-al-Aziz al-Zahrani",
    "Fatima Zahra Benali",
    "فاطمة الزهراء بن علي",
    "Jean-Pierre Moreau",
    "María José Fernández López",
    "Olena Petrenko",
    "Hamid Reza Tavakoli",
    "حميد رضا توكلي",
    "Dr. Omar Khaled Mansour",
    "عمر خالد منصور",
    "Tariq ibn Ziyad al-Tanji",
};

typedef struct name_set {
    char **names;
    size_t *lens;
    size_t count;
    size_t arabic; // how many contain Arabic script
} name_set;

static void die(const char *what)
{
    fprintf(stderr, "bench_names: %s\n", what);
    exit(1);
}

static void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        die("out of memory");
    return p;
}

static char *xstrdup(const char *s, size_t len)
{
    char *copy = xmalloc(len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, size_t n)
{
    qsort(values, n, sizeof(values[0]), cmp_double);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

// True when the UTF-8 text holds a letter of the Arabic blocks (U+0600..U+06FF, lead bytes
// 0xD8..0xDB). Used only to balance the set between scripts.
static int has_arabic(const char *s, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xD8 && c <= 0xDB)
            return 1;
    }
    return 0;
}

static void set_add(name_set *set, const char *s, size_t len)
{
    set->names[set->count] = xstrdup(s, len);
    set->lens[set->count] = len;
    set->arabic += (size_t)has_arabic(s, len);
    set->count++;
}

static void set_alloc(name_set *set, size_t capacity)
{
    set->names = xmalloc(capacity * sizeof(set->names[0]));
    set->lens = xmalloc(capacity * sizeof(set->lens[0]));
    set->count = 0;
    set->arabic = 0;
}

static void set_free(name_set *set)
{
    for (size_t i = 0; i < set->count; i++)
        free(set->names[i]);
    free(set->names);
    free(set->lens);
}

static void load_builtin(name_set *set)
{
    size_t n = sizeof(builtin_names) / sizeof(builtin_names[0]);
    set_alloc(set, n);
    for (size_t i = 0; i < n; i++)
        set_add(set, builtin_names[i], strlen(builtin_names[i]));
}

// Cell `col` (0-based) of a tab-separated line, or NULL.
static const char *tsv_cell(char *line, int col, size_t *len)
{
    char *start = line;
    for (int i = 0; i < col; i++) {
        start = strchr(start, '\t');
        if (!start)
            return NULL;
        start++;
    }
    *len = strcspn(start, "\t\r\n");
    return start;
}

static int header_column(char *header, const char *name)
{
    size_t len;
    for (int col = 0;; col++) {
        const char *cell = tsv_cell(header, col, &len);
        if (!cell)
            return -1;
        if (len == strlen(name) && !memcmp(cell, name, len))
            return col;
    }
}

// Takes about BENCH_TARGET_NAMES names from watchlist_names_long.tsv (column `name`): half
// with Arabic script, half without, each half spread evenly over the file.
static void load_file(name_set *set, const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        die("cannot open the names file");
    char *line = NULL;
    size_t cap = 0;
    if (getline(&line, &cap, fp) < 0)
        die("empty names file");
    int col = header_column(line, "name");
    if (col < 0)
        die("the names file has no 'name' column");

    name_set pool[2]; // [0] Latin and other scripts, [1] Arabic script
    size_t pool_cap[2] = {1024, 1024};
    set_alloc(&pool[0], pool_cap[0]);
    set_alloc(&pool[1], pool_cap[1]);
    while (getline(&line, &cap, fp) >= 0) {
        size_t len;
        const char *cell = tsv_cell(line, col, &len);
        if (!cell || len == 0 || len > TBY_NAME_MAX_BYTES)
            continue;
        name_set *p = &pool[has_arabic(cell, len)];
        size_t *pc = &pool_cap[p == &pool[1]];
        if (p->count == *pc) {
            *pc *= 2;
            char **names = realloc(p->names, *pc * sizeof(p->names[0]));
            size_t *lens = realloc(p->lens, *pc * sizeof(p->lens[0]));
            if (!names || !lens)
                die("out of memory");
            p->names = names;
            p->lens = lens;
        }
        set_add(p, cell, len);
    }
    free(line);
    fclose(fp);

    size_t want[2];
    want[1] = pool[1].count < BENCH_TARGET_NAMES / 2 ? pool[1].count : BENCH_TARGET_NAMES / 2;
    want[0] = BENCH_TARGET_NAMES - want[1];
    if (want[0] > pool[0].count)
        want[0] = pool[0].count;
    set_alloc(set, want[0] + want[1]);
    // interleave the scripts so neighbouring names differ in script
    for (size_t i = 0; i < want[0] || i < want[1]; i++) {
        for (int s = 1; s >= 0; s--) {
            if (i < want[s]) {
                size_t k = i * pool[s].count / want[s];
                set_add(set, pool[s].names[k], pool[s].lens[k]);
            }
        }
    }
    set_free(&pool[0]);
    set_free(&pool[1]);
    if (set->count < 2)
        die("fewer than two usable names in the file");
}

// ASCII fold for the baseline: ASCII letters lower-cased, Latin-1 and Latin Extended-A
// letters reduced to their base letter (an approximation of NFKD + dropping marks), every
// other character dropped (Arabic script folds to nothing; so does U+1E25 in "muḥammad", which
// the Python baseline folds to h: a small difference that does not matter for timing).
static const char latin1_fold[64 + 1] =
    "aaaaaaaceeeeiiiidnooooo\0ouuuuytsaaaaaaaceeeeiiiidnooooo\0ouuuuyty";
static const char latin_ext_a_fold[128 + 1] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii"
                                              "iijjkkkllllllllllnnnnnnnnnoooooooorrrrrrssssssss"
                                              "ttttttuuuuuuuuuuuuwwyyyzzzzzzs";

static size_t ascii_fold(const char *s, size_t len, char *out, size_t out_cap)
{
    size_t n = 0;
    int space = 1; // drop leading spaces
    for (size_t i = 0; i < len && n + 1 < out_cap;) {
        unsigned char c = (unsigned char)s[i];
        char folded = 0;
        size_t step = 1;
        if (c < 0x80) {
            folded = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
        } else if (c >= 0xC2 && c <= 0xDF && i + 1 < len) {
            unsigned cp = ((unsigned)(c & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3F);
            step = 2;
            if (cp >= 0xC0 && cp <= 0xFF)
                folded = latin1_fold[cp - 0xC0];
            else if (cp >= 0x100 && cp <= 0x17F)
                folded = latin_ext_a_fold[cp - 0x100];
        } else {
            step = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 1;
        }
        i += step;
        if (!folded)
            continue;
        if (folded == ' ' || folded == '\t') {
            if (space)
                continue;
            space = 1;
            folded = ' ';
        } else {
            space = 0;
        }
        out[n++] = folded;
    }
    if (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return n;
}

// Jaro-Winkler (Winkler 1990): prefix scale 0.1 over at most 4 characters, applied when the
// Jaro similarity exceeds 0.7. Empty input scores 0. Same definition as tools/eval/run_eval.py.
static double jaro_winkler(const char *s1, size_t n1, const char *s2, size_t n2)
{
    unsigned char m1[TBY_NAME_MAX_BYTES], m2[TBY_NAME_MAX_BYTES];
    if (n1 == 0 || n2 == 0)
        return 0.0;
    if (n1 > TBY_NAME_MAX_BYTES)
        n1 = TBY_NAME_MAX_BYTES;
    if (n2 > TBY_NAME_MAX_BYTES)
        n2 = TBY_NAME_MAX_BYTES;
    if (n1 == n2 && !memcmp(s1, s2, n1))
        return 1.0;
    size_t longer = n1 > n2 ? n1 : n2;
    size_t window = longer / 2 > 0 ? longer / 2 - 1 : 0;
    memset(m1, 0, n1);
    memset(m2, 0, n2);
    size_t matches = 0;
    for (size_t i = 0; i < n1; i++) {
        size_t lo = i > window ? i - window : 0;
        size_t hi = i + window + 1 < n2 ? i + window + 1 : n2;
        for (size_t j = lo; j < hi; j++) {
            if (!m2[j] && s2[j] == s1[i]) {
                m1[i] = m2[j] = 1;
                matches++;
                break;
            }
        }
    }
    if (matches == 0)
        return 0.0;
    size_t half = 0;
    for (size_t i = 0, j = 0; i < n1; i++) {
        if (!m1[i])
            continue;
        while (!m2[j])
            j++;
        half += s1[i] != s2[j];
        j++;
    }
    double m = (double)matches;
    double jaro = (m / (double)n1 + m / (double)n2 + (m - (double)(half / 2)) / m) / 3.0;
    if (jaro <= 0.7)
        return jaro;
    size_t prefix = 0;
    while (prefix < 4 && prefix < n1 && prefix < n2 && s1[prefix] == s2[prefix])
        prefix++;
    return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

// One output line per pair for --dump (see the top of the file); "error" for a name that
// does not parse. Returns 0, or 1 when the file cannot be read.
static int dump_pairs(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "bench_names: cannot open %s\n", path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, fp)) >= 0) {
        size_t len = (size_t)got;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (!strcmp(line, "name_a\tname_b"))
            continue;
        char *tab = strchr(line, '\t');
        if (!tab) {
            printf("error\n");
            continue;
        }
        tby_name *a = NULL, *b = NULL;
        if (tby_name_parse(&a, line, (size_t)(tab - line), NULL) != 0 ||
            tby_name_parse(&b, tab + 1, strlen(tab + 1), NULL) != 0) {
            printf("error\n");
            tby_name_free(a);
            continue;
        }
        tby_name_match match;
        double score = tby_name_compare(a, b, &match);
        printf("%a", score);
        for (size_t k = 0; k < match.link_count; k++) {
            const tby_name_link *l = &match.links[k];
            printf(" %u+%u/%u+%u:%d:%a:%a", l->a_first, l->a_count, l->b_first, l->b_count,
                   (int)l->tier, l->similarity, l->weight);
        }
        printf(" |");
        for (size_t i = 0; i < tby_name_part_count(a); i++) {
            for (size_t j = 0; j < tby_name_part_count(b); j++) {
                tby_tier tier;
                double sim =
                    tby_name_part_compare(tby_name_part_at(a, i), tby_name_part_at(b, j), &tier);
                printf(" %a:%d", sim, (int)tier);
            }
        }
        printf("\n");
        tby_name_free(a);
        tby_name_free(b);
    }
    free(line);
    fclose(fp);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--dump"))
        return dump_pairs(argv[2]);
    const char *path = argc > 1 ? argv[1] : NULL;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : BENCH_DEFAULT_REPS;
    if (reps < 1)
        die("repetitions must be a positive number");
    if (argc > 3) {
        fprintf(stderr, "usage: %s [watchlist_names_long.tsv [repetitions]]\n", argv[0]);
        return 1;
    }

    name_set set;
    if (path)
        load_file(&set, path);
    else
        load_builtin(&set);

    // Parse once: keeps only names the engine accepts, and gives the compare inputs.
    tby_name **parsed = xmalloc(set.count * sizeof(parsed[0]));
    size_t kept = 0, rejected = 0;
    for (size_t i = 0; i < set.count; i++) {
        tby_name *name = NULL;
        if (tby_name_parse(&name, set.names[i], set.lens[i], NULL) != 0) {
            rejected++;
            free(set.names[i]);
            continue;
        }
        set.names[kept] = set.names[i];
        set.lens[kept] = set.lens[i];
        parsed[kept++] = name;
    }
    set.count = kept;
    if (kept < 2)
        die("fewer than two names parsed");

    // Pairs: each name with its neighbour (mostly the other script in a file set), with the
    // name two further on (mostly the same script) and with a scattered partner.
    size_t npairs = BENCH_PAIRS_PER_NAME * kept;
    size_t *pair_a = xmalloc(npairs * sizeof(size_t));
    size_t *pair_b = xmalloc(npairs * sizeof(size_t));
    for (size_t i = 0; i < kept; i++) {
        size_t partner[BENCH_PAIRS_PER_NAME] = {(i + 1) % kept, (i + 2) % kept,
                                                (i * 37 + 11) % kept};
        for (size_t k = 0; k < BENCH_PAIRS_PER_NAME; k++) {
            pair_a[i * BENCH_PAIRS_PER_NAME + k] = i;
            pair_b[i * BENCH_PAIRS_PER_NAME + k] = partner[k] == i ? (i + 1) % kept : partner[k];
        }
    }

    char **folded = xmalloc(kept * sizeof(folded[0]));
    size_t *folded_len = xmalloc(kept * sizeof(folded_len[0]));
    size_t empty_folds = 0;
    for (size_t i = 0; i < kept; i++) {
        folded[i] = xmalloc(set.lens[i] + 1);
        folded_len[i] = ascii_fold(set.names[i], set.lens[i], folded[i], set.lens[i] + 1);
        empty_folds += folded_len[i] == 0;
    }

    printf("bench_names: names=%zu (arabic script %zu) pairs=%zu reps=%ld source=%s%s\n", kept,
           set.arabic, npairs, reps, path ? path : "built-in",
           rejected ? " (some names rejected by tby_name_parse)" : "");
    if (rejected)
        printf("bench_names: %zu name(s) rejected by tby_name_parse and left out\n", rejected);

    double *samples = xmalloc((size_t)reps * sizeof(double));
    volatile double sink = 0.0;

    // (1) parse + free; one untimed warm-up pass first, as for every measurement
    for (long r = -1; r < reps; r++) {
        double t0 = now_ns();
        int rcs = 0;
        for (size_t i = 0; i < kept; i++) {
            tby_name *name = NULL;
            rcs += tby_name_parse(&name, set.names[i], set.lens[i], NULL);
            tby_name_free(name);
        }
        double t1 = now_ns();
        sink += rcs;
        if (r >= 0)
            samples[r] = (t1 - t0) / (double)kept;
    }
    double parse_ns = median(samples, (size_t)reps);
    printf("parse+free    %10.1f ns/op  median of %ld reps x %zu names\n", parse_ns, reps, kept);

    // (2) compare of pre-parsed names
    for (long r = -1; r < reps; r++) {
        double t0 = now_ns();
        double sum = 0.0;
        for (size_t p = 0; p < npairs; p++)
            sum += tby_name_compare(parsed[pair_a[p]], parsed[pair_b[p]], NULL);
        double t1 = now_ns();
        sink += sum;
        if (r >= 0)
            samples[r] = (t1 - t0) / (double)npairs;
    }
    double compare_ns = median(samples, (size_t)reps);
    printf("compare       %10.1f ns/op  median of %ld reps x %zu pairs\n", compare_ns, reps,
           npairs);

    // (3) Jaro-Winkler of the same pairs over pre-folded strings
    for (long r = -1; r < reps; r++) {
        double t0 = now_ns();
        double sum = 0.0;
        for (size_t p = 0; p < npairs; p++) {
            size_t a = pair_a[p], b = pair_b[p];
            sum += jaro_winkler(folded[a], folded_len[a], folded[b], folded_len[b]);
        }
        double t1 = now_ns();
        sink += sum;
        if (r >= 0)
            samples[r] = (t1 - t0) / (double)npairs;
    }
    double jw_ns = median(samples, (size_t)reps);
    printf("jaro_winkler  %10.1f ns/op  median of %ld reps x %zu pairs (%zu names fold to "
           "empty ASCII)\n",
           jw_ns, reps, npairs, empty_folds);
    if (jw_ns > 0.0)
        printf("ratio         %10.1f x     compare / jaro_winkler\n", compare_ns / jw_ns);
    else
        printf("ratio                 n/a     jaro_winkler below timer resolution\n");
    if (sink == -1.0) // never true; keeps the timed work observable
        printf("%f\n", sink);

    for (size_t i = 0; i < kept; i++) {
        tby_name_free(parsed[i]);
        free(folded[i]);
    }
    free(parsed);
    free(folded);
    free(folded_len);
    free(pair_a);
    free(pair_b);
    free(samples);
    set_free(&set);
    return 0;
}
