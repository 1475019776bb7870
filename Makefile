# Build, test, demo and install irrigd and irrigctl.

VERSION := 0.2.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DESTDIR ?=

# Cross-building for 64-bit Raspberry Pi OS: make CROSS=aarch64-linux-gnu-
# builds in build/aarch64 with Debian's cross compiler, against an arm64
# sysroot (CROSS_SYSROOT) unpacked from Debian's arm64 -dev packages;
# scripts/install-cross-deps installs both, and the qemu-user that
# make check-cross runs the tests under.
CROSS ?=
CROSS_SYSROOT ?= /opt/irrigd-sysroot-arm64
ifneq ($(CROSS),)
CROSS_TRIPLET := $(CROSS:%-=%)
CROSS_ARCH := $(firstword $(subst -, ,$(CROSS_TRIPLET)))
BUILD ?= build/$(CROSS_ARCH)
CC := $(CROSS)gcc
AR := $(CROSS)ar
PKG_CONFIG := PKG_CONFIG_LIBDIR=$(CROSS_SYSROOT)/usr/lib/$(CROSS_TRIPLET)/pkgconfig:$(CROSS_SYSROOT)/usr/share/pkgconfig \
	PKG_CONFIG_SYSROOT_DIR=$(CROSS_SYSROOT) pkg-config
ifneq ($(filter-out clean cross-deps,$(or $(MAKECMDGOALS),all)),)
ifeq ($(wildcard $(CROSS_SYSROOT)/usr/include/gpiod.h),)
$(error no arm64 sysroot in $(CROSS_SYSROOT): run scripts/install-cross-deps)
endif
ifeq ($(wildcard $(CROSS_SYSROOT)/usr/include/mosquitto.h),)
$(error no libmosquitto-dev in the arm64 sysroot $(CROSS_SYSROOT) (irrigd-mqtt needs it): run scripts/install-cross-deps)
endif
endif
endif

BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
# Where systemd and bash-completion look, as their .pc files say (the build
# machine's pkg-config, also when cross-building: the paths are Debian's on
# both), else Debian's paths.
pc_var = $(or $(shell pkg-config --variable=$(1) $(2) 2>/dev/null),$(3))
UNITDIR ?= $(call pc_var,systemdsystemunitdir,systemd,/lib/systemd/system)
SYSUSERSDIR ?= $(call pc_var,sysusersdir,systemd,/usr/lib/sysusers.d)
BASHCOMPDIR ?= $(call pc_var,completionsdir,bash-completion,/usr/share/bash-completion/completions)
UDEVRULESDIR ?= $(call pc_var,udevdir,udev,/usr/lib/udev)/rules.d

PKGS := libgpiod libsystemd libconfig
WARN := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes
IRRIGD_CFLAGS := $(WARN) -Iinclude -D_GNU_SOURCE -DIRRIGD_VERSION=\"$(VERSION)\" \
	-DIRRIGD_SYSCONFDIR=\"$(SYSCONFDIR)\" \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# Debian's libi2c-dev ships no .pc file; use one where a distribution has it.
I2C_LIBS := $(shell $(PKG_CONFIG) --libs libi2c 2>/dev/null || echo -li2c)
# What each layer's library needs below it: the core only the C library
# (and -lm), the drivers libgpiod and libi2c, the daemon everything.
CORE_LIBS := -lm
HW_LIBS := $(shell $(PKG_CONFIG) --libs libgpiod 2>/dev/null) $(I2C_LIBS) -lm
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) $(I2C_LIBS) -lm
TEST_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
ifneq ($(CROSS),)
# libi2c has no .pc file; the sysroot's libraries need theirs at link time.
IRRIGD_CFLAGS += -I$(CROSS_SYSROOT)/usr/include
SYSROOT_LDFLAGS := -L$(CROSS_SYSROOT)/usr/lib/$(CROSS_TRIPLET) -Wl,-rpath-link,$(CROSS_SYSROOT)/lib/$(CROSS_TRIPLET):$(CROSS_SYSROOT)/usr/lib/$(CROSS_TRIPLET)
CORE_LIBS += $(SYSROOT_LDFLAGS)
HW_LIBS += $(SYSROOT_LDFLAGS)
LIBS += $(SYSROOT_LDFLAGS)
endif

