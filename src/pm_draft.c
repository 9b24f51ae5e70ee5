/* pm_draft.c: drafts the postmortem's sections from the timeline and the impact figures of the
 * stored SLI snapshots. Every draft is evidence quoted with its time, for a human to review. */
#include "pm_draft.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts.h"
#include "tz.h"

/* ---- small helpers ---- */

char *pm_when(int64_t ms, char *buf, size_t n)
{
    /* "HH:MM" is five characters: sized so the longest line fits the callers' 64 bytes. */
    char zone[32], local[8], utc[8];
    tz_label(ms, zone, sizeof zone);
    wr_time_fmt(ms, true, "%H:%M", utc, sizeof utc);
    if (strcmp(zone, "UTC") == 0) {
        snprintf(buf, n, "%s UTC", utc);
    } else {
        wr_time_fmt(ms, false, "%H:%M", local, sizeof local);
        snprintf(buf, n, "%s %s (%s UTC)", local, zone, utc);
    }
    return buf;
}

static char *dur(int64_t ms, char *buf, size_t n) { return wr_duration_fmt(ms, buf, n); }

/* Case-insensitive (ASCII) strstr. The first character is compared inline: this runs over
 * every kept entry's text, so the common miss must be cheap. */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    int first = tolower((unsigned char)needle[0]);
    for (; hay && *hay; hay++)
        if (tolower((unsigned char)*hay) == first && strncasecmp(hay, needle, nl) == 0)
            return hay;
    return NULL;
}

/* Case-insensitive: does text contain any of the words (written in lower case, as every list
 * here is)? Lower-cases the text once and lets strstr look for each word (notes of a
 * 100,000-entry timeline come through here). */
static bool mentions(const char *text, const char *const *words)
{
    if (!text)
        return false;
    char small[1024];
    size_t len = strlen(text);
    char *low = len < sizeof small ? small : malloc(len + 1);
    bool hit = false;
    for (size_t i = 0; low && i <= len; i++)
        low[i] = (char)tolower((unsigned char)text[i]);
    for (; !hit && *words; words++) {
#ifndef NDEBUG
        for (const char *w = *words; *w; w++)
            assert(tolower((unsigned char)*w) == (unsigned char)*w);
#endif
        hit = low ? strstr(low, *words) != NULL : find_ci(text, *words) != NULL;
    }
    if (low != small)
        free(low);
    return hit;
}

/* What an alert's text says about paging: 1 paged, 0 did not, -1 not recorded, -2 a report
 * by people (a business or customer report is a signal, not an alert that could page). */
static int paged(const char *text)
{
    static const char *const report[] = {"report", NULL};
    static const char *const no[] = {"did not page", "didn't page", "not paged", "no page",
                                     "without paging", "ticket", NULL};
    static const char *const yes[] = {"paged", "page:", "pagerduty", "on-call acknowledged",
                                      "oncall acknowledged", "page ", NULL};
    if (mentions(text, no))
        return 0;
    if (mentions(text, yes) || strncasecmp(text, "page", 4) == 0)
        return 1;
    return mentions(text, report) ? -2 : -1;
}

/* " (did not page)" after a signal, unless its own text already says how it paged. */
static const char *paged_note(const char *text)
{
    static const char *const says[] = {"page", NULL};
    if (mentions(text, says))
        return "";
    switch (paged(text)) {
    case 1: return " (paged)";
    case 0: return " (did not page)";
    case -2: return " (a report by people, not a page)";
    default: return " (paging not recorded)";
    }
}

static const char *const change_words[] = {"deploy", "release", "rollout", "roll out", "config",
                                           "migration", "upgrade", "feature flag", "changed",
                                           "change ", NULL};

/* Append one draft line (sanitising nothing: the template escapes it). */
static void draft_line(cJSON *field, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void draft_line(cJSON *field, const char *fmt, ...)
{
    char buf[WR_TEXT_MAX / 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(field, "draft");
    if (!arr) {
        arr = cJSON_AddArrayToObject(field, "draft");
        cJSON_ReplaceItemInObject(field, "drafted", cJSON_CreateTrue());
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "text", buf);
    cJSON_AddItemToArray(arr, o);
}

/* The worksheet field object to draft into, or NULL when a person already wrote it. */
static cJSON *draftable(cJSON *root, const char *key)
{
    cJSON *f = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "f"), key);
    if (!f || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "has")))
        return NULL;
    return f;
}

/* The part of a warroom-written text after "Milestone detected: " (the human's note). */
static const char *after_colon(const char *text)
{
    const char *c = strstr(text, ": ");
    return c ? c + 2 : text;
}

/* ---- the timeline, read once ---- */

