/*
 * lab-pulse: drives paced edges into a gpio-sim input line of the kernel lab.
 *
 * usage: lab-pulse [-f HZ] [-q] LINE COUNT
 *
 * Writes pull-up then pull-down to $GPIOSIM_SYSFS/sim_gpioLINE/pull COUNT
 * times, one pulse per 1/HZ s (default 1000 Hz, half the period high),
 * sleeping to absolute deadlines so the rate holds over a long run. The line
 * is left pulled down. Pacing matters: the irq simulator drops an edge that
 * arrives while the previous one is still pending, and the v1 uAPI queues at
 * most 16 events per line. A shell loop cannot pace this finely, since each
 * usleep costs a fork and exec (about 2 ms under QEMU's software emulation).
 *
 * Prints the achieved rate unless -q. Built static by tests/vm/build-lab and
 * installed in the lab's initramfs as /bin/lab-pulse.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void add_ns(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

static int put(int fd, const char *s)
{
	if (pwrite(fd, s, strlen(s), 0) < 0) {
		perror("lab-pulse: write pull");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	double hz = 1000;
	int quiet = 0, opt;
	while ((opt = getopt(argc, argv, "f:q")) != -1) {
		switch (opt) {
		case 'f': hz = atof(optarg); break;
		case 'q': quiet = 1; break;
		default: goto usage;
		}
	}
	if (argc - optind != 2 || hz <= 0)
		goto usage;
	const char *sysfs = getenv("GPIOSIM_SYSFS");
	if (!sysfs) {
		fprintf(stderr, "lab-pulse: GPIOSIM_SYSFS is not set (not in the lab?)\n");
		return 2;
	}
	long count = atol(argv[optind + 1]);
	char path[512];
	snprintf(path, sizeof(path), "%s/sim_gpio%s/pull", sysfs, argv[optind]);
	int fd = open(path, O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "lab-pulse: %s: %s\n", path, strerror(errno));
		return 1;
	}
	long half = (long)(500000000.0 / hz);
	struct timespec t, start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	t = start;
	for (long i = 0; i < count; i++) {
		if (put(fd, "pull-up") < 0)
			return 1;
		add_ns(&t, half);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		if (put(fd, "pull-down") < 0)
			return 1;
		add_ns(&t, half);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	close(fd);
	double secs = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
	if (!quiet)
		printf("lab-pulse: %ld pulses on line %s in %.3f s (%.0f Hz)\n", count,
		       argv[optind], secs, secs > 0 ? count / secs : 0);
	return 0;
usage:
	fprintf(stderr, "usage: lab-pulse [-f HZ] [-q] LINE COUNT\n");
	return 2;
}
