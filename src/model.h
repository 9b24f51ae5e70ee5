/* model.h: the incident and timeline model: kinds, phases, milestones, roles. Pure, no I/O. */
#ifndef WARROOM_MODEL_H
#define WARROOM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Timeline entry kinds. The first block can be typed by the scribe; the rest are recorded by
 * warroom itself when state changes. Names are stable: they are stored and exported. */
#define ENTRY_KIND_LIST(X)                                                                     \
    X(KIND_NOTE, "note", ' ', true)                                                            \
    X(KIND_ACTION, "action", '>', true)                                                        \
    X(KIND_DECISION, "decision", '!', true)                                                    \
    X(KIND_HYPOTHESIS, "hypothesis", '?', true)                                                \
    X(KIND_TODO, "todo", '+', true)                                                            \
    X(KIND_COMMS, "comms", '~', true)                                                          \
    X(KIND_ALERT, "alert", '#', true)                                                          \
    X(KIND_MILESTONE, "milestone", '^', false)                                                 \
    X(KIND_PHASE, "phase", '=', false)                                                         \
    X(KIND_SEVERITY, "severity", 'S', false)                                                   \
    X(KIND_ROLE, "role", 'R', false)                                                           \
    X(KIND_SLI, "sli", '%', false)                                                             \
    X(KIND_FACT, "fact", 'F', false)

enum entry_kind {
#define MODEL_X_ENUM(id, name, glyph, typeable) id,
    ENTRY_KIND_LIST(MODEL_X_ENUM)
#undef MODEL_X_ENUM
        KIND_COUNT
};

const char *kind_name(enum entry_kind k);
/* Single ASCII glyph shown in the timeline for the kind. */
char kind_glyph(enum entry_kind k);
/* True for kinds the scribe may type; false for kinds only warroom records. */
bool kind_typeable(enum entry_kind k);
/* Look a kind up by its name (case-insensitive). Returns -1 when unknown. */
int kind_from_name(const char *name);

/* Response workflow phases, in order (seed 002). */
#define PHASE_LIST(X)                                                                          \
    X(PHASE_DETECT, "DETECT")                                                                  \
    X(PHASE_TRIAGE, "TRIAGE")                                                                  \
    X(PHASE_RESPOND, "RESPOND")                                                                \
    X(PHASE_MITIGATE, "MITIGATE")                                                              \
    X(PHASE_RESOLVE, "RESOLVE")                                                                \
    X(PHASE_REVIEW, "REVIEW")

enum phase {
#define MODEL_X_ENUM(id, name) id,
    PHASE_LIST(MODEL_X_ENUM)
#undef MODEL_X_ENUM
        PHASE_COUNT
};
const char *phase_name(enum phase p);
int phase_from_name(const char *name); /* case-insensitive; -1 when unknown */

/* Milestones, in the order their times must respect. */
#define MILESTONE_LIST(X)                                                                      \
    X(MS_STARTED, "started")                                                                   \
    X(MS_DETECTED, "detected")                                                                 \
    X(MS_DECLARED, "declared")                                                                 \
    X(MS_MITIGATED, "mitigated")                                                               \
    X(MS_RESOLVED, "resolved")                                                                 \
    X(MS_CLOSED, "closed")

enum milestone {
#define MODEL_X_ENUM(id, name) id,
    MILESTONE_LIST(MODEL_X_ENUM)
#undef MODEL_X_ENUM
        MS_COUNT
};
const char *milestone_name(enum milestone m);
int milestone_from_name(const char *name); /* case-insensitive; -1 when unknown */

/*
 * Check that setting milestone `m` to `at` keeps every set milestone in order (earlier
 * milestones not later, later ones not earlier). times[] holds WR_TIME_NONE for unset ones.
 * Returns 0, or -1 with err (WR_E_CONFLICT) naming both milestones and both times.
 */
int milestone_check_order(const int64_t times[MS_COUNT], enum milestone m, int64_t at,
                          struct wr_error *err);

/* Incident Command System roles (seed 002). SME may be held by several people. */
#define ROLE_LIST(X)                                                                           \
    X(ROLE_IC, "ic", "Incident Commander")                                                     \
    X(ROLE_COMMS, "comms", "Communications Lead")                                              \
    X(ROLE_OPS, "ops", "Operations Lead")                                                      \
    X(ROLE_SME, "sme", "Subject Matter Expert")                                                \
    X(ROLE_SCRIBE, "scribe", "Scribe")

