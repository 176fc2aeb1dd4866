#!/usr/bin/env bash
# Side-by-side benchmark of the L2 (`basalt dev`) against the dev L1 (`basalt l1`), in one run
# on one machine (issue 10 "Must show"):
#   (a) TXS ETH transfers and TXS ERC20 transfers from SENDERS accounts, by `basalt loadtest
#       --start-after-block`, against `basalt l1 --block-time 1 --gas-limit 1000000000` and
#       against the L2 of `basalt dev --block-time 1 --l2-gas-limit 1000000000`; RUNS runs each
#       on a fresh node, the two nodes taking turns, the run with the median included TPS shown;
#   (b) time from spawning `basalt dev` to its ready line (both RPCs answering, the dev accounts
#       funded on L2 by their deposits), measured outside the process (log polled every 5 ms),
#       STARTS starts; median and max.
# Prints a Markdown table with machine, commit and command. Every node is started fresh on free
# ports and killed by its own pid.
#
# Environment: TXS (50000), SENDERS (100), RUNS (3), STARTS (10), KINDS ("eth erc20"),
# L2_ARGS (extra `basalt dev` flags, e.g. --no-prover), BASALT (target/release/basalt),
# CARGO_TARGET_DIR (target).
set -euo pipefail
cd "$(dirname "$0")/.."

TXS=${TXS:-50000}
SENDERS=${SENDERS:-100}
RUNS=${RUNS:-3}
STARTS=${STARTS:-10}
KINDS=${KINDS:-"eth erc20"}
L2_ARGS=${L2_ARGS:-}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BASALT=${BASALT:-$TARGET_DIR/release/basalt}
COMMAND="$({ env | grep -E '^(TXS|SENDERS|RUNS|STARTS|KINDS|L2_ARGS|BASALT)=' || true; } \
  | sort | tr '\n' ' ')scripts/bench-l2.sh"

command -v jq >/dev/null || { echo "bench-l2: jq is required" >&2; exit 1; }
if [ "$BASALT" = "$TARGET_DIR/release/basalt" ]; then
  cargo build --release --quiet -p basalt
fi
[ -x "$BASALT" ] || { echo "bench-l2: $BASALT is missing" >&2; exit 1; }

LOG_DIR=$(mktemp -d /tmp/bench-l2.XXXXXX)
NODE_PID=
trap '[ -z "$NODE_PID" ] || kill "$NODE_PID" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

source scripts/bench-common.sh # the scripts run from the repository root

# Waits (30 s at most) until file $1 contains $2; fails when the node exited.
wait_for_line() {
  local deadline=$((SECONDS + 30))
  until grep -q "$2" "$1" 2>/dev/null; do
    kill -0 "$NODE_PID" 2>/dev/null || return 1
    if ((SECONDS > deadline)); then
      echo "bench-l2: no '$2' in $1 within 30 s" >&2
      exit 1
    fi
    sleep 0.005
  done
}

# Starts a node ($1 = l1 | l2); sets NODE_PID and RPC_URL. A node that exits before its ready
# line (a port taken meanwhile) is started again on other ports, three times at most.
start_node() {
  local which=$1 log=$2 port l1port attempt ready
  for attempt in 1 2 3; do
    port=$(free_port)
    case $which in
      l1)
        "$BASALT" l1 --port "$port" --block-time 1 --gas-limit 1000000000 >"$log" 2>&1 &
        NODE_PID=$!
        ready="RPC URL"
        ;;
      l2)
        l1port=$(free_port)
        "$BASALT" dev --l1-port "$l1port" --l2-port "$port" --block-time 1 \
          --l2-gas-limit 1000000000 $L2_ARGS >"$log" 2>&1 &
        NODE_PID=$!
        ready="ready in"
        ;;
    esac
    if wait_for_line "$log" "$ready"; then
      RPC_URL="http://127.0.0.1:$port"
      return 0
    fi
    echo "bench-l2: $which exited before it was ready (attempt $attempt): $(grep -m1 -i error "$log")" >&2
    stop_node
  done
  exit 1
}

