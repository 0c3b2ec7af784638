/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Timing helpers for bench/bench_*.c: a monotonic clock in nanoseconds, the median of several
 * timed runs, and one aligned report line per measurement. Wall time on a shared machine is
 * noisy, hence the median; to compare two versions closely, count instructions with
 * `valgrind --tool=callgrind` instead (docs/c-style.md T11).
 *
 *   static void run_validate(void *ctx, size_t iterations) { ... do the work iterations times ... }
 *   bench_report("utf8_validate 1 MiB", bench_run(run_validate, &input, 10, 15), 10);
 */
#ifndef TBY_BENCH_H
#define TBY_BENCH_H

#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 199309L
#error "bench.h needs clock_gettime: define _POSIX_C_SOURCE=200809L (bench/CMakeLists.txt does)"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_MAX_RUNS 101 /* most timed runs bench_run takes */

/* The work being timed: performs the operation `iterations` times. */
typedef void (*bench_fn)(void *ctx, size_t iterations);

/* A sink the compiler cannot see through, so that timed results are not optimised away. */
static volatile uint64_t bench_sink;

static inline void bench_consume(uint64_t value)
{
    bench_sink = bench_sink + value;
}

/* Nanoseconds on the monotonic clock (unaffected by changes of the wall clock). */
static inline uint64_t bench_now_ns(void)
{
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
        fputs("bench: clock_gettime(CLOCK_MONOTONIC) failed\n", stderr);
        exit(1);
    }
    return (uint64_t)now.tv_sec * UINT64_C(1000000000) + (uint64_t)now.tv_nsec;
}

static inline int bench_compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The median of samples[0..count), which it sorts in place; 0 when count is 0. */
static inline uint64_t bench_median_ns(uint64_t *samples, size_t count)
{
    if (count == 0)
        return 0;
    qsort(samples, count, sizeof(*samples), bench_compare_u64);
    if (count % 2)
        return samples[count / 2];
    return samples[count / 2 - 1] / 2 + samples[count / 2] / 2;
}

/*
 * Runs fn(ctx, iterations) once untimed to warm caches, then `runs` times timed (clamped to
 * 1..BENCH_MAX_RUNS), and returns the median nanoseconds of one run.
 */
static inline uint64_t bench_run(bench_fn fn, void *ctx, size_t iterations, int runs)
{
    uint64_t samples[BENCH_MAX_RUNS];
    size_t count = runs < 1 ? 1 : runs > BENCH_MAX_RUNS ? BENCH_MAX_RUNS : (size_t)runs;
    fn(ctx, iterations);
    for (size_t i = 0; i < count; i++) {
        uint64_t start = bench_now_ns();
        fn(ctx, iterations);
        samples[i] = bench_now_ns() - start;
    }
    return bench_median_ns(samples, count);
}

/*
 * Prints one aligned line: the name, time per iteration, the median run, and iterations per
 * run. median_ns is for a whole run of `iterations` operations.
 */
static inline void bench_report(const char *name, uint64_t median_ns, size_t iterations)
{
    double per_op = iterations ? (double)median_ns / (double)iterations : 0.0;
    printf("%-40s %14.1f ns/op %12.3f ms/run %10zu iter/run\n", name, per_op,
           (double)median_ns / 1e6, iterations);
}

#endif
