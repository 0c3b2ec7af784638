// SPDX-License-Identifier: Apache-2.0
// `tabayyun serve`: loads the list, fits the screener, starts the HTTP server and waits for
// SIGINT or SIGTERM to stop it cleanly (requests in flight finish, threads are joined).
#define _POSIX_C_SOURCE 200809L /* sigwait, sigprocmask */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server/server.h"

static const char serve_help[] =
    "usage: tabayyun serve --list LIST [--db FILE] [--port N] [--bind ADDR] [--threads N]\n"
    "                      [--dev-token TOKEN | --tokens FILE] [--audit-log FILE]\n"
    "                      [--threshold T] [--timeout S] [--max-connections N]\n"
    "\n"
    "Serves the HTTP JSON API (openapi/tabayyun.json, also at GET /openapi.json) over the list\n"
    "LIST (CSV or JSON Lines in the record format), until SIGINT or SIGTERM.\n"
    "\n"
    "  POST /v1/screen     screen one person:  curl -H 'Authorization: Bearer TOKEN' \\\n"
    "                        -H 'Content-Type: application/json' \\\n"
    "                        -d '{\"record\": {\"name\": \"Omar Khalil Ibrahim\"}}' \\\n"
    "                        http://127.0.0.1:8080/v1/screen\n"
    "  GET /v1/health, GET /metrics, GET /openapi.json   (no credential needed)\n"
    "\n"
    "Options:\n"
    "  --port N            TCP port (default 8080; 0 picks a free one, printed at start)\n"
    "  --bind ADDR         address to listen on (default 127.0.0.1: this machine only)\n"
    "  --threads N         worker threads (default: all cores)\n"
    "  --dev-token TOKEN   development: accept this bearer token (16+ bytes) as an admin of\n"
    "                      every site; also read from TABAYYUN_DEV_TOKEN\n"
    "  --tokens FILE       development: tokens with their user, role and sites, one per line:\n"
    "                      TOKEN USER ROLE SITES (roles: registrar analyst supervisor auditor\n"
    "                      admin; SITES: * or site,site)\n"
    "  --audit-log FILE    development: append the audit events (who, what, when, purpose) as\n"
    "                      JSON Lines\n"
    "  --db FILE           the store; not used yet (users, tokens and the audit log move there)\n"
    "  --threshold T       lowest alert score, and the default (default 0.001)\n"
    "  --timeout S         a request must arrive whole within S seconds, and an idle connection\n"
    "                      is closed after S seconds (default 10)\n"
    "  --max-connections N open connections at once (default 1024)\n"
    "\n"
    "Request bodies are capped at 1 MiB (413 beyond) and JSON nesting at 32 levels.\n"
    "\n"
    "exit codes: 0 stopped by a signal, 1 usage, 2 bad input, 3 cannot listen or internal\n";

typedef struct serve_args {
    const char *list, *db, *bind, *dev_token, *tokens, *audit_log;
    unsigned port, threads, timeout, max_connections;
    double threshold;
} serve_args;

/* Parses an unsigned number in [min, max] or prints a usage error. */
static bool parse_unsigned(const char *opt, const char *value, unsigned min, unsigned max,
                           unsigned *out)
{
    char *end;
    long n = strtol(value, &end, 10);
    if (!*value || *end || n < (long)min || n > (long)max) {
        fprintf(stderr, "tabayyun: %s must be %u..%u, not '%s'\n", opt, min, max, value);
        return false;
    }
    *out = (unsigned)n;
    return true;
}