struct pd_entries {
    struct entry *v;
    size_t n, cap;
    int64_t *comms; /* times of the comms entries: the cadence needs nothing else */
    size_t ncomms, comms_cap;
    size_t nhypotheses;
    int64_t detected;   /* the detected milestone, WR_TIME_NONE when unset */
    bool in_mitigate;   /* the phase entries read so far ended in MITIGATE */
    int after_lead;     /* decisions/actions still kept after a pinned decision, until the
                           next phase entry (bounded: a timeline without phase entries must
                           not be kept whole) */
    bool page_found;    /* an alert that paged was kept */
    bool alert_seen;    /* the first alert was kept */
    bool oom;
};

static const char *const outcome_words[] = {"ruled out", "disproved", "not the cause",
                                            "excluded", "confirmed", NULL};

/* Hypotheses listed at most: a timeline with thousands is not read for its postmortem table. */
#define PD_HYPOTHESES_MAX 500

/* Decisions and actions kept after a pinned decision before a phase entry says MITIGATE. */
#define PD_AFTER_LEAD_MAX 32

static bool pd_after_lead(struct pd_entries *c)
{
    if (c->after_lead <= 0)
        return false;
    c->after_lead--;
    return true;
}

/* Whether a draft can use entry e (entries arrive in timeline order). Only what some draft reads
 * is kept, so a timeline of 100 000 entries costs a pass, not a copy of itself: the alerts up
 * to detection and the first that paged, pinned entries, hypotheses, entries stating an outcome,
 * decisions and actions from MITIGATE on (and pinned decisions before it, with what followed
 * them), milestones, phases,
 * SLI snapshots with their payloads. */
static bool pd_wanted(struct pd_entries *c, const struct entry *e)
{
    switch (e->kind) {
    case KIND_PHASE:
        c->in_mitigate = phase_from_entry_text(e->text) == PHASE_MITIGATE;
        c->after_lead = 0;
        return true;
    case KIND_MILESTONE:
        return true;
    case KIND_SLI:
        return e->data && *e->data;
    case KIND_ALERT:
        /* Before detection they are listed; after it only the first page, the first signal
         * (when detection was never recorded) and key events matter. */
        if ((c->detected != WR_TIME_NONE && e->at_ms <= c->detected) || e->pinned ||
            !c->alert_seen) {
            c->alert_seen = true;
            c->page_found = c->page_found || paged(e->text) > 0;
            return true;
        }
        if (!c->page_found && paged(e->text) > 0)
            return c->page_found = true;
        return mentions(e->text, outcome_words);
    case KIND_HYPOTHESIS:
        return c->nhypotheses++ < PD_HYPOTHESES_MAX;
    case KIND_DECISION:
        /* A pinned decision may lead into MITIGATE: what follows it before the phase entry is
         * kept too (a rollback is often started before anyone logs the phase change). */
        if (e->pinned) {
            c->after_lead = PD_AFTER_LEAD_MAX;
            return true;
        }
        return c->in_mitigate || pd_after_lead(c) || mentions(e->text, outcome_words);
    case KIND_ACTION:
        return e->pinned || c->in_mitigate || pd_after_lead(c) ||
               mentions(e->text, outcome_words);
    case KIND_NOTE:
    case KIND_COMMS:
        return e->pinned || mentions(e->text, outcome_words);
    default:
        return false; /* todos, roles, severity, facts: their own tables say it */
    }
}

static int pd_collect(const struct entry *e, void *ctx)
{
    struct pd_entries *c = ctx;
    if (e->deleted)
        return 0;
    if (e->kind == KIND_COMMS) {
        if (c->ncomms == c->comms_cap) {
            size_t nc = c->comms_cap ? c->comms_cap * 2 : 64;
            int64_t *g = realloc(c->comms, nc * sizeof *g);
            if (!g) {
                c->oom = true;
                return 1;
            }
            c->comms = g;
            c->comms_cap = nc;
        }
        c->comms[c->ncomms++] = e->at_ms;
    }
    if (!pd_wanted(c, e))
        return 0;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        struct entry *g = realloc(c->v, nc * sizeof *g);
        if (!g) {
            c->oom = true;
            return 1;
        }
        c->v = g;
        c->cap = nc;
    }
    struct entry *d = &c->v[c->n];
    *d = *e;
    d->author = wr_strdup(e->author ? e->author : "");
    d->text = wr_strdup(e->text ? e->text : "");
    d->data = e->kind == KIND_SLI || e->kind == KIND_ALERT ? wr_strdup(e->data) : NULL;
    if (!d->author || !d->text) {
        entry_clear(d);
        c->oom = true;
        return 1;
    }
    c->n++;
    return 0;
}

static void pd_free(struct pd_entries *c)
{
    for (size_t i = 0; i < c->n; i++)
        entry_clear(&c->v[i]);
    free(c->v);
    free(c->comms);
    memset(c, 0, sizeof *c);
}

/* ---- cadence ---- */

