#!/bin/sh
# Fails when a C file under src/ does not define G_LOG_DOMAIN before its first #include
# (STYLE.md: one log domain per file, set before GLib's headers read it).
set -eu
cd "$1"
rc=0
for f in $(find src -name '*.c' | sort); do
  first=$(grep -nE '^#(define G_LOG_DOMAIN|include)' "$f" | head -n 1 || true)
  case "$first" in
  *'#define G_LOG_DOMAIN "'*) ;;
  *)
    echo "$f: no #define G_LOG_DOMAIN \"...\" before the first #include"
    rc=1
    ;;
  esac
done
exit $rc