static int parse_args(serve_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof(a[0]));
    a->port = 8080;
    a->threshold = TBY_SCREEN_DEFAULT_THRESHOLD;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (i + 1 >= argc) {
            fprintf(stderr, "tabayyun: %s needs a value (see tabayyun serve --help)\n", opt);
            return CLI_USAGE;
        }
        const char *value = argv[++i];
        bool ok = true;
        if (!strcmp(opt, "--list"))
            a->list = value;
        else if (!strcmp(opt, "--db"))
            a->db = value;
        else if (!strcmp(opt, "--bind"))
            a->bind = value;
        else if (!strcmp(opt, "--dev-token"))
            a->dev_token = value;
        else if (!strcmp(opt, "--tokens"))
            a->tokens = value;
        else if (!strcmp(opt, "--audit-log"))
            a->audit_log = value;
        else if (!strcmp(opt, "--port"))
            ok = parse_unsigned(opt, value, 0, 65535, &a->port);
        else if (!strcmp(opt, "--threads"))
            ok = parse_unsigned(opt, value, 1, 256, &a->threads);
        else if (!strcmp(opt, "--timeout"))
            ok = parse_unsigned(opt, value, 1, 3600, &a->timeout);
        else if (!strcmp(opt, "--max-connections"))
            ok = parse_unsigned(opt, value, 1, 65536, &a->max_connections);
        else if (!strcmp(opt, "--threshold")) {
            char *end;
            a->threshold = strtod(value, &end);
            if (*end || !(a->threshold > 0.0 && a->threshold <= 1.0)) {
                fprintf(stderr, "tabayyun: --threshold must be a number in (0, 1], not '%s'\n",
                        value);
                ok = false;
            }
        } else {
            fprintf(stderr, "tabayyun: unknown option '%s' (see tabayyun serve --help)\n", opt);
            ok = false;
        }
        if (!ok)
            return CLI_USAGE;
    }
    if (!a->list) {
        fprintf(stderr, "tabayyun: serve needs --list (see tabayyun serve --help)\n");
        return CLI_USAGE;
    }
    if (!a->dev_token)
        a->dev_token = getenv("TABAYYUN_DEV_TOKEN");
    return CLI_OK;
}

static int report_reject(const char *source, const tby_error *e, void *payload)
{
    (void)payload;
    fprintf(stderr, "tabayyun: %s:%lld: %s%s%s\n", source, (long long)e->line, e->field,
            e->field[0] ? ": " : "", e->message);
    return 0;
}

/* Loads and fits the list as `tabayyun screen` does (lenient, bad values left out). */
static int load_list(const char *path, tby_record_set **list, tby_screener **screener)
{
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.on_reject = report_reject;
    opts.drop_bad_values = true;
    opts.on_dropped = report_reject;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_record_set_load_file(list, path, &opts, &err);
    if (!rc)
        rc = tby_screener_new(screener, *list, &err);
    if (!rc)
        rc = tby_screener_fit(*screener, NULL, &err);
    if (rc) {
        fprintf(stderr, "tabayyun: %s: %s\n", path, err.message);
        return cli_exit_for(rc);
    }
    return CLI_OK;
}

int cmd_serve(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(serve_help, stdout);
        return CLI_OK;
    }
    serve_args args;
    int status = parse_args(&args, argc, argv);
    if (status)
        return status;
    if (args.db)
        fprintf(stderr,
                "tabayyun: --db %s: the store is not wired to the server yet; using "
                "development authentication\n",
                args.db);

    /* SIGINT and SIGTERM are taken by sigwait below: block them before any thread starts,
     * so that libmicrohttpd's threads inherit the mask and the signal reaches this one. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    tby_record_set *list = NULL;
    tby_screener *screener = NULL;
    tby_server *server = NULL;
    tby_server_auth auth;
    tby_error err;
    tby_error_clear(&err);
    if ((status = load_list(args.list, &list, &screener)))
        goto out;
    int rc = tby_server_auth_dev(&auth, args.tokens, args.dev_token, args.audit_log, &err);
    if (rc) {
        fprintf(stderr, "tabayyun: %s\n", err.message);
        status = cli_exit_for(rc);
        goto out;
    }
    if (!args.tokens && !args.dev_token)
        fprintf(stderr, "tabayyun: no --dev-token or --tokens: every route but /v1/health, "
                        "/metrics and /openapi.json will answer 401\n");
    tby_server_options opts = {0};
    opts.bind = args.bind;
    opts.port = args.port;
    opts.threads = args.threads;
    opts.timeout_seconds = args.timeout;
    opts.max_connections = args.max_connections;
    opts.threshold = args.threshold;
    opts.list_entries = tby_record_set_count(list);
    opts.list_name = args.list;
    if ((rc = tby_server_new(&server, &opts, screener, &auth, &err)) ||
        (rc = tby_server_start(server, &err))) {
        fprintf(stderr, "tabayyun: %s\n", err.message);
        status = rc == TBY_EINVALID ? CLI_USAGE : CLI_INTERNAL;
        goto out;
    }
    printf("tabayyun: listening on http://%s%s%s:%u (list %s, %zu entries; stop with Ctrl-C)\n",
           strchr(args.bind ? args.bind : "", ':') ? "[" : "", args.bind ? args.bind : "127.0.0.1",
           strchr(args.bind ? args.bind : "", ':') ? "]" : "", tby_server_port(server), args.list,
           tby_record_set_count(list));
    fflush(stdout);
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    fprintf(stderr, "tabayyun: %s: stopping\n", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    tby_server_stop(server);
out:
    tby_server_free(server);
    tby_screener_free(screener);
    tby_record_set_free(list);
    return status;
}
