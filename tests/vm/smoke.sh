#!/bin/sh
# Proves the kernel lab: run inside the VM by tests/vm/run-in-vm, e.g.
#   tests/vm/run-in-vm tests/vm/smoke.sh $(tests/vm/smoke.sh --tools)
# Checks that gpio-sim gives a chip with a line named GPIO17, that i2c-stub
# answers at 0x20 and 0x48 (and nothing at 0x21), that N paced pull-up/pull-down
# writes to sim_gpio17 (by lab-pulse) give exactly N rising edges to gpiomon, and that output
# levels set with gpioset show in sim_gpio22/value and sim_gpio23/value.
# Works with the libgpiod 1.6 tools (v1 uAPI) and the 2.x tools (v2 uAPI).
# SMOKE_EDGES (default 200) edges are driven at most SMOKE_HZ (default 1000)
# per second.

if [ "${1:-}" = --tools ]; then
	# The host programs the smoke test needs, for run-in-vm's file list.
	for t in gpiodetect gpioinfo gpiomon gpioset gpioget i2cdetect i2cget i2cset; do
		p=$(command -v $t) || p=$(PATH=/usr/sbin:/sbin:$PATH command -v $t) ||
			{ echo "smoke.sh: $t is not installed" >&2; exit 1; }
		echo "$p"
	done
	command -v gpiofind || true	# libgpiod 1.x only
	exit 0
fi

set -u
N=${SMOKE_EDGES:-200}
HZ=${SMOKE_HZ:-1000}
: "${GPIOSIM_SYSFS:?not in the lab}" "${I2C_BUS:?not in the lab}"
sim=$GPIOSIM_SYSFS
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

if gpiodetect --version 2>&1 | grep -q 'v1\.'; then v=1; else v=2; fi
echo "# libgpiod tools: $(gpiodetect --version 2>&1 | head -1)"

# --- gpio-sim chip and line names ---------------------------------------------
echo "# $(gpiodetect)"
check "gpiodetect lists the gpio-sim chip $GPIOSIM_CHIP" \
	sh -c "gpiodetect | grep -q '^$GPIOSIM_CHIP .*(28 lines)'"
if [ $v = 1 ]; then
	found=$(gpiofind GPIO17)
else
	found=$(gpioinfo GPIO17 | awk '{ print $1, $2 }')
fi
check "line GPIO17 found by name ($found)" [ "$found" = "$GPIOSIM_CHIP 17" ]

# --- i2c-stub ---------------------------------------------------------------------
echo "# $(i2cdetect -y "$I2C_BUS" 0x20 0x48 | tr -s ' ' | grep -E '^[0-9]0:.*[0-9a-f]{2}' | tr '\n' ' ')"
scan=$(i2cdetect -y "$I2C_BUS" 0x08 0x77)
check "i2cdetect sees 0x20 and 0x48" sh -c "echo '$scan' | grep -q '^20: 20' && echo '$scan' | grep -q '^40: .* 48'"
check "nothing answers at 0x21" sh -c "echo '$scan' | grep -q '^20: 20 --'"
i2cset -y "$I2C_BUS" 0x20 0x0a 0x5a
check "byte register at 0x20 (MCP23008 OLAT) reads back" [ "$(i2cget -y "$I2C_BUS" 0x20 0x0a)" = 0x5a ]
i2cset -y "$I2C_BUS" 0x48 0x00 0x3412 w
check "word register at 0x48 (ADS1115 conversion) reads back" \
	[ "$(i2cget -y "$I2C_BUS" 0x48 0x00 w)" = 0x3412 ]
check "a byte read of that word register gives its low byte" \
	[ "$(i2cget -y "$I2C_BUS" 0x48 0x00 b)" = 0x12 ]
check "a read at 0x21 fails" sh -c "! i2cget -y $I2C_BUS 0x21 0x00 2>/dev/null"

# --- input edges through the pull attribute --------------------------------------
echo pull-down >"$sim/sim_gpio17/pull"
if [ $v = 1 ]; then
	gpiomon --num-events="$N" --rising-edge "$GPIOSIM_CHIP" 17 >/tmp/edges &
else
	gpiomon --num-events="$N" --edges=rising --format='%S' GPIO17 >/tmp/edges &
fi
mon=$!
i=0
if [ $v = 1 ]; then info17() { gpioinfo "$GPIOSIM_CHIP" | grep '"GPIO17"'; }; else info17() { gpioinfo GPIO17; }; fi
until info17 2>/dev/null | grep -q gpiomon; do
	i=$((i + 1))
	[ $i -lt 100 ] || break
	sleep 0.05
done
t0=$(cut -d' ' -f1 /proc/uptime)
lab-pulse -f "$HZ" 17 "$N"
t1=$(cut -d' ' -f1 /proc/uptime)
i=0
while kill -0 $mon 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill $mon 2>/dev/null && echo "# gpiomon still waiting after 5 s; killed"
wait $mon 2>/dev/null
if [ $v = 1 ]; then
	got=$(grep -c 'RISING EDGE' /tmp/edges)
	sed 's/.*\[ *\([0-9.]*\)\].*/\1/' /tmp/edges | grep '^[0-9]' >/tmp/stamps
else
	got=$(grep -c . /tmp/edges)
	cp /tmp/edges /tmp/stamps
fi
rate=$(awk 'NR == 1 { a = $1 } { b = $1 } END { if (b > a) printf "%.0f", (NR - 1) / (b - a); else print "?" }' /tmp/stamps)
echo "# drove $N edges in $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s; kernel timestamps give $rate edges/s"
check "gpiomon saw $N rising edges on GPIO17 (got $got)" [ "$got" = "$N" ]

echo pull-up >"$sim/sim_gpio17/pull"
if [ $v = 1 ]; then val=$(gpioget "$GPIOSIM_CHIP" 17); else val=$(gpioget --numeric GPIO17); fi
check "gpioget reads GPIO17 as 1 with pull-up" [ "$val" = 1 ]

# --- outputs seen in the value attribute -------------------------------------------
wait_value() { # wait_value LINE LEVEL: polls sim_gpioLINE/value for up to 5 s
	n=0
	while [ "$(cat "$sim/sim_gpio$1/value")" != "$2" ]; do
		n=$((n + 1))
		[ $n -lt 100 ] || return 1
		sleep 0.05
	done
}
echo pull-down >"$sim/sim_gpio22/pull"
echo pull-up >"$sim/sim_gpio23/pull"
if [ $v = 1 ]; then
	gpioset --mode=signal "$GPIOSIM_CHIP" 22=1 23=0 &
else
	gpioset GPIO22=1 GPIO23=0 &
fi
set_pid=$!
check "gpioset GPIO22=1 shows in sim_gpio22/value" wait_value 22 1
check "gpioset GPIO23=0 shows in sim_gpio23/value (pull-up)" wait_value 23 0
kill $set_pid
wait $set_pid 2>/dev/null
check "released, GPIO22 falls back to its pull-down" wait_value 22 0
check "released, GPIO23 falls back to its pull-up" wait_value 23 1

echo "smoke: $passed passed, $failed failed"
[ $failed -eq 0 ]
