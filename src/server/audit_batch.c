// SPDX-License-Identifier: Apache-2.0
// Group commit of the audit log (server_int.h, tby_server__audit_batcher).
//
//   worker thread: finish (screened, answer built, entry pending) -> suspend the connection
//                  -> tby_server__audit_submit -> on to the next connection
//   batcher:       take every queued job -> audit_batch: one transaction, one commit
//                  -> a 503 for each entry that failed -> done (resume: the answer goes)
//
// An entry written alone costs a write transaction of its own (the write lock, BEGIN
// IMMEDIATE, the chain's head read, the insert, COMMIT with its WAL write and file locks),
// and the thread that writes it serves nobody meanwhile. Here the transaction and the commit
// are paid once for all the requests that finished while the previous batch was written, and
// the worker threads go on screening. What a client learns is unchanged: no answer leaves
// before the transaction holding its entry has committed, and an entry that could not be
// written turns its answer into 503 audit_unavailable.
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <time.h>

#include "server/server_int.h"

#define BATCH_MAX 512 /* most entries in one transaction */

/*
 * Under load (a batch was written less than BUSY_NS ago) the batcher waits LINGER_NS after
 * the first job of a batch before it takes the queue, so that a batch holds the requests of
 * a fraction of a millisecond rather than one or two: without it, two worker threads that
 * each finish a request every 100 us or so keep the batcher writing a transaction per
 * entry. An idle server writes a lone request's entry at once.
 */
#define LINGER_NS 200000
#define BUSY_NS   2000000

/* Writes the entries of `count` jobs (a list from `first`) and lets their answers go. */
static void batch_write(tby_server *server, tby_server__audit_job *first, size_t count)
{
    tby_server_audit_event events[BATCH_MAX];
    int rcs[BATCH_MAX];
    tby_server__audit_job *job = first;
    for (size_t i = 0; i < count; i++, job = job->next) {
        events[i] = job->event;
        rcs[i] = TBY_ERROR;
    }
    tby_error err;
    tby_error_clear(&err);
    server->auth.audit_batch(server->auth.ctx, events, count, rcs, &err);
    atomic_fetch_add_explicit(&server->metrics.audit_batches, 1, memory_order_relaxed);
    job = first;
    for (size_t i = 0; i < count; i++) {
        tby_server__audit_job *next = job->next; /* job may be freed once done ran */
        if (rcs[i])
            tby_server__audit_failed(server, job->response, rcs[i], &err);
        else
            atomic_fetch_add_explicit(&server->metrics.audit_events, 1, memory_order_relaxed);
        job->done(job);
        job = next;
    }
}

static void *batch_main(void *arg)
{
    tby_server *server = arg;
    tby_server__audit_batcher *b = &server->audit_batcher;
    pthread_mutex_lock(&b->lock);
    for (;;) {
        while (!b->head && !b->is_stopping)
            pthread_cond_wait(&b->wake, &b->lock);
        if (!b->head)
            break; /* stopping, and everything written */
        if (!b->is_stopping && tby_server__now_ns() - b->last_write_ns < BUSY_NS) {
            pthread_mutex_unlock(&b->lock);
            struct timespec linger = {0, LINGER_NS};
            nanosleep(&linger, NULL);
            pthread_mutex_lock(&b->lock);
        }
        tby_server__audit_job *first = b->head, *last = first;
        size_t count = 1;
        while (last->next && count < BATCH_MAX) {
            last = last->next;
            count++;
        }
        b->head = last->next;
        if (!b->head)
            b->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&b->lock);
        batch_write(server, first, count);
        pthread_mutex_lock(&b->lock);
        b->last_write_ns = tby_server__now_ns();
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

int tby_server__audit_batch_start(tby_server *server, tby_error *err)
{
    tby_server__audit_batcher *b = &server->audit_batcher;
    if (!server->auth.audit_batch || b->is_running)
        return TBY_OK;
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->wake, NULL);
    b->head = b->tail = NULL;
    b->is_stopping = false;
    if (pthread_create(&b->thread, NULL, batch_main, server)) {
        pthread_cond_destroy(&b->wake);
        pthread_mutex_destroy(&b->lock);
        return tby__error(err, TBY_ENOMEM, -1, "cannot start the audit thread");
    }
    b->is_running = true;
    return TBY_OK;
}

void tby_server__audit_batch_stop(tby_server *server)
{
    tby_server__audit_batcher *b = &server->audit_batcher;
    if (!b->is_running || b->is_stopping)
        return;
    pthread_mutex_lock(&b->lock);
    b->is_stopping = true;
    pthread_cond_signal(&b->wake);
    pthread_mutex_unlock(&b->lock);
    pthread_join(b->thread, NULL);
    /* is_running stays set and the lock alive: worker threads may still submit (and be
       refused) until libmicrohttpd has stopped them; tby_server__audit_batch_dispose ends. */
}

void tby_server__audit_batch_dispose(tby_server *server)
{
    tby_server__audit_batcher *b = &server->audit_batcher;
    if (!b->is_running)
        return;
    pthread_cond_destroy(&b->wake);
    pthread_mutex_destroy(&b->lock);
    b->is_running = false;
}

bool tby_server__audit_batch_is_running(const tby_server *server)
{
    return server->audit_batcher.is_running;
}

bool tby_server__audit_submit(tby_server *server, tby_server__request *request,
                              tby_server__audit_job *job)
{
    tby_server__audit_batcher *b = &server->audit_batcher;
    if (!b->is_running)
        return false;
    tby_server__audit_event(request, job->response->status, &job->event, job->path);
    job->next = NULL;
    pthread_mutex_lock(&b->lock);
    bool is_taken = !b->is_stopping;
    if (is_taken) {
        request->is_audit_pending = false; /* the batcher's now (not after the unlock: by
                                              then the request may be answered and freed) */
        /* Only the first job of a batch wakes the batcher: it takes the rest with it. */
        if (b->tail) {
            b->tail->next = job;
        } else {
            b->head = job;
            pthread_cond_signal(&b->wake);
        }
        b->tail = job;
    }
    pthread_mutex_unlock(&b->lock);
    return is_taken;
}
