// SPDX-License-Identifier: Apache-2.0
// openapi/tabayyun.json against the route table: every route is documented with its method,
// operationId, roles, audit flag and security, and every documented operation is a route.
// Also checks that the document served at /openapi.json is the repository's, byte for byte.
#include <jansson.h>
#include <string.h>

#include "harness/test.h"
#include "server/server_int.h"

static json_t *load_document(void)
{
    json_error_t error;
    json_t *doc = json_load_file("openapi/tabayyun.json", JSON_REJECT_DUPLICATES, &error);
    if (!doc)
        fprintf(stderr, "openapi/tabayyun.json:%d:%d: %s\n", error.line, error.column, error.text);
    return doc;
}

static void lower(char *out, size_t size, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < size; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    out[i] = '\0';
}

static void test_server_openapi__embedded_is_repository_file(void)
{
    FILE *f = fopen("openapi/tabayyun.json", "rb");
    TEST_CHECK(f != NULL);
    if (!f)
        return;
    static char text[1 << 20];
    size_t len = fread(text, 1, sizeof(text), f);
    fclose(f);
    TEST_INT_EQ(len, tby_server__openapi_json_len);
    TEST_CHECK(memcmp(text, tby_server__openapi_json, len) == 0);
}

static void test_server_openapi__every_route_documented(void)
{
    json_t *doc = load_document();
    TEST_CHECK(doc != NULL);
    if (!doc)
        return;
    TEST_CHECK(strncmp(json_string_value(json_object_get(doc, "openapi")), "3.", 2) == 0);
    json_t *paths = json_object_get(doc, "paths");
    for (size_t i = 0; i < tby_server__route_count; i++) {
        const tby_server__route *route = &tby_server__routes[i];
        char method[16];
        lower(method, sizeof(method), route->method);
        json_t *operation = json_object_get(json_object_get(paths, route->pattern), method);
        if (!operation) {
            fprintf(stderr, "  %s %s is not in openapi/tabayyun.json\n", route->method,
                    route->pattern);
            TEST_CHECK(!"route documented");
            continue;
        }
        TEST_STR_EQ(json_string_value(json_object_get(operation, "operationId")), route->operation);
        unsigned roles = 0;
        size_t k;
        json_t *role;
        json_array_foreach(json_object_get(operation, "x-tabayyun-roles"), k, role)
        {
            const char *name = json_string_value(role);
            tby_server_role bit = tby_server_role_lookup(name, strlen(name));
            TEST_CHECK(bit != TBY_ROLE_NONE);
            roles |= (unsigned)bit;
        }
        TEST_INT_EQ(roles, route->roles);
        json_t *audited = json_object_get(operation, "x-tabayyun-audited");
        TEST_CHECK(json_is_boolean(audited));
        TEST_INT_EQ(json_is_true(audited), (route->flags & TBY_ROUTE_PERSONAL_DATA) != 0);
        /* Public routes say "security": [] (no credential); the others inherit the
         * document's bearer-or-session requirement. */
        json_t *security = json_object_get(operation, "security");
        if (route->flags & TBY_ROUTE_PUBLIC)
            TEST_CHECK(json_is_array(security) && json_array_size(security) == 0);
        else
            TEST_CHECK(security == NULL);
        TEST_INT_EQ(json_object_get(operation, "requestBody") != NULL,
                    (route->flags & TBY_ROUTE_JSON_BODY) != 0);
    }
    TEST_CHECK(json_array_size(json_object_get(doc, "security")) > 0);
    json_decref(doc);
}

static void test_server_openapi__every_operation_routed(void)
{
    json_t *doc = load_document();
    if (!doc) {
        TEST_CHECK(!"document");
        return;
    }
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        const char *method;
        json_t *operation;
        json_object_foreach(item, method, operation)
        {
            bool found = false;
            for (size_t i = 0; i < tby_server__route_count && !found; i++) {
                char route_method[16];
                lower(route_method, sizeof(route_method), tby_server__routes[i].method);
                found = strcmp(tby_server__routes[i].pattern, path) == 0 &&
                        strcmp(route_method, method) == 0;
            }
            if (!found)
                fprintf(stderr, "  %s %s is documented but not in the route table\n", method, path);
            TEST_CHECK(found);
        }
    }
    json_decref(doc);
}

/* Every error code the document lists is one the server sends (found quoted in its
 * sources), so the list cannot keep codes that no longer exist. */
static void test_server_openapi__error_codes(void)
{
    json_t *doc = load_document();
    if (!doc) {
        TEST_CHECK(!"document");
        return;
    }
    json_t *codes = json_object_get(
        json_object_get(
            json_object_get(
                json_object_get(
                    json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"),
                                    "Error"),
                    "properties"),
                "error"),
            "properties"),
        "code");
    codes = json_object_get(codes, "enum");
    TEST_CHECK(json_array_size(codes) > 0);
    static const char *const sources[] = {
        "src/server/dispatch.c",    "src/server/body.c",      "src/server/api_screen.c",
        "src/server/reply.c",       "src/server/api_auth.c",  "src/server/api_store.c",
        "src/server/api_records.c", "src/server/api_lists.c", "src/server/api_admin.c"};
    enum { SOURCE_COUNT = sizeof(sources) / sizeof(sources[0]) };
    static char text[SOURCE_COUNT][1 << 17];
    for (size_t s = 0; s < SOURCE_COUNT; s++) {
        FILE *f = fopen(sources[s], "rb");
        TEST_CHECK(f != NULL);
        size_t len = f ? fread(text[s], 1, sizeof(text[s]) - 1, f) : 0;
        text[s][len] = '\0';
        if (f)
            fclose(f);
    }
    size_t k;
    json_t *code;
    json_array_foreach(codes, k, code)
    {
        char quoted[64];
        snprintf(quoted, sizeof(quoted), "\"%s\"", json_string_value(code));
        bool used = false;
        for (size_t s = 0; s < SOURCE_COUNT && !used; s++)
            used = strstr(text[s], quoted) != NULL;
        if (!used)
            fprintf(stderr, "  error code %s is documented but never sent\n", quoted);
        TEST_CHECK(used);
    }
    json_decref(doc);
}

TEST_LIST = {
    TEST(test_server_openapi__embedded_is_repository_file),
    TEST(test_server_openapi__every_route_documented),
    TEST(test_server_openapi__every_operation_routed),
    TEST(test_server_openapi__error_codes),
    TEST_END,
};

TEST_MAIN()
