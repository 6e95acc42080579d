#include "device.h"
#include "error.h"

int devices_init(struct machine *m, const struct device *const *table, int n)
{
	for (int i = 0; i < n; i++) {
		if (table[i]->init && table[i]->init(m) < 0) {
			error_report("device %s: initialisation failed", table[i]->name);
			while (i--)
				if (table[i]->exit)
					table[i]->exit(m);
			return -1;
		}
	}
	return 0;
}

void devices_reset(struct machine *m, const struct device *const *table, int n)
{
	for (int i = 0; i < n; i++)
		if (table[i]->reset)
			table[i]->reset(m);
}

void devices_exit(struct machine *m, const struct device *const *table, int n)
{
	for (int i = n - 1; i >= 0; i--)
		if (table[i]->exit)
			table[i]->exit(m);
}
