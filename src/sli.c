/* sli.c: SLI state: folding evaluation results into ok/burning/breached/stale/error; replay SLIs. */
#include "sli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "replay.h"
#include "slo.h"

const char *sli_state_name(enum sli_state st)
{
    switch (st) {
    case SLI_PENDING: return "pending";
    case SLI_OK: return "ok";
    case SLI_BURNING: return "burning";
    case SLI_BREACHED: return "breached";
    case SLI_STALE: return "stale";
    case SLI_ERROR: return "error";
    }
    return "?";
}

const char *sli_state_marker(enum sli_state st)
{
    switch (st) {
    case SLI_PENDING: return "...";
    case SLI_OK: return "OK";
    case SLI_BURNING: return "BURN";
    case SLI_BREACHED: return "BREACH";
    case SLI_STALE: return "STALE";
    case SLI_ERROR: return "ERR";
    }
    return "?";
}

int sli_set_new(const struct config *config, struct sli_set **out, struct wr_error *err)
{
    *out = NULL;
    struct sli_set *set = calloc(1, sizeof *set);
    if (!set || (config->nslis && !(set->slis = calloc(config->nslis, sizeof *set->slis)))) {
        free(set);
        return wr_fail(err, WR_E_NOMEM, "out of memory creating the SLI panels");
    }
    set->config = config;
    set->count = config->nslis;
    for (size_t i = 0; i < set->count; i++) {
        struct sli *s = &set->slis[i];
        s->cfg = &config->slis[i];
        s->state = SLI_PENDING;
        s->burning_rule = -1;
        s->last_good_ms = s->last_attempt_ms = WR_TIME_NONE;
    }
    *out = set;
    return 0;
}

void sli_set_free(struct sli_set **set)
{
    if (!set || !*set)
        return;
    free((*set)->slis);
    free(*set);
    *set = NULL;
}

struct sli *sli_set_find(struct sli_set *set, const char *id)
{
    for (size_t i = 0; set && i < set->count; i++)
        if (strcmp(set->slis[i].cfg->id, id) == 0)
            return &set->slis[i];
    return NULL;
}

int64_t sli_age_ms(const struct sli *s, int64_t now_ms)
{
    return s->last_good_ms == WR_TIME_NONE ? -1 : now_ms - s->last_good_ms;
}

/* "1550 ms" or "0.931" for reasons: latency in ms, anything else as a plain number. */
static void sli_reason_value(const struct cfg_sli *c, double v, char *buf, size_t n)
{
    if (c->type == CFG_SLI_LATENCY)
        snprintf(buf, n, "%.0f ms", v);
    else
        snprintf(buf, n, "%.4g", v);
}

/*
 * The state a good evaluation implies, and why (s->reason). In order of severity:
 *   1. error budget exhausted (good/total events against the target)   -> breached
 *   2. value under min / over max                                      -> breached
 *   3. latency value over its threshold: with a target and good/total (or time-slice) data
 *      the SLO says how bad it is, so at least burning; without that data nothing can soften
 *      the threshold, so breached. A p99 over its threshold is never OK, whatever the queries.
 *   4. a success rate under its target: likewise burning with good/total data, else breached
 *   5. a burn-rate rule firing                                         -> burning
 *   6. otherwise                                                       -> ok
 * Burn rates and budgets count only with a target: without one they mean nothing.
 */