static int severity_at(const struct severity_change *h, size_t n, int64_t t)
{
    int sev = 0;
    for (size_t i = 0; i < n && h[i].at_ms <= t; i++)
        sev = h[i].severity;
    return sev;
}

void pm_cadence_judge(const struct incident *inc, const int64_t *sent_at, size_t n,
                      const struct severity_change *hist, size_t nhist,
                      const struct sev_policy *policy, int64_t end_ms, struct pm_cadence *out)
{
    memset(out, 0, sizeof *out);
    out->sent = n;
    int64_t from = inc->milestones[MS_DECLARED];
    if (!policy || from == WR_TIME_NONE) {
        out->missed = -1;
        return;
    }
    int64_t last = from;
    for (size_t i = 0; i <= n; i++) {
        int64_t t = i < n ? sent_at[i] : end_ms;
        if (t < last)
            continue;
        int cad = sev_cadence_minutes(policy, severity_at(hist, nhist, last));
        if (cad > 0 && t - last > (int64_t)cad * 60000) {
            out->missed++;
            if (t - last > out->longest_gap)
                out->longest_gap = t - last;
        }
        last = t;
    }
}

/* ---- hypotheses ---- */

#define PD_STEMS 48

/* Word stems (first 5 letters of words of 4+ letters, lower case, common words left out). */
static size_t stems(const char *text, size_t len, char out[][6], size_t max)
{
    static const char *const common[] = {"with", "that", "this", "from", "were", "have", "into",
                                         "every", "slow", "while", "than", "their", "there",
                                         "after", "before", "other", "about", "still", "rate",
                                         "more", "less", "them", "been", "ruled", "confirmed",
                                         "cause", "because", "what", "which", "both", "well",
                                         "under", "over", "only", "some", "also", "does", NULL};
    size_t n = 0;
    const char *p = text, *end = text + len;
    while (p < end && n < max) {
        while (p < end && !isalpha((unsigned char)*p))
            p++;
        const char *w = p;
        while (p < end && isalnum((unsigned char)*p))
            p++;
        size_t wl = (size_t)(p - w);
        if (wl < 4)
            continue;
        char word[32];
        size_t k = wl < sizeof word - 1 ? wl : sizeof word - 1;
        for (size_t i = 0; i < k; i++)
            word[i] = (char)tolower((unsigned char)w[i]);
        word[k] = '\0';
        bool skip = false;
        for (const char *const *c = common; *c && !skip; c++)
            skip = strcmp(word, *c) == 0;
        if (skip)
            continue;
        word[k < 5 ? k : 5] = '\0';
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = strcmp(out[i], word) == 0;
        if (!dup) {
            memcpy(out[n], word, 6); /* word was cut to 5 characters above */
            n++;
        }
    }
    return n;
}

static int shared(char a[][6], size_t na, char b[][6], size_t nb)
{
    int s = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            s += strcmp(a[i], b[j]) == 0;
    return s;
}

/* Hypotheses considered, each with the later entry that states its outcome: the one that says
 * "ruled out" / "confirmed" and shares most words with it, the words naming the subject (before
 * the outcome phrase) counting three times. A tie names no outcome rather than a wrong one. */
static void add_hypotheses(cJSON *root, const struct pd_entries *c)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "hypotheses");
    size_t nh = 0;
    for (size_t i = 0; i < c->n; i++)
        nh += c->v[i].kind == KIND_HYPOTHESIS;
    cJSON_AddBoolToObject(root, "has_hypotheses", nh > 0);
    if (nh == 0)
        return;
    const struct entry **h = calloc(nh, sizeof *h);
    const struct entry **outcome = calloc(nh, sizeof *outcome);
    const char **verdict = calloc(nh, sizeof *verdict);
    if (!h || !outcome || !verdict)
        goto out;
    nh = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].kind == KIND_HYPOTHESIS)
            h[nh++] = &c->v[i];
    for (size_t i = 0; i < c->n; i++) {
        const struct entry *e = &c->v[i];
        if (e->kind == KIND_HYPOTHESIS || e->kind > KIND_ALERT)
            continue;
        const char *phrase = NULL, *word = NULL;
        for (const char *const *w = outcome_words; *w && !phrase; w++)
            if ((phrase = find_ci(e->text, *w)))
                word = *w;
        if (!phrase)
            continue;
        char subj[PD_STEMS][6], rest[PD_STEMS][6], hs[PD_STEMS][6];
        size_t ns = stems(e->text, (size_t)(phrase - e->text), subj, PD_STEMS);
        size_t nr = stems(phrase, strlen(phrase), rest, PD_STEMS);
        int best = 0, best_i = -1, ties = 0;
        for (size_t k = 0; k < nh; k++) {
            if (outcome[k] || h[k]->at_ms > e->at_ms)
                continue;
            size_t nhs = stems(h[k]->text, strlen(h[k]->text), hs, PD_STEMS);
            int score = 3 * shared(subj, ns, hs, nhs) + shared(rest, nr, hs, nhs);
            if (score > best) {
                best = score;
                best_i = (int)k;
                ties = 0;
            } else if (score == best && score > 0) {
                ties++;
            }
        }
        if (best_i >= 0 && ties == 0) {
            outcome[best_i] = e;
            verdict[best_i] = strcmp(word, "confirmed") == 0 ? "confirmed" : "ruled out";
        }
    }
    char tb[64];
    for (size_t k = 0; k < nh; k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "time", pm_when(h[k]->at_ms, tb, sizeof tb));
        cJSON_AddStringToObject(o, "text", h[k]->text);
        if (outcome[k]) {
            struct wr_buf b = {0};
            wr_buf_printf(&b, "%s at %s: %s", verdict[k], pm_when(outcome[k]->at_ms, tb, sizeof tb),
                          outcome[k]->text);
            cJSON_AddStringToObject(o, "outcome", b.data ? b.data : verdict[k]);
            wr_buf_free(&b);
        } else {
            cJSON_AddStringToObject(o, "outcome", "outcome not logged");
        }
        cJSON_AddItemToArray(arr, o);
    }
