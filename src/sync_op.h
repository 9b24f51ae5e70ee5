/* sync_op.h: a write the cockpit makes, described so it can run on any store: at once on the
 * local one, and later, from team mode's journal, on the server. */
#ifndef WARROOM_SYNC_OP_H
#define WARROOM_SYNC_OP_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

/* What the write is. Each kind is one store (or facts) call with the same arguments. */
#define SYNC_OP_LIST(X)                                                                        \
    X(SYNC_OP_ENTRIES, "entries")           /* entries/outbox messages delivered as written */ \
    X(SYNC_OP_EDIT, "edit")                 /* store_entry_edit: text */                      \
    X(SYNC_OP_PIN, "pin")                   /* store_entry_pin: value = pinned */             \
    X(SYNC_OP_DELETE, "delete")             /* store_entry_delete */                          \
    X(SYNC_OP_KIND, "kind")                 /* store_entry_set_kind: value = kind */          \
    X(SYNC_OP_AT, "at")                     /* store_entry_set_at: at */                      \
    X(SYNC_OP_SEVERITY, "severity")         /* store_severity_set: value, text, at */         \
    X(SYNC_OP_ROLE, "role")                 /* store_role_assign: value, text, text2, at */   \
    X(SYNC_OP_PHASE, "phase")               /* store_phase_set: value, at */                  \
    X(SYNC_OP_MILESTONE, "milestone")       /* store_milestone_set: value, at */              \
    X(SYNC_OP_FACT, "fact")                 /* facts_set: value = fact, text */               \
    X(SYNC_OP_CAUSE_CONFIRMED, "confirmed") /* facts_confirm_cause: value */                  \
    X(SYNC_OP_TZ, "tz")                     /* facts_set_tz: text */                          \
    X(SYNC_OP_PM_FIELD, "pm_field")         /* store_pm_field_set: text = field, text2 */     \
    X(SYNC_OP_ACTION_ADD, "action_add")     /* store_action_add: action (uid set) */          \
    X(SYNC_OP_ACTION_UPDATE, "action_update") /* store_action_update: action, by uid */       \
    X(SYNC_OP_REOPEN, "reopen")             /* store_incident_reopen */                       \
    X(SYNC_OP_INCIDENT_OPEN, "incident_open") /* store_incident_open: text = title, text2 =  \
                                               * tz, text3 = services, at = started (on the   \
                                               * server only: its id is the server's) */

enum sync_op_kind {
#define SYNC_OP_X_ENUM(id, name) id,
    SYNC_OP_LIST(SYNC_OP_X_ENUM)
#undef SYNC_OP_X_ENUM
        SYNC_OP_COUNT
};

/*
 * One write. Strings are borrowed (the caller's, or the parsed JSON's). Entries are named by
 * uid, not id: an entry's local id changes when the server's copy arrives, its uid never does.
 * Times are the caller's (when the user acted), so a write replayed later on the server records
 * the same time.
 */
struct sync_op {
    enum sync_op_kind kind;
    int64_t incident_id;
    const char *author;
    char entry_uid[40]; /* the entry changed; SYNC_OP_INCIDENT_OPEN: the new incident's uid */
    int64_t at;
    int value;
    const char *text, *text2, *text3;
    struct action_item action; /* SYNC_OP_ACTION_*: uid names the item */
};

/* The kind's name ("severity"), for messages and the journal. */
const char *sync_op_name(enum sync_op_kind k);
/* What the write is, for a message ("a severity change", "an edit of an entry"). */
const char *sync_op_what(enum sync_op_kind k);

/* Run the write on store s (local or server). SYNC_OP_ENTRIES does nothing here: its rows are
 * written by the caller's own function and delivered by sync.c. Errors are the store call's. */
int sync_op_apply(struct store *s, const struct sync_op *op, struct wr_error *err);

/* The write as JSON text (malloc'd), and back. sync_op_parse fills op with pointers into *doc
 * (free it with sync_op_doc_free after op's last use). */
char *sync_op_json(const struct sync_op *op);
int sync_op_parse(const char *json, struct sync_op *op, void **doc, struct wr_error *err);
void sync_op_doc_free(void **doc);

#endif
