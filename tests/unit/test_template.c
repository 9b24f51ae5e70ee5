/* test_template.c: escape modes, strict mode, template errors, limits, files and the CLI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "cli.h"
#include "template.h"
#include "util.h"

/* Render `tpl` over the JSON text `json`; returns the output (caller frees) or NULL with err. */
static char *render(const char *tpl, const char *json, const struct tpl_options *opt,
                    struct wr_error *err)
{
    cJSON *data = json ? cJSON_Parse(json) : NULL;
    if (json)
        assert_non_null(data);
    char *out = NULL;
    wr_error_clear(err);
    int rc = tpl_render(tpl, data, opt, &out, err);
    cJSON_Delete(data);
    if (rc == 0)
        assert_non_null(out);
    else
        assert_null(out);
    return out;
}

static void assert_renders(const char *tpl, const char *json, const struct tpl_options *opt,
                           const char *expected)
{
    struct wr_error err = {0};
    char *out = render(tpl, json, opt, &err);
    if (!out)
        fail_msg("render failed: %s", err.msg);
    assert_string_equal(out, expected);
    free(out);
}

/* Rendering must fail with a message containing `needle`. */
static void assert_fails(const char *tpl, const char *json, const struct tpl_options *opt,
                         const char *needle)
{
    struct wr_error err = {0};
    char *out = render(tpl, json, opt, &err);
    if (out)
        fail_msg("expected an error containing \"%s\", rendered \"%s\"", needle, out);
    if (!strstr(err.msg, needle))
        fail_msg("error \"%s\" does not contain \"%s\"", err.msg, needle);
    assert_int_equal(err.code, WR_E_INPUT);
}

#define HOSTILE "{\"x\": \"<script>alert(\\\"1\\\")</script> & **bold** [a](http://e) | b\\r\\nc\"}"

static void test_escape_html(void **state)
{
    struct tpl_options opt = {.escape = TPL_ESCAPE_HTML};
    assert_renders("{{x}}", HOSTILE, &opt,
                   "&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt; &amp; **bold** "
                   "[a](http://e) | b\r\nc");
    /* opt NULL is HTML too */
    assert_renders("{{x}}", "{\"x\": \"a<b\"}", NULL, "a&lt;b");
}

/* max_steps lowers the step cap (fuzzing uses it); the refusal is the same as at the default. */
static void test_max_steps(void **state)
{
    (void)state;
    cJSON *data = cJSON_Parse("{\"l\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}");
    struct tpl_options opt = {.escape = TPL_ESCAPE_NONE, .max_steps = 50};
    struct wr_error err = {0};
    char *out = NULL;
    assert_int_equal(tpl_render("{{#l}}{{#l}}x{{/l}}{{/l}}", data, &opt, &out, &err), -1);
    assert_null(out);
    assert_non_null(strstr(err.msg, "stopped after 50 steps"));
    opt.max_steps = 0; /* the default cap: 10 x 10 loops are far below it */
    assert_int_equal(tpl_render("{{#l}}{{#l}}x{{/l}}{{/l}}", data, &opt, &out, &err), 0);
    assert_int_equal(strlen(out), 100);
    free(out);
    cJSON_Delete(data);
}

static void test_escape_none_and_raw_tags(void **state)
{
    const char *raw = "<script>alert(\"1\")</script> & **bold** [a](http://e) | b\r\nc";
    struct tpl_options opt = {.escape = TPL_ESCAPE_NONE};
    assert_renders("{{x}}", HOSTILE, &opt, raw);
    /* {{{x}}} and {{&x}} are raw whatever the mode */
    enum tpl_escape modes[] = {TPL_ESCAPE_HTML, TPL_ESCAPE_MARKDOWN, TPL_ESCAPE_SLACK};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        opt.escape = modes[i];
        assert_renders("{{{x}}}", HOSTILE, &opt, raw);
        assert_renders("{{&x}}", HOSTILE, &opt, raw);
    }
}

