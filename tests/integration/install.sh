#!/bin/bash
# make install / make uninstall: into a fresh PREFIX, exactly the files the
# manifest lists (FHS: bin, share/kvmscope, share/man/man1,
# share/bash-completion); --version of each installed binary from VERSION;
# the installed scripts run from the prefix alone (the seed incident, with
# PATH and the working directory away from the tree); the installed kvmscope
# records the kvmscope-vmm installed beside it; the installed completion
# completes; uninstall removes exactly what was installed.
. "$(dirname "$0")/../lib.sh"
VERSION=$(cat "$ROOT/VERSION")
P=$T_TMP/prefix
# make with the build dir as the tree names it (absolute names are other targets)
MAKE_BUILD=${BUILD#"$ROOT"/}
if ! command -v scdoc >/dev/null; then skip "install: scdoc missing (scripts/install-deps.sh)"; exit 0; fi

make -s --no-print-directory -C "$ROOT" BUILD="$MAKE_BUILD" PREFIX="$P" install >"$T_TMP/install.out" 2>&1
expect_eq "make install PREFIX=... succeeds" "$?" 0
MANIFEST=$P/share/kvmscope/installed-files
check "the manifest is installed" test -s "$MANIFEST"

# ---- exactly what the manifest lists, each in its FHS place ----
(cd / && find "$P" -type f -o -type l) | sort >"$T_TMP/found"
sed "s|^|$P|" "$MANIFEST" | sed "s|^$P$P|$P|" | sort >"$T_TMP/listed"
if cmp -s "$T_TMP/found" "$T_TMP/listed"; then
	ok "every installed file is in the manifest and every listed file installed ($(wc -l <"$T_TMP/found"))"
else
	not_ok "the manifest and the installed files differ"
	diff "$T_TMP/listed" "$T_TMP/found" | diag
fi
for f in bin/kvmscope bin/kvmscope-vmm bin/kvmscope-domain bin/kvmscope-repro-cpus-not-resettable \
	bin/kvmscope-repro-pmu-set-attr bin/kvmscope-demo share/kvmscope/guests/agent.elf \
	share/kvmscope/guests/hello.elf share/kvmscope/fixtures/seed-003-pmu-on.log \
	share/man/man1/kvmscope.1 share/man/man1/kvmscope-vmm.1 share/man/man1/kvmscope-domain.1 \
	share/bash-completion/completions/kvmscope share/bash-completion/completions/kvmscope-vmm; do
	[ -e "$P/$f" ] || echo "$f"
done >"$T_TMP/missing"
if [ ! -s "$T_TMP/missing" ]; then ok "binaries, commands, guests, fixtures, man pages, completion in place"
else not_ok "missing from the install"; diag <"$T_TMP/missing"; fi
if [ -e "$ROOT/scripts/lab.sh" ]; then
	check "scripts/lab.sh installed as kvmscope-lab" test -x "$P/bin/kvmscope-lab"
	# installed, the lab's parts come from share/kvmscope/lab and it shares the
	# directory it is started from: a bad option is refused after they load
	(cd "$T_TMP" && "$P/bin/kvmscope-lab" --arch sparc -- true) >"$T_TMP/lab.out" 2>&1
	expect_eq "kvmscope-lab runs from the prefix (a bad --arch: status 2)" "$?" 2
	check "... its parts installed in share/kvmscope/lab" test -f "$P/share/kvmscope/lab/kernels.sh"
fi
if grep -l "$ROOT" "$P"/bin/kvmscope-repro-* "$P"/bin/kvmscope-demo >"$T_TMP/tree-refs"; then
	not_ok "an installed script names the source tree"; diag <"$T_TMP/tree-refs"
else
	ok "no installed script names the source tree"
fi

# ---- --version, from VERSION and lib/format-version.h ----
fmt_major=$(sed -n 's/^#define CAPTURE_FORMAT_MAJOR \([0-9]*\).*/\1/p' "$ROOT/lib/format-version.h")
fmt_minor=$(sed -n 's/^#define CAPTURE_FORMAT_MINOR \([0-9]*\).*/\1/p' "$ROOT/lib/format-version.h")
for b in kvmscope kvmscope-vmm kvmscope-domain; do
	"$P/bin/$b" --version >"$T_TMP/$b.version" 2>&1
	expect_eq "$b --version: project version, QEMU 7.2 semantics, capture format" \
		"$(cat "$T_TMP/$b.version")" \
		"$b version $VERSION (QEMU-compatible run-state semantics of 7.2)
capture format version $fmt_major.$fmt_minor"
done
expect_eq "kvmscope-vmm -version, as QEMU spells it" "$("$P/bin/kvmscope-vmm" -version | head -1)" \
	"kvmscope-vmm version $VERSION (QEMU-compatible run-state semantics of 7.2)"
if command -v dpkg-parsechangelog >/dev/null && [ -f "$ROOT/debian/changelog" ]; then
	expect_eq "debian/changelog's upstream version is VERSION" \
		"$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version | sed 's/-[^-]*$//')" "$VERSION"
fi

# ---- the installed completion ----
compl() { # compl WORDS...: what the installed completion offers for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		case $1 in kvmscope) _kvmscope ;; kvmscope-vmm) _kvmscope_vmm ;; *) _kvmscope_domain ;; esac
		printf "%s\n" "${COMPREPLY[@]}"' _ "$P/share/bash-completion/completions/kvmscope" "$@" |
		sort | tr '\n' ' '
}
export PATH="$P/bin:$PATH"
expect_eq "completion: kvmscope di<TAB>" "$(compl kvmscope di)" "diagnose "
expect_eq "completion: kvmscope ci --no-<TAB> (from ci --help)" "$(compl kvmscope ci --no-)" \
	"--no-ftrace --no-record "
expect_eq "completion: kvmscope diagnose --rule cpus<TAB> (from --list-rules)" \
	"$(compl kvmscope diagnose --rule cpus)" "cpus-not-resettable "
expect_eq "completion: kvmscope-vmm -no-<TAB> (from kvmscope-vmm --help)" "$(compl kvmscope-vmm -no-)" \
	"-no-reboot -no-shutdown -no-user-config "
expect_eq "completion: kvmscope-domain re<TAB>" "$(compl kvmscope-domain re)" "reboot "

# ---- the installed commands run from the prefix alone ----
if ! have_kvm; then
	skip "installed repro and record: /dev/kvm not usable"
else
	(cd / && env -i PATH="$P/bin:/usr/bin:/bin" timeout -s KILL 120 \
		kvmscope-repro-cpus-not-resettable --agent-timeout 0.5 --powerdown-timeout 0.5 \
		>"$T_TMP/repro.out" 2>&1)
	expect_eq "installed kvmscope-repro-cpus-not-resettable succeeds" "$?" 0
	expect_grep "... every milestone of the seed, in order" "$T_TMP/repro.out" \
		'^repro: the seed incident reproduced, every milestone in order$'
	if [ "$(id -u)" != 0 ]; then
		skip "installed kvmscope ci records the installed VMM: needs root (BPF)"
	else
		ulimit -l unlimited 2>/dev/null
		# the command (sh) has no probes: record --follow takes the VMM beside kvmscope
		(cd "$T_TMP" && env -i PATH="$P/bin:/usr/bin:/bin" timeout -s KILL 120 kvmscope ci --no-ftrace \
			--out "$T_TMP/ci" -- sh -c 'kvmscope-vmm -kernel "$0" -serial null' \
			"$P/share/kvmscope/guests/hello.elf" >"$T_TMP/ci.out" 2>&1)
		expect_eq "installed kvmscope ci of an installed VMM run: its status" "$?" 0
		"$P/bin/kvmscope" report --format json "$T_TMP/ci/kvmscope.capture" 2>/dev/null |
			jq -r 'select(.kind == "probe") | .name' 2>/dev/null | sort -u >"$T_TMP/probes"
		# the probe binary, as the capture names it, is the installed one
		if grep -qx runstate_set "$T_TMP/probes" &&
		   strings "$T_TMP/ci/kvmscope.capture" | grep -qx "$P/bin/kvmscope-vmm"; then
			ok "... the capture holds the installed kvmscope-vmm's probes ($(wc -l <"$T_TMP/probes") kinds)"
		else
			not_ok "... no probe of the installed VMM in the capture"
			head -5 "$T_TMP/ci.out" | diag
		fi
	fi
fi

# ---- uninstall: exactly what was installed ----
echo keep >"$P/bin/not-ours"
make -s --no-print-directory -C "$ROOT" BUILD="$MAKE_BUILD" PREFIX="$P" uninstall >"$T_TMP/uninstall.out" 2>&1
expect_eq "make uninstall succeeds" "$?" 0
(cd / && find "$P" -type f -o -type l) >"$T_TMP/left"
expect_eq "uninstall removes every installed file and nothing else" "$(cat "$T_TMP/left")" "$P/bin/not-ours"
check "... and share/kvmscope" test ! -e "$P/share/kvmscope"
make -s --no-print-directory -C "$ROOT" BUILD="$MAKE_BUILD" PREFIX="$P" uninstall >"$T_TMP/again.out" 2>&1
expect_eq "uninstall with nothing installed: an error" "$?" 2
expect_grep "... that says so" "$T_TMP/again.out" "nothing was installed at PREFIX=$P"
