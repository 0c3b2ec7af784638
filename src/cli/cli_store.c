// SPDX-License-Identifier: Apache-2.0
// Opening the database and reporting its errors, the same way for every command that uses it.
#include <stdio.h>

#include "cli/cli.h"
#include "tabayyun/tby_store.h"

int cli_store_fail(const char *where, int rc, const tby_error *err)
{
    if (err->line > 0)
        fprintf(stderr, "tabayyun: %s:%lld: %s%s%s\n", where, (long long)err->line, err->field,
                err->field[0] ? ": " : "", err->message);
    else
        fprintf(stderr, "tabayyun: %s: %s%s%s\n", where, err->field[0] ? err->field : "",
                err->field[0] ? ": " : "", err->message[0] ? err->message : tby_strerror(rc));
    return rc == TBY_EEXISTS ? CLI_BADINPUT : cli_exit_for(rc);
}

int cli_store_open(tby_store **out, const char *db, const char *actor, bool create)
{
    tby_store_options opts = TBY_STORE_OPTIONS_INIT;
    opts.flags = create ? TBY_STORE_CREATE : 0;
    opts.actor = actor;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_store_open(out, db, &opts, &err);
    if (rc == TBY_ENOTFOUND && !create) {
        fprintf(stderr,
                "tabayyun: %s: no such database (create it with tabayyun db init --db %s)\n", db,
                db);
        return CLI_BADINPUT;
    }
    return rc ? cli_store_fail(db, rc, &err) : CLI_OK;
}
