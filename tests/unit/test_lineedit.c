/* test_lineedit.c: the TUI's UTF-8 line editor and display-cell helpers (pure, no terminal). */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cells.h"
#include "lineedit.h"

static int setup(void **state)
{
    (void)state;
    if (!setlocale(LC_ALL, "C.UTF-8"))
        return -1;
    return 0;
}

static struct lineedit *typed(const char *s)
{
    struct lineedit *le = lineedit_new(1024);
    assert_non_null(le);
    assert_int_equal(lineedit_insert(le, s, strlen(s)), 0);
    return le;
}

static void test_insert_and_cursor_by_character(void **state)
{
    (void)state;
    struct lineedit *le = typed("caf\xc3\xa9"); /* café */
    assert_string_equal(lineedit_text(le), "caf\xc3\xa9");
    assert_int_equal(lineedit_cursor(le), 5);
    lineedit_left(le); /* over the two-byte é at once */
    assert_int_equal(lineedit_cursor(le), 3);
    assert_int_equal(lineedit_insert_cp(le, 0x4E2D), 0); /* 中 */
    assert_string_equal(lineedit_text(le), "caf\xe4\xb8\xad\xc3\xa9");
    lineedit_home(le);
    assert_int_equal(lineedit_cursor(le), 0);
    lineedit_right(le);
    assert_int_equal(lineedit_cursor(le), 1);
    lineedit_end(le);
    assert_int_equal(lineedit_cursor(le), lineedit_len(le));
    lineedit_right(le); /* at the end: stays */
    assert_int_equal(lineedit_cursor(le), lineedit_len(le));
    lineedit_free(&le);
    assert_null(le);
}

static void test_combining_mark_moves_with_its_base(void **state)
{
    (void)state;
    struct lineedit *le = typed("e\xcc\x81x"); /* e + combining acute, x */
    lineedit_left(le);
    assert_int_equal(lineedit_cursor(le), 3);
    lineedit_left(le); /* skips the mark together with the e */
    assert_int_equal(lineedit_cursor(le), 0);
    lineedit_delete(le);
    assert_string_equal(lineedit_text(le), "x");
    lineedit_free(&le);
}

static void test_backspace_delete(void **state)
{
    (void)state;
    struct lineedit *le = typed("a\xf0\x9f\x94\xa5" "b"); /* a🔥b */
    lineedit_left(le);
    lineedit_backspace(le); /* removes the 4-byte emoji */
    assert_string_equal(lineedit_text(le), "ab");
    lineedit_home(le);
    lineedit_backspace(le); /* nothing before: no change */
    assert_string_equal(lineedit_text(le), "ab");
    lineedit_delete(le);
    assert_string_equal(lineedit_text(le), "b");
    lineedit_end(le);
    lineedit_delete(le); /* nothing after */
    assert_string_equal(lineedit_text(le), "b");
    lineedit_free(&le);
}

static void test_kill_commands(void **state)
{
    (void)state;
    struct lineedit *le = typed("! rollback scoring  deploy");
    lineedit_kill_word(le); /* Ctrl-W */
    assert_string_equal(lineedit_text(le), "! rollback scoring  ");
    lineedit_kill_word(le); /* spaces then the word */
    assert_string_equal(lineedit_text(le), "! rollback ");
    lineedit_home(le);
    lineedit_right(le);
    lineedit_right(le);
    lineedit_kill_to_end(le); /* Ctrl-K */
    assert_string_equal(lineedit_text(le), "! ");
    assert_int_equal(lineedit_cursor(le), 2);
    lineedit_set(le, "abc def");
    lineedit_left(le);
    lineedit_kill_to_start(le); /* Ctrl-U */
    assert_string_equal(lineedit_text(le), "f");
    assert_int_equal(lineedit_cursor(le), 0);
    lineedit_free(&le);
}

static void test_word_motion(void **state)
{
    (void)state;
    struct lineedit *le = typed("one two  three");
    lineedit_word_left(le);
    assert_int_equal(lineedit_cursor(le), 9);
    lineedit_word_left(le);
    assert_int_equal(lineedit_cursor(le), 4);
    lineedit_word_right(le);
    assert_int_equal(lineedit_cursor(le), 7);
    lineedit_free(&le);
}

static void test_control_characters_refused(void **state)
{
    (void)state;
    struct lineedit *le = typed("a\x1b[31mb\tc\xff");
    /* ESC dropped (so the sequence is inert text), tab becomes a space, bad byte dropped */
    assert_string_equal(lineedit_text(le), "a[31mb c");
    assert_int_equal(lineedit_insert_cp(le, 0x1B), -1);
    assert_int_equal(lineedit_insert_cp(le, 0x85), -1);
    assert_string_equal(lineedit_text(le), "a[31mb c");
    lineedit_free(&le);
}

