/* input.c: the scribe's input-line grammar (see input.h): prefixes first, then the text. */
#include "input.h"

#include <stdlib.h>
#include <string.h>

/* Longest @TIME accepted; the longest form, 2026-11-21T09:15:30.250+02:00, has 29 bytes. */
#define INPUT_TIME_MAX 48
/* Longest word worth looking up as a kind name ("hypothesis" is the longest). */
#define INPUT_WORD_MAX 16
/* A bare clock time (@HH:MM) up to this far ahead of now is refused rather than read as
 * yesterday's. */
#define INPUT_CLOCK_AHEAD_MS (12 * 3600 * (int64_t)1000)

/* What to do instead of typing a kind that only warroom records. */
static const struct {
    enum entry_kind kind;
    const char *instead;
} system_kind_hints[] = {
    {KIND_MILESTONE, "set a milestone with `warroom milestone` (or its key in the TUI)"},
    {KIND_PHASE, "change the phase with `warroom phase`"},
    {KIND_SEVERITY, "change the severity with `warroom sev`"},
    {KIND_ROLE, "assign a role with `warroom role`"},
    {KIND_SLI, "SLI snapshots are taken with the snapshot key in the TUI and at each milestone"},
    {KIND_FACT, "set the incident's facts with `warroom set` (F9 in the TUI)"},
};

/* The parse in progress: which prefixes were seen, and how each was spelled (for messages). */
struct prefix_state {
    bool have_kind;
    enum entry_kind kind;
    char kind_spelling[INPUT_WORD_MAX + 2]; /* "!" or "TODO:" as typed */
    bool pinned;
    bool backdated;
    int64_t at_ms;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_ascii_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The typeable kind a glyph stands for, or -1. Read from the model's table. */
static int kind_from_glyph(char c)
{
    if (c == ' ')
        return -1;
    for (int k = 0; k < KIND_COUNT; k++)
        if (kind_typeable((enum entry_kind)k) && kind_glyph((enum entry_kind)k) == c)
            return k;
    return -1;
}

/* Record a kind prefix; refuses a second one. */
static int take_kind(struct prefix_state *st, enum entry_kind kind, const char *spelling,
                     size_t spelling_len, struct wr_error *err)
{
    if (st->have_kind) {
        if (spelling_len == strlen(st->kind_spelling) &&
            memcmp(spelling, st->kind_spelling, spelling_len) == 0)
            return wr_fail(err, WR_E_INPUT,
                           "'%.*s' given twice; use \\ to start text with a symbol",
                           (int)spelling_len, spelling);
        return wr_fail(err, WR_E_INPUT,
                       "two kinds given: '%s' and '%.*s'; use \\ to start text with a symbol",
                       st->kind_spelling, (int)spelling_len, spelling);
    }
    st->have_kind = true;
    st->kind = kind;
    memcpy(st->kind_spelling, spelling, spelling_len);
    st->kind_spelling[spelling_len] = '\0';
    return 0;
}

/*
 * At *p is '@'. Read TIME up to the next white space and resolve it against now. Refuses a
 * malformed time and one more than a minute ahead of now (the same tolerance wr_time_parse
 * uses for HH:MM), since a "backdate" into the future is almost certainly a typo.
 */
static int take_backdate(struct prefix_state *st, const char **p, int64_t now_ms,
                         struct wr_error *err)
{
    if (st->backdated)
        return wr_fail(err, WR_E_INPUT,
                       "'@' given twice; give one time, or use \\ to start text with '@'");
    const char *start = *p + 1;
    size_t len = 0;
    while (start[len] && !is_blank(start[len]))
        len++;
    if (len == 0)
        return wr_fail(err, WR_E_INPUT,
                       "'@' needs a time right after it (@09:15, @-10m, @2026-11-21T09:15Z); "
                       "use \\ to start text with '@'");
    if (len > INPUT_TIME_MAX)
        return wr_fail(err, WR_E_INPUT,
                       "'@%.20s...' is not a time (@09:15, @-10m, @2026-11-21T09:15Z); "
                       "use \\ to start text with '@'",
                       start);
    char text[INPUT_TIME_MAX + 1];
    memcpy(text, start, len);
    text[len] = '\0';

