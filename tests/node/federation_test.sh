#!/usr/bin/env bash
# Goal: real pactumd processes on loopback: a bad config exits 2 naming the
# key; deals between a buyer and two sellers complete end to end through
# `pactum agent` (anchored and settled on both sides); a seller killed with
# SIGKILL mid-negotiation and restarted completes its deal with nothing lost
# or doubled; a node of an unknown organization is refused at the handshake;
# N concurrent negotiations all complete; SIGTERM drains and exits 0.
# Usage: federation_test.sh PACTUMD PACTUM [CONCURRENT]
set -euo pipefail
PACTUMD=$(realpath "$1"); PACTUM=$(realpath "$2"); CONCURRENT=${3:-200}
WORK=$(mktemp -d /tmp/pactum-fed.XXXXXX)
source "$(dirname "${BASH_SOURCE[0]}")/../../tools/federation_lib.sh"
PIDS=()
trap fed_cleanup EXIT INT TERM
cd "$WORK"

# ---------------------------------------------------------------- set-up
for n in buyer sellera sellerb mallory; do make_org "$n"; done
setup_org buyer buyer sellera sellerb
setup_org sellera seller buyer
setup_org sellerb seller buyer
setup_org mallory seller buyer
write_config buyer "${P[0]}" "${P[1]}" "${P[2]}" sellera "${P[3]}" sellerb "${P[6]}"
write_config sellera "${P[3]}" "${P[4]}" "${P[5]}" buyer "${P[0]}"
write_config sellerb "${P[6]}" "${P[7]}" "${P[8]}" buyer "${P[0]}"
write_config mallory "${P[9]}" "${P[10]}" "${P[11]}" buyer "${P[0]}"
# sellerb hands every inbound envelope to its signature-check thread, so the
# real deal flow runs that path as well as the inline one.
sed -i 's/^tick_ms = 20$/tick_ms = 20\nsignature_offload_percent = 0/' sellerb/node.toml

# ---------------------------------------------------------------- bad config
cp buyer/node.toml bad.toml
sed -i 's/^api = .*/api = "127.0.0.1:99999"/' bad.toml
cp bad.toml buyer/bad.toml
set +e; out=$("$PACTUMD" --config buyer/bad.toml 2>&1); rc=$?; set -e
[[ $rc -eq 2 ]] || fail "bad config exit $rc, want 2 ($out)"
[[ "$out" == "pactumd: bad_config: listen.api: port 99999 is not in 0..65535" ]] || fail "bad config said: $out"
"$PACTUMD" --config buyer/node.toml --check-config | grep -q ": OK" || fail "--check-config"
ok "bad config exits 2 naming listen.api; --check-config passes the good one"

for n in buyer sellera sellerb; do start_node "$n"; done
for n in sellera sellerb; do
  wait_for "$n" /v1/health "d['ok']"
done
curl -sS "http://127.0.0.1:${P[2]}/metrics" >/dev/null 2>&1 || true

# ---------------------------------------------------------------- one deal
# deal SELLER: buyer proposes 10.00 x 100, the seller counters 12.00, the buyer accepts.
deal() {
  local s=$1
  local id
  id=$(agent buyer propose --seller-org "$s/org.pub" --product widget --currency EUR \
       --unit-price 10.00 --quantity 100 --json | jq_ "d['negotiation_id']") || fail "propose to $s"
  wait_for "$s" "/v1/negotiations/$id" "d['state'] == 'PROPOSED'"
  agent "$s" counter --negotiation "$id" --product widget --currency EUR --unit-price 12.00 \
    --quantity 100 >/dev/null || fail "counter by $s"
  wait_for buyer "/v1/negotiations/$id" "d['state'] == 'COUNTERED'"
  agent buyer accept --negotiation "$id" >/dev/null || fail "accept of $s's counter"
  echo "$id"
}
contract_done() {  # contract_done NODE NEG_ID: anchored on both sides and settlement agreed
  wait_for "$1" /v1/contracts "any(c['negotiation_id'] == '$2' and c['peer_anchored'] and c['settlement']['status'] == 'agreed' for c in d['contracts'])"
}
ID1=$(deal sellera)
contract_done buyer "$ID1"; contract_done sellera "$ID1"
TOTAL=$(get buyer /v1/contracts | jq_ "[c for c in d['contracts'] if c['negotiation_id']=='$ID1'][0]['settlement']['invoiced_total_minor']")
[[ "$TOTAL" != "0" ]] || fail "invoiced total 0"
# No `| head` here: under pipefail, head closing the pipe early fails the writer.
ORIGIN=$(get buyer /v1/checkpoint | jq_ "d['note'].splitlines()[0]")
[[ $ORIGIN == buyer ]] || fail "checkpoint origin: $ORIGIN"
IDX=$(get buyer /v1/contracts | jq_ "[c for c in d['contracts'] if c['negotiation_id']=='$ID1'][0]['ledger_index']")
get buyer "/v1/proof?index=$IDX" | jq_ "d['index']" | grep -qx "$IDX" || fail "proof of $IDX"
ok "deal buyer<->sellera: proposed, countered, accepted, anchored and settled on both ($TOTAL minor invoiced)"

# ---------------------------------------------------------------- SIGKILL mid-negotiation
ID2=$(agent buyer propose --seller-org sellerb/org.pub --product widget --currency EUR \
      --unit-price 10.00 --quantity 50 --json | jq_ "d['negotiation_id']")
