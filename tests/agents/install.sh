#!/usr/bin/env bash
# Install the pinned real agent CLIs (Claude Code, Codex, Gemini CLI) outside the
# source tree, for Baton's real-CLI tests and recordings.
#
#   tests/agents/install.sh            # installs into $BATON_AGENTS_DIR (default <repo>/build/agents)
#   BATON_AGENTS_DIR=/somewhere tests/agents/install.sh
#   tests/agents/install.sh --print-dir   # print the install dir and exit
#
# Idempotent: when the installed versions already match package-lock.json (and
# Claude Code's native binary is in place), it does nothing. Prints the bin dir
# (…/node_modules/.bin) as its last line of stdout.
#
# Needs node >= 20 and npm; Codex's sandbox wants `bwrap` (Debian: bubblewrap) on PATH
# (a warning here, not an error: the recordings use escalated commands).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dest="${BATON_AGENTS_DIR:-$repo/build/agents}"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$dest"
  exit 0
fi

log() { echo "install.sh: $*" >&2; }

command -v node >/dev/null || { log "node not found (need node >= 20)"; exit 1; }
command -v npm >/dev/null || { log "npm not found"; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
  log "node $(node --version) is too old (Gemini CLI needs >= 20)"
  exit 1
fi

# The pinned versions, read from package.json (exact versions only).
pinned() {
  node -e '
    const d = require(process.argv[1]).dependencies;
    for (const [k, v] of Object.entries(d)) {
      if (!/^\d+\.\d+\.\d+$/.test(v)) { console.error("not an exact pin: " + k + "@" + v); process.exit(1); }
      console.log(k + " " + v);
    }' "$here/package.json"
}

# True when every pinned package is installed at its pinned version and Claude
# Code's bin/claude.exe is the native binary (not the 500-byte placeholder stub).
installed_ok() {
  [[ -f "$dest/package-lock.json" ]] || return 1
  cmp -s "$dest/package-lock.json" "$here/package-lock.json" || return 1
  local name ver have
  while read -r name ver; do
    have="$(node -p 'require(process.argv[1]).version' "$dest/node_modules/$name/package.json" 2>/dev/null || true)"
    [[ "$have" == "$ver" ]] || return 1
  done < <(pinned)
  local exe="$dest/node_modules/@anthropic-ai/claude-code/bin/claude.exe"
  [[ -x "$exe" ]] && (( $(stat -c %s "$exe") > 1000000 )) || return 1
  return 0
}

place_claude_binary() {
  local pkg="$dest/node_modules/@anthropic-ai/claude-code"
  local exe="$pkg/bin/claude.exe"
  if [[ -x "$exe" ]] && (( $(stat -c %s "$exe") > 1000000 )); then
    return 0
  fi
  log "running Claude Code's postinstall (install.cjs) to put the native binary in place"
  (cd "$pkg" && node install.cjs)
  if ! (( $(stat -c %s "$exe") > 1000000 )); then
    log "Claude Code's native binary is still missing after install.cjs"
    exit 1
  fi
}

start=$(date +%s%N)
if installed_ok; then
  log "pinned CLIs already installed in $dest"
else
  mkdir -p "$dest"
  cp "$here/package.json" "$here/package-lock.json" "$dest/"
  log "installing pinned CLIs into $dest"
  # --ignore-scripts: the only script we need is Claude Code's postinstall, run below;
  # the others (keytar, node-pty builds) would try to download or compile and are
  # not needed (Gemini CLI uses the prebuilt @lydell/node-pty).
  (cd "$dest" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
  place_claude_binary
  installed_ok || { log "installed tree does not match the pins"; exit 1; }
fi
end=$(date +%s%N)

if ! command -v bwrap >/dev/null; then
  log "warning: bwrap not on PATH; Codex's sandboxed commands need it (apt-get install bubblewrap)"
fi

bin="$dest/node_modules/.bin"
while read -r name ver; do log "  $name $ver"; done < <(pinned)
ms=$(( (end - start) / 1000000 ))
log "done in $((ms / 1000)).$(printf '%03d' $((ms % 1000)))s"
echo "$bin"
