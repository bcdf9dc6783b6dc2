#!/usr/bin/env bash
# Builds the protocol libFuzzer target with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, then fuzzes the decoder and envelope verifier
# for a bounded time, starting from the seed corpus. Exits non-zero on a crash
# (libFuzzer writes the input to build-fuzz/crash-*).
#
# Then runs each target of targets.h (frame, config, policy, evidence,
# agent_api) for the same time through fuzz_one.sh.
#
# Usage: tests/fuzz/run_fuzz.sh [SECONDS] [TARGET...]   (default 30 s, all)
#   TARGET: protocol or one of the targets.h names.
# PACTUM_FUZZ_BUILD_DIR overrides the build directory (default build-fuzz).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-30}
shift || true
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(protocol frame config policy evidence agent_api)
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
for t in "${targets[@]}"; do
  ninja -C "$build" "tests/fuzz/${t}_fuzz"
done

cd "$build"
for t in "${targets[@]}"; do
  if [[ $t == protocol ]]; then
    # A scratch copy of the corpus (its files only; the folders hold the
    # other targets' corpora): libFuzzer adds the inputs it finds, and the
    # checked-in seeds stay as they are.
    work=$(mktemp -d)
    find "$root"/tests/fuzz/corpus -maxdepth 1 -type f -exec cp {} "$work"/ \;
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ASAN_OPTIONS=abort_on_error=1 \
      ./tests/fuzz/protocol_fuzz -max_total_time="$seconds" -max_len=8192 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work"
    rm -rf "$work"
  else
    "$root"/tests/fuzz/fuzz_one.sh "./tests/fuzz/${t}_fuzz" "$root/tests/fuzz/corpus/$t" "$seconds"
  fi
  echo "run_fuzz.sh: $t: no crash in ${seconds}s"
done