out:
    free(h);
    free(outcome);
    free(verdict);
}

/* ---- SLI snapshots ---- */

struct pd_sli {
    char id[64], name[160], type[24];
    double worst, budget, burn;
    int64_t worst_at;
    char burn_rule[32];
    int count;
};

/* Worst value, lowest budget and highest burn rate of each SLI over the snapshot payloads, so
 * the figures stand even when the SLI source is gone. */
static void add_snapshots(cJSON *root, const struct pd_entries *c)
{
    struct pd_sli *v = NULL;
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->v[i].kind != KIND_SLI || !c->v[i].data)
            continue;
        cJSON *d = cJSON_Parse(c->v[i].data);
        const cJSON *s;
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(d, "slis"))
        {
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "id"));
            const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "type"));
            const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "name"));
            const cJSON *val = cJSON_GetObjectItemCaseSensitive(s, "value");
            const cJSON *bud = cJSON_GetObjectItemCaseSensitive(s, "budget_remaining");
            if (!id)
                continue;
            size_t k = 0;
            while (k < n && strcmp(v[k].id, id) != 0)
                k++;
            if (k == n) {
                struct pd_sli *g = realloc(v, (n + 1) * sizeof *g);
                if (!g)
                    break;
                v = g;
                memset(&v[n], 0, sizeof v[n]);
                snprintf(v[n].id, sizeof v[n].id, "%s", id);
                snprintf(v[n].name, sizeof v[n].name, "%s", name && *name ? name : id);
                snprintf(v[n].type, sizeof v[n].type, "%s", type ? type : "");
                v[n].worst = v[n].budget = v[n].burn = NAN;
                n++;
            }
            struct pd_sli *p = &v[k];
            p->count++;
            bool lower_bad = strcmp(p->type, "availability") == 0 ||
                             strcmp(p->type, "throughput") == 0;
            if (cJSON_IsNumber(val) && (isnan(p->worst) || (lower_bad ? val->valuedouble < p->worst
                                                                     : val->valuedouble > p->worst))) {
                p->worst = val->valuedouble;
                p->worst_at = c->v[i].at_ms;
            }
            if (cJSON_IsNumber(bud) && (isnan(p->budget) || bud->valuedouble < p->budget))
                p->budget = bud->valuedouble;
            const cJSON *b;
            cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(s, "burn_rates"))
            {
                const cJSON *lb = cJSON_GetObjectItemCaseSensitive(b, "long_burn");
                const char *rn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "name"));
                if (cJSON_IsNumber(lb) && (isnan(p->burn) || lb->valuedouble > p->burn)) {
                    p->burn = lb->valuedouble;
                    snprintf(p->burn_rule, sizeof p->burn_rule, "%s", rn ? rn : "");
                }
            }
        }
        cJSON_Delete(d);
    }
    cJSON *arr = cJSON_AddArrayToObject(root, "snapshots");
    char buf[160], tb[64];
    for (size_t k = 0; k < n; k++) {
        const struct pd_sli *p = &v[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", p->name);
        if (isnan(p->worst))
            snprintf(buf, sizeof buf, "no value in the snapshots");
        else if (strcmp(p->type, "availability") == 0)
            snprintf(buf, sizeof buf, "%.2f %% at %s", p->worst * 100, pm_when(p->worst_at, tb, sizeof tb));
        else if (strcmp(p->type, "latency") == 0)
            snprintf(buf, sizeof buf, "%.0f ms at %s", p->worst, pm_when(p->worst_at, tb, sizeof tb));
        else
            snprintf(buf, sizeof buf, "%.4g at %s", p->worst, pm_when(p->worst_at, tb, sizeof tb));
        cJSON_AddStringToObject(o, "worst", buf);
        if (isnan(p->budget))
            snprintf(buf, sizeof buf, "not recorded (no SLO target or no good/total events)");
        else
            snprintf(buf, sizeof buf, "%.1f %%", p->budget * 100);
        cJSON_AddStringToObject(o, "budget", buf);
        if (isnan(p->burn))
            snprintf(buf, sizeof buf, "not recorded");
        else
            snprintf(buf, sizeof buf, "%.1fx (%s rule's long window)", p->burn, p->burn_rule);
        cJSON_AddStringToObject(o, "burn", buf);
        cJSON_AddNumberToObject(o, "count", p->count);
        cJSON_AddItemToArray(arr, o);
    }
    cJSON_AddBoolToObject(root, "has_snapshots", n > 0);
    free(v);
}

