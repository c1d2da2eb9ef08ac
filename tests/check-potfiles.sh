#!/bin/sh
# Fails when a file under src/ marks strings for translation (_(), N_(), C_(), NC_(), Q_())
# but is not listed in po/POTFILES.in, or when po/POTFILES.in lists a file that is missing.
set -eu
cd "$1"
rc=0
for f in $(grep -rlE '(^|[^A-Za-z0-9_])(N|C|NC|Q)?_\(' src --include='*.c' --include='*.h' | sort); do
  if ! grep -qxF "$f" po/POTFILES.in; then
    echo "$f uses _() or N_() but is not listed in po/POTFILES.in"
    rc=1
  fi
done
while read -r f; do
  case "$f" in '' | '#'*) continue ;; esac
  if [ ! -f "$f" ]; then
    echo "po/POTFILES.in lists $f, which does not exist"
    rc=1
  fi
done <po/POTFILES.in
exit $rc
