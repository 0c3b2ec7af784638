// SPDX-License-Identifier: Apache-2.0
// Request bodies: the nesting-depth cap (checked before jansson sees the bytes, so a body of
// a million '[' costs one pass and no allocation), the parse into a JSON object with the byte
// position of the first error, and the check of an object's keys against a field list:
// unknown keys, wrong types and missing required keys each get their own error code and name
// the field.
#include <jansson.h>
#include <string.h>

#include "server/server_int.h"

int64_t tby_server__json_depth_exceeded(const char *body, size_t len, unsigned max_depth)
{
    unsigned depth = 0;
    bool is_in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = body[i];
        if (is_in_string) {
            if (c == '\\')
                i++; /* the escaped character cannot end the string */
            else if (c == '"')
                is_in_string = false;
            continue;
        }
        if (c == '"') {
            is_in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                return (int64_t)i;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return -1;
}

json_t *tby_server__parse_body(const char *body, size_t len, unsigned max_depth,
                               tby_server_response *out)
{
    size_t first = 0;
    while (first < len && (body[first] == ' ' || body[first] == '\t' || body[first] == '\r' ||
                           body[first] == '\n'))
        first++;
    if (first == len) {
        tby_server__error(out, 400, "bad_json", NULL, 0,
                          "the body is empty; a JSON object is "
                          "expected");
        return NULL;
    }
    int64_t deep = tby_server__json_depth_exceeded(body, len, max_depth);
    if (deep >= 0) {
        tby_server__error(out, 400, "too_deep", NULL, deep,
                          "JSON nested deeper than %u levels at byte %lld", max_depth,
                          (long long)deep);
        return NULL;
    }
    json_error_t error;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &error);
    if (!root) {
        /* jansson's position is the count of bytes read, one past the offending byte. */
        int64_t position = error.position > 0 ? error.position - 1 : 0;
        tby_server__error(out, 400, "bad_json", NULL, position,
                          "invalid JSON at byte %lld (line %d, column %d): %s", (long long)position,
                          error.line, error.column, error.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        tby_server__error(out, 400, "bad_json", NULL, (int64_t)first,
                          "the body must be a JSON object");
        return NULL;
    }
    return root;
}

/* ===== Fields ===== */

static bool type_allowed(const json_t *value, unsigned types)
{
    switch (json_typeof(value)) {
    case JSON_STRING:
        return types & TBY_TYPE_STRING;
    case JSON_INTEGER:
        return types & (TBY_TYPE_INTEGER | TBY_TYPE_NUMBER);
    case JSON_REAL:
        return types & TBY_TYPE_NUMBER;
    case JSON_OBJECT:
        return types & TBY_TYPE_OBJECT;
    case JSON_ARRAY:
        return types & TBY_TYPE_ARRAY;
    case JSON_TRUE:
    case JSON_FALSE:
        return types & TBY_TYPE_BOOLEAN;
    case JSON_NULL:
        return types & TBY_TYPE_NULL;
    }
    return false;
}

static const char *type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

/* "a string or an array" for a type mask. */
static void types_text(char *out, size_t size, unsigned types)
{
    static const char *const names[] = {"a string", "a number",  "an integer", "an object",
                                        "an array", "a boolean", "null"};
    size_t used = 0;
    out[0] = '\0';
    for (unsigned bit = 0; bit < sizeof(names) / sizeof(names[0]); bit++) {
        if (!(types & (1u << bit)) || used >= size)
            continue;
        int n = snprintf(out + used, size - used, "%s%s", used ? " or " : "", names[bit]);
        used += n > 0 ? (size_t)n : 0;
    }
}

bool tby_server__check_fields(json_t *object, const tby_server__field *fields, size_t field_count,
                              const char *prefix, tby_server_response *out)
{
    char name[TBY_ERROR_FIELD_LEN + 64];
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value)
    {
        const tby_server__field *field = NULL;
        for (size_t i = 0; i < field_count && !field; i++) {
            if (strcmp(fields[i].name, key) == 0)
                field = &fields[i];
        }
        snprintf(name, sizeof(name), "%s%s", prefix, key);
        if (!field) {
            char known[256] = "";
            size_t used = 0;
            for (size_t i = 0; i < field_count && used < sizeof(known); i++) {
                int n = snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
                                 fields[i].name);
                used += n > 0 ? (size_t)n : 0;
            }
            tby_server__error(out, 400, "unknown_field", name, -1,
                              "unknown field \"%s\" (known: %s)", name, known);
            return false;
        }
        if (!type_allowed(value, field->types)) {
            char expected[128];
            types_text(expected, sizeof(expected), field->types);
            tby_server__error(out, 400, "wrong_type", name, -1, "%s must be %s, not %s", name,
                              expected, type_name(value));
            return false;
        }
    }
    for (size_t i = 0; i < field_count; i++) {
        if (fields[i].is_required && !json_object_get(object, fields[i].name)) {
            snprintf(name, sizeof(name), "%s%s", prefix, fields[i].name);
            tby_server__error(out, 400, "missing_field", name, -1, "%s is required", name);
            return false;
        }
    }
    return true;
}
