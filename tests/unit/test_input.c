/* test_input.c: the input-line grammar (src/input.h), every rule and every refused form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "input.h"

/* Fixed "now": 2026-11-21T10:05:00.000Z (CTest runs with TZ=UTC; main() makes sure). */
#define NOW ((int64_t)1795255500000)
#define MIN ((int64_t)60000)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
/* 2026-11-21T00:00:00Z */
#define TODAY (NOW - 10 * HOUR - 5 * MIN)

/* Parse `line` and check every field of the result. */
#define EXPECT_OK(line, k, pin, back, at, txt)                                                     \
    expect_ok(__LINE__, (line), (k), (pin), (back), (at), (txt))
/* Parse `line`, expect a refusal whose message contains `needle`, and an empty result. */
#define EXPECT_FAIL(line, needle) expect_fail(__LINE__, (line), NOW, (needle))

static void expect_ok(int at_line, const char *line, enum entry_kind kind, bool pinned,
                      bool backdated, int64_t at_ms, const char *text)
{
    struct input_result r;
    struct wr_error err;
    wr_error_clear(&err);
    int rc = input_parse(line, NOW, &r, &err);
    if (rc != 0)
        print_error("line %d: input '%s' refused: %s\n", at_line, line, err.msg);
    assert_int_equal(rc, 0);
    if (r.kind != kind || r.pinned != pinned || r.backdated != backdated || r.at_ms != at_ms ||
        strcmp(r.text, text) != 0)
        print_error("line %d: input '%s' gave kind=%s pinned=%d backdated=%d at=%lld text='%s'\n",
                    at_line, line, kind_name(r.kind), r.pinned, r.backdated, (long long)r.at_ms,
                    r.text);
    assert_int_equal(r.kind, kind);
    assert_int_equal(r.pinned, pinned);
    assert_int_equal(r.backdated, backdated);
    assert_true(r.at_ms == at_ms);
    assert_string_equal(r.text, text);
    input_result_clear(&r);
    assert_null(r.text);
}

static void expect_fail(int at_line, const char *line, int64_t now, const char *needle)
{
    struct input_result r;
    struct wr_error err;
    wr_error_clear(&err);
    /* Poison the result: a refusal must leave it empty, whatever it held. */
    memset(&r, 0x5a, sizeof r);
    int rc = input_parse(line, now, &r, &err);
    if (rc == 0) {
        print_error("line %d: input '%s' accepted as %s '%s'; wanted '%s'\n", at_line, line,
                    kind_name(r.kind), r.text, needle);
        input_result_clear(&r);
    }
    assert_int_equal(rc, -1);
    assert_int_equal(err.code, WR_E_INPUT);
    if (!strstr(err.msg, needle))
        print_error("line %d: input '%s': message '%s' lacks '%s'\n", at_line, line, err.msg,
                    needle);
    assert_non_null(strstr(err.msg, needle));
    assert_null(r.text);
    assert_int_equal(r.kind, KIND_NOTE);
    assert_false(r.pinned);
    assert_false(r.backdated);
    input_result_clear(&r);
}

static void test_plain_note(void **state)
{
    (void)state;
    EXPECT_OK("disk full on db-1", KIND_NOTE, false, false, NOW, "disk full on db-1");
    EXPECT_OK("   spaced out \t  ", KIND_NOTE, false, false, NOW, "spaced out");
    EXPECT_OK("x", KIND_NOTE, false, false, NOW, "x");
    /* Inner white space and backslashes are the user's. */
    EXPECT_OK("a  b\\c \\ d", KIND_NOTE, false, false, NOW, "a  b\\c \\ d");
    /* Symbols that are not prefixes start the text. */
    EXPECT_OK("-10m ago the pool filled", KIND_NOTE, false, false, NOW, "-10m ago the pool filled");
    EXPECT_OK("50% of requests fail", KIND_NOTE, false, false, NOW, "50% of requests fail");
}

