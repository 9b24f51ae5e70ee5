/* overlay_help.c: the help overlay, listing every key from the binding table. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

#include "app.h"

struct help {
    int scroll;
    int lines; /* total lines at the last draw */
    int page;
};

static const struct {
    unsigned modes;
    const char *title;
} sections[] = {
    {MODE_INPUT | MODE_COMMAND, "Anywhere"},
    {MODE_INPUT, "Input line (typing)"},
    {MODE_COMMAND, "Commands (after Esc)"},
};

/* Call fn for each help line; returns the number of lines. */
static int help_lines(void (*fn)(int i, const char *key, const char *text, bool heading, void *ctx),
                      void *ctx)
{
    int n = 0;
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        if (n > 0)
            fn(n++, "", "", false, ctx);
        fn(n++, "", sections[s].title, true, ctx);
        for (const struct ui_binding *b = tui_bindings; b->keyname; b++)
            if (b->modes == sections[s].modes && b->help)
                fn(n++, b->keyname, b->help, false, ctx);
    }
    fn(n++, "", "", false, ctx);
    fn(n++, "", "Input prefixes: ! decision  > action  ? hypothesis  + todo  ~ comms  # alert", true, ctx);
    fn(n++, "", "  * pins, @09:15 or @-10m backdates, TODO: and note: name a kind, \\ starts plain text", false, ctx);
    return n;
}

struct draw_ctx {
    struct ui_rect in;
    int scroll;
};

static void draw_line(int i, const char *key, const char *text, bool heading, void *vctx)
{
    struct draw_ctx *c = vctx;
    int row = i - c->scroll;
    if (row < 0 || row >= c->in.h)
        return;
    int y = c->in.y + row;
    if (heading) {
        draw_text(y, c->in.x + 1, c->in.w - 1, text, draw_attr(STYLE_TITLE) & ~(int)A_REVERSE);
        return;
    }
    int kw = c->in.w > 40 ? 16 : c->in.w / 3;
    draw_text(y, c->in.x + 2, kw - 1, key, draw_attr(STYLE_KEY));
    draw_text(y, c->in.x + 2 + kw, c->in.w - kw - 2, text, 0);
}

static void count_line(int i, const char *key, const char *text, bool heading, void *ctx) {}

static void help_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct help *h = state;
    int lines = help_lines(count_line, NULL);
    struct ui_rect box = draw_center(lines + 3, 84);
    if (box.h <= 0 || box.w <= 0)
        return;
    struct ui_rect in = draw_box(box, "Help: keys (Esc closes)");
    if (in.h <= 0 || in.w <= 0)
        return;
    h->lines = lines;
    h->page = in.h;
    if (h->scroll > lines - in.h)
        h->scroll = lines - in.h;
    if (h->scroll < 0)
        h->scroll = 0;
    struct draw_ctx c = {in, h->scroll};
    help_lines(draw_line, &c);
    if (lines > in.h && box.w > 20)
        draw_text(box.y + box.h - 1, box.x + box.w - 18, 16, " Up/Down scroll ", draw_attr(STYLE_BOX));
}

static bool help_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct help *h = state;
    if (k->fn && (k->code == KEY_DOWN || k->code == KEY_UP || k->code == KEY_NPAGE ||
                  k->code == KEY_PPAGE)) {
        int step = (k->code == KEY_DOWN || k->code == KEY_UP) ? 1 : (h->page > 1 ? h->page - 1 : 1);
        h->scroll += (k->code == KEY_DOWN || k->code == KEY_NPAGE) ? step : -step;
        tui_dirty(t);
        return true;
    }
    if (!k->fn && (k->ch == 'j' || k->ch == 'k')) {
        h->scroll += k->ch == 'j' ? 1 : -1;
        tui_dirty(t);
        return true;
    }
    tui_pop_overlay(t); /* any other key closes */
    return true;
}

static void help_destroy(void *state) { free(state); }

static const struct ui_view_ops help_ops = {
    .name = "help",
    .draw = help_draw,
    .key = help_key,
    .destroy = help_destroy,
};

int help_overlay_open(struct tui *t)
{
    struct help *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    return tui_push_overlay(t, &help_ops, h);
}
