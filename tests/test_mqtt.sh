#!/bin/bash
# irrigd-mqtt against a real mosquitto broker and irrigd on the sim garden: discovery, commands, faults, kills and restarts, a flood, two controllers, accounts, TLS.
# Starts everything itself on 127.0.0.1 and a free port; waits for conditions, never for a time.
# The bridge runs under valgrind with IRRIGD_VALGRIND=1 (and leaks fail the test), under ASan in an ASan build.
set -u
build=${IRRIGD_BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
golden=$here/golden/mqtt
for tool in mosquitto mosquitto_pub mosquitto_sub openssl; do
	command -v $tool >/dev/null ||
		{ echo "test_mqtt: $tool is missing: scripts/install-deps --test" >&2; exit 1; }
done
for f in irrigd irrigctl irrigd-mqtt tests/mqtt-json-valid; do
	[ -x "$build/$f" ] || { echo "test_mqtt: no $build/$f: make check-build" >&2; exit 1; }
done
dir=$(mktemp -d /tmp/irrigd-mqtt-XXXXXX)
# Generous: the bridge may run under valgrind on a busy machine.
limit=${IRRIGD_MQTT_WAIT:-120}
if [ "${IRRIGD_VALGRIND:-0}" = 1 ]; then
	limit=$((limit * 3))
fi
broker_pid="" sub_pid=""
declare -A irrigd_pid bridge_pid

cleanup() {
	for p in "${bridge_pid[@]}" "${irrigd_pid[@]}" $sub_pid $broker_pid; do
		[ -n "$p" ] && kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ "${IRRIGD_MQTT_KEEP:-0}" = 1 ] && echo "test_mqtt: kept $dir" >&2 || rm -rf "$dir"
}
trap cleanup EXIT

