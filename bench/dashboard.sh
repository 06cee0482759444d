#!/usr/bin/env bash
# The dashboard on a big store: fills ROWS usage rows (default 1,000,000) over 30 days, then times every request the
# dashboard page makes against a real gateway (docs/benchmarks.md, "Dashboard on 1,000,000 usage rows").
# usage: bench/dashboard.sh [sqlite|postgres|both] [ROWS]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "error: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
WHICH=${1:-both}
ROWS=${2:-1000000}
PG_STOP=()
PG_DIR=""
cleanup() {
  if ((${#PG_STOP[@]} > 0)); then "${PG_STOP[@]}" >/dev/null 2>&1 || true; fi
  [[ -z "$PG_DIR" ]] || rm -rf "$PG_DIR"
}
trap cleanup EXIT

dotnet build -c Release "$ROOT/bench/Switchboard.Bench" >/dev/null
run() { dotnet "$ROOT/bench/Switchboard.Bench/bin/Release/net10.0/Switchboard.Bench.dll" dashboard "$ROWS" "$@"; }

if [[ "$WHICH" == sqlite || "$WHICH" == both ]]; then
  run
fi

if [[ "$WHICH" == postgres || "$WHICH" == both ]]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -n "$bin" && -x "$bin/initdb" ]] || die "needs PostgreSQL's server binaries (apt-get install postgresql)"
  PG_DIR=$(mktemp -d)
  as=()
  if [[ $(id -u) == 0 ]]; then
    chown -R postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
  port=$(free_port)
  "${as[@]}" "$bin/pg_ctl" start -D "$PG_DIR/data" -w -t 60 -l "$PG_DIR/server.log" \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1" >/dev/null
  PG_STOP=("${as[@]}" "$bin/pg_ctl" stop -D "$PG_DIR/data" -m fast -w)
  run "postgresql://postgres@127.0.0.1:$port/postgres"
fi
