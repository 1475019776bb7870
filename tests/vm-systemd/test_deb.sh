#!/bin/sh
# irrigd's Debian package in the systemd lab (run-in-vm --deb): installs the
# .deb into the clean image with dpkg -i, configures the lab's wiring as a
# gardener would, waters, upgrades while idle and while watering, removes
# while watering and purges; after each step it checks the valve in the
# MCP23008's latch, the units' state and the files left. The packages
# (tests/vm-systemd/build-debs) are in /usr/local/lib/irrigd-lab/debs.
# Prints TAP-ish lines, "test_deb: N passed, N failed" and
# "@@SYSTEMD-LAB-STATUS N", which run-in-vm parses.

set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export SYSTEMD_PAGER='' SYSTEMD_COLORS=0 LC_ALL=C.UTF-8
# shellcheck disable=SC1091
. /run/irrigd-lab/env
lab=/usr/local/lib/irrigd-lab
conf=/etc/irrigd/irrigd.conf
unit=irrigd.service
waiter=irrigd-restart-after-upgrade.service
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
note() { echo "# $*"; }
has() { printf '%s\n' "$1" | grep -q -- "$2"; }	# has TEXT PATTERN
section() { echo "# --- $*"; }
indent() { sed 's/^/#   /'; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }'; }
prop() { systemctl show -P "$1" "${2:-$unit}"; }
ctl() { timeout 20 irrigctl "$@"; }
olat() { i2cget -y "$I2C_BUS" 0x20 0x0a; }
valve_closed() { [ $(( $(olat) & 1 )) = 1 ]; }	# active low: latch bit 0 high
valve_open() { [ $(( $(olat) & 1 )) = 0 ]; }
running() { [ "$(prop ActiveState)/$(prop SubState)" = active/running ]; }
state() { echo "$(prop ActiveState "$1")/$(prop SubState "$1")"; }
wait_for() { # wait_for SECONDS COMMAND...: until COMMAND succeeds
	_end=$(( $(date +%s) + $1 ))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -le $_end ] || return 1
		sleep 0.2
	done
}
pkg_status() { dpkg-query -W -f='${Status} ${Version}' irrigd 2>/dev/null; }
daemon_version() { ctl version 2>/dev/null | sed -n 's/^irrigd \([^,]*\),.*/\1/p'; }
# The deb of a version: irrigd_VERSION_ARCH.deb.
deb_of() { ls "$lab"/debs/irrigd_"$1"_*.deb; }
# The files user irrigd owns anywhere (/run is another file system).
irrigd_files() { find / /run -xdev -user irrigd 2>/dev/null; }

t_test=$(uptime_s)
note "boot: multi-user.target reached at $(awk -v u="$(systemctl show -P ActiveEnterTimestampMonotonic multi-user.target)" \
	'BEGIN { printf "%.1f", u / 1e6 }') s of guest time; test starts at $t_test s"
note "$(systemctl --version | head -1); packages: $(cd $lab/debs && echo *.deb)"
v0=$(ls $lab/debs | sed -n 's/^irrigd_\([^_+]*\)_.*\.deb$/\1/p')
v1=$v0+labupgrade1
v2=$v0+labupgrade2
check "three packages to install: $v0, $v1, $v2" \
	sh -c "[ -f '$(deb_of "$v0")' ] && [ -f '$(deb_of "$v1")' ] && [ -f '$(deb_of "$v2")' ]"
check "the clean image has no irrigd ($(pkg_status || echo 'not installed'))" \
	sh -c '! dpkg-query -W irrigd >/dev/null 2>&1 && [ ! -e /usr/sbin/irrigd ]'

# --- 1. dpkg -i ---------------------------------------------------------------
section "install $v0"
t0=$(uptime_s)
out=$(dpkg -i "$(deb_of "$v0")" 2>&1)
rc=$?
echo "$out" | indent
check "dpkg -i irrigd_$v0 succeeds ($(since "$t0") s)" [ $rc = 0 ]
check "irrigd is installed ($(pkg_status))" [ "$(pkg_status)" = "install ok installed $v0" ]
check "user irrigd and groups gpio and i2c exist (systemd-sysusers)" \
	sh -c 'getent passwd irrigd && getent group gpio && getent group i2c' 
for d in /dev/$GPIOSIM_CHIP $I2C_DEV; do
	case $d in /dev/gpiochip*) g=gpio ;; *) g=i2c ;; esac
	m=$(stat -c '%G %a' "$d" 2>&1)
	check "$d is group $g, mode 0660, at once: postinst applied the udev rule ($m)" [ "$m" = "$g 660" ]
