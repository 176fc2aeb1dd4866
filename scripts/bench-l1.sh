#!/usr/bin/env bash
# Side-by-side benchmark of the development L1 nodes, `basalt l1` and anvil, in one run on one
# machine. For each node:
#   (a) time from process start to the first answer to eth_chainId (polled every 5 ms; median
#       of STARTUP_RUNS starts);
#   (b) TXS ETH transfers, then TXS ERC20 transfers, then LARGE_TXS ETH transfers (each on a
#       fresh node), from SENDERS accounts
#       (`--block-time 1 --gas-limit 1000000000`, `basalt loadtest --start-after-block`: the
#       timed phase starts right after a block, so both nodes are measured from the same
#       point of their block cycle); LOAD_RUNS runs each, the run with the median TPS shown;
#   (c) eth_getLogs over LOGS_BLOCKS single-transfer blocks on a fresh automining node, p50.
# Prints a Markdown table with both nodes and the basalt/anvil ratio, plus machine, commit and
# command. Every node is started fresh on a free port and killed by its own pid.
#
#   scripts/bench-l1.sh                 both nodes (builds target/release/basalt if missing)
#   ONLY_ANVIL=1 scripts/bench-l1.sh    anvil alone
#
# Environment: TXS (10000), LARGE_TXS (50000), SENDERS (100), LOAD_RUNS (3), LOGS_BLOCKS (1000), LOGS_QUERIES (100),
# STARTUP_RUNS (5), ANVIL (node_modules/.bin/anvil), BASALT (target/release/basalt),
# CARGO_TARGET_DIR (target).
set -euo pipefail
cd "$(dirname "$0")/.."

TXS=${TXS:-10000}
SENDERS=${SENDERS:-100}
LOAD_RUNS=${LOAD_RUNS:-3}
# A load large enough that neither node fits it in one block: the node, not the block
# clock, bounds the included TPS.
LARGE_TXS=${LARGE_TXS:-50000}
LOGS_BLOCKS=${LOGS_BLOCKS:-1000}
LOGS_QUERIES=${LOGS_QUERIES:-100}
STARTUP_RUNS=${STARTUP_RUNS:-5}
ONLY_ANVIL=${ONLY_ANVIL:-0}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
ANVIL=${ANVIL:-node_modules/.bin/anvil}
BASALT=${BASALT:-$TARGET_DIR/release/basalt}
COMMAND="$({ env | grep -E '^(ONLY_ANVIL|TXS|LARGE_TXS|SENDERS|LOAD_RUNS|LOGS_BLOCKS|LOGS_QUERIES|STARTUP_RUNS|BASALT|ANVIL)=' || true; } \
  | sort | tr '\n' ' ')scripts/bench-l1.sh${*:+ $*}"

for tool in jq git; do
  command -v "$tool" >/dev/null || { echo "bench-l1: $tool is required" >&2; exit 1; }
done
[ -x "$ANVIL" ] || { echo "bench-l1: $ANVIL is missing; run npm ci" >&2; exit 1; }

# `basalt` (node and load generator, `basalt loadtest`) is built every time (a no-op when
# fresh) so it matches the sources.
if [ "$BASALT" = "$TARGET_DIR/release/basalt" ]; then
  cargo build --release --quiet -p basalt
fi
[ -x "$BASALT" ] || { echo "bench-l1: $BASALT is missing" >&2; exit 1; }
NODES=(anvil)
if [ "$ONLY_ANVIL" != 1 ]; then
  NODES=(basalt anvil)
fi

LOG_DIR=$(mktemp -d /tmp/bench-l1.XXXXXX)
# One node runs at a time; functions that start one run in this shell (never in $(...)), so
# the trap always knows its pid.
NODE_PID=
trap '[ -z "$NODE_PID" ] || kill "$NODE_PID" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM # through the EXIT trap, so an interrupted run leaves no node behind

source scripts/bench-common.sh # the scripts run from the repository root

# Starts node $1 on port $2 with extra arguments; sets NODE_PID. Output goes to LOG_DIR.
start_node() {
  local node=$1 port=$2
  shift 2
  case $node in
    basalt) "$BASALT" l1 --port "$port" "$@" >>"$LOG_DIR/basalt.log" 2>&1 & ;;
    anvil) "$ANVIL" --port "$port" "$@" >>"$LOG_DIR/anvil.log" 2>&1 & ;;
  esac
  NODE_PID=$!
}

