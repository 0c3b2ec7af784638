// SPDX-License-Identifier: Apache-2.0
// The watchlists in the store:
//
//   GET  /v1/lists                      every list with its latest version
//   GET  /v1/lists/{name}/versions      its versions (when, who, files, counts); paged
//   POST /v1/lists/{name}/versions      import a new version (admins), then screen against it
//   GET  /v1/lists/{name}/diff          what changed between two versions; paged; entries are
//                                       personal data, so a purpose is stated and it is audited
//
// An import's body carries the files, in one of the store's formats:
//
//   {"format": "ofac", "strict": false,
//    "files": [{"name": "sdn.csv", "content_base64": "..."}, {"name": "alt.csv", ...}]}
//
// ("content" takes text as it is; "content_base64" any bytes, such as OFAC's Latin-1). The
// files are written to a private temporary directory (the readers and the source hashes work
// on files), read into one import session with the request's own audit entry, and removed.
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/server_int.h"

#define LIST_NAME_MAX 128 /* bytes of a list name */
#define IMPORT_FILES  3   /* most files one import takes (OFAC: sdn, alt, add) */
#define REJECTS_SHOWN 20  /* rejected rows listed in an import's answer */
#define FILE_NAME_MAX 64  /* bytes of an uploaded file's name kept */

/* Reads the list name from the path (segment 2 of /v1/lists/{name}/...). False with 400/404. */
static bool list_name(tby_server__request *request, char *out, size_t size,
                      tby_server_response *resp)
{
    if (!tby_server__path_segment(request, 2, out, size)) {
        tby_server__error(resp, 400, "invalid_value", "name", -1,
                          "the list name in the path must be 1..%d bytes of UTF-8, encoded",
                          LIST_NAME_MAX);
        return false;
    }
    for (const char *c = out; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == ':' || *c == '/') {
            tby_server__error(resp, 400, "invalid_value", "name", -1,
                              "a list name may not hold ':', '/' or control characters");
            return false;
        }
    }
    return true;
}

/* ===== GET /v1/lists and versions ===== */

static json_t *version_json(const tby_list_version *v)
{
    json_t *files = json_array();
    for (size_t i = 0; files && i < v->source_count; i++)
        json_array_append_new(files,
                              json_pack("{s:s, s:I, s:s, s:s}", "file", v->sources[i].file_name,
                                        "size", (json_int_t)v->sources[i].size, "blake2b",
                                        v->sources[i].blake2b, "sha256", v->sources[i].sha256));
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o*}", "list",
                     v->list, "version", (json_int_t)v->number, "format", v->format, "imported_at",
                     v->imported_at, "imported_by", v->imported_by, "entries",
                     (json_int_t)v->entries, "added", (json_int_t)v->added, "removed",
                     (json_int_t)v->removed, "changed", (json_int_t)v->changed, "unchanged",
                     (json_int_t)v->unchanged, "rejected", (json_int_t)v->rejected, "audit_seq",
                     (json_int_t)v->audit_seq, "files", files);
}

typedef struct version_pager {
    json_t *items;    /* collected */
    int64_t after;    /* lists: unused; versions: only numbers above this */
    int64_t limit;    /* most items */
    bool has_more;    /* more would follow */
    bool latest_only; /* GET /v1/lists: one item per list, its latest version */
    int64_t last;     /* the number of the last version collected */
} version_pager;

static int on_version(const tby_list_version *v, void *payload)
{
    version_pager *p = payload;
    if (p->latest_only) {
        /* Versions come by list, then number: a list's last one replaces the one before. */
        size_t n = json_array_size(p->items);
        json_t *prev = n ? json_array_get(p->items, n - 1) : NULL;
        json_t *item = version_json(v);
        if (!item)
            return TBY_ENOMEM;
        if (prev && !strcmp(json_string_value(json_object_get(prev, "list")), v->list))
            return json_array_set_new(p->items, n - 1, item) ? TBY_ENOMEM : 0;
        return json_array_append_new(p->items, item) ? TBY_ENOMEM : 0;
    }
    if (v->number <= p->after)
        return 0;
    if ((int64_t)json_array_size(p->items) == p->limit) {
        p->has_more = true;
        return 1; /* stop */
    }
    p->last = v->number;
    json_t *item = version_json(v);
    return !item || json_array_append_new(p->items, item) ? TBY_ENOMEM : 0;
}