/* ---- the drafts ---- */

struct pd_ctx {
    const struct pm_draft_input *in;
    const struct pd_entries *c;
    struct incident_facts facts;
    struct phase_window respond, mitigate;
    struct pm_cadence cadence;
    int64_t end;          /* resolved, else closed, else now */
    int64_t first_signal; /* first alert logged during the incident (from started - 1 h) */
    int64_t first_evidence; /* first alert found afterwards (log analysis), earlier than that */
    int64_t first_page;
    const struct entry *first_page_entry;
};

/* True for a finding attached afterwards by an analysis (warroom analyze writes its source and
 * finding into the entry's payload): evidence, not a signal anyone saw at the time. */
static bool afterwards(const struct pd_ctx *x, const struct entry *e)
{
    (void)x;
    if (!e->data || !*e->data)
        return false;
    cJSON *d = cJSON_Parse(e->data);
    bool yes = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(d, "source")) &&
               cJSON_IsString(cJSON_GetObjectItemCaseSensitive(d, "finding"));
    cJSON_Delete(d);
    return yes;
}

static void draft_resolution(cJSON *root, struct pd_ctx *x)
{
    cJSON *f = draftable(root, "resolution");
    const struct incident *inc = x->in->inc;
    char tb[64], d[32];
    if (!f)
        return;
    int64_t mitigated = inc->milestones[MS_MITIGATED], started = inc->milestones[MS_STARTED];
    const struct fact_value *mit = &x->facts.f[FACT_MITIGATION];
    if (mitigated != WR_TIME_NONE) {
        if (started != WR_TIME_NONE)
            draft_line(f, "Impact mitigated at %s, %s after it began (time to mitigate).",
                       pm_when(mitigated, tb, sizeof tb), dur(mitigated - started, d, sizeof d));
        else
            draft_line(f, "Impact mitigated at %s.", pm_when(mitigated, tb, sizeof tb));
    }
    if (mit->source == FACT_SOURCE_FIELD)
        draft_line(f, "Mitigation recorded during the incident by %s: %s", mit->author,
                   mit->value);
    /* The decision that led into MITIGATE, then what was decided and done in it. */
    if (x->mitigate.known) {
        const struct entry *lead = NULL;
        for (size_t i = 0; i < x->c->n; i++) {
            const struct entry *e = &x->c->v[i];
            if (e->kind == KIND_DECISION && e->pinned && e->at_ms < x->mitigate.from)
                lead = e;
        }
        /* What was done on that decision counts from the decision on: a rollback is often
         * started before anyone logs the phase change. */
        int64_t from = x->mitigate.from;
        if (lead) {
            draft_line(f, "%s decision (%s): %s", pm_when(lead->at_ms, tb, sizeof tb),
                       lead->author, lead->text);
            from = lead->at_ms + 1;
        }
        for (size_t i = 0; i < x->c->n; i++) {
            const struct entry *e = &x->c->v[i];
            if ((e->kind == KIND_DECISION || e->kind == KIND_ACTION) && e->at_ms >= from &&
                e->at_ms < x->mitigate.to && e->at_ms <= x->end)
                draft_line(f, "%s %s (%s): %s", pm_when(e->at_ms, tb, sizeof tb),
                           kind_name(e->kind), e->author, e->text);
        }
    }
    int64_t resolved = inc->milestones[MS_RESOLVED];
    bool any = cJSON_GetObjectItemCaseSensitive(f, "draft") != NULL;
    if (any && resolved != WR_TIME_NONE && started != WR_TIME_NONE)
        draft_line(f, "Resolved at %s, %s after impact began (time to resolve).",
                   pm_when(resolved, tb, sizeof tb), dur(resolved - started, d, sizeof d));
    else if (any && resolved == WR_TIME_NONE)
        draft_line(f, "Not resolved yet when this draft was made (%s).",
                   pm_when(x->in->now_ms, tb, sizeof tb));
}

