#!/bin/sh
# Fails when any C file under src/, tests/ or bench/ differs from what clang-format makes of it.
set -eu
cd "$1"
files=$(find src tests bench -name '*.[ch]' -not -path '*/node_modules/*' | sort)
[ -n "$files" ] || exit 0
exec clang-format --dry-run --Werror $files
