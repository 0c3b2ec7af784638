// SPDX-License-Identifier: Apache-2.0
// The server's database (server.h, tby_server_db): one store connection per thread that reads
// (the store is one tby_store per thread), opened on the thread's first use and closed with
// the db, and one connection for writes, used by whichever thread holds the write lock.
//
// Why a lock of our own when SQLite has one: a connection that finds the database locked by
// another waits in SQLite's busy handler, which sleeps 1, 2, 5, 10 ... ms between tries; the
// server's threads would then answer in milliseconds what takes microseconds. Taking this
// mutex before every write transaction makes the threads queue on a futex instead, and leaves
// SQLite's busy wait to other processes (the command line importing while the server runs).
#define _XOPEN_SOURCE 700 /* PTHREAD_MUTEX_RECURSIVE */
#include <string.h>

#include "server/server_int.h"

typedef struct db_slot {
    tby_store *store;
    struct db_slot *next;
} db_slot;

struct tby_server_db {
    char path[4096];
    tby_store *writer;          /* the connection every write goes through, under write_lock */
    pthread_key_t key;          /* this thread's db_slot */
    pthread_mutex_t slots_lock; /* guards slots */
    db_slot *slots;             /* every connection opened, for closing */
    pthread_mutex_t write_lock; /* recursive: a handler's transaction joins the audit's */
};

static int db_open_store(const char *path, bool create, tby_store **out, tby_error *err)
{
    tby_store_options opts = TBY_STORE_OPTIONS_INIT;
    /* Checkpoints are the housekeeping thread's (housekeeping.c), not a request's commit. */
    opts.flags = (create ? TBY_STORE_CREATE : 0) | TBY_STORE_BACKGROUND_CHECKPOINT;
    opts.actor = "tabayyun serve";
    return tby_store_open(out, path, &opts, err);
}

/* Lists a connection as this thread's; on failure closes it. */
static int db_adopt(tby_server_db *db, tby_store *store, tby_error *err)
{
    db_slot *slot = tby__calloc(1, sizeof(*slot));
    if (!slot) {
        tby_store_close(store);
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    }
    slot->store = store;
    pthread_mutex_lock(&db->slots_lock);
    slot->next = db->slots;
    db->slots = slot;
    pthread_mutex_unlock(&db->slots_lock);
    pthread_setspecific(db->key, slot);
    return TBY_OK;
}

int tby_server_db_open(tby_server_db **out, const char *path, bool create, tby_error *err)
{
    *out = NULL;
    if (!path || !path[0] || strlen(path) >= sizeof(((tby_server_db *)0)->path))
        return tby__error(err, TBY_EINVALID, -1, "a database path of 1..4095 bytes is needed");
    tby_server_db *db = tby__calloc(1, sizeof(*db));
    if (!db)
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    snprintf(db->path, sizeof(db->path), "%s", path);
    if (pthread_key_create(&db->key, NULL)) {
        tby__free(db);
        return tby__error(err, TBY_ENOMEM, -1, "out of thread keys");
    }
    pthread_mutex_init(&db->slots_lock, NULL);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&db->write_lock, &attr);
    pthread_mutexattr_destroy(&attr);
    /* The writer, opened (and the schema migrated) now, so that a bad file is reported at
       start. One connection for every write keeps its page cache: a connection that sees
       another's commit must drop its cache and read the pages again. */
    int rc = db_open_store(path, create, &db->writer, err);
    if (rc) {
        tby_server_db_free(db);
        return rc;
    }
    *out = db;
    return TBY_OK;
}

void tby_server_db_free(tby_server_db *db)
{
    if (!db)
        return;
    tby_store_close(db->writer);
    for (db_slot *slot = db->slots, *next; slot; slot = next) {
        next = slot->next;
        tby_store_close(slot->store);
        tby__free(slot);
    }
    pthread_key_delete(db->key);
    pthread_mutex_destroy(&db->slots_lock);
    pthread_mutex_destroy(&db->write_lock);
    tby__free(db);
}

const char *tby_server_db_path(const tby_server_db *db)
{
    return db->path;
}

tby_store *tby_server__db_store(tby_server_db *db, tby_error *err)
{
    db_slot *slot = pthread_getspecific(db->key);
    if (slot)
        return slot->store;
    tby_store *store = NULL;
    if (db_open_store(db->path, false, &store, err) || db_adopt(db, store, err))
        return NULL;
    return store;
}

tby_store *tby_server__db_lock(tby_server_db *db)
{
    pthread_mutex_lock(&db->write_lock);
    return db->writer;
}

void tby_server__db_unlock(tby_server_db *db)
{
    pthread_mutex_unlock(&db->write_lock);
}
