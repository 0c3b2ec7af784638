// SPDX-License-Identifier: Apache-2.0
// A JSON writer straight into a tby_buf (server_int.h, tby_server__jw), for the hot answers:
// the screening response and the audit entry's detail. Building a json_t tree and dumping it
// cost the server more than a third of its own CPU per screening (about 240 mallocs, a hash
// table per object, a callback per token); this writes the same bytes in one pass.
//
// "The same bytes" is the contract: what json_dump_callback(JSON_COMPACT) writes for the same
// values, in the same order (jansson keeps insertion order), so that an answer does not
// depend on which path built it and tests can compare the two byte for byte:
//   - strings: '"' and '\\' escaped, \b \f \n \r \t, other bytes below 0x20 as \u00XX with
//     upper-case hex, everything else (UTF-8 and '/') as is; a string that is not valid
//     UTF-8 is refused, as json_string refuses it;
//   - reals: printf's "%.17g", a ".0" added when that has neither '.' nor 'e', the exponent
//     without '+' and leading zeros ("1e21", "9.9999999999999995e-8"); NaN and infinities
//     are refused, as json_real refuses them;
//   - integers in decimal; true, false, null.
// A refusal or a failed allocation is kept in w->rc (the first one) and every later call does
// nothing, so a caller checks once at the end.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "server/server_int.h"

/* value in decimal at the end of out[0..24): returns where the digits start. */
static char *format_integer(long long value, char out[24])
{
    char *p = out + 24;
    unsigned long long u = value < 0 ? 0ull - (unsigned long long)value : (unsigned long long)value;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (value < 0)
        *--p = '-';
    return p;
}

void tby_server__jw_init(tby_server__jw *w, tby_buf *buf)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
}

/* Moves what is pending to the buffer. */
static void jw_flush(tby_server__jw *w)
{
    if (!w->rc && w->pending_len)
        w->rc = tby__buf_put(w->buf, w->pending, w->pending_len);
    w->pending_len = 0;
}

/* Bytes go to a small array first and to the buffer a kilobyte at a time: most pieces are a
   few bytes, and the buffer's append costs more than a copy of them. */
static void jw_put(tby_server__jw *w, const char *s, size_t len)
{
    if (w->rc)
        return;
    if (len > sizeof(w->pending) - w->pending_len) {
        jw_flush(w);
        if (len > sizeof(w->pending)) {
            if (!w->rc)
                w->rc = tby__buf_put(w->buf, s, len);
            return;
        }
    }
    memcpy(w->pending + w->pending_len, s, len);
    w->pending_len += len;
}

int tby_server__jw_finish(tby_server__jw *w)
{
    jw_flush(w);
    if (!w->rc && !w->buf->ptr)
        w->rc = tby__buf_put(w->buf, "", 0); /* an empty text is still a string */
    return w->rc;
}

/* The comma before a value or a key, unless it follows its key or opens its container. */
static void jw_separate(tby_server__jw *w)
{
    if (w->rc)
        return;
    if (w->is_after_key) {
        w->is_after_key = false;
        return;
    }
    if (w->depth < TBY_SERVER__JW_DEPTH) {
        uint64_t bit = 1ull << w->depth;
        if (w->has_item & bit)
            jw_put(w, ",", 1);
        w->has_item |= bit;
    }
}

static void jw_open(tby_server__jw *w, char c)
{
    jw_separate(w);
    jw_put(w, &c, 1);
    if (++w->depth >= TBY_SERVER__JW_DEPTH && !w->rc)
        w->rc = TBY_ETOOLARGE;
    if (w->depth < TBY_SERVER__JW_DEPTH)
        w->has_item &= ~(1ull << w->depth);
}

static void jw_close(tby_server__jw *w, char c)
{
    jw_put(w, &c, 1);
    if (w->depth)
        w->depth--;
}

void tby_server__jw_object(tby_server__jw *w)
{
    jw_open(w, '{');
}

void tby_server__jw_object_end(tby_server__jw *w)
{
    jw_close(w, '}');
}

void tby_server__jw_array(tby_server__jw *w)
{
    jw_open(w, '[');
}

void tby_server__jw_array_end(tby_server__jw *w)
{
    jw_close(w, ']');
}

