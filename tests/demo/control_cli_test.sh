#!/usr/bin/env bash
# Goal: the one-message control and escrow commands the demo's driver shares
# its builders with (tools/agent_messages.h) work end to end against real
# pactumd: `pactum agent approve` lets an escalated proposal through and
# `pactum agent deny` ends one; `pactum org kill-switch engage` makes the
# buyer's node refuse a proposal with kill_switch and `lift` ends that;
# `pactum escrow fund|accept` releases a contract's three milestones and
# `pactum escrow fund|dispute|rule` resolves another by the arbiter's split,
# with the same escrow digest on both nodes; `pactum agent propose --amends`
# amends a contract twice (more seats, then a cancellation), settled alike on
# both nodes, and the last version's evidence verifies offline.
# Usage: control_cli_test.sh PACTUMD PACTUM
set -euo pipefail
PACTUMD=$(realpath "$1"); PACTUM=$(realpath "$2")
WORK=$(mktemp -d /tmp/pactum-control.XXXXXX)
source "$(dirname "${BASH_SOURCE[0]}")/../../tools/federation_lib.sh"
PIDS=()
trap fed_cleanup EXIT INT TERM
cd "$WORK"

for n in buyer sellera; do make_org "$n"; done
mkdir -p arbiter
for k in buyer/approver arbiter/arbiter; do
  "$PACTUM" key gen --out "$k.key" --no-passphrase >/dev/null
  "$PACTUM" key show "$k.key" --public-out "$k.pub" >/dev/null
done
FED_APPROVAL_THRESHOLD_MINOR=50000 setup_org buyer buyer sellera
setup_org sellera seller buyer
write_config buyer "${P[0]}" "${P[1]}" "${P[2]}" sellera "${P[3]}"
write_config sellera "${P[3]}" "${P[4]}" "${P[5]}" buyer "${P[0]}"
for n in buyer sellera; do start_node "$n"; done
wait_for sellera /v1/health "d['ok']"
neg_id() { sed -n 's/.*"negotiation_id":"\([0-9a-f]*\)".*/\1/p'; }
propose() {  # propose PRICE QTY: prints the node's JSON answer
  agent buyer propose --seller-org sellera/org.pub --product widget --currency EUR \
    --unit-price "$1" --quantity "$2" --arbiter arbiter/arbiter.pub --json
}
state() { get "$1" "/v1/negotiations/$2" | jq_ "d['state']"; }

# Escalation: approved, then denied.
out=$(propose 11.20 100); esc=$(neg_id <<< "$out")
[[ $out == *approval_threshold* ]] || fail "100 x 11.20 was not escalated: $out"
"$PACTUM" agent approve --node "$(api buyer)" --key buyer/approver.key --negotiation "$esc" | grep -q "^approve: " || fail "approve"
wait_for sellera "/v1/negotiations/$esc" "d['state']=='PROPOSED'"
agent sellera accept --negotiation "$esc" >/dev/null
out=$(propose 11.20 100); denied=$(neg_id <<< "$out")
"$PACTUM" agent deny --node "$(api buyer)" --key buyer/approver.key --negotiation "$denied" | grep -q "^deny: " || fail "deny"
[[ $(state buyer "$denied") == REJECTED ]] || fail "denied proposal: buyer's state $(state buyer "$denied")"
[[ $(get sellera "/v1/negotiations/$denied" | jq_ "d.get('error', {}).get('code')") == not_found ]] ||
  fail "a denied proposal reached the seller"
ok "approve lets an escalated proposal through; deny ends one"

# Kill switch: engaged, a proposal refused with its reason, lifted.
"$PACTUM" org kill-switch engage --node "$(api buyer)" --key buyer/org.key --note "test" | grep -q "^kill switch: " || fail "engage"
set +e; out=$(propose 11.50 10 2>&1); rc=$?; set -e
[[ $rc -ne 0 && $out == *kill_switch* ]] || fail "proposal under the kill switch: rc $rc: $out"
"$PACTUM" org kill-switch lift --node "$(api buyer)" --key buyer/org.key | grep -q "^kill switch: " || fail "lift"
out=$(propose 11.50 10); plain=$(neg_id <<< "$out")
wait_for sellera "/v1/negotiations/$plain" "d['state']=='PROPOSED'"
agent sellera accept --negotiation "$plain" >/dev/null
ok "kill switch refuses a proposal with kill_switch; lifted, proposals go on"

# Escrow: one contract released milestone by milestone, one resolved by the arbiter.
settled='sum(1 for c in d["contracts"] if c["peer_anchored"] and c["settlement"]["status"]=="agreed")'
wait_for buyer /v1/contracts "$settled == 2"
wait_for sellera /v1/contracts "$settled == 2"
esc_cli() { "$PACTUM" escrow "$1" --node "$(api buyer)" --key "$2" --contract "${@:3}"; }
for _ in $(seq 1 100); do esc_cli fund buyer/agent.key "$esc" >/dev/null 2>&1 && break; sleep 0.05; done
esc_cli accept buyer/agent.key "$esc" --milestone 0 --milestone 1 --milestone 2 | grep -c "^escrow accept: " | grep -qx 3 ||
  fail "accept did not answer once per milestone"
