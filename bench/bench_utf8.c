// SPDX-License-Identifier: Apache-2.0
// Speed of tby__utf8_validate, which every imported name passes through: 1 MiB of mixed Arabic
// and Latin text, and 1 MiB of ASCII (its fast path).
#include <string.h>

#include "bench.h"
#include "util/util_int.h"

#define BENCH_UTF8_SIZE (1024 * 1024)

typedef struct utf8_input {
    const char *text;
    size_t len;
} utf8_input;

static char mixed[BENCH_UTF8_SIZE];
static char ascii[BENCH_UTF8_SIZE];

/* Fills out[0..size) with whole copies of `unit`, padding the tail with spaces. */
static size_t fill_repeated(char *out, size_t size, const char *unit)
{
    size_t unit_len = strlen(unit);
    size_t len = 0;
    while (size - len >= unit_len) {
        memcpy(out + len, unit, unit_len);
        len += unit_len;
    }
    memset(out + len, ' ', size - len);
    return size;
}

static void run_validate(void *ctx, size_t iterations)
{
    const utf8_input *input = ctx;
    for (size_t i = 0; i < iterations; i++)
        bench_consume(tby__utf8_validate(input->text, input->len));
}

int main(void)
{
    utf8_input mixed_input = {mixed,
                              fill_repeated(mixed, sizeof(mixed),
                                            "محمد بن عبد الله الحسيني\tMuhammad ibn Abdullah "
                                            "al-Husseini\tMüller Çelik\n")};
    utf8_input ascii_input = {ascii, fill_repeated(ascii, sizeof(ascii), "Smith, John A.\t")};
    if (tby__utf8_validate(mixed, sizeof(mixed)) != sizeof(mixed)) {
        fputs("bench_utf8: the mixed input is not valid UTF-8\n", stderr);
        return 1;
    }
    bench_report("utf8_validate 1 MiB Arabic+Latin", bench_run(run_validate, &mixed_input, 10, 15),
                 10);
    bench_report("utf8_validate 1 MiB ASCII", bench_run(run_validate, &ascii_input, 10, 15), 10);
    return 0;
}
