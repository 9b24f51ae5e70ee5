/* overlay_state.c: the incident's state dialogs: severity matrix, roles, phase advance, info. */
#include <curses.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "cells.h"
#include "paths.h"

/* ---- shared helpers ---- */

static bool key_is(const struct ui_key *k, uint32_t ch) { return !k->fn && k->ch == ch; }
static bool key_fn(const struct ui_key *k, int code) { return k->fn && k->code == code; }
static bool key_enter(const struct ui_key *k)
{
    return key_fn(k, KEY_ENTER) || key_is(k, '\r') || key_is(k, '\n');
}
static int key_digit(const struct ui_key *k, int lo, int hi)
{
    if (k->fn || k->ch < (uint32_t)('0' + lo) || k->ch > (uint32_t)('0' + hi))
        return -1;
    return (int)(k->ch - '0');
}


/* Draw a text field of width w at (y, x); returns the cursor column (screen) for it. */
static int draw_field(int y, int x, int w, struct lineedit *le, int attr)
{
    if (w <= 0)
        return x;
    size_t start;
    int col;
    draw_fill(y, x, w, attr);
    lineedit_layout(le, w, &start, &col);
    draw_text(y, x, w, lineedit_text(le) + start, attr);
    return x + col;
}

/* The text of a field with surrounding blanks removed (malloc'd; NULL on out of memory). */
static char *field_text(struct lineedit *le)
{
    char *s = strdup(lineedit_text(le));
    if (s) {
        char *tr = wr_trim(s);
        memmove(s, tr, strlen(tr) + 1);
    }
    return s;
}

/* Refuse changes to a closed incident (or no incident); true when refused. */
static bool refuse_change(struct tui *t)
{
    if (t->inc.id == 0) {
        tui_message(t, true, "No incident is open: o picks one");
        return true;
    }
    if (t->read_only) {
        tui_message(t, true, "INC-%" PRId64 " is closed and read-only: R reopens it", t->inc.id);
        return true;
    }
    return false;
}

/* Draw wrapped text over at most max_rows rows; returns the rows used. */
static int draw_wrapped(int y, int x, int w, int max_rows, const char *text, int attr)
{
    size_t len = strlen(text), pos = 0;
    int rows = 0;
    while (pos < len && rows < max_rows && w > 0) {
        while (pos < len && text[pos] == ' ')
            pos++;
        size_t fit = cells_fit(text + pos, len - pos, (size_t)w, NULL);
        if (pos + fit < len) {
            size_t cut = fit;
            while (cut > 0 && text[pos + cut] != ' ')
                cut--;
            if (cut > 0)
                fit = cut;
        }
        if (fit == 0)
            break;
        draw_textn(y + rows, x, w, text + pos, fit, attr);
        pos += fit;
        rows++;
    }
    return rows;
}

void tui_policy_load(struct tui *t)
{
    char user[PATH_MAX] = "", def[PATH_MAX];
    struct wr_error err;
    wr_error_clear(&err);
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && *xdg == '/')
        snprintf(user, sizeof user, "%s/warroom/severity.json", xdg);
    else if (home && *home)
        snprintf(user, sizeof user, "%s/.config/warroom/severity.json", home);
    snprintf(def, sizeof def, "%s/severity.json", paths_data_dir());
    t->policy_ok = sev_policy_load(&t->policy, def, *user && access(user, F_OK) == 0 ? user : NULL,
                                   &err) == 0;
    if (!t->policy_ok) {
        snprintf(t->policy_error, sizeof t->policy_error, "%s", err.msg);
        tui_message(t, true, "severity matrix unavailable: %s", err.msg);
    }
}

/* ---- severity dialog ---- */

struct sevdlg {
    int row, col;       /* matrix cell under the cursor */
    unsigned triggers;  /* SEV_TRIGGER_BIT mask */
    struct sev_result res;
    bool res_ok;
    bool direct;        /* d: set a level directly */
    int direct_sev;     /* 0 until a digit picks it */
    struct lineedit *reason;
    int cursor_y, cursor_x;
};

static void sevdlg_classify(struct tui *t, struct sevdlg *d)
{
    d->res_ok = t->policy_ok && sev_classify(&t->policy, d->row, d->col, d->triggers, &d->res) == 0;
}

