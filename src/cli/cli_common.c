// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the subcommands: exit codes and option conventions.
#include <string.h>

#include "cli/cli.h"

int cli_exit_for(int rc)
{
    switch (rc) {
    case TBY_OK:
        return CLI_OK;
    case TBY_EINVALID:
    case TBY_ETOOLARGE:
    case TBY_EUTF8:
    case TBY_EEMPTY:
    case TBY_ENOTFOUND:
        return CLI_BADINPUT;
    default:
        return CLI_INTERNAL;
    }
}

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return true;
        if (!strcmp(argv[i], "--"))
            break;
    }
    return false;
}
