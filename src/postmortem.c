/* postmortem.c: builds the postmortem draft from the store and renders it with its graphs. */
#include "postmortem.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "analyze_attach.h"
#include "model.h"
#include "paths.h"
#include "pm_draft.h"
#include "replay.h"
#include "slo.h"
#include "svg.h"
#include "template.h"
#include "tz.h"


/* Control characters never survive Markdown escaping, so user text cannot forge this. */
#define PM_TIMELINE_MARK "\x01timeline\x01"

static const char *const field_keys[] = {
#define PM_X(key, title, prompt) #key,
    PM_FIELD_LIST(PM_X)
#undef PM_X
};
static const char *const field_titles[] = {
#define PM_X(key, title, prompt) title,
    PM_FIELD_LIST(PM_X)
#undef PM_X
};
static const char *const field_prompts[] = {
#define PM_X(key, title, prompt) prompt,
    PM_FIELD_LIST(PM_X)
#undef PM_X
};

const char *pm_field_key(int f) { return f >= 0 && f < PM_FIELD_COUNT ? field_keys[f] : NULL; }
const char *pm_field_title(int f) { return f >= 0 && f < PM_FIELD_COUNT ? field_titles[f] : NULL; }
const char *pm_field_prompt(int f)
{
    return f >= 0 && f < PM_FIELD_COUNT ? field_prompts[f] : NULL;
}

int pm_field_from_key(const char *key)
{
    for (int i = 0; key && i < PM_FIELD_COUNT; i++)
        if (wr_streq_ci(key, field_keys[i]))
            return i;
    return -1;
}

char *pm_template_path(char *buf, size_t n)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && *xdg == '/')
        snprintf(buf, n, "%s/warroom/templates/postmortem.md", xdg);
    else if (home && *home)
        snprintf(buf, n, "%s/.config/warroom/templates/postmortem.md", home);
    else
        buf[0] = '\0';
    if (buf[0] && access(buf, R_OK) == 0)
        return buf;
    snprintf(buf, n, "%s/postmortem.md", paths_template_dir());
    return buf;
}

void pm_graphs_free(struct pm_graph **g, size_t n)
{
    if (!g || !*g)
        return;
    for (size_t i = 0; i < n; i++)
        free((*g)[i].svg);
    free(*g);
    *g = NULL;
}

static char *fmt_utc(int64_t ms, char *buf, size_t n)
{
    return wr_time_fmt(ms, true, "%Y-%m-%d %H:%M:%S UTC", buf, n);
}

/* A figure row: name, value (or why it is missing) and its definition. */
static void add_figure(cJSON *arr, const char *name, const char *value, const char *definition)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "value", value);
    cJSON_AddStringToObject(o, "definition", definition);
    cJSON_AddItemToArray(arr, o);
}

/* A duration between milestones `from` and `to`, or why it is missing: the milestone that was
 * not recorded, or "not mitigated/resolved yet" while the incident is still running. */
static void add_duration(cJSON *arr, const char *name, const struct incident *inc,
                         enum milestone from, enum milestone to, int64_t v,
                         const char *definition)
{
    char buf[64], why[160];
    if (v != WR_TIME_NONE) {
        add_figure(arr, name, wr_duration_fmt(v, buf, sizeof buf), definition);
        return;
    }
    enum milestone gap = inc->milestones[from] == WR_TIME_NONE ? from : to;
    if (gap == to && (to == MS_MITIGATED || to == MS_RESOLVED) &&
        inc->milestones[MS_RESOLVED] == WR_TIME_NONE && inc->milestones[MS_CLOSED] == WR_TIME_NONE)
        snprintf(why, sizeof why, "not computed: not %s yet", milestone_name(to));
    else
        snprintf(why, sizeof why, "not computed: the %s milestone was not recorded",
                 milestone_name(gap));
    add_figure(arr, name, why, definition);
}

/* A worksheet field as {title, has, paras: [{text}], prompt}. */
static void add_field(cJSON *fields, int f, const char *value)
{
    cJSON *o = cJSON_AddObjectToObject(fields, field_keys[f]);
    cJSON_AddStringToObject(o, "title", field_titles[f]);
    cJSON_AddStringToObject(o, "prompt", field_prompts[f]);
    cJSON *paras = cJSON_AddArrayToObject(o, "paras");
    bool has = false;
    const char *p = value ? value : "";
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char *line = strndup(p, l);
        if (line && *wr_trim(line)) {
            cJSON *t = cJSON_CreateObject();
            cJSON_AddStringToObject(t, "text", line);
            cJSON_AddItemToArray(paras, t);
            has = true;
        }
        free(line);
        p += l;
        if (*p == '\n')
            p++;
    }
    cJSON_AddBoolToObject(o, "has", has);
    cJSON_AddBoolToObject(o, "drafted", false); /* pm_draft turns it on with its "draft" */
}

/* The updates sent, from the comms entries' times (in timeline order). */
static void add_updates(cJSON *figs, const int64_t *sent, size_t n, const struct incident *inc,
                        const struct severity_change *hist, size_t nhist,
                        const struct pm_options *opt, int64_t end)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%zu", n);
    add_figure(figs, "Updates sent", buf,
               "number of comms entries in the timeline (status updates sent to stakeholders)");
    const char *def = "gaps between consecutive updates, from declaration to resolution (else "
                      "the export time), longer than the update cadence of the severity in force "
                      "at the gap's start";
    struct pm_cadence c;
    pm_cadence_judge(inc, sent, n, hist, nhist, opt->policy, end, &c);
    if (!opt->policy) {
        add_figure(figs, "Missed update cadence", "not computed: no severity policy loaded", def);
    } else if (c.missed < 0) {
        add_figure(figs, "Missed update cadence",
                   "not computed: the declared milestone was not recorded", def);
    } else {
        char d[64];
        if (c.missed)
            snprintf(buf, sizeof buf, "%d (longest gap %s)", c.missed,
                     wr_duration_fmt(c.longest_gap, d, sizeof d));
        else
            snprintf(buf, sizeof buf, "0 (every update within cadence)");
        add_figure(figs, "Missed update cadence", buf, def);
    }
}

