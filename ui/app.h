/* app.h: the TUI's shared state and the one interface every panel and overlay implements. */
#ifndef WARROOM_UI_APP_H
#define WARROOM_UI_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "draw.h"
#include "lineedit.h"
#include "loop.h"
#include "model.h"
#include "severity.h"
#include "store.h"
#include "store_sync.h"
#include "sync.h"

struct tui;

/* A key as read from ncurses: a function key (KEY_* in `code`) or a character (`ch`). */
struct ui_key {
    bool fn;
    int code;
    uint32_t ch;
};
/* Apply an editing key (cursor moves, deletions, Ctrl-A/E/W/U/K, printable text) to a text
 * field; false when the key is not an editing key. In ui/keymap.c. */
struct lineedit;
bool ui_field_key(struct lineedit *le, const struct ui_key *k);
#define UI_CTRL(c) ((uint32_t)((c) & 0x1f))
#define UI_ESC 27u

/*
 * One table of functions per panel or overlay (tig's view_ops, htop's PanelClass). Main-screen
 * panels are laid out top to bottom; overlays are stacked above them and get the keys first.
 * Every op may be NULL.
 */
struct ui_view_ops {
    const char *name;
    /* Main-screen panels: rows needed at least and wanted at this screen size; want < 0 takes
     * whatever is left. */
    void (*size)(struct tui *t, void *state, int rows, int cols, int *min_rows, int *want_rows);
    /* Draw inside r (r.h or r.w may be 0: draw nothing). Overlays get the whole screen. */
    void (*draw)(struct tui *t, void *state, struct ui_rect r);
    /* A key reached this view; true when consumed. An overlay consumes everything it is given.
     * A main-screen panel that consumes a key is redrawn with the status line; one whose key
     * changed anything else calls tui_dirty. */
    bool (*key)(struct tui *t, void *state, const struct ui_key *k);
    /* The incident (or another incident) was loaded, or its data changed: refetch. */
    void (*reload)(struct tui *t, void *state);
    /* What the view shows changed by itself (a clock, a countdown, an age): called when
     * next_tick said, or once a second for a view without next_tick. */
    void (*tick)(struct tui *t, void *state);
    /* Real milliseconds until what this view shows next changes by itself, or -1 when only
     * events change it (wr_clock_wait_ms turns a wall-clock time into this). The loop sleeps
     * until the soonest view's time, then calls its tick, or redraws it when it has no tick:
     * an idle cockpit wakes when something on screen changes, not every second. */
    int64_t (*next_tick)(struct tui *t, void *state);
    /* Where the terminal cursor goes when this view has the focus; false hides it. */
    bool (*cursor)(struct tui *t, void *state, int *y, int *x);
    /* Free the state. */
    void (*destroy)(void *state);
};

struct ui_view {
    const struct ui_view_ops *ops;
    void *state;
    struct ui_rect rect;
    int priority; /* main panels: smaller keeps its rows when the screen is short */
};

enum tui_mode {
    MODE_INPUT = 1u << 0,   /* typing in the input line (the default) */
    MODE_COMMAND = 1u << 1, /* single-key commands */
};

/* Optional hooks later features fill (the comms issue sets next_update). */
struct tui_hooks {
    /* Text for the header's next-update countdown; return false to leave the slot empty. */
    bool (*next_update)(struct tui *t, char *buf, size_t n, enum ui_style *style);
};

struct timeline;

#define TUI_MAX_PANELS 8
#define TUI_MAX_OVERLAYS 8

struct tui {
    const struct tui_request *req;
    struct store *store;
    struct loop *loop;
    const char *author;

    /* The incident on screen; id 0 when none (picker). */
    struct incident inc;
    bool read_only; /* closed incident opened for reading */
    char ic_name[128];

    enum tui_mode mode;
    struct lineedit *editor;
    bool utc;

