/* facts.h: the incident's live facts (summary, impact, customer-facing wording, current cause and
 * whether it is confirmed, mitigation in place, next step): their list, the proposals warroom
 * draws from the timeline, and the one value every reader uses. */
#ifndef WARROOM_FACTS_H
#define WARROOM_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "store.h"

/*
 * key, title, prompt, customer-facing. Keys are stored and exported: never rename one.
 * Customer-facing facts get no proposal: timeline text is internal wording.
 */
#define FACT_LIST(X)                                                                           \
    X(FACT_SUMMARY, "summary", "Summary", "What is happening, in a sentence or two", false)   \
    X(FACT_IMPACT, "impact", "Impact", "Who is affected and how badly (internal)", false)     \
    X(FACT_CUSTOMER_SERVICE, "customer_service", "Public service name",                        \
      "What customers call the service (status page)", true)                                  \
    X(FACT_SYMPTOM, "symptom", "Customer-facing symptom",                                      \
      "What customers notice, in their words", true)                                          \
    X(FACT_CUSTOMER_IMPACT, "customer_impact", "Customer impact",                              \
      "What customers may notice or need to do", true)                                        \
    X(FACT_CAUSE, "cause", "Current cause", "What we believe causes it (c: confirmed)", false) \
    X(FACT_MITIGATION, "mitigation", "Mitigation in place",                                    \
      "What stops or reduces the impact now", false)                                          \
    X(FACT_NEXT_STEP, "next_step", "Next step", "What the team does next", false)

enum fact_id {
#define FACT_X_ENUM(id, key, title, prompt, customer) id,
    FACT_LIST(FACT_X_ENUM)
#undef FACT_X_ENUM
        FACT_COUNT
};

/* The stored flag beside the cause: "yes" while the IC holds it confirmed. */
#define FACT_CAUSE_CONFIRMED_KEY "cause_confirmed"

const char *fact_key(enum fact_id f);
const char *fact_title(enum fact_id f);
const char *fact_prompt(enum fact_id f);
bool fact_customer_facing(enum fact_id f);
/* Fact by key (case-insensitive); -1 when unknown. */
int fact_from_key(const char *key);

/* Where a fact's value comes from, in the order readers use: the field the IC set, else
 * warroom's proposal from the timeline, else nothing ("not known yet"). */
enum fact_source { FACT_SOURCE_NONE, FACT_SOURCE_FIELD, FACT_SOURCE_PROPOSAL };

struct fact_value {
    enum fact_source source;
    char *value;      /* NULL when source is NONE */
    int64_t at_ms;    /* field: when it was set; proposal: time of the newest entry it uses */
    char *author;     /* field: who set it; proposal: author of that entry */
    char *proposal;   /* the proposal even when the field is set (the dialog shows both); NULL */
    int64_t proposal_at_ms;   /* the newest entry the proposal uses */
    int64_t proposal_from_ms; /* the oldest one (== proposal_at_ms when it uses one entry) */
};

struct incident_facts {
    struct fact_value f[FACT_COUNT];
    bool cause_confirmed; /* the IC marked the cause field confirmed */
    bool identified;      /* a cause or mitigation is recorded by a person, or MITIGATE began */
};

/*
 * Load the facts of `inc` (its summary and impact are read from inc) and draw the proposals from
 * its timeline as of now_ms:
 *   cause       the newest pinned note, hypothesis or alert logged during RESPOND (decisions
 *               and actions say what was done, not why);
 *   mitigation  the decisions and actions logged during MITIGATE, after the newest pinned
 *               decision that led into it, oldest first, joined with "; ".
 * Phases are read from the phase entries; without any, RESPOND runs from declared (else
 * started) to mitigated (else now) and MITIGATE has no window. Free with facts_clear.
 */
int facts_load(struct store *s, const struct incident *inc, int64_t now_ms,
               struct incident_facts *out, struct wr_error *err);
void facts_clear(struct incident_facts *f);

/* Set fact f to `value` ("" clears it) by `author` now: stored with its timeline entry (kind
 * fact, text "Current cause: ...", JSON data {"fact", "value"}) so its history is the timeline.
 * Setting the cause clears its confirmation unless the text is unchanged. */
int facts_set(struct store *s, int64_t incident_id, enum fact_id f, const char *value,
              const char *author, struct wr_error *err);
/* Mark the cause confirmed or not (refused while the cause is empty). */
int facts_confirm_cause(struct store *s, int64_t incident_id, bool confirmed, const char *author,
                        struct wr_error *err);
/* Set the incident's time zone (tz_check's forms; "" for the viewer's), recorded like a fact. */
int facts_set_tz(struct store *s, int64_t incident_id, const char *zone, const char *author,
                 struct wr_error *err);

/* The earlier values of fact f, oldest first, from its timeline entries (for the line
 * editor's history). *out malloc'd array of malloc'd strings; free with facts_history_free. */
int facts_history(struct store *s, int64_t incident_id, enum fact_id f, char ***out, size_t *n,
                  struct wr_error *err);
void facts_history_free(char ***arr, size_t n);

/* One phase's stretch of time: [from, to). */
struct phase_window {
    bool known;
    int64_t from, to;
};
/* When the incident was in phase p, from its phase entries (the first entry into p to the next
 * phase entry after it, or now_ms). Pure over the entries given (timeline order). */
void facts_phase_window(const struct incident *inc, const struct entry *entries, size_t n,
                        enum phase p, int64_t now_ms, struct phase_window *out);

#endif