/* A comma-separated field ("loan-api,scoring") as the text "loan-api, scoring". */
static void add_list(cJSON *root, const char *key, const char *csv)
{
    struct wr_buf b = {0};
    for (const char *p = csv ? csv : ""; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *next = end ? end + 1 : p + len;
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len) {
            if (b.len)
                wr_buf_puts(&b, ", ");
            wr_buf_append(&b, p, len);
        }
        p = next;
    }
    cJSON_AddStringToObject(root, key, b.data ? b.data : "");
    wr_buf_free(&b);
}

static int push_graph(struct pm_graph **g, size_t *n, const char *file, struct wr_buf *svg)
{
    struct pm_graph *ng = realloc(*g, (*n + 1) * sizeof *ng);
    if (!ng)
        return -1;
    *g = ng;
    snprintf(ng[*n].file, sizeof ng[*n].file, "%s", file);
    ng[*n].len = svg->len;
    ng[*n].svg = wr_buf_steal(svg);
    (*n)++;
    return 0;
}

/* The events the SLO window would hold at the traffic rate of these samples, over the time
 * the samples actually cover: an open incident exported long after its recording ends (or
 * a window reaching past the data) must not shrink the budget to nothing. 0 when unknown. */
static double window_events(const struct slo_sample *smp, size_t n, int64_t window_ms)
{
    if (n < 2)
        return 0;
    double seen = 0;
    for (size_t i = 0; i < n; i++)
        seen += smp[i].total;
    int64_t covered = smp[n - 1].t_ms - smp[0].t_ms + (smp[1].t_ms - smp[0].t_ms);
    return covered > 0 ? seen * (double)window_ms / (double)covered : 0;
}

/* Worst value, budget consumed and a graph for each configured SLI with a replay source. */
static void add_slis(cJSON *root, const struct pm_options *opt, const struct incident *inc,
                     int64_t from, int64_t to, struct pm_graph **graphs, size_t *ngraphs)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "slis");
    const struct config *c = opt->config;
    if (!c || c->nslis == 0) {
        cJSON_AddStringToObject(root, "slis_missing",
                                "No SLIs were configured for this export (pass --config FILE or "
                                "set up ~/.config/warroom/config.json), so worst values and "
                                "error budget consumed cannot be computed.");
        return;
    }
    struct svg_marker marks[MS_COUNT];
    size_t nm = 0;
    for (int m = 0; m < MS_COUNT; m++)
        if (inc->milestones[m] != WR_TIME_NONE)
            marks[nm++] = (struct svg_marker){inc->milestones[m], milestone_name((enum milestone)m)};
    for (size_t i = 0; i < c->nslis; i++) {
        const struct cfg_sli *sl = &c->slis[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "name", sl->name ? sl->name : sl->id);
        char worst[320] = "", budget[320] = "", obj[64] = "none";
        bool is_avail = sl->type == CFG_SLI_AVAILABILITY;
        bool lower_bad = is_avail || sl->type == CFG_SLI_THROUGHPUT;
        double scale = is_avail ? 100.0 : (isfinite(sl->scale) ? sl->scale : 1.0);
        const char *unit = is_avail ? "%" : sl->type == CFG_SLI_LATENCY ? " ms" : "";
        double objective = NAN;
        if (is_avail && isfinite(sl->target))
            objective = sl->target * 100.0;
        else if (sl->type == CFG_SLI_LATENCY && isfinite(sl->threshold_ms))
            objective = sl->threshold_ms;
        else if (lower_bad && isfinite(sl->min))
            objective = sl->min;
        else if (isfinite(sl->max))
            objective = sl->max;
        if (isfinite(objective))
            snprintf(obj, sizeof obj, "%.4g%s", objective, unit);
        cJSON_AddStringToObject(o, "objective", obj);
        struct replay_file *rf = NULL;
        struct wr_error e2;
        const struct replay_series *ser = NULL;
        if (sl->source.type != CFG_SOURCE_REPLAY || !sl->source.file || !sl->series) {
            snprintf(worst, sizeof worst,
                     "not computed: its source keeps no history warroom can read back "
                     "(only replay sources do)");
        } else if (replay_load(sl->source.file, &rf, &e2) != 0) {
            snprintf(worst, sizeof worst, "not computed: %.200s", e2.msg);
        } else if (!(ser = replay_find(rf, sl->series))) {
            snprintf(worst, sizeof worst, "not computed: series %s is not in %s", sl->series,
                     sl->source.file);
        }
        snprintf(budget, sizeof budget, "%s", worst);
        if (ser) {
            struct svg_point *pts = calloc(ser->count + 1, sizeof *pts);
            struct slo_sample *smp = calloc(ser->count + 1, sizeof *smp);
            size_t np = 0, ns = 0;
            double w = NAN;
            int64_t wt = 0;
            for (size_t k = 0; pts && smp && k < ser->count; k++) {
                const struct replay_sample *rs = &ser->samples[k];
                if (rs->t_ms < from || rs->t_ms > to)
                    continue;
                double v = rs->value * scale;
                pts[np++] = (struct svg_point){rs->t_ms, v};
                if (ser->kind == REPLAY_GOOD_TOTAL)
                    smp[ns++] = (struct slo_sample){rs->t_ms, rs->good, rs->total};
                if (isfinite(v) && (isnan(w) || (lower_bad ? v < w : v > w))) {
                    w = v;
                    wt = rs->t_ms;
                }
            }
            char tb[40];
            if (isnan(w))
                snprintf(worst, sizeof worst, "not computed: no samples in the incident window");
            else
                snprintf(worst, sizeof worst, "%.4g%s at %s", w, unit, pm_when(wt, tb, sizeof tb));
            double consumed;
            enum slo_status st = SLO_INVALID;
            if (!isfinite(sl->target) || !(sl->target > 0 && sl->target < 1))
                snprintf(budget, sizeof budget, "not computed: this SLI has no SLO target");
            else if (ser->kind != REPLAY_GOOD_TOTAL)
                snprintf(budget, sizeof budget,
                         "not computed: the series holds %s values, not good/total event counts",
                         sl->type == CFG_SLI_LATENCY ? "percentile" : "gauge");
            else if ((st = slo_budget_consumed(sl->target, sl->window_ms,
                                               window_events(smp, ns, sl->window_ms), smp, ns,
                                               from, to, &consumed)) != SLO_OK)
                snprintf(budget, sizeof budget, "not computed: %s in the incident window",
                         slo_status_text(st));
            else
                snprintf(budget, sizeof budget, "%.1f%%", consumed * 100.0);
            char file[128], title[256];
            snprintf(file, sizeof file, "sli-%s.svg", sl->id);
            snprintf(title, sizeof title, "%s (objective %s)", sl->name ? sl->name : sl->id, obj);
            struct svg_chart ch = {title, is_avail ? "%" : (ser->unit ? ser->unit : ""), from, to,
                                   pts, np, isfinite(objective), objective, marks, nm};
            struct wr_buf b = {0};
            if (np && svg_chart_write(&ch, &b, &e2) == 0 && push_graph(graphs, ngraphs, file, &b) == 0)
                cJSON_AddStringToObject(o, "graph", file);
            wr_buf_free(&b);
            free(pts);
            free(smp);
        }
        cJSON_AddStringToObject(o, "worst", worst);
        cJSON_AddStringToObject(o, "budget", budget);
        replay_free(&rf);
    }
}

