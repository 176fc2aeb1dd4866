#!/usr/bin/env bash
# Time from an L2 withdrawal to claimable on the L1 in `basalt dev` with default settings
# (issue 13 "Must show", goal <= 5 s): starts `basalt dev` on free ports, then COUNT times, one
# after the other, sends `L2Bridge.withdraw` of 1 gwei from a dev account as a raw transaction
# (signed beforehand with cast, so the clock starts when the node accepts it) and polls
# `basalt_getL1MessageProof` every POLL seconds until its status is `claimable` (its batch is
# final on the L1: sealed, committed, proven and verified). The samples start once the first
# batch is verified (the cold start, mostly the KZG trusted-setup load, is printed apart).
# Prints min / median / max and every sample, with machine, commit and command, as Markdown.
# The node is killed by its own pid.
#
# Environment: COUNT (20), POLL (0.02), BASALT (target/release/basalt), CARGO_TARGET_DIR (target).
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-20}
POLL=${POLL:-0.02}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BASALT=${BASALT:-$TARGET_DIR/release/basalt}
CAST=node_modules/.bin/cast
KEY=0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba # dev account 5
L2_BRIDGE=0x00000000000000000000000000000000000001ff
RECIPIENT=0x00000000000000000000000000000000000b0b0b
COMMAND="$({ env | grep -E '^(COUNT|POLL|BASALT)=' || true; } | sort | tr '\n' ' ')scripts/bench-withdrawals.sh"

command -v jq >/dev/null || { echo "bench-withdrawals: jq is required" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench-withdrawals: curl is required" >&2; exit 1; }
[ -x "$CAST" ] || { echo "bench-withdrawals: run npm ci first (needs $CAST)" >&2; exit 1; }
if [ "$BASALT" = "$TARGET_DIR/release/basalt" ]; then
  cargo build --release --quiet -p basalt
fi
[ -x "$BASALT" ] || { echo "bench-withdrawals: $BASALT is missing" >&2; exit 1; }

source scripts/bench-common.sh # free_port, stop_node
LOG=$(mktemp /tmp/bench-withdrawals.XXXXXX.log)
NODE_PID=
trap '[ -z "$NODE_PID" ] || kill "$NODE_PID" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

L1_PORT=$(free_port)
L2_PORT=$(free_port)
L2="http://127.0.0.1:$L2_PORT"
BASALT_PROOF_COORDINATOR_ADDR=127.0.0.1:0 "$BASALT" dev --l1-port "$L1_PORT" --l2-port "$L2_PORT" \
  >"$LOG" 2>&1 &
NODE_PID=$!
deadline=$((SECONDS + 120))
until grep -q "ready in " "$LOG"; do
  kill -0 "$NODE_PID" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  ((SECONDS < deadline)) || { echo "bench-withdrawals: basalt dev not ready" >&2; exit 1; }
  sleep 0.05
done

rpc() { # method, params JSON -> result JSON
  curl -s -H 'content-type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$L2" | jq -c .result
}
now() { date +%s.%N; }

# The pipeline's cold start is measured apart: the first batch (the dev accounts' funding
# deposits) waits for the KZG trusted setup to load (seconds of CPU, once per process) before
# it can be sealed. The samples start once it is verified.
warm_start=$(now)
until [ "$(rpc basalt_batchNumber '[]' | jq -r '.verified // "0x0"')" != 0x0 ]; do
  kill -0 "$NODE_PID" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  ((SECONDS < deadline + 120)) || { echo "bench-withdrawals: no batch verified" >&2; exit 1; }
  sleep "$POLL"
done
FIRST_VERIFIED=$(echo "$(now) - $warm_start" | bc -l)

SENDER=$("$CAST" wallet address "$KEY")
NONCE=$(($(rpc eth_getTransactionCount "[\"$SENDER\",\"latest\"]" | tr -d '"')))
CHAIN_ID=$(($(rpc eth_chainId '[]' | tr -d '"')))
SAMPLES=()
for i in $(seq 1 "$COUNT"); do
  raw=$("$CAST" mktx "$L2_BRIDGE" "withdraw(address)" "$RECIPIENT" --value 1gwei \
    --private-key "$KEY" --nonce "$NONCE" --chain "$CHAIN_ID" --gas-limit 200000 \
    --gas-price 10gwei --priority-gas-price 1 -r "$L2")
  NONCE=$((NONCE + 1))
  start=$(now)
  hash=$(rpc eth_sendRawTransaction "[\"$raw\"]" | tr -d '"')
  [ "${#hash}" -eq 66 ] || { echo "bench-withdrawals: not accepted: $hash" >&2; exit 1; }
  until [ "$(rpc basalt_getL1MessageProof "[\"$hash\"]" | jq -r '.[0].status // empty')" = claimable ]; do
    sleep "$POLL"
  done
  end=$(now)
  sample=$(echo "$end - $start" | bc -l)
  SAMPLES+=("$sample")
  printf 'withdrawal %2d: %.2f s\n' "$i" "$sample" >&2
done
stop_node

SORTED=$(printf '%s\n' "${SAMPLES[@]}" | sort -g)
MIN=$(echo "$SORTED" | head -1)
MAX=$(echo "$SORTED" | tail -1)
MEDIAN=$(echo "$SORTED" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')

echo "**Machine:** $(nproc) vCPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)."
echo "**Commit:** $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with local changes)')." \
  "**Date:** $(date -u +%Y-%m-%d). **Command:** \`$COMMAND\`"
echo
echo "| withdrawals | min | median | max |"
echo "| ---: | ---: | ---: | ---: |"
printf '| %d | %.2f s | %.2f s | %.2f s |\n' "$COUNT" "$MIN" "$MEDIAN" "$MAX"
echo
echo "Samples (s): $(printf '%.2f ' "${SAMPLES[@]}")"
echo
printf 'Ready line to the first batch verified (the funding deposits, before the samples): %.2f s\n' \
  "$FIRST_VERIFIED"
