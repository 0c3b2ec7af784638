/* SPDX-License-Identifier: Apache-2.0 */
/* Shared declarations of the `tabayyun` command's subcommands. */
#ifndef TBY_CLI_H
#define TBY_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "tabayyun/tabayyun.h"

enum { CLI_OK = 0, CLI_USAGE = 1, CLI_BADINPUT = 2, CLI_INTERNAL = 3 };

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

int cmd_normalize(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_screen(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_registry(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_screen_db(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_alert(int argc, char **argv);
int cmd_redress(int argc, char **argv);

/* Maps a library error code to an exit code (input errors 2, others 3). */
int cli_exit_for(int rc);

/*
 * Who a command acts as in the audit log: `given` (--user or --as), else $TABAYYUN_USER, else
 * "cli:" and the login name. Returns given, the environment's value or buf.
 */
const char *cli_actor(const char *given, char *buf, size_t size);

/*
 * Opens (create: creates if missing) the database for a command acting as `actor` (may be
 * NULL). A missing database says how to make one. Returns CLI_OK or an exit code, the error
 * already on stderr.
 */
struct tby_store;
int cli_store_open(struct tby_store **out, const char *db, const char *actor, bool create);
/* Prints a store error (with file:line and field when it has them); returns the exit code. */
int cli_store_fail(const char *where, int rc, const tby_error *err);

/* True when argv holds -h or --help. */
bool cli_wants_help(int argc, char **argv);

#endif
