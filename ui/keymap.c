/* keymap.c: every key binding in one table; the dispatcher and the help overlay both read it. */
#include <curses.h>
#include <inttypes.h>

#include "app.h"
#include "sli.h"
#include "timeline.h"

static void act_help(struct tui *t) { help_overlay_open(t); }
static void act_command_mode(struct tui *t)
{
    tui_set_mode(t, MODE_COMMAND);
    timeline_cursor_ensure(t); /* the cursor starts on the newest entry: Esc e edits it */
}
static void act_input_mode(struct tui *t)
{
    if (t->read_only) {
        tui_message(t, true, "INC-%" PRId64 " is closed and read-only: R reopens it", t->inc.id);
        return;
    }
    tui_set_mode(t, MODE_INPUT);
}
static void act_quit(struct tui *t) { tui_request_quit(t); }
static void act_redraw(struct tui *t)
{
    clearok(curscr, TRUE);
    tui_dirty(t);
}
static void act_page_up(struct tui *t) { timeline_page(t, -1); }
static void act_page_down(struct tui *t) { timeline_page(t, 1); }
static void act_line_up(struct tui *t) { timeline_cursor(t, -1); }
static void act_line_down(struct tui *t) { timeline_cursor(t, 1); }
static void act_entry_edit(struct tui *t) { entry_action_edit(t); }
static void act_entry_delete(struct tui *t) { entry_action_delete(t); }
static void act_entry_pin(struct tui *t) { entry_action_pin(t); }
static void act_entry_kind(struct tui *t) { entry_action_kind(t); }
static void act_entry_time(struct tui *t) { entry_action_time(t); }
static void act_entry_history(struct tui *t) { entry_action_history(t); }
static void act_facts(struct tui *t) { facts_overlay_open(t); }
static void act_export(struct tui *t) { tui_export(t); }
static void act_top(struct tui *t) { timeline_top(t); }
static void act_bottom(struct tui *t) { timeline_bottom(t); }
static void on_search(struct tui *t, const char *text) { timeline_search(t, text); }
static void act_search(struct tui *t)
{
    prompt_overlay_open(t, "Search: ", timeline_search_text(t), on_search);
}
static void act_next_match(struct tui *t) { timeline_search_next(t, true); }
static void act_prev_match(struct tui *t) { timeline_search_next(t, false); }
static void act_filter(struct tui *t) { kindmenu_overlay_open(t); }
static void act_pin_older(struct tui *t) { timeline_pinned_next(t, true); }
static void act_pin_newer(struct tui *t) { timeline_pinned_next(t, false); }
static void act_toggle_utc(struct tui *t)
{
    t->utc = !t->utc;
    tui_message(t, false, "Times shown in %s", t->utc ? "UTC" : "local time");
    tui_dirty(t);
}
static void act_escape(struct tui *t)
{
    timeline_clear_selection(t);
    t->message[0] = '\0';
}
static void act_picker(struct tui *t) { picker_overlay_open(t); }
static void act_sli_snapshot(struct tui *t) { tui_sli_snapshot(t, NULL); }
static void act_sli_page(struct tui *t) { sli_area_next_page(t); }
static void act_sli_refresh(struct tui *t) { tui_sli_refresh(t); }
static void act_severity(struct tui *t) { severity_overlay_open(t); }
static void act_roles(struct tui *t) { roles_overlay_open(t); }
static void act_phase(struct tui *t) { tui_phase_advance(t); }
static void act_info(struct tui *t) { info_overlay_open(t); }
static void act_comms(struct tui *t) { comms_overlay_open(t); }
static void act_worksheet(struct tui *t) { worksheet_overlay_open(t); }
static void act_reopen(struct tui *t)
{
    struct wr_error err;
    wr_error_clear(&err);
    if (t->inc.id == 0 || !t->read_only) {
        tui_message(t, false, "This incident is open");
        return;
    }
    if (tui_reopen_incident(t, t->inc.id, &err) < 0) {
        tui_message(t, true, "%s", err.msg);
        return;
    }
    tui_reload(t);
    tui_set_mode(t, MODE_INPUT);
    tui_message(t, false, "INC-%" PRId64 " reopened", t->inc.id);
}

#define BOTH (MODE_INPUT | MODE_COMMAND)
#define FN(c) true, (c), 0
#define CH(c) false, 0, (uint32_t)(c)

