#!/usr/bin/env bash
# Installs what the integration tests start for real: PostgreSQL server binaries (the tests run initdb/pg_ctl
# themselves on a loopback port), redis-server and nginx (tests start their own on free ports), Debian's Chromium (the
# dashboard's browser tests drive it with Playwright, which then downloads no browser), and the versions of the coding
# CLIs the end-to-end tests run (Claude Code, Codex CLI, Gemini CLI: npm, project-local).
# Debian packages need root. Does nothing when already present.
set -euo pipefail

have_postgres() {
  command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

missing=()
have_postgres || missing+=(postgresql)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# nginx: the TLS front of docs/deploy.md, run by the Tls tests on their own ports (the Debian service is stopped below).
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
# redis-server: shared state and the Redis response cache, started by the tests on their own ports.
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)

command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# Claude Code (the end-to-end tests' client) comes from the npm registry, installed with the machine's Node.js and npm.
if [ "${SWITCHBOARD_SKIP_CLAUDE_CODE:-}" != 1 ] || [ "${SWITCHBOARD_SKIP_CODEX:-}" != 1 ] || [ "${SWITCHBOARD_SKIP_GEMINI_CLI:-}" != 1 ]; then
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
fi

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
    service nginx stop >/dev/null 2>&1 || true
    service redis-server stop >/dev/null 2>&1 || true
  fi
fi
# Every version of each coding CLI the end-to-end tests run, listed beside its tests (SWITCHBOARD_*_VERSIONS overrides
# the list), each into .artifacts/<cli>/<version> by scripts/install-npm-cli.sh; SWITCHBOARD_SKIP_*=1 skips a CLI.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli_tests="$root/tests/Switchboard.IntegrationTests"
[ "${SWITCHBOARD_SKIP_CLAUDE_CODE:-}" = 1 ] || "$root/scripts/install-npm-cli.sh" --smoke @anthropic-ai/claude-code \
  "$cli_tests/ClaudeCode/claude-code-versions.txt" "$root/.artifacts/claude-code" "${SWITCHBOARD_CLAUDE_CODE_VERSIONS:-}"
[ "${SWITCHBOARD_SKIP_CODEX:-}" = 1 ] || "$root/scripts/install-npm-cli.sh" --smoke @openai/codex \
  "$cli_tests/Codex/codex-versions.txt" "$root/.artifacts/codex" "${SWITCHBOARD_CODEX_VERSIONS:-}"
# Gemini CLI runs its checks when started (so no --smoke) and needs Node.js 20.
[ "${SWITCHBOARD_SKIP_GEMINI_CLI:-}" = 1 ] || "$root/scripts/install-npm-cli.sh" --min-node 20 @google/gemini-cli \
  "$cli_tests/GeminiCli/gemini-cli-versions.txt" "$root/.artifacts/gemini-cli" "${SWITCHBOARD_GEMINI_CLI_VERSIONS:-}"
