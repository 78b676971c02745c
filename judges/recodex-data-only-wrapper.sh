#!/bin/bash
# recodex-data-only-wrapper.sh <program> [args...]: runs a data-only solution and prints the
# record recodex-judge-passthrough replays: its exit code, then its stdout and its stderr, each
# base64-encoded on one line. A .jar program is run with `java -jar`.
program="$1"
shift || { echo "Usage: $0 <program> [args...]" >&2; exit 2; }
chmod a+x "$program" 2>/dev/null

errors=$(mktemp) || exit 2
outputs=$(mktemp) || { rm -f "$errors"; exit 2; }
trap 'rm -f "$errors" "$outputs"' EXIT

if [[ "$program" == *.jar ]]; then
  java -jar "$program" "$@" >"$outputs" 2>"$errors"
else
  "$program" "$@" >"$outputs" 2>"$errors"
fi
echo $?
base64 -w 0 <"$outputs"
echo
base64 -w 0 <"$errors"
echo
