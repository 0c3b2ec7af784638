/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal utilities shared by every subsystem: allocation through the pluggable allocator,
 * checked size arithmetic, error filling, an arena for per-call scratch memory and a
 * growable byte buffer with a hard cap. No knowledge of names or records lives here.
 */
#ifndef TBY_UTIL_INT_H
#define TBY_UTIL_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tabayyun/tby_common.h"

/* ===== Assertions ===== */

/* Internal invariant: aborts in every build. Never used to validate input. */
#define TBY_ASSERT(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            tby__assert_fail(#cond, __FILE__, __LINE__);                                           \
    } while (0)

/* A bad argument from a caller: aborts in debug builds, returns TBY_EINVALID otherwise. */
#ifdef NDEBUG
#define TBY_ASSERT_ARG(cond)                                                                       \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return TBY_EINVALID;                                                                   \
    } while (0)
#else
#define TBY_ASSERT_ARG(cond) TBY_ASSERT(cond)
#endif

_Noreturn void tby__assert_fail(const char *expr, const char *file, int line);

/* ===== Allocation ===== */

void *tby__malloc(size_t size);
void *tby__calloc(size_t count, size_t size);
void *tby__realloc(void *ptr, size_t size);
void tby__free(void *ptr);
char *tby__strndup(const char *s, size_t len);

static inline bool tby__add_overflow(size_t a, size_t b, size_t *out)
{
    return __builtin_add_overflow(a, b, out);
}

static inline bool tby__mul_overflow(size_t a, size_t b, size_t *out)
{
    return __builtin_mul_overflow(a, b, out);
}

/* ===== Errors ===== */

/*
 * Fills `err` (when not NULL) with `code`, a printf-style message, and the offset; returns
 * `code` so that callers can write `return tby__error(err, TBY_EINVALID, off, "...")`.
 */
int tby__error(tby_error *err, int code, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets the field name of an already filled error (no-op when err is NULL). */
void tby__error_field(tby_error *err, const char *field);

/* ===== Arena ===== */

/*
 * Bump allocator for memory that dies together (one query, one parsed name). Blocks are
 * chained; tby_arena_reset keeps the first block for reuse. With TBY_ARENA_MALLOC defined
 * at build time every allocation is a separate malloc so ASan sees each one.
 */
typedef struct tby_arena_block tby_arena_block;
typedef struct tby_arena {
    tby_arena_block *head; /* newest block, NULL before the first allocation */
    size_t block_size;     /* default size of a new block in bytes */
    size_t used_total;     /* bytes handed out since the last reset */
    size_t cap;            /* hard limit on used_total; 0 means unlimited */
} tby_arena;

void tby__arena_init(tby_arena *arena, size_t block_size, size_t cap);
void *tby__arena_alloc(tby_arena *arena, size_t size); /* 8-byte aligned; NULL on OOM/cap */
char *tby__arena_strndup(tby_arena *arena, const char *s, size_t len);
void tby__arena_reset(tby_arena *arena);
void tby__arena_dispose(tby_arena *arena);

/* ===== Growable buffer ===== */

/*
 * A byte buffer that always stays NUL-terminated and refuses to grow past `cap`. When an
 * append would exceed the cap the buffer is freed and TBY_ETOOLARGE returned (curl's dynbuf
 * rule), so a caller fed by untrusted input cannot be made to allocate without bound.
 */
typedef struct tby_buf {
    char *ptr;    /* NULL until the first append; NUL-terminated afterwards */
    size_t len;   /* bytes used, excluding the NUL */
    size_t asize; /* bytes allocated */
    size_t cap;   /* hard limit on len */
} tby_buf;

#define TBY_BUF_INIT(cap_)                                                                         \
    {                                                                                              \
        NULL, 0, 0, (cap_)                                                                         \
    }

void tby__buf_init(tby_buf *buf, size_t cap);
int tby__buf_put(tby_buf *buf, const void *data, size_t len);
int tby__buf_putc(tby_buf *buf, char c);
int tby__buf_puts(tby_buf *buf, const char *s);
int tby__buf_printf(tby_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tby__buf_clear(tby_buf *buf);   /* len = 0, keeps memory */
char *tby__buf_detach(tby_buf *buf); /* caller owns the string (free with tby__free) */
void tby__buf_dispose(tby_buf *buf);

/* ===== UTF-8 ===== */

/*
 * Decodes one code point from s[0..len). Returns the number of bytes consumed (1..4) and
 * stores the code point in *cp, or returns 0 when the bytes at s are not valid UTF-8
 * (overlong, surrogate, above U+10FFFF, truncated).
 */
size_t tby__utf8_decode(const char *s, size_t len, int32_t *cp);

/* Encodes cp into out (at least 4 bytes); returns the byte count, 0 for an invalid cp. */
size_t tby__utf8_encode(int32_t cp, char *out);

/* Returns the offset of the first invalid byte, or len when s is valid UTF-8. */
size_t tby__utf8_validate(const char *s, size_t len);

#endif
