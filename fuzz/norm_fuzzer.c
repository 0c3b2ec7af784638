// SPDX-License-Identifier: Apache-2.0
// Fuzz target for name normalisation (src/names/norm.c): arbitrary bytes must never crash,
// errors must leave no tokens, every token must be well formed, and normalising the joined
// exact forms again must give the same fold tokens (docs/c-style.md T10).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names/norm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Static: a tby__norm is over 6 KB and is meant to be reused across calls. */
static tby__norm first_pass;
static tby__norm second_pass;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "norm_fuzzer: check failed: %s: ", #cond);                             \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_token(const tby__norm *norm, uint32_t i, size_t source_len)
{
    const tby__ntoken *tok = &norm->tokens[i];
    CHECK(tok->exact_len > 0 && tok->fold_len > 0, "token %u has an empty form", i);
    CHECK(tok->exact_off + tok->exact_len < TBY__NORM_OUT_CAP, "token %u exact out of range", i);
    CHECK(tok->fold_off + tok->fold_len < TBY__NORM_OUT_CAP, "token %u fold out of range", i);
    const char *exact = tby__norm_exact(norm, i);
    const char *fold = tby__norm_fold(norm, i);
    CHECK(strlen(exact) == tok->exact_len, "token %u exact_len %u", i, tok->exact_len);
    CHECK(strlen(fold) == tok->fold_len, "token %u fold_len %u", i, tok->fold_len);
    CHECK(tby__utf8_validate(exact, tok->exact_len) == tok->exact_len, "token %u exact UTF-8", i);
    CHECK(tby__utf8_validate(fold, tok->fold_len) == tok->fold_len, "token %u fold UTF-8", i);
    CHECK(!strchr(exact, ' ') && !strchr(fold, ' '), "token %u contains a space", i);
    CHECK(tok->orig_len > 0 && (size_t)tok->orig_off + tok->orig_len <= source_len,
          "token %u span %u+%u outside %zu bytes", i, tok->orig_off, tok->orig_len, source_len);
    CHECK(tok->script <= TBY_SCRIPT_MIXED, "token %u script %u", i, tok->script);
    if (i > 0) {
        CHECK(tok->orig_off >= norm->tokens[i - 1].orig_off, "token %u out of order", i);
        CHECK(tok->sep_before != 0, "token %u has no separator", i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tby_error err;
    tby_error_clear(&err);
    int rc = tby__norm_run(&first_pass, (const char *)data, size, &err);
    if (rc != 0) {
        CHECK(rc == TBY_EUTF8 || rc == TBY_ETOOLARGE || rc == TBY_EEMPTY || rc == TBY_ENOMEM,
              "unexpected rc %d", rc);
        CHECK(err.code == rc, "err.code %d for rc %d", err.code, rc);
        CHECK(err.message[0] != '\0', "empty message for rc %d", rc);
        CHECK(first_pass.token_count == 0, "%u tokens after an error", first_pass.token_count);
        if (rc == TBY_EUTF8)
            CHECK(err.offset >= 0 && (size_t)err.offset < size, "offset %lld of %zu",
                  (long long)err.offset, size);
        return 0;
    }

    size_t source_len = first_pass.repaired ? strlen(first_pass.repaired) : size;
    CHECK(first_pass.token_count >= 1 && first_pass.token_count <= TBY_NAME_MAX_PARTS * 2,
          "%u tokens", first_pass.token_count);
    for (uint32_t i = 0; i < first_pass.token_count; i++)
        check_token(&first_pass, i, source_len);

    /* Idempotence: the joined exact forms normalise to the same fold tokens. */
    static char joined[TBY__NORM_OUT_CAP * 2];
    size_t joined_len = 0;
    for (uint32_t i = 0; i < first_pass.token_count; i++) {
        if (i > 0)
            joined[joined_len++] = ' ';
        memcpy(joined + joined_len, tby__norm_exact(&first_pass, i),
               first_pass.tokens[i].exact_len);
        joined_len += first_pass.tokens[i].exact_len;
    }
    if (joined_len > TBY_NAME_MAX_BYTES)
        return 0; /* the second pass would rightly refuse it */
    rc = tby__norm_run(&second_pass, joined, joined_len, &err);
    CHECK(rc == 0, "second pass rc %d (%s) on \"%.*s\"", rc, err.message, (int)joined_len, joined);
    CHECK(second_pass.token_count == first_pass.token_count, "%u tokens then %u on \"%.*s\"",
          first_pass.token_count, second_pass.token_count, (int)joined_len, joined);
    CHECK(!(second_pass.flags & TBY_NORM_MOJIBAKE), "own output looked like mojibake");
    for (uint32_t i = 0; i < first_pass.token_count; i++)
        CHECK(strcmp(tby__norm_fold(&first_pass, i), tby__norm_fold(&second_pass, i)) == 0,
              "fold of token %u: \"%s\" then \"%s\"", i, tby__norm_fold(&first_pass, i),
              tby__norm_fold(&second_pass, i));
    return 0;
}