/*
 * What the document needs from every entry of the timeline, gathered in one pass over it: the
 * drafts' evidence, the attached analysis summary and, when exporting, the timeline rows
 * themselves (written to a temporary file as they come, since the document starts with what
 * the drafts make of the whole timeline). A 100,000-entry export read the timeline three times
 * before, and each read cost as much as writing the rows.
 */
struct row_ctx;
struct pm_pass {
    struct pm_draft_timeline *draft;
    struct analyze_impact_finder impact;
    int64_t *sent; /* the comms entries' times: the updates sent */
    size_t nsent, capsent;
    bool oom;
    struct row_ctx *rows; /* NULL: rows are not written (pm_build) */
};

static int write_row(const struct entry *e, void *vctx);

static int pass_entry(const struct entry *e, void *vctx)
{
    struct pm_pass *p = vctx;
    analyze_impact_find(e, &p->impact);
    if (e->kind == KIND_COMMS) {
        if (p->nsent == p->capsent) {
            size_t cap = p->capsent ? 2 * p->capsent : 64;
            int64_t *g = realloc(p->sent, cap * sizeof *g);
            if (!g) {
                p->oom = true;
                return 1;
            }
            p->sent = g;
            p->capsent = cap;
        }
        p->sent[p->nsent++] = e->at_ms;
    }
    if (pm_draft_timeline_add(e, p->draft) != 0)
        return 1;
    return p->rows ? write_row(e, p->rows) : 0;
}

static void pass_clear(struct pm_pass *p)
{
    pm_draft_timeline_free(&p->draft);
    free(p->impact.data);
    p->impact.data = NULL;
    free(p->sent);
    p->sent = NULL;
    p->nsent = p->capsent = 0;
}

/* The one pass: the incident is needed first (the drafts keep alerts up to its detection). */
static int pass_run(struct store *s, const struct incident *inc, struct pm_pass *p,
                    struct wr_error *err)
{
    if (!(p->draft = pm_draft_timeline_new(inc)))
        return wr_fail(err, WR_E_NOMEM, "out of memory building the postmortem");
    if (store_entry_scan(s, inc->id, pass_entry, p, err) != 0)
        return -1;
    if (p->oom)
        return wr_fail(err, WR_E_NOMEM, "out of memory building the postmortem");
    return 0;
}

static int build(struct store *s, int64_t id, const struct pm_options *opt, struct pm_pass *pass,
                 cJSON **data, struct pm_graph **graphs, size_t *ngraphs, struct wr_error *err);

int pm_build(struct store *s, int64_t id, const struct pm_options *opt, cJSON **data,
             struct pm_graph **graphs, size_t *ngraphs, struct wr_error *err)
{
    return build(s, id, opt, NULL, data, graphs, ngraphs, err);
}