/* Start from the cell and triggers of the last matrix classification, when its rationale names
 * them (the classifier writes "ROW × COL → ..." and "; TRIGGER: ..."). */
static void sevdlg_preselect(struct tui *t, struct sevdlg *d)
{
    struct severity_change *hist = NULL;
    size_t n = 0;
    d->row = SEV_ROW_DEGRADED;
    d->col = SEV_COL_GT25;
    if (!t->policy_ok || store_severity_history(t->store, t->inc.id, &hist, &n, NULL) != 0 || n == 0)
        goto out;
    const char *why = hist[n - 1].rationale ? hist[n - 1].rationale : "";
    for (int r = 0; r < SEV_ROWS; r++)
        for (int c = 0; c < SEV_COLS; c++) {
            char prefix[160];
            snprintf(prefix, sizeof prefix, "%s \xc3\x97 %s \xe2\x86\x92 ", t->policy.row_labels[r],
                     t->policy.col_labels[c]);
            if (strncmp(why, prefix, strlen(prefix)) != 0)
                continue;
            d->row = r;
            d->col = c;
            for (int k = 0; k < SEV_TRIGGER_COUNT; k++) {
                char label[80];
                snprintf(label, sizeof label, "; %s: ", t->policy.triggers[k].label);
                if (strstr(why, label))
                    d->triggers |= SEV_TRIGGER_BIT(k);
            }
            goto out;
        }
out:
    store_severity_history_free(&hist, n);
}

#define SEV_LABEL_W 24
#define SEV_CELL_W 12

static void sevdlg_draw_matrix(struct tui *t, struct sevdlg *d, struct ui_rect in, int *y)
{
    const struct sev_policy *p = &t->policy;
    for (int c = 0; c < SEV_COLS; c++) {
        int x = in.x + SEV_LABEL_W + c * SEV_CELL_W;
        if (x < in.x + in.w)
            draw_text(in.y + *y, x, in.x + in.w - x < SEV_CELL_W - 1 ? in.x + in.w - x : SEV_CELL_W - 1,
                      p->col_labels[c], draw_attr(STYLE_DIM) | A_BOLD);
    }
    (*y)++;
    for (int r = 0; r < SEV_ROWS && *y < in.h; r++, (*y)++) {
        int yy = in.y + *y;
        draw_text(yy, in.x + 1, SEV_LABEL_W - 2, p->row_labels[r], r == d->row ? A_BOLD : 0);
        for (int c = 0; c < SEV_COLS; c++) {
            char cell[16];
            bool here = r == d->row && c == d->col;
            snprintf(cell, sizeof cell, here ? "[ SEV%d ]" : "  SEV%d  ", p->matrix[r][c]);
            int attr = here ? draw_attr(STYLE_SELECTED) : draw_attr(draw_sev_style(p->matrix[r][c]));
            int x = in.x + SEV_LABEL_W + c * SEV_CELL_W;
            if (x < in.x + in.w)
                draw_text(yy, x, in.x + in.w - x, cell, here ? attr : (attr & ~(int)A_REVERSE));
        }
    }
}

