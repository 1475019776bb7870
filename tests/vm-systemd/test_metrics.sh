#!/bin/sh
# irrigd's metrics under systemd, in the systemd lab, after test_systemd.sh in
# the same boot (irrigd-lab-test.service): the read-only socket refuses what
# changes something, node-exporter's own /metrics shows irrigd's figures
# through the textfile collector, and the HTTP endpoint answers curl, only
# from the addresses its socket unit allows. Prints TAP-ish lines,
# "test_metrics: N passed, N failed" and "@@SYSTEMD-LAB-STATUS N".

set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export SYSTEMD_PAGER='' SYSTEMD_COLORS=0 LC_ALL=C.UTF-8
set -a	# lab-pulse needs GPIOSIM_SYSFS
# shellcheck disable=SC1091
. /run/irrigd-lab/env
set +a
ro=/run/irrigd-readonly.sock
prom=/var/lib/prometheus/node-exporter/irrigd.prom
port=9977
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
ctl() { timeout 20 irrigctl "$@"; }
olat() { i2cget -y "$I2C_BUS" 0x20 0x0a; }
valve_closed() { [ $(( $(olat) & 1 )) = 1 ]; }	# active low: latch bit 0 high
has() { printf '%s\n' "$1" | grep -q -- "$2"; }	# has TEXT PATTERN
wait_for() { # wait_for SECONDS COMMAND...: until COMMAND succeeds
	_n=$(( $1 * 10 ))
	shift
	while [ $_n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}
# A sample's value in exposition text: value TEXT 'NAME{LABELS}'.
value() { printf '%s\n' "$1" | awk -v s="$2" '$1 == s { v = $2 } END { print v }'; }
near() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a - b < 0.05 && b - a < 0.05) }'; }
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }

section "the read-only socket"
systemctl stop irrigd.service 2>/dev/null
systemctl reset-failed irrigd.service 2>/dev/null
systemctl start irrigd.socket irrigd-readonly.socket irrigd.service
m=$(stat -c '%G %a' $ro 2>&1)
check "irrigd-readonly.socket listens on $ro, group irrigd-metrics, mode 0660 ($m)" \
	[ "$m" = "irrigd-metrics 660" ]
check "irrigd got it from systemd as the read-only socket" \
	sh -c "journalctl -q -b -u irrigd.service -o cat | grep -q 'using the sockets systemd passed'"
out=$(ctl -s $ro status 2>&1)
check "status is answered there" has "$out" "Idle"
for c in "water garden 1m --no-wait" stop "pause 1d" reload; do
	# shellcheck disable=SC2086
	out=$(ctl -s $ro $c 2>&1)
	rc=$?
	check "$c is refused there (exit $rc: $out)" \
		sh -c "[ $rc = 1 ] && printf '%s' '$out' | grep -q 'permission denied'"
done
check "and the valve stayed closed" valve_closed
out=$(ctl status 2>&1)
check "no rain delay came of it" sh -c "! printf '%s' '$out' | grep -q 'Rain delay'"
out=$(runuser -u irrigd-metrics -- irrigctl -s /run/irrigd/irrigd.sock status 2>&1)
check "user irrigd-metrics cannot use the control socket ($out)" has "$out" "no permission"
out=$(runuser -u irrigd-metrics -- irrigctl -s $ro metrics 2>&1)
check "but reads the metrics on the read-only one" has "$out" "irrigd_build_info"

section "some water: 1 litre (450 pulses)"
ctl water garden 3s >/run/irrigd-lab/metrics-run.out 2>&1 &
wait_for 10 sh -c "[ \$(( \$(i2cget -y $I2C_BUS 0x20 0x0a) & 1 )) = 0 ]"
out=$(ctl -s $ro metrics 2>&1)
check "irrigd_zone_valve_open is 1 while the garden waters" \
	[ "$(value "$out" 'irrigd_zone_valve_open{zone="garden"}')" = 1 ]
lab-pulse -q 17 450
wait
wait_for 10 valve_closed
wait_for 10 sh -c "irrigctl history 1 | grep -q completed"
out=$(ctl -s $ro metrics 2>&1)
litres=$(value "$out" 'irrigd_zone_water_litres_total{zone="garden"}')
note "irrigd_zone_water_litres_total{zone=\"garden\"} $litres"
check "irrigd_zone_water_litres_total is the litre the meter counted ($litres)" near "$litres" 1
check "one completed run" \
	[ "$(value "$out" 'irrigd_zone_runs_total{zone="garden",outcome="completed"}')" = 1 ]

section "node-exporter's textfile collector"
note "/etc/default/prometheus-node-exporter: $(grep -v '^#' /etc/default/prometheus-node-exporter | grep . | tr '\n' ' ')"
note "node-exporter: $(systemctl show -P ExecStart prometheus-node-exporter.service | grep -o 'path=[^ ;]*') $(prometheus-node-exporter --help 2>&1 | grep -A1 -- '--collector.textfile.directory' | tr -s ' \n' ' ' | cut -c1-160)"
systemctl enable --now irrigd-metrics-textfile.timer
check "irrigd-metrics-textfile.timer is active" systemctl -q is-active irrigd-metrics-textfile.timer
wait_for 30 test -s $prom
note "$(ls -l $prom 2>&1) -> $(ls -l "$(readlink -f $prom)" 2>&1)"
check "the timer's service wrote $prom" test -s $prom
check "as user irrigd-metrics" [ "$(stat -L -c %U $prom 2>&1)" = irrigd-metrics ]
check "in /run/irrigd-metrics, sparing the SD card ($(readlink $prom))" \
	[ "$(readlink $prom)" = /run/irrigd-metrics/irrigd.prom ]
