/* linux backend: an I2C bus on /dev/i2c-N through libi2c (i2c-tools). */
#include "hw/linux.h"

#include <errno.h>
#include <fcntl.h>
#include <i2c/smbus.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

struct linux_i2c {
	struct i2c_bus bus;
	int fd;
	int selected;		/* address the adapter talks to, or -1 */
	char path[32];
};

#define linux_of(b) \
	((struct linux_i2c *)((char *)(b) - offsetof(struct linux_i2c, bus)))

/* Transient errors get I2C_TRIES quick tries (hw/i2c.h), with a back-off. */
#define I2C_BACKOFF_NS 500000L	/* doubles each try: 0.5, 1, 2 ms */

static void backoff(int attempt)
{
	struct timespec ts = { 0, I2C_BACKOFF_NS << attempt };

	nanosleep(&ts, NULL);
}

static int select_chip(struct linux_i2c *li, uint8_t addr)
{
	if (li->selected == addr)
		return 0;
	if (ioctl(li->fd, I2C_SLAVE, (unsigned long)addr) < 0)
		return -errno;
	li->selected = addr;
	return 0;
}

/* One SMBus transfer, as the four operations describe it. */
struct transfer {
	bool read;
	bool word;
	uint8_t reg;
	uint16_t value;
};

static int transfer_once(struct linux_i2c *li, uint8_t addr, struct transfer *t)
{
	int r = select_chip(li, addr);

	if (r < 0)
		return r;
	if (t->read)
		r = t->word ? i2c_smbus_read_word_data(li->fd, t->reg) :
			i2c_smbus_read_byte_data(li->fd, t->reg);
	else
		r = t->word ? i2c_smbus_write_word_data(li->fd, t->reg, t->value) :
			i2c_smbus_write_byte_data(li->fd, t->reg, (uint8_t)t->value);
	if (r < 0)
		return -errno;
	if (t->read)
		t->value = (uint16_t)r;
	return 0;
}

static int transfer(struct i2c_bus *bus, uint8_t addr, struct transfer *t)
{
	int r;

	for (int i = 0;; i++) {
		r = transfer_once(linux_of(bus), addr, t);
		if (r == 0 || !i2c_transient(r) || i + 1 == I2C_TRIES)
			return r;
		backoff(i);
	}
}

static int read_byte_data(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			  uint8_t *value)
{
	struct transfer t = { .read = true, .reg = reg };
	int r = transfer(bus, addr, &t);

	if (r == 0)
		*value = (uint8_t)t.value;
	return r;
}

static int write_byte_data(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			   uint8_t value)
{
	struct transfer t = { .reg = reg, .value = value };

	return transfer(bus, addr, &t);
}

static int read_word_data(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			  uint16_t *value)
{
	struct transfer t = { .read = true, .word = true, .reg = reg };
	int r = transfer(bus, addr, &t);

	if (r == 0)
		*value = t.value;
	return r;
}

static int write_word_data(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			   uint16_t value)
{
	struct transfer t = { .word = true, .reg = reg, .value = value };

	return transfer(bus, addr, &t);
}

static void destroy(struct i2c_bus *bus)
{
	struct linux_i2c *li = linux_of(bus);

	close(li->fd);
	free(li);
}

static const struct i2c_bus_ops linux_i2c_ops = {
	.read_byte_data = read_byte_data,
	.write_byte_data = write_byte_data,
	.read_word_data = read_word_data,
	.write_word_data = write_word_data,
	.destroy = destroy,
};

int linux_i2c_open(unsigned number, struct i2c_bus **out)
{
	const unsigned long needed = I2C_FUNC_SMBUS_READ_BYTE_DATA |
		I2C_FUNC_SMBUS_WRITE_BYTE_DATA | I2C_FUNC_SMBUS_READ_WORD_DATA |
		I2C_FUNC_SMBUS_WRITE_WORD_DATA;
	struct linux_i2c *li = calloc(1, sizeof(*li));
	unsigned long funcs = 0;
	int err;

	if (!li)
		return -ENOMEM;
	snprintf(li->path, sizeof(li->path), "/dev/i2c-%u", number);
	li->bus.ops = &linux_i2c_ops;
	li->bus.name = li->path;
	li->selected = -1;
	li->fd = open(li->path, O_RDWR | O_CLOEXEC);
	if (li->fd < 0) {
		err = -errno;
		free(li);
		return err;
	}
	if (ioctl(li->fd, I2C_FUNCS, &funcs) < 0) {
		err = -errno;
		destroy(&li->bus);
		return err;
	}
	if ((funcs & needed) != needed) {
		destroy(&li->bus);
		return -EOPNOTSUPP;
	}
	*out = &li->bus;
	return 0;
}