    struct ui_view panels[TUI_MAX_PANELS]; /* screen order, top to bottom */
    int n_panels;
    struct ui_view overlays[TUI_MAX_OVERLAYS];
    int n_overlays;
    struct timeline *timeline; /* the timeline panel's state, for the key bindings */
    struct sev_policy policy; /* severity matrix, triggers, cadence (loaded at start) */
    bool policy_ok;           /* false: the policy failed to load (policy_error says why) */
    char policy_error[512];
    struct tui_hooks hooks;
    struct tui_sli *sli;      /* SLI config, set and fetcher (sli_panels.c); NULL when none */
    struct export_job *export_job; /* the export being written (export.c); NULL when none */
    struct tui_comms *comms;  /* destinations, delivery, countdown (overlay_comms.c) */

    char message[512]; /* status-line message (sanitised) */
    bool message_error;
    unsigned message_gen; /* editor generation when the message was set */
    int message_frame;    /* frames drawn when it was set (a prompt shows newer errors) */

    bool dirty, relayout, quit;
    bool input_ended; /* headless run whose stdin reached its end: quit after this frame */
    unsigned damage; /* main panels (bit i: panels[i]) to redraw when not dirty */
    int frames, full_frames; /* drawn, and of those redrawn whole */
    int clock_timer;         /* the next view tick (next_tick), 0 when none */
    int64_t clock_last_mono; /* when views were last ticked: at most once a real second */
    int64_t data_version;
    int check_timer; /* pending coalesced data-version check, 0 when none */
    int inotify_fd;

    /* Team mode (a PostgreSQL target): `store` is this laptop's replica, and the worker sends
     * its journal and brings the server's changes (ui/team.c). NULL on SQLite. */
    struct sync *sync;
    struct sync_status sync_status;
    struct store_journal_entry *journal_entries; /* the open incident's unsent/refused entries */
    size_t n_journal_entries;
    int64_t journal_pending, journal_failed;
    /* A server that hangs with its connection open fails nothing: pending changes that have
     * not gone down for TEAM_STALL_MS while "connected" say "no answer since" instead. */
    int64_t stall_since_ms; /* wall clock of the last progress (or of the first pending) */
    int stall_timer;        /* 0 when none */
    bool stalled;
};

