#!/usr/bin/env bash
# The main job: a local federation on loopback (docs/demo.md). Three
# organizations (a buyer, two sellers), each with an org root key, org and
# node certificates, a guardrail policy and an agent mandate, plus a buyer
# approver key and an arbiter key; three pactumd over mutual TLS (the only
# process boundary that matters: every agent runs in one `pactum agent drive`
# process, tools/agent_drive.h). Agents negotiate DEALS deals: some agreed at once, some after a counter, some
# rejected, some refused by guardrails, some escalated to the approver and
# approved or denied, one refused by the buyer's kill switch. Every agreed
# contract is anchored and settled on both nodes, its escrow funded and
# released; one goes to a dispute and an arbiter's split. The disputed
# contract's evidence bundle is exported from the drained nodes' data,
# verified offline and written as an HTML report; every ledger is verified.
# Usage: tools/demo.sh [--deals N] [--pactumd PATH --pactum PATH] [N]
#   default 200 deals; with both binaries given nothing is built.
#   PACTUM_DEMO_KEEP=1 keeps the federation's files.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEALS=200 PACTUMD="" PACTUM=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --deals) DEALS=$2; shift 2 ;;
    --pactumd) PACTUMD=$(realpath "$2"); shift 2 ;;
    --pactum) PACTUM=$(realpath "$2"); shift 2 ;;
    [0-9]*) DEALS=$1; shift ;;
    *) echo "usage: tools/demo.sh [--deals N] [--pactumd PATH --pactum PATH]" >&2; exit 2 ;;
  esac
done
((DEALS >= 4)) || { echo "demo: need at least 4 deals" >&2; exit 2; }
if [[ -z $PACTUMD || -z $PACTUM ]]; then
  "$root/tools/setup.sh" build
  PACTUMD=$root/build/node/pactumd PACTUM=$root/build/tools/pactum
fi
WORK=$(mktemp -d /tmp/pactum-demo.XXXXXX)
OUT=$(mktemp -d /tmp/pactum-demo-evidence.XXXXXX)  # Kept: the bundle and its report.
PIDS=()
FED_LEDGER_FSYNC=true
cleanup() {  # Runs on exit and on Ctrl-C: no node or agent outlives the demo.
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n ${PACTUM_DEMO_KEEP:-} ]]; then echo "demo: files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
source "$root/tools/federation_lib.sh"
cd "$WORK"

api() { cat "$1/api.addr"; }  # Cached once the node is up: no python per call.
settled() {  # settled NODE: deal contracts anchored by the peer and settlement agreed.
  get "$1" /v1/contracts | jq_ "sum(1 for c in $deal_contracts if c['peer_anchored'] and c['settlement']['status']=='agreed')"
}
escrow_agrees() {  # Every contract's escrow digest is the same on the buyer's and the seller's node.
  python3 - "$(get buyer /v1/contracts)" "$(get sellera /v1/contracts)" "$(get sellerb /v1/contracts)" <<'PY'
import json, sys
b = {c['id']: c['escrow']['digest'] for c in json.loads(sys.argv[1])['contracts']}
s = {c['id']: c['escrow']['digest'] for a in sys.argv[2:] for c in json.loads(a)['contracts']}
sys.exit(0 if b and all(s.get(k) == v for k, v in b.items()) else 1)
PY
}
print_summary() {  # The deal lines are the driver's (drive.txt).
  echo
  echo "== pactum federation demo =="
  cat drive.txt
  echo "settled on both sides: buyer $b, seller-a $sa, seller-b $sb; diverged: $diverged"
  echo "settlement digests agree across nodes: $([[ $((sa + sb)) -eq $agreed && $b -eq $agreed && $diverged -eq 0 ]] && echo yes || echo no)"
  echo "escrow:                $escrow_states; same digest on both nodes: $escrow_same"
  echo "dispute:               contract ${dispute_id:0:32} ($dispute_seller), arbiter split 60% seller / 40% buyer"
  echo "ledger heights:        $heights"
  echo "ledgers verified offline (hash chain, Merkle root, signatures): yes"
  echo "evidence:              $evidence"
  echo "evidence bundle:       $OUT/dispute.evidence"
  echo "HTML report:           $OUT/report.html"
}

echo "demo: creating three organizations, an approver and an arbiter (keys, certificates, policies, mandates) in $WORK"
read -r -a P <<< "$(free_ports 9)"
for n in buyer sellera sellerb; do make_org "$n"; done
mkdir -p arbiter
for k in buyer/approver arbiter/arbiter; do
  "$PACTUM" key gen --out "$k.key" --no-passphrase >/dev/null
  "$PACTUM" key show "$k.key" --public-out "$k.pub" >/dev/null