static void sevdlg_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct sevdlg *d = state;
    struct ui_rect in = draw_box(draw_center(19, 78), "Severity");
    d->cursor_y = -1;
    if (in.h <= 0 || in.w <= 0)
        return;
    int y = 0;
    if (t->policy_ok) {
        sevdlg_draw_matrix(t, d, in, &y);
    } else {
        y += draw_wrapped(in.y, in.x + 1, in.w - 2, 3, t->policy_error, draw_attr(STYLE_ERROR));
        draw_text(in.y + y++, in.x + 1, in.w - 2, "The matrix is unavailable; d sets a level directly.", 0);
    }
    y++;
    if (t->policy_ok && y + 2 < in.h) {
        draw_text(in.y + y++, in.x + 1, in.w - 2, "Escalation triggers (1-4 toggle):", A_BOLD);
        for (int k = 0; k < SEV_TRIGGER_COUNT && y < in.h; k++) {
            char line[96];
            snprintf(line, sizeof line, "[%c] %d %s", d->triggers & SEV_TRIGGER_BIT(k) ? 'x' : ' ',
                     k + 1, t->policy.triggers[k].label);
            int half = (in.w - 2) / 2;
            draw_text(in.y + y, in.x + 1 + (k % 2) * half, half - 1, line,
                      d->triggers & SEV_TRIGGER_BIT(k) ? A_BOLD : 0);
            if (k % 2 == 1)
                y++;
        }
        y++;
    }
    if (y >= in.h)
        return;
    if (d->direct) {
        if (d->direct_sev == 0) {
            draw_text(in.y + y++, in.x + 1, in.w - 2, "Set directly: press 1-4 for SEV1..SEV4", A_BOLD);
        } else {
            char label[32];
            snprintf(label, sizeof label, "SEV%d because: ", d->direct_sev);
            int lw = draw_text(in.y + y, in.x + 1, in.w - 2, label, draw_attr(draw_sev_style(d->direct_sev)));
            d->cursor_y = in.y + y;
            d->cursor_x = draw_field(in.y + y, in.x + 1 + lw, in.w - 2 - lw, d->reason, A_UNDERLINE);
            y++;
        }
    } else if (d->res_ok) {
        char result[128];
        const struct sev_level *lv = &t->policy.levels[d->res.severity - 1];
        int col = draw_text(in.y + y, in.x + 1, in.w - 2, "Result: ", A_BOLD);
        snprintf(result, sizeof result, " SEV%d ", d->res.severity);
        col += draw_text(in.y + y, in.x + 1 + col, in.w - 2 - col, result,
                         draw_attr(draw_sev_style(d->res.severity)));
        snprintf(result, sizeof result, " %s", lv->title);
        draw_text(in.y + y++, in.x + 1 + col, in.w - 2 - col, result, A_BOLD);
        y += draw_wrapped(in.y + y, in.x + 1, in.w - 2, in.h - y - 1 > 3 ? 3 : in.h - y - 1,
                          d->res.rationale, 0);
    }
    const char *hint = d->direct ? (d->direct_sev ? "Enter record  Esc back to the matrix"
                                                  : "1-4 level  Esc back to the matrix")
                                 : "arrows cell  1-4 triggers  Enter record  d set directly  Esc cancel";
    draw_text(in.y + in.h - 1, in.x + 1, in.w - 2, hint, draw_attr(STYLE_DIM));
}

static void sevdlg_record(struct tui *t, int sev, const char *rationale)
{
    struct wr_error err;
    wr_error_clear(&err);
    tui_pop_overlay(t); /* the dialog's state is gone after this: args are copies */
    struct sync_op op = {.kind = SYNC_OP_SEVERITY, .incident_id = t->inc.id, .author = t->author,
                         .at = wr_now_ms(), .value = sev, .text = rationale};
    if (tui_write(t, &op, &err) != 0) {
        tui_message(t, true, "%s", err.msg);
        return;
    }
    tui_reload(t);
    tui_message(t, false, "Severity set to %s", sev_name(sev));
}

static bool sevdlg_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct sevdlg *d = state;
    tui_dirty(t);
    if (d->direct) {
        int digit = key_digit(k, 1, 4);
        if (key_is(k, UI_ESC)) {
            if (!t->policy_ok)
                tui_pop_overlay(t);
            else
                d->direct = false;
        } else if (d->direct_sev == 0) {
            if (digit > 0)
                d->direct_sev = digit;
        } else if (key_enter(k)) {
            char *why = field_text(d->reason);
            char rationale[1100];
            snprintf(rationale, sizeof rationale, "%s", why && *why ? why : "set directly (no reason given)");
            free(why);
            sevdlg_record(t, d->direct_sev, rationale);
        } else {
            ui_field_key(d->reason, k);
        }
        return true;
    }
    int digit = key_digit(k, 1, SEV_TRIGGER_COUNT);
    if (key_is(k, UI_ESC) || key_is(k, 'q')) {
        tui_pop_overlay(t); /* d is freed: nothing below may touch it */
        return true;
    } else if (key_fn(k, KEY_UP) || key_is(k, 'k')) {
        d->row = d->row > 0 ? d->row - 1 : 0;
    } else if (key_fn(k, KEY_DOWN) || key_is(k, 'j')) {
        d->row = d->row < SEV_ROWS - 1 ? d->row + 1 : SEV_ROWS - 1;
    } else if (key_fn(k, KEY_LEFT) || key_is(k, 'h')) {
        d->col = d->col > 0 ? d->col - 1 : 0;
    } else if (key_fn(k, KEY_RIGHT) || key_is(k, 'l')) {
        d->col = d->col < SEV_COLS - 1 ? d->col + 1 : SEV_COLS - 1;
    } else if (digit > 0) {
        d->triggers ^= SEV_TRIGGER_BIT(digit - 1);
    } else if (key_is(k, 'd') || key_is(k, 'D')) {
        d->direct = true;
        d->direct_sev = 0;
        lineedit_clear(d->reason);
    } else if (key_enter(k) && d->res_ok) {
        struct sev_result res = d->res;
        sevdlg_record(t, res.severity, res.rationale);
        return true;
    }
    sevdlg_classify(t, d);
    return true;
}