static void test_glyphs(void **state)
{
    (void)state;
    EXPECT_OK("!roll back", KIND_DECISION, false, false, NOW, "roll back");
    EXPECT_OK("! roll back", KIND_DECISION, false, false, NOW, "roll back");
    EXPECT_OK(">restart pods", KIND_ACTION, false, false, NOW, "restart pods");
    EXPECT_OK(">   restart pods", KIND_ACTION, false, false, NOW, "restart pods");
    EXPECT_OK("?retry storm", KIND_HYPOTHESIS, false, false, NOW, "retry storm");
    EXPECT_OK("? retry storm? maybe", KIND_HYPOTHESIS, false, false, NOW, "retry storm? maybe");
    EXPECT_OK("+add a retry budget", KIND_TODO, false, false, NOW, "add a retry budget");
    EXPECT_OK("+ add a retry budget", KIND_TODO, false, false, NOW, "add a retry budget");
    EXPECT_OK("~posted status page", KIND_COMMS, false, false, NOW, "posted status page");
    EXPECT_OK("~ posted status page", KIND_COMMS, false, false, NOW, "posted status page");
    EXPECT_OK("#burn rate 14.4x", KIND_ALERT, false, false, NOW, "burn rate 14.4x");
    EXPECT_OK("# burn rate 14.4x", KIND_ALERT, false, false, NOW, "burn rate 14.4x");
    EXPECT_OK("  !\tleading blanks", KIND_DECISION, false, false, NOW, "leading blanks");
    /* The glyph is taken from the model's table, so the two can never drift apart. */
    for (int k = 0; k < KIND_COUNT; k++) {
        if (!kind_typeable((enum entry_kind)k) || kind_glyph((enum entry_kind)k) == ' ')
            continue;
        char line[8] = {kind_glyph((enum entry_kind)k), 'z', '\0'};
        EXPECT_OK(line, (enum entry_kind)k, false, false, NOW, "z");
    }
}

static void test_system_glyphs_are_text(void **state)
{
    (void)state;
    /* Glyphs of kinds only warroom records are not prefixes; nor are letters used as glyphs. */
    EXPECT_OK("^ rollback", KIND_NOTE, false, false, NOW, "^ rollback");
    EXPECT_OK("= phase talk", KIND_NOTE, false, false, NOW, "= phase talk");
    EXPECT_OK("% errors up", KIND_NOTE, false, false, NOW, "% errors up");
    EXPECT_OK("Scoring is slow", KIND_NOTE, false, false, NOW, "Scoring is slow");
    EXPECT_OK("Rollback started", KIND_NOTE, false, false, NOW, "Rollback started");
}

static void test_keywords(void **state)
{
    (void)state;
    EXPECT_OK("note: just a note", KIND_NOTE, false, false, NOW, "just a note");
    EXPECT_OK("action: restart", KIND_ACTION, false, false, NOW, "restart");
    EXPECT_OK("decision: roll back", KIND_DECISION, false, false, NOW, "roll back");
    EXPECT_OK("hypothesis: retries", KIND_HYPOTHESIS, false, false, NOW, "retries");
    EXPECT_OK("hyp: retries", KIND_HYPOTHESIS, false, false, NOW, "retries");
    EXPECT_OK("HYP: retries", KIND_HYPOTHESIS, false, false, NOW, "retries");
    EXPECT_OK("todo: retry budget", KIND_TODO, false, false, NOW, "retry budget");
    EXPECT_OK("TODO: retry budget", KIND_TODO, false, false, NOW, "retry budget");
    EXPECT_OK("ToDo:   retry budget", KIND_TODO, false, false, NOW, "retry budget");
    EXPECT_OK("todo:\tretry budget", KIND_TODO, false, false, NOW, "retry budget");
    EXPECT_OK("Comms: paged exec", KIND_COMMS, false, false, NOW, "paged exec");
    EXPECT_OK("ALERT: p99 > 2s", KIND_ALERT, false, false, NOW, "p99 > 2s");
    /* The text after a keyword may itself contain colons. */
    EXPECT_OK("note: ratio: 3:1", KIND_NOTE, false, false, NOW, "ratio: 3:1");
}

