#!/usr/bin/env bash
# Installs the browser view's pinned npm packages (package.json,
# package-lock.json) outside the source tree: xterm.js, which the build
# embeds in the baton binary, and for the browser tests @xterm/headless and
# playwright-core (which drives Debian's Chromium and downloads no browser).
#
#   web/install.sh                       # into $BATON_WEB_MODULES (default <repo>/build/web)
#   BATON_WEB_MODULES=/somewhere web/install.sh
#
# Idempotent: when the installed versions match the lock file, it does
# nothing. Prints the node_modules directory as its last line of stdout.
# Needs node and npm (the build runs it when xterm.js is not installed yet).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
dest="${BATON_WEB_MODULES:-$repo/build/web}"

log() { echo "web/install.sh: $*" >&2; }

command -v node >/dev/null || { log "node not found"; exit 1; }
command -v npm >/dev/null || { log "npm not found"; exit 1; }

# The pinned versions (exact versions only).
pinned() {
  node -e '
    const d = require(process.argv[1]).dependencies;
    for (const [k, v] of Object.entries(d)) {
      if (!/^\d+\.\d+\.\d+$/.test(v)) { console.error("not an exact pin: " + k + "@" + v); process.exit(1); }
      console.log(k + " " + v);
    }' "$here/package.json"
}

installed_ok() {
  [[ -f "$dest/package-lock.json" ]] || return 1
  cmp -s "$dest/package-lock.json" "$here/package-lock.json" || return 1
  local name ver have
  while read -r name ver; do
    have="$(node -p 'require(process.argv[1]).version' \
              "$dest/node_modules/$name/package.json" 2>/dev/null || true)"
    [[ "$have" == "$ver" ]] || return 1
  done < <(pinned)
}

if installed_ok; then
  log "pinned packages already installed in $dest"
else
  mkdir -p "$dest"
  cp "$here/package.json" "$here/package-lock.json" "$dest/"
  log "installing the pinned packages into $dest"
  # --ignore-scripts: none of them needs one (and playwright-core's would
  # not download a browser anyway).
  (cd "$dest" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
  installed_ok || { log "installed tree does not match the pins"; exit 1; }
fi
while read -r name ver; do log "  $name $ver"; done < <(pinned)
echo "$dest/node_modules"
