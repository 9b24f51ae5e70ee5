#!/usr/bin/env bash
# lint.sh: house rules that the compiler does not check (STYLE.md "Tooling carries the style").
set -u
top=$1
fail=0
if grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|gets)[[:space:]]*\(' "$top/src" "$top/ui" "$top/tests" \
     --include='*.c' --include='*.h' | grep -vE '\b(snprintf|vsnprintf)\b'; then
  echo "lint: unbounded string functions above; use snprintf / memcpy with sizes / wr_buf" >&2
  fail=1
fi
if grep -rlnE '#include[[:space:]]*[<"](n?curses|ncursesw/curses)\.h' "$top/src"; then
  echo "lint: src/ must not include curses (the engine has no face)" >&2
  fail=1
fi
if grep -rnE 'sqlite3_(prepare|exec)|PQ(exec|prepare|exec(Params|Prepared))[[:space:]]*\(' "$top/src" "$top/ui" --include='*.c' | grep -vE '^'"$top"'/src/(store(_[a-z]+)?|db_[a-z]+)\.c:'; then
  echo "lint: SQL outside the store (src/store*.c) and its engines (src/db_*.c)" >&2
  fail=1
fi
# Team mode: the cockpit's writes go through tui_write / tui_write_fn (ui/team.c), which journal
# them for the server; a store write called directly would change this laptop's copy only. A
# write function such a wrapper runs carries "journaled" in a comment on its line.
if grep -rnE '\b(store_(entry_(append|append_data|edit|pin|delete|set_kind|set_at|deliver|import)|entries_append_once|severity_set|role_assign|phase_set|milestone_set|pm_field_set|action_(add|update)|incident_(open|reopen|create|update_text)|fact_set|outbox_enqueue)|facts_(set|set_tz|confirm_cause)|comms_(queue|record_overdue))[[:space:]]*\(' \
     "$top/ui" --include='*.c' | grep -v 'journaled'; then
  echo "lint: a write from ui/ above bypasses tui_write (team mode would not send it to the server)" >&2
  fail=1
fi
[ $fail -eq 0 ] && echo "lint: 1 passed, 0 failed"
exit $fail
