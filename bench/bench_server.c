// SPDX-License-Identifier: Apache-2.0
// Load generator for `tabayyun serve` (bench/server_load.sh runs it): N keep-alive
// connections on loopback, each with one request in flight (a closed loop: a new request as
// soon as the previous answer is in), driven by one epoll thread so that it takes as little
// of the machine's CPU from the server as it can. It records every latency and prints
// requests/s, p50/p90/p99/max, errors by kind, and the server's resident memory at start and
// end (VmRSS in /proc/PID/status).
//
// Bounded: it stops after --duration seconds or --max-requests answers, whichever is first,
// and talks only to the address it is given (refusing anything outside 127.0.0.0/8 and ::1).
//
// Usage: bench_server --port N --token T --bodies FILE [--connections 32] [--duration 20]
//                     [--max-requests 10000000] [--pid SERVER_PID] [--host 127.0.0.1]
//        FILE holds one JSON request body per line (POST /v1/screen), used round-robin.
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RESPONSE_MAX (4u << 20) /* a response larger than this is an error */

typedef struct conn {
    int fd;
    char *request;      /* the request being sent */
    size_t request_len; /* bytes of request */
    size_t sent;        /* bytes of request written */
    char *in;           /* response bytes so far */
    size_t in_len, in_cap;
    double started; /* when the request was first written */
    bool is_busy;   /* a request is in flight */
} conn;

typedef struct bench {
    struct sockaddr_in addr;
    const char *token;
    char **bodies;
    size_t body_count, next_body;
    double *latencies; /* seconds, one per answered request */
    size_t answered, cap;
    size_t status_errors, io_errors, reconnects;
    size_t status_counts[6]; /* by hundreds: 1xx..5xx, [0] other */
} bench;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long rss_kib(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kib = -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    }
    fclose(f);
    return kib;
}

/* The process's CPU time so far (user and system, /proc/PID/stat), in seconds; -1 if unknown. */
static double cpu_seconds(long pid, double *user, double *sys)
{
    char path[64], line[4096];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t len = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[len] = '\0';
    /* The command name may hold spaces: the fields after it start past the last ')'. */
    const char *p = strrchr(line, ')');
    if (!p)
        return -1;
    unsigned long utime = 0, stime = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return -1;
    double tick = (double)sysconf(_SC_CLK_TCK);
    *user = (double)utime / tick;
    *sys = (double)stime / tick;
    return *user + *sys;
}

