#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine for kproxy: the system tools the tests and the demo drive (as root,
# through apt), then the workspace's npm packages, which bring their own Node 24 (the `node` package).
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(iproute2 nftables iptables ipset conntrack iputils-ping)
missing=()
# kubectl: Debian's kubernetes-client, unless a kubectl is already installed (some images ship one).
command -v kubectl >/dev/null 2>&1 || packages+=(kubernetes-client)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing Debian's nodejs and npm (only to bootstrap; the repo pins Node 24 itself)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
fi

# `npm install` (which follows package-lock.json) rather than `npm ci`: the registry reachable here does not
# serve every platform's optional binaries (e.g. @swc/core-darwin-arm64), so the lock cannot list them and
# `npm ci` refuses it as out of sync. Installed versions still come from the lock.
if [ ! -x node_modules/.bin/nx ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm install (from package-lock.json)"
  npm install --no-fund --no-audit --loglevel=error
fi
echo "setup: node for the repo's scripts is $(node_modules/.bin/node --version)"
