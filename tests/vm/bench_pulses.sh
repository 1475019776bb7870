#!/bin/sh
# Pulse capacity of irrigd's linux backend on the kernel's gpio-sim, in the
# kernel lab (issue 7, figure 5): run by
#   make bench-vm   (tests/vm/run-in-vm tests/vm/bench_pulses.sh BUILD/irrigd BUILD/irrigctl TOOLS...)
# The setup is test_linux.sh's (the same config: backend "linux", the flow
# meter on GPIO17, the MCP23008 and ADS1115 on i2c-stub, nothing at 0x49).
# lab-pulse drives paced rising edges into GPIO17 at stepped rates; irrigd's
# count (the difference of `irrigctl --json flow` "pulses") is set against
# the edges written. Four series:
#   reference  gpiomon on GPIO27, the same chip: what a plain libgpiod reader
#              gets, so a loss that is the kernel's (the irq simulator drops
#              an edge that arrives while the previous one is pending) is not
#              taken for irrigd's;
#   idle       irrigd idle (no run): the flow path alone;
#   watering   irrigd watering "bed" with a report every second, so the loop
#              also reads the soil probes (I2C) while edges arrive;
#   powered    the same with probe p1 powered from the expander's pin 7 with
#              settle_ms = 50, as the reference config's probes are: each
#              soil read holds the loop for the settle time and more, while
#              edges wait in the kernel's queue.
# "fifo" counts the kernel's "event FIFO is full - event dropped" messages in
# the window (edges the kernel had for the line's queue, 16 events with the
# v1 uAPI, when it was full), from dynamic debug in dmesg. The kernel prints
# at most 10 in 5 s, so it is a lower bound: 0 means no edge was dropped at a
# full queue, N means at least N were ("-": no dynamic debug in this kernel).
# Exits non-zero only when it could not measure; loss is a result.
#
# Environment: BENCH_VM_RATES (100 500 1000 2000 5000 10000 20000 50000),
# BENCH_VM_SECONDS (2) a rate, BENCH_VM_MAX_EDGES (20000) a rate at most,
# BENCH_VM_RUN_RATES (100 200 300 500 1000 2000 5000) for the watering and
# powered series, BENCH_VM_RUN_SECONDS (3).

if [ "${1:-}" = --tools ]; then
	for t in i2cget i2cset gpiomon; do
		p=$(command -v $t) || p=$(PATH=/usr/sbin:/sbin:$PATH command -v $t) ||
			{ echo "bench_pulses.sh: $t is not installed" >&2; exit 1; }
		echo "$p"
	done
	exit 0
fi

set -u
: "${GPIOSIM_SYSFS:?not in the lab}" "${I2C_BUS:?not in the lab}"
build=${IRRIGD_BUILD:-build}
irrigd=/lab/$build/irrigd
ctl="/lab/$build/irrigctl -s /run/irrigd.sock"
conf=/tmp/irrigd.conf
log=/tmp/irrigd.log
rates=${BENCH_VM_RATES:-100 500 1000 2000 5000 10000 20000 50000}
secs=${BENCH_VM_SECONDS:-2}
max_edges=${BENCH_VM_MAX_EDGES:-20000}
run_rates=${BENCH_VM_RUN_RATES:-100 200 300 500 1000 2000 5000}
run_secs=${BENCH_VM_RUN_SECONDS:-3}
REF_LINE=27

