#!/bin/sh
# irrigd-mqtt under systemd, in the systemd lab (tests/vm-systemd/README.md):
# a later stage of the boot that runs test_systemd.sh and test_metrics.sh
# (or alone: run-in-vm -s), with
# Debian's mosquitto inside the VM as the broker. Prints TAP-ish lines,
# "test_mqtt: N passed, N failed" and "@@SYSTEMD-LAB-STATUS N".

set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export SYSTEMD_PAGER='' SYSTEMD_COLORS=0 LC_ALL=C.UTF-8
set -a
# shellcheck disable=SC1091
. /run/irrigd-lab/env
# shellcheck disable=SC1091
. /usr/local/lib/irrigd-lab/env
set +a
unit=irrigd-mqtt.service
conf=/etc/irrigd/irrigd-mqtt.conf
password_file=/etc/irrigd/mqtt-password
cred=/run/credentials/$unit/mqtt-password
prefix=irrigd/lab
work=/run/irrigd-lab/mqtt
mkdir -p $work
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
since() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.2f", b - a }'; }
prop() { systemctl show -P "$1" "${2:-$unit}"; }
olat() { i2cget -y "$I2C_BUS" 0x20 0x0a; }
valve_closed() { [ $(( $(olat) & 1 )) = 1 ]; }	# active low: latch bit 0 high
valve_open() { [ $(( $(olat) & 1 )) = 0 ]; }
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^[0-9]+([.][0-9]*)?$/ && a + 0 <= b + 0) }'; }
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
		sleep 0.1
	done
}
running() { [ "$(prop ActiveState "${1:-$unit}")/$(prop SubState "${1:-$unit}")" = active/running ]; }
restarted() { # restarted OLD-PID OLD-NRESTARTS: running again under a new pid
	running && [ "$(prop MainPID)" != "$1" ] && [ "$(prop NRestarts)" -gt "$2" ]
}
secs() { # a systemd time span in seconds (5s, 1min 30s, 100ms)
	echo "$1" | awk '{ t = 0; for (i = 1; i <= NF; i++) { v = $i + 0
		if ($i ~ /ms$/) t += v / 1000; else if ($i ~ /min$/) t += v * 60
		else if ($i ~ /h$/) t += v * 3600; else if ($i ~ /us$/) t += v / 1e6
		else t += v } print t }'
}
journal_since() { # journal_since EPOCH: the bridge's messages since then
	journalctl -q --no-pager -u $unit --since "@$1" -o cat
}

# The broker's login, once the test has set one (section 2).
AUTH=""
# retained TOPIC: the payload the broker keeps for TOPIC (nothing if none).
retained() {
	# shellcheck disable=SC2086
	mosquitto_sub -h localhost $AUTH -t "$1" --retained-only -C 1 -W 3 2>/dev/null
}
is_retained() { [ "$(retained "$1")" = "$2" ]; }
# subscribe NAME TOPIC: mosquitto_sub -v on TOPIC in the background into
# $work/NAME (one "topic payload" line a message), until unsubscribe NAME.
subscribe() {
	: >"$work/$1"
	# shellcheck disable=SC2086
	mosquitto_sub -h localhost $AUTH -v -t "$2" >"$work/$1" 2>&1 &
	echo $! >"$work/$1.pid"
	# Its subscription is in place once the retained message (if any)
	# arrived; otherwise a short wait.
	wait_for 2 test -s "$work/$1" || true
}
unsubscribe() { kill "$(cat "$work/$1.pid")" 2>/dev/null; }
# seen NAME PAYLOAD...: the payloads arrived in NAME's log, in this order
# (other messages between them allowed).
seen() {
	_f=$work/$1
	shift
	awk -v want="$*" 'BEGIN { n = split(want, w, " "); i = 1 }
		{ p = $0; sub(/^[^ ]* /, "", p); if (i <= n && p == w[i]) i++ }
		END { exit !(i > n) }' "$_f"
}
payloads() { sed 's/^[^ ]* //' "$work/$1" | tr '\n' ' '; }
publish() { # shellcheck disable=SC2086
	mosquitto_pub -h localhost $AUTH -t "$1" -m "$2"
}
# The bridge's config: the lab's broker, client id "lab" (so topics under
# irrigd/lab), a short keepalive; a username when given.
write_conf() {
	{
		echo "# irrigd-mqtt.conf for the systemd lab (tests/vm-systemd/test_mqtt.sh)"
		echo "mqtt = {"
		echo "  host = \"localhost\";"
		echo "  port = 1883;"
		echo "  client_id = \"lab\";"
		echo "  keepalive = 10;"
		[ -z "${1:-}" ] || echo "  username = \"$1\";"
		echo "};"
	} >$conf
}