void tby_server__api_lists(tby_server *server, tby_server__request *request,
                           tby_server_response *out)
{
    (void)request;
    tby_store *store = tby_server__store(server, out);
    if (!store)
        return;
    version_pager pager = {json_array(), 0, 0, false, true, 0};
    tby_error err;
    tby_error_clear(&err);
    int rc =
        pager.items ? tby_store_list_versions(store, NULL, on_version, &pager, &err) : TBY_ENOMEM;
    if (rc) {
        json_decref(pager.items);
        tby_server__store_error(out, rc, &err);
        return;
    }
    tby_server__json(out, 200, json_pack("{s:o}", "lists", pager.items));
}

void tby_server__api_list_versions(tby_server *server, tby_server__request *request,
                                   tby_server_response *out)
{
    char name[LIST_NAME_MAX + 1];
    int64_t limit = TBY_SERVER_PAGE_DEFAULT, cursor = 0;
    if (!list_name(request, name, sizeof(name), out) ||
        !tby_server__query_int(request, "limit", 1, TBY_SERVER_PAGE_MAX, &limit, out) ||
        !tby_server__query_int(request, "cursor", 0, INT64_MAX, &cursor, out))
        return;
    tby_store *store = tby_server__store(server, out);
    if (!store)
        return;
    version_pager pager = {json_array(), cursor, limit, false, false, 0};
    tby_error err;
    tby_error_clear(&err);
    int rc =
        pager.items ? tby_store_list_versions(store, name, on_version, &pager, &err) : TBY_ENOMEM;
    if (rc && rc != 1) {
        json_decref(pager.items);
        tby_server__store_error(out, rc, &err);
        return;
    }
    char next[32];
    snprintf(next, sizeof(next), "%lld", (long long)pager.last);
    tby_server__json(out, 200,
                     json_pack("{s:s, s:o, s:s?}", "list", name, "versions", pager.items,
                               "next_cursor", pager.has_more ? next : NULL));
}

/* ===== GET /v1/lists/{name}/diff ===== */

typedef struct diff_pager {
    json_t *items;
    size_t skip;  /* entries before the page */
    size_t limit; /* entries on the page */
    size_t seen;  /* entries so far */
    bool is_oom;
} diff_pager;

static json_t *value_or_null(json_t *root, const char *key)
{
    json_t *value = json_object_get(root, key);
    return value ? json_incref(value) : json_null();
}

static json_t *diff_entry_json(const tby_list_diff_entry *e)
{
    json_t *old_root = e->old_json ? json_loads(e->old_json, 0, NULL) : NULL;
    json_t *new_root = e->new_json ? json_loads(e->new_json, 0, NULL) : NULL;
    json_t *o =
        json_pack("{s:s, s:s}", "change", tby_store_change_name(e->change), "id", e->entry_id);
    if (o && e->change == TBY_STORE_CHANGED) {
        json_t *fields = json_object();
        for (size_t i = 0; fields && i < e->field_count; i++)
            json_object_set_new(fields, e->fields[i],
                                json_pack("{s:o, s:o}", "old",
                                          value_or_null(old_root, e->fields[i]), "new",
                                          value_or_null(new_root, e->fields[i])));
        json_object_set_new(o, "fields", fields ? fields : json_null());
        json_object_set_new(o, "identity_changed", json_boolean(e->is_identity_changed));
    } else if (o) {
        json_t *record = e->change == TBY_STORE_ADDED ? new_root : old_root;
        json_object_set(o, "record", record ? record : json_null());
    }
    json_decref(old_root);
    json_decref(new_root);
    return o;
}

static int on_diff_entry(const tby_list_diff_entry *e, void *payload)
{
    diff_pager *p = payload;
    size_t index = p->seen++;
    if (index < p->skip || index >= p->skip + p->limit)
        return 0;
    json_t *item = diff_entry_json(e);
    if (!item || json_array_append_new(p->items, item))
        p->is_oom = true;
    return 0;
}

