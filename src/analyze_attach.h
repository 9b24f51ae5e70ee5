/* analyze_attach.h: log analysis findings in an incident: timeline entries (attach) and the
 * postmortem's Impact figures read back from them. */
#ifndef WARROOM_ANALYZE_ATTACH_H
#define WARROOM_ANALYZE_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "analyze.h"
#include "store.h"

/*
 * Add one alert entry per anomaly episode (backdated to its start) and one note summarising
 * the analysis (at the end of the incident window, or of the logs), each with its figures as
 * the entry's JSON payload ("source": "warroom analyze"), in one transaction. Each entry's uid
 * is derived from the incident's uid and the finding, so attaching the same analysis again
 * adds nothing. *added gets the new entries, *total every finding.
 * The summary's figures are for the incident window: started to resolved (else mitigated,
 * else the end of the logs), by whole minutes. Logs that miss that window entirely are refused
 * (WR_E_INPUT, nothing written): they would state 0 requests as the incident's.
 */
int analyze_attach(struct store *s, int64_t incident_id, const struct analyze_result *r,
                   const char *author, size_t *added, size_t *total, struct wr_error *err);

/*
 * For the postmortem's Impact section: when the incident has an attached analysis summary,
 * append to *text (a malloc'd string, may be "" or NULL) a paragraph with the requests and
 * errors in the incident window and the top error types, naming the analysis as the source.
 * Unchanged when there is none. -1 only on a store or memory error.
 */
int analyze_impact_append(struct store *s, int64_t incident_id, char **text,
                          struct wr_error *err);

/* analyze_impact_append in two steps, for a caller that reads the timeline once for several
 * purposes: analyze_impact_find (a store_entry_fn over the live entries in timeline order,
 * `finder` a zeroed struct analyze_impact_finder) remembers the last summary; then
 * analyze_impact_append_found appends its paragraph and frees what was found. */
struct analyze_impact_finder {
    int64_t id; /* the summary's entry */
    char *data; /* its payload, malloc'd; NULL while none was found */
};
int analyze_impact_find(const struct entry *e, void *finder);
int analyze_impact_append_found(struct analyze_impact_finder *found, char **text,
                                struct wr_error *err);

#endif
