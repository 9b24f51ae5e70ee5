/* model.c: names and rules of the incident model (kinds, phases, milestones, roles). */
#include "model.h"

#include <ctype.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *name;
    char glyph;
    bool typeable;
} kinds[] = {
#define MODEL_X_TABLE(id, name, glyph, typeable) {name, glyph, typeable},
    ENTRY_KIND_LIST(MODEL_X_TABLE)
#undef MODEL_X_TABLE
};

const char *kind_name(enum entry_kind k)
{
    return (unsigned)k < KIND_COUNT ? kinds[k].name : "note";
}

char kind_glyph(enum entry_kind k)
{
    return (unsigned)k < KIND_COUNT ? kinds[k].glyph : ' ';
}

bool kind_typeable(enum entry_kind k)
{
    return (unsigned)k < KIND_COUNT && kinds[k].typeable;
}

int kind_from_name(const char *name)
{
    if (!name)
        return -1;
    /* The first letter picks one or two candidates: every row of a 100,000-entry export or
     * import comes through here. */
    int first = tolower((unsigned char)name[0]);
    for (int k = 0; k < KIND_COUNT; k++)
        if (kinds[k].name[0] == first && wr_streq_ci(name, kinds[k].name))
            return k;
    return -1;
}

static const char *const phases[] = {
#define MODEL_X_TABLE(id, name) name,
    PHASE_LIST(MODEL_X_TABLE)
#undef MODEL_X_TABLE
};

const char *phase_name(enum phase p)
{
    return (unsigned)p < PHASE_COUNT ? phases[p] : "DETECT";
}

int phase_from_name(const char *name)
{
    for (int p = 0; p < PHASE_COUNT; p++)
        if (wr_streq_ci(name, phases[p]))
            return p;
    return -1;
}

static const char *const milestones[] = {
#define MODEL_X_TABLE(id, name) name,
    MILESTONE_LIST(MODEL_X_TABLE)
#undef MODEL_X_TABLE
};

const char *milestone_name(enum milestone m)
{
    return (unsigned)m < MS_COUNT ? milestones[m] : "started";
}

int milestone_from_name(const char *name)
{
    for (int m = 0; m < MS_COUNT; m++)
        if (wr_streq_ci(name, milestones[m]))
            return m;
    return -1;
}

int milestone_check_order(const int64_t times[MS_COUNT], enum milestone m, int64_t at,
                          struct wr_error *err)
{
    char a[32], b[32];
    for (int other = 0; other < MS_COUNT; other++) {
        if (other == (int)m || times[other] == WR_TIME_NONE)
            continue;
        bool bad = other < (int)m ? times[other] > at : times[other] < at;
        if (!bad)
            continue;
        return wr_fail(err, WR_E_CONFLICT,
                       "%s at %s would be %s %s at %s; milestones go started, detected, declared, "
                       "mitigated, resolved, closed: fix the time or the other milestone first",
                       milestone_name(m), wr_time_iso(at, a, sizeof a),
                       other < (int)m ? "before" : "after", milestone_name((enum milestone)other),
                       wr_time_iso(times[other], b, sizeof b));
    }
    return 0;
}

static const struct {
    const char *key;
    const char *title;
} roles[] = {
#define MODEL_X_TABLE(id, key, title) {key, title},
    ROLE_LIST(MODEL_X_TABLE)
#undef MODEL_X_TABLE
};

const char *role_key(enum role r)
{
    return (unsigned)r < ROLE_COUNT ? roles[r].key : "ic";
}

const char *role_title(enum role r)
{
    return (unsigned)r < ROLE_COUNT ? roles[r].title : "Incident Commander";
}

int role_from_name(const char *name)
{
    for (int r = 0; r < ROLE_COUNT; r++)
        if (wr_streq_ci(name, roles[r].key) || wr_streq_ci(name, roles[r].title))
            return r;
    return -1;
}

int sev_parse(const char *s)
{
    if (!s)
        return -1;
    if ((s[0] == 's' || s[0] == 'S') && (s[1] == 'e' || s[1] == 'E') &&
        (s[2] == 'v' || s[2] == 'V'))
        s += 3;
    if (s[0] >= '1' && s[0] <= '4' && s[1] == '\0')
        return s[0] - '0';
    return -1;
}