cant() {
	echo "bench_pulses: cannot measure: $*" >&2
	[ -f $log ] && sed 's/^/#   /' $log >&2
	exit 1
}
wait_for() { # wait_for SECONDS COMMAND...: until COMMAND succeeds
	_w=$(( $1 * 10 ))
	shift
	while [ $_w -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_w=$((_w - 1))
	done
	return 1
}

# --- test_linux.sh's setup ---------------------------------------------------
cat >$conf <<EOF
hardware = {
  backend = "linux";
  i2c_bus = $I2C_BUS;
  expanders = ( { address = 0x20; } );
  adcs = ( { address = 0x48; }, { address = 0x49; } );
  flow_meter = { line = "GPIO17"; pulses_per_litre = 450.0; };
};
zones = (
  { name = "bed"; valve = { expander = 0x20; pin = 0; active_low = true; };
    flow_lpm = 10.0; },
  { name = "lawn"; valve = { line = "GPIO22"; }; flow_lpm = 20.0; }
);
sensors = {
  soil = (
    { name = "p1"; adc = 0x48; channel = 0; zone = "bed";
      dry_volts = 2.8; wet_volts = 1.3; },
    { name = "p2"; adc = 0x49; channel = 0; zone = "lawn";
      dry_volts = 2.8; wet_volts = 1.3; }
  );
};
report_interval = "1s";
socket = "/run/irrigd.sock";
wait_for_clock_sync = false;
EOF
# A planted ADS1115 result, as test_linux.sh does (the stub does no conversions).
i2cset -y "$I2C_BUS" 0x48 0x00 0x803e w

# The powered variant: p1 switched by the expander's pin 7, settle_ms 50.
awk '
	/name = "p1"/ { p1 = 1 }
	p1 && /wet_volts/ {
		sub(/ },$/, "")
		print
		print "      power = { expander = 0x20; pin = 7; active_low = false; settle_ms = 50; }; },"
		p1 = 0
		next
	}
	{ print }' $conf >$conf.powered
grep -q settle_ms $conf.powered || cant "could not write the powered config"

start() { # start CONFIG
	$irrigd -c "$1" --state-dir /tmp/state >>$log 2>&1 &
	pid=$!
	wait_for 20 $ctl version || cant "irrigd did not start with $1"
}
stop_irrigd() {
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
}
start $conf
echo "# $($irrigd --version), pid $pid, Linux $(uname -r), $(grep -c ^processor /proc/cpuinfo) vCPU"

# --- kernel side: dynamic debug for the FIFO-full message ----------------------
dd=/sys/kernel/debug/dynamic_debug/control
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
if [ -w $dd ] && echo 'file gpiolib-cdev.c +p' >$dd 2>/dev/null &&
	grep -q 'gpiolib-cdev.c.*=p' $dd; then
	fifo_ok=1
else
	fifo_ok=0
	echo "# no dynamic debug: the fifo column is not measured"
fi
dmesg -n 1 2>/dev/null	# keep kernel messages off the console
fifo_drops() { # edges dropped at a full event FIFO since the last call
	if [ $fifo_ok = 0 ]; then echo -; return; fi
	dmesg -c 2>/dev/null | grep -c 'event FIFO is full'
}

