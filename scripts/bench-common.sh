# Shell helpers shared by the benchmark scripts (sourced, not run). They start one node at a time
# and keep its pid in NODE_PID.

# A port nothing listens on (connecting to it fails), below Linux's ephemeral range (32768 on):
# a port from that range can be taken by an outgoing connection before the node binds it.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    if ! { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
      echo "$port"
      return
    fi
    exec 3>&-
  done
}

# Stops the node started last and forgets its pid.
stop_node() {
  kill "$NODE_PID" 2>/dev/null || true
  wait "$NODE_PID" 2>/dev/null || true
  NODE_PID=
}