static void draft_detection(cJSON *root, struct pd_ctx *x)
{
    const struct incident *inc = x->in->inc;
    int64_t detected = inc->milestones[MS_DETECTED], started = inc->milestones[MS_STARTED];
    char tb[64], d[32], d2[32];
    cJSON *f = draftable(root, "detection");
    if (f && detected != WR_TIME_NONE) {
        const char *how = NULL;
        for (size_t i = 0; i < x->c->n && !how; i++)
            if (x->c->v[i].kind == KIND_MILESTONE &&
                strncmp(x->c->v[i].text, "Milestone detected", 18) == 0 &&
                strchr(x->c->v[i].text, ':'))
                how = after_colon(x->c->v[i].text);
        draft_line(f, "Detected at %s%s%s", pm_when(detected, tb, sizeof tb), how ? ": " : ".",
                   how ? how : "");
        if (started != WR_TIME_NONE)
            draft_line(f, "Time to detect: %s (impact began %s).",
                       dur(detected - started, d, sizeof d), pm_when(started, tb, sizeof tb));
    }
    if (f) {
        for (size_t i = 0; i < x->c->n; i++) {
            const struct entry *e = &x->c->v[i];
            /* Without a detected milestone there is no "before detection" to list. */
            if (e->kind != KIND_ALERT || detected == WR_TIME_NONE || e->at_ms > detected)
                continue;
            if (afterwards(x, e)) {
                char rec[64];
                draft_line(f, "Found afterwards (recorded %s), from %s: %s",
                           pm_when(e->recorded_ms, rec, sizeof rec), pm_when(e->at_ms, tb, sizeof tb),
                           e->text);
            } else {
                draft_line(f, "Signal before detection, %s: %s%s", pm_when(e->at_ms, tb, sizeof tb),
                           e->text, paged_note(e->text));
            }
        }
        if (x->first_page_entry && started != WR_TIME_NONE)
            draft_line(f, "The first page came at %s, %s after impact began.",
                       pm_when(x->first_page, tb, sizeof tb),
                       dur(x->first_page - started, d, sizeof d));
        else if (cJSON_GetObjectItemCaseSensitive(f, "draft"))
            draft_line(f, "No alert logged in the timeline says it paged.");
        if (x->first_signal != WR_TIME_NONE && started != WR_TIME_NONE &&
            detected != WR_TIME_NONE && x->first_signal < detected)
            draft_line(f, "Could it have been sooner: the first signal came %s after impact "
                          "began, %s before detection.",
                       dur(x->first_signal - started, d, sizeof d),
                       dur(detected - x->first_signal, d2, sizeof d2));
        if (x->first_evidence != WR_TIME_NONE && started != WR_TIME_NONE &&
            detected != WR_TIME_NONE && x->first_evidence < detected &&
            (x->first_signal == WR_TIME_NONE || x->first_evidence < x->first_signal))
            draft_line(f, "What was found afterwards shows it from %s, %s after impact began: a "
                          "signal there could have caught it %s before detection.",
                       pm_when(x->first_evidence, tb, sizeof tb),
                       dur(x->first_evidence - started, d, sizeof d),
                       dur(detected - x->first_evidence, d2, sizeof d2));
    }
    /* The same gap as a contributing factor. */
    cJSON *fd = draftable(root, "factors_detection");
    if (fd && x->first_signal != WR_TIME_NONE && detected != WR_TIME_NONE &&
        x->first_signal < detected) {
        for (size_t i = 0; i < x->c->n; i++) {
            const struct entry *e = &x->c->v[i];
            if (e->kind == KIND_ALERT && e->at_ms < detected && !afterwards(x, e) &&
                paged(e->text) == 0)
                draft_line(fd, "A signal that did not page, %s: %s", pm_when(e->at_ms, tb, sizeof tb),
                           e->text);
        }
    }
}

static void draft_causes(cJSON *root, struct pd_ctx *x)
{
    const struct fact_value *cause = &x->facts.f[FACT_CAUSE];
    char tb[64];
    cJSON *f = draftable(root, "root_causes");
    if (f) {
        if (cause->source == FACT_SOURCE_FIELD)
            /* The author and time are the cause text's; its confirmation may come later, from
             * someone else, so it is said apart. */
            draft_line(f, "Cause recorded during the incident by %s at %s, %s: %s", cause->author,
                       pm_when(cause->at_ms, tb, sizeof tb),
                       x->facts.cause_confirmed ? "confirmed" : "not confirmed", cause->value);
        for (size_t i = 0; x->respond.known && i < x->c->n; i++) {
            const struct entry *e = &x->c->v[i];
            if (e->pinned && e->at_ms >= x->respond.from && e->at_ms < x->respond.to &&
                (e->kind == KIND_NOTE || e->kind == KIND_HYPOTHESIS || e->kind == KIND_ALERT))
                draft_line(f, "Key event, %s: %s", pm_when(e->at_ms, tb, sizeof tb), e->text);
        }
    }
    f = draftable(root, "trigger");
    if (f) {
        if (cause->source == FACT_SOURCE_FIELD && mentions(cause->value, change_words))
            draft_line(f, "The recorded cause names a change: %s", cause->value);
        for (size_t i = 0; i < x->c->n; i++) {
            const struct entry *e = &x->c->v[i];
            if (e->pinned && kind_typeable(e->kind) && e->kind != KIND_DECISION &&
                e->kind != KIND_ACTION && mentions(e->text, change_words))
                draft_line(f, "Key event naming a change, %s: %s", pm_when(e->at_ms, tb, sizeof tb),
                           e->text);
        }
    }
}

