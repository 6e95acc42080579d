/*
 * bare-kvm - the floor a VMM can reach: /dev/kvm, one VM, one memory slot,
 * one vCPU in real mode, and a KVM_RUN loop that knows three ports.
 *
 *   bare-kvm [-k FLAT.bin] [-i] [-p] [-S] [-C] [-H] [-s]
 *
 * Without -k it runs its own blob: `out 0x3f8, al` of one byte, then a
 * write to isa-debug-exit (0xf4). With -k it runs a flat binary the way
 * kvmscope-vmm does: loaded at 0x10000, CS=0x1000, IP=0, SP=0xfffe, so the
 * two run the very same guest.
 *
 *   out 0x3f8        the byte goes to stdout with write(2), unbuffered
 *   in  0x3fd (LSR)  transmitter empty (0x60), so polling guests go on
 *   out 0xf4, V      exit status (V << 1) | 1, as QEMU's isa-debug-exit
 *   out 0x604 with SLP_EN (0x2000)   exit status 0 (ACPI power-off)
 *   hlt              exit status 0
 * Other port writes are dropped, reads give all ones: they still cost an
 * exit to this loop, which is the point of the per-exit benchmark.
 *
 *   -i   also create the in-kernel irqchip (PIC, IOAPIC, LAPIC), as
 *        kvmscope-vmm does
 *   -p   and the in-kernel PIT (implies -i), as kvmscope-vmm does
 *   -S   the split irqchip instead (LAPIC in the kernel, PIC/IOAPIC not
 *        created), as QEMU microvm
 *   -C   close the vCPU and VM fds (the kernel's VM teardown) before exit
 *   -H   hand the fds to a child at exit, which closes them after the
 *        parent has gone: the teardown leaves the path to waitpid()
 *   -s   print exits and the time spent from the first KVM_RUN to the
 *        power-off write on stderr
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE (1u << 20) /* real mode needs no more */
#define LOAD_ADDR 0x10000u

/* mov al,'K'; mov dx,0x3f8; out dx,al; xor al,al; out 0xf4,al; hlt */
static const uint8_t builtin_blob[] = {
	0xb0, 'K', 0xba, 0xf8, 0x03, 0xee, 0x30, 0xc0, 0xe6, 0xf4, 0xf4,
};

static int stats, close_first, hand_off;
static int vm_fd = -1, vcpu_fd = -1, kvm_fd = -1;
static uint64_t exits;
static struct timespec run_start;

static void die(const char *what)
{
	fprintf(stderr, "bare-kvm: %s: %s\n", what, strerror(errno));
	exit(125);
}

static void finish(int status)
{
	if (stats) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		double us = (double)(t.tv_sec - run_start.tv_sec) * 1e6 +
			    (double)(t.tv_nsec - run_start.tv_nsec) / 1e3;
		fprintf(stderr, "bare-kvm: exits=%llu run_us=%.1f us_per_exit=%.3f\n",
			(unsigned long long)exits, us, exits ? us / (double)exits : 0.0);
	}
	if (close_first) {
		close(vcpu_fd);
		close(vm_fd);
		close(kvm_fd);
	}
	int gone[2];
	if (hand_off && pipe(gone) == 0 && fork() == 0) {
		/* the child holds the last references until the parent is gone
		 * (EOF on the pipe); then its exit tears the VM down */
		char c;
		int null = open("/dev/null", O_RDWR);
		close(gone[1]);
		/* not the parent's stdout: a reader waits for its EOF */
		for (int fd = 0; fd < 3 && null >= 0; fd++)
			dup2(null, fd);
		setsid();
		while (read(gone[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	exit(status);
}

static size_t load_file(const char *path, uint8_t *dst, size_t room)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	if ((size_t)st.st_size > room) {
		fprintf(stderr, "bare-kvm: %s: %lld bytes do not fit below 1 MiB\n", path,
			(long long)st.st_size);
		exit(125);
	}
	size_t done = 0;
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, dst + done, (size_t)st.st_size - done);
		if (n <= 0)
			die(path);
		done += (size_t)n;
	}
	close(fd);
	return done;
}

static void port_io(struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint16_t port = run->io.port;

	if (run->io.direction == KVM_EXIT_IO_IN) {
		memset(data, 0xff, (size_t)run->io.size * run->io.count);
		if (port == 0x3fd)
			memset(data, 0x60, (size_t)run->io.size * run->io.count);
		return;
	}
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		if (port == 0x3f8) {
			if (write(1, data, 1) < 0 && errno != EPIPE)
				die("write");
		} else if (port == 0xf4) {
			finish((data[0] << 1) | 1);
		} else if (port == 0x604 && run->io.size >= 2 && (data[1] & 0x20)) {
			finish(0);
		}
	}
}

int main(int argc, char **argv)
{
	const char *kernel = NULL;
	int irqchip = 0, pit = 0, split = 0, opt;

	while ((opt = getopt(argc, argv, "k:ipsSCH")) != -1) {
		switch (opt) {
		case 'k':
			kernel = optarg;
			break;
		case 'i':
			irqchip = 1;
			break;
		case 'p':
			irqchip = pit = 1;
			break;
		case 's':
			stats = 1;
			break;
		case 'S':
			split = 1;
			break;
		case 'C':
			close_first = 1;
			break;
		case 'H':
			hand_off = 1;
			break;
		default:
			fprintf(stderr, "usage: bare-kvm [-k FLAT.bin] [-i] [-p] [-S] [-C] [-H] [-s]\n");
			return 2;
		}
	}

	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");

	uint8_t *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	if (kernel)
		load_file(kernel, mem + LOAD_ADDR, MEM_SIZE - LOAD_ADDR);
	else
		memcpy(mem + LOAD_ADDR, builtin_blob, sizeof(builtin_blob));

	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = MEM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	if (irqchip) {
		if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
			die("KVM_SET_TSS_ADDR");
		if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
			die("KVM_CREATE_IRQCHIP");
	}
	if (split) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };
		if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
			die("KVM_SET_TSS_ADDR");
		if (ioctl(vm, KVM_ENABLE_CAP, &cap) < 0)
			die("KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)");
	}
	if (pit) {
		struct kvm_pit_config cfg = { .flags = KVM_PIT_SPEAKER_DUMMY };
		if (ioctl(vm, KVM_CREATE_PIT2, &cfg) < 0)
			die("KVM_CREATE_PIT2");
	}

	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	kvm_fd = kvm;
	vm_fd = vm;
	vcpu_fd = vcpu;
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
				   vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	struct kvm_sregs sregs;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	struct kvm_segment *segs[] = { &sregs.cs, &sregs.ds, &sregs.es,
				       &sregs.fs, &sregs.gs, &sregs.ss };
	for (unsigned i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		segs[i]->selector = LOAD_ADDR >> 4;
		segs[i]->base = LOAD_ADDR;
	}
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");
	struct kvm_regs regs = { .rip = 0, .rsp = 0xfffe, .rflags = 0x2 };
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");

	clock_gettime(CLOCK_MONOTONIC, &run_start);
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN");
		}
		exits++;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			port_io(run);
			break;
		case KVM_EXIT_HLT:
			finish(0);
			break;
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			break;
		case KVM_EXIT_INTR:
			break;
		default:
			fprintf(stderr, "bare-kvm: unexpected exit reason %u\n", run->exit_reason);
			return 125;
		}
	}
}
