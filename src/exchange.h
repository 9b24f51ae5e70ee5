/* exchange.h: an incident as versioned JSON: export, import, and the `show --json` record. */
#ifndef WARROOM_EXCHANGE_H
#define WARROOM_EXCHANGE_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"
#include "util.h"

/* The exchange format: {"format":"warroom-incident","version":1,...}; see README "Export". */
#define EXCHANGE_FORMAT "warroom-incident"
#define EXCHANGE_VERSION 1

/*
 * Write incident `id` to f. EXCHANGE_FULL is the archival document (every revision of every
 * entry, no local ids) that exchange_import() restores exactly; EXCHANGE_SHOW is the `show --json`
 * record (local ids, current text of live entries, computed durations). Entries are streamed, so
 * memory stays flat whatever the timeline's length.
 */
enum exchange_mode { EXCHANGE_FULL, EXCHANGE_SHOW };
int exchange_write(struct store *s, int64_t id, enum exchange_mode mode, FILE *f,
                   struct wr_error *err);

/*
 * Import a document (the text of a file). All or nothing: it is validated and written in one
 * transaction. `new_uid` imports it as a new incident even when its uid is already present.
 * Errors: WR_E_INPUT for malformed JSON or fields (naming the field), an unknown format or a newer
 * version; WR_E_CONFLICT when the uid is already in the database.
 */
int exchange_import(struct store *s, const char *text, bool new_uid, int64_t *id,
                    struct wr_error *err);

#endif
