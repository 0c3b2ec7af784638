// SPDX-License-Identifier: Apache-2.0
// Query strings and path segments: the ?name=value pairs of a GET (percent-decoded, "+" as a
// blank), integers read from them with a 400 that names the parameter, and the segments of a
// path such as the list name in /v1/lists/{name}/versions.
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..len) into out; false when it does not fit, has a bad escape, a NUL or is not
   UTF-8. */
static bool decode(const char *s, size_t len, bool plus_is_blank, char *out, size_t size)
{
    size_t used = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= len)
                return false;
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_blank) {
            c = ' ';
        }
        if (c == '\0' || used + 1 >= size)
            return false;
        out[used++] = c;
    }
    out[used] = '\0';
    return tby__utf8_validate(out, used) == used;
}

int tby_server__query(const tby_server__request *request, const char *name, char *out, size_t size)
{
    out[0] = '\0';
    if (request->query_fn) {
        const char *value = request->query_fn(request->query_ctx, name);
        if (!value)
            return 0;
        return decode(value, strlen(value), true, out, size) ? 1 : -1;
    }
    const char *p = request->path + request->path_len;
    if (*p != '?')
        return 0;
    p++;
    size_t name_len = strlen(name);
    while (*p) {
        const char *end = strchr(p, '&');
        if (!end)
            end = p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        const char *key_end = eq ? eq : end;
        if ((size_t)(key_end - p) == name_len && memcmp(p, name, name_len) == 0) {
            const char *value = eq ? eq + 1 : end;
            return decode(value, (size_t)(end - value), true, out, size) ? 1 : -1;
        }
        p = *end ? end + 1 : end;
    }
    return 0;
}

bool tby_server__query_int(const tby_server__request *request, const char *name, int64_t min,
                           int64_t max, int64_t *value, tby_server_response *out)
{
    char text[32];
    int found = tby_server__query(request, name, text, sizeof(text));
    if (found == 0)
        return true;
    char *end = NULL;
    long long n = found > 0 && text[0] ? strtoll(text, &end, 10) : 0;
    if (found < 0 || !text[0] || *end || n < min || n > max) {
        tby_server__error(out, 400, "invalid_value", name, -1,
                          "%s must be an integer from %lld to %lld", name, (long long)min,
                          (long long)max);
        return false;
    }
    *value = n;
    return true;
}

bool tby_server__path_segment(const tby_server__request *request, size_t index, char *out,
                              size_t size)
{
    const char *p = request->path, *end = request->path + request->path_len;
    if (p < end && *p == '/')
        p++;
    for (size_t i = 0; p <= end; i++) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *segment_end = slash ? slash : end;
        if (i == index)
            return segment_end > p && decode(p, (size_t)(segment_end - p), false, out, size);
        if (!slash)
            break;
        p = slash + 1;
    }
    return false;
}