static void test_size_limit(void **state)
{
    (void)state;
    struct lineedit *le = lineedit_new(4);
    assert_int_equal(lineedit_insert(le, "abcd", 4), 0);
    assert_int_equal(lineedit_insert_cp(le, 'e'), -1);
    assert_string_equal(lineedit_text(le), "abcd");
    lineedit_free(&le);
}

static void test_history_keeps_draft(void **state)
{
    (void)state;
    struct lineedit *le = lineedit_new(1024);
    lineedit_history_add(le, "first");
    lineedit_history_add(le, "second");
    lineedit_history_add(le, "second"); /* repeat not stored */
    lineedit_history_add(le, "");       /* empty not stored */
    lineedit_set(le, "draft");
    assert_true(lineedit_history_prev(le));
    assert_string_equal(lineedit_text(le), "second");
    assert_true(lineedit_history_prev(le));
    assert_string_equal(lineedit_text(le), "first");
    assert_false(lineedit_history_prev(le));
    assert_string_equal(lineedit_text(le), "first");
    assert_true(lineedit_history_next(le));
    assert_string_equal(lineedit_text(le), "second");
    assert_true(lineedit_history_next(le));
    assert_string_equal(lineedit_text(le), "draft");
    assert_false(lineedit_history_next(le));
    lineedit_free(&le);
}

static void test_generation_changes_on_edit(void **state)
{
    (void)state;
    struct lineedit *le = lineedit_new(64);
    unsigned g = lineedit_generation(le);
    lineedit_insert_cp(le, 'x');
    assert_int_not_equal(lineedit_generation(le), g);
    g = lineedit_generation(le);
    lineedit_left(le);
    assert_int_equal(lineedit_generation(le), g);
    lineedit_clear(le);
    assert_true(lineedit_empty(le));
    assert_int_not_equal(lineedit_generation(le), g);
    lineedit_free(&le);
}

static void test_cells(void **state)
{
    (void)state;
    assert_int_equal(cells_width("abc", 3), 3);
    assert_int_equal(cells_width("caf\xc3\xa9", 5), 4);
    assert_int_equal(cells_width("\xe4\xb8\xad\xe6\x96\x87", 6), 4); /* 中文 */
    assert_int_equal(cells_width("\xf0\x9f\x94\xa5", 4), 2);         /* 🔥 */
    assert_int_equal(cells_width("e\xcc\x81", 3), 1);
    size_t used;
    /* a wide character that does not fit whole is left out, never split */
    assert_int_equal(cells_fit("a\xe4\xb8\xad" "b", 5, 2, &used), 1);
    assert_int_equal(used, 1);
    assert_int_equal(cells_fit("a\xe4\xb8\xad" "b", 5, 3, &used), 4);
    assert_int_equal(used, 3);
    assert_int_equal(cells_fit("abc", 3, 0, &used), 0);
    /* a combining mark stays with its base */
    assert_int_equal(cells_fit("e\xcc\x81x", 4, 1, &used), 3);
    uint32_t cp;
    assert_int_equal(cells_decode("\xff", 1, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(cells_decode("\xc3", 1, &cp), 1); /* truncated */
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(cells_decode("\xed\xa0\x80", 3, &cp), 1); /* surrogate */
}

static void test_horizontal_scroll_by_cells(void **state)
{
    (void)state;
    struct lineedit *le = lineedit_new(1024);
    size_t start;
    int col;
    /* ten CJK characters = 20 cells in a 9-cell field */
    for (int i = 0; i < 10; i++)
        lineedit_insert_cp(le, 0x4E2D);
    lineedit_layout(le, 9, &start, &col);
    assert_true(col <= 8);
    assert_int_equal(start % 3, 0); /* on a character boundary */
    assert_int_equal(cells_width(lineedit_text(le) + start, lineedit_len(le) - start) + 1 <= 9, 1);
    assert_int_equal((size_t)col, cells_width(lineedit_text(le) + start, lineedit_cursor(le) - start));
    lineedit_home(le);
    lineedit_layout(le, 9, &start, &col);
    assert_int_equal(start, 0);
    assert_int_equal(col, 0);
    lineedit_end(le);
    lineedit_layout(le, 9, &start, &col);
    assert_int_equal(col, 8);
    /* after clearing, the view returns to the start */
    lineedit_set(le, "ab");
    lineedit_layout(le, 9, &start, &col);
    assert_int_equal(start, 0);
    assert_int_equal(col, 2);
    /* a 1-cell field never underflows */
    lineedit_layout(le, 0, &start, &col);
    assert_int_equal(col, 0);
    lineedit_free(&le);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_and_cursor_by_character),
        cmocka_unit_test(test_combining_mark_moves_with_its_base),
        cmocka_unit_test(test_backspace_delete),
        cmocka_unit_test(test_kill_commands),
        cmocka_unit_test(test_word_motion),
        cmocka_unit_test(test_control_characters_refused),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_history_keeps_draft),
        cmocka_unit_test(test_generation_changes_on_edit),
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_horizontal_scroll_by_cells),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
