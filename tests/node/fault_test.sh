#!/usr/bin/env bash
# Goal: process-level faults on loopback, with real pactumd processes. Between
# the buyer and seller A sits a TCP proxy (chaos_proxy.py) that delays, drops,
# duplicates and cuts; then it stops reading (a stalled peer) while deals with
# seller B must go on; then garbage and a silent connection hit seller A's
# peer port; then seller B and the buyer are killed with SIGKILL again and
# again under load. After each, every deal an agent got acknowledged commits
# exactly once on both sides, settlement agrees, and every ledger verifies.
# Usage: fault_test.sh PACTUMD PACTUM [DEALS_PER_PHASE] [KILLS]
set -euo pipefail
PACTUMD=$(realpath "$1"); PACTUM=$(realpath "$2"); DEALS=${3:-30}; KILLS=${4:-6}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d /tmp/pactum-fault.XXXXXX)
source "$HERE/../../tools/federation_lib.sh"
PIDS=()
trap fed_cleanup EXIT INT TERM
cd "$WORK"
read -r PROXY_TO_A PROXY_TO_BUYER <<< "$(free_ports 2)"

# wait_long NODE PATH PY_EXPR SECONDS: wait_for with a longer bound.
wait_long() {
  local deadline=$((SECONDS + $4))
  while ((SECONDS < deadline)); do
    if get "$1" "$2" 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($3) else 1)" 2>/dev/null; then
      return 0
    fi
    sleep 0.3
  done
  fail "$1 $2: not true within $4 s: $3 (last: $(get "$1" "$2" 2>&1 | head -c 300))"
}
# propose SELLER: prints the id of a proposal the buyer's node acknowledged.
propose() {
  local out id
  for _ in $(seq 1 40); do
    out=$(agent buyer propose --seller-org "$1/org.pub" --product widget --currency EUR \
          --unit-price 12.00 --quantity 10 --json 2>/dev/null) || { sleep 0.25; continue; }
    id=$(jq_ "d['negotiation_id']" <<< "$out" 2>/dev/null || true)
    [[ $id =~ ^[0-9a-f]{64}$ ]] && { echo "$id"; return 0; }
    sleep 0.25
  done
  return 1
}
# auto_accept SELLER: accepts every proposal the seller's node holds, forever.
auto_accept() {
  while true; do
    for id in $(get "$1" /v1/negotiations 2>/dev/null \
                | jq_ "' '.join(n['id'] for n in d['negotiations'] if n['state']=='PROPOSED')" 2>/dev/null); do
      agent "$1" accept --negotiation "$id" >/dev/null 2>&1 || true
    done
    sleep 0.3
  done
}
# committed NODE IDS_FILE: every id anchored on both sides, settled, exactly once.
committed() {
  python3 -c "
import json, sys
ids = open('$2').read().split()
d = json.load(sys.stdin)
count = {}
for c in d['contracts']:
    if c['peer_anchored'] and c['settlement']['status'] == 'agreed':
        count[c['negotiation_id']] = count.get(c['negotiation_id'], 0) + 1
missing = [i for i in ids if count.get(i, 0) == 0]
doubled = [i for i in ids if count.get(i, 0) > 1]
if doubled:
    print('doubled', doubled); sys.exit(2)
sys.exit(1 if missing else 0)"
}
wait_committed() {  # wait_committed NODE IDS_FILE SECONDS
  local deadline=$((SECONDS + $3)) rc=1
  while ((SECONDS < deadline)); do
    rc=0; get "$1" /v1/contracts 2>/dev/null | committed "$1" "$2" || rc=$?
    [[ $rc -eq 0 ]] && return 0
    [[ $rc -eq 2 ]] && fail "$1: a deal of $2 committed twice"
    sleep 0.5
  done
  fail "$1: deals of $2 not all committed within $3 s"
}
proxy_mode() { echo "$1" > proxy_a.ctl; echo "$1" > proxy_b.ctl; sleep 0.3; }
proxy_stat() { python3 -c "import json; a=json.load(open('proxy_a.json')); b=json.load(open('proxy_b.json')); print(a['$1']+b['$1'])"; }

# ---------------------------------------------------------------- set-up
for n in buyer sellera sellerb; do make_org "$n"; done
setup_org buyer buyer sellera sellerb
setup_org sellera seller buyer
setup_org sellerb seller buyer
# Whichever side dials, the buyer<->sellera link goes through a proxy.
write_config buyer "${P[0]}" "${P[1]}" "${P[2]}" sellera "$PROXY_TO_A" sellerb "${P[6]}"
write_config sellera "${P[3]}" "${P[4]}" "${P[5]}" buyer "$PROXY_TO_BUYER"
write_config sellerb "${P[6]}" "${P[7]}" "${P[8]}" buyer "${P[0]}"
# sellera, the node the faults hit, checks every inbound signature on its
# second thread: crashes and restarts with envelopes in that queue.
sed -i 's/^tick_ms = 20$/tick_ms = 20\nsignature_offload_percent = 0/' sellera/node.toml
echo pass > proxy_a.ctl; echo pass > proxy_b.ctl
python3 "$HERE/chaos_proxy.py" "$PROXY_TO_A" "${P[3]}" proxy_a.ctl proxy_a.json 11 & PIDS+=($!)
python3 "$HERE/chaos_proxy.py" "$PROXY_TO_BUYER" "${P[0]}" proxy_b.ctl proxy_b.json 12 & PIDS+=($!)
for n in buyer sellera sellerb; do start_node "$n"; done
auto_accept sellera & PIDS+=($!)
auto_accept sellerb & PIDS+=($!)

