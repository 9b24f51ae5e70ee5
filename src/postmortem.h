/* postmortem.h: the postmortem draft: data for templates/postmortem.md, graphs, and export. */
#ifndef WARROOM_POSTMORTEM_H
#define WARROOM_POSTMORTEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "lint.h"
#include "severity.h"
#include "store.h"

/* Worksheet fields, in the order the TUI and `warroom pm` list them: key, title, prompt. */
#define PM_FIELD_LIST(X)                                                                       \
    X(summary, "Summary", "What happened, in two or three sentences?")                         \
    X(impact, "Impact", "Who was affected, how, and for how long?")                            \
    X(root_causes, "Root causes", "Which conditions made this incident possible?")             \
    X(trigger, "Trigger", "What change or event set it off?")                                  \
    X(resolution, "Resolution", "What mitigated and then resolved it?")                        \
    X(detection, "Detection", "How was it detected, and how could it be detected sooner?")    \
    X(five_whys, "Five whys", "Ask why five times, one answer per line.")                      \
    X(factors_trigger, "Trigger factors", "What about the change or event contributed?")       \
    X(factors_propagation, "Propagation factors", "What let the failure spread?")              \
    X(factors_detection, "Detection factors", "What delayed detection?")                       \
    X(factors_resolution, "Resolution factors", "What slowed mitigation or resolution?")       \
    X(factors_process, "Process factors", "Which process, runbook or ownership gaps played a part?") \
    X(went_well, "What went well", "What worked in the response?")                             \
    X(went_wrong, "What went wrong", "What made the response harder?")                         \
    X(got_lucky, "Where we got lucky", "What could have made this worse but did not?")

enum pm_field {
#define PM_X_ENUM(key, title, prompt) PM_F_##key,
    PM_FIELD_LIST(PM_X_ENUM)
#undef PM_X_ENUM
        PM_FIELD_COUNT
};
const char *pm_field_key(int f);
const char *pm_field_title(int f);
const char *pm_field_prompt(int f);
/* Field index by key, -1 when unknown. */
int pm_field_from_key(const char *key);

struct pm_options {
    const struct sev_policy *policy; /* for missed update cadence; NULL: not computed */
    const struct config *config;     /* SLIs (replay sources) for worst values, budget, graphs */
    const struct lint_rules *lint;   /* NULL: no blameless check */
    const char *template_path;       /* NULL: pm_template_path() */
    int64_t now_ms;                  /* "now" for open incidents (wr_now_ms()) */
};

/* One rendered SLI graph (file name and SVG bytes). */
struct pm_graph {
    char file[128];
    char *svg;
    size_t len;
};

/*
 * The data templates/postmortem.md renders: metadata, worksheet fields (with prompts when
 * empty), computed figures with definitions, SLIs, action items, roles. The timeline is not in
 * it: "timeline_rows" holds a placeholder that pm_export replaces by streaming rows.
 * *graphs gets one SVG per SLI with data (free with pm_graphs_free).
 */
int pm_build(struct store *s, int64_t incident_id, const struct pm_options *opt, cJSON **data,
             struct pm_graph **graphs, size_t *ngraphs, struct wr_error *err);
void pm_graphs_free(struct pm_graph **g, size_t n);

/* The template to use: $XDG_CONFIG_HOME/warroom/templates/postmortem.md (or ~/.config/...)
 * when it exists, else $WARROOM_TEMPLATE_DIR or the built-in templates directory. */
char *pm_template_path(char *buf, size_t n);

/* Write DIR/postmortem.md and DIR/<graph>.svg (DIR created). When opt->lint is set, the
 * findings (line numbers in postmortem.md) are added to *lint (may be NULL). */
int pm_export(struct store *s, int64_t incident_id, const struct pm_options *opt,
              const char *dir, struct lint_report *lint, struct wr_error *err);

/* For the JSON export: *postmortem gets the worksheet fields that are set ({"summary": "..."})
 * and *actions the action items, each NULL when there are none (so older files round-trip). */
int pm_exchange_json(struct store *s, int64_t incident_id, cJSON **postmortem, cJSON **actions,
                     struct wr_error *err);
/* For the JSON import, after the entries: restore the worksheet and the action items (either may
 * be NULL). Without an "action_items" array, every live todo entry becomes an open action item. */
int pm_exchange_import(struct store *s, int64_t incident_id, const cJSON *postmortem,
                       const cJSON *actions, struct wr_error *err);

#endif
