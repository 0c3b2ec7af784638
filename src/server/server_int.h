/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interface of src/server: the route table, the request as it moves through the
 * phases, the JSON error helper, request body validation and the metrics. The HTTP glue
 * (http.c) and the in-memory path (tby_server_handle) both drive requests through
 * dispatch.c, so everything but the sockets is tested without them.
 *
 *   headers -> tby_server__begin: route (404/405), credential (401), role (403),
 *              content type (415), declared length (413)
 *   body    -> tby_server__body_append: cap (413), time limit (408)
 *   end     -> tby_server__finish: JSON parse (400), handler (site: 403, fields: 400/422),
 *              audit of personal data (503 if it fails), then metrics at completion
 */
#ifndef TBY_SERVER_INT_H
#define TBY_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "server/server.h"
#include "util/util_int.h"

struct json_t;
struct MHD_Daemon;

/* ===== Routes ===== */

typedef struct tby_server__request tby_server__request;

typedef void (*tby_server__handler)(tby_server *server, tby_server__request *request,
                                    tby_server_response *out);

enum {
    TBY_ROUTE_PUBLIC = 1u << 0,        /* no credential needed (roles must be 0) */
    TBY_ROUTE_JSON_BODY = 1u << 1,     /* takes a JSON object body (Content-Type checked) */
    TBY_ROUTE_PERSONAL_DATA = 1u << 2, /* reads or changes personal data: audited */
    TBY_ROUTE_PURPOSE = 1u << 3,       /* reads personal data: the caller must state a purpose
                                          ("purpose" in the body, or ?purpose= for a GET) */
    TBY_ROUTE_UPLOAD = 1u << 4,        /* a large body (a list file): max_upload_bytes */
    TBY_ROUTE_STORE = 1u << 5,         /* needs the store: 501 without one */
};

/* Bytes of a stated purpose. */
#define TBY_SERVER_PURPOSE_MAX 256

/*
 * One route: the single source of truth for what the server answers, who may call it, and
 * (through the test that compares them) what openapi/tabayyun.json documents.
 */
typedef struct tby_server__route {
    const char *method;          /* "GET", "POST" ... */
    const char *pattern;         /* "/v1/screen"; a segment "{name}" matches any one segment */
    const char *operation;       /* the OpenAPI operationId, also the audit's action */
    unsigned roles;              /* tby_server_role mask allowed to call; 0 for public */
    unsigned flags;              /* TBY_ROUTE_* */
    tby_server__handler handler; /* never NULL */
} tby_server__route;

extern const tby_server__route tby_server__routes[];
extern const size_t tby_server__route_count;

/* Most routes the metrics arrays have room for (checked when a server is made). */
#define TBY_SERVER__ROUTE_MAX 64

/* True when path[0..len) matches the pattern: literal characters equal, "{x}" any one
 * non-empty segment. */
bool tby_server__path_matches(const char *pattern, const char *path, size_t len);

/*
 * Finds the route for method and path (path[0..path_len), no query string). Returns 0 with
 * *out set; 404 when no pattern matches the path; 405 when patterns match but not for this
 * method, with `allow` receiving the methods that are ("GET, POST").
 */
int tby_server__route_find(const char *method, const char *path, size_t path_len,
                           const tby_server__route **out, char *allow, size_t allow_size);

/* ===== A request ===== */

/* Reads a request header by name (case-insensitive); NULL when absent. */
typedef const char *(*tby_server__header_fn)(void *ctx, const char *name);

