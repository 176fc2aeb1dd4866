#!/usr/bin/env bash
# Start-up cost of a datadir's trie-node log. For a datadir that holds a chain (made with
# `basalt bench generate` and `basalt import`, see docs/benchmarks.md), starts
# `basalt l1 --datadir DATADIR --no-mining` and measures
#   - open to ready: from the process start to its first JSON-RPC answer (eth_blockNumber,
#     polled every 5 ms): the database opened, the node log scanned or its index read, the
#     head's state checked, the server listening;
#   - peak resident memory: VmHWM of the process at that moment (from /proc/PID/status).
# Median of RUNS starts. Each node is stopped with SIGINT (by its own pid) and waited for, as a
# user stops it: its database is closed cleanly, so every start is an ordinary one (after a
# SIGKILL, redb would first repair its file, which costs the same whatever the node log does).
# Also prints the log's size and its record count, parsed here, independently of the binary.
#
#   scripts/bench-node-log.sh DATADIR [BASALT]     (BASALT: default target/release/basalt)
#
# Environment: RUNS (5).
set -euo pipefail
cd "$(dirname "$0")/.."

DATADIR=${1:?usage: scripts/bench-node-log.sh DATADIR [BASALT]}
BASALT=${2:-target/release/basalt}
RUNS=${RUNS:-5}
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "bench-node-log: $tool is required" >&2; exit 1; }
done
[ -x "$BASALT" ] || { echo "bench-node-log: $BASALT is missing" >&2; exit 1; }
[ -f "$DATADIR/trie-nodes.log" ] || { echo "bench-node-log: $DATADIR has no trie-nodes.log" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

now_ns() { date +%s%N; }

times=()
peaks=()
for run in $(seq "$RUNS"); do
  port=$(free_port)
  log=$(mktemp)
  start=$(now_ns)
  "$BASALT" l1 --port "$port" --datadir "$DATADIR" --no-mining >"$log" 2>&1 &
  pid=$!
  until curl -s -o /dev/null -X POST -H 'content-type: application/json' \
      --data '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' \
      "http://127.0.0.1:$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "bench-node-log: basalt l1 exited:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.005
  done
  ready=$(now_ns)
  peak=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  kill -INT "$pid"
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
  times+=($(( (ready - start) / 1000000 )))
  peaks+=("$peak")
  echo "run $run: ready in $(( (ready - start) / 1000000 )) ms, VmHWM $peak kB" >&2
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

records=$(python3 - "$DATADIR/trie-nodes.log" <<'EOF'
import struct, sys
count = 0
with open(sys.argv[1], "rb") as log:
    while True:
        header = log.read(36)
        if len(header) < 36:
            break
        log.seek(struct.unpack("<I", header[:4])[0], 1)
        count += 1
print(count)
EOF
)
log_bytes=$(stat -c %s "$DATADIR/trie-nodes.log")
redb_bytes=$(stat -c %s "$DATADIR/basalt.redb")
echo "| binary | trie nodes | log MiB | redb MiB | open to ready, ms (median of $RUNS) | VmHWM MiB (median) | runs, ms |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
echo "| $BASALT | $records | $(( log_bytes / 1048576 )) | $(( redb_bytes / 1048576 )) | $(median "${times[@]}") | $(( $(median "${peaks[@]}") / 1024 )) | ${times[*]} |"
echo
echo "Machine: $(nproc) CPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "Commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with local changes)')"
echo "Command: RUNS=$RUNS scripts/bench-node-log.sh $DATADIR $BASALT"
