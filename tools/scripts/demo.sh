#!/usr/bin/env bash
# The README's main job: set up a fresh machine (tools/setup/setup.sh), then run kproxy against the
# harness's embedded cluster inside throw-away network namespaces, probe services with real connections,
# change the cluster, probe again, and clean up (apps/harness/src/demo/main.ts). Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    echo "demo: network namespaces need root; re-running with sudo"
    exec sudo -E bash "$0" "$@"
  fi
  echo "demo: must run as root (it creates network namespaces)" >&2
  exit 2
fi

bash tools/setup/setup.sh
echo
exec node_modules/.bin/node --conditions=@kproxy/source --no-warnings apps/harness/src/demo/main.ts "$@"
