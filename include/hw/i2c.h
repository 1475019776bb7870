/* I2C bus transport: SMBus byte and word register access, as drivers see it. */
#ifndef IRRIGD_HW_I2C_H
#define IRRIGD_HW_I2C_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * A bus is a table of operations, so the same drivers run on /dev/i2c-N
 * (linux backend) and on the virtual bus with chip models (sim backend).
 *
 * Word transfers follow SMBus: the first byte on the wire is the low byte
 * of the value, as i2c_smbus_read_word_data() returns it.  A chip that sends
 * its most significant byte first (ADS1x15) must be byte-swapped by its
 * driver.
 *
 * Every operation returns 0 or a negative errno (-EIO, -ENXIO for no ACK,
 * -ETIMEDOUT, ...).  Nothing is logged here: the caller decides.
 */
struct i2c_bus;

/*
 * The retry policy every bus backend shares.  Bus noise, a chip busy or
 * browning out: errors worth a few quick tries.  A bus makes I2C_TRIES
 * attempts at an operation that keeps failing with a transient error,
 * then returns the last error.
 */
#define I2C_TRIES 4

static inline bool i2c_transient(int err)
{
	return err == -EIO || err == -ENXIO || err == -ETIMEDOUT ||
		err == -EREMOTEIO || err == -EAGAIN;
}

struct i2c_bus_ops {
	int (*read_byte_data)(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			      uint8_t *value);
	int (*write_byte_data)(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			       uint8_t value);
	int (*read_word_data)(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			      uint16_t *value);
	int (*write_word_data)(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			       uint16_t value);
	void (*destroy)(struct i2c_bus *bus);
};

struct i2c_bus {
	const struct i2c_bus_ops *ops;
	const char *name;	/* for messages: "/dev/i2c-1", "sim" */
};

static inline int i2c_read_byte_data(struct i2c_bus *bus, uint8_t addr,
				     uint8_t reg, uint8_t *value)
{
	return bus->ops->read_byte_data(bus, addr, reg, value);
}

static inline int i2c_write_byte_data(struct i2c_bus *bus, uint8_t addr,
				      uint8_t reg, uint8_t value)
{
	return bus->ops->write_byte_data(bus, addr, reg, value);
}

static inline int i2c_read_word_data(struct i2c_bus *bus, uint8_t addr,
				     uint8_t reg, uint16_t *value)
{
	return bus->ops->read_word_data(bus, addr, reg, value);
}

static inline int i2c_write_word_data(struct i2c_bus *bus, uint8_t addr,
				      uint8_t reg, uint16_t value)
{
	return bus->ops->write_word_data(bus, addr, reg, value);
}

static inline void i2c_bus_destroy(struct i2c_bus *bus)
{
	if (bus)
		bus->ops->destroy(bus);
}

#endif
