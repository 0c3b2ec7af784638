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

/* ===== Hashing ===== */

/* FNV-1a, 64 bits: small keys (name skeletons, identifiers) in hash tables. The _more form
 * continues a hash over several pieces, starting from TBY__HASH64_INIT. */
#define TBY__HASH64_INIT 1469598103934665603ull

static inline uint64_t tby__hash64_more(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static inline uint64_t tby__hash64(const void *data, size_t len)
{
    return tby__hash64_more(TBY__HASH64_INIT, data, len);
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

/* ===== TSV reader ===== */

/*
 * A streaming reader of tab-separated lines, one record per call, from a FILE or from a
 * memory buffer (the fuzzer and the tests). It knows nothing about columns or headers: the
 * caller treats the first record as a header if its format has one.
 *
 *   input  "\xEF\xBB\xBFname\tdob\r\n\r\nAli\t1970\n"
 *   line 1 -> 2 fields  "name" "dob"       (BOM and CR removed)
 *   line 2 -> skipped, empty_count = 1
 *   line 3 -> 2 fields  "Ali" "1970"
 *
 * Every call consumes one non-empty line (and the empty lines before it) even when it rejects
 * that line, so after a per-line error (TBY_ETOOLARGE, TBY_EUTF8, TBY_EINVALID, TBY_ENOMEM) the
 * caller chooses to stop or to call tby__tsv_next again for the following line. The exceptions:
 * TBY_ENOMEM for the FILE read buffer consumes nothing (the next call retries), and TBY_EIO is
 * sticky.
 */

#define TBY__TSV_LINE_CAP_DEFAULT  (64 * 1024) /* bytes per line, terminator excluded */
#define TBY__TSV_FIELD_CAP_DEFAULT 1024        /* fields per line */
#define TBY__TSV_READ_SIZE_DEFAULT (64 * 1024) /* bytes per fread */

/* Return values of tby__tsv_next besides the negative error codes. */
#define TBY__TSV_END    0 /* no more lines */
#define TBY__TSV_RECORD 1 /* tsv->fields holds the next record */

typedef struct tby_tsv_options {
    size_t line_cap;  /* longest accepted line in bytes without LF/CRLF; 0 = default */
    size_t field_cap; /* most fields in one line; 0 = default */
    size_t read_size; /* bytes fetched per read (tests use 1 to split every token); 0 = default */
} tby_tsv_options;

typedef struct tby_tsv_field {
    const char *ptr; /* into the reader's line buffer, NUL-terminated, valid until next call */
    size_t len;      /* bytes, without the NUL */
} tby_tsv_field;

typedef struct tby_tsv {
    FILE *file;            /* source when reading a stream, else NULL; not owned */
    const char *mem;       /* source when reading memory, else NULL; not owned */
    size_t mem_len;        /* bytes at mem */
    size_t mem_off;        /* bytes of mem already handed to the window */
    char *chunk;           /* fread buffer (file mode), allocated on first use */
    const char *win;       /* unread input: chunk or a slice of mem */
    size_t win_len;        /* bytes at win */
    size_t win_off;        /* bytes of win already consumed */
    tby_buf line;          /* current line, capped at line_cap + 4 (CR and BOM) */
    tby_tsv_field *fields; /* fields of the current record */
    size_t field_count;    /* entries of fields in use */
    size_t field_asize;    /* entries of fields allocated */
    tby_tsv_options opts;  /* with defaults filled in */
    int64_t line_no;       /* 1-based number of the line last consumed, 0 before the first */
    int64_t empty_count;   /* empty lines skipped so far */
    int64_t offset;        /* bytes of input consumed so far */
    bool is_eof;           /* the source has nothing left */
    bool is_io_error;      /* a read failed; every later call returns TBY_EIO */
} tby_tsv;

/* Sets up a reader over `file` (not closed by the reader). opts may be NULL. */
void tby__tsv_init_file(tby_tsv *tsv, FILE *file, const tby_tsv_options *opts);

/* Sets up a reader over data[0..len), which must outlive the reader. opts may be NULL. */
void tby__tsv_init_mem(tby_tsv *tsv, const char *data, size_t len, const tby_tsv_options *opts);

/*
 * Reads the next non-empty line and splits it at tabs into tsv->fields (at least one field;
 * a line "a\t" has two, the second empty). Removes a trailing CR, and a UTF-8 BOM at the
 * start of line 1. Returns TBY__TSV_RECORD, TBY__TSV_END, or, with tsv->line_no naming the
 * rejected line and err->line/offset set:
 *   TBY_ETOOLARGE  the line is longer than line_cap, or has more than field_cap fields
 *   TBY_EUTF8      invalid UTF-8 (the message gives line and 1-based byte column)
 *   TBY_EINVALID   a NUL byte (message gives line and byte column)
 *   TBY_ENOMEM     out of memory (the line is skipped, unless nothing had been read yet)
 *   TBY_EIO        the FILE reported a read error (sticky)
 * Byte columns count from the first byte of the line as stored, so a BOM counts on line 1.
 */
int tby__tsv_next(tby_tsv *tsv, tby_error *err);

/* Frees the reader's buffers; the FILE or memory stays the caller's. Accepts a zeroed struct. */
void tby__tsv_dispose(tby_tsv *tsv);

#endif
