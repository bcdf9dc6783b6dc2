#!/usr/bin/env bash
# Goal: the README's demo, in reduced size, runs end to end and its summary
# is consistent: the outcome counts add up to the deals proposed, escalations
# were both approved and denied, the kill switch refused exactly one proposal
# with its reason, every agreed contract settled on both nodes with equal
# digests, escrow agrees across nodes (released, one resolved by the
# arbiter), the amendment step settles the exact prorated amount on both
# nodes, and the disputed contract's evidence verifies offline with an HTML
# report that names the checks.
# Usage: demo_test.sh DEMO_SH PACTUMD PACTUM DEALS
set -euo pipefail
demo=$1 pactumd=$2 pactum=$3 deals=$4
out=$(mktemp /tmp/pactum-demo-test.XXXXXX)
trap 'rm -f "$out"' EXIT
bad() { echo "FAIL: $*" >&2; cat "$out" >&2; exit 1; }
"$demo" --deals "$deals" --pactumd "$pactumd" --pactum "$pactum" > "$out" 2>&1 || bad "demo exited non-zero"
field() { sed -n "s/^$1: *//p" "$out" | head -1; }
num() { grep -o "$1 [0-9]*" <<< "$2" | head -1 | grep -o '[0-9]*$'; }

[[ $(field "deals proposed") == "$deals" ]] || bad "deals proposed"
agreed=$(field agreed | grep -o '^[0-9]*')
at_once=$(num "at once:" "$(field agreed)"); countered=$(num "counter:" "$(field agreed)")
rejected=$(field "rejected by the buyer"); refused=$(field refused); lost=$(field lost)
esc=$(field escalated); escalated=$(grep -o '^[0-9]*' <<< "$esc")
approved=$(num "approved:" "$esc"); denied=$(num "denied:" "$esc")
[[ $((at_once + countered)) -eq $agreed ]] || bad "agreed $agreed != $at_once + $countered"
[[ $lost -eq 0 ]] || bad "$lost deals lost"
[[ $((agreed + rejected + refused + denied)) -eq $deals ]] || bad "outcomes do not add up to $deals"
[[ $((approved + denied)) -eq $escalated && $approved -ge 1 && $denied -ge 1 ]] || bad "escalations: $esc"
reasons=$(field "refusal reasons")
[[ $reasons == *"kill_switch 1;"* ]] || bad "no single kill-switch refusal in: $reasons"
sum=0; for n in $(grep -o '[a-z_.]* [0-9]*;' <<< "$reasons" | grep -o '[0-9]*'); do sum=$((sum + n)); done
[[ $sum -eq $refused ]] || bad "refusal reasons sum to $sum, refused $refused"
[[ $(field "kill switch") == "engaged, 1 proposal refused (kill_switch), lifted" ]] || bad "kill switch line"
[[ $(field "settlement digests agree across nodes") == yes ]] || bad "settlement digests"
settled=$(field "settled on both sides")
[[ $(num "buyer" "$settled") -eq $agreed && $(num "diverged:" "$settled") -eq 0 ]] || bad "settled: $settled"
[[ $(( $(num "seller-a" "$settled") + $(num "seller-b" "$settled") )) -eq $agreed ]] || bad "sellers settled: $settled"
escrow=$(field escrow)
[[ $escrow == "RELEASED=$((agreed - 1)) RESOLVED=1; same digest on both nodes: yes" ]] || bad "escrow: $escrow"
heights=$(field "ledger heights")
for n in buyer sellera sellerb; do [[ $(grep -o "$n=[0-9]*" <<< "$heights" | grep -o '[0-9]*$') -gt 0 ]] || bad "height of $n"; done
[[ $(field evidence) == verified* ]] || bad "evidence: $(field evidence)"
# 11.00 x 10 seats for Jan..Mar = 330.00; 15 seats from Feb 8 adds 5 x 11.00 x 21/28 = 41.25 and 5 x 11.00 in March.
[[ $(field amendment) == *"10 -> 15 seats from 2026-02-08: 330.00 -> 426.25 EUR, same digests on both nodes: yes" ]] ||
  bad "amendment: $(field amendment)"
report=$(field "HTML report")
[[ -s $report ]] || bad "no HTML report at $report"
grep -q "RESOLVED" "$report" || bad "the report does not show the resolved escrow"
grep -qi "dispute" "$report" || bad "the report does not show the dispute"
rm -rf "$(dirname "$report")"
echo "ok: demo with $deals deals: agreed $agreed, refused $refused ($reasons), escalated $escalated, evidence verified"
