#!/usr/bin/env bash
# Gives the demo workspace its recorded history: imports examples/demo/history/demo-history.json
# (a `perf-pulse history export`, recorded by scripts/demo/record-history.ts with the real
# runner) into examples/demo/.perfpulse/history, where the editor and the CLI both find it.
# Does nothing when that history exists already (your own runs are kept); `--fresh` starts it
# again from the recording. Needs the CLI built (npm run build). DIR seeds a copy of the demo
# workspace instead (the UI test does).
#
#   bash scripts/demo/seed-history.sh [--fresh] [DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
recording="examples/demo/history/demo-history.json"
fresh=0
if [[ "${1:-}" == "--fresh" ]]; then fresh=1; shift; fi
demo="${1:-examples/demo}"
history="$demo/.perfpulse/history"
if [[ $fresh -eq 1 ]]; then rm -rf "$history"; fi
if [[ -d "$history" ]]; then
  echo "[demo] history: $history (kept; --fresh starts it again from the recording)"
  exit 0
fi
node dist/cli.js import "$recording" --workspace "$demo" --history "$history" >/dev/null
echo "[demo] history: imported the recorded runs into $history"
