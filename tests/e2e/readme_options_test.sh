#!/usr/bin/env bash
# README's option tables list every option each command has: every long option that
# `banksim COMMAND --help` (and `banksim_gen --help`) prints appears in the first column
# of a table row in that command's README section.
source "$(dirname "$0")/lib.sh"
GEN=${BANKSIM_GEN:-$(dirname "$BANKSIM")/banksim_gen}
readme="$BANKSIM_SOURCE_DIR/README.md"

# section START_REGEX: README from the line matching START_REGEX to the next heading.
section() {
  awk -v start="$1" '
    found && /^###? / { exit }
    $0 ~ start { found = 1 }
    found { print }' "$readme"
}

# check_options WHAT SECTION_START HELP_COMMAND...
check_options() {
  local what=$1 start=$2
  shift 2
  "$@" --help >"$WORK/help" || fail "$* --help failed"
  section "$start" >"$WORK/section"
  [[ -s "$WORK/section" ]] || fail "README has no section matching '$start'"
  # First cells of table rows (a cell may hold escaped pipes: `sync\|async`).
  grep '^| ' "$WORK/section" | sed 's/^| //; s/ | .*//' >"$WORK/cells"
  local options missing=""
  options=$(grep -oE '^ +(-[a-z], ?)?--[a-z][a-z-]*' "$WORK/help" | grep -oE -- '--[a-z-]+' | sort -u)
  for opt in $options; do
    [[ "$opt" == --help ]] && continue
    grep -qE -- "\`$opt( [^\`]*)?\`" "$WORK/cells" || missing+=" $opt"
  done
  [[ -z "$missing" ]] || fail "README's $what table lacks:$missing"
}

check_options run '^### banksim run' "$BANKSIM" run
check_options explore '^### banksim explore' "$BANKSIM" explore
check_options replay '^### banksim replay' "$BANKSIM" replay
check_options serve '^### banksim serve' "$BANKSIM" serve
check_options viz '^### banksim viz' "$BANKSIM" viz
check_options check '^### banksim check' "$BANKSIM" check
check_options merge '^### banksim merge' "$BANKSIM" merge
check_options banksim_gen '^Large scenarios come from `banksim_gen`' "$GEN"
