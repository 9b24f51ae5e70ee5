# Shared by the bash and zsh completions of warroom (written for both shells: no arrays, no
# word splitting of unquoted variables). Included by gendoc at @INCLUDE completion-common.sh@.

# _warroom_lookup KEY LIST: REPLY gets VALUE from the "KEY=VALUE" word of the space-separated
# LIST; status 1 when KEY is not there.
_warroom_lookup() {
  case " $2 " in
    *" $1="*) ;;
    *) REPLY=; return 1 ;;
  esac
  REPLY=" $2 "
  REPLY=${REPLY#*" $1="}
  REPLY=${REPLY%% *}
  return 0
}

# _warroom_nth N LIST: REPLY gets word N (from 0) of the space-separated LIST, or "". A last
# word ending in "..." (FILE... in the usage) stands for every word from there on.
_warroom_nth() {
  local n=$1 rest="$2 " last=
  while [ "$n" -gt 0 ] && [ -n "$rest" ]; do
    last=${rest%% *}
    rest=${rest#* }
    n=$((n - 1))
  done
  REPLY=${rest%% *}
  if [ -z "$REPLY" ]; then
    case $last in *...) REPLY=$last ;; esac
  fi
  REPLY=${REPLY%...}
}

# _warroom_parse WORD...: the words between the program name and the cursor. Sets _wr_cmd (the
# command or ""), its spec (_warroom_spec), _wr_npos (positional arguments after it),
# _wr_pending/_wr_pending_opt (the kind of value the cursor's word is, when the word before
# was an option that takes one) and _wr_db/_wr_config (for the lookups below).
_warroom_parse() {
  _wr_cmd= _wr_npos=0 _wr_pending= _wr_pending_opt= _wr_db= _wr_config=
  _warroom_spec ''
  local w slot= only_pos=
  for w in "$@"; do
    if [ -n "$_wr_pending" ]; then
      case $slot in
        db) _wr_db=$w ;;
        config) _wr_config=$w ;;
      esac
      _wr_pending= _wr_pending_opt= slot=
      continue
    fi
    case $only_pos$w in
      --) only_pos=1 ;;
      -*)
        if _warroom_lookup "$w" "$_warroom_global_optkinds"; then :
        elif [ -n "$_wr_cmd" ] && _warroom_lookup "$w" "$_wr_optkinds"; then :
        else REPLY=; fi
        _wr_pending=$REPLY _wr_pending_opt=$w
        case $w in
          --db) slot=db ;;
          --config) slot=config ;;
          *) slot= ;;
        esac
        ;;
      *)
        if [ -z "$_wr_cmd" ]; then
          _wr_cmd=$w
          _warroom_spec "$w"
        else
          _wr_npos=$((_wr_npos + 1))
        fi
        ;;
    esac
  done
}

# _warroom_kind CURRENT_WORD: REPLY gets what to offer: "options", "commands", or an argument
# kind (id, template, dest, file, dir, text, choice:a,b,c, or "" for nothing).
_warroom_kind() {
  if [ -n "$_wr_pending" ]; then
    if [ "$_wr_pending" = choice ]; then
      _warroom_lookup "$_wr_pending_opt" "$_wr_choices"
      REPLY=choice:$REPLY
    else
      REPLY=$_wr_pending
    fi
  else
    case $1 in
      -*) REPLY=options ;;
      *)
        if [ -z "$_wr_cmd" ]; then
          REPLY=commands
        else
          _warroom_nth "$_wr_npos" "$_wr_pos"
        fi
        ;;
    esac
  fi
}

# Run the warroom being completed with the --db and --config given on the line, briefly: a
# locked or slow database must not freeze the shell.
_warroom_run() {
  local bin=${_warroom_bin:-warroom} db=$_wr_db config=$_wr_config
  case $bin in "~/"*) bin=$HOME/${bin#\~/} ;; esac
  case $db in "~/"*) db=$HOME/${db#\~/} ;; esac
  case $config in "~/"*) config=$HOME/${config#\~/} ;; esac
  if [ -n "$db" ] && [ -n "$config" ]; then
    timeout 3 "$bin" --db "$db" --config "$config" "$@"
  elif [ -n "$db" ]; then
    timeout 3 "$bin" --db "$db" "$@"
  elif [ -n "$config" ]; then
    timeout 3 "$bin" --config "$config" "$@"
  else
    timeout 3 "$bin" "$@"
  fi
}

# _warroom_candidates KIND: the words to offer, one per line.
_warroom_candidates() {
  case $1 in
    id)
      # `list --json` is an array of incidents; each has one numeric "id".
      _warroom_run list --all --json 2>/dev/null | grep -o '"id":[[:space:]]*[0-9]*' |
        grep -o '[0-9]*$' ;;
    id-titled)
      # "ID:title" for shells that show descriptions; the title's JSON escapes are left as is.
      _warroom_run list --all --json 2>/dev/null |
        grep -oE '"(id|title)":[[:space:]]*([0-9]+|"([^"\\]|\\.)*")' |
        awk '/^"id"/ { sub(/^"id":[[:space:]]*/, ""); id = $0; next }
             /^"title"/ { sub(/^"title":[[:space:]]*"/, ""); sub(/"$/, ""); print id ":" $0 }' ;;
    template) _warroom_run comms --list 2>/dev/null | awk '{print $1}' ;;
    dest) _warroom_run comms --destinations 2>/dev/null | awk '{print $1}' ;;
    choice:*) printf '%s\n' "${1#choice:}" | tr ',' '\n' ;;
  esac
}
