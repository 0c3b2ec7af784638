// SPDX-License-Identifier: Apache-2.0
// `tabayyun normalize` and `tabayyun compare`: the name engine from the command line.
#include <errno.h>
#include <math.h>
#include <string.h>

#include "cli/cli.h"
#include "util/util_int.h"

static const char normalize_help[] =
    "usage: tabayyun normalize NAME...\n"
    "\n"
    "Shows how each NAME is normalised and parsed: the normalised name, what normalisation\n"
    "found (invisible characters, mojibake, list style ...), and each part with its probable\n"
    "role, script, orthographic key and cross-script phonetic key.\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 a NAME is not a usable name (the reason is on stderr)\n";

static void print_flags(unsigned flags)
{
    static const struct {
        unsigned flag;
        const char *text;
    } names[] = {
        {TBY_NORM_INVISIBLE, "invisible characters removed"},
        {TBY_NORM_BIDI, "bidi controls removed"},
        {TBY_NORM_MOJIBAKE, "repaired mojibake"},
        {TBY_NORM_PRESENTATION, "presentation forms folded"},
        {TBY_NORM_DIACRITICS, "diacritics removed"},
        {TBY_NORM_TATWEEL, "tatweel removed"},
        {TBY_NORM_MIXED_SCRIPT, "mixed scripts in one word"},
        {TBY_NORM_LIST_STYLE, "\"LAST, First\" reordered"},
        {TBY_NORM_TITLES, "titles set aside"},
        {TBY_NORM_CONTROL, "control characters removed"},
    };
    const char *sep = "";
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (flags & names[i].flag) {
            printf("%s%s", sep, names[i].text);
            sep = "; ";
        }
    }
    if (!*sep)
        printf("none");
    printf("\n");
}

static void print_part_flags(unsigned flags)
{
    if (flags & TBY_PART_COMPOUND)
        printf(" compound");
    if (flags & TBY_PART_ARTICLE)
        printf(" article");
    if (flags & TBY_PART_AL_FAMILY)
        printf(" al-family");
    if (flags & TBY_PART_AFTER_BIN)
        printf(" after-bin");
    if (flags & TBY_PART_FEMININE)
        printf(" feminine");
    if (flags & TBY_PART_COMMON)
        printf(" common");
    if (flags & TBY_PART_INITIAL)
        printf(" initial");
}

static void report_parse_error(const char *where, const char *text, const tby_error *err)
{
    fprintf(stderr, "tabayyun: %s: \"%s\": %s", where, text, err->message);
    if (err->offset >= 0)
        fprintf(stderr, " (byte %lld)", (long long)err->offset);
    fputc('\n', stderr);
}

int cmd_normalize(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(normalize_help, stdout);
        return CLI_OK;
    }
    if (argc < 2) {
        fputs(normalize_help, stderr);
        return CLI_USAGE;
    }
    int status = CLI_OK;
    for (int k = 1; k < argc; k++) {
        tby_name *name = NULL;
        tby_error err;
        tby_error_clear(&err);
        int rc = tby_name_parse(&name, argv[k], strlen(argv[k]), &err);
        if (rc) {
            report_parse_error("normalize", argv[k], &err);
            status = cli_exit_for(rc);
            continue;
        }
        printf("input:      %s\n", argv[k]);
        printf("normalized: %s\n", tby_name_normalized(name));
        printf("found:      ");
        print_flags(tby_name_flags(name));
        for (size_t i = 0; i < tby_name_part_count(name); i++) {
            const tby_name_part *p = tby_name_part_at(name, i);
            printf("  %zu. %-20s %-11s %-6s key=%s phonetic=%s", i + 1, p->form,
                   tby_role_name(p->role), tby_script_name(p->script), p->key, p->phonetic);
            print_part_flags(p->flags);
            printf("\n");
        }
        if (k + 1 < argc)
            printf("\n");
        tby_name_free(name);
    }
    return status;
}

