/* A board device: one file under vmm/hw/, one line in the board's table. */
#ifndef VMM_DEVICE_H
#define VMM_DEVICE_H

struct machine;

struct device {
	const char *name;
	int (*init)(struct machine *m);	/* register ports, open backends */
	void (*reset)(struct machine *m);	/* power-on state, on every system reset */
	void (*exit)(struct machine *m);
};

/* The board's devices (vmm/x86/machine.c). */
int devices_init(struct machine *m, const struct device *const *table, int n);
void devices_reset(struct machine *m, const struct device *const *table, int n);
void devices_exit(struct machine *m, const struct device *const *table, int n);

/* Raise or lower an interrupt line of the board's interrupt controller. */
void arch_set_irq(struct machine *m, int irq, int level);

#endif
