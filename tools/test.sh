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
  "$root/tools/setup.sh" build-sanitize -Db_sanitize=address,undefined -Db_lundef=false
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C "$root/build-sanitize" --suite unit --print-errorlogs --num-processes 2
fi

if [[ ${PACTUM_SKIP_SANITIZE:-0} != 1 ]]; then
  "$root/tests/fuzz/run_fuzz.sh" "${PACTUM_FUZZ_SECONDS:-30}"
fi