static bool sevdlg_cursor(struct tui *t, void *state, int *y, int *x)
{
    struct sevdlg *d = state;
    if (d->cursor_y < 0 || d->cursor_x >= COLS)
        return false;
    *y = d->cursor_y;
    *x = d->cursor_x;
    return true;
}

static void sevdlg_destroy(void *state)
{
    struct sevdlg *d = state;
    lineedit_free(&d->reason);
    free(d);
}

static const struct ui_view_ops sevdlg_ops = {
    .name = "severity",
    .draw = sevdlg_draw,
    .key = sevdlg_key,
    .cursor = sevdlg_cursor,
    .destroy = sevdlg_destroy,
};

int severity_overlay_open(struct tui *t)
{
    if (refuse_change(t))
        return 0;
    struct sevdlg *d = calloc(1, sizeof *d);
    if (!d || !(d->reason = lineedit_new(512))) {
        free(d);
        tui_message(t, true, "out of memory opening the severity dialog");
        return -1;
    }
    d->cursor_y = -1;
    sevdlg_preselect(t, d);
    d->direct = !t->policy_ok;
    sevdlg_classify(t, d);
    return tui_push_overlay(t, &sevdlg_ops, d);
}

/* ---- roles dialog ---- */

struct rolesdlg {
    int role;  /* enum role under the cursor */
    int field; /* 0: name, 1: handoff note */
    struct lineedit *name, *note;
    char holders[ROLE_COUNT][256];
    int cursor_y, cursor_x;
};

static void rolesdlg_reload(struct tui *t, void *state)
{
    struct rolesdlg *d = state;
    for (int r = 0; r < ROLE_COUNT; r++)
        if (store_role_holder(t->store, t->inc.id, (enum role)r, d->holders[r], sizeof d->holders[r],
                              NULL) != 0)
            d->holders[r][0] = '\0';
}

static void rolesdlg_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct rolesdlg *d = state;
    struct ui_rect in = draw_box(draw_center(ROLE_COUNT + 8, 72), "Roles");
    d->cursor_y = -1;
    if (in.h <= 0 || in.w <= 0)
        return;
    int y = 0;
    for (int r = 0; r < ROLE_COUNT && y < in.h; r++, y++) {
        char line[96];
        snprintf(line, sizeof line, "%d %s%s", r + 1, role_title((enum role)r), r == ROLE_SME ? "(s)" : "");
        int attr = r == d->role ? draw_attr(STYLE_SELECTED) : 0;
        if (r == d->role)
            draw_fill(in.y + y, in.x, in.w, attr);
        draw_text(in.y + y, in.x + 1, 28, line, attr);
        char *safe = wr_text_sanitize(d->holders[r], true);
        draw_text(in.y + y, in.x + 30, in.w - 31, safe && *safe ? safe : "(nobody)",
                  attr | (safe && *safe ? A_BOLD : 0));
        free(safe);
    }
    y++;
    const char *labels[2] = {
        d->role == ROLE_SME ? "Add SME:     " : "Assign to:   ",
        "Handoff note:",
    };
    struct lineedit *fields[2] = {d->name, d->note};
    for (int f = 0; f < 2 && y < in.h; f++, y++) {
        int lw = draw_text(in.y + y, in.x + 1, in.w - 2, labels[f], f == d->field ? A_BOLD : 0) + 1;
        int cx = draw_field(in.y + y, in.x + 1 + lw, in.w - 2 - lw, fields[f],
                            f == d->field ? A_UNDERLINE : 0);
        if (f == d->field) {
            d->cursor_y = in.y + y;
            d->cursor_x = cx;
        }
    }
    if (in.h > y + 1)
        draw_text(in.y + in.h - 2, in.x + 1, in.w - 2, "An empty name releases the role.", draw_attr(STYLE_DIM));
    draw_text(in.y + in.h - 1, in.x + 1, in.w - 2,
              "Up/Down or 1-5 role  Tab name/note  Enter assign  Esc cancel", draw_attr(STYLE_DIM));
}

