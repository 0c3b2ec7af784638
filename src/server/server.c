// SPDX-License-Identifier: Apache-2.0
// The server's life and its HTTP glue on libmicrohttpd. Everything a request decides is in
// dispatch.c; this file only moves bytes between libmicrohttpd and those phases:
//
//   access handler, 1st call (headers)  -> tby_server__begin     -> queue early answer?
//   access handler, body chunks         -> tby_server__body_append -> queue early answer?
//   access handler, last call           -> tby_server__finish    -> queue the answer
//   completion callback                 -> tby_server__record (metrics), free the request
//
// Threads: libmicrohttpd's internal thread pool, one epoll loop per thread; a connection
// stays on the thread that accepted it. The screener is shared read-only; each thread gets
// its own tby_screen_worker (scratch memory) on its first screening, found again through a
// pthread key, and all of them are freed with the server.
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/server_int.h"

struct tby_server__worker_slot {
    tby_screen_worker *worker; /* for list */
    tby_server__list *list;    /* the list the worker screens against (a reference) */
    tby_server__worker_slot *next;
};

/* ===== The list ===== */

static void list_free(tby_server__list *list)
{
    tby_screener_free(list->owned_screener);
    tby_record_set_free(list->owned_set);
    tby__free(list);
}

tby_server__list *tby_server__list_acquire(tby_server *server)
{
    pthread_mutex_lock(&server->list_lock);
    tby_server__list *list = server->list;
    if (list)
        atomic_fetch_add_explicit(&list->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&server->list_lock);
    return list;
}

void tby_server__list_release(tby_server__list *list)
{
    if (list && atomic_fetch_sub_explicit(&list->refs, 1, memory_order_acq_rel) == 1)
        list_free(list);
}

/* Makes the server's list: the screener borrowed (owned_* NULL) or owned. */
static tby_server__list *list_new(const tby_screener *screener, tby_screener *owned_screener,
                                  tby_record_set *owned_set, size_t entries, const char *name)
{
    tby_server__list *list = tby__calloc(1, sizeof(*list));
    if (!list)
        return NULL;
    atomic_init(&list->refs, 1);
    list->screener = screener;
    list->owned_screener = owned_screener;
    list->owned_set = owned_set;
    list->entries = entries;
    snprintf(list->name, sizeof(list->name), "%s", name ? name : "");
    return list;
}

int tby_server_replace_list(tby_server *server, tby_record_set *set, tby_screener *screener,
                            const char *name, tby_error *err)
{
    tby_server__list *list =
        list_new(screener, screener, set, set ? tby_record_set_count(set) : 0, name);
    if (!list) {
        tby_screener_free(screener);
        tby_record_set_free(set);
        return tby__error(err, TBY_ENOMEM, -1, "out of memory");
    }
    pthread_mutex_lock(&server->list_lock);
    tby_server__list *old = server->list;
    server->list = list;
    pthread_mutex_unlock(&server->list_lock);
    tby_server__list_release(old);
    return TBY_OK;
}

