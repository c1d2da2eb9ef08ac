#!/bin/sh
# The system integration files of data/ agree with each other and with the code: one bus
# name, one unit name, one service user; the unit passes systemd-analyze verify.
set -eu
src="$1"
build="$2"
name=dev.graspsync.GraspSync1
unit="$build/data/grasp-syncd.service"
activation="$build/data/$name.service"
fail() { echo "$*"; exit 1; }
grep -qx "BusName=$name" "$unit" || fail "$unit: BusName is not $name"
grep -qx "Type=dbus" "$unit" || fail "$unit: not Type=dbus"
grep -qx "Name=$name" "$activation" || fail "$activation: Name is not $name"
grep -qx "SystemdService=grasp-syncd.service" "$activation" || fail "$activation: wrong SystemdService"
grep -qx "Alias=dbus-$name.service" "$unit" || fail "$unit: no dbus-$name.service alias"
grep -q "GS_DBUS_NAME\s*\"$name\"" "$src/src/gs-dbus-service.h" || fail "gs-dbus-service.h: another bus name"
user=$(sed -n 's/^User=//p' "$unit")
[ "$user" = grasp-sync ] || fail "$unit: User=$user"
grep -qE "^u $user " "$src/data/grasp-sync.sysusers.conf" || fail "sysusers: no user $user"
grep -q "<policy user=\"$user\">" "$src/data/$name.conf" || fail "bus policy: $user may not own the name"
grep -q "<policy group=\"$user\">" "$src/data/$name.conf" || fail "bus policy: no control group $user"
grep -q "StateDirectory=grasp-sync" "$unit" || fail "$unit: no StateDirectory"
# systemd-analyze needs an existing ExecStart; check a copy that runs /bin/true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's#^ExecStart=.*#ExecStart=/bin/true#' "$unit" >"$tmp/grasp-syncd.service"
out=$(systemd-analyze verify "$tmp/grasp-syncd.service" 2>&1 | grep -v "Command 'man " || true)
[ -z "$out" ] || fail "systemd-analyze verify: $out"
echo "unit, activation file, sysusers and bus policy agree"