done
for u in irrigd.socket irrigd.service; do
	check "$u is enabled ($(systemctl is-enabled $u 2>&1))" [ "$(systemctl is-enabled $u 2>&1)" = enabled ]
done
check "irrigd.socket is active ($(state irrigd.socket))" [ "$(prop ActiveState irrigd.socket)" = active ]
check "irrigd.service is running ($(state $unit))" running
check "irrigctl talks to irrigd $v0 ($(daemon_version))" [ "$(daemon_version)" = "$v0" ]
check "$conf is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' irrigd | grep -q ' $conf '"
failed_units=$(systemctl list-units --failed --plain --no-legend | awk '{ print $1 }' | xargs)
check "no unit failed (${failed_units:-none})" [ -z "$failed_units" ]

# --- 2. the gardener's wiring ---------------------------------------------------
section "the gardener's config: the lab's wiring"
cp $lab/irrigd.conf $conf
systemctl restart $unit
check "irrigd runs on the linux backend ($(state $unit))" running
check "every valve is closed (OLAT $(olat))" valve_closed
ctl water garden 10m --no-wait | indent
wait_for 5 valve_open
check "irrigctl water opens the valve in the chip (OLAT $(olat))" valve_open
ctl stop | indent
wait_for 5 valve_closed
check "irrigctl stop closes it (OLAT $(olat))" valve_closed

# --- 3. upgrade while idle: dpkg asks about the conffile --------------------------
section "upgrade to $v1 while idle"
pid=$(prop MainPID)
sock_since=$(prop ActiveEnterTimestampMonotonic irrigd.socket)
# Both the gardener and the package changed irrigd.conf: dpkg asks, and with
# no answer (stdin at end of file) it stops there, irrigd untouched.
out=$(dpkg -i "$(deb_of "$v1")" </dev/null 2>&1)
rc=$?
echo "$out" | indent
asked=no
[ $rc != 0 ] && has "$out" "Configuration file '$conf'" && asked=yes
check "dpkg -i asks about $conf, changed on both sides, and stops (exit $rc)" [ $asked = yes ]
check "meanwhile irrigd runs on, same pid ($pid -> $(prop MainPID))" \
	sh -c "[ \"\$(systemctl show -P MainPID $unit)\" = $pid ]"
t0=$(uptime_s)
out=$(dpkg --force-confold --configure irrigd 2>&1)
rc=$?
echo "$out" | indent
check "dpkg --force-confold --configure succeeds ($(since "$t0") s)" [ $rc = 0 ]
check "irrigd $v1 is installed ($(pkg_status))" [ "$(pkg_status)" = "install ok installed $v1" ]
check "the gardener's $conf is kept" cmp -s $lab/irrigd.conf $conf
check "the package's is beside it, $conf.dpkg-dist" grep -q "^# $v1\$" $conf.dpkg-dist
wait_for 30 sh -c "[ \"\$(systemctl show -P MainPID $unit)\" != $pid ] && systemctl -q is-active $unit"
check "irrigd was restarted at once, idle ($pid -> $(prop MainPID), $(state $unit))" \
	sh -c "[ \"\$(systemctl show -P MainPID $unit)\" != $pid ] && systemctl -q is-active $unit"
