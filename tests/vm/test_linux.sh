#!/bin/sh
# irrigd's linux backend against the kernel's own drivers: run in the kernel lab by
#   make check-vm   (tests/vm/run-in-vm tests/vm/test_linux.sh BUILD/irrigd BUILD/irrigctl TOOLS...)
# gpio-sim gives the flow meter (GPIO17) and a valve line (GPIO22); i2c-stub
# gives an MCP23008 at 0x20 and an ADS1115 at 0x48; nothing answers at 0x49.

if [ "${1:-}" = --tools ]; then
	for t in i2cget i2cset; do
		p=$(command -v $t) || p=$(PATH=/usr/sbin:/sbin:$PATH command -v $t) ||
			{ echo "test_linux.sh: $t is not installed" >&2; exit 1; }
		echo "$p"
	done
	exit 0
fi

set -u
: "${GPIOSIM_SYSFS:?not in the lab}" "${I2C_BUS:?not in the lab}"
build=${IRRIGD_BUILD:-build}
irrigd=/lab/$build/irrigd
ctl="/lab/$build/irrigctl -s /run/irrigd.sock"
sim=$GPIOSIM_SYSFS
conf=/tmp/irrigd.conf
log=/tmp/irrigd.log
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
olat() { i2cget -y "$I2C_BUS" 0x20 0x0a; }
iodir() { i2cget -y "$I2C_BUS" 0x20 0x00; }
bit0() { echo $(( $1 & 1 )); }
wait_for() { # wait_for SECONDS COMMAND...: until COMMAND succeeds
	n=$(( $1 * 10 ))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

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

start() {
	$irrigd -c $conf --state-dir /tmp/state >>$log 2>&1 &
	pid=$!
	wait_for 20 $ctl version || { not_ok "irrigd starts"; cat $log; exit 1; }
}

# The stub's registers start at 0: left alone, every MCP23008 pin would be
# an output driving low, which opens an active-low relay.
start
ok "irrigd starts on the linux backend ($($irrigd --version))"
check "start-up drives the expander valve closed (OLAT bit 0 high: $(olat))" \
	[ "$(bit0 "$(olat)")" = 1 ]
check "and makes its pin an output (IODIR bit 0 low: $(iodir))" \
	[ "$(bit0 "$(iodir)")" = 0 ]
# Asked at start, so a missing chip is in the log before irrigd is ready,
# not only once the first reading (on a timer, in the loop) fails.
first_line() { grep -n "$1" $log | head -1 | cut -d: -f1; }
adc_at=$(first_line 'ADS1115 at /dev/i2c-[0-9]* 0x49 does not answer')
ready_at=$(first_line 'ready on')
before() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }
check "the missing ADC at 0x49 is logged at start, before irrigd is ready (log lines ${adc_at:-none} and ${ready_at:-none})" \
	before "$adc_at" "$ready_at"
check "the GPIO22 valve is held closed (value $(cat $sim/sim_gpio22/value))" \
	[ "$(cat $sim/sim_gpio22/value)" = 0 ]

# --- valves ---------------------------------------------------------------
$ctl water bed 3s --no-wait >/dev/null
check "water bed opens it: OLAT bit 0 low ($(olat))" [ "$(bit0 "$(olat)")" = 0 ]
wait_for 10 sh -c "[ \$(( \$(i2cget -y $I2C_BUS 0x20 0x0a) & 1 )) = 1 ]"
check "and closes it after 3 s ($(olat))" [ "$(bit0 "$(olat)")" = 1 ]
$ctl water lawn 3s --no-wait >/dev/null
# Its valve opens once min_switch_interval (2 s) has passed since bed's closed.
wait_for 50 sh -c "[ \$(cat $sim/sim_gpio22/value) = 1 ]"
check "water lawn drives GPIO22 high" [ "$(cat $sim/sim_gpio22/value)" = 1 ]
wait_for 10 sh -c "[ \$(cat $sim/sim_gpio22/value) = 0 ]"
check "and low again after 3 s" [ "$(cat $sim/sim_gpio22/value)" = 0 ]

