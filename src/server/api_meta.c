// SPDX-License-Identifier: Apache-2.0
// The routes about the server itself, public by design (routes.c says why): GET /v1/health,
// GET /metrics and GET /openapi.json.
#include <jansson.h>

#include "server/server_int.h"

void tby_server__api_health(tby_server *server, tby_server__request *request,
                            tby_server_response *out)
{
    (void)request;
    tby_server__list *list = tby_server__list_acquire(server);
    json_t *o =
        json_pack("{s:s, s:s, s:{s:s?, s:I}, s:b, s:f}", "status", "ok", "version", tby_version(),
                  "list", "name", list && list->name[0] ? list->name : NULL, "entries",
                  (json_int_t)(list ? list->entries : 0), "database", server->opts.db != NULL,
                  "uptime_seconds", (double)(tby_server__now_ns() - server->started_ns) / 1e9);
    tby_server__list_release(list);
    tby_server__json(out, 200, o);
}

void tby_server__api_metrics(tby_server *server, tby_server__request *request,
                             tby_server_response *out)
{
    (void)request;
    tby_buf buf = TBY_BUF_INIT(0);
    if (tby_server__metrics_format(server, &buf) || !buf.ptr) {
        tby__buf_dispose(&buf);
        tby_server__error(out, 500, "internal", NULL, -1, "out of memory");
        return;
    }
    tby_server_response_dispose(out);
    out->status = 200;
    out->body_len = buf.len;
    out->body = tby__buf_detach(&buf);
    out->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void tby_server__api_openapi(tby_server *server, tby_server__request *request,
                             tby_server_response *out)
{
    (void)server;
    (void)request;
    tby_server_response_dispose(out);
    out->status = 200;
    out->body = (char *)(uintptr_t)tby_server__openapi_json;
    out->body_len = tby_server__openapi_json_len;
    out->is_static_body = true;
    out->content_type = "application/json";
}