struct tby_server__request {
    const tby_server__route *route; /* NULL until routed */
    char client[64];                /* the client's address ("memory" in tby_server_handle) */
    tby_server_credential_kind credential_kind; /* how the caller authenticated */
    char session[TBY_SERVER_SESSION_LEN];       /* the session id, for a session credential */
    const char *method;                         /* borrowed for the request's life */
    const char *path;                           /* borrowed, without the query string ... */
    size_t path_len;                            /* ... which starts at path[path_len] if any */
    tby_server__header_fn query_fn;           /* or, on the HTTP path, this reads the parameters */
    void *query_ctx;                          /* ... (undecoded but for "+") */
    int64_t start_ns;                         /* CLOCK_MONOTONIC when the headers arrived */
    bool is_authenticated;                    /* principal is valid */
    tby_server_principal principal;           /* who is calling */
    tby_buf body;                             /* the body, capped at the server's max_body_bytes */
    bool is_responded;                        /* a response was decided before the body ended */
    struct json_t *json;                      /* the parsed body (JSON routes), owned */
    char audit_subject[160];                  /* set by handlers of personal-data routes once they
                                                 touch personal data (audited only then): what ... */
    const char *audit_site;                   /* ... for which site (borrowed from json) ... */
    const char *audit_purpose;                /* ... why (borrowed from json) ... */
    char audit_outcome[64];                   /* ... and with what result */
    char purpose[TBY_SERVER_PURPOSE_MAX + 1]; /* TBY_ROUTE_PURPOSE: the purpose stated */
    bool is_audited;                          /* the handler recorded the access itself (in the
                                                 transaction of the change it made) */
    bool is_audit_deferred;    /* set by the caller of finish: leave the closing audit entry to
                                  the audit batcher (tby_server__audit_submit) */
    bool is_audit_pending;     /* set by finish: the answer waits for that entry to commit */
    tby_server_response early; /* the response decided in begin or body_append */
};

void tby_server__request_init(tby_server__request *request);
void tby_server__request_dispose(tby_server__request *request);

/*
 * Phase 1, headers: routes, authenticates and checks role, content type and declared length
 * (content_length < 0 when not declared). Returns true when the response is decided (in
 * request->early); the body is then not read.
 */
bool tby_server__begin(tby_server *server, tby_server__request *request, const char *method,
                       const char *url, tby_server__header_fn header, void *header_ctx,
                       int64_t content_length);

/* Phase 2, body bytes: false (continue) or true when the response is decided (413, 408). */
bool tby_server__body_append(tby_server *server, tby_server__request *request, const char *data,
                             size_t len);

/* Phase 3, the whole request is in: parse, run the handler, audit. Fills *out. */
void tby_server__finish(tby_server *server, tby_server__request *request, tby_server_response *out);

/* tby_server_handle with the client's address (for login rate limits). */
void tby_server__handle(tby_server *server, const char *client, const char *method,
                        const char *path, const tby_server_header *headers, size_t header_count,
                        const char *body, size_t body_len, tby_server_response *out);

/*
 * Records the request's access in the audit log now (a handler that changes personal data
 * calls it inside its own transaction, so the change and its record land together), with
 * the status about to be sent. True when recorded; false with 503 in *out.
 */
bool tby_server__audit_now(tby_server *server, tby_server__request *request, int status,
                           tby_server_response *out);

/*
 * The audit batcher (audit_batch.c): group commit of the entries that finish leaves pending
 * (is_audit_pending). A job is queued by the thread that finished the request, whose
 * connection then waits (suspended); the batcher's thread writes the entries of every job
 * queued meanwhile in one transaction (tby_server_auth.audit_batch) and only after its
 * commit calls each job's `done`, which lets the answer go. A job whose entry was not
 * written has its response replaced by 503 audit_unavailable first.
 */
typedef struct tby_server__audit_job tby_server__audit_job;
struct tby_server__audit_job {
    tby_server_audit_event event;  /* built by tby_server__audit_submit */
    char path[256];                /* event.path's text */
    tby_server_response *response; /* the answer; replaced by a 503 if the entry failed */
    void (*done)(tby_server__audit_job *job); /* called on the batcher's thread, last: the
                                                 job may be freed from then on */
    void *done_ctx;                           /* for done */
    tby_server__audit_job *next;
};

