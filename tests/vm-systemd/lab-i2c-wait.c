/*
 * lab-i2c-wait: waits until an I2C register shows a value, in the systemd lab.
 *
 * usage: lab-i2c-wait [-k PID] [-t TIMEOUT_MS] BUS ADDR REG MASK VALUE
 *
 * Reads byte register REG of the chip at ADDR on /dev/i2c-BUS every 5 ms
 * until (byte & MASK) == VALUE, then prints the seconds it took and exits 0;
 * exits 1 at the timeout (default 3000 ms), printing the last byte read.
 * With -k, sends SIGKILL to PID first and counts from that moment.
 *
 * The test uses it to time how soon the valve is closed after irrigd is
 * killed: a shell loop of i2cget costs a fork and an exec per read, tens of
 * milliseconds under software emulation on the VM's single vCPU, time taken
 * from the ExecStopPost= it is timing. Built static by
 * tests/vm-systemd/build-lab into the lab's image as /usr/local/bin.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int read_byte(int fd, unsigned reg)
{
	union i2c_smbus_data data;
	struct i2c_smbus_ioctl_data args = {
		.read_write = I2C_SMBUS_READ,
		.command = (unsigned char)reg,
		.size = I2C_SMBUS_BYTE_DATA,
		.data = &data,
	};

	if (ioctl(fd, I2C_SMBUS, &args) < 0)
		return -errno;
	return data.byte;
}

static unsigned long number(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "lab-i2c-wait: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const struct timespec pause = { 0, 5 * 1000 * 1000 };
	unsigned long bus, addr, reg, mask, value, timeout_ms = 3000;
	long pid = 0;
	char path[32];
	double t0;
	int fd, c, b;

	while ((c = getopt(argc, argv, "k:t:")) != -1) {
		switch (c) {
		case 'k':
			pid = (long)number(optarg, "pid");
			break;
		case 't':
			timeout_ms = number(optarg, "timeout");
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 5) {
		fprintf(stderr, "usage: lab-i2c-wait [-k PID] [-t TIMEOUT_MS] BUS ADDR REG MASK VALUE\n");
		return 2;
	}
	bus = number(argv[optind], "bus");
	addr = number(argv[optind + 1], "address");
	reg = number(argv[optind + 2], "register");
	mask = number(argv[optind + 3], "mask");
	value = number(argv[optind + 4], "value");
	snprintf(path, sizeof(path), "/dev/i2c-%lu", bus);
	fd = open(path, O_RDWR);
	if (fd < 0 || ioctl(fd, I2C_SLAVE, addr) < 0) {
		fprintf(stderr, "lab-i2c-wait: %s 0x%02lx: %s\n", path, addr, strerror(errno));
		return 2;
	}
	if (pid > 1 && kill((pid_t)pid, SIGKILL) < 0) {
		fprintf(stderr, "lab-i2c-wait: kill %ld: %s\n", pid, strerror(errno));
		return 2;
	}
	t0 = now();
	for (;;) {
		b = read_byte(fd, (unsigned)reg);
		if (b >= 0 && ((unsigned long)b & mask) == value) {
			printf("%.3f\n", now() - t0);
			return 0;
		}
		if ((now() - t0) * 1000 > (double)timeout_ms) {
			printf("timeout (last read: %s0x%02x)\n", b < 0 ? "error " : "",
			       b < 0 ? -b : b);
			return 1;
		}
		nanosleep(&pause, NULL);
	}
}