/* Reads a whole small file (a PEM key or certificate) into a NUL-terminated string. */
static int read_text_file(const char *path, char **out, tby_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return tby__error(err, TBY_ENOTFOUND, -1, "cannot open %s", path);
    tby_buf buf = TBY_BUF_INIT(1024 * 1024);
    char chunk[4096];
    size_t got;
    int rc = 0;
    while (!rc && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = tby__buf_put(&buf, chunk, got);
    bool is_error = ferror(f);
    fclose(f);
    if (!rc && !is_error)
        rc = tby__buf_putc(&buf, '\0');
    if (rc || is_error) {
        tby__buf_dispose(&buf);
        return tby__error(err, is_error ? TBY_EIO : rc, -1, "cannot read %s", path);
    }
    *out = tby__buf_detach(&buf);
    return TBY_OK;
}

/* ===== Life ===== */

/* Frees a server that tby_server_new did not finish making (no threads, no key yet). */
static void server_discard(tby_server *server)
{
    if (!server)
        return;
    tby_server__list_release(server->list);
    pthread_mutex_destroy(&server->list_lock);
    pthread_mutex_destroy(&server->redress_lock);
    tby__free(server->tls_cert_pem);
    if (server->tls_key_pem)
        sodium_memzero(server->tls_key_pem, strlen(server->tls_key_pem));
    tby__free(server->tls_key_pem);
    tby__free(server);
}

int tby_server_new(tby_server **out, const tby_server_options *opts, const tby_screener *screener,
                   const tby_server_auth *auth, tby_error *err)
{
    *out = NULL;
    tby_server *server = NULL;
    int rc;
    if (!opts || !auth) {
        rc = tby__error(err, TBY_EINVALID, -1, "a server needs options and an auth provider");
        goto fail;
    }
    if (tby_server__route_count > TBY_SERVER__ROUTE_MAX) {
        rc = tby__error(err, TBY_ERROR, -1, "more routes than TBY_SERVER__ROUTE_MAX");
        goto fail;
    }
    if (opts->threshold < 0.0 || opts->threshold > 1.0) {
        rc = tby__error(err, TBY_EINVALID, -1, "threshold must be in [0, 1], not %g",
                        opts->threshold);
        goto fail;
    }
    if ((opts->tls_cert != NULL) != (opts->tls_key != NULL)) {
        rc = tby__error(err, TBY_EINVALID, -1, "TLS needs both a certificate and a key");
        goto fail;
    }
    server = tby__calloc(1, sizeof(*server));
    if (!server) {
        rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
        goto fail;
    }
    pthread_mutex_init(&server->list_lock, NULL);
    pthread_mutex_init(&server->redress_lock, NULL);
    server->opts = *opts;
    snprintf(server->bind, sizeof(server->bind), "%s", opts->bind ? opts->bind : "127.0.0.1");
    server->opts.bind = server->bind;
    server->opts.list_name = NULL; /* kept in the list */
    server->opts.tls_cert = server->opts.tls_key = NULL;
    if (screener) {
        server->list = list_new(screener, NULL, NULL, opts->list_entries, opts->list_name);
        if (!server->list) {
            rc = tby__error(err, TBY_ENOMEM, -1, "out of memory");
            goto fail;
        }
    }
    if (opts->tls_cert && ((rc = read_text_file(opts->tls_cert, &server->tls_cert_pem, err)) ||
                           (rc = read_text_file(opts->tls_key, &server->tls_key_pem, err))))
        goto fail;
    if (!server->opts.threads) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        server->opts.threads = cores > 0 ? (unsigned)cores : 1;
    }
    if (!server->opts.max_body_bytes)
        server->opts.max_body_bytes = TBY_SERVER_MAX_BODY_BYTES;
    if (!server->opts.max_json_depth)
        server->opts.max_json_depth = TBY_SERVER_MAX_JSON_DEPTH;
    if (!server->opts.timeout_seconds)
        server->opts.timeout_seconds = 10;
    if (!server->opts.max_connections)
        server->opts.max_connections = 1024;
    if (!server->opts.max_upload_bytes)
        server->opts.max_upload_bytes = 64u * 1024u * 1024u;
    if (server->opts.threshold == 0.0)
        server->opts.threshold = TBY_SCREEN_DEFAULT_THRESHOLD;
    tby_screen_options screen_opts = TBY_SCREEN_OPTIONS_INIT;
    screen_opts.threshold = server->opts.threshold;
    server->screen_opts = screen_opts;
    server->auth = *auth;
    server->started_ns = tby_server__now_ns();
    if (pthread_key_create(&server->worker_key, NULL)) {
        rc = tby__error(err, TBY_ENOMEM, -1, "out of thread keys");
        goto fail;
    }
    pthread_mutex_init(&server->worker_lock, NULL);
    *out = server;
    return 0;
fail:
    server_discard(server);
    if (auth && auth->free)
        auth->free(auth->ctx);
    return rc;
}