# Whether eth_chainId answers on port $1. Bash builtins only (no fork per attempt), so polling
# every 5 ms adds no work that competes with the starting node.
CHAIN_ID_BODY='{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
answers_chain_id() {
  local answer=
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "${#CHAIN_ID_BODY}" "$CHAIN_ID_BODY" >&3 2>/dev/null || { exec 3>&-; return 1; }
  IFS= read -r -d '' -t 2 answer <&3 || true
  exec 3>&-
  [[ $answer == *'"result"'* ]]
}

# Polls port $1 every 5 ms until eth_chainId answers (30 s at most). Fails (returns 1) when
# the node exited, e.g. because another process took the port between check and bind.
wait_ready() {
  local deadline=$((SECONDS + 30))
  until answers_chain_id "$1"; do
    kill -0 "$NODE_PID" 2>/dev/null || { NODE_PID=; return 1; }
    if ((SECONDS > deadline)); then
      echo "bench-l1: nothing answered eth_chainId on port $1 within 30 s; see $LOG_DIR" >&2
      exit 1
    fi
    sleep 0.005
  done
}

# (a) Sets STARTUP_MS: the median time from spawning node $1 to its first eth_chainId answer.
# EPOCHREALTIME is read without a fork.
startup_ms() {
  local node=$1 times=() port start end
  for ((run = 0; run < STARTUP_RUNS; run++)); do
    port=$(free_port)
    start=${EPOCHREALTIME/./}
    start_node "$node" "$port"
    if ! wait_ready "$port"; then
      ((run--)) || true # the port was taken: measure this start again
      continue
    fi
    end=${EPOCHREALTIME/./}
    stop_node
    times+=("$(((end - start) / 100))") # tenths of a millisecond
  done
  STARTUP_MS=$(printf '%s\n' "${times[@]}" | sort -n |
    awk '{v[NR]=$1} END {printf "%.1f", v[int((NR+1)/2)]/10}')
}

# Runs the load generator (arguments up to --) against a fresh node $1 started with the
# arguments after --; sets LOAD_FILE to the JSON report.
run_load() {
  local node=$1 name=$2 port
  shift 2
  local load_args=()
  while [ "$1" != -- ]; do load_args+=("$1"); shift; done
  shift
  local attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    start_node "$node" "$port" "$@"
    wait_ready "$port" && break
    echo "bench-l1: $node exited at start (port $port taken?); trying another port" >&2
    ((attempt < 3)) || exit 1
  done
  local out="$LOG_DIR/$node-$name.json"
  if ! "$BASALT" loadtest --rpc-url "http://127.0.0.1:$port" --json "${load_args[@]}" >"$out" \
    2>"$LOG_DIR/$node-$name.err"; then
    echo "bench-l1: $name load on $node failed: $(head -c 600 "$LOG_DIR/$node-$name.err")" >&2
    exit 1
  fi
  stop_node
  LOAD_FILE=$out
}

# Checks that a transfer run included every transfer without errors.
check_complete() {
  local file=$1 what=$2
  if [ "$(jq '.send_errors == 0 and .included == .txs' "$file")" != true ]; then
    echo "bench-l1: $what was incomplete: $(jq -c '{sent, send_errors, included, errors}' "$file")" >&2
    exit 1
  fi
}