static enum sli_state sli_judge(struct sli *s)
{
    const struct cfg_sli *c = s->cfg;
    bool has_slo = !isnan(c->target);
    char v[48], lim[48], rule[160] = "";
    s->reason[0] = '\0';
    s->burning_rule = -1;
    for (size_t i = 0; has_slo && i < c->nrules; i++)
        if (s->burns[i].firing) {
            s->burning_rule = (int)i;
            break;
        }
    bool slo_data = has_slo && s->has_budget;
    for (size_t i = 0; has_slo && i < c->nrules; i++)
        slo_data = slo_data || s->burns[i].long_ok || s->burns[i].short_ok;
    if (s->burning_rule >= 0) {
        const struct cfg_burn_rule *r = &c->rules[s->burning_rule];
        char d1[32], d2[32];
        snprintf(rule, sizeof rule, "%s (%gx over %s and %s)", r->name, r->factor,
                 config_prom_duration(r->long_ms, d1, sizeof d1),
                 config_prom_duration(r->short_ms, d2, sizeof d2));
    }
    if (has_slo && s->has_budget && s->budget_remaining <= 0) {
        snprintf(s->reason, sizeof s->reason, "error budget exhausted (%.1f %% left)%s%s",
                 s->budget_remaining * 100, rule[0] ? "; " : "", rule);
        return SLI_BREACHED;
    }
    if (s->has_value && !isnan(c->min) && s->value < c->min) {
        sli_reason_value(c, s->value, v, sizeof v);
        sli_reason_value(c, c->min, lim, sizeof lim);
        snprintf(s->reason, sizeof s->reason, "%s below the minimum %s", v, lim);
        return SLI_BREACHED;
    }
    if (s->has_value && !isnan(c->max) && s->value > c->max) {
        sli_reason_value(c, s->value, v, sizeof v);
        sli_reason_value(c, c->max, lim, sizeof lim);
        snprintf(s->reason, sizeof s->reason, "%s above the maximum %s", v, lim);
        return SLI_BREACHED;
    }
    if (s->has_value && c->type == CFG_SLI_LATENCY && !isnan(c->threshold_ms) &&
        s->value > c->threshold_ms) {
        sli_reason_value(c, s->value, v, sizeof v);
        sli_reason_value(c, c->threshold_ms, lim, sizeof lim);
        if (slo_data) {
            snprintf(s->reason, sizeof s->reason, "%s over the %s threshold%s%s", v, lim,
                     rule[0] ? "; " : "", rule);
            return SLI_BURNING;
        }
        snprintf(s->reason, sizeof s->reason, "%s over the %s threshold%s", v, lim,
                 has_slo ? " (no good/total events to weigh it against the SLO)" : "");
        return SLI_BREACHED;
    }
    /* The same for a success rate under its target right now: the long windows may not have
     * caught up yet, but [OK] beside "87.9 %" against 99.5 % would mislead. */
    if (s->has_value && c->type == CFG_SLI_AVAILABILITY && has_slo && s->value < c->target) {
        /* A firing rule says more (and fits a narrow panel): it comes first. */
        snprintf(s->reason, sizeof s->reason, "%s%s%.1f %% under the %g %% objective", rule,
                 rule[0] ? "; " : "", s->value * 100, c->target * 100);
        return slo_data ? SLI_BURNING : SLI_BREACHED;
    }
    if (s->burning_rule >= 0) {
        snprintf(s->reason, sizeof s->reason, "%s", rule);
        return SLI_BURNING;
    }
    return SLI_OK;
}

void sli_apply(struct sli *s, const struct sli_result *r, int64_t now_ms)
{
    s->last_attempt_ms = now_ms;
    s->generation++;
    bool was_firing = s->burning_rule >= 0;
    s->alert_transition = 0;
    if (r->failed) {
        s->failures++;
        snprintf(s->error, sizeof s->error, "%s", r->error);
        s->state = SLI_ERROR;
        return;
    }
    s->failures = 0;
    snprintf(s->warnings, sizeof s->warnings, "%s", r->warnings);
    if (r->has_spark) {
        memcpy(s->spark, r->spark, r->nspark * sizeof r->spark[0]);
        s->nspark = r->nspark;
    }
    if (!r->has_value) {
        snprintf(s->error, sizeof s->error, "no data: %.480s",
                 r->error[0] ? r->error : "the query returned no sample");
        s->state = s->has_value ? SLI_STALE : SLI_ERROR;
        return;
    }
    s->error[0] = '\0';
    s->has_value = true;
    s->value = r->value;
    s->last_good_ms = now_ms;
    s->has_budget = r->has_budget;
    s->budget_remaining = r->budget_remaining;
    memcpy(s->burns, r->burns, sizeof s->burns);
    if (!r->has_spark) {
        if (s->nspark == SLI_SPARK_MAX) {
            memmove(s->spark, s->spark + 1, (SLI_SPARK_MAX - 1) * sizeof s->spark[0]);
            s->nspark--;
        }
        s->spark[s->nspark++] = r->value;
    }
    s->value_t_ms = r->value_t_ms;
    s->state = sli_judge(s);
    bool firing = s->burning_rule >= 0;
    s->alert_transition = firing == was_firing ? 0 : firing ? 1 : -1;
}

