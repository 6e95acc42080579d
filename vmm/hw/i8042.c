/* i8042 keyboard controller, enough for firmware and kernels to probe it and
 * for the classic reboot: command 0xFE pulses the CPU reset line. */
#include <pthread.h>
#include <stdbool.h>

#include "bus.h"
#include "devices.h"
#include "machine.h"
#include "system.h"

#define I8042_DATA 0x60
#define I8042_COMMAND 0x64

#define STATUS_OBF 0x01
#define STATUS_SYS 0x04
#define STATUS_CMD 0x08

static struct {
	pthread_mutex_t lock;
	uint8_t status, cmd_byte, out, pending_cmd;
	bool out_full;
} kbc = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void put_output(uint8_t byte)
{
	kbc.out = byte;
	kbc.out_full = true;
}

/* opaque tells the two ports apart: NULL for data, non-NULL for command */
static uint64_t i8042_read(void *opaque, uint64_t off, unsigned size)
{
	uint32_t val;
	(void)off;
	(void)size;
	pthread_mutex_lock(&kbc.lock);
	if (!opaque) {
		val = kbc.out;
		kbc.out_full = false;
	} else {
		val = kbc.status | (kbc.out_full ? STATUS_OBF : 0);
	}
	pthread_mutex_unlock(&kbc.lock);
	return val;
}

static void command(uint8_t cmd, bool *reset)
{
	kbc.status |= STATUS_CMD;
	switch (cmd) {
	case 0x20: /* read command byte */
		put_output(kbc.cmd_byte);
		break;
	case 0x60: /* write command byte: next data byte */
	case 0xd1: /* write output port: next data byte */
		kbc.pending_cmd = cmd;
		break;
	case 0xaa: /* controller self-test */
		kbc.status |= STATUS_SYS;
		put_output(0x55);
		break;
	case 0xa9: /* aux interface test */
	case 0xab: /* keyboard interface test */
		put_output(0x00);
		break;
	case 0xd0: /* read output port: A20 on, reset line inactive */
		put_output(0x03);
		break;
	default:
		/* 0xF0-0xFF pulse output port bits; bit 0 low pulses reset */
		if (cmd >= 0xf0 && !(cmd & 1))
			*reset = true;
		break;
	}
}

static void data(uint8_t byte, bool *reset)
{
	kbc.status &= (uint8_t)~STATUS_CMD;
	switch (kbc.pending_cmd) {
	case 0x60:
		kbc.cmd_byte = byte;
		break;
	case 0xd1:
		if (!(byte & 1))
			*reset = true;
		break;
	default:
		put_output(0xfa); /* no keyboard behind it: acknowledge */
		break;
	}
	kbc.pending_cmd = 0;
}

static void i8042_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	bool reset = false;
	(void)off;
	(void)size;
	pthread_mutex_lock(&kbc.lock);
	if (!opaque)
		data((uint8_t)val, &reset);
	else
		command((uint8_t)val, &reset);
	pthread_mutex_unlock(&kbc.lock);
	if (reset)
		qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
}

static const struct bus_ops i8042_ops = { .read = i8042_read, .write = i8042_write };

static int i8042_init(struct machine *m)
{
	(void)m;
	if (bus_register(&ioport_bus, I8042_DATA, 1, "i8042 data", &i8042_ops, NULL) < 0)
		return -1;
	return bus_register(&ioport_bus, I8042_COMMAND, 1, "i8042 command", &i8042_ops, (void *)&kbc);
}

static void i8042_reset(struct machine *m)
{
	(void)m;
	pthread_mutex_lock(&kbc.lock);
	kbc.status = STATUS_SYS;
	kbc.cmd_byte = 0x45; /* kbd interrupt, system flag, translation */
	kbc.out_full = false;
	kbc.pending_cmd = 0;
	pthread_mutex_unlock(&kbc.lock);
}

const struct device i8042_device = {
	.name = "i8042",
	.init = i8042_init,
	.reset = i8042_reset,
};
