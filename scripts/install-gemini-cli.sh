#!/usr/bin/env bash
# Installs the real Gemini CLI (npm @google/gemini-cli) for the end-to-end tests: every version listed in
# tests/Switchboard.IntegrationTests/GeminiCli/gemini-cli-versions.txt (or in SWITCHBOARD_GEMINI_CLI_VERSIONS, space
# or comma separated), each into its own project-local prefix .artifacts/gemini-cli/<version>, so that it needs no root
# and leaves the machine's global npm alone. Needs only node, npm and the npm registry. The tests run
# .artifacts/gemini-cli/<version>/bin/gemini. A version already installed is not fetched again.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="$root/.artifacts/gemini-cli"
package="@google/gemini-cli"
list="$root/tests/Switchboard.IntegrationTests/GeminiCli/gemini-cli-versions.txt"

if [ -n "${SWITCHBOARD_GEMINI_CLI_VERSIONS:-}" ]; then
  read -r -a versions <<<"${SWITCHBOARD_GEMINI_CLI_VERSIONS//,/ }"
else
  mapfile -t versions < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$')
fi
if [ "${#versions[@]}" -eq 0 ]; then
  echo "error: no Gemini CLI version listed in $list" >&2
  exit 1
fi

missing=()
for version in "${versions[@]}"; do
  # The installed package's own version, read from its package.json (running the CLI would start its checks).
  manifest="$base/$version/lib/node_modules/$package/package.json"
  installed=""
  if [ -x "$base/$version/bin/gemini" ] && [ -f "$manifest" ]; then
    installed="$(node -p "require(process.argv[1]).version" "$manifest" 2>/dev/null || true)"
  fi
  if [ "$installed" = "$version" ]; then
    echo "Gemini CLI $version already installed in $base/$version"
  else
    missing+=("$version")
  fi
done
[ "${#missing[@]}" -gt 0 ] || exit 0

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "error: node and npm are needed to install $package (Node.js 20 or newer)" >&2
  exit 1
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "error: $package needs Node.js 20 or newer (found $(node --version)); install a newer nodejs, or set SWITCHBOARD_SKIP_GEMINI_CLI=1" >&2
  exit 1
fi

for version in "${missing[@]}"; do
  echo "Installing $package@$version into $base/$version"
  rm -rf "${base:?}/$version"
  mkdir -p "$base/$version"
  npm install --global --prefix "$base/$version" --include=optional --no-audit --no-fund --loglevel=error "$package@$version"
  test -x "$base/$version/bin/gemini"
done