bool sli_check_stale(struct sli *s, int64_t now_ms)
{
    if (s->state != SLI_OK && s->state != SLI_BURNING && s->state != SLI_BREACHED)
        return false;
    if (s->last_good_ms == WR_TIME_NONE || now_ms - s->last_good_ms <= s->cfg->stale_after_ms)
        return false;
    s->state = SLI_STALE;
    s->generation++;
    return true;
}

char *sli_state_text(const struct sli *s, int64_t now_ms, char *buf, size_t n)
{
    char age[32];
    int64_t a = sli_age_ms(s, now_ms);
    wr_duration_fmt(a < 0 ? 0 : a, age, sizeof age);
    switch (s->state) {
    case SLI_BURNING:
    case SLI_BREACHED:
        if (s->reason[0])
            snprintf(buf, n, "%s: %s", sli_state_name(s->state), s->reason);
        else
            snprintf(buf, n, "%s", sli_state_name(s->state));
        break;
    case SLI_STALE:
        snprintf(buf, n, "stale: last good sample %s ago%s%s", a < 0 ? "never" : age,
                 s->error[0] ? "; " : "", s->error);
        break;
    case SLI_ERROR:
        snprintf(buf, n, "error: %s", s->error);
        break;
    default:
        snprintf(buf, n, "%s", sli_state_name(s->state));
    }
    return buf;
}

/* Good/total events of a replay series in (from, to]: counts for good_total series, time
 * slices at or under the threshold for a latency gauge. */
static enum slo_status replay_good_total(const struct cfg_sli *c, const struct replay_series *rs,
                                         int64_t from, int64_t to, double *good, double *total)
{
    enum slo_status st = SLO_NO_DATA;
    if (rs->kind == REPLAY_GOOD_TOTAL) {
        struct slo_sample *smp = NULL;
        size_t n = 0;
        if (replay_slo_samples(rs, from, to, &smp, &n) != 0)
            return SLO_INVALID;
        st = slo_window_counts(smp, n, from, to, good, total);
        free(smp);
    } else if (c->type == CFG_SLI_LATENCY && !isnan(c->threshold_ms)) {
        struct slo_point *pts = NULL;
        size_t n = 0;
        if (replay_points(rs, from, to, &pts, &n) != 0)
            return SLO_INVALID;
        st = slo_latency_slices(pts, n, c->threshold_ms / c->scale, from, to, good, total);
        free(pts);
    } else {
        st = SLO_INVALID;
    }
    return st;
}