t_test=$(uptime_s)
note "test_mqtt starts at $t_test s of guest time; $(mosquitto -h 2>/dev/null | head -1)"
[ -x /usr/sbin/irrigd-mqtt ] || not_ok "make install put /usr/sbin/irrigd-mqtt"
note "$(irrigd-mqtt --version 2>&1 | head -1)"

# --- 0. the broker -------------------------------------------------------------
section "the broker"
check "mosquitto.service (Debian's unit) is running ($(prop ActiveState mosquitto.service)/$(prop SubState mosquitto.service))" \
	running mosquitto.service
# /proc/net/tcp: 0100007F:075B is 127.0.0.1:1883, state 0A is LISTEN.
listen=$(awk '$4 == "0A" && $2 ~ /:075B$/ { print $2 }' /proc/net/tcp /proc/net/tcp6 | xargs)
others=$(echo "$listen" | tr ' ' '\n' | grep -vE '^(0100007F|00000000000000000000000001000000):075B$')
check "it listens on port 1883 on loopback only ($listen)" [ -n "$listen" -a -z "$others" ]

# --- 1. the unit, no password ----------------------------------------------------
section "irrigd-mqtt.service without a password file"
check "make install put irrigd-mqtt.service" [ -f /usr/lib/systemd/system/$unit ]
check "and did not enable it ($(systemctl is-enabled $unit 2>&1))" \
	[ "$(systemctl is-enabled $unit 2>&1)" = disabled ]
systemctl reset-failed irrigd.service 2>/dev/null
systemctl start irrigd.service
check "irrigd runs ($(prop ActiveState irrigd.service)/$(prop SubState irrigd.service))" running irrigd.service
write_conf
rm -f $password_file
t0=$(uptime_s)
systemctl start $unit
rc=$?
check "systemctl start irrigd-mqtt succeeds with no $password_file ($(since "$t0") s)" [ $rc = 0 ]
check "and returns with the unit active/running (Type=notify: READY=1 came)" running
if ! running; then
	journalctl -q --no-pager -b -u $unit -o short-monotonic | tail -20 | sed 's/^/#   /'
fi
bytes=$(od -An -tx1 $cred 2>&1 | tr -d ' \n')
check "its password credential is the unit's fallback, one newline (bytes: $bytes)" [ "$bytes" = 0a ]
wait_for 20 is_retained $prefix/availability online
check "availability 'online' is retained ($(retained $prefix/availability))" \
	is_retained $prefix/availability online

# --- 2. with a password ------------------------------------------------------------
# The broker now wants a login; the bridge's comes from root's file through
# LoadCredential=.
section "a broker that wants a password"
secret=lab-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
mosquitto_passwd -c -b /etc/mosquitto/irrigd-lab.passwd irrigd "$secret"
chown mosquitto: /etc/mosquitto/irrigd-lab.passwd
chmod 0600 /etc/mosquitto/irrigd-lab.passwd
cat >/etc/mosquitto/conf.d/irrigd-lab.conf <<EOF
listener 1883 localhost
allow_anonymous false
password_file /etc/mosquitto/irrigd-lab.passwd
EOF
systemctl restart mosquitto.service
wait_for 10 sh -c "awk '\$4 == \"0A\" && \$2 ~ /:075B\$/' /proc/net/tcp /proc/net/tcp6 | grep -q ."
out=$(mosquitto_pub -h localhost -t $prefix/anonymous -m x 2>&1)
check "the broker refuses an anonymous client ($out)" [ -n "$out" ]
AUTH="-u irrigd -P $secret"
(umask 077 && printf '%s\n' "$secret" >$password_file)
write_conf irrigd
t0=$(uptime_s)
systemctl restart $unit
check "irrigd-mqtt restarts with $password_file ($(stat -c '%U:%G %a' $password_file))" running
pid=$(prop MainPID)
uid=$(awk '/^Uid:/ { print $2 }' /proc/"$pid"/status 2>/dev/null)
groups=$(awk '/^Groups:/ { $1 = ""; print }' /proc/"$pid"/status 2>/dev/null | xargs)
irrigd_gid=$(getent group irrigd | cut -d: -f3)
note "the bridge: pid $pid, uid $uid, groups $groups; irrigd's socket: $(stat -c '%U:%G %a' /run/irrigd/irrigd.sock)"
check "it runs as a user of its own (uid $uid: no root, not irrigd's $(id -u irrigd))" \
	sh -c "[ -n '$uid' ] && [ '$uid' != 0 ] && [ '$uid' != '$(id -u irrigd)' ]"
