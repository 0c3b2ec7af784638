// SPDX-License-Identifier: Apache-2.0
// The audit's group commit (src/server/audit_batch.c) over real HTTP on 127.0.0.1: with an
// auth provider that has audit_batch, no screening answer leaves before the batch holding its
// entry has returned, an entry that fails turns only its own answer into 503
// audit_unavailable, and every 200 has its entry.
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/test.h"
#include "server/server_int.h"

#define CLIENTS 8

typedef struct batch_auth {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool is_holding; /* audit_batch waits while set */
    int batches;     /* audit_batch calls entered */
    int recorded;    /* entries recorded */
    int failed;      /* entries refused */
    char subjects[CLIENTS][64];
} batch_auth;

static int batch_authenticate(void *ctx, const tby_server_credential *credential,
                              tby_server_principal *out, tby_error *err)
{
    (void)ctx;
    (void)err;
    if (credential->len != 11 || memcmp(credential->value, "tok-analyst", 11) != 0)
        return TBY_ENOTFOUND;
    memset(out, 0, sizeof(*out));
    out->role = TBY_ROLE_ANALYST;
    out->all_sites = true;
    snprintf(out->user, sizeof(out->user), "analyst");
    return 0;
}

static int batch_audit_one(void *ctx, const tby_server_audit_event *event, tby_error *err)
{
    batch_auth *auth = ctx;
    if (event->subject && strstr(event->subject, "FAIL"))
        return tby__error(err, TBY_EIO, -1, "disk full");
    pthread_mutex_lock(&auth->lock);
    if (auth->recorded < CLIENTS)
        snprintf(auth->subjects[auth->recorded], sizeof(auth->subjects[0]), "%s",
                 event->subject ? event->subject : "");
    auth->recorded++;
    pthread_mutex_unlock(&auth->lock);
    return 0;
}

static void batch_audit(void *ctx, const tby_server_audit_event *events, size_t count, int *rcs,
                        tby_error *err)
{
    batch_auth *auth = ctx;
    pthread_mutex_lock(&auth->lock);
    auth->batches++;
    pthread_cond_broadcast(&auth->changed);
    while (auth->is_holding)
        pthread_cond_wait(&auth->changed, &auth->lock);
    pthread_mutex_unlock(&auth->lock);
    for (size_t i = 0; i < count; i++) {
        rcs[i] = batch_audit_one(ctx, &events[i], err);
        if (rcs[i]) {
            pthread_mutex_lock(&auth->lock);
            auth->failed++;
            pthread_mutex_unlock(&auth->lock);
        }
    }
}

