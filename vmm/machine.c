/* Generic machine set-up: /dev/kvm, the VM, guest RAM, vCPUs, the images. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpus.h"
#include "error.h"
#include "machine.h"
#include "teardown.h"
#include "trace.h"

#ifdef __aarch64__
/* arm64 virt: RAM in one piece from 1 GiB; flash, GIC and devices sit below */
#define RAM_BASE 0x40000000ULL
#define LOW_RAM_MAX (1ULL << 46)
#else
#define RAM_BASE 0
/* RAM above this goes above 4 GiB, leaving a hole for devices, as on a PC */
#define LOW_RAM_MAX 0xc0000000ULL
#endif
#define HIGH_RAM_BASE 0x100000000ULL

struct machine *current_machine;

void *guest_ptr(struct machine *m, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < m->nr_banks; i++) {
		const struct memory_bank *b = &m->banks[i];
		if (gpa >= b->gpa && len <= b->size && gpa - b->gpa <= b->size - len)
			return b->host + (gpa - b->gpa);
	}
	return NULL;
}

static int read_file(const char *path, uint8_t **data, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		error_report("could not load '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*size = (size_t)st.st_size;
	*data = malloc(*size ? *size : 1);
	size_t got = 0;
	while (*data && got < *size) {
		ssize_t n = read(fd, *data + got, *size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!*data || got != *size) {
		error_report("could not read '%s'", path);
		free(*data);
		*data = NULL;
		return -1;
	}
	return 0;
}

static int create_memory(struct machine *m)
{
	uint64_t low = m->ram_size < LOW_RAM_MAX ? m->ram_size : LOW_RAM_MAX;

	m->ram = mmap(NULL, m->ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->ram == MAP_FAILED) {
		m->ram = NULL;
		error_report("cannot set up guest memory 'pc.ram': %s", strerror(errno));
		return -1;
	}
	madvise(m->ram, m->ram_size, MADV_MERGEABLE);
	/* as QEMU under KVM: a fork (teardown.h) copies none of it */
	madvise(m->ram, m->ram_size, MADV_DONTFORK);
	m->banks[0] = (struct memory_bank){ RAM_BASE, low, m->ram };
	m->nr_banks = 1;
	if (m->ram_size > low)
		m->banks[m->nr_banks++] =
			(struct memory_bank){ HIGH_RAM_BASE, m->ram_size - low, m->ram + low };
	for (int i = 0; i < m->nr_banks; i++) {
		struct kvm_userspace_memory_region region = {
			.slot = (uint32_t)i,
			.guest_phys_addr = m->banks[i].gpa,
			.memory_size = m->banks[i].size,
			.userspace_addr = (uint64_t)(uintptr_t)m->banks[i].host,
		};
		if (kvm_ioctl(&m->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
			error_report("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int create_vcpus(struct machine *m)
{
	int mmap_size = kvm_ioctl(&m->sys, KVM_GET_VCPU_MMAP_SIZE, NULL);

	if (mmap_size < (int)sizeof(struct kvm_run)) {
		error_report("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < m->nr_vcpus; i++) {
		struct vcpu *v = &m->vcpus[i];
		v->index = i;
		v->fd = (struct kvm_fd){ -1, KVM_FD_VCPU, i };
		int fd = kvm_ioctl_int(&m->vm, KVM_CREATE_VCPU, (unsigned long)i);
		if (fd < 0) {
			error_report("kvm_init_vcpu: kvm_get_vcpu failed (%d): %s", i,
				     strerror(errno));
			return -1;
		}
		v->fd.fd = fd;
		v->run_size = (size_t)mmap_size;
		v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			error_report("mmap of kvm_run for cpu %d: %s", i, strerror(errno));
			return -1;
		}
		trace_kvm_init_vcpu(i, (uint64_t)i);
		if (arch_vcpu_init(m, v) < 0)
			return -1;
	}
	return 0;
}

int machine_create(struct machine *m, const struct vmm_config *cfg)
{
	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	m->ram_size = cfg->ram_size;
	m->nr_vcpus = cfg->smp;
	m->sys = (struct kvm_fd){ -1, KVM_FD_SYSTEM, -1 };
	m->vm = (struct kvm_fd){ -1, KVM_FD_VM, -1 };
	for (int i = 0; i < VMM_MAX_VCPUS; i++)
		m->vcpus[i].fd.fd = -1;
	current_machine = m;

	const char *image = cfg->loader_file ? cfg->loader_file : cfg->kernel;
	if (!image) {
		error_report("no guest image: use -kernel FILE (multiboot ELF, Linux bzImage or "
			     "flat binary) or -device loader,file=FILE,addr=ADDR");
		return -1;
	}
	if (read_file(image, &m->image, &m->image_size) < 0 ||
	    (cfg->initrd && read_file(cfg->initrd, &m->initrd, &m->initrd_size) < 0))
		return -1;

	m->sys.fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (m->sys.fd < 0) {
		error_report("Could not access KVM kernel module: %s", strerror(errno));
		error_report("failed to initialize kvm: %s", strerror(errno));
		return -1;
	}
	int version = kvm_ioctl(&m->sys, KVM_GET_API_VERSION, NULL);
	if (version != KVM_API_VERSION) {
		error_report("kvm version not supported (%d, expected %d)", version,
			     KVM_API_VERSION);
		return -1;
	}
	if (kvm_ioctl_int(&m->sys, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0) {
		error_report("kvm: KVM_CAP_IMMEDIATE_EXIT is required");
		return -1;
	}
	m->vm.fd = kvm_ioctl_int(&m->sys, KVM_CREATE_VM, 0);
	if (m->vm.fd < 0) {
		error_report("ioctl(KVM_CREATE_VM) failed: %d %s", errno, strerror(errno));
		return -1;
	}
	if (create_memory(m) < 0 || arch_machine_init(m) < 0 || create_vcpus(m) < 0)
		return -1;
	int fds[2 + VMM_MAX_VCPUS], n = 0;
	fds[n++] = m->sys.fd;
	fds[n++] = m->vm.fd;
	for (int i = 0; i < m->nr_vcpus && i < VMM_MAX_VCPUS; i++)
		fds[n++] = m->vcpus[i].fd.fd;
	teardown_register(fds, n);
	return 0;
}

void machine_destroy(struct machine *m)
{
	vcpus_stop_threads(m);
	/* the kernel's teardown of the VM then runs after our exit, not in it */
	teardown_hand_off();
	arch_machine_destroy(m);
	for (int i = 0; i < m->nr_vcpus; i++) {
		struct vcpu *v = &m->vcpus[i];
		if (v->run)
			munmap(v->run, v->run_size);
		if (v->fd.fd >= 0)
			close(v->fd.fd);
		free(v->arch);
		v->arch = NULL;
	}
	if (m->ram)
		munmap(m->ram, m->ram_size);
	if (m->vm.fd >= 0)
		close(m->vm.fd);
	if (m->sys.fd >= 0)
		close(m->sys.fd);
	free(m->image);
	free(m->initrd);
	if (current_machine == m)
		current_machine = NULL;
}

void machine_reset(enum shutdown_cause reason)
{
	struct machine *m = current_machine;

	(void)reason;
	arch_machine_reset(m);
	/* the image is loaded again; RAM outside it keeps its contents */
	if (arch_load_image(m) < 0)
		qemu_system_vmstop_request(RUN_STATE_INTERNAL_ERROR);
	vcpus_request_reset();
}

void machine_powerdown(void)
{
	arch_machine_powerdown(current_machine);
}