static const char compare_help[] =
    "usage: tabayyun compare NAME_A NAME_B\n"
    "       tabayyun compare --pairs FILE\n"
    "\n"
    "Compares two names and explains the score part by part: which parts were aligned, how\n"
    "(exact, spelling variant, transliteration, edit), their similarity and how much each\n"
    "counted. Scores are in [0, 1]; a name-only comparison is never proof of identity.\n"
    "\n"
    "With --pairs, reads TSV lines name_a<TAB>name_b (an optional header line\n"
    "name_a<TAB>name_b; FILE '-' is standard input) and writes one line per pair, in order:\n"
    "score<TAB>name_a<TAB>name_b. A field may list alternative names separated by ';' (as\n"
    "the record format does for aliases); the pair then scores its best alternative. A pair\n"
    "that cannot be compared gets the score nan and an error on stderr naming its line.\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 bad input (a name or line could not be used), 3 I/O error\n";

static void print_side(const tby_name *name, unsigned first, unsigned count)
{
    if (!count) {
        printf("%-24s", "-");
        return;
    }
    char buf[256];
    size_t used = 0;
    for (unsigned i = first; i < first + count; i++) {
        const tby_name_part *p = tby_name_part_at(name, i);
        int n = snprintf(buf + used, sizeof(buf) - used, "%s%s", i > first ? " " : "", p->form);
        if (n < 0 || (size_t)n >= sizeof(buf) - used)
            break;
        used += (size_t)n;
    }
    /* Pad by display columns, not bytes, so Arabic rows line up with Latin ones. */
    size_t columns = 0;
    for (size_t i = 0; i < used; i++)
        columns += ((unsigned char)buf[i] & 0xC0) != 0x80;
    printf("%s", buf);
    for (size_t c = columns; c < 24; c++)
        putchar(' ');
}

static int compare_two(const char *text_a, const char *text_b)
{
    tby_name *a = NULL, *b = NULL;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_name_parse(&a, text_a, strlen(text_a), &err);
    if (rc) {
        report_parse_error("compare", text_a, &err);
        return cli_exit_for(rc);
    }
    rc = tby_name_parse(&b, text_b, strlen(text_b), &err);
    if (rc) {
        report_parse_error("compare", text_b, &err);
        tby_name_free(a);
        return cli_exit_for(rc);
    }
    tby_name_match match;
    double score = tby_name_compare(a, b, &match);
    printf("score %.4f\n", score);
    printf("  %-24s%-24s%-16s %6s %7s\n", "A", "B", "how", "sim", "weight");
    for (size_t k = 0; k < match.link_count; k++) {
        const tby_name_link *l = &match.links[k];
        printf("  ");
        print_side(a, l->a_first, l->a_count);
        print_side(b, l->b_first, l->b_count);
        const char *how = l->a_count && l->b_count ? tby_tier_name(l->tier)
                          : l->a_count             ? "only in A"
                                                   : "only in B";
        printf("%-16s %6.2f %7.2f\n", how, l->similarity, l->weight);
    }
    tby_name_free(a);
    tby_name_free(b);
    return CLI_OK;
}

/* Most alternatives one field may list ("(Hajji Malik Noorzai; Haji Malek Noorzai)"). */
#define PAIRS_MAX_ALTERNATIVES 16

/*
 * Parses one field of a pair. A field may list alternative names separated by ';', as the
 * record format does for aliases, optionally inside parentheses; each becomes one entry of
 * names[]. Prints the reason on stderr and returns 0 when no alternative parses.
 */
static size_t pairs_parse(tby_name **names, const char *file, long line, const char *column,
                          const char *text, size_t len)
{
    while (len && (*text == '(' || *text == ' ')) {
        text++;
        len--;
    }
    while (len && (text[len - 1] == ')' || text[len - 1] == ' '))
        len--;
    size_t count = 0;
    tby_error err;
    tby_error_clear(&err);
    int last_rc = TBY_EEMPTY;
    const char *start = text, *end = text + len;
    while (start <= end && count < PAIRS_MAX_ALTERNATIVES) {
        const char *semi = memchr(start, ';', (size_t)(end - start));
        const char *stop = semi ? semi : end;
        tby_name *name = NULL;
        last_rc = tby_name_parse(&name, start, (size_t)(stop - start), &err);
        if (last_rc == 0)
            names[count++] = name;
        if (!semi)
            break;
        start = semi + 1;
    }
    if (count == 0) {
        fprintf(stderr, "tabayyun: %s:%ld: %s: %s", file, line, column, err.message);
        if (err.offset >= 0)
            fprintf(stderr, " (byte %lld of the field)", (long long)err.offset);
        fputc('\n', stderr);
    }
    return count;
}