static void test_escape_markdown(void **state)
{
    struct tpl_options opt = {.escape = TPL_ESCAPE_MARKDOWN};
    assert_renders("| {{x}} |", HOSTILE, &opt,
                   "| \\<script\\>alert(\"1\")\\</script\\> \\& \\*\\*bold\\*\\* "
                   "\\[a\\](http://e) \\| b c |");
    /* a value that starts a line cannot start a heading, a list or a setext underline ... */
    assert_renders("{{x}}", "{\"x\": \"# H\\n- item\\n`code`\\n\\tx\\u0007y\"}", &opt,
                   "\\# H - item \\`code\\`  xy");
    assert_renders("a\n  {{x}}", "{\"x\": \"- bullet\"}", &opt, "a\n  \\- bullet");
    assert_renders("{{x}}\n{{y}}\n{{z}}",
                   "{\"x\": \"1986. year\", \"y\": \"===\", \"z\": \"2) b\"}", &opt,
                   "1986\\. year\n\\===\n2\\) b");
    /* ... while mid-line the same characters are plain text and stay readable */
    assert_renders("x {{x}} {{y}}", "{\"x\": \"1986. year\", \"y\": \"INC-1 v2.14.0 (ok)!\"}", &opt,
                   "x 1986. year INC-1 v2.14.0 (ok)!");
    /* the template's own Markdown is untouched */
    assert_renders("**{{x}}**", "{\"x\": \"plain words\"}", &opt, "**plain words**");
    /* the public helper assumes a line start */
    struct wr_buf b = {0};
    tpl_escape_append(&b, "- a|b", 5, TPL_ESCAPE_MARKDOWN);
    assert_string_equal(b.data, "\\- a\\|b");
    wr_buf_free(&b);
}

static void test_escape_slack(void **state)
{
    struct tpl_options opt = {.escape = TPL_ESCAPE_SLACK};
    assert_renders("{{x}}", "{\"x\": \"<!channel> & <http://evil|click> \\\"q\\\" *b*\"}", &opt,
                   "&lt;!channel&gt; &amp; &lt;http://evil|click&gt; \"q\" *b*");
}

static void test_escape_names(void **state)
{
    struct wr_error err = {0};
    enum tpl_escape mode = TPL_ESCAPE_HTML;
    assert_int_equal(tpl_escape_parse("markdown", &mode, &err), 0);
    assert_int_equal(mode, TPL_ESCAPE_MARKDOWN);
    assert_int_equal(tpl_escape_parse("Slack", &mode, &err), 0);
    assert_int_equal(mode, TPL_ESCAPE_SLACK);
    assert_int_equal(tpl_escape_parse("none", &mode, &err), 0);
    assert_int_equal(mode, TPL_ESCAPE_NONE);
    assert_int_equal(tpl_escape_parse("rtf", &mode, &err), -1);
    assert_int_equal(err.code, WR_E_USAGE);
    assert_non_null(strstr(err.msg, "'rtf'"));
    assert_non_null(strstr(err.msg, "markdown"));
    assert_string_equal(tpl_escape_name(TPL_ESCAPE_HTML), "html");
}

static void test_strict_unknown_variable(void **state)
{
    const char *data = "{\"incident\": {\"severity\": \"SEV1\", \"summary\": null}}";
    struct tpl_options strict = {.strict = true};
    assert_fails("Update\n\n{{incident.sevrity}}\n", data, &strict,
                 "unknown variable 'incident.sevrity' on line 3; check the spelling or add it "
                 "to the data");
    assert_fails("a\n{{#incident.rolez}}x{{/incident.rolez}}", data, &strict,
                 "unknown section 'incident.rolez' on line 2");
    assert_fails("{{^nope}}x{{/nope}}", data, &strict, "unknown section 'nope' on line 1");
    /* a broken chain is unknown too */
    assert_fails("{{incident.severity.level}}", data, &strict,
                 "unknown variable 'incident.severity.level' on line 1");
    /* an object where text was expected is a mistake worth naming */
    assert_fails("{{incident}}", data, &strict, "'incident' on line 1 is an object");
    /* known names, including null, are fine */
    assert_renders("{{incident.severity}}[{{incident.summary}}]", data, &strict, "SEV1[]");
    /* not strict: the spec's empty string */
    assert_renders("[{{incident.sevrity}}]", data, NULL, "[]");
}