    struct wr_error time_err;
    wr_error_clear(&time_err);
    int64_t at;
    if (wr_time_parse(text, now_ms, &at, &time_err) != 0)
        return wr_fail(err, WR_E_INPUT, "%s; use \\ to start text with '@'", time_err.msg);
    /* wr_time_parse reads a bare clock time ahead of now as yesterday's. That is right just
     * after midnight (@23:50 at 00:05) but at 10:05, @10:30 is a typo far more often than
     * "yesterday 10:30": only a clock time more than 12 hours ahead means yesterday. */
    bool clock_only = len >= 5 && text[2] == ':';
    char day[16], today[16];
    wr_time_fmt(at, false, "%Y-%m-%d", day, sizeof day);
    wr_time_fmt(now_ms, false, "%Y-%m-%d", today, sizeof today);
    bool clock_ahead = clock_only && strcmp(day, today) != 0 && at < now_ms - INPUT_CLOCK_AHEAD_MS;
    if (at > now_ms + 60000 || clock_ahead) {
        char now_text[32];
        wr_time_fmt(now_ms, false, clock_only ? "%H:%M" : "%Y-%m-%d %H:%M", now_text,
                    sizeof now_text);
        if (clock_ahead)
            return wr_fail(err, WR_E_INPUT,
                           "@%s is in the future (now %s); backdate to a past time, or give "
                           "the date for yesterday's: @%sT%s",
                           text, now_text, day, text);
        return wr_fail(err, WR_E_INPUT, "@%s is in the future (now %s); backdate to a past time",
                       text, now_text);
    }
    st->backdated = true;
    st->at_ms = at;
    *p = start + len;
    return 0;
}

/*
 * At *p is a letter. If it spells a kind name (or "hyp") followed by ':' and white space or the
 * end, take it as a kind prefix and return 1. Return 0 when it is ordinary text ("Re: ...",
 * "http://..."). Refuse a kind that only warroom records and "todo:x" (no space), which would
 * otherwise silently become a note.
 */
static int take_word(struct prefix_state *st, const char **p, struct wr_error *err)
{
    const char *w = *p;
    size_t len = 0;
    while (is_ascii_letter(w[len]))
        len++;
    if (w[len] != ':' || len > INPUT_WORD_MAX)
        return 0;
    char word[INPUT_WORD_MAX + 1];
    memcpy(word, w, len);
    word[len] = '\0';

    int kind = wr_streq_ci(word, "hyp") ? (int)KIND_HYPOTHESIS : kind_from_name(word);
    if (kind < 0)
        return 0;
    if (!kind_typeable((enum entry_kind)kind)) {
        const char *instead = "it is recorded by warroom itself";
        for (size_t i = 0; i < sizeof system_kind_hints / sizeof system_kind_hints[0]; i++)
            if (system_kind_hints[i].kind == (enum entry_kind)kind)
                instead = system_kind_hints[i].instead;
        return wr_fail(err, WR_E_INPUT,
                       "'%s:' entries are recorded by warroom, not typed: %s; "
                       "type \\ first to keep '%s:' as text",
                       word, instead, word);
    }
    char after = w[len + 1];
    if (after != '\0' && !is_blank(after))
        return wr_fail(err, WR_E_INPUT,
                       "'%s:' needs a space after the colon (%s: TEXT); "
                       "type \\ first to keep '%s:%c...' as text",
                       word, word, word, after);
    if (take_kind(st, (enum entry_kind)kind, w, len + 1, err) != 0)
        return -1;
    *p = w + len + 1;
    return 1;
}

/* Offset of the first byte of the first invalid UTF-8 sequence in s[0..len). wr_utf8_valid
 * stays the one authority: a sequence of 1 to 4 bytes is taken when it alone is valid. */
static size_t utf8_bad_offset(const char *s, size_t len)
{
    size_t good = 0;
    while (good < len) {
        size_t n = 1;
        while (n <= 4 && good + n <= len && !wr_utf8_valid(s + good, n))
            n++;
        if (n > 4 || good + n > len)
            break;
        good += n;
    }
    return good;
}

int input_parse(const char *line, int64_t now_ms, struct input_result *out, struct wr_error *err)
{
    int rc = -1;
    char *text = NULL;
    memset(out, 0, sizeof *out);
    out->kind = KIND_NOTE;
    out->at_ms = now_ms;
    if (!line)
        line = "";

    size_t line_len = strlen(line);
    if (!wr_utf8_valid(line, line_len)) {
        wr_fail(err, WR_E_INPUT,
                "the text is not valid UTF-8 (bad byte at offset %zu); check the terminal's "
                "encoding (LANG, LC_ALL) or the file you pasted from",
                utf8_bad_offset(line, line_len));
        goto out;
    }

    struct prefix_state st = {.kind = KIND_NOTE, .at_ms = now_ms};
    const char *p = line;
    for (;;) {
        while (is_blank(*p))
            p++;
        if (*p == '\\') {
            p++;
            break;
        }
        if (*p == '@') {
            if (take_backdate(&st, &p, now_ms, err) != 0)
                goto out;
            continue;
        }
        if (*p == '*') {
            if (st.pinned) {
                wr_fail(err, WR_E_INPUT, "'*' given twice; use \\ to start text with '*'");
                goto out;
            }
            st.pinned = true;
            p++;
            continue;
        }
        int glyph_kind = kind_from_glyph(*p);
        if (glyph_kind >= 0) {
            if (take_kind(&st, (enum entry_kind)glyph_kind, p, 1, err) != 0)
                goto out;
            p++;
            continue;
        }
        if (is_ascii_letter(*p)) {
            int taken = take_word(&st, &p, err);
            if (taken < 0)
                goto out;
            if (taken > 0)
                continue;
        }
        break;
    }

    text = wr_strdup(p);
    if (!text) {
        wr_fail(err, WR_E_NOMEM, "out of memory while reading the entry");
        goto out;
    }
    wr_trim(text);
    size_t len = strlen(text);
    if (len == 0) {
        if (st.have_kind || st.pinned || st.backdated)
            wr_fail(err, WR_E_INPUT, "empty entry: type the text after the prefixes");
        else
            wr_fail(err, WR_E_INPUT, "empty entry: type some text to log");
        goto out;
    }
    if (len > WR_TEXT_MAX) {
        wr_fail(err, WR_E_INPUT,
                "entry too long: %zu bytes, the limit is %d (64 KiB); attach long material as a "
                "file and log a short note pointing to it",
                len, WR_TEXT_MAX);
        goto out;
    }

    out->kind = st.kind;
    out->pinned = st.pinned;
    out->backdated = st.backdated;
    out->at_ms = st.at_ms;
    out->text = text;
    text = NULL;
    rc = 0;
out:
    free(text);
    if (rc != 0) {
        memset(out, 0, sizeof *out);
        out->kind = KIND_NOTE;
        out->at_ms = now_ms;
    }
    return rc;
}

void input_result_clear(struct input_result *r)
{
    if (!r)
        return;
    free(r->text);
    memset(r, 0, sizeof *r);
}