int sli_eval_replay(const struct cfg_sli *c, int64_t at_ms, struct replay_file **cache,
                    struct sli_result *r)
{
    memset(r, 0, sizeof *r);
    struct wr_error err = {0};
    if (!*cache && replay_load(c->source.file, cache, &err) != 0) {
        r->failed = true;
        snprintf(r->error, sizeof r->error, "%s", err.msg);
        return -1;
    }
    const struct replay_series *rs = replay_find(*cache, c->series);
    if (!rs) {
        r->failed = true;
        snprintf(r->error, sizeof r->error, "%s has no series \"%s\"; check \"series\"",
                 c->source.file, c->series);
        return -1;
    }
    double v;
    enum replay_status rst = replay_value_at(rs, at_ms, &v, NULL);
    if (rst == REPLAY_OK && isfinite(v)) {
        r->has_value = true;
        r->value = v * c->scale;
        r->value_t_ms = at_ms;
    } else {
        snprintf(r->error, sizeof r->error, "%s at this time",
                 rst == REPLAY_NO_TRAFFIC ? "no traffic" : "the recording has no sample");
    }
    int64_t step = c->spark_step_ms;
    size_t steps = (size_t)(c->spark_range_ms / step);
    if (steps > SLI_SPARK_MAX)
        steps = SLI_SPARK_MAX;
    if (steps < 1)
        steps = 1;
    for (size_t i = 0; i < steps; i++) {
        int64_t t = at_ms - (int64_t)(steps - 1 - i) * step;
        r->spark[i] = replay_value_at(rs, t, &v, NULL) == REPLAY_OK ? v * c->scale : NAN;
    }
    r->nspark = steps;
    r->has_spark = true;
    if (isnan(c->target))
        return 0;
    double good, total;
    for (size_t i = 0; i < c->nrules; i++) {
        struct sli_burn *b = &r->burns[i];
        if (replay_good_total(c, rs, at_ms - c->rules[i].long_ms, at_ms, &good, &total) ==
            SLO_OK)
            b->long_ok = slo_burn_rate(c->target, good, total, &b->long_burn) == SLO_OK;
        if (replay_good_total(c, rs, at_ms - c->rules[i].short_ms, at_ms, &good, &total) ==
            SLO_OK)
            b->short_ok = slo_burn_rate(c->target, good, total, &b->short_burn) == SLO_OK;
        struct slo_alert_rule rule = {c->rules[i].name, c->rules[i].factor, c->rules[i].long_ms,
                                      c->rules[i].short_ms};
        b->firing = b->long_ok && b->short_ok && slo_alert_fires(&rule, b->long_burn,
                                                                 b->short_burn);
    }
    /* A recording is usually far shorter than the SLO window: then the budget is the one the
     * window would hold at the recorded traffic rate, minus what the recording spent. */
    int64_t from = at_ms - c->window_ms;
    if (rs->kind == REPLAY_GOOD_TOTAL && rs->count > 0 && rs->samples[0].t_ms > from) {
        struct slo_sample *smp = NULL;
        size_t n = 0;
        double consumed, g, t;
        int64_t interval = rs->count > 1 ? rs->samples[1].t_ms - rs->samples[0].t_ms : 0;
        int64_t covered = at_ms - rs->samples[0].t_ms + interval;
        if (replay_slo_samples(rs, from, at_ms, &smp, &n) == 0 && covered > 0 &&
            slo_window_counts(smp, n, from, at_ms, &g, &t) == SLO_OK &&
            slo_budget_consumed(c->target, c->window_ms,
                                t * ((double)c->window_ms / (double)covered), smp, n, from,
                                at_ms, &consumed) == SLO_OK) {
            r->has_budget = true;
            r->budget_remaining = 1.0 - consumed;
        }
        free(smp);
    } else if (rs->kind == REPLAY_GAUGE && rs->count > 1 && rs->samples[0].t_ms > from &&
               replay_good_total(c, rs, from, at_ms, &good, &total) == SLO_OK) {
        /* Latency time slices, scaled the same way. */
        int64_t interval = rs->samples[1].t_ms - rs->samples[0].t_ms;
        double window_slices = (double)c->window_ms / (double)interval;
        r->has_budget = window_slices > 0;
        r->budget_remaining = 1.0 - (total - good) / ((1.0 - c->target) * window_slices);
    } else if (replay_good_total(c, rs, from, at_ms, &good, &total) == SLO_OK) {
        r->has_budget =
            slo_budget_remaining(c->target, good, total, &r->budget_remaining) == SLO_OK;
    }
    return 0;
}

char *sli_format_value(const struct sli *s, char *buf, size_t n)
{
    const struct cfg_sli *c = s->cfg;
    if (!s->has_value)
        snprintf(buf, n, "-");
    else if (c->type == CFG_SLI_AVAILABILITY)
        snprintf(buf, n, "%.3f %%", s->value * 100);
    else if (c->type == CFG_SLI_LATENCY)
        snprintf(buf, n, "%.1f ms", s->value);
    else
        snprintf(buf, n, "%.4g", s->value);
    return buf;
}

