// SPDX-License-Identifier: Apache-2.0
// The audit log: an append-only chain of entries in which each entry's hash covers the hash of
// the entry before it, so that changing, removing or reordering any entry breaks every hash
// after it and `audit verify` can name the first entry that no longer fits.
//
//   hash(n) = BLAKE2b-256( "tabayyun-audit-v1" || hash(n-1) || u64be(seq)
//                          || u64be(len) at || u64be(len) actor || u64be(len) action
//                          || u64be(len) object || u64be(len) detail )
//   hash(0) = 32 zero bytes
//
// Length prefixes make the encoding unambiguous: no two different entries encode to the same
// bytes, whatever their fields contain. Entries are written inside the transaction of the
// change they record (see tby_store__audit_append), so a change and its entry land together.
#include <jansson.h>
#include <sodium.h>
#include <string.h>

#include "store/store_int.h"

static const char audit_tag[] = "tabayyun-audit-v1";

static void hash_u64(crypto_generichash_state *state, uint64_t value)
{
    unsigned char bytes[8];
    for (int i = 7; i >= 0; i--) {
        bytes[i] = (unsigned char)(value & 0xFF);
        value >>= 8;
    }
    crypto_generichash_update(state, bytes, sizeof(bytes));
}

static void hash_field(crypto_generichash_state *state, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    hash_u64(state, len);
    if (len)
        crypto_generichash_update(state, (const unsigned char *)s, len);
}

void tby_store__audit_hash(uint8_t out[TBY_STORE_HASH_LEN], const tby_audit_entry *entry)
{
    crypto_generichash_state state;
    crypto_generichash_init(&state, NULL, 0, TBY_STORE_HASH_LEN);
    crypto_generichash_update(&state, (const unsigned char *)audit_tag, strlen(audit_tag));
    crypto_generichash_update(&state, entry->prev_hash, TBY_STORE_HASH_LEN);
    hash_u64(&state, (uint64_t)entry->seq);
    hash_field(&state, entry->at);
    hash_field(&state, entry->actor);
    hash_field(&state, entry->action);
    hash_field(&state, entry->object);
    hash_field(&state, entry->detail);
    crypto_generichash_final(&state, out, TBY_STORE_HASH_LEN);
}

/* ===== Appending ===== */

static int check_text(const char *what, const char *s, tby_error *err)
{
    if (!s || !s[0])
        return tby__error(err, TBY_EINVALID, -1, "audit entry: %s is empty", what);
    if (tby__utf8_validate(s, strlen(s)) != strlen(s))
        return tby__error(err, TBY_EINVALID, -1, "audit entry: %s is not valid UTF-8", what);
    return TBY_OK;
}

int tby_store__audit_append(tby_store *store, const char *actor, const char *action,
                            const char *object, const char *detail_json, int64_t *seq_out,
                            tby_error *err)
{
    TBY_ASSERT(store->is_in_write);
    const char *detail = detail_json ? detail_json : "{}";
    int rc;
    if ((rc = check_text("actor", actor, err)) || (rc = check_text("action", action, err)) ||
        (rc = check_text("object", object, err)) || (rc = check_text("detail", detail, err)))
        return rc;
    json_error_t json_err;
    json_t *parsed = json_loads(detail, JSON_REJECT_DUPLICATES, &json_err);
    bool is_object = json_is_object(parsed);
    json_decref(parsed);
    if (!is_object)
        return tby__error(err, TBY_EINVALID, -1, "audit entry: detail is not a JSON object%s%s",
                          parsed ? "" : ": ", parsed ? "" : json_err.text);

    tby_audit_entry entry;
    memset(&entry, 0, sizeof(entry));
    int64_t last = 0;
    if ((rc = store->backend->audit_last(store->conn, &last, entry.prev_hash, err)))
        return rc;
    char at[TBY_STORE__TIME_LEN];
    tby_store__now(at);
    entry.seq = last + 1;
    entry.at = at;
    entry.actor = actor;
    entry.action = action;
    entry.object = object;
    entry.detail = detail;
    tby_store__audit_hash(entry.hash, &entry);
    if ((rc = store->backend->audit_insert(store->conn, &entry, err)))
        return rc;
    if (seq_out)
        *seq_out = entry.seq;
    return TBY_OK;
}

