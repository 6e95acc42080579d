/* Unit tests of the arm64 virt device tree (vmm/fdt-virt.c), read back with
 * libfdt: the nodes QEMU's virt board has, the /pmu node with its PPI and
 * flags per GIC version, the GIC's reg, PSCI, chosen; bad descriptions and a
 * too-small buffer give messages; dumpdtb writes the blob or says why not. */
#include <errno.h>
#include <libfdt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fdt-virt.h"

#include "tap-skip.h"

static uint8_t blob[0x10000];

static void params(struct virt_fdt_params *p, int ncpus, int gic)
{
	memset(p, 0, sizeof(*p));
	p->ncpus = ncpus;
	for (int i = 0; i < ncpus; i++)
		p->mpidr[i] = (uint64_t)i;
	p->ram_base = VIRT_RAM_BASE;
	p->ram_size = 256ULL << 20;
	p->gic_version = gic;
	p->pmu = true;
	p->bootargs = "console=ttyAMA0 root=/dev/vda";
}

static void build(const struct virt_fdt_params *p)
{
	char err[256] = "";
	int size = virt_fdt_build(p, blob, sizeof(blob), err, sizeof(err));
	if (size < 0)
		fail_msg("build failed: %s", err);
	assert_int_equal(fdt_check_header(blob), 0);
	assert_int_equal((int)fdt_totalsize(blob), size);
}

/* the blob of the default board (params) of NCPUS and GIC version GIC */
static void build_default(int ncpus, int gic)
{
	struct virt_fdt_params p;
	params(&p, ncpus, gic);
	build(&p);
}

static int node(const char *path)
{
	int off = fdt_path_offset(blob, path);
	if (off < 0)
		fail_msg("no node %s: %s", path, fdt_strerror(off));
	return off;
}

static const void *prop(const char *path, const char *name, int *len)
{
	const void *v = fdt_getprop(blob, node(path), name, len);
	if (!v)
		fail_msg("%s has no %s", path, name);
	return v;
}

static void want_cells(const char *path, const char *name, const uint32_t *want, int n)
{
	int len;
	const fdt32_t *v = prop(path, name, &len);
	assert_int_equal(len, n * 4);
	for (int i = 0; i < n; i++)
		assert_int_equal(fdt32_to_cpu(v[i]), want[i]);
}

static void want_string(const char *path, const char *name, const char *want)
{
	int len;
	const char *v = prop(path, name, &len);
	assert_int_equal(len, (int)strlen(want) + 1);
	assert_string_equal(v, want);
}

static void test_root_and_memory(void **state)
{
	(void)state;
	build_default(2, 2);
	want_string("/", "compatible", "linux,dummy-virt");
	want_cells("/", "#address-cells", (uint32_t[]){ 2 }, 1);
	want_cells("/", "#size-cells", (uint32_t[]){ 2 }, 1);
	want_string("/memory@40000000", "device_type", "memory");
	want_cells("/memory@40000000", "reg", (uint32_t[]){ 0, 0x40000000, 0, 0x10000000 }, 4);
}

static void test_cpus(void **state)
{
	(void)state;
	build_default(4, 3);
	want_cells("/cpus", "#address-cells", (uint32_t[]){ 1 }, 1);
	want_cells("/cpus", "#size-cells", (uint32_t[]){ 0 }, 1);
	int n = 0, off;
	fdt_for_each_subnode(off, blob, node("/cpus")) {
		char path[64];
		snprintf(path, sizeof(path), "/cpus/cpu@%d", n);
		/* listed in index order */
		assert_int_equal(off, node(path));
		want_string(path, "device_type", "cpu");
		want_string(path, "compatible", "arm,arm-v8");
		want_string(path, "enable-method", "psci");
		want_cells(path, "reg", (uint32_t[]){ (uint32_t)n }, 1);
		n++;
	}
	assert_int_equal(n, 4);
}

static void test_single_cpu_has_no_enable_method(void **state)
{
	(void)state;
	build_default(1, 2);
	assert_null(fdt_getprop(blob, node("/cpus/cpu@0"), "enable-method", NULL));
}

static void test_pmu_node_gicv2_has_cpu_mask(void **state)
{
	(void)state;
	build_default(2, 2);
	want_string("/pmu", "compatible", "arm,armv8-pmuv3");
	/* PPI 7, level-high, CPUs 0-1 in bits 15:8 */
	want_cells("/pmu", "interrupts", (uint32_t[]){ 1, 7, 0x304 }, 3);
	assert_int_equal(virt_fdt_ppi_flags(2, 8), 0xff04);
}

static void test_pmu_node_gicv3_plain_level(void **state)
{
	(void)state;
	build_default(4, 3);
	want_cells("/pmu", "interrupts", (uint32_t[]){ 1, 7, 4 }, 3);
}

static void test_no_pmu_node_without_pmu(void **state)
{
	struct virt_fdt_params p;
	(void)state;
	params(&p, 2, 2);
	p.pmu = false;
	build(&p);
	assert_true(fdt_path_offset(blob, "/pmu") < 0);
}