static void test_strict_missing_partial(void **state)
{
    struct tpl_options strict = {.strict = true};
    assert_fails("x\n{{> header}}", "{}", &strict, "unknown partial 'header' on line 2");
    assert_renders("x{{> header}}y", "{}", NULL, "xy");
}

static void test_malformed_templates(void **state)
{
    assert_fails("a\n{{#items}}\nb\n", "{}", NULL,
                 "section 'items' opened on line 2 is never closed; add {{/items}}");
    assert_fails("{{#a}}\n{{#b}}\n{{/a}}\n{{/b}}", "{}", NULL,
                 "closing tag 'a' on line 3 does not match section 'b' opened on line 2");
    assert_fails("x\n\n{{/a}}", "{}", NULL, "closing tag 'a' on line 3 has no open section");
    assert_fails("a\n{{=<% =}}", "{}", NULL, "bad delimiter change on line 2");
    assert_fails("{{= a=b c =}}", "{}", NULL, "bad delimiter change on line 1");
    assert_fails("one\ntwo {{name", "{}", NULL, "unclosed tag '{{name' on line 2");
    assert_fails("{{{name}}", "{}", NULL, "unclosed tag '{{{name}}' on line 1; end it with '}}}'");
    assert_fails("{{ }}", "{}", NULL, "bad tag '{{ }}' on line 1");
    assert_fails("{{two words}}", "{}", NULL, "bad tag '{{two words}}' on line 1");
}

static int loop_partial(void *ctx, const char *name, char **text, struct wr_error *err)
{
    const char *const *table = ctx;
    for (size_t i = 0; table[i]; i += 2) {
        if (strcmp(table[i], name) == 0) {
            *text = strdup(table[i + 1]);
            return 0;
        }
    }
    return 1;
}

static void test_partials(void **state)
{
    const char *table[] = {
        "self",   "again {{> self}}",
        "broken", "line1\n{{#x}}",
        "node",   "{{name}}({{#kids}}{{> node}}{{/kids}})",
        "row",    "| {{name}} |\n",
        NULL,
    };
    struct tpl_options opt = {.load_partial = loop_partial, .partial_ctx = table};
    /* a partial that includes itself forever is stopped, not a stack overflow */
    assert_fails("{{> self}}", "{}", &opt, "partials nested deeper than 64 levels at 'self'");
    /* a malformed partial is reported with its own line and name */
    assert_fails("ok\n{{> broken}}", "{}", &opt,
                 "section 'x' opened on line 2 in partial 'broken' is never closed");
    /* bounded recursion over data works */
    assert_renders("{{> node}}",
                   "{\"name\": \"a\", \"kids\": [{\"name\": \"b\", \"kids\": []}, "
                   "{\"name\": \"c\", \"kids\": [{\"name\": \"d\", \"kids\": []}]}]}",
                   &opt, "a(b()c(d()))");
    /* standalone partials are indented line by line, inside lists too */
    assert_renders("T\n  {{> row}}\nE\n", "{}", &opt, "T\n  |  |\nE\n");
    assert_renders("{{#r}}\n  {{> row}}\n{{/r}}\n",
                   "{\"r\": [{\"name\": \"x\"}, {\"name\": \"y\"}]}", &opt, "  | x |\n  | y |\n");
}