/* Order matters only for help (and the first match wins). Later features add their rows here:
 * F2 severity, F3 roles, F4 phase, F5 SLI snapshot, F6 comms, F7 postmortem. */
const struct ui_binding tui_bindings[] = {
    {BOTH, FN(KEY_F(1)), "F1", "help: this list of keys", act_help},
    {BOTH, FN(KEY_PPAGE), "PgUp", "scroll the timeline up a page (older)", act_page_up},
    {BOTH, FN(KEY_NPAGE), "PgDn", "scroll the timeline down a page (newer)", act_page_down},
    {BOTH, CH(UI_CTRL('l')), "Ctrl-L", "redraw the screen", act_redraw},
    {BOTH, FN(KEY_F(2)), "F2", "severity: matrix and triggers, or d to set it directly", act_severity},
    {BOTH, FN(KEY_F(3)), "F3", "roles: assign or hand off (IC, comms, ops, SMEs, scribe)", act_roles},
    {BOTH, FN(KEY_F(4)), "F4", "advance to the next phase (asks y/n)", act_phase},
    {BOTH, FN(KEY_F(5)), "F5", "store a snapshot of the SLI panels in the timeline", act_sli_snapshot},
    {BOTH, FN(KEY_F(6)), "F6", "stakeholder update: the due one preselected, Enter Enter sends", act_comms},
    {BOTH, FN(KEY_F(7)), "F7", "postmortem worksheet: fields (Enter edits) and action items (Tab)", act_worksheet},
    {BOTH, FN(KEY_F(8)), "F8", "incident info: milestones (1-6 set now), durations, roles", act_info},
    {BOTH, FN(KEY_F(9)), "F9", "incident facts: summary, symptom, cause, mitigation, next step, time zone", act_facts},
    {BOTH, FN(KEY_F(10)), "F10", "export the postmortem and the incident JSON now; says where", act_export},

    {MODE_INPUT, CH(UI_ESC), "Esc", "switch to commands (single keys)", act_command_mode},
    {MODE_INPUT, CH('\r'), "Enter", "save the line as a timeline entry", NULL},
    {MODE_INPUT, FN(KEY_LEFT), "Left/Right", "move by character", NULL},
    {MODE_INPUT, FN(KEY_HOME), "Home/Ctrl-A", "start of the line", NULL},
    {MODE_INPUT, FN(KEY_END), "End/Ctrl-E", "end of the line", NULL},
    {MODE_INPUT, FN(KEY_UP), "Up/Down", "previous/next line saved this session", NULL},
    {MODE_INPUT, FN(KEY_BACKSPACE), "Backspace/Del", "delete before/under the cursor", NULL},
    {MODE_INPUT, CH(UI_CTRL('w')), "Ctrl-W", "delete the word before the cursor", NULL},
    {MODE_INPUT, CH(UI_CTRL('u')), "Ctrl-U", "delete to the start of the line", NULL},
    {MODE_INPUT, CH(UI_CTRL('k')), "Ctrl-K", "delete to the end of the line", NULL},

    {MODE_COMMAND, CH('i'), "i or Enter", "back to the input line", act_input_mode},
    {MODE_COMMAND, CH('\r'), "Enter", NULL, act_input_mode},
    {MODE_COMMAND, FN(KEY_ENTER), "Enter", NULL, act_input_mode},
    {MODE_COMMAND, CH('q'), "q", "quit (asks first if the input line holds text)", act_quit},
    {MODE_COMMAND, CH('?'), "?", "help: this list of keys", act_help},
    {MODE_COMMAND, CH('/'), "/", "search the timeline text", act_search},
    {MODE_COMMAND, CH('n'), "n", "previous (older) match", act_next_match},
    {MODE_COMMAND, CH('N'), "N", "next (newer) match", act_prev_match},
    {MODE_COMMAND, CH('f'), "f", "filter the timeline by kind", act_filter},
    {MODE_COMMAND, CH('p'), "p", "previous (older) pinned entry", act_pin_older},
    {MODE_COMMAND, CH('P'), "P", "next (newer) pinned entry", act_pin_newer},
    {MODE_COMMAND, CH('t'), "t", "times in local time or UTC", act_toggle_utc},
    {MODE_COMMAND, CH('g'), "g or Home", "oldest entry", act_top},
    {MODE_COMMAND, FN(KEY_HOME), "Home", NULL, act_top},
    {MODE_COMMAND, CH('G'), "G or End", "newest entry, follow new ones", act_bottom},
    {MODE_COMMAND, FN(KEY_END), "End", NULL, act_bottom},
    {MODE_COMMAND, FN(KEY_UP), "Up/k", "cursor to the older entry", act_line_up},
    {MODE_COMMAND, CH('k'), "k", NULL, act_line_up},
    {MODE_COMMAND, FN(KEY_DOWN), "Down/j", "cursor to the newer entry", act_line_down},
    {MODE_COMMAND, CH('j'), "j", NULL, act_line_down},
    {MODE_COMMAND, CH('e'), "e", "edit the entry under the cursor (old text kept in its history)", act_entry_edit},
    {MODE_COMMAND, CH('d'), "d or Del", "delete the entry under the cursor (asks; history kept)", act_entry_delete},
    {MODE_COMMAND, FN(KEY_DC), "Del", NULL, act_entry_delete},
    {MODE_COMMAND, CH('*'), "*", "pin or unpin the entry under the cursor as a key event", act_entry_pin},
    {MODE_COMMAND, CH('K'), "K", "change the kind of the entry under the cursor", act_entry_kind},
    {MODE_COMMAND, CH('@'), "@", "change when the entry under the cursor happened (backdate)", act_entry_time},
    {MODE_COMMAND, CH('H'), "H", "history of the entry under the cursor (every revision)", act_entry_history},
    {MODE_COMMAND, CH('F'), "F", "incident facts (as F9)", act_facts},
    {MODE_COMMAND, CH('x'), "x", "export the postmortem and the incident JSON (as F10)", act_export},
    {MODE_COMMAND, CH('o'), "o", "open another incident (picker)", act_picker},
    {MODE_COMMAND, CH('s'), "s", "severity dialog (as F2)", act_severity},
    {MODE_COMMAND, CH('r'), "r", "roles dialog (as F3)", act_roles},
    {MODE_COMMAND, CH('a'), "a", "advance the phase (as F4)", act_phase},
    {MODE_COMMAND, CH('I'), "I", "incident info (as F8)", act_info},
    {MODE_COMMAND, CH('S'), "S", "SLI snapshot to the timeline (as F5)", act_sli_snapshot},
    {MODE_COMMAND, CH('c'), "c", "stakeholder update (as F6)", act_comms},
    {MODE_COMMAND, CH('w'), "w", "postmortem worksheet (as F7)", act_worksheet},
    {MODE_COMMAND, CH(']'), "]", "next page of SLI panels", act_sli_page},
    {MODE_COMMAND, CH('u'), "u", "update (refetch) the SLI panels now", act_sli_refresh},
    {MODE_COMMAND, CH('R'), "R", "reopen a closed incident", act_reopen},
    {MODE_COMMAND, CH(UI_ESC), "Esc", "clear the highlighted match and message", act_escape},
    {0, false, 0, 0, NULL, NULL, NULL},
};