check "in group irrigd ($irrigd_gid), which irrigd's socket is" \
	sh -c "echo ' $groups ' | grep -q ' $irrigd_gid '"
m=$(stat -c '%u %a' $cred 2>&1)
check "the credential is that user's, mode 0400 ($cred: $m)" [ "$m" = "$uid 400" ]
check "and holds the password" [ "$(cat $cred 2>/dev/null)" = "$secret" ]
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups cat $cred 2>&1)
check "another user cannot read it ($out)" sh -c "! setpriv --reuid=65534 --regid=65534 --clear-groups cat $cred >/dev/null 2>&1"
wait_for 20 is_retained $prefix/availability online
check "the bridge logged in: availability 'online' ($(retained $prefix/availability))" \
	is_retained $prefix/availability online

# --- 3. the sandbox --------------------------------------------------------------
section "systemd-analyze security"
sec=$(systemd-analyze security --no-pager $unit 2>&1)
echo "$sec" | grep -E '✗|Overall' | sed 's/^/#   /'
level=$(echo "$sec" | sed -n 's/.*Overall exposure level for [^:]*: *\([0-9.]*\).*/\1/p')
check "exposure ${level:-?} <= 1.1" at_most "$level" 1.1

# --- 4. a valve from MQTT ---------------------------------------------------------
section "OPEN and CLOSE on the zone's set topic"
check "the valve is closed (OLAT $(olat))" valve_closed
subscribe state $prefix/zone/garden/state
note "retained state before: $(payloads state)"
publish $prefix/zone/garden/set OPEN
wait_for 10 valve_open
check "OPEN on $prefix/zone/garden/set opens the valve in the chip (OLAT $(olat))" valve_open
wait_for 10 seen state open
check "and the state topic says open ($(payloads state))" seen state open
note "irrigd: $(timeout 5 irrigctl status 2>&1 | grep -i -m1 water)"
publish $prefix/zone/garden/set CLOSE
wait_for 10 valve_closed
check "CLOSE closes it (OLAT $(olat))" valve_closed
wait_for 10 seen state open closed
check "and the state goes open, then closed ($(payloads state))" seen state open closed
check "which is retained ($(retained $prefix/zone/garden/state))" is_retained $prefix/zone/garden/state closed
unsubscribe state

# --- 5. kill -9: the last will, and systemd's restart ------------------------------
section "systemctl kill -s KILL irrigd-mqtt"
subscribe avail $prefix/availability
pid=$(prop MainPID)
n=$(prop NRestarts)
t0=$(uptime_s)
systemctl kill -s KILL $unit
wait_for 10 seen avail online offline
check "the broker publishes the last will: offline ($(payloads avail), $(since "$t0") s)" \
	seen avail online offline
restart_s=$(secs "$(prop RestartUSec)")
wait_for $((${restart_s%.*} + 20)) restarted "$pid" "$n"
check "systemd restarts the bridge (Restart=on-failure, RestartSec=${restart_s}s): pid $pid -> $(prop MainPID), $(since "$t0") s" \
	restarted "$pid" "$n"
wait_for 20 seen avail online offline online
check "which is online again ($(payloads avail))" seen avail online offline online
check "retained ($(retained $prefix/availability))" is_retained $prefix/availability online
unsubscribe avail