void tby_server__api_list_diff(tby_server *server, tby_server__request *request,
                               tby_server_response *out)
{
    char name[LIST_NAME_MAX + 1];
    int64_t limit = TBY_SERVER_PAGE_DEFAULT, cursor = 0, from = -1, to = 0;
    if (!list_name(request, name, sizeof(name), out) ||
        !tby_server__query_int(request, "limit", 1, TBY_SERVER_PAGE_MAX, &limit, out) ||
        !tby_server__query_int(request, "cursor", 0, INT64_MAX, &cursor, out) ||
        !tby_server__query_int(request, "from", 0, INT64_MAX, &from, out) ||
        !tby_server__query_int(request, "to", 1, INT64_MAX, &to, out))
        return;
    tby_store *store = tby_server__store(server, out);
    if (!store)
        return;
    tby_error err;
    tby_error_clear(&err);
    int rc = to ? 0 : tby_store_list_latest(store, name, &to, &err);
    if (rc) {
        tby_server__store_error(out, rc, &err);
        return;
    }
    if (from < 0)
        from = to - 1;
    if (from >= to) {
        tby_server__error(out, 400, "invalid_value", "from", -1,
                          "from (%lld) must be below to (%lld)", (long long)from, (long long)to);
        return;
    }
    diff_pager pager = {json_array(), (size_t)cursor, (size_t)limit, 0, false};
    tby_list_diff_stats stats;
    memset(&stats, 0, sizeof(stats));
    rc = pager.items
             ? tby_store_list_diff(store, name, from, to, on_diff_entry, &pager, &stats, &err)
             : TBY_ENOMEM;
    if (!rc && pager.is_oom)
        rc = tby__error(&err, TBY_ENOMEM, -1, "out of memory");
    if (rc) {
        json_decref(pager.items);
        tby_server__store_error(out, rc, &err);
        return;
    }
    snprintf(request->audit_subject, sizeof(request->audit_subject), "list:%.64s@%lld..%lld", name,
             (long long)from, (long long)to);
    snprintf(request->audit_outcome, sizeof(request->audit_outcome), "%zu of %zu entries",
             json_array_size(pager.items), pager.seen);
    char next[32];
    size_t end = pager.skip + json_array_size(pager.items);
    snprintf(next, sizeof(next), "%zu", end);
    tby_server__json(out, 200,
                     json_pack("{s:s, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:s?}", "list", name,
                               "from", (json_int_t)from, "to", (json_int_t)to, "entries",
                               pager.items, "added", (json_int_t)stats.added, "removed",
                               (json_int_t)stats.removed, "changed", (json_int_t)stats.changed,
                               "unchanged", (json_int_t)stats.unchanged, "next_cursor",
                               end < pager.seen ? next : NULL));
}

/* ===== POST /v1/lists/{name}/versions ===== */

static const tby_server__field import_fields[] = {
    {"format", TBY_TYPE_STRING, true},
    {"files", TBY_TYPE_ARRAY, true},
    {"strict", TBY_TYPE_BOOLEAN, false},
    {"purpose", TBY_TYPE_STRING, false},
};

static const tby_server__field file_fields[] = {
    {"name", TBY_TYPE_STRING, true},
    {"content", TBY_TYPE_STRING, false},
    {"content_base64", TBY_TYPE_STRING, false},
};

/* The uploaded files, written to a private directory. */
typedef struct upload {
    char dir[256];                                      /* "" until made */
    char paths[IMPORT_FILES][256 + FILE_NAME_MAX + 32]; /* each file */
    size_t count;
} upload;

static void upload_remove(upload *u)
{
    for (size_t i = 0; i < u->count; i++)
        unlink(u->paths[i]);
    if (u->dir[0])
        rmdir(u->dir);
}

/* A file name safe to create: the client's base name with only [A-Za-z0-9._-] kept. */
static void safe_name(char *out, size_t size, const char *name, size_t index)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    size_t used = 0;
    for (const char *c = base; *c && used + 1 < size; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-';
        out[used++] = ok ? *c : '_';
    }
    out[used] = '\0';
    if (!used || out[0] == '.')
        snprintf(out, size, "file%zu", index + 1);
}

/* Writes files[i] to the upload directory. False with 400/500 in *out. */
static bool upload_file(upload *u, json_t *file, size_t i, tby_server_response *out)
{
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "files[%zu].", i);
    if (!json_is_object(file)) {
        tby_server__error(out, 400, "wrong_type", prefix, -1, "files[%zu] must be an object", i);
        return false;
    }
    if (!tby_server__check_fields(file, file_fields, sizeof(file_fields) / sizeof(file_fields[0]),
                                  prefix, out))
        return false;
    json_t *text = json_object_get(file, "content");
    json_t *b64 = json_object_get(file, "content_base64");
    if (!text == !b64) {
        char field[48];
        snprintf(field, sizeof(field), "files[%zu].content", i);
        tby_server__error(out, 400, text ? "invalid_value" : "missing_field", field, -1,
                          "files[%zu] needs \"content\" (text) or \"content_base64\", one of them",
                          i);
        return false;
    }
    const char *data = text ? json_string_value(text) : NULL;
    size_t len = text ? json_string_length(text) : 0;
    unsigned char *decoded = NULL;
    if (b64) {
        size_t cap = json_string_length(b64) / 4 * 3 + 3;
        decoded = tby__malloc(cap ? cap : 1);
        if (!decoded) {
            tby_server__error(out, 500, "internal", NULL, -1, "out of memory");
            return false;
        }
        if (sodium_base642bin(decoded, cap, json_string_value(b64), json_string_length(b64),
                              " \r\n\t", &len, NULL, sodium_base64_VARIANT_ORIGINAL)) {
            tby__free(decoded);
            char field[48];
            snprintf(field, sizeof(field), "files[%zu].content_base64", i);
            tby_server__error(out, 400, "invalid_value", field, -1, "%s is not base64", field);
            return false;
        }
        data = (const char *)decoded;
    }
    /* Numbered, so that two files of one name do not overwrite each other. */
    char name[FILE_NAME_MAX];
    safe_name(name, sizeof(name), json_string_value(json_object_get(file, "name")), i);
    char path[sizeof(u->paths[0])];
    snprintf(path, sizeof(path), "%s/%zu-%s", u->dir, i + 1, name);
    memcpy(u->paths[u->count], path, sizeof(path));
    FILE *f = fopen(u->paths[u->count], "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    if (f)
        u->count++;
    tby__free(decoded);
    if (!ok)
        tby_server__error(out, 500, "internal", NULL, -1, "cannot write an uploaded file");
    return ok;
}