static void draft_lessons(cJSON *root, struct pd_ctx *x)
{
    const struct pm_draft_input *in = x->in;
    const struct incident *inc = in->inc;
    int64_t declared = inc->milestones[MS_DECLARED], started = inc->milestones[MS_STARTED];
    int64_t detected = inc->milestones[MS_DETECTED], mitigated = inc->milestones[MS_MITIGATED];
    char tb[64], d[32], d2[32];
    const struct fact_value *cause = &x->facts.f[FACT_CAUSE];

    /* First IC and its handoffs, from the role history. */
    int64_t first_ic = WR_TIME_NONE;
    int handoffs = 0;
    const char *prev = NULL;
    struct wr_buf ho = {0};
    for (size_t i = 0; i < in->nroles; i++) {
        const struct role_assignment *r = &in->roles[i];
        if (r->role != ROLE_IC || !r->name[0])
            continue;
        if (first_ic == WR_TIME_NONE)
            first_ic = r->at_ms;
        else if (prev && strcmp(prev, r->name) != 0) {
            handoffs++;
            wr_buf_printf(&ho, "%s%s, %s to %s", ho.len ? "; " : "",
                          pm_when(r->at_ms, tb, sizeof tb), prev, r->name);
        }
        prev = r->name;
    }

    cJSON *f = draftable(root, "went_well");
    if (f) {
        if (cause->source == FACT_SOURCE_FIELD && declared != WR_TIME_NONE &&
            cause->at_ms >= declared) {
            if (mitigated != WR_TIME_NONE && mitigated >= cause->at_ms)
                draft_line(f, "The cause was recorded %s after declaration and the impact "
                              "mitigated %s after that.",
                           dur(cause->at_ms - declared, d, sizeof d),
                           dur(mitigated - cause->at_ms, d2, sizeof d2));
            else
                draft_line(f, "The cause was recorded %s after declaration.",
                           dur(cause->at_ms - declared, d, sizeof d));
        }
        if (first_ic != WR_TIME_NONE && declared != WR_TIME_NONE && first_ic >= declared)
            draft_line(f, "An Incident Commander was in place %s after declaration.",
                       dur(first_ic - declared, d, sizeof d));
        if (x->cadence.missed == 0 && x->cadence.sent > 0)
            draft_line(f, "Every stakeholder update went out within the cadence (%zu sent).",
                       x->cadence.sent);
    }

    f = draftable(root, "went_wrong");
    if (f) {
        if (x->cadence.missed > 0)
            draft_line(f, "%d stakeholder update%s late against the cadence; the longest gap "
                          "between updates was %s.",
                       x->cadence.missed, x->cadence.missed == 1 ? " was" : "s were",
                       dur(x->cadence.longest_gap, d, sizeof d));
        if (detected != WR_TIME_NONE && started != WR_TIME_NONE && detected > started)
            draft_line(f, "Impact ran %s before it was detected%s.",
                       dur(detected - started, d, sizeof d),
                       x->first_page_entry && x->first_page > detected
                           ? "; the first page came after detection"
                           : "");
        if (x->first_signal != WR_TIME_NONE && x->first_signal < detected) {
            for (size_t i = 0; i < x->c->n; i++)
                if (x->c->v[i].kind == KIND_ALERT && x->c->v[i].at_ms == x->first_signal &&
                    paged(x->c->v[i].text) == 0) {
                    draft_line(f, "The first signal, at %s, did not page.",
                               pm_when(x->first_signal, tb, sizeof tb));
                    break;
                }
        }
        if (declared != WR_TIME_NONE) {
            int64_t classified = in->nhist ? in->hist[0].at_ms : WR_TIME_NONE;
            if (classified == WR_TIME_NONE)
                draft_line(f, "No severity was ever recorded.");
            else if (classified > declared)
                draft_line(f, "The incident had no severity for %s after it was declared (first "
                              "classification at %s).",
                           dur(classified - declared, d, sizeof d),
                           pm_when(classified, tb, sizeof tb));
        }
        for (size_t i = 1; i < in->nhist; i++)
            if (in->hist[i].severity < in->hist[0].severity) {
                draft_line(f, "Severity was raised from SEV%d to SEV%d at %s, %s after the first "
                              "classification.",
                           in->hist[0].severity, in->hist[i].severity,
                           pm_when(in->hist[i].at_ms, tb, sizeof tb),
                           dur(in->hist[i].at_ms - in->hist[0].at_ms, d, sizeof d));
                break;
            }
        if (handoffs > 0)
            draft_line(f, "The Incident Commander changed hands %s (%s): each handoff costs "
                          "context.",
                       handoffs == 1 ? "once" : handoffs == 2 ? "twice" : "several times",
                       ho.data ? ho.data : "");
    }
    f = draftable(root, "factors_process");
    if (f && x->cadence.missed > 0)
        draft_line(f, "Stakeholder updates: %zu sent, %d gap%s longer than the cadence (longest "
                      "%s).",
                   x->cadence.sent, x->cadence.missed, x->cadence.missed == 1 ? "" : "s",
                   dur(x->cadence.longest_gap, d, sizeof d));
    wr_buf_free(&ho);
}

