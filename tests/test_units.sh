#!/bin/sh
# The systemd units as make install writes them: systemd-analyze verify finds
# nothing to say, the sandbox's exposure stays at 1.5 or less, the socket is
# where irrigd and irrigctl look and survives irrigd's stops, and sysusers.d
# makes the user and every group the units name.
set -eu
fail() { echo "test_units: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null ||
	fail "no systemd-analyze: install the systemd package (scripts/install-deps --test)"
root=$(mktemp -d /tmp/irrigd-units-XXXXXX)
trap 'rm -rf "$root"' EXIT
# A merged-/usr root, as Debian's: systemd 257 (Debian 13) looks for units in
# /usr/lib/systemd/system only, 252 in /lib/systemd/system too.
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib"
for d in bin sbin lib; do ln -s usr/$d "$root/$d"; done
make -s install DESTDIR="$root" PREFIX=/usr >/dev/null
units=/usr/lib/systemd/system
service=$root$units/irrigd.service
socket=$root$units/irrigd.socket
[ -f "$service" ] && [ -f "$socket" ] || fail "make install did not install the units"

# verify --root= looks up the commands the units run and the units they
# order against in the root: the installed irrigd, and the host's kill and
# targets.
cp /bin/kill "$root/bin/kill" || fail "no /bin/kill (procps), which ExecReload= runs"
cp /lib/systemd/system/*.target /lib/systemd/system/*.slice "$root$units/"
# It warns of unknown settings and bad values but exits 0: any output fails.
out=$(systemd-analyze verify --root="$root" --man=no "$service" "$socket" 2>&1) ||
	fail "systemd-analyze verify failed: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"

# Exposure: "→ Overall exposure level for irrigd.service: 1.0 OK :-)".
report=$(cd "$root$units" && systemd-analyze security --offline=yes irrigd.service 2>&1) ||
	fail "systemd-analyze security failed: $report"
level=$(printf '%s\n' "$report" |
	sed -n 's/.*Overall exposure level for irrigd\.service: \([0-9.]*\).*/\1/p')
[ -n "$level" ] || fail "no overall exposure level in: $report"
awk -v l="$level" 'BEGIN { exit !(l <= 1.5) }' ||
	fail "exposure $level is above 1.5:
$(printf '%s\n' "$report" | grep '✗')"
echo "test_units: exposure level $level"
# irrigd reads the clock's sync state with adjtimex(3), a clock_adjtime system
# call: outside the filter it fails (or kills irrigd), and programs wait for
# ever. Allowed after every ~ line, which would take it out again.
last_deny=$(grep -n '^SystemCallFilter=~' "$service" | tail -1 | cut -d: -f1)
grep -n '^SystemCallFilter=[^~]' "$service" |
	awk -F: -v d="${last_deny:-0}" '$1 > d && / clock_adjtime( |$)/ && / clock_adjtime64( |$)/ { ok = 1 }
		END { exit !ok }' ||
	fail "the system call filter does not allow clock_adjtime and clock_adjtime64 last"
printf '%s\n' "$report" | grep 'SystemCallFilter=~@clock' | grep -q 'is included' ||
	fail "systemd-analyze does not see @clock's clock_adjtime allowed"
! grep -q '^ProtectClock=yes' "$service" ||
	fail "ProtectClock=yes denies adjtimex's reads of the clock's sync state"

setting() { sed -n "s/^$1=//p" "$2"; }
[ "$(setting Type "$service")" = notify ] || fail "the service is not Type=notify"
[ -n "$(setting WatchdogSec "$service")" ] || fail "no WatchdogSec="
[ "$(setting User "$service")" = irrigd ] || fail "the service does not run as irrigd"
[ "$(setting CapabilityBoundingSet "$service")" = "" ] ||
	fail "CapabilityBoundingSet= is not empty"
grep -q '^CapabilityBoundingSet=$' "$service" || fail "no CapabilityBoundingSet="

# The socket: irrigd's and irrigctl's default path, group irrigd, and in the
# service's RuntimeDirectory=, which must then outlive irrigd's stops.
default_socket=$(sed -n 's/^#define PROTO_DEFAULT_SOCKET "\(.*\)"$/\1/p' \
	include/core/proto.h)
[ -n "$default_socket" ] || fail "no PROTO_DEFAULT_SOCKET in include/core/proto.h"
[ "$(setting ListenStream "$socket")" = "$default_socket" ] ||
	fail "irrigd.socket listens on $(setting ListenStream "$socket"), not $default_socket"
[ "$(setting SocketMode "$socket")" = 0660 ] || fail "the socket's mode is not 0660"
[ "$(setting SocketGroup "$socket")" = irrigd ] || fail "the socket's group is not irrigd"
case $default_socket in
"/run/$(setting RuntimeDirectory "$service")/"*)
	[ "$(setting RuntimeDirectoryPreserve "$service")" = yes ] ||
		fail "stopping irrigd would delete irrigd.socket's socket: RuntimeDirectoryPreserve=yes" ;;
esac

# sysusers.d: user irrigd, and every group of User=, Group=, SupplementaryGroups=
# and SocketGroup=, made in an empty root.
[ -f "$root/usr/lib/sysusers.d/irrigd.conf" ] || fail "no sysusers.d/irrigd.conf in /usr/lib"
if command -v systemd-sysusers >/dev/null; then
	mkdir -p "$root/etc"
	systemd-sysusers --root="$root" >/dev/null 2>&1 ||
		fail "systemd-sysusers failed on sysusers.d/irrigd.conf"
	grep -q '^irrigd:' "$root/etc/passwd" || fail "sysusers made no user irrigd"
	for g in $(setting Group "$service") $(setting SupplementaryGroups "$service") \
		$(setting SocketGroup "$socket"); do
		grep -q "^$g:" "$root/etc/group" || fail "sysusers made no group $g"
	done
fi
echo "test_units: ok"
