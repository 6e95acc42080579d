/* The `virt` board's device tree (QEMU hw/arm/virt.c create_fdt,
 * fdt_add_{cpu,timer,psci,pmu}_nodes, create_gic's node), with libfdt. */
#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "fdt-virt.h"
#include "virt-gic.h"

#define GIC_PHANDLE 1
#define CLOCK_PHANDLE 2
#define UART_CLOCK_HZ 24000000 /* QEMU's "clk24mhz" apb-pclk */
#define FDT_MAX_SIZE 0x10000 /* QEMU's create_fdt starts with 1 MiB; 64 KiB is ample here */

/* Sticky-error builder: the first libfdt failure is kept with what failed. */
struct fdt_builder {
	void *fdt;
	int err;
	char what[64]; /* a copy: node names live in callers' buffers */
};

static void check(struct fdt_builder *b, int ret, const char *what)
{
	if (ret < 0 && !b->err) {
		b->err = ret;
		snprintf(b->what, sizeof(b->what), "%s", what);
	}
}

static int node(struct fdt_builder *b, int parent, const char *name)
{
	if (b->err)
		return -1;
	int off = fdt_add_subnode(b->fdt, parent, name);
	check(b, off, name);
	return off;
}

static void prop_str(struct fdt_builder *b, int off, const char *name, const char *val)
{
	if (!b->err)
		check(b, fdt_setprop_string(b->fdt, off, name, val), name);
}

/* A string list: "a\0b\0c\0" with its full length. */
static void prop_strs(struct fdt_builder *b, int off, const char *name, const char *list,
		      size_t len)
{
	if (!b->err)
		check(b, fdt_setprop(b->fdt, off, name, list, (int)len), name);
}

static void prop_u32(struct fdt_builder *b, int off, const char *name, uint32_t val)
{
	if (!b->err)
		check(b, fdt_setprop_u32(b->fdt, off, name, val), name);
}

static void prop_empty(struct fdt_builder *b, int off, const char *name)
{
	if (!b->err)
		check(b, fdt_setprop_empty(b->fdt, off, name), name);
}

