// SPDX-License-Identifier: Apache-2.0
// Growable NUL-terminated byte buffer with a hard cap (see util_int.h).
#include <string.h>

#include "util/util_int.h"

void tby__buf_init(tby_buf *buf, size_t cap)
{
    buf->ptr = NULL;
    buf->len = 0;
    buf->asize = 0;
    buf->cap = cap;
}

static int buf_grow(tby_buf *buf, size_t add)
{
    size_t need;
    if (tby__add_overflow(buf->len, add, &need) || (buf->cap && need > buf->cap)) {
        tby__buf_dispose(buf);
        return TBY_ETOOLARGE;
    }
    if (need + 1 <= buf->asize)
        return TBY_OK;
    size_t size_new = buf->asize ? buf->asize : 64;
    while (size_new < need + 1) {
        if (tby__mul_overflow(size_new, 2, &size_new))
            return TBY_ENOMEM;
    }
    char *ptr = tby__realloc(buf->ptr, size_new);
    if (!ptr)
        return TBY_ENOMEM;
    buf->ptr = ptr;
    buf->asize = size_new;
    return TBY_OK;
}

int tby__buf_put(tby_buf *buf, const void *data, size_t len)
{
    int rc = buf_grow(buf, len);
    if (rc)
        return rc;
    if (len)
        memcpy(buf->ptr + buf->len, data, len);
    buf->len += len;
    buf->ptr[buf->len] = '\0';
    return TBY_OK;
}

int tby__buf_putc(tby_buf *buf, char c)
{
    return tby__buf_put(buf, &c, 1);
}

int tby__buf_puts(tby_buf *buf, const char *s)
{
    return tby__buf_put(buf, s, strlen(s));
}

int tby__buf_printf(tby_buf *buf, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return TBY_ERROR;
    if ((size_t)n < sizeof(small))
        return tby__buf_put(buf, small, (size_t)n);
    int rc = buf_grow(buf, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(buf->ptr + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
    return TBY_OK;
}

void tby__buf_clear(tby_buf *buf)
{
    buf->len = 0;
    if (buf->ptr)
        buf->ptr[0] = '\0';
}

char *tby__buf_detach(tby_buf *buf)
{
    char *out = buf->ptr;
    if (!out)
        out = tby__strndup("", 0);
    buf->ptr = NULL;
    buf->len = 0;
    buf->asize = 0;
    return out;
}

void tby__buf_dispose(tby_buf *buf)
{
    tby__free(buf->ptr);
    buf->ptr = NULL;
    buf->len = 0;
    buf->asize = 0;
}