static void test_words_that_are_text(void **state)
{
    (void)state;
    EXPECT_OK("Re: the deploy", KIND_NOTE, false, false, NOW, "Re: the deploy");
    EXPECT_OK("http://status.example.com is down", KIND_NOTE, false, false, NOW,
              "http://status.example.com is down");
    EXPECT_OK("cause: unknown", KIND_NOTE, false, false, NOW, "cause: unknown");
    EXPECT_OK("todo list is long", KIND_NOTE, false, false, NOW, "todo list is long");
    EXPECT_OK("TODO fix later", KIND_NOTE, false, false, NOW, "TODO fix later");
    EXPECT_OK("hypotheses: many", KIND_NOTE, false, false, NOW, "hypotheses: many");
    EXPECT_OK("averyveryverylongwordindeed: x", KIND_NOTE, false, false, NOW,
              "averyveryverylongwordindeed: x");
    /* Once the text started, later prefix characters are text. */
    EXPECT_OK("db ! down", KIND_NOTE, false, false, NOW, "db ! down");
    EXPECT_OK("Re: todo: x", KIND_NOTE, false, false, NOW, "Re: todo: x");
}

static void test_keyword_without_space(void **state)
{
    (void)state;
    EXPECT_FAIL("todo:fix it", "'todo:' needs a space after the colon");
    EXPECT_FAIL("todo:fix it", "\\");
    EXPECT_FAIL("Alert:critical", "'Alert:' needs a space");
    EXPECT_FAIL("hyp:x", "'hyp:' needs a space");
}

static void test_system_kinds_refused(void **state)
{
    (void)state;
    EXPECT_FAIL("milestone: mitigated", "`warroom milestone`");
    EXPECT_FAIL("milestone: mitigated", "type \\ first to keep 'milestone:' as text");
    EXPECT_FAIL("severity: SEV1", "`warroom sev`");
    EXPECT_FAIL("Severity: SEV1", "'Severity:' entries are recorded by warroom");
    EXPECT_FAIL("phase: RESPOND", "`warroom phase`");
    EXPECT_FAIL("role: ic alice", "`warroom role`");
    EXPECT_FAIL("SLI: 99.1%", "SLI snapshot");
    EXPECT_FAIL("sli:", "'sli:' entries are recorded by warroom");
    EXPECT_FAIL("! phase: x", "`warroom phase`");
    /* ...and '\' keeps them as text. */
    EXPECT_OK("\\milestone: mitigated?", KIND_NOTE, false, false, NOW, "milestone: mitigated?");
    EXPECT_OK("! \\severity: should be SEV1", KIND_DECISION, false, false, NOW,
              "severity: should be SEV1");
}

static void test_pin(void **state)
{
    (void)state;
    EXPECT_OK("*key event", KIND_NOTE, true, false, NOW, "key event");
    EXPECT_OK("* key event", KIND_NOTE, true, false, NOW, "key event");
    EXPECT_OK("*!roll back", KIND_DECISION, true, false, NOW, "roll back");
    EXPECT_OK("!*roll back", KIND_DECISION, true, false, NOW, "roll back");
    EXPECT_OK("! * roll back", KIND_DECISION, true, false, NOW, "roll back");
    EXPECT_OK("* todo: retry budget", KIND_TODO, true, false, NOW, "retry budget");
    EXPECT_OK("todo: * retry budget", KIND_TODO, true, false, NOW, "retry budget");
    EXPECT_OK("a * b", KIND_NOTE, false, false, NOW, "a * b");
    EXPECT_FAIL("**bold**", "'*' given twice");
    EXPECT_FAIL("* ! * x", "'*' given twice");
}

