#!/usr/bin/env bash
# Runs one libFuzzer binary for a bounded time from a copy of its seed corpus
# (libFuzzer adds what it finds to its first corpus folder; the checked-in
# seeds stay as they are). A crash input lands in the current directory as
# crash-*; copy it into tests/fuzz/corpus/<target>/ as a regression input.
# Usage: fuzz_one.sh FUZZ_BINARY CORPUS_DIR SECONDS
set -euo pipefail
binary=$1
corpus=$2
seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
find "$corpus" -maxdepth 1 -type f -exec cp {} "$work"/ \;
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
ASAN_OPTIONS=abort_on_error=1 \
  "$binary" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$work"