declare -A RESULT
declare -A RUN_FILES
# The nodes take turns, run by run, and the one that goes first alternates: a machine whose
# speed drifts during the benchmark (a shared VM does) then slows both alike.
for kind in $KINDS; do
  for ((run = 1; run <= RUNS; run++)); do
    if ((run % 2)); then order=(l1 l2); else order=(l2 l1); fi
    for node in "${order[@]}"; do
      echo "bench-l2: $node: $TXS $kind transfers (run $run of $RUNS)" >&2
      start_node "$node" "$LOG_DIR/$node-$kind-$run.log"
      out="$LOG_DIR/$node-$kind-$run.json"
      "$BASALT" loadtest --rpc-url "$RPC_URL" --json --kind "$kind" --txs "$TXS" \
        --senders "$SENDERS" --start-after-block >"$out" 2>"$LOG_DIR/$node-$kind-$run.err" ||
        { echo "bench-l2: load failed: $(head -c 600 "$LOG_DIR/$node-$kind-$run.err")" >&2; exit 1; }
      stop_node
      if [ "$(jq '.send_errors == 0 and .included == .txs' "$out")" != true ]; then
        echo "bench-l2: incomplete run: $(jq -c '{sent, send_errors, included, errors}' "$out")" >&2
        exit 1
      fi
      RUN_FILES[$node.$kind]="${RUN_FILES[$node.$kind]:-} $(jq -r '.included_tps' "$out"):$out"
      RESULT[$node.$kind.blocksall]="${RESULT[$node.$kind.blocksall]:-}${RESULT[$node.$kind.blocksall]:+, }$(jq -r '.blocks_used' "$out")"
      RESULT[$node.$kind.all]="${RESULT[$node.$kind.all]:-}${RESULT[$node.$kind.all]:+, }$(jq -r '.included_tps | round' "$out")"
    done
  done
  for node in l1 l2; do
    file=$(printf '%s\n' ${RUN_FILES[$node.$kind]} | sort -t: -k1 -n |
      awk -F: '{f[NR]=$2} END {print f[int((NR+1)/2)]}')
    RESULT[$node.$kind.tps]=$(jq -r '.included_tps | round' "$file")
    RESULT[$node.$kind.blocks]=$(jq -r '.blocks_used' "$file")
    RESULT[$node.$kind.send]=$(jq -r '.send_rate | round' "$file")
    RESULT[$node.$kind.mean]=$(printf '%s\n' ${RUN_FILES[$node.$kind]} |
      awk -F: '{s += $1} END {printf "%.0f", s / NR}')
  done
done

echo "bench-l2: basalt dev start to ready ($STARTS starts)" >&2
times=()
inner=()
for ((run = 0; run < STARTS; run++)); do
  log="$LOG_DIR/ready-$run.log"
  start=${EPOCHREALTIME/./}
  "$BASALT" dev --l1-port "$(free_port)" --l2-port "$(free_port)" >"$log" 2>&1 &
  NODE_PID=$!
  wait_for_line "$log" "ready in"
  end=${EPOCHREALTIME/./}
  stop_node
  times+=("$(((end - start) / 1000))")
  inner+=("$(grep -o 'ready in [0-9]*' "$log" | awk '{print $3}')")
done
ready_median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
ready_max=$(printf '%s\n' "${times[@]}" | sort -n | tail -1)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "**Machine:** $(nproc) vCPU $cpu, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, load average $(cut -d' ' -f1 /proc/loadavg) at the end."
echo "**Commit:** $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (uncommitted changes)'). **Date:** $(date -u +%Y-%m-%d). **Command:** \`$COMMAND\`"
echo
echo "| metric | basalt l1 | basalt dev L2 | L2/L1 |"
echo "| --- | --- | --- | --- |"
for kind in $KINDS; do
  label="$TXS $(echo "$kind" | tr a-z A-Z | sed 's/^ETH$/ETH/') transfers"
  echo "| $label: included TPS, median run | ${RESULT[l1.$kind.tps]} | ${RESULT[l2.$kind.tps]} | $(ratio "${RESULT[l2.$kind.tps]}" "${RESULT[l1.$kind.tps]}") |"
  echo "| $label: included TPS, mean of the runs | ${RESULT[l1.$kind.mean]} | ${RESULT[l2.$kind.mean]} | $(ratio "${RESULT[l2.$kind.mean]}" "${RESULT[l1.$kind.mean]}") |"
  echo "| $label: included TPS of each run | ${RESULT[l1.$kind.all]} | ${RESULT[l2.$kind.all]} | — |"
  echo "| $label: submitted tx/s | ${RESULT[l1.$kind.send]} | ${RESULT[l2.$kind.send]} | $(ratio "${RESULT[l2.$kind.send]}" "${RESULT[l1.$kind.send]}") |"
  echo "| $label: blocks used, median run | ${RESULT[l1.$kind.blocks]} | ${RESULT[l2.$kind.blocks]} | — |"
  echo "| $label: blocks used in each run | ${RESULT[l1.$kind.blocksall]} | ${RESULT[l2.$kind.blocksall]} | — |"
done
echo
echo "basalt dev start to ready (spawn to ready line, $STARTS starts): median ${ready_median} ms, max ${ready_max} ms; each: ${times[*]} ms; as the process reports them: ${inner[*]} ms."
echo "Logs: $LOG_DIR"
