#!/bin/sh
# make install and uninstall into a DESTDIR: every file in place, an edited config kept.
set -eu
dest=$(mktemp -d /tmp/irrigd-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
fail() { echo "test_install: $*" >&2; exit 1; }

dirs="UNITDIR=/lib/systemd/system SYSUSERSDIR=/usr/lib/sysusers.d
	BASHCOMPDIR=/usr/share/bash-completion/completions
	UDEVRULESDIR=/usr/lib/udev/rules.d"
# shellcheck disable=SC2086
make -s install DESTDIR="$dest" PREFIX=/usr $dirs >/dev/null
for f in usr/sbin/irrigd usr/bin/irrigctl etc/irrigd/irrigd.conf \
	lib/systemd/system/irrigd.service usr/share/man/man8/irrigd.8 \
	usr/share/man/man1/irrigctl.1 usr/share/man/man5/irrigd.conf.5 \
	lib/systemd/system/irrigd.socket usr/lib/sysusers.d/irrigd.conf \
	usr/share/bash-completion/completions/irrigctl \
	usr/lib/udev/rules.d/60-irrigd.rules usr/sbin/irrigd-mqtt \
	usr/share/man/man8/irrigd-mqtt.8 etc/irrigd/irrigd-mqtt.conf; do
	[ -f "$dest/$f" ] || fail "make install did not install /$f"
done
[ -x "$dest/usr/sbin/irrigd" ] || fail "irrigd is not executable"
grep -q '^ExecStart=/usr/sbin/irrigd ' "$dest/lib/systemd/system/irrigd.service" ||
	fail "the unit does not run the installed /usr/sbin/irrigd"
grep -q '^ExecStopPost=/usr/sbin/irrigd --all-off ' \
	"$dest/lib/systemd/system/irrigd.service" ||
	fail "the unit does not close the valves after irrigd exits"
grep -q '^ListenStream=/run/irrigd/irrigd.sock$' "$dest/lib/systemd/system/irrigd.socket" ||
	fail "irrigd.socket does not listen on /run/irrigd/irrigd.sock"
! grep -q '@[A-Z]*@' "$dest/lib/systemd/system/irrigd.service" ||
	fail "the unit has a @VARIABLE@ left: $(grep '@[A-Z]*@' "$dest/lib/systemd/system/irrigd.service")"
# Plain Debian leaves the chips to root: the rule hands them to the groups
# the unit runs with (tests/vm-systemd checks that udev applies it).
rules=$dest/usr/lib/udev/rules.d/60-irrigd.rules
grep -q '^SUBSYSTEM=="gpio", KERNEL=="gpiochip\[0-9\]\*", GROUP="gpio", MODE="0660"$' "$rules" ||
	fail "the udev rule does not give /dev/gpiochip* to group gpio"
grep -q '^SUBSYSTEM=="i2c-dev", KERNEL=="i2c-\[0-9\]\*", GROUP="i2c", MODE="0660"$' "$rules" ||
	fail "the udev rule does not give /dev/i2c-* to group i2c"
grep -q '^SupplementaryGroups=gpio i2c$' "$dest/lib/systemd/system/irrigd.service" ||
	fail "the unit does not run with the groups the udev rule names"
bash -n "$dest/usr/share/bash-completion/completions/irrigctl" ||
	fail "the bash completion does not parse"
"$dest/usr/sbin/irrigd" --check-config -c "$dest/etc/irrigd/irrigd.conf" >/dev/null ||
	fail "the installed config does not load"
"$dest/usr/sbin/irrigd-mqtt" --check-config -c "$dest/etc/irrigd/irrigd-mqtt.conf" >/dev/null ||
	fail "the installed bridge config does not load"

echo "# edited by the gardener" >>"$dest/etc/irrigd/irrigd.conf"
# shellcheck disable=SC2086
make -s install DESTDIR="$dest" PREFIX=/usr $dirs >/dev/null
grep -q "edited by the gardener" "$dest/etc/irrigd/irrigd.conf" ||
	fail "make install overwrote an edited config"

# shellcheck disable=SC2086
make -s uninstall DESTDIR="$dest" PREFIX=/usr $dirs >/dev/null
for f in usr/sbin/irrigd usr/bin/irrigctl lib/systemd/system/irrigd.service \
	usr/share/man/man8/irrigd.8 usr/share/man/man1/irrigctl.1 \
	usr/share/man/man5/irrigd.conf.5 lib/systemd/system/irrigd.socket \
	usr/lib/sysusers.d/irrigd.conf usr/share/bash-completion/completions/irrigctl \
	usr/lib/udev/rules.d/60-irrigd.rules usr/sbin/irrigd-mqtt \
	usr/share/man/man8/irrigd-mqtt.8; do
	[ ! -e "$dest/$f" ] || fail "make uninstall left /$f"
done
left=$(find "$dest" -type f ! -path "$dest/etc/irrigd/irrigd.conf" \
	! -path "$dest/etc/irrigd/irrigd-mqtt.conf")
[ -z "$left" ] || fail "make uninstall left $left"
[ -f "$dest/etc/irrigd/irrigd.conf" ] || fail "make uninstall removed the config"
echo "test_install: ok"