/* s[0..len) as a JSON string (without the separator). */
static void jw_string_body(tby_server__jw *w, const char *s, size_t len)
{
    if (w->rc)
        return;
    if (!s || tby__utf8_validate(s, len) != len) {
        w->rc = TBY_EINVALID;
        return;
    }
    static const char hex[] = "0123456789ABCDEF";
    jw_put(w, "\"", 1);
    size_t run = 0; /* start of the bytes not yet written */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        jw_put(w, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
            break;
        }
        jw_put(w, esc, n);
    }
    jw_put(w, s + run, len - run);
    jw_put(w, "\"", 1);
}

void tby_server__jw_key(tby_server__jw *w, const char *key)
{
    jw_separate(w);
    /* Keys are the program's own names: printable ASCII go out as they are, in one piece. */
    char text[64];
    size_t len = 0;
    text[len++] = '"';
    for (const char *k = key; k && *k && len < sizeof(text) - 2; k++) {
        unsigned char c = (unsigned char)*k;
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            break;
        text[len++] = (char)c;
    }
    if (key && key[len - 1] == '\0') {
        text[len++] = '"';
        text[len++] = ':';
        jw_put(w, text, len);
    } else {
        jw_string_body(w, key, key ? strlen(key) : 0);
        jw_put(w, ":", 1);
    }
    w->is_after_key = !w->rc;
}

void tby_server__jw_stringn(tby_server__jw *w, const char *s, size_t len)
{
    jw_separate(w);
    jw_string_body(w, s, len);
}

void tby_server__jw_string(tby_server__jw *w, const char *s)
{
    tby_server__jw_stringn(w, s, s ? strlen(s) : 0);
}

void tby_server__jw_string_or_null(tby_server__jw *w, const char *s)
{
    if (s)
        tby_server__jw_string(w, s);
    else
        tby_server__jw_null(w);
}

__extension__ typedef unsigned __int128 jw_u128;

/* 10^p for p in 0..22, exactly. */
static jw_u128 pow10_u128(int p)
{
    jw_u128 r = 1;
    for (int i = 0; i < p; i++)
        r *= 10;
    return r;
}

/*
 * "%.17g" of a positive v in [1e-6, 1e15) as jansson leaves it, computed exactly: v is
 * m * 2^e with a 53-bit m, so v * 10^p for p <= 22 is the 127-bit integer m * 10^p shifted
 * right by -e, and its rounding to an integer (to nearest, ties to even, as printf does) is
 * exact too. The 17 digits D = round(v * 10^(16 - k)), k the decimal exponent of v (the
 * one of D when it rounds up to 10^17), are then written as %g writes them (trailing zeros dropped;
 * exponential below 1e-4) with jansson's touches (".0" for a whole number, no '+' or leading zeros
 * in the exponent). Returns the length, or 0 when v is outside that range (printf then).
 */
static int format_real_exact(double v, char *out)
{
    if (!(v >= 1e-6 && v < 1e15))
        return 0;
    int exp2;
    double frac = frexp(v, &exp2); /* v = frac * 2^exp2, frac in [0.5, 1) */
    uint64_t m = (uint64_t)ldexp(frac, 53);
    int shift = 53 - exp2; /* v = m / 2^shift */
    if (shift <= 0 || shift > 120)
        return 0;
    int k = (int)floor(log10(v));
    uint64_t digits = 0;
    const uint64_t low = 10000000000000000ull; /* 10^16 */
    int tries = 0;
    for (;; tries++) {
        int p = 16 - k;
        if (tries > 3 || p < 0 || p > 22)
            return 0;
        jw_u128 x = (jw_u128)m * pow10_u128(p);
        jw_u128 q = x >> shift; /* v * 10^p rounded down: 17 digits when k is right */
        if (q >= (jw_u128)low * 10) {
            k++;
            continue;
        }
        if (q < low) {
            k--;
            continue;
        }
        jw_u128 r = x - (q << shift);
        jw_u128 half = (jw_u128)1 << (shift - 1);
        if (r > half || (r == half && (q & 1)))
            q++;
        if (q == (jw_u128)low * 10) { /* rounded up to the next power of ten */
            q = low;
            k++;
        }
        digits = (uint64_t)q;
        break;
    }
    char d[17];
    for (int i = 16; i >= 0; i--) {
        d[i] = (char)('0' + digits % 10);
        digits /= 10;
    }
    int nd = 17;
    while (nd > 1 && d[nd - 1] == '0')
        nd--;
    int n = 0;
    if (k >= -4) {
        if (k >= 0) {
            for (int i = 0; i <= k; i++)
                out[n++] = i < nd ? d[i] : '0';
            out[n++] = '.';
            if (nd > k + 1) {
                memcpy(out + n, d + k + 1, (size_t)(nd - k - 1));
                n += nd - k - 1;
            } else {
                out[n++] = '0'; /* jansson's ".0" */
            }
        } else {
            out[n++] = '0';
            out[n++] = '.';
            for (int i = 0; i < -k - 1; i++)
                out[n++] = '0';
            memcpy(out + n, d, (size_t)nd);
            n += nd;
        }
    } else {
        out[n++] = d[0];
        if (nd > 1) {
            out[n++] = '.';
            memcpy(out + n, d + 1, (size_t)(nd - 1));
            n += nd - 1;
        }
        out[n++] = 'e';
        out[n++] = '-';
        out[n++] = (char)('0' + -k); /* k is -5 or -6 here */
    }
    out[n] = '\0';
    return n;
}

