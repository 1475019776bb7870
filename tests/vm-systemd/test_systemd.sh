#!/bin/sh
# irrigd under systemd, in the systemd lab (tests/vm-systemd/README.md): run
# by irrigd-lab-test.service once the VM is up, as installed by make install
# (PREFIX=/usr) with tests/vm-systemd/irrigd.conf (the linux backend on
# gpio-sim and i2c-stub) and a drop-in that sets WatchdogSec=5s. Prints TAP-ish
# lines, "test_systemd: N passed, N failed" and "@@SYSTEMD-LAB-STATUS N",
# which tests/vm-systemd/run-in-vm parses.

set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export SYSTEMD_PAGER='' SYSTEMD_COLORS=0 LC_ALL=C.UTF-8
set -a	# lab-pulse needs GPIOSIM_SYSFS
# shellcheck disable=SC1091
. /run/irrigd-lab/env
# run-in-vm -e NAME=VALUE
. /usr/local/lib/irrigd-lab/env
set +a
CLOSE_LIMIT=${CLOSE_LIMIT:-1.0}
conf=/etc/irrigd/irrigd.conf
sock=/run/irrigd/irrigd.sock
unit=irrigd.service
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
note() { echo "# $*"; }
section() { echo "# --- $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# since T0: seconds from an uptime_s reading to now, to 0.01 s.
since() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.2f", b - a }'; }
prop() { systemctl show -P "$1" "${2:-$unit}"; }
ctl() { timeout 20 irrigctl "$@"; }
olat() { i2cget -y "$I2C_BUS" 0x20 0x0a; }
valve_closed() { [ $(( $(olat) & 1 )) = 1 ]; }	# active low: latch bit 0 high
valve_open() { [ $(( $(olat) & 1 )) = 0 ]; }
quietly() { "$@" >/dev/null 2>&1; }
has() { printf '%s\n' "$1" | grep -q -- "$2"; }	# has TEXT PATTERN
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^[0-9]+([.][0-9]*)?$/ && a + 0 <= b + 0) }'; }
# now_cs: NOW = the uptime in centiseconds, without a fork (a fork and an
# exec cost tens of milliseconds under software emulation).
now_cs() {
	read -r _up _idle </proc/uptime
	NOW=$(( ${_up%.*} * 100 + 1${_up#*.} - 100 ))
}
wait_for() { # wait_for SECONDS COMMAND...: until COMMAND succeeds
	now_cs
	_end=$(( NOW + ${1%.*} * 100 ))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		now_cs
		[ $NOW -le $_end ] || return 1
		sleep 0.05
	done
}
running() { [ "$(prop ActiveState)/$(prop SubState)" = active/running ]; }
restarted() { # restarted OLD-PID OLD-NRESTARTS: running again under a new pid
	running && [ "$(prop MainPID)" != "$1" ] && [ "$(prop NRestarts)" -gt "$2" ]
}
# signal SIG PID: never to pid 0 or 1 (MainPID is 0 when the unit is down).
signal() {
	if [ "${2:-0}" -gt 1 ]; then kill "-$1" "$2"; else echo "# no process to send SIG$1 to"; return 1; fi
}
journal_since() { # journal_since EPOCH [MATCHES...]: irrigd's entries since then
	_t=$1
	shift
	journalctl -q --no-pager -u "$unit" --since "@$_t" "$@"
}
secs() { # a systemd time span in seconds (5s, 1min 30s, 100ms)
	echo "$1" | awk '{ t = 0; for (i = 1; i <= NF; i++) { v = $i + 0
		if ($i ~ /ms$/) t += v / 1000; else if ($i ~ /min$/) t += v * 60
		else if ($i ~ /h$/) t += v * 3600; else if ($i ~ /us$/) t += v / 1e6
		else t += v } print t }'
}

t_test=$(uptime_s)
note "boot: multi-user.target reached at $(awk -v u="$(systemctl show -P ActiveEnterTimestampMonotonic multi-user.target)" \
	'BEGIN { printf "%.1f", u / 1e6 }') s of guest time; test starts at $t_test s"
note "$(systemctl --version | head -1); $(irrigd --version)"
note "simulated hardware: /dev/$GPIOSIM_CHIP, i2c-stub on $I2C_DEV"
for f in /usr/sbin/irrigd /usr/bin/irrigctl; do
	[ -x $f ] || { not_ok "make install put $f"; }
done
# The lab has no udev rule of its own: what gives the chips to irrigd's
# groups is the rule make install ships (plain Debian leaves them to root).
check "make install put /usr/lib/udev/rules.d/60-irrigd.rules" [ -f /usr/lib/udev/rules.d/60-irrigd.rules ]
for d in /dev/$GPIOSIM_CHIP $I2C_DEV; do
	case $d in /dev/gpiochip*) g=gpio ;; *) g=i2c ;; esac
	m=$(stat -c '%G %a' "$d" 2>&1)
	check "$d is group $g, mode 0660 ($m)" [ "$m" = "$g 660" ]
