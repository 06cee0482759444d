# Helpers shared by the bench scripts (sourced, not run). The sourcing script defines die(); WAIT_HINT, when set,
# is added to wait_http's error (e.g. where the servers' logs are).

# A port nobody listens on or connects from: random, checked against the kernel's listening sockets (IPv4 and IPv6).
free_port() {
  local port hex
  while true; do
    port=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768+), which outgoing connections take ports from
    hex=$(printf '%04X' "$port")
    if ! awk -v h=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == h { found = 1 } END { exit !found }' \
      /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

wait_http() { # url seconds pid
  local url=$1 deadline=$((SECONDS + $2)) pid=$3
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || die "process $pid died before $url was ready${WAIT_HINT:+ ($WAIT_HINT)}"
    ((SECONDS < deadline)) || die "$url not ready after $2 s"
    sleep 0.2
  done
}