static void test_backslash(void **state)
{
    (void)state;
    EXPECT_OK("\\? is this text", KIND_NOTE, false, false, NOW, "? is this text");
    EXPECT_OK("\\*not pinned*", KIND_NOTE, false, false, NOW, "*not pinned*");
    EXPECT_OK("\\@alice please look", KIND_NOTE, false, false, NOW, "@alice please look");
    EXPECT_OK("\\todo: not a todo", KIND_NOTE, false, false, NOW, "todo: not a todo");
    EXPECT_OK("\\#123 deployed", KIND_NOTE, false, false, NOW, "#123 deployed");
    EXPECT_OK("\\\\share\\logs", KIND_NOTE, false, false, NOW, "\\share\\logs");
    EXPECT_OK("\\  trimmed ", KIND_NOTE, false, false, NOW, "trimmed");
    EXPECT_OK("! \\! really", KIND_DECISION, false, false, NOW, "! really");
    EXPECT_OK("*\\> quoted", KIND_NOTE, true, false, NOW, "> quoted");
    EXPECT_OK("\\\\", KIND_NOTE, false, false, NOW, "\\");
    EXPECT_FAIL("\\", "empty entry");
    EXPECT_FAIL("! \\  ", "empty entry");
}

static void test_backdate(void **state)
{
    (void)state;
    EXPECT_OK("@09:15 paged", KIND_NOTE, false, true, TODAY + 9 * HOUR + 15 * MIN, "paged");
    EXPECT_OK("@09:15:30 paged", KIND_NOTE, false, true, TODAY + 9 * HOUR + 15 * MIN + 30 * 1000,
              "paged");
    EXPECT_OK("@-10m paged", KIND_NOTE, false, true, NOW - 10 * MIN, "paged");
    EXPECT_OK("@-1h30m paged", KIND_NOTE, false, true, NOW - 90 * MIN, "paged");
    EXPECT_OK("@-2d paged", KIND_NOTE, false, true, NOW - 2 * DAY, "paged");
    EXPECT_OK("@now paged", KIND_NOTE, false, true, NOW, "paged");
    EXPECT_OK("@2026-11-21T09:15Z paged", KIND_NOTE, false, true, TODAY + 9 * HOUR + 15 * MIN,
              "paged");
    EXPECT_OK("@2026-11-21T11:15+02:00 paged", KIND_NOTE, false, true, TODAY + 9 * HOUR + 15 * MIN,
              "paged");
    EXPECT_OK("@2026-11-20T23:59:59.250Z late", KIND_NOTE, false, true, TODAY - 750, "late");
    /* Local date-time without zone (TZ=UTC here). */
    EXPECT_OK("@2026-11-21T08:00 x", KIND_NOTE, false, true, TODAY + 8 * HOUR, "x");
    /* Any order, with other prefixes and blanks between them. */
    EXPECT_OK("! @-5m roll back", KIND_DECISION, false, true, NOW - 5 * MIN, "roll back");
    EXPECT_OK("@-5m !roll back", KIND_DECISION, false, true, NOW - 5 * MIN, "roll back");
    EXPECT_OK("*@-5m\t> restart", KIND_ACTION, true, true, NOW - 5 * MIN, "restart");
    EXPECT_OK("todo: @-5m fix", KIND_TODO, false, true, NOW - 5 * MIN, "fix");
    EXPECT_OK("@-5m   spaced", KIND_NOTE, false, true, NOW - 5 * MIN, "spaced");
    /* '@' later in the text is text. */
    EXPECT_OK("ping @alice", KIND_NOTE, false, false, NOW, "ping @alice");
}