wait_for 10 sh -c "[ \"\$(timeout 5 irrigctl version | sed -n 's/^irrigd \([^,]*\),.*/\1/p')\" = $v1 ]"
check "on the new version ($(daemon_version))" [ "$(daemon_version)" = "$v1" ]
check "irrigd.socket was renewed and is active ($(state irrigd.socket))" \
	sh -c "[ \"\$(systemctl show -P ActiveState irrigd.socket)\" = active ] &&
		[ \"\$(systemctl show -P ActiveEnterTimestampMonotonic irrigd.socket)\" != $sock_since ]"
failed_units=$(systemctl list-units --failed --plain --no-legend | awk '{ print $1 }' | xargs)
check "no unit failed (${failed_units:-none})" [ -z "$failed_units" ]
check "every valve is closed (OLAT $(olat))" valve_closed

# --- 4. upgrade while watering: the restart waits for the run ---------------------
section "upgrade to $v2 while watering"
# A run longer than any dpkg -i here; stopped by hand once the checks are done.
ctl water garden 10m --no-wait | indent
wait_for 5 valve_open
check "the valve is open (OLAT $(olat))" valve_open
pid=$(prop MainPID)
t_run=$(uptime_s)
out=$(dpkg --force-confold -i "$(deb_of "$v2")" 2>&1)
rc=$?
echo "$out" | indent
check "dpkg -i irrigd_$v2 succeeds while the zone waters ($(since "$t_run") s)" [ $rc = 0 ]
check "and says irrigd restarts once idle" has "$out" 'restarts on the new version once'
check "irrigd was not restarted: same pid ($pid -> $(prop MainPID))" [ "$(prop MainPID)" = "$pid" ]
check "the valve is still open (OLAT $(olat))" valve_open
check "$waiter waits ($(state $waiter))" [ "$(prop ActiveState $waiter)" = active ]
sleep 6	# longer than the waiter's poll: it must keep waiting
check "and still waters ($pid -> $(prop MainPID), OLAT $(olat))" \
	sh -c "[ \"\$(systemctl show -P MainPID $unit)\" = $pid ] && [ \$(( \$(i2cget -y $I2C_BUS 0x20 0x0a) & 1 )) = 0 ]"
ctl stop | indent
wait_for 60 sh -c "[ \"\$(systemctl show -P MainPID $unit)\" != $pid ] && systemctl -q is-active $unit"
check "once the run ends, irrigd is restarted ($pid -> $(prop MainPID), $(since "$t_run") s after the run began)" \
	sh -c "[ \"\$(systemctl show -P MainPID $unit)\" != $pid ] && systemctl -q is-active $unit"
wait_for 10 sh -c "[ \"\$(timeout 5 irrigctl version | sed -n 's/^irrigd \([^,]*\),.*/\1/p')\" = $v2 ]"
check "on the new version ($(daemon_version))" [ "$(daemon_version)" = "$v2" ]
last=$(ctl --json history 1)
echo "$last" | indent
check "the run ended as the gardener stopped it, not cut short by the upgrade: outcome stopped" \
	has "$last" '"outcome":"stopped"'
check "every valve is closed (OLAT $(olat))" valve_closed
check "irrigd.socket is active ($(state irrigd.socket))" [ "$(prop ActiveState irrigd.socket)" = active ]
failed_units=$(systemctl list-units --failed --plain --no-legend | awk '{ print $1 }' | xargs)
check "no unit failed, $waiter included (${failed_units:-none})" [ -z "$failed_units" ]
journalctl -q --no-pager -u $waiter | indent
check "$waiter says in the journal it waited for the run" \
	sh -c "journalctl -q --no-pager -u $waiter | grep -q 'irrigd is idle after [1-9][0-9]*s'"

# --- 4b. the wait is bounded ----------------------------------------------------------
section "a run longer than the restart may wait"
# The bound (2 h) made 3 s, as the script's environment allows: the run is
# cut, recorded as interrupted, and irrigd says so when it starts again.
ctl water garden 10m --no-wait | indent
wait_for 5 valve_open
pid=$(prop MainPID)
t_cut=$(date +%s)
IRRIGD_UPGRADE_MAX_WAIT=3 IRRIGD_UPGRADE_POLL=1 /usr/libexec/irrigd/restart-after-upgrade 2>&1 | indent
wait_for 60 sh -c "[ \"\$(systemctl show -P MainPID $unit)\" != $pid ] && systemctl -q is-active $unit"
check "after the bound irrigd is restarted anyway ($pid -> $(prop MainPID))" \
	sh -c "[ \"\$(systemctl show -P MainPID $unit)\" != $pid ] && systemctl -q is-active $unit"
check "every valve is closed (OLAT $(olat))" valve_closed
journalctl -q --no-pager -u $waiter --since "@$t_cut" -o cat | indent
check "$waiter says the run is cut short" \
	sh -c "journalctl -q --no-pager -u $waiter --since @$t_cut -o cat | grep -q 'recorded as interrupted'"
last=$(ctl --json history 1)
echo "$last" | indent
check "the history records the run as interrupted" has "$last" '"outcome":"interrupted"'
check "irrigd's journal says the last run was interrupted" \
	sh -c "journalctl -q --no-pager -u $unit --since @$t_cut -o cat | grep -q 'the last run, of zone garden, was interrupted'"

# --- 4b. metrics for node-exporter, through the read-only socket -----------------------
section "metrics for node-exporter"
prom=/var/lib/prometheus/node-exporter/irrigd.prom
systemctl enable --now irrigd-metrics-textfile.timer 2>&1 | indent
check "irrigd-metrics-textfile.timer links $prom to the metrics it writes" \
	wait_for 30 test -L $prom
check "node-exporter's file holds irrigd's figures" \
	wait_for 30 grep -q '^irrigd_build_info' $prom
check "the file is written by irrigd-metrics in its own directory, in /run ($(readlink $prom))" \
	sh -c "[ \"\$(readlink $prom)\" = /run/irrigd-metrics/irrigd.prom ] && [ \"\$(stat -c %U /run/irrigd-metrics/irrigd.prom 2>/dev/null)\" = irrigd-metrics ]"
check "nothing in /var/lib/irrigd-metrics (the SD card spared)" [ ! -e /var/lib/irrigd-metrics ]

# --- 5. remove while watering ------------------------------------------------------
section "remove while watering"
ctl water garden 10m --no-wait | indent
wait_for 5 valve_open
check "the valve is open (OLAT $(olat))" valve_open
t_rm=$(date +%s)
t0=$(uptime_s)
out=$(dpkg -r irrigd 2>&1)
rc=$?
echo "$out" | indent
check "dpkg -r irrigd succeeds ($(since "$t0") s)" [ $rc = 0 ]
check "the valve is closed (OLAT $(olat))" valve_closed
journalctl -q --no-pager -u $unit --since "@$t_rm" -o cat | tail -8 | indent
check "ExecStopPost's irrigd --all-off ran: 'every valve closed' in the journal" \
	sh -c "journalctl -q --no-pager -u $unit --since @$t_rm -o cat | grep -q 'every valve closed (as the wiring record says)'"
for u in irrigd.service irrigd.socket; do
	s=$(systemctl is-active $u 2>&1)
	check "$u is stopped ($s)" [ "$s" = inactive ]
done
check "the package is removed, its config kept ($(pkg_status))" \
	[ "$(pkg_status)" = "deinstall ok config-files $v2" ]
check "the programs are gone" sh -c '[ ! -e /usr/sbin/irrigd ] && [ ! -e /usr/bin/irrigctl ]'
check "$conf and /var/lib/irrigd are kept" sh -c "[ -f $conf ] && [ -d /var/lib/irrigd ]"
check "node-exporter's link to the metrics is gone" sh -c "[ ! -e $prom ] && [ ! -L $prom ]"
s=$(systemctl is-active irrigd-metrics-textfile.timer 2>&1)
check "the metrics timer is stopped ($s)" [ "$s" = inactive ]

# --- 6. purge --------------------------------------------------------------------------
section "purge"
t0=$(uptime_s)
out=$(dpkg -P irrigd 2>&1)
rc=$?
echo "$out" | indent
check "dpkg -P irrigd succeeds ($(since "$t0") s)" [ $rc = 0 ]
st=$(dpkg-query -W -f='${db:Status-Status}' irrigd 2>/dev/null)
check "irrigd is gone from dpkg's database (${st:-unknown})" [ "${st:-not-installed}" = not-installed ]
check "/etc/irrigd is gone" [ ! -e /etc/irrigd ]
check "/var/lib/irrigd is gone" [ ! -e /var/lib/irrigd ]
check "/var/lib/irrigd-metrics and /run/irrigd-metrics are gone" \
	sh -c "[ ! -e /var/lib/irrigd-metrics ] && [ ! -e /run/irrigd-metrics ]"
left=$(irrigd_files | xargs)
check "no file of user irrigd is left (${left:-none})" [ -z "$left" ]
left=$(find / /run -xdev -user irrigd-metrics 2>/dev/null | xargs)
check "no file of user irrigd-metrics is left (${left:-none})" [ -z "$left" ]
left=$(find /etc/systemd /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked \
	\( -name 'irrigd.*' -o -name 'irrigd-*' \) ! -name 'irrigd-lab-*' 2>/dev/null | xargs)
check "no unit link or deb-systemd-helper state is left (${left:-none})" [ -z "$left" ]
check "the valve stayed closed (OLAT $(olat))" valve_closed

# -----------------------------------------------------------------------------------
note "the test took $(since "$t_test") s; guest uptime $(uptime_s) s"
echo "test_deb: $passed passed, $failed failed"
rc=0
[ $failed = 0 ] || rc=1
echo "@@SYSTEMD-LAB-STATUS $rc"
sleep 0.2
exit $rc