done
failed_units=$(systemctl list-units --failed --plain --no-legend | awk '{ print $1 }' | xargs)
check "no unit failed during boot (${failed_units:-none})" [ -z "$failed_units" ]

# --- 1. start: active only after READY=1 ---------------------------------------
section "systemctl start"
# Nothing is enabled by make install; if something started irrigd anyway,
# stop it so that the start below is a real one.
systemctl stop irrigd.service irrigd.socket 2>/dev/null
check "irrigd.service is Type=notify" [ "$(prop Type)" = notify ]
t0=$(uptime_s)
systemctl start $unit
rc=$?
took=$(since "$t0")
state="$(prop ActiveState)/$(prop SubState)"
status=$(prop StatusText)
check "systemctl start irrigd succeeds ($took s)" [ $rc = 0 ]
check "and returns with the unit active/running ($state)" [ "$state" = active/running ]
# READY=1 and STATUS= come in one notification: a status means systemd had
# the READY before start returned.
check "systemd had irrigd's READY=1 notification by then (status '$status')" [ -n "$status" ]
out=$(timeout 5 irrigctl version 2>&1)
check "the socket answers right after start returns ($out)" [ $? = 0 ]
check "every valve is closed (OLAT $(olat))" valve_closed
if ! running; then
	journalctl -q --no-pager -b -u $unit -o short-monotonic | tail -30 | sed 's/^/#   /'
fi

# --- 2. socket activation ------------------------------------------------------
section "socket activation"
if [ -f /usr/lib/systemd/system/irrigd.socket ] || [ -f /etc/systemd/system/irrigd.socket ]; then
	ok "make install put irrigd.socket"
else
	not_ok "make install put irrigd.socket"
fi
systemctl stop $unit
systemctl enable --now irrigd.socket 2>&1 | sed 's/^/# /'
check "irrigd.socket is enabled ($(systemctl is-enabled irrigd.socket 2>&1))" \
	[ "$(systemctl is-enabled irrigd.socket 2>&1)" = enabled ]
check "and listening ($(systemctl is-active irrigd.socket 2>&1))" \
	[ "$(systemctl is-active irrigd.socket 2>&1)" = active ]
check "irrigd.service is stopped ($(prop ActiveState))" [ "$(prop ActiveState)" = inactive ]
check "$sock is there with the service stopped" [ -S $sock ]
t0=$(uptime_s)
out=$(ctl status 2>&1)
rc=$?
check "the first irrigctl connection gets an answer ($(since "$t0") s)" [ $rc = 0 ]
echo "$out" | sed 's/^/#   /'
check "and started irrigd.service ($(prop ActiveState)/$(prop SubState))" running
check "which got its socket from systemd (TriggeredBy $(prop TriggeredBy))" \
	sh -c "systemctl show -P TriggeredBy $unit | grep -qw irrigd.socket"

# --- 3. reload with a broken config ---------------------------------------------
section "systemctl reload with a broken config"
pid=$(prop MainPID)
cp $conf /run/irrigd-lab/irrigd.conf.good
# A new zone name (a change that would show) and a misspelt setting.
sed -e 's/"garden"/"lawn"/' -e 's/^report_interval/report_intervall/' \
	/run/irrigd-lab/irrigd.conf.good >$conf
t0=$(date +%s)
systemctl reload $unit
note "systemctl reload exited $?"
wait_for 10 sh -c "journalctl -q -u $unit --since @$t0 -o cat | grep -qi refused"
refusal=$(journal_since "$t0" -o cat | grep -i refused | head -1)
check "the journal shows the refusal ($refusal)" [ -n "$refusal" ]
check "irrigd still runs, same pid ($pid -> $(prop MainPID))" \
	sh -c "[ \"\$(systemctl show -P MainPID $unit)\" = $pid ] && systemctl -q is-active $unit"
