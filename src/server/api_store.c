// SPDX-License-Identifier: Apache-2.0
// What the handlers that use the store share: this thread's connection, and store errors as
// HTTP answers.
#include <string.h>

#include "server/server_int.h"

tby_store *tby_server__store(tby_server *server, tby_server_response *out)
{
    tby_error err;
    tby_error_clear(&err);
    tby_store *store = tby_server__db_store(server->opts.db, &err);
    if (!store)
        tby_server__error(out, 500, "internal", NULL, -1, "cannot open the database: %s",
                          err.message);
    return store;
}

void tby_server__store_error(tby_server_response *out, int rc, const tby_error *err)
{
    const char *message = err && err->message[0] ? err->message : tby_strerror(rc);
    const char *field = err && err->field[0] ? err->field : NULL;
    switch (rc) {
    case TBY_ENOTFOUND:
        tby_server__error(out, 404, "not_found", field, -1, "%s", message);
        break;
    case TBY_EEXISTS:
        tby_server__error(out, 409, "conflict", field, -1, "%s", message);
        break;
    case TBY_EINVALID:
    case TBY_EUTF8:
    case TBY_ETOOLARGE:
        tby_server__error(out, 400, "invalid_value", field, -1, "%s", message);
        break;
    case TBY_ENOMEM:
        tby_server__error(out, 500, "internal", NULL, -1, "out of memory");
        break;
    default:
        if (strstr(message, "busy"))
            tby_server__error(out, 503, "busy", NULL, -1, "%s", message);
        else
            tby_server__error(out, 500, "internal", NULL, -1, "%s", message);
        break;
    }
}
