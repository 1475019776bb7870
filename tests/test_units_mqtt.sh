#!/bin/sh
# irrigd-mqtt.service as make install writes it: verify finds nothing, the exposure stays at 1.1, it reaches irrigd's socket and is not enabled.
set -eu
fail() { echo "test_units_mqtt: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null ||
	fail "no systemd-analyze: install the systemd package (scripts/install-deps --test)"
root=$(mktemp -d /tmp/irrigd-units-mqtt-XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib"
for d in bin sbin lib; do ln -s usr/$d "$root/$d"; done
make -s install DESTDIR="$root" PREFIX=/usr >/dev/null
units=/usr/lib/systemd/system
service=$root$units/irrigd-mqtt.service
socket=$root$units/irrigd.socket
[ -f "$service" ] || fail "make install did not install irrigd-mqtt.service"
! grep -q '@[A-Z]*@' "$service" ||
	fail "the unit has a @VARIABLE@ left: $(grep '@[A-Z]*@' "$service")"
grep -q '^ExecStart=/usr/sbin/irrigd-mqtt -c /etc/irrigd/irrigd-mqtt.conf$' "$service" ||
	fail "the unit does not run /usr/sbin/irrigd-mqtt on /etc/irrigd/irrigd-mqtt.conf"
# Nothing of irrigd's is enabled by make install: no link in a .wants.
links=$(find "$root" -name '*.wants' -o -name '*.requires')
[ -z "$links" ] || fail "make install enabled something: $links"

# verify looks up ExecStart= in the root: the bridge where it is built,
# else a stand-in (this test is about the unit, not the program).
if [ ! -x "$root/usr/sbin/irrigd-mqtt" ]; then
	printf '#!/bin/sh\n' >"$root/usr/sbin/irrigd-mqtt"
	chmod 0755 "$root/usr/sbin/irrigd-mqtt"
fi
cp /lib/systemd/system/*.target /lib/systemd/system/*.slice "$root$units/"
# It warns of unknown settings and bad values (an empty SetCredential= value
# on systemd 252) but exits 0: any output fails.
out=$(systemd-analyze verify --root="$root" --man=no "$service" 2>&1) ||
	fail "systemd-analyze verify failed: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"

# The figure the unit's comments and tests/vm-systemd claim. What is left:
# the network (PrivateNetwork=, IPAddressDeny=, AF_INET/AF_INET6), AF_UNIX,
# the supplementary group, the host's root and ProtectClock='s /dev/rtc read.
report=$(cd "$root$units" && systemd-analyze security --offline=yes irrigd-mqtt.service 2>&1) ||
	fail "systemd-analyze security failed: $report"
level=$(printf '%s\n' "$report" |
	sed -n 's/.*Overall exposure level for irrigd-mqtt\.service: \([0-9.]*\).*/\1/p')
[ -n "$level" ] || fail "no overall exposure level in: $report"
awk -v l="$level" 'BEGIN { exit !(l <= 1.1) }' ||
	fail "exposure $level is above 1.1:
$(printf '%s\n' "$report" | grep '✗')"
echo "test_units_mqtt: exposure level $level"

setting() { sed -n "s/^$1=//p" "$2"; }
[ "$(setting Type "$service")" = notify ] || fail "the service is not Type=notify"
[ "$(setting RestrictAddressFamilies "$service")" = "AF_UNIX AF_INET AF_INET6" ] ||
	fail "RestrictAddressFamilies= is $(setting RestrictAddressFamilies "$service")"
grep -q '^CapabilityBoundingSet=$' "$service" || fail "CapabilityBoundingSet= is not empty"
# It reaches irrigd's socket through the socket's group.
group=$(setting SocketGroup "$socket")
[ "$(setting SupplementaryGroups "$service")" = "$group" ] ||
	fail "the bridge is not in the socket's group $group"
[ "$(setting DynamicUser "$service")" = yes ] || [ -n "$(setting User "$service")" ] ||
	fail "the bridge would run as root"
for w in Wants After; do
	setting $w "$service" | grep -qw irrigd.socket || fail "no $w=irrigd.socket"
done
[ "$(setting Restart "$service")" = on-failure ] || fail "not Restart=on-failure"
[ -n "$(setting RestartSec "$service")" ] || fail "no RestartSec="
# The password: LoadCredential= of root's file, with a SetCredential= of the
# same name so that a missing file does not fail the start.
id=$(setting LoadCredential "$service" | sed -n 's|^\([^:]*\):/etc/irrigd/mqtt-password$|\1|p')
[ "$id" = mqtt-password ] || fail "no LoadCredential=mqtt-password:/etc/irrigd/mqtt-password"
setting SetCredential "$service" | grep -q "^$id:" ||
	fail "no SetCredential=$id: fallback: the unit would fail without a password file"
echo "test_units_mqtt: ok"
