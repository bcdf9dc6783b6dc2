#!/usr/bin/env bash
# Installs the Debian packages pactum needs (only those missing; apt-get update
# once), configures the build directory and builds. Idempotent: a second run
# with nothing changed takes a second or two.
#
#   tools/setup.sh [BUILD_DIR] [extra meson setup options...]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build}
shift || true
[[ $build = /* ]] || build="$root/$build"

packages=(
  g++ cmake meson ninja-build pkg-config clang libclang-rt-14-dev
  libsodium-dev libssl-dev openssl liblmdb-dev lmdb-utils
  libboost1.81-dev libboost-json1.81-dev capnproto libcapnp-dev
  libgtest-dev libgmock-dev librapidcheck-dev libtomlplusplus-dev
  libspdlog-dev libcli11-dev prometheus-cpp-dev libbenchmark-dev libexpected-dev
  golang-go golang-golang-x-mod-dev python3 curl
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f $build/build.ninja ]]; then
  meson setup "$build" "$root" -Dwerror=true "$@" >/dev/null
fi
# PACTUM_CONFIGURE_ONLY=1: the caller builds the targets it needs itself.
[[ ${PACTUM_CONFIGURE_ONLY:-0} == 1 ]] && exit 0
# Two cores and heavy headers (Cap'n Proto, Boost): two jobs is the sweet spot.
ninja -C "$build" -j "${PACTUM_JOBS:-2}" | grep -vE '^\[[0-9]+/[0-9]+\] ' || true
test "${PIPESTATUS[0]}" -eq 0