typedef struct tby_server__audit_batcher {
    bool is_running;
    bool is_stopping;                   /* under lock: no more jobs; the thread drains, ends */
    pthread_t thread;                   /* ... */
    pthread_mutex_t lock;               /* guards the queue and is_stopping */
    pthread_cond_t wake;                /* signalled when a job is queued or to stop */
    tby_server__audit_job *head, *tail; /* queued, oldest first */
    int64_t last_write_ns;              /* CLOCK_MONOTONIC at the end of the last batch */
} tby_server__audit_batcher;

/* Starts the batcher when the auth provider has audit_batch (else finish audits at once). */
int tby_server__audit_batch_start(tby_server *server, tby_error *err);
/* Writes what is queued, calls every job's done, and ends the thread; later submits are
   refused. Before libmicrohttpd stops (it must find no connection suspended). */
void tby_server__audit_batch_stop(tby_server *server);
/* Frees the batcher's lock once no thread may submit (after libmicrohttpd stopped). */
void tby_server__audit_batch_dispose(tby_server *server);
/* True when the batcher takes jobs: the caller may set request->is_audit_deferred. */
bool tby_server__audit_batch_is_running(const tby_server *server);
/*
 * Queues the pending entry of a finished request (request->is_audit_pending) with its
 * response. False when the batcher is stopping: nothing was queued, done will not be called,
 * and the caller audits with tby_server__audit_pending_now instead. The request and the
 * response must live until done is called.
 */
bool tby_server__audit_submit(tby_server *server, tby_server__request *request,
                              tby_server__audit_job *job);
/* Writes a pending entry now (the batcher is gone): the response becomes a 503 on failure. */
void tby_server__audit_pending_now(tby_server *server, tby_server__request *request,
                                   tby_server_response *out);
/* Fills *event (and path[256]) with the request's access, answered with `status`. */
void tby_server__audit_event(const tby_server__request *request, int status,
                             tby_server_audit_event *event, char path[256]);
/* Replaces *out by the 503 of an entry that could not be written, and counts it. */
void tby_server__audit_failed(tby_server *server, tby_server_response *out, int rc,
                              const tby_error *err);

/* Counts a finished request in the metrics: its route (NULL: unmatched), status, duration. */
void tby_server__record(tby_server *server, const tby_server__route *route, int status,
                        int64_t duration_ns);

int64_t tby_server__now_ns(void);

/* ===== Responses ===== */

/*
 * Fills *out with a 4xx/5xx JSON error:
 *   {"error": {"code": "bad_json", "message": "...", "field": "record.name" | null,
 *              "position": 17}}     (position only when >= 0: a byte offset in the body)
 * `code` is one of the documented error codes (openapi/tabayyun.json, Error).
 */
