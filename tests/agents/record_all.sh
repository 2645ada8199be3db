#!/usr/bin/env bash
# Re-record the committed fixtures: every CLI through every scenario listed below.
#
#   tests/agents/record_all.sh                 # all CLIs, scenarios normal blocked compact
#                                              # retry interrupt startup (and reconnect for codex)
#   tests/agents/record_all.sh claude          # one CLI
#   tests/agents/record_all.sh gemini edit     # one CLI, given scenarios
#
# Installs the pinned CLIs first (install.sh, idempotent). Recordings go to
# tests/agents/recordings/<cli>-<scenario>.cast; run dirs (HOME, work dir, mock.log,
# screens.txt) to $BATON_AGENT_RUNS (default /var/tmp/baton-agent-runs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/install.sh" >/dev/null

clis=(claude codex gemini)
scenarios=(normal blocked compact retry interrupt startup)
given=0
if (( $# >= 1 )); then clis=("$1"); shift; fi
if (( $# >= 1 )); then scenarios=("$@"); given=1; fi

fail=0
for cli in "${clis[@]}"; do
  list=("${scenarios[@]}")
  # reconnect is recorded with Codex only (the others retry a cut stream silently)
  if [[ $cli == codex && $given == 0 ]]; then list+=(reconnect); fi
  for sc in "${list[@]}"; do
    out="$here/recordings/$cli-$sc.cast"
    echo "== $cli $sc -> ${out#$here/}" >&2
    if ! python3 "$here/record.py" record --cli "$cli" --scenario "$here/scenarios/$sc.json" --out "$out"; then
      echo "!! $cli $sc failed (see the run dir's screens.txt and mock.log)" >&2
      fail=1
    fi
  done
done
exit $fail