# --- flow meter -------------------------------------------------------------
before=$($ctl --json flow | sed 's/.*"pulses":\([0-9]*\).*/\1/')
lab-pulse 17 900 >/dev/null
sleep 0.5
after=$($ctl --json flow | sed 's/.*"pulses":\([0-9]*\).*/\1/')
check "900 edges on GPIO17 count as 900 pulses ($before -> $after)" \
	[ $((after - before)) = 900 ]
check "which is 2 litres" sh -c "$ctl flow | grep -q ', 2.00 L counted'"

# --- ADC ----------------------------------------------------------------------
# The stub does no conversions: plant a result, sent most significant byte
# first as the chip would (so the SMBus word is byte-swapped): 16000 counts
# at 4.096 V full scale is 2.000 V, 53 % between dry 2.8 V and wet 1.3 V.
i2cset -y "$I2C_BUS" 0x48 0x00 0x803e w
m=$($ctl moisture)
echo "$m" | sed 's/^/# /'
check "a planted ADS1115 result reads as 53 %" sh -c "echo '$m' | grep -q '^p1 .* 53 %'"
# ch0, 4.096 V, single shot, 250 SPS, comparator off: 0xC3A3, byte-swapped.
cfg=$(i2cget -y "$I2C_BUS" 0x48 0x01 w)
check "the driver started a single-shot conversion of AIN0 ($cfg = 0xa3c3)" \
	[ "$cfg" = 0xa3c3 ]

# --- a chip that does not answer ---------------------------------------------
check "the missing ADC at 0x49 shows as an error that names it" \
	sh -c "echo '$m' | grep -q '^p2 .*failed: it cannot be read: ADS1115 at /dev/i2c-[0-9]* 0x49 does not answer'"
# (The probe's own "Soil probe p2 failed" line names the chip too.)
adc_logged() { grep -v 'Soil probe' $log | grep -c 'ADS1115 at /dev/i2c-[0-9]* 0x49 does not answer'; }
check "and is logged once" [ "$(adc_logged)" = 1 ]
$ctl moisture >/dev/null
check "still once after another read" \
	[ "$(adc_logged)" = 1 ]
check "irrigd keeps answering" sh -c "$ctl status >/dev/null"

# --- after a crash ----------------------------------------------------------------
$ctl water bed 10m --no-wait >/dev/null
# It may queue behind lawn, then wait out min_switch_interval: until it opens.
wait_for 30 sh -c "[ \$(( \$(i2cget -y $I2C_BUS 0x20 0x0a) & 1 )) = 0 ]"
kill -9 $pid
wait $pid 2>/dev/null
check "a killed irrigd leaves the bed valve open (OLAT $(olat))" \
	[ "$(bit0 "$(olat)")" = 0 ]
$irrigd --all-off -c $conf >>$log 2>&1
check "irrigd --all-off closes it (OLAT $(olat))" [ "$(bit0 "$(olat)")" = 1 ]

# --- one line written two ways ----------------------------------------------------
# The config compares lines as written; only the chips say GPIO17 is
# $GPIOSIM_CHIP line 17, and irrigd asks them before it drives anything.
twice=/tmp/irrigd-twice.conf
sed "s|{ line = \"GPIO22\"; }|{ chip = \"$GPIOSIM_CHIP\"; offset = 17; }|" $conf >$twice
$irrigd --check-config -c $twice >/tmp/irrigd-twice.out 2>&1
rc=$?
check "a valve on the flow meter's line by chip and offset is refused (exit $rc)" \
	[ $rc = 1 ]
check "naming both settings" grep -qF "zones.[1].valve (chip = \"$GPIOSIM_CHIP\"; offset = 17) is $GPIOSIM_CHIP line 17, the line of hardware.flow_meter (line = \"GPIO17\")" \
	/tmp/irrigd-twice.out
sed 's/^/# /' /tmp/irrigd-twice.out

echo "# irrigd's log:"
sed 's/^/#   /' $log
echo "test_linux: $passed passed, $failed failed"
[ $failed = 0 ]