/* Best score over every alternative of each side. */
static double pairs_best(tby_name *const *a, size_t a_count, tby_name *const *b, size_t b_count)
{
    double best = 0.0;
    for (size_t i = 0; i < a_count; i++) {
        for (size_t j = 0; j < b_count; j++) {
            double score = tby_name_compare(a[i], b[j], NULL);
            if (score > best)
                best = score;
        }
    }
    return best;
}

static void pairs_free(tby_name **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        tby_name_free(names[i]);
}

static int compare_pairs(const char *path)
{
    FILE *in = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!in) {
        fprintf(stderr, "tabayyun: cannot open '%s': %s\n", path, strerror(errno));
        return CLI_BADINPUT;
    }
    tby_tsv tsv;
    tby__tsv_init_file(&tsv, in, NULL);
    long bad = 0, pairs = 0;
    int status = CLI_OK;
    for (;;) {
        tby_error err;
        tby_error_clear(&err);
        int rc = tby__tsv_next(&tsv, &err);
        if (rc == TBY__TSV_END)
            break;
        long lineno = (long)tsv.line_no;
        if (rc == TBY_EIO || rc == TBY_ENOMEM) {
            fprintf(stderr, "tabayyun: %s:%ld: %s\n", path, lineno, err.message);
            status = CLI_INTERNAL;
            break;
        }
        if (rc < 0) {
            /* Keep the output aligned with the input: one line per input line. */
            fprintf(stderr, "tabayyun: %s: %s\n", path, err.message);
            printf("nan\t\t\n");
            pairs++, bad++;
            continue;
        }
        const tby_tsv_field *f = tsv.fields;
        if (lineno == 1 && tsv.field_count == 2 && !strcmp(f[0].ptr, "name_a") &&
            !strcmp(f[1].ptr, "name_b"))
            continue;
        pairs++;
        if (tsv.field_count < 2) {
            fprintf(stderr, "tabayyun: %s:%ld: expected name_a<TAB>name_b\n", path, lineno);
            printf("nan\t%s\t\n", f[0].ptr);
            bad++;
            continue;
        }
        tby_name *a[PAIRS_MAX_ALTERNATIVES], *b[PAIRS_MAX_ALTERNATIVES];
        size_t a_count = pairs_parse(a, path, lineno, "name_a", f[0].ptr, f[0].len);
        size_t b_count = a_count ? pairs_parse(b, path, lineno, "name_b", f[1].ptr, f[1].len) : 0;
        if (a_count && b_count)
            printf("%.4f\t%s\t%s\n", pairs_best(a, a_count, b, b_count), f[0].ptr, f[1].ptr);
        else
            printf("nan\t%s\t%s\n", f[0].ptr, f[1].ptr), bad++;
        pairs_free(a, a_count);
        pairs_free(b, b_count);
    }
    tby__tsv_dispose(&tsv);
    if (in != stdin)
        fclose(in);
    if (status == CLI_OK && bad) {
        fprintf(stderr, "tabayyun: %ld of %ld pairs could not be compared\n", bad, pairs);
        status = CLI_BADINPUT;
    }
    return status;
}

int cmd_compare(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(compare_help, stdout);
        return CLI_OK;
    }
    if (argc == 3 && !strcmp(argv[1], "--pairs"))
        return compare_pairs(argv[2]);
    if (argc == 3 && argv[1][0] != '-')
        return compare_two(argv[1], argv[2]);
    fputs(compare_help, stderr);
    return CLI_USAGE;
}
