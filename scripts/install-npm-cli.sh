#!/usr/bin/env bash
# Installs an npm CLI for the end-to-end tests, one project-local prefix per version:
#
#   scripts/install-npm-cli.sh [--min-node N] [--smoke] PACKAGE VERSIONS-FILE DEST [VERSIONS]
#
# Every version listed in VERSIONS-FILE (one a line, '#' starts a comment) goes to DEST/VERSION (npm --global
# --prefix), so that it needs no root and leaves the machine's global npm alone; the tests run DEST/VERSION/bin/NAME
# for each NAME of the package's "bin". VERSIONS (space or comma separated; empty means none) overrides the file.
# A version already installed (its package.json says that version and every bin is there) is not fetched again, so
# a machine that has them all runs neither npm nor the network. A version is installed into a scratch
# folder first and moved into place only once npm and the checks succeeded: a failed install leaves nothing that
# passes for installed. --min-node N refuses a Node.js older than N (npm only warns about "engines"); --smoke runs
# each bin with --version after installing it. Exits 1 on an empty list, a missing or too old node/npm, or a failed
# install. Needs only node, npm and the npm registry.
set -euo pipefail

usage() {
  echo "usage: $0 [--min-node N] [--smoke] PACKAGE VERSIONS-FILE DEST [VERSIONS]" >&2
  exit 2
}

min_node=""
smoke=""
while [ $# -gt 0 ]; do
  case "$1" in
    --min-node) [ $# -ge 2 ] || usage; min_node="$2"; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
  esac
done
[ $# -ge 3 ] && [ $# -le 4 ] || usage
package="$1"
list="$2"
base="$3"
override="${4:-}"

if [ -n "$override" ]; then
  read -r -a versions <<<"${override//,/ }"
else
  mapfile -t versions < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$' || true)
fi
if [ "${#versions[@]}" -eq 0 ]; then
  echo "error: no $package version listed in $list" >&2
  exit 1
fi

# DEST holds only version folders: a single-version layout of earlier checkouts (DEST/bin, DEST/lib) is not read.
rm -rf "${base:?}/bin" "${base:?}/lib"

# Prints the version installed in prefix $1 when its package.json names one and every bin it declares is executable.
installed_version() {
  local manifest="$1/lib/node_modules/$package/package.json"
  [ -f "$manifest" ] && command -v node >/dev/null 2>&1 || return 0
  node -e '
    const fs = require("fs"), path = require("path");
    const [manifest, prefix, pkg] = process.argv.slice(1);
    const json = JSON.parse(fs.readFileSync(manifest, "utf8"));
    const names = typeof json.bin === "string" ? [pkg.split("/").pop()] : Object.keys(json.bin || {});
    const executable = (file) => { try { fs.accessSync(file, fs.constants.X_OK); return true; } catch { return false; } };
    if (names.every((name) => executable(path.join(prefix, "bin", name)))) console.log(json.version);
  ' "$manifest" "$1" "$package" 2>/dev/null || true
}

missing=()
for version in "${versions[@]}"; do
  if [ "$(installed_version "$base/$version")" = "$version" ]; then
    echo "$package $version already installed in $base/$version"
  else
    missing+=("$version")
  fi
done
[ "${#missing[@]}" -gt 0 ] || exit 0

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "error: node and npm are needed to install $package (Node.js ${min_node:-18} or newer)" >&2
  exit 1
fi
if [ -n "$min_node" ]; then
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$node_major" -lt "$min_node" ]; then
    echo "error: $package needs Node.js $min_node or newer (found $(node --version)); install a newer nodejs" >&2
    exit 1
  fi
fi

scratch=""
# A failed install leaves no scratch folder behind.
trap '[ -z "$scratch" ] || rm -rf "$scratch"' EXIT
for version in "${missing[@]}"; do
  echo "Installing $package@$version into $base/$version"
  scratch="$base/.installing-$version"
  rm -rf "${scratch:?}"
  mkdir -p "$scratch"
  # --include=optional: some packages pull their native binary as an optional dependency for this platform.
  npm install --global --prefix "$scratch" --include=optional --no-audit --no-fund --loglevel=error "$package@$version"
  found="$(installed_version "$scratch")"
  if [ "$found" != "$version" ]; then
    echo "error: npm installed $package '${found:-nothing}' where $version was asked for, in $scratch" >&2
    exit 1
  fi
  if [ -n "$smoke" ]; then
    for bin in "$scratch"/bin/*; do
      # DISABLE_AUTOUPDATER: Claude Code would otherwise look for a newer version of itself.
      DISABLE_AUTOUPDATER=1 "$bin" --version
    done
  fi
  # npm's bin links are relative (../lib/node_modules/...), so the prefix can move.
  rm -rf "${base:?}/$version"
  mv "$scratch" "$base/$version"
  scratch=""
done