zones=$(ctl zones 2>&1)
check "irrigctl still works, with the old config (zone garden, no lawn)" \
	sh -c "echo '$zones' | grep -q garden && ! echo '$zones' | grep -q lawn"
cp /run/irrigd-lab/irrigd.conf.good $conf
t0=$(date +%s)
systemctl reload $unit
wait_for 10 sh -c "journalctl -q -u $unit --since @$t0 IRRIGD_EVENT=config-reloaded | grep -q ."
check "a good config reloads (IRRIGD_EVENT=config-reloaded)" \
	sh -c "journalctl -q -u $unit --since @$t0 IRRIGD_EVENT=config-reloaded | grep -q ."

# --- 4. kill -9 while watering ------------------------------------------------------
section "kill -9 during a watering"
ctl water garden 10m --no-wait | sed 's/^/#   /'
wait_for 5 valve_open
check "the valve is open (OLAT $(olat))" valve_open
pid=$(prop MainPID)
n=$(prop NRestarts)
# lab-i2c-wait sends the SIGKILL and reads the latch every 5 ms from then on.
t0=$(uptime_s)
took=$(lab-i2c-wait -k "$pid" -t 3000 "$I2C_BUS" 0x20 0x0a 0x01 0x01)
check "ExecStopPost (irrigd --all-off) closed it within $CLOSE_LIMIT s of the SIGKILL ($took s; OLAT $(olat))" \
	at_most "$took" "$CLOSE_LIMIT"
restart_s=$(secs "$(prop RestartUSec)")
wait_for $((${restart_s%.*} + 20)) restarted "$pid" "$n"
check "and systemd restarted irrigd (Restart=on-failure, RestartSec=${restart_s}s): pid $pid -> $(prop MainPID) after $(since "$t0") s" \
	restarted "$pid" "$n"
wait_for 10 sh -c 'timeout 5 irrigctl version'
check "irrigctl works again" quietly ctl status
check "the valve stayed closed (OLAT $(olat))" valve_closed

# --- 5. the watchdog ----------------------------------------------------------------
section "watchdog"
wd=$(secs "$(prop WatchdogUSec)")
check "WatchdogSec is the drop-in's 5 s ($wd)" [ "$wd" = 5 ]
pid=$(prop MainPID)
n=$(prop NRestarts)
t_wd=$(date +%s)
t0=$(uptime_s)
signal STOP "$pid"	# a stopped process cannot ping
limit=$(awk -v w="$wd" -v r="$restart_s" 'BEGIN { print w + r + 15 }')
wait_for "$limit" restarted "$pid" "$n"
took=$(since "$t0")
check "a stopped irrigd is killed and restarted within WatchdogSec + RestartSec + 15 s ($took s of $limit)" \
	restarted "$pid" "$n"
line=$(journal_since "$t_wd" -o cat | grep -i 'watchdog timeout' | head -1)
check "systemd logged the watchdog timeout ($line)" [ -n "$line" ]
wait_for 10 sh -c 'timeout 5 irrigctl version'
check "irrigctl works again" quietly ctl status

# --- 6. structured journal entries ----------------------------------------------
section "journal"
t0=$(date +%s)
ctl water garden 3s >/run/irrigd-lab/run.out 2>&1 &
job=$!
wait_for 5 valve_open
lab-pulse -q 17 450		# 450 pulses: 1 litre at 450 pulses per litre
wait $job
sed 's/^/#   /' /run/irrigd-lab/run.out
used=$(sed -n 's/^Water used: \([0-9.]*\) L.*/\1/p' /run/irrigd-lab/run.out)
wait_for 5 sh -c "journalctl -q -u $unit --since @$t0 IRRIGD_EVENT=water-end | grep -q ."
entry=$(journalctl -q --no-pager -u $unit --since "@$t0" IRRIGD_EVENT=water-end -o export)
echo "$entry" | grep -E '^(MESSAGE|MESSAGE_ID|IRRIGD_EVENT|LITRES|DURATION_S|ZONE|PRIORITY)=' |
	sed 's/^/#   /'
litres=$(echo "$entry" | sed -n 's/^LITRES=//p' | tail -1)
check "journalctl -u irrigd IRRIGD_EVENT=water-end finds the run" [ -n "$entry" ]
check "with LITRES=$litres, as irrigctl said (Water used: $used L)" \
	[ -n "$litres" -a "$litres" = "$used" ]
check "and 450 pulses made it 1 litre" [ "$litres" = 1.00 ]

