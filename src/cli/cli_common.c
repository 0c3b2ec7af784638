// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the subcommands: exit codes and option conventions.
#define _POSIX_C_SOURCE 200809L /* getpwuid, geteuid */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

const char *cli_actor(const char *given, char *buf, size_t size)
{
    if (given && given[0])
        return given;
    const char *env = getenv("TABAYYUN_USER");
    if (env && env[0])
        return env;
    const struct passwd *pw = getpwuid(geteuid());
    const char *login = pw && pw->pw_name && pw->pw_name[0] ? pw->pw_name : getenv("USER");
    if (login && login[0])
        snprintf(buf, size, "cli:%s", login);
    else
        snprintf(buf, size, "cli:uid%lu", (unsigned long)geteuid());
    return buf;
}