done
# The buyer needs a person's approval above 500.00 EUR; the sellers keep the default.
FED_APPROVAL_THRESHOLD_MINOR=50000 setup_org buyer buyer sellera sellerb
setup_org sellera seller buyer
setup_org sellerb seller buyer
write_config buyer "${P[0]}" "${P[1]}" "${P[2]}" sellera "${P[3]}" sellerb "${P[6]}"
write_config sellera "${P[3]}" "${P[4]}" "${P[5]}" buyer "${P[0]}"
write_config sellerb "${P[6]}" "${P[7]}" "${P[8]}" buyer "${P[0]}"
for n in buyer sellera sellerb; do
  start_node "$n"
  echo "127.0.0.1:$(python3 -c "import json;print(json.load(open('$n/ready.json'))['api'])")" > "$n/api.addr"
done
for n in sellera sellerb; do wait_for "$n" /v1/health "d['ok']"; done
echo "demo: three pactumd running (mutual TLS on loopback); negotiating $DEALS deals"

# Every agent (buyer, both sellers, the approver, the buyer org's kill
# switch, the arbiter) runs in one process: the deals, the kill-switch
# moment halfway, the wait for settlement on both nodes, then escrow for
# every agreed contract and the dispute of the first (docs/demo.md).
# In the background only so that cleanup() can kill it on Ctrl-C or TERM.
"$PACTUM" agent drive --federation "$WORK" --deals "$DEALS" --json drive.json > drive.txt 2> drive.err &
PIDS+=("$!")
if ! wait "$!"; then
  cat drive.txt drive.err >&2
  fail "the agents did not finish"
fi
read -r agreed dispute_id dispute_seller < <(python3 -c "import json; d=json.load(open('drive.json')); print(d['agreed'], d['dispute']['contract'], d['dispute']['seller'])")
# The amendment step's two contracts (drive.json) are kept out of the deal counts.
AMENDED=$(python3 -c "import json; a=json.load(open('drive.json'))['amendment']; print(a['base'][:32], a['amendment'][:32])")
deal_contracts="[c for c in d['contracts'] if c['negotiation_id'][:32] not in '$AMENDED'.split()]"
echo "demo: $agreed contracts agreed and settled, their escrow funded and released, one disputed and ruled"
for _ in $(seq 1 300); do escrow_agrees && break; sleep 0.1; done
b=$(settled buyer); sa=$(settled sellera); sb=$(settled sellerb)
diverged=$(get buyer /v1/contracts | jq_ "sum(1 for c in d['contracts'] if c['settlement']['status']=='diverged')")
escrow_states=$(get buyer /v1/contracts | jq_ "' '.join(f'{k}={v}' for k, v in sorted(__import__('collections').Counter(c['escrow']['state'] for c in $deal_contracts).items()))")
escrow_same=no; escrow_agrees && escrow_same=yes

echo "demo: stopping the nodes (SIGTERM drains them); verifying every ledger and the disputed contract's evidence offline"
for n in buyer sellera sellerb; do kill -TERM "$(cat "$n/pid")"; wait "$(cat "$n/pid")" || fail "$n did not stop cleanly"; done
heights=""
for n in buyer sellera sellerb; do
  "$PACTUM" ledger verify "$n/data/ledger" > "$n/verify.txt" 2>&1 || { cat "$n/verify.txt"; fail "$n ledger does not verify"; }
  heights+="$n=$(grep -o 'OK: [0-9]* entries' "$n/verify.txt" | grep -o '[0-9]*') "
done
cp buyer/org.pub "$OUT/buyer-org.pub"; cp "$dispute_seller/org.pub" "$OUT/seller-org.pub"
evidence=failed
if "$PACTUM" evidence export --contract "${dispute_id:0:32}" --buyer-node buyer --seller-node "$dispute_seller" \
     --out "$OUT/dispute.evidence" > "$OUT/export.txt" 2>&1 &&
   "$PACTUM" evidence verify "$OUT/dispute.evidence" --trust "$OUT/buyer-org.pub" --trust "$OUT/seller-org.pub" \
     > "$OUT/verify.txt" 2>&1 &&
   "$PACTUM" evidence report "$OUT/dispute.evidence" --trust "$OUT/buyer-org.pub" --trust "$OUT/seller-org.pub" \
     --html "$OUT/report.html" >> "$OUT/verify.txt" 2>&1; then
  evidence="verified ($(grep -c . "$OUT/verify.txt") lines, every check passed)"
else
  cat "$OUT/export.txt" "$OUT/verify.txt" 2>/dev/null | tail -20 >&2
fi

print_summary
[[ $((sa + sb)) -eq $agreed && $b -eq $agreed && $diverged -eq 0 ]] || fail "settlement did not agree on every contract"
[[ $escrow_same == yes ]] || fail "escrow states differ between the nodes"
[[ $evidence == verified* ]] || fail "the disputed contract's evidence did not verify"