/* An import in progress: the session, the rejected rows, what stopped the reader. */
typedef struct importer {
    tby_store_import *import;
    json_t *rejects; /* the first REJECTS_SHOWN, for the answer */
    tby_error error; /* why on_record stopped the read */
} importer;

static int import_on_record(const tby_record *record, void *payload)
{
    importer *im = payload;
    return tby_store_import_add(im->import, record, &im->error);
}

static int import_on_reject(const char *source, const tby_error *error, void *payload)
{
    importer *im = payload;
    tby_store_import_reject(im->import, error);
    if (json_array_size(im->rejects) < REJECTS_SHOWN) {
        const char *file = strrchr(source, '/');
        json_array_append_new(im->rejects,
                              json_pack("{s:s, s:I, s:s, s:s}", "file", file ? file + 1 : source,
                                        "line", (json_int_t)error->line, "field", error->field,
                                        "message", error->message));
    }
    return 0;
}

static int import_on_dropped(const char *source, const tby_error *error, void *payload)
{
    (void)source;
    (void)error;
    importer *im = payload;
    tby_store_import_dropped(im->import, 1);
    return 0;
}

/* Reads the uploaded files in `format` into the session. */
static int import_read(importer *im, tby_list_format format, const upload *u, bool strict,
                       tby_list_stats *stats, tby_error *err)
{
    tby_reader_options opts = TBY_READER_OPTIONS_INIT;
    opts.strict = strict;
    opts.drop_bad_values = !strict;
    opts.on_reject = import_on_reject;
    opts.reject_payload = im;
    opts.on_dropped = import_on_dropped;
    opts.dropped_payload = im;
    switch (format) {
    case TBY_LIST_FORMAT_CSV:
    case TBY_LIST_FORMAT_JSONL:
        opts.format = format == TBY_LIST_FORMAT_CSV ? TBY_FORMAT_CSV : TBY_FORMAT_JSONL;
        return tby_record_read_file(u->paths[0], &opts, import_on_record, im, NULL, err);
    case TBY_LIST_FORMAT_UN_XML:
        return tby_un_xml_read_file(u->paths[0], &opts, import_on_record, im, stats, err);
    case TBY_LIST_FORMAT_OFAC:
        return tby_ofac_read_files(u->paths[0], u->paths[1], u->count > 2 ? u->paths[2] : NULL,
                                   &opts, import_on_record, im, stats, err);
    }
    return tby__error(err, TBY_EINVALID, -1, "unknown format");
}

/* Loads the store's lists again and screens against them from now on. */
static json_t *reload(tby_server *server)
{
    tby_record_set *set = NULL;
    tby_screener *screener = NULL;
    tby_error err;
    tby_error_clear(&err);
    int rc = tby_server_load_lists(server->opts.db, &set, &screener, &err);
    if (!rc) {
        size_t entries = tby_record_set_count(set);
        rc = tby_server_replace_list(server, set, screener, tby_server_db_path(server->opts.db),
                                     &err);
        if (!rc)
            return json_pack("{s:b, s:I}", "reloaded", 1, "entries", (json_int_t)entries);
    }
    return json_pack("{s:b, s:s}", "reloaded", 0, "error", err.message);
}