static void test_backdate_edges_of_now(void **state)
{
    (void)state;
    /* Up to 60 s ahead is clock skew and accepted; beyond it is refused. */
    EXPECT_OK("@2026-11-21T10:06Z x", KIND_NOTE, false, true, NOW + MIN, "x");
    EXPECT_FAIL("@2026-11-21T10:06:01Z x",
                "@2026-11-21T10:06:01Z is in the future (now 2026-11-21 10:05); backdate to a "
                "past time");
    EXPECT_FAIL("@2030-01-01T00:00Z x", "is in the future");
    /* A clock time a little ahead is a typo, not yesterday. */
    EXPECT_FAIL("@10:30 x", "@10:30 is in the future (now 10:05); backdate to a past time");
    EXPECT_FAIL("@10:30 x", "@2026-11-20T10:30");
    EXPECT_FAIL("@22:04 x", "is in the future");
    /* 10:06 is within the minute of skew: today. */
    EXPECT_OK("@10:06 x", KIND_NOTE, false, true, NOW + MIN, "x");
    /* More than 12 hours ahead means yesterday evening. */
    EXPECT_OK("@22:06 x", KIND_NOTE, false, true, TODAY - 2 * HOUR + 6 * MIN, "x");
    EXPECT_OK("@23:50 x", KIND_NOTE, false, true, TODAY - 10 * MIN, "x");
    /* Just after midnight, a clock time late in the evening is yesterday's. */
    struct input_result r;
    struct wr_error err;
    int64_t just_after_midnight = TODAY + 5 * MIN;
    assert_int_equal(input_parse("@23:50 late", just_after_midnight, &r, &err), 0);
    assert_true(r.at_ms == TODAY - 10 * MIN);
    assert_true(r.backdated);
    input_result_clear(&r);
    expect_fail(__LINE__, "@00:30 early", just_after_midnight, "is in the future (now 00:05)");
    /* Late in the day, a clock time from the morning is today's, however long ago. */
    assert_int_equal(input_parse("@09:00 morning", TODAY + 23 * HOUR, &r, &err), 0);
    assert_true(r.at_ms == TODAY + 9 * HOUR);
    input_result_clear(&r);
    assert_int_equal(input_parse("@00:01 first", TODAY + 23 * HOUR + 59 * MIN, &r, &err), 0);
    assert_true(r.at_ms == TODAY + MIN);
    input_result_clear(&r);
}

static void test_backdate_malformed(void **state)
{
    (void)state;
    EXPECT_FAIL("@25:00 x", "cannot read time '25:00'");
    EXPECT_FAIL("@25:00 x", "use \\ to start text with '@'");
    EXPECT_FAIL("@9:15 x", "cannot read time '9:15'");
    EXPECT_FAIL("@2026-02-30T10:00Z x", "cannot read time '2026-02-30T10:00Z'");
    EXPECT_FAIL("@alice please look", "cannot read time 'alice'");
    EXPECT_FAIL("@-10 x", "cannot read time '-10'");
    EXPECT_FAIL("@10:15! x", "cannot read time '10:15!'");
    /* The date-time form needs its 'T': the space would end TIME. */
    EXPECT_FAIL("@2026-11-21 09:15 x", "a date needs a time");
    EXPECT_FAIL("@ x", "'@' needs a time right after it");
    EXPECT_FAIL("@", "'@' needs a time right after it");
    EXPECT_FAIL("@-5m @-6m x", "'@' given twice");
    EXPECT_FAIL("@xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx x", "is not a time");
    /* A backdate alone has no text. */
    EXPECT_FAIL("@-5m", "empty entry");
    EXPECT_FAIL("@-5m   ", "empty entry");
}

static void test_two_kinds(void **state)
{
    (void)state;
    EXPECT_FAIL("!? x", "two kinds given: '!' and '?'; use \\ to start text with a symbol");
    EXPECT_FAIL("! ? x", "two kinds given: '!' and '?'");
    EXPECT_FAIL("> todo: x", "two kinds given: '>' and 'todo:'");
    EXPECT_FAIL("note: hyp: x", "two kinds given: 'note:' and 'hyp:'");
    EXPECT_FAIL("decision: ! x", "two kinds given: 'decision:' and '!'");
    EXPECT_FAIL("!!! now", "'!' given twice; use \\ to start text with a symbol");
    EXPECT_FAIL("?? what", "'?' given twice");
    EXPECT_FAIL("* # @-1m # x", "'#' given twice");
}

static void test_empty(void **state)
{
    (void)state;
    EXPECT_FAIL("", "empty entry");
    EXPECT_FAIL("   \t ", "empty entry");
    EXPECT_FAIL("!", "empty entry: type the text after the prefixes");
    EXPECT_FAIL("* ", "empty entry");
    EXPECT_FAIL("todo:", "empty entry");
    EXPECT_FAIL("TODO:   ", "empty entry");
    EXPECT_FAIL("\n\n", "empty entry");
    EXPECT_FAIL(NULL, "empty entry");
}