int tby_server__jw_format_real(double value, char out[TBY_SERVER__JW_REAL_LEN])
{
    if (!isfinite(value))
        return -1;
    int n;
    /* Whole numbers well inside a double's exact range print as their digits under %.17g:
       written here without printf, which costs a few thousand instructions a number. */
    if (value == floor(value) && fabs(value) < 1e15) {
        char digits[24];
        char *p = format_integer((long long)value, digits);
        size_t len = (size_t)(digits + sizeof(digits) - p);
        n = 0;
        if (value == 0 && signbit(value))
            out[n++] = '-';
        memcpy(out + n, p, len);
        memcpy(out + n + len, ".0", 3);
        return n + (int)len + 2;
    }
    if (value > 0 && (n = format_real_exact(value, out)) > 0)
        return n;
    if (value < 0 && (n = format_real_exact(-value, out + 1)) > 0) {
        out[0] = '-';
        return n + 1;
    }
    n = snprintf(out, TBY_SERVER__JW_REAL_LEN, "%.17g", value);
    if (n <= 0 || n >= TBY_SERVER__JW_REAL_LEN - 3)
        return -1;
    for (int i = 0; i < n; i++) {
        if (out[i] == ',') /* a locale's decimal comma */
            out[i] = '.';
    }
    if (!memchr(out, '.', (size_t)n) && !memchr(out, 'e', (size_t)n)) {
        memcpy(out + n, ".0", 3);
        n += 2;
    }
    char *e = memchr(out, 'e', (size_t)n);
    if (e) {
        char *start = e + 1; /* where the exponent's digits go */
        char *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            size_t tail = (size_t)(out + n - end) + 1; /* with the NUL */
            memmove(start, end, tail);
            n -= (int)(end - start);
        }
    }
    return n;
}

void tby_server__jw_real(tby_server__jw *w, double value)
{
    jw_separate(w);
    if (w->rc)
        return;
    char text[TBY_SERVER__JW_REAL_LEN];
    int n = tby_server__jw_format_real(value, text);
    if (n < 0) {
        w->rc = TBY_EINVALID;
        return;
    }
    jw_put(w, text, (size_t)n);
}

void tby_server__jw_integer(tby_server__jw *w, long long value)
{
    jw_separate(w);
    char text[24];
    char *p = format_integer(value, text);
    jw_put(w, p, (size_t)(text + sizeof(text) - p));
}

void tby_server__jw_bool(tby_server__jw *w, bool value)
{
    jw_separate(w);
    jw_put(w, value ? "true" : "false", value ? 4 : 5);
}

void tby_server__jw_null(tby_server__jw *w)
{
    jw_separate(w);
    jw_put(w, "null", 4);
}

void tby_server__jw_raw(tby_server__jw *w, const char *json, size_t len)
{
    if (!len)
        return;
    jw_separate(w);
    jw_put(w, json, len);
}
