// SPDX-License-Identifier: Apache-2.0
// Reads a UN consolidated list XML with tby_un_xml_read_file: prints what the import read
// (the tby_list_stats an operator checks against the source, with the birth dates by kind),
// then the median time of a whole read. With --dump, prints every record instead, one per
// line, tab-separated: id, name, aliases, weak aliases, birth dates, place, nationalities,
// documents, sex, note (lists joined by " | ").
//
//   bench_un_xml [--dump] [FILE]     FILE defaults to ../shared/eval/un_consolidated_dev.xml
//
// Bad values are dropped (drop_bad_values), as an import of the real list would do; each
// rejection and dropped value is printed on stderr.
#include <string.h>

#include "bench.h"
#include "tabayyun/tby_lists.h"

#define BENCH_UN_XML_DEFAULT "../shared/eval/un_consolidated_dev.xml"

typedef struct un_summary {
    bool is_dump;                     /* print each record */
    size_t kinds[TBY_DATE_RANGE + 1]; /* birth dates by kind */
    size_t with_date;                 /* individuals with at least one birth date */
    size_t with_document;             /* individuals with at least one document */
    size_t document_types[3];         /* passport, national_id, other */
} un_summary;

static void print_list(const char *const *items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        printf("%s%s", i ? " | " : "", items[i]);
    putchar('\t');
}

static int on_record(const tby_record *record, void *payload)
{
    un_summary *summary = payload;
    for (size_t i = 0; i < record->birth_date_count; i++)
        summary->kinds[record->birth_dates[i].kind]++;
    summary->with_date += record->birth_date_count > 0;
    summary->with_document += record->document_count > 0;
    for (size_t i = 0; i < record->document_count; i++) {
        const char *type = record->documents[i].type;
        summary->document_types[strcmp(type, "passport") == 0      ? 0
                                : strcmp(type, "national_id") == 0 ? 1
                                                                   : 2]++;
    }
    if (!summary->is_dump)
        return 0;
    printf("%s\t%s\t", record->id, record->name);
    print_list(record->aliases, record->alias_count);
    print_list(record->weak_aliases, record->weak_alias_count);
    for (size_t i = 0; i < record->birth_date_count; i++) {
        char text[TBY_DATE_FORMAT_LEN];
        printf("%s%s", i ? " | " : "", tby_date_format(text, &record->birth_dates[i]));
    }
    printf("\t%s\t", record->birth_place ? record->birth_place : "");
    print_list(record->nationalities, record->nationality_count);
    for (size_t i = 0; i < record->document_count; i++)
        printf("%s%s:%s", i ? " | " : "", record->documents[i].type, record->documents[i].number);
    printf("\t%s\t%s\n", tby_sex_name(record->sex), record->note ? record->note : "");
    return 0;
}

static int on_problem(const char *source_name, const tby_error *error, void *payload)
{
    fprintf(stderr, "%s:%lld: %s [%s] %s\n", source_name, (long long)error->line,
            (const char *)payload, error->field, error->message);
    return 0;
}

typedef struct timed_read {
    const char *path;
    tby_reader_options opts;
} timed_read;

static void run_read(void *ctx, size_t iterations)
{
    timed_read *read = ctx;
    for (size_t i = 0; i < iterations; i++) {
        tby_list_stats stats;
        if (tby_un_xml_read_file(read->path, &read->opts, NULL, NULL, &stats, NULL) != 0)
            exit(1);
        bench_consume(stats.individuals);
    }
}

int main(int argc, char **argv)
{
    un_summary summary;
    memset(&summary, 0, sizeof(summary));
    const char *path = BENCH_UN_XML_DEFAULT;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dump") == 0)
            summary.is_dump = true;
        else
            path = argv[i];
    }
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        printf("bench_un_xml: %s is not there; skipped\n", path);
        return 0;
    }
    fclose(probe);

    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.drop_bad_values = true;
    opts.on_reject = on_problem;
    opts.reject_payload = "rejected";
    opts.on_dropped = on_problem;
    opts.dropped_payload = "dropped";
    tby_list_stats stats;
    tby_error err;
    int rc = tby_un_xml_read_file(path, &opts, on_record, &summary, &stats, &err);
    if (rc) {
        fprintf(stderr, "bench_un_xml: %s (line %lld)\n", err.message, (long long)err.line);
        return 1;
    }
    if (summary.is_dump)
        return 0;
    printf("%s\n", path);
    printf("  individuals        %zu\n", stats.individuals);
    printf("  skipped (entities) %zu\n", stats.skipped);
    printf("  rejected           %zu\n", stats.rejected);
    printf("  names              %zu\n", stats.names);
    printf("  original scripts   %zu\n", stats.original_scripts);
    printf("  aliases            %zu\n", stats.aliases);
    printf("  weak aliases       %zu\n", stats.weak_aliases);
    printf("  birth dates        %zu (day %zu, month %zu, year %zu, about %zu, range %zu); "
           "%zu individuals have one\n",
           stats.birth_dates, summary.kinds[TBY_DATE_DAY], summary.kinds[TBY_DATE_MONTH],
           summary.kinds[TBY_DATE_YEAR], summary.kinds[TBY_DATE_ABOUT],
           summary.kinds[TBY_DATE_RANGE], summary.with_date);
    printf("  dates dropped      %zu\n", stats.dates_dropped);
    printf("  birth places       %zu\n", stats.places);
    printf("  nationalities      %zu\n", stats.nationalities);
    printf("  documents          %zu (passport %zu, national_id %zu, other %zu); "
           "%zu individuals have one\n",
           stats.documents, summary.document_types[0], summary.document_types[1],
           summary.document_types[2], summary.with_document);
    printf("  elements           %zu\n", stats.lines);

    timed_read read = {path, TBY_READER_OPTIONS_INIT};
    read.opts.drop_bad_values = true;
    bench_report("un_xml_read_file (whole file)", bench_run(run_read, &read, 1, 7), 1);
    return 0;
}
