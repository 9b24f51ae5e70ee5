/* vt_keyecho.c: a tiny ncurses program for the harness self-test: draws known content and
 * names every key it reads, so the test proves keys, colours, line drawing and widths. */
#include <curses.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

static void draw(int count, const char *last)
{
    erase();
    mvprintw(0, 0, "keyecho %dx%d colors=%d", LINES, COLS, has_colors() ? COLORS : 0);
    mvaddch(1, 0, ACS_ULCORNER);
    mvhline(1, 1, ACS_HLINE, 4);
    mvaddch(1, 5, ACS_URCORNER);
    attron(COLOR_PAIR(1));
    mvaddstr(2, 0, "RED");
    attroff(COLOR_PAIR(1));
    attron(A_BOLD);
    mvaddstr(2, 4, "BOLD");
    attroff(A_BOLD);
    attron(A_REVERSE);
    mvaddstr(2, 9, "REV");
    attroff(A_REVERSE);
    attron(A_UNDERLINE | COLOR_PAIR(2));
    mvaddstr(2, 13, "ULBLUE");
    attroff(A_UNDERLINE | COLOR_PAIR(2));
    mvaddstr(3, 0, "\xe6\x97\xa5\xe6\x9c\xac|");       /* CJK, two cells each */
    mvaddstr(4, 0, "\xf0\x9f\x98\x80|");               /* emoji, two cells */
    mvaddstr(5, 0, "e\xcc\x81|caf\xc3\xa9|");           /* combining accent, precomposed */
    mvprintw(7, 0, "last %d: %s", count, last);
    refresh();
}

int main(void)
{
    char last[64] = "none";
    int count = 0;
    setlocale(LC_ALL, "");
    initscr();
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    /* ncurses only notices SIGWINCH when getch starts; a signal landing just before it blocks
     * would wait for the next key. Waking every 100 ms makes KEY_RESIZE certain (fixture only). */
    timeout(100);
    if (has_colors()) {
        start_color();
        use_default_colors();
        init_pair(1, COLOR_RED, -1);
        init_pair(2, COLOR_BLUE, COLOR_YELLOW);
    }
    draw(count, last);
    for (;;) {
        wint_t ch;
        int kind = get_wch(&ch);
        if (kind == ERR)
            continue;
        if (kind == KEY_CODE_YES) {
            if (ch == KEY_RESIZE) {
                draw(count, last);
                continue;
            }
            snprintf(last, sizeof last, "%s", keyname((int)ch));
        } else if (ch == 'Q') {
            break;
        } else if (ch < 0x20 || ch == 0x7f) {
            snprintf(last, sizeof last, "%s", keyname((int)ch));
        } else {
            char mb[MB_LEN_MAX + 1] = {0};
            mbstate_t st;
            memset(&st, 0, sizeof st);
            size_t n = wcrtomb(mb, (wchar_t)ch, &st);
            snprintf(last, sizeof last, "char %s", n == (size_t)-1 ? "?" : mb);
        }
        count++;
        draw(count, last);
    }
    endwin();
    return 3;
}