/* pm_build, with the timeline's pass already run (pass) or run here (NULL). */
static int build(struct store *s, int64_t id, const struct pm_options *opt, struct pm_pass *pass,
                 cJSON **data, struct pm_graph **graphs, size_t *ngraphs, struct wr_error *err)
{
    int rc = -1;
    struct pm_pass own = {0};
    struct incident inc;
    incident_init(&inc);
    struct severity_change *hist = NULL;
    size_t nhist = 0;
    struct role_assignment *roles = NULL;
    size_t nroles = 0;
    struct action_item *acts = NULL;
    size_t nacts = 0;
    cJSON *root = NULL;
    *data = NULL;
    *graphs = NULL;
    *ngraphs = 0;
    char tb[64], tb2[64];
    if (store_incident_get(s, id, &inc, err) != 0 ||
        store_severity_history(s, id, &hist, &nhist, err) != 0 ||
        store_role_history(s, id, &roles, &nroles, err) != 0 ||
        store_action_list(s, id, &acts, &nacts, err) != 0)
        goto out;
    if (!pass) {
        pass = &own;
        if (pass_run(s, &inc, pass, err) != 0)
            goto out;
    }
    /* Local times are the incident's own zone, beside UTC. */
    tz_use(inc.tz, NULL);
    root = cJSON_CreateObject();
    if (!root)
        goto nomem;
    cJSON_AddStringToObject(root, "title", inc.title ? inc.title : "");
    snprintf(tb, sizeof tb, "INC-%lld", (long long)id);
    cJSON_AddStringToObject(root, "id", tb);
    int64_t start = inc.milestones[MS_STARTED] != WR_TIME_NONE ? inc.milestones[MS_STARTED]
                                                                : inc.created_ms;
    int64_t end = inc.milestones[MS_RESOLVED] != WR_TIME_NONE ? inc.milestones[MS_RESOLVED]
                  : inc.milestones[MS_CLOSED] != WR_TIME_NONE ? inc.milestones[MS_CLOSED]
                                                              : opt->now_ms;
    cJSON_AddStringToObject(root, "date", wr_time_fmt(start, true, "%Y-%m-%d", tb, sizeof tb));
    cJSON_AddStringToObject(root, "status", "Draft");
    add_list(root, "services", inc.services);
    add_list(root, "tags", inc.tags);
    bool open = inc.milestones[MS_RESOLVED] == WR_TIME_NONE &&
                inc.milestones[MS_CLOSED] == WR_TIME_NONE;
    char zone[32], win[320], local[64];
    tz_label(start, zone, sizeof zone);
    bool zoned = strcmp(zone, "UTC") != 0;
    cJSON_AddBoolToObject(root, "tz_local", zoned);
    cJSON_AddStringToObject(root, "tz", zone);
    snprintf(tb2, sizeof tb2, "%s", fmt_utc(start, tb, sizeof tb));
    snprintf(win, sizeof win, "%s to %s", tb2, fmt_utc(end, tb, sizeof tb));
    if (zoned) {
        size_t l = strlen(win);
        snprintf(win + l, sizeof win - l, " (%s to ",
                 wr_time_fmt(start, false, "%Y-%m-%d %H:%M", local, sizeof local));
        l = strlen(win);
        char d1[16], d2[16];
        bool same_day = strcmp(wr_time_fmt(start, false, "%Y-%m-%d", d1, sizeof d1),
                               wr_time_fmt(end, false, "%Y-%m-%d", d2, sizeof d2)) == 0;
        snprintf(win + l, sizeof win - l, "%s %s)",
                 wr_time_fmt(end, false, same_day ? "%H:%M" : "%Y-%m-%d %H:%M", local,
                             sizeof local),
                 zone);
    }
    /* An export days after the start names the day it was measured to. */
    char d1[16], d2[16];
    bool export_same_day = strcmp(wr_time_fmt(start, true, "%Y-%m-%d", d1, sizeof d1),
                                  wr_time_fmt(opt->now_ms, true, "%Y-%m-%d", d2, sizeof d2)) == 0;
    /* An unresolved incident is measured to the export's "now" (the cockpit's clock when
     * exported from the cockpit), and the document says so wherever that matters. */
    char until[160] = "";
    if (open)
        snprintf(until, sizeof until, " (not resolved yet: measured to %s%s%s, when this was "
                                      "exported)",
                 export_same_day ? "" : d2, export_same_day ? "" : " ",
                 pm_when(opt->now_ms, local, sizeof local));
    size_t wl = strlen(win);
    snprintf(win + wl, sizeof win - wl, "%s", until);
    cJSON_AddStringToObject(root, "window", win);
    int worst = 0;
    for (size_t i = 0; i < nhist; i++)
        if (hist[i].severity >= 1 && (worst == 0 || hist[i].severity < worst))
            worst = hist[i].severity;
    if (worst == 0 && inc.severity >= 1)
        worst = inc.severity;
    cJSON_AddStringToObject(root, "highest_severity", worst ? sev_name(worst) : "not classified");
    struct incident_durations d;
    incident_durations(&inc, opt->now_ms, &d);
    char durtext[256];
    if (d.total == WR_TIME_NONE)
        snprintf(durtext, sizeof durtext, "not computed: the started milestone was not recorded");
    else
        snprintf(durtext, sizeof durtext, "%s%s", wr_duration_fmt(d.total, tb, sizeof tb),
                 open ? " so far (not resolved yet)" : "");
    cJSON_AddStringToObject(root, "duration", durtext);
    /* responders: current holders first, by role order */
    cJSON *ra = cJSON_AddArrayToObject(root, "roles");
    cJSON *authors = cJSON_CreateArray();
    for (size_t i = 0; i < nroles; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "time", fmt_utc(roles[i].at_ms, tb, sizeof tb));
        cJSON_AddStringToObject(o, "role", role_title(roles[i].role));
        cJSON_AddStringToObject(o, "name", roles[i].name[0] ? roles[i].name : "(released)");
        cJSON_AddStringToObject(o, "note", roles[i].note ? roles[i].note : "");
        cJSON_AddStringToObject(o, "current", roles[i].current ? "yes" : "no");
        cJSON_AddItemToArray(ra, o);
        if (roles[i].current && roles[i].name[0] &&
            (roles[i].role == ROLE_IC || roles[i].role == ROLE_SCRIBE)) {
            bool dup = false;
            const cJSON *it;
            cJSON_ArrayForEach(it, authors) dup = dup || strcmp(it->valuestring, roles[i].name) == 0;
            if (!dup)
                cJSON_AddItemToArray(authors, cJSON_CreateString(roles[i].name));
        }
    }
    struct wr_buf ab = {0};
    const cJSON *it;
    cJSON_ArrayForEach(it, authors)
    {
        wr_buf_printf(&ab, "%s%s", ab.len ? ", " : "", it->valuestring);
    }
    cJSON_Delete(authors);
    cJSON_AddStringToObject(root, "authors", ab.data ? ab.data : "not recorded (no IC or scribe)");
    wr_buf_free(&ab);
    cJSON_AddBoolToObject(root, "has_roles", nroles > 0);
    /* worksheet fields; the incident's own summary and impact are the fallback */
    cJSON *fields = cJSON_AddObjectToObject(root, "f");
    for (int f = 0; f < PM_FIELD_COUNT; f++) {
        char *v = NULL;
        if (store_pm_field_get(s, id, field_keys[f], &v, err) != 0)
            goto out;
        if (!*v && f == PM_F_summary && inc.summary) {
            free(v);
            v = strdup(inc.summary);
        } else if (!*v && f == PM_F_impact && inc.impact) {
            free(v);
            v = strdup(inc.impact);
        }
        /* log analysis attached to the incident states its figures in Impact */
        if (f == PM_F_impact && analyze_impact_append_found(&pass->impact, &v, err) != 0) {
            free(v);
            goto out;
        }
        add_field(fields, f, v);
        free(v);
    }
    /* figures */
    cJSON *figs = cJSON_AddArrayToObject(root, "figures");
    add_duration(figs, "Time to detect", &inc, MS_STARTED, MS_DETECTED, d.to_detect,
                 "detected - started (impact began to first signal)");
    add_duration(figs, "Time to acknowledge", &inc, MS_DETECTED, MS_DECLARED, d.to_acknowledge,
                 "declared - detected (first signal to incident declared)");
    add_duration(figs, "Time to mitigate", &inc, MS_STARTED, MS_MITIGATED, d.to_mitigate,
                 "mitigated - started (impact began to impact stopped growing)");
    add_duration(figs, "Time to resolve", &inc, MS_STARTED, MS_RESOLVED, d.to_resolve,
                 "resolved - started (impact began to impact over)");
    add_duration(figs, "Total duration", &inc, MS_STARTED, MS_STARTED, d.total,
                 open ? "(closed, else resolved, else export time) - started; not resolved "
                        "yet, so measured to the export time"
                      : "(closed, else resolved, else export time) - started");
    struct severity_mark *marks = calloc(nhist + 1, sizeof *marks);
    if (!marks)
        goto nomem;
    for (size_t i = 0; i < nhist; i++)
        marks[i] = (struct severity_mark){hist[i].at_ms, hist[i].severity};
    int64_t tis[SEVERITY_SLOTS];
    incident_time_in_severity(&inc, marks, nhist, opt->now_ms, tis);
    free(marks);
    for (int k = 0; k < SEVERITY_SLOTS; k++) {
        if (tis[k] <= 0 && k != 0)
            continue;
        if (k == 0 && tis[0] <= 0)
            continue;
        char name[48];
        snprintf(name, sizeof name, "Time in %s", k ? sev_name(k) : "no severity");
        add_figure(figs, name, wr_duration_fmt(tis[k], tb, sizeof tb),
                   "time at this severity between started and resolved (else closed, else "
                   "export time), from the severity history");
    }
    if (nhist == 0)
        add_figure(figs, "Time in each severity", "not computed: no severity was ever recorded",
                   "time at each severity between started and resolved");
    add_updates(figs, pass->sent, pass->nsent, &inc, hist, nhist, opt, end);
    struct pm_draft_input din = {&inc, hist, nhist, roles, nroles, opt->policy, opt->now_ms};
    if (pm_draft_from(s, &din, pass->draft, root, err) != 0)
        goto out;
    add_slis(root, opt, &inc, start, end, graphs, ngraphs);
    cJSON_AddBoolToObject(root, "has_slis", cJSON_GetArraySize(cJSON_GetObjectItem(root, "slis")) > 0);
    /* action items */
    cJSON *aa = cJSON_AddArrayToObject(root, "actions");
    for (size_t i = 0; i < nacts; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "n", (double)(i + 1));
        cJSON_AddStringToObject(o, "type", acts[i].type);
        cJSON_AddStringToObject(o, "description", acts[i].description);
        cJSON_AddStringToObject(o, "owner", acts[i].owner[0] ? acts[i].owner : "unassigned");
        cJSON_AddStringToObject(o, "priority", acts[i].priority);
        cJSON_AddStringToObject(o, "deadline", acts[i].deadline_ms == WR_TIME_NONE ? "none"
                                : wr_time_fmt(acts[i].deadline_ms, true, "%Y-%m-%d", tb, sizeof tb));
        cJSON_AddStringToObject(o, "status", acts[i].status);
        cJSON_AddStringToObject(o, "ticket", acts[i].ticket[0] ? acts[i].ticket : "none");
        cJSON_AddItemToArray(aa, o);
    }
    cJSON_AddBoolToObject(root, "has_actions", nacts > 0);
    cJSON_AddStringToObject(root, "timeline_rows", PM_TIMELINE_MARK);
    cJSON_AddStringToObject(root, "generated", fmt_utc(opt->now_ms, tb, sizeof tb));
    *data = root;
    root = NULL;
    rc = 0;
    goto out;