# --- 7. kill -9 after a refused reload, and after a refused wiring change --------
# issue #11: --all-off needed a valid config, and used the file's pins, not
# those the daemon drove. It now closes what irrigd recorded in
# /var/lib/irrigd/wiring.
# kill_wait_closed PID: SIGKILL, then, once ExecStopPost= has run and
# systemd waits to restart (RestartSec=), closed_at="SUBSTATE, OLAT bit 0 B",
# the latch read first: what ExecStopPost left, not what a start did. How
# long it took is only noted: the host may be busy.
kill_wait_closed() {
	_t0=$(uptime_s)
	signal KILL "$1"
	wait_for 20 sh -c "[ \"\$(systemctl show -P SubState $unit)\" = auto-restart ]"
	_bit=$(( $(olat) & 1 ))
	closed_at="$(prop SubState), OLAT bit 0 $_bit"
	note "ExecStopPost done and the latch read $(since "$_t0") s after the SIGKILL"
}
section "kill -9 after a refused reload"
cp /run/irrigd-lab/irrigd.conf.good $conf
systemctl reset-failed $unit 2>/dev/null
ctl water garden 10m --no-wait | sed 's/^/#   /'
wait_for 5 valve_open
check "the valve is open (OLAT $(olat))" valve_open
# A second zone named garden: the file does not load.
sed 's/^zones = ($/zones = ( { name = "garden"; valve = { expander = 0x20; pin = 1; }; },/' \
	/run/irrigd-lab/irrigd.conf.good >$conf
t0=$(date +%s)
systemctl reload $unit
wait_for 10 sh -c "journalctl -q -u $unit --since @$t0 -o cat | grep -qi refused"
out=$(ctl status 2>&1)
echo "$out" | grep 'Reload refused' | sed 's/^/#   /'
check "irrigctl status tells of the refused reload" has "$out" 'Reload refused'

json=$(ctl --json status 2>&1)
check "and so does its JSON (reload_refused)" has "$json" '"reload_refused":{"at":'

pid=$(prop MainPID)
n=$(prop NRestarts)
kill_wait_closed "$pid"
check "ExecStopPost closed the valve with that file on disk, before any restart ($closed_at)" \
	[ "$closed_at" = "auto-restart, OLAT bit 0 1" ]
# The restart fails (status 78: the config) and is not tried again.
wait_for $((${restart_s%.*} + 20)) sh -c "[ \"\$(systemctl show -P ActiveState $unit)\" = failed ]"
result="$(prop ActiveState)/$(prop Result), status $(prop ExecMainStatus)"
check "the restart fails on the config and the unit stays failed ($result)" \
	[ "$(prop ActiveState)/$(prop ExecMainStatus)" = failed/78 ]
n2=$(prop NRestarts)
sleep $((${restart_s%.*} + 2))
state="$(prop ActiveState), NRestarts $n -> $n2 -> $(prop NRestarts)"
check "without looping ($state)" [ "$state" = "failed, NRestarts $n -> $n2 -> $n2" ]
check "the valve stayed closed (OLAT $(olat))" valve_closed
journal_since "$(($(date +%s) - 30))" -o cat | grep -iE 'closed|refused|invalid|zones' | tail -6 | sed 's/^/#   /'

section "kill -9 after a refused wiring change"
cp /run/irrigd-lab/irrigd.conf.good $conf
systemctl reset-failed $unit
systemctl start $unit
check "a good config starts irrigd again ($(prop ActiveState)/$(prop SubState))" running
wait_for 10 sh -c 'timeout 5 irrigctl version'
ctl water garden 10m --no-wait | sed 's/^/#   /'
wait_for 5 valve_open
check "the valve on pin 0 is open (OLAT $(olat))" valve_open
# The valve moved to pin 1: a change of wiring, refused by a reload.
sed 's/pin = 0; active_low/pin = 1; active_low/' /run/irrigd-lab/irrigd.conf.good >$conf
t0=$(date +%s)
systemctl reload $unit
wait_for 10 sh -c "journalctl -q -u $unit --since @$t0 -o cat | grep -qi refused"
out=$(ctl status 2>&1)
echo "$out" | grep 'Reload refused' | sed 's/^/#   /'
check "irrigctl status tells of the refused wiring change" \
	has "$out" "Reload refused.*a zone's valve pin changed"
