#!/bin/bash
# irrigd.service and irrigd.socket under a real systemd, on the kernel lab's
# gpio-sim and i2c-stub devices: the sandbox as it runs, not as
# systemd-analyze reads it. Socket activation by a member of group irrigd,
# Type=notify, the seccomp filter letting irrigd read the clock's sync state,
# /proc/self/status, the groups and DeviceAllow= reaching the chips,
# ExecStopPost= closing a valve after SIGKILL and after the watchdog fires,
# RuntimeDirectoryPreserve= keeping the socket.
#
# Opt-in, as it boots a VM: make check-vm-units (IRRIGD_UNITS_VM=1);
# otherwise it says it is skipped. It boots the lab's kernel and initramfs
# (tests/vm/build-lab) with the host's root, read-only over 9p under a tmpfs
# overlay, and the host's systemd as PID 1; what make install puts in a
# DESTDIR is copied into the overlay. Needs the host's systemd, udev,
# i2c-tools, util-linux and procps, and cc.
set -euo pipefail

# ---- inside the VM (lab-test.service runs this with --in-vm) -----------------
in_vm() {
	exec >/dev/ttyS0 2>&1
	[ "$(cat /proc/1/comm)" = systemd ] && [ -f /etc/irrigd-lab.env ] &&
		grep -q 'lowerdir=/mnt/lower' /proc/mounts ||
		{ echo "test_units_vm: --in-vm outside the lab"; exit 2; }
	set +e -u
	set -a
	. /etc/irrigd-lab.env
	set +a
	export PATH=/usr/sbin:/usr/bin:/sbin:/bin
	passed=0 failed=0
	ok() { passed=$((passed + 1)); echo "ok - $*"; }
	not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
	check() { local d=$1; shift; if "$@" >/dev/null; then ok "$d"; else not_ok "$d"; fi; }
	wait_for() {
		local n=$(($1 * 10))
		shift
		while [ $n -gt 0 ]; do
			"$@" >/dev/null 2>&1 && return 0
			sleep 0.1
			n=$((n - 1))
		done
		return 1
	}
	olat() { i2cget -y "$I2C_BUS" 0x20 0x0a; }
	closed() { [ $(($(olat) & 1)) = 1 ]; }
	is_open() { [ $(($(olat) & 1)) = 0 ]; }
	state() { [ "$(systemctl is-active irrigd.service)" = "$1" ]; }
	mainpid() { systemctl show -p MainPID --value irrigd.service; }
	journal() { journalctl -u irrigd --no-pager -n "$1" | sed 's/^/# /'; }
	dropin() {
		mkdir -p /run/systemd/system/irrigd.service.d
		printf '[Service]\n%s\n' "$1" >/run/systemd/system/irrigd.service.d/lab.conf
		systemctl daemon-reload
	}

	echo "# $(systemctl --version | head -1), Linux $(uname -r)"
	systemd-sysusers >/dev/null
	check "sysusers.d made user irrigd" id irrigd
	check "and groups gpio, i2c and irrigd" getent group gpio i2c irrigd
	# The devices' owners and modes that Raspberry Pi OS's udev rules give.
	chgrp gpio /dev/gpiochip*
	chmod 0660 /dev/gpiochip*
	chgrp i2c /dev/i2c-*
	chmod 0660 /dev/i2c-*
	cat >/etc/irrigd/irrigd.conf <<-EOF
	hardware = {
	  backend = "linux";
	  i2c_bus = $I2C_BUS;
	  expanders = ( { address = 0x20; } );
	  adcs = ( { address = 0x48; } );
	  flow_meter = { line = "GPIO17"; pulses_per_litre = 450.0; };
	};
	zones = (
	  { name = "bed"; valve = { expander = 0x20; pin = 0; active_low = true; };
	    flow_lpm = 10.0; },
	  { name = "lawn"; valve = { line = "GPIO22"; }; flow_lpm = 20.0; }
	);
	EOF
	# As an NTP daemon would: the kernel's clock is synchronized.
	"$LAB_TMP/clock-synced" set || not_ok "cannot mark the clock synchronized"
	printf 'u gardener - "A gardener"\nm gardener irrigd\nu stranger - "Not one"\n' |
		systemd-sysusers - >/dev/null

	systemctl start irrigd.socket
	check "irrigd.socket listens" [ "$(systemctl is-active irrigd.socket)" = active ]
	check "its socket has mode 0660 and group irrigd" \
		[ "$(stat -c '%a %G' /run/irrigd/irrigd.sock)" = "660 irrigd" ]
	check "irrigd is not started yet" state inactive
	st=$(runuser -u gardener -- irrigctl status 2>&1)
	echo "$st" | sed 's/^/# /'
	check "a member of group irrigd runs irrigctl status: socket activation" \
		grep -q 'every valve closed' <<<"$st"
	check "irrigd.service is active" state active
	check "status shows irrigd's memory (/proc/self/status under ProtectProc=)" \
		grep -q 'memory [1-9][0-9]* KiB' <<<"$st"
	check "irrigd sees the clock synchronized (clock_adjtime passes the filter)" \
		sh -c "! journalctl -u irrigd --no-pager | grep -q 'not synchronized'"
	check "a user outside group irrigd is refused" \
		sh -c "! runuser -u stranger -- irrigctl status 2>/dev/null"
	pid=$(mainpid)
	grep -E '^(Groups|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/"$pid"/status | sed 's/^/# /'
	check "irrigd runs as irrigd" [ "$(ps -o user= -p "$pid")" = irrigd ]
	check "with groups gpio and i2c" sh -c "grep '^Groups:' /proc/$pid/status |
		grep -qw $(getent group gpio | cut -d: -f3) &&
		grep '^Groups:' /proc/$pid/status | grep -qw $(getent group i2c | cut -d: -f3)"
	check "no capabilities, a seccomp filter" sh -c "grep -q '^CapBnd:[[:space:]]*0*$' /proc/$pid/status &&
		grep -q '^Seccomp:[[:space:]]*2' /proc/$pid/status"
	check "STATUS=Idle reaches systemd (Type=notify)" \
		[ "$(systemctl show -p StatusText --value irrigd)" = Idle ]
	check "the expander valve is closed at start-up" closed
	check "/var/lib/irrigd belongs to irrigd" [ "$(stat -c %U /var/lib/irrigd)" = irrigd ]

	runuser -u gardener -- irrigctl water bed 10m --no-wait >/dev/null
	check "water bed opens the valve" is_open
	check "STATUS= says so" sh -c "systemctl show -p StatusText --value irrigd | grep -q 'Watering bed'"
	check "systemctl reload irrigd reloads the config" systemctl reload irrigd
	check "and irrigd goes on" state active
	systemctl kill -s KILL irrigd.service
	check "after SIGKILL, ExecStopPost= closes the valve" wait_for 10 closed
	journal 6
	check "Restart=on-failure starts irrigd again" wait_for 20 state active
	systemctl stop irrigd.service
	check "irrigd stops" state inactive
	check "its socket stays (RuntimeDirectoryPreserve=yes)" test -S /run/irrigd/irrigd.sock
	check "and irrigctl starts irrigd through it" sh -c "irrigctl version >/dev/null"

	# A hung event loop: the watchdog kills irrigd, ExecStopPost= closes the
	# valve, irrigd comes back. A shorter watchdog for the test.
	dropin $'WatchdogSec=4s\nTimeoutAbortSec=2s'
	systemctl restart irrigd
	wait_for 20 state active
	irrigctl water bed 10m --no-wait >/dev/null
	check "a valve open before irrigd hangs" is_open
	kill -STOP "$(mainpid)"
	check "the watchdog fires and ExecStopPost= closes the valve" wait_for 30 closed
	check "and irrigd comes back" wait_for 30 state active
	journal 12 | grep -iE 'watchdog|valve|Started'

	# Controls: what the unit avoids.
	dropin 'ProtectClock=yes'
	systemctl restart irrigd
	wait_for 20 state active
	check "control: under ProtectClock=yes irrigd cannot see the sync" \
		sh -c "irrigctl status | grep -q 'wait for the system clock'"
	dropin $'SystemCallFilter=\nSystemCallFilter=@system-service\nSystemCallErrorNumber='
	systemctl restart irrigd 2>/dev/null
	check "control: @system-service alone kills irrigd (SIGSYS) at start" \
		wait_for 10 sh -c "journalctl -u irrigd --no-pager | grep -q 'status=31/SYS'"
	rm -r /run/systemd/system/irrigd.service.d
	systemctl daemon-reload
	systemctl reset-failed irrigd
	systemctl restart irrigd
	check "back to the unit as installed" wait_for 20 state active
	systemctl stop irrigd.service irrigd.socket
	check "stopping irrigd.socket removes the socket" test ! -e /run/irrigd/irrigd.sock
	echo "# $passed passed, $failed failed"
	echo "@@VM-EXIT-STATUS $([ "$failed" -eq 0 ] && echo 0 || echo 1)"
	sync
	sleep 0.3
	echo o >/proc/sysrq-trigger
}
if [ "${1:-}" = --in-vm ]; then
	in_vm
	exit 0