static int conn_open(const bench *b, conn *c, int epoll_fd)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0)
        return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, (const struct sockaddr *)&b->addr, sizeof(b->addr)) &&
        errno != EINPROGRESS) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void conn_close(conn *c, int epoll_fd)
{
    if (c->fd >= 0) {
        epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
}

static void conn_next_request(bench *b, conn *c)
{
    const char *body = b->bodies[b->next_body++ % b->body_count];
    size_t body_len = strlen(body);
    size_t cap = body_len + 512;
    char *request = realloc(c->request, cap);
    if (!request) {
        perror("bench_server");
        exit(1);
    }
    c->request = request;
    int n = snprintf(request, cap,
                     "POST /v1/screen HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     b->token, body_len, body);
    c->request_len = (size_t)n;
    c->sent = 0;
    c->in_len = 0;
    c->is_busy = true;
    c->started = now();
}

/* Returns 1 when a whole response is in c->in (status in *status), 0 when more is needed,
 * -1 when it is malformed. */
static int response_complete(const conn *c, int *status, bool *is_close)
{
    const char *end = NULL;
    for (size_t i = 3; i < c->in_len && !end; i++) {
        if (memcmp(c->in + i - 3, "\r\n\r\n", 4) == 0)
            end = c->in + i + 1;
    }
    if (!end)
        return 0;
    if (c->in_len < 12 || memcmp(c->in, "HTTP/1.", 7) != 0)
        return -1;
    *status = atoi(c->in + 9);
    long length = -1;
    *is_close = false;
    for (const char *p = c->in; p < end; p++) {
        if (*p != '\n')
            continue;
        if (strncasecmp(p + 1, "Content-Length:", 15) == 0)
            length = strtol(p + 16, NULL, 10);
        if (strncasecmp(p + 1, "Connection: close", 17) == 0)
            *is_close = true;
    }
    if (length < 0)
        return -1;
    return (size_t)(end - c->in) + (size_t)length <= c->in_len ? 1 : 0;
}

static void record(bench *b, conn *c, int status)
{
    if (b->answered < b->cap)
        b->latencies[b->answered] = now() - c->started;
    b->answered++;
    b->status_counts[status >= 100 && status < 600 ? status / 100 : 0]++;
    if (status != 200)
        b->status_errors++;
    c->is_busy = false;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static char **read_bodies(const char *path, size_t *count)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    size_t cap = 1024;
    char **bodies = malloc(cap * sizeof(*bodies));
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t n;
    *count = 0;
    while ((n = getline(&line, &line_cap, f)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!n)
            continue;
        if (*count == cap) {
            cap *= 2;
            bodies = realloc(bodies, cap * sizeof(*bodies));
        }
        bodies[(*count)++] = strdup(line);
    }
    free(line);
    fclose(f);
    if (!*count) {
        fprintf(stderr, "bench_server: %s has no request bodies\n", path);
        exit(1);
    }
    return bodies;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *token = NULL, *bodies_path = NULL;
    long port = 0, connections = 32, pid = 0;
    double duration = 20;
    size_t max_requests = 10000000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--host"))
            host = argv[i + 1];
        else if (!strcmp(argv[i], "--port"))
            port = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--token"))
            token = argv[i + 1];
        else if (!strcmp(argv[i], "--bodies"))
            bodies_path = argv[i + 1];
        else if (!strcmp(argv[i], "--connections"))
            connections = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--duration"))
            duration = strtod(argv[i + 1], NULL);
        else if (!strcmp(argv[i], "--max-requests"))
            max_requests = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--pid"))
            pid = strtol(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "bench_server: unknown option %s\n", argv[i]);
            return 1;
        }
    }
    if (!port || !token || !bodies_path || connections < 1 || connections > 4096 || duration <= 0 ||
        duration > 3600) {
        fprintf(stderr, "usage: bench_server --port N --token T --bodies FILE [--connections C]"
                        " [--duration S] [--max-requests N] [--pid PID] [--host 127.0.0.1]\n");
        return 1;
    }
    bench b;
    memset(&b, 0, sizeof(b));
    b.addr.sin_family = AF_INET;
    b.addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &b.addr.sin_addr) != 1 ||
        (ntohl(b.addr.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "bench_server: --host must be a loopback IPv4 address (127.x.x.x)\n");
        return 1;
    }
    b.token = token;
    b.bodies = read_bodies(bodies_path, &b.body_count);
    b.cap = max_requests < 50000000 ? max_requests : 50000000;
    b.latencies = malloc(b.cap * sizeof(double));
    conn *conns = calloc((size_t)connections, sizeof(conn));
    int epoll_fd = epoll_create1(0);
    if (!b.latencies || !conns || epoll_fd < 0) {
        perror("bench_server");
        return 1;
    }
    long rss_start = pid ? rss_kib(pid) : -1;
    double user_start = 0, sys_start = 0, user_end = 0, sys_end = 0;
    bool has_cpu = pid && cpu_seconds(pid, &user_start, &sys_start) >= 0;
    for (long i = 0; i < connections; i++) {
        conns[i].fd = -1;
        if (conn_open(&b, &conns[i], epoll_fd)) {
            perror("bench_server: connect");
            return 1;
        }
        conn_next_request(&b, &conns[i]);
    }
    double t0 = now(), deadline = t0 + duration;
    struct epoll_event events[256];
    while (now() < deadline && b.answered < max_requests) {
        int n = epoll_wait(epoll_fd, events, 256, 100);
        for (int e = 0; e < n; e++) {
            conn *c = events[e].data.ptr;
            if (c->fd < 0)
                continue;
            bool failed =
                (events[e].events & (EPOLLERR | EPOLLHUP)) && !(events[e].events & EPOLLIN);
            if (!failed && (events[e].events & EPOLLOUT) && c->sent < c->request_len) {
                ssize_t w =
                    send(c->fd, c->request + c->sent, c->request_len - c->sent, MSG_NOSIGNAL);
                if (w > 0)
                    c->sent += (size_t)w;
                else if (w < 0 && errno != EAGAIN)
                    failed = true;
                if (c->sent == c->request_len) {
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
                }
            }
            if (!failed && (events[e].events & EPOLLIN)) {
                for (;;) {
                    if (c->in_cap - c->in_len < 65536) {
                        c->in_cap = c->in_cap ? c->in_cap * 2 : 131072;
                        c->in = realloc(c->in, c->in_cap);
                    }
                    ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
                    if (r > 0) {
                        c->in_len += (size_t)r;
                        continue;
                    }
                    if (r == 0 || errno != EAGAIN)
                        failed = true;
                    break;
                }
                int status = 0;
                bool is_close = false;
                int done = c->in_len ? response_complete(c, &status, &is_close) : 0;
                if (done < 0 || c->in_len > RESPONSE_MAX) {
                    failed = true;
                } else if (done == 1) {
                    record(&b, c, status);
                    failed = false;
                    if (is_close) {
                        conn_close(c, epoll_fd);
                        b.reconnects++;
                        if (conn_open(&b, c, epoll_fd))
                            continue;
                    } else {
                        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
                        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
                    }
                    conn_next_request(&b, c);
                    continue;
                }
            }
            if (failed) {
                if (c->is_busy)
                    b.io_errors++;
                conn_close(c, epoll_fd);
                b.reconnects++;
                if (conn_open(&b, c, epoll_fd) == 0)
                    conn_next_request(&b, c);
            }
        }
    }
    double elapsed = now() - t0;
    long rss_end = pid ? rss_kib(pid) : -1;
    has_cpu = has_cpu && cpu_seconds(pid, &user_end, &sys_end) >= 0;
    size_t kept = b.answered < b.cap ? b.answered : b.cap;
    qsort(b.latencies, kept, sizeof(double), cmp_double);
