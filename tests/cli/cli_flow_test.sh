#!/usr/bin/env bash
# Goal: the foundation flow works end to end from a shell — key gen, cert org,
# cert node, mandate issue, sign, verify, decode — standard tools (openssl,
# capnp decode) read what pactum wrote, and tampering or a wrong trust root fails.
set -euo pipefail
pactum=$(realpath "$1")
schema_dir=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_fail() {  # expect_fail "what" cmd...: the command must exit non-zero.
  local what=$1; shift
  if "$@" >/dev/null 2>err.txt; then fail "$what: succeeded"; fi
  [[ -s err.txt ]] || fail "$what: no error message"
}

"$pactum" key gen --out org.key --no-passphrase >/dev/null
"$pactum" key gen --out other-org.key --no-passphrase >/dev/null
"$pactum" key gen --out agent.key --no-passphrase >/dev/null
"$pactum" key gen --out seller.key --no-passphrase >/dev/null
PACTUM_PASSPHRASE='correct horse' "$pactum" key gen --out node.key >/dev/null
"$pactum" key show agent.key --public-out agent.pub >/dev/null
"$pactum" key show org.key --public-out org.pub >/dev/null
"$pactum" key show seller.key --public-out seller-org.pub >/dev/null
PACTUM_PASSPHRASE='correct horse' "$pactum" key show node.key --public-out node.pub --json > node.json
grep -q '"encrypted":true' node.json || fail "node key should be encrypted"
PACTUM_PASSPHRASE='wrong' expect_fail "wrong passphrase" "$pactum" key show node.key
grep -q bad_passphrase err.txt || fail "wrong passphrase error: $(cat err.txt)"
expect_fail "overwrite without --force" "$pactum" key gen --out org.key --no-passphrase
[[ $(stat -c %a org.key) == 600 ]] || fail "key file mode is $(stat -c %a org.key)"

"$pactum" cert org --org-key org.key --name "Acme GmbH" --out acme.org --x509-out acme-root.pem >/dev/null
"$pactum" cert node --org-key org.key --org-name "Acme GmbH" --node-key node.pub \
  --name node1.acme --out node1.cert --x509-out node1.pem >/dev/null
if command -v openssl >/dev/null; then
  openssl verify -CAfile acme-root.pem node1.pem >/dev/null || fail "openssl verify of the node cert"
fi
"$pactum" verify node1.cert --trust org.pub > out.txt || fail "verify node cert: $(cat out.txt)"
grep -q "^ok   X.509 certificate carries the node key" out.txt || fail "x509 key check missing"
expect_fail "node cert under a wrong trust root" "$pactum" verify node1.cert --trust other-org.key

cp "$schema_dir/../docs/examples/mandate.toml" mandate.toml
"$pactum" mandate issue --org-key org.key --agent agent.pub --terms mandate.toml --out agent.mandate >/dev/null
"$pactum" verify agent.mandate --trust org.pub > out.txt || fail "verify mandate: $(cat out.txt)"
"$pactum" decode agent.mandate --json > mandate.json
grep -q '"perContractLimitMinor":5000000' mandate.json || fail "mandate amount not in minor units"
grep -q '"role":"buyer"' mandate.json || fail "mandate role"
if command -v capnp >/dev/null; then
  capnp decode --flat "$schema_dir/pactum.capnp" Envelope < agent.mandate > decoded.txt \
    || fail "capnp decode could not read the mandate"
  grep -q 'perContractLimitMinor = 5000000' decoded.txt || fail "capnp decode output: $(head -c 300 decoded.txt)"
fi

# Every single flipped byte of the mandate is detected.
size=$(stat -c %s agent.mandate)
for ((i = 0; i < size; i += 7)); do
  cp agent.mandate flipped
  printf "$(printf '\\x%02x' $(( $(od -An -tu1 -j $i -N1 agent.mandate) ^ 0x01 )))" |
    dd of=flipped bs=1 seek=$i conv=notrunc status=none
  if "$pactum" verify flipped --trust org.pub >/dev/null 2>&1; then fail "flip at byte $i not detected"; fi
done

# Bad mandate files name the key.
sed 's/^currency = "EUR"/currency = "XXX"/' mandate.toml > bad1.toml
expect_fail "unknown currency" "$pactum" mandate issue --org-key org.key --agent agent.pub --terms bad1.toml --out x
grep -q "'currency'" err.txt || fail "currency error: $(cat err.txt)"
sed 's/^per_contract_limit = "50000.00"/per_contract_limit = "50000.001"/' mandate.toml > bad2.toml
expect_fail "too many decimals" "$pactum" mandate issue --org-key org.key --agent agent.pub --terms bad2.toml --out x
grep -q "'per_contract_limit'" err.txt || fail "amount error: $(cat err.txt)"
{ cat mandate.toml; echo 'colour = "blue"'; } > bad3.toml
expect_fail "unknown key" "$pactum" mandate issue --org-key org.key --agent agent.pub --terms bad3.toml --out x
grep -q "'colour'" err.txt || fail "unknown key error: $(cat err.txt)"

# Detached file signatures.
head -c 100000 /dev/urandom > report.bin
"$pactum" sign --key agent.key report.bin >/dev/null
"$pactum" verify report.bin.sig --data report.bin --trust agent.pub >/dev/null || fail "file signature"
printf 'x' >> report.bin
expect_fail "changed file" "$pactum" verify report.bin.sig --data report.bin --trust agent.pub
expect_fail "garbage envelope" "$pactum" verify mandate.toml
echo "cli flow: all checks passed"