void tby_server__api_list_import(tby_server *server, tby_server__request *request,
                                 tby_server_response *out)
{
    json_t *body = request->json;
    char name[LIST_NAME_MAX + 1];
    if (!list_name(request, name, sizeof(name), out) ||
        !tby_server__check_fields(body, import_fields,
                                  sizeof(import_fields) / sizeof(import_fields[0]), "", out))
        return;
    tby_list_format format;
    const char *format_name = json_string_value(json_object_get(body, "format"));
    if (tby_list_format_parse(&format, format_name)) {
        tby_server__error(out, 400, "invalid_value", "format", -1,
                          "format must be csv, jsonl, un-xml or ofac, not \"%.32s\"", format_name);
        return;
    }
    json_t *files = json_object_get(body, "files");
    size_t need_min = format == TBY_LIST_FORMAT_OFAC ? 2 : 1;
    size_t need_max = format == TBY_LIST_FORMAT_OFAC ? 3 : 1;
    if (json_array_size(files) < need_min || json_array_size(files) > need_max) {
        tby_server__error(out, 400, "invalid_value", "files", -1, "format %s takes %zu%s file(s)%s",
                          format_name, need_min, need_max > need_min ? " to 3" : "",
                          format == TBY_LIST_FORMAT_OFAC ? ": sdn.csv, alt.csv, add.csv" : "");
        return;
    }
    bool strict = json_is_true(json_object_get(body, "strict"));

    upload u;
    memset(&u, 0, sizeof(u));
    const char *tmp = getenv("TMPDIR");
    snprintf(u.dir, sizeof(u.dir), "%s/tabayyun-upload-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(u.dir)) {
        u.dir[0] = '\0';
        tby_server__error(out, 500, "internal", NULL, -1, "cannot make a temporary directory");
        return;
    }
    for (size_t i = 0; i < json_array_size(files); i++) {
        if (!upload_file(&u, json_array_get(files, i), i, out)) {
            upload_remove(&u);
            return;
        }
    }

    importer im;
    memset(&im, 0, sizeof(im));
    tby_error_clear(&im.error);
    im.rejects = json_array();
    tby_error err;
    tby_error_clear(&err);
    tby_store_import_options opts = TBY_STORE_IMPORT_OPTIONS_INIT;
    opts.actor = request->principal.user;
    opts.strict = strict;
    tby_server_db *db = server->opts.db;
    tby_store *store = tby_server__db_lock(db);
    int rc = im.rejects
                 ? tby_store_list_import_begin(store, name, format_name, &opts, &im.import, &err)
                 : tby__error(&err, TBY_ENOMEM, -1, "out of memory");
    for (size_t i = 0; !rc && i < u.count; i++)
        rc = tby_store_import_source(im.import, u.paths[i], &err);
    tby_list_stats list_stats;
    memset(&list_stats, 0, sizeof(list_stats));
    if (!rc) {
        rc = import_read(&im, format, &u, strict, &list_stats, &err);
        if (rc && im.error.code)
            err = im.error;
    }
    tby_store_import_stats stats;
    memset(&stats, 0, sizeof(stats));
    if (!rc) {
        snprintf(request->audit_subject, sizeof(request->audit_subject), "list:%.64s", name);
        snprintf(request->audit_outcome, sizeof(request->audit_outcome), "imported");
        if (!tby_server__audit_now(server, request, 200, out)) {
            tby_store_import_abort(im.import);
            tby_server__db_unlock(db);
            upload_remove(&u);
            json_decref(im.rejects);
            return;
        }
        rc = tby_store_import_commit(im.import, &stats, &err);
    } else if (im.import) {
        tby_store_import_abort(im.import);
    }
    tby_server__db_unlock(db);
    upload_remove(&u);
    if (rc) {
        if (rc == TBY_EINVALID && json_array_size(im.rejects))
            tby_server__error(out, 400, "invalid_value", "files", -1, "%s", err.message);
        else
            tby_server__store_error(out, rc, &err);
        json_decref(im.rejects);
        return;
    }
    json_t *answer = json_pack(
        "{s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "list", name, "version",
        (json_int_t)stats.version, "format", format_name, "entries", (json_int_t)stats.records,
        "added", (json_int_t)stats.added, "removed", (json_int_t)stats.removed, "changed",
        (json_int_t)stats.changed, "unchanged", (json_int_t)stats.unchanged, "rejected",
        (json_int_t)stats.rejected, "dropped", (json_int_t)stats.dropped, "audit_seq",
        (json_int_t)stats.audit_seq, "rejects", im.rejects);
    if (answer)
        json_object_set_new(answer, "screening", reload(server));
    tby_server__screen_runs_request(server, name);
    tby_server__json(out, 200, answer);
}