pid=$(prop MainPID)
n=$(prop NRestarts)
kill_wait_closed "$pid"
check "ExecStopPost closed pin 0, the one irrigd drove, not only the file's pin 1, before any restart ($closed_at)" \
	[ "$closed_at" = "auto-restart, OLAT bit 0 1" ]
wait_for $((${restart_s%.*} + 20)) restarted "$pid" "$n"
check "systemd restarted irrigd on the new wiring ($(prop ActiveState)/$(prop SubState))" \
	restarted "$pid" "$n"
wait_for 10 sh -c 'timeout 5 irrigctl version'
check "pin 0 stays closed after the start (OLAT $(olat))" valve_closed
cp /run/irrigd-lab/irrigd.conf.good $conf
systemctl restart $unit

# --- 8. sandboxing ------------------------------------------------------------------
section "systemd-analyze security"
sec=$(systemd-analyze security --no-pager $unit 2>&1)
echo "$sec" | grep -E '✗|Overall' | sed 's/^/#   /'
level=$(echo "$sec" | sed -n 's/.*Overall exposure level for [^:]*: *\([0-9.]*\).*/\1/p')
check "exposure ${level:-?} <= 1.5" at_most "$level" 1.5

section "DeviceAllow"
note "irrigd.service: DevicePolicy=$(prop DevicePolicy), DeviceAllow=$(prop DeviceAllow)"
check "irrigd.service allows only listed devices (DevicePolicy=$(prop DevicePolicy))" \
	sh -c "systemctl show -P DevicePolicy $unit | grep -Eq '^(closed|strict)$'"
out=$(systemd-run --quiet --wait --pipe -p DevicePolicy=closed -p "DeviceAllow=$I2C_DEV rw" \
	/bin/sh -c 'exec 3<>/dev/gpiochip0 && echo opened' 2>&1)
rc=$?
check "a unit with DevicePolicy=closed and no gpiochip allowance cannot open /dev/gpiochip0 (exit $rc: $(echo "$out" | tail -1))" \
	sh -c "[ $rc != 0 ] && echo '$out' | grep -q 'Operation not permitted'"
out=$(systemd-run --quiet --wait --pipe -p DevicePolicy=closed \
	-p "DeviceAllow=/dev/$GPIOSIM_CHIP rw" /bin/sh -c 'exec 3<>/dev/gpiochip0 && echo opened' 2>&1)
rc=$?
check "one with DeviceAllow=/dev/$GPIOSIM_CHIP rw can (exit $rc: $out)" [ $rc = 0 ]

# --- 9. a chip irrigd's groups may not open ----------------------------------------
# As plain Debian leaves it without the shipped udev rule: root's only.
section "Permission denied"
systemctl stop irrigd.socket $unit 2>/dev/null
chown root:root /dev/$GPIOSIM_CHIP
chmod 0600 /dev/$GPIOSIM_CHIP
t0=$(date +%s)
systemctl start $unit 2>/dev/null
wait_for 20 sh -c "journalctl -q -u $unit --since @$t0 -o cat | grep -q 'flow meter.*Permission denied'"
line=$(journal_since "$t0" -o cat | grep 'flow meter.*Permission denied' | head -1)
note "$line"
check "irrigd cannot open the flow meter's line, and says why" [ -n "$line" ]
check "and names the udev rule that gives the chips to group gpio" \
	sh -c "journalctl -q -u $unit --since @$t0 -o cat | grep 'flow meter.*Permission denied' | grep -q '60-irrigd.rules'"
systemctl stop $unit
systemctl reset-failed $unit 2>/dev/null
# What make install runs on a live system: the rule applied to the chips there.
udevadm trigger --settle --subsystem-match=gpio --action=add
m=$(stat -c '%G %a' /dev/$GPIOSIM_CHIP 2>&1)
check "udevadm trigger gives /dev/$GPIOSIM_CHIP back to group gpio, mode 0660 ($m)" [ "$m" = "gpio 660" ]
systemctl start $unit
check "and irrigd starts again" running

# -----------------------------------------------------------------------------------
echo "# irrigd's journal:"
journalctl -q --no-pager -b -u $unit -u irrigd.socket -o short-monotonic | tail -60 | sed 's/^/#   /'
note "the test took $(since "$t_test") s; guest uptime $(uptime_s) s"
echo "test_systemd: $passed passed, $failed failed"
rc=0
[ $failed = 0 ] || rc=1
echo "@@SYSTEMD-LAB-STATUS $rc"
sleep 0.2
exit $rc
