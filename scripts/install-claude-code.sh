#!/usr/bin/env bash
# Installs the real Claude Code CLI (npm @anthropic-ai/claude-code) for the end-to-end tests, into a project-local
# prefix (.artifacts/claude-code) so that it needs no root and leaves the machine's global npm alone. Needs only node,
# npm and the npm registry. The tests find it at .artifacts/claude-code/bin/claude (or SWITCHBOARD_CLAUDE_CODE_BIN).
# Pin a version with CLAUDE_CODE_VERSION=2.1.x; default: the registry's latest. Does nothing when that version is there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.artifacts/claude-code"
package="@anthropic-ai/claude-code"

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "error: node and npm are needed to install $package (Node.js 18 or newer)" >&2
  exit 1
fi

# Pinned to the version the end-to-end tests were written against; CLAUDE_CODE_VERSION=latest takes the newest.
wanted="${CLAUDE_CODE_VERSION:-2.1.332}"
[ "$wanted" != latest ] || wanted=""
if [ -z "$wanted" ]; then
  wanted="$(npm view "$package" version 2>/dev/null || true)"
fi

installed=""
if [ -x "$prefix/bin/claude" ]; then
  installed="$("$prefix/bin/claude" --version 2>/dev/null | awk '{print $1}' || true)"
fi

if [ -n "$installed" ] && { [ -z "$wanted" ] || [ "$installed" = "$wanted" ]; }; then
  echo "Claude Code $installed already installed in $prefix"
  exit 0
fi

if [ -z "$wanted" ]; then
  echo "error: cannot reach the npm registry to find $package's version" >&2
  exit 1
fi

echo "Installing $package@$wanted into $prefix"
mkdir -p "$prefix"
npm install --global --prefix "$prefix" --include=optional --no-audit --no-fund --loglevel=error "$package@$wanted"
"$prefix/bin/claude" --version
