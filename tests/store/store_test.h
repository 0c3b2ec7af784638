/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the store's tests: a private temporary directory, files written from
 * text, imports from text, and direct SQLite access for checks and for tampering (the tests
 * play the part of someone who edits the database file behind tabayyun's back).
 * Include after defining _POSIX_C_SOURCE and after harness/test.h.
 */
#ifndef TBY_STORE_TEST_H
#define TBY_STORE_TEST_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tabayyun/tby_store.h"

static char store_test_dir[256];
static pid_t store_test_owner; /* the process that made the directory removes it */

static inline void store_test_cleanup(void)
{
    if (!store_test_dir[0] || getpid() != store_test_owner)
        return;
    char command[512];
    snprintf(command, sizeof(command), "rm -rf '%s'", store_test_dir);
    if (system(command) != 0)
        fprintf(stderr, "could not remove %s\n", store_test_dir);
}

/* The test's temporary directory, made on first use and removed when the test exits. */
static inline const char *store_test_tmp(void)
{
    if (!store_test_dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(store_test_dir, sizeof(store_test_dir), "%s/tby_store_test_XXXXXX",
                 base && base[0] ? base : "/tmp");
        if (!mkdtemp(store_test_dir)) {
            perror("mkdtemp");
            exit(2);
        }
        store_test_owner = getpid();
        atexit(store_test_cleanup);
    }
    return store_test_dir;
}

static inline void store_test_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", store_test_tmp(), name);
}

/* Removes a database and its WAL and shared-memory files. */
static inline void store_test_remove_db(const char *path)
{
    char other[600];
    unlink(path);
    snprintf(other, sizeof(other), "%s-wal", path);
    unlink(other);
    snprintf(other, sizeof(other), "%s-shm", path);
    unlink(other);
}

static inline void store_test_write(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    if (!file || fputs(text, file) < 0 || fclose(file) != 0) {
        perror(path);
        exit(2);
    }
}

static inline tby_store *store_test_open(const char *path, bool create)
{
    tby_store_options opts = TBY_STORE_OPTIONS_INIT;
    opts.flags = create ? TBY_STORE_CREATE : 0;
    opts.actor = "test";
    tby_store *store = NULL;
    tby_error err;
    int rc = tby_store_open(&store, path, &opts, &err);
    if (rc)
        TEST__FAIL("open %s: %s", path, err.message);
    return store;
}

/* Imports CSV text into the registry; returns the library's code. */
static inline int store_test_registry(tby_store *store, const char *csv, const char *site,
                                      bool strict, tby_store_import_stats *stats, tby_error *err)
{
    char path[300];
    store_test_path(path, sizeof(path), "registry_input.csv");
    store_test_write(path, csv);
    tby_store_import_options opts = TBY_STORE_IMPORT_OPTIONS_INIT;
    opts.actor = "test";
    opts.default_site = site;
    opts.strict = strict;
    return tby_store_registry_import_file(store, path, &opts, stats, err);
}

/* Imports CSV text as the next version of a list; returns the library's code. */
static inline int store_test_list(tby_store *store, const char *name, const char *csv, bool strict,
                                  tby_store_import_stats *stats, tby_error *err)
{
    char path[300];
    store_test_path(path, sizeof(path), "list_input.csv");
    store_test_write(path, csv);
    tby_store_import_options opts = TBY_STORE_IMPORT_OPTIONS_INIT;
    opts.actor = "test";
    opts.strict = strict;
    const char *paths[] = {path};
    return tby_store_list_import_files(store, name, TBY_LIST_FORMAT_CSV, paths, 1, &opts, stats,
                                       err);
}

/* Runs SQL on the database file directly, outside tabayyun; fails the test on error. */
static inline void store_test_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *message = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK)
        TEST__FAIL("sql %s: %s", sql, message ? message : sqlite3_errmsg(db));
    sqlite3_free(message);
    sqlite3_close(db);
}

/* The first column of the first row of a query, as text (a static buffer, large enough for
   the whole schema: a comparison of truncated schemas would miss a difference at the end). */
static inline const char *store_test_sql_text(const char *path, const char *sql)
{
    static char result[65536];
    result[0] = '\0';
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        TEST__FAIL("sql %s: %s", sql, sqlite3_errmsg(db));
    } else if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
        snprintf(result, sizeof(result), "%s", (const char *)sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return result;
}

static inline long long store_test_sql_int(const char *path, const char *sql)
{
    return atoll(store_test_sql_text(path, sql));
}

#endif