pulses() {
	$ctl --json flow | sed -n 's/.*"pulses":\([0-9]*\).*/\1/p' | grep . ||
		cant "no pulses in 'irrigctl --json flow': $($ctl --json flow 2>&1)"
}
cpu_ns() { # irrigd's run time so far, ns (schedstat, else utime+stime ticks)
	if [ -r /proc/$pid/schedstat ]; then
		cut -d' ' -f1 /proc/$pid/schedstat
	else
		awk -v hz=100 '{ print ($14 + $15) * 1e9 / hz }' /proc/$pid/stat
	fi
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
edges_for() { # edges_for RATE SECONDS: RATE x SECONDS, at most max_edges
	awk -v r="$1" -v s="$2" -v m="$max_edges" \
		'BEGIN { n = int(r * s); if (n > m) n = m; if (n < 1) n = 1; print n }'
}
# pulse LINE RATE EDGES: drives them; sets achieved (Hz)
pulse() {
	out=$(lab-pulse -f "$2" "$1" "$3") || cant "lab-pulse -f $2 $1 $3 failed"
	achieved=$(echo "$out" | sed -n 's/.*(\([0-9]*\) Hz).*/\1/p')
	[ -n "$achieved" ] || cant "lab-pulse printed no rate: $out"
}
header() {
	printf '%-9s %8s %9s %7s %8s %6s %6s %6s\n' \
		series asked_hz achieved edges counted lost fifo cpu%
}
first_loss=""
row() { # row SERIES ASKED ACHIEVED EDGES COUNTED FIFO CPU
	lost=$(( $4 - $5 ))
	printf '%-9s %8s %9s %7s %8s %6s %6s %6s\n' "$1" "$2" "$3" "$4" "$5" "$lost" "$6" "$7"
	[ $lost -eq 0 ] || [ -n "$first_loss" ] || first_loss=$2
}
# irrigd_window SERIES RATE SECONDS: one window through irrigd's flow meter
irrigd_window() {
	n=$(edges_for "$2" "$3")
	p0=$(pulses) || exit 1
	fifo_drops >/dev/null
	c0=$(cpu_ns)
	t0=$(uptime_s)
	pulse 17 "$2" "$n"
	sleep 0.5	# let the loop drain what is queued
	c1=$(cpu_ns)
	t1=$(uptime_s)
	f=$(fifo_drops)
	p1=$(pulses) || exit 1
	cpu=$(awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" \
		'BEGIN { printf "%.1f", (e > s ? (b - a) / 1e7 / (e - s) : 0) }')
	row "$1" "$2" "$achieved" "$n" $((p1 - p0)) "$f" "$cpu"
}

# --- reference: gpiomon on GPIO27 --------------------------------------------------
echo "# reference: gpiomon -r on GPIO$REF_LINE (a plain libgpiod 1.6 reader), ${secs} s or $max_edges edges a rate"
header
first_loss=""
for r in $rates; do
	n=$(edges_for "$r" "$secs")
	fifo_drops >/dev/null
	gpiomon -r -F %o "$GPIOSIM_CHIP" $REF_LINE >/tmp/mon.out 2>/tmp/mon.err &
	mon=$!
	if [ -r /sys/kernel/debug/gpio ]; then
		wait_for 10 grep -q "GPIO$REF_LINE .*gpiomon" /sys/kernel/debug/gpio ||
			cant "gpiomon did not take GPIO$REF_LINE: $(cat /tmp/mon.err)"
	else
		sleep 1
	fi
	pulse $REF_LINE "$r" "$n"
	sleep 0.5
	kill -TERM $mon 2>/dev/null
	wait $mon 2>/dev/null
	got=$(grep -c . /tmp/mon.out)
	row reference "$r" "$achieved" "$n" "$got" "$(fifo_drops)" -
done
ref_loss=${first_loss:-none}

# --- irrigd idle ----------------------------------------------------------------------
echo "# irrigd idle (no run): GPIO17, ${secs} s or $max_edges edges a rate; cpu% is irrigd's over the window and 0.5 s of drain"
header
first_loss=""
for r in $rates; do
	irrigd_window idle "$r" "$secs"
done
idle_loss=${first_loss:-none}

# --- irrigd watering, a report (soil read) every second --------------------------
# soil_ms: how long a soil read holds the loop, as a client sees it: the
# median of 5 'irrigctl moisture' less the median of 5 'irrigctl version'
# (the same client and socket path, no hardware).
ms_of() { # ms_of COMMAND...: the median of 5 runs, ms
	for _i in 1 2 3 4 5; do
		_a=$(uptime_s)
		"$@" >/dev/null 2>&1
		_b=$(uptime_s)
		awk -v s="$_a" -v e="$_b" 'BEGIN { printf "%.0f\n", (e - s) * 1000 }'
	done | sort -n | sed -n 3p
}
soil_ms() {
	m=$(ms_of $ctl moisture)
	v=$(ms_of $ctl version)
	echo "# a soil read: 'irrigctl moisture' $m ms, 'irrigctl version' $v ms (uptime ticks of 10 ms): the read holds the loop about $((m - v)) ms"
}
watering_series() { # watering_series SERIES
	echo "# irrigd watering bed, report_interval 1s, soil read at the start and each report ($1): ${run_secs} s a rate"
	header
	first_loss=""
	for r in $run_rates; do
		$ctl clear >/dev/null 2>&1	# a leak latched by the idle series
		$ctl water bed 60s --no-wait --force >/tmp/water.out 2>&1 ||
			cant "water bed refused: $(cat /tmp/water.out)"
		sleep 0.3
		irrigd_window "$1" "$r" "$run_secs"
		$ctl stop >/dev/null 2>&1
	done
}
soil_ms
watering_series watering
run_loss=${first_loss:-none}

stop_irrigd
start $conf.powered
echo "# irrigd restarted with p1 powered from the expander's pin 7, settle_ms 50"
soil_ms
watering_series powered
powered_loss=${first_loss:-none}

echo "# irrigd's log (last 10 lines):"
tail -10 $log | sed 's/^/#   /'
stop_irrigd
echo "first_loss_hz reference=$ref_loss idle=$idle_loss watering=$run_loss powered=$powered_loss"
exit 0
