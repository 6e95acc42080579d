#!/bin/bash
# The CI recipes (examples/ci/, docs/ci-recipes.md): valid YAML; each
# `kvmscope ci` line they run is run for real with this build's kvmscope
# (the suite replaced by a small command), and leaves the artifacts and
# junit.xml where the recipe's upload steps look; the packages they install
# cover debian/control's Build-Depends; the make variables they pass exist;
# and the GitHub recipe's install step, run in a fresh Debian root made by
# mmdebstrap with only the packages it names, installs a kvmscope that runs.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/chroot-lib.bash"
KVMSCOPE=$BUILD/kvmscope
EX=$ROOT/examples/ci
if ! python3 -c 'import yaml' 2>/dev/null; then skip "ci recipes: python3-yaml missing (scripts/install-deps.sh)"; exit 0; fi

# recipe FILE: "run LINE" for each shell line, "upload PATH" for each path
# kept, "junit PATH" for the JUnit report, from the parsed YAML
recipe() {
	python3 - "$1" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
def lines(block):
    for l in (block if isinstance(block, list) else [block]):
        for x in str(l).replace("\\\n", " ").splitlines():
            print("run", x.strip())
if "jobs" in doc:  # GitHub Actions
    for job in doc["jobs"].values():
        for step in job["steps"]:
            if "run" in step:
                lines(step["run"])
            w = step.get("with", {})
            if "upload-artifact" in step.get("uses", ""):
                print("upload", w["path"])
            if "report_paths" in w:
                print("junit", w["report_paths"])
else:  # GitLab CI
    for name, job in doc.items():
        if not isinstance(job, dict) or "script" not in job:
            continue
        for key in ("before_script", "script"):
            lines(job.get(key, []))
        for p in job["artifacts"]["paths"]:
            print("upload", p)
        print("junit", job["artifacts"]["reports"]["junit"])
PY
}

build_deps=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$ROOT/debian/control" | sed '1s/^Build-Depends://; $d' |
	tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/^ *//; s/ *$//' | grep -v '^debhelper-compat$' | grep -v '^$')

for f in "$EX"/github-actions.yml "$EX"/gitlab-ci.yml; do
	n=$(basename "$f")
	if ! recipe "$f" >"$T_TMP/$n.txt" 2>"$T_TMP/$n.err"; then
		not_ok "$n: not valid YAML of its CI's shape"; diag <"$T_TMP/$n.err"; continue
	fi
	ok "$n: valid YAML, $(grep -c '^run ' "$T_TMP/$n.txt") shell lines"
	missing=$(for p in $build_deps; do grep '^run .*apt-get install' "$T_TMP/$n.txt" | grep -qw -- "$p" || echo "$p"; done)
	expect_eq "$n: installs every Build-Depends of debian/control" "$missing" ""
	# the make variables the recipe passes are the Makefile's
	mk=$(grep -oE '^run make .*' "$T_TMP/$n.txt")
	bad=$(for v in $(grep -oE '\b[A-Z_]+=' <<<"$mk" | tr -d =); do
		grep -rqE "^$v \?=|\(($v)\)|filter 1,\\\$\($v\)" "$ROOT/Makefile" "$ROOT/dist/install.mk" || echo "$v"; done)
	expect_eq "$n: the make variables it sets exist ($(grep -oE '\b[A-Z_]+=' <<<"$mk" | tr -d = | tr '\n' ' '))" "$bad" ""
	line=$(grep -m1 '^run kvmscope ci ' "$T_TMP/$n.txt" | sed 's/^run //')
	if [ -z "$line" ]; then not_ok "$n: no kvmscope ci line"; continue; fi
	# its options as written, the suite replaced: a real run in a directory of its own
	opts=${line#kvmscope ci }
	opts=${opts%% -- *}
	mkdir -p "$T_TMP/$n.run"
	# shellcheck disable=SC2086
	(cd "$T_TMP/$n.run" && timeout -s KILL 120 "$KVMSCOPE" ci $opts -- sh -c 'echo suite; exit 3' \
		>"$T_TMP/$n.out" 2>&1)
	expect_eq "$n: '$line' runs, the suite's status passes through" "$?" 3
	for p in $(sed -n 's/^upload //p' "$T_TMP/$n.txt"); do
		check "$n: the uploaded path $p is there" test -d "$T_TMP/$n.run/$p"
	done
	j=$(sed -n 's/^junit //p' "$T_TMP/$n.txt")
	if xmllint --noout "$T_TMP/$n.run/$j" 2>"$T_TMP/$n.xml.err"; then
		ok "$n: the JUnit report $j is there and well-formed"
	else
		not_ok "$n: the JUnit report $j"; diag <"$T_TMP/$n.xml.err"
	fi
done
expect_grep "docs/ci-recipes.md points at both recipes" <(grep -oE 'examples/ci/[a-z-]+\.yml' "$ROOT/docs/ci-recipes.md" | sort -u | tr '\n' ' ') \
	'examples/ci/github-actions.yml examples/ci/gitlab-ci.yml'

# ---- the install step in a fresh root: the packages it names are enough ----
if [ "$(id -u)" != 0 ] || ! command -v mmdebstrap >/dev/null; then
	skip "recipe install in a fresh root: needs root and mmdebstrap"; exit 0
fi
apt_line=$(grep -m1 '^run apt-get install' "$T_TMP/github-actions.yml.txt")
make_line=$(grep -m1 '^run make -C /opt/kvmscope-src' "$T_TMP/github-actions.yml.txt" | sed 's/^run //')
pkgs=$(sed 's/^run apt-get install//' <<<"$apt_line" | tr ' ' '\n' | grep -v '^-' | grep -v '^$' | sort -u | paste -sd,)
if [ -z "$pkgs" ] || [ -z "$make_line" ]; then
	not_ok "the GitHub recipe's apt-get install and make lines"; exit 0
fi
DIR=$BUILD/ci-recipes
if ! TARBALL=$(fresh_root_tarball "$DIR" bookworm "$pkgs"); then
	not_ok "mmdebstrap bookworm with the recipe's packages"; echo "$TARBALL" | diag; exit 0
fi
R=$DIR/root
if ! unpack_root "$TARBALL" "$R"; then not_ok "unpacking $TARBALL into $R"; exit 0; fi
# the tree stands in for the recipe's git clone
mkdir -p "$R/opt/kvmscope-src"
tar -C "$ROOT" --exclude=./.git --exclude=./build --exclude='./build-*' -cf - . | tar -C "$R/opt/kvmscope-src" -xf -
timeout -s KILL 1200 chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root sh -c "$make_line" \
	>"$T_TMP/recipe-make.out" 2>&1
if [ $? -eq 0 ]; then
	ok "in a fresh bookworm root with the recipe's packages only: '$make_line'"
else
	not_ok "'$make_line' in a fresh root with the recipe's packages"; tail -15 "$T_TMP/recipe-make.out" | diag
fi
expect_eq "... and the installed kvmscope runs there" \
	"$(chroot "$R" env -i PATH=/usr/local/bin:/usr/bin:/bin kvmscope --version 2>&1 | head -1)" \
	"kvmscope version $(cat "$ROOT/VERSION") (QEMU-compatible run-state semantics of 7.2)"