static cJSON *sli_json_num(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *sli_json_one(const struct sli *s, int64_t now_mono)
{
    const struct cfg_sli *c = s->cfg;
    char buf[SLI_ERROR_MAX + 64], d1[32], d2[32];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", c->id);
    cJSON_AddStringToObject(o, "service", c->service);
    cJSON_AddStringToObject(o, "name", c->name);
    cJSON_AddStringToObject(o, "type", config_sli_type_name(c->type));
    cJSON_AddStringToObject(o, "state", sli_state_name(s->state));
    cJSON_AddStringToObject(o, "state_text", sli_state_text(s, now_mono, buf, sizeof buf));
    cJSON_AddItemToObject(o, "value", s->has_value ? sli_json_num(s->value) : cJSON_CreateNull());
    cJSON *obj = cJSON_AddObjectToObject(o, "objective");
    cJSON_AddItemToObject(obj, "target", sli_json_num(c->target));
    cJSON_AddStringToObject(obj, "window", config_prom_duration(c->window_ms, d1, sizeof d1));
    cJSON_AddItemToObject(obj, "threshold_ms", sli_json_num(c->threshold_ms));
    cJSON_AddItemToObject(obj, "min", sli_json_num(c->min));
    cJSON_AddItemToObject(obj, "max", sli_json_num(c->max));
    cJSON_AddItemToObject(o, "budget_remaining",
                          s->has_budget ? sli_json_num(s->budget_remaining) : cJSON_CreateNull());
    cJSON *burns = cJSON_AddArrayToObject(o, "burn_rates");
    for (size_t k = 0; k < c->nrules && !isnan(c->target); k++) {
        const struct sli_burn *b = &s->burns[k];
        cJSON *bo = cJSON_CreateObject();
        cJSON_AddItemToArray(burns, bo);
        cJSON_AddStringToObject(bo, "name", c->rules[k].name);
        cJSON_AddNumberToObject(bo, "factor", c->rules[k].factor);
        cJSON_AddStringToObject(bo, "long", config_prom_duration(c->rules[k].long_ms, d1, sizeof d1));
        cJSON_AddStringToObject(bo, "short",
                                config_prom_duration(c->rules[k].short_ms, d2, sizeof d2));
        cJSON_AddItemToObject(bo, "long_burn",
                              b->long_ok ? sli_json_num(b->long_burn) : cJSON_CreateNull());
        cJSON_AddItemToObject(bo, "short_burn",
                              b->short_ok ? sli_json_num(b->short_burn) : cJSON_CreateNull());
        cJSON_AddBoolToObject(bo, "firing", b->firing);
    }
    cJSON *spark = cJSON_AddArrayToObject(o, "spark");
    for (size_t k = 0; k < s->nspark; k++)
        cJSON_AddItemToArray(spark, sli_json_num(s->spark[k]));
    cJSON_AddItemToObject(o, "error", s->error[0] ? cJSON_CreateString(s->error)
                                                  : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "warnings", s->warnings[0] ? cJSON_CreateString(s->warnings)
                                                        : cJSON_CreateNull());
    return o;
}

char *sli_set_json(const struct sli_set *set, const char *only_id, int64_t eval_ms,
                   int64_t now_mono)
{
    char iso[32];
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON_AddStringToObject(root, "evaluated_at", wr_time_iso(eval_ms, iso, sizeof iso));
    cJSON *arr = cJSON_AddArrayToObject(root, "slis");
    for (size_t i = 0; arr && i < set->count; i++)
        if (!only_id || strcmp(set->slis[i].cfg->id, only_id) == 0)
            cJSON_AddItemToArray(arr, sli_json_one(&set->slis[i], now_mono));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

char *sli_set_summary(const struct sli_set *set, int64_t now_mono)
{
    struct wr_buf b = {0};
    char val[64];
    wr_buf_puts(&b, "SLI snapshot:");
    for (size_t i = 0; i < set->count; i++) {
        const struct sli *s = &set->slis[i];
        wr_buf_printf(&b, "%s %s %s %s", i ? ";" : "", s->cfg->id,
                      sli_format_value(s, val, sizeof val), sli_state_marker(s->state));
        if (s->burning_rule >= 0)
            wr_buf_printf(&b, " (%s %.3gx)", s->cfg->rules[s->burning_rule].name,
                          s->burns[s->burning_rule].long_burn);
        if (s->has_budget)
            wr_buf_printf(&b, " budget %.1f %%", s->budget_remaining * 100);
    }
    if (b.oom) {
        wr_buf_free(&b);
        return NULL;
    }
    return wr_buf_steal(&b);
}
