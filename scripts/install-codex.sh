#!/usr/bin/env bash
# Installs the real Codex CLI (npm @openai/codex) for the end-to-end tests: every version listed in
# tests/Switchboard.IntegrationTests/Codex/codex-versions.txt (or in SWITCHBOARD_CODEX_VERSIONS, space or comma
# separated), each into its own project-local prefix .artifacts/codex/<version>, so that it needs no root and leaves
# the machine's global npm alone. Needs only node, npm and the npm registry. The tests run
# .artifacts/codex/<version>/bin/codex. A version already installed is not fetched again.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="$root/.artifacts/codex"
package="@openai/codex"
list="$root/tests/Switchboard.IntegrationTests/Codex/codex-versions.txt"

if [ -n "${SWITCHBOARD_CODEX_VERSIONS:-}" ]; then
  read -r -a versions <<<"${SWITCHBOARD_CODEX_VERSIONS//,/ }"
else
  mapfile -t versions < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$')
fi
if [ "${#versions[@]}" -eq 0 ]; then
  echo "error: no Codex version listed in $list" >&2
  exit 1
fi

missing=()
for version in "${versions[@]}"; do
  codex="$base/$version/bin/codex"
  installed=""
  if [ -x "$codex" ]; then
    # `codex --version` prints "codex-cli 0.169.0".
    installed="$("$codex" --version 2>/dev/null | awk '{print $NF}' || true)"
  fi
  if [ "$installed" = "$version" ]; then
    echo "Codex $version already installed in $base/$version"
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
  # The package pulls its native binary as an optional dependency for this platform.
  npm install --global --prefix "$base/$version" --include=optional --no-audit --no-fund --loglevel=error "$package@$version"
  "$base/$version/bin/codex" --version
done
