#!/usr/bin/env bash
# Installs what the integration tests start for real: PostgreSQL server binaries (the tests run initdb/pg_ctl
# themselves on a loopback port), Debian's headless-capable Chromium (the dashboard's browser tests drive it with
# Playwright, which then downloads no browser), and the Claude Code CLI versions the end-to-end tests run (npm, project-local).
# Debian packages need root. Does nothing when already present.
set -euo pipefail

have_postgres() {
  command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

missing=()
have_postgres || missing+=(postgresql)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# Claude Code (the end-to-end tests' client) comes from the npm registry, installed with the machine's Node.js and npm.
[ "${SWITCHBOARD_SKIP_CLAUDE_CODE:-}" = 1 ] || command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
  fi
  echo "Installing test dependencies: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The Debian package starts its own cluster and server; the tests start their own, so stop those.
  if command -v service >/dev/null 2>&1; then
    service postgresql stop >/dev/null 2>&1 || true
  fi
fi
# Every Claude Code version the end-to-end tests run (tests/Switchboard.IntegrationTests/ClaudeCode/claude-code-versions.txt).
[ "${SWITCHBOARD_SKIP_CLAUDE_CODE:-}" = 1 ] || "$(dirname "${BASH_SOURCE[0]}")/install-claude-code.sh"