static void test_nesting_limit(void **state)
{
    struct wr_buf b = {0};
    for (int i = 0; i < TPL_MAX_NESTING + 1; i++)
        wr_buf_puts(&b, "{{#a}}");
    for (int i = 0; i < TPL_MAX_NESTING + 1; i++)
        wr_buf_puts(&b, "{{/a}}");
    assert_fails(b.data, "{\"a\": true}", NULL, "nested deeper than 512 levels");
    wr_buf_free(&b);
    /* 30 nested loops over two items would take 2^30 steps: stopped, not run for minutes */
    for (int i = 0; i < 30; i++)
        wr_buf_puts(&b, "{{#a}}");
    wr_buf_puts(&b, "x");
    for (int i = 0; i < 30; i++)
        wr_buf_puts(&b, "{{/a}}");
    assert_fails(b.data, "{\"a\": [1, 2]}", NULL, "template stopped after 10000000 steps");
    wr_buf_free(&b);
}

static void test_dotted_names_and_values(void **state)
{
    const char *data = "{\"incident\": {\"id\": 42, \"title\": \"API down\", "
                       "\"roles\": {\"ic\": {\"name\": \"Ana\"}}, \"burn\": 14.4, "
                       "\"open\": true, \"closed\": false, \"tags\": [\"db\", \"api\"], "
                       "\"empty\": \"\"}, \"name\": \"outer\"}";
    assert_renders("INC-{{incident.id}} {{incident.title}} IC={{incident.roles.ic.name}}", data,
                   NULL, "INC-42 API down IC=Ana");
    assert_renders("{{incident.burn}}x {{incident.open}} {{incident.closed}}", data, NULL,
                   "14.4x true false");
    assert_renders("{{#incident.roles.ic}}{{name}}/{{incident.id}}{{/incident.roles.ic}}", data,
                   NULL, "Ana/42");
    assert_renders("{{#incident}}{{name}}{{/incident}}", data, NULL, "outer");
    assert_renders("{{#incident.tags}}[{{.}}]{{/incident.tags}}", data, NULL, "[db][api]");
    assert_renders("{{^incident.empty}}no summary{{/incident.empty}}", data, NULL, "no summary");
    assert_renders("[{{incident.roles.cl.name}}]", data, NULL, "[]");
}

/* ---- files and the CLI command ---- */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int files_setup(void **state)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/warroom-tpl-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    char sub[128];
    snprintf(sub, sizeof(sub), "%s/parts", tmpdir);
    mkdir(sub, 0700);
    write_file("update.mustache", "{{> head}}Status: {{status}}\n{{> ../secret}}");
    write_file("head.mustache", "# {{title}}\n");
    write_file("parts/head.mustache", "== {{title}} ==\n");
    write_file("secret.mustache", "SECRET");
    write_file("data.json", "{\"title\": \"DB <down>\", \"status\": \"investigating\"}");
    write_file("bad.json", "{\n  \"title\": \"x\",\n  \"status\" \"y\"\n}");
    write_file("typo.mustache", "line one\n{{stauts}}\n");
    return 0;
}

static int files_teardown(void **state)
{
    const char *names[] = {"update.mustache", "head.mustache", "parts/head.mustache",
                           "secret.mustache", "data.json",     "bad.json",
                           "typo.mustache"};
    char path[256];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/parts", tmpdir);
    rmdir(path);
    rmdir(tmpdir);
    return 0;
}

static char *path_of(const char *name)
{
    static char paths[4][256];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    return p;
}