fi

# ---- on the host --------------------------------------------------------------
fail() { echo "test_units_vm: $*" >&2; exit 1; }
if [ "${IRRIGD_UNITS_VM:-0}" != 1 ]; then
	echo "test_units_vm: skipped (make check-vm-units runs it)"
	exit 0
fi
top=$(pwd)
[ -f tests/vm/lab-init ] || fail "run it from the source tree's top"
for t in qemu-system-x86_64 cc dpkg-deb i2cget runuser ps systemd-sysusers; do
	command -v $t >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v $t >/dev/null ||
		fail "$t is not installed"
done
lab_env=$(tests/vm/build-lab --env)
get() { echo "$lab_env" | sed -n "s/^$1=//p"; }
KVER=$(get KVER) KERNEL=$(get KERNEL) INITRD=$(get INITRD) ACCEL=$(get ACCEL)
cache=${VM_CACHE:-$top/build/vm}
deb=$(ls "$cache"/debs/linux-image-"$KVER"_*.deb 2>/dev/null | head -1) ||
	true
[ -n "$deb" ] || fail "no linux-image-$KVER .deb in $cache/debs"
tmp=$(mktemp -d /tmp/irrigd-units-vm-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

make -s install DESTDIR="$tmp/stage" PREFIX=/usr UNITDIR=/lib/systemd/system \
	SYSUSERSDIR=/usr/lib/sysusers.d \
	BASHCOMPDIR=/usr/share/bash-completion/completions >/dev/null
# Marks the kernel's clock synchronized (run in the VM only).
cat >"$tmp/clock-synced.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <sys/timex.h>
int main(void)
{
	struct timex tx;

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR;
	return adjtimex(&tx) == TIME_OK ? 0 : 1;
}
EOF
cc -o "$tmp/clock-synced" "$tmp/clock-synced.c"

# The modules for a 9p root with an overlay, in load order (fscache is
# part of netfs from 6.4 on).
mods="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
netfs fscache 9pnet 9pnet_virtio 9p overlay"
mkdir -p "$tmp/k" "$tmp/extra/lib/modules/unitslab"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/k" --wildcards \
	'*/kernel/drivers/virtio/*' '*/kernel/net/9p/*' '*/kernel/fs/9p/*' \
	'*/kernel/fs/netfs/*' '*/kernel/fs/fscache/*' '*/kernel/fs/overlayfs/*' 2>/dev/null ||
	true
n=10
for m in $mods; do
	f=$(find "$tmp/k" -name "$m.ko*" | head -1)
	[ -n "$f" ] || continue
	out=$tmp/extra/lib/modules/unitslab/$n-$m.ko
	case $f in
	*.xz) xz -dc "$f" >"$out" ;;
	*.zst) zstd -qdc "$f" >"$out" ;;
	*) cp "$f" "$out" ;;
	esac
	n=$((n + 1))