# --- 6. irrigd stopped under the bridge ----------------------------------------------
# Both irrigd.socket and the service: with the socket listening, the
# bridge's next attempt would start irrigd again at once.
section "irrigd stopped and started under the bridge"
pid=$(prop MainPID)
t_stop=$(date +%s)
systemctl stop irrigd.socket irrigd.service
sleep 15	# several retries, whatever the backoff
check "the bridge runs on without irrigd (pid $pid -> $(prop MainPID))" \
	sh -c "[ '$(prop MainPID)' = '$pid' ] && systemctl -q is-active $unit"
# What the bridge says of irrigd: "lost irrigd at SOCKET: ...; retrying",
# "cannot reach irrigd at ...", "irrigd at SOCKET answers again".
about_irrigd() { journal_since "$1" | grep -c 'irrigd at /'; }
journal_since "$t_stop" | sed 's/^/#   /'
n=$(about_irrigd "$t_stop")
check "and said so once in 15 s of retries ($n lines about irrigd)" [ "$n" = 1 ]
t_start=$(date +%s)
t0=$(uptime_s)
systemctl start irrigd.service
check "irrigd starts again ($(prop ActiveState irrigd.service)/$(prop SubState irrigd.service))" running irrigd.service
# The bridge's backoff doubles up to 30 s: its next try may be that far.
wait_for 60 sh -c "journalctl -q -u $unit --since @$t_start -o cat | grep -q 'irrigd at /.* answers again'"
journal_since "$t_start" | sed 's/^/#   /'
n=$(about_irrigd "$t_start")
check "the bridge reconnects and says so once ($n lines about irrigd, $(since "$t0") s)" \
	sh -c "[ $n = 1 ] && journalctl -q -u $unit --since @$t_start -o cat | grep -q 'answers again'"
publish $prefix/zone/garden/set OPEN
wait_for 10 valve_open
check "OPEN works again (OLAT $(olat))" valve_open
publish $prefix/zone/garden/set CLOSE
wait_for 10 valve_closed
check "and CLOSE (OLAT $(olat))" valve_closed

# --- 7. a clean stop -----------------------------------------------------------------
section "systemctl stop irrigd-mqtt"
systemctl stop $unit
check "the bridge stops cleanly ($(prop Result), status $(prop ExecMainStatus))" \
	[ "$(prop Result)/$(prop ExecMainStatus)" = success/0 ]
check "and leaves 'offline' retained ($(retained $prefix/availability))" \
	is_retained $prefix/availability offline
check "the valve stayed closed (OLAT $(olat))" valve_closed

# --- 8. a config that does not load ------------------------------------------------
section "a broken config"
cp $conf $work/irrigd-mqtt.conf.good
sed 's/^  host = /  hots = /' $work/irrigd-mqtt.conf.good >$conf
systemctl reset-failed $unit 2>/dev/null
n=$(prop NRestarts)
t0=$(date +%s)
systemctl start $unit 2>/dev/null
rc=$?
check "systemctl start fails on a misspelt setting (exit $rc)" [ $rc != 0 ]
line=$(journal_since "$t0" | grep "$conf:[0-9]*:" | head -1)
check "the journal names the file and line ($line)" [ -n "$line" ]
restart_s=$(secs "$(prop RestartUSec)")
sleep $((${restart_s%.*} + 2))
state="$(prop ActiveState), status $(prop ExecMainStatus), NRestarts $n -> $(prop NRestarts)"
check "the unit stays failed, not restarted (RestartPreventExitStatus=1: $state)" \
	[ "$state" = "failed, status 1, NRestarts $n -> $n" ]
cp $work/irrigd-mqtt.conf.good $conf
systemctl reset-failed $unit

# -------------------------------------------------------------------------------------
echo "# irrigd-mqtt's journal:"
journalctl -q --no-pager -b -u $unit -o short-monotonic | tail -40 | sed 's/^/#   /'
note "the mqtt test took $(since "$t_test") s; guest uptime $(uptime_s) s"
echo "test_mqtt: $passed passed, $failed failed"
rc=0
[ $failed = 0 ] || rc=1
echo "@@SYSTEMD-LAB-STATUS $rc"
sleep 0.2
exit $rc
