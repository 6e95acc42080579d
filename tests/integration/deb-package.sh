#!/bin/bash
# The Debian package: dpkg-buildpackage -us -uc -b in a copy of the tree
# (under BUILD/deb, so the tree stays as it is), Depends from dpkg-shlibdeps,
# lintian without errors; then the .debs installed with dpkg -i into a fresh
# Debian root made by mmdebstrap (cached in BUILD/deb as a tarball keyed on
# the package list), and from the INSTALLED paths inside it (/dev, /proc,
# /sys bound in): --version, the seed incident (kvmscope-repro-cpus-not-
# resettable), a `kvmscope ci` wrap of a VMM run, diagnose of a shipped fixture.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/chroot-lib.bash"
VERSION=$(cat "$ROOT/VERSION")
DEB=$BUILD/deb
SUITE=${DEB_TEST_SUITE:-bookworm}

for t in dpkg-buildpackage lintian mmdebstrap; do
	if ! command -v $t >/dev/null; then skip "deb package: $t missing (scripts/install-deps.sh installs it)"; exit 0; fi
done
if [ "$(id -u)" != 0 ]; then skip "deb package: needs root (mmdebstrap, chroot, mounts)"; exit 0; fi

# ---- build, in a copy ----
rm -rf "$DEB/src" "$DEB"/*.deb "$DEB"/*.changes "$DEB"/*.buildinfo
mkdir -p "$DEB/src"
tar -C "$ROOT" --exclude=./.git --exclude=./build --exclude='./build-*' -cf - . | tar -C "$DEB/src" -xf -
# not the calling make's flags and variables (make asan's SAN_FLAGS, its jobserver)
(cd "$DEB/src" && unset MAKEFLAGS MFLAGS MAKELEVEL && dpkg-buildpackage -us -uc -b -j2 >"$DEB/build.log" 2>&1)
expect_eq "dpkg-buildpackage -us -uc -b succeeds (log: $DEB/build.log)" "$?" 0
debs=()
for p in kvmscope kvmscope-vmm kvmscope-guests; do
	f=$DEB/${p}_${VERSION}_amd64.deb
	if [ -f "$f" ]; then debs+=("$f"); else not_ok "$p package missing: $f"; fi
done
if [ ${#debs[@]} -ne 3 ]; then tail -20 "$DEB/build.log" | diag; exit 0; fi
ok "packages kvmscope, kvmscope-vmm, kvmscope-guests $VERSION built"
expect_grep "kvmscope Depends from dpkg-shlibdeps (libbpf1, libtracefs1, ...)" \
	<(dpkg-deb -f "$DEB/kvmscope_${VERSION}_amd64.deb" Depends | tr ',' '\n') '^ ?libbpf1 .*'
expect_grep "kvmscope-vmm Depends from dpkg-shlibdeps (libfdt1)" \
	<(dpkg-deb -f "$DEB/kvmscope-vmm_${VERSION}_amd64.deb" Depends | tr ',' '\n') '^ ?libfdt1 '
lintian --profile debian "$DEB/kvmscope_${VERSION}_amd64.changes" >"$DEB/lintian.txt" 2>&1
if grep -q '^E:' "$DEB/lintian.txt"; then
	not_ok "lintian: errors"; grep '^E:' "$DEB/lintian.txt" | diag
else
	ok "lintian: no error ($(grep -c '^W:' "$DEB/lintian.txt") warnings, in $DEB/lintian.txt)"
fi

# ---- a fresh root with the packages' dependencies, cached by their list ----
deps=$(for f in "${debs[@]}"; do dpkg-deb -f "$f" Depends; done | tr ',' '\n' |
	sed -E 's/\(.*\)//; s/^ *//; s/ *$//; s/ *\|.*//' | grep -vE '^(kvmscope.*|)$' | sort -u | paste -sd,)
if ! TARBALL=$(fresh_root_tarball "$DEB" "$SUITE" "$deps"); then
	not_ok "mmdebstrap $SUITE with $deps"; echo "$TARBALL" | diag; exit 0
fi
ok "a fresh $SUITE root with the packages' dependencies ($deps)"
R=$DEB/root
if ! unpack_root "$TARBALL" "$R"; then not_ok "unpacking $TARBALL into $R"; exit 0; fi
cp "${debs[@]}" "$R/tmp/"
chroot "$R" sh -c 'dpkg -i /tmp/*.deb' >"$T_TMP/dpkg.out" 2>&1
expect_eq "dpkg -i of the three packages in the fresh root" "$?" 0
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
expect_eq "installed: kvmscope --version" "$(in_root kvmscope --version | head -1)" \
	"kvmscope version $VERSION (QEMU-compatible run-state semantics of 7.2)"
expect_eq "installed: the man pages and completion are where man and bash look" \
	"$(in_root ls /usr/share/man/man1/kvmscope.1.gz /usr/share/bash-completion/completions/kvmscope 2>&1 | wc -l)" 2

in_root kvmscope diagnose --format json /usr/share/kvmscope/fixtures/seed-003-pmu-on.log >"$T_TMP/diag.json"
expect_eq "installed: diagnose of a shipped fixture finds pmu-set-attr" \
	"$(jq -r '[.findings[].rule] | unique | join(" ")' "$T_TMP/diag.json" 2>&1)" "pmu-set-attr"
if ! have_kvm; then
	skip "installed demo and ci wrap: /dev/kvm not usable"
	exit 0
fi
timeout -s KILL 180 chroot "$R" env -i PATH=/usr/bin:/bin HOME=/root \
	kvmscope-repro-cpus-not-resettable --agent-timeout 0.5 --powerdown-timeout 0.5 >"$T_TMP/repro.out" 2>&1
expect_eq "installed: kvmscope-repro-cpus-not-resettable succeeds" "$?" 0
expect_grep "... every milestone of the seed, in order" "$T_TMP/repro.out" \
	'^repro: the seed incident reproduced, every milestone in order$'
ulimit -l unlimited 2>/dev/null
timeout -s KILL 180 chroot "$R" env -i PATH=/usr/bin:/bin HOME=/root sh -c 'cd /tmp &&
	kvmscope ci --out /tmp/ci -- kvmscope-vmm -kernel /usr/share/kvmscope/guests/reboot.elf \
		-append "count=1 method=cf9" -serial null' >"$T_TMP/ci.out" 2>&1
expect_eq "installed: kvmscope ci -- kvmscope-vmm ... passes the status through" "$?" 0
for a in kvmscope.capture junit.xml report.txt diagnosis.json timeline.html ci.json; do
	[ -s "$R/tmp/ci/$a" ] || echo "$a"
done >"$T_TMP/ci.missing"
expect_eq "... and leaves its artifacts" "$(cat "$T_TMP/ci.missing")" ""
expect_grep "... recorded by the collectors (bpf, in a chroot)" \
	<(jq -r .collectors "$R/tmp/ci/ci.json" 2>&1) '^bpf'
expect_grep "... the capture holds the VMM's reset request" \
	<(in_root kvmscope report /tmp/ci/kvmscope.capture) 'qemu_system_reset_request'