void tby_server__error(tby_server_response *out, int status, const char *code, const char *field,
                       int64_t position, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Fills *out with 200 and `json` serialised compactly (the reference is consumed). */
void tby_server__json(tby_server_response *out, int status, struct json_t *json);

/* ===== JSON written directly (json_write.c) ===== */

/*
 * A JSON writer into a tby_buf that writes byte for byte what jansson's json_dump_callback
 * with JSON_COMPACT writes for the same values in the same order (json_write.c has the
 * rules), without building a json_t tree: the hot answers use it. Errors are sticky in rc
 * (TBY_ENOMEM, TBY_ETOOLARGE for the buffer's cap or nesting past TBY_SERVER__JW_DEPTH,
 * TBY_EINVALID for a string that is not UTF-8 or a real that is not finite, which jansson
 * refuses too); check it once at the end. Keys and values go in order:
 *   jw_object; jw_key "a"; jw_real 1; jw_key "b"; jw_array; ...; jw_array_end; jw_object_end
 */
#define TBY_SERVER__JW_DEPTH    64
#define TBY_SERVER__JW_REAL_LEN 40

typedef struct tby_server__jw {
    tby_buf *buf;       /* written to (by tby_server__jw_finish); owned by the caller */
    int rc;             /* the first error, 0 while none */
    unsigned depth;     /* containers open */
    uint64_t has_item;  /* bit d: the container at depth d has an item (a comma goes next) */
    bool is_after_key;  /* a key was written: its value takes no comma */
    size_t pending_len; /* bytes in pending */
    char pending[1024]; /* written, not yet in buf */
} tby_server__jw;

void tby_server__jw_init(tby_server__jw *w, tby_buf *buf);
int tby_server__jw_finish(tby_server__jw *w); /* w->rc; the text is in the buffer */
void tby_server__jw_object(tby_server__jw *w);
void tby_server__jw_object_end(tby_server__jw *w);
void tby_server__jw_array(tby_server__jw *w);
void tby_server__jw_array_end(tby_server__jw *w);
void tby_server__jw_key(tby_server__jw *w, const char *key);
void tby_server__jw_string(tby_server__jw *w, const char *s);
void tby_server__jw_stringn(tby_server__jw *w, const char *s, size_t len);
void tby_server__jw_string_or_null(tby_server__jw *w, const char *s); /* NULL: null */
void tby_server__jw_real(tby_server__jw *w, double value);
void tby_server__jw_integer(tby_server__jw *w, long long value);
void tby_server__jw_bool(tby_server__jw *w, bool value);
void tby_server__jw_null(tby_server__jw *w);
/* One value (or several, comma-separated, for an array's items) already written as JSON;
   nothing when len is 0. */
void tby_server__jw_raw(tby_server__jw *w, const char *json, size_t len);

/* A real as jansson writes it, into out (NUL-terminated); its length, or -1 when the value
   is not finite. */
int tby_server__jw_format_real(double value, char out[TBY_SERVER__JW_REAL_LEN]);

/* One alert as tby_screen__alert_json builds it (`tabayyun screen --json`), written with w;
   tests/server/test_json_write.c compares the two byte for byte. */
void tby_server__jw_alert(tby_server__jw *w, const tby_alert *alert);

/* ===== Request bodies ===== */

/*
 * Checks the JSON nesting depth of body[0..len) without parsing it: returns the byte offset
 * where depth first exceeds max_depth, or -1 when it never does. Strings are skipped, so
 * brackets inside them do not count; malformed JSON is left to the parser.
 */
int64_t tby_server__json_depth_exceeded(const char *body, size_t len, unsigned max_depth);

/*
 * Parses a request body that must be a JSON object: returns it, or NULL with *out filled
 * (400 bad_json with the byte position, 400 too_deep, 400 empty body).
 */
struct json_t *tby_server__parse_body(const char *body, size_t len, unsigned max_depth,
                                      tby_server_response *out);

/* What a body field must be. */
typedef enum tby_server__type {
    TBY_TYPE_STRING = 1u << 0,
    TBY_TYPE_NUMBER = 1u << 1, /* integer or real */
    TBY_TYPE_INTEGER = 1u << 2,
    TBY_TYPE_OBJECT = 1u << 3,
    TBY_TYPE_ARRAY = 1u << 4,
    TBY_TYPE_BOOLEAN = 1u << 5,
    TBY_TYPE_NULL = 1u << 6
} tby_server__type;

typedef struct tby_server__field {
    const char *name;
    unsigned types; /* tby_server__type mask */
    bool is_required;
} tby_server__field;

/*
 * Checks an object's keys against a field list: unknown keys (400 unknown_field), wrong types
 * (400 wrong_type), missing required keys (400 missing_field). `prefix` ("record.") is put
 * before field names in the error. Returns true when the object conforms; false with *out
 * filled otherwise.
 */
bool tby_server__check_fields(struct json_t *object, const tby_server__field *fields,
                              size_t field_count, const char *prefix, tby_server_response *out);

/* True when the caller may act for `site` on the request's route (the auth provider
 * decides). False with *out filled (403 naming `field`, or 500 when the provider failed). */
bool tby_server__authorize_site(tby_server *server, tby_server__request *request, const char *site,
                                const char *field, tby_server_response *out);

/* ===== Query strings and paging (query.c) ===== */

/*
 * The value of query parameter `name` ("%XX" and "+" decoded) into out (NUL-terminated).
 * Returns 1 when present, 0 when absent, -1 when present but too long or badly encoded.
 */
int tby_server__query(const tby_server__request *request, const char *name, char *out, size_t size);

/*
 * Reads an integer query parameter into *out (left as is when absent). False with 400 in *out
 * when it is not an integer in [min, max].
 */
bool tby_server__query_int(const tby_server__request *request, const char *name, int64_t min,
                           int64_t max, int64_t *value, tby_server_response *out);

/* Most items a page may ask for, and the default. */
#define TBY_SERVER_PAGE_MAX     1000
#define TBY_SERVER_PAGE_DEFAULT 100

/* The path segment at `index` (0: "v1" of "/v1/lists/UN/versions") percent-decoded into out.
   False when there is none, or it does not fit or decode. */
bool tby_server__path_segment(const tby_server__request *request, size_t index, char *out,
                              size_t size);

/* Checks a record object's keys and types (the record format's), naming fields with
 * `prefix` ("record."); false with 400 in *out. */
bool tby_server__check_record(struct json_t *record, const char *prefix, tby_server_response *out);

/* ===== Handlers (api_*.c) ===== */

void tby_server__api_health(tby_server *server, tby_server__request *request,
                            tby_server_response *out);
void tby_server__api_metrics(tby_server *server, tby_server__request *request,
                             tby_server_response *out);
void tby_server__api_openapi(tby_server *server, tby_server__request *request,
                             tby_server_response *out);
void tby_server__api_screen(tby_server *server, tby_server__request *request,
                            tby_server_response *out);
void tby_server__api_login(tby_server *server, tby_server__request *request,
                           tby_server_response *out);
void tby_server__api_logout(tby_server *server, tby_server__request *request,
                            tby_server_response *out);
void tby_server__api_password(tby_server *server, tby_server__request *request,
                              tby_server_response *out);
void tby_server__api_records(tby_server *server, tby_server__request *request,
                             tby_server_response *out);
void tby_server__api_lists(tby_server *server, tby_server__request *request,
                           tby_server_response *out);
void tby_server__api_list_versions(tby_server *server, tby_server__request *request,
                                   tby_server_response *out);
void tby_server__api_list_import(tby_server *server, tby_server__request *request,
                                 tby_server_response *out);
void tby_server__api_list_diff(tby_server *server, tby_server__request *request,
                               tby_server_response *out);
void tby_server__api_audit(tby_server *server, tby_server__request *request,
                           tby_server_response *out);
void tby_server__api_audit_verify(tby_server *server, tby_server__request *request,
                                  tby_server_response *out);
void tby_server__api_stats(tby_server *server, tby_server__request *request,
                           tby_server_response *out);
void tby_server__api_users(tby_server *server, tby_server__request *request,
                           tby_server_response *out);
void tby_server__api_user_create(tby_server *server, tby_server__request *request,
                                 tby_server_response *out);
void tby_server__api_user_disable(tby_server *server, tby_server__request *request,
                                  tby_server_response *out);
void tby_server__api_user_grant(tby_server *server, tby_server__request *request,
                                tby_server_response *out);
void tby_server__api_user_password(tby_server *server, tby_server__request *request,
                                   tby_server_response *out);
void tby_server__api_tokens(tby_server *server, tby_server__request *request,
                            tby_server_response *out);
void tby_server__api_token_create(tby_server *server, tby_server__request *request,
                                  tby_server_response *out);
void tby_server__api_token_revoke(tby_server *server, tby_server__request *request,
                                  tby_server_response *out);

void tby_server__api_alerts(tby_server *server, tby_server__request *request,
                            tby_server_response *out);
void tby_server__api_alert(tby_server *server, tby_server__request *request,
                           tby_server_response *out);
void tby_server__api_alert_decide(tby_server *server, tby_server__request *request,
                                  tby_server_response *out);
void tby_server__api_clearances(tby_server *server, tby_server__request *request,
                                tby_server_response *out);
void tby_server__api_clearance_revoke(tby_server *server, tby_server__request *request,
                                      tby_server_response *out);
void tby_server__api_redress(tby_server *server, tby_server__request *request,
                             tby_server_response *out);

/* Counts of the standing alerts (all but superseded) the principal may see, for
 * GET /v1/stats: {"total", "by_site", "by_grade", "by_status"} in *out (a new reference). */
int tby_server__alert_counts(tby_store *store, const tby_server_principal *who, struct json_t **out,
                             tby_error *err);

/* ===== The store, for handlers ===== */

/* This thread's store connection; NULL with 500 in *out when it cannot be opened. */
tby_store *tby_server__store(tby_server *server, tby_server_response *out);

/*
 * The write lock of the server's database (server.h, tby_server_db), recursive: returns the
 * connection every write goes through, the holder's until tby_server__db_unlock. Reads
 * outside a write use this thread's connection, tby_server__db_store (NULL with err filled
 * when it cannot be opened).
 */
tby_store *tby_server__db_lock(tby_server_db *db);
void tby_server__db_unlock(tby_server_db *db);
tby_store *tby_server__db_store(tby_server_db *db, tby_error *err);

/*
 * Answers a store error: TBY_ENOTFOUND 404 not_found, TBY_EEXISTS 409 conflict, TBY_EINVALID
 * 400 invalid_value (with err's field), others 500 (503 "busy" when the database is locked by
 * another process).
 */
void tby_server__store_error(tby_server_response *out, int rc, const tby_error *err);

/* The OpenAPI document, embedded at build time from openapi/tabayyun.json. */
extern const unsigned char tby_server__openapi_json[];
extern const size_t tby_server__openapi_json_len;

/* ===== Metrics ===== */

/* Request latency buckets, upper bounds in microseconds (the last is +Inf). */
#define TBY_SERVER__LATENCY_BUCKETS 14
/* Status codes counted one by one; others go to the last slot ("other"). */
#define TBY_SERVER__STATUS_SLOTS 18

typedef struct tby_server__metrics {
    /* [route index, or route_count for unmatched][status slot] */
    atomic_uint_fast64_t requests[TBY_SERVER__ROUTE_MAX + 1][TBY_SERVER__STATUS_SLOTS];
    atomic_uint_fast64_t latency[TBY_SERVER__ROUTE_MAX + 1][TBY_SERVER__LATENCY_BUCKETS];
    atomic_uint_fast64_t latency_sum_ns[TBY_SERVER__ROUTE_MAX + 1];
    atomic_uint_fast64_t screenings;    /* records screened */
    atomic_uint_fast64_t alerts[3];     /* alerts returned, by tby_grade */
    atomic_uint_fast64_t screen_ns;     /* time spent in the engine */
    atomic_uint_fast64_t audit_events;  /* audit events recorded */
    atomic_uint_fast64_t audit_failed;  /* audit events the provider refused */
    atomic_uint_fast64_t auth_rejected; /* 401s */
    atomic_uint_fast64_t checkpoints;   /* background WAL checkpoints run */
    atomic_uint_fast64_t wal_pages;     /* WAL pages at the last one */
    atomic_uint_fast64_t audit_batches; /* transactions of the audit batcher */
} tby_server__metrics;

/* Writes the metrics in the Prometheus text format (version 0.0.4) to buf. */
int tby_server__metrics_format(const tby_server *server, tby_buf *buf);

/* ===== The server ===== */

/* One engine worker per thread that has screened, kept in a list freed with the server. */
typedef struct tby_server__worker_slot tby_server__worker_slot;

/*
 * The list being screened against, replaced whole when a new version is imported: requests
 * hold a reference while they screen, and each thread's worker holds one for the list it was
 * made for, so an old list is freed once the last of them lets go.
 */
typedef struct tby_server__list {
    atomic_int refs;              /* the server's, requests', workers' */
    const tby_screener *screener; /* the screener (borrowed, or `owned`) */
    tby_screener *owned_screener; /* NULL when borrowed */
    tby_record_set *owned_set;    /* the entries it screens; NULL when borrowed */
    size_t entries;               /* for /v1/health and /metrics */
    char name[256];               /* for /v1/health */
} tby_server__list;

/* The current list with a reference (release it), or NULL when the server has none. */
tby_server__list *tby_server__list_acquire(tby_server *server);
void tby_server__list_release(tby_server__list *list);

/* Redress lookups of references that do not exist, per user and per client address: at most
 * TBY_SERVER__REDRESS_MISSES in a window of TBY_SERVER__REDRESS_WINDOW seconds, then 429 until
 * the window ends (guessing references is slow). In memory, like the login limits. */
#define TBY_SERVER__REDRESS_SLOTS  256
#define TBY_SERVER__REDRESS_MISSES 10
#define TBY_SERVER__REDRESS_WINDOW (15 * 60)

typedef struct tby_server__redress_limit {
    char key[96];         /* "user:NAME" or "addr:ADDRESS"; "" when free */
    int64_t window_start; /* seconds since the epoch */
    unsigned misses;      /* unknown references in the window */
} tby_server__redress_limit;

/* The housekeeping thread (housekeeping.c): WAL checkpoints and the purge of ended sessions,
   off the request path. Runs while the server serves on a database. */
typedef struct tby_server__housekeeper {
    bool is_running;
    bool is_stopping;     /* under lock: the thread ends */
    pthread_t thread;     /* ... */
    pthread_mutex_t lock; /* guards is_stopping */
    pthread_cond_t wake;  /* signalled to stop */
    tby_store *store;     /* the thread's own connection */
} tby_server__housekeeper;

int tby_server__housekeeping_start(tby_server *server, tby_error *err);
void tby_server__housekeeping_stop(tby_server *server);

/* Screening runs on a thread of their own (screen_runs.c), with opts.screen_runs: a resident
   monitor per list, applied after imports through the API. request(NULL): every list. */
typedef struct tby_server__screen_runs tby_server__screen_runs;
int tby_server__screen_runs_start(tby_server *server, tby_error *err);
void tby_server__screen_runs_request(tby_server *server, const char *list_name);
void tby_server__screen_runs_stop(tby_server *server);

struct tby_server {
    tby_server_options opts;          /* resolved: no zeros left */
    char bind[64];                    /* opts.bind copied */
    pthread_mutex_t list_lock;        /* guards list */
    tby_server__list *list;           /* the current list; NULL: none loaded */
    tby_screen_options screen_opts;   /* threshold = opts.threshold */
    tby_server_auth auth;             /* owned */
    pthread_key_t worker_key;         /* this thread's tby_server__worker */
    pthread_mutex_t worker_lock;      /* guards workers */
    tby_server__worker_slot *workers; /* every worker made, for freeing */
    struct MHD_Daemon *daemon;        /* NULL when not serving */
    unsigned port;                    /* bound port */
    int64_t started_ns;               /* for uptime */
    char *tls_cert_pem;               /* opts.tls_cert read, NUL-terminated; NULL: no TLS */
    char *tls_key_pem;                /* opts.tls_key read */
    tby_server__metrics metrics;
    pthread_mutex_t redress_lock; /* guards redress_limits */
    tby_server__redress_limit redress_limits[TBY_SERVER__REDRESS_SLOTS];
    tby_server__housekeeper housekeeper;
    tby_server__screen_runs *screen_runs; /* NULL: off */
    tby_server__audit_batcher audit_batcher;
};

/* The calling thread's engine worker for `list`, made on first use (again when the list
 * changed); NULL when out of memory. */
tby_screen_worker *tby_server__worker(tby_server *server, tby_server__list *list);

#endif
