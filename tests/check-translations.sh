#!/bin/sh
# Fails unless every translation in po/ is complete for the strings the sources mark now:
# no untranslated and no fuzzy message, and msgfmt --check accepts it (formats match).
set -eu
cd "$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xgettext --from-code=UTF-8 --language=C --add-comments=TRANSLATORS \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --flag=N_:1:pass-c-format --flag=g_strdup_printf:1:c-format \
  --files-from=po/POTFILES.in --output="$tmp/all.pot"
rc=0
n=0
for lang in $(cat po/LINGUAS); do
  n=$((n + 1))
  msgmerge --quiet --no-fuzzy-matching "po/$lang.po" "$tmp/all.pot" --output-file="$tmp/$lang.po"
  stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$tmp/$lang.po" 2>&1)
  echo "$lang: $stats"
  case "$stats" in
  *untranslated* | *fuzzy*) rc=1 ;;
  esac
  # obsolete messages (#~) mean po/$lang.po carries strings the sources no longer have
  if grep -q '^#~' "$tmp/$lang.po"; then
    echo "$lang: obsolete messages; run msgmerge"
    rc=1
  fi
done
[ "$n" -gt 0 ] || { echo "po/LINGUAS lists no translation"; exit 1; }
exit $rc
