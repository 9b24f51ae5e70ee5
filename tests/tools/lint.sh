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
[ $fail -eq 0 ] && echo "lint: 1 passed, 0 failed"
exit $fail
