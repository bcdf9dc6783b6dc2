#!/usr/bin/env bash
# The full test suite: set-up and build, every test, then the unit tests again
# under AddressSanitizer and UndefinedBehaviorSanitizer.
# Last, a bounded libFuzzer run of the protocol decoder (clang, ASan+UBSan).
# PACTUM_SKIP_SANITIZE=1 skips the sanitizer and fuzz passes (quick local runs);
# PACTUM_FUZZ_SECONDS sets the fuzzing time (default 30).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

"$root/tools/setup.sh" build
meson test -C "$root/build" --print-errorlogs --num-processes 2

if [[ ${PACTUM_SKIP_SANITIZE:-0} != 1 ]]; then
  # Only what the unit tests run is built with the sanitizers (not the
  # daemon, the CLI or the benchmarks): it halves this pass on two cores.
  PACTUM_CONFIGURE_ONLY=1 "$root/tools/setup.sh" build-sanitize \
    -Db_sanitize=address,undefined -Db_lundef=false
  # Regenerate first if a meson.build changed since the last run, so the
  # introspected list holds every unit test of this tree.
  ninja -C "$root/build-sanitize" build.ninja >/dev/null
  mapfile -t unit_targets < <("$root/tools/unit_test_targets.py" "$root/build-sanitize")
  ninja -C "$root/build-sanitize" -j "${PACTUM_JOBS:-2}" "${unit_targets[@]}" \
    | grep -vE '^\[[0-9]+/[0-9]+\] ' || true
  test "${PIPESTATUS[0]}" -eq 0
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C "$root/build-sanitize" --no-rebuild --suite unit --print-errorlogs --num-processes 2
fi

if [[ ${PACTUM_SKIP_SANITIZE:-0} != 1 ]]; then
  "$root/tests/fuzz/run_fuzz.sh" "${PACTUM_FUZZ_SECONDS:-30}"
fi
