#!/usr/bin/env bash
# Installs the Debian packages gh-net's tests and demo use, if any is missing. Needs root.
set -euo pipefail
packages=(iproute2 openssh-server openssh-client dnsmasq-base dnsutils python3 iputils-ping curl procps tmux gh busybox)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
command -v swift >/dev/null || { echo "swift is not on PATH (Swift 6.x is required)" >&2; exit 1; }