int tby_store_audit_append(tby_store *store, const char *actor, const char *action,
                           const char *object, const char *detail_json, int64_t *seq_out,
                           tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL);
    if (store->is_in_write)
        return tby_store__audit_append(store, actor, action, object, detail_json, seq_out, err);
    int rc = tby_store__begin_write(store, err);
    if (rc)
        return rc;
    rc = tby_store__audit_append(store, actor, action, object, detail_json, seq_out, err);
    if (rc) {
        tby_store__rollback(store);
        return rc;
    }
    return tby_store__commit(store, err);
}

/* ===== Reading and verifying ===== */

int tby_store_audit_foreach(tby_store *store, int64_t from_seq, tby_audit_cb cb, void *payload,
                            tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && cb != NULL);
    bool is_mine;
    int rc = tby_store__read_begin(store, &is_mine, err);
    if (rc)
        return rc;
    rc = store->backend->audit_scan(store->conn, from_seq, cb, payload, err);
    tby_store__read_end(store, is_mine);
    return rc;
}

/* Returned by the verifier's callback to stop at the first bad entry. */
#define VERIFY_STOP 1

typedef struct verifier {
    tby_audit_report *report;
    int64_t expected_seq;                  /* the seq the next entry must have */
    uint8_t prev_hash[TBY_STORE_HASH_LEN]; /* stored hash of the entry before */
} verifier;

static int verify_bad(verifier *v, int64_t seq, const char *reason)
{
    v->report->bad_seq = seq;
    snprintf(v->report->reason, sizeof(v->report->reason), "%s", reason);
    return VERIFY_STOP;
}

static int verify_entry(const tby_audit_entry *entry, void *payload)
{
    verifier *v = payload;
    char reason[sizeof(v->report->reason)];
    if (entry->seq != v->expected_seq) {
        snprintf(reason, sizeof(reason),
                 "entry %lld is missing (the entry after %lld is %lld): deleted or renumbered",
                 (long long)v->expected_seq, (long long)(v->expected_seq - 1),
                 (long long)entry->seq);
        return verify_bad(v, v->expected_seq, reason);
    }
    if (memcmp(entry->prev_hash, v->prev_hash, TBY_STORE_HASH_LEN) != 0) {
        if (entry->seq == 1)
            snprintf(reason, sizeof(reason),
                     "entry 1 does not start the chain (its previous hash is not zero)");
        else
            snprintf(reason, sizeof(reason),
                     "entry %lld does not follow entry %lld (its previous hash differs): an entry "
                     "was changed, inserted or reordered",
                     (long long)entry->seq, (long long)(entry->seq - 1));
        return verify_bad(v, entry->seq, reason);
    }
    uint8_t computed[TBY_STORE_HASH_LEN];
    tby_store__audit_hash(computed, entry);
    if (memcmp(computed, entry->hash, TBY_STORE_HASH_LEN) != 0) {
        snprintf(reason, sizeof(reason),
                 "entry %lld does not match its hash: its fields or its hash were changed",
                 (long long)entry->seq);
        return verify_bad(v, entry->seq, reason);
    }
    memcpy(v->prev_hash, entry->hash, TBY_STORE_HASH_LEN);
    v->report->entries++;
    v->report->head_seq = entry->seq;
    memcpy(v->report->head_hash, entry->hash, TBY_STORE_HASH_LEN);
    v->expected_seq++;
    return TBY_OK;
}

int tby_store_audit_verify(tby_store *store, tby_audit_report *report, tby_error *err)
{
    TBY_ASSERT_ARG(store != NULL && report != NULL);
    memset(report, 0, sizeof(*report));
    verifier v;
    memset(&v, 0, sizeof(v));
    v.report = report;
    v.expected_seq = 1;
    /* From the lowest seq there is, not from 1: an entry renumbered below 1 must be seen. */
    int rc = tby_store_audit_foreach(store, INT64_MIN, verify_entry, &v, err);
    if (rc == VERIFY_STOP)
        return tby__error(err, TBY_EINVALID, -1, "audit log broken at entry %lld: %s",
                          (long long)report->bad_seq, report->reason);
    return rc;
}
