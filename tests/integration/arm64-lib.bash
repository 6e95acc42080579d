# Helpers for the arm64 tests (sourced after tests/lib.sh): the board is
# cross-built into ARM_BUILD, beside BUILD, and run under qemu-user.
# shellcheck shell=bash
CROSS=aarch64-linux-gnu-gcc
ARM_BUILD=${ARM64_BUILD:-$(dirname "$BUILD")/$(basename "$BUILD" | sed 's/-x86pmu$//')-arm64}

# arm64_make [TARGET...]: the cross build into ARM_BUILD, its output in
# $T_TMP/make.log; make's status. make's dependency files name objects by the
# BUILD it was given: pass the same (relative) spelling as a manual
# `make BUILD=build-arm64`.
arm64_make() {
	make -C "$ROOT" -j2 ARCH=aarch64 CC=$CROSS BUILD="$(realpath -m --relative-to="$ROOT" "$ARM_BUILD")" \
		"$@" >"$T_TMP/make.log" 2>&1
}