declare -A RESULT
for node in "${NODES[@]}"; do
  echo "bench-l1: $node: start-up ($STARTUP_RUNS runs)" >&2
  startup_ms "$node"
  RESULT[$node.startup]=$STARTUP_MS

  # name, transfer kind, transfers
  for load in "eth eth $TXS" "erc20 erc20 $TXS" "large eth $LARGE_TXS"; do
    read -r kind transfer count <<<"$load"
    runs=()
    for ((run = 1; run <= LOAD_RUNS; run++)); do
      echo "bench-l1: $node: $count $transfer transfers (run $run of $LOAD_RUNS)" >&2
      run_load "$node" "$kind-$run" --kind "$transfer" --txs "$count" --senders "$SENDERS" \
        --start-after-block -- --block-time 1 --gas-limit 1000000000
      check_complete "$LOAD_FILE" "the $kind load on $node"
      runs+=("$(jq -r '.included_tps' "$LOAD_FILE") $LOAD_FILE")
      RESULT[$node.$kind.all]="${RESULT[$node.$kind.all]:-}${RESULT[$node.$kind.all]:+, }$(jq -r '.included_tps | round' "$LOAD_FILE")"
    done
    # The run with the median included TPS.
    file=$(printf '%s\n' "${runs[@]}" | sort -n | awk '{f[NR]=$2} END {print f[int((NR+1)/2)]}')
    RESULT[$node.$kind.tps]=$(jq -r '.included_tps | . * 10 | round / 10' "$file")
    RESULT[$node.$kind.p50]=$(jq -r '.latency.p50_ms | round' "$file")
    RESULT[$node.$kind.p99]=$(jq -r '.latency.p99_ms | round' "$file")
    RESULT[$node.$kind.send]=$(jq -r '.send_rate | round' "$file")
    RESULT[$node.$kind.blocks]=$(jq -r '.blocks_used' "$file")
    RESULT[$node.$kind.mgas]=$(jq -r '.gas_per_second / 1e6 | . * 10 | round / 10' "$file")
  done

  echo "bench-l1: $node: eth_getLogs over $LOGS_BLOCKS blocks" >&2
  run_load "$node" logs --logs-bench-blocks "$LOGS_BLOCKS" --logs-queries "$LOGS_QUERIES" --
  file=$LOAD_FILE
  RESULT[$node.logs.p50]=$(jq -r '.latency.p50_ms | . * 100 | round / 100' "$file")
  RESULT[$node.logs.p90]=$(jq -r '.latency.p90_ms | . * 100 | round / 100' "$file")
done

value() { echo "${RESULT[$1]:-—}"; }
ratio() {
  local b=${RESULT[basalt.$1]:-} a=${RESULT[anvil.$1]:-}
  if [[ $b == *,* || $a == *,* ]]; then echo —; return; fi
  if [ -n "$b" ] && [ -n "$a" ]; then awk -v b="$b" -v a="$a" 'BEGIN {printf (a > 0 ? "%.2f" : "—"), b / a}'; else echo —; fi
}
row() { echo "| $1 | $(value "basalt.$2") | $(value "anvil.$2") | $(ratio "$2") |"; }

commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- 2>/dev/null || commit="$commit (with uncommitted changes)"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
memory=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)

cat <<EOF

**Machine:** $(nproc) vCPU, $cpu, $memory RAM. **Commit:** $commit. **Date:** $(date -u +%Y-%m-%d).
**Command:** \`$COMMAND\` (anvil $("$ANVIL" --version | head -1 | awk '{print $3}'); $TXS transfers from $SENDERS senders,
batches of 100, 8 requests in flight; eth_getLogs: $LOGS_QUERIES queries over $LOGS_BLOCKS blocks).

| metric | basalt l1 | anvil | basalt/anvil |
| --- | --- | --- | --- |
$(row "start-up to first eth_chainId, ms (median of $STARTUP_RUNS; lower is better)" startup)
$(row "ETH transfers: included TPS, median run (higher is better)" eth.tps)
$(row "ETH transfers: included TPS of each run" eth.all)
$(row "ETH transfers: inclusion latency p50 / ms" eth.p50)
$(row "ETH transfers: inclusion latency p99 / ms" eth.p99)
$(row "ETH transfers: submitted tx/s" eth.send)
$(row "ETH transfers: blocks used" eth.blocks)
$(row "ETH transfers: Mgas/s" eth.mgas)
$(row "ERC20 transfers: included TPS, median run (higher is better)" erc20.tps)
$(row "ERC20 transfers: included TPS of each run" erc20.all)
$(row "ERC20 transfers: inclusion latency p50 / ms" erc20.p50)
$(row "ERC20 transfers: inclusion latency p99 / ms" erc20.p99)
$(row "ERC20 transfers: submitted tx/s" erc20.send)
$(row "ERC20 transfers: blocks used" erc20.blocks)
$(row "ERC20 transfers: Mgas/s" erc20.mgas)
$(row "$LARGE_TXS ETH transfers: included TPS, median run (higher is better)" large.tps)
$(row "$LARGE_TXS ETH transfers: included TPS of each run" large.all)
$(row "$LARGE_TXS ETH transfers: submitted tx/s" large.send)
$(row "$LARGE_TXS ETH transfers: blocks used" large.blocks)
$(row "$LARGE_TXS ETH transfers: inclusion latency p50 / ms" large.p50)
$(row "eth_getLogs, $LOGS_BLOCKS logs: p50 / ms (lower is better)" logs.p50)
$(row "eth_getLogs, $LOGS_BLOCKS logs: p90 / ms" logs.p90)

Reports and node logs: $LOG_DIR
EOF
