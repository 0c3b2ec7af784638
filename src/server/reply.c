// SPDX-License-Identifier: Apache-2.0
// Responses: the JSON error body every 4xx and 5xx carries, and JSON documents serialised
// into the library's allocator so that the HTTP glue can hand them to libmicrohttpd with
// tby__free as their destructor.
#include <jansson.h>
#include <stdarg.h>
#include <string.h>

#include "server/server_int.h"

static const char oom_body[] =
    "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\",\"field\":null}}";

static void reply_oom(tby_server_response *out)
{
    memset(out, 0, sizeof(*out));
    out->status = 500;
    out->body = (char *)(uintptr_t)oom_body; /* static: is_static_body */
    out->body_len = sizeof(oom_body) - 1;
    out->is_static_body = true;
    out->content_type = "application/json";
    out->is_close = true;
}

static int reply_dump(const char *buffer, size_t size, void *data)
{
    return tby__buf_put(data, buffer, size) ? -1 : 0;
}

void tby_server__json(tby_server_response *out, int status, json_t *json)
{
    tby_buf buf = TBY_BUF_INIT(0);
    int rc = json ? json_dump_callback(json, reply_dump, &buf, JSON_COMPACT) : -1;
    json_decref(json);
    if (rc || !buf.ptr) {
        tby__buf_dispose(&buf);
        reply_oom(out);
        return;
    }
    tby_server_response_dispose(out);
    out->status = status;
    out->body_len = buf.len;
    out->body = tby__buf_detach(&buf);
    out->content_type = "application/json";
}

/* A JSON string of the valid UTF-8 prefix of s: messages and field names may quote the
 * client's bytes, cut to a fixed buffer possibly inside a character, and jansson refuses
 * invalid UTF-8. */
static json_t *reply_string(const char *s)
{
    return json_stringn(s, tby__utf8_validate(s, strlen(s)));
}

void tby_server__error(tby_server_response *out, int status, const char *code, const char *field,
                       int64_t position, const char *fmt, ...)
{
    char message[TBY_ERROR_MSG_LEN + 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    json_t *error = json_object();
    json_t *root = json_object();
    if (!error || !root) {
        json_decref(error);
        json_decref(root);
        reply_oom(out);
        return;
    }
    int bad = json_object_set_new(error, "code", json_string(code));
    bad |= json_object_set_new(error, "message", reply_string(message));
    bad |=
        json_object_set_new(error, "field", field && field[0] ? reply_string(field) : json_null());
    if (position >= 0)
        bad |= json_object_set_new(error, "position", json_integer(position));
    bad |= json_object_set_new(root, "error", error);
    if (bad) {
        json_decref(root);
        reply_oom(out);
        return;
    }
    tby_server__json(out, status, root);
}

void tby_server_response_dispose(tby_server_response *response)
{
    if (!response->is_static_body)
        tby__free(response->body);
    memset(response, 0, sizeof(*response));
}
