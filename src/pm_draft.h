/* pm_draft.h: drafts of the postmortem's sections from the timeline (resolution, detection, root
 * cause candidates, trigger, hypotheses considered, what went well and wrong) and the impact
 * figures of the SLI snapshots stored during the incident. */
#ifndef WARROOM_PM_DRAFT_H
#define WARROOM_PM_DRAFT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "severity.h"
#include "store.h"

/* What pm_build already loaded, lent to the drafts. */
struct pm_draft_input {
    const struct incident *inc;
    const struct severity_change *hist;
    size_t nhist;
    const struct role_assignment *roles;
    size_t nroles;
    const struct sev_policy *policy; /* NULL: cadence not judged */
    int64_t now_ms;                  /* "now" for an unresolved incident (the export's clock) */
};

/* Stakeholder updates sent and how many gaps between them (from declaration to resolution, else
 * now) were longer than the cadence of the severity in force at the gap's start. */
struct pm_cadence {
    size_t sent;
    int missed;           /* -1: not judged (no policy, or never declared) */
    int64_t longest_gap;  /* of the missed ones */
};
/* Pure over the comms entries' times (sorted). */
void pm_cadence_judge(const struct incident *inc, const int64_t *sent_at, size_t n,
                      const struct severity_change *hist, size_t nhist,
                      const struct sev_policy *policy, int64_t end_ms, struct pm_cadence *out);

/* "09:40 UTC-3 (12:40 UTC)", or "12:40 UTC" when the incident's zone is UTC: local times in
 * the incident's zone (tz_use'd by the caller) beside UTC. Returns buf. */
char *pm_when(int64_t ms, char *buf, size_t n);

/*
 * For every worksheet field of root["f"] that has no text ("has" false) and for which the
 * timeline holds evidence, set "drafted": true and "draft": [{"text"}] (one item per line of
 * evidence); also root["hypotheses"] ([{time, text, outcome}], "has_hypotheses") and
 * root["snapshots"] ([{name, worst, budget, burn, count}], "has_snapshots") from the payloads of
 * the SLI snapshot entries, so the impact figures do not need the SLI source any more. Reads the
 * timeline once. 0, or -1 with err.
 */
int pm_draft(struct store *s, const struct pm_draft_input *in, cJSON *root, struct wr_error *err);

/*
 * pm_draft in steps, for a caller that reads the timeline once for several purposes (the
 * export writes its rows in the same pass): pm_draft_timeline_new for the incident (NULL when
 * out of memory), pm_draft_timeline_add for every live entry in timeline order (a
 * store_entry_fn: it copies what the drafts keep; 1 stops the scan when out of memory), then
 * pm_draft_from, which uses up what was gathered (free the timeline after it either way).
 */
struct pm_draft_timeline;
struct pm_draft_timeline *pm_draft_timeline_new(const struct incident *inc);
int pm_draft_timeline_add(const struct entry *e, void *timeline);
int pm_draft_from(struct store *s, const struct pm_draft_input *in, struct pm_draft_timeline *t,
                  cJSON *root, struct wr_error *err);
void pm_draft_timeline_free(struct pm_draft_timeline **t);
/* How many entries the timeline holds for the drafts so far (what its memory grows with). */
size_t pm_draft_timeline_kept(const struct pm_draft_timeline *t);

#endif