esc_cli fund buyer/agent.key "$plain" >/dev/null
esc_cli dispute buyer/agent.key "$plain" --reason "test: damaged" >/dev/null
esc_cli rule arbiter/arbiter.key "$plain" --seller-bps 6000 >/dev/null
escrow_of() { get "$1" /v1/contracts | jq_ "' '.join(c['escrow']['state'] + ':' + c['escrow']['digest'] for c in sorted(d['contracts'], key=lambda c: c['negotiation_id']) if c['negotiation_id'].startswith('$2'))"; }
wait_for buyer /v1/contracts "{c['negotiation_id'][:32]: c['escrow']['state'] for c in d['contracts']} == {'$esc'[:32]: 'RELEASED', '$plain'[:32]: 'RESOLVED'}"
for id in "$esc" "$plain"; do
  for _ in $(seq 1 100); do [[ $(escrow_of buyer "$id") == "$(escrow_of sellera "$id")" ]] && break; sleep 0.05; done
  [[ $(escrow_of buyer "$id") == "$(escrow_of sellera "$id")" ]] || fail "escrow of $id differs: $(escrow_of buyer "$id") / $(escrow_of sellera "$id")"
done
ok "escrow fund+accept releases 3 milestones; fund+dispute+rule resolves; same digest on both nodes"

# Amendments: a contract without escrow gets 15 seats from Feb 8 (5 x 10.00 x
# 21/28 = 37.50 more), then is cancelled from Mar 1 with no refund: both
# nodes settle each version identically, and the last version's evidence
# (with the versions it amends) verifies offline.
contract_of() {  # contract_of NODE NEGOTIATION EXPR: EXPR over the contract c of that negotiation
  get "$1" /v1/contracts | jq_ "next(($3) for c in d['contracts'] if c['negotiation_id'].startswith('${2:0:32}'))"
}
agreed_on_both() {
  for n in buyer sellera; do
    wait_for "$n" /v1/contracts "any(c['negotiation_id'].startswith('${1:0:32}') and c['peer_anchored'] and c['settlement']['status']=='agreed' for c in d['contracts'])"
  done
}
base=$(agent buyer propose --seller-org sellera/org.pub --product widget --currency EUR --unit-price 10.00 --quantity 10 --json | neg_id)
wait_for sellera "/v1/negotiations/$base" "d['state']=='PROPOSED'"
agent sellera accept --negotiation "$base" >/dev/null
agreed_on_both "$base"
seats=$(agent buyer propose --seller-org sellera/org.pub --amends "${base:0:32}" --effective 2026-02-08 --quantity 15 --json | neg_id)
wait_for sellera "/v1/negotiations/$seats" "d['state']=='PROPOSED'"
agent sellera accept --negotiation "$seats" >/dev/null
agreed_on_both "$seats"
for n in buyer sellera; do
  [[ $(contract_of "$n" "$seats" "c['settlement']['invoiced_total_minor']") == 38750 ]] ||
    fail "$n: 15 seats from Feb 8 invoiced $(contract_of "$n" "$seats" "c['settlement']['invoiced_total_minor']"), not 387.50"
  [[ $(contract_of "$n" "$seats" "c['in_force']") == True && $(contract_of "$n" "$base" "c['in_force']") == False ]] ||
    fail "$n: the amendment is not the version in force"
done
[[ $(contract_of buyer "$seats" "c['settlement']['digest']") == $(contract_of sellera "$seats" "c['settlement']['digest']") ]] ||
  fail "the amendment's settlement digests differ"
# Named by the amendment's own id: the command finds the first version's.
cancel=$(agent buyer propose --seller-org sellera/org.pub --amends "${seats:0:32}" --effective 2026-03-01 --cancel --json | neg_id)
wait_for sellera "/v1/negotiations/$cancel" "d['state']=='PROPOSED'"
agent sellera accept --negotiation "$cancel" >/dev/null
agreed_on_both "$cancel"
[[ $(contract_of sellera "$cancel" "c['settlement']['invoiced_total_minor']") == 23750 ]] ||
  fail "cancelled from Mar 1: invoiced $(contract_of sellera "$cancel" "c['settlement']['invoiced_total_minor']"), not 237.50"
ok "amendments: +5 seats from Feb 8 (387.50) and a cancellation from Mar 1 (237.50), same digests on both nodes"

for n in buyer sellera; do kill -TERM "$(cat "$n/pid")"; wait "$(cat "$n/pid")" || fail "$n did not stop cleanly"; done
"$PACTUM" evidence export --contract "${cancel:0:32}" --buyer-node buyer --seller-node sellera --out cancel.evidence > export.txt 2>&1 ||
  { cat export.txt; fail "evidence export of the amended contract"; }
"$PACTUM" evidence verify cancel.evidence --trust buyer/org.pub --trust sellera/org.pub > verify.txt 2>&1 ||
  { cat verify.txt; fail "evidence of the amended contract does not verify"; }
grep -q "settlement.recompute" verify.txt || fail "no settlement check in the report"
ok "the amended contract's evidence (3 versions) verifies offline"
