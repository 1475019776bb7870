# Build, test, demo and install irrigd and irrigctl.

VERSION := 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DESTDIR ?=

BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
UNITDIR ?= $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)

PKGS := libgpiod libsystemd libconfig
WARN := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes
IRRIGD_CFLAGS := $(WARN) -Iinclude -D_GNU_SOURCE -DIRRIGD_VERSION=\"$(VERSION)\" \
	-DIRRIGD_SYSCONFDIR=\"$(SYSCONFDIR)\" \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# Debian's libi2c-dev ships no .pc file; use one where a distribution has it.
I2C_LIBS := $(shell $(PKG_CONFIG) --libs libi2c 2>/dev/null || echo -li2c)
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) $(I2C_LIBS) -lm
TEST_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

ifeq ($(SAN),1)
IRRIGD_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SAN_LDFLAGS := -fsanitize=address,undefined
endif

LIB_SRC := $(wildcard src/core/*.c src/hw/*.c) \
	$(filter-out src/daemon/main.c,$(wildcard src/daemon/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CTL_SRC := $(wildcard src/irrigctl/*.c)
CTL_OBJ := $(CTL_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all check check-build check-run demo install uninstall clean deps
all: $(BUILD)/irrigd $(BUILD)/irrigctl $(BUILD)/irrigd.service

$(BUILD)/irrigd.service: systemd/irrigd.service.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< >$@

deps:
	scripts/install-deps

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(IRRIGD_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libirrigd.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/irrigd: $(BUILD)/src/daemon/main.o $(BUILD)/libirrigd.a
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/irrigctl: $(CTL_OBJ) $(BUILD)/libirrigd.a
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libirrigd.a
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS)

# The suite runs on an ASan+UBSan build, then the daemon's end-to-end
# test once more under valgrind on the plain build, to catch leaks ASan's
# leak checker is blind to in a forked daemon.
check:
	$(MAKE) BUILD=build/asan SAN=1 check-run
	$(MAKE) all $(BUILD)/tests/test_e2e
	IRRIGD_VALGRIND=1 tests/run-tests $(BUILD) tests/test_e2e

check-build: $(BUILD)/irrigd $(BUILD)/irrigctl $(TEST_BIN)

check-run: check-build
	tests/run-tests $(BUILD)

demo: all
	scripts/demo $(BUILD)

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

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/irrigd \
		$(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/irrigd $(DESTDIR)$(SBINDIR)/irrigd
	install -m 0755 $(BUILD)/irrigctl $(DESTDIR)$(BINDIR)/irrigctl
	install -m 0644 man/irrigctl.1 $(DESTDIR)$(MANDIR)/man1/irrigctl.1
	install -m 0644 man/irrigd.conf.5 $(DESTDIR)$(MANDIR)/man5/irrigd.conf.5
	install -m 0644 man/irrigd.8 $(DESTDIR)$(MANDIR)/man8/irrigd.8
	install -m 0644 $(BUILD)/irrigd.service $(DESTDIR)$(UNITDIR)/irrigd.service
	@# An edited config is the user's: never overwrite it.
	test -e $(DESTDIR)$(SYSCONFDIR)/irrigd/irrigd.conf || \
		install -m 0644 etc/irrigd.conf $(DESTDIR)$(SYSCONFDIR)/irrigd/irrigd.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/irrigd $(DESTDIR)$(BINDIR)/irrigctl \
		$(DESTDIR)$(MANDIR)/man1/irrigctl.1 \
		$(DESTDIR)$(MANDIR)/man5/irrigd.conf.5 \
		$(DESTDIR)$(MANDIR)/man8/irrigd.8 \
		$(DESTDIR)$(UNITDIR)/irrigd.service

clean:
	rm -rf build

# Fuzzing: the libFuzzer harnesses in tests/fuzz, built with clang, ASan and
# UBSan in build/fuzz (the library too), then each run for FUZZ_SECONDS on
# a copy of its corpus; fails when one finds a crash, leak or broken
# invariant.  Not part of check; a short pass: make fuzz FUZZ_SECONDS=10.
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

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/libirrigd.a
	$(CC) $(IRRIGD_CFLAGS) -Itests/fuzz -DFUZZ_SOURCE_DIR=\"$(CURDIR)\" \
		$(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -MMD -MP -MF $@.d \
		$(SAN_LDFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libirrigd.a $(LIBS)

.SECONDARY:

-include $(shell find $(BUILD)/src $(BUILD)/tests -name '*.d' -type f 2>/dev/null)
