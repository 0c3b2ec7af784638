// SPDX-License-Identifier: Apache-2.0
// The `tabayyun` command: dispatches to one cmd_<verb>.c per subcommand.
//
// Exit codes (documented in docs/cli.md and in `tabayyun --help`):
//   0 success, 1 usage error, 2 bad input, 3 internal or resource error.
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const cli_command cli_commands[] = {
    {"normalize", "show a name's normalised forms, parts with roles, and keys", cmd_normalize},
    {"compare", "compare two names, or the pairs of a TSV file", cmd_compare},
    {"screen", "screen a person or a registry against a list", cmd_screen},
    {"model", "show the evidence model fitted to a list and registry", cmd_model},
    {"db", "create a database or bring it up to date (db init)", cmd_db},
    {"registry", "import registry records into a database", cmd_registry},
    {"list", "import watchlist versions, list them, show what changed", cmd_list},
    {"audit", "verify or show a database's audit log", cmd_audit},
    {"user", "add users of the server, with roles and sites; list, disable them", cmd_user},
    {"token", "make, list and revoke API tokens for the server", cmd_token},
    {"alerts", "list, show or export the alerts stored by screen --db", cmd_alerts},
    {"alert", "decide on an alert: clear, escalate, confirm", cmd_alert},
    {"redress", "the status of a redress reference", cmd_redress},
    {"serve", "serve the HTTP JSON API (screening) on this machine", cmd_serve},
    {"version", "print the version", cmd_version},
};

static void cli_usage(FILE *out)
{
    fprintf(out, "usage: tabayyun <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
        fprintf(out, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].summary);
    fprintf(out, "\n`tabayyun <command> --help` describes a command.\n"
                 "exit codes: 0 ok, 1 usage error, 2 bad input, 3 internal or resource error\n");
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("tabayyun %s\n", tby_version());
    return CLI_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        cli_usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "--version"))
        return cmd_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++) {
        if (!strcmp(argv[1], cli_commands[i].name))
            return cli_commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "tabayyun: unknown command '%s'\n", argv[1]);
    cli_usage(stderr);
    return CLI_USAGE;
}