# ---------------------------------------------------------------- chaos proxy
proxy_mode chaos
: > chaos_a.ids; : > chaos_b.ids
for i in $(seq 1 "$DEALS"); do
  propose sellera >> chaos_a.ids || fail "propose $i to sellera under chaos"
  ((i % 3 == 0)) && { propose sellerb >> chaos_b.ids || fail "propose to sellerb"; }
done
wait_committed buyer chaos_a.ids 240; wait_committed sellera chaos_a.ids 60
wait_committed buyer chaos_b.ids 60; wait_committed sellerb chaos_b.ids 60
faults=$(( $(proxy_stat dropped) + $(proxy_stat duplicated) + $(proxy_stat cut) ))
((faults > 0)) || fail "the proxy injected no fault"
ok "$DEALS deals through a proxy that dropped $(proxy_stat dropped), duplicated $(proxy_stat duplicated) and cut $(proxy_stat cut) times ($(proxy_stat connections) connections): all committed once on both sides"

# ---------------------------------------------------------------- stalled peer
proxy_mode stall
: > stall_a.ids; : > stall_b.ids
for _ in 1 2 3; do propose sellera >> stall_a.ids || fail "propose while stalled"; done
for _ in $(seq 1 10); do propose sellerb >> stall_b.ids || fail "propose to sellerb while A stalls"; done
wait_committed buyer stall_b.ids 60; wait_committed sellerb stall_b.ids 30
ok "while the link to sellera stalled, 10 deals with sellerb committed on both sides"
proxy_mode pass
wait_committed buyer stall_a.ids 120; wait_committed sellera stall_a.ids 60
ok "the stall ended; the 3 deals queued for sellera committed once on both sides"

# ---------------------------------------------------------------- garbage and silence
python3 - "${P[3]}" <<'PY' || fail "garbage client"
import os, socket, sys, time
port = int(sys.argv[1])
silent = socket.create_connection(("127.0.0.1", port))   # says nothing at all
for payload in (os.urandom(65536), b"\xff\xff\xff\xf0" + os.urandom(1024),
                b"\x16\x03\x01\x00\x05hello", b"GET / HTTP/1.1\r\n\r\n"):
    s = socket.create_connection(("127.0.0.1", port))
    try:
        s.sendall(payload)
        s.settimeout(10)
        while s.recv(4096):   # the node must close on us
            pass
    except OSError:
        pass
    s.close()
time.sleep(0.5)
silent.close()
PY
kill -0 "$(cat sellera/pid)" || fail "sellera died of garbage"
: > garbage.ids
for _ in 1 2 3; do propose sellera >> garbage.ids || fail "propose after garbage"; done
wait_committed buyer garbage.ids 60; wait_committed sellera garbage.ids 30
grep -q 'tls_failed' sellera/log || fail "sellera logged no failed TLS handshake"
ok "garbage, a fake 4 GiB frame header, a truncated ClientHello, HTTP and a silent socket: each closed, sellera serves on"

# ---------------------------------------------------------------- SIGKILL under load
: > kill.ids
( for _ in $(seq 1 "$DEALS"); do propose sellerb >> kill.ids || true; done ) & LOADER=$!
PIDS+=("$LOADER")
for k in $(seq 1 "$KILLS"); do
  sleep "$(python3 -c "import random; print(random.Random($k).uniform(0.5, 2.0))")"
  victim=sellerb; ((k % 3 == 0)) && victim=buyer
  kill -9 "$(cat $victim/pid)"; wait "$(cat $victim/pid)" 2>/dev/null || true
  start_node "$victim"
done
wait "$LOADER" || true
n_ack=$(wc -l < kill.ids)
((n_ack > 0)) || fail "no proposal was acknowledged under kills"
wait_committed buyer kill.ids 240; wait_committed sellerb kill.ids 60
ok "$KILLS SIGKILLs (sellerb and buyer) under load: all $n_ack acknowledged proposals committed once on both sides"

# ---------------------------------------------------------------- drain and verify
for n in buyer sellera sellerb; do
  kill -TERM "$(cat $n/pid)"
  set +e; wait "$(cat $n/pid)"; rc=$?; set -e
  [[ $rc -eq 0 ]] || fail "$n exited $rc after SIGTERM"
  "$PACTUM" ledger verify "$n/data/ledger" >/dev/null || fail "$n ledger does not verify"
done
ok "all three drained on SIGTERM; their ledgers verify"
echo "faults: all checks passed"