nomem:
    wr_fail(err, WR_E_NOMEM, "out of memory building the postmortem");
out:
    if (rc != 0)
        pm_graphs_free(graphs, *ngraphs), *ngraphs = 0;
    cJSON_Delete(root);
    pass_clear(&own);
    incident_clear(&inc);
    store_severity_history_free(&hist, nhist);
    store_role_history_free(&roles, nroles);
    store_actions_free(&acts, nacts);
    return rc;
}

/* ---- export ---- */

/* The blameless lint of the rows runs on a second thread, a written chunk of rows at a time,
 * while the next chunk is drafted (it was a third of the export's time): the checker owns
 * `chunk` while busy; the drafter hands it the chunk it has just written and takes the checked
 * one's buffer back. Without a thread the chunk is checked in place. */
struct row_checker {
    const struct lint_rules *lint;
    struct lint_report *rep;
    bool started, busy, quit;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct wr_buf chunk;
};

static void *checker_main(void *arg)
{
    struct row_checker *k = arg;
    pthread_mutex_lock(&k->mu);
    for (;;) {
        while (!k->busy && !k->quit)
            pthread_cond_wait(&k->cv, &k->mu);
        if (!k->busy)
            break;
        pthread_mutex_unlock(&k->mu);
        lint_feed(k->lint, k->chunk.data, k->chunk.len, k->rep);
        pthread_mutex_lock(&k->mu);
        k->busy = false;
        pthread_cond_broadcast(&k->cv);
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

static void checker_wait(struct row_checker *k)
{
    pthread_mutex_lock(&k->mu);
    while (k->busy)
        pthread_cond_wait(&k->cv, &k->mu);
    pthread_mutex_unlock(&k->mu);
}

/* Start the checker's thread; false (nothing left to undo) when it cannot be started. */
static bool checker_start(struct row_checker *k)
{
    if (pthread_mutex_init(&k->mu, NULL) != 0)
        return false;
    if (pthread_cond_init(&k->cv, NULL) == 0) {
        if (pthread_create(&k->thread, NULL, checker_main, k) == 0)
            return k->started = true;
        pthread_cond_destroy(&k->cv);
    }
    pthread_mutex_destroy(&k->mu);
    return false;
}

/* Check the rows in *b (whole lines); *b comes back empty, maybe with another buffer. */
static void checker_give(struct row_checker *k, struct wr_buf *b)
{
    if (!k->started && !checker_start(k)) {
        lint_feed(k->lint, b->data, b->len, k->rep);
        b->len = 0;
        return;
    }
    checker_wait(k);
    struct wr_buf t = k->chunk;
    k->chunk = *b;
    *b = t;
    b->len = 0;
    pthread_mutex_lock(&k->mu);
    k->busy = true;
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
}

/* Wait for the last chunk and stop the thread: the report is the caller's again. */
static void checker_finish(struct row_checker *k)
{
    if (k->started) {
        checker_wait(k);
        pthread_mutex_lock(&k->mu);
        k->quit = true;
        pthread_cond_broadcast(&k->cv);
        pthread_mutex_unlock(&k->mu);
        pthread_join(k->thread, NULL);
        pthread_cond_destroy(&k->cv);
        pthread_mutex_destroy(&k->mu);
        k->started = false;
    }
    wr_buf_free(&k->chunk);
}

struct row_ctx {
    FILE *f;
    bool local; /* a local-time column in the incident's zone beside UTC */
    struct wr_zone_cache zone;
    struct wr_buf b; /* rows not yet written: flushed in large writes, so memory stays flat */
    struct row_checker *check; /* NULL: no lint */
    bool failed;
};

#define ROWS_FLUSH_BYTES (64 * 1024)

static int flush_rows(struct row_ctx *c)
{
    if (c->b.oom || (c->b.len && fwrite(c->b.data, 1, c->b.len, c->f) != c->b.len)) {
        c->failed = true;
        return 1;
    }
    if (c->check && c->b.len)
        checker_give(c->check, &c->b);
    c->b.len = 0;
    return 0;
}

/* One timeline row. A big incident's postmortem has 100,000 of them: no printf, no strftime
 * or localtime per row, and one write per 64 KiB. */
static int write_row(const struct entry *e, void *vctx)
{
    struct row_ctx *c = vctx;
    if (e->deleted)
        return 0;
    char tb[32];
    wr_buf_append(&c->b, "| ", 2);
    wr_buf_append(&c->b, tb, wr_time_utc_seconds(e->at_ms, tb));
    wr_buf_append(&c->b, " | ", 3);
    if (c->local) {
        wr_buf_append(&c->b, tb, wr_time_local_hms(e->at_ms, &c->zone, tb));
        wr_buf_append(&c->b, " | ", 3);
    }
    wr_buf_puts(&c->b, kind_name(e->kind));
    wr_buf_append(&c->b, " | ", 3);
    if (e->pinned)
        wr_buf_puts(&c->b, "**Key event:** ");
    tpl_escape_append(&c->b, e->text ? e->text : "", strlen(e->text ? e->text : ""),
                      TPL_ESCAPE_MARKDOWN);
    wr_buf_append(&c->b, " | ", 3);
    tpl_escape_append(&c->b, e->author ? e->author : "", strlen(e->author ? e->author : ""),
                      TPL_ESCAPE_MARKDOWN);
    wr_buf_append(&c->b, " |\n", 3);
    if (c->b.oom) {
        c->failed = true;
        return 1;
    }
    return c->b.len >= ROWS_FLUSH_BYTES ? flush_rows(c) : 0;
}

static int write_file(const char *path, const char *data, size_t len, struct wr_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return wr_fail(err, WR_E_IO, "cannot write %s: %s", path, strerror(errno));
    size_t w = fwrite(data, 1, len, f);
    if (fclose(f) != 0 || w != len)
        return wr_fail(err, WR_E_IO, "cannot write %s: %s", path, strerror(errno));
    return 0;
}

/* An unnamed file in dir for the timeline rows while the rest of the document is drafted:
 * created and unlinked at once, so it never outlives the export. NULL with errno set. */
static FILE *rows_file(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/.postmortem.rows.XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

/* Append the whole of `rows` to `out`: sendfile copies between the files inside the kernel,
 * and a read/write loop does it where sendfile cannot. 0, or -1 with errno set. */
static int append_rows(FILE *rows, FILE *out)
{
    if (fflush(rows) != 0 || fflush(out) != 0)
        return -1;
    int in = fileno(rows), o = fileno(out);
    off_t off = 0;
    for (;;) {
        ssize_t n = sendfile(o, in, &off, 1 << 30);
        if (n == 0)
            break;
        if (n > 0)
            continue;
        if (errno == EINTR)
            continue;
        if (errno != EINVAL && errno != ENOSYS)
            return -1;
        char buf[65536];
        while ((n = pread(in, buf, sizeof buf, off)) > 0) {
            if (fwrite(buf, 1, (size_t)n, out) != (size_t)n)
                return -1;
            off += n;
        }
        if (n < 0 || fflush(out) != 0)
            return -1;
        break;
    }
    return fseek(out, 0, SEEK_END);
}

int pm_export(struct store *s, int64_t id, const struct pm_options *opt, const char *dir,
              struct lint_report *lint, struct wr_error *err)
{
    int rc = -1;
    cJSON *data = NULL;
    struct pm_graph *graphs = NULL;
    size_t ng = 0;
    char *tpl = NULL, *md = NULL;
    char tpath[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
    FILE *f = NULL, *rows = NULL;
    struct row_ctx rc_ctx = {0};
    struct lint_report rows_lint = {0};
    struct row_checker check = {.lint = opt->lint, .rep = &rows_lint};
    struct pm_pass pass = {0};
    struct incident inc;
    incident_init(&inc);
    tmp[0] = '\0';
    snprintf(path, sizeof path, "%s/postmortem.md", dir);
    const char *tp = opt->template_path ? opt->template_path : pm_template_path(tpath, sizeof tpath);
    if (!(tpl = wr_read_file(tp, NULL, err)) || wr_mkdirs(dir, 0755, err) != 0 ||
        store_incident_get(s, id, &inc, err) != 0)
        goto out;
    /* The rows are written during the timeline's one pass, when the template shows them. */
    if (strstr(tpl, "timeline_rows")) {
        if (!(rows = rows_file(dir))) {
            wr_fail(err, WR_E_IO, "cannot write in %s: %s", dir, strerror(errno));
            goto out;
        }
        /* A local-time column when the incident's zone is not UTC (as pm_build's tz_local). */
        char zone[32];
        tz_use(inc.tz, NULL);
        tz_label(inc.milestones[MS_STARTED] != WR_TIME_NONE ? inc.milestones[MS_STARTED]
                                                             : inc.created_ms,
                 zone, sizeof zone);
        rc_ctx.f = rows;
        rc_ctx.local = strcmp(zone, "UTC") != 0;
        rc_ctx.check = opt->lint && lint ? &check : NULL;
        pass.rows = &rc_ctx;
    }
    if (pass_run(s, &inc, &pass, err) != 0)
        goto out;
    if (rows && !rc_ctx.failed)
        flush_rows(&rc_ctx);
    if (rc_ctx.failed) {
        wr_fail(err, WR_E_IO, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    if (build(s, id, opt, &pass, &data, &graphs, &ng, err) != 0)
        goto out;
    struct tpl_options to = {.escape = TPL_ESCAPE_MARKDOWN};
    if (tpl_render(tpl, data, &to, &md, err) != 0)
        goto out;
    for (size_t i = 0; i < ng; i++) {
        char gpath[PATH_MAX];
        snprintf(gpath, sizeof gpath, "%s/%s", dir, graphs[i].file);
        if (write_file(gpath, graphs[i].svg, graphs[i].len, err) != 0)
            goto out;
    }
    snprintf(tmp, sizeof tmp, "%s/.postmortem.md.tmp.%ld", dir, (long)getpid());
    if (!(f = fopen(tmp, "w"))) {
        wr_fail(err, WR_E_IO, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    char *mark = strstr(md, PM_TIMELINE_MARK);
    size_t head = mark ? (size_t)(mark - md) : strlen(md);
    fwrite(md, 1, head, f);
    if (opt->lint && lint)
        lint_feed(opt->lint, md, head, lint);
    if (mark) {
        if (rows && append_rows(rows, f) != 0) {
            wr_fail(err, WR_E_IO, "cannot write %s: %s", path, strerror(errno));
            goto out;
        }
        checker_finish(&check); /* it checked the rows while the rest was drafted */
        if (opt->lint && lint && lint_report_append(lint, &rows_lint) != 0) {
            wr_fail(err, WR_E_NOMEM, "out of memory checking %s", path);
            goto out;
        }
        const char *tail = mark + strlen(PM_TIMELINE_MARK);
        if (*tail == '\n')
            tail++; /* the rows end in their own newline */
        fputs(tail, f);
        if (opt->lint && lint)
            lint_feed(opt->lint, tail, strlen(tail), lint);
    }
    int ferr = ferror(f);
    if (fclose(f) != 0 || ferr) {
        f = NULL;
        wr_fail(err, WR_E_IO, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    f = NULL;
    if (rename(tmp, path) != 0) {
        wr_fail(err, WR_E_IO, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    tmp[0] = '\0';
    rc = 0;
out:
    if (f)
        fclose(f);
    if (rows)
        fclose(rows);
    if (tmp[0])
        unlink(tmp);
    checker_finish(&check); /* when it was not needed above: before its report is cleared */
    wr_buf_free(&rc_ctx.b);
    lint_report_clear(&rows_lint);
    pass_clear(&pass);
    incident_clear(&inc);
    free(tpl);
    free(md);
    cJSON_Delete(data);
    pm_graphs_free(&graphs, ng);
    return rc;
}

/* ---- JSON export / import ---- */

int pm_exchange_json(struct store *s, int64_t id, cJSON **postmortem, cJSON **actions,
                     struct wr_error *err)
{
    *postmortem = *actions = NULL;
    struct action_item *acts = NULL;
    size_t n = 0;
    cJSON *pm = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    if (!pm || !arr)
        goto nomem;
    for (int f = 0; f < PM_FIELD_COUNT; f++) {
        char *v = NULL;
        if (store_pm_field_get(s, id, field_keys[f], &v, err) != 0)
            goto fail;
        if (*v && !cJSON_AddStringToObject(pm, field_keys[f], v)) {
            free(v);
            goto nomem;
        }
        free(v);
    }
    if (store_action_list(s, id, &acts, &n, err) != 0)
        goto fail;
    char tb[40];
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            goto nomem;
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "type", acts[i].type);
        cJSON_AddStringToObject(o, "description", acts[i].description);
        cJSON_AddStringToObject(o, "owner", acts[i].owner);
        cJSON_AddStringToObject(o, "priority", acts[i].priority);
        if (acts[i].deadline_ms == WR_TIME_NONE)
            cJSON_AddNullToObject(o, "deadline");
        else
            cJSON_AddStringToObject(o, "deadline", wr_time_iso(acts[i].deadline_ms, tb, sizeof tb));
        cJSON_AddStringToObject(o, "status", acts[i].status);
        cJSON_AddStringToObject(o, "ticket", acts[i].ticket);
        cJSON_AddStringToObject(o, "created", wr_time_iso(acts[i].created_ms, tb, sizeof tb));
        cJSON_AddStringToObject(o, "updated", wr_time_iso(acts[i].updated_ms, tb, sizeof tb));
    }
    store_actions_free(&acts, n);
    if (cJSON_GetArraySize(pm) > 0)
        *postmortem = pm;
    else
        cJSON_Delete(pm);
    if (cJSON_GetArraySize(arr) > 0)
        *actions = arr;
    else
        cJSON_Delete(arr);
    return 0;
nomem:
    wr_fail(err, WR_E_NOMEM, "out of memory exporting the postmortem");
fail:
    store_actions_free(&acts, n);
    cJSON_Delete(pm);
    cJSON_Delete(arr);
    return -1;
}

struct todo_ctx {
    struct store *s;
    struct wr_error *err;
    int rc;
};

static int todo_to_action(const struct entry *e, void *vctx)
{
    struct todo_ctx *c = vctx;
    if (e->deleted || e->kind != KIND_TODO)
        return 0;
    struct action_item a = {.incident_id = e->incident_id, .deadline_ms = WR_TIME_NONE,
                            .source_entry_id = e->id, .created_ms = e->recorded_ms,
                            .updated_ms = e->recorded_ms};
    a.description = e->text;
    if (store_action_add(c->s, &a, c->err) != 0) {
        c->rc = -1;
        return 1;
    }
    return 0;
}

static const char *json_str(const cJSON *o, const char *key, const char *def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : def;
}

static int json_time(const cJSON *o, const char *key, int64_t *out, struct wr_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || wr_time_parse(v->valuestring, 0, out, err) != 0)
        return wr_fail(err, WR_E_INPUT,
                       "import: action_items[].%s: expected an ISO 8601 time with a zone", key);
    return 0;
}

int pm_exchange_import(struct store *s, int64_t id, const cJSON *postmortem, const cJSON *actions,
                       struct wr_error *err)
{
    if (postmortem && !cJSON_IsObject(postmortem))
        return wr_fail(err, WR_E_INPUT, "import: postmortem: expected an object of fields");
    const cJSON *it;
    cJSON_ArrayForEach(it, postmortem)
    {
        if (pm_field_from_key(it->string) < 0 || !cJSON_IsString(it))
            return wr_fail(err, WR_E_INPUT,
                           "import: postmortem.%s: expected a known field with a string value",
                           it->string);
        if (store_pm_field_set(s, id, pm_field_key(pm_field_from_key(it->string)),
                               it->valuestring, "", err) != 0)
            return -1;
    }
    if (!actions) {
        /* The TODO entries only, a page at a time through the kind index: an import of
         * 100,000 entries without one TODO reads none of them here. */
        struct todo_ctx c = {s, err, 0};
        struct entry_filter f = {.kinds = 1u << KIND_TODO};
        int64_t key_at = INT64_MIN, key_id = INT64_MIN;
        for (;;) {
            struct entry *page = NULL;
            size_t n = 0;
            if (store_entry_page(s, id, &f, key_at, key_id, true, 256, &page, &n, err) != 0)
                return -1;
            for (size_t k = 0; k < n && c.rc == 0; k++)
                todo_to_action(&page[k], &c);
            if (n > 0) {
                key_at = page[n - 1].at_ms;
                key_id = page[n - 1].id;
            }
            store_entries_free(&page, n);
            if (n < 256 || c.rc != 0)
                break;
        }
        return c.rc;
    }
    if (!cJSON_IsArray(actions))
        return wr_fail(err, WR_E_INPUT, "import: action_items: expected an array");
    int i = 0;
    cJSON_ArrayForEach(it, actions)
    {
        struct action_item a = {.incident_id = id, .deadline_ms = WR_TIME_NONE};
        const char *desc = json_str(it, "description", NULL);
        if (!cJSON_IsObject(it) || !desc || !*desc)
            return wr_fail(err, WR_E_INPUT,
                           "import: action_items[%d]: expected an object with a description", i);
        snprintf(a.type, sizeof a.type, "%s", json_str(it, "type", "prevent"));
        snprintf(a.priority, sizeof a.priority, "%s", json_str(it, "priority", "P1"));
        snprintf(a.status, sizeof a.status, "%s", json_str(it, "status", "open"));
        a.description = (char *)desc;
        a.owner = (char *)json_str(it, "owner", "");
        a.ticket = (char *)json_str(it, "ticket", "");
        if (json_time(it, "deadline", &a.deadline_ms, err) != 0 ||
            json_time(it, "created", &a.created_ms, err) != 0 ||
            json_time(it, "updated", &a.updated_ms, err) != 0 ||
            store_action_add(s, &a, err) != 0)
            return -1;
        i++;
    }
    return 0;
}
