/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Definitions every part of the public API shares: the export macro, error codes, the
 * error detail structure and the pluggable allocator. Nothing here knows about names.
 */
#ifndef TBY_COMMON_H
#define TBY_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(TBY_STATIC)
#define TBY_API
#elif defined(TBY_BUILDING)
#define TBY_API __attribute__((visibility("default")))
#else
#define TBY_API
#endif

/*
 * Error codes. Every fallible function returns 0 (TBY_OK) or one of these negative values.
 * The list is the single source of the enum, tby_strerror() and tby_error_name().
 */
#define TBY_ERROR_MAP(X)                                                                           \
    X(ERROR, -1, "unexpected error")                                                               \
    X(ENOMEM, -2, "out of memory")                                                                 \
    X(EINVALID, -3, "invalid argument or input")                                                   \
    X(ETOOLARGE, -4, "input exceeds a size limit")                                                 \
    X(ENOTFOUND, -5, "not found")                                                                  \
    X(EUTF8, -6, "invalid UTF-8")                                                                  \
    X(EIO, -7, "input/output error")                                                               \
    X(EEMPTY, -8, "nothing left after normalisation")                                              \
    X(EEXISTS, -9, "already exists")

typedef enum tby_error_code {
    TBY_OK = 0,
#define TBY__ERR_ENUM(name, value, text) TBY_##name = value,
    TBY_ERROR_MAP(TBY__ERR_ENUM)
#undef TBY__ERR_ENUM
} tby_error_code;

/** Length of the fixed message buffer in tby_error, including the terminating NUL. */
#define TBY_ERROR_MSG_LEN 256
/** Length of the fixed field-name buffer in tby_error, including the terminating NUL. */
#define TBY_ERROR_FIELD_LEN 64

/**
 * Details of a failure, filled by any function that takes a trailing `tby_error *err`.
 * Passing NULL means the caller does not want details. On success the struct is untouched.
 */
typedef struct tby_error {
    int code;                        /* a tby_error_code, 0 when nothing failed */
    char message[TBY_ERROR_MSG_LEN]; /* one line, no trailing newline, NUL-terminated */
    char field[TBY_ERROR_FIELD_LEN]; /* failing field or column name, "" when none */
    int64_t offset;                  /* byte offset into the input, -1 when unknown */
    int64_t line;                    /* 1-based line of the input, -1 when unknown */
} tby_error;

/** Human-readable text for an error code; never NULL. */
TBY_API const char *tby_strerror(int code);

/** Symbolic name of an error code ("TBY_EUTF8"); never NULL. */
TBY_API const char *tby_error_name(int code);

/** Resets an error struct to "no error" (code 0, empty strings, offset and line -1). */
TBY_API void tby_error_clear(tby_error *err);

/**
 * A pluggable allocator. Every allocation of the library goes through it, which lets tests
 * fail the N-th allocation. The functions follow malloc/realloc/free semantics; `ctx` is
 * passed back unchanged.
 */
typedef struct tby_allocator {
    void *(*malloc)(void *ctx, size_t size);
    void *(*realloc)(void *ctx, void *ptr, size_t size);
    void (*free)(void *ctx, void *ptr);
    void *ctx;
} tby_allocator;

/**
 * Replaces the process-wide allocator. Call it before any other tabayyun function and never
 * while objects made with the previous allocator are alive. NULL restores the libc allocator.
 * Not thread-safe.
 */
TBY_API void tby_set_allocator(const tby_allocator *allocator);

/** Frees a buffer the library returned to the caller (strings from tby_*_format etc.). */
TBY_API void tby_free(void *ptr);

/** The library version as "MAJOR.MINOR.PATCH". */
TBY_API const char *tby_version(void);

#ifdef __cplusplus
}
#endif
#endif
