# Shell functions for running a local pactum federation on loopback, shared by
# the federation test (tests/node/federation_test.sh) and the demo
# (tools/demo.sh). The caller sets PACTUMD, PACTUM, WORK (cwd) and PIDS=().
# FED_LEDGER_FSYNC=true makes nodes fsync their ledgers (the demo does; the
# test trades durability against the shared CI disk's fsync rate).
# FED_APPROVAL_THRESHOLD_MINOR (for one setup_org call) lowers that org's
# human-approval threshold; a NAME/approver.pub present at setup_org time is
# listed as an approver besides the org root (the demo's approver key).
fail() { echo "FAIL: $*" >&2; for f in "$WORK"/*/log; do echo "== $f" >&2; tail -20 "$f" >&2; done; exit 1; }
ok() { echo "ok: $*"; }
# fed_cleanup: the tests' exit trap. Kills every process in PIDS; removes WORK
# unless KEEP is set.
fed_cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ "${KEEP:-}" == "" ]]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
free_ports() { python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
read -r -a P <<< "$(free_ports 12)"

now_iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
pub() { head -1 "$1"; }

# make_org NAME: org root, node key + certificates, agent key.
make_org() {
  local n=$1
  mkdir -p "$n"
  "$PACTUM" key gen --out "$n/org.key" --no-passphrase >/dev/null
  "$PACTUM" key show "$n/org.key" --public-out "$n/org.pub" >/dev/null
  "$PACTUM" key gen --out "$n/node.key" --no-passphrase >/dev/null
  "$PACTUM" key show "$n/node.key" --public-out "$n/node.pub" >/dev/null
  "$PACTUM" cert node --org-key "$n/org.key" --org-name "$n-org" --node-key "$n/node.pub" \
    --name "$n-node" --out "$n/node.cert" --x509-out "$n/node.pem" >/dev/null
  "$PACTUM" cert org --org-key "$n/org.key" --name "$n-org" --out "$n/org.cert" >/dev/null
  "$PACTUM" key gen --out "$n/agent.key" --no-passphrase >/dev/null
  "$PACTUM" key show "$n/agent.key" --public-out "$n/agent.pub" >/dev/null
}

# setup_org NAME ROLE PEERS...: policy and mandate naming the peers' org roots.
setup_org() {
  local n=$1 role=$2; shift 2
  local list="" mlist="" approvers
  approvers="\"$(pub "$n/org.pub")\""
  [[ -f $n/approver.pub ]] && approvers+=", \"$(pub "$n/approver.pub")\""
  for p in "$@"; do
    list+="${list:+, }\"$(pub "$p/org.pub")\""
    mlist+="${mlist:+, }\"../$p/org.pub\""
  done
  cat > "$n/policy.toml" <<POL
version = 1
currency = "EUR"
max_rounds = 8
max_concession_per_round_ppm = 300000
approval_threshold_minor = ${FED_APPROVAL_THRESHOLD_MINOR:-100000000}
max_open_exposure_minor = 100000000000
allowed_counterparties = [$list]
approvers = [$approvers]
[products.widget]
floor_minor = 800
ceiling_minor = 1500
list_minor = 1200
max_discount_ppm = 400000
POL
  cat > "$n/mandate.toml" <<MAN
role = "$role"
counterparties = [$mlist]
products = ["widget"]
currency = "EUR"
per_contract_limit = "1000000.00"
cumulative_limit = "1000000000.00"
period_days = 30
max_concession_per_round_ppm = 300000
max_concession_total_ppm = 600000
approval_threshold = "900000.00"
approvers = []
valid_from = $(now_iso "-1 day")
valid_until = $(now_iso "+300 days")
MAN
  (cd "$n" && "$PACTUM" mandate issue --org-key org.key --agent agent.pub --terms mandate.toml --out agent.mandate >/dev/null)
}

# write_config NAME PEER_PORT API_PORT METRICS_PORT [PARTNER PARTNER_PORT]...
write_config() {
  local n=$1 peer=$2 api=$3 met=$4; shift 4
  cat > "$n/node.toml" <<CFG
[node]
name = "$n"
data_dir = "data"
policy = "policy.toml"
ledger_fsync = ${FED_LEDGER_FSYNC:-false}
[keys]
node_key = "node.key"
passphrase = "none"
org_root = "org.pub"
node_certificate_pem = "node.pem"
node_certificate = "node.cert"
[listen]
peer = "127.0.0.1:$peer"
api = "127.0.0.1:$api"
metrics = "127.0.0.1:$met"
[limits]
tick_ms = 20
CFG
  while [[ $# -gt 0 ]]; do
    printf '[[partners]]\nname = "%s"\norg_root = "%s"\naddress = "127.0.0.1:%s"\n' \
      "$1" "$(pub "$1/org.pub")" "$2" >> "$n/node.toml"
    shift 2
  done
}

start_node() {
  local n=$1
  rm -f "$n/ready.json"
  "$PACTUMD" --config "$n/node.toml" --ready-file "$n/ready.json" 2>>"$n/log" &
  local pid=$!
  PIDS+=("$pid")
  echo "$pid" > "$n/pid"
  for _ in $(seq 1 200); do
    [[ -f "$n/ready.json" ]] && return 0
    kill -0 "$pid" 2>/dev/null || fail "$n exited at start-up"
    sleep 0.05
  done
  fail "$n not ready"
}

api() { echo "127.0.0.1:$(python3 -c "import json;print(json.load(open('$1/ready.json'))['api'])")"; }
get() { curl -sS --max-time 5 "http://$(api "$1")$2"; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# wait_for NAME PATH PY_EXPR: polls a GET route until the expression is true.
wait_for() {
  for _ in $(seq 1 300); do
    if get "$1" "$2" 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($3) else 1)" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  fail "$1 $2: never true: $3 (last: $(get "$1" "$2" 2>&1 | head -c 400))"
}

agent() {  # agent ORG VERB ARGS...
  local n=$1 verb=$2; shift 2
  "$PACTUM" agent "$verb" --node "$(api "$n")" --key "$n/agent.key" --mandate "$n/agent.mandate" "$@"
}

