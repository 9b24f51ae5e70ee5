/* comms.h: stakeholder communication: template data, template list, cadence, destinations. */
#ifndef WARROOM_COMMS_H
#define WARROOM_COMMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "model.h"
#include "severity.h"
#include "store.h"
#include "template.h"
#include "util.h"

/* The first update is due this long after `declared` (else started, else created). */
#define COMMS_FIRST_UPDATE_MS (5 * 60 * 1000)

/* When the next stakeholder update is due. */
struct comms_due {
    bool scheduled;     /* false: no further update is due (resolved, or cadence 0) */
    int64_t due_ms;     /* wall time it is due */
    int64_t overdue_ms; /* > 0: late by this much */
    int cadence_minutes;
    int64_t last_sent_ms; /* the last update sent; WR_TIME_NONE before the first */
};

/*
 * Pure: the next update is due `cadence_minutes` after `last_sent_ms`, or COMMS_FIRST_UPDATE_MS
 * after the incident was declared when nothing was sent yet (last_sent_ms WR_TIME_NONE).
 * Nothing is scheduled once resolved or when cadence_minutes <= 0.
 */
void comms_cadence(const struct incident *inc, int cadence_minutes, int64_t last_sent_ms,
                   int64_t now_ms, struct comms_due *out);
/* comms_cadence for an incident in the store, with the policy's cadence for its severity
 * (an unclassified incident uses SEV2's). */
int comms_due_get(struct store *s, const struct incident *inc, const struct sev_policy *p,
                  int64_t now_ms, struct comms_due *out, struct wr_error *err);
/* When the update is overdue, record "Stakeholder update overdue by …: due at 10:12 UTC-3, …"
 * (KIND_ALERT, local time in the thread's zone) once per due time. *recorded (may be NULL) says
 * whether an entry was written now. */
int comms_record_overdue(struct store *s, const struct incident *inc, const struct sev_policy *p,
                         int64_t now_ms, const char *author, bool *recorded, struct wr_error *err);

/*
 * Build the template data of templates/README.md for incident `inc` at `now_ms` (policy may be
 * NULL: severity titles empty and cadence SEV1 15, SEV2 30, SEV3 60). Every key is present.
 * Returns a cJSON object the caller deletes, or NULL with err.
 */
cJSON *comms_data_build(struct store *s, const struct incident *inc, const struct sev_policy *p,
                        int64_t now_ms, struct wr_error *err);

/* Replace the SLI figures of `data` (comms_data_build's "slis" and "slis_at") with those of
 * snapshot_json (sli_set_json's form) taken at at_ms: the cockpit's live panels, fresher than
 * the newest stored snapshot. */
void comms_data_use_slis(cJSON *data, const char *snapshot_json, int64_t at_ms,
                         const struct incident *inc, int64_t now_ms);

/* One message template offered to the user. */
struct comms_template {
    char name[128]; /* file name without .mustache */
    char path[4096];
    bool user;      /* from the user's directory (overrides a built-in of the same name) */
};
/* Templates of the built-in directory (WARROOM_TEMPLATES_DIR env, else the build's) and the
 * user's ($XDG_CONFIG_HOME/warroom/templates), partials (`_*`) excluded, sorted by name.
 * *out malloc'd (free()). */
int comms_templates_list(struct comms_template **out, size_t *n, struct wr_error *err);
/* Find a template by name (or path to a .mustache file). */
int comms_template_find(const char *name, struct comms_template *out, struct wr_error *err);
/* Render template t with data in strict mode and `escape`; partials come from the user's
 * directory first, then the built-in one. *out malloc'd. */
int comms_render(const struct comms_template *t, const cJSON *data, enum tpl_escape escape,
                 char **out, struct wr_error *err);
/* Split a rendered message: subject = first line, body = after the blank line. Both malloc'd. */
int comms_split(const char *text, char **subject, char **body);

/* ---- destinations ---- */

#define COMMS_DEST_TYPES(X)                                                                    \
    X(DEST_STDOUT, "stdout")                                                                   \
    X(DEST_FILE, "file")                                                                       \
    X(DEST_CLIPBOARD, "clipboard")                                                             \
    X(DEST_SLACK, "slack")                                                                     \
    X(DEST_WEBHOOK, "webhook")                                                                 \
    X(DEST_STATUSPAGE, "statuspage")                                                           \
    X(DEST_PAGERDUTY, "pagerduty")

enum comms_dest_type {
#define COMMS_X_ENUM(id, name) id,
    COMMS_DEST_TYPES(COMMS_X_ENUM)
#undef COMMS_X_ENUM
};

/*
 * A destination from the config file's "destinations" object:
 *   "destinations": { "slack": { "type": "slack", "url_env": "SLACK_WEBHOOK_URL",
 *                                "default": true },
 *     "status": { "type": "statuspage", "page_id": "abc", "token_env": "STATUSPAGE_TOKEN",
 *                 "components": ["cmp1"], "base_url": "https://api.statuspage.io" },
 *     "pd": { "type": "pagerduty", "routing_key_env": "PD_KEY" },
 *     "hook": { "type": "webhook", "url_env": "HOOK_URL" },
 *     "log": { "type": "file", "path": "/tmp/comms.log" } },
 *   "secrets_file": "~/.config/warroom/secrets.json"   (mode 0600; {"NAME": "value"})
 * Secrets are only ever names: looked up in the environment, then in the secrets file.
 */
struct comms_dest {
    char name[64];
    enum comms_dest_type type;
    enum tpl_escape escape; /* "escape" or the type's default */
    bool is_default;
    char *path;       /* file */
    char *url_env;    /* slack, webhook: name of the secret holding the URL */
    char *token_env;  /* statuspage: API key; pagerduty: routing key */
    char *base_url;   /* statuspage, pagerduty: API base (tests point it at 127.0.0.1) */
    char *page_id;    /* statuspage */
    char **components; /* statuspage component ids */
    size_t ncomponents;
    long timeout_ms;
};

struct comms_config {
    struct comms_dest *dests;
    size_t n;
    char *secrets_file; /* NULL when none */
};

/* Load the "destinations" (and "secrets_file") of the config file at path. A missing file or
 * section gives an empty list. Errors name the field (WR_E_CONFIG). */
int comms_config_load(const char *path, struct comms_config **out, struct wr_error *err);
int comms_config_parse(const char *text, const char *name, struct comms_config **out,
                       struct wr_error *err);
void comms_config_free(struct comms_config **c);
const struct comms_dest *comms_dest_find(const struct comms_config *c, const char *name);
const char *comms_dest_type_name(enum comms_dest_type t);
/* Resolve secret `name` (environment, then the secrets file, which must be mode 0600 and owned
 * by the user). *value malloc'd; never print it. */
int comms_secret(const struct comms_config *c, const char *name, char **value,
                 struct wr_error *err);

/* Render template t for incident inc once per destination (its escape mode) and queue each.
 * msg_id makes the idempotency keys (uid:msg_id:destination); NULL: generated. `override`
 * (may be NULL) is edited text used instead of rendering. */
int comms_queue(struct store *s, const struct incident *inc, const struct comms_template *t,
                const cJSON *data, const char *override, const struct comms_config *cfg,
                const char *const *dests, size_t ndests, const char *author, const char *msg_id,
                struct wr_error *err);

#endif
