/* test_mustache_spec.c: runs every case of the official Mustache spec files against tpl_render. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "template.h"
#include "util.h"

/* The spec sits beside the checkout and is never copied into the project. */
#define SPEC_DIR WARROOM_SOURCE_DIR "/../shared/conformance/mustache"
#define SKIP_CODE 77

/* Partials of one case come from its "partials" object. */
static int spec_partial(void *ctx, const char *name, char **text, struct wr_error *err)
{
    const cJSON *partials = ctx;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(partials, name);
    if (!cJSON_IsString(p))
        return 1;
    *text = strdup(p->valuestring);
    return *text ? 0 : wr_fail(err, WR_E_NOMEM, "out of memory");
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run one spec file; count cases and append failing case names to `failures`. */
static void run_spec_file(const char *path, int *total, int *passed, struct wr_buf *failures)
{
    struct wr_error err = {0};
    char *text = wr_read_file(path, NULL, &err);
    assert_non_null(text);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    const cJSON *tests = cJSON_GetObjectItemCaseSensitive(root, "tests");
    assert_true(cJSON_IsArray(tests));
    const cJSON *tc;
    cJSON_ArrayForEach(tc, tests)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(tc, "name");
        const cJSON *tpl = cJSON_GetObjectItemCaseSensitive(tc, "template");
        const cJSON *expected = cJSON_GetObjectItemCaseSensitive(tc, "expected");
        assert_true(cJSON_IsString(name) && cJSON_IsString(tpl) && cJSON_IsString(expected));
        struct tpl_options opt = {
            .escape = TPL_ESCAPE_HTML,
            .strict = false,
            .load_partial = spec_partial,
            .partial_ctx = cJSON_GetObjectItemCaseSensitive(tc, "partials"),
        };
        char *out = NULL;
        wr_error_clear(&err);
        int rc = tpl_render(tpl->valuestring, cJSON_GetObjectItemCaseSensitive(tc, "data"), &opt,
                            &out, &err);
        (*total)++;
        if (rc == 0 && strcmp(out, expected->valuestring) == 0) {
            (*passed)++;
        } else {
            const char *base = strrchr(path, '/');
            wr_buf_printf(failures, "  %s: %s: ", base ? base + 1 : path, name->valuestring);
            if (rc != 0)
                wr_buf_printf(failures, "error: %s\n", err.msg);
            else
                wr_buf_printf(failures, "expected \"%s\", got \"%s\"\n", expected->valuestring,
                              out);
        }
        free(out);
    }
    cJSON_Delete(root);
}

static void test_mustache_spec_all_cases(void **state)
{
    (void)state;
    DIR *dir = opendir(SPEC_DIR);
    assert_non_null(dir);
    char *names[64];
    size_t count = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n > 5 && strcmp(de->d_name + n - 5, ".json") == 0 && de->d_name[0] != '~') {
            assert_true(count < sizeof(names) / sizeof(names[0]));
            names[count++] = strdup(de->d_name);
        }
    }
    closedir(dir);
    assert_true(count > 0);
    qsort(names, count, sizeof(names[0]), name_cmp);

    int total = 0, passed = 0;
    struct wr_buf failures = {0};
    for (size_t i = 0; i < count; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", SPEC_DIR, names[i]);
        run_spec_file(path, &total, &passed, &failures);
        free(names[i]);
    }
    printf("mustache spec: %d of %d cases passed in %zu files\n", passed, total, count);
    if (failures.len)
        printf("failing cases:\n%s", failures.data);
    wr_buf_free(&failures);
    assert_true(total > 0);
    assert_int_equal(passed, total);
}

int main(void)
{
    DIR *dir = opendir(SPEC_DIR);
    if (!dir) {
        printf("SKIPPED: Mustache spec folder %s not found\n", SPEC_DIR);
        return SKIP_CODE;
    }
    closedir(dir);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mustache_spec_all_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