static void test_render_files(void **state)
{
    struct wr_error err = {0};
    char *out = NULL;
    struct tpl_options opt = {.escape = TPL_ESCAPE_SLACK};
    /* partials default to the template's directory; ../secret is refused (empty) */
    assert_int_equal(
        tpl_render_files(path_of("update.mustache"), path_of("data.json"), NULL, &opt, &out, &err),
        0);
    assert_string_equal(out, "# DB &lt;down&gt;\nStatus: investigating\n");
    free(out);
    /* --partials DIR wins */
    char parts[128];
    snprintf(parts, sizeof(parts), "%s/parts", tmpdir);
    assert_int_equal(
        tpl_render_files(path_of("update.mustache"), path_of("data.json"), parts, &opt, &out, &err),
        0);
    assert_string_equal(out, "== DB &lt;down&gt; ==\nStatus: investigating\n");
    free(out);
    /* strict: the refused partial is an error, not a read of ../secret */
    opt.strict = true;
    assert_int_equal(
        tpl_render_files(path_of("update.mustache"), path_of("data.json"), NULL, &opt, &out, &err),
        -1);
    assert_null(out);
    assert_non_null(strstr(err.msg, "unknown partial '../secret' on line 2"));
    assert_non_null(strstr(err.msg, "update.mustache: "));
}

static void test_render_files_errors(void **state)
{
    struct wr_error err = {0};
    char *out = NULL;
    assert_int_equal(
        tpl_render_files(path_of("nope.mustache"), path_of("data.json"), NULL, NULL, &out, &err),
        -1);
    assert_int_equal(err.code, WR_E_IO);
    assert_non_null(strstr(err.msg, "nope.mustache"));
    assert_int_equal(
        tpl_render_files(path_of("update.mustache"), path_of("bad.json"), NULL, NULL, &out, &err),
        -1);
    assert_int_equal(err.code, WR_E_INPUT);
    assert_non_null(strstr(err.msg, "bad.json: invalid JSON at line 3, column 12"));
    struct tpl_options strict = {.strict = true};
    assert_int_equal(
        tpl_render_files(path_of("typo.mustache"), path_of("data.json"), NULL, &strict, &out, &err),
        -1);
    assert_non_null(strstr(err.msg, "typo.mustache: unknown variable 'stauts' on line 2"));
}

/* Run `warroom template ...` through the command table, capturing stdout. */
static int run_cli(char **argv, int argc, char *out, size_t n, struct cli_ctx *ctx)
{
    const struct cli_command *cmd = &cli_template_commands[0];
    assert_string_equal(cmd->name, "template");
    assert_null(cli_template_commands[1].name);
    memset(ctx, 0, sizeof(*ctx));
    ctx->out = tmpfile();
    ctx->errf = stderr;
    assert_non_null(ctx->out);
    int rc = cmd->run(ctx, argc, argv);
    rewind(ctx->out);
    size_t got = fread(out, 1, n - 1, ctx->out);
    out[got] = '\0';
    fclose(ctx->out);
    return rc;
}

static void test_cli_template_render(void **state)
{
    struct cli_ctx ctx;
    char out[1024];
    char *ok[] = {"template",           "render",       path_of("update.mustache"), "--data",
                  path_of("data.json"), "--escape=none"};
    assert_int_equal(run_cli(ok, 6, out, sizeof(out), &ctx), 0);
    assert_string_equal(out, "# DB <down>\nStatus: investigating\n");

    char *strict[] = {"render", path_of("typo.mustache"), "--data", path_of("data.json"),
                      "--strict"};
    assert_int_equal(run_cli(strict, 5, out, sizeof(out), &ctx), WR_E_INPUT);
    assert_string_equal(out, "");
    assert_non_null(strstr(ctx.err.msg, "unknown variable 'stauts' on line 2"));

    char *bad_escape[] = {
        "render", path_of("update.mustache"), "--data", path_of("data.json"), "--escape", "rtf"};
    assert_int_equal(run_cli(bad_escape, 6, out, sizeof(out), &ctx), WR_E_USAGE);
    char *no_data[] = {"render", path_of("update.mustache")};
    assert_int_equal(run_cli(no_data, 2, out, sizeof(out), &ctx), WR_E_USAGE);
    assert_non_null(strstr(ctx.err.msg, "--data"));
    char *dangling[] = {"render", path_of("update.mustache"), "--data"};
    assert_int_equal(run_cli(dangling, 3, out, sizeof(out), &ctx), WR_E_USAGE);
    char *bad_json[] = {"render", path_of("update.mustache"), "--data", path_of("bad.json")};
    assert_int_equal(run_cli(bad_json, 4, out, sizeof(out), &ctx), WR_E_INPUT);
    assert_non_null(strstr(ctx.err.msg, "line 3"));
    char *missing[] = {"render", path_of("nope.mustache"), "--data", path_of("data.json")};
    assert_int_equal(run_cli(missing, 4, out, sizeof(out), &ctx), WR_E_IO);
    char *action[] = {"template", "show"};
    assert_int_equal(run_cli(action, 2, out, sizeof(out), &ctx), WR_E_USAGE);
    assert_non_null(strstr(ctx.err.msg, "'show'"));
}