ifeq ($(SAN),1)
IRRIGD_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SAN_LDFLAGS := -fsanitize=address,undefined
endif

# The GPIO backend follows libgpiod's major version: 1.x has the v1 API
# (Debian 12), 2.x the v2 API (Debian 13); everything that differs between
# them is in src/hw/linux_gpio_v1.c and src/hw/linux_gpio_v2.c, one built.
GPIOD_VERSION := $(shell $(PKG_CONFIG) --modversion libgpiod 2>/dev/null)
GPIOD_MAJOR := $(firstword $(subst ., ,$(GPIOD_VERSION)))
GPIOD_API := $(if $(filter 1 2,$(GPIOD_MAJOR)),v$(GPIOD_MAJOR))
# Goals that build nothing against libgpiod (check-trixie builds in a chroot).
NO_GPIOD_GOALS := clean deps uninstall fuzz-deps cross-deps check-cross \
	check-trixie check-vm-v2
ifneq ($(filter-out $(NO_GPIOD_GOALS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(GPIOD_VERSION),)
$(error libgpiod not found: '$(PKG_CONFIG) --modversion libgpiod' failed; install libgpiod-dev (scripts/install-deps))
endif
ifeq ($(GPIOD_API),)
$(error libgpiod $(GPIOD_VERSION) has an unknown major version: irrigd builds against 1.x (v1 API) or 2.x (v2 API))
endif
endif

# Three libraries, one a layer, so the linker enforces the layers: the core
# (pure logic: no I/O library), the drivers and sim chips (libgpiod,
# libi2c) on the core, and the daemon (sd-event, libconfig) on both.  A
# program links the least it needs; a core test that links only the core
# library proves the core calls nothing above it.
CORE_SRC := $(wildcard src/core/*.c)
HW_SRC := $(filter-out src/hw/linux_gpio_v%.c,$(wildcard src/hw/*.c)) \
	src/hw/linux_gpio_$(GPIOD_API).c
DAEMON_SRC := $(filter-out src/daemon/main.c,$(wildcard src/daemon/*.c))
CORE_LIB := $(BUILD)/libirrigd-core.a
HW_LIB := $(BUILD)/libirrigd-hw.a
DAEMON_LIB := $(BUILD)/libirrigd-daemon.a
# In link order: a library before those it calls.
ALL_LIBS := $(DAEMON_LIB) $(HW_LIB) $(CORE_LIB)
CTL_SRC := $(wildcard src/irrigctl/*.c)
CTL_OBJ := $(CTL_SRC:%.c=$(BUILD)/%.o)
# The MQTT bridge (irrigd-mqtt): a client of the socket like irrigctl, with
# libmosquitto, sd-event and libconfig of its own; no daemon library.
MQTT_SRC := $(wildcard src/mqtt/*.c)
MQTT_OBJ := $(MQTT_SRC:%.c=$(BUILD)/%.o)
MQTT_LIBS := $(shell $(PKG_CONFIG) --libs libmosquitto libsystemd libconfig 2>/dev/null || \
	echo -lmosquitto -lsystemd -lconfig)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# Each test links the least it needs; a test in no list links every layer.
# The core's unit tests: the core library alone.
CORE_TESTS := balance calendar calib controller duration et0 faults flowacct flowmon history \
	progstate proto run schedule seasonal sun weatherlog
# The drivers' and sim chips' tests: drivers and core.
HW_TESTS := ads1x15 fdio flowmeter garden mcp23008 season sim_bus
# Tests that drive the built irrigd and irrigctl from outside: no library.
OUTSIDE_TESTS := abuse clock cycles e2e safety smart unsaved
CORE_TEST_BIN := $(CORE_TESTS:%=$(BUILD)/tests/test_%)
HW_TEST_BIN := $(HW_TESTS:%=$(BUILD)/tests/test_%)
OUTSIDE_TEST_BIN := $(OUTSIDE_TESTS:%=$(BUILD)/tests/test_%)

.PHONY: all check check-build check-run demo install uninstall clean deps
all: $(BUILD)/irrigd $(BUILD)/irrigctl $(BUILD)/irrigd-mqtt

deps:
	scripts/install-deps

# Every object is rebuilt when the compiler's command line changes (the
# version, SAN=1, dpkg-buildflags), not only when a source is newer.
$(BUILD)/%.o: %.c $(BUILD)/compile.flags
	@mkdir -p $(dir $@)
	$(CC) $(IRRIGD_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# Each archive is made afresh when its list of sources changes too (a file
# added, moved or removed), not only when one of its objects is newer.
$(CORE_LIB): $(CORE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/core.sources
	rm -f $@
	$(AR) rcs $@ $(filter %.o,$^)

# Rebuilt when libgpiod's version changes, even if every object is older.
$(HW_LIB): $(HW_SRC:%.c=$(BUILD)/%.o) $(BUILD)/hw.sources $(BUILD)/libgpiod.version
	rm -f $@
	$(AR) rcs $@ $(filter %.o,$^)

$(DAEMON_LIB): $(DAEMON_SRC:%.c=$(BUILD)/%.o) $(BUILD)/daemon.sources
	rm -f $@
	$(AR) rcs $@ $(filter %.o,$^)

# The file changes only when its text does, as libgpiod.version below.
keep_text = @mkdir -p $(dir $@); echo '$(1)' | cmp -s - $@ || echo '$(1)' >$@
$(BUILD)/core.sources: FORCE
	$(call keep_text,$(CORE_SRC))
$(BUILD)/hw.sources: FORCE
	$(call keep_text,$(HW_SRC))
$(BUILD)/daemon.sources: FORCE
	$(call keep_text,$(DAEMON_SRC))

$(BUILD)/compile.flags: FORCE
	$(call keep_text,$(CC) $(IRRIGD_CFLAGS) $(CPPFLAGS) $(CFLAGS))

$(BUILD)/libgpiod.version: FORCE
	@mkdir -p $(dir $@)
	@echo '$(GPIOD_VERSION)' | cmp -s - $@ || echo '$(GPIOD_VERSION)' >$@

.PHONY: FORCE
FORCE:

$(BUILD)/irrigd: $(BUILD)/src/daemon/main.o $(ALL_LIBS)
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# The client speaks the protocol (the core) and writes a socket (hw's
# fdio.o, the one object it takes from there): no driver's library.
$(BUILD)/irrigctl: $(CTL_OBJ) $(HW_LIB) $(CORE_LIB)
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(CORE_LIBS)

# The bridge speaks the protocol (the core) and writes a socket (fdio.o).
$(BUILD)/irrigd-mqtt: $(MQTT_OBJ) $(HW_LIB) $(CORE_LIB)
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(MQTT_LIBS) $(CORE_LIBS)

$(CORE_TEST_BIN): $(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/tests/support.o $(CORE_LIB)
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(CORE_LIBS) $(TEST_LIBS)

$(HW_TEST_BIN): $(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/tests/support.o $(HW_LIB) $(CORE_LIB)
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(HW_LIBS) $(TEST_LIBS)

$(OUTSIDE_TEST_BIN): $(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/tests/support.o
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(CORE_LIBS) $(TEST_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/tests/support.o $(ALL_LIBS)
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS)

# Test programs run at once (tests/run-tests -j): most of their time is
# spent waiting for a daemon's timers.  TEST_JOBS=1 runs one at a time.
TEST_JOBS ?= 4

# The suite runs on an ASan+UBSan build; then, on the plain build, the
# soak once more (its memory comparison needs a daemon without ASan), and
# the end-to-end test and the soak under valgrind, to catch leaks ASan's
# leak checker is blind to in a forked daemon; and tests/test_mqtt.sh
# (about a minute) with irrigd-mqtt under valgrind.
check:
	$(MAKE) BUILD=build/asan SAN=1 check-run
	$(MAKE) all $(BUILD)/tests/test_e2e $(BUILD)/tests/test_safety \
		$(BUILD)/tests/test_wiring $(BUILD)/tests/test_soak $(BUILD)/tests/test_unsaved \
		$(BUILD)/tests/test_smart $(BUILD)/tests/test_cycles \
		$(BUILD)/tests/test_metrics $(BUILD)/tests/mqtt-json-valid
	tests/run-tests $(BUILD) tests/test_soak
	IRRIGD_VALGRIND=1 tests/run-tests -j $(TEST_JOBS) $(BUILD) tests/test_e2e \
		tests/test_safety tests/test_wiring tests/test_soak tests/test_unsaved \
		tests/test_smart tests/test_cycles tests/test_metrics tests/test_mqtt.sh

check-build: $(BUILD)/irrigd $(BUILD)/irrigctl $(BUILD)/irrigd-mqtt $(TEST_BIN) \
	$(BUILD)/tests/mqtt-json-valid

# tests/test_mqtt.sh's JSON checker (tests/json_check.h); not a test itself.
$(BUILD)/tests/mqtt-json-valid: tests/mqtt_json_valid.c tests/json_check.h
	@mkdir -p $(dir $@)
	$(CC) $(IRRIGD_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $<

check-run: check-build check-layers
	tests/run-tests -j $(TEST_JOBS) $(BUILD)

# The layers' includes: the core includes nothing above it, the drivers
# and irrigctl nothing from the daemon.  The linker checks the calls: the
# core's tests link the core library alone, irrigctl no driver library.
.PHONY: check-layers
check-layers:
	@! grep -rn '"hw/\|"daemon/' src/core include/core || \
		{ echo 'the core includes from above it' >&2; exit 1; }
	@! grep -rn '"daemon/' src/hw include/hw src/irrigctl src/mqtt include/mqtt || \
		{ echo 'hw, irrigctl or irrigd-mqtt includes from the daemon' >&2; exit 1; }

demo: all
	scripts/demo $(BUILD)

# The bridge on the simulated garden with a broker of its own (mosquitto and
# mosquitto-clients: scripts/install-deps --test); everything stops at the end.
.PHONY: demo-mqtt
demo-mqtt: all
	scripts/demo-mqtt $(BUILD)

# Benchmarks (BENCHMARKS.md): bench/run measures the plain build's irrigd
# --sim from outside (memory, idle cost, socket latency and throughput,
# irrigctl, pulse capacity, memory growth, start-up, sizes) and prints one
# table; it fails only when it cannot measure, never for a slow figure.
# BENCH_IDLE_SECONDS (default 60) is the idle window.  make profile counts
# the daemon's instructions with callgrind over a fixed request workload.
BENCH_BIN := $(BUILD)/bench_socket $(BUILD)/bench_pulses $(BUILD)/bench_mqtt \
	$(BUILD)/bench_season
.PHONY: bench profile bench-season
bench: all $(BENCH_BIN)
	bench/run $(BUILD)
	$(BUILD)/bench_season

# A growing season in virtual time (BENCHMARKS.md, the season): watering
# strategies on one simulated garden and weather; a table, not a test.
bench-season: $(BUILD)/bench_season
	$(BUILD)/bench_season

profile: all $(BUILD)/bench_socket
	bench/profile $(BUILD)

$(BUILD)/bench_%: bench/bench_%.c $(ALL_LIBS)
	$(CC) $(IRRIGD_CFLAGS) $(CPPFLAGS) $(CFLAGS) \
		$(SAN_LDFLAGS) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(LIBS)

# The bridge's delay, read at both ends (irrigd's events, the broker): a
# client of each, libmosquitto's thread for the broker.
$(BUILD)/bench_mqtt: bench/bench_mqtt.c
	$(CC) $(IRRIGD_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(SAN_LDFLAGS) $(LDFLAGS) \
		-pthread -o $@ $< $(shell $(PKG_CONFIG) --libs libmosquitto 2>/dev/null || \
		echo -lmosquitto)

# The kernel lab (tests/vm/README.md): irrigd's linux backend against real
# gpio-sim and i2c-stub drivers in a QEMU VM built from Debian packages.
VM_CACHE ?= $(CURDIR)/build/vm
export VM_CACHE
.PHONY: check-vm
check-vm: all
	tests/vm/run-in-vm -t 300 tests/vm/smoke.sh $$(tests/vm/smoke.sh --tools)
	IRRIGD_BUILD=$(BUILD) tests/vm/run-in-vm -t 300 \
		-e IRRIGD_BUILD=$(BUILD) tests/vm/test_linux.sh \
		$(BUILD)/irrigd $(BUILD)/irrigctl $$(tests/vm/test_linux.sh --tools)

# Pulse capacity on the kernel's gpio-sim (BENCHMARKS.md, figure 5 in the lab):
# paced edges at stepped rates into irrigd's flow meter, counted against the
# edges written; a table, not a test (it fails only when it cannot measure).
.PHONY: bench-vm
bench-vm: all
	tests/vm/run-in-vm -t 600 -e IRRIGD_BUILD=$(BUILD) tests/vm/bench_pulses.sh \
		$(BUILD)/irrigd $(BUILD)/irrigctl $$(tests/vm/bench_pulses.sh --tools)

# The systemd lab (tests/vm-systemd/README.md): make install (PREFIX=/usr) in
# a Debian VM with systemd as PID 1, on the kernel lab's kernel and gpio-sim;
# the units, socket activation, reload, ExecStopPost, the watchdog, the
# journal fields and the sandbox; then, in the same boot, irrigd-mqtt.service
# with the VM's mosquitto. As root or with sudo (debootstrap).
.PHONY: check-systemd
check-systemd: all
	BUILD=$(BUILD) tests/vm-systemd/run-in-vm -t 600

# The suite on Debian 13 (gcc 14, libgpiod 2.x: the v2 GPIO backend), in a
# debootstrap chroot kept in TRIXIE_ROOT (default build/trixie); as root or
# with sudo (scripts/check-trixie).  The ASan+UBSan suite only: make check's
# valgrind pass runs the same code under the host's valgrind.
TRIXIE_ROOT ?= $(CURDIR)/build/trixie
export TRIXIE_ROOT
.PHONY: check-trixie check-vm-v2
check-trixie:
	scripts/check-trixie BUILD=build/asan SAN=1 check-run

# The v2 backend against the kernel's drivers: irrigd and irrigctl built in
# the trixie chroot, tests/vm/test_linux.sh in the kernel lab on 6.12 (the
# series trixie ships), the host's i2c tools running on trixie's libraries.
VM_KERNEL_V2 ?= linux-image-6.12-amd64
check-vm-v2:
	scripts/check-trixie all
	VM_SYSROOT=$(TRIXIE_ROOT) VM_KERNEL=$(VM_KERNEL_V2) tests/vm/run-in-vm -t 300 \
		-e IRRIGD_BUILD=build-v2 tests/vm/test_linux.sh \
		$(TRIXIE_ROOT)/src/irrigd/build/irrigd=build-v2/irrigd \
		$(TRIXIE_ROOT)/src/irrigd/build/irrigctl=build-v2/irrigctl \
		$$(for t in $$(tests/vm/test_linux.sh --tools); do echo $$t=$$t; done)

# No tmpfiles.d entry: StateDirectory= and RuntimeDirectory= make
# /var/lib/irrigd and /run/irrigd owned by irrigd whenever the unit starts.
# Into the live system (no DESTDIR), the user and groups are made at once, as
# a package would, so the units start without a reboot; uninstall keeps them
# (files they own may remain).
# The metrics units: those with @BINDIR@ to fill in, then the others.
METRICS_UNITS_IN := irrigd-metrics-textfile.service irrigd-metrics-http@.service
METRICS_UNITS := irrigd-metrics-textfile.timer irrigd-metrics-http.socket

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/irrigd \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(UDEVRULESDIR)
	install -m 0755 $(BUILD)/irrigd $(DESTDIR)$(SBINDIR)/irrigd
	install -m 0755 $(BUILD)/irrigctl $(DESTDIR)$(BINDIR)/irrigctl
	install -m 0755 $(BUILD)/irrigd-mqtt $(DESTDIR)$(SBINDIR)/irrigd-mqtt
	install -m 0644 man/irrigctl.1 $(DESTDIR)$(MANDIR)/man1/irrigctl.1
	install -m 0644 man/irrigd.conf.5 $(DESTDIR)$(MANDIR)/man5/irrigd.conf.5
	install -m 0644 man/irrigd.8 $(DESTDIR)$(MANDIR)/man8/irrigd.8
	install -m 0644 man/irrigd-mqtt.8 $(DESTDIR)$(MANDIR)/man8/irrigd-mqtt.8
	@# Made here, not in all: the paths are install's (PREFIX may differ).
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		systemd/irrigd.service.in >$(DESTDIR)$(UNITDIR)/irrigd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/irrigd.service
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		systemd/irrigd-mqtt.service.in >$(DESTDIR)$(UNITDIR)/irrigd-mqtt.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/irrigd-mqtt.service
	install -m 0644 systemd/irrigd.socket $(DESTDIR)$(UNITDIR)/irrigd.socket
	@# The metrics units (doc/metrics.md): installed, none enabled.
	install -m 0644 systemd/irrigd-readonly.socket $(DESTDIR)$(UNITDIR)/irrigd-readonly.socket
	for u in $(METRICS_UNITS_IN); do \
		sed -e 's|@BINDIR@|$(BINDIR)|g' systemd/$$u.in >$(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	for u in $(METRICS_UNITS); do \
		install -m 0644 systemd/$$u $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 0644 systemd/irrigd.sysusers $(DESTDIR)$(SYSUSERSDIR)/irrigd.conf
	install -m 0644 completion/irrigctl $(DESTDIR)$(BASHCOMPDIR)/irrigctl
	install -m 0644 udev/60-irrigd.rules $(DESTDIR)$(UDEVRULESDIR)/60-irrigd.rules
	@# An edited config is the user's: never overwrite it.
	test -e $(DESTDIR)$(SYSCONFDIR)/irrigd/irrigd.conf || \
		install -m 0644 etc/irrigd.conf $(DESTDIR)$(SYSCONFDIR)/irrigd/irrigd.conf
	test -e $(DESTDIR)$(SYSCONFDIR)/irrigd/irrigd-mqtt.conf || \
		install -m 0644 etc/irrigd-mqtt.conf $(DESTDIR)$(SYSCONFDIR)/irrigd/irrigd-mqtt.conf
	@if [ -z '$(DESTDIR)' ] && command -v systemd-sysusers >/dev/null; then \
		echo 'systemd-sysusers $(SYSUSERSDIR)/irrigd.conf'; \
		systemd-sysusers $(SYSUSERSDIR)/irrigd.conf; \
	fi
	@if [ -z '$(DESTDIR)' ] && [ -d /run/systemd/system ]; then \
		echo 'systemctl daemon-reload'; systemctl daemon-reload; \
	fi
	@# The devices that exist already get the new groups now, not at the next boot.
	@if [ -z '$(DESTDIR)' ] && command -v udevadm >/dev/null && [ -d /run/udev ]; then \
		echo 'udevadm trigger --subsystem-match=gpio --subsystem-match=i2c-dev'; \
		udevadm control --reload && \
		udevadm trigger --subsystem-match=gpio --subsystem-match=i2c-dev; \
	fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/irrigd $(DESTDIR)$(BINDIR)/irrigctl \
		$(DESTDIR)$(SBINDIR)/irrigd-mqtt $(DESTDIR)$(MANDIR)/man8/irrigd-mqtt.8 \
		$(DESTDIR)$(MANDIR)/man1/irrigctl.1 \
		$(DESTDIR)$(MANDIR)/man5/irrigd.conf.5 \
		$(DESTDIR)$(MANDIR)/man8/irrigd.8 \
		$(DESTDIR)$(UNITDIR)/irrigd.service \
		$(DESTDIR)$(UNITDIR)/irrigd-mqtt.service \
		$(DESTDIR)$(UNITDIR)/irrigd.socket \
		$(DESTDIR)$(UNITDIR)/irrigd-readonly.socket \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(METRICS_UNITS_IN) $(METRICS_UNITS)) \
		$(DESTDIR)$(SYSUSERSDIR)/irrigd.conf \
		$(DESTDIR)$(BASHCOMPDIR)/irrigctl \
		$(DESTDIR)$(UDEVRULESDIR)/60-irrigd.rules

# irrigd-mqtt's test alone (make check runs it too): a real mosquitto, irrigd
# on the simulated garden, the bridge; about a minute.
.PHONY: check-mqtt
check-mqtt: $(BUILD)/irrigd $(BUILD)/irrigctl $(BUILD)/irrigd-mqtt \
	$(BUILD)/tests/mqtt-json-valid
	tests/run-tests $(BUILD) tests/test_mqtt.sh

# The units, sysusers.d and bash completion alone (make check runs them too).
.PHONY: check-units
check-units: all
	tests/run-tests $(BUILD) tests/test_install.sh tests/test_units.sh \
		tests/test_units_mqtt.sh tests/test_units_completion.sh

# The units under a real systemd in the kernel lab's VM (tests/test_units_vm.sh).
.PHONY: check-vm-units
check-vm-units: all
	IRRIGD_UNITS_VM=1 tests/run-tests $(BUILD) tests/test_units_vm.sh

# The unit tests alone (seconds): the core's and the drivers'; the
# package's build runs them (debian/rules).
.PHONY: check-unit
check-unit: $(CORE_TEST_BIN) $(HW_TEST_BIN)
	tests/run-tests -j $(TEST_JOBS) $(BUILD) $(CORE_TESTS:%=tests/test_%) $(HW_TESTS:%=tests/test_%)

# The Debian package (debian/; README's Install): make deb builds
# irrigd_VERSION_ARCH.deb into DEB_DIR with dpkg-buildpackage, for this
# machine's architecture, or cross for DEB_ARCH=arm64 with the CROSS
# toolchain and sysroot (scripts/install-cross-deps; the tests run only
# natively: build profile nocheck). The tree is copied first, build/ and .git
# left out, so the package's clean and its output (written beside the tree)
# stay in DEB_DIR. make check-deb adds lintian (and piuparts: PIUPARTS=1).
DEB_DIR ?= build/deb
DEB_HOST_ARCH_NATIVE := $(shell dpkg --print-architecture 2>/dev/null)
DEB_ARCH ?= $(DEB_HOST_ARCH_NATIVE)
DEB_TREE := $(DEB_DIR)/src-$(DEB_ARCH)
DEB_CROSS := $(filter-out $(DEB_HOST_ARCH_NATIVE),$(DEB_ARCH))
# -d: the arm64 -dev packages are in the sysroot, not installed.
DEB_CROSS_ARGS := $(if $(DEB_CROSS),-a$(DEB_ARCH) -Pnocheck -d)
DEB_CROSS_ENV := $(if $(DEB_CROSS),DEB_BUILD_OPTIONS=nocheck \
	CC=$(shell dpkg-architecture -a$(DEB_ARCH) -qDEB_HOST_GNU_TYPE 2>/dev/null)-gcc)
DEB_FILES = $(DEB_DIR)/irrigd_$(VERSION)_$(DEB_ARCH).deb \
	$(DEB_DIR)/irrigd_$(VERSION)_$(DEB_ARCH).changes
.PHONY: deb check-deb check-version
deb: check-version
	rm -rf $(DEB_TREE)
	mkdir -p $(DEB_TREE)/irrigd-$(VERSION)
	tar -c --exclude=./build --exclude=./.git . | tar -x -C $(DEB_TREE)/irrigd-$(VERSION)
	@# Not the variables given to this make (BUILD=, VERSION=...): debian/rules sets its own.
	cd $(DEB_TREE)/irrigd-$(VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL CROSS_SYSROOT=$(CROSS_SYSROOT) \
		$(DEB_CROSS_ENV) dpkg-buildpackage -us -uc -b -J $(DEB_CROSS_ARGS)
	mv $(DEB_TREE)/*.deb $(DEB_TREE)/*.changes $(DEB_TREE)/*.buildinfo $(DEB_DIR)/
	rm -rf $(DEB_TREE)
	@ls -l $(DEB_DIR)/*_$(VERSION)_$(DEB_ARCH).*

# lintian: no error and no warning (overrides, with their reasons, in
# debian/irrigd.lintian-overrides).
PIUPARTS ?= 0
check-deb: deb
	lintian --fail-on error,warning $(DEB_FILES)
	@if [ '$(PIUPARTS)' = 1 ]; then echo 'piuparts $(DEB_DIR)/irrigd_$(VERSION)_$(DEB_ARCH).deb'; \
		scripts/piuparts-deb $(DEB_DIR)/irrigd_$(VERSION)_$(DEB_ARCH).deb; fi

# The package in the systemd lab (tests/vm-systemd/README.md), a second boot
# of the same image: build-debs makes VERSION and two rebuilds to upgrade to,
# test_deb.sh installs, waters, upgrades idle and watering, removes, purges.
.PHONY: check-deb-lab
check-deb-lab:
	tests/vm-systemd/build-debs $(DEB_DIR)/lab
	tests/vm-systemd/run-in-vm -t 900 --deb $(DEB_DIR)/lab

# The release's version is VERSION above: debian/changelog and the manual
# pages' headers say the same.
check-version:
	@v=$$(dpkg-parsechangelog -S Version 2>/dev/null || \
		sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog); \
	[ "$$v" = '$(VERSION)' ] || \
		{ echo "debian/changelog says $$v, the Makefile VERSION $(VERSION)" >&2; exit 1; }; \
	for m in man/*.[1-8]; do grep -q '^\.TH .*"irrigd $(VERSION)"' $$m || \
		{ echo "$$m's .TH does not say irrigd $(VERSION)" >&2; exit 1; }; done

clean:
	rm -rf build

# Fuzzing: the libFuzzer harnesses in tests/fuzz, built with clang, ASan and
# UBSan in build/fuzz (the library too), then each run for FUZZ_SECONDS on
# a copy of its corpus; fails when one finds a crash, leak or broken
# invariant.  Not part of check; CI runs a short pass after it:
# make fuzz FUZZ_SECONDS=10 (scripts/install-deps --fuzz installs clang).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD ?= build/fuzz
FUZZ_CFLAGS ?= -O1 -g
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: fuzz fuzz-build fuzz-deps fuzz-bins
fuzz: fuzz-build
	tests/fuzz/run $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_NAMES)

fuzz-build: fuzz-deps
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) SAN=1 \
		CFLAGS='$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link' fuzz-bins

fuzz-deps:
	@tests/fuzz/run --check $(FUZZ_CC)

fuzz-bins: $(FUZZ_NAMES:%=$(BUILD)/fuzz_%)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(ALL_LIBS)
	$(CC) $(IRRIGD_CFLAGS) -Itests/fuzz -DFUZZ_SOURCE_DIR=\"$(CURDIR)\" \
		$(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -MMD -MP -MF $@.d \
		$(SAN_LDFLAGS) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(LIBS)

# The test programs built for arm64 (CROSS, by default aarch64-linux-gnu-) and
# run under qemu-user, each through a wrapper in BUILD/qemu that runs it on
# the sysroot's loader and libraries, so binfmt_misc is not needed.  The
# end-to-end tests start irrigd and irrigctl from there too (IRRIGD_BUILD):
# the arm64 daemon and client, under qemu.  Not run: tests/test_*.sh, which
# test make install on the build machine, and the soak (test_soak), whose
# memory figures under qemu-user are qemu's.  No sanitizers.
QEMU ?= qemu-$(CROSS_ARCH)
CROSS_TESTS ?= $(filter-out test_soak,$(TEST_SRC:tests/%.c=%))
.PHONY: check-cross check-cross-run cross-deps
check-cross:
	$(MAKE) CROSS=$(or $(CROSS),aarch64-linux-gnu-) check-cross-run

check-cross-run: $(addprefix $(BUILD)/qemu/,irrigd irrigctl $(CROSS_TESTS:%=tests/%))
	tests/run-tests -j $(TEST_JOBS) $(BUILD)/qemu $(CROSS_TESTS)

$(BUILD)/qemu/%: $(BUILD)/% Makefile
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec %s -L %s %s "$$@"\n' '$(QEMU)' '$(CROSS_SYSROOT)' \
		'$(abspath $<)' >$@
	chmod +x $@

cross-deps:
	scripts/install-cross-deps $(CROSS_SYSROOT)

.SECONDARY:

-include $(shell find $(BUILD)/src $(BUILD)/tests -name '*.d' -type f 2>/dev/null)
