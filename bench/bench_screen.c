// SPDX-License-Identifier: Apache-2.0
// Screening speed and memory, in process, one core for queries:
//   - loading and indexing a list (names parsed, index built), and the index's memory per
//     list name (the index alone, and the whole screener: parsed names, keys, tables);
//   - fitting the model;
//   - single queries from a registry: p50 and p99 latency of tby_screen_worker_record, as
//     wall time and as the thread's CPU time (which a shared machine disturbs less: time spent
//     waiting for the core is left out, cache contention is not).
// Usage: bench_screen LIST.csv REGISTRY.csv [QUERIES]
#define _POSIX_C_SOURCE 200809L
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tabayyun/tabayyun.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static int count_alert(const tby_alert *a, void *payload)
{
    (void)a;
    (*(size_t *)payload)++;
    return 0;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_screen LIST.csv REGISTRY.csv [QUERIES]\n");
        return 1;
    }
    size_t queries = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 20000;
    tby_error err;
    tby_reader_options ro = TBY_READER_OPTIONS_INIT;
    ro.drop_bad_values = true;
    tby_record_set *list = NULL, *registry = NULL;
    double t0 = now();
    if (tby_record_set_load_file(&list, argv[1], &ro, &err) ||
        tby_record_set_load_file(&registry, argv[2], &ro, &err)) {
        fprintf(stderr, "load: %s\n", err.message);
        return 1;
    }
    double t_load = now() - t0;
    size_t names = 0;
    for (size_t i = 0; i < tby_record_set_count(list); i++) {
        const tby_record *r = tby_record_set_get(list, i);
        names += (r->name || r->given ? 1 : 0) + r->alias_count;
    }
    size_t heap0 = heap_in_use();
    tby_screener *s = NULL;
    t0 = now();
    if (tby_screener_new(&s, list, &err)) {
        fprintf(stderr, "screener: %s\n", err.message);
        return 1;
    }
    double t_build = now() - t0;
    size_t screener_bytes = heap_in_use() - heap0;
    t0 = now();
    if (tby_screener_fit(s, registry, &err)) {
        fprintf(stderr, "fit: %s\n", err.message);
        return 1;
    }
    double t_fit = now() - t0;
    char *desc = NULL;
    tby_screener_describe(&desc, s);
    double index_mb = 0.0;
    if (desc) {
        const char *p = strstr(desc, "postings, ");
        if (p)
            index_mb = atof(p + 10);
        tby_free(desc);
    }
    printf("list: %zu entries, %zu names (with aliases); registry %zu records; CSV load %.2f s\n",
           tby_record_set_count(list), names, tby_record_set_count(registry), t_load);
    printf("build (parse every list name, index): %.2f s = %.2f us per name\n", t_build,
           t_build * 1e6 / (double)names);
    printf("memory per list name: index %.0f bytes, whole screener (parsed names, keys, "
           "frequencies, index) %.0f bytes\n",
           index_mb * 1e6 / (double)names, (double)screener_bytes / (double)names);
    printf("fit (frequencies, u on random pairs, EM): %.2f s\n", t_fit);

    tby_screen_options opts = TBY_SCREEN_OPTIONS_INIT;
    tby_screen_worker *w = NULL;
    if (tby_screen_worker_new(&w, s, &opts, &err))
        return 1;
    size_t n = tby_record_set_count(registry);
    if (queries > n)
        queries = n;
    double *lat = malloc(queries * sizeof(double));
    double *cpu = malloc(queries * sizeof(double));
    if (!lat || !cpu)
        return 1;
    size_t alerts = 0;
    double cpu_total = 0.0;
    for (size_t q = 0; q < queries; q++) {
        const tby_record *r = tby_record_set_get(registry, (q * 7919) % n);
        double a = now(), c = cpu_now();
        tby_screen_worker_record(w, r, count_alert, &alerts, NULL);
        cpu[q] = cpu_now() - c;
        lat[q] = now() - a;
        cpu_total += cpu[q];
    }
    qsort(lat, queries, sizeof(double), cmp_double);
    qsort(cpu, queries, sizeof(double), cmp_double);
    printf("single queries: %zu, p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us; "
           "%zu alerts\n",
           queries, lat[queries / 2] * 1e6, lat[queries * 9 / 10] * 1e6,
           lat[queries * 99 / 100] * 1e6, lat[queries - 1] * 1e6, alerts);
    printf("  cpu time: p50 %.1f us, p90 %.1f us, p99 %.1f us, mean %.1f us\n",
           cpu[queries / 2] * 1e6, cpu[queries * 9 / 10] * 1e6, cpu[queries * 99 / 100] * 1e6,
           cpu_total * 1e6 / (double)queries);
    free(cpu);
    free(lat);
    tby_screen_worker_free(w);
    tby_screener_free(s);
    tby_record_set_free(registry);
    tby_record_set_free(list);
    return 0;
}
