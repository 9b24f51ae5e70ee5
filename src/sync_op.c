/* sync_op.c: the cockpit's writes as data: run on a store, to JSON for the journal and back. */
#include "sync_op.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "store_sync.h"

static const char *const op_names[SYNC_OP_COUNT] = {
#define SYNC_OP_X_NAME(id, name) name,
    SYNC_OP_LIST(SYNC_OP_X_NAME)
#undef SYNC_OP_X_NAME
};

const char *sync_op_name(enum sync_op_kind k)
{
    return k < SYNC_OP_COUNT ? op_names[k] : "?";
}

const char *sync_op_what(enum sync_op_kind k)
{
    switch (k) {
    case SYNC_OP_ENTRIES: return "an entry";
    case SYNC_OP_EDIT: return "an edit of an entry";
    case SYNC_OP_PIN: return "a pin of an entry";
    case SYNC_OP_DELETE: return "a deletion of an entry";
    case SYNC_OP_KIND: return "a kind change of an entry";
    case SYNC_OP_AT: return "a time change of an entry";
    case SYNC_OP_SEVERITY: return "a severity change";
    case SYNC_OP_ROLE: return "a role change";
    case SYNC_OP_PHASE: return "a phase change";
    case SYNC_OP_MILESTONE: return "a milestone";
    case SYNC_OP_FACT: return "a fact";
    case SYNC_OP_CAUSE_CONFIRMED: return "a cause confirmation";
    case SYNC_OP_TZ: return "a time zone change";
    case SYNC_OP_PM_FIELD: return "a worksheet field";
    case SYNC_OP_ACTION_ADD: return "a new action item";
    case SYNC_OP_ACTION_UPDATE: return "an action item change";
    case SYNC_OP_REOPEN: return "a reopening";
    case SYNC_OP_INCIDENT_OPEN: return "a new incident";
    case SYNC_OP_COUNT: break;
    }
    return "a change";
}

/* The entry named by op->entry_uid in store s, which must belong to the op's incident. */
static int entry_id(struct store *s, const struct sync_op *op, int64_t *id, struct wr_error *err)
{
    int64_t incident = 0;
    if (store_entry_find_uid(s, op->entry_uid, id, &incident, err) != 0)
        return -1;
    if (*id == 0 || incident != op->incident_id)
        return wr_fail(err, WR_E_NOT_FOUND, "the entry (uid %s) is not in incident %lld",
                       op->entry_uid, (long long)op->incident_id);
    return 0;
}

int sync_op_apply(struct store *s, const struct sync_op *op, struct wr_error *err)
{
    int64_t id = 0;
    const char *author = op->author ? op->author : MODEL_SYSTEM_AUTHOR;
    switch (op->kind) {
    case SYNC_OP_ENTRIES:
        return 0;
    case SYNC_OP_EDIT:
    case SYNC_OP_PIN:
    case SYNC_OP_DELETE:
    case SYNC_OP_KIND:
    case SYNC_OP_AT:
        if (entry_id(s, op, &id, err) != 0)
            return -1;
        if (op->kind == SYNC_OP_EDIT)
            return store_entry_edit(s, op->incident_id, id, op->text ? op->text : "", author,
                                    err);
        if (op->kind == SYNC_OP_PIN)
            return store_entry_pin(s, op->incident_id, id, op->value != 0, author, err);
        if (op->kind == SYNC_OP_DELETE)
            return store_entry_delete(s, op->incident_id, id, author, err);
        if (op->kind == SYNC_OP_KIND)
            return store_entry_set_kind(s, op->incident_id, id, (enum entry_kind)op->value,
                                        author, err);
        return store_entry_set_at(s, op->incident_id, id, op->at, author, err);
    case SYNC_OP_SEVERITY:
        return store_severity_set(s, op->incident_id, op->value, op->text, op->at, author, err);
    case SYNC_OP_ROLE:
        return store_role_assign(s, op->incident_id, (enum role)op->value, op->text, op->text2,
                                 op->at, author, err);
    case SYNC_OP_PHASE:
        return store_phase_set(s, op->incident_id, (enum phase)op->value, op->at, author, err);
    case SYNC_OP_MILESTONE:
        return store_milestone_set(s, op->incident_id, (enum milestone)op->value, op->at, author,
                                   err);
    case SYNC_OP_FACT:
        return facts_set(s, op->incident_id, (enum fact_id)op->value, op->text, author, err);
    case SYNC_OP_CAUSE_CONFIRMED:
        return facts_confirm_cause(s, op->incident_id, op->value != 0, author, err);
    case SYNC_OP_TZ:
        return facts_set_tz(s, op->incident_id, op->text ? op->text : "", author, err);
    case SYNC_OP_PM_FIELD:
        return store_pm_field_set(s, op->incident_id, op->text, op->text2 ? op->text2 : "",
                                  author, err);
    case SYNC_OP_ACTION_ADD: {
        struct action_item a = op->action;
        a.incident_id = op->incident_id;
        a.id = 0;
        return store_action_add(s, &a, err);
    }
    case SYNC_OP_ACTION_UPDATE: {
        struct action_item a = op->action;
        a.incident_id = op->incident_id;
        /* The item's source entry is named by the store's own id there. */
        if (store_action_find_uid(s, a.uid, &a.id, &a.source_entry_id, err) != 0)
            return -1;
        if (a.id == 0)
            return wr_fail(err, WR_E_NOT_FOUND, "the action item (uid %s) is not saved",
                           a.uid);
        return store_action_update(s, &a, err);
    }
    case SYNC_OP_REOPEN:
        return store_incident_reopen(s, op->incident_id, author, err);
    case SYNC_OP_INCIDENT_OPEN: {
        struct incident inc;
        incident_init(&inc);
        inc.title = (char *)op->text;
        inc.services = (char *)op->text3;
        snprintf(inc.tz, sizeof inc.tz, "%s", op->text2 ? op->text2 : "");
        if (op->entry_uid[0])
            snprintf(inc.uid, sizeof inc.uid, "%s", op->entry_uid);
        inc.created_ms = op->at;
        inc.milestones[MS_STARTED] = op->at;
        int64_t new_id;
        return store_incident_open(s, &inc, author, &new_id, err);
    }
    case SYNC_OP_COUNT:
        break;
    }
    return wr_fail(err, WR_E_INPUT, "unknown kind of change %d", (int)op->kind);
}