void tby_server_free(tby_server *server)
{
    if (!server)
        return;
    tby_server_stop(server);
    for (tby_server__worker_slot *w = server->workers, *next; w; w = next) {
        next = w->next;
        tby_screen_worker_free(w->worker);
        tby_server__list_release(w->list);
        tby__free(w);
    }
    pthread_key_delete(server->worker_key);
    pthread_mutex_destroy(&server->worker_lock);
    tby_server__list_release(server->list);
    pthread_mutex_destroy(&server->list_lock);
    pthread_mutex_destroy(&server->redress_lock);
    if (server->auth.free)
        server->auth.free(server->auth.ctx);
    if (server->tls_key_pem)
        sodium_memzero(server->tls_key_pem, strlen(server->tls_key_pem));
    tby__free(server->tls_key_pem);
    tby__free(server->tls_cert_pem);
    tby__free(server);
}

tby_screen_worker *tby_server__worker(tby_server *server, tby_server__list *list)
{
    tby_server__worker_slot *w = pthread_getspecific(server->worker_key);
    if (w && w->list == list)
        return w->worker;
    tby_screen_worker *worker = NULL;
    if (tby_screen_worker_new(&worker, list->screener, &server->screen_opts, NULL))
        return NULL;
    atomic_fetch_add_explicit(&list->refs, 1, memory_order_relaxed);
    if (w) {
        /* The list changed since this thread last screened: the old worker and its list go. */
        tby_screen_worker_free(w->worker);
        tby_server__list_release(w->list);
        w->worker = worker;
        w->list = list;
        return worker;
    }
    w = tby__calloc(1, sizeof(*w));
    if (!w) {
        tby_screen_worker_free(worker);
        tby_server__list_release(list);
        return NULL;
    }
    w->worker = worker;
    w->list = list;
    pthread_mutex_lock(&server->worker_lock);
    w->next = server->workers;
    server->workers = w;
    pthread_mutex_unlock(&server->worker_lock);
    /* Once listed the worker is the server's to free, whatever happens to the key. */
    pthread_setspecific(server->worker_key, w);
    return worker;
}

/* ===== HTTP glue ===== */

typedef struct http_request {
    tby_server__request request;
    struct MHD_Connection *connection; /* the request's */
    tby_server_response response;      /* the answer held until its audit entry commits */
    tby_server__audit_job job;         /* that entry, queued to the audit batcher */
    bool is_held;       /* the connection is suspended (or was) for the audit: the next call
                           of the access handler sends `response` */
    bool is_queued;     /* a response is queued: ignore further body bytes */
    int status;         /* the status queued, for the metrics */
    uint64_t discarded; /* body bytes dropped after the answer was decided */
} http_request;

static const char *http_header(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

/* Queues a response (whose body moves to libmicrohttpd) and remembers its status. */
static enum MHD_Result http_queue(struct MHD_Connection *connection, http_request *h,
                                  tby_server_response *response)
{
    struct MHD_Response *r;
    if (response->is_static_body)
        r = MHD_create_response_from_buffer(response->body_len, response->body,
                                            MHD_RESPMEM_PERSISTENT);
    else
        r = MHD_create_response_from_buffer_with_free_callback(response->body_len, response->body,
                                                               tby__free);
    if (!r) {
        tby_server_response_dispose(response);
        return MHD_NO;
    }
    response->body = NULL; /* now owned by libmicrohttpd's response */
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            response->content_type ? response->content_type : "application/json");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (response->is_no_store)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (response->allow[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, response->allow);
    if (response->is_auth_challenge)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"tabayyun\"");
    if (response->is_close)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    if (response->set_cookie[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, response->set_cookie);
    if (response->retry_after) {
        char seconds[16];
        snprintf(seconds, sizeof(seconds), "%u", response->retry_after);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
    }
    enum MHD_Result result = MHD_queue_response(connection, (unsigned)response->status, r);
    MHD_destroy_response(r);
    h->status = response->status;
    h->is_queued = true;
    tby_server_response_dispose(response);
    return result;
}

static const char *http_query(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

/* Leaves the path and the query parameters as sent: dispatch.c and query.c decode them, the
   same way for HTTP and for tby_server_handle. */
static size_t http_unescape(void *cls, struct MHD_Connection *connection, char *s)
{
    (void)cls;
    (void)connection;
    return strlen(s);
}

static int64_t http_content_length(struct MHD_Connection *connection)
{
    const char *value =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!value)
        return -1;
    char *end;
    long long length = strtoll(value, &end, 10);
    return end != value && *end == '\0' && length >= 0 ? (int64_t)length : -1;
}

/* The client's address as text ("127.0.0.1", "::1"). */
static void http_client(struct MHD_Connection *connection, char *out, size_t size)
{
    snprintf(out, size, "unknown");
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *addr = info->client_addr;
    if (addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)addr)->sin_addr, out,
                  (socklen_t)size);
    else if (addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr, out,
                  (socklen_t)size);
}