#define PCT(p) (kept ? b.latencies[(size_t)((double)(kept - 1) * (p))] * 1e3 : 0.0)
    printf("connections        %ld\n", connections);
    printf("duration           %.1f s\n", elapsed);
    printf("requests answered  %zu\n", b.answered);
    printf("requests/s         %.0f\n", (double)b.answered / elapsed);
    printf("latency ms         p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", PCT(0.50), PCT(0.90),
           PCT(0.99), PCT(1.0));
    printf("status             2xx %zu  4xx %zu  5xx %zu  other %zu\n", b.status_counts[2],
           b.status_counts[4], b.status_counts[5],
           b.status_counts[0] + b.status_counts[1] + b.status_counts[3]);
    printf("errors             %zu (non-200 %zu, connection %zu; reconnects %zu)\n",
           b.status_errors + b.io_errors, b.status_errors, b.io_errors, b.reconnects);
    if (pid)
        printf("server RSS         start %ld KiB, end %ld KiB\n", rss_start, rss_end);
    if (has_cpu && b.answered)
        printf("server CPU         %.1f us per request (user %.1f, system %.1f); %.2f cores\n",
               (user_end - user_start + sys_end - sys_start) / (double)b.answered * 1e6,
               (user_end - user_start) / (double)b.answered * 1e6,
               (sys_end - sys_start) / (double)b.answered * 1e6,
               (user_end - user_start + sys_end - sys_start) / elapsed);
    printf("RESULT rps=%.0f p50_ms=%.3f p99_ms=%.3f errors=%zu rss_start_kib=%ld "
           "rss_end_kib=%ld\n",
           (double)b.answered / elapsed, PCT(0.50), PCT(0.99), b.status_errors + b.io_errors,
           rss_start, rss_end);
    for (long i = 0; i < connections; i++) {
        conn_close(&conns[i], epoll_fd);
        free(conns[i].request);
        free(conns[i].in);
    }
    for (size_t i = 0; i < b.body_count; i++)
        free(b.bodies[i]);
    free(b.bodies);
    free(b.latencies);
    free(conns);
    close(epoll_fd);
    return b.status_errors + b.io_errors ? 2 : 0;
}