static void test_length_limit(void **state)
{
    (void)state;
    char *line = malloc(WR_TEXT_MAX + 8);
    assert_non_null(line);
    /* Exactly the limit is fine. */
    line[0] = '!';
    memset(line + 1, 'a', WR_TEXT_MAX);
    line[WR_TEXT_MAX + 1] = '\0';
    struct input_result r;
    struct wr_error err;
    assert_int_equal(input_parse(line, NOW, &r, &err), 0);
    assert_int_equal(r.kind, KIND_DECISION);
    assert_int_equal(strlen(r.text), WR_TEXT_MAX);
    input_result_clear(&r);
    /* Blanks that are trimmed do not count. */
    line[0] = ' ';
    line[WR_TEXT_MAX + 1] = ' ';
    line[WR_TEXT_MAX + 2] = '\0';
    assert_int_equal(input_parse(line, NOW, &r, &err), 0);
    assert_int_equal(strlen(r.text), WR_TEXT_MAX);
    input_result_clear(&r);
    /* One byte more is refused. */
    line[0] = 'a';
    line[WR_TEXT_MAX + 1] = '\0';
    expect_fail(__LINE__, line, NOW, "entry too long: 65537 bytes, the limit is 65536");
    free(line);
}

static void test_utf8(void **state)
{
    (void)state;
    EXPECT_OK("héllo 漢字 🚀", KIND_NOTE, false, false, NOW, "héllo 漢字 🚀");
    EXPECT_OK("!漢字", KIND_DECISION, false, false, NOW, "漢字");
    EXPECT_OK("? 🚀 retries", KIND_HYPOTHESIS, false, false, NOW, "🚀 retries");
    EXPECT_FAIL("ab\xff", "not valid UTF-8 (bad byte at offset 2)");
    EXPECT_FAIL("é\x80 x", "offset 2");
    EXPECT_FAIL("\xc0\xaf overlong slash", "offset 0");
    EXPECT_FAIL("x \xed\xa0\x80 surrogate", "offset 2");
    EXPECT_FAIL("\xf4\x90\x80\x80 above U+10FFFF", "not valid UTF-8");
    EXPECT_FAIL("truncated \xe6\xbc", "offset 10");
    /* Invalid bytes are refused even after '\'. */
    EXPECT_FAIL("\\\xfe", "not valid UTF-8");
}

static void test_newlines_and_controls_kept(void **state)
{
    (void)state;
    /* The CLI can pass several lines; they are the user's text. Sanitising is for display. */
    EXPECT_OK("line one\nline two", KIND_NOTE, false, false, NOW, "line one\nline two");
    EXPECT_OK("! first\n\nthird\n", KIND_DECISION, false, false, NOW, "first\n\nthird");
    EXPECT_OK("tab\there", KIND_NOTE, false, false, NOW, "tab\there");
    EXPECT_OK("esc \x1b[31mred", KIND_NOTE, false, false, NOW, "esc \x1b[31mred");
}

static void test_line_not_changed(void **state)
{
    (void)state;
    char line[] = "  * ! @-5m  roll back  ";
    char copy[sizeof line];
    memcpy(copy, line, sizeof line);
    struct input_result r;
    struct wr_error err;
    assert_int_equal(input_parse(line, NOW, &r, &err), 0);
    assert_memory_equal(line, copy, sizeof line);
    assert_string_equal(r.text, "roll back");
    /* The text is the result's own copy. */
    assert_true(r.text < line || r.text >= line + sizeof line);
    input_result_clear(&r);
    input_result_clear(&r); /* twice is harmless */
    input_result_clear(NULL);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_note),
        cmocka_unit_test(test_glyphs),
        cmocka_unit_test(test_system_glyphs_are_text),
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_words_that_are_text),
        cmocka_unit_test(test_keyword_without_space),
        cmocka_unit_test(test_system_kinds_refused),
        cmocka_unit_test(test_pin),
        cmocka_unit_test(test_backslash),
        cmocka_unit_test(test_backdate),
        cmocka_unit_test(test_backdate_edges_of_now),
        cmocka_unit_test(test_backdate_malformed),
        cmocka_unit_test(test_two_kinds),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_newlines_and_controls_kept),
        cmocka_unit_test(test_line_not_changed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