/* The batcher committed the request's audit entry (or gave up on it, and the response is a
   503 now): the connection is resumed and the access handler sends the response. */
static void http_audit_done(tby_server__audit_job *job)
{
    http_request *h = job->done_ctx;
    MHD_resume_connection(h->connection);
}

/*
 * Sends a finished request's response, or when its audit entry is pending (group commit)
 * suspends the connection until the batcher has committed it, so the thread serves other
 * connections meanwhile and the answer leaves only after the commit.
 */
static enum MHD_Result http_answer(tby_server *server, struct MHD_Connection *connection,
                                   http_request *h)
{
    if (!h->request.is_audit_pending)
        return http_queue(connection, h, &h->response);
    h->job.response = &h->response;
    h->job.done = http_audit_done;
    h->job.done_ctx = h;
    h->is_held = true;
    /* Suspended before it is queued: the batcher may resume it at once. */
    MHD_suspend_connection(connection);
    if (!tby_server__audit_submit(server, &h->request, &h->job)) {
        /* The batcher is stopping: written here, then sent as if resumed by it. */
        tby_server__audit_pending_now(server, &h->request, &h->response);
        MHD_resume_connection(connection);
    }
    return MHD_YES;
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *connection, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
    (void)version;
    tby_server *server = cls;
    http_request *h = *con_cls;
    if (!h) {
        h = tby__calloc(1, sizeof(*h));
        if (!h)
            return MHD_NO;
        tby_server__request_init(&h->request);
        h->connection = connection;
        *con_cls = h;
        http_client(connection, h->request.client, sizeof(h->request.client));
        h->request.query_fn = http_query;
        h->request.query_ctx = connection;
        if (tby_server__begin(server, &h->request, method, url, http_header, connection,
                              http_content_length(connection)))
            return http_queue(connection, h, &h->request.early);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t len = *upload_data_size;
        *upload_data_size = 0;
        if (h->is_queued)
            return MHD_YES;
        if (!tby_server__body_append(server, &h->request, upload_data, len))
            return MHD_YES;
        /*
         * The answer is decided (413, 408) but libmicrohttpd 0.9 queues a response only
         * before the body or after it. So the rest of the body is read and dropped, and the
         * answer goes out at its end, unless the client keeps sending past a bound (16 times
         * the cap, or the time limit) or the answer is a timeout: then the connection is
         * closed without one, which is all a client that will not stop can be told.
         */
        h->discarded += len;
        if (h->request.early.status == 408 || h->discarded > 16 * (uint64_t)h->request.body.cap ||
            tby_server__now_ns() - h->request.start_ns >
                (int64_t)server->opts.timeout_seconds * 1000000000) {
            h->status = h->request.early.status;
            h->is_queued = true; /* counted with the status it would have had */
            return MHD_NO;
        }
        return MHD_YES;
    }
    if (h->is_queued)
        return MHD_YES;
    if (h->is_held) /* resumed: the audit entry is in (or the response is its 503) */
        return http_queue(connection, h, &h->response);
    if (h->request.is_responded)
        return http_queue(connection, h, &h->request.early);
    h->request.is_audit_deferred = tby_server__audit_batch_is_running(server);
    tby_server__finish(server, &h->request, &h->response);
    return http_answer(server, connection, h);
}

