#!/bin/sh
# Goal: the settlement core gives the same corpus digest at -O0, at -O2 and,
# when clang++ is installed, built by clang; and that digest is the golden one.
# Usage: determinism.sh CORPUS_O0 CORPUS_O2 SOURCE_ROOT GOLDEN_DIGEST
set -eu
o0=$("$1" 2>/dev/null)
o2=$("$2" 2>/dev/null)
src=$3
golden=$4
echo "gcc -O0: $o0"
echo "gcc -O2: $o2"
status=0
[ "$o0" = "$o2" ] || { echo "FAIL: -O0 and -O2 digests differ"; status=1; }
[ "$o2" = "$golden" ] || { echo "FAIL: digest differs from the golden $golden"; status=1; }
if command -v clang++ >/dev/null 2>&1; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  clang++ -std=c++20 -O2 -Wall -Werror -I"$src" -o "$dir/corpus_clang" \
    "$src"/settlement/*.cc "$src"/tests/settlement/corpus.cc "$src"/tests/settlement/corpus_main.cc -lsodium
  oc=$("$dir/corpus_clang" 2>/dev/null)
  echo "clang -O2: $oc"
  [ "$oc" = "$golden" ] || { echo "FAIL: clang digest differs"; status=1; }
else
  echo "clang++ not installed: skipped"
fi
exit $status
