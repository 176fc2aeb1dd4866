#!/usr/bin/env bash
# Gas of `verifyBatches` per run length (issue 12 "report gas per batch for runs of 1, 5 and
# 20"), measured on real L1 transactions: for each N in RUNS, a fresh `basalt dev --no-prover
# --max-batches-per-verify N` commits at least 2N + 2 batches (one L2 transfer per batch, sent
# with cast), then one `basalt prover` with the dev attester key proves them all and the proof
# sender verifies them in runs of at most N. The L1 mines every 2 s, so proofs gather while each
# verifyBatches waits for its block (an L1 that mines at once would verify one batch at a time). Every run of exactly N batches the proof sender
# logs ("batches verified", gas from the L1 receipt) is kept; the median is reported. Batch 1
# also consumes the dev deposits, so runs that start at batch 1 are left out.
#
# Environment: RUNS ("1 5 20"), BASALT (target/release/basalt), CARGO_TARGET_DIR (target).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-"1 5 20"}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BASALT=${BASALT:-$TARGET_DIR/release/basalt}
CAST=node_modules/.bin/cast
COMMAND="$({ env | grep -E '^(RUNS|BASALT)=' || true; } | sort | tr '\n' ' ')scripts/bench-verify-gas.sh"
# Dev account 0 (mnemonic "test test ... junk", index 0) pays the transfers.
SENDER_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80

command -v jq >/dev/null || { echo "bench-verify-gas: jq is required" >&2; exit 1; }
[ -x "$CAST" ] || { echo "bench-verify-gas: run npm ci first (no $CAST)" >&2; exit 1; }
if [ "$BASALT" = "$TARGET_DIR/release/basalt" ]; then
  cargo build --release --quiet -p basalt
fi
[ -x "$BASALT" ] || { echo "bench-verify-gas: $BASALT is missing" >&2; exit 1; }

LOG_DIR=$(mktemp -d /tmp/bench-verify-gas.XXXXXX)
NODE_PID=
PROVER_PID=
trap '[ -z "$PROVER_PID" ] || kill "$PROVER_PID" 2>/dev/null || true
      [ -z "$NODE_PID" ] || kill "$NODE_PID" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

source scripts/bench-common.sh # the scripts run from the repository root

# Waits (limit $2 s) until command "$1" succeeds; fails when the node exited.
wait_until() {
  local deadline=$((SECONDS + $2))
  until eval "$1"; do
    kill -0 "$NODE_PID" 2>/dev/null || { echo "bench-verify-gas: basalt dev exited" >&2; exit 1; }
    if ((SECONDS > deadline)); then
      echo "bench-verify-gas: '$1' not true within $2 s" >&2
      exit 1
    fi
    sleep 0.2
  done
}

# Batch numbers of the L2 at $L2_URL: field $1 of basalt_batchNumber as a decimal.
batches() {
  curl -s -X POST -H 'content-type: application/json' \
    --data '{"jsonrpc":"2.0","id":1,"method":"basalt_batchNumber","params":[]}' "$L2_URL" |
    jq -r ".result.$1 // \"0x0\"" | xargs printf '%d\n'
}

declare -A GAS
for n in $RUNS; do
  want=$((2 * n + 2))
  log="$LOG_DIR/dev-$n.log"
  l2port=$(free_port)
  coordinator="127.0.0.1:$(free_port)"
  L2_URL="http://127.0.0.1:$l2port"
  echo "bench-verify-gas: runs of $n: committing $want batches" >&2
  "$BASALT" dev --l1-port "$(free_port)" --l2-port "$l2port" --no-prover \
    --proof-coordinator-addr "$coordinator" --max-batches-per-verify "$n" \
    --block-time 1 --commit-interval 1 --l1-block-time 2 >"$log" 2>&1 &
  NODE_PID=$!
  wait_until "grep -qs 'ready in' '$log'" 30
  key=$(grep -o 'Attester: .*key 0x[0-9a-f]*' "$log" | grep -o '0x[0-9a-f]*$')
  nonce=$("$CAST" nonce --rpc-url "$L2_URL" "$("$CAST" wallet address "$SENDER_KEY")")
  while (($(batches committed) < want)); do
    kill -0 "$NODE_PID" 2>/dev/null || { echo "bench-verify-gas: basalt dev exited" >&2; exit 1; }
    "$CAST" send --async --rpc-url "$L2_URL" --private-key "$SENDER_KEY" --nonce "$nonce" \
      0x000000000000000000000000000000000000dEaD --value 1 >/dev/null
    nonce=$((nonce + 1))
    sleep 1
  done
  "$BASALT" prover --coordinator "$coordinator" --backend attestation --key "$key" \
    >"$LOG_DIR/prover-$n.log" 2>&1 &
  PROVER_PID=$!
  committed=$(batches committed)
  wait_until "(( \$(batches verified) >= $committed ))" 120
  kill "$PROVER_PID" 2>/dev/null || true
  wait "$PROVER_PID" 2>/dev/null || true
  PROVER_PID=
  stop_node
  # "first=6 last=10 gas=218547" of each verified run, ANSI colours stripped.
  sed 's/\x1b\[[0-9;]*m//g' "$log" | grep 'batches verified' |
    grep -o 'first=[0-9]* last=[0-9]* gas=[0-9]*' >"$LOG_DIR/runs-$n.txt"
  GAS[$n]=$(awk -v n="$n" -F'[= ]' '$2 > 1 && $4 - $2 + 1 == n { print $6 }' "$LOG_DIR/runs-$n.txt" |
    sort -n | awk '{v[NR]=$1} END { if (NR) print v[int((NR+1)/2)] " " NR; else print "- 0" }')
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo
echo "Machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB; commit $(git rev-parse --short HEAD); command: \`$COMMAND\`"
echo
echo "| batches per verifyBatches | runs measured | gas (median) | gas per batch |"
echo "| --- | --- | --- | --- |"
for n in $RUNS; do
  read -r gas count <<<"${GAS[$n]}"
  per=$([ "$gas" = - ] && echo - || echo $((gas / n)))
  echo "| $n | $count | $gas | $per |"
done
echo
echo "Logs: $LOG_DIR" >&2