static void http_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    (void)connection;
    (void)toe;
    tby_server *server = cls;
    http_request *h = *con_cls;
    if (!h)
        return;
    /* A client that went away before an answer was queued is counted with status 0
     * ("other"): it was served nothing. */
    tby_server__record(server, h->request.route, h->is_queued ? h->status : 0,
                       tby_server__now_ns() - h->request.start_ns);
    tby_server_response_dispose(&h->response);
    tby_server__request_dispose(&h->request);
    tby__free(h);
    *con_cls = NULL;
}

static void http_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void http_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    fprintf(stderr, "tabayyun serve: http: %s\n", line);
}

int tby_server_start(tby_server *server, tby_error *err)
{
    if (server->daemon)
        return 0;
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof(addr));
    /* Suspend and resume: a connection waits for its audit entry's commit (audit_batch.c). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    if (server->tls_cert_pem) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
            return tby__error(err, TBY_EINVALID, -1,
                              "this libmicrohttpd was built without TLS (GnuTLS)");
        flags |= MHD_USE_TLS;
    }
    struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
    if (server->opts.port > 65535)
        return tby__error(err, TBY_EINVALID, -1, "port %u is out of range", server->opts.port);
    if (inet_pton(AF_INET, server->bind, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)server->opts.port);
    } else if (inet_pton(AF_INET6, server->bind, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)server->opts.port);
        flags |= MHD_USE_IPv6;
    } else {
        return tby__error(err, TBY_EINVALID, -1,
                          "bind address \"%.64s\" is not an IPv4 or IPv6 address", server->bind);
    }
    /* A pool of one is no pool: libmicrohttpd wants a size of at least 2. */
    unsigned pool = server->opts.threads > 1 ? server->opts.threads : 0;
    int rc = tby_server__housekeeping_start(server, err);
    if (!rc && (rc = tby_server__screen_runs_start(server, err)))
        tby_server__housekeeping_stop(server);
    if (rc)
        return rc;
    if ((rc = tby_server__audit_batch_start(server, err))) {
        tby_server__screen_runs_stop(server);
        tby_server__housekeeping_stop(server);
        return rc;
    }
    server->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, http_access, server, MHD_OPTION_EXTERNAL_LOGGER, http_log, server,
        MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, http_completed, server,
        MHD_OPTION_CONNECTION_TIMEOUT, server->opts.timeout_seconds, MHD_OPTION_CONNECTION_LIMIT,
        server->opts.max_connections, MHD_OPTION_THREAD_POOL_SIZE, pool,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_UNESCAPE_CALLBACK, http_unescape, NULL,
        /* Only with MHD_USE_TLS; otherwise the list ends here. */
        server->tls_cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, server->tls_cert_pem,
        MHD_OPTION_HTTPS_MEM_KEY, server->tls_key_pem, MHD_OPTION_END);
    if (!server->daemon) {
        tby_server__screen_runs_stop(server);
        tby_server__audit_batch_stop(server);
        tby_server__audit_batch_dispose(server);
        tby_server__housekeeping_stop(server);
        return tby__error(err, TBY_EIO, -1,
                          "cannot listen on %s port %u (in use, or not an address of this "
                          "machine?)",
                          server->bind, server->opts.port);
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    server->port = info ? info->port : server->opts.port;
    server->started_ns = tby_server__now_ns();
    return 0;
}

unsigned tby_server_port(const tby_server *server)
{
    return server->daemon ? server->port : 0;
}

void tby_server_stop(tby_server *server)
{
    if (!server->daemon)
        return;
    /* First the batcher: it commits what is queued and resumes those connections (the
       daemon must have none suspended when it stops); later entries are written by their
       own threads. */
    tby_server__audit_batch_stop(server);
    MHD_stop_daemon(server->daemon);
    tby_server__audit_batch_dispose(server);
    server->daemon = NULL;
    tby_server__screen_runs_stop(server);
    tby_server__housekeeping_stop(server);
}