static int connect_to(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool send_screening(int fd, const char *id)
{
    char body[256], request[1024];
    int body_len = snprintf(body, sizeof(body),
                            "{\"record\": {\"id\": \"%s\", \"name\": \"Ahmed Jassim Mohamed\"}, "
                            "\"purpose\": \"test\"}",
                            id);
    int len = snprintf(request, sizeof(request),
                       "POST /v1/screen HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Authorization: Bearer tok-analyst\r\nContent-Type: application/json\r\n"
                       "Content-Length: %d\r\n\r\n%s",
                       body_len, body);
    return send(fd, request, (size_t)len, 0) == len;
}

/* Reads one whole response (headers and Content-Length bytes of body); the status or -1. */
static int read_response(int fd, char *body_out, size_t body_size)
{
    char buf[65536];
    size_t used = 0;
    for (;;) {
        ssize_t got = recv(fd, buf + used, sizeof(buf) - 1 - used, 0);
        if (got <= 0)
            return -1;
        used += (size_t)got;
        buf[used] = '\0';
        const char *end = strstr(buf, "\r\n\r\n");
        const char *length = strstr(buf, "Content-Length: ");
        if (!end || !length)
            continue;
        size_t want = (size_t)(end + 4 - buf) + strtoul(length + 16, NULL, 10);
        if (used < want)
            continue;
        snprintf(body_out, body_size, "%s", end + 4);
        return (int)strtol(buf + 9, NULL, 10);
    }
}

typedef struct fixture {
    tby_record_set *list;
    tby_screener *screener;
    tby_server *server;
    batch_auth auth;
    int fds[CLIENTS];
} fixture;

/* A started server whose audit batches are held until release(); CLIENTS screenings sent,
   the one of client 3 with an entry that fails. */
static bool fixture_open(fixture *f)
{
    memset(f, 0, sizeof(*f));
    tby_error err;
    tby_reader_options ro = TBY_READER_OPTIONS_INIT;
    pthread_mutex_init(&f->auth.lock, NULL);
    pthread_cond_init(&f->auth.changed, NULL);
    f->auth.is_holding = true;
    tby_server_auth provider = {.authenticate = batch_authenticate,
                                .audit = batch_audit_one,
                                .audit_batch = batch_audit,
                                .ctx = &f->auth};
    tby_server_options opts = {0};
    opts.threads = 2;
    if (tby_record_set_load_file(&f->list, "examples/watchlist.csv", &ro, &err) ||
        tby_screener_new(&f->screener, f->list, &err) || tby_screener_fit(f->screener, NULL, &err))
        return false;
    opts.list_entries = tby_record_set_count(f->list);
    if (tby_server_new(&f->server, &opts, f->screener, &provider, &err) ||
        tby_server_start(f->server, &err))
        return false;
    for (int i = 0; i < CLIENTS; i++) {
        char id[16];
        snprintf(id, sizeof(id), i == 3 ? "FAIL-%d" : "R-%d", i);
        f->fds[i] = connect_to(tby_server_port(f->server));
        if (f->fds[i] < 0 || !send_screening(f->fds[i], id))
            return false;
    }
    return true;
}

static void fixture_close(fixture *f)
{
    for (int i = 0; i < CLIENTS; i++) {
        if (f->fds[i] > 0)
            close(f->fds[i]);
    }
    tby_server_free(f->server);
    tby_screener_free(f->screener);
    tby_record_set_free(f->list);
    pthread_cond_destroy(&f->auth.changed);
    pthread_mutex_destroy(&f->auth.lock);
}

/* Waits (30 s at most, so that a server that never batches fails instead of hanging) until
   the first batch is being written; true when it is. */
static bool wait_batch(fixture *f)
{
    pthread_mutex_lock(&f->auth.lock);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 30;
    while (f->auth.batches == 0 &&
           pthread_cond_timedwait(&f->auth.changed, &f->auth.lock, &deadline) == 0) {
    }
    int batches = f->auth.batches;
    pthread_mutex_unlock(&f->auth.lock);
    return batches > 0;
}

static void release(fixture *f)
{
    pthread_mutex_lock(&f->auth.lock);
    f->auth.is_holding = false;
    pthread_cond_broadcast(&f->auth.changed);
    pthread_mutex_unlock(&f->auth.lock);
}

static void test_audit_batch__answers_after_commit(void)
{
    fixture f;
    if (!fixture_open(&f)) {
        TEST_CHECK(!"fixture");
        fixture_close(&f);
        return;
    }
    TEST_CHECK(tby_server__audit_batch_is_running(f.server));
    /* The first batch is being written (and held): none of its requests may be answered. */
    TEST_CHECK(wait_batch(&f));
    struct pollfd polls[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        polls[i] = (struct pollfd){.fd = f.fds[i], .events = POLLIN};
    TEST_INT_EQ(poll(polls, CLIENTS, 300), 0);

    release(&f);
    int ok = 0;
    for (int i = 0; i < CLIENTS; i++) {
        char body[4096];
        int status = read_response(f.fds[i], body, sizeof(body));
        if (i == 3) {
            TEST_INT_EQ(status, 503);
            TEST_CHECK(strstr(body, "audit_unavailable") != NULL);
            TEST_CHECK(strstr(body, "alerts") == NULL); /* nothing of the screening */
        } else {
            TEST_INT_EQ(status, 200);
            TEST_CHECK(strstr(body, "\"alerts\"") != NULL);
            ok += status == 200;
        }
    }
    tby_server_stop(f.server);
    TEST_INT_EQ(f.auth.recorded, ok);
    TEST_INT_EQ(f.auth.failed, 1);
    for (int i = 0; i < f.auth.recorded && i < CLIENTS; i++)
        TEST_CHECK(strncmp(f.auth.subjects[i], "record R-", 9) == 0);
    fixture_close(&f);
}

static void *stop_server(void *arg)
{
    tby_server_stop(arg);
    return NULL;
}

/* A server stopped while entries wait writes them all before it stops (libmicrohttpd must
   not find a connection suspended), and an answer it sends is one whose entry was written. */
static void test_audit_batch__stop_drains(void)
{
    fixture f;
    if (!fixture_open(&f)) {
        TEST_CHECK(!"fixture");
        fixture_close(&f);
        return;
    }
    TEST_CHECK(wait_batch(&f));
    pthread_t stopper;
    TEST_INT_EQ(pthread_create(&stopper, NULL, stop_server, f.server), 0);
    release(&f);
    pthread_join(stopper, NULL);
    /* The held batch was written, and every answer that left has its entry (requests the
       daemon had not read when it stopped were never screened, and get no answer). */
    TEST_CHECK(f.auth.recorded + f.auth.failed >= 1);
    TEST_CHECK(f.auth.failed <= 1);
    int ok = 0;
    for (int i = 0; i < CLIENTS; i++) {
        char body[4096];
        int status = read_response(f.fds[i], body, sizeof(body));
        TEST_CHECK(status == -1 || status == (i == 3 ? 503 : 200));
        ok += status == 200;
    }
    TEST_CHECK(ok <= f.auth.recorded);
    fixture_close(&f);
}

TEST_LIST = {
    TEST(test_audit_batch__answers_after_commit),
    TEST(test_audit_batch__stop_drains),
    TEST_END,
};

TEST_MAIN()
