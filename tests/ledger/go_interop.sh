#!/usr/bin/env bash
# Goal: checkpoints and inclusion proofs made by `pactum ledger` verify with
# Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian: golang-go,
# golang-golang-x-mod-dev). Exits 77 (skip) when Go or those packages are absent.
#   go_interop.sh LEDGER_CLI KEYGEN INTEROP_GO
set -euo pipefail
cli=$1 keygen=$2 src=$3
gopath=/usr/share/gocode
if ! command -v go >/dev/null || [[ ! -d $gopath/src/golang.org/x/mod/sumdb/note ]]; then
  echo "skip: go or golang-golang-x-mod-dev not installed"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$keygen" "$tmp/node.key"
for i in $(seq 1 23); do
  "$cli" ledger append "$tmp/ledger" --payload "interop entry $i" --unsafe-no-sync-for-tests >/dev/null
done
origin=interop.example/pactum-ledger
"$cli" ledger checkpoint "$tmp/ledger" --key "$tmp/node.key" --origin "$origin" --no-passphrase >"$tmp/checkpoint"
"$cli" ledger verifier-key --key "$tmp/node.key" --origin "$origin" --no-passphrase >"$tmp/vkey"
for index in 0 7 22; do
  "$cli" ledger proof "$tmp/ledger" --index "$index" >"$tmp/proof.json"
  GO111MODULE=off GOPATH=$gopath GOCACHE=$tmp/gocache GOFLAGS= \
    go run "$src" "$tmp/vkey" "$tmp/checkpoint" "$tmp/proof.json"
done