struct pm_draft_timeline {
    struct pd_entries c;
};

struct pm_draft_timeline *pm_draft_timeline_new(const struct incident *inc)
{
    struct pm_draft_timeline *t = calloc(1, sizeof *t);
    if (t)
        t->c.detected = inc->milestones[MS_DETECTED];
    return t;
}

int pm_draft_timeline_add(const struct entry *e, void *timeline)
{
    struct pm_draft_timeline *t = timeline;
    return pd_collect(e, &t->c);
}

size_t pm_draft_timeline_kept(const struct pm_draft_timeline *t)
{
    return t->c.n;
}

void pm_draft_timeline_free(struct pm_draft_timeline **t)
{
    if (!t || !*t)
        return;
    pd_free(&(*t)->c);
    free(*t);
    *t = NULL;
}

int pm_draft(struct store *s, const struct pm_draft_input *in, cJSON *root, struct wr_error *err)
{
    struct pm_draft_timeline *t = pm_draft_timeline_new(in->inc);
    if (!t)
        return wr_fail(err, WR_E_NOMEM, "out of memory drafting the postmortem");
    /* store_entry_scan: no copy of the entries a draft does not keep (most of them). */
    int rc = store_entry_scan(s, in->inc->id, pm_draft_timeline_add, t, err) != 0
                 ? -1
                 : pm_draft_from(s, in, t, root, err);
    pm_draft_timeline_free(&t);
    return rc;
}

int pm_draft_from(struct store *s, const struct pm_draft_input *in, struct pm_draft_timeline *t,
                  cJSON *root, struct wr_error *err)
{
    int rc = -1;
    const struct incident *inc = in->inc;
    struct pd_entries c = t->c; /* moved out of t, freed here */
    memset(&t->c, 0, sizeof t->c);
    struct pd_ctx x = {.in = in, .c = &c};
    if (c.oom) {
        wr_fail(err, WR_E_NOMEM, "out of memory drafting the postmortem");
        goto out;
    }
    if (facts_load(s, inc, in->now_ms, &x.facts, err) != 0)
        goto out;
    facts_phase_window(inc, c.v, c.n, PHASE_RESPOND, in->now_ms, &x.respond);
    facts_phase_window(inc, c.v, c.n, PHASE_MITIGATE, in->now_ms, &x.mitigate);
    x.end = inc->milestones[MS_RESOLVED] != WR_TIME_NONE ? inc->milestones[MS_RESOLVED]
            : inc->milestones[MS_CLOSED] != WR_TIME_NONE ? inc->milestones[MS_CLOSED]
                                                         : in->now_ms;
    x.first_signal = x.first_evidence = x.first_page = WR_TIME_NONE;
    int64_t started = inc->milestones[MS_STARTED];
    for (size_t i = 0; i < c.n; i++) {
        const struct entry *e = &c.v[i];
        if (e->kind == KIND_ALERT && e->at_ms <= x.end &&
            (started == WR_TIME_NONE || e->at_ms >= started - 3600000) && afterwards(&x, e)) {
            if (x.first_evidence == WR_TIME_NONE)
                x.first_evidence = e->at_ms;
        } else if (e->kind == KIND_ALERT && e->at_ms <= x.end) {
            if (x.first_signal == WR_TIME_NONE &&
                (started == WR_TIME_NONE || e->at_ms >= started - 3600000))
                x.first_signal = e->at_ms;
            if (!x.first_page_entry && paged(e->text) > 0) {
                x.first_page_entry = e;
                x.first_page = e->at_ms;
            }
        }
    }
    pm_cadence_judge(inc, c.comms, c.ncomms, in->hist, in->nhist, in->policy, x.end, &x.cadence);
    draft_resolution(root, &x);
    draft_detection(root, &x);
    draft_causes(root, &x);
    draft_lessons(root, &x);
    add_hypotheses(root, &c);
    add_snapshots(root, &c);
    rc = 0;
out:
    facts_clear(&x.facts);
    pd_free(&c);
    return rc;
}
