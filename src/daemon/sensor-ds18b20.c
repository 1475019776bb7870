/* Sensor driver "ds18b20": a DS18B20 thermometer on the kernel's 1-Wire sysfs (w1_therm), in °C. */
#include "daemon/sensor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Reading w1_therm's temperature (or, on kernels before 5.10, w1_slave)
 * blocks in read() for the whole conversion, ~750 ms at 12 bits, and
 * sysfs knows no O_NONBLOCK.  So a short-lived child process reads it
 * and writes one line ("T 23125" or "E 2") to a pipe, which the sampler
 * looks at on its timer until the line is there: the loop never waits.
 * A fork every sample_interval costs far less than a thread kept for it,
 * and the child's memory is the parent's, shared until written.
 * (The bus's therm_bulk_read could start the conversion without a child,
 * but reading the result still blocks on kernels without it and it
 * converts every sensor on the bus.)
 */
#define W1_ROOT_DEFAULT "/sys/bus/w1/devices"
#define W1_ROOT_ENV "IRRIGD_W1_ROOT"	/* another root, for tests */
#define FIRST_LOOK_NS 5000000ull	/* a fake or fast sysfs answers at once */
#define LOOK_EVERY_NS 50000000ull
#define GIVE_UP_NS 3000000000ull	/* 4 conversions, with the bus reset */
/* The DS18B20's range (datasheet), in millidegrees. */
#define MILLI_C_MIN (-55000L)
#define MILLI_C_MAX 125000L

struct w1_read {
	pid_t child;
	int pipe;
	uint64_t give_up_ns;
	bool answered;
};

_Static_assert(sizeof(struct w1_read) <= sizeof(((struct sensor_read *)0)->state),
	       "a 1-Wire read fits a read's state");

static struct w1_read *w1_of(struct sensor_read *rd)
{
	return (struct w1_read *)(void *)rd->state;
}

static const char *w1_root(void)
{
	const char *root = getenv(W1_ROOT_ENV);

	return root && *root ? root : W1_ROOT_DEFAULT;
}

/*
 * irrigd starts no other child: any that has ended is one of these, left
 * when the sampler gave up on it (a read stuck in the kernel ends later).
 */
static void reap_ended(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* "23125\n" (temperature) or w1_slave's two lines, "... crc=57 YES\n... t=23125\n". */
static int parse_millidegrees(char *text, bool w1_slave, long *milli)
{
	char *digits = text, *end;

	if (w1_slave) {
		char *eol = strchr(text, '\n');

		if (!eol || eol - text < 3 || strncmp(eol - 3, "YES", 3))
			return -EBADMSG;	/* the CRC failed, or half a reply */
		digits = strstr(eol, "t=");
		if (!digits)
			return -EBADMSG;
		digits += 2;
	}
	errno = 0;
	*milli = strtol(digits, &end, 10);
	if (end == digits || errno || (*end && *end != '\n'))
		return -EBADMSG;
	if (*milli < MILLI_C_MIN || *milli > MILLI_C_MAX)
		return -ERANGE;
	return 0;
}

/* In the child: reads the device and writes the line; never returns. */
static void read_in_child(const char *device, int out)
{
	char path[PATH_MAX], text[128], line[32];
	bool w1_slave = false;
	ssize_t n;
	long milli = 0;
	int fd, err = 0;

	if (snprintf(path, sizeof(path), "%s/%s/temperature", w1_root(), device) >=
	    (int)sizeof(path))
		_exit(1);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		w1_slave = true;
		if (snprintf(path, sizeof(path), "%s/%s/w1_slave", w1_root(),
			     device) >= (int)sizeof(path))
			_exit(1);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		err = -errno;
	} else {
		n = read(fd, text, sizeof(text) - 1);
		if (n < 0)
			err = -errno;
		else
			text[n] = '\0';
		if (n >= 0)
			err = parse_millidegrees(text, w1_slave, &milli);
	}
	if (err < 0)
		n = snprintf(line, sizeof(line), "E %d\n", -err);
	else
		n = snprintf(line, sizeof(line), "T %ld\n", milli);
	/* One write under PIPE_BUF: the parent reads it whole. */
	if (write(out, line, (size_t)n) < 0)
		_exit(1);
	_exit(0);
}

static int w1_open(struct sensor_read *rd)
{
	struct w1_read *w = w1_of(rd);

	w->child = -1;
	w->pipe = -1;
	w->answered = false;
	return 0;
}

static int w1_start(struct sensor_read *rd, uint64_t now_ns)
{
	struct w1_read *w = w1_of(rd);
	int fds[2];

	reap_ended();
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	w->child = fork();
	if (w->child < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (w->child == 0) {
		/* Nothing of the daemon's (its socket, its state lock) stays held. */
		if (fds[1] != 3) {
			dup2(fds[1], 3);
			fds[1] = 3;
		}
		close_range(4, ~0u, 0);
		read_in_child(rd->in->device, fds[1]);
	}
	close(fds[1]);
	w->pipe = fds[0];
	w->give_up_ns = now_ns + GIVE_UP_NS;
	rd->due_ns = now_ns + FIRST_LOOK_NS;
	return 0;
}

static int w1_finish(struct sensor_read *rd, uint64_t now_ns, double *celsius)
{
	struct w1_read *w = w1_of(rd);
	char line[32];
	long value;
	ssize_t n = read(w->pipe, line, sizeof(line) - 1);

	if (n < 0 && errno == EAGAIN) {
		if (now_ns >= w->give_up_ns)
			return -ETIMEDOUT;
		rd->due_ns = now_ns + LOOK_EVERY_NS;
		return -EAGAIN;
	}
	if (n <= 0)
		return n < 0 ? -errno : -EIO;	/* the child died first */
	w->answered = true;
	line[n] = '\0';
	if (sscanf(line, "E %ld", &value) == 1)
		return value > 0 && value < 4096 ? -(int)value : -EIO;
	if (sscanf(line, "T %ld", &value) != 1)
		return -EIO;
	*celsius = (double)value / 1000.0;
	return 0;
}

static void w1_close(struct sensor_read *rd)
{
	struct w1_read *w = w1_of(rd);

	if (w->pipe >= 0)
		close(w->pipe);
	w->pipe = -1;
	if (w->child <= 0)
		return;
	/* A child stuck in the kernel's read dies when the read ends. */
	if (!w->answered)
		kill(w->child, SIGKILL);
	/* Not ended yet: the next start reaps it. */
	waitpid(w->child, NULL, WNOHANG);
	w->child = -1;
}

static void w1_describe(const struct config_analog *in, int err, char *buf,
			size_t size)
{
	const char *why;

	switch (err) {
	case -ENOENT:
		why = "not found (is it wired, and module w1-therm loaded?)";
		break;
	case -EBADMSG:
		why = "garbled reading (CRC failed or not a temperature)";
		break;
	case -ERANGE:
		why = "reading outside -55 to 125 °C";
		break;
	case -ETIMEDOUT:
		why = "no reading within 3 s";
		break;
	default:
		why = strerror(-err);
		break;
	}
	snprintf(buf, size, "DS18B20 %s in %s: %s", in->device, w1_root(), why);
}

const struct sensor_driver sensor_ds18b20 = {
	.name = "ds18b20",
	.on_adc = false,
	.measures = SENSOR_CELSIUS,
	.open = w1_open,
	.start = w1_start,
	.finish = w1_finish,
	.close = w1_close,
	.describe = w1_describe,
};
