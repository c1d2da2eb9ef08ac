#!/bin/sh
# Fails unless `grasp-syncd --help` and grasp-syncd(8) list the same long options.
set -eu
daemon="$1"
man="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
LC_ALL=C "$daemon" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u >"$tmp/help"
# option entries in the man page are the lines that start with "*-"
grep -E '^\*-' "$man" | grep -oE -- '--[a-z][a-z-]*' | sort -u >"$tmp/man"
if ! cmp -s "$tmp/help" "$tmp/man"; then
  echo "only in --help:"
  comm -23 "$tmp/help" "$tmp/man"
  echo "only in $man:"
  comm -13 "$tmp/help" "$tmp/man"
  exit 1
fi
echo "$(wc -l <"$tmp/help") options in both --help and $man"