/* Show a one-line message in the status line (error=true draws it as an error). */
void tui_message(struct tui *t, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Request a redraw before the loop sleeps. */
void tui_dirty(struct tui *t);
/* Request a redraw of the one main-screen panel with these ops, when nothing else changed
 * (cheaper than tui_dirty: typing redraws the input and status lines, not the timeline). */
void tui_dirty_view(struct tui *t, const struct ui_view_ops *ops);
/* Push an overlay (takes ownership of state; destroyed on failure). Returns 0 or -1. */
int tui_push_overlay(struct tui *t, const struct ui_view_ops *ops, void *state);
/* Close the top overlay. */
void tui_pop_overlay(struct tui *t);
/* Load incident `id` and reload every panel. Closed incidents open read-only. */
int tui_open_incident(struct tui *t, int64_t id, struct wr_error *err);
/* Reopen a closed incident in the store (the caller reloads). */
int tui_reopen_incident(struct tui *t, int64_t id, struct wr_error *err);
/* Re-read the incident and tell every panel its data changed (after our own writes). */
void tui_reload(struct tui *t);
/* Quit, asking first when the editor holds unsaved text. */
void tui_request_quit(struct tui *t);
/* Switch between typing and single-key commands. */
void tui_set_mode(struct tui *t, enum tui_mode m);

/* ---- writes and team mode (ui/team.c) ---- */
/* Every write the cockpit makes goes through here: on SQLite it is the store call itself
 * (sync_op_apply, or fn); in team mode the same call on the replica plus its journal row in one
 * local transaction, sent to the server by the worker. Errors are the local write's. */
int tui_write(struct tui *t, const struct sync_op *op, struct wr_error *err);
/* The same for a write sync_op cannot name (typed entries, comms): fn(store, ctx) makes it;
 * op says how the server gets it (SYNC_OP_ENTRIES: its entries and outbox rows as written). */
int tui_write_fn(struct tui *t, const struct sync_op *op, sync_local_fn fn, void *ctx,
                 struct wr_error *err);
/* Team mode, before curses: open this laptop's replica of `target` as t->store, start the
 * worker, and when incident_id is not copied whole yet, wait for it (printing progress). */
int tui_team_open(struct tui *t, const char *target, int64_t incident_id, struct wr_error *err);
/* Watch the worker's wake fd in the loop (no-op on SQLite). Returns 0 or -1. */
int tui_team_start(struct tui *t);
/* Keep the open incident current (after opening one). */
void tui_team_follow(struct tui *t);
/* Stop the worker (its journal stays on disk). */
void tui_team_stop(struct tui *t);
/* Re-read the open incident's journal marks and the pending/refused counts. */
void tui_team_refresh(struct tui *t);
/* 0, or 1 when entry e waits in the journal, 2 when the server refused it. */
int tui_entry_mark(const struct tui *t, const struct entry *e);
/* The header's connection segment ("connected", "reconnecting since 10:42, 3 pending");
 * false on SQLite. */
bool tui_team_status(struct tui *t, char *buf, size_t n, enum ui_style *style);

/* ---- key bindings: one table, read by the dispatcher and by the help overlay ---- */
struct ui_binding {
    unsigned modes;       /* MODE_* bits where the key applies */
    bool fn;              /* match ui_key.fn/code, else ui_key.ch */
    int code;
    uint32_t ch;
    const char *keyname;  /* as shown in help: "PgUp", "Ctrl-W" */
    const char *help;     /* what it does */
    void (*run)(struct tui *t); /* NULL: documented here, handled by the focused view */
};
/* The table (terminated by keyname == NULL). */
extern const struct ui_binding tui_bindings[];
/* Run the binding for k in the current mode; false when none matched. */
bool tui_run_binding(struct tui *t, const struct ui_key *k);

/* ---- panel and overlay constructors (each module fills ops + state) ---- */
int header_view_open(struct tui *t, struct ui_view *v);
int sli_view_open(struct tui *t, struct ui_view *v);
int timeline_view_open(struct tui *t, struct ui_view *v);
int input_view_open(struct tui *t, struct ui_view *v);
int status_view_open(struct tui *t, struct ui_view *v);

int help_overlay_open(struct tui *t);
/* Ask a yes/no question; on_yes runs on 'y'. */
int confirm_overlay_open(struct tui *t, const char *question, void (*on_yes)(struct tui *t));
/* Incident picker (full screen). */
int picker_overlay_open(struct tui *t);
int newinc_overlay_open(struct tui *t);
/* One-line prompt over the status line; on_submit gets the text (may be empty). */
int prompt_overlay_open(struct tui *t, const char *label, const char *initial,
                        void (*on_submit)(struct tui *t, const char *text));
/* Kind filter menu for the timeline. */
int kindmenu_overlay_open(struct tui *t);

/* ---- incident state: severity, roles, phase, milestones (overlay_state.c) ---- */
/* Load the severity policy: WARROOM_DATA_DIR/severity.json (or $WARROOM_DATA_DIR), then the
 * user's $XDG_CONFIG_HOME/warroom/severity.json on top. Failure leaves policy_ok false. */
void tui_policy_load(struct tui *t);
/* Severity dialog: the matrix, triggers, live result and rationale; d sets a level directly. */
int severity_overlay_open(struct tui *t);
/* Roles dialog: who holds what; pick a role, type a name (and a handoff note), Enter assigns. */
int roles_overlay_open(struct tui *t);
/* Ask to advance to the next phase; y records it. */
void tui_phase_advance(struct tui *t);
/* Info overlay: milestones (settable to now), durations, time in each severity, roles. */
int info_overlay_open(struct tui *t);

/* ---- SLI panels (sli_panels.c) ---- */
/* Load the config (req->config_path or the default path), build one panel per SLI and wire
 * the fetcher into the loop. No config: the area says how to add one; a broken config: the
 * area shows the one-line error. Never fails the TUI. */
void tui_sli_start(struct tui *t);
/* Free the fetcher (while the loop still exists), the panels and the config. */
void tui_sli_stop(struct tui *t);
/* Store a snapshot of every panel as a KIND_SLI timeline entry (summary as text, JSON as
 * data). reason NULL: the user asked (F5); else an automatic snapshot, noted in brackets and
 * silently skipped when no SLIs are configured. Call it after setting a milestone.
 * Returns 0, or -1 after showing why in the status line. */
int tui_sli_snapshot(struct tui *t, const char *reason);
/* The panels as a snapshot's JSON (sli_set_json) taken now, for a message's figures; NULL when
 * no SLI is configured or none has a value yet (the newest stored snapshot is used then). */
char *tui_sli_live_json(struct tui *t);
/* Refresh every SLI now (their in-flight requests continue). */
void tui_sli_refresh(struct tui *t);
/* The SLI configuration in use (the postmortem's graphs read it); NULL when none. */
struct config;
const struct config *tui_sli_config(struct tui *t);

/* ---- stakeholder updates (overlay_comms.c) ---- */
/* Load the destinations, deliver the outbox from the loop, record overdue updates and fill
 * hooks.next_update (countdown and outbox count). Never fails the TUI. */
void tui_comms_start(struct tui *t);
/* Free the delivery engine (while the loop still exists) and the config. */
void tui_comms_stop(struct tui *t);
/* The database changed (ours or another process's write): look at the outbox and the
 * update cadence again, instead of polling them. */
void tui_comms_changed(struct tui *t);
/* Compose dialog: the due template preselected, preview, edit, destinations, Enter sends. */
int comms_overlay_open(struct tui *t);

/* ---- the entry under the timeline's cursor (entry_actions.c) ---- */
/* Each makes one revision through the same store call as `warroom edit/rm/pin`, then reloads. */
void entry_action_edit(struct tui *t);    /* prompt prefilled with the text; Enter saves */
void entry_action_delete(struct tui *t);  /* asks, then soft-deletes */
void entry_action_pin(struct tui *t);     /* pin or unpin */
void entry_action_kind(struct tui *t);    /* menu of the typeable kinds */
void entry_action_time(struct tui *t);    /* prompt for when it happened (@TIME forms) */
void entry_action_history(struct tui *t); /* every revision, read-only */

/* ---- incident facts (overlay_facts.c) ---- */
/* Facts dialog: each fact with its value or warroom's proposal; Enter edits (Up/Down recall
 * earlier values), a accepts the proposal, c confirms the cause, x clears; the time zone too. */
int facts_overlay_open(struct tui *t);

/* ---- export from the cockpit (export.c) ---- */
/* Write the postmortem (Markdown + SVG graphs) and the incident JSON, measured to the cockpit's
 * clock (the demo's virtual one), into ./INC-<id>-export/ (else under $HOME), on a thread of its
 * own with its own database connection: the cockpit keeps drawing and taking keys, and the
 * status line says where the files went when they are written. One export at a time. */
void tui_export(struct tui *t);
/* True while an export is being written (quitting then waits for it: tui_export_stop). */
bool tui_export_running(const struct tui *t);
/* Wait for an export still being written (at quit, before the SLI configuration it reads is
 * freed). */
void tui_export_stop(struct tui *t);

/* ---- postmortem (overlay_worksheet.c) ---- */
/* Worksheet overlay: fields with a line editor (Enter edits, Enter saves), Tab: action items. */
int worksheet_overlay_open(struct tui *t);

#endif