/* cells: big-endian 32-bit values */
static void prop_cells(struct fdt_builder *b, int off, const char *name, const uint32_t *cells,
		       int n)
{
	fdt32_t be[24];
	if (b->err)
		return;
	for (int i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	check(b, fdt_setprop(b->fdt, off, name, be, n * (int)sizeof(be[0])), name);
}

/* <addr size> pairs with #address-cells = #size-cells = 2 */
static void prop_reg64(struct fdt_builder *b, int off, const uint64_t *pairs, int npairs)
{
	uint32_t cells[16];
	for (int i = 0; i < 2 * npairs; i++) {
		cells[2 * i] = (uint32_t)(pairs[i] >> 32);
		cells[2 * i + 1] = (uint32_t)pairs[i];
	}
	prop_cells(b, off, "reg", cells, 4 * npairs);
}

uint32_t virt_fdt_ppi_flags(int gic_version, int ncpus)
{
	uint32_t flags = GIC_FDT_IRQ_FLAGS_LEVEL_HI;
	/* GICv2 PPIs name their target CPUs: bits [15:8], one per CPU */
	if (gic_version == 2)
		flags |= (((1u << ncpus) - 1) & 0xff) << GIC_FDT_IRQ_PPI_CPU_START;
	return flags;
}

static void add_cpus(struct fdt_builder *b, const struct virt_fdt_params *p)
{
	int cpus = node(b, 0, "cpus");
	bool wide = false;

	for (int i = 0; i < p->ncpus; i++)
		wide |= p->mpidr[i] >> 32 != 0; /* Aff3 needs two address cells */
	prop_u32(b, cpus, "#address-cells", wide ? 2 : 1);
	prop_u32(b, cpus, "#size-cells", 0);
	/* libfdt inserts a new subnode first: go backwards to list cpu@0 first */
	for (int i = p->ncpus - 1; i >= 0; i--) {
		char name[32];
		snprintf(name, sizeof(name), "cpu@%llx", (unsigned long long)p->mpidr[i]);
		int cpu = node(b, cpus, name);
		prop_str(b, cpu, "device_type", "cpu");
		prop_str(b, cpu, "compatible", "arm,arm-v8");
		if (p->ncpus > 1)
			prop_str(b, cpu, "enable-method", "psci");
		if (wide) {
			uint32_t reg[2] = { (uint32_t)(p->mpidr[i] >> 32), (uint32_t)p->mpidr[i] };
			prop_cells(b, cpu, "reg", reg, 2);
		} else {
			prop_u32(b, cpu, "reg", (uint32_t)p->mpidr[i]);
		}
	}
}

static void add_timer(struct fdt_builder *b, const struct virt_fdt_params *p)
{
	static const char compat[] = "arm,armv8-timer\0arm,armv7-timer";
	uint32_t f = virt_fdt_ppi_flags(p->gic_version, p->ncpus);
	uint32_t irqs[] = {
		GIC_FDT_IRQ_TYPE_PPI, VIRT_TIMER_S_EL1_PPI,  f,
		GIC_FDT_IRQ_TYPE_PPI, VIRT_TIMER_NS_EL1_PPI, f,
		GIC_FDT_IRQ_TYPE_PPI, VIRT_TIMER_VIRT_PPI,   f,
		GIC_FDT_IRQ_TYPE_PPI, VIRT_TIMER_NS_EL2_PPI, f,
	};
	int t = node(b, 0, "timer");
	prop_strs(b, t, "compatible", compat, sizeof(compat));
	prop_cells(b, t, "interrupts", irqs, 12);
	prop_empty(b, t, "always-on");
}

static void add_psci(struct fdt_builder *b)
{
	/* KVM's PSCI (KVM_ARM_VCPU_PSCI_0_2) is 1.x, reached by HVC */
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";
	int n = node(b, 0, "psci");
	prop_strs(b, n, "compatible", compat, sizeof(compat));
	prop_str(b, n, "method", "hvc");
	prop_u32(b, n, "cpu_suspend", VIRT_PSCI_FN64_CPU_SUSPEND);
	prop_u32(b, n, "cpu_off", VIRT_PSCI_FN_CPU_OFF);
	prop_u32(b, n, "cpu_on", VIRT_PSCI_FN64_CPU_ON);
	prop_u32(b, n, "migrate", VIRT_PSCI_FN64_MIGRATE);
}

static void add_gic(struct fdt_builder *b, const struct virt_fdt_params *p)
{
	char name[32];
	snprintf(name, sizeof(name), "intc@%llx", (unsigned long long)VIRT_GIC_DIST_BASE);
	int g = node(b, 0, name);
	prop_u32(b, g, "phandle", GIC_PHANDLE);
	prop_u32(b, g, "#interrupt-cells", 3);
	prop_empty(b, g, "interrupt-controller");
	prop_u32(b, g, "#address-cells", 2);
	prop_u32(b, g, "#size-cells", 2);
	prop_empty(b, g, "ranges");
	if (p->gic_version == 3) {
		const uint64_t reg[] = { VIRT_GIC_DIST_BASE, VIRT_GIC_DIST_SIZE,
					 VIRT_GIC_REDIST_BASE, VIRT_GIC_REDIST_SIZE };
		prop_str(b, g, "compatible", "arm,gic-v3");
		prop_u32(b, g, "#redistributor-regions", 1);
		prop_reg64(b, g, reg, 2);
	} else {
		const uint64_t reg[] = { VIRT_GIC_DIST_BASE, VIRT_GIC_DIST_SIZE,
					 VIRT_GIC_CPU_BASE, VIRT_GIC_CPU_SIZE };
		prop_str(b, g, "compatible", "arm,cortex-a15-gic");
		prop_reg64(b, g, reg, 2);
	}
}

static void add_pmu(struct fdt_builder *b, const struct virt_fdt_params *p)
{
	uint32_t irq[] = { GIC_FDT_IRQ_TYPE_PPI, 7 /* VIRT_PMU_PPI */,
			   virt_fdt_ppi_flags(p->gic_version, p->ncpus) };
	int n = node(b, 0, "pmu");
	prop_str(b, n, "compatible", "arm,armv8-pmuv3");
	prop_cells(b, n, "interrupts", irq, 3);
}

/* QEMU create_uart: the PL011 and the fixed clock it names twice */
static void add_uart(struct fdt_builder *b)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	static const char clock_names[] = "uartclk\0apb_pclk";
	const uint64_t reg[] = { VIRT_UART_BASE, VIRT_UART_SIZE };
	uint32_t irq[] = { GIC_FDT_IRQ_TYPE_SPI, VIRT_UART_SPI, GIC_FDT_IRQ_FLAGS_LEVEL_HI };
	uint32_t clocks[] = { CLOCK_PHANDLE, CLOCK_PHANDLE };
	char name[32];

	snprintf(name, sizeof(name), "pl011@%llx", (unsigned long long)VIRT_UART_BASE);
	int n = node(b, 0, name);
	prop_strs(b, n, "compatible", compat, sizeof(compat));
	prop_reg64(b, n, reg, 1);
	prop_cells(b, n, "interrupts", irq, 3);
	prop_cells(b, n, "clocks", clocks, 2);
	prop_strs(b, n, "clock-names", clock_names, sizeof(clock_names));

	int c = node(b, 0, "apb-pclk");
	prop_str(b, c, "compatible", "fixed-clock");
	prop_u32(b, c, "#clock-cells", 0);
	prop_u32(b, c, "clock-frequency", UART_CLOCK_HZ);
	prop_str(b, c, "clock-output-names", "clk24mhz");
	prop_u32(b, c, "phandle", CLOCK_PHANDLE);
}