static void rolesdlg_assign(struct tui *t, struct rolesdlg *d)
{
    struct wr_error err;
    wr_error_clear(&err);
    enum role role = (enum role)d->role;
    char *name = field_text(d->name), *note = field_text(d->note);
    if (!name || !note) {
        tui_message(t, true, "out of memory assigning the role");
        goto out;
    }
    if (!*name && !d->holders[role][0]) {
        tui_message(t, true, "Nobody holds %s: type a name to assign it", role_title(role));
        goto out;
    }
    struct sync_op op = {.kind = SYNC_OP_ROLE, .incident_id = t->inc.id, .author = t->author,
                         .at = wr_now_ms(), .value = (int)role, .text = name, .text2 = note};
    if (tui_write(t, &op, &err) != 0) {
        tui_message(t, true, "%s", err.msg);
        goto out;
    }
    tui_pop_overlay(t); /* d is gone from here on */
    tui_reload(t);
    if (*name)
        tui_message(t, false, "%s: %s", role_title(role), name);
    else
        tui_message(t, false, "%s released", role_title(role));
out:
    free(name);
    free(note);
}

static bool rolesdlg_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct rolesdlg *d = state;
    tui_dirty(t);
    int digit = key_digit(k, 1, ROLE_COUNT);
    if (key_is(k, UI_ESC)) {
        tui_pop_overlay(t);
    } else if (key_fn(k, KEY_UP)) {
        d->role = d->role > 0 ? d->role - 1 : ROLE_COUNT - 1;
    } else if (key_fn(k, KEY_DOWN)) {
        d->role = (d->role + 1) % ROLE_COUNT;
    } else if (key_is(k, '\t') || key_fn(k, KEY_BTAB)) {
        d->field = !d->field;
    } else if (digit > 0 && d->field == 0 && lineedit_empty(d->name)) {
        d->role = digit - 1; /* a digit picks the role until a name is being typed */
    } else if (key_enter(k)) {
        rolesdlg_assign(t, d);
    } else {
        ui_field_key(d->field ? d->note : d->name, k);
    }
    return true;
}

static bool rolesdlg_cursor(struct tui *t, void *state, int *y, int *x)
{
    struct rolesdlg *d = state;
    if (d->cursor_y < 0 || d->cursor_x >= COLS)
        return false;
    *y = d->cursor_y;
    *x = d->cursor_x;
    return true;
}

static void rolesdlg_destroy(void *state)
{
    struct rolesdlg *d = state;
    lineedit_free(&d->name);
    lineedit_free(&d->note);
    free(d);
}

static const struct ui_view_ops rolesdlg_ops = {
    .name = "roles",
    .draw = rolesdlg_draw,
    .key = rolesdlg_key,
    .reload = rolesdlg_reload,
    .cursor = rolesdlg_cursor,
    .destroy = rolesdlg_destroy,
};

int roles_overlay_open(struct tui *t)
{
    if (refuse_change(t))
        return 0;
    struct rolesdlg *d = calloc(1, sizeof *d);
    if (!d || !(d->name = lineedit_new(256)) || !(d->note = lineedit_new(1024))) {
        if (d)
            lineedit_free(&d->name);
        free(d);
        tui_message(t, true, "out of memory opening the roles dialog");
        return -1;
    }
    d->cursor_y = -1;
    rolesdlg_reload(t, d);
    return tui_push_overlay(t, &rolesdlg_ops, d);
}

/* ---- phase ---- */