void incident_init(struct incident *inc)
{
    memset(inc, 0, sizeof *inc);
    for (int m = 0; m < MS_COUNT; m++)
        inc->milestones[m] = WR_TIME_NONE;
}

void incident_clear(struct incident *inc)
{
    free(inc->title);
    free(inc->services);
    free(inc->summary);
    free(inc->impact);
    free(inc->tags);
    incident_init(inc);
}

bool incident_is_open(const struct incident *inc)
{
    return inc->milestones[MS_CLOSED] == WR_TIME_NONE;
}

void entry_init(struct entry *e)
{
    memset(e, 0, sizeof *e);
}

void entry_clear(struct entry *e)
{
    free(e->author);
    free(e->text);
    free(e->data);
    entry_init(e);
}

const char *model_author(const char *as)
{
    if (as && *as)
        return as;
    /* CI runners, cron and containers often have no $USER: ask who we run as before falling
     * back to the system's own name, so an entry never reads "unknown". */
    const char *user = getenv("USER");
    if (user && *user)
        return user;
    user = getenv("LOGNAME");
    if (user && *user)
        return user;
    static char account[64];
    if (!account[0]) {
        struct passwd pw, *found = NULL;
        char buf[1024];
        if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &found) == 0 && found && pw.pw_name &&
            *pw.pw_name)
            snprintf(account, sizeof account, "%s", pw.pw_name);
        else
            snprintf(account, sizeof account, "%s", MODEL_SYSTEM_AUTHOR);
    }
    return account;
}

static int64_t span(int64_t from, int64_t to)
{
    return from == WR_TIME_NONE || to == WR_TIME_NONE ? WR_TIME_NONE : to - from;
}

void incident_durations(const struct incident *inc, int64_t now_ms, struct incident_durations *d)
{
    const int64_t *m = inc->milestones;
    d->to_detect = span(m[MS_STARTED], m[MS_DETECTED]);
    d->to_acknowledge = span(m[MS_DETECTED], m[MS_DECLARED]);
    d->to_mitigate = span(m[MS_STARTED], m[MS_MITIGATED]);
    d->to_resolve = span(m[MS_STARTED], m[MS_RESOLVED]);
    int64_t end = m[MS_CLOSED] != WR_TIME_NONE     ? m[MS_CLOSED]
                  : m[MS_RESOLVED] != WR_TIME_NONE ? m[MS_RESOLVED]
                                                   : now_ms;
    d->total = span(m[MS_STARTED], end);
}

void incident_time_in_severity(const struct incident *inc, const struct severity_mark *marks,
                               size_t n, int64_t now_ms, int64_t out[SEVERITY_SLOTS])
{
    const int64_t *m = inc->milestones;
    for (int i = 0; i < SEVERITY_SLOTS; i++)
        out[i] = 0;
    int64_t start = m[MS_STARTED] != WR_TIME_NONE ? m[MS_STARTED] : inc->created_ms;
    int64_t end = m[MS_RESOLVED] != WR_TIME_NONE ? m[MS_RESOLVED]
                  : m[MS_CLOSED] != WR_TIME_NONE ? m[MS_CLOSED]
                                                 : now_ms;
    if (end <= start)
        return;
    /* Walk the segments [from, to) each with the severity in force, clamped to the window. */
    int64_t from = start;
    int current = 0;
    for (size_t i = 0; i <= n; i++) {
        int64_t to = i < n ? marks[i].at_ms : end;
        if (to > end)
            to = end;
        if (to > from) {
            out[current] += to - from;
            from = to;
        }
        if (i < n)
            current = marks[i].severity >= 1 && marks[i].severity <= 4 ? marks[i].severity : 0;
    }
}

int phase_from_entry_text(const char *text)
{
    static const char arrow[] = "\u2192 ";
    if (!text || strncmp(text, "Phase ", 6) != 0)
        return -1;
    const char *a = strstr(text, arrow);
    if (!a)
        return -1;
    a += strlen(arrow);
    for (int p = 0; p < PHASE_COUNT; p++) {
        size_t l = strlen(phase_name((enum phase)p));
        if (strncmp(a, phase_name((enum phase)p), l) == 0 &&
            (a[l] == '\0' || a[l] == ':' || a[l] == ' '))
            return p;
    }
    return -1;
}