static void add_memory(struct fdt_builder *b, const struct virt_fdt_params *p)
{
	char name[32];
	const uint64_t reg[] = { p->ram_base, p->ram_size };
	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)p->ram_base);
	int n = node(b, 0, name);
	prop_str(b, n, "device_type", "memory");
	prop_reg64(b, n, reg, 1);
}

static void add_chosen(struct fdt_builder *b, const struct virt_fdt_params *p)
{
	char uart[32];
	int n = node(b, 0, "chosen");
	snprintf(uart, sizeof(uart), "/pl011@%llx", (unsigned long long)VIRT_UART_BASE);
	prop_str(b, n, "stdout-path", uart);
	if (p->bootargs)
		prop_str(b, n, "bootargs", p->bootargs);
	if (p->initrd_end) {
		uint32_t s[2] = { (uint32_t)(p->initrd_start >> 32), (uint32_t)p->initrd_start };
		uint32_t e[2] = { (uint32_t)(p->initrd_end >> 32), (uint32_t)p->initrd_end };
		prop_cells(b, n, "linux,initrd-start", s, 2);
		prop_cells(b, n, "linux,initrd-end", e, 2);
	}
}

int virt_fdt_build(const struct virt_fdt_params *p, void *buf, size_t size, char *err,
		   size_t errlen)
{
	struct fdt_builder b = { .fdt = buf };

	if (p->ncpus < 1 || p->ncpus > VMM_MAX_VCPUS || (p->gic_version != 2 && p->gic_version != 3) ||
	    (p->gic_version == 2 && p->ncpus > 8)) {
		snprintf(err, errlen, "virt device tree: bad description (%d cpus, GICv%d)", p->ncpus,
			 p->gic_version);
		return -1;
	}
	check(&b, fdt_create_empty_tree(buf, (int)(size > FDT_MAX_SIZE ? FDT_MAX_SIZE : size)),
	      "empty tree");
	prop_str(&b, 0, "compatible", "linux,dummy-virt");
	prop_str(&b, 0, "model", "linux,dummy-virt");
	prop_u32(&b, 0, "#address-cells", 2);
	prop_u32(&b, 0, "#size-cells", 2);
	prop_u32(&b, 0, "interrupt-parent", GIC_PHANDLE);
	/* reverse of the order they should read in (see add_cpus) */
	if (p->pmu)
		add_pmu(&b, p);
	add_gic(&b, p);
	add_psci(&b);
	add_uart(&b);
	add_timer(&b, p);
	add_cpus(&b, p);
	add_memory(&b, p);
	add_chosen(&b, p);
	if (!b.err)
		check(&b, fdt_pack(buf), "pack");
	if (b.err) {
		snprintf(err, errlen, "virt device tree: %s: %s", b.what, fdt_strerror(b.err));
		return -1;
	}
	return (int)fdt_totalsize(buf);
}

void virt_fdt_params_from_config(const struct vmm_config *cfg, struct virt_fdt_params *p)
{
	memset(p, 0, sizeof(*p));
	p->ncpus = cfg->smp;
	for (int i = 0; i < cfg->smp && i < VMM_MAX_VCPUS; i++)
		p->mpidr[i] = (uint64_t)(i % 16) | ((uint64_t)(i / 16) << 8);
	p->ram_base = VIRT_RAM_BASE;
	p->ram_size = cfg->ram_size;
	/* without KVM, as QEMU under TCG: max is GICv3, unset GICv2 */
	p->gic_version = cfg->gic_version > 0 ? cfg->gic_version
			 : cfg->gic_version == VIRT_GIC_ASK_MAX ? 3 : 2;
	p->pmu = cfg->pmu != PMU_OFF;
	p->bootargs = cfg->append;
}

int virt_dump_dtb(const struct vmm_config *cfg)
{
	struct virt_fdt_params p;
	char err[256];
	void *buf = malloc(FDT_MAX_SIZE);
	int size, fd = -1, ok = 0;

	if (cfg->gic_version == VIRT_GIC_ASK_HOST) {
		error_report("gic-version=host requires KVM");
		free(buf);
		return -1;
	}
	if (!buf) {
		error_report("qemu_fdt_dumpdtb: out of memory");
		return -1;
	}
	virt_fdt_params_from_config(cfg, &p);
	size = virt_fdt_build(&p, buf, FDT_MAX_SIZE, err, sizeof(err));
	if (size < 0) {
		error_report("%s", err);
		free(buf);
		return -1;
	}
	fd = open(cfg->dumpdtb, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0 && write(fd, buf, (size_t)size) == size)
		ok = 1;
	if (!ok)
		error_report("qemu_fdt_dumpdtb: Failed dumping dtb to %s: %s", cfg->dumpdtb,
			     strerror(errno));
	if (fd >= 0 && close(fd) < 0 && ok) {
		error_report("qemu_fdt_dumpdtb: Failed dumping dtb to %s: %s", cfg->dumpdtb,
			     strerror(errno));
		ok = 0;
	}
	free(buf);
	if (ok)
		info_report("dtb dumped to %s. Exiting.", cfg->dumpdtb);
	return ok ? 0 : -1;
}