static void phase_advance_yes(struct tui *t)
{
    struct wr_error err;
    wr_error_clear(&err);
    if (t->inc.phase + 1 >= PHASE_COUNT)
        return;
    enum phase next = (enum phase)(t->inc.phase + 1);
    struct sync_op op = {.kind = SYNC_OP_PHASE, .incident_id = t->inc.id, .author = t->author,
                         .at = wr_now_ms(), .value = (int)next};
    if (tui_write(t, &op, &err) != 0) {
        tui_message(t, true, "%s", err.msg);
        return;
    }
    tui_reload(t);
    tui_message(t, false, "Phase: %s", phase_name(next));
}

void tui_phase_advance(struct tui *t)
{
    if (refuse_change(t))
        return;
    if (t->inc.phase + 1 >= PHASE_COUNT) {
        tui_message(t, false, "%s is the last phase", phase_name(t->inc.phase));
        return;
    }
    char q[128];
    snprintf(q, sizeof q, "Advance the phase from %s to %s?", phase_name(t->inc.phase),
             phase_name((enum phase)(t->inc.phase + 1)));
    confirm_overlay_open(t, q, phase_advance_yes);
}

/* ---- info overlay ---- */

struct info {
    int64_t spent[SEVERITY_SLOTS];
    char holders[ROLE_COUNT][256];
    char message[256];
    bool message_error;
};

static void info_reload(struct tui *t, void *state)
{
    struct info *in = state;
    struct severity_change *hist = NULL;
    struct severity_mark *marks = NULL;
    size_t n = 0;
    for (int r = 0; r < ROLE_COUNT; r++)
        if (store_role_holder(t->store, t->inc.id, (enum role)r, in->holders[r], sizeof in->holders[r],
                              NULL) != 0)
            in->holders[r][0] = '\0';
    if (store_severity_history(t->store, t->inc.id, &hist, &n, NULL) != 0)
        n = 0;
    marks = n ? calloc(n, sizeof *marks) : NULL;
    if (!marks)
        n = 0;
    for (size_t i = 0; i < n; i++)
        marks[i] = (struct severity_mark){hist[i].at_ms, hist[i].severity};
    incident_time_in_severity(&t->inc, marks, n, wr_now_ms(), in->spent);
    free(marks);
    store_severity_history_free(&hist, n);
}

static void info_pair(int y, int x, int w, const char *label, const char *value)
{
    int lw = draw_text(y, x, w, label, 0);
    draw_text(y, x + lw, w - lw, value, A_BOLD);
}

static void info_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct info *s = state;
    struct ui_rect in = draw_box(draw_center(24, 78), "Incident info");
    if (in.h <= 0 || in.w <= 0)
        return;
    char a[64], b[64], line[160];
    int half = in.w / 2;
    int y = 0;
