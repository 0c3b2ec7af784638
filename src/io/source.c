// SPDX-License-Identifier: Apache-2.0
// A byte source over a file or a memory buffer, so the readers stream a million-row file in
// 64 KiB chunks and parse a buffer in place with the same code.
#include <errno.h>
#include <string.h>

#include "io/io_int.h"

#define SOURCE_CHUNK_BYTES (64u * 1024u)

int tby_io__source_open_file(tby_io__source *src, const char *path, tby_error *err)
{
    memset(src, 0, sizeof(*src));
    src->buf = tby__malloc(SOURCE_CHUNK_BYTES);
    if (!src->buf)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    src->buf_size = SOURCE_CHUNK_BYTES;
    src->cur = src->end = src->buf;
    src->file = fopen(path, "rb");
    if (!src->file) {
        int code = errno == ENOENT ? TBY_ENOTFOUND : TBY_EIO;
        int saved = errno;
        tby__free(src->buf);
        src->buf = NULL;
        return tby__error(err, code, -1, "cannot open \"%s\": %s", path, strerror(saved));
    }
    return TBY_OK;
}

void tby_io__source_open_memory(tby_io__source *src, const char *data, size_t len)
{
    memset(src, 0, sizeof(*src));
    src->cur = (const unsigned char *)data;
    src->end = src->cur + (data ? len : 0);
}

void tby_io__source_close(tby_io__source *src)
{
    if (src->file)
        fclose(src->file);
    tby__free(src->buf);
    memset(src, 0, sizeof(*src));
}

bool tby_io__source_fill(tby_io__source *src)
{
    if (src->cur != src->end)
        return true;
    if (!src->file || src->status)
        return false;
    size_t got = fread(src->buf, 1, src->buf_size, src->file);
    if (got == 0) {
        if (ferror(src->file))
            src->status = TBY_EIO;
        return false;
    }
    src->cur = src->buf;
    src->end = src->buf + got;
    return true;
}

void tby_io__source_skip_bom(tby_io__source *src)
{
    if (!tby_io__source_fill(src))
        return;
    /* The first chunk of a file holds at least three bytes unless the file is shorter. */
    if (src->end - src->cur >= 3 && memcmp(src->cur, "\xEF\xBB\xBF", 3) == 0) {
        src->cur += 3;
        src->offset += 3;
    }
}

int tby_io__source_read_line(tby_io__source *src, tby_buf *line, size_t cap, bool *is_too_long)
{
    bool has_bytes = false;
    tby__buf_clear(line);
    *is_too_long = false;
    while (tby_io__source_fill(src)) {
        has_bytes = true;
        size_t avail = (size_t)(src->end - src->cur);
        const unsigned char *newline = memchr(src->cur, '\n', avail);
        size_t chunk = newline ? (size_t)(newline - src->cur) : avail;
        if (!*is_too_long && line->len + chunk > cap) {
            *is_too_long = true;
            tby__buf_clear(line);
        }
        if (!*is_too_long && chunk) {
            int rc = tby__buf_put(line, src->cur, chunk);
            if (rc)
                return rc;
        }
        size_t consumed = chunk + (newline ? 1 : 0);
        src->cur += consumed;
        src->offset += (int64_t)consumed;
        if (newline)
            return 1;
    }
    if (src->status)
        return src->status;
    return has_bytes ? 1 : 0;
}