/* ---- JSON ---- */

static void add_text(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
}

char *sync_op_json(const struct sync_op *op)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "op", sync_op_name(op->kind));
    cJSON_AddNumberToObject(o, "incident", (double)op->incident_id);
    add_text(o, "author", op->author);
    if (op->entry_uid[0])
        cJSON_AddStringToObject(o, "entry", op->entry_uid);
    /* Times as text: a double cannot hold every int64 millisecond value. */
    char at[32];
    snprintf(at, sizeof at, "%lld", (long long)op->at);
    cJSON_AddStringToObject(o, "at", at);
    cJSON_AddNumberToObject(o, "value", op->value);
    add_text(o, "text", op->text);
    add_text(o, "text2", op->text2);
    add_text(o, "text3", op->text3);
    if (op->kind == SYNC_OP_ACTION_ADD || op->kind == SYNC_OP_ACTION_UPDATE) {
        const struct action_item *a = &op->action;
        cJSON *j = cJSON_AddObjectToObject(o, "action");
        if (j) {
            cJSON_AddStringToObject(j, "uid", a->uid);
            cJSON_AddStringToObject(j, "type", a->type);
            add_text(j, "description", a->description);
            add_text(j, "owner", a->owner);
            cJSON_AddStringToObject(j, "priority", a->priority);
            snprintf(at, sizeof at, "%lld", (long long)a->deadline_ms);
            cJSON_AddStringToObject(j, "deadline", at);
            cJSON_AddStringToObject(j, "status", a->status);
            add_text(j, "ticket", a->ticket);
            snprintf(at, sizeof at, "%lld", (long long)a->created_ms);
            cJSON_AddStringToObject(j, "created", at);
        }
    }
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static const char *get_text(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t get_time(const cJSON *o, const char *key)
{
    const char *t = get_text(o, key);
    return t ? strtoll(t, NULL, 10) : 0;
}

static void copy_fixed(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

int sync_op_parse(const char *json, struct sync_op *op, void **doc, struct wr_error *err)
{
    memset(op, 0, sizeof *op);
    *doc = NULL;
    cJSON *o = cJSON_Parse(json);
    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return wr_fail(err, WR_E_INPUT, "a change in the local journal is not readable JSON");
    }
    const char *name = get_text(o, "op");
    op->kind = SYNC_OP_COUNT;
    for (int k = 0; name && k < SYNC_OP_COUNT; k++)
        if (strcmp(name, op_names[k]) == 0)
            op->kind = (enum sync_op_kind)k;
    if (op->kind == SYNC_OP_COUNT) {
        cJSON_Delete(o);
        return wr_fail(err, WR_E_INPUT, "the local journal holds a change of unknown kind '%s'",
                       name ? name : "");
    }
    const cJSON *inc = cJSON_GetObjectItemCaseSensitive(o, "incident");
    op->incident_id = cJSON_IsNumber(inc) ? (int64_t)inc->valuedouble : 0;
    op->author = get_text(o, "author");
    copy_fixed(op->entry_uid, sizeof op->entry_uid, get_text(o, "entry"));
    op->at = get_time(o, "at");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "value");
    op->value = cJSON_IsNumber(v) ? v->valueint : 0;
    op->text = get_text(o, "text");
    op->text2 = get_text(o, "text2");
    op->text3 = get_text(o, "text3");
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, "action");
    if (cJSON_IsObject(j)) {
        struct action_item *a = &op->action;
        copy_fixed(a->uid, sizeof a->uid, get_text(j, "uid"));
        copy_fixed(a->type, sizeof a->type, get_text(j, "type"));
        a->description = (char *)get_text(j, "description");
        a->owner = (char *)get_text(j, "owner");
        copy_fixed(a->priority, sizeof a->priority, get_text(j, "priority"));
        a->deadline_ms = get_time(j, "deadline");
        copy_fixed(a->status, sizeof a->status, get_text(j, "status"));
        a->ticket = (char *)get_text(j, "ticket");
        a->created_ms = get_time(j, "created");
    }
    *doc = o;
    return 0;
}

void sync_op_doc_free(void **doc)
{
    if (!doc || !*doc)
        return;
    cJSON_Delete(*doc);
    *doc = NULL;
}