/* The Markdown escape, one byte at a time, as the spec reads: the run-at-a-time version in
 * template.c must write exactly this for any bytes. marker: the block marker's offset. */
static void md_reference(struct wr_buf *b, const char *s, size_t len, size_t marker)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
            continue;
        if (c == '\n' || c == '\r' || c == '\t')
            wr_buf_append(b, " ", 1);
        else if (c < 0x20 || c == 0x7f)
            continue;
        else if (i == marker || (c && strchr("\\`*_{}[]<>|~&", c))) {
            char two[2] = {'\\', (char)c};
            wr_buf_append(b, two, 2);
        } else
            wr_buf_append(b, s + i, 1);
    }
}

static void test_escape_markdown_any_bytes(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    const char alphabet[] = "ab \t\r\n\\`*_{}[]<>|~&#-+=.)1\x7f\x01\xc3\xa9";
    for (int round = 0; round < 20000; round++) {
        char in[24];
        size_t len = (size_t)(round % 23) + 1;
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            in[i] = alphabet[x % (sizeof alphabet - 1)];
        }
        /* Where a block marker would be: text not starting with one gets none. */
        struct wr_buf got = {0}, want = {0};
        tpl_escape_append(&got, in, len, TPL_ESCAPE_MARKDOWN);
        size_t marker = (size_t)-1, i = 0;
        while (i < len && (in[i] == ' ' || in[i] == '\t'))
            i++;
        if (i < len && (in[i] == '#' || in[i] == '-' || in[i] == '+' || in[i] == '='))
            marker = i;
        else {
            size_t d = 0;
            while (i < len && in[i] >= '0' && in[i] <= '9' && d < 10)
                i++, d++;
            if (d > 0 && i < len && (in[i] == '.' || in[i] == ')'))
                marker = i;
        }
        md_reference(&want, in, len, marker);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data ? got.data : "", want.data ? want.data : "", want.len);
        wr_buf_free(&got);
        wr_buf_free(&want);
    }
    /* Every byte value, alone and between letters (the table in template.c lists them). */
    for (int c = 0; c < 256; c++) {
        char in[3] = {'a', (char)c, 'b'};
        struct wr_buf got = {0}, want = {0};
        tpl_escape_append(&got, in, 3, TPL_ESCAPE_MARKDOWN);
        md_reference(&want, in, 3, (size_t)-1);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data ? want.data : "", want.len);
        wr_buf_free(&got);
        wr_buf_free(&want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_html),
        cmocka_unit_test(test_escape_none_and_raw_tags),
        cmocka_unit_test(test_escape_markdown),
        cmocka_unit_test(test_escape_markdown_any_bytes),
        cmocka_unit_test(test_escape_slack),
        cmocka_unit_test(test_escape_names),
        cmocka_unit_test(test_strict_unknown_variable),
        cmocka_unit_test(test_strict_missing_partial),
        cmocka_unit_test(test_malformed_templates),
        cmocka_unit_test(test_partials),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_dotted_names_and_values),
        cmocka_unit_test(test_render_files),
        cmocka_unit_test(test_render_files_errors),
        cmocka_unit_test(test_cli_template_render),
        cmocka_unit_test(test_max_steps),
    };
    return cmocka_run_group_tests(tests, files_setup, files_teardown);
}
