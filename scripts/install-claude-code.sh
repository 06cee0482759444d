#!/usr/bin/env bash
# Installs the real Claude Code CLI (npm @anthropic-ai/claude-code) for the end-to-end tests: every version listed in
# tests/Switchboard.IntegrationTests/ClaudeCode/claude-code-versions.txt (or in SWITCHBOARD_CLAUDE_CODE_VERSIONS, space
# or comma separated), each into its own project-local prefix .artifacts/claude-code/<version>, so that it needs no
# root and leaves the machine's global npm alone. Needs only node, npm and the npm registry. The tests run
# .artifacts/claude-code/<version>/bin/claude. A version already installed is not fetched again.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="$root/.artifacts/claude-code"
package="@anthropic-ai/claude-code"
list="$root/tests/Switchboard.IntegrationTests/ClaudeCode/claude-code-versions.txt"

if [ -n "${SWITCHBOARD_CLAUDE_CODE_VERSIONS:-}" ]; then
  read -r -a versions <<<"${SWITCHBOARD_CLAUDE_CODE_VERSIONS//,/ }"
else
  mapfile -t versions < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$')
fi
if [ "${#versions[@]}" -eq 0 ]; then
  echo "error: no Claude Code version listed in $list" >&2
  exit 1
fi

# The single-version layout of earlier checkouts (.artifacts/claude-code/bin, lib) is no longer read.
rm -rf "$base/bin" "$base/lib"

missing=()
for version in "${versions[@]}"; do
  claude="$base/$version/bin/claude"
  installed=""
  if [ -x "$claude" ]; then
    installed="$(DISABLE_AUTOUPDATER=1 "$claude" --version 2>/dev/null | awk '{print $1}' || true)"
  fi
  if [ "$installed" = "$version" ]; then
    echo "Claude Code $version already installed in $base/$version"
  else
    missing+=("$version")
  fi
done
[ "${#missing[@]}" -gt 0 ] || exit 0

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "error: node and npm are needed to install $package (Node.js 18 or newer)" >&2
  exit 1
fi

for version in "${missing[@]}"; do
  echo "Installing $package@$version into $base/$version"
  rm -rf "${base:?}/$version"
  mkdir -p "$base/$version"
  npm install --global --prefix "$base/$version" --include=optional --no-audit --no-fund --loglevel=error "$package@$version"
  DISABLE_AUTOUPDATER=1 "$base/$version/bin/claude" --version
done
