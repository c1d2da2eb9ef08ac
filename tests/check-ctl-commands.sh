#!/bin/sh
# Fails unless `grasp-syncctl --help` and grasp-syncctl(1) list the same commands.
set -eu
ctl="$1"
man="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
LC_ALL=C "$ctl" --help | sed -n '/^Commands:/,/^$/p' | sed '1d' | awk 'NF {print $1}' | sort -u >"$tmp/help"
# command entries in the man page are the lines "*name*" or "*name* _ARG_" of COMMANDS
sed -n '/^# COMMANDS/,/^# OPTIONS/p' "$man" | grep -oE '^\*[a-z-]+\*' | tr -d '*' | sort -u >"$tmp/man"
if ! cmp -s "$tmp/help" "$tmp/man"; then
  echo "only in --help:"
  comm -23 "$tmp/help" "$tmp/man"
  echo "only in $man:"
  comm -13 "$tmp/help" "$tmp/man"
  exit 1
fi
echo "$(wc -l <"$tmp/help") commands in both --help and $man"
