/* ACPI PM block at 0x600 in PIIX4 layout: PM1_STS (power button status),
 * PM1_EN, PM1_CNT (SLP_TYP/SLP_EN: the guest's power-off) and the 24-bit
 * PM timer. There are no ACPI tables and no SCI: guests poll PM1_STS. */
#include <stdbool.h>
#include <time.h>

#include "bus.h"
#include "devices.h"
#include "error.h"
#include "machine.h"
#include "system.h"
#include "trace.h"

#define PM_BASE 0x600
#define PM_LEN 0x40
#define PM1_STS 0x00
#define PM1_EN 0x02
#define PM1_CNT 0x04
#define PM_TMR 0x08

#define PM1_STS_PWRBTN 0x0100
#define PM1_CNT_SCI_EN 0x0001
#define PM1_CNT_SLP_EN 0x2000
#define PM1_CNT_SLP_TYP(v) (((v) >> 10) & 7)
#define SLP_TYP_SOFT_OFF 0 /* what QEMU's PIIX4 DSDT gives \_S5 */
#define SLP_TYP_S4 2
#define PM_TIMER_HZ 3579545ULL

static uint16_t pm1_sts, pm1_en, pm1_cnt;

static uint32_t pm_timer(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	unsigned __int128 ns = (unsigned __int128)ts.tv_sec * 1000000000u + (unsigned)ts.tv_nsec;
	return (uint32_t)(ns * PM_TIMER_HZ / 1000000000u) & 0xffffff;
}

static uint64_t pm_read(void *opaque, uint64_t off, unsigned size)
{
	uint32_t val;
	(void)opaque;
	if (off >= PM_TMR && off < PM_TMR + 4)
		val = pm_timer() >> ((off - PM_TMR) * 8);
	else if (off < PM1_EN)
		val = __atomic_load_n(&pm1_sts, __ATOMIC_ACQUIRE) >> ((off & 1) * 8);
	else if (off < PM1_CNT)
		val = pm1_en >> ((off & 1) * 8);
	else if (off < PM1_CNT + 2)
		val = pm1_cnt >> ((off & 1) * 8);
	else
		val = 0;
	return size == 4 ? val : val & ((1u << (size * 8)) - 1);
}

static void pm_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	(void)opaque;
	if (off == PM1_STS && size >= 2) {
		/* write 1 to clear */
		__atomic_and_fetch(&pm1_sts, (uint16_t)~val, __ATOMIC_ACQ_REL);
	} else if (off == PM1_EN && size >= 2) {
		pm1_en = (uint16_t)val;
	} else if (off == PM1_CNT && size >= 2) {
		pm1_cnt = (uint16_t)(val & ~PM1_CNT_SLP_EN);
		if (!(val & PM1_CNT_SLP_EN))
			return;
		unsigned typ = PM1_CNT_SLP_TYP(val);
		trace_guest_exit_request("acpi-pm1-cnt", val);
		if (typ == SLP_TYP_SOFT_OFF || typ == SLP_TYP_S4)
			qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
		else
			warn_report("guest asked for sleep state SLP_TYP=%u, which this board lacks",
				    typ);
	}
}

static const struct bus_ops pm_ops = { .read = pm_read, .write = pm_write };

void pm_press_power_button(void)
{
	__atomic_or_fetch(&pm1_sts, PM1_STS_PWRBTN, __ATOMIC_ACQ_REL);
}

static int pm_init(struct machine *m)
{
	(void)m;
	return bus_register(&ioport_bus, PM_BASE, PM_LEN, "acpi-pm", &pm_ops, NULL);
}

static void pm_reset(struct machine *m)
{
	(void)m;
	__atomic_store_n(&pm1_sts, 0, __ATOMIC_RELEASE);
	pm1_en = 0;
	pm1_cnt = PM1_CNT_SCI_EN; /* ACPI mode, as firmware leaves it */
}

const struct device pm_device = {
	.name = "acpi-pm",
	.init = pm_init,
	.reset = pm_reset,
};