fail() {
	echo "test_mqtt: FAIL: $*" >&2
	for f in "$dir"/*.log; do
		echo "--- $(basename "$f") (last lines)" >&2
		tail -n 25 "$f" | cut -c1-300 >&2
	done
	exit 1
}
ok() { echo "ok - $*"; }

# until_true WHAT COMMAND...: runs it every 0.1 s until it succeeds, or fails the test after $limit s.
# (A condition with $(...) goes in eval '...', so that it is run again each time.)
until_true() {
	local what=$1 end=$((SECONDS + limit))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || fail "waited ${limit}s for $what"
		sleep 0.1
	done
}

# ---- the broker ----
port=""
start_broker() {
	local tries
	for tries in 1 2 3 4 5 6 7 8 9 10; do
		[ -n "$port" ] && [ "${1:-}" = again ] || port=$((20000 + RANDOM % 40000))
		cat >"$dir/mosquitto.conf" <<-EOF
			listener $port 127.0.0.1
			allow_anonymous true
			persistence false
			# as root it would become user mosquitto, who cannot read $dir
			user $(id -un)
			# keep every message for a slow client: the flood is counted
			max_queued_messages 0
		EOF
		mosquitto -c "$dir/mosquitto.conf" >>"$dir/mosquitto.log" 2>&1 &
		broker_pid=$!
		local end=$((SECONDS + 10))
		while kill -0 $broker_pid 2>/dev/null && [ $SECONDS -lt $end ]; do
			mosquitto_pub -h 127.0.0.1 -p "$port" -t test/ping -m up 2>/dev/null && return 0
			sleep 0.1
		done
		kill -9 $broker_pid 2>/dev/null
		wait $broker_pid 2>/dev/null
		# the same port again: its old sockets may linger a moment
		[ "${1:-}" = again ] && sleep 1
	done
	fail "mosquitto did not start"
}

# Everything published, one "topic payload" line each, goes to all.log.
sub_ready() {
	mosquitto_pub -h 127.0.0.1 -p "$port" -t test/sub -m up 2>/dev/null
	grep -aq "^test/sub up$" "$dir/all.log"
}

# The last payload seen on a topic (mosquitto_sub shows an empty one as "(null)").
last() { grep -a "^$1 " "$dir/all.log" | tail -n 1 | cut -d' ' -f2-; }
is_last() { [ "$(last "$1")" = "$2" ]; }
seen() { grep -aq "^$1 $2\$" "$dir/all.log"; }
count() { grep -ac "^$1 " "$dir/all.log"; }
# What the broker keeps for a topic (retained), or nothing.
retained() { mosquitto_sub -h 127.0.0.1 -p "$port" -t "$1" --retained-only -C 1 -W 2 2>/dev/null; }
is_retained() { [ "$(retained "$1")" = "$2" ]; }
pub() { mosquitto_pub -h 127.0.0.1 -p "$port" -t "$1" -m "$2" || fail "mosquitto_pub to $1 failed"; }

# ---- irrigd on the sim garden ----
write_irrigd_conf() {
	cat >"$dir/irrigd-$1.conf" <<-'EOF'
		hardware = { backend = "sim"; expanders = ( { address = 0x20; } );
		  adcs = ( { address = 0x48; } ); flow_meter = { line = "GPIO17"; }; };
		zones = (
		  { name = "bed"; valve = { expander = 0x20; pin = 0; active_low = true; };
		    flow_lpm = 12.0; max_run = "10m"; },
		  { name = "lawn"; valve = { expander = 0x20; pin = 1; };
		    flow_lpm = 25.0; } );
		sensors = {
		  soil = ( { name = "p1"; adc = 0x48; channel = 0; zone = "bed";
		             dry_volts = 2.8; wet_volts = 1.3; } );
		  temperature = { adc = 0x48; channel = 2; conversion = "tmp36"; unit = "C"; };
		  light = { adc = 0x48; channel = 3; dark_volts = 0.0; bright_volts = 3.3; };
		};
		safety = { settle = "1s"; alarm_delay = "2s"; min_switch_interval = "0s"; };
		report_interval = "1s";
	EOF
}

start_irrigd() {
	local n=$1
	[ -f "$dir/irrigd-$n.conf" ] || write_irrigd_conf "$n"
	"$build/irrigd" --sim -c "$dir/irrigd-$n.conf" -s "$dir/irrigd-$n.sock" \
		--state-dir "$dir/state-$n" >>"$dir/irrigd-$n.log" 2>&1 &
	irrigd_pid[$n]=$!
	until_true "irrigd $n to answer" ctl "$n" version
}
ctl() {
	local n=$1
	shift
	"$build/irrigctl" -s "$dir/irrigd-$n.sock" "$@" >"$dir/ctl.out" 2>&1
}
# One JSON number from an irrigctl --json reply: jnum N FIELD COMMAND...
jnum() {
	local n=$1 field=$2
	shift 2
	"$build/irrigctl" -s "$dir/irrigd-$n.sock" --json "$@" |
		grep -o "\"$field\":[-0-9.]*" | head -n 1 | cut -d: -f2
}

# ---- the bridge ----
write_bridge_conf() {
	cat >"$dir/bridge-$1.conf" <<-EOF
		mqtt = {
		  host = "127.0.0.1"; port = $port; keepalive = 10;
		  client_id = "$1"; device_name = "The $1 garden";
		  run_duration = "30s";
		  durations = { bed = "6s"; };
		};
	EOF
}

start_bridge() {
	write_bridge_conf "$1"
	start_bridge_keep_conf "$1"
}
start_bridge_keep_conf() {
	local n=$1
	if [ "${IRRIGD_VALGRIND:-0}" = 1 ]; then
		valgrind -q --vgdb=no --leak-check=full --show-leak-kinds=definite,indirect \
			--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
			"$build/irrigd-mqtt" -c "$dir/bridge-$n.conf" -s "$dir/irrigd-$n.sock" \
			>>"$dir/bridge-$n.log" 2>&1 &
	else
		"$build/irrigd-mqtt" -c "$dir/bridge-$n.conf" -s "$dir/irrigd-$n.sock" \
			>>"$dir/bridge-$n.log" 2>&1 &
	fi
	bridge_pid[$n]=$!
}

# SIGTERM: it publishes offline, disconnects and exits 0 (99: valgrind found a leak or an error).
stop_bridge() {
	local n=$1 status
	kill -TERM "${bridge_pid[$n]}"
	wait "${bridge_pid[$n]}"
	status=$?
	bridge_pid[$n]=""
	[ $status -eq 0 ] || fail "irrigd-mqtt $n exited with $status at SIGTERM"
}

# ==== the tests ====

start_broker
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t '#' >>"$dir/all.log" 2>>"$dir/sub.log" &
sub_pid=$!
until_true "the subscriber to hear" sub_ready
start_irrigd front
start_bridge front
until_true "front online" is_last irrigd/front/availability online
is_retained irrigd/front/availability online || fail "availability is not retained"
ok "the bridge connects: availability online, retained"

# -- discovery: retained, valid JSON, what Home Assistant requires, as the golden files say
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'homeassistant/#' --retained-only -W 3 \
	>"$dir/discovery.txt" 2>/dev/null
[ -s "$dir/discovery.txt" ] || fail "no retained discovery message"
cut -d' ' -f2- "$dir/discovery.txt" | "$build/tests/mqtt-json-valid" ||
	fail "a discovery payload is not valid JSON"
while read -r topic payload; do
	case $topic in homeassistant/*/front/*/config) ;;
	*) fail "discovery topic $topic is not <prefix>/<component>/front/<object>/config" ;;
	esac
	for field in '"name":' '"unique_id":"front_' \
		'"availability_topic":"irrigd/front/availability"' \
		'"device":{"identifiers":["front"]' '"sw_version":"'; do
		case $payload in *"$field"*) ;; *) fail "$topic has no $field: $payload" ;; esac
	done
	component=$(echo "$topic" | cut -d/ -f2)
	case $component in
	valve | button | select) need='"command_topic":"irrigd/front/' ;;
	*) need='"state_topic":"irrigd/front/' ;;
	esac
	case $payload in *"$need"*) ;; *) fail "$topic has no $need" ;; esac
done <"$dir/discovery.txt"
version=$("$build/irrigd-mqtt" --version | cut -d' ' -f2)
for kind in valve sensor binary_sensor button select; do
	grep "^homeassistant/$kind/" "$dir/discovery.txt" | sort |
		sed "s/\"sw_version\":\"$version\"/\"sw_version\":\"VERSION\"/g" >"$dir/$kind.txt"
	if [ "${IRRIGD_MQTT_GOLDEN_UPDATE:-0}" = 1 ]; then
		mkdir -p "$golden" && cp "$dir/$kind.txt" "$golden/$kind.txt"
	fi
	diff -u "$golden/$kind.txt" "$dir/$kind.txt" >&2 ||
		fail "the $kind discovery differs from tests/golden/mqtt/$kind.txt"
done
ok "discovery: $(wc -l <"$dir/discovery.txt") retained entities, valid JSON, as the golden files"

configs=$(count homeassistant/valve/front/zone_bed_valve/config)
pub homeassistant/status online
until_true "discovery again after Home Assistant's online" \
	eval '[ "$(count homeassistant/valve/front/zone_bed_valve/config)" -gt "$configs" ]'
ok "discovery is sent again when Home Assistant says online"

# -- OPEN waters the zone; the state follows the valve; the litres are irrigd's
is_retained irrigd/front/zone/bed/state closed || fail "bed's state is not a retained closed"
pub irrigd/front/zone/bed/set OPEN
until_true "bed open" seen irrigd/front/zone/bed/state open
until_true "bed closed again" is_last irrigd/front/zone/bed/state closed
until_true "the run in history" ctl front history 1
litres=$(jnum front litres history 1)
[ -n "$litres" ] && [ "$(jnum front actual_s history 1)" = 6 ] ||
	fail "the run of bed is not in irrigd's history as 6 s: $(cat "$dir/ctl.out")"
want=$(printf '%.2f' "$litres")
until_true "bed's litres today = $want" is_last irrigd/front/zone/bed/litres_today "$want"
is_retained irrigd/front/zone/bed/water_total "$want" ||
	fail "bed's water total is $(retained irrigd/front/zone/bed/water_total), not $want"
grep -aq '^irrigd/front/event/water-end {"event":"water-end",.*"zone":"bed"' "$dir/all.log" ||
	fail "no water-end event on irrigd/front/event/water-end"
ok "OPEN waters bed 6 s: state open then closed, $want L as irrigd's history, events published"

# CLOSE ends the zone's run; CLOSE of a closed zone changes nothing and is answered
reports() { grep -ac '^irrigd/front/event/water-report .*"zone":"lawn"' "$dir/all.log"; }
before=$(reports)
pub irrigd/front/zone/lawn/set OPEN
until_true "lawn open" is_last irrigd/front/zone/lawn/state open
# a run stopped within its first second is not kept in the history: wait for its first report
until_true "lawn's first report" eval '[ "$(reports)" -gt "$before" ]'
pub irrigd/front/zone/bed/set CLOSE
until_true "an error for CLOSE of a closed zone" \
	grep -aq '^irrigd/front/error {"topic":"irrigd/front/zone/bed/set","payload":"CLOSE","code":"not-watering"' "$dir/all.log"
is_last irrigd/front/zone/lawn/state open || fail "CLOSE of bed ended lawn's run"
pub irrigd/front/zone/lawn/set CLOSE
until_true "lawn closed" is_last irrigd/front/zone/lawn/state closed
"$build/irrigctl" -s "$dir/irrigd-front.sock" --json history 1 | grep -q '"zone":"lawn".*"outcome":"stopped"' ||
	fail "lawn's run was not stopped by CLOSE"
ok "CLOSE ends the zone's run; CLOSE of a closed zone is answered on the error topic"

# -- a no-flow fault reaches its problem sensor; clear from MQTT clears it
ctl front sim flow 0 || fail "sim flow 0"
is_last irrigd/front/zone/bed/fault/no-flow OFF || fail "bed's no-flow is not OFF at first"
pub irrigd/front/zone/bed/set OPEN
until_true "bed's no-flow sensor ON" is_last irrigd/front/zone/bed/fault/no-flow ON
is_retained irrigd/front/zone/bed/fault/no-flow ON || fail "the fault is not retained"
grep -aq '^irrigd/front/event/fault {"event":"fault",.*"fault":"no-flow"' "$dir/all.log" ||
	fail "no fault event published"
ctl front sim flow 100 || fail "sim flow 100"
pub irrigd/front/zone/bed/set OPEN
until_true "irrigd's refusal on the error topic" \
	grep -aq '"payload":"OPEN","code":"faulted"' "$dir/all.log"
pub irrigd/front/clear/set PRESS
until_true "bed's no-flow sensor OFF" is_last irrigd/front/zone/bed/fault/no-flow OFF
ok "a sim no-flow fault turns bed's problem sensor ON; a held zone's OPEN gets irrigd's refusal; clear turns it OFF"

# -- kill -9 of the bridge: the broker says offline; a new bridge republishes the state
pub_retained() { mosquitto_pub -h 127.0.0.1 -p "$port" -r -t "$1" -m "$2"; }
{ kill -9 "${bridge_pid[front]}"; wait "${bridge_pid[front]}"; } 2>/dev/null
bridge_pid[front]=""
until_true "the last will: offline" is_last irrigd/front/availability offline
# A stale state the new bridge must overwrite.
pub_retained irrigd/front/zone/bed/state stale
start_bridge front
until_true "online again" is_last irrigd/front/availability online
until_true "bed's state republished" is_retained irrigd/front/zone/bed/state closed
ok "kill -9 of the bridge: offline by the last will; restarted: online, states republished"

# -- the broker killed in the middle of a run and restarted
ctl front water lawn 12s --no-wait || fail "water lawn: $(cat "$dir/ctl.out")"
until_true "lawn open" is_last irrigd/front/zone/lawn/state open
# killed at once, the broker goes while lawn waters (checked just after)
{ kill -9 "$sub_pid" $broker_pid; wait "$sub_pid" $broker_pid; } 2>/dev/null
"$build/irrigctl" -s "$dir/irrigd-front.sock" --json status | grep -q '"state":"watering","zone":"lawn"' ||
	fail "lawn was not watering when the broker was killed"
start_broker again
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t '#' >>"$dir/all.log" 2>>"$dir/sub.log" &
sub_pid=$!
until_true "the subscriber to hear" sub_ready
until_true "lawn's run to end in irrigd" eval \
	'"$build/irrigctl" -s "$dir/irrigd-front.sock" --json status | grep -q "\"state\":\"idle\""'
"$build/irrigctl" -s "$dir/irrigd-front.sock" --json history 1 >"$dir/ctl.out"
grep -q '"planned_s":12,"actual_s":12,.*"outcome":"completed"' "$dir/ctl.out" ||
	fail "lawn's run did not complete untouched: $(cat "$dir/ctl.out")"
litres=$(grep -o '"litres":[0-9.]*' "$dir/ctl.out" | cut -d: -f2)
until_true "the bridge back online" is_retained irrigd/front/availability online
until_true "lawn closed after the broker came back" is_retained irrigd/front/zone/lawn/state closed
today=$("$build/irrigctl" -s "$dir/irrigd-front.sock" --json status |
	grep -o '"litres_today":{[^}]*}' | grep -o '"lawn":[0-9.]*' | cut -d: -f2)
want=$(printf '%.2f' "$today")
until_true "lawn's litres today caught up: $want" is_retained irrigd/front/zone/lawn/litres_today "$want"
# 25 L/min for 12 s, to the meter's pulse
awk -v l="$litres" 'BEGIN { exit !(l > 4.97 && l < 5.03) }' ||
	fail "lawn's 12 s run gave $litres L, not 5.00"
[ "$(grep -c 'lost the MQTT broker' "$dir/bridge-front.log")" = 1 ] ||
	fail "the broker's loss was not logged once: $(grep -c 'lost the MQTT broker' "$dir/bridge-front.log")"
ok "broker killed mid-run: irrigd's run completed ($litres L), the bridge reconnected (logged once) and caught up"

# -- irrigd restarted under the bridge
pub irrigd/front/zone/bed/set OPEN
until_true "bed open" is_last irrigd/front/zone/bed/state open
until_true "bed closed" is_last irrigd/front/zone/bed/state closed
kill -TERM "${irrigd_pid[front]}"
wait "${irrigd_pid[front]}"
irrigd_pid[front]=""
until_true "offline while irrigd is away" is_last irrigd/front/availability offline
pub irrigd/front/zone/bed/set OPEN
until_true "unavailable on the error topic" grep -aq '"code":"unavailable"' "$dir/all.log"
start_irrigd front
until_true "online with irrigd back" is_last irrigd/front/availability online
[ "$(grep -c 'lost irrigd' "$dir/bridge-front.log")" = 1 ] ||
	fail "irrigd's loss was not logged once"
ctl front history || fail "history"
ok "irrigd restarted under the bridge: offline, refused commands answered, online again (logged once)"

# -- a flood of 10,000 bad commands: irrigd keeps answering, nothing waters
runs_before=$("$build/irrigctl" -s "$dir/irrigd-front.sock" --json history 50 | grep -o '"id":' | wc -l)
errors_before=$(count irrigd/front/error)
flood=()
for i in $(seq 1 2500); do echo "open $i"; done |
	mosquitto_pub -h 127.0.0.1 -p "$port" -t irrigd/front/zone/bed/set -l &
flood+=($!)
for i in $(seq 1 2500); do echo "PRESS$i"; done |
	mosquitto_pub -h 127.0.0.1 -p "$port" -t irrigd/front/stop/set -l &
flood+=($!)
for i in $(seq 1 2000); do echo "forever"; done |
	mosquitto_pub -h 127.0.0.1 -p "$port" -t irrigd/front/pause/set -l &
flood+=($!)
for i in $(seq 1 2000); do echo "OPEN"; done |
	mosquitto_pub -h 127.0.0.1 -p "$port" -t irrigd/front/zone/roses/set -l &
flood+=($!)
for i in $(seq 1 1000); do echo "CLOSE"; done |
	mosquitto_pub -h 127.0.0.1 -p "$port" -t irrigd/front/zone/bed/set -l &
flood+=($!)
for i in 1 2 3 4 5 6 7 8 9 10; do
	ctl front status || fail "irrigd did not answer status during the flood"
done
wait "${flood[@]}"
head -c 300 /dev/urandom >"$dir/garbage"
mosquitto_pub -h 127.0.0.1 -p "$port" -t irrigd/front/zone/bed/set -f "$dir/garbage"
mosquitto_pub -h 127.0.0.1 -p "$port" -t irrigd/front/zone/bed/set -n
until_true "10,002 errors answered" \
	eval '[ "$(count irrigd/front/error)" -ge $((errors_before + 10002)) ]'
kill -0 "${bridge_pid[front]}" || fail "the bridge died in the flood"
runs_after=$("$build/irrigctl" -s "$dir/irrigd-front.sock" --json history 50 | grep -o '"id":' | wc -l)
[ "$runs_after" = "$runs_before" ] || fail "the flood watered: $runs_before runs before, $runs_after after"
"$build/irrigctl" -s "$dir/irrigd-front.sock" --json sim | grep -q '"name":"bed","open":false' ||
	fail "bed is open after the flood"
ctl front status || fail "irrigd does not answer after the flood"
# ten lines a window, then one line with the count
until_true "the count of commands refused unlogged" \
	grep -q 'more commands were refused and not logged' "$dir/bridge-front.log"
[ "$(grep -c 'refused: bad-payload' "$dir/bridge-front.log")" -lt 100 ] ||
	fail "the flood was logged line by line"
ok "10,002 bad commands: each answered on the error topic, irrigd answered status throughout, nothing watered"

# -- two controllers on one broker
start_irrigd back
start_bridge back
until_true "back online" is_last irrigd/back/availability online
retained homeassistant/valve/back/zone_bed_valve/config | grep -q '"identifiers":\["back"\]' ||
	fail "no device back in Home Assistant's discovery"
retained homeassistant/valve/front/zone_bed_valve/config | grep -q '"identifiers":\["front"\]' ||
	fail "no device front in Home Assistant's discovery"
front_runs=$("$build/irrigctl" -s "$dir/irrigd-front.sock" --json history 50 | grep -o '"id":' | wc -l)
front_opens=$(grep -ac '^irrigd/front/zone/bed/state open$' "$dir/all.log")
pub irrigd/back/zone/bed/set OPEN
until_true "back's bed open" seen irrigd/back/zone/bed/state open
until_true "back's bed closed" is_last irrigd/back/zone/bed/state closed
until_true "back's run in its history" ctl back history 1
[ "$("$build/irrigctl" -s "$dir/irrigd-front.sock" --json history 50 | grep -o '"id":' | wc -l)" = "$front_runs" ] ||
	fail "back's command watered the front garden"
[ "$(grep -ac '^irrigd/front/zone/bed/state open$' "$dir/all.log")" = "$front_opens" ] ||
	fail "front's bed state moved with back's"
{ kill -9 "${bridge_pid[back]}"; wait "${bridge_pid[back]}"; } 2>/dev/null
bridge_pid[back]=""
until_true "back offline" is_last irrigd/back/availability offline
is_retained irrigd/front/availability online || fail "killing back's bridge took front offline"
is_retained irrigd/front/zone/bed/state closed || fail "front's state changed"
ok "two controllers: two devices, commands reach their own garden, killing one leaves the other"

# -- a reload without a zone, a restart without a probe: their entities leave Home Assistant
sed -i -e '/name = "lawn"/,/flow_lpm = 25.0; } );/c\  );' \
	-e 's/    flow_lpm = 12.0; max_run = "10m"; },/    flow_lpm = 12.0; max_run = "10m"; }/' \
	"$dir/irrigd-front.conf"
ctl front reload || fail "reload: $(cat "$dir/ctl.out")"
until_true "lawn's valve withdrawn" seen homeassistant/valve/front/zone_lawn_valve/config "(null)"
[ -z "$(retained homeassistant/valve/front/zone_lawn_valve/config)" ] ||
	fail "lawn's valve is still announced"
retained homeassistant/valve/front/zone_bed_valve/config | grep -q '"unique_id":"front_zone_bed_valve"' ||
	fail "bed's valve is gone too"
kill -TERM "${irrigd_pid[front]}"
wait "${irrigd_pid[front]}"
sed -i -e '/soil = ( { name = "p1"/,/wet_volts = 1.3; } );/d' "$dir/irrigd-front.conf"
start_irrigd front
until_true "p1's moisture withdrawn" seen homeassistant/sensor/front/probe_p1_moisture/config "(null)"
until_true "online again" is_last irrigd/front/availability online
ok "a reload without lawn, a restart without p1: their entities are withdrawn, bed's stays"

# -- SIGTERM: offline published, a clean exit (no leak under valgrind or ASan)
stop_bridge front
until_true "offline at SIGTERM" is_last irrigd/front/availability offline
grep -q "SIGTERM received" "$dir/bridge-front.log" || fail "SIGTERM not logged"
ok "SIGTERM: offline published, exit 0"
# -- a broker with accounts: the password from $CREDENTIALS_DIRECTORY, never from the config
{ kill "$sub_pid" $broker_pid; wait "$sub_pid" $broker_pid; } 2>/dev/null
mosquitto_passwd -b -c "$dir/passwd" irrigd 's3cret word' 2>/dev/null ||
	fail "mosquitto_passwd failed"
broker_extra="allow_anonymous false
password_file $dir/passwd"
start_broker_auth() {
	local tries
	for tries in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 40000))
		printf 'listener %s 127.0.0.1\npersistence false\nuser %s\n%s\n' "$port" \
			"$(id -un)" "$broker_extra" \
			>"$dir/mosquitto.conf"
		mosquitto -c "$dir/mosquitto.conf" >>"$dir/mosquitto.log" 2>&1 &
		broker_pid=$!
		local end=$((SECONDS + 10))
		while kill -0 $broker_pid 2>/dev/null && [ $SECONDS -lt $end ]; do
			mosquitto_pub -h 127.0.0.1 -p "$port" -u irrigd -P 's3cret word' -t test/ping -m up \
				2>/dev/null && return 0
			sleep 0.1
		done
		kill -9 $broker_pid 2>/dev/null
	done
	fail "mosquitto with accounts did not start"
}
start_broker_auth
authed() {
	[ "$(mosquitto_sub -h 127.0.0.1 -p "$port" -u irrigd -P 's3cret word' -t irrigd/front/availability \
		--retained-only -C 1 -W 2 2>/dev/null)" = "$1" ]
}
write_bridge_conf front
sed -i 's/^mqtt = {$/mqtt = { username = "irrigd";/' "$dir/bridge-front.conf"
mkdir -p "$dir/creds"
printf 'wrong\n' >"$dir/creds/mqtt-password"
: >"$dir/bridge-front.log"
CREDENTIALS_DIRECTORY=$dir/creds start_bridge_keep_conf front
until_true "the refusal logged" grep -q "lost the MQTT broker.*\(not authori[sz]ed\|refused\)" \
	"$dir/bridge-front.log"
stop_bridge front
printf 's3cret word\n' >"$dir/creds/mqtt-password"
CREDENTIALS_DIRECTORY=$dir/creds start_bridge_keep_conf front
until_true "online with the password from the credentials directory" authed online
! grep -q "s3cret" "$dir/bridge-front.conf" "$dir/bridge-front.log" ||
	fail "the password is in the config or the log"
stop_bridge front
ok "a broker with accounts: a wrong password is refused (logged), the right one from \$CREDENTIALS_DIRECTORY connects"

# -- TLS: a throwaway CA, the broker's certificate for 127.0.0.1, a client's; and a CA of no one's
{ kill $broker_pid; wait $broker_pid; } 2>/dev/null
new_key_cert() { # NAME SUBJECT [openssl req -x509 options]: an EC key and its certificate (self-signed) or request
	local name=$1 subject=$2
	shift 2
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$subject" \
		-keyout "$dir/$name.key" "$@" 2>>"$dir/openssl.log"
}
sign() { # NAME [openssl x509 options]: the request from stdin signed by the test's CA
	local name=$1
	shift
	openssl x509 -req -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
		-out "$dir/$name.crt" "$@" 2>>"$dir/openssl.log"
}
{ new_key_cert ca "irrigd test CA" -x509 -days 2 -out "$dir/ca.crt" &&
	new_key_cert other "a CA of no one's" -x509 -days 2 -out "$dir/other.crt" &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/san.ext" &&
	new_key_cert server localhost | sign server -extfile "$dir/san.ext" &&
	new_key_cert client front | sign client; } || fail "openssl could not make the certificates"
# Three listeners: $port plain (for the helpers), tls_port with TLS, mtls_port with TLS and a client certificate whose name is the user's.
start_broker_tls() {
	local tries tls
	for tries in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 40000)) tls_port=$((port + 1)) mtls_port=$((port + 2))
		tls="cafile $dir/ca.crt
certfile $dir/server.crt
keyfile $dir/server.key"
		printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nuser %s\n' \
			"$port" "$(id -un)" >"$dir/mosquitto.conf"
		printf 'listener %s 127.0.0.1\n%s\n' "$tls_port" "$tls" >>"$dir/mosquitto.conf"
		printf 'listener %s 127.0.0.1\n%s\nrequire_certificate true\nuse_identity_as_username true\n' \
			"$mtls_port" "$tls" >>"$dir/mosquitto.conf"
		mosquitto -c "$dir/mosquitto.conf" >>"$dir/mosquitto.log" 2>&1 &
		broker_pid=$!
		local end=$((SECONDS + 10))
		while kill -0 $broker_pid 2>/dev/null && [ $SECONDS -lt $end ]; do
			mosquitto_pub -h 127.0.0.1 -p "$tls_port" --cafile "$dir/ca.crt" -t test/ping -m up \
				2>/dev/null && return 0
			sleep 0.1
		done
		kill -9 $broker_pid 2>/dev/null
		wait $broker_pid 2>/dev/null
	done
	fail "mosquitto with TLS did not start"
}
start_broker_tls
# Everything published, as heard over TLS, from now on.
: >"$dir/all.log"
mosquitto_sub -h 127.0.0.1 -p "$tls_port" --cafile "$dir/ca.crt" -v -t '#' >>"$dir/all.log" 2>>"$dir/sub.log" &
sub_pid=$!
until_true "the subscriber over TLS to hear" sub_ready
# tls_bridge_conf NAME PORT TLS-SETTINGS
tls_bridge_conf() {
	write_bridge_conf "$1"
	sed -i "s|port = $port;|port = $2; tls = { $3 };|" "$dir/bridge-$1.conf"
}
tls_pub() {
	mosquitto_pub -h 127.0.0.1 -p "$tls_port" --cafile "$dir/ca.crt" -t "$1" -m "$2" ||
		fail "mosquitto_pub over TLS to $1 failed"
}
tls_bridge_conf front "$tls_port" "ca_file = \"$dir/ca.crt\";"
start_bridge_keep_conf front
until_true "front online over TLS" is_last irrigd/front/availability online
tls_pub irrigd/front/zone/bed/set OPEN
until_true "bed open over TLS" is_last irrigd/front/zone/bed/state open
tls_pub irrigd/front/zone/bed/set CLOSE
until_true "bed closed over TLS" is_last irrigd/front/zone/bed/state closed
stop_bridge front
until_true "offline over TLS at SIGTERM" is_last irrigd/front/availability offline
ok "TLS with ca_file: online, OPEN and CLOSE of bed over TLS, offline at SIGTERM"

tls_bridge_conf front "$mtls_port" \
	"ca_file = \"$dir/ca.crt\"; cert_file = \"$dir/client.crt\"; key_file = \"$dir/client.key\";"
start_bridge_keep_conf front
until_true "front online with its client certificate" is_last irrigd/front/availability online
grep -q "as front (.*u'front')" "$dir/mosquitto.log" ||
	fail "the broker did not take the client certificate's name front as the user"
stop_bridge front
ok "TLS with a client certificate: the broker requires one and knows the bridge by its name"

# A broker whose certificate the configured CA did not sign: never online, said once, retried.
ln -sf "$dir/irrigd-front.sock" "$dir/irrigd-stranger.sock"
tls_bridge_conf stranger "$tls_port" "ca_file = \"$dir/other.crt\";"
tls_attempts() { grep -c "New connection from .* on port $tls_port\." "$dir/mosquitto.log"; }
before=$(tls_attempts)
start_bridge_keep_conf stranger
until_true "the stranger's certificate error logged" grep -q "certificate verify failed" "$dir/bridge-stranger.log"
until_true "three attempts of the stranger" eval '[ "$(tls_attempts)" -ge $((before + 3)) ]'
kill -0 "${bridge_pid[stranger]}" || fail "the bridge stopped at a certificate it does not trust"
[ "$(grep -c "certificate verify failed" "$dir/bridge-stranger.log")" = 1 ] ||
	fail "the certificate error was not logged once: $(cat "$dir/bridge-stranger.log")"
grep -q "127.0.0.1:$tls_port (TLS: certificate verify failed), retrying" "$dir/bridge-stranger.log" ||
	fail "the certificate error does not say the broker and why: $(cat "$dir/bridge-stranger.log")"
! grep -aq "^irrigd/stranger/" "$dir/all.log" || fail "the bridge that trusts no one published"
stop_bridge stranger
ok "a broker the CA did not sign: never online, 'certificate verify failed' logged once, retried"

# -- a mistake in the config is FILE:LINE: SETTING
printf 'mqtt = {\n  port = 70000;\n};\n' >"$dir/bad.conf"
"$build/irrigd-mqtt" --check-config -c "$dir/bad.conf" 2>"$dir/bad.out" && fail "a bad port was taken"
grep -q "^irrigd-mqtt: $dir/bad.conf:2: mqtt.port: must be from 1 to 65535, not 70000\$" "$dir/bad.out" ||
	fail "the error is not FILE:LINE: SETTING: $(cat "$dir/bad.out")"
printf 'mqtt = { password = "x"; };\n' >"$dir/bad.conf"
"$build/irrigd-mqtt" --check-config -c "$dir/bad.conf" 2>"$dir/bad.out" && fail "a password in the config was taken"
grep -q "bad.conf:1: mqtt.password: unknown setting" "$dir/bad.out" || fail "$(cat "$dir/bad.out")"
bad_tls() { # WHAT TLS-SETTINGS PATTERN: a tls group that --check-config refuses with FILE:LINE: PATTERN
	printf 'mqtt = {\n  tls = {\n    %s\n  };\n};\n' "$2" >"$dir/bad.conf"
	"$build/irrigd-mqtt" --check-config -c "$dir/bad.conf" 2>"$dir/bad.out" && fail "$1 was taken"
	grep -q "^irrigd-mqtt: $dir/bad.conf:$3\$" "$dir/bad.out" || fail "$1: $(cat "$dir/bad.out")"
}
bad_tls "a missing ca_file" "ca_file = \"$dir/nowhere.crt\";" \
	"3: mqtt.tls.ca_file: cannot read $dir/nowhere.crt: No such file or directory"
bad_tls "a directory as ca_file" "ca_file = \"$dir\";" "3: mqtt.tls.ca_file: $dir is not a file"
bad_tls "a cert_file without key_file" "ca_file = \"$dir/ca.crt\"; cert_file = \"$dir/client.crt\";" \
	"2: mqtt.tls: cert_file and key_file go together"
bad_tls "a missing key_file" \
	"ca_file = \"$dir/ca.crt\"; cert_file = \"$dir/client.crt\"; key_file = \"$dir/gone.key\";" \
	"3: mqtt.tls.key_file: cannot read $dir/gone.key: No such file or directory"
printf 'mqtt = { tls = { ca_file = "%s"; cert_file = "%s"; key_file = "%s"; }; };\n' \
	"$dir/ca.crt" "$dir/client.crt" "$dir/client.key" >"$dir/good.conf"
"$build/irrigd-mqtt" --check-config -c "$dir/good.conf" >/dev/null 2>"$dir/bad.out" ||
	fail "a good tls group was refused: $(cat "$dir/bad.out")"
ok "config mistakes: FILE:LINE: SETTING: what is wrong; no password setting; TLS files that cannot be read"
echo "test_mqtt: ok (${SECONDS}s)"