enum role {
#define MODEL_X_ENUM(id, key, title) id,
    ROLE_LIST(MODEL_X_ENUM)
#undef MODEL_X_ENUM
        ROLE_COUNT
};
const char *role_key(enum role r);   /* "ic" */
const char *role_title(enum role r); /* "Incident Commander" */
int role_from_name(const char *name); /* key or title, case-insensitive; -1 when unknown */

/* Severity: 1..4 (SEV1 is worst); 0 = not classified yet. */
#define SEV_NONE 0
/* Parse "SEV2", "sev2", "2". Returns 1..4 or -1. */
int sev_parse(const char *s);

/* An incident as stored. Strings are owned (malloc'd); free with incident_clear. */
struct incident {
    int64_t id;
    char uid[40];   /* globally unique id kept across export/import */
    char *title;
    char *services; /* comma-separated */
    char *summary;
    char *impact;
    char *tags; /* comma-separated */
    char tz[64]; /* the incident's own zone (tz.h): IANA name, "-03:00", "UTC"; "" = viewer's */
    enum phase phase;
    int severity;
    int64_t milestones[MS_COUNT]; /* WR_TIME_NONE when unset */
    int64_t created_ms;
    int64_t updated_ms;
};
void incident_init(struct incident *inc);
void incident_clear(struct incident *inc);
/* True while the incident is not closed. */
bool incident_is_open(const struct incident *inc);

/* One timeline entry (its current revision). Strings owned; free with entry_clear. */
struct entry {
    int64_t id;
    char uid[40];        /* globally unique, kept across databases; generated when empty */
    int64_t incident_id;
    int64_t at_ms;       /* when it happened (may be backdated) */
    int64_t recorded_ms; /* when it was first saved */
    enum entry_kind kind;
    char *author;
    char *text;
    bool pinned;
    bool deleted;
    int rev;    /* 1 for the original, +1 per edit/delete */
    char *data; /* JSON payload of entries warroom records (SLI snapshots), or NULL */
};
void entry_init(struct entry *e);
void entry_clear(struct entry *e);

/* Durations derived from milestones (PRODUCT.md §7 definitions); WR_TIME_NONE when a milestone
 * they need is unset. */
struct incident_durations {
    int64_t to_detect;      /* detected - started */
    int64_t to_acknowledge; /* declared - detected */
    int64_t to_mitigate;    /* mitigated - started */
    int64_t to_resolve;     /* resolved - started */
    int64_t total;          /* (closed, else resolved, else now) - started */
};
void incident_durations(const struct incident *inc, int64_t now_ms, struct incident_durations *d);

/* One severity change as the time-in-severity computation needs it (at_ms, 1..4). */
struct severity_mark {
    int64_t at_ms;
    int severity;
};
/* Slots of incident_time_in_severity's result: [0] before the first classification, [1..4]
 * SEV1..SEV4. */
#define SEVERITY_SLOTS 5
/*
 * Time spent in each severity, in ms, from `started` (else created) to the end of impact
 * (resolved, else closed, else now_ms). marks[] is the severity history in time order; the
 * time before the first mark counts as unclassified (out[0]). Marks outside the window are
 * clamped to it; a mark with a severity outside 1..4 counts as unclassified. Pure.
 */
void incident_time_in_severity(const struct incident *inc, const struct severity_mark *marks,
                               size_t n, int64_t now_ms, int64_t out[SEVERITY_SLOTS]);

/* The author of what warroom records on its own when no person is behind it. */
#define MODEL_SYSTEM_AUTHOR "warroom"
/* The phase a phase entry moved to ("Phase TRIAGE → RESPOND: ..." gives RESPOND); -1 when the
 * text is not one warroom writes. */
int phase_from_entry_text(const char *text);

/* Author name: `as` when given, else $USER, else $LOGNAME, else the account's name, else
 * MODEL_SYSTEM_AUTHOR; never empty. Returns a static/borrowed string. */
const char *model_author(const char *as);

#endif