bool tui_run_binding(struct tui *t, const struct ui_key *k)
{
    for (const struct ui_binding *b = tui_bindings; b->keyname; b++) {
        if (!(b->modes & t->mode) || !b->run)
            continue;
        if (b->fn ? (k->fn && k->code == b->code) : (!k->fn && k->ch == b->ch)) {
            b->run(t);
            return true;
        }
    }
    return false;
}

/* The editing keys every text field shares (the input line adds history and more). */
bool ui_field_key(struct lineedit *le, const struct ui_key *k)
{
    if (k->fn) {
        switch (k->code) {
        case KEY_LEFT: lineedit_left(le); return true;
        case KEY_RIGHT: lineedit_right(le); return true;
        case KEY_HOME: lineedit_home(le); return true;
        case KEY_END: lineedit_end(le); return true;
        case KEY_BACKSPACE: lineedit_backspace(le); return true;
        case KEY_DC: lineedit_delete(le); return true;
        default: return false;
        }
    }
    switch (k->ch) {
    case UI_CTRL('a'): lineedit_home(le); return true;
    case UI_CTRL('e'): lineedit_end(le); return true;
    case UI_CTRL('w'): lineedit_kill_word(le); return true;
    case UI_CTRL('u'): lineedit_kill_to_start(le); return true;
    case UI_CTRL('k'): lineedit_kill_to_end(le); return true;
    case UI_CTRL('h'):
    case 127: lineedit_backspace(le); return true;
    default:
        if (k->ch < 0x20)
            return false;
        lineedit_insert_cp(le, k->ch); /* refused (too long) leaves the text as it is */
        return true;
    }
}
