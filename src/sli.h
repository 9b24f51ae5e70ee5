/* sli.h: SLI evaluation state: latest value, sparkline, burn rates and the panel's state. */
#ifndef WARROOM_SLI_H
#define WARROOM_SLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "util.h"

/*
 * One struct sli per configured SLI. Sources (sli_fetch.c for HTTP, sli_eval_replay here for
 * replay files) fill a struct sli_result; sli_apply() turns it into the state the panels and
 * `warroom sli` show. Everything here is plain data: the UI reads struct sli directly.
 */

enum sli_state {
    SLI_PENDING,  /* never evaluated yet */
    SLI_OK,       /* within the objective, no burn-rate alert firing */
    SLI_BURNING,  /* a burn-rate rule fires (burning_rule names which), or a latency value is
                     over its threshold while the SLO's good/total data says how bad */
    SLI_BREACHED, /* objective missed: budget exhausted, value past min/max, or a latency
                     value over its threshold with no good/total data to weigh it */
    SLI_STALE,    /* the last good sample is older than stale_after (age shown) */
    SLI_ERROR,    /* the last attempt failed (error holds the reason) */
};

#define SLI_SPARK_MAX 120
#define SLI_ERROR_MAX 512

struct sli_burn {
    bool long_ok, short_ok; /* false: no data / no traffic in that window */
    double long_burn, short_burn;
    bool firing;
};

/* What one evaluation produced (filled by a source, consumed by sli_apply). */
struct sli_result {
    bool failed;               /* the fetch or parse failed: error says why (when not failed,
                                  error may explain a missing value) */
    char error[SLI_ERROR_MAX];
    char warnings[SLI_ERROR_MAX]; /* Prometheus "warnings", joined with "; " */
    bool has_value;
    double value;                 /* in display units (scale applied) */
    int64_t value_t_ms;           /* sample time of the value */
    bool has_budget;
    double budget_remaining;      /* over the SLO window: 1 untouched, <= 0 exhausted */
    struct sli_burn burns[CFG_MAX_BURN_RULES];
    double spark[SLI_SPARK_MAX];  /* oldest first; NAN for gaps */
    size_t nspark;
    bool has_spark;               /* false: keep appending values to the panel's own history */
};

struct sli {
    const struct cfg_sli *cfg; /* borrowed from the config */
    enum sli_state state;
    int burning_rule;          /* index into cfg->rules when SLI_BURNING (or breached + firing) */
    bool has_value;
    double value;
    int64_t value_t_ms;        /* evaluation time of the value (incident clock, wr_now_ms) */
    int64_t last_good_ms;      /* monotonic time (wr_mono_ms) of the last good evaluation, or
                                  WR_TIME_NONE: ages and staleness are in real time, so a
                                  sped-up demo clock does not make panels stale */
    int64_t last_attempt_ms;   /* monotonic time of the last attempt; WR_TIME_NONE */
    int alert_transition;      /* set by each sli_apply: +1 a burn-rate alert started, -1 all
                                  stopped, 0 no change (take a timeline snapshot on +-1) */
    bool has_budget;
    double budget_remaining;
    struct sli_burn burns[CFG_MAX_BURN_RULES];
    double spark[SLI_SPARK_MAX];
    size_t nspark;
    char error[SLI_ERROR_MAX];
    char warnings[SLI_ERROR_MAX];
    char reason[SLI_ERROR_MAX]; /* why BURNING or BREACHED ("1550 ms over the 500 ms
                                   threshold"); "" otherwise */
    unsigned failures;         /* consecutive failures (drives the backoff) */
    uint64_t generation;       /* bumped by every sli_apply: redraw when it changes */
};

/* A set of SLIs built from a config (which must outlive the set). */
struct sli_set {
    const struct config *config;
    struct sli *slis;
    size_t count;
};

/* Build one struct sli per configured SLI, all SLI_PENDING. Free with sli_set_free. */
int sli_set_new(const struct config *config, struct sli_set **out, struct wr_error *err);
void sli_set_free(struct sli_set **set);
/* The SLI with this id, or NULL. */
struct sli *sli_set_find(struct sli_set *set, const char *id);

/* Fold an evaluation result into the SLI's state; now_ms is monotonic (wr_mono_ms), and so
 * are the now_ms of sli_check_stale, sli_age_ms and sli_state_text. */
void sli_apply(struct sli *s, const struct sli_result *r, int64_t now_ms);
/* Re-check staleness at now_ms (call once a second): OK/BURNING/BREACHED become STALE when the
 * last good sample is older than stale_after. Returns true when the state changed. */
bool sli_check_stale(struct sli *s, int64_t now_ms);
/* Age of the last good sample at now_ms, or -1 if none. */
int64_t sli_age_ms(const struct sli *s, int64_t now_ms);

/* Evaluate an SLI on a replay source at time at_ms (no I/O beyond reading the file once; the
 * file is cached in *cache, which the caller frees with replay_free). */
struct replay_file;
int sli_eval_replay(const struct cfg_sli *cfg, int64_t at_ms, struct replay_file **cache,
                    struct sli_result *r);

/* Every SLI (or only `only_id`) as JSON for scripts and timeline snapshots:
 * {"evaluated_at": ISO, "slis": [{id, service, name, type, state, state_text, value,
 *  objective {target, window, threshold_ms, min, max}, budget_remaining,
 *  burn_rates [{name, factor, long, short, long_burn, short_burn, firing}], spark [...],
 *  error, warnings}]}; non-finite numbers and missing values are null. eval_ms is the
 * incident-clock time shown as evaluated_at; now_mono the monotonic now for ages.
 * Returns a malloc'd string (caller frees) or NULL on out of memory. */
char *sli_set_json(const struct sli_set *set, const char *only_id, int64_t eval_ms,
                   int64_t now_mono);
/* One line for a timeline entry: "SLI snapshot: loan_apply_availability 86.158 % BREACH
 * (fast 54x); loan_apply_p99 7544.8 ms BREACH; ...". Caller frees; NULL on out of memory. */
char *sli_set_summary(const struct sli_set *set, int64_t now_mono);
/* The value formatted for display: "99.912 %" (availability), "512.3 ms" (latency), "75.3"
 * (others), "-" without a value. Returns buf. */
char *sli_format_value(const struct sli *s, char *buf, size_t n);

/* "ok", "burning", "breached", "stale", "error", "pending". */
const char *sli_state_name(enum sli_state st);
/* A marker readable without colour: "OK", "BURN", "BREACH", "STALE", "ERR", "...". */
const char *sli_state_marker(enum sli_state st);
/* One line describing the state: "burning: fast (14.4x over 1h and 5m)",
 * "breached: 1550 ms over the 500 ms threshold", "stale: 3m 10s",
 * "error: HTTP 500 from http://...". Writes into buf and returns it. */
char *sli_state_text(const struct sli *s, int64_t now_ms, char *buf, size_t n);

#endif