systemctl restart prometheus-node-exporter.service
wait_for 30 sh -c "curl -s --max-time 5 http://localhost:9100/metrics | grep -q '^irrigd_zone_water_litres_total'"
node=$(curl -s --max-time 10 http://localhost:9100/metrics)
line=$(printf '%s\n' "$node" | grep '^irrigd_zone_water_litres_total')
note "node-exporter: $line"
check "node-exporter's /metrics on localhost:9100 shows irrigd's litres" \
	near "$(value "$node" 'irrigd_zone_water_litres_total{zone="garden"}')" 1
check "and its build info" has "$node" '^irrigd_build_info{.*version='
err=$(value "$node" node_textfile_scrape_error)
check "node-exporter read the file without error (node_textfile_scrape_error $err)" [ "$err" = 0 ]
systemctl disable --now irrigd-metrics-textfile.timer
# node-exporter's directory made a symbolic link (as the prometheus user
# could): root's ExecStartPost= must not make its link where that points.
nx=/var/lib/prometheus/node-exporter
mkdir -p /run/irrigd-lab/elsewhere
mv $nx $nx.real && ln -s /run/irrigd-lab/elsewhere $nx
systemctl start irrigd-metrics-textfile.service 2>/dev/null
s=$(systemctl is-failed irrigd-metrics-textfile.service)
note "$(journalctl -q -b -u irrigd-metrics-textfile.service -o cat | grep 'not a directory of its own' | tail -1)"
check "with $nx a symbolic link, no link is made where it points, and the service fails ($s)" \
	sh -c "[ ! -e /run/irrigd-lab/elsewhere/irrigd.prom ] && [ ! -L /run/irrigd-lab/elsewhere/irrigd.prom ] && [ $s = failed ]"
rm $nx && mv $nx.real $nx
systemctl reset-failed irrigd-metrics-textfile.service

section "the HTTP endpoint on port $port"
systemctl start irrigd-metrics-http.socket
body=$(curl -s --max-time 10 http://localhost:$port/metrics)
code=$(http_code http://localhost:$port/metrics)
note "curl http://localhost:$port/metrics: $code, $(printf '%s\n' "$body" | grep '^irrigd_zone_water_litres_total')"
check "GET /metrics answers 200" [ "$code" = 200 ]
check "with irrigd's figures" near "$(value "$body" 'irrigd_zone_water_litres_total{zone="garden"}')" 1
check "over IPv6 too" [ "$(http_code 'http://[::1]:'$port/metrics)" = 200 ]
check "another path is 404" [ "$(http_code http://localhost:$port/)" = 404 ]
check "POST is 405" [ "$(http_code -X POST http://localhost:$port/metrics)" = 405 ]
failed_http() { systemctl list-units --failed --plain --no-legend 'irrigd-metrics-http@*' | xargs; }
f=$(failed_http)
check "and they leave no failed irrigd-metrics-http@ unit (${f:-none})" [ -z "$f" ]
note "sandbox: $(systemctl show -p InaccessiblePaths -p RestrictAddressFamilies 'irrigd-metrics-http@x.service' | tr '\n' ' ')"
# The allow-list: a drop-in that allows nobody (IPAddressAllow= emptied).
mkdir -p /run/systemd/system/irrigd-metrics-http.socket.d
printf '[Socket]\nIPAddressAllow=\n' >/run/systemd/system/irrigd-metrics-http.socket.d/nobody.conf
systemctl daemon-reload
systemctl restart irrigd-metrics-http.socket
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 http://localhost:$port/metrics)
check "with a drop-in that allows no address, localhost gets no answer ($code)" [ "$code" = 000 ]
rm -r /run/systemd/system/irrigd-metrics-http.socket.d
systemctl daemon-reload
systemctl restart irrigd-metrics-http.socket
check "without it, 200 again" [ "$(http_code http://localhost:$port/metrics)" = 200 ]

section "irrigd stopped by the gardener stays stopped"
systemctl stop irrigd.service
s=$(systemctl is-active irrigd-readonly.socket)
check "stopping irrigd.service stops irrigd-readonly.socket ($s)" [ "$s" = inactive ]
systemctl start irrigd-metrics-textfile.service 2>/dev/null
out=$(ctl -s $ro metrics 2>&1)
note "irrigctl -s $ro metrics: $out"
code=$(http_code http://localhost:$port/metrics)
check "a scrape gets 503 ($code)" [ "$code" = 503 ]
f=$(failed_http)
check "which leaves no failed unit either (${f:-none})" [ -z "$f" ]
sleep 2
s=$(systemctl is-active irrigd.service)
check "after the textfile service, irrigctl and a scrape, irrigd.service is still stopped ($s)" [ "$s" = inactive ]
systemctl reset-failed irrigd-metrics-textfile.service 2>/dev/null
systemctl start irrigd.service
s=$(systemctl is-active irrigd-readonly.socket)
check "starting irrigd.service brings irrigd-readonly.socket back ($s)" [ "$s" = active ]
m=$(stat -c '%G %a' $ro 2>&1)
check "$ro is there again, group irrigd-metrics, mode 0660 ($m)" [ "$m" = "irrigd-metrics 660" ]
body=$(curl -s --max-time 10 http://localhost:$port/metrics)
check "and the metrics answer again" has "$body" '^irrigd_build_info{'
systemctl stop irrigd-metrics-http.socket

echo "test_metrics: $passed passed, $failed failed"
rc=0
[ $failed = 0 ] || rc=1
echo "@@SYSTEMD-LAB-STATUS $rc"
sleep 0.2
exit $rc