wait_for sellerb "/v1/negotiations/$ID2" "d['state'] == 'PROPOSED'"
agent sellerb counter --negotiation "$ID2" --product widget --currency EUR --unit-price 11.00 --quantity 50 >/dev/null
kill -9 "$(cat sellerb/pid)"; wait "$(cat sellerb/pid)" 2>/dev/null || true
start_node sellerb
wait_for sellerb "/v1/negotiations/$ID2" "d['state'] == 'COUNTERED'"
wait_for buyer "/v1/negotiations/$ID2" "d['state'] == 'COUNTERED'"
agent buyer accept --negotiation "$ID2" >/dev/null || fail "accept after sellerb restart"
contract_done buyer "$ID2"; contract_done sellerb "$ID2"
n=$(get sellerb /v1/contracts | jq_ "len([c for c in d['contracts'] if c['negotiation_id']=='$ID2'])")
[[ "$n" == "1" ]] || fail "sellerb holds $n contracts for $ID2"
ok "sellerb SIGKILLed after its counter, restarted from its ledger; deal completed once"

# ---------------------------------------------------------------- unknown organization
start_node mallory
for _ in $(seq 1 100); do
  grep -q '"reason":"unknown_org"' buyer/log && break
  grep -q 'unknown_org' mallory/log && break
  sleep 0.1
done
if grep -q '"event":"peer_state","peer":"[0-9a-f]*","state":"connected"' mallory/log; then
  fail "mallory was admitted"
fi
# Exactly one side dials (the smaller org key). If mallory does, the buyer refuses it.
if grep -q 'unknown_org' buyer/log mallory/log; then ok "mallory refused at the handshake (unknown_org)";
else ok "mallory never admitted (buyer does not dial unknown orgs; mallory's key orders after buyer's)"; fi
kill -9 "$(cat mallory/pid)"

# ---------------------------------------------------------------- concurrency
propose_one() {  # Prints the new negotiation's id; a malformed answer is logged and retried.
  local out id
  for _ in 1 2 3; do
    if out=$(agent buyer propose --seller-org sellera/org.pub --product widget --currency EUR \
        --unit-price 12.00 --quantity 10 --json 2>&1); then
      id=$(jq_ "d['negotiation_id']" <<< "$out" 2>/dev/null || true)
      [[ $id =~ ^[0-9a-f]{64}$ ]] && { echo "$id"; return 0; }
    fi
    echo "propose_one: unexpected answer, retrying: $out" >&2
    sleep 0.2
  done
  return 1
}
export -f propose_one agent api jq_ pub fail
export PACTUM WORK
seq 1 "$CONCURRENT" | xargs -P 8 -I{} bash -c propose_one > ids.txt || fail "concurrent proposes"
[[ $(sort -u ids.txt | wc -l) -eq $CONCURRENT ]] || fail "got $(sort -u ids.txt | wc -l) ids"
wait_for sellera /v1/negotiations "sum(1 for n in d['negotiations'] if n['state']=='PROPOSED') >= $CONCURRENT"
accept_one() { agent sellera accept --negotiation "$1" >/dev/null; }
export -f accept_one
xargs -P 8 -I{} bash -c 'accept_one {}' < ids.txt || fail "concurrent accepts"
wait_for buyer /v1/contracts "sum(1 for c in d['contracts'] if c['peer_anchored'] and c['settlement']['status']=='agreed') >= $CONCURRENT + 2"
wait_for sellera /v1/contracts "sum(1 for c in d['contracts'] if c['peer_anchored'] and c['settlement']['status']=='agreed') >= $CONCURRENT + 1"
ok "$CONCURRENT concurrent negotiations all committed and settled on both nodes"

# ---------------------------------------------------------------- metrics, SIGTERM, ledgers
M=$(curl -sS "http://127.0.0.1:${P[2]}/metrics")
grep -q '^pactum_ledger_height ' <<< "$M" || fail "metrics lack pactum_ledger_height"
grep -q 'pactum_peer_state{peer="sellera"} 2' <<< "$M" || fail "metrics: sellera not connected"
grep -q 'pactum_ledger_commit_seconds_count' <<< "$M" || fail "metrics: no commit histogram"
# Deals committed seconds ago: the gauges (refreshed each second) count them.
grep -Eq '^pactum_negotiations\{state="COMMITTED"\} [1-9]' <<< "$M" || fail "metrics: no COMMITTED negotiation counted"
grep -q '^pactum_negotiations{state="EXPIRED"} 0' <<< "$M" || fail "metrics: states without negotiations are not 0"
grep -Eq '^pactum_core_events\{counter="deals_retired"\} [1-9]' <<< "$M" || fail "metrics: no finished deal retired"
ok "metrics expose ledger height, peer states, commit latency, negotiations by state"
# A finished deal's transcript leaves memory; the agent API reads it back from the ledger.
get buyer "/v1/negotiations/$ID1/messages" | jq_ "'\n'.join(d['messages'])" > id1.b64
[[ $(wc -l < id1.b64) -eq 3 ]] || fail "transcript of $ID1: $(wc -l < id1.b64) messages, not 3"
while read -r m; do
  base64 -d <<< "$m" > msg.bin
  "$PACTUM" decode msg.bin >/dev/null || fail "a message of the finished deal $ID1 does not decode"
done < id1.b64
ok "the finished deal's 3 messages, read back from the ledger, decode"
for n in buyer sellera sellerb; do
  kill -TERM "$(cat $n/pid)"
  set +e; wait "$(cat $n/pid)"; rc=$?; set -e
  [[ $rc -eq 0 ]] || fail "$n exited $rc after SIGTERM"
  grep -q '"event":"stopped"' "$n/log" || fail "$n logged no stop"
  "$PACTUM" ledger verify "$n/data/ledger" >/dev/null || fail "$n ledger does not verify"
done
python3 - buyer/log <<'PY' || fail "a log line is not JSON"
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)
PY
ok "SIGTERM drained all three (exit 0), ledgers verify, every log line is JSON"
echo "federation: all checks passed"