static void test_gic_nodes(void **state)
{
	(void)state;
	build_default(2, 2);
	want_string("/intc@8000000", "compatible", "arm,cortex-a15-gic");
	want_cells("/intc@8000000", "reg",
		     (uint32_t[]){ 0, 0x08000000, 0, 0x10000, 0, 0x08010000, 0, 0x10000 }, 8);
	want_cells("/intc@8000000", "#interrupt-cells", (uint32_t[]){ 3 }, 1);
	assert_non_null(fdt_getprop(blob, node("/intc@8000000"), "interrupt-controller", NULL));
	uint32_t phandle = fdt_get_phandle(blob, node("/intc@8000000"));
	assert_int_not_equal(phandle, 0);
	want_cells("/", "interrupt-parent", (uint32_t[]){ phandle }, 1);

	build_default(2, 3);
	want_string("/intc@8000000", "compatible", "arm,gic-v3");
	want_cells("/intc@8000000", "reg",
		     (uint32_t[]){ 0, 0x08000000, 0, 0x10000, 0, 0x080a0000, 0, 0xf60000 }, 8);
	want_cells("/intc@8000000", "#redistributor-regions", (uint32_t[]){ 1 }, 1);
}

static void test_timer_and_psci(void **state)
{
	int len;
	(void)state;
	build_default(1, 3);
	const char *compat = prop("/timer", "compatible", &len);
	assert_int_equal(len, (int)sizeof("arm,armv8-timer\0arm,armv7-timer"));
	assert_string_equal(compat, "arm,armv8-timer");
	want_cells("/timer", "interrupts",
		     (uint32_t[]){ 1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4 }, 12);
	want_string("/psci", "method", "hvc");
	assert_int_equal(fdt_node_check_compatible(blob, node("/psci"), "arm,psci-0.2"), 0);
	want_cells("/psci", "cpu_on", (uint32_t[]){ 0xc4000003 }, 1);
	want_cells("/psci", "cpu_off", (uint32_t[]){ 0x84000002 }, 1);
}

static void test_chosen(void **state)
{
	struct virt_fdt_params p;
	(void)state;
	params(&p, 1, 2);
	p.initrd_start = 0x48000000;
	p.initrd_end = 0x48100000;
	build(&p);
	want_string("/chosen", "bootargs", "console=ttyAMA0 root=/dev/vda");
	want_cells("/chosen", "linux,initrd-start", (uint32_t[]){ 0, 0x48000000 }, 2);
	want_cells("/chosen", "linux,initrd-end", (uint32_t[]){ 0, 0x48100000 }, 2);
	p.bootargs = NULL;
	p.initrd_end = 0;
	build(&p);
	node("/chosen");
	assert_null(fdt_getprop(blob, node("/chosen"), "bootargs", NULL));
	assert_null(fdt_getprop(blob, node("/chosen"), "linux,initrd-start", NULL));
}

static void test_bad_descriptions(void **state)
{
	struct virt_fdt_params p;
	char err[256];
	(void)state;
	params(&p, 2, 4);
	assert_int_equal(virt_fdt_build(&p, blob, sizeof(blob), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "GICv4"));
	params(&p, 0, 2);
	assert_int_equal(virt_fdt_build(&p, blob, sizeof(blob), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "0 cpus"));
	params(&p, 2, 2);
	/* too small: libfdt's reason and what was being added */
	assert_int_equal(virt_fdt_build(&p, blob, 256, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "FDT_ERR_NOSPACE"));
}

static void test_from_config(void **state)
{
	struct vmm_config cfg;
	struct virt_fdt_params p;
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.smp = 3;
	cfg.ram_size = 512ULL << 20;
	cfg.append = "quiet";
	virt_fdt_params_from_config(&cfg, &p);
	assert_int_equal(p.ncpus, 3);
	assert_int_equal(p.mpidr[2], 2);
	assert_int_equal(p.ram_base, 0x40000000);
	assert_int_equal(p.ram_size, 512ULL << 20);
	assert_int_equal(p.gic_version, 2); /* QEMU's choice without KVM to ask */
	assert_true(p.pmu);
	assert_string_equal(p.bootargs, "quiet");
	cfg.pmu = PMU_OFF;
	cfg.gic_version = 3;
	virt_fdt_params_from_config(&cfg, &p);
	assert_false(p.pmu);
	assert_int_equal(p.gic_version, 3);
}

static void test_dump_dtb_writes_and_fails_clearly(void **state)
{
	struct vmm_config cfg;
	char path[] = "/tmp/test-arm64-fdt.XXXXXX";
	(void)state;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.smp = 2;
	cfg.ram_size = 256ULL << 20;
	snprintf(cfg.dumpdtb, sizeof(cfg.dumpdtb), "%s", path);
	assert_int_equal(virt_dump_dtb(&cfg), 0);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	unlink(path);
	assert_int_equal(fdt_check_header(blob), 0);
	assert_int_equal(n, fdt_totalsize(blob));
	want_cells("/pmu", "interrupts", (uint32_t[]){ 1, 7, 0x304 }, 3);
	snprintf(cfg.dumpdtb, sizeof(cfg.dumpdtb), "/nonexistent-dir/x.dtb");
	assert_int_equal(virt_dump_dtb(&cfg), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_and_memory),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_single_cpu_has_no_enable_method),
		cmocka_unit_test(test_pmu_node_gicv2_has_cpu_mask),
		cmocka_unit_test(test_pmu_node_gicv3_plain_level),
		cmocka_unit_test(test_no_pmu_node_without_pmu),
		cmocka_unit_test(test_gic_nodes),
		cmocka_unit_test(test_timer_and_psci),
		cmocka_unit_test(test_chosen),
		cmocka_unit_test(test_bad_descriptions),
		cmocka_unit_test(test_from_config),
		cmocka_unit_test(test_dump_dtb_writes_and_fails_clearly),
	};
	return tap_run_group("arm64-fdt", tests, NULL, NULL);
}
