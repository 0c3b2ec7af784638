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

static void test_audit_batch__answers_after_commit(void)
{
    tby_error err;
    tby_record_set *list = NULL;
    tby_screener *screener = NULL;
    tby_server *server = NULL;
    tby_reader_options ro = TBY_READER_OPTIONS_INIT;
    batch_auth auth;
    memset(&auth, 0, sizeof(auth));
    pthread_mutex_init(&auth.lock, NULL);
    pthread_cond_init(&auth.changed, NULL);
    auth.is_holding = true;
    tby_server_auth provider = {.authenticate = batch_authenticate,
                                .audit = batch_audit_one,
                                .audit_batch = batch_audit,
                                .ctx = &auth};
    tby_server_options opts = {0};
    opts.threads = 2;
    TEST_INT_EQ(tby_record_set_load_file(&list, "examples/watchlist.csv", &ro, &err), 0);
    TEST_INT_EQ(tby_screener_new(&screener, list, &err), 0);
    TEST_INT_EQ(tby_screener_fit(screener, NULL, &err), 0);
    opts.list_entries = tby_record_set_count(list);
    TEST_INT_EQ(tby_server_new(&server, &opts, screener, &provider, &err), 0);
    TEST_INT_EQ(tby_server_start(server, &err), 0);
    TEST_CHECK(tby_server__audit_batch_is_running(server));

    int fds[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        char id[16];
        snprintf(id, sizeof(id), i == 3 ? "FAIL-%d" : "R-%d", i);
        fds[i] = connect_to(tby_server_port(server));
        TEST_CHECK(fds[i] >= 0 && send_screening(fds[i], id));
    }
    /* The first batch is being written (and held): none of its requests may be answered. */
    /* Bounded, so that a server that never batches fails here instead of hanging. */
    pthread_mutex_lock(&auth.lock);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 30;
    while (auth.batches == 0 && pthread_cond_timedwait(&auth.changed, &auth.lock, &deadline) == 0) {
    }
    int batches = auth.batches;
    pthread_mutex_unlock(&auth.lock);
    TEST_CHECK(batches > 0);
    struct pollfd polls[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        polls[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    TEST_INT_EQ(poll(polls, CLIENTS, 300), 0);

    pthread_mutex_lock(&auth.lock);
    auth.is_holding = false;
    pthread_cond_broadcast(&auth.changed);
    pthread_mutex_unlock(&auth.lock);
    int ok = 0;
    for (int i = 0; i < CLIENTS; i++) {
        char body[4096];
        int status = read_response(fds[i], body, sizeof(body));
        if (i == 3) {
            TEST_INT_EQ(status, 503);
            TEST_CHECK(strstr(body, "audit_unavailable") != NULL);
            TEST_CHECK(strstr(body, "alerts") == NULL); /* nothing of the screening */
        } else {
            TEST_INT_EQ(status, 200);
            TEST_CHECK(strstr(body, "\"alerts\"") != NULL);
            ok += status == 200;
        }
        close(fds[i]);
    }
    tby_server_stop(server);
    TEST_INT_EQ(auth.recorded, ok);
    TEST_INT_EQ(auth.failed, 1);
    for (int i = 0; i < auth.recorded && i < CLIENTS; i++)
        TEST_CHECK(strncmp(auth.subjects[i], "record R-", 9) == 0);
    tby_server_free(server);
    tby_screener_free(screener);
    tby_record_set_free(list);
    pthread_cond_destroy(&auth.changed);
    pthread_mutex_destroy(&auth.lock);
}

TEST_LIST = {
    TEST(test_audit_batch__answers_after_commit),
    TEST_END,
};

TEST_MAIN()