#define ROW_OK (y < in.h - 1)
    draw_text(in.y + y, in.x + 1, in.w - 2, "Milestones (1-6: set to now)", A_BOLD);
    draw_text(in.y + y, in.x + 22 + 10, 20, "local", draw_attr(STYLE_DIM));
    draw_text(in.y + y++, in.x + 22 + 32, 20, "UTC", draw_attr(STYLE_DIM));
    for (int m = 0; m < MS_COUNT && ROW_OK; m++, y++) {
        int64_t at = t->inc.milestones[m];
        snprintf(line, sizeof line, "%d %s", m + 1, milestone_name((enum milestone)m));
        draw_text(in.y + y, in.x + 1, 20, line, 0);
        if (at == WR_TIME_NONE) {
            draw_text(in.y + y, in.x + 22 + 10, 20, "-", draw_attr(STYLE_DIM));
            continue;
        }
        wr_time_fmt(at, false, "%Y-%m-%d %H:%M:%S", a, sizeof a);
        wr_time_fmt(at, true, "%Y-%m-%d %H:%M:%SZ", b, sizeof b);
        draw_text(in.y + y, in.x + 22 + 10, 21, a, A_BOLD);
        draw_text(in.y + y, in.x + 22 + 32, in.w - 54, b, 0);
    }
    y++;
    struct incident_durations d;
    incident_durations(&t->inc, wr_now_ms(), &d);
    const struct {
        const char *label;
        int64_t ms;
    } durs[] = {
        {"to detect      ", d.to_detect},   {"to acknowledge ", d.to_acknowledge},
        {"to mitigate    ", d.to_mitigate}, {"to resolve     ", d.to_resolve},
        {t->inc.milestones[MS_RESOLVED] == WR_TIME_NONE &&
                 t->inc.milestones[MS_CLOSED] == WR_TIME_NONE
             ? "total so far   " /* measured to the cockpit's clock: not over yet */
             : "total          ",
         d.total},
    };
    if (ROW_OK) {
        draw_text(in.y + y, in.x + 1, half - 1, "Durations", A_BOLD);
        draw_text(in.y + y++, in.x + half, in.w - half, "Time in each severity", A_BOLD);
    }
    for (int i = 0; i < 5 && ROW_OK; i++, y++) {
        info_pair(in.y + y, in.x + 1, half - 1, durs[i].label,
                  durs[i].ms == WR_TIME_NONE ? "-" : wr_duration_fmt(durs[i].ms, a, sizeof a));
        snprintf(b, sizeof b, "%-14s", i == 0 ? "unclassified" : sev_name(i));
        info_pair(in.y + y, in.x + half, in.w - half, b, wr_duration_fmt(s->spent[i], a, sizeof a));
    }
    y++;
    if (ROW_OK)
        draw_text(in.y + y++, in.x + 1, in.w - 2, "Roles", A_BOLD);
    for (int r = 0; r < ROLE_COUNT && ROW_OK; r++, y++) {
        char *safe = wr_text_sanitize(s->holders[r], true);
        snprintf(line, sizeof line, "%-24s", role_title((enum role)r));
        info_pair(in.y + y, in.x + 1, in.w - 2, line, safe && *safe ? safe : "(nobody)");
        free(safe);
    }
#undef ROW_OK
    if (s->message[0])
        draw_text(in.y + in.h - 1, in.x + 1, in.w - 2, s->message,
                  draw_attr(s->message_error ? STYLE_ERROR : STYLE_OK));
    else
        draw_text(in.y + in.h - 1, in.x + 1, in.w - 2, "1-6 set that milestone to now  Esc close",
                  draw_attr(STYLE_DIM));
}

static bool info_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct info *s = state;
    tui_dirty(t);
    int digit = key_digit(k, 1, MS_COUNT);
    if (digit > 0) {
        struct wr_error err;
        wr_error_clear(&err);
        enum milestone m = (enum milestone)(digit - 1);
        if (t->read_only) {
            snprintf(s->message, sizeof s->message, "closed and read-only: R reopens it");
            s->message_error = true;
        } else if (tui_write(t,
                             &(struct sync_op){.kind = SYNC_OP_MILESTONE, .incident_id = t->inc.id,
                                               .author = t->author, .at = wr_now_ms(),
                                               .value = (int)m},
                             &err) != 0) {
            char *safe = wr_text_sanitize(err.msg, true);
            snprintf(s->message, sizeof s->message, "%s", safe ? safe : "refused");
            free(safe);
            s->message_error = true;
        } else {
            snprintf(s->message, sizeof s->message, "%s set to now", milestone_name(m));
            s->message_error = false;
            tui_reload(t); /* re-reads the incident, then this overlay's durations */
            char reason[64];
            snprintf(reason, sizeof reason, "milestone %s", milestone_name(m));
            tui_sli_snapshot(t, reason); /* evidence for the postmortem; silent without SLIs */
        }
    } else if (key_is(k, UI_ESC) || key_is(k, 'q') || key_enter(k) || key_fn(k, KEY_F(8)) ||
               key_is(k, 'I')) {
        tui_pop_overlay(t);
    }
    return true;
}

static void info_tick(struct tui *t, void *state)
{
    info_reload(t, state); /* an open incident's durations grow */
    tui_dirty(t);
}

static const struct ui_view_ops info_ops = {
    .name = "info",
    .draw = info_draw,
    .key = info_key,
    .reload = info_reload,
    .tick = info_tick,
    .destroy = free,
};

int info_overlay_open(struct tui *t)
{
    if (t->inc.id == 0)
        return 0;
    struct info *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    info_reload(t, s);
    return tui_push_overlay(t, &info_ops, s);
}
