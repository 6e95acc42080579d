/* The kernel's VM teardown, off the VMM's exit path.
 *
 * Dropping the last reference to a VM with the in-kernel irqchip and PIT
 * waits for several SRCU grace periods and for the kvm-pit worker (10-24 ms
 * on the 2-core host), and it runs inside the VMM's own thread group: the
 * VM's kvm-nx-lpage-recovery worker is one of its threads and drops the
 * last reference as it exits. waitpid() on the VMM waits for all of it,
 * though the guest is long gone. So at the end a child takes over: it holds
 * copies of the KVM descriptors until the VMM's whole thread group has
 * exited (its pidfd turns readable), then closes them; the teardown runs in
 * the child, after the VMM was reaped. The child keeps no other descriptor
 * (no pipe or socket a reader waits on) and runs nothing else.
 * KVMSCOPE_VMM_SYNC_TEARDOWN=1 keeps the teardown in the VMM. */
#ifndef VMM_TEARDOWN_H
#define VMM_TEARDOWN_H

/* Names the N KVM descriptors FDS (-1 entries are skipped) to hand over,
 * also when the VMM ends by exit() (isa-debug-exit): an atexit handler
 * hands them over then. */
void teardown_register(const int *fds, int n);

/* Forks the holder of the registered descriptors, once; the caller then
 * closes its own copies as usual. Without pidfd_open or fork nothing
 * happens: the teardown stays in the VMM. */
void teardown_hand_off(void);

#endif
