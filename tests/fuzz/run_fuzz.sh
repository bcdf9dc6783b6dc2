#!/usr/bin/env bash
# Builds the protocol libFuzzer target with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, then fuzzes the decoder and envelope verifier
# for a bounded time, starting from the seed corpus. Exits non-zero on a crash
# (libFuzzer writes the input to build-fuzz/crash-*).
#
# Usage: tests/fuzz/run_fuzz.sh [SECONDS]     (default 30)
# PACTUM_FUZZ_BUILD_DIR overrides the build directory (default build-fuzz).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-30}
build="$root/${PACTUM_FUZZ_BUILD_DIR:-build-fuzz}"

if ! command -v clang++ > /dev/null; then
  echo "run_fuzz.sh: clang++ not found" >&2
  exit 1
fi
if [[ ! -f "$build/build.ninja" ]]; then
  # fuzzer-no-link instruments every library for coverage feedback; only the
  # fuzz target itself links libFuzzer's main.
  CXX=clang++ meson setup "$build" "$root" -Dfuzz=true \
    -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args=-fsanitize=fuzzer-no-link
fi
ninja -C "$build" tests/fuzz/protocol_fuzz

# A scratch copy of the corpus: libFuzzer adds the inputs it finds, and the
# checked-in seeds stay as they are.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root"/tests/fuzz/corpus/* "$work"/

cd "$build"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
ASAN_OPTIONS=abort_on_error=1 \
  ./tests/fuzz/protocol_fuzz -max_total_time="$seconds" -max_len=8192 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work"
echo "run_fuzz.sh: no crash in ${seconds}s"
