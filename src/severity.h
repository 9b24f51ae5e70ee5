/* severity.h: severity policy (levels, matrix, triggers, cadence) and the classifier. */
#ifndef WARROOM_SEVERITY_H
#define WARROOM_SEVERITY_H

#include <stdbool.h>

#include "util.h"

#define SEV_LEVELS 4 /* SEV1..SEV4; arrays below are indexed by severity - 1 */
#define SEV_ROWS 4
#define SEV_COLS 4

/* Matrix rows (kind of impact). Keys are stable: used in data files, the CLI and exports. */
#define SEV_ROW_LIST(X)                                                                            \
    X(SEV_ROW_CORE_DOWN, "core_down")                                                              \
    X(SEV_ROW_DEGRADED, "degraded")                                                                \
    X(SEV_ROW_NONCORE_DOWN, "noncore_down")                                                        \
    X(SEV_ROW_COSMETIC, "cosmetic")

/* Matrix columns (how many users are affected). */
#define SEV_COL_LIST(X)                                                                            \
    X(SEV_COL_ONE, "one")                                                                          \
    X(SEV_COL_LT25, "lt25")                                                                        \
    X(SEV_COL_GT25, "gt25")                                                                        \
    X(SEV_COL_ALL, "all")

/* Escalation triggers, in the order the classifier applies their floors. */
#define SEV_TRIGGER_LIST(X)                                                                        \
    X(SEV_TRIGGER_DATA_LOSS, "data_loss")                                                          \
    X(SEV_TRIGGER_PII_BREACH, "pii_breach")                                                        \
    X(SEV_TRIGGER_REVENUE, "revenue")                                                              \
    X(SEV_TRIGGER_SLA_IMMINENT, "sla_imminent")

enum sev_row {
#define SEV_X_ENUM(id, key) id,
    SEV_ROW_LIST(SEV_X_ENUM)
};
enum sev_col { SEV_COL_LIST(SEV_X_ENUM) };
enum sev_trigger { SEV_TRIGGER_LIST(SEV_X_ENUM) SEV_TRIGGER_COUNT };
#undef SEV_X_ENUM

/* Bit for a trigger in the `triggers` mask of sev_classify. */
#define SEV_TRIGGER_BIT(t) (1u << (t))
#define SEV_TRIGGER_ALL ((1u << SEV_TRIGGER_COUNT) - 1u)

struct sev_level {
    char title[48];        /* "Critical" */
    char description[256]; /* what this severity means */
    char response[256];    /* the response expected */
    int cadence_minutes;   /* stakeholder update every N minutes; 0 = no scheduled updates */
    bool cadence_set;      /* a policy file gave cadence_minutes (completeness check) */
};

struct sev_trigger_rule {
    char label[64];      /* "revenue-impacting"; used in the rationale */
    int min_severity;    /* floor: the result is at least this bad (1..4); 0 = no floor */
    int escalate_levels; /* then raise the result this many levels (0..3), never past SEV1 */
};

/* A complete policy. Plain data: no heap memory, copy freely, nothing to free. */
struct sev_policy {
    struct sev_level levels[SEV_LEVELS];
    char row_labels[SEV_ROWS][48];
    char col_labels[SEV_COLS][48];
    int matrix[SEV_ROWS][SEV_COLS]; /* 1..4 */
    struct sev_trigger_rule triggers[SEV_TRIGGER_COUNT];
};

/*
 * Load the policy: default_path (data/severity.json) first, then user_path (may be NULL) on top.
 * A file may give any subset of the fields; what it gives replaces the earlier value, so a user
 * file holding only "cadence_minutes" keeps the default matrix. Matrix rows are replaced whole.
 * After merging, every part must be defined. Unknown keys are refused (keys starting with '_'
 * are comments). Returns 0, or -1 with err (WR_E_CONFIG/WR_E_IO) naming the file, the field
 * path and what was expected, e.g.
 *   severity.json: matrix.degraded[2]: expected an integer 1..4, got "x"
 * On failure *p is left unchanged.
 */
int sev_policy_load(struct sev_policy *p, const char *default_path, const char *user_path,
                    struct wr_error *err);
/* Same as sev_policy_load, from JSON text already in memory; `name` is used in messages. The
 * policy in *p is the base that `text` is merged onto (pass a zeroed struct to start empty).
 * `require_complete` checks that every part is defined afterwards. */
int sev_policy_merge_text(struct sev_policy *p, const char *text, const char *name,
                          bool require_complete, struct wr_error *err);

struct sev_result {
    int severity;         /* 1..4: the final severity */
    int matrix_severity;  /* 1..4: what the matrix cell alone gave */
    int decided_by;       /* -1 when the matrix decided, else the last trigger that changed it */
    unsigned changed_by;  /* mask of the triggers that changed the severity */
    char rationale[1024]; /* one line naming the cell and every rule applied (UTF-8) */
};

/*
 * Classify a matrix cell with a mask of triggers (SEV_TRIGGER_BIT). Pure. Order of rules:
 *   1. the matrix cell gives the starting severity;
 *   2. each ticked trigger with a floor (min_severity), in enum order, raises the severity to
 *      at least its floor (data_loss -> SEV1, pii_breach -> SEV1, revenue -> SEV2);
 *   3. then each ticked trigger with escalate_levels raises it that many levels, capped at SEV1
 *      (sla_imminent: one level up).
 * Floors come before escalations, so "revenue + SLA imminent" on a SEV4 cell gives SEV1
 * (floor SEV2, then one up). The rationale reads e.g.
 *   Degraded performance × >25% users → SEV2 (matrix); revenue-impacting: at least SEV2
 *   (no change)
 * Returns 0, or -1 when row/col is out of range or the mask holds unknown bits.
 */
int sev_classify(const struct sev_policy *p, int row, int col, unsigned triggers,
                 struct sev_result *out);

/* Stable keys ("degraded", "gt25", "revenue"); NULL when out of range. */
const char *sev_row_key(int row);
const char *sev_col_key(int col);
const char *sev_trigger_key(int trigger);
/* Look up by key (case-insensitive; '-' accepted for '_'). Returns the index or -1. */
int sev_row_from_key(const char *key);
int sev_col_from_key(const char *key);
int sev_trigger_from_key(const char *key);
/* "SEV1".."SEV4", "SEV?" otherwise. */
const char *sev_name(int severity);
/* Update cadence for a severity in minutes (0 = none); -1 when severity is not 1..4. */
int sev_cadence_minutes(const struct sev_policy *p, int severity);

#endif