done
ls "$tmp/extra/lib/modules/unitslab/"*-9p.ko >/dev/null 2>&1 ||
	fail "no 9p module in $deb"

cat >"$tmp/lab.target" <<'EOF'
[Unit]
Description=irrigd units lab
Requires=basic.target lab-test.service
After=basic.target lab-test.service
EOF
cat >"$tmp/lab-test.service" <<EOF
[Unit]
Description=irrigd units test
After=basic.target
[Service]
Type=oneshot
ExecStart=/bin/bash $top/tests/test_units_vm.sh --in-vm
EOF
# The lab's /init up to its script, then: the host's root under an overlay,
# the installed files, and systemd.
{
	sed '/^cd \/lab 2>\/dev\/null/,$d' tests/vm/lab-init
	cat <<EOF
for m in /lib/modules/unitslab/*.ko; do insmod "\$m" || lab_fail "insmod \$m"; done
mkdir -p /mnt/lower /mnt/upper /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288 hostroot /mnt/lower ||
	lab_fail "mount the host's root"
mount -t tmpfs -o mode=0755 upper /mnt/upper
mkdir -p /mnt/upper/u /mnt/upper/w
mount -t overlay -o lowerdir=/mnt/lower,upperdir=/mnt/upper/u,workdir=/mnt/upper/w \
	overlay /newroot || lab_fail "mount the overlay"
(cd /newroot$tmp/stage && find . -type f) | while read -r f; do
	mkdir -p "/newroot/\${f%/*}"
	cp -p "/newroot$tmp/stage/\$f" "/newroot/\$f" || lab_fail "copy \$f"
done
{ cat /etc/lab/env; echo "LAB_TMP=$tmp"; } >/newroot/etc/irrigd-lab.env
s=/newroot/etc/systemd/system
rm -f \$s/*.wants/* /newroot/.dockerenv /newroot/run/.containerenv
cp /newroot$tmp/lab.target /newroot$tmp/lab-test.service \$s/
# What a boot on 9p under emulation need not wait for.
for u in systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service \
	systemd-udev-trigger.service systemd-journal-flush.service \
	systemd-random-seed.service systemd-update-utmp.service \
	ldconfig.service systemd-hwdb-update.service; do
	ln -sf /dev/null \$s/\$u
done
umount /sys/kernel/config /dev/pts /tmp /run /sys /proc 2>/dev/null
mount --move /dev /newroot/dev
exec switch_root /newroot /lib/systemd/systemd --unit=lab.target
EOF
} >"$tmp/extra/init"
chmod 755 "$tmp/extra/init"
cp "$INITRD" "$tmp/initrd"
truncate -s %4 "$tmp/initrd"
(cd "$tmp/extra" && find . | cpio --quiet -o -H newc -R 0:0) >>"$tmp/initrd"

if [ "${VM_ACCEL:-$ACCEL}" = kvm ]; then
	accel=(-accel kvm -cpu host)
else
	accel=(-accel tcg -cpu max)
fi
echo "test_units_vm: booting $KVER with systemd ($(systemctl --version | head -1))"
set +e
timeout -k 5 "${VM_TIMEOUT:-600}" qemu-system-x86_64 "${accel[@]}" -m 1G -smp 1 \
	-nodefaults -no-reboot -nographic -serial stdio -monitor none \
	-fw_cfg name=etc/sercon-port,string=0 \
	-kernel "$KERNEL" -initrd "$tmp/initrd" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 systemd.show_status=0" \
	</dev/null 2>&1 | sed -u 's/\r//g' | grep --line-buffered -v 'fw_cfg item names' \
	>"$tmp/console.log"
set -e
sed -n '/^# systemd /,/^@@VM-EXIT-STATUS/p' "$tmp/console.log" | grep -v '^@@'
status=$(sed -n 's/^.*@@VM-EXIT-STATUS \([0-9][0-9]*\).*$/\1/p' "$tmp/console.log" | tail -1)
if [ -z "$status" ]; then
	tail -40 "$tmp/console.log"
	fail "the VM printed no result"
fi
[ "$status" = 0 ] || fail "failed in the VM"
echo "test_units_vm: ok"
