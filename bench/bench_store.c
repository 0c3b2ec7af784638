// SPDX-License-Identifier: Apache-2.0
// Reading a store back, in process: what `screen --db` and a delta rescreen will pay before
// they screen anything. On a database that bench_store.sh filled (1,000,000 registry records,
// a 100,000-entry list in two versions):
//   - the whole registry into a record set, and only what the last import added or changed;
//   - the latest list version into a record set, and only its added and changed entries;
//   - the diff between the last two versions, counted.
// Usage: bench_store DB [LIST]   (LIST defaults to BENCH, the name bench_store.sh uses)
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tabayyun/tabayyun.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const char *what, const tby_error *err)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, err->message);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_store DB [LIST]  (bench/bench_store.sh makes DB)\n");
        return 1;
    }
    const char *list = argc > 2 ? argv[2] : "BENCH";
    tby_error err;
    tby_store *store = NULL;
    if (tby_store_open(&store, argv[1], NULL, &err))
        return fail(argv[1], &err);

    tby_record_set *set = NULL;
    double t0 = now();
    if (tby_store_registry_load(store, NULL, 0, &set, &err))
        return fail("registry", &err);
    double t1 = now();
    printf("%-40s %8.2f s  %zu records\n", "registry, whole", t1 - t0, tby_record_set_count(set));
    tby_record_set_free(set);

    /* bench_store.sh imports the registry twice: import 2 changed nothing. */
    t0 = now();
    if (tby_store_registry_load(store, NULL, 2, &set, &err))
        return fail("registry", &err);
    t1 = now();
    printf("%-40s %8.2f s  %zu records\n", "registry, changed by import 2 on", t1 - t0,
           tby_record_set_count(set));
    tby_record_set_free(set);

    int64_t latest = 0;
    if (tby_store_list_latest(store, list, &latest, &err))
        return fail(list, &err);
    t0 = now();
    if (tby_store_list_load(store, list, 0, TBY_STORE_SELECT_ALL, &set, &err))
        return fail(list, &err);
    t1 = now();
    printf("%-40s %8.2f s  %zu entries (version %lld)\n", "list, whole", t1 - t0,
           tby_record_set_count(set), (long long)latest);
    tby_record_set_free(set);

    t0 = now();
    if (tby_store_list_load(store, list, 0,
                            TBY_STORE_SELECT_ADDED | TBY_STORE_SELECT_IDENTITY_CHANGED, &set, &err))
        return fail(list, &err);
    t1 = now();
    printf("%-40s %8.2f s  %zu entries\n", "list, added + identity changed", t1 - t0,
           tby_record_set_count(set));
    tby_record_set_free(set);

    if (latest > 1) {
        tby_list_diff_stats stats;
        t0 = now();
        if (tby_store_list_diff(store, list, latest - 1, latest, NULL, NULL, &stats, &err))
            return fail(list, &err);
        t1 = now();
        printf("%-40s %8.2f s  +%zu -%zu ~%zu =%zu\n", "list diff, counted", t1 - t0, stats.added,
               stats.removed, stats.changed, stats.unchanged);
    }
    tby_store_close(store);
    return 0;
}
