#!/usr/bin/env bash
# Starts Perf Pulse on the demo workspace (examples/demo/):
# - with desktop VS Code when `code` is on the PATH (the extension loaded from this folder);
# - otherwise in VS Code served to your browser (code-server on 127.0.0.1), with the extension
#   installed from this folder; it prints the URL to open and runs until Ctrl-C.
#
#   npm run demo
#   PORT=9000 npm run demo              # another port (default 8080, or a free one if taken)
#   PERF_PULSE_DEMO_BROWSER=1 npm run demo  # the browser VS Code even when `code` exists
#   npm run demo -- path/to/workspace   # another workspace
#   bash scripts/demo/seed-history.sh --fresh   # the demo's history back to the recording
set -euo pipefail

cd "$(dirname "$0")/.."
repo="$PWD"

if [[ ! -d node_modules ]]; then
  echo "[demo] installing npm dependencies (first run) ..."
  npm ci --no-audit --no-fund
fi
echo "[demo] building ..."
npm run --silent build

workspace="${1:-examples/demo}"
if [[ ! -e "$workspace/perfpulse.json" ]]; then
  if [[ $# -eq 0 ]]; then
    echo "[demo] examples/demo has no perfpulse.json yet; using the test fixture instead"
    workspace="test/fixtures/basic"
  else
    echo "[demo] note: $workspace has no perfpulse.json; Perf Pulse will offer to create one"
  fi
fi
workspace="$(cd "$workspace" && pwd)"
if [[ "$workspace" == "$repo/examples/demo" ]]; then
  # The demo opens with a recorded history: trends, a regression, a budget and a forecast
  # before anything has run.
  bash scripts/demo/seed-history.sh
fi

if command -v code >/dev/null && [[ -z "${PERF_PULSE_DEMO_BROWSER:-}" ]]; then
  echo "[demo] opening desktop VS Code on $workspace"
  exec code --new-window --extensionDevelopmentPath="$repo" "$workspace"
fi

# The browser-served VS Code builds native modules on its first install: system packages first.
# shellcheck source=scripts/system-packages.sh
source scripts/system-packages.sh
perf_pulse_install_system_packages
node scripts/vscode-test/install-host.mjs
entry="${PERF_PULSE_HOST_DIR:-.vscode-test/code-server}/node_modules/code-server/out/node/entry.js"
state=".vscode-test/demo"
user_data="$state/user-data"
extensions="$state/extensions"

# Install the extension the way VS Code installs one: a folder named publisher.name-version in
# the extensions dir (here a link to this repository), so it loads for anyone opening the URL,
# without special launch parameters. Start from an empty dir so an old version never lingers.
rm -rf "$extensions"
mkdir -p "$extensions" "$user_data/User"
ext_name=$(node -p 'const p=require("./package.json"); `${p.publisher}.${p.name}-${p.version}`')
ln -s "$repo" "$extensions/$ext_name"
if [[ ! -f "$user_data/User/settings.json" ]]; then
  cat >"$user_data/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "git.openRepositoryInParentFolders": "never"
}
JSON
fi

port_free() { node -e 'const s=require("net").createServer();s.once("error",()=>process.exit(1));s.listen(+process.argv[1],"127.0.0.1",()=>s.close(()=>process.exit(0)))' "$1"; }
port="${PORT:-8080}"
if ! port_free "$port"; then
  taken="$port"
  port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  echo "[demo] port $taken is taken; using $port"
fi

url="http://127.0.0.1:$port/?folder=$(node -p 'encodeURIComponent(process.argv[1])' "$workspace")"
echo
echo "[demo] Perf Pulse in VS Code (browser) on $workspace"
echo "[demo] open: $url"
echo "[demo] stop with Ctrl-C"
echo
exec node "$entry" \
  --auth none \
  --bind-addr "127.0.0.1:$port" \
  --disable-telemetry \
  --disable-update-check \
  --disable-workspace-trust \
  --user-data-dir "$user_data" \
  --extensions-dir "$extensions" \
  "$workspace"
