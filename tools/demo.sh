#!/usr/bin/env bash
# The main job: a local federation on loopback (docs/demo.md). Three
# organizations (a buyer, two sellers), each with an org root key, org and
# node certificates, a guardrail policy and an agent mandate, plus a buyer
# approver key and an arbiter key; three pactumd over mutual TLS. Agents
# negotiate DEALS deals: some agreed at once, some after a counter, some
# rejected, some refused by guardrails, some escalated to the approver and
# approved or denied, one refused by the buyer's kill switch. Every agreed
# contract is anchored and settled on both nodes, its escrow funded and
# released; one goes to a dispute and an arbiter's split. The disputed
# contract's evidence bundle is exported from the drained nodes' data,
# verified offline and written as an HTML report; every ledger is verified.
# Usage: tools/demo.sh [--deals N] [--pactumd PATH --pactum PATH] [N]
#   default 60 deals; with both binaries given nothing is built.
#   PACTUM_DEMO_KEEP=1 keeps the federation's files.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEALS=60 PACTUMD="" PACTUM=""
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

# ---- the agents (each function runs in its own bash under xargs) ----
api() { cat "$1/api.addr"; }  # Cached once the node is up: no python per call.
neg_id() { sed -n 's/.*"negotiation_id":"\([0-9a-f]*\)".*/\1/p'; }
state_is() {  # state_is NODE NEG STATE: polls the node until the negotiation is in STATE.
  for _ in $(seq 1 400); do
    curl -sS --max-time 5 "http://$(api "$1")/v1/negotiations/$2" 2>/dev/null | grep -q "\"state\":\"$3\"" && return 0
    sleep 0.025
  done
  return 1
}
refused() {  # refused DEAL ROUND OUTPUT: records the node's reason (code and rule).
  local why
  why=$(sed -n 's/.*refused by the node (HTTP [0-9]*): \([a-z_]*\): \([a-z_.]*\).*/\1 \2/p' <<< "$3" | head -1)
  echo "$1 ${why:-other unknown}" >> refusals.txt
  echo "$1 refused $2 0"
}
price_text() { echo "$(($1 / 100)).$(printf %02d $(($1 % 100)))"; }
# One deal, with the agents' strategies: the buyer opens between 7.00 and
# 11.50 EUR a unit (below the 8.00 floor every policy sets, its own node
# refuses) for 10 units; every sixth deal is 100 units at 11.20, above the
# buyer's 500.00 EUR approval threshold, and waits for the approver, who
# approves every other one. A seller accepts 11.00 or more and otherwise
# counters 25% higher (at most 12.00: the policies allow 30% a round); the
# buyer accepts a counter unless it is a deal it walks away from (1 in 7).
# Every proposal asks for escrow with the demo's arbiter.
# Prints: DEAL OUTCOME MESSAGES MS_TO_AGREE [NEGOTIATION SELLER] [escalated approved|denied]
run_deal() {
  local i=$1 seller=sellera t0 id price qty=10 out esc=""
  ((i % 2)) && seller=sellerb
  price=$((700 + (i * 37) % 451))
  ((i % 6 == 5)) && { price=1120; qty=100; }
  t0=$(date +%s%N)
  if ! out=$(agent buyer propose --seller-org "$seller/org.pub" --product widget --currency EUR \
      --unit-price "$(price_text $price)" --quantity $qty --arbiter arbiter/arbiter.pub --json 2>&1); then
    refused "$i" 1 "$out"; return 0
  fi
  id=$(neg_id <<< "$out")
  if [[ $out == *approval_threshold* ]]; then
    local verb=approve; ((i % 12 == 11)) && verb=deny
    "$PACTUM" agent $verb --node "$(api buyer)" --key buyer/approver.key --negotiation "$id" >/dev/null 2>&1 ||
      { echo "$i lost 1 0 $id $seller escalated"; return 0; }
    [[ $verb == deny ]] && { echo "$i denied 1 0 $id $seller escalated denied"; return 0; }
    esc=" escalated approved"
  fi
  state_is "$seller" "$id" PROPOSED || { echo "$i lost 1 0 $id $seller$esc"; return 0; }
  if ((price >= 1100)); then
    out=$(agent "$seller" accept --negotiation "$id" 2>&1) || { refused "$i" 2 "$out"; return 0; }
    echo "$i agreed 2 $((($(date +%s%N) - t0) / 1000000)) $id $seller$esc"; return 0
  fi
  local ask=$((price * 125 / 100)); ((ask > 1200)) && ask=1200
  out=$(agent "$seller" counter --negotiation "$id" --product widget --currency EUR \
    --unit-price "$(price_text $ask)" --quantity $qty 2>&1) || { refused "$i" 2 "$out"; return 0; }
  state_is buyer "$id" COUNTERED || { echo "$i lost 2 0 $id $seller"; return 0; }
  if ((i % 7 == 0)); then
    agent buyer reject --negotiation "$id" >/dev/null 2>&1 || true
    echo "$i rejected 3 0 $id $seller"; return 0
  fi
  out=$(agent buyer accept --negotiation "$id" 2>&1) || { refused "$i" 3 "$out"; return 0; }
  echo "$i agreed 3 $((($(date +%s%N) - t0) / 1000000)) $id $seller"
}
escrow_agent() {  # escrow_agent VERB ARGS...: the buyer agent signs an escrow event.
  local verb=$1; shift
  "$PACTUM" escrow "$verb" --node "$(api buyer)" --key buyer/agent.key "$@"
}
# Escrow of one agreed contract: fund it, then accept delivery of its three
# monthly milestones (the term is three months), which releases them.
run_escrow() {
  for _ in $(seq 1 200); do  # The escrow opens once the contract is settled here.
    escrow_agent fund --contract "$1" 2>/dev/null && break
    sleep 0.05
  done
  escrow_agent accept --contract "$1" --milestone 0 --milestone 1 --milestone 2
}
export -f run_deal run_escrow escrow_agent state_is refused neg_id price_text agent api pub
settled() {  # settled NODE: contracts anchored by the peer and settlement agreed.
  get "$1" /v1/contracts | jq_ "sum(1 for c in d['contracts'] if c['peer_anchored'] and c['settlement']['status']=='agreed')"
}
escrow_agrees() {  # Every contract's escrow digest is the same on the buyer's and the seller's node.
  python3 - "$(get buyer /v1/contracts)" "$(get sellera /v1/contracts)" "$(get sellerb /v1/contracts)" <<'PY'
import json, sys
b = {c['id']: c['escrow']['digest'] for c in json.loads(sys.argv[1])['contracts']}
s = {c['id']: c['escrow']['digest'] for a in sys.argv[2:] for c in json.loads(a)['contracts']}
sys.exit(0 if b and all(s.get(k) == v for k, v in b.items()) else 1)
PY
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print 0}'; }
count() { grep -c "$1" "$2" 2>/dev/null || true; }
print_summary() {
  local all_ms=$((deals_ms + escrow_ms))
  echo
  echo "== pactum federation demo =="
  echo "deals proposed:        $DEALS"
  echo "agreed:                $agreed (at once: $(count ' agreed 2 ' deals.txt), after a counter: $(count ' agreed 3 ' deals.txt))"
  echo "rejected by the buyer: $(count ' rejected ' deals.txt)"
  echo "refused:               $(count ' refused ' deals.txt)"
  echo "refusal reasons:       $(awk '{print $3}' refusals.txt 2>/dev/null | sort | uniq -c | awk '{printf "%s %s; ", $2, $1}')"
  echo "escalated:             $(count ' escalated' deals.txt) (approved: $(count 'escalated approved' deals.txt), denied: $(count 'escalated denied' deals.txt))"
  echo "kill switch:           engaged, $(awk '$2=="kill_switch"' refusals.txt | wc -l) proposal refused (kill_switch), lifted"
  echo "lost:                  $(count ' lost ' deals.txt)"
  echo "median messages/deal:  $(awk '$2=="agreed"{print $3}' deals.txt | median)"
  echo "median ms to agree:    $(awk '$2=="agreed"{print $4}' deals.txt | median)"
  echo "throughput:            $(awk -v a="$agreed" -v ms="$deals_ms" 'BEGIN {printf "%.2f", a * 1000 / (ms + 1)}') agreed deals/s ($deals_ms ms to agree and settle on both nodes); escrow $escrow_ms ms"
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

export PACTUM WORK
start=$(date +%s%N)
half=$((DEALS / 2))
seq 1 "$half" | xargs -P 8 -I{} bash -c 'run_deal {}' > deals.txt
# The kill-switch moment: the buyer org halts its agents, one proposal is
# refused with the kill-switch reason, the switch is lifted, deals go on.
"$PACTUM" org kill-switch engage --node "$(api buyer)" --key buyer/org.key --note "demo: halt" > kill.txt
run_deal $((half + 1)) >> deals.txt
"$PACTUM" org kill-switch lift --node "$(api buyer)" --key buyer/org.key --note "demo: resume" >> kill.txt
seq $((half + 2)) "$DEALS" | xargs -P 8 -I{} bash -c 'run_deal {}' >> deals.txt
agreed=$(grep -c ' agreed ' deals.txt || true)
for _ in $(seq 1 600); do
  [[ $(settled buyer) -ge $agreed ]] && break
  sleep 0.1
done
deals_ms=$((($(date +%s%N) - start) / 1000000))

echo "demo: $agreed contracts settled; funding and releasing their escrow, one dispute to the arbiter"
estart=$(date +%s%N)
disputed=$(awk '$2=="agreed"{print $5, $6; exit}' deals.txt)
read -r dispute_id dispute_seller <<< "$disputed"
awk '$2=="agreed"{print $5}' deals.txt | tail -n +2 | xargs -P 8 -I{} bash -c 'run_escrow {}' > escrow.txt
escrow_agent fund --contract "$dispute_id" >> escrow.txt
escrow_agent dispute --contract "$dispute_id" --reason "demo: two units arrived damaged" >> escrow.txt
"$PACTUM" escrow rule --node "$(api buyer)" --key arbiter/arbiter.key --contract "$dispute_id" --seller-bps 6000 >> escrow.txt
escrow_ms=$((($(date +%s%N) - estart) / 1000000))
for _ in $(seq 1 300); do escrow_agrees && break; sleep 0.1; done
b=$(settled buyer); sa=$(settled sellera); sb=$(settled sellerb)
diverged=$(get buyer /v1/contracts | jq_ "sum(1 for c in d['contracts'] if c['settlement']['status']=='diverged')")
escrow_states=$(get buyer /v1/contracts | jq_ "' '.join(f'{k}={v}' for k, v in sorted(__import__('collections').Counter(c['escrow']['state'] for c in d['contracts']).items()))")
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
