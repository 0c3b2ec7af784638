// SPDX-License-Identifier: Apache-2.0
// Housekeeping of the server's database, off the request path: one thread with a store
// connection of its own that
//
//   every second        copies the WAL into the database (tby_store_checkpoint, passive: it
//                       never waits for a request's transaction, nor makes one wait)
//   every ten minutes   deletes the sessions that expired or were ended
//                       (tby_store_sessions_purge, audited when it deletes any)
//
// The server's connections are opened with TBY_STORE_BACKGROUND_CHECKPOINT, so a request's
// commit no longer runs the checkpoint (an fsync of the database file) that SQLite starts in
// the commit that crosses 1000 pages of WAL; only past TBY_STORE_WAL_LIMIT_PAGES, if this
// thread fell that far behind, does a commit checkpoint by itself. The first purge runs
// before the server answers anything, so that its audit entry never lands between a request
// and the next.
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <string.h>
#include <time.h>

#include "server/server_int.h"

#define CHECKPOINT_EVERY_MS 1000
#define PURGE_EVERY_S       (10 * 60)

static const char actor[] = "tabayyun serve (housekeeping)";

/* Deletes ended sessions through the writer, under the write lock. */
static void purge_sessions(tby_server_db *db)
{
    tby_error err;
    tby_error_clear(&err);
    size_t count = 0;
    tby_store *store = tby_server__db_lock(db);
    int rc = tby_store_sessions_purge(store, actor, &count, &err);
    tby_server__db_unlock(db);
    if (rc)
        fprintf(stderr, "tabayyun serve: housekeeping: purging sessions: %s\n", err.message);
}

static void *housekeeping_main(void *arg)
{
    tby_server *server = arg;
    tby_server__housekeeper *h = &server->housekeeper;
    int64_t next_purge = tby_server__now_ns() + (int64_t)PURGE_EVERY_S * 1000000000;
    bool is_reported = false;
    pthread_mutex_lock(&h->lock);
    while (!h->is_stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)CHECKPOINT_EVERY_MS % 1000 * 1000000;
        until.tv_sec += CHECKPOINT_EVERY_MS / 1000 + until.tv_nsec / 1000000000;
        until.tv_nsec %= 1000000000;
        int wait = 0;
        while (!h->is_stopping && wait != ETIMEDOUT)
            wait = pthread_cond_timedwait(&h->wake, &h->lock, &until);
        if (h->is_stopping)
            break;
        pthread_mutex_unlock(&h->lock);
        tby_error err;
        tby_error_clear(&err);
        tby_store_checkpoint_info info;
        int rc = tby_store_checkpoint(h->store, &info, &err);
        if (!rc) {
            atomic_fetch_add_explicit(&server->metrics.checkpoints, 1, memory_order_relaxed);
            atomic_store_explicit(&server->metrics.wal_pages, (uint_fast64_t)info.wal_pages,
                                  memory_order_relaxed);
            is_reported = false;
        } else if (!is_reported) {
            fprintf(stderr, "tabayyun serve: housekeeping: checkpoint: %s\n", err.message);
            is_reported = true; /* once until it works again */
        }
        if (tby_server__now_ns() >= next_purge) {
            purge_sessions(server->opts.db);
            next_purge = tby_server__now_ns() + (int64_t)PURGE_EVERY_S * 1000000000;
        }
        pthread_mutex_lock(&h->lock);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

int tby_server__housekeeping_start(tby_server *server, tby_error *err)
{
    tby_server__housekeeper *h = &server->housekeeper;
    if (!server->opts.db || h->is_running)
        return TBY_OK;
    tby_store_options opts = TBY_STORE_OPTIONS_INIT;
    opts.flags = TBY_STORE_BACKGROUND_CHECKPOINT;
    opts.actor = actor;
    int rc = tby_store_open(&h->store, tby_server_db_path(server->opts.db), &opts, err);
    if (rc)
        return rc;
    purge_sessions(server->opts.db);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&h->wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&h->lock, NULL);
    h->is_stopping = false;
    if (pthread_create(&h->thread, NULL, housekeeping_main, server)) {
        pthread_cond_destroy(&h->wake);
        pthread_mutex_destroy(&h->lock);
        tby_store_close(h->store);
        h->store = NULL;
        return tby__error(err, TBY_ENOMEM, -1, "cannot start the housekeeping thread");
    }
    h->is_running = true;
    return TBY_OK;
}

void tby_server__housekeeping_stop(tby_server *server)
{
    tby_server__housekeeper *h = &server->housekeeper;
    if (!h->is_running)
        return;
    pthread_mutex_lock(&h->lock);
    h->is_stopping = true;
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->lock);
    /* A last checkpoint, so that a server stopped cleanly leaves a short WAL. */
    tby_store_checkpoint(h->store, NULL, NULL);
    tby_store_close(h->store);
    h->store = NULL;
    h->is_running = false;
}
